/* Geo table builder: collects the ranges of the AS and country layers, resolves overlaps
 * within each layer, overlays the two, numbers the distinct answers and lays out the
 * table image of engine/geo_format.h. Runs once per `kizuna geodata build`; clarity
 * over speed, but linear after one sort per layer. */
#include "engine/geo.h"

#include "engine/geo_format.h"
#include "util/alloc.h"
#include "util/checksum.h"

#include <stdlib.h>
#include <string.h>

typedef struct brange {
    kz_u128 first, last;
    uint32_t val;  /* AS layer: AS-pair id + 1; country layer: cc[0] << 8 | cc[1] */
    uint32_t seq;  /* insertion order: later wins on equal starts */
} brange;

typedef struct bvec {
    brange *p;
    size_t n, cap;
} bvec;

/* A breakpoint: from pos up to the next breakpoint's pos, the answer is val. */
typedef struct bpoint {
    kz_u128 pos;
    uint32_t val;
} bpoint;

typedef struct pvec {
    bpoint *p;
    size_t n, cap;
} pvec;

/* Open-addressing map from nonzero 64-bit keys to 32-bit values. */
typedef struct u64map {
    uint64_t *keys;
    uint32_t *vals;
    size_t cap, n;  /* cap is a power of two */
} u64map;

struct kz_geo_builder {
    bvec ranges[2][2];  /* [layer][family 4 = 0, 6 = 1] */
    uint32_t seq;
    char *pool;         /* organization names, NUL-terminated; offset 0 is "" */
    size_t pool_len, pool_cap;
    uint64_t *name_hash;  /* string set over the pool: hash and offset + 1 per slot */
    uint32_t *name_off;
    size_t name_cap, name_n;
    u64map pair_ids;    /* (asn << 32 | name offset) + 1 -> AS-pair id */
    struct aspair {
        uint32_t asn, org;
    } *pairs;
    size_t npairs, pairs_cap;
};

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = kz_realloc(*p, c * elem);
    if (!q)
        return false;
    *p = q;
    *cap = c;
    return true;
}

/* Looks key up; when absent and val_if_new is not UINT32_MAX, inserts it. Returns the
 * value, UINT32_MAX when absent (or out of memory on insert: *oom set). */
static uint32_t map_get(u64map *m, uint64_t key, uint32_t val_if_new, bool *oom)
{
    if (m->n * 2 >= m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 1024;
        uint64_t *keys = kz_calloc(cap, sizeof *keys);
        uint32_t *vals = kz_calloc(cap, sizeof *vals);
        if (!keys || !vals) {
            kz_free(keys);
            kz_free(vals);
            *oom = true;
            return UINT32_MAX;
        }
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->keys[i])
                continue;
            size_t j = kz_hash_mix64(m->keys[i]) & (cap - 1);
            while (keys[j])
                j = (j + 1) & (cap - 1);
            keys[j] = m->keys[i];
            vals[j] = m->vals[i];
        }
        kz_free(m->keys);
        kz_free(m->vals);
        m->keys = keys;
        m->vals = vals;
        m->cap = cap;
    }
    size_t j = kz_hash_mix64(key) & (m->cap - 1);
    while (m->keys[j]) {
        if (m->keys[j] == key)
            return m->vals[j];
        j = (j + 1) & (m->cap - 1);
    }
    if (val_if_new == UINT32_MAX)
        return UINT32_MAX;
    m->keys[j] = key;
    m->vals[j] = val_if_new;
    m->n++;
    return val_if_new;
}

static void map_free(u64map *m)
{
    kz_free(m->keys);
    kz_free(m->vals);
}

kz_geo_builder *kz_geo_builder_new(void)
{
    kz_geo_builder *b = kz_calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->pool = kz_malloc(4096);
    if (!b->pool) {
        kz_free(b);
        return NULL;
    }
    b->pool_cap = 4096;
    b->pool[0] = '\0';
    b->pool_len = 1;
    return b;
}

