/* Log formats: the configuration shared by the parsers (field lists, timestamp and
 * victim fields, CSV header), format detection from the first line, the per-thread
 * context, and the dispatch to the parser of each format. */
#include "codec/telemetry/json_index.h"
#include "codec/telemetry/logfmt_internal.h"

#include "codec/sharing/csv.h"
#include "codec/routing/events.h"

#include "util/alloc.h"
#include "util/cpu.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define KZ_SPLIT_AVX2 __attribute__((target("avx2,popcnt,bmi")))
#endif

static const char *const format_values[] = {"auto", "json", "csv", "tsv", "zeek", "squid", "text"};
_Static_assert(sizeof format_values / sizeof *format_values == KZ_FMT_COUNT,
               "one wire name per log format");
const kz_enum kz_log_format_enum = {"log format", format_values, KZ_FMT_COUNT};

/* Names tried, in order of preference, when --ts-field or --victim-field is not given.
 * A user name identifies a person better than an address shared behind NAT. */
static const char *const ts_names[] = {"ts", "timestamp", "@timestamp", "time", "datetime",
                                       "date", "eventtime", "event_time"};
static const char *const victim_names[] = {
    "user", "username", "user_name", "user.name", "src_user", "client_user", "id.orig_h",
    "client_ip", "clientip", "src_ip", "srcip", "source_ip", "source.ip", "src_addr",
    "source_address", "client", "src", "remote_addr", "c-ip"};

static int rank_in(const char *const *names, size_t count, const char *name, size_t len)
{
    for (size_t i = 0; i < count; i++)
        if (strlen(names[i]) == len && strncasecmp(names[i], name, len) == 0)
            return (int)i;
    return -1;
}

const kz__name_info *kz__name_info_fill(kz_logctx *c, kz__name_info *m, const char *name, size_t len)
{
    m->used = 1;
    m->len = (uint32_t)len;
    m->plain = len <= KZ__MEMO_NAME;
    if (len <= KZ__MEMO_NAME)
        memcpy(m->name, name, len);
    for (size_t i = 0; i < len && m->plain; i++)
        m->plain = name[i] != '"' && name[i] != '\\' && (unsigned char)name[i] >= 0x20;
    if (m->plain) {  /* a JSON key's closing quote and colon, compared with it */
        m->name[len] = '"';
        m->name[len + 1] = ':';
    }
    memset(m->sep, 0, sizeof m->sep);
    m->sep_want = KZ__SEP_NONE;
    if (m->plain && len + 4 <= sizeof m->sep) {  /* ,"name": between a member and its value */
        m->sep[0] = ',';
        m->sep[1] = '"';
        memcpy(m->sep + 2, m->name, len + 2);
        m->sep_want = (1u << (len + 4)) - 1;
    }
    m->ts = (int8_t)kz__ts_rank(c->f, name, len);
    m->victim = (int8_t)kz__victim_rank(c->f, name, len);
    int kind = kz__select(c->f, name, len, 0);
    m->kind = (int8_t)(kind < 0 ? -1 : kind);
    m->plain_auto = m->plain && m->ts < 0 && m->victim < 0 && m->kind == KZ_OBS_AUTO;
    return m;
}

int kz__ts_rank(const kz_logfmt *f, const char *name, size_t len)
{
    if (f->ts_field)
        return strlen(f->ts_field) == len && memcmp(f->ts_field, name, len) == 0 ? 0 : -1;
    return rank_in(ts_names, sizeof ts_names / sizeof *ts_names, name, len);
}

int kz__victim_rank(const kz_logfmt *f, const char *name, size_t len)
{
    if (f->victim_field)
        return strlen(f->victim_field) == len && memcmp(f->victim_field, name, len) == 0 ? 0 : -1;
    return rank_in(victim_names, sizeof victim_names / sizeof *victim_names, name, len);
}

int kz__select(const kz_logfmt *f, const char *name, size_t len, int col)
{
    if (!f->specs)
        return KZ_OBS_AUTO;
    for (int i = 0; i < f->n_specs; i++) {
        const kz__fieldspec *s = &f->specs[i];
        if ((col && s->col == col) || (s->len == len && memcmp(s->name, name, len) == 0))
            return (int)s->kind;
    }
    return -1;
}

