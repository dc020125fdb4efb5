/* Longest-prefix match over address indicators: prefixes are either nested or disjoint,
 * so one sweep over them sorted by start turns the set into disjoint intervals, each
 * carrying its most specific prefix. A lookup is then one binary search (for IPv4 over
 * the few intervals of the address's /16, after a bitmap over the /24s has ruled out
 * most misses with one memory access). */
#include "engine/engine_internal.h"

#include "util/alloc.h"

#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;

/* Sets with fewer IPv4 intervals than this are searched without the bitmap and index,
 * which would cost 2.3 MB for nothing. */
enum { V4_ACCEL_MIN = 4096 };

static int pfx_cmp(const void *a, const void *b)
{
    const kz__pfx *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->plen != y->plen)
        return x->plen < y->plen ? -1 : 1;  /* the wider prefix first: it contains the other */
    if (x->exact != y->exact)
        return x->exact < y->exact ? -1 : 1; /* on a tie the exact address comes last: it wins */
    return 0;
}

/* IPv4 prefixes into pfx_cmp's order by a radix sort on (start, plen, exact), which
 * fit in 39 bits. False when out of memory (the caller sorts with qsort instead). */
static bool sort_v4(kz__pfx *p, size_t n)
{
    kz__sortkey *k = kz_malloc(2 * n * sizeof *k);
    kz__pfx *out = kz_malloc(n * sizeof *out);
    if (!k || !out) {
        kz_free(k);
        kz_free(out);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        k[i] = (kz__sortkey){(uint64_t)p[i].start << 7 | (uint64_t)p[i].plen << 1 | p[i].exact, (uint32_t)i};
    kz__radix_sort(k, k + n, n);
    for (size_t i = 0; i < n; i++)
        out[i] = p[k[i].i];
    memcpy(p, out, n * sizeof *p);
    kz_free(k);
    kz_free(out);
    return true;
}

typedef struct sweep {
    u128 *start;
    uint32_t *rec;
    size_t n, cap;
} sweep;

static bool emit(sweep *w, u128 at, uint32_t rec)
{
    if (w->n && w->start[w->n - 1] == at) {
        w->rec[w->n - 1] = rec;  /* a later boundary at the same address decides */
        if (w->n >= 2 && w->rec[w->n - 2] == rec)
            w->n--;
        return true;
    }
    if (w->n && w->rec[w->n - 1] == rec)
        return true;  /* the interval just continues */
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        u128 *s = kz_realloc(w->start, cap * sizeof *s);
        if (!s)
            return false;
        w->start = s;
        uint32_t *r = kz_realloc(w->rec, cap * sizeof *r);
        if (!r)
            return false;
        w->rec = r;
        w->cap = cap;
    }
    w->start[w->n] = at;
    w->rec[w->n] = rec;
    w->n++;
    return true;
}

