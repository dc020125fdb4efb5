/* Communication checks ("ping tests"): invite contacts to answer, time the answers,
 * report per state; recurring checks run by the server's scheduler. */
#ifndef KZ_SERVICE_CHECKS_H
#define KZ_SERVICE_CHECKS_H

#include "service/core/call.h"
#include "store/directory/checks.h"

enum { KZ_CHECK_DEFAULT_DEADLINE_HOURS = 72, KZ_CHECK_MAX_CONTACTS = 10000 };

typedef struct kz_check_view {
    kz_check check;
    kz_check_target *targets;
    size_t n;
    struct kz_notice *notices;   /* the invitation mails, for admins and the check's owner */
    size_t n_notices;
} kz_check_view;

/* Starts a check for in->contacts, or for every contact matching in->state / in->role.
 * With in->every_days > 0 the check also becomes a schedule repeated by the server.
 * The view lists every invitation with its answer_url. Analysts and admins. */
kz_rc kz_svc_check_create(kz_call *c, kz_check *in, kz_check_view *out);

/* A check with its invitations; answer links only for admins and the organization
 * that started it. Any member. */
kz_rc kz_svc_check_get(kz_call *c, const char *id, kz_check_view *out);
kz_rc kz_svc_check_list(kz_call *c, const kz_page *pg, kz_check_page *out);

/* The absolute answer link of one invitation (node public URL + the derived token), in
 * c's arena. For the mail that carries it; never stored. */
char *kz_check_answer_link(kz_call *c, const char *check_id, const char *contact_id);

/* Answers by one-time token; no key needed. Late after the deadline. */
kz_rc kz_svc_check_answer(kz_call *c, const char *token, kz_check_answer *out);

/* Answers on behalf of one of the caller's organization's contacts. */
kz_rc kz_svc_check_acknowledge(kz_call *c, const char *check_id, const char *contact_id,
                               kz_check_answer *out);

kz_rc kz_svc_check_stats(kz_call *c, kz_time since, kz_check_stat **items, size_t *n);

kz_rc kz_svc_schedule_create(kz_call *c, kz_check_schedule *s);
kz_rc kz_svc_schedule_get(kz_call *c, const char *id, kz_check_schedule *out);
kz_rc kz_svc_schedule_list(kz_call *c, const kz_page *pg, kz_schedule_page *out);
kz_rc kz_svc_schedule_delete(kz_call *c, const char *id);

/* Runs every schedule due at now (a system call context). *ran counts checks started. */
kz_rc kz_svc_schedule_run_due(kz_call *c, kz_time now, size_t *ran);

/* ---- checks across nodes (svc_check_federation.c) ---- */

struct kz_fed_check;
struct kz_peer;
/* What peer gets of check id (a change of kind "check"): this node's check with the
 * invitations of the contacts that peer hosts, or the peer's check with the answers
 * this node took; *send false when nothing. Strings in c->arena. */
kz_rc kz_svc_check_outgoing(kz_call *c, const char *id, const char *peer, struct kz_fed_check *out, bool *send);
/* Applies a check change from peer p inside the caller's transaction: the invitations
 * of contacts hosted here (stored and mailed by this node), or the answers to a check
 * of this node (each for a contact that p hosts). *why says why it is refused, and
 * then the caller rolls back what was written. */
kz_rc kz_svc_check_incoming(kz_call *c, const struct kz_peer *p, const struct kz_fed_check *in, const char **why);

/* Between svc_checks.c and svc_check_federation.c. */
kz_rc kz__check_contact_peer(kz_call *c, const char *contact, char **peer);
/* After an answer to check: a peer's check gets its answer sent back. */
kz_rc kz__check_answered(kz_call *c, const char *check);
kz_rc kz__check_invite(kz_call *c, const kz_check *k, const char *org_name, const char *contact_id);
void kz__check_token_hash(kz_call *c, const char *check_id, const char *contact_id, char hash[KZ_HASH_HEX]);

#endif
