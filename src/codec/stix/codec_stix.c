/* Reading STIX 2.1: splitting a bundle with the streaming scanner and decoding each
 * object with jansson into a kz_stix_obj, checking what Kizuna relies on (type, id,
 * timestamps, the pattern) and naming the property when something is wrong. */
#include "codec/stix/stix.h"

#include "codec/sharing/indicator_norm.h"
#include "codec/json/json_fields.h"
#include "codec/json/json_stream.h"
#include "codec/stix/stix_pattern.h"
#include "model/tlp.h"
#include "util/alloc.h"
#include "util/utf8.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- TLP markings ------------------------------------------------------------------- */

const char *const kz_stix_tlp_marking[5] = {
    [KZ_TLP_CLEAR] = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    [KZ_TLP_GREEN] = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    [KZ_TLP_AMBER] = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    [KZ_TLP_AMBER_STRICT] = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    [KZ_TLP_RED] = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
};

/* TLP 1.0 as STIX 2.1 section 7.2.1.4 defines it. */
static const struct {
    const char *id;
    int tlp;
} tlp1[] = {
    {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", KZ_TLP_CLEAR},
    {"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", KZ_TLP_GREEN},
    {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", KZ_TLP_AMBER},
    {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", KZ_TLP_RED},
};

int kz_stix_tlp_of_marking(const char *id)
{
    for (int i = 0; i < 5; i++)
        if (strcmp(id, kz_stix_tlp_marking[i]) == 0)
            return i;
    for (size_t i = 0; i < sizeof tlp1 / sizeof *tlp1; i++)
        if (strcmp(id, tlp1[i].id) == 0)
            return tlp1[i].tlp;
    return -1;
}

const char *kz_stix_tlp1_marking(int tlp)
{
    for (size_t i = 0; i < sizeof tlp1 / sizeof *tlp1; i++)
        if (tlp1[i].tlp == tlp)
            return tlp1[i].id;
    return NULL;
}

kz_rc kz_stix_markings_above(kz_buf *b, int tlp)
{
    kz_rc rc = kz_buf_puts(b, "[");
    bool first = true;
    for (int i = tlp + 1; !rc && i < 5; i++, first = false)
        rc = kz_buf_printf(b, "%s\"%s\"", first ? "" : ",", kz_stix_tlp_marking[i]);
    for (size_t i = 0; !rc && i < sizeof tlp1 / sizeof *tlp1; i++)
        if (tlp1[i].tlp > tlp) {
            rc = kz_buf_printf(b, "%s\"%s\"", first ? "" : ",", tlp1[i].id);
            first = false;
        }
    return rc ? rc : kz_buf_puts(b, "]");
}

/* ---- ids ---------------------------------------------------------------------------- */

static bool uuid_shape(const char *u)
{
    static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    for (size_t i = 0; i < sizeof shape - 1; i++) {
        char c = u[i];
        if (shape[i] == '-' ? c != '-'
                            : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return u[sizeof shape - 1] == '\0';
}

const char *kz_stix_uuid(const char *id, const char *type)
{
    size_t n = strlen(type);
    if (!id || strncmp(id, type, n) != 0 || strncmp(id + n, "--", 2) != 0 || !uuid_shape(id + n + 2))
        return NULL;
    return id + n + 2;
}

char *kz_stix_id(kz_arena *a, const char *type, const char *id)
{
    return kz_arena_printf(a, "%s--%s", type, id);
}

/* The grammar of STIX type names (core.json): lowercase words joined by hyphens. */
static bool type_ok(const char *t)
{
    size_t n = strlen(t);
    if (n < 3 || n > 250 || !(t[0] >= 'a' && t[0] <= 'z'))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (c == '-') {
            if (i + 1 < n && t[i + 1] == '-')
                return false;
        } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
            return false;
        }
    }
    return true;
}

/* ---- decoding helpers --------------------------------------------------------------- */

typedef struct dec {
    json_t *o;
    kz_arena *a;
    kz_err *err;
} dec;

static kz_rc bad(dec *d, const char *field, const char *why)
{
    return kz_fail(d->err, KZ_EINVAL, field, "%s", why);
}

/* A string property (NULL when absent); KZ_EINVAL when present but not a string. */
static kz_rc str(dec *d, const char *key, const char **out)
{
    json_t *v = json_object_get(d->o, key);
    *out = NULL;
    if (!v)
        return KZ_OK;
    if (!json_is_string(v))
        return kz_fail(d->err, KZ_EINVAL, key, "%s must be a string", key);
    if (!(*out = kz_arena_strndup(d->a, json_string_value(v), json_string_length(v))))
        return kz_fail(d->err, KZ_ENOMEM, NULL, NULL);
    if (strlen(*out) != json_string_length(v))
        return kz_fail(d->err, KZ_EINVAL, key, "%s holds a NUL character", key);
    return KZ_OK;
}

static kz_rc timestamp(dec *d, const char *key, kz_time *out, const char **text)
{
    const char *s;
    kz_rc rc = str(d, key, &s);
    if (text)
        *text = s;
    if (rc || !s)
        return rc;
    if (kz_time_parse(s, out) || !strchr(s, 'T'))
        return kz_fail(d->err, KZ_EINVAL, key, "%s must be a timestamp like 2026-01-31T12:00:00.000Z", key);
    return KZ_OK;
}

static kz_rc integer(dec *d, const char *key, int64_t min, int64_t max, int64_t *out)
{
    json_t *v = json_object_get(d->o, key);
    if (!v)
        return KZ_OK;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return kz_fail(d->err, KZ_EINVAL, key, "%s must be an integer from %lld to %lld", key, (long long)min,
                       (long long)max);
    *out = json_integer_value(v);
    return KZ_OK;
}

/* An array of strings (each at most 300 bytes), at most max of them. */
static kz_rc strings(dec *d, const char *key, size_t max, kz_strlist *out)
{
    json_t *v = json_object_get(d->o, key);
    memset(out, 0, sizeof *out);
    if (!v)
        return KZ_OK;
    return kz_json_strlist(v, key, max, KZ_STIX_ID_MAX, NULL, d->a, out, d->err);
}

/* The TLP labels of granular markings raise *tlp: Kizuna shares an object whole, so a
 * part marked more restrictively than the object makes the whole object that
 * restrictive (docs/ARCHITECTURE.md, STIX). */
static kz_rc granular(dec *d, int *tlp)
{
    json_t *v = json_object_get(d->o, "granular_markings");
    if (!v)
        return KZ_OK;
    if (!json_is_array(v) || json_array_size(v) > 256)
        return bad(d, "granular_markings", "granular_markings must be a list of at most 256 markings");
    size_t i;
    json_t *m;
    json_array_foreach(v, i, m) {
        json_t *ref = json_is_object(m) ? json_object_get(m, "marking_ref") : NULL;
        if (!json_is_object(m) || (ref && !json_is_string(ref)))
            return bad(d, "granular_markings", "each granular marking must be an object with a string marking_ref");
        int t = ref ? kz_stix_tlp_of_marking(json_string_value(ref)) : -1;
        if (t > *tlp)
            *tlp = t;
    }
    return KZ_OK;
}

/* The most restrictive TLP label among the markings, object and granular, -1 without
 * one. */
static kz_rc markings(dec *d, int *tlp)
{
    kz_strlist refs;
    kz_rc rc = strings(d, "object_marking_refs", 256, &refs);
    *tlp = -1;
    for (size_t i = 0; !rc && i < refs.n; i++) {
        int t = kz_stix_tlp_of_marking(refs.v[i]);
        if (t > *tlp)
            *tlp = t;
    }
    return rc ? rc : granular(d, tlp);
}

static kz_rc recipients(dec *d, kz_strlist *out)
{
    kz_strlist ids;
    kz_rc rc = strings(d, "x_kizuna_recipients", KZ_RECIPIENTS_MAX, &ids);
    memset(out, 0, sizeof *out);
    if (rc || !ids.n)
        return rc;
    out->v = kz_arena_calloc(d->a, ids.n, sizeof *out->v);
    if (!out->v)
        return kz_fail(d->err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; i < ids.n; i++) {
        const char *u = kz_stix_uuid(ids.v[i], "identity");
        if (!u) {
            kz_fail(d->err, KZ_EINVAL, NULL, "x_kizuna_recipients holds identity ids only");
            snprintf(d->err->field, sizeof d->err->field, "x_kizuna_recipients[%zu]", i);
            return KZ_EINVAL;
        }
        out->v[out->n++] = (char *)u;
    }
    return KZ_OK;
}

/* ---- per type ----------------------------------------------------------------------- */

static kz_rc indicator(dec *d, kz_stix_obj *o)
{
    const char *pattern;
    kz_rc rc;
    if ((rc = str(d, "pattern", &pattern)) || (rc = str(d, "pattern_type", &o->pattern_type)) ||
        (rc = str(d, "name", &o->name)) || (rc = str(d, "description", &o->description)) ||
        (rc = timestamp(d, "valid_from", &o->valid_from, NULL)) ||
        (rc = timestamp(d, "valid_until", &o->valid_until, NULL)) ||
        (rc = timestamp(d, "x_kizuna_last_seen", &o->last_seen, NULL)) ||
        (rc = integer(d, "confidence", 0, 100, &o->confidence)))
        return rc;
    if (!pattern)
        return bad(d, "pattern", "an indicator needs a pattern");
    if (!o->pattern_type) /* STIX 2.0 had only STIX patterns */
        o->pattern_type = strcmp(o->spec_version, "2.0") == 0 ? "stix" : NULL;
    if (!o->pattern_type)
        return bad(d, "pattern_type", "an indicator needs a pattern_type");
    if (!o->valid_from)
        o->valid_from = o->created;
    if (o->valid_until && o->valid_from && o->valid_until <= o->valid_from)
        return bad(d, "valid_until", "valid_until must be later than valid_from");
    if (strcmp(o->pattern_type, "stix") != 0)
        return KZ_OK;  /* another pattern language: kept verbatim */
    kz_sp_node *root;
    if ((rc = kz_stix_pattern_parse(pattern, strlen(pattern), d->a, &root, d->err)))
        return rc;
    o->single = kz_stix_pattern_indicator(root, d->a, &o->ind_type, &o->value);
    o->description = kz_text_fit(d->a, o->description, 4000, false);
    return KZ_OK;
}

/* The classification of x_kizuna_incident (or defaults) decoded through the incident
 * field table, so the same rules hold as for POST /incidents. */
static kz_rc incident(dec *d, kz_stix_obj *o)
{
    const char *name, *description, *published;
    kz_time pub = 0;
    kz_rc rc;
    if ((rc = str(d, "name", &name)) || (rc = str(d, "description", &description)) ||
        (rc = timestamp(d, "published", &pub, &published)) || (rc = strings(d, "object_refs", 1 << 20, &o->refs)))
        return rc;
    if (!name && strcmp(o->type, "report") == 0)
        return bad(d, "name", "a report needs a name");
    json_t *cls = json_object_get(d->o, "x_kizuna_incident");
    if (cls && !json_is_object(cls))
        return bad(d, "x_kizuna_incident", "x_kizuna_incident must be an object");
    json_t *in = json_object();
    if (!in)
        return kz_fail(d->err, KZ_ENOMEM, NULL, NULL);
    static const char *const copied[] = {"rsit_class", "rsit_type", "sector", "states", "impact", "status", "occurred", "norms"};
    for (size_t i = 0; cls && i < sizeof copied / sizeof *copied; i++) {
        json_t *v = json_object_get(cls, copied[i]);
        if (v)
            json_object_set(in, copied[i], v);
    }
    o->classified = json_object_get(in, "rsit_type") != NULL;
    if (!o->classified)
        json_object_set_new(in, "rsit_type", json_string("undetermined"));
    const char *title = kz_text_fit(d->a, name ? name : "Grouping", 300, true);
    json_object_set_new(in, "title", json_string(title && title[0] ? title : "Untitled"));
    if (description)
        json_object_set_new(in, "description", json_string(kz_text_fit(d->a, description, 20000, false)));
    json_object_set_new(in, "tlp", json_string("clear"));  /* required by the table; set by the importer */
    memset(&o->incident, 0, sizeof o->incident);
    rc = kz_json_decode(in, &kz_incident_schema, &o->incident, KZ_DECODE_CREATE, d->a, NULL, d->err);
    json_decref(in);
    if (rc) {
        if (strcmp(d->err->field, "title") != 0 && strcmp(d->err->field, "description") != 0)
            kz_err_prefix(d->err, "x_kizuna_incident.");
        else
            snprintf(d->err->field, sizeof d->err->field, "%s", strcmp(d->err->field, "title") == 0 ? "name" : "description");
        return rc;
    }
    if (!o->incident.occurred)
        o->incident.occurred = pub ? pub : o->created;
    return KZ_OK;
}

static kz_rc sighting(dec *d, kz_stix_obj *o)
{
    kz_rc rc;
    if ((rc = str(d, "sighting_of_ref", &o->sighting_of)) || (rc = strings(d, "where_sighted_refs", 1024, &o->where_sighted)) ||
        (rc = strings(d, "observed_data_refs", 1024, &o->observed_data)) ||
        (rc = integer(d, "count", 0, 999999999, &o->count)) || (rc = timestamp(d, "first_seen", &o->first_seen, NULL)) ||
        (rc = timestamp(d, "last_seen", &o->seen_until, NULL)))
        return rc;
    if (!o->sighting_of)
        return bad(d, "sighting_of_ref", "a sighting needs sighting_of_ref");
    if (o->first_seen && o->seen_until && o->seen_until < o->first_seen)
        return bad(d, "last_seen", "last_seen is earlier than first_seen");
    return KZ_OK;
}

static kz_rc marking(dec *d, kz_stix_obj *o)
{
    o->marking_tlp = kz_stix_tlp_of_marking(o->id);
    const char *dtype;
    kz_rc rc = str(d, "definition_type", &dtype);
    if (rc)
        return rc;
    json_t *def = json_object_get(d->o, "definition");
    const char *label = NULL;
    if (dtype && strcmp(dtype, "tlp") == 0 && json_is_object(def))
        label = json_string_value(json_object_get(def, "tlp"));
    json_t *ext = json_object_get(json_object_get(d->o, "extensions"), "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d");
    if (json_is_object(ext))
        label = json_string_value(json_object_get(ext, "tlp_2_0"));
    if (o->marking_tlp < 0 && label) {
        o->marking_tlp = strcmp(label, "white") == 0 ? KZ_TLP_CLEAR : kz_enum_parse(&kz_tlp_enum, label);
        if (o->marking_tlp < 0)
            return bad(d, "definition", "unknown TLP label");
    }
    return KZ_OK;
}

/* A supported observable of an SCO object: ipv4-addr, ipv6-addr, domain-name, url and
 * email-addr by value, file by MD5/SHA-1/SHA-256, autonomous-system by number. */
static bool observable(json_t *sco, kz_arena *a, kz_stix_observable *out)
{
    const char *type = json_string_value(json_object_get(sco, "type"));
    if (!type)
        return false;
    const char *value = json_string_value(json_object_get(sco, "value"));
    if (value && (strcmp(type, "ipv4-addr") == 0 || strcmp(type, "ipv6-addr") == 0))
        out->type = strchr(value, '/') ? KZ_IND_CIDR : type[3] == '4' ? KZ_IND_IPV4 : KZ_IND_IPV6;
    else if (value && strcmp(type, "domain-name") == 0)
        out->type = KZ_IND_DOMAIN;
    else if (value && strcmp(type, "url") == 0)
        out->type = KZ_IND_URL;
    else if (value && strcmp(type, "email-addr") == 0)
        out->type = KZ_IND_EMAIL;
    else if (strcmp(type, "autonomous-system") == 0 && json_is_integer(json_object_get(sco, "number"))) {
        json_int_t n = json_integer_value(json_object_get(sco, "number"));
        if (n < 0 || n > 4294967295LL)
            return false;
        out->type = KZ_IND_ASN;
        value = kz_arena_printf(a, "%lld", (long long)n);
    } else if (strcmp(type, "file") == 0 && json_is_object(json_object_get(sco, "hashes"))) {
        static const struct {
            const char *key;
            int type;
        } algs[] = {{"SHA-256", KZ_IND_SHA256}, {"SHA-1", KZ_IND_SHA1}, {"MD5", KZ_IND_MD5}};
        json_t *h = json_object_get(sco, "hashes");
        for (size_t i = 0; !value && i < sizeof algs / sizeof *algs; i++)
            if ((value = json_string_value(json_object_get(h, algs[i].key))))
                out->type = algs[i].type;
        if (!value)
            return false;
    } else {
        return false;
    }
    out->value = value ? kz_arena_strdup(a, value) : NULL;
    return out->value != NULL;
}

static kz_rc observed(dec *d, kz_stix_obj *o)
{
    kz_rc rc;
    if ((rc = timestamp(d, "first_observed", &o->first_seen, NULL)) ||
        (rc = timestamp(d, "last_observed", &o->seen_until, NULL)) ||
        (rc = integer(d, "number_observed", 1, 999999999, &o->number_observed)) ||
        (rc = strings(d, "object_refs", 1 << 16, &o->refs)))
        return rc;
    if (!o->first_seen || !o->seen_until || o->number_observed < 1)
        return bad(d, !o->first_seen ? "first_observed" : !o->seen_until ? "last_observed" : "number_observed",
                   "observed-data needs first_observed, last_observed and number_observed");
    if (o->seen_until < o->first_seen)
        return bad(d, "last_observed", "last_observed is earlier than first_observed");
    json_t *objs = json_object_get(d->o, "objects");
    if (objs && !json_is_object(objs))
        return bad(d, "objects", "objects must be a dictionary of observables");
    size_t n = json_object_size(objs);
    if (n) {
        o->observables = kz_arena_calloc(d->a, n, sizeof *o->observables);
        if (!o->observables)
            return kz_fail(d->err, KZ_ENOMEM, NULL, NULL);
        const char *key;
        json_t *sco;
        json_object_foreach(objs, key, sco)
            if (json_is_object(sco) && observable(sco, d->a, &o->observables[o->n_observables]))
                o->n_observables++;
    }
    return KZ_OK;
}

/* ---- one object --------------------------------------------------------------------- */

kz_rc kz_stix_decode(const char *text, size_t len, kz_arena *a, kz_stix_obj *out, kz_err *err)
{
    memset(out, 0, sizeof *out);
    out->tlp = out->marking_tlp = -1;
    out->confidence = out->count = -1;
    json_error_t je;
    json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!o)
        return kz_fail(err, KZ_EINVAL, "", "malformed JSON at column %d: %s", je.column, je.text);
    dec d = {o, a, err};
    kz_rc rc = KZ_OK;
    const char *type = NULL;
    if (!json_is_object(o)) {
        rc = bad(&d, "", "a STIX object must be a JSON object");
        goto done;
    }
    if ((rc = str(&d, "type", &type)) || (rc = str(&d, "id", &out->id)))
        goto done;
    if (!type || !type_ok(type)) {
        rc = bad(&d, "type", type ? "type must be a STIX type name (lowercase letters, digits, hyphens)"
                                  : "a STIX object needs a type");
        goto done;
    }
    out->type = type;
    if (!out->id || !kz_stix_uuid(out->id, type)) {
        rc = kz_fail(err, KZ_EINVAL, "id", out->id ? "id must be %s--<UUID>" : "a STIX object needs an id (%s--<UUID>)",
                     type);
        goto done;
    }
    const char *spec;
    if ((rc = str(&d, "spec_version", &spec)) || (rc = str(&d, "created_by_ref", &out->created_by)) ||
        (rc = timestamp(&d, "created", &out->created, NULL)) ||
        (rc = timestamp(&d, "modified", &out->modified, &out->version)) || (rc = markings(&d, &out->tlp)) ||
        (rc = recipients(&d, &out->recipients)))
        goto done;
    out->spec_version = spec ? spec : "2.1";
    if (!out->modified)
        out->modified = out->created;
    if (!out->version)
        out->version = json_string_value(json_object_get(o, "created"));
    if (out->version && !(out->version = kz_arena_strdup(a, out->version))) {
        rc = kz_fail(err, KZ_ENOMEM, NULL, NULL);
        goto done;
    }
    if (out->created && out->modified < out->created) {
        rc = bad(&d, "modified", "modified is earlier than created");
        goto done;
    }
    out->revoked = json_is_true(json_object_get(o, "revoked"));
    out->allow_clients = json_is_true(json_object_get(o, "x_kizuna_allow_clients"));
    out->context_only = json_is_true(json_object_get(o, "x_kizuna_context_only"));

    if (strcmp(type, "indicator") == 0) {
        out->kind = KZ_STIX_INDICATOR;
        rc = indicator(&d, out);
    } else if (strcmp(type, "report") == 0 || strcmp(type, "grouping") == 0) {
        out->kind = KZ_STIX_INCIDENT;
        rc = incident(&d, out);
    } else if (strcmp(type, "sighting") == 0) {
        out->kind = KZ_STIX_SIGHTING;
        rc = sighting(&d, out);
    } else if (strcmp(type, "identity") == 0) {
        out->kind = KZ_STIX_IDENTITY;
        if (!(rc = str(&d, "name", &out->name)) && !(rc = str(&d, "identity_class", &out->identity_class)) && !out->name)
            rc = bad(&d, "name", "an identity needs a name");
    } else if (strcmp(type, "marking-definition") == 0) {
        out->kind = KZ_STIX_MARKING;
        rc = marking(&d, out);
    } else if (strcmp(type, "observed-data") == 0) {
        out->kind = KZ_STIX_OBSERVED;
        rc = observed(&d, out);
    } else {
        out->kind = KZ_STIX_OTHER;
        kz_stix_observable sco;
        if (observable(o, a, &sco)) {  /* a bare observable, for observed-data object_refs */
            out->ind_type = sco.type;
            out->value = sco.value;
            out->single = true;
        }
    }
    /* the text as written (numbers are not re-printed), without the blanks */
    if (!rc && !(out->json = kz_stix_squeeze(a, text, len, &out->json_len)))
        rc = kz_fail(err, KZ_ENOMEM, NULL, NULL);
done:
    json_decref(o);
    return rc;
}

/* ---- a whole document --------------------------------------------------------------- */

enum { TOP_KEYS = 256 };  /* top-level members checked for duplicates */

typedef struct reader {
    kz_stix_object_fn fn;
    void *ctx;
    kz_stix_doc *doc;
    bool top_type_seen, top_is_bundle, objects_seen;
    char keys[TOP_KEYS][KZ_JSTREAM_KEY + 1];  /* the top-level keys seen, for duplicates */
    size_t nkeys;
    bool unchecked;              /* a key too long or too many to check */
    bool objects_not_array;
    kz_err bad;                  /* a bundle or envelope of the wrong shape: set once */
    kz_err *err;
} reader;

/* A member of the top-level object: refused when its key came before (jansson's
 * JSON_REJECT_DUPLICATES for a document that is never parsed whole), or when objects is
 * not an array. Only the first problem is kept; after it nothing more is handed out. */
static void top_member(reader *r, const kz_jpath *p)
{
    const kz_jlevel *l = &p->levels[0];
    if (r->bad.rc || l->array)
        return;
    if (strcmp(l->key, "objects") == 0 && !l->key_long && p->first != '[')
        r->objects_not_array = true;  /* fine in observed-data: refused in a bundle at the end */
    if (l->key_long || r->nkeys == TOP_KEYS) {  /* fine in one object, which jansson checks */
        r->unchecked = true;
        return;
    }
    for (size_t i = 0; i < r->nkeys; i++)
        if (strcmp(r->keys[i], l->key) == 0) {
            kz_fail(&r->bad, KZ_EINVAL, l->key, "duplicate key '%s' at the top level", l->key);
            return;
        }
    memcpy(r->keys[r->nkeys++], l->key, sizeof r->keys[0]);
}

static bool top_key(const kz_jpath *p, const char *key)
{
    return p->depth == 1 && !p->levels[0].array && !p->levels[0].key_long && strcmp(p->levels[0].key, key) == 0;
}

static bool select_value(void *ctx, const kz_jpath *p)
{
    reader *r = ctx;
    if (p->depth == 1)
        top_member(r, p);
    if (r->bad.rc)
        return false;
    if (top_key(p, "type") || top_key(p, "id"))
        return true;
    if (top_key(p, "objects"))
        r->objects_seen = true;
    return p->depth == 2 && !p->levels[0].array && strcmp(p->levels[0].key, "objects") == 0 && p->levels[1].array &&
           !(r->top_type_seen && !r->top_is_bundle);
}

static kz_rc take_value(void *ctx, const kz_jpath *p, const char *text, size_t len, uint64_t offset)
{
    (void)offset;
    reader *r = ctx;
    if (r->bad.rc) {
        *r->err = r->bad;
        return r->bad.rc;
    }
    if (p->depth == 1) {
        bool is_type = strcmp(p->levels[0].key, "type") == 0;
        if (is_type) {
            r->top_type_seen = true;
            r->top_is_bundle = strcmp(text, "\"bundle\"") == 0;
        } else if (len >= 2 && len - 2 <= KZ_STIX_ID_MAX && text[0] == '"' && !memchr(text, '\\', len)) {
            memcpy(r->doc->id, text + 1, len - 2);
            r->doc->id[len - 2] = '\0';
        }
        return KZ_OK;
    }
    char where[64];
    snprintf(where, sizeof where, "objects[%llu]", (unsigned long long)p->levels[1].index);
    r->doc->objects++;
    return r->fn(r->ctx, text, len, where);
}

kz_rc kz_stix_read(const kz_byte_source *src, kz_stix_object_fn fn, void *ctx, kz_stix_doc *doc, kz_err *err)
{
    memset(doc, 0, sizeof *doc);
    reader r = {.fn = fn, .ctx = ctx, .doc = doc, .err = err};
    kz_jstream *s = kz_jstream_new(KZ_STIX_OBJECT_MAX, select_value, take_value, &r);
    char *buf = kz_malloc(1 << 16);
    if (!s || !buf) {
        kz_jstream_free(s);
        kz_free(buf);
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    }
    kz_jstream_keep_document(s, KZ_STIX_OBJECT_MAX);
    kz_rc rc = KZ_OK;
    for (;;) {
        size_t got = 0;
        if ((rc = src->read(src->ctx, buf, 1 << 16, &got, err)) || got == 0)
            break;
        doc->bytes += got;
        if ((rc = kz_jstream_feed(s, buf, got, err)))
            break;
    }
    if (!rc)
        rc = kz_jstream_end(s, err);
    if (!rc && r.bad.rc)
        *err = r.bad, rc = r.bad.rc;
    if (!rc) {
        doc->bundle = r.top_is_bundle || (!r.top_type_seen && r.objects_seen);
        if (doc->bundle && r.objects_not_array)
            rc = kz_fail(err, KZ_EINVAL, "objects", "objects must be an array of STIX objects");
        else if (doc->bundle && r.unchecked)
            rc = kz_fail(err, KZ_EINVAL, "", "a bundle or envelope has at most %d top-level members, each key "
                         "of at most %d bytes", TOP_KEYS, KZ_JSTREAM_KEY);
        const char *text;
        size_t len;
        if (!doc->bundle && !r.top_type_seen)
            rc = kz_fail(err, KZ_EINVAL, "", "neither a STIX bundle nor a STIX object (no \"type\" at the top)");
        else if (!doc->bundle && !kz_jstream_document(s, &text, &len))
            rc = kz_fail(err, KZ_ETOOBIG, "", "a single STIX object may have at most %d bytes", KZ_STIX_OBJECT_MAX);
        else if (!doc->bundle) {
            doc->objects = 1;
            rc = fn(ctx, text, len, "");
        }
    }
    kz_jstream_free(s);
    kz_free(buf);
    return rc;
}
