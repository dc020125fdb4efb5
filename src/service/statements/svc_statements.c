/* Public attribution statements: drafts and their versions, the moves of the table in
 * model/statement.c, co-signatures (ed25519 over the content hash, in the node key),
 * corrections that supersede and signed withdrawals. Reads pass kz_statement_visible. */
#include "service/statements/statements_internal.h"

#include "crypto/crypto.h"
#include "service/core/tlp.h"
#include "service/requests/requests.h"
#include "service/sharing/indicators.h"
#include "service/sharing/incidents.h"
#include "service/sharing/sharing.h"
#include "store/directory/directory.h"
#include "store/requests/requests.h"
#include "store/telemetry/victims.h"
#include "store/federation/federation.h"
#include "store/statements/statements.h"

#include <ctype.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static bool same(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

static bool in_list(const kz_strlist *l, const char *v)
{
    for (size_t i = 0; i < l->n; i++)
        if (same(l->v[i], v))
            return true;
    return false;
}

/* The stored statement id, if the caller may see it; the same KZ_ENOTFOUND as for one
 * that does not exist otherwise. */
static kz_rc load(kz_call *c, const char *id, kz_statement *st)
{
    kz_rc rc = kz_store_statement_get(c->db, id, c->arena, st, c->err);
    if (rc == KZ_ENOTFOUND || (!rc && !kz_statement_visible(&c->who, st, kz_now_ms())))
        return kz_fail(c->err, KZ_ENOTFOUND, "statement", "no statement %.40s", id);
    return rc;
}

kz_rc kz__statement_logged(kz_call *c, const char *id)
{
    return kz_store_fed_log_add(c->db, KZ_FED_STATEMENT, id, c->err);
}

/* KZ_EFORBIDDEN naming "origin" when the statement is a copy of a peer's: it is changed
 * at the node that drafted it (a co-signer here only approves). */
static kz_rc drafted_here(kz_call *c, const kz_statement *st)
{
    char *peer = NULL;
    kz_peer p;
    kz_rc rc = kz__statement_origin(c, st->id, &peer);
    if (rc || !peer)
        return rc;
    rc = kz_store_peer_get(c->db, peer, c->arena, &p, c->err);
    return rc ? rc : kz_fail(c->err, KZ_EFORBIDDEN, "origin",
                             "the statement was drafted at the node of %s (%s): it changes there; "
                             "this node's co-signers only approve it", p.name, p.url);
}

/* Keeps what the viewer may see of the content: the annex indicators, each under its
 * own label, and the incidents, each under its own. True when anything was cut. */
static bool cut_hidden(kz_call *c, const kz_statement *st, kz_statement_content *ct)
{
    size_t k = 0, n = ct->n_annex + ct->incidents.n;
    for (size_t i = 0; i < ct->n_annex; i++) {
        kz_tlp_subject subj = kz_statement_annex_subject(st, ct->annex[i].tlp);
        if (kz_tlp_visible(&c->who, &subj))
            ct->annex[k++] = ct->annex[i];
    }
    ct->n_annex = k;
    k = 0;
    for (size_t i = 0; i < ct->incidents.n; i++) {
        kz_incident inc;
        kz_err ignored;
        if (kz__visible_incident(c, ct->incidents.v[i], &inc, &ignored) == KZ_OK)
            ct->incidents.v[k++] = ct->incidents.v[i];
    }
    ct->incidents.n = k;
    return ct->n_annex + ct->incidents.n != n;
}

static kz_rc make_view(kz_call *c, const kz_statement *st, kz_time now, kz_statement_view *out)
{
    memset(out, 0, sizeof *out);
    out->st = *st;
    out->st.status = kz_statement_shown(st, now);
    out->issuer = c->who.key_id && kz_statement_issuer(st, c->who.org);
    kz_rc rc = kz_statement_content_build(NULL, st->content, strlen(st->content), c->arena, &out->content, c->err);
    if (!rc)
        rc = kz_store_statement_sigs(c->db, st->id, c->arena, &out->sigs, &out->n_sigs, c->err);
    if (rc)
        return rc;
    cut_hidden(c, st, &out->content);
    out->sig_current = kz_arena_calloc(c->arena, out->n_sigs + 1, sizeof *out->sig_current);
    if (!out->sig_current)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; i < out->n_sigs; i++)
        out->sig_current[i] = out->sigs[i].version == st->version && same(out->sigs[i].content_hash, st->content_hash);
    return KZ_OK;
}

/* Co-signers: existing organizations, not the drafter, each once. Incidents: ones the
 * drafter may see (the same answer for a hidden one as for a missing one). */
