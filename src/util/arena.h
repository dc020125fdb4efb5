/* Per-request (or per-command) arena: many small allocations, one free.
 * HTTP handlers and decoders allocate from the request's arena and free nothing
 * themselves; the arena is released when the request completes. Not thread-safe:
 * one arena belongs to one request. */
#ifndef KZ_UTIL_ARENA_H
#define KZ_UTIL_ARENA_H

#include <stddef.h>

typedef struct kz_arena_block kz_arena_block;

typedef struct kz_arena {
    kz_arena_block *head;
    size_t block_size;  /* size of new blocks (grows for big requests) */
    size_t total;       /* bytes handed out, for ceilings and tests */
} kz_arena;

/* Initializes an empty arena; nothing is allocated until the first request. */
void kz_arena_init(kz_arena *a);

/* Frees every block. The arena can be reused after kz_arena_init. */
void kz_arena_free(kz_arena *a);

/* n bytes aligned for any type, or NULL when out of memory. Owned by the arena. */
void *kz_arena_alloc(kz_arena *a, size_t n);
void *kz_arena_calloc(kz_arena *a, size_t count, size_t size);

/* Copies into the arena; NULL in gives NULL out. */
char *kz_arena_strdup(kz_arena *a, const char *s);
char *kz_arena_strndup(kz_arena *a, const char *s, size_t n);
void *kz_arena_memdup(kz_arena *a, const void *p, size_t n);

/* printf into the arena. */
char *kz_arena_printf(kz_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