void kz__add_field(kz_record *rec, const char *name, size_t name_len, const char *v, size_t len,
                   kz_obs_kind kind)
{
    if (kind == KZ_OBS_AUTO && (kind = kz__shape(v, len)) == KZ_OBS_NONE)
        return;
    kz__add_known(rec, name, name_len, v, len, kind);
}

#ifdef KZ_SPLIT_AVX2
/* A bit per byte of s[at..at+64) that equals c. */
KZ_SPLIT_AVX2 static inline uint64_t eq64(__m256i a, __m256i b, __m256i c)
{
    return (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, c)) |
           (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, c)) << 32;
}

/* kz__split_with for n >= 64: the window at i is s[i..i+64), or the last 64 bytes of s
 * shifted down to start at i. A window whose separators all fit in v is walked without
 * a check per field. */
KZ_SPLIT_AVX2 __attribute__((always_inline)) static inline int
split_avx2(const char *s, size_t n, char sep, bool collapse, char quote, const char **v,
           size_t *len, int max)
{
    const __m256i vs = _mm256_set1_epi8(sep), vq = _mm256_set1_epi8(quote);
    int k = 0;
    size_t fs = 0;  /* where the current field starts */
    for (size_t i = 0; i < n; i += 64) {
        size_t at = n - i >= 64 ? i : n - 64;
        __m256i a = _mm256_loadu_si256((const __m256i *)(s + at));
        __m256i b = _mm256_loadu_si256((const __m256i *)(s + at + 32));
        if (quote && eq64(a, b, vq) >> (i - at))
            return -1;
        uint64_t z = eq64(a, b, vs) >> (i - at);
        if (k + __builtin_popcountll(z) < max) {
            while (z) {
                size_t p = i + (size_t)__builtin_ctzll(z);
                z &= z - 1;
                v[k] = s + fs;
                len[k] = p - fs;
                k += p > fs || !collapse;
                fs = p + 1;
            }
            continue;
        }
        while (z) {
            size_t p = i + (size_t)__builtin_ctzll(z);
            z &= z - 1;
            if (p > fs || !collapse) {
                v[k] = s + fs;
                len[k] = p - fs;
                if (++k == max)  /* a quote further on still makes the answer -1 */
                    return quote && memchr(s + i, quote, n - i) ? -1 : k;
            }
            fs = p + 1;
        }
    }
    if (n > fs || (!collapse && fs <= n)) {
        v[k] = s + fs;
        len[k] = n - fs;
        k++;
    }
    return k;
}

/* split_avx2 made twice, collapse a constant in each: the walk of a window has no test of it. */
KZ_SPLIT_AVX2 static int split_avx2_keep(const char *s, size_t n, char sep, char quote,
                                         const char **v, size_t *len, int max)
{
    return split_avx2(s, n, sep, false, quote, v, len, max);
}

KZ_SPLIT_AVX2 static int split_avx2_collapse(const char *s, size_t n, char sep, char quote,
                                             const char **v, size_t *len, int max)
{
    return split_avx2(s, n, sep, true, quote, v, len, max);
}
#endif

bool kz__split_avx2_available(void)
{
#ifdef KZ_SPLIT_AVX2
    return kz_cpu_has(KZ_CPU_AVX2 | KZ_CPU_POPCNT | KZ_CPU_BMI1);
#else
    return false;
#endif
}

int kz__split_with(bool avx2, const char *s, size_t n, char sep, bool collapse, char quote,
                   const char **v, size_t *len, int max)
{
#ifdef KZ_SPLIT_AVX2
    if (avx2 && n >= 64)
        return collapse ? split_avx2_collapse(s, n, sep, quote, v, len, max)
                        : split_avx2_keep(s, n, sep, quote, v, len, max);
#else
    (void)avx2;
#endif
    if (quote && memchr(s, quote, n))
        return -1;
    return kz__split(s, n, sep, collapse, v, len, max);
}

char *kz__scratch(kz_logctx *c, size_t n)
{
    if (n > c->cap - c->used)
        return NULL;
    char *p = c->scratch + c->used;
    c->used += n;
    return p;
}