static kz_rc check_links(kz_call *c, const kz_statement_content *ct, const char *drafter)
{
    kz_rc rc = kz__check_orgs(c, &ct->cosigners, "cosigners", c->err);
    for (size_t i = 0; !rc && i < ct->cosigners.n; i++) {
        bool dup = same(ct->cosigners.v[i], drafter);
        for (size_t j = 0; j < i; j++)
            dup = dup || same(ct->cosigners.v[i], ct->cosigners.v[j]);
        if (dup) {
            kz_fail(c->err, KZ_EINVAL, NULL, "%s", same(ct->cosigners.v[i], drafter)
                        ? "the drafting organization issues the statement already"
                        : "named twice");
            snprintf(c->err->field, sizeof c->err->field, "cosigners[%zu]", i);
            rc = KZ_EINVAL;
        }
    }
    for (size_t i = 0; !rc && i < ct->n_issuer_texts; i++) {
        const char *org = ct->issuer_texts[i].organization;
        if (!same(org, drafter) && !in_list(&ct->cosigners, org)) {
            kz_fail(c->err, KZ_EINVAL, NULL, "%s", "only an issuer (the drafter or a co-signer) keeps its own text");
            snprintf(c->err->field, sizeof c->err->field, "issuer_texts.%.40s", org);
            rc = KZ_EINVAL;
        }
    }
    for (size_t i = 0; !rc && i < ct->incidents.n; i++) {
        kz_incident inc;
        kz_err e2 = {0};
        rc = kz__visible_incident(c, ct->incidents.v[i], &inc, &e2);
        if (rc == KZ_ENOTFOUND) {
            kz_fail(c->err, KZ_EINVAL, NULL, "no incident %.40s", ct->incidents.v[i]);
            snprintf(c->err->field, sizeof c->err->field, "incidents[%zu]", i);
            rc = KZ_EINVAL;
        } else if (rc) {
            rc = kz_fail(c->err, rc, NULL, "%s", e2.msg);
        }
    }
    return rc;
}

/* Makes ct the statement's current version (its hash, title and co-signers) and keeps
 * the version. The statement row must exist. */
static kz_rc keep_version(kz_call *c, kz_statement *st, const kz_statement_content *ct, kz_time now)
{
    char hash[KZ_HASH_HEX];
    kz_sha256_hex(ct->canonical, strlen(ct->canonical), hash);
    st->content = ct->canonical;
    st->content_hash = kz_arena_strdup(c->arena, hash);
    st->title = ct->title;
    st->cosigners = ct->cosigners;
    st->modified = now;
    if (!st->content_hash)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    kz_statement_version v = {st->version, st->content, st->content_hash, now};
    return kz_store_statement_version_insert(c->db, st->id, &v, c->err);
}

/* A new draft of the caller's organization, inside the caller's transaction. */
static kz_rc new_statement(kz_call *c, const kz_statement_content *ct, const char *supersedes, kz_statement *st)
{
    kz_time now = kz_now_ms();
    memset(st, 0, sizeof *st);
    st->id = kz_new_id(c);
    st->created = st->modified = now;
    st->organization = (char *)c->who.org;
    st->status = KZ_ST_DRAFT;
    st->version = 1;
    st->supersedes = (char *)supersedes;
    st->content = ct->canonical;
    st->content_hash = (char *)"";
    st->title = ct->title;
    if (!st->id)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    kz_rc rc = check_links(c, ct, c->who.org);
    if (!rc)
        rc = kz_store_statement_insert(c->db, st, c->err);
    if (!rc)
        rc = keep_version(c, st, ct, now);
    if (!rc)
        rc = kz_store_statement_update(c->db, st, c->err);
    if (!rc)
        rc = kz_audit(c, "statement.create", "statement", st->id, supersedes ? supersedes : NULL);
    return rc ? rc : kz__statement_logged(c, st->id);
}

static kz_rc may_write(kz_call *c)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (!rc && !c->who.org)
        rc = kz_fail(c->err, KZ_EFORBIDDEN, NULL, "statements are issued by an organization");
    return rc;
}

kz_rc kz_svc_statement_create(kz_call *c, const char *body, size_t len, kz_statement_view *out)
{
    kz_statement_content ct;
    kz_statement st;
    kz_rc rc = may_write(c);
    if (!rc)
        rc = kz_statement_content_build(NULL, body, len, c->arena, &ct, c->err);
    if (!rc && !(rc = kz_tx_begin(c))) {
        rc = new_statement(c, &ct, NULL, &st);
        if (!rc) /* inside the transaction: a call that fails has changed nothing */
            rc = make_view(c, &st, kz_now_ms(), out);
        rc = kz_tx_end(c, rc);
    }
    return rc;
}

