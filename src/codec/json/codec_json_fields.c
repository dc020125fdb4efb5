/* Table-driven JSON decoding and encoding of resource structs (jansson). */
#include "codec/json/json_fields.h"

#include "util/alloc.h"
#include "util/json_text.h"
#include "util/utf8.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum { LIST_ITEM_MAX = 256 };

static pthread_once_t json_once = PTHREAD_ONCE_INIT;

static void json_setup(void) { json_set_alloc_funcs(kz_malloc, kz_free); }

void kz_json_init(void) { pthread_once(&json_once, json_setup); }

static kz_rc decode_string(const json_t *v, const kz_field *f, kz_arena *a, char **out, kz_err *err)
{
    if (!json_is_string(v))
        return kz_fail(err, KZ_EINVAL, f->name, "%s must be a string", f->name);
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (strlen(s) != n || !kz_text_ok(s, n, f->type == KZ_FT_TEXT))
        return kz_fail(err, KZ_EINVAL, f->name, "%s contains control characters or invalid UTF-8",
                       f->name);
    unsigned bidi = kz_text_bidi(s, n);
    if (bidi)
        return kz_fail(err, KZ_EINVAL, f->name, "%s contains the bidirectional control U+%04X, which could "
                       "disguise the text", f->name, bidi);
    size_t cps = kz_utf8_count(s, n);
    if (f->max && cps > f->max)
        return kz_fail(err, KZ_EINVAL, f->name, "%s is longer than %zu characters", f->name, f->max);
    if (n == 0) {
        if (f->flags & KZ_FF_REQUIRED)
            return kz_fail(err, KZ_EINVAL, f->name, "%s must not be empty", f->name);
        *out = NULL;
        return KZ_OK;
    }
    if (f->check) {
        kz_rc rc = f->check(s, f->name, err);
        if (rc)
            return rc;
    }
    *out = kz_arena_strndup(a, s, n);
    return *out ? KZ_OK : kz_fail(err, KZ_ENOMEM, f->name, NULL);
}

kz_rc kz_json_strlist(const json_t *arr, const char *field, size_t max_items, size_t max_len,
                      kz_valid_fn check, kz_arena *a, kz_strlist *out, kz_err *err)
{
    if (!json_is_array(arr))
        return kz_fail(err, KZ_EINVAL, field, "%s must be an array of strings", field);
    size_t n = json_array_size(arr);
    if (max_items && n > max_items)
        return kz_fail(err, KZ_EINVAL, field, "%s has more than %zu items", field, max_items);
    char **v = kz_arena_calloc(a, n ? n : 1, sizeof *v);
    if (!v)
        return kz_fail(err, KZ_ENOMEM, field, NULL);
    kz_field item = {.name = field, .type = KZ_FT_STR, .max = max_len, .check = check,
                     .flags = KZ_FF_REQUIRED};
    for (size_t i = 0; i < n; i++) {
        kz_rc rc = decode_string(json_array_get(arr, i), &item, a, &v[i], err);
        if (rc) {
            char at[32];
            snprintf(at, sizeof at, "[%zu]", i);
            size_t fl = strlen(err->field);
            snprintf(err->field + fl, sizeof err->field - fl, "%s", at);
            return rc;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(v[j], v[i]) == 0)
                return kz_fail(err, KZ_EINVAL, field, "%s lists '%.64s' twice", field, v[i]);
    }
    out->v = v;
    out->n = n;
    return KZ_OK;
}

