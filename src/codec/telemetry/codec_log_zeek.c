/* Zeek TSV logs. The header lines (#separator, #set_separator, #empty_field,
 * #unset_field, #fields, #types) decide how data lines split and what each column
 * holds: addr-typed columns are addresses, and by name: query and server_name are host
 * names, host + uri of http.log make a URL, referrer is a URL, mailfrom/rcptto are
 * e-mail addresses, md5/sha1/sha256 hashes; id.orig_h is the victim, ts the time.
 *
 * Headers may come again mid-file (logs concatenated): the reading thread notes each
 * header state with the block and offset of its line (kz__zeek_scan); a worker that
 * meets a header line in its block switches to the state noted for it. States are
 * immutable once published and live until the configuration is freed. */
#include "codec/telemetry/logfmt_internal.h"

#include "util/alloc.h"

#include <string.h>

/* Columns split at once by the separator mask; a header naming more goes by memchr. */
enum { Z_SPLIT_MAX = 128 };
_Static_assert(Z_SPLIT_MAX <= sizeof ((kz__zeek_hdr *)0)->want, "want holds every column index");

void kz__zeek_init(kz_logfmt *f)
{
    kz__zeek_hdr *h = &f->initial;
    memset(h, 0, sizeof *h);
    h->sep = '\t';
    h->set_sep = ',';
    memcpy(h->empty, "(empty)", 7);
    h->empty_len = 7;
    h->unset[0] = '-';
    h->unset_len = 1;
    h->host_col = h->uri_col = -1;
    f->current = h;
}

/* A copy of exactly n bytes (names may hold NUL bytes, which strndup would stop at). */
static char *dupn(const char *p, size_t n)
{
    char *d = kz_malloc(n + 1);
    if (d) {
        memcpy(d, p, n);
        d[n] = '\0';
    }
    return d;
}

static void hdr_free(kz__zeek_hdr *h)
{
    for (int i = 0; i < h->ncols; i++)
        kz_free(h->cols[i].name);
    kz_free(h->cols);
    kz_free(h);
}

void kz__zeek_free(kz_logfmt *f)
{
    kz__zeek_hdr *h = f->hdrs;
    while (h) {
        kz__zeek_hdr *next = h->next;
        hdr_free(h);
        h = next;
    }
    f->hdrs = NULL;
    f->current = &f->initial;
}

