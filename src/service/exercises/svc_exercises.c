/* Runs of exercises: creation with players (and exercise-only organizations for the
 * roles nobody plays), the clock's controls, early triggers, marks and notes, the
 * viewer's runs and the exercise mark other services put on what a run makes. */
#include "service/exercises/exercises_internal.h"

#include "codec/exercises/scenario.h"
#include "model/directory.h"
#include "service/core/tlp.h"
#include "service/exercises/scenarios.h"
#include "store/directory/directory.h"
#include "store/directory/users.h"

#include <stdio.h>
#include <string.h>

#define KZ_ENUM(var, label, ...)                                                           \
    static const char *const var##_values[] = {__VA_ARGS__};                               \
    const kz_enum var = {label, var##_values, (int)(sizeof var##_values / sizeof *var##_values)}

KZ_ENUM(kz_exercise_op_enum, "exercise operation", "start", "pause", "resume", "finish");

static bool same(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

/* ---- loading -------------------------------------------------------------------------------- */

kz_rc kz__exercise_load(kz_call *c, const char *id, kz_exercise_view *v)
{
    memset(v, 0, sizeof *v);
    char *body = NULL;
    kz_rc rc = kz_store_exercise_get(c->db, id, c->arena, &v->x, &body, c->err);
    if (rc == KZ_ENOTFOUND)
        return kz_fail(c->err, KZ_ENOTFOUND, "exercise", "no exercise %.40s", id);
    kz_err e2;
    if (!rc && kz_scenario_decode(body, strlen(body), c->arena, &v->scenario, &e2))
        rc = kz_fail(c->err, KZ_EINTERNAL, NULL, "the scenario kept with exercise %.40s no longer decodes", id);
    if (!rc)
        v->scenario.id = v->x.scenario;
    if (!rc)
        rc = kz_store_exercise_players(c->db, id, c->arena, &v->players, &v->n_players, c->err);
    if (!rc)
        rc = kz_store_exercise_injects(c->db, id, c->arena, &v->delivered, &v->n_delivered, c->err);
    if (!rc)
        rc = kz_store_exercise_segments(c->db, id, c->arena, &v->segments, &v->n_segments, c->err);
    if (!rc)
        v->x.clock_ms = kz__exercise_clock(v, kz_now_ms());
    return rc;
}

const char *kz__exercise_org(const kz_exercise_view *v, const char *role)
{
    for (size_t i = 0; i < v->n_players; i++)
        if (same(v->players[i].role, role))
            return v->players[i].organization;
    return NULL;
}

int64_t kz__exercise_clock(const kz_exercise_view *v, kz_time t)
{
    return kz_exclock_at(v->segments, v->n_segments, t);
}

const kz_inject_delivery *kz__exercise_delivered(const kz_exercise_view *v, int64_t n)
{
    for (size_t i = 0; i < v->n_delivered; i++)
        if (v->delivered[i].n == n)
            return &v->delivered[i];
    return NULL;
}

static bool plays(const kz_exercise_view *v, const char *org)
{
    for (size_t i = 0; i < v->n_players; i++)
        if (same(v->players[i].organization, org))
            return true;
    return false;
}

/* The user a caller is signed in as (sessions: "user:<id>"), NULL for an API key. */
static const char *caller_user(const kz_call *c)
{
    const char *k = c->who.key_id;
    return k && strncmp(k, "user:", 5) == 0 ? k + 5 : NULL;
}

/* Whether the caller takes part as a player: its organization plays a role whose player
 * is not assigned to another user (a player assigned as a user acts only as that user). */
static bool acts_in(const kz_call *c, const kz_exercise_view *v)
{
    const char *user = caller_user(c), *k = c->who.key_id;
    if (k && strncmp(k, "exercise:", 9) == 0 && same(k + 9, v->x.id))  /* an inject acting as its role */
        return plays(v, c->who.org);
    for (size_t i = 0; i < v->n_players; i++)
        if (same(v->players[i].organization, c->who.org) && (!v->players[i].user || same(v->players[i].user, user)))
            return true;
    return false;
}

/* Who may know that a run exists: admins, its facilitating organization, its players. */
static bool knows_of(const kz_call *c, const kz_exercise_view *v)
{
    return kz_is_admin(c) || same(c->who.org, v->x.organization) || acts_in(c, v);
}

/* The facilitating organization and admins control a run; its players are told so,
 * anyone else gets the answer of a run that does not exist. */
static kz_rc authz_facilitator(kz_call *c, const kz_exercise_view *v)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (!rc && !knows_of(c, v))
        rc = kz_fail(c->err, KZ_ENOTFOUND, "exercise", "no exercise %.40s", v->x.id);
    else if (!rc && !kz_is_admin(c) && !same(c->who.org, v->x.organization))
        rc = kz_fail(c->err, KZ_EFORBIDDEN, NULL, "only the facilitating organization controls the exercise");
    return rc;
}

/* Run id as the caller may control it (inside the caller's transaction). */
static kz_rc load_controlled(kz_call *c, const char *id, kz_exercise_view *v)
{
    kz_rc rc = kz__exercise_load(c, id, v);
    return rc ? rc : authz_facilitator(c, v);
}

/* ---- creation ------------------------------------------------------------------------------ */

/* An exercise-only organization for a role nobody plays, with one contact in the
 * role's contact role (the communication checks of the run go to it). */
static kz_rc make_org(kz_call *c, const kz_exercise *x, const kz_scn_role *r, kz_exercise_player *p)
{
    kz_time now = kz_now_ms();
    kz_org o = {.created = now, .modified = now, .state = r->state, .kind = r->org_kind};
    o.id = kz_new_id(c);
    o.name = kz_arena_printf(c->arena, "[EXERCISE] %s", r->name);
    o.description = kz_arena_printf(c->arena, "Exercise-only organization of exercise %s (%s)", x->id, x->title);
    kz_contact ct = {.created = now, .modified = now, .organization = o.id, .state = r->state,
                     .role = r->contact_role};
    ct.id = kz_new_id(c);
    ct.full_name = kz_arena_printf(c->arena, "Exercise player: %s", r->name);
    if (!o.id || !o.name || !o.description || !ct.id || !ct.full_name)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    kz_rc rc = kz_store_org_insert(c->db, &o, c->err);
    if (!rc)
        rc = kz_store_contact_insert(c->db, &ct, c->err);
    if (!rc)
        rc = kz_audit(c, "organization.create", "organization", o.id, "exercise-only");
    *p = (kz_exercise_player){.role = r->id, .organization = o.id, .made = true};
    return rc;
}

static kz_rc check_players(kz_call *c, const kz_scenario *s, const kz_exercise_player *players, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char field[48];
        kz_org o;
        kz_err e2;
        if (!kz_scenario_role(s, players[i].role)) {
            snprintf(field, sizeof field, "players[%zu].role", i);
            return kz_fail(c->err, KZ_EINVAL, field, "the scenario has no role %.64s", players[i].role);
        }
        if (kz_store_org_get(c->db, players[i].organization, c->arena, &o, &e2)) {
            snprintf(field, sizeof field, "players[%zu].organization", i);
            return kz_fail(c->err, KZ_EINVAL, field, "no organization %.40s", players[i].organization);
        }
        kz_user u;
        if (players[i].user && (kz_store_user_get(c->db, players[i].user, c->arena, &u, NULL, &e2) ||
                                !same(u.organization, players[i].organization))) {
            snprintf(field, sizeof field, "players[%zu].user", i);
            return kz_fail(c->err, KZ_EINVAL, field, "no user %.40s in organization %.40s", players[i].user,
                           players[i].organization);
        }
    }
    return KZ_OK;
}

