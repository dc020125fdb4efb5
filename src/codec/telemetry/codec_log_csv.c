/* CSV (RFC 4180: quoted fields with "" inside, split by codec/sharing/csv.h) and TSV:
 * the columns named by --fields (by header name or 1-based number), or every column by
 * the shape of its value; the timestamp and victim columns by name or number. */
#include "codec/telemetry/logfmt_internal.h"

#include "codec/sharing/csv.h"

#include <stdio.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define CSV_AVX2 __attribute__((target("avx2,bmi")))
#endif

/* kz__shape(v, n), from the column's memo when the value is one of its last eight; a
 * column that misses 64 times before it hits 16 times is asked no more. */
__attribute__((always_inline)) static inline int shape_of(kz__shape_memo *m, const char *v, size_t n)
{
    if (n > KZ__SHAPE_VALUE || m->off)
        return (int)kz__shape(v, n);
    for (int w = 0; w < KZ__SHAPE_WAYS; w++)
        if (m->len[w] == n && kz__same_bytes(m->v[w], v, n)) {
            m->hits++;
            return m->kind[w];
        }
    if (++m->tries == 64)
        m->off = m->hits < 16;
    int w = m->next;
    m->next = (uint8_t)((w + 1) % KZ__SHAPE_WAYS);
    m->len[w] = (uint8_t)n;
    memcpy(m->v[w], v, n);
    m->kind[w] = (int8_t)kz__shape(v, n);
    return m->kind[w];
}

/* The timestamp and the victim when column col (1-based), named name, is theirs. */
static inline void csv_roles(const kz_logfmt *f, int col, const char *name, size_t name_len,
                             const char *v, size_t n, kz_record *rec)
{
    if (col == f->ts_col) {
        rec->ts = v;
        rec->ts_len = n;
    }
    if (col == f->victim_col) {
        rec->victim = v;
        rec->victim_len = n;
        rec->victim_field = name;
        rec->victim_field_len = name_len;
    }
}

/* The matched value line[o..o+n) of column col (1-based), named name; the line is
 * readable to line[len). */
__attribute__((always_inline)) static inline void
csv_field(const kz_logfmt *f, kz_logctx *c, int col, const char *name, size_t name_len, int kind,
          const char *line, size_t len, size_t o, size_t n, kz_record *rec)
{
    (void)f;
    const char *v = line + o;
    if (kind < 0 || n == 0)
        return;
    if (kind == KZ_OBS_AUTO) {
        int numeric = kz__shape_numeric(line, len, o, n);  /* times, counts and addresses: most columns */
        if (numeric == KZ_OBS_NONE)
            return;
        if (numeric >= 0)
            kind = numeric;
        else if (n <= 8192 && kz__http_url(v, n))
            kind = KZ_OBS_URL;  /* kz__shape's first test, inline: a URL column asks no more */
        else
            kind = col <= KZ__SHAPE_COLS ? shape_of(&c->shapes[col - 1], v, n) : (int)kz__shape(v, n);
        if (kind == KZ_OBS_NONE)
            return;
    }
    if (kind == KZ_OBS_TEXT)
        kz_text_extract(v, n, name, name_len, rec);
    else
        kz__add_known(rec, name, name_len, v, n, (kz_obs_kind)kind);
}

#ifdef CSV_AVX2
/* The common line: no quote, no more columns than the header, n >= 64 (n without the
 * line's \r; the line is readable to s[len)). Each column is matched as its separator is
 * found in the 64-byte windows (two AVX2 compares, a tzcnt each), with no array of fields
 * walked a second time. Returns 1, or 0 when the line is not such a line: then rec holds
 * what was added so far and the caller starts it again the general way. */
