/* Unit tests of the row cache (util/rowcache.c): a hit gives the bytes kept for that row
 * and generation only, a page is given whole or not at all, readers and writers on
 * several threads see whole renderings of one generation, and the cache never holds
 * more than its bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/rowcache.h"

#include <pthread.h>
#include <stdatomic.h>
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

static void a_page_is_whole_or_nothing(void **state)
{
    (void)state;
    kz_rowcache *c = kz_rowcache_new(1 << 20);
    assert_non_null(c);
    kz_buf b;
    kz_buf_init(&b, 1 << 20);
    kz_rc rc = KZ_OK;
    kz_rowcache_put(c, 1, 5, "{\"n\":1}", 7);
    kz_rowcache_put(c, 2, 5, "{\"n\":2}", 7);
    kz_rowcache_put(c, 3, 4, "{\"n\":3}", 7); /* an older generation */
    kz_buf_puts(&b, "[");
    const int64_t page[] = {2, 1};
    assert_true(kz_rowcache_append_rows(c, page, 2, 5, ',', &b, &rc));
    assert_string_equal(b.p, "[{\"n\":2},{\"n\":1}");
    const int64_t stale[] = {1, 3}, missing[] = {1, 9};
    assert_false(kz_rowcache_append_rows(c, stale, 2, 5, ',', &b, &rc));
    assert_false(kz_rowcache_append_rows(c, missing, 2, 5, ',', &b, &rc));
    assert_string_equal(b.p, "[{\"n\":2},{\"n\":1}"); /* nothing of a page not all there */
    assert_true(kz_rowcache_append_rows(c, page, 0, 5, ',', &b, &rc)); /* an empty page */
    kz_buf small;
    kz_buf_init(&small, 10);
    assert_false(kz_rowcache_append_rows(c, page, 2, 5, ',', &small, &rc)); /* over its ceiling */
    assert_int_equal(rc, KZ_ETOOBIG);
    assert_int_equal(small.len, 0);
    kz_buf_free(&small);
    kz_buf_free(&b);
    kz_rowcache_free(c);
}

/* Writers put generation after generation of rows 1..ROWS, each rendering "<row>:<gen>"
 * padded to its own length; readers read pages and check what they get. */
enum { ROWS = 64, GENERATIONS = 1000, PAGE = 16 };
typedef struct race {
    kz_rowcache *c;
    _Atomic unsigned gen; /* the newest generation put */
    _Atomic unsigned pages; /* readers: whole pages read */
    _Atomic bool bad;
} race;

static size_t render(char *out, int64_t row, unsigned gen)
{
    int n = snprintf(out, 64, "%lld:%u:", (long long)row, gen);
    size_t len = (size_t)n + (size_t)(row + gen) % 40;
    memset(out + n, 'x', len - (size_t)n);
    return len;
}

static void *writer(void *arg)
{
    race *r = arg;
    char text[128];
    for (unsigned gen = 1; gen <= GENERATIONS; gen++) {
        for (int64_t row = 1; row <= ROWS; row++)
            kz_rowcache_put(r->c, row, gen, text, render(text, row, gen));
        atomic_store(&r->gen, gen);
    }
    return NULL;
}

static void *reader(void *arg)
{
    race *r = arg;
    kz_buf b;
    kz_buf_init(&b, 1 << 20);
    int64_t page[PAGE];
    /* while the writer runs, and 100 pages after it (then every page is there) */
    for (unsigned after = 0; after < 100;) {
        unsigned gen = atomic_load(&r->gen);
        after += gen == GENERATIONS;
        for (int i = 0; i < PAGE; i++)
            page[i] = 1 + (int64_t)((gen * 7u + (unsigned)i * 5u) % ROWS);
        kz_buf_reset(&b);
        kz_rc rc = KZ_OK;
        if (!kz_rowcache_append_rows(r->c, page, PAGE, gen, ';', &b, &rc))
            continue;
        kz_buf want;
        kz_buf_init(&want, 1 << 20);
        char text[128];
        for (int i = 0; i < PAGE; i++) {
            if (i)
                kz_buf_puts(&want, ";");
            kz_buf_append(&want, text, render(text, page[i], gen));
        }
        if (want.len != b.len || memcmp(want.p, b.p, b.len) != 0)
            r->bad = true;
        atomic_fetch_add(&r->pages, 1);
        kz_buf_free(&want);
    }
    kz_buf_free(&b);
    return NULL;
}

static void readers_and_writers_on_threads(void **state)
{
    (void)state;
    race r = {.c = kz_rowcache_new(1 << 20)};
    assert_non_null(r.c);
    pthread_t t[4];
    pthread_create(&t[0], NULL, writer, &r);
    for (int i = 1; i < 4; i++)
        pthread_create(&t[i], NULL, reader, &r);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    assert_false(atomic_load(&r.bad));
    assert_true(atomic_load(&r.pages) > 0);
    kz_buf b;
    kz_buf_init(&b, 1 << 20);
    kz_rc rc = KZ_OK;
    const int64_t all[] = {1, 2, 3, ROWS};
    assert_true(kz_rowcache_append_rows(r.c, all, 4, GENERATIONS, ';', &b, &rc)); /* the last kept */
    kz_buf_free(&b);
    kz_rowcache_free(r.c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hits_are_per_row_and_generation),
        cmocka_unit_test(the_bound_holds),
        cmocka_unit_test(a_page_is_whole_or_nothing),
        cmocka_unit_test(readers_and_writers_on_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
