/* Reading MISP feeds (codec/stix/misp.h) with the streaming scanner and jansson. */
#include "codec/stix/misp.h"

#include "codec/sharing/indicator_norm.h"
#include "codec/json/json_stream.h"
#include "model/sharing.h"
#include "model/taxonomy.h"
#include "model/tlp.h"
#include "util/alloc.h"
#include "util/utf8.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { OBJECT_MAX = 16 << 20, READ_BLOCK = 1 << 16, LABEL_MAX = 256 };

/* ---- vocabularies ------------------------------------------------------------------- */

int kz_misp_tlp_tag(const char *tag)
{
    static const struct {
        const char *name;
        int tlp;
    } tags[] = {
        {"tlp:clear", KZ_TLP_CLEAR}, {"tlp:white", KZ_TLP_CLEAR}, {"tlp:green", KZ_TLP_GREEN},
        {"tlp:amber", KZ_TLP_AMBER}, {"tlp:amber+strict", KZ_TLP_AMBER_STRICT}, {"tlp:red", KZ_TLP_RED},
    };
    for (size_t i = 0; tag && i < sizeof tags / sizeof *tags; i++)
        if (strcasecmp(tag, tags[i].name) == 0)
            return tags[i].tlp;
    return -1;
}

int kz_misp_distribution_tlp(int d)
{
    switch (d) {
    case 0: return KZ_TLP_AMBER_STRICT;
    case 1: case 2: case 3: return KZ_TLP_GREEN;
    case 4: return KZ_TLP_AMBER;
    default: return -1;
    }
}

const char *kz_misp_threat_level_name(int t)
{
    static const char *const names[] = {NULL, "high", "medium", "low", "undefined"};
    return t >= 1 && t <= 4 ? names[t] : NULL;
}

const char *kz_misp_analysis_name(int a)
{
    static const char *const names[] = {"initial", "ongoing", "completed"};
    return a >= 0 && a <= 2 ? names[a] : NULL;
}

int kz_misp_ind_type2(const char *t, const char *value, const char **part)
{
    const char *bar = t && value && strcmp(t, "domain|ip") == 0 ? strrchr(value, '|') : NULL;
    if (!bar || !bar[1])
        return -1;
    *part = bar + 1;
    return strchr(*part, ':') ? KZ_IND_IPV6 : KZ_IND_IPV4;
}

/* The part of a composite value ("a|b") at index 0 or 1. */
static const char *part_of(const char *value, int which, kz_arena *a)
{
    const char *bar = strrchr(value, '|');
    if (!bar)
        return which == 0 ? value : NULL;
    return which == 0 ? kz_arena_strndup(a, value, (size_t)(bar - value)) : bar + 1;
}

static int ip_type(const char *v)
{
    return strchr(v, '/') ? KZ_IND_CIDR : strchr(v, ':') ? KZ_IND_IPV6 : KZ_IND_IPV4;
}

int kz_misp_ind_type(const char *t, const char *value, kz_arena *a, const char **part)
{
    static const struct {
        const char *misp;
        int type;       /* -2: an IP address, its family from the value */
        int which;      /* part of a composite value */
    } map[] = {
        {"ip-src", -2, 0}, {"ip-dst", -2, 0}, {"ip-src|port", -2, 0}, {"ip-dst|port", -2, 0},
        {"domain", KZ_IND_DOMAIN, 0}, {"hostname", KZ_IND_DOMAIN, 0}, {"domain|ip", KZ_IND_DOMAIN, 0},
        {"hostname|port", KZ_IND_DOMAIN, 0}, {"url", KZ_IND_URL, 0},
        {"email", KZ_IND_EMAIL, 0}, {"email-src", KZ_IND_EMAIL, 0}, {"email-dst", KZ_IND_EMAIL, 0},
        {"email-reply-to", KZ_IND_EMAIL, 0},
        {"md5", KZ_IND_MD5, 0}, {"sha1", KZ_IND_SHA1, 0}, {"sha256", KZ_IND_SHA256, 0},
        {"filename|md5", KZ_IND_MD5, 1}, {"filename|sha1", KZ_IND_SHA1, 1},
        {"filename|sha256", KZ_IND_SHA256, 1}, {"malware-sample", KZ_IND_MD5, 1},
        {"AS", KZ_IND_ASN, 0},
    };
    for (size_t i = 0; t && value && i < sizeof map / sizeof *map; i++) {
        if (strcmp(t, map[i].misp) != 0)
            continue;
        const char *v = strchr(t, '|') || strcmp(t, "malware-sample") == 0 ? part_of(value, map[i].which, a) : value;
        if (!v)
            return -1;
        *part = v;
        return map[i].type == -2 ? ip_type(v) : map[i].type;
    }
    return -1;
}

