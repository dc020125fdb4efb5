/* Sync by sequence numbers. The sending side answers a pull with the changes of its log
 * after the peer's cursor, each object as it stands now, filtered by kz_tlp_visible for
 * the organizations the peer hosts (recipient lists cut to those), tombstones only for
 * what the peer was sent. The receiving side checks every object again (its origin is
 * the signer, it names only organizations hosted here, one of them may see it), applies
 * a page and moves its cursor in one transaction, and refuses what fails with the
 * reason, letting the rest flow. */
#include "service/federation/federation.h"

#include "codec/federation/federation.h"
#include "model/directory.h"
#include "model/enums.h"
#include "model/sharing.h"
#include "service/core/tlp.h"
#include "service/directory/checks.h"
#include "service/requests/requests.h"
#include "service/statements/statements.h"
#include "store/directory/directory.h"
#include "store/exercises/exercises.h"
#include "store/federation/federation.h"
#include "store/sharing/sharing.h"

#include <string.h>

enum {
    ANSWER_MAX = KZ_FED_MESSAGE_MAX,
    PAGE_FILES_MAX = 16 << 20, /* a page ends early once its requests' files reach this */
};

/* ---- the sending side ---- */

/* Loads an object of this node (any TLP: the filter comes after); KZ_ENOTFOUND when it
 * was deleted since it was logged. */
static kz_rc load_object(kz_call *c, int kind, const char *id, void **out)
{
    static const kz_viewer nobody = {.role = -1};
    void *o = kz_arena_calloc(c->arena, 1, kz_fed_kind_size(kind));
    if (!(*out = o))
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    switch (kind) {
    case KZ_FED_ORGANIZATION: return kz_store_org_get(c->db, id, c->arena, o, c->err);
    case KZ_FED_CONTACT: return kz_store_contact_get(c->db, id, c->arena, o, c->err);
    case KZ_FED_INCIDENT: return kz_store_incident_get(c->db, id, c->arena, o, c->err);
    case KZ_FED_INDICATOR: return kz_store_indicator_get(c->db, &nobody, id, c->arena, o, c->err);
    case KZ_FED_SIGHTING: return kz_store_sighting_get(c->db, id, c->arena, o, c->err);
    default: return kz_fail(c->err, KZ_EINTERNAL, NULL, "unknown kind");
    }
}

/* The TLP subject of a shareable object (incidents, indicators and sightings). */
static bool subject_of(int kind, void *o, kz_tlp_subject *s, kz_strlist **recipients)
{
    if (kind == KZ_FED_INCIDENT) {
        kz_incident *i = o;
        *s = kz_incident_subject(i);  /* an exercise's stays home: no peer plays in it */
        *recipients = &i->recipients;
        return true;
    }
    if (kind == KZ_FED_INDICATOR) {
        kz_indicator *i = o;
        *s = kz_indicator_subject(i);
        *recipients = &i->recipients;
        i->incidents.n = 0;  /* links travel with incidents later, not here */
        return true;
    }
    if (kind == KZ_FED_SIGHTING) {
        kz_sighting *i = o;
        *s = kz_sighting_subject(i);
        *recipients = &i->recipients;
        return true;
    }
    return false;
}

/* Whether an organization of `orgs` may see s, by the one policy function. */
static bool seen_by_any(const kz_strlist *orgs, const kz_tlp_subject *s)
{
    for (size_t i = 0; i < orgs->n; i++) {
        kz_viewer v = {.key_id = "federation", .org = orgs->v[i], .role = KZ_ROLE_VIEWER};
        if (kz_tlp_visible(&v, s))
            return true;
    }
    return false;
}

/* Keeps in list only the organizations of orgs (what the peer may learn of it). */
static void cut_recipients(kz_strlist *list, const kz_strlist *orgs)
{
    size_t n = 0;
    for (size_t i = 0; i < list->n; i++)
        for (size_t j = 0; j < orgs->n; j++)
            if (strcmp(list->v[i], orgs->v[j]) == 0) {
                list->v[n++] = list->v[i];
                break;
            }
    list->n = n;
}

