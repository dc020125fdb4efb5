/* The connection guard (guard.h): connection places per client address in an
 * open-addressing table, the records of open connections in a list that a sweeper
 * thread walks twice a second to close those past their request deadline, and the
 * counts of refusals it logs on the same tick. One mutex guards it all; every operation
 * under it is short. */
#include "http/guard.h"

#include "util/alloc.h"
#include "util/clock.h"
#include "util/log.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

enum { SWEEP_MS = 500, FD_RESERVE = 64 /* files the node needs besides connections */ };

typedef struct addr_key {
    unsigned char b[16]; /* IPv6, or IPv4 mapped into it (::ffff:a.b.c.d) */
} addr_key;

typedef struct addr_slot {
    addr_key key;
    unsigned n; /* connections held; 0 = free slot */
} addr_slot;

struct kz_guard_conn {
    kz_guard_conn *prev, *next;
    addr_key key;
    int fd;
    int64_t deadline; /* monotonic ms; 0 = none (handling or answering a request) */
};

typedef enum { LIMIT_REQUEST_TIME, LIMIT_PER_ADDRESS, LIMIT_CONNECTIONS, LIMIT_N } limit_kind;

/* What the log line of each limit says: its name, the flag that sets it, its value. */
static const struct {
    const char *name, *flag;
    size_t field; /* offset of its value in kz_guard_limits */
} limit_info[LIMIT_N] = {
    [LIMIT_REQUEST_TIME] = {"request_timeout", "request-timeout", offsetof(kz_guard_limits, request_timeout_s)},
    [LIMIT_PER_ADDRESS] = {"per_address_connections", "per-address-connections", offsetof(kz_guard_limits, per_address)},
    [LIMIT_CONNECTIONS] = {"connections", "max-connections", offsetof(kz_guard_limits, max_connections)},
};

struct kz_guard {
    kz_guard_limits limits;
    addr_key exempt;
    bool has_exempt, refuse_all, stop;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    pthread_t sweeper;
    addr_slot *slots; /* capacity a power of two, at least twice max_connections */
    size_t cap;
    unsigned total;                 /* places reserved (admitted connections) */
    kz_guard_conn *head;            /* open connections */
    unsigned long bitten[LIMIT_N];  /* refusals and closings since the last log line */
};

static unsigned limit_value(const kz_guard_limits *l, limit_kind k)
{
    return *(const unsigned *)((const char *)l + limit_info[k].field);
}

static bool key_of(const struct sockaddr *sa, addr_key *k)
{
    memset(k, 0, sizeof *k);
    if (sa && sa->sa_family == AF_INET6) {
        memcpy(k->b, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
        return true;
    }
    if (sa && sa->sa_family == AF_INET) {
        k->b[10] = k->b[11] = 0xff;
        memcpy(k->b + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        return true;
    }
    return false;
}

static size_t key_hash(const addr_key *k, size_t cap)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < sizeof k->b; i++)
        h = (h ^ k->b[i]) * 1099511628211ull;
    return (size_t)h & (cap - 1);
}

/* The slot holding k, or the free slot where it would go (the table is never full). */
static addr_slot *slot_find(kz_guard *g, const addr_key *k)
{
    size_t i = key_hash(k, g->cap);
    while (g->slots[i].n && memcmp(&g->slots[i].key, k, sizeof *k) != 0)
        i = (i + 1) & (g->cap - 1);
    return &g->slots[i];
}

/* Frees slot s and shifts later members of its probe run back (no tombstones). */
static void slot_remove(kz_guard *g, addr_slot *s)
{
    size_t hole = (size_t)(s - g->slots), i = hole;
    g->slots[hole].n = 0;
    for (;;) {
        i = (i + 1) & (g->cap - 1);
        if (!g->slots[i].n)
            return;
        size_t home = key_hash(&g->slots[i].key, g->cap);
        /* Move it when its home is not in (hole, i] cyclically. */
        bool stays = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
        if (!stays) {
            g->slots[hole] = g->slots[i];
            g->slots[i].n = 0;
            hole = i;
        }
    }
}

