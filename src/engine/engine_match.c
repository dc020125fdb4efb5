/* Matching observed values by kind (see match.h): the light clean-up of values as logs
 * write them (ports, brackets, mailto:, trailing dots), then the lookups. The costly
 * step, canonicalizing a URL, runs only when a URL indicator has the URL's host. */
#include "engine/match.h"

#include "engine/engine_internal.h"

#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

typedef struct mctx {
    const kz_indset *s;
    const kz_logfield *f;
    kz_match_cb cb;
    kz_match_ip_cb ip_cb;
    void *ctx;
    const char *obs;
    size_t obs_len;
    int hits;
    bool defer_v4, v4_deferred;  /* match_name: an address's url_host left unasked */
} mctx;

static void report(mctx *m, kz_run r)
{
    if (r.n == 0)
        return;
    m->cb(m->ctx, m->f, r, m->obs, m->obs_len);
    m->hits++;
}

static void report_cb(void *ctx, kz_run r) { report(ctx, r); }

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Byte classes for the one-pass scans of host names and URL authorities. */
enum { C_END = 1, C_COLON = 2, C_AT = 4, C_BRACKET = 8, C_ODD = 16, C_UPPER = 32 };
static const unsigned char cls[256] = {
    ['/'] = C_END, ['?'] = C_END, ['#'] = C_END, [':'] = C_COLON, ['@'] = C_AT,
    ['['] = C_BRACKET, [']'] = C_BRACKET, ['%'] = C_ODD,
    ['A'] = C_UPPER, ['B'] = C_UPPER, ['C'] = C_UPPER, ['D'] = C_UPPER, ['E'] = C_UPPER,
    ['F'] = C_UPPER, ['G'] = C_UPPER, ['H'] = C_UPPER, ['I'] = C_UPPER, ['J'] = C_UPPER,
    ['K'] = C_UPPER, ['L'] = C_UPPER, ['M'] = C_UPPER, ['N'] = C_UPPER, ['O'] = C_UPPER,
    ['P'] = C_UPPER, ['Q'] = C_UPPER, ['R'] = C_UPPER, ['S'] = C_UPPER, ['T'] = C_UPPER,
    ['U'] = C_UPPER, ['V'] = C_UPPER, ['W'] = C_UPPER, ['X'] = C_UPPER, ['Y'] = C_UPPER,
    ['Z'] = C_UPPER,
#define ODD8(b) [b] = C_ODD, [b + 1] = C_ODD, [b + 2] = C_ODD, [b + 3] = C_ODD, \
                [b + 4] = C_ODD, [b + 5] = C_ODD, [b + 6] = C_ODD, [b + 7] = C_ODD
    ODD8(0x80), ODD8(0x88), ODD8(0x90), ODD8(0x98), ODD8(0xA0), ODD8(0xA8), ODD8(0xB0), ODD8(0xB8),
    ODD8(0xC0), ODD8(0xC8), ODD8(0xD0), ODD8(0xD8), ODD8(0xE0), ODD8(0xE8), ODD8(0xF0), ODD8(0xF8),
#undef ODD8
};

#ifdef __SSE2__
/* Bits of the 16 bytes at p that may have a class above: '/', '?', '#', ':', '%', the
 * range '@'..']' (capitals and brackets, and '\\', whose class is 0) and bytes >= 0x80. */
static inline unsigned special16(const char *p)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i r = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('/')), _mm_cmpeq_epi8(x, _mm_set1_epi8(':')));
    r = _mm_or_si128(r, _mm_cmpeq_epi8(x, _mm_set1_epi8('?')));
    r = _mm_or_si128(r, _mm_cmpeq_epi8(x, _mm_set1_epi8('#')));
    r = _mm_or_si128(r, _mm_cmpeq_epi8(x, _mm_set1_epi8('%')));
    __m128i y = _mm_add_epi8(x, _mm_set1_epi8((char)(0x80 - '@')));  /* '@'..']' to -128..-99 */
    r = _mm_or_si128(r, _mm_cmplt_epi8(y, _mm_set1_epi8((char)(-128 + (']' - '@') + 1))));
    return (unsigned)(_mm_movemask_epi8(r) | _mm_movemask_epi8(x));
}
#endif

/* The bytes of v[i..n) that the scans below must look at, up to 16 of them: bit j for
 * v[i + j] whenever cls[v[i + j]] is not 0 (other bits may be set: their class is 0);
 * *step says how many bytes the bits cover. Reads nothing outside v[0..n). */
