/* Shared by the codec_log_*.c parsers: the configuration and per-thread context. */
#ifndef KZ_CODEC_LOGFMT_INTERNAL_H
#define KZ_CODEC_LOGFMT_INTERNAL_H

#include "codec/telemetry/logfmt.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* One entry of --fields: a name (or a 1-based column number) and how to match it. */
typedef struct kz__fieldspec {
    char *name;
    size_t len;
    int col;           /* csv/tsv: resolved 1-based column, 0 when unknown */
    kz_obs_kind kind;
} kz__fieldspec;

/* A Zeek header: separators and columns, immutable once published. */
typedef struct kz__zeek_col {
    char *name;
    size_t len;
    kz_obs_kind kind;
    uint8_t list;      /* a set or vector: split on the set separator */
    uint8_t role;      /* Z_* below */
} kz__zeek_col;

enum { Z_PLAIN, Z_TS, Z_VICTIM, Z_HOST, Z_URI };

typedef struct kz__zeek_hdr {
    char sep, set_sep;
    char empty[32], unset[32];
    size_t empty_len, unset_len;
    kz__zeek_col *cols;
    int ncols;
    int host_col, uri_col;  /* http.log: combined into a URL; -1 when absent */
    /* the columns a data line is read for (matched, or time, victim, host, URI), in
     * column order; nwant is 0 for a header of over 128 columns (walked whole) */
    uint8_t want[128];
    int nwant;
    /* where the header line that made this state is: block seq and offset in it */
    uint64_t seq;
    size_t offset;
    struct kz__zeek_hdr *next;
} kz__zeek_hdr;

struct kz_logfmt {
    kz_log_format format;
    kz__fieldspec *specs;
    int n_specs;
    char *ts_field, *victim_field;
    int ts_col, victim_col;     /* csv/tsv: 1-based, 0 when unknown */
    bool header;
    size_t max_line;
    char sep;                   /* csv ',' or tsv '\t' */
    char **colnames;            /* csv/tsv header names, ncols of them */
    size_t *colname_len;
    int ncols;
    /* zeek: every header state made so far (newest first), and the current one */
    pthread_mutex_t lock;
    kz__zeek_hdr *hdrs, *current;
    kz__zeek_hdr initial;       /* the defaults, before any header */
    kz_json_reader json_reader; /* never KZ_JSON_INDEX: resolved when set */
    bool split_avx2;            /* kz__split_with's 64-byte windows run on this CPU */
    int8_t *colkind;            /* csv/tsv: kz__select of each named column, -1 not selected */
};

/* What the configuration says about one field name: its timestamp and victim ranks
 * (-1: not one) and its kind by kz__select (-1: not matched). JSON lines repeat the same
 * few names on every line; a per-thread memo answers them without walking the name
 * lists again. */
enum { KZ__MEMO_SLOTS = 64, KZ__MEMO_NAME = 96 };
typedef struct kz__name_info {
    /* JSON lines: a plain name of up to 12 bytes as the bytes between a member and this
     * key's value, ,"name": (sep_want: a bit per byte of it); KZ__SEP_NONE (a bit no
     * 16-byte compare sets) when there is none, also in a new context's slots */
    char sep[16];
    uint32_t sep_want;
    uint32_t len;
    int8_t ts, victim, kind;
    uint8_t used;
    uint8_t plain;  /* kept (len <= KZ__MEMO_NAME) and no quote, backslash or control byte */
    uint8_t plain_auto;  /* plain, no timestamp, no victim, its kind KZ_OBS_AUTO: only shaped */
    char name[KZ__MEMO_NAME + 2];  /* a plain name is followed by '"' and ':' */
} kz__name_info;
/* 128 bytes: a slot's address is its number shifted, not multiplied */
_Static_assert(sizeof(kz__name_info) == 128, "kz__name_info is 128 bytes");
#define KZ__SEP_NONE (1u << 16)

/* JSON lines: values lately found to have no shape ("GET", "text/css": the same few
 * come back on every line), so that kz__shape is not asked about them again; a slot per
 * hash of the length and end bytes, len 0 when empty. kz__shape depends on the bytes
 * alone, so a value equal to a kept one has no shape either. */
enum { KZ__NONE_SLOTS = 64, KZ__NONE_LEN = 24 };
typedef struct kz__none_memo {
    uint8_t len;
    char v[KZ__NONE_LEN];
} kz__none_memo;
/* The shapes of the last short values of a CSV column: log columns such as a method or
 * a content type repeat a few values, and kz__shape's answer depends on the bytes alone.
 * A column whose values do not repeat (host names) stops being remembered. */
