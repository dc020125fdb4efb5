/* Table-top exercises in SQLite: scenarios, runs and everything a run records, the
 * exercise mark on incidents, indicators and requests, and the queries that judge
 * expectations from the request records, the shared objects and the audit chain. */
#include "store/exercises/exercises.h"

#include "store/core/store_page.h"

#include <string.h>

#define SCN_COLS "id, created, modified, organization, title, body"
#define EX_COLS "id, created, modified, scenario, title, organization, status, speed, started_at, finished_at"

/* Steps s for one integer in column 0 (0 for none or NULL). */
static kz_rc one_time(kz_db *db, sqlite3_stmt *s, kz_time *at, kz_err *err)
{
    int rc = sqlite3_step(s);
    *at = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    kz__done(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

/* ---- scenarios ------------------------------------------------------------------------- */

static int read_scenario(sqlite3_stmt *s, void *item, kz_arena *a)
{
    kz_scenario_row *r = item;
    r->id = kz__col_text(s, 1, a);
    r->created = sqlite3_column_int64(s, 2);
    r->modified = sqlite3_column_int64(s, 3);
    r->organization = kz__col_text(s, 4, a);
    r->title = kz__col_text(s, 5, a);
    r->body = kz__col_text(s, 6, a);
    return r->id && r->title ? 0 : -1;
}

kz_rc kz_store_scenario_insert(kz_db *db, const kz_scenario_row *r, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO scenarios (" SCN_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, r->id);
    sqlite3_bind_int64(s, 2, r->created);
    sqlite3_bind_int64(s, 3, r->modified);
    kz__bind_text(s, 4, r->organization);
    kz__bind_text(s, 5, r->title);
    kz__bind_text(s, 6, r->body);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_scenario_get(kz_db *db, const char *id, kz_arena *a, kz_scenario_row *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, " SCN_COLS " FROM scenarios WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, id);
    return kz__get_row(db, s, read_scenario, out, a, "scenario", id, err);
}

kz_rc kz_store_scenario_list(kz_db *db, const kz_page *pg, kz_arena *a, kz_scenario_page *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, " SCN_COLS " FROM scenarios WHERE n > ?1 ORDER BY n LIMIT ?2", err);
    if (!s)
        return KZ_ESTORE;
    void *items = NULL;
    kz_rc rc = kz__page_run(db, s, pg, sizeof(kz_scenario_row), read_scenario, a, &items, &out->n, out->next, err);
    out->items = items;
    return rc;
}

/* ---- runs ---------------------------------------------------------------------------------- */

static int read_exercise(sqlite3_stmt *s, void *item, kz_arena *a)
{
    return kz__read_fields(s, 1, &kz_exercise_schema, item, a) < 0 ? -1 : 0;
}

kz_rc kz_store_exercise_insert(kz_db *db, const kz_exercise *x, const char *body, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO exercises (" EX_COLS ", body)"
                                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", err);
    if (!s)
        return KZ_ESTORE;
    if (kz__bind_fields(s, 1, &kz_exercise_schema, x) < 0) {
        kz__done(s);
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    }
    kz__bind_text(s, 11, body);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_exercise_update(kz_db *db, const kz_exercise *x, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "UPDATE exercises SET (" EX_COLS ") ="
                                   " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    if (kz__bind_fields(s, 1, &kz_exercise_schema, x) < 0) {
        kz__done(s);
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    }
    return kz__exec_stmt(db, s, err);
}

typedef struct ex_with_body {
    kz_exercise x;
    char *body;
} ex_with_body;

static int read_with_body(sqlite3_stmt *s, void *item, kz_arena *a)
{
    ex_with_body *w = item;
    int col = kz__read_fields(s, 1, &kz_exercise_schema, &w->x, a);
    if (col < 0)
        return -1;
    w->body = kz__col_text(s, col, a);
    return w->body ? 0 : -1;
}

kz_rc kz_store_exercise_get(kz_db *db, const char *id, kz_arena *a, kz_exercise *out, char **body, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, " EX_COLS ", body FROM exercises WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, id);
    ex_with_body w = {0};
    kz_rc rc = kz__get_row(db, s, read_with_body, &w, a, "exercise", id, err);
    *out = w.x;
    if (body)
        *body = w.body;
    return rc;
}

kz_rc kz_store_exercise_list(kz_db *db, const kz_page *pg, kz_arena *a, kz_exercise_page *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, " EX_COLS " FROM exercises WHERE n > ?1 ORDER BY n LIMIT ?2", err);
    if (!s)
        return KZ_ESTORE;
    void *items = NULL;
    kz_rc rc = kz__page_run(db, s, pg, sizeof(kz_exercise), read_exercise, a, &items, &out->n, out->next, err);
    out->items = items;
    return rc;
}

kz_rc kz_store_exercises_running(kz_db *db, size_t max, kz_arena *a, kz_strlist *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT id FROM exercises WHERE status = 'running' ORDER BY n", err);
    return s ? kz__collect_text(db, s, max, a, out, err) : KZ_ESTORE;
}

kz_rc kz_store_org_exercise_only(kz_db *db, const char *org, bool *only, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT exercise FROM exercise_players WHERE organization = ?1 AND made = 1"
                                   " LIMIT 1", err);
    kz_arena a;
    kz_arena_init(&a);
    kz_strlist ids = {0};
    if (s)
        kz__bind_text(s, 1, org);
    kz_rc rc = s ? kz__collect_text(db, s, 1, &a, &ids, err) : KZ_ESTORE;
    *only = ids.n > 0;
    kz_arena_free(&a);
    return rc;
}

kz_rc kz_store_exercises_exist(kz_db *db, bool *any, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT id FROM exercises LIMIT 1", err);
    kz_arena a;
    kz_arena_init(&a);
    kz_strlist ids = {0};
    kz_rc rc = s ? kz__collect_text(db, s, 1, &a, &ids, err) : KZ_ESTORE;
    *any = ids.n > 0;
    kz_arena_free(&a);
    return rc;
}

/* ---- players --------------------------------------------------------------------------- */

static int read_player(sqlite3_stmt *s, void *item, kz_arena *a)
{
    kz_exercise_player *p = item;
    p->role = kz__col_text(s, 0, a);
    p->organization = kz__col_text(s, 1, a);
    p->user = kz__col_text(s, 2, a);
    p->made = sqlite3_column_int(s, 3) != 0;
    return p->role && p->organization ? 0 : -1;
}

kz_rc kz_store_exercise_player_add(kz_db *db, const char *exercise, const kz_exercise_player *p, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO exercise_players (exercise, role, organization, user, made)"
                                   " VALUES (?1, ?2, ?3, ?4, ?5)", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, exercise);
    kz__bind_text(s, 2, p->role);
    kz__bind_text(s, 3, p->organization);
    kz__bind_text(s, 4, p->user);
    sqlite3_bind_int(s, 5, p->made);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_exercise_player_drop(kz_db *db, const char *exercise, const kz_exercise_player *p, kz_err *err)
{
    static const char *const sql[] = {
        "DELETE FROM exercise_players WHERE exercise = ?1 AND role = ?2 AND organization = ?3",
        "DELETE FROM contacts WHERE organization = ?3",
        "DELETE FROM organizations WHERE id = ?3",
    };
    kz_rc rc = KZ_OK;
    for (size_t i = 0; !rc && i < (p->made ? 3u : 1u); i++) {
        sqlite3_stmt *s = kz__stmt(db, sql[i], err);
        if (!s)
            return KZ_ESTORE;
        kz__bind_text(s, 1, exercise);
        kz__bind_text(s, 2, p->role);
        kz__bind_text(s, 3, p->organization);
        rc = kz__exec_stmt(db, s, err);
    }
    return rc;
}

kz_rc kz_store_exercise_players(kz_db *db, const char *exercise, kz_arena *a, kz_exercise_player **items,
                                size_t *n, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT role, organization, user, made FROM exercise_players"
                                   " WHERE exercise = ?1 ORDER BY rowid", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, exercise);
    return kz__collect_rows(db, s, sizeof **items, read_player, a, (void **)items, n, err);
}

