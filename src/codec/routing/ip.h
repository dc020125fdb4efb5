/* IP addresses as text: the strict parser used on every address Kizuna routes (range
 * files, events, `kizuna geo` arguments) and the formatter. */
#ifndef KZ_CODEC_IP_H
#define KZ_CODEC_IP_H

#include "model/ip.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>


/* Parses s[0..n): dotted-quad IPv4 (no leading zeros, as inet_pton) or IPv6 text
 * (RFC 4291, with an embedded IPv4 tail; no zone). An IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d) is returned as IPv4, since that is the host it names. Returns false
 * when s is not an address. */
bool kz_ip_parse(const char *s, size_t n, kz_ip *out);

/* Same, without the IPv4-mapped rewrite (for range files, which must say what they mean). */
bool kz_ip_parse_exact(const char *s, size_t n, kz_ip *out);

/* Formats ip into buf (at least 46 bytes), as inet_ntop. Returns buf. */
char *kz_ip_format(const kz_ip *ip, char *buf, size_t size);

#endif
