/* The origin tally (tally.h): groups of (country, ASN) and the distinct addresses seen.
 * An address always falls into one group, so one address set counts the distinct
 * addresses of every group. */
#include "engine/tally.h"

#include "model/states.h"
#include "util/alloc.h"
#include "util/checksum.h"

#include <stdlib.h>
#include <string.h>

typedef struct group {
    uint64_t key;  /* cc << 32 | asn, + 1 */
    uint64_t events, addresses;
    kz_time first, last;  /* of the events with a time; 0 when none */
    char *org;
} group;

/* An open-addressing table of the addresses of one width (4 bytes: IPv4 in host order;
 * 16: IPv6 in network order), the same code for both. An all-zero slot is empty, so the
 * all-zero address (0.0.0.0, ::) is kept aside at index cap. With detail, parallel
 * arrays keep each address's event count and group. */
typedef struct addr_table {
    unsigned char *keys;  /* cap slots of width bytes */
    size_t width, first_cap, cap, n;
    bool has_zero;
    uint32_t *cnt, *grp;  /* detail: cap + 1 entries, the last for the kept-aside one */
} addr_table;

/* The set of distinct addresses: one table per width. */
typedef struct addr_set {
    addr_table v4, v6;
} addr_set;

struct kz_tally {
    bool detail;
    group *groups;
    size_t ngroups, groups_cap;
    uint32_t *gslot;  /* group index + 1 */
    size_t gcap;
    addr_set addrs;
    uint64_t unresolved, resolved;
};

kz_tally *kz_tally_new(bool detail)
{
    kz_tally *t = kz_calloc(1, sizeof(kz_tally));
    if (!t)
        return NULL;
    t->detail = detail;
    t->addrs.v4 = (addr_table){.width = 4, .first_cap = 1 << 16};
    t->addrs.v6 = (addr_table){.width = 16, .first_cap = 1 << 12};
    return t;
}

static void table_free(addr_table *s)
{
    kz_free(s->keys);
    kz_free(s->cnt);
    kz_free(s->grp);
}

void kz_tally_free(kz_tally *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->ngroups; i++)
        kz_free(t->groups[i].org);
    kz_free(t->groups);
    kz_free(t->gslot);
    table_free(&t->addrs.v4);
    table_free(&t->addrs.v6);
    kz_free(t);
}

/* --- Distinct addresses ------------------------------------------------------------ */

static const unsigned char zero_key[16];

static bool key_empty(const unsigned char *k, size_t width) { return memcmp(k, zero_key, width) == 0; }

static uint64_t key_hash(const unsigned char *k, size_t width)
{
    uint64_t hi = 0, lo = 0;
    memcpy(&lo, k, width < 8 ? width : 8);
    if (width > 8)
        memcpy(&hi, k + 8, width - 8);
    return kz_hash_mix64(hi ^ kz_hash_mix64(lo));
}

/* The slot of key k in keys (cap slots): its own, or the empty one where it goes. */
static size_t probe(const unsigned char *keys, size_t cap, size_t width, const unsigned char *k)
{
    size_t j = key_hash(k, width) & (cap - 1);
    while (!key_empty(keys + j * width, width) && memcmp(keys + j * width, k, width) != 0)
        j = (j + 1) & (cap - 1);
    return j;
}

/* New detail arrays of cap + 1 entries, moving the kept-aside entry to the end. */
static bool detail_alloc(uint32_t **cnt, uint32_t **grp, size_t cap, const addr_table *old)
{
    *cnt = kz_calloc(cap + 1, sizeof **cnt);
    *grp = kz_calloc(cap + 1, sizeof **grp);
    if (!*cnt || !*grp) {
        kz_free(*cnt);
        kz_free(*grp);
        return false;
    }
    if (old->cnt) {
        (*cnt)[cap] = old->cnt[old->cap];
        (*grp)[cap] = old->grp[old->cap];
    }
    return true;
}

static bool table_grow(addr_table *s, bool detail)
{
    size_t cap = s->cap ? s->cap * 2 : s->first_cap, w = s->width;
    unsigned char *keys = kz_calloc(cap, w);
    uint32_t *cnt = NULL, *grp = NULL;
    if (!keys || (detail && !detail_alloc(&cnt, &grp, cap, s))) {
        kz_free(keys);
        return false;
    }
    for (size_t i = 0; i < s->cap; i++) {
        const unsigned char *k = s->keys + i * w;
        if (key_empty(k, w))
            continue;
        size_t j = probe(keys, cap, w, k);
        memcpy(keys + j * w, k, w);
        if (detail) {
            cnt[j] = s->cnt[i];
            grp[j] = s->grp[i];
        }
    }
    table_free(s);
    s->keys = keys;
    s->cnt = cnt;
    s->grp = grp;
    s->cap = cap;
    return true;
}

