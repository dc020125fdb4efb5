/* The byte classes of plain text as bit masks, 64 bytes at a time (text_masks.h): a byte
 * table on any CPU, SSE2 compares on x86-64, and under AVX2 (chosen at run time) two
 * pairs of nibble lookups by vpshufb, as simdjson classifies JSON. */
#include "codec/telemetry/text_masks.h"

#include "util/cpu.h"

#include <stdatomic.h>
#include <string.h>

#if defined(__x86_64__) && defined(__SSE2__)
#define KZ_TMASK_X86 1
#include <immintrin.h>
#endif

enum {
    T_STOP = 1, T_SPLIT = 2, T_DOT = 4, T_COLON = 8, T_SLASH = 16, T_DASH = 32, T_LETTER = 64,
    T_HEXL = 128, T_DIGIT = 256, T_AT = 512
};

static const uint16_t byte_class[256] = {
    [0 ... 0x20] = T_STOP, ['"'] = T_STOP, ['\''] = T_STOP, ['<'] = T_STOP, ['>'] = T_STOP,
    ['`'] = T_STOP, ['{'] = T_STOP, ['}'] = T_STOP, ['|'] = T_STOP, ['\\'] = T_STOP, ['^'] = T_STOP,
    [127] = T_STOP,
    ['='] = T_SPLIT, [','] = T_SPLIT, [';'] = T_SPLIT, ['('] = T_SPLIT, [')'] = T_SPLIT,
    ['['] = T_SPLIT, [']'] = T_SPLIT, ['!'] = T_SPLIT, ['?'] = T_SPLIT, ['&'] = T_SPLIT,
    ['*'] = T_SPLIT, ['$'] = T_SPLIT, ['#'] = T_SPLIT,
    ['.'] = T_DOT, [':'] = T_COLON, ['/'] = T_SLASH, ['-'] = T_DASH, ['_'] = T_DASH,
    ['0' ... '9'] = T_DIGIT, ['a' ... 'f'] = T_LETTER | T_HEXL, ['A' ... 'F'] = T_LETTER | T_HEXL,
    ['g' ... 'z'] = T_LETTER, ['G' ... 'Z'] = T_LETTER, [0x80 ... 0xFF] = T_LETTER, ['@'] = T_AT,
};

static void classify_scalar(const char *b, kz__tmask *m)
{
    memset(m, 0, sizeof *m);
    for (int i = 0; i < 64; i++) {
        unsigned k = byte_class[(unsigned char)b[i]];
        uint64_t bit = 1ull << i;
        m->stop |= k & T_STOP ? bit : 0;
        m->split |= k & T_SPLIT ? bit : 0;
        m->dot |= k & T_DOT ? bit : 0;
        m->colon |= k & T_COLON ? bit : 0;
        m->slash |= k & T_SLASH ? bit : 0;
        m->dash |= k & T_DASH ? bit : 0;
        m->letter |= k & T_LETTER ? bit : 0;
        m->hexl |= k & T_HEXL ? bit : 0;
        m->digit |= k & T_DIGIT ? bit : 0;
        m->at |= k & T_AT ? bit : 0;
    }
}

#ifdef KZ_TMASK_X86
static inline __m128i eq16(__m128i w, char c) { return _mm_cmpeq_epi8(w, _mm_set1_epi8(c)); }

/* Bytes of w in [lo, lo + span], unsigned. */
static inline __m128i range16(__m128i w, unsigned char lo, unsigned char span)
{
    __m128i t = _mm_sub_epi8(w, _mm_set1_epi8((char)lo));
    return _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8((char)span)), t);
}

#define KZ_OR16(a, b) _mm_or_si128((a), (b))

