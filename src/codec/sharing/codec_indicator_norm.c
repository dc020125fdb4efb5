/* Indicator normalization (the rules are listed in indicator_norm.h): strict parsers
 * and canonical text for addresses and prefixes, host names (libidn2 for IDNA2008 with
 * UTS #46 mapping, libpsl for registrable domains), URLs (RFC 3986 section 6), e-mail
 * addresses, hashes and AS numbers. The buffer-level functions serve the matcher's hot
 * path; kz_indicator_normalize wraps them for import and the API. */
#include "codec/sharing/indicator_norm.h"

#include "model/enums.h"
#include "util/alloc.h"
#include "util/checksum.h"
#include "util/utf8.h"

#include <arpa/inet.h>
#include <idn2.h>
#include <libpsl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const ind_type_values[] = {"ipv4", "ipv6", "cidr",  "domain", "url",
                                              "email", "md5", "sha1", "sha256", "asn"};
_Static_assert(sizeof ind_type_values / sizeof *ind_type_values == KZ_IND_TYPE_COUNT,
               "one wire name per indicator type");
const kz_enum kz_ind_type_enum = {"indicator type", ind_type_values, KZ_IND_TYPE_COUNT};

static const char hexdig[] = "0123456789ABCDEF";

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void trim(const char **s, size_t *n)
{
    while (*n && is_blank(**s))
        (*s)++, (*n)--;
    while (*n && is_blank((*s)[*n - 1]))
        (*n)--;
}

/* A byte for a message: the character itself when printable ASCII, else \xHH. */
static const char *show_byte(unsigned char c, char buf[8])
{
    if (c >= 0x20 && c < 0x7F)
        snprintf(buf, 8, "'%c'", c);
    else
        snprintf(buf, 8, "\\x%02X", c);
    return buf;
}

/* ---- addresses ------------------------------------------------------------------ */

/* Parses one IPv4 address; on failure *why says what is wrong. */
static bool ipv4_parse(const char *s, size_t n, unsigned char out[4], char *why, size_t wn)
{
    size_t i = 0;
    for (int k = 0; k < 4; k++) {
        if (k) {
            if (i >= n || s[i] != '.') {
                snprintf(why, wn, "an IPv4 address is four decimal octets separated by dots");
                return false;
            }
            i++;
        }
        size_t start = i;
        unsigned v = 0;
        while (i < n && i - start < 4 && is_digit(s[i]))
            v = v * 10 + (unsigned)(s[i++] - '0');
        size_t len = i - start;
        if (len == 0 || len > 3) {
            snprintf(why, wn, "an IPv4 address is four decimal octets separated by dots");
            return false;
        }
        if (v > 255) {
            snprintf(why, wn, "octet %d is %u, over 255", k + 1, v);
            return false;
        }
        if (len > 1 && s[start] == '0') {
            snprintf(why, wn, "octet %d has a leading zero (ambiguous: octal or decimal)", k + 1);
            return false;
        }
        out[k] = (unsigned char)v;
    }
    if (i != n) {
        snprintf(why, wn, "an IPv4 address is four decimal octets separated by dots");
        return false;
    }
    return true;
}

bool kz_ipv6_parse(const char *s, size_t n, unsigned char out[16])
{
    char tmp[48];  /* the longest IPv6 text is 45 characters */
    if (n < 2 || n >= sizeof tmp)
        return false;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (memchr(s, '\0', n))
        return false;
    return inet_pton(AF_INET6, tmp, out) == 1;
}

size_t kz_ipv6_format(const unsigned char a[16], char *out)
{
    unsigned w[8];
    for (int i = 0; i < 8; i++)
        w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
    if (!w[0] && !w[1] && !w[2] && !w[3] && !w[4] && w[5] == 0xFFFF)
        return (size_t)snprintf(out, 46, "::ffff:%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
    /* RFC 5952 4.2: the longest run of two or more zero groups, the first on a tie. */
    int best = -1, best_len = 0;
    for (int i = 0; i < 8;) {
        if (w[i]) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && !w[j])
            j++;
        if (j - i > best_len)
            best = i, best_len = j - i;
        i = j;
    }
    if (best_len < 2)
        best = -1;
    size_t len = 0;
    for (int i = 0; i < 8; i++) {
        if (best >= 0 && i >= best && i < best + best_len) {
            if (i == best)
                out[len++] = ':';
            continue;
        }
        if (i)
            out[len++] = ':';
        len += (size_t)snprintf(out + len, 5, "%x", w[i]);
    }
    if (best >= 0 && best + best_len == 8)
        out[len++] = ':';
    out[len] = '\0';
    return len;
}

/* ---- host names ------------------------------------------------------------------ */

