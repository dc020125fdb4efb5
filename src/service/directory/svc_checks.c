/* Communication checks. Each invitation carries a one-time answer token derived from
 * the node's answer key (HMAC of check and contact ids; the key is in the key file), so the link can be shown again to
 * the check's owner and mailed later without the token ever being stored: the store
 * keeps only its hash. */
#include "service/directory/checks.h"

#include "crypto/crypto.h"
#include "service/core/notify.h"
#include "service/core/scheduler.h"
#include "service/core/tlp.h"
#include "service/exercises/exercises.h"
#include "store/directory/directory.h"
#include "store/federation/federation.h"

#include <stdio.h>
#include <string.h>

enum { HOUR_MS = 3600 * 1000, DAY_MS = 24 * HOUR_MS };

static void answer_token(const kz_node *node, const char *check_id, const char *contact_id,
                         char out[KZ_TOKEN_TEXT])
{
    char msg[128];
    int n = snprintf(msg, sizeof msg, "check-answer:%s:%s", check_id, contact_id);
    unsigned char mac[KZ_HASH_BYTES];
    kz_hmac(node->answer_key, msg, (size_t)n, mac);
    kz_b64url_encode(mac, sizeof mac, out, KZ_TOKEN_TEXT);
}

static char *answer_url(kz_call *c, const char *check_id, const char *contact_id)
{
    char token[KZ_TOKEN_TEXT];
    answer_token(c->node, check_id, contact_id, token);
    return kz_arena_printf(c->arena, "/api/v1/checks/answer/%s", token);
}

char *kz_check_answer_link(kz_call *c, const char *check_id, const char *contact_id)
{
    char token[KZ_TOKEN_TEXT];
    answer_token(c->node, check_id, contact_id, token);
    char *link = kz_arena_printf(c->arena, "%s/api/v1/checks/answer/%s", c->node->public_url, token);
    kz_wipe(token, sizeof token);
    return link;
}

void kz__check_token_hash(kz_call *c, const char *check_id, const char *contact_id, char hash[KZ_HASH_HEX])
{
    char token[KZ_TOKEN_TEXT];
    answer_token(c->node, check_id, contact_id, token);
    kz_hash_hex(token, strlen(token), hash);
    kz_wipe(token, sizeof token);
}

/* The invitation mail to one contact; its answer link is added at delivery. */
kz_rc kz__check_invite(kz_call *c, const kz_check *k, const char *org_name, const char *contact_id)
{
    kz_contact ct;
    kz_rc rc = kz_store_contact_get(c->db, contact_id, c->arena, &ct, c->err);
    if (rc)
        return rc;
    char deadline[64];
    /* a check a table-top exercise sent carries its banner (service/exercises/) */
    const char *banner = k->exercise ? kz_svc_exercise_banner(c, k->exercise,
                                                              strcmp(kz_notify_language("check.invitation", &ct), "ja") == 0)
                                     : NULL;
    kz_notify_var vars[] = {
        {"banner", banner ? kz_arena_printf(c->arena, "%s ", banner) : ""},
        {"banner_line", banner ? kz_arena_printf(c->arena, "%s\n\n", banner) : ""},
        {"org", org_name},
        {"contact", ct.full_name},
        {"deadline", kz_notify_time_for(k->deadline, &ct, deadline, sizeof deadline)},
    };
    return kz_notify(c, "check.invitation", &ct, NULL, k->id, vars, sizeof vars / sizeof *vars);
}

static bool may_see_links(const kz_call *c, const kz_check *k)
{
    return kz_is_admin(c) || (c->who.org && k->organization && strcmp(c->who.org, k->organization) == 0);
}

static kz_rc load_view(kz_call *c, const char *id, kz_check_view *out)
{
    out->notices = NULL;
    out->n_notices = 0;
    kz_rc rc = kz_store_check_get(c->db, id, c->arena, &out->check, c->err);
    /* a check an exercise sent is seen by its players only (tlp.h) */
    kz_tlp_subject s = {KZ_TLP_GREEN, out->check.organization, NULL, 0, false, out->check.exercise};
    if (!rc && !kz_tlp_visible(&c->who, &s))
        rc = kz_fail(c->err, KZ_ENOTFOUND, "check", "no check %.40s", id);
    if (!rc)
        rc = kz_store_check_targets(c->db, id, c->arena, &out->targets, &out->n, c->err);
    if (rc || !may_see_links(c, &out->check))
        return rc;
    for (size_t i = 0; i < out->n; i++) /* a peer's contact answers at its own node */
        if (!out->targets[i].peer && !(out->targets[i].answer_url = answer_url(c, id, out->targets[i].contact)))
            return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    return kz_notices_about(c, NULL, id, &out->notices, &out->n_notices);
}