/* Finds or adds key k: *at receives its slot (cap for the kept-aside address). Returns
 * 1 when new, 0 when seen before, -1 when out of memory. */
static int table_add(addr_table *s, const unsigned char *k, bool detail, size_t *at)
{
    if ((s->n + 1) * 2 > s->cap && !table_grow(s, detail))
        return -1;
    if (key_empty(k, s->width)) {
        bool was = s->has_zero;
        s->has_zero = true;
        *at = s->cap;
        return !was;
    }
    size_t j = probe(s->keys, s->cap, s->width, k);
    *at = j;
    if (!key_empty(s->keys + j * s->width, s->width))
        return 0;
    memcpy(s->keys + j * s->width, k, s->width);
    s->n++;
    return 1;
}

/* The table of ip's family and ip as its key. */
static addr_table *table_of(addr_set *set, const kz_ip *ip, const unsigned char **key)
{
    *key = ip->family == 4 ? (const unsigned char *)&ip->v4 : ip->v6;
    return ip->family == 4 ? &set->v4 : &set->v6;
}

/* The address in slot i of s (cap: the kept-aside one). */
static void table_key(const addr_table *s, size_t i, kz_ip *ip)
{
    memset(ip, 0, sizeof *ip);
    ip->family = s->width == 4 ? 4 : 6;
    if (i < s->cap)
        memcpy(s->width == 4 ? (unsigned char *)&ip->v4 : ip->v6, s->keys + i * s->width, s->width);
}

/* --- Groups ---------------------------------------------------------------------- */

static bool groups_rehash(kz_tally *t, size_t cap)
{
    uint32_t *slot = kz_calloc(cap, sizeof *slot);
    if (!slot)
        return false;
    for (size_t g = 0; g < t->ngroups; g++) {
        size_t j = kz_hash_mix64(t->groups[g].key) & (cap - 1);
        while (slot[j])
            j = (j + 1) & (cap - 1);
        slot[j] = (uint32_t)g + 1;
    }
    kz_free(t->gslot);
    t->gslot = slot;
    t->gcap = cap;
    return true;
}

static uint64_t cc_value(const char *cc)
{
    return cc[0] ? (uint64_t)((unsigned char)cc[0] << 8 | (unsigned char)cc[1]) : 0;
}

static group *group_of(kz_tally *t, const kz_geo_hit *h)
{
    uint64_t key = (cc_value(h->cc) << 32 | h->asn) + 1;
    if ((t->ngroups + 1) * 2 > t->gcap && !groups_rehash(t, t->gcap ? t->gcap * 2 : 1024))
        return NULL;
    size_t j = kz_hash_mix64(key) & (t->gcap - 1);
    while (t->gslot[j]) {
        group *g = &t->groups[t->gslot[j] - 1];
        if (g->key == key)
            return g;
        j = (j + 1) & (t->gcap - 1);
    }
    if (t->ngroups == t->groups_cap) {
        size_t cap = t->groups_cap ? t->groups_cap * 2 : 256;
        group *gs = kz_realloc(t->groups, cap * sizeof *gs);
        if (!gs)
            return NULL;
        t->groups = gs;
        t->groups_cap = cap;
    }
    group *g = &t->groups[t->ngroups];
    memset(g, 0, sizeof *g);
    g->key = key;
    if (!(g->org = kz_strndup(h->org ? h->org : "", h->org_len)))
        return NULL;
    t->gslot[j] = (uint32_t)++t->ngroups;
    return g;
}

kz_rc kz_tally_add(kz_tally *t, const kz_ip *ips, const kz_geo_hit *hits, const kz_time *times, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        group *g = group_of(t, &hits[i]);
        const unsigned char *key;
        addr_table *s = table_of(&t->addrs, &ips[i], &key);
        size_t at;
        int fresh = g ? table_add(s, key, t->detail, &at) : -1;
        if (fresh < 0)
            return KZ_ENOMEM;
        g->events++;
        g->addresses += (uint64_t)fresh;
        kz_time when = times ? times[i] : 0;
        if (when) {
            g->first = !g->first || when < g->first ? when : g->first;
            g->last = when > g->last ? when : g->last;
        }
        if (t->detail) {
            s->cnt[at] += s->cnt[at] < UINT32_MAX;
            s->grp[at] = (uint32_t)(g - t->groups);
        }
    }
    return KZ_OK;
}

void kz_tally_add_unresolved(kz_tally *t) { t->unresolved++; }

void kz_tally_add_resolved(kz_tally *t) { t->resolved++; }

/* --- Summary ---------------------------------------------------------------------- */

static int by_events(const void *a, const void *b)
{
    const kz_tally_asn *x = a, *y = b;
    if (x->events != y->events)
        return x->events > y->events ? -1 : 1;
    return x->asn < y->asn ? -1 : x->asn > y->asn;
}

