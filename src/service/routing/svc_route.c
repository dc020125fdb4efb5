/* The host name cache of kizuna route --resolve (route.h): each distinct name asked of
 * the system resolver once. The counting itself is the engine's tally (engine/tally.h). */
#include "service/routing/route.h"

#include "util/alloc.h"
#include "util/checksum.h"

#include <netdb.h>
#include <string.h>
#include <sys/socket.h>

typedef struct host_entry {
    char *name;
    bool ok;
    kz_ip ip;
} host_entry;

struct kz_resolver {
    host_entry *hosts;  /* open addressing by name */
    size_t hcap, hn;
};

kz_resolver *kz_resolver_new(void) { return kz_calloc(1, sizeof(kz_resolver)); }

void kz_resolver_free(kz_resolver *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->hcap; i++)
        kz_free(r->hosts[i].name);
    kz_free(r->hosts);
    kz_free(r);
}

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

static bool grow(kz_resolver *r)
{
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
    return true;
}

bool kz_resolver_lookup(kz_resolver *r, const char *host, kz_ip *ip)
{
    if ((r->hn + 1) * 2 > r->hcap && !grow(r))
        return false;
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
