/* A small response cache for read-mostly, viewer-independent GET endpoints (the
 * directory): bodies keyed by path and query, valid while the store's generation is
 * unchanged (see kz_store_generation), shared between threads by reference count. */
#ifndef KZ_HTTP_CACHE_H
#define KZ_HTTP_CACHE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kz_cached_body {
    atomic_int refs;
    size_t len;
    char data[];
} kz_cached_body;

/* A body with one reference for the caller, or NULL on a miss. */
kz_cached_body *kz_cache_get(const char *key, uint64_t generation);

/* Stores a copy of data under key for generation (best effort: skipped when out of
 * memory or too large). */
void kz_cache_put(const char *key, uint64_t generation, const char *data, size_t len);

/* Drops one reference (the MHD free callback). */
void kz_cache_release(void *body);

/* Turns the cache off (or on) for the whole process, for benchmarks and tests. */
void kz_cache_enable(bool on);

#endif