/* A sighting goes only where its indicator may be seen too: it tells of the indicator. */
static kz_rc indicator_seen(kz_call *c, const kz_strlist *hosted, const kz_sighting *s, bool *seen)
{
    static const kz_viewer nobody = {.role = -1};
    kz_indicator ind;
    kz_rc rc = kz_store_indicator_get(c->db, &nobody, s->indicator, c->arena, &ind, c->err);
    if (rc == KZ_ENOTFOUND) {
        kz_err_clear(c->err);
        *seen = false;
        return KZ_OK;
    }
    kz_tlp_subject subj = kz_indicator_subject(&ind);
    *seen = !rc && seen_by_any(hosted, &subj);
    return rc;
}

/* A request's change: only to the node of its other side, never withdrawn. */
static kz_rc outgoing_request(kz_call *c, const kz_peer *to, const kz_fed_entry *e, kz_fed_change *ch, bool *send)
{
    kz_fed_request *r = kz_arena_calloc(c->arena, 1, sizeof *r);
    if (!(ch->obj = r))
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    kz_rc rc = kz_svc_request_outgoing(c, e->id, to->id, r, send);
    if (rc == KZ_ENOTFOUND) {
        kz_err_clear(c->err);
        *send = false;
        return KZ_OK;
    }
    return rc;
}

/* A check's change: to the node that hosts some of its contacts, or back to its node. */
static kz_rc outgoing_check(kz_call *c, const kz_peer *to, const kz_fed_entry *e, kz_fed_change *ch, bool *send)
{
    kz_fed_check *k = kz_arena_calloc(c->arena, 1, sizeof *k);
    if (!(ch->obj = k))
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    kz_rc rc = kz_svc_check_outgoing(c, e->id, to->id, k, send);
    if (rc == KZ_ENOTFOUND) {
        kz_err_clear(c->err);
        *send = false;
        return KZ_OK;
    }
    return rc;
}

/* A statement's change: to its co-signers' nodes, or back to its drafter's
 * (svc_statement_federation.c). */
static kz_rc outgoing_statement(kz_call *c, const kz_peer *to, const kz_fed_entry *e, kz_fed_change *ch, bool *send)
{
    kz_fed_statement *s = kz_arena_calloc(c->arena, 1, sizeof *s);
    if (!(ch->obj = s))
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    bool gone = false;
    kz_rc rc = kz_svc_statement_outgoing(c, e->id, to->id, s, send, &gone);
    if (!rc && gone) {
        ch->deleted = true;
        ch->obj = NULL;
    }
    return rc;
}

/* What the peer gets for one log entry: *send false when nothing. */
static kz_rc outgoing(kz_call *c, const kz_peer *to, const kz_strlist *hosted, const kz_fed_entry *e,
                      kz_fed_change *ch, bool *send)
{
    bool was = false;
    *ch = (kz_fed_change){.seq = e->seq, .kind = e->kind, .id = e->id, .deleted = e->deleted};
    if (e->kind == KZ_FED_REQUEST)
        return outgoing_request(c, to, e, ch, send);
    if (e->kind == KZ_FED_CHECK)
        return outgoing_check(c, to, e, ch, send);
    if (e->kind == KZ_FED_STATEMENT)
        return outgoing_statement(c, to, e, ch, send);
    kz_rc rc = kz_store_fed_was_sent(c->db, to->id, e->kind, e->id, &was, c->err);
    if (!rc && !e->deleted) {
        rc = load_object(c, e->kind, e->id, &ch->obj);
        if (rc == KZ_ENOTFOUND) { /* deleted since: its own entry follows */
            kz_err_clear(c->err);
            *send = false;
            return KZ_OK;
        }
    }
    if (!rc && !e->deleted && (e->kind == KZ_FED_ORGANIZATION || e->kind == KZ_FED_CONTACT)) {
        /* a table-top run's own organization (and its contact) stays home: no peer plays */
        bool only = false;
        const char *org = e->kind == KZ_FED_ORGANIZATION ? e->id : ((kz_contact *)ch->obj)->organization;
        rc = kz_store_org_exercise_only(c->db, org, &only, c->err);
        if (!rc && only) {
            ch->deleted = true;
            ch->obj = NULL;
        }
    }
    kz_tlp_subject s;
    kz_strlist *recipients = NULL;
    bool seen = true;
    if (!rc && !e->deleted && e->kind == KZ_FED_SIGHTING)
        rc = indicator_seen(c, hosted, ch->obj, &seen);
    if (!rc && !e->deleted && subject_of(e->kind, ch->obj, &s, &recipients) && (!seen || !seen_by_any(hosted, &s))) {
        ch->deleted = true; /* no longer for the peer: withdrawn if it had it */
        ch->obj = NULL;
    }
    if (!rc && recipients && !ch->deleted)
        cut_recipients(recipients, hosted);
    *send = !rc && (!ch->deleted || was);
    if (*send)
        rc = kz_store_fed_mark_sent(c->db, to->id, e->kind, e->id, !ch->deleted, c->err);
    return rc;
}

