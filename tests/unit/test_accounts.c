/* Unit tests of the user accounts' building blocks: HMAC-SHA-1, HOTP and TOTP against
 * the RFC 2202, 4226 and 6238 vectors, base32, Argon2id password hashing, and the
 * service's links, sessions and tokens stored as hashes (a real SQLite file). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "crypto/totp.h"
#include "helpers.h"
#include "service/directory/sessions.h"
#include "service/directory/users.h"

#include <string.h>

static const unsigned char rfc_key[] = "12345678901234567890";

static void hmac_sha1_matches_rfc_2202(void **state)
{
    (void)state;
    unsigned char key[20], mac[20];
    char hex[41];
    memset(key, 0x0b, sizeof key);
    kz_hmac_sha1(key, sizeof key, "Hi There", 8, mac);
    kz_hex_encode(mac, sizeof mac, hex);
    assert_string_equal(hex, "b617318655057264e28bc0b6fb378c8ef146be00");
    kz_hmac_sha1("Jefe", 4, "what do ya want for nothing?", 28, mac);
    kz_hex_encode(mac, sizeof mac, hex);
    assert_string_equal(hex, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    /* a key longer than the block is hashed first (RFC 2202 case 6) */
    unsigned char long_key[80];
    memset(long_key, 0xaa, sizeof long_key);
    const char *msg = "Test Using Larger Than Block-Size Key - Hash Key First";
    kz_hmac_sha1(long_key, sizeof long_key, msg, strlen(msg), mac);
    kz_hex_encode(mac, sizeof mac, hex);
    assert_string_equal(hex, "aa4ae5e15272d00e95705637ce8a3b55ed402112");
}

static void hotp_matches_rfc_4226(void **state)
{
    (void)state;
    static const uint32_t want[10] = {755224, 287082, 359152, 969429, 338314,
                                      254676, 287922, 162583, 399871, 520489};
    for (uint64_t i = 0; i < 10; i++)
        assert_int_equal(kz_hotp(rfc_key, 20, i, 6), want[i]);
}

/* RFC 6238 appendix B, SHA-1 rows (8 digits), and the 6-digit codes apps show. */
static void totp_matches_rfc_6238(void **state)
{
    (void)state;
    static const struct {
        int64_t t;
        uint32_t code8;
    } v[] = {
        {59, 94287082}, {1111111109, 7081804}, {1111111111, 14050471},
        {1234567890, 89005924}, {2000000000, 69279037}, {20000000000, 65353130},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        assert_int_equal(kz_hotp(rfc_key, 20, kz_totp_step(v[i].t), 8), v[i].code8);
        char six[8];
        snprintf(six, sizeof six, "%06u", v[i].code8 % 1000000);
        assert_int_equal(kz_totp_check(rfc_key, 20, six, v[i].t), kz_totp_step(v[i].t));
    }
}

static void totp_accepts_one_step_of_drift_and_no_more(void **state)
{
    (void)state;
    char code[8];
    int64_t t = 1234567890;
    snprintf(code, sizeof code, "%06u", kz_hotp(rfc_key, 20, kz_totp_step(t), 6));
    assert_int_equal(kz_totp_check(rfc_key, 20, code, t - 30), kz_totp_step(t));
    assert_int_equal(kz_totp_check(rfc_key, 20, code, t + 30), kz_totp_step(t));
    assert_int_equal(kz_totp_check(rfc_key, 20, code, t + 60), 0);
    assert_int_equal(kz_totp_check(rfc_key, 20, code, t - 60), 0);
    assert_int_equal(kz_totp_check(rfc_key, 20, "12345", t), 0);
    assert_int_equal(kz_totp_check(rfc_key, 20, "12345a", t), 0);
    assert_int_equal(kz_totp_check(rfc_key, 20, NULL, t), 0);
}

