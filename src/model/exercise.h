/* Table-top exercises (issue 16): scenarios with their objectives, roles, injects and
 * expectations; runs of a scenario (an exercise) with their players; the exercise clock
 * (segments of wall time at a speed) and the scoring of one expectation. Pure data and
 * pure functions: the store keeps them, the service runs them. */
#ifndef KZ_MODEL_EXERCISE_H
#define KZ_MODEL_EXERCISE_H

#include "model/field.h"
#include "util/clock.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Through which channel of the real workflow an inject reaches its role. */
typedef enum kz_inject_channel {
    KZ_INJ_REQUEST,   /* an incoming request of request_kind from from_role */
    KZ_INJ_INCIDENT,  /* an incident and its indicators shared by from_role */
    KZ_INJ_CHECK,     /* a communication check of to_role (answered through the API) */
    KZ_INJ_MAIL,      /* a mail notice to to_role */
    KZ_INJ_NEWS,      /* a news item shown in the exercise */
    KZ_INJ_COUNT
} kz_inject_channel;
extern const kz_enum kz_inject_channel_enum;

/* What an expectation asks of the players; automatic ones are read from the request
 * records, the shared objects and the audit chain, manual ones an evaluator marks. */
typedef enum kz_expect_kind {
    KZ_EXP_REQUEST_ACKNOWLEDGED, /* the request of `inject` acknowledged by role */
    KZ_EXP_REQUEST_ANSWERED,     /* the request of `inject` answered by role */
    KZ_EXP_REQUEST_SENT,         /* role sends a request of request_kind to to_role */
    KZ_EXP_INDICATOR_SHARED,     /* role shares an indicator at tlp naming to_role */
    KZ_EXP_CHECK_ANSWERED,       /* role answers the check of `inject` */
    KZ_EXP_MANUAL,               /* an evaluator marks it, with a note */
    KZ_EXP_COUNT
} kz_expect_kind;
extern const kz_enum kz_expect_kind_enum;

typedef enum kz_exercise_status {
    KZ_EX_SCHEDULED, KZ_EX_RUNNING, KZ_EX_PAUSED, KZ_EX_FINISHED, KZ_EX_STATUS_COUNT
} kz_exercise_status;
extern const kz_enum kz_exercise_status_enum;

/* The result of one expectation. Pending: not done yet and its deadline not past while
 * the run goes on. Late: done after the deadline. Missed: past the deadline undone
 * (automatic ones at the deadline, not only at the end: nothing waits "for validation"). */
typedef enum kz_expect_result {
    KZ_RES_PENDING, KZ_RES_MET, KZ_RES_LATE, KZ_RES_MISSED, KZ_RES_COUNT
} kz_expect_result;
extern const kz_enum kz_expect_result_enum;

typedef struct kz_scn_objective {
    char *id;
    char *title, *title_ja;
    kz_strlist norms;            /* ids of the norms catalogue (GET /api/v1/norms), CBMs */
    kz_strlist capabilities;
} kz_scn_objective;
extern const kz_schema kz_scn_objective_schema;

/* A role to be played: an organization kind and the contact role acting for it. */
typedef struct kz_scn_role {
    char *id;                    /* "victim-csirt" */
    char *name, *name_ja;
    int org_kind;                /* kz_org_kind */
    int contact_role;            /* kz_contact_role */
    char *state;                 /* ISO 3166-1 of the organization made for a rehearsal */
    bool played;                 /* false: a role the injects speak for (simulated) */
} kz_scn_role;
extern const kz_schema kz_scn_role_schema;

/* An inject. Exactly one trigger: at_minutes from the start (the default), after
 * inject `after` was delivered, or on_action: the first audit event of that action
 * ("request.acknowledge") by a player on a request, incident or check of the run; each
 * plus delay_minutes. */
