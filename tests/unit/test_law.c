/* Unit tests of the norms catalogue and the policy library on a real SQLite file: the
 * norm table and its validators, dates, the version hash leaving out the node's own
 * bookkeeping, versions as new rows, trigram search of Japanese inside a sentence (and
 * the substring fallback for short words), and lists kept to what the viewer sees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec/law/document.h"
#include "codec/json/json_fields.h"
#include "helpers.h"
#include "service/law/documents.h"
#include "service/law/norms.h"

static void the_norm_table_has_eleven_letters(void **state)
{
    (void)state;
    size_t n;
    const kz_norm *all = kz_norms(&n);
    assert_int_equal(n, 11);
    for (size_t i = 0; i < n; i++) {
        char letter[2] = {(char)('a' + i), 0};
        assert_string_equal(all[i].letter, letter);
        assert_ptr_equal(kz_norm_find(letter), &all[i]);
        assert_true(strlen(all[i].text) > 80 && strlen(all[i].title_ja) > 0);
    }
    kz_err e;
    assert_int_equal(kz_valid_norm_letter("h", "norms", &e), KZ_OK);
    assert_int_equal(kz_valid_norm_letter("l", "norms", &e), KZ_EINVAL);
    assert_string_equal(e.field, "norms");
    assert_int_equal(kz_valid_norm_letter("H", "norms", &e), KZ_EINVAL);
    assert_null(kz_norm_find("budapest-29"));
}

static void dates_and_issuers_are_checked(void **state)
{
    (void)state;
    kz_err e;
    const char *good[] = {"2024-02-29", "2000-02-29", "1999-12-31", "2026-01-01"};
    const char *bad[] = {"2023-02-29", "1900-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "2024-1-01",
                         "2024/01/01", "20240101", "", "2024-01-01T00:00:00Z", "１９９９-01-01"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        assert_int_equal(kz_valid_date(good[i], "adopted", &e), KZ_OK);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(kz_valid_date(bad[i], "adopted", &e), KZ_EINVAL);
        assert_string_equal(e.field, "adopted");
    }
    assert_int_equal(kz_valid_doc_issuer("JP", "state", &e), KZ_OK);
    assert_int_equal(kz_valid_doc_issuer("EU", "state", &e), KZ_OK);
    assert_int_equal(kz_valid_doc_issuer("XX", "state", &e), KZ_EINVAL);
}

static void the_hash_leaves_out_the_nodes_bookkeeping(void **state)
{
    (void)state;
    char *other[] = {"0b7f6a3e-1c1d-4c8e-9a57-1d2b3c4d5e6f"};
    kz_document a = {.id = "6f1c1f8e-2b7a-4e55-9d1a-0c3f4b5a6d7e", .version = 1, .state = "JP", .title = "法律",
                     .organization = "77a4b3bd-eb75-48c0-8933-b585488192ed"};
    kz_document b = a;
    b.organization = "11111111-2222-4333-8444-555555555555";
    b.recipients = (kz_strlist){other, 1};
    b.allow_clients = true;
    char ha[65], hb[65], hc[65];
    kz_err e;
    assert_int_equal(kz_document_hash(&a, ha, &e), KZ_OK);
    assert_int_equal(kz_document_hash(&b, hb, &e), KZ_OK);
    assert_string_equal(ha, hb);
    b.tlp = KZ_TLP_AMBER;  /* the label is content: a stricter copy is another version */
    assert_int_equal(kz_document_hash(&b, hc, &e), KZ_OK);
    assert_string_not_equal(ha, hc);
}

static kz_document *add(kz_call *c, const char *state, const char *title, const char *text, int tlp)
{
    kz_document *o = kz_arena_calloc(c->arena, 1, sizeof *o);
    kz_document_defaults(o);
    o->state = (char *)state;
    o->type = KZ_DOC_LAW;
    o->title = (char *)title;
    o->text = (char *)text;
    o->tlp = tlp;
    if (kz_svc_document_create(c, o, NULL))
        fail_msg("create: %s", c->err->msg);
    return o;
}