/* ---- JSON helpers ------------------------------------------------------------------- */

static const char *jstr(json_t *o, const char *key, kz_arena *a)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
        return NULL;
    return kz_arena_strdup(a, json_string_value(v));
}

/* MISP writes numbers as strings ("5", "1610000000") or as numbers. */
static bool jnum(json_t *o, const char *key, long long *out)
{
    json_t *v = json_object_get(o, key);
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return true;
    }
    if (!json_is_string(v))
        return false;
    char *end;
    long long n = strtoll(json_string_value(v), &end, 10);
    if (end == json_string_value(v) || *end)
        return false;
    *out = n;
    return true;
}

static bool jbool(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_true(v) || (json_is_string(v) && (strcmp(json_string_value(v), "1") == 0 ||
                                                     strcmp(json_string_value(v), "true") == 0));
}

/* Seconds since the epoch as a string or a number, or an RFC 3339 time. */
static kz_time jtime(json_t *o, const char *key)
{
    long long n;
    kz_time t = 0;
    if (jnum(o, key, &n))
        return n > 0 && n < 100000000000LL ? (kz_time)n * 1000 : 0;
    json_t *v = json_object_get(o, key);
    if (json_is_string(v) && kz_time_parse(json_string_value(v), &t) == KZ_OK)
        return t;
    return 0;
}

/* TLP, RSIT and labels from a Tag array: the most restrictive TLP tag; (rsit not NULL)
 * the first tag that names an RSIT type (model/taxonomy.h); every other tag a label, as
 * fit for a text field. */
static void tags(json_t *arr, kz_arena *a, int *tlp, const char **rsit, kz_strlist *labels)
{
    size_t i;
    json_t *t;
    *tlp = -1;
    if (rsit)
        *rsit = NULL;
    labels->n = 0;
    labels->v = json_array_size(arr) ? kz_arena_calloc(a, json_array_size(arr), sizeof *labels->v) : NULL;
    json_array_foreach(arr, i, t) {
        const char *name = json_string_value(json_object_get(t, "name"));
        if (!name || !name[0])
            continue;
        int l = kz_misp_tlp_tag(name);
        if (l > *tlp)
            *tlp = l;
        const char *type = rsit && !*rsit ? kz_rsit_type_of_tag(name) : NULL;
        if (type)
            *rsit = type;
        else if (l < 0 && labels->v && labels->n < KZ_LABELS_MAX)
            if ((labels->v[labels->n] = kz_text_fit(a, name, LABEL_MAX, false)) && labels->v[labels->n][0])
                labels->n++;
    }
}

/* ---- events ------------------------------------------------------------------------- */

typedef struct ev_reader {
    const kz_misp_sink *sink;
    kz_misp_event ev;
    kz_arena ev_arena;           /* the event's strings */
    bool saw_event;
    int pass;
    uint64_t attributes;
    kz_err *err;
} ev_reader;

static bool key_is(const kz_jlevel *l, const char *key)
{
    return !l->array && !l->key_long && strcmp(l->key, key) == 0;
}

static bool select_event(void *ctx, const kz_jpath *p)
{
    ev_reader *r = ctx;
    if (p->depth == 1 && key_is(&p->levels[0], "Event"))
        r->saw_event = true;
    if (p->depth < 2 || !key_is(&p->levels[0], "Event"))
        return false;
    const kz_jlevel *l = &p->levels[1];
    if (r->pass == 1)
        return p->depth == 2 && (key_is(l, "uuid") || key_is(l, "info") || key_is(l, "date") ||
                                 key_is(l, "timestamp") || key_is(l, "distribution") || key_is(l, "Orgc") ||
                                 key_is(l, "Tag") || key_is(l, "threat_level_id") || key_is(l, "analysis"));
    return p->depth == 3 && (key_is(l, "Attribute") || key_is(l, "Object")) && p->levels[2].array;
}

