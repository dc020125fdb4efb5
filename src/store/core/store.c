/* Opening the database, per-thread connections, the statement cache, transactions and
 * the meta table. Connections are opened lazily per thread (SQLite connections must not
 * be used by two threads at once) and all share one WAL-mode file. */
#include "store/core/store.h"

#include "store/core/migrations.h"
#include "store/core/store_internal.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct kz_store {
    char *path;
    pthread_key_t tls;
    pthread_mutex_t lock;   /* guards conns */
    kz_db *conns;
    bool memory;
    bool sync_normal;       /* KZ_STORE_SYNC_NORMAL */
    char *uri;              /* KZ_STORE_READ_ONLY: what connections open (path or immutable URI) */
    const unsigned char *signer; /* see kz_store_set_signer */
    atomic_uint_fast64_t generation;  /* see kz_store_generation */
};

const char *kz_store_path(const kz_store *st) { return st->path; }

void kz_store_set_signer(kz_store *st, const unsigned char *sk) { st->signer = sk; }

const unsigned char *kz__store_signer(const kz_db *db) { return db->owner->signer; }

const char *kz_store_engine_version(void) { return sqlite3_libversion(); }

/* ---- SQLite allocates through util/alloc.c --------------------------------------- */

/* So that the tests' allocation faults (kz_alloc_fail_after) bite inside SQLite too. */
static void *mem_malloc(int n) { return n < 0 ? NULL : kz_sized_malloc((size_t)n); }
static void mem_free(void *p) { kz_sized_free(p); }
static void *mem_realloc(void *p, int n) { return n < 0 ? NULL : kz_sized_realloc(p, (size_t)n); }
static int mem_size(void *p) { return (int)kz_sized_size(p); }
static int mem_roundup(int n) { return (n + 7) & ~7; }
static int mem_init(void *unused) { (void)unused; return SQLITE_OK; }
static void mem_shutdown(void *unused) { (void)unused; }

static const sqlite3_mem_methods kz_sqlite_mem = {
    mem_malloc, mem_free, mem_realloc, mem_size, mem_roundup, mem_init, mem_shutdown, NULL,
};

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

/* Must run before sqlite3_initialize, which any first open (or sqlite3_sleep,
 * sqlite3_mprintf...) calls: every way into SQLite goes through kz_store_open first. */
static void lib_setup(void)
{
    int rc = sqlite3_config(SQLITE_CONFIG_MALLOC, &kz_sqlite_mem);
    /* No memory statistics (nothing reads them): SQLite then takes no global mutex
     * around each of its allocations, which every connection's thread would share. */
    if (rc == SQLITE_OK)
        rc = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    if (rc != SQLITE_OK)  /* initialized already: SQLite keeps the C library's malloc */
        kz_log(KZ_LOG_ERROR, "store.config", KZ_I("code", rc), KZ_S("error", sqlite3_errstr(rc)));
}

/* ---- connections ------------------------------------------------------------------ */

/* The statements that begin and end transactions, prepared once per connection after
 * the schema is final (a migration expires statements, and re-preparing allocates):
 * undoing a transaction then needs no memory, so a rollback cannot fail for the lack
 * of it and leave the write transaction open for the connection's next BEGIN. */
enum { TX_BEGIN, TX_BEGIN_WRITE, TX_SAVEPOINT, TX_RELEASE, TX_COMMIT, TX_ROLLBACK, TX_ROLLBACK_TO };
static const char *const tx_sql[KZ_TX_STMTS] = {
    [TX_BEGIN] = "BEGIN", [TX_BEGIN_WRITE] = "BEGIN IMMEDIATE", [TX_SAVEPOINT] = "SAVEPOINT kz_nested",
    [TX_RELEASE] = "RELEASE kz_nested", [TX_COMMIT] = "COMMIT", [TX_ROLLBACK] = "ROLLBACK",
    [TX_ROLLBACK_TO] = "ROLLBACK TO kz_nested",
};

