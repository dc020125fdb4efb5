/* The signed record as JSON: canonical entry text, content snapshots, the exported
 * document with its seal, and offline verification (see codec/requests/record.h for the form). */
#include "codec/requests/record_json.h"

#include "codec/json/json_fields.h"
#include "crypto/crypto.h"
#include "util/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CANON_FLAGS = JSON_COMPACT | JSON_SORT_KEYS };

/* Dumps obj canonically into the arena. */
static char *canonical(const json_t *obj, kz_arena *a)
{
    char *text = json_dumps(obj, CANON_FLAGS);
    if (!text)
        return NULL;
    char *out = kz_arena_strdup(a, text);
    kz_free_libc(text);
    return out;
}

static int set_str(json_t *o, const char *key, const char *v)
{
    return v ? json_object_set_new(o, key, json_string(v)) : 0;
}

/* Whether the content field key belongs to requests of r's kind. */
static bool applies(const kz_request *r, const char *key)
{
    const kz_request_template *t = r->kind >= 0 && r->kind < KZ_REQ_KIND_COUNT ? &kz_request_templates[r->kind] : NULL;
    return kz_template_find(&kz_request_common, key) || (t && kz_template_find(t, key)) ||
           strcmp(key, "id") == 0 || strcmp(key, "created") == 0 || strncmp(key, "from_", 5) == 0 ||
           strcmp(key, "to_state") == 0;
}

json_t *kz_request_json(const kz_request *r, const char *from_org_name, const char *to_org_name)
{
    json_t *o = kz_json_encode(&kz_request_schema, r);
    for (size_t i = 0; o && i < kz_request_content_schema.count; i++) {
        const char *key = kz_request_content_schema.fields[i].name;
        if (!applies(r, key))
            json_object_del(o, key);
    }
    if (o && ((from_org_name && json_object_set_new(o, "from_organization_name", json_string(from_org_name))) ||
              (to_org_name && json_object_set_new(o, "to_organization_name", json_string(to_org_name))))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Linked incidents and indicators are named in the signed content by "sha256:" and the
 * SHA-256 of their id: the record, which every reader of the request sees, shows no
 * reader the id of an object it may not see under that object's own TLP label, while
 * the two sides (who see the links in the request) can check each one by hashing it. */
static int commit_ids(json_t *o, const char *key)
{
    json_t *ids = json_object_get(o, key);
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v) {
        if (!json_is_string(v))
            continue;
        char hex[KZ_HASH_HEX], text[8 + KZ_HASH_HEX];
        kz_sha256_hex(json_string_value(v), json_string_length(v), hex);
        snprintf(text, sizeof text, "sha256:%s", hex);
        if (json_array_set_new(ids, i, json_string(text)))
            return -1;
    }
    return 0;
}

json_t *kz_request_content_json(const kz_request *r)
{
    json_t *o = kz_json_encode(&kz_request_content_schema, r);
    if (!o || commit_ids(o, "incidents") || commit_ids(o, "indicators")) {
        json_decref(o);
        return NULL;
    }
    const char *key;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(o, tmp, key, v) {
        bool empty = json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0) ||
                     (json_is_false(v) && strcmp(key, "mla_intent") != 0);
        bool private_ = !r->share_responsibility && strcmp(key, "responsibility") == 0;
        if (!applies(r, key) || empty || private_)
            json_object_del(o, key);
    }
    return o;
}

