/* Communication checks in SQLite: checks, invitations (hashed one-time tokens) and the
 * answer statistics per state. */
#include "store/directory/checks.h"

#include "store/core/store_page.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_COLS "id, created, modified, organization, schedule, deadline, state, role, exercise"
#define SCHED_COLS \
    "id, created, modified, organization, state, role, contacts, every_days, deadline_hours, next_run, last_run"

kz_rc kz_store_check_insert(kz_db *db, const kz_check *c, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO checks (" CHECK_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", err);
    if (!s)
        return KZ_ESTORE;
    if (kz__bind_fields(s, 1, &kz_check_schema, c) < 0)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_check_add_target(kz_db *db, const char *check_id, const char *contact_id,
                                const char *token_hash, kz_time sent, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db,
        "INSERT INTO check_targets (check_n, contact, organization, state, role, token_hash, sent)"
        " SELECT (SELECT n FROM checks WHERE id = ?1), id, organization, state, role, ?3, ?4"
        " FROM contacts WHERE id = ?2", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, check_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, contact_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, token_hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 4, sent);
    kz_rc rc = kz__exec_stmt(db, s, err);
    if (!rc && sqlite3_changes(db->h) == 0)
        rc = kz_fail(err, KZ_EINVAL, "contacts", "no contact %.40s", contact_id);
    return rc;
}

static int read_check(sqlite3_stmt *s, void *item, kz_arena *a)
{
    return kz__read_fields(s, 1, &kz_check_schema, item, a) < 0 ? -1 : 0;
}

kz_rc kz_store_check_get(kz_db *db, const char *id, kz_arena *a, kz_check *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, " CHECK_COLS " FROM checks WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    return kz__get_row(db, s, read_check, out, a, "check", id, err);
}

kz_rc kz_store_check_list(kz_db *db, const kz_page *pg, kz_arena *a, kz_check_page *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, " CHECK_COLS " FROM checks WHERE n > ?1 AND exercise IS NULL ORDER BY n LIMIT ?2", err);
    if (!s)
        return KZ_ESTORE;
    void *items = NULL;
    kz_rc rc = kz__page_run(db, s, pg, sizeof(kz_check), read_check, a, &items, &out->n, out->next, err);
    out->items = items;
    return rc;
}

kz_rc kz_store_check_targets(kz_db *db, const char *check_id, kz_arena *a,
                             kz_check_target **items, size_t *n, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db,
        "SELECT t.contact, c.full_name, t.organization, t.state, t.role, t.sent, t.answered,"
        " t.late, t.via, (SELECT count(*) FROM check_targets x WHERE x.check_n = t.check_n), o.peer, p.name"
        " FROM check_targets t LEFT JOIN contacts c ON c.id = t.contact"
        " LEFT JOIN fed_origin o ON o.kind = 'contact' AND o.object = t.contact LEFT JOIN peers p ON p.id = o.peer"
        " WHERE t.check_n = (SELECT n FROM checks WHERE id = ?1) ORDER BY t.sent, t.contact", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, check_id, -1, SQLITE_TRANSIENT);
    *n = 0;
    *items = NULL;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (!*items) {
            size_t total = (size_t)sqlite3_column_int64(s, 9);
            *items = kz_arena_calloc(a, total ? total : 1, sizeof **items);
            if (!*items)
                break;
        }
        kz_check_target *t = &(*items)[(*n)++];
        t->contact = kz__col_text(s, 0, a);
        t->full_name = kz__col_text(s, 1, a);
        t->organization = kz__col_text(s, 2, a);
        t->state = kz__col_text(s, 3, a);
        t->role = kz_enum_parse(&kz_contact_role_enum, (const char *)sqlite3_column_text(s, 4));
        t->sent = sqlite3_column_int64(s, 5);
        t->answered = sqlite3_column_int64(s, 6);
        t->late = sqlite3_column_int(s, 7) != 0;
        t->via = kz__col_text(s, 8, a);
        t->peer = kz__col_text(s, 10, a);
        t->peer_name = kz__col_text(s, 11, a);
    }
    kz__done(s);
    if (rc == SQLITE_ROW)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    return rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

/* Marks the invitation selected by the statement's WHERE clause as answered; the
 * statement returns the row so that we know whether it existed and was open. */