static kz_rc prepare_tx(kz_db *db, kz_err *err)
{
    for (int i = 0; i < KZ_TX_STMTS; i++) {
        int rc = sqlite3_prepare_v3(db->h, tx_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &db->tx[i], NULL);
        if (rc != SQLITE_OK)
            return kz__sqlerr(db, rc, err);
    }
    return KZ_OK;
}

static void db_free(kz_db *db)
{
    for (int i = 0; i < KZ_TX_STMTS; i++)
        sqlite3_finalize(db->tx[i]);
    for (int i = 0; i < KZ_STMT_CACHE; i++)
        sqlite3_finalize(db->cache[i].stmt);
    sqlite3_close_v2(db->h);
    kz_buf_free(&db->bulk_rows);
    kz_free(db);
}

static void unlink_conn(kz_store *st, kz_db *db)
{
    pthread_mutex_lock(&st->lock);
    for (kz_db **pp = &st->conns; *pp; pp = &(*pp)->next) {
        if (*pp == db) {
            *pp = db->next;
            break;
        }
    }
    pthread_mutex_unlock(&st->lock);
}

/* pthread key destructor: a thread that used the store has exited. */
static void thread_gone(void *p)
{
    kz_db *db = p;
    unlink_conn(db->owner, db);
    db_free(db);
}

static kz_rc exec(sqlite3 *h, const char *sql, kz_err *err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        int primary = rc & 0xFF;
        kz_rc krc = primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT ? KZ_ECORRUPT : KZ_ESTORE;
        kz_log(KZ_LOG_ERROR, "store.exec", KZ_I("code", rc), KZ_S("error", msg ? msg : sqlite3_errstr(rc)));
        sqlite3_free(msg);  /* SQLite's words go to the log only: err can reach a client */
        kz_fail(err, krc, "db", "%s", krc == KZ_ECORRUPT ? "not a Kizuna database" : "database error");
        return krc;
    }
    return KZ_OK;
}

kz_rc kz_store_cache_kib(kz_db *db, int kib, kz_err *err)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", kib > 0 ? kib : KZ_STORE_CACHE_KIB);
    return exec(db->h, sql, err);
}

/* sqlite3 busy handler: the n-th retry of a lock; 0 gives up (SQLITE_BUSY). The limit
 * is time on the monotonic clock, not a count of polls: on a loaded machine a 2 ms sleep
 * takes longer, and counting them let a write wait several times KZ_BUSY_TIMEOUT_MS, past
 * the patience of the client that waits for its answer. */
static int poll_lock(void *cls, int n)
{
    kz_db *db = cls;
    int64_t now = kz_mono_ms();
    if (n == 0)
        db->busy_since = now;
    if (now - db->busy_since >= KZ_BUSY_TIMEOUT_MS)
        return 0;
    sqlite3_sleep(KZ_BUSY_POLL_MS);
    return 1;
}

void kz__busy_wait(kz_db *db, bool wait) { sqlite3_busy_handler(db->h, wait ? poll_lock : NULL, db); }

void kz_store_yield(kz_db *db)
{
    (void)db;
    sqlite3_sleep(KZ_YIELD_MS);
}

/* "file:" + path percent-encoded + "?" + query into out (size n). With "immutable=1"
 * SQLite reads the file without locks, -shm or -wal, writing nothing beside it; with
 * "mode=ro" it reads it and its -wal as they are. False if too long. */
