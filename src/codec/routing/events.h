/* Event lines for `kizuna route`: CSV with a column map, or JSON lines with a field map.
 * An event names where activity came from by an address, a URL or a domain (and may
 * carry the address a domain or URL resolved to). This module finds those fields and
 * turns them into an address, or into the host name that would need resolving; it
 * never resolves anything itself. */
#ifndef KZ_CODEC_EVENTS_H
#define KZ_CODEC_EVENTS_H

#include "codec/sharing/csv.h"
#include "codec/routing/ip.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>

/* The fields an event may have. */
typedef enum kz_event_role {
    KZ_EV_IP,        /* an address: "198.51.100.7", "2001:db8::1" */
    KZ_EV_URL,       /* a URL; its host may be an address */
    KZ_EV_DOMAIN,    /* a host name (or an address) */
    KZ_EV_RESOLVED,  /* the address the URL's or domain's host resolved to */
    KZ_EV_TIME,      /* when: RFC 3339 or Unix seconds (other forms are ignored) */
    KZ_EV_ROLES
} kz_event_role;

enum { KZ_EVENT_MAX_COLUMNS = 256, KZ_EVENT_NAME_MAX = 128 };

/* Where each role is found: a CSV column (0-based, -1 absent), or JSON field names (a
 * dotted path for nested objects; several candidates, the first present wins). */
typedef struct kz_event_map {
    int column[KZ_EV_ROLES];
    char names[KZ_EV_ROLES][4][KZ_EVENT_NAME_MAX];
    int nnames[KZ_EV_ROLES];
    bool explicit_;  /* given by the user, not detected */
} kz_event_map;

/* Parses a map "ip=src_ip,url=4,domain=host" (roles ip, url, domain, resolved, time; a
 * name or a 1-based column number). KZ_EINVAL naming the part that is wrong. */
kz_rc kz_event_map_parse(const char *spec, kz_event_map *map, kz_err *err);

/* The default JSON map: for each role its usual field names (ip, src_ip, source.ip...). */
void kz_event_map_json_default(kz_event_map *map);

/* Resolves a CSV map against the header line (names become columns; when map was not
 * given, columns are recognized by their usual names). With has_header false, numbers
 * only, and ip=1 when no map was given. KZ_EINVAL when no ip, url or domain column can
 * be found, or a named column is not in the header. */
kz_rc kz_event_map_csv(kz_event_map *map, const char *header, size_t n, bool has_header,
                       char *scratch, kz_err *err);

/* What a log's first line looks like, for the readers that choose a format from it
 * (`kizuna route`, `kizuna match`). */
typedef enum kz_event_shape {
    KZ_SHAPE_OTHER,  /* none of these */
    KZ_SHAPE_JSON,   /* a JSON object (first character '{' after blanks) */
    KZ_SHAPE_CSV,    /* comma-separated, at least two fields */
    KZ_SHAPE_TSV,    /* tab-separated, at least two fields */
} kz_event_shape;

/* The shape of a first line (line[0..n), without its newline), and for CSV and TSV
 * whether it is a header: a header names at least one column by one of the usual names
 * kz_event_map_csv recognizes (ip, src_ip, url, host, ts...), case-insensitively, quotes
 * around a name allowed. A tab anywhere makes it TSV. */
kz_event_shape kz_event_sniff(const char *line, size_t n, bool *header);

/* The fields of one event, pointing into the line or into scratch. */
typedef struct kz_event {
    const char *f[KZ_EV_ROLES];
    size_t n[KZ_EV_ROLES];  /* 0 when absent or empty */
} kz_event;

/* Splits one CSV line (scratch: n bytes). KZ_EINVAL with the column for broken quoting. */
kz_rc kz_event_parse_csv(const kz_event_map *map, const char *line, size_t n, char *scratch,
                         kz_event *ev, kz_err *err);

/* Parses one JSON object (scratch: n bytes; string values are copied there). KZ_EINVAL
 * with the column for malformed JSON, a line that is not an object or a mapped field
 * that is not a string. */
kz_rc kz_event_parse_json(const kz_event_map *map, const char *line, size_t n, char *scratch,
                          kz_event *ev, kz_err *err);

/* What an event routes by. */
typedef enum kz_event_origin {
    KZ_ORIGIN_ADDRESS,  /* *ip is set */
    KZ_ORIGIN_HOST,     /* only a host name: host[0..*host_len) needs resolving */
} kz_event_origin;

/* The address of an event: its ip field; else its resolved field; else the host of its
 * URL or its domain when that is an address literal; else that host name (canonical,
 * into host, at least KZ_EVENT_HOST_MAX bytes). KZ_EINVAL naming the field ("ip",
 * "url", ...) when a present field is malformed or the event has none of them. */
enum { KZ_EVENT_HOST_MAX = 256 };
kz_rc kz_event_origin_of(const kz_event *ev, kz_ip *ip, char *host, size_t *host_len,
                         kz_event_origin *origin, kz_err *err);

/* The event's time in ms since the epoch, or 0 when it has none in a known form. */
int64_t kz_event_time(const kz_event *ev);

/* Wire names of the roles: "ip", "url", "domain", "resolved", "time". */
extern const char *const kz_event_role_names[KZ_EV_ROLES];

#endif
