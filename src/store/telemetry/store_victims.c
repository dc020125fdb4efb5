/* The victims behind sightings in SQLite (match_victims), and distinct counts of them
 * per period and group. The query is composed from static fragments: one for the
 * period's first day, one for the group. */
#include "store/telemetry/victims.h"

#include "store/core/store_internal.h"

#include <stdio.h>
#include <string.h>

kz_rc kz_store_victims_add(kz_db *db, const char *observer, const kz_victim_row *rows, size_t n,
                           size_t *added, kz_err *err)
{
    *added = 0;
    sqlite3_stmt *s = kz__stmt(db,
        "INSERT INTO match_victims (observer, day, indicator, victim) VALUES (?1, ?2, ?3, ?4)"
        " ON CONFLICT DO NOTHING", err);
    if (!s)
        return KZ_ESTORE;
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_text(s, 1, observer, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, rows[i].day);
        sqlite3_bind_text(s, 3, rows[i].indicator, -1, SQLITE_STATIC);
        sqlite3_bind_blob(s, 4, rows[i].victim, KZ_VICTIM_KEY_BYTES, SQLITE_STATIC);
        int rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc != SQLITE_DONE) {
            kz__done(s);
            return kz__sqlerr(db, rc, err);
        }
        *added += (size_t)sqlite3_changes(db->h);
    }
    kz__done(s);
    return KZ_OK;
}

/* The first day of the period holding day v.day (days since the epoch; 1970-01-01 was a
 * Thursday, so Monday-based weeks start at day - (day + 3) % 7). */
static const char *const period_sql[KZ_PERIOD_COUNT] = {
    [KZ_PERIOD_DAY] = "v.day",
    [KZ_PERIOD_WEEK] = "(v.day - (v.day + 3) % 7)",
    [KZ_PERIOD_MONTH] =
        "CAST(julianday(date(v.day * 86400, 'unixepoch', 'start of month')) - 2440587.5 AS INTEGER)",
    [KZ_PERIOD_QUARTER] =
        "CAST(julianday(date(v.day * 86400, 'unixepoch', 'start of month', '-' ||"
        " ((CAST(strftime('%m', v.day * 86400, 'unixepoch') AS INTEGER) - 1) % 3) || ' months'))"
        " - 2440587.5 AS INTEGER)",
    [KZ_PERIOD_HALF] =
        "CAST(julianday(date(v.day * 86400, 'unixepoch', 'start of month', '-' ||"
        " ((CAST(strftime('%m', v.day * 86400, 'unixepoch') AS INTEGER) - 1) % 6) || ' months'))"
        " - 2440587.5 AS INTEGER)",
    [KZ_PERIOD_YEAR] =
        "CAST(julianday(date(v.day * 86400, 'unixepoch', 'start of year')) - 2440587.5 AS INTEGER)",
};

/* The group of each row, and the joins it needs. Incidents count only when the viewer
 * may see them: the derived table holds visible links only. */
static const struct {
    const char *expr, *join;
} group_sql[KZ_VICTIMS_DIM_COUNT] = {
    [KZ_VICTIMS_TOTAL] = {"NULL", ""},
    [KZ_VICTIMS_BY_CLASS] = {"c.attr",
        " LEFT JOIN (SELECT ii.indicator AS ind, inc.rsit_class AS attr"
        "   FROM indicator_incidents ii JOIN incidents inc ON inc.id = ii.incident"
        "   WHERE kz_visible(?1, inc.tlp, inc.organization, inc.recipients, inc.allow_clients, inc.exercise)"
        " ) c ON c.ind = i.id"},
    [KZ_VICTIMS_BY_SECTOR] = {"c.attr",
        " LEFT JOIN (SELECT ii.indicator AS ind, inc.sector AS attr"
        "   FROM indicator_incidents ii JOIN incidents inc ON inc.id = ii.incident"
        "   WHERE kz_visible(?1, inc.tlp, inc.organization, inc.recipients, inc.allow_clients, inc.exercise)"
        " ) c ON c.ind = i.id"},
    [KZ_VICTIMS_BY_SOURCE] = {"o.name", " LEFT JOIN organizations o ON o.id = i.source"},
    [KZ_VICTIMS_BY_TYPE] = {"i.type", ""},
};