static bool file_uri(const char *path, const char *query, char *out, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = (size_t)snprintf(out, n, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p && o + 4 < n; p++) {
        bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                     strchr("/-._~", *p);
        if (plain) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    return (size_t)snprintf(out + o, n - o, "?%s", query) < n - o && strlen(out) > 5;
}

enum { URI_MAX = 3 * 4096 + 32 };

/* The URI a read-only store opens: immutable when no -wal lies beside the file (a copy
 * kizuna backup made), so nothing is written beside it; read-only with its -wal else. */
static char *read_only_uri(const char *path)
{
    char uri[URI_MAX];
    bool ok = strlen(path) < 4096 && file_uri(path, kz_store_has_wal(path) ? "mode=ro" : "immutable=1", uri, sizeof uri);
    return ok ? kz_strdup(uri) : NULL;
}

static const int read_only_flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;

static kz_rc db_open(kz_store *st, int oflags, kz_db **out, kz_err *err)
{
    kz_db *db = kz_calloc(1, sizeof *db);
    if (!db)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    db->owner = st;
    int rc = sqlite3_open_v2(st->uri ? st->uri : st->path, &db->h, st->uri ? read_only_flags : oflags | SQLITE_OPEN_NOMUTEX,
                             NULL);
    if (rc != SQLITE_OK) {
        kz_log(KZ_LOG_ERROR, "store.open", KZ_S("path", st->path), KZ_I("code", rc),
               KZ_S("error", db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc)));
        kz_fail(err, KZ_ESTORE, NULL, "cannot open database %s (the log says why)", st->path);
        db_free(db);
        return KZ_ESTORE;
    }
    sqlite3_extended_result_codes(db->h, 1);
    kz__busy_wait(db, true);
    kz_rc krc = exec(db->h, st->sync_normal ? "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;"
                                              " PRAGMA temp_store = MEMORY;"
                                            : "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;"
                                              " PRAGMA temp_store = MEMORY;",
                     err);
    if (!krc)
        krc = kz_store_cache_kib(db, KZ_STORE_CACHE_KIB, err);
    if (!krc && !st->memory && !st->uri)
        krc = exec(db->h, "PRAGMA journal_mode = WAL;", err);
    if (!krc && kz__register_functions(db->h) != SQLITE_OK)
        krc = kz__sqlerr(db, SQLITE_ERROR, err);
    if (krc) {
        db_free(db);
        return krc;
    }
    *out = db;
    return KZ_OK;
}

static void register_conn(kz_store *st, kz_db *db)
{
    pthread_mutex_lock(&st->lock);
    db->next = st->conns;
    st->conns = db;
    pthread_mutex_unlock(&st->lock);
    pthread_setspecific(st->tls, db);
}

kz_db *kz_store_db(kz_store *st, kz_err *err)
{
    kz_db *db = pthread_getspecific(st->tls);
    if (db)
        return db;
    if (st->memory) {
        kz_fail(err, KZ_ESTORE, NULL, "an in-memory store has one connection only");
        return NULL;
    }
    if (db_open(st, SQLITE_OPEN_READWRITE, &db, err))
        return NULL;
    if (prepare_tx(db, err)) {
        db_free(db);
        return NULL;
    }
    register_conn(st, db);
    return db;
}

int kz_store_schema_version(void) { return kz__migration_count(); }

static kz_rc check_new(const char *path, unsigned flags, kz_err *err)
{
    struct stat sb;
    if ((flags & KZ_STORE_MUST_BE_NEW) && stat(path, &sb) == 0 && sb.st_size > 0)
        return kz_fail(err, KZ_ECONFLICT, "db", "%s already exists; refusing to overwrite it", path);
    if (!(flags & KZ_STORE_CREATE) && strcmp(path, ":memory:") != 0 && stat(path, &sb) != 0)
        return kz_fail(err, KZ_ENOTFOUND, "db", "no database at %s (create one with kizuna init --db %s)",
                       path, path);
    return KZ_OK;
}

