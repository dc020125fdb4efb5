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

/* A cache key composed in place, without allocating (a hit allocates nothing): the path,
 * then each query parameter length-prefixed, in order, so that no two queries share a
 * key. A key that does not fit is no key (the request is then served uncached). */
enum { KZ_CACHE_KEY_MAX = 480 };
typedef struct kz_cache_key {
    char text[KZ_CACHE_KEY_MAX + 1];
    size_t len;
    bool bad;
} kz_cache_key;

void kz_cache_key_init(kz_cache_key *k, const char *path);
void kz_cache_key_arg(kz_cache_key *k, const char *name, const char *value);
/* The key's text (inside k), or NULL when it did not fit. */
const char *kz_cache_key_text(const kz_cache_key *k);

/* A body with one reference for the caller, or NULL on a miss. Allocates nothing. */
kz_cached_body *kz_cache_get(const char *key, uint64_t generation);

/* Stores a copy of data under key for generation (best effort: skipped when out of
 * memory or too large). */
void kz_cache_put(const char *key, uint64_t generation, const char *data, size_t len);

/* Drops one reference (the MHD free callback). */
void kz_cache_release(void *body);

/* Turns the cache off (or on) for the whole process, for benchmarks and tests. */
void kz_cache_enable(bool on);

#endif
