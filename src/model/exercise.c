/* Field tables of scenarios and exercises, the scenario's cross-field rules, the
 * exercise clock and the judging of an expectation (rules in exercise.h). The order of
 * each stored table is the column order the store uses: add new fields at the end. */
#include "model/exercise.h"

#include "model/request.h"
#include "model/validate.h"

#include <stdio.h>
#include <string.h>

#define F(st, nm, ty, fl, mx, en, ck) {#nm, ty, offsetof(st, nm), fl, mx, en, ck}
#define SCHEMA(var, label, table) \
    const kz_schema var = {label, table, sizeof table / sizeof *table}
#define KZ_ENUM(var, label, ...)                                                           \
    static const char *const var##_values[] = {__VA_ARGS__};                               \
    const kz_enum var = {label, var##_values, (int)(sizeof var##_values / sizeof *var##_values)}

KZ_ENUM(kz_inject_channel_enum, "inject channel", "request", "incident", "check", "mail", "news");
KZ_ENUM(kz_expect_kind_enum, "expectation kind", "request_acknowledged", "request_answered",
        "request_sent", "indicator_shared", "check_answered", "manual");
KZ_ENUM(kz_exercise_status_enum, "exercise status", "scheduled", "running", "paused", "finished");
KZ_ENUM(kz_expect_result_enum, "expectation result", "pending", "met", "late", "missed");

enum { RO = KZ_FF_READONLY, MIN = KZ_SCN_MAX_MINUTES };

static const kz_field objective_fields[] = {
    F(kz_scn_objective, id, KZ_FT_STR, KZ_FF_REQUIRED, 64, NULL, NULL),
    F(kz_scn_objective, title, KZ_FT_STR, KZ_FF_REQUIRED, 300, NULL, NULL),
    F(kz_scn_objective, title_ja, KZ_FT_STR, 0, 300, NULL, NULL),
    F(kz_scn_objective, norms, KZ_FT_STRLIST, 0, 32, NULL, NULL),
    F(kz_scn_objective, capabilities, KZ_FT_STRLIST, 0, 32, NULL, NULL),
};
SCHEMA(kz_scn_objective_schema, "objective", objective_fields);

static const kz_field role_fields[] = {
    F(kz_scn_role, id, KZ_FT_STR, KZ_FF_REQUIRED, 64, NULL, NULL),
    F(kz_scn_role, name, KZ_FT_STR, KZ_FF_REQUIRED, 200, NULL, NULL),
    F(kz_scn_role, name_ja, KZ_FT_STR, 0, 200, NULL, NULL),
    F(kz_scn_role, org_kind, KZ_FT_ENUM, KZ_FF_REQUIRED, 0, &kz_org_kind_enum, NULL),
    F(kz_scn_role, contact_role, KZ_FT_ENUM, KZ_FF_REQUIRED, 0, &kz_contact_role_enum, NULL),
    F(kz_scn_role, state, KZ_FT_STR, KZ_FF_REQUIRED, 2, NULL, kz_valid_country),
    F(kz_scn_role, played, KZ_FT_BOOL, 0, 0, NULL, NULL),
};
SCHEMA(kz_scn_role_schema, "role", role_fields);

static const kz_field inject_fields[] = {
    F(kz_inject, n, KZ_FT_INT, KZ_FF_REQUIRED, KZ_SCN_MAX_ITEMS, NULL, NULL),
    F(kz_inject, at_minutes, KZ_FT_INT, 0, MIN, NULL, NULL),
    F(kz_inject, after, KZ_FT_INT, 0, KZ_SCN_MAX_ITEMS, NULL, NULL),
    F(kz_inject, on_action, KZ_FT_STR, 0, 64, NULL, NULL),
    F(kz_inject, delay_minutes, KZ_FT_INT, 0, MIN, NULL, NULL),
    F(kz_inject, channel, KZ_FT_ENUM, KZ_FF_REQUIRED, 0, &kz_inject_channel_enum, NULL),
    F(kz_inject, request_kind, KZ_FT_STR, 0, 32, NULL, NULL),
    F(kz_inject, from_role, KZ_FT_STR, 0, 64, NULL, NULL),
    F(kz_inject, to_role, KZ_FT_STR, KZ_FF_REQUIRED, 64, NULL, NULL),
    F(kz_inject, tlp, KZ_FT_ENUM, 0, 0, &kz_tlp_enum, NULL),
    F(kz_inject, title, KZ_FT_STR, KZ_FF_REQUIRED, 300, NULL, NULL),
    F(kz_inject, title_ja, KZ_FT_STR, 0, 300, NULL, NULL),
    F(kz_inject, text, KZ_FT_TEXT, KZ_FF_REQUIRED, 8000, NULL, NULL),
    F(kz_inject, text_ja, KZ_FT_TEXT, 0, 8000, NULL, NULL),
    F(kz_inject, indicators, KZ_FT_STRLIST, 0, 100, NULL, NULL),
};
SCHEMA(kz_inject_schema, "inject", inject_fields);

static const kz_field expectation_fields[] = {
    F(kz_expectation, id, KZ_FT_STR, KZ_FF_REQUIRED, 64, NULL, NULL),
    F(kz_expectation, title, KZ_FT_STR, KZ_FF_REQUIRED, 300, NULL, NULL),
    F(kz_expectation, title_ja, KZ_FT_STR, 0, 300, NULL, NULL),
    F(kz_expectation, kind, KZ_FT_ENUM, KZ_FF_REQUIRED, 0, &kz_expect_kind_enum, NULL),
    F(kz_expectation, role, KZ_FT_STR, KZ_FF_REQUIRED, 64, NULL, NULL),
    F(kz_expectation, objective, KZ_FT_STR, 0, 64, NULL, NULL),
    F(kz_expectation, inject, KZ_FT_INT, 0, KZ_SCN_MAX_ITEMS, NULL, NULL),
    F(kz_expectation, deadline_minutes, KZ_FT_INT, KZ_FF_REQUIRED, MIN, NULL, NULL),
    F(kz_expectation, weight, KZ_FT_INT, 0, 100, NULL, NULL),
    F(kz_expectation, request_kind, KZ_FT_STR, 0, 32, NULL, NULL),
    F(kz_expectation, to_role, KZ_FT_STR, 0, 64, NULL, NULL),
    F(kz_expectation, tlp, KZ_FT_ENUM, 0, 0, &kz_tlp_enum, NULL),
    F(kz_expectation, complete, KZ_FT_BOOL, 0, 0, NULL, NULL),
    F(kz_expectation, with_indicators, KZ_FT_BOOL, 0, 0, NULL, NULL),
};
SCHEMA(kz_expectation_schema, "expectation", expectation_fields);

static const kz_field scenario_fields[] = {
    F(kz_scenario, id, KZ_FT_STR, 0, 64, NULL, NULL),
    F(kz_scenario, created, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(kz_scenario, modified, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(kz_scenario, organization, KZ_FT_STR, RO, 36, NULL, NULL),
    F(kz_scenario, title, KZ_FT_STR, KZ_FF_REQUIRED, 300, NULL, NULL),
    F(kz_scenario, title_ja, KZ_FT_STR, 0, 300, NULL, NULL),
    F(kz_scenario, summary, KZ_FT_TEXT, 0, 8000, NULL, NULL),
    F(kz_scenario, summary_ja, KZ_FT_TEXT, 0, 8000, NULL, NULL),
    F(kz_scenario, languages, KZ_FT_STRLIST, 0, 16, NULL, kz_valid_language),
    F(kz_scenario, banner, KZ_FT_STR, KZ_FF_REQUIRED, 200, NULL, NULL),
    F(kz_scenario, banner_ja, KZ_FT_STR, 0, 200, NULL, NULL),
    F(kz_scenario, builtin, KZ_FT_BOOL, RO, 0, NULL, NULL),
};
SCHEMA(kz_scenario_schema, "scenario", scenario_fields);

static const kz_field exercise_fields[] = {
    F(kz_exercise, id, KZ_FT_STR, RO, 36, NULL, NULL),
    F(kz_exercise, created, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(kz_exercise, modified, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(kz_exercise, scenario, KZ_FT_STR, KZ_FF_REQUIRED | KZ_FF_IMMUTABLE, 64, NULL, NULL),
    F(kz_exercise, title, KZ_FT_STR, RO, 300, NULL, NULL),
    F(kz_exercise, organization, KZ_FT_STR, RO, 36, NULL, NULL),
    F(kz_exercise, status, KZ_FT_ENUM, RO, 0, &kz_exercise_status_enum, NULL),
    F(kz_exercise, speed, KZ_FT_INT, 0, KZ_SPEED_MAX, NULL, NULL),
    F(kz_exercise, started_at, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(kz_exercise, finished_at, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(kz_exercise, clock_ms, KZ_FT_INT, RO | KZ_FF_NOSTORE, 0, NULL, NULL),
};
SCHEMA(kz_exercise_schema, "exercise", exercise_fields);

static const kz_field player_fields[] = {
    F(kz_exercise_player, role, KZ_FT_STR, KZ_FF_REQUIRED, 64, NULL, NULL),
    F(kz_exercise_player, organization, KZ_FT_STR, KZ_FF_REQUIRED, 36, NULL, kz_valid_uuid),
    F(kz_exercise_player, user, KZ_FT_STR, 0, 36, NULL, kz_valid_uuid),
    F(kz_exercise_player, made, KZ_FT_BOOL, RO, 0, NULL, NULL),
};
SCHEMA(kz_exercise_player_schema, "player", player_fields);

/* ---- the scenario's cross-field rules -------------------------------------------------- */

static const char *const actions[] = {
    "request.send", "request.acknowledge", "request.start", "request.answer", "request.decline",
    "request.message", "incident.create", "check.answer",
};

bool kz_exercise_action_known(const char *action)
{
    for (size_t i = 0; action && i < sizeof actions / sizeof *actions; i++)
        if (strcmp(action, actions[i]) == 0)
            return true;
    return false;
}

const kz_scn_role *kz_scenario_role(const kz_scenario *s, const char *id)
{
    for (size_t i = 0; id && i < s->n_roles; i++)
        if (strcmp(s->roles[i].id, id) == 0)
            return &s->roles[i];
    return NULL;
}

static bool objective_exists(const kz_scenario *s, const char *id)
{
    for (size_t i = 0; i < s->n_objectives; i++)
        if (strcmp(s->objectives[i].id, id) == 0)
            return true;
    return false;
}

static kz_rc fail_at(kz_err *err, const char *list, size_t i, const char *field, const char *why)
{
    char name[64];
    snprintf(name, sizeof name, "%s[%zu].%s", list, i, field);
    return kz_fail(err, KZ_EINVAL, name, "%s", why);
}

static kz_rc check_inject(const kz_scenario *s, size_t i, kz_err *err)
{
    const kz_inject *j = &s->injects[i];
    int triggers = (j->after > 0) + (j->on_action != NULL);
    if (j->n != (int64_t)i + 1)
        return fail_at(err, "injects", i, "n", "injects are numbered 1, 2, ... in order");
    if (j->at_minutes < 0 || j->delay_minutes < 0)
        return fail_at(err, "injects", i, "at_minutes", "an offset is never negative");
    if (triggers > 1 || (triggers && j->at_minutes))
        return fail_at(err, "injects", i, "after", "one trigger only: at_minutes, after or on_action");
    if (j->after && j->after >= j->n)
        return fail_at(err, "injects", i, "after", "must name an earlier inject");
    if (j->on_action && !kz_exercise_action_known(j->on_action))
        return fail_at(err, "injects", i, "on_action", "unknown action");
    if (!kz_scenario_role(s, j->to_role))
        return fail_at(err, "injects", i, "to_role", "no such role in the scenario");
    if (j->from_role && !kz_scenario_role(s, j->from_role))
        return fail_at(err, "injects", i, "from_role", "no such role in the scenario");
    bool from_needed = j->channel == KZ_INJ_REQUEST || j->channel == KZ_INJ_INCIDENT;
    if (from_needed && !j->from_role)
        return fail_at(err, "injects", i, "from_role", "requests and incidents come from a role");
    if (j->channel == KZ_INJ_REQUEST && kz_enum_parse(&kz_request_kind_enum, j->request_kind) < 0)
        return fail_at(err, "injects", i, "request_kind", "a request inject names its kind "
                       "(assistance, mitigation, preservation or information)");
    return KZ_OK;
}

static kz_rc check_expectation(const kz_scenario *s, size_t i, kz_err *err)
{
    const kz_expectation *e = &s->expectations[i];
    const kz_scn_role *r = kz_scenario_role(s, e->role);
    if (!r)
        return fail_at(err, "expectations", i, "role", "no such role in the scenario");
    if (e->objective && !objective_exists(s, e->objective))
        return fail_at(err, "expectations", i, "objective", "no such objective in the scenario");
    if (e->inject < 0 || (size_t)e->inject > s->n_injects)
        return fail_at(err, "expectations", i, "inject", "no such inject in the scenario");
    if (e->deadline_minutes <= 0)
        return fail_at(err, "expectations", i, "deadline_minutes", "a deadline comes after its start");
    bool needs_inject = e->kind == KZ_EXP_REQUEST_ACKNOWLEDGED || e->kind == KZ_EXP_REQUEST_ANSWERED ||
                        e->kind == KZ_EXP_CHECK_ANSWERED;
    if (needs_inject) {
        int want = e->kind == KZ_EXP_CHECK_ANSWERED ? KZ_INJ_CHECK : KZ_INJ_REQUEST;
        if (!e->inject || s->injects[e->inject - 1].channel != want)
            return fail_at(err, "expectations", i, "inject", "names the inject whose request or check is answered");
    }
    bool needs_to = e->kind == KZ_EXP_REQUEST_SENT || e->kind == KZ_EXP_INDICATOR_SHARED;
    if (needs_to && !kz_scenario_role(s, e->to_role))
        return fail_at(err, "expectations", i, "to_role", "no such role in the scenario");
    if (e->kind == KZ_EXP_REQUEST_SENT && kz_enum_parse(&kz_request_kind_enum, e->request_kind) < 0)
        return fail_at(err, "expectations", i, "request_kind", "unknown request kind");
    return KZ_OK;
}

kz_rc kz_scenario_check(const kz_scenario *s, kz_err *err)
{
    for (size_t i = 0; i < s->n_roles; i++)
        for (size_t k = 0; k < i; k++)
            if (strcmp(s->roles[i].id, s->roles[k].id) == 0)
                return fail_at(err, "roles", i, "id", "two roles with one id");
    kz_rc rc = KZ_OK;
    for (size_t i = 0; !rc && i < s->n_injects; i++)
        rc = check_inject(s, i, err);
    for (size_t i = 0; !rc && i < s->n_expectations; i++)
        rc = check_expectation(s, i, err);
    return rc;
}

/* ---- the exercise clock ------------------------------------------------------------------ */

int64_t kz_exclock_at(const kz_exclock_seg *segs, size_t n, kz_time wall)
{
    int64_t ex = 0;
    for (size_t i = 0; i < n && segs[i].wall_from <= wall; i++) {
        kz_time end = segs[i].wall_to && segs[i].wall_to < wall ? segs[i].wall_to : wall;
        ex = segs[i].ex_from + (end - segs[i].wall_from) * segs[i].speed;
    }
    return ex;
}

kz_time kz_exclock_wall(const kz_exclock_seg *segs, size_t n, int64_t ex)
{
    for (size_t i = 0; i < n; i++) {
        const kz_exclock_seg *g = &segs[i];
        if (ex < g->ex_from || g->speed < 1)
            return 0;
        kz_time w = g->wall_from + (ex - g->ex_from + g->speed - 1) / g->speed;
        if (!g->wall_to || w <= g->wall_to)
            return w;
    }
    return 0;
}

/* ---- scoring ------------------------------------------------------------------------------ */

int kz_expect_judge(const kz_expectation *e, int64_t ref_ex, int64_t done_ex, int64_t now_ex,
                    bool finished, int64_t *took_ms)
{
    *took_ms = -1;
    if (ref_ex < 0)  /* its inject never came: nothing could be done in time */
        return finished ? KZ_RES_MISSED : KZ_RES_PENDING;
    int64_t due = ref_ex + e->deadline_minutes * 60000;
    if (done_ex >= 0) {
        *took_ms = done_ex > ref_ex ? done_ex - ref_ex : 0;
        return done_ex <= due ? KZ_RES_MET : KZ_RES_LATE;
    }
    if (e->kind == KZ_EXP_MANUAL)
        return finished ? KZ_RES_MISSED : KZ_RES_PENDING;
    return finished || now_ex > due ? KZ_RES_MISSED : KZ_RES_PENDING;
}

double kz_expect_points(const kz_expectation *e, int result)
{
    double w = e->weight > 0 ? (double)e->weight : 1.0;
    return result == KZ_RES_MET ? w : result == KZ_RES_LATE ? w / 2 : 0.0;
}