kz_rc kz_store_exercises_of_org(kz_db *db, const char *org, kz_arena *a, kz_strlist *out, kz_err *err)
{
    /* UNION ALL and the duplicates dropped here: UNION would build a temporary B-tree,
     * and this runs on every authenticated request */
    sqlite3_stmt *s = kz__stmt(db, "SELECT exercise FROM exercise_players WHERE organization = ?1"
                                   " UNION ALL SELECT id FROM exercises WHERE organization = ?1", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, org);
    kz_rc rc = kz__collect_text(db, s, 64, a, out, err);
    size_t kept = 0;
    for (size_t i = 0; !rc && i < out->n; i++) {
        size_t j = 0;
        while (j < kept && strcmp(out->v[j], out->v[i]))
            j++;
        if (j == kept)
            out->v[kept++] = out->v[i];
    }
    if (!rc)
        out->n = kept;
    return rc;
}

kz_rc kz_store_exercises_of_caller(kz_db *db, const char *org, const char *user, kz_arena *a, kz_strlist *out,
                                   kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT exercise FROM exercise_players WHERE organization = ?1"
                                   " AND (user IS NULL OR user = ?2)"
                                   " UNION SELECT id FROM exercises WHERE organization = ?1", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, org);
    kz__bind_text(s, 2, user);
    return kz__collect_text(db, s, 64, a, out, err);
}

