/* Unit tests of codec/federation/httpsig.h: the RFC 9421 Appendix B.2.6 test vector (ed25519 over
 * a POST request) parsed, its signature base rebuilt byte for byte, its signature made
 * again with the RFC's test key and checked with its public key; the RFC 9530 example
 * digest; and malformed fields refused with the column where they went wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec/federation/httpsig.h"
#include "codec/federation/federation.h"
#include "crypto/crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RFC 9421 B.1.4 test-key-ed25519: the seed and public key inside its PKCS#8 and SPKI
 * documents, then libsodium's secret key (seed || public key). */
static const char key_seed[] = "9f8362f87a484a954e6e740c5b4c0e84229139a20aa8ab56ff66586f6a7d29c5";
static const char key_public[] = "26b40b8f93fff3d897112f7ebc582b232dbd72517d082fe83cfb30ddce43d1bb";

static const char b26_input[] =
    "sig-b26=(\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\")"
    ";created=1618884473;keyid=\"test-key-ed25519\"";
static const char b26_signature[] =
    "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:";
static const char b26_base[] =
    "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n"
    "\"@method\": POST\n"
    "\"@path\": /foo\n"
    "\"@authority\": example.com\n"
    "\"content-type\": application/json\n"
    "\"content-length\": 18\n"
    "\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" "
    "\"content-length\");created=1618884473;keyid=\"test-key-ed25519\"";

/* The test-request of RFC 9421 B.2, as its components. */
static const char *test_request(void *ctx, const char *name)
{
    (void)ctx;
    static const char *const values[][2] = {
        {"date", "Tue, 20 Apr 2021 02:07:55 GMT"}, {"@method", "POST"},
        {"@path", "/foo"}, {"@authority", "example.com"},
        {"content-type", "application/json"}, {"content-length", "18"},
        {"content-digest", "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"},
    };
    for (size_t i = 0; i < sizeof values / sizeof *values; i++)
        if (strcmp(values[i][0], name) == 0)
            return values[i][1];
    return NULL;
}

static void rfc9421_b26_vector(void **state)
{
    (void)state;
    kz_crypto_init();
    kz_sig_input in;
    kz_err err;
    assert_int_equal(kz_sig_input_parse(b26_input, strlen(b26_input), &in, &err), KZ_OK);
    assert_string_equal(in.label, "sig-b26");
    assert_int_equal(in.n_components, 6);
    assert_int_equal(kz_sig_param_find(&in, "created")->num, 1618884473);
    assert_string_equal(kz_sig_param_find(&in, "keyid")->text, "test-key-ed25519");

    kz_buf base;
    kz_buf_init(&base, 4096);
    assert_int_equal(kz_sig_base(&in, test_request, NULL, &base, &err), KZ_OK);
    assert_string_equal(base.p, b26_base);

    unsigned char sig[64], again[64], pk[32], sk[64];
    assert_int_equal(kz_sig_value_parse(b26_signature, strlen(b26_signature), in.label, sig, &err), KZ_OK);
    assert_int_equal(kz_hex_decode(key_public, pk, sizeof pk), 32);
    assert_true(kz_sign_verify(pk, base.p, base.len, sig));
    /* ed25519 is deterministic: the RFC's private key gives the RFC's signature */
    assert_int_equal(kz_hex_decode(key_seed, sk, 32), 32);
    memcpy(sk + 32, pk, 32);
    assert_true(kz_sign_key_check(sk));
    kz_sign(sk, base.p, base.len, again);
    assert_memory_equal(sig, again, 64);
    /* one byte of the base changed: no longer verifies */
    base.p[3] ^= 1;
    assert_false(kz_sign_verify(pk, base.p, base.len, sig));

    /* the parameters written back are the field's own text after the label */
    kz_buf_reset(&base);
    assert_int_equal(kz_sig_params_write(&in, &base), KZ_OK);
    assert_string_equal(base.p, b26_input + strlen("sig-b26="));
    kz_buf_free(&base);
}