static inline unsigned special_at(const char *v, size_t i, size_t n, size_t *step)
{
    size_t left = n - i;
#ifdef __SSE2__
    if (left >= 16) {
        *step = 16;
        return special16(v + i);
    }
    if (n >= 16) {  /* the value's last 16 bytes, shifted down to v[i] */
        *step = left;
        return special16(v + n - 16) >> (16 - left);
    }
#endif
    size_t k = left < 16 ? left : 16;
    unsigned bits = 0;
    for (size_t j = 0; j < k; j++)
        bits |= (unsigned)(cls[(unsigned char)v[i + j]] != 0) << j;
    *step = k;
    return bits;
}

static inline void match_v4(mctx *m, const unsigned char a[4], const char *v, size_t n)
{
    m->obs = v;
    m->obs_len = n;
    if (kz__indset_ipv4_maybe(m->s, a))
        report(m, kz_indset_ipv4(m->s, a));
    if (m->ip_cb)
        m->ip_cb(m->ctx, m->f, a, 4, v, n);
}

/* An address that is not a bare IPv4 one: brackets, a port, IPv6, a zone. */
static __attribute__((noinline)) void match_ip_other(mctx *m, const char *v, size_t n)
{
    unsigned char a[16];
    if (n && v[0] == '[') {
        const char *close = memchr(v, ']', n);
        if (!close)
            return;
        n = (size_t)(close - v - 1);
        v++;
    } else {
        const char *c = memchr(v, ':', n);
        if (c && !memchr(c + 1, ':', n - (size_t)(c + 1 - v)))
            n = (size_t)(c - v);  /* one colon: "192.0.2.1:443" */
    }
    if (kz_ipv4_parse(v, n, a)) {
        match_v4(m, a, v, n);
        return;
    }
    const char *pct = memchr(v, '%', n);  /* a zone: "fe80::1%eth0" */
    if (pct)
        n = (size_t)(pct - v);
    if (n > 1 && kz_ipv6_parse(v, n, a)) {
        m->obs = v;
        m->obs_len = n;
        kz_run r = kz_indset_ipv6(m->s, a);
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
        bool is_mapped = memcmp(a, mapped, 12) == 0;
        if (r.n == 0 && is_mapped)
            r = kz_indset_ipv4(m->s, a + 12);
        report(m, r);
        if (m->ip_cb)
            m->ip_cb(m->ctx, m->f, is_mapped ? a + 12 : a, is_mapped ? 4 : 6, v, n);
    }
}

static inline void match_ip(mctx *m, const char *v, size_t n)
{
    unsigned char a[4];
    if (kz_ipv4_parse(v, n, a))  /* the common case, before looking for a port or brackets */
        match_v4(m, a, v, n);
    else
        match_ip_other(m, v, n);
}

static bool ascii_name(const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] >= 0x80 || v[i] == '%')
            return false;
    return true;
}

/* A bare host name or IPv4 address (no port, no path); seen: the byte classes found in
 * it (C_ODD: bytes outside ASCII or a '%', which need canonicalizing; C_UPPER). When url_host is not NULL it tells whether some
 * URL indicator is on this host. */
static void match_name(mctx *m, kz_match_scratch *sc, const char *v, size_t n, unsigned seen,
                       bool *url_host)
{
    unsigned char a[4];
    if (n && (unsigned)(unsigned char)v[n - 1] - '0' <= 9 && kz_ipv4_parse(v, n, a)) {
        match_v4(m, a, v, n);
        if (url_host && m->defer_v4)
            m->v4_deferred = true;
        else if (url_host)
            *url_host = kz_indset_url_host(m->s, v, n);
        return;
    }
    m->obs = v;
    m->obs_len = n;
    if (!(seen & C_ODD)) {
        if (seen & C_UPPER)
            kz_indset_domain(m->s, v, n, report_cb, m, url_host);
        else
            kz_indset_domain_lc(m->s, v, n, report_cb, m, url_host);
        return;
    }
    size_t len;
    if (kz_domain_canon(v, n, sc->text, sizeof sc->text, &len, "host", NULL) == KZ_OK)
        kz_indset_domain(m->s, sc->text, len, report_cb, m, NULL);
    if (url_host)
        *url_host = true;  /* unusual names go the long way, through canonicalization */
}

/* What match_name tells about URL indicators on a name, without its walk. */
static bool url_host_of(const kz_indset *s, const char *v, size_t n, unsigned seen)
{
    unsigned char a[4];
    if (kz_ipv4_parse(v, n, a))
        return kz_indset_url_host(s, v, n);
    if (seen & C_ODD)
        return true;
    if (n && v[n - 1] == '.')
        n--;
    return n && kz_indset_url_host(s, v, n);
}

