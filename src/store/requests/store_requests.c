/* Requests in SQLite: the wide requests table (one column per field of every kind, so
 * that the sqlite3 shell reads it), links, the append-only record and attachments. */
#include "store/requests/requests.h"

#include "store/core/store_page.h"

#include <string.h>

#define REQ_COLS                                                                           \
    "id, created, kind, from_organization, from_state, from_contact, to_organization,"     \
    " to_state, to_contact, urgency, tlp, subject, description, norm, sector,"             \
    " incident_class, impact, assistance_requested, actions_taken, window_start,"          \
    " window_end, activity, sources, evidence, action_requested, responsibility,"          \
    " share_responsibility, authority, offence, facts, stored_data, data_relevance,"       \
    " custodian, necessity, mla_intent, preservation_days, questions, modified, status,"   \
    " sent_at, responded_at, acknowledged_at, answered_at, closed_at, ack_due, answer_due," \
    " preserve_until, escalation_level, escalation_role, entries, head_hash, exercise"
#define REQ_PARAMS                                                                          \
    "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19," \
    " ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36," \
    " ?37, ?38, ?39, ?40, ?41, ?42, ?43, ?44, ?45, ?46, ?47, ?48, ?49, ?50, ?51, ?52"

#define OVERDUE_SQL                                                                        \
    "((status = 'sent' AND ack_due < ?9) OR"                                               \
    " (status IN ('sent', 'acknowledged', 'in-progress') AND answer_due < ?9))"

/* The id of a request as a sub-select, for tables keyed by the request's row number. */
#define REQ_N "(SELECT n FROM requests WHERE id = ?1)"

static kz_rc write_request(kz_db *db, const char *sql, const kz_request *r, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, sql, err);
    if (!s)
        return KZ_ESTORE;
    if (kz__bind_fields(s, 1, &kz_request_schema, r) < 0)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_request_insert(kz_db *db, const kz_request *r, kz_err *err)
{
    return write_request(db, "INSERT INTO requests (" REQ_COLS ") VALUES (" REQ_PARAMS ")", r, err);
}

kz_rc kz_store_request_update(kz_db *db, const kz_request *r, kz_err *err)
{
    kz_rc rc = write_request(db, "UPDATE requests SET (" REQ_COLS ") = (" REQ_PARAMS ") WHERE id = ?1", r, err);
    if (!rc && sqlite3_changes(db->h) == 0)
        rc = kz_fail(err, KZ_ENOTFOUND, "request", "no request %.40s", r->id);
    return rc;
}