static inline void classify16(kz__tmask *m, __m128i w, int sh)
{
    __m128i stop = KZ_OR16(_mm_cmpeq_epi8(_mm_max_epu8(w, _mm_set1_epi8(0x20)), _mm_set1_epi8(0x20)),
                           _mm_andnot_si128(eq16(w, '~'), range16(w, 0x7B, 4)));  /* { | } DEL */
    stop = KZ_OR16(stop, KZ_OR16(KZ_OR16(eq16(w, '"'), eq16(w, '\'')), KZ_OR16(eq16(w, '<'), eq16(w, '>'))));
    stop = KZ_OR16(stop, KZ_OR16(eq16(w, '`'), KZ_OR16(eq16(w, '\\'), eq16(w, '^'))));
    __m128i split = KZ_OR16(KZ_OR16(eq16(w, '='), eq16(w, ',')), KZ_OR16(eq16(w, ';'), range16(w, '(', 2)));
    split = KZ_OR16(split, KZ_OR16(KZ_OR16(eq16(w, '['), eq16(w, ']')), KZ_OR16(eq16(w, '!'), eq16(w, '?'))));
    split = KZ_OR16(split, KZ_OR16(eq16(w, '&'), range16(w, '#', 1)));  /* # $ */
    __m128i lower = _mm_or_si128(w, _mm_set1_epi8(0x20));
    m->stop |= (uint64_t)(uint16_t)_mm_movemask_epi8(stop) << sh;
    m->split |= (uint64_t)(uint16_t)_mm_movemask_epi8(split) << sh;
    m->dot |= (uint64_t)(uint16_t)_mm_movemask_epi8(eq16(w, '.')) << sh;
    m->colon |= (uint64_t)(uint16_t)_mm_movemask_epi8(eq16(w, ':')) << sh;
    m->slash |= (uint64_t)(uint16_t)_mm_movemask_epi8(eq16(w, '/')) << sh;
    m->dash |= (uint64_t)(uint16_t)_mm_movemask_epi8(KZ_OR16(eq16(w, '-'), eq16(w, '_'))) << sh;
    m->letter |= (uint64_t)(uint16_t)_mm_movemask_epi8(KZ_OR16(range16(lower, 'a', 25), w)) << sh;
    m->hexl |= (uint64_t)(uint16_t)_mm_movemask_epi8(range16(lower, 'a', 5)) << sh;
    m->digit |= (uint64_t)(uint16_t)_mm_movemask_epi8(range16(w, '0', 9)) << sh;
    m->at |= (uint64_t)(uint16_t)_mm_movemask_epi8(eq16(w, '@')) << sh;
}

static void classify_sse2(const char *b, kz__tmask *m)
{
    memset(m, 0, sizeof *m);
    for (int i = 0; i < 4; i++)
        classify16(m, _mm_loadu_si128((const __m128i *)(b + 16 * i)), 16 * i);
}

#define KZ_AVX2 __attribute__((target("avx2")))
#define KZ_NIBBLES(...) _mm256_setr_epi8(__VA_ARGS__, __VA_ARGS__)

/* Bit k of each byte of v, as a 32-bit mask. */
#define KZ_BIT32(v, k) ((uint32_t)_mm256_movemask_epi8(_mm256_slli_epi16((v), 7 - (k))))

/* Two pairs of nibble tables; a class bit is set where both nibbles' entries have it.
 * Pair one: stop in bits 0-4 (0x00-0x1F; 0x20 and `; " and '; < > \ ^; { | } DEL), split in
 * bits 5-7 (! # $ & ( ) * ,; ; = [ ]; ?). Pair two: digit 0, dot 1, colon 2, slash 3,
 * dash 4 (_ and @ are compared apart), hexl 5, letters 6 (0x41-0x4F, 0x61-0x6F) and 7
 * (0x50-0x5A, 0x70-0x7A); bytes >= 0x80 are letters by their top bit. */
KZ_AVX2 static inline __attribute__((always_inline)) void classify32(kz__tmask *m, __m256i w, int sh)
{
    const __m256i lo1 = KZ_NIBBLES(0x03, 0x21, 0x05, 0x21, 0x21, 0x01, 0x21, 0x05,
                                   0x21, 0x21, 0x21, 0x51, 0x39, 0x51, 0x09, 0x91);
    const __m256i hi1 = KZ_NIBBLES(0x01, 0x01, 0x26, 0xC8, 0x00, 0x48, 0x02, 0x10,
                                   0, 0, 0, 0, 0, 0, 0, 0);
    const __m256i lo2 = KZ_NIBBLES(0x81, 0xE1, 0xE1, 0xE1, 0xE1, 0xE1, 0xE1, 0xC1,
                                   0xC1, 0xC1, 0xC4, 0x40, 0x40, 0x50, 0x42, 0x48);
    const __m256i hi2 = KZ_NIBBLES(0x00, 0x00, 0x1A, 0x05, 0x60, 0x80, 0x60, 0x80,
                                   0, 0, 0, 0, 0, 0, 0, 0);
    __m256i lo = _mm256_and_si256(w, _mm256_set1_epi8(0x0F));
    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(w, 4), _mm256_set1_epi8(0x0F));
    __m256i c1 = _mm256_and_si256(_mm256_shuffle_epi8(lo1, lo), _mm256_shuffle_epi8(hi1, hi));
    __m256i c2 = _mm256_and_si256(_mm256_shuffle_epi8(lo2, lo), _mm256_shuffle_epi8(hi2, hi));
    __m256i zero = _mm256_setzero_si256();
    uint32_t stop = ~(uint32_t)_mm256_movemask_epi8(
        _mm256_cmpeq_epi8(_mm256_and_si256(c1, _mm256_set1_epi8(0x1F)), zero));
    uint32_t split = ~(uint32_t)_mm256_movemask_epi8(
        _mm256_cmpeq_epi8(_mm256_and_si256(c1, _mm256_set1_epi8((char)0xE0)), zero));
    uint32_t under = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(w, _mm256_set1_epi8('_')));
    uint32_t at = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(w, _mm256_set1_epi8('@')));
    uint32_t letter = (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(c2, _mm256_slli_epi16(c2, 1))) |
                      (uint32_t)_mm256_movemask_epi8(w);
    m->stop |= (uint64_t)stop << sh;
    m->split |= (uint64_t)split << sh;
    m->digit |= (uint64_t)KZ_BIT32(c2, 0) << sh;
    m->dot |= (uint64_t)KZ_BIT32(c2, 1) << sh;
    m->colon |= (uint64_t)KZ_BIT32(c2, 2) << sh;
    m->slash |= (uint64_t)KZ_BIT32(c2, 3) << sh;
    m->dash |= (uint64_t)(KZ_BIT32(c2, 4) | under) << sh;
    m->hexl |= (uint64_t)KZ_BIT32(c2, 5) << sh;
    m->letter |= (uint64_t)letter << sh;
    m->at |= (uint64_t)at << sh;
}

