/* Indicators in SQLite: one upsert statement that deduplicates per (type, value,
 * source) and writes nothing when a report adds nothing new (so re-importing a feed
 * changes nothing), links to incidents, and the viewer-filtered lists, counts and the
 * streaming walk the exporters and the telemetry matcher use. */
#include "store/sharing/sharing.h"
#include "store/core/store_page.h"

#include "model/enums.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern const kz_enum kz_ind_type_enum;

#define INDICATOR_COLS                                                                     \
    "id, created, modified, type, value, source, registrable, tlp, recipients,"           \
    " allow_clients, confidence, first_seen, last_seen, valid_until, description, context_only, labels," \
    " exercise"
#define INDICATOR_VISIBLE "kz_visible(?3, tlp, source, recipients, allow_clients, exercise)"
/* The incidents of the row's indicator that the viewer (?3) may see. */
#define INDICATOR_INCIDENTS                                                                \
    "(SELECT group_concat(l.incident, char(10)) FROM indicator_incidents l"               \
    " JOIN incidents i ON i.id = l.incident WHERE l.indicator = indicators.id"           \
    " AND kz_visible(?3, i.tlp, i.organization, i.recipients, i.allow_clients, i.exercise)) AS incidents"

const char *const kz_indicator_dim_names[KZ_INDICATOR_DIMS] = {
    [KZ_INDICATOR_BY_TYPE] = "type", [KZ_INDICATOR_BY_TLP] = "tlp",
};

/* ?19 holds the KZ_GIVEN_* bits. The SET list applies the given fields; the WHERE
 * clause lets the update happen only when one of them would change the row. A changed
 * row is dated again for TAXII when the transaction commits (date_added -1). A value
 * any report gives for detection is matched (context_only only while all say so);
 * labels are those of the first report. */
#define UPSERT_SQL                                                                         \
    "INSERT INTO indicators (" INDICATOR_COLS ")"                                          \
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)" \
    " ON CONFLICT (type, value, source) DO UPDATE SET"                                     \
    " (modified, tlp, recipients, allow_clients, confidence, first_seen, last_seen, valid_until," \
    "  description, context_only) = (excluded.modified,"                                   \
    "  iif(?19 & 1, excluded.tlp, tlp),"                                                   \
    "  iif(?19 & 2, excluded.recipients, recipients),"                                     \
    "  iif(?19 & 4, excluded.allow_clients, allow_clients),"                               \
    "  iif(?19 & 8, excluded.confidence, confidence),"                                     \
    "  iif(?19 & 16, min(first_seen, excluded.first_seen), first_seen),"                   \
    "  iif(?19 & 32, max(last_seen, excluded.last_seen), last_seen),"                      \
    "  iif(?19 & 64, excluded.valid_until, valid_until),"                                  \
    "  iif(?19 & 128, excluded.description, description),"                                 \
    "  iif(?19 & 512, context_only AND excluded.context_only, context_only)), date_added = -1" \
    " WHERE NOT (iif(?19 & 1, tlp IS excluded.tlp, 1)"                                     \
    "  AND iif(?19 & 2, recipients IS excluded.recipients, 1)"                             \
    "  AND iif(?19 & 4, allow_clients IS excluded.allow_clients, 1)"                       \
    "  AND iif(?19 & 8, confidence IS excluded.confidence, 1)"                             \
    "  AND iif(?19 & 16, first_seen <= excluded.first_seen, 1)"                            \
    "  AND iif(?19 & 32, last_seen >= excluded.last_seen, 1)"                              \
    "  AND iif(?19 & 64, valid_until IS excluded.valid_until, 1)"                          \
    "  AND iif(?19 & 128, description IS excluded.description, 1)"                         \
    "  AND iif(?19 & 512, NOT context_only OR excluded.context_only, 1))"

/* The row number and id of the stored indicator with o's key (id_out may be NULL);
 * called right after an upsert of o, so a missing row is an internal error. */