char *kz_record_entry_text(const kz_record_entry_in *e, kz_arena *a)
{
    json_t *o = json_object();
    json_t *atts = NULL;
    char at[40];
    int bad = !o;
    if (!bad) {
        bad |= json_object_set_new(o, "v", json_integer(1));
        bad |= set_str(o, "request", e->request);
        bad |= json_object_set_new(o, "seq", json_integer(e->seq));
        bad |= set_str(o, "at", kz_time_format(e->at, at, sizeof at));
        bad |= set_str(o, "organization", e->organization);
        bad |= set_str(o, "actor", e->actor);
        bad |= set_str(o, "action", e->action);
        if (e->from >= 0)
            bad |= set_str(o, "from", kz_enum_name(&kz_request_status_enum, e->from));
        if (e->to >= 0)
            bad |= set_str(o, "to", kz_enum_name(&kz_request_status_enum, e->to));
        bad |= set_str(o, "message", e->message);
        bad |= set_str(o, "contact", e->contact);
        bad |= set_str(o, "note", e->note);
        bad |= set_str(o, "prev", e->prev);
        bad |= set_str(o, "to_node", e->to_node);
        const struct {
            const char *key;
            kz_time t;
        } due[] = {{"ack_due", e->ack_due}, {"answer_due", e->answer_due}, {"preserve_until", e->preserve_until}};
        for (size_t i = 0; i < sizeof due / sizeof *due; i++)
            if (due[i].t)
                bad |= set_str(o, due[i].key, kz_time_format(due[i].t, at, sizeof at));
    }
    if (!bad && e->n_attachments) {
        bad |= !(atts = json_array());
        for (size_t i = 0; !bad && i < e->n_attachments; i++) {
            const kz_attachment *t = &e->attachments[i];
            bad |= json_array_append_new(atts, json_pack("{s:s, s:s, s:s, s:I, s:s}", "id", t->id, "name",
                                                         t->name, "media_type", t->media_type, "size",
                                                         (json_int_t)t->size, "sha256", t->sha256));
        }
        bad |= json_object_set(o, "attachments", atts);
    }
    if (!bad && e->content)
        bad |= json_object_set_new(o, "content", kz_request_content_json(e->content));
    char *text = bad ? NULL : canonical(o, a);
    json_decref(atts);
    json_decref(o);
    return text;
}

json_t *kz_record_entry_json(const kz_request_entry *e)
{
    json_t *o = json_loads(e->body, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        o = json_pack("{s:I, s:s?, s:b}", "seq", (json_int_t)e->seq, "action", e->action, "unreadable", 1);
        if (!o)
            return NULL;
    }
    if (json_object_set_new(o, "hash", json_string(e->hash)) ||
        json_object_set_new(o, "signature", json_string(e->signature))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* A time member written by kz_record_entry_text; 0 when absent. */
static kz_rc time_of(const json_t *o, const char *key, kz_time *out, kz_err *err)
{
    const json_t *v = json_object_get(o, key);
    *out = 0;
    if (!v)
        return KZ_OK;
    if (!json_is_string(v) || kz_time_parse(json_string_value(v), out))
        return kz_fail(err, KZ_EINVAL, key, "%s must be a time", key);
    return KZ_OK;
}

/* A string member, copied into a; NULL when absent. */
static kz_rc entry_str(const json_t *o, const char *key, bool required, kz_arena *a, const char **out, kz_err *err)
{
    const json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v && !required)
        return KZ_OK;
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
        return kz_fail(err, KZ_EINVAL, key, "the entry's %s must be a string", key);
    *out = kz_arena_strdup(a, json_string_value(v));
    return *out ? KZ_OK : kz_fail(err, KZ_ENOMEM, NULL, NULL);
}

static kz_rc status_of(const json_t *o, const char *key, int *out, kz_err *err)
{
    const json_t *v = json_object_get(o, key);
    *out = -1;
    if (v && (!json_is_string(v) || (*out = kz_enum_parse(&kz_request_status_enum, json_string_value(v))) < 0))
        return kz_fail(err, KZ_EINVAL, key, "the entry's %s must be a request status", key);
    return KZ_OK;
}

/* The attachments an entry names: id, name, media type, size and SHA-256, as written. */
static kz_rc attachments_of(const json_t *o, kz_arena *a, kz_record_entry_in *out, kz_err *err)
{
    const json_t *arr = json_object_get(o, "attachments");
    if (!arr)
        return KZ_OK;
    if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > KZ_ATTACHMENTS_MAX)
        return kz_fail(err, KZ_EINVAL, "attachments", "the entry's attachments must be an array of 1 to %d",
                       KZ_ATTACHMENTS_MAX);
    size_t n = json_array_size(arr);
    kz_attachment *t = kz_arena_calloc(a, n, sizeof *t);
    if (!t)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    kz_rc rc = KZ_OK;
    for (size_t i = 0; !rc && i < n; i++) {
        const json_t *v = json_array_get(arr, i), *size = json_object_get(v, "size");
        const char *id = NULL, *name = NULL, *media = NULL, *sha = NULL;
        rc = json_is_object(v) && json_is_integer(size) && json_integer_value(size) >= 0
                 ? KZ_OK : kz_fail(err, KZ_EINVAL, "attachments", "attachment %zu needs its size", i + 1);
        if (!rc) rc = entry_str(v, "id", true, a, &id, err);
        if (!rc) rc = entry_str(v, "name", true, a, &name, err);
        if (!rc) rc = entry_str(v, "media_type", true, a, &media, err);
        if (!rc) rc = entry_str(v, "sha256", true, a, &sha, err);
        t[i] = (kz_attachment){(char *)id, (char *)name, (char *)media, rc ? 0 : json_integer_value(size),
                               (char *)sha, out->seq, NULL};
    }
    out->attachments = t;
    out->n_attachments = n;
    return rc;
}

