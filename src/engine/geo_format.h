/* The geo table file format (version 2), shared by the builder and the loader only.
 *
 * Little-endian, one header followed by sections, each at a 64-byte aligned offset:
 *
 *   header      magic "KZGEO\r\n\032", version, byte-order mark, sizes, CRC-32 of the
 *               whole file (computed with the crc field zero), section offsets
 *   records     kz__geo_rec[nrecords]; record 0 is the empty answer. The builder numbers
 *               the others by the IPv4 space they answer, largest first (for the cache;
 *               the loader requires no order)
 *   pool        NUL-terminated organization names; offset 0 is ""
 *   v4 index    uint64[65536], one per /16: (count << 32) | value. count 1: value is the
 *               record id of the whole /16; count > 1: value is the offset, in 8-byte
 *               units, of the /16's run in the v4 runs section
 *   v4 runs     per /16 with more than one range, in bucket order, one run of count
 *               ranges: uint16 keys[count] (the low 16 bits of each range's first
 *               address, ascending, the first 0), zero-padded to 8 bytes, then uint32
 *               record ids[count], zero-padded to 8 bytes. Keys and ids of a short run
 *               share a cache line, so a lookup costs the index line, the run and the
 *               record.
 *   v6 index    uint64[65536], one per top 16 bits, same encoding, and one more: count
 *               0 means value is a node of the v6 nodes section
 *   v6 nodes    uint64[256] per node: the entries of the 256 parts of the node's
 *               prefix, split on the next 8 bits of the address, same encoding. The
 *               announced IPv6 space crowds into a few /16s (2001::/16 alone holds tens
 *               of thousands of ranges); nodes split those until a run is short.
 *               Nodes are numbered in depth-first order, so a child's number is above
 *               its parent's; a path holds at most 14 nodes (down to the last byte).
 *   v6 runs     the same as v4 runs with keys of two uint64 (high and low 64 bits of
 *               the first address; the first key is the first address of the run's
 *               prefix), in depth-first order
 *   info        NUL-terminated text: the attribution and sources the table was built from
 *
 * A range runs from its key to the next key of its run (or to the end of the bucket).
 * The loader checks all of this before the first lookup. */
#ifndef KZ_ENGINE_GEO_FORMAT_H
#define KZ_ENGINE_GEO_FORMAT_H

#include <stdint.h>

#define KZ__GEO_MAGIC "KZGEO\r\n\032"
enum {
    KZ__GEO_VERSION = 2,
    KZ__GEO_BOM = 0x0A0B0C0D,
    KZ__GEO_ALIGN = 64,
    KZ__GEO_BUCKETS = 65536,
    KZ__GEO_MAX_RUN = 65536,  /* a /16 of IPv4 holds at most this many ranges */
    KZ__GEO_NODE = 256,       /* entries of a v6 node */
    KZ__GEO_MAX_DEPTH = 14,   /* nodes on a path: bytes 2 to 15 of the address */
    KZ__GEO_SPLIT = 24,       /* the builder splits a v6 run longer than this */
};

enum kz__geo_section {
    KZ__GEO_RECORDS, KZ__GEO_POOL, KZ__GEO_V4_INDEX, KZ__GEO_V4_RUNS, KZ__GEO_V6_INDEX,
    KZ__GEO_V6_NODES, KZ__GEO_V6_RUNS, KZ__GEO_INFO, KZ__GEO_NSECTIONS
};

typedef struct kz__geo_span {
    uint64_t off, len;  /* bytes from the start of the file */
} kz__geo_span;

typedef struct kz__geo_header {
    char magic[8];
    uint32_t version;
    uint32_t bom;         /* KZ__GEO_BOM as written by the builder's machine */
    uint32_t header_size; /* sizeof(kz__geo_header) */
    uint32_t crc;         /* CRC-32 (zlib polynomial) of the file with this field zero */
    uint64_t file_size;
    int64_t built;        /* unix seconds */
    uint32_t nrecords;
    uint32_t v4_entries;  /* ranges in all v4 runs together */
    uint32_t v6_entries;
    uint32_t v4_ranges;   /* distinct ranges (for information) */
    uint32_t v6_ranges;
    uint32_t v6_nodes;
    kz__geo_span sec[KZ__GEO_NSECTIONS];
} kz__geo_header;

typedef struct kz__geo_rec {
    uint32_t asn;
    uint32_t org;   /* offset of the NUL-terminated name in the pool */
    char cc[2];     /* two uppercase ASCII letters, or two NULs */
    uint16_t reserved;
} kz__geo_rec;

/* Bytes of a run of n ranges whose keys are key_size bytes. */
static inline uint64_t kz__geo_run_bytes(uint64_t n, unsigned key_size)
{
    return ((n * key_size + 7) & ~7ull) + ((n * 4 + 7) & ~7ull);
}

#endif
