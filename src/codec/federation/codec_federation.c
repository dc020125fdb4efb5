/* Node-to-node messages as JSON (codec/federation/federation.h), on jansson and the resources'
 * field tables. */
#include "codec/federation/federation.h"

#include "codec/json/json_fields.h"
#include "crypto/crypto.h"
#include "util/alloc.h"
#include "model/directory.h"
#include "model/enums.h"
#include "model/sharing.h"

#include <string.h>

static const struct {
    const kz_schema *schema;
    size_t size;
} kinds[KZ_FED_KINDS] = {
    [KZ_FED_ORGANIZATION] = {&kz_org_schema, sizeof(kz_org)},
    [KZ_FED_CONTACT] = {&kz_contact_schema, sizeof(kz_contact)},
    [KZ_FED_INCIDENT] = {&kz_incident_schema, sizeof(kz_incident)},
    [KZ_FED_INDICATOR] = {&kz_indicator_schema, sizeof(kz_indicator)},
    [KZ_FED_SIGHTING] = {&kz_sighting_schema, sizeof(kz_sighting)},
    [KZ_FED_REQUEST] = {NULL, sizeof(kz_fed_request)},
    [KZ_FED_CHECK] = {NULL, sizeof(kz_fed_check)},
    [KZ_FED_STATEMENT] = {NULL, sizeof(kz_fed_statement)},
};

const kz_schema *kz_fed_kind_schema(int kind) { return kind >= 0 && kind < KZ_FED_KINDS ? kinds[kind].schema : NULL; }

size_t kz_fed_kind_size(int kind) { return kind >= 0 && kind < KZ_FED_KINDS ? kinds[kind].size : 0; }

/* {"id", "request": {...}, "entries": [{"seq", "at", "organization", "action", "body",
 * "hash", "signature"}, ...]} */
static json_t *request_json(const kz_fed_request *r)
{
    json_t *entries = json_array();
    json_t *o = json_pack("{s:s, s:o, s:o}", "id", r->id, "request", kz_json_encode(&kz_request_schema, &r->req),
                          "entries", entries);
    for (size_t i = 0; o && i < r->n_entries; i++) {
        const kz_request_entry *e = &r->entries[i];
        if (json_array_append_new(entries, json_pack("{s:I, s:I, s:s?, s:s, s:s, s:s, s:s}", "seq", (json_int_t)e->seq,
                                                     "at", (json_int_t)e->at, "organization", e->actor_org, "action",
                                                     e->action, "body", e->body, "hash", e->hash, "signature",
                                                     e->signature))) {
            json_decref(o);
            return NULL;
        }
    }
    json_t *files = r->n_attachments ? json_array() : NULL;
    for (size_t i = 0; o && i < r->n_attachments; i++) {
        const kz_attachment *t = &r->attachments[i];
        size_t n = kz_b64_encoded_size((size_t)t->size);
        char *b64 = kz_malloc(n);
        if (b64)
            kz_b64_encode(t->data ? t->data : (const unsigned char *)"", (size_t)t->size, b64, n);
        json_t *f = b64 ? json_pack("{s:s, s:s, s:s}", "id", t->id, "sha256", t->sha256, "content_base64", b64) : NULL;
        kz_free(b64);
        if (json_array_append_new(files, f)) {
            json_decref(o);
            o = NULL;
        }
    }
    if (o && files && json_object_set_new(o, "attachments", files)) {
        json_decref(o);
        return NULL;
    }
    if (!o)
        json_decref(files);
    return o;
}

/* {"id", "organization", "created", "deadline", "targets": [{"contact", "sent",
 * "answered"}, ...]}, times in milliseconds, answered 0 while open. */
static json_t *check_json(const kz_fed_check *k)
{
    json_t *targets = json_array();
    json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:o}", "id", k->id, "organization", k->organization, "created",
                          (json_int_t)k->created, "deadline", (json_int_t)k->deadline, "targets", targets);
    for (size_t i = 0; o && i < k->n; i++) {
        const kz_fed_check_target *t = &k->targets[i];
        if (json_array_append_new(targets, json_pack("{s:s, s:I, s:I}", "contact", t->contact, "sent",
                                                     (json_int_t)t->sent, "answered", (json_int_t)t->answered))) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

/* An array of n items of size each, by their field table. */
static json_t *array_of(const kz_schema *sc, const void *items, size_t n, size_t size)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++)
        if (json_array_append_new(arr, kz_json_encode(sc, (const char *)items + i * size))) {
            json_decref(arr);
            return NULL;
        }
    return arr;
}

