/* Origin routing of events: counting events and distinct addresses per responsible
 * state (the country the address is registered in) and per AS, and resolving host
 * names when the caller allows it. `kizuna route` feeds it the looked-up addresses of
 * its input in batches and prints the summary. Memory grows with the distinct
 * addresses, not with the events. One kz_route belongs to one thread. */
#ifndef KZ_SERVICE_ROUTE_H
#define KZ_SERVICE_ROUTE_H

#include "model/field.h"
#include "service/core/call.h"
#include "service/routing/geo.h"
#include "util/arena.h"
#include "util/clock.h"

typedef struct kz_route kz_route;

/* A new, empty tally (NULL when out of memory); free with kz_route_free. With detail,
 * it also keeps each distinct address's event count, for kz_route_addresses. */
kz_route *kz_route_new(bool detail);
void kz_route_free(kz_route *r);

/* Counts n events with addresses ips[i] that resolved to hits[i], at times[i] (ms; 0
 * when unknown; times may be NULL). KZ_ENOMEM. */
kz_rc kz_route_add(kz_route *r, const kz_ip *ips, const kz_geo_hit *hits, const kz_time *times,
                   size_t n);

/* Counts an event that named only a host name, not resolved (or, with --resolve,
 * resolved: the event is then also counted by kz_route_add with its address). */
void kz_route_add_unresolved(kz_route *r);
void kz_route_add_resolved(kz_route *r);

/* Resolves host (canonical name) with the system resolver, once per distinct name:
 * true and *ip (the first address) when it resolves. */
bool kz_route_resolve(kz_route *r, const char *host, kz_ip *ip);

typedef struct kz_route_asn {
    uint32_t asn;
    const char *org;
    uint64_t events, addresses;
} kz_route_asn;

typedef struct kz_route_country {
    char cc[3];             /* "" for addresses the routing data does not cover */
    const char *name;       /* ISO 3166-1 name, or the code when unknown to it */
    uint64_t events, addresses;
    kz_time first, last;    /* of the events that had a time; 0 when none did */
    size_t nasns;           /* ASNs seen in this country */
    kz_route_asn *asns;     /* all of them, most events first */
} kz_route_country;

typedef struct kz_route_summary {
    uint64_t events;        /* with an address, covered or not */
    uint64_t addresses;     /* distinct */
    uint64_t unresolved;    /* host names not resolved */
    uint64_t resolved;      /* host names resolved (--resolve) */
    size_t ncountries;
    kz_route_country *countries;  /* most events first; the uncovered ones last */
} kz_route_summary;

/* The tally so far, in a; the organization names point into r (valid until
 * kz_route_free). KZ_ENOMEM. */
kz_rc kz_route_summarize(kz_route *r, kz_arena *a, kz_route_summary *out);

/* One distinct address of a country, with its events (detail mode). */
typedef struct kz_route_addr {
    const char *text;
    uint32_t asn;
    const char *org;
    uint64_t events;
} kz_route_addr;

/* The distinct addresses routed to country cc ("" for the uncovered ones), most events
 * first, in a. KZ_ECONFLICT without detail; KZ_ENOMEM. */
kz_rc kz_route_addresses(kz_route *r, const char *cc, kz_arena *a, kz_route_addr **items, size_t *n);

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
 * attachment (r must have been made with detail). States without such a contact are
 * reported in *out with the reason and get no draft. The addressees are all looked up
 * before the first draft is written. *out lives in c's arena. Analysts and admins. */
kz_rc kz_svc_route_notify(kz_call *c, kz_route *r, const kz_route_summary *s, const kz_route_notify *o,
                          kz_route_notice **out, size_t *n);

#endif
