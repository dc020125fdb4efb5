/* Incidents and their timelines in SQLite. Lists and counts filter with kz_visible(),
 * so they only ever touch rows the viewer may see; free text goes through incidents_fts. */
#include "store/sharing/sharing.h"
#include "store/core/store_page.h"

#include <stdio.h>

#define INCIDENT_COLS                                                                      \
    "id, created, modified, organization, title, description, rsit_class, rsit_type,"     \
    " sector, states, impact, status, occurred, tlp, recipients, allow_clients, labels, exercise"
#define INCIDENT_PARAMS "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18"
#define INCIDENT_VISIBLE "kz_visible(?3, tlp, organization, recipients, allow_clients, exercise)"
/* The norm letters of the row's incident, in letter order, after the stored columns. */
#define INCIDENT_NORMS                                                                     \
    "(SELECT group_concat(norm, char(10)) FROM (SELECT norm FROM incident_norms"           \
    " WHERE incident = incidents.id ORDER BY norm)) AS norms"

const char *const kz_incident_dim_names[KZ_INCIDENT_DIMS] = {
    [KZ_INCIDENT_BY_STATUS] = "status", [KZ_INCIDENT_BY_CLASS] = "rsit_class",
    [KZ_INCIDENT_BY_TYPE] = "rsit_type", [KZ_INCIDENT_BY_SECTOR] = "sector",
    [KZ_INCIDENT_BY_IMPACT] = "impact", [KZ_INCIDENT_BY_TLP] = "tlp",
};

static kz_rc write_incident(kz_db *db, const char *sql, const kz_incident *o, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, sql, err);
    if (!s)
        return KZ_ESTORE;
    if (kz__bind_fields(s, 1, &kz_incident_schema, o) < 0) {
        kz__done(s);
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    }
    return kz__exec_stmt(db, s, err);
}

/* The incident's norms become exactly o->norms (duplicates kept once). */
static kz_rc write_norms(kz_db *db, const kz_incident *o, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "DELETE FROM incident_norms WHERE incident = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, o->id, -1, SQLITE_TRANSIENT);
    kz_rc rc = kz__exec_stmt(db, s, err);
    for (size_t i = 0; !rc && i < o->norms.n; i++) {
        if (!(s = kz__stmt(db, "INSERT OR IGNORE INTO incident_norms (incident, norm) VALUES (?1, ?2)", err)))
            return KZ_ESTORE;
        sqlite3_bind_text(s, 1, o->id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 2, o->norms.v[i], -1, SQLITE_TRANSIENT);
        rc = kz__exec_stmt(db, s, err);
    }
    return rc;
}

kz_rc kz_store_incident_insert(kz_db *db, const kz_incident *o, kz_err *err)
{
    kz_rc rc = write_incident(db, "INSERT INTO incidents (" INCIDENT_COLS ") VALUES (" INCIDENT_PARAMS ")", o, err);
    return rc ? rc : write_norms(db, o, err);
}

kz_rc kz_store_incident_update(kz_db *db, const kz_incident *o, kz_err *err)
{
    kz_rc rc = write_incident(db, "UPDATE incidents SET (" INCIDENT_COLS ") = (" INCIDENT_PARAMS ") WHERE id = ?1",
                              o, err);
    return rc ? rc : write_norms(db, o, err);
}

/* Row layout of every incident read: n, the stored columns, then the norms. */
static int read_incident(sqlite3_stmt *s, void *item, kz_arena *a)
{
    kz_incident *o = item;
    int col = kz__read_fields(s, 1, &kz_incident_schema, o, a);
    return col < 0 ? -1 : kz__col_list(s, col, &o->norms, a);
}

kz_rc kz_store_incident_get(kz_db *db, const char *id, kz_arena *a, kz_incident *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, " INCIDENT_COLS ", " INCIDENT_NORMS " FROM incidents WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    return kz__get_row(db, s, read_incident, out, a, "incident", id, err);
}

/* Filter fragments; the parameter numbers are fixed so one binding serves every
 * combination (?1 after, ?2 limit, ?3 viewer). */