void kz_geo_builder_free(kz_geo_builder *b)
{
    if (!b)
        return;
    for (int l = 0; l < 2; l++)
        for (int f = 0; f < 2; f++)
            kz_free(b->ranges[l][f].p);
    kz_free(b->pool);
    kz_free(b->name_hash);
    kz_free(b->name_off);
    map_free(&b->pair_ids);
    kz_free(b->pairs);
    kz_free(b);
}

/* The pool offset of the name s[0..n), adding it when new; UINT32_MAX when out of
 * memory or when the pool would pass 4 GB. */
static uint32_t intern(kz_geo_builder *b, const char *s, size_t n)
{
    if (n == 0)
        return 0;
    if (b->name_n * 2 >= b->name_cap) {
        size_t cap = b->name_cap ? b->name_cap * 2 : 1024;
        uint64_t *hs = kz_calloc(cap, sizeof *hs);
        uint32_t *os = kz_calloc(cap, sizeof *os);
        if (!hs || !os) {
            kz_free(hs);
            kz_free(os);
            return UINT32_MAX;
        }
        for (size_t i = 0; i < b->name_cap; i++) {
            if (!b->name_off[i])
                continue;
            size_t j = b->name_hash[i] & (cap - 1);
            while (os[j])
                j = (j + 1) & (cap - 1);
            hs[j] = b->name_hash[i];
            os[j] = b->name_off[i];
        }
        kz_free(b->name_hash);
        kz_free(b->name_off);
        b->name_hash = hs;
        b->name_off = os;
        b->name_cap = cap;
    }
    uint64_t h = kz_hash_bytes(s, n);
    size_t j = h & (b->name_cap - 1);
    while (b->name_off[j]) {
        const char *have = b->pool + b->name_off[j] - 1;
        if (b->name_hash[j] == h && strncmp(have, s, n) == 0 && have[n] == '\0')
            return b->name_off[j] - 1;
        j = (j + 1) & (b->name_cap - 1);
    }
    if (b->pool_len + n + 1 >= UINT32_MAX ||
        !grow((void **)&b->pool, &b->pool_cap, b->pool_len + n + 1, 1))
        return UINT32_MAX;
    uint32_t off = (uint32_t)b->pool_len;
    memcpy(b->pool + off, s, n);
    b->pool[off + n] = '\0';
    b->pool_len += n + 1;
    b->name_hash[j] = h;
    b->name_off[j] = off + 1;
    b->name_n++;
    return off;
}

kz_rc kz_geo_builder_add(kz_geo_builder *b, kz_geo_layer layer, const kz_geo_range *r, kz_err *err)
{
    if (r->family != 4 && r->family != 6)
        return kz_fail(err, KZ_EINVAL, "family", "family must be 4 or 6");
    if (r->first > r->last)
        return kz_fail(err, KZ_EINVAL, "range", "the range ends before it starts");
    if (r->family == 4 && r->last > 0xffffffffu)
        return kz_fail(err, KZ_EINVAL, "range", "an IPv4 range must end below 2^32");
    brange x = {r->first, r->last, 0, b->seq++};
    if (layer == KZ_GEO_LAYER_COUNTRY) {
        if (r->cc[0] < 'A' || r->cc[0] > 'Z' || r->cc[1] < 'A' || r->cc[1] > 'Z')
            return kz_fail(err, KZ_EINVAL, "country", "a country code is two letters A-Z");
        x.val = (uint32_t)(unsigned char)r->cc[0] << 8 | (unsigned char)r->cc[1];
    } else {
        size_t n = r->org ? r->org_len : 0;
        if (n && memchr(r->org, '\0', n))
            return kz_fail(err, KZ_EINVAL, "organization", "an organization name holds a NUL byte");
        uint32_t org = intern(b, r->org, n);
        if (org == UINT32_MAX)
            return kz_fail(err, KZ_ENOMEM, NULL, "out of memory");
        bool oom = false;
        uint64_t key = (uint64_t)r->asn << 32 | org;
        if (!grow((void **)&b->pairs, &b->pairs_cap, b->npairs + 1, sizeof *b->pairs))
            return kz_fail(err, KZ_ENOMEM, NULL, "out of memory");
        uint32_t id = map_get(&b->pair_ids, key + 1, (uint32_t)b->npairs, &oom);
        if (oom)
            return kz_fail(err, KZ_ENOMEM, NULL, "out of memory");
        if (id == b->npairs)
            b->pairs[b->npairs++] = (struct aspair){r->asn, org};
        x.val = id + 1;
    }
    bvec *v = &b->ranges[layer][r->family == 6];
    if (!grow((void **)&v->p, &v->cap, v->n + 1, sizeof *v->p))
        return kz_fail(err, KZ_ENOMEM, NULL, "out of memory");
    v->p[v->n++] = x;
    return KZ_OK;
}

