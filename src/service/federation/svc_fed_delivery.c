/* Delivery between nodes: retries of a peer that is down, with capped exponential
 * backoff and jitter; pokes, which tell a peer that this node's log grew so that it
 * pulls now rather than at its next period, kept as a persistent outbox on the peer's
 * row; and the compaction of the change log below what every peer acknowledged. */
#include "service/federation/federation.h"

#include "codec/federation/federation.h"
#include "crypto/crypto.h"
#include "service/core/scheduler.h"
#include "store/federation/federation.h"
#include "util/fetch.h"
#include "util/log.h"

#include <string.h>

enum { ANSWER_MAX = 64 * 1024, ERROR_SHOWN = 300 };

kz_time kz_fed_backoff_ms(int64_t failures)
{
    int64_t delay = KZ_FED_RETRY_BASE_S;
    for (int64_t i = 1; i < failures && delay < KZ_FED_RETRY_MAX_S; i++)
        delay *= 2;
    if (delay > KZ_FED_RETRY_MAX_S)
        delay = KZ_FED_RETRY_MAX_S;
    /* "equal jitter": half the delay for sure, the other half drawn, so that nodes that
     * failed together do not retry together */
    kz_time half = (kz_time)delay * 500;
    return half + (kz_time)kz_random_below((uint32_t)half + 1);
}

kz_rc kz_fed_exchange(kz_call *c, const kz_peer *p, const char *path, const char *body, size_t len,
                      const unsigned char *sk, const unsigned char *pk, kz_buf *answer)
{
    kz_fed_wire m = {.method = "POST", .target_uri = kz_arena_printf(c->arena, "%s%s", p->url, path),
                     .body = body, .len = len};
    char nonce[KZ_TOKEN_TEXT];
    kz_token_new(nonce);
    kz_rc rc = m.target_uri ? kz_fed_sign_with(c, &m, nonce, sk, pk) : kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    kz_http_headers *got = kz_arena_calloc(c->arena, 1, sizeof *got);
    long status = 0;
    if (!rc && !got)
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    if (!rc) {
        const char *h[] = {"Content-Type: application/json",
                           kz_arena_printf(c->arena, "Content-Digest: %s", m.content_digest),
                           kz_arena_printf(c->arena, "Signature-Input: %s", m.signature_input),
                           kz_arena_printf(c->arena, "Signature: %s", m.signature)};
        rc = kz_http_call("POST", m.target_uri, h, 4, m.body, m.len, p->ca, &status, answer, got, c->err);
    }
    if (!rc && status != 200) {
        rc = kz_fail(c->err, KZ_EPEER, "peer", "%s answered HTTP %ld: %.*s", p->name, status,
                     (int)(answer->len < ERROR_SHOWN ? answer->len : ERROR_SHOWN), answer->p ? answer->p : "");
        if (status >= 400 && status < 500) /* the peer refused our message: listed here too */
            kz_store_peer_refuse(c->db, p->id, "out", c->err->msg, NULL, kz_now_ms(), &(kz_err){0});
    }
    if (!rc) {
        kz_fed_wire a = {.status = 200, .content_digest = got->content_digest,
                         .signature_input = got->signature_input[0] ? got->signature_input : NULL,
                         .signature = got->signature[0] ? got->signature : NULL,
                         .body = answer->p ? answer->p : "", .len = answer->len};
        rc = kz_fed_verify_response(c, p, &a, nonce);
    }
    return rc;
}

kz_rc kz_fed_post(kz_call *c, const kz_peer *p, const char *path, const char *body, const unsigned char *sk,
                  const unsigned char *pk)
{
    kz_buf answer;
    kz_buf_init(&answer, ANSWER_MAX);
    kz_rc rc = kz_fed_exchange(c, p, path, body, strlen(body), sk, pk, &answer);
    kz_buf_free(&answer);
    return rc;
}

/* ---- pokes: the outbox ---- */

/* Whether this node owes p a poke: its log grew past what p acknowledged and past what
 * it was last told, and no earlier try asks to wait. */
static bool owes_poke(const kz_peer *p, int64_t head, kz_time now)
{
    return p->status == KZ_PEER_ACTIVE && head > p->acked_out && head > p->poke_seq &&
           (!p->poke_next || p->poke_next <= now);
}

