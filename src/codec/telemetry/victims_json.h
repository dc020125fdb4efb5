/* The victim statistics in the forms reports use: JSON (the API and `--format json`)
 * and an SVG line chart, one line per group over the periods. */
#ifndef KZ_CODEC_VICTIMS_JSON_H
#define KZ_CODEC_VICTIMS_JSON_H

#include "model/telemetry.h"
#include "util/buf.h"

#include <jansson.h>

/* {"period": "month", "by": "class", "rows": [{"period": "2026-05", "start":
 * "2026-05-01", "group": "fraud", "victims": 6, "previous": 2, "change_pct": 200.0}]}
 * (previous and change_pct null when there is nothing to compare with). New reference;
 * NULL when out of memory. */
json_t *kz_victim_stats_json(const kz_victim_query *q, const kz_victim_stat *v, size_t n);

/* The chart, appended to out. KZ_EINVAL when there are no rows. */
kz_rc kz_victim_stats_svg(kz_buf *out, const kz_victim_query *q, const kz_victim_stat *v, size_t n);

#endif
