/* Kept STIX objects, the map of imported STIX ids, TAXII status resources and the
 * collection query of TAXII (store/stix.h). */
#include "store/stix.h"

#include "model/enums.h"
#include "store/store_internal.h"

#include <stdio.h>
#include <string.h>

#define STIX_COLS                                                                          \
    "id, created, modified, type, version, spec_version, added, source, tlp, recipients,"  \
    " allow_clients, json"

kz_rc kz_store_stix_put(kz_db *db, const kz_stix_object *o, bool *added, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO stix_objects (" STIX_COLS ")"
                                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
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

enum { EACH_ARENA_ROWS = 256 };

kz_rc kz_store_stix_each(kz_db *db, const kz_viewer *v, int tlp, kz_stix_kept_fn fn, void *ctx, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT " STIX_COLS " FROM stix_objects"
                                   " WHERE (?2 IS NULL OR tlp = ?2)"
                                   " AND kz_visible(?1, tlp, source, recipients, allow_clients) ORDER BY added, n", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_viewer(s, 1, v);
    kz__bind_text(s, 2, tlp >= 0 ? kz_enum_name(&kz_tlp_enum, tlp) : NULL);
    kz_arena rows;
    kz_arena_init(&rows);
    kz_rc out = KZ_OK;
    int rc = SQLITE_DONE;
    for (size_t i = 1; !out && (rc = sqlite3_step(s)) == SQLITE_ROW; i++) {
        kz_stix_object o;
        if (kz__read_fields(s, 0, &kz_stix_object_schema, &o, &rows) < 0) {
            out = kz_fail(err, KZ_ENOMEM, NULL, NULL);
            break;
        }
        out = fn(&o, ctx);
        if (i % EACH_ARENA_ROWS == 0) {
            kz_arena_free(&rows);
            kz_arena_init(&rows);
        }
    }
    kz__done(s);
    kz_arena_free(&rows);
    if (!out && rc != SQLITE_DONE && rc != SQLITE_ROW)
        out = kz__sqlerr(db, rc, err);
    return out;
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

/* ?1 label, ?2 viewer, ?3 added after, ?4 ids, ?5 types, ?6 spec versions, ?7 limit,
 * ?8 version mode, ?9 versions, ?10-?12 the row to start after. */

static const char taxii_sql[] =
    "SELECT k, n, id, kz_id, added, modified, version, spec_version, json, src, rcp FROM ("
    " SELECT 'i' AS k, n, 'indicator--' || id AS id, id AS kz_id, modified AS added, modified,"
    "  NULL AS version, '2.1' AS spec_version, NULL AS json, 'indicator' AS type, NULL AS src, NULL AS rcp"
    "  FROM indicators WHERE tlp = ?1 AND kz_visible(?2, tlp, source, recipients, allow_clients)"
    " UNION ALL"
    " SELECT 'r', n, 'report--' || id, id, modified, modified, NULL, '2.1', NULL, 'report', NULL, NULL"
    "  FROM incidents WHERE tlp = ?1 AND kz_visible(?2, tlp, organization, recipients, allow_clients)"
    " UNION ALL"
    " SELECT 's', n, 'sighting--' || id, id, modified, modified, NULL, '2.1', NULL, 'sighting', NULL, NULL"
    "  FROM sightings WHERE tlp = ?1 AND kz_visible(?2, tlp, observer, recipients, allow_clients)"
    "  AND indicator IN (SELECT id FROM indicators WHERE kz_visible(?2, tlp, source, recipients, allow_clients))"
    " UNION ALL"
    " SELECT 'x', n, id, NULL, added, modified, version, spec_version, json, type, source, recipients"
    "  FROM stix_objects o WHERE tlp = ?1 AND kz_visible(?2, tlp, source, recipients, allow_clients)"
    "  AND (?8 >= 2 OR modified = (SELECT iif(?8 = 1, min(p.modified), max(p.modified)) FROM stix_objects p"
    "   WHERE p.id = o.id AND p.tlp = ?1 AND kz_visible(?2, p.tlp, p.source, p.recipients, p.allow_clients)))"
    ") WHERE added > ?3"
    " AND (?4 IS NULL OR id IN (SELECT value FROM json_each(?4)))"
    " AND (?5 IS NULL OR type IN (SELECT value FROM json_each(?5)))"
    " AND (?6 IS NULL OR spec_version IN (SELECT value FROM json_each(?6)))"
    " AND (?8 != 3 OR modified IN (SELECT value FROM json_each(?9)))"
    " AND (added, k, n) > (?10, ?11, ?12)"
    " ORDER BY added, k, n LIMIT ?7";

kz_rc kz_store_taxii_list(kz_db *db, const kz_viewer *v, const kz_taxii_filter *f, kz_arena *a,
                          kz_taxii_row **rows, size_t *n, bool *more, kz_err *err)
{
    *rows = NULL;
    *n = 0;
    *more = false;
    sqlite3_stmt *s = kz__stmt(db, taxii_sql, err);
    if (!s)
        return KZ_ESTORE;
    char k[2] = {f->after.kind, '\0'};
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
    kz_taxii_row *out = kz_arena_calloc(a, (size_t)f->limit, sizeof *out);
    if (!out) {
        kz__done(s);
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    }
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if ((int64_t)*n == f->limit) {
            *more = true;
            break;
        }
        kz_taxii_row *r = &out[(*n)++];
        const char *kind = (const char *)sqlite3_column_text(s, 0);
        r->kind = kind ? kind[0] : '?';
        r->n = sqlite3_column_int64(s, 1);
        r->id = kz__col_text(s, 2, a);
        r->kz_id = kz__col_text(s, 3, a);
        r->added = sqlite3_column_int64(s, 4);
        r->modified = sqlite3_column_int64(s, 5);
        r->version = kz__col_text(s, 6, a);
        r->spec_version = kz__col_text(s, 7, a);
        r->json = kz__col_text(s, 8, a);
        r->source = kz__col_text(s, 9, a);
        if (!r->id || !r->spec_version || (r->kind == 'x' && !r->json) || kz__col_list(s, 10, &r->recipients, a)) {
            kz__done(s);
            return kz_fail(err, KZ_ENOMEM, NULL, NULL);
        }
    }
    kz__done(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return kz__sqlerr(db, rc, err);
    *rows = out;
    return KZ_OK;
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
