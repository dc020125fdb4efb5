/* Communication checks across nodes (docs/FEDERATION.md, "Checks between nodes"): a
 * check that invites contacts of a peer goes to that peer in the change log; the peer
 * mails the invitations itself, with answer links of its own, and sends the answers
 * back; the check's node records them. A node answers only for the contacts it hosts,
 * and takes invitations only for contacts it hosts, from the node of the check. */
#include "service/directory/checks.h"

#include "codec/federation/federation.h"
#include "model/federation.h"
#include "service/core/scheduler.h"
#include "service/core/tlp.h"
#include "service/federation/federation.h"
#include "store/federation/federation.h"

#include <string.h>

static bool same(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

kz_rc kz__check_contact_peer(kz_call *c, const char *contact, char **peer)
{
    *peer = NULL;
    return kz_store_fed_origin(c->db, KZ_FED_CONTACT, contact, c->arena, peer, c->err);
}

kz_rc kz__check_answered(kz_call *c, const char *check)
{
    char *origin = NULL;
    kz_rc rc = kz_store_fed_origin(c->db, KZ_FED_CHECK, check, c->arena, &origin, c->err);
    return !rc && origin ? kz_store_fed_log_add(c->db, KZ_FED_CHECK, check, c->err) : rc;
}

/* Whether the organization of a contact may know of the check (a GREEN object of its
 * starter; an exercise's check only for its players, that is never another node). */
static bool may_know(const kz_check *k, const char *org)
{
    kz_tlp_subject s = {KZ_TLP_GREEN, k->organization, NULL, 0, false, k->exercise};
    kz_viewer v = {.key_id = "federation", .org = org, .role = KZ_ROLE_VIEWER};
    return org && kz_tlp_visible(&v, &s);
}

kz_rc kz_svc_check_outgoing(kz_call *c, const char *id, const char *peer, kz_fed_check *out, bool *send)
{
    kz_check k;
    kz_check_target *t = NULL;
    char *origin = NULL;
    size_t n = 0;
    *send = false;
    memset(out, 0, sizeof *out);
    kz_rc rc = kz_store_check_get(c->db, id, c->arena, &k, c->err);
    if (!rc) rc = kz_store_fed_origin(c->db, KZ_FED_CHECK, id, c->arena, &origin, c->err);
    if (rc || (origin && !same(origin, peer)))
        return rc; /* a copy goes back only to the check's node, never on */
    if ((rc = kz_store_check_targets(c->db, id, c->arena, &t, &n, c->err)))
        return rc;
    if (!(out->targets = kz_arena_calloc(c->arena, n ? n : 1, sizeof *out->targets)))
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        /* to the contact's node: its invitations; from it: the answers it took */
        bool goes = origin ? !t[i].peer && t[i].answered : same(t[i].peer, peer) && may_know(&k, t[i].organization);
        if (goes)
            out->targets[out->n++] = (kz_fed_check_target){t[i].contact, t[i].sent, t[i].answered};
    }
    out->id = k.id;
    out->organization = k.organization;
    out->created = k.created;
    out->deadline = k.deadline;
    *send = out->n > 0;
    return KZ_OK;
}

/* The invitation of contact in the targets t[0..n), or NULL. */
static const kz_check_target *target_of(const kz_check_target *t, size_t n, const char *contact)
{
    for (size_t i = 0; i < n; i++)
        if (same(t[i].contact, contact))
            return &t[i];
    return NULL;
}

/* What is wrong with an answer of peer p to invitation t here, or NULL. */
static const char *answer_fault(const kz_peer *p, const kz_check *k, const kz_check_target *t,
                                const kz_fed_check_target *in)
{
    if (!t)
        return "was not invited to this check";
    if (!same(t->peer, p->id))
        return "is not hosted by the sending node: a node answers only for the contacts it hosts";
    if (in->answered && (in->answered < k->created || in->answered > kz_now_ms() + KZ_FED_SKEW_S * 1000LL))
        return "is answered at a time before the check or after now";
    return NULL;
}

/* The peer's answers to a check of this node: every one checked, then recorded. */
static kz_rc answers_from(kz_call *c, const kz_peer *p, const kz_check *k, const kz_fed_check *in, const char **why)
{
    kz_check_target *t = NULL;
    size_t n = 0;
    kz_rc rc = kz_store_check_targets(c->db, k->id, c->arena, &t, &n, c->err);
    for (size_t i = 0; !rc && !*why && i < in->n; i++) {
        const char *bad = answer_fault(p, k, target_of(t, n, in->targets[i].contact), &in->targets[i]);
        if (bad)
            *why = kz_arena_printf(c->arena, "check %s: contact %s %s", k->id, in->targets[i].contact, bad);
    }
    for (size_t i = 0; !rc && !*why && i < in->n; i++) {
        const kz_check_target *here = target_of(t, n, in->targets[i].contact);
        if (!in->targets[i].answered || here->answered)
            continue; /* open there, or recorded already: the change repeats */
        kz_check_answer a;
        rc = kz_store_check_answer_via(c->db, k->id, here->contact, "peer", in->targets[i].answered, c->arena, &a,
                                       c->err);
        const char *detail = kz_arena_printf(c->arena, "%s at %s", a.late ? "late" : "in time", p->name);
        if (!rc)
            rc = detail ? kz_audit(c, "check.answer", "check", k->id, detail) : kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    }
    return rc;
}