/* ---- the clock ----------------------------------------------------------------------------- */

static int read_segment(sqlite3_stmt *s, void *item, kz_arena *a)
{
    (void)a;
    kz_exclock_seg *g = item;
    g->wall_from = sqlite3_column_int64(s, 0);
    g->wall_to = sqlite3_column_int64(s, 1);
    g->ex_from = sqlite3_column_int64(s, 2);
    g->speed = sqlite3_column_int64(s, 3);
    return 0;
}

kz_rc kz_store_exercise_segments(kz_db *db, const char *exercise, kz_arena *a, kz_exclock_seg **items,
                                 size_t *n, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT wall_from, wall_to, ex_from, speed FROM exercise_segments"
                                   " WHERE exercise = ?1 ORDER BY seq", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, exercise);
    return kz__collect_rows(db, s, sizeof **items, read_segment, a, (void **)items, n, err);
}

kz_rc kz_store_exercise_segment_open(kz_db *db, const char *exercise, const kz_exclock_seg *g, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO exercise_segments (exercise, seq, wall_from, ex_from, speed)"
                                   " VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 FROM exercise_segments"
                                   " WHERE exercise = ?1), ?2, ?3, ?4)", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, exercise);
    sqlite3_bind_int64(s, 2, g->wall_from);
    sqlite3_bind_int64(s, 3, g->ex_from);
    sqlite3_bind_int64(s, 4, g->speed);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_exercise_segment_close(kz_db *db, const char *exercise, kz_time wall, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "UPDATE exercise_segments SET wall_to = ?2"
                                   " WHERE exercise = ?1 AND wall_to IS NULL", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, exercise);
    sqlite3_bind_int64(s, 2, wall);
    return kz__exec_stmt(db, s, err);
}

/* ---- injects, marks, notes ------------------------------------------------------------------ */

static int read_delivery(sqlite3_stmt *s, void *item, kz_arena *a)
{
    kz_inject_delivery *d = item;
    d->n = sqlite3_column_int64(s, 0);
    d->delivered_at = sqlite3_column_int64(s, 1);
    d->ex_at = sqlite3_column_int64(s, 2);
    d->early = sqlite3_column_int(s, 3) != 0;
    d->object_type = kz__col_text(s, 4, a);
    d->object_id = kz__col_text(s, 5, a);
    return 0;
}

