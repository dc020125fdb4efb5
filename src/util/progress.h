/* Progress of long operations on a terminal: one line on stderr, redrawn at most ten
 * times a second, with the amount done, the rate and, when the total is known, the
 * percentage and the time left. When stderr is not a terminal (a pipe, a file, a
 * service's log) nothing at all is written: progress is for people watching.
 *
 *   kz_progress *p = kz_progress_new(STDERR_FILENO, "matching", NULL, file_size);
 *   ... kz_progress_update(p, bytes_so_far); ...
 *   kz_progress_done(p);
 *
 * Every function accepts NULL (what kz_progress_new returns off a terminal). One
 * progress belongs to one thread. */
#ifndef KZ_UTIL_PROGRESS_H
#define KZ_UTIL_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

typedef struct kz_progress kz_progress;

/* Starts a progress line on fd if fd is a terminal, else returns NULL. label says what
 * runs ("matching"); noun is what is counted ("lines", "indicators"), or NULL for
 * bytes; total is the amount expected, or -1 when unknown. */
kz_progress *kz_progress_new(int fd, const char *label, const char *noun, int64_t total);

/* Records that done units are finished; redraws when 100 ms have passed since the
 * last drawing. Cheap enough to call per block or per few thousand items. */
void kz_progress_update(kz_progress *p, uint64_t done);

/* Erases the line and frees p. */
void kz_progress_done(kz_progress *p);

/* The text of one progress line, for the display and its tests:
 *   "matching 1.5 GiB / 2.0 GiB  75%  512.0 MiB/s  ETA 0:01"
 *   "importing 1,200,000 indicators  400,000/s"
 * secs is the time since the start. Returns the length written (truncated to cap). */
size_t kz_progress_format(char *out, size_t cap, const char *label, const char *noun,
                          uint64_t done, int64_t total, double secs);

/* "512 B", "1.5 KiB", "2.0 GiB" into out; returns out. */
char *kz_fmt_bytes(uint64_t n, char *out, size_t cap);

/* "1,234,567" into out; returns out. */
char *kz_fmt_count(uint64_t n, char *out, size_t cap);

#endif