enum { KZ__SHAPE_COLS = 32, KZ__SHAPE_WAYS = 8, KZ__SHAPE_VALUE = 32 };
typedef struct kz__shape_memo {
    uint8_t len[KZ__SHAPE_WAYS];   /* 0: empty */
    int8_t kind[KZ__SHAPE_WAYS];
    uint8_t next;                  /* the way replaced next */
    uint8_t off;                   /* the column's values did not repeat: not remembered */
    uint16_t tries, hits;
    char v[KZ__SHAPE_WAYS][KZ__SHAPE_VALUE];
} kz__shape_memo;

struct kz_logctx {
    const kz_logfmt *f;
    char *scratch;
    size_t cap, used;
    uint64_t seq;
    const kz__zeek_hdr *zh;
    kz__name_info memo[KZ__MEMO_SLOTS + 1];  /* the last one for names too long to keep */
    kz__none_memo none[KZ__NONE_SLOTS];
    uint32_t *jidx;    /* JSON lines: the structural index, 2 * jidx_cap entries (owned) */
    size_t jidx_cap;
    kz__shape_memo shapes[KZ__SHAPE_COLS];  /* CSV: per column, the first ones */
};

/* The ranks and kind of a field name, from the context's memo (valid until the next
 * call). hint: where the name comes in its line (the n-th value), which is where the
 * memo keeps it: lines of one log repeat their names in the same order. */
/* The k bytes (8, 4 or 2: a constant, so no call) at p as a number. */
__attribute__((always_inline)) static inline uint64_t kz__word(const char *p, size_t k)
{
    uint64_t w = 0;
    memcpy(&w, p, k);
    return w;
}

/* memcmp for the few bytes of a field name, inline: words of 8, 4 or 2 bytes, the last
 * one overlapping the one before, so nothing past a + n or b + n is read. */
static inline bool kz__same_bytes(const char *a, const char *b, size_t n)
{
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8)
            if (kz__word(a + i, 8) != kz__word(b + i, 8))
                return false;
        return kz__word(a + n - 8, 8) == kz__word(b + n - 8, 8);
    }
    if (n >= 4)
        return kz__word(a, 4) == kz__word(b, 4) && kz__word(a + n - 4, 4) == kz__word(b + n - 4, 4);
    if (n >= 2)
        return kz__word(a, 2) == kz__word(b, 2) && kz__word(a + n - 2, 2) == kz__word(b + n - 2, 2);
    return n == 0 || a[0] == b[0];
}

/* Fills the memo slot m for name (the memo missed) and returns it. */
const kz__name_info *kz__name_info_fill(kz_logctx *c, kz__name_info *m, const char *name, size_t len);

__attribute__((always_inline)) static inline const kz__name_info *kz__name_info_of(kz_logctx *c, size_t hint, const char *name, size_t len)
{
    kz__name_info *m = len <= KZ__MEMO_NAME ? &c->memo[hint % KZ__MEMO_SLOTS] : &c->memo[KZ__MEMO_SLOTS];
    if (m->used && m->len == len && len <= KZ__MEMO_NAME && kz__same_bytes(m->name, name, len))
        return m;
    return kz__name_info_fill(c, m, name, len);
}

/* Whether v[0..n) starts with "http://" or "https://" (any case) and has more after it:
 * then the value is a URL (kz__shape's answer for it, when n <= 8192), without the long
 * way to find that out. Inline: the JSON reader asks it before calling kz__shape. */
static inline bool kz__http_url(const char *v, size_t n)
{
    if (n < 9 || (v[0] | 32) != 'h' || (v[1] | 32) != 't' || (v[2] | 32) != 't' || (v[3] | 32) != 'p')
        return false;
    size_t k = v[4] == ':' ? 4 : (v[4] | 32) == 's' && v[5] == ':' ? 5 : 0;
    return k && v[k + 1] == '/' && v[k + 2] == '/';
}

/* The first c in [p, end), or end: eight bytes at a time, for the short distances
 * between separators where a call to memchr costs more than it saves. */
static inline const char *kz__find(const char *p, const char *end, char c)
{
    const uint64_t ones = 0x0101010101010101ull, pat = ones * (unsigned char)c;
    while (end - p >= 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        x ^= pat;
        /* the lowest flagged byte is exactly the first zero byte (little-endian) */
        uint64_t t = (x - ones) & ~x & 0x8080808080808080ull;
        if (t)
            return p + (__builtin_ctzll(t) >> 3);
        p += 8;
    }
    while (p < end && *p != c)
        p++;
    return p;
}