/* --- Layer resolution ------------------------------------------------------------------ */

static int cmp_range(const void *a, const void *b)
{
    const brange *x = a, *y = b;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Appends a breakpoint, keeping positions strictly ascending and neighbours' answers
 * different: a point at the same position replaces the last one (whose segment would
 * be empty), and a point with the answer already in force adds nothing. */
static bool push_point(pvec *v, kz_u128 pos, uint32_t val)
{
    if (v->n && v->p[v->n - 1].pos == pos)
        v->n--;
    if (v->n && v->p[v->n - 1].val == val)
        return true;
    if (!grow((void **)&v->p, &v->cap, v->n + 1, sizeof *v->p))
        return false;
    v->p[v->n++] = (bpoint){pos, val};
    return true;
}

/* Turns a layer's ranges into breakpoints covering [0, max]: from each range's start to
 * its end, the covering range with the latest start (then the latest added) answers;
 * where none covers, 0. The stack holds the open ranges in start order, so its top is
 * the winner once ranges that ended are popped. */
static bool resolve(bvec *v, kz_u128 max, pvec *out)
{
    if (v->n)
        qsort(v->p, v->n, sizeof *v->p, cmp_range);
    size_t *stack = kz_malloc((v->n + 1) * sizeof *stack);
    if (!stack)
        return false;
    size_t depth = 0;
    kz_u128 cur = 0;  /* first position not yet described */
    bool done = false, ok = push_point(out, 0, 0);
    for (size_t i = 0; ok && i <= v->n && !done; i++) {
        bool last = i == v->n;
        kz_u128 limit = last ? max : v->p[i].first;  /* describe [cur, limit) (or [cur, max]) */
        while (depth && ok) {
            const brange *top = &v->p[stack[depth - 1]];
            if (top->last < cur) {
                depth--;
                continue;
            }
            if (!last && cur >= limit)
                break;
            kz_u128 end = top->last;
            if (!last && end >= limit)
                end = limit - 1;
            ok = push_point(out, cur, top->val);
            if (end == max) {
                done = true;
                break;
            }
            cur = end + 1;
            if (end == top->last)
                depth--;
        }
        if (!ok || done)
            break;
        if (cur < limit || (last && cur <= max && depth == 0)) {
            ok = push_point(out, cur, 0);
            cur = limit;
        }
        if (!last)
            stack[depth++] = i;
    }
    kz_free(stack);
    return ok;
}

/* Overlays the AS and country breakpoints into answer breakpoints. */
typedef struct recset {
    u64map map;        /* (as-pair id + 1) << 16 | cc -> record id */
    kz__geo_rec *recs;
    size_t n, cap;
} recset;

static uint32_t record_id(kz_geo_builder *b, recset *rs, uint32_t as, uint32_t cc, bool *oom)
{
    if (as == 0 && cc == 0)
        return 0;
    uint64_t key = (uint64_t)as << 16 | cc;
    uint32_t id = map_get(&rs->map, key, (uint32_t)rs->n, oom);
    if (*oom || id != rs->n)
        return id;
    if (!grow((void **)&rs->recs, &rs->cap, rs->n + 1, sizeof *rs->recs)) {
        *oom = true;
        return UINT32_MAX;
    }
    kz__geo_rec *r = &rs->recs[rs->n++];
    memset(r, 0, sizeof *r);
    if (as) {
        r->asn = b->pairs[as - 1].asn;
        r->org = b->pairs[as - 1].org;
    }
    r->cc[0] = (char)(cc >> 8);
    r->cc[1] = (char)(cc & 0xff);
    return id;
}

static bool overlay(kz_geo_builder *b, recset *rs, const pvec *as, const pvec *cc, pvec *out)
{
    size_t i = 0, j = 0;
    uint32_t a = 0, c = 0;
    bool oom = false;
    while (i < as->n || j < cc->n) {
        kz_u128 pos;
        if (j >= cc->n || (i < as->n && as->p[i].pos <= cc->p[j].pos))
            pos = as->p[i].pos;
        else
            pos = cc->p[j].pos;
        while (i < as->n && as->p[i].pos == pos)
            a = as->p[i++].val;
        while (j < cc->n && cc->p[j].pos == pos)
            c = cc->p[j++].val;
        uint32_t id = record_id(b, rs, a, c, &oom);
        if (oom || !push_point(out, pos, id))
            return false;
    }
    return true;
}

/* Renumbers the records (all but record 0, the empty answer) by the IPv4 address space
 * each answers, largest first, then by the IPv6 space (in /64s), then by the old number.
 * A few thousand answers cover most of the IPv4 space, so numbered first their records
 * share a few kilobytes that stay in the first-level cache, and a lookup's last load
 * (the record) rarely misses. The file format does not change. */
typedef struct rec_weight {
    uint64_t w4, w6;
    uint32_t id;
} rec_weight;

static int cmp_weight(const void *pa, const void *pb)
{
    const rec_weight *a = pa, *b = pb;
    if (a->w4 != b->w4)
        return a->w4 < b->w4 ? 1 : -1;
    if (a->w6 != b->w6)
        return a->w6 < b->w6 ? 1 : -1;
    return (a->id > b->id) - (a->id < b->id);
}

/* The addresses a breakpoint's range covers, in units of 2^unit (saturated). */
static uint64_t span_of(const pvec *bp, size_t i, kz_u128 max, int unit)
{
    kz_u128 end = i + 1 < bp->n ? bp->p[i + 1].pos - 1 : max;
    kz_u128 n = ((end - bp->p[i].pos) >> unit) + 1;
    return n > UINT64_MAX ? UINT64_MAX : (uint64_t)n;
}

static bool renumber(recset *rs, pvec ans[2], const kz_u128 max[2])
{
    rec_weight *w = kz_calloc(rs->n, sizeof *w);
    uint32_t *to = kz_calloc(rs->n, sizeof *to);
    kz__geo_rec *recs = kz_calloc(rs->n, sizeof *recs);
    bool ok = w && to && recs;
    for (size_t i = 0; ok && i < rs->n; i++)
        w[i].id = (uint32_t)i;
    for (int f = 0; ok && f < 2; f++)
        for (size_t i = 0; i < ans[f].n; i++) {
            uint64_t *sum = f ? &w[ans[f].p[i].val].w6 : &w[ans[f].p[i].val].w4;
            uint64_t add = span_of(&ans[f], i, max[f], f ? 64 : 0);
            *sum = *sum > UINT64_MAX - add ? UINT64_MAX : *sum + add;
        }
    if (ok) {
        qsort(w + 1, rs->n - 1, sizeof *w, cmp_weight);
        for (size_t i = 0; i < rs->n; i++) {
            to[w[i].id] = (uint32_t)i;
            recs[i] = rs->recs[w[i].id];
        }
        for (int f = 0; f < 2; f++)
            for (size_t i = 0; i < ans[f].n; i++)
                ans[f].p[i].val = to[ans[f].p[i].val];
        memcpy(rs->recs, recs, rs->n * sizeof *recs);
    }
    kz_free(w);
    kz_free(to);
    kz_free(recs);
    return ok;
}

/* --- Image layout ------------------------------------------------------------------- */

typedef struct family_out {
    uint64_t index[KZ__GEO_BUCKETS];
    size_t entries, ranges, run_bytes, nodes;
} family_out;

/* Lays out one family: runs, and for IPv6 the nodes that split long runs. Called once
 * with runs and nodes NULL to measure, then with zeroed memory of the measured sizes
 * to fill; both calls make the same decisions in the same order. */
typedef struct layout {
    const pvec *bp;
    unsigned ksize;
    bool split;
    size_t k;        /* the breakpoint in force at the current position */
    size_t off;      /* bytes of runs so far */
    size_t entries;
    size_t nnodes;
    uint8_t *runs;
    uint64_t *nodes;
} layout;

/* The entry for the addresses [start, start + 2^bits). */
static uint64_t cell(layout *L, kz_u128 start, int bits, int depth)
{
    const bpoint *bp = L->bp->p;
    size_t n = L->bp->n;
    kz_u128 end = start + (((kz_u128)1 << bits) - 1);
    while (L->k + 1 < n && bp[L->k + 1].pos <= start)
        L->k++;
    size_t k = L->k, last = k;
    while (last + 1 < n && bp[last + 1].pos <= end)
        last++;
    if (last == k)
        return 1ull << 32 | bp[k].val;
    size_t cnt = last - k + 1;
    if (L->split && cnt > KZ__GEO_SPLIT && depth < KZ__GEO_MAX_DEPTH && bits >= 8) {
        size_t node = L->nnodes++;
        for (unsigned c = 0; c < KZ__GEO_NODE; c++) {
            uint64_t e = cell(L, start + ((kz_u128)c << (bits - 8)), bits - 8, depth + 1);
            if (L->nodes)
                L->nodes[node * KZ__GEO_NODE + c] = e;
        }
        return (uint64_t)node;  /* count 0: a node */
    }
    uint64_t entry = (uint64_t)cnt << 32 | (L->off / 8);
    if (L->runs) {
        uint8_t *run = L->runs + L->off;
        uint32_t *ids = (uint32_t *)(run + ((cnt * L->ksize + 7) & ~(size_t)7));
        for (size_t m = 0; m < cnt; m++) {
            kz_u128 pos = m == 0 ? start : bp[k + m].pos;
            if (L->ksize == 2) {
                ((uint16_t *)run)[m] = (uint16_t)pos;
            } else {
                ((uint64_t *)run)[2 * m] = (uint64_t)(pos >> 64);
                ((uint64_t *)run)[2 * m + 1] = (uint64_t)pos;
            }
            ids[m] = bp[k + m].val;
        }
    }
    L->off += kz__geo_run_bytes(cnt, L->ksize);
    L->entries += cnt;
    return entry;
}

static void lay_out(const pvec *bp, int shift, family_out *fo, uint8_t *runs, uint64_t *nodes)
{
    layout L = {bp, shift == 16 ? 2 : 16, shift != 16, 0, 0, 0, 0, runs, nodes};
    fo->ranges = 0;
    for (size_t i = 0; i < bp->n; i++)
        fo->ranges += bp->p[i].val != 0;
    for (uint64_t bucket = 0; bucket < KZ__GEO_BUCKETS; bucket++)
        fo->index[bucket] = cell(&L, (kz_u128)bucket << shift, shift, 0);
    fo->entries = L.entries;
    fo->run_bytes = L.off;
    fo->nodes = L.nnodes;
}

static size_t align_up(size_t n) { return (n + KZ__GEO_ALIGN - 1) & ~(size_t)(KZ__GEO_ALIGN - 1); }

kz_rc kz_geo_builder_finish(kz_geo_builder *b, const char *sources, int64_t built, void **out,
                            size_t *out_len, kz_err *err)
{
    *out = NULL;
    *out_len = 0;
    kz_rc rc = KZ_OK;
    recset rs = {0};
    pvec layer[2][2] = {{{0}}}, ans[2] = {{0}};
    family_out *fo = kz_calloc(2, sizeof *fo);
    const kz_u128 max[2] = {0xffffffffu, ~(kz_u128)0};
    bool oom = !fo;
    if (!oom && grow((void **)&rs.recs, &rs.cap, 1, sizeof *rs.recs)) {
        memset(rs.recs, 0, sizeof *rs.recs);
        rs.n = 1;
    } else {
        oom = true;
    }
    for (int f = 0; f < 2 && !oom; f++) {
        oom = !resolve(&b->ranges[KZ_GEO_LAYER_AS][f], max[f], &layer[0][f]) ||
              !resolve(&b->ranges[KZ_GEO_LAYER_COUNTRY][f], max[f], &layer[1][f]) ||
              !overlay(b, &rs, &layer[0][f], &layer[1][f], &ans[f]);
    }
    oom = oom || !renumber(&rs, ans, max);
    for (int f = 0; f < 2 && !oom; f++)
        lay_out(&ans[f], f ? 112 : 16, &fo[f], NULL, NULL);
    if (oom) {
        rc = kz_fail(err, KZ_ENOMEM, NULL, "out of memory while building the geo table");
        goto done;
    }
    if (fo[0].entries > UINT32_MAX || fo[1].entries > UINT32_MAX || rs.n > UINT32_MAX ||
        fo[0].run_bytes / 8 > UINT32_MAX || fo[1].run_bytes / 8 > UINT32_MAX || fo[1].nodes > UINT32_MAX / 2) {
        rc = kz_fail(err, KZ_ETOOBIG, NULL, "too many ranges for one geo table");
        goto done;
    }

    kz__geo_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, KZ__GEO_MAGIC, sizeof h.magic);
    h.version = KZ__GEO_VERSION;
    h.bom = KZ__GEO_BOM;
    h.header_size = sizeof h;
    h.built = built;
    h.nrecords = (uint32_t)rs.n;
    h.v4_entries = (uint32_t)fo[0].entries;
    h.v6_entries = (uint32_t)fo[1].entries;
    h.v4_ranges = (uint32_t)fo[0].ranges;
    h.v6_ranges = (uint32_t)fo[1].ranges;
    h.v6_nodes = (uint32_t)fo[1].nodes;
    if (!sources)
        sources = "";
    const uint64_t lens[KZ__GEO_NSECTIONS] = {
        [KZ__GEO_RECORDS] = rs.n * sizeof(kz__geo_rec),
        [KZ__GEO_POOL] = b->pool_len,
        [KZ__GEO_V4_INDEX] = KZ__GEO_BUCKETS * 8,
        [KZ__GEO_V4_RUNS] = fo[0].run_bytes,
        [KZ__GEO_V6_INDEX] = KZ__GEO_BUCKETS * 8,
        [KZ__GEO_V6_NODES] = fo[1].nodes * KZ__GEO_NODE * 8,
        [KZ__GEO_V6_RUNS] = fo[1].run_bytes,
        [KZ__GEO_INFO] = strlen(sources) + 1,
    };
    size_t off = align_up(sizeof h);
    for (int s = 0; s < KZ__GEO_NSECTIONS; s++) {
        h.sec[s].off = off;
        h.sec[s].len = lens[s];
        off = align_up(off + lens[s]);
    }
    h.file_size = off;
    uint8_t *img = kz_calloc(1, off);  /* zeroed: padding is deterministic */
    if (!img) {
        rc = kz_fail(err, KZ_ENOMEM, NULL, "out of memory for a %zu-byte geo table", off);
        goto done;
    }
    memcpy(img + h.sec[KZ__GEO_RECORDS].off, rs.recs, lens[KZ__GEO_RECORDS]);
    memcpy(img + h.sec[KZ__GEO_POOL].off, b->pool, b->pool_len);
    for (int f = 0; f < 2; f++) {
        lay_out(&ans[f], f ? 112 : 16, &fo[f], img + h.sec[f ? KZ__GEO_V6_RUNS : KZ__GEO_V4_RUNS].off,
                f ? (uint64_t *)(img + h.sec[KZ__GEO_V6_NODES].off) : NULL);
        memcpy(img + h.sec[f ? KZ__GEO_V6_INDEX : KZ__GEO_V4_INDEX].off, fo[f].index,
               sizeof fo[f].index);
    }
    memcpy(img + h.sec[KZ__GEO_INFO].off, sources, lens[KZ__GEO_INFO]);
    memcpy(img, &h, sizeof h);
    h.crc = kz_crc32(0, img, off);
    memcpy(img, &h, sizeof h);
    *out = img;
    *out_len = off;
done:
    for (int f = 0; f < 2; f++) {
        kz_free(layer[0][f].p);
        kz_free(layer[1][f].p);
        kz_free(ans[f].p);
    }
    map_free(&rs.map);
    kz_free(rs.recs);
    kz_free(fo);
    return rc;
}