static kz_rc decode_value(const json_t *v, const kz_field *f, void *p, kz_arena *a, kz_err *err)
{
    switch (f->type) {
    case KZ_FT_STR:
    case KZ_FT_TEXT:
        return decode_string(v, f, a, (char **)p, err);
    case KZ_FT_ENUM: {
        int e = json_is_string(v) ? kz_enum_parse(f->en, json_string_value(v)) : -1;
        if (e < 0) {
            char list[256];
            kz_enum_list(f->en, list, sizeof list);
            return kz_fail(err, KZ_EINVAL, f->name, "%s must be %s", f->name, list);
        }
        *(int *)p = e;
        return KZ_OK;
    }
    case KZ_FT_INT: {
        json_int_t i = json_is_integer(v) ? json_integer_value(v) : -1;
        if (i < 0 || (f->max && (uint64_t)i > f->max))
            return kz_fail(err, KZ_EINVAL, f->name, "%s must be an integer from 0 to %zu", f->name,
                           f->max ? f->max : (size_t)INT64_MAX);
        *(int64_t *)p = (int64_t)i;
        return KZ_OK;
    }
    case KZ_FT_BOOL:
        if (!json_is_boolean(v))
            return kz_fail(err, KZ_EINVAL, f->name, "%s must be true or false", f->name);
        *(bool *)p = json_is_true(v);
        return KZ_OK;
    case KZ_FT_TIME:
        if (!json_is_string(v) || kz_time_parse(json_string_value(v), (kz_time *)p))
            return kz_fail(err, KZ_EINVAL, f->name,
                           "%s must be an RFC 3339 time such as 2026-01-31T09:00:00Z", f->name);
        return KZ_OK;
    case KZ_FT_STRLIST:
        return kz_json_strlist(v, f->name, f->max, LIST_ITEM_MAX, f->check, a, (kz_strlist *)p, err);
    }
    return kz_fail(err, KZ_EINTERNAL, f->name, "unknown field type");
}

static void clear_value(const kz_field *f, void *p)
{
    switch (f->type) {
    case KZ_FT_STR:
    case KZ_FT_TEXT: *(char **)p = NULL; break;
    case KZ_FT_INT: *(int64_t *)p = 0; break;
    case KZ_FT_TIME: *(kz_time *)p = 0; break;
    case KZ_FT_BOOL: *(bool *)p = false; break;
    case KZ_FT_STRLIST: ((kz_strlist *)p)->n = 0; break;
    case KZ_FT_ENUM: break; /* enums are required wherever they appear */
    }
}

kz_rc kz_json_decode(const json_t *obj, const kz_schema *s, void *out, kz_decode_mode mode,
                     kz_arena *a, kz_fieldset *given, kz_err *err)
{
    kz_fieldset seen = 0;
    if (!json_is_object(obj))
        return kz_fail(err, KZ_EINVAL, "", "the body must be a JSON object (a %s)", s->name);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        int i = kz_schema_find(s, key);
        if (i < 0)
            return kz_fail(err, KZ_EINVAL, key, "unknown field '%.64s' for a %s", key, s->name);
        const kz_field *f = &s->fields[i];
        if ((f->flags & KZ_FF_READONLY) && mode != KZ_DECODE_REPLICA)
            return kz_fail(err, KZ_EINVAL, key, "%s is set by the server and cannot be given", key);
        if (mode == KZ_DECODE_UPDATE && (f->flags & KZ_FF_IMMUTABLE))
            return kz_fail(err, KZ_EINVAL, key, "%s cannot be changed", key);
        void *p = KZ_FIELD_PTR(out, f);
        if (json_is_null(v)) {
            if (f->flags & KZ_FF_REQUIRED)
                return kz_fail(err, KZ_EINVAL, key, "%s must not be null", key);
            clear_value(f, p);
            if (mode == KZ_DECODE_UPDATE)
                seen |= (kz_fieldset)1 << i;
            continue;
        }
        kz_rc rc = decode_value(v, f, p, a, err);
        if (rc)
            return rc;
        seen |= (kz_fieldset)1 << i;
    }
    if (mode != KZ_DECODE_UPDATE) {
        kz_rc rc = kz_schema_require(s, seen, err);
        if (rc)
            return rc;
    }
    if (given)
        *given = seen;
    return KZ_OK;
}

int kz_json_set_str(json_t *o, const char *key, const char *v)
{
    return json_object_set_new(o, key, v ? json_string(v) : json_null());
}

int kz_json_set_time(json_t *o, const char *key, kz_time t)
{
    char buf[40];
    return json_object_set_new(o, key, t ? json_string(kz_time_format(t, buf, sizeof buf)) : json_null());
}

static json_t *encode_value(const kz_field *f, const void *p)
{
    switch (f->type) {
    case KZ_FT_STR:
    case KZ_FT_TEXT: {
        const char *s = *(char *const *)p;
        return s ? json_string(s) : json_null();
    }
    case KZ_FT_ENUM: return json_string(kz_enum_name(f->en, *(const int *)p));
    case KZ_FT_INT: return json_integer(*(const int64_t *)p);
    case KZ_FT_BOOL: return json_boolean(*(const bool *)p);
    case KZ_FT_TIME: {
        char buf[40];
        kz_time t = *(const kz_time *)p;
        return t ? json_string(kz_time_format(t, buf, sizeof buf)) : json_null();
    }
    case KZ_FT_STRLIST: {
        const kz_strlist *l = p;
        json_t *arr = json_array();
        for (size_t i = 0; arr && i < l->n; i++)
            json_array_append_new(arr, json_string(l->v[i]));
        return arr;
    }
    }
    return json_null();
}

