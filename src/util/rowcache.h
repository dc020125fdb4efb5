/* A bounded, thread-safe cache of rendered rows: bytes kept under a row number and the
 * store generation they were read at, shared by the serving threads (the directory's
 * list keeps each contact's JSON here, so an unchanged row is not read and written again). */
#ifndef KZ_UTIL_ROWCACHE_H
#define KZ_UTIL_ROWCACHE_H

#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kz_rowcache kz_rowcache;

/* Largest single entry kept (a bigger rendering is simply not cached). */
enum { KZ_ROWCACHE_MAX_ENTRY = 64 * 1024 };

/* A cache holding at most max_bytes in all, its slot table included (one slot of 32
 * bytes per 512 of the bound, at least 128: a bound below 4 KiB keeps nothing). The caller owns it (kz_rowcache_free). NULL when out of memory. */
kz_rowcache *kz_rowcache_new(size_t max_bytes);
void kz_rowcache_free(kz_rowcache *c);

/* Appends the bytes kept for row under generation to out and returns true; false (out
 * unchanged) when there are none, they are of another generation, or out is full (*rc). */
bool kz_rowcache_append(kz_rowcache *c, int64_t row, uint64_t generation, kz_buf *out, kz_rc *rc);

/* The same for a page of rows: the bytes of rows[0..n), sep between two, appended to out
 * when every one of them is there under generation (true), all read under one lock, so
 * they are of one moment; false with out unchanged otherwise (or *rc when out is full). */
bool kz_rowcache_append_rows(kz_rowcache *c, const int64_t *rows, size_t n, uint64_t generation, char sep,
                             kz_buf *out, kz_rc *rc);

/* Keeps a copy of p[0..len) for row under generation, replacing what the row's slot
 * held unless that is of a newer generation. Best effort: skipped when the copy would
 * take the cache past its bound, is larger than KZ_ROWCACHE_MAX_ENTRY, or memory is short. */
void kz_rowcache_put(kz_rowcache *c, int64_t row, uint64_t generation, const char *p, size_t len);

/* Bytes held now (slot table included). */
size_t kz_rowcache_bytes(const kz_rowcache *c);

#endif