/* The incident's indicators that may be published, as annex items. */
static kz_rc publishable_annex(kz_call *c, const char *incident, kz_statement_annex **out, size_t *n)
{
    kz_indicator_filter f = {.incident = incident};
    kz_page pg = {NULL, KZ_STATEMENT_ANNEX_MAX};
    kz_indicator_page page;
    kz_rc rc = kz_svc_indicator_list(c, &f, &pg, &page);
    *n = 0;
    *out = rc ? NULL : kz_arena_calloc(c->arena, page.n + 1, sizeof **out);
    if (!rc && !*out)
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; !rc && i < page.n; i++)
        if (page.items[i].tlp <= KZ_TLP_GREEN)
            (*out)[(*n)++] = (kz_statement_annex){page.items[i].type, page.items[i].value, page.items[i].tlp,
                                                  page.items[i].description};
    return rc;
}

/* The norms (a-k, each once) of the requests about the incident the caller may see. */
static kz_rc requests_norms(kz_call *c, const char *incident, kz_strlist *norms)
{
    kz_strlist ids = {0};
    kz_rc rc = kz_store_requests_linking(c->db, "incident", incident, c->arena, &ids, c->err);
    norms->n = 0;
    norms->v = rc ? NULL : kz_arena_calloc(c->arena, ids.n + 1, sizeof *norms->v);
    if (!rc && !norms->v)
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; !rc && i < ids.n; i++) {
        kz_request_view q;
        kz_err e2 = {0};
        kz_err *saved = c->err;
        c->err = &e2;
        kz_rc got = kz_svc_request_get(c, ids.v[i], &q);
        c->err = saved;
        const char *norm = got ? NULL : q.req.norm;
        if (norm && !kz_valid_statement_norm(norm, "norm", &e2) && !in_list(norms, norm))
            norms->v[norms->n++] = (char *)norm;
    }
    return rc;
}

kz_rc kz_svc_statement_from_incident(kz_call *c, const char *incident, const char *patch, size_t len,
                                     kz_statement_view *out)
{
    kz_incident inc;
    kz_statement_annex *annex = NULL;
    kz_strlist norms = {0};
    size_t n_annex = 0;
    kz_statement_content ct;
    kz_statement st;
    kz_rc rc = may_write(c);
    if (!rc)
        rc = kz__visible_incident(c, incident, &inc, c->err);
    if (!rc)
        rc = publishable_annex(c, inc.id, &annex, &n_annex);
    if (!rc)
        rc = requests_norms(c, inc.id, &norms);
    kz_statement_seed sd = {inc.id, inc.title, inc.description, &norms, annex, n_annex, 0, 0, 0};
    if (!rc)
        rc = kz_store_incident_victims(c->db, &c->who, inc.id, &sd.victims, &sd.first_day, &sd.last_day, c->err);
    char *seed = rc ? NULL : kz_statement_content_seed(&sd, c->arena);
    if (!rc && !seed)
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    if (!rc)
        rc = kz_statement_content_build(seed, patch ? patch : "{}", patch ? len : 2, c->arena, &ct, c->err);
    if (!rc && !(rc = kz_tx_begin(c))) {
        rc = new_statement(c, &ct, NULL, &st);
        if (!rc) /* inside the transaction: a call that fails has changed nothing */
            rc = make_view(c, &st, kz_now_ms(), out);
        rc = kz_tx_end(c, rc);
    }
    return rc;
}

static kz_rc update(kz_call *c, const char *id, const char *patch, size_t len, kz_statement *st)
{
    kz_statement_content ct;
    kz_time now = kz_now_ms();
    kz_rc rc = load(c, id, st);
    if (rc)
        return rc;
    int shown = kz_statement_shown(st, now);
    if ((rc = drafted_here(c, st)))
        return rc;
    if (!same(c->who.org, st->organization))
        return kz_fail(c->err, KZ_EFORBIDDEN, "statement", "only the drafting organization edits a statement");
    if (shown > KZ_ST_APPROVED)
        return kz_fail(c->err, KZ_ECONFLICT, "status", "a %s statement is not edited%s",
                       kz_enum_name(&kz_statement_status_enum, shown),
                       shown == KZ_ST_PUBLISHED ? ": correct it instead" : "");
    rc = kz_statement_content_build(st->content, patch, len, c->arena, &ct, c->err);
    if (!rc)
        rc = check_links(c, &ct, st->organization);
    if (rc || strcmp(ct.canonical, st->content) == 0)
        return rc;
    st->version++;
    if (st->status == KZ_ST_APPROVED)
        st->status = KZ_ST_CIRCULATING;  /* every approval was of the version before */
    rc = keep_version(c, st, &ct, now);
    if (!rc)
        rc = kz_store_statement_update(c->db, st, c->err);
    char detail[48];
    snprintf(detail, sizeof detail, "version %" PRId64, st->version);
    if (!rc)
        rc = kz_audit(c, "statement.update", "statement", st->id, detail);
    return rc ? rc : kz__statement_logged(c, st->id);
}