static kz_rc find_key(kz_db *db, const kz_indicator *o, sqlite3_int64 *n, char id_out[37], kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, id FROM indicators WHERE type = ?1 AND value = ?2 AND source = ?3", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, kz_enum_name(&kz_ind_type_enum, o->type), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, o->value, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, o->source, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    kz_rc r = KZ_OK;
    if (rc == SQLITE_ROW) {
        *n = sqlite3_column_int64(s, 0);
        if (id_out)
            snprintf(id_out, 37, "%s", (const char *)sqlite3_column_text(s, 1));
    } else {
        r = rc == SQLITE_DONE ? kz_fail(err, KZ_EINTERNAL, NULL, "indicator vanished during upsert")
                              : kz__sqlerr(db, rc, err);
    }
    kz__done(s);
    return r;
}

/* A run of consecutive rows for the change log; fresh: all inserted by
 * kz_store_indicator_insert_new with ids new to the node, so none can be an object
 * received from a peer (fed_origin) and the log needs no check of it. */
typedef struct log_run {
    int64_t first, last, fresh;
} log_run;

/* In a bulk write, notes row n for the change log written at the end of the queue:
 * it extends the last run when it follows it and is as fresh, else starts one. */
static kz_rc note_row(kz_db *db, sqlite3_int64 n, bool fresh, kz_err *err)
{
    log_run run;
    kz_buf *b = &db->bulk_rows;
    if (b->len >= sizeof run) {
        memcpy(&run, b->p + b->len - sizeof run, sizeof run);
        if (n == run.last + 1 && run.fresh == fresh) {
            run.last = n;
            memcpy(b->p + b->len - sizeof run, &run, sizeof run);
            return KZ_OK;
        }
    }
    run = (log_run){n, n, fresh};
    return kz_buf_append(b, &run, sizeof run) ? kz_fail(err, KZ_ENOMEM, NULL, NULL) : KZ_OK;
}

/* In a bulk write, remembers the row the upsert wrote: an insertion's is the last rowid,
 * a merge's is looked up by its key. */
static kz_rc bulk_note(kz_db *db, const kz_indicator *o, kz_upsert result, kz_err *err)
{
    if (!db->bulk || result == KZ_UPSERT_UNCHANGED)
        return KZ_OK;
    sqlite3_int64 n = sqlite3_last_insert_rowid(db->h);
    kz_rc rc = result == KZ_UPSERT_MERGED ? find_key(db, o, &n, NULL, err) : KZ_OK;
    return rc ? rc : note_row(db, n, false, err);
}

kz_rc kz_store_indicator_bulk_begin(kz_db *db, kz_err *err)
{
    kz_buf_init(&db->bulk_rows, SIZE_MAX);
    if (sqlite3_db_config(db->h, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)NULL) != SQLITE_OK)
        return kz__sqlerr(db, sqlite3_errcode(db->h), err);
    db->bulk = true;
    return KZ_OK;
}

/* One run of the bulk write's rows (?1 to ?2), in row order: a range of the table's
 * rowid, so no list to parse and no sort. A row received from a peer is not logged (the
 * triggers' rule); a fresh run's rows cannot be one, so their run skips the check. */
#define BULK_LOG_HEAD                                                                      \
    "INSERT INTO fed_log (kind, object, op) SELECT 'indicator', i.id, 'upsert'"            \
    " FROM indicators i WHERE i.n BETWEEN ?1 AND ?2"
#define BULK_LOG_SQL                                                                       \
    BULK_LOG_HEAD " AND NOT EXISTS (SELECT 1 FROM fed_origin WHERE kind = 'indicator' AND object = i.id)" \
    " ORDER BY i.n"
#define BULK_LOG_FRESH_SQL BULK_LOG_HEAD " ORDER BY i.n"

