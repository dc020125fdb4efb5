/* The norms and what links to them: requests invoking a norm (the request's legal
 * basis, kz_valid_norm), incidents concerning it and documents addressing it, under
 * TLP, with counts. */
#include "service/law/norms.h"

#include "model/request.h"
#include "service/law/documents.h"
#include "service/requests/requests.h"
#include "service/sharing/sharing.h"
#include "store/requests/requests.h"
#include "store/sharing/sharing.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

kz_rc kz_svc_norm_get(kz_call *c, const char *letter, const kz_norm **out)
{
    *out = kz_norm_find(letter);
    return *out ? KZ_OK : kz_fail(c->err, KZ_ENOTFOUND, "letter", "no norm (%.8s); the norms are a to k", letter);
}

typedef struct links_ctx {
    kz_call *c;
    const char *letter;
    kz_norm_request *req;
    size_t n, cap;
    kz_norm_request_count *counts;
    size_t n_counts, cap_counts;
    bool nomem;
} links_ctx;

/* p (n items of size bytes, room for *cap) with room for one more, in the arena; the
 * same p when it has room, NULL on ENOMEM. */
static void *grow(kz_arena *a, void *p, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return p;
    size_t more = *cap ? *cap * 2 : 32;
    if (more > KZ_LIST_MAX && n < KZ_LIST_MAX)
        more = KZ_LIST_MAX;
    void *q = kz_arena_calloc(a, more, size);
    if (q && n)
        memcpy(q, p, n * size);
    if (q)
        *cap = more;
    return q;
}

static int year_of(kz_time t)
{
    time_t s = (time_t)(t / 1000);
    struct tm tm;
    return gmtime_r(&s, &tm) ? tm.tm_year + 1900 : 0;
}

/* The count row of (state, year), added when new; NULL on ENOMEM. */
static kz_norm_request_count *count_row(links_ctx *x, const char *state, int year)
{
    const char *st = state && strlen(state) < 4 ? state : "??";
    for (size_t i = 0; i < x->n_counts; i++)
        if (x->counts[i].year == year && strcmp(x->counts[i].state, st) == 0)
            return &x->counts[i];
    if (!(x->counts = grow(x->c->arena, x->counts, x->n_counts, &x->cap_counts, sizeof *x->counts)))
        return NULL;
    kz_norm_request_count *r = &x->counts[x->n_counts++];
    memset(r, 0, sizeof *r);
    memcpy(r->state, st, strlen(st) + 1);
    r->year = year;
    return r;
}

static void collect(void *arg, const kz_request_fact *f)
{
    links_ctx *x = arg;
    if (x->nomem || !f->norm || strcmp(f->norm, x->letter) != 0 ||
        !kz_request_visible(&x->c->who, f->tlp, f->from_org, f->to_org, f->sent_at, NULL))
        return;
    int year = year_of(f->sent_at);
    kz_norm_request_count *from = count_row(x, f->from_state, year);
    kz_norm_request_count *to = from ? count_row(x, f->to_state, year) : NULL;
    if (!to) {
        x->nomem = true;
        return;
    }
    from->sent++;
    to->received++;
    to->answered += f->answered_at != 0;
    if (x->n == KZ_LIST_MAX)
        return;  /* counted above, listed up to the list ceiling */
    if (!(x->req = grow(x->c->arena, x->req, x->n, &x->cap, sizeof *x->req))) {
        x->nomem = true;
        return;
    }
    kz_arena *a = x->c->arena;
    kz_norm_request *r = &x->req[x->n++];
    *r = (kz_norm_request){kz_arena_strdup(a, f->id), kz_arena_strdup(a, f->subject ? f->subject : ""),
                           kz_arena_strdup(a, f->from_state ? f->from_state : ""),
                           kz_arena_strdup(a, f->to_state ? f->to_state : ""),
                           kz_enum_name(&kz_request_status_enum, f->status), f->sent_at};
    if (!r->id || !r->subject || !r->from_state || !r->to_state)
        x->nomem = true;
}

static int by_state_year(const void *a, const void *b)
{
    const kz_norm_request_count *x = a, *y = b;
    int d = strcmp(x->state, y->state);
    return d ? d : (x->year > y->year) - (x->year < y->year);
}

/* ---- incidents ------------------------------------------------------------------------ */

typedef struct incidents_ctx {
    kz_call *c;
    kz_norm_incident *inc;
    size_t n, cap;
    kz_norm_incident_count *counts;
    size_t n_counts, cap_counts;
    bool nomem;
} incidents_ctx;

static kz_norm_incident_count *incident_count_row(incidents_ctx *x, const char *state, int year)
{
    const char *st = state && state[0] && strlen(state) < 4 ? state : "??";
    for (size_t i = 0; i < x->n_counts; i++)
        if (x->counts[i].year == year && strcmp(x->counts[i].state, st) == 0)
            return &x->counts[i];
    if (!(x->counts = grow(x->c->arena, x->counts, x->n_counts, &x->cap_counts, sizeof *x->counts)))
        return NULL;
    kz_norm_incident_count *r = &x->counts[x->n_counts++];
    memset(r, 0, sizeof *r);
    memcpy(r->state, st, strlen(st) + 1);
    r->year = year;
    return r;
}

