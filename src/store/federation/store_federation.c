/* Peers, nonces, the change log and the origins of federated objects in SQLite
 * (store/federation/federation.h). Literal SQL only; kinds are bound by their wire names. */
#include "store/federation/federation.h"

#include "model/enums.h"
#include "store/core/store_page.h"

#include <string.h>

#define PEER_COLS                                                                          \
    "id, created, modified, url, fingerprint, public_key, node, name, state, status, "     \
    "cursor_in, acked_out, peer_head, last_success, last_error, last_error_at, refused, "      \
    "prev_fingerprint, prev_public_key, prev_until, prev_revoked, prev_reason, rotated, "             \
    "failures, next_attempt, poke_seq, poke_failures, poke_next, poke_error, poked, ca"

/* A time, NULL when 0 (not set). */
static void bind_time(sqlite3_stmt *s, int i, kz_time t)
{
    if (t)
        sqlite3_bind_int64(s, i, t);
    else
        sqlite3_bind_null(s, i);
}

static const char *kind_name(int kind) { return kz_enum_name(&kz_fed_kind_enum, kind); }

kz_rc kz_store_peer_insert(kz_db *db, const kz_peer *p, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO peers (" PEER_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
                                   " ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23,"
                                   " ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31)", err);
    if (!s)
        return KZ_ESTORE;
    if (kz__bind_fields(s, 1, &kz_peer_schema, p) < 0)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    kz_rc rc = kz__exec_stmt(db, s, err);
    if (rc == KZ_ECONFLICT)
        kz_fail(err, KZ_ECONFLICT, "url", "this node already has a peer with this URL, key or node");
    return rc;
}

static int read_peer(sqlite3_stmt *s, void *item, kz_arena *a)
{
    return kz__read_fields(s, 1, &kz_peer_schema, item, a) < 0 ? -1 : 0;
}

static kz_rc peer_by(kz_db *db, const char *sql, const char *arg, kz_arena *a, kz_peer *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, sql, err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, arg, -1, SQLITE_TRANSIENT);
    return kz__get_row(db, s, read_peer, out, a, "peer", arg, err);
}

kz_rc kz_store_peer_get(kz_db *db, const char *id, kz_arena *a, kz_peer *out, kz_err *err)
{
    return peer_by(db, "SELECT n, " PEER_COLS " FROM peers WHERE id = ?1", id, a, out, err);
}

kz_rc kz_store_peer_by_fingerprint(kz_db *db, const char *fingerprint, kz_arena *a, kz_peer *out, kz_err *err)
{
    return peer_by(db, "SELECT n, " PEER_COLS " FROM peers WHERE fingerprint = ?1 OR prev_fingerprint = ?1"
                                   " ORDER BY fingerprint = ?1 DESC LIMIT 1", fingerprint, a, out, err);
}

kz_rc kz_store_peer_list(kz_db *db, kz_arena *a, kz_peer **items, size_t *n, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, " PEER_COLS " FROM peers WHERE n > ?1 ORDER BY n LIMIT ?2", err);
    if (!s)
        return KZ_ESTORE;
    kz_page pg = {.limit = 1000};
    char next[KZ_CURSOR_TEXT];
    void *got = NULL;
    kz_rc rc = kz__page_run(db, s, &pg, sizeof(kz_peer), read_peer, a, &got, n, next, err);
    *items = got;
    return rc;
}

/* Runs the statements sql[0..n) (up to the first NULL) in turn, each with ?1 = arg;
 * stops at the first failure. */
static kz_rc exec_each(kz_db *db, const char *const *sql, size_t n, const char *arg, kz_err *err)
{
    for (size_t i = 0; i < n && sql[i]; i++) {
        sqlite3_stmt *s = kz__stmt(db, sql[i], err);
        if (!s)
            return KZ_ESTORE;
        sqlite3_bind_text(s, 1, arg, -1, SQLITE_TRANSIENT);
        kz_rc rc = kz__exec_stmt(db, s, err);
        if (rc)
            return rc;
    }
    return KZ_OK;
}