kz_rc kz_store_exercise_inject_put(kz_db *db, const char *exercise, const kz_inject_delivery *d, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO exercise_injects (exercise, n, delivered_at, ex_at, early,"
                                   " object_type, object_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, exercise);
    sqlite3_bind_int64(s, 2, d->n);
    sqlite3_bind_int64(s, 3, d->delivered_at);
    sqlite3_bind_int64(s, 4, d->ex_at);
    sqlite3_bind_int(s, 5, d->early);
    kz__bind_text(s, 6, d->object_type);
    kz__bind_text(s, 7, d->object_id);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_exercise_injects(kz_db *db, const char *exercise, kz_arena *a, kz_inject_delivery **items,
                                size_t *n, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, delivered_at, ex_at, early, object_type, object_id"
                                   " FROM exercise_injects WHERE exercise = ?1 ORDER BY ex_at, n", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, exercise);
    return kz__collect_rows(db, s, sizeof **items, read_delivery, a, (void **)items, n, err);
}

static int read_mark(sqlite3_stmt *s, void *item, kz_arena *a)
{
    kz_exercise_mark *m = item;
    m->expectation = kz__col_text(s, 0, a);
    m->result = kz_enum_parse(&kz_expect_result_enum, (const char *)sqlite3_column_text(s, 1));
    m->ex_at = sqlite3_column_int64(s, 2);
    m->note = kz__col_text(s, 3, a);
    m->by_org = kz__col_text(s, 4, a);
    m->at = sqlite3_column_int64(s, 5);
    return m->expectation ? 0 : -1;
}

kz_rc kz_store_exercise_mark_put(kz_db *db, const char *exercise, const kz_exercise_mark *m, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT OR REPLACE INTO exercise_marks (exercise, expectation, result, ex_at,"
                                   " note, by_org, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, exercise);
    kz__bind_text(s, 2, m->expectation);
    kz__bind_text(s, 3, kz_enum_name(&kz_expect_result_enum, m->result));
    sqlite3_bind_int64(s, 4, m->ex_at);
    kz__bind_text(s, 5, m->note);
    kz__bind_text(s, 6, m->by_org);
    sqlite3_bind_int64(s, 7, m->at);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_exercise_marks(kz_db *db, const char *exercise, kz_arena *a, kz_exercise_mark **items,
                              size_t *n, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT expectation, result, ex_at, note, by_org, at FROM exercise_marks"
                                   " WHERE exercise = ?1 ORDER BY at", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, exercise);
    return kz__collect_rows(db, s, sizeof **items, read_mark, a, (void **)items, n, err);
}

static int read_note(sqlite3_stmt *s, void *item, kz_arena *a)
{
    kz_exercise_note *x = item;
    x->id = kz__col_text(s, 0, a);
    x->created = sqlite3_column_int64(s, 1);
    x->kind = kz__col_text(s, 2, a);
    x->text = kz__col_text(s, 3, a);
    x->owner = kz__col_text(s, 4, a);
    x->due = sqlite3_column_int64(s, 5);
    x->author = kz__col_text(s, 6, a);
    return x->id && x->text ? 0 : -1;
}

kz_rc kz_store_exercise_note_insert(kz_db *db, const char *exercise, const kz_exercise_note *x, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO exercise_notes (id, exercise, created, kind, text, owner, due,"
                                   " author) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, x->id);
    kz__bind_text(s, 2, exercise);
    sqlite3_bind_int64(s, 3, x->created);
    kz__bind_text(s, 4, x->kind);
    kz__bind_text(s, 5, x->text);
    kz__bind_text(s, 6, x->owner);
    if (x->due)
        sqlite3_bind_int64(s, 7, x->due);
    kz__bind_text(s, 8, x->author);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_exercise_note_update(kz_db *db, const char *exercise, const kz_exercise_note *x, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "UPDATE exercise_notes SET kind = ?3, text = ?4, owner = ?5, due = ?6"
                                   " WHERE id = ?1 AND exercise = ?2", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, x->id);
    kz__bind_text(s, 2, exercise);
    kz__bind_text(s, 3, x->kind);
    kz__bind_text(s, 4, x->text);
    kz__bind_text(s, 5, x->owner);
    if (x->due)
        sqlite3_bind_int64(s, 6, x->due);
    kz_rc rc = kz__exec_stmt(db, s, err);
    if (!rc && sqlite3_changes(db->h) == 0)
        rc = kz_fail(err, KZ_ENOTFOUND, "note", "the exercise has no note %.40s", x->id);
    return rc;
}

kz_rc kz_store_exercise_notes(kz_db *db, const char *exercise, kz_arena *a, kz_exercise_note **items,
                              size_t *n, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT id, created, kind, text, owner, due, author FROM exercise_notes"
                                   " WHERE exercise = ?1 ORDER BY n", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, exercise);
    return kz__collect_rows(db, s, sizeof **items, read_note, a, (void **)items, n, err);
}

/* ---- the exercise mark ---------------------------------------------------------------------- */

static const char *const claim_sql[KZ_XO_COUNT] = {
    [KZ_XO_INCIDENT] = "UPDATE incidents SET exercise = ?2 WHERE id = ?1",
    [KZ_XO_INDICATOR] = "UPDATE indicators SET exercise = ?2 WHERE id = ?1 AND exercise IS NULL",
    [KZ_XO_REQUEST] = "UPDATE requests SET exercise = ?2 WHERE id = ?1",
    [KZ_XO_CHECK] = "UPDATE checks SET exercise = ?2 WHERE id = ?1",
    [KZ_XO_SIGHTING] = "UPDATE sightings SET exercise = ?2 WHERE id = ?1 AND exercise IS NULL",
};

kz_rc kz_store_exercise_claim(kz_db *db, kz_exercise_object t, const char *id, const char *exercise,
                              kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, claim_sql[t], err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, id);
    kz__bind_text(s, 2, exercise);
    return kz__exec_stmt(db, s, err);
}

/* ---- facts ------------------------------------------------------------------------------------ */

kz_rc kz_store_exercise_request_times(kz_db *db, const char *id, kz_time *acknowledged, kz_time *answered,
                                      kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT acknowledged_at, answered_at FROM requests WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, id);
    int rc = sqlite3_step(s);
    *acknowledged = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    *answered = rc == SQLITE_ROW ? sqlite3_column_int64(s, 1) : 0;
    kz__done(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

kz_rc kz_store_exercise_request_sent(kz_db *db, const char *exercise, const char *kind, const char *from_org,
                                     const char *to_org, bool complete, bool with_indicators, kz_time *at,
                                     kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db,
        "SELECT min(sent_at) FROM requests r WHERE exercise = ?1 AND kind = ?2 AND from_organization = ?3"
        " AND to_organization = ?4 AND sent_at IS NOT NULL"
        " AND (NOT ?5 OR (authority IS NOT NULL AND offence IS NOT NULL AND facts IS NOT NULL"
        "  AND stored_data IS NOT NULL AND data_relevance IS NOT NULL AND custodian IS NOT NULL))"
        " AND (NOT ?6 OR EXISTS (SELECT 1 FROM request_links l WHERE l.request_n = r.n AND l.type = 'indicator'))",
        err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, exercise);
    kz__bind_text(s, 2, kind);
    kz__bind_text(s, 3, from_org);
    kz__bind_text(s, 4, to_org);
    sqlite3_bind_int(s, 5, complete);
    sqlite3_bind_int(s, 6, with_indicators);
    return one_time(db, s, at, err);
}

kz_rc kz_store_exercise_indicator_shared(kz_db *db, const char *exercise, const char *source, const char *tlp,
                                         const char *recipient, kz_time *at, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT min(created) FROM indicators WHERE exercise = ?1 AND source = ?2"
                                   " AND tlp = ?3 AND instr(char(10) || recipients || char(10),"
                                   " char(10) || ?4 || char(10)) > 0", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, exercise);
    kz__bind_text(s, 2, source);
    kz__bind_text(s, 3, tlp);
    kz__bind_text(s, 4, recipient);
    return one_time(db, s, at, err);
}

