/* UTF-8 validation and the text rules applied to every string field of the API. */
#ifndef KZ_UTIL_UTF8_H
#define KZ_UTIL_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length of the well-formed UTF-8 sequence at s (1..4), or 0 when it is malformed,
 * overlong, a surrogate, above U+10FFFF or cut off by n. */
size_t kz_utf8_seq_len(const unsigned char *s, size_t n);

/* True when every byte of s is below 0x80 (so s is valid UTF-8): 64 bytes a step where
 * SSE2 is there, a byte at a time otherwise. */
bool kz_ascii(const char *s, size_t n);

/* Number of code points in s if s is valid UTF-8, else (size_t)-1. */
size_t kz_utf8_count(const char *s, size_t n);

/* True when s is valid UTF-8 without control characters (TAB, CR and LF are allowed
 * only when multiline). */
bool kz_text_ok(const char *s, size_t n, bool multiline);

/* The first bidirectional control character in s (valid UTF-8), or 0: U+061C, U+200E,
 * U+200F, U+202A..U+202E, U+2066..U+2069. They reorder the text shown around them, so
 * that a title in a mail or a page could read as something else ("Trojan Source").
 * Free text of the API refuses them (codec/json/json_fields.h); kz_text_fit drops them. */
unsigned kz_text_bidi(const char *s, size_t n);

/* s cut to at most max code points on a character boundary, invalid bytes as '?' and
 * control characters as spaces (but TAB and LF when multiline), bidirectional controls
 * dropped, so that text from
 * another tool fits Kizuna's field rules. In a; NULL in gives NULL out (and on ENOMEM). */
struct kz_arena;
char *kz_text_fit(struct kz_arena *a, const char *s, size_t max, bool multiline);

#endif
