/* Requests between states: drafts, the moves of both sides, the thread and its
 * attachments, reads under the visibility rule. */
#include "service/requests/requests_internal.h"

#include "codec/sharing/indicator_csv.h"
#include "codec/sharing/indicator_norm.h"
#include "service/core/notify.h"
#include "service/core/tlp.h"
#include "service/sharing/incidents.h"
#include "service/sharing/indicators.h"
#include "service/sharing/sharing.h"
#include "service/core/scheduler.h"
#include "service/core/settings.h"
#include "service/exercises/exercises.h"
#include "util/utf8.h"

#include <stdio.h>
#include <string.h>

static bool same(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

bool kz_request_visible(const kz_viewer *v, int tlp, const char *from_org, const char *to_org,
                        kz_time sent_at, const char *exercise)
{
    const char *recipients[1] = {to_org};
    kz_tlp_subject s = {tlp, from_org, recipients, sent_at && to_org ? 1 : 0, false, exercise};
    if (!kz_tlp_visible(v, &s))
        return false;
    return sent_at || (v->key_id && same(v->org, from_org));
}

static bool visible_cb(void *ctx, int tlp, const char *from_org, const char *to_org, kz_time sent_at,
                       const char *exercise)
{
    return kz_request_visible(ctx, tlp, from_org, to_org, sent_at, exercise);
}

kz_rc kz__request_load(kz_call *c, const char *id, kz_request *r)
{
    kz_err e2;
    kz_rc rc = kz_store_request_get(c->db, id, kz_now_ms(), c->arena, r, &e2);
    if (rc == KZ_ENOTFOUND ||
        (!rc && !kz_request_visible(&c->who, r->tlp, r->from_organization, r->to_organization, r->sent_at,
                                     r->exercise)))
        return kz_fail(c->err, KZ_ENOTFOUND, "request", "no request %.40s", id);
    return rc ? kz_fail(c->err, rc, e2.field, "%s", e2.msg) : KZ_OK;
}

int kz__request_side(const kz_call *c, const kz_request *r)
{
    if (!c->who.key_id)
        return KZ_SIDE_NONE;
    if (same(c->who.org, r->from_organization))
        return KZ_SIDE_SENDER;
    if (same(c->who.org, r->to_organization))
        return KZ_SIDE_RECIPIENT;
    return KZ_SIDE_NONE;
}

/* Keeps the ids of list the caller may see (incidents when inc, else indicators). */
static void keep_visible_links(kz_call *c, kz_strlist *list, bool inc)
{
    kz_err scratch, *saved = c->err; /* a hidden link is not an error of the read */
    c->err = &scratch;
    size_t kept = 0;
    for (size_t i = 0; i < list->n; i++) {
        kz_incident oi;
        kz_indicator od;
        bool ok = inc ? kz__visible_incident(c, list->v[i], &oi, &scratch) == KZ_OK
                      : kz__visible_indicator(c, list->v[i], &od) == KZ_OK;
        if (ok)
            list->v[kept++] = list->v[i];
    }
    list->n = kept;
    c->err = saved;
}

void kz__request_redact(kz_call *c, kz_request *r)
{
    if (!r->share_responsibility && kz__request_side(c, r) != KZ_SIDE_SENDER)
        r->responsibility = NULL;
    keep_visible_links(c, &r->incidents, true);
    keep_visible_links(c, &r->indicators, false);
}

/* ---- input checks ------------------------------------------------------------------------ */

static bool media_type_ok(const char *s)
{
    static const char tok[] = "!#$&^_.+-";
    size_t n = strlen(s), parts = 0, run = 0;
    if (n == 0 || n > 127)
        return false;
    for (const char *p = s; *p; p++) {
        bool alnum = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9');
        if (alnum || strchr(tok, *p)) {
            run++;
        } else if (*p == '/' && run && !parts) {
            parts = 1;
            run = 0;
        } else {
            return false;
        }
    }
    return parts == 1 && run > 0;
}

kz_rc kz__request_post_check(kz_call *c, const kz_request_post *post)
{
    if (!post)
        return KZ_OK;
    const char *m = post->message;
    if (m) {
        size_t n = strlen(m), cps = kz_utf8_count(m, n);
        if (!kz_text_ok(m, n, true))
            return kz_fail(c->err, KZ_EINVAL, "message", "message contains control characters or invalid UTF-8");
        if (kz_text_bidi(m, n))  /* the rule of every free-text field (codec/json/json_fields.h) */
            return kz_fail(c->err, KZ_EINVAL, "message", "message contains the bidirectional control U+%04X, "
                           "which could disguise the text", kz_text_bidi(m, n));
        if (cps > KZ_MESSAGE_MAX)
            return kz_fail(c->err, KZ_EINVAL, "message", "message is longer than %d characters", KZ_MESSAGE_MAX);
    }
    if (post->n_attachments > KZ_ATTACHMENTS_MAX)
        return kz_fail(c->err, KZ_EINVAL, "attachments", "at most %d attachments go with one message",
                       KZ_ATTACHMENTS_MAX);
    int64_t max = post->n_attachments ? kz_setting_int(c, "requests.attachment_max_bytes") : 0;
    for (size_t i = 0; i < post->n_attachments; i++) {
        const kz_attachment *t = &post->attachments[i];
        char field[48];
        snprintf(field, sizeof field, "attachments[%zu].name", i);
        size_t nl = t->name ? strlen(t->name) : 0;
        if (!nl || !kz_text_ok(t->name, nl, false) || kz_text_bidi(t->name, nl) || kz_utf8_count(t->name, nl) > 200 ||
            strpbrk(t->name, "/\\") || strcmp(t->name, ".") == 0 || strcmp(t->name, "..") == 0)
            return kz_fail(c->err, KZ_EINVAL, field, "an attachment needs a file name of 1 to 200 characters without / or \\ "
                           "or bidirectional controls");
        snprintf(field, sizeof field, "attachments[%zu].media_type", i);
        if (t->media_type && !media_type_ok(t->media_type))
            return kz_fail(c->err, KZ_EINVAL, field, "media_type must look like type/subtype (text/plain)");
        snprintf(field, sizeof field, "attachments[%zu]", i);
        if (t->size < 0 || t->size > max || (t->size && !t->data))
            return kz_fail(c->err, KZ_ETOOBIG, field, "attachment '%.64s' is %lld bytes; the limit is %lld",
                           t->name, (long long)t->size, (long long)max);
    }
    return KZ_OK;
}

/* The organization with id, as input for field; KZ_EINVAL when there is none. */
static kz_rc get_org(kz_call *c, const char *id, const char *field, kz_org *out)
{
    kz_err e2;
    kz_rc rc = kz_store_org_get(c->db, id, c->arena, out, &e2);
    if (rc == KZ_ENOTFOUND)
        return kz_fail(c->err, KZ_EINVAL, field, "no organization %.40s", id);
    return rc ? kz_fail(c->err, rc, NULL, "%s", e2.msg) : KZ_OK;
}

/* A contact given for one side must belong to that side's organization. */
static kz_rc check_contact(kz_call *c, const char *id, const char *org, const char *field)
{
    if (!id)
        return KZ_OK;
    kz_contact ct;
    kz_err e2;
    kz_rc rc = kz_store_contact_get(c->db, id, c->arena, &ct, &e2);
    if (rc == KZ_ENOTFOUND)
        return kz_fail(c->err, KZ_EINVAL, field, "no contact %.40s", id);
    if (rc)
        return kz_fail(c->err, rc, NULL, "%s", e2.msg);
    if (!same(ct.organization, org))
        return kz_fail(c->err, KZ_EINVAL, field, "contact %.40s does not belong to organization %.40s", id, org);
    return KZ_OK;
}

/* Sets both sides from the caller and r->to_organization, checking them. */
static kz_rc resolve_parties(kz_call *c, kz_request *r)
{
    kz_org from, to;
    if (!c->who.org)
        return kz_fail(c->err, KZ_EFORBIDDEN, NULL, "the caller belongs to no organization");
    kz_rc rc = get_org(c, c->who.org, "from_organization", &from);
    if (!rc)
        rc = get_org(c, r->to_organization, "to_organization", &to);
    if (!rc && same(from.id, to.id))
        rc = kz_fail(c->err, KZ_EINVAL, "to_organization", "a request goes to another organization than the sender's");
    if (!rc)
        rc = check_contact(c, r->from_contact, from.id, "from_contact");
    if (!rc)
        rc = check_contact(c, r->to_contact, to.id, "to_contact");
    if (rc)
        return rc;
    r->from_organization = from.id;
    r->from_state = from.state;
    r->to_organization = to.id;
    r->to_state = to.state;
    return KZ_OK;
}

/* Linked incidents and indicators must exist and be visible to both sides under their
 * own TLP labels: the sender cannot probe for what it may not see, and the request
 * never points the recipient at what it may not see. */
static kz_rc check_links(kz_call *c, const kz_request *r)
{
    kz_viewer recipient = {"request-recipient", r->to_organization, KZ_ROLE_VIEWER, NULL};
    kz_err *saved = c->err, e2;
    kz_rc rc = KZ_OK;
    for (size_t i = 0; !rc && i < r->incidents.n + r->indicators.n; i++) {
        bool inc = i < r->incidents.n;
        const char *id = inc ? r->incidents.v[i] : r->indicators.v[i - r->incidents.n];
        size_t k = inc ? i : i - r->incidents.n;
        kz_tlp_subject subj;
        c->err = &e2; /* the sharing service names its own fields */
        if (inc) {
            kz_incident o;
            rc = kz__sharing_read(c);
            if (!rc)
                rc = kz__visible_incident(c, id, &o, c->err);
            if (!rc)
                subj = kz_incident_subject(&o);
        } else {
            kz_indicator o;
            rc = kz__sharing_read(c);
            if (!rc)
                rc = kz__visible_indicator(c, id, &o);
            if (!rc)
                subj = kz_indicator_subject(&o);
        }
        c->err = saved;
        char field[40];
        snprintf(field, sizeof field, "%s[%zu]", inc ? "incidents" : "indicators", k);
        if (rc == KZ_ENOTFOUND)
            return kz_fail(c->err, KZ_EINVAL, field, "no %s %.40s", inc ? "incident" : "indicator", id);
        if (rc)
            return kz_fail(c->err, rc, field, "%s", e2.msg);
        if (!kz_tlp_visible(&recipient, &subj))
            return kz_fail(c->err, KZ_EINVAL, field,
                           "the recipient may not see %s %.40s under its TLP label; share it with them first",
                           inc ? "incident" : "indicator", id);
    }
    return KZ_OK;
}

static kz_rc store_links(kz_call *c, const kz_request *r)
{
    kz_rc rc = check_links(c, r);
    if (!rc)
        rc = kz_store_request_links_set(c->db, r->id, "incident", &r->incidents, c->err);
    if (rc == KZ_ECONFLICT)
        return kz_fail(c->err, KZ_EINVAL, "incidents", "incidents lists an id twice");
    if (!rc)
        rc = kz_store_request_links_set(c->db, r->id, "indicator", &r->indicators, c->err);
    if (rc == KZ_ECONFLICT)
        return kz_fail(c->err, KZ_EINVAL, "indicators", "indicators lists an id twice");
    return rc;
}

/* Mitigation sources in the canonical form every importer and the matcher use
 * (codec/sharing/indicator_norm.h): 192.0.2.7/24 becomes 192.0.2.0/24, domains lose case and
 * trailing dots, AS numbers read AS64500. Duplicates after normalization are dropped. */
static kz_rc normalize_sources(kz_call *c, kz_request *r)
{
    size_t kept = 0;
    for (size_t i = 0; i < r->sources.n; i++) {
        const char *v = r->sources.v[i];
        /* the one guess of every importer ("assets.example.com" is a domain, not AS) */
        kz_ind_type type = (kz_ind_type)kz_ind_type_detect(v, strlen(v));
        char field[32];
        snprintf(field, sizeof field, "sources[%zu]", i);
        kz_norm n;
        kz_rc rc = kz_indicator_normalize(type, v, strlen(v), c->arena, field, &n, c->err);
        if (rc)
            return rc;
        bool dup = false;
        for (size_t k = 0; k < kept; k++)
            dup |= strcmp(r->sources.v[k], n.value) == 0;
        if (!dup)
            r->sources.v[kept++] = n.value;
    }
    r->sources.n = kept;
    return KZ_OK;
}

/* ---- drafts ----------------------------------------------------------------------------- */

/* Clears everything a caller cannot set, so that a programmatic caller's leftovers
 * never reach the store. */
static void reset_workflow(kz_request *r, kz_time now)
{
    r->created = r->modified = now;
    r->status = KZ_RS_DRAFT;
    r->sent_at = r->responded_at = r->acknowledged_at = r->answered_at = r->closed_at = 0;
    r->ack_due = r->answer_due = r->preserve_until = 0;
    r->escalation_level = 0;
    r->escalation_role = NULL;
    r->entries = 0;
    r->head_hash = NULL;
    r->overdue = false;
}

kz_rc kz_svc_request_create(kz_call *c, kz_request *r, const kz_request_post *post)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (!rc)
        rc = kz_request_check_template(r, c->err);
    if (!rc)
        rc = normalize_sources(c, r);
    if (!rc)
        rc = kz__request_post_check(c, post);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    kz_time now = kz_now_ms();
    rc = resolve_parties(c, r);
    const char *parties[2] = {r->from_organization, r->to_organization};
    if (!rc)
        rc = kz_svc_exercise_claim(c, KZ_XO_REQUEST, NULL, &r->exercise, parties, 2);
    if (!rc && !(r->id = kz_new_id(c)))
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    if (!rc) {
        reset_workflow(r, now);
        rc = kz_store_request_insert(c->db, r, c->err);
    }
    if (!rc)
        rc = store_links(c, r);
    kz__entry e = {.action = "create", .from = -1, .to = KZ_RS_DRAFT, .post = post, .content = true, .at = now};
    if (!rc)
        rc = kz__request_record(c, r, &e, NULL);
    if (!rc)
        rc = kz_store_request_update(c->db, r, c->err);
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_request_update(kz_call *c, const char *id, kz_apply_fn apply, void *ctx, kz_request *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    rc = kz__request_load(c, id, out);
    if (!rc && kz__request_side(c, out) != KZ_SIDE_SENDER)
        rc = kz_fail(c->err, KZ_EFORBIDDEN, NULL, "only the sending organization changes a draft");
    if (!rc && out->status != KZ_RS_DRAFT)
        rc = kz_fail(c->err, KZ_ECONFLICT, "status", "the request was sent; a sent request is never changed, "
                     "only answered with messages");
    if (!rc)
        rc = apply(out, ctx, c->err);
    if (!rc)
        rc = kz_request_check_template(out, c->err);
    if (!rc)
        rc = normalize_sources(c, out);
    if (!rc)
        rc = resolve_parties(c, out);
    if (!rc)
        rc = store_links(c, out);
    kz__entry e = {.action = "edit", .from = -1, .to = -1, .content = true, .at = kz_now_ms()};
    if (!rc)
        rc = kz__request_record(c, out, &e, NULL);
    if (!rc)
        rc = kz_store_request_update(c->db, out, c->err);
    return kz_tx_end(c, rc);
}

/* ---- reads -------------------------------------------------------------------------------- */

kz_rc kz_svc_request_get(kz_call *c, const char *id, kz_request_view *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    if (rc || (rc = kz_rtx_begin(c)))
        return rc;
    memset(out, 0, sizeof *out);
    rc = kz__request_load(c, id, &out->req);
    if (!rc) {
        kz_request *r = &out->req;
        kz__request_redact(c, r);
        out->side = kz__request_side(c, r);
        out->moves = kz_moves_allowed(r->status, out->side);
        kz_org o;
        kz_err e2;
        if (kz_store_org_get(c->db, r->from_organization, c->arena, &o, &e2) == KZ_OK)
            out->from_org_name = o.name;
        if (kz_store_org_get(c->db, r->to_organization, c->arena, &o, &e2) == KZ_OK)
            out->to_org_name = o.name;
        rc = kz_store_request_entries(c->db, id, c->arena, &out->entries, &out->n_entries, c->err);
    }
    if (!rc)
        rc = kz_store_attachments(c->db, id, c->arena, &out->attachments, &out->n_attachments, c->err);
    if (!rc)
        rc = kz_notices_about(c, id, NULL, &out->notices, &out->n_notices);
    if (!rc)
        rc = kz__request_delivery(c, &out->req, &out->peer, &out->peer_side, &out->delivery);
    kz_rtx_end(c);
    return rc;
}

kz_rc kz_svc_request_list(kz_call *c, kz_request_filter *f, const kz_page *pg, kz_request_page *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    if (rc || (rc = kz_rtx_begin(c)))
        return rc;
    f->now = kz_now_ms();
    rc = kz_store_request_list(c->db, f, visible_cb, &c->who, pg, c->arena, out, c->err);
    for (size_t i = 0; !rc && i < out->n; i++)
        kz__request_redact(c, &out->items[i]);
    kz_rtx_end(c);
    return rc;
}

kz_rc kz_svc_request_attachment(kz_call *c, const char *id, const char *attachment_id,
                                kz_attachment *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    if (rc || (rc = kz_rtx_begin(c)))
        return rc;
    kz_request r;
    rc = kz__request_load(c, id, &r);
    if (!rc)
        rc = kz_store_attachment_get(c->db, id, attachment_id, c->arena, out, c->err);
    kz_rtx_end(c);
    return rc;
}

/* ---- moves and messages ------------------------------------------------------------------- */

static const char *side_name(int side) { return kz_enum_name(&kz_request_side_enum, side); }

/* "acknowledge, decline" or "nothing" */
static const char *move_list(kz_call *c, unsigned set)
{
    char buf[128] = "";
    size_t o = 0;
    for (int m = 0; m < KZ_MV_COUNT; m++)
        if (set & (1u << m)) {
            int k = snprintf(buf + o, sizeof buf - o, "%s%s", o ? ", " : "", kz_enum_name(&kz_request_move_enum, m));
            o += k > 0 ? (size_t)k : 0;
        }
    const char *s = kz_arena_strdup(c->arena, o ? buf : "nothing");
    return s ? s : "";
}

/* Sets the timestamps and deadlines that a move brings. */
static void apply_move(kz_call *c, kz_request *r, const kz_transition *t, kz_time now)
{
    r->status = t->to;
    switch (t->move) {
    case KZ_MV_SEND:
        r->sent_at = now;
        r->ack_due = now + kz__request_period(c, r, false);
        r->answer_due = now + kz__request_period(c, r, true);
        break;
    case KZ_MV_ACKNOWLEDGE:
        r->acknowledged_at = r->responded_at = now;
        if (r->kind == KZ_REQ_PRESERVATION)
            r->preserve_until = now + r->preservation_days * KZ__DAY_MS;
        break;
    case KZ_MV_ANSWER:
        r->answered_at = now;
        break;
    case KZ_MV_DECLINE:
        if (!r->responded_at)
            r->responded_at = now;
        break;
    default:
        break;
    }
    if (kz_request_status_final(r->status) || t->move == KZ_MV_CLOSE)
        r->closed_at = now;
}

kz_rc kz_svc_request_move(kz_call *c, const char *id, int move, const kz_request_post *post,
                          kz_request *out, unsigned *allowed)
{
    *allowed = 0;
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (!rc && (move < 0 || move >= KZ_MV_COUNT))
        rc = kz_fail(c->err, KZ_EINVAL, "move", "unknown move");
    if (!rc)
        rc = kz__request_post_check(c, post);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    rc = kz__request_load(c, id, out);
    int side = rc ? KZ_SIDE_NONE : kz__request_side(c, out);
    if (!rc && side == KZ_SIDE_NONE)
        rc = kz_fail(c->err, KZ_EFORBIDDEN, NULL, "only the sending and the receiving organization move a request");
    const kz_transition *t = rc ? NULL : kz_transition_find(out->status, move);
    if (!rc && (!t || t->side != side)) {
        *allowed = kz_moves_allowed(out->status, side);
        const char *mv = kz_enum_name(&kz_request_move_enum, move);
        if (t)
            rc = kz_fail(c->err, KZ_ECONFLICT, "move", "only the %s may %s this request; the %s may now: %s",
                         side_name(t->side), mv, side_name(side), move_list(c, *allowed));
        else
            rc = kz_fail(c->err, KZ_ECONFLICT, "move", "cannot %s a request that is %s; the %s may now: %s", mv,
                         kz_enum_name(&kz_request_status_enum, out->status), side_name(side),
                         move_list(c, *allowed));
    }
    if (!rc && t->needs_message && (!post || !post->message))
        rc = kz_fail(c->err, KZ_EINVAL, "message", "%s needs a message (%s)", kz_enum_name(&kz_request_move_enum, move),
                     move == KZ_MV_DECLINE ? "the reason" : "the answer");
    kz_time now = kz_now_ms();
    if (!rc && move == KZ_MV_SEND)
        rc = check_links(c, out); /* sharing may have changed since the draft was written */
    if (!rc) {
        int from = out->status;
        apply_move(c, out, t, now);
        kz__entry e = {.action = kz_enum_name(&kz_request_move_enum, move), .from = from, .to = t->to,
                       .post = post, .at = now};
        rc = kz__request_record(c, out, &e, NULL);
    }
    if (!rc)
        rc = kz__request_notify_move(c, out, move, post ? post->message : NULL);
    if (!rc)
        rc = kz_store_request_update(c->db, out, c->err);
    if (!rc)
        rc = kz_store_request_set_escalation(c->db, id, out->status == KZ_RS_SENT ? out->ack_due : 0, c->err);
    rc = kz_tx_end(c, rc);
    if (!rc) {
        out->overdue = kz_request_is_overdue(out, now);
        kz__request_redact(c, out);
        kz_scheduler_wake(); /* deliver the notices now */
    }
    return rc;
}

kz_rc kz_svc_request_message(kz_call *c, const char *id, const kz_request_post *post,
                             kz_request_entry *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (!rc && (!post || (!post->message && !post->n_attachments)))
        rc = kz_fail(c->err, KZ_EINVAL, "message", "a message needs text or an attachment");
    if (!rc)
        rc = kz__request_post_check(c, post);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    kz_request r;
    rc = kz__request_load(c, id, &r);
    if (!rc && kz__request_side(c, &r) == KZ_SIDE_NONE)
        rc = kz_fail(c->err, KZ_EFORBIDDEN, NULL, "only the two sides write in a request's thread");
    if (!rc && (r.status == KZ_RS_DRAFT || kz_request_status_final(r.status)))
        rc = kz_fail(c->err, KZ_ECONFLICT, "status", "messages go to a request that is sent and not finished; this one is %s",
                     kz_enum_name(&kz_request_status_enum, r.status));
    kz__entry e = {.action = "message", .from = -1, .to = -1, .post = post, .at = kz_now_ms()};
    if (!rc)
        rc = kz__request_record(c, &r, &e, out);
    kz_contact *other = NULL;
    if (!rc)
        rc = kz__request_party_contact(c, &r, kz__request_side(c, &r) == KZ_SIDE_SENDER ? KZ_SIDE_RECIPIENT
                                                                                         : KZ_SIDE_SENDER, &other);
    if (!rc)
        rc = kz__request_notify(c, &r, "request.message", other, post->message, NULL);
    if (!rc)
        rc = kz_store_request_update(c->db, &r, c->err);
    rc = kz_tx_end(c, rc);
    if (!rc)
        kz_scheduler_wake();
    return rc;
}