/* Runs sql with ?1 = id and the other parameters bound by the caller; KZ_ENOTFOUND
 * naming "peer" when no row changed. */
static kz_rc peer_change(kz_db *db, sqlite3_stmt *s, const char *id, kz_err *err)
{
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    kz_rc rc = kz__exec_stmt(db, s, err);
    if (!rc && sqlite3_changes(db->h) == 0)
        rc = kz_fail(err, KZ_ENOTFOUND, "peer", "no peer %.40s", id);
    return rc;
}

kz_rc kz_store_peer_set_status(kz_db *db, const char *id, int status, kz_time now, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "UPDATE peers SET status = ?2, modified = ?3 WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 2, kz_enum_name(&kz_peer_status_enum, status), -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now);
    return peer_change(db, s, id, err);
}

kz_rc kz_store_peer_set_ca(kz_db *db, const char *id, const char *ca, kz_time now, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "UPDATE peers SET ca = ?2, modified = ?3 WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    if (ca)
        sqlite3_bind_text(s, 2, ca, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, 2);
    sqlite3_bind_int64(s, 3, now);
    return peer_change(db, s, id, err);
}

kz_rc kz_store_peer_delete(kz_db *db, const char *id, kz_err *err)
{
    static const char *const sql[] = {
        "DELETE FROM fed_nonces WHERE peer = ?1", "DELETE FROM fed_sent WHERE peer = ?1",
        "DELETE FROM peer_refused WHERE peer = ?1", "DELETE FROM fed_pending WHERE peer = ?1",
        "DELETE FROM fed_key_notices WHERE peer = ?1",
    };
    kz_rc rc = exec_each(db, sql, sizeof sql / sizeof *sql, id, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = kz__stmt(db, "DELETE FROM peers WHERE id = ?1", err);
    return s ? peer_change(db, s, id, err) : KZ_ESTORE;
}

kz_rc kz_store_peer_pulled(kz_db *db, const char *id, int64_t cursor_in, int64_t head, kz_time now, kz_time next,
                           kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "UPDATE peers SET cursor_in = ?2, peer_head = ?3, last_success = ?4,"
                                   " last_error = NULL, failures = 0, next_attempt = ?5 WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_int64(s, 2, cursor_in);
    sqlite3_bind_int64(s, 3, head);
    sqlite3_bind_int64(s, 4, now);
    bind_time(s, 5, next);
    return peer_change(db, s, id, err);
}

kz_rc kz_store_peer_acked(kz_db *db, const char *id, int64_t seq, kz_time now, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "UPDATE peers SET acked_out = max(acked_out, ?2), last_success = ?3"
                                   " WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_int64(s, 2, seq);
    sqlite3_bind_int64(s, 3, now);
    return peer_change(db, s, id, err);
}

kz_rc kz_store_peer_failed(kz_db *db, const char *id, const char *why, kz_time now, kz_time next, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "UPDATE peers SET last_error = ?2, last_error_at = ?3, failures = failures + 1,"
                                   " next_attempt = ?4 WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 2, why, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 3, now);
    bind_time(s, 4, next);
    return peer_change(db, s, id, err);
}

kz_rc kz_store_peer_poke_result(kz_db *db, const char *id, int64_t seq, const char *why, kz_time next, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, why ? "UPDATE peers SET poke_failures = poke_failures + 1, poke_error = ?3,"
                                         " poke_next = ?4 WHERE id = ?1"
                                       : "UPDATE peers SET poke_seq = max(poke_seq, ?2), poke_failures = 0,"
                                         " poke_error = NULL, poke_next = ?4 WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_int64(s, 2, seq);
    if (why)
        sqlite3_bind_text(s, 3, why, -1, SQLITE_TRANSIENT);
    bind_time(s, 4, next);
    return peer_change(db, s, id, err);
}

kz_rc kz_store_peer_poked(kz_db *db, const char *id, kz_time now, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "UPDATE peers SET poked = ?2, next_attempt = ?2 WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_int64(s, 2, now);
    return peer_change(db, s, id, err);
}

kz_rc kz_store_peer_refuse(kz_db *db, const char *peer, const char *direction, const char *reason,
                           const char *object, kz_time now, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO peer_refused (peer, at, direction, reason, object)"
                                   " VALUES (?1, ?2, ?3, ?4, ?5)", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, peer, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, now);
    sqlite3_bind_text(s, 3, direction, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, reason, -1, SQLITE_TRANSIENT);
    kz__bind_text(s, 5, object);
    kz_rc rc = kz__exec_stmt(db, s, err);
    if (rc || !(s = kz__stmt(db, "UPDATE peers SET refused = refused + 1 WHERE id = ?1", err)))
        return rc ? rc : KZ_ESTORE;
    sqlite3_bind_text(s, 1, peer, -1, SQLITE_TRANSIENT);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_peer_refusals(kz_db *db, const char *peer, size_t max, kz_arena *a, kz_peer_refusal **items,
                             size_t *n, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT at, direction, reason, object FROM peer_refused WHERE peer = ?1"
                                   " ORDER BY n DESC LIMIT ?2", err);
    if (!s)
        return KZ_ESTORE;
    *n = 0;
    *items = kz_arena_calloc(a, max ? max : 1, sizeof **items);
    if (!*items)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    sqlite3_bind_text(s, 1, peer, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, (int64_t)max);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        kz_peer_refusal *r = &(*items)[(*n)++];
        r->at = sqlite3_column_int64(s, 0);
        r->direction = kz__col_text(s, 1, a);
        r->reason = kz__col_text(s, 2, a);
        r->object = kz__col_text(s, 3, a);
    }
    kz__done(s);
    return rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

