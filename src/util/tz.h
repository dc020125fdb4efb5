/* Local time in an IANA time zone, read from the system's tz database (TZif files under
 * /usr/share/zoneinfo, RFC 8536) by Kizuna itself: localtime_r answers for the one
 * process-wide TZ, and changing TZ per call is not thread-safe, while mail for contacts
 * in many zones is written by several threads at once. The file's transitions are used,
 * and its POSIX TZ rule past the last one (so slim files work too). */
#ifndef KZ_UTIL_TZ_H
#define KZ_UTIL_TZ_H

#include "util/clock.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kz_tz_local {
    int32_t utoff;           /* seconds east of UTC */
    bool dst;
    char abbr[16];           /* "JST", "CEST"; numeric ones as written ("+09") */
} kz_tz_local;

/* The offset and abbreviation in zone ("Asia/Tokyo") at t. KZ_EINVAL for a name that is
 * not a zone name, KZ_ENOTFOUND when the database has no such zone, KZ_ECORRUPT for a
 * file that is not TZif. Thread-safe; reads the file on each call. */
kz_rc kz_tz_at(const char *zone, kz_time t, kz_tz_local *out, kz_err *err);

/* The same on a TZif image in memory (what kz_tz_at reads; for the fuzz target): false
 * when p[0..n) is not TZif. */
bool kz_tz_at_tzif(const unsigned char *p, size_t n, kz_time t, kz_tz_local *out);

/* t as "2026-11-26 06:21 JST (UTC+09:00)" in zone into out (at least 48 bytes), or as
 * "2026-11-25 21:21 UTC" when zone is NULL, empty or unusable. "" for t = 0. */
char *kz_tz_format(kz_time t, const char *zone, char *out, size_t size);

#endif
