/* Signing and checking node-to-node messages (RFC 9421 with ed25519, RFC 9530
 * Content-Digest). A request covers @method, @target-uri and content-digest; a response
 * @status and content-digest and repeats the request's nonce, which binds it to the
 * request. Both carry created, expires, nonce, keyid (the signer's key fingerprint),
 * alg="ed25519" and a tag naming the protocol and direction. */
#include "service/federation/federation.h"

#include "codec/federation/httpsig.h"
#include "store/federation/federation.h"
#include "util/log.h"

#include <stdio.h>
#include <string.h>

static const char *const request_components[] = {"@method", "@target-uri", "content-digest"};
static const char *const response_components[] = {"@status", "content-digest"};
static const char TAG_REQUEST[] = "kizuna-federation-1";
static const char TAG_RESPONSE[] = "kizuna-federation-1-response";

typedef struct parts {
    const kz_fed_wire *m;
    char status[8];
} parts;

static const char *component(void *ctx, const char *name)
{
    parts *p = ctx;
    if (strcmp(name, "@method") == 0)
        return p->m->method;
    if (strcmp(name, "@target-uri") == 0)
        return p->m->target_uri;
    if (strcmp(name, "@status") == 0)
        return p->m->method ? NULL : p->status;
    if (strcmp(name, "content-digest") == 0)
        return p->m->content_digest;
    return NULL;
}

/* The signature base of m under in, into out. */
static kz_rc base_of(const kz_fed_wire *m, const kz_sig_input *in, kz_buf *out, kz_err *err)
{
    parts p = {m, ""};
    snprintf(p.status, sizeof p.status, "%d", m->status);
    return kz_sig_base(in, component, &p, out, err);
}

kz_rc kz_fed_sign(kz_call *c, kz_fed_wire *m, const char *nonce)
{
    return kz_fed_sign_with(c, m, nonce, c->node->sign_sk, c->node->sign_pk);
}

kz_rc kz_fed_sign_with(kz_call *c, kz_fed_wire *m, const char *nonce, const unsigned char *sk,
                       const unsigned char *pk)
{
    bool request = m->method != NULL;
    const char *const *names = request ? request_components : response_components;
    int n = request ? 3 : 2;
    char digest[KZ_DIGEST_TEXT], fresh[KZ_TOKEN_TEXT], fp[KZ_HASH_HEX];
    kz_content_digest(m->body ? m->body : "", m->len, digest);
    if (!(m->content_digest = kz_arena_strdup(c->arena, digest)))
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    if (!nonce) {
        kz_token_new(fresh);
        nonce = fresh;
    }
    kz_key_fingerprint(pk, fp);
    int64_t now = kz_now_ms() / 1000;
    kz_sig_input in;
    memset(&in, 0, sizeof in);
    snprintf(in.label, sizeof in.label, "kz");
    for (int i = 0; i < n; i++)
        snprintf(in.components[in.n_components++], KZ_SIG_NAME, "%s", names[i]);
    kz_rc rc = kz_sig_param_int(&in, "created", now, c->err);
    if (!rc) rc = kz_sig_param_int(&in, "expires", now + KZ_FED_VALID_S, c->err);
    if (!rc) rc = kz_sig_param_text(&in, "nonce", nonce, c->err);
    if (!rc) rc = kz_sig_param_text(&in, "keyid", fp, c->err);
    if (!rc) rc = kz_sig_param_text(&in, "alg", "ed25519", c->err);
    if (!rc) rc = kz_sig_param_text(&in, "tag", request ? TAG_REQUEST : TAG_RESPONSE, c->err);
    kz_buf base, field;
    kz_buf_init(&base, 16384);
    kz_buf_init(&field, 16384);
    if (!rc) rc = base_of(m, &in, &base, c->err);
    unsigned char sig[KZ_SIGNATURE_BYTES];
    char b64[100];
    if (!rc) {
        kz_sign(sk, base.p, base.len, sig);
        kz_b64_encode(sig, sizeof sig, b64, sizeof b64);
        rc = kz_buf_puts(&field, "kz=") || kz_sig_params_write(&in, &field) ? kz_fail(c->err, KZ_ENOMEM, NULL, NULL) : KZ_OK;
    }
    if (!rc && (!(m->signature_input = kz_arena_strdup(c->arena, field.p)) ||
                !(m->signature = kz_arena_printf(c->arena, "kz=:%s:", b64))))
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    kz_buf_free(&base);
    kz_buf_free(&field);
    return rc;
}