static kz_rc log_runs(kz_db *db, const kz_buf *runs, kz_err *err)
{
    kz_rc rc = KZ_OK;
    for (size_t o = 0; !rc && o + sizeof(log_run) <= runs->len; o += sizeof(log_run)) {
        log_run run;
        memcpy(&run, runs->p + o, sizeof run);
        sqlite3_stmt *s = kz__stmt(db, run.fresh ? BULK_LOG_FRESH_SQL : BULK_LOG_SQL, err);
        if (!s)
            return KZ_ESTORE;
        sqlite3_bind_int64(s, 1, run.first);
        sqlite3_bind_int64(s, 2, run.last);
        rc = kz__exec_stmt(db, s, err);
    }
    return rc;
}

kz_rc kz_store_indicator_bulk_end(kz_db *db, bool write, kz_err *err)
{
    db->bulk = false;
    kz_rc rc = KZ_OK;
    if (sqlite3_db_config(db->h, SQLITE_DBCONFIG_ENABLE_TRIGGER, 1, (int *)NULL) != SQLITE_OK)
        rc = kz__sqlerr(db, sqlite3_errcode(db->h), err);
    if (!rc && write)
        rc = log_runs(db, &db->bulk_rows, err);
    kz_buf_free(&db->bulk_rows);
    return rc;
}

/* An INSERT of `rows` rows that skips a row whose key (type, value, source) is stored
 * (DO NOTHING: never an update; any other constraint, an id already stored, still fails
 * it), composed from static fragments, values bound. */
static const char insert_new_key;

static const char *insert_new_sql(unsigned rows, char *buf, size_t size)
{
    size_t o = (size_t)snprintf(buf, size, "INSERT INTO indicators (" INDICATOR_COLS ") VALUES ");
    for (unsigned r = 0; r < rows && o < size; r++)
        o += (size_t)snprintf(buf + o, size - o, "%s(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", r ? "," : "");
    if (o < size)
        snprintf(buf + o, size - o, " ON CONFLICT (type, value, source) DO NOTHING");
    return buf; /* truncated (a programming error) fails to prepare, loudly */
}

/* The statement sizes used: a block, then smaller ones for its remainder. */
static const unsigned insert_sizes[] = {KZ_IND_INSERT_BLOCK, 8, 1};

/* Runs one statement of n rows; *created and *last (the last inserted row number, when
 * any was) accumulate over the statements of one kz_store_indicator_insert_new. */
static kz_rc insert_rows(kz_db *db, const kz_indicator *const *rows, unsigned n, size_t *created,
                         sqlite3_int64 *last, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt_variant(db, &insert_new_key, n, insert_new_sql, err);
    if (!s)
        return KZ_ESTORE;
    int p = 1;
    for (unsigned r = 0; r < n && p > 0; r++)
        p = kz__bind_fields_cleared(s, p, &kz_indicator_schema, rows[r]);  /* fresh from the cache */
    if (p < 0) {
        kz__done(s);
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    }
    sqlite3_set_last_insert_rowid(db->h, 0);
    kz_rc rc = kz__exec_stmt(db, s, err);
    if (rc)
        return rc;
    int k = sqlite3_changes(db->h);
    if (!k)
        return KZ_OK;
    /* the rows one INSERT writes without given row numbers get max(n) + 1, one after
     * the other (a skipped row takes none), and nothing else inserts in between: the
     * inserted rows of the statements of one call are end - k + 1 .. end in order */
    sqlite3_int64 end = sqlite3_last_insert_rowid(db->h);
    if (k > (int)n || end < k || (*created && end - k != *last))
        return kz_fail(err, KZ_EINTERNAL, NULL, "a set insert wrote %d of %u indicators at row %lld", k, n,
                       (long long)end);
    *created += (size_t)k;
    *last = end;
    return KZ_OK;
}

