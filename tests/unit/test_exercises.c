/* Unit tests of table-top exercises: the exercise clock (segments, pauses, speed), the
 * judging of an expectation (met, late, missed, pending), the scenario decoder's rules
 * and the built-in library, the TLP rule for exercise objects, a run through the
 * service with a moved clock, and a player's bulk create claimed for its run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "helpers.h"
#include "codec/exercises/scenario.h"
#include "service/core/tlp.h"
#include "service/exercises/exercise_report.h"
#include "service/exercises/exercises.h"
#include "service/requests/requests.h"
#include "codec/sharing/indicator_norm.h"
#include "service/sharing/indicators.h"
#include "store/directory/directory.h"

enum { MIN_MS = 60 * 1000 };

static void the_clock_follows_segments_pauses_and_speed(void **state)
{
    (void)state;
    /* started at wall 1000 at speed 2, paused at 1500, resumed at 4000 at speed 10 */
    kz_exclock_seg segs[] = {{1000, 1500, 0, 2}, {4000, 0, 1000, 10}};
    assert_int_equal(kz_exclock_at(segs, 2, 500), 0);     /* before the start */
    assert_int_equal(kz_exclock_at(segs, 2, 1000), 0);
    assert_int_equal(kz_exclock_at(segs, 2, 1250), 500);
    assert_int_equal(kz_exclock_at(segs, 2, 1500), 1000);
    assert_int_equal(kz_exclock_at(segs, 2, 3000), 1000);  /* paused: the clock stands */
    assert_int_equal(kz_exclock_at(segs, 2, 4100), 2000);
    /* and back: when was exercise time t reached */
    assert_int_equal(kz_exclock_wall(segs, 2, 500), 1250);
    assert_int_equal(kz_exclock_wall(segs, 2, 1000), 1500);
    assert_int_equal(kz_exclock_wall(segs, 2, 2000), 4100);
    kz_exclock_seg paused[] = {{1000, 1500, 0, 2}};
    assert_int_equal(kz_exclock_wall(paused, 1, 5000), 0);  /* not reached while paused */
    assert_int_equal(kz_exclock_at(NULL, 0, 99), 0);
}

static void expectations_are_met_late_missed_or_pending(void **state)
{
    (void)state;
    kz_expectation e = {.kind = KZ_EXP_REQUEST_ACKNOWLEDGED, .deadline_minutes = 30, .weight = 2};
    int64_t took;
    /* reference at minute 10, deadline at minute 40 */
    assert_int_equal(kz_expect_judge(&e, 10 * MIN_MS, 25 * MIN_MS, 50 * MIN_MS, false, &took), KZ_RES_MET);
    assert_int_equal(took, 15 * MIN_MS);
    assert_int_equal(kz_expect_judge(&e, 10 * MIN_MS, 40 * MIN_MS, 50 * MIN_MS, false, &took), KZ_RES_MET);
    assert_int_equal(kz_expect_judge(&e, 10 * MIN_MS, 41 * MIN_MS, 50 * MIN_MS, true, &took), KZ_RES_LATE);
    assert_int_equal(took, 31 * MIN_MS);
    assert_int_equal(kz_expect_judge(&e, 10 * MIN_MS, -1, 39 * MIN_MS, false, &took), KZ_RES_PENDING);
    assert_int_equal(took, -1);
    /* past its deadline an automatic expectation is missed at once, not "waiting" */
    assert_int_equal(kz_expect_judge(&e, 10 * MIN_MS, -1, 41 * MIN_MS, false, &took), KZ_RES_MISSED);
    assert_int_equal(kz_expect_judge(&e, 10 * MIN_MS, -1, 11 * MIN_MS, true, &took), KZ_RES_MISSED);
    /* its inject never came */
    assert_int_equal(kz_expect_judge(&e, -1, -1, 99 * MIN_MS, false, &took), KZ_RES_PENDING);
    assert_int_equal(kz_expect_judge(&e, -1, -1, 99 * MIN_MS, true, &took), KZ_RES_MISSED);
    /* done before its reference: took nothing */
    assert_int_equal(kz_expect_judge(&e, 10 * MIN_MS, 5 * MIN_MS, 20 * MIN_MS, false, &took), KZ_RES_MET);
    assert_int_equal(took, 0);
    kz_expectation manual = {.kind = KZ_EXP_MANUAL, .deadline_minutes = 30};
    assert_int_equal(kz_expect_judge(&manual, 0, -1, 90 * MIN_MS, false, &took), KZ_RES_PENDING);
    assert_true(kz_expect_points(&e, KZ_RES_MET) == 2.0);
    assert_true(kz_expect_points(&e, KZ_RES_LATE) == 1.0);
    assert_true(kz_expect_points(&e, KZ_RES_MISSED) == 0.0);
    assert_true(kz_expect_points(&manual, KZ_RES_MET) == 1.0); /* weight defaults to 1 */
}

