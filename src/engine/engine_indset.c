/* The compiled indicator set (see indset.h): building, compiling into flat arrays, and
 * the lookups of string-valued indicators through one open-addressing hash table. */
#include "engine/engine_internal.h"

#include "util/alloc.h"
#include "util/invariant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* What a hash table key stands for; mixed into the hash so kinds never collide. */
enum key_kind { K_DOMAIN = 1, K_URL, K_URLHOST, K_EMAIL, K_HASH };

/* ---- building ------------------------------------------------------------------- */

typedef struct brec {
    uint32_t value_off, id_off, value_len;
    uint32_t host_off;   /* url: host position inside the value */
    uint16_t host_len;
    uint8_t type, prefix, plen, family;
    unsigned char addr[16];
    uint64_t hash;
} brec;

struct kz_indset_builder {
    brec *recs;
    size_t n, cap;
    char *pool;
    size_t pool_len, pool_cap;
};

kz_indset_builder *kz_indset_builder_new(void) { return kz_calloc(1, sizeof(kz_indset_builder)); }

size_t kz_indset_builder_count(const kz_indset_builder *b) { return b->n; }

void kz_indset_builder_free(kz_indset_builder *b)
{
    if (!b)
        return;
    kz_free(b->recs);
    kz_free(b->pool);
    kz_free(b);
}

static bool pool_add(char **pool, size_t *len, size_t *cap, const void *s, size_t n, uint32_t *off)
{
    if (*len + n + 1 > UINT32_MAX)
        return false;
    if (*len + n + 1 > *cap) {
        size_t c = *cap ? *cap : 4096;
        while (c < *len + n + 1)
            c *= 2;
        char *p = kz_realloc(*pool, c);
        if (!p)
            return false;
        *pool = p;
        *cap = c;
    }
    memcpy(*pool + *len, s, n);
    (*pool)[*len + n] = '\0';
    *off = (uint32_t)*len;
    *len += n + 1;
    return true;
}

kz_rc kz_indset_add(kz_indset_builder *b, kz_ind_type type, const kz_norm *nm, const char *id,
                    kz_err *err)
{
    if (b->n >= (size_t)INT32_MAX)
        return kz_fail(err, KZ_ETOOBIG, "indicators", "more than 2^31 indicators");
    size_t vlen = strlen(nm->value);
    if (vlen > UINT16_MAX)
        return kz_fail(err, KZ_ETOOBIG, "value", "an indicator value over 65535 bytes");
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        brec *r = kz_realloc(b->recs, cap * sizeof *r);
        if (!r)
            return kz_fail(err, KZ_ENOMEM, NULL, NULL);
        b->recs = r;
        b->cap = cap;
    }
    brec *r = &b->recs[b->n];
    memset(r, 0, sizeof *r);
    r->type = (uint8_t)type;
    r->value_len = (uint32_t)vlen;
    r->prefix = nm->prefix;
    r->family = (uint8_t)nm->family;
    r->plen = (uint8_t)nm->prefix_len;
    memcpy(r->addr, nm->addr, sizeof r->addr);
    r->id_off = KZ__NONE;
    if (!pool_add(&b->pool, &b->pool_len, &b->pool_cap, nm->value, vlen, &r->value_off) ||
        (id && !pool_add(&b->pool, &b->pool_len, &b->pool_cap, id, strlen(id), &r->id_off)))
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    if (type == KZ_IND_URL && nm->host) {
        const char *h = strstr(nm->value, nm->host);  /* the host follows "scheme://" */
        r->host_off = h ? (uint32_t)(h - nm->value) : 0;
        r->host_len = (uint16_t)strlen(nm->host);
    }
    b->n++;
    return KZ_OK;
}

/* ---- hashing -------------------------------------------------------------------- */

/* ASCII lowercase without a branch: host names are compared and hashed in any case. */
static inline unsigned char lower(unsigned char c) { return (unsigned char)(c + (((unsigned)c - 'A' < 26u) << 5)); }

#define FNV_PRIME 0x100000001b3ull

/* The seed is the same for every kind (so that the walk over a host name's suffixes also
 * gives the hash of the whole name for the URL-host table); the kind is mixed in when the
 * hash picks a slot. */
static uint64_t seed_of(enum key_kind k)
{
    (void)k;
    return 0xcbf29ce484222325ull;
}

static uint64_t slot_hash(enum key_kind k, uint64_t h) { return h + (uint64_t)k * 0x9E3779B97F4A7C15ull; }

/* FNV-1a right to left, lowercasing when ci: the hash of URLs, e-mail addresses and file
 * hashes (host names have name_hash). */
static uint64_t hash_rev(enum key_kind k, const char *s, size_t n, bool ci)
{
    uint64_t h = seed_of(k);
    for (size_t i = n; i > 0; i--)
        h = (h ^ (ci ? lower((unsigned char)s[i - 1]) : (unsigned char)s[i - 1])) * FNV_PRIME;
    return h;
}

/* ASCII capitals of the bytes of w lowered, eight at a time (as lower() on each byte). */
static inline uint64_t lower_word(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t seven = w & ~high;
    uint64_t upper = (seven + (0x80 - 'A') * ones) ^ (seven + (0x7F - 'Z') * ones);
    return w | ((upper & ~w & high) >> 2);
}

