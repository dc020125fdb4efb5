/* Indicator normalization: the one place that turns a value as typed or as seen in a
 * feed or a log into the canonical form Kizuna stores, matches and exports. Import,
 * the API and the telemetry matcher all call it, so "the same normalization as on
 * input" holds by construction. */
#ifndef KZ_CODEC_INDICATOR_NORM_H
#define KZ_CODEC_INDICATOR_NORM_H

#include "util/arena.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum kz_ind_type {
    KZ_IND_IPV4, KZ_IND_IPV6, KZ_IND_CIDR, KZ_IND_DOMAIN, KZ_IND_URL, KZ_IND_EMAIL,
    KZ_IND_MD5, KZ_IND_SHA1, KZ_IND_SHA256, KZ_IND_ASN, KZ_IND_TYPE_COUNT
} kz_ind_type;

/* Wire names: "ipv4", "ipv6", "cidr", "domain", "url", "email", "md5", "sha1", "sha256", "asn". */
extern const struct kz_enum kz_ind_type_enum;

typedef struct kz_norm {
    char *value;              /* canonical text, in the arena */
    char *registrable;        /* domain, url, email: registrable domain (libpsl), NULL when
                                 the host is an address or itself a public suffix */
    char *host;               /* url: host part (lowercase, punycode); email: domain */
    unsigned char addr[16];   /* ipv4 (first 4 bytes), ipv6, cidr: network address */
    int family;               /* 4 or 6 for ipv4/ipv6/cidr, else 0 */
    int prefix_len;           /* cidr: prefix length; ipv4 32, ipv6 128 */
    uint32_t asn;             /* asn */
    bool prefix;              /* url: the value ends in '*' and matches every URL that
                                 starts with the canonical text before the '*' */
    bool want_registrable;    /* internal: whether registrable is to be computed */
} kz_norm;

/* Normalizes in[0..n) as an indicator of the given type. KZ_EINVAL with err->field set
 * to `field` and a reason that says what is wrong ("host bits set are masked" is not an
 * error: they are masked). Everything returned lives in a. Thread-safe.
 *
 * The rules, per type (leading and trailing blanks are ignored for every type):
 *   ipv4    dotted decimal, four octets, no leading zeros
 *   ipv6    RFC 4291 text; output in RFC 5952 canonical form (::ffff:a.b.c.d when mapped)
 *   cidr    address "/" length, host bits masked; an address alone is a full-length prefix
 *   domain  lowercase, punycode (IDNA2008 with UTS #46 mapping), trailing dot removed,
 *           a leading "*." removed (a domain indicator covers its subdomains anyway)
 *   url     RFC 3986 section 6 normalization: scheme and host lowercase, host punycode,
 *           default port dropped, dot-segments removed, percent-encoding normalized
 *           (unreserved decoded, the rest uppercase hex, disallowed bytes encoded), empty
 *           path "/", fragment dropped (it never reaches a server, so never a log);
 *           a '*' at the end (before the fragment, if any) makes a prefix indicator;
 *           a URL without a scheme ("www.example.com/path", as MISP allows) is http://
 *   email   local part kept as written, domain as a domain
 *   md5, sha1, sha256   32, 40, 64 hex digits, lowercase
 *   asn     "AS64500", "as64500", "64500" or asdot "AS1.10" -> "AS64500"; 1..4294967295 */
kz_rc kz_indicator_normalize(kz_ind_type type, const char *in, size_t n, kz_arena *a,
                             const char *field, kz_norm *out, kz_err *err);

/* The same; with registrable false, out->registrable is left NULL and the public suffix
 * list is not searched (the matcher needs only the canonical value: a third of the time
 * of loading its indicators). */
kz_rc kz_indicator_normalize_as(kz_ind_type type, const char *in, size_t n, kz_arena *a,
                                const char *field, bool registrable, kz_norm *out, kz_err *err);

/* The building blocks, for the matcher's hot path: they work in caller buffers and
 * allocate nothing (except kz_domain_canon and kz_url_canon on non-ASCII host names,
 * which go through libidn2). All are thread-safe. */

/* Longest canonical text of a URL or domain the matcher and the importer accept. */
enum { KZ_URL_MAX = 8192, KZ_DOMAIN_MAX = 253 };

/* Strict dotted-decimal IPv4 into out[4]; false when s[0..n) is not exactly one. */
bool kz_ipv4_parse(const char *s, size_t n, unsigned char out[4]);

/* The two implementations kz_ipv4_parse chooses from, for the tests and the fuzz target:
 * the scalar one (the reference) and the SSSE3 one (the scalar one again where the CPU
 * or the compiler has none; kz__ipv4_simd_available says which). */
bool kz__ipv4_parse_scalar(const char *s, size_t n, unsigned char out[4]);
bool kz__ipv4_parse_simd(const char *s, size_t n, unsigned char out[4]);
bool kz__ipv4_simd_available(void);

/* IPv6 text (RFC 4291 section 2.2, without zone) into out[16]; false otherwise. */
bool kz_ipv6_parse(const char *s, size_t n, unsigned char out[16]);

/* RFC 5952 text of a[16] into out (at least 46 bytes), NUL-terminated; returns length. */
size_t kz_ipv6_format(const unsigned char a[16], char *out);

/* Canonical domain of s[0..n) into out[0..cap) (NUL-terminated, *len without the NUL).
 * KZ_EINVAL with the reason in err (field `field`) when it is not a host name. */
kz_rc kz_domain_canon(const char *s, size_t n, char *out, size_t cap, size_t *len,
                      const char *field, kz_err *err);

/* Canonical URL of s[0..n) into out[0..cap), without the prefix '*' rule. cap of
 * 3 * n + 16 (or KZ_URL_MAX + 1) is always enough; KZ_ETOOBIG past KZ_URL_MAX. On
 * success *host_off and *host_len (when not NULL) locate the host inside out. */
kz_rc kz_url_canon(const char *s, size_t n, char *out, size_t cap, size_t *len,
                   size_t *host_off, size_t *host_len, const char *field, kz_err *err);

/* Registrable domain of a canonical host name (libpsl, Debian's public suffix list):
 * a pointer into host, or NULL when host is a public suffix itself or an address. */
const char *kz_registrable_domain(const char *host);

#endif
