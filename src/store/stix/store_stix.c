/* Kept STIX objects, the map of imported STIX ids, TAXII status resources and the
 * collection query of TAXII (store/stix/stix.h). */
#include "store/stix/stix.h"
#include "store/core/store_page.h"

#include "model/enums.h"
#include "store/core/store_internal.h"
#include "util/clock.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define STIX_COLS                                                                          \
    "id, created, modified, type, version, spec_version, added, source, tlp, recipients,"  \
    " allow_clients, json, kz_kind, kz_id, replaces, created_by"

kz_rc kz_store_stix_put(kz_db *db, const kz_stix_object *o, bool *added, kz_err *err)
{
    /* kz_n: the row of the native object (?13 kind, ?14 id), written before its text */
    /* marking_refs: the text's own (?12), for TAXII to read without the text */
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO stix_objects (" STIX_COLS ", kz_n, marking_refs)"
                                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
                                   " CASE ?13 WHEN 'i' THEN (SELECT n FROM indicators WHERE id = ?14)"
                                   " WHEN 'r' THEN (SELECT n FROM incidents WHERE id = ?14)"
                                   " WHEN 's' THEN (SELECT n FROM sightings WHERE id = ?14) END,"
                                   " iif(instr(?12, '\"object_marking_refs\"'),"
                                   " json_extract(?12, '$.object_marking_refs'), NULL))"
                                   " ON CONFLICT (id, version, source) DO NOTHING", err);
    if (!s)
        return KZ_ESTORE;
    if (kz__bind_fields(s, 1, &kz_stix_object_schema, o) < 0) {
        kz__done(s);
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    }
    kz_rc rc = kz__exec_stmt(db, s, err);
    *added = !rc && sqlite3_changes(db->h) > 0;
    return rc;
}

static int read_kept(sqlite3_stmt *s, void *item, kz_arena *a)
{
    return kz__read_fields(s, 0, &kz_stix_object_schema, item, a) < 0 ? -1 : 0;
}

/* Steps s (bound by the caller) and calls fn for each row, in constant memory. */
static kz_rc each_row(kz_db *db, sqlite3_stmt *s, kz_stix_kept_fn fn, void *ctx, kz_err *err)
{
    kz_stix_object o;
    kz__rows it = kz__rows_begin(db, s, err);
    kz_rc rc = KZ_OK;
    while (!rc && kz__rows_next(&it, read_kept, &o))
        rc = fn(&o, ctx);
    return kz__rows_end(&it, rc);
}

/* A sighting's text only with its indicator visible to the viewer (?1), as sightings. */
#define SIGHTED_VISIBLE                                                                    \
    " AND (kz_kind IS NOT 's' OR kz_id IN (SELECT g.id FROM sightings g JOIN indicators vi ON vi.id = g.indicator" \
    " WHERE kz_visible(?1, vi.tlp, vi.source, vi.recipients, vi.allow_clients, vi.exercise)" \
    " AND kz_visible(?1, g.tlp, g.observer, g.recipients, g.allow_clients, g.exercise)))"

/* A version stored under several sources (kept, or texts of natives of one kind) is
 * served once: its first text the viewer (?1) may see. */
#define FIRST_OF_VERSION                                                                   \
    " AND n = (SELECT min(n) FROM stix_shared d WHERE d.id = stix_shared.id"                 \
    " AND d.version = stix_shared.version AND d.kz_kind IS stix_shared.kz_kind"               \
    " AND kz_visible(?1, d.tlp, d.source, d.recipients, d.allow_clients, d.exercise)" SIGHTED_VISIBLE ")"

kz_rc kz_store_stix_each(kz_db *db, const kz_viewer *v, int tlp, kz_stix_kept_fn fn, void *ctx, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT " STIX_COLS " FROM stix_shared"
                                   " WHERE kz_kind IS NULL AND (?2 IS NULL OR tlp = ?2)"
                                   " AND kz_visible(?1, tlp, source, recipients, allow_clients, exercise)"
                                   FIRST_OF_VERSION " ORDER BY added, n", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_viewer(s, 1, v);
    kz__bind_text(s, 2, tlp >= 0 ? kz_enum_name(&kz_tlp_enum, tlp) : NULL);
    return each_row(db, s, fn, ctx, err);
}