kz_rc kz_record_entry_read(const char *text, size_t n, kz_arena *a, kz_record_entry_in *out, kz_err *err)
{
    memset(out, 0, sizeof *out);
    json_error_t je;
    json_t *o = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(o)) {
        json_decref(o);
        return kz_fail(err, KZ_EINVAL, "body", "the entry is not a JSON object (line %d, column %d)", je.line, je.column);
    }
    const json_t *seq = json_object_get(o, "seq");
    kz_rc rc = json_is_integer(seq) ? KZ_OK : kz_fail(err, KZ_EINVAL, "seq", "the entry needs its seq");
    out->seq = rc ? 0 : json_integer_value(seq);
    if (!rc) rc = entry_str(o, "request", true, a, &out->request, err);
    if (!rc) rc = entry_str(o, "organization", false, a, &out->organization, err);
    if (!rc) rc = entry_str(o, "actor", false, a, &out->actor, err);
    if (!rc) rc = entry_str(o, "action", true, a, &out->action, err);
    if (!rc) rc = entry_str(o, "message", false, a, &out->message, err);
    if (!rc) rc = entry_str(o, "contact", false, a, &out->contact, err);
    if (!rc) rc = entry_str(o, "note", false, a, &out->note, err);
    if (!rc) rc = entry_str(o, "prev", true, a, &out->prev, err);
    if (!rc) rc = entry_str(o, "to_node", false, a, &out->to_node, err);
    if (!rc) rc = status_of(o, "from", &out->from, err);
    if (!rc) rc = status_of(o, "to", &out->to, err);
    if (!rc) rc = time_of(o, "at", &out->at, err);
    if (!rc) rc = time_of(o, "ack_due", &out->ack_due, err);
    if (!rc) rc = time_of(o, "answer_due", &out->answer_due, err);
    if (!rc) rc = time_of(o, "preserve_until", &out->preserve_until, err);
    if (!rc) rc = attachments_of(o, a, out, err);
    json_decref(o);
    return rc;
}

/* ---- the document ------------------------------------------------------------------------ */

static int hex_key(json_t *o, const char *key, const unsigned char *k, size_t n)
{
    char hex[2 * 64 + 1];
    kz_hex_encode(k, n, hex);
    return json_object_set_new(o, key, json_string(hex));
}

/* SHA-256 (hex) of o's canonical text, as seal[key]. Non-zero on ENOMEM. */
static int seal_digest(json_t *seal, const char *key, const json_t *o)
{
    char *text = json_dumps(o, CANON_FLAGS), hex[KZ_HASH_HEX];
    if (!text)
        return 1;
    kz_sha256_hex(text, strlen(text), hex);
    kz_free_libc(text);
    return json_object_set_new(seal, key, json_string(hex));
}

