/* The row cache: a direct-mapped table of slots (a row number hashes to one slot), each
 * holding one rendering; one reader-writer lock over the table (a page's lookups and
 * copies under one read lock; a put swaps its slot under the write lock, writers first so
 * that readers never starve it); a byte count bounds the whole. */
#include "util/rowcache.h"

#include "util/alloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

enum { BYTES_PER_SLOT = 512, MIN_SLOTS = 128, MAX_SLOTS = 1 << 22 };

typedef struct slot {
    int64_t row;
    uint64_t generation;
    size_t len;
    char *p; /* owned; NULL: empty */
} slot;

struct kz_rowcache {
    size_t limit, mask;
    atomic_size_t bytes;
    pthread_rwlock_t lock;
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
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&c->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    return c;
}

void kz_rowcache_free(kz_rowcache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i <= c->mask; i++)
        kz_free(c->slots[i].p);
    pthread_rwlock_destroy(&c->lock);
    kz_free(c->slots);
    kz_free(c);
}

static size_t slot_of(const kz_rowcache *c, int64_t row)
{
    uint64_t h = (uint64_t)row * 0x9E3779B97F4A7C15u; /* Fibonacci hashing */
    return (size_t)(h >> 32) & c->mask;
}

/* The slot holding row's bytes under generation, or NULL; under the lock. */
static const slot *find(const kz_rowcache *c, int64_t row, uint64_t generation)
{
    const slot *s = &c->slots[slot_of(c, row)];
    return s->p && s->row == row && s->generation == generation ? s : NULL;
}

bool kz_rowcache_append_rows(kz_rowcache *c, const int64_t *rows, size_t n, uint64_t generation, char sep,
                             kz_buf *out, kz_rc *rc)
{
    pthread_rwlock_rdlock(&c->lock);
    size_t total = n ? n - 1 : 0; /* the separators */
    bool hit = true;
    for (size_t i = 0; hit && i < n; i++) {
        const slot *s = find(c, rows[i], generation);
        hit = s != NULL;
        total += hit ? s->len : 0;
    }
    if (hit && (*rc = kz_buf_reserve(out, total)))
        hit = false;
    if (hit) { /* room reserved (kz_buf_reserve): the bytes are written in place */
        char *w = out->p + out->len;
        for (size_t i = 0; i < n; i++) {
            const slot *s = find(c, rows[i], generation);
            if (i)
                *w++ = sep;
            memcpy(w, s->p, s->len);
            w += s->len;
        }
        *w = '\0';
        out->len = (size_t)(w - out->p);
    }
    pthread_rwlock_unlock(&c->lock);
    return hit;
}

bool kz_rowcache_append(kz_rowcache *c, int64_t row, uint64_t generation, kz_buf *out, kz_rc *rc)
{
    return kz_rowcache_append_rows(c, &row, 1, generation, 0, out, rc);
}

void kz_rowcache_put(kz_rowcache *c, int64_t row, uint64_t generation, const char *p, size_t len)
{
    if (len > KZ_ROWCACHE_MAX_ENTRY)
        return;
    char *copy = kz_malloc(len ? len : 1);
    if (!copy)
        return;
    memcpy(copy, p, len);
    pthread_rwlock_wrlock(&c->lock);
    slot *s = &c->slots[slot_of(c, row)];
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
    pthread_rwlock_unlock(&c->lock);
    kz_free(drop);
}

size_t kz_rowcache_bytes(const kz_rowcache *c) { return atomic_load(&c->bytes); }