static void base32_round_trips_rfc_4648(void **state)
{
    (void)state;
    char out[64];
    kz_base32_encode((const unsigned char *)"foobar", 6, out, sizeof out);
    assert_string_equal(out, "MZXW6YTBOI");
    kz_base32_encode(rfc_key, 20, out, sizeof out);
    assert_string_equal(out, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    unsigned char back[32];
    assert_int_equal(kz_base32_decode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq", back, sizeof back), 20);
    assert_memory_equal(back, rfc_key, 20);
    assert_int_equal(kz_base32_decode("MZXW6YTBOI======", back, sizeof back), 6);
    assert_int_equal(kz_base32_decode("MZXW1", back, sizeof back), -1);   /* 1 is not base32 */
    assert_int_equal(kz_base32_decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", back, 10), -1); /* too long */
}

static void passwords_hash_with_argon2id_and_verify(void **state)
{
    (void)state;
    char a[KZ_PWHASH_TEXT], b[KZ_PWHASH_TEXT];
    assert_int_equal(kz_password_hash("correct horse battery", a), KZ_OK);
    assert_int_equal(kz_password_hash("correct horse battery", b), KZ_OK);
    assert_int_equal(strncmp(a, "$argon2id$", 10), 0);
    assert_string_not_equal(a, b); /* salted */
    assert_true(kz_password_verify(a, "correct horse battery"));
    assert_false(kz_password_verify(a, "correct horse batterY"));
    assert_false(kz_password_verify(NULL, "correct horse battery"));
    kz_err err;
    assert_int_equal(kz_password_check("short", &err), KZ_EINVAL);
    assert_string_equal(err.field, "password");
    assert_int_equal(kz_password_check("パスワードは十二文字以上です", &err), KZ_OK); /* characters, not bytes */
}

/* The one-time link, the session token and the CSRF token: only hashes are stored. */
static void links_and_sessions_are_stored_as_hashes(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_user u = {.email = "aiko@csirt.example", .name = "Aiko", .organization = f->node->org_id, .role = KZ_ROLE_ANALYST};
    char *link = NULL;
    assert_int_equal(kz_svc_user_create(&f->call, &u, "https://k.example", &link), KZ_OK);
    const char *token = strstr(link, "token=") + 6;
    assert_int_equal(strncmp(link, "https://k.example/set-password?token=", 37), 0);
    char hash[KZ_HASH_HEX], *uid = NULL;
    kz_hash_hex(token, strlen(token), hash);
    /* the stored row is found by the hash of the token, not by the token */
    assert_int_equal(kz_store_link_take(f->call.db, token, kz_now_ms(), &f->arena, &uid, &f->err), KZ_ENOTFOUND);
    kz_user out;
    assert_int_equal(kz_svc_password_set(&f->call, token, "correct horse battery", &out), KZ_OK);
    assert_string_equal(out.id, u.id);
    assert_int_equal(kz_svc_password_set(&f->call, token, "correct horse battery", &out), KZ_ENOTFOUND);

    kz_call anon;
    kz_call_init(&anon, f->node, &f->arena, &f->err);
    kz_signin in = {"AIKO@csirt.example", "correct horse battery", NULL, "192.0.2.1"};
    kz_session s, back;
    int64_t wait;
    assert_int_equal(kz_svc_session_create(&anon, &in, &s, &wait), KZ_OK);
    assert_int_equal(strlen(s.token), 43);
    char csrf[KZ_TOKEN_TEXT];
    kz_session_csrf(f->node, s.token, csrf);
    assert_string_equal(csrf, s.csrf);
    assert_string_not_equal(csrf, s.token);
    kz_session_row row;
    kz_user who;
    assert_int_equal(kz_store_session_get(f->call.db, s.token, &f->arena, &row, &who, &f->err), KZ_ENOTFOUND);
    kz_hash_hex(s.token, strlen(s.token), hash);
    assert_int_equal(kz_store_session_get(f->call.db, hash, &f->arena, &row, &who, &f->err), KZ_OK);
    kz_call c2;
    kz_call_init(&c2, f->node, &f->arena, &f->err);
    assert_int_equal(kz_svc_session_resume(&c2, s.token, &back), KZ_OK);
    assert_string_equal(c2.who.org, f->node->org_id);
    assert_int_equal(c2.who.role, KZ_ROLE_ANALYST);
    assert_int_equal(kz_svc_session_end(&c2, &back), KZ_OK);
    kz_call c3;
    kz_call_init(&c3, f->node, &f->arena, &f->err);
    assert_int_equal(kz_svc_session_resume(&c3, s.token, &back), KZ_EUNAUTH);
    assert_null(c3.who.key_id);
    kz_fixture_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hmac_sha1_matches_rfc_2202),
        cmocka_unit_test(hotp_matches_rfc_4226),
        cmocka_unit_test(totp_matches_rfc_6238),
        cmocka_unit_test(totp_accepts_one_step_of_drift_and_no_more),
        cmocka_unit_test(base32_round_trips_rfc_4648),
        cmocka_unit_test(passwords_hash_with_argon2id_and_verify),
        cmocka_unit_test(links_and_sessions_are_stored_as_hashes),
    };
    kz_crypto_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
