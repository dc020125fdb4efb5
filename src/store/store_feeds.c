/* The HTTP validators of fetched feed files in SQLite (feed_validators, one row per
 * URL), read before and written after each conditional GET of an import. */
#include "store/feeds.h"

#include "store/store_internal.h"

#include <stdio.h>
#include <string.h>

kz_rc kz_store_feed_validators_get(kz_db *db, const char *url, kz_fetch_validators *v, kz_err *err)
{
    memset(v, 0, sizeof *v);
    sqlite3_stmt *s = kz__stmt(db, "SELECT etag, last_modified FROM feed_validators WHERE url = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, url, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *e = (const char *)sqlite3_column_text(s, 0), *m = (const char *)sqlite3_column_text(s, 1);
        snprintf(v->etag, sizeof v->etag, "%s", e ? e : "");
        snprintf(v->last_modified, sizeof v->last_modified, "%s", m ? m : "");
    }
    kz__done(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

kz_rc kz_store_feed_validators_put(kz_db *db, const char *url, const kz_fetch_validators *v, kz_err *err)
{
    bool none = !v->etag[0] && !v->last_modified[0];
    sqlite3_stmt *s = kz__stmt(db, none ? "DELETE FROM feed_validators WHERE url = ?1"
                                        : "INSERT INTO feed_validators (url, etag, last_modified) VALUES (?1, ?2, ?3)"
                                          " ON CONFLICT (url) DO UPDATE SET (etag, last_modified) ="
                                          " (excluded.etag, excluded.last_modified)", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, url, -1, SQLITE_STATIC);
    if (!none) {
        sqlite3_bind_text(s, 2, v->etag, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, v->last_modified, -1, SQLITE_STATIC);
    }
    return kz__exec_stmt(db, s, err);
}