/* The registrable domains of the hosts last asked, per thread: an answer depends on the
 * host alone (the list is loaded once per process), and a feed names the same host, and
 * the same parent ("co.uk", "example.com"), again and again; a new host costs libpsl two
 * walks of its automaton, about 4,500 instructions. Direct-mapped, REG_SLOTS slots (768
 * KiB) made on a thread's first question and freed when the thread ends; a slot holds a
 * host of up to REG_HOST_MAX bytes and where its answer starts (-1: none). Without the
 * memory the answers come from libpsl each time. */
enum { REG_SLOTS = 16384, REG_HOST_MAX = 46 };
typedef struct {
    unsigned char len;  /* 0: empty */
    signed char off;
    char host[REG_HOST_MAX];
} reg_slot;
static pthread_key_t reg_key;
static bool reg_key_made;
static _Thread_local reg_slot *reg_cache;  /* owned by the thread, freed by reg_key */

static pthread_once_t psl_once = PTHREAD_ONCE_INIT;
static const psl_ctx_t *psl;

static void psl_load(void)
{
    /* The newest of the built-in list and Debian's publicsuffix file. */
    psl = psl_latest(NULL);
    if (!psl)
        psl = psl_builtin();
    reg_key_made = pthread_key_create(&reg_key, kz_free) == 0;
}


static const char *registrable_cached(const char *host, size_t n);

/* libpsl's answer for host[0..n) (NUL-terminated at n), built from its parent's: its loop
 * asks whether host is a public suffix, and if not, goes on with the parent exactly as a
 * call for the parent would (when the parent is a name: not empty, no leading dot, and no
 * more than libpsl's 8 dots in host, past which it looks at the last labels only). So the
 * answer is none when host is public, else the parent's answer, or host when the parent
 * has none. tests/unit/test_indicators.c compares it with libpsl's own on varied hosts. */
static const char *registrable_search(const char *host, size_t n)
{
    const char *dot = memchr(host, '.', n);
    size_t dots = 0;
    for (const char *q = dot; q; q = memchr(q + 1, '.', n - (size_t)(q + 1 - host)))
        dots++;
    if (!dot || dot[1] == '.' || dot[1] == '\0' || dots > 8)
        return psl_registrable_domain(psl, host);
    if (psl_is_public_suffix(psl, host))
        return NULL;
    const char *r = registrable_cached(dot + 1, n - (size_t)(dot + 1 - host));
    return r ? r : host;
}

/* The calling thread's cache, made now; false without memory (then there is none). */
static bool reg_cache_make(void)
{
    if (!reg_key_made)
        return false;
    reg_cache = kz_calloc(REG_SLOTS, sizeof *reg_cache);
    if (reg_cache && pthread_setspecific(reg_key, reg_cache) != 0) {
        kz_free(reg_cache);
        reg_cache = NULL;
    }
    return reg_cache != NULL;
}

static const char *registrable_cached(const char *host, size_t n)
{
    if (n > REG_HOST_MAX || (!reg_cache && !reg_cache_make()))
        return registrable_search(host, n);
    reg_slot *s = &reg_cache[kz_hash_bytes(host, n) & (REG_SLOTS - 1)];
    if (s->len == n && memcmp(s->host, host, n) == 0)
        return s->off < 0 ? NULL : host + s->off;
    const char *r = registrable_search(host, n);
    s->len = (unsigned char)n;
    s->off = (signed char)(r ? r - host : -1);
    memcpy(s->host, host, n);
    return r;
}

const char *kz_registrable_domain(const char *host)
{
    pthread_once(&psl_once, psl_load);
    if (!psl || !host || !*host || host[0] == '[' || host[0] == '.')
        return NULL;
    size_t n = strlen(host);
    unsigned char ip[4];
    if (kz_ipv4_parse(host, n, ip))
        return NULL;
    return registrable_cached(host, n);
}

/* Checks the label rules on a lowercase ASCII name. */
static bool domain_check(const char *d, size_t n, char *why, size_t wn)
{
    char b[8];
    if (n == 0) {
        snprintf(why, wn, "is empty");
        return false;
    }
    if (n > KZ_DOMAIN_MAX) {
        snprintf(why, wn, "is %zu characters long, over the %d of a host name", n, KZ_DOMAIN_MAX);
        return false;
    }
    size_t start = 0;
    bool numeric = true;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || d[i] == '.') {
            size_t len = i - start;
            if (len == 0) {
                snprintf(why, wn, "has an empty label");
                return false;
            }
            if (len > 63) {
                snprintf(why, wn, "has a label of %zu characters, over 63", len);
                return false;
            }
            if (d[start] == '-' || d[i - 1] == '-') {
                snprintf(why, wn, "has a label that starts or ends with a hyphen");
                return false;
            }
            if (i == n && numeric) {
                snprintf(why, wn, "ends in a numeric label (an address is not a domain)");
                return false;
            }
            start = i + 1;
            numeric = true;
            continue;
        }
        char c = d[i];
        if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '-' || c == '_')) {
            snprintf(why, wn, "contains %s, not allowed in a host name",
                     show_byte((unsigned char)c, b));
            return false;
        }
        if (!is_digit(c))
            numeric = false;
    }
    return true;
}

