/* Sighting reports in SQLite and their sums per observer and per indicator. A sum only
 * ever adds reports the viewer may see, of indicators the viewer may see. */
#include "store/sharing/sharing.h"
#include "store/core/store_page.h"

#include <stdio.h>
#include <string.h>

#define SIGHTING_COLS                                                                      \
    "id, created, modified, indicator, observer, count, first_seen, last_seen, tlp,"      \
    " recipients, allow_clients, exercise"

kz_rc kz_store_sighting_upsert(kz_db *db, const kz_sighting *o, kz_upsert *result, char id_out[37],
                               kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db,
        "INSERT INTO sightings (" SIGHTING_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
        " ON CONFLICT (indicator, observer, first_seen, last_seen) DO UPDATE SET"
        " (modified, count, tlp, recipients, allow_clients) ="
        " (excluded.modified, excluded.count, excluded.tlp, excluded.recipients, excluded.allow_clients)"
        " WHERE sightings.exercise IS excluded.exercise AND (count, tlp, recipients, allow_clients) IS NOT"
        " (excluded.count, excluded.tlp, excluded.recipients, excluded.allow_clients)"
        " RETURNING id", err);
    if (!s)
        return KZ_ESTORE;
    if (kz__bind_fields(s, 1, &kz_sighting_schema, o) < 0) {
        kz__done(s);
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    }
    kz_rc r = kz__upsert_run(db, s, o->id, result, id_out, err);
    if (r)
        return r;
    if (*result != KZ_UPSERT_UNCHANGED)
        return KZ_OK;
    s = kz__stmt(db, "SELECT id, exercise IS ?5 FROM sightings WHERE indicator = ?1 AND observer = ?2"
                     " AND first_seen = ?3 AND last_seen = ?4", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, o->indicator, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, o->observer, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, o->first_seen);
    sqlite3_bind_int64(s, 4, o->last_seen);
    kz__bind_text(s, 5, o->exercise);
    int rc = sqlite3_step(s);
    bool same_run = rc == SQLITE_ROW && sqlite3_column_int(s, 1);
    if (rc == SQLITE_ROW && id_out)
        snprintf(id_out, 37, "%s", (const char *)sqlite3_column_text(s, 0));
    kz__done(s);
    if (rc == SQLITE_ROW && !same_run)  /* a run's report never merges into real work, nor the reverse */
        return kz_fail(err, KZ_ECONFLICT, "exercise", "a report of this indicator, observer and period exists %s",
                       o->exercise ? "outside this exercise" : "in a table-top exercise");
    return rc == SQLITE_ROW ? KZ_OK : kz__sqlerr(db, rc, err);
}

static int read_sighting(sqlite3_stmt *s, void *item, kz_arena *a)
{
    return kz__read_fields(s, 1, &kz_sighting_schema, item, a) < 0 ? -1 : 0;
}

kz_rc kz_store_sighting_get(kz_db *db, const char *id, kz_arena *a, kz_sighting *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, " SIGHTING_COLS " FROM sightings WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    return kz__get_row(db, s, read_sighting, out, a, "sighting", id, err);
}

/* Both the report and its indicator must be visible to the viewer (?3); [since, until)
 * (?4, ?5; 0 = open) selects the reports that overlap it. */
#define SUM_COLS                                                                           \
    "sum(s.count) AS count, count(*) AS reports, min(s.first_seen) AS first_seen,"        \
    " max(s.last_seen) AS last_seen"
#define SUM_WHERE                                                                          \
    " kz_visible(?3, s.tlp, s.observer, s.recipients, s.allow_clients, s.exercise)"       \
    " AND kz_visible(?3, i.tlp, i.source, i.recipients, i.allow_clients, i.exercise)"                 \
    " AND (?4 = 0 OR s.last_seen >= ?4) AND (?5 = 0 OR s.first_seen < ?5)"

static int read_sum(sqlite3_stmt *s, int first, kz_sighting_sum *o, kz_arena *a)
{
    memset(o, 0, sizeof *o);
    o->indicator = kz__col_text(s, first, a);
    o->observer = kz__col_text(s, first + 1, a);
    o->count = sqlite3_column_int64(s, first + 2);
    o->reports = sqlite3_column_int64(s, first + 3);
    o->first_seen = sqlite3_column_int64(s, first + 4);
    o->last_seen = sqlite3_column_int64(s, first + 5);
    return o->indicator ? 0 : -1;
}

