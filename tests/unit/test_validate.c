/* Unit tests of model/validate.c and the reference tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "model/field.h"
#include "model/states.h"
#include "model/validate.h"

typedef struct vcase {
    kz_valid_fn fn;
    const char *value;
    int ok;
} vcase;

static void validators_accept_and_refuse(void **state)
{
    (void)state;
    static const vcase cases[] = {
        {kz_valid_country, "JP", 1}, {kz_valid_country, "jp", 0}, {kz_valid_country, "XX", 0},
        {kz_valid_country, "JPN", 0}, {kz_valid_timezone, "Asia/Tokyo", 1},
        {kz_valid_timezone, "America/Argentina/Buenos_Aires", 1}, {kz_valid_timezone, "UTC", 1},
        {kz_valid_timezone, "Asia/Atlantis", 0}, {kz_valid_timezone, "../../etc/passwd", 0},
        {kz_valid_timezone, "Asia/../Asia/Tokyo", 0}, {kz_valid_timezone, "asia/tokyo", 0},
        {kz_valid_email, "duty@csirt.jp.example", 1}, {kz_valid_email, "a.b+c@x.example", 1},
        {kz_valid_email, "no-at.example", 0}, {kz_valid_email, "@x.example", 0},
        {kz_valid_email, "a@localhost", 0}, {kz_valid_email, "a..b@x.example", 0},
        {kz_valid_email, "a b@x.example", 0}, {kz_valid_phone, "+81 3 5555 0100", 1},
        {kz_valid_phone, "+1-202-555-0100", 1}, {kz_valid_phone, "03 5555 0100", 0},
        {kz_valid_phone, "+1 22", 0}, {kz_valid_phone, "+81 3 5555 0100 ext", 0},
        {kz_valid_web_url, "https://csirt.jp.example/about", 1}, {kz_valid_web_url, "ftp://x.example", 0},
        {kz_valid_web_url, "https://", 0}, {kz_valid_web_url, "https://a b.example", 0},
        {kz_valid_language, "ja", 1}, {kz_valid_language, "en", 1}, {kz_valid_language, "xx", 0},
        {kz_valid_language, "JA", 0}, {kz_valid_uuid, "6a7027a6-5610-4035-9248-7404031bf1f6", 1},
        {kz_valid_uuid, "6A7027A6-5610-4035-9248-7404031bf1f6", 0}, {kz_valid_uuid, "x", 0},
        {kz_valid_hours, "24/7", 1}, {kz_valid_hours, "Mon-Fri 09:00-17:30", 1},
        {kz_valid_hours, "09:00-17:30", 1}, {kz_valid_hours, "Sat 10:00-12:00", 1},
        {kz_valid_hours, "Mon-Fri 9-5", 0}, {kz_valid_hours, "Mon-Xyz 09:00-17:00", 0},
        {kz_valid_hours, "25:00-26:00", 0}, {kz_valid_contact_role, "law-enforcement-24x7", 1},
        {kz_valid_contact_role, "boss", 0},
        /* A-labels must decode (RFC 3492): xn--zz is no name at all */
        {kz_valid_hostname, "xn--bcher-kva.example", 1}, {kz_valid_hostname, "XN--BCHER-KVA.example", 1},
        {kz_valid_hostname, "xn--r8jz45g.xn--zckzah", 1}, {kz_valid_hostname, "xn--ls8h.la", 1},
        {kz_valid_hostname, "xn--zz.com", 0}, {kz_valid_hostname, "www.xn--zz.com", 0},
        {kz_valid_hostname, "xn--a.com", 1}, {kz_valid_email, "a@xn--zz.example", 0},
        {kz_valid_web_url, "https://xn--zz.example/", 0}, {kz_valid_web_url, "https://xn--bcher-kva.example/", 1},
        {kz_valid_hostname, "xn--99999999999999.com", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        kz_err err;
        kz_err_clear(&err);
        kz_rc rc = cases[i].fn(cases[i].value, "f", &err);
        if ((rc == KZ_OK) != cases[i].ok)
            fail_msg("case %zu '%s': expected %s", i, cases[i].value, cases[i].ok ? "ok" : "refusal");
        if (!cases[i].ok) {
            assert_string_equal(err.field, "f");
            assert_true(err.msg[0] != '\0');
        }
    }
}

static void state_table_is_iso_3166(void **state)
{
    (void)state;
    size_t n;
    const kz_state_ref *all = kz_states_all(&n);
    assert_true(n >= 249);
    assert_string_equal(kz_state_find("JP")->name, "Japan");
    assert_string_equal(kz_state_find("CZ")->alpha3, "CZE");
    assert_null(kz_state_find("ZZ"));
    for (size_t i = 1; i < n; i++)
        assert_true(all[i - 1].alpha2[0] < all[i].alpha2[0] ||
                    (all[i - 1].alpha2[0] == all[i].alpha2[0] && all[i - 1].alpha2[1] < all[i].alpha2[1]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(validators_accept_and_refuse),
        cmocka_unit_test(state_table_is_iso_3166),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
