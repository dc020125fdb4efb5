/* /api/v1/organizations */
#include "http/handlers.h"

#include "codec/json_fields.h"
#include "model/validate.h"
#include "service/directory/orgs.h"

static json_t *org_json(const kz_org *o) { return kz_json_encode(&kz_org_schema, o); }

kz_rc kz_h_org_create(kz_req *r)
{
    json_t *body;
    kz_org o = {0};
    kz_rc rc = kz_req_body_object(r, &body);
    if (!rc)
        rc = kz_json_decode(body, &kz_org_schema, &o, KZ_DECODE_CREATE, &r->arena, NULL, &r->err);
    if (!rc)
        rc = kz_svc_org_create(&r->call, &o);
    return rc ? rc : kz_reply(r, 201, org_json(&o));
}

kz_rc kz_h_org_get(kz_req *r)
{
    kz_org o;
    kz_rc rc = kz_svc_org_get(&r->call, r->params[0], &o);
    return rc ? rc : kz_reply_origin(r, org_json(&o), KZ_FED_ORGANIZATION, o.id);
}

kz_rc kz_h_org_update(kz_req *r)
{
    json_t *body;
    kz_org o;
    kz_rc rc = kz_req_body_object(r, &body);
    kz_json_patch patch = {body, &kz_org_schema, &r->arena};
    if (!rc)
        rc = kz_svc_org_update(&r->call, r->params[0], kz_json_apply_patch, &patch, &o);
    return rc ? rc : kz_reply(r, 200, org_json(&o));
}

kz_rc kz_h_org_delete(kz_req *r)
{
    kz_rc rc = kz_svc_org_delete(&r->call, r->params[0]);
    return rc ? rc : kz_reply(r, 204, json_null());
}

static kz_rc check_kind(const char *v, const char *field, kz_err *err)
{
    return kz_enum_parse(&kz_org_kind_enum, v) >= 0 ? KZ_OK
                                                    : kz_fail(err, KZ_EINVAL, field, "unknown organization kind");
}

kz_rc kz_h_org_list(kz_req *r)
{
    static const char *const allowed[] = {"state", "kind", "q", "limit", "cursor", NULL};
    kz_org_filter f = {0};
    kz_page pg;
    kz_org_page page;
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc) rc = kz_req_query_checked(r, "state", kz_valid_country, &f.state);
    if (!rc) rc = kz_req_query_checked(r, "kind", check_kind, &f.kind);
    if (!rc) rc = kz_req_query_checked(r, "q", NULL, &f.q);
    if (!rc) rc = kz_req_page(r, &pg);
    if (!rc) rc = kz_svc_org_list(&r->call, &f, &pg, &page);
    if (rc)
        return rc;
    return kz_reply_page(r, &kz_org_schema, page.items, page.n, sizeof *page.items, page.next);
}
