/* A statement's content object: merged from a base and a patch, checked field by field
 * (each error names its field), and written canonically so that the SHA-256 co-signers
 * sign is the same wherever it is recomputed. */
#include "codec/statements/statement.h"

#include "codec/sharing/indicator_norm.h"
#include "codec/json/json_fields.h"
#include "model/enums.h"
#include "model/validate.h"
#include "util/alloc.h"
#include "util/utf8.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

enum { CANON_FLAGS = JSON_COMPACT | JSON_SORT_KEYS, TITLE_MAX = 500, LINE_MAX_CP = 4000 };

static const char *const known_keys[] = {
    "title", "text", "incidents", "threat_actor", "confidence", "basis", "norms", "measures", "cosigners", "annex",
    "issuer_texts", "scale",
};

static kz_rc check_text(const json_t *v, const char *field, size_t max, bool multiline, bool required,
                        kz_arena *a, char **out, kz_err *err)
{
    *out = NULL;
    if (!v || json_is_null(v))
        return required ? kz_fail(err, KZ_EINVAL, field, "%s is required", field) : KZ_OK;
    if (!json_is_string(v))
        return kz_fail(err, KZ_EINVAL, field, "must be a string");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n == 0 || memchr(s, 0, n))
        return kz_fail(err, KZ_EINVAL, field, "must not be empty");
    if (!kz_text_ok(s, n, multiline))
        return kz_fail(err, KZ_EINVAL, field, "holds control characters");
    if (kz_utf8_count(s, n) > max)
        return kz_fail(err, KZ_EINVAL, field, "longer than %zu characters", max);
    *out = kz_arena_strdup(a, s);
    return *out ? KZ_OK : kz_fail(err, KZ_ENOMEM, NULL, NULL);
}

static kz_rc check_confidence(const char *v, const char *field, kz_err *err)
{
    size_t n;
    const kz_confidence_term *t = kz_confidence_yardstick(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].phrase, v) == 0)
            return KZ_OK;
    return kz_fail(err, KZ_EINVAL, field,
                   "'%.40s' is not on the yardstick (remote chance, highly unlikely, unlikely, realistic "
                   "possibility, likely, highly likely, almost certain)", v);
}

static kz_rc check_basis(const char *v, const char *field, kz_err *err)
{
    if (kz_enum_parse(&kz_statement_basis_enum, v) >= 0)
        return KZ_OK;
    return kz_fail(err, KZ_EINVAL, field, "'%.32s' is not a basis (technical, political, legal)", v);
}

static int cmp_text(const void *x, const void *y)
{
    return strcmp(((const kz_statement_text *)x)->lang, ((const kz_statement_text *)y)->lang);
}

/* An object of texts keyed by language, named `name` in errors ("text", "text.ja"). */
static kz_rc decode_texts(const json_t *v, const char *name, kz_arena *a, kz_statement_text **texts, size_t *n,
                          kz_err *err)
{
    *n = 0;
    if (!json_is_object(v) || json_object_size(v) == 0)
        return kz_fail(err, KZ_EINVAL, name, "must be an object of texts keyed by language, e.g. {\"en\": ...}");
    if (json_object_size(v) > KZ_STATEMENT_LANGS_MAX)
        return kz_fail(err, KZ_EINVAL, name, "more than %d languages", KZ_STATEMENT_LANGS_MAX);
    *texts = kz_arena_calloc(a, json_object_size(v), sizeof **texts);
    if (!*texts)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    const char *lang;
    const json_t *t;
    json_object_foreach((json_t *)v, lang, t) {
        char field[112];
        snprintf(field, sizeof field, "%.80s.%.20s", name, lang);
        kz_rc rc = kz_valid_language(lang, field, err);
        kz_statement_text *x = &(*texts)[*n];
        if (!rc)
            rc = check_text(t, field, KZ_STATEMENT_TEXT_MAX, true, true, a, &x->text, err);
        if (rc)
            return rc;
        x->lang = kz_arena_strdup(a, lang);
        if (!x->lang)
            return kz_fail(err, KZ_ENOMEM, NULL, NULL);
        (*n)++;
    }
    qsort(*texts, *n, sizeof **texts, cmp_text);
    return KZ_OK;
}

