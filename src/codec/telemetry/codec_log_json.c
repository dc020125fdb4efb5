/* JSON lines: one object per line, scanned in one pass without building a tree (a
 * tree per line would be an allocation per line). Every string value becomes a field
 * named by its dotted path ("source.ip", arrays keep their parent's name); the
 * timestamp and the victim are found by name. Nesting is limited to 32 levels; a line
 * that is not one well-formed object is rejected. Two readers give the same answers:
 * the byte walk (the default, faster on the lines measured) and the walk of the line's
 * structural index (json_index.h), from token to token, where only strings with escapes
 * and runs that are not plain numbers are read byte by byte. What one line teaches the
 * next is kept in the context: the names at each position (a key at depth one equal to
 * the kept name is compared, not read) and values found to have no shape. */
#include "codec/telemetry/json_index.h"
#include "codec/telemetry/logfmt_internal.h"
#include "util/alloc.h"

#include <string.h>

enum { MAX_DEPTH = 32, PATH_MAX_LEN = 512 };

typedef struct jp {
    const kz_logfmt *f;
    kz_logctx *c;
    kz_record *rec;
    const char *s, *end;
    char path[PATH_MAX_LEN];
    /* the current dotted path, plen bytes: path, or at depth one the key itself (in the
     * line or the scratch, both outliving the walk), so that a flat line copies no name */
    const char *name;
    size_t plen;
    int depth, ts_rank, victim_rank;
    size_t nth;  /* values seen in the line so far */
    /* the index walk: the line's start, its index and the next entries to take */
    const char *line;
    const uint32_t *pos, *special;  /* pos[n]: a sentinel, see cur() */
    size_t n, ns, k, ks;
} jp;

static void ws(jp *p)
{
    while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' || *p->s == '\r' || *p->s == '\n'))
        p->s++;
}

/* Past any white space, whether the next byte is c (not white space itself). Lines
 * written compactly have none: the byte is looked at first and ws() left out. */
static inline bool at(jp *p, char c)
{
    if (p->s < p->end && *p->s == c)
        return true;
    ws(p);
    return p->s < p->end && *p->s == c;
}