kz_rc kz__prefix_build(kz__prefix_table *t, kz__pfx *p, size_t n, bool v6)
{
    memset(t, 0, sizeof *t);
    if (n == 0)
        return KZ_OK;
    if (v6 || !sort_v4(p, n))
        qsort(p, n, sizeof *p, pfx_cmp);
    const u128 top = v6 ? ~(u128)0 : (u128)UINT32_MAX;
    sweep w = {0};
    /* The stack of open prefixes, outermost first; nesting is at most 129 deep. */
    struct {
        u128 end;
        uint32_t rec;
    } stack[130];
    int depth = 0;
    kz_rc rc = KZ_ENOMEM;
    if (!emit(&w, 0, KZ__NONE))
        goto out;
    for (size_t i = 0; i < n; i++) {
        while (depth && stack[depth - 1].end < p[i].start) {
            depth--;
            if (!emit(&w, stack[depth].end + 1, depth ? stack[depth - 1].rec : KZ__NONE))
                goto out;
        }
        if (depth && stack[depth - 1].end == p[i].end && i && p[i - 1].start == p[i].start &&
            p[i - 1].plen == p[i].plen) {
            stack[depth - 1].rec = p[i].rec;  /* the same prefix again: the exact one wins */
            if (!emit(&w, p[i].start, p[i].rec))
                goto out;
            continue;
        }
        stack[depth].end = p[i].end;
        stack[depth].rec = p[i].rec;
        depth++;
        if (!emit(&w, p[i].start, p[i].rec))
            goto out;
    }
    while (depth) {
        depth--;
        if (stack[depth].end != top &&
            !emit(&w, stack[depth].end + 1, depth ? stack[depth - 1].rec : KZ__NONE))
            goto out;
    }

    t->n = (uint32_t)w.n;
    t->rec = kz_malloc(w.n * sizeof *t->rec);
    if (!t->rec)
        goto out;
    memcpy(t->rec, w.rec, w.n * sizeof *t->rec);
    if (v6) {
        t->hi = kz_malloc(w.n * sizeof *t->hi);
        t->lo = kz_malloc(w.n * sizeof *t->lo);
        if (!t->hi || !t->lo)
            goto out;
        for (size_t i = 0; i < w.n; i++) {
            t->hi[i] = (uint64_t)(w.start[i] >> 64);
            t->lo[i] = (uint64_t)w.start[i];
        }
    } else {
        t->v4 = kz_malloc(w.n * sizeof *t->v4);
        if (!t->v4)
            goto out;
        for (size_t i = 0; i < w.n; i++)
            t->v4[i] = (uint32_t)w.start[i];
        if (w.n >= V4_ACCEL_MIN) {
            t->bits = kz_calloc((1u << 24) / 64, sizeof *t->bits);
            t->index = kz_malloc(65537 * sizeof *t->index);
            if (!t->bits || !t->index)
                goto out;
            for (size_t i = 0; i < n; i++) {
                uint32_t a = (uint32_t)p[i].start >> 8, b = (uint32_t)p[i].end >> 8;
                for (uint32_t k = a; k <= b; k++) {
                    if ((k & 63) == 0 && b - k >= 63) {
                        t->bits[k >> 6] = ~0ull;
                        k += 63;
                    } else {
                        t->bits[k >> 6] |= 1ull << (k & 63);
                    }
                }
            }
            size_t j = 0;
            for (uint32_t k = 0; k <= 65536; k++) {
                while (j < w.n && (uint64_t)t->v4[j] < ((uint64_t)k << 16))
                    j++;
                t->index[k] = (uint32_t)j;
            }
        }
    }
    rc = KZ_OK;
out:
    kz_free(w.start);
    kz_free(w.rec);
    if (rc != KZ_OK)
        kz__prefix_free(t);
    return rc;
}

void kz__prefix_free(kz__prefix_table *t)
{
    kz_free(t->rec);
    kz_free(t->v4);
    kz_free(t->hi);
    kz_free(t->lo);
    kz_free(t->bits);
    kz_free(t->index);
    memset(t, 0, sizeof *t);
}

size_t kz__prefix_bytes(const kz__prefix_table *t)
{
    size_t b = (size_t)t->n * sizeof *t->rec;
    if (t->v4)
        b += (size_t)t->n * sizeof *t->v4;
    if (t->hi)
        b += (size_t)t->n * (sizeof *t->hi + sizeof *t->lo);
    if (t->bits)
        b += ((size_t)1 << 24) / 8;
    if (t->index)
        b += 65537 * sizeof *t->index;
    return b;
}

uint32_t kz__prefix_v4(const kz__prefix_table *t, uint32_t a)
{
    if (t->n == 0 || !kz__prefix_v4_maybe(t, a))
        return KZ__NONE;
    size_t lo = 0, hi = t->n;  /* the answer is the last start <= a, in [lo - 1, hi - 1] */
    if (t->bits) {
        lo = t->index[a >> 16];
        hi = t->index[(a >> 16) + 1];
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->v4[mid] <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? t->rec[lo - 1] : KZ__NONE;
}

uint32_t kz__prefix_v6(const kz__prefix_table *t, uint64_t ahi, uint64_t alo)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->hi[mid] < ahi || (t->hi[mid] == ahi && t->lo[mid] <= alo))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? t->rec[lo - 1] : KZ__NONE;
}
