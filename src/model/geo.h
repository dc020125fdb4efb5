/* Routing data in plain structs: an address range with what the source data says about
 * it. Shared by the range-file parser (codec/routing/geo_ranges.h) and the table builder
 * (engine/geo.h). */
#ifndef KZ_MODEL_GEO_H
#define KZ_MODEL_GEO_H

#include <stddef.h>
#include <stdint.h>

/* An address as a 128-bit number (IPv4 in the low 32 bits). */
typedef unsigned __int128 kz_u128;

/* The two layers of routing data: which AS originates a range (RouteViews, the RIRs'
 * delegations, DB-IP), and in which country it is registered (the RIRs via NRO). */
typedef enum kz_geo_layer { KZ_GEO_LAYER_AS, KZ_GEO_LAYER_COUNTRY } kz_geo_layer;

/* One inclusive range of one family. An IPv4 range uses family 4 and values < 2^32. */
typedef struct kz_geo_range {
    int family;                 /* 4 or 6 */
    kz_u128 first, last;
    uint32_t asn;               /* AS layer */
    const char *org;            /* AS layer; not NUL-terminated; may be NULL for "" */
    size_t org_len;
    char cc[2];                 /* country layer: two uppercase letters */
} kz_geo_range;

/* An answer as stored: org is org_len bytes (not NUL-terminated for .mmdb files). */
typedef struct kz_geo_hit {
    uint32_t asn;
    char cc[3];        /* "" when unknown */
    const char *org;
    size_t org_len;
} kz_geo_hit;

#endif
