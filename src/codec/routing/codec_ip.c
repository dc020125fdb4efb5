/* IP addresses as routed: the strict parsers of indicator normalization, as 32-bit and
 * 128-bit values, with IPv4-mapped IPv6 addresses folded to IPv4. */
#include "codec/routing/ip.h"

#include "codec/sharing/indicator_norm.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

bool kz_ip_parse_exact(const char *s, size_t n, kz_ip *out)
{
    unsigned char b[4];
    if (n <= 15 && kz_ipv4_parse(s, n, b)) {
        out->family = 4;
        out->v4 = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        return true;
    }
    if (!memchr(s, ':', n) || !kz_ipv6_parse(s, n, out->v6))
        return false;
    out->family = 6;
    return true;
}

bool kz_ip_parse(const char *s, size_t n, kz_ip *out)
{
    if (!kz_ip_parse_exact(s, n, out))
        return false;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (out->family == 6 && memcmp(out->v6, mapped, 12) == 0) {
        out->family = 4;
        out->v4 = (uint32_t)out->v6[12] << 24 | (uint32_t)out->v6[13] << 16 |
                  (uint32_t)out->v6[14] << 8 | out->v6[15];
    }
    return true;
}

char *kz_ip_format(const kz_ip *ip, char *buf, size_t size)
{
    if (ip->family == 4) {
        snprintf(buf, size, "%u.%u.%u.%u", ip->v4 >> 24, (ip->v4 >> 16) & 255, (ip->v4 >> 8) & 255,
                 ip->v4 & 255);
    } else if (!inet_ntop(AF_INET6, ip->v6, buf, (socklen_t)size) && size) {
        buf[0] = '\0';
    }
    return buf;
}