static const char base[] =
    "{\"title\": \"T\", \"banner\": \"EXERCISE\","
    " \"roles\": [{\"id\": \"a\", \"name\": \"A\", \"org_kind\": \"national-csirt\", \"contact_role\": \"csirt\","
    "  \"state\": \"JP\", \"played\": true},"
    "  {\"id\": \"b\", \"name\": \"B\", \"org_kind\": \"national-csirt\", \"contact_role\": \"csirt\", \"state\": \"DE\"}],"
    " \"injects\": [%s],"
    " \"expectations\": [%s]}";

static kz_rc decode(const char *injects, const char *expectations, kz_err *err)
{
    char text[4096];
    snprintf(text, sizeof text, base, injects, expectations);
    kz_arena a;
    kz_arena_init(&a);
    kz_scenario s;
    kz_err_clear(err);
    kz_rc rc = kz_scenario_decode(text, strlen(text), &a, &s, err);
    kz_arena_free(&a);
    return rc;
}

#define NEWS(n, extra) "{\"n\": " #n ", \"channel\": \"news\", \"to_role\": \"a\", \"title\": \"t\", \"text\": \"x\"" extra "}"

static void scenarios_are_checked_field_by_field(void **state)
{
    (void)state;
    kz_err err;
    assert_int_equal(decode(NEWS(1, ""), "", &err), KZ_OK);
    assert_int_equal(decode(NEWS(1, ", \"at_minutes\": -5"), "", &err), KZ_EINVAL);
    assert_string_equal(err.field, "injects[0].at_minutes");
    assert_int_equal(decode(NEWS(2, ""), "", &err), KZ_EINVAL);
    assert_string_equal(err.field, "injects[0].n");
    assert_int_equal(decode(NEWS(1, "") "," NEWS(2, ", \"after\": 2"), "", &err), KZ_EINVAL);
    assert_string_equal(err.field, "injects[1].after");
    assert_int_equal(decode(NEWS(1, ", \"on_action\": \"request.teleport\""), "", &err), KZ_EINVAL);
    assert_string_equal(err.field, "injects[0].on_action");
    assert_int_equal(decode(NEWS(1, ", \"after\": 1, \"on_action\": \"request.send\""), "", &err), KZ_EINVAL);
    assert_int_equal(decode("{\"n\": 1, \"channel\": \"news\", \"to_role\": \"zz\", \"title\": \"t\", \"text\": \"x\"}", "",
                            &err), KZ_EINVAL);
    assert_string_equal(err.field, "injects[0].to_role");
    /* a request inject with its kind's fields, and one without them */
    const char *req = "{\"n\": 1, \"channel\": \"request\", \"request_kind\": \"information\", \"from_role\": \"b\","
                      " \"to_role\": \"a\", \"title\": \"t\", \"text\": \"x\", \"request\": {\"questions\": \"q?\"}}";
    assert_int_equal(decode(req, "", &err), KZ_OK);
    const char *req_bad = "{\"n\": 1, \"channel\": \"request\", \"request_kind\": \"information\", \"from_role\": \"b\","
                          " \"to_role\": \"a\", \"title\": \"t\", \"text\": \"x\", \"request\": {}}";
    assert_int_equal(decode(req_bad, "", &err), KZ_EINVAL);
    assert_non_null(strstr(err.field, "injects[0].request."));
    /* expectations: a known role, an inject of the right channel, a deadline */
    assert_int_equal(decode(req, "{\"id\": \"e\", \"title\": \"t\", \"kind\": \"request_acknowledged\", \"role\": \"a\","
                                 " \"inject\": 1, \"deadline_minutes\": 30}", &err), KZ_OK);
    assert_int_equal(decode(NEWS(1, ""), "{\"id\": \"e\", \"title\": \"t\", \"kind\": \"request_acknowledged\","
                                         " \"role\": \"a\", \"inject\": 1, \"deadline_minutes\": 30}", &err), KZ_EINVAL);
    assert_string_equal(err.field, "expectations[0].inject");
    assert_int_equal(decode(req, "{\"id\": \"e\", \"title\": \"t\", \"kind\": \"teleported\", \"role\": \"a\","
                                 " \"deadline_minutes\": 30}", &err), KZ_EINVAL);
    assert_string_equal(err.field, "expectations[0].kind");
    assert_int_equal(decode(req, "{\"id\": \"e\", \"title\": \"t\", \"kind\": \"manual\", \"role\": \"nobody\","
                                 " \"deadline_minutes\": 30}", &err), KZ_EINVAL);
    assert_string_equal(err.field, "expectations[0].role");
    assert_int_equal(decode(req, "{\"id\": \"e\", \"title\": \"t\", \"kind\": \"manual\", \"role\": \"a\","
                                 " \"deadline_minutes\": 0}", &err), KZ_EINVAL);
    kz_arena a;
    kz_arena_init(&a);
    kz_scenario s;
    assert_int_equal(kz_scenario_decode("{\"title\": ", 10, &a, &s, &err), KZ_EINVAL);
    assert_non_null(strstr(err.msg, "line 1"));
    kz_arena_free(&a);
}

