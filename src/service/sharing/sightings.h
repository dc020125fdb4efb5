/* Use cases of sightings: one report, a batch from the telemetry matcher, and their
 * sums (svc_sightings.c); the sharing rules they follow are in sharing.h. */
#ifndef KZ_SERVICE_SIGHTINGS_H
#define KZ_SERVICE_SIGHTINGS_H

#include "service/core/call.h"
#include "store/sharing/sharing.h"

/* Records that an indicator the caller may see was seen. observer defaults to the
 * caller's organization; count must be at least 1; first/last_seen default to now; the
 * indicator's source is always added to the recipients, so the source learns that its
 * indicator was seen. Reporting the same (indicator, observer, first_seen, last_seen)
 * again replaces the count. */
kz_rc kz_svc_sighting_add(kz_call *c, kz_sighting *s, kz_upsert *result);
/* The same for many reports (the telemetry matcher), all or nothing, audited as one
 * "sighting.record" event. On KZ_EINVAL, *failed is the index of the bad report. */
kz_rc kz_svc_sightings_record(kz_call *c, kz_sighting *items, size_t n, size_t *failed);
/* Sums per observer of the sightings of one indicator the caller may see. */
kz_rc kz_svc_sighting_sums_by_observer(kz_call *c, const char *indicator, kz_time since, kz_time until,
                                       kz_sighting_sum **items, size_t *n, kz_sighting_sum *total);
/* Sums per indicator (of one observer, or every observer when NULL). */
kz_rc kz_svc_sighting_sums_by_indicator(kz_call *c, const char *observer, kz_time since, kz_time until,
                                        const kz_page *pg, kz_sighting_sum_page *out);

#endif
