/* Unit tests of the response cache of the directory (http/http_cache.c): keys that no two
 * queries share, entries valid for one store generation only, and a hit (key, generation,
 * lookup, release) that allocates nothing, against a real SQLite file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "helpers.h"
#include "http/cache.h"
#include "store/core/store.h"
#include "util/alloc.h"

#include <string.h>

/* The key of GET /api/v1/contacts?state=SG&q=<q>, as the router composes it. */
static const char *contacts_key(kz_cache_key *k, const char *q)
{
    kz_cache_key_init(k, "/api/v1/contacts");
    kz_cache_key_arg(k, "state", "SG");
    kz_cache_key_arg(k, "q", q);
    return kz_cache_key_text(k);
}

static void keys_are_unambiguous_and_bounded(void **state)
{
    (void)state;
    kz_cache_key a, b;
    kz_cache_key_init(&a, "/p");
    kz_cache_key_arg(&a, "a", "b&c=d");
    kz_cache_key_init(&b, "/p");
    kz_cache_key_arg(&b, "a", "b");
    kz_cache_key_arg(&b, "c", "d");
    assert_string_equal(kz_cache_key_text(&a), "/p&1:a=5:b&c=d");
    assert_string_not_equal(kz_cache_key_text(&a), kz_cache_key_text(&b));
    kz_cache_key_init(&a, "/p");
    kz_cache_key_arg(&a, "flag", NULL);  /* ?flag with no value */
    assert_string_equal(kz_cache_key_text(&a), "/p&4:flag=0:");
    char big[KZ_CACHE_KEY_MAX];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    kz_cache_key_init(&a, "/p");
    kz_cache_key_arg(&a, "q", big);
    assert_null(kz_cache_key_text(&a));
    kz_cache_key_arg(&a, "r", "s");  /* stays too long */
    assert_null(kz_cache_key_text(&a));
    /* "/p&1:q=" and "NNN:" are 11 bytes: a value of 469 fills the key to the byte, 470 does not fit */
    big[469] = '\0';
    kz_cache_key_init(&a, "/p");
    kz_cache_key_arg(&a, "q", big);
    assert_non_null(kz_cache_key_text(&a));
    assert_int_equal(strlen(kz_cache_key_text(&a)), KZ_CACHE_KEY_MAX);
    assert_memory_equal(kz_cache_key_text(&a), "/p&1:q=469:xx", 13);
    big[469] = 'x';
    big[470] = '\0';
    kz_cache_key_init(&a, "/p");
    kz_cache_key_arg(&a, "q", big);
    assert_null(kz_cache_key_text(&a));
}

static void a_cached_reply_allocates_nothing(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_db *db = f->call.db;
    static const char body[] = "{\"items\":[{\"full_name\":\"A\"}],\"next\":null}";
    kz_cache_key k;
    uint64_t gen = kz_store_generation(db);
    kz_cache_put(contacts_key(&k, "poc"), gen, body, sizeof body - 1);

    unsigned long before = kz_alloc_count();
    for (int i = 0; i < 1000; i++) {
        const char *key = contacts_key(&k, "poc");
        kz_cached_body *hit = kz_cache_get(key, kz_store_generation(db));
        assert_non_null(hit);
        assert_memory_equal(hit->data, body, hit->len);
        kz_cache_release(hit);
    }
    assert_int_equal(kz_alloc_count() - before, 0);

    /* another query misses; a write makes the entry stale */
    assert_null(kz_cache_get(contacts_key(&k, "other"), kz_store_generation(db)));
    kz_fixture_org(f, "Written CSIRT", "SG");
    assert_true(kz_store_generation(db) != gen);
    assert_null(kz_cache_get(contacts_key(&k, "poc"), kz_store_generation(db)));
    kz_fixture_free(f);
}

/* The generation seen after a statement (kz_store_generation_seen, no transaction of
 * its own) is that of the statement's snapshot: a commit by another process (here a
 * second store on the file, whose writes this store's counter does not see) moves it
 * as soon as a statement of this connection has read past the commit, never before. */
static void the_generation_seen_after_a_statement_is_its_snapshots(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_db *db = f->call.db;
    kz_store *other = NULL;
    kz_err err;
    assert_int_equal(kz_store_open(f->path, 0, &other, &err), KZ_OK);
    kz_db *db2 = kz_store_db(other, &err);
    assert_non_null(db2);
    char buf[16];
    size_t len = 0;

    uint64_t gen = kz_store_generation(db);
    assert_true(kz_store_generation_seen(db) == gen);
    kz_store_meta_get(db, "seen.test", buf, sizeof buf, &len, &err); /* unchanged data */
    assert_true(kz_store_generation_seen(db) == gen);

    assert_int_equal(kz_store_meta_put(db2, "seen.test", "1", 1, &err), KZ_OK);
    assert_true(kz_store_generation_seen(db) == gen); /* no statement of db read it yet */
    kz_store_meta_get(db, "seen.test", buf, sizeof buf, &len, &err);
    uint64_t after = kz_store_generation_seen(db);
    assert_true(after != gen);
    assert_true(kz_store_generation_seen(db) == after);
    assert_true(kz_store_generation(db) >= after); /* a fresh read agrees it moved */
    kz_store_close(other);
    kz_fixture_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys_are_unambiguous_and_bounded),
        cmocka_unit_test(a_cached_reply_allocates_nothing),
        cmocka_unit_test(the_generation_seen_after_a_statement_is_its_snapshots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
