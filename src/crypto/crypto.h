/* Everything cryptographic, behind libsodium: random tokens and ids, hashes for
 * stored secrets, keyed MACs and (for the signed record) ed25519 signatures.
 * Only this module includes sodium.h. All functions are thread-safe after kz_crypto_init. */
#ifndef KZ_CRYPTO_H
#define KZ_CRYPTO_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    KZ_TOKEN_BYTES = 32,        /* 256-bit secrets: API keys, answer tokens */
    KZ_TOKEN_TEXT = 44,         /* base64url without padding (43) + NUL */
    KZ_HASH_BYTES = 32,
    KZ_HASH_HEX = 65,           /* 64 hex digits + NUL */
    KZ_UUID_TEXT = 37,
    KZ_SIGN_PK_BYTES = 32,
    KZ_SIGN_SK_BYTES = 64,
    KZ_SIGNATURE_BYTES = 64,
};

/* Must be called once before any other function here. KZ_EINTERNAL if libsodium fails. */
kz_rc kz_crypto_init(void);

void kz_random_bytes(void *buf, size_t n);

/* Uniform random integer in [0, upper). */
uint32_t kz_random_below(uint32_t upper);

/* A new 256-bit secret as base64url text ("kz_" is not added: callers add prefixes). */
void kz_token_new(char out[KZ_TOKEN_TEXT]);

/* Random RFC 4122 version-4 UUID in lowercase text. */
void kz_uuid4(char out[KZ_UUID_TEXT]);

/* A time-ordered UUID: the Unix time in ms (48 bits), a 12-bit counter, 62 random bits,
 * as RFC 9562 lays out version 7, so that the ids one thread makes strictly increase and
 * a table receiving them in bulk appends to its id index instead of inserting all over
 * it. Its version digit says 4: STIX 2.1 identifiers (and many validators) accept only
 * versions 1 to 5, and these ids are exported as they are. */
void kz_uuid_ordered(char out[KZ_UUID_TEXT], int64_t unix_ms);

/* BLAKE2b-256 of data as lowercase hex. Used to store high-entropy secrets (API keys,
 * tokens): they need no slow password hash, only a one-way function. */
void kz_hash_hex(const void *data, size_t n, char out[KZ_HASH_HEX]);

/* SHA-256 (for interoperable digests: attachments, the audit chain). */
void kz_sha256(const void *data, size_t n, unsigned char out[KZ_HASH_BYTES]);
void kz_sha256_hex(const void *data, size_t n, char out[KZ_HASH_HEX]);

/* Incremental SHA-256 for data that arrives in pieces. */
typedef struct kz_sha256_ctx {
    unsigned char opaque[128] __attribute__((aligned(16)));
} kz_sha256_ctx;
void kz_sha256_init(kz_sha256_ctx *c);
void kz_sha256_update(kz_sha256_ctx *c, const void *data, size_t n);
void kz_sha256_final_hex(kz_sha256_ctx *c, char out[KZ_HASH_HEX]);

/* HMAC-SHA-256 of data under a 32-byte key. */
void kz_hmac(const unsigned char key[KZ_TOKEN_BYTES], const void *data, size_t n,
             unsigned char out[KZ_HASH_BYTES]);

/* Constant-time comparison of two equal-length buffers. */
bool kz_ct_equal(const void *a, const void *b, size_t n);

/* Passwords: Argon2id (crypto_pwhash_str) at libsodium's interactive limits, as a
 * self-describing string of at most KZ_PWHASH_TEXT bytes (algorithm, cost and salt in
 * it, so the limits can rise later without breaking stored hashes). KZ_ENOMEM when the
 * memory for the hash cannot be had. */
enum { KZ_PWHASH_TEXT = 128 };
kz_rc kz_password_hash(const char *password, char out[KZ_PWHASH_TEXT]);
/* True when password matches the stored string (constant work for any password). */
bool kz_password_verify(const char *stored, const char *password);

/* Authenticated encryption of small secrets kept in the database (XSalsa20-Poly1305,
 * a random nonce in front): out needs n + KZ_SEAL_OVERHEAD bytes. kz_unseal writes
 * n - KZ_SEAL_OVERHEAD bytes and returns false when the box was changed, is too short
 * or was sealed under another key. */
enum { KZ_SEAL_OVERHEAD = 40 };
void kz_seal(const unsigned char key[KZ_TOKEN_BYTES], const void *in, size_t n, unsigned char *out);
bool kz_unseal(const unsigned char key[KZ_TOKEN_BYTES], const unsigned char *in, size_t n, void *out);

/* Wipes a secret from memory in a way the compiler cannot remove. */
void kz_wipe(void *p, size_t n);

/* Cursors (list pages, TAXII next) carry a row number, which must not tell a reader
 * how many rows it may not see lie between two pages: it is passed through a keyed
 * 64-bit permutation (a four-round Feistel network over BLAKE2b), so a cursor reveals
 * nothing without the key. kz_cursor_key derives the process-wide key from a node
 * secret, the answer key of its key file (call once, before serving); until then the
 * key is all zero. */
void kz_cursor_key(const unsigned char secret[KZ_TOKEN_BYTES]);
uint64_t kz_cursor_seal(uint64_t row);
uint64_t kz_cursor_open(uint64_t sealed);

/* Hex and base64url helpers. kz_hex_decode returns the number of bytes or -1. */
void kz_hex_encode(const unsigned char *in, size_t n, char *out /* 2n+1 */);
long kz_hex_decode(const char *hex, unsigned char *out, size_t max);
void kz_b64url_encode(const unsigned char *in, size_t n, char *out, size_t out_size);
/* Standard base64 with padding (RFC 4648 section 4) of in, NUL-terminated, into out
 * (size at least 4 * ((n + 2) / 3) + 1). */
void kz_b64_encode(const unsigned char *in, size_t n, char *out, size_t out_size);
/* Standard base64 (with padding) into out; 0, or -1 when malformed or too long. */
int kz_b64_decode(const char *in, unsigned char *out, size_t max, size_t *len);
/* The bytes kz_b64_encode needs for n bytes of input (the text and its NUL). */
size_t kz_b64_encoded_size(size_t n);

/* ed25519: new key pair, detached signature, verification. */
void kz_sign_keypair(unsigned char pk[KZ_SIGN_PK_BYTES], unsigned char sk[KZ_SIGN_SK_BYTES]);
void kz_sign(const unsigned char sk[KZ_SIGN_SK_BYTES], const void *msg, size_t n,
             unsigned char sig[KZ_SIGNATURE_BYTES]);
bool kz_sign_verify(const unsigned char pk[KZ_SIGN_PK_BYTES], const void *msg, size_t n,
                    const unsigned char sig[KZ_SIGNATURE_BYTES]);
/* The public half of a secret key made by kz_sign_keypair. */
void kz_sign_public_key(const unsigned char sk[KZ_SIGN_SK_BYTES], unsigned char pk[KZ_SIGN_PK_BYTES]);

/* Whether sk is a whole ed25519 secret key: its stored public half is the one its seed
 * gives (a damaged key file is caught before it signs anything). */
bool kz_sign_key_check(const unsigned char sk[KZ_SIGN_SK_BYTES]);

/* The fingerprint people compare to recognise a public key: SHA-256 of its 32 bytes, as
 * 64 lowercase hex digits (sha256sum of the raw key gives the same). */
void kz_key_fingerprint(const unsigned char pk[KZ_SIGN_PK_BYTES], char out[KZ_HASH_HEX]);

#endif
