/* Geo table: validation of an image, the lookups (single and batched), and the slot that
 * shares one table between threads and swaps in a new one without readers locking.
 *
 * Lookup structure (DXR-like): a direct index on the top 16 bits of the address finds
 * either the answer of the whole /16 or a short sorted run of range starts within it,
 * searched without branches. The IPv4 part of a routing table with ~500k ranges is
 * ~4 MB, so it stays in the last-level cache; the batch functions overlap the misses. */
#include "engine/geo.h"

#include "engine/geo_format.h"
#include "util/alloc.h"
#include "util/checksum.h"

#include <sched.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct kz_geo_table {
    const uint8_t *base;
    size_t size;
    const kz__geo_header *h;
    const kz__geo_rec *recs;
    uint32_t nrecords;
    const char *pool;
    const uint64_t *idx4;
    const uint64_t *runs4;  /* 8-byte units, as the index counts */
    const uint64_t *idx6;
    const uint64_t *nodes6;
    uint32_t nnodes6;
    const uint64_t *runs6;
    const char *info;
    void (*release)(void *ctx, const void *p, size_t n);
    void *ctx;
};

/* --- Validation ---------------------------------------------------------------------- */

static kz_rc bad(kz_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static kz_rc bad(kz_err *err, const char *fmt, ...)
{
    char why[240];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return kz_fail(err, KZ_ECORRUPT, NULL, "geo table: %s", why);
}

static kz_rc check_span(const kz__geo_header *h, size_t n, int sec, uint64_t want, const char *name,
                        kz_err *err)
{
    const kz__geo_span *s = &h->sec[sec];
    if (s->off % KZ__GEO_ALIGN || s->off < sizeof *h || s->off > n || s->len > n - s->off)
        return bad(err, "%s section at %llu (+%llu) lies outside the file", name,
                   (unsigned long long)s->off, (unsigned long long)s->len);
    if (want != UINT64_MAX && s->len != want)
        return bad(err, "%s section has %llu bytes, the header implies %llu", name,
                   (unsigned long long)s->len, (unsigned long long)want);
    return KZ_OK;
}

/* The walk over one family's index, its nodes and its runs. */
typedef struct walk {
    const kz_geo_table *t;
    int fam;
    unsigned ksize;
    const char *name;
    const uint64_t *runs;
    uint64_t runs_len;
    uint64_t next, seen;  /* the next run's offset in 8-byte units; ranges so far */
    uint32_t bucket;      /* the /16 being checked, for messages */
    uint8_t *visited;     /* per v6 node */
    uint64_t nvisited;
} walk;

static bool key6_le(const uint64_t *a, const uint64_t *b) { return a[0] < b[0] || (a[0] == b[0] && a[1] <= b[1]); }

/* Checks one entry that covers [prefix, prefix + 2^bits): a record, a run (in its place
 * in the runs section, its keys ascending from the prefix's first address and inside
 * the prefix) or, for IPv6, a node not seen before whose 256 entries cover the parts. */
static kz_rc check_entry(walk *w, uint64_t e, kz_u128 prefix, int bits, int depth, kz_err *err)
{
    uint64_t cnt = e >> 32, v = (uint32_t)e;
    const kz_geo_table *t = w->t;
    if (cnt == 0) {
        if (w->fam == 4 || depth >= KZ__GEO_MAX_DEPTH || v >= t->nnodes6 || w->visited[v])
            return bad(err, "%s index entry %u has a run of 0 ranges or a node out of place", w->name,
                       w->bucket);
        w->visited[v] = 1;
        w->nvisited++;
        for (unsigned c = 0; c < KZ__GEO_NODE; c++) {
            kz_rc rc = check_entry(w, t->nodes6[v * KZ__GEO_NODE + c], prefix + ((kz_u128)c << (bits - 8)),
                                   bits - 8, depth + 1, err);
            if (rc)
                return rc;
        }
        return KZ_OK;
    }
    if (cnt > KZ__GEO_MAX_RUN)
        return bad(err, "%s index entry %u has a run of %llu ranges", w->name, w->bucket,
                   (unsigned long long)cnt);
    if (cnt == 1) {
        if (v >= t->nrecords)
            return bad(err, "%s index entry %u names record %llu", w->name, w->bucket,
                       (unsigned long long)v);
        return KZ_OK;
    }
    uint64_t size = kz__geo_run_bytes(cnt, w->ksize);
    if (v != w->next || size > w->runs_len - w->next * 8)
        return bad(err, "%s run of /16 %u at %llu is out of place", w->name, w->bucket,
                   (unsigned long long)v);
    w->next += size / 8;
    w->seen += cnt;
    const uint64_t *run = w->runs + v;
    const uint32_t *ids = (const uint32_t *)(run + ((cnt * w->ksize + 7) / 8));
    uint64_t first[2] = {(uint64_t)(prefix >> 64), (uint64_t)prefix};
    kz_u128 end = prefix + (((kz_u128)1 << bits) - 1);
    uint64_t last[2] = {(uint64_t)(end >> 64), (uint64_t)end};
    for (uint64_t i = 0; i < cnt; i++) {
        if (ids[i] >= t->nrecords)
            return bad(err, "%s run of /16 %u names record %u", w->name, w->bucket, ids[i]);
        bool ok;
        if (w->fam == 4) {
            const uint16_t *k = (const uint16_t *)run;
            ok = i == 0 ? k[0] == 0 : k[i] > k[i - 1];
        } else {
            const uint64_t *k = run + 2 * i;
            ok = i == 0 ? k[0] == first[0] && k[1] == first[1]
                        : !key6_le(k, k - 2) && key6_le(k, last);
        }
        if (!ok)
            return bad(err, "%s range %llu of /16 %u is out of order", w->name, (unsigned long long)i,
                       w->bucket);
    }
    return KZ_OK;
}

/* Checks one family's index, nodes and runs. Afterwards lookups need no bounds checks. */
static kz_rc check_index(const kz_geo_table *t, int fam, uint64_t runs_len, kz_err *err)
{
    walk w = {t, fam, fam == 4 ? 2 : 16, fam == 4 ? "IPv4" : "IPv6", fam == 4 ? t->runs4 : t->runs6,
              runs_len, 0, 0, 0, NULL, 0};
    if (fam == 6 && t->nnodes6 && !(w.visited = kz_calloc(t->nnodes6, 1)))
        return kz_fail(err, KZ_ENOMEM, NULL, "out of memory");
    const uint64_t *idx = fam == 4 ? t->idx4 : t->idx6;
    uint64_t entries = fam == 4 ? t->h->v4_entries : t->h->v6_entries;
    kz_rc rc = KZ_OK;
    for (uint32_t b = 0; !rc && b < KZ__GEO_BUCKETS; b++) {
        w.bucket = b;
        kz_u128 prefix = fam == 4 ? (kz_u128)b << 16 : (kz_u128)b << 112;
        rc = check_entry(&w, idx[b], prefix, fam == 4 ? 16 : 112, 0, err);
    }
    kz_free(w.visited);
    if (!rc && (w.next * 8 != runs_len || w.seen != entries))
        rc = bad(err, "%s runs hold %llu bytes, the index uses %llu", w.name,
                 (unsigned long long)runs_len, (unsigned long long)w.next * 8);
    if (!rc && fam == 6 && w.nvisited != t->nnodes6)
        rc = bad(err, "IPv6 has %u nodes, the index reaches %llu", t->nnodes6,
                 (unsigned long long)w.nvisited);
    return rc;
}

static kz_rc check_records(const kz_geo_table *t, uint64_t pool_len, kz_err *err)
{
    for (uint32_t i = 0; i < t->nrecords; i++) {
        const kz__geo_rec *r = &t->recs[i];
        bool cc_ok = (r->cc[0] == 0 && r->cc[1] == 0) ||
                     (r->cc[0] >= 'A' && r->cc[0] <= 'Z' && r->cc[1] >= 'A' && r->cc[1] <= 'Z');
        if (r->org >= pool_len || !cc_ok)
            return bad(err, "record %u is malformed", i);
    }
    const kz__geo_rec *z = &t->recs[0];
    if (z->asn || z->org || z->cc[0])
        return kz_fail(err, KZ_ECORRUPT, NULL, "geo table: record 0 is not the empty answer");
    return KZ_OK;
}

kz_rc kz_geo_table_open(const void *p, size_t n, void (*release)(void *, const void *, size_t),
                        void *ctx, kz_geo_table **out, kz_err *err)
{
    *out = NULL;
    kz__geo_header h;
    if (n < sizeof h)
        return kz_fail(err, KZ_ECORRUPT, NULL, "geo table: %zu bytes is too short for a header", n);
    if ((uintptr_t)p % 8)
        return kz_fail(err, KZ_EINVAL, NULL, "geo table: image is not 8-byte aligned");
    memcpy(&h, p, sizeof h);
    if (memcmp(h.magic, KZ__GEO_MAGIC, sizeof h.magic) != 0)
        return kz_fail(err, KZ_ECORRUPT, NULL, "not a Kizuna geo table (bad magic)");
    if (h.bom != KZ__GEO_BOM)
        return kz_fail(err, KZ_ECORRUPT, NULL, "geo table: built for another byte order");
    if (h.version != KZ__GEO_VERSION)
        return kz_fail(err, KZ_EVERSION, NULL,
                       "geo table: format version %u, this kizuna reads version %d; rebuild it "
                       "with kizuna geodata build", h.version, KZ__GEO_VERSION);
    if (h.header_size != sizeof h)
        return kz_fail(err, KZ_ECORRUPT, NULL, "geo table: header of %u bytes", h.header_size);
    if (h.file_size != n)
        return kz_fail(err, KZ_ECORRUPT, NULL,
                       "geo table: truncated or padded: header says %llu bytes, file has %zu",
                       (unsigned long long)h.file_size, n);
    uint32_t want = h.crc;
    h.crc = 0;
    uint32_t crc = kz_crc32(0, &h, sizeof h);
    crc = kz_crc32(crc, (const uint8_t *)p + sizeof h, n - sizeof h);
    if (crc != want)
        return kz_fail(err, KZ_ECORRUPT, NULL,
                       "geo table: checksum mismatch (stored %08x, computed %08x): the file "
                       "is damaged", want, crc);
    if (h.nrecords == 0)
        return kz_fail(err, KZ_ECORRUPT, NULL, "geo table: no records");

    kz_rc rc;
    if ((rc = check_span(&h, n, KZ__GEO_RECORDS, (uint64_t)h.nrecords * sizeof(kz__geo_rec), "records", err)) ||
        (rc = check_span(&h, n, KZ__GEO_POOL, UINT64_MAX, "names", err)) ||
        (rc = check_span(&h, n, KZ__GEO_V4_INDEX, KZ__GEO_BUCKETS * 8ull, "IPv4 index", err)) ||
        (rc = check_span(&h, n, KZ__GEO_V4_RUNS, UINT64_MAX, "IPv4 runs", err)) ||
        (rc = check_span(&h, n, KZ__GEO_V6_INDEX, KZ__GEO_BUCKETS * 8ull, "IPv6 index", err)) ||
        (rc = check_span(&h, n, KZ__GEO_V6_NODES, h.v6_nodes * (uint64_t)KZ__GEO_NODE * 8, "IPv6 nodes", err)) ||
        (rc = check_span(&h, n, KZ__GEO_V6_RUNS, UINT64_MAX, "IPv6 runs", err)) ||
        (rc = check_span(&h, n, KZ__GEO_INFO, UINT64_MAX, "info", err)))
        return rc;
    const uint8_t *b = p;
    const kz__geo_span *s = h.sec;
    uint64_t pool_len = s[KZ__GEO_POOL].len, info_len = s[KZ__GEO_INFO].len;
    if (pool_len == 0 || b[s[KZ__GEO_POOL].off] != 0 || b[s[KZ__GEO_POOL].off + pool_len - 1] != 0)
        return kz_fail(err, KZ_ECORRUPT, NULL, "geo table: the names section is not terminated");
    if (info_len == 0 || b[s[KZ__GEO_INFO].off + info_len - 1] != 0)
        return kz_fail(err, KZ_ECORRUPT, NULL, "geo table: the info section is not terminated");

    kz_geo_table *t = kz_calloc(1, sizeof *t);
    if (!t)
        return kz_fail(err, KZ_ENOMEM, NULL, "out of memory");
    t->base = b;
    t->size = n;
    t->h = p;
    t->recs = (const void *)(b + s[KZ__GEO_RECORDS].off);
    t->nrecords = h.nrecords;
    t->pool = (const char *)b + s[KZ__GEO_POOL].off;
    t->idx4 = (const void *)(b + s[KZ__GEO_V4_INDEX].off);
    t->runs4 = (const void *)(b + s[KZ__GEO_V4_RUNS].off);
    t->idx6 = (const void *)(b + s[KZ__GEO_V6_INDEX].off);
    t->nodes6 = (const void *)(b + s[KZ__GEO_V6_NODES].off);
    t->nnodes6 = h.v6_nodes;
    t->runs6 = (const void *)(b + s[KZ__GEO_V6_RUNS].off);
    t->info = (const char *)b + s[KZ__GEO_INFO].off;
    if ((rc = check_records(t, pool_len, err)) ||
        (rc = check_index(t, 4, s[KZ__GEO_V4_RUNS].len, err)) ||
        (rc = check_index(t, 6, s[KZ__GEO_V6_RUNS].len, err))) {
        kz_free(t);
        return rc;
    }
    t->release = release;
    t->ctx = ctx;
    *out = t;
    return KZ_OK;
}

void kz_geo_table_free(kz_geo_table *t)
{
    if (!t)
        return;
    if (t->release)
        t->release(t->ctx, t->base, t->size);
    kz_free(t);
}

void kz_geo_table_info(const kz_geo_table *t, kz_geo_info *out)
{
    out->version = t->h->version;
    out->built = t->h->built;
    out->records = t->nrecords;
    out->v4_ranges = t->h->v4_ranges;
    out->v6_ranges = t->h->v6_ranges;
    out->bytes = t->size;
    const kz__geo_span *sec = t->h->sec;
    out->v4_bytes = sec[KZ__GEO_V4_INDEX].len + sec[KZ__GEO_V4_RUNS].len;
    out->v6_bytes = sec[KZ__GEO_V6_INDEX].len + sec[KZ__GEO_V6_NODES].len + sec[KZ__GEO_V6_RUNS].len;
    out->answer_bytes = sec[KZ__GEO_RECORDS].len + sec[KZ__GEO_POOL].len;
    out->sources = t->info;
}

void kz_geo_record(const kz_geo_table *t, uint32_t id, kz_geo_answer *out)
{
    const kz__geo_rec *r = &t->recs[id < t->nrecords ? id : 0];
    out->asn = r->asn;
    out->org = t->pool + r->org;
    out->cc[0] = r->cc[0];
    out->cc[1] = r->cc[1];
    out->cc[2] = '\0';
}

uint32_t kz_geo_record_asn(const kz_geo_table *t, uint32_t id)
{
    return t->recs[id < t->nrecords ? id : 0].asn;
}

/* --- Lookups ------------------------------------------------------------------------- */

/* Index of the last key <= x in k[0..n), n >= 1 and k[0] <= x: a binary search whose
 * loop has no data-dependent branch (the compare becomes a conditional move). */
static inline uint32_t search16(const uint16_t *k, uint32_t n, uint16_t x)
{
    const uint16_t *p = k;
    while (n > 1) {
        uint32_t half = n / 2;
        p = p[half] <= x ? p + half : p;
        n -= half;
    }
    return (uint32_t)(p - k);
}

static inline uint32_t search128(const uint64_t *k, uint32_t n, uint64_t hi, uint64_t lo)
{
    const uint64_t *p = k;
    while (n > 1) {
        uint32_t half = n / 2;
        const uint64_t *m = p + 2 * half;
        bool le = m[0] < hi || (m[0] == hi && m[1] <= lo);
        p = le ? m : p;
        n -= half;
    }
    return (uint32_t)((p - k) / 2);
}

/* The record ids of a run follow its keys, each part padded to 8 bytes. */
static inline const uint32_t *run_ids4(const uint64_t *run, uint32_t n)
{
    return (const uint32_t *)(run + (2 * (size_t)n + 7) / 8);
}

static inline const uint32_t *run_ids6(const uint64_t *run, uint32_t n)
{
    return (const uint32_t *)(run + 2 * (size_t)n);
}

uint32_t kz_geo_find4(const kz_geo_table *t, uint32_t ip)
{
    uint64_t e = t->idx4[ip >> 16];
    uint32_t v = (uint32_t)e, n = (uint32_t)(e >> 32);
    if (n == 1)
        return v;
    const uint64_t *run = t->runs4 + v;
    return run_ids4(run, n)[search16((const uint16_t *)run, n, (uint16_t)ip)];
}

static inline uint64_t load_be64(const uint8_t *p)
{
    uint64_t x = 0;
    for (int i = 0; i < 8; i++)
        x = x << 8 | p[i];
    return x;
}

/* Follows nodes from the /16's entry down to a record or a run. The loader checked
 * that a path holds at most KZ__GEO_MAX_DEPTH nodes, so byte stays below 16. */
static inline uint64_t descend6(const kz_geo_table *t, uint64_t e, const uint8_t ip[16])
{
    for (int byte = 2; (e >> 32) == 0; byte++)
        e = t->nodes6[(size_t)(uint32_t)e * KZ__GEO_NODE + ip[byte]];
    return e;
}

uint32_t kz_geo_find6(const kz_geo_table *t, const uint8_t ip[16])
{
    uint64_t hi = load_be64(ip), lo = load_be64(ip + 8);
    uint64_t e = descend6(t, t->idx6[hi >> 48], ip);
    uint32_t v = (uint32_t)e, n = (uint32_t)(e >> 32);
    if (n == 1)
        return v;
    const uint64_t *run = t->runs6 + v;
    return run_ids6(run, n)[search128(run, n, hi, lo)];
}

/* Index of the last key <= x in k[0..n), n >= 1 and k[0] <= x, as search16, in a fixed
 * number of steps first: a run of up to 2^STEPS keys (all of them in the routing data)
 * costs STEPS conditional moves and no branch at all, so that random addresses cost no
 * mispredicted loop exits; a longer run finishes in the loop. */
enum { STEPS = 8 };

static inline uint32_t search16_fixed(const uint16_t *k, uint32_t n, uint16_t x)
{
    uint32_t base = 0;
    for (int s = 0; s < STEPS; s++) {
        uint32_t half = n / 2;
        base = k[base + half] <= x ? base + half : base;
        n -= half;
    }
    while (n > 1) {
        uint32_t half = n / 2;
        base = k[base + half] <= x ? base + half : base;
        n -= half;
    }
    return base;
}

/* The batch lookups are a software pipeline over groups of GROUP addresses: while group
 * g is searched, the index entries of group g + 1 are read (and their runs or records
 * prefetched) and those of group g + 2 prefetched; kz_geo_lookup4_batch fills the
 * answers of group g - 1, whose records were prefetched a group earlier, and prefetches
 * for writing the answer lines of group g + 2. What a stage
 * prefetches has a whole group's work to arrive in, and the loops over a group have a
 * constant trip count. The search compacts the group's lookups that have a run into a
 * list and searches those in a fixed number of steps, so the only branch that depends
 * on the addresses is that list's loop. */
enum { GROUP = 8, GROUP6 = 16 };  /* 8 measured faster than 16 or 32 for IPv4 */

typedef struct stage4 {
    uint64_t e[2][GROUP];   /* entries of groups g and g + 1, by g % 2 */
    uint32_t id[2][GROUP];  /* record ids of groups g - 1 and g */
} stage4;

static inline void stage_index(const kz_geo_table *t, const uint32_t *ips)
{
#pragma GCC unroll 8
    for (int j = 0; j < GROUP; j++)
        __builtin_prefetch(&t->idx4[ips[j] >> 16]);
}

static inline void stage_entry(const kz_geo_table *t, const uint32_t *ips, uint64_t *es)
{
#pragma GCC unroll 8
    for (int j = 0; j < GROUP; j++) {
        uint64_t e = t->idx4[ips[j] >> 16];
        es[j] = e;
        uint32_t v = (uint32_t)e, c = (uint32_t)(e >> 32);
        bool run = c > 1;
        const uint64_t *r = t->runs4 + (run ? v : 0);
        const void *first = run ? (const void *)r : (const void *)&t->recs[run ? 0 : v];
        const void *last = run ? (const void *)(run_ids4(r, c) + c - 1) : first;
        __builtin_prefetch(first);
        __builtin_prefetch(last);
    }
}

static inline void stage_search(const kz_geo_table *t, const uint32_t *ips, const uint64_t *es,
                                uint32_t *id)
{
    uint8_t list[GROUP];
    unsigned m = 0;
#pragma GCC unroll 8
    for (int j = 0; j < GROUP; j++) {
        id[j] = (uint32_t)es[j];
        list[m] = (uint8_t)j;
        m += (es[j] >> 32) > 1;
    }
    for (unsigned k = 0; k < m; k++) {
        unsigned j = list[k];
        uint32_t c = (uint32_t)(es[j] >> 32);
        const uint64_t *run = t->runs4 + (uint32_t)es[j];
        id[j] = run_ids4(run, c)[search16_fixed((const uint16_t *)run, c, (uint16_t)ips[j])];
    }
}

/* Writes the answer as three 8-byte words (the padding zero) rather than five fields:
 * a batch writes 24 bytes an address, mostly to lines not in the cache, and the fewer
 * stores wait for them the better (measured: 96 against 93 M/s on bench/route). */
_Static_assert(sizeof(kz_geo_answer) == 24 && offsetof(kz_geo_answer, org) == 8 &&
               offsetof(kz_geo_answer, cc) == 16, "kz_geo_answer is three 8-byte words");

static inline void fill(const kz_geo_table *t, uint32_t id, kz_geo_answer *a)
{
    const kz__geo_rec *r = &t->recs[id];
    uint64_t asn = r->asn;
    uint16_t cc;
    memcpy(&cc, r->cc, 2);
    uint64_t ccw = cc;  /* cc[0], cc[1], then NULs */
    const char *org = t->pool + r->org;
    char *p = (char *)a;
    memcpy(p, &asn, 8);
    memcpy(p + 8, &org, 8);
    memcpy(p + 16, &ccw, 8);
}

/* The pipeline over the ng full groups of ips; out or ans (the other NULL) receives the
 * record ids or the answers. */
static inline void pipe4(const kz_geo_table *t, const uint32_t *ips, size_t ng, uint32_t *out,
                         kz_geo_answer *ans)
{
    stage4 s;
    if (ng > 0)
        stage_index(t, ips);
    if (ng > 1)
        stage_index(t, ips + GROUP);
    if (ng > 0)
        stage_entry(t, ips, s.e[0]);
    for (size_t g = 0; g < ng; g++) {
        const uint32_t *x = ips + g * GROUP;
        if (g + 2 < ng)
            stage_index(t, x + 2 * GROUP);
        if (g + 1 < ng)
            stage_entry(t, x + GROUP, s.e[(g + 1) % 2]);
        uint32_t *id = out ? out + g * GROUP : s.id[g % 2];
        stage_search(t, x, s.e[g % 2], id);
        if (!ans)
            continue;
        if (g + 2 < ng)  /* the answer lines two groups on, for writing */
            for (size_t o = 0; o < GROUP * sizeof *ans; o += 64)
                __builtin_prefetch((const char *)&ans[(g + 2) * GROUP] + o, 1);
#pragma GCC unroll 8
        for (int j = 0; j < GROUP; j++)
            __builtin_prefetch(&t->recs[id[j]]);
        if (g > 0)
#pragma GCC unroll 8
            for (int j = 0; j < GROUP; j++)
                fill(t, s.id[(g - 1) % 2][j], &ans[(g - 1) * GROUP + j]);
    }
    if (ans && ng > 0)
        for (int j = 0; j < GROUP; j++)
            fill(t, s.id[(ng - 1) % 2][j], &ans[(ng - 1) * GROUP + j]);
}

void kz_geo_find4_batch(const kz_geo_table *t, const uint32_t *ips, uint32_t *out, size_t n)
{
    size_t ng = n / GROUP;
    pipe4(t, ips, ng, out, NULL);
    for (size_t i = ng * GROUP; i < n; i++)
        out[i] = kz_geo_find4(t, ips[i]);
}

void kz_geo_lookup4_batch(const kz_geo_table *t, const uint32_t *ips, kz_geo_answer *out, size_t n)
{
    size_t ng = n / GROUP;
    pipe4(t, ips, ng, NULL, out);
    for (size_t i = ng * GROUP; i < n; i++)
        fill(t, kz_geo_find4(t, ips[i]), &out[i]);
}

void kz_geo_find6_batch(const kz_geo_table *t, const uint8_t (*ips)[16], uint32_t *out, size_t n)
{
    size_t i = 0;
    for (; i + GROUP6 <= n; i += GROUP6) {
        uint64_t e[GROUP6], hi[GROUP6], lo[GROUP6];
        for (int j = 0; j < GROUP6; j++) {
            hi[j] = load_be64(ips[i + j]);
            lo[j] = load_be64(ips[i + j] + 8);
            __builtin_prefetch(&t->idx6[hi[j] >> 48]);
        }
        for (int j = 0; j < GROUP6; j++) {
            e[j] = t->idx6[hi[j] >> 48];
            if ((e[j] >> 32) == 0)
                __builtin_prefetch(&t->nodes6[(size_t)(uint32_t)e[j] * KZ__GEO_NODE + ips[i + j][2]]);
        }
        for (int j = 0; j < GROUP6; j++) {
            e[j] = descend6(t, e[j], ips[i + j]);
            uint32_t v = (uint32_t)e[j], c = (uint32_t)(e[j] >> 32);
            if (c > 1) {
                __builtin_prefetch(t->runs6 + v);
                __builtin_prefetch(t->runs6 + v + 2 * (size_t)c);
            }
        }
        for (int j = 0; j < GROUP6; j++) {
            uint32_t v = (uint32_t)e[j], c = (uint32_t)(e[j] >> 32);
            if (c == 1) {
                out[i + j] = v;
            } else {
                const uint64_t *run = t->runs6 + v;
                out[i + j] = run_ids6(run, c)[search128(run, c, hi[j], lo[j])];
            }
        }
    }
    for (; i < n; i++)
        out[i] = kz_geo_find6(t, ips[i]);
}

/* --- Slot: one current table, many readers, atomic swaps ------------------------------
 * Two slots and a pin count per slot. A reader pins the current slot and then checks
 * that it is still current (otherwise it unpins and retries), so a writer that sees a
 * slot's pin count at zero after making the other slot current knows that no reader
 * can reach the table in it any more. A reader that pinned a slot on a stale reading
 * of `cur` only ever delays the writer: it rechecks before it dereferences. */

void kz_geo_slot_init(kz_geo_slot *s)
{
    s->table[0] = s->table[1] = NULL;
    atomic_init(&s->pins[0], 0);
    atomic_init(&s->pins[1], 0);
    atomic_init(&s->cur, 0);
    atomic_flag_clear(&s->writing);
}

static void pause_briefly(void)
{
    struct timespec ts = {0, 100000};
    nanosleep(&ts, NULL);
}

void kz_geo_slot_swap(kz_geo_slot *s, kz_geo_table *t)
{
    while (atomic_flag_test_and_set(&s->writing))
        pause_briefly();
    int old = atomic_load(&s->cur), next = 1 - old;
    while (atomic_load(&s->pins[next]) != 0)  /* only readers about to retry */
        pause_briefly();
    s->table[next] = t;
    atomic_store(&s->cur, next);
    while (atomic_load(&s->pins[old]) != 0)   /* readers still using the old table */
        pause_briefly();
    kz_geo_table_free(s->table[old]);
    s->table[old] = NULL;
    atomic_flag_clear(&s->writing);
}

const kz_geo_table *kz_geo_slot_acquire(kz_geo_slot *s, int *pin)
{
    for (;;) {
        int i = atomic_load(&s->cur);
        atomic_fetch_add(&s->pins[i], 1);
        if (atomic_load(&s->cur) == i) {
            *pin = i;
            return s->table[i];
        }
        atomic_fetch_sub(&s->pins[i], 1);
        sched_yield();
    }
}

void kz_geo_slot_release(kz_geo_slot *s, int pin) { atomic_fetch_sub(&s->pins[pin], 1); }

void kz_geo_slot_destroy(kz_geo_slot *s)
{
    kz_geo_table_free(s->table[0]);
    kz_geo_table_free(s->table[1]);
    s->table[0] = s->table[1] = NULL;
}
