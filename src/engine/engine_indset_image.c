/* The compiled indicator set as one flat image (see indset.h): written once after a
 * compile, then read in place from a mapped file, so that an unchanged million
 * indicators load in milliseconds. Every reference in an image is checked before use. */
#include "engine/engine_internal.h"

#include "util/alloc.h"
#include "util/checksum.h"

#include <stddef.h>
#include <string.h>

#define MAGIC "KZINDSET"
/* 2: host names hashed by label, a 128-bit fold as the slot mix; 3: the parent filter */
enum { VERSION = 3, ENDIAN = 0x01020304, ALIGN = 64 };

/* The arrays of a set, in the order they are laid out. */
enum {
    SEC_RECS, SEC_POOL, SEC_SLOTS, SEC_BLOOM, SEC_HOSTS, SEC_PFX,
    SEC_V4_REC, SEC_V4_START, SEC_V4_BITS, SEC_V4_INDEX,
    SEC_V6_REC, SEC_V6_HI, SEC_V6_LO, SEC_ASN, SEC_ASN_REC, SEC_PARENTS, SEC_COUNT
};

typedef struct image_head {
    char magic[8];
    uint64_t sum[2];            /* kz_hash_wide of every byte after sum */
    uint32_t version, endian;
    uint32_t rec_size, slot_size, host_size, present;  /* present: bit per section */
    uint64_t key[KZ_INDSET_KEY_WORDS];
    uint64_t total, pool_len;
    uint64_t per_type[KZ_IND_TYPE_COUNT];
    uint32_t n, mask, bloom_mask, n_hosts, n_pfx, n_asn, v4_n, v6_n, dom_min_labels, parents_shift;
    uint64_t off[SEC_COUNT], len[SEC_COUNT];
} image_head;

#define SUMMED_FROM (offsetof(image_head, sum) + sizeof(((image_head *)0)->sum))

/* Array i of s (in the order of the SEC_ names), and its length in bytes as the counts
 * of s say. */
static const void *sec_get(const kz_indset *s, int i)
{
    switch (i) {
    case SEC_RECS: return s->recs;
    case SEC_POOL: return s->pool;
    case SEC_SLOTS: return s->slots;
    case SEC_BLOOM: return s->bloom;
    case SEC_HOSTS: return s->hosts;
    case SEC_PFX: return s->pfx;
    case SEC_V4_REC: return s->v4.rec;
    case SEC_V4_START: return s->v4.v4;
    case SEC_V4_BITS: return s->v4.bits;
    case SEC_V4_INDEX: return s->v4.index;
    case SEC_V6_REC: return s->v6.rec;
    case SEC_V6_HI: return s->v6.hi;
    case SEC_V6_LO: return s->v6.lo;
    case SEC_ASN: return s->asn;
    case SEC_ASN_REC: return s->asn_rec;
    default: return s->parents;
    }
}

/* Points array i of s at p (inside an image that is never written: the casts drop a
 * const that the lookups keep). */
static void sec_set(kz_indset *s, int i, const void *p)
{
    void *q = (void *)(uintptr_t)p;
    switch (i) {
    case SEC_RECS: s->recs = q; break;
    case SEC_POOL: s->pool = q; break;
    case SEC_SLOTS: s->slots = q; break;
    case SEC_BLOOM: s->bloom = q; break;
    case SEC_HOSTS: s->hosts = q; break;
    case SEC_PFX: s->pfx = q; break;
    case SEC_V4_REC: s->v4.rec = q; break;
    case SEC_V4_START: s->v4.v4 = q; break;
    case SEC_V4_BITS: s->v4.bits = q; break;
    case SEC_V4_INDEX: s->v4.index = q; break;
    case SEC_V6_REC: s->v6.rec = q; break;
    case SEC_V6_HI: s->v6.hi = q; break;
    case SEC_V6_LO: s->v6.lo = q; break;
    case SEC_ASN: s->asn = q; break;
    case SEC_ASN_REC: s->asn_rec = q; break;
    default: s->parents = q; break;
    }
}

static size_t sec_len(const kz_indset *s, int i)
{
    const size_t len[SEC_COUNT] = {
        (size_t)s->n * sizeof *s->recs, s->pool_len, ((size_t)s->mask + 1) * sizeof *s->slots,
        ((size_t)s->bloom_mask + 1) * 64, (size_t)s->n_hosts * sizeof *s->hosts,
        (size_t)s->n_pfx * sizeof *s->pfx, (size_t)s->v4.n * 4, (size_t)s->v4.n * 4,
        ((size_t)1 << 24) / 8, 65537 * 4, (size_t)s->v6.n * 4, (size_t)s->v6.n * 8,
        (size_t)s->v6.n * 8, (size_t)s->n_asn * 4, (size_t)s->n_asn * 4,
        ((size_t)1 << (64 - s->parents_shift)) / 8,  /* shift checked in 32..55 before */
    };
    return len[i];
}