enum { I_CLASS, I_TYPE, I_SECTOR, I_STATE, I_STATUS, I_ORG, I_TLP, I_Q, I_SINCE, I_UNTIL, I_IMPACT, I_NORM, I_REAL,
       I_EXERCISE };
static const char *const incident_frags[] = {
    [I_CLASS] = "rsit_class = ?4",
    [I_TYPE] = "rsit_type = ?5",
    [I_SECTOR] = "sector = ?6",
    [I_STATE] = "instr(char(10) || states || char(10), char(10) || ?7 || char(10)) > 0",
    [I_STATUS] = "status = ?8",
    [I_ORG] = "organization = ?9",
    [I_TLP] = "tlp = ?10",
    [I_Q] = "n IN (SELECT rowid FROM incidents_fts WHERE incidents_fts MATCH ?11)",
    [I_SINCE] = "occurred >= ?12",
    [I_UNTIL] = "occurred < ?13",
    [I_IMPACT] = "impact = ?14",
    [I_NORM] = "id IN (SELECT incident FROM incident_norms WHERE norm = ?15)",
    [I_REAL] = "exercise IS NULL",
    [I_EXERCISE] = "exercise = ?16",
};
enum { I_FRAG_BITS = 14 };

static unsigned incident_mask(const kz_incident_filter *f, const char *fts)
{
    return (f->rsit_class ? 1u << I_CLASS : 0) | (f->rsit_type ? 1u << I_TYPE : 0) |
           (f->sector ? 1u << I_SECTOR : 0) | (f->state ? 1u << I_STATE : 0) |
           (f->status ? 1u << I_STATUS : 0) | (f->organization ? 1u << I_ORG : 0) |
           (f->tlp ? 1u << I_TLP : 0) | (fts ? 1u << I_Q : 0) | (f->since ? 1u << I_SINCE : 0) |
           (f->until ? 1u << I_UNTIL : 0) | (f->impact ? 1u << I_IMPACT : 0) |
           (f->norm ? 1u << I_NORM : 0) | (f->real_work ? 1u << I_REAL : 0) |
           (f->exercise ? 1u << I_EXERCISE : 0);
}

static void incident_bind(sqlite3_stmt *s, const kz_viewer *v, const kz_incident_filter *f, const char *fts)
{
    kz__bind_viewer(s, 3, v);
    kz__bind_text(s, 4, f->rsit_class);
    kz__bind_text(s, 5, f->rsit_type);
    kz__bind_text(s, 6, f->sector);
    kz__bind_text(s, 7, f->state);
    kz__bind_text(s, 8, f->status);
    kz__bind_text(s, 9, f->organization);
    kz__bind_text(s, 10, f->tlp);
    kz__bind_text(s, 11, fts);
    sqlite3_bind_int64(s, 12, f->since);
    sqlite3_bind_int64(s, 13, f->until);
    kz__bind_text(s, 14, f->impact);
    kz__bind_text(s, 15, f->norm);
    kz__bind_text(s, 16, f->exercise);
}

static const char incident_list_key;

static const char *incident_list_sql(unsigned mask, char *buf, size_t size)
{
    return kz__compose(buf, size, "SELECT n, " INCIDENT_COLS ", " INCIDENT_NORMS " FROM incidents WHERE n > ?1 AND " INCIDENT_VISIBLE,
                       incident_frags, mask, "ORDER BY n LIMIT ?2");
}

kz_rc kz_store_incident_list(kz_db *db, const kz_viewer *v, const kz_incident_filter *f,
                             const kz_page *pg, kz_arena *a, kz_incident_page *out, kz_err *err)
{
    const char *fts = f->q ? kz__fts_query(f->q, a) : NULL;
    sqlite3_stmt *s = kz__stmt_variant(db, &incident_list_key, incident_mask(f, fts), incident_list_sql, err);
    if (!s)
        return KZ_ESTORE;
    incident_bind(s, v, f, fts);
    void *items = NULL;
    kz_rc rc = kz__page_run(db, s, pg, sizeof(kz_incident), read_incident, a, &items, &out->n, out->next, err);
    out->items = items;
    return rc;
}

