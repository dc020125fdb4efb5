/* The structural index of a JSON line (json_index.h): each 64-byte block is classified
 * into bit masks (SSE2, AVX2 or a byte table), then escapes, strings and tokens are
 * decided with word-wide bit arithmetic, as in simdjson's stage 1. */
#include "codec/telemetry/json_index.h"

#include "util/cpu.h"

#include <string.h>

#if defined(__x86_64__) && defined(__SSE2__)
#define KZ_JIDX_X86 1
#include <immintrin.h>
#endif

/* One block's classes, a bit per byte. */
typedef struct masks {
    uint64_t quote, bslash, ws, op, ctl, num;  /* num: digits and . e E + - */
} masks;

/* What carries from one block to the next. */
typedef struct carry {
    uint64_t escaped;    /* 1: the next block's first byte is escaped */
    uint64_t in_string;  /* all ones when the block ends inside a string */
    uint64_t scalar;     /* 1: the block ended inside a scalar run */
} carry;

enum { C_QUOTE = 1, C_BSLASH = 2, C_WS = 4, C_OP = 8, C_CTL = 16, C_NUM = 32 };

static const uint8_t byte_class[256] = {
    [0 ... 8] = C_CTL, ['\t'] = C_CTL | C_WS, ['\n'] = C_CTL | C_WS, [11 ... 12] = C_CTL,
    ['\r'] = C_CTL | C_WS, [14 ... 0x1F] = C_CTL,
    [' '] = C_WS, ['"'] = C_QUOTE, ['\\'] = C_BSLASH, ['{'] = C_OP, ['}'] = C_OP,
    ['['] = C_OP, [']'] = C_OP, [':'] = C_OP, [','] = C_OP, ['0' ... '9'] = C_NUM, ['.'] = C_NUM,
    ['e'] = C_NUM, ['E'] = C_NUM, ['+'] = C_NUM, ['-'] = C_NUM,
};

static masks classify_scalar(const char *b)
{
    masks m = {0};
    for (int i = 0; i < 64; i++) {
        unsigned k = byte_class[(unsigned char)b[i]];
        uint64_t bit = 1ull << i;
        m.quote |= k & C_QUOTE ? bit : 0;
        m.bslash |= k & C_BSLASH ? bit : 0;
        m.ws |= k & C_WS ? bit : 0;
        m.op |= k & C_OP ? bit : 0;
        m.ctl |= k & C_CTL ? bit : 0;
        m.num |= k & C_NUM ? bit : 0;
    }
    return m;
}

static uint64_t prefix_xor_bits(uint64_t x)
{
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
}

#ifdef KZ_JIDX_X86
/* The classes of 16 bytes, OR-ed into m at bit offset sh. */
static inline void classify16(masks *m, __m128i w, int sh)
{
    __m128i lo = _mm_or_si128(w, _mm_set1_epi8(0x20));  /* [ -> {, ] -> } */
    __m128i ws = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(w, _mm_set1_epi8(' ')),
                                           _mm_cmpeq_epi8(w, _mm_set1_epi8('\t'))),
                              _mm_or_si128(_mm_cmpeq_epi8(w, _mm_set1_epi8('\n')),
                                           _mm_cmpeq_epi8(w, _mm_set1_epi8('\r'))));
    __m128i op = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(lo, _mm_set1_epi8('{')),
                                           _mm_cmpeq_epi8(lo, _mm_set1_epi8('}'))),
                              _mm_or_si128(_mm_cmpeq_epi8(w, _mm_set1_epi8(':')),
                                           _mm_cmpeq_epi8(w, _mm_set1_epi8(','))));
    __m128i ctl = _mm_cmpeq_epi8(_mm_max_epu8(w, _mm_set1_epi8(0x1F)), _mm_set1_epi8(0x1F));
    __m128i d = _mm_sub_epi8(w, _mm_set1_epi8('0'));
    __m128i num = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d),
                                            _mm_cmpeq_epi8(lo, _mm_set1_epi8('e'))),
                               _mm_or_si128(_mm_cmpeq_epi8(w, _mm_set1_epi8('.')),
                                            _mm_or_si128(_mm_cmpeq_epi8(w, _mm_set1_epi8('+')),
                                                         _mm_cmpeq_epi8(w, _mm_set1_epi8('-')))));
    m->num |= (uint64_t)(uint16_t)_mm_movemask_epi8(num) << sh;
    m->quote |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(w, _mm_set1_epi8('"'))) << sh;
    m->bslash |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(w, _mm_set1_epi8('\\'))) << sh;
    m->ws |= (uint64_t)(uint16_t)_mm_movemask_epi8(ws) << sh;
    m->op |= (uint64_t)(uint16_t)_mm_movemask_epi8(op) << sh;
    m->ctl |= (uint64_t)(uint16_t)_mm_movemask_epi8(ctl) << sh;
}