/* {"id", "statement": {...}, "versions": [...], "signatures": [...]}; the statement and
 * its versions only from the drafter's node. */
static json_t *statement_json(const kz_fed_statement *s)
{
    json_t *o = json_pack("{s:s, s:o}", "id", s->id, "signatures",
                          array_of(&kz_statement_sig_schema, s->sigs, s->n_sigs, sizeof *s->sigs));
    if (o && s->has_statement &&
        (json_object_set_new(o, "statement", kz_json_encode(&kz_statement_schema, &s->st)) ||
         json_object_set_new(o, "versions", array_of(&kz_statement_version_schema, s->versions, s->n_versions,
                                                     sizeof *s->versions)))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *object_json(int kind, const void *obj)
{
    return kind == KZ_FED_REQUEST     ? request_json(obj)
           : kind == KZ_FED_CHECK     ? check_json(obj)
           : kind == KZ_FED_STATEMENT ? statement_json(obj)
                                      : kz_json_encode(kinds[kind].schema, obj);
}

static json_t *change_json(const kz_fed_change *c)
{
    json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "seq", (json_int_t)c->seq, "kind",
                          kz_enum_name(&kz_fed_kind_enum, c->kind), "op", c->deleted ? "delete" : "upsert", "id", c->id);
    if (o && !c->deleted && json_object_set_new(o, "object", object_json(c->kind, c->obj))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

kz_rc kz_fed_batch_write(const kz_fed_batch *b, kz_buf *out, kz_err *err)
{
    json_t *arr = json_array();
    json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:o}", "protocol", "kizuna-federation-1", "node", b->node, "after",
                          (json_int_t)b->after, "last", (json_int_t)b->last, "head", (json_int_t)b->head, "changes", arr);
    for (size_t i = 0; o && i < b->n; i++)
        if (json_array_append_new(arr, change_json(&b->items[i]))) {
            json_decref(o);
            o = NULL;
        }
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!text)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    kz_rc rc = kz_buf_puts(out, text);
    kz_free_libc(text);
    return rc ? kz_fail(err, rc, NULL, "the batch does not fit") : KZ_OK;
}

static json_t *load(const char *text, size_t n, const char *what, kz_err *err)
{
    json_error_t je;
    json_t *o = n <= KZ_FED_MESSAGE_MAX ? json_loadb(text, n, JSON_REJECT_DUPLICATES, &je) : NULL;
    if (!o && n > KZ_FED_MESSAGE_MAX)
        kz_fail(err, KZ_ETOOBIG, "", "the %s is larger than %d bytes", what, KZ_FED_MESSAGE_MAX);
    else if (!o)
        kz_fail(err, KZ_EINVAL, "", "the %s is malformed JSON at line %d, column %d: %s", what, je.line, je.column, je.text);
    else if (!json_is_object(o)) {
        json_decref(o);
        o = NULL;
        kz_fail(err, KZ_EINVAL, "", "the %s must be a JSON object", what);
    }
    return o;
}

static kz_rc get_int(json_t *o, const char *key, int64_t *out, kz_err *err)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return kz_fail(err, KZ_EINVAL, key, "%s must be an integer of at least 0", key);
    *out = json_integer_value(v);
    return KZ_OK;
}

static kz_rc get_str(json_t *o, const char *key, kz_arena *a, const char **out, kz_err *err)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 256 ||
        strlen(json_string_value(v)) != json_string_length(v))
        return kz_fail(err, KZ_EINVAL, key, "%s must be a string of 1 to 256 bytes", key);
    *out = kz_arena_strdup(a, json_string_value(v));
    return *out ? KZ_OK : kz_fail(err, KZ_ENOMEM, key, NULL);
}

/* A string member of at most max bytes without NUL, copied into a. */
static kz_rc text_of(json_t *o, const char *key, size_t max, bool optional, kz_arena *a, char **out, kz_err *err)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if ((!v || json_is_null(v)) && optional) /* as the writer puts an absent one */
        return KZ_OK;
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > max ||
        strlen(json_string_value(v)) != json_string_length(v))
        return kz_fail(err, KZ_EINVAL, key, "%s must be a string of 1 to %zu bytes", key, max);
    *out = kz_arena_strdup(a, json_string_value(v));
    return *out ? KZ_OK : kz_fail(err, KZ_ENOMEM, NULL, NULL);
}