/* Links of one request, in the order they were given. */
static kz_rc read_links(kz_db *db, const char *id, kz_request *r, kz_arena *a, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT type, ref, (SELECT count(*) FROM request_links x"
                                   " WHERE x.request_n = l.request_n AND x.type = l.type)"
                                   " FROM request_links l WHERE request_n = " REQ_N
                                   " ORDER BY type, pos", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    r->incidents = (kz_strlist){0};
    r->indicators = (kz_strlist){0};
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(s, 0);
        kz_strlist *l = strcmp(type, "incident") == 0 ? &r->incidents : &r->indicators;
        if (!l->v && !(l->v = kz_arena_calloc(a, (size_t)sqlite3_column_int64(s, 2), sizeof *l->v)))
            break;
        if (!(l->v[l->n++] = kz__col_text(s, 1, a)))
            break;
    }
    kz__done(s);
    if (rc == SQLITE_ROW)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    return rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

kz_rc kz_store_request_get(kz_db *db, const char *id, kz_time now, kz_arena *a, kz_request *out,
                           kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT n, " REQ_COLS " FROM requests WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    kz_rc r = KZ_OK;
    if (rc == SQLITE_ROW)
        r = kz__read_fields(s, 1, &kz_request_schema, out, a) < 0 ? kz_fail(err, KZ_ENOMEM, NULL, NULL) : KZ_OK;
    else if (rc == SQLITE_DONE)
        r = kz_fail(err, KZ_ENOTFOUND, "request", "no request %.40s", id);
    else
        r = kz__sqlerr(db, rc, err);
    kz__done(s);
    if (!r)
        r = read_links(db, id, out, a, err);
    if (!r)
        out->overdue = kz_request_is_overdue(out, now);
    return r;
}

/* ---- lists ------------------------------------------------------------------------------ */

enum { R_F_FROM, R_F_TO, R_F_STATUS, R_F_KIND, R_F_URGENCY, R_F_STATE_FROM, R_F_STATE_TO,
       R_F_STATE_ANY, R_F_OVERDUE, R_F_ON_TIME };
static const char *const request_frags[] = {
    [R_F_FROM] = "from_organization = ?3",
    [R_F_TO] = "to_organization = ?4",
    [R_F_STATUS] = "status = ?5",
    [R_F_KIND] = "kind = ?6",
    [R_F_URGENCY] = "urgency = ?7",
    [R_F_STATE_FROM] = "from_state = ?8",
    [R_F_STATE_TO] = "to_state = ?8",
    [R_F_STATE_ANY] = "(from_state = ?8 OR to_state = ?8)",
    [R_F_OVERDUE] = OVERDUE_SQL,
    [R_F_ON_TIME] = "NOT " OVERDUE_SQL,
};
static const char request_list_key;

/* The first columns after n are what the visibility callback looks at. */
enum { L_TLP = 1, L_FROM, L_TO, L_SENT, L_EXERCISE, L_FIELDS };

static const char *request_list_sql(unsigned mask, char *buf, size_t size)
{
    return kz__compose(buf, size, "SELECT n, tlp, from_organization, to_organization, sent_at, exercise, " REQ_COLS
                       " FROM requests WHERE n > ?1", request_frags, mask, "ORDER BY n LIMIT ?2");
}

typedef struct list_ctx {
    kz_request_visible_fn visible;
    void *ctx;
} list_ctx;

static bool keep_row(sqlite3_stmt *s, void *p)
{
    list_ctx *l = p;
    int tlp = kz_enum_parse(&kz_tlp_enum, (const char *)sqlite3_column_text(s, L_TLP));
    return l->visible(l->ctx, tlp, (const char *)sqlite3_column_text(s, L_FROM),
                      (const char *)sqlite3_column_text(s, L_TO), sqlite3_column_int64(s, L_SENT),
                      (const char *)sqlite3_column_text(s, L_EXERCISE));
}

static int read_listed(sqlite3_stmt *s, void *item, kz_arena *a)
{
    return kz__read_fields(s, L_FIELDS, &kz_request_schema, item, a) < 0 ? -1 : 0;
}

kz_rc kz_store_request_list(kz_db *db, const kz_request_filter *f, kz_request_visible_fn visible,
                            void *ctx, const kz_page *pg, kz_arena *a, kz_request_page *out,
                            kz_err *err)
{
    unsigned mask = (f->from_org ? 1u << R_F_FROM : 0) | (f->to_org ? 1u << R_F_TO : 0) |
                    (f->status ? 1u << R_F_STATUS : 0) | (f->kind ? 1u << R_F_KIND : 0) |
                    (f->urgency ? 1u << R_F_URGENCY : 0);
    if (f->state)
        mask |= 1u << (f->to_org && !f->from_org ? R_F_STATE_FROM
                       : f->from_org && !f->to_org ? R_F_STATE_TO : R_F_STATE_ANY);
    if (f->overdue >= 0)
        mask |= 1u << (f->overdue ? R_F_OVERDUE : R_F_ON_TIME);
    sqlite3_stmt *s = kz__stmt_variant(db, &request_list_key, mask, request_list_sql, err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 3, f->from_org);
    kz__bind_text(s, 4, f->to_org);
    kz__bind_text(s, 5, f->status);
    kz__bind_text(s, 6, f->kind);
    kz__bind_text(s, 7, f->urgency);
    kz__bind_text(s, 8, f->state);
    sqlite3_bind_int64(s, 9, f->now);
    list_ctx l = {visible, ctx};
    void *items = NULL;
    kz_rc rc = kz__page_run_if(db, s, pg, sizeof(kz_request), read_listed, keep_row, &l, a, &items,
                               &out->n, out->next, err);
    out->items = items;
    for (size_t i = 0; !rc && i < out->n; i++)
        out->items[i].overdue = kz_request_is_overdue(&out->items[i], f->now);
    return rc;
}

/* ---- links, record, attachments -------------------------------------------------------- */

kz_rc kz_store_request_links_set(kz_db *db, const char *request_id, const char *type,
                                 const kz_strlist *refs, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "DELETE FROM request_links WHERE request_n = " REQ_N " AND type = ?2", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, request_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, type, -1, SQLITE_STATIC);
    kz_rc rc = kz__exec_stmt(db, s, err);
    for (size_t i = 0; !rc && i < refs->n; i++) {
        s = kz__stmt(db, "INSERT INTO request_links (request_n, type, ref, pos) VALUES (" REQ_N ", ?2, ?3, ?4)", err);
        if (!s)
            return KZ_ESTORE;
        sqlite3_bind_text(s, 1, request_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 2, type, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, refs->v[i], -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 4, (sqlite3_int64)i);
        rc = kz__exec_stmt(db, s, err);
    }
    return rc;
}

