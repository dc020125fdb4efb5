/* Unit tests of the audit chain: every write appends, the chain verifies, and editing,
 * deleting or inserting rows behind the triggers' back is caught at the right entry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "helpers.h"
#include "service/core/audit.h"

#include <sqlite3.h>

static void sql(const char *path, const char *stmt)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(h, stmt, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", stmt, msg);
    sqlite3_close(h);
}

/* A fixture with a few audited writes: init (1), org (2), contact (3), org (4). */
static kz_fixture *with_history(void)
{
    kz_fixture *f = kz_fixture_new();
    kz_org *o = kz_fixture_org(f, "Audited CSIRT", "JP");
    kz_fixture_contact(f, o->id, "Audited Person", KZ_CONTACT_CSIRT);
    kz_fixture_org(f, "Second", "FR");
    return f;
}

static kz_rc verify(kz_fixture *f, kz_audit_report *r)
{
    /* a fresh node handle sees the file as another process would */
    kz_node *node;
    kz_err err;
    assert_int_equal(kz_node_open(f->path, &node, &err), KZ_OK);
    kz_arena a;
    kz_arena_init(&a);
    kz_call c;
    kz_call_init_system(&c, node, "test", &a, &err);
    kz_rc rc = kz_svc_audit_verify(&c, r);
    kz_arena_free(&a);
    kz_node_close(node);
    return rc;
}

static void intact_chain_verifies(void **state)
{
    (void)state;
    kz_fixture *f = with_history();
    kz_audit_report r;
    assert_int_equal(verify(f, &r), KZ_OK);
    assert_int_equal(r.entries, 6); /* node.init, node.signing_key, key.create, 2 orgs, 1 contact */
    assert_int_equal(r.first_bad, 0);
    kz_fixture_free(f);
}

static void sql_edits_are_refused_by_triggers(void **state)
{
    (void)state;
    kz_fixture *f = with_history();
    sqlite3 *h;
    assert_int_equal(sqlite3_open(f->path, &h), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(h, "UPDATE audit SET action = 'x' WHERE seq = 2", NULL, NULL, NULL), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(h, "DELETE FROM audit WHERE seq = 2", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    kz_fixture_free(f);
}

static void edited_entry_is_named(void **state)
{
    (void)state;
    kz_fixture *f = with_history();
    sql(f->path, "DROP TRIGGER audit_no_update; UPDATE audit SET object_id = 'forged' WHERE seq = 3");
    kz_audit_report r;
    assert_int_equal(verify(f, &r), KZ_ECORRUPT);
    assert_int_equal(r.first_bad, 3);
    kz_fixture_free(f);
}

static void removed_entry_is_named(void **state)
{
    (void)state;
    kz_fixture *f = with_history();
    sql(f->path, "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 2");
    kz_audit_report r;
    assert_int_equal(verify(f, &r), KZ_ECORRUPT);
    assert_int_equal(r.first_bad, 2);
    kz_fixture_free(f);
}

static void removed_tail_is_caught(void **state)
{
    (void)state;
    kz_fixture *f = with_history();
    sql(f->path, "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 6");
    kz_audit_report r;
    assert_int_equal(verify(f, &r), KZ_ECORRUPT);
    assert_int_equal(r.first_bad, 6);
    kz_fixture_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(intact_chain_verifies),
        cmocka_unit_test(sql_edits_are_refused_by_triggers),
        cmocka_unit_test(edited_entry_is_named),
        cmocka_unit_test(removed_entry_is_named),
        cmocka_unit_test(removed_tail_is_caught),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
