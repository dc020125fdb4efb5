/* Shared by the list functions of store_*.c: runs a prepared list statement whose
 * last two parameters are (after row number, limit) and collects a page. */
#ifndef KZ_STORE_PAGE_H
#define KZ_STORE_PAGE_H

#include "model/sharing.h"
#include "store/directory/directory.h"
#include "store/core/store_internal.h"

/* Reads one row of the statement into item (arena memory). Returns 0 or -1 (ENOMEM). */
typedef int (*kz__row_reader)(sqlite3_stmt *s, void *item, kz_arena *a);

/* Binds ?1 (rows after this n) and ?2 (limit + 1) from pg, steps s, reads up to limit
 * rows of item_size bytes with read, sets next when more rows exist. The first column
 * of every row must be the row number n. Resets s. */
kz_rc kz__page_run(kz_db *db, sqlite3_stmt *s, const kz_page *pg, size_t item_size,
                   kz__row_reader read, kz_arena *a, void **items, size_t *n,
                   char next[KZ_CURSOR_TEXT], kz_err *err);

/* Decides from the raw row (before it is read) whether it belongs on the page. */
typedef bool (*kz__row_keep)(sqlite3_stmt *s, void *ctx);

/* Like kz__page_run, for lists filtered row by row outside SQL (visibility): rows that
 * keep rejects are skipped unread, ?2 is bound to -1 (no SQL limit) and the scan goes on
 * until limit rows are kept and one more kept row shows that a next page exists. */
kz_rc kz__page_run_if(kz_db *db, sqlite3_stmt *s, const kz_page *pg, size_t item_size,
                      kz__row_reader read, kz__row_keep keep, void *keep_ctx, kz_arena *a,
                      void **items, size_t *n, char next[KZ_CURSOR_TEXT], kz_err *err);

/* A walk over every row of a bound statement in constant memory however many rows:
 * the rows' strings live in an arena renewed every KZ__ROWS_ARENA_ROWS rows, so the
 * caller copies what it keeps longer. Used as
 *     kz__rows it = kz__rows_begin(db, s, err);
 *     while (!rc && kz__rows_next(&it, read, &item)) rc = use(&item);
 *     return kz__rows_end(&it, rc);
 */
enum { KZ__ROWS_ARENA_ROWS = 256 };
typedef struct kz__rows {
    kz_db *db;
    sqlite3_stmt *s;
    kz_err *err;
    kz_arena a;
    size_t n;     /* rows read */
    kz_rc rc;     /* why the walk stopped early: KZ_ENOMEM or the step's error */
} kz__rows;
kz__rows kz__rows_begin(kz_db *db, sqlite3_stmt *s, kz_err *err);
/* Steps to the next row and reads it into item with read (the previous row's strings
 * may be gone). false at the end, or when the step or the read failed. */
bool kz__rows_next(kz__rows *it, kz__row_reader read, void *item);
/* Resets the statement and frees the rows: returns rc when it is an error, else the
 * walk's own (KZ_OK after the last row). */
kz_rc kz__rows_end(kz__rows *it, kz_rc rc);

/* Steps a bound statement and reads every row with read into one array of item-size
 * entries that grows in the arena (*items, *n; both in arena memory). Resets s. */
kz_rc kz__collect_rows(kz_db *db, sqlite3_stmt *s, size_t item, kz__row_reader read, kz_arena *a,
                       void **items, size_t *n, kz_err *err);

/* Steps a bound statement and collects column 0 of each row as text (arena), at most
 * max rows. Resets s. */
kz_rc kz__collect_text(kz_db *db, sqlite3_stmt *s, size_t max, kz_arena *a, kz_strlist *out,
                       kz_err *err);

/* Steps s (parameters bound) for one row and reads it into out with read, which gets
 * the statement with the row number in column 0. KZ_ENOTFOUND, naming field `what`
 * ("no incident ID"), when there is no row. Resets s. */
kz_rc kz__get_row(kz_db *db, sqlite3_stmt *s, kz__row_reader read, void *out, kz_arena *a,
                  const char *what, const char *id, kz_err *err);

/* Steps an INSERT ... ON CONFLICT DO UPDATE ... WHERE changed RETURNING id statement:
 * *result is created when the returned id is new_id, merged for another id, unchanged
 * when no row came back (the WHERE clause found nothing to change). id_out, when not
 * NULL, receives the returned id ("" when unchanged). Resets s. */
kz_rc kz__upsert_run(kz_db *db, sqlite3_stmt *s, const char *new_id, kz_upsert *result, char id_out[37],
                     kz_err *err);

/* Steps a statement whose rows are (key text, count) into out (arena memory), summing
 * the total. Resets s. */
struct kz_counts;
kz_rc kz__counts_run(kz_db *db, sqlite3_stmt *s, kz_arena *a, struct kz_counts *out, kz_err *err);

/* Normalizes a free-text query into an FTS5 query of quoted prefix terms
 * ("tok1"* "tok2"*) in arena memory, or NULL when q holds no searchable word. */
char *kz__fts_query(const char *q, kz_arena *a);

/* Writes head, then " AND frag" for every bit of mask (frags[i] for bit i), then tail.
 * Fragments are static SQL with numbered parameters only; no input reaches the text. */
const char *kz__compose(char *buf, size_t size, const char *head, const char *const *frags,
                        unsigned mask, const char *tail);
#endif
