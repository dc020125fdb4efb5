/* Fuzz target: the text log format (see fuzz_log.h), and the text extractor's two walks
 * against each other: the whole input and each line is also read by the walk over the
 * byte-class masks of every implementation this CPU runs (scalar, SSE2, AVX2), which
 * must give the byte walk's record, field by field. A difference aborts. */
#include "fuzz_target.h"
#include "fuzz_log.h"
#include "codec/telemetry/text_masks.h"

static void compare_walks(const char *s, size_t n)
{
    static kz_record ref, got;
    memset(&ref, 0, sizeof ref);
    int want = kz__text_extract_bytes(s, n, "text", 4, &ref);
    for (int impl = 0; impl < KZ__TMASK_COUNT; impl++) {
        if (!kz__tmask_available((kz__tmask_impl)impl))
            continue;
        memset(&got, 0, sizeof got);
        if (kz__text_extract_with((kz__tmask_impl)impl, s, n, "text", 4, &got) != want ||
            got.n != ref.n || got.truncated != ref.truncated)
            abort();
        for (int i = 0; i < ref.n; i++)
            if (got.f[i].kind != ref.f[i].kind || got.f[i].v != ref.f[i].v || got.f[i].len != ref.f[i].len)
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    compare_walks(s, size);
    for (size_t pos = 0; pos < size;) {
        const char *nl = memchr(s + pos, '\n', size - pos);
        size_t len = nl ? (size_t)(nl - (s + pos)) : size - pos;
        compare_walks(s + pos, len);
        pos += len + 1;
    }
    return fuzz_log(KZ_FMT_TEXT, NULL, false, data, size);
}