kz_rc kz_store_request_entry_append(kz_db *db, const char *request_id, const kz_request_entry *e,
                                    kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO request_entries (request_n, seq, at, actor_org, action,"
                                   " body, hash, signature) VALUES (" REQ_N ", ?2, ?3, ?4, ?5, ?6, ?7, ?8)", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, request_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, e->seq);
    sqlite3_bind_int64(s, 3, e->at);
    kz__bind_text(s, 4, e->actor_org);
    kz__bind_text(s, 5, e->action);
    kz__bind_text(s, 6, e->body);
    kz__bind_text(s, 7, e->hash);
    kz__bind_text(s, 8, e->signature);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_request_supersede_after(kz_db *db, const char *request_id, int64_t keep, kz_time now, kz_err *err)
{
    static const char *const sql[] = {
        ("INSERT INTO request_rebase (request_n) VALUES (" REQ_N ")"),
        ("INSERT INTO request_superseded (request_n, seq, at, actor_org, action, body, hash, signature, superseded)"
         " SELECT request_n, seq, at, actor_org, action, body, hash, signature, ?3 FROM request_entries"
         " WHERE request_n = " REQ_N " AND seq > ?2"),
        /* their files go aside with them: entry_seq -N is the file of superseded entry N */
        ("UPDATE request_attachments SET entry_seq = -entry_seq WHERE request_n = " REQ_N " AND entry_seq > ?2"),
        ("DELETE FROM request_entries WHERE request_n = " REQ_N " AND seq > ?2"),
        ("DELETE FROM request_rebase WHERE request_n = " REQ_N),
    };
    for (size_t i = 0; i < sizeof sql / sizeof *sql; i++) {
        sqlite3_stmt *s = kz__stmt(db, sql[i], err);
        if (!s)
            return KZ_ESTORE;
        sqlite3_bind_text(s, 1, request_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 2, keep);
        sqlite3_bind_int64(s, 3, now);
        kz_rc rc = kz__exec_stmt(db, s, err);
        if (rc)
            return rc;
    }
    return KZ_OK;
}

static int read_entry(sqlite3_stmt *s, void *item, kz_arena *a)
{
    kz_request_entry *e = item;
    e->seq = sqlite3_column_int64(s, 0);
    e->at = sqlite3_column_int64(s, 1);
    e->actor_org = kz__col_text(s, 2, a);
    e->action = kz__col_text(s, 3, a);
    e->body = kz__col_text(s, 4, a);
    e->hash = kz__col_text(s, 5, a);
    e->signature = kz__col_text(s, 6, a);
    return e->action && e->body && e->hash && e->signature ? 0 : -1;
}

kz_rc kz_store_request_entries(kz_db *db, const char *request_id, kz_arena *a,
                               kz_request_entry **items, size_t *n, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT seq, at, actor_org, action, body, hash, signature"
                                   " FROM request_entries WHERE request_n = " REQ_N " ORDER BY seq", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, request_id, -1, SQLITE_TRANSIENT);
    kz_rc rc = kz__collect_rows(db, s, sizeof **items, read_entry, a, (void **)items, n, err);
    if (!rc && !*items && !(*items = kz_arena_calloc(a, 1, sizeof **items))) /* never NULL, even empty */
        rc = kz_fail(err, KZ_ENOMEM, NULL, NULL);
    return rc;
}

kz_rc kz_store_attachment_insert(kz_db *db, const char *request_id, const kz_attachment *at,
                                 kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "INSERT INTO request_attachments (request_n, id, entry_seq, name,"
                                   " media_type, size, sha256, content)"
                                   " VALUES (" REQ_N ", ?2, ?3, ?4, ?5, ?6, ?7, ?8)", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, request_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, at->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 3, at->entry);
    sqlite3_bind_text(s, 4, at->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 5, at->media_type, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 6, at->size);
    sqlite3_bind_text(s, 7, at->sha256, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob64(s, 8, at->data ? (const void *)at->data : "", (sqlite3_uint64)at->size, SQLITE_STATIC);
    return kz__exec_stmt(db, s, err);
}