/* The bytes of the files a change carries (requests only). */
static int64_t files_size(const kz_fed_change *ch)
{
    const kz_fed_request *r = ch->kind == KZ_FED_REQUEST && !ch->deleted ? ch->obj : NULL;
    int64_t n = 0;
    for (size_t i = 0; r && i < r->n_attachments; i++)
        n += r->attachments[i].size;
    return n;
}

kz_rc kz_svc_fed_changes(kz_call *c, const kz_peer *from, const char *body, size_t len, kz_buf *out)
{
    int64_t after = 0;
    int limit = 0;
    kz_rc rc = kz_fed_pull_parse(body, len, &after, &limit, c->err);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    kz_strlist hosted = {0};
    kz_fed_entry *entries = NULL;
    size_t n = 0;
    kz_fed_batch b = {.node = c->node->org_id, .after = after, .last = after};
    rc = kz_store_peer_acked(c->db, from->id, after, kz_now_ms(), c->err);
    if (!rc) rc = kz_store_fed_peer_orgs(c->db, from->id, c->arena, &hosted, c->err);
    if (!rc) rc = kz_store_fed_log(c->db, after, (size_t)limit, c->arena, &entries, &n, &b.head, c->err);
    if (!rc && after > b.head)
        rc = kz_fail(c->err, KZ_ECONFLICT, "after", "the cursor %lld is past this node's log (%lld)", (long long)after,
                     (long long)b.head);
    if (!rc && !(b.items = kz_arena_calloc(c->arena, n ? n : 1, sizeof *b.items)))
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    int64_t files = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        bool send = false;
        rc = outgoing(c, from, &hosted, &entries[i], &b.items[b.n], &send);
        int64_t more = !rc && send ? files_size(&b.items[b.n]) : 0;
        if (b.n && files + more > PAGE_FILES_MAX)
            break; /* the rest in the next page (a request's change has no side effect to undo) */
        files += more;
        b.n += send;
        b.last = entries[i].seq;
    }
    if (!rc)
        rc = kz_fed_batch_write(&b, out, c->err);
    return kz_tx_end(c, rc);
}

/* ---- the receiving side ---- */

/* An organization stored here that did not come from a peer. */
static kz_rc is_local_org(kz_call *c, const char *id, bool *local)
{
    char *origin = NULL;
    kz_rc rc = kz_store_fed_exists(c->db, KZ_FED_ORGANIZATION, id, local, c->err);
    if (!rc && *local)
        rc = kz_store_fed_origin(c->db, KZ_FED_ORGANIZATION, id, c->arena, &origin, c->err);
    *local = *local && !origin;
    return rc;
}

