/* Allocation wrapper with a process-wide fault-injection counter for tests. */
#include "util/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_long fail_after = -1;

static int should_fail(void)
{
    long n = atomic_load_explicit(&fail_after, memory_order_relaxed);
    if (n < 0)
        return 0;
    if (n == 0)
        return 1;
    atomic_fetch_sub_explicit(&fail_after, 1, memory_order_relaxed);
    return 0;
}

void kz_alloc_fail_after(long n) { atomic_store(&fail_after, n); }

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
