/* Unit tests of public attribution statements: the canonical content co-signers sign,
 * the moves and co-signatures on a real node, and the offline verification of an
 * export, intact and tampered. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec/federation/federation.h"
#include "codec/statements/statement.h"
#include "helpers.h"
#include "service/statements/statements.h"

static void content_is_canonical_and_patched_key_by_key(void **state)
{
    (void)state;
    kz_arena a;
    kz_err err;
    kz_statement_content c;
    kz_arena_init(&a);
    const char *body = "{ \"title\": \"T\", \"text\": {\"ja\": \"b\", \"en\": \"a\"} }";
    assert_int_equal(kz_statement_content_build(NULL, body, strlen(body), &a, &c, &err), KZ_OK);
    assert_string_equal(c.canonical, "{\"text\":{\"en\":\"a\",\"ja\":\"b\"},\"title\":\"T\"}");
    assert_string_equal(c.texts[0].lang, "en");
    const char *patch = "{\"norms\": [\"h\"], \"confidence\": \"likely\"}";
    assert_int_equal(kz_statement_content_build(c.canonical, patch, strlen(patch), &a, &c, &err), KZ_OK);
    assert_string_equal(c.canonical,
                        "{\"confidence\":\"likely\",\"norms\":[\"h\"],\"text\":{\"en\":\"a\",\"ja\":\"b\"},\"title\":\"T\"}");
    const char *drop = "{\"confidence\": null}";
    assert_int_equal(kz_statement_content_build(c.canonical, drop, strlen(drop), &a, &c, &err), KZ_OK);
    assert_null(c.confidence);
    const char *no_title = "{\"title\": null}";
    assert_int_equal(kz_statement_content_build(c.canonical, no_title, strlen(no_title), &a, &c, &err), KZ_EINVAL);
    assert_string_equal(err.field, "title");
    const char *dup = "{\"title\": \"a\", \"title\": \"b\", \"text\": {\"en\": \"x\"}}";
    assert_int_equal(kz_statement_content_build(NULL, dup, strlen(dup), &a, &c, &err), KZ_EINVAL);
    kz_arena_free(&a);
}

typedef struct world {
    kz_fixture *f;
    kz_org *fr, *jp;
    kz_call a, b;
} world;

static world make_world(void)
{
    world w = {kz_fixture_new()};
    w.fr = kz_fixture_org(w.f, "Drafter", "FR");
    w.jp = kz_fixture_org(w.f, "Co-signer", "JP");
    w.a = kz_fixture_as(w.f, w.fr->id, KZ_ROLE_ANALYST);
    w.b = kz_fixture_as(w.f, w.jp->id, KZ_ROLE_ANALYST);
    return w;
}

/* A circulating statement by fr with jp invited. */
static kz_statement_view circulating(world *w)
{
    char *body = kz_arena_printf(&w->f->arena, "{\"title\":\"T\",\"text\":{\"en\":\"x\"},\"cosigners\":[\"%s\"]}",
                                 w->jp->id);
    kz_statement_view v;
    kz_statement_move_in none = {0};
    assert_int_equal(kz_svc_statement_create(&w->a, body, strlen(body), &v), KZ_OK);
    assert_int_equal(kz_svc_statement_move(&w->a, v.st.id, KZ_SM_CIRCULATE, &none, &v), KZ_OK);
    return v;
}