/* A host as logs write it (a port, a path, brackets allowed). */
static void match_host(mctx *m, kz_match_scratch *sc, const char *v, size_t n)
{
    if (n == 0)
        return;
    if (v[0] == '[') {
        match_ip(m, v, n);
        return;
    }
    unsigned char a[4];
    if (n < 16 && (unsigned)(unsigned char)v[n - 1] - '0' <= 9 && kz_ipv4_parse(v, n, a)) {
        /* a bare address (Squid's peer): digits and dots only, so the scan below would
         * find nothing and match_name would take the same path, its URL-host answer
         * left for later */
        match_v4(m, a, v, n);
        if (sc->line) {
            sc->host_url_known = false;
            sc->host = v;
            sc->host_len = n;
            sc->host_line = sc->line;
        }
        return;
    }
    size_t colon = n;
    unsigned seen = 0;
    for (size_t at = 0, step; at < n; at += step) {
        for (unsigned bits = special_at(v, at, n, &step); bits; bits &= bits - 1) {
            size_t i = at + (size_t)__builtin_ctz(bits);
            unsigned c = cls[(unsigned char)v[i]];
            if (!c)
                continue;
            if (c & C_END) {
                n = i;  /* "host/path" */
                goto scanned;
            }
            if (c & C_COLON) {
                if (colon < n) {
                    match_ip(m, v, n);  /* two colons or more: IPv6 */
                    return;
                }
                colon = i;
            }
            seen |= c;
        }
    }
scanned:
    if (colon < n)
        n = colon;
    if (!sc->line) {
        match_name(m, sc, v, n, seen, NULL);
        return;
    }
    /* remembered for a URL of the line on the same host; whether URL indicators are on
     * it comes with the walk of a name (one probe more), and is left for later for an
     * address (its own hash and probe) */
    m->defer_v4 = true;
    match_name(m, sc, v, n, seen, &sc->host_url);
    sc->host_url_known = !m->v4_deferred;
    sc->host = v;  /* valid until the next line: see kz_match_line */
    sc->host_len = n;
    sc->host_line = sc->line;
}

static inline uint32_t load32(const char *p)
{
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}

#define HTTP ((uint32_t)'h' | (uint32_t)'t' << 8 | (uint32_t)'t' << 16 | (uint32_t)'p' << 24)

static void match_url(mctx *m, kz_match_scratch *sc, const char *v, size_t n)
{
    const char *sep = NULL;  /* "scheme://": the ':' comes early */
    if (n >= 8 && (load32(v) | 0x20202020u) == HTTP) {  /* http: or https:, in any case */
        size_t i = (v[4] | 32) == 's' ? 5 : 4;
        if (v[i] == ':' && v[i + 1] == '/' && v[i + 2] == '/')
            sep = v + i;
    }
    for (size_t i = 1; !sep && i + 2 < n && i < 32; i++)
        if (v[i] == ':') {
            if (v[i + 1] == '/' && v[i + 2] == '/')
                sep = v + i;
            break;
        }
    if (!sep)
        return;
    /* one pass over the authority: its end, the last '@' and the port's ':' */
    const char *auth = sep + 3, *end = v + n, *host = auth, *colon = NULL, *ae = auth;
    bool bracket = false;
    unsigned seen = 0;
    size_t an = (size_t)(end - auth);
    ae = end;
    for (size_t at = 0, step; at < an; at += step) {
        for (unsigned bits = special_at(auth, at, an, &step); bits; bits &= bits - 1) {
            const char *p = auth + at + __builtin_ctz(bits);
            unsigned c = cls[(unsigned char)*p];
            if (!c)
                continue;
            if (c & C_END) {
                ae = p;
                goto scanned;
            }
            if (c & C_AT) {
                host = p + 1;
                colon = NULL;
                bracket = false;
                seen = 0;
            } else if (c & C_BRACKET) {
                bracket = *p == '[' && p == host;
            } else if ((c & C_COLON) && !bracket) {
                colon = p;
            }
            seen |= c;
        }
    }
scanned:;  /* a label before a declaration: C11 wants a statement */
    const char *he = colon ? colon : ae;
    size_t hn = (size_t)(he - host);
    if (hn == 0)
        return;
    bool url_host = true;
    if (sc->host_line == sc->line && sc->line && sc->host_len == hn && memcmp(sc->host, host, hn) == 0)
        url_host = sc->host_url_known ? sc->host_url : url_host_of(m->s, host, hn, seen);  /* the host field of the line has its hits */
    else if (host[0] == '[')
        match_ip(m, host, hn);  /* the URL-host table holds the bracketed text: canonicalize */
    else
        match_name(m, sc, host, hn, seen, &url_host);
    if (!url_host)
        return;  /* no URL indicator on this host: no need to canonicalize */
    size_t len, hoff, hlen;
    if (kz_url_canon(v, n, sc->url, sizeof sc->url, &len, &hoff, &hlen, "url", NULL) != KZ_OK)
        return;
    m->obs = v;
    m->obs_len = n;
    kz_indset_url(m->s, sc->url, len, hoff, hlen, report_cb, m);
}