static void the_library_decodes_in_both_languages(void **state)
{
    (void)state;
    kz_arena a;
    kz_arena_init(&a);
    kz_err err;
    kz_scenario *items;
    size_t n;
    assert_int_equal(kz_scenario_library(&a, &items, &n, &err), KZ_OK);
    assert_true(n >= 2);
    for (size_t i = 0; i < n; i++) {
        assert_true(items[i].builtin);
        assert_non_null(items[i].title_ja);
        assert_non_null(items[i].banner_ja);
        for (size_t k = 0; k < items[i].n_injects; k++)
            assert_non_null(items[i].injects[k].text_ja);
        for (size_t k = 0; k < items[i].n_expectations; k++)
            assert_non_null(items[i].expectations[k].title_ja);
    }
    assert_string_equal(items[0].id, "ransomware-university-hospital");
    kz_arena_free(&a);
}

static void exercise_objects_are_seen_by_players_only(void **state)
{
    (void)state;
    const char *mine[] = {"run-1"};
    kz_viewer player = {"k1", "org-a", KZ_ROLE_ANALYST, NULL, mine, 1};
    kz_viewer outsider = {"k2", "org-b", KZ_ROLE_ADMIN, NULL, NULL, 0};
    kz_viewer anonymous = {NULL, NULL, -1, NULL, NULL, 0};
    const char *recipients[] = {"org-b"};
    kz_tlp_subject clear = {KZ_TLP_CLEAR, "org-a", NULL, 0, false, "run-1"};
    kz_tlp_subject named = {KZ_TLP_RED, "org-c", recipients, 1, false, "run-1"};
    kz_tlp_subject real = {KZ_TLP_CLEAR, "org-a", NULL, 0, false, NULL};
    assert_true(kz_tlp_visible(&player, &clear));
    assert_false(kz_tlp_visible(&outsider, &clear));
    assert_false(kz_tlp_visible(&anonymous, &clear));
    /* named but not playing: still refused */
    assert_false(kz_tlp_visible(&outsider, &named));
    /* playing does not lift the label's own rule */
    assert_false(kz_tlp_visible(&player, &named));
    assert_true(kz_tlp_visible(&anonymous, &real));
}

/* The points of contact that real work picks by state and role (escalation, request
 * notices, routing notices) never include a run's exercise-only organizations; the
 * run's own work finds them. */