kz_rc kz_store_indicator_insert_new(kz_db *db, const kz_indicator *const *rows, size_t n, size_t *created,
                                    int64_t *first, kz_err *err)
{
    kz_rc rc = KZ_OK;
    sqlite3_int64 last = 0;
    *created = 0;
    for (size_t i = 0; !rc && i < n;) {
        unsigned k = 0;
        while (insert_sizes[k] > n - i)
            k++;
        rc = insert_rows(db, rows + i, insert_sizes[k], created, &last, err);
        i += insert_sizes[k];
    }
    *first = last - (sqlite3_int64)*created + 1;
    for (sqlite3_int64 r = *first; !rc && db->bulk && *created == n && r <= last; r++)
        rc = note_row(db, r, true, err);
    return rc;
}

kz_rc kz_store_indicator_note(kz_db *db, int64_t n, kz_err *err)
{
    return db->bulk ? note_row(db, n, true, err) : KZ_OK;
}

kz_rc kz_store_indicator_upsert(kz_db *db, const kz_indicator *o, unsigned given, kz_upsert *result,
                                char id_out[37], kz_err *err)
{
    /* When the caller needs the id, RETURNING gives it; otherwise (an import) the
     * cheaper statement without it, read through changes() and the last rowid: only an
     * insertion sets the rowid, an update leaves it. */
    sqlite3_stmt *s = kz__stmt(db, id_out ? UPSERT_SQL " RETURNING id" : UPSERT_SQL, err);
    if (!s)
        return KZ_ESTORE;
    if (kz__bind_fields(s, 1, &kz_indicator_schema, o) < 0) {
        kz__done(s);
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    }
    sqlite3_bind_int(s, 19, (int)given);
    if (id_out) {
        kz_rc rc = kz__upsert_run(db, s, o->id, result, id_out, err);
        if (!rc)
            rc = bulk_note(db, o, *result, err);
        sqlite3_int64 n;
        return !rc && *result == KZ_UPSERT_UNCHANGED ? find_key(db, o, &n, id_out, err) : rc;
    }
    /* 0 first: the last rowid of another table's insert (the log, the audit) could
     * otherwise equal the new row's and pass an insertion off as a merge */
    sqlite3_set_last_insert_rowid(db->h, 0);
    kz_rc rc = kz__exec_stmt(db, s, err);
    if (!rc)
        *result = sqlite3_changes(db->h) == 0 ? KZ_UPSERT_UNCHANGED
                  : sqlite3_last_insert_rowid(db->h) != 0 ? KZ_UPSERT_CREATED : KZ_UPSERT_MERGED;
    return rc ? rc : bulk_note(db, o, *result, err);
}

/* What the write rules need (id, source, the sharing fields, the exercise) and what the
 * upsert's WHERE clause compares (kz_store_indicator_unchanged). */
#define FIND_COLS(t)                                                                       \
    t "id, " t "source, " t "tlp, " t "recipients, " t "allow_clients, " t "exercise, " t "confidence, " \
    t "first_seen, " t "last_seen, " t "valid_until, " t "description, " t "context_only"

/* FIND_COLS from column c on. */
static int read_found(sqlite3_stmt *s, int c, kz_indicator *o, kz_arena *a)
{
    memset(o, 0, sizeof *o);
    o->id = kz__col_text(s, c, a);
    o->source = kz__col_text(s, c + 1, a);
    o->tlp = kz_enum_parse(&kz_tlp_enum, (const char *)sqlite3_column_text(s, c + 2));
    o->allow_clients = sqlite3_column_int(s, c + 4) != 0;
    o->exercise = kz__col_text(s, c + 5, a);
    o->confidence = sqlite3_column_int64(s, c + 6);
    o->first_seen = sqlite3_column_int64(s, c + 7);
    o->last_seen = sqlite3_column_int64(s, c + 8);
    o->valid_until = sqlite3_column_int64(s, c + 9);
    o->description = kz__col_text(s, c + 10, a);
    o->context_only = sqlite3_column_int(s, c + 11) != 0;
    bool lost = sqlite3_column_type(s, c + 10) != SQLITE_NULL && !o->description;
    return !o->id || !o->source || lost || kz__col_list(s, c + 3, &o->recipients, a) ? -1 : 0;
}

