/* The structural index of one JSON line (simdjson's stage 1): where its quotes,
 * brackets, colons, commas and scalar tokens are, found 64 bytes at a time with SIMD,
 * so that the JSON-lines reader walks tokens instead of characters. */
#ifndef KZ_CODEC_JSON_INDEX_H
#define KZ_CODEC_JSON_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum kz__jidx_impl {
    KZ__JIDX_SCALAR,  /* a byte table, any CPU */
    KZ__JIDX_SSE2,    /* x86-64 baseline */
    KZ__JIDX_AVX2,    /* x86-64 with AVX2 and PCLMULQDQ, checked at run time */
    KZ__JIDX_COUNT
} kz__jidx_impl;

/* One line's index. pos: in order, every unescaped quote (opening and closing), every
 * { } [ ] : , outside strings, and the first byte of every run of other bytes outside
 * strings (numbers, literals, and whatever does not belong there); n of them.
 * special: every backslash and control character inside a string, and every byte of
 * those runs outside strings that is not a digit or one of . e E + - (so a number's run
 * has none); ns of them, in order.
 * open_string: the line ends inside a string. Both arrays are the caller's, with room
 * for four entries more than the line has bytes (entries are written four at a time). */
typedef struct kz__jidx {
    uint32_t *pos, *special;
    size_t n, ns;
    bool open_string;
} kz__jidx;

/* The fastest implementation this CPU runs. */
kz__jidx_impl kz__jidx_best(void);

/* Whether this CPU (and this build) runs impl. */
bool kz__jidx_available(kz__jidx_impl impl);

/* Indexes s[0..len) (len < 2^32) with impl, which must be available. */
void kz__jidx_build(kz__jidx_impl impl, const char *s, size_t len, kz__jidx *ix);

#endif