static inline uint64_t load64(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

static inline uint64_t load32(const char *p)
{
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}

/* One label p[0..n) of a host name folded into h: its length, then its bytes a word at a
 * time (words that overlap when n is not a multiple of 8; for n < 4 the first, middle and
 * last byte), lowercased when ci. Reads only p[0..n). */
static inline uint64_t label_step(uint64_t h, const char *p, size_t n, bool ci)
{
    uint64_t w;
    h = (h ^ n) * FNV_PRIME;
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8) {
            w = load64(p + i);
            h = (h ^ (ci ? lower_word(w) : w)) * FNV_PRIME;
        }
        w = load64(p + n - 8);
    } else if (n >= 4) {
        w = load32(p) | load32(p + n - 4) << 32;
    } else if (n) {
        w = (uint64_t)(unsigned char)p[0] | (uint64_t)(unsigned char)p[n >> 1] << 8 |
            (uint64_t)(unsigned char)p[n - 1] << 16;
    } else {
        return h;
    }
    return (h ^ (ci ? lower_word(w) : w)) * FNV_PRIME;
}

/* The hash of a host name (domains and URL hosts): its labels split at every '.', folded
 * right to left, so that the walk over a name's suffixes has each suffix's hash on the
 * way. name_hash(s) of "b.c" is the state of the walk of "a.b.c" after its dot. */
static uint64_t name_hash(enum key_kind k, const char *s, size_t n, bool ci)
{
    uint64_t h = seed_of(k);
    size_t pos = n;
    for (size_t i = n; i > 0; i--)
        if (s[i - 1] == '.') {
            h = label_step(h, s + i, pos - i, ci);
            pos = i - 1;
        }
    return label_step(h, s, pos, ci);
}

/* The hash a key of kind k is stored under. */
static uint64_t key_hash(enum key_kind k, const char *s, size_t n, bool ci)
{
    return k == K_DOMAIN || k == K_URLHOST ? name_hash(k, s, n, ci) : hash_rev(k, s, n, ci);
}

/* The parent filter in front of a name's suffix walk. A walk goes right to left a label
 * at a time; once a suffix is not a proper suffix of any domain indicator or URL host (a
 * parent), no longer suffix, the whole name included, can be either, and the walk stops.
 * One bit a hash (about 32 bits a distinct parent: the TLDs and the parents of deeper
 * names, a few thousand in real sets, so the filter stays in L1 or L2); a false "maybe"
 * only lets the walk go on. h is the walk's state after the suffix's labels. */
static inline bool parent_maybe(const kz_indset *s, uint64_t h)
{
    uint64_t bit = (h * 0x9E3779B97F4A7C15ull) >> s->parents_shift;
    return s->parents[bit >> 6] >> (bit & 63) & 1;
}

/* The slot hash's final mix: one 64 x 64 -> 128-bit multiply, its halves folded (each
 * bit of h reaches the high half), in place of murmur's two multiplies and three shifts. */
static inline uint64_t fmix(uint64_t h)
{
    unsigned __int128 p = (unsigned __int128)(h ^ 0x2d358dccaa6c78a5ull) * 0x8bb84b93962eacc9ull;
    return (uint64_t)p ^ (uint64_t)(p >> 64);
}

static bool eq_ci(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)a[i]) != (unsigned char)b[i])
            return false;
    return true;
}

/* The text a slot's key was made from. */
static const char *key_text(const kz_indset *s, enum key_kind k, uint32_t ref, size_t *len)
{
    if (k == K_URLHOST) {
        *len = s->hosts[ref & ~KZ__HOST_REF].len;
        return s->pool + s->hosts[ref & ~KZ__HOST_REF].off;
    }
    const kz__rec *r = &s->recs[ref];
    *len = r->value_len;
    return s->pool + r->value_off;
}

static enum key_kind kind_of(const kz_indset *s, uint32_t ref)
{
    if (ref & KZ__HOST_REF)
        return K_URLHOST;
    switch ((kz_ind_type)s->recs[ref].type) {
    case KZ_IND_DOMAIN:
        return K_DOMAIN;
    case KZ_IND_URL:
        return K_URL;
    case KZ_IND_EMAIL:
        return K_EMAIL;
    default:
        return K_HASH;
    }
}

/* The filter in front of the table: most lookups are misses, and the filter (about 12
 * bits per key, one cache line per lookup) answers them without touching the table. */
static inline const uint64_t *bloom_block(const kz_indset *s, uint64_t m)
{
    return s->bloom + ((m >> 40) & s->bloom_mask) * 8;
}

static inline uint64_t bloom_bits(uint64_t m, int k)
{
    uint64_t x = m * 0x9E3779B97F4A7C15ull;
    return (x >> (64 - 9 * (k + 1))) & 511;
}

static inline bool bloom_maybe(const kz_indset *s, uint64_t m)
{
    const uint64_t *b = bloom_block(s, m);
    for (int k = 0; k < 4; k++) {
        uint64_t bit = bloom_bits(m, k);
        if (!(b[bit >> 6] >> (bit & 63) & 1))
            return false;
    }
    return true;
}

static void bloom_add(kz_indset *s, uint64_t m)
{
    uint64_t *b = (uint64_t *)bloom_block(s, m);
    for (int k = 0; k < 4; k++) {
        uint64_t bit = bloom_bits(m, k);
        b[bit >> 6] |= 1ull << (bit & 63);
    }
}

/* The table part of probe, for the keys the filter lets through. */
static __attribute__((noinline)) uint32_t probe_table(const kz_indset *s, enum key_kind k, uint64_t m,
                                                      const char *t, size_t n, bool ci)
{
    uint32_t tag = (uint32_t)(m >> 32) | 1u;
    for (uint32_t i = (uint32_t)m & s->mask;; i = (i + 1) & s->mask) {
        const kz__slot *sl = &s->slots[i];
        if (sl->tag == 0)
            return KZ__NONE;
        if (sl->tag != tag)
            continue;
        if (kind_of(s, sl->ref) != k)
            continue;
        size_t len;
        const char *key = key_text(s, k, sl->ref, &len);
        if (len == n && (ci ? eq_ci(t, key, n) : memcmp(t, key, n) == 0))
            return k == K_URLHOST ? sl->ref & ~KZ__HOST_REF : sl->ref;
    }
}