/* The checks of the fields alone: their syntax, what they cover, the parameters. */
static kz_rc check_fields(kz_call *c, const kz_fed_wire *m, kz_sig_input *in, unsigned char sig[64])
{
    if (!m->signature_input || !m->signature)
        return kz_fail(c->err, KZ_EUNAUTH, "Signature", "a node-to-node message must be signed (Signature-Input, Signature)");
    kz_rc rc = kz_sig_input_parse(m->signature_input, strlen(m->signature_input), in, c->err);
    if (!rc) rc = kz_sig_value_parse(m->signature, strlen(m->signature), in->label, sig, c->err);
    if (rc)
        return kz_err_recode(c->err, KZ_EUNAUTH);
    bool request = m->method != NULL;
    const char *const *need = request ? request_components : response_components;
    for (int i = 0; i < (request ? 3 : 2); i++)
        if (!kz_sig_covers(in, need[i]))
            return kz_fail(c->err, KZ_EUNAUTH, "Signature-Input", "the signature must cover %s", need[i]);
    const kz_sig_param *alg = kz_sig_param_find(in, "alg"), *tag = kz_sig_param_find(in, "tag");
    const kz_sig_param *created = kz_sig_param_find(in, "created"), *expires = kz_sig_param_find(in, "expires");
    const kz_sig_param *nonce = kz_sig_param_find(in, "nonce"), *keyid = kz_sig_param_find(in, "keyid");
    if (!alg || alg->is_int || strcmp(alg->text, "ed25519") != 0)
        return kz_fail(c->err, KZ_EUNAUTH, "alg", "the signature must say alg=\"ed25519\"");
    if (!tag || tag->is_int || strcmp(tag->text, request ? TAG_REQUEST : TAG_RESPONSE) != 0)
        return kz_fail(c->err, KZ_EUNAUTH, "tag", "the signature must carry tag=\"%s\"", request ? TAG_REQUEST : TAG_RESPONSE);
    if (!nonce || nonce->is_int || !nonce->text[0] || !keyid || keyid->is_int)
        return kz_fail(c->err, KZ_EUNAUTH, nonce ? "keyid" : "nonce", "the signature needs a nonce and a keyid");
    if (!created || !created->is_int || !expires || !expires->is_int)
        return kz_fail(c->err, KZ_EUNAUTH, "created", "the signature needs created and expires");
    return KZ_OK;
}

/* created and expires against this node's clock. */
static kz_rc check_time(kz_call *c, const kz_sig_input *in)
{
    const kz_sig_param *created = kz_sig_param_find(in, "created"), *expires = kz_sig_param_find(in, "expires");
    int64_t now = kz_now_ms() / 1000;
    if (created->num > now + KZ_FED_SKEW_S || created->num < now - KZ_FED_SKEW_S)
        return kz_fail(c->err, KZ_EUNAUTH, "created", "created is more than %d s from this node's clock", KZ_FED_SKEW_S);
    if (expires->num < now || expires->num < created->num || expires->num - created->num > KZ_FED_SKEW_S)
        return kz_fail(c->err, KZ_EUNAUTH, "expires", "the signature has expired (or is valid for more than %d s)",
                       KZ_FED_SKEW_S);
    return KZ_OK;
}

/* The digest and the signature itself, with the peer's pinned key. */
static kz_rc check_signature(kz_call *c, const kz_fed_wire *m, const kz_sig_input *in, const unsigned char sig[64],
                             const kz_peer *p)
{
    unsigned char pk[KZ_SIGN_PK_BYTES];
    if (kz_hex_decode(p->public_key, pk, sizeof pk) != KZ_SIGN_PK_BYTES)
        return kz_fail(c->err, KZ_EINTERNAL, NULL, "the pinned key of peer %s is damaged", p->id);
    kz_err e;
    if (kz_content_digest_check(m->content_digest, m->body ? m->body : "", m->len, &e))
        return kz_fail(c->err, KZ_EUNAUTH, "Content-Digest", "%s", e.msg);
    kz_buf base;
    kz_buf_init(&base, 16384);
    kz_rc rc = base_of(m, in, &base, c->err);
    if (!rc && !kz_sign_verify(pk, base.p, base.len, sig))
        rc = kz_fail(c->err, KZ_EUNAUTH, "Signature", "the signature does not verify with the pinned key of %s", p->name);
    kz_buf_free(&base);
    if (rc && c->err->rc != KZ_EUNAUTH && rc != KZ_EINTERNAL)
        rc = kz_err_recode(c->err, KZ_EUNAUTH);
    return rc;
}

/* Writes a refusal of a known peer's message in a transaction of its own. */
static void record_refusal(kz_call *c, const kz_peer *p, const char *reason)
{
    kz_err e;
    kz_err *keep = c->err;
    c->err = &e;
    if (!kz_tx_begin(c))
        kz_tx_end(c, kz_store_peer_refuse(c->db, p->id, "in", reason, NULL, kz_now_ms(), &e));
    c->err = keep;
}