static const char incident_counts_key;

/* The variant carries the dimension above the filter bits. */
static const char *incident_counts_sql(unsigned variant, char *buf, size_t size)
{
    char head[256];
    const char *col = kz_incident_dim_names[variant >> I_FRAG_BITS];
    snprintf(head, sizeof head, "SELECT %s, count(*) FROM incidents WHERE exercise IS NULL AND " INCIDENT_VISIBLE, col);
    return kz__compose(buf, size, head, incident_frags, variant & ((1u << I_FRAG_BITS) - 1),
                       "GROUP BY 1 ORDER BY 2 DESC, 1");
}

kz_rc kz_store_incident_counts(kz_db *db, const kz_viewer *v, const kz_incident_filter *f,
                               kz_incident_dim by, kz_arena *a, kz_counts *out, kz_err *err)
{
    const char *fts = f->q ? kz__fts_query(f->q, a) : NULL;
    unsigned variant = incident_mask(f, fts) | (unsigned)by << I_FRAG_BITS;
    sqlite3_stmt *s = kz__stmt_variant(db, &incident_counts_key, variant, incident_counts_sql, err);
    if (!s)
        return KZ_ESTORE;
    incident_bind(s, v, f, fts);
    return kz__counts_run(db, s, a, out, err);
}

kz_rc kz_store_norm_incidents(kz_db *db, const kz_viewer *v, const char *norm,
                              void (*fn)(void *ctx, const kz_norm_incident_fact *f), void *ctx, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT i.id, i.title, i.status, i.occurred, i.tlp, o.state, i.states"
                                   " FROM incident_norms l JOIN incidents i ON i.id = l.incident"
                                   " LEFT JOIN organizations o ON o.id = i.organization"
                                   " WHERE l.norm = ?1 AND i.exercise IS NULL AND kz_visible(?2, i.tlp, i.organization,"
                                   " i.recipients, i.allow_clients, i.exercise) ORDER BY i.n DESC", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, norm, -1, SQLITE_TRANSIENT);
    kz__bind_viewer(s, 2, v);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        kz_norm_incident_fact f = {
            .id = (const char *)sqlite3_column_text(s, 0),
            .title = (const char *)sqlite3_column_text(s, 1),
            .status = (const char *)sqlite3_column_text(s, 2),
            .occurred = sqlite3_column_int64(s, 3),
            .tlp = (const char *)sqlite3_column_text(s, 4),
            .reporter_state = (const char *)sqlite3_column_text(s, 5),
            .states = (const char *)sqlite3_column_text(s, 6),
        };
        fn(ctx, &f);
    }
    kz__done(s);
    return rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

/* ---- timeline ------------------------------------------------------------------- */

#define TIMELINE_COLS "id, created, modified, incident, at, kind, organization, text"

kz_rc kz_store_timeline_insert(kz_db *db, const kz_timeline_entry *e, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO incident_timeline (" TIMELINE_COLS ")"
                                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", err);
    if (!s)
        return KZ_ESTORE;
    if (kz__bind_fields(s, 1, &kz_timeline_schema, e) < 0) {
        kz__done(s);
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    }
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_timeline_list(kz_db *db, const char *incident, size_t max, kz_arena *a,
                             kz_timeline_entry **items, size_t *n, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, " TIMELINE_COLS " FROM incident_timeline"
                                   " WHERE incident = ?1 ORDER BY at, n LIMIT ?2", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, incident, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)max);
    *n = 0;
    *items = kz_arena_calloc(a, max ? max : 1, sizeof **items);
    if (!*items) {
        kz__done(s);
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    }
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if (kz__read_fields(s, 1, &kz_timeline_schema, &(*items)[(*n)++], a) < 0) {
            kz__done(s);
            return kz_fail(err, KZ_ENOMEM, NULL, NULL);
        }
    kz__done(s);
    return rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}
