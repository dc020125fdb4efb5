/* Unit tests of util/: arena, bounded buffers, clock and RFC 3339, UTF-8 rules, JSON
 * text escaping, error codes and allocation failure injection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/alloc.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/cpu.h"
#include "util/conf.h"
#include "util/json_text.h"
#include "util/tz.h"
#include "util/utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void arena_allocates_aligned_and_frees(void **state)
{
    (void)state;
    kz_arena a;
    kz_arena_init(&a);
    for (int i = 1; i < 2000; i++) {
        char *p = kz_arena_alloc(&a, (size_t)i);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
        memset(p, 0xAB, (size_t)i);
    }
    char *big = kz_arena_alloc(&a, 5u << 20);
    assert_non_null(big);
    assert_string_equal(kz_arena_printf(&a, "%s-%d", "kz", 42), "kz-42");
    assert_string_equal(kz_arena_strndup(&a, "abcdef", 3), "abc");
    assert_null(kz_arena_strdup(&a, NULL));
    kz_arena_free(&a);
    assert_null(a.head);
}

static void buf_refuses_to_pass_its_ceiling(void **state)
{
    (void)state;
    kz_buf b;
    kz_buf_init(&b, 10);
    assert_int_equal(kz_buf_puts(&b, "0123456789"), KZ_OK);
    assert_int_equal(kz_buf_puts(&b, "x"), KZ_ETOOBIG);
    assert_int_equal(b.len, 10);
    assert_string_equal(b.p, "0123456789");
    kz_buf_reset(&b);
    assert_int_equal(kz_buf_printf(&b, "%05d", 42), KZ_OK);
    assert_string_equal(b.p, "00042");
    char *s = kz_buf_steal(&b);
    assert_string_equal(s, "00042");
    assert_null(b.p);
    kz_free(s);
    kz_buf_free(&b);
}

static void alloc_failure_is_reported_not_crashed(void **state)
{
    (void)state;
    kz_buf b;
    kz_buf_init(&b, 1 << 20);
    kz_alloc_fail_after(0);
    assert_int_equal(kz_buf_puts(&b, "hello"), KZ_ENOMEM);
    kz_arena a;
    kz_arena_init(&a);
    assert_null(kz_arena_alloc(&a, 16));
    kz_alloc_fail_after(-1);
    assert_int_equal(kz_buf_puts(&b, "hello"), KZ_OK);
    kz_buf_free(&b);
}

/* The counter the hot-path tests read, and the sized blocks SQLite allocates through. */
static void allocations_are_counted_and_sized_blocks_know_their_size(void **state)
{
    (void)state;
    unsigned long n = kz_alloc_count();
    void *p = kz_malloc(10);
    char *s = kz_strdup("x");
    assert_int_equal(kz_alloc_count() - n, 2);
    kz_free(p);
    kz_free(s);
    unsigned char *z = kz_sized_malloc(13);
    assert_non_null(z);
    assert_int_equal((uintptr_t)z % _Alignof(max_align_t), 0);
    assert_int_equal(kz_sized_size(z), 13);
    memset(z, 7, 13);
    z = kz_sized_realloc(z, 4000);
    assert_int_equal(kz_sized_size(z), 4000);
    assert_int_equal(z[12], 7);
    kz_alloc_fail_after(0);
    assert_null(kz_sized_realloc(z, 8000)); /* and z is untouched */
    assert_null(kz_sized_malloc(1));
    kz_alloc_fail_after(-1);
    assert_int_equal(kz_sized_size(z), 4000);
    assert_int_equal(kz_alloc_count() - n, 6);
    kz_sized_free(z);
    kz_sized_free(NULL);
}

/* Whether fn(arg) aborts (a broken invariant) in a child process. */
static bool aborts(void (*fn)(void *), void *arg)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        fclose(stderr);  /* the assertion's message is expected */
        fn(arg);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void append_to(void *p) { kz_buf_append(p, "x", 1); }
static void alloc_from(void *p) { kz_arena_alloc(p, 8); }

