/* Document versions as JSON lines and CSV rows, and their content hash. One decoder
 * (from_object) serves both formats: a CSV row is first turned into the JSON object a
 * JSON line would hold, so both are checked by the same field table. */
#include "codec/law/document.h"

#include "codec/json/json_fields.h"
#include "crypto/crypto.h"
#include "model/validate.h"
#include "util/alloc.h"

#include <errno.h>
#include <stdio.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

enum { HASH_HEX = 65 };

/* Members of the node's own bookkeeping, outside the hash. */
static const char *const unhashed[] = {"hash", "organization", "recipients", "allow_clients"};
/* Read-only members an export carries and an import reads itself. */
static const char *const carried[] = {"id", "version", "created", "modified", "hash", "sha256",
                                      "file_name", "file_type", "file_size", "organization"};

kz_rc kz_document_hash(const kz_document *o, char out[65], kz_err *err)
{
    json_t *j = kz_json_encode(&kz_document_schema, o);
    for (size_t i = 0; j && i < sizeof unhashed / sizeof *unhashed; i++)
        json_object_del(j, unhashed[i]);
    char *text = j ? json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(j);
    if (!text)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    kz_sha256_hex(text, strlen(text), out);
    kz_free_libc(text);
    return KZ_OK;
}

/* file as base64 in a new string the caller frees with kz_free, or NULL. */
static char *file_text(const kz_document_blob *file)
{
    if (!file || !file->data)
        return NULL;
    size_t n = kz_b64_encoded_size(file->size);
    char *t = kz_malloc(n);
    if (t)
        kz_b64_encode(file->data, file->size, t, n);
    return t;
}

kz_rc kz_document_jsonl(kz_buf *b, const kz_document *o, const kz_document_blob *file)
{
    json_t *j = kz_json_encode(&kz_document_schema, o);
    char *b64 = file_text(file);
    if (!j || (file && file->data && (!b64 || json_object_set_new(j, "file_base64", json_string(b64))))) {
        kz_free(b64);
        json_decref(j);
        return KZ_ENOMEM;
    }
    kz_free(b64);
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    kz_rc rc = text ? kz_buf_puts(b, text) : KZ_ENOMEM;
    kz_free_libc(text);
    return rc ? rc : kz_buf_puts(b, "\n");
}

kz_rc kz_document_csv_header(kz_buf *b)
{
    kz_rc rc = kz_csv_header(b, &kz_document_schema);
    if (!rc && b->len && b->p[b->len - 1] == '\n')
        b->p[--b->len] = '\0';
    return rc ? rc : kz_buf_puts(b, ",file_base64\n");
}

kz_rc kz_document_csv_row(kz_buf *b, const kz_document *o, const kz_document_blob *file)
{
    kz_rc rc = kz_csv_row(b, &kz_document_schema, o);
    if (!rc && b->len && b->p[b->len - 1] == '\n')
        b->p[--b->len] = '\0';
    char *b64 = file_text(file);
    if (!rc && file && file->data && !b64)
        rc = KZ_ENOMEM;
    if (!rc)
        rc = kz_buf_puts(b, ",");
    if (!rc && b64)
        rc = kz_buf_puts(b, b64);
    kz_free(b64);
    return rc ? rc : kz_buf_puts(b, "\n");
}

/* ---- decoding ----------------------------------------------------------------------- */

static kz_rc carried_str(json_t *obj, const char *name, kz_valid_fn check, size_t max, kz_arena *a, char **out,
                         kz_err *err)
{
    json_t *v = json_object_get(obj, name);
    if (!v || json_is_null(v))
        return KZ_OK;
    const char *s = json_string_value(v);
    if (!s || strlen(s) > max || strlen(s) != json_string_length(v))
        return kz_fail(err, KZ_EINVAL, name, "%s must be a string of at most %zu bytes", name, max);
    if (!*s)
        return KZ_OK; /* "" is not given, as an empty CSV cell: both formats carry the same record */
    if (check && check(s, name, err))
        return KZ_EINVAL;
    return (*out = kz_arena_strdup(a, s)) ? KZ_OK : kz_fail(err, KZ_ENOMEM, NULL, NULL);
}

