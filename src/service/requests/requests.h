/* Requests between states: assistance (norm h), mitigation (norm c), expedited
 * preservation (Budapest Convention Art. 29) and information. The use cases of both
 * sides, the workflow with its deadlines and escalation, the signed record, and the
 * statistics.
 *
 * Who sees what: a request and everything about it (thread, attachments, notices,
 * record, statistics) is visible only where kz_request_visible says so, which asks
 * kz_tlp_visible with the sending organization as source and the receiving one as
 * recipient; a draft stays with its sender. A request the caller may not see is
 * reported as not found. Only the two sides move a request, and each only in the
 * moves of kz_transitions that belong to it.
 *
 * Every change runs in one write transaction (BEGIN IMMEDIATE, so two parties moving
 * the same request at once are serialized: the second sees the first's result) and
 * appends one signed entry to the request's record and one event to the audit chain. */
#ifndef KZ_SERVICE_REQUESTS_H
#define KZ_SERVICE_REQUESTS_H

#include "codec/federation/federation.h"
#include "codec/requests/record.h"
#include "service/core/call.h"
#include "service/directory/orgs.h"
#include "store/requests/requests.h"

/* The text and files that go with a move or a message. Attachments are given with
 * name, media_type, data and size; the service fills id, sha256 and entry. */
typedef struct kz_request_post {
    const char *message;
    kz_attachment *attachments;
    size_t n_attachments;
} kz_request_post;

enum { KZ_MESSAGE_MAX = 20000 };

/* Everything the caller may see of one request. */
typedef struct kz_request_view {
    kz_request req;              /* responsibility removed unless the caller sent it or it is shared */
    int side;                    /* the caller's kz_request_side */
    unsigned moves;              /* moves the caller may make now: bits of kz_request_move */
    const char *from_org_name, *to_org_name;
    kz_request_entry *entries;   /* the signed record */
    size_t n_entries;
    kz_attachment *attachments;  /* without content */
    size_t n_attachments;
    struct kz_notice *notices;   /* the mail notices about it and how their delivery went */
    size_t n_notices;
    kz_peer *peer;               /* a request between nodes: the peer node of the other side; else NULL */
    int peer_side;               /* then: the side that node hosts (kz_request_side) */
    int delivery;                /* and kz_fed_delivery of this node's side to that node */
} kz_request_view;

/* May v see a request with this label and these sides? The one rule for every read of
 * requests: kz_tlp_visible with from_org as source and to_org as recipient once sent;
 * a draft (sent_at 0) is seen by its sender only; one of an exercise by its players only. */
bool kz_request_visible(const kz_viewer *v, int tlp, const char *from_org, const char *to_org,
                        kz_time sent_at, const char *exercise);

/* Creates a draft request from the caller's organization (c->who.org) to
 * r->to_organization. The caller fills the content fields of r (model/request.h: kind,
 * to_organization, urgency, tlp, subject, description and the kind's required fields;
 * the rest is optional) and may give a message and attachments in post (NULL for
 * none). The request is checked against its kind's template, the organizations and
 * contacts must exist (and each contact belong to its side), the draft's first record
 * entry is signed and the audit chain notes it. On success r holds the stored request
 * (id, states, status "draft", defaults); its strings live in c's arena.
 *
 * For callers inside Kizuna (kizuna route --db creates mitigation drafts this way) use
 * a system call context (kz_call_init_system): the draft then comes from the node's
 * own organization. Analysts and admins. Returns KZ_EINVAL naming the field,
 * KZ_EFORBIDDEN, or a store error; nothing is written unless it returns KZ_OK. */
kz_rc kz_svc_request_create(kz_call *c, kz_request *r, const kz_request_post *post);

/* Changes a draft (the sender only): apply decodes the change over the stored content
 * (kz_json_apply_patch with kz_request_content_schema). KZ_ECONFLICT once sent. */
kz_rc kz_svc_request_update(kz_call *c, const char *id, kz_apply_fn apply, void *ctx, kz_request *out);