kz_rc kz_svc_statement_update(kz_call *c, const char *id, const char *patch, size_t len, kz_statement_view *out)
{
    kz_statement st;
    kz_rc rc = may_write(c);
    if (!rc && !(rc = kz_tx_begin(c))) {
        rc = update(c, id, patch, len, &st);
        if (!rc) /* inside the transaction: a call that fails has changed nothing */
            rc = make_view(c, &st, kz_now_ms(), out);
        rc = kz_tx_end(c, rc);
    }
    return rc;
}

kz_rc kz_svc_statement_get(kz_call *c, const char *id, kz_statement_view *out)
{
    kz_statement st;
    kz_rc rc = kz__sharing_read(c);
    if (!rc)
        rc = load(c, id, &st);
    return rc ? rc : make_view(c, &st, kz_now_ms(), out);
}

/* Case-insensitive (ASCII) substring; other scripts match as written. */
static bool contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; p && *p; p++) {
        size_t i = 0;
        while (i < n && p[i] && tolower((unsigned char)p[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return true;
    }
    return false;
}

static bool matches(const kz_statement_view *v, const kz_statement_filter *f)
{
    if (f->released && v->st.status < KZ_ST_PUBLISHED)
        return false;
    if (f->status && !same(f->status, kz_enum_name(&kz_statement_status_enum, v->st.status)))
        return false;
    if (f->norm && !in_list(&v->content.norms, f->norm))
        return false;
    if (f->organization && !kz_statement_issuer(&v->st, f->organization))
        return false;
    if (!f->q || contains(v->content.title, f->q))
        return true;
    for (size_t i = 0; i < v->content.n_texts; i++)
        if (contains(v->content.texts[i].text, f->q))
            return true;
    return false;
}

kz_rc kz_svc_statement_list(kz_call *c, const kz_statement_filter *f, kz_statement_view **out, size_t *n)
{
    kz_statement *all;
    size_t m;
    kz_time now = kz_now_ms();
    *n = 0;
    kz_rc rc = kz__sharing_read(c);
    if (!rc)
        rc = kz_store_statement_all(c->db, c->arena, &all, &m, c->err);
    *out = rc ? NULL : kz_arena_calloc(c->arena, m + 1, sizeof **out);
    if (!rc && !*out)
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; !rc && i < m; i++) {
        if (!kz_statement_visible(&c->who, &all[i], now))
            continue;
        rc = make_view(c, &all[i], now, &(*out)[*n]);
        if (!rc && matches(&(*out)[*n], f))
            (*n)++;
    }
    return rc;
}

kz_rc kz_svc_statement_page(kz_call *c, const kz_statement_filter *f, const kz_page *pg, kz_statement_view **out,
                            size_t *n, char **next)
{
    kz_statement_view *all;
    size_t m, start = 0;
    *next = NULL;
    kz_rc rc = kz_svc_statement_list(c, f, &all, &m);
    if (rc)
        return rc;
    if (pg->cursor) {
        unsigned long long sealed;
        int used = 0;
        if (strlen(pg->cursor) != 16 || sscanf(pg->cursor, "%16llx%n", &sealed, &used) != 1 || used != 16 ||
            kz_cursor_open(sealed) > m)
            return kz_fail(c->err, KZ_EINVAL, "cursor", "cursor must be a value from a previous page");
        start = m - (size_t)kz_cursor_open(sealed);
    }
    size_t take = m - start < (size_t)pg->limit ? m - start : (size_t)pg->limit;
    *out = all + start;
    *n = take;
    if (start + take < m && !(*next = kz_arena_printf(c->arena, "%016llx",
                                                      (unsigned long long)kz_cursor_seal(m - start - take))))
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    return KZ_OK;
}

kz_rc kz_svc_statement_counts(kz_call *c, const kz_statement_filter *f, int64_t counts[KZ_ST_WITHDRAWN + 1])
{
    kz_statement_view *v;
    size_t n;
    memset(counts, 0, sizeof *counts * (KZ_ST_WITHDRAWN + 1));
    kz_rc rc = kz_svc_statement_list(c, f, &v, &n);
    for (size_t i = 0; !rc && i < n; i++)
        counts[v[i].st.status]++;
    return rc;
}

/* ---- moves ------------------------------------------------------------------------- */

typedef kz_rc (*move_fn)(kz_call *c, kz_statement *st, const kz_statement_move_in *in, kz_time now,
                         kz_statement *made);

bool kz__statement_all_signed(const kz_statement *st, const kz_statement_sig *sigs, size_t n)
{
    for (size_t k = 0; k <= st->cosigners.n; k++) {
        const char *org = k == 0 ? st->organization : st->cosigners.v[k - 1];
        bool found = false;
        for (size_t i = 0; i < n && !found; i++)
            found = same(sigs[i].organization, org) && same(sigs[i].content_hash, st->content_hash);
        if (!found)
            return false;
    }
    return true;
}

static char *sign_hex(kz_call *c, const char *text)
{
    unsigned char sig[KZ_SIGNATURE_BYTES];
    char *hex = kz_arena_alloc(c->arena, 2 * KZ_SIGNATURE_BYTES + 1);
    if (!text || !hex)
        return NULL;
    kz_sign(c->node->sign_sk, text, strlen(text), sig);
    kz_hex_encode(sig, sizeof sig, hex);
    return hex;
}

static kz_rc do_circulate(kz_call *c, kz_statement *st, const kz_statement_move_in *in, kz_time now,
                          kz_statement *made)
{
    (void)c, (void)in, (void)now, (void)made;
    st->status = KZ_ST_CIRCULATING;
    return KZ_OK;
}

static kz_rc do_approve(kz_call *c, kz_statement *st, const kz_statement_move_in *in, kz_time now,
                        kz_statement *made)
{
    (void)made;
    if (in->content_hash && !same(in->content_hash, st->content_hash))
        return kz_fail(c->err, KZ_ECONFLICT, "content_hash",
                       "the statement changed: version %" PRId64 " has content hash %s", st->version,
                       st->content_hash);
    kz_statement_sig *sigs;
    size_t n;
    kz_rc rc = kz_store_statement_sigs(c->db, st->id, c->arena, &sigs, &n, c->err);
    for (size_t i = 0; !rc && i < n; i++)
        if (same(sigs[i].organization, c->who.org) && same(sigs[i].content_hash, st->content_hash))
            rc = kz_fail(c->err, KZ_ECONFLICT, "statement", "your organization approved version %" PRId64 " already",
                         st->version);
    if (rc)
        return rc;
    kz_statement_sig g = {st->id, (char *)c->who.org, st->version, st->content_hash, now, (char *)c->who.key_id,
                          NULL};
    g.signature = sign_hex(c, kz_statement_sig_text(&g, c->arena));
    if (!g.signature)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    rc = kz_store_statement_sig_insert(c->db, &g, c->err);
    kz_statement_sig *more = rc ? NULL : kz_arena_calloc(c->arena, n + 1, sizeof *more);
    if (!rc && !more)
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    if (rc)
        return rc;
    if (n)
        memcpy(more, sigs, n * sizeof *sigs);
    more[n] = g;
    char *origin = NULL;  /* a copy's status is the drafter's node's to set, once the approval arrives */
    rc = kz__statement_origin(c, st->id, &origin);
    if (!rc && !origin && kz__statement_all_signed(st, more, n + 1))
        st->status = KZ_ST_APPROVED;
    return rc;
}

static kz_rc do_schedule(kz_call *c, kz_statement *st, const kz_statement_move_in *in, kz_time now,
                         kz_statement *made)
{
    (void)made;
    if (!in->publish_at)
        return kz_fail(c->err, KZ_EINVAL, "publish_at", "publish_at is required: when the embargo ends");
    if (in->publish_at <= now)
        return kz_fail(c->err, KZ_EINVAL, "publish_at", "publish_at must be in the future (or publish now)");
    st->status = KZ_ST_SCHEDULED;
    st->publish_at = in->publish_at;
    return KZ_OK;
}

/* A correction is out: the statement it supersedes becomes corrected, naming it. */
static kz_rc supersede(kz_call *c, const kz_statement *st, kz_time now)
{
    if (!st->supersedes)
        return KZ_OK;
    kz_statement old;
    kz_rc rc = kz_store_statement_get(c->db, st->supersedes, c->arena, &old, c->err);
    if (rc)
        return rc;
    old.status = KZ_ST_CORRECTED;
    old.superseded_by = st->id;
    old.modified = now;
    rc = kz_store_statement_update(c->db, &old, c->err);
    if (!rc)
        rc = kz_audit(c, "statement.corrected", "statement", old.id, st->id);
    return rc ? rc : kz__statement_logged(c, old.id);
}

static kz_rc do_publish(kz_call *c, kz_statement *st, const kz_statement_move_in *in, kz_time now,
                        kz_statement *made)
{
    (void)in, (void)made;
    st->status = KZ_ST_PUBLISHED;
    st->publish_at = now;
    return supersede(c, st, now);
}

/* One scheduled statement whose time has come, recorded as published. */
static kz_rc release(kz_call *c, const char *id, kz_time now)
{
    kz_statement st;
    kz_rc rc = kz_store_statement_get(c->db, id, c->arena, &st, c->err);
    if (rc)
        return rc;
    st.status = KZ_ST_PUBLISHED;
    st.modified = now;
    rc = kz_store_statement_update(c->db, &st, c->err);
    if (!rc)
        rc = supersede(c, &st, now);
    char detail[48];
    snprintf(detail, sizeof detail, "version %" PRId64 " scheduled -> published", st.version);
    if (!rc)
        rc = kz_audit(c, "statement.released", "statement", st.id, detail);
    return rc ? rc : kz__statement_logged(c, st.id);
}

long kz_svc_statement_release_due(kz_call *c)
{
    kz_strlist due = {0};
    kz_time now = kz_now_ms();
    kz_rc rc = kz_tx_begin(c);
    if (!rc)
        rc = kz_store_statements_due(c->db, now, c->arena, &due, c->err);
    for (size_t i = 0; !rc && i < due.n; i++)
        rc = release(c, due.v[i], now);
    return kz_tx_end(c, rc) ? -1 : (long)due.n;
}

static kz_rc do_correct(kz_call *c, kz_statement *st, const kz_statement_move_in *in, kz_time now,
                        kz_statement *made)
{
    (void)now;
    kz_statement_content ct;
    const char *patch = in->patch ? in->patch : "{}";
    kz_rc rc = kz_statement_content_build(st->content, patch, in->patch ? in->patch_len : 2, c->arena, &ct, c->err);
    return rc ? rc : new_statement(c, &ct, st->id, made);
}

static kz_rc do_withdraw(kz_call *c, kz_statement *st, const kz_statement_move_in *in, kz_time now,
                         kz_statement *made)
{
    (void)made;
    if (!in->reason || !*in->reason)
        return kz_fail(c->err, KZ_EINVAL, "reason", "a withdrawal says why: reason is required");
    st->status = KZ_ST_WITHDRAWN;
    st->withdrawn_at = now;
    st->withdraw_reason = (char *)in->reason;
    st->withdraw_signature = sign_hex(c, kz_statement_withdraw_text(st->id, st->content_hash, now, in->reason,
                                                                    c->arena));
    return st->withdraw_signature ? KZ_OK : kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
}

static const move_fn move_fns[] = {
    [KZ_SM_CIRCULATE] = do_circulate, [KZ_SM_APPROVE] = do_approve, [KZ_SM_SCHEDULE] = do_schedule,
    [KZ_SM_PUBLISH] = do_publish,     [KZ_SM_CORRECT] = do_correct, [KZ_SM_WITHDRAW] = do_withdraw,
};

static const kz_statement_transition *transition_of(kz_statement_move mv)
{
    for (size_t i = 0; i < kz_statement_n_transitions; i++)
        if (kz_statement_transitions[i].move == mv)
            return &kz_statement_transitions[i];
    return NULL;
}

static kz_rc move(kz_call *c, const char *id, kz_statement_move mv, const kz_statement_move_in *in,
                  kz_statement *st, kz_statement *made)
{
    const kz_statement_transition *t = transition_of(mv);
    const char *verb = kz_enum_name(&kz_statement_move_enum, (int)mv);
    kz_time now = kz_now_ms();
    kz_rc rc = t ? load(c, id, st) : kz_fail(c->err, KZ_EINVAL, "move", "unknown move");
    if (rc)
        return rc;
    int shown = kz_statement_shown(st, now);
    if (mv != KZ_SM_APPROVE && (rc = drafted_here(c, st)))
        return rc;
    if (t->side == KZ_SIDE_DRAFTER && !same(c->who.org, st->organization))
        return kz_fail(c->err, KZ_EFORBIDDEN, "move", "only the drafting organization may %s a statement", verb);
    if (t->side == KZ_SIDE_ISSUER && !kz_statement_issuer(st, c->who.org))
        return kz_fail(c->err, KZ_EFORBIDDEN, "move",
                       "only an issuing organization (the drafter or an invited co-signer) may %s it", verb);
    if (shown < 0 || !(t->from & (1u << shown)))
        return kz_fail(c->err, KZ_ECONFLICT, "status", "%s; this one is %s", t->hint,
                       kz_enum_name(&kz_statement_status_enum, shown));
    int before = st->status;
    rc = move_fns[mv](c, st, in, now, made);
    if (!rc && mv != KZ_SM_CORRECT) {
        st->modified = now;
        rc = kz_store_statement_update(c->db, st, c->err);
    }
    char action[40], detail[80];
    snprintf(action, sizeof action, "statement.%s", verb);
    snprintf(detail, sizeof detail, "version %" PRId64 " %s -> %s", st->version,
             kz_enum_name(&kz_statement_status_enum, before), kz_enum_name(&kz_statement_status_enum, st->status));
    if (!rc)
        rc = kz_audit(c, action, "statement", st->id, detail);
    return rc ? rc : kz__statement_logged(c, st->id);
}

kz_rc kz_svc_statement_move(kz_call *c, const char *id, kz_statement_move mv, const kz_statement_move_in *in,
                            kz_statement_view *out)
{
    kz_statement st, made = {0};
    kz_rc rc = may_write(c);
    if (!rc && !(rc = kz_tx_begin(c))) {
        rc = move(c, id, mv, in, &st, &made);
        if (!rc) /* inside the transaction: a call that fails has changed nothing */
            rc = make_view(c, made.id ? &made : &st, kz_now_ms(), out);
        rc = kz_tx_end(c, rc);
    }
    return rc;
}

static bool known_org(const kz_org *orgs, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (same(orgs[i].id, id))
            return true;
    return false;
}

kz_rc kz_svc_statement_orgs(kz_call *c, const kz_statement_view *v, size_t n, kz_statement_orgs *out)
{
    size_t cap = 0, k = 0;
    for (size_t i = 0; i < n; i++)
        cap += v[i].st.cosigners.n + 1;
    kz_org *orgs = kz_arena_calloc(c->arena, cap + 1, sizeof *orgs);
    if (!orgs)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    kz_rc rc = KZ_OK;
    for (size_t i = 0; !rc && i < n; i++)
        for (size_t j = 0; !rc && j <= v[i].st.cosigners.n; j++) {
            const char *id = j ? v[i].st.cosigners.v[j - 1] : v[i].st.organization;
            if (!known_org(orgs, k, id) && !(rc = kz_store_org_get(c->db, id, c->arena, &orgs[k], c->err)))
                k++;
        }
    *out = (kz_statement_orgs){orgs, k};
    return rc;
}

/* ---- TAXII ------------------------------------------------------------------------ */

/* Puts one statement's objects into the page as rows, numbered from *seq. */
static kz_rc taxii_rows(kz_call *c, const kz_statement_view *v, const kz_taxii_filter *f, int64_t *seq,
                        kz_taxii_row *rows, char **texts, size_t cap, kz_taxii_page *out)
{
    kz_statement_orgs orgs;
    kz_stix_item *items;
    size_t n;
    kz_rc rc = kz_svc_statement_orgs(c, v, 1, &orgs);
    if (!rc && kz_statement_stix_items(v, &orgs, c->arena, &items, &n))
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; !rc && i < n; i++) {
        /* date_added in microseconds: when it was published, in the order written */
        int64_t added = v->st.publish_at * 1000 + (int64_t)i, k = (*seq)++;
        bool after = added > f->added_after && (!f->after.added || added > f->after.added ||
                                                (added == f->after.added && k > f->after.n));
        if (!after || !kz_json_list_has(f->ids, items[i].id) || !kz_json_list_has(f->types, items[i].type))
            continue;
        if (out->n == cap) {
            out->more = true;
            break;
        }
        rows[out->n] = (kz_taxii_row){.kind = 't', .n = k, .id = items[i].id, .kz_id = v->st.id, .added = added,
                                      .modified = items[i].modified, .spec_version = (char *)"2.1", .tlp = -1};
        if (texts)
            texts[out->n] = items[i].text;
        out->n++;
    }
    return rc;
}

