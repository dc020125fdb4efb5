/* Requests between nodes (docs/FEDERATION.md, "Requests between states"): a request to
 * an organization that came from a peer travels to that peer's node with its whole
 * record; each node appends the moves of its own side, signed by its own key, and the
 * other node appends them to its copy after checking that each links to the head of
 * its record, is signed by the pinned key of the node that sent it and is a move of the
 * side that node hosts. Both nodes derive the request's state from the same entries,
 * so both records hold the same entries in the same order. */
#include "service/requests/requests_internal.h"

#include "crypto/crypto.h"
#include "store/federation/federation.h"

#include <string.h>

static bool same(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

/* The peer an organization came from (in c's arena), NULL for this node's own. */
static kz_rc org_peer(kz_call *c, const char *org, char **peer)
{
    *peer = NULL;
    return org ? kz_store_fed_origin(c->db, KZ_FED_ORGANIZATION, org, c->arena, peer, c->err) : KZ_OK;
}

kz_rc kz__request_remote_peer(kz_call *c, const kz_request *r, char **peer)
{
    kz_rc rc = org_peer(c, r->to_organization, peer);
    if (!rc && !*peer)
        rc = org_peer(c, r->from_organization, peer);
    return rc;
}

/* The files of the entries this node signed, with their content (the other node has
 * its own side's). */
static kz_rc own_files(kz_call *c, kz_fed_request *out)
{
    kz_attachment *list = NULL;
    size_t n = 0;
    kz_rc rc = kz_store_attachments(c->db, out->id, c->arena, &list, &n, c->err);
    if (!rc && !(out->attachments = kz_arena_calloc(c->arena, n ? n : 1, sizeof *out->attachments)))
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; !rc && i < n; i++) {
        char *theirs = NULL;
        int64_t seq = list[i].entry;
        const char *org = seq >= 1 && (size_t)seq <= out->n_entries ? out->entries[seq - 1].actor_org : NULL;
        rc = org_peer(c, org, &theirs);
        if (!rc && !theirs)
            rc = kz_store_attachment_get(c->db, out->id, list[i].id, c->arena, &out->attachments[out->n_attachments++],
                                         c->err);
    }
    return rc;
}

kz_rc kz__request_delivery(kz_call *c, const kz_request *r, kz_peer **peer, int *side, int *delivery)
{
    char *remote = NULL;
    int64_t last = 0;
    *peer = NULL;
    kz_rc rc = org_peer(c, r->to_organization, &remote);
    *side = KZ_SIDE_RECIPIENT;
    if (!rc && !remote) {
        rc = org_peer(c, r->from_organization, &remote);
        *side = KZ_SIDE_SENDER;
    }
    if (rc || !remote)
        return rc;
    kz_peer *p = kz_arena_calloc(c->arena, 1, sizeof *p);
    if (!p)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    rc = kz_store_peer_get(c->db, remote, c->arena, p, c->err);
    if (rc == KZ_ENOTFOUND) { /* the peer was removed: the request stays, local now */
        kz_err_clear(c->err);
        return KZ_OK;
    }
    if (!rc) rc = kz_store_fed_log_last(c->db, KZ_FED_REQUEST, r->id, &last, c->err);
    if (rc)
        return rc;
    *peer = p;
    *delivery = !r->sent_at ? KZ_DELIVERY_DRAFT
                : !last ? KZ_DELIVERY_NONE
                : p->acked_out >= last ? KZ_DELIVERY_DELIVERED : KZ_DELIVERY_WAITING;
    return KZ_OK;
}

