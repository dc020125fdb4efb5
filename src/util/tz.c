/* TZif reading (RFC 8536) and the POSIX TZ rule of its footer, for util/tz.h: the whole
 * file read into a buffer (zone files are a few kilobytes; 256 KiB at most), the 64-bit
 * data block of version 2 and later (the 32-bit one of version 1), one search. */
#include "util/tz.h"

#include "util/alloc.h"
#include "util/clock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum { TZ_FILE_MAX = 256 << 10 };

static const char zoneinfo[] = "/usr/share/zoneinfo";

/* "Area/Location": letters, digits, '/', '_', '-', '+'; no "..", no leading '/'. */
static bool zone_name_ok(const char *z)
{
    size_t n = strlen(z);
    if (n == 0 || n > 64 || z[0] == '/' || z[0] == '.' || strstr(z, "..") || strstr(z, "//"))
        return false;
    for (const char *p = z; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("/_-+", *p)))
            return false;
    return true;
}

static int64_t be(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = v << 8 | p[i];
    return bytes == 4 ? (int64_t)(int32_t)(uint32_t)v : (int64_t)v;
}

/* ---- POSIX TZ rules ("CET-1CEST,M3.5.0,M10.5.0/3") ------------------------------------- */

static const char *rule_name(const char *p, char *out, size_t size)
{
    size_t n = 0;
    if (*p == '<') {
        for (p++; *p && *p != '>'; p++)
            if (n + 1 < size)
                out[n++] = *p;
        if (*p != '>')
            return NULL;
        p++;
    } else {
        for (; (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'); p++)
            if (n + 1 < size)
                out[n++] = *p;
    }
    out[n] = '\0';
    return n >= 3 ? p : NULL;
}

/* [+-]hh[:mm[:ss]] as seconds; hours up to 167 (RFC 8536 section 3.3.1). */
static const char *rule_time(const char *p, long *out)
{
    static const long max[3] = {167, 59, 59};
    int sign = *p == '-' ? -1 : 1;
    if (*p == '-' || *p == '+')
        p++;
    long parts[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        if (*p < '0' || *p > '9')
            return i ? p : NULL;
        for (int digits = 0; *p >= '0' && *p <= '9'; p++)
            if (++digits > 3 || (parts[i] = parts[i] * 10 + (*p - '0')) > max[i])
                return NULL;
        if (*p != ':')
            break;
        p++;
    }
    *out = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
    return p;
}

/* A small decimal number (at most two digits), or -1. */
static long small_num(const char *p, char **end)
{
    long n = 0;
    int digits = 0;
    for (; *p >= '0' && *p <= '9' && digits < 3; p++, digits++)
        n = n * 10 + (*p - '0');
    *end = (char *)p;
    return digits == 0 || digits > 2 ? -1 : n;
}

static int days_in_month(int64_t y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

typedef struct rule_date {
    int m, w, d;     /* Mm.w.d */
    long at;         /* local time of day, seconds (may be negative or past 24 h) */
} rule_date;

static const char *rule_when(const char *p, rule_date *r)
{
    char *end;
    if (*p++ != ',' || *p++ != 'M')
        return NULL;  /* the Jn and n forms are not in the tz database's files */
    r->m = (int)small_num(p, &end);
    if (*end != '.')
        return NULL;
    r->w = (int)small_num(end + 1, &end);
    if (*end != '.')
        return NULL;
    r->d = (int)small_num(end + 1, &end);
    p = end;
    r->at = 7200;
    if (*p == '/' && !(p = rule_time(p + 1, &r->at)))
        return NULL;
    return r->m >= 1 && r->m <= 12 && r->w >= 1 && r->w <= 5 && r->d >= 0 && r->d <= 6 ? p : NULL;
}

/* The UTC second at which rule date r happens in year y, local offset off. */
static int64_t rule_instant(const rule_date *r, int64_t y, long off)
{
    int64_t first = kz_days_from_civil(y, r->m, 1);
    int dow = (int)(((first % 7) + 11) % 7);  /* 1970-01-01 was a Thursday (4) */
    int day = 1 + (r->d - dow + 7) % 7 + (r->w - 1) * 7;
    while (day > days_in_month(y, r->m))
        day -= 7;
    return (first + day - 1) * 86400 + r->at - off;
}

/* The local time at UTC second t under a POSIX TZ string; false when it cannot be read. */
static bool rule_at(const char *tz, int64_t t, kz_tz_local *out)
{
    char std[16], dst[16];
    long std_off, dst_off;
    const char *p = rule_name(tz, std, sizeof std);
    if (!p || !(p = rule_time(p, &std_off)))
        return false;
    std_off = -std_off;  /* POSIX counts west of Greenwich */
    *out = (kz_tz_local){.utoff = (int32_t)std_off};
    snprintf(out->abbr, sizeof out->abbr, "%s", std);
    if (!*p)
        return true;
    if (!(p = rule_name(p, dst, sizeof dst)))
        return false;
    dst_off = std_off + 3600;
    if (*p && *p != ',') {
        if (!(p = rule_time(p, &dst_off)))
            return false;
        dst_off = -dst_off;
    }
    rule_date start, end;
    if (!(p = rule_when(p, &start)) || !(p = rule_when(p, &end)))
        return false;
    time_t s = (time_t)(t + std_off);
    struct tm tm;
    if (!gmtime_r(&s, &tm))
        return false;
    int64_t y = (int64_t)tm.tm_year + 1900;
    int64_t a = rule_instant(&start, y, std_off), b = rule_instant(&end, y, dst_off);
    bool in_dst = a < b ? t >= a && t < b : !(t >= b && t < a);
    if (in_dst) {
        out->utoff = (int32_t)dst_off;
        out->dst = true;
        snprintf(out->abbr, sizeof out->abbr, "%s", dst);
    }
    return true;
}

/* ---- TZif --------------------------------------------------------------------------- */

typedef struct tzif {
    const unsigned char *p;
    size_t n;
} tzif;

/* The zone's file into *buf (the caller's to kz_free, also on failure). */
static kz_rc read_zone(const char *zone, unsigned char **buf, size_t *len, kz_err *err)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", zoneinfo, zone);
    FILE *f = fopen(path, "rb");
    if (!f)
        return kz_fail(err, errno == ENOENT ? KZ_ENOTFOUND : KZ_EIO, "timezone", "no time zone %s", zone);
    *buf = kz_malloc(TZ_FILE_MAX);
    *len = *buf ? fread(*buf, 1, TZ_FILE_MAX, f) : 0;
    bool bad = ferror(f) || *len == TZ_FILE_MAX;
    fclose(f);
    if (!*buf)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    return bad ? kz_fail(err, KZ_ECORRUPT, "timezone", "cannot read %s", path) : KZ_OK;
}

/* The local time at t from one data block of the file (time_size 4 or 8), starting at
 * p[at]; *next gets where the block ends. */
static bool block_at(const tzif *z, size_t at, int time_size, int64_t t, kz_tz_local *out, size_t *next,
                     bool *past_last)
{
    if (at + 44 > z->n || memcmp(z->p + at, "TZif", 4) != 0)
        return false;
    const unsigned char *h = z->p + at + 20;
    int64_t isut = be(h, 4), isstd = be(h + 4, 4), leap = be(h + 8, 4), timecnt = be(h + 12, 4),
            typecnt = be(h + 16, 4), charcnt = be(h + 20, 4);
    if (isut < 0 || isstd < 0 || leap < 0 || timecnt < 0 || typecnt < 1 || typecnt > 256 || charcnt < 0)
        return false;
    size_t times = at + 44, idx = times + (size_t)timecnt * (size_t)time_size, types = idx + (size_t)timecnt,
           chars = types + (size_t)typecnt * 6;
    *next = chars + (size_t)charcnt + (size_t)leap * (size_t)(time_size + 4) + (size_t)isstd + (size_t)isut;
    if (*next > z->n)
        return false;
    int64_t lo = 0, hi = timecnt;  /* the last transition at or before t */
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (be(z->p + times + (size_t)mid * (size_t)time_size, time_size) <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    int type = 0;
    if (lo > 0)
        type = z->p[idx + (size_t)lo - 1];
    else
        for (int64_t i = 0; i < typecnt; i++)  /* before the first: the first standard time */
            if (!z->p[types + (size_t)i * 6 + 4]) {
                type = (int)i;
                break;
            }
    if (type >= typecnt)
        return false;
    const unsigned char *tt = z->p + types + (size_t)type * 6;
    out->utoff = (int32_t)be(tt, 4);
    out->dst = tt[4] != 0;
    size_t ai = tt[5];
    if (ai >= (size_t)charcnt)
        return false;
    const char *abbr = (const char *)z->p + chars + ai;
    size_t an = strnlen(abbr, (size_t)charcnt - ai);
    snprintf(out->abbr, sizeof out->abbr, "%.*s", (int)an, abbr);
    *past_last = timecnt > 0 && lo == timecnt;
    return true;
}

kz_rc kz_tz_at(const char *zone, kz_time t, kz_tz_local *out, kz_err *err)
{
    if (!zone || !zone_name_ok(zone))
        return kz_fail(err, KZ_EINVAL, "timezone", "'%.64s' is not a time zone name", zone ? zone : "");
    unsigned char *buf = NULL;
    size_t len = 0;
    kz_rc rc = read_zone(zone, &buf, &len, err);
    if (rc) {
        kz_free(buf);
        return rc;
    }
    bool ok = kz_tz_at_tzif(buf, len, t, out);
    kz_free(buf);
    return ok ? KZ_OK : kz_fail(err, KZ_ECORRUPT, "timezone", "the zone file of %s is not TZif", zone);
}

bool kz_tz_at_tzif(const unsigned char *buf, size_t len, kz_time t, kz_tz_local *out)
{
    tzif z = {buf, len};
    int64_t s = t / 1000 - (t % 1000 < 0);
    size_t next = 0;
    bool past = false, ok = block_at(&z, 0, 4, s, out, &next, &past);
    if (ok && len > 4 && buf[4] >= '2') {  /* version 2+: the 64-bit block, then the rule */
        ok = block_at(&z, next, 8, s, out, &next, &past);
        if (ok && past && next + 2 < len && buf[next] == '\n') {
            char rule[128];
            const unsigned char *e = memchr(buf + next + 1, '\n', len - next - 1);
            size_t rn = e ? (size_t)(e - buf - next - 1) : 0;
            if (rn && rn < sizeof rule) {
                memcpy(rule, buf + next + 1, rn);
                rule[rn] = '\0';
                kz_tz_local r;
                if (rule_at(rule, s, &r))
                    *out = r;
            }
        }
    }
    return ok;
}

char *kz_tz_format(kz_time t, const char *zone, char *out, size_t size)
{
    if (!t) {
        out[0] = '\0';
        return out;
    }
    kz_tz_local l = {0};
    kz_err e;
    bool local = zone && zone[0] && kz_tz_at(zone, t, &l, &e) == KZ_OK;
    time_t s = (time_t)(t / 1000) + (local ? l.utoff : 0);
    struct tm tm;
    gmtime_r(&s, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
    if (!local) {
        snprintf(out, size, "%s UTC", when);
        return out;
    }
    long off = l.utoff < 0 ? -(long)l.utoff : l.utoff;
    bool named = l.abbr[0] && l.abbr[0] != '+' && l.abbr[0] != '-';
    snprintf(out, size, "%s%s%s (UTC%c%02ld:%02ld)", when, named ? " " : "", named ? l.abbr : "",
             l.utoff < 0 ? '-' : '+', off / 3600, off / 60 % 60);
    return out;
}
