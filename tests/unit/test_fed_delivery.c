/* Unit tests of federation delivery (service/federation/svc_fed_delivery.c and the
 * store's compaction): the backoff doubles from its base to its cap with jitter, and
 * compaction drops only superseded entries at or below the lowest acknowledged cursor,
 * keeping every object's last entry (tombstones included). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "helpers.h"
#include "service/federation/federation.h"
#include "store/core/store_internal.h"
#include "store/federation/federation.h"

static void backoff_doubles_to_its_cap_with_jitter(void **state)
{
    (void)state;
    kz_crypto_init();
    int64_t delay = KZ_FED_RETRY_BASE_S;
    for (int64_t f = 1; f <= 20; f++) {
        kz_time b = kz_fed_backoff_ms(f);
        assert_true(b >= delay * 500 && b <= delay * 1000);
        delay = delay * 2 > KZ_FED_RETRY_MAX_S ? KZ_FED_RETRY_MAX_S : delay * 2;
    }
    kz_time first = kz_fed_backoff_ms(5);
    bool differs = false;
    for (int i = 0; i < 50 && !differs; i++)
        differs = kz_fed_backoff_ms(5) != first;
    assert_true(differs); /* drawn, not fixed: nodes that failed together spread out */
}

/* Entries of object id in the log, as "u" (upsert) and "d" (delete) in seq order. */
static void entries_of(kz_db *db, const char *id, char *out, size_t max)
{
    sqlite3_stmt *s = NULL;
    size_t n = 0;
    assert_int_equal(sqlite3_prepare_v2(db->h, "SELECT op FROM fed_log WHERE object = ?1 ORDER BY seq", -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    while (sqlite3_step(s) == SQLITE_ROW && n + 1 < max)
        out[n++] = sqlite3_column_text(s, 0)[0];
    out[n] = '\0';
    sqlite3_finalize(s);
}

static void exec(kz_db *db, const char *sql) { assert_int_equal(sqlite3_exec(db->h, sql, NULL, NULL, NULL), SQLITE_OK); }

static void compaction_stops_at_the_lowest_acknowledged_cursor(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_db *db = f->call.db;
    char got[16];
    kz_fed_compaction c;
    exec(db, "DELETE FROM fed_log");
    /* A three times then deleted, B once, C twice: seq 1..8 */
    exec(db, "INSERT INTO fed_log (seq, kind, object, op) VALUES (1, 'indicator', 'A', 'upsert'),"
             " (2, 'indicator', 'A', 'upsert'), (3, 'indicator', 'B', 'upsert'), (4, 'indicator', 'A', 'upsert'),"
             " (5, 'indicator', 'A', 'delete'), (6, 'indicator', 'C', 'upsert'), (7, 'indicator', 'C', 'upsert'),"
             " (8, 'contact', 'A', 'upsert')");
    /* two peers, one acknowledged up to 7, the other up to 3: the bound is 3 */
    exec(db, "INSERT INTO peers (id, created, modified, url, fingerprint, public_key, node, name, state, status,"
             " acked_out) VALUES ('p1', 0, 0, 'http://a', 'fa', 'ka', 'na', 'A', 'JP', 'active', 7),"
             " ('p2', 0, 0, 'http://b', 'fb', 'kb', 'nb', 'B', 'CZ', 'paused', 3)");
    assert_int_equal(kz_store_fed_compact(db, &c, &f->err), KZ_OK);
    assert_int_equal(c.before, 8);
    assert_int_equal(c.bound, 3);
    assert_int_equal(c.head, 8);
    assert_int_equal(c.dropped, 2); /* A's entries 1 and 2: superseded, at or below 3 */
    assert_int_equal(c.after, 6);
    entries_of(db, "A", got, sizeof got);
    assert_string_equal(got, "udu"); /* indicator A's 4 and tombstone 5, contact A's 8: kinds apart */
    entries_of(db, "C", got, sizeof got);
    assert_string_equal(got, "uu");  /* above the bound: untouched though 6 is superseded */
    /* the lagging peer catches up: the bound is 7 */
    exec(db, "UPDATE peers SET acked_out = 8 WHERE id = 'p2'");
    assert_int_equal(kz_store_fed_compact(db, &c, &f->err), KZ_OK);
    assert_int_equal(c.bound, 7);
    assert_int_equal(c.dropped, 2); /* indicator A's 4 (its tombstone follows) and C's 6 */
    entries_of(db, "A", got, sizeof got);
    assert_string_equal(got, "du"); /* the tombstone stays: it is A's last entry */
    entries_of(db, "C", got, sizeof got);
    assert_string_equal(got, "u");
    /* the head never moves back: a peer's cursor stays inside the log */
    assert_int_equal(c.head, 8);
    kz_fixture_free(f);
}

static void without_peers_the_whole_log_is_compacted(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_db *db = f->call.db;
    kz_fed_compaction c;
    exec(db, "DELETE FROM fed_log");
    exec(db, "INSERT INTO fed_log (seq, kind, object, op) VALUES (1, 'organization', 'O', 'upsert'),"
             " (2, 'organization', 'O', 'upsert'), (3, 'organization', 'O', 'upsert')");
    assert_int_equal(kz_store_fed_compact(db, &c, &f->err), KZ_OK);
    assert_int_equal(c.bound, 3);
    assert_int_equal(c.after, 1);
    kz_fixture_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(backoff_doubles_to_its_cap_with_jitter),
        cmocka_unit_test(compaction_stops_at_the_lowest_acknowledged_cursor),
        cmocka_unit_test(without_peers_the_whole_log_is_compacted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
