/* /api/v1/contacts: the points-of-contact directory. */
#include "http/handlers.h"

#include "codec/json_fields.h"
#include "model/validate.h"
#include "service/directory/contacts.h"

static json_t *contact_json(const kz_contact *c) { return kz_json_encode(&kz_contact_schema, c); }

kz_rc kz_h_contact_create(kz_req *r)
{
    json_t *body;
    kz_contact c = {0};
    kz_rc rc = kz_req_body_object(r, &body);
    if (!rc)
        rc = kz_json_decode(body, &kz_contact_schema, &c, KZ_DECODE_CREATE, &r->arena, NULL, &r->err);
    if (!rc)
        rc = kz_svc_contact_create(&r->call, &c);
    return rc ? rc : kz_reply(r, 201, contact_json(&c));
}

kz_rc kz_h_contact_get(kz_req *r)
{
    kz_contact c;
    kz_rc rc = kz_svc_contact_get(&r->call, r->params[0], &c);
    return rc ? rc : kz_reply_origin(r, contact_json(&c), KZ_FED_CONTACT, c.id);
}

kz_rc kz_h_contact_update(kz_req *r)
{
    json_t *body;
    kz_contact c;
    kz_rc rc = kz_req_body_object(r, &body);
    kz_json_patch patch = {body, &kz_contact_schema, &r->arena};
    if (!rc)
        rc = kz_svc_contact_update(&r->call, r->params[0], kz_json_apply_patch, &patch, &c);
    return rc ? rc : kz_reply(r, 200, contact_json(&c));
}

kz_rc kz_h_contact_delete(kz_req *r)
{
    kz_rc rc = kz_svc_contact_delete(&r->call, r->params[0]);
    return rc ? rc : kz_reply(r, 204, json_null());
}

kz_rc kz_h_contact_list(kz_req *r)
{
    static const char *const allowed[] = {"state", "role", "organization", "q", "limit", "cursor", NULL};
    kz_contact_filter f = {0};
    kz_page pg;
    kz_contact_page page;
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc) rc = kz_req_query_checked(r, "state", kz_valid_country, &f.state);
    if (!rc) rc = kz_req_query_checked(r, "role", kz_valid_contact_role, &f.role);
    if (!rc) rc = kz_req_query_checked(r, "organization", kz_valid_uuid, &f.organization);
    if (!rc) rc = kz_req_query_checked(r, "q", NULL, &f.q);
    if (!rc) rc = kz_req_page(r, &pg);
    if (!rc) rc = kz_svc_contact_list(&r->call, &f, &pg, &page);
    if (rc)
        return rc;
    return kz_reply_page(r, &kz_contact_schema, page.items, page.n, sizeof *page.items, page.next);
}