kz_rc kz_store_stix_referred_each(kz_db *db, const char *stix_id, const char *source, kz_stix_kept_fn fn, void *ctx,
                                  kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT " STIX_COLS " FROM stix_objects WHERE id = ?1 AND source = ?2"
                                   " AND kz_kind IS NULL AND type IN ('identity', 'marking-definition')"
                                   " ORDER BY modified, n", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, stix_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, source, -1, SQLITE_TRANSIENT);
    return each_row(db, s, fn, ctx, err);
}


kz_rc kz_store_stix_native_each(kz_db *db, const kz_viewer *v, char kind, const char *kz_id, kz_stix_kept_fn fn,
                                void *ctx, kz_err *err)
{
    sqlite3_stmt *s = kz_id ? kz__stmt(db, "SELECT " STIX_COLS " FROM stix_shared WHERE kz_kind = ?2 AND kz_id = ?3"
                                           " AND kz_visible(?1, tlp, source, recipients, allow_clients, exercise)"
                                           SIGHTED_VISIBLE " ORDER BY added, n", err)
                            : kz__stmt(db, "SELECT " STIX_COLS " FROM stix_shared WHERE kz_kind = ?2"
                                           " AND kz_visible(?1, tlp, source, recipients, allow_clients, exercise)"
                                           SIGHTED_VISIBLE FIRST_OF_VERSION " ORDER BY added, n", err);
    if (!s)
        return KZ_ESTORE;
    char k[2] = {kind, '\0'};
    kz__bind_viewer(s, 1, v);
    sqlite3_bind_text(s, 2, k, 1, SQLITE_TRANSIENT);
    if (kz_id)
        sqlite3_bind_text(s, 3, kz_id, -1, SQLITE_TRANSIENT);
    return each_row(db, s, fn, ctx, err);
}

kz_rc kz_store_stix_natives(kz_db *db, kz_arena *a, kz_stix_native **out, size_t *n, kz_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = kz__stmt(db, "SELECT kz_kind || kz_id, max(replaces) FROM stix_objects WHERE kz_kind IS NOT NULL"
                                   " GROUP BY kz_kind, kz_id ORDER BY kz_kind || kz_id", err);
    if (!s)
        return KZ_ESTORE;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t c2 = cap ? cap * 2 : 256;
            kz_stix_native *v = kz_arena_calloc(a, c2, sizeof *v);
            if (!v) {
                kz__done(s);
                return kz_fail(err, KZ_ENOMEM, NULL, NULL);
            }
            if (*n)
                memcpy(v, *out, *n * sizeof *v);
            *out = v;
            cap = c2;
        }
        kz_stix_native *e = &(*out)[*n];
        const char *key = (const char *)sqlite3_column_text(s, 0);
        snprintf(e->key, sizeof e->key, "%s", key ? key : "");
        e->replaced = sqlite3_column_int(s, 1) != 0;
        (*n)++;
    }
    kz__done(s);
    return rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