/* Every member of o is one of names (NULL-terminated); what names a message says. */
static kz_rc only_in(json_t *o, const char *const *names, const char *what, kz_err *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        size_t i = 0;
        while (names[i] && strcmp(names[i], key) != 0)
            i++;
        if (!names[i])
            return kz_fail(err, KZ_EINVAL, key, "unknown field '%.64s' in %s", key, what);
    }
    return KZ_OK;
}

/* A time in milliseconds: an integer from 0 up to year 9999. */
static kz_rc time_of(json_t *o, const char *key, kz_time *out, kz_err *err)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 253402300799999LL)
        return kz_fail(err, KZ_EINVAL, key, "%s must be a time in milliseconds (an integer of at least 0)", key);
    *out = json_integer_value(v);
    return KZ_OK;
}

static kz_rc decode_entry(json_t *v, int64_t seq, kz_arena *a, kz_request_entry *e, kz_err *err)
{
    json_t *jseq = json_object_get(v, "seq"), *at = json_object_get(v, "at");
    if (!json_is_object(v) || !json_is_integer(jseq) || json_integer_value(jseq) != seq || !json_is_integer(at))
        return kz_fail(err, KZ_EINVAL, "entries", "entry %lld must be an object with seq %lld and at", (long long)seq,
                       (long long)seq);
    e->seq = seq;
    e->at = json_integer_value(at);
    kz_rc rc = text_of(v, "organization", 36, true, a, &e->actor_org, err);
    if (!rc) rc = text_of(v, "action", 40, false, a, &e->action, err);
    if (!rc) rc = text_of(v, "body", KZ_FED_ENTRY_MAX, false, a, &e->body, err);
    if (!rc) rc = text_of(v, "hash", 64, false, a, &e->hash, err);
    if (!rc) rc = text_of(v, "signature", 128, false, a, &e->signature, err);
    return rc;
}

/* {"id", "sha256", "content_base64"}: the content decoded into a, its size counted. */
static kz_rc decode_file(json_t *v, size_t i, kz_arena *a, kz_attachment *t, kz_err *err)
{
    static const char *const names[] = {"id", "sha256", "content_base64", NULL};
    json_t *b64 = json_object_get(v, "content_base64");
    if (!json_is_object(v))
        return kz_fail(err, KZ_EINVAL, "attachments", "attachment %zu must be an object", i + 1);
    kz_rc rc = only_in(v, names, "an attachment", err);
    if (!rc) rc = text_of(v, "id", 36, false, a, &t->id, err);
    if (!rc) rc = text_of(v, "sha256", 64, false, a, &t->sha256, err);
    if (!rc && (!json_is_string(b64) || json_string_length(b64) > kz_b64_encoded_size(KZ_FED_ATTACHMENT_MAX)))
        rc = kz_fail(err, KZ_EINVAL, "content_base64", "attachment %zu needs its content in base64, of at most %d "
                     "bytes", i + 1, KZ_FED_ATTACHMENT_MAX);
    if (rc)
        return rc;
    size_t len = json_string_length(b64), got = 0;
    unsigned char *data = kz_arena_alloc(a, len ? len : 1);
    if (!data)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    if (kz_b64_decode(json_string_value(b64), data, len ? len : 1, &got))
        return kz_fail(err, KZ_EINVAL, "content_base64", "attachment %zu: content_base64 is not base64", i + 1);
    t->data = data;
    t->size = (int64_t)got;
    return KZ_OK;
}

static kz_rc decode_files(json_t *files, kz_fed_request *r, kz_arena *a, kz_err *err)
{
    if (!files)
        return KZ_OK;
    if (!json_is_array(files) || json_array_size(files) == 0 || json_array_size(files) > KZ_FED_ATTACHMENTS_MAX)
        return kz_fail(err, KZ_EINVAL, "attachments", "attachments must be an array of 1 to %d",
                       KZ_FED_ATTACHMENTS_MAX);
    r->n_attachments = json_array_size(files);
    if (!(r->attachments = kz_arena_calloc(a, r->n_attachments, sizeof *r->attachments)))
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    kz_rc rc = KZ_OK;
    for (size_t i = 0; !rc && i < r->n_attachments; i++)
        rc = decode_file(json_array_get(files, i), i, a, &r->attachments[i], err);
    return rc;
}

