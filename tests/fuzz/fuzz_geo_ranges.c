/* Fuzz target: the range-file line parser of the routing data (and the CSV splitter
 * under it). The first byte picks the number family (none, 4 or 6); the rest is a line.
 * A parsed range must be well-formed. */
#include "fuzz_target.h"
#include "codec/routing/geo_ranges.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const int fams[3] = {0, 4, 6};
    int num = fams[data[0] % 3];
    size_t n = size - 1;
    char *line = malloc(n ? n : 1), *scratch = malloc(n ? n : 1);
    memcpy(line, data + 1, n);
    kz_geo_range r;
    kz_geo_layer layer;
    kz_err err;
    if (kz_geo_parse_line(line, n, num, scratch, &r, &layer, &err) == KZ_OK) {
        if (r.first > r.last || (r.family != 4 && r.family != 6) ||
            (r.family == 4 && r.last > 0xffffffffu) || r.org_len > KZ_GEO_ORG_MAX)
            abort();
        if (layer == KZ_GEO_LAYER_AS && r.org_len) {
            volatile char c = r.org[r.org_len - 1];
            (void)c;
        }
    }
    free(line);
    free(scratch);
    return 0;
}