static bool role_given(const char *role, const kz_exercise_player *players, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (same(players[i].role, role))
            return true;
    return false;
}

kz_rc kz_svc_exercise_create(kz_call *c, kz_exercise *x, const kz_exercise_player *players, size_t n,
                             kz_exercise_view *out)
{
    kz_scenario s;
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (!rc && (x->speed < 0 || x->speed > KZ_SPEED_MAX))
        rc = kz_fail(c->err, KZ_EINVAL, "speed", "from 1 to %d", KZ_SPEED_MAX);
    if (!rc)
        rc = kz_svc_scenario_get(c, x->scenario, &s);
    if (rc == KZ_ENOTFOUND)
        rc = kz_fail(c->err, KZ_EINVAL, "scenario", "no scenario %.64s (GET /api/v1/scenarios lists them)", x->scenario);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    rc = check_players(c, &s, players, n);
    kz_time now = kz_now_ms();
    x->id = kz_new_id(c);
    x->created = x->modified = now;
    x->title = s.title;
    x->organization = (char *)c->who.org;
    x->status = KZ_EX_SCHEDULED;
    x->speed = x->speed ? x->speed : 1;
    x->started_at = x->finished_at = 0;
    if (!rc && !x->id)
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    if (!rc)
        rc = kz_store_exercise_insert(c->db, x, s.body, c->err);
    for (size_t i = 0; !rc && i < n; i++)
        rc = kz_store_exercise_player_add(c->db, x->id, &players[i], c->err);
    for (size_t i = 0; !rc && i < s.n_roles; i++) {
        kz_exercise_player p;
        if (role_given(s.roles[i].id, players, n))
            continue;
        rc = make_org(c, x, &s.roles[i], &p);
        if (!rc)
            rc = kz_store_exercise_player_add(c->db, x->id, &p, c->err);
    }
    if (!rc)
        rc = kz_audit(c, "exercise.create", "exercise", x->id, x->scenario);
    if (!rc)
        rc = kz__exercise_load(c, x->id, out);
    return kz_tx_end(c, rc);
}