kz_rc kz_svc_request_get(kz_call *c, const char *id, kz_request_view *out);

/* Requests the caller may see, filtered. box: f->from_org / f->to_org are set by the
 * caller from the caller's organization; f->now is set here. */
kz_rc kz_svc_request_list(kz_call *c, kz_request_filter *f, const kz_page *pg, kz_request_page *out);

/* Makes a move (kz_request_move) on behalf of the caller's side. A move that does not
 * exist in the current status, or belongs to the other side, is KZ_ECONFLICT with the
 * moves the caller may make now in *allowed (bits of kz_request_move). decline and
 * answer need a message. On success out holds the request after the move. */
kz_rc kz_svc_request_move(kz_call *c, const char *id, int move, const kz_request_post *post,
                          kz_request *out, unsigned *allowed);

/* Adds a message (with attachments) to the thread of a sent, not yet finished request.
 * Either side. out receives the new record entry. */
kz_rc kz_svc_request_message(kz_call *c, const char *id, const kz_request_post *post,
                             kz_request_entry *out);

/* One attachment with its content. */
kz_rc kz_svc_request_attachment(kz_call *c, const char *id, const char *attachment_id,
                                kz_attachment *out);

/* The request's record, signed and sealed now, as a JSON document or printable page. */
kz_rc kz_svc_request_export(kz_call *c, const char *id, kz_record_format fmt, kz_buf *out);

/* ---- statistics ------------------------------------------------------------------------ */

typedef struct kz_request_stat {
    char state[3];                 /* the counterpart state */
    int64_t sent;                  /* requests sent (drafts never count) */
    int64_t acknowledged;          /* acknowledged or declined: a response */
    int64_t acknowledged_in_time;  /* ... by the acknowledgement deadline */
    int64_t due;                   /* responded, or past the deadline without a response */
    double in_time_share;          /* acknowledged_in_time / due; -1 when nothing was due */
    double median_ack_seconds;     /* -1 when none */
    int64_t answered;
    double median_answer_seconds;  /* -1 when none */
    int64_t open, overdue;
} kz_request_stat;

/* Per counterpart state, over the requests the caller may see that were sent at or
 * after since: box "outbox" counts the caller's organization's requests by recipient
 * state, "inbox" the requests it received by sender state, NULL every visible request
 * by recipient state. Any member; a request the caller may not see is never counted. */
kz_rc kz_svc_request_stats(kz_call *c, const char *box, kz_time since, kz_request_stat **items,
                           size_t *n);

/* ---- between nodes (svc_request_federation.c, docs/FEDERATION.md) --------------------- */

/* What peer is sent for request id: the request as its other side may see it and its
 * whole record; *send false when the request is a draft or its other side is not
 * hosted by peer. Called by the federation sync inside its transaction; in c's arena. */
kz_rc kz_svc_request_outgoing(kz_call *c, const char *id, const char *peer, kz_fed_request *out, bool *send);

/* Applies what peer p sent of a request: the entries this node does not have yet are
 * appended when each links to the head of the record here, is signed by p's pinned key,
 * is made by an organization p hosts and is a move that side may make; the request's
 * state is replayed from them, the moves are audited and this node's side is told by
 * mail. *why (and nothing written) when the change is refused. Inside the caller's
 * write transaction. */
kz_rc kz_svc_request_incoming(kz_call *c, const kz_peer *p, kz_fed_request *in, const char **why);

/* ---- the scheduler's duties (system call contexts) ------------------------------------ */

/* Escalates every sent request whose acknowledgement is overdue to the recipient
 * state's next point of contact (node setting requests.escalation_order), records it
 * and notifies. Returns how many requests it escalated, or -1 (c->err). */
long kz_svc_request_escalate_due(kz_call *c);

/* Warns the recipient when requests.answer_warning_percent of an answer period has
 * passed, and both sides before a preservation period ends. Returns warnings given. */
long kz_svc_request_warn_due(kz_call *c);

#endif