static json_t *document(const kz_record_source *d)
{
    char when[40];
    json_t *request = kz_request_json(d->request, d->from_org_name, d->to_org_name);
    json_t *entries = json_array();
    json_t *node = json_pack("{s:s, s:s?, s:s?, s:s}", "organization", d->node_org, "name",
                             d->node_org_name, "state", d->node_state, "algorithm", "ed25519");
    json_t *seal = json_pack("{s:s, s:I, s:s, s:s, s:s?}", "request", d->request->id, "entries",
                             (json_int_t)d->n_entries, "head",
                             d->n_entries ? d->entries[d->n_entries - 1].hash : KZ_RECORD_GENESIS,
                             "exported_at", kz_time_format(d->exported_at, when, sizeof when),
                             "exported_for", d->exported_for);
    int bad = !request || !entries || !node || !seal || hex_key(node, "public_key", d->public_key, KZ_SIGN_PK_BYTES);
    if (!bad && d->peer_public_key) /* the other node of a request between nodes signed the other side's entries */
        bad |= json_object_set_new(node, "peers", json_pack("[{s:s, s:s?, s:s?, s:s?}]", "public_key", d->peer_public_key,
                                                            "organization", d->peer_node, "name", d->peer_name,
                                                            "state", d->peer_state));
    /* the seal covers the summary and the node too: everything the page shows */
    bad = bad || seal_digest(seal, "summary_sha256", request) || seal_digest(seal, "node_sha256", node);
    for (size_t i = 0; !bad && i < d->n_entries; i++)
        bad |= json_array_append_new(entries, kz_record_entry_json(&d->entries[i]));
    char *text = bad ? NULL : json_dumps(seal, CANON_FLAGS);
    if (text) {
        unsigned char sig[KZ_SIGNATURE_BYTES];
        kz_sign(d->secret_key, text, strlen(text), sig);
        kz_free_libc(text);
        bad |= hex_key(seal, "signature", sig, sizeof sig);
    } else {
        bad = 1;
    }
    json_t *doc = bad ? NULL
                      : json_pack("{s:s, s:i, s:O, s:O, s:O, s:O}", "format", KZ_RECORD_FORMAT, "version", 2,
                                  "node", node, "request", request, "entries", entries, "seal", seal);
    json_decref(request);
    json_decref(entries);
    json_decref(node);
    json_decref(seal);
    return doc;
}

kz_rc kz_record_export(const kz_record_source *src, kz_record_format fmt, kz_buf *out, kz_err *err)
{
    json_t *doc = document(src);
    if (!doc)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    kz_rc rc;
    if (fmt == KZ_RECORD_HTML) {
        rc = kz_record_html(doc, out, err);
    } else {
        char *text = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
        rc = !text ? kz_fail(err, KZ_ENOMEM, NULL, NULL) : kz_buf_puts(out, text);
        if (!rc)
            rc = kz_buf_puts(out, "\n");
        if (rc && text)
            kz_fail(err, rc, NULL, "the record is larger than the output limit");
        kz_free_libc(text);
    }
    json_decref(doc);
    return rc;
}

/* ---- verification ------------------------------------------------------------------------- */

static kz_rc tampered(kz_record_report *rep, int64_t seq, kz_err *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static kz_rc tampered(kz_record_report *rep, int64_t seq, kz_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep->reason, sizeof rep->reason, fmt, ap);
    va_end(ap);
    rep->first_bad = seq;
    if (seq)
        return kz_fail(err, KZ_ECORRUPT, "entries", "entry %lld: %s", (long long)seq, rep->reason);
    return kz_fail(err, KZ_ECORRUPT, "seal", "%s", rep->reason);
}

