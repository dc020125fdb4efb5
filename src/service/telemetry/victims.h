/* The victims behind the matcher's sightings, and the statistics the speech quotes:
 * distinct victims per day, week, month, quarter, half-year or year, in total or per
 * incident class, sector, indicator source or type, with the change against the
 * previous period ("2.97 million users, +60% on the previous half-year").
 *
 * A victim is the source address or user name of a matching log line; it is stored
 * only as a keyed hash (kz_victim_key), enough to count distinct victims over any
 * period and never enough to say who they are. Rows stay with the organization that
 * observed them, and every count covers only indicators (and incidents) the caller may
 * see under TLP. */
#ifndef KZ_SERVICE_VICTIMS_H
#define KZ_SERVICE_VICTIMS_H

#include "service/core/call.h"
#include "store/telemetry/victims.h"
#include "util/clock.h"

/* The keyed hash of a victim key under the node's victim key (from its key file). */
void kz_victim_key(const kz_node *node, const char *v, size_t n,
                   unsigned char out[KZ_VICTIM_KEY_BYTES]);

/* Records rows observed by the caller's organization, in one transaction, audited as
 * one "match.victims" event. Analysts and admins. */
kz_rc kz_svc_victims_record(kz_call *c, const kz_victim_row *rows, size_t n, size_t *added);

/* The statistics, oldest period first. KZ_EINVAL naming "since" or "until" for dates
 * that do not parse. Any authenticated caller; rows live in c->arena. */
kz_rc kz_svc_victim_stats(kz_call *c, const kz_victim_query *q, kz_victim_stat **rows, size_t *n);

#endif
