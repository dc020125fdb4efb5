/* Victim statistics as JSON (jansson) and as an SVG chart (codec/core/chart_svg.h). */
#include "codec/telemetry/victims_json.h"

#include "codec/core/chart_svg.h"
#include "util/alloc.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

json_t *kz_victim_stats_json(const kz_victim_query *q, const kz_victim_stat *v, size_t n)
{
    json_t *rows = json_array();
    json_t *out = json_pack("{s:s, s:s, s:o}", "period", kz_enum_name(&kz_period_enum, (int)q->period),
                            "by", kz_enum_name(&kz_victim_dim_enum, (int)q->by), "rows", rows);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        json_t *r = json_pack("{s:s, s:s, s:s?, s:I, s:o, s:o}", "period", v[i].period, "start",
                              v[i].start, "group", v[i].group, "victims", (json_int_t)v[i].victims,
                              "previous", v[i].previous >= 0 ? json_integer(v[i].previous) : json_null(),
                              "change_pct",
                              isnan(v[i].change_pct) ? json_null()
                                                     : json_real(round(v[i].change_pct * 10) / 10));
        if (!r || json_array_append_new(rows, r)) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

kz_rc kz_victim_stats_svg(kz_buf *out, const kz_victim_query *q, const kz_victim_stat *v, size_t n)
{
    if (n == 0)
        return KZ_EINVAL;
    const char **x = kz_calloc(n, sizeof *x);
    const char **names = kz_calloc(n, sizeof *names);
    double *y = kz_malloc(n * n * sizeof *y);
    kz_chart_series *ser = kz_calloc(n, sizeof *ser);
    kz_rc rc = KZ_ENOMEM;
    size_t nx = 0, ns = 0;
    if (!x || !names || !y || !ser)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (!nx || strcmp(x[nx - 1], v[i].period) != 0)
            x[nx++] = v[i].period;  /* rows come ordered by period */
        const char *g = v[i].group ? v[i].group : q->by ? "(none)" : "victims";
        size_t k = 0;
        while (k < ns && strcmp(names[k], g) != 0)
            k++;
        if (k == ns)
            names[ns++] = g;
    }
    for (size_t i = 0; i < n * n; i++)
        y[i] = NAN;
    for (size_t i = 0, xi = 0; i < n; i++) {
        while (strcmp(x[xi], v[i].period) != 0)
            xi++;
        const char *g = v[i].group ? v[i].group : q->by ? "(none)" : "victims";
        size_t k = 0;
        while (strcmp(names[k], g) != 0)
            k++;
        y[k * n + xi] = (double)v[i].victims;
    }
    for (size_t k = 0; k < ns; k++) {
        ser[k].name = names[k];
        ser[k].y = y + k * n;
    }
    char title[128];
    snprintf(title, sizeof title, "Distinct victims per %s%s%s", kz_enum_name(&kz_period_enum, (int)q->period),
             q->by ? " by " : "", q->by ? kz_enum_name(&kz_victim_dim_enum, (int)q->by) : "");
    rc = kz_chart_svg(out, title, x, nx, ser, ns);
out:
    kz_free(x);
    kz_free(names);
    kz_free(y);
    kz_free(ser);
    return rc;
}
