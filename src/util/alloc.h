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

/* Frees what a library allocated with the C library's malloc and handed over (the text of
 * json_dumps, the line of getline, the buffer of open_memstream). The one place besides
 * this module's own functions where free() is called, so that it is said on purpose. */
void kz_free_libc(void *p);

/* Test hook: the next n allocations succeed, every later one fails; n < 0 turns the
 * fault off. Process-wide; not for use while other threads allocate. */
void kz_alloc_fail_after(long n);

#endif