/* The structural invariants are live in the build the tests run (util/invariant.h). */
static void broken_invariants_abort_in_debug_builds(void **state)
{
    (void)state;
#ifdef NDEBUG
    skip();
#endif
    kz_buf b;
    kz_buf_init(&b, 64);
    assert_int_equal(kz_buf_puts(&b, "abc"), KZ_OK);
    assert_false(aborts(append_to, &b));
    b.len = b.cap;  /* past its own storage */
    assert_true(aborts(append_to, &b));
    b.len = 0;
    b.cap = 0;      /* storage it does not account for */
    assert_true(aborts(append_to, &b));
    b.cap = 256;
    kz_buf_free(&b);

    kz_arena a;
    kz_arena_init(&a);
    assert_non_null(kz_arena_alloc(&a, 8));
    assert_false(aborts(alloc_from, &a));
    a.block_size = 1;  /* not a size this arena ever uses */
    assert_true(aborts(alloc_from, &a));
    a.block_size = 4096;
    kz_arena_free(&a);
}

static void time_round_trips_rfc3339(void **state)
{
    (void)state;
    kz_time t;
    char out[40];
    assert_int_equal(kz_time_parse("2026-11-25T21:21:13.123Z", &t), KZ_OK);
    assert_int_equal(t, 1795641673123LL);
    assert_string_equal(kz_time_format(t, out, sizeof out), "2026-11-25T21:21:13.123Z");
    assert_int_equal(kz_time_parse("2026-11-26T06:21:13.123+09:00", &t), KZ_OK);
    assert_int_equal(t, 1795641673123LL);
    assert_int_equal(kz_time_parse("1970-01-01", &t), KZ_OK);
    assert_int_equal(t, 0);
    assert_int_equal(kz_time_parse("2024-02-29T00:00:00Z", &t), KZ_OK);
    const char *bad[] = {"2023-02-29", "2026-13-01", "2026-11-25T25:00:00Z", "2026-11-25T10:00:00",
                         "2026-11-25T10:00:00Zjunk", "26-11-25", "", "2026-11-25T10:00:00.Z"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(kz_time_parse(bad[i], &t), KZ_EINVAL);
}

static void clock_moves_for_tests(void **state)
{
    (void)state;
    kz_time before = kz_now_ms();
    kz_clock_advance(3600 * 1000);
    assert_true(kz_now_ms() >= before + 3600 * 1000);
    kz_clock_advance(-3600 * 1000);
    assert_true(kz_now_ms() < before + 3600 * 1000);
}

static void the_monotonic_clock_is_not_moved_by_tests(void **state)
{
    (void)state;
    int64_t ms = kz_mono_ms();
    double s = kz_mono_s();
    kz_clock_advance(3600 * 1000);
    int64_t after = kz_mono_ms();
    kz_clock_advance(-3600 * 1000);
    assert_true(after >= ms && after - ms < 60 * 1000);
    assert_true(s * 1000 >= (double)ms - 1 && s * 1000 - (double)ms < 60 * 1000);
}

/* /proc/cpuinfo's flags, read by the kernel from CPUID: an answer independent of ours. */
static bool cpuinfo_has(const char *flag)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return false;
    char line[8192];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        if (strncmp(line, "flags", 5) != 0)
            continue;
        for (char *t = strtok(strchr(line, ':') + 1, " \n"); t && !found; t = strtok(NULL, " \n"))
            found = strcmp(t, flag) == 0;
        break;
    }
    fclose(f);
    return found;
}

static void the_cpu_features_are_those_the_kernel_reports(void **state)
{
    (void)state;
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        skip();
    fclose(f);
    static const struct {
        unsigned bit;
        const char *flag;
    } features[] = {
        {KZ_CPU_AVX2, "avx2"}, {KZ_CPU_PCLMUL, "pclmulqdq"}, {KZ_CPU_POPCNT, "popcnt"}, {KZ_CPU_BMI1, "bmi1"},
        {KZ_CPU_SSSE3, "ssse3"},
    };
    unsigned all = 0;
    bool every = true;
    for (size_t i = 0; i < sizeof features / sizeof *features; i++) {
        bool has = cpuinfo_has(features[i].flag);
#if defined(__x86_64__)
        assert_int_equal(kz_cpu_has(features[i].bit), has);
#else
        assert_false(kz_cpu_has(features[i].bit));
#endif
        all |= features[i].bit;
        every = every && kz_cpu_has(features[i].bit);
    }
    assert_int_equal(kz_cpu_has(all), every); /* a mask asks for all of its features */
    assert_false(kz_cpu_has(0));
}

