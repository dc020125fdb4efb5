/* Time in Kizuna: milliseconds since the Unix epoch (UTC), RFC 3339 text at the edges.
 * The clock can be moved forward by tests (kz_clock_advance) so that deadlines and
 * schedules are tested without sleeping; a server only allows it with --test-clock. */
#ifndef KZ_UTIL_CLOCK_H
#define KZ_UTIL_CLOCK_H

#include "util/error.h"

#include <stddef.h>
#include <stdint.h>

typedef int64_t kz_time;  /* ms since 1970-01-01T00:00:00Z */

/* Wall-clock time plus the test offset. Thread-safe. */
kz_time kz_now_ms(void);

/* The monotonic clock (never moved by tests or by the system's time): for measuring
 * waits and durations. In milliseconds and in seconds, from an arbitrary origin. */
int64_t kz_mono_ms(void);
double kz_mono_s(void);

/* Moves the clock by ms (may be negative). Returns the new offset. Thread-safe. */
int64_t kz_clock_advance(int64_t ms);

/* "2026-11-25T21:21:13.123Z" into out (at least 25 bytes). Returns out. */
char *kz_time_format(kz_time t, char *out, size_t size);

/* Parses RFC 3339 date-time ("2026-11-25T21:21:13Z", fractional seconds and
 * numeric offsets allowed) or a plain date ("2026-11-25", taken as midnight UTC).
 * KZ_EINVAL on anything else. */
kz_rc kz_time_parse(const char *s, kz_time *out);

/* The proleptic Gregorian calendar in days since 1970-01-01 (H. Hinnant's algorithms):
 * days of y-m-d, and y-m-d of a day. */
int64_t kz_days_from_civil(int64_t y, int m, int d);
void kz_civil_from_days(int64_t day, int64_t *y, unsigned *m, unsigned *d);

/* The UTC day (days since 1970-01-01) of a time, and its "YYYY-MM-DD". */
int64_t kz_day_of(kz_time t);
void kz_day_format(int64_t day, char out[11]);

#endif
