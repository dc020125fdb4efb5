/* Growable byte buffer with a ceiling. */
#include "util/buf.h"

#include "util/alloc.h"
#include "util/invariant.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A buffer owns nothing and holds nothing, or holds len bytes with room for their NUL
 * inside cap. (The bytes past len are the caller's after kz_buf_reserve, so the NUL is
 * checked only where this module writes it; len may pass max when a caller lowers max:
 * reserve refuses to grow then.) */
static inline void check(const kz_buf *b)
{
    kz_invariant(b->p ? b->len < b->cap : b->len == 0 && b->cap == 0);
}

static inline void check_text(const kz_buf *b)
{
    check(b);
    kz_invariant(b->p[b->len] == '\0');
}

void kz_buf_init(kz_buf *b, size_t max)
{
    b->p = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

void kz_buf_free(kz_buf *b)
{
    kz_free(b->p);
    kz_buf_init(b, b->max);
}

void kz_buf_reset(kz_buf *b)
{
    check(b);
    b->len = 0;
    if (b->p)
        b->p[0] = '\0';
}

static kz_rc grow(kz_buf *b, size_t need);

static inline kz_rc reserve(kz_buf *b, size_t extra)
{
    check(b);
    if (extra > b->max - b->len || b->len > b->max)
        return KZ_ETOOBIG;
    size_t need = b->len + extra + 1;
    return need <= b->cap ? KZ_OK : grow(b, need);
}

static kz_rc grow(kz_buf *b, size_t need)
{
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *p = kz_realloc(b->p, cap);
    if (!p)
        return KZ_ENOMEM;
    if (!b->p)
        p[0] = '\0';  /* a first block: len 0, terminated, as check() wants */
    b->p = p;
    b->cap = cap;
    return KZ_OK;
}

kz_rc kz_buf_reserve(kz_buf *b, size_t n) { return reserve(b, n); }

kz_rc kz_buf_append(kz_buf *b, const void *data, size_t n)
{
    kz_rc rc = reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    check_text(b);
    return KZ_OK;
}

kz_rc kz_buf_puts(kz_buf *b, const char *s) { return kz_buf_append(b, s, strlen(s)); }

kz_rc kz_buf_printf(kz_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return KZ_EINTERNAL;
    kz_rc rc = reserve(b, (size_t)n);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    check_text(b);
    return KZ_OK;
}

char *kz_buf_steal(kz_buf *b)
{
    check(b);
    char *p = b->p;
    kz_buf_init(b, b->max);
    return p;
}

kz_rc kz_buf_html(kz_buf *b, const char *s)
{
    kz_rc rc = KZ_OK;
    for (const char *p = s ? s : ""; !rc && *p; p++) {
        switch (*p) {
        case '&': rc = kz_buf_puts(b, "&amp;"); break;
        case '<': rc = kz_buf_puts(b, "&lt;"); break;
        case '>': rc = kz_buf_puts(b, "&gt;"); break;
        case '"': rc = kz_buf_puts(b, "&quot;"); break;
        case '\'': rc = kz_buf_puts(b, "&#39;"); break;
        default: rc = kz_buf_append(b, p, 1); break;
        }
    }
    return rc;
}