static int by_country(const void *a, const void *b)
{
    const kz_tally_country *x = a, *y = b;
    if (!x->cc[0] != !y->cc[0])
        return x->cc[0] ? -1 : 1;  /* the uncovered ones last */
    if (x->events != y->events)
        return x->events > y->events ? -1 : 1;
    return strcmp(x->cc, y->cc);
}

static int by_key(const void *a, const void *b)
{
    const group *x = *(const group *const *)a, *y = *(const group *const *)b;
    return x->key < y->key ? -1 : x->key > y->key;
}

/* Country c from its groups gs[0..n) (adjacent after sorting by key), in a. */
static kz_rc summarize_country(const group **gs, size_t n, kz_arena *a, kz_tally_country *c)
{
    uint64_t cc = (gs[0]->key - 1) >> 32;
    c->cc[0] = (char)(cc >> 8);
    c->cc[1] = (char)(cc & 0xff);
    const kz_state_ref *st = c->cc[0] ? kz_state_find(c->cc) : NULL;
    c->name = st ? st->name : c->cc[0] ? kz_arena_strdup(a, c->cc) : "not in the routing data";
    c->nasns = n;
    c->asns = kz_arena_calloc(a, n, sizeof *c->asns);
    if (!c->asns || !c->name)
        return KZ_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        kz_tally_asn *x = &c->asns[k];
        x->asn = (uint32_t)(gs[k]->key - 1);
        x->org = gs[k]->org;
        x->events = gs[k]->events;
        x->addresses = gs[k]->addresses;
        c->events += x->events;
        c->addresses += x->addresses;
        if (gs[k]->first && (!c->first || gs[k]->first < c->first))
            c->first = gs[k]->first;
        if (gs[k]->last > c->last)
            c->last = gs[k]->last;
    }
    qsort(c->asns, c->nasns, sizeof *c->asns, by_events);
    return KZ_OK;
}

kz_rc kz_tally_summarize(kz_tally *t, kz_arena *a, kz_tally_summary *out)
{
    memset(out, 0, sizeof *out);
    out->unresolved = t->unresolved;
    out->resolved = t->resolved;
    const group **gs = kz_arena_calloc(a, t->ngroups + 1, sizeof *gs);
    kz_tally_country *cs = kz_arena_calloc(a, t->ngroups + 1, sizeof *cs);
    if (!gs || !cs)
        return KZ_ENOMEM;
    for (size_t i = 0; i < t->ngroups; i++)
        gs[i] = &t->groups[i];
    qsort(gs, t->ngroups, sizeof *gs, by_key);  /* groups of one country are adjacent */
    size_t nc = 0;
    for (size_t i = 0; i < t->ngroups;) {
        size_t j = i;
        while (j < t->ngroups && (gs[j]->key - 1) >> 32 == (gs[i]->key - 1) >> 32)
            j++;
        kz_tally_country *c = &cs[nc++];
        if (summarize_country(gs + i, j - i, a, c))
            return KZ_ENOMEM;
        out->events += c->events;
        out->addresses += c->addresses;
        i = j;
    }
    qsort(cs, nc, sizeof *cs, by_country);
    out->countries = cs;
    out->ncountries = nc;
    return KZ_OK;
}

/* --- Per-country address lists (detail mode) -------------------------------------- */

/* Appends the addresses of s routed to country ccv to items. */
static void table_list(const kz_tally *t, const addr_table *s, uint64_t ccv, kz_tally_addr *items, size_t *n)
{
    for (size_t i = 0; i <= s->cap; i++) {
        if (i < s->cap ? key_empty(s->keys + i * s->width, s->width) : !s->has_zero)
            continue;
        const group *g = &t->groups[s->grp[i]];
        if ((g->key - 1) >> 32 != ccv)
            continue;
        kz_tally_addr *x = &items[(*n)++];
        table_key(s, i, &x->ip);
        x->asn = (uint32_t)(g->key - 1);
        x->org = g->org;
        x->events = s->cnt[i];
    }
}

kz_rc kz_tally_addresses(kz_tally *t, const char *cc, kz_arena *a, kz_tally_addr **items, size_t *n)
{
    *items = NULL;
    *n = 0;
    if (!t->detail)
        return KZ_ECONFLICT;
    kz_tally_addr *v = kz_arena_calloc(a, t->addrs.v4.n + t->addrs.v6.n + 2, sizeof *v);
    if (!v)
        return KZ_ENOMEM;
    table_list(t, &t->addrs.v4, cc_value(cc), v, n);
    table_list(t, &t->addrs.v6, cc_value(cc), v, n);
    *items = v;
    return KZ_OK;
}
