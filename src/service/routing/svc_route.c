/* The routing tally: groups of (country, ASN), a set of the distinct addresses seen (an
 * address always falls into one group, so one set counts the distinct addresses of
 * every group), and a cache of host name resolutions. */
#include "service/routing/route.h"

#include "model/states.h"
#include "util/alloc.h"
#include "util/checksum.h"

#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef struct group {
    uint64_t key;  /* cc << 32 | asn, + 1 */
    uint64_t events, addresses;
    kz_time first, last;  /* of the events with a time; 0 when none */
    char *org;
} group;

/* Open-addressing sets of the addresses seen; slot 0 means empty, so the one address
 * that would store as 0 is kept aside (index cap). With detail, parallel arrays keep
 * each address's event count and group (for the per-state lists of kizuna route --db). */
typedef struct set4 {
    uint32_t *slot;  /* address + 1 */
    size_t cap, n;
    bool has_max;    /* 255.255.255.255 */
    uint32_t *cnt, *grp;  /* detail: cap + 1 entries, the last for the kept-aside one */
} set4;

typedef struct set6 {
    uint64_t (*slot)[2];  /* high, low */
    size_t cap, n;
    bool has_zero;   /* :: */
    uint32_t *cnt, *grp;
} set6;

typedef struct host_entry {
    char *name;
    bool ok;
    kz_ip ip;
} host_entry;

struct kz_route {
    bool detail;
    group *groups;
    size_t ngroups, groups_cap;
    uint32_t *gslot;  /* group index + 1 */
    size_t gcap;
    set4 s4;
    set6 s6;
    uint64_t unresolved, resolved;
    host_entry *hosts;  /* resolution cache */
    size_t hcap, hn;
};

kz_route *kz_route_new(bool detail)
{
    kz_route *r = kz_calloc(1, sizeof(kz_route));
    if (r)
        r->detail = detail;
    return r;
}

void kz_route_free(kz_route *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->ngroups; i++)
        kz_free(r->groups[i].org);
    kz_free(r->groups);
    kz_free(r->gslot);
    kz_free(r->s4.slot);
    kz_free(r->s4.cnt);
    kz_free(r->s4.grp);
    kz_free(r->s6.slot);
    kz_free(r->s6.cnt);
    kz_free(r->s6.grp);
    for (size_t i = 0; i < r->hcap; i++)
        kz_free(r->hosts[i].name);
    kz_free(r->hosts);
    kz_free(r);
}

/* --- Distinct addresses ------------------------------------------------------------ */

/* New detail arrays of cap + 1 entries, moving the kept-aside entry to the end. */
static bool detail_alloc(uint32_t **cnt, uint32_t **grp, size_t cap, const uint32_t *oc,
                         const uint32_t *og, size_t ocap)
{
    *cnt = kz_calloc(cap + 1, sizeof **cnt);
    *grp = kz_calloc(cap + 1, sizeof **grp);
    if (!*cnt || !*grp) {
        kz_free(*cnt);
        kz_free(*grp);
        return false;
    }
    if (oc) {
        (*cnt)[cap] = oc[ocap];
        (*grp)[cap] = og[ocap];
    }
    return true;
}

static bool set4_grow(set4 *s, bool detail)
{
    size_t cap = s->cap ? s->cap * 2 : 1 << 16;
    uint32_t *slot = kz_calloc(cap, sizeof *slot), *cnt = NULL, *grp = NULL;
    if (!slot || (detail && !detail_alloc(&cnt, &grp, cap, s->cnt, s->grp, s->cap))) {
        kz_free(slot);
        return false;
    }
    for (size_t i = 0; i < s->cap; i++) {
        uint32_t v = s->slot[i];
        if (!v)
            continue;
        size_t j = kz_hash_mix64(v) & (cap - 1);
        while (slot[j])
            j = (j + 1) & (cap - 1);
        slot[j] = v;
        if (detail) {
            cnt[j] = s->cnt[i];
            grp[j] = s->grp[i];
        }
    }
    kz_free(s->slot);
    kz_free(s->cnt);
    kz_free(s->grp);
    s->slot = slot;
    s->cnt = cnt;
    s->grp = grp;
    s->cap = cap;
    return true;
}

/* Finds or adds ip: *at receives its slot (cap for the kept-aside address). Returns 1
 * when new, 0 when seen before, -1 when out of memory. */