static kz_rc event_member(ev_reader *r, const char *key, json_t *v)
{
    kz_misp_event *ev = &r->ev;
    json_t *wrap = json_pack("{s:O}", key, v);
    if (!wrap)
        return KZ_ENOMEM;
    long long n;
    if (strcmp(key, "uuid") == 0)
        ev->uuid = jstr(wrap, key, &r->ev_arena);
    else if (strcmp(key, "info") == 0)
        ev->info = jstr(wrap, key, &r->ev_arena);
    else if (strcmp(key, "date") == 0)
        ev->date = jtime(wrap, key);
    else if (strcmp(key, "timestamp") == 0)
        ev->timestamp = jtime(wrap, key);
    else if (strcmp(key, "distribution") == 0)
        ev->distribution = jnum(wrap, key, &n) && n >= 0 && n <= 5 ? (int)n : -1;
    else if (strcmp(key, "Orgc") == 0)
        ev->orgc = jstr(v, "name", &r->ev_arena);
    else if (strcmp(key, "Tag") == 0)
        tags(v, &r->ev_arena, &ev->tlp, &ev->rsit_type, &ev->labels);
    else if (strcmp(key, "threat_level_id") == 0)
        ev->threat_level = jnum(wrap, key, &n) && n >= 1 && n <= 4 ? (int)n : 0;
    else if (strcmp(key, "analysis") == 0)
        ev->analysis = jnum(wrap, key, &n) && n >= 0 && n <= 2 ? (int)n : -1;
    json_decref(wrap);
    return KZ_OK;
}

static kz_rc one_attribute(ev_reader *r, json_t *o, const char *object, const char *where)
{
    kz_arena a;
    kz_arena_init(&a);
    kz_misp_attribute at = {.distribution = -1, .tlp = -1, .object = object};
    kz_err bad;
    kz_err_clear(&bad);
    long long n;
    if (!json_is_object(o)) {
        kz_fail(&bad, KZ_EINVAL, "", "an attribute must be a JSON object");
    } else {
        at.uuid = jstr(o, "uuid", &a);
        at.type = jstr(o, "type", &a);
        at.category = jstr(o, "category", &a);
        at.value = jstr(o, "value", &a);
        at.comment = jstr(o, "comment", &a);
        at.to_ids = jbool(o, "to_ids");
        at.deleted = jbool(o, "deleted");
        at.distribution = jnum(o, "distribution", &n) && n >= 0 && n <= 5 ? (int)n : -1;
        at.timestamp = jtime(o, "timestamp");
        at.first_seen = jtime(o, "first_seen");
        at.last_seen = jtime(o, "last_seen");
        tags(json_object_get(o, "Tag"), &a, &at.tlp, NULL, &at.labels);
        if (!at.type)
            kz_fail(&bad, KZ_EINVAL, "type", "an attribute needs a type");
        else if (!at.value)
            kz_fail(&bad, KZ_EINVAL, "value", "an attribute needs a value");
    }
    r->attributes++;
    kz_rc rc = r->sink->on_attribute(r->sink->ctx, &at, where, bad.rc ? &bad : NULL);
    kz_arena_free(&a);
    return rc;
}

static kz_rc take_event(void *ctx, const kz_jpath *p, const char *text, size_t len, uint64_t offset)
{
    (void)offset;
    ev_reader *r = ctx;
    json_error_t je;
    json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    char where[96];
    kz_jpath_format(p, where, sizeof where);
    if (!v) {
        if (r->pass == 1)
            return kz_fail(r->err, KZ_EINVAL, where, "%s", je.text);
        kz_err bad;
        kz_fail(&bad, KZ_EINVAL, "", "%s", je.text);
        return r->sink->on_attribute(r->sink->ctx, &(kz_misp_attribute){.distribution = -1, .tlp = -1}, where, &bad);
    }
    kz_rc rc = KZ_OK;
    if (r->pass == 1) {
        rc = event_member(r, p->levels[1].key, v);
    } else if (key_is(&p->levels[1], "Attribute")) {
        rc = one_attribute(r, v, NULL, where);
    } else {  /* a MISP object: its attributes, named after it */
        const char *name = json_string_value(json_object_get(v, "name"));
        json_t *attrs = json_object_get(v, "Attribute");
        size_t i;
        json_t *at;
        json_array_foreach(attrs, i, at) {
            char w[128];
            snprintf(w, sizeof w, "%s.Attribute[%zu]", where, i);
            if ((rc = one_attribute(r, at, name ? name : "object", w)))
                break;
        }
    }
    json_decref(v);
    return rc;
}

