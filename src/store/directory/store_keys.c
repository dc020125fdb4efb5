/* API keys in SQLite: only the hash of each secret is stored. */
#include "store/directory/directory.h"
#include "store/core/store_page.h"

#define KEY_COLS "id, created, modified, organization, role, label, prefix, last_used, revoked"

kz_rc kz_store_key_insert(kz_db *db, const kz_apikey *k, const char *hash_hex, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO api_keys (" KEY_COLS ", hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", err);
    if (!s)
        return KZ_ESTORE;
    int next = kz__bind_fields(s, 1, &kz_apikey_schema, k);
    if (next < 0)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    sqlite3_bind_text(s, next, hash_hex, -1, SQLITE_TRANSIENT);
    return kz__exec_stmt(db, s, err);
}

static int read_key(sqlite3_stmt *s, void *item, kz_arena *a)
{
    return kz__read_fields(s, 1, &kz_apikey_schema, item, a) < 0 ? -1 : 0;
}

/* shown: what the not-found message names (never the hash of a secret) */
static kz_rc get_one(kz_db *db, const char *sql, const char *arg, const char *shown, kz_arena *a,
                     kz_apikey *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, sql, err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, arg, -1, SQLITE_TRANSIENT);
    return kz__get_row(db, s, read_key, out, a, "key", shown, err);
}

kz_rc kz_store_key_get(kz_db *db, const char *id, kz_arena *a, kz_apikey *out, kz_err *err)
{
    return get_one(db, "SELECT n, " KEY_COLS " FROM api_keys WHERE id = ?1", id, id, a, out, err);
}

kz_rc kz_store_key_by_hash(kz_db *db, const char *hash_hex, kz_arena *a, kz_apikey *out, kz_err *err)
{
    return get_one(db, "SELECT n, " KEY_COLS " FROM api_keys WHERE hash = ?1 AND revoked IS NULL",
                   hash_hex, "(by secret)", a, out, err);
}

static kz_rc set_time(kz_db *db, const char *sql, const char *id, kz_time when, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, sql, err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, when);
    kz_rc rc = kz__exec_stmt(db, s, err);
    if (!rc && sqlite3_changes(db->h) == 0)
        rc = kz_fail(err, KZ_ENOTFOUND, "key", "no such key, or already revoked");
    return rc;
}

kz_rc kz_store_key_revoke(kz_db *db, const char *id, kz_time when, kz_err *err)
{
    return set_time(db, "UPDATE api_keys SET revoked = ?2, modified = ?2 WHERE id = ?1 AND revoked IS NULL",
                    id, when, err);
}

kz_rc kz_store_key_touch(kz_db *db, const char *id, kz_time when, kz_err *err)
{
    /* Best effort on the read path: if a writer holds the lock, skip rather than wait. */
    kz__busy_wait(db, false);
    kz_rc rc = set_time(db, "UPDATE api_keys SET last_used = ?2 WHERE id = ?1", id, when, err);
    kz__busy_wait(db, true);
    return rc;
}

static const char *const key_frags[] = {"organization = ?3"};
static const char key_list_key;

static const char *key_list_sql(unsigned mask, char *buf, size_t size)
{
    return kz__compose(buf, size, "SELECT n, " KEY_COLS " FROM api_keys WHERE n > ?1", key_frags,
                       mask, "ORDER BY n LIMIT ?2");
}

kz_rc kz_store_key_list(kz_db *db, const char *organization, const kz_page *pg, kz_arena *a,
                        kz_apikey_page *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt_variant(db, &key_list_key, organization ? 1u : 0u, key_list_sql, err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 3, organization);
    void *items = NULL;
    kz_rc rc = kz__page_run(db, s, pg, sizeof(kz_apikey), read_key, a, &items, &out->n, out->next, err);
    out->items = items;
    return rc;
}