json_t *kz_json_encode(const kz_schema *s, const void *obj)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < s->count; i++) {
        const kz_field *f = &s->fields[i];
        if (f->flags & KZ_FF_WRITEONLY)
            continue;
        json_t *v = encode_value(f, KZ_FIELD_PTR(obj, f));
        if (!v || json_object_set_new(o, f->name, v)) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

static kz_rc write_value(kz_buf *b, const kz_field *f, const void *p)
{
    char tmp[40];
    switch (f->type) {
    case KZ_FT_STR:
    case KZ_FT_TEXT: return kz_json_text_str(b, *(char *const *)p);
    case KZ_FT_ENUM: return kz_json_text_str(b, kz_enum_name(f->en, *(const int *)p));
    case KZ_FT_INT: return kz_buf_printf(b, "%lld", (long long)*(const int64_t *)p);
    case KZ_FT_BOOL: return kz_buf_puts(b, *(const bool *)p ? "true" : "false");
    case KZ_FT_TIME: {
        kz_time t = *(const kz_time *)p;
        return t ? kz_json_text_str(b, kz_time_format(t, tmp, sizeof tmp)) : kz_buf_puts(b, "null");
    }
    case KZ_FT_STRLIST: {
        const kz_strlist *l = p;
        kz_rc rc = kz_buf_puts(b, "[");
        for (size_t i = 0; !rc && i < l->n; i++) {
            if (i)
                rc = kz_buf_puts(b, ",");
            if (!rc)
                rc = kz_json_text_str(b, l->v[i]);
        }
        return rc ? rc : kz_buf_puts(b, "]");
    }
    }
    return kz_buf_puts(b, "null");
}

kz_rc kz_json_write(kz_buf *b, const kz_schema *s, const void *obj)
{
    kz_rc rc = kz_buf_puts(b, "{");
    bool first = true;
    for (size_t i = 0; !rc && i < s->count; i++) {
        const kz_field *f = &s->fields[i];
        if (f->flags & KZ_FF_WRITEONLY)
            continue;
        /* field names are plain identifiers: no escaping needed */
        size_t nl = strlen(f->name);
        rc = kz_buf_reserve(b, nl + 4);
        if (!rc) {
            char *o = b->p + b->len;
            if (!first)
                *o++ = ',';
            *o++ = '"';
            memcpy(o, f->name, nl);
            o += nl;
            *o++ = '"';
            *o++ = ':';
            b->len = (size_t)(o - b->p);
            b->p[b->len] = '\0';
        }
        first = false;
        if (!rc)
            rc = write_value(b, f, KZ_FIELD_PTR(obj, f));
    }
    return rc ? rc : kz_buf_puts(b, "}");
}

kz_rc kz_json_write_page(kz_buf *b, const kz_schema *s, const void *items, size_t n,
                         size_t item_size, const char *next)
{
    kz_rc rc = kz_buf_puts(b, "{\"items\":[");
    for (size_t i = 0; !rc && i < n; i++) {
        if (i)
            rc = kz_buf_puts(b, ",");
        if (!rc)
            rc = kz_json_write(b, s, (const char *)items + i * item_size);
    }
    if (!rc)
        rc = kz_buf_puts(b, "],\"next\":");
    if (!rc)
        rc = next && next[0] ? kz_json_text_str(b, next) : kz_buf_puts(b, "null");
    return rc ? rc : kz_buf_puts(b, "}");
}

kz_rc kz_json_apply_patch(void *obj, void *patch, kz_err *err)
{
    const kz_json_patch *p = patch;
    return kz_json_decode(p->body, p->schema, obj, KZ_DECODE_UPDATE, p->arena, NULL, err);
}

void kz_err_prefix(kz_err *err, const char *prefix)
{
    char tmp[sizeof err->field];
    snprintf(tmp, sizeof tmp, "%s%s", prefix, err->field);
    memcpy(err->field, tmp, sizeof tmp);
}
