/* GET /api/v1/stats/victims: distinct victims of matched indicators per period, in
 * total or per incident class, sector, indicator source or type, with the change
 * against the previous period; JSON, or an SVG chart with format=svg. */
#include "http/handlers.h"

#include "codec/telemetry/victims_json.h"
#include "service/telemetry/victims.h"

#include <string.h>

kz_rc kz_h_victim_stats(kz_req *r)
{
    static const char *const allowed[] = {"period", "by", "since", "until", "format", NULL};
    const char *period = NULL, *by = NULL, *format = NULL;
    kz_victim_query q = {.period = KZ_PERIOD_MONTH, .by = KZ_VICTIMS_TOTAL};
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc) rc = kz_req_query_enum(r, "period", &kz_period_enum, &period);
    if (!rc) rc = kz_req_query_enum(r, "by", &kz_victim_dim_enum, &by);
    if (!rc) rc = kz_req_query_checked(r, "since", NULL, &q.since);
    if (!rc) rc = kz_req_query_checked(r, "until", NULL, &q.until);
    if (!rc) rc = kz_req_query_checked(r, "format", NULL, &format);
    if (!rc && format && strcmp(format, "json") && strcmp(format, "svg"))
        rc = kz_fail(&r->err, KZ_EINVAL, "format", "format must be json or svg");
    if (rc)
        return rc;
    if (period)
        q.period = (kz_period)kz_enum_parse(&kz_period_enum, period);
    if (by)
        q.by = (kz_victim_dim)kz_enum_parse(&kz_victim_dim_enum, by);
    kz_victim_stat *v;
    size_t n;
    if ((rc = kz_svc_victim_stats(&r->call, &q, &v, &n)))
        return rc;
    if (!format || strcmp(format, "svg") != 0) {
        json_t *j = kz_victim_stats_json(&q, v, n);
        return j ? kz_reply(r, 200, j) : kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    }
    if (n == 0)
        return kz_fail(&r->err, KZ_ENOTFOUND, NULL, "no victims to chart in this period");
    kz_buf b;
    kz_buf_init(&b, 16 << 20);
    rc = kz_victim_stats_svg(&b, &q, v, n);
    if (!rc && !(r->raw = kz_arena_memdup(&r->arena, b.p, b.len)))
        rc = kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    if (!rc) {
        r->raw_len = b.len;
        r->status = 200;
        r->content_type = "image/svg+xml";
    }
    kz_buf_free(&b);
    return rc;
}