static kz_rc check_hex64(const char *v, const char *field, kz_err *err)
{
    size_t n = strspn(v, "0123456789abcdef");
    return n == 64 && !v[n] ? KZ_OK : kz_fail(err, KZ_EINVAL, field, "%s must be 64 lowercase hex digits", field);
}

static kz_rc carried_int(json_t *obj, const char *name, int64_t min, int64_t max, int64_t *out, kz_err *err)
{
    json_t *v = json_object_get(obj, name);
    if (!v || json_is_null(v))
        return KZ_OK;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return kz_fail(err, KZ_EINVAL, name, "%s must be an integer from %lld to %lld", name, (long long)min,
                       (long long)max);
    *out = json_integer_value(v);
    return KZ_OK;
}

static kz_rc carried_time(json_t *obj, const char *name, kz_time *out, kz_err *err)
{
    json_t *v = json_object_get(obj, name);
    if (!v || json_is_null(v))
        return KZ_OK;
    if (!json_is_string(v) || kz_time_parse(json_string_value(v), out))
        return kz_fail(err, KZ_EINVAL, name, "%s must be an RFC 3339 time", name);
    return KZ_OK;
}

static kz_rc read_file(json_t *obj, kz_arena *a, kz_document_blob *file, kz_err *err)
{
    json_t *v = json_object_get(obj, "file_base64");
    file->data = NULL;
    file->size = 0;
    if (!v || json_is_null(v) || (json_is_string(v) && !json_string_length(v)))
        return KZ_OK;
    const char *b64 = json_string_value(v);
    if (!b64)
        return kz_fail(err, KZ_EINVAL, "file_base64", "file_base64 must be a string");
    size_t len = strlen(b64);
    if (len / 4 * 3 > (size_t)KZ_DOC_FILE_MAX + 3)
        return kz_fail(err, KZ_ETOOBIG, "file_base64", "the stored copy is larger than %d bytes", KZ_DOC_FILE_MAX);
    size_t cap = len / 4 * 3 + 3;
    unsigned char *data = kz_arena_alloc(a, cap);
    if (!data)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    if (kz_b64_decode(b64, data, cap, &file->size))
        return kz_fail(err, KZ_EINVAL, "file_base64", "file_base64 is not standard base64");
    if (file->size > KZ_DOC_FILE_MAX)
        return kz_fail(err, KZ_ETOOBIG, "file_base64", "the stored copy is larger than %d bytes", KZ_DOC_FILE_MAX);
    file->data = data;
    return KZ_OK;
}

static kz_rc from_object(json_t *obj, kz_arena *a, kz_document *o, kz_document_blob *file, kz_err *err)
{
    memset(o, 0, sizeof *o);
    kz_document_defaults(o);
    kz_rc rc = KZ_OK;
    if (!rc) rc = carried_str(obj, "id", kz_valid_uuid, 36, a, &o->id, err);
    if (!rc) rc = carried_int(obj, "version", 1, INT32_MAX, &o->version, err);
    if (!rc) rc = carried_time(obj, "created", &o->created, err);
    if (!rc) rc = carried_time(obj, "modified", &o->modified, err);
    if (!rc) rc = carried_str(obj, "hash", check_hex64, 64, a, &o->hash, err);
    if (!rc) rc = carried_str(obj, "sha256", check_hex64, 64, a, &o->sha256, err);
    if (!rc) rc = carried_str(obj, "file_name", NULL, 255, a, &o->file_name, err);
    if (!rc) rc = carried_str(obj, "file_type", NULL, 127, a, &o->file_type, err);
    if (!rc) rc = carried_int(obj, "file_size", 0, KZ_DOC_FILE_MAX, &o->file_size, err);
    if (!rc) rc = read_file(obj, a, file, err);
    if (rc)
        return rc;
    if (!o->id || !o->version)
        return kz_fail(err, KZ_EINVAL, o->id ? "version" : "id", "a library record carries its id and version");
    if (file->data && o->file_size != (int64_t)file->size)
        return kz_fail(err, KZ_EINVAL, "file_size", "file_size is %lld but file_base64 holds %zu bytes",
                       (long long)o->file_size, file->size);
    for (size_t i = 0; i < sizeof carried / sizeof *carried; i++)
        json_object_del(obj, carried[i]);
    json_object_del(obj, "file_base64");
    return kz_json_decode(obj, &kz_document_schema, o, KZ_DECODE_CREATE, a, NULL, err);
}