/* An organization that came from peer p. */
static kz_rc is_peer_org(kz_call *c, const kz_peer *p, const char *id, bool *theirs)
{
    char *origin = NULL;
    kz_rc rc = id ? kz_store_fed_origin(c->db, KZ_FED_ORGANIZATION, id, c->arena, &origin, c->err) : KZ_OK;
    *theirs = origin && strcmp(origin, p->id) == 0;
    return rc;
}

/* The receiver's TLP check of a shareable object: its source is the peer's, every
 * recipient is hosted here, and one organization here may see it. *why when not. */
static kz_rc check_shared(kz_call *c, const kz_peer *p, int kind, void *obj, const char **why)
{
    kz_tlp_subject s;
    kz_strlist *recipients = NULL;
    if (!subject_of(kind, obj, &s, &recipients))
        return kz_fail(c->err, KZ_EINTERNAL, NULL, "not a shareable kind");
    bool ok = false;
    kz_rc rc = is_peer_org(c, p, s.source_org, &ok);
    if (!rc && !ok)
        *why = "its source is not an organization of the sending node";
    for (size_t i = 0; !rc && ok && i < recipients->n; i++)
        if (!(rc = is_local_org(c, recipients->v[i], &ok)) && !ok)
            *why = "it names a recipient that this node does not host";
    if (rc || !ok)
        return rc;
    kz_viewer node = {.key_id = "federation", .org = c->node->org_id, .role = KZ_ROLE_VIEWER};
    ok = kz_tlp_visible(&node, &s) || seen_by_any(recipients, &s);
    if (!ok)
        *why = "no organization of this node may see it under its TLP";
    return KZ_OK;
}

/* The rules of an upsert, before it is written: *why says what is refused. */
static kz_rc check_upsert(kz_call *c, const kz_peer *p, const kz_fed_change *ch, const char **why)
{
    bool ok = true;
    switch (ch->kind) {
    case KZ_FED_ORGANIZATION: ((kz_org *)ch->obj)->client = false; return KZ_OK;
    case KZ_FED_CONTACT: {
        kz_rc rc = is_peer_org(c, p, ((kz_contact *)ch->obj)->organization, &ok);
        if (!rc && !ok)
            *why = "the contact's organization is not one of the sending node";
        return rc;
    }
    default: return check_shared(c, p, ch->kind, ch->obj, why);
    }
}

/* Writes an upsert: insert when new here, else update. */
static kz_rc write_upsert(kz_call *c, const kz_fed_change *ch, bool exists)
{
    kz_upsert res;
    switch (ch->kind) {
    case KZ_FED_ORGANIZATION:
        return exists ? kz_store_org_update(c->db, ch->obj, c->err) : kz_store_org_insert(c->db, ch->obj, c->err);
    case KZ_FED_CONTACT:
        return exists ? kz_store_contact_update(c->db, ch->obj, c->err) : kz_store_contact_insert(c->db, ch->obj, c->err);
    case KZ_FED_INCIDENT:
        return exists ? kz_store_incident_update(c->db, ch->obj, c->err) : kz_store_incident_insert(c->db, ch->obj, c->err);
    case KZ_FED_SIGHTING: return kz_store_sighting_upsert(c->db, ch->obj, &res, NULL, c->err);
    default:
        return exists ? kz_store_indicator_update(c->db, ch->obj, c->err)
                      : kz_store_indicator_upsert(c->db, ch->obj, KZ_GIVEN_ALL, &res, NULL, c->err);
    }
}

static kz_rc apply_change(kz_call *c, const kz_peer *p, const kz_fed_change *ch, const char **why, bool *waits);

/* A sighting of an indicator not received yet waits for it (fed_pending), kept as it
 * came; *waits when it does. */