kz_rc kz_store_open(const char *path, unsigned flags, kz_store **out, kz_err *err)
{
    kz_rc rc = check_new(path, flags, err);
    if (rc)
        return rc;
    pthread_once(&lib_once, lib_setup);
    kz_store *st = kz_calloc(1, sizeof *st);
    if (!st || !(st->path = kz_strdup(path))) {
        kz_free(st);
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    }
    st->memory = strcmp(path, ":memory:") == 0;
    st->sync_normal = (flags & KZ_STORE_SYNC_NORMAL) != 0;
    if ((flags & KZ_STORE_READ_ONLY) && !st->memory && !(st->uri = read_only_uri(path))) {
        kz_free(st->path);
        kz_free(st);
        return kz_fail(err, KZ_EINVAL, "db", "the path of the database is too long");
    }
    pthread_mutex_init(&st->lock, NULL);
    pthread_key_create(&st->tls, thread_gone);
    kz_db *db = NULL;
    int oflags = SQLITE_OPEN_READWRITE | ((flags & KZ_STORE_CREATE) ? SQLITE_OPEN_CREATE : 0);
    rc = db_open(st, oflags, &db, err);
    if (!rc) {
        register_conn(st, db);
        rc = st->uri ? kz__schema_current(db, err) : kz__migrate(db, err);
    }
    if (!rc)
        rc = prepare_tx(db, err);
    if (rc) {
        kz_store_close(st);
        return rc;
    }
    *out = st;
    return KZ_OK;
}

void kz_store_close(kz_store *st)
{
    if (!st)
        return;
    pthread_setspecific(st->tls, NULL);
    pthread_key_delete(st->tls);
    kz_db *db = st->conns;
    while (db) {
        kz_db *next = db->next;
        db_free(db);
        db = next;
    }
    pthread_mutex_destroy(&st->lock);
    kz_free(st->path);
    kz_free(st->uri);
    kz_free(st);
}

static void bump(kz_db *db) { atomic_fetch_add(&db->owner->generation, 1); }

/* ---- statement cache ---------------------------------------------------------- */

/* A statement that may write is never stepped inside a read snapshot (store.h). */
static sqlite3_stmt *snapshot_gives_way(kz_db *db, sqlite3_stmt *s)
{
    if (db->snapshot && !sqlite3_stmt_readonly(s))
        kz_db_snapshot_end(db);
    return s;
}

static sqlite3_stmt *cached(kz_db *db, const void *key, unsigned variant, const char *sql,
                            kz__sql_builder build, kz_err *err)
{
    uintptr_t h = ((uintptr_t)key >> 4) * 2654435761u + variant * 40503u;
    for (unsigned probe = 0; probe < KZ_STMT_CACHE; probe++) {
        unsigned i = (unsigned)((h + probe) % KZ_STMT_CACHE);
        if (db->cache[i].key == key && db->cache[i].variant == variant) {
            sqlite3_stmt *s = db->cache[i].stmt;
            sqlite3_reset(s);
            sqlite3_clear_bindings(s);
            return snapshot_gives_way(db, s);
        }
        if (db->cache[i].key)
            continue;
        char buf[4096];
        const char *text = sql ? sql : build(variant - 1, buf, sizeof buf); /* see kz__stmt_variant */
        sqlite3_stmt *s = NULL;
        int rc = sqlite3_prepare_v3(db->h, text, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
        if (rc != SQLITE_OK) {
            kz_log(KZ_LOG_ERROR, "store.prepare", KZ_S("error", sqlite3_errmsg(db->h)));
            kz_fail(err, KZ_ESTORE, NULL, "a statement could not be prepared (the log says which)");
            return NULL;
        }
        kz_log(KZ_LOG_DEBUG, "store.prepare", KZ_S("sql", text));
        db->cache[i].key = key;
        db->cache[i].variant = variant;
        db->cache[i].stmt = s;
        return snapshot_gives_way(db, s);
    }
    kz_fail(err, KZ_EINTERNAL, NULL, "statement cache full");
    return NULL;
}

sqlite3_stmt *kz__stmt(kz_db *db, const char *sql, kz_err *err)
{
    return cached(db, sql, 0, sql, NULL, err);
}

sqlite3_stmt *kz__stmt_variant(kz_db *db, const void *key, unsigned variant,
                               kz__sql_builder build, kz_err *err)
{
    /* variant 0 is kept for plain statements, whose key is their own text */
    return cached(db, key, variant + 1, NULL, build, err);
}

void kz__done(sqlite3_stmt *s)
{
    if (s)
        sqlite3_reset(s);
}

kz_rc kz__sqlerr(kz_db *db, int rc, kz_err *err)
{
    int primary = rc & 0xFF;
    if (primary == SQLITE_CONSTRAINT) {  /* SQLite's text names tables and columns: log only */
        kz_log(KZ_LOG_INFO, "store.constraint", KZ_I("code", rc), KZ_S("error", sqlite3_errmsg(db->h)));
        return kz_fail(err, KZ_ECONFLICT, NULL, "conflicts with existing data");
    }
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
        return kz_fail(err, KZ_EBUSY, NULL, "the database is busy (a long import?), try again shortly");
    if (primary == SQLITE_NOMEM)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB)
        return kz_fail(err, KZ_ECORRUPT, "db", "the database file is damaged or not a Kizuna database");
    kz_log(KZ_LOG_ERROR, "store.error", KZ_I("code", rc), KZ_S("error", sqlite3_errmsg(db->h)));
    return kz_fail(err, KZ_ESTORE, NULL, "database error (code %d; the log says more)", rc);
}