#define ATT_COLS "id, entry_seq, name, media_type, size, sha256"

static int read_attachment(sqlite3_stmt *s, void *item, kz_arena *a)
{
    kz_attachment *at = item;
    at->id = kz__col_text(s, 0, a);
    at->entry = sqlite3_column_int64(s, 1);
    at->name = kz__col_text(s, 2, a);
    at->media_type = kz__col_text(s, 3, a);
    at->size = sqlite3_column_int64(s, 4);
    at->sha256 = kz__col_text(s, 5, a);
    at->data = NULL;
    return at->id && at->name && at->media_type && at->sha256 ? 0 : -1;
}

kz_rc kz_store_attachments(kz_db *db, const char *request_id, kz_arena *a, kz_attachment **items,
                           size_t *n, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT " ATT_COLS " FROM request_attachments"
                                   " WHERE request_n = " REQ_N " AND entry_seq > 0 ORDER BY n", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, request_id, -1, SQLITE_TRANSIENT);
    return kz__collect_rows(db, s, sizeof **items, read_attachment, a, (void **)items, n, err);
}

kz_rc kz_store_attachment_get(kz_db *db, const char *request_id, const char *id, kz_arena *a,
                              kz_attachment *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT " ATT_COLS ", content FROM request_attachments"
                                   " WHERE request_n = " REQ_N " AND id = ?2 AND entry_seq > 0", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, request_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    kz_rc r = KZ_OK;
    if (rc == SQLITE_ROW) {
        size_t len = (size_t)sqlite3_column_bytes(s, 6);
        const void *blob = sqlite3_column_blob(s, 6);
        if (read_attachment(s, out, a) || !(out->data = kz_arena_memdup(a, blob ? blob : "", len ? len : 1)))
            r = kz_fail(err, KZ_ENOMEM, NULL, NULL);
        out->size = (int64_t)len;
    } else if (rc == SQLITE_DONE) {
        r = kz_fail(err, KZ_ENOTFOUND, "attachment", "no attachment %.40s on this request", id);
    } else {
        r = kz__sqlerr(db, rc, err);
    }
    kz__done(s);
    return r;
}

/* A file with its content (column 6), for the files set aside at a fork. */
static int read_attachment_content(sqlite3_stmt *s, void *item, kz_arena *a)
{
    kz_attachment *at = item;
    size_t len = (size_t)sqlite3_column_bytes(s, 6);
    const void *blob = sqlite3_column_blob(s, 6);
    if (read_attachment(s, at, a) || !(at->data = kz_arena_memdup(a, blob ? blob : "", len ? len : 1)))
        return -1;
    at->size = (int64_t)len;
    return 0;
}

kz_rc kz_store_attachments_aside(kz_db *db, const char *request_id, int64_t seq, kz_arena *a,
                                 kz_attachment **items, size_t *n, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT " ATT_COLS ", content FROM request_attachments"
                                   " WHERE request_n = " REQ_N " AND entry_seq = -?2 ORDER BY n", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, request_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, seq);
    return kz__collect_rows(db, s, sizeof **items, read_attachment_content, a, (void **)items, n, err);
}

kz_rc kz_store_attachments_drop_aside(kz_db *db, const char *request_id, int64_t seq, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "DELETE FROM request_attachments WHERE request_n = " REQ_N
                                   " AND entry_seq = -?2", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, request_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, seq);
    return kz__exec_stmt(db, s, err);
}

/* ---- the scheduler's queries ------------------------------------------------------------ */

kz_rc kz_store_request_set_escalation(kz_db *db, const char *id, kz_time next, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "UPDATE requests SET next_escalation = ?2 WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    if (next)
        sqlite3_bind_int64(s, 2, next);
    else
        sqlite3_bind_null(s, 2);
    return kz__exec_stmt(db, s, err);
}

kz_rc kz_store_request_mark_warned(kz_db *db, const char *id, char which, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, which == 'a' ? "UPDATE requests SET answer_warned = 1 WHERE id = ?1"
                                                : "UPDATE requests SET preserve_warned = 1 WHERE id = ?1", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    return kz__exec_stmt(db, s, err);
}

/* Runs a query whose ?1 is now and ?3 the limit and collects the ids it returns. */
static kz_rc collect_ids(kz_db *db, sqlite3_stmt *s, kz_time now, size_t max, kz_arena *a,
                         kz_strlist *out, kz_err *err)
{
    sqlite3_bind_int64(s, 1, now);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)max);
    return kz__collect_text(db, s, max, a, out, err);
}

