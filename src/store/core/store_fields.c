/* Table-driven binding and reading of resource structs, and pagination cursors.
 * Enums are stored by their wire names and lists as newline-joined text, so the
 * database reads well in the sqlite3 shell. */
#include "store/core/store_internal.h"

#include "crypto/crypto.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int kz__bind_text(sqlite3_stmt *s, int i, const char *v)
{
    return v ? sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(s, i);
}

char *kz__col_text(sqlite3_stmt *s, int col, kz_arena *a)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    if (!t)
        return NULL;
    return kz_arena_strndup(a, (const char *)t, (size_t)sqlite3_column_bytes(s, col));
}

static int bind_list(sqlite3_stmt *s, int i, const kz_strlist *l)
{
    if (l->n == 0)
        return sqlite3_bind_null(s, i);
    size_t len = 0;
    for (size_t k = 0; k < l->n; k++)
        len += strlen(l->v[k]) + 1;
    char *joined = sqlite3_malloc64(len);
    if (!joined)
        return SQLITE_NOMEM;
    size_t at = 0;
    for (size_t k = 0; k < l->n; k++) {
        size_t n = strlen(l->v[k]);
        memcpy(joined + at, l->v[k], n);
        at += n;
        joined[at++] = '\n';
    }
    return sqlite3_bind_text(s, i, joined, (int)(len - 1), sqlite3_free);
}

/* A field that binds NULL; `cleared` skips binding it (the parameter is NULL already). */
static bool is_null(const kz_field *f, const void *p)
{
    switch (f->type) {
    case KZ_FT_STR:
    case KZ_FT_TEXT: return *(char *const *)p == NULL;
    case KZ_FT_TIME: return *(const kz_time *)p == 0;
    case KZ_FT_STRLIST: return ((const kz_strlist *)p)->n == 0;
    default: return false;
    }
}

static int bind_all(sqlite3_stmt *s, int first, const kz_schema *sc, const void *obj, bool cleared)
{
    int i = first;
    for (size_t k = 0; k < sc->count; k++) {
        const kz_field *f = &sc->fields[k];
        if (f->flags & KZ_FF_NOSTORE)
            continue;
        const void *p = KZ_FIELD_PTR(obj, f);
        if (cleared && is_null(f, p)) {
            i++;
            continue;
        }
        int rc;
        switch (f->type) {
        case KZ_FT_STR:
        case KZ_FT_TEXT: {
            const char *v = *(char *const *)p;  /* not copied: see kz__bind_fields */
            rc = v ? sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(s, i);
            break;
        }
        case KZ_FT_ENUM: rc = sqlite3_bind_text(s, i, kz_enum_name(f->en, *(const int *)p), -1, SQLITE_STATIC); break;
        case KZ_FT_INT: rc = sqlite3_bind_int64(s, i, *(const int64_t *)p); break;
        case KZ_FT_BOOL: rc = sqlite3_bind_int(s, i, *(const bool *)p); break;
        case KZ_FT_TIME: {
            kz_time t = *(const kz_time *)p;
            rc = t ? sqlite3_bind_int64(s, i, t) : sqlite3_bind_null(s, i);
            break;
        }
        case KZ_FT_STRLIST: rc = bind_list(s, i, p); break;
        default: rc = SQLITE_MISUSE; break;
        }
        if (rc != SQLITE_OK)
            return -1;
        i++;
    }
    return i;
}

int kz__bind_fields(sqlite3_stmt *s, int first, const kz_schema *sc, const void *obj)
{
    return bind_all(s, first, sc, obj, false);
}

int kz__bind_fields_cleared(sqlite3_stmt *s, int first, const kz_schema *sc, const void *obj)
{
    return bind_all(s, first, sc, obj, true);
}