static kz_rc answer(kz_db *db, sqlite3_stmt *sel, const char *via, kz_time now, kz_arena *a,
                    kz_check_answer *out, kz_err *err)
{
    int rc = sqlite3_step(sel);
    if (rc != SQLITE_ROW) {
        kz__done(sel);
        return rc == SQLITE_DONE ? kz_fail(err, KZ_ENOTFOUND, NULL, "no such invitation")
                                 : kz__sqlerr(db, rc, err);
    }
    int64_t check_n = sqlite3_column_int64(sel, 0);
    bool answered = sqlite3_column_type(sel, 4) != SQLITE_NULL;
    out->check = kz__col_text(sel, 1, a);
    out->contact = kz__col_text(sel, 2, a);
    out->organization = kz__col_text(sel, 3, a);
    out->answered = answered ? sqlite3_column_int64(sel, 4) : now;
    out->sent = sqlite3_column_int64(sel, 5);
    out->late = now > sqlite3_column_int64(sel, 6);
    kz__done(sel);
    if (answered)
        return kz_fail(err, KZ_ECONFLICT, NULL, "this invitation was already answered");
    sqlite3_stmt *s = kz__stmt(db, "UPDATE check_targets SET answered = ?3, late = ?4, via = ?5"
                                   " WHERE check_n = ?1 AND contact = ?2 AND answered IS NULL", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_int64(s, 1, check_n);
    sqlite3_bind_text(s, 2, out->contact, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 3, now);
    sqlite3_bind_int(s, 4, out->late);
    sqlite3_bind_text(s, 5, via, -1, SQLITE_STATIC);
    return kz__exec_stmt(db, s, err);
}

#define ANSWER_SELECT                                                                      \
    "SELECT t.check_n, k.id, t.contact, t.organization, t.answered, t.sent, k.deadline"    \
    " FROM check_targets t JOIN checks k ON k.n = t.check_n"

kz_rc kz_store_check_answer_token(kz_db *db, const char *token_hash, kz_time now, kz_arena *a,
                                  kz_check_answer *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, ANSWER_SELECT " WHERE t.token_hash = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, token_hash, -1, SQLITE_TRANSIENT);
    return answer(db, s, "link", now, a, out, err);
}

kz_rc kz_store_check_answer_via(kz_db *db, const char *check_id, const char *contact_id, const char *via,
                                kz_time now, kz_arena *a, kz_check_answer *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, ANSWER_SELECT " WHERE k.id = ?1 AND t.contact = ?2", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, check_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, contact_id, -1, SQLITE_TRANSIENT);
    return answer(db, s, via, now, a, out, err);
}

kz_rc kz_store_check_answer_contact(kz_db *db, const char *check_id, const char *contact_id,
                                    kz_time now, kz_arena *a, kz_check_answer *out, kz_err *err)
{
    return kz_store_check_answer_via(db, check_id, contact_id, "api", now, a, out, err);
}

/* A check that came from a peer (the invitations of this node's contacts to another
 * node's check) is counted at the check's own node, not here. */
#define NOT_FEDERATED(k) k ".id NOT IN (SELECT object FROM fed_origin WHERE kind = 'check')"

/* Nearest-rank percentile of n sorted values. */
static double percentile(const double *v, size_t n, double p)
{
    if (n == 0)
        return -1;
    size_t rank = (size_t)ceil(p * (double)n);
    return v[rank ? rank - 1 : 0];
}

