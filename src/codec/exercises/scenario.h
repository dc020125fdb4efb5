/* Scenario JSON (issue 16): decoding a scenario with its lists through the field tables
 * of model/exercise.h and its cross-field rules, encoding it back, and the built-in
 * library compiled into the binary (scenarios/library.json). */
#ifndef KZ_CODEC_SCENARIO_H
#define KZ_CODEC_SCENARIO_H

#include "model/exercise.h"
#include "util/arena.h"
#include "util/error.h"

#include <stddef.h>

enum { KZ_SCENARIO_TEXT_MAX = 1 << 20 };  /* bytes of one scenario's JSON */

/* Decodes one scenario object from text (len bytes) into out; every string, list and
 * out->body (the canonical JSON text) live in a. Checks the field tables and
 * kz_scenario_check. KZ_EINVAL naming the field ("injects[1].at_minutes") or the
 * line and column of a syntax error; out may then be partly written. */
kz_rc kz_scenario_decode(const char *text, size_t len, kz_arena *a, kz_scenario *out, kz_err *err);

/* The built-in library: every scenario of the compiled-in JSON array, decoded into a
 * (builtin set). The library is checked by the unit tests, so an error here is a
 * broken build. */
kz_rc kz_scenario_library(kz_arena *a, kz_scenario **items, size_t *n, kz_err *err);

#endif