typedef struct kz_inject {
    int64_t n;                   /* 1, 2, ... in the scenario's order */
    int64_t at_minutes;
    int64_t after;               /* 0: none */
    char *on_action;
    int64_t delay_minutes;
    int channel;                 /* kz_inject_channel */
    char *request_kind;          /* KZ_INJ_REQUEST: kz_request_kind name */
    char *from_role, *to_role;
    int tlp;                     /* kz_tlp of what it creates */
    char *title, *title_ja;
    char *text, *text_ja;
    kz_strlist indicators;       /* KZ_INJ_INCIDENT: "type:value" */
    struct kz_request *request;  /* KZ_INJ_REQUEST: the kind's own fields (model/request.h),
                                    decoded beside the table ("request" object); NULL */
} kz_inject;
extern const kz_schema kz_inject_schema;

typedef struct kz_expectation {
    char *id;
    char *title, *title_ja;
    int kind;                    /* kz_expect_kind */
    char *role;                  /* the played role that must act */
    char *objective;             /* kz_scn_objective.id */
    int64_t inject;              /* the inject it answers (its delivery starts the
                                    clock of the deadline); 0: the run's start */
    int64_t deadline_minutes;    /* exercise time after that reference */
    int64_t weight;              /* 1..100, default 1 */
    char *request_kind;          /* KZ_EXP_REQUEST_SENT */
    char *to_role;               /* KZ_EXP_REQUEST_SENT, KZ_EXP_INDICATOR_SHARED */
    int tlp;                     /* KZ_EXP_INDICATOR_SHARED: the label it must carry */
    bool complete;               /* KZ_EXP_REQUEST_SENT of preservation: all six
                                    elements of Art. 29(2) a-f given */
    bool with_indicators;        /* KZ_EXP_REQUEST_SENT: indicators attached */
} kz_expectation;
extern const kz_schema kz_expectation_schema;

typedef struct kz_scenario {
    char *id;
    kz_time created, modified;
    char *organization;          /* who wrote it; NULL for the built-in library */
    char *title, *title_ja;
    char *summary, *summary_ja;
    kz_strlist languages;
    char *banner, *banner_ja;    /* shown on every screen, mail and export of a run */
    bool builtin;
    kz_scn_objective *objectives; size_t n_objectives;
    kz_scn_role *roles;           size_t n_roles;
    kz_inject *injects;           size_t n_injects;
    kz_expectation *expectations; size_t n_expectations;
    char *body;                   /* the JSON it was decoded from, as a run keeps it */
} kz_scenario;
/* The scalar fields of a scenario (the lists are decoded beside them). */
extern const kz_schema kz_scenario_schema;

enum {
    KZ_SCN_MAX_ITEMS = 200,          /* objectives, roles, injects or expectations */
    KZ_SCN_MAX_MINUTES = 60 * 24 * 60, /* sixty days of exercise time */
    KZ_SPEED_MAX = 10000,
};

/* Checks what the field tables cannot: injects numbered 1..n in order, one trigger
 * each, no negative offset, `after` naming an earlier inject, roles and objectives
 * that exist, expectation kinds with what they need, a known action. KZ_EINVAL naming
 * the field ("injects[2].after") on the first problem. */
kz_rc kz_scenario_check(const kz_scenario *s, kz_err *err);

/* The role called id, or NULL. */
const kz_scn_role *kz_scenario_role(const kz_scenario *s, const char *id);

/* Is action one that on_action may name (audit actions players cause)? */
bool kz_exercise_action_known(const char *action);

/* A run of a scenario. */
typedef struct kz_exercise {
    char *id;
    kz_time created, modified;
    char *scenario;              /* its id; the scenario as it was is kept with the run */
    char *title;
    char *organization;          /* the facilitating organization */
    int status;                  /* kz_exercise_status */
    int64_t speed;               /* exercise minutes per wall minute, 1..KZ_SPEED_MAX */
    kz_time started_at, finished_at;
    int64_t clock_ms;            /* exercise time now (computed when read) */
    double score;                /* computed when read: 0..100 */
} kz_exercise;
extern const kz_schema kz_exercise_schema;

