/* kz_ipv4_parse, the strict dotted-decimal parse of the matcher's hot path: an SSSE3
 * version (dots by one compare, digits gathered by one shuffle) chosen at run time, and
 * the scalar one it is held to by the unit tests and the fuzz target. */
#include "codec/sharing/indicator_norm.h"

#include "util/cpu.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define KZ_IPV4_SSSE3 __attribute__((target("ssse3")))
#endif

/* The scalar parse; n is 7..15. The text is copied with fixed-size loads into a buffer
 * with NUL bytes after it, so that each octet reads its three bytes without a bound
 * test: a NUL is not a digit and not a dot. */
static bool ipv4_scalar(const char *s, size_t n, unsigned char out[4])
{
    unsigned char b[24];
    uint64_t w0, w1, zero = 0;
    if (n >= 8) {
        memcpy(&w0, s, 8);
        memcpy(&w1, s + n - 8, 8);
        memcpy(b, &w0, 8);
        memcpy(b + n - 8, &w1, 8);
    } else {  /* n == 7: two overlapping halves */
        uint32_t h0, h1;
        memcpy(&h0, s, 4);
        memcpy(&h1, s + 3, 4);
        memcpy(b, &h0, 4);
        memcpy(b + 3, &h1, 4);
    }
    memcpy(b + n, &zero, 8);
    const unsigned char *p = b;
    for (int k = 0; k < 4; k++) {
        unsigned d0 = (unsigned)p[0] - '0', d1 = (unsigned)p[1] - '0', d2 = (unsigned)p[2] - '0';
        unsigned v;
        if (d0 > 9)
            return false;
        if (d1 > 9) {
            v = d0;
            p += 1;
        } else if (d0 == 0) {
            return false;  /* a leading zero */
        } else if (d2 > 9) {
            v = d0 * 10 + d1;
            p += 2;
        } else {
            v = d0 * 100 + d1 * 10 + d2;
            if (v > 255)
                return false;
            p += 3;
        }
        out[k] = (unsigned char)v;
        if (k < 3 && *p++ != '.')
            return false;
    }
    return p == b + n;
}

#ifdef KZ_IPV4_SSSE3
/* One entry per layout of octet lengths l1..l4 (each 1-3; entry (l1-1)*27 + (l2-1)*9 +
 * (l3-1)*3 + l4-1): a shuffle that puts octet k's hundreds, tens and units into lanes
 * 4k..4k+2 (0x80: no digit, a zero), and the least value of each octet, 10 for two digits
 * and 100 for three, so that a value below it is a leading zero. */
#define V4_B(st, l, j) ((j) >= 3 - (l) ? (st) + (l) - 3 + (j) : 0x80)
#define V4_OCT(st, l) V4_B(st, l, 0), V4_B(st, l, 1), V4_B(st, l, 2), 0x80
#define V4_SHUF(a, b, c, d) \
    {V4_OCT(0, a), V4_OCT((a) + 1, b), V4_OCT((a) + (b) + 2, c), V4_OCT((a) + (b) + (c) + 3, d)}
#define V4_LEAST(l) ((l) == 3 ? 100 : (l) == 2 ? 10 : 0)
#define V4_MINS(a, b, c, d) {V4_LEAST(a), V4_LEAST(b), V4_LEAST(c), V4_LEAST(d)}
#define V4_L4(X, a, b, c) X(a, b, c, 1), X(a, b, c, 2), X(a, b, c, 3)
#define V4_L3(X, a, b) V4_L4(X, a, b, 1), V4_L4(X, a, b, 2), V4_L4(X, a, b, 3)
#define V4_L2(X, a) V4_L3(X, a, 1), V4_L3(X, a, 2), V4_L3(X, a, 3)
#define V4_ALL(X) V4_L2(X, 1), V4_L2(X, 2), V4_L2(X, 3)

static const unsigned char v4_shuffle[81][16] __attribute__((aligned(16))) = {V4_ALL(V4_SHUF)};
static const int32_t v4_least[81][4] __attribute__((aligned(16))) = {V4_ALL(V4_MINS)};

/* The text of n bytes is loaded as its first 8 bytes (lanes 0-7) and its last 8 (lanes
 * 8-15); v4_order[n] puts its byte p back in lane p and zeroes the lanes from n on. */
#define V4_ORD(n, i) ((i) >= (n) ? 0x80 : (i) < 8 ? (i) : (i) + 16 - (n))
#define V4_ORDER(n)                                                                         \
    {V4_ORD(n, 0), V4_ORD(n, 1), V4_ORD(n, 2),  V4_ORD(n, 3),  V4_ORD(n, 4),  V4_ORD(n, 5), \
     V4_ORD(n, 6), V4_ORD(n, 7), V4_ORD(n, 8),  V4_ORD(n, 9),  V4_ORD(n, 10), V4_ORD(n, 11), \
     V4_ORD(n, 12), V4_ORD(n, 13), V4_ORD(n, 14), V4_ORD(n, 15)}
static const unsigned char v4_order[16][16] __attribute__((aligned(16))) = {
    [7] = V4_ORDER(7),   [8] = V4_ORDER(8),   [9] = V4_ORDER(9),   [10] = V4_ORDER(10),
    [11] = V4_ORDER(11), [12] = V4_ORDER(12), [13] = V4_ORDER(13), [14] = V4_ORDER(14),
    [15] = V4_ORDER(15)};

