/* Shared by the files of service/exercises/ only: loading a run, its roles'
 * organizations, its clock, and delivering an inject. */
#ifndef KZ_SERVICE_EXERCISES_INTERNAL_H
#define KZ_SERVICE_EXERCISES_INTERNAL_H

#include "service/exercises/exercises.h"

/* Loads run id with its scenario, players, deliveries and segments (no authorization)
 * and sets v->x.clock_ms to the exercise time now. KZ_ENOTFOUND naming "exercise". */
kz_rc kz__exercise_load(kz_call *c, const char *id, kz_exercise_view *v);

/* The organization playing role (the first player in it), or NULL. */
const char *kz__exercise_org(const kz_exercise_view *v, const char *role);

/* Exercise time (ms) of run v at wall time t. */
int64_t kz__exercise_clock(const kz_exercise_view *v, kz_time t);

/* The delivery of inject n, or NULL when it has not come. */
const kz_inject_delivery *kz__exercise_delivered(const kz_exercise_view *v, int64_t n);

/* The exercise time inject j is due at, or -1 while its trigger has not happened. */
int64_t kz__exercise_due(kz_call *c, const kz_exercise_view *v, const kz_inject *j);

/* Delivers inject j of run v through its channel as its from_role (or the facilitator),
 * dated ex_at, and records the delivery (appended to v->delivered, in c's arena). Inside
 * the caller's write transaction. */
kz_rc kz__exercise_deliver(kz_call *c, kz_exercise_view *v, const kz_inject *j, int64_t ex_at, bool early);

/* Delivers every inject of v that is due at its clock now. Returns how many, or -1. */
long kz__exercise_deliver_due(kz_call *c, kz_exercise_view *v);

#endif