static const char *str_of(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* Decodes a 64-hex-digit signature or 32-byte key; false when it is not one. */
static bool unhex(const char *hex, unsigned char *out, size_t n)
{
    return hex && strlen(hex) == 2 * n && kz_hex_decode(hex, out, n) == (long)n;
}

/* Canonical text of o without its "hash" and "signature" (or "signature" only). */
static char *signed_text(const json_t *o, bool has_hash, kz_arena *a)
{
    json_t *copy = json_copy((json_t *)o);
    if (!copy)
        return NULL;
    if (has_hash)
        json_object_del(copy, "hash");
    json_object_del(copy, "signature");
    char *text = canonical(copy, a);
    json_decref(copy);
    return text;
}

/* The keys an entry may verify with and which node each belongs to: a node that rotated
 * its key has several (node[i] says whose k[i] is), and an entry of its side verifies
 * with any of them. */
typedef struct keyset {
    unsigned char k[KZ_RECORD_KEYS_MAX][KZ_SIGN_PK_BYTES];
    int node[KZ_RECORD_KEYS_MAX];
    size_t n;
    int sender, recipient;  /* the node of the sender's and of the recipient's side, -1 unknown */
    const char *from_org;
} keyset;

static int key_index(const keyset *ks, const char *hex)
{
    unsigned char k[KZ_SIGN_PK_BYTES];
    if (!unhex(hex, k, sizeof k))
        return -1;
    for (size_t i = 0; i < ks->n; i++)
        if (memcmp(ks->k[i], k, sizeof k) == 0)
            return (int)i;
    return -1;
}

/* Whether one of node's keys signed text. */
static bool node_signed(const keyset *ks, int node, const char *text, size_t len, const unsigned char *sig)
{
    for (size_t i = 0; i < ks->n; i++)
        if (ks->node[i] == node && kz_sign_verify(ks->k[i], text, len, sig))
            return true;
    return false;
}

/* The signature of one entry with a key of its side's node. */
static kz_rc check_signer(const json_t *e, const char *text, const unsigned char *sig, int64_t seq, keyset *ks,
                          kz_record_report *rep, kz_err *err)
{
    size_t len = strlen(text);
    if (ks->sender < 0) /* the first entry is the sender's node's, whichever key it is */
        for (size_t i = 0; i < ks->n && ks->sender < 0; i++)
            if (kz_sign_verify(ks->k[i], text, len, sig))
                ks->sender = ks->node[i];
    if (ks->sender < 0)
        return tampered(rep, seq, err, "the signature does not verify with the node key");
    const char *org = str_of(e, "organization");
    bool sender_side = org && ks->from_org && strcmp(org, ks->from_org) == 0;
    int want = sender_side || ks->recipient < 0 ? ks->sender : ks->recipient;
    if (!node_signed(ks, want, text, len, sig))
        return tampered(rep, seq, err, want == ks->sender ? "the signature does not verify with a key of the "
                                                            "sending organization's node"
                                                          : "the signature does not verify with a key of the "
                                                            "recipient's node, which the send entry names");
    const char *to_node = str_of(e, "to_node");
    int at = to_node ? key_index(ks, to_node) : -1;
    if (to_node && at < 0)
        return tampered(rep, seq, err, "the request was sent to the node with key %.64s, which is not among the keys "
                        "given (or named in the record)", to_node);
    if (to_node)
        ks->recipient = ks->node[at];
    return KZ_OK;
}

static kz_rc verify_entries(const json_t *entries, keyset *ks, kz_record_report *rep,
                            const json_t **content, char head[KZ_HASH_HEX], kz_arena *a, kz_err *err)
{
    snprintf(head, KZ_HASH_HEX, "%s", KZ_RECORD_GENESIS);
    for (size_t i = 0; i < json_array_size(entries); i++) {
        const json_t *e = json_array_get(entries, i);
        int64_t seq = (int64_t)i + 1;
        unsigned char sig[KZ_SIGNATURE_BYTES];
        char want[KZ_HASH_HEX];
        if (!json_is_object(e))
            return tampered(rep, seq, err, "not a JSON object");
        const char *hash = str_of(e, "hash"), *signature = str_of(e, "signature");
        if (!hash || !unhex(signature, sig, sizeof sig))
            return tampered(rep, seq, err, "no hash, or no valid signature");
        const json_t *jseq = json_object_get(e, "seq");
        if (!json_is_integer(jseq) || json_integer_value(jseq) != seq)
            return tampered(rep, seq, err, "missing or out of order (expected seq %lld here)", (long long)seq);
        const char *req = str_of(e, "request");
        if (!req || strcmp(req, rep->request) != 0)
            return tampered(rep, seq, err, "belongs to another request");
        const char *prev = str_of(e, "prev");
        if (!prev || strcmp(prev, head) != 0)
            return tampered(rep, seq, err, "does not link to the entry before it (an entry was removed, inserted or reordered)");
        char *text = signed_text(e, true, a);
        if (!text)
            return kz_fail(err, KZ_ENOMEM, NULL, NULL);
        kz_sha256_hex(text, strlen(text), want);
        if (strcmp(want, hash) != 0)
            return tampered(rep, seq, err, "content changed after it was signed");
        kz_rc rc = check_signer(e, text, sig, seq, ks, rep, err);
        if (rc)
            return rc;
        const char *to = str_of(e, "to");
        if (to)
            snprintf(rep->status, sizeof rep->status, "%s", to);
        if (json_is_object(json_object_get(e, "content")))
            *content = json_object_get(e, "content");
        snprintf(head, KZ_HASH_HEX, "%s", hash);
        rep->entries = seq;
    }
    return KZ_OK;
}

static kz_rc verify_seal(const json_t *seal, const unsigned char *pk, const char *head,
                         kz_record_report *rep, kz_arena *a, kz_err *err)
{
    unsigned char sig[KZ_SIGNATURE_BYTES];
    if (!json_is_object(seal) || !unhex(str_of(seal, "signature"), sig, sizeof sig))
        return tampered(rep, 0, err, "the record has no signed seal");
    char *text = signed_text(seal, false, a);
    if (!text)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    if (!kz_sign_verify(pk, text, strlen(text), sig))
        return tampered(rep, 0, err, "the seal's signature does not verify with the node key");
    const json_t *n = json_object_get(seal, "entries");
    const char *sealed_head = str_of(seal, "head"), *req = str_of(seal, "request");
    if (!json_is_integer(n) || !sealed_head || !req || strcmp(req, rep->request) != 0)
        return tampered(rep, 0, err, "the seal does not describe this request");
    if (json_integer_value(n) > rep->entries)
        return tampered(rep, rep->entries + 1, err, "missing: the seal counts %lld entries, the record holds %lld",
                        (long long)json_integer_value(n), (long long)rep->entries);
    if (json_integer_value(n) != rep->entries || strcmp(sealed_head, head) != 0)
        return tampered(rep, json_integer_value(n) + 1, err,
                        "added after the record was sealed (the seal counts %lld entries)",
                        (long long)json_integer_value(n));
    return KZ_OK;
}

/* Version 2: the summary and the node object must be the ones the seal's digests name. */
static kz_rc verify_digests(const json_t *doc, const json_t *seal, kz_record_report *rep, kz_err *err)
{
    static const struct {
        const char *part, *key, *what;
    } parts[] = {
        {"request", "summary_sha256", "the request summary (its dates, overdue, escalation level, organization "
                                      "names or any other field) was changed after the record was sealed"},
        {"node", "node_sha256", "the node's name, state or key in the record were changed after it was sealed"},
    };
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        const char *want = str_of(seal, parts[i].key);
        char *text = json_dumps(json_object_get(doc, parts[i].part), CANON_FLAGS), hex[KZ_HASH_HEX];
        if (!text)
            return kz_fail(err, KZ_ENOMEM, NULL, NULL);
        kz_sha256_hex(text, strlen(text), hex);
        kz_free_libc(text);
        if (!want)
            return tampered(rep, 0, err, "the seal names no %s digest", parts[i].part);
        if (strcmp(want, hex) != 0)
            return tampered(rep, 0, err, "%s", parts[i].what);
    }
    return KZ_OK;
}

