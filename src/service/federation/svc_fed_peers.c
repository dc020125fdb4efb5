/* The node's identity and its peers: adding one by its pinned fingerprint, listing
 * them with their health, pausing, resuming and removing them; and the origin of
 * federated objects, which are read-only here. */
#include "service/federation/federation.h"

#include "codec/federation/federation.h"
#include "model/directory.h"
#include "model/enums.h"
#include "store/directory/directory.h"
#include "store/federation/fed_keys.h"
#include "store/federation/federation.h"
#include "util/fetch.h"

#include <string.h>

enum { IDENTITY_MAX = 64 * 1024, REFUSALS_SHOWN = 20 };

kz_rc kz_svc_node_identity(kz_call *c, kz_node_identity *out)
{
    kz_org org;
    kz_rc rc = kz_store_org_get(c->db, c->node->org_id, c->arena, &org, c->err);
    if (rc)
        return rc;
    out->node = org.id;
    out->name = org.name;
    out->state = org.state;
    kz_hex_encode(c->node->sign_pk, sizeof c->node->sign_pk, out->public_key);
    kz_key_fingerprint(c->node->sign_pk, out->fingerprint);
    return KZ_OK;
}

static kz_rc view(kz_call *c, const kz_peer *p, kz_peer_view *out)
{
    out->peer = *p;
    kz_rc rc = kz_store_fed_log_waiting(c->db, p->acked_out, &out->waiting_out, c->err);
    out->waiting_in = p->peer_head > p->cursor_in ? p->peer_head - p->cursor_in : 0;
    if (!rc)
        rc = kz_store_fed_pending_count(c->db, p->id, &out->pending, c->err);
    if (!rc)
        rc = kz_store_peer_refusals(c->db, p->id, REFUSALS_SHOWN, c->arena, &out->refusals, &out->n_refusals, c->err);
    kz_key_notice *notices = NULL;
    size_t n = 0;
    if (!rc)
        rc = kz_store_key_notices_pending(c->db, p->id, 100, c->arena, &notices, &n, c->err);
    out->notices_waiting = (int64_t)n;
    out->notice_error = n ? notices[0].last_error : NULL;
    return rc;
}

/* A URL of http or https, without user info, query or fragment; trailing slashes cut. */
static kz_rc check_url(kz_call *c, const char *url, char **out)
{
    bool tls = strncmp(url, "https://", 8) == 0;
    if (!tls && strncmp(url, "http://", 7) != 0)
        return kz_fail(c->err, KZ_EINVAL, "url", "url must start with https:// (or http:// on a closed network)");
    const char *host = url + (tls ? 8 : 7);
    size_t n = strlen(url);
    if (!*host || n > 250 || strpbrk(host, "@?#\\ \t\r\n"))
        return kz_fail(c->err, KZ_EINVAL, "url", "url must be a base URL such as https://kizuna.example.org");
    while (n > 8 && url[n - 1] == '/')
        n--;
    *out = kz_arena_strndup(c->arena, url, n);
    return *out ? KZ_OK : kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
}

static kz_rc check_fingerprint(kz_call *c, const char *fp)
{
    unsigned char raw[KZ_HASH_BYTES];
    if (!fp || strlen(fp) != 64 || kz_hex_decode(fp, raw, sizeof raw) != KZ_HASH_BYTES || strpbrk(fp, "ABCDEF"))
        return kz_fail(c->err, KZ_EINVAL, "fingerprint",
                       "fingerprint must be the 64 lowercase hex digits `kizuna node` shows on the peer");
    return KZ_OK;
}

/* A ca for a peer: PEM certificates, only for https, within KZ_PEER_CA_MAX. Whether
 * libcurl can use them shows when the peer's identity is fetched with it. */
