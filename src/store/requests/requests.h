/* Persistence of requests between states: the request rows, their links to incidents
 * and indicators, the append-only signed record and the attachments. The store never
 * decides who may see a request: list and scan functions take the service's visibility
 * callback and apply it to every row before reading it. */
#ifndef KZ_STORE_REQUESTS_H
#define KZ_STORE_REQUESTS_H

#include "model/page.h"
#include "model/request.h"
#include "store/directory/directory.h"

typedef KZ_PAGE_OF(kz_request) kz_request_page;

typedef struct kz_request_filter {
    const char *from_org;       /* outbox: requests sent by this organization */
    const char *to_org;         /* inbox: requests sent to this organization */
    const char *status, *kind, *urgency;   /* wire names, NULL for any */
    const char *state;          /* counterpart: from_state in the inbox, to_state in the
                                   outbox, either without a box */
    int overdue;                /* -1 any, 0 on time, 1 overdue */
    kz_time now;                /* the time overdue is judged at */
} kz_request_filter;

/* The service's decision whether the caller may see a request, from the row's TLP
 * label, sides, whether it was ever sent and the exercise it belongs to (NULL). */
typedef bool (*kz_request_visible_fn)(void *ctx, int tlp, const char *from_org, const char *to_org,
                                      kz_time sent_at, const char *exercise);

kz_rc kz_store_request_insert(kz_db *db, const kz_request *r, kz_err *err);

/* Writes every stored field of r over the row with r->id. */
kz_rc kz_store_request_update(kz_db *db, const kz_request *r, kz_err *err);

/* The request with its incident and indicator links; overdue judged at now.
 * KZ_ENOTFOUND (field "request") when there is none. */
kz_rc kz_store_request_get(kz_db *db, const char *id, kz_time now, kz_arena *a, kz_request *out,
                           kz_err *err);

/* A page of requests matching f that visible() keeps, oldest first. Rows the callback
 * rejects are skipped unread and never show in cursors. */
kz_rc kz_store_request_list(kz_db *db, const kz_request_filter *f, kz_request_visible_fn visible,
                            void *ctx, const kz_page *pg, kz_arena *a, kz_request_page *out,
                            kz_err *err);

/* The ids of the requests linking to ref as a `type` ("incident"), oldest first; in a.
 * No visibility here: the caller asks kz_request_visible of each. */
kz_rc kz_store_requests_linking(kz_db *db, const char *type, const char *ref, kz_arena *a, kz_strlist *out,
                                kz_err *err);

/* Replaces the links of one type ("incident" or "indicator") of a request. */
kz_rc kz_store_request_links_set(kz_db *db, const char *request_id, const char *type,
                                 const kz_strlist *refs, kz_err *err);

/* Appends an entry to the request's record (the caller computed seq, hash and
 * signature). KZ_ECONFLICT when the seq is taken. */
kz_rc kz_store_request_entry_append(kz_db *db, const char *request_id, const kz_request_entry *e,
                                    kz_err *err);

/* A fork between two nodes (docs/FEDERATION.md "Moves at both nodes at once"): moves
 * the request's entries after seq `keep` into request_superseded, as they were, then
 * out of its record. Only within the caller's transaction. */
kz_rc kz_store_request_supersede_after(kz_db *db, const char *request_id, int64_t keep, kz_time now, kz_err *err);

/* Every entry of a request's record, in order. */
kz_rc kz_store_request_entries(kz_db *db, const char *request_id, kz_arena *a,
                               kz_request_entry **items, size_t *n, kz_err *err);

kz_rc kz_store_attachment_insert(kz_db *db, const char *request_id, const kz_attachment *at,
                                 kz_err *err);

/* Every attachment of a request without content, in order. */
kz_rc kz_store_attachments(kz_db *db, const char *request_id, kz_arena *a, kz_attachment **items,
                           size_t *n, kz_err *err);

/* One attachment with its content. KZ_ENOTFOUND (field "attachment"). */
kz_rc kz_store_attachment_get(kz_db *db, const char *request_id, const char *id, kz_arena *a,
                              kz_attachment *out, kz_err *err);
/* The files of entry seq that a fork set aside (entry_seq -seq), with their content
 * (arena); they are not listed nor served with the record. */
kz_rc kz_store_attachments_aside(kz_db *db, const char *request_id, int64_t seq, kz_arena *a,
                                 kz_attachment **items, size_t *n, kz_err *err);
/* Forgets the files set aside of entry seq, once it was made again with them. */
kz_rc kz_store_attachments_drop_aside(kz_db *db, const char *request_id, int64_t seq, kz_err *err);

/* ---- for the scheduler ---------------------------------------------------------------- */

/* Sets (or, with 0, clears) when the request's next escalation is due. */
kz_rc kz_store_request_set_escalation(kz_db *db, const char *id, kz_time next, kz_err *err);

/* Ids of sent requests whose escalation is due at now, oldest first, at most max. */
kz_rc kz_store_request_escalations_due(kz_db *db, kz_time now, size_t max, kz_arena *a,
                                       kz_strlist *out, kz_err *err);

/* Ids of open requests past warn_percent of their answer period and not yet warned. */
kz_rc kz_store_request_answer_warnings_due(kz_db *db, kz_time now, int64_t warn_percent, size_t max,
                                           kz_arena *a, kz_strlist *out, kz_err *err);

/* Ids of preservation requests whose period ends within `before` ms and whose sides
 * were not yet warned. */
kz_rc kz_store_request_preservation_warnings_due(kz_db *db, kz_time now, kz_time before, size_t max,
                                                 kz_arena *a, kz_strlist *out, kz_err *err);

/* Marks the answer (which 'a') or preservation ('p') warning of a request as given. */
kz_rc kz_store_request_mark_warned(kz_db *db, const char *id, char which, kz_err *err);

/* ---- for statistics ------------------------------------------------------------------- */

/* The few fields the request statistics need, for one sent request. Strings point into
 * the statement and are valid only during the callback. */
typedef struct kz_request_fact {
    int tlp;
    int status;
    const char *from_org, *to_org, *from_state, *to_state;
    kz_time sent_at, responded_at, answered_at, closed_at, ack_due, answer_due;
    const char *id, *subject, *norm;   /* norm may be NULL */
} kz_request_fact;

/* Calls fn for every request that was sent (drafts and exercise requests excluded:
 * statistics are of real work), oldest first. */
kz_rc kz_store_request_facts(kz_db *db, void (*fn)(void *ctx, const kz_request_fact *f), void *ctx,
                             kz_err *err);

#endif