static int by_publication(const void *x, const void *y)
{
    const kz_statement_view *a = x, *b = y;
    return a->st.publish_at < b->st.publish_at ? -1 : a->st.publish_at > b->st.publish_at;
}

kz_rc kz_svc_statement_taxii(kz_call *c, kz_taxii_filter *f, bool with_objects, kz_taxii_page *out)
{
    kz_statement_filter sf = {.released = true};
    kz_statement_view *v;
    size_t n;
    memset(out, 0, sizeof *out);
    kz_rc rc = kz_svc_statement_list(c, &sf, &v, &n);
    if (rc)
        return rc;
    qsort(v, n, sizeof *v, by_publication);
    size_t cap = f->limit > 0 ? (size_t)f->limit : 1000;
    out->rows = kz_arena_calloc(c->arena, cap + 1, sizeof *out->rows);
    out->texts = with_objects ? kz_arena_calloc(c->arena, cap + 1, sizeof *out->texts) : NULL;
    if (!out->rows || (with_objects && !out->texts))
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    int64_t seq = 1;
    for (size_t i = 0; !rc && i < n && !out->more; i++)
        rc = taxii_rows(c, &v[i], f, &seq, out->rows, out->texts, cap, out);
    return rc;
}

/* ---- export ------------------------------------------------------------------------ */

