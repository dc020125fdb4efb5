/* The scheduler's duties on requests: escalation when an acknowledgement is overdue,
 * the warning before an answer is due, and the warning before a preservation period
 * ends. They act as the node itself (a system call context): each is one write
 * transaction per request that records a signed entry and writes the notices. */
#include "service/requests/requests_internal.h"

#include "service/core/notify.h"
#include "service/core/settings.h"
#include "store/federation/federation.h"

#include <string.h>

enum { BATCH = 64, CANDIDATES = 32 };

/* The next point of contact after the last one notified: the first contact, in the
 * escalation order's next roles, of the recipient's state (its own organization's
 * first) that has an e-mail address and may see the request. */
static kz_rc next_contact(kz_call *c, const kz_request *r, kz_contact **out, int *role)
{
    int roles[4];
    size_t n = kz__request_order(c, r, roles), start = 0;
    int last = r->escalation_role ? kz_enum_parse(&kz_contact_role_enum, r->escalation_role) : -1;
    for (size_t i = 0; last >= 0 && i < n; i++)
        if (roles[i] == last)
            start = i + 1;
    *out = NULL;
    for (size_t i = start; i < n; i++) {
        kz_contact *items;
        size_t m;
        kz_rc rc = kz_store_contacts_by_role(c->db, r->to_state, kz_enum_name(&kz_contact_role_enum, roles[i]),
                                             r->to_organization, r->exercise, CANDIDATES, c->arena, &items, &m,
                                             c->err);
        if (rc)
            return rc;
        for (size_t j = 0; j < m; j++) {
            /* a contact outside the recipient organization is told only what it may see */
            kz_viewer v = {"mail", items[j].organization, KZ_ROLE_VIEWER};
            if (items[j].email && kz_request_visible(&v, r->tlp, r->from_organization, r->to_organization, r->sent_at, r->exercise)) {
                *out = &items[j];
                *role = roles[i];
                return KZ_OK;
            }
        }
    }
    return KZ_OK;
}

static const char *org_name(kz_call *c, const char *id)
{
    kz_org o;
    kz_err e2;
    return kz_store_org_get(c->db, id, c->arena, &o, &e2) == KZ_OK ? o.name : id;
}

/* 1 when escalated, 0 when there was nothing to do, or a kz_rc's negative. */
/* Whether r's recipient is hosted by another node, whose scheduler keeps its deadlines. */
static kz_rc elsewhere(kz_call *c, const kz_request *r, bool *yes)
{
    char *peer = NULL;
    kz_rc rc = kz_store_fed_origin(c->db, KZ_FED_ORGANIZATION, r->to_organization, c->arena, &peer, c->err);
    *yes = peer != NULL;
    return rc;
}

static int escalate(kz_call *c, const char *id, kz_time now)
{
    kz_request r;
    bool remote = false;
    kz_rc rc = kz_tx_begin(c);
    if (rc)
        return -1;
    rc = kz_store_request_get(c->db, id, now, c->arena, &r, c->err);
    if (!rc)
        rc = elsewhere(c, &r, &remote);
    if (!rc && (r.status != KZ_RS_SENT || remote)) {
        rc = kz_store_request_set_escalation(c->db, id, 0, c->err);
        return kz_tx_end(c, rc) ? -1 : 0;
    }
    kz_contact *to = NULL, *sender = NULL;
    int role = -1;
    if (!rc)
        rc = next_contact(c, &r, &to, &role);
    char due[40];
    kz_notify_time(r.ack_due, due, sizeof due);
    const char *note = NULL;
    if (!rc && to)
        note = kz_arena_printf(c->arena, "Not acknowledged by %s: escalated to the %s point of contact %s (%s).", due,
                               kz_contact_role_enum.values[role], to->full_name, org_name(c, to->organization));
    else if (!rc)
        note = kz_arena_printf(c->arena, "Not acknowledged by %s; %s has no further point of contact in the "
                               "escalation order.", due, r.to_state);
    kz__entry e = {.action = "escalate", .from = -1, .to = -1, .contact = to ? to->id : NULL, .note = note, .at = now};
    if (!rc)
        rc = kz__request_record(c, &r, &e, NULL);
    if (!rc && to) {
        r.escalation_level++;
        r.escalation_role = (char *)kz_contact_role_enum.values[role];
        rc = kz__request_notify(c, &r, "request.escalated", to, NULL, note);
    }
    if (!rc)
        rc = kz__request_party_contact(c, &r, KZ_SIDE_SENDER, &sender);
    if (!rc)
        rc = kz__request_notify(c, &r, "request.overdue", sender, NULL, note);
    if (!rc)
        rc = kz_store_request_update(c->db, &r, c->err);
    /* once nobody is left, the record says so once and escalation stops */
    if (!rc)
        rc = kz_store_request_set_escalation(c->db, id, to ? now + kz__request_period(c, &r, false) : 0, c->err);
    return kz_tx_end(c, rc) ? -1 : to != NULL;
}