/* The layout from the dots: the key (a bit per dot and one at n) of each of the 81 layouts
 * hashed by one multiply into 256 slots, no two alike (the multiplier was searched for
 * that; v4_slots_build asserts it). A slot holds its key and, above it, the layout. */
enum { V4_MUL = 0xE07BDB9Fu };
static uint32_t v4_slots[256];
static pthread_once_t v4_once = PTHREAD_ONCE_INIT;

static unsigned v4_slot(unsigned key)
{
    return (uint32_t)(key * V4_MUL) >> 24;
}

static void v4_slots_build(void)
{
    for (unsigned e = 0; e < 81; e++) {
        unsigned l[4] = {e / 27 + 1, e / 9 % 3 + 1, e / 3 % 3 + 1, e % 3 + 1}, key = 0, p = 0;
        for (int k = 0; k < 3; k++) {
            p += l[k];
            key |= 1u << p++;
        }
        key |= 1u << (p + l[3]);
        assert(v4_slots[v4_slot(key)] == 0);
        v4_slots[v4_slot(key)] = key | e << 16;
    }
}

/* n is 7..15. Reads s[0..n) only. */
KZ_IPV4_SSSE3 static bool ipv4_ssse3(const char *s, size_t n, unsigned char out[4])
{
    uint64_t lo, hi;
    if (n >= 8) {
        memcpy(&lo, s, 8);
        memcpy(&hi, s + n - 8, 8);
    } else {  /* n == 7: two overlapping halves */
        uint32_t h0, h1;
        memcpy(&h0, s, 4);
        memcpy(&h1, s + 3, 4);
        lo = hi = h0 | (uint64_t)h1 << 24;
    }
    __m128i t = _mm_shuffle_epi8(_mm_set_epi64x((long long)hi, (long long)lo),
                                 _mm_load_si128((const __m128i *)v4_order[n]));
    __m128i x = _mm_sub_epi8(t, _mm_set1_epi8('0'));
    __m128i dot = _mm_cmpeq_epi8(t, _mm_set1_epi8('.'));
    __m128i digit = _mm_cmpeq_epi8(_mm_subs_epu8(x, _mm_set1_epi8(9)), _mm_setzero_si128());
    unsigned end = 1u << n;
    if ((unsigned)_mm_movemask_epi8(_mm_or_si128(dot, digit)) != end - 1)
        return false;  /* a byte that is neither */
    unsigned key = (unsigned)_mm_movemask_epi8(dot) | end;
    uint32_t slot = v4_slots[v4_slot(key)];
    if ((slot & 0xFFFF) != key)
        return false;  /* not three dots between octets of one to three digits */
    unsigned e = slot >> 16;
    __m128i dg = _mm_shuffle_epi8(x, _mm_load_si128((const __m128i *)v4_shuffle[e]));
    __m128i val = _mm_madd_epi16(_mm_maddubs_epi16(dg, _mm_set1_epi32(0x00010A64)),
                                 _mm_set1_epi16(1));
    __m128i bad = _mm_or_si128(_mm_cmpgt_epi32(val, _mm_set1_epi32(255)),
                               _mm_cmplt_epi32(val, _mm_load_si128((const __m128i *)v4_least[e])));
    if (_mm_movemask_epi8(bad))
        return false;
    uint32_t o = (uint32_t)_mm_cvtsi128_si32(
        _mm_shuffle_epi8(val, _mm_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1)));
    memcpy(out, &o, 4);
    return true;
}
#endif

typedef bool ipv4_fn(const char *s, size_t n, unsigned char out[4]);

static bool ipv4_first(const char *s, size_t n, unsigned char out[4]);

/* Two threads that choose at once store the same pointer: the race is harmless. */
static _Atomic(ipv4_fn *) ipv4_impl = ipv4_first;

static bool ipv4_first(const char *s, size_t n, unsigned char out[4])
{
#ifdef KZ_IPV4_SSSE3
    pthread_once(&v4_once, v4_slots_build);
    ipv4_fn *f = kz__ipv4_simd_available() ? ipv4_ssse3 : ipv4_scalar;
#else
    ipv4_fn *f = ipv4_scalar;
#endif
    atomic_store_explicit(&ipv4_impl, f, memory_order_relaxed);
    return f(s, n, out);
}

bool kz_ipv4_parse(const char *s, size_t n, unsigned char out[4])
{
    if (n < 7 || n > 15)
        return false;
    return atomic_load_explicit(&ipv4_impl, memory_order_relaxed)(s, n, out);
}

bool kz__ipv4_parse_scalar(const char *s, size_t n, unsigned char out[4])
{
    return n >= 7 && n <= 15 && ipv4_scalar(s, n, out);
}

bool kz__ipv4_simd_available(void)
{
#ifdef KZ_IPV4_SSSE3
    return kz_cpu_has(KZ_CPU_SSSE3);
#else
    return false;
#endif
}

bool kz__ipv4_parse_simd(const char *s, size_t n, unsigned char out[4])
{
#ifdef KZ_IPV4_SSSE3
    pthread_once(&v4_once, v4_slots_build);
    return n >= 7 && n <= 15 && ipv4_ssse3(s, n, out);
#else
    return kz__ipv4_parse_scalar(s, n, out);
#endif
}
