/* Checksums of file images (the geo table's header carries one: zlib's CRC-32, fast,
 * standard and already a dependency of Kizuna; the compiled indicator set, larger, a
 * wider and faster fingerprint) and the hash functions of the in-memory hash tables. */
#ifndef KZ_UTIL_CHECKSUM_H
#define KZ_UTIL_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32 (the zlib/PNG polynomial) of p[0..n), continuing from crc (start with 0). */
uint32_t kz_crc32(uint32_t crc, const void *p, size_t n);

/* A 128-bit fingerprint of p[0..n) (xxHash64's round on four lanes, at memory speed):
 * tells whether a file changed, as the compiled indicator set's cache asks. Not a
 * cryptographic hash: it guards against accident, not against an adversary. */
void kz_hash_wide(const void *p, size_t n, uint64_t out[2]);

/* A 64-bit finalizer (MurmurHash3's fmix64): spreads every input bit over the result, so
 * that the low bits index open-addressing tables well. */
static inline uint64_t kz_hash_mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* FNV-1a of p[0..n), finalized with kz_hash_mix64. */
static inline uint64_t kz_hash_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 0x100000001b3ULL;
    return kz_hash_mix64(h ^ n);
}

#endif