/* Finds key (kind k, text s[0..n) with hash h) in the table; KZ__NONE when absent. Inline
 * up to the filter, which answers most lookups (misses) without a call. */
static inline uint32_t probe(const kz_indset *s, enum key_kind k, uint64_t h, const char *t, size_t n,
                             bool ci)
{
    if (!s->slots)
        return KZ__NONE;
    uint64_t m = fmix(slot_hash(k, h));
    if (!bloom_maybe(s, m))
        return KZ__NONE;
    return probe_table(s, k, m, t, n, ci);
}

static void insert(kz_indset *s, enum key_kind k, uint64_t h, uint32_t ref)
{
    uint64_t m = fmix(slot_hash(k, h));
    uint32_t tag = (uint32_t)(m >> 32) | 1u;
    uint32_t i = (uint32_t)m & s->mask;
    bloom_add(s, m);
    while (s->slots[i].tag)
        i = (i + 1) & s->mask;
    s->slots[i].tag = tag;
    s->slots[i].ref = ref;
}

/* ---- compiling ------------------------------------------------------------------ */

static int brec_cmp(const void *a, const void *b, void *pool)
{
    const brec *x = a, *y = b;
    const char *g_pool = pool;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    if (x->value_len != y->value_len)
        return x->value_len < y->value_len ? -1 : 1;
    int c = memcmp(g_pool + x->value_off, g_pool + y->value_off, x->value_len);
    if (c)
        return c;
    return x->value_off < y->value_off ? -1 : x->value_off > y->value_off;  /* stable */
}

/* Sorts the records into brec_cmp's order: radix on (type, top 56 bits of the hash),
 * then brec_cmp within the runs of equal keys (equal values, and rare hash neighbours). */