kz_rc kz_document_from_json(const char *line, size_t n, kz_arena *a, kz_document *o, kz_document_blob *file,
                            kz_err *err)
{
    json_error_t je;
    json_t *obj = json_loadb(line, n, JSON_REJECT_DUPLICATES, &je);
    if (!obj)
        return kz_fail(err, KZ_EINVAL, NULL, "column %d: %s", je.column, je.text);
    kz_rc rc = json_is_object(obj) ? from_object(obj, a, o, file, err)
                                   : kz_fail(err, KZ_EINVAL, NULL, "column 1: a record is a JSON object");
    json_decref(obj);
    return rc;
}

kz_rc kz_document_csv_columns(const kz_csv_record *header, kz_document_columns *cols, kz_err *err)
{
    cols->n = header->n;
    uint64_t seen = 0;
    bool file_seen = false;
    for (size_t i = 0; i < header->n; i++) {
        const char *name = header->field[i];
        int f = strcmp(name, "file_base64") == 0 ? -1 : kz_schema_find(&kz_document_schema, name);
        if (f == -1 && strcmp(name, "file_base64") != 0)
            return kz_fail(err, KZ_EINVAL, NULL, "column %zu: unknown column '%.64s'", i + 1, name);
        if ((f >= 0 && (seen & (1ull << f))) || (f < 0 && file_seen))
            return kz_fail(err, KZ_EINVAL, NULL, "column %zu: column '%.64s' given twice", i + 1, name);
        if (f >= 0)
            seen |= 1ull << f;
        else
            file_seen = true;
        cols->field[i] = f;
    }
    return KZ_OK;
}

/* One CSV cell as the JSON value of field f: lists split at ' ', numbers and booleans
 * parsed; NULL when the cell cannot be that type (the decoder then names the field). */
static json_t *cell_json(const kz_field *f, const char *v)
{
    switch (f->type) {
    case KZ_FT_INT: {
        char *end;
        errno = 0;
        long long x = strtoll(v, &end, 10);
        return errno || *end || end == v ? json_string(v) : json_integer(x);
    }
    case KZ_FT_BOOL:
        return strcmp(v, "true") == 0 ? json_true() : strcmp(v, "false") == 0 ? json_false() : json_string(v);
    case KZ_FT_STRLIST: {
        json_t *arr = json_array();
        for (const char *p = v; arr && *p;) {
            const char *sp = strchr(p, ' ');
            size_t n = sp ? (size_t)(sp - p) : strlen(p);
            if (n)
                json_array_append_new(arr, json_stringn(p, n));
            p += n + (sp ? 1 : 0);
        }
        return arr;
    }
    default:
        return json_string(v);
    }
}

kz_rc kz_document_from_csv(const kz_document_columns *cols, const kz_csv_record *r, kz_arena *a,
                           kz_document *o, kz_document_blob *file, kz_err *err)
{
    if (r->n != cols->n)
        return kz_fail(err, KZ_EINVAL, NULL, "column %zu: %zu fields where the header has %zu",
                       r->n < cols->n ? r->n + 1 : cols->n + 1, r->n, cols->n);
    json_t *obj = json_object();
    for (size_t i = 0; obj && i < r->n; i++) {
        if (!r->len[i])
            continue;
        const char *name = cols->field[i] < 0 ? "file_base64" : kz_document_schema.fields[cols->field[i]].name;
        json_t *v = cols->field[i] < 0 ? json_string(r->field[i])
                                       : cell_json(&kz_document_schema.fields[cols->field[i]], r->field[i]);
        if (!v) {  /* not UTF-8 */
            json_decref(obj);
            return kz_fail(err, KZ_EINVAL, name, "column %zu (%s): not UTF-8 text", i + 1, name);
        }
        json_object_set_new(obj, name, v);
    }
    if (!obj)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    kz_rc rc = from_object(obj, a, o, file, err);
    json_decref(obj);
    for (size_t i = 0; rc && err->field[0] && i < cols->n; i++) {
        const char *name = cols->field[i] < 0 ? "file_base64" : kz_document_schema.fields[cols->field[i]].name;
        if (strncmp(err->field, name, strlen(name)) == 0) {
            char msg[sizeof err->msg], field[sizeof err->field];
            memcpy(msg, err->msg, sizeof msg);
            memcpy(field, err->field, sizeof field);
            kz_fail(err, rc, field, "column %zu (%s): %s", i + 1, name, msg);
            break;
        }
    }
    return rc;
}

