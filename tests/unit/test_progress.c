/* Unit tests of util/progress: the text of a progress line (amounts, rate, ETA), the
 * silence off a terminal, and the drawing on a real pseudo-terminal with its rate
 * limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/progress.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void formats_amounts(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(kz_fmt_bytes(0, b, sizeof b), "0 B");
    assert_string_equal(kz_fmt_bytes(1023, b, sizeof b), "1023 B");
    assert_string_equal(kz_fmt_bytes(1536, b, sizeof b), "1.5 KiB");
    assert_string_equal(kz_fmt_bytes(5u << 20, b, sizeof b), "5.0 MiB");
    assert_string_equal(kz_fmt_bytes(2254857830ull, b, sizeof b), "2.1 GiB");
    assert_string_equal(kz_fmt_count(0, b, sizeof b), "0");
    assert_string_equal(kz_fmt_count(999, b, sizeof b), "999");
    assert_string_equal(kz_fmt_count(1000, b, sizeof b), "1,000");
    assert_string_equal(kz_fmt_count(1234567, b, sizeof b), "1,234,567");
    assert_string_equal(kz_fmt_count(18446744073709551615ull, b, sizeof b),
                        "18,446,744,073,709,551,615");
    char tiny[4];
    assert_string_equal(kz_fmt_count(1234567, tiny, sizeof tiny), "1,2");
}

static void formats_lines(void **state)
{
    (void)state;
    char line[200];
    /* bytes, total known: percentage, rate, time left */
    kz_progress_format(line, sizeof line, "matching", NULL, 3u << 29, 2ull << 30, 3.0);
    assert_string_equal(line, "matching 1.5 GiB / 2.0 GiB   75%  512.0 MiB/s  ETA 0:01");
    /* bytes from a pipe: no total, no ETA */
    kz_progress_format(line, sizeof line, "matching", NULL, 10u << 20, -1, 2.0);
    assert_string_equal(line, "matching 10.0 MiB  5.0 MiB/s");
    /* items with a total */
    kz_progress_format(line, sizeof line, "importing", "indicators", 1200000, 5000000, 3.0);
    assert_string_equal(line,
                        "importing 1,200,000 / 5,000,000 indicators   24%  400,000/s  ETA 0:10");
    /* long ETA in hours */
    kz_progress_format(line, sizeof line, "importing", "rows", 1, 10000, 1.0);
    assert_string_equal(line, "importing 1 / 10,000 rows    0%  1/s  ETA 2:46:39");
    /* nothing done yet: no rate */
    kz_progress_format(line, sizeof line, "matching", NULL, 0, 100, 0.0);
    assert_string_equal(line, "matching 0 B / 100 B    0%");
    /* more than announced: capped at 100%, no ETA */
    kz_progress_format(line, sizeof line, "matching", NULL, 200, 100, 1.0);
    assert_string_equal(line, "matching 200 B / 100 B  100%  200 B/s");
    /* truncated, never overrun */
    char small[12];
    assert_int_equal(kz_progress_format(small, sizeof small, "matching", NULL, 200, 100, 1.0), 11);
    assert_string_equal(small, "matching 20");
}

static void silent_off_a_terminal(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    kz_progress *p = kz_progress_new(fds[1], "matching", NULL, 100);
    assert_null(p);
    kz_progress_update(p, 50);  /* NULL is a no-op */
    kz_progress_done(p);
    close(fds[1]);
    char buf[16];
    assert_int_equal(read(fds[0], buf, sizeof buf), 0);  /* nothing was written */
    close(fds[0]);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000 + (double)ts.tv_nsec / 1e6;
}

static size_t drain(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    for (;;) {
        ssize_t k = read(fd, buf + len, cap - 1 - len);
        if (k <= 0)
            break;
        len += (size_t)k;
    }
    buf[len] = '\0';
    return len;
}

static void draws_on_a_terminal_at_most_ten_times_a_second(void **state)
{
    (void)state;
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0) {
        skip();  /* no pseudo-terminals in this sandbox */
        return;
    }
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    assert_true(slave >= 0);
    fcntl(master, F_SETFL, O_NONBLOCK);

    kz_progress *p = kz_progress_new(slave, "matching", "lines", 1000);
    assert_non_null(p);
    double t0 = now_ms();
    while (now_ms() - t0 < 120)
        ;
    kz_progress_update(p, 500);  /* over 100 ms since the start: drawn */
    static char out[1 << 16];
    size_t n = drain(master, out, sizeof out);
    assert_true(n > 0);
    assert_int_equal(out[0], '\r');
    assert_non_null(strstr(out, "matching 500 / 1,000 lines   50%"));
    assert_non_null(strstr(out, "\033[K"));

    /* a burst of updates: the number of redraws follows the clock, not the calls */
    double t1 = now_ms();
    for (uint64_t i = 0; i < 200000; i++)
        kz_progress_update(p, 500 + i % 500);
    double ms = now_ms() - t1;
    n = drain(master, out, sizeof out);
    size_t draws = 0;
    for (size_t i = 0; i < n; i++)
        draws += out[i] == '\r';
    assert_true(draws <= (size_t)(ms / 100) + 1);

    kz_progress_done(p);
    n = drain(master, out, sizeof out);
    assert_string_equal(out, "\r\033[K");
    close(slave);
    close(master);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(formats_amounts),
        cmocka_unit_test(formats_lines),
        cmocka_unit_test(silent_off_a_terminal),
        cmocka_unit_test(draws_on_a_terminal_at_most_ten_times_a_second),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
