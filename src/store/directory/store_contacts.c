/* Contacts in SQLite. The contact's state is copied from its organization on every
 * write, so that the directory's main query (by state) is one index range scan. */
#include "store/directory/directory.h"
#include "store/core/store_page.h"

#define CONTACT_COLS                                                                       \
    "id, created, modified, organization, state, full_name, position, role, email, phone," \
    " languages, hours, timezone, public_key, verified_at"
#define CONTACT_PARAMS "?1, ?2, ?3, ?4, (SELECT state FROM organizations WHERE id = ?4), ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15"

static kz_rc write_contact(kz_db *db, const char *sql, const kz_contact *c, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, sql, err);
    if (!s)
        return KZ_ESTORE;
    if (kz__bind_fields(s, 1, &kz_contact_schema, c) < 0)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_contact_insert(kz_db *db, const kz_contact *c, kz_err *err)
{
    return write_contact(db, "INSERT INTO contacts (" CONTACT_COLS ") VALUES (" CONTACT_PARAMS ")", c, err);
}

kz_rc kz_store_contact_update(kz_db *db, const kz_contact *c, kz_err *err)
{
    return write_contact(db, "UPDATE contacts SET (" CONTACT_COLS ") = (" CONTACT_PARAMS ") WHERE id = ?1", c, err);
}

static int read_contact(sqlite3_stmt *s, void *item, kz_arena *a)
{
    return kz__read_fields(s, 1, &kz_contact_schema, item, a) < 0 ? -1 : 0;
}

kz_rc kz_store_contact_get(kz_db *db, const char *id, kz_arena *a, kz_contact *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, " CONTACT_COLS " FROM contacts WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    return kz__get_row(db, s, read_contact, out, a, "contact", id, err);
}

kz_rc kz_store_contact_delete(kz_db *db, const char *id, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "DELETE FROM contacts WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    kz_rc rc = kz__exec_stmt(db, s, err);
    if (!rc && sqlite3_changes(db->h) == 0)
        rc = kz_fail(err, KZ_ENOTFOUND, "contact", "no contact %.40s", id);
    return rc;
}

enum { C_F_STATE, C_F_ROLE, C_F_ORG, C_F_Q, C_F_VIEWER };
static const char *const contact_frags[] = {
    [C_F_STATE] = "state = ?3",
    [C_F_ROLE] = "role = ?4",
    [C_F_ORG] = "organization = ?5",
    [C_F_Q] = "n IN (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ?6)",
    /* both tests are uncorrelated, so SQLite runs each once a query: while no table-top
     * run made an organization, no row pays for the second; and as neither names a column
     * of the row, a page of row numbers is read from the index alone (no seek a row) */
    [C_F_VIEWER] = ("(NOT EXISTS (SELECT 1 FROM exercise_players WHERE made = 1)"
                    " OR n NOT IN (SELECT c.n FROM exercise_players p JOIN contacts c ON c.organization = p.organization"
                    " WHERE p.made = 1 AND NOT kz_visible(?7, 'clear', NULL, NULL, 0, p.exercise)))"),
};
static const char contact_list_key;

static const char *contact_list_sql(unsigned mask, char *buf, size_t size)
{
    return kz__compose(buf, size, "SELECT n, " CONTACT_COLS " FROM contacts WHERE n > ?1",
                       contact_frags, mask, "ORDER BY n LIMIT ?2");
}

/* The filters' mask, and their values bound to s (fts: f->q as a full-text query). */
static unsigned list_mask(const kz_contact_filter *f, const char *fts)
{
    return (f->state ? 1u << C_F_STATE : 0) | (f->role ? 1u << C_F_ROLE : 0) |
           (f->organization ? 1u << C_F_ORG : 0) | (fts ? 1u << C_F_Q : 0) |
           (f->viewer ? 1u << C_F_VIEWER : 0);
}

static void list_bind(sqlite3_stmt *s, const kz_contact_filter *f, const char *fts)
{
    kz__bind_text(s, 3, f->state);
    kz__bind_text(s, 4, f->role);
    kz__bind_text(s, 5, f->organization);
    kz__bind_text(s, 6, fts);
    if (f->viewer)
        kz__bind_viewer(s, 7, f->viewer);
}

/* What a page of the list reads: every column (contact_list_sql) or the row numbers. */
typedef struct list_query {
    const void *key;
    kz__sql_builder sql;
} list_query;

static kz_rc list_run(kz_db *db, list_query q, const kz_contact_filter *f, const kz_page *pg, kz_arena *a,
                      size_t item_size, kz__row_reader read, void **items, size_t *n, char next[KZ_CURSOR_TEXT],
                      kz_err *err)
{
    const char *fts = f->q ? kz__fts_query(f->q, a) : NULL;
    sqlite3_stmt *s = kz__stmt_variant(db, q.key, list_mask(f, fts), q.sql, err);
    if (!s)
        return KZ_ESTORE;
    list_bind(s, f, fts);
    return kz__page_run(db, s, pg, item_size, read, a, items, n, next, err);
}