static kz_rc check_ca(kz_call *c, const char *url, const char *ca)
{
    if (!ca)
        return KZ_OK;
    if (strncmp(url, "https://", 8) != 0)
        return kz_fail(c->err, KZ_EINVAL, "ca", "a ca is used only for an https:// peer: %s is plain http", url);
    if (strlen(ca) > KZ_PEER_CA_MAX)
        return kz_fail(c->err, KZ_EINVAL, "ca", "ca is longer than %d bytes", KZ_PEER_CA_MAX);
    if (!strstr(ca, "-----BEGIN CERTIFICATE-----"))
        return kz_fail(c->err, KZ_EINVAL, "ca",
                       "ca must be PEM text of certificates (-----BEGIN CERTIFICATE-----), the CA that signed "
                       "the peer's TLS certificate or that certificate itself");
    return KZ_OK;
}

/* The peer's identity from its /api/v1/node, accepted only with the pinned fingerprint;
 * over https only with a certificate that verifies (against ca when given). */
static kz_rc fetch_identity(kz_call *c, const char *url, const char *fingerprint, const char *ca,
                            kz_fed_identity *id)
{
    kz_buf body;
    kz_buf_init(&body, IDENTITY_MAX);
    long status = 0;
    const char *where = kz_arena_printf(c->arena, "%s/api/v1/node", url);
    kz_err e;
    kz_err_clear(&e);
    kz_rc rc = where ? kz_http_call("GET", where, NULL, 0, NULL, 0, ca, &status, &body, NULL, &e) : KZ_ENOMEM;
    bool tls = rc && strcmp(e.field, KZ_FETCH_TLS_FIELD) == 0;
    if (!rc && status != 200)
        rc = kz_fail(&e, KZ_EPEER, NULL, "%s answered HTTP %ld", where, status);
    if (!rc)
        rc = kz_fed_identity_parse(body.p ? body.p : "", body.len, c->arena, id, &e);
    kz_buf_free(&body);
    if (tls)
        return kz_fail(c->err, KZ_EPEER, ca ? "ca" : "url", "not added: %s%s", e.msg,
                       ca ? "" : " (give the CA of the peer's certificate with --ca FILE, or \"ca\" in the API)");
    if (rc)
        return kz_fail(c->err, rc == KZ_ENOMEM ? rc : KZ_EPEER, "url", "cannot read the peer's identity: %s", e.msg);
    unsigned char pk[KZ_SIGN_PK_BYTES];
    char got[KZ_HASH_HEX];
    if (strlen(id->public_key) != 64 || kz_hex_decode(id->public_key, pk, sizeof pk) != KZ_SIGN_PK_BYTES)
        return kz_fail(c->err, KZ_EPEER, "url", "the peer's public key is not 32 bytes of hex");
    kz_key_fingerprint(pk, got);  /* what its key is, not what it claims */
    if (strcmp(got, fingerprint) != 0)
        return kz_fail(c->err, KZ_EFORBIDDEN, "fingerprint",
                       "the node at %s presents a key with fingerprint %s, not the one given: not added", url, got);
    if (strcmp(id->node, c->node->org_id) == 0)
        return kz_fail(c->err, KZ_EINVAL, "url", "%s is this node itself", url);
    return KZ_OK;
}

