/* Exercise scenarios: the built-in library (compiled in, EN and JA) and the scenarios
 * organizations write (POST /api/v1/scenarios), decoded and checked by codec/exercises/scenario.h. */
#ifndef KZ_SERVICE_SCENARIOS_H
#define KZ_SERVICE_SCENARIOS_H

#include "model/exercise.h"
#include "service/core/call.h"

enum { KZ_SCENARIOS_LISTED = 200 };  /* stored scenarios listed after the library */

/* The library, then up to KZ_SCENARIOS_LISTED stored scenarios, in c's arena. Any member. */
kz_rc kz_svc_scenario_list(kz_call *c, kz_scenario **items, size_t *n);

/* One scenario by id (library first). KZ_ENOTFOUND naming "scenario". Any member. */
kz_rc kz_svc_scenario_get(kz_call *c, const char *id, kz_scenario *out);

/* Stores a scenario from its JSON text: decoded and checked (KZ_EINVAL naming the
 * field, nothing written), given a new id unless it names an unused one (a built-in id
 * is refused: KZ_ECONFLICT), owned by the caller's organization, audited as
 * scenario.create. Analysts and admins. */
kz_rc kz_svc_scenario_create(kz_call *c, const char *text, size_t len, kz_scenario *out);

#endif