static bool name_is(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static bool ends_with(const char *s, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    return n >= k && memcmp(s + n - k, lit, k) == 0;
}

/* What a column holds, from its name and (when known) its Zeek type. */
static void classify(kz__zeek_col *col, const char *type, size_t tn)
{
    const char *s = col->name;
    size_t n = col->len;
    col->kind = KZ_OBS_NONE;
    col->role = Z_PLAIN;
    col->list = type && ((tn > 4 && memcmp(type, "set[", 4) == 0) ||
                         (tn > 7 && memcmp(type, "vector[", 7) == 0));
    bool addr = type && (name_is(type, tn, "addr") || name_is(type, tn, "set[addr]") ||
                         name_is(type, tn, "vector[addr]"));
    if (name_is(s, n, "ts")) {
        col->role = Z_TS;
        return;
    }
    if (name_is(s, n, "id.orig_h")) {
        col->kind = KZ_OBS_IP;
        col->role = Z_VICTIM;
        return;
    }
    if (addr || (!type && (ends_with(s, n, "_h") || ends_with(s, n, "_addr")))) {
        col->kind = KZ_OBS_IP;
        return;
    }
    if (name_is(s, n, "host")) {
        col->kind = KZ_OBS_HOST;
        col->role = Z_HOST;
    } else if (name_is(s, n, "uri")) {
        col->role = Z_URI;
    } else if (name_is(s, n, "query") || name_is(s, n, "server_name") || name_is(s, n, "sni")) {
        col->kind = KZ_OBS_HOST;
    } else if (name_is(s, n, "answers")) {
        col->kind = KZ_OBS_AUTO;
        col->list = 1;
    } else if (name_is(s, n, "referrer") || name_is(s, n, "origin")) {
        col->kind = KZ_OBS_URL;
    } else if (name_is(s, n, "mailfrom") || name_is(s, n, "rcptto") || name_is(s, n, "from") ||
               name_is(s, n, "to") || name_is(s, n, "reply_to")) {
        col->kind = KZ_OBS_EMAIL;
    } else if (name_is(s, n, "md5") || name_is(s, n, "sha1") || name_is(s, n, "sha256")) {
        col->kind = KZ_OBS_HASH;
    }
}

/* "\x09" style escapes of the #separator line. */
static char unescape_sep(const char *s, size_t n)
{
    if (n == 4 && s[0] == '\\' && s[1] == 'x') {
        int v = 0;
        for (int i = 2; i < 4; i++) {
            char ch = s[i];
            v = v * 16 + (ch >= '0' && ch <= '9' ? ch - '0' : (ch | 32) >= 'a' && (ch | 32) <= 'f' ? (ch | 32) - 'a' + 10 : 0);
        }
        return (char)v;
    }
    return n ? s[0] : '\t';
}

/* A copy of base with the header line applied, or base itself for lines that change
 * nothing; NULL when out of memory. */
static kz__zeek_hdr *apply(const kz__zeek_hdr *base, const char *s, size_t n, bool *changed)
{
    *changed = false;
    const char *sp = s;
    while (sp < s + n && *sp != '\t' && *sp != ' ')
        sp++;
    size_t kw = (size_t)(sp - s);
    const char *val = sp < s + n ? sp + 1 : s + n;
    size_t vn = (size_t)(s + n - val);
    enum { SEP, SETSEP, EMPTY, UNSET, FIELDS, TYPES, OTHER } what = OTHER;
    if (name_is(s, kw, "#separator"))
        what = SEP;
    else if (name_is(s, kw, "#set_separator"))
        what = SETSEP;
    else if (name_is(s, kw, "#empty_field"))
        what = EMPTY;
    else if (name_is(s, kw, "#unset_field"))
        what = UNSET;
    else if (name_is(s, kw, "#fields"))
        what = FIELDS;
    else if (name_is(s, kw, "#types"))
        what = TYPES;
    if (what == OTHER)
        return (kz__zeek_hdr *)base;
    kz__zeek_hdr *h = kz_calloc(1, sizeof *h);
    if (!h)
        return NULL;
    *h = *base;
    h->cols = NULL;
    h->ncols = 0;
    h->next = NULL;
    /* columns are copied (or replaced by #fields) so that every state owns its own */
    const char *names = NULL;
    size_t names_n = 0;
    if (what == FIELDS) {
        names = val;
        names_n = vn;
    }
    int want = 0;
    if (names) {
        want = 1;
        for (size_t i = 0; i < names_n; i++)
            want += names[i] == h->sep;
    } else {
        want = base->ncols;
    }
    if (want > 0) {
        h->cols = kz_calloc((size_t)want, sizeof *h->cols);
        if (!h->cols) {
            kz_free(h);
            return NULL;
        }
    }
    if (names) {
        const char *p = names, *end = names + names_n;
        for (int i = 0; i < want; i++) {
            const char *e = memchr(p, h->sep, (size_t)(end - p));
            size_t len = e ? (size_t)(e - p) : (size_t)(end - p);
            h->cols[i].name = dupn(p, len);
            if (!h->cols[i].name) {
                h->ncols = i;
                hdr_free(h);
                return NULL;
            }
            h->cols[i].len = len;
            classify(&h->cols[i], NULL, 0);
            h->ncols = i + 1;
            p += len + 1;
        }
    } else {
        for (int i = 0; i < want; i++) {
            h->cols[i] = base->cols[i];
            h->cols[i].name = dupn(base->cols[i].name, base->cols[i].len);
            if (!h->cols[i].name) {
                h->ncols = i;
                hdr_free(h);
                return NULL;
            }
            h->ncols = i + 1;
        }
    }
    switch (what) {
    case SEP:
        h->sep = unescape_sep(val, vn);
        break;
    case SETSEP:
        h->set_sep = vn ? val[0] : ',';
        break;
    case EMPTY:
        h->empty_len = vn < sizeof h->empty ? vn : sizeof h->empty - 1;
        memcpy(h->empty, val, h->empty_len);
        break;
    case UNSET:
        h->unset_len = vn < sizeof h->unset ? vn : sizeof h->unset - 1;
        memcpy(h->unset, val, h->unset_len);
        break;
    case TYPES: {
        const char *p = val, *end = val + vn;
        for (int i = 0; i < h->ncols && p <= end; i++) {
            const char *e = memchr(p, h->sep, (size_t)(end - p));
            size_t len = e ? (size_t)(e - p) : (size_t)(end - p);
            classify(&h->cols[i], p, len);
            p += len + 1;
        }
        break;
    }
    default:
        break;
    }
    h->host_col = h->uri_col = -1;
    h->nwant = 0;
    for (int i = 0; i < h->ncols; i++) {
        if (h->cols[i].role == Z_HOST)
            h->host_col = i;
        if (h->cols[i].role == Z_URI)
            h->uri_col = i;
        if (h->ncols <= Z_SPLIT_MAX && (h->cols[i].kind != KZ_OBS_NONE || h->cols[i].role != Z_PLAIN))
            h->want[h->nwant++] = (uint8_t)i;
    }
    *changed = true;
    return h;
}

kz_rc kz__zeek_scan(kz_logfmt *f, uint64_t seq, const char *data, size_t n)
{
    /* '#' is rare in Zeek data lines, so this is a memchr over the block */
    const char *p = data, *end = data + n;
    while ((p = memchr(p, '#', (size_t)(end - p))) != NULL) {
        if (p != data && p[-1] != '\n') {
            p++;
            continue;
        }
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (len && p[len - 1] == '\r')
            len--;
        bool changed;
        kz__zeek_hdr *h = apply(f->current, p, len, &changed);
        if (!h)
            return KZ_ENOMEM;
        if (changed) {
            h->seq = seq;
            h->offset = (size_t)(p - data);
            pthread_mutex_lock(&f->lock);
            h->next = f->hdrs;
            f->hdrs = h;
            f->current = h;
            pthread_mutex_unlock(&f->lock);
        }
        p += len ? len : 1;
    }
    return KZ_OK;
}

static const kz__zeek_hdr *state_for(const kz_logfmt *f, uint64_t seq, size_t off)
{
    kz_logfmt *m = (kz_logfmt *)f;  /* the list only grows; the lock orders the reads */
    pthread_mutex_lock(&m->lock);
    const kz__zeek_hdr *h = m->hdrs;
    while (h && !(h->seq == seq && h->offset == off))
        h = h->next;
    pthread_mutex_unlock(&m->lock);
    return h;
}

static void add_value(const kz__zeek_hdr *h, const kz__zeek_col *col, const char *v, size_t len,
                      kz_record *rec)
{
    if (!col->list) {
        if (col->kind == KZ_OBS_AUTO)
            kz__add_field(rec, col->name, col->len, v, len, col->kind);
        else
            kz__add_known(rec, col->name, col->len, v, len, col->kind);
        return;
    }
    const char *p = v, *end = v + len;
    while (p < end) {
        const char *e = memchr(p, h->set_sep, (size_t)(end - p));
        size_t k = e ? (size_t)(e - p) : (size_t)(end - p);
        if (k)
            kz__add_field(rec, col->name, col->len, p, k, col->kind);
        p += k + 1;
    }
}

/* "://" within s[0..n): an absolute target (libc's memmem costs more than the scan). The
 * common case, n == 16, by one SSE2 window: a colon with a slash one and two bytes on. */
static bool has_scheme_sep(const char *s, size_t n)
{
#ifdef __SSE2__
    if (n == 16) {
        __m128i w = _mm_loadu_si128((const __m128i *)(const void *)s);
        unsigned colon = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(w, _mm_set1_epi8(':')));
        unsigned slash = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(w, _mm_set1_epi8('/')));
        return (colon & slash >> 1 & slash >> 2) != 0;  /* a colon at 14 or 15 has no two after it */
    }