static kz_rc scan(const kz_byte_source *src, kz_jstream *s, char *buf, kz_err *err)
{
    kz_rc rc = KZ_OK;
    for (;;) {
        size_t got = 0;
        if ((rc = src->read(src->ctx, buf, READ_BLOCK, &got, err)) || got == 0)
            break;
        if ((rc = kz_jstream_feed(s, buf, got, err)))
            return rc;
    }
    return rc ? rc : kz_jstream_end(s, err);
}

kz_rc kz_misp_read_event(const kz_misp_input *in, const kz_misp_sink *sink, kz_err *err)
{
    ev_reader r = {.sink = sink, .err = err, .pass = 1};
    r.ev.distribution = r.ev.tlp = r.ev.analysis = -1;
    kz_arena_init(&r.ev_arena);
    char *buf = kz_malloc(READ_BLOCK);
    kz_jstream *s = kz_jstream_new(OBJECT_MAX, select_event, take_event, &r);
    kz_rc rc = buf && s ? scan(&in->src, s, buf, err) : kz_fail(err, KZ_ENOMEM, NULL, NULL);
    kz_jstream_free(s);
    s = NULL;
    if (!rc && !r.saw_event)
        rc = kz_fail(err, KZ_EINVAL, "Event", "not a MISP event file: no \"Event\" object at the top");
    if (!rc && !r.ev.uuid)
        rc = kz_fail(err, KZ_EINVAL, "Event.uuid", "the event has no uuid");
    if (!rc)
        rc = sink->on_event(sink->ctx, &r.ev);
    if (!rc)
        rc = in->rewind(in->src.ctx, err);
    if (!rc) {
        r.pass = 2;
        s = kz_jstream_new(OBJECT_MAX, select_event, take_event, &r);
        rc = s ? scan(&in->src, s, buf, err) : kz_fail(err, KZ_ENOMEM, NULL, NULL);
    }
    kz_jstream_free(s);
    kz_free(buf);
    kz_arena_free(&r.ev_arena);
    return rc;
}

/* ---- the manifest ------------------------------------------------------------------- */

typedef struct man_reader {
    kz_misp_manifest_fn fn;
    void *ctx;
    kz_err *err;
} man_reader;

static bool select_entry(void *ctx, const kz_jpath *p)
{
    (void)ctx;
    return p->depth == 1 && !p->levels[0].array;
}

static kz_rc take_entry(void *ctx, const kz_jpath *p, const char *text, size_t len, uint64_t offset)
{
    (void)offset;
    man_reader *r = ctx;
    const char *uuid = p->levels[0].key;
    if (p->levels[0].key_long || strlen(uuid) != 36 || strspn(uuid, "0123456789abcdefABCDEF-") != 36)
        return kz_fail(r->err, KZ_EINVAL, "manifest", "manifest key '%.64s' is not an event uuid", uuid);
    json_t *v = json_loadb(text, len, 0, NULL);
    kz_time ts = json_is_object(v) ? jtime(v, "timestamp") : 0;
    json_decref(v);
    return r->fn(r->ctx, uuid, ts);
}

kz_rc kz_misp_read_manifest(const kz_byte_source *src, kz_misp_manifest_fn fn, void *ctx, kz_err *err)
{
    man_reader r = {fn, ctx, err};
    char *buf = kz_malloc(READ_BLOCK);
    kz_jstream *s = kz_jstream_new(OBJECT_MAX, select_entry, take_entry, &r);
    kz_rc rc = buf && s ? scan(src, s, buf, err) : kz_fail(err, KZ_ENOMEM, NULL, NULL);
    kz_jstream_free(s);
    kz_free(buf);
    return rc;
}
