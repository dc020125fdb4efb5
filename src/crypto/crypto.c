/* libsodium adapter: the only file that includes sodium.h. */
#include "crypto/crypto.h"

#include <sodium.h>
#include <stdio.h>
#include <pthread.h>
#include <string.h>

_Static_assert(sizeof(kz_sha256_ctx) >= sizeof(crypto_hash_sha256_state), "sha256 state fits");

kz_rc kz_crypto_init(void) { return sodium_init() < 0 ? KZ_EINTERNAL : KZ_OK; }

void kz_random_bytes(void *buf, size_t n) { randombytes_buf(buf, n); }

uint32_t kz_random_below(uint32_t upper) { return randombytes_uniform(upper); }

void kz_b64url_encode(const unsigned char *in, size_t n, char *out, size_t out_size)
{
    sodium_bin2base64(out, out_size, in, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void kz_b64_encode(const unsigned char *in, size_t n, char *out, size_t out_size)
{
    sodium_bin2base64(out, out_size, in, n, sodium_base64_VARIANT_ORIGINAL);
}

int kz_b64_decode(const char *in, unsigned char *out, size_t max, size_t *len)
{
    const char *end = NULL;
    if (sodium_base642bin(out, max, in, strlen(in), " ", len, &end, sodium_base64_VARIANT_ORIGINAL) != 0)
        return -1;
    return *end ? -1 : 0;
}

size_t kz_b64_encoded_size(size_t n) { return sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL); }

void kz_token_new(char out[KZ_TOKEN_TEXT])
{
    unsigned char raw[KZ_TOKEN_BYTES];
    randombytes_buf(raw, sizeof raw);
    kz_b64url_encode(raw, sizeof raw, out, KZ_TOKEN_TEXT);
    sodium_memzero(raw, sizeof raw);
}

/* Randomness for ids, drawn from the system in blocks: one getrandom() per 64 ids
 * instead of one each, which bulk imports feel. Ids are unique, not secret. */
static void id_random(unsigned char *out, size_t n)
{
    static _Thread_local unsigned char pool[1024];
    static _Thread_local size_t left;
    if (left < n) {
        randombytes_buf(pool, sizeof pool);
        left = sizeof pool;
    }
    memcpy(out, pool + sizeof pool - left, n);
    left -= n;
}

/* 8-4-4-4-12 lowercase hex of b, with the version and variant bits set. */
static void uuid_text(unsigned char b[16], unsigned version, char out[KZ_UUID_TEXT])
{
    static const char hex[] = "0123456789abcdef";
    b[6] = (unsigned char)((b[6] & 0x0F) | (version << 4));
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
    /* where each byte's two digits go: no branch per byte on the hot path of imports */
    static const unsigned char at[16] = {0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34};
    memcpy(out, "00000000-0000-0000-0000-000000000000", KZ_UUID_TEXT - 1);
    for (int i = 0; i < 16; i++) {
        out[at[i]] = hex[b[i] >> 4];
        out[at[i] + 1] = hex[b[i] & 15];
    }
    out[KZ_UUID_TEXT - 1] = '\0';
}

void kz_uuid4(char out[KZ_UUID_TEXT])
{
    unsigned char b[16];
    id_random(b, sizeof b);
    uuid_text(b, 4, out);
}

void kz_uuid_ordered(char out[KZ_UUID_TEXT], int64_t unix_ms)
{
    /* RFC 9562 6.2 method 1: rand_a is a 12-bit counter within one millisecond, started
     * at a random value below 2048; past 4095 the time moves on by one. So the ids of one
     * thread strictly increase, however many come per millisecond. */
    static _Thread_local uint64_t last_ms;
    static _Thread_local unsigned seq;
    unsigned char b[16];
    id_random(b + 6, sizeof b - 6);
    uint64_t t = unix_ms > 0 ? (uint64_t)unix_ms : 0;
    if (t <= last_ms) {
        t = last_ms;
        if (++seq > 0xFFF) {
            t++;
            seq = 0;
        }
    } else {
        seq = ((unsigned)b[6] << 8 | b[7]) & 0x7FF;
    }
    last_ms = t;
    b[6] = (unsigned char)(seq >> 8);
    b[7] = (unsigned char)(seq & 0xFF);
    for (int i = 5; i >= 0; i--, t >>= 8)
        b[i] = (unsigned char)(t & 0xFF);
    uuid_text(b, 4, out); /* see crypto.h: the version-7 layout, marked 4 for STIX */
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

kz_rc kz_password_hash(const char *password, char out[KZ_PWHASH_TEXT])
{
    _Static_assert(KZ_PWHASH_TEXT == crypto_pwhash_STRBYTES, "password hash size");
    if (crypto_pwhash_str_alg(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return KZ_ENOMEM;
    return KZ_OK;
}

bool kz_password_verify(const char *stored, const char *password)
{
    return stored && crypto_pwhash_str_verify(stored, password, strlen(password)) == 0;
}

void kz_seal(const unsigned char key[KZ_TOKEN_BYTES], const void *in, size_t n, unsigned char *out)
{
    _Static_assert(KZ_SEAL_OVERHEAD == crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES, "seal size");
    randombytes_buf(out, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, in, n, out, key);
}

bool kz_unseal(const unsigned char key[KZ_TOKEN_BYTES], const unsigned char *in, size_t n, void *out)
{
    return n >= KZ_SEAL_OVERHEAD && crypto_secretbox_open_easy(out, in + crypto_secretbox_NONCEBYTES,
                                                               n - crypto_secretbox_NONCEBYTES, in, key) == 0;
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

/* ---- cursors ------------------------------------------------------------------------ */

enum { CURSOR_ROUNDS = 4 };

/* The keyed BLAKE2b of each round with the round's byte already absorbed, which
 * compresses the key's block: a round then costs one compression instead of two, with
 * the same output as hashing its 5 bytes at once. Written by kz_cursor_key only. */
static crypto_generichash_state cursor_round[CURSOR_ROUNDS];

static void set_rounds(const unsigned char key[crypto_generichash_KEYBYTES])
{
    for (int i = 0; i < CURSOR_ROUNDS; i++) {
        unsigned char round = (unsigned char)i;
        crypto_generichash_init(&cursor_round[i], key, crypto_generichash_KEYBYTES, crypto_generichash_BYTES_MIN);
        crypto_generichash_update(&cursor_round[i], &round, 1);
    }
}

/* Until a node's secret is given, the key is all zeros (as it always was). */
static pthread_once_t cursor_once = PTHREAD_ONCE_INIT;
static void cursor_default(void)
{
    static const unsigned char zero[crypto_generichash_KEYBYTES];
    set_rounds(zero);
}

void kz_cursor_key(const unsigned char secret[KZ_TOKEN_BYTES])
{
    static const char label[] = "kizuna cursor key v1";
    unsigned char key[crypto_generichash_KEYBYTES];
    pthread_once(&cursor_once, cursor_default);
    crypto_generichash(key, sizeof key, (const unsigned char *)label, sizeof label - 1, secret, KZ_TOKEN_BYTES);
    set_rounds(key);
    sodium_memzero(key, sizeof key);
}

static uint32_t feistel(int round, uint32_t half)
{
    unsigned char in[4] = {(unsigned char)(half >> 24), (unsigned char)(half >> 16), (unsigned char)(half >> 8),
                           (unsigned char)half};
    unsigned char out[crypto_generichash_BYTES_MIN];
    pthread_once(&cursor_once, cursor_default);
    crypto_generichash_state st = cursor_round[round];
    crypto_generichash_update(&st, in, sizeof in);
    crypto_generichash_final(&st, out, sizeof out);
    return (uint32_t)out[0] << 24 | (uint32_t)out[1] << 16 | (uint32_t)out[2] << 8 | out[3];
}

uint64_t kz_cursor_seal(uint64_t row)
{
    uint32_t l = (uint32_t)(row >> 32), r = (uint32_t)row;
    for (int i = 0; i < CURSOR_ROUNDS; i++) {
        uint32_t t = l ^ feistel(i, r);
        l = r;
        r = t;
    }
    return (uint64_t)l << 32 | r;
}

uint64_t kz_cursor_open(uint64_t sealed)
{
    uint32_t l = (uint32_t)(sealed >> 32), r = (uint32_t)sealed;
    for (int i = CURSOR_ROUNDS - 1; i >= 0; i--) {
        uint32_t t = r ^ feistel(i, l);
        r = l;
        l = t;
    }
    return (uint64_t)l << 32 | r;
}

void kz_key_fingerprint(const unsigned char pk[KZ_SIGN_PK_BYTES], char out[KZ_HASH_HEX])
{
    kz_sha256_hex(pk, KZ_SIGN_PK_BYTES, out);
}

bool kz_sign_key_check(const unsigned char sk[KZ_SIGN_SK_BYTES])
{
    unsigned char pk[KZ_SIGN_PK_BYTES], again[KZ_SIGN_SK_BYTES];
    crypto_sign_seed_keypair(pk, again, sk); /* the seed is the first 32 bytes */
    bool ok = sodium_memcmp(again, sk, sizeof again) == 0;
    sodium_memzero(again, sizeof again);
    return ok;
}