static void bind_key(sqlite3_stmt *s, int p, const kz_indicator *o)
{
    sqlite3_bind_text(s, p, kz_enum_name(&kz_ind_type_enum, o->type), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, p + 1, o->value, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, p + 2, o->source, -1, SQLITE_STATIC);
}

kz_rc kz_store_indicator_find(kz_db *db, const kz_indicator *o, kz_arena *a, kz_indicator *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT " FIND_COLS("") " FROM indicators WHERE type = ?1 AND value = ?2"
                                   " AND source = ?3", err);
    if (!s)
        return KZ_ESTORE;
    bind_key(s, 1, o);
    int rc = sqlite3_step(s);
    kz_rc r = rc == SQLITE_ROW ? (read_found(s, 0, out, a) ? kz_fail(err, KZ_ENOMEM, NULL, NULL) : KZ_OK)
              : rc == SQLITE_DONE ? KZ_ENOTFOUND  /* an expected answer: no message made */
                                  : kz__sqlerr(db, rc, err);
    kz__done(s);
    return r;
}

/* The lookup of `rows` keys in one statement: the keys as a VALUES list numbered from 0
 * (static text and numbers; the keys bound), each joined to the unique index. */
static const char find_many_key;

static const char *find_many_sql(unsigned rows, char *buf, size_t size)
{
    size_t o = (size_t)snprintf(buf, size, "SELECT v.column1, " FIND_COLS("i.") " FROM (VALUES ");
    for (unsigned r = 0; r < rows && o < size; r++)
        o += (size_t)snprintf(buf + o, size - o, "%s(%u,?,?,?)", r ? "," : "", r);
    if (o < size)
        snprintf(buf + o, size - o, ") AS v CROSS JOIN indicators AS i"
                 " ON i.type = v.column2 AND i.value = v.column3 AND i.source = v.column4");
    return buf; /* truncated (a programming error) fails to prepare, loudly */
}

static kz_rc find_rows(kz_db *db, const kz_indicator *const *keys, unsigned n, kz_arena *a, kz_indicator *out,
                       kz_rc *found, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt_variant(db, &find_many_key, n, find_many_sql, err);
    if (!s)
        return KZ_ESTORE;
    for (unsigned r = 0; r < n; r++)
        bind_key(s, 3 * (int)r + 1, keys[r]);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        sqlite3_int64 r = sqlite3_column_int64(s, 0);
        if (r < 0 || r >= n || read_found(s, 1, &out[r], a)) {
            kz__done(s);
            return r < 0 || r >= n ? kz_fail(err, KZ_EINTERNAL, NULL, "a lookup answered row %lld", (long long)r)
                                   : kz_fail(err, KZ_ENOMEM, NULL, NULL);
        }
        found[r] = KZ_OK;
    }
    kz_rc r = rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
    kz__done(s);
    return r;
}

kz_rc kz_store_indicator_find_many(kz_db *db, const kz_indicator *const *keys, size_t n, kz_arena *a,
                                   kz_indicator *out, kz_rc *found, kz_err *err)
{
    for (size_t i = 0; i < n; i++)
        found[i] = KZ_ENOTFOUND;
    kz_rc rc = KZ_OK;
    for (size_t i = 0; !rc && i < n;) {
        unsigned k = 0;
        while (insert_sizes[k] > n - i)
            k++;
        rc = find_rows(db, keys + i, insert_sizes[k], a, out + i, found + i, err);
        i += insert_sizes[k];
    }
    return rc;
}

static bool same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_list(const kz_strlist *a, const kz_strlist *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->v[i], b->v[i]) != 0)
            return false;
    return true;
}

/* UPSERT_SQL's WHERE clause, clause by clause, in C (keep the two in step; test_sharing
 * compares them on random rows): each given field equal to the stored one, the seen
 * times inside the stored ones, context_only not to be cleared. */