static kz_rc decode_request(json_t *v, kz_fed_request *r, kz_arena *a, kz_err *err)
{
    json_t *req = json_object_get(v, "request"), *entries = json_object_get(v, "entries");
    kz_rc rc = text_of(v, "id", 36, false, a, &r->id, err);
    if (!rc && !json_is_object(req))
        rc = kz_fail(err, KZ_EINVAL, "request", "a request change needs the request");
    if (!rc) rc = kz_json_decode(req, &kz_request_schema, &r->req, KZ_DECODE_REPLICA, a, NULL, err);
    if (!rc && (!r->req.id || strcmp(r->req.id, r->id) != 0))
        rc = kz_fail(err, KZ_EINVAL, "id", "the request's id is not the change's id");
    if (!rc && (!json_is_array(entries) || json_array_size(entries) == 0 ||
                json_array_size(entries) > KZ_FED_ENTRIES_MAX))
        rc = kz_fail(err, KZ_EINVAL, "entries", "entries must be an array of 1 to %d", KZ_FED_ENTRIES_MAX);
    if (rc)
        return rc;
    r->n_entries = json_array_size(entries);
    if (!(r->entries = kz_arena_calloc(a, r->n_entries, sizeof *r->entries)))
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; !rc && i < r->n_entries; i++)
        rc = decode_entry(json_array_get(entries, i), (int64_t)i + 1, a, &r->entries[i], err);
    return rc ? rc : decode_files(json_object_get(v, "attachments"), r, a, err);
}

static kz_rc decode_check_target(json_t *v, size_t i, kz_arena *a, kz_fed_check_target *t, kz_err *err)
{
    static const char *const names[] = {"contact", "sent", "answered", NULL};
    if (!json_is_object(v))
        return kz_fail(err, KZ_EINVAL, "targets", "target %zu must be an object", i + 1);
    kz_rc rc = only_in(v, names, "a check's target", err);
    if (!rc) rc = text_of(v, "contact", 36, false, a, &t->contact, err);
    if (!rc) rc = time_of(v, "sent", &t->sent, err);
    if (!rc) rc = time_of(v, "answered", &t->answered, err);
    if (!rc && t->answered && t->answered < t->sent)
        rc = kz_fail(err, KZ_EINVAL, "answered", "target %zu is answered before it was sent", i + 1);
    return rc;
}

static kz_rc decode_check(json_t *v, kz_fed_check *k, kz_arena *a, kz_err *err)
{
    static const char *const names[] = {"id", "organization", "created", "deadline", "targets", NULL};
    json_t *targets = json_object_get(v, "targets");
    kz_rc rc = only_in(v, names, "a check", err);
    if (!rc) rc = text_of(v, "id", 36, false, a, &k->id, err);
    if (!rc) rc = text_of(v, "organization", 36, false, a, &k->organization, err);
    if (!rc) rc = time_of(v, "created", &k->created, err);
    if (!rc) rc = time_of(v, "deadline", &k->deadline, err);
    if (!rc && k->deadline < k->created)
        rc = kz_fail(err, KZ_EINVAL, "deadline", "the deadline is before the check was created");
    if (!rc && (!json_is_array(targets) || json_array_size(targets) == 0 ||
                json_array_size(targets) > KZ_FED_CHECK_TARGETS_MAX))
        rc = kz_fail(err, KZ_EINVAL, "targets", "targets must be an array of 1 to %d", KZ_FED_CHECK_TARGETS_MAX);
    if (rc)
        return rc;
    k->n = json_array_size(targets);
    if (!(k->targets = kz_arena_calloc(a, k->n, sizeof *k->targets)))
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; !rc && i < k->n; i++)
        rc = decode_check_target(json_array_get(targets, i), i, a, &k->targets[i], err);
    return rc;
}

/* The array member key of at most max items, each decoded by sc into *out (n, size). */
static kz_rc decode_array(json_t *v, const char *key, size_t max, const kz_schema *sc, size_t size, kz_arena *a,
                          void **out, size_t *n, kz_err *err)
{
    json_t *arr = json_object_get(v, key);
    if (!json_is_array(arr) || json_array_size(arr) > max)
        return kz_fail(err, KZ_EINVAL, key, "%s must be an array of at most %zu", key, max);
    *n = json_array_size(arr);
    if (!(*out = kz_arena_calloc(a, *n ? *n : 1, size)))
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    kz_rc rc = KZ_OK;
    for (size_t i = 0; !rc && i < *n; i++) {
        json_t *item = json_array_get(arr, i);
        rc = json_is_object(item) ? kz_json_decode(item, sc, (char *)*out + i * size, KZ_DECODE_REPLICA, a, NULL, err)
                                  : kz_fail(err, KZ_EINVAL, key, "%s[%zu] must be an object", key, i);
    }
    return rc;
}

