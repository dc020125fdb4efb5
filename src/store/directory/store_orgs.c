/* Organizations in SQLite. */
#include "store/directory/directory.h"
#include "store/core/store_page.h"

#define ORG_COLS "id, created, modified, name, state, kind, website, description, client"

kz_rc kz_store_org_insert(kz_db *db, const kz_org *o, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO organizations (" ORG_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", err);
    if (!s)
        return KZ_ESTORE;
    if (kz__bind_fields(s, 1, &kz_org_schema, o) < 0)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_org_update(kz_db *db, const kz_org *o, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "UPDATE organizations SET (" ORG_COLS ") = (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    if (kz__bind_fields(s, 1, &kz_org_schema, o) < 0)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    return kz__exec_stmt(db, s, err);
}

static int read_org(sqlite3_stmt *s, void *item, kz_arena *a)
{
    return kz__read_fields(s, 1, &kz_org_schema, item, a) < 0 ? -1 : 0;
}

kz_rc kz_store_org_get(kz_db *db, const char *id, kz_arena *a, kz_org *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, " ORG_COLS " FROM organizations WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    return kz__get_row(db, s, read_org, out, a, "organization", id, err);
}

kz_rc kz_store_org_delete(kz_db *db, const char *id, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT (SELECT count(*) FROM contacts WHERE organization = ?1)"
                                   " + (SELECT count(*) FROM api_keys WHERE organization = ?1)", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    int64_t refs = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    kz__done(s);
    if (refs)
        return kz_fail(err, KZ_ECONFLICT, "organization",
                       "the organization still has %lld contacts or keys; remove them first", (long long)refs);
    s = kz__stmt(db, "DELETE FROM organizations WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    kz_rc rc = kz__exec_stmt(db, s, err);
    if (!rc && sqlite3_changes(db->h) == 0)
        rc = kz_fail(err, KZ_ENOTFOUND, "organization", "no organization %.40s", id);
    return rc;
}

enum { ORG_F_STATE, ORG_F_KIND, ORG_F_Q, ORG_F_VIEWER };
static const char *const org_frags[] = {
    [ORG_F_STATE] = "state = ?3",
    [ORG_F_KIND] = "kind = ?4",
    [ORG_F_Q] = "instr(lower(name), lower(?5)) > 0",
    [ORG_F_VIEWER] = ("NOT EXISTS (SELECT 1 FROM exercise_players p WHERE p.organization = organizations.id"
                      " AND p.made = 1 AND NOT kz_visible(?6, 'clear', NULL, NULL, 0, p.exercise))"),
};

static const char org_list_key;

static const char *org_list_sql(unsigned mask, char *buf, size_t size)
{
    return kz__compose(buf, size, "SELECT n, " ORG_COLS " FROM organizations WHERE n > ?1",
                       org_frags, mask, "ORDER BY n LIMIT ?2");
}

kz_rc kz_store_org_list(kz_db *db, const kz_org_filter *f, const kz_page *pg, kz_arena *a,
                        kz_org_page *out, kz_err *err)
{
    unsigned mask = (f->state ? 1u << ORG_F_STATE : 0) | (f->kind ? 1u << ORG_F_KIND : 0) |
                    (f->q ? 1u << ORG_F_Q : 0) | (f->viewer ? 1u << ORG_F_VIEWER : 0);
    sqlite3_stmt *s = kz__stmt_variant(db, &org_list_key, mask, org_list_sql, err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 3, f->state);
    kz__bind_text(s, 4, f->kind);
    kz__bind_text(s, 5, f->q);
    if (f->viewer)
        kz__bind_viewer(s, 6, f->viewer);
    void *items = NULL;
    kz_rc rc = kz__page_run(db, s, pg, sizeof(kz_org), read_org, a, &items, &out->n, out->next, err);
    out->items = items;
    return rc;
}