bool kz_store_indicator_unchanged(const kz_indicator *stored, const kz_indicator *o, unsigned given)
{
    return (!(given & KZ_GIVEN_TLP) || o->tlp == stored->tlp) &&
           (!(given & KZ_GIVEN_RECIPIENTS) || same_list(&o->recipients, &stored->recipients)) &&
           (!(given & KZ_GIVEN_ALLOW_CLIENTS) || o->allow_clients == stored->allow_clients) &&
           (!(given & KZ_GIVEN_CONFIDENCE) || o->confidence == stored->confidence) &&
           (!(given & KZ_GIVEN_FIRST_SEEN) || (o->first_seen && stored->first_seen <= o->first_seen)) &&
           (!(given & KZ_GIVEN_LAST_SEEN) || (o->last_seen && stored->last_seen >= o->last_seen)) &&
           (!(given & KZ_GIVEN_VALID_UNTIL) || o->valid_until == stored->valid_until) &&
           (!(given & KZ_GIVEN_DESCRIPTION) || same_text(o->description, stored->description)) &&
           (!(given & KZ_GIVEN_CONTEXT_ONLY) || !stored->context_only || o->context_only);
}

kz_rc kz_store_indicator_update(kz_db *db, const kz_indicator *o, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "UPDATE indicators SET (" INDICATOR_COLS ") ="
                                   " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18),"
                                   " date_added = -1 WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    if (kz__bind_fields(s, 1, &kz_indicator_schema, o) < 0) {
        kz__done(s);
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    }
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_indicator_link(kz_db *db, const char *indicator, const char *incident, bool *added,
                              kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT OR IGNORE INTO indicator_incidents (indicator, incident) VALUES (?1, ?2)", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, indicator, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, incident, -1, SQLITE_TRANSIENT);
    kz_rc rc = kz__exec_stmt(db, s, err);
    if (added)
        *added = !rc && sqlite3_changes(db->h) > 0;
    return rc;
}

kz_rc kz_store_indicator_set_links(kz_db *db, const kz_viewer *v, const char *indicator,
                                   const kz_strlist *list, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "DELETE FROM indicator_incidents WHERE indicator = ?1 AND incident IN"
                                   " (SELECT id FROM incidents"
                                   "  WHERE kz_visible(?2, tlp, organization, recipients, allow_clients, exercise))", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, indicator, -1, SQLITE_TRANSIENT);
    kz__bind_viewer(s, 2, v);
    kz_rc rc = kz__exec_stmt(db, s, err);
    for (size_t i = 0; !rc && i < list->n; i++)
        rc = kz_store_indicator_link(db, indicator, list->v[i], NULL, err);
    return rc;
}

/* Row layout of every indicator read: n, the stored columns, then the incidents. */
static int read_indicator(sqlite3_stmt *s, void *item, kz_arena *a)
{
    kz_indicator *o = item;
    int col = kz__read_fields(s, 1, &kz_indicator_schema, o, a);
    return col < 0 ? -1 : kz__col_list(s, col, &o->incidents, a);
}

kz_rc kz_store_indicator_get(kz_db *db, const kz_viewer *v, const char *id, kz_arena *a,
                             kz_indicator *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, " INDICATOR_COLS ", " INDICATOR_INCIDENTS
                                   " FROM indicators WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    kz__bind_viewer(s, 3, v);
    return kz__get_row(db, s, read_indicator, out, a, "indicator", id, err);
}

/* Filter fragments with fixed parameter numbers (?1 after, ?2 limit, ?3 viewer). A
 * value prefix is searched through the (type, value, source) index, hence the list of
 * every type in front of the range. */
