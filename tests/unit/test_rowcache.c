/* Unit tests of the row cache (util/rowcache.c): a hit gives the bytes kept for that row
 * and generation only, and the cache never holds more than its bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/rowcache.h"

#include <stdio.h>
#include <string.h>

static void hits_are_per_row_and_generation(void **state)
{
    (void)state;
    kz_rowcache *c = kz_rowcache_new(1 << 20);
    assert_non_null(c);
    kz_buf b;
    kz_buf_init(&b, 1 << 20);
    kz_rc rc = KZ_OK;
    assert_false(kz_rowcache_append(c, 7, 1, &b, &rc));
    kz_rowcache_put(c, 7, 1, "{\"a\":1}", 7);
    assert_true(kz_rowcache_append(c, 7, 1, &b, &rc));
    assert_string_equal(b.p, "{\"a\":1}");
    assert_false(kz_rowcache_append(c, 7, 2, &b, &rc)); /* a newer generation: stale */
    assert_false(kz_rowcache_append(c, 8, 1, &b, &rc));
    kz_rowcache_put(c, 7, 2, "{\"a\":2}", 7);
    kz_rowcache_put(c, 7, 1, "{\"old\":1}", 9); /* an older rendering never replaces it */
    kz_buf_reset(&b);
    assert_true(kz_rowcache_append(c, 7, 2, &b, &rc));
    assert_string_equal(b.p, "{\"a\":2}");
    assert_int_equal(rc, KZ_OK);
    kz_buf_free(&b);
    kz_rowcache_free(c);
}

static void the_bound_holds(void **state)
{
    (void)state;
    enum { LIMIT = 64 * 1024 };
    kz_rowcache *c = kz_rowcache_new(LIMIT);
    assert_non_null(c);
    char text[400];
    memset(text, 'x', sizeof text);
    size_t kept = 0;
    kz_buf b;
    kz_buf_init(&b, 1 << 20);
    for (int64_t row = 1; row <= 10000; row++) {
        kz_rowcache_put(c, row, 1, text, sizeof text);
        assert_true(kz_rowcache_bytes(c) <= LIMIT);
    }
    kz_rc rc = KZ_OK;
    for (int64_t row = 1; row <= 10000; row++)
        kept += kz_rowcache_append(c, row, 1, &b, &rc);
    assert_true(kept > 0 && kept * sizeof text <= LIMIT);
    assert_int_equal(b.len, kept * sizeof text);
    /* a newer generation replaces what is there, still within the bound */
    for (int64_t row = 1; row <= 10000; row++)
        kz_rowcache_put(c, row, 2, text, sizeof text);
    assert_true(kz_rowcache_bytes(c) <= LIMIT);
    static char big[KZ_ROWCACHE_MAX_ENTRY + 1];
    kz_rowcache_put(c, 5, 3, big, sizeof big); /* too large: not kept */
    assert_false(kz_rowcache_append(c, 5, 3, &b, &rc));
    kz_buf_free(&b);
    kz_rowcache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hits_are_per_row_and_generation),
        cmocka_unit_test(the_bound_holds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
