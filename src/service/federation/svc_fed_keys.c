/* Key rotation between nodes (docs/FEDERATION.md, "Key rotation"). This node: a new
 * key replaces the old one in the key file, the audit chain records the change in an
 * entry the old key signs, and each peer gets a notice signed by the old key that names
 * the new one and the end of the overlap; a revocation, signed by the new key, ends the
 * overlap at once. A peer: checks the notice (signed by the pinned key, naming its node,
 * the new key proving itself, a bounded overlap) and accepts both keys until the
 * overlap ends or a revocation comes, then only the new one. */
#include "service/federation/federation.h"

#include "codec/federation/federation.h"
#include "store/federation/fed_keys.h"
#include "store/federation/federation.h"
#include "util/log.h"

#include <stdio.h>
#include <string.h>

enum { NOTICES_PER_SYNC = 10, REASON_MAX = 500 };

static const char *hex_pk(kz_call *c, const unsigned char pk[KZ_SIGN_PK_BYTES])
{
    char *out = kz_arena_calloc(c->arena, 1, 2 * KZ_SIGN_PK_BYTES + 1);
    if (out)
        kz_hex_encode(pk, KZ_SIGN_PK_BYTES, out);
    return out;
}

static const char *fingerprint(kz_call *c, const unsigned char pk[KZ_SIGN_PK_BYTES])
{
    char *out = kz_arena_calloc(c->arena, 1, KZ_HASH_HEX);
    if (out)
        kz_key_fingerprint(pk, out);
    return out;
}

/* ---- this node ---- */

/* The rotation notice of this node's latest rotation, its proof signed by the new key. */
static kz_rc rotation_body(kz_call *c, const char *old_fp, int64_t at, int64_t until, const char **body)
{
    kz_fed_key_msg m = {.node = c->node->org_id, .fingerprint = old_fp, .new_public_key = hex_pk(c, c->node->sign_pk),
                        .new_fingerprint = fingerprint(c, c->node->sign_pk), .at = at, .until = until};
    kz_buf text, out;
    kz_buf_init(&text, 1024);
    kz_buf_init(&out, 4096);
    unsigned char sig[KZ_SIGNATURE_BYTES];
    char b64[100];
    kz_rc rc = m.new_public_key && m.new_fingerprint ? kz_fed_rotation_proof_text(&m, &text) : KZ_ENOMEM;
    if (!rc) {
        kz_sign(c->node->sign_sk, text.p, text.len, sig);
        kz_b64_encode(sig, sizeof sig, b64, sizeof b64);
        m.proof = b64;
        rc = kz_fed_key_msg_write(&m, &out, c->err);
    } else {
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    }
    if (!rc && !(*body = kz_arena_strdup(c->arena, out.p)))
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    kz_buf_free(&text);
    kz_buf_free(&out);
    return rc;
}

/* A notice of kind with body for every peer (paused ones get theirs when resumed). */
static kz_rc queue_for_all(kz_call *c, const char *kind, const char *fp, const char *body)
{
    kz_peer *peers = NULL;
    size_t n = 0;
    kz_rc rc = kz_store_peer_list(c->db, c->arena, &peers, &n, c->err);
    for (size_t i = 0; !rc && i < n; i++)
        rc = kz_store_key_notice_add(c->db, peers[i].id, kind, fp, body, kz_now_ms(), c->err);
    return rc;
}

/* After the commit: tells every active peer now, noting each result in rep. */
static kz_rc tell_all(kz_call *c, kz_key_report *rep)
{
    kz_peer *peers = NULL;
    size_t n = 0;
    kz_rc rc = kz_store_peer_list(c->db, c->arena, &peers, &n, c->err);
    if (!rc && !(rep->told = kz_arena_calloc(c->arena, n ? n : 1, sizeof *rep->told)))
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; !rc && i < n; i++) {
        struct kz_key_told *t = &rep->told[rep->n++];
        t->peer = peers[i].id;
        t->name = peers[i].name;
        if (peers[i].status != KZ_PEER_ACTIVE) {
            t->error = "paused: told when resumed";
            continue;
        }
        if (kz_fed_deliver_key_notices(c, &peers[i])) {
            t->error = kz_arena_strdup(c->arena, c->err->msg);
            kz_err_clear(c->err);
        }
    }
    return rc;
}

typedef struct rotation {
    kz_call *c;
    const char *old_pk;
    kz_time until;
} rotation;

/* The audit entry of a rotation, while the old key still signs: the chain of custody
 * that kz_store_audit_verify follows from one key to the next. */