/* classify() under AVX2; inline so that the AVX2 window below holds it. */
KZ_AVX2 static inline __attribute__((always_inline)) void classify_avx2(const char *b, kz__tmask *m)
{
    memset(m, 0, sizeof *m);
    classify32(m, _mm256_loadu_si256((const __m256i *)b), 0);
    classify32(m, _mm256_loadu_si256((const __m256i *)(b + 32)), 32);
}
#endif

bool kz__tmask_available(kz__tmask_impl impl)
{
    switch (impl) {
    case KZ__TMASK_SCALAR:
        return true;
#ifdef KZ_TMASK_X86
    case KZ__TMASK_SSE2:
        return true;
    case KZ__TMASK_AVX2:
        return kz_cpu_has(KZ_CPU_AVX2);
#endif
    default:
        return false;
    }
}

/* Asked for every line of text (kz_text_extract): the answer is kept, 0 until known. */
kz__tmask_impl kz__tmask_best(void)
{
    static atomic_int best_plus_one;
    int b = atomic_load_explicit(&best_plus_one, memory_order_relaxed);
    if (b == 0) {
        b = 1 + (kz__tmask_available(KZ__TMASK_AVX2)   ? KZ__TMASK_AVX2
                 : kz__tmask_available(KZ__TMASK_SSE2) ? KZ__TMASK_SSE2
                                                       : KZ__TMASK_SCALAR);
        atomic_store_explicit(&best_plus_one, b, memory_order_relaxed);
    }
    return (kz__tmask_impl)(b - 1);
}

/* m's classes shifted down by sh bytes, the sh bytes past the text's end stop bytes. */
static inline void shift_down(kz__tmask *m, unsigned sh)
{
    m->stop = m->stop >> sh | ~0ull << (64 - sh);
    m->split >>= sh;
    m->dot >>= sh;
    m->colon >>= sh;
    m->slash >>= sh;
    m->dash >>= sh;
    m->letter >>= sh;
    m->hexl >>= sh;
    m->digit >>= sh;
    m->at >>= sh;
}

typedef void classify_fn(const char *b, kz__tmask *m);

/* kz__tmask_window through cls; always inline, so that each caller below holds its own cls. */
static inline __attribute__((always_inline)) void window_with(classify_fn *cls, const char *s, size_t i,
                                                              size_t n, kz__tmask *m)
{
    size_t avail = n - i;
    if (avail >= 64) {
        cls(s + i, m);
        return;
    }
    if (n >= 64) {  /* the last 64 bytes of s, shifted down to start at i */
        cls(s + n - 64, m);
        shift_down(m, (unsigned)(64 - avail));
        return;
    }
    char buf[64];
    memset(buf, ' ', sizeof buf);  /* a stop byte and nothing else */
    memcpy(buf, s + i, avail);
    cls(buf, m);
}

#ifdef KZ_TMASK_X86
KZ_AVX2 static void window_avx2(const char *s, size_t i, size_t n, kz__tmask *m)
{
    window_with(classify_avx2, s, i, n, m);
}

static void window_sse2(const char *s, size_t i, size_t n, kz__tmask *m) { window_with(classify_sse2, s, i, n, m); }
#endif

static void window_scalar(const char *s, size_t i, size_t n, kz__tmask *m)
{
    window_with(classify_scalar, s, i, n, m);
}

kz__tmask_window_fn *kz__tmask_window_of(kz__tmask_impl impl)
{
    switch (impl) {
#ifdef KZ_TMASK_X86
    case KZ__TMASK_AVX2:
        return window_avx2;
    case KZ__TMASK_SSE2:
        return window_sse2;
#endif
    default:
        return window_scalar;
    }
}

void kz__tmask_window(kz__tmask_impl impl, const char *s, size_t i, size_t n, kz__tmask *m)
{
    kz__tmask_window_of(impl)(s, i, n, m);
}
