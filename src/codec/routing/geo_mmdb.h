/* The libmaxminddb adapter, the one module that includes maxminddb.h: MaxMind DB files
 * given instead of a Kizuna geo table, read into model/geo.h's answers. Used by
 * service/routing/svc_geo.c. */
#ifndef KZ_CODEC_GEO_MMDB_H
#define KZ_CODEC_GEO_MMDB_H

#include "codec/routing/ip.h"
#include "model/geo.h"
#include "util/error.h"

typedef struct kz_mmdb kz_mmdb;

/* Opens path with libmaxminddb (memory-mapped). KZ_ECORRUPT when it is not a MaxMind DB. */
kz_rc kz_mmdb_open(const char *path, kz_mmdb **out, kz_err *err);
void kz_mmdb_close(kz_mmdb *m);

/* Answers from the GeoLite2-ASN/-Country or ip-location-db field names. Thread-safe. */
void kz_mmdb_lookup(const kz_mmdb *m, const kz_ip *ip, kz_geo_hit *out);

/* "MaxMind DB <type>: <description>" (NUL-terminated, lives with m). */
const char *kz_mmdb_attribution(const kz_mmdb *m);

#endif
