/* Files as memory: read-only mappings (the geo table is used in place, shared by every
 * thread and every process that maps it) and whole-file atomic replacement (a reader
 * sees the old file or the new one, never half of one). */
#ifndef KZ_UTIL_MAPFILE_H
#define KZ_UTIL_MAPFILE_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>

/* Maps path read-only. *p is page-aligned; release it with kz_unmap_file. KZ_ENOTFOUND
 * when the file does not exist, KZ_EIO otherwise (err says which path and why). An
 * empty file gives *p = NULL, *n = 0. */
kz_rc kz_map_file(const char *path, const void **p, size_t *n, kz_err *err);

/* Unmaps what kz_map_file returned. Its signature fits a release callback (ctx unused). */
void kz_unmap_file(void *ctx, const void *p, size_t n);

/* Writes p[0..n) to path through a temporary file in the same directory, flushed to
 * disk and renamed over path. KZ_EIO naming the path on failure (path is untouched). */
kz_rc kz_write_file_atomic(const char *path, const void *p, size_t n, kz_err *err);

/* The same, created with permission bits mode (kz_write_file_atomic: 0644; before the
 * umask), flushed to disk before the rename only when durable: a cache whose reader
 * checks a checksum (a crash may leave it empty or torn, never wrong) skips the wait. */
kz_rc kz_write_file_replace(const char *path, const void *p, size_t n, bool durable, int mode, kz_err *err);

#endif