/* Whether role r keeps an exercise-only organization of v after the change. */
static bool made_kept(const kz_exercise_view *v, const char *role, const kz_exercise_player *players, size_t n)
{
    for (size_t i = 0; i < v->n_players; i++)
        if (v->players[i].made && same(v->players[i].role, role))
            return !role_given(role, players, n);
    return false;
}

kz_rc kz_svc_exercise_players_set(kz_call *c, const char *id, const kz_exercise_player *players, size_t n,
                                  kz_exercise_view *out)
{
    kz_exercise_view v;
    kz_rc rc = kz_tx_begin(c);
    if (rc)
        return rc;
    rc = load_controlled(c, id, &v);
    if (!rc && v.x.status != KZ_EX_SCHEDULED)
        rc = kz_fail(c->err, KZ_ECONFLICT, "status", "exercise %.40s is %s: its players change only before it starts",
                     id, kz_enum_name(&kz_exercise_status_enum, v.x.status));
    if (!rc)
        rc = check_players(c, &v.scenario, players, n);
    /* every real player goes, and the exercise-only organization of a role now played */
    for (size_t i = 0; !rc && i < v.n_players; i++) {
        const kz_exercise_player *p = &v.players[i];
        if (p->made && !role_given(p->role, players, n))
            continue;
        rc = kz_store_exercise_player_drop(c->db, id, p, c->err);
        if (!rc && p->made)
            rc = kz_audit(c, "organization.delete", "organization", p->organization, "exercise-only");
    }
    for (size_t i = 0; !rc && i < n; i++)
        rc = kz_store_exercise_player_add(c->db, id, &players[i], c->err);
    for (size_t i = 0; !rc && i < v.scenario.n_roles; i++) {
        kz_exercise_player p;
        if (role_given(v.scenario.roles[i].id, players, n) || made_kept(&v, v.scenario.roles[i].id, players, n))
            continue;
        rc = make_org(c, &v.x, &v.scenario.roles[i], &p);
        if (!rc)
            rc = kz_store_exercise_player_add(c->db, id, &p, c->err);
    }
    if (!rc)
        rc = kz_audit(c, "exercise.players", "exercise", id, NULL);
    if (!rc)
        rc = kz__exercise_load(c, id, out);
    return kz_tx_end(c, rc);
}

/* ---- reads ---------------------------------------------------------------------------------- */

kz_rc kz_svc_exercise_get(kz_call *c, const char *id, kz_exercise_view *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    if (rc || (rc = kz_rtx_begin(c)))
        return rc;
    rc = kz__exercise_load(c, id, out);
    if (!rc && !knows_of(c, out))
        rc = kz_fail(c->err, KZ_ENOTFOUND, "exercise", "no exercise %.40s", id);
    kz_rtx_end(c);
    return rc;
}

/* Whether the caller, facilitator or player, may read what inject j delivered. */
static bool readable(const kz_call *c, const kz_exercise_view *v, const kz_inject *j, bool news_only)
{
    if (j->channel != KZ_INJ_NEWS && (news_only || j->channel != KZ_INJ_MAIL))
        return false;
    if (same(c->who.org, v->x.organization) || j->channel == KZ_INJ_NEWS)
        return true;
    for (size_t i = 0; i < v->n_players; i++)
        if (same(v->players[i].role, j->to_role) && same(v->players[i].organization, c->who.org))
            return true;
    return false;
}

