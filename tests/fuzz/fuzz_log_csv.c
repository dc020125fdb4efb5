/* Fuzz target: the csv log format (see fuzz_log.h); and kz__shape_numeric, the CSV
 * columns' shortcut, against kz__shape on each comma-separated piece of the input. */
#include "fuzz_target.h"
#include "fuzz_log.h"

#include "codec/telemetry/logfmt_internal.h"

static void numeric_agrees(const char *s, size_t n)
{
    for (size_t start = 0; start <= n;) {
        const char *e = memchr(s + start, ',', n - start);
        size_t len = e ? (size_t)(e - (s + start)) : n - start;
        int got = kz__shape_numeric(s, n, start, len);  /* the SSE2 window over the whole input */
        if (got >= 0 && got != (int)kz__shape(s + start, len))
            abort();
        start += len + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    numeric_agrees((const char *)data, size);
    return fuzz_log(size && (data[0] & 1) ? KZ_FMT_TSV : KZ_FMT_CSV, NULL, size && (data[0] & 2), data, size);
}