/* Victims are real work unless the observer's report of that indicator covering that
 * day was made in a table-top run (a player's telemetry during an exercise). */
#define NOT_IN_A_RUN                                                                       \
    " AND NOT EXISTS (SELECT 1 FROM sightings s WHERE s.indicator = v.indicator"           \
    " AND s.observer = v.observer AND s.exercise IS NOT NULL"                              \
    " AND s.first_seen < (v.day + 1) * 86400000 AND s.last_seen >= v.day * 86400000)"

static const char *counts_sql(unsigned variant, char *buf, size_t size)
{
    unsigned p = variant % KZ_PERIOD_COUNT, g = variant / KZ_PERIOD_COUNT;
    snprintf(buf, size,
             "SELECT %s AS b, %s AS g, COUNT(DISTINCT v.victim)"
             " FROM match_victims v JOIN indicators i ON i.id = v.indicator%s"
             " WHERE kz_visible(?1, 'red', v.observer, NULL, 0)"
             " AND kz_visible(?1, i.tlp, i.source, i.recipients, i.allow_clients, i.exercise)"
             " AND i.exercise IS NULL AND v.day >= ?2 AND v.day < ?3" NOT_IN_A_RUN
             " GROUP BY b, g ORDER BY b, g",
             period_sql[p], group_sql[g].expr, group_sql[g].join);
    return buf;
}

static const char counts_key = 0;

kz_rc kz_store_victim_counts(kz_db *db, const kz_viewer *v, kz_period period, kz_victim_dim by,
                             int64_t from, int64_t to, kz_arena *a, kz_victim_count **out,
                             size_t *n, kz_err *err)
{
    *out = NULL;
    *n = 0;
    unsigned variant = (unsigned)by * KZ_PERIOD_COUNT + (unsigned)period;
    sqlite3_stmt *s = kz__stmt_variant(db, &counts_key, variant, counts_sql, err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_viewer(s, 1, v);
    sqlite3_bind_int64(s, 2, from);
    sqlite3_bind_int64(s, 3, to);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            kz_victim_count *g = kz_arena_alloc(a, nc * sizeof *g);
            if (!g) {
                kz__done(s);
                return kz_fail(err, KZ_ENOMEM, NULL, NULL);
            }
            if (*n)
                memcpy(g, *out, *n * sizeof *g);
            *out = g;
            cap = nc;
        }
        kz_victim_count *c = &(*out)[(*n)++];
        c->start = sqlite3_column_int64(s, 0);
        c->group = kz__col_text(s, 1, a);
        c->victims = sqlite3_column_int64(s, 2);
    }
    kz__done(s);
    return rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

kz_rc kz_store_incident_victims(kz_db *db, const kz_viewer *v, const char *incident, int64_t *victims,
                                int64_t *first_day, int64_t *last_day, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT COUNT(DISTINCT v.victim), MIN(v.day), MAX(v.day)"
                                   " FROM indicator_incidents ii JOIN indicators i ON i.id = ii.indicator"
                                   " JOIN match_victims v ON v.indicator = i.id"
                                   " WHERE ii.incident = ?2 AND kz_visible(?1, 'red', v.observer, NULL, 0)"
                                   " AND kz_visible(?1, i.tlp, i.source, i.recipients, i.allow_clients, i.exercise)"
                                   NOT_IN_A_RUN, err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_viewer(s, 1, v);
    kz__bind_text(s, 2, incident);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *victims = sqlite3_column_int64(s, 0);
        *first_day = sqlite3_column_int64(s, 1);
        *last_day = sqlite3_column_int64(s, 2);
    }
    kz__done(s);
    return rc == SQLITE_ROW ? KZ_OK : kz__sqlerr(db, rc, err);
}
