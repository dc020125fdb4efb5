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

static inline uint64_t word(const unsigned char *s)
{
    uint64_t v;
    memcpy(&v, s, 8);
    return v;
}

void kz_hash_wide(const void *p, size_t n, uint64_t out[2])
{
    const unsigned char *s = p;
    uint64_t a0 = P1 + P2, a1 = P2, a2 = 0, a3 = (uint64_t)0 - P1;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {  /* four independent chains: the multiplies overlap */
        a0 = round64(a0, word(s + i));
        a1 = round64(a1, word(s + i + 8));
        a2 = round64(a2, word(s + i + 16));
        a3 = round64(a3, word(s + i + 24));
    }
    unsigned char tail[32] = {0};
    if (n > i)
        memcpy(tail, s + i, n - i);
    a0 = round64(a0, word(tail));
    a1 = round64(a1, word(tail + 8));
    a2 = round64(a2, word(tail + 16));
    a3 = round64(a3, word(tail + 24));
    out[0] = kz_hash_mix64(a0 ^ rotl(a1, 17) ^ n);
    out[1] = kz_hash_mix64(a2 ^ rotl(a3, 29) ^ out[0]);
}