static void both_issuers_sign_and_an_edit_voids_their_signatures(void **state)
{
    (void)state;
    world w = make_world();
    kz_statement_view v = circulating(&w);
    kz_statement_move_in approve = {.content_hash = v.st.content_hash};
    assert_int_equal(kz_svc_statement_move(&w.b, v.st.id, KZ_SM_APPROVE, &approve, &v), KZ_OK);
    assert_int_equal(v.st.status, KZ_ST_CIRCULATING);
    assert_int_equal(kz_svc_statement_move(&w.a, v.st.id, KZ_SM_APPROVE, &approve, &v), KZ_OK);
    assert_int_equal(v.st.status, KZ_ST_APPROVED);
    assert_int_equal(v.n_sigs, 2);
    assert_true(v.sig_current[0] && v.sig_current[1]);
    const char *patch = "{\"measures\": [\"m\"]}";
    assert_int_equal(kz_svc_statement_update(&w.a, v.st.id, patch, strlen(patch), &v), KZ_OK);
    assert_int_equal(v.st.status, KZ_ST_CIRCULATING);
    assert_int_equal(v.st.version, 2);
    assert_false(v.sig_current[0] || v.sig_current[1]);
    /* the co-signer may not publish, nor approve the version before */
    kz_statement_move_in none = {0};
    assert_int_equal(kz_svc_statement_move(&w.b, v.st.id, KZ_SM_PUBLISH, &none, &v), KZ_EFORBIDDEN);
    assert_int_equal(kz_svc_statement_move(&w.b, v.st.id, KZ_SM_APPROVE, &approve, &v), KZ_ECONFLICT);
    kz_fixture_free(w.f);
}

/* Replaces the first occurrence of from in text by to (same length). */
static void tamper(char *text, const char *from, const char *to)
{
    char *p = strstr(text, from);
    assert_non_null(p);
    assert_int_equal(strlen(from), strlen(to));
    memcpy(p, to, strlen(to));
}

static void an_export_verifies_and_a_tampered_one_does_not(void **state)
{
    (void)state;
    world w = make_world();
    kz_statement_view v = circulating(&w);
    kz_statement_move_in approve = {.content_hash = v.st.content_hash}, none = {0};
    assert_int_equal(kz_svc_statement_move(&w.a, v.st.id, KZ_SM_APPROVE, &approve, &v), KZ_OK);
    assert_int_equal(kz_svc_statement_move(&w.b, v.st.id, KZ_SM_APPROVE, &approve, &v), KZ_OK);
    assert_int_equal(kz_svc_statement_move(&w.a, v.st.id, KZ_SM_PUBLISH, &none, &v), KZ_OK);
    char *text;
    assert_int_equal(kz_svc_statement_export(&w.a, v.st.id, &text), KZ_OK);
    char pk[2 * KZ_SIGN_PK_BYTES + 1];
    kz_hex_encode(w.f->node->sign_pk, KZ_SIGN_PK_BYTES, pk);
    const char *keys[] = {pk};
    kz_statement_report rep;
    kz_err err;
    kz_arena a;
    kz_arena_init(&a);
    assert_int_equal(kz_statement_verify(text, strlen(text), keys, 1, &a, &rep, &err), KZ_OK);
    assert_true(rep.ok && rep.key_given);
    assert_int_equal(rep.n_checks, 2);
    /* both approved in the same millisecond: signed_at ties, so either may come first */
    bool drafter_first = strcmp(rep.checks[0].name, "Drafter") == 0;
    assert_string_equal(rep.checks[drafter_first ? 0 : 1].name, "Drafter");
    assert_string_equal(rep.checks[drafter_first ? 1 : 0].name, "Co-signer");
    /* the text changed: its hash no longer matches */
    char *changed = kz_arena_strdup(&a, text);
    tamper(changed, "\"en\": \"x\"", "\"en\": \"y\"");
    assert_int_equal(kz_statement_verify(changed, strlen(changed), keys, 1, &a, &rep, &err), KZ_ECORRUPT);
    assert_non_null(strstr(rep.problem, "does not match its hash"));
    /* another key: no signature verifies */
    const char *other[] = {"3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"};
    assert_int_equal(kz_statement_verify(text, strlen(text), other, 1, &a, &rep, &err), KZ_ECORRUPT);
    assert_false(rep.checks[0].valid);
    /* not an export at all */
    assert_int_equal(kz_statement_verify("{}", 2, NULL, 0, &a, &rep, &err), KZ_EINVAL);
    assert_string_equal(err.field, "format");
    kz_arena_free(&a);
    kz_fixture_free(w.f);
}

/* A statement change of each form (from the drafter's node, from a co-signer's) is
 * written and parsed back whole; an approval naming another statement makes the change
 * refused, with the reason, rather than the batch. */
