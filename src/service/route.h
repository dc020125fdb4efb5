/* Origin routing of events: counting events and distinct addresses per responsible
 * state (the country the address is registered in) and per AS, and resolving host
 * names when the caller allows it. `kizuna route` feeds it the looked-up addresses of
 * its input in batches and prints the summary. Memory grows with the distinct
 * addresses, not with the events. One kz_route belongs to one thread. */
#ifndef KZ_SERVICE_ROUTE_H
#define KZ_SERVICE_ROUTE_H

#include "service/geo.h"
#include "util/arena.h"

typedef struct kz_route kz_route;

/* A new, empty tally (NULL when out of memory); free with kz_route_free. */
kz_route *kz_route_new(void);
void kz_route_free(kz_route *r);

/* Counts n events with addresses ips[i] that resolved to hits[i]. KZ_ENOMEM. */
kz_rc kz_route_add(kz_route *r, const kz_ip *ips, const kz_geo_hit *hits, size_t n);

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

#endif
