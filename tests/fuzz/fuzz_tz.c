/* Fuzz target: time zone files (TZif, RFC 8536) and the POSIX TZ rule of their footer,
 * as util/tz.h reads them from the zone database. The first 8 bytes choose the instant;
 * the rest is the file. Any crash, sanitizer report, or an abbreviation that is not
 * NUL-terminated within its buffer is a bug. */
#include "fuzz_target.h"
#include "util/tz.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8)
        return 0;
    int64_t t = 0;
    memcpy(&t, data, 8);
    kz_tz_local l;
    for (int i = 0; i < 3; i++) {  /* the instant as given, near the epoch, far ahead */
        int64_t at = i == 0 ? t % (INT64_C(1) << 50) : i == 1 ? (t % 1000000000) * 1000 : INT64_C(4102444800000);
        if (kz_tz_at_tzif(data + 8, size - 8, at, &l) && !memchr(l.abbr, '\0', sizeof l.abbr))
            abort();
    }
    return 0;
}
