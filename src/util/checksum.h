/* Checksums of file images (the geo table's header carries one). zlib's CRC-32: fast
 * (several GB/s), standard, and already a dependency of Kizuna. */
#ifndef KZ_UTIL_CHECKSUM_H
#define KZ_UTIL_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32 (the zlib/PNG polynomial) of p[0..n), continuing from crc (start with 0). */
uint32_t kz_crc32(uint32_t crc, const void *p, size_t n);

#endif
