/* Unit tests of codec/json_fields: every way a client can get a body wrong is refused
 * with the offending field named, and good bodies round-trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec/json/json_fields.h"
#include "model/directory.h"

#include <string.h>

typedef struct bad_case {
    const char *body;
    const char *field;
} bad_case;

static kz_rc decode(const char *text, kz_contact *c, kz_decode_mode mode, kz_arena *a, kz_err *err)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    assert_non_null(j);
    kz_rc rc = kz_json_decode(j, &kz_contact_schema, c, mode, a, NULL, err);
    json_decref(j);
    return rc;
}

#define ORG "\"organization\": \"6a7027a6-5610-4035-9248-7404031bf1f6\""

static void good_contact_round_trips(void **state)
{
    (void)state;
    kz_arena a;
    kz_arena_init(&a);
    kz_contact c = {0};
    kz_err err;
    assert_int_equal(decode("{" ORG ", \"full_name\": \"山田 花子\", \"role\": \"diplomatic\","
                            "\"email\": \"h@mofa.jp.example\", \"languages\": [\"ja\", \"en\"],"
                            "\"timezone\": \"Asia/Tokyo\", \"hours\": \"Mon-Fri 09:00-17:30\","
                            "\"verified_at\": \"2026-01-31T09:00:00+09:00\"}",
                            &c, KZ_DECODE_CREATE, &a, &err), KZ_OK);
    assert_string_equal(c.full_name, "山田 花子");
    assert_int_equal(c.role, KZ_CONTACT_DIPLOMATIC);
    assert_int_equal(c.languages.n, 2);
    assert_int_equal(c.verified_at, 1769817600000LL);
    c.id = (char *)"x";
    json_t *j = kz_json_encode(&kz_contact_schema, &c);
    assert_string_equal(json_string_value(json_object_get(j, "role")), "diplomatic");
    assert_string_equal(json_string_value(json_object_get(j, "verified_at")), "2026-01-31T00:00:00.000Z");
    assert_true(json_is_null(json_object_get(j, "phone")));
    json_decref(j);
    kz_arena_free(&a);
}

static void bad_bodies_name_the_field(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        {"{" ORG ", \"full_name\": \"x\", \"role\": \"csirt\", \"nickname\": \"y\"}", "nickname"},
        {"{" ORG ", \"full_name\": \"x\", \"role\": \"boss\"}", "role"},
        {"{" ORG ", \"full_name\": 5, \"role\": \"csirt\"}", "full_name"},
        {"{" ORG ", \"role\": \"csirt\"}", "full_name"},
        {"{" ORG ", \"full_name\": \"\", \"role\": \"csirt\"}", "full_name"},
        {"{" ORG ", \"full_name\": \"x\", \"role\": \"csirt\", \"id\": \"abc\"}", "id"},
        {"{" ORG ", \"full_name\": \"x\", \"role\": \"csirt\", \"email\": \"nope\"}", "email"},
        {"{" ORG ", \"full_name\": \"x\", \"role\": \"csirt\", \"timezone\": \"Mars/Olympus\"}", "timezone"},
        {"{" ORG ", \"full_name\": \"x\", \"role\": \"csirt\", \"languages\": \"ja\"}", "languages"},
        {"{" ORG ", \"full_name\": \"x\", \"role\": \"csirt\", \"languages\": [\"ja\", 3]}", "languages[1]"},
        {"{" ORG ", \"full_name\": \"x\", \"role\": \"csirt\", \"languages\": [\"ja\", \"ja\"]}", "languages"},
        {"{" ORG ", \"full_name\": \"x\", \"role\": \"csirt\", \"verified_at\": \"yesterday\"}", "verified_at"},
        {"{" ORG ", \"full_name\": \"a\\nb\", \"role\": \"csirt\"}", "full_name"},
        {"{\"organization\": \"nope\", \"full_name\": \"x\", \"role\": \"csirt\"}", "organization"},
        {"{" ORG ", \"full_name\": null, \"role\": \"csirt\"}", "full_name"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        kz_arena a;
        kz_arena_init(&a);
        kz_contact c = {0};
        kz_err err;
        kz_err_clear(&err);
        kz_rc rc = decode(cases[i].body, &c, KZ_DECODE_CREATE, &a, &err);
        if (rc != KZ_EINVAL || strcmp(err.field, cases[i].field) != 0)
            fail_msg("case %zu: rc %d field '%s' (%s), expected field '%s'", i, rc, err.field, err.msg,
                     cases[i].field);
        kz_arena_free(&a);
    }
}

static void over_long_strings_are_refused(void **state)
{
    (void)state;
    char body[1024];
    char name[300];
    memset(name, 'a', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    snprintf(body, sizeof body, "{" ORG ", \"full_name\": \"%s\", \"role\": \"csirt\"}", name);
    kz_arena a;
    kz_arena_init(&a);
    kz_contact c = {0};
    kz_err err;
    assert_int_equal(decode(body, &c, KZ_DECODE_CREATE, &a, &err), KZ_EINVAL);
    assert_string_equal(err.field, "full_name");
    kz_arena_free(&a);
}

static void update_changes_only_given_fields(void **state)
{
    (void)state;
    kz_arena a;
    kz_arena_init(&a);
    kz_contact c = {.full_name = (char *)"Old", .phone = (char *)"+81 3 5555 0100", .role = KZ_CONTACT_CSIRT};
    kz_err err;
    assert_int_equal(decode("{\"phone\": null, \"position\": \"Lead\"}", &c, KZ_DECODE_UPDATE, &a, &err), KZ_OK);
    assert_string_equal(c.full_name, "Old");
    assert_null(c.phone);
    assert_string_equal(c.position, "Lead");
    kz_apikey k = {0};
    json_t *j = json_loads("{\"role\": \"admin\"}", 0, NULL);
    assert_int_equal(kz_json_decode(j, &kz_apikey_schema, &k, KZ_DECODE_UPDATE, &a, NULL, &err), KZ_EINVAL);
    assert_string_equal(err.field, "role");
    json_decref(j);
    kz_arena_free(&a);
}

static void non_objects_are_refused(void **state)
{
    (void)state;
    const char *bodies[] = {"[]", "\"x\"", "3", "null"};
    for (size_t i = 0; i < 4; i++) {
        kz_arena a;
        kz_arena_init(&a);
        kz_contact c = {0};
        kz_err err;
        json_t *j = json_loads(bodies[i], JSON_DECODE_ANY, NULL);
        assert_int_equal(kz_json_decode(j, &kz_contact_schema, &c, KZ_DECODE_CREATE, &a, NULL, &err), KZ_EINVAL);
        json_decref(j);
        kz_arena_free(&a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_contact_round_trips),
        cmocka_unit_test(bad_bodies_name_the_field),
        cmocka_unit_test(over_long_strings_are_refused),
        cmocka_unit_test(update_changes_only_given_fields),
        cmocka_unit_test(non_objects_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