kz_rc kz_store_stix_known(kz_db *db, const char *stix_id, bool *known, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT 1 FROM stix_objects WHERE id = ?1 LIMIT 1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, stix_id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    *known = rc == SQLITE_ROW;
    kz__done(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

kz_rc kz_store_stix_ref_put(kz_db *db, const char *stix_id, char kind, const char *kz_id, const char *version,
                            kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO stix_refs (stix_id, kind, kz_id, version) VALUES (?1, ?2, ?3, ?4)"
                                   " ON CONFLICT (stix_id) DO UPDATE SET (kind, kz_id, version) ="
                                   " (excluded.kind, excluded.kz_id, excluded.version)"
                                   " WHERE (kind, kz_id, version) IS NOT (excluded.kind, excluded.kz_id, excluded.version)",
                        err);
    if (!s)
        return KZ_ESTORE;
    char k[2] = {kind, '\0'};
    sqlite3_bind_text(s, 1, stix_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, k, 1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, kz_id, -1, SQLITE_STATIC);
    kz__bind_text(s, 4, version);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_stix_ref_get(kz_db *db, const char *stix_id, char *kind, char kz_id[37], char version[64],
                            kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT kind, kz_id, version FROM stix_refs WHERE stix_id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, stix_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    kz_rc out = KZ_OK;
    if (rc == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(s, 0);
        *kind = k ? k[0] : '?';
        snprintf(kz_id, 37, "%s", (const char *)sqlite3_column_text(s, 1));
        if (version) {
            const char *ver = (const char *)sqlite3_column_text(s, 2);
            snprintf(version, 64, "%s", ver ? ver : "");
        }
    } else {
        out = rc == SQLITE_DONE ? kz_fail(err, KZ_ENOTFOUND, NULL, "never imported") : kz__sqlerr(db, rc, err);
    }
    kz__done(s);
    return out;
}

/* ?1 label, ?2 viewer, ?3 added after (us), ?4 ids, ?5 types, ?6 spec versions, ?7 limit,
 * ?8 version mode, ?9 versions, ?10-?12 the row to start after, ?13 the label's marking
 * definition id, ?14 its created time, ?15 the TLP marking ids above the label, ?16 and
 * ?17 the label's TLP 1.0 definition and its created time, ?18 the first date a row of the
 * page can have (after both ?3 and the cursor), ?19 the rows of each native window.
 *
 * A native object whose imported STIX text stands in its place (replaces) is served as
 * that text, each of its versions a kept row read through stix_shared, which gives it
 * the native's sharing. The collection also holds what its objects refer to: the
 * organizations of the directory that are their sources or creators, as identities
 * ('o'), the kept identities and marking definitions they name as created_by_ref or in
 * object_marking_refs ('k': served with the objects that refer to them, to whoever may
 * see one of those, as kept; only texts kept under a referring object's source, so that
 * no organization's text is shown through another's objects, and none that names a TLP
 * label of its own above the collection's), and the label's marking definition ('m'), each dated just
 * before the first object that refers to it (object dates are 4 us apart), so that
 * date_added stays strictly increasing and a client paging by it meets them before that
 * object. One (id, version) stored under several sources is listed once. */

/* The date_added of a row of table (alias X): its own, else from its epoch. */
#define DATE_ADDED(t, x)                                                                   \
    "coalesce(" x ".date_added, (SELECT e.base + 4 * (" x ".n - e.first_n) FROM taxii_epochs e"     \
    " WHERE e.t = '" t "' AND e.first_n <= " x ".n ORDER BY e.first_n DESC LIMIT 1))"

#define NOT_REPLACED(kind, table)                                                          \
    " AND NOT EXISTS (SELECT 1 FROM stix_objects x INDEXED BY stix_objects_listing WHERE x.kz_n = " table ".n" \
    " AND x.kz_kind = '" kind "' AND x.replaces)"

/* TAXII is a feed of real work: what table-top exercises made is never in it, for their
 * players either (exercise IS NULL beside kz_visible). The row filters of the label's
 * native objects (the table's own name for its sharing columns). */
#define INDICATORS_OF_LABEL                                                                \
    " tlp = ?1 AND exercise IS NULL AND kz_visible(?2, tlp, source, recipients, allow_clients, exercise)" \
    NOT_REPLACED("i", "indicators")
#define INCIDENTS_OF_LABEL                                                                 \
    " tlp = ?1 AND exercise IS NULL AND kz_visible(?2, tlp, organization, recipients, allow_clients, exercise)" \
    NOT_REPLACED("r", "incidents")
#define SIGHTINGS_OF_LABEL                                                                 \
    " tlp = ?1 AND exercise IS NULL AND kz_visible(?2, tlp, observer, recipients, allow_clients, exercise)" \
    " AND EXISTS (SELECT 1 FROM indicators vi WHERE vi.id = sightings.indicator AND vi.exercise IS NULL" \
    " AND kz_visible(?2, vi.tlp, vi.source, vi.recipients, vi.allow_clients, vi.exercise))" \
    NOT_REPLACED("s", "sightings")

/* The first row of table t's epochs dated at or after ?18 (the page's first date): in
 * the epoch of the latest base at or before it, counted on by 4 us a row, but no later
 * than the first row of the next epoch. Epoch bases and first rows both only grow, so
 * every row after it is dated later. */
#define FIRST_N_FROM(t)                                                                    \
    "min(coalesce((SELECT e.first_n + max(0, (?18 - e.base + 3) / 4) FROM taxii_epochs e INDEXED BY taxii_epochs_base" \
    " WHERE e.t = '" t "' AND e.base <= ?18 ORDER BY e.base DESC LIMIT 1), 0),"             \
    " coalesce((SELECT e.first_n FROM taxii_epochs e INDEXED BY taxii_epochs_base"          \
    " WHERE e.t = '" t "' AND e.base > ?18 ORDER BY e.base LIMIT 1), 9223372036854775807))"

/* The window of one native table from the page's first date (?18) on, in date_added
 * order, at most ?19 rows of the label the viewer may see from each of its two orders:
 * the rows dated by their epoch (row order) and the rows with a date of their own (its
 * _dated index). arm numbers the order, for the horizon. */
#define NATIVE_WINDOW(sel, table, t, of_label, arm)                                        \
    " SELECT * FROM (" sel ", " arm " AS arm FROM " table " NOT INDEXED WHERE date_added IS NULL" \
    " AND n >= " FIRST_N_FROM(t) " AND" of_label " ORDER BY n LIMIT ?19)"                  \
    " UNION ALL SELECT * FROM (" sel ", " arm " + 1 FROM " table " INDEXED BY " table "_dated" \
    " WHERE date_added >= ?18 AND" of_label " ORDER BY date_added LIMIT ?19)"

/* Whether a native row of the label the viewer may see, dated before the page's first
 * date, names the organization org (NULL: any): what it names was then served before
 * this page, dated from it. Each EXISTS reads only rows dated before (the epochs' rows
 * before FIRST_N_FROM, the dated ones through their index) and stops at the first. */
#define BEFORE_IN(table, t, col, org, of_label)                                            \
    "EXISTS (SELECT 1 FROM " table " NOT INDEXED WHERE date_added IS NULL AND n < " FIRST_N_FROM(t) \
    " AND (" org " IS NULL OR " col " = " org ") AND" of_label ")"                          \
    " OR EXISTS (SELECT 1 FROM " table " INDEXED BY " table "_dated WHERE date_added < ?18" \
    " AND (" org " IS NULL OR " col " = " org ") AND" of_label ")"
#define NATIVE_BEFORE(org)                                                                 \
    "(" BEFORE_IN("indicators", "i", "source", org, INDICATORS_OF_LABEL)                   \
    " OR " BEFORE_IN("incidents", "r", "organization", org, INCIDENTS_OF_LABEL)            \
    " OR " BEFORE_IN("sightings", "s", "observer", org, SIGHTINGS_OF_LABEL) ")"

/* stix_shared, read through the listing index (no text, native rows in order); the
 * sharing of a native object's text is the native object's. */
#define TEXTS_OF_LABEL                                                                     \
    " FROM (SELECT o.n, o.id, o.modified, o.version, o.spec_version, o.type, o.created_by, o.marking_refs," \
    "  " DATE_ADDED("x", "o") " AS date_added,"                                               \
    "  CASE o.kz_kind WHEN 'i' THEN i.tlp WHEN 'r' THEN r.tlp WHEN 's' THEN s.tlp ELSE o.tlp END AS tlp," \
    "  CASE o.kz_kind WHEN 'i' THEN i.source WHEN 'r' THEN r.organization WHEN 's' THEN s.observer"     \
    "   ELSE o.source END AS source,"                                                          \
    "  CASE o.kz_kind WHEN 'i' THEN i.recipients WHEN 'r' THEN r.recipients WHEN 's' THEN s.recipients" \
    "   ELSE o.recipients END AS recipients,"                                                  \
    "  CASE o.kz_kind WHEN 'i' THEN i.allow_clients WHEN 'r' THEN r.allow_clients"              \
    "   WHEN 's' THEN s.allow_clients ELSE o.allow_clients END AS allow_clients,"               \
    "  CASE o.kz_kind WHEN 'i' THEN i.exercise WHEN 'r' THEN r.exercise"                       \
    "   WHEN 's' THEN s.exercise END AS exercise"                                              \
    "  FROM stix_objects o INDEXED BY stix_objects_listing"                                    \
    "  LEFT JOIN indicators i ON o.kz_kind = 'i' AND i.n = o.kz_n AND i.id = o.kz_id"            \
    "  LEFT JOIN incidents r ON o.kz_kind = 'r' AND r.n = o.kz_n AND r.id = o.kz_id"             \
    "  LEFT JOIN sightings s ON o.kz_kind = 's' AND s.n = o.kz_n AND s.id = o.kz_id"             \
    "  WHERE (o.kz_kind IS NULL OR coalesce(i.n, r.n, s.n) IS NOT NULL) AND (o.kz_kind IS NOT 's'"   \
    "   OR s.indicator IN (SELECT id FROM indicators WHERE exercise IS NULL"                \
    "    AND kz_visible(?2, tlp, source, recipients, allow_clients, exercise)))) t"          \
    " WHERE tlp = ?1 AND exercise IS NULL AND kz_visible(?2, tlp, source, recipients, allow_clients, exercise)"

/* The date_added of a kept text an object of the collection refers to (kept_refs r1):
 * its own when it was stored with or after the first object that refers to it (its own
 * is unique, and no client paged past it before it was served), else just before that
 * object (3 us: the organizations' identities take 2, the label's marking 1). */
#define KEPT_REF_ADDED                                                                     \
    "(SELECT iif(own >= (SELECT max(e.base) FROM taxii_epochs e WHERE e.t = 'x' AND e.base <= r1.first)," \
    " own, r1.first - 3) FROM (SELECT " DATE_ADDED("x", "q") " AS own FROM stix_objects q WHERE q.n = r1.n))"

/* For a text of an id stored in several versions, whether it is the last (first) one the
 * viewer may see in the label; other texts are both. */
#define VERSION_IS(agg)                                                                    \
    "iif(t.id IN (SELECT id FROM multi), t.modified = (SELECT " agg "(p.modified) FROM stix_shared p"  \
    " WHERE p.id = t.id AND p.tlp = ?1 AND kz_visible(?2, p.tlp, p.source, p.recipients, p.allow_clients, p.exercise)), 1)"

/* The objects of the label the viewer may see from the page's first date (?18) on, read
 * once: the page and the first object naming each organization both come from them. A
 * page costs its own rows: the native objects (the bulk of a collection) are read from
 * the cursor on through their date order, at most ?19 from each order, and the page is
 * cut at the horizon up to which those windows hold every row; a short page so cut comes
 * back as '~' and kz_store_taxii_list reads it again with wider windows. What the
 * natives before the window name was served with them (NATIVE_BEFORE). The stored texts
 * (imported STIX) are all read, as their references and versions need. The texts are
 * joined back for the page's rows only. */
static const char taxii_sql[] =
    "WITH multi(id) AS MATERIALIZED (SELECT id FROM stix_objects GROUP BY id HAVING count(*) > 1),"
    " nat AS MATERIALIZED ("
    NATIVE_WINDOW("SELECT 'i' AS k, n, 'indicator--' || id AS id, id AS kz_id, " DATE_ADDED("i", "indicators") " AS added,"
                  " modified, NULL AS version, '2.1' AS spec_version, 'indicator' AS type, tlp, recipients,"
                  " allow_clients, source AS org, NULL AS creator, NULL AS marks, 1 AS latest, 1 AS earliest",
                  "indicators", "i", INDICATORS_OF_LABEL, "1")
    " UNION ALL"
    NATIVE_WINDOW("SELECT 'r', n, 'report--' || id, id, " DATE_ADDED("r", "incidents") ", modified, NULL, '2.1',"
                  " 'report', tlp, recipients, allow_clients, organization, NULL, NULL, 1, 1",
                  "incidents", "r", INCIDENTS_OF_LABEL, "3")
    " UNION ALL"
    NATIVE_WINDOW("SELECT 's', n, 'sighting--' || id, id, " DATE_ADDED("s", "sightings") ", modified, NULL, '2.1',"
                  " 'sighting', tlp, recipients, allow_clients, observer, NULL, NULL, 1, 1",
                  "sightings", "s", SIGHTINGS_OF_LABEL, "5") "),"
    /* the page is exact up to the horizon: 4 us (what is dated from an object comes at
     * most that much before it) before the last row of the first window that is full */
    " horizon(h) AS (SELECT coalesce(min(last) - 4, 9223372036854775807) FROM (SELECT max(added) AS last FROM nat"
    "  GROUP BY arm HAVING count(*) >= ?19)),"
    " objs AS MATERIALIZED ("
    " SELECT k, n, id, kz_id, added, modified, version, spec_version, type, tlp, recipients, allow_clients, org,"
    "  creator, marks, latest, earliest FROM nat"
    " UNION ALL"
    " SELECT 'x', n, id, NULL, date_added, modified, version, spec_version, type, tlp, recipients, allow_clients,"
    "  source, iif(created_by LIKE 'identity--%', substr(created_by, 11), NULL), marking_refs,"
    "  " VERSION_IS("max") ", " VERSION_IS("min") TEXTS_OF_LABEL "),"
    /* a creator that is not the source is dated 1 us before the source, so that the two
     * organizations an object names do not share a date */
    " firsts(org, added) AS (SELECT org, min(added) FROM (SELECT org, added FROM objs"
    "  UNION ALL SELECT creator, added - 1 FROM objs WHERE creator IS NOT NULL AND creator IS NOT org)"
    "  GROUP BY org),"
    " refd(id, source, added) AS (SELECT 'identity--' || creator, org, added FROM objs WHERE creator IS NOT NULL"
    "  UNION ALL SELECT m.value, o.org, o.added FROM objs o, json_each(o.marks) m WHERE o.marks IS NOT NULL),"
    " kept_refs AS MATERIALIZED (SELECT min(j.n) AS n, min(r.added) AS first, j.id, j.modified, j.version,"
    "  j.spec_version, j.type FROM refd r JOIN stix_objects j ON j.id = r.id AND j.source = r.source"
    "  WHERE j.kz_kind IS NULL AND j.type IN ('identity', 'marking-definition')"
    "  AND NOT EXISTS (SELECT 1 FROM json_each(j.marking_refs) m WHERE m.value IN (SELECT value FROM json_each(?15)))"
    "  AND r.id NOT IN (SELECT id FROM objs WHERE k = 'x')"
    "  AND r.id NOT IN (SELECT 'identity--' || id FROM organizations) GROUP BY j.id, j.version),"
    " page AS MATERIALIZED (SELECT * FROM ("
    "  SELECT k, n, id, kz_id, added, modified, version, spec_version, type, tlp, recipients, allow_clients, org"
    "   FROM objs o1 WHERE (?8 >= 2 OR iif(?8 = 1, earliest, latest))"
    "   AND (k != 'x' OR id NOT IN (SELECT id FROM multi) OR n = (SELECT min(d.n) FROM objs d"
    "    WHERE d.k = 'x' AND d.id = o1.id AND d.version IS o1.version))"
    "  UNION ALL"
    "  SELECT 'k', n, id, NULL, " KEPT_REF_ADDED ", modified, version, spec_version, type, NULL, NULL, 0, NULL"
    "   FROM kept_refs r1 WHERE ?8 >= 2 OR modified = (SELECT iif(?8 = 1, min(q.modified), max(q.modified))"
    "    FROM kept_refs q WHERE q.id = r1.id)"
    "  UNION ALL"
    "  SELECT 'o', g.n, 'identity--' || g.id, g.id, f.added - 2, g.modified, NULL, '2.1', 'identity', NULL, NULL, 0,"
    "   NULL"
    "   FROM firsts f JOIN organizations g ON g.id = f.org WHERE NOT " NATIVE_BEFORE("f.org")
    "  UNION ALL"
    "  SELECT 'm', 0, ?13, NULL, min(added) - 1, ?14, NULL, '2.1', 'marking-definition', NULL, NULL, 0, NULL"
    "   FROM objs HAVING count(*) > 0 AND NOT " NATIVE_BEFORE("NULL")
    "  UNION ALL"  /* the label's TLP 1.0 definition, where a text names it (as it is kept) */
    "  SELECT 'm', 1, ?16, NULL, iif(first = (SELECT min(added) FROM objs)"
    "   AND NOT " NATIVE_BEFORE("NULL") ", first - 4, first - 1), ?17, NULL, '2.1',"
    "   'marking-definition', NULL, NULL, 0, NULL"
    "   FROM (SELECT min(o.added) AS first FROM objs o, json_each(o.marks) m WHERE o.marks IS NOT NULL"
    "   AND m.value = ?16) WHERE first IS NOT NULL"
    " ) WHERE added > ?3 AND added <= (SELECT h FROM horizon)"
    " AND (?4 IS NULL OR id IN (SELECT value FROM json_each(?4)))"
    " AND (?5 IS NULL OR type IN (SELECT value FROM json_each(?5)))"
    " AND (?6 IS NULL OR spec_version IN (SELECT value FROM json_each(?6)))"
    " AND (?8 != 3 OR modified IN (SELECT value FROM json_each(?9)))"
    " AND (added, k, n) > (?10, ?11, ?12)"
    " ORDER BY added, k, n LIMIT ?7)"
    "SELECT p.k, p.n, p.id, p.kz_id, p.added, p.modified, p.version, p.spec_version, j.json, p.tlp, p.recipients,"
    " p.allow_clients, p.org FROM page p LEFT JOIN stix_objects j ON p.k IN ('x', 'k') AND j.n = p.n"
    /* a short page cut by the horizon: '~', read again with wider windows */
    " UNION ALL SELECT '~', 0, '', NULL, 9223372036854775807, 0, NULL, '', NULL, NULL, NULL, 0, NULL"
    " WHERE (SELECT count(*) FROM page) < ?7 AND (SELECT h FROM horizon) < 9223372036854775807"
    " ORDER BY 5, 1, 2";

/* Reads one page with windows of cap rows; *cut when the horizon cut it short (the rows
 * read so far are then to be read again with wider windows). */
static kz_rc taxii_page(kz_db *db, const kz_viewer *v, const kz_taxii_filter *f, int64_t cap, kz_arena *a,
                        kz_taxii_row *out, size_t *n, bool *more, bool *cut, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, taxii_sql, err);
    if (!s)
        return KZ_ESTORE;
    char k[2] = {f->after.kind, '\0'};
    /* every row of the page is dated at or after both added_after + 1 and the cursor */
    int64_t first = f->after.kind && f->after.added > f->added_after ? f->after.added : f->added_after + 1;
    sqlite3_bind_text(s, 1, kz_enum_name(&kz_tlp_enum, f->tlp), -1, SQLITE_STATIC);
    kz__bind_viewer(s, 2, v);
    sqlite3_bind_int64(s, 3, f->added_after);
    kz__bind_text(s, 4, f->ids);
    kz__bind_text(s, 5, f->types);
    kz__bind_text(s, 6, f->spec_versions);
    sqlite3_bind_int64(s, 7, f->limit + 1);
    sqlite3_bind_int(s, 8, f->version_mode);
    kz__bind_text(s, 9, f->versions ? f->versions : "[]");
    sqlite3_bind_int64(s, 10, f->after.kind ? f->after.added : -1);
    sqlite3_bind_text(s, 11, k, f->after.kind ? 1 : 0, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 12, f->after.kind ? f->after.n : -1);
    sqlite3_bind_text(s, 13, f->marking_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 14, f->marking_created);
    kz__bind_text(s, 15, f->markings_above);
    kz__bind_text(s, 16, f->marking1_id);
    sqlite3_bind_int64(s, 17, f->marking1_created);
    sqlite3_bind_int64(s, 18, first);
    sqlite3_bind_int64(s, 19, cap);
    *n = 0;
    *more = *cut = false;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *kind = (const char *)sqlite3_column_text(s, 0);
        if (kind && kind[0] == '~') {
            *cut = true;
            break;
        }
        if ((int64_t)*n == f->limit) {
            *more = true;
            break;
        }
        kz_taxii_row *r = &out[(*n)++];
        r->kind = kind ? kind[0] : '?';
        r->n = sqlite3_column_int64(s, 1);
        r->id = kz__col_text(s, 2, a);
        r->kz_id = kz__col_text(s, 3, a);
        r->added = sqlite3_column_int64(s, 4);
        r->modified = sqlite3_column_int64(s, 5);
        r->version = kz__col_text(s, 6, a);
        r->spec_version = kz__col_text(s, 7, a);
        r->json = kz__col_text(s, 8, a);
        const char *tlp = (const char *)sqlite3_column_text(s, 9);
        r->tlp = tlp ? kz_enum_parse(&kz_tlp_enum, tlp) : f->tlp;
        r->allow_clients = sqlite3_column_int(s, 11) != 0;
        r->source = kz__col_text(s, 12, a);
        bool text = r->kind == 'x' || r->kind == 'k';
        if (!r->id || !r->spec_version || (text && !r->json) || kz__col_list(s, 10, &r->recipients, a)) {
            kz__done(s);
            return kz_fail(err, KZ_ENOMEM, NULL, NULL);
        }
    }
    kz__done(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

kz_rc kz_store_taxii_list(kz_db *db, const kz_viewer *v, const kz_taxii_filter *f, kz_arena *a,
                          kz_taxii_row **rows, size_t *n, bool *more, kz_err *err)
{
    *rows = NULL;
    *n = 0;
    *more = false;
    kz_taxii_row *out = kz_arena_calloc(a, (size_t)f->limit, sizeof *out);
    if (!out)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    /* windows of the page's size first; a page the match filters (or the versions
     * served) thin out reads wider ones, up to the whole collection */
    int64_t cap = f->limit + 2;
    for (;;) {
        bool cut;
        kz_rc rc = taxii_page(db, v, f, cap, a, out, n, more, &cut, err);
        if (rc)
            return rc;
        if (!cut) {
            *rows = out;
            return KZ_OK;
        }
        cap = cap > INT64_MAX / 8 ? INT64_MAX : cap * 8;
    }
}

kz_rc kz_store_taxii_status_put(kz_db *db, const char *id, kz_time created, const char *org, const char *body,
                                kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO taxii_status (id, created, organization, body) VALUES (?1, ?2, ?3, ?4)",
                               err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, created);
    kz__bind_text(s, 3, org);
    sqlite3_bind_text(s, 4, body, -1, SQLITE_STATIC);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_taxii_status_get(kz_db *db, const char *id, const char *org, kz_arena *a, char **body, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT body FROM taxii_status WHERE id = ?1 AND organization IS ?2", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    kz__bind_text(s, 2, org);
    int rc = sqlite3_step(s);
    kz_rc out = KZ_OK;
    if (rc == SQLITE_ROW)
        out = (*body = kz__col_text(s, 0, a)) ? KZ_OK : kz_fail(err, KZ_ENOMEM, NULL, NULL);
    else
        out = rc == SQLITE_DONE ? kz_fail(err, KZ_ENOTFOUND, "status", "no status %.40s", id) : kz__sqlerr(db, rc, err);
    kz__done(s);
    return out;
}

/* ---- date_added ---------------------------------------------------------------------- */

/* Dates the rows inserted into one table since its last dated row (?1 now, in us): an
 * epoch starting at the next tick after the clock (or now when later), and the clock
 * moved past the last of them. Nothing when the table has no new rows. */
#define EPOCH(t, table, last)                                                              \
    "INSERT INTO taxii_epochs (t, first_n, base) SELECT '" t "', c." last " + 1, max(c.us + 4, ?1)" \
    " FROM taxii_clock c WHERE EXISTS (SELECT 1 FROM " table " WHERE n > c." last ")",      \
    "UPDATE taxii_clock SET us = (SELECT e.base FROM taxii_epochs e WHERE e.t = '" t "'"      \
    " AND e.first_n = taxii_clock." last " + 1) + 4 * ((SELECT max(n) FROM " table ") - " last " - 1)," \
    " " last " = (SELECT max(n) FROM " table ")"                                            \
    " WHERE EXISTS (SELECT 1 FROM " table " WHERE n > taxii_clock." last ")"

/* Indicators changed by this transaction (date_added -1), dated in row order from the
 * next tick (or ?1 now when later); the clock then moves past the last of them. */
static kz_rc redate_indicators(kz_db *db, int64_t now_us, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "UPDATE indicators SET date_added = (SELECT max(us + 4, ?1) FROM taxii_clock)"
                                   " + 4 * (r.rk - 1) FROM (SELECT n, row_number() OVER (ORDER BY n) AS rk"
                                   " FROM indicators WHERE date_added = -1) r WHERE indicators.n = r.n"
                                   " RETURNING date_added", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_int64(s, 1, now_us);
    int64_t last = -1;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if (sqlite3_column_int64(s, 0) > last)
            last = sqlite3_column_int64(s, 0);
    kz__done(s);
    if (rc != SQLITE_DONE)
        return kz__sqlerr(db, rc, err);
    if (last < 0)
        return KZ_OK;
    if (!(s = kz__stmt(db, "UPDATE taxii_clock SET us = max(us, ?1)", err)))
        return KZ_ESTORE;
    sqlite3_bind_int64(s, 1, last);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz__stix_date_added(kz_db *db, kz_err *err)
{
    static const char *const sql[] = {
        EPOCH("i", "indicators", "i_n"), EPOCH("r", "incidents", "r_n"),
        EPOCH("s", "sightings", "s_n"), EPOCH("x", "stix_objects", "x_n"),
    };
    int64_t now_us = kz_now_ms() * 1000;
    kz_rc rc0 = redate_indicators(db, now_us, err);
    if (rc0)
        return rc0;
    for (size_t i = 0; i < sizeof sql / sizeof *sql; i++) {
        sqlite3_stmt *s = kz__stmt(db, sql[i], err);
        if (!s)
            return KZ_ESTORE;
        if (i % 2 == 0)
            sqlite3_bind_int64(s, 1, now_us);
        kz_rc rc = kz__exec_stmt(db, s, err);
        if (rc)
            return rc;
    }
    return KZ_OK;
}
