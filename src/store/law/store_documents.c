/* The policy library in SQLite: document versions, stored copies, and search through
 * documents_fts (FTS5 trigram, so that a Japanese word is found inside a sentence). */
#include "store/law/documents.h"
#include "store/core/store_internal.h"
#include "store/core/store_page.h"

#include <string.h>

#define DOC_COLS                                                                           \
    "id, version, created, modified, organization, state, issuing_body, type, title, title_en," \
    " summary, languages, translation, status, adopted, in_force, review_due, source_url,"  \
    " citation, topics, norms, cbms, sectors, amends, supersedes, implements, provenance,"   \
    " text, file_name, file_type, file_size, sha256, hash, tlp, recipients, allow_clients"
#define DOC_PARAMS                                                                         \
    "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19," \
    " ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36"
#define DOC_VISIBLE "kz_visible(?3, tlp, organization, recipients, allow_clients)"
#define DOC_LATEST                                                                         \
    "NOT EXISTS (SELECT 1 FROM documents x WHERE x.id = documents.id AND x.version > documents.version)"
#define IN_LIST(col, param) "instr(char(10) || " col " || char(10), char(10) || " param " || char(10)) > 0"

kz_rc kz_store_document_insert(kz_db *db, const kz_document *o, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO documents (" DOC_COLS ") VALUES (" DOC_PARAMS ")", err);
    if (!s)
        return KZ_ESTORE;
    if (kz__bind_fields(s, 1, &kz_document_schema, o) < 0) {
        kz__done(s);
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    }
    return kz__exec_stmt(db, s, err);
}

static int read_document(sqlite3_stmt *s, void *item, kz_arena *a)
{
    return kz__read_fields(s, 1, &kz_document_schema, item, a) < 0 ? -1 : 0;
}

kz_rc kz_store_document_get(kz_db *db, const char *id, int64_t version, kz_arena *a, kz_document *out,
                            kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, " DOC_COLS " FROM documents WHERE id = ?1"
                                   " AND (?2 = 0 OR version = ?2) ORDER BY version DESC LIMIT 1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, version);
    return kz__get_row(db, s, read_document, out, a, "document", id, err);
}