static int read_list(sqlite3_stmt *s, int col, kz_strlist *l, kz_arena *a)
{
    l->v = NULL;
    l->n = 0;
    char *t = kz__col_text(s, col, a);
    if (!t)
        return sqlite3_column_type(s, col) == SQLITE_NULL ? 0 : -1;
    size_t n = 1;
    for (const char *p = t; *p; p++)
        n += *p == '\n';
    l->v = kz_arena_calloc(a, n, sizeof *l->v);
    if (!l->v)
        return -1;
    for (char *p = t; p; l->n++) {
        l->v[l->n] = p;
        p = strchr(p, '\n');
        if (p)
            *p++ = '\0';
    }
    return 0;
}

int kz__col_list(sqlite3_stmt *s, int col, kz_strlist *out, kz_arena *a)
{
    return read_list(s, col, out, a);
}

int kz__read_fields(sqlite3_stmt *s, int first, const kz_schema *sc, void *obj, kz_arena *a)
{
    int col = first;
    for (size_t k = 0; k < sc->count; k++) {
        const kz_field *f = &sc->fields[k];
        if (f->flags & KZ_FF_NOSTORE)
            continue;
#ifdef KZ_CHECK_COLUMNS
        /* The SQL lists columns in schema order; a mismatch is a programming error.
         * Checked in the sanitizer builds of make check, not on the hot path. */
        assert(strcmp(sqlite3_column_name(s, col), f->name) == 0);
#endif
        void *p = KZ_FIELD_PTR(obj, f);
        bool null = sqlite3_column_type(s, col) == SQLITE_NULL;
        switch (f->type) {
        case KZ_FT_STR:
        case KZ_FT_TEXT:
            *(char **)p = kz__col_text(s, col, a);
            if (!null && !*(char **)p)
                return -1;
            break;
        case KZ_FT_ENUM: {
            const char *t = (const char *)sqlite3_column_text(s, col);
            *(int *)p = t ? kz_enum_parse(f->en, t) : -1;
            break;
        }
        case KZ_FT_INT: *(int64_t *)p = sqlite3_column_int64(s, col); break;
        case KZ_FT_BOOL: *(bool *)p = sqlite3_column_int(s, col) != 0; break;
        case KZ_FT_TIME: *(kz_time *)p = sqlite3_column_int64(s, col); break;
        case KZ_FT_STRLIST:
            if (read_list(s, col, p, a))
                return -1;
            break;
        }
        col++;
    }
    return col;
}

/* Cursors are "v2." + base64url(8-byte big-endian row number through the keyed
 * permutation of crypto.h): the row number of the last row a page showed, which a
 * reader cannot recover, so that two cursors do not tell how many rows it may not see
 * lie between them. */
void kz__cursor_encode(int64_t n, char out[32])
{
    uint64_t v = kz_cursor_seal((uint64_t)n);
    unsigned char b[8];
    for (int i = 7; i >= 0; i--, v >>= 8)
        b[i] = (unsigned char)(v & 0xFF);
    memcpy(out, "v2.", 3);
    kz_b64url_encode(b, sizeof b, out + 3, 29);
}

static int b64url_val(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

kz_rc kz__cursor_decode(const char *cursor, int64_t *n, kz_err *err)
{
    /* 8 bytes = 11 base64 characters without padding */
    if (strlen(cursor) != 14 || strncmp(cursor, "v2.", 3) != 0)
        return kz_fail(err, KZ_EINVAL, "cursor", "not a cursor returned by this server");
    uint64_t bits = 0;
    for (int i = 3; i < 14; i++) {
        int v = b64url_val(cursor[i]);
        /* 11 characters carry 66 bits; the last character's low two bits are padding */
        if (v < 0 || (i == 13 && (v & 3)))
            return kz_fail(err, KZ_EINVAL, "cursor", "not a cursor returned by this server");
        bits = i == 13 ? (bits << 4) | (uint64_t)(v >> 2) : (bits << 6) | (uint64_t)v;
    }
    uint64_t v = kz_cursor_open(bits);
    if (v > INT64_MAX)
        return kz_fail(err, KZ_EINVAL, "cursor", "not a cursor returned by this server");
    *n = (int64_t)v;
    return KZ_OK;
}