/* Splits s[0..n) at sep into at most max fields, v[i] and len[i]; with collapse, runs of
 * sep count as one and empty fields are dropped (Squid pads columns with spaces). Finds
 * the separators eight bytes at a time and stops once max fields are complete. Returns
 * the number of fields. */
/* A bit per byte of s[i..i+16) that equals sep (bytes past n never do). */
static inline uint32_t kz__sep_mask16(const char *s, size_t i, size_t n, char sep)
{
#ifdef __SSE2__
    __m128i w;
    if (n - i >= 16) {
        w = _mm_loadu_si128((const __m128i *)(s + i));
    } else if (n >= 16) {  /* the last 16 bytes of s, shifted down to start at i */
        w = _mm_loadu_si128((const __m128i *)(s + n - 16));
        return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(w, _mm_set1_epi8(sep))) >> (16 - (n - i));
    } else {
        char tmp[16];
        memset(tmp, sep ^ 1, sizeof tmp);
        memcpy(tmp, s + i, n - i);
        w = _mm_loadu_si128((const __m128i *)tmp);
    }
    return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(w, _mm_set1_epi8(sep)));
#else
    const uint64_t ones = 0x0101010101010101ull, low7 = 0x7F7F7F7F7F7F7F7Full;
    const uint64_t pat = ones * (unsigned char)sep;
    uint32_t m = 0;
    for (size_t h = 0; h < 16; h += 8) {
        uint64_t w = ~pat;  /* padding that is never the separator */
        if (i + h < n)
            memcpy(&w, s + i + h, n - i - h >= 8 ? 8 : n - i - h);
        uint64_t x = w ^ pat;
        uint64_t z = ~(((x & low7) + low7) | x | low7);  /* 0x80 exactly where x has a 0 byte */
        m |= (uint32_t)(((z >> 7) * 0x0102040810204080ull) >> 56) << h;
    }
    return m;
#endif
}

static inline int kz__split(const char *s, size_t n, char sep, bool collapse, const char **v,
                            size_t *len, int max)
{
    int k = 0;
    size_t fs = 0;  /* where the current field starts */
    for (size_t i = 0; i < n && k < max; i += 16) {
        uint32_t z = kz__sep_mask16(s, i, n, sep);
        while (z) {
            size_t p = i + (size_t)__builtin_ctz(z);
            z &= z - 1;
            if (p > fs || !collapse) {
                v[k] = s + fs;
                len[k] = p - fs;
                if (++k == max)
                    return k;
            }
            fs = p + 1;
        }
    }
    if (k < max && (n > fs || (!collapse && fs <= n))) {
        v[k] = s + fs;
        len[k] = n - fs;
        k++;
    }
    return k;
}

/* kz__split over 64-byte windows (two AVX2 compares, one tzcnt per separator) when avx2
 * is set and the line has 64 bytes or more, else kz__split itself; the same fields. With
 * quote (not '\0'): -1 when s[0..n) holds that byte (CSV's quoted fields), checked in the
 * same windows. */
int kz__split_with(bool avx2, const char *s, size_t n, char sep, bool collapse, char quote,
                   const char **v, size_t *len, int max);

/* Whether this CPU runs kz__split_with's AVX2 windows (AVX2, POPCNT and BMI1). */
bool kz__split_avx2_available(void);

/* Room for n bytes in the context's scratch (reset per line), or NULL when full. */
char *kz__scratch(kz_logctx *c, size_t n);

/* The kind a value has by its shape alone (a URL, an address, a host name, an e-mail
 * address, a hash), or KZ_OBS_NONE. */
kz_obs_kind kz__shape(const char *v, size_t n);

/* kz__shape with every byte class counted one byte at a time (no SSE2 masks): the
 * reference the tests and the fuzz target hold kz__shape to. */
kz_obs_kind kz__shape_bytes(const char *v, size_t n);

/* kz__shape's answer for the value s[o..o+n) of a line s[0..len) when it is digits and
 * dots only and neither starts nor ends with a dot (a time, a count, an IPv4 address),
 * found without kz__shape's byte class counts; -1 for every other value, whose answer
 * only kz__shape gives. Reads nothing outside s[0..len): a value of up to 16 bytes is
 * tested in one SSE2 window (the last 16 bytes of the line, shifted, near its end). */
