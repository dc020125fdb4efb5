/* Incidents: reported by an organization, classified with RSIT and NIS2, shared under
 * TLP, with a timeline that records notes and every status change. */
#include "service/sharing/incidents.h"
#include "service/federation/federation.h"

#include "service/sharing/sharing.h"
#include "service/exercises/exercises.h"

#include "model/taxonomy.h"

#include <stdio.h>
#include <string.h>

enum { TIMELINE_MAX = 1000 };

kz_rc kz__visible_incident(kz_call *c, const char *id, kz_incident *out, kz_err *err)
{
    kz_rc rc = kz_store_incident_get(c->db, id, c->arena, out, err);
    if (rc)
        return rc;
    kz_tlp_subject subj = kz_incident_subject(out);
    if (!kz_tlp_visible(&c->who, &subj))
        return kz_fail(err, KZ_ENOTFOUND, "incident", "no incident %.40s", id);
    return KZ_OK;
}

/* Rules across fields, after every create and update. before is the stored incident on
 * update (NULL on create): a new type without a new class moves the class along. */
static kz_rc check_incident(kz_call *c, kz_incident *o, const kz_incident *before)
{
    const kz_term *type = kz_vocab_find(&kz_rsit_types, o->rsit_type);
    if (!type)
        return kz_fail(c->err, KZ_EINVAL, "rsit_type", "rsit_type is required");
    bool class_kept = before && o->rsit_class && before->rsit_class && strcmp(o->rsit_class, before->rsit_class) == 0;
    if (!o->rsit_class || (class_kept && strcmp(o->rsit_type, before->rsit_type) != 0))
        o->rsit_class = (char *)type->parent;
    if (strcmp(o->rsit_class, type->parent) != 0)
        return kz_fail(c->err, KZ_EINVAL, "rsit_type", "RSIT type '%s' belongs to class '%s', not '%s'",
                       o->rsit_type, type->parent, o->rsit_class);
    if (o->status < 0 || o->status >= kz_incident_status_enum.count)
        return kz_fail(c->err, KZ_EINVAL, "status", "unknown status");
    if (!o->occurred)
        o->occurred = before ? before->created : kz_now_ms();
    return kz__check_orgs(c, &o->recipients, "recipients", c->err);
}

static kz_rc add_entry(kz_call *c, const char *incident, int kind, kz_time at, const char *text,
                       kz_timeline_entry *e)
{
    kz_timeline_entry local = {0};
    if (!e)
        e = &local;
    e->id = kz_new_id(c);
    e->created = e->modified = kz_now_ms();
    e->incident = (char *)incident;
    e->at = at ? at : e->created;
    e->kind = kind;
    e->organization = (char *)c->who.org;
    if (text)
        e->text = (char *)text;
    if (!e->id || !e->text)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    return kz_store_timeline_insert(c->db, e, c->err);
}

kz_rc kz_svc_incident_create(kz_call *c, kz_incident *o)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    const char *org = NULL;
    rc = kz__acting_org(c, o->organization, "organization", &org, c->err);
    if (!rc) {
        o->organization = (char *)org;
        rc = check_incident(c, o, NULL);
    }
    if (!rc)
        rc = kz_svc_exercise_claim(c, KZ_XO_INCIDENT, NULL, &o->exercise, (const char *const *)o->recipients.v,
                                   o->recipients.n);
    if (!rc && !o->id && !(o->id = kz_new_id(c)))  /* importers may keep an id from elsewhere */
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    if (!rc) {
        o->created = o->modified = kz_now_ms();
        rc = kz_store_incident_insert(c->db, o, c->err);
    }
    if (!rc)
        rc = add_entry(c, o->id, KZ_TIMELINE_CREATED, o->created,
                       kz_arena_printf(c->arena, "reported, status %s", kz_enum_name(&kz_incident_status_enum, o->status)),
                       NULL);
    if (!rc)
        rc = kz_store_incident_get(c->db, o->id, c->arena, o, c->err);
    if (!rc)
        rc = kz_audit(c, "incident.create", "incident", o->id, kz_enum_name(&kz_tlp_enum, o->tlp));
    if (!rc)
        kz__show_incident(c, o);
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_incident_get(kz_call *c, const char *id, kz_incident *out)
{
    kz_rc rc = kz__sharing_read(c);
    if (!rc && !(rc = kz__visible_incident(c, id, out, c->err)))
        kz__show_incident(c, out);
    return rc;
}