/* kz_ascii (64 and 16 bytes a step, then 8, then 1): one byte of 0x80 or more at
 * every position of every length to 300, at every start offset of a buffer, the rest
 * ASCII (0x7F and NUL included); and every length with none. */
static void ascii_test_agrees(void **state)
{
    (void)state;
    char *buf = kz_malloc(320);
    assert_non_null(buf);
    for (size_t off = 0; off < 16; off++)
        for (size_t n = 0; n <= 300; n++) {
            char *s = buf + off;
            for (size_t i = 0; i < n; i++)
                s[i] = (char)((i * 37 + n) % 128);
            assert_true(kz_ascii(s, n));
            for (size_t at = 0; at < n; at++) {
                unsigned char high = (unsigned char)(0x80 + (at * 13 + n) % 128);
                char keep = s[at];
                s[at] = (char)high;
                assert_false(kz_ascii(s, n));
                s[at] = keep;
            }
        }
    kz_free(buf);
}

static void utf8_rules(void **state)
{
    (void)state;
    assert_true(kz_text_ok("東京 CSIRT", strlen("東京 CSIRT"), false));
    assert_false(kz_text_ok("a\nb", 3, false));
    assert_true(kz_text_ok("a\nb", 3, true));
    assert_false(kz_text_ok("\xC0\xAF", 2, true));         /* overlong */
    assert_false(kz_text_ok("\xED\xA0\x80", 3, true));     /* surrogate */
    assert_false(kz_text_ok("\xF4\x90\x80\x80", 4, true)); /* above U+10FFFF */
    assert_false(kz_text_ok("\xE6\x9D", 2, true));         /* cut off */
    assert_int_equal(kz_utf8_count("東京", strlen("東京")), 2);
}

/* Every bidirectional control is found, nothing else is: U+202E would make
 * "Invoice\u202Etxt.exe" read "Invoiceexe.txt" in a mail or a page. */
static void utf8_bidirectional_controls(void **state)
{
    (void)state;
    static const unsigned bidi[] = {0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
                                    0x2066, 0x2067, 0x2068, 0x2069};
    for (size_t i = 0; i < sizeof bidi / sizeof *bidi; i++) {
        char s[16];
        unsigned cp = bidi[i];
        int n = cp < 0x800 ? snprintf(s, sizeof s, "a%c%cb", 0xC0 | (cp >> 6), 0x80 | (cp & 0x3F))
                           : snprintf(s, sizeof s, "a%c%c%cb", 0xE0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3F),
                                      0x80 | (cp & 0x3F));
        assert_int_equal(kz_text_bidi(s, (size_t)n), cp);
        kz_arena a;
        kz_arena_init(&a);
        assert_string_equal(kz_text_fit(&a, s, 100, false), "ab");  /* dropped from imported text */
        kz_arena_free(&a);
    }
    /* neighbours and ordinary right-to-left text are not controls */
    assert_int_equal(kz_text_bidi("\xE2\x80\x8D", 3), 0);             /* U+200D zero-width joiner */
    assert_int_equal(kz_text_bidi("\xE2\x80\xA9", 3), 0);             /* U+2029 */
    assert_int_equal(kz_text_bidi("\xE2\x81\xA5\xE2\x81\xAA", 6), 0); /* U+2065, U+206A */
    assert_int_equal(kz_text_bidi("\xD8\xA7\xD9\x84\xD8\xB9", 6), 0); /* Arabic letters */
    assert_int_equal(kz_text_bidi("\xD8\x9B", 2), 0);                  /* U+061B Arabic semicolon */
    assert_int_equal(kz_text_bidi("東京 CSIRT", strlen("東京 CSIRT")), 0);
}

