/* The after-action report: when each expectation was done, read from what the players
 * did (no manual ticking where the system can tell), judged by kz_expect_judge, summed
 * per role and objective; the timeline of injects and actions; notes. */
#include "service/exercises/exercise_report.h"

#include "service/exercises/exercises_internal.h"

#include <stdlib.h>
#include <string.h>

enum { TIMELINE_ACTIONS = 2000 };

typedef struct judge_ctx {
    kz_call *c;
    const kz_exercise_view *v;
    const kz_exercise_mark *marks;
    size_t n_marks;
} judge_ctx;

static const kz_exercise_mark *mark_of(const judge_ctx *j, const char *expectation)
{
    for (size_t i = 0; i < j->n_marks; i++)
        if (strcmp(j->marks[i].expectation, expectation) == 0)
            return &j->marks[i];
    return NULL;
}

/* The object the expectation's inject made (its request or check), or NULL. */
static const char *inject_object(const judge_ctx *j, const kz_expectation *e)
{
    const kz_inject_delivery *d = e->inject ? kz__exercise_delivered(j->v, e->inject) : NULL;
    return d ? d->object_id : NULL;
}

/* Wall time when the expectation was done, 0 when not (yet). */
static kz_rc done_at(const judge_ctx *j, const kz_expectation *e, kz_time *at)
{
    kz_db *db = j->c->db;
    kz_err *err = j->c->err;
    const char *ex = j->v->x.id, *org = kz__exercise_org(j->v, e->role);
    const char *to = e->to_role ? kz__exercise_org(j->v, e->to_role) : NULL;
    const char *obj = inject_object(j, e);
    kz_time ack = 0, answered = 0;
    kz_rc rc = KZ_OK;
    *at = 0;
    switch (e->kind) {
    case KZ_EXP_REQUEST_ACKNOWLEDGED:
    case KZ_EXP_REQUEST_ANSWERED:
        if (obj)
            rc = kz_store_exercise_request_times(db, obj, &ack, &answered, err);
        *at = e->kind == KZ_EXP_REQUEST_ACKNOWLEDGED ? ack : answered;
        return rc;
    case KZ_EXP_REQUEST_SENT:
        return kz_store_exercise_request_sent(db, ex, e->request_kind, org, to, e->complete, e->with_indicators,
                                              at, err);
    case KZ_EXP_INDICATOR_SHARED:
        return kz_store_exercise_indicator_shared(db, ex, org, kz_enum_name(&kz_tlp_enum, e->tlp), to, at, err);
    case KZ_EXP_CHECK_ANSWERED:
        return obj ? kz_store_exercise_check_answered(db, obj, org, at, err) : KZ_OK;
    default:
        return KZ_OK;  /* manual: only a mark decides */
    }
}

static kz_rc judge(const judge_ctx *j, const kz_expectation *e, kz_expect_score *s)
{
    const kz_inject_delivery *ref = e->inject ? kz__exercise_delivered(j->v, e->inject) : NULL;
    int64_t ref_ex = e->inject ? (ref ? ref->ex_at : -1) : 0;
    kz_time at;
    kz_rc rc = done_at(j, e, &at);
    if (rc)
        return rc;
    s->e = e;
    s->done_ex = at ? kz__exercise_clock(j->v, at) : -1;
    s->result = kz_expect_judge(e, ref_ex, s->done_ex, j->v->x.clock_ms, j->v->x.status == KZ_EX_FINISHED,
                                &s->took_ms);
    s->due_ex = ref_ex < 0 ? -1 : ref_ex + e->deadline_minutes * 60000;
    const kz_exercise_mark *m = mark_of(j, e->id);
    if (m) {  /* an evaluator's mark decides, with its note */
        s->marked = true;
        s->result = m->result;
        s->note = m->note;
        if (s->done_ex < 0 && m->result != KZ_RES_MISSED) {
            s->done_ex = m->ex_at;
            s->took_ms = ref_ex >= 0 && m->ex_at > ref_ex ? m->ex_at - ref_ex : 0;
        }
    }
    s->points = kz_expect_points(e, s->result);
    return KZ_OK;
}

static void add_to(kz_group_score *g, const kz_expect_score *s)
{
    g->points += s->points;
    g->possible += kz_expect_points(s->e, KZ_RES_MET);
    g->met += s->result == KZ_RES_MET;
    g->late += s->result == KZ_RES_LATE;
    g->missed += s->result == KZ_RES_MISSED;
    g->pending += s->result == KZ_RES_PENDING;
}

