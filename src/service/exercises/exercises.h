/* Table-top exercises (issue 16): runs of a scenario through the real workflow. A run
 * has players in the scenario's roles, its own clock (model/exercise.h: start, pause,
 * resume, speed), injects delivered by the scheduler when their exercise time comes
 * (or early by the facilitator), and marks everything it makes with its id, so that
 * kz_tlp_visible shows those objects to its players only. */
#ifndef KZ_SERVICE_EXERCISES_H
#define KZ_SERVICE_EXERCISES_H

#include "model/exercise.h"
#include "service/core/call.h"
#include "store/exercises/exercises.h"

/* A run as its facilitator and players see it. */
typedef struct kz_exercise_view {
    kz_exercise x;                 /* clock_ms filled */
    kz_scenario scenario;          /* as the run keeps it */
    kz_exercise_player *players;
    size_t n_players;
    kz_inject_delivery *delivered;
    size_t n_delivered;
    kz_exclock_seg *segments;
    size_t n_segments;
} kz_exercise_view;

/* What the control endpoints do. */
typedef enum kz_exercise_op { KZ_XOP_START, KZ_XOP_PAUSE, KZ_XOP_RESUME, KZ_XOP_FINISH, KZ_XOP_COUNT } kz_exercise_op;
extern const kz_enum kz_exercise_op_enum;

/* Creates a run of scenario x->scenario (a built-in id or a stored scenario) at speed
 * x->speed (default 1) facilitated by the caller's organization. players (n may be 0)
 * put organizations (and users) in the scenario's roles; every role left without a
 * player gets an exercise-only organization (made, named after the role and marked
 * "[EXERCISE]") with one contact in the role's contact role, so a scenario can be
 * rehearsed on any node. KZ_EINVAL naming "players[i].role" for a role the scenario
 * lacks, "players[i].organization" for an unknown organization; nothing is written
 * then. Analysts and admins. out is the new run, status scheduled. */
kz_rc kz_svc_exercise_create(kz_call *c, kz_exercise *x, const kz_exercise_player *players, size_t n,
                             kz_exercise_view *out);

/* The run with its scenario, players, deliveries and clock. The facilitating
 * organization, the players and admins. */
kz_rc kz_svc_exercise_get(kz_call *c, const char *id, kz_exercise_view *out);
/* Run id with out->delivered narrowed to the mail notices and news items (news_only: the
 * news) the caller may read: the facilitating organization every one, a player the
 * news of the run and the mail to the roles it plays. Those who take part only: to
 * anyone else (admins included) KZ_ENOTFOUND naming "exercise", as for a run that does
 * not exist. */
kz_rc kz_svc_exercise_messages(kz_call *c, const char *id, bool news_only, kz_exercise_view *out);
kz_rc kz_svc_exercise_list(kz_call *c, const kz_page *pg, kz_exercise_page *out);

/* start (scheduled), pause (running), resume (paused), finish (running or paused);
 * KZ_ECONFLICT naming "status" otherwise. speed > 0 changes the speed on start or
 * resume. Injects due at once are delivered before it returns. The facilitating
 * organization or an admin; audited as exercise.<op>. */
kz_rc kz_svc_exercise_control(kz_call *c, const char *id, kz_exercise_op op, int64_t speed,
                              kz_exercise_view *out);

/* Delivers inject n now, before its time (a running or paused run); KZ_ECONFLICT when
 * it was delivered already. The facilitator. */
kz_rc kz_svc_exercise_trigger(kz_call *c, const char *id, int64_t n, kz_exercise_view *out);

/* An evaluator's mark of expectation `expectation` (manual ones; for automatic ones an
 * override, kept beside what the record says) with a note. The facilitator. */
kz_rc kz_svc_exercise_mark(kz_call *c, const char *id, const char *expectation, int result, const char *note);

/* An observation (owner NULL, due 0) or a corrective action (owner and due date) for
 * the after-action report. The facilitator. */
kz_rc kz_svc_exercise_note(kz_call *c, const char *id, kz_exercise_note *note);

/* Rewrites note->id of run id (its text, owner and due date; with an owner and a due
 * date it is a corrective action, without an observation), as the evaluators revise
 * the report. KZ_ENOTFOUND naming "note" for a note the run lacks. The facilitator. */
kz_rc kz_svc_exercise_note_update(kz_call *c, const char *id, kz_exercise_note *note);

/* Scheduler duty: delivers every inject whose exercise time has come in every running
 * run, dated at the exercise time it was due (never "too old"). Returns how many, or
 * -1 with c->err. */
long kz_svc_exercise_deliver_due(kz_call *c);

/* Fills c->who.exercises with the runs c->who.org plays in or facilitates (called once
 * a caller is authenticated). Best effort: on a store error the viewer plays in none. */
void kz_svc_exercise_viewer(kz_call *c);

/* For the services that create incidents, indicators, requests: the exercise a new
 * object belongs to. *exercise as given by the client (may be NULL): the caller's
 * organization must play in that run and it must be running or paused (KZ_EINVAL
 * naming "exercise" otherwise); when not given and one of the organizations in orgs
 * (the parties or recipients) is an exercise-only organization, that run. Every
 * other organization in orgs must play in the run too ("recipients": no real partner
 * receives exercise material). With id, marks the stored object (table t, id) inside
 * the caller's transaction; with id NULL only sets *exercise, for an object about to
 * be written with its exercise field. */
kz_rc kz_svc_exercise_claim(kz_call *c, kz_exercise_object t, const char *id, char **exercise,
                            const char *const *orgs, size_t n);

/* The runs (running or paused) in which the caller acts as a player, so that what it
 * adds is claimed for them: at most max, in c->who.exercises order, their ids and titles
 * in c's arena. Returns how many. For TAXII's collection of each run. */
size_t kz_svc_exercise_writable(kz_call *c, const char **ids, const char **titles, size_t max);

/* Replaces the players of run id before it starts (the facilitator; 409 naming "status"
 * once started), validated as at creation (400 naming "players[i].role|organization|
 * user"): each role given is played by its players, every other role by an
 * exercise-only organization (the one it had, or a new one); an exercise-only
 * organization whose role is now played leaves the directory. Audited. out: the run. */
kz_rc kz_svc_exercise_players_set(kz_call *c, const char *id, const kz_exercise_player *players, size_t n,
                                  kz_exercise_view *out);

/* Whether the directory shows organization org to the caller: an exercise-only
 * organization only to those taking part in its run (kz_tlp_visible's rule), every
 * other one to everybody. */
bool kz_svc_exercise_org_shown(kz_call *c, const char *org);

/* The banner of run `exercise` in the language (ja or English) for a mail, an export or
 * a screen about one of its objects, in c's arena; "[EXERCISE]" when the run cannot be
 * read. No authorization: the caller has decided the object may be shown. */
const char *kz_svc_exercise_banner(kz_call *c, const char *exercise, bool ja);

#endif