/* Steps s to the end, reading every row into a growing array in a. */
static kz_rc collect(kz_db *db, sqlite3_stmt *s, size_t max, kz_arena *a, kz_document **items, size_t *n,
                     kz_err *err)
{
    *n = 0;
    *items = kz_arena_calloc(a, max ? max : 1, sizeof **items);
    if (!*items) {
        kz__done(s);
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    }
    int rc;
    while (*n < max && (rc = sqlite3_step(s)) == SQLITE_ROW)
        if (read_document(s, &(*items)[(*n)++], a) < 0) {
            kz__done(s);
            return kz_fail(err, KZ_ENOMEM, NULL, NULL);
        }
    if (*n == max)
        rc = SQLITE_DONE;
    kz__done(s);
    return rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

kz_rc kz_store_document_versions(kz_db *db, const kz_viewer *v, const char *id, size_t max, kz_arena *a,
                                 kz_document **items, size_t *n, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, " DOC_COLS " FROM documents WHERE id = ?1 AND " DOC_VISIBLE
                                   " ORDER BY version", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    kz__bind_viewer(s, 3, v);
    return collect(db, s, max, a, items, n, err);
}

/* Filter fragments; fixed parameter numbers (?1 after, ?2 limit, ?3 viewer). */
enum { D_STATE, D_TYPE, D_STATUS, D_TOPIC, D_NORM, D_TLP, D_MATCH, D_LIKE };
#define LIKE_Q(col, p) col " LIKE " p " ESCAPE '\\'"
#define LIKE_FRAG(p)                                                                       \
    ("n IN (SELECT rowid FROM documents_fts WHERE " LIKE_Q("title", p) " OR " LIKE_Q("title_en", p) \
     " OR " LIKE_Q("summary", p) " OR " LIKE_Q("text", p) ")")
static const char *const document_frags[] = {
    [D_STATE] = "state = ?4",
    [D_TYPE] = "type = ?5",
    [D_STATUS] = "status = ?6",
    [D_TOPIC] = IN_LIST("topics", "?7"),
    [D_NORM] = IN_LIST("norms", "?8"),
    [D_TLP] = "tlp = ?9",
    [D_MATCH] = "n IN (SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?10)",
    [D_LIKE] = LIKE_FRAG("?11"),
    [D_LIKE + 1] = LIKE_FRAG("?12"),
    [D_LIKE + 2] = LIKE_FRAG("?13"),
};

/* The words of a query: those of three characters or more as trigram phrases, all of
 * which must occur (match); a shorter word cannot be found through trigrams, so each
 * (at most KZ_DOC_SHORT_WORDS) is looked for as a substring instead (like, a scan). */
typedef struct search_terms {
    char *match;
    char *like[KZ_DOC_SHORT_WORDS];
    int n_like;
} search_terms;

static char *like_pattern(const char *w, size_t n, kz_arena *a)
{
    char *l = kz_arena_alloc(a, n * 2 + 3);
    if (!l)
        return NULL;
    size_t k = 0;
    l[k++] = '%';
    for (size_t i = 0; i < n; i++) {
        if (w[i] == '%' || w[i] == '_' || w[i] == '\\')
            l[k++] = '\\';
        l[k++] = w[i];
    }
    l[k++] = '%';
    l[k] = '\0';
    return l;
}

static kz_rc split_terms(const char *q, kz_arena *a, search_terms *out, kz_err *err)
{
    size_t len = strlen(q), o = 0;
    char *m = kz_arena_alloc(a, len * 2 + 8);
    if (!m)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < len;) {
        while (i < len && (q[i] == ' ' || q[i] == '\t'))
            i++;
        size_t start = i, chars = 0;
        for (; i < len && q[i] != ' ' && q[i] != '\t'; i++)
            chars += ((unsigned char)q[i] & 0xC0) != 0x80;
        if (i == start)
            break;
        if (chars < 3) {
            if (out->n_like == KZ_DOC_SHORT_WORDS)
                return kz_fail(err, KZ_EINVAL, "q", "at most %d words of one or two characters in a search",
                               KZ_DOC_SHORT_WORDS);
            if (!(out->like[out->n_like++] = like_pattern(q + start, i - start, a)))
                return kz_fail(err, KZ_ENOMEM, NULL, NULL);
            continue;
        }
        if (o)
            m[o++] = ' ';
        m[o++] = '"';
        for (size_t k = start; k < i; k++) {
            if (q[k] == '"')
                m[o++] = '"';
            m[o++] = q[k];
        }
        m[o++] = '"';
    }
    m[o] = '\0';
    out->match = o ? m : NULL;
    return KZ_OK;
}

static const char document_list_key;

static const char *document_list_sql(unsigned mask, char *buf, size_t size)
{
    return kz__compose(buf, size, "SELECT n, " DOC_COLS " FROM documents WHERE n > ?1 AND " DOC_LATEST
                       " AND " DOC_VISIBLE, document_frags, mask, "ORDER BY n LIMIT ?2");
}

