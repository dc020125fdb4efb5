/* Plain-text extraction: the fallback for logs of any shape and for fields declared
 * as free text. One pass splits the text into tokens at blanks, quotes and brackets;
 * a token holding "scheme://" gives a URL (trailing punctuation of prose trimmed), the
 * rest is split further at '=', ',', ';' and the like, and each piece that has the
 * shape of an address, a host name, an e-mail address or a hash becomes a candidate.
 * Candidates are only candidates: the matcher decides. */
#include "codec/telemetry/logfmt_internal.h"
#include "codec/telemetry/text_masks.h"

#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Bytes that end a token: blanks, controls, quotes, angle and curly brackets, pipes. */
static const unsigned char stop[256] = {
    [0] = 1, [1] = 1, [2] = 1, [3] = 1, [4] = 1, [5] = 1, [6] = 1, [7] = 1, [8] = 1, [9] = 1,
    [10] = 1, [11] = 1, [12] = 1, [13] = 1, [14] = 1, [15] = 1, [16] = 1, [17] = 1, [18] = 1,
    [19] = 1, [20] = 1, [21] = 1, [22] = 1, [23] = 1, [24] = 1, [25] = 1, [26] = 1, [27] = 1,
    [28] = 1, [29] = 1, [30] = 1, [31] = 1, [' '] = 1, ['"'] = 1, ['\''] = 1, ['<'] = 1,
    ['>'] = 1, ['`'] = 1, ['{'] = 1, ['}'] = 1, ['|'] = 1, ['\\'] = 1, ['^'] = 1, [127] = 1,
};

/* Bytes that split a token that is not a URL into pieces. */
static const unsigned char split[256] = {
    ['='] = 1, [','] = 1, [';'] = 1, ['('] = 1, [')'] = 1, ['['] = 1, [']'] = 1, ['!'] = 1,
    ['?'] = 1, ['&'] = 1, ['*'] = 1, ['$'] = 1, ['#'] = 1,
};

static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_hex(char c) { return is_digit(c) || ((c | 32) >= 'a' && (c | 32) <= 'f'); }

/* Whether hex digits, dots and colons can be an IPv6 address by their count: eight
 * groups (seven colons), six and a dotted quad, or fewer with a "::". A time of day
 * ("22:13:20") is none, and saves the matcher two failed parses. */
static bool ipv6_groups_ok(const char *s, size_t n, size_t colons, size_t dots)
{
    if ((colons == 7 && dots == 0) || (colons == 6 && dots == 3))
        return true;
    return colons <= 8 && memmem(s, n, "::", 2) != NULL;  /* "::1:2:3:4:5:6:7" has 8 */
}

static void classify_slow(const char *s, size_t n, const char *name, size_t name_len,
                          kz_record *rec)
{
    /* trailing and leading punctuation of prose */
    while (n && (s[n - 1] == '.' || s[n - 1] == ':' || s[n - 1] == '-' || s[n - 1] == '/'))
        n--;
    while (n && (s[0] == '.' || s[0] == '-' || s[0] == '/'))
        s++, n--;
    if (n < 3)
        return;
    const char *at = memchr(s, '@', n);
    if (at) {
        if (n > 7 && strncasecmp(s, "mailto:", 7) == 0)
            s += 7, n -= 7;
        if (at > s && at < s + n - 3)
            kz__add_field(rec, name, name_len, s, n, KZ_OBS_EMAIL);
        return;
    }
    const char *slash = memchr(s, '/', n);
    if (slash)
        n = (size_t)(slash - s);  /* "host/path", "10.0.0.0/8": the part before */
    size_t dots = 0, colons = 0, hex = 0, letters = 0, other = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.')
            dots++;
        else if (c == ':')
            colons++;
        else if (is_hex(c))
            hex++, letters += !is_digit(c);
        else if (is_alpha(c) || (unsigned char)c >= 0x80)
            letters++;
        else if (c != '-' && c != '_')
            other++;
    }
    if (other)
        return;
    if (colons >= 2 && dots + colons + hex == n) {
        if (!ipv6_groups_ok(s, n, colons, dots))
            return;
        kz__add_field(rec, name, name_len, s, n, KZ_OBS_IP);  /* IPv6, perhaps */
        return;
    }
    if (dots == 0 && colons == 0 && hex == n && (n == 32 || n == 40 || n == 64)) {
        kz__add_field(rec, name, name_len, s, n, KZ_OBS_HASH);
        return;
    }
    if (dots == 0)
        return;
    if (letters == 0) {
        if (dots == 3 && colons <= 1)
            kz__add_field(rec, name, name_len, s, n, KZ_OBS_IP);  /* IPv4, perhaps with a port */
        return;
    }
    if (colons <= 1)
        kz__add_field(rec, name, name_len, s, n, KZ_OBS_HOST);
}