static kz_rc wait_if_missing(kz_call *c, const kz_peer *p, const kz_fed_change *ch, bool *waits)
{
    const kz_sighting *s = ch->obj;
    bool here = false;
    kz_rc rc = ch->kind == KZ_FED_SIGHTING ? kz_store_fed_exists(c->db, KZ_FED_INDICATOR, s->indicator, &here, c->err)
                                           : KZ_OK;
    *waits = ch->kind == KZ_FED_SIGHTING && !here;
    if (rc || !*waits)
        return rc;
    kz_buf text;
    kz_buf_init(&text, KZ_FED_MESSAGE_MAX);
    rc = kz_fed_change_write(ch, &text, c->err);
    kz_fed_pending w = {ch->kind, ch->id, p->id, KZ_FED_INDICATOR, s->indicator, text.p};
    if (!rc)
        rc = kz_store_fed_pending_put(c->db, &w, kz_now_ms(), c->err);
    kz_buf_free(&text);
    return rc;
}

/* One pending change, now that what it waited for is here: applied in a savepoint of
 * its own, or refused on its peer's list. */
static kz_rc apply_one_waiting(kz_call *c, const kz_fed_pending *w)
{
    kz_peer q;
    kz_fed_change ch;
    kz_err e2;
    const char *why = NULL;
    bool waits = false;
    kz_rc rc = kz_store_fed_pending_drop(c->db, w->kind, w->object, c->err);
    if (rc || kz_store_peer_get(c->db, w->peer, c->arena, &q, &e2))
        return rc; /* the peer was removed meanwhile: what it sent is forgotten */
    if (kz_fed_change_parse(w->change, strlen(w->change), c->arena, &ch, &e2))
        why = kz_arena_strdup(c->arena, e2.msg);
    if (!why && !(rc = kz_db_begin(c->db, true, c->err))) {
        rc = apply_change(c, &q, &ch, &why, &waits);
        if (rc == KZ_ECONFLICT || rc == KZ_EINVAL || rc == KZ_ENOTFOUND) {
            why = kz_arena_strdup(c->arena, c->err->msg);
            rc = KZ_OK;
        }
        if (why || rc)
            kz_db_rollback(c->db);
        else
            rc = kz_db_commit(c->db, c->err);
    }
    if (!rc && why)
        rc = kz_store_peer_refuse(c->db, q.id, "in", why, w->object, kz_now_ms(), c->err);
    return rc;
}

/* Applies the changes that waited for (kind, id). */
static kz_rc apply_waiting(kz_call *c, int kind, const char *id)
{
    kz_fed_pending *items = NULL;
    size_t n = 0;
    kz_rc rc = kz_store_fed_pending_for(c->db, kind, id, KZ_FED_BATCH_MAX, c->arena, &items, &n, c->err);
    for (size_t i = 0; !rc && i < n; i++)
        rc = apply_one_waiting(c, &items[i]);
    return rc;
}

/* Applies one change inside the page's transaction; *why set (and nothing written) when
 * it is refused, *waits when it is kept until what it refers to arrives. */
