/* Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP, HMAC-SHA-1, 6 digits,
 * 30-second steps), the parameters every common authenticator app accepts, and the
 * RFC 4648 base32 their secrets are written in (crypto_totp.c). SHA-1 lives here only
 * because TOTP needs it (libsodium has none); nothing else may use it. Thread-safe. */
#ifndef KZ_CRYPTO_TOTP_H
#define KZ_CRYPTO_TOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    KZ_TOTP_SECRET_BYTES = 20,   /* 160 bits, as RFC 4226 recommends */
    KZ_TOTP_SECRET_TEXT = 33,    /* base32 of 20 bytes (32) + NUL */
    KZ_TOTP_STEP_S = 30,
    KZ_TOTP_DIGITS = 6,
};

/* HMAC-SHA-1 of msg under key (any length). */
void kz_hmac_sha1(const void *key, size_t key_len, const void *msg, size_t n, unsigned char out[20]);

/* The HOTP value of counter under key, reduced to `digits` decimal digits (6 or 8). */
uint32_t kz_hotp(const unsigned char *key, size_t key_len, uint64_t counter, int digits);

/* The TOTP step of a Unix time in seconds. */
uint64_t kz_totp_step(int64_t unix_s);

/* Checks a 6-digit code against the steps now-1, now, now+1 (clock drift of one step
 * either way). Returns the matching step, or 0 when none matches (step 0 is 1970). */
uint64_t kz_totp_check(const unsigned char *key, size_t key_len, const char *code, int64_t unix_s);

/* RFC 4648 base32 without padding, upper case. out needs ceil(n*8/5)+1 bytes. */
void kz_base32_encode(const unsigned char *in, size_t n, char *out, size_t out_size);

/* Decodes base32 (case-insensitive, spaces and '=' ignored) into out; the number of
 * bytes, or -1 when malformed or longer than max. */
long kz_base32_decode(const char *in, unsigned char *out, size_t max);

#endif