/* The contacts a check goes to: the explicit list, or those matching the filter. */
static kz_rc resolve_contacts(kz_call *c, const kz_strlist *ids, const char *state,
                              const char *role, kz_strlist *out)
{
    if (ids->n) {
        if (state || role)
            return kz_fail(c->err, KZ_EINVAL, "contacts", "give either contacts or a state/role filter, not both");
        *out = *ids;
        return KZ_OK;
    }
    if (!state && !role)
        return kz_fail(c->err, KZ_EINVAL, "contacts", "give contacts, or a state and/or role filter");
    kz_rc rc = kz_store_contact_ids(c->db, state, role, KZ_CHECK_MAX_CONTACTS, c->arena, out, c->err);
    if (!rc && out->n == 0)
        rc = kz_fail(c->err, KZ_EINVAL, state ? "state" : "role", "no contact matches this filter");
    return rc;
}

/* Inserts the check and one invitation per contact, inside the caller's transaction. */
static kz_rc start_check(kz_call *c, kz_check *k, const kz_strlist *contacts, int64_t deadline_hours)
{
    kz_time now = kz_now_ms();
    if (!(k->id = kz_new_id(c)))
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    k->created = k->modified = now;
    k->organization = (char *)c->who.org;
    k->deadline = now + (deadline_hours ? deadline_hours : KZ_CHECK_DEFAULT_DEADLINE_HOURS) * HOUR_MS;
    kz_rc rc = kz_store_check_insert(c->db, k, c->err);
    kz_org org;
    kz_err e2;
    const char *org_name = !rc && kz_store_org_get(c->db, k->organization, c->arena, &org, &e2) == KZ_OK
                               ? org.name : k->organization;
    bool remote = false;
    for (size_t i = 0; !rc && i < contacts->n; i++) {
        char hash[KZ_HASH_HEX], *peer = NULL;
        kz__check_token_hash(c, k->id, contacts->v[i], hash);
        rc = kz_store_check_add_target(c->db, k->id, contacts->v[i], hash, now, c->err);
        if (rc == KZ_ECONFLICT)
            rc = kz_fail(c->err, KZ_EINVAL, "contacts", "contact %s is listed twice", contacts->v[i]);
        if (!rc)
            rc = kz__check_contact_peer(c, contacts->v[i], &peer);
        if (!rc && !peer)
            rc = kz__check_invite(c, k, org_name, contacts->v[i]);
        remote = remote || peer; /* the contact's node mails it (svc_check_federation.c) */
    }
    if (!rc && remote)
        rc = kz_store_fed_log_add(c->db, KZ_FED_CHECK, k->id, c->err);
    if (!rc) {
        char detail[32];
        snprintf(detail, sizeof detail, "%zu contacts", contacts->n);
        rc = kz_audit(c, "check.start", "check", k->id, detail);
    }
    return rc;
}

static kz_rc schedule_insert(kz_call *c, kz_check_schedule *s)
{
    kz_time now = kz_now_ms();
    if (!(s->id = kz_new_id(c)))
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    s->created = s->modified = now;
    s->organization = (char *)c->who.org;
    if (!s->deadline_hours)
        s->deadline_hours = KZ_CHECK_DEFAULT_DEADLINE_HOURS;
    if (!s->next_run)
        s->next_run = now;
    kz_rc rc = kz_store_schedule_insert(c->db, s, c->err);
    return rc ? rc : kz_audit(c, "schedule.create", "check_schedule", s->id, NULL);
}

kz_rc kz_svc_check_create(kz_call *c, kz_check *in, kz_check_view *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    kz_strlist targets;
    rc = resolve_contacts(c, &in->contacts, in->state, in->role, &targets);
    if (!rc && in->every_days) {
        kz_check_schedule s = {.state = in->state, .role = in->role, .contacts = in->contacts,
                               .every_days = in->every_days, .deadline_hours = in->deadline_hours,
                               .next_run = kz_now_ms() + in->every_days * DAY_MS};
        rc = schedule_insert(c, &s);
        in->schedule = s.id;
    }
    if (!rc)
        rc = start_check(c, in, &targets, in->deadline_hours);
    if (!rc) /* inside the transaction: a call that fails has changed nothing */
        rc = load_view(c, in->id, out);
    rc = kz_tx_end(c, rc);
    if (!rc)
        kz_scheduler_wake(); /* mail the invitations now */
    return rc;
}

kz_rc kz_svc_check_get(kz_call *c, const char *id, kz_check_view *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    if (rc || (rc = kz_rtx_begin(c)))
        return rc;
    rc = load_view(c, id, out);
    kz_rtx_end(c);
    return rc;
}

kz_rc kz_svc_check_list(kz_call *c, const kz_page *pg, kz_check_page *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    return rc ? rc : kz_store_check_list(c->db, pg, c->arena, out, c->err);
}