static inline int shape_fast(const char *v, size_t n, bool leave_early);

static void classify_piece(const char *s, size_t n, const char *name, size_t name_len,
                           kz_record *rec)
{
    int fast = n >= 3 ? shape_fast(s, n, false) : -1;  /* text pieces: rarely slow */
    if (fast < 0)
        classify_slow(s, n, name, name_len, rec);
    else if (fast != KZ_OBS_NONE)
        kz__add_field(rec, name, name_len, s, n, (kz_obs_kind)fast);
}

static void narrow(const char *s, size_t n, const char *name, size_t name_len, kz_record *rec)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && split[(unsigned char)s[i]])
            i++;
        size_t start = i;
        while (i < n && !split[(unsigned char)s[i]])
            i++;
        if (i > start)
            classify_piece(s + start, i - start, name, name_len, rec);
    }
}

/* Where "scheme://" starts in t[0..n), or n when there is no URL. */
static size_t url_start(const char *t, size_t n)
{
    const char *p = t;
    while ((p = memchr(p, ':', (size_t)(t + n - p))) != NULL) {
        if (p + 2 < t + n && p[1] == '/' && p[2] == '/') {
            const char *b = p;
            while (b > t && (is_alpha(b[-1]) || is_digit(b[-1]) || b[-1] == '+' || b[-1] == '-' ||
                             b[-1] == '.'))
                b--;
            while (b < p && !is_alpha(*b))
                b++;  /* a scheme starts with a letter */
            if (b < p)
                return (size_t)(b - t);
        }
        p++;
    }
    return n;
}

/* The fast path of classify_piece, for values made only of letters, digits, dots,
 * colons, dashes and underscores, with no punctuation to trim at either end: one pass
 * counting the byte classes. Returns the kind (KZ_OBS_NONE included), or -1 for any
 * other value, which goes the long way. (A sixteen-bytes-at-a-time version with SSE2
 * masks ran more instructions on log values, most of them under 16 bytes.) */
enum { B_SLOW, B_DIGIT, B_HEXL, B_ALPHA, B_DOT, B_COLON, B_DASH, B_COUNT };
static const unsigned char shape_cls[256] = {
    ['0' ... '9'] = B_DIGIT, ['a' ... 'f'] = B_HEXL, ['A' ... 'F'] = B_HEXL,
    ['g' ... 'z'] = B_ALPHA, ['G' ... 'Z'] = B_ALPHA, [0x80 ... 0xFF] = B_ALPHA,
    ['.'] = B_DOT, [':'] = B_COLON, ['-'] = B_DASH, ['_'] = B_DASH,
};

__attribute__((always_inline)) static inline int shape_fast(const char *v, size_t n, bool leave_early)
{
    unsigned char a = (unsigned char)v[0], z = (unsigned char)v[n - 1];
    if (a == '.' || a == '-' || z == '.' || z == ':' || z == '-')
        return -1;
    size_t cnt[B_COUNT] = {0};
    size_t i = 0;
    for (; leave_early && i + 8 <= n; i += 8) {  /* a URL or a path leaves in its first eight */
        for (size_t j = 0; j < 8; j++)
            cnt[shape_cls[(unsigned char)v[i + j]]]++;
        if (cnt[B_SLOW])
            return -1;
    }
    for (; i < n; i++)
        cnt[shape_cls[(unsigned char)v[i]]]++;
    if (cnt[B_SLOW])
        return -1;
    size_t dots = cnt[B_DOT], colons = cnt[B_COLON], hex = cnt[B_DIGIT] + cnt[B_HEXL];
    size_t letters = cnt[B_HEXL] + cnt[B_ALPHA];
    if (colons >= 2)  /* all hex digits, dots and colons: perhaps IPv6 */
        return dots + colons + hex == n && ipv6_groups_ok(v, n, colons, dots) ? KZ_OBS_IP : KZ_OBS_NONE;
    if (dots == 0)
        return colons == 0 && hex == n && (n == 32 || n == 40 || n == 64) ? KZ_OBS_HASH : KZ_OBS_NONE;
    if (letters == 0)
        return dots == 3 ? KZ_OBS_IP : KZ_OBS_NONE;
    return KZ_OBS_HOST;
}

#ifdef __SSE2__
/* Bytes of x in lo..hi, as a compare mask (the range moved to the bottom of the signed
 * bytes: one add and one compare). */