static kz_rc audit_rotation(void *ctx, const unsigned char *new_pk)
{
    rotation *r = ctx;
    char when[40];
    const char *pk = hex_pk(r->c, new_pk);
    const char *detail = pk ? kz_arena_printf(r->c->arena, "old=%s new=%s until=%s", r->old_pk, pk,
                                              kz_time_format(r->until, when, sizeof when))
                            : NULL;
    return detail ? kz_audit(r->c, "node.key_rotate", "node", r->c->node->org_id, detail)
                  : kz_fail(r->c->err, KZ_ENOMEM, NULL, NULL);
}

kz_rc kz_svc_node_rotate_key(kz_call *c, int64_t overlap_s, kz_key_report *rep)
{
    memset(rep, 0, sizeof *rep);
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    if (!rc && (overlap_s < 0 || overlap_s > KZ_FED_OVERLAP_MAX_S))
        rc = kz_fail(c->err, KZ_EINVAL, "overlap_seconds", "the overlap must be 0 to %d seconds (90 days)",
                     KZ_FED_OVERLAP_MAX_S);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    kz_time now = kz_now_ms();
    const char *old_pk = hex_pk(c, c->node->sign_pk), *old_fp = fingerprint(c, c->node->sign_pk);
    kz_time until = (now / 1000 + overlap_s) * 1000; /* whole seconds, as the notice says */
    char when[40];
    bool swapped = false;
    rotation r = {c, old_pk, until};
    if (!old_pk || !old_fp)
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    if (!rc) rc = kz_node_rotate_keys(c->db, c->node, audit_rotation, &r, c->err);
    swapped = !rc;
    const char *body = NULL;
    kz_node_key old = {.fingerprint = old_fp, .public_key = old_pk, .replaced_by = fingerprint(c, c->node->sign_pk),
                       .retired = now, .until = until};
    if (!rc) rc = kz_store_node_key_retire(c->db, &old, c->err);
    if (!rc) rc = rotation_body(c, old_fp, now / 1000, until / 1000, &body);
    if (!rc) rc = queue_for_all(c, "rotation", old_fp, body);
    if (!rc)
        rc = kz_audit(c, "node.key_notices", "node", c->node->org_id,
                      kz_arena_printf(c->arena, "rotation notices queued for the peers; old key %s accepted until %s",
                                      old_fp, kz_time_format(until, when, sizeof when)));
    rc = kz_tx_end(c, rc);
    if (rc && swapped)
        kz_node_rotate_undo(c->node);
    if (rc)
        return rc;
    kz_log(KZ_LOG_INFO, "node.key_rotate", KZ_S("old", old_fp), KZ_S("new", old.replaced_by));
    snprintf(rep->old_fingerprint, sizeof rep->old_fingerprint, "%s", old_fp);
    snprintf(rep->fingerprint, sizeof rep->fingerprint, "%s", old.replaced_by);
    rep->until = until;
    return tell_all(c, rep);
}

kz_rc kz_svc_node_revoke_key(kz_call *c, const char *reason, kz_key_report *rep)
{
    memset(rep, 0, sizeof *rep);
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    if (!rc && reason && strlen(reason) > REASON_MAX)
        rc = kz_fail(c->err, KZ_EINVAL, "reason", "the reason must be at most %d bytes", REASON_MAX);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    kz_node_key *keys = NULL;
    size_t n = 0;
    kz_time now = kz_now_ms();
    rc = kz_store_node_keys(c->db, c->arena, &keys, &n, c->err);
    if (!rc && (!n || keys[0].revoked))
        rc = kz_fail(c->err, KZ_ECONFLICT, "key", "there is no replaced key to revoke: rotate the key first "
                     "(kizuna node rotate-key)");
    const char *fp = rc ? NULL : keys[0].fingerprint;
    const char *body = NULL;
    kz_buf out;
    kz_buf_init(&out, 4096);
    kz_fed_key_msg m = {.revocation = true, .node = c->node->org_id, .fingerprint = fp, .reason = reason,
                        .at = now / 1000};
    if (!rc) rc = kz_store_node_key_revoke(c->db, fp, now, reason, c->err);
    if (!rc) rc = kz_fed_key_msg_write(&m, &out, c->err);
    if (!rc && !(body = kz_arena_strdup(c->arena, out.p)))
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    kz_buf_free(&out);
    if (!rc) rc = queue_for_all(c, "revocation", fp, body);
    if (!rc)
        rc = kz_audit(c, "node.key_revoke", "node", c->node->org_id,
                      kz_arena_printf(c->arena, "%s revoked: %s", fp, reason ? reason : "no reason given"));
    rc = kz_tx_end(c, rc);
    if (rc)
        return rc;
    kz_err e;
    if (c->node->has_prev && kz_node_drop_prev_key(c->node, &e)) /* the secret of a revoked key is not kept */
        kz_log(KZ_LOG_ERROR, "node.key_revoke", KZ_S("key_file", "still holds the revoked key"), KZ_S("error", e.msg));
    snprintf(rep->old_fingerprint, sizeof rep->old_fingerprint, "%s", fp);
    kz_key_fingerprint(c->node->sign_pk, rep->fingerprint);
    rep->until = now;
    return tell_all(c, rep);
}

