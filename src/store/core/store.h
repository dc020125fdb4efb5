/* The SQLite store: opening a database file, schema migrations, one connection per
 * thread, cached prepared statements and transactions. Only store_*.c include sqlite3.h;
 * the rest of Kizuna sees kz_store (the file, shared by all threads) and kz_db (the
 * calling thread's connection). */
#ifndef KZ_STORE_H
#define KZ_STORE_H

#include "model/tlp.h"
#include "util/error.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct kz_store kz_store;
typedef struct kz_db kz_db;

enum {
    KZ_STORE_CREATE = 1 << 0,   /* create the file if missing (kizuna init) */
    KZ_STORE_MUST_BE_NEW = 1 << 1,  /* refuse an existing database */
    KZ_STORE_SYNC_NORMAL = 1 << 2,  /* synchronous=NORMAL instead of FULL (see below) */
    KZ_STORE_READ_ONLY = 1 << 3,    /* read the file as it is: no migration, no WAL switch,
                                       no write (see kz_store_open) */
};

/* Durability: every connection runs synchronous=FULL in WAL mode, so a committed write
 * (an acknowledged API call) has reached the disk and survives power loss or an OS
 * crash. KZ_STORE_SYNC_NORMAL (serve --synchronous normal, for benchmarks and throwaway
 * nodes) syncs only at checkpoints: the last commits before a crash may be lost. A bulk
 * write pays one sync per transaction (an import: per chunk) whatever the mode. */

/* Opens (and with KZ_STORE_CREATE creates) the database at path and brings its schema
 * up to date, applying pending migrations in order. A database written by a newer
 * Kizuna is refused with KZ_EVERSION. With KZ_STORE_READ_ONLY nothing is written to the
 * file or beside it (a file without a -wal, such as a backup, is read immutable); its
 * schema must then be this binary's already, an older one is refused with KZ_EVERSION. ":memory:" gives a private in-memory database
 * (one connection only; for unit tests). Caller closes with kz_store_close. */
kz_rc kz_store_open(const char *path, unsigned flags, kz_store **out, kz_err *err);

/* Closes every connection of the store. No thread may use the store afterwards. */
void kz_store_close(kz_store *st);

/* The calling thread's connection, opened on first use and closed at thread exit or
 * kz_store_close. NULL (with err) when the file cannot be opened. Not to be shared
 * between threads. */
kz_db *kz_store_db(kz_store *st, kz_err *err);

/* Schema version of this binary and of the open database. */
int kz_store_schema_version(void);

/* Transactions. kz_db_begin(db, true) takes the write lock at once (BEGIN IMMEDIATE)
 * so that a read-modify-write never fails half way. Inside an open transaction they
 * nest as savepoints: commit releases and rollback undoes the innermost level only. */
kz_rc kz_db_begin(kz_db *db, bool write, kz_err *err);
kz_rc kz_db_commit(kz_db *db, kz_err *err);
void kz_db_rollback(kz_db *db);
/* Whether a transaction is open on db (begun and not ended, or left open by SQLite):
 * false between two service calls, whatever the first one returned. */
bool kz_db_in_transaction(const kz_db *db);
/* Undoes every open level (the transaction and its savepoints), as a boundary does after
 * a call that left one open; like kz_db_rollback, it needs no memory. */
void kz_db_rollback_all(kz_db *db);

/* A read snapshot around a request that only reads: one SQLite read transaction (one
 * WAL read lock taken and released) for all its statements, which would otherwise each
 * be a transaction of their own, and every one of them reads the same state. Opening it
 * takes no lock yet (BEGIN DEFERRED: the first statement does). It gives way to anything
 * else: kz_db_begin, and any statement that may write (kz__stmt hands one out only after
 * ending the snapshot), end it first, so that a write is never made inside it (in WAL
 * mode a read transaction that turns into a write fails when another connection has
 * committed since it began) and what follows runs as without it. kz_db_snapshot_end
 * ends it (nothing when none is open); kz_db_in_transaction counts it, so a boundary that
 * finds it open undoes it as any transaction left open. Begin only between calls
 * (no transaction open: KZ_ESTORE otherwise). */
kz_rc kz_db_snapshot_begin(kz_db *db, kz_err *err);
void kz_db_snapshot_end(kz_db *db);

/* Between two transactions of a long writer (an import's chunks): pauses long enough
 * for the connections waiting for the write lock to take it (store_internal.h). */
void kz_store_yield(kz_db *db);