static kz_rc record_answer(kz_call *c, kz_rc rc, const kz_check_answer *a)
{
    if (!rc)
        rc = kz_audit(c, "check.answer", "check", a->check, a->late ? "late" : "in time");
    if (!rc)
        rc = kz__check_answered(c, a->check);
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_check_answer(kz_call *c, const char *token, kz_check_answer *out)
{
    char hash[KZ_HASH_HEX];
    size_t n = strlen(token);
    if (n != KZ_TOKEN_TEXT - 1)
        return kz_fail(c->err, KZ_ENOTFOUND, "token", "unknown answer link");
    kz_hash_hex(token, n, hash);
    kz_rc rc = kz_tx_begin(c);
    if (rc)
        return rc;
    rc = kz_store_check_answer_token(c->db, hash, kz_now_ms(), c->arena, out, c->err);
    if (rc == KZ_ENOTFOUND)
        kz_fail(c->err, KZ_ENOTFOUND, "token", "unknown answer link");
    if (!rc)
        c->who.org = out->organization;  /* the audit entry names the answering side */
    return record_answer(c, rc, out);
}

kz_rc kz_svc_check_acknowledge(kz_call *c, const char *check_id, const char *contact_id,
                               kz_check_answer *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    kz_contact ct;
    kz_err e2;
    rc = kz_store_contact_get(c->db, contact_id, c->arena, &ct, &e2);
    if (rc == KZ_ENOTFOUND)
        rc = kz_fail(c->err, KZ_EINVAL, "contact", "no contact %s", contact_id);
    else if (rc)
        rc = kz_fail(c->err, rc, NULL, "%s", e2.msg);
    if (!rc && strcmp(ct.organization, c->who.org) != 0)
        rc = kz_fail(c->err, KZ_EFORBIDDEN, "contact", "only the contact's own organization can answer for it");
    if (!rc)
        rc = kz_store_check_answer_contact(c->db, check_id, contact_id, kz_now_ms(), c->arena, out, c->err);
    if (rc == KZ_ENOTFOUND)
        kz_fail(c->err, KZ_ENOTFOUND, "contact", "the contact was not invited to check %s", check_id);
    return record_answer(c, rc, out);
}

kz_rc kz_svc_check_stats(kz_call *c, kz_time since, kz_check_stat **items, size_t *n)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    return rc ? rc : kz_store_check_stats(c->db, since, c->arena, items, n, c->err);
}

kz_rc kz_svc_schedule_create(kz_call *c, kz_check_schedule *s)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    if (s->every_days == 0)
        rc = kz_fail(c->err, KZ_EINVAL, "every_days", "every_days must be at least 1");
    kz_strlist probe;
    if (!rc)
        rc = resolve_contacts(c, &s->contacts, s->state, s->role, &probe);
    if (!rc)
        rc = schedule_insert(c, s);
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_schedule_get(kz_call *c, const char *id, kz_check_schedule *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    return rc ? rc : kz_store_schedule_get(c->db, id, c->arena, out, c->err);
}

kz_rc kz_svc_schedule_list(kz_call *c, const kz_page *pg, kz_schedule_page *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    return rc ? rc : kz_store_schedule_list(c->db, pg, c->arena, out, c->err);
}

kz_rc kz_svc_schedule_delete(kz_call *c, const char *id)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    kz_check_schedule s;
    rc = kz_store_schedule_get(c->db, id, c->arena, &s, c->err);
    if (!rc)
        rc = kz_authz_org(c, s.organization, NULL);
    if (!rc)
        rc = kz_store_schedule_delete(c->db, id, kz_now_ms(), c->err);
    if (!rc)
        rc = kz_audit(c, "schedule.delete", "check_schedule", id, NULL);
    return kz_tx_end(c, rc);
}

/* One due schedule: start its check as the schedule's organization, then move
 * next_run past now (missed periods are skipped, not replayed). */
static kz_rc run_one(kz_call *c, const kz_check_schedule *s, kz_time now)
{
    const char *org = c->who.org;
    c->who.org = s->organization;
    kz_check k = {.schedule = s->id, .state = s->state, .role = s->role};
    kz_strlist targets;
    kz_rc rc = kz_tx_begin(c);
    if (rc)
        return rc;
    rc = resolve_contacts(c, &s->contacts, s->state, s->role, &targets);
    bool nobody = rc == KZ_EINVAL;  /* a filter matching nobody today still advances */
    if (!rc)
        rc = start_check(c, &k, &targets, s->deadline_hours);
    kz_time next = s->next_run;
    int64_t period = (s->every_days > 0 ? s->every_days : 1) * DAY_MS;
    if (next <= now)
        next += ((now - next) / period + 1) * period;
    if (!rc || nobody)
        rc = kz_store_schedule_ran(c->db, s->id, now, next, c->err);
    rc = kz_tx_end(c, rc);
    c->who.org = org;
    return rc;
}

kz_rc kz_svc_schedule_run_due(kz_call *c, kz_time now, size_t *ran)
{
    kz_check_schedule *due;
    size_t n;
    *ran = 0;
    kz_rc rc = kz_store_schedule_due(c->db, now, 64, c->arena, &due, &n, c->err);
    for (size_t i = 0; !rc && i < n; i++) {
        rc = run_one(c, &due[i], now);
        *ran += rc == KZ_OK;
    }
    return rc;
}