kz_rc kz_store_nonce_claim(kz_db *db, const char *peer, const char *nonce, kz_time expires, kz_time now,
                           kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "DELETE FROM fed_nonces WHERE expires < ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_int64(s, 1, now);
    kz_rc rc = kz__exec_stmt(db, s, err);
    if (rc || !(s = kz__stmt(db, "INSERT INTO fed_nonces (peer, nonce, expires) VALUES (?1, ?2, ?3)", err)))
        return rc ? rc : KZ_ESTORE;
    sqlite3_bind_text(s, 1, peer, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, nonce, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 3, expires);
    rc = kz__exec_stmt(db, s, err);
    if (rc == KZ_ECONFLICT)
        kz_fail(err, KZ_ECONFLICT, "nonce", "this nonce was seen already: a replayed message");
    return rc;
}

kz_rc kz_store_fed_log(kz_db *db, int64_t after, size_t max, kz_arena *a, kz_fed_entry **items, size_t *n,
                       int64_t *head, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT coalesce(max(seq), 0) FROM fed_log", err);
    if (!s)
        return KZ_ESTORE;
    int rc = sqlite3_step(s);
    *head = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    kz__done(s);
    if (rc != SQLITE_ROW)
        return kz__sqlerr(db, rc, err);
    if (!(s = kz__stmt(db, "SELECT seq, kind, object, op FROM fed_log WHERE seq > ?1 ORDER BY seq LIMIT ?2", err)))
        return KZ_ESTORE;
    *n = 0;
    *items = kz_arena_calloc(a, max ? max : 1, sizeof **items);
    if (!*items)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    sqlite3_bind_int64(s, 1, after);
    sqlite3_bind_int64(s, 2, (int64_t)max);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        kz_fed_entry *e = &(*items)[(*n)++];
        e->seq = sqlite3_column_int64(s, 0);
        e->kind = kz_enum_parse(&kz_fed_kind_enum, (const char *)sqlite3_column_text(s, 1));
        e->id = kz__col_text(s, 2, a);
        e->deleted = strcmp((const char *)sqlite3_column_text(s, 3), "delete") == 0;
        if (!e->id) {
            kz__done(s);
            return kz_fail(err, KZ_ENOMEM, NULL, NULL);
        }
    }
    kz__done(s);
    return rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

