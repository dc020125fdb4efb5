/* The row cache: a direct-mapped table of slots (a row number hashes to one slot), each
 * holding one rendering; locks striped over the slots; a byte count bounds the whole. */
#include "util/rowcache.h"

#include "util/alloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

enum { STRIPES = 64, BYTES_PER_SLOT = 512, MIN_SLOTS = 128, MAX_SLOTS = 1 << 22 };

typedef struct slot {
    int64_t row;
    uint64_t generation;
    size_t len;
    char *p; /* owned; NULL: empty */
} slot;

struct kz_rowcache {
    size_t limit, mask;
    atomic_size_t bytes;
    pthread_mutex_t lock[STRIPES];
    slot *slots;
};

kz_rowcache *kz_rowcache_new(size_t max_bytes)
{
    size_t n = MIN_SLOTS;
    while (n * 2 <= MAX_SLOTS && n * 2 * BYTES_PER_SLOT <= max_bytes)
        n *= 2;
    kz_rowcache *c = kz_calloc(1, sizeof *c);
    slot *s = c ? kz_calloc(n, sizeof *s) : NULL;
    if (!s) {
        kz_free(c);
        return NULL;
    }
    c->slots = s;
    c->mask = n - 1;
    c->limit = max_bytes;
    atomic_init(&c->bytes, sizeof *c + n * sizeof *s);
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_init(&c->lock[i], NULL);
    return c;
}

void kz_rowcache_free(kz_rowcache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i <= c->mask; i++)
        kz_free(c->slots[i].p);
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_destroy(&c->lock[i]);
    kz_free(c->slots);
    kz_free(c);
}

static size_t slot_of(const kz_rowcache *c, int64_t row)
{
    uint64_t h = (uint64_t)row * 0x9E3779B97F4A7C15u; /* Fibonacci hashing */
    return (size_t)(h >> 32) & c->mask;
}

bool kz_rowcache_append(kz_rowcache *c, int64_t row, uint64_t generation, kz_buf *out, kz_rc *rc)
{
    size_t i = slot_of(c, row);
    pthread_mutex_t *m = &c->lock[i % STRIPES];
    pthread_mutex_lock(m);
    const slot *s = &c->slots[i];
    bool hit = s->p && s->row == row && s->generation == generation;
    if (hit && (*rc = kz_buf_append(out, s->p, s->len)))
        hit = false;
    pthread_mutex_unlock(m);
    return hit;
}

void kz_rowcache_put(kz_rowcache *c, int64_t row, uint64_t generation, const char *p, size_t len)
{
    if (len > KZ_ROWCACHE_MAX_ENTRY)
        return;
    char *copy = kz_malloc(len ? len : 1);
    if (!copy)
        return;
    memcpy(copy, p, len);
    size_t i = slot_of(c, row);
    pthread_mutex_t *m = &c->lock[i % STRIPES];
    pthread_mutex_lock(m);
    slot *s = &c->slots[i];
    char *drop = copy;
    if (!s->p || s->generation <= generation) {
        size_t old = s->p ? s->len : 0;
        size_t now = atomic_fetch_add(&c->bytes, len) + len - old;
        if (now <= c->limit) {
            drop = s->p;
            *s = (slot){row, generation, len, copy};
            atomic_fetch_sub(&c->bytes, old);
        } else {
            atomic_fetch_sub(&c->bytes, len);
            if (s->p && s->generation < generation) { /* stale anyway: give its memory back */
                drop = s->p;
                s->p = NULL;
                atomic_fetch_sub(&c->bytes, old);
                kz_free(copy);
            }
        }
    }
    pthread_mutex_unlock(m);
    kz_free(drop);
}

size_t kz_rowcache_bytes(const kz_rowcache *c) { return atomic_load(&c->bytes); }