/* ---- the national survey as a page and as text ----------------------------------------- */

/* The page's words in English and Japanese: the texts of the web interface's catalogues,
 * placeholders included (web/i18n, key survey.<name in lower case>, the norm's heading
 * survey.norm_heading). tests/integration/test_library.py compares the printed page with
 * the catalogues, so a change there must be made here too. */
enum { SW_TITLE, SW_VERSION, SW_NORM, SW_NOT_ANSWERED, SW_PART1, SW_PART1_HINT, SW_PART2, SW_PART2_HINT,
       SW_PART3, SW_PART3_HINT, SW_PART4, SW_PART4_HINT, SW_COUNT };
static const char *const survey_words[SW_COUNT][2] = {
    [SW_TITLE] = {"National survey of implementation: {state}, {period}", "実施に関する国別調査：{state}（{period}年）"},
    [SW_VERSION] = {"Version {version}", "版 {version}"},            /* survey.version_line */
    [SW_NORM] = {"Norm ({letter}): {title}", "規範 ({letter})：{title}"},
    [SW_NOT_ANSWERED] = {"(not answered)", "（未回答）"},
    [SW_PART1] = {"Part 1. International law", "第1部 国際法"},
    [SW_PART1_HINT] = {"How your state considers that international law applies to the use of ICTs.",
                       "ICTの利用に国際法がどのように適用されると考えるか。"},
    [SW_PART2] = {"Part 2. The norms of responsible state behaviour", "第2部 責任ある国家の行動規範"},
    [SW_PART2_HINT] = {"One answer per norm of A/70/174, paragraph 13.", "A/70/174 第13段落の規範ごとに1つの回答。"},
    [SW_PART3] = {"Part 3. Confidence-building measures", "第3部 信頼醸成措置"},
    [SW_PART3_HINT] = {"Points of contact, transparency measures and cooperation your state takes part in.",
                       "参加している連絡窓口、透明性措置、協力。"},
    [SW_PART4] = {"Part 4. Capacity-building", "第4部 能力構築"},
    [SW_PART4_HINT] = {"The capacity-building your state offers, receives or needs.",
                       "提供している、受けている、または必要としている能力構築。"},
};

/* The parts and their answers in order: a NULL field stands for the eleven norms. */
static const struct {
    int heading, hint;
    const char *field;
} survey_parts[] = {
    {SW_PART1, SW_PART1_HINT, "international_law"},
    {SW_PART2, SW_PART2_HINT, NULL},
    {SW_PART3, SW_PART3_HINT, "cbms"},
    {SW_PART4, SW_PART4_HINT, "capacity_building"},
};

static int survey_lang(const char *lang) { return lang && strcmp(lang, "ja") == 0; }

/* tmpl with its placeholders ({name}) replaced in order by vals[0], vals[1], ..., into
 * dst (truncated to size, always terminated): the catalogue's form, without formats. */
static const char *fill(char *dst, size_t size, const char *tmpl, const char *const *vals)
{
    size_t n = 0;
    for (const char *p = tmpl; *p && n + 1 < size;) {
        const char *end = *p == '{' ? strchr(p, '}') : NULL;
        const char *piece = end ? *vals++ : p;
        size_t len = end ? strlen(piece) : 1;
        if (len > size - 1 - n)
            len = size - 1 - n;
        memcpy(dst + n, piece, len);
        n += len;
        p = end ? end + 1 : p + 1;
    }
    dst[n] = '\0';
    return dst;
}

static const char *survey_field(const kz_survey *s, const char *name)
{
    int f = kz_schema_find(&kz_survey_schema, name);
    return f < 0 ? NULL : *(char *const *)KZ_FIELD_PTR(s, &kz_survey_schema.fields[f]);
}

/* One heading with its hint (or NULL) and its answer (NULL: none asked, as for part 2's
 * own heading; "" is never passed, an unanswered question is marked by put). */