/* "name[:kind],..." into specs. */
static kz_rc parse_fields(kz_logfmt *f, const char *s, kz_err *err)
{
    size_t count = 1;
    for (const char *p = s; *p; p++)
        count += *p == ',';
    f->specs = kz_calloc(count, sizeof *f->specs);
    if (!f->specs)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    const char *p = s;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *colon = memchr(p, ':', n);
        size_t name_len = colon ? (size_t)(colon - p) : n;
        kz_obs_kind kind = KZ_OBS_AUTO;
        if (colon) {
            char k[16];
            size_t kl = n - name_len - 1;
            snprintf(k, sizeof k, "%.*s", (int)(kl < sizeof k ? kl : sizeof k - 1), colon + 1);
            int v = kz_enum_parse(&kz_obs_kind_enum, k);
            if (v <= KZ_OBS_NONE || kl >= sizeof k) {
                char list[96];
                kz_enum_list(&kz_obs_kind_enum, list, sizeof list);
                return kz_fail(err, KZ_EINVAL, "fields",
                               "field \"%.*s\": unknown kind \"%.*s\" (one of %s)", (int)name_len, p,
                               (int)kl, colon + 1, list);
            }
            kind = (kz_obs_kind)v;
        }
        if (name_len == 0)
            return kz_fail(err, KZ_EINVAL, "fields", "an empty field name in \"%s\"", s);
        kz__fieldspec *fs = &f->specs[f->n_specs++];
        fs->name = kz_strndup(p, name_len);
        if (!fs->name)
            return kz_fail(err, KZ_ENOMEM, NULL, NULL);
        fs->len = name_len;
        fs->kind = kind;
        char *e;
        long col = strtol(fs->name, &e, 10);
        fs->col = *e == '\0' && col > 0 && col <= 100000 ? (int)col : 0;
        p += n;
        if (*p == ',')
            p++;
    }
    return KZ_OK;
}

kz_rc kz_logfmt_new(const kz_logfmt_opts *o, kz_logfmt **out, kz_err *err)
{
    kz_logfmt *f = kz_calloc(1, sizeof *f);
    if (!f)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    pthread_mutex_init(&f->lock, NULL);
    kz__zeek_init(f);
    f->format = o->format;
    f->header = o->header;
    f->max_line = o->max_line ? o->max_line : 1 << 20;
    f->json_reader = KZ_JSON_BYTES;
    f->split_avx2 = kz__split_avx2_available();
    f->sep = o->format == KZ_FMT_TSV ? '\t' : ',';
    kz_rc rc = KZ_OK;
    if (o->fields && *o->fields)
        rc = parse_fields(f, o->fields, err);
    if (rc == KZ_OK && o->ts_field && !(f->ts_field = kz_strdup(o->ts_field)))
        rc = kz_fail(err, KZ_ENOMEM, NULL, NULL);
    if (rc == KZ_OK && o->victim_field && !(f->victim_field = kz_strdup(o->victim_field)))
        rc = kz_fail(err, KZ_ENOMEM, NULL, NULL);
    if (rc != KZ_OK) {
        kz_logfmt_free(f);
        return rc;
    }
    *out = f;
    return KZ_OK;
}

void kz_logfmt_free(kz_logfmt *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->n_specs; i++)
        kz_free(f->specs[i].name);
    kz_free(f->specs);
    kz_free(f->ts_field);
    kz_free(f->victim_field);
    for (int i = 0; i < f->ncols; i++)
        kz_free(f->colnames[i]);
    kz_free(f->colnames);
    kz_free(f->colname_len);
    kz_free(f->colkind);
    kz__zeek_free(f);
    pthread_mutex_destroy(&f->lock);
    kz_free(f);
}

kz_log_format kz_logfmt_format(const kz_logfmt *f) { return f->format; }

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Squid's native line: "1700000000.123    150 192.0.2.1 TCP_MISS/200 ..." */
static bool looks_squid(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && is_digit(s[i]))
        i++;
    if (i < 9 || i >= n || s[i] != '.')
        return false;
    i++;
    while (i < n && is_digit(s[i]))
        i++;
    if (i >= n || s[i] != ' ')
        return false;
    int fields = 1;
    bool slash = false;
    for (; i < n; i++) {
        if (s[i] == ' ' && i + 1 < n && s[i + 1] != ' ')
            fields++;
        if (fields == 4 && s[i] == '/')
            slash = true;
    }
    return fields >= 7 && slash;
}