static inline __m128i in_range(__m128i x, char lo, char hi)
{
    __m128i y = _mm_add_epi8(x, _mm_set1_epi8((char)(0x80 - (unsigned char)lo)));
    return _mm_cmplt_epi8(y, _mm_set1_epi8((char)(-128 + (hi - lo) + 1)));
}

/* shape_fast's answer for the common host name of 16 to 64 bytes (lowercase letters,
 * digits, dots and dashes, a dot and a letter among them: KZ_OBS_HOST) from SSE2 masks
 * (windows of 16 bytes, the last one overlapping the one before, so that nothing outside
 * v[0..n) is read); -2 for every other value, which shape_fast answers. */
static int shape_wide(const char *v, size_t n)
{
    unsigned char a = (unsigned char)v[0], z = (unsigned char)v[n - 1];
    if (a == '.' || a == '-' || z == '.' || z == ':' || z == '-')
        return -1;
    unsigned bad = 0, dot = 0, letter = 0;
    for (size_t at = 0;; at += 16) {
        size_t o = at + 16 <= n ? at : n - 16;
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(v + o));
        __m128i az = in_range(x, 'a', 'z'), d = _mm_cmpeq_epi8(x, _mm_set1_epi8('.'));
        __m128i okm = _mm_or_si128(_mm_or_si128(az, in_range(x, '0', '9')),
                                   _mm_or_si128(d, _mm_cmpeq_epi8(x, _mm_set1_epi8('-'))));
        bad |= (unsigned)_mm_movemask_epi8(okm) ^ 0xFFFFu;
        dot |= (unsigned)_mm_movemask_epi8(d);
        letter |= (unsigned)_mm_movemask_epi8(az);
        if (o + 16 >= n)
            break;
    }
    return !bad && dot && letter ? KZ_OBS_HOST : -2;
}
#endif

/* Prose's punctuation after a URL, which is not part of it. */
static const unsigned char url_tail[256] = {['.'] = 1, [','] = 1, [';'] = 1, [':'] = 1, ['!'] = 1,
                                            ['?'] = 1, [')'] = 1, [']'] = 1, ['\''] = 1};

/* Bytes one_piece_may_hold looks for. */
enum { V_BREAK = 1, V_AT = 2, V_SLASH = 4, V_DOT = 8, V_COLON = 16 };
static const unsigned char vcls[256] = {
    [0 ... 31] = V_BREAK, [' '] = V_BREAK, ['"'] = V_BREAK, ['\''] = V_BREAK, ['<'] = V_BREAK,
    ['>'] = V_BREAK, ['`'] = V_BREAK, ['{'] = V_BREAK, ['}'] = V_BREAK, ['|'] = V_BREAK,
    ['\\'] = V_BREAK, ['^'] = V_BREAK, [127] = V_BREAK, ['='] = V_BREAK, [','] = V_BREAK,
    [';'] = V_BREAK, ['('] = V_BREAK, [')'] = V_BREAK, ['['] = V_BREAK, [']'] = V_BREAK,
    ['!'] = V_BREAK, ['?'] = V_BREAK, ['&'] = V_BREAK, ['*'] = V_BREAK, ['$'] = V_BREAK,
    ['#'] = V_BREAK, ['@'] = V_AT, ['/'] = V_SLASH, ['.'] = V_DOT, [':'] = V_COLON,
};

/* Whether classify_slow may find something in v[0..n) taken as one piece: false when
 * it holds a stop or split byte (it is not one piece), or when classify_slow would
 * surely find nothing: no punctuation to trim at either end, no '@', and before the
 * first '/' no dot, under two colons and not the length of a hash ("text/css"). */
static bool one_piece_may_hold(const char *v, size_t n)
{
    unsigned seen = 0;
    size_t head = n, dots = 0, colons = 0;  /* head: the bytes before the first '/' */
    for (size_t i = 0; i < n; i++) {
        unsigned k = vcls[(unsigned char)v[i]];
        if (!k)
            continue;
        if (k & V_BREAK)
            return false;
        if ((k & V_SLASH) && head == n)
            head = i;
        seen |= k;
        dots += head == n && (k & V_DOT);
        colons += head == n && (k & V_COLON);
    }
    unsigned char a = (unsigned char)v[0], z = (unsigned char)v[n - 1];
    bool trims = a == '.' || a == '-' || a == '/' || z == '.' || z == ':' || z == '-' || z == '/';
    return trims || (seen & V_AT) || dots || colons >= 2 || head == 32 || head == 40 || head == 64;
}

/* kz__shape, with the byte-class counts of values of 16 to 64 bytes taken from SSE2
 * masks when wide (host names), or byte by byte. */