static double median(const double *v, size_t n)
{
    if (n == 0)
        return -1;
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

kz_rc kz_store_check_stats(kz_db *db, kz_time since, kz_arena *a, kz_check_stat **items,
                           size_t *n, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db,
        "SELECT t.state, (t.answered - t.sent) / 1000.0, t.late,"
        " (SELECT count(*) FROM check_targets x JOIN checks y ON y.n = x.check_n WHERE y.created >= ?1 AND y.exercise IS NULL AND " NOT_FEDERATED("y") "),"
        " (SELECT count(DISTINCT x.state) FROM check_targets x JOIN checks y ON y.n = x.check_n WHERE y.created >= ?1 AND y.exercise IS NULL AND " NOT_FEDERATED("y") ")"
        " FROM check_targets t JOIN checks k ON k.n = t.check_n WHERE k.created >= ?1 AND k.exercise IS NULL AND " NOT_FEDERATED("k")
        " ORDER BY t.state, t.answered IS NULL, 2", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_int64(s, 1, since);
    *n = 0;
    *items = NULL;
    double *secs = NULL;
    size_t nsecs = 0;
    kz_check_stat *cur = NULL;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (!*items) {
            size_t rows = (size_t)sqlite3_column_int64(s, 3), states = (size_t)sqlite3_column_int64(s, 4);
            *items = kz_arena_calloc(a, states ? states : 1, sizeof **items);
            secs = kz_arena_calloc(a, rows ? rows : 1, sizeof *secs);
            if (!*items || !secs)
                break;
        }
        const char *state = (const char *)sqlite3_column_text(s, 0);
        if (!cur || strcmp(cur->state, state) != 0) {
            if (cur) {
                cur->median_seconds = median(secs, nsecs);
                cur->p90_seconds = percentile(secs, nsecs, 0.9);
            }
            cur = &(*items)[(*n)++];
            cur->state = kz_arena_strdup(a, state);
            nsecs = 0;
        }
        cur->contacts++;
        if (sqlite3_column_type(s, 1) != SQLITE_NULL) {
            cur->answered++;
            secs[nsecs++] = sqlite3_column_double(s, 1);
            cur->late += sqlite3_column_int(s, 2) != 0;
        }
    }
    kz__done(s);
    if (rc == SQLITE_ROW)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    if (cur) {
        cur->median_seconds = median(secs, nsecs);
        cur->p90_seconds = percentile(secs, nsecs, 0.9);
    }
    for (size_t i = 0; i < *n; i++)
        (*items)[i].answer_rate = (double)(*items)[i].answered / (double)(*items)[i].contacts;
    return rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

/* ---- schedules ---------------------------------------------------------------- */

kz_rc kz_store_schedule_insert(kz_db *db, const kz_check_schedule *sc, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO check_schedules (" SCHED_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", err);
    if (!s)
        return KZ_ESTORE;
    if (kz__bind_fields(s, 1, &kz_check_schedule_schema, sc) < 0)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    return kz__exec_stmt(db, s, err);
}

static int read_schedule(sqlite3_stmt *s, void *item, kz_arena *a)
{
    return kz__read_fields(s, 1, &kz_check_schedule_schema, item, a) < 0 ? -1 : 0;
}

kz_rc kz_store_schedule_get(kz_db *db, const char *id, kz_arena *a, kz_check_schedule *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, " SCHED_COLS " FROM check_schedules WHERE id = ?1 AND deleted IS NULL", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    return kz__get_row(db, s, read_schedule, out, a, "schedule", id, err);
}

kz_rc kz_store_schedule_list(kz_db *db, const kz_page *pg, kz_arena *a, kz_schedule_page *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, " SCHED_COLS " FROM check_schedules WHERE n > ?1 AND deleted IS NULL ORDER BY n LIMIT ?2", err);
    if (!s)
        return KZ_ESTORE;
    void *items = NULL;
    kz_rc rc = kz__page_run(db, s, pg, sizeof(kz_check_schedule), read_schedule, a, &items,
                            &out->n, out->next, err);
    out->items = items;
    return rc;
}

kz_rc kz_store_schedule_delete(kz_db *db, const char *id, kz_time when, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "UPDATE check_schedules SET deleted = ?2, modified = ?2 WHERE id = ?1 AND deleted IS NULL", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, when);
    kz_rc rc = kz__exec_stmt(db, s, err);
    if (!rc && sqlite3_changes(db->h) == 0)
        rc = kz_fail(err, KZ_ENOTFOUND, "schedule", "no check schedule %.40s", id);
    return rc;
}

kz_rc kz_store_schedule_due(kz_db *db, kz_time now, size_t max, kz_arena *a,
                            kz_check_schedule **items, size_t *n, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, " SCHED_COLS " FROM check_schedules"
                                   " WHERE next_run <= ?1 AND deleted IS NULL ORDER BY next_run LIMIT ?2", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_int64(s, 1, now);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)max);
    *items = kz_arena_calloc(a, max ? max : 1, sizeof **items);
    *n = 0;
    if (!*items) {
        kz__done(s);
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    }
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if (read_schedule(s, &(*items)[(*n)++], a)) {
            kz__done(s);
            return kz_fail(err, KZ_ENOMEM, NULL, NULL);
        }
    kz__done(s);
    return rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

kz_rc kz_store_schedule_ran(kz_db *db, const char *id, kz_time ran, kz_time next_run, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "UPDATE check_schedules SET last_run = ?2, next_run = ?3, modified = ?2 WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, ran);
    sqlite3_bind_int64(s, 3, next_run);
    return kz__exec_stmt(db, s, err);
}