kz_rc kz_store_contact_list(kz_db *db, const kz_contact_filter *f, const kz_page *pg,
                            kz_arena *a, kz_contact_page *out, kz_err *err)
{
    void *items = NULL;
    kz_rc rc = list_run(db, (list_query){&contact_list_key, contact_list_sql}, f, pg, a, sizeof(kz_contact),
                        read_contact, &items, &out->n, out->next, err);
    out->items = items;
    return rc;
}

static int read_numbered(sqlite3_stmt *s, void *item, kz_arena *a)
{
    kz_numbered_contact *nc = item;
    nc->row = sqlite3_column_int64(s, 0);
    return read_contact(s, &nc->c, a);
}

kz_rc kz_store_contact_list_numbered(kz_db *db, const kz_contact_filter *f, const kz_page *pg,
                                     kz_arena *a, kz_numbered_contact_page *out, kz_err *err)
{
    void *items = NULL;
    kz_rc rc = list_run(db, (list_query){&contact_list_key, contact_list_sql}, f, pg, a,
                        sizeof(kz_numbered_contact), read_numbered, &items, &out->n, out->next, err);
    out->items = items;
    return rc;
}

/* The same rows as contact_list_sql, only their numbers. */
static const char contact_rows_key;

static const char *contact_rows_sql(unsigned mask, char *buf, size_t size)
{
    return kz__compose(buf, size, "SELECT n FROM contacts WHERE n > ?1", contact_frags, mask,
                       "ORDER BY n LIMIT ?2");
}

static int read_row_number(sqlite3_stmt *s, void *item, kz_arena *a)
{
    (void)a;
    *(int64_t *)item = sqlite3_column_int64(s, 0);
    return 0;
}

kz_rc kz_store_contact_rows(kz_db *db, const kz_contact_filter *f, const kz_page *pg,
                            kz_arena *a, kz_row_page *out, kz_err *err)
{
    void *items = NULL;
    kz_rc rc = list_run(db, (list_query){&contact_rows_key, contact_rows_sql}, f, pg, a, sizeof(int64_t),
                        read_row_number, &items, &out->n, out->next, err);
    out->items = items;
    return rc;
}

enum { ID_F_STATE, ID_F_ROLE };
static const char *const id_frags[] = {[ID_F_STATE] = "state = ?1", [ID_F_ROLE] = "role = ?2"};
static const char contact_ids_key;

static const char *contact_ids_sql(unsigned mask, char *buf, size_t size)
{
    /* a check of the directory never reaches a table-top run's exercise-only organizations */
    return kz__compose(buf, size, "SELECT id FROM contacts WHERE organization NOT IN"
                       " (SELECT organization FROM exercise_players WHERE made = 1)", id_frags, mask,
                       "ORDER BY n LIMIT ?3");
}

kz_rc kz_store_contact_ids(kz_db *db, const char *state, const char *role, size_t max,
                           kz_arena *a, kz_strlist *out, kz_err *err)
{
    unsigned mask = (state ? 1u << ID_F_STATE : 0) | (role ? 1u << ID_F_ROLE : 0);
    sqlite3_stmt *s = kz__stmt_variant(db, &contact_ids_key, mask, contact_ids_sql, err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, state);
    kz__bind_text(s, 2, role);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)max);
    return kz__collect_text(db, s, max, a, out, err);
}

kz_rc kz_store_contacts_by_role(kz_db *db, const char *state, const char *role, const char *prefer,
                                const char *exercise, size_t max, kz_arena *a, kz_contact **items, size_t *n,
                                kz_err *err)
{
    /* an exercise-only organization's contacts serve only its own run's work */
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, " CONTACT_COLS " FROM contacts WHERE state = ?1 AND role = ?2"
                                   " AND organization NOT IN (SELECT organization FROM exercise_players"
                                   " WHERE made = 1 AND exercise IS NOT ?5)"
                                   " ORDER BY organization IS ?3 DESC, n LIMIT ?4", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, state);
    kz__bind_text(s, 2, role);
    kz__bind_text(s, 3, prefer);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)max);
    kz__bind_text(s, 5, exercise);
    *n = 0;
    *items = kz_arena_calloc(a, max ? max : 1, sizeof **items);
    if (!*items) {
        kz__done(s);
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    }
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if (read_contact(s, &(*items)[(*n)++], a)) {
            kz__done(s);
            return kz_fail(err, KZ_ENOMEM, NULL, NULL);
        }
    kz__done(s);
    return rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}