static kz_rc apply_change(kz_call *c, const kz_peer *p, const kz_fed_change *ch, const char **why, bool *waits)
{
    char *origin = NULL;
    bool exists = false;
    *waits = false;
    if (ch->refused) {
        *why = ch->refused;
        return KZ_OK;
    }
    if (ch->kind == KZ_FED_REQUEST) { /* two writers: the record decides (svc_request_federation.c) */
        if (ch->deleted)
            *why = "a request is never deleted: both sides keep their record";
        return ch->deleted ? KZ_OK : kz_svc_request_incoming(c, p, ch->obj, why);
    }
    if (ch->kind == KZ_FED_CHECK) { /* two writers: the check's node, the contacts' node (svc_check_federation.c) */
        if (ch->deleted)
            *why = "a check is never deleted: both nodes keep their invitations";
        return ch->deleted ? KZ_OK : kz_svc_check_incoming(c, p, ch->obj, why);
    }
    if (ch->kind == KZ_FED_STATEMENT) /* one writer, approvals from each co-signer's node */
        return ch->deleted ? kz_svc_statement_gone(c, p, ch->id, why) : kz_svc_statement_incoming(c, p, ch->obj, why);
    kz_rc rc = kz_store_fed_origin(c->db, ch->kind, ch->id, c->arena, &origin, c->err);
    if (!rc) rc = kz_store_fed_exists(c->db, ch->kind, ch->id, &exists, c->err);
    if (rc)
        return rc;
    if (origin && strcmp(origin, p->id) != 0)
        *why = "the object belongs to another node";
    else if (!origin && exists)
        *why = "the object is one of this node's own";
    if (*why)
        return KZ_OK;
    if (ch->deleted) {
        rc = kz_store_fed_pending_drop(c->db, ch->kind, ch->id, c->err);
        return !rc && origin ? kz_store_fed_purge(c->db, ch->kind, ch->id, c->err) : rc;
    }
    rc = check_upsert(c, p, ch, why);
    if (!rc && !*why)
        rc = wait_if_missing(c, p, ch, waits);
    if (rc || *why || *waits)
        return rc;
    if (!origin && (rc = kz_store_fed_origin_set(c->db, ch->kind, ch->id, p->id, c->err)))
        return rc;
    rc = write_upsert(c, ch, exists);
    if (!rc && !exists && ch->kind == KZ_FED_ORGANIZATION) /* now the peer hosts it: what it may see goes out */
        rc = kz_store_fed_requeue_for(c->db, ch->id, c->err);
    if (!rc && !exists && ch->kind == KZ_FED_INDICATOR) /* the sightings that waited for it */
        rc = apply_waiting(c, KZ_FED_INDICATOR, ch->id);
    return rc;
}

/* Applies a page of changes, records refusals and moves the cursor, all or nothing. */
static kz_rc apply_batch(kz_call *c, const kz_peer *p, const kz_fed_batch *b, kz_sync_report *rep)
{
    kz_peer now;
    kz_rc rc = kz_tx_begin(c);
    if (rc)
        return rc;
    rc = kz_store_peer_get(c->db, p->id, c->arena, &now, c->err);
    if (!rc && now.cursor_in != b->after) /* another sync of this peer got there first */
        return kz_tx_end(c, kz_fail(c->err, KZ_ECONFLICT, "cursor", "another sync of %s is under way", p->name));
    for (size_t i = 0; !rc && i < b->n; i++) {
        const char *why = NULL;
        bool waits = false;
        rc = kz_db_begin(c->db, true, c->err); /* a savepoint: a refused change leaves nothing */
        if (rc)
            break;
        rc = apply_change(c, p, &b->items[i], &why, &waits);
        if (rc == KZ_ECONFLICT || rc == KZ_EINVAL || rc == KZ_ENOTFOUND) { /* the store refused it */
            why = kz_arena_strdup(c->arena, c->err->msg);
            rc = why ? KZ_OK : kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
        }
        if (why || rc) /* refused, or failed (out of memory): the savepoint ends either way */
            kz_db_rollback(c->db);
        else
            rc = kz_db_commit(c->db, c->err);
        if (!rc && why)
            rc = kz_store_peer_refuse(c->db, p->id, "in", why ? why : "refused", b->items[i].id, kz_now_ms(), c->err);
        rep->applied += !rc && !why && !waits;
        rep->refused += !rc && why;
        rep->pending += !rc && waits;
    }
    if (!rc)
        rc = kz_store_peer_pulled(c->db, p->id, b->last, b->head, kz_now_ms(),
                                  c->node->peer_sync_s ? kz_now_ms() + (kz_time)c->node->peer_sync_s * 1000 : 0, c->err);
    return kz_tx_end(c, rc);
}