/* The pager's change count: moves whenever a transaction of this connection found the
 * database changed since its previous one (what PRAGMA data_version is made of), read
 * without a transaction; false when SQLite cannot tell. */
static bool pager_version(kz_db *db, unsigned *v)
{
    return sqlite3_file_control(db->h, "main", SQLITE_FCNTL_DATA_VERSION, v) == SQLITE_OK;
}

uint64_t kz_store_generation(kz_db *db)
{
    sqlite3_stmt *s = kz__stmt(db, "PRAGMA data_version", NULL);
    int64_t v = s && sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    kz__done(s);
    if (v < 0 || v != db->data_version) {
        db->data_version = v;
        bump(db); /* another connection committed (or we cannot tell): assume a change */
    }
    /* what the pager saw up to this read is accounted for by the data_version above */
    if (!pager_version(db, &db->pager_version))
        bump(db);
    return atomic_load(&db->owner->generation);
}

uint64_t kz_store_generation_seen(kz_db *db)
{
    unsigned v = 0;
    if (!pager_version(db, &v) || v != db->pager_version) {
        db->pager_version = v;
        bump(db); /* a transaction since the last read found a commit of another connection */
    }
    return atomic_load(&db->owner->generation);
}

kz_rc kz__exec_stmt(kz_db *db, sqlite3_stmt *s, kz_err *err)
{
    if (db->depth > 0 && sqlite3_get_autocommit(db->h)) /* SQLite undid it: write nothing alone */
        return kz_fail(err, KZ_ESTORE, NULL, "the database undid the open transaction (the log says why)");
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (!sqlite3_stmt_readonly(s))
        bump(db); /* again at COMMIT: readers between the two must not cache */
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? KZ_OK : kz__sqlerr(db, rc, err);
}

/* ---- transactions ------------------------------------------------------------- */

/* Steps one of the prepared transaction statements; a SQLite result code. */
static int tx_step(kz_db *db, int which)
{
    sqlite3_stmt *s = db->tx[which];
    if (!s)  /* before prepare_tx: only while migrating, which begins its own way */
        return SQLITE_MISUSE;
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc;
}

/* A transaction begun while another is open on the connection is a savepoint inside
 * it, so that a use case can run inside a larger one (an import writing incidents,
 * indicators and sightings in one transaction) and still undo only its own writes
 * when it fails. A transaction that a failed rollback left open is undone first, and
 * one that SQLite undid by itself (after running out of memory or disk) is not
 * continued by a savepoint that would write outside it. */