static kz_rc decode_statement(json_t *v, kz_fed_statement *s, kz_arena *a, kz_err *err)
{
    json_t *st = json_object_get(v, "statement");
    kz_rc rc = text_of(v, "id", 36, false, a, &s->id, err);
    if (!rc) rc = decode_array(v, "signatures", KZ_FED_STATEMENT_SIGS_MAX, &kz_statement_sig_schema, sizeof *s->sigs,
                               a, (void **)&s->sigs, &s->n_sigs, err);
    for (size_t i = 0; !rc && i < s->n_sigs; i++)
        if (!s->sigs[i].statement || strcmp(s->sigs[i].statement, s->id) != 0 || !s->sigs[i].organization ||
            !s->sigs[i].content_hash || !s->sigs[i].signature)
            rc = kz_fail(err, KZ_EINVAL, "signatures", "signatures[%zu] must name this statement, an organization, "
                         "a content hash and a signature", i);
    if (rc || (!st && !json_object_get(v, "versions")))
        return rc;  /* a co-signer's node sends approvals only */
    s->has_statement = true;
    if (!json_is_object(st))
        return kz_fail(err, KZ_EINVAL, "statement", "statement must be an object");
    rc = kz_json_decode(st, &kz_statement_schema, &s->st, KZ_DECODE_REPLICA, a, NULL, err);
    if (!rc && (!s->st.id || strcmp(s->st.id, s->id) != 0))
        rc = kz_fail(err, KZ_EINVAL, "id", "the statement's id is not the change's id");
    if (!rc && (!s->st.organization || !s->st.content || !s->st.content_hash))
        rc = kz_fail(err, KZ_EINVAL, "statement", "the statement needs its organization, content and content hash");
    if (!rc) rc = decode_array(v, "versions", KZ_FED_STATEMENT_VERSIONS_MAX, &kz_statement_version_schema,
                               sizeof *s->versions, a, (void **)&s->versions, &s->n_versions, err);
    for (size_t i = 0; !rc && i < s->n_versions; i++)
        if (s->versions[i].version != (int64_t)i + 1 || !s->versions[i].content || !s->versions[i].content_hash)
            rc = kz_fail(err, KZ_EINVAL, "versions", "versions[%zu] must be version %zu with its content and hash", i,
                         i + 1);
    if (!rc && (s->n_versions == 0 || s->versions[s->n_versions - 1].version != s->st.version))
        rc = kz_fail(err, KZ_EINVAL, "versions", "the versions must end with the statement's version");
    return rc;
}

/* The object of an upsert; a fault only marks the change as refused. */
/* Whether an object (or a request's inner object) names a table-top run: never on the
 * wire, as a node sends none of what its runs made and no peer plays in them. */
static bool has_run(json_t *o)
{
    json_t *x = json_object_get(o, "exercise"); /* NULL when o is not an object */
    return x && !json_is_null(x);
}

static bool names_a_run(json_t *v) { return has_run(v) || has_run(json_object_get(v, "request")); }

static kz_rc decode_object(json_t *v, kz_fed_change *c, kz_arena *a)
{
    kz_err e;
    kz_err_clear(&e);
    c->obj = kz_arena_calloc(a, 1, kinds[c->kind].size);
    if (!c->obj)
        return KZ_ENOMEM;
    kz_rc rc = !json_is_object(v) ? kz_fail(&e, KZ_EINVAL, "object", "an upsert needs its object")
               : names_a_run(v) ? kz_fail(&e, KZ_EINVAL, "exercise", "it names a table-top run (exercise): what a "
                                                                    "run makes never leaves its node")
               : c->kind == KZ_FED_REQUEST ? decode_request(v, c->obj, a, &e)
               : c->kind == KZ_FED_CHECK ? decode_check(v, c->obj, a, &e)
               : c->kind == KZ_FED_STATEMENT ? decode_statement(v, c->obj, a, &e)
               : kz_json_decode(v, kinds[c->kind].schema, c->obj, KZ_DECODE_REPLICA, a, NULL, &e);
    const char *id = rc ? NULL : *(char **)c->obj; /* every schema starts with its id */
    if (!rc && (!id || strcmp(id, c->id) != 0))
        rc = kz_fail(&e, KZ_EINVAL, "id", "the object's id is not the change's id");
    if (rc == KZ_ENOMEM)
        return rc;
    if (rc && !(c->refused = kz_arena_printf(a, "%s %s: %s", kz_enum_name(&kz_fed_kind_enum, c->kind), c->id, e.msg)))
        return KZ_ENOMEM;
    return KZ_OK;
}

