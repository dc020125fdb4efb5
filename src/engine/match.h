/* Matching one observed value against the compiled indicator set, by its kind:
 *
 *   ip      the address (brackets and a port allowed) against ipv4/ipv6/cidr indicators,
 *           longest prefix; an IPv4-mapped IPv6 address also as its IPv4 address
 *   host    against domain indicators, the name and every parent of it; an address
 *           literal as an ip
 *   url     its host as a host (or an ip); then, when a URL indicator has that host, the
 *           URL canonicalized exactly as indicators are (kz_url_canon) against the exact
 *           and prefix URL indicators
 *   email   the address with its domain lowercased against e-mail indicators, and its
 *           domain as a host
 *   hash    md5, sha1 or sha256 hex against hash indicators
 *
 * Every hit is reported through the callback with the part of the value that matched.
 * Nothing is allocated (host names outside ASCII go through libidn2); the scratch
 * belongs to the calling thread. */
#ifndef KZ_ENGINE_MATCH_H
#define KZ_ENGINE_MATCH_H

#include "engine/indset.h"
#include "model/telemetry.h"

typedef struct kz_match_scratch {
    char url[KZ_URL_MAX + 16];
    char text[KZ_URL_MAX + 16];
    /* the host of the line's last host field, so that a URL on the same host (JSON
     * lines, CSV and Zeek logs carry both) skips the second walk of its name */
    uint64_t line, host_line;  /* line 0: not remembered (kz_match_line never called) */
    const char *host;
    size_t host_len;
    bool host_url, host_url_known;  /* some URL indicator is on that host; known: asked */
} kz_match_scratch;

/* Starts a new line for the fields matched next with sc (zero the scratch before the
 * first line); the values of the line's fields must stay valid until the next call, as
 * a kz_record's do until the next line is parsed. Optional: it lets a URL field skip the
 * host walk a host field of the same line did, which cannot change what is reported (one
 * match per (line, indicator), and kz_match_prefer keeps the host field). */
static inline void kz_match_line(kz_match_scratch *sc) { sc->line++; }

/* Called for each matching run of indicators: the field, the run, and the observed
 * value as matched (the address without its port, the host, the URL as written). */
typedef void (*kz_match_cb)(void *ctx, const kz_logfield *f, kz_run run, const char *obs,
                            size_t obs_len);

/* Called for every address parsed out of a field (family 4: a[0..4), 6: a[0..16)), so
 * that the caller can look its AS up in the routing data and ask kz_indset_asn. */
typedef void (*kz_match_ip_cb)(void *ctx, const kz_logfield *f, const unsigned char *a, int family,
                               const char *obs, size_t obs_len);

/* Matches f against s; returns the number of runs reported. ip_cb may be NULL.
 * Thread-safe for distinct scratches. */
int kz_match_field(const kz_indset *s, kz_match_scratch *sc, const kz_logfield *f, kz_match_cb cb,
                   kz_match_ip_cb ip_cb, void *ctx);

/* kz_match_field on f[0..n) in order, in one call (a line's fields); the runs reported. */
int kz_match_fields(const kz_indset *s, kz_match_scratch *sc, const kz_logfield *f, int n,
                    kz_match_cb cb, kz_match_ip_cb ip_cb, void *ctx);

/* The rule for an indicator found in several fields of one line (every format): one
 * match per (line, indicator), and the field it names is the first whose kind is the
 * indicator's own (a domain by the host field rather than by the URL it is in), else the
 * first field it was found in. True when a field of kind cand should take the place of
 * the one of kind held that names the match so far. */
bool kz_match_prefer(kz_ind_type type, kz_obs_kind held, kz_obs_kind cand);

#endif
