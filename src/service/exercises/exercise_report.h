/* Scores and the after-action report of an exercise: each expectation judged from the
 * request records, the shared objects, the checks and the audit chain (evaluators' marks
 * for manual ones), per role and objective, with the timeline of injects and actions
 * and the evaluators' observations and corrective actions. */
#ifndef KZ_SERVICE_EXERCISE_REPORT_H
#define KZ_SERVICE_EXERCISE_REPORT_H

#include "model/exercise.h"
#include "service/core/call.h"
#include "service/exercises/exercises.h"

/* The report of run id as of now (drafted while it runs, final once finished), in c's
 * arena; view (may be NULL) receives the run. The facilitator, the players and admins. */
kz_rc kz_svc_exercise_report(kz_call *c, const char *id, kz_exercise_report *out, kz_exercise_view *view);

#endif