/* Sends one poke and keeps its result on the peer's row (a transaction of its own). */
static kz_rc poke_one(kz_call *c, const kz_peer *p, int64_t head)
{
    kz_buf body;
    kz_buf_init(&body, 512);
    kz_rc rc = kz_fed_poke_write(c->node->org_id, head, &body) ? kz_fail(c->err, KZ_ENOMEM, NULL, NULL)
                                                                : kz_fed_post(c, p, "/federation/v1/poke", body.p,
                                                                              c->node->sign_sk, c->node->sign_pk);
    kz_buf_free(&body);
    kz_err e;
    kz_err *keep = c->err;
    const char *why = rc ? kz_arena_printf(c->arena, "poke: %s", keep->msg) : NULL;
    kz_time next = rc ? kz_now_ms() + kz_fed_backoff_ms(p->poke_failures + 1) : 0;
    c->err = &e;
    if (!kz_tx_begin(c))
        kz_tx_end(c, kz_store_peer_poke_result(c->db, p->id, head, why, next, &e));
    c->err = keep;
    if (rc)
        kz_log(KZ_LOG_WARN, "federation.poke_failed", KZ_S("peer", p->id), KZ_S("error", keep->msg));
    return rc;
}

long kz_svc_fed_pokes_deliver(kz_call *c)
{
    if (!c->node->peer_sync_s)
        return 0; /* a node that syncs only when asked pokes nobody */
    kz_peer *peers = NULL;
    size_t n = 0;
    int64_t head = 0;
    long sent = 0;
    kz_rc rc = kz_store_fed_log_head(c->db, &head, c->err);
    if (!rc) rc = kz_store_peer_list(c->db, c->arena, &peers, &n, c->err);
    for (size_t i = 0; !rc && i < n; i++) {
        if (!owes_poke(&peers[i], head, kz_now_ms()))
            continue;
        if (poke_one(c, &peers[i], head))
            kz_err_clear(c->err); /* kept on the row; retried after its backoff */
        else
            sent++;
    }
    return rc ? -1 : sent;
}

kz_rc kz_svc_fed_poked(kz_call *c, const kz_peer *from, const char *body, size_t len)
{
    const char *node = NULL;
    int64_t head = 0;
    kz_rc rc = kz_fed_poke_parse(body, len, c->arena, &node, &head, c->err);
    if (!rc && strcmp(node, from->node) != 0)
        rc = kz_fail(c->err, KZ_EINVAL, "node", "the poke names another node than its signer's");
    if (rc) {
        kz_err e;
        kz_err *keep = c->err;
        const char *why = kz_arena_printf(c->arena, "poke: %s", keep->msg);
        c->err = &e;
        if (why && !kz_tx_begin(c))
            kz_tx_end(c, kz_store_peer_refuse(c->db, from->id, "in", why, NULL, kz_now_ms(), &e));
        c->err = keep;
        return rc;
    }
    if (head <= from->cursor_in)
        return KZ_OK; /* nothing new for us: a late or repeated poke */
    if ((rc = kz_tx_begin(c)))
        return rc;
    rc = kz_tx_end(c, kz_store_peer_poked(c->db, from->id, kz_now_ms(), c->err));
    if (!rc)
        kz_scheduler_wake();
    return rc;
}

/* ---- compaction ---- */

kz_rc kz_svc_fed_compact(kz_call *c, struct kz_fed_compaction *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    rc = kz_store_fed_compact(c->db, out, c->err);
    if (!rc && out->dropped)
        rc = kz_audit(c, "federation.compact", "node", c->node->org_id,
                      kz_arena_printf(c->arena, "change log compacted: %lld entries before, %lld after, up to seq %lld",
                                      (long long)out->before, (long long)out->after, (long long)out->bound));
    return kz_tx_end(c, rc);
}

long kz_svc_fed_compact_due(kz_call *c)
{
    static kz_time last;
    kz_time now = kz_now_ms();
    if (last && now - last < (kz_time)KZ_FED_COMPACT_EVERY_S * 1000)
        return 0;
    last = now;
    kz_fed_compaction got;
    return kz_svc_fed_compact(c, &got) ? -1 : (long)got.dropped;
}
