/* Arena allocator: a singly linked list of blocks, bump allocation inside each. */
#include "util/arena.h"

#include "util/alloc.h"
#include "util/invariant.h"

#include <stdarg.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct kz_arena_block {
    kz_arena_block *next;
    size_t used, cap;
    alignas(max_align_t) unsigned char data[];
};

enum { FIRST_BLOCK = 4096, MAX_BLOCK = 1 << 20 };

/* The newest block (the only one still handing out memory) holds what it handed out,
 * aligned; checked on every allocation, so only the head, in constant time. */
static inline void check_head(const kz_arena *a)
{
    const kz_arena_block *b = a->head;
    kz_invariant(!b || (b->used <= b->cap && b->used % alignof(max_align_t) == 0));
    kz_invariant(a->block_size >= FIRST_BLOCK && a->block_size <= 2 * MAX_BLOCK);
}

#ifndef NDEBUG
/* Every block as the head was, and total the sum of what they handed out. */
static void check_all(const kz_arena *a)
{
    size_t sum = 0;
    for (const kz_arena_block *b = a->head; b; b = b->next) {
        kz_invariant(b->used <= b->cap);
        sum += b->used;
    }
    kz_invariant(sum == a->total);
}
#endif

void kz_arena_init(kz_arena *a)
{
    a->head = NULL;
    a->block_size = FIRST_BLOCK;
    a->total = 0;
}

void kz_arena_free(kz_arena *a)
{
#ifndef NDEBUG
    check_all(a);
#endif
    kz_arena_block *b = a->head;
    while (b) {
        kz_arena_block *next = b->next;
        kz_free(b);
        b = next;
    }
    kz_arena_init(a);
}

static kz_arena_block *new_block(kz_arena *a, size_t need)
{
    size_t cap = a->block_size;
    if (cap < need)
        cap = need;
    if (cap > SIZE_MAX - sizeof(kz_arena_block))
        return NULL;
    kz_arena_block *b = kz_malloc(sizeof *b + cap);
    if (!b)
        return NULL;
    b->used = 0;
    b->cap = cap;
    b->next = a->head;
    a->head = b;
    if (a->block_size < MAX_BLOCK)
        a->block_size *= 2;
    return b;
}

void *kz_arena_alloc(kz_arena *a, size_t n)
{
    const size_t align = alignof(max_align_t);
    if (n > SIZE_MAX - align)
        return NULL;
    n = (n + align - 1) & ~(align - 1);
    check_head(a);
    kz_arena_block *b = a->head;
    if (!b || b->cap - b->used < n) {
        b = new_block(a, n);
        if (!b)
            return NULL;
    }
    void *p = b->data + b->used;
    b->used += n;
    a->total += n;
    return p;
}

void *kz_arena_calloc(kz_arena *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = kz_arena_alloc(a, count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void *kz_arena_memdup(kz_arena *a, const void *p, size_t n)
{
    void *d = kz_arena_alloc(a, n);
    if (d && n)
        memcpy(d, p, n);
    return d;
}

char *kz_arena_strndup(kz_arena *a, const char *s, size_t n)
{
    if (!s)
        return NULL;
    size_t len = strnlen(s, n);
    char *d = kz_arena_alloc(a, len + 1);
    if (d) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

char *kz_arena_strdup(kz_arena *a, const char *s) { return s ? kz_arena_strndup(a, s, SIZE_MAX) : NULL; }

char *kz_arena_printf(kz_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *d = kz_arena_alloc(a, (size_t)n + 1);
    if (!d)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(d, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return d;
}