/* A-labels ("xn--...") must decode: "xn--zz.com" is no name at all. Decoding is all
 * that is asked, not IDNA2008 validity, so that names registered before it (such as
 * emoji domains) stay indicators. Rare, so the allocation of libidn2 does not matter. */
static bool punycode_ok(const char *d, char *why, size_t wn)
{
    if (!strstr(d, "xn--"))
        return true;
    char *u = NULL;
    int rc = idn2_to_unicode_8z8z(d, &u, 0);
    idn2_free(u);
    if (rc == IDN2_OK)
        return true;
    snprintf(why, wn, "has an xn-- label that is not valid punycode (%s)", idn2_strerror(rc));
    return false;
}

/* Canonical host name into out; why gets the reason on failure. */
static kz_rc domain_canon(const char *s, size_t n, char *out, size_t cap, size_t *len, char *why,
                          size_t wn)
{
    char b[8];
    bool ascii = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7F) {
            snprintf(why, wn, "contains %s, not allowed in a host name", show_byte(c, b));
            return KZ_EINVAL;
        }
        if (c >= 0x80)
            ascii = false;
    }
    size_t m;
    if (ascii) {
        if (n >= cap) {
            snprintf(why, wn, "is %zu characters long, over the %d of a host name", n,
                     KZ_DOMAIN_MAX);
            return KZ_EINVAL;
        }
        for (size_t i = 0; i < n; i++)
            out[i] = lower(s[i]);
        m = n;
    } else {
        /* IDNA2008 with the UTS #46 non-transitional mapping: the lowercasing, width
         * folding and ideographic full stops browsers apply, then punycode. */
        char tmp[1024];
        if (n >= sizeof tmp) {
            snprintf(why, wn, "is %zu bytes long, over the %d of a host name", n, KZ_DOMAIN_MAX);
            return KZ_EINVAL;
        }
        if (kz_utf8_count(s, n) == (size_t)-1) {
            snprintf(why, wn, "is not valid UTF-8");
            return KZ_EINVAL;
        }
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        char *ace = NULL;
        int rc = idn2_to_ascii_8z(tmp, &ace, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
        if (rc != IDN2_OK) {
            snprintf(why, wn, "is not a valid internationalized domain name (%s)",
                     idn2_strerror(rc));
            return KZ_EINVAL;
        }
        m = strlen(ace);
        if (m >= cap) {
            idn2_free(ace);
            snprintf(why, wn, "is %zu characters long in punycode, over the %d of a host name", m,
                     KZ_DOMAIN_MAX);
            return KZ_EINVAL;
        }
        for (size_t i = 0; i < m; i++)
            out[i] = lower(ace[i]);
        idn2_free(ace);
    }
    if (m && out[m - 1] == '.')
        m--;  /* the root label: "example.com." is "example.com" */
    out[m] = '\0';
    if (!domain_check(out, m, why, wn) || !punycode_ok(out, why, wn))
        return KZ_EINVAL;
    *len = m;
    return KZ_OK;
}

kz_rc kz_domain_canon(const char *s, size_t n, char *out, size_t cap, size_t *len,
                      const char *field, kz_err *err)
{
    char why[160];
    if (domain_canon(s, n, out, cap, len, why, sizeof why) != KZ_OK)
        return kz_fail(err, KZ_EINVAL, field, "the host name %s", why);
    return KZ_OK;
}

/* ---- URLs ------------------------------------------------------------------------- */

typedef struct writer {
    char *p;
    size_t len, cap;
    bool over;
} writer;

static void put(writer *w, char c)
{
    if (w->len + 1 >= w->cap) {
        w->over = true;
        return;
    }
    w->p[w->len++] = c;
}

static void put_n(writer *w, const char *s, size_t n)
{
    if (w->len + n >= w->cap) {
        w->over = true;
        return;
    }
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

static bool unreserved(unsigned char c)
{
    return is_alpha((char)c) || is_digit((char)c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static bool sub_delim(unsigned char c) { return c && strchr("!$&'()*+,;=", c) != NULL; }

enum component { C_USERINFO, C_PATH, C_QUERY };

static bool allowed(unsigned char c, enum component comp)
{
    if (unreserved(c) || sub_delim(c) || c == ':')
        return true;
    if (comp == C_USERINFO)
        return false;
    return c == '@' || c == '/' || (comp == C_QUERY && c == '?');
}

/* RFC 3986 6.2.2.1 and 6.2.2.2: decode what need not be encoded, uppercase the hex of
 * what must stay encoded, and encode what may not appear raw (spaces, non-ASCII). */
static bool pct_normalize(writer *w, const char *s, size_t n, enum component comp, char *why,
                          size_t wn)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            int hi = i + 1 < n ? hexval(s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                snprintf(why, wn, "has a '%%' at %zu not followed by two hex digits", i + 1);
                return false;
            }
            unsigned char v = (unsigned char)(hi << 4 | lo);
            if (unreserved(v)) {
                put(w, (char)v);
            } else {
                char e[3] = {'%', hexdig[v >> 4], hexdig[v & 15]};
                put_n(w, e, 3);
            }
            i += 2;
        } else if (allowed(c, comp)) {
            put(w, (char)c);
        } else {
            char e[3] = {'%', hexdig[c >> 4], hexdig[c & 15]};
            put_n(w, e, 3);
        }
    }
    return true;
}