__attribute__((always_inline)) static inline kz_obs_kind shape_with(const char *v, size_t n, bool wide)
{
    if (n < 3 || n > 8192)
        return KZ_OBS_NONE;
    if (kz__http_url(v, n))
        return KZ_OBS_URL;  /* the answer of the long way below */
    int fast;
#ifdef __SSE2__
    if (!wide || n < 16 || (fast = shape_wide(v, n)) == -2)
#endif
        fast = shape_fast(v, n, true);  /* field values: URLs and paths among them */
    (void)wide;
    if (fast >= 0)
        return (kz_obs_kind)fast;
    if (memchr(v, ':', n) && url_start(v, n) == 0)
        return KZ_OBS_URL;
    if (v[0] == '[') {  /* "[2001:db8::1]:443": the matcher checks the address */
        const char *close = memchr(v, ']', n);
        return close && close - v > 2 ? KZ_OBS_IP : KZ_OBS_NONE;
    }
    if (v[0] == '<' && v[n - 1] == '>' && memchr(v, '@', n))
        return KZ_OBS_EMAIL;  /* "<user@example.org>" */
    /* a value of one piece: what the extractor would make of it, if it is all of it */
    if (!one_piece_may_hold(v, n))
        return KZ_OBS_NONE;
    kz_record one;
    one.n = 0;
    one.truncated = 0;
    classify_slow(v, n, "", 0, &one);
    return one.n == 1 ? one.f[0].kind : KZ_OBS_NONE;
}

kz_obs_kind kz__shape(const char *v, size_t n) { return shape_with(v, n, true); }

kz_obs_kind kz__shape_bytes(const char *v, size_t n) { return shape_with(v, n, false); }

/* One token t[0..len) the byte-by-byte way: its URL, then the pieces before it. */
static void token_bytes(const char *t, size_t len, const char *name, size_t name_len, kz_record *rec)
{
    if (len < 3)
        return;
    size_t u = kz__http_url(t, len) ? 0 : memchr(t, ':', len) ? url_start(t, len) : len;
    if (u < len) {
        size_t ul = len - u;
        while (ul && url_tail[(unsigned char)t[u + ul - 1]])
            ul--;
        if (ul > 8)
            kz__add_field(rec, name, name_len, t + u, ul, KZ_OBS_URL);
        len = u;
    }
    if (len)
        narrow(t, len, name, name_len, rec);
}

int kz__text_extract_bytes(const char *s, size_t n, const char *name, size_t name_len, kz_record *rec)
{
    int before = rec->n;
    size_t i = 0;
    while (i < n) {
        while (i < n && stop[(unsigned char)s[i]])
            i++;
        size_t start = i;
        while (i < n && !stop[(unsigned char)s[i]])
            i++;
        token_bytes(s + start, i - start, name, name_len, rec);
    }
    return rec->n - before;
}

/* ---- the walk over the masks: the same tokens, pieces and answers as above ---- */

static inline uint64_t bits_from(unsigned a) { return a >= 64 ? 0 : ~0ull << a; }
static inline uint64_t bits_span(unsigned a, unsigned e) { return bits_from(a) & ~bits_from(e); }

/* How many bits x has, counted no further than 9 (enough for every test below). */
static inline unsigned count9(uint64_t x)
{
    unsigned k = 0;
    for (; x && k < 9; k++)
        x &= x - 1;
    return k;
}

/* shape_fast's answer for the piece p[0..n) (n >= 3) at the bits pm of the window m. */
static inline int piece_kind(const kz__tmask *m, uint64_t pm, const char *p, size_t n)
{
    unsigned char a = (unsigned char)p[0], z = (unsigned char)p[n - 1];
    if (a == '.' || a == '-' || z == '.' || z == ':' || z == '-')
        return -1;
    if (pm & ~(m->dot | m->colon | m->dash | m->letter | m->digit))
        return -1;
    uint64_t cm = m->colon & pm, dm = m->dot & pm;
    bool alpha = (pm & m->letter & ~m->hexl) != 0, dash = (pm & m->dash) != 0;
    if (cm & (cm - 1)) {  /* two colons or more: perhaps IPv6 */
        if (alpha || dash)
            return KZ_OBS_NONE;
        unsigned colons = count9(cm), dots = count9(dm);
        bool pair = (cm & (cm >> 1)) != 0;  /* "::" (the piece ends before any colon) */
        return (colons == 7 && dots == 0) || (colons == 6 && dots == 3) || (colons <= 8 && pair)
                   ? KZ_OBS_IP : KZ_OBS_NONE;
    }
    if (!dm)
        return !cm && !alpha && !dash && (n == 32 || n == 40 || n == 64) ? KZ_OBS_HASH : KZ_OBS_NONE;
    if (!(pm & m->letter))
        return count9(dm) == 3 ? KZ_OBS_IP : KZ_OBS_NONE;
    return KZ_OBS_HOST;
}

