/* Fuzz target: the csv log format (see fuzz_log.h); and, on the same input, the CSV
 * parser's shortcuts against what they stand for: kz__split_with's 64-byte AVX2 windows
 * against kz__split (with and without the quote check and Squid's collapse), and
 * kz__shape_numeric and kz__shape against kz__shape_bytes on each comma-separated piece;
 * and the lines matched in the separator windows (csv_windows) against the general way. */
#include "fuzz_target.h"
#include "fuzz_log.h"

#include "codec/telemetry/logfmt_internal.h"

static void numeric_agrees(const char *s, size_t n)
{
    for (size_t start = 0; start <= n;) {
        const char *e = memchr(s + start, ',', n - start);
        size_t len = e ? (size_t)(e - (s + start)) : n - start;
        int got = kz__shape_numeric(s, n, start, len);  /* the SSE2 window over the whole input */
        kz_obs_kind shape = kz__shape(s + start, len);
        if ((got >= 0 && got != (int)shape) || shape != kz__shape_bytes(s + start, len))
            abort();  /* the SSE2 paths against the byte walk */
        start += len + 1;
    }
}

static void split_agrees(const char *s, size_t n, char sep, bool collapse, char quote, int max)
{
    static const char *wv[KZ_MAX_FIELDS + 1], *gv[KZ_MAX_FIELDS + 1];
    static size_t wl[KZ_MAX_FIELDS + 1], gl[KZ_MAX_FIELDS + 1];
    int want = quote && memchr(s, quote, n) ? -1 : kz__split(s, n, sep, collapse, wv, wl, max);
    int got = kz__split_with(kz__split_avx2_available(), s, n, sep, collapse, quote, gv, gl, max);
    if (got != want)
        abort();
    for (int i = 0; i < got; i++)
        if (gv[i] != wv[i] || gl[i] != wl[i])
            abort();
}

static bool same_bytes_or_null(const char *a, size_t an, const char *b, size_t bn)
{
    return an == bn && (!an || (a && b && memcmp(a, b, an) == 0)) && (!a) == (!b);
}

/* The input as CSV with its header line: each line parsed with the 64-byte windows
 * allowed and with them turned off gives the same answer, fields, time and victim. */
static void windows_agree(const char *s, size_t size, char sep_byte)
{
    kz_logfmt_opts o = {.format = sep_byte == '\t' ? KZ_FMT_TSV : KZ_FMT_CSV, .header = true,
                        .max_line = 4096};
    kz_logfmt *f[2];
    kz_logctx *c[2];
    kz_err err;
    for (int k = 0; k < 2; k++)
        if (kz_logfmt_new(&o, &f[k], &err))
            abort();
    if (kz_logfmt_prepare(f[0], s, size, &err) != KZ_OK ||
        kz_logfmt_prepare(f[1], s, size, &err) != KZ_OK) {
        kz_logfmt_free(f[0]);
        kz_logfmt_free(f[1]);
        return;
    }
    f[1]->split_avx2 = false;
    c[0] = kz_logctx_new(f[0]);
    c[1] = kz_logctx_new(f[1]);
    static kz_record r[2];
    for (size_t pos = 0; pos < size;) {
        const char *nl = memchr(s + pos, '\n', size - pos);
        size_t len = nl ? (size_t)(nl - (s + pos)) : size - pos;
        if (len <= 4096) {
            int a = kz_logfmt_parse(f[0], c[0], s + pos, len, pos, pos == 0, &r[0]);
            int b = kz_logfmt_parse(f[1], c[1], s + pos, len, pos, pos == 0, &r[1]);
            if (a != b)
                abort();
            if (a > 0) {
                if (r[0].n != r[1].n || r[0].truncated != r[1].truncated ||
                    !same_bytes_or_null(r[0].ts, r[0].ts_len, r[1].ts, r[1].ts_len) ||
                    !same_bytes_or_null(r[0].victim, r[0].victim_len, r[1].victim, r[1].victim_len) ||
                    !same_bytes_or_null(r[0].victim_field, r[0].victim_field_len, r[1].victim_field,
                                        r[1].victim_field_len))
                    abort();
                for (int i = 0; i < r[0].n; i++) {
                    const kz_logfield *x = &r[0].f[i], *y = &r[1].f[i];
                    if (x->kind != y->kind || !same_bytes_or_null(x->v, x->len, y->v, y->len) ||
                        !same_bytes_or_null(x->name, x->name_len, y->name, y->name_len))
                        abort();
                }
            }
        }
        pos += len + 1;
    }
    kz_logctx_free(c[0]);
    kz_logctx_free(c[1]);
    kz_logfmt_free(f[0]);
    kz_logfmt_free(f[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    numeric_agrees(s, size);
    int max = size ? 1 + data[size - 1] % KZ_MAX_FIELDS : KZ_MAX_FIELDS;
    split_agrees(s, size, ',', false, '"', KZ_MAX_FIELDS + 1);
    split_agrees(s, size, '\t', false, '\0', max);
    split_agrees(s, size, ' ', true, '\0', max);
    windows_agree(s, size, size && (data[0] & 4) ? '\t' : ',');
    return fuzz_log(size && (data[0] & 1) ? KZ_FMT_TSV : KZ_FMT_CSV, NULL, size && (data[0] & 2), data, size);
}
