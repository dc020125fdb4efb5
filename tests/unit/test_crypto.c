/* Unit tests of crypto/: tokens, ids, hashes, MACs, signatures, base64. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "crypto/crypto.h"
#include "model/validate.h"

#include <string.h>

static int setup(void **state)
{
    (void)state;
    return kz_crypto_init() == KZ_OK ? 0 : -1;
}

static void tokens_are_256_bit_and_distinct(void **state)
{
    (void)state;
    char a[KZ_TOKEN_TEXT], b[KZ_TOKEN_TEXT];
    kz_token_new(a);
    kz_token_new(b);
    assert_int_equal(strlen(a), 43);
    assert_string_not_equal(a, b);
    assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), 43);
}

static void uuids_are_version_4(void **state)
{
    (void)state;
    char u[KZ_UUID_TEXT];
    kz_err err;
    for (int i = 0; i < 100; i++) {
        kz_uuid4(u);
        assert_int_equal(kz_valid_uuid(u, "id", &err), KZ_OK);
        assert_int_equal(u[14], '4');
        assert_non_null(strchr("89ab", u[19]));
    }
}

/* The version-7 layout with the time in front, so ids made later sort later (RFC 9562
 * test vector: 2022-02-22T19:22:22Z = 1645557742000 ms -> 017f22e2-79b0-...), its
 * version digit 4 so that STIX accepts it. */
static void ordered_uuids_sort_by_time(void **state)
{
    (void)state;
    char a[KZ_UUID_TEXT], b[KZ_UUID_TEXT];
    kz_err err;
    kz_uuid_ordered(a, 1645557742000);
    assert_int_equal(kz_valid_uuid(a, "id", &err), KZ_OK);
    assert_memory_equal(a, "017f22e2-79b0-4", 15);
    assert_non_null(strchr("89ab", a[19]));
    for (int i = 0; i < 100; i++) {
        kz_uuid_ordered(b, 1645557742001 + i);
        assert_true(strcmp(a, b) < 0);
        memcpy(a, b, sizeof a);
    }
    /* many in the same millisecond (and a clock that steps back) still increase */
    for (int i = 0; i < 10000; i++) {
        kz_uuid_ordered(b, 1645557742000);
        assert_true(strcmp(a, b) < 0);
        assert_int_equal(kz_valid_uuid(b, "id", &err), KZ_OK);
        memcpy(a, b, sizeof a);
    }
}

static void sha256_matches_known_vector(void **state)
{
    (void)state;
    char hex[KZ_HASH_HEX];
    kz_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    kz_sha256_ctx c;
    kz_sha256_init(&c);
    kz_sha256_update(&c, "a", 1);
    kz_sha256_update(&c, "bc", 2);
    char hex2[KZ_HASH_HEX];
    kz_sha256_final_hex(&c, hex2);
    assert_string_equal(hex, hex2);
}

static void signatures_verify_and_detect_changes(void **state)
{
    (void)state;
    unsigned char pk[KZ_SIGN_PK_BYTES], sk[KZ_SIGN_SK_BYTES], sig[KZ_SIGNATURE_BYTES];
    kz_sign_keypair(pk, sk);
    kz_sign(sk, "request sent", 12, sig);
    assert_true(kz_sign_verify(pk, "request sent", 12, sig));
    assert_false(kz_sign_verify(pk, "request Sent", 12, sig));
}

static void base64_and_hex_round_trip(void **state)
{
    (void)state;
    unsigned char out[32];
    size_t len = 0;
    assert_int_equal(kz_b64_decode("dXNlcjprZXk=", out, sizeof out, &len), 0);
    assert_int_equal(len, 8);
    assert_memory_equal(out, "user:key", 8);
    assert_int_equal(kz_b64_decode("!!", out, sizeof out, &len), -1);
    char hex[9];
    kz_hex_encode((const unsigned char *)"\x01\xab\xff\x00", 4, hex);
    assert_string_equal(hex, "01abff00");
    assert_int_equal(kz_hex_decode("01abff00", out, sizeof out), 4);
    assert_int_equal(kz_hex_decode("01ab-f", out, sizeof out), -1);
}

static void hmac_depends_on_key(void **state)
{
    (void)state;
    unsigned char k1[KZ_TOKEN_BYTES] = {1}, k2[KZ_TOKEN_BYTES] = {2}, m1[32], m2[32];
    kz_hmac(k1, "x", 1, m1);
    kz_hmac(k2, "x", 1, m2);
    assert_false(kz_ct_equal(m1, m2, 32));
    kz_hmac(k1, "x", 1, m2);
    assert_true(kz_ct_equal(m1, m2, 32));
}

/* Cursors: a permutation (every row comes back), keyed (another key, other cursors),
 * and neighbouring rows give unrelated cursors (the gap between two pages is hidden). */
static void cursors_are_a_keyed_permutation(void **state)
{
    (void)state;
    unsigned char k1[KZ_TOKEN_BYTES] = {1}, k2[KZ_TOKEN_BYTES] = {2};
    kz_cursor_key(k1);
    uint64_t a = kz_cursor_seal(1000), b = kz_cursor_seal(1001), far = kz_cursor_seal(5000);
    for (uint64_t n = 0; n < 2000; n += 7)
        assert_true(kz_cursor_open(kz_cursor_seal(n)) == n);
    assert_true(kz_cursor_open(kz_cursor_seal(UINT64_MAX)) == UINT64_MAX);
    assert_true(a != 1000 && b != 1001);
    assert_true(b - a != 1 && far - a != 4000);
    kz_cursor_key(k2);
    assert_true(kz_cursor_seal(1000) != a);
    kz_cursor_key(k1);
    assert_true(kz_cursor_seal(1000) == a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cursors_are_a_keyed_permutation),
        cmocka_unit_test(tokens_are_256_bit_and_distinct),
        cmocka_unit_test(uuids_are_version_4),
        cmocka_unit_test(ordered_uuids_sort_by_time),
        cmocka_unit_test(sha256_matches_known_vector),
        cmocka_unit_test(signatures_verify_and_detect_changes),
        cmocka_unit_test(base64_and_hex_round_trip),
        cmocka_unit_test(hmac_depends_on_key),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
