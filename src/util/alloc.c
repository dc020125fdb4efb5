/* Allocation wrapper with a process-wide fault-injection counter for tests, the sized
 * variant SQLite allocates through (it asks the size of its blocks), and a per-thread
 * count of allocations that tests use to show a hot path allocates nothing. */
#include "util/alloc.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static atomic_long fail_after = -1;
static _Thread_local unsigned long n_allocs;

static int should_fail(void)
{
    n_allocs++;
    long n = atomic_load_explicit(&fail_after, memory_order_relaxed);
    if (n < 0)
        return 0;
    if (n == 0)
        return 1;
    atomic_fetch_sub_explicit(&fail_after, 1, memory_order_relaxed);
    return 0;
}

void kz_alloc_fail_after(long n) { atomic_store(&fail_after, n); }

unsigned long kz_alloc_count(void) { return n_allocs; }

void *kz_malloc(size_t n) { return should_fail() ? NULL : malloc(n ? n : 1); }

void *kz_calloc(size_t count, size_t size)
{
    return should_fail() ? NULL : calloc(count ? count : 1, size ? size : 1);
}

void *kz_realloc(void *p, size_t n) { return should_fail() ? NULL : realloc(p, n ? n : 1); }

char *kz_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = kz_malloc(len + 1);
    if (d) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

char *kz_strdup(const char *s) { return kz_strndup(s, strlen(s)); }

void kz_free(void *p) { free(p); }

void kz_free_libc(void *p) { free(p); }

/* ---- sized blocks: the size sits in a header as wide as the strictest alignment, so
 * the block after it is aligned as malloc's are ---------------------------------------- */

typedef union {
    size_t n;
    max_align_t align;
} sized_head;

void *kz_sized_malloc(size_t n)
{
    if (n > SIZE_MAX - sizeof(sized_head) || should_fail())
        return NULL;
    sized_head *h = malloc(sizeof *h + n);
    if (!h)
        return NULL;
    h->n = n;
    return h + 1;
}

void *kz_sized_realloc(void *p, size_t n)
{
    if (!p)
        return kz_sized_malloc(n);
    if (n > SIZE_MAX - sizeof(sized_head) || should_fail())
        return NULL;
    sized_head *h = realloc((sized_head *)p - 1, sizeof *h + n);
    if (!h)
        return NULL;
    h->n = n;
    return h + 1;
}

void kz_sized_free(void *p)
{
    if (p)
        free((sized_head *)p - 1);
}

size_t kz_sized_size(const void *p) { return p ? ((const sized_head *)p - 1)->n : 0; }