kz_rc kz_svc_request_outgoing(kz_call *c, const char *id, const char *peer, kz_fed_request *out, bool *send)
{
    char *remote = NULL;
    *send = false;
    memset(out, 0, sizeof *out);
    kz_rc rc = kz_store_request_get(c->db, id, kz_now_ms(), c->arena, &out->req, c->err);
    if (!rc)
        rc = kz__request_remote_peer(c, &out->req, &remote);
    /* a draft stays with its sender; a request goes only to the node of its other side,
     * when that side may see it (the one rule of kz_request_visible) */
    const kz_request *r = &out->req;
    char *to_peer = NULL;
    if (!rc && remote)
        rc = org_peer(c, r->to_organization, &to_peer);
    kz_viewer side = {.key_id = "federation", .org = to_peer ? r->to_organization : r->from_organization,
                      .role = KZ_ROLE_VIEWER};
    if (rc || !r->sent_at || !same(remote, peer) || !kz_request_visible(&side, r->tlp, r->from_organization,
                                                                       r->to_organization, r->sent_at, r->exercise))
        return rc;
    if (!out->req.share_responsibility)
        out->req.responsibility = NULL;
    out->req.overdue = false;
    out->id = out->req.id;
    rc = kz_store_request_entries(c->db, id, c->arena, &out->entries, &out->n_entries, c->err);
    if (!rc)
        rc = own_files(c, out);
    *send = !rc && out->n_entries > 0;
    return rc;
}

/* ---- the receiving side ---- */

/* What a new entry of the peer did to the request. */
static void replay(kz_request *r, const kz_record_entry_in *e, const kz_request_entry *ent)
{
    int move = kz_enum_parse(&kz_request_move_enum, e->action);
    if (e->to >= 0)
        r->status = e->to;
    switch (move) {
    case KZ_MV_SEND:
        r->sent_at = e->at;
        r->ack_due = e->ack_due;
        r->answer_due = e->answer_due;
        break;
    case KZ_MV_ACKNOWLEDGE:
        r->acknowledged_at = r->responded_at = e->at;
        if (e->preserve_until)
            r->preserve_until = e->preserve_until;
        break;
    case KZ_MV_ANSWER: r->answered_at = e->at; break;
    case KZ_MV_DECLINE:
        if (!r->responded_at)
            r->responded_at = e->at;
        break;
    default: break;
    }
    if (move >= 0 && (kz_request_status_final(r->status) || move == KZ_MV_CLOSE))
        r->closed_at = e->at;
    if (strcmp(e->action, "escalate") == 0 && e->contact)
        r->escalation_level++;
    r->entries = ent->seq;
    r->head_hash = ent->hash;
    r->modified = e->at;
}

/* The side an entry's organization acts for. */
static int side_of(const kz_request *r, const char *org)
{
    return same(org, r->from_organization) ? KZ_SIDE_SENDER
           : same(org, r->to_organization) ? KZ_SIDE_RECIPIENT : KZ_SIDE_NONE;
}

/* Whether the entry's text, hash and signature are whole and link to head: NULL, or
 * what is wrong. */
static const char *chain_fault(const kz_peer *p, const kz_request *r, const kz_request_entry *ent, const char *head,
                               const kz_record_entry_in *e)
{
    char hash[KZ_HASH_HEX];
    unsigned char pk[KZ_SIGN_PK_BYTES], sig[KZ_SIGNATURE_BYTES];
    size_t len = strlen(ent->body);
    kz_sha256_hex(ent->body, len, hash);
    if (!same(e->request, r->id) || e->seq != ent->seq)
        return "belongs to another request or place in the record";
    if (!same(e->prev, head))
        return "does not follow the last entry of this node's record (a move made at both nodes at once?)";
    if (!same(hash, ent->hash))
        return "its hash is not the SHA-256 of its text";
    if (kz_hex_decode(p->public_key, pk, sizeof pk) != KZ_SIGN_PK_BYTES ||
        kz_hex_decode(ent->signature, sig, sizeof sig) != KZ_SIGNATURE_BYTES || !kz_sign_verify(pk, ent->body, len, sig))
        return "its signature does not verify with the pinned key of the sending node";
    return NULL;
}

/* Whether the entry is one the sending node may sign in r's status: NULL, or why not.
 * theirs: the peer that hosts the entry's organization; sender_node: the one that hosts
 * r's sender. */