#endif
    for (size_t i = 0; i + 3 <= n; i++)
        if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/')
            return true;
    return false;
}

/* The host and URI columns of a line, kept to make the request's absolute URL. */
typedef struct target {
    const char *host, *uri;
    size_t host_len, uri_len;
} target;

/* http.log: the request line's target, made absolute with the Host header. */
static void absolute_target(kz_logctx *c, const target *t, kz_record *rec)
{
    if (t->uri_len > 7 && has_scheme_sep(t->uri, t->uri_len < 16 ? t->uri_len : 16)) {
        kz__add_known(rec, "uri", 3, t->uri, t->uri_len, KZ_OBS_URL);
    } else if (t->host && t->uri[0] == '/') {
        char *u = kz__scratch(c, 7 + t->host_len + t->uri_len);
        if (u) {
            memcpy(u, "http://", 7);
            memcpy(u + 7, t->host, t->host_len);
            memcpy(u + 7 + t->host_len, t->uri, t->uri_len);
            kz__add_known(rec, "host+uri", 8, u, 7 + t->host_len + t->uri_len, KZ_OBS_URL);
        }
    }
}

/* One column's value p[0..len): the timestamp, the victim, its field, the host or URI
 * kept in t. Nothing when it is not set (empty, the unset or the empty marker). */