kz_rc kz_svc_peer_add(kz_call *c, const char *url, const char *fingerprint, const char *ca, kz_peer_view *out)
{
    char *base = NULL;
    kz_fed_identity id;
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    if (!rc && !url)
        rc = kz_fail(c->err, KZ_EINVAL, "url", "url is required");
    if (!rc) rc = check_url(c, url, &base);
    if (!rc) rc = check_fingerprint(c, fingerprint);
    if (!rc) rc = check_ca(c, base, ca);
    if (!rc) rc = fetch_identity(c, base, fingerprint, ca, &id);  /* before the write lock */
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    kz_peer p = {.url = base, .fingerprint = (char *)fingerprint, .public_key = (char *)id.public_key,
                 .node = (char *)id.node, .name = (char *)id.name, .state = (char *)id.state,
                 .status = KZ_PEER_ACTIVE, .ca = (char *)ca};
    p.created = p.modified = kz_now_ms();
    if (!(p.id = kz_new_id(c)))
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    if (!rc) rc = kz_store_peer_insert(c->db, &p, c->err);
    if (!rc) rc = kz_audit(c, "peer.add", "peer", p.id,
                           kz_arena_printf(c->arena, "%s %s%s", base, fingerprint, ca ? " with its own CA" : ""));
    if (!rc) rc = view(c, &p, out);
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_peer_set_ca(kz_call *c, const char *id, const char *ca, kz_peer_view *out)
{
    kz_peer p;
    kz_fed_identity ident;
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    if (!rc) rc = kz_store_peer_get(c->db, id, c->arena, &p, c->err);
    if (!rc) rc = check_ca(c, p.url, ca);
    if (!rc) rc = fetch_identity(c, p.url, p.fingerprint, ca, &ident);  /* before the write lock */
    if (!rc && strcmp(ident.node, p.node) != 0)
        rc = kz_fail(c->err, KZ_EPEER, "url", "the node at %s is no longer %s", p.url, p.name);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    rc = kz_store_peer_set_ca(c->db, id, ca, kz_now_ms(), c->err);
    if (!rc) rc = kz_audit(c, "peer.ca", "peer", id, ca ? "its own CA" : "the system's CA store");
    if (!rc) rc = kz_store_peer_get(c->db, id, c->arena, &p, c->err);
    if (!rc) rc = view(c, &p, out);
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_peer_get(kz_call *c, const char *id, kz_peer_view *out)
{
    kz_peer p;
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    if (!rc) rc = kz_store_peer_get(c->db, id, c->arena, &p, c->err);
    return rc ? rc : view(c, &p, out);
}

kz_rc kz_svc_peer_list(kz_call *c, kz_peer_view **items, size_t *n)
{
    kz_peer *peers = NULL;
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    if (!rc) rc = kz_store_peer_list(c->db, c->arena, &peers, n, c->err);
    if (!rc && !(*items = kz_arena_calloc(c->arena, *n ? *n : 1, sizeof **items)))
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; !rc && i < *n; i++)
        rc = view(c, &peers[i], &(*items)[i]);
    return rc;
}

kz_rc kz_svc_peer_set_status(kz_call *c, const char *id, int status, kz_peer_view *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    rc = kz_store_peer_set_status(c->db, id, status, kz_now_ms(), c->err);
    if (!rc) rc = kz_audit(c, status == KZ_PEER_PAUSED ? "peer.pause" : "peer.resume", "peer", id, NULL);
    kz_peer p;
    if (!rc) rc = kz_store_peer_get(c->db, id, c->arena, &p, c->err);
    if (!rc) rc = view(c, &p, out);
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_peer_remove(kz_call *c, const char *id)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    rc = kz_store_peer_delete(c->db, id, c->err);
    if (!rc) rc = kz_audit(c, "peer.remove", "peer", id, NULL);
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_fed_origin(kz_call *c, int kind, const char *id, kz_fed_origin *out)
{
    char *peer = NULL;
    memset(out, 0, sizeof *out);
    kz_rc rc = kz_store_fed_origin(c->db, kind, id, c->arena, &peer, c->err);
    if (rc || !peer)
        return rc;
    out->federated = true;
    out->peer = peer;
    kz_peer p;
    kz_err e;
    if (kz_store_peer_get(c->db, peer, c->arena, &p, &e) == KZ_OK) {  /* a removed peer leaves its id */
        out->node = p.node;
        out->name = p.name;
        out->state = p.state;
    }
    return KZ_OK;
}

kz_rc kz_fed_read_only(kz_call *c, int kind, const char *id)
{
    kz_fed_origin o;
    kz_rc rc = kz_svc_fed_origin(c, kind, id, &o);
    if (rc || !o.federated)
        return rc;
    return kz_fail(c->err, KZ_EFORBIDDEN, "origin",
                   "this %s came from the peer node %s (%s): it is read-only here and can be changed only there",
                   kz_enum_name(&kz_fed_kind_enum, kind), o.name ? o.name : o.peer, o.state ? o.state : "removed");
}