static const char *side_fault(kz_call *c, const kz_peer *p, const kz_request *r, const kz_record_entry_in *e,
                              const char *theirs, const char *sender_node)
{
    char own[2 * KZ_SIGN_PK_BYTES + 1];
    kz_hex_encode(c->node->sign_pk, KZ_SIGN_PK_BYTES, own);
    int move = kz_enum_parse(&kz_request_move_enum, e->action);
    const kz_transition *t = move >= 0 ? kz_transition_find(r->status, move) : NULL;
    bool draft = strcmp(e->action, "create") == 0 || strcmp(e->action, "edit") == 0;
    if (!same(theirs, p->id))
        return "it is made by an organization that the sending node does not host: a node signs only its own "
               "side's moves";
    if (same(e->organization, r->from_organization) != same(sender_node, p->id))
        return "the sender's node signs the sending organization's entries, the recipient's node all others";
    if (move >= 0 && (!t || t->side != side_of(r, e->organization) || t->to != e->to || e->from != r->status))
        return "it is not a move that side may make in the request's status";
    if (move < 0 && e->to >= 0 && !(strcmp(e->action, "create") == 0 && e->seq == 1 && e->to == KZ_RS_DRAFT))
        return "only a move changes the request's status";
    if (draft && (side_of(r, e->organization) != KZ_SIDE_SENDER || r->status != KZ_RS_DRAFT))
        return "only the sender writes a draft";
    if (move == KZ_MV_SEND && !same(e->to_node, own))
        return "the request was not sent to this node's key";
    return NULL;
}

/* The file of the change with id, or NULL. */
static const kz_attachment *file_of(const kz_fed_request *in, const char *id)
{
    for (size_t i = 0; i < in->n_attachments; i++)
        if (same(in->attachments[i].id, id))
            return &in->attachments[i];
    return NULL;
}

/* Whether the files the entry names came whole: each carried, of the size and SHA-256
 * its signed entry names, and within this node's rules (names, media types, size
 * limit). Fills the entry's attachments with their content. NULL, or what is wrong. */
static const char *files_fault(kz_call *c, const kz_fed_request *in, kz_record_entry_in *e)
{
    kz_attachment *t = (kz_attachment *)e->attachments;
    for (size_t i = 0; i < e->n_attachments; i++) {
        const kz_attachment *f = file_of(in, t[i].id);
        char hex[KZ_HASH_HEX];
        if (!f)
            return kz_arena_printf(c->arena, "attachment %s is named by the signed entry but not carried", t[i].id);
        kz_sha256_hex(f->data ? (const void *)f->data : "", (size_t)f->size, hex);
        if (f->size != t[i].size || !same(hex, t[i].sha256) || !same(f->sha256, t[i].sha256))
            return kz_arena_printf(c->arena, "attachment %s: its content does not hash to the SHA-256 its signed "
                                   "entry names", t[i].id);
        t[i].data = f->data;
    }
    kz_request_post post = {.attachments = t, .n_attachments = e->n_attachments};
    kz_rc rc = e->n_attachments ? kz__request_post_check(c, &post) : KZ_OK;
    if (!rc)
        return NULL;
    const char *why = kz_arena_printf(c->arena, "%s (%s)", c->err->msg, c->err->field);
    kz_err_clear(c->err); /* a refusal, not a failure of this call */
    return why ? why : "out of memory while checking the attachments";
}

/* Checks one new entry of the peer against the head of the record here; *why when it
 * is refused. */