kz_rc kz_store_sighting_sums_by_observer(kz_db *db, const kz_viewer *v, const char *indicator,
                                         kz_time since, kz_time until, kz_arena *a,
                                         kz_sighting_sum **items, size_t *n, kz_sighting_sum *total,
                                         kz_err *err)
{
    /* One row per observer, then (observer NULL) the total, via GROUP BY ROLLUP's
     * SQLite spelling: a UNION ALL of the two groupings over the same filter. */
    sqlite3_stmt *s = kz__stmt(db,
        "SELECT 0 AS k, s.indicator, s.observer, " SUM_COLS
        " FROM sightings s JOIN indicators i ON i.id = s.indicator"
        " WHERE s.indicator = ?1 AND " SUM_WHERE " GROUP BY s.observer"
        " UNION ALL SELECT 1, ?1, NULL, " SUM_COLS
        " FROM sightings s JOIN indicators i ON i.id = s.indicator"
        " WHERE s.indicator = ?1 AND " SUM_WHERE
        " ORDER BY 1, 3 LIMIT 1001", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, indicator, -1, SQLITE_TRANSIENT);
    kz__bind_viewer(s, 3, v);
    sqlite3_bind_int64(s, 4, since);
    sqlite3_bind_int64(s, 5, until);
    size_t cap = 16;
    *n = 0;
    *items = kz_arena_calloc(a, cap, sizeof **items);
    memset(total, 0, sizeof *total);
    int rc = SQLITE_NOMEM;
    while (*items && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (sqlite3_column_int(s, 0) == 1) {
            if (read_sum(s, 1, total, a))
                break;
            total->observer = NULL;
            continue;
        }
        if (*n == cap) {
            kz_sighting_sum *bigger = kz_arena_calloc(a, cap * 2, sizeof *bigger);
            if (!bigger)
                break;
            memcpy(bigger, *items, cap * sizeof *bigger);
            *items = bigger;
            cap *= 2;
        }
        if (read_sum(s, 1, &(*items)[(*n)++], a))
            break;
    }
    kz__done(s);
    if (rc == SQLITE_ROW || !*items)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    return rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

static int read_sum_row(sqlite3_stmt *s, void *item, kz_arena *a)
{
    return read_sum(s, 1, item, a);
}

kz_rc kz_store_sighting_sums_by_indicator(kz_db *db, const kz_viewer *v, const char *observer,
                                          kz_time since, kz_time until, const kz_page *pg,
                                          kz_arena *a, kz_sighting_sum_page *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db,
        "SELECT i.n, s.indicator, ?6, " SUM_COLS
        " FROM sightings s JOIN indicators i ON i.id = s.indicator"
        " WHERE i.n > ?1 AND (?6 IS NULL OR s.observer = ?6) AND " SUM_WHERE
        " GROUP BY i.n ORDER BY i.n LIMIT ?2", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_viewer(s, 3, v);
    sqlite3_bind_int64(s, 4, since);
    sqlite3_bind_int64(s, 5, until);
    kz__bind_text(s, 6, observer);
    void *items = NULL;
    kz_rc rc = kz__page_run(db, s, pg, sizeof(kz_sighting_sum), read_sum_row, a, &items, &out->n,
                            out->next, err);
    out->items = items;
    return rc;
}

/* ---- the walk of exporters (STIX) ------------------------------------------------- */

kz_rc kz_store_sighting_each(kz_db *db, const kz_viewer *v, const char *exercise, bool real_work,
                             kz_sighting_fn fn, void *ctx, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, " SIGHTING_COLS " FROM sightings"
                                   " WHERE kz_visible(?1, tlp, observer, recipients, allow_clients, exercise)"
                                   " AND (?2 IS NULL OR exercise = ?2) AND (?3 = 0 OR exercise IS NULL)"
                                   " AND indicator IN (SELECT id FROM indicators"
                                   "  WHERE kz_visible(?1, tlp, source, recipients, allow_clients, exercise)"
                                   "  AND (?3 = 0 OR exercise IS NULL)) ORDER BY n", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_viewer(s, 1, v);
    kz__bind_text(s, 2, exercise);
    sqlite3_bind_int(s, 3, real_work);
    kz_sighting o;
    kz__rows it = kz__rows_begin(db, s, err);
    kz_rc rc = KZ_OK;
    while (!rc && kz__rows_next(&it, read_sighting, &o))
        rc = fn(&o, ctx);
    return kz__rows_end(&it, rc);
}
