/* Persistence of table-top exercises: scenarios (their JSON), runs, players, the clock's
 * segments, delivered injects, evaluators' marks and notes, the exercise mark on the
 * objects a run makes, and the facts expectations are judged from. Never decides who
 * may do what (service/exercises/). Strings returned live in the caller's arena. */
#ifndef KZ_STORE_EXERCISES_H
#define KZ_STORE_EXERCISES_H

#include "model/exercise.h"
#include "model/page.h"
#include "store/core/store.h"
#include "util/arena.h"

typedef KZ_PAGE_OF(kz_exercise) kz_exercise_page;

/* A scenario as stored: its JSON text (codec/exercises/scenario.h decodes it). */
typedef struct kz_scenario_row {
    char *id;
    kz_time created, modified;
    char *organization;
    char *title;
    char *body;
} kz_scenario_row;
typedef KZ_PAGE_OF(kz_scenario_row) kz_scenario_page;

/* An inject as it was delivered. */
typedef struct kz_inject_delivery {
    int64_t n;
    kz_time delivered_at;       /* wall time */
    int64_t ex_at;              /* exercise time (ms) */
    bool early;                 /* triggered by the facilitator before its time */
    char *object_type;          /* "request", "incident", "check" or NULL (mail, news) */
    char *object_id;
} kz_inject_delivery;

/* An evaluator's mark of an expectation (manual ones, or an override with a note). */
typedef struct kz_exercise_mark {
    char *expectation;
    int result;                 /* kz_expect_result */
    int64_t ex_at;
    char *note;
    char *by_org;
    kz_time at;
} kz_exercise_mark;

/* An evaluator's observation or a corrective action (owner and due date) of the
 * after-action report. */
typedef struct kz_exercise_note {
    char *id;
    kz_time created;
    char *kind;                 /* "observation" or "action" */
    char *text;
    char *owner;
    kz_time due;
    char *author;
} kz_exercise_note;

/* Which table an exercise mark goes on. */
typedef enum kz_exercise_object {
    KZ_XO_INCIDENT, KZ_XO_INDICATOR, KZ_XO_REQUEST, KZ_XO_CHECK, KZ_XO_SIGHTING, KZ_XO_COUNT
} kz_exercise_object;

kz_rc kz_store_scenario_insert(kz_db *db, const kz_scenario_row *s, kz_err *err);
kz_rc kz_store_scenario_get(kz_db *db, const char *id, kz_arena *a, kz_scenario_row *out, kz_err *err);
kz_rc kz_store_scenario_list(kz_db *db, const kz_page *pg, kz_arena *a, kz_scenario_page *out, kz_err *err);

/* body: the scenario's JSON as the run keeps it. */
kz_rc kz_store_exercise_insert(kz_db *db, const kz_exercise *x, const char *body, kz_err *err);
/* Writes status, speed, started_at, finished_at and modified. */
kz_rc kz_store_exercise_update(kz_db *db, const kz_exercise *x, kz_err *err);
/* body may be NULL when the scenario's text is not wanted. */
kz_rc kz_store_exercise_get(kz_db *db, const char *id, kz_arena *a, kz_exercise *out, char **body, kz_err *err);
kz_rc kz_store_exercise_list(kz_db *db, const kz_page *pg, kz_arena *a, kz_exercise_page *out, kz_err *err);
/* Ids of the runs that are running (at most max). */
kz_rc kz_store_exercises_running(kz_db *db, size_t max, kz_arena *a, kz_strlist *out, kz_err *err);

/* Whether org is an exercise-only organization (made by a run for a role). */
kz_rc kz_store_org_exercise_only(kz_db *db, const char *org, bool *only, kz_err *err);

/* Whether the node has any run at all (an importer skips the exercise rules when not). */
kz_rc kz_store_exercises_exist(kz_db *db, bool *any, kz_err *err);

kz_rc kz_store_exercise_player_add(kz_db *db, const char *exercise, const kz_exercise_player *p, kz_err *err);
/* Takes player p out of run exercise; an exercise-only organization (p->made) leaves the
 * directory with its contacts too (it made nothing: the run has not started). */
kz_rc kz_store_exercise_player_drop(kz_db *db, const char *exercise, const kz_exercise_player *p, kz_err *err);
kz_rc kz_store_exercise_players(kz_db *db, const char *exercise, kz_arena *a, kz_exercise_player **items,
                                size_t *n, kz_err *err);
