/* Shared by the svc_request*.c files only: loading a request under the visibility
 * rule, the caller's side, and appending signed entries to the record. */
#ifndef KZ_SERVICE_REQUESTS_INTERNAL_H
#define KZ_SERVICE_REQUESTS_INTERNAL_H

#include "service/requests/requests.h"

enum { KZ__HOUR_MS = 3600 * 1000, KZ__DAY_MS = 24 * KZ__HOUR_MS };

/* The request with id if the caller may see it; KZ_ENOTFOUND (field "request")
 * otherwise, so that a hidden request cannot be told from a missing one. */
kz_rc kz__request_load(kz_call *c, const char *id, kz_request *r);

/* The caller's side of r. */
int kz__request_side(const kz_call *c, const kz_request *r);

/* Removes what the caller's side may not see: the sender's unshared assessment, and
 * the ids of linked incidents and indicators the caller may not see under their own
 * TLP labels (a GREEN request does not show every member its AMBER links). */
void kz__request_redact(kz_call *c, kz_request *r);

/* What one record entry says; see codec/requests/record.h. */
typedef struct kz__entry {
    const char *action;
    int from, to;                   /* statuses, -1 when nothing moves */
    const kz_request_post *post;    /* message and attachments, or NULL */
    bool content;                   /* snapshot r's content (create, edit) */
    const char *contact;            /* escalations and warnings: who was notified */
    const char *note;
    kz_time at;
} kz__entry;

/* The peer (id in c's arena) whose node hosts one side of r, or NULL when both sides
 * are this node's. */
kz_rc kz__request_remote_peer(kz_call *c, const kz_request *r, char **peer);

/* For a request between nodes: *peer the peer node of the other side (in c's arena;
 * NULL for a request of this node only, or when that peer was removed), *side the side
 * it hosts (kz_request_side) and *delivery how far this node's moves reached it
 * (kz_fed_delivery: acknowledged by its cursor). */
kz_rc kz__request_delivery(kz_call *c, const kz_request *r, kz_peer **peer, int *side, int *delivery);

/* Inside the caller's write transaction: stores the post's attachments, appends the
 * signed entry (a send to another node's organization names that node's key, and an
 * entry of a request between nodes enters the federation log), advances r's entries, head_hash and modified (the caller writes r
 * back) and appends "request.<action>" to the audit chain. out (may be NULL) receives
 * the entry, in c's arena. */
/* The rules of a message and its attachments (text, names, media types, this node's
 * size limit): KZ_EINVAL or KZ_ETOOBIG naming the field. */
kz_rc kz__request_post_check(kz_call *c, const kz_request_post *post);

kz_rc kz__request_record(kz_call *c, kz_request *r, const kz__entry *e, kz_request_entry *out);

/* The acknowledgement (answer false) or answer period of r's urgency, in ms (node
 * settings). */
kz_time kz__request_period(kz_call *c, const kz_request *r, bool answer);

/* The escalation order of r's kind, as contact roles (node settings), in c's arena. */
size_t kz__request_order(kz_call *c, const kz_request *r, int roles[4]);

/* The point of contact of one side of r: the request's own contact for that side,
 * else the organization's first contact with an e-mail address in the escalation
 * order's roles, then in any role. *out NULL when the organization has none. */
kz_rc kz__request_party_contact(kz_call *c, const kz_request *r, int side, kz_contact **out);

/* Writes a notice of kind ("request.new", ...) about r to contact into the outbox
 * (see service/core/notify.h), with r's fields, the message and the note as values, in the
 * contact's language. */
kz_rc kz__request_notify(kz_call *c, const kz_request *r, const char *kind, const kz_contact *to,
                         const char *message, const char *note);

/* The notices a move sends: to the other side's point of contact. */
kz_rc kz__request_notify_move(kz_call *c, kz_request *r, int move, const char *message);

#endif