kz_rc kz_store_fed_log_last(kz_db *db, int kind, const char *id, int64_t *seq, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT coalesce(max(seq), 0) FROM fed_log WHERE kind = ?1 AND object = ?2", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    *seq = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    kz__done(s);
    return rc == SQLITE_ROW ? KZ_OK : kz__sqlerr(db, rc, err);
}

kz_rc kz_store_fed_log_waiting(kz_db *db, int64_t after, int64_t *n, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT count(*) FROM fed_log WHERE seq > ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_int64(s, 1, after);
    int rc = sqlite3_step(s);
    *n = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    kz__done(s);
    return rc == SQLITE_ROW ? KZ_OK : kz__sqlerr(db, rc, err);
}

kz_rc kz_store_fed_origin(kz_db *db, int kind, const char *id, kz_arena *a, char **peer, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT peer FROM fed_origin WHERE kind = ?1 AND object = ?2", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    *peer = rc == SQLITE_ROW ? kz__col_text(s, 0, a) : NULL;
    kz__done(s);
    if (rc == SQLITE_ROW && !*peer)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

/* Runs one of the statements on (peer, kind, object) or (kind, object, peer). */
static kz_rc on_object(kz_db *db, const char *sql, const char *peer, int kind, const char *id, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, sql, err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, peer, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, id, -1, SQLITE_TRANSIENT);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_fed_origin_set(kz_db *db, int kind, const char *id, const char *peer, kz_err *err)
{
    return on_object(db, "INSERT OR IGNORE INTO fed_origin (peer, kind, object) VALUES (?1, ?2, ?3)", peer, kind,
                     id, err);
}

kz_rc kz_store_fed_peer_orgs(kz_db *db, const char *peer, kz_arena *a, kz_strlist *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT object FROM fed_origin WHERE kind = 'organization' AND peer = ?1"
                                   " ORDER BY object", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, peer, -1, SQLITE_TRANSIENT);
    return kz__collect_text(db, s, 100000, a, out, err);
}