kz_rc kz_svc_exercise_messages(kz_call *c, const char *id, bool news_only, kz_exercise_view *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    if (rc || (rc = kz_rtx_begin(c)))
        return rc;
    rc = kz__exercise_load(c, id, out);
    if (!rc && !same(c->who.org, out->x.organization) && !acts_in(c, out))
        rc = kz_fail(c->err, KZ_ENOTFOUND, "exercise", "no exercise %.40s", id);
    kz_rtx_end(c);
    size_t kept = 0;
    for (size_t i = 0; !rc && i < out->n_delivered; i++)
        if (readable(c, out, &out->scenario.injects[out->delivered[i].n - 1], news_only))
            out->delivered[kept++] = out->delivered[i];
    if (!rc)
        out->n_delivered = kept;
    return rc;
}

static bool listed_for(const kz_call *c, const kz_exercise *x)
{
    if (kz_is_admin(c) || same(c->who.org, x->organization))
        return true;
    for (size_t i = 0; i < c->who.n_exercises; i++)
        if (same(c->who.exercises[i], x->id))
            return true;
    return false;
}

kz_rc kz_svc_exercise_list(kz_call *c, const kz_page *pg, kz_exercise_page *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    if (!rc)
        rc = kz_store_exercise_list(c->db, pg, c->arena, out, c->err);
    size_t kept = 0;
    for (size_t i = 0; !rc && i < out->n; i++)
        if (listed_for(c, &out->items[i]))
            out->items[kept++] = out->items[i];
    if (!rc)
        out->n = kept;
    return rc;
}

/* ---- controls ------------------------------------------------------------------------------- */

static const struct {
    unsigned from;   /* bit set of kz_exercise_status it may start from */
    int to;
} moves[KZ_XOP_COUNT] = {
    [KZ_XOP_START] = {1u << KZ_EX_SCHEDULED, KZ_EX_RUNNING},
    [KZ_XOP_PAUSE] = {1u << KZ_EX_RUNNING, KZ_EX_PAUSED},
    [KZ_XOP_RESUME] = {1u << KZ_EX_PAUSED, KZ_EX_RUNNING},
    [KZ_XOP_FINISH] = {1u << KZ_EX_RUNNING | 1u << KZ_EX_PAUSED, KZ_EX_FINISHED},
};

static kz_rc apply_op(kz_call *c, kz_exercise_view *v, kz_exercise_op op, int64_t speed, kz_time now)
{
    if (!(moves[op].from & (1u << v->x.status)))
        return kz_fail(c->err, KZ_ECONFLICT, "status", "cannot %s an exercise that is %s",
                       kz_enum_name(&kz_exercise_op_enum, op), kz_enum_name(&kz_exercise_status_enum, v->x.status));
    if (speed < 0 || speed > KZ_SPEED_MAX)
        return kz_fail(c->err, KZ_EINVAL, "speed", "from 1 to %d", KZ_SPEED_MAX);
    if (speed)
        v->x.speed = speed;
    int64_t ex = kz__exercise_clock(v, now);
    kz_rc rc = KZ_OK;
    if (v->x.status == KZ_EX_RUNNING)
        rc = kz_store_exercise_segment_close(c->db, v->x.id, now, c->err);
    if (!rc && moves[op].to == KZ_EX_RUNNING) {
        kz_exclock_seg g = {now, 0, ex, v->x.speed};
        rc = kz_store_exercise_segment_open(c->db, v->x.id, &g, c->err);
    }
    v->x.status = moves[op].to;
    v->x.modified = now;
    if (op == KZ_XOP_START)
        v->x.started_at = now;
    if (op == KZ_XOP_FINISH)
        v->x.finished_at = now;
    if (!rc)
        rc = kz_store_exercise_update(c->db, &v->x, c->err);
    char *detail = kz_arena_printf(c->arena, "exercise time %lld ms, speed %lld", (long long)ex, (long long)v->x.speed);
    char *action = kz_arena_printf(c->arena, "exercise.%s", kz_enum_name(&kz_exercise_op_enum, op));
    if (!rc && (!detail || !action))
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    if (!rc)
        rc = kz_audit(c, action, "exercise", v->x.id, detail);
    return rc;
}