/* RFC 3986 5.2.4 in place on a path that starts with '/'; returns the new length. */
static size_t remove_dot_segments(char *p, size_t n)
{
    size_t r = 0, w = 0;
    while (r < n) {
        size_t e = r + 1;
        while (e < n && p[e] != '/')
            e++;
        size_t seg = e - r - 1;
        const char *z = p + r + 1;
        if ((seg == 1 && z[0] == '.') || (seg == 2 && z[0] == '.' && z[1] == '.')) {
            if (seg == 2)
                while (w > 0 && p[--w] != '/')
                    ;
            r = e;
            if (r == n)
                p[w++] = '/';
        } else {
            memmove(p + w, p + r, e - r);
            w += e - r;
            r = e;
        }
    }
    return w;
}

static unsigned default_port(const char *scheme, size_t n)
{
    static const struct {
        const char *name;
        unsigned port;
    } ports[] = {{"http", 80}, {"https", 443}, {"ws", 80}, {"wss", 443}, {"ftp", 21}};
    for (size_t i = 0; i < sizeof ports / sizeof *ports; i++)
        if (strlen(ports[i].name) == n && strncasecmp(ports[i].name, scheme, n) == 0)
            return ports[i].port;
    return 0;
}

/* One URL being canonicalized: the input, the output so far, and the reason of the
 * first failure (why, wn bytes). */
typedef struct url_parse {
    const char *s;
    size_t n;
    writer w;
    char *why;
    size_t wn;
    size_t scheme_len;
} url_parse;