kz_rc kz_store_request_escalations_due(kz_db *db, kz_time now, size_t max, kz_arena *a,
                                       kz_strlist *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT id FROM requests WHERE next_escalation <= ?1 AND status = 'sent' ORDER BY next_escalation LIMIT ?3", err);
    return s ? collect_ids(db, s, now, max, a, out, err) : KZ_ESTORE;
}

kz_rc kz_store_request_answer_warnings_due(kz_db *db, kz_time now, int64_t warn_percent, size_t max,
                                           kz_arena *a, kz_strlist *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT id FROM requests WHERE status IN ('sent', 'acknowledged', 'in-progress')"
                                   " AND answer_warned = 0 AND answer_due IS NOT NULL"
                                   " AND ?1 >= sent_at + (answer_due - sent_at) * ?2 / 100"
                                   " ORDER BY answer_due LIMIT ?3", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_int64(s, 2, warn_percent);
    return collect_ids(db, s, now, max, a, out, err);
}

kz_rc kz_store_request_preservation_warnings_due(kz_db *db, kz_time now, kz_time before, size_t max,
                                                 kz_arena *a, kz_strlist *out, kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT id FROM requests WHERE preserve_until IS NOT NULL"
                                   " AND preserve_warned = 0 AND preserve_until - ?2 <= ?1"
                                   " AND status IN ('acknowledged', 'in-progress', 'answered', 'closed')"
                                   " ORDER BY preserve_until LIMIT ?3", err);
    if (!s)
        return KZ_ESTORE;
    sqlite3_bind_int64(s, 2, before);
    return collect_ids(db, s, now, max, a, out, err);
}

kz_rc kz_store_request_facts(kz_db *db, void (*fn)(void *ctx, const kz_request_fact *f), void *ctx,
                             kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT tlp, status, from_organization, to_organization, from_state,"
                                   " to_state, sent_at, responded_at, answered_at, closed_at, ack_due,"
                                   " answer_due, id, subject, norm FROM requests WHERE sent_at IS NOT NULL"
                                   " AND exercise IS NULL ORDER BY n", err);
    if (!s)
        return KZ_ESTORE;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        kz_request_fact f = {
            .tlp = kz_enum_parse(&kz_tlp_enum, (const char *)sqlite3_column_text(s, 0)),
            .status = kz_enum_parse(&kz_request_status_enum, (const char *)sqlite3_column_text(s, 1)),
            .from_org = (const char *)sqlite3_column_text(s, 2),
            .to_org = (const char *)sqlite3_column_text(s, 3),
            .from_state = (const char *)sqlite3_column_text(s, 4),
            .to_state = (const char *)sqlite3_column_text(s, 5),
            .sent_at = sqlite3_column_int64(s, 6),
            .responded_at = sqlite3_column_int64(s, 7),
            .answered_at = sqlite3_column_int64(s, 8),
            .closed_at = sqlite3_column_int64(s, 9),
            .ack_due = sqlite3_column_int64(s, 10),
            .answer_due = sqlite3_column_int64(s, 11),
            .id = (const char *)sqlite3_column_text(s, 12),
            .subject = (const char *)sqlite3_column_text(s, 13),
            .norm = (const char *)sqlite3_column_text(s, 14),
        };
        fn(ctx, &f);
    }
    kz__done(s);
    return rc == SQLITE_DONE ? KZ_OK : kz__sqlerr(db, rc, err);
}

kz_rc kz_store_requests_linking(kz_db *db, const char *type, const char *ref, kz_arena *a, kz_strlist *out,
                                kz_err *err)
{
    sqlite3_stmt *s = kz__stmt(db, "SELECT group_concat(id, char(10)) FROM (SELECT r.id FROM request_links l"
                                   " JOIN requests r ON r.n = l.request_n WHERE l.type = ?1 AND l.ref = ?2"
                                   " ORDER BY r.n)", err);
    if (!s)
        return KZ_ESTORE;
    kz__bind_text(s, 1, type);
    kz__bind_text(s, 2, ref);
    int rc = sqlite3_step(s);
    int bad = rc == SQLITE_ROW ? kz__col_list(s, 0, out, a) : 0;
    kz__done(s);
    if (bad)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    return rc == SQLITE_ROW ? KZ_OK : kz__sqlerr(db, rc, err);
}
