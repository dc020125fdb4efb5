/* Fuzz target: the event-line parsers of `kizuna route`. The first byte picks CSV or
 * JSON lines and a column map; the rest is the line, parsed and then resolved to the
 * address or host name it routes by (URL and domain parsing included); the line also
 * goes through kz_event_sniff, the first-line detector. */
#include "fuzz_target.h"
#include "codec/routing/events.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    kz_event_map map;
    kz_err err;
    static const char *const specs[4] = {NULL, "ip=1,url=2,domain=3,resolved=4", "url=1",
                                         "ip=source.ip,url=a.b.c,domain=d"};
    const char *spec = specs[(data[0] >> 1) % 4];
    bool json = data[0] & 1;
    size_t n = size - 1;
    char *line = malloc(n + 1), *scratch = malloc(n + 1);
    memcpy(line, data + 1, n);
    /* the first-line detector shared with `kizuna match`: a header only for CSV and TSV */
    bool header;
    kz_event_shape shape = kz_event_sniff(line, n, &header);
    if (header && shape != KZ_SHAPE_CSV && shape != KZ_SHAPE_TSV)
        abort();
    if (json) {
        if (spec && strchr(spec, '.'))
            kz_event_map_parse(spec, &map, &err);
        else
            kz_event_map_json_default(&map);
    } else {
        if (spec)
            kz_event_map_parse(spec, &map, &err);
        else
            memset(&map, 0, sizeof map);
        /* without a map, the line is also tried as a header */
        if (kz_event_map_csv(&map, line, n, spec == NULL, scratch, &err) != KZ_OK)
            map.column[KZ_EV_IP] = 0;
    }
    kz_event ev;
    kz_rc rc = json ? kz_event_parse_json(&map, line, n, scratch, &ev, &err)
                    : kz_event_parse_csv(&map, line, n, scratch, &ev, &err);
    if (rc == KZ_OK) {
        kz_ip ip;
        char host[KZ_EVENT_HOST_MAX];
        size_t hlen = 0;
        kz_event_origin origin;
        if (kz_event_origin_of(&ev, &ip, host, &hlen, &origin, &err) == KZ_OK &&
            origin == KZ_ORIGIN_HOST && (hlen >= KZ_EVENT_HOST_MAX || strlen(host) != hlen))
            abort();
    }
    free(line);
    free(scratch);
    return 0;
}