static bool url_fail(url_parse *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool url_fail(url_parse *u, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(u->why, u->wn, fmt, ap);
    va_end(ap);
    return false;
}

static bool url_no_controls(url_parse *u)
{
    char b[8];
    for (size_t i = 0; i < u->n; i++) {
        unsigned char c = (unsigned char)u->s[i];
        if (c < 0x20 || c == 0x7F)
            return url_fail(u, "contains the control character %s", show_byte(c, b));
    }
    return true;
}

/* scheme ":" "//", the scheme lowercased; *at: where the authority starts. */
static bool url_scheme(url_parse *u, size_t *at)
{
    const char *s = u->s;
    size_t i = 0, n = u->n;
    if (n == 0 || !is_alpha(s[0]))
        return url_fail(u, "needs a scheme such as http://");
    while (i < n && (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'))
        i++;
    if (i >= n || s[i] != ':')
        return url_fail(u, "needs a scheme such as http://");
    u->scheme_len = i;
    for (size_t k = 0; k < i; k++)
        put(&u->w, lower(s[k]));
    if (n - i < 3 || s[i + 1] != '/' || s[i + 2] != '/')
        return url_fail(u, "needs an authority: scheme://host/...");
    put_n(&u->w, "://", 3);
    *at = i + 3;
    return true;
}

/* [ userinfo "@" ] of the authority s[auth..end); *host: where the host starts. */
static bool url_userinfo(url_parse *u, size_t auth, size_t end, size_t *host)
{
    *host = auth;
    for (size_t k = end; k > auth; k--) {
        if (u->s[k - 1] == '@') {
            if (!pct_normalize(&u->w, u->s + auth, k - 1 - auth, C_USERINFO, u->why, u->wn))
                return false;
            put(&u->w, '@');
            *host = k;
            return true;
        }
    }
    return true;
}

/* "[" IPv6 "]" at s[hp], in its canonical text; *port_at: just after it. */
static bool url_ip_literal(url_parse *u, size_t hp, size_t end, size_t *port_at)
{
    size_t close = hp + 1;
    while (close < end && u->s[close] != ']')
        close++;
    unsigned char a6[16];
    if (close == end || !kz_ipv6_parse(u->s + hp + 1, close - hp - 1, a6))
        return url_fail(u, "has a bracketed host that is not an IPv6 address");
    char t[48];
    size_t tl = kz_ipv6_format(a6, t);
    put(&u->w, '[');
    put_n(&u->w, t, tl);
    put(&u->w, ']');
    *port_at = close + 1;
    if (*port_at < end && u->s[*port_at] != ':')
        return url_fail(u, "has text after the bracketed host");
    return true;
}

/* A reg-name s[hp..he) with its percent-encoding decoded (RFC 3986 3.2.2) into raw. */
static bool url_host_decode(url_parse *u, size_t hp, size_t he, char *raw, size_t size, size_t *rl)
{
    const char *s = u->s;
    *rl = 0;
    for (size_t k = hp; k < he; k++) {
        if (*rl + 1 >= size)
            return url_fail(u, "has a host over %d characters", KZ_DOMAIN_MAX);
        if (s[k] == '%') {
            int hi = k + 1 < he ? hexval(s[k + 1]) : -1;
            int lo = k + 2 < he ? hexval(s[k + 2]) : -1;
            if (hi < 0 || lo < 0)
                return url_fail(u, "has a '%%' in the host not followed by two hex digits");
            raw[(*rl)++] = (char)(hi << 4 | lo);
            k += 2;
        } else {
            raw[(*rl)++] = s[k];
        }
    }
    return true;
}

/* A host name or IPv4 address at s[hp], decoded, then as an address or a canonical
 * domain; *port_at: just after it. */
static bool url_reg_name(url_parse *u, size_t hp, size_t end, size_t *port_at)
{
    size_t he = hp;
    while (he < end && u->s[he] != ':')
        he++;
    *port_at = he;
    if (he == hp)
        return url_fail(u, "has no host");
    char raw[1024];
    size_t rl;
    if (!url_host_decode(u, hp, he, raw, sizeof raw, &rl))
        return false;
    unsigned char a4[4];
    if (kz_ipv4_parse(raw, rl, a4)) {
        put_n(&u->w, raw, rl);
        return true;
    }
    char host[KZ_DOMAIN_MAX + 2], hwhy[128];
    size_t hl;
    if (domain_canon(raw, rl, host, sizeof host, &hl, hwhy, sizeof hwhy) != KZ_OK)
        return url_fail(u, "has a host that %s", hwhy);
    put_n(&u->w, host, hl);
    return true;
}

/* ":" port at s[at] (when at < end), left out when it is the scheme's default. */
static bool url_port(url_parse *u, size_t at, size_t end)
{
    if (at >= end)  /* else s[at] == ':' */
        return true;
    unsigned long port = 0;
    bool digits = false;
    for (size_t k = at + 1; k < end; k++) {
        if (!is_digit(u->s[k]))
            return url_fail(u, "has a port that is not a number");
        port = port * 10 + (unsigned long)(u->s[k] - '0');
        digits = true;
        if (port > 65535)
            return url_fail(u, "has a port over 65535");
    }
    if (digits && port != default_port(u->s, u->scheme_len)) {
        char t[8];
        int tl = snprintf(t, sizeof t, ":%lu", port);
        put_n(&u->w, t, (size_t)tl);
    }
    return true;
}

/* The path from s[p] (at least "/", dot segments removed), then the query; the
 * fragment is left out. */
static bool url_path_query(url_parse *u, size_t p)
{
    const char *s = u->s;
    size_t n = u->n, pe = p;
    while (pe < n && s[pe] != '?' && s[pe] != '#')
        pe++;
    size_t path_start = u->w.len;
    if (pe == p) {
        put(&u->w, '/');
    } else {
        if (!pct_normalize(&u->w, s + p, pe - p, C_PATH, u->why, u->wn))
            return false;
        if (!u->w.over)
            u->w.len = path_start + remove_dot_segments(u->w.p + path_start, u->w.len - path_start);
    }
    if (pe < n && s[pe] == '?') {
        size_t q = pe + 1, qe = q;
        while (qe < n && s[qe] != '#')
            qe++;
        put(&u->w, '?');
        if (!pct_normalize(&u->w, s + q, qe - q, C_QUERY, u->why, u->wn))
            return false;
    }
    return true;
}

/* The phases in order: characters, scheme, authority (userinfo, host, port), path and
 * query, then the length. */
static kz_rc url_canon(const char *s, size_t n, char *out, size_t cap, size_t *len,
                       size_t *host_off, size_t *host_len, char *why, size_t wn)
{
    url_parse u = {s, n, {out, 0, cap, false}, why, wn, 0};
    size_t auth = 0, hp = 0, port_at = 0;
    if (!url_no_controls(&u) || !url_scheme(&u, &auth))
        return KZ_EINVAL;
    size_t auth_end = auth;
    while (auth_end < n && s[auth_end] != '/' && s[auth_end] != '?' && s[auth_end] != '#')
        auth_end++;
    if (!url_userinfo(&u, auth, auth_end, &hp))
        return KZ_EINVAL;
    size_t hoff = u.w.len;
    bool literal = hp < auth_end && s[hp] == '[';
    if (!(literal ? url_ip_literal(&u, hp, auth_end, &port_at) : url_reg_name(&u, hp, auth_end, &port_at)))
        return KZ_EINVAL;
    size_t hlen = u.w.len - hoff;
    if (!url_port(&u, port_at, auth_end) || !url_path_query(&u, auth_end))
        return KZ_EINVAL;
    if (u.w.over || u.w.len > KZ_URL_MAX) {
        snprintf(why, wn, "is longer than %d characters", KZ_URL_MAX);
        return KZ_ETOOBIG;
    }
    out[u.w.len] = '\0';
    *len = u.w.len;
    if (host_off)
        *host_off = hoff;
    if (host_len)
        *host_len = hlen;
    return KZ_OK;
}

kz_rc kz_url_canon(const char *s, size_t n, char *out, size_t cap, size_t *len,
                   size_t *host_off, size_t *host_len, const char *field, kz_err *err)
{
    char why[200];
    kz_rc rc = url_canon(s, n, out, cap, len, host_off, host_len, why, sizeof why);
    if (rc != KZ_OK)
        return kz_fail(err, rc, field, "the URL %s", why);
    return KZ_OK;
}

/* ---- the other types ---------------------------------------------------------------- */

static bool email_local_ok(const char *s, size_t n, char *why, size_t wn)
{
    char b[8];
    if (n == 0 || n > 64) {
        snprintf(why, wn, "has a local part of %zu characters (1 to 64)", n);
        return false;
    }
    if (s[0] == '.' || s[n - 1] == '.') {
        snprintf(why, wn, "has a local part that starts or ends with a dot");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.' && i + 1 < n && s[i + 1] == '.') {
            snprintf(why, wn, "has two dots in a row in the local part");
            return false;
        }
        /* RFC 5322 atext, dots, and UTF-8 (RFC 6531) */
        if (!(c >= 0x80 || is_alpha((char)c) || is_digit((char)c) || c == '.' ||
              strchr("!#$%&'*+-/=?^_`{|}~", c))) {
            snprintf(why, wn, "contains %s in the local part", show_byte(c, b));
            return false;
        }
    }
    return true;
}

static kz_rc hash_norm(const char *s, size_t n, size_t want, kz_arena *a, const char *field,
                       kz_norm *out, kz_err *err)
{
    char b[8];
    if (n != want)
        return kz_fail(err, KZ_EINVAL, field, "a %s is %zu hex digits, this has %zu characters",
                       want == 32 ? "md5" : want == 40 ? "sha1" : "sha256", want, n);
    char *v = kz_arena_alloc(a, n + 1);
    if (!v)
        return kz_fail(err, KZ_ENOMEM, field, NULL);
    for (size_t i = 0; i < n; i++) {
        if (hexval(s[i]) < 0) {
            return kz_fail(err, KZ_EINVAL, field, "character %zu is %s, not a hex digit", i + 1,
                           show_byte((unsigned char)s[i], b));
        }
        v[i] = lower(s[i]);
    }
    v[n] = '\0';
    out->value = v;
    return KZ_OK;
}

static bool parse_u32(const char *s, size_t n, uint64_t max, uint64_t *v)
{
    if (n == 0 || n > 10)
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return false;
        x = x * 10 + (uint64_t)(s[i] - '0');
    }
    if (x > max)
        return false;
    *v = x;
    return true;
}

static kz_rc asn_norm(const char *s, size_t n, kz_arena *a, const char *field, kz_norm *out,
                      kz_err *err)
{
    if (n >= 2 && lower(s[0]) == 'a' && lower(s[1]) == 's')
        s += 2, n -= 2;
    const char *dot = memchr(s, '.', n);
    uint64_t v, hi, lo;
    if (dot) {  /* asdot, RFC 5396 */
        size_t hn = (size_t)(dot - s);
        if (!parse_u32(s, hn, 65535, &hi) || !parse_u32(dot + 1, n - hn - 1, 65535, &lo))
            return kz_fail(err, KZ_EINVAL, field,
                           "an AS number in asdot form is two numbers up to 65535 (AS1.10)");
        v = hi << 16 | lo;
    } else if (!parse_u32(s, n, UINT32_MAX, &v)) {
        return kz_fail(err, KZ_EINVAL, field,
                       "an AS number is AS followed by a number up to 4294967295 (AS64500)");
    }
    if (v == 0)
        return kz_fail(err, KZ_EINVAL, field,
                       "AS0 is reserved (RFC 7607) and never originates routes");
    out->asn = (uint32_t)v;
    out->value = kz_arena_printf(a, "AS%u", out->asn);
    return out->value ? KZ_OK : kz_fail(err, KZ_ENOMEM, field, NULL);
}

/* Dotted decimal into text (at least 16 bytes), without printf: loading a million
 * indicators formats a third of a million addresses. */
static void ipv4_format(const unsigned char a[4], char *text)
{
    size_t o = 0;
    for (int i = 0; i < 4; i++) {
        unsigned v = a[i];
        if (v >= 100)
            text[o++] = (char)('0' + v / 100);
        if (v >= 10)
            text[o++] = (char)('0' + v / 10 % 10);
        text[o++] = (char)('0' + v % 10);
        text[o++] = i < 3 ? '.' : '\0';
    }
}

static kz_rc addr_norm(kz_ind_type type, const char *s, size_t n, kz_arena *a, const char *field,
                       kz_norm *out, kz_err *err)
{
    char why[160];
    const char *slash = memchr(s, '/', n);
    size_t an = slash ? (size_t)(slash - s) : n;
    if (slash && type != KZ_IND_CIDR)
        return kz_fail(err, KZ_EINVAL, field, "a prefix length belongs to a cidr indicator");
    bool v6 = memchr(s, ':', an) != NULL;
    if (type == KZ_IND_IPV4 && v6)
        return kz_fail(err, KZ_EINVAL, field, "is an IPv6 address, not IPv4");
    if (type == KZ_IND_IPV6 && !v6)
        return kz_fail(err, KZ_EINVAL, field, "an IPv6 address has colons (2001:db8::1)");
    if (v6) {
        if (memchr(s, '%', an))
            return kz_fail(err, KZ_EINVAL, field,
                           "a zone index (%%...) has no meaning in an indicator");
        if (!kz_ipv6_parse(s, an, out->addr))
            return kz_fail(err, KZ_EINVAL, field, "is not an IPv6 address");
        out->family = 6;
        out->prefix_len = 128;
    } else {
        if (!ipv4_parse(s, an, out->addr, why, sizeof why))
            return kz_fail(err, KZ_EINVAL, field, "is not an IPv4 address: %s", why);
        out->family = 4;
        out->prefix_len = 32;
    }
    if (slash) {
        uint64_t len;
        size_t ln = n - an - 1;
        int max = out->family == 4 ? 32 : 128;
        if (!parse_u32(slash + 1, ln, (uint64_t)max, &len) || ln > 3 || (ln > 1 && slash[1] == '0'))
            return kz_fail(err, KZ_EINVAL, field, "the prefix length is a number from 0 to %d",
                           max);
        out->prefix_len = (int)len;
        /* mask the host bits */
        int bytes = out->family == 4 ? 4 : 16;
        for (int i = 0; i < bytes; i++) {
            int keep = out->prefix_len - 8 * i;
            if (keep <= 0)
                out->addr[i] = 0;
            else if (keep < 8)
                out->addr[i] &= (unsigned char)(0xFF << (8 - keep));
        }
    }
    char text[64];
    if (out->family == 4)
        ipv4_format(out->addr, text);
    else
        kz_ipv6_format(out->addr, text);
    out->value = type == KZ_IND_CIDR ? kz_arena_printf(a, "%s/%d", text, out->prefix_len)
                                     : kz_arena_strdup(a, text);
    return out->value ? KZ_OK : kz_fail(err, KZ_ENOMEM, field, NULL);
}

static kz_rc set_registrable(kz_norm *out, const char *host, kz_arena *a, const char *field,
                             kz_err *err)
{
    if (!out->want_registrable)
        return KZ_OK;
    const char *reg = kz_registrable_domain(host);
    out->registrable = reg ? kz_arena_strdup(a, reg) : NULL;
    if (reg && !out->registrable)
        return kz_fail(err, KZ_ENOMEM, field, NULL);
    return KZ_OK;
}

static kz_rc domain_norm(const char *s, size_t n, kz_arena *a, const char *field, kz_norm *out,
                         kz_err *err)
{
    if (n >= 2 && s[0] == '*' && s[1] == '.')
        s += 2, n -= 2;
    char d[KZ_DOMAIN_MAX + 2];
    size_t dl;
    kz_rc rc = kz_domain_canon(s, n, d, sizeof d, &dl, field, err);
    if (rc != KZ_OK)
        return rc;
    out->value = kz_arena_strndup(a, d, dl);
    if (!out->value)
        return kz_fail(err, KZ_ENOMEM, field, NULL);
    return set_registrable(out, out->value, a, field, err);
}

/* "mailto:..." or "urn:...": a scheme and ':' before any '/', not followed by a port. */
static bool has_scheme(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'))
        i++;
    if (i == 0 || i == n || s[i] != ':')
        return false;
    size_t k = i + 1;
    while (k < n && is_digit(s[k]))
        k++;
    return !(k > i + 1 && (k == n || s[k] == '/'));  /* "example.com:8080/x" is a host and port */
}

static kz_rc url_norm(const char *s, size_t n, kz_arena *a, const char *field, kz_norm *out,
                      kz_err *err)
{
    if (n > KZ_URL_MAX)
        return kz_fail(err, KZ_ETOOBIG, field, "the URL is longer than %d characters", KZ_URL_MAX);
    /* Without a scheme (MISP's url type allows "www.example.com/path"), the web's: http.
     * Only here, for indicators; an observed value without one is no URL to the matcher. */
    if (n && !memmem(s, n, "://", 3) && !has_scheme(s, n) &&
        (is_alpha(s[0]) || is_digit(s[0]) || (unsigned char)s[0] >= 0x80)) {
        char *with = kz_arena_alloc(a, n + 8);
        if (!with)
            return kz_fail(err, KZ_ENOMEM, field, NULL);
        memcpy(with, "http://", 7);
        memcpy(with + 7, s, n);
        with[n + 7] = '\0';
        s = with;
        n += 7;
    }
    /* The fragment goes first, so that a '*' before it is the prefix mark too. */
    const char *hash = memchr(s, '#', n);
    if (hash)
        n = (size_t)(hash - s);
    bool prefix = n && s[n - 1] == '*';
    if (prefix)
        n--;
    size_t cap = 3 * n + 16, len, hoff, hlen;
    char *v = kz_arena_alloc(a, cap + 1);
    if (!v)
        return kz_fail(err, KZ_ENOMEM, field, NULL);
    kz_rc rc = kz_url_canon(s, n, v, cap, &len, &hoff, &hlen, field, err);
    if (rc != KZ_OK)
        return rc;
    if (prefix) {
        v[len++] = '*';
        v[len] = '\0';
    }
    out->value = v;
    out->prefix = prefix;
    out->host = kz_arena_strndup(a, v + hoff, hlen);
    if (!out->host)
        return kz_fail(err, KZ_ENOMEM, field, NULL);
    return set_registrable(out, out->host, a, field, err);
}

static kz_rc email_norm(const char *s, size_t n, kz_arena *a, const char *field, kz_norm *out,
                        kz_err *err)
{
    char why[160];
    const char *at = NULL;
    for (size_t i = n; i > 0; i--)
        if (s[i - 1] == '@') {
            at = s + i - 1;
            break;
        }
    if (!at)
        return kz_fail(err, KZ_EINVAL, field, "an e-mail address has an '@'");
    size_t ln = (size_t)(at - s);
    if (kz_utf8_count(s, ln) == (size_t)-1)
        return kz_fail(err, KZ_EINVAL, field, "the local part is not valid UTF-8");
    if (!email_local_ok(s, ln, why, sizeof why))
        return kz_fail(err, KZ_EINVAL, field, "the e-mail address %s", why);
    char d[KZ_DOMAIN_MAX + 2];
    size_t dl;
    kz_rc rc = kz_domain_canon(at + 1, n - ln - 1, d, sizeof d, &dl, field, err);
    if (rc != KZ_OK)
        return rc;
    out->value = kz_arena_printf(a, "%.*s@%s", (int)ln, s, d);
    out->host = out->value ? out->value + ln + 1 : NULL;
    if (!out->value)
        return kz_fail(err, KZ_ENOMEM, field, NULL);
    const char *reg = out->want_registrable ? kz_registrable_domain(out->host) : NULL;
    out->registrable = reg ? (char *)reg : NULL;  /* points into value, which is in a */
    return KZ_OK;
}

kz_rc kz_indicator_normalize(kz_ind_type type, const char *in, size_t n, kz_arena *a,
                             const char *field, kz_norm *out, kz_err *err)
{
    return kz_indicator_normalize_as(type, in, n, a, field, true, out, err);
}

kz_rc kz_indicator_normalize_as(kz_ind_type type, const char *in, size_t n, kz_arena *a,
                                const char *field, bool registrable, kz_norm *out, kz_err *err)
{
    memset(out, 0, sizeof *out);
    out->want_registrable = registrable;
    if (!in)
        return kz_fail(err, KZ_EINVAL, field, "is missing");
    trim(&in, &n);
    if (n == 0)
        return kz_fail(err, KZ_EINVAL, field, "is empty");
    if (memchr(in, '\0', n))
        return kz_fail(err, KZ_EINVAL, field, "contains a NUL byte");
    switch (type) {
    case KZ_IND_IPV4:
    case KZ_IND_IPV6:
    case KZ_IND_CIDR:
        return addr_norm(type, in, n, a, field, out, err);
    case KZ_IND_DOMAIN:
        return domain_norm(in, n, a, field, out, err);
    case KZ_IND_URL:
        return url_norm(in, n, a, field, out, err);
    case KZ_IND_EMAIL:
        return email_norm(in, n, a, field, out, err);
    case KZ_IND_MD5:
        return hash_norm(in, n, 32, a, field, out, err);
    case KZ_IND_SHA1:
        return hash_norm(in, n, 40, a, field, out, err);
    case KZ_IND_SHA256:
        return hash_norm(in, n, 64, a, field, out, err);
    case KZ_IND_ASN:
        return asn_norm(in, n, a, field, out, err);
    case KZ_IND_TYPE_COUNT:
        break;
    }
    return kz_fail(err, KZ_EINVAL, field, "unknown indicator type");
}