kz_rc kz_store_exercise_check_answered(kz_db *db, const char *check_id, const char *org, kz_time *at,
                                       kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT min(answered) FROM check_targets WHERE organization = ?2"
                                   " AND check_n = (SELECT n FROM checks WHERE id = ?1)", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, check_id);
    kz__bind_text(s, 2, org);
    return one_time(db, s, at, err);
}

/* Audit events on the run's requests, incidents and checks by its players (not by the
 * injects themselves, whose actor is "exercise:ID"). */
#define RUN_ACTIONS                                                                         \
    " FROM audit a WHERE a.actor_org IN (SELECT organization FROM exercise_players WHERE exercise = ?1)" \
    " AND (a.actor_key IS NULL OR a.actor_key NOT LIKE 'exercise:%')"                       \
    " AND ((a.object_type = 'request' AND a.object_id IN (SELECT id FROM requests WHERE exercise = ?1))" \
    "  OR (a.object_type = 'incident' AND a.object_id IN (SELECT id FROM incidents WHERE exercise = ?1))" \
    "  OR (a.object_type = 'check' AND a.object_id IN (SELECT id FROM checks WHERE exercise = ?1)))"

kz_rc kz_store_exercise_first_action(kz_db *db, const char *exercise, const char *action, kz_time *at,
                                     kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT min(a.at)" RUN_ACTIONS " AND a.action = ?2", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, exercise);
    kz__bind_text(s, 2, action);
    return one_time(db, s, at, err);
}

static int read_action(sqlite3_stmt *s, void *item, kz_arena *a)
{
    kz_exercise_action *x = item;
    x->at = sqlite3_column_int64(s, 0);
    x->actor_org = kz__col_text(s, 1, a);
    x->action = kz__col_text(s, 2, a);
    x->object_type = kz__col_text(s, 3, a);
    x->object_id = kz__col_text(s, 4, a);
    return x->action ? 0 : -1;
}

kz_rc kz_store_exercise_actions(kz_db *db, const char *exercise, size_t max, kz_arena *a,
                                kz_exercise_action **items, size_t *n, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT a.at, a.actor_org, a.action, a.object_type, a.object_id" RUN_ACTIONS
                                   " ORDER BY a.seq LIMIT ?2", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, exercise);
    sqlite3_bind_int64(s, 2, (int64_t)max);
    return kz__collect_rows(db, s, sizeof **items, read_action, a, (void **)items, n, err);
}