/* The exercises org plays in or facilitates (for the viewer: kz_viewer.exercises). */
kz_rc kz_store_exercises_of_org(kz_db *db, const char *org, kz_arena *a, kz_strlist *out, kz_err *err);
/* The same for a caller of org signed in as user (NULL: an API key): the runs org
 * facilitates, and those it plays in where its player is not assigned to another user. */
kz_rc kz_store_exercises_of_caller(kz_db *db, const char *org, const char *user, kz_arena *a, kz_strlist *out,
                                   kz_err *err);

kz_rc kz_store_exercise_segments(kz_db *db, const char *exercise, kz_arena *a, kz_exclock_seg **items,
                                 size_t *n, kz_err *err);
/* Opens a segment (start, resume) or closes the open one at wall (pause, finish). */
kz_rc kz_store_exercise_segment_open(kz_db *db, const char *exercise, const kz_exclock_seg *g, kz_err *err);
kz_rc kz_store_exercise_segment_close(kz_db *db, const char *exercise, kz_time wall, kz_err *err);

/* KZ_ECONFLICT when inject n of the run was delivered already. */
kz_rc kz_store_exercise_inject_put(kz_db *db, const char *exercise, const kz_inject_delivery *d, kz_err *err);
/* Delivered injects, in the order of delivery. */
kz_rc kz_store_exercise_injects(kz_db *db, const char *exercise, kz_arena *a, kz_inject_delivery **items,
                                size_t *n, kz_err *err);

/* Replaces the mark of one expectation. */
kz_rc kz_store_exercise_mark_put(kz_db *db, const char *exercise, const kz_exercise_mark *m, kz_err *err);
kz_rc kz_store_exercise_marks(kz_db *db, const char *exercise, kz_arena *a, kz_exercise_mark **items,
                              size_t *n, kz_err *err);

kz_rc kz_store_exercise_note_insert(kz_db *db, const char *exercise, const kz_exercise_note *x, kz_err *err);
/* Rewrites the kind, text, owner and due date of note x->id of run exercise;
 * KZ_ENOTFOUND naming "note" when the run has no such note. */
kz_rc kz_store_exercise_note_update(kz_db *db, const char *exercise, const kz_exercise_note *x, kz_err *err);
kz_rc kz_store_exercise_notes(kz_db *db, const char *exercise, kz_arena *a, kz_exercise_note **items,
                              size_t *n, kz_err *err);

/* Marks object id of table t as made in exercise (inside the creating transaction). */
kz_rc kz_store_exercise_claim(kz_db *db, kz_exercise_object t, const char *id, const char *exercise,
                              kz_err *err);

/* ---- the facts expectations are judged from (wall times, 0 when none) ------------------ */

/* When request id was acknowledged and answered. */
kz_rc kz_store_exercise_request_times(kz_db *db, const char *id, kz_time *acknowledged, kz_time *answered,
                                      kz_err *err);
/* The first request of the run sent from from_org to to_org of kind; complete: all
 * six preservation elements given; with_indicators: indicators linked. */
kz_rc kz_store_exercise_request_sent(kz_db *db, const char *exercise, const char *kind, const char *from_org,
                                     const char *to_org, bool complete, bool with_indicators, kz_time *at,
                                     kz_err *err);
/* The first indicator of the run from source at tlp that names recipient. */
kz_rc kz_store_exercise_indicator_shared(kz_db *db, const char *exercise, const char *source, const char *tlp,
                                         const char *recipient, kz_time *at, kz_err *err);
/* When a contact of org answered check id. */
kz_rc kz_store_exercise_check_answered(kz_db *db, const char *check_id, const char *org, kz_time *at,
                                       kz_err *err);
/* The first audit event `action` on a request or incident of the run, by one of its
 * players' organizations. */
kz_rc kz_store_exercise_first_action(kz_db *db, const char *exercise, const char *action, kz_time *at,
                                     kz_err *err);

/* A run's actions from the audit chain, in order: what players did on the run's
 * requests and incidents (for the report's timeline). */
typedef struct kz_exercise_action {
    kz_time at;
    char *actor_org;
    char *action;
    char *object_type;
    char *object_id;
} kz_exercise_action;
kz_rc kz_store_exercise_actions(kz_db *db, const char *exercise, size_t max, kz_arena *a,
                                kz_exercise_action **items, size_t *n, kz_err *err);

#endif