static size_t align_up(size_t n) { return (n + ALIGN - 1) & ~(size_t)(ALIGN - 1); }

void kz_indset_image_seal(void *p, size_t n)
{
    if (n < sizeof(image_head))
        return;
    image_head *h = p;
    uint64_t sum[2];
    kz_hash_wide((const char *)p + SUMMED_FROM, n - SUMMED_FROM, sum);
    memcpy(h->sum, sum, sizeof sum);
}

kz_rc kz_indset_image(const kz_indset *set, const uint64_t key[KZ_INDSET_KEY_WORDS], void **out,
                      size_t *out_len, kz_err *err)
{
    image_head h = {.version = VERSION, .endian = ENDIAN, .rec_size = sizeof(kz__rec),
                    .slot_size = sizeof(kz__slot), .host_size = sizeof(kz__url_host),
                    .pool_len = set->pool_len, .n = set->n, .mask = set->mask,
                    .bloom_mask = set->bloom_mask, .n_hosts = set->n_hosts, .n_pfx = set->n_pfx,
                    .n_asn = set->n_asn, .v4_n = set->v4.n, .v6_n = set->v6.n,
                    .dom_min_labels = set->dom_min_labels, .parents_shift = set->parents_shift};
    memcpy(h.magic, MAGIC, 8);
    memcpy(h.key, key, sizeof h.key);
    for (int t = 0; t < KZ_IND_TYPE_COUNT; t++)
        h.per_type[t] = set->per_type[t];
    size_t total = align_up(sizeof h);
    for (int i = 0; i < SEC_COUNT; i++) {
        if (!sec_get(set, i))
            continue;
        h.present |= 1u << i;
        h.off[i] = total;
        h.len[i] = sec_len(set, i);
        total = align_up(total + h.len[i]);
    }
    h.total = total;
    char *p = kz_calloc(1, total);
    if (!p)
        return kz_fail(err, KZ_ENOMEM, NULL, "cannot save the indicator set: out of memory");
    memcpy(p, &h, sizeof h);
    for (int i = 0; i < SEC_COUNT; i++)
        if (h.len[i])
            memcpy(p + h.off[i], sec_get(set, i), h.len[i]);
    kz_indset_image_seal(p, total);
    *out = p;  /* the caller's: kz_free */
    *out_len = total;
    return KZ_OK;
}

/* ---- reading an image in place ------------------------------------------------------ */

static bool head_ok(const image_head *h, size_t n, const uint64_t key[KZ_INDSET_KEY_WORDS])
{
    if (memcmp(h->magic, MAGIC, 8) != 0 || h->version != VERSION || h->endian != ENDIAN ||
        h->rec_size != sizeof(kz__rec) || h->slot_size != sizeof(kz__slot) ||
        h->host_size != sizeof(kz__url_host) || h->total != n ||
        memcmp(h->key, key, sizeof h->key) != 0)
        return false;
    uint64_t sum[2];
    kz_hash_wide((const char *)h + SUMMED_FROM, n - SUMMED_FROM, sum);
    return memcmp(sum, h->sum, sizeof sum) == 0;
}

/* Points the arrays of s into p; false when a section is not where its counts say. */
static bool place(kz_indset *s, const image_head *h, const char *p, size_t n)
{
    for (int i = 0; i < SEC_COUNT; i++) {
        if (!(h->present >> i & 1)) {
            /* absent: only the IPv4 bitmap and index (small sets) or empty arrays */
            if (h->len[i] || h->off[i] || (i != SEC_V4_BITS && i != SEC_V4_INDEX && sec_len(s, i)))
                return false;
            continue;
        }
        if (h->len[i] != sec_len(s, i) || h->off[i] % ALIGN || h->off[i] < sizeof *h || h->off[i] > n ||
            n - h->off[i] < h->len[i])
            return false;
        sec_set(s, i, p + h->off[i]);
    }
    return true;
}