/* A message signed by the peer's previous key: accepted only during the overlap of its
 * rotation and before a revocation. */
static kz_rc check_prev(kz_call *c, const kz_peer *p)
{
    kz_time now = kz_now_ms();
    char when[40];
    if (p->prev_revoked && now >= p->prev_revoked)
        return kz_fail(c->err, KZ_EUNAUTH, "keyid", "the key %.16s... of %s was revoked at %s (%s): refused",
                       p->prev_fingerprint, p->name, kz_time_format(p->prev_revoked, when, sizeof when),
                       p->prev_reason ? p->prev_reason : "no reason given");
    if (now > p->prev_until)
        return kz_fail(c->err, KZ_EUNAUTH, "keyid", "the key %.16s... of %s was replaced and its overlap ended at %s: "
                       "refused", p->prev_fingerprint, p->name, kz_time_format(p->prev_until, when, sizeof when));
    return KZ_OK;
}

/* Whether keyid names p's previous key rather than its current one. */
static bool is_prev(const kz_peer *p, const char *keyid)
{
    return p->prev_fingerprint && strcmp(keyid, p->fingerprint) != 0 && strcmp(keyid, p->prev_fingerprint) == 0;
}

kz_rc kz_fed_verify_request(kz_call *c, const kz_fed_wire *m, kz_peer *from, const char **nonce_out)
{
    bool by_prev = false;
    return kz_fed_verify_request_key(c, m, from, nonce_out, &by_prev);
}

kz_rc kz_fed_verify_request_key(kz_call *c, const kz_fed_wire *m, kz_peer *from, const char **nonce_out, bool *by_prev)
{
    kz_sig_input in;
    unsigned char sig[64];
    kz_rc rc = check_fields(c, m, &in, sig);
    const kz_sig_param *keyid = rc ? NULL : kz_sig_param_find(&in, "keyid");
    kz_err e;
    if (rc)
        return rc;
    if (kz_store_peer_by_fingerprint(c->db, keyid->text, c->arena, from, &e))
        return kz_fail(c->err, KZ_EUNAUTH, "keyid", "keyid is not the pinned key of a peer of this node");
    rc = from->status == KZ_PEER_ACTIVE ? check_time(c, &in)
                                        : kz_fail(c->err, KZ_EFORBIDDEN, "peer", "this node has paused its peering with %s",
                                                  from->name);
    *by_prev = is_prev(from, keyid->text);
    kz_peer key = *from;
    if (*by_prev)
        key.public_key = from->prev_public_key;
    if (!rc && *by_prev)
        rc = check_prev(c, from);
    if (!rc)
        rc = check_signature(c, m, &in, sig, &key);
    if (!rc && !(rc = kz_tx_begin(c))) {
        const kz_sig_param *nonce = kz_sig_param_find(&in, "nonce"), *expires = kz_sig_param_find(&in, "expires");
        rc = kz_store_nonce_claim(c->db, from->id, nonce->text, (expires->num + KZ_FED_SKEW_S) * 1000, kz_now_ms(), c->err);
        if (rc == KZ_ECONFLICT)
            rc = kz_err_recode(c->err, KZ_EUNAUTH);
        if (!rc && !(*nonce_out = kz_arena_strdup(c->arena, nonce->text)))
            rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
        rc = kz_tx_end(c, rc);
    }
    if (rc) {
        record_refusal(c, from, c->err->msg);
        kz_log(KZ_LOG_WARN, "federation.refused", KZ_S("peer", from->id), KZ_S("reason", c->err->msg));
    }
    return rc;
}

kz_rc kz_fed_verify_response(kz_call *c, const kz_peer *p, const kz_fed_wire *m, const char *nonce)
{
    kz_sig_input in;
    unsigned char sig[64];
    kz_rc rc = check_fields(c, m, &in, sig);
    if (rc)
        return rc;
    char fp[KZ_HASH_HEX];
    const kz_sig_param *keyid = kz_sig_param_find(&in, "keyid"), *echo = kz_sig_param_find(&in, "nonce");
    snprintf(fp, sizeof fp, "%s", p->fingerprint);
    bool prev = is_prev(p, keyid->text);
    if (strcmp(keyid->text, fp) != 0 && !prev)
        return kz_fail(c->err, KZ_EUNAUTH, "keyid", "the answer is not signed by the pinned key of %s", p->name);
    if (strcmp(echo->text, nonce) != 0)
        return kz_fail(c->err, KZ_EUNAUTH, "nonce", "the answer does not repeat the nonce of the request");
    kz_peer key = *p;
    if (prev)
        key.public_key = p->prev_public_key;
    rc = prev ? check_prev(c, p) : KZ_OK;
    if (!rc) rc = check_time(c, &in);
    return rc ? rc : check_signature(c, m, &in, sig, &key);
}