kz_rc kz_svc_incident_update(kz_call *c, const char *id, kz_apply_fn apply, void *ctx, kz_incident *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    rc = kz__visible_incident(c, id, out, c->err);
    if (!rc)
        rc = kz_fed_read_only(c, KZ_FED_INCIDENT, id);
    if (!rc)
        rc = kz_authz_org(c, out->organization, NULL);
    if (rc)  /* out was not read: nothing below may look at it */
        return kz_tx_end(c, rc);
    kz_incident before = *out;
    rc = apply(out, ctx, c->err);
    if (!rc)
        rc = check_incident(c, out, &before);
    if (!rc) {
        out->modified = kz_now_ms();
        rc = kz_store_incident_update(c->db, out, c->err);
    }
    if (!rc && out->status != before.status)
        rc = add_entry(c, id, KZ_TIMELINE_STATUS, out->modified,
                       kz_arena_printf(c->arena, "status changed from %s to %s",
                                       kz_enum_name(&kz_incident_status_enum, before.status),
                                       kz_enum_name(&kz_incident_status_enum, out->status)),
                       NULL);
    kz_tlp_subject was = kz_incident_subject(&before), now = kz_incident_subject(out);
    if (!rc && !kz_tlp_narrows(&was, &now))  /* explicit, by the source alone (sharing.h) */
        rc = kz__may_reshare(c, &was, &now, "tlp");
    if (!rc && !kz_tlp_narrows(&was, &now))
        rc = kz__audit_declassify(c, "incident", id, &was, &now);
    if (!rc)
        rc = kz_store_incident_get(c->db, id, c->arena, out, c->err);
    if (!rc)
        rc = kz_audit(c, "incident.update", "incident", id, NULL);
    if (!rc)
        kz__show_incident(c, out);
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_incident_list(kz_call *c, const kz_incident_filter *f, const kz_page *pg, kz_incident_page *out)
{
    kz_rc rc = kz__sharing_read(c);
    if (!rc)
        rc = kz_store_incident_list(c->db, &c->who, f, pg, c->arena, out, c->err);
    for (size_t i = 0; !rc && i < out->n; i++)
        kz__show_incident(c, &out->items[i]);
    return rc;
}

kz_rc kz_svc_incident_counts(kz_call *c, const kz_incident_filter *f, kz_incident_dim by, kz_counts *out)
{
    kz_rc rc = kz__sharing_read(c);
    return rc ? rc : kz_store_incident_counts(c->db, &c->who, f, by, c->arena, out, c->err);
}

kz_rc kz_svc_timeline_add(kz_call *c, const char *incident, kz_timeline_entry *e)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    kz_incident o;
    rc = kz__visible_incident(c, incident, &o, c->err);
    if (!rc)
        rc = add_entry(c, o.id, KZ_TIMELINE_NOTE, e->at, NULL, e);
    if (!rc)
        rc = kz_audit(c, "incident.timeline", "incident", o.id, e->id);
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_timeline_list(kz_call *c, const char *incident, kz_timeline_entry **items, size_t *n)
{
    kz_incident o;
    kz_rc rc = kz__sharing_read(c);
    if (!rc)
        rc = kz__visible_incident(c, incident, &o, c->err);
    return rc ? rc : kz_store_timeline_list(c->db, o.id, TIMELINE_MAX, c->arena, items, n, c->err);
}

kz_rc kz__incident_reimport(kz_call *c, const char *id, kz_incident *inc, bool declassify, kz_apply_fn apply,
                            kz_incident *out)
{
    kz_incident stored;
    kz_rc rc = kz__visible_incident(c, id, &stored, c->err);
    if (rc)
        return rc;
    bool same_run = (!inc->exercise && !stored.exercise) ||
                    (inc->exercise && stored.exercise && strcmp(inc->exercise, stored.exercise) == 0);
    if (!same_run)  /* an import inside a run never rewrites real work, nor one outside it a run's */
        return kz_fail(c->err, KZ_ECONFLICT, "exercise", "incident %.40s is %s: exercise material and real work "
                       "are kept apart", id, stored.exercise ? "exercise material" : "real work");
    kz_tlp_subject before = kz_incident_subject(&stored), want = kz_incident_subject(inc), after;
    kz__merge_sharing(kz__write_target(c, &before), declassify, &before, &want, &after);
    inc->tlp = after.tlp;
    inc->recipients = (kz_strlist){(char **)after.recipients, after.n_recipients};
    inc->allow_clients = after.allow_clients;
    return kz_svc_incident_update(c, id, apply, inc, out);
}
