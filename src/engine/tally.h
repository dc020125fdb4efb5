/* The origin tally of `kizuna route`: events and distinct addresses counted per group
 * (country, ASN), with the first and last time seen. The addresses routed already
 * (engine/geo.h) come in batches; memory grows with the distinct addresses and groups,
 * not with the events: open-addressing tables, one set for IPv4 and IPv6 alike. One
 * kz_tally belongs to one thread. */
#ifndef KZ_ENGINE_TALLY_H
#define KZ_ENGINE_TALLY_H

#include "model/geo.h"
#include "model/ip.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/error.h"

#include <stdbool.h>

typedef struct kz_tally kz_tally;

/* A new, empty tally (NULL when out of memory); free with kz_tally_free. With detail,
 * it also keeps each distinct address's event count, for kz_tally_addresses. */
kz_tally *kz_tally_new(bool detail);
void kz_tally_free(kz_tally *t);

/* Counts n events with addresses ips[i] that resolved to hits[i], at times[i] (ms; 0
 * when unknown; times may be NULL). An address must always come with the same hit.
 * KZ_ENOMEM (the events before the failing one are counted). */
kz_rc kz_tally_add(kz_tally *t, const kz_ip *ips, const kz_geo_hit *hits, const kz_time *times, size_t n);

/* Counts an event that named only a host name, not resolved (or resolved: the event is
 * then also counted by kz_tally_add with its address). */
void kz_tally_add_unresolved(kz_tally *t);
void kz_tally_add_resolved(kz_tally *t);

typedef struct kz_tally_asn {
    uint32_t asn;
    const char *org;
    uint64_t events, addresses;
} kz_tally_asn;

typedef struct kz_tally_country {
    char cc[3];             /* "" for addresses the routing data does not cover */
    const char *name;       /* ISO 3166-1 name, or the code when unknown to it */
    uint64_t events, addresses;
    kz_time first, last;    /* of the events that had a time; 0 when none did */
    size_t nasns;           /* ASNs seen in this country */
    kz_tally_asn *asns;     /* all of them, most events first */
} kz_tally_country;

typedef struct kz_tally_summary {
    uint64_t events;        /* with an address, covered or not */
    uint64_t addresses;     /* distinct */
    uint64_t unresolved;    /* host names not resolved */
    uint64_t resolved;      /* host names resolved */
    size_t ncountries;
    kz_tally_country *countries;  /* most events first; the uncovered ones last */
} kz_tally_summary;

/* The tally so far, in a; the organization names point into t (valid until
 * kz_tally_free). KZ_ENOMEM. */
kz_rc kz_tally_summarize(kz_tally *t, kz_arena *a, kz_tally_summary *out);

/* One distinct address of a country, with its events (detail mode). */
typedef struct kz_tally_addr {
    kz_ip ip;
    uint32_t asn;
    const char *org;        /* into t */
    uint64_t events;
} kz_tally_addr;

/* The distinct addresses routed to country cc ("" for the uncovered ones), in no
 * particular order, in a. KZ_ECONFLICT without detail; KZ_ENOMEM. */
kz_rc kz_tally_addresses(kz_tally *t, const char *cc, kz_arena *a, kz_tally_addr **items, size_t *n);

#endif