static bool recs_ok(const kz_indset *s)
{
    size_t total = 0;
    for (int t = 0; t < KZ_IND_TYPE_COUNT; t++)
        total += s->per_type[t];
    if (total != s->n || (s->n && (!s->pool || s->pool_len == 0 || s->pool[s->pool_len - 1])))
        return false;
    for (uint32_t i = 0; i < s->n; i++) {
        const kz__rec *r = &s->recs[i];
        if (r->type >= KZ_IND_TYPE_COUNT || (size_t)r->value_off + r->value_len >= s->pool_len ||
            s->pool[r->value_off + r->value_len])
            return false;
        size_t id_need = r->flags & (KZ__ID_UUID | KZ__ID_STIX) ? 16 : 1;
        if (r->id_off != KZ__NONE && (size_t)r->id_off + id_need > s->pool_len)
            return false;
    }
    return true;
}

static bool table_ok(const kz_indset *s)
{
    if (!s->slots || !s->bloom || !s->parents || (s->mask & (s->mask + 1)) || (s->bloom_mask & (s->bloom_mask + 1)))
        return false;
    uint32_t used = 0;
    for (uint32_t i = 0; i <= s->mask; i++) {
        const kz__slot *sl = &s->slots[i];
        if (!sl->tag)
            continue;
        used++;
        uint32_t ref = sl->ref & ~KZ__HOST_REF;
        if (sl->ref & KZ__HOST_REF ? ref >= s->n_hosts : ref >= s->n)
            return false;
    }
    if (used > s->mask)  /* a probe must meet an empty slot */
        return false;
    for (uint32_t i = 0; i < s->n_hosts; i++) {
        const kz__url_host *uh = &s->hosts[i];
        if ((size_t)uh->off + uh->len > s->pool_len || (size_t)uh->first + uh->n > s->n_pfx)
            return false;
    }
    for (uint32_t i = 0; i < s->n_pfx; i++)
        if (s->pfx[i] >= s->n || s->recs[s->pfx[i]].value_len == 0)
            return false;
    for (uint32_t i = 0; i < s->n_asn; i++)
        if (s->asn_rec[i] >= s->n)
            return false;
    return true;
}

static bool prefix_ok(const kz__prefix_table *t, bool v6, uint32_t n_recs)
{
    if (t->n && (!t->rec || (v6 ? !t->hi || !t->lo : !t->v4)))
        return false;
    if (!t->bits != !t->index || (v6 && t->bits))
        return false;
    for (uint32_t i = 0; i < t->n; i++)
        if (t->rec[i] != KZ__NONE && t->rec[i] >= n_recs)
            return false;
    if (t->index)
        for (uint32_t k = 0; k <= 65536; k++)
            if (t->index[k] > t->n || (k && t->index[k] < t->index[k - 1]))
                return false;
    return true;
}

kz_rc kz_indset_from_image(const void *p, size_t n, const uint64_t key[KZ_INDSET_KEY_WORDS],
                           void (*release)(void *ctx, const void *p, size_t n), void *ctx,
                           kz_indset **out, kz_err *err)
{
    const image_head *h = p;
    if (!p || n < sizeof *h || (uintptr_t)p % 8 || !head_ok(h, n, key))
        return kz_fail(err, KZ_EINVAL, NULL, "not an image of these indicators");
    kz_indset *s = kz_calloc(1, sizeof *s);
    if (!s)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    s->image = p;
    s->image_len = n;
    s->n = h->n;
    s->pool_len = h->pool_len;
    for (int t = 0; t < KZ_IND_TYPE_COUNT; t++)
        s->per_type[t] = h->per_type[t];
    s->mask = h->mask;
    s->bloom_mask = h->bloom_mask;
    s->dom_min_labels = (uint8_t)h->dom_min_labels;
    s->parents_shift = h->parents_shift;
    s->n_hosts = h->n_hosts;
    s->n_pfx = h->n_pfx;
    s->n_asn = h->n_asn;
    s->v4.n = h->v4_n;
    s->v6.n = h->v6_n;
    if (h->n > INT32_MAX || h->pool_len > UINT32_MAX || h->parents_shift < 32 || h->parents_shift > 55 ||
        !place(s, h, p, n) || !recs_ok(s) ||
        !table_ok(s) || !prefix_ok(&s->v4, false, s->n) || !prefix_ok(&s->v6, true, s->n)) {
        kz_free(s);
        return kz_fail(err, KZ_EINVAL, NULL, "the indicator image is inconsistent");
    }
    s->release = release;  /* only now: on failure the caller keeps p */
    s->release_ctx = ctx;
    *out = s;
    return KZ_OK;
}
