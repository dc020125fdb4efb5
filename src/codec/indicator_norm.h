/* Indicator normalization: the one place that turns a value as typed or as seen in a
 * feed or a log into the canonical form Kizuna stores, matches and exports. Import,
 * the API and the telemetry matcher all call it, so "the same normalization as on
 * input" holds by construction. */
#ifndef KZ_CODEC_INDICATOR_NORM_H
#define KZ_CODEC_INDICATOR_NORM_H

#include "util/arena.h"
#include "util/error.h"

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
    char *registrable;        /* domain and url: registrable domain (libpsl), else NULL */
    char *host;               /* url: host part (lowercase, punycode); email: domain */
    unsigned char addr[16];   /* ipv4 (first 4 bytes), ipv6, cidr: network address */
    int family;               /* 4 or 6 for ipv4/ipv6/cidr, else 0 */
    int prefix_len;           /* cidr: prefix length; ipv4 32, ipv6 128 */
    uint32_t asn;             /* asn */
} kz_norm;

/* Normalizes in[0..n) as an indicator of the given type. KZ_EINVAL with err->field set
 * to `field` and a reason that says what is wrong ("host bits set are masked" is not an
 * error: they are masked). Everything returned lives in a. Thread-safe. */
kz_rc kz_indicator_normalize(kz_ind_type type, const char *in, size_t n, kz_arena *a,
                             const char *field, kz_norm *out, kz_err *err);

#endif