__attribute__((always_inline)) static inline void column(const kz__zeek_hdr *h, const kz__zeek_col *col,
                                                         const char *p, size_t len, kz_record *rec,
                                                         target *t)
{
    if (len == 0 || (len == h->unset_len && memcmp(p, h->unset, len) == 0) ||
        (len == h->empty_len && memcmp(p, h->empty, len) == 0))
        return;
    if (col->role == Z_HOST) {
        t->host = p;
        t->host_len = len;
    } else if (col->role == Z_URI) {
        t->uri = p;
        t->uri_len = len;
    } else if (col->role == Z_TS) {
        rec->ts = p;
        rec->ts_len = len;
    } else if (col->role == Z_VICTIM) {
        rec->victim = p;
        rec->victim_len = len;
        rec->victim_field = col->name;
        rec->victim_field_len = col->len;
    }
    if (col->kind == KZ_OBS_NONE)
        return;
    if (!col->list && col->kind != KZ_OBS_AUTO)
        kz__add_known(rec, col->name, col->len, p, len, col->kind);  /* add_value's common case */
    else
        add_value(h, col, p, len, rec);
}

/* The columns of a line whose header names more than Z_SPLIT_MAX, one memchr each.
 * Returns -1 when the line has fewer columns than the header names. */
static int columns_wide(const kz__zeek_hdr *h, const char *s, size_t n, kz_record *rec, target *t)
{
    const char *p = s, *end = s + n;
    int i = 0;
    for (; i < h->ncols && p <= end; i++) {
        const char *e = memchr(p, h->sep, (size_t)(end - p));
        size_t len = e ? (size_t)(e - p) : (size_t)(end - p);
        column(h, &h->cols[i], p, len, rec, t);
        if (!e) {
            i++;
            break;
        }
        p = e + 1;
    }
    return i < h->ncols ? -1 : 1;
}

int kz__parse_zeek(const kz_logfmt *f, kz_logctx *c, const char *s, size_t n, size_t off,
                   kz_record *rec)
{
    if (s[0] == '#') {
        const kz__zeek_hdr *h = state_for(f, c->seq, off);
        if (h)
            c->zh = h;
        return 0;
    }
    const kz__zeek_hdr *h = c->zh;
    if (!h || h->ncols == 0)
        return -1;  /* data before any #fields line */
    target t = {0};
    if (h->ncols > Z_SPLIT_MAX) {
        if (columns_wide(h, s, n, rec, &t) < 0)
            return -1;
    } else {
        /* the columns at once by the separator mask; what follows the last named column
         * is left, as the walk of columns_wide leaves it */
        const char *v[Z_SPLIT_MAX];
        size_t len[Z_SPLIT_MAX];
        int got = kz__split_with(f->split_avx2, s, n, h->sep, false, '\0', v, len, h->ncols);
        if (got < h->ncols)
            return -1;  /* fewer columns than the header names */
        for (int k = 0; k < h->nwant; k++) {  /* not a port, a count: nothing to take there */
            int i = h->want[k];
            column(h, &h->cols[i], v[i], len[i], rec, &t);
        }
    }
    if (t.uri)
        absolute_target(c, &t, rec);
    return 1;
}