static kz_rc parse_change(json_t *v, int64_t prev, int64_t last, kz_arena *a, kz_fed_change *c, kz_err *err)
{
    const char *kind, *op;
    if (!json_is_object(v))
        return kz_fail(err, KZ_EINVAL, "changes", "each change must be an object");
    kz_rc rc = get_int(v, "seq", &c->seq, err);
    if (!rc) rc = get_str(v, "kind", a, &kind, err);
    if (!rc) rc = get_str(v, "op", a, &op, err);
    if (!rc) rc = get_str(v, "id", a, &c->id, err);
    if (rc)
        return rc;
    if (c->seq <= prev || c->seq > last)
        return kz_fail(err, KZ_EINVAL, "seq", "seq %lld is not after %lld and at most last %lld", (long long)c->seq,
                       (long long)prev, (long long)last);
    if ((c->kind = kz_enum_parse(&kz_fed_kind_enum, kind)) < 0)
        return kz_fail(err, KZ_EINVAL, "kind", "unknown kind %.40s", kind);
    c->deleted = strcmp(op, "delete") == 0;
    if (!c->deleted && strcmp(op, "upsert") != 0)
        return kz_fail(err, KZ_EINVAL, "op", "op must be upsert or delete");
    if (c->deleted)
        return KZ_OK;
    return decode_object(json_object_get(v, "object"), c, a) ? kz_fail(err, KZ_ENOMEM, NULL, NULL) : KZ_OK;
}

static kz_rc parse_batch(json_t *o, kz_arena *a, kz_fed_batch *out, kz_err *err)
{
    const char *protocol;
    kz_rc rc = get_str(o, "protocol", a, &protocol, err);
    if (!rc && strcmp(protocol, "kizuna-federation-1") != 0)
        rc = kz_fail(err, KZ_EINVAL, "protocol", "unknown protocol %.40s", protocol);
    if (!rc) rc = get_str(o, "node", a, &out->node, err);
    if (!rc) rc = get_int(o, "after", &out->after, err);
    if (!rc) rc = get_int(o, "last", &out->last, err);
    if (!rc) rc = get_int(o, "head", &out->head, err);
    if (rc)
        return rc;
    if (out->last < out->after || out->head < out->last)
        return kz_fail(err, KZ_EINVAL, "last", "after <= last <= head does not hold");
    json_t *arr = json_object_get(o, "changes");
    if (!json_is_array(arr) || json_array_size(arr) > KZ_FED_BATCH_MAX)
        return kz_fail(err, KZ_EINVAL, "changes", "changes must be an array of at most %d", KZ_FED_BATCH_MAX);
    out->n = json_array_size(arr);
    out->items = kz_arena_calloc(a, out->n ? out->n : 1, sizeof *out->items);
    if (!out->items)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    int64_t prev = out->after;
    for (size_t i = 0; i < out->n; i++) {
        if ((rc = parse_change(json_array_get(arr, i), prev, out->last, a, &out->items[i], err)))
            return rc;
        prev = out->items[i].seq;
    }
    return KZ_OK;
}

kz_rc kz_fed_batch_parse(const char *text, size_t n, kz_arena *a, kz_fed_batch *out, kz_err *err)
{
    memset(out, 0, sizeof *out);
    json_t *o = load(text, n, "batch", err);
    if (!o)
        return err->rc;
    kz_rc rc = parse_batch(o, a, out, err);
    json_decref(o);
    return rc;
}

kz_rc kz_fed_change_write(const kz_fed_change *c, kz_buf *out, kz_err *err)
{
    json_t *o = change_json(c);
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!text)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    kz_rc rc = kz_buf_puts(out, text);
    kz_free_libc(text);
    return rc ? kz_fail(err, rc, NULL, "the change does not fit") : KZ_OK;
}

