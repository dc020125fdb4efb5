/* CRC-32 through zlib, and the wide fingerprint. */
#include "util/checksum.h"

#include <string.h>
#include <zlib.h>

uint32_t kz_crc32(uint32_t crc, const void *p, size_t n)
{
    return (uint32_t)crc32_z(crc, p, n);
}

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL

static inline uint64_t rotl(uint64_t x, int r) { return x << r | x >> (64 - r); }

static inline uint64_t round64(uint64_t acc, uint64_t v) { return rotl(acc + v * P2, 31) * P1; }

void kz_hash_wide(const void *p, size_t n, uint64_t out[2])
{
    const unsigned char *s = p;
    uint64_t a[4] = {P1 + P2, P2, 0, (uint64_t)0 - P1};
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        for (int k = 0; k < 4; k++) {
            uint64_t v;
            memcpy(&v, s + i + 8 * k, 8);
            a[k] = round64(a[k], v);
        }
    unsigned char tail[32] = {0};
    if (n > i)
        memcpy(tail, s + i, n - i);
    for (int k = 0; k < 4; k++) {
        uint64_t v;
        memcpy(&v, tail + 8 * k, 8);
        a[k] = round64(a[k], v);
    }
    out[0] = kz_hash_mix64(a[0] ^ rotl(a[1], 17) ^ n);
    out[1] = kz_hash_mix64(a[2] ^ rotl(a[3], 29) ^ out[0]);
}