static bool sort_recs(kz_indset_builder *b)
{
    size_t n = b->n;
    kz__sortkey *k = kz_malloc(2 * n * sizeof *k);
    brec *out = kz_malloc(n * sizeof *out);
    if (!k || !out) {
        kz_free(k);
        kz_free(out);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        k[i] = (kz__sortkey){(uint64_t)b->recs[i].type << 56 | b->recs[i].hash >> 8, (uint32_t)i};
    kz__radix_sort(k, k + n, n);
    for (size_t i = 1; i < n; i++) {  /* insertion within runs of equal keys */
        kz__sortkey x = k[i];
        size_t j = i;
        while (j > 0 && k[j - 1].key == x.key && brec_cmp(&b->recs[k[j - 1].i], &b->recs[x.i], b->pool) > 0) {
            k[j] = k[j - 1];
            j--;
        }
        k[j] = x;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = b->recs[k[i].i];
    kz_free(k);
    kz_free(b->recs);
    b->recs = out;
    b->cap = n;
    return true;
}

static bool same_value(const kz_indset_builder *b, const brec *x, const brec *y)
{
    return x->type == y->type && x->hash == y->hash && x->value_len == y->value_len &&
           memcmp(b->pool + x->value_off, b->pool + y->value_off, x->value_len) == 0;
}

/* A UUID in canonical text into 16 bytes. */
static bool uuid_parse(const char *s, size_t n, unsigned char out[16])
{
    static const int dash[] = {8, 13, 18, 23};
    if (n != 36)
        return false;
    int k = 0;
    for (size_t i = 0, d = 0; i < 36; i++) {
        if (d < 4 && (int)i == dash[d]) {
            if (s[i] != '-')
                return false;
            d++;
            continue;
        }
        int hv = s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10 : -1;
        if (hv < 0)
            return false;
        if (k % 2 == 0)
            out[k / 2] = (unsigned char)(hv << 4);
        else
            out[k / 2] |= (unsigned char)hv;
        k++;
    }
    return true;
}

#ifndef NDEBUG
static void check_prefix_table(const kz__prefix_table *t, bool v6, uint32_t n_recs)
{
    for (uint32_t i = 0; i < t->n; i++) {
        kz_invariant(t->rec[i] == KZ__NONE || t->rec[i] < n_recs);
        if (i && v6)
            kz_invariant(t->hi[i - 1] < t->hi[i] || (t->hi[i - 1] == t->hi[i] && t->lo[i - 1] < t->lo[i]));
        else if (i)
            kz_invariant(t->v4[i - 1] < t->v4[i]);  /* disjoint intervals, ascending */
    }
}

/* What the lookups rely on, once per compile (debug builds): records inside the pool and
 * counted by type; every slot's key found again by probing from its own hash (the table
 * is consistent, and never full, so every probe ends); hosts and their prefix runs inside
 * their arrays; address intervals ascending; AS numbers sorted. */
static void check_set(const kz_indset *s)
{
    size_t total = 0;
    for (int t = 0; t < KZ_IND_TYPE_COUNT; t++)
        total += s->per_type[t];
    kz_invariant(total == s->n);
    for (uint32_t i = 0; i < s->n; i++) {
        const kz__rec *r = &s->recs[i];
        kz_invariant(r->type < KZ_IND_TYPE_COUNT);
        kz_invariant((size_t)r->value_off + r->value_len <= s->pool_len);
        kz_invariant(r->id_off == KZ__NONE || r->id_off < s->pool_len);
    }
    uint32_t used = 0;
    for (uint32_t i = 0; i <= s->mask; i++) {
        const kz__slot *sl = &s->slots[i];
        if (!sl->tag)
            continue;
        used++;
        uint32_t ref = sl->ref & ~KZ__HOST_REF;
        kz_invariant(sl->ref & KZ__HOST_REF ? ref < s->n_hosts : ref < s->n);
        enum key_kind k = kind_of(s, sl->ref);
        size_t len;
        const char *key = key_text(s, k, sl->ref, &len);
        kz_invariant(probe(s, k, key_hash(k, key, len, false), key, len, false) == ref);
    }
    kz_invariant(used <= s->mask);
    for (uint32_t h = 0; h < s->n_hosts; h++) {
        const kz__url_host *uh = &s->hosts[h];
        kz_invariant((size_t)uh->first + uh->n <= s->n_pfx);
        for (uint32_t j = 0; j < uh->n; j++) {
            uint32_t rec = s->pfx[uh->first + j];
            kz_invariant(rec < s->n && s->recs[rec].type == KZ_IND_URL && (s->recs[rec].flags & KZ__PREFIX));
        }
    }
    for (uint32_t i = 0; i < s->n_asn; i++)
        kz_invariant(s->asn_rec[i] < s->n && (i == 0 || s->asn[i - 1] <= s->asn[i]));
    check_prefix_table(&s->v4, false, s->n);
    check_prefix_table(&s->v6, true, s->n);
}
#endif

/* Whether record i of the sorted builder starts a run of one value. */
static bool is_head(const kz_indset_builder *b, size_t i)
{
    return i == 0 || !same_value(b, &b->recs[i], &b->recs[i - 1]);
}

/* Phase 1: records sorted by (type, value), so that equal values form runs; false when
 * out of memory. */
static bool sort_records(kz_indset_builder *b)
{
    for (size_t i = 0; i < b->n; i++) {
        brec *r = &b->recs[i];
        r->hash = hash_rev(K_DOMAIN, b->pool + r->value_off, r->value_len, false);
    }
    return b->n < 2 || sort_recs(b);
}

/* How many entries each index of the set will hold. */
typedef struct index_sizes {
    size_t keys, v4, v6;
    size_t pool_cap;
} index_sizes;

/* The record's id into the pool: 16 bytes when it is a UUID (or a STIX indicator id
 * around one), else its text. */
static bool copy_id(kz_indset *s, kz__rec *o, const char *id, size_t *pool_cap)
{
    size_t idn = strlen(id);
    unsigned char u[16];
    bool stix = idn == 47 && memcmp(id, "indicator--", 11) == 0;
    if ((stix && uuid_parse(id + 11, 36, u)) || uuid_parse(id, idn, u)) {
        o->flags |= stix ? KZ__ID_STIX : KZ__ID_UUID;
        return pool_add(&s->pool, &s->pool_len, pool_cap, u, 16, &o->id_off);
    }
    return pool_add(&s->pool, &s->pool_len, pool_cap, id, idn, &o->id_off);
}

/* Phase 2: the records and a compact pool, one copy of each value; counts what the
 * indexes will hold. false when out of memory. */
static bool copy_records(kz_indset *s, const kz_indset_builder *b, index_sizes *z)
{
    s->recs = kz_malloc((b->n ? b->n : 1) * sizeof *s->recs);
    if (!s->recs)
        return false;
    for (size_t i = 0; i < b->n; i++) {
        const brec *r = &b->recs[i];
        kz__rec *o = &s->recs[i];
        o->type = r->type;
        o->value_len = (uint16_t)r->value_len;
        o->flags = r->prefix ? KZ__PREFIX : 0;
        s->per_type[r->type]++;
        if (is_head(b, i)) {
            if (!pool_add(&s->pool, &s->pool_len, &z->pool_cap, b->pool + r->value_off, r->value_len,
                          &o->value_off))
                return false;
            if (r->family == 4)
                z->v4++;
            else if (r->family == 6)
                z->v6++;
            else
                z->keys += r->type == KZ_IND_URL ? 2 : 1;
        } else {
            o->value_off = s->recs[i - 1].value_off;
        }
        o->id_off = KZ__NONE;
        if (r->id_off != KZ__NONE && !copy_id(s, o, b->pool + r->id_off, &z->pool_cap))
            return false;
    }
    if (s->pool_len && z->pool_cap > s->pool_len) {  /* shrink the pool to what it holds */
        char *p = kz_realloc(s->pool, s->pool_len);
        if (p)
            s->pool = p;
    }
    return true;
}

/* Phase 3: the empty indexes sized by z: the hash table (run heads of string types and
 * the hosts of URL indicators) with its Bloom filter, the host and prefix arrays, and
 * the address prefixes collected before their tables are built (*p4, *p6: the
 * caller's). false when out of memory. */
static bool alloc_indexes(kz_indset *s, const index_sizes *z, kz__pfx **p4, kz__pfx **p6)
{
    size_t size = 16;
    while (size < z->keys + z->keys / 2 + 1)
        size *= 2;
    s->mask = (uint32_t)(size - 1);
    s->slots = kz_calloc(size, sizeof *s->slots);
    size_t blocks = 1;
    while (blocks * 512 < z->keys * 12)
        blocks *= 2;
    s->bloom_mask = (uint32_t)(blocks - 1);
    s->bloom = kz_calloc(blocks * 8, sizeof *s->bloom);
    s->dom_min_labels = 255;
    s->hosts = kz_calloc(z->keys ? z->keys : 1, sizeof *s->hosts);
    s->pfx = kz_malloc((z->keys ? z->keys : 1) * sizeof *s->pfx);
    *p4 = kz_malloc((z->v4 ? z->v4 : 1) * sizeof **p4);
    *p6 = kz_malloc((z->v6 ? z->v6 : 1) * sizeof **p6);
    return s->slots && s->bloom && s->hosts && s->pfx && *p4 && *p6;
}

/* An address or CIDR record as the prefix [start, end] of its family. */
static void address_prefix(const brec *r, uint32_t rec, kz__pfx *p)
{
    int bits = r->family == 4 ? 32 : 128;
    unsigned __int128 a = 0;
    for (int k = 0; k < bits / 8; k++)
        a = a << 8 | r->addr[k];
    unsigned __int128 host = r->plen >= bits ? 0
                             : r->plen == 0 && bits == 128
                                 ? ~(unsigned __int128)0
                                 : (((unsigned __int128)1 << (bits - r->plen)) - 1);
    p->start = a & ~host;
    p->end = p->start | host;
    p->rec = rec;
    p->plen = r->plen;
    p->exact = r->type != KZ_IND_CIDR;
}

/* A domain's run head in the hash table; the fewest labels seen so far kept. */
static void index_domain(kz_indset *s, const char *v, size_t n, uint32_t rec)
{
    insert(s, K_DOMAIN, name_hash(K_DOMAIN, v, n, false), rec);
    unsigned labels = 1;
    for (size_t k = 0; k < n; k++)
        labels += v[k] == '.';
    if (labels < s->dom_min_labels)
        s->dom_min_labels = (uint8_t)(labels > 255 ? 255 : labels);
}

/* A URL's run head (exact URLs only) and its host; prefix URLs are counted on their
 * host, placed by place_url_prefixes. */
static void index_url(kz_indset *s, const brec *r, const kz__rec *o, uint32_t rec)
{
    const char *v = s->pool + o->value_off;
    if (!r->prefix)
        insert(s, K_URL, hash_rev(K_URL, v, r->value_len, false), rec);
    uint64_t h = name_hash(K_URLHOST, v + r->host_off, r->host_len, false);
    uint32_t hk = probe(s, K_URLHOST, h, v + r->host_off, r->host_len, false);
    if (hk == KZ__NONE) {
        hk = s->n_hosts++;
        s->hosts[hk] = (kz__url_host){o->value_off + r->host_off, r->host_len, 0, 0};
        insert(s, K_URLHOST, h, hk | KZ__HOST_REF);
    }
    if (r->prefix)
        s->hosts[hk].n++;
}

/* Phase 4: each run head into its index: addresses and CIDRs to p4/p6 (*n4, *n6
 * counting them), string types to the hash table. */
static void index_records(kz_indset *s, const kz_indset_builder *b, kz__pfx *p4, kz__pfx *p6, size_t *n4,
                          size_t *n6)
{
    for (size_t i = 0; i < b->n; i++) {
        const brec *r = &b->recs[i];
        if (!is_head(b, i))
            continue;
        const kz__rec *o = &s->recs[i];
        const char *v = s->pool + o->value_off;
        if (r->family)
            address_prefix(r, (uint32_t)i, r->family == 4 ? &p4[(*n4)++] : &p6[(*n6)++]);
        else if (r->type == KZ_IND_DOMAIN)
            index_domain(s, v, r->value_len, (uint32_t)i);
        else if (r->type == KZ_IND_EMAIL)
            insert(s, K_EMAIL, hash_rev(K_EMAIL, v, r->value_len, false), (uint32_t)i);
        else if (r->type == KZ_IND_MD5 || r->type == KZ_IND_SHA1 || r->type == KZ_IND_SHA256)
            insert(s, K_HASH, hash_rev(K_HASH, v, r->value_len, false), (uint32_t)i);
        else if (r->type == KZ_IND_URL)
            index_url(s, r, o, (uint32_t)i);
    }
}

/* Phase 5: prefix URL indicators grouped by host: offsets from the counts, then
 * placement. */
static void place_url_prefixes(kz_indset *s, const kz_indset_builder *b)
{
    uint32_t at = 0;
    for (uint32_t h = 0; h < s->n_hosts; h++) {
        s->hosts[h].first = at;
        at += s->hosts[h].n;
        s->hosts[h].n = 0;
    }
    s->n_pfx = at;
    for (size_t i = 0; i < b->n; i++) {
        const brec *r = &b->recs[i];
        if (r->type != KZ_IND_URL || !r->prefix || !is_head(b, i))
            continue;
        const char *v = s->pool + s->recs[i].value_off;
        uint32_t hk = probe(s, K_URLHOST, name_hash(K_URLHOST, v + r->host_off, r->host_len, false),
                            v + r->host_off, r->host_len, false);
        kz__url_host *uh = &s->hosts[hk];
        s->pfx[uh->first + uh->n++] = (uint32_t)i;
    }
}

/* Phase 6: AS numbers as a sorted array (records are sorted by value text, not by
 * number). false when out of memory. */
static bool index_asns(kz_indset *s, const kz_indset_builder *b)
{
    size_t n_as = 0;
    for (size_t i = 0; i < b->n; i++)
        n_as += b->recs[i].type == KZ_IND_ASN && is_head(b, i);
    if (!n_as)
        return true;
    s->asn = kz_malloc(n_as * sizeof *s->asn);
    s->asn_rec = kz_malloc(n_as * sizeof *s->asn_rec);
    if (!s->asn || !s->asn_rec)
        return false;
    for (size_t i = 0; i < b->n; i++) {
        if (b->recs[i].type != KZ_IND_ASN || !is_head(b, i))
            continue;
        uint32_t v = (uint32_t)strtoul(s->pool + s->recs[i].value_off + 2, NULL, 10);
        size_t k = s->n_asn++;
        while (k > 0 && s->asn[k - 1] > v) {  /* insertion: AS indicators are few */
            s->asn[k] = s->asn[k - 1];
            s->asn_rec[k] = s->asn_rec[k - 1];
            k--;
        }
        s->asn[k] = v;
        s->asn_rec[k] = (uint32_t)i;
    }
    return true;
}

/* The walk's states after each proper suffix of the name v[0..n) (as domain_walk
 * computes them) into out, which has room for one per dot of v; returns how many. */
static size_t parent_hashes(const char *v, size_t n, uint64_t *out)
{
    size_t k = 0, pos = n;
    uint64_t h = seed_of(K_DOMAIN);
    for (size_t i = n; i > 0; i--) {
        if (v[i - 1] != '.')
            continue;
        h = label_step(h, v + i, pos - i, false);
        pos = i - 1;
        if (i < n)
            out[k++] = h;
    }
    return k;
}

/* The name of run head i that the walk looks for (a domain, or a URL's host), or NULL. */
static const char *walked_name(const kz_indset *s, const kz_indset_builder *b, size_t i, size_t *n)
{
    const brec *r = &b->recs[i];
    if (r->family || !is_head(b, i))
        return NULL;
    const char *v = s->pool + s->recs[i].value_off;
    if (r->type == KZ_IND_DOMAIN) {
        *n = r->value_len;
        return v;
    }
    if (r->type != KZ_IND_URL)
        return NULL;
    *n = r->host_len;
    return v + r->host_off;
}

/* Phase 7: the parent filter, sized by the distinct parents (their hashes sorted). false
 * when out of memory. */
static bool index_parents(kz_indset *s, const kz_indset_builder *b)
{
    size_t dots = 0, n;
    for (size_t i = 0; i < b->n; i++) {
        const char *v = walked_name(s, b, i, &n);
        for (size_t k = 0; v && k < n; k++)
            dots += v[k] == '.';
    }
    kz__sortkey *h = kz_malloc(2 * (dots ? dots : 1) * sizeof *h);
    if (!h)
        return false;
    uint64_t *one = kz_malloc((dots ? dots : 1) * sizeof *one);
    size_t m = 0;
    for (size_t i = 0; one && i < b->n; i++) {
        const char *v = walked_name(s, b, i, &n);
        for (size_t k = v ? parent_hashes(v, n, one) : 0; k > 0; k--)
            h[m++] = (kz__sortkey){one[k - 1], 0};
    }
    kz_free(one);
    if (m > 1)
        kz__radix_sort(h, h + m, m);
    size_t distinct = 0;
    for (size_t i = 0; i < m; i++)
        distinct += i == 0 || h[i].key != h[i - 1].key;
    unsigned log2 = 9;  /* 512 bits at least */
    while (log2 < 32 && ((size_t)1 << log2) < distinct * 32)
        log2++;
    s->parents_shift = 64 - log2;
    s->parents = kz_calloc(((size_t)1 << log2) / 64, sizeof *s->parents);
    for (size_t i = 0; s->parents && i < m; i++) {
        uint64_t bit = (h[i].key * 0x9E3779B97F4A7C15ull) >> s->parents_shift;
        s->parents[bit >> 6] |= 1ull << (bit & 63);
    }
    kz_free(h);
    return s->parents != NULL;
}

kz_rc kz_indset_compile(kz_indset_builder *b, kz_indset **out, kz_err *err)
{
    kz_indset *s = kz_calloc(1, sizeof *s);
    kz__pfx *p4 = NULL, *p6 = NULL;
    index_sizes z = {0};
    size_t n4 = 0, n6 = 0;
    bool ok = false;
    if (s) {
        s->n = (uint32_t)b->n;
        ok = sort_records(b) && copy_records(s, b, &z) && alloc_indexes(s, &z, &p4, &p6);
    }
    if (ok) {
        index_records(s, b, p4, p6, &n4, &n6);
        place_url_prefixes(s, b);
        ok = index_asns(s, b) && index_parents(s, b) && kz__prefix_build(&s->v4, p4, n4, false) == KZ_OK &&
             kz__prefix_build(&s->v6, p6, n6, true) == KZ_OK;
    }
    kz_free(p4);
    kz_free(p6);
    kz_indset_builder_free(b);
    if (!ok) {
        kz_indset_free(s);
        return kz_fail(err, KZ_ENOMEM, NULL, "cannot compile the indicator set: out of memory");
    }
#ifndef NDEBUG
    check_set(s);
#endif
    *out = s;
    return KZ_OK;
}

void kz_indset_free(kz_indset *s)
{
    if (!s)
        return;
    if (s->image) {
        if (s->release)
            s->release(s->release_ctx, s->image, s->image_len);
        kz_free(s);
        return;
    }
    kz_free(s->recs);
    kz_free(s->pool);
    kz_free(s->slots);
    kz_free(s->bloom);
    kz_free(s->parents);
    kz_free(s->hosts);
    kz_free(s->pfx);
    kz__prefix_free(&s->v4);
    kz__prefix_free(&s->v6);
    kz_free(s->asn);
    kz_free(s->asn_rec);
    kz_free(s);
}

size_t kz_indset_count(const kz_indset *s) { return s->n; }

size_t kz_indset_count_type(const kz_indset *s, kz_ind_type t)
{
    return (unsigned)t < KZ_IND_TYPE_COUNT ? s->per_type[t] : 0;
}

bool kz_indset_has(const kz_indset *s, kz_ind_type t) { return kz_indset_count_type(s, t) > 0; }

size_t kz_indset_bytes(const kz_indset *s)
{
    return sizeof *s + (size_t)s->n * sizeof *s->recs + s->pool_len +
           (s->slots ? ((size_t)s->mask + 1) * sizeof *s->slots : 0) +
           (s->bloom ? ((size_t)s->bloom_mask + 1) * 64 : 0) +
           (s->parents ? ((size_t)1 << (64 - s->parents_shift)) / 8 : 0) +
           (size_t)s->n_hosts * sizeof *s->hosts + (size_t)s->n_pfx * sizeof *s->pfx +
           kz__prefix_bytes(&s->v4) + kz__prefix_bytes(&s->v6) +
           (size_t)s->n_asn * (sizeof *s->asn + sizeof *s->asn_rec);
}

static void format_uuid(const unsigned char *u, char *out)
{
    static const char hx[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hx[u[i] >> 4];
        out[o++] = hx[u[i] & 15];
    }
    out[o] = '\0';
}

kz_ind_type kz_indset_type(const kz_indset *s, uint32_t i) { return (kz_ind_type)s->recs[i].type; }

void kz_indset_get(const kz_indset *s, uint32_t i, kz_ind_info *out, char idbuf[48])
{
    const kz__rec *r = &s->recs[i];
    out->type = (kz_ind_type)r->type;
    out->value = s->pool + r->value_off;
    out->value_len = r->value_len;
    out->id = NULL;
    if (r->id_off == KZ__NONE)
        return;
    if (r->flags & KZ__ID_STIX) {
        memcpy(idbuf, "indicator--", 11);
        format_uuid((const unsigned char *)s->pool + r->id_off, idbuf + 11);
        out->id = idbuf;
    } else if (r->flags & KZ__ID_UUID) {
        format_uuid((const unsigned char *)s->pool + r->id_off, idbuf);
        out->id = idbuf;
    } else {
        out->id = s->pool + r->id_off;
    }
}

/* ---- lookups -------------------------------------------------------------------- */

static kz_run run_at(const kz_indset *s, uint32_t head)
{
    if (head == KZ__NONE)
        return (kz_run){0, 0};
    uint32_t n = 1;
    const kz__rec *h = &s->recs[head];
    while (head + n < s->n && s->recs[head + n].value_off == h->value_off &&
           s->recs[head + n].type == h->type)
        n++;
    return (kz_run){head, n};
}

kz_run kz_indset_ipv4(const kz_indset *s, const unsigned char a[4])
{
    uint32_t v = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
    return run_at(s, kz__prefix_v4(&s->v4, v));
}

kz_run kz_indset_ipv6(const kz_indset *s, const unsigned char a[16])
{
    if (s->v6.n == 0)
        return (kz_run){0, 0};
    uint64_t hi = 0, lo = 0;
    for (int i = 0; i < 8; i++) {
        hi = hi << 8 | a[i];
        lo = lo << 8 | a[8 + i];
    }
    return run_at(s, kz__prefix_v6(&s->v6, hi, lo));
}

/* The suffix walk; ci: the name may have capitals (each byte is lowered as it is
 * hashed and compared), else it is known to be lowercase already. */
static int domain_walk(const kz_indset *s, const char *host, size_t n, kz_run_cb hit, void *ctx,
                       bool *on_url_host, bool ci)
{
    if (on_url_host)
        *on_url_host = false;
    if (n && host[n - 1] == '.')
        n--;
    if (!s->per_type[KZ_IND_DOMAIN]) {
        if (on_url_host)
            *on_url_host = kz_indset_url_host(s, host, n);
        return 0;
    }
    int found = 0;
    unsigned labels = 1;  /* of the suffix after host[i - 1] */
    uint64_t h = seed_of(K_DOMAIN);
    size_t pos = n;  /* h covers the labels of host[pos..n) */
    for (size_t i = n; i > 0; i--) {
        if (host[i - 1] != '.')
            continue;
        h = label_step(h, host + i, pos - i, ci);
        pos = i - 1;
        if (i < n) {
            if (labels >= s->dom_min_labels) {
                uint32_t r = probe(s, K_DOMAIN, h, host + i, n - i, ci);
                if (r != KZ__NONE) {
                    hit(ctx, run_at(s, r));
                    found++;
                }
            }
            if (!parent_maybe(s, h))
                return found;  /* nothing longer is a domain or a URL host */
            labels++;
        }
    }
    h = label_step(h, host, pos, ci);
    if (n && labels >= s->dom_min_labels) {
        uint32_t r = probe(s, K_DOMAIN, h, host, n, ci);
        if (r != KZ__NONE) {
            hit(ctx, run_at(s, r));
            found++;
        }
    }
    if (on_url_host && s->n_hosts && n)
        *on_url_host = probe(s, K_URLHOST, h, host, n, ci) != KZ__NONE;
    return found;
}

/* The dots of host[0..n) as bits (n <= 64). */
static inline uint64_t dot_mask(const char *host, size_t n)
{
    uint64_t m = 0;
#ifdef __SSE2__
    if (n >= 16) {
        const __m128i dot = _mm_set1_epi8('.');
        size_t at = 0;
        for (; at + 16 <= n; at += 16)
            m |= (uint64_t)(unsigned)_mm_movemask_epi8(
                     _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(host + at)), dot)) << at;
        if (at < n)  /* the last 16 bytes, overlapping the ones before */
            m |= (uint64_t)(unsigned)_mm_movemask_epi8(
                     _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(host + n - 16)), dot)) << (n - 16);
        return m;
    }
