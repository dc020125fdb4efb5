/* Origin routing of events, the use cases around the tally (engine/tally.h, which
 * counts events and distinct addresses per responsible state and AS): resolving host
 * names when the caller allows it, and the draft requests to the responsible states
 * (kizuna route --db). */
#ifndef KZ_SERVICE_ROUTE_H
#define KZ_SERVICE_ROUTE_H

#include "model/field.h"
#include "service/core/call.h"
#include "engine/tally.h"
#include "service/routing/geo.h"
#include "util/arena.h"
#include "util/clock.h"

/* Host names resolved with the system resolver, once per distinct name (a cache that
 * grows with the distinct names). One kz_resolver belongs to one thread. */
typedef struct kz_resolver kz_resolver;
/* A new, empty cache (NULL when out of memory); free with kz_resolver_free. */
kz_resolver *kz_resolver_new(void);
void kz_resolver_free(kz_resolver *r);
/* true and *ip (the first address) when host (canonical name) resolves; asked of the
 * system only the first time a name comes. false also when out of memory. */
bool kz_resolver_lookup(kz_resolver *r, const char *host, kz_ip *ip);

/* --- Drafts for the responsible states (kizuna route --db) --------------------------- */

typedef struct kz_route_notify {
    int tlp;                 /* kz_tlp of the drafts */
    int urgency;             /* kz_urgency */
    const char *activity;    /* what was observed, in the sender's words */
    kz_strlist actions;      /* mitigation actions asked (kz_mitigation_action_enum) */
    const char *inputs;      /* the input files, for the evidence field */
    const char *attribution; /* of the routing data */
    uint64_t min_events;     /* states with fewer events get no draft */
} kz_route_notify;

/* What happened for one state. */
typedef struct kz_route_notice {
    char cc[3];
    const char *state_name;
    uint64_t events, addresses;
    const char *request_id;    /* the draft, or NULL when skipped */
    const char *organization, *contact_name, *contact_role;  /* the addressee */
    const char *skipped;       /* why no draft, or NULL */
} kz_route_notice;

/* Creates, from the caller's organization, one draft mitigation request per state of s
 * (those with at least o->min_events events, except the caller's own state), addressed
 * to the state's CSIRT point of contact (else its technical one), with the ASNs and
 * busiest addresses as sources and every address with its event count as a CSV
 * attachment (t must have been made with detail). States without such a contact are
 * reported in *out with the reason and get no draft. The addressees are all looked up
 * before the first draft is written. *out lives in c's arena. Analysts and admins. */
kz_rc kz_svc_route_notify(kz_call *c, kz_tally *t, const kz_tally_summary *s, const kz_route_notify *o,
                          kz_route_notice **out, size_t *n);

#endif