static int set4_add(set4 *s, uint32_t ip, bool detail, size_t *at)
{
    if ((s->n + 1) * 2 > s->cap && !set4_grow(s, detail))
        return -1;
    if (ip == UINT32_MAX) {
        bool was = s->has_max;
        s->has_max = true;
        *at = s->cap;
        return !was;
    }
    uint32_t v = ip + 1;
    size_t j = kz_hash_mix64(v) & (s->cap - 1);
    while (s->slot[j]) {
        if (s->slot[j] == v) {
            *at = j;
            return 0;
        }
        j = (j + 1) & (s->cap - 1);
    }
    s->slot[j] = v;
    s->n++;
    *at = j;
    return 1;
}

static uint64_t hash6(uint64_t hi, uint64_t lo) { return kz_hash_mix64(hi ^ kz_hash_mix64(lo)); }

static bool set6_grow(set6 *s, bool detail)
{
    size_t cap = s->cap ? s->cap * 2 : 1 << 12;
    uint64_t(*slot)[2] = kz_calloc(cap, sizeof *slot);
    uint32_t *cnt = NULL, *grp = NULL;
    if (!slot || (detail && !detail_alloc(&cnt, &grp, cap, s->cnt, s->grp, s->cap))) {
        kz_free(slot);
        return false;
    }
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->slot[i][0] && !s->slot[i][1])
            continue;
        size_t j = hash6(s->slot[i][0], s->slot[i][1]) & (cap - 1);
        while (slot[j][0] || slot[j][1])
            j = (j + 1) & (cap - 1);
        slot[j][0] = s->slot[i][0];
        slot[j][1] = s->slot[i][1];
        if (detail) {
            cnt[j] = s->cnt[i];
            grp[j] = s->grp[i];
        }
    }
    kz_free(s->slot);
    kz_free(s->cnt);
    kz_free(s->grp);
    s->slot = slot;
    s->cnt = cnt;
    s->grp = grp;
    s->cap = cap;
    return true;
}

static int set6_add(set6 *s, const uint8_t ip[16], bool detail, size_t *at)
{
    uint64_t hi = 0, lo = 0;
    for (int i = 0; i < 8; i++) {
        hi = hi << 8 | ip[i];
        lo = lo << 8 | ip[8 + i];
    }
    if ((s->n + 1) * 2 > s->cap && !set6_grow(s, detail))
        return -1;
    if (!hi && !lo) {
        bool was = s->has_zero;
        s->has_zero = true;
        *at = s->cap;
        return !was;
    }
    size_t j = hash6(hi, lo) & (s->cap - 1);
    while (s->slot[j][0] || s->slot[j][1]) {
        if (s->slot[j][0] == hi && s->slot[j][1] == lo) {
            *at = j;
            return 0;
        }
        j = (j + 1) & (s->cap - 1);
    }
    s->slot[j][0] = hi;
    s->slot[j][1] = lo;
    s->n++;
    *at = j;
    return 1;
}

/* --- Groups ---------------------------------------------------------------------- */

static bool groups_rehash(kz_route *r, size_t cap)
{
    uint32_t *slot = kz_calloc(cap, sizeof *slot);
    if (!slot)
        return false;
    for (size_t g = 0; g < r->ngroups; g++) {
        size_t j = kz_hash_mix64(r->groups[g].key) & (cap - 1);
        while (slot[j])
            j = (j + 1) & (cap - 1);
        slot[j] = (uint32_t)g + 1;
    }
    kz_free(r->gslot);
    r->gslot = slot;
    r->gcap = cap;
    return true;
}

static group *group_of(kz_route *r, const kz_geo_hit *h)
{
    uint64_t key = ((uint64_t)((unsigned char)h->cc[0] << 8 | (unsigned char)h->cc[1]) << 32 | h->asn) + 1;
    if ((r->ngroups + 1) * 2 > r->gcap && !groups_rehash(r, r->gcap ? r->gcap * 2 : 1024))
        return NULL;
    size_t j = kz_hash_mix64(key) & (r->gcap - 1);
    while (r->gslot[j]) {
        group *g = &r->groups[r->gslot[j] - 1];
        if (g->key == key)
            return g;
        j = (j + 1) & (r->gcap - 1);
    }
    if (r->ngroups == r->groups_cap) {
        size_t cap = r->groups_cap ? r->groups_cap * 2 : 256;
        group *gs = kz_realloc(r->groups, cap * sizeof *gs);
        if (!gs)
            return NULL;
        r->groups = gs;
        r->groups_cap = cap;
    }
    group *g = &r->groups[r->ngroups];
    memset(g, 0, sizeof *g);
    g->key = key;
    if (!(g->org = kz_strndup(h->org ? h->org : "", h->org_len)))
        return NULL;
    r->gslot[j] = (uint32_t)++r->ngroups;
    return g;
}

