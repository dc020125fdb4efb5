/* "Who will see this": POST /api/v1/tlp/audience for a form's sharing before it is
 * saved, GET /api/v1/{incidents,indicators}/{id}/audience for a stored object. The
 * answer is kz_tlp_visible's, asked by the service (service/sharing/audience.h). */
#include "http/handlers.h"

#include "codec/json/json_fields.h"
#include "model/sharing.h"
#include "service/sharing/audience.h"

static json_t *audience_org_json(const kz_audience_org *a)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "id", a->org->id, "name", a->org->name, "state",
                     a->org->state, "why", kz_audience_why_names[a->why]);
}

/* {"tlp", "anyone", "count", "organizations": [{id, name, state, why}]} */
static kz_rc reply_audience(kz_req *r, int tlp, const kz_audience *au)
{
    json_t *orgs = json_array();
    for (size_t i = 0; orgs && i < au->n; i++)
        if (json_array_append_new(orgs, audience_org_json(&au->orgs[i])))
            return kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    json_t *o = json_pack("{s:s, s:b, s:I, s:o*}", "tlp", kz_enum_name(&kz_tlp_enum, tlp), "anyone",
                          au->anyone, "count", (json_int_t)au->n, "organizations", orgs);
    return o ? kz_reply(r, 200, o) : kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
}

kz_rc kz_h_audience_draft(kz_req *r)
{
    json_t *body;
    kz_sharing_draft d = {0};
    kz_audience au;
    kz_rc rc = kz_req_body_object(r, &body);
    if (!rc)
        rc = kz_json_decode(body, &kz_sharing_draft_schema, &d, KZ_DECODE_CREATE, &r->arena, NULL, &r->err);
    kz_tlp_subject s = kz_draft_subject(&d);
    if (!rc)
        rc = kz_svc_audience(&r->call, &s, &au);
    return rc ? rc : reply_audience(r, d.tlp, &au);
}

kz_rc kz_h_incident_audience(kz_req *r)
{
    kz_incident o;
    kz_audience au;
    kz_rc rc = kz_svc_incident_audience(&r->call, r->params[0], &o, &au);
    return rc ? rc : reply_audience(r, o.tlp, &au);
}

kz_rc kz_h_indicator_audience(kz_req *r)
{
    kz_indicator o;
    kz_audience au;
    kz_rc rc = kz_svc_indicator_audience(&r->call, r->params[0], &o, &au);
    return rc ? rc : reply_audience(r, o.tlp, &au);
}
