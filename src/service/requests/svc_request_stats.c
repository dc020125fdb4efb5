/* Request statistics per counterpart state: how often and how fast states acknowledge
 * and answer. Computed from the rows the caller may see only (kz_request_visible on
 * each), so a request hidden from the caller changes no number. */
#include "service/requests/requests_internal.h"

#include "util/alloc.h"

#include <stdlib.h>
#include <string.h>

typedef struct fact_row {
    char state[3];
    double ack_s, answer_s;    /* -1 when not (yet) */
    bool due, in_time, open, overdue;
} fact_row;

typedef struct stats_ctx {
    kz_call *c;
    const char *box;
    kz_time since, now;
    fact_row *rows;
    size_t n, cap;
    bool nomem;
} stats_ctx;

static void collect(void *arg, const kz_request_fact *f)
{
    stats_ctx *x = arg;
    const char *org = x->c->who.org;
    bool inbox = x->box && strcmp(x->box, "inbox") == 0;
    if (x->nomem || f->sent_at < x->since ||
        !kz_request_visible(&x->c->who, f->tlp, f->from_org, f->to_org, f->sent_at, NULL))
        return;
    if (x->box && !(org && strcmp(inbox ? f->to_org : f->from_org, org) == 0))
        return;
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 256;
        fact_row *rows = kz_realloc(x->rows, cap * sizeof *rows);
        if (!rows) {
            x->nomem = true;
            return;
        }
        x->rows = rows;
        x->cap = cap;
    }
    fact_row *r = &x->rows[x->n++];
    const char *state = inbox ? f->from_state : f->to_state;
    memcpy(r->state, state && strlen(state) == 2 ? state : "??", 3);
    bool open = f->status == KZ_RS_SENT || f->status == KZ_RS_ACKNOWLEDGED || f->status == KZ_RS_IN_PROGRESS;
    r->ack_s = f->responded_at ? (double)(f->responded_at - f->sent_at) / 1000.0 : -1;
    r->answer_s = f->answered_at ? (double)(f->answered_at - f->sent_at) / 1000.0 : -1;
    /* due: a response came, or its deadline passed before the request ended without one */
    r->due = f->responded_at || (f->ack_due && f->ack_due < (f->closed_at ? f->closed_at : x->now));
    r->in_time = f->responded_at && f->responded_at <= f->ack_due;
    r->open = open;
    r->overdue = (f->status == KZ_RS_SENT && f->ack_due && x->now > f->ack_due) ||
                 (open && f->answer_due && x->now > f->answer_due);
}

static int by_state(const void *a, const void *b)
{
    return strcmp(((const fact_row *)a)->state, ((const fact_row *)b)->state);
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of the non-negative values among v[0..n), sorted in place; -1 if none. */
static double median(double *v, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] >= 0)
            v[k++] = v[i];
    if (!k)
        return -1;
    qsort(v, k, sizeof *v, by_value);
    return k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

kz_rc kz_svc_request_stats(kz_call *c, const char *box, kz_time since, kz_request_stat **items,
                           size_t *n)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    if (rc || (rc = kz_rtx_begin(c)))
        return rc;
    stats_ctx x = {c, box, since, kz_now_ms(), NULL, 0, 0, false};
    rc = kz_store_request_facts(c->db, collect, &x, c->err);
    kz_rtx_end(c);
    if (!rc && x.nomem)
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    double *ack = rc ? NULL : kz_arena_calloc(c->arena, x.n + 1, sizeof *ack);
    double *ans = rc ? NULL : kz_arena_calloc(c->arena, x.n + 1, sizeof *ans);
    *items = rc ? NULL : kz_arena_calloc(c->arena, x.n + 1, sizeof **items);
    if (!rc && (!ack || !ans || !*items))
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    *n = 0;
    if (!rc && x.n)  /* no row: x.rows is NULL, which qsort may not be given */
        qsort(x.rows, x.n, sizeof *x.rows, by_state);
    for (size_t i = 0; !rc && i < x.n;) {
        kz_request_stat *s = &(*items)[(*n)++];
        size_t m = 0;
        memcpy(s->state, x.rows[i].state, 3);
        for (; i < x.n && strcmp(x.rows[i].state, s->state) == 0; i++, m++) {
            const fact_row *r = &x.rows[i];
            s->sent++;
            s->acknowledged += r->ack_s >= 0;
            s->acknowledged_in_time += r->in_time;
            s->due += r->due;
            s->answered += r->answer_s >= 0;
            s->open += r->open;
            s->overdue += r->overdue;
            ack[m] = r->ack_s;
            ans[m] = r->answer_s;
        }
        s->in_time_share = s->due ? (double)s->acknowledged_in_time / (double)s->due : -1;
        s->median_ack_seconds = median(ack, m);
        s->median_answer_seconds = median(ans, m);
    }
    kz_free(x.rows);
    return rc;
}
