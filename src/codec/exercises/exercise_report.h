/* The after-action report of an exercise as JSON and as a printable HTML page (every
 * text escaped, no scripts, no external resources), and a run's scenario as JSON. */
#ifndef KZ_CODEC_EXERCISE_REPORT_H
#define KZ_CODEC_EXERCISE_REPORT_H

#include "model/exercise.h"
#include "util/buf.h"

#include <jansson.h>

/* A new reference (caller json_decref's it), NULL on ENOMEM. */
json_t *kz_scenario_json(const kz_scenario *s);
json_t *kz_exercise_report_json(const kz_exercise_report *r);

/* Appends the page to out; lang "ja" puts the Japanese texts first where there are. */
kz_rc kz_exercise_report_html(const kz_exercise_report *r, const char *lang, kz_buf *out);

#endif