kz_rc kz_store_document_list(kz_db *db, const kz_viewer *v, const kz_document_filter *f, const kz_page *pg,
                             kz_arena *a, kz_document_page *out, kz_err *err)
{
    search_terms st = {0};
    kz_rc rc = f->q ? split_terms(f->q, a, &st, err) : KZ_OK;
    if (rc)
        return rc;
    unsigned mask = (f->state ? 1u << D_STATE : 0) | (f->type ? 1u << D_TYPE : 0) |
                    (f->status ? 1u << D_STATUS : 0) | (f->topic ? 1u << D_TOPIC : 0) |
                    (f->norm ? 1u << D_NORM : 0) | (f->tlp ? 1u << D_TLP : 0) |
                    (st.match ? 1u << D_MATCH : 0);
    for (int i = 0; i < st.n_like; i++)
        mask |= 1u << (D_LIKE + i);
    sqlite3_stmt *s = kz__stmt_variant(db, &document_list_key, mask, document_list_sql, err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_viewer(s, 3, v);
    kz__bind_text(s, 4, f->state);
    kz__bind_text(s, 5, f->type);
    kz__bind_text(s, 6, f->status);
    kz__bind_text(s, 7, f->topic);
    kz__bind_text(s, 8, f->norm);
    kz__bind_text(s, 9, f->tlp);
    kz__bind_text(s, 10, st.match);
    for (int i = 0; i < KZ_DOC_SHORT_WORDS; i++)
        kz__bind_text(s, 11 + i, st.like[i]);
    void *items = NULL;
    rc = kz__page_run(db, s, pg, sizeof(kz_document), read_document, a, &items, &out->n, out->next, err);
    out->items = items;
    return rc;
}

kz_rc kz_store_document_each(kz_db *db, const kz_viewer *v, int (*fn)(void *ctx, const kz_document *o),
                             void *ctx, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, " DOC_COLS " FROM documents WHERE " DOC_VISIBLE " ORDER BY n", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_viewer(s, 3, v);
    kz_document o = {0};
    kz__rows it = kz__rows_begin(db, s, err);
    int stop = 0;
    while (!stop && kz__rows_next(&it, read_document, &o))
        stop = fn(ctx, &o);
    return kz__rows_end(&it, KZ_OK);
}

kz_rc kz_store_document_file_put(kz_db *db, const char *sha256, const void *data, size_t size, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO document_files (sha256, size, content) VALUES (?1, ?2, ?3)"
                                   " ON CONFLICT (sha256) DO NOTHING", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, sha256, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)size);
    sqlite3_bind_blob64(s, 3, size ? data : "", size, SQLITE_STATIC);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_document_file_get(kz_db *db, const char *sha256, kz_arena *a, const void **data, size_t *size,
                                 kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT content FROM document_files WHERE sha256 = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, sha256, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    kz_rc r = KZ_OK;
    if (rc == SQLITE_ROW) {
        *size = (size_t)sqlite3_column_bytes(s, 0);
        void *p = kz_arena_alloc(a, *size ? *size : 1);
        if (p)
            memcpy(p, sqlite3_column_blob(s, 0), *size);
        else
            r = kz_fail(err, KZ_ENOMEM, NULL, NULL);
        *data = p;
    } else if (rc == SQLITE_DONE) {
        r = kz_fail(err, KZ_ENOTFOUND, "file", "no stored copy %.64s", sha256);
    } else {
        r = kz__sqlerr(db, rc, err);
    }
    kz__done(s);
    return r;
}

/* ---- national surveys ----------------------------------------------------------------- */

#define SURVEY_COLS                                                                        \
    "id, version, created, modified, organization, state, period, international_law, norm_a, norm_b," \
    " norm_c, norm_d, norm_e, norm_f, norm_g, norm_h, norm_i, norm_j, norm_k, cbms, capacity_building," \
    " document"

kz_rc kz_store_survey_insert(kz_db *db, const kz_survey *o, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO surveys (" SURVEY_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
                                   " ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)", err);
    if (!s)
        return KZ_ESTORE;
    if (kz__bind_fields(s, 1, &kz_survey_schema, o) < 0) {
        kz__done(s);
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    }
    return kz__exec_stmt(db, s, err);
}

static int read_survey(sqlite3_stmt *s, void *item, kz_arena *a)
{
    return kz__read_fields(s, 1, &kz_survey_schema, item, a) < 0 ? -1 : 0;
}

kz_rc kz_store_survey_get(kz_db *db, const char *id, int64_t version, kz_arena *a, kz_survey *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, " SURVEY_COLS " FROM surveys WHERE id = ?1"
                                   " AND (?2 = 0 OR version = ?2) ORDER BY version DESC LIMIT 1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, version);
    return kz__get_row(db, s, read_survey, out, a, "survey", id, err);
}

kz_rc kz_store_survey_versions(kz_db *db, const char *id, const kz_page *pg, kz_arena *a, kz_survey_page *out,
                               kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, " SURVEY_COLS " FROM surveys WHERE n > ?1 AND id = ?3"
                                   " ORDER BY n LIMIT ?2", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 3, id);
    void *items = NULL;
    kz_rc rc = kz__page_run(db, s, pg, sizeof(kz_survey), read_survey, a, &items, &out->n, out->next, err);
    out->items = items;
    return rc;
}

kz_rc kz_store_survey_list(kz_db *db, const char *org, const kz_page *pg, kz_arena *a, kz_survey_page *out,
                           kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, " SURVEY_COLS " FROM surveys WHERE n > ?1 AND organization = ?3"
                                   " AND NOT EXISTS (SELECT 1 FROM surveys x WHERE x.id = surveys.id"
                                   " AND x.version > surveys.version) ORDER BY n LIMIT ?2", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 3, org);
    void *items = NULL;
    kz_rc rc = kz__page_run(db, s, pg, sizeof(kz_survey), read_survey, a, &items, &out->n, out->next, err);
    out->items = items;
    return rc;
}
