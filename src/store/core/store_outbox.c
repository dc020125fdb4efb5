/* The mail outbox in SQLite. */
#include "store/core/outbox.h"

#include "store/core/store_internal.h"

#define NOTICE_COLS                                                                        \
    "id, created, kind, request, check_id, contact, address, language, subject, body,"     \
    " status, attempts, next_attempt, last_error, sent_at"
/* the same, named as the field table names them */
#define NOTICE_SELECT                                                                      \
    "id, created, kind, request, check_id AS \"check\", contact, address, language,"       \
    " subject, body, status, attempts, next_attempt, last_error, sent_at"

kz_rc kz_store_notice_insert(kz_db *db, const kz_notice *n, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO outbox (" NOTICE_COLS ") VALUES"
                                   " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)", err);
    if (!s)
        return KZ_ESTORE;
    if (kz__bind_fields(s, 1, &kz_notice_schema, n) < 0)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    return kz__exec_stmt(db, s, err);
}

/* Steps s and reads every row (columns from 0) into an arena array of at most max. */
static kz_rc read_all(kz_db *db, sqlite3_stmt *s, size_t max, kz_arena *a, kz_notice **items,
                      size_t *n, kz_err *err)
{
    *n = 0;
    *items = kz_arena_calloc(a, max ? max : 1, sizeof **items);
    if (!*items) {
        kz__done(s);
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    }
    int rc = SQLITE_DONE;
    while (*n < max && (rc = sqlite3_step(s)) == SQLITE_ROW)
        if (kz__read_fields(s, 0, &kz_notice_schema, &(*items)[(*n)++], a) < 0) {
            kz__done(s);
            return kz_fail(err, KZ_ENOMEM, NULL, NULL);
        }
    kz__done(s);
    return *n == max || rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

kz_rc kz_store_notices_due(kz_db *db, kz_time now, size_t max, kz_arena *a, kz_notice **items,
                           size_t *n, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT " NOTICE_SELECT " FROM outbox WHERE status = 'pending'"
                                   " AND next_attempt <= ?1 ORDER BY next_attempt, n LIMIT ?2", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_int64(s, 1, now);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)max);
    return read_all(db, s, max, a, items, n, err);
}

kz_rc kz_store_notice_claim(kz_db *db, const char *id, int64_t attempt, kz_time retry_at, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "UPDATE outbox SET attempts = ?2, next_attempt = ?3"
                                   " WHERE id = ?1 AND status = 'pending' AND attempts = ?2 - 1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, attempt);
    sqlite3_bind_int64(s, 3, retry_at);
    kz_rc rc = kz__exec_stmt(db, s, err);
    if (!rc && sqlite3_changes(db->h) == 0)
        rc = kz_fail(err, KZ_ECONFLICT, "notice", "the notice was taken by another deliverer");
    return rc;
}

kz_rc kz_store_notice_settle(kz_db *db, const char *id, int status, kz_time sent_at,
                             const char *error, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "UPDATE outbox SET status = ?2, sent_at = ?3, last_error = ?4 WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, kz_enum_name(&kz_notice_status_enum, status), -1, SQLITE_STATIC);
    if (sent_at)
        sqlite3_bind_int64(s, 3, sent_at);
    else
        sqlite3_bind_null(s, 3);
    kz__bind_text(s, 4, error);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_notices_about(kz_db *db, const char *request_id, const char *check_id, kz_arena *a,
                             kz_notice **items, size_t *n, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT " NOTICE_SELECT ", (SELECT count(*) FROM outbox x"
                                   " WHERE x.request IS ?1 AND x.check_id IS ?2) FROM outbox"
                                   " WHERE request IS ?1 AND check_id IS ?2 ORDER BY n", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, request_id);
    kz__bind_text(s, 2, check_id);
    if (sqlite3_step(s) != SQLITE_ROW) {
        kz__done(s);
        *n = 0;
        *items = kz_arena_calloc(a, 1, sizeof **items);
        return *items ? KZ_OK : kz_fail(err, KZ_ENOMEM, NULL, NULL);
    }
    size_t total = (size_t)sqlite3_column_int64(s, 15);
    sqlite3_reset(s);
    return read_all(db, s, total, a, items, n, err);
}
