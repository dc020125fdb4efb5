/* Who will see an object: each organization of the directory put to the one policy
 * function, kz_tlp_visible, as the viewer its members would be (audience.h). */
#include "service/sharing/audience.h"

#include "service/core/tlp.h"
#include "service/sharing/incidents.h"
#include "service/sharing/indicators.h"
#include "service/sharing/sharing.h"

#include <string.h>

const char *const kz_audience_why_names[] = {"anyone", "member", "source", "recipient", "client"};

static bool named(const char *org, const kz_tlp_subject *s)
{
    for (size_t i = 0; i < s->n_recipients; i++)
        if (strcmp(org, s->recipients[i]) == 0)
            return true;
    return false;
}

/* Why org (already admitted by kz_tlp_visible) sees s, for the reader of the answer. */
static kz_audience_why why(const kz_org *org, const kz_tlp_subject *s)
{
    if (s->tlp == KZ_TLP_CLEAR)
        return KZ_SEES_ANYONE;
    if (s->tlp == KZ_TLP_GREEN)
        return KZ_SEES_MEMBER;
    if (s->source_org && strcmp(org->id, s->source_org) == 0)
        return KZ_SEES_SOURCE;
    return named(org->id, s) ? KZ_SEES_RECIPIENT : KZ_SEES_CLIENT;
}

/* Appends the organizations of one page that the policy admits; out->orgs has room for
 * every organization seen so far. */
static void admit_page(kz_call *c, const kz_tlp_subject *s, const kz_org_page *pg, kz_audience *out)
{
    for (size_t i = 0; i < pg->n; i++) {
        const kz_org *o = &pg->items[i];
        kz_viewer v = {.key_id = "audience", .org = o->id, .role = KZ_ROLE_VIEWER,
                       .client_of = o->client ? c->node->org_id : NULL};
        if (kz_tlp_visible(&v, s))
            out->orgs[out->n++] = (kz_audience_org){o, why(o, s)};
    }
}

/* Grows out->orgs (arena memory) to room for `room` entries. */
static kz_rc make_room(kz_call *c, kz_audience *out, size_t room)
{
    kz_audience_org *p = kz_arena_calloc(c->arena, room, sizeof *p);
    if (!p)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    if (out->n)
        memcpy(p, out->orgs, out->n * sizeof *p);
    out->orgs = p;
    return KZ_OK;
}

/* Every organization of the directory, page by page, put to the policy. */
static kz_rc compute(kz_call *c, const kz_tlp_subject *s, kz_audience *out)
{
    /* the exercise-only organizations of runs the caller takes no part in are not named */
    kz_org_filter f = {.viewer = &c->who};
    kz_page pg = {NULL, KZ_LIST_MAX};
    size_t seen = 0;
    *out = (kz_audience){.anyone = s->tlp == KZ_TLP_CLEAR};
    kz_rc rc = kz_rtx_begin(c);
    if (rc)
        return rc;
    while (!rc) {
        kz_org_page page;
        if ((rc = kz_store_org_list(c->db, &f, &pg, c->arena, &page, c->err)))
            break;
        seen += page.n;
        if ((rc = make_room(c, out, seen ? seen : 1)))
            break;
        admit_page(c, s, &page, out);
        if (!page.next[0])
            break;
        pg.cursor = kz_arena_strdup(c->arena, page.next);
    }
    kz_rtx_end(c);
    return rc;
}

kz_rc kz_svc_audience(kz_call *c, kz_tlp_subject *s, kz_audience *out)
{
    kz_strlist recipients = {(char **)s->recipients, s->n_recipients};
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    if (!rc)
        rc = kz__acting_org(c, s->source_org, "organization", &s->source_org, c->err);
    if (!rc)
        rc = kz__check_orgs(c, &recipients, "recipients", c->err);
    return rc ? rc : compute(c, s, out);
}

kz_rc kz_svc_incident_audience(kz_call *c, const char *id, kz_incident *obj, kz_audience *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    if (!rc)
        rc = kz_svc_incident_get(c, id, obj);
    if (rc)
        return rc;
    kz_tlp_subject s = kz_incident_subject(obj);
    return compute(c, &s, out);
}

kz_rc kz_svc_indicator_audience(kz_call *c, const char *id, kz_indicator *obj, kz_audience *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    if (!rc)
        rc = kz_svc_indicator_get(c, id, obj);
    if (rc)
        return rc;
    kz_tlp_subject s = kz_indicator_subject(obj);
    return compute(c, &s, out);
}
