/* Cursor-paginated list execution and free-text query normalization. */
#include "store/core/store_page.h"

#include "store/sharing/sharing.h"

#include <stdio.h>
#include <string.h>

kz_rc kz__page_run_if(kz_db *db, sqlite3_stmt *s, const kz_page *pg, size_t item_size,
                      kz__row_reader read, kz__row_keep keep, void *keep_ctx, kz_arena *a,
                      void **items, size_t *n, char next[KZ_CURSOR_TEXT], kz_err *err)
{
    int64_t after = 0;
    int64_t limit = pg->limit > 0 && pg->limit <= KZ_LIST_MAX ? pg->limit : KZ_LIST_DEFAULT;
    next[0] = '\0';
    *n = 0;
    if (pg->cursor && pg->cursor[0]) {
        kz_rc rc = kz__cursor_decode(pg->cursor, &after, err);
        if (rc) {
            kz__done(s);
            return rc;
        }
    }
    sqlite3_bind_int64(s, 1, after);
    sqlite3_bind_int64(s, 2, keep ? -1 : limit + 1);
    char *out = kz_arena_calloc(a, (size_t)limit, item_size);
    if (!out) {
        kz__done(s);
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    }
    int rc;
    int64_t last = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (keep && !keep(s, keep_ctx))
            continue;
        if ((int64_t)*n == limit) {
            kz__cursor_encode(last, next);
            break;
        }
        last = sqlite3_column_int64(s, 0);
        if (read(s, out + *n * item_size, a)) {
            kz__done(s);
            return kz_fail(err, KZ_ENOMEM, NULL, NULL);
        }
        (*n)++;
    }
    kz__done(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return kz__sqlerr(db, rc, err);
    *items = out;
    return KZ_OK;
}

kz_rc kz__page_run(kz_db *db, sqlite3_stmt *s, const kz_page *pg, size_t item_size,
                   kz__row_reader read, kz_arena *a, void **items, size_t *n,
                   char next[KZ_CURSOR_TEXT], kz_err *err)
{
    return kz__page_run_if(db, s, pg, item_size, read, NULL, NULL, a, items, n, next, err);
}

kz__rows kz__rows_begin(kz_db *db, sqlite3_stmt *s, kz_err *err)
{
    kz__rows it = {db, s, err, {0}, 0, KZ_OK};
    kz_arena_init(&it.a);
    return it;
}

bool kz__rows_next(kz__rows *it, kz__row_reader read, void *item)
{
    if (it->rc)
        return false;
    if (it->n && it->n % KZ__ROWS_ARENA_ROWS == 0) {
        kz_arena_free(&it->a);
        kz_arena_init(&it->a);
    }
    int rc = sqlite3_step(it->s);
    if (rc != SQLITE_ROW) {
        if (rc != SQLITE_DONE)
            it->rc = kz__sqlerr(it->db, rc, it->err);
        return false;
    }
    if (read(it->s, item, &it->a) < 0) {
        it->rc = kz_fail(it->err, KZ_ENOMEM, NULL, NULL);
        return false;
    }
    it->n++;
    return true;
}

kz_rc kz__rows_end(kz__rows *it, kz_rc rc)
{
    kz__done(it->s);
    kz_arena_free(&it->a);
    return rc ? rc : it->rc;
}