static void exercise_only_contacts_serve_their_run_only(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_exercise x = {.scenario = (char *)"ransomware-university-hospital", .speed = 1};
    kz_exercise_view v;
    assert_int_equal(kz_svc_exercise_create(&f->call, &x, NULL, 0, &v), KZ_OK);
    kz_org o;
    assert_int_equal(kz_store_org_get(f->call.db, v.players[0].organization, f->call.arena, &o, &f->err), KZ_OK);
    kz_contact *items = NULL;
    size_t n = 0;
    bool found = false;
    for (int role = 0; role < kz_contact_role_enum.count && !found; role++) {
        const char *name = kz_contact_role_enum.values[role];
        assert_int_equal(kz_store_contacts_by_role(f->call.db, o.state, name, o.id, x.id, 50, f->call.arena,
                                                   &items, &n, &f->err), KZ_OK);
        found = n && strcmp(items[0].organization, o.id) == 0; /* the run finds its own, first */
        assert_int_equal(kz_store_contacts_by_role(f->call.db, o.state, name, o.id, NULL, 50, f->call.arena,
                                                   &items, &n, &f->err), KZ_OK);
        for (size_t i = 0; i < n; i++) /* real work, even preferring it, never */
            assert_string_not_equal(items[i].organization, o.id);
        assert_int_equal(kz_store_contacts_by_role(f->call.db, o.state, name, o.id, "another-run", 50,
                                                   f->call.arena, &items, &n, &f->err), KZ_OK);
        for (size_t i = 0; i < n; i++) /* nor another run's */
            assert_string_not_equal(items[i].organization, o.id);
    }
    assert_true(found);
    kz_fixture_free(f);
}

/* The service end to end: a run of the hospital scenario with no players given. */
static void a_run_delivers_on_time_and_scores_from_the_record(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_exercise x = {.scenario = (char *)"ransomware-university-hospital", .speed = 1};
    kz_exercise_view v;
    assert_int_equal(kz_svc_exercise_create(&f->call, &x, NULL, 0, &v), KZ_OK);
    assert_int_equal(v.n_players, 4);
    for (size_t i = 0; i < v.n_players; i++)
        assert_true(v.players[i].made);
    kz_exercise_player bad = {.role = (char *)"no-such-role", .organization = (char *)f->node->org_id};
    kz_exercise y = {.scenario = x.scenario};
    kz_exercise_view w;
    assert_int_equal(kz_svc_exercise_create(&f->call, &y, &bad, 1, &w), KZ_EINVAL);
    assert_string_equal(f->err.field, "players[0].role");

    assert_int_equal(kz_svc_exercise_control(&f->call, x.id, KZ_XOP_PAUSE, 0, &v), KZ_ECONFLICT);
    assert_int_equal(kz_svc_exercise_control(&f->call, x.id, KZ_XOP_START, 0, &v), KZ_OK);
    assert_int_equal(v.n_delivered, 1);
    kz_clock_advance(10 * MIN_MS);
    assert_int_equal(kz_svc_exercise_deliver_due(&f->call), 2);  /* minute 5 and minute 10 */
    assert_int_equal(kz_svc_exercise_get(&f->call, x.id, &v), KZ_OK);
    assert_int_equal(v.n_delivered, 3);
    assert_int_equal(v.delivered[1].ex_at, 5 * MIN_MS);   /* dated when due, not when seen */
    assert_int_equal(v.delivered[2].ex_at, 10 * MIN_MS);
    assert_string_equal(v.delivered[2].object_type, "request");

    /* the victim's (made) organization acknowledges the request five minutes later */
    kz_clock_advance(5 * MIN_MS);
    kz_call victim = kz_fixture_as(f, v.players[0].organization, KZ_ROLE_ANALYST);
    kz_svc_exercise_viewer(&victim);
    kz_request out;
    unsigned allowed;
    assert_int_equal(kz_svc_request_move(&victim, v.delivered[2].object_id, KZ_MV_ACKNOWLEDGE, NULL, &out, &allowed),
                     KZ_OK);
    assert_string_equal(out.exercise, x.id);
    kz_clock_advance(200 * MIN_MS);
    assert_true(kz_svc_exercise_deliver_due(&f->call) >= 1);
    assert_int_equal(kz_svc_exercise_control(&f->call, x.id, KZ_XOP_FINISH, 0, &v), KZ_OK);
    kz_exercise_report rep;
    assert_int_equal(kz_svc_exercise_report(&f->call, x.id, &rep, NULL), KZ_OK);
    assert_string_equal(rep.scores[0].e->id, "ack-assistance");
    assert_int_equal(rep.scores[0].result, KZ_RES_MET);
    assert_true(rep.scores[0].took_ms >= 5 * MIN_MS && rep.scores[0].took_ms < 6 * MIN_MS); /* + the real ms */
    assert_int_equal(rep.scores[2].result, KZ_RES_MISSED);
    double possible = 0;
    for (size_t i = 0; i < rep.n_scores; i++)
        possible += kz_expect_points(rep.scores[i].e, KZ_RES_MET);
    assert_true(rep.score > 0 && rep.score < 100);
    assert_true(rep.score == 100.0 * kz_expect_points(rep.scores[0].e, KZ_RES_MET) / possible);
    kz_clock_advance(-kz_clock_advance(0));
    kz_fixture_free(f);
}