#endif
    for (size_t i = 0; i < n; i++)
        m |= (uint64_t)(host[i] == '.') << i;
    return m;
}

/* domain_walk for a lowercase name of at most 64 bytes: its dots found first, so that
 * the hash runs over each label's bytes without a test per byte; the same probes, hits
 * and answer as domain_walk's. */
static int domain_walk_short(const kz_indset *s, const char *host, size_t n, kz_run_cb hit, void *ctx,
                             bool *on_url_host)
{
    int found = 0;
    unsigned labels = 1;
    uint64_t h = seed_of(K_DOMAIN);
    size_t pos = n;  /* h covers host[pos..n) */
    for (uint64_t dots = dot_mask(host, n); dots; dots &= ~(1ull << (63 - __builtin_clzll(dots)))) {
        size_t d = (size_t)(63 - __builtin_clzll(dots));
        h = label_step(h, host + d + 1, pos - d - 1, false);
        if (d + 1 < n) {
            if (labels >= s->dom_min_labels) {
                uint32_t r = probe(s, K_DOMAIN, h, host + d + 1, n - d - 1, false);
                if (r != KZ__NONE) {
                    hit(ctx, run_at(s, r));
                    found++;
                }
            }
            if (!parent_maybe(s, h))
                return found;
            labels++;
        }
        pos = d;
    }
    h = label_step(h, host, pos, false);
    if (n && labels >= s->dom_min_labels) {
        uint32_t r = probe(s, K_DOMAIN, h, host, n, false);
        if (r != KZ__NONE) {
            hit(ctx, run_at(s, r));
            found++;
        }
    }
    if (on_url_host && s->n_hosts && n)
        *on_url_host = probe(s, K_URLHOST, h, host, n, false) != KZ__NONE;
    return found;
}

