/* /api/v1/peers (admin: the peers of this node, their health, pause, resume, remove,
 * sync now) and the node-to-node endpoints under /federation/v1/, whose credential is
 * the RFC 9421 signature of the request, and whose answers are signed too. */
#include "http/handlers.h"

#include "codec/json/json_fields.h"
#include "service/federation/federation.h"
#include "store/federation/fed_keys.h"
#include "store/federation/federation.h"

#include <string.h>

/* Where the peer's key rotation stands: none, overlap (both keys accepted), done (only
 * the new one), revoked (the old one revoked). */
static const char *rotation_state(const kz_peer *p)
{
    if (!p->prev_fingerprint)
        return "none";
    if (p->prev_revoked)
        return "revoked";
    return kz_now_ms() <= p->prev_until ? "overlap" : "done";
}

/* The peer's keys: the pinned one, and the one its last rotation replaced. */
static json_t *keys_json(const kz_peer *p)
{
    json_t *arr = json_array();
    json_array_append_new(arr, json_pack("{s:s, s:s}", "fingerprint", p->fingerprint, "state", "current"));
    if (p->prev_fingerprint) {
        const char *st = rotation_state(p);
        json_t *k = json_pack("{s:s, s:s, s:s?}", "fingerprint", p->prev_fingerprint, "state",
                              strcmp(st, "overlap") == 0 ? "overlap" : strcmp(st, "revoked") == 0 ? "revoked" : "retired",
                              "reason", p->prev_reason);
        if (k) {
            kz_json_set_time(k, "until", p->prev_until);
            if (p->prev_revoked)
                kz_json_set_time(k, "revoked", p->prev_revoked);
        }
        json_array_append_new(arr, k);
    }
    return arr;
}

static json_t *peer_json(const kz_peer_view *v)
{
    json_t *o = kz_json_encode(&kz_peer_schema, &v->peer);
    json_t *refused = json_array();
    for (size_t i = 0; refused && i < v->n_refusals; i++) {
        const kz_peer_refusal *f = &v->refusals[i];
        json_t *e = json_pack("{s:s, s:s, s:s?}", "direction", f->direction, "reason", f->reason, "object", f->object);
        if (e)
            kz_json_set_time(e, "at", f->at);
        json_array_append_new(refused, e);
    }
    if (o) {
        json_object_set_new(o, "waiting", json_pack("{s:I, s:I, s:I}", "to_peer", (json_int_t)v->waiting_out,
                                                    "from_peer", (json_int_t)v->waiting_in, "pending",
                                                    (json_int_t)v->pending));
        json_object_set_new(o, "refusals", refused);
        json_object_set_new(o, "keys", keys_json(&v->peer));
        json_object_set_new(o, "rotation", json_string(rotation_state(&v->peer)));
        json_object_set_new(o, "key_notices", json_pack("{s:I, s:s?}", "waiting", (json_int_t)v->notices_waiting,
                                                        "error", v->notice_error));
    } else {
        json_decref(refused);
    }
    return o;
}

kz_rc kz_set_origin(kz_req *r, json_t *o, int kind, const char *id)
{
    kz_fed_origin org;
    kz_rc rc = kz_svc_fed_origin(&r->call, kind, id, &org);
    if (rc)
        return rc;
    json_t *v = org.federated ? json_pack("{s:s, s:s?, s:s?, s:s?}", "peer", org.peer, "node", org.node, "name", org.name,
                                          "state", org.state)
                              : json_null();
    return o && !json_object_set_new(o, "origin", v) ? KZ_OK : kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
}

kz_rc kz_reply_origin(kz_req *r, json_t *o, int kind, const char *id)
{
    kz_rc rc = kz_set_origin(r, o, kind, id);
    if (rc) {
        json_decref(o);
        return rc;
    }
    return kz_reply(r, 200, o);
}

kz_rc kz_h_peer_add(kz_req *r)
{
    json_t *body;
    kz_peer_view v;
    kz_rc rc = kz_req_body_object(r, &body);
    const char *url = NULL, *fp = NULL, *ca = NULL;
    const char *key;
    json_t *val;
    json_object_foreach(body, key, val) {
        const char **slot = strcmp(key, "url") == 0           ? &url
                            : strcmp(key, "fingerprint") == 0 ? &fp
                            : strcmp(key, "ca") == 0          ? &ca
                                                              : NULL;
        if (!rc && !slot)
            rc = kz_fail(&r->err, KZ_EINVAL, key, "unknown field '%.64s' for a peer (url, fingerprint, ca)", key);
        else if (!rc && slot == &ca && json_is_null(val))
            continue;
        else if (!rc && !json_is_string(val))
            rc = kz_fail(&r->err, KZ_EINVAL, key, "%s must be a string", key);
        else if (!rc)
            *slot = json_string_value(val);
    }
    if (!rc && !fp)
        rc = kz_fail(&r->err, KZ_EINVAL, "fingerprint", "fingerprint is required: the one `kizuna node` shows on the peer");
    if (!rc)
        rc = kz_svc_peer_add(&r->call, url, fp, ca, &v);
    return rc ? rc : kz_reply(r, 201, peer_json(&v));
}

