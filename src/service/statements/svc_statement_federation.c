/* Statements co-signed across nodes (docs/FEDERATION.md, "Statements across nodes"): the
 * drafter's node is the one writer of a statement and sends it, with every version and
 * approval, to the nodes that host its co-signers; each of those nodes signs the
 * approvals of the organizations it hosts with its own key and sends them back. Every
 * approval is checked with the pinned key of the node that hosts its organization. */
#include "service/statements/statements_internal.h"

#include "crypto/crypto.h"
#include "service/core/tlp.h"
#include "store/directory/directory.h"
#include "store/federation/federation.h"
#include "store/statements/statements.h"

#include <inttypes.h>
#include <string.h>

static bool same(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

/* The peer an organization came from (c's arena), NULL for this node's own. */
static kz_rc org_host(kz_call *c, const char *org, char **peer)
{
    *peer = NULL;
    return kz_store_fed_origin(c->db, KZ_FED_ORGANIZATION, org, c->arena, peer, c->err);
}

kz_rc kz__statement_origin(kz_call *c, const char *id, char **peer)
{
    *peer = NULL;
    return kz_store_fed_origin(c->db, KZ_FED_STATEMENT, id, c->arena, peer, c->err);
}

/* ---- the sending side ---- */

/* Keeps the approvals of the organizations this node hosts. */
static kz_rc keep_own_sigs(kz_call *c, kz_statement_sig *sigs, size_t *n)
{
    size_t k = 0;
    kz_rc rc = KZ_OK;
    for (size_t i = 0; !rc && i < *n; i++) {
        char *host = NULL;
        rc = org_host(c, sigs[i].organization, &host);
        if (!rc && !host)
            sigs[k++] = sigs[i];
    }
    *n = k;
    return rc;
}

/* Whether peer hosts one of the statement's co-signers. */
static kz_rc hosts_cosigner(kz_call *c, const kz_statement *st, const char *peer, bool *hosts)
{
    kz_rc rc = KZ_OK;
    *hosts = false;
    for (size_t i = 0; !rc && !*hosts && i < st->cosigners.n; i++) {
        char *host = NULL;
        rc = org_host(c, st->cosigners.v[i], &host);
        *hosts = !rc && same(host, peer);
    }
    return rc;
}

kz_rc kz_svc_statement_outgoing(kz_call *c, const char *id, const char *peer, kz_fed_statement *out, bool *send,
                                bool *gone)
{
    char *origin = NULL;
    bool hosts = false, was = false;
    *send = *gone = false;
    memset(out, 0, sizeof *out);
    kz_rc rc = kz_store_statement_get(c->db, id, c->arena, &out->st, c->err);
    if (rc == KZ_ENOTFOUND) {
        kz_err_clear(c->err);
        return KZ_OK;
    }
    out->id = out->st.id;
    if (!rc) rc = kz__statement_origin(c, id, &origin);
    if (!rc) rc = kz_store_statement_sigs(c->db, id, c->arena, &out->sigs, &out->n_sigs, c->err);
    if (rc)
        return rc;
    if (origin) { /* a copy: the approvals made here go to the drafter's node, nowhere else */
        rc = same(origin, peer) ? keep_own_sigs(c, out->sigs, &out->n_sigs) : KZ_OK;
        *send = !rc && same(origin, peer) && out->n_sigs > 0;
        return rc;
    }
    /* this node's own: to the nodes of its co-signers; a node that had it but hosts none
     * of them any more gets a tombstone (the content may carry an annex under TLP that only
     * the issuers may see) */
    rc = hosts_cosigner(c, &out->st, peer, &hosts);
    if (!rc) rc = kz_store_fed_was_sent(c->db, peer, KZ_FED_STATEMENT, id, &was, c->err);
    if (rc || (!hosts && !was))
        return rc;
    if (!hosts) {
        *send = *gone = true;
        return kz_store_fed_mark_sent(c->db, peer, KZ_FED_STATEMENT, id, false, c->err);
    }
    out->has_statement = true;
    rc = kz_store_statement_versions(c->db, id, c->arena, &out->versions, &out->n_versions, c->err);
    if (!rc) rc = kz_store_fed_mark_sent(c->db, peer, KZ_FED_STATEMENT, id, true, c->err);
    *send = !rc;
    return rc;
}

/* ---- the receiving side ---- */

/* The content hash of version n of the statement (from the versions given, else
 * stored here), or NULL. */
static const char *hash_of(const kz_statement_version *vs, size_t n, int64_t version)
{
    for (size_t i = 0; i < n; i++)
        if (vs[i].version == version)
            return vs[i].content_hash;
    return NULL;
}

/* Whether sig verifies with the public key (hex) of a node. */
static bool verifies(const char *pk_hex, const char *text, const char *sig_hex)
{
    unsigned char pk[KZ_SIGN_PK_BYTES], sig[KZ_SIGNATURE_BYTES];
    return pk_hex && text && kz_hex_decode(pk_hex, pk, sizeof pk) == KZ_SIGN_PK_BYTES &&
           kz_hex_decode(sig_hex, sig, sizeof sig) == KZ_SIGNATURE_BYTES &&
           kz_sign_verify(pk, text, strlen(text), sig);
}

typedef struct sig_check {
    const kz_peer *sender;
    bool from_drafter;              /* the drafter's node relays approvals of other nodes */
    const kz_statement *st;
    const kz_statement_version *vs; /* the versions that count */
    size_t n_vs;
    const kz_statement_sig *have;   /* the approvals stored here */
    size_t n_have;
} sig_check;

/* Whether the approval is stored here already (the same organization and version). */
static const kz_statement_sig *stored(const sig_check *k, const kz_statement_sig *g)
{
    for (size_t i = 0; i < k->n_have; i++)
        if (same(k->have[i].organization, g->organization) && k->have[i].version == g->version)
            return &k->have[i];
    return NULL;
}

/* Checks one approval: NULL when it may be kept, else why not. */
static kz_rc check_sig(kz_call *c, const sig_check *k, const kz_statement_sig *g, const char **why)
{
    char *host = NULL;
    kz_peer q;
    const kz_statement_sig *had = stored(k, g);
    *why = NULL;
    if (had) {
        if (!same(had->signature, g->signature) || !same(had->content_hash, g->content_hash))
            *why = "it differs from the approval of the same version this node holds";
        return KZ_OK;
    }
    if (!kz_statement_issuer(k->st, g->organization)) {
        *why = "its organization does not issue the statement";
        return KZ_OK;
    }
    kz_rc rc = org_host(c, g->organization, &host);
    if (rc)
        return rc;
    if (!host)
        *why = "it is an approval of an organization of this node that this node did not make";
    else if (!same(host, k->sender->id) && !k->from_drafter)
        *why = "it is made by an organization that the sending node does not host: a node signs only the approvals "
               "of its own organizations";
    else if (!same(hash_of(k->vs, k->n_vs, g->version), g->content_hash))
        *why = "it names a version and content hash this node does not hold";
    if (*why)
        return KZ_OK;
    if ((rc = kz_store_peer_get(c->db, host, c->arena, &q, c->err)))
        return rc;
    const char *text = kz_statement_sig_text(g, c->arena);
    if (!verifies(q.public_key, text, g->signature) &&
        !(q.prev_public_key && !q.prev_revoked && verifies(q.prev_public_key, text, g->signature)))
        *why = "its signature does not verify with the pinned key of the node that hosts its organization";
    return KZ_OK;
}

/* Checks every approval of in; the new ones go to *fresh (c's arena). */
static kz_rc check_sigs(kz_call *c, const sig_check *k, const kz_fed_statement *in, kz_statement_sig **fresh,
                        size_t *n_fresh, const char **why)
{
    *n_fresh = 0;
    *fresh = kz_arena_calloc(c->arena, in->n_sigs + 1, sizeof **fresh);
    if (!*fresh)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    kz_rc rc = KZ_OK;
    for (size_t i = 0; !rc && !*why && i < in->n_sigs; i++) {
        const char *bad = NULL;
        rc = check_sig(c, k, &in->sigs[i], &bad);
        if (bad)
            *why = kz_arena_printf(c->arena, "statement %s, the approval of %s on version %" PRId64 ": %s", in->id,
                                   in->sigs[i].organization, in->sigs[i].version, bad);
        else if (!rc && !stored(k, &in->sigs[i]))
            (*fresh)[(*n_fresh)++] = in->sigs[i];
    }
    return rc;
}

/* Each version's content is canonical and hashes to its hash; the stored ones are a
 * prefix of them. NULL, or what is wrong. */
static const char *versions_fault(kz_call *c, const kz_fed_statement *in, const kz_statement_version *mine,
                                  size_t n_mine, kz_statement_content *last)
{
    for (size_t i = 0; i < in->n_versions; i++) {
        const kz_statement_version *v = &in->versions[i];
        char hash[KZ_HASH_HEX];
        kz_err e2;
        if (kz_statement_content_build(NULL, v->content, strlen(v->content), c->arena, last, &e2))
            return kz_arena_printf(c->arena, "version %" PRId64 ": %s", v->version, e2.msg);
        kz_sha256_hex(v->content, strlen(v->content), hash);
        if (strcmp(last->canonical, v->content) != 0 || !same(hash, v->content_hash))
            return kz_arena_printf(c->arena, "version %" PRId64 ": its content is not canonical or does not hash to "
                                   "its content hash", v->version);
        if (i < n_mine && !same(mine[i].content_hash, v->content_hash))
            return kz_arena_printf(c->arena, "version %" PRId64 " differs from the one this node holds", v->version);
    }
    if (in->n_versions < n_mine)
        return "it has fewer versions than this node holds";
    return NULL;
}

/* Why the statement's issuers keep it from this node, or NULL: the drafter is hosted by
 * the sender, every issuer is known here. */
static kz_rc issuers_fault(kz_call *c, const kz_peer *p, const kz_statement *st, const char **why)
{
    char *host = NULL;
    kz_rc rc = org_host(c, st->organization, &host);
    if (!rc && !same(host, p->id))
        *why = "its drafting organization is not one the sending node hosts";
    for (size_t i = 0; !rc && !*why && i <= st->cosigners.n; i++) {
        bool known = false;
        const char *org = i ? st->cosigners.v[i - 1] : st->organization;
        rc = kz_store_fed_exists(c->db, KZ_FED_ORGANIZATION, org, &known, c->err);
        if (!rc && !known)
            *why = kz_arena_printf(c->arena, "it names organization %s, which this node does not know yet", org);
    }
    return rc;
}

/* Whether one co-signer is hosted here. */
static kz_rc cosigner_here(kz_call *c, const kz_statement *st, bool *here)
{
    kz_rc rc = KZ_OK;
    *here = false;
    for (size_t i = 0; !rc && !*here && i < st->cosigners.n; i++) {
        char *host = NULL;
        bool known = false;
        rc = kz_store_fed_exists(c->db, KZ_FED_ORGANIZATION, st->cosigners.v[i], &known, c->err);
        if (!rc && known)
            rc = org_host(c, st->cosigners.v[i], &host);
        *here = !rc && known && !host;
    }
    return rc;
}

static kz_rc put_sigs(kz_call *c, const kz_statement_sig *g, size_t n)
{
    kz_rc rc = KZ_OK;
    for (size_t i = 0; !rc && i < n; i++)
        rc = kz_store_statement_sig_insert(c->db, &g[i], c->err);
    return rc;
}

/* The statement from its drafter's node: the copy here becomes what it sent. */
static kz_rc from_drafter(kz_call *c, const kz_peer *p, kz_fed_statement *in, bool exists, const char *origin,
                          const char **why)
{
    kz_statement_version *mine = NULL;
    kz_statement_sig *have = NULL, *fresh = NULL;
    size_t n_mine = 0, n_have = 0, n_fresh = 0;
    kz_statement_content last;
    kz_statement *st = &in->st;
    bool here = false;
    if (exists && !origin)
        *why = "the statement is one of this node's own";
    else if (exists && !same(origin, p->id))
        *why = "the statement belongs to another node";
    kz_rc rc = *why ? KZ_OK : issuers_fault(c, p, st, why);
    if (!rc && !*why && exists)
        rc = kz_store_statement_versions(c->db, in->id, c->arena, &mine, &n_mine, c->err);
    if (!rc && !*why && exists)
        rc = kz_store_statement_sigs(c->db, in->id, c->arena, &have, &n_have, c->err);
    if (rc || *why)
        return rc;
    if ((*why = versions_fault(c, in, mine, n_mine, &last)))
        return KZ_OK;
    if (!same(st->content, last.canonical) || !same(st->content_hash, in->versions[in->n_versions - 1].content_hash))
        *why = "the statement's content is not its latest version";
    /* what the content says, the row repeats */
    st->title = last.title;
    st->cosigners = last.cosigners;
    if (!*why && !exists && !(rc = cosigner_here(c, st, &here)) && !here)
        *why = "a statement travels only to the nodes of its co-signers";
    sig_check k = {p, true, st, in->versions, in->n_versions, have, n_have};
    if (!rc && !*why)
        rc = check_sigs(c, &k, in, &fresh, &n_fresh, why);
    if (rc || *why)
        return rc;
    if (!exists)
        rc = kz_store_fed_origin_set(c->db, KZ_FED_STATEMENT, in->id, p->id, c->err);
    if (!rc)
        rc = exists ? kz_store_statement_update(c->db, st, c->err) : kz_store_statement_insert(c->db, st, c->err);
    for (size_t i = n_mine; !rc && i < in->n_versions; i++)
        rc = kz_store_statement_version_insert(c->db, in->id, &in->versions[i], c->err);
    if (!rc)
        rc = put_sigs(c, fresh, n_fresh);
    const char *detail = kz_arena_printf(c->arena, "version %" PRId64 " %s from %s, %zu new approvals", st->version,
                                         kz_enum_name(&kz_statement_status_enum, st->status), p->name, n_fresh);
    return rc ? rc : kz_audit(c, exists ? "statement.received" : "statement.invited", "statement", in->id, detail);
}

/* Approvals from a co-signer's node, of a statement drafted here. */
static kz_rc from_cosigner(kz_call *c, const kz_peer *p, kz_fed_statement *in, bool exists, const char *origin,
                           const char **why)
{
    kz_statement st;
    kz_statement_version *vs = NULL;
    kz_statement_sig *have = NULL, *fresh = NULL;
    size_t n_vs = 0, n_have = 0, n_fresh = 0;
    if (!exists || origin) {
        *why = "approvals go to the node that drafted the statement; this node did not";
        return KZ_OK;
    }
    kz_rc rc = kz_store_statement_get(c->db, in->id, c->arena, &st, c->err);
    if (!rc) rc = kz_store_statement_versions(c->db, in->id, c->arena, &vs, &n_vs, c->err);
    if (!rc) rc = kz_store_statement_sigs(c->db, in->id, c->arena, &have, &n_have, c->err);
    sig_check k = {p, false, &st, vs, n_vs, have, n_have};
    if (!rc) rc = check_sigs(c, &k, in, &fresh, &n_fresh, why);
    if (rc || *why || !n_fresh)
        return rc;
    rc = put_sigs(c, fresh, n_fresh);
    for (size_t i = 0; !rc && i < n_fresh; i++) {
        const char *detail = kz_arena_printf(c->arena, "version %" PRId64 " by %s at %s%s", fresh[i].version,
                                             fresh[i].organization, p->name,
                                             fresh[i].version == st.version ? "" : " (void: an earlier version)");
        rc = kz_audit(c, "statement.approve", "statement", st.id, detail);
    }
    kz_statement_sig *all = rc ? NULL : kz_arena_calloc(c->arena, n_have + n_fresh + 1, sizeof *all);
    if (!rc && !all)
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    if (rc)
        return rc;
    if (n_have)
        memcpy(all, have, n_have * sizeof *have);
    memcpy(all + n_have, fresh, n_fresh * sizeof *fresh);
    if (st.status == KZ_ST_CIRCULATING && kz__statement_all_signed(&st, all, n_have + n_fresh)) {
        st.status = KZ_ST_APPROVED;
        st.modified = kz_now_ms();
        rc = kz_store_statement_update(c->db, &st, c->err);
        if (!rc) rc = kz_audit(c, "statement.approved", "statement", st.id, "every issuer approved");
    }
    return rc ? rc : kz__statement_logged(c, st.id);  /* the other co-signers' nodes learn of it */
}

kz_rc kz_svc_statement_gone(kz_call *c, const kz_peer *p, const char *id, const char **why)
{
    char *origin = NULL;
    kz_rc rc = kz__statement_origin(c, id, &origin);
    if (rc || !origin)
        return rc; /* never had it, or one of this node's own: nothing to do */
    if (!same(origin, p->id)) {
        *why = "the statement belongs to another node";
        return KZ_OK;
    }
    rc = kz_store_fed_purge(c->db, KZ_FED_STATEMENT, id, c->err);
    return rc ? rc : kz_audit(c, "statement.uninvited", "statement", id, p->name);
}

kz_rc kz_svc_statement_incoming(kz_call *c, const kz_peer *p, kz_fed_statement *in, const char **why)
{
    char *origin = NULL;
    bool exists = false;
    kz_rc rc = kz_store_fed_exists(c->db, KZ_FED_STATEMENT, in->id, &exists, c->err);
    if (!rc) rc = kz__statement_origin(c, in->id, &origin);
    if (rc)
        return rc;
    return in->has_statement ? from_drafter(c, p, in, exists, origin, why) : from_cosigner(c, p, in, exists, origin, why);
}