kz_rc kz_svc_node_old_keys(kz_call *c, kz_node_key **items, size_t *n)
{
    return kz_store_node_keys(c->db, c->arena, items, n, c->err);
}

/* The result of one delivery, in a transaction of its own (and audited when done). */
static kz_rc note_result(kz_call *c, const kz_peer *p, const kz_key_notice *k, const char *why)
{
    kz_err e;
    kz_err *keep = c->err;
    c->err = &e;
    kz_rc rc = kz_tx_begin(c);
    if (!rc) {
        rc = kz_store_key_notice_result(c->db, k->n, why ? 0 : kz_now_ms(), why, &e);
        if (!rc && !why)
            rc = kz_audit(c, "peer.key_notice", "peer", p->id,
                          kz_arena_printf(c->arena, "%s of %s acknowledged by %s", k->kind, k->fingerprint, p->name));
        rc = kz_tx_end(c, rc);
    }
    c->err = keep;
    return rc;
}

/* The key a notice is signed with: the replaced one for a rotation, else the current. */
static bool signer_of(kz_call *c, const kz_key_notice *k, const unsigned char **sk, const unsigned char **pk)
{
    char fp[KZ_HASH_HEX];
    *sk = c->node->sign_sk;
    *pk = c->node->sign_pk;
    if (strcmp(k->kind, "rotation") != 0)
        return true;
    if (!c->node->has_prev)
        return false;
    kz_key_fingerprint(c->node->prev_pk, fp);
    *sk = c->node->prev_sk;
    *pk = c->node->prev_pk;
    return strcmp(fp, k->fingerprint) == 0;
}

/* Posts one notice, signed by the key it must be, and checks the signed answer. */
static kz_rc post_notice(kz_call *c, const kz_peer *p, const kz_key_notice *k)
{
    const unsigned char *sk, *pk;
    if (!signer_of(c, k, &sk, &pk))
        return kz_fail(c->err, KZ_ECONFLICT, "key", "the key this rotation notice must be signed with is no longer "
                       "held (it was revoked or replaced again): %s must pin the new key by hand", p->name);
    return kz_fed_post(c, p, "/federation/v1/keys", k->body, sk, pk);
}

kz_rc kz_fed_deliver_key_notices(kz_call *c, const kz_peer *p)
{
    kz_key_notice *items = NULL;
    size_t n = 0;
    kz_rc rc = kz_store_key_notices_pending(c->db, p->id, NOTICES_PER_SYNC, c->arena, &items, &n, c->err);
    for (size_t i = 0; !rc && i < n; i++) {
        rc = post_notice(c, p, &items[i]);
        const char *why = rc ? kz_arena_strdup(c->arena, c->err->msg) : NULL;
        note_result(c, p, &items[i], rc ? (why ? why : "refused") : NULL);
    }
    return rc;
}

/* ---- a peer's notice ---- */

/* Records the refusal of a notice on the peer, in a transaction of its own. */
static kz_rc refuse(kz_call *c, const kz_peer *p, kz_rc rc)
{
    kz_err e;
    kz_err *keep = c->err;
    const char *why = kz_arena_printf(c->arena, "key notice: %s", keep->msg);
    c->err = &e;
    if (why && !kz_tx_begin(c))
        kz_tx_end(c, kz_store_peer_refuse(c->db, p->id, "in", why, NULL, kz_now_ms(), &e));
    c->err = keep;
    kz_log(KZ_LOG_WARN, "federation.refused", KZ_S("peer", p->id), KZ_S("reason", keep->msg));
    return rc;
}