static kz_rc check_entry(kz_call *c, const kz_peer *p, const kz_fed_request *in, const kz_request *r,
                         const kz_request_entry *ent, const char *head, kz_record_entry_in *e, const char **why)
{
    kz_err e2;
    char *theirs = NULL, *sender_node = NULL;
    if (kz_record_entry_read(ent->body, strlen(ent->body), c->arena, e, &e2)) {
        *why = kz_arena_printf(c->arena, "request %s, entry %lld: %s", r->id, (long long)ent->seq, e2.msg);
        return KZ_OK;
    }
    kz_rc rc = org_peer(c, e->organization, &theirs);
    if (!rc)
        rc = org_peer(c, r->from_organization, &sender_node);
    const char *bad = rc ? NULL : chain_fault(p, r, ent, head, e);
    if (!rc && !bad)
        bad = side_fault(c, p, r, e, theirs, sender_node);
    if (!rc && !bad)
        bad = files_fault(c, in, e);
    if (bad)
        *why = kz_arena_printf(c->arena, "request %s, entry %lld: %s", r->id, (long long)ent->seq, bad);
    return rc;
}

/* The notices a peer's entry sends to this node's side (the other node told its own). */
static kz_rc notify_local(kz_call *c, kz_request *r, const kz_record_entry_in *e)
{
    static const struct {
        const char *action, *kind;
        int told;
    } told[] = {
        {"send", "request.new", KZ_SIDE_RECIPIENT},
        {"acknowledge", "request.acknowledged", KZ_SIDE_SENDER},
        {"answer", "request.answered", KZ_SIDE_SENDER},
        {"decline", "request.declined", KZ_SIDE_SENDER},
        {"withdraw", "request.withdrawn", KZ_SIDE_RECIPIENT},
        {"escalate", "request.overdue", KZ_SIDE_SENDER},
        {"preservation-warning", "request.preservation", KZ_SIDE_SENDER},
    };
    /* a message goes to the side that did not write it */
    int other = side_of(r, e->organization) == KZ_SIDE_SENDER ? KZ_SIDE_RECIPIENT : KZ_SIDE_SENDER;
    const char *kind = strcmp(e->action, "message") == 0 ? "request.message" : NULL;
    for (size_t i = 0; !kind && i < sizeof told / sizeof *told; i++)
        if (strcmp(told[i].action, e->action) == 0) {
            kind = told[i].kind;
            other = told[i].told;
        }
    if (!kind)
        return KZ_OK;
    kz_contact *to = NULL;
    kz_rc rc = kz__request_party_contact(c, r, other, &to);
    if (!rc && to && strcmp(e->action, "send") == 0)
        r->escalation_role = (char *)kz_enum_name(&kz_contact_role_enum, to->role);
    return rc ? rc : kz__request_notify(c, r, kind, to, e->message, e->note);
}

/* The sides of the incoming request: one the peer's, the other this node's. */
static kz_rc check_sides(kz_call *c, const kz_peer *p, const kz_request *r, const kz_request *mine, const char **why)
{
    char *from = NULL, *to = NULL;
    bool from_here = false, to_here = false;
    kz_rc rc = org_peer(c, r->from_organization, &from);
    if (!rc) rc = org_peer(c, r->to_organization, &to);
    if (!rc) rc = kz_store_fed_exists(c->db, KZ_FED_ORGANIZATION, r->from_organization, &from_here, c->err);
    if (!rc) rc = kz_store_fed_exists(c->db, KZ_FED_ORGANIZATION, r->to_organization, &to_here, c->err);
    if (rc)
        return rc;
    bool outgoing = same(to, p->id) && from_here && !from, incoming = same(from, p->id) && to_here && !to;
    if (!outgoing && !incoming)
        *why = "a request travels only between the node of its sender and the node of its recipient";
    else if (!mine && !incoming)
        *why = "a request is created only by its sender's node";
    else if (mine && (!same(mine->from_organization, r->from_organization) ||
                      !same(mine->to_organization, r->to_organization)))
        *why = "the request's sides are not the ones this node has";
    else if (!r->sent_at)
        *why = "a draft never leaves its sender's node";
    else if (!kz_request_visible(&(kz_viewer){.key_id = "federation", .org = incoming ? r->to_organization
                                                                                 : r->from_organization,
                                              .role = KZ_ROLE_VIEWER},
                                 r->tlp, r->from_organization, r->to_organization, r->sent_at, r->exercise))
        *why = "this node's side may not see the request under its TLP label";
    return KZ_OK;
}

