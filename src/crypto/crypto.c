/* libsodium adapter: the only file that includes sodium.h. */
#include "crypto/crypto.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

_Static_assert(sizeof(kz_sha256_ctx) >= sizeof(crypto_hash_sha256_state), "sha256 state fits");

kz_rc kz_crypto_init(void) { return sodium_init() < 0 ? KZ_EINTERNAL : KZ_OK; }

void kz_random_bytes(void *buf, size_t n) { randombytes_buf(buf, n); }

uint32_t kz_random_below(uint32_t upper) { return randombytes_uniform(upper); }

void kz_b64url_encode(const unsigned char *in, size_t n, char *out, size_t out_size)
{
    sodium_bin2base64(out, out_size, in, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int kz_b64_decode(const char *in, unsigned char *out, size_t max, size_t *len)
{
    const char *end = NULL;
    if (sodium_base642bin(out, max, in, strlen(in), " ", len, &end, sodium_base64_VARIANT_ORIGINAL) != 0)
        return -1;
    return *end ? -1 : 0;
}

void kz_token_new(char out[KZ_TOKEN_TEXT])
{
    unsigned char raw[KZ_TOKEN_BYTES];
    randombytes_buf(raw, sizeof raw);
    kz_b64url_encode(raw, sizeof raw, out, KZ_TOKEN_TEXT);
    sodium_memzero(raw, sizeof raw);
}

void kz_uuid4(char out[KZ_UUID_TEXT])
{
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
    snprintf(out, KZ_UUID_TEXT,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
}

void kz_hex_encode(const unsigned char *in, size_t n, char *out)
{
    sodium_bin2hex(out, n * 2 + 1, in, n);
}

long kz_hex_decode(const char *hex, unsigned char *out, size_t max)
{
    size_t len = 0;
    const char *end = NULL;
    if (sodium_hex2bin(out, max, hex, strlen(hex), NULL, &len, &end) != 0 || *end)
        return -1;
    return (long)len;
}

void kz_hash_hex(const void *data, size_t n, char out[KZ_HASH_HEX])
{
    unsigned char h[KZ_HASH_BYTES];
    crypto_generichash(h, sizeof h, data, n, NULL, 0);
    kz_hex_encode(h, sizeof h, out);
}

void kz_sha256(const void *data, size_t n, unsigned char out[KZ_HASH_BYTES])
{
    crypto_hash_sha256(out, data, n);
}

void kz_sha256_hex(const void *data, size_t n, char out[KZ_HASH_HEX])
{
    unsigned char h[KZ_HASH_BYTES];
    crypto_hash_sha256(h, data, n);
    kz_hex_encode(h, sizeof h, out);
}

void kz_sha256_init(kz_sha256_ctx *c) { crypto_hash_sha256_init((crypto_hash_sha256_state *)c); }

void kz_sha256_update(kz_sha256_ctx *c, const void *data, size_t n)
{
    crypto_hash_sha256_update((crypto_hash_sha256_state *)c, data, n);
}

void kz_sha256_final_hex(kz_sha256_ctx *c, char out[KZ_HASH_HEX])
{
    unsigned char h[KZ_HASH_BYTES];
    crypto_hash_sha256_final((crypto_hash_sha256_state *)c, h);
    kz_hex_encode(h, sizeof h, out);
}

void kz_hmac(const unsigned char key[KZ_TOKEN_BYTES], const void *data, size_t n,
             unsigned char out[KZ_HASH_BYTES])
{
    crypto_auth_hmacsha256(out, data, n, key);
}

bool kz_ct_equal(const void *a, const void *b, size_t n) { return sodium_memcmp(a, b, n) == 0; }

void kz_wipe(void *p, size_t n) { sodium_memzero(p, n); }

void kz_sign_keypair(unsigned char pk[KZ_SIGN_PK_BYTES], unsigned char sk[KZ_SIGN_SK_BYTES])
{
    crypto_sign_keypair(pk, sk);
}

void kz_sign(const unsigned char sk[KZ_SIGN_SK_BYTES], const void *msg, size_t n,
             unsigned char sig[KZ_SIGNATURE_BYTES])
{
    crypto_sign_detached(sig, NULL, msg, n, sk);
}

bool kz_sign_verify(const unsigned char pk[KZ_SIGN_PK_BYTES], const void *msg, size_t n,
                    const unsigned char sig[KZ_SIGNATURE_BYTES])
{
    return crypto_sign_verify_detached(sig, msg, n, pk) == 0;
}

void kz_sign_public_key(const unsigned char sk[KZ_SIGN_SK_BYTES], unsigned char pk[KZ_SIGN_PK_BYTES])
{
    crypto_sign_ed25519_sk_to_pk(pk, sk);
}
