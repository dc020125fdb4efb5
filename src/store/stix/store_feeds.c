/* What feed imports saw, in SQLite (feed_seen, one row per organization and item): an
 * event's version or a fetched file's HTTP validators, read before and written after
 * each item of an import. */
#include "store/stix/feeds.h"

#include "store/core/store_internal.h"

#include <stdio.h>
#include <string.h>

static void copy(char *dst, size_t size, const unsigned char *src)
{
    snprintf(dst, size, "%s", src ? (const char *)src : "");
}

kz_rc kz_store_feed_seen_get(kz_db *db, const char *source, const char *item, kz_feed_seen *out, kz_err *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = kz__stmt(db, "SELECT version, etag, last_modified FROM feed_seen WHERE source = ?1 AND item = ?2",
                               err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, item, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        copy(out->version, sizeof out->version, sqlite3_column_text(s, 0));
        copy(out->v.etag, sizeof out->v.etag, sqlite3_column_text(s, 1));
        copy(out->v.last_modified, sizeof out->v.last_modified, sqlite3_column_text(s, 2));
    }
    kz__done(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

kz_rc kz_store_feed_seen_put(kz_db *db, const char *source, const char *item, const kz_feed_seen *seen, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO feed_seen (source, item, version, etag, last_modified)"
                                   " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (source, item) DO UPDATE SET"
                                   " (version, etag, last_modified) = (excluded.version, excluded.etag,"
                                   " excluded.last_modified)", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, item, -1, SQLITE_STATIC);
    kz__bind_text(s, 3, seen->version[0] ? seen->version : NULL);
    kz__bind_text(s, 4, seen->v.etag[0] ? seen->v.etag : NULL);
    kz__bind_text(s, 5, seen->v.last_modified[0] ? seen->v.last_modified : NULL);
    return kz__exec_stmt(db, s, err);
}
