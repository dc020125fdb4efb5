/* Shared by the store_*.c files only: the connection struct, the statement cache and
 * the table-driven bind/read helpers. */
#ifndef KZ_STORE_INTERNAL_H
#define KZ_STORE_INTERNAL_H

#include "model/field.h"
#include "store/core/store.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/clock.h"

#include <sqlite3.h>

/* A connection that finds the write lock taken polls for it every KZ_BUSY_POLL_MS, up
 * to KZ_BUSY_TIMEOUT_MS, then fails with KZ_EBUSY. SQLite's own busy_timeout backs off
 * to 100 ms between tries, so a writer that takes the lock again right after its commit
 * (an import between chunks) would starve the others; polling often lets them in within
 * the pause the importer leaves (kz_store_yield). */
enum { KZ_TX_STMTS = 7 }; /* the transaction statements prepared at open (store.c) */
enum { KZ_STMT_CACHE = 256, KZ_BUSY_TIMEOUT_MS = 10000, KZ_BUSY_POLL_MS = 2, KZ_YIELD_MS = 20 };

/* Waits for a busy lock as above (wait true) or not at all (false: best-effort writes). */
void kz__busy_wait(kz_db *db, bool wait);

struct kz_db {
    sqlite3 *h;
    kz_store *owner;
    struct kz_db *next;  /* in the store's list of open connections */
    int64_t data_version; /* last PRAGMA data_version seen on this connection */
    unsigned pager_version; /* last SQLITE_FCNTL_DATA_VERSION (kz_store_generation_seen) */
    int depth;            /* open transaction levels: 1 = BEGIN, more = savepoints */
    bool snapshot;        /* a read snapshot is open (kz_db_snapshot_begin); depth stays 0 */
    sqlite3_stmt *tx[KZ_TX_STMTS]; /* BEGIN, COMMIT, ROLLBACK...: ending one needs no memory */
    int64_t busy_since;   /* kz_mono_ms when the current wait for a busy lock began */
    bool bulk;            /* a bulk indicator write: triggers off (kz_store_indicator_bulk_begin) */
    kz_buf bulk_rows;     /* meanwhile, the rows it wrote, in order, as runs of consecutive
                           * row numbers: int64_t pairs (first, last) */
    struct {
        const void *key;
        unsigned variant;
        sqlite3_stmt *stmt;
    } cache[KZ_STMT_CACHE];
};

/* The audit signing key of db's store, or NULL (kz_store_set_signer). */
const unsigned char *kz__store_signer(const kz_db *db);

/* A prepared statement for sql, cached on this connection, reset and with bindings
 * cleared. NULL with err on a prepare error (a programming error in the SQL text). */
sqlite3_stmt *kz__stmt(kz_db *db, const char *sql, kz_err *err);

/* Same, for SQL composed from static fragments: key identifies the query, variant the
 * combination of fragments; build is called once per connection to produce the text
 * (into a buffer the callee owns until it returns). */
typedef const char *(*kz__sql_builder)(unsigned variant, char *buf, size_t size);
sqlite3_stmt *kz__stmt_variant(kz_db *db, const void *key, unsigned variant,
                               kz__sql_builder build, kz_err *err);

/* Gives the rows inserted by the open write transaction their TAXII date_added
 * (store_stix.c); called by kz_db_commit before the outermost COMMIT. */
kz_rc kz__stix_date_added(kz_db *db, kz_err *err);

/* Resets a statement after use so it holds no read snapshot. Always call it. */
void kz__done(sqlite3_stmt *s);

/* Turns a SQLite result into a kz_rc, filling err; constraint failures become
 * KZ_ECONFLICT. */
kz_rc kz__sqlerr(kz_db *db, int rc, kz_err *err);

/* Binds every stored field of obj, in schema order, from parameter `first`; returns the
 * next free parameter index, or -1 on error. Strings are bound without a copy: obj's
 * strings must stay as they are until the statement has run (every caller binds and
 * steps in one go), which spares a malloc and a copy per string on bulk writes. */
int kz__bind_fields(sqlite3_stmt *s, int first, const kz_schema *sc, const void *obj);
/* The same on a statement whose parameters are all NULL (as kz__stmt and
 * kz__stmt_variant hand it out: cleared), so that NULL fields need no call: a set
 * insert of 64 rows has hundreds of them. */
int kz__bind_fields_cleared(sqlite3_stmt *s, int first, const kz_schema *sc, const void *obj);

/* Reads every stored field of obj from columns starting at `first`, in schema order,
 * copying strings into a. Returns the next column index, or -1 on ENOMEM. */
int kz__read_fields(sqlite3_stmt *s, int first, const kz_schema *sc, void *obj, kz_arena *a);

/* Binds a text parameter; NULL binds SQL NULL. */
int kz__bind_text(sqlite3_stmt *s, int i, const char *v);

/* Copies a text column into the arena (NULL for SQL NULL). */
char *kz__col_text(sqlite3_stmt *s, int col, kz_arena *a);

/* Reads a newline-joined text column as a list (empty for NULL). 0, or -1 on ENOMEM. */
int kz__col_list(sqlite3_stmt *s, int col, kz_strlist *out, kz_arena *a);

/* Runs a statement that returns no rows (INSERT/UPDATE/DELETE) and resets it. */
kz_rc kz__exec_stmt(kz_db *db, sqlite3_stmt *s, kz_err *err);

/* Registers Kizuna's SQL functions (kz_visible) on a new connection (store_tlp.c). */
int kz__register_functions(sqlite3 *h);

/* Binds the viewer whose TLP view kz_visible applies (a pointer, never text: SQL cannot
 * forge one). v must outlive the statement's execution. */
int kz__bind_viewer(sqlite3_stmt *s, int i, const kz_viewer *v);

/* Cursor pagination: encodes the last row number as an opaque token, and decodes it
 * (KZ_EINVAL naming "cursor" on anything not produced by kz__cursor_encode). */
void kz__cursor_encode(int64_t n, char out[32]);
kz_rc kz__cursor_decode(const char *cursor, int64_t *n, kz_err *err);

#endif