static void rfc9530_digest(void **state)
{
    (void)state;
    kz_crypto_init();
    static const char body[] = "{\"hello\": \"world\"}";
    char d[KZ_DIGEST_TEXT];
    kz_err err;
    kz_content_digest(body, strlen(body), d);
    assert_string_equal(d, "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:");
    assert_int_equal(kz_content_digest_check(d, body, strlen(body), &err), KZ_OK);
    assert_int_equal(kz_content_digest_check("sha-512=:AAAA:, sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
                                             body, strlen(body), &err), KZ_OK);
    assert_int_equal(kz_content_digest_check(d, "{}", 2, &err), KZ_EINVAL);
    assert_non_null(strstr(err.msg, "does not have this digest"));
    assert_int_equal(kz_content_digest_check("sha-512=:AAAA:", body, strlen(body), &err), KZ_EINVAL);
    assert_non_null(strstr(err.msg, "no sha-256"));
    assert_int_equal(kz_content_digest_check(NULL, body, strlen(body), &err), KZ_EINVAL);
    assert_string_equal(err.field, "Content-Digest");
}

static void malformed_fields_are_refused_with_a_column(void **state)
{
    (void)state;
    static const struct {
        const char *text, *says;
    } bad[] = {
        {"sig=(\"@method\" \"@method\")", "component given twice at column 25"},
        {"sig=(\"@method\";req)", "component parameters"},
        {"sig=(\"@method\");created=1;created=2", "given twice"},
        {"sig=(\"@method\"), other=()", "only one signature"},
        {"Sig=()", "lowercase name at column 1"},
        {"sig=(\"@Method\")", "lowercase"},
        {"sig=(\"@method\");created=1234567890123456", "15 digits"},
        {"sig=(\"@method\");nonce=\"a\\x\"", "bad escape"},
        {"sig=(\"@method\");nonce=\"abc", "unterminated"},
        {"sig=(\"@method\") x", "unexpected text"},
        {"sig=\"@method\"", "inner list"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        kz_sig_input in;
        kz_err err;
        assert_int_equal(kz_sig_input_parse(bad[i].text, strlen(bad[i].text), &in, &err), KZ_EINVAL);
        if (!strstr(err.msg, bad[i].says))
            fail_msg("%s: got \"%s\", wanted \"%s\"", bad[i].text, err.msg, bad[i].says);
        assert_string_equal(err.field, "Signature-Input");
    }
    unsigned char sig[64];
    kz_err err;
    assert_int_equal(kz_sig_value_parse("sig=:AAAA:", 10, "sig", sig, &err), KZ_EINVAL);
    assert_non_null(strstr(err.msg, "64 bytes"));
    assert_int_equal(kz_sig_value_parse(b26_signature, strlen(b26_signature), "other", sig, &err), KZ_EINVAL);
    assert_non_null(strstr(err.msg, "label"));
}

static void a_base_needs_every_component(void **state)
{
    (void)state;
    kz_sig_input in;
    kz_err err;
    kz_buf base;
    kz_buf_init(&base, 4096);
    static const char text[] = "sig=(\"@method\" \"x-missing\");created=1";
    assert_int_equal(kz_sig_input_parse(text, strlen(text), &in, &err), KZ_OK);
    assert_int_equal(kz_sig_base(&in, test_request, NULL, &base, &err), KZ_EINVAL);
    assert_non_null(strstr(err.msg, "no component x-missing"));
    kz_buf_free(&base);
}

/* The fenced block ```name of docs/FEDERATION.md into out (without its last newline). */
static void doc_block(const char *name, char *out, size_t size)
{
    char path[4096], text[16384], fence[64];
    snprintf(path, sizeof path, "%s/docs/FEDERATION.md", getenv("KIZUNA_SOURCE") ? getenv("KIZUNA_SOURCE") : ".");
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    snprintf(fence, sizeof fence, "```%s\n", name);
    const char *b = strstr(text, fence);
    assert_non_null(b);
    b += strlen(fence);
    const char *e = strstr(b, "\n```");
    assert_non_null(e);
    assert_true((size_t)(e - b) < size);
    memcpy(out, b, (size_t)(e - b));
    out[e - b] = '\0';
}

static const char *vector_request(void *ctx, const char *name)
{
    const char *digest = ctx;
    if (strcmp(name, "@method") == 0)
        return "POST";
    if (strcmp(name, "@target-uri") == 0)
        return "https://cz.example/federation/v1/changes";
    return strcmp(name, "content-digest") == 0 ? digest : NULL;
}

/* The vector of docs/FEDERATION.md: this codec builds its signature base, and the
 * signature given verifies with the key given. */
static void federation_md_vector(void **state)
{
    (void)state;
    kz_crypto_init();
    char headers[4096], want[4096], keys[1024], digest[KZ_DIGEST_TEXT];
    doc_block("vector-headers", headers, sizeof headers);
    doc_block("vector-base", want, sizeof want);
    doc_block("vector-key", keys, sizeof keys);
    kz_content_digest("{\"after\":0,\"limit\":500}", 23, digest);
    assert_non_null(strstr(headers, digest));
    char *in = strstr(headers, "Signature-Input: ") + 17, *sig = strstr(headers, "Signature: ") + 11;
    *strchr(in, '\n') = '\0';
    kz_sig_input si;
    kz_err err;
    assert_int_equal(kz_sig_input_parse(in, strlen(in), &si, &err), KZ_OK);
    kz_buf base;
    kz_buf_init(&base, 4096);
    assert_int_equal(kz_sig_base(&si, vector_request, digest, &base, &err), KZ_OK);
    assert_string_equal(base.p, want);
    unsigned char s[64], pk[32];
    assert_int_equal(kz_sig_value_parse(sig, strlen(sig), "kz", s, &err), KZ_OK);
    char hex[65];
    snprintf(hex, sizeof hex, "%.64s", strstr(keys, "public ") + 7);
    assert_int_equal(kz_hex_decode(hex, pk, sizeof pk), 32);
    assert_true(kz_sign_verify(pk, base.p, base.len, s));
    kz_buf_free(&base);
}

/* The rotation notice of docs/FEDERATION.md: this codec writes exactly its body from its
 * fields, reads it back, builds the text its proof signs, and the proof verifies. */
static void federation_md_rotation_vector(void **state)
{
    (void)state;
    kz_crypto_init();
    char body[4096], proof[1024];
    doc_block("vector-rotation-body", body, sizeof body);
    doc_block("vector-rotation-proof", proof, sizeof proof);
    kz_arena a;
    kz_arena_init(&a);
    kz_fed_key_msg m;
    kz_err err;
    assert_int_equal(kz_fed_key_msg_parse(body, strlen(body), &a, &m, &err), KZ_OK);
    assert_false(m.revocation);
    kz_buf out;
    kz_buf_init(&out, 4096);
    assert_int_equal(kz_fed_key_msg_write(&m, &out, &err), KZ_OK);
    assert_string_equal(out.p, body);
    kz_buf_reset(&out);
    assert_int_equal(kz_fed_rotation_proof_text(&m, &out), KZ_OK);
    assert_string_equal(out.p, proof);
    unsigned char pk[32], sig[64];
    size_t len = 0;
    assert_int_equal(kz_hex_decode(m.new_public_key, pk, sizeof pk), 32);
    assert_int_equal(kz_b64_decode(m.proof, sig, sizeof sig, &len), 0);
    assert_int_equal(len, 64);
    assert_true(kz_sign_verify(pk, out.p, out.len, sig));
    kz_buf_free(&out);
    kz_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc9421_b26_vector),
        cmocka_unit_test(rfc9530_digest),
        cmocka_unit_test(malformed_fields_are_refused_with_a_column),
        cmocka_unit_test(a_base_needs_every_component),
        cmocka_unit_test(federation_md_vector),
        cmocka_unit_test(federation_md_rotation_vector),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