kz_rc kz_svc_exercise_control(kz_call *c, const char *id, kz_exercise_op op, int64_t speed,
                              kz_exercise_view *out)
{
    kz_rc rc = kz_tx_begin(c);
    if (rc)
        return rc;
    rc = load_controlled(c, id, out);
    if (!rc)
        rc = apply_op(c, out, op, speed, kz_now_ms());
    if (!rc)
        rc = kz__exercise_load(c, id, out);
    if (!rc && out->x.status == KZ_EX_RUNNING && kz__exercise_deliver_due(c, out) < 0)
        rc = c->err->rc ? c->err->rc : KZ_EINTERNAL;
    if (!rc)
        rc = kz__exercise_load(c, id, out);
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_exercise_trigger(kz_call *c, const char *id, int64_t n, kz_exercise_view *out)
{
    kz_rc rc = kz_tx_begin(c);
    if (rc)
        return rc;
    rc = load_controlled(c, id, out);
    if (!rc && out->x.status != KZ_EX_RUNNING && out->x.status != KZ_EX_PAUSED)
        rc = kz_fail(c->err, KZ_ECONFLICT, "status", "injects are triggered in a running or paused exercise");
    if (!rc && (n < 1 || (size_t)n > out->scenario.n_injects))
        rc = kz_fail(c->err, KZ_ENOTFOUND, "inject", "the scenario has no inject %lld", (long long)n);
    if (!rc && kz__exercise_delivered(out, n))
        rc = kz_fail(c->err, KZ_ECONFLICT, "inject", "inject %lld was delivered already", (long long)n);
    if (!rc)
        rc = kz__exercise_deliver(c, out, &out->scenario.injects[n - 1], out->x.clock_ms, true);
    if (!rc)
        rc = kz__exercise_load(c, id, out);
    return kz_tx_end(c, rc);
}

static const kz_expectation *find_expectation(const kz_scenario *s, const char *id)
{
    for (size_t i = 0; id && i < s->n_expectations; i++)
        if (strcmp(s->expectations[i].id, id) == 0)
            return &s->expectations[i];
    return NULL;
}

kz_rc kz_svc_exercise_mark(kz_call *c, const char *id, const char *expectation, int result, const char *note)
{
    kz_exercise_view v;
    kz_rc rc = kz_tx_begin(c);
    if (rc)
        return rc;
    rc = load_controlled(c, id, &v);
    if (!rc && !find_expectation(&v.scenario, expectation))
        rc = kz_fail(c->err, KZ_EINVAL, "expectation", "the scenario has no expectation %.64s", expectation);
    if (!rc && (result != KZ_RES_MET && result != KZ_RES_LATE && result != KZ_RES_MISSED))
        rc = kz_fail(c->err, KZ_EINVAL, "result", "met, late or missed");
    if (!rc && v.x.status == KZ_EX_SCHEDULED)
        rc = kz_fail(c->err, KZ_ECONFLICT, "status", "the exercise has not started");
    kz_exercise_mark m = {(char *)expectation, result, v.x.clock_ms, (char *)note, (char *)c->who.org, kz_now_ms()};
    if (!rc)
        rc = kz_store_exercise_mark_put(c->db, id, &m, c->err);
    if (!rc)
        rc = kz_audit(c, "exercise.mark", "exercise", id, expectation);
    return kz_tx_end(c, rc);
}

/* A note's kind from what it holds: an owner and a due date make a corrective action. */
static kz_rc note_kind(kz_call *c, kz_exercise_note *note)
{
    bool action = note->owner || note->due;
    if (action && (!note->owner || !note->due))
        return kz_fail(c->err, KZ_EINVAL, note->owner ? "due" : "owner", "a corrective action has an owner and a due date");
    note->kind = action ? "action" : "observation";
    return KZ_OK;
}

kz_rc kz_svc_exercise_note(kz_call *c, const char *id, kz_exercise_note *note)
{
    kz_exercise_view v;
    kz_rc rc = kz_tx_begin(c);
    if (rc)
        return rc;
    rc = load_controlled(c, id, &v);
    if (!rc)
        rc = note_kind(c, note);
    bool action = !rc && strcmp(note->kind, "action") == 0;
    note->created = kz_now_ms();
    note->author = (char *)c->who.org;
    if (!rc && !(note->id = kz_new_id(c)))
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    if (!rc)
        rc = kz_store_exercise_note_insert(c->db, id, note, c->err);
    if (!rc)
        rc = kz_audit(c, action ? "exercise.action" : "exercise.observation", "exercise", id, NULL);
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_exercise_note_update(kz_call *c, const char *id, kz_exercise_note *note)
{
    kz_exercise_view v;
    kz_rc rc = kz_tx_begin(c);
    if (rc)
        return rc;
    rc = load_controlled(c, id, &v);
    if (!rc)
        rc = note_kind(c, note);
    if (!rc)
        rc = kz_store_exercise_note_update(c->db, id, note, c->err);
    if (!rc)
        rc = kz_audit(c, "exercise.note_edit", "exercise", id, note->id);
    return kz_tx_end(c, rc);
}

long kz_svc_exercise_deliver_due(kz_call *c)
{
    kz_strlist ids;
    if (kz_store_exercises_running(c->db, 64, c->arena, &ids, c->err))
        return -1;
    long done = 0;
    for (size_t i = 0; i < ids.n; i++) {
        kz_exercise_view v;
        kz_rc rc = kz_tx_begin(c);
        if (rc)
            return -1;
        rc = kz__exercise_load(c, ids.v[i], &v);
        long n = rc ? -1 : kz__exercise_deliver_due(c, &v);
        rc = kz_tx_end(c, n < 0 ? (rc ? rc : KZ_EINTERNAL) : KZ_OK);
        if (rc)
            return -1;
        done += n;
    }
    return done;
}

static const char *made_for(kz_call *c, const char *org);

bool kz_svc_exercise_org_shown(kz_call *c, const char *org)
{
    const char *ex = made_for(c, org);
    kz_tlp_subject s = {.tlp = KZ_TLP_CLEAR, .exercise = ex};
    return !ex || kz_tlp_visible(&c->who, &s);
}

const char *kz_svc_exercise_banner(kz_call *c, const char *exercise, bool ja)
{
    kz_exercise_view v;
    if (!exercise || kz__exercise_load(c, exercise, &v) || !v.scenario.banner)
        return ja ? "[演習 EXERCISE]" : "[EXERCISE]";
    return ja && v.scenario.banner_ja ? v.scenario.banner_ja : v.scenario.banner;
}

/* ---- the viewer and the exercise mark ---------------------------------------------------------- */

void kz_svc_exercise_viewer(kz_call *c)
{
    kz_strlist list;
    kz_err e2;
    if (c->who.org && !kz_store_exercises_of_caller(c->db, c->who.org, caller_user(c), c->arena, &list, &e2)) {
        c->who.exercises = (const char *const *)list.v;
        c->who.n_exercises = list.n;
    }
}

size_t kz_svc_exercise_writable(kz_call *c, const char **ids, const char **titles, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; n < max && i < c->who.n_exercises; i++) {
        kz_exercise_view v;
        if (kz__exercise_load(c, c->who.exercises[i], &v) || !acts_in(c, &v) ||
            (v.x.status != KZ_EX_RUNNING && v.x.status != KZ_EX_PAUSED))
            continue;
        ids[n] = v.x.id;
        titles[n++] = v.x.title;
    }
    return n;
}

/* The run an exercise-only organization was made for, or NULL. */
static const char *made_for(kz_call *c, const char *org)
{
    kz_strlist list;
    kz_err e2;
    if (!org || kz_store_exercises_of_org(c->db, org, c->arena, &list, &e2))
        return NULL;
    for (size_t i = 0; i < list.n; i++) {
        kz_exercise_player *p;
        size_t n;
        if (kz_store_exercise_players(c->db, list.v[i], c->arena, &p, &n, &e2))
            continue;
        for (size_t k = 0; k < n; k++)
            if (p[k].made && same(p[k].organization, org))
                return list.v[i];
    }
    return NULL;
}

kz_rc kz_svc_exercise_claim(kz_call *c, kz_exercise_object t, const char *id, char **exercise,
                            const char *const *orgs, size_t n)
{
    const char *ex = *exercise;
    if (!ex)
        ex = made_for(c, c->who.org);
    for (size_t i = 0; !ex && i < n; i++)
        ex = made_for(c, orgs[i]);
    if (!ex)
        return KZ_OK;
    kz_exercise_view v;
    /* a run the caller does not play in gets the answer of one that does not exist:
     * a write reveals no more than a read would */
    if (kz__exercise_load(c, ex, &v) || !acts_in(c, &v))
        return kz_fail(c->err, KZ_EINVAL, "exercise", "no exercise %.40s", ex);
    if (v.x.status != KZ_EX_RUNNING && v.x.status != KZ_EX_PAUSED)
        return kz_fail(c->err, KZ_EINVAL, "exercise", "exercise %.40s is %s: nothing is made in it", ex,
                       kz_enum_name(&kz_exercise_status_enum, v.x.status));
    for (size_t i = 0; i < n; i++)
        if (orgs[i] && !plays(&v, orgs[i]))
            return kz_fail(c->err, KZ_EINVAL, "recipients", "organization %.40s takes no part in exercise %.40s: "
                           "exercise material never reaches anyone outside it", orgs[i], ex);
    *exercise = (char *)ex;
    return id ? kz_store_exercise_claim(c->db, t, id, ex, c->err) : KZ_OK;
}