/* A contact named by the request that this node does not hold is left out. */
static char *present(kz_call *c, char *contact)
{
    bool here = false;
    kz_err e2;
    return contact && kz_store_fed_exists(c->db, KZ_FED_CONTACT, contact, &here, &e2) == KZ_OK && here ? contact : NULL;
}

/* Links to objects this node does not hold are left out (the sender checked that the
 * recipient may see them; they may not have arrived). */
static void keep_present(kz_call *c, kz_strlist *l, int kind)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++) {
        bool here = false;
        kz_err e2;
        if (kz_store_fed_exists(c->db, kind, l->v[i], &here, &e2) == KZ_OK && here)
            l->v[n++] = l->v[i];
    }
    l->n = n;
}

/* A new request as its first entries will rebuild it: the content from the sender, the
 * workflow empty. */
static kz_rc insert_new(kz_call *c, kz_request *r)
{
    r->status = KZ_RS_DRAFT;
    r->sent_at = r->responded_at = r->acknowledged_at = r->answered_at = r->closed_at = 0;
    r->ack_due = r->answer_due = r->preserve_until = 0;
    r->escalation_level = 0;
    r->escalation_role = NULL;
    r->entries = 0;
    r->head_hash = NULL;
    r->from_contact = present(c, r->from_contact);
    r->to_contact = present(c, r->to_contact);
    keep_present(c, &r->incidents, KZ_FED_INCIDENT);
    keep_present(c, &r->indicators, KZ_FED_INDICATOR);
    kz_rc rc = kz_store_request_insert(c->db, r, c->err);
    if (!rc) rc = kz_store_request_links_set(c->db, r->id, "incident", &r->incidents, c->err);
    if (!rc) rc = kz_store_request_links_set(c->db, r->id, "indicator", &r->indicators, c->err);
    return rc;
}

/* Appends the checked entries from index from on, with their audit events and notices. */
static kz_rc append(kz_call *c, const kz_peer *p, kz_request *r, const kz_fed_request *in, size_t from,
                    kz_record_entry_in *read)
{
    kz_rc rc = KZ_OK;
    for (size_t i = from; !rc && i < in->n_entries; i++) {
        const kz_request_entry *ent = &in->entries[i];
        kz_request_entry row = *ent;
        row.at = read[i - from].at;
        row.actor_org = (char *)read[i - from].organization;
        row.action = (char *)read[i - from].action;
        replay(r, &read[i - from], ent);
        rc = kz_store_request_entry_append(c->db, r->id, &row, c->err);
        for (size_t k = 0; !rc && k < read[i - from].n_attachments; k++) /* checked whole in files_fault */
            rc = kz_store_attachment_insert(c->db, r->id, &read[i - from].attachments[k], c->err);
        if (!rc) rc = notify_local(c, r, &read[i - from]);
        char *action = kz_arena_printf(c->arena, "request.%s", row.action);
        char *detail = kz_arena_printf(c->arena, "entry %lld %s from %s", (long long)ent->seq, ent->hash, p->name);
        if (!rc && (!action || !detail))
            rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
        if (!rc) rc = kz_audit(c, action, "request", r->id, detail);
    }
    return rc;
}

/* ---- moves made at both nodes at once (docs/FEDERATION.md) ---- */

/* The request's workflow as the entries have[0..n) make it, its content kept: the state
 * at a fork. */
static kz_rc rebuild(kz_call *c, kz_request *r, const kz_request_entry *have, size_t n)
{
    r->status = KZ_RS_DRAFT;
    r->sent_at = r->responded_at = r->acknowledged_at = r->answered_at = r->closed_at = 0;
    r->ack_due = r->answer_due = r->preserve_until = 0;
    r->escalation_level = 0;
    r->entries = 0;
    r->head_hash = NULL;
    for (size_t i = 0; i < n; i++) {
        kz_record_entry_in e;
        if (kz_record_entry_read(have[i].body, strlen(have[i].body), c->arena, &e, c->err))
            return c->err->rc;
        replay(r, &e, &have[i]);
    }
    return KZ_OK;
}

