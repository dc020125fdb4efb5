/* Persistence of the victims behind the matcher's sightings, and their distinct counts
 * per period. Rows belong to the observing organization; counts only ever cover rows
 * and indicators (and incidents, for class and sector) that the viewer may see,
 * filtered inside SQL by kz_visible. */
#ifndef KZ_STORE_VICTIMS_H
#define KZ_STORE_VICTIMS_H

#include "model/telemetry.h"
#include "store/core/store.h"
#include "util/arena.h"

#include <stdint.h>

enum { KZ_VICTIM_KEY_BYTES = 16 };

/* One victim seen on one day through one indicator. */
typedef struct kz_victim_row {
    const char *indicator;                    /* indicator id */
    int64_t day;                              /* days since 1970-01-01, UTC */
    unsigned char victim[KZ_VICTIM_KEY_BYTES]; /* keyed hash of the victim key */
} kz_victim_row;

/* Records rows for observer; rows already there are left alone. *added counts the new
 * ones. Runs inside the caller's write transaction. */
kz_rc kz_store_victims_add(kz_db *db, const char *observer, const kz_victim_row *rows, size_t n,
                           size_t *added, kz_err *err);

/* Distinct victims per period start (a day number) and group, days in [from, to). group
 * is NULL for KZ_VICTIMS_TOTAL and for victims whose indicators have no (visible)
 * incident with that attribute. Ordered by start, then group. */
typedef struct kz_victim_count {
    int64_t start;
    char *group;
    int64_t victims;
} kz_victim_count;

kz_rc kz_store_victim_counts(kz_db *db, const kz_viewer *v, kz_period period, kz_victim_dim by,
                             int64_t from, int64_t to, kz_arena *a, kz_victim_count **out,
                             size_t *n, kz_err *err);

/* The distinct victims the viewer may count behind the indicators of one incident, and
 * the first and last day they were seen (0 when none). */
kz_rc kz_store_incident_victims(kz_db *db, const kz_viewer *v, const char *incident, int64_t *victims,
                                int64_t *first_day, int64_t *last_day, kz_err *err);

#endif
