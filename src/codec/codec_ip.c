/* IP address text: a hand-written IPv4 parser (the hot path of `kizuna route`) and
 * inet_pton for IPv6. */
#include "codec/ip.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static bool parse4(const char *s, size_t n, uint32_t *out)
{
    uint32_t v = 0;
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part) {
            if (i >= n || s[i] != '.')
                return false;
            i++;
        }
        size_t start = i;
        uint32_t x = 0;
        while (i < n && i - start < 3 && s[i] >= '0' && s[i] <= '9')
            x = x * 10 + (uint32_t)(s[i++] - '0');
        if (i == start || x > 255 || (s[start] == '0' && i - start > 1))
            return false;
        v = v << 8 | x;
    }
    if (i != n)
        return false;
    *out = v;
    return true;
}

bool kz_ip_parse_exact(const char *s, size_t n, kz_ip *out)
{
    if (n >= 7 && n <= 15 && parse4(s, n, &out->v4)) {
        out->family = 4;
        return true;
    }
    char buf[64];
    if (n < 2 || n >= sizeof buf || !memchr(s, ':', n))
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (inet_pton(AF_INET6, buf, out->v6) != 1)
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