/* kz_tz_at against the C library's own reading of the same files (TZ set in this
 * single-threaded test), over a century: before the first transition, across DST
 * changes, and past 2037 where fat files end and the POSIX rule of the footer speaks. */
static void time_zones_agree_with_the_c_library(void **state)
{
    (void)state;
    static const char *const zones[] = {"Asia/Tokyo", "Europe/Berlin", "America/New_York", "Australia/Sydney",
                                        "Pacific/Auckland", "America/Sao_Paulo", "Asia/Kolkata", "Europe/Dublin",
                                        "Africa/Casablanca", "Pacific/Chatham", "UTC", "America/St_Johns"};
    char *saved = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
    for (size_t z = 0; z < sizeof zones / sizeof *zones; z++) {
        setenv("TZ", zones[z], 1);
        tzset();
        for (int64_t s = -2000000000LL; s < 4200000000LL; s += 7776000 + 3607) {
            kz_tz_local l;
            kz_err err;
            assert_int_equal(kz_tz_at(zones[z], s * 1000, &l, &err), KZ_OK);
            time_t t = (time_t)s;
            struct tm tm;
            localtime_r(&t, &tm);
            if (l.utoff != tm.tm_gmtoff || strcmp(l.abbr, tm.tm_zone) != 0)
                fail_msg("%s at %lld: %d %s, the C library says %ld %s", zones[z], (long long)s, l.utoff, l.abbr,
                         tm.tm_gmtoff, tm.tm_zone);
        }
    }
    saved ? setenv("TZ", saved, 1) : unsetenv("TZ");
    free(saved);
    tzset();
    char out[64];
    assert_string_equal(kz_tz_format(1764105660000LL, "Asia/Tokyo", out, sizeof out), "2025-11-26 06:21 JST (UTC+09:00)");
    assert_string_equal(kz_tz_format(1764105660000LL, "America/St_Johns", out, sizeof out),
                        "2025-11-25 17:51 NST (UTC-03:30)");
    assert_string_equal(kz_tz_format(1764105660000LL, "Asia/Dubai", out, sizeof out), "2025-11-26 01:21 (UTC+04:00)");
    assert_string_equal(kz_tz_format(1764105660000LL, NULL, out, sizeof out), "2025-11-25 21:21 UTC");
    assert_string_equal(kz_tz_format(1764105660000LL, "Mars/Olympus", out, sizeof out), "2025-11-25 21:21 UTC");
    kz_tz_local l;
    kz_err err;
    assert_int_equal(kz_tz_at("../../etc/passwd", 0, &l, &err), KZ_EINVAL);
    assert_int_equal(kz_tz_at("Mars/Olympus", 0, &l, &err), KZ_ENOTFOUND);
}

static void json_text_escapes_everything(void **state)
{
    (void)state;
    kz_buf b;
    kz_buf_init(&b, 1024);
    kz_json_text_strn(&b, "q\"\\\n\x01\xFF東", 9);
    assert_string_equal(b.p, "\"q\\\"\\\\\\n\\u0001\xEF\xBF\xBD東\"");
    kz_buf_reset(&b);
    kz_json_text_str(&b, NULL);
    assert_string_equal(b.p, "null");
    kz_buf_free(&b);
}

static void error_table_is_complete(void **state)
{
    (void)state;
    for (int rc = 0; rc < KZ_RC_COUNT; rc++) {
        assert_non_null(kz_rc_code((kz_rc)rc));
        assert_true(kz_rc_http_status((kz_rc)rc) >= 200);
    }
    assert_int_equal(kz_rc_http_status(KZ_EINVAL), 400);
    assert_int_equal(kz_rc_http_status(KZ_EUNAUTH), 401);
    assert_int_equal(kz_rc_http_status(KZ_EFORBIDDEN), 403);
    assert_int_equal(kz_rc_http_status(KZ_ETOOBIG), 413);
    assert_int_equal(kz_rc_http_status(KZ_EBUSY), 503);
    assert_string_equal(kz_rc_code(KZ_EBUSY), "busy");
    kz_err e;
    assert_int_equal(kz_fail(&e, KZ_EINVAL, "email", "bad %s", "address"), KZ_EINVAL);
    assert_string_equal(e.field, "email");
    assert_string_equal(e.msg, "bad address");
}

