/* Delivering injects through the real workflow: an incoming request, an incident with
 * its indicators, a communication check (made by the same use cases a person calls,
 * acting as the inject's from_role, so they are signed, audited and marked with the
 * run), or a mail notice or news item kept with the run for its players. */
#include "service/exercises/exercises_internal.h"

#include "service/core/notify.h"
#include "service/directory/checks.h"
#include "service/requests/requests.h"
#include "service/sharing/incidents.h"
#include "service/sharing/indicators.h"
#include "store/directory/directory.h"

#include <stdio.h>
#include <string.h>

extern const kz_enum kz_ind_type_enum;

int64_t kz__exercise_due(kz_call *c, const kz_exercise_view *v, const kz_inject *j)
{
    if (j->after) {
        const kz_inject_delivery *d = kz__exercise_delivered(v, j->after);
        return d ? d->ex_at + j->delay_minutes * 60000 : -1;
    }
    if (j->on_action) {
        kz_time at = 0;
        kz_err e2;
        if (kz_store_exercise_first_action(c->db, v->x.id, j->on_action, &at, &e2) || !at)
            return -1;
        return kz__exercise_clock(v, at) + j->delay_minutes * 60000;
    }
    return j->at_minutes * 60000;
}

/* The text with its Japanese version below, as the players' screens show both. */
static char *both(kz_call *c, const char *en, const char *ja)
{
    return ja ? kz_arena_printf(c->arena, "%s\n\n%s", en, ja) : (char *)en;
}

static kz_rc send_request(kz_call *as, const kz_exercise_view *v, const kz_inject *j, const char *to,
                          kz_inject_delivery *d)
{
    kz_request r = *j->request;
    r.to_organization = (char *)to;
    r.to_contact = r.from_contact = NULL;
    r.exercise = v->x.id;
    r.description = both(as, j->text, j->text_ja);
    kz_rc rc = kz_svc_request_create(as, &r, NULL);
    kz_request sent;
    unsigned allowed;
    if (!rc)
        rc = kz_svc_request_move(as, r.id, KZ_MV_SEND, NULL, &sent, &allowed);
    d->object_type = "request";
    d->object_id = r.id;
    return rc;
}

/* "type:value" into an indicator of the incident. */
static kz_rc share_indicator(kz_call *as, const kz_inject *j, const char *item, const char *incident,
                             kz_indicator *ind)
{
    const char *colon = strchr(item, ':');
    int type = colon ? kz_enum_parse(&kz_ind_type_enum, kz_arena_strndup(as->arena, item, (size_t)(colon - item))) : -1;
    if (type < 0)
        return kz_fail(as->err, KZ_EINVAL, "indicators", "inject %lld: %.80s is not type:value", (long long)j->n, item);
    ind->type = type;
    ind->value = (char *)colon + 1;
    ind->confidence = 80;
    ind->incidents = (kz_strlist){(char **)&incident, 1};
    kz_upsert result;
    return kz_svc_indicator_create(as, ind, KZ_GIVEN_TLP | KZ_GIVEN_RECIPIENTS | KZ_GIVEN_CONFIDENCE, &result);
}

static kz_rc share_incident(kz_call *as, const kz_exercise_view *v, const kz_inject *j, const char *to,
                            kz_inject_delivery *d)
{
    char **recipients = kz_arena_calloc(as->arena, 1, sizeof *recipients);
    if (!recipients)
        return kz_fail(as->err, KZ_ENOMEM, NULL, NULL);
    recipients[0] = (char *)to;
    kz_incident o = {.organization = (char *)as->who.org, .title = j->title, .rsit_type = "infected-system",
                     .tlp = j->tlp, .recipients = {recipients, 1}, .exercise = v->x.id};
    o.description = both(as, j->text, j->text_ja);
    kz_rc rc = kz_svc_incident_create(as, &o);
    for (size_t i = 0; !rc && i < j->indicators.n; i++) {
        kz_indicator ind = {.source = (char *)as->who.org, .tlp = j->tlp, .recipients = {recipients, 1},
                            .exercise = v->x.id};
        rc = share_indicator(as, j, j->indicators.v[i], o.id, &ind);
    }
    d->object_type = "incident";
    d->object_id = o.id;
    return rc;
}

static kz_rc start_check(kz_call *as, const kz_exercise_view *v, const kz_inject *j, const char *to,
                         kz_inject_delivery *d)
{
    const kz_scn_role *r = kz_scenario_role(&v->scenario, j->to_role);
    kz_contact_filter f = {.organization = to, .role = kz_enum_name(&kz_contact_role_enum, r->contact_role)};
    kz_page pg = {.limit = 100};
    kz_contact_page found = {0};
    kz_rc rc = kz_store_contact_list(as->db, &f, &pg, as->arena, &found, as->err);
    if (!rc && !found.n)
        rc = kz_fail(as->err, KZ_EINVAL, "players", "inject %lld: the organization playing %s has no %s contact",
                     (long long)j->n, j->to_role, f.role);
    char **ids = rc ? NULL : kz_arena_calloc(as->arena, found.n, sizeof *ids);
    if (!rc && !ids)
        rc = kz_fail(as->err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; !rc && i < found.n; i++)
        ids[i] = found.items[i].id;
    kz_check k = {.contacts = {ids, found.n}, .deadline_hours = 24, .exercise = v->x.id};
    kz_check_view cv;
    if (!rc)
        rc = kz_svc_check_create(as, &k, &cv);
    if (!rc)
        rc = kz_store_exercise_claim(as->db, KZ_XO_CHECK, k.id, v->x.id, as->err);
    d->object_type = "check";
    d->object_id = k.id;
    return rc;
}