kz_rc kz__collect_text(kz_db *db, sqlite3_stmt *s, size_t max, kz_arena *a, kz_strlist *out,
                       kz_err *err)
{
    out->n = 0;
    out->v = kz_arena_calloc(a, max ? max : 1, sizeof *out->v);
    if (!out->v) {
        kz__done(s);
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    }
    int rc = SQLITE_DONE;
    while (out->n < max && (rc = sqlite3_step(s)) == SQLITE_ROW)
        if (!(out->v[out->n++] = kz__col_text(s, 0, a))) {
            kz__done(s);
            return kz_fail(err, KZ_ENOMEM, NULL, NULL);
        }
    kz__done(s);
    return out->n == max || rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

kz_rc kz__get_row(kz_db *db, sqlite3_stmt *s, kz__row_reader read, void *out, kz_arena *a,
                  const char *what, const char *id, kz_err *err)
{
    int rc = sqlite3_step(s);
    kz_rc r = KZ_OK;
    if (rc == SQLITE_ROW)
        r = read(s, out, a) ? kz_fail(err, KZ_ENOMEM, NULL, NULL) : KZ_OK;
    else if (rc == SQLITE_DONE)
        r = kz_fail(err, KZ_ENOTFOUND, what, "no %s %.40s", what, id);
    else
        r = kz__sqlerr(db, rc, err);
    kz__done(s);
    return r;
}

kz_rc kz__upsert_run(kz_db *db, sqlite3_stmt *s, const char *new_id, kz_upsert *result, char id_out[37],
                     kz_err *err)
{
    int rc = sqlite3_step(s);
    *result = KZ_UPSERT_UNCHANGED;
    if (id_out)
        id_out[0] = '\0';
    if (rc == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(s, 0);
        *result = id && strcmp(id, new_id) == 0 ? KZ_UPSERT_CREATED : KZ_UPSERT_MERGED;
        if (id_out)
            snprintf(id_out, 37, "%s", id ? id : "");
        rc = sqlite3_step(s);
    }
    kz__done(s);
    return rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

kz_rc kz__counts_run(kz_db *db, sqlite3_stmt *s, kz_arena *a, kz_counts *out, kz_err *err)
{
    size_t cap = 16;
    out->n = 0;
    out->total = 0;
    out->v = kz_arena_calloc(a, cap, sizeof *out->v);
    int rc = SQLITE_NOMEM;
    while (out->v && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (out->n == cap) {
            kz_count *bigger = kz_arena_calloc(a, cap * 2, sizeof *bigger);
            if (!bigger) {
                out->v = NULL;
                break;
            }
            memcpy(bigger, out->v, cap * sizeof *bigger);
            out->v = bigger;
            cap *= 2;
        }
        kz_count *c = &out->v[out->n++];
        c->key = kz__col_text(s, 0, a);
        if (!c->key && sqlite3_column_type(s, 0) != SQLITE_NULL) {
            out->v = NULL;
            break;
        }
        c->n = sqlite3_column_int64(s, 1);
        out->total += c->n;
    }
    kz__done(s);
    if (!out->v)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    return rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

static int word_char(unsigned char c) { return c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }

char *kz__fts_query(const char *q, kz_arena *a)
{
    size_t len = strlen(q);
    char *out = kz_arena_alloc(a, len * 2 + 8);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        while (i < len && !word_char((unsigned char)q[i]))
            i++;
        size_t start = i;
        while (i < len && word_char((unsigned char)q[i]))
            i++;
        if (i == start)
            break;
        if (o)
            out[o++] = ' ';
        out[o++] = '"';
        memcpy(out + o, q + start, i - start);
        o += i - start;
        out[o++] = '"';
        out[o++] = '*';
    }
    out[o] = '\0';
    return o ? out : NULL;
}

const char *kz__compose(char *buf, size_t size, const char *head, const char *const *frags,
                        unsigned mask, const char *tail)
{
    size_t o = 0;
    int n = snprintf(buf, size, "%s", head);
    o = n > 0 ? (size_t)n : 0;
    for (unsigned i = 0; mask >> i; i++)
        if ((mask >> i) & 1u && o < size) {
            n = snprintf(buf + o, size - o, " AND %s", frags[i]);
            o += n > 0 ? (size_t)n : 0;
        }
    if (o < size)
        snprintf(buf + o, size - o, " %s", tail);
    return buf;
}

kz_rc kz__collect_rows(kz_db *db, sqlite3_stmt *s, size_t item, kz__row_reader read, kz_arena *a,
                       void **items, size_t *n, kz_err *err)
{
    size_t cap = 0;
    *items = NULL;
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            void *p = kz_arena_calloc(a, ncap, item);
            if (!p)
                break;
            if (*n)
                memcpy(p, *items, *n * item);
            *items = p;
            cap = ncap;
        }
        if (read(s, (char *)*items + *n * item, a))
            break;
        (*n)++;
    }
    kz__done(s);
    if (rc == SQLITE_ROW)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    return rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}
