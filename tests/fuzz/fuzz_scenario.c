/* Fuzz target: the scenario JSON of POST /api/v1/scenarios (codec/exercises/scenario.h). What
 * decodes must decode again from its canonical text to the same lists, and encode. */
#include "fuzz_target.h"
#include "codec/exercises/exercise_report.h"
#include "codec/exercises/scenario.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kz_arena a;
    kz_arena_init(&a);
    kz_err e;
    kz_scenario s, back;
    if (kz_scenario_decode((const char *)data, size, &a, &s, &e) == KZ_OK) {
        if (kz_scenario_decode(s.body, strlen(s.body), &a, &back, &e) != KZ_OK)
            abort();
        if (back.n_injects != s.n_injects || back.n_roles != s.n_roles ||
            back.n_expectations != s.n_expectations || back.n_objectives != s.n_objectives)
            abort();
        json_t *j = kz_scenario_json(&s);
        if (!j)
            abort();
        json_decref(j);
    } else if (!e.msg[0]) {
        abort();  /* a refusal always says why */
    }
    kz_arena_free(&a);
    return 0;
}
