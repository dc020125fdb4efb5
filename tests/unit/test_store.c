/* Unit tests of store/: migrations and version refusal, CRUD and filtered, paginated
 * lists of the directory, free-text search, cursors, the row walk of the _each calls. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "helpers.h"
#include "store/directory/directory.h"
#include "store/core/store_internal.h"
#include "store/core/store_page.h"

#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

static void newer_database_is_refused(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    sqlite3 *h;
    assert_int_equal(sqlite3_open(f->path, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    kz_node *node = NULL;
    kz_err err;
    assert_int_equal(kz_node_open(f->path, &node, &err), KZ_EVERSION);
    assert_non_null(strstr(err.msg, "999"));
    assert_null(node);
    assert_int_equal(sqlite3_open(f->path, &h), SQLITE_OK);
    sqlite3_exec(h, "PRAGMA user_version = 1", NULL, NULL, NULL);
    sqlite3_close(h);
    kz_fixture_free(f);
}

static bool exists_beside(const char *path, const char *ext)
{
    char p[160];
    snprintf(p, sizeof p, "%s%s", path, ext);
    return access(p, F_OK) == 0;
}

/* A read-only store reads a copy as it is (immutable: nothing beside it), refuses to
 * write it, and refuses an older schema instead of migrating it. */
static void read_only_store_changes_nothing(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    char copy[128];
    snprintf(copy, sizeof copy, "%s/copy.db", f->dir);
    kz_err err;
    assert_int_equal(kz_store_copy_file(f->path, copy, &err), KZ_OK);
    kz_store *st = NULL;
    assert_int_equal(kz_store_open(copy, KZ_STORE_READ_ONLY, &st, &err), KZ_OK);
    kz_db *db = kz_store_db(st, &err);
    char org[64];
    size_t len = 0;
    assert_int_equal(kz_store_meta_get(db, "node_org", org, sizeof org, &len, &err), KZ_OK);
    assert_int_not_equal(kz_store_meta_put(db, "x", "y", 1, &err), KZ_OK);
    kz_store_close(st);
    assert_false(exists_beside(copy, "-wal") || exists_beside(copy, "-shm"));
    sqlite3 *h;
    assert_int_equal(sqlite3_open(copy, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "PRAGMA user_version = 2", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    assert_int_equal(kz_store_open(copy, KZ_STORE_READ_ONLY, &st, &err), KZ_EVERSION);
    assert_non_null(strstr(err.msg, "schema version 2, older"));
    assert_int_equal(sqlite3_open(copy, &h), SQLITE_OK);
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(s, 0), 2);  /* not migrated */
    sqlite3_finalize(s);
    sqlite3_close(h);
    unlink(copy);
    kz_fixture_free(f);
}

/* A slow machine: every sleep Kizuna asks SQLite for takes sleep_factor times as long
 * (this definition comes before the library's for the calls Kizuna makes). */
static int sleep_factor = 1;

int sqlite3_sleep(int ms)
{
    long long ns = (long long)ms * sleep_factor * 1000000LL;
    struct timespec ts = {(time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL)};
    nanosleep(&ts, NULL);
    return ms;
}

static void a_busy_lock_is_waited_for_by_time_not_by_polls(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    sqlite3 *other;
    assert_int_equal(sqlite3_open(f->path, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    kz_err err;
    kz_db *db = kz_store_db(f->node->store, &err);
    assert_non_null(db);
    sleep_factor = 5; /* counting 2 ms polls would wait 50 s */
    int64_t t0 = kz_mono_ms();
    kz_rc rc = kz_store_meta_put(db, "busy-test", "1", 1, &err);
    int64_t waited = kz_mono_ms() - t0;
    sleep_factor = 1;
    assert_int_equal(rc, KZ_EBUSY);
    assert_true(waited >= KZ_BUSY_TIMEOUT_MS);
    assert_true(waited < 3 * KZ_BUSY_TIMEOUT_MS);
    assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    assert_int_equal(kz_store_meta_put(db, "busy-test", "1", 1, &err), KZ_OK); /* and once it is gone */
    kz_fixture_free(f);
}

static void missing_and_foreign_files_are_refused(void **state)
{
    (void)state;
    kz_node *node = NULL;
    kz_err err;
    assert_int_equal(kz_node_open("/nonexistent/k.db", &node, &err), KZ_ENOTFOUND);
    FILE *fp = fopen("/tmp/kz-unit-garbage.db", "w");
    fputs("this is not a database, just text that goes on for a while..............", fp);
    fclose(fp);
    assert_int_equal(kz_node_open("/tmp/kz-unit-garbage.db", &node, &err), KZ_ECORRUPT);
    unlink("/tmp/kz-unit-garbage.db");
    kz_node_setup setup = {"x", "JP"};
    char key[KZ_KEY_TEXT];
    kz_fixture *f = kz_fixture_new();
    assert_int_equal(kz_node_create(f->path, &setup, key, sizeof key, &err), KZ_ECONFLICT);
    kz_fixture_free(f);
}

static void contacts_filter_and_paginate(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_org *jp = kz_fixture_org(f, "JPCERT (test)", "JP");
    kz_org *fr = kz_fixture_org(f, "CERT-FR (test)", "FR");
    for (int i = 0; i < 7; i++) {
        char *name = kz_arena_printf(&f->arena, "Person %d", i);
        kz_fixture_contact(f, i < 5 ? jp->id : fr->id, name, i % 2 ? KZ_CONTACT_TECHNICAL : KZ_CONTACT_CSIRT);
    }
    kz_contact_filter flt = {.state = "JP"};
    kz_page pg = {NULL, 2};
    kz_contact_page page;
    size_t seen = 0;
    char cursor[KZ_CURSOR_TEXT];
    do {
        assert_int_equal(kz_svc_contact_list(&f->call, &flt, &pg, &page), KZ_OK);
        for (size_t i = 0; i < page.n; i++)
            assert_string_equal(page.items[i].state, "JP");
        seen += page.n;
        memcpy(cursor, page.next, sizeof cursor);
        pg.cursor = cursor;
    } while (page.next[0]);
    assert_int_equal(seen, 5);

    kz_contact_filter byrole = {.state = "JP", .role = "technical"};
    pg = (kz_page){NULL, 50};
    assert_int_equal(kz_svc_contact_list(&f->call, &byrole, &pg, &page), KZ_OK);
    assert_int_equal(page.n, 2);

    kz_contact_filter text = {.q = "cert-fr"};
    assert_int_equal(kz_svc_contact_list(&f->call, &text, &pg, &page), KZ_OK);
    assert_int_equal(page.n, 2); /* the organization's name is searched too */

    kz_contact_filter prefix = {.q = "Pers"};
    assert_int_equal(kz_svc_contact_list(&f->call, &prefix, &pg, &page), KZ_OK);
    assert_int_equal(page.n, 7);

    pg.cursor = "v1.bogus";
    assert_int_equal(kz_svc_contact_list(&f->call, &flt, &pg, &page), KZ_EINVAL);
    assert_string_equal(f->err.field, "cursor");
    kz_fixture_free(f);
}

static void organization_state_change_moves_its_contacts(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_org *o = kz_fixture_org(f, "Moving CSIRT", "JP");
    kz_contact *c = kz_fixture_contact(f, o->id, "Mover", KZ_CONTACT_CSIRT);
    kz_org changed = *o;
    changed.state = (char *)"KR";
    changed.modified = kz_now_ms();
    assert_int_equal(kz_store_org_update(f->call.db, &changed, &f->err), KZ_OK);
    kz_contact got;
    assert_int_equal(kz_svc_contact_get(&f->call, c->id, &got), KZ_OK);
    assert_string_equal(got.state, "KR");
    assert_int_equal(kz_svc_org_delete(&f->call, o->id), KZ_ECONFLICT);
    kz_fixture_free(f);
}

static void cursor_round_trips(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_org *o = kz_fixture_org(f, "Paging CSIRT", "JP");
    for (int i = 0; i < 3; i++)
        kz_fixture_contact(f, o->id, "P", KZ_CONTACT_CSIRT);
    kz_contact_filter all = {0};
    kz_page pg = {NULL, 1};
    kz_contact_page p1, p2;
    assert_int_equal(kz_svc_contact_list(&f->call, &all, &pg, &p1), KZ_OK);
    assert_int_equal(strncmp(p1.next, "v2.", 3), 0);
    pg.cursor = p1.next;
    assert_int_equal(kz_svc_contact_list(&f->call, &all, &pg, &p2), KZ_OK);
    assert_int_equal(p2.n, 1);
    assert_string_not_equal(p1.items[0].id, p2.items[0].id);
    kz_fixture_free(f);
}

static int synchronous(kz_store *st)
{
    kz_err err;
    kz_db *db = kz_store_db(st, &err);
    sqlite3_stmt *s = NULL;
    int v = -1;
    if (db && sqlite3_prepare_v2(db->h, "PRAGMA synchronous", -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* An acknowledged write must survive power loss: FULL on every connection (2), NORMAL (1)
 * only when asked for. */
static void connections_sync_every_commit_unless_asked(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_store *st;
    kz_err err;
    assert_int_equal(kz_store_open(f->path, 0, &st, &err), KZ_OK);
    assert_int_equal(synchronous(st), 2);
    kz_store_close(st);
    assert_int_equal(kz_store_open(f->path, KZ_STORE_SYNC_NORMAL, &st, &err), KZ_OK);
    assert_int_equal(synchronous(st), 1);
    kz_store_close(st);
    assert_int_equal(synchronous(f->node->store), 2);
    kz_fixture_free(f);
}

/* ---- kz__rows: every row once, in order, in constant memory ---------------------- */

typedef struct numbered {
    int64_t n;
    char *text;
} numbered;

static int read_numbered(sqlite3_stmt *s, void *item, kz_arena *a)
{
    numbered *o = item;
    o->n = sqlite3_column_int64(s, 0);
    o->text = kz_arena_strdup(a, (const char *)sqlite3_column_text(s, 1));
    return o->text ? 0 : -1;
}

static int fail_read(sqlite3_stmt *s, void *item, kz_arena *a)
{
    (void)s, (void)item, (void)a;
    return -1;
}

enum { WALK_ROWS = 3 * KZ__ROWS_ARENA_ROWS + 17 };

static sqlite3_stmt *numbers(kz_fixture *f)
{
    sqlite3_stmt *s = kz__stmt(f->call.db, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c"
                                            " WHERE x < ?1) SELECT x, 'row ' || x FROM c", &f->err);
    assert_non_null(s);
    sqlite3_bind_int(s, 1, WALK_ROWS);
    return s;
}

static void rows_walk_every_row_in_bounded_memory(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz__rows it = kz__rows_begin(f->call.db, numbers(f), &f->err);
    numbered o;
    int64_t seen = 0;
    size_t most = 0;
    char want[32];
    while (kz__rows_next(&it, read_numbered, &o)) {
        seen++;
        assert_int_equal(o.n, seen);
        snprintf(want, sizeof want, "row %lld", (long long)seen);
        assert_string_equal(o.text, want);
        if (it.a.total > most)
            most = it.a.total;
    }
    assert_int_equal(kz__rows_end(&it, KZ_OK), KZ_OK);
    assert_int_equal(seen, WALK_ROWS);
    /* the arena never holds more than one round of rows: "row NNN" and its NUL, aligned */
    assert_true(most <= KZ__ROWS_ARENA_ROWS * 16);
    assert_true(most > 0);
    kz_fixture_free(f);
}

static void rows_walk_stops_on_the_first_failure(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    numbered o;
    /* the caller stops it: its code comes back, the statement is reset for the next use */
    kz__rows it = kz__rows_begin(f->call.db, numbers(f), &f->err);
    kz_rc rc = KZ_OK;
    int64_t seen = 0;
    while (!rc && kz__rows_next(&it, read_numbered, &o))
        rc = ++seen == 300 ? KZ_ECONFLICT : KZ_OK;
    assert_int_equal(kz__rows_end(&it, rc), KZ_ECONFLICT);
    assert_int_equal(seen, 300);
    /* a row that cannot be read */
    it = kz__rows_begin(f->call.db, numbers(f), &f->err);
    assert_false(kz__rows_next(&it, fail_read, &o));
    assert_int_equal(kz__rows_end(&it, KZ_OK), KZ_ENOMEM);
    /* a step that fails (integer overflow in SQL) */
    sqlite3_stmt *s = kz__stmt(f->call.db, "SELECT abs(-9223372036854775807 - 1), 'x'", &f->err);
    assert_non_null(s);
    it = kz__rows_begin(f->call.db, s, &f->err);
    assert_false(kz__rows_next(&it, read_numbered, &o));
    assert_int_not_equal(kz__rows_end(&it, KZ_OK), KZ_OK);
    kz_fixture_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(newer_database_is_refused),
        cmocka_unit_test(missing_and_foreign_files_are_refused),
        cmocka_unit_test(read_only_store_changes_nothing),
        cmocka_unit_test(a_busy_lock_is_waited_for_by_time_not_by_polls),
        cmocka_unit_test(contacts_filter_and_paginate),
        cmocka_unit_test(organization_state_change_moves_its_contacts),
        cmocka_unit_test(cursor_round_trips),
        cmocka_unit_test(connections_sync_every_commit_unless_asked),
        cmocka_unit_test(rows_walk_every_row_in_bounded_memory),
        cmocka_unit_test(rows_walk_stops_on_the_first_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