/* May the caller take the file? It carries the whole content of the versions in it:
 * issuers, and anyone who may see every annex indicator and incident of them. */
static kz_rc may_export(kz_call *c, const kz_statement *st, const kz_statement_version *vs, size_t n)
{
    if (c->who.key_id && kz_statement_issuer(st, c->who.org))
        return KZ_OK;
    for (size_t i = 0; i < n; i++) {
        kz_statement_content ct;
        kz_rc rc = kz_statement_content_build(NULL, vs[i].content, strlen(vs[i].content), c->arena, &ct, c->err);
        if (!rc && cut_hidden(c, st, &ct))
            rc = kz_fail(c->err, KZ_EFORBIDDEN, "statement",
                         "the export carries the whole technical annex and the incidents; only its issuers may "
                         "take it");
        if (rc)
            return rc;
    }
    return KZ_OK;
}

/* What a caller who is not an issuer takes: the public version and the signatures of
 * it; the drafts before it stayed with the issuers. */
static void public_part(const kz_statement *st, kz_statement_version *vs, size_t *nv, kz_statement_sig *sigs,
                        size_t *ns)
{
    size_t k = 0;
    for (size_t i = 0; i < *nv; i++)
        if (vs[i].version == st->version)
            vs[k++] = vs[i];
    *nv = k;
    k = 0;
    for (size_t i = 0; i < *ns; i++)
        if (sigs[i].version == st->version)
            sigs[k++] = sigs[i];
    *ns = k;
}

