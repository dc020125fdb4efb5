/* /api/v1/keys: API keys; the secret appears once, in the creation reply. */
#include "http/handlers.h"

#include "codec/json/json_fields.h"
#include "crypto/crypto.h"
#include "model/validate.h"
#include "service/directory/keys.h"

kz_rc kz_h_key_create(kz_req *r)
{
    json_t *body;
    kz_apikey k = {0};
    char secret[KZ_KEY_TEXT];
    kz_rc rc = kz_req_body_object(r, &body);
    if (!rc)
        rc = kz_json_decode(body, &kz_apikey_schema, &k, KZ_DECODE_CREATE, &r->arena, NULL, &r->err);
    if (!rc)
        rc = kz_svc_key_create(&r->call, &k, secret);
    if (rc)
        return rc;
    json_t *o = kz_json_encode(&kz_apikey_schema, &k);
    if (o)
        json_object_set_new(o, "key", json_string(secret));
    kz_wipe(secret, sizeof secret);
    return kz_reply(r, 201, o);
}

kz_rc kz_h_key_get(kz_req *r)
{
    kz_apikey k;
    kz_rc rc = kz_svc_key_get(&r->call, r->params[0], &k);
    return rc ? rc : kz_reply(r, 200, kz_json_encode(&kz_apikey_schema, &k));
}

kz_rc kz_h_key_list(kz_req *r)
{
    static const char *const allowed[] = {"organization", "limit", "cursor", NULL};
    const char *org;
    kz_page pg;
    kz_apikey_page page;
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc) rc = kz_req_query_checked(r, "organization", kz_valid_uuid, &org);
    if (!rc) rc = kz_req_page(r, &pg);
    if (!rc) rc = kz_svc_key_list(&r->call, org, &pg, &page);
    if (rc)
        return rc;
    return kz_reply_page(r, &kz_apikey_schema, page.items, page.n, sizeof *page.items, page.next);
}

kz_rc kz_h_key_revoke(kz_req *r)
{
    kz_rc rc = kz_svc_key_revoke(&r->call, r->params[0]);
    return rc ? rc : kz_reply(r, 204, json_null());
}