/* Whether contact is one of this node's own (not a peer's copy). */
static kz_rc hosted_here(kz_call *c, const char *contact, kz_contact *ct, bool *ok)
{
    char *origin = NULL;
    kz_err e2;
    kz_rc rc = kz_store_contact_get(c->db, contact, c->arena, ct, &e2);
    *ok = rc == KZ_OK;
    if (rc == KZ_ENOTFOUND)
        return KZ_OK;
    if (rc)
        return kz_fail(c->err, rc, NULL, "%s", e2.msg);
    rc = kz__check_contact_peer(c, contact, &origin);
    *ok = !rc && !origin;
    return rc;
}

/* The rules of invitations from the check's node: its starter is an organization of
 * that node, and every contact is one this node hosts and that may know of the check. */
static kz_rc invitation_fault(kz_call *c, const kz_peer *p, const kz_check *k, const kz_fed_check *in,
                              const char **why)
{
    char *origin = NULL;
    kz_rc rc = kz_store_fed_origin(c->db, KZ_FED_ORGANIZATION, in->organization, c->arena, &origin, c->err);
    if (!rc && !same(origin, p->id))
        *why = kz_arena_printf(c->arena, "check %s: its organization is not one of the sending node", in->id);
    for (size_t i = 0; !rc && !*why && i < in->n; i++) {
        kz_contact ct;
        bool ok = false;
        rc = hosted_here(c, in->targets[i].contact, &ct, &ok);
        if (!rc && (!ok || !may_know(k, ct.organization)))
            *why = kz_arena_printf(c->arena, "check %s names contact %s, which this node does not host", in->id,
                                   in->targets[i].contact);
    }
    return rc;
}

/* The check's node invites contacts of this node: the copy of the check is made (the
 * first time), and each new invitation is stored with a token of this node and mailed. */
static kz_rc invitations_from(kz_call *c, const kz_peer *p, bool exists, kz_check *k, const kz_fed_check *in,
                              const char **why)
{
    kz_check_target *t = NULL;
    size_t n = 0, added = 0;
    kz_time now = kz_now_ms();
    if (!exists)
        *k = (kz_check){.id = in->id, .created = in->created, .modified = now, .organization = in->organization,
                        .deadline = in->deadline};
    kz_rc rc = invitation_fault(c, p, k, in, why);
    if (rc || *why)
        return rc;
    if (!exists) {
        rc = kz_store_check_insert(c->db, k, c->err);
        if (!rc) rc = kz_store_fed_origin_set(c->db, KZ_FED_CHECK, k->id, p->id, c->err);
    } else {
        rc = kz_store_check_targets(c->db, k->id, c->arena, &t, &n, c->err);
    }
    kz_org org;
    kz_err e2;
    const char *org_name = kz_store_org_get(c->db, k->organization, c->arena, &org, &e2) == KZ_OK ? org.name
                                                                                                : k->organization;
    for (size_t i = 0; !rc && i < in->n; i++) {
        const char *contact = in->targets[i].contact;
        if (target_of(t, n, contact))
            continue; /* invited already */
        char hash[KZ_HASH_HEX];
        kz__check_token_hash(c, k->id, contact, hash);
        rc = kz_store_check_add_target(c->db, k->id, contact, hash, now, c->err);
        if (rc == KZ_ECONFLICT)
            rc = kz_fail(c->err, KZ_EINVAL, "targets", "contact %s is listed twice", contact);
        if (!rc) rc = kz__check_invite(c, k, org_name, contact);
        added += !rc;
    }
    if (!rc && added) {
        const char *detail = kz_arena_printf(c->arena, "%zu contacts, for %s", added, p->name);
        rc = detail ? kz_audit(c, "check.invite", "check", k->id, detail) : kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
        kz_scheduler_wake(); /* the outbox mails the invitations once the page commits */
    }
    return rc;
}

kz_rc kz_svc_check_incoming(kz_call *c, const kz_peer *p, const kz_fed_check *in, const char **why)
{
    kz_check k;
    char *origin = NULL;
    kz_err e2;
    kz_rc rc = kz_store_check_get(c->db, in->id, c->arena, &k, &e2);
    bool exists = rc == KZ_OK;
    if (rc && rc != KZ_ENOTFOUND)
        return kz_fail(c->err, rc, e2.field, "%s", e2.msg);
    if ((rc = kz_store_fed_origin(c->db, KZ_FED_CHECK, in->id, c->arena, &origin, c->err)))
        return rc;
    if (exists && !origin)
        return answers_from(c, p, &k, in, why);
    if (exists && !same(origin, p->id)) {
        *why = kz_arena_printf(c->arena, "check %s belongs to another node", in->id);
        return KZ_OK;
    }
    if (exists && (!same(k.organization, in->organization) || k.deadline != in->deadline)) {
        *why = kz_arena_printf(c->arena, "check %s: its organization or deadline is not the one this node has", in->id);
        return KZ_OK;
    }
    return invitations_from(c, p, exists, &k, in, why);
}