/* One of this node's entries that the fork moved aside, made again at the new head,
 * signed now, when the state machine still allows it after the sending side's entries
 * (a move of its side from the status reached, to the same status; a message,
 * escalation or warning while the request is not final). *again false when not. */
static kz_rc make_again(kz_call *c, kz_request *r, const kz_record_entry_in *e, bool *again)
{
    int move = kz_enum_parse(&kz_request_move_enum, e->action);
    const kz_transition *t = move >= 0 ? kz_transition_find(r->status, move) : NULL;
    *again = move >= 0 ? t && t->side == side_of(r, e->organization) && t->to == e->to
                       : e->to < 0 && !kz_request_status_final(r->status);
    if (!*again)
        return KZ_OK;
    kz_request_post post = {.message = e->message};
    kz_rc rc = kz_store_attachments_aside(c->db, r->id, e->seq, c->arena, &post.attachments, &post.n_attachments,
                                          c->err); /* its files come back with it, under new ids */
    if (rc)
        return rc;
    kz__entry ent = {.action = e->action, .from = move >= 0 ? r->status : -1, .to = move >= 0 ? t->to : -1,
                     .post = e->message || post.n_attachments ? &post : NULL, .contact = e->contact, .note = e->note,
                     .at = kz_now_ms()};
    if (e->preserve_until)
        r->preserve_until = e->preserve_until;
    kz_viewer keep = c->who;
    const char *keep_actor = c->actor;
    c->who.org = e->organization; /* the entry stays its organization's, made by the same actor */
    c->actor = e->actor;
    kz_request_entry out;
    rc = kz__request_record(c, r, &ent, &out);
    if (!rc) rc = kz_store_attachments_drop_aside(c->db, r->id, e->seq, c->err);
    c->who = keep;
    c->actor = keep_actor;
    kz_record_entry_in made = *e;
    made.seq = out.seq;
    made.at = ent.at;
    made.from = ent.from;
    if (!rc)
        replay(r, &made, &out);
    return rc;
}

/* After the sending side's entries were appended at a fork: this node's entries that
 * were moved aside (tail, n of them) are made again or, when they no longer apply,
 * stay superseded; each outcome audited. */
static kz_rc remake_tail(kz_call *c, kz_request *r, const kz_request_entry *tail, size_t n)
{
    kz_rc rc = KZ_OK;
    for (size_t i = 0; !rc && i < n; i++) {
        kz_record_entry_in e;
        bool again = false;
        if (kz_record_entry_read(tail[i].body, strlen(tail[i].body), c->arena, &e, c->err))
            return c->err->rc;
        rc = make_again(c, r, &e, &again);
        if (!rc && !again)
            rc = kz_audit(c, "request.superseded", "request", r->id,
                          kz_arena_printf(c->arena, "entry %lld (%s, %s) no longer applies after the sending side's "
                                          "moves made at the same time; kept aside", (long long)tail[i].seq,
                                          e.action, tail[i].hash));
    }
    return rc;
}

/* Whether the entries after a fork (tail, n of them) are all this node's own: an entry
 * of the peer's side there would mean the peer had ours and now tells another story.
 * *why when not. */
static kz_rc own_tail(kz_call *c, const char *id, const kz_request_entry *tail, size_t n, size_t fork,
                      const char **why)
{
    kz_rc rc = KZ_OK;
    for (size_t i = 0; !rc && !*why && i < n; i++) {
        char *theirs = NULL;
        rc = org_peer(c, tail[i].actor_org, &theirs);
        if (!rc && (theirs || !tail[i].actor_org))
            *why = kz_arena_printf(c->arena, "request %s: the two records differ at entry %zu", id, fork + 1);
    }
    return rc;
}

