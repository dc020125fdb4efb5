/* Fuzz target: the csv log format (see fuzz_log.h); and, on the same input, the CSV
 * parser's shortcuts against what they stand for: kz__split_with's 64-byte AVX2 windows
 * against kz__split (with and without the quote check and Squid's collapse), and
 * kz__shape_numeric and kz__shape against kz__shape_bytes on each comma-separated piece. */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    numeric_agrees(s, size);
    int max = size ? 1 + data[size - 1] % KZ_MAX_FIELDS : KZ_MAX_FIELDS;
    split_agrees(s, size, ',', false, '"', KZ_MAX_FIELDS + 1);
    split_agrees(s, size, '\t', false, '\0', max);
    split_agrees(s, size, ' ', true, '\0', max);
    return fuzz_log(size && (data[0] & 1) ? KZ_FMT_TSV : KZ_FMT_CSV, NULL, size && (data[0] & 2), data, size);
}