typedef kz_rc (*put_fn)(kz_buf *b, int ja, const char *heading, int level, const char *hint, const char *answer,
                        int asked);

static kz_rc put_html(kz_buf *b, int ja, const char *heading, int level, const char *hint, const char *answer,
                      int asked)
{
    kz_rc rc = kz_buf_printf(b, "<h%d>", level);
    if (!rc) rc = kz_buf_html(b, heading);
    if (!rc) rc = kz_buf_printf(b, "</h%d>\n", level);
    if (!rc && hint) rc = kz_buf_puts(b, "<p class=\"hint\">");
    if (!rc && hint) rc = kz_buf_html(b, hint);
    if (!rc && hint) rc = kz_buf_puts(b, "</p>\n");
    if (rc || !asked)
        return rc;
    rc = kz_buf_puts(b, "<p>");
    if (!rc && answer) rc = kz_buf_html(b, answer);
    if (!rc && !answer) rc = kz_buf_puts(b, "<em>");
    if (!rc && !answer) rc = kz_buf_html(b, survey_words[SW_NOT_ANSWERED][ja]);
    if (!rc && !answer) rc = kz_buf_puts(b, "</em>");
    return rc ? rc : kz_buf_puts(b, "</p>\n");
}

static kz_rc put_text(kz_buf *b, int ja, const char *heading, int level, const char *hint, const char *answer,
                      int asked)
{
    (void)ja, (void)level, (void)hint, (void)asked;
    kz_rc rc = kz_buf_puts(b, heading);
    if (!rc) rc = kz_buf_puts(b, "\n");
    if (!rc && answer) rc = kz_buf_puts(b, answer);
    return rc ? rc : kz_buf_puts(b, "\n\n");
}

static kz_rc survey_body(const kz_survey *s, int ja, kz_buf *b, put_fn put)
{
    kz_rc rc = KZ_OK;
    size_t n;
    const kz_norm *norms = kz_norms(&n);
    for (size_t i = 0; !rc && i < sizeof survey_parts / sizeof *survey_parts; i++) {
        const char *heading = survey_words[survey_parts[i].heading][ja];
        const char *hint = survey_words[survey_parts[i].hint][ja];
        if (survey_parts[i].field) {
            rc = put(b, ja, heading, 2, hint, survey_field(s, survey_parts[i].field), 1);
            continue;
        }
        rc = put(b, ja, heading, 2, hint, NULL, 0);
        for (size_t k = 0; !rc && k < n; k++) {
            char line[512];
            const char *vals[] = {norms[k].letter, ja ? norms[k].title_ja : norms[k].title};
            fill(line, sizeof line, survey_words[SW_NORM][ja], vals);
            rc = put(b, ja, line, 3, NULL, kz_survey_norm(s, norms[k].letter), 1);
        }
    }
    return rc;
}

kz_rc kz_survey_html(const kz_survey *s, const char *lang, kz_buf *out)
{
    int ja = survey_lang(lang);
    char title[256], version[64], number[24];
    const char *tv[] = {s->state ? s->state : "", s->period ? s->period : ""}, *vv[] = {number};
    snprintf(number, sizeof number, "%lld", (long long)s->version);
    fill(title, sizeof title, survey_words[SW_TITLE][ja], tv);
    fill(version, sizeof version, survey_words[SW_VERSION][ja], vv);
    kz_rc rc = kz_buf_printf(out, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\"><title>",
                             ja ? "ja" : "en");
    if (!rc) rc = kz_buf_html(out, title);
    if (!rc) rc = kz_buf_puts(out, "</title><style>body{font-family:serif;max-width:42em;margin:2em auto}"
                                   "p{white-space:pre-wrap}.hint{font-style:italic}</style></head><body>\n<h1>");
    if (!rc) rc = kz_buf_html(out, title);
    if (!rc) rc = kz_buf_puts(out, "</h1>\n<p>");
    if (!rc) rc = kz_buf_html(out, version);
    if (!rc) rc = kz_buf_puts(out, "</p>\n");
    if (!rc) rc = survey_body(s, ja, out, put_html);
    return rc ? rc : kz_buf_puts(out, "</body></html>\n");
}

kz_rc kz_survey_text(const kz_survey *s, kz_buf *out)
{
    return survey_body(s, 0, out, put_text);
}