static masks classify_sse2(const char *b)
{
    masks m = {0};
    for (int i = 0; i < 4; i++)
        classify16(&m, _mm_loadu_si128((const __m128i *)(b + 16 * i)), 16 * i);
    return m;
}

#define KZ_AVX2 __attribute__((target("avx2,pclmul")))

/* AVX2 classifies by table lookups on the nibbles (vpshufb), as simdjson does. The
 * operator test also takes 0x0C and 0x1A (with bit 0x20 set they are , and :):
 * harmless, as the walk reads the byte at every entry and takes none of them, and
 * outside strings such a byte makes the line invalid anyway. */
KZ_AVX2 static inline void classify32(masks *m, __m256i w, int sh)
{
    /* white space at its low nibble; elsewhere a byte of another low nibble, never equal */
    const __m256i ws_tbl = _mm256_setr_epi8(' ', 100, 100, 100, 17, 100, 113, 2, 100, '\t', '\n', 112, 100, '\r', 100, 100,
                                            ' ', 100, 100, 100, 17, 100, 113, 2, 100, '\t', '\n', 112, 100, '\r', 100, 100);
    const __m256i op_tbl = _mm256_setr_epi8(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, ':', '{', ',', '}', 0, 0,
                                            1, 0, 0, 0, 0, 0, 0, 0, 0, 0, ':', '{', ',', '}', 0, 0);
    /* number characters: bit 1 for 0x2B 0x2D 0x2E, 2 for 0x30-0x39, 4 for 0x45 0x65 */
    const __m256i num_lo = _mm256_setr_epi8(2, 2, 2, 2, 2, 6, 2, 2, 2, 2, 0, 1, 0, 1, 1, 0,
                                            2, 2, 2, 2, 2, 6, 2, 2, 2, 2, 0, 1, 0, 1, 1, 0);
    const __m256i num_hi = _mm256_setr_epi8(0, 0, 1, 2, 4, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                            0, 0, 1, 2, 4, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    __m256i ws = _mm256_cmpeq_epi8(_mm256_shuffle_epi8(ws_tbl, w), w);
    __m256i op = _mm256_cmpeq_epi8(_mm256_shuffle_epi8(op_tbl, w), _mm256_or_si256(w, _mm256_set1_epi8(0x20)));
    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(w, 4), _mm256_set1_epi8(0x0F));
    __m256i nn = _mm256_cmpeq_epi8(_mm256_and_si256(_mm256_shuffle_epi8(num_lo, w), _mm256_shuffle_epi8(num_hi, hi)),
                                   _mm256_setzero_si256());
    __m256i ctl = _mm256_cmpeq_epi8(_mm256_max_epu8(w, _mm256_set1_epi8(0x1F)), _mm256_set1_epi8(0x1F));
    m->num |= (uint64_t)(uint32_t)~_mm256_movemask_epi8(nn) << sh;
    m->quote |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(w, _mm256_set1_epi8('"'))) << sh;
    m->bslash |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(w, _mm256_set1_epi8('\\'))) << sh;
    m->ws |= (uint64_t)(uint32_t)_mm256_movemask_epi8(ws) << sh;
    m->op |= (uint64_t)(uint32_t)_mm256_movemask_epi8(op) << sh;
    m->ctl |= (uint64_t)(uint32_t)_mm256_movemask_epi8(ctl) << sh;
}

KZ_AVX2 static masks classify_avx2(const char *b)
{
    masks m = {0};
    classify32(&m, _mm256_loadu_si256((const __m256i *)b), 0);
    classify32(&m, _mm256_loadu_si256((const __m256i *)(b + 32)), 32);
    return m;
}

/* The prefix XOR as a carry-less multiplication by all ones. */
KZ_AVX2 static uint64_t prefix_xor_clmul(uint64_t x)
{
    __m128i r = _mm_clmulepi64_si128(_mm_set_epi64x(0, (long long)x), _mm_set1_epi8((char)0xFF), 0);
    return (uint64_t)_mm_cvtsi128_si64(r);
}
#endif

/* The bytes escaped by a backslash: the second of each backslash pair, counted from the
 * start of each run of backslashes (simdjson's branchless method). */
static inline uint64_t escaped_of(uint64_t bs, carry *cy)
{
    const uint64_t even = 0x5555555555555555ull;
    bs &= ~cy->escaped;
    uint64_t follows = bs << 1 | cy->escaped;
    uint64_t odd_starts = bs & ~even & ~follows;
    uint64_t even_seq;
    cy->escaped = __builtin_add_overflow(odd_starts, bs, &even_seq);
    return (even ^ (even_seq << 1)) & follows;
}