enum { X_TYPE, X_TLP, X_SOURCE, X_INCIDENT, X_Q, X_SINCE, X_UNTIL, X_ACTIVE, X_DETECT, X_REAL, X_EXERCISE, X_FRAG_BITS };
static const char *const indicator_frags[] = {
    [X_TYPE] = "type = ?4",
    [X_TLP] = "tlp = ?5",
    [X_SOURCE] = "source = ?6",
    /* linked to the incident only when the viewer may see it: a hidden incident filters
     * like one that does not exist */
    [X_INCIDENT] = "id IN (SELECT l.indicator FROM indicator_incidents l JOIN incidents i ON i.id = l.incident"
                   " WHERE l.incident = ?7 AND kz_visible(?3, i.tlp, i.organization, i.recipients, i.allow_clients, i.exercise))",
    [X_Q] = NULL, /* composed in with_types() */
    [X_SINCE] = "last_seen >= ?11",
    [X_UNTIL] = "last_seen < ?12",
    [X_ACTIVE] = "(valid_until IS NULL OR valid_until > ?13)",
    [X_DETECT] = "context_only = 0",
    [X_REAL] = "exercise IS NULL",
    [X_EXERCISE] = "exercise = ?14",
};

/* The q fragment: "((type IN ('ipv4', ...) AND value >= ?8 AND value < ?9) OR
 * registrable = ?10)", the type names coming from the normalizer's static table. */
static const char *q_fragment(char *buf, size_t size)
{
    size_t o = (size_t)snprintf(buf, size, "((type IN (");
    for (int i = 0; i < kz_ind_type_enum.count && o < size; i++)
        o += (size_t)snprintf(buf + o, size - o, "%s'%s'", i ? ", " : "", kz_ind_type_enum.values[i]);
    if (o < size)
        snprintf(buf + o, size - o, ") AND value >= ?8 AND value < ?9) OR registrable = ?10)");
    return buf;
}

static const char *compose_with(char *buf, size_t size, const char *head, unsigned mask, const char *tail,
                                const char *type_frag)
{
    const char *frags[X_FRAG_BITS];
    char q[512];
    memcpy(frags, indicator_frags, sizeof frags);
    frags[X_Q] = q_fragment(q, sizeof q);
    frags[X_TYPE] = type_frag;
    return kz__compose(buf, size, head, frags, mask, tail);
}

static const char *compose(char *buf, size_t size, const char *head, unsigned mask, const char *tail)
{
    return compose_with(buf, size, head, mask, tail, indicator_frags[X_TYPE]);
}

/* Bound values of one filter, kept alive until the statement has run. */
typedef struct ind_binding {
    char *q_end;     /* q followed by 0xFF: above every UTF-8 string starting with q */
    char *q_lower;   /* q in ASCII lower case, for the registrable domain */
} ind_binding;

static unsigned indicator_mask(const kz_indicator_filter *f)
{
    return (f->type ? 1u << X_TYPE : 0) | (f->tlp ? 1u << X_TLP : 0) | (f->source ? 1u << X_SOURCE : 0) |
           (f->incident ? 1u << X_INCIDENT : 0) | (f->q ? 1u << X_Q : 0) |
           (f->since ? 1u << X_SINCE : 0) | (f->until ? 1u << X_UNTIL : 0) |
           (f->active_at ? 1u << X_ACTIVE : 0) | (f->detect_only ? 1u << X_DETECT : 0) |
           (f->real_work ? 1u << X_REAL : 0) | (f->exercise ? 1u << X_EXERCISE : 0);
}

static kz_rc indicator_bind(sqlite3_stmt *s, const kz_viewer *v, const kz_indicator_filter *f,
                            kz_arena *a, kz_err *err)
{
    kz__bind_viewer(s, 3, v);
    kz__bind_text(s, 4, f->type);
    kz__bind_text(s, 5, f->tlp);
    kz__bind_text(s, 6, f->source);
    kz__bind_text(s, 7, f->incident);
    if (f->q) {
        size_t n = strlen(f->q);
        char *end = kz_arena_alloc(a, n + 2), *lower = kz_arena_strdup(a, f->q);
        if (!end || !lower)
            return kz_fail(err, KZ_ENOMEM, NULL, NULL);
        memcpy(end, f->q, n);
        end[n] = (char)0xFF;
        end[n + 1] = '\0';
        for (char *p = lower; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p + 32);
        sqlite3_bind_text(s, 8, f->q, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 9, end, (int)n + 1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 10, lower, -1, SQLITE_TRANSIENT);
    }
    sqlite3_bind_int64(s, 11, f->since);
    sqlite3_bind_int64(s, 12, f->until);
    sqlite3_bind_int64(s, 13, f->active_at);
    kz__bind_text(s, 14, f->exercise);
    return KZ_OK;
}