/* Collects "section|key=value@line:col" for each entry, "[section]@line:col" for headers. */
static kz_rc collect(void *ctx, const kz_conf_entry *e, kz_err *err)
{
    kz_buf *b = ctx;
    char one[256];
    if (e->key)
        snprintf(one, sizeof one, "%s|%s=%s@%u:%u;", e->section, e->key, e->value, e->line, e->value_col);
    else
        snprintf(one, sizeof one, "[%s]@%u:%u;", e->section, e->line, e->key_col);
    if (e->key && strcmp(e->key, "refused") == 0)
        return kz_fail(err, KZ_EINVAL, "value", "no");
    return kz_buf_append(b, one, strlen(one));
}

static void conf_syntax_and_positions(void **state)
{
    (void)state;
    static const char text[] = "\xEF\xBB\xBF# comment\n"
                               "db = /var/lib/k.db   # trailing\n"
                               "\n"
                               "  [import csv]\r\n"
                               "map = \"a # b \\\"q\\\" \\t\"  # c\n"
                               "chunk=5\n"
                               "url = http://x/#frag\n";
    kz_arena ar;
    kz_arena_init(&ar);
    kz_buf b;
    kz_buf_init(&b, 4096);
    unsigned line, col;
    kz_err err;
    assert_int_equal(kz_conf_parse(text, sizeof text - 1, collect, &b, &ar, &line, &col, &err), KZ_OK);
    assert_string_equal(b.p, "|db=/var/lib/k.db@2:6;[import csv]@4:3;import csv|map=a # b \"q\" \t@5:7;"
                             "import csv|chunk=5@6:7;import csv|url=http://x/#frag@7:7;");
    static const struct {
        const char *text;
        unsigned line, col;
        size_t n;  /* 0: strlen */
    } bad[] = {
        {"a = 1\nno equals\n", 2, 4}, {"[x\n", 1, 3}, {"[]\n", 1, 2}, {"[a  b]\n", 1, 4},
        {"a = \"x\" y\n", 1, 9}, {"a = \"\\z\"\n", 1, 6}, {"a = 1\nrefused = 2\n", 2, 11},
        {"Key = 1\n", 1, 1}, {"a = \0\n", 1, 5, 6},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        kz_buf_reset(&b);
        size_t n = bad[i].n ? bad[i].n : strlen(bad[i].text);
        assert_int_equal(kz_conf_parse(bad[i].text, n, collect, &b, &ar, &line, &col, &err), KZ_EINVAL);
        assert_int_equal(line, bad[i].line);
        assert_int_equal(col, bad[i].col);
        assert_true(err.msg[0] != '\0');
    }
    kz_buf_free(&b);
    kz_arena_free(&ar);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arena_allocates_aligned_and_frees),
        cmocka_unit_test(buf_refuses_to_pass_its_ceiling),
        cmocka_unit_test(alloc_failure_is_reported_not_crashed),
        cmocka_unit_test(allocations_are_counted_and_sized_blocks_know_their_size),
        cmocka_unit_test(broken_invariants_abort_in_debug_builds),
        cmocka_unit_test(time_round_trips_rfc3339),
        cmocka_unit_test(clock_moves_for_tests),
        cmocka_unit_test(the_monotonic_clock_is_not_moved_by_tests),
        cmocka_unit_test(the_cpu_features_are_those_the_kernel_reports),
        cmocka_unit_test(ascii_test_agrees),
        cmocka_unit_test(utf8_rules),
        cmocka_unit_test(utf8_bidirectional_controls),
        cmocka_unit_test(time_zones_agree_with_the_c_library),
        cmocka_unit_test(json_text_escapes_everything),
        cmocka_unit_test(error_table_is_complete),
        cmocka_unit_test(conf_syntax_and_positions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