/* one_piece_may_hold() for the piece p[0..n) at the bits pm (from bit ps) of the window
 * m, which holds no stop or split byte. */
static inline bool piece_may_hold(const kz__tmask *m, uint64_t pm, unsigned ps, const char *p, size_t n)
{
    unsigned char a = (unsigned char)p[0], z = (unsigned char)p[n - 1];
    if (a == '.' || a == '-' || a == '/' || z == '.' || z == ':' || z == '-' || z == '/' || (pm & m->at))
        return true;
    uint64_t sl = pm & m->slash;
    uint64_t head = sl ? pm & ((sl & -sl) - 1) : pm;  /* the bytes before the first '/' */
    uint64_t hc = head & m->colon;
    size_t hl = sl ? (size_t)__builtin_ctzll(sl) - ps : n;
    return (head & m->dot) || (hc & (hc - 1)) || hl == 32 || hl == 40 || hl == 64;
}

/* narrow() on the window's bytes [a, e), w the window's first byte. */
static void narrow_masks(const kz__tmask *m, const char *w, unsigned a, unsigned e, const char *name,
                         size_t name_len, kz_record *rec)
{
    uint64_t in = bits_span(a, e) & ~m->split;
    while (in) {
        unsigned ps = (unsigned)__builtin_ctzll(in);
        uint64_t out = ~in & bits_from(ps);
        unsigned pe = out ? (unsigned)__builtin_ctzll(out) : 64;
        in &= bits_from(pe);
        if (pe - ps < 3)
            continue;  /* classify_slow keeps nothing under three bytes */
        int kind = piece_kind(m, bits_span(ps, pe), w + ps, pe - ps);
        if (kind < 0) {
            if (piece_may_hold(m, bits_span(ps, pe), ps, w + ps, pe - ps))  /* "text/css" may not */
                classify_slow(w + ps, pe - ps, name, name_len, rec);
        } else if (kind != KZ_OBS_NONE) {
            kz__add_field(rec, name, name_len, w + ps, pe - ps, (kz_obs_kind)kind);
        }
    }
}

/* token_bytes() on the window's bytes [a, e). */
static void token_masks(const kz__tmask *m, const char *w, unsigned a, unsigned e, const char *name,
                        size_t name_len, kz_record *rec)
{
    if (e - a < 3)
        return;
    uint64_t tm = bits_span(a, e);
    if (e - a < 32 && !(tm & ~(m->letter | m->digit | m->dash)))
        return;  /* "POST", "proxy01", "4621ms": shorter than a hash, no dot, colon or '@' */
    if (tm & m->colon & (m->slash >> 1) & (m->slash >> 2)) {
        token_bytes(w + a, e - a, name, name_len, rec);  /* "://": perhaps a URL */
        return;
    }
    narrow_masks(m, w, a, e, name, name_len, rec);
}

int kz__text_extract_with(kz__tmask_impl impl, const char *s, size_t n, const char *name,
                          size_t name_len, kz_record *rec)
{
    int before = rec->n;
    kz__tmask_window_fn *window = kz__tmask_window_of(impl);
    size_t i = 0;
    while (i < n) {
        kz__tmask m;
        window(s, i, n, &m);
        unsigned a = m.stop == ~0ull ? 64 : (unsigned)__builtin_ctzll(~m.stop);
        while (a < 64) {  /* a: where the next token starts in the window */
            uint64_t rest = m.stop & bits_from(a);
            if (!rest)
                break;  /* it runs past the window */
            unsigned e = (unsigned)__builtin_ctzll(rest);
            token_masks(&m, s + i, a, e, name, name_len, rec);
            uint64_t next = ~m.stop & bits_from(e);
            a = next ? (unsigned)__builtin_ctzll(next) : 64;
        }
        if (a == 64) {
            i += 64;
        } else if (a > 0) {
            i += a;  /* the next window starts with that token */
        } else {  /* a token of 64 bytes or more */
            size_t j = i + 64;
            while (j < n && !stop[(unsigned char)s[j]])
                j++;
            token_bytes(s + i, j - i, name, name_len, rec);
            i = j;
        }
    }
    return rec->n - before;
}

int kz_text_extract(const char *s, size_t n, const char *name, size_t name_len, kz_record *rec)
{
    return kz__text_extract_with(kz__tmask_best(), s, n, name, name_len, rec);
}