/* Appends the set bits of b, as positions from base. */
static inline size_t flatten(uint32_t *out, size_t k, uint64_t b, uint32_t base)
{
    size_t cnt = (size_t)__builtin_popcountll(b);
    uint32_t *o = out + k;
    while (b) {  /* four at a time; the slots past cnt are scratch, overwritten later */
        o[0] = base + (uint32_t)__builtin_ctzll(b);
        b &= b - 1;
        o[1] = base + (uint32_t)__builtin_ctzll(b | 1ull << 63);
        b &= b - 1;
        o[2] = base + (uint32_t)__builtin_ctzll(b | 1ull << 63);
        b &= b - 1;
        o[3] = base + (uint32_t)__builtin_ctzll(b | 1ull << 63);
        b &= b - 1;
        o += 4;
    }
    return k + cnt;
}

/* Appends one block's entries from its classes, its unescaped quotes and its in-string
 * bits (opening quote included, closing quote not); valid: the bits that are bytes of
 * the line. */
static inline void block(kz__jidx *ix, const masks *m, uint64_t quote, uint64_t in,
                         uint64_t valid, uint32_t base, carry *cy)
{
    uint64_t op = m->op & ~in;
    uint64_t scalar = ~(m->ws | m->op | quote | in) & valid;
    uint64_t starts = scalar & ~(scalar << 1 | cy->scalar);
    cy->scalar = scalar >> 63;
    ix->n = flatten(ix->pos, ix->n, op | quote | starts, base);
    uint64_t sp = ((m->bslash | m->ctl) & in) | (scalar & ~m->num);
    if (sp)
        ix->ns = flatten(ix->special, ix->ns, sp, base);
}

#define KZ_JIDX_BUILD(NAME, CLASSIFY, PREFIX_XOR, ATTR)                                        \
    ATTR static void NAME(const char *s, size_t len, kz__jidx *ix)                             \
    {                                                                                          \
        carry cy = {0};                                                                        \
        ix->n = ix->ns = 0;                                                                    \
        for (size_t i = 0; i < len; i += 64) {                                                 \
            masks m;                                                                           \
            uint64_t valid = ~0ull;                                                            \
            if (len - i >= 64) {                                                               \
                m = CLASSIFY(s + i);                                                           \
            } else {                                                                           \
                char tmp[64];                                                                  \
                memset(tmp, ' ', sizeof tmp);                                                  \
                memcpy(tmp, s + i, len - i);                                                   \
                m = CLASSIFY(tmp);                                                             \
                valid = (1ull << (len - i)) - 1;                                               \
            }                                                                                  \
            uint64_t quote = m.quote & ~escaped_of(m.bslash, &cy);                             \
            uint64_t in = PREFIX_XOR(quote) ^ cy.in_string;                                    \
            cy.in_string = (uint64_t)((int64_t)in >> 63);                                      \
            block(ix, &m, quote, in, valid, (uint32_t)i, &cy);                                       \
        }                                                                                      \
        ix->open_string = cy.in_string != 0;                                                   \
    }

KZ_JIDX_BUILD(build_scalar, classify_scalar, prefix_xor_bits, )
#ifdef KZ_JIDX_X86
KZ_JIDX_BUILD(build_sse2, classify_sse2, prefix_xor_bits, )
KZ_JIDX_BUILD(build_avx2, classify_avx2, prefix_xor_clmul, KZ_AVX2)
#endif

bool kz__jidx_available(kz__jidx_impl impl)
{
    switch (impl) {
    case KZ__JIDX_SCALAR:
        return true;
#ifdef KZ_JIDX_X86
    case KZ__JIDX_SSE2:
        return true;
    case KZ__JIDX_AVX2:
        return kz_cpu_has(KZ_CPU_AVX2 | KZ_CPU_PCLMUL);
#endif
    default:
        return false;
    }
}

kz__jidx_impl kz__jidx_best(void)
{
    return kz__jidx_available(KZ__JIDX_AVX2)   ? KZ__JIDX_AVX2
           : kz__jidx_available(KZ__JIDX_SSE2) ? KZ__JIDX_SSE2
                                               : KZ__JIDX_SCALAR;
}

void kz__jidx_build(kz__jidx_impl impl, const char *s, size_t len, kz__jidx *ix)
{
    switch (impl) {
#ifdef KZ_JIDX_X86
    case KZ__JIDX_AVX2:
        build_avx2(s, len, ix);
        return;
    case KZ__JIDX_SSE2:
        build_sse2(s, len, ix);
        return;
#endif
    default:
        build_scalar(s, len, ix);
        return;
    }
}
