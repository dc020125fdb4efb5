/* Progress line on a terminal (see progress.h): rate-limited redraws with "\r" and an
 * erase-to-end-of-line, nothing at all when the descriptor is not a terminal. */
#include "util/progress.h"

#include "util/alloc.h"
#include "util/clock.h"

#include <stdbool.h>

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct kz_progress {
    int fd;
    char label[32], noun[24];
    int64_t total;
    double start, last_draw;
    uint64_t done;
    bool drawn;
};

enum { REDRAW_MS = 100 };

char *kz_fmt_bytes(uint64_t n, char *out, size_t cap)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    if (n < 1024) {
        snprintf(out, cap, "%llu B", (unsigned long long)n);
        return out;
    }
    double v = (double)n;
    int u = 0;
    while (v >= 1024 && u < 5)
        v /= 1024, u++;
    snprintf(out, cap, "%.1f %s", v, units[u]);
    return out;
}

char *kz_fmt_count(uint64_t n, char *out, size_t cap)
{
    char digits[24];
    int len = snprintf(digits, sizeof digits, "%llu", (unsigned long long)n);
    size_t o = 0;
    for (int i = 0; i < len && o + 1 < cap; i++) {
        if (i && (len - i) % 3 == 0 && o + 2 < cap)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    return out;
}

static void fmt_duration(double s, char *out, size_t cap)
{
    unsigned long t = s < 0 ? 0 : (unsigned long)(s + 0.5);
    if (t >= 3600)
        snprintf(out, cap, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(out, cap, "%lu:%02lu", t / 60, t % 60);
}

static void fmt_amount(uint64_t n, const char *noun, char *out, size_t cap)
{
    if (noun)
        kz_fmt_count(n, out, cap);
    else
        kz_fmt_bytes(n, out, cap);
}

size_t kz_progress_format(char *out, size_t cap, const char *label, const char *noun,
                          uint64_t done, int64_t total, double secs)
{
    char a[32], b[32], rate[32], eta[24];
    size_t len = 0;
#define ADD(...)                                                                                   \
    do {                                                                                           \
        int k_ = snprintf(out + len, cap - len, __VA_ARGS__);                                      \
        if (k_ > 0)                                                                                \
            len = len + (size_t)k_ < cap ? len + (size_t)k_ : cap - 1;                             \
    } while (0)
    if (cap == 0)
        return 0;
    out[0] = '\0';
    fmt_amount(done, noun, a, sizeof a);
    ADD("%s %s", label, a);
    if (total >= 0) {
        fmt_amount((uint64_t)total, noun, b, sizeof b);
        ADD(" / %s", b);
    }
    if (noun)
        ADD(" %s", noun);
    if (total > 0) {
        double pct = 100.0 * (double)done / (double)total;
        ADD("  %3.0f%%", pct > 100 ? 100 : pct);
    }
    if (secs > 0.05 && done > 0) {
        double r = (double)done / secs;
        if (noun)
            ADD("  %s/s", kz_fmt_count((uint64_t)r, rate, sizeof rate));
        else
            ADD("  %s/s", kz_fmt_bytes((uint64_t)r, rate, sizeof rate));
        if (total > 0 && (uint64_t)total > done) {
            fmt_duration((double)((uint64_t)total - done) / r, eta, sizeof eta);
            ADD("  ETA %s", eta);
        }
    }
#undef ADD
    return len;
}

kz_progress *kz_progress_new(int fd, const char *label, const char *noun, int64_t total)
{
    if (!isatty(fd))
        return NULL;
    kz_progress *p = kz_calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->fd = fd;
    snprintf(p->label, sizeof p->label, "%s", label);
    if (noun)
        snprintf(p->noun, sizeof p->noun, "%s", noun);
    p->total = total;
    p->start = p->last_draw = kz_mono_s();
    return p;
}

static void draw(kz_progress *p, double now)
{
    char line[200];
    size_t n = kz_progress_format(line + 1, sizeof line - 8, p->label, p->noun[0] ? p->noun : NULL,
                                  p->done, p->total, now - p->start);
    line[0] = '\r';
    memcpy(line + 1 + n, "\033[K", 3);  /* erase what a longer previous line left */
    ssize_t w = write(p->fd, line, n + 4);
    (void)w;  /* a progress line that cannot be written is not worth failing for */
    p->drawn = true;
    p->last_draw = now;
}

void kz_progress_update(kz_progress *p, uint64_t done)
{
    if (!p)
        return;
    p->done = done;
    double now = kz_mono_s();
    if ((now - p->last_draw) * 1000 >= REDRAW_MS)
        draw(p, now);
}

void kz_progress_done(kz_progress *p)
{
    if (!p)
        return;
    if (p->drawn) {
        ssize_t w = write(p->fd, "\r\033[K", 4);
        (void)w;
    }
    kz_free(p);
}