/* Summary fields the signed entries determine: the value of key in the first entry of
 * action (its time, or a deadline it recorded). */
static const struct {
    const char *field, *action, *key;
} derived[] = {
    {"sent_at", "send", "at"},
    {"acknowledged_at", "acknowledge", "at"},
    {"answered_at", "answer", "at"},
    {"ack_due", "send", "ack_due"},
    {"answer_due", "send", "answer_due"},
    {"preserve_until", "acknowledge", "preserve_until"},
};

static const json_t *first_entry(const json_t *entries, const char *action, size_t *seq)
{
    for (size_t i = 0; i < json_array_size(entries); i++) {
        const char *a = str_of(json_array_get(entries, i), "action");
        if (a && strcmp(a, action) == 0) {
            *seq = i + 1;
            return json_array_get(entries, i);
        }
    }
    return NULL;
}

/* The summary must hold what the signed entries determine (where it shows the field). */
static kz_rc verify_derived(const json_t *req, const json_t *entries, kz_record_report *rep, kz_err *err)
{
    for (size_t i = 0; i < sizeof derived / sizeof *derived; i++) {
        const json_t *shown = json_object_get(req, derived[i].field);
        size_t seq = 0;
        const json_t *e = first_entry(entries, derived[i].action, &seq);
        const json_t *want = e ? json_object_get(e, derived[i].key) : NULL;
        if (!shown || (e && !want))
            continue; /* not shown to this reader, or an entry from before deadlines were recorded */
        if (want && !json_equal((json_t *)shown, (json_t *)want))
            return tampered(rep, 0, err, "the request summary's %s is not what signed entry %zu (%s) says",
                            derived[i].field, seq, derived[i].action);
        if (!want && !json_is_null(shown))
            return tampered(rep, 0, err, "the request summary has a %s, but no signed entry is a %s",
                            derived[i].field, derived[i].action);
    }
    const json_t *level = json_object_get(req, "escalation_level");
    json_int_t escalations = 0;
    for (size_t i = 0; i < json_array_size(entries); i++) {
        const json_t *e = json_array_get(entries, i);
        const char *a = str_of(e, "action");
        escalations += a && strcmp(a, "escalate") == 0 && str_of(e, "contact");
    }
    if (level && json_integer_value(level) != escalations)
        return tampered(rep, 0, err, "the request summary's escalation_level is %lld but the signed entries record "
                        "%lld escalations", (long long)json_integer_value(level), (long long)escalations);
    return KZ_OK;
}

