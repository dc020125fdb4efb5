/* UTF-8 validation (RFC 3629) and the text checks for API string fields. */
#include "util/utf8.h"

#include "util/arena.h"

#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

size_t kz_utf8_seq_len(const unsigned char *s, size_t n)
{
    if (n == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned min;
    unsigned cp;
    if ((c & 0xE0) == 0xC0) {
        len = 2, min = 0x80, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, min = 0x800, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

bool kz_ascii(const char *s, size_t n)
{
    size_t i = 0;
#ifdef __SSE2__
    __m128i acc = _mm_setzero_si128();
    for (; i + 64 <= n; i += 64) {
        const __m128i *p = (const __m128i *)(const void *)(s + i);
        acc = _mm_or_si128(acc, _mm_or_si128(_mm_or_si128(_mm_loadu_si128(p), _mm_loadu_si128(p + 1)),
                                             _mm_or_si128(_mm_loadu_si128(p + 2), _mm_loadu_si128(p + 3))));
    }
    for (; i + 16 <= n; i += 16)
        acc = _mm_or_si128(acc, _mm_loadu_si128((const __m128i *)(const void *)(s + i)));
    if (_mm_movemask_epi8(acc))
        return false;
#endif
    uint64_t w = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, s + i, 8);
        w |= v;
    }
    for (; i < n; i++)
        w |= (unsigned char)s[i];
    return !(w & 0x8080808080808080ull);
}

size_t kz_utf8_count(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; count++) {
        size_t len = kz_utf8_seq_len((const unsigned char *)s + i, n - i);
        if (!len)
            return (size_t)-1;
        i += len;
    }
    return count;
}

bool kz_text_ok(const char *s, size_t n, bool multiline)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F) {
            if (!(multiline && (c == '\n' || c == '\r' || c == '\t')))
                return false;
        }
        size_t len = kz_utf8_seq_len((const unsigned char *)s + i, n - i);
        if (!len)
            return false;
        i += len;
    }
    return true;
}

/* The code point of the 2- or 3-byte sequence at s (already checked well formed). */
static unsigned code_point(const unsigned char *s, size_t len)
{
    return len == 2 ? (unsigned)(s[0] & 0x1F) << 6 | (s[1] & 0x3F)
                    : (unsigned)(s[0] & 0x0F) << 12 | (unsigned)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
}

static bool is_bidi(unsigned cp)
{
    return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

unsigned kz_text_bidi(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t len = kz_utf8_seq_len((const unsigned char *)s + i, n - i);
        if (!len)
            return 0;
        if ((len == 2 || len == 3) && is_bidi(code_point((const unsigned char *)s + i, len)))
            return code_point((const unsigned char *)s + i, len);
        i += len;
    }
    return 0;
}

char *kz_text_fit(kz_arena *a, const char *s, size_t max, bool multiline)
{
    if (!s)
        return NULL;
    size_t n = strlen(s), o = 0, cps = 0;
    char *out = kz_arena_alloc(a, n + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n && cps < max; cps++) {
        size_t k = kz_utf8_seq_len((const unsigned char *)s + i, n - i);
        if (k <= 1) {  /* '?' for an invalid byte: U+FFFD would grow the text */
            unsigned char c = (unsigned char)s[i++];
            bool keep = multiline && (c == '\n' || c == '\t');
            out[o++] = k == 0 ? '?' : (c < 0x20 || c == 0x7F) && !keep ? ' ' : (char)c;
        } else if ((k == 2 || k == 3) && is_bidi(code_point((const unsigned char *)s + i, k))) {
            i += k;
        } else {
            memcpy(out + o, s + i, k);
            o += k;
            i += k;
        }
    }
    out[o] = '\0';
    return out;
}