kz_rc kz_route_add(kz_route *r, const kz_ip *ips, const kz_geo_hit *hits, const kz_time *times,
                   size_t n)
{
    for (size_t i = 0; i < n; i++) {
        group *g = group_of(r, &hits[i]);
        size_t at;
        int fresh = !g ? -1
                  : ips[i].family == 4 ? set4_add(&r->s4, ips[i].v4, r->detail, &at)
                                       : set6_add(&r->s6, ips[i].v6, r->detail, &at);
        if (fresh < 0)
            return KZ_ENOMEM;
        g->events++;
        g->addresses += (uint64_t)fresh;
        kz_time t = times ? times[i] : 0;
        if (t) {
            g->first = !g->first || t < g->first ? t : g->first;
            g->last = t > g->last ? t : g->last;
        }
        if (r->detail) {
            uint32_t *cnt = ips[i].family == 4 ? r->s4.cnt : r->s6.cnt;
            uint32_t *grp = ips[i].family == 4 ? r->s4.grp : r->s6.grp;
            cnt[at] += cnt[at] < UINT32_MAX;
            grp[at] = (uint32_t)(g - r->groups);
        }
    }
    return KZ_OK;
}

void kz_route_add_unresolved(kz_route *r) { r->unresolved++; }

void kz_route_add_resolved(kz_route *r) { r->resolved++; }

/* --- Host names ------------------------------------------------------------------- */

static bool lookup_host(const char *host, kz_ip *ip)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
        return false;
    bool ok = false;
    for (struct addrinfo *a = res; a && !ok; a = a->ai_next) {
        if (a->ai_family == AF_INET) {
            const unsigned char *b = (const unsigned char *)&((struct sockaddr_in *)a->ai_addr)->sin_addr;
            ip->family = 4;
            ip->v4 = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
            ok = true;
        } else if (a->ai_family == AF_INET6) {
            ip->family = 6;
            memcpy(ip->v6, &((struct sockaddr_in6 *)a->ai_addr)->sin6_addr, 16);
            ok = true;
        }
    }
    freeaddrinfo(res);
    return ok;
}

bool kz_route_resolve(kz_route *r, const char *host, kz_ip *ip)
{
    if ((r->hn + 1) * 2 > r->hcap) {
        size_t cap = r->hcap ? r->hcap * 2 : 256;
        host_entry *h = kz_calloc(cap, sizeof *h);
        if (!h)
            return false;
        for (size_t i = 0; i < r->hcap; i++) {
            if (!r->hosts[i].name)
                continue;
            size_t j = kz_hash_bytes(r->hosts[i].name, strlen(r->hosts[i].name)) & (cap - 1);
            while (h[j].name)
                j = (j + 1) & (cap - 1);
            h[j] = r->hosts[i];
        }
        kz_free(r->hosts);
        r->hosts = h;
        r->hcap = cap;
    }
    size_t j = kz_hash_bytes(host, strlen(host)) & (r->hcap - 1);
    while (r->hosts[j].name) {
        if (strcmp(r->hosts[j].name, host) == 0) {
            *ip = r->hosts[j].ip;
            return r->hosts[j].ok;
        }
        j = (j + 1) & (r->hcap - 1);
    }
    host_entry *e = &r->hosts[j];
    if (!(e->name = kz_strdup(host)))
        return false;
    e->ok = lookup_host(host, &e->ip);
    r->hn++;
    *ip = e->ip;
    return e->ok;
}

/* --- Summary ---------------------------------------------------------------------- */

static int by_events(const void *a, const void *b)
{
    const kz_route_asn *x = a, *y = b;
    if (x->events != y->events)
        return x->events > y->events ? -1 : 1;
    return x->asn < y->asn ? -1 : x->asn > y->asn;
}