static void a_statement_change_round_trips_and_a_stray_approval_is_refused(void **state)
{
    (void)state;
    kz_arena a;
    kz_arena_init(&a);
    const char *id = "5e1d2c3b-4a59-4687-9a0b-c1d2e3f40516";
    char *cosigners[] = {(char *)"9cc22c27-7a05-494d-b3d0-b4eee30535b7"};
    kz_statement_version v = {1, (char *)"{\"title\":\"t\"}", (char *)"ab12", 1767225600000};
    kz_statement_sig g = {(char *)id, cosigners[0], 1, (char *)"ab12", 1767225600123, (char *)"user:1",
                          (char *)"cd34"};
    kz_fed_statement fs = {.id = (char *)id, .has_statement = true, .versions = &v, .n_versions = 1, .sigs = &g,
                           .n_sigs = 1};
    fs.st = (kz_statement){.id = (char *)id, .organization = (char *)"e220cf4d-a361-4616-b303-7daae7994a51",
                           .status = KZ_ST_CIRCULATING, .version = 1, .content = v.content,
                           .content_hash = v.content_hash, .title = (char *)"t", .cosigners = {cosigners, 1}};
    for (int form = 0; form < 2; form++) {
        fs.has_statement = form == 0;
        kz_fed_change ch = {.seq = 7, .kind = KZ_FED_STATEMENT, .id = id, .obj = &fs}, back;
        kz_buf b;
        kz_err err;
        kz_buf_init(&b, 1 << 20);
        assert_int_equal(kz_fed_change_write(&ch, &b, &err), KZ_OK);
        assert_int_equal(kz_fed_change_parse(b.p, b.len, &a, &back, &err), KZ_OK);
        kz_buf_free(&b);
        assert_null(back.refused);
        const kz_fed_statement *got = back.obj;
        assert_int_equal(got->has_statement, form == 0);
        assert_int_equal(got->n_sigs, 1);
        assert_string_equal(got->sigs[0].organization, cosigners[0]);
        assert_true(got->sigs[0].signed_at == 1767225600123);
        assert_string_equal(got->sigs[0].signature, "cd34");
        if (form == 0) {
            assert_int_equal(got->n_versions, 1);
            assert_string_equal(got->versions[0].content, v.content);
            assert_int_equal(got->st.status, KZ_ST_CIRCULATING);
            assert_int_equal(got->st.cosigners.n, 1);
        }
    }
    const char *stray = "{\"seq\":1,\"kind\":\"statement\",\"op\":\"upsert\",\"id\":\"s1\",\"object\":{\"id\":\"s1\","
                        "\"signatures\":[{\"statement\":\"s2\",\"organization\":\"o\",\"version\":1,"
                        "\"content_hash\":\"h\",\"signature\":\"x\"}]}}";
    kz_fed_change ch;
    kz_err err;
    assert_int_equal(kz_fed_change_parse(stray, strlen(stray), &a, &ch, &err), KZ_OK);
    assert_non_null(ch.refused);
    assert_non_null(strstr(ch.refused, "signatures[0]"));
    const char *gap = "{\"seq\":1,\"kind\":\"statement\",\"op\":\"upsert\",\"id\":\"s1\",\"object\":{\"id\":\"s1\","
                      "\"signatures\":[],\"statement\":{\"id\":\"s1\",\"organization\":\"o\",\"version\":2,"
                      "\"content\":\"{}\",\"content_hash\":\"h\"},\"versions\":[{\"version\":2,\"content\":\"{}\","
                      "\"content_hash\":\"h\"}]}}";
    assert_int_equal(kz_fed_change_parse(gap, strlen(gap), &a, &ch, &err), KZ_OK);
    assert_non_null(ch.refused);
    assert_non_null(strstr(ch.refused, "versions[0]"));
    kz_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(content_is_canonical_and_patched_key_by_key),
        cmocka_unit_test(both_issuers_sign_and_an_edit_voids_their_signatures),
        cmocka_unit_test(an_export_verifies_and_a_tampered_one_does_not),
        cmocka_unit_test(a_statement_change_round_trips_and_a_stray_approval_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
