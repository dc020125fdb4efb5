/* Node-level endpoints: health, states reference data, node info, the audit chain and
 * (only when the server runs with --test-clock) moving the clock for tests. */
#include "http/handlers.h"

#include "codec/core/audit_head.h"
#include "codec/json/json_fields.h"
#include "crypto/crypto.h"
#include "kz_config.h"
#include "model/states.h"
#include "service/core/audit.h"
#include "service/core/scheduler.h"
#include "service/federation/federation.h"
#include "store/federation/fed_keys.h"

#include <string.h>

kz_rc kz_h_health(kz_req *r)
{
    return kz_reply(r, 200, json_pack("{s:s, s:s}", "status", "ok", "version", KZ_VERSION));
}

static json_t *state_json(const kz_state_ref *s)
{
    return json_pack("{s:s, s:s, s:s}", "code", s->alpha2, "alpha3", s->alpha3, "name", s->name);
}

kz_rc kz_h_states(kz_req *r)
{
    size_t n;
    const kz_state_ref *all = kz_states_all(&n);
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++)
        json_array_append_new(arr, state_json(&all[i]));
    return kz_reply(r, 200, kz_page_json(arr, NULL));
}

kz_rc kz_h_state_get(kz_req *r)
{
    const kz_state_ref *s = kz_state_find(r->params[0]);
    if (!s)
        return kz_fail(&r->err, KZ_ENOTFOUND, "state", "no ISO 3166-1 state %.8s", r->params[0]);
    return kz_reply(r, 200, state_json(s));
}

kz_rc kz_h_node(kz_req *r)
{
    kz_node_identity id;
    kz_rc rc = kz_svc_node_identity(&r->call, &id);
    if (rc)
        return rc;
    kz_node_key *old = NULL;
    size_t n = 0;
    if ((rc = kz_svc_node_old_keys(&r->call, &old, &n)))
        return rc;
    json_t *prev = json_array();
    for (size_t i = 0; prev && i < n; i++) { /* so a peer can tell a rotated key from a stranger's */
        json_t *k = json_pack("{s:s, s:s, s:s}", "public_key", old[i].public_key, "fingerprint", old[i].fingerprint,
                              "replaced_by", old[i].replaced_by);
        if (k) {
            kz_json_set_time(k, "replaced", old[i].retired);
            kz_json_set_time(k, "accepted_until", old[i].until);
            if (old[i].revoked)
                kz_json_set_time(k, "revoked", old[i].revoked);
        }
        json_array_append_new(prev, k);
    }
    return kz_reply(r, 200, json_pack("{s:s, s:{s:s, s:s}, s:s, s:i, s:{s:s, s:s, s:s}, s:o}", "organization", id.node,
                                      "operator", "name", id.name, "state", id.state, "version", KZ_VERSION,
                                      "schema_version", kz_store_schema_version(), "signing_key", "algorithm",
                                      "ed25519", "public_key", id.public_key, "fingerprint", id.fingerprint,
                                      "previous_keys", prev));
}

kz_rc kz_h_audit_list(kz_req *r)
{
    static const char *const allowed[] = {"limit", "cursor", NULL};
    kz_page pg;
    kz_audit_page page;
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc) rc = kz_req_page(r, &pg);
    if (!rc) rc = kz_svc_audit_list(&r->call, &pg, &page);
    if (rc)
        return rc;
    json_t *items = json_array();
    for (size_t i = 0; items && i < page.n; i++) {
        const kz_audit_event *e = &page.items[i];
        json_t *o = json_pack("{s:I, s:s?, s:s?, s:s, s:s, s:s?, s:s?, s:s?, s:s, s:s, s:s?}", "seq",
                              (json_int_t)e->seq, "actor_key", e->actor_key, "actor_org", e->actor_org,
                              "action", e->action, "object_type", e->object_type, "object_id",
                              e->object_id, "request_id", e->request_id, "detail", e->detail,
                              "prev_hash", e->prev_hash, "hash", e->hash, "signature", e->sig[0] ? e->sig : NULL);
        if (o)
            kz_json_set_time(o, "at", e->at);
        json_array_append_new(items, o);
    }
    return kz_reply(r, 200, kz_page_json(items, page.next));
}

kz_rc kz_h_audit_verify(kz_req *r)
{
    kz_audit_report rep;
    kz_rc rc = kz_svc_audit_verify(&r->call, &rep);
    if (rc && rc != KZ_ECORRUPT)
        return rc;
    return kz_reply(r, 200, json_pack("{s:b, s:I, s:I, s:s}", "intact", rc == KZ_OK, "entries",
                                      (json_int_t)rep.entries, "first_bad", (json_int_t)rep.first_bad,
                                      "reason", rep.reason));
}

kz_rc kz_h_audit_head(kz_req *r)
{
    kz_audit_head h;
    kz_rc rc = kz_svc_audit_head(&r->call, &h);
    return rc ? rc : kz_reply(r, 200, kz_audit_head_json(&h));
}

kz_rc kz_h_test_clock(kz_req *r)
{
    json_t *body;
    kz_rc rc = kz_req_body_object(r, &body);
    if (!rc && !r->call.node->test_clock)
        return kz_fail(&r->err, KZ_ENOTFOUND, NULL, "no such endpoint");
    if (!rc)
        rc = kz_authz_role(&r->call, KZ_ROLE_ADMIN);
    json_t *adv = body ? json_object_get(body, "advance_seconds") : NULL;
    if (!rc && (json_object_size(body) != 1 || !json_is_integer(adv)))
        rc = kz_fail(&r->err, KZ_EINVAL, "advance_seconds", "the body must be {\"advance_seconds\": integer}");
    if (rc)
        return rc;
    int64_t offset = kz_clock_advance(json_integer_value(adv) * 1000);
    kz_scheduler_wake();
    char now[40];
    return kz_reply(r, 200, json_pack("{s:s, s:I}", "now", kz_time_format(kz_now_ms(), now, sizeof now),
                                      "offset_seconds", (json_int_t)(offset / 1000)));
}
