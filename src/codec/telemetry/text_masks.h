/* The byte classes of plain text, 64 bytes at a time as bit masks (AVX2 nibble lookups,
 * SSE2 compares or a byte table), for the text extractor's tokenizer and shape test;
 * and the extractor's two walks, over the masks and byte by byte, which answer alike. */
#ifndef KZ_CODEC_TEXT_MASKS_H
#define KZ_CODEC_TEXT_MASKS_H

#include "codec/telemetry/logfmt.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A bit per byte, bit i for the window's byte i. stop: ends a token (blanks, controls,
 * quotes, < > ` { } | \ ^ DEL); split: splits a token into pieces (= , ; ( ) [ ] ! ? & *
 * $ #); dash: - or _; letter: A-Z a-z and every byte >= 0x80; hexl: A-F a-f; at: @. */
typedef struct kz__tmask {
    uint64_t stop, split, dot, colon, slash, dash, letter, hexl, digit, at;
} kz__tmask;

typedef enum kz__tmask_impl {
    KZ__TMASK_SCALAR,  /* a byte table, any CPU */
    KZ__TMASK_SSE2,    /* x86-64 baseline */
    KZ__TMASK_AVX2,    /* x86-64 with AVX2, checked at run time */
    KZ__TMASK_COUNT
} kz__tmask_impl;

/* Whether this CPU (and this build) runs impl. */
bool kz__tmask_available(kz__tmask_impl impl);

/* The fastest implementation this CPU runs. */
kz__tmask_impl kz__tmask_best(void);

/* The classes of s[i..i+64) for a text s[0..n), i < n, with impl (available): bytes past
 * n count as stop bytes and nothing else. Reads nothing outside s[0..n). */
void kz__tmask_window(kz__tmask_impl impl, const char *s, size_t i, size_t n, kz__tmask *m);

/* kz__tmask_window's function for impl, to be fetched once for a text's many windows. */
typedef void kz__tmask_window_fn(const char *s, size_t i, size_t n, kz__tmask *m);
kz__tmask_window_fn *kz__tmask_window_of(kz__tmask_impl impl);

/* kz_text_extract through the masks of impl, and byte by byte (the reference, and the
 * walk of tokens of 64 bytes or more). Same arguments, same answers. */
int kz__text_extract_with(kz__tmask_impl impl, const char *s, size_t n, const char *name,
                          size_t name_len, kz_record *rec);
int kz__text_extract_bytes(const char *s, size_t n, const char *name, size_t name_len, kz_record *rec);

#endif
