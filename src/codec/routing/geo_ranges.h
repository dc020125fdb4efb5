/* The routing range files (the CSV of ip-location-db): one range per line,
 *
 *   first,last,asn,organization     AS layer      1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."
 *   first,last,country              country layer 1.0.0.0,1.0.0.255,AU
 *
 * first and last are IP addresses, or decimal numbers in the "-num" variants (the
 * caller then says which family the file holds). */
#ifndef KZ_CODEC_GEO_RANGES_H
#define KZ_CODEC_GEO_RANGES_H

#include "model/geo.h"
#include "util/error.h"

enum { KZ_GEO_ORG_MAX = 1024 };  /* longest organization name accepted */

/* Parses line[0..n) (no newline) into *r and *layer. num_family is 4 or 6 when the file
 * has numbers instead of addresses, else 0. r->org points into line or scratch (which
 * must hold n bytes). KZ_EINVAL naming the field ("first", "last", "asn",
 * "organization", "country") and the column. Blank lines are KZ_ENOTFOUND (skip them). */
kz_rc kz_geo_parse_line(const char *line, size_t n, int num_family, char *scratch, kz_geo_range *r,
                        kz_geo_layer *layer, kz_err *err);

#endif