kz_rc kz_db_begin(kz_db *db, bool write, kz_err *err)
{
    kz_db_snapshot_end(db);
    if (db->depth == 0 && !sqlite3_get_autocommit(db->h))
        kz_db_rollback(db);
    if (db->depth == 0 && !sqlite3_get_autocommit(db->h))
        return kz_fail(err, KZ_ESTORE, NULL, "a transaction left open could not be undone (the log says why)");
    if (db->depth > 0 && sqlite3_get_autocommit(db->h))
        return kz_fail(err, KZ_ESTORE, NULL, "the database undid the open transaction (the log says why)");
    int rc = tx_step(db, db->depth ? TX_SAVEPOINT : write ? TX_BEGIN_WRITE : TX_BEGIN);
    if (rc != SQLITE_DONE)
        return kz__sqlerr(db, rc, err);
    db->depth++;
    return KZ_OK;
}

kz_rc kz_db_commit(kz_db *db, kz_err *err)
{
    kz_rc rc = KZ_OK;
    if (db->depth <= 1 && sqlite3_txn_state(db->h, "main") == SQLITE_TXN_WRITE)
        rc = kz__stix_date_added(db, err);  /* what this transaction added, dated for TAXII */
    if (!rc && db->depth > 0 && sqlite3_get_autocommit(db->h))
        rc = kz_fail(err, KZ_ESTORE, NULL, "the database undid the open transaction (the log says why)");
    int src = rc ? SQLITE_OK : tx_step(db, db->depth > 1 ? TX_RELEASE : TX_COMMIT);
    if (!rc && src != SQLITE_DONE)
        rc = kz__sqlerr(db, src, err);
    if (rc) {
        kz_db_rollback(db);
        return rc;
    }
    if (db->depth > 0)
        db->depth--;
    bump(db);
    return rc;
}

bool kz_db_in_transaction(const kz_db *db)
{
    return db->depth > 0 || db->snapshot || !sqlite3_get_autocommit(db->h);
}

kz_rc kz_db_snapshot_begin(kz_db *db, kz_err *err)
{
    if (kz_db_in_transaction(db))
        return kz_fail(err, KZ_ESTORE, NULL, "a read snapshot begun inside a transaction");
    int rc = tx_step(db, TX_BEGIN);
    if (rc != SQLITE_DONE)
        return kz__sqlerr(db, rc, err);
    db->snapshot = true;
    return KZ_OK;
}

void kz_db_snapshot_end(kz_db *db)
{
    if (!db->snapshot)
        return;
    db->snapshot = false;
    /* nothing was written in it (snapshot_gives_way), so ending it releases the lock only */
    if (!sqlite3_get_autocommit(db->h) && tx_step(db, TX_COMMIT) != SQLITE_DONE)
        kz_db_rollback(db);
}

void kz_db_rollback_all(kz_db *db)
{
    db->depth = 0;
    db->snapshot = false;
    kz_db_rollback(db);
}

/* Needs no memory (the statements are prepared); logs when SQLite still refuses, and
 * the connection's next kz_db_begin tries again. */
void kz_db_rollback(kz_db *db)
{
    int rc = SQLITE_DONE;
    if (db->depth > 1) {
        if (!sqlite3_get_autocommit(db->h)) {
            rc = tx_step(db, TX_ROLLBACK_TO);
            if (rc == SQLITE_DONE)
                rc = tx_step(db, TX_RELEASE);
        }
        db->depth--;
    } else {
        if (!sqlite3_get_autocommit(db->h))
            rc = db->tx[TX_ROLLBACK] ? tx_step(db, TX_ROLLBACK)
                                     : sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK
                                         ? SQLITE_DONE : SQLITE_ERROR;
        db->depth = 0;
        db->snapshot = false;
    }
    if (rc != SQLITE_DONE)
        kz_log(KZ_LOG_ERROR, "store.rollback", KZ_I("code", rc), KZ_S("error", sqlite3_errmsg(db->h)));
}