/* The contacts of org in the role's contact role (else all of org's), in found. */
static kz_rc role_contacts(kz_call *c, const kz_exercise_view *v, const kz_inject *j, const char *org,
                           kz_contact_page *found)
{
    const kz_scn_role *r = kz_scenario_role(&v->scenario, j->to_role);
    kz_contact_filter f = {.organization = org, .role = kz_enum_name(&kz_contact_role_enum, r->contact_role)};
    kz_page pg = {.limit = 20};
    kz_rc rc = kz_store_contact_list(c->db, &f, &pg, c->arena, found, c->err);
    if (!rc && !found->n) {
        f.role = NULL;
        rc = kz_store_contact_list(c->db, &f, &pg, c->arena, found, c->err);
    }
    return rc;
}

/* One mail notice through the outbox to contact (NULL: recorded as skipped, nobody to
 * tell), in the contact's language, the banner in its subject and body. */
static kz_rc mail_one(kz_call *c, const kz_exercise_view *v, const kz_inject *j, const kz_contact *ct)
{
    bool ja = strcmp(kz_notify_language("exercise.mail", ct), "ja") == 0;
    const kz_scenario *s = &v->scenario;
    char tlp[24];
    snprintf(tlp, sizeof tlp, "TLP:%s", kz_enum_name(&kz_tlp_enum, j->tlp));
    for (char *p = tlp; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    kz_notify_var vars[] = {
        {"banner", ja && s->banner_ja ? s->banner_ja : s->banner},
        {"title", ja && j->title_ja ? j->title_ja : j->title},
        {"text", ja && j->text_ja ? j->text_ja : j->text},
        {"tlp", tlp},
        {"exercise", v->x.id},
        {"exercise_title", ja && s->title_ja ? s->title_ja : v->x.title},
    };
    return kz_notify(c, "exercise.mail", ct, NULL, NULL, vars, sizeof vars / sizeof *vars);
}

/* A mail inject goes out through the real outbox to the role's contacts. */
static kz_rc send_mail(kz_call *c, const kz_exercise_view *v, const kz_inject *j, const char *to)
{
    kz_contact_page found = {0};
    kz_rc rc = role_contacts(c, v, j, to, &found);
    if (!rc && !found.n)
        rc = mail_one(c, v, j, NULL);
    for (size_t i = 0; !rc && i < found.n; i++)
        rc = mail_one(c, v, j, &found.items[i]);
    return rc;
}

kz_rc kz__exercise_deliver(kz_call *c, kz_exercise_view *v, const kz_inject *j, int64_t ex_at, bool early)
{
    const char *to = kz__exercise_org(v, j->to_role);
    const char *from = j->from_role ? kz__exercise_org(v, j->from_role) : v->x.organization;
    if (!to || !from)
        return kz_fail(c->err, KZ_EINTERNAL, NULL, "inject %lld: a role has no player", (long long)j->n);
    /* the inject acts as its role: a caller of that organization playing in this run */
    kz_call as = *c;
    const char **mine = kz_arena_calloc(c->arena, 1, sizeof *mine);
    char *actor = kz_arena_printf(c->arena, "exercise:%s", v->x.id);
    if (!mine || !actor)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    mine[0] = v->x.id;
    as.who = (kz_viewer){.key_id = actor, .org = from, .role = KZ_ROLE_ADMIN, .exercises = mine, .n_exercises = 1};
    as.actor = actor;
    kz_inject_delivery d = {.n = j->n, .delivered_at = kz_now_ms(), .ex_at = ex_at, .early = early};
    kz_rc rc = KZ_OK;
    switch (j->channel) {
    case KZ_INJ_REQUEST: rc = send_request(&as, v, j, to, &d); break;
    case KZ_INJ_INCIDENT: rc = share_incident(&as, v, j, to, &d); break;
    case KZ_INJ_CHECK: rc = start_check(&as, v, j, to, &d); break;
    case KZ_INJ_MAIL: rc = send_mail(c, v, j, to); break;
    default: break;  /* news items are read by the players (GET .../news) */
    }
    if (!rc)
        rc = kz_store_exercise_inject_put(c->db, v->x.id, &d, c->err);
    char *detail = kz_arena_printf(c->arena, "inject %lld at exercise time %lld ms%s", (long long)j->n,
                                   (long long)ex_at, early ? ", early" : "");
    if (!rc)
        rc = kz_audit(c, "exercise.inject", "exercise", v->x.id, detail);
    kz_inject_delivery *grown = rc ? NULL : kz_arena_calloc(c->arena, v->n_delivered + 1, sizeof *grown);
    if (!rc && !grown)
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    if (!rc) {
        if (v->n_delivered)
            memcpy(grown, v->delivered, v->n_delivered * sizeof *grown);
        grown[v->n_delivered++] = d;
        v->delivered = grown;
    }
    return rc;
}

long kz__exercise_deliver_due(kz_call *c, kz_exercise_view *v)
{
    long done = 0;
    int64_t now = kz__exercise_clock(v, kz_now_ms());
    /* in scenario order: an inject `after` another sees it delivered in the same pass */
    for (size_t i = 0; i < v->scenario.n_injects; i++) {
        const kz_inject *j = &v->scenario.injects[i];
        if (kz__exercise_delivered(v, j->n))
            continue;
        int64_t due = kz__exercise_due(c, v, j);
        if (due < 0 || due > now)
            continue;
        if (kz__exercise_deliver(c, v, j, due, false))
            return -1;
        done++;
    }
    return done;
}