kz_rc kz_fed_change_parse(const char *text, size_t n, kz_arena *a, kz_fed_change *c, kz_err *err)
{
    memset(c, 0, sizeof *c);
    json_t *o = load(text, n, "change", err);
    if (!o)
        return err->rc;
    kz_rc rc = parse_change(o, -1, INT64_MAX, a, c, err);
    json_decref(o);
    return rc;
}

kz_rc kz_fed_pull_write(int64_t after, int limit, kz_buf *out)
{
    return kz_buf_printf(out, "{\"after\":%lld,\"limit\":%d}", (long long)after, limit);
}

kz_rc kz_fed_pull_parse(const char *text, size_t n, int64_t *after, int *limit, kz_err *err)
{
    json_t *o = load(text, n, "pull", err);
    if (!o)
        return err->rc;
    int64_t lim = 0;
    kz_rc rc = json_object_size(o) == 2 ? KZ_OK : kz_fail(err, KZ_EINVAL, "", "a pull is {\"after\": N, \"limit\": N}");
    if (!rc) rc = get_int(o, "after", after, err);
    if (!rc) rc = get_int(o, "limit", &lim, err);
    if (!rc && (lim < 1 || lim > KZ_FED_BATCH_MAX))
        rc = kz_fail(err, KZ_EINVAL, "limit", "limit must be 1 to %d", KZ_FED_BATCH_MAX);
    *limit = (int)lim;
    json_decref(o);
    return rc;
}

kz_rc kz_fed_identity_parse(const char *text, size_t n, kz_arena *a, kz_fed_identity *out, kz_err *err)
{
    memset(out, 0, sizeof *out);
    json_t *o = load(text, n, "node identity", err);
    if (!o)
        return err->rc;
    json_t *op = json_object_get(o, "operator"), *key = json_object_get(o, "signing_key");
    kz_rc rc = get_str(o, "organization", a, &out->node, err);
    if (!rc) rc = json_is_object(op) ? KZ_OK : kz_fail(err, KZ_EINVAL, "operator", "operator must be an object");
    if (!rc) rc = get_str(op, "name", a, &out->name, err);
    if (!rc) rc = get_str(op, "state", a, &out->state, err);
    if (!rc) rc = json_is_object(key) ? KZ_OK : kz_fail(err, KZ_EINVAL, "signing_key", "signing_key must be an object");
    if (!rc) rc = get_str(key, "public_key", a, &out->public_key, err);
    if (!rc) rc = get_str(key, "fingerprint", a, &out->fingerprint, err);
    json_decref(o);
    return rc;
}

static const char ROTATION[] = "key-rotation", REVOCATION[] = "key-revocation";

kz_rc kz_fed_key_msg_write(const kz_fed_key_msg *m, kz_buf *out, kz_err *err)
{
    json_t *o = m->revocation
                    ? json_pack("{s:s, s:s, s:s, s:s, s:I, s:s?}", "protocol", "kizuna-federation-1", "type", REVOCATION,
                                "node", m->node, "fingerprint", m->fingerprint, "revoked", (json_int_t)m->at, "reason",
                                m->reason)
                    : json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s}, s:I, s:I, s:s}", "protocol",
                                "kizuna-federation-1", "type", ROTATION, "node", m->node, "old_fingerprint",
                                m->fingerprint, "new_key", "algorithm", "ed25519", "public_key", m->new_public_key,
                                "fingerprint", m->new_fingerprint, "valid_from", (json_int_t)m->at, "overlap_until",
                                (json_int_t)m->until, "proof", m->proof);
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (!text)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    kz_rc rc = kz_buf_puts(out, text);
    kz_free_libc(text);
    return rc ? kz_fail(err, rc, NULL, NULL) : KZ_OK;
}

static kz_rc only(json_t *o, const char *const *names, kz_err *err) { return only_in(o, names, "a key message", err); }