/* ---- meta --------------------------------------------------------------------- */

kz_rc kz_store_meta_get(kz_db *db, const char *key, void *buf, size_t size, size_t *len, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT value FROM meta WHERE key = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    kz_rc out = KZ_OK;
    if (rc == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(s, 0);
        if (n > size)
            out = kz_fail(err, KZ_ETOOBIG, key, "meta value %s too large", key);
        else {
            memcpy(buf, sqlite3_column_blob(s, 0), n);
            *len = n;
        }
    } else if (rc == SQLITE_DONE) {
        out = kz_fail(err, KZ_ENOTFOUND, key, "no %s in this database", key);
    } else {
        out = kz__sqlerr(db, rc, err);
    }
    kz__done(s);
    return out;
}

kz_rc kz_store_meta_put(kz_db *db, const char *key, const void *val, size_t len, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO meta(key, value) VALUES (?1, ?2) "
                                   "ON CONFLICT(key) DO UPDATE SET value = excluded.value", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, val, (int)len, SQLITE_STATIC);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_meta_delete(kz_db *db, const char *key, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "DELETE FROM meta WHERE key = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_meta_forget(kz_db *db, const char *const *keys, size_t n, kz_err *err)
{
    kz_rc rc = exec(db->h, "PRAGMA secure_delete = ON", err);
    for (size_t i = 0; !rc && i < n; i++)
        rc = kz_store_meta_delete(db, keys[i], err);
    kz_rc off = exec(db->h, "PRAGMA secure_delete = OFF", rc ? NULL : err);
    return rc ? rc : off;
}

kz_rc kz_store_scrub_wal(kz_db *db, kz_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db->h, "PRAGMA wal_checkpoint(TRUNCATE)", -1, &s, NULL);
    bool busy = rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) != 0;
    if (rc == SQLITE_OK && (rc = sqlite3_finalize(s)) == SQLITE_OK && !busy)
        return KZ_OK;
    return kz_fail(err, KZ_ESTORE, "db", "the write-ahead log could not be emptied%s",
                   busy ? ": another connection is reading" : "");
}

/* ---- copies of the file ------------------------------------------------------- */

kz_rc kz_store_integrity(kz_db *db, kz_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db->h, "PRAGMA integrity_check", -1, &s, NULL);
    const unsigned char *first = rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_text(s, 0) : NULL;
    kz_rc out = KZ_OK;
    if (!first || strcmp((const char *)first, "ok") != 0) {
        kz_log(KZ_LOG_ERROR, "store.integrity", KZ_S("path", db->owner->path),
               KZ_S("error", first ? (const char *)first : sqlite3_errmsg(db->h)));
        out = kz_fail(err, KZ_ECORRUPT, "db", "the database fails SQLite's integrity check (its first "
                                              "finding is in the log, store.integrity)");
    }
    sqlite3_finalize(s);
    return out;
}

bool kz_store_has_wal(const char *path)
{
    char wal[4200];
    struct stat sb;
    return (size_t)snprintf(wal, sizeof wal, "%s-wal", path) < sizeof wal && stat(wal, &sb) == 0 && sb.st_size > 0;
}

static const char serving_meta[] = "serving";