/* The first index where the two records differ (n when one extends the other). */
static size_t first_difference(const kz_request_entry *have, size_t n, const kz_fed_request *in)
{
    for (size_t i = 0; i < n && i < in->n_entries; i++)
        if (!same(have[i].hash, in->entries[i].hash))
            return i;
    return n;
}

kz_rc kz_svc_request_incoming(kz_call *c, const kz_peer *p, kz_fed_request *in, const char **why)
{
    kz_request mine;
    kz_request_entry *have = NULL;
    size_t n = 0;
    kz_err e2;
    kz_rc rc = kz_store_request_get(c->db, in->id, kz_now_ms(), c->arena, &mine, &e2);
    bool exists = rc == KZ_OK;
    if (rc && rc != KZ_ENOTFOUND)
        return kz_fail(c->err, rc, e2.field, "%s", e2.msg);
    rc = check_sides(c, p, &in->req, exists ? &mine : NULL, why);
    if (!rc && !*why && exists)
        rc = kz_store_request_entries(c->db, in->id, c->arena, &have, &n, c->err);
    size_t fork = rc || *why ? n : first_difference(have, n, in);
    char *sender_peer = NULL;
    const kz_request_entry *tail = NULL;
    size_t n_tail = 0;
    bool was_sent = exists && mine.status == KZ_RS_SENT;
    if (fork < n && !(rc = org_peer(c, mine.from_organization, &sender_peer)) && !sender_peer)
        return KZ_OK; /* a fork: the sending side's entries stand; the other node makes its own again after them */
    if (!rc && fork < n) /* only entries of this node's own that the peer never had may move aside */
        rc = own_tail(c, in->id, have + fork, n - fork, fork, why);
    if (!rc && !*why && fork < n) { /* a fork, at the recipient's node: ours move aside, theirs come first */
        tail = have + fork;
        n_tail = n - fork;
        was_sent = false; /* the status is replayed anew: its deadlines are set again below */
        rc = kz_store_request_supersede_after(c->db, in->id, (int64_t)fork, kz_now_ms(), c->err);
        if (!rc) rc = rebuild(c, &mine, have, fork);
        if (!rc) rc = kz_audit(c, "request.fork", "request", in->id,
                               kz_arena_printf(c->arena, "moves made at both nodes after entry %zu: %s's entries "
                                               "first, %zu of this node's made again after them if they still "
                                               "apply", fork, p->name, n_tail));
        n = fork;
    }
    if (rc || *why || in->n_entries <= n)
        return rc; /* refused, or nothing new: the peer has not seen our latest entries yet */
    kz_request *r = exists ? &mine : &in->req;
    kz_request probe = *r;  /* the checks replay the moves on a copy */
    kz_record_entry_in *read = kz_arena_calloc(c->arena, in->n_entries - n, sizeof *read);
    if (!read)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    if (!exists)
        probe.status = KZ_RS_DRAFT;
    const char *head = n ? have[n - 1].hash : KZ_RECORD_GENESIS;
    for (size_t i = n; !rc && !*why && i < in->n_entries; i++) {
        rc = check_entry(c, p, in, &probe, &in->entries[i], head, &read[i - n], why);
        if (!rc && !*why) {
            replay(&probe, &read[i - n], &in->entries[i]);
            head = in->entries[i].hash;
        }
    }
    if (rc || *why)
        return rc;
    if (!exists)
        rc = insert_new(c, r);
    if (!rc) rc = append(c, p, r, in, n, read);
    if (!rc && n_tail) rc = remake_tail(c, r, tail, n_tail);
    if (!rc) rc = kz_store_request_update(c->db, r, c->err);
    /* deadlines and escalation run at the recipient's node, as for a local request */
    if (!rc && r->status == KZ_RS_SENT && !was_sent)
        rc = kz_store_request_set_escalation(c->db, r->id, r->ack_due, c->err);
    if (!rc && r->status != KZ_RS_SENT)
        rc = kz_store_request_set_escalation(c->db, r->id, 0, c->err);
    return rc;
}
