/* Wall clock with a test offset, the monotonic clock, and RFC 3339 formatting and parsing. */
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

int64_t kz_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double kz_mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int64_t kz_clock_advance(int64_t ms) { return atomic_fetch_add(&offset_ms, ms) + ms; }

int64_t kz_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void kz_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static char *put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

/* Written by hand rather than with gmtime_r and snprintf: list responses format
 * thousands of timestamps a second. */
char *kz_time_format(kz_time t, char *out, size_t size)
{
    int64_t days = t / 86400000, rem = t % 86400000;
    if (rem < 0) {
        rem += 86400000;
        days--;
    }
    int64_t y;
    unsigned m, d, ms = (unsigned)(rem % 1000), secs = (unsigned)(rem / 1000);
    kz_civil_from_days(days, &y, &m, &d);
    if (size < 25 || y < 0 || y > 9999) {
        snprintf(out, size, "%s", size >= 25 ? "0000-01-01T00:00:00.000Z" : "");
        return out;
    }
    char *p = out;
    p = put2(p, (unsigned)(y / 100));
    p = put2(p, (unsigned)(y % 100));
    *p++ = '-';
    p = put2(p, m);
    *p++ = '-';
    p = put2(p, d);
    *p++ = 'T';
    p = put2(p, secs / 3600);
    *p++ = ':';
    p = put2(p, secs / 60 % 60);
    *p++ = ':';
    p = put2(p, secs % 60);
    *p++ = '.';
    *p++ = (char)('0' + ms / 100);
    p = put2(p, ms % 100);
    *p++ = 'Z';
    *p = '\0';
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
    int64_t secs = kz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off_min * 60;
    *out = secs * 1000 + frac_ms;
    return KZ_OK;
}

int64_t kz_day_of(kz_time t)
{
    return t / 86400000 - (t % 86400000 < 0);
}

void kz_day_format(int64_t day, char out[11])
{
    int64_t y;
    unsigned m, d;
    kz_civil_from_days(day, &y, &m, &d);
    unsigned yy = y < 0 ? 0 : y > 9999 ? 9999 : (unsigned)y;
    char *p = put2(put2(out, yy / 100), yy % 100);
    *p++ = '-';
    p = put2(p, m);
    *p++ = '-';
    p = put2(p, d);
    *p = '\0';
}
