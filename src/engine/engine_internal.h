/* Shared between the files of engine/: the layout of the compiled indicator set. */
#ifndef KZ_ENGINE_INTERNAL_H
#define KZ_ENGINE_INTERNAL_H

#include "engine/indset.h"

#include <stdint.h>

#define KZ__NONE UINT32_MAX

/* One indicator, 12 bytes. Records are sorted by type, then value, so that indicators
 * with the same value are consecutive (a run) and share one copy of the value. */
typedef struct kz__rec {
    uint32_t value_off;  /* into pool, NUL-terminated */
    uint32_t id_off;     /* into pool, or KZ__NONE */
    uint16_t value_len;
    uint8_t type;
    uint8_t flags;       /* KZ__PREFIX, KZ__ID_* */
} kz__rec;

enum {
    KZ__PREFIX = 1,      /* url prefix indicator */
    KZ__ID_UUID = 2,     /* id stored as 16 bytes: a UUID */
    KZ__ID_STIX = 4,     /* id stored as 16 bytes: "indicator--" + UUID */
};

/* Disjoint address intervals of one family: interval i runs from start[i] up to the
 * next start, and matches the run headed by rec[i] (KZ__NONE: nothing). */
typedef struct kz__prefix_table {
    uint32_t n;
    uint32_t *rec;
    uint32_t *v4;        /* IPv4 starts */
    uint64_t *hi, *lo;   /* IPv6 starts */
    uint64_t *bits;      /* IPv4: one bit per /24 that any prefix touches, or NULL */
    uint32_t *index;     /* IPv4: first interval of each top-16-bit block (65537), or NULL */
} kz__prefix_table;

/* An address prefix as collected at build time (IPv4 in the low 32 bits). */
typedef struct kz__pfx {
    unsigned __int128 start, end;
    uint32_t rec;
    uint8_t plen, exact;  /* exact: from an ipv4/ipv6 indicator, preferred on a tie */
} kz__pfx;

/* A key and the index of what it sorts. */
typedef struct kz__sortkey {
    uint64_t key;
    uint32_t i;
} kz__sortkey;

/* Sorts a[0..n) by key, stably (equal keys keep their order); tmp holds n more. */
void kz__radix_sort(kz__sortkey *a, kz__sortkey *tmp, size_t n);

/* Builds t from p[0..n) (reordered). v6 selects the family. KZ_ENOMEM on failure. */
kz_rc kz__prefix_build(kz__prefix_table *t, kz__pfx *p, size_t n, bool v6);
void kz__prefix_free(kz__prefix_table *t);
size_t kz__prefix_bytes(const kz__prefix_table *t);
uint32_t kz__prefix_v4(const kz__prefix_table *t, uint32_t a);

/* False when no prefix of t holds a: its /24 bitmap, when it has one, read inline (the
 * first step of kz__prefix_v4, and the matcher's test before the call). */
static inline bool kz__prefix_v4_maybe(const kz__prefix_table *t, uint32_t a)
{
    if (!t->bits)
        return t->n != 0;
    uint32_t k = a >> 8;
    return t->bits[k >> 6] >> (k & 63) & 1;
}

uint32_t kz__prefix_v6(const kz__prefix_table *t, uint64_t hi, uint64_t lo);

/* The compiled indicator set's layout, shared by engine_indset.c (building, lookups) and
 * engine_indset_image.c (saving it as one image and reading it in place). */
#define KZ__HOST_REF 0x80000000u  /* marks a slot that refers to hosts[], not to a record */

typedef struct kz__slot {
    uint32_t tag;   /* 0: empty; else the upper hash bits, never 0 */
    uint32_t ref;   /* a record (run head), or for K_URLHOST an index into hosts */
} kz__slot;

/* The hosts of URL indicators, with the prefix indicators on each. */
typedef struct kz__url_host {
    uint32_t off;      /* into pool: the host inside some URL value */
    uint16_t len;
    uint32_t first, n; /* into pfx: run heads of prefix URL indicators on this host */
} kz__url_host;

struct kz_indset {
    const void *image;      /* the arrays point into this image, or NULL: they are owned */
    size_t image_len;
    void (*release)(void *ctx, const void *p, size_t n);
    void *release_ctx;
    uint32_t n;
    kz__rec *recs;
    char *pool;
    size_t pool_len;
    size_t per_type[KZ_IND_TYPE_COUNT];
    kz__slot *slots;
    uint32_t mask;
    uint64_t *bloom;        /* a blocked Bloom filter over the table's keys: 512-bit blocks */
    uint32_t bloom_mask;    /* blocks - 1 */
    uint8_t dom_min_labels; /* fewest labels of a domain indicator: shorter suffixes are skipped */
    uint64_t *parents;      /* a bit per hash of a proper suffix of a domain or URL-host name */
    uint32_t parents_shift; /* 64 - log2(the bits of parents) */
    kz__url_host *hosts;
    uint32_t n_hosts;
    uint32_t *pfx;
    uint32_t n_pfx;
    kz__prefix_table v4, v6;
    uint32_t *asn, *asn_rec;  /* AS numbers sorted, with their run heads */
    uint32_t n_asn;
};

/* False when no IPv4 indicator or CIDR holds a: the /24 bitmap read inline, so that the
 * matcher's many misses cost no call (kz_indset_ipv4 answers the rest). */
static inline bool kz__indset_ipv4_maybe(const kz_indset *s, const unsigned char a[4])
{
    return kz__prefix_v4_maybe(&s->v4, (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3]);
}

#endif