kz_rc kz_logfmt_prepare(kz_logfmt *f, const char *head, size_t n, kz_err *err)
{
    const char *line = head, *end = head + n;
    /* the first line that is not empty */
    while (line < end && (*line == '\n' || *line == '\r'))
        line++;
    const char *nl = memchr(line, '\n', (size_t)(end - line));
    size_t len = nl ? (size_t)(nl - line) : (size_t)(end - line);
    if (len && line[len - 1] == '\r')
        len--;
    bool header;
    kz_event_shape shape = kz_event_sniff(line, len, &header);
    if (f->format == KZ_FMT_AUTO) {
        /* CSV and TSV only with a header line: without one, a line of text with a comma
         * is read better by the text extractor */
        if (shape == KZ_SHAPE_JSON)
            f->format = KZ_FMT_JSON;
        else if (len >= 8 && (memcmp(line, "#separat", 8) == 0 || memcmp(line, "#fields\t", 8) == 0))
            f->format = KZ_FMT_ZEEK;
        else if (looks_squid(line, len))
            f->format = KZ_FMT_SQUID;
        else if ((shape == KZ_SHAPE_CSV || shape == KZ_SHAPE_TSV) && header)
            f->format = shape == KZ_SHAPE_CSV ? KZ_FMT_CSV : KZ_FMT_TSV;
        else
            f->format = KZ_FMT_TEXT;
        if (f->format == KZ_FMT_CSV || f->format == KZ_FMT_TSV) {
            f->header = true;
            f->sep = f->format == KZ_FMT_TSV ? '\t' : ',';
        }
    } else if ((f->format == KZ_FMT_CSV || f->format == KZ_FMT_TSV) && !f->header) {
        f->header = header;  /* --format csv without --header: a header line is still seen */
    }
    if ((f->format == KZ_FMT_CSV || f->format == KZ_FMT_TSV) && f->header && head == line) {
        /* column names from the first line */
        kz_logctx *c = kz_logctx_new(f);
        if (!c)
            return kz_fail(err, KZ_ENOMEM, NULL, NULL);
        kz_csv_field fl[KZ_MAX_FIELDS];
        int k;
        kz_err e;
        char *scratch = kz__scratch(c, len);
        if (!scratch || kz_csv_split(line, len, f->sep, scratch, fl, KZ_MAX_FIELDS, &k, &e) != KZ_OK) {
            kz_logctx_free(c);
            return kz_fail(err, KZ_EINVAL, "input", "line 1: the header: %s", scratch ? e.msg : "too long");
        }
        f->colnames = kz_calloc((size_t)k + 1, sizeof *f->colnames);
        f->colname_len = kz_calloc((size_t)k + 1, sizeof *f->colname_len);
        if (!f->colnames || !f->colname_len) {
            kz_logctx_free(c);
            return kz_fail(err, KZ_ENOMEM, NULL, NULL);
        }
        for (int i = 0; i < k; i++) {
            f->colnames[i] = kz_strndup(fl[i].p, fl[i].n);
            if (!f->colnames[i]) {
                kz_logctx_free(c);
                return kz_fail(err, KZ_ENOMEM, NULL, NULL);
            }
            f->colname_len[i] = strlen(f->colnames[i]);  /* a NUL ends a name */
            f->ncols = i + 1;
        }
        kz_logctx_free(c);
    }
    if (f->format == KZ_FMT_CSV || f->format == KZ_FMT_TSV) {
        /* resolve names to columns; a name the header lacks is an error worth stopping on */
        for (int i = 0; i < f->n_specs; i++) {
            kz__fieldspec *s = &f->specs[i];
            for (int k = 0; !s->col && k < f->ncols; k++)
                if (f->colname_len[k] == s->len && memcmp(f->colnames[k], s->name, s->len) == 0)
                    s->col = k + 1;
            if (!s->col)
                return kz_fail(err, KZ_EINVAL, "fields",
                               "no column \"%s\"%s", s->name,
                               f->ncols ? " in the header" : " (without --header, name columns by number)");
        }
        /* what each named column is matched as: the same answer on every line */
        kz_free(f->colkind);
        f->colkind = kz_calloc((size_t)f->ncols + 1, sizeof *f->colkind);
        if (!f->colkind)
            return kz_fail(err, KZ_ENOMEM, NULL, NULL);
        for (int k = 0; k < f->ncols; k++) {
            int kind = kz__select(f, f->colnames[k], f->colname_len[k], k + 1);
            f->colkind[k] = (int8_t)(kind < 0 ? -1 : kind);
        }
        f->ts_col = f->victim_col = 0;
        for (int k = 0; k < f->ncols; k++) {
            if (!f->ts_col && kz__ts_rank(f, f->colnames[k], f->colname_len[k]) >= 0)
                f->ts_col = k + 1;
        }
        int best = -1;
        for (int k = 0; k < f->ncols; k++) {
            int r = kz__victim_rank(f, f->colnames[k], f->colname_len[k]);
            if (r >= 0 && (best < 0 || r < best)) {
                best = r;
                f->victim_col = k + 1;
            }
        }
        char *e;
        long col;
        if (f->ts_field && !f->ts_col && (col = strtol(f->ts_field, &e, 10)) > 0 && !*e)
            f->ts_col = (int)col;
        if (f->victim_field && !f->victim_col && (col = strtol(f->victim_field, &e, 10)) > 0 && !*e)
            f->victim_col = (int)col;
        if (f->victim_field && !f->victim_col)
            return kz_fail(err, KZ_EINVAL, "victim-field", "no column \"%s\"", f->victim_field);
        if (f->ts_field && !f->ts_col)
            return kz_fail(err, KZ_EINVAL, "ts-field", "no column \"%s\"", f->ts_field);
    }
    return KZ_OK;
}