__attribute__((always_inline)) static inline int kz__shape_numeric(const char *s, size_t len, size_t o, size_t n)
{
    const char *v = s + o;
    if (n == 0 || (unsigned)((unsigned char)v[0] - '0') > 9 || v[n - 1] == '.')
        return -1;  /* the first byte alone sends names and URLs on */
    size_t dots = 0;
#ifdef __SSE2__
    if (n <= 16 && len >= 16) {
        size_t at = len - o >= 16 ? o : len - 16;  /* the window's start; v is at o - at */
        __m128i w = _mm_loadu_si128((const __m128i *)(s + at));
        __m128i digit = _mm_and_si128(_mm_cmpeq_epi8(_mm_max_epu8(w, _mm_set1_epi8('0')), w),
                                      _mm_cmpeq_epi8(_mm_min_epu8(w, _mm_set1_epi8('9')), w));
        __m128i dot = _mm_cmpeq_epi8(w, _mm_set1_epi8('.'));
        unsigned want = (1u << n) - 1, shift = (unsigned)(o - at);
        unsigned ok = ((unsigned)_mm_movemask_epi8(_mm_or_si128(digit, dot)) >> shift) & want;
        if (ok != want)
            return -1;
        unsigned d = ((unsigned)_mm_movemask_epi8(dot) >> shift) & want;
        /* only none, three or another count matters: three bits set when clearing the
         * lowest bit twice leaves one and a third time none (no loop to mispredict) */
        unsigned d1 = d & (d - 1), d2 = d1 & (d1 - 1), d3 = d2 & (d2 - 1);
        dots = !d ? 0 : d2 && !d3 ? 3 : 4;
    } else
#endif
    {
        for (size_t i = 0; i < n; i++) {
            unsigned char b = (unsigned char)v[i];
            if ((unsigned)(b - '0') > 9) {
                if (b != '.')
                    return -1;
                dots++;
            }
        }
    }
    if (n < 3 || n > 8192)
        return KZ_OBS_NONE;
    if (dots == 0)
        return n == 32 || n == 40 || n == 64 ? KZ_OBS_HASH : KZ_OBS_NONE;
    return dots == 3 ? KZ_OBS_IP : KZ_OBS_NONE;
}

/* Adds a field of a known kind (not KZ_OBS_AUTO) to rec, or sets rec->truncated when
 * it is full: kz__add_field without the call, for the columns whose kind is known. */
static inline void kz__add_known(kz_record *rec, const char *name, size_t name_len, const char *v,
                                 size_t len, kz_obs_kind kind)
{
    if (rec->n >= KZ_MAX_FIELDS) {
        rec->truncated = 1;
        return;
    }
    kz_logfield *fl = &rec->f[rec->n++];
    fl->name = name;
    fl->name_len = name_len;
    fl->v = v;
    fl->len = len;
    fl->kind = kind;
}

/* Adds a field to rec (sets rec->truncated when full); a KZ_OBS_AUTO field gets the
 * kind of its shape, or is left out when it has none. */
void kz__add_field(kz_record *rec, const char *name, size_t name_len, const char *v, size_t len,
                   kz_obs_kind kind);

/* Which --fields entry names this field: its kind, or -1 when it is not selected. When
 * no --fields were given every field is selected as KZ_OBS_AUTO. */
int kz__select(const kz_logfmt *f, const char *name, size_t len, int col);

/* Rank of a name among the timestamp and victim names tried when none is configured:
 * 0 is best, -1 when it is not one of them. */
int kz__ts_rank(const kz_logfmt *f, const char *name, size_t len);
int kz__victim_rank(const kz_logfmt *f, const char *name, size_t len);

int kz__parse_json(const kz_logfmt *f, kz_logctx *c, const char *s, size_t n, kz_record *rec);
int kz__parse_csv(const kz_logfmt *f, kz_logctx *c, const char *s, size_t n, bool first,
                  kz_record *rec);
int kz__parse_zeek(const kz_logfmt *f, kz_logctx *c, const char *s, size_t n, size_t off,
                   kz_record *rec);
int kz__parse_squid(const kz_logfmt *f, kz_logctx *c, const char *s, size_t n, kz_record *rec);

/* Zeek header handling (codec_log_zeek.c). */
kz_rc kz__zeek_scan(kz_logfmt *f, uint64_t seq, const char *data, size_t n);
void kz__zeek_free(kz_logfmt *f);
void kz__zeek_init(kz_logfmt *f);

#endif
