/* Unit tests of communication checks: invitations, one-time answers, late answers,
 * answers through the organization, statistics, and schedules run by the scheduler. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "helpers.h"
#include "service/directory/checks.h"
#include "service/core/scheduler.h"

enum { MIN_MS = 60 * 1000, HOUR_MS = 60 * MIN_MS, DAY_MS = 24 * HOUR_MS };

static const char *token_of(const kz_check_view *v, const char *contact)
{
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->targets[i].contact, contact) == 0)
            return strrchr(v->targets[i].answer_url, '/') + 1;
    fail_msg("contact not invited");
    return NULL;
}

static void answers_are_timed_once_and_late_after_deadline(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_org *o = kz_fixture_org(f, "Checked CSIRT", "SG");
    kz_contact *a = kz_fixture_contact(f, o->id, "A", KZ_CONTACT_CSIRT);
    kz_contact *b = kz_fixture_contact(f, o->id, "B", KZ_CONTACT_TECHNICAL);
    kz_contact *c = kz_fixture_contact(f, o->id, "C", KZ_CONTACT_DIPLOMATIC);
    kz_check k = {.state = (char *)"SG", .deadline_hours = 2};
    kz_check_view v;
    assert_int_equal(kz_svc_check_create(&f->call, &k, &v), KZ_OK);
    assert_int_equal(v.n, 3);

    kz_clock_advance(10 * MIN_MS);
    kz_check_answer ans;
    assert_int_equal(kz_svc_check_answer(&f->call, token_of(&v, a->id), &ans), KZ_OK);
    assert_false(ans.late);
    assert_true(ans.answered - ans.sent >= 10 * MIN_MS);
    assert_int_equal(kz_svc_check_answer(&f->call, token_of(&v, a->id), &ans), KZ_ECONFLICT);
    assert_int_equal(kz_svc_check_answer(&f->call, "not-a-token", &ans), KZ_ENOTFOUND);

    kz_clock_advance(3 * HOUR_MS);
    assert_int_equal(kz_svc_check_answer(&f->call, token_of(&v, b->id), &ans), KZ_OK);
    assert_true(ans.late);

    /* c answers through its organization's API key */
    kz_call as_org = kz_fixture_as(f, o->id, KZ_ROLE_VIEWER);
    kz_call as_other = kz_fixture_as(f, "some-other-org", KZ_ROLE_ADMIN);
    assert_int_equal(kz_svc_check_acknowledge(&as_other, k.id, c->id, &ans), KZ_EFORBIDDEN);
    assert_int_equal(kz_svc_check_acknowledge(&as_org, k.id, c->id, &ans), KZ_OK);

    kz_check_stat *st;
    size_t n;
    assert_int_equal(kz_svc_check_stats(&f->call, 0, &st, &n), KZ_OK);
    assert_int_equal(n, 1);
    assert_string_equal(st[0].state, "SG");
    assert_int_equal(st[0].contacts, 3);
    assert_int_equal(st[0].answered, 3);
    assert_int_equal(st[0].late, 2);
    assert_true(st[0].median_seconds >= 3 * 3600 && st[0].median_seconds < 4 * 3600);
    kz_clock_advance(-kz_clock_advance(0));
    kz_fixture_free(f);
}

static void percentiles_follow_nearest_rank(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_org *o = kz_fixture_org(f, "Ten", "TH");
    kz_strlist ids = {kz_arena_calloc(&f->arena, 10, sizeof(char *)), 0};
    for (int i = 0; i < 10; i++)
        ids.v[ids.n++] = kz_fixture_contact(f, o->id, "P", KZ_CONTACT_CSIRT)->id;
    kz_check k = {.contacts = ids};
    kz_check_view v;
    assert_int_equal(kz_svc_check_create(&f->call, &k, &v), KZ_OK);
    /* the i-th contact answers after i minutes; the 10th never does */
    for (int i = 1; i <= 9; i++) {
        kz_clock_advance(MIN_MS);
        kz_check_answer ans;
        assert_int_equal(kz_svc_check_answer(&f->call, token_of(&v, ids.v[i - 1]), &ans), KZ_OK);
    }
    kz_check_stat *st;
    size_t n;
    assert_int_equal(kz_svc_check_stats(&f->call, 0, &st, &n), KZ_OK);
    assert_int_equal(st[0].answered, 9);
    assert_float_equal(st[0].answer_rate, 0.9, 1e-9);
    assert_float_equal(st[0].median_seconds, 300, 1.0);   /* 5 minutes */
    assert_float_equal(st[0].p90_seconds, 540, 1.0);      /* ceil(0.9*9) = 9th = 9 minutes */
    kz_clock_advance(-kz_clock_advance(0));
    kz_fixture_free(f);
}

static void checks_need_contacts_or_a_filter(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_check_view v;
    kz_check none = {0};
    assert_int_equal(kz_svc_check_create(&f->call, &none, &v), KZ_EINVAL);
    kz_check empty = {.state = (char *)"NZ"};
    assert_int_equal(kz_svc_check_create(&f->call, &empty, &v), KZ_EINVAL);
    assert_string_equal(f->err.field, "state");
    char *ghost[] = {(char *)"6a7027a6-5610-4035-9248-7404031bf1f6"};
    kz_check bad = {.contacts = {ghost, 1}};
    assert_int_equal(kz_svc_check_create(&f->call, &bad, &v), KZ_EINVAL);
    assert_string_equal(f->err.field, "contacts");
    kz_call viewer = kz_fixture_as(f, f->node->org_id, KZ_ROLE_VIEWER);
    kz_check ok = {.state = (char *)"JP"};
    assert_int_equal(kz_svc_check_create(&viewer, &ok, &v), KZ_EFORBIDDEN);
    kz_fixture_free(f);
}

static void schedules_start_checks_when_due(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_org *o = kz_fixture_org(f, "Scheduled", "VN");
    kz_fixture_contact(f, o->id, "D", KZ_CONTACT_DIPLOMATIC);
    kz_check k = {.state = (char *)"VN", .every_days = 90};
    kz_check_view v;
    assert_int_equal(kz_svc_check_create(&f->call, &k, &v), KZ_OK);
    assert_non_null(k.schedule);
    kz_check_page page;
    kz_page pg = {NULL, 50};
    kz_scheduler_run_once(f->node);
    assert_int_equal(kz_svc_check_list(&f->call, &pg, &page), KZ_OK);
    assert_int_equal(page.n, 1); /* not due yet */
    kz_clock_advance(91LL * DAY_MS);
    kz_scheduler_run_once(f->node);
    kz_scheduler_run_once(f->node); /* idempotent within a period */
    assert_int_equal(kz_svc_check_list(&f->call, &pg, &page), KZ_OK);
    assert_int_equal(page.n, 2);
    assert_string_equal(page.items[1].schedule, k.schedule);
    kz_check_schedule s;
    assert_int_equal(kz_svc_schedule_get(&f->call, k.schedule, &s), KZ_OK);
    assert_true(s.next_run > kz_now_ms());
    kz_clock_advance(-kz_clock_advance(0));
    kz_fixture_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(answers_are_timed_once_and_late_after_deadline),
        cmocka_unit_test(percentiles_follow_nearest_rank),
        cmocka_unit_test(checks_need_contacts_or_a_filter),
        cmocka_unit_test(schedules_start_checks_when_due),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