/* PATCH /peers/{id}: {"ca": PEM or null}, the only field that changes after peering. */
kz_rc kz_h_peer_patch(kz_req *r)
{
    json_t *body;
    kz_peer_view v;
    kz_rc rc = kz_req_body_object(r, &body);
    const char *key;
    json_t *val, *ca = NULL;
    json_object_foreach(body, key, val) {
        if (!rc && strcmp(key, "ca") != 0)
            rc = kz_fail(&r->err, KZ_EINVAL, key, "unknown field '%.64s' for a peer change (ca)", key);
        else if (!rc && !json_is_string(val) && !json_is_null(val))
            rc = kz_fail(&r->err, KZ_EINVAL, "ca", "ca must be PEM text, or null for the system's CA store");
        else
            ca = val;
    }
    if (!rc && !ca)
        rc = kz_fail(&r->err, KZ_EINVAL, "ca", "ca is required: PEM text, or null for the system's CA store");
    if (!rc)
        rc = kz_svc_peer_set_ca(&r->call, r->params[0], json_string_value(ca), &v);
    return rc ? rc : kz_reply(r, 200, peer_json(&v));
}

kz_rc kz_h_peer_list(kz_req *r)
{
    kz_peer_view *items;
    size_t n;
    kz_rc rc = kz_svc_peer_list(&r->call, &items, &n);
    if (rc)
        return rc;
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++)
        json_array_append_new(arr, peer_json(&items[i]));
    return kz_reply(r, 200, kz_page_json(arr, NULL));
}

kz_rc kz_h_peer_get(kz_req *r)
{
    kz_peer_view v;
    kz_rc rc = kz_svc_peer_get(&r->call, r->params[0], &v);
    return rc ? rc : kz_reply(r, 200, peer_json(&v));
}

kz_rc kz_h_peer_delete(kz_req *r)
{
    kz_rc rc = kz_svc_peer_remove(&r->call, r->params[0]);
    return rc ? rc : kz_reply(r, 204, json_null());
}

/* POST /peers/{id}/{action}: pause, resume, sync */
kz_rc kz_h_peer_action(kz_req *r)
{
    const char *id = r->params[0], *action = r->params[1];
    kz_peer_view v;
    kz_sync_report rep;
    kz_rc rc;
    if (strcmp(action, "pause") == 0 || strcmp(action, "resume") == 0) {
        rc = kz_svc_peer_set_status(&r->call, id, action[0] == 'p' ? KZ_PEER_PAUSED : KZ_PEER_ACTIVE, &v);
        return rc ? rc : kz_reply(r, 200, peer_json(&v));
    }
    if (strcmp(action, "sync") != 0)
        return kz_fail(&r->err, KZ_ENOTFOUND, NULL, "no such endpoint (pause, resume or sync)");
    rc = kz_svc_peer_sync(&r->call, id, &rep);
    if (rc)
        return rc;
    return kz_reply(r, 200, json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "messages", (json_int_t)rep.messages, "bytes",
                                      (json_int_t)rep.bytes, "applied", (json_int_t)rep.applied, "refused",
                                      (json_int_t)rep.refused, "pending", (json_int_t)rep.pending, "cursor",
                                      (json_int_t)rep.cursor));
}

/* The target URI the sender signed: this node's public URL when it has one (behind TLS
 * or a proxy), else what the request itself says. */
static const char *target_uri(kz_req *r)
{
    const char *pub = r->call.node->public_url;
    if (pub[0])
        return kz_arena_printf(&r->arena, "%s%s", pub, r->path);
    const char *host = kz_req_header(r, "Host");
    return host ? kz_arena_printf(&r->arena, "http://%s%s", host, r->path) : NULL;
}

/* A node-to-node request as its signature covers it. */
static kz_fed_wire wire_in(kz_req *r)
{
    return (kz_fed_wire){.method = r->method, .target_uri = target_uri(r),
                         .content_digest = kz_req_header(r, "Content-Digest"),
                         .signature_input = kz_req_header(r, "Signature-Input"),
                         .signature = kz_req_header(r, "Signature"), .body = r->body.p, .len = r->body.len};
}

/* The headers of a signed answer (its body set by the caller). */
static kz_rc reply_signature(kz_req *r, const kz_fed_wire *answer)
{
    r->status = 200;
    r->content_type = "application/json";
    kz_reply_header(r, "Content-Digest", answer->content_digest);
    kz_reply_header(r, "Signature-Input", answer->signature_input);
    return kz_reply_header(r, "Signature", answer->signature);
}