static int hex4(const char *s)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char ch = s[i];
        int d = ch >= '0' && ch <= '9' ? ch - '0'
                : (ch | 32) >= 'a' && (ch | 32) <= 'f' ? (ch | 32) - 'a' + 10
                                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static size_t put_utf8(char *d, unsigned cp)
{
    if (cp < 0x80) {
        d[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (char)(0xC0 | cp >> 6);
        d[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (char)(0xE0 | cp >> 12);
        d[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        d[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    d[0] = (char)(0xF0 | cp >> 18);
    d[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    d[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    d[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A bit per byte of s[0..16) that ends a run of plain string text: a quote, a
 * backslash or a control character (bytes past end never do). */
#ifdef __SSE2__
static inline uint32_t special_mask(__m128i w)
{
    __m128i ctl = _mm_cmpeq_epi8(_mm_max_epu8(w, _mm_set1_epi8(0x1F)), _mm_set1_epi8(0x1F));
    __m128i q = _mm_or_si128(_mm_cmpeq_epi8(w, _mm_set1_epi8('"')), _mm_cmpeq_epi8(w, _mm_set1_epi8('\\')));
    return (uint32_t)_mm_movemask_epi8(_mm_or_si128(ctl, q));
}
#endif

static inline uint32_t special16(const char *s, const char *end, const char *line)
{
#ifdef __SSE2__
    if (end - s >= 16)
        return special_mask(_mm_loadu_si128((const __m128i *)s));
    if (end - line >= 16)  /* the line's last 16 bytes, shifted down to start at s */
        return special_mask(_mm_loadu_si128((const __m128i *)(end - 16))) >> (16 - (end - s));
    char tmp[16];
    memset(tmp, 'a', sizeof tmp);
    memcpy(tmp, s, (size_t)(end - s));
    return special_mask(_mm_loadu_si128((const __m128i *)tmp));
#else
    (void)line;
    uint32_t m = 0;
    for (int i = 0; i < 16 && s + i < end; i++) {
        unsigned char ch = (unsigned char)s[i];
        m |= (uint32_t)(ch == '"' || ch == '\\' || ch < 0x20) << i;
    }
    return m;
#endif
}

static bool string_escaped(jp *p, const char *start, const char **v, size_t *n);

/* At the opening quote: the string's text, pointing into the line when it has no
 * escapes, else unescaped into the scratch (string_escaped). Inline: a line's keys and
 * values are nearly all short strings without escapes. */
__attribute__((always_inline)) static inline bool string(jp *p, const char **v, size_t *n)
{
    const char *start = p->s + 1, *q = start, *end = p->end;  /* in registers: p->s is stored once */
    for (;;) {
        if (q >= end)
            return false;
        uint32_t m = special16(q, end, p->line);
        if (!m) {
            q += 16;
            continue;
        }
        q += __builtin_ctz(m);
        if (*q == '"') {
            *v = start;
            *n = (size_t)(q - start);
            p->s = q + 1;
            return true;
        }
        if (*q != '\\')
            return false;  /* a control character */
        p->s = q;
        return string_escaped(p, start, v, n);
    }
}

/* The rest of a string from its first backslash at p->s; start: its first byte. */
__attribute__((noinline)) static bool string_escaped(jp *p, const char *start, const char **v, size_t *n)
{
    /* escapes: never longer than the text they come from */
    char *d = kz__scratch(p->c, (size_t)(p->end - start));
    if (!d)
        return false;
    size_t o = (size_t)(p->s - start);
    memcpy(d, start, o);
    while (p->s < p->end) {
        unsigned char ch = (unsigned char)*p->s;
        if (ch == '"') {
            p->s++;
            *v = d;
            *n = o;
            p->c->used = (size_t)(d - p->c->scratch) + o;  /* give back what was not used */
            return true;
        }
        if (ch < 0x20)
            return false;
        if (ch != '\\') {
            d[o++] = (char)ch;
            p->s++;
            continue;
        }
        if (p->end - p->s < 2)
            return false;
        char e = p->s[1];
        p->s += 2;
        switch (e) {
        case '"': d[o++] = '"'; break;
        case '\\': d[o++] = '\\'; break;
        case '/': d[o++] = '/'; break;
        case 'b': d[o++] = '\b'; break;
        case 'f': d[o++] = '\f'; break;
        case 'n': d[o++] = '\n'; break;
        case 'r': d[o++] = '\r'; break;
        case 't': d[o++] = '\t'; break;
        case 'u': {
            if (p->end - p->s < 4)
                return false;
            int cp = hex4(p->s);
            p->s += 4;
            if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
                return false;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (p->end - p->s < 6 || p->s[0] != '\\' || p->s[1] != 'u')
                    return false;
                int lo = hex4(p->s + 2);
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return false;
                p->s += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            o += put_utf8(d + o, (unsigned)cp);  /* at most 4 bytes for 6 or 12 read */
            break;
        }
        default:
            return false;
        }
    }
    return false;
}

/* The shape of an auto field's value (kz__shape), answered from the context's memo of
 * values without one when it holds v, and kept there when v has none; a long value
 * starting with http:// or https:// by kz__shape's own first test, inline; a value starting
 * with a digit (mostly an address: not kept) by kz__shape_numeric's window when it lies
 * in the line p->line[0..p->end) (not unescaped into the scratch). */
__attribute__((always_inline)) static inline kz_obs_kind shape_of(const jp *p, const char *v, size_t n)
{
    kz_logctx *c = p->c;
    if ((unsigned char)(v[0] - '0') < 10) {
        uintptr_t a = (uintptr_t)v, l = (uintptr_t)p->line, e = (uintptr_t)p->end;
        if (a >= l && a + n <= e) {
            int k = kz__shape_numeric(p->line, (size_t)(e - l), (size_t)(a - l), n);
            if (k >= 0)
                return (kz_obs_kind)k;
        }
        return kz__shape(v, n);
    }
    if (n < 3 || n > KZ__NONE_LEN)
        return n <= 8192 && kz__http_url(v, n) ? KZ_OBS_URL : kz__shape(v, n);  /* kz__shape's first test */
    unsigned h = (unsigned)n * 37u + (unsigned char)v[0] * 5u + (unsigned char)v[1] + (unsigned char)v[n - 1] * 11u;
    kz__none_memo *m = &c->none[h % KZ__NONE_SLOTS];
    if (m->len == n && kz__same_bytes(m->v, v, n))
        return KZ_OBS_NONE;
    kz_obs_kind k = kz__shape(v, n);
    if (k == KZ_OBS_NONE) {
        m->len = (uint8_t)n;
        memcpy(m->v, v, n);
    }
    return k;
}

/* The current path where it outlives the walk: the key itself, or a copy of path. */
static const char *path_copy(jp *p)
{
    if (p->name != p->path)
        return p->name;
    char *d = kz__scratch(p->c, p->plen ? p->plen : 1);
    if (d)
        memcpy(d, p->path, p->plen);
    return d;
}

/* The current path for a field name that must outlive the walk: the memo's copy when it
 * is one of the line's first KZ__MEMO_SLOTS values (no later value of the line takes its
 * slot), else a copy in the scratch. */
static const char *name_of(jp *p, const kz__name_info *ni, size_t nth)
{
    return nth < KZ__MEMO_SLOTS && p->plen <= KZ__MEMO_NAME ? ni->name : path_copy(p);
}

/* A string (str) or number value v[0..n) of the current path. known: the memo's entry
 * for that path at this position when the key was matched against it (predicted_key),
 * else NULL. */
__attribute__((always_inline)) static inline void scalar_of(jp *p, const char *v, size_t n, bool str,
                                                            const kz__name_info *known)
{
    size_t nth = p->nth++;
    if (known && known->plain_auto && nth < KZ__MEMO_SLOTS) {
        /* the usual member: no rank to weigh, the memo's name kept (plen is its length),
         * the value only shaped: what the general path below does for it */
        kz_obs_kind kind;
        if (str && n && (kind = shape_of(p, v, n)) != KZ_OBS_NONE)
            kz__add_known(p->rec, known->name, p->plen, v, n, kind);
        return;
    }
    const kz__name_info *ni = known ? known : kz__name_info_of(p->c, nth, p->name, p->plen);
    int r = ni->ts;
    if (r >= 0 && (!p->rec->ts || r < p->ts_rank)) {
        p->rec->ts = v;
        p->rec->ts_len = n;
        p->ts_rank = r;
    }
    r = ni->victim;
    if (str && n && r >= 0 && (!p->rec->victim || r < p->victim_rank)) {
        const char *name = name_of(p, ni, nth);
        if (name) {
            p->rec->victim = v;
            p->rec->victim_len = n;
            p->rec->victim_field = name;
            p->rec->victim_field_len = p->plen;
            p->victim_rank = r;
        }
    }
    if (!str || n == 0)
        return;
    int kind = ni->kind;
    if (kind < 0)
        return;
    const char *name = name_of(p, ni, nth);
    if (!name)
        return;
    if (kind == KZ_OBS_TEXT)
        kz_text_extract(v, n, name, p->plen, p->rec);
    else if (kind != KZ_OBS_AUTO || (kind = shape_of(p, v, n)) != KZ_OBS_NONE)
        kz__add_known(p->rec, name, p->plen, v, n, (kz_obs_kind)kind);  /* kz__add_field inline */
}

__attribute__((always_inline)) static inline void scalar(jp *p, const char *v, size_t n, bool str)
{
    scalar_of(p, v, n, str, NULL);
}

static bool value(jp *p);

static bool literal(jp *p, const char *lit, size_t n)
{
    if ((size_t)(p->end - p->s) < n || memcmp(p->s, lit, n) != 0)
        return false;
    p->s += n;
    return true;
}

#ifdef __SSE2__
/* Of the 16 bytes at s (all readable): a bit for each digit or . e E + - (the bytes a
 * number's run is made of), and in *digit a bit for each digit. */
static inline uint32_t num16(const char *s, uint32_t *digit)
{
    __m128i w = _mm_loadu_si128((const __m128i *)s);
    __m128i d = _mm_sub_epi8(w, _mm_set1_epi8('0'));
    __m128i dig = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d);
    __m128i other = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(_mm_or_si128(w, _mm_set1_epi8(0x20)), _mm_set1_epi8('e')),
                                              _mm_cmpeq_epi8(w, _mm_set1_epi8('.'))),
                                 _mm_or_si128(_mm_cmpeq_epi8(w, _mm_set1_epi8('+')), _mm_cmpeq_epi8(w, _mm_set1_epi8('-'))));
    *digit = (uint32_t)_mm_movemask_epi8(dig);
    return (uint32_t)_mm_movemask_epi8(_mm_or_si128(dig, other));
}
#endif

/* An optional '-', then a run of digits and . e E + - with a digit in it: the loose
 * number the reader has always taken (its end is checked by what must follow). The run
 * is found 16 bytes at a time where 16 bytes are left, byte by byte near the line's end. */
__attribute__((always_inline)) static inline bool number_of(jp *p, const kz__name_info *known)
{
    static const unsigned char num[256] = {['0' ... '9'] = 3, ['.'] = 1, ['e'] = 1, ['E'] = 1,
                                           ['+'] = 1, ['-'] = 1};
    const char *start = p->s;
    if (p->s < p->end && *p->s == '-')
        p->s++;
    unsigned digits = 0;
#ifdef __SSE2__
    while (p->end - p->s >= 16) {
        uint32_t dig, run = num16(p->s, &dig);
        uint32_t stop = ~run & 0xFFFF;
        if (stop) {
            unsigned k = (unsigned)__builtin_ctz(stop);
            digits |= dig & ((1u << k) - 1) ? 2 : 0;
            p->s += k;
            goto done;
        }
        digits |= dig ? 2 : 0;
        p->s += 16;
    }
#endif
    while (p->s < p->end && num[(unsigned char)*p->s]) {
        digits |= num[(unsigned char)*p->s];
        p->s++;
    }
#ifdef __SSE2__
done:
#endif
    if (!(digits & 2))
        return false;
    scalar_of(p, start, (size_t)(p->s - start), false, known);
    return true;
}

static inline bool number(jp *p)
{
    return number_of(p, NULL);
}

/* At '{' or '[': -1 when nested too deep, 0 for an empty container (consumed), else 1. */
static int open_container(jp *p, char close)
{
    if (++p->depth > MAX_DEPTH)
        return -1;
    p->s++;
    if (at(p, close)) {
        p->s++;
        p->depth--;
        return 0;
    }
    return 1;
}

/* After a member or element: 1 when another follows, 0 at the closing bracket, -1 for
 * anything else. */
static int next_or_close(jp *p, char close)
{
    if (at(p, ',')) {
        p->s++;
        return 1;
    }
    if (p->s < p->end && *p->s == close) {
        p->s++;
        p->depth--;
        return 0;
    }
    return -1;
}

/* Appends key k to the path of a nested value: the path buffer takes the path first if
 * it is still a key at depth one. Left as it is when it would not fit. */
__attribute__((noinline)) static void path_append(jp *p, const char *k, size_t kn)
{
    if (p->plen + 1 + kn >= sizeof p->path)
        return;
    if (p->name != p->path) {
        memmove(p->path, p->name, p->plen);
        p->name = p->path;
    }
    p->path[p->plen++] = '.';
    memcpy(p->path + p->plen, k, kn);
    p->plen += kn;
}

/* Appends key k to the dotted path of the value being read (left as it is when it would
 * not fit); returns the length to restore once the value is read. At depth one the path
 * is k itself, not copied (inline: nearly every key of a flat line is one). */
static inline size_t path_push(jp *p, const char *k, size_t kn)
{
    size_t saved = p->plen;
    if (saved)
        path_append(p, k, kn);
    else if (kn < sizeof p->path) {
        p->name = k;
        p->plen = kn;
    }
    return saved;
}

/* A member's value: a string or a number (the values of a flat line) read here, without
 * a call; anything else by value(). White space before it is left to value(). known: as
 * for scalar_of, given to a string or number only (a container's values are others). */
__attribute__((always_inline)) static inline bool member_value(jp *p, const kz__name_info *known)
{
    if (p->s < p->end) {
        if (*p->s == '"') {
            const char *v;
            size_t n;
            if (!string(p, &v, &n))
                return false;
            scalar_of(p, v, n, true, known);
            return true;
        }
        if ((unsigned char)(*p->s - '0') < 10)
            return number_of(p, known);
    }
    return value(p);
}

/* At a key's opening quote at depth one: the memo's entry for the line's next value when
 * the key is the name it holds, written without escapes and followed at once by the
 * colon (a plain name has no quote, backslash or control character, so the bytes after
 * the quote are the key exactly when they are the name followed by a quote); else NULL.
 * Lines of one log repeat their keys in the same order, so the key is told by one
 * comparison, not read. */
static inline const kz__name_info *predicted_key(const jp *p)
{
    const kz__name_info *m = &p->c->memo[p->nth % KZ__MEMO_SLOTS];
    size_t len = m->len;
    if (!m->plain || (size_t)(p->end - p->s) < len + 3 || !kz__same_bytes(m->name, p->s + 1, len + 2))
        return NULL;
    return m;
}

/* After a member: 1 at the next key's opening quote (the comma taken), 0 at the closing
 * brace (taken), -1 for anything else. A compact line's ,\" is one two-byte compare. */
static inline int next_key(jp *p)
{
    if (p->end - p->s >= 2 && kz__word(p->s, 2) == (uint64_t)(',' | '"' << 8)) {
        p->s++;
        return 1;
    }
    int more = next_or_close(p, '}');
    return more > 0 && !at(p, '"') ? -1 : more;
}

/* After a member at depth one, at p->s: the memo's entry for the line's next value when
 * the next bytes are ,"name": with its plain name (sep), the comma then taken, so that
 * p->s is at the key's quote as for predicted_key; else NULL, nothing taken. One 16-byte
 * compare for the comma, the key and the colon, where 16 bytes are left in the line. */
static inline const kz__name_info *predicted_next(jp *p)
{
#ifdef __SSE2__
    const kz__name_info *m = &p->c->memo[p->nth % KZ__MEMO_SLOTS];
    if (p->end - p->s < 16)
        return NULL;
    __m128i eq = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)p->s), _mm_loadu_si128((const __m128i *)m->sep));
    uint32_t want = m->sep_want;
    if (((uint32_t)_mm_movemask_epi8(eq) & want) != want)
        return NULL;
    p->s++;
    return m;
#else
    (void)p;
    return NULL;
#endif
}

static bool object(jp *p)
{
    int more = open_container(p, '}');
    if (more > 0 && !at(p, '"'))
        return false;
    bool top = p->plen == 0;  /* a key here is the value's path: the memo predicts it */
    const kz__name_info *known = more > 0 && top ? predicted_key(p) : NULL;
    while (more > 0) {
        size_t saved;
        if (known) {  /* at depth one (plen 0): the path is the key, of at most 96 bytes */
            p->name = p->s + 1;
            p->plen = known->len;
            p->s += known->len + 3;  /* past the colon */
            saved = 0;
        } else {
            const char *k;
            size_t kn;
            if (!string(p, &k, &kn) || !at(p, ':'))
                return false;
            p->s++;
            saved = path_push(p, k, kn);
        }
        if (!member_value(p, known))
            return false;
        p->plen = saved;
        if (top && (known = predicted_next(p)) != NULL)
            continue;
        more = next_key(p);
        known = more > 0 && top ? predicted_key(p) : NULL;
    }
    return more == 0;
}

static bool array(jp *p)
{
    int more = open_container(p, ']');
    while (more > 0) {
        if (!value(p))
            return false;
        more = next_or_close(p, ']');
    }
    return more == 0;
}

static bool value(jp *p)
{
    if (p->s >= p->end || (unsigned char)*p->s <= ' ')
        ws(p);  /* above ' ' is no white space: the usual case */
    if (p->s >= p->end)
        return false;
    switch (*p->s) {
    case '"': {
        const char *v;
        size_t n;
        if (!string(p, &v, &n))
            return false;
        scalar(p, v, n, true);
        return true;
    }
    case '{':
        return object(p);
    case '[':
        return array(p);
    case 't':
        return literal(p, "true", 4);
    case 'f':
        return literal(p, "false", 5);
    case 'n':
        return literal(p, "null", 4);
    default:
        return number(p);
    }
}

/* The walk's state at a line's start, field by field: the path buffer (512 bytes) is
 * left as it is, as nothing reads it before writing it (a designated initializer would
 * zero it for every line). */
static inline void walk_init(jp *p, const kz_logfmt *f, kz_logctx *c, kz_record *rec, const char *s,
                             size_t n)
{
    p->f = f;
    p->c = c;
    p->rec = rec;
    p->s = p->line = s;
    p->end = s + n;
    p->name = p->path;
    p->plen = 0;
    p->depth = p->ts_rank = p->victim_rank = 0;
    p->nth = 0;
    p->pos = p->special = NULL;
    p->n = p->ns = p->k = p->ks = 0;
}

/* The byte-by-byte walk: the default reader, the reference the index walk answers like,
 * and the reader when the index cannot be had (no memory for it). */
static int parse_bytes(const kz_logfmt *f, kz_logctx *c, const char *s, size_t n, kz_record *rec)
{
    jp p;
    walk_init(&p, f, c, rec, s, n);
    ws(&p);
    if (p.s >= p.end)
        return 0;
    if (*p.s != '{' || !object(&p))
        return -1;
    ws(&p);
    return p.s == p.end ? 1 : -1;
}

/* ---- the index walk: the same grammar and the same calls as the byte walk above ---- */

static bool iw_value(jp *p);

/* The byte at the next entry. Past the last entry is a sentinel, the line's first
 * entry, its opening '{': iw_value checks for the end, and nowhere else does the walk
 * take a '{'. */
static inline unsigned char cur(const jp *p)
{
    return (unsigned char)p->line[p->pos[p->k]];
}

/* The string from o to e read by the byte walk's string(), which must end at e. */
__attribute__((noinline)) static bool iw_string_escaped(jp *p, uint32_t o, uint32_t e, const char **v,
                                                        size_t *n)
{
    while (p->ks < p->ns && p->special[p->ks] < e)
        p->ks++;
    p->s = p->line + o;
    return string(p, v, n) && p->s == p->line + e + 1;
}

/* At an opening quote: its text. The next entry is its closing quote (nothing inside a
 * string is an entry); a string with a backslash or a control character inside (an
 * entry of special before its end) is read by the byte walk. */
static inline bool iw_string(jp *p, const char **v, size_t *n)
{
    uint32_t o = p->pos[p->k], e = p->pos[p->k + 1];  /* no open string: always a pair */
    p->k += 2;
    if (p->ks < p->ns && p->special[p->ks] < e)
        return iw_string_escaped(p, o, e, v, n);
    *v = p->line + o + 1;
    *n = e - o - 1;
    return true;
}

static const unsigned char num_class[256] = {['0' ... '9'] = 3, ['.'] = 1, ['e'] = 1, ['E'] = 1,
                                             ['+'] = 1, ['-'] = 1};

/* At the start of a run of other bytes: a number (reported as the byte walk does) or
 * true, false, null; the run must be exactly that. A run of digits and . e E + - only
 * (no entry of special inside) that starts with a digit is a number without a look at
 * its bytes. */
static bool iw_scalar(jp *p)
{
    const char *v = p->line + p->pos[p->k];
    const char *e = p->k + 1 < p->n ? p->line + p->pos[p->k + 1] : p->end;
    p->k++;
    while (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n')
        e--;  /* stops at the run's first byte at the latest */
    size_t n = (size_t)(e - v);
    bool plain = !(p->ks < p->ns && p->special[p->ks] < (uint32_t)(e - p->line));
    if (plain && (unsigned char)(*v - '0') < 10) {
        scalar(p, v, n, false);
        return true;
    }
    while (p->ks < p->ns && p->special[p->ks] < (uint32_t)(e - p->line))
        p->ks++;
    switch (*v) {
    case 't':
        return n == 4 && memcmp(v, "true", 4) == 0;
    case 'f':
        return n == 5 && memcmp(v, "false", 5) == 0;
    case 'n':
        return n == 4 && memcmp(v, "null", 4) == 0;
    default:
        break;
    }
    const char *q = v + (*v == '-');
    unsigned all = 1, digits = 0;
    for (; q < e; q++) {
        unsigned k = num_class[(unsigned char)*q];
        all &= k != 0;
        digits |= k;
    }
    if (!all || !(digits & 2))
        return false;
    scalar(p, v, n, false);
    return true;
}

/* At '{' or '[': false when nested too deep; *empty when it closes at once (taken). */
static bool iw_open(jp *p, unsigned char close, bool *empty)
{
    if (++p->depth > MAX_DEPTH)
        return false;
    p->k++;
    *empty = cur(p) == close;
    if (*empty) {
        p->k++;
        p->depth--;
    }
    return true;
}

/* After a member or element: 1 at a comma, 0 at the closing bracket (both taken), -1
 * for anything else. */
static int iw_next(jp *p, unsigned char close)
{
    unsigned char ch = cur(p);
    p->k++;
    if (ch == ',')
        return 1;
    if (ch != close)
        return -1;
    p->depth--;
    return 0;
}

static bool iw_object(jp *p)
{
    bool empty;
    if (!iw_open(p, '}', &empty))
        return false;
    int more = !empty;
    while (more > 0) {
        const char *k;
        size_t kn;
        if (cur(p) != '"' || !iw_string(p, &k, &kn) || cur(p) != ':')
            return false;
        p->k++;
        size_t saved = path_push(p, k, kn);
        if (!iw_value(p))
            return false;
        p->plen = saved;
        more = iw_next(p, '}');
    }
    return more == 0;
}

static bool iw_array(jp *p)
{
    bool empty;
    if (!iw_open(p, ']', &empty))
        return false;
    int more = !empty;
    while (more > 0) {
        if (!iw_value(p))
            return false;
        more = iw_next(p, ']');
    }
    return more == 0;
}

static bool iw_value(jp *p)
{
    if (p->k >= p->n)
        return false;
    switch (cur(p)) {
    case '"': {
        const char *v;
        size_t n;
        if (!iw_string(p, &v, &n))
            return false;
        scalar(p, v, n, true);
        return true;
    }
    case '{':
        return iw_object(p);
    case '[':
        return iw_array(p);
    case '}':
    case ']':
    case ':':
    case ',':
        return false;
    default:
        return iw_scalar(p);
    }
}

/* Room in the context for the index of an n-byte line (n entries, the sentinel, and the
 * slots kz__jidx_build may write past the last entry);
 * false when there is none. */
static bool index_room(kz_logctx *c, size_t n)
{
    if (n + 4 <= c->jidx_cap)
        return true;
    size_t cap = n < 4096 ? 4096 : n + n / 2 + 8;
    if (cap > UINT32_MAX / 2)
        return false;
    uint32_t *b = kz_malloc(2 * cap * sizeof *b);
    if (!b)
        return false;
    kz_free(c->jidx);  /* the context owns the index buffer */
    c->jidx = b;
    c->jidx_cap = cap;
    return true;
}

int kz__parse_json(const kz_logfmt *f, kz_logctx *c, const char *s, size_t n, kz_record *rec)
{
    if (f->json_reader == KZ_JSON_BYTES || !index_room(c, n))
        return parse_bytes(f, c, s, n, rec);
    kz__jidx ix = {.pos = c->jidx, .special = c->jidx + c->jidx_cap};
    kz__jidx_build((kz__jidx_impl)(f->json_reader - KZ_JSON_SCALAR), s, n, &ix);
    if (ix.n == 0)
        return 0;  /* white space only */
    if (ix.open_string || s[ix.pos[0]] != '{')
        return -1;
    ix.pos[ix.n] = ix.pos[0];
    jp p;
    walk_init(&p, f, c, rec, s, n);
    p.pos = ix.pos;
    p.special = ix.special;
    p.n = ix.n;
    p.ns = ix.ns;
    if (!iw_object(&p))
        return -1;
    return p.k == ix.n ? 1 : -1;
}