kz_rc kz_store_mark_serving(kz_db *db, bool on, kz_err *err)
{
    if (!on)
        return kz_store_meta_delete(db, serving_meta, err);
    char since[32];
    int n = snprintf(since, sizeof since, "%lld", (long long)time(NULL));
    kz_rc rc = kz_store_meta_put(db, serving_meta, since, (size_t)n, err);
    /* into the main file now, so that a copy of it alone shows the mark */
    if (!rc)
        sqlite3_wal_checkpoint_v2(db->h, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return rc;
}

bool kz_store_marked_serving(kz_db *db)
{
    char buf[32];
    size_t len = 0;
    return kz_store_meta_get(db, serving_meta, buf, sizeof buf, &len, NULL) == KZ_OK;
}

enum { BACKUP_WAIT_MS = 50 };

/* Copies every page of db into the new file at dest, retrying while a writer holds a
 * lock (up to the busy timeout), and clears the serving mark in the copy (it is
 * complete: no -wal needed). */
static kz_rc copy_pages(sqlite3 *from, sqlite3 *to, kz_err *err)
{
    sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
    if (!b) {
        kz_log(KZ_LOG_ERROR, "store.backup", KZ_S("error", sqlite3_errmsg(to)));
        return kz_fail(err, KZ_ESTORE, "output", "cannot start the backup (see the log, store.backup)");
    }
    int rc, tries = 0;
    while (((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) &&
           ++tries * BACKUP_WAIT_MS < KZ_BUSY_TIMEOUT_MS)
        sqlite3_sleep(BACKUP_WAIT_MS);
    int fin = sqlite3_backup_finish(b);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        return kz_fail(err, KZ_EBUSY, "db", "the database stayed locked; try the backup again");
    if (rc != SQLITE_DONE || fin != SQLITE_OK) {
        kz_log(KZ_LOG_ERROR, "store.backup", KZ_I("code", rc != SQLITE_DONE ? rc : fin),
               KZ_S("error", sqlite3_errstr(rc != SQLITE_DONE ? rc : fin)));
        return kz_fail(err, KZ_ESTORE, "output", "the backup failed (see the log, store.backup)");
    }
    return exec(to, "PRAGMA journal_mode = DELETE; DELETE FROM meta WHERE key = 'serving';", err);
}

/* The pages of from (any open connection) into the new file dest, which is removed
 * again when the copy fails. */
static kz_rc copy_to(sqlite3 *from, const char *dest, kz_err *err)
{
    struct stat sb;
    if (stat(dest, &sb) == 0)
        return kz_fail(err, KZ_ECONFLICT, "output", "%s already exists; refusing to overwrite it", dest);
    sqlite3 *to = NULL;
    int rc = sqlite3_open_v2(dest, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK)
        kz_log(KZ_LOG_ERROR, "store.backup", KZ_S("path", dest), KZ_S("error", sqlite3_errstr(rc)));
    kz_rc out = rc == SQLITE_OK ? copy_pages(from, to, err) : kz_fail(err, KZ_EIO, "output", "cannot create %s", dest);
    if (sqlite3_close(to) != SQLITE_OK && !out)
        out = kz_fail(err, KZ_EIO, "output", "cannot close %s", dest);
    if (out && rc == SQLITE_OK)
        unlink(dest);
    return out;
}

kz_rc kz_store_backup(kz_db *db, const char *dest, kz_err *err) { return copy_to(db->h, dest, err); }

kz_rc kz_store_copy_file(const char *from, const char *dest, kz_err *err)
{
    /* A copy that kizuna backup wrote has no -wal: read it immutable, so that not even
     * a -shm is left beside it. A -wal beside it holds writes: read it with them. */
    char uri[URI_MAX];
    bool as_is = !kz_store_has_wal(from) && strlen(from) < 4096 && file_uri(from, "immutable=1", uri, sizeof uri);
    sqlite3 *src = NULL;
    int rc = sqlite3_open_v2(as_is ? uri : from, &src, SQLITE_OPEN_READONLY | (as_is ? SQLITE_OPEN_URI : 0), NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(src, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
    kz_rc out = KZ_OK;
    if (rc != SQLITE_OK) {
        kz_log(KZ_LOG_ERROR, "store.copy", KZ_S("path", from), KZ_I("code", rc), KZ_S("error", sqlite3_errstr(rc)));
        out = kz_fail(err, KZ_ESTORE, "input", "cannot read %s as a database (the log says why)", from);
    }
    if (!out)
        out = copy_to(src, dest, err);
    sqlite3_close(src);
    return out;
}