kz_rc kz_h_fed_changes(kz_req *r)
{
    kz_fed_wire in = wire_in(r);
    kz_peer from;
    const char *nonce = NULL;
    if (!in.target_uri)
        return kz_fail(&r->err, KZ_EINVAL, "Host", "the request has no Host header");
    kz_rc rc = kz_fed_verify_request(&r->call, &in, &from, &nonce);
    if (rc)
        return rc;
    kz_buf out;
    kz_buf_init(&out, 64 * 1024 * 1024);
    rc = kz_svc_fed_changes(&r->call, &from, r->body.p ? r->body.p : "", r->body.len, &out);
    kz_fed_wire answer = {.status = 200, .body = out.p, .len = out.len};
    if (!rc)
        rc = kz_fed_sign(&r->call, &answer, nonce);  /* repeats the request's nonce: bound to it */
    if (rc) {
        kz_buf_free(&out);
        return rc;
    }
    r->raw_len = out.len;
    r->raw_heap = kz_buf_steal(&out);
    return reply_signature(r, &answer);
}

/* POST /node/rotate-key {"overlap_seconds": N} and /node/revoke-key {"reason": "..."} */
kz_rc kz_h_node_key(kz_req *r)
{
    size_t n = strlen(r->path);
    bool rotate = n >= 10 && strcmp(r->path + n - 10, "rotate-key") == 0;
    json_t *body = NULL, *val;
    kz_rc rc = r->body.len ? kz_req_body_object(r, &body) : KZ_OK;
    int64_t overlap = KZ_FED_OVERLAP_S;
    const char *reason = NULL, *key;
    const char *want = rotate ? "overlap_seconds" : "reason";
    json_object_foreach(body, key, val) {
        if (!rc && strcmp(key, want) != 0)
            rc = kz_fail(&r->err, KZ_EINVAL, key, "unknown field '%.64s' (%s)", key, want);
        else if (!rc && rotate && !json_is_integer(val))
            rc = kz_fail(&r->err, KZ_EINVAL, key, "overlap_seconds must be an integer");
        else if (!rc && !rotate && !json_is_string(val))
            rc = kz_fail(&r->err, KZ_EINVAL, key, "reason must be a string");
        else if (!rc && rotate)
            overlap = json_integer_value(val);
        else if (!rc)
            reason = json_string_value(val);
    }
    kz_key_report rep;
    if (!rc)
        rc = rotate ? kz_svc_node_rotate_key(&r->call, overlap, &rep) : kz_svc_node_revoke_key(&r->call, reason, &rep);
    if (rc)
        return rc;
    json_t *told = json_array();
    for (size_t i = 0; told && i < rep.n; i++)
        json_array_append_new(told, json_pack("{s:s, s:s?, s:b, s:s?}", "peer", rep.told[i].peer, "name",
                                              rep.told[i].name, "delivered", rep.told[i].error == NULL, "error",
                                              rep.told[i].error));
    json_t *o = json_pack("{s:s, s:s, s:o}", rotate ? "old_fingerprint" : "revoked_fingerprint", rep.old_fingerprint,
                          "fingerprint", rep.fingerprint, "peers", told);
    if (o)
        kz_json_set_time(o, rotate ? "overlap_until" : "revoked", rep.until);
    return kz_reply(r, 200, o);
}

/* The signed {"accepted":true} that answers a notice or a poke, bound to its nonce. */
static kz_rc reply_accepted(kz_req *r, const char *nonce)
{
    static const char ok[] = "{\"accepted\":true}";
    kz_fed_wire answer = {.status = 200, .body = ok, .len = sizeof ok - 1};
    kz_rc rc = kz_fed_sign(&r->call, &answer, nonce);
    if (rc)
        return rc;
    r->raw_len = answer.len;
    r->raw = (char *)ok;
    return reply_signature(r, &answer);
}

/* POST /federation/v1/keys: a peer's key rotation or revocation notice. */
kz_rc kz_h_fed_keys(kz_req *r)
{
    kz_fed_wire in = wire_in(r);
    kz_peer from;
    const char *nonce = NULL;
    bool by_prev = false;
    if (!in.target_uri)
        return kz_fail(&r->err, KZ_EINVAL, "Host", "the request has no Host header");
    kz_rc rc = kz_fed_verify_request_key(&r->call, &in, &from, &nonce, &by_prev);
    if (!rc)
        rc = kz_svc_fed_key_message(&r->call, &from, by_prev, r->body.p ? r->body.p : "", r->body.len);
    return rc ? rc : reply_accepted(r, nonce);
}

/* POST /federation/v1/poke: a peer's log grew; pull from it now. */
kz_rc kz_h_fed_poke(kz_req *r)
{
    kz_fed_wire in = wire_in(r);
    kz_peer from;
    const char *nonce = NULL;
    if (!in.target_uri)
        return kz_fail(&r->err, KZ_EINVAL, "Host", "the request has no Host header");
    kz_rc rc = kz_fed_verify_request(&r->call, &in, &from, &nonce);
    if (!rc)
        rc = kz_svc_fed_poked(&r->call, &from, r->body.p ? r->body.p : "", r->body.len);
    return rc ? rc : reply_accepted(r, nonce);
}