/* The rules of a rotation notice before it is applied. */
static kz_rc check_rotation(kz_call *c, const kz_peer *p, const kz_fed_key_msg *m, unsigned char pk[KZ_SIGN_PK_BYTES])
{
    char fp[KZ_HASH_HEX];
    unsigned char sig[KZ_SIGNATURE_BYTES];
    size_t len = 0;
    int64_t now = kz_now_ms() / 1000;
    if (strcmp(m->fingerprint, p->fingerprint) != 0)
        return kz_fail(c->err, KZ_EINVAL, "old_fingerprint", "old_fingerprint must be the pinned key that signed it");
    if (strlen(m->new_public_key) != 64 || kz_hex_decode(m->new_public_key, pk, KZ_SIGN_PK_BYTES) != KZ_SIGN_PK_BYTES)
        return kz_fail(c->err, KZ_EINVAL, "public_key", "the new public key must be 32 bytes of hex");
    kz_key_fingerprint(pk, fp);
    if (strcmp(fp, m->new_fingerprint) != 0)
        return kz_fail(c->err, KZ_EINVAL, "fingerprint", "the new fingerprint is not that of the new key");
    if (strcmp(fp, p->fingerprint) == 0)
        return kz_fail(c->err, KZ_EINVAL, "fingerprint", "the new key is the key it replaces");
    if (m->until < now - KZ_FED_SKEW_S || m->until > now + KZ_FED_OVERLAP_MAX_S + KZ_FED_SKEW_S)
        return kz_fail(c->err, KZ_EINVAL, "overlap_until", "overlap_until must lie between now and 90 days from now");
    kz_buf text;
    kz_buf_init(&text, 1024);
    kz_rc rc = kz_fed_rotation_proof_text(m, &text) ? kz_fail(c->err, KZ_ENOMEM, NULL, NULL) : KZ_OK;
    if (!rc && (kz_b64_decode(m->proof, sig, sizeof sig, &len) || len != sizeof sig ||
                !kz_sign_verify(pk, text.p, text.len, sig)))
        rc = kz_fail(c->err, KZ_EUNAUTH, "proof", "the proof does not verify with the new key");
    kz_buf_free(&text);
    return rc;
}

static kz_rc apply_rotation(kz_call *c, const kz_peer *p, bool by_prev, const kz_fed_key_msg *m)
{
    unsigned char pk[KZ_SIGN_PK_BYTES];
    char when[40];
    if (by_prev) /* sent again after it was applied (the answer was lost): nothing to do */
        return m->new_fingerprint && strcmp(m->new_fingerprint, p->fingerprint) == 0
                   ? KZ_OK
                   : kz_fail(c->err, KZ_EUNAUTH, "keyid", "a rotation must be signed by the current key of %s", p->name);
    kz_rc rc = check_rotation(c, p, m, pk);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    rc = kz_store_peer_rotate(c->db, p->id, m->new_fingerprint, m->new_public_key, m->until * 1000, kz_now_ms(), c->err);
    if (!rc)
        rc = kz_audit(c, "peer.key_rotated", "peer", p->id,
                      kz_arena_printf(c->arena, "%s replaced by %s; the old key accepted until %s", m->fingerprint,
                                      m->new_fingerprint, kz_time_format(m->until * 1000, when, sizeof when)));
    return kz_tx_end(c, rc);
}

static kz_rc apply_revocation(kz_call *c, const kz_peer *p, bool by_prev, const kz_fed_key_msg *m)
{
    if (by_prev)
        return kz_fail(c->err, KZ_EUNAUTH, "keyid", "a revocation must be signed by the current key of %s", p->name);
    if (strcmp(m->fingerprint, p->fingerprint) == 0)
        return kz_fail(c->err, KZ_EINVAL, "fingerprint", "a node cannot revoke the key it signs with: rotate first");
    if (!p->prev_fingerprint || strcmp(m->fingerprint, p->prev_fingerprint) != 0)
        return kz_fail(c->err, KZ_EINVAL, "fingerprint", "the revoked key is not the previous key of %s", p->name);
    if (p->prev_revoked) /* told again */
        return KZ_OK;
    kz_rc rc = kz_tx_begin(c);
    if (rc)
        return rc;
    rc = kz_store_peer_revoke_prev(c->db, p->id, kz_now_ms(), m->reason ? m->reason : "revoked by its node", c->err);
    if (!rc)
        rc = kz_audit(c, "peer.key_revoked", "peer", p->id,
                      kz_arena_printf(c->arena, "%s revoked: %s", m->fingerprint, m->reason ? m->reason : "no reason given"));
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_fed_key_message(kz_call *c, const kz_peer *from, bool by_prev, const char *body, size_t len)
{
    kz_fed_key_msg m;
    kz_rc rc = kz_fed_key_msg_parse(body, len, c->arena, &m, c->err);
    if (!rc && strcmp(m.node, from->node) != 0)
        rc = kz_fail(c->err, KZ_EINVAL, "node", "the notice names another node than the one that signed it");
    if (!rc)
        rc = m.revocation ? apply_revocation(c, from, by_prev, &m) : apply_rotation(c, from, by_prev, &m);
    return rc && rc != KZ_ENOMEM && rc != KZ_ESTORE ? refuse(c, from, rc) : rc;
}