/* The request summary must say what the signed entries say. */
static kz_rc verify_summary(const json_t *req, const json_t *content, kz_record_report *rep, kz_err *err)
{
    const char *status = str_of(req, "status");
    if (!status || strcmp(status, rep->status) != 0)
        return tampered(rep, 0, err, "the request summary says status %s but the signed entries lead to %s",
                        status ? status : "(none)", rep->status);
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)content, key, v) {
        if (!json_equal(json_object_get(req, key), (json_t *)v))
            return tampered(rep, 0, err, "the request summary's %.64s differs from the signed content", key);
    }
    return KZ_OK;
}

/* Adds the keys of one node, "HEX[,HEX...]" (its current and replaced keys), as node. */
static kz_rc add_node_keys(keyset *ks, const char *list, int node, const char *field, kz_err *err)
{
    for (const char *p = list; p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char hex[2 * KZ_SIGN_PK_BYTES + 1];
        if (ks->n >= KZ_RECORD_KEYS_MAX)
            return kz_fail(err, KZ_EINVAL, field, "at most %d keys can be given", KZ_RECORD_KEYS_MAX);
        if (len != 2 * KZ_SIGN_PK_BYTES)
            return kz_fail(err, KZ_EINVAL, field, "a key must be 64 hexadecimal digits (several keys of one node "
                           "separated by commas)");
        memcpy(hex, p, len);
        hex[len] = '\0';
        if (!unhex(hex, ks->k[ks->n], KZ_SIGN_PK_BYTES))
            return kz_fail(err, KZ_EINVAL, field, "a key must be 64 hexadecimal digits");
        ks->node[ks->n++] = node;
        p = comma ? comma + 1 : NULL;
    }
    return KZ_OK;
}

/* The keys to check with: those given (the file's node key must be one of the exporting
 * node's), or without any, the ones the file names. */
static kz_rc load_keys(const json_t *node, const char *const *own, size_t n_own, const char *const *peers,
                       size_t n_peers, keyset *ks, kz_record_report *rep, kz_err *err)
{
    const char *file_key = str_of(node, "public_key");
    const json_t *named = json_object_get(node, "peers");
    bool any = n_own || n_peers;
    kz_rc rc = KZ_OK;
    ks->n = 0;
    ks->sender = ks->recipient = -1;
    for (size_t i = 0; !rc && i < n_own; i++) /* all of them the exporting node's: node 0 */
        rc = add_node_keys(ks, own[i], 0, "public_key", err);
    for (size_t i = 0; !rc && i < n_peers; i++)
        rc = add_node_keys(ks, peers[i], (int)i + 1, "peer_key", err);
    if (rc)
        return rc;
    if (!any) {
        ks->node[0] = 0;
        if (!unhex(file_key, ks->k[ks->n++], KZ_SIGN_PK_BYTES))
            return kz_fail(err, KZ_EINVAL, "node.public_key", "the record names no valid public key; give one");
        for (size_t i = 0; i < json_array_size(named) && ks->n < KZ_RECORD_KEYS_MAX; i++)
            if (unhex(str_of(json_array_get(named, i), "public_key"), ks->k[ks->n], KZ_SIGN_PK_BYTES))
                ks->node[ks->n++] = (int)i + 1;
    }
    rep->key_given = any;
    int exporter = file_key ? key_index(ks, file_key) : (n_own ? 0 : -1);
    if (n_own && (exporter < 0 || ks->node[exporter] != 0)) {
        snprintf(rep->public_key, sizeof rep->public_key, "%.64s", own[0]);
        return tampered(rep, 0, err, "the record names key %.64s, not a key given", file_key ? file_key : "(none)");
    }
    if (exporter < 0) {
        snprintf(rep->public_key, sizeof rep->public_key, "%s", file_key ? file_key : "");
        return tampered(rep, 0, err, "the record names key %.64s, which is not among the keys given",
                        file_key ? file_key : "(none)");
    }
    kz_hex_encode(ks->k[exporter], KZ_SIGN_PK_BYTES, rep->public_key);
    return KZ_OK;
}