static size_t found(kz_call *c, const char *q)
{
    kz_document_filter f = {.q = q};
    kz_page pg = {NULL, 100};
    kz_document_page page;
    assert_int_equal(kz_svc_document_list(c, &f, &pg, &page), KZ_OK);
    return page.n;
}

static void search_finds_japanese_inside_a_sentence_and_only_what_one_may_see(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_org *jp = kz_fixture_org(f, "JPCERT/CC", "JP"), *fr = kz_fixture_org(f, "CERT-FR", "FR");
    kz_call a = kz_fixture_as(f, jp->id, KZ_ROLE_ANALYST), b = kz_fixture_as(f, fr->id, KZ_ROLE_ANALYST);
    add(&a, "JP", "基本法", "国は、重要インフラ事業者と連携して対策を講ずる。", KZ_TLP_CLEAR);
    add(&a, "JP", "草案", "重要インフラの防護に関する草案である。", KZ_TLP_AMBER);
    add(&b, "FR", "Loi", "Protection des infrastructures critiques.", KZ_TLP_CLEAR);
    assert_int_equal(found(&a, "重要インフラ"), 2);
    assert_int_equal(found(&b, "重要インフラ"), 1);          /* the AMBER draft is not counted */
    assert_int_equal(found(&a, "事業者 連携"), 1);
    assert_int_equal(found(&a, "国は"), 1);                  /* two characters: the substring scan */
    assert_int_equal(found(&a, "事業者 連携 国は"), 1);      /* long and short words together */
    assert_int_equal(found(&a, "連携 草案"), 0);             /* every word must occur */
    kz_document_filter many = {.q = "a b c d"};
    kz_page pg = {NULL, 10};
    kz_document_page page;
    assert_int_equal(kz_svc_document_list(&a, &many, &pg, &page), KZ_EINVAL);
    assert_string_equal(f->err.field, "q");
    assert_int_equal(found(&a, "infrastructures"), 1);
    assert_int_equal(found(&a, "100%_"), 0);                 /* LIKE's wildcards are literal */
    assert_int_equal(found(&a, "\"重要"), 0);
    kz_fixture_free(f);
}

static kz_rc retitle(void *obj, void *ctx, kz_err *err)
{
    (void)err;
    ((kz_document *)obj)->title = ctx;
    return KZ_OK;
}

static void a_change_is_a_new_version(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_org *jp = kz_fixture_org(f, "JPCERT/CC", "JP");
    kz_call a = kz_fixture_as(f, jp->id, KZ_ROLE_ANALYST);
    kz_document *d = add(&a, "JP", "第一版", NULL, KZ_TLP_CLEAR);
    char *id = kz_arena_strdup(&f->arena, d->id), *h1 = kz_arena_strdup(&f->arena, d->hash);
    kz_document v2;
    assert_int_equal(kz_svc_document_update(&a, id, retitle, "第二版", NULL, &v2), KZ_OK);
    assert_int_equal(v2.version, 2);
    assert_string_not_equal(v2.hash, h1);
    kz_document *items;
    size_t n;
    assert_int_equal(kz_svc_document_history(&a, id, &items, &n), KZ_OK);
    assert_int_equal(n, 2);
    assert_string_equal(items[0].title, "第一版");
    assert_string_equal(items[0].hash, h1);
    assert_string_equal(items[1].title, "第二版");
    assert_int_equal(found(&a, "第一版"), 0);                /* lists show the latest version */
    kz_document old;
    assert_int_equal(kz_svc_document_get(&a, id, 1, &old), KZ_OK);
    assert_string_equal(old.title, "第一版");
    kz_fixture_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_norm_table_has_eleven_letters),
        cmocka_unit_test(dates_and_issuers_are_checked),
        cmocka_unit_test(the_hash_leaves_out_the_nodes_bookkeeping),
        cmocka_unit_test(search_finds_japanese_inside_a_sentence_and_only_what_one_may_see),
        cmocka_unit_test(a_change_is_a_new_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