/* A number that changes whenever the database may have changed: every write through
 * this process bumps it, and commits by other connections or processes are seen
 * through SQLite's data_version. Equal numbers mean equal data, so responses computed
 * from the database can be reused while it stays the same. */
uint64_t kz_store_generation(kz_db *db);

/* The generation as of the last transaction of this connection (a statement in
 * autocommit is one), without starting one: read right after a statement, it is the
 * generation of the snapshot that statement read (a commit by another process that the
 * statement saw moves it; so does any write through this process). Cheap (no SQLite
 * lock); use kz_store_generation where the data must be checked for changes now. */
uint64_t kz_store_generation_seen(kz_db *db);

/* Sets this connection's page cache to kib KiB: bulk writers (kizuna import) raise it for
 * their transaction, so that the indexes they grow stay in memory, and set it back. */
kz_rc kz_store_cache_kib(kz_db *db, int kib, kz_err *err);
enum { KZ_STORE_CACHE_KIB = 16000, KZ_STORE_BULK_CACHE_KIB = 128 * 1024 };

/* Node settings kept in the meta table (never the node's secrets: they live in the key
 * file, crypto/keyfile.h). */
kz_rc kz_store_meta_get(kz_db *db, const char *key, void *buf, size_t size, size_t *len, kz_err *err);
kz_rc kz_store_meta_put(kz_db *db, const char *key, const void *val, size_t len, kz_err *err);
/* Removes key (no error when it was not there). */
kz_rc kz_store_meta_delete(kz_db *db, const char *key, kz_err *err);

/* Removes keys from meta with SQLite's secure_delete on, so that the freed bytes are
 * overwritten, inside the caller's write transaction. After the commit,
 * kz_store_scrub_wal empties the write-ahead log (a truncating checkpoint), where older
 * copies of the page could remain. Both for taking secrets out of an old database. */
kz_rc kz_store_meta_forget(kz_db *db, const char *const *keys, size_t n, kz_err *err);
kz_rc kz_store_scrub_wal(kz_db *db, kz_err *err);

/* The ed25519 secret key that signs each new audit entry (store_audit.c). The store
 * keeps the pointer, not a copy: sk must outlive the store. NULL (the default) means
 * the node was opened without its keys, and appending to the audit chain fails. */
void kz_store_set_signer(kz_store *st, const unsigned char *sk);

/* The TLP decision as the store's SQL sees it. store/ never decides visibility: the
 * service layer installs its policy function (kz_tlp_visible) here, and every
 * connection then has the SQL function
 *     kz_visible(?viewer, tlp, source, recipients, allow_clients)
 * that calls it, so that list, count and statistics queries filter rows with the very
 * same function as a single get. ?viewer is bound with kz__bind_viewer; tlp is the
 * label's wire name, recipients newline-joined organization ids. Without a policy
 * installed, or with an unbound viewer, kz_visible is false for every row (fail
 * closed). Call once, before the first kz_store_open of the process. */
typedef bool (*kz_store_visible_fn)(const kz_viewer *v, const kz_tlp_subject *o);
void kz_store_set_visibility(kz_store_visible_fn fn);

/* Copies of the database file. kz_store_backup writes a consistent copy of db (SQLite's
 * online backup: other connections and processes keep reading and writing) to the new
 * file dest, complete in itself (no -wal beside it) — KZ_ECONFLICT when dest exists.
 * kz_store_integrity runs SQLite's integrity check (KZ_ECORRUPT naming the first
 * problem). kz_store_has_wal: whether a non-empty "<path>-wal" lies beside path. */
kz_rc kz_store_backup(kz_db *db, const char *dest, kz_err *err);
/* The same copy of the database file from, opened read-only as it is: never migrated,
 * never written, so a backup restored by a newer kizuna still opens with the one that
 * made it, and a backup on read-only media can be restored. */
kz_rc kz_store_copy_file(const char *from, const char *dest, kz_err *err);
kz_rc kz_store_integrity(kz_db *db, kz_err *err);
bool kz_store_has_wal(const char *path);

/* The serving mark: a meta row that kizuna serve sets on start (and checkpoints into
 * the main file at once) and removes on a clean stop. A copy of the main file made
 * without its -wal file while a server ran carries it, which tells audit verify that
 * the newest writes (and audit entries) may be missing from the copy. Backups clear it. */
kz_rc kz_store_mark_serving(kz_db *db, bool on, kz_err *err);
bool kz_store_marked_serving(kz_db *db);

/* Version of the SQLite library in use. */
const char *kz_store_engine_version(void);

/* The store's path, as given to kz_store_open. */
const char *kz_store_path(const kz_store *st);

#endif