/* {"victims": n, "first_seen": "YYYY-MM-DD", "last_seen": "YYYY-MM-DD"} */
static kz_rc decode_scale(const json_t *v, kz_arena *a, kz_statement_content *out, kz_err *err)
{
    static const char *const keys[] = {"victims", "first_seen", "last_seen"};
    if (!v || json_is_null(v))
        return KZ_OK;
    if (!json_is_object(v))
        return kz_fail(err, KZ_EINVAL, "scale", "must be an object: victims, first_seen, last_seen");
    const char *k;
    const json_t *x;
    json_object_foreach((json_t *)v, k, x) {
        size_t i = 0;
        while (i < sizeof keys / sizeof *keys && strcmp(keys[i], k) != 0)
            i++;
        if (i == sizeof keys / sizeof *keys)
            return kz_fail(err, KZ_EINVAL, "scale", "unknown field '%.40s' (victims, first_seen, last_seen)", k);
    }
    const json_t *n = json_object_get(v, "victims");
    if (!json_is_integer(n) || json_integer_value(n) < 0 || json_integer_value(n) > 1000000000000LL)
        return kz_fail(err, KZ_EINVAL, "scale.victims", "a whole number of victims, 0 or more");
    out->scale.given = true;
    out->scale.victims = json_integer_value(n);
    char **days[] = {&out->scale.first_seen, &out->scale.last_seen};
    for (size_t i = 1; i < sizeof keys / sizeof *keys; i++) {
        char field[32];
        kz_time t;
        snprintf(field, sizeof field, "scale.%s", keys[i]);
        kz_rc rc = check_text(json_object_get(v, keys[i]), field, 10, false, false, a, days[i - 1], err);
        if (!rc && *days[i - 1] && (strlen(*days[i - 1]) != 10 || kz_time_parse(*days[i - 1], &t)))
            rc = kz_fail(err, KZ_EINVAL, field, "a date: YYYY-MM-DD");
        if (rc)
            return rc;
    }
    return KZ_OK;
}

/* {"<organization id>": {"en": ...}}: each issuer's own text. */
static kz_rc decode_issuer_texts(const json_t *v, kz_arena *a, kz_statement_content *out, kz_err *err)
{
    if (!v || json_is_null(v))
        return KZ_OK;
    if (!json_is_object(v) || json_object_size(v) > KZ_STATEMENT_ISSUERS_MAX + 1)
        return kz_fail(err, KZ_EINVAL, "issuer_texts", "must be an object of texts keyed by organization id");
    out->issuer_texts = kz_arena_calloc(a, json_object_size(v) + 1, sizeof *out->issuer_texts);
    if (!out->issuer_texts)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    const char *org;
    const json_t *t;
    json_object_foreach((json_t *)v, org, t) {
        char field[64];
        snprintf(field, sizeof field, "issuer_texts.%.40s", org);
        kz_statement_issuer_text *x = &out->issuer_texts[out->n_issuer_texts];
        kz_rc rc = kz_valid_uuid(org, field, err);
        if (!rc)
            rc = decode_texts(t, field, a, &x->texts, &x->n_texts, err);
        if (!rc && !(x->organization = kz_arena_strdup(a, org)))
            rc = kz_fail(err, KZ_ENOMEM, NULL, NULL);
        if (rc)
            return rc;
        out->n_issuer_texts++;
    }
    return KZ_OK;
}

static kz_rc decode_annex_item(const json_t *v, kz_arena *a, kz_statement_annex *x, kz_err *err)
{
    static const char *const keys[] = {"type", "value", "tlp", "description"};
    if (!json_is_object(v))
        return kz_fail(err, KZ_EINVAL, "", "must be an object with type, value and tlp");
    const char *k;
    const json_t *ignored;
    json_object_foreach((json_t *)v, k, ignored) {
        size_t i = 0;
        while (i < sizeof keys / sizeof *keys && strcmp(keys[i], k) != 0)
            i++;
        if (i == sizeof keys / sizeof *keys)
            return kz_fail(err, KZ_EINVAL, k, "unknown field");
    }
    char *type = NULL, *tlp = NULL;
    kz_rc rc = check_text(json_object_get(v, "type"), "type", 32, false, true, a, &type, err);
    if (!rc && (x->type = kz_enum_parse(&kz_ind_type_enum, type)) < 0)
        rc = kz_fail(err, KZ_EINVAL, "type", "'%.32s' is not an indicator type", type);
    if (!rc)
        rc = check_text(json_object_get(v, "value"), "value", 8192, false, true, a, &x->value, err);
    if (!rc)
        rc = check_text(json_object_get(v, "tlp"), "tlp", 16, false, true, a, &tlp, err);
    if (!rc && (x->tlp = kz_enum_parse(&kz_tlp_enum, tlp)) < 0)
        rc = kz_fail(err, KZ_EINVAL, "tlp", "'%.16s' is not a TLP 2.0 label", tlp);
    if (!rc)
        rc = check_text(json_object_get(v, "description"), "description", LINE_MAX_CP, true, false, a,
                        &x->description, err);
    return rc;
}

static kz_rc decode_annex(const json_t *v, kz_arena *a, kz_statement_content *out, kz_err *err)
{
    if (!v || json_is_null(v))
        return KZ_OK;
    if (!json_is_array(v))
        return kz_fail(err, KZ_EINVAL, "annex", "must be an array of indicators");
    if (json_array_size(v) > KZ_STATEMENT_ANNEX_MAX)
        return kz_fail(err, KZ_EINVAL, "annex", "more than %d indicators", KZ_STATEMENT_ANNEX_MAX);
    out->annex = kz_arena_calloc(a, json_array_size(v) + 1, sizeof *out->annex);
    if (!out->annex)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; i < json_array_size(v); i++) {
        kz_rc rc = decode_annex_item(json_array_get(v, i), a, &out->annex[i], err);
        if (rc) {
            char prefix[32];
            snprintf(prefix, sizeof prefix, "annex[%zu].", i);
            kz_err_prefix(err, prefix);
            return rc;
        }
        out->n_annex++;
    }
    return KZ_OK;
}