static kz_rc groups(kz_call *c, const kz_scenario *s, kz_exercise_report *r)
{
    r->roles = kz_arena_calloc(c->arena, s->n_roles + 1, sizeof *r->roles);
    r->objectives = kz_arena_calloc(c->arena, s->n_objectives + 1, sizeof *r->objectives);
    if (!r->roles || !r->objectives)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; i < s->n_roles; i++)
        r->roles[i] = (kz_group_score){.id = s->roles[i].id, .title = s->roles[i].name, .title_ja = s->roles[i].name_ja};
    for (size_t i = 0; i < s->n_objectives; i++)
        r->objectives[i] = (kz_group_score){.id = s->objectives[i].id, .title = s->objectives[i].title,
                                            .title_ja = s->objectives[i].title_ja};
    r->n_roles = s->n_roles;
    r->n_objectives = s->n_objectives;
    double points = 0, possible = 0;
    for (size_t i = 0; i < r->n_scores; i++) {
        const kz_expect_score *x = &r->scores[i];
        for (size_t k = 0; k < r->n_roles; k++)
            if (strcmp(r->roles[k].id, x->e->role) == 0)
                add_to(&r->roles[k], x);
        for (size_t k = 0; x->e->objective && k < r->n_objectives; k++)
            if (strcmp(r->objectives[k].id, x->e->objective) == 0)
                add_to(&r->objectives[k], x);
        points += x->points;
        possible += kz_expect_points(x->e, KZ_RES_MET);
    }
    r->score = possible > 0 ? 100.0 * points / possible : 0;
    return KZ_OK;
}

static int by_time(const void *a, const void *b)
{
    const kz_timeline_item *x = a, *y = b;
    return x->ex_ms < y->ex_ms ? -1 : x->ex_ms > y->ex_ms ? 1 : (x->at > y->at) - (x->at < y->at);
}

static kz_rc timeline(kz_call *c, const kz_exercise_view *v, kz_exercise_report *r)
{
    kz_exercise_action *acts;
    size_t n_acts;
    kz_rc rc = kz_store_exercise_actions(c->db, v->x.id, TIMELINE_ACTIONS, c->arena, &acts, &n_acts, c->err);
    if (rc)
        return rc;
    r->timeline = kz_arena_calloc(c->arena, v->n_delivered + n_acts + 1, sizeof *r->timeline);
    if (!r->timeline)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; i < v->n_delivered; i++) {
        const kz_inject_delivery *d = &v->delivered[i];
        const kz_inject *j = &v->scenario.injects[d->n - 1];
        r->timeline[r->n_timeline++] = (kz_timeline_item){
            .ex_ms = d->ex_at, .at = d->delivered_at, .kind = "inject", .inject = d->n, .title = j->title,
            .title_ja = j->title_ja, .organization = kz__exercise_org(v, j->to_role),
            .object_type = d->object_type, .object_id = d->object_id, .early = d->early};
    }
    for (size_t i = 0; i < n_acts; i++)
        r->timeline[r->n_timeline++] = (kz_timeline_item){
            .ex_ms = kz__exercise_clock(v, acts[i].at), .at = acts[i].at, .kind = "action",
            .action = acts[i].action, .organization = acts[i].actor_org, .object_type = acts[i].object_type,
            .object_id = acts[i].object_id};
    qsort(r->timeline, r->n_timeline, sizeof *r->timeline, by_time);
    return KZ_OK;
}

static kz_rc notes(kz_call *c, const char *id, kz_exercise_report *r)
{
    kz_exercise_note *items;
    size_t n;
    kz_rc rc = kz_store_exercise_notes(c->db, id, c->arena, &items, &n, c->err);
    if (rc)
        return rc;
    r->notes = kz_arena_calloc(c->arena, n + 1, sizeof *r->notes);
    if (!r->notes)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; i < n; i++)
        r->notes[i] = (kz_report_note){items[i].id, items[i].kind, items[i].text, items[i].owner, items[i].author,
                                       items[i].created, items[i].due};
    r->n_notes = n;
    return KZ_OK;
}

kz_rc kz_svc_exercise_report(kz_call *c, const char *id, kz_exercise_report *out, kz_exercise_view *view)
{
    kz_exercise_view *v = view ? view : kz_arena_calloc(c->arena, 1, sizeof *v);
    if (!v)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    kz_rc rc = kz_svc_exercise_get(c, id, v);
    if (rc || (rc = kz_rtx_begin(c)))
        return rc;
    memset(out, 0, sizeof *out);
    out->x = &v->x;
    out->scenario = &v->scenario;
    judge_ctx j = {c, v, NULL, 0};
    kz_exercise_mark *marks = NULL;
    rc = kz_store_exercise_marks(c->db, id, c->arena, &marks, &j.n_marks, c->err);
    j.marks = marks;
    out->scores = rc ? NULL : kz_arena_calloc(c->arena, v->scenario.n_expectations + 1, sizeof *out->scores);
    if (!rc && !out->scores)
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; !rc && i < v->scenario.n_expectations; i++)
        rc = judge(&j, &v->scenario.expectations[i], &out->scores[out->n_scores++]);
    if (!rc)
        rc = groups(c, &v->scenario, out);
    if (!rc)
        rc = timeline(c, v, out);
    if (!rc)
        rc = notes(c, id, out);
    kz_rtx_end(c);
    return rc;
}