long kz_svc_request_escalate_due(kz_call *c)
{
    kz_time now = kz_now_ms();
    kz_strlist ids;
    if (kz_store_request_escalations_due(c->db, now, BATCH, c->arena, &ids, c->err))
        return -1;
    long done = 0;
    for (size_t i = 0; i < ids.n; i++) {
        int r = escalate(c, ids.v[i], now);
        if (r < 0)
            return -1;
        done += r;
    }
    return done;
}

/* One warning: a signed entry, the notices, and the mark that it was given. */
static int warn(kz_call *c, const char *id, char which, kz_time now)
{
    kz_request r;
    kz_rc rc = kz_tx_begin(c);
    if (rc)
        return -1;
    rc = kz_store_request_get(c->db, id, now, c->arena, &r, c->err);
    bool remote = false;
    if (!rc)
        rc = elsewhere(c, &r, &remote);
    bool open = !rc && !remote && (which == 'p' || r.status == KZ_RS_SENT || r.status == KZ_RS_ACKNOWLEDGED ||
                                   r.status == KZ_RS_IN_PROGRESS);
    if (!rc && !open) { /* answered or ended since the query: nothing to warn of */
        rc = kz_store_request_mark_warned(c->db, id, which, c->err);
        return kz_tx_end(c, rc) ? -1 : 0;
    }
    char when[40] = "";
    if (!rc)
        kz_notify_time(which == 'a' ? r.answer_due : r.preserve_until, when, sizeof when);
    const char *note = rc ? NULL
                       : which == 'a' ? kz_arena_printf(c->arena, "The answer is due by %s.", when)
                                      : kz_arena_printf(c->arena, "The preservation period ends on %s.", when);
    kz__entry e = {.action = which == 'a' ? "deadline-warning" : "preservation-warning", .from = -1, .to = -1,
                   .note = note, .at = now};
    if (!rc)
        rc = kz__request_record(c, &r, &e, NULL);
    static const int sides[] = {KZ_SIDE_RECIPIENT, KZ_SIDE_SENDER};
    for (size_t i = 0; !rc && i < (which == 'a' ? 1u : 2u); i++) {
        kz_contact *to;
        rc = kz__request_party_contact(c, &r, sides[i], &to);
        if (!rc)
            rc = kz__request_notify(c, &r, which == 'a' ? "request.deadline" : "request.preservation", to, NULL, note);
    }
    if (!rc)
        rc = kz_store_request_update(c->db, &r, c->err);
    if (!rc)
        rc = kz_store_request_mark_warned(c->db, id, which, c->err);
    return kz_tx_end(c, rc) ? -1 : 1;
}

long kz_svc_request_warn_due(kz_call *c)
{
    kz_time now = kz_now_ms();
    kz_strlist answers, preservations;
    int64_t pct = kz_setting_int(c, "requests.answer_warning_percent");
    int64_t days = kz_setting_int(c, "requests.preservation_warning_days");
    if (kz_store_request_answer_warnings_due(c->db, now, pct, BATCH, c->arena, &answers, c->err) ||
        kz_store_request_preservation_warnings_due(c->db, now, days * KZ__DAY_MS, BATCH, c->arena, &preservations,
                                                   c->err))
        return -1;
    long done = 0;
    for (size_t i = 0; i < answers.n + preservations.n; i++) {
        bool answer = i < answers.n;
        int r = warn(c, answer ? answers.v[i] : preservations.v[i - answers.n], answer ? 'a' : 'p', now);
        if (r < 0)
            return -1;
        done += r;
    }
    return done;
}
