/* The signed record of a request: appending entries (canonical text, SHA-256, the
 * node's ed25519 signature, the link to the entry before) and exporting the record. */
#include "service/requests/requests_internal.h"

#include "crypto/crypto.h"
#include "store/directory/directory.h"
#include "store/federation/federation.h"

#include <string.h>

/* The peer whose node hosts r's other side (*remote NULL when none, or removed). */
static kz_rc remote_node(kz_call *c, const kz_request *r, kz_peer *peer, char **remote)
{
    kz_rc rc = kz__request_remote_peer(c, r, remote);
    if (!rc && *remote && (rc = kz_store_peer_get(c->db, *remote, c->arena, peer, c->err)) == KZ_ENOTFOUND) {
        kz_err_clear(c->err); /* the peer was removed: its copy no longer follows */
        *remote = NULL;
        rc = KZ_OK;
    }
    return rc;
}

kz_rc kz__request_record(kz_call *c, kz_request *r, const kz__entry *e, kz_request_entry *out)
{
    int64_t seq = r->entries + 1;
    kz_attachment *atts = e->post ? e->post->attachments : NULL;
    size_t n_atts = e->post ? e->post->n_attachments : 0;
    char *remote = NULL;
    kz_peer peer;
    kz_rc rc = remote_node(c, r, &peer, &remote);
    for (size_t i = 0; !rc && i < n_atts; i++) {
        kz_attachment *t = &atts[i];
        char hex[KZ_HASH_HEX];
        kz_sha256_hex(t->data ? (const void *)t->data : "", (size_t)t->size, hex);
        t->id = kz_new_id(c);
        t->sha256 = kz_arena_strdup(c->arena, hex);
        t->entry = seq;
        if (!t->media_type)
            t->media_type = (char *)"application/octet-stream";
        rc = !t->id || !t->sha256 ? kz_fail(c->err, KZ_ENOMEM, NULL, NULL)
                                  : kz_store_attachment_insert(c->db, r->id, t, c->err);
    }
    if (rc)
        return rc;
    kz_record_entry_in in = {
        .request = r->id,
        .seq = seq,
        .at = e->at,
        .organization = c->who.org,
        .actor = c->actor ? c->actor : c->who.key_id,
        .action = e->action,
        .from = e->from,
        .to = e->to,
        .message = e->post ? e->post->message : NULL,
        .attachments = atts,
        .n_attachments = n_atts,
        .content = e->content ? r : NULL,
        .contact = e->contact,
        .note = e->note,
        .prev = r->head_hash ? r->head_hash : KZ_RECORD_GENESIS,
        /* the deadlines a move set travel in its signed entry (codec/requests/record.h) */
        .ack_due = e->to == KZ_RS_SENT ? r->ack_due : 0,
        .answer_due = e->to == KZ_RS_SENT ? r->answer_due : 0,
        .preserve_until = e->to == KZ_RS_ACKNOWLEDGED ? r->preserve_until : 0,
        /* the recipient's node signs its side's entries from here on */
        .to_node = remote && e->to == KZ_RS_SENT ? peer.public_key : NULL,
    };
    char hash[KZ_HASH_HEX], sig_hex[2 * KZ_SIGNATURE_BYTES + 1];
    unsigned char sig[KZ_SIGNATURE_BYTES];
    char *text = kz_record_entry_text(&in, c->arena);
    if (!text)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    size_t len = strlen(text);
    kz_sha256_hex(text, len, hash);
    kz_sign(c->node->sign_sk, text, len, sig);
    kz_hex_encode(sig, sizeof sig, sig_hex);
    kz_request_entry ent = {seq, e->at, (char *)c->who.org, (char *)e->action, text, hash, sig_hex};
    rc = kz_store_request_entry_append(c->db, r->id, &ent, c->err);
    if (!rc && remote)  /* the other side's node pulls it */
        rc = kz_store_fed_log_add(c->db, KZ_FED_REQUEST, r->id, c->err);
    if (rc)
        return rc;
    r->entries = seq;
    r->modified = e->at;
    if (!(r->head_hash = kz_arena_strdup(c->arena, hash)))
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    if (out) {
        *out = ent;
        out->hash = r->head_hash;
        if (!(out->signature = kz_arena_strdup(c->arena, sig_hex)))
            return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    }
    char *action = kz_arena_printf(c->arena, "request.%s", e->action);
    char *detail = kz_arena_printf(c->arena, "entry %lld %s", (long long)seq, hash);
    if (!action || !detail)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    return kz_audit(c, action, "request", r->id, detail);
}

static const char *org_name(kz_call *c, const char *id)
{
    kz_org o;
    kz_err e2;
    return id && kz_store_org_get(c->db, id, c->arena, &o, &e2) == KZ_OK ? o.name : NULL;
}

kz_rc kz_svc_request_export(kz_call *c, const char *id, kz_record_format fmt, kz_buf *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    if (rc || (rc = kz_rtx_begin(c)))
        return rc;
    kz_request r;
    kz_request_entry *entries = NULL;
    size_t n = 0;
    rc = kz__request_load(c, id, &r);
    if (!rc)
        rc = kz_store_request_entries(c->db, id, c->arena, &entries, &n, c->err);
    kz_org node_org;
    kz_err e2;
    bool have_node = !rc && kz_store_org_get(c->db, c->node->org_id, c->arena, &node_org, &e2) == KZ_OK;
    char *remote = NULL;
    kz_peer peer = {0};
    if (!rc)
        rc = kz__request_remote_peer(c, &r, &remote);
    if (!rc && remote && kz_store_peer_get(c->db, remote, c->arena, &peer, &e2))
        peer.public_key = NULL; /* a removed peer: its key is given to verify by hand */
    if (!rc) {
        kz__request_redact(c, &r);
        kz_record_source src = {
            .node_org = c->node->org_id,
            .node_org_name = have_node ? node_org.name : NULL,
            .node_state = have_node ? node_org.state : NULL,
            .public_key = c->node->sign_pk,
            .secret_key = c->node->sign_sk,
            .request = &r,
            .from_org_name = org_name(c, r.from_organization),
            .to_org_name = org_name(c, r.to_organization),
            .entries = entries,
            .n_entries = n,
            .exported_for = c->who.org,
            .exported_at = kz_now_ms(),
            .peer_public_key = peer.public_key,
            .peer_node = peer.node,
            .peer_name = peer.name,
            .peer_state = peer.state,
        };
        rc = kz_record_export(&src, fmt, out, c->err);
    }
    kz_rtx_end(c);
    return rc;
}
