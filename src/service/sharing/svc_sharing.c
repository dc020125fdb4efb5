/* The helpers every sharing use case applies (sharing.h): who may read shared objects,
 * which organizations exist, and for which organization a caller may write. */
#include "service/sharing/sharing.h"

#include "store/directory/directory.h"
#include "store/sharing/sharing.h"

#include "model/enums.h"

#include <stdio.h>
#include <string.h>

kz_rc kz__sharing_read(kz_call *c)
{
    if (!c->who.key_id && c->node->public_clear)
        return KZ_OK;
    return kz_authz_role(c, KZ_ROLE_VIEWER);
}

kz_rc kz__check_orgs(kz_call *c, const kz_strlist *list, const char *field, kz_err *err)
{
    for (size_t i = 0; i < list->n; i++) {
        kz_org org;
        kz_err e2;
        kz_rc rc = kz_store_org_get(c->db, list->v[i], c->arena, &org, &e2);
        if (rc == KZ_ENOTFOUND) {
            kz_fail(err, KZ_EINVAL, NULL, "no organization %.40s", list->v[i]);
            snprintf(err->field, sizeof err->field, "%s[%zu]", field, i);
            return KZ_EINVAL;
        }
        if (rc)
            return kz_fail(err, rc, NULL, "%s", e2.msg);
    }
    return KZ_OK;
}

kz_rc kz__acting_org(kz_call *c, const char *given, const char *field, const char **out, kz_err *err)
{
    if (!given) {
        if (!c->who.org)
            return kz_fail(err, KZ_EUNAUTH, NULL, "an API key is required");
        *out = c->who.org;
        return KZ_OK;
    }
    kz_org org;
    kz_err e2;
    kz_rc rc = kz_store_org_get(c->db, given, c->arena, &org, &e2);
    if (rc == KZ_ENOTFOUND)
        return kz_fail(err, KZ_EINVAL, field, "no organization %.40s", given);
    if (rc)
        return kz_fail(err, rc, NULL, "%s", e2.msg);
    kz_err *saved = c->err;
    c->err = err;
    rc = kz_authz_org(c, given, field);
    c->err = saved;
    if (!rc)
        *out = given;
    return rc;
}

/* ---- the write rules (sharing.h) ---------------------------------------------------- */

kz_write_target kz__write_target(const kz_call *c, const kz_tlp_subject *stored)
{
    if (!stored)
        return KZ_WRITE_NEW;
    if (!kz_tlp_visible(&c->who, stored))
        return KZ_WRITE_HIDDEN;
    if (c->who.org && stored->source_org && strcmp(c->who.org, stored->source_org) == 0)
        return KZ_WRITE_OWN;
    return KZ_WRITE_SHARED;
}

bool kz__merge_sharing(kz_write_target t, bool declassify, const kz_tlp_subject *stored,
                       const kz_tlp_subject *want, kz_tlp_subject *out)
{
    if (t == KZ_WRITE_HIDDEN) {
        *out = *stored;
        return false;
    }
    bool narrows = kz_tlp_narrows(stored, want);
    if (narrows || (t == KZ_WRITE_OWN && declassify)) {
        *out = *want;
        return !narrows;
    }
    *out = *stored;
    out->tlp = want->tlp > stored->tlp ? want->tlp : stored->tlp;
    return false;
}

kz_rc kz__may_reshare(kz_call *c, const kz_tlp_subject *before, const kz_tlp_subject *after, const char *field)
{
    if (kz_tlp_narrows(before, after) || kz__write_target(c, before) == KZ_WRITE_OWN)
        return KZ_OK;
    return kz_fail(c->err, KZ_EFORBIDDEN, field,
                   "only the source organization may lower the label or widen the recipients");
}

kz_rc kz__audit_declassify(kz_call *c, const char *kind, const char *id, const kz_tlp_subject *from,
                           const kz_tlp_subject *to)
{
    char action[48], detail[96];
    snprintf(action, sizeof action, "%s.declassify", kind);
    snprintf(detail, sizeof detail, "{\"from\":\"%s\",\"to\":\"%s\",\"recipients\":%zu}",
             kz_enum_name(&kz_tlp_enum, from->tlp), kz_enum_name(&kz_tlp_enum, to->tlp), to->n_recipients);
    return kz_audit(c, action, kind, id, detail);
}

kz_rc kz__audit_withheld(kz_call *c, const char *kind, const char *id)
{
    char action[48];
    snprintf(action, sizeof action, "%s.withheld", kind);
    return kz_audit(c, action, kind, id, "{\"reason\":\"the writer may not see the stored object\"}");
}

void kz__show_recipients(const kz_call *c, const char *source, int tlp, bool allow_clients, kz_strlist *recipients)
{
    if (!recipients->n)
        return;
    const char *shown[KZ_RECIPIENTS_MAX];
    kz_tlp_subject o = {tlp, source, (const char *const *)recipients->v,
                        recipients->n < KZ_RECIPIENTS_MAX ? recipients->n : KZ_RECIPIENTS_MAX, allow_clients};
    size_t n = kz_tlp_recipients_shown(&c->who, &o, shown);
    for (size_t i = 0; i < n; i++)
        recipients->v[i] = (char *)shown[i];
    recipients->n = n;
}

void kz__show_indicator(const kz_call *c, kz_indicator *o)
{
    kz__show_recipients(c, o->source, o->tlp, o->allow_clients, &o->recipients);
}

void kz__show_incident(const kz_call *c, kz_incident *o)
{
    kz__show_recipients(c, o->organization, o->tlp, o->allow_clients, &o->recipients);
}

void kz__show_sighting(const kz_call *c, kz_sighting *o)
{
    kz__show_recipients(c, o->observer, o->tlp, o->allow_clients, &o->recipients);
}

bool kz__hidden(kz_call *c, char kind, const char *id)
{
    kz_err e;
    kz_tlp_subject subj;
    kz_indicator ind;
    kz_incident inc;
    kz_sighting sig;
    if (kind == 'i' && kz_store_indicator_get(c->db, NULL, id, c->arena, &ind, &e) == KZ_OK)
        subj = kz_indicator_subject(&ind);
    else if (kind == 'r' && kz_store_incident_get(c->db, id, c->arena, &inc, &e) == KZ_OK)
        subj = kz_incident_subject(&inc);
    else if (kind == 's' && kz_store_sighting_get(c->db, id, c->arena, &sig, &e) == KZ_OK)
        subj = kz_sighting_subject(&sig);
    else
        return false;
    return !kz_tlp_visible(&c->who, &subj);
}