static void release_place(kz_guard *g, const addr_key *k)
{
    addr_slot *s = slot_find(g, k);
    if (s->n && --s->n == 0)
        slot_remove(g, s);
    if (g->total)
        g->total--;
}

kz_rc kz_guard_check(const kz_guard_limits *l, kz_err *err)
{
    for (limit_kind k = 0; k < LIMIT_N; k++)
        if (limit_value(l, k) == 0)
            return kz_fail(err, KZ_EINVAL, limit_info[k].flag, "--%s must be at least 1", limit_info[k].flag);
    if (l->per_address >= l->max_connections)
        return kz_fail(err, KZ_EINVAL, "per-address-connections",
                       "--per-address-connections (%u) must be below --max-connections (%u), so that one "
                       "address cannot take every place", l->per_address, l->max_connections);
    return KZ_OK;
}

/* Lowers the connection limit to what the process may open, after raising its soft
 * open-file limit to the hard one. */
static void fit_file_limit(kz_guard_limits *l)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= (rlim_t)l->max_connections + FD_RESERVE)
        return;
    unsigned fit = rl.rlim_cur > FD_RESERVE * 2 ? (unsigned)(rl.rlim_cur - FD_RESERVE) : FD_RESERVE;
    kz_log(KZ_LOG_WARN, "http.connections_lowered", KZ_I("max_connections", l->max_connections),
           KZ_I("open_file_limit", rl.rlim_cur), KZ_I("now", fit));
    l->max_connections = fit;
    if (l->per_address >= fit)
        l->per_address = fit / 2;
}

static void log_bitten(kz_guard *g, const unsigned long *n)
{
    for (limit_kind k = 0; k < LIMIT_N; k++)
        if (n[k])
            kz_log(KZ_LOG_WARN, "http.limit", KZ_S("limit", limit_info[k].name), KZ_S("flag", limit_info[k].flag),
                   KZ_I("value", limit_value(&g->limits, k)), KZ_I("connections", n[k]));
}

/* Shuts down the sockets of connections past their deadline; the library sees the
 * connection end and closes it (kz_guard_close follows). Called with the mutex held:
 * a record in the list means its socket is still open. */
static void sweep(kz_guard *g, int64_t now)
{
    for (kz_guard_conn *c = g->head; c; c = c->next)
        if (c->deadline && now >= c->deadline) {
            shutdown(c->fd, SHUT_RDWR);
            c->deadline = 0;
            g->bitten[LIMIT_REQUEST_TIME]++;
        }
}

static void *sweeper(void *arg)
{
    kz_guard *g = arg;
    pthread_mutex_lock(&g->mu);
    while (!g->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += SWEEP_MS * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&g->wake, &g->mu, &ts);
        sweep(g, kz_mono_ms());
        unsigned long n[LIMIT_N];
        memcpy(n, g->bitten, sizeof n);
        memset(g->bitten, 0, sizeof g->bitten);
        pthread_mutex_unlock(&g->mu);
        log_bitten(g, n); /* outside the lock: logging writes to stderr */
        pthread_mutex_lock(&g->mu);
    }
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

kz_rc kz_guard_start(const kz_guard_limits *l, kz_guard **out, kz_err *err)
{
    kz_rc rc = kz_guard_check(l, err);
    if (rc)
        return rc;
    kz_guard *g = kz_calloc(1, sizeof *g);
    if (!g)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    g->limits = *l;
    g->limits.exempt = NULL;
    fit_file_limit(&g->limits);
    struct sockaddr_storage ss = {0};
    if (l->exempt && inet_pton(AF_INET, l->exempt, &((struct sockaddr_in *)&ss)->sin_addr) == 1)
        ss.ss_family = AF_INET;
    else if (l->exempt && inet_pton(AF_INET6, l->exempt, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1)
        ss.ss_family = AF_INET6;
    g->has_exempt = key_of((const struct sockaddr *)&ss, &g->exempt);
    for (g->cap = 16; g->cap < (size_t)g->limits.max_connections * 2; g->cap *= 2)
        ;
    g->slots = kz_calloc(g->cap, sizeof *g->slots);
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->wake, NULL);
    if (!g->slots || pthread_create(&g->sweeper, NULL, sweeper, g) != 0) {
        pthread_cond_destroy(&g->wake);
        pthread_mutex_destroy(&g->mu);
        kz_free(g->slots);
        kz_free(g);
        return kz_fail(err, KZ_ENOMEM, NULL, "cannot start the connection guard");
    }
    *out = g;
    return KZ_OK;
}

