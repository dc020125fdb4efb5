/* Unit tests of codec/federation/federation.h for what travels besides the directory and
 * shared objects: a check's change (its invitations and answers) written and read back,
 * a request's change carrying its files in base64, and changes that break the rules
 * marked refused with the reason (the rest of a batch still applies). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec/federation/federation.h"
#include "util/arena.h"

#include <stdio.h>
#include <string.h>

#define CHECK_ID "0b7e4c1a-55a3-4c59-9d1a-7f1e2a3b4c5d"
#define ORG_ID "1c8f5d2b-66b4-4d6a-8e2b-8a2f3b4c5d6e"
static const char check_id[] = CHECK_ID;
static const char org_id[] = ORG_ID;
static const char contact_id[] = "2d9a6e3c-77c5-4e7b-9f3c-9b3a4c5d6e7f";

/* One change in JSON as a batch item, parsed. */
static kz_rc parse(const char *json, kz_arena *a, kz_fed_change *c)
{
    kz_err err;
    return kz_fed_change_parse(json, strlen(json), a, c, &err);
}

static void a_check_change_round_trips(void **state)
{
    (void)state;
    kz_arena a;
    kz_arena_init(&a);
    kz_fed_check_target t = {(char *)contact_id, 1767225600000, 1767226200000};
    kz_fed_check k = {(char *)check_id, (char *)org_id, 1767225600000, 1767312000000, &t, 1};
    kz_fed_change c = {.seq = 7, .kind = KZ_FED_CHECK, .id = check_id, .obj = &k};
    kz_buf b;
    kz_err err;
    kz_buf_init(&b, 1 << 20);
    assert_int_equal(kz_fed_change_write(&c, &b, &err), KZ_OK);
    assert_non_null(strstr(b.p, "\"kind\":\"check\""));
    kz_fed_change back;
    assert_int_equal(kz_fed_change_parse(b.p, b.len, &a, &back, &err), KZ_OK);
    assert_null(back.refused);
    const kz_fed_check *got = back.obj;
    assert_int_equal(back.kind, KZ_FED_CHECK);
    assert_string_equal(got->organization, org_id);
    assert_int_equal(got->deadline, 1767312000000);
    assert_int_equal(got->n, 1);
    assert_string_equal(got->targets[0].contact, contact_id);
    assert_int_equal(got->targets[0].answered, 1767226200000);
    kz_buf_free(&b);
    kz_arena_free(&a);
}