int kz_indset_domain(const kz_indset *s, const char *host, size_t n, kz_run_cb hit, void *ctx,
                     bool *on_url_host)
{
    return domain_walk(s, host, n, hit, ctx, on_url_host, true);
}

int kz_indset_domain_lc(const kz_indset *s, const char *host, size_t n, kz_run_cb hit, void *ctx,
                        bool *on_url_host)
{
    size_t k = n && host[n - 1] == '.' ? n - 1 : n;
    if (k <= 64 && s->per_type[KZ_IND_DOMAIN]) {
        if (on_url_host)
            *on_url_host = false;
        return domain_walk_short(s, host, k, hit, ctx, on_url_host);
    }
    return domain_walk(s, host, n, hit, ctx, on_url_host, false);
}

bool kz_indset_url_host(const kz_indset *s, const char *host, size_t n)
{
    if (!s->n_hosts)
        return false;
    uint64_t h = seed_of(K_URLHOST);  /* name_hash, stopped by the parent filter */
    size_t pos = n;
    for (size_t i = n; i > 0; i--) {
        if (host[i - 1] != '.')
            continue;
        h = label_step(h, host + i, pos - i, true);
        pos = i - 1;
        if (i < n && !parent_maybe(s, h))
            return false;
    }
    h = label_step(h, host, pos, true);
    return probe(s, K_URLHOST, h, host, n, true) != KZ__NONE;
}