static const char indicator_list_key;

static const char *indicator_list_sql(unsigned mask, char *buf, size_t size)
{
    /* a page by type reads on in row order from its cursor (+type: not through the
     * (type, value, source) index, which would read and sort every row of the type for
     * every page) */
    return compose_with(buf, size, "SELECT n, " INDICATOR_COLS ", " INDICATOR_INCIDENTS
                        " FROM indicators WHERE n > ?1 AND " INDICATOR_VISIBLE, mask, "ORDER BY n LIMIT ?2",
                        "+type = ?4");
}

kz_rc kz_store_indicator_list(kz_db *db, const kz_viewer *v, const kz_indicator_filter *f,
                              const kz_page *pg, kz_arena *a, kz_indicator_page *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt_variant(db, &indicator_list_key, indicator_mask(f), indicator_list_sql, err);
    if (!s)
        return KZ_ESTORE;
    kz_rc rc = indicator_bind(s, v, f, a, err);
    if (rc) {
        kz__done(s);
        return rc;
    }
    void *items = NULL;
    rc = kz__page_run(db, s, pg, sizeof(kz_indicator), read_indicator, a, &items, &out->n, out->next, err);
    out->items = items;
    return rc;
}

static const char indicator_counts_key;

static const char *indicator_counts_sql(unsigned variant, char *buf, size_t size)
{
    char head[256];
    snprintf(head, sizeof head, "SELECT %s, count(*) FROM indicators WHERE exercise IS NULL AND " INDICATOR_VISIBLE,
             kz_indicator_dim_names[variant >> X_FRAG_BITS]);
    return compose(buf, size, head, variant & ((1u << X_FRAG_BITS) - 1), "GROUP BY 1 ORDER BY 2 DESC, 1");
}

kz_rc kz_store_indicator_counts(kz_db *db, const kz_viewer *v, const kz_indicator_filter *f,
                                kz_indicator_dim by, kz_arena *a, kz_counts *out, kz_err *err)
{
    unsigned variant = indicator_mask(f) | (unsigned)by << X_FRAG_BITS;
    sqlite3_stmt *s = kz__stmt_variant(db, &indicator_counts_key, variant, indicator_counts_sql, err);
    if (!s)
        return KZ_ESTORE;
    kz_rc rc = indicator_bind(s, v, f, a, err);
    if (rc) {
        kz__done(s);
        return rc;
    }
    return kz__counts_run(db, s, a, out, err);
}

static const char indicator_each_key;

static const char *indicator_each_sql(unsigned mask, char *buf, size_t size)
{
    return compose(buf, size, "SELECT n, " INDICATOR_COLS ", " INDICATOR_INCIDENTS
                   " FROM indicators WHERE " INDICATOR_VISIBLE, mask, "ORDER BY n");
}

kz_rc kz_store_indicator_each(kz_db *db, const kz_viewer *v, const kz_indicator_filter *f,
                              kz_indicator_fn fn, void *ctx, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt_variant(db, &indicator_each_key, indicator_mask(f), indicator_each_sql, err);
    if (!s)
        return KZ_ESTORE;
    kz_arena binds;
    kz_arena_init(&binds);
    kz_indicator o;
    kz__rows it = kz__rows_begin(db, s, err);
    kz_rc rc = indicator_bind(s, v, f, &binds, err);
    while (!rc && kz__rows_next(&it, read_indicator, &o))
        rc = fn(&o, ctx);
    rc = kz__rows_end(&it, rc);
    kz_arena_free(&binds);
    return rc;
}