static kz_indicator domain(const char *value, const char *exercise, char **recipients, size_t n)
{
    kz_indicator o = {.type = KZ_IND_DOMAIN, .value = (char *)value, .tlp = KZ_TLP_CLEAR,
                      .exercise = (char *)exercise, .recipients = {recipients, n}};
    return o;
}

static void a_bulk_create_is_claimed_for_the_run_and_never_merges_across_it(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_org *outside = kz_fixture_org(f, "Real partner", "FR");
    kz_exercise_player me = {.role = (char *)"victim-csirt", .organization = (char *)f->node->org_id};
    kz_exercise x = {.scenario = (char *)"ransomware-university-hospital", .speed = 1};
    kz_exercise_view v;
    assert_int_equal(kz_svc_exercise_create(&f->call, &x, &me, 1, &v), KZ_OK);
    assert_int_equal(kz_svc_exercise_control(&f->call, x.id, KZ_XOP_START, 0, &v), KZ_OK);
    kz_svc_exercise_viewer(&f->call);
    char *out[] = {outside->id};
    kz_indicator items[] = {domain("bulk-a.example", x.id, NULL, 0), domain("bulk-b.example", x.id, out, 1)};
    unsigned given[] = {KZ_GIVEN_TLP, KZ_GIVEN_TLP | KZ_GIVEN_RECIPIENTS};
    kz_bulk_report rep;
    /* a recipient outside the run: the whole batch is refused, nothing written */
    assert_int_equal(kz_svc_indicator_bulk(&f->call, items, given, 2, &rep), KZ_EINVAL);
    assert_string_equal(f->err.field, "items[1].recipients");
    kz_indicator one[] = {domain("bulk-a.example", x.id, NULL, 0), domain("real.example", NULL, NULL, 0)};
    assert_int_equal(kz_svc_indicator_bulk(&f->call, one, given, 2, &rep), KZ_OK);
    kz_indicator got;
    assert_int_equal(kz_svc_indicator_get(&f->call, rep.ids[0], &got), KZ_OK);
    assert_string_equal(got.exercise, x.id);
    assert_int_equal(kz_svc_indicator_get(&f->call, rep.ids[1], &got), KZ_OK);
    assert_null(got.exercise);
    /* the same value as real work: no merge across the boundary */
    kz_indicator cross = domain("real.example", x.id, NULL, 0);
    kz_upsert result;
    assert_int_equal(kz_svc_indicator_create(&f->call, &cross, KZ_GIVEN_TLP, &result), KZ_ECONFLICT);
    assert_string_equal(f->err.field, "exercise");
    kz_fixture_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_clock_follows_segments_pauses_and_speed),
        cmocka_unit_test(expectations_are_met_late_missed_or_pending),
        cmocka_unit_test(scenarios_are_checked_field_by_field),
        cmocka_unit_test(the_library_decodes_in_both_languages),
        cmocka_unit_test(exercise_objects_are_seen_by_players_only),
        cmocka_unit_test(a_run_delivers_on_time_and_scores_from_the_record),
        cmocka_unit_test(exercise_only_contacts_serve_their_run_only),
        cmocka_unit_test(a_bulk_create_is_claimed_for_the_run_and_never_merges_across_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
