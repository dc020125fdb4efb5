/* CRC-32 through zlib. */
#include "util/checksum.h"

#include <zlib.h>

uint32_t kz_crc32(uint32_t crc, const void *p, size_t n)
{
    return (uint32_t)crc32_z(crc, p, n);
}
