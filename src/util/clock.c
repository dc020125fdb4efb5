/* Wall clock with a test offset, and RFC 3339 formatting and parsing. */
#include "util/clock.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static atomic_llong offset_ms;

kz_time kz_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (kz_time)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + atomic_load(&offset_ms);
}

int64_t kz_clock_advance(int64_t ms) { return atomic_fetch_add(&offset_ms, ms) + ms; }

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

char *kz_time_format(kz_time t, char *out, size_t size)
{
    int64_t ms = t % 1000;
    int64_t secs = t / 1000;
    if (ms < 0) {
        ms += 1000;
        secs -= 1;
    }
    time_t tt = (time_t)secs;
    struct tm tm;
    gmtime_r(&tt, &tm);
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)ms);
    return out;
}

/* Reads exactly n digits at *p. */
static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

kz_rc kz_time_parse(const char *s, kz_time *out)
{
    const char *p = s;
    int y, mo, d, h = 0, mi = 0, se = 0, frac_ms = 0, off_min = 0;
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' || digits(&p, 2, &d))
        return KZ_EINVAL;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return KZ_EINVAL;
    if (*p) {
        if (*p != 'T' && *p != 't' && *p != ' ')
            return KZ_EINVAL;
        p++;
        if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) || *p++ != ':' || digits(&p, 2, &se))
            return KZ_EINVAL;
        if (h > 23 || mi > 59 || se > 60)
            return KZ_EINVAL;
        if (*p == '.') {
            p++;
            int scale = 100, n = 0;
            while (isdigit((unsigned char)*p)) {
                if (n++ < 3) {
                    frac_ms += (*p - '0') * scale;
                    scale /= 10;
                }
                p++;
            }
            if (n == 0 || n > 9)
                return KZ_EINVAL;
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1, oh, om;
            if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) || oh > 23 || om > 59)
                return KZ_EINVAL;
            off_min = sign * (oh * 60 + om);
        } else {
            return KZ_EINVAL;
        }
        if (*p)
            return KZ_EINVAL;
    }
    if (se == 60)
        se = 59; /* leap second: clamp, as most systems do */
    int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off_min * 60;
    *out = secs * 1000 + frac_ms;
    return KZ_OK;
}
