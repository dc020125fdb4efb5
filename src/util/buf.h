/* Growable byte buffer with a hard ceiling, for anything fed by untrusted input
 * (request bodies, input lines). Appending past the ceiling fails with KZ_ETOOBIG
 * and leaves the buffer as it was. */
#ifndef KZ_UTIL_BUF_H
#define KZ_UTIL_BUF_H

#include "util/error.h"

#include <stddef.h>

typedef struct kz_buf {
    char *p;      /* NUL-terminated when non-NULL; owned by the buffer */
    size_t len;
    size_t cap;
    size_t max;   /* ceiling on len */
} kz_buf;

/* Empty buffer that will refuse to grow beyond max bytes. */
void kz_buf_init(kz_buf *b, size_t max);

/* Releases the memory; the buffer is empty and reusable afterwards. */
void kz_buf_free(kz_buf *b);

/* Appends n bytes. KZ_ETOOBIG past the ceiling, KZ_ENOMEM when allocation fails. */
kz_rc kz_buf_append(kz_buf *b, const void *data, size_t n);
kz_rc kz_buf_puts(kz_buf *b, const char *s);
/* Appends s (NULL: nothing) with & < > " ' as HTML character references. */
kz_rc kz_buf_html(kz_buf *b, const char *s);
kz_rc kz_buf_printf(kz_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Makes room for n more bytes (plus the NUL) without changing the length, so callers
 * can write into p + len directly. Same errors as kz_buf_append. */
kz_rc kz_buf_reserve(kz_buf *b, size_t n);

/* Sets the length to 0, keeping the memory. */
void kz_buf_reset(kz_buf *b);

/* Hands the bytes to the caller (who frees them with kz_free) and empties the buffer. */
char *kz_buf_steal(kz_buf *b);

#endif
