/* Origin routing as a service: opening a routing database (a Kizuna geo table, memory-
 * mapped and validated, or any MaxMind .mmdb through libmaxminddb), looking addresses
 * up from many threads while the table is reloaded, and building a table from the
 * routing range files. The attribution that the data's licences require travels with
 * the database and must be shown wherever its answers are. */
#ifndef KZ_SERVICE_GEO_H
#define KZ_SERVICE_GEO_H

#include "codec/routing/ip.h"
#include "engine/geo.h"
#include "util/error.h"

#include <stdbool.h>
#include <stdint.h>

/* The ip-location-db data (RouteViews, the RIRs via NRO, DB-IP) is CC BY 4.0. */
#define KZ_GEO_ATTRIBUTION                                                                       \
    "IP-to-ASN and country data: RouteViews (routeviews.org), NRO (nro.net) and DB-IP "         \
    "(IP Geolocation by DB-IP, https://db-ip.com), licensed CC BY 4.0, compiled by "             \
    "ip-location-db"

/* Where `npm install` puts the routing data, relative to the project root. */
#define KZ_GEO_NPM_DIR "node_modules/@ip-location-db"
/* The default table, relative to the project root. */
#define KZ_GEO_DEFAULT_TABLE "data/geo.kzg"

typedef struct kz_geodb kz_geodb;


/* Opens path: a Kizuna geo table (validated; KZ_ECORRUPT or KZ_EVERSION say why it was
 * refused) or, when the file is a MaxMind DB, through libmaxminddb. KZ_ENOTFOUND when
 * the file does not exist. *out is freed with kz_geodb_close. */
kz_rc kz_geodb_open(const char *path, kz_geodb **out, kz_err *err);
void kz_geodb_close(kz_geodb *db);

/* Re-reads the file the database was opened from and swaps it in atomically: readers
 * that begin afterwards see the new table at once, readers that began before keep the
 * old one until they end, and the call returns once they have (so never reload from a
 * thread that is itself inside kz_geodb_begin/end). On failure the current table stays.
 * Replace the file by renaming a new one over it (kz_write_file_atomic): the old
 * mapping stays valid. KZ_ECONFLICT for .mmdb databases (no shared reload). */
kz_rc kz_geodb_reload(kz_geodb *db, kz_err *err);

/* "kizuna" or "mmdb". */
const char *kz_geodb_kind(const kz_geodb *db);

/* The attribution text to show with the answers (NUL-terminated, lives with db). */
const char *kz_geodb_attribution(const kz_geodb *db);

/* A read of the database by one thread: pins the current table so the answers stay
 * valid until kz_geodb_end, even if another thread reloads meanwhile. */
typedef struct kz_geo_reader {
    kz_geodb *db;
    const kz_geo_table *table;  /* NULL for .mmdb */
    int pin;
} kz_geo_reader;

void kz_geodb_begin(kz_geodb *db, kz_geo_reader *r);
void kz_geodb_end(kz_geo_reader *r);

/* Looks up ips[0..n) into out[0..n). Allocates nothing. */
void kz_geodb_lookup(kz_geo_reader *r, const kz_ip *ips, size_t n, kz_geo_hit *out);

/* Facts about the native table (KZ_ECONFLICT for .mmdb). */
kz_rc kz_geodb_info(kz_geodb *db, kz_geo_info *out, kz_err *err);

/* --- Building a table from range files -------------------------------------------- */

typedef struct kz_geodata_report {
    uint64_t lines, as_ranges, country_ranges, skipped;
    uint64_t bytes_in;
    size_t table_bytes;
    uint32_t records, v4_ranges, v6_ranges;
    double seconds;        /* wall time of reading, compiling and writing */
    uint64_t first_bad_line;
    char first_bad[4500];  /* the first skipped line's error, with --skip-bad */
} kz_geodata_report;

/* Called now and then with the bytes read so far and the total of all input files. */
typedef void kz_geodata_progress(void *ctx, uint64_t done, uint64_t total);

/* Reads the range files paths[0..n) (codec/routing/geo_ranges.h; a file whose name says
 * "-num" with "ipv4" or "ipv6" holds numbers), compiles them (engine/geo.h) with the
 * attribution text and writes the table to out_path atomically. A malformed line stops
 * the build with KZ_EINVAL ("FILE:LINE: column C: reason") unless skip_bad, which counts
 * it instead. Nothing is written on failure. */
kz_rc kz_geodata_build(const char *const *paths, size_t n, const char *attribution,
                       const char *out_path, bool skip_bad, kz_geodata_progress *progress,
                       void *ctx, kz_geodata_report *rep, kz_err *err);

/* The four range files of the npm packages under root (the project directory), into
 * paths[0..4). Returns how many exist (all four, or the caller should say that the
 * packages are missing). Each path is written into its buffer of size bytes. */
int kz_geodata_default_sources(const char *root, char paths[4][4096]);

#endif