int kz_indset_url(const kz_indset *s, const char *url, size_t n, size_t host_off, size_t host_len,
                  kz_run_cb hit, void *ctx)
{
    if (!s->n_hosts)
        return 0;
    int found = 0;
    uint32_t r = probe(s, K_URL, hash_rev(K_URL, url, n, false), url, n, false);
    if (r != KZ__NONE) {
        hit(ctx, run_at(s, r));
        found++;
    }
    const char *host = url + host_off;
    uint32_t hk = probe(s, K_URLHOST, name_hash(K_URLHOST, host, host_len, false), host, host_len,
                        false);
    if (hk == KZ__NONE)
        return found;
    const kz__url_host *uh = &s->hosts[hk];
    for (uint32_t k = 0; k < uh->n; k++) {
        const kz__rec *p = &s->recs[s->pfx[uh->first + k]];
        size_t plen = (size_t)p->value_len - 1;  /* without the '*' */
        if (n >= plen && memcmp(url, s->pool + p->value_off, plen) == 0) {
            hit(ctx, run_at(s, s->pfx[uh->first + k]));
            found++;
        }
    }
    return found;
}

kz_run kz_indset_email(const kz_indset *s, const char *v, size_t n)
{
    if (!s->per_type[KZ_IND_EMAIL])
        return (kz_run){0, 0};
    return run_at(s, probe(s, K_EMAIL, hash_rev(K_EMAIL, v, n, false), v, n, false));
}

kz_run kz_indset_hash(const kz_indset *s, const char *hex, size_t n)
{
    kz_ind_type t = n == 32 ? KZ_IND_MD5 : n == 40 ? KZ_IND_SHA1 : n == 64 ? KZ_IND_SHA256 : KZ_IND_TYPE_COUNT;
    if (t == KZ_IND_TYPE_COUNT || !s->per_type[t])
        return (kz_run){0, 0};
    return run_at(s, probe(s, K_HASH, hash_rev(K_HASH, hex, n, true), hex, n, true));
}

kz_run kz_indset_asn(const kz_indset *s, uint32_t asn)
{
    size_t lo = 0, hi = s->n_asn;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->asn[mid] < asn)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->n_asn && s->asn[lo] == asn ? run_at(s, s->asn_rec[lo]) : (kz_run){0, 0};
}
