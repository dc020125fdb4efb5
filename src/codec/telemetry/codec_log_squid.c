/* Squid's native access.log format:
 *   time elapsed client code/status bytes method URL user hierarchy/peer type
 * The client address is the victim unless an authenticated user is logged; the URL
 * (a "host:port" for CONNECT) and the peer the proxy went to are matched. */
#include "codec/telemetry/logfmt_internal.h"

#include <string.h>

/* The content type after the peer is not needed: the split stops before it. */
enum { SQ_TIME, SQ_ELAPSED, SQ_CLIENT, SQ_CODE, SQ_BYTES, SQ_METHOD, SQ_URL, SQ_USER, SQ_PEER,
       SQ_FIELDS };

int kz__parse_squid(const kz_logfmt *f, kz_logctx *c, const char *s, size_t n, kz_record *rec)
{
    (void)c;
    const char *v[SQ_FIELDS];
    size_t len[SQ_FIELDS];
    int k = kz__split_with(f->split_avx2, s, n, ' ', true, '\0', v, len, SQ_FIELDS);
    if (k < SQ_USER)
        return -1;
    if ((unsigned)(unsigned char)v[SQ_TIME][0] - '0' > 9 || !memchr(v[SQ_TIME], '.', len[SQ_TIME]))
        return -1;  /* "1700000000.123": the rest is checked when the time is parsed */
    rec->ts = v[SQ_TIME];
    rec->ts_len = len[SQ_TIME];
    kz__add_known(rec, "client", 6, v[SQ_CLIENT], len[SQ_CLIENT], KZ_OBS_IP);
    bool connect = len[SQ_METHOD] == 7 && memcmp(v[SQ_METHOD], "CONNECT", 7) == 0;
    bool absolute = false;  /* "scheme://": a ':' within the first 12 bytes, then "//" */
    for (size_t i = 1; i < len[SQ_URL] && i < 12; i++)
        if (v[SQ_URL][i] == ':') {
            absolute = i + 2 < len[SQ_URL] && v[SQ_URL][i + 1] == '/' && v[SQ_URL][i + 2] == '/';
            break;
        }
    kz__add_known(rec, "url", 3, v[SQ_URL], len[SQ_URL],
                  connect || !absolute ? KZ_OBS_HOST : KZ_OBS_URL);
    if (k > SQ_PEER) {
        const char *slash = memchr(v[SQ_PEER], '/', len[SQ_PEER]);
        if (slash) {
            size_t pl = len[SQ_PEER] - (size_t)(slash + 1 - v[SQ_PEER]);
            if (pl && !(pl == 1 && slash[1] == '-'))
                kz__add_known(rec, "peer", 4, slash + 1, pl, KZ_OBS_HOST);  /* address or name */
        }
    }
    if (k > SQ_USER && !(len[SQ_USER] == 1 && v[SQ_USER][0] == '-')) {
        rec->victim = v[SQ_USER];
        rec->victim_len = len[SQ_USER];
        rec->victim_field = "user";
        rec->victim_field_len = 4;
    } else {
        rec->victim = v[SQ_CLIENT];
        rec->victim_len = len[SQ_CLIENT];
        rec->victim_field = "client";
        rec->victim_field_len = 6;
    }
    return 1;
}
