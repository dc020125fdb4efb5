/* Statements, their versions and signatures in SQLite. Every table is read and written
 * through its field table (model/statement.c), in column order. */
#include "store/statements/statements.h"
#include "store/core/store_internal.h"
#include "store/core/store_page.h"

#include <string.h>

#define ST_COLS                                                                             \
    "id, created, modified, organization, status, version, content, content_hash, title,"  \
    " cosigners, publish_at, supersedes, superseded_by, withdrawn_at, withdraw_reason,"     \
    " withdraw_signature"
#define ST_PARAMS "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16"
#define SIG_COLS "statement, organization, version, content_hash, signed_at, actor, signature"

static kz_rc write_obj(kz_db *db, const char *sql, const kz_schema *sc, const void *o, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, sql, err);
    if (!s)
        return KZ_ESTORE;
    if (kz__bind_fields(s, 1, sc, o) < 0) {
        kz__done(s);
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    }
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_statement_insert(kz_db *db, const kz_statement *o, kz_err *err)
{
    return write_obj(db, "INSERT INTO statements (" ST_COLS ") VALUES (" ST_PARAMS ")", &kz_statement_schema, o,
                     err);
}

kz_rc kz_store_statement_update(kz_db *db, const kz_statement *o, kz_err *err)
{
    return write_obj(db, "UPDATE statements SET (" ST_COLS ") = (" ST_PARAMS ") WHERE id = ?1",
                     &kz_statement_schema, o, err);
}

static int read_statement(sqlite3_stmt *s, void *item, kz_arena *a)
{
    return kz__read_fields(s, 0, &kz_statement_schema, item, a) < 0 ? -1 : 0;
}

kz_rc kz_store_statement_get(kz_db *db, const char *id, kz_arena *a, kz_statement *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT " ST_COLS " FROM statements WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, id);
    return kz__get_row(db, s, read_statement, out, a, "statement", id, err);
}

/* The row readers of the other two tables (kz__row_reader), each by its field table. */
static int read_version(sqlite3_stmt *s, void *item, kz_arena *a)
{
    return kz__read_fields(s, 0, &kz_statement_version_schema, item, a) < 0 ? -1 : 0;
}

static int read_sig(sqlite3_stmt *s, void *item, kz_arena *a)
{
    return kz__read_fields(s, 0, &kz_statement_sig_schema, item, a) < 0 ? -1 : 0;
}

kz_rc kz_store_statement_all(kz_db *db, kz_arena *a, kz_statement **out, size_t *n, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT " ST_COLS " FROM statements ORDER BY n DESC", err);
    return s ? kz__collect_rows(db, s, sizeof **out, read_statement, a, (void **)out, n, err) : KZ_ESTORE;
}

kz_rc kz_store_statements_due(kz_db *db, kz_time now, kz_arena *a, kz_strlist *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT group_concat(id, char(10)) FROM (SELECT id FROM statements"
                                   " WHERE status = 'scheduled' AND publish_at <= ?1 ORDER BY publish_at)", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_int64(s, 1, now);
    int rc = sqlite3_step(s);
    int bad = rc == SQLITE_ROW ? kz__col_list(s, 0, out, a) : 0;
    kz__done(s);
    if (bad)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    return rc == SQLITE_ROW ? KZ_OK : kz__sqlerr(db, rc, err);
}

kz_rc kz_store_statement_version_insert(kz_db *db, const char *id, const kz_statement_version *v, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO statement_versions (statement, version, content, content_hash,"
                                   " created) VALUES (?1, ?2, ?3, ?4, ?5)", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, id);
    sqlite3_bind_int64(s, 2, v->version);
    kz__bind_text(s, 3, v->content);
    kz__bind_text(s, 4, v->content_hash);
    sqlite3_bind_int64(s, 5, v->created);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_statement_versions(kz_db *db, const char *id, kz_arena *a, kz_statement_version **out,
                                  size_t *n, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT version, content, content_hash, created FROM statement_versions"
                                   " WHERE statement = ?1 ORDER BY version", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, id);
    return kz__collect_rows(db, s, sizeof **out, read_version, a, (void **)out, n, err);
}

kz_rc kz_store_statement_sig_insert(kz_db *db, const kz_statement_sig *g, kz_err *err)
{
    return write_obj(db, "INSERT INTO statement_signatures (" SIG_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                     &kz_statement_sig_schema, g, err);
}

kz_rc kz_store_statement_sigs(kz_db *db, const char *id, kz_arena *a, kz_statement_sig **out, size_t *n,
                              kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT " SIG_COLS " FROM statement_signatures WHERE statement = ?1"
                                   " ORDER BY signed_at, organization", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, id);
    return kz__collect_rows(db, s, sizeof **out, read_sig, a, (void **)out, n, err);
}