/* The first key of node in ks, or -1. */
static int first_of(const keyset *ks, int node)
{
    for (size_t i = 0; i < ks->n; i++)
        if (ks->node[i] == node)
            return (int)i;
    return -1;
}

kz_rc kz_record_verify(const char *text, size_t n, const char *public_key_hex,
                       kz_record_report *rep, kz_err *err)
{
    return kz_record_verify_keys(text, n, public_key_hex, NULL, 0, rep, err);
}

kz_rc kz_record_verify_keys(const char *text, size_t n, const char *public_key_hex, const char *const *peer_keys_hex,
                            size_t n_peer_keys, kz_record_report *rep, kz_err *err)
{
    return kz_record_verify_sides(text, n, public_key_hex ? &public_key_hex : NULL, public_key_hex ? 1 : 0,
                                  peer_keys_hex, n_peer_keys, rep, err);
}

kz_rc kz_record_verify_sides(const char *text, size_t n, const char *const *own_keys, size_t n_own,
                             const char *const *peer_keys, size_t n_peers, kz_record_report *rep, kz_err *err)
{
    memset(rep, 0, sizeof *rep);
    json_error_t je;
    json_t *doc = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        return kz_fail(err, KZ_EINVAL, "", "not JSON: line %d, column %d: %s", je.line, je.column, je.text);
    kz_arena a;
    kz_arena_init(&a);
    kz_rc rc = KZ_OK;
    keyset *ks = kz_arena_calloc(&a, 1, sizeof *ks);
    const json_t *entries = json_object_get(doc, "entries"), *req = json_object_get(doc, "request");
    const char *format = str_of(doc, "format");
    const char *id = str_of(req, "id");
    json_int_t version = json_integer_value(json_object_get(doc, "version"));
    if (!ks)
        rc = kz_fail(err, KZ_ENOMEM, NULL, NULL);
    else if (!json_is_object(doc) || !format || strcmp(format, KZ_RECORD_FORMAT) != 0 || version < 1 || version > 2)
        rc = kz_fail(err, KZ_EINVAL, "format", "not a Kizuna request record (format %s, version 1 or 2)", KZ_RECORD_FORMAT);
    else if (!json_is_array(entries) || json_array_size(entries) == 0 || !json_is_object(req) || !id)
        rc = kz_fail(err, KZ_EINVAL, "entries", "the record has no request or no entries");
    if (!rc) {
        snprintf(rep->request, sizeof rep->request, "%s", id);
        rep->version = (int)version;
        rc = load_keys(json_object_get(doc, "node"), own_keys, n_own, peer_keys, n_peers, ks, rep, err);
    }
    const json_t *content = NULL;
    char head[KZ_HASH_HEX];
    unsigned char pk[KZ_SIGN_PK_BYTES];
    if (!rc) {
        ks->from_org = str_of(req, "from_organization");
        rc = verify_entries(entries, ks, rep, &content, head, &a, err);
    }
    if (!rc && ks->recipient >= 0 && ks->recipient != ks->sender) { /* the other node's key, for the report */
        int exporter = ks->node[key_index(ks, rep->public_key)];
        int other = first_of(ks, exporter == ks->sender ? ks->recipient : ks->sender);
        kz_hex_encode(ks->k[other], KZ_SIGN_PK_BYTES, rep->peer_public_key);
    }
    if (!rc)
        kz_hex_decode(rep->public_key, pk, sizeof pk);
    if (!rc)
        rc = verify_seal(json_object_get(doc, "seal"), pk, head, rep, &a, err);
    if (!rc && !content)
        rc = tampered(rep, 0, err, "no entry holds the request's content");
    if (!rc)
        rc = verify_summary(req, content, rep, err);
    if (!rc)
        rc = verify_derived(req, entries, rep, err);
    if (!rc && version >= 2)  /* after the summary check, which can name the field */
        rc = verify_digests(doc, json_object_get(doc, "seal"), rep, err);
    kz_arena_free(&a);
    json_decref(doc);
    return rc;
}