/* A player: an organization (and optionally one user of it) in a role. made: an
 * exercise-only organization the run created because no player was given. */
typedef struct kz_exercise_player {
    char *role;
    char *organization;
    char *user;
    bool made;
} kz_exercise_player;
extern const kz_schema kz_exercise_player_schema;

/* ---- the exercise clock --------------------------------------------------------------- */

/* One stretch of running: from wall time wall_from (to wall_to, 0 while it lasts) the
 * exercise time goes from ex_from at speed exercise ms per wall ms. A run's clock is
 * the list of its segments, one per start or resume; pauses are the gaps. */
typedef struct kz_exclock_seg {
    kz_time wall_from, wall_to;
    int64_t ex_from;
    int64_t speed;
} kz_exclock_seg;

/* Exercise time (ms) at wall time `wall`: deterministic from the segments alone, so a
 * run can be replayed. 0 before the first segment; during a pause the time where the
 * last segment ended. Pure. */
int64_t kz_exclock_at(const kz_exclock_seg *segs, size_t n, kz_time wall);

/* The wall time at which exercise time ex is (or was) reached, or 0 when the clock has
 * not reached it (before it, or paused short of it). Pure. */
kz_time kz_exclock_wall(const kz_exclock_seg *segs, size_t n, int64_t ex);

/* ---- scoring -------------------------------------------------------------------------- */

/* One expectation judged from when it was done. ref_ex: exercise time of the reference
 * (the inject's delivery or 0), -1 when that inject has not come yet; done_ex: exercise
 * time when done, -1 when not; now_ex the clock now; finished: the run ended.
 * *took_ms: done_ex - ref_ex when done, else -1. Pure. */
int kz_expect_judge(const kz_expectation *e, int64_t ref_ex, int64_t done_ex, int64_t now_ex,
                    bool finished, int64_t *took_ms);

/* Points a result earns out of the expectation's weight: all when met, half when late,
 * none when missed or pending. */
double kz_expect_points(const kz_expectation *e, int result);

/* ---- the after-action report ---------------------------------------------------------- */

typedef struct kz_expect_score {
    const kz_expectation *e;
    int result;                  /* kz_expect_result */
    int64_t due_ex;              /* exercise ms of the deadline, -1 while its inject has not come */
    int64_t done_ex;             /* exercise ms when done, -1 */
    int64_t took_ms;             /* from its reference to done, -1 */
    bool marked;                 /* an evaluator's mark decided it */
    const char *note;            /* the evaluator's note */
    double points;
} kz_expect_score;

/* The score of a role or an objective. */
typedef struct kz_group_score {
    const char *id;
    const char *title, *title_ja;
    double points, possible;
    size_t met, late, missed, pending;
} kz_group_score;

/* One line of the timeline: an inject delivered or an action of a player. */
typedef struct kz_timeline_item {
    int64_t ex_ms;
    kz_time at;
    const char *kind;            /* "inject" or "action" */
    int64_t inject;              /* for injects */
    const char *title, *title_ja;
    const char *action;          /* for actions: the audit action */
    const char *organization;    /* who acted (actions) or to whom it went (injects) */
    const char *object_type, *object_id;
    bool early;
} kz_timeline_item;

/* An observation or corrective action (store/exercises/exercises.h kz_exercise_note mirrors it). */
typedef struct kz_report_note {
    const char *id, *kind, *text, *owner, *author;
    kz_time created, due;
} kz_report_note;

typedef struct kz_exercise_report {
    const kz_exercise *x;
    const kz_scenario *scenario;
    double score;                /* 0..100 */
    kz_expect_score *scores;     size_t n_scores;
    kz_group_score *roles;       size_t n_roles;
    kz_group_score *objectives;  size_t n_objectives;
    kz_timeline_item *timeline;  size_t n_timeline;
    kz_report_note *notes;       size_t n_notes;
} kz_exercise_report;

#endif