static int by_country(const void *a, const void *b)
{
    const kz_route_country *x = a, *y = b;
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

kz_rc kz_route_summarize(kz_route *r, kz_arena *a, kz_route_summary *out)
{
    memset(out, 0, sizeof *out);
    out->unresolved = r->unresolved;
    out->resolved = r->resolved;
    const group **gs = kz_arena_calloc(a, r->ngroups + 1, sizeof *gs);
    kz_route_country *cs = kz_arena_calloc(a, r->ngroups + 1, sizeof *cs);
    if (!gs || !cs)
        return KZ_ENOMEM;
    for (size_t i = 0; i < r->ngroups; i++)
        gs[i] = &r->groups[i];
    qsort(gs, r->ngroups, sizeof *gs, by_key);  /* groups of one country are adjacent */
    size_t nc = 0;
    for (size_t i = 0; i < r->ngroups;) {
        uint64_t cc = (gs[i]->key - 1) >> 32;
        size_t j = i;
        while (j < r->ngroups && (gs[j]->key - 1) >> 32 == cc)
            j++;
        kz_route_country *c = &cs[nc++];
        c->cc[0] = (char)(cc >> 8);
        c->cc[1] = (char)(cc & 0xff);
        const kz_state_ref *st = c->cc[0] ? kz_state_find(c->cc) : NULL;
        c->name = st ? st->name : c->cc[0] ? kz_arena_strdup(a, c->cc) : "not in the routing data";
        c->nasns = j - i;
        c->asns = kz_arena_calloc(a, c->nasns, sizeof *c->asns);
        if (!c->asns || !c->name)
            return KZ_ENOMEM;
        for (size_t k = i; k < j; k++) {
            kz_route_asn *x = &c->asns[k - i];
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
        out->events += c->events;
        out->addresses += c->addresses;
        i = j;
    }
    qsort(cs, nc, sizeof *cs, by_country);
    out->countries = cs;
    out->ncountries = nc;
    return KZ_OK;
}

/* --- Per-state address lists (detail mode) ---------------------------------------- */

static int by_addr_events(const void *a, const void *b)
{
    const kz_route_addr *x = a, *y = b;
    if (x->events != y->events)
        return x->events > y->events ? -1 : 1;
    return strcmp(x->text, y->text);
}

static kz_rc add_addr(kz_route *r, kz_arena *a, const kz_ip *ip, uint32_t cnt, uint32_t grp,
                      uint64_t ccv, kz_route_addr *items, size_t *n)
{
    const group *g = &r->groups[grp];
    if ((g->key - 1) >> 32 != ccv)
        return KZ_OK;
    char text[64];
    kz_route_addr *x = &items[(*n)++];
    x->text = kz_arena_strdup(a, kz_ip_format(ip, text, sizeof text));
    x->asn = (uint32_t)(g->key - 1);
    x->org = g->org;
    x->events = cnt;
    return x->text ? KZ_OK : KZ_ENOMEM;
}

kz_rc kz_route_addresses(kz_route *r, const char *cc, kz_arena *a, kz_route_addr **items, size_t *n)
{
    *items = NULL;
    *n = 0;
    if (!r->detail)
        return KZ_ECONFLICT;
    uint64_t ccv = cc[0] ? (uint64_t)((unsigned char)cc[0] << 8 | (unsigned char)cc[1]) : 0;
    size_t total = r->s4.n + r->s6.n + 2;
    kz_route_addr *v = kz_arena_calloc(a, total, sizeof *v);
    if (!v)
        return KZ_ENOMEM;
    kz_rc rc = KZ_OK;
    kz_ip ip = {.family = 4};
    for (size_t i = 0; !rc && i < r->s4.cap; i++) {
        if (!r->s4.slot[i])
            continue;
        ip.v4 = r->s4.slot[i] - 1;
        rc = add_addr(r, a, &ip, r->s4.cnt[i], r->s4.grp[i], ccv, v, n);
    }
    if (!rc && r->s4.has_max) {
        ip.v4 = UINT32_MAX;
        rc = add_addr(r, a, &ip, r->s4.cnt[r->s4.cap], r->s4.grp[r->s4.cap], ccv, v, n);
    }
    ip.family = 6;
    for (size_t i = 0; !rc && i < r->s6.cap; i++) {
        if (!r->s6.slot[i][0] && !r->s6.slot[i][1])
            continue;
        for (int b = 0; b < 8; b++) {
            ip.v6[b] = (uint8_t)(r->s6.slot[i][0] >> (56 - 8 * b));
            ip.v6[8 + b] = (uint8_t)(r->s6.slot[i][1] >> (56 - 8 * b));
        }
        rc = add_addr(r, a, &ip, r->s6.cnt[i], r->s6.grp[i], ccv, v, n);
    }
    if (!rc && r->s6.has_zero) {
        memset(ip.v6, 0, 16);
        rc = add_addr(r, a, &ip, r->s6.cnt[r->s6.cap], r->s6.grp[r->s6.cap], ccv, v, n);
    }
    if (rc)
        return rc;
    qsort(v, *n, sizeof *v, by_addr_events);
    *items = v;
    return KZ_OK;
}