/* A short reason from the peer's JSON error (or its status). */
/* One pull: signed request, checked answer, parsed batch. */
static kz_rc pull(kz_call *c, const kz_peer *p, kz_fed_batch *b, kz_sync_report *rep)
{
    kz_buf req, answer;
    kz_buf_init(&req, 256);
    kz_buf_init(&answer, ANSWER_MAX);
    kz_rc rc = kz_fed_pull_write(p->cursor_in, KZ_FED_PAGE, &req);
    if (!rc)
        rc = kz_fed_exchange(c, p, "/federation/v1/changes", req.p, req.len, c->node->sign_sk, c->node->sign_pk,
                             &answer);
    if (!rc) rc = kz_fed_batch_parse(answer.p ? answer.p : "", answer.len, c->arena, b, c->err);
    if (!rc && (strcmp(b->node, p->node) != 0 || b->after != p->cursor_in))
        rc = kz_fail(c->err, KZ_EINVAL, "after", "the answer is not for this node's cursor at %s", p->name);
    rep->messages++;
    rep->bytes += (int64_t)answer.len;
    if (rc && rc != KZ_ENOMEM && rc != KZ_ESTORE)
        rc = kz_err_recode(c->err, KZ_EPEER);
    kz_buf_free(&req);
    kz_buf_free(&answer);
    return rc;
}

/* Notes a failed exchange on the peer's row (its own transaction), with the next try
 * after the backoff of one more consecutive failure. */
static void note_failure(kz_call *c, const kz_peer *p)
{
    kz_err e;
    kz_err *keep = c->err;
    const char *why = kz_arena_strdup(c->arena, keep->msg);
    c->err = &e;
    if (why && !kz_tx_begin(c))
        kz_tx_end(c, kz_store_peer_failed(c->db, p->id, why, kz_now_ms(), kz_now_ms() + kz_fed_backoff_ms(p->failures + 1),
                                          &e));
    c->err = keep;
}

/* One page: pull, apply, move the cursor; *more while the peer's log goes on. */
static kz_rc sync_page(kz_call *c, const char *id, kz_sync_report *rep, bool *more)
{
    kz_peer p;
    kz_fed_batch b;
    *more = false;
    kz_rc rc = kz_store_peer_get(c->db, id, c->arena, &p, c->err);
    if (rc)
        return rc;
    if (p.status != KZ_PEER_ACTIVE)
        return kz_fail(c->err, KZ_ECONFLICT, "status", "the peer %s is paused", p.name);
    if (kz_fed_deliver_key_notices(c, &p)) /* kept on the notice; the pull says what follows */
        kz_err_clear(c->err);
    rc = pull(c, &p, &b, rep);
    if (!rc) rc = apply_batch(c, &p, &b, rep);
    if (rc)
        note_failure(c, &p);
    *more = !rc && b.last < b.head;
    rep->cursor = rc ? p.cursor_in : b.last;
    return rc;
}

/* Each page works in an arena of its own, freed before the next: nothing of a page
 * outlives it (the report is numbers, the error its own buffer), and a sync of a long
 * log keeps one page's memory, not all of them. */
kz_rc kz_svc_peer_sync(kz_call *c, const char *id, kz_sync_report *rep)
{
    memset(rep, 0, sizeof *rep);
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    kz_arena *keep = c->arena;
    for (bool more = !rc; more && !rc;) {
        kz_arena page;
        kz_arena_init(&page);
        c->arena = &page;
        rc = sync_page(c, id, rep, &more);
        c->arena = keep;
        kz_arena_free(&page);
    }
    return rc;
}

kz_rc kz_svc_peers_sync_all(kz_call *c)
{
    kz_peer *peers = NULL;
    size_t n = 0;
    kz_rc rc = c->node->peer_sync_s ? kz_store_peer_list(c->db, c->arena, &peers, &n, c->err) : KZ_OK;
    for (size_t i = 0; !rc && i < n; i++) {
        kz_sync_report rep;
        bool due = !peers[i].next_attempt || peers[i].next_attempt <= kz_now_ms();
        if (peers[i].status == KZ_PEER_ACTIVE && due && kz_svc_peer_sync(c, peers[i].id, &rep))
            kz_err_clear(c->err); /* noted on the peer's row, with its backoff; the others still sync */
    }
    return rc;
}