/* Counts one affected state of an incident (each state once per incident). */
static bool count_affected(incidents_ctx *x, const char *states, const char *p, size_t len, int year)
{
    char st[4];
    if (len == 0 || len >= sizeof st)
        return true;
    for (const char *q = states; q < p; q += strcspn(q, "\n") + 1)  /* named before: counted */
        if (strncmp(q, p, len) == 0 && (q[len] == '\n' || q[len] == '\0'))
            return true;
    memcpy(st, p, len);
    st[len] = '\0';
    kz_norm_incident_count *k = incident_count_row(x, st, year);
    if (k)
        k->affected++;
    return k != NULL;
}

/* Called for visible incidents only: the store filtered them with kz_visible. */
static void collect_incident(void *arg, const kz_norm_incident_fact *f)
{
    incidents_ctx *x = arg;
    if (x->nomem)
        return;
    int year = year_of(f->occurred);
    kz_norm_incident_count *rep = incident_count_row(x, f->reporter_state, year);
    if (!rep) {
        x->nomem = true;
        return;
    }
    rep->reported++;
    const char *states = f->states ? f->states : "";
    for (const char *p = states; *p && !x->nomem; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] != '\0'))
        x->nomem = !count_affected(x, states, p, strcspn(p, "\n"), year);
    if (x->nomem || x->n == KZ_LIST_MAX)
        return;  /* counted above, listed up to the list ceiling */
    if (!(x->inc = grow(x->c->arena, x->inc, x->n, &x->cap, sizeof *x->inc))) {
        x->nomem = true;
        return;
    }
    kz_arena *a = x->c->arena;
    kz_norm_incident *r = &x->inc[x->n++];
    *r = (kz_norm_incident){kz_arena_strdup(a, f->id), kz_arena_strdup(a, f->title ? f->title : ""),
                            kz_arena_strdup(a, f->status ? f->status : ""), kz_arena_strdup(a, f->tlp ? f->tlp : ""),
                            kz_arena_strdup(a, f->reporter_state ? f->reporter_state : ""), {NULL, 0}, f->occurred};
    size_t n = 0;
    for (const char *p = states; *p; p++)
        n += *p == '\n';
    r->states.v = kz_arena_calloc(a, n + 1, sizeof *r->states.v);
    for (const char *p = states; r->states.v && *p;) {
        size_t len = strcspn(p, "\n");
        if (len && !(r->states.v[r->states.n++] = kz_arena_strndup(a, p, len)))
            break;
        p += len + (p[len] != '\0');
    }
    if (!r->id || !r->title || !r->status || !r->tlp || !r->reporter_state || !r->states.v ||
        (r->states.n && !r->states.v[r->states.n - 1]))
        x->nomem = true;
}

static int by_state_year_incident(const void *a, const void *b)
{
    const kz_norm_incident_count *x = a, *y = b;
    int d = strcmp(x->state, y->state);
    return d ? d : (x->year > y->year) - (x->year < y->year);
}

static kz_rc norm_incidents(kz_call *c, const char *letter, kz_norm_links *out)
{
    incidents_ctx x = {.c = c};
    kz_rc rc = kz_store_norm_incidents(c->db, &c->who, letter, collect_incident, &x, c->err);
    if (!rc && x.nomem)
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    if (rc)
        return rc;
    if (x.n_counts)
        qsort(x.counts, x.n_counts, sizeof *x.counts, by_state_year_incident);
    out->incidents = x.inc;
    out->n_incidents = x.n;
    out->incident_counts = x.counts;
    out->n_incident_counts = x.n_counts;
    return KZ_OK;
}

static kz_rc document_counts(kz_call *c, kz_norm_links *out)
{
    out->document_counts = kz_arena_calloc(c->arena, out->n_documents + 1, sizeof *out->document_counts);
    if (!out->document_counts)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; i < out->n_documents; i++) {
        size_t k = 0;
        while (k < out->n_document_counts && strcmp(out->document_counts[k].state, out->documents[i].state))
            k++;
        if (k == out->n_document_counts)
            out->document_counts[out->n_document_counts++].state = out->documents[i].state;
        out->document_counts[k].documents++;
    }
    return KZ_OK;
}

kz_rc kz_svc_norm_links(kz_call *c, const kz_norm *norm, kz_norm_links *out)
{
    memset(out, 0, sizeof *out);
    kz_rc rc = kz__sharing_read(c);
    if (rc || (rc = kz_rtx_begin(c)))
        return rc;
    links_ctx x = {.c = c, .letter = norm->letter};
    rc = kz_store_request_facts(c->db, collect, &x, c->err);
    kz_document_filter f = {.norm = norm->letter};
    kz_page pg = {NULL, KZ_LIST_MAX};
    kz_document_page docs = {0};
    if (!rc)
        rc = kz_store_document_list(c->db, &c->who, &f, &pg, c->arena, &docs, c->err);
    if (!rc)
        rc = norm_incidents(c, norm->letter, out);
    kz_rtx_end(c);
    if (!rc && x.nomem)
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    if (rc)
        return rc;
    for (size_t i = 0; i < x.n / 2; i++) {  /* newest first */
        kz_norm_request t = x.req[i];
        x.req[i] = x.req[x.n - 1 - i];
        x.req[x.n - 1 - i] = t;
    }
    if (x.n_counts)
        qsort(x.counts, x.n_counts, sizeof *x.counts, by_state_year);
    out->requests = x.req;
    out->n_requests = x.n;
    out->request_counts = x.counts;
    out->n_request_counts = x.n_counts;
    out->documents = docs.items;
    out->n_documents = docs.n;
    for (size_t i = 0; i < docs.n; i++)
        kz__show_recipients(c, docs.items[i].organization, docs.items[i].tlp, docs.items[i].allow_clients,
                            &docs.items[i].recipients);
    return document_counts(c, out);
}