kz_rc kz_store_fed_was_sent(kz_db *db, const char *peer, int kind, const char *id, bool *sent, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT 1 FROM fed_sent WHERE peer = ?1 AND kind = ?2 AND object = ?3", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, peer, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    *sent = rc == SQLITE_ROW;
    kz__done(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

kz_rc kz_store_fed_mark_sent(kz_db *db, const char *peer, int kind, const char *id, bool sent, kz_err *err)
{
    return on_object(db,
                     sent ? "INSERT OR IGNORE INTO fed_sent (peer, kind, object) VALUES (?1, ?2, ?3)"
                          : "DELETE FROM fed_sent WHERE peer = ?1 AND kind = ?2 AND object = ?3",
                     peer, kind, id, err);
}

/* What deleting a federated object of each kind takes, in order (?1 = its id). */
static const char *const purge_sql[KZ_FED_KINDS][6] = {
    [KZ_FED_ORGANIZATION] = {"DELETE FROM organizations WHERE id = ?1"},
    [KZ_FED_CONTACT] = {"DELETE FROM contacts WHERE id = ?1"},
    [KZ_FED_INCIDENT] = {"DELETE FROM incident_timeline WHERE incident = ?1",
                         "DELETE FROM indicator_incidents WHERE incident = ?1",
                         "DELETE FROM incident_norms WHERE incident = ?1",
                         "DELETE FROM incidents_fts WHERE rowid = (SELECT n FROM incidents WHERE id = ?1)",
                         "DELETE FROM incidents WHERE id = ?1"},
    [KZ_FED_INDICATOR] = {"DELETE FROM match_victims WHERE indicator = ?1",
                          "DELETE FROM sightings WHERE indicator = ?1",
                          "DELETE FROM indicator_incidents WHERE indicator = ?1",
                          "DELETE FROM indicators WHERE id = ?1"},
    [KZ_FED_SIGHTING] = {"DELETE FROM sightings WHERE id = ?1"},
    [KZ_FED_STATEMENT] = {"DELETE FROM statement_signatures WHERE statement = ?1",
                          "DELETE FROM statement_versions WHERE statement = ?1",
                          "DELETE FROM statements WHERE id = ?1"},
    /* requests and checks are never purged: both sides keep their record */
};

kz_rc kz_store_fed_purge(kz_db *db, int kind, const char *id, kz_err *err)
{
    if (kind < 0 || kind >= KZ_FED_KINDS)
        return kz_fail(err, KZ_EINVAL, "kind", "unknown kind");
    kz_rc rc = exec_each(db, purge_sql[kind], sizeof purge_sql[kind] / sizeof *purge_sql[kind], id, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = kz__stmt(db, "DELETE FROM fed_origin WHERE kind = ?1 AND object = ?2", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, id, -1, SQLITE_TRANSIENT);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_fed_requeue_for(kz_db *db, const char *org, kz_err *err)
{
    static const char *const sql[] = {
        "INSERT INTO fed_log (kind, object, op) SELECT 'incident', id, 'upsert' FROM incidents"
        " WHERE id NOT IN (SELECT object FROM fed_origin WHERE kind = 'incident')"
        " AND (tlp IN ('clear', 'green') OR instr(char(10) || recipients || char(10), char(10) || ?1 || char(10)) > 0)"
        " ORDER BY n",
        "INSERT INTO fed_log (kind, object, op) SELECT 'indicator', id, 'upsert' FROM indicators"
        " WHERE id NOT IN (SELECT object FROM fed_origin WHERE kind = 'indicator')"
        " AND (tlp IN ('clear', 'green') OR instr(char(10) || recipients || char(10), char(10) || ?1 || char(10)) > 0)"
        " ORDER BY n",
    };
    return exec_each(db, sql, sizeof sql / sizeof *sql, org, err);
}

kz_rc kz_store_fed_exists(kz_db *db, int kind, const char *id, bool *exists, kz_err *err)
{
    static const char *const sql[KZ_FED_KINDS] = {
        [KZ_FED_ORGANIZATION] = "SELECT 1 FROM organizations WHERE id = ?1",
        [KZ_FED_CONTACT] = "SELECT 1 FROM contacts WHERE id = ?1",
        [KZ_FED_INCIDENT] = "SELECT 1 FROM incidents WHERE id = ?1",
        [KZ_FED_INDICATOR] = "SELECT 1 FROM indicators WHERE id = ?1",
        [KZ_FED_SIGHTING] = "SELECT 1 FROM sightings WHERE id = ?1",
        [KZ_FED_REQUEST] = "SELECT 1 FROM requests WHERE id = ?1",
        [KZ_FED_CHECK] = "SELECT 1 FROM checks WHERE id = ?1",
        [KZ_FED_STATEMENT] = "SELECT 1 FROM statements WHERE id = ?1",
    };
    if (kind < 0 || kind >= KZ_FED_KINDS)
        return kz_fail(err, KZ_EINVAL, "kind", "unknown kind");
    sqlite3_stmt *s = kz__stmt(db, sql[kind], err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    *exists = rc == SQLITE_ROW;
    kz__done(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

kz_rc kz_store_fed_log_add(kz_db *db, int kind, const char *id, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO fed_log (kind, object, op) VALUES (?1, ?2, 'upsert')", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, id, -1, SQLITE_TRANSIENT);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_fed_pending_put(kz_db *db, const kz_fed_pending *p, kz_time now, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT OR REPLACE INTO fed_pending (kind, object, peer, wait_kind, wait_object,"
                                   " change, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, kind_name(p->kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, p->object, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, p->peer, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, kind_name(p->wait_kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, p->wait_object, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 6, p->change, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 7, now);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_fed_pending_drop(kz_db *db, int kind, const char *id, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "DELETE FROM fed_pending WHERE kind = ?1 AND object = ?2", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, id, -1, SQLITE_TRANSIENT);
    return kz__exec_stmt(db, s, err);
}

/* One row of fed_pending: kind, object, peer, change (what it waits for is the caller's). */
static int read_pending(sqlite3_stmt *s, void *item, kz_arena *a)
{
    kz_fed_pending *p = item;
    p->kind = kz_enum_parse(&kz_fed_kind_enum, (const char *)sqlite3_column_text(s, 0));
    p->object = kz__col_text(s, 1, a);
    p->peer = kz__col_text(s, 2, a);
    p->change = kz__col_text(s, 3, a);
    return p->object && p->peer && p->change ? 0 : -1;
}

/* Asked for every indicator that arrives, nearly always for nothing: so it allocates
 * only for the rows found, never max rows up front (bench/federation). */
kz_rc kz_store_fed_pending_for(kz_db *db, int wait_kind, const char *wait_id, size_t max, kz_arena *a,
                               kz_fed_pending **items, size_t *n, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT kind, object, peer, change FROM fed_pending"
                                   " WHERE wait_kind = ?1 AND wait_object = ?2 ORDER BY at LIMIT ?3", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, kind_name(wait_kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, wait_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 3, (int64_t)max);
    void *rows = NULL;
    kz_rc rc = kz__collect_rows(db, s, sizeof **items, read_pending, a, &rows, n, err);
    *items = rows;
    for (size_t i = 0; !rc && i < *n; i++) {
        (*items)[i].wait_kind = wait_kind;
        (*items)[i].wait_object = wait_id;
    }
    return rc;
}

kz_rc kz_store_fed_pending_count(kz_db *db, const char *peer, int64_t *n, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT count(*) FROM fed_pending WHERE peer = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, peer, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    *n = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    kz__done(s);
    return rc == SQLITE_ROW ? KZ_OK : kz__sqlerr(db, rc, err);
}

/* One integer from sql (with ?1 = arg when arg >= 0). */
static kz_rc one_int(kz_db *db, const char *sql, int64_t arg, int64_t *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, sql, err);
    if (!s)
        return KZ_ESTORE;
    if (arg >= 0)
        sqlite3_bind_int64(s, 1, arg);
    int rc = sqlite3_step(s);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    kz__done(s);
    return rc == SQLITE_ROW ? KZ_OK : kz__sqlerr(db, rc, err);
}

kz_rc kz_store_fed_log_head(kz_db *db, int64_t *head, kz_err *err)
{
    return one_int(db, "SELECT coalesce(max(seq), 0) FROM fed_log", -1, head, err);
}

kz_rc kz_store_fed_compact(kz_db *db, kz_fed_compaction *out, kz_err *err)
{
    memset(out, 0, sizeof *out);
    int64_t peers = 0;
    kz_rc rc = one_int(db, "SELECT count(*) FROM fed_log", -1, &out->before, err);
    if (!rc) rc = kz_store_fed_log_head(db, &out->head, err);
    if (!rc) rc = one_int(db, "SELECT count(*) FROM peers", -1, &peers, err);
    if (!rc && peers) /* never past what every peer acknowledged, paused ones included */
        rc = one_int(db, "SELECT min(acked_out) FROM peers", -1, &out->bound, err);
    else if (!rc)
        out->bound = out->head;
    if (rc)
        return rc;
    /* an entry with a later entry of the same object says nothing that one does not:
     * every pull sends an object as it stands. A tombstone that is its object's last
     * entry is never superseded, so it stays. */
    sqlite3_stmt *s = kz__stmt(db, "DELETE FROM fed_log WHERE seq <= ?1 AND EXISTS (SELECT 1 FROM fed_log l"
                                   " WHERE l.kind = fed_log.kind AND l.object = fed_log.object AND l.seq > fed_log.seq)",
                               err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_int64(s, 1, out->bound);
    if ((rc = kz__exec_stmt(db, s, err)))
        return rc;
    out->dropped = sqlite3_changes(db->h);
    return one_int(db, "SELECT count(*) FROM fed_log", -1, &out->after, err);
}