static kz_rc decode_list(const json_t *o, const char *name, size_t max_items, size_t max_len, kz_valid_fn check,
                         kz_arena *a, kz_strlist *out, kz_err *err)
{
    const json_t *v = json_object_get(o, name);
    memset(out, 0, sizeof *out);
    if (!v || json_is_null(v))
        return KZ_OK;
    return kz_json_strlist(v, name, max_items, max_len, check, a, out, err);
}

/* Every field of a merged object, in the order errors are reported. */
static kz_rc decode(const json_t *o, kz_arena *a, kz_statement_content *out, kz_err *err)
{
    const char *k;
    const json_t *ignored;
    json_object_foreach((json_t *)o, k, ignored) {
        size_t i = 0;
        while (i < sizeof known_keys / sizeof *known_keys && strcmp(known_keys[i], k) != 0)
            i++;
        if (i == sizeof known_keys / sizeof *known_keys)
            return kz_fail(err, KZ_EINVAL, k, "unknown field of a statement");
    }
    kz_rc rc = check_text(json_object_get(o, "title"), "title", TITLE_MAX, false, true, a, &out->title, err);
    if (!rc)
        rc = decode_texts(json_object_get(o, "text"), "text", a, &out->texts, &out->n_texts, err);
    if (!rc)
        rc = check_text(json_object_get(o, "threat_actor"), "threat_actor", TITLE_MAX, false, false, a,
                        &out->threat_actor, err);
    if (!rc)
        rc = check_text(json_object_get(o, "confidence"), "confidence", 64, false, false, a, &out->confidence, err);
    if (!rc && out->confidence)
        rc = check_confidence(out->confidence, "confidence", err);
    if (!rc)
        rc = decode_list(o, "incidents", 100, 36, kz_valid_uuid, a, &out->incidents, err);
    if (!rc)
        rc = decode_list(o, "basis", 3, 16, check_basis, a, &out->basis, err);
    if (!rc)
        rc = decode_list(o, "norms", 11, 32, kz_valid_statement_norm, a, &out->norms, err);
    if (!rc)
        rc = decode_list(o, "measures", 100, LINE_MAX_CP, NULL, a, &out->measures, err);
    if (!rc)
        rc = decode_list(o, "cosigners", KZ_STATEMENT_ISSUERS_MAX, 36, kz_valid_uuid, a, &out->cosigners, err);
    if (!rc)
        rc = decode_annex(json_object_get(o, "annex"), a, out, err);
    if (!rc)
        rc = decode_issuer_texts(json_object_get(o, "issuer_texts"), a, out, err);
    if (!rc)
        rc = decode_scale(json_object_get(o, "scale"), a, out, err);
    return rc;
}

static kz_rc merge(json_t *base, const json_t *patch)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)patch, k, v) {
        int bad = json_is_null(v) ? (json_object_del(base, k), 0) : json_object_set(base, k, v);
        if (bad)
            return KZ_ENOMEM;
    }
    return KZ_OK;
}

kz_rc kz_statement_content_build(const char *base, const char *patch, size_t patch_len, kz_arena *a,
                                 kz_statement_content *out, kz_err *err)
{
    memset(out, 0, sizeof *out);
    json_error_t je;
    json_t *p = json_loadb(patch, patch_len, JSON_REJECT_DUPLICATES, &je);
    json_t *o = base ? json_loads(base, JSON_REJECT_DUPLICATES, NULL) : json_object();
    kz_rc rc = KZ_OK;
    if (!p)
        rc = kz_fail(err, KZ_EINVAL, "", "not JSON: line %d, column %d: %s", je.line, je.column, je.text);
    else if (!json_is_object(p))
        rc = kz_fail(err, KZ_EINVAL, "", "a statement is a JSON object");
    else if (!json_is_object(o))
        rc = kz_fail(err, KZ_ECORRUPT, "content", "the stored content is not an object");
    else if (merge(o, p))
        rc = kz_fail(err, KZ_ENOMEM, NULL, NULL);
    if (!rc)
        rc = decode(o, a, out, err);
    char *text = rc ? NULL : json_dumps(o, CANON_FLAGS);
    if (!rc && !(text && (out->canonical = kz_arena_strdup(a, text))))
        rc = kz_fail(err, KZ_ENOMEM, NULL, NULL);
    kz_free_libc(text);
    json_decref(p);
    json_decref(o);
    return rc;
}

const char *kz_statement_text_of(const kz_statement_content *c, const char *lang)
{
    for (size_t i = 0; i < c->n_texts; i++)
        if (strcmp(c->texts[i].lang, lang) == 0)
            return c->texts[i].text;
    return NULL;
}