kz_rc kz_svc_statement_export(kz_call *c, const char *id, char **text)
{
    kz_statement st;
    kz_statement_version *vs = NULL;
    kz_statement_sig *sigs = NULL;
    size_t nv = 0, ns = 0;
    kz_rc rc = kz__sharing_read(c);
    if (!rc)
        rc = load(c, id, &st);
    if (!rc)
        rc = kz_store_statement_versions(c->db, id, c->arena, &vs, &nv, c->err);
    if (!rc)
        rc = kz_store_statement_sigs(c->db, id, c->arena, &sigs, &ns, c->err);
    if (!rc && !(c->who.key_id && kz_statement_issuer(&st, c->who.org)))
        public_part(&st, vs, &nv, sigs, &ns);
    if (!rc)
        rc = may_export(c, &st, vs, nv);
    kz_org *orgs = rc ? NULL : kz_arena_calloc(c->arena, st.cosigners.n + 1, sizeof *orgs);
    if (!rc && !orgs)
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    for (size_t k = 0; !rc && k <= st.cosigners.n; k++)
        rc = kz_store_org_get(c->db, k ? st.cosigners.v[k - 1] : st.organization, c->arena, &orgs[k], c->err);
    if (rc)
        return rc;
    st.status = kz_statement_shown(&st, kz_now_ms());
    char pk[2 * KZ_SIGN_PK_BYTES + 1], fp[KZ_HASH_HEX];
    kz_hex_encode(c->node->sign_pk, KZ_SIGN_PK_BYTES, pk);
    kz_key_fingerprint(c->node->sign_pk, fp);
    kz_statement_export x = {&st, vs, nv, sigs, ns, orgs, st.cosigners.n + 1, pk, fp, kz_now_ms(), c->node->sign_sk};
    *text = kz_statement_export_text(&x, c->arena);
    return *text ? KZ_OK : kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
}