/* Each of these is marked refused, naming what is wrong; none fails the batch. */
static void bad_check_changes_are_refused_with_the_reason(void **state)
{
    (void)state;
    static const struct {
        const char *object, *reason;
    } bad[] = {
        {"{\"id\":\"" CHECK_ID "\",\"organization\":\"o\",\"created\":5,\"deadline\":4,\"targets\":[{\"contact\":\"c\","
         "\"sent\":5,\"answered\":0}]}", "deadline is before"},
        {"{\"id\":\"" CHECK_ID "\",\"organization\":\"o\",\"created\":5,\"deadline\":9,\"targets\":[]}", "targets must be"},
        {"{\"id\":\"" CHECK_ID "\",\"organization\":\"o\",\"created\":5,\"deadline\":9,\"targets\":[{\"contact\":\"c\","
         "\"sent\":5,\"answered\":3}]}", "answered before it was sent"},
        {"{\"id\":\"" CHECK_ID "\",\"organization\":\"o\",\"created\":5,\"deadline\":9,\"targets\":[{\"contact\":\"c\","
         "\"sent\":5,\"answered\":0,\"late\":true}]}", "unknown field 'late'"},
        {"{\"id\":\"" CHECK_ID "\",\"organization\":\"o\",\"created\":-1,\"deadline\":9,\"targets\":[{\"contact\":\"c\","
         "\"sent\":5,\"answered\":0}]}", "created must be a time"},
        {"{\"id\":\"" CHECK_ID "\",\"created\":5,\"deadline\":9,\"targets\":[{\"contact\":\"c\",\"sent\":5,\"answered\":0}]}",
         "organization must be a string"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        kz_arena a;
        kz_arena_init(&a);
        char json[1024];
        snprintf(json, sizeof json, "{\"seq\":1,\"kind\":\"check\",\"op\":\"upsert\",\"id\":\"%s\",\"object\":%s}",
                 check_id, bad[i].object);
        kz_fed_change c;
        assert_int_equal(parse(json, &a, &c), KZ_OK);
        assert_non_null(c.refused);
        if (!strstr(c.refused, bad[i].reason))
            fail_msg("case %zu: %s", i, c.refused);
        kz_arena_free(&a);
    }
}

/* What a table-top run makes never leaves its node, so a change naming a run (an
 * indicator, incident or sighting, or a request's inner object) is refused on arrival,
 * saying so; the same object without it parses. */
static void a_change_naming_a_run_is_refused(void **state)
{
    (void)state;
    static const struct {
        const char *kind, *object;
    } named[] = {
        {"indicator", "{\"id\":\"" CHECK_ID "\",\"type\":\"domain\",\"value\":\"x.example\",\"exercise\":\"" ORG_ID "\"}"},
        {"incident", "{\"id\":\"" CHECK_ID "\",\"title\":\"t\",\"exercise\":\"" ORG_ID "\"}"},
        {"sighting", "{\"id\":\"" CHECK_ID "\",\"exercise\":\"" ORG_ID "\"}"},
        {"request", "{\"id\":\"" CHECK_ID "\",\"request\":{\"id\":\"" CHECK_ID "\",\"exercise\":\"" ORG_ID "\"},"
                    "\"entries\":[]}"},
    };
    for (size_t i = 0; i < sizeof named / sizeof *named; i++) {
        kz_arena a;
        kz_arena_init(&a);
        char json[1024];
        snprintf(json, sizeof json, "{\"seq\":1,\"kind\":\"%s\",\"op\":\"upsert\",\"id\":\"%s\",\"object\":%s}",
                 named[i].kind, check_id, named[i].object);
        kz_fed_change c;
        assert_int_equal(parse(json, &a, &c), KZ_OK);
        assert_non_null(c.refused);
        if (!strstr(c.refused, "names a table-top run"))
            fail_msg("case %zu: %s", i, c.refused);
        kz_arena_free(&a);
    }
    kz_arena a;
    kz_arena_init(&a);
    kz_fed_change c;
    assert_int_equal(parse("{\"seq\":1,\"kind\":\"sighting\",\"op\":\"upsert\",\"id\":\"" CHECK_ID "\",\"object\":"
                           "{\"id\":\"" CHECK_ID "\",\"exercise\":null}}", &a, &c), KZ_OK);
    if (c.refused && strstr(c.refused, "table-top"))
        fail_msg("a null exercise is no run: %s", c.refused);
    kz_arena_free(&a);
}

/* A request's change carries its files in base64; content that is not base64 refuses
 * the change. */
static void a_request_change_carries_its_files(void **state)
{
    (void)state;
    static const char entry[] = "{\"seq\":1,\"at\":1,\"organization\":\"o\",\"action\":\"create\",\"body\":\"{}\","
                                "\"hash\":\"h\",\"signature\":\"s\"}";
    static const char req[] = "{\"id\":\"" CHECK_ID "\",\"kind\":\"information\",\"from_organization\":\"" ORG_ID
                              "\",\"to_organization\":\"" ORG_ID "\",\"subject\":\"s\",\"urgency\":\"high\",\"tlp\":\"amber\","
                              "\"description\":\"d\",\"questions\":\"q\"}";
    const char *files[] = {"[{\"id\":\"f1\",\"sha256\":\"x\",\"content_base64\":\"aGVsbG8=\"}]",
                           "[{\"id\":\"f1\",\"sha256\":\"x\",\"content_base64\":\"!!\"}]",
                           "[{\"id\":\"f1\",\"sha256\":\"x\",\"content_base64\":\"aGk=\",\"name\":\"n\"}]"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        kz_arena a;
        kz_arena_init(&a);
        char json[2048];
        snprintf(json, sizeof json, "{\"seq\":1,\"kind\":\"request\",\"op\":\"upsert\",\"id\":\"%s\",\"object\":"
                 "{\"id\":\"%s\",\"request\":%s,\"entries\":[%s],\"attachments\":%s}}", check_id, check_id, req,
                 entry, files[i]);
        kz_fed_change c;
        assert_int_equal(parse(json, &a, &c), KZ_OK);
        if (i == 0) {
            if (c.refused)
                fail_msg("%s", c.refused);
            const kz_fed_request *r = c.obj;
            assert_int_equal(r->n_attachments, 1);
            assert_int_equal(r->attachments[0].size, 5);
            assert_memory_equal(r->attachments[0].data, "hello", 5);
        } else {
            assert_non_null(c.refused);
            assert_non_null(strstr(c.refused, i == 1 ? "not base64" : "unknown field 'name'"));
        }
        kz_arena_free(&a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_check_change_round_trips),
        cmocka_unit_test(bad_check_changes_are_refused_with_the_reason),
        cmocka_unit_test(a_request_change_carries_its_files),
        cmocka_unit_test(a_change_naming_a_run_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
