/* Peers' rotated keys, this node's replaced keys and the notices of rotations and
 * revocations in SQLite (store/federation/fed_keys.h). Literal SQL only. */
#include "store/federation/fed_keys.h"

#include "store/core/store_internal.h"

kz_rc kz_store_peer_rotate(kz_db *db, const char *id, const char *fingerprint, const char *public_key,
                           kz_time until, kz_time now, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "UPDATE peers SET prev_fingerprint = fingerprint, prev_public_key = public_key,"
                                   " prev_until = ?4, prev_revoked = NULL, prev_reason = NULL, rotated = ?5,"
                                   " fingerprint = ?2, public_key = ?3, modified = ?5 WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, fingerprint, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, public_key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 4, until);
    sqlite3_bind_int64(s, 5, now);
    kz_rc rc = kz__exec_stmt(db, s, err);
    if (rc == KZ_ECONFLICT)
        return kz_fail(err, KZ_ECONFLICT, "fingerprint", "another peer of this node has that key");
    if (!rc && sqlite3_changes(db->h) == 0)
        rc = kz_fail(err, KZ_ENOTFOUND, "peer", "no peer %.40s", id);
    return rc;
}

kz_rc kz_store_peer_revoke_prev(kz_db *db, const char *id, kz_time when, const char *reason, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "UPDATE peers SET prev_revoked = ?2, prev_reason = ?3,"
                                   " prev_until = min(prev_until, ?2), modified = ?2"
                                   " WHERE id = ?1 AND prev_fingerprint IS NOT NULL", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, when);
    kz__bind_text(s, 3, reason);
    kz_rc rc = kz__exec_stmt(db, s, err);
    if (!rc && sqlite3_changes(db->h) == 0)
        rc = kz_fail(err, KZ_ENOTFOUND, "fingerprint", "the peer has no previous key to revoke");
    return rc;
}

kz_rc kz_store_node_key_retire(kz_db *db, const kz_node_key *k, kz_err *err)
{
    /* a peer keeps one previous key: those replaced before are no longer accepted */
    sqlite3_stmt *s = kz__stmt(db, "UPDATE node_keys SET until = min(until, ?1)", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_int64(s, 1, k->retired);
    kz_rc rc = kz__exec_stmt(db, s, err);
    if (rc)
        return rc;
    s = kz__stmt(db, "INSERT INTO node_keys (fingerprint, public_key, replaced_by, retired, until)"
                                   " VALUES (?1, ?2, ?3, ?4, ?5)", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, k->fingerprint, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, k->public_key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, k->replaced_by, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 4, k->retired);
    sqlite3_bind_int64(s, 5, k->until);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_node_keys(kz_db *db, kz_arena *a, kz_node_key **items, size_t *n, kz_err *err)
{
    enum { MAX = 100 };
    sqlite3_stmt *s = kz__stmt(db, "SELECT fingerprint, public_key, replaced_by, retired, until, revoked, reason"
                                   " FROM node_keys ORDER BY retired DESC LIMIT 100", err);
    if (!s)
        return KZ_ESTORE;
    *n = 0;
    if (!(*items = kz_arena_calloc(a, MAX, sizeof **items)))
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        kz_node_key *k = &(*items)[(*n)++];
        k->fingerprint = kz__col_text(s, 0, a);
        k->public_key = kz__col_text(s, 1, a);
        k->replaced_by = kz__col_text(s, 2, a);
        k->retired = sqlite3_column_int64(s, 3);
        k->until = sqlite3_column_int64(s, 4);
        k->revoked = sqlite3_column_int64(s, 5);
        k->reason = kz__col_text(s, 6, a);
    }
    kz__done(s);
    return rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

kz_rc kz_store_node_key_revoke(kz_db *db, const char *fingerprint, kz_time when, const char *reason, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "UPDATE node_keys SET revoked = ?2, reason = ?3, until = min(until, ?2)"
                                   " WHERE fingerprint = ?1 AND revoked IS NULL", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, fingerprint, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, when);
    kz__bind_text(s, 3, reason);
    kz_rc rc = kz__exec_stmt(db, s, err);
    if (!rc && sqlite3_changes(db->h) == 0)
        rc = kz_fail(err, KZ_ENOTFOUND, "fingerprint", "%.64s is not a replaced key of this node that is still valid",
                     fingerprint);
    return rc;
}

kz_rc kz_store_key_notice_add(kz_db *db, const char *peer, const char *kind, const char *fingerprint,
                              const char *body, kz_time now, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO fed_key_notices (peer, kind, fingerprint, body, created)"
                                   " VALUES (?1, ?2, ?3, ?4, ?5)", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, peer, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, fingerprint, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, body, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 5, now);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_key_notices_pending(kz_db *db, const char *peer, size_t max, kz_arena *a, kz_key_notice **items,
                                   size_t *n, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, peer, kind, fingerprint, body, last_error, created, attempts"
                                   " FROM fed_key_notices WHERE peer = ?1 AND delivered IS NULL ORDER BY n LIMIT ?2",
                               err);
    if (!s)
        return KZ_ESTORE;
    *n = 0;
    if (!(*items = kz_arena_calloc(a, max ? max : 1, sizeof **items)))
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    sqlite3_bind_text(s, 1, peer, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, (int64_t)max);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        kz_key_notice *k = &(*items)[(*n)++];
        k->n = sqlite3_column_int64(s, 0);
        k->peer = kz__col_text(s, 1, a);
        k->kind = kz__col_text(s, 2, a);
        k->fingerprint = kz__col_text(s, 3, a);
        k->body = kz__col_text(s, 4, a);
        k->last_error = kz__col_text(s, 5, a);
        k->created = sqlite3_column_int64(s, 6);
        k->attempts = sqlite3_column_int64(s, 7);
        if (!k->body || !k->kind) {
            kz__done(s);
            return kz_fail(err, KZ_ENOMEM, NULL, NULL);
        }
    }
    kz__done(s);
    return rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

kz_rc kz_store_key_notice_result(kz_db *db, int64_t n, kz_time delivered, const char *why, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "UPDATE fed_key_notices SET delivered = ?2, last_error = ?3,"
                                   " attempts = attempts + 1 WHERE n = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_int64(s, 1, n);
    if (delivered)
        sqlite3_bind_int64(s, 2, delivered);
    kz__bind_text(s, 3, why);
    return kz__exec_stmt(db, s, err);
}