static void match_email(mctx *m, kz_match_scratch *sc, const char *v, size_t n)
{
    if (n && v[0] == '<' && v[n - 1] == '>')
        v++, n -= 2;
    if (n > 7 && strncasecmp(v, "mailto:", 7) == 0)
        v += 7, n -= 7;
    const char *at = NULL;
    for (size_t i = n; i > 0; i--)
        if (v[i - 1] == '@') {
            at = v + i - 1;
            break;
        }
    if (!at || at == v || at == v + n - 1)
        return;
    size_t ln = (size_t)(at - v), dn = n - ln - 1;
    const char *d = at + 1;
    if (kz_indset_has(m->s, KZ_IND_EMAIL) && ln + 1 + KZ_DOMAIN_MAX + 2 < sizeof sc->text) {
        memcpy(sc->text, v, ln + 1);
        size_t len;
        char *out = sc->text + ln + 1;
        bool ok = true;
        if (ascii_name(d, dn)) {
            size_t k = dn;
            if (k && d[k - 1] == '.')
                k--;
            if (k > KZ_DOMAIN_MAX)
                ok = false;
            for (size_t i = 0; ok && i < k; i++)
                out[i] = (char)(d[i] >= 'A' && d[i] <= 'Z' ? d[i] + 32 : d[i]);
            len = k;
        } else {
            ok = kz_domain_canon(d, dn, out, KZ_DOMAIN_MAX + 2, &len, "email", NULL) == KZ_OK;
        }
        if (ok) {
            m->obs = v;
            m->obs_len = n;
            report(m, kz_indset_email(m->s, sc->text, ln + 1 + len));
        }
    }
    match_host(m, sc, d, dn);
}

static void match_hash(mctx *m, const char *v, size_t n)
{
    if (n != 32 && n != 40 && n != 64)
        return;
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        if (!(is_digit(c) || ((c | 32) >= 'a' && (c | 32) <= 'f')))
            return;
    }
    m->obs = v;
    m->obs_len = n;
    report(m, kz_indset_hash(m->s, v, n));
}

/* One field, for kz_match_field and, inlined in its loop, kz_match_fields; m holds the
 * line's lookups and the count of runs reported. */
__attribute__((always_inline)) static inline void match_one(mctx *m, kz_match_scratch *sc,
                                                            const kz_logfield *f)
{
    m->f = f;
    m->defer_v4 = m->v4_deferred = false;
    switch (f->kind) {
    case KZ_OBS_IP:
        match_ip(m, f->v, f->len);
        break;
    case KZ_OBS_HOST:
        match_host(m, sc, f->v, f->len);
        break;
    case KZ_OBS_URL:
        match_url(m, sc, f->v, f->len);
        break;
    case KZ_OBS_EMAIL:
        match_email(m, sc, f->v, f->len);
        break;
    case KZ_OBS_HASH:
        match_hash(m, f->v, f->len);
        break;
    default:
        break;
    }
}

int kz_match_field(const kz_indset *s, kz_match_scratch *sc, const kz_logfield *f, kz_match_cb cb,
                   kz_match_ip_cb ip_cb, void *ctx)
{
    mctx m = {.s = s, .cb = cb, .ip_cb = ip_cb, .ctx = ctx};
    match_one(&m, sc, f);
    return m.hits;
}

int kz_match_fields(const kz_indset *s, kz_match_scratch *sc, const kz_logfield *f, int n,
                    kz_match_cb cb, kz_match_ip_cb ip_cb, void *ctx)
{
    mctx m = {.s = s, .cb = cb, .ip_cb = ip_cb, .ctx = ctx};
    for (int i = 0; i < n; i++)
        match_one(&m, sc, &f[i]);
    return m.hits;
}

/* The kind of field an indicator type is written in. */
static const kz_obs_kind own_kind[KZ_IND_TYPE_COUNT] = {
    [KZ_IND_IPV4] = KZ_OBS_IP,    [KZ_IND_IPV6] = KZ_OBS_IP,     [KZ_IND_CIDR] = KZ_OBS_IP,
    [KZ_IND_DOMAIN] = KZ_OBS_HOST, [KZ_IND_URL] = KZ_OBS_URL,    [KZ_IND_EMAIL] = KZ_OBS_EMAIL,
    [KZ_IND_MD5] = KZ_OBS_HASH,   [KZ_IND_SHA1] = KZ_OBS_HASH,   [KZ_IND_SHA256] = KZ_OBS_HASH,
    [KZ_IND_ASN] = KZ_OBS_IP,
};

bool kz_match_prefer(kz_ind_type type, kz_obs_kind held, kz_obs_kind cand)
{
    if ((unsigned)type >= KZ_IND_TYPE_COUNT)
        return false;
    return cand == own_kind[type] && held != own_kind[type];
}