kz_rc kz_logfmt_scan_block(kz_logfmt *f, uint64_t seq, const char *data, size_t n,
                           const void **state_at_start)
{
    if (f->format != KZ_FMT_ZEEK) {
        *state_at_start = NULL;
        return KZ_OK;
    }
    pthread_mutex_lock(&f->lock);
    *state_at_start = f->current;
    pthread_mutex_unlock(&f->lock);
    return kz__zeek_scan(f, seq, data, n);
}

bool kz_logfmt_json_reader(kz_logfmt *f, kz_json_reader r)
{
    if (r == KZ_JSON_INDEX)
        r = (kz_json_reader)(KZ_JSON_SCALAR + kz__jidx_best());
    else if (r != KZ_JSON_BYTES && !kz__jidx_available((kz__jidx_impl)(r - KZ_JSON_SCALAR)))
        return false;
    f->json_reader = r;
    return true;
}

kz_logctx *kz_logctx_new(const kz_logfmt *f)
{
    kz_logctx *c = kz_calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->f = f;
    c->cap = 2 * f->max_line + 4096;
    c->scratch = kz_malloc(c->cap);
    if (!c->scratch) {
        kz_free(c);
        return NULL;
    }
    c->zh = f->current;
    for (size_t i = 0; i < sizeof c->memo / sizeof *c->memo; i++)
        c->memo[i].sep_want = KZ__SEP_NONE;  /* no name: a mask no compare matches */
    return c;
}

void kz_logctx_free(kz_logctx *c)
{
    if (!c)
        return;
    kz_free(c->scratch);
    kz_free(c->jidx);
    kz_free(c);
}

void kz_logctx_block(kz_logctx *c, uint64_t seq, const void *state)
{
    c->seq = seq;
    c->zh = state ? state : c->f->current;
}

int kz_logfmt_parse(const kz_logfmt *f, kz_logctx *c, const char *line, size_t n,
                    size_t offset_in_block, bool first_line, kz_record *rec)
{
    rec->n = 0;
    rec->ts = rec->victim = rec->victim_field = NULL;
    rec->ts_len = rec->victim_len = rec->victim_field_len = 0;
    rec->truncated = 0;
    c->used = 0;
    if (n == 0)
        return 0;
    switch (f->format) {
    case KZ_FMT_JSON:
        return kz__parse_json(f, c, line, n, rec);
    case KZ_FMT_CSV:
    case KZ_FMT_TSV:
        return kz__parse_csv(f, c, line, n, first_line, rec);
    case KZ_FMT_ZEEK:
        return kz__parse_zeek(f, c, line, n, offset_in_block, rec);
    case KZ_FMT_SQUID:
        return kz__parse_squid(f, c, line, n, rec);
    case KZ_FMT_TEXT:
    case KZ_FMT_AUTO:
    case KZ_FMT_COUNT:
        break;
    }
    kz_text_extract(line, n, "text", 4, rec);
    return 1;
}