unsigned kz_guard_max_connections(const kz_guard *g) { return g->limits.max_connections; }

void kz_guard_stop(kz_guard *g)
{
    if (!g)
        return;
    pthread_mutex_lock(&g->mu);
    g->stop = true;
    pthread_cond_signal(&g->wake);
    pthread_mutex_unlock(&g->mu);
    pthread_join(g->sweeper, NULL);
    while (g->head) {
        kz_guard_conn *c = g->head;
        g->head = c->next;
        kz_free(c);
    }
    pthread_cond_destroy(&g->wake);
    pthread_mutex_destroy(&g->mu);
    kz_free(g->slots);
    kz_free(g);
}

void kz_guard_refuse_all(kz_guard *g)
{
    pthread_mutex_lock(&g->mu);
    g->refuse_all = true;
    pthread_mutex_unlock(&g->mu);
}

bool kz_guard_admit(kz_guard *g, const struct sockaddr *sa)
{
    addr_key k;
    if (!key_of(sa, &k))
        return false;
    pthread_mutex_lock(&g->mu);
    limit_kind bites = LIMIT_N;
    addr_slot *s = slot_find(g, &k);
    bool exempt = g->has_exempt && memcmp(&k, &g->exempt, sizeof k) == 0;
    if (g->total >= g->limits.max_connections)
        bites = LIMIT_CONNECTIONS;
    else if (!exempt && s->n >= g->limits.per_address)
        bites = LIMIT_PER_ADDRESS;
    bool ok = !g->refuse_all && bites == LIMIT_N;
    if (ok) {
        s->key = k;
        s->n++;
        g->total++;
    } else if (!g->refuse_all) {
        g->bitten[bites]++;
    }
    pthread_mutex_unlock(&g->mu);
    return ok;
}

kz_guard_conn *kz_guard_open(kz_guard *g, const struct sockaddr *sa, int fd)
{
    kz_guard_conn *c = kz_calloc(1, sizeof *c);
    addr_key k;
    key_of(sa, &k);
    pthread_mutex_lock(&g->mu);
    if (!c) {
        release_place(g, &k);
        shutdown(fd, SHUT_RDWR);
    } else {
        c->key = k;
        c->fd = fd;
        c->deadline = kz_mono_ms() + (int64_t)g->limits.request_timeout_s * 1000;
        c->next = g->head;
        if (g->head)
            g->head->prev = c;
        g->head = c;
    }
    pthread_mutex_unlock(&g->mu);
    return c;
}

static void set_deadline(kz_guard *g, kz_guard_conn *c, int64_t deadline)
{
    if (!c)
        return;
    pthread_mutex_lock(&g->mu);
    c->deadline = deadline;
    pthread_mutex_unlock(&g->mu);
}

void kz_guard_ready(kz_guard *g, kz_guard_conn *c)
{
    set_deadline(g, c, kz_mono_ms() + (int64_t)g->limits.request_timeout_s * 1000);
}

void kz_guard_received(kz_guard *g, kz_guard_conn *c) { set_deadline(g, c, 0); }

void kz_guard_close(kz_guard *g, kz_guard_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&g->mu);
    if (c->prev)
        c->prev->next = c->next;
    else
        g->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    release_place(g, &c->key);
    pthread_mutex_unlock(&g->mu);
    kz_free(c);
}
