/* CSV records <-> indicators: the column map of `kizuna import csv --map 'col=field,...'`,
 * the conversions feeds need (type names and detection, TLP labels old and new, times
 * with or without a zone, Unix seconds). `kizuna export csv` writes the schema's field
 * names as its header (kz_csv_header), so an exported file imports back without --map. */
#ifndef KZ_CODEC_INDICATOR_CSV_H
#define KZ_CODEC_INDICATOR_CSV_H

#include "codec/sharing/csv.h"
#include "model/sharing.h"
#include "util/arena.h"

/* The indicator fields a column can feed. */
typedef enum kz_csv_target {
    KZ_COL_TYPE, KZ_COL_VALUE, KZ_COL_TLP, KZ_COL_CONFIDENCE, KZ_COL_FIRST_SEEN, KZ_COL_LAST_SEEN,
    KZ_COL_VALID_UNTIL, KZ_COL_DESCRIPTION, KZ_COL_TARGETS
} kz_csv_target;
extern const char *const kz_csv_target_names[KZ_COL_TARGETS];  /* "type", "value", ... */

typedef struct kz_csv_map {
    struct {
        bool set;
        char name[128];   /* header name, or "" when given by number */
        int index;        /* 0-based column; -1 until resolved against the header */
    } col[KZ_COL_TARGETS];
} kz_csv_map;

/* Parses "url=value,3=first_seen,threat=description": each column (a header name, or a
 * 1-based number) feeds one field; a field at most once. KZ_EINVAL naming "map" and
 * the position otherwise. */
kz_rc kz_csv_map_parse(const char *spec, kz_csv_map *m, kz_err *err);

/* Resolves column names against the header record (names compare without regard to
 * case and surrounding blanks). header NULL (no header line) allows numbers only. */
kz_rc kz_csv_map_resolve(kz_csv_map *m, const kz_csv_record *header, kz_err *err);

/* The map of a header whose column names are field names (an exported file). */
kz_rc kz_csv_map_from_header(kz_csv_map *m, const kz_csv_record *header, kz_err *err);

/* When err->field names a mapped field ("value"), makes it name the column too:
 * "column 'url' (value)". */
void kz_csv_map_field(const kz_csv_map *m, kz_err *err);

/* What the columns do not say, from the command line. */
typedef struct kz_csv_defaults {
    int type;             /* kz_ind_type, KZ_CSV_TYPE_AUTO, or -1: a column must say */
    int tlp;              /* kz_tlp, or -1: a column must say */
    int64_t confidence;   /* -1: the default, unless a column says */
    kz_strlist recipients;
    bool recipients_given;
    bool allow_clients;
    kz_strlist incidents;
    const char *source;   /* NULL: the importer's organization */
} kz_csv_defaults;
enum { KZ_CSV_TYPE_AUTO = 1000 };

/* Fills o and *given (KZ_GIVEN_* bits) from one record. Strings point into the record
 * or a. KZ_EINVAL with err->field naming the column and the field, as
 * "column 'url' (value)". The value is not normalized here (the batch does it). */
kz_rc kz_csv_indicator(const kz_csv_map *m, const kz_csv_defaults *d, const kz_csv_record *r,
                       kz_arena *a, kz_indicator *o, unsigned *given, kz_err *err);

/* An indicator type from a feed's name for it: Kizuna's names, STIX and MISP names
 * ("ipv4-addr", "ip-dst", "hostname", "uri", "email-src", ...), or "auto"/"ip"/"hash" to
 * detect it from the value. -1 when unknown; KZ_CSV_TYPE_AUTO for detection. */
int kz_ind_type_from_name(const char *name);

/* The type a value looks like: ASN, URL, e-mail, CIDR, IPv4, IPv6, MD5/SHA-1/SHA-256 by
 * hex length, otherwise a domain. */
int kz_ind_type_detect(const char *v, size_t n);

/* A TLP label as feeds write it: "amber", "TLP:AMBER", "tlp:amber+strict", and TLP
 * 1.0's "white" for clear. -1 when unknown. */
int kz_tlp_from_name(const char *s);

/* A time as feeds write it: RFC 3339, a date, "2026-01-31 09:00:00" without a zone
 * (taken as UTC), or Unix seconds. KZ_EINVAL otherwise. */
kz_rc kz_feed_time(const char *s, kz_time *out);

#endif
