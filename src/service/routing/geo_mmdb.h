/* The one module that includes maxminddb.h: MaxMind DB files given instead of a Kizuna
 * geo table. Shared by svc_geo.c only. */
#ifndef KZ_SERVICE_GEO_MMDB_H
#define KZ_SERVICE_GEO_MMDB_H

#include "service/routing/geo.h"

typedef struct kz__mmdb kz__mmdb;

/* Opens path with libmaxminddb (memory-mapped). KZ_ECORRUPT when it is not a MaxMind DB. */
kz_rc kz__mmdb_open(const char *path, kz__mmdb **out, kz_err *err);
void kz__mmdb_close(kz__mmdb *m);

/* Answers from the GeoLite2-ASN/-Country or ip-location-db field names. Thread-safe. */
void kz__mmdb_lookup(const kz__mmdb *m, const kz_ip *ip, kz_geo_hit *out);

/* "MaxMind DB <type>: <description>" (NUL-terminated, lives with m). */
const char *kz__mmdb_attribution(const kz__mmdb *m);

#endif