static kz_rc parse_rotation(json_t *o, kz_arena *a, kz_fed_key_msg *m, kz_err *err)
{
    static const char *const names[] = {"protocol", "type", "node", "old_fingerprint", "new_key", "valid_from",
                                        "overlap_until", "proof", NULL};
    static const char *const key_names[] = {"algorithm", "public_key", "fingerprint", NULL};
    json_t *k = json_object_get(o, "new_key");
    const char *alg = NULL;
    kz_rc rc = only(o, names, err);
    if (!rc) rc = get_str(o, "old_fingerprint", a, &m->fingerprint, err);
    if (!rc) rc = json_is_object(k) ? only(k, key_names, err) : kz_fail(err, KZ_EINVAL, "new_key", "new_key must be an object");
    if (!rc) rc = get_str(k, "algorithm", a, &alg, err);
    if (!rc && strcmp(alg, "ed25519") != 0)
        rc = kz_fail(err, KZ_EINVAL, "algorithm", "the new key must be ed25519");
    if (!rc) rc = get_str(k, "public_key", a, &m->new_public_key, err);
    if (!rc) rc = get_str(k, "fingerprint", a, &m->new_fingerprint, err);
    if (!rc) rc = get_int(o, "valid_from", &m->at, err);
    if (!rc) rc = get_int(o, "overlap_until", &m->until, err);
    if (!rc) rc = get_str(o, "proof", a, &m->proof, err);
    return rc;
}

static kz_rc parse_revocation(json_t *o, kz_arena *a, kz_fed_key_msg *m, kz_err *err)
{
    static const char *const names[] = {"protocol", "type", "node", "fingerprint", "revoked", "reason", NULL};
    m->revocation = true;
    kz_rc rc = only(o, names, err);
    if (!rc) rc = get_str(o, "fingerprint", a, &m->fingerprint, err);
    if (!rc) rc = get_int(o, "revoked", &m->at, err);
    if (!rc && json_object_get(o, "reason") && !json_is_null(json_object_get(o, "reason")))
        rc = get_str(o, "reason", a, &m->reason, err);
    return rc;
}

kz_rc kz_fed_key_msg_parse(const char *text, size_t n, kz_arena *a, kz_fed_key_msg *out, kz_err *err)
{
    memset(out, 0, sizeof *out);
    json_t *o = load(text, n, "key message", err);
    if (!o)
        return err->rc;
    const char *proto = NULL, *type = NULL;
    kz_rc rc = get_str(o, "protocol", a, &proto, err);
    if (!rc && strcmp(proto, "kizuna-federation-1") != 0)
        rc = kz_fail(err, KZ_EINVAL, "protocol", "the protocol must be kizuna-federation-1");
    if (!rc) rc = get_str(o, "type", a, &type, err);
    if (!rc) rc = get_str(o, "node", a, &out->node, err);
    if (!rc && strcmp(type, ROTATION) == 0)
        rc = parse_rotation(o, a, out, err);
    else if (!rc && strcmp(type, REVOCATION) == 0)
        rc = parse_revocation(o, a, out, err);
    else if (!rc)
        rc = kz_fail(err, KZ_EINVAL, "type", "type must be %s or %s", ROTATION, REVOCATION);
    json_decref(o);
    return rc;
}

kz_rc kz_fed_rotation_proof_text(const kz_fed_key_msg *m, kz_buf *out)
{
    return kz_buf_printf(out, "kizuna-key-rotation-1\n%s\n%s\n%s\n%lld", m->node, m->fingerprint,
                         m->new_fingerprint, (long long)m->until);
}

kz_rc kz_fed_poke_write(const char *node, int64_t head, kz_buf *out)
{
    return kz_buf_printf(out, "{\"protocol\":\"kizuna-federation-1\",\"type\":\"poke\",\"node\":\"%s\",\"head\":%lld}",
                         node, (long long)head);
}

kz_rc kz_fed_poke_parse(const char *text, size_t n, kz_arena *a, const char **node, int64_t *head, kz_err *err)
{
    static const char *const names[] = {"protocol", "type", "node", "head", NULL};
    json_t *o = load(text, n, "poke", err);
    if (!o)
        return err->rc;
    const char *proto = NULL, *type = NULL;
    kz_rc rc = only(o, names, err);
    if (!rc) rc = get_str(o, "protocol", a, &proto, err);
    if (!rc && strcmp(proto, "kizuna-federation-1") != 0)
        rc = kz_fail(err, KZ_EINVAL, "protocol", "the protocol must be kizuna-federation-1");
    if (!rc) rc = get_str(o, "type", a, &type, err);
    if (!rc && strcmp(type, "poke") != 0)
        rc = kz_fail(err, KZ_EINVAL, "type", "type must be poke");
    if (!rc) rc = get_str(o, "node", a, node, err);
    if (!rc) rc = get_int(o, "head", head, err);
    json_decref(o);
    return rc;
}