CSV_AVX2 static int csv_windows(const kz_logfmt *f, kz_logctx *c, const char *s, size_t n, size_t len,
                                kz_record *rec)
{
    const __m256i vs = _mm256_set1_epi8(f->sep), vq = _mm256_set1_epi8('"');
    const int ncols = f->ncols;
    size_t at_col[KZ_MAX_FIELDS], len_col[KZ_MAX_FIELDS];
    int col = 0;
    size_t fs = 0;  /* where the current field starts */
    for (size_t i = 0; i < n; i += 64) {
        size_t at = n - i >= 64 ? i : n - 64;  /* the last window: the line's last 64 bytes */
        __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(s + at));
        __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(s + at + 32));
        uint64_t q = (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, vq)) |
                     (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, vq)) << 32;
        if (q >> (i - at))
            return 0;  /* a quote: kz_csv_split's fields */
        uint64_t z = ((uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, vs)) |
                      (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, vs)) << 32) >>
                     (i - at);
        for (; z; z &= z - 1) {
            size_t p = i + (size_t)__builtin_ctzll(z);
            if (col + 1 >= ncols)
                return 0;  /* a column past the header follows: named by number, the general way */
            at_col[col] = fs;
            len_col[col] = p - fs;
            csv_field(f, c, col + 1, f->colnames[col], f->colname_len[col], f->colkind[col], s, len,
                      fs, p - fs, rec);
            col++;
            fs = p + 1;
        }
    }
    at_col[col] = fs;
    len_col[col] = n - fs;
    csv_field(f, c, col + 1, f->colnames[col], f->colname_len[col], f->colkind[col], s, len, fs,
              n - fs, rec);
    col++;
    if (f->ts_col >= 1 && f->ts_col <= col) {
        rec->ts = s + at_col[f->ts_col - 1];
        rec->ts_len = len_col[f->ts_col - 1];
    }
    if (f->victim_col >= 1 && f->victim_col <= col)
        csv_roles(f, f->victim_col, f->colnames[f->victim_col - 1], f->colname_len[f->victim_col - 1],
                  s + at_col[f->victim_col - 1], len_col[f->victim_col - 1], rec);
    return 1;
}
#endif

int kz__parse_csv(const kz_logfmt *f, kz_logctx *c, const char *s, size_t n, bool first,
                  kz_record *rec)
{
    if (first && f->header)
        return 0;
#ifdef CSV_AVX2
    size_t body = n && s[n - 1] == '\r' ? n - 1 : n;
    if (f->split_avx2 && body >= 64 && f->ncols > 0) {
        if (csv_windows(f, c, s, body, n, rec))
            return 1;
        rec->n = 0;  /* as kz_logfmt_parse left it: the line again, the general way */
        rec->truncated = 0;
    }
#endif
    const char *v[KZ_MAX_FIELDS + 1];
    size_t len[KZ_MAX_FIELDS + 1];
    int k;
    /* no quoted field: the delimited formats' splitter, and the values point into s */
    k = kz__split_with(f->split_avx2, s, n && s[n - 1] == '\r' ? n - 1 : n, f->sep, false, '"', v,
                       len, KZ_MAX_FIELDS + 1);
    bool plain = k >= 0;
    if (k > KZ_MAX_FIELDS)
        return -1;  /* as kz_csv_split: more fields than the record holds */
    if (!plain) {
        kz_csv_field fl[KZ_MAX_FIELDS];
        char *scratch = kz__scratch(c, n);
        if (!scratch || kz_csv_split(s, n, f->sep, scratch, fl, KZ_MAX_FIELDS, &k, NULL) != KZ_OK)
            return -1;
        for (int i = 0; i < k; i++) {
            v[i] = fl[i].p;
            len[i] = fl[i].n;
        }
    }
    int named = k < f->ncols ? k : f->ncols;
    /* the timestamp and victim columns of the header: once a line, not a test per column */
    if (f->ts_col >= 1 && f->ts_col <= named) {
        rec->ts = v[f->ts_col - 1];
        rec->ts_len = len[f->ts_col - 1];
    }
    if (f->victim_col >= 1 && f->victim_col <= named)
        csv_roles(f, f->victim_col, f->colnames[f->victim_col - 1], f->colname_len[f->victim_col - 1],
                  v[f->victim_col - 1], len[f->victim_col - 1], rec);
    /* the header's columns, their kinds decided once; a loop for each case of plain, so
     * that the common one reads its values in s with no test per column */
    if (plain)
        for (int i = 0; i < named; i++)
            csv_field(f, c, i + 1, f->colnames[i], f->colname_len[i], f->colkind[i], s, n,
                      (size_t)(v[i] - s), len[i], rec);
    else
        for (int i = 0; i < named; i++)
            csv_field(f, c, i + 1, f->colnames[i], f->colname_len[i], f->colkind[i], v[i], len[i],
                      0, len[i], rec);
    for (int i = named; i < k; i++) {  /* columns past the header: named by their number */
        char *d = kz__scratch(c, 12);
        if (!d)
            break;
        size_t name_len = (size_t)snprintf(d, 12, "%d", i + 1);
        csv_roles(f, i + 1, d, name_len, v[i], len[i], rec);
        csv_field(f, c, i + 1, d, name_len, kz__select(f, d, name_len, i + 1),
                  plain ? s : v[i], plain ? n : len[i], plain ? (size_t)(v[i] - s) : 0, len[i], rec);
    }
    return 1;
}
