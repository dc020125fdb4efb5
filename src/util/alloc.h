/* The one allocation wrapper. Every heap allocation in Kizuna goes through here so that
 * tests can make allocation fail on purpose (kz_alloc_fail_after) and check that every
 * caller reports KZ_ENOMEM instead of crashing. */
#ifndef KZ_UTIL_ALLOC_H
#define KZ_UTIL_ALLOC_H

#include <stddef.h>

/* As malloc/calloc/realloc/free/strdup; NULL on failure. Caller frees with kz_free. */
void *kz_malloc(size_t n);
void *kz_calloc(size_t count, size_t size);
void *kz_realloc(void *p, size_t n);
char *kz_strdup(const char *s);
char *kz_strndup(const char *s, size_t n);
void kz_free(void *p);

/* Frees what a library allocated with the C library's malloc and handed over (the line of
 * getline, the buffer of open_memstream; jansson allocates through kz_malloc, so the text
 * of json_dumps may be freed with either). The one place besides
 * this module's own functions where free() is called, so that it is said on purpose. */
void kz_free_libc(void *p);

/* Blocks that know their size, for a library that asks it (SQLite's xSize: store.c
 * hands these to sqlite3_config(SQLITE_CONFIG_MALLOC)). Aligned as malloc's blocks;
 * kz_sized_realloc(NULL, n) allocates; on failure NULL and p is unchanged. Free only
 * with kz_sized_free, never kz_free. Counted and failed as kz_malloc is. */
void *kz_sized_malloc(size_t n);
void *kz_sized_realloc(void *p, size_t n);
void kz_sized_free(void *p);
size_t kz_sized_size(const void *p);

/* Test hook: the next n allocations succeed, every later one fails; n < 0 turns the
 * fault off. Process-wide, and it bites inside SQLite and jansson too (they allocate
 * through this module); not for use while other threads allocate. */
void kz_alloc_fail_after(long n);

/* Test hook: how many allocations (kz_malloc, kz_calloc, kz_realloc, kz_sized_*) the
 * calling thread has asked for since it started, failed ones included. A hot path is
 * shown to allocate nothing by comparing two readings around it. */
unsigned long kz_alloc_count(void);

#endif
