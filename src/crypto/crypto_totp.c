/* RFC 6238 TOTP: SHA-1 (FIPS 180-4), HMAC (RFC 2104), HOTP dynamic truncation
 * (RFC 4226) and base32 (RFC 4648). Small and table-free; constant work per code. */
#include "crypto/totp.h"

#include "crypto/crypto.h"

#include <ctype.h>
#include <string.h>

typedef struct sha1 {
    uint32_t h[5];
    unsigned char block[64];
    size_t used;
    uint64_t bytes;
} sha1;

static uint32_t rol(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

static void sha1_block(sha1 *c, const unsigned char *p)
{
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3], e = c->h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) {
            f = (b & cc) | (~b & d);
            k = 0x5A827999;
        } else if (i < 40) {
            f = b ^ cc ^ d;
            k = 0x6ED9EBA1;
        } else if (i < 60) {
            f = (b & cc) | (b & d) | (cc & d);
            k = 0x8F1BBCDC;
        } else {
            f = b ^ cc ^ d;
            k = 0xCA62C1D6;
        }
        uint32_t t = rol(a, 5) + f + e + k + w[i];
        e = d;
        d = cc;
        cc = rol(b, 30);
        b = a;
        a = t;
    }
    c->h[0] += a;
    c->h[1] += b;
    c->h[2] += cc;
    c->h[3] += d;
    c->h[4] += e;
    kz_wipe(w, sizeof w);
}

static void sha1_init(sha1 *c)
{
    static const uint32_t iv[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    memcpy(c->h, iv, sizeof iv);
    c->used = 0;
    c->bytes = 0;
}

static void sha1_update(sha1 *c, const unsigned char *p, size_t n)
{
    c->bytes += n;
    while (n) {
        size_t k = 64 - c->used < n ? 64 - c->used : n;
        memcpy(c->block + c->used, p, k);
        c->used += k;
        p += k;
        n -= k;
        if (c->used == 64) {
            sha1_block(c, c->block);
            c->used = 0;
        }
    }
}

static void sha1_final(sha1 *c, unsigned char out[20])
{
    uint64_t bits = c->bytes * 8;
    unsigned char pad = 0x80, zero = 0, len[8];
    sha1_update(c, &pad, 1);
    while (c->used != 56)
        sha1_update(c, &zero, 1);
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)(bits >> (56 - 8 * i));
    sha1_update(c, len, 8);
    for (int i = 0; i < 20; i++)
        out[i] = (unsigned char)(c->h[i / 4] >> (24 - 8 * (i % 4)));
    kz_wipe(c, sizeof *c);
}

void kz_hmac_sha1(const void *key, size_t key_len, const void *msg, size_t n, unsigned char out[20])
{
    unsigned char k[64] = {0}, pad[64];
    sha1 c;
    if (key_len > 64) {
        sha1_init(&c);
        sha1_update(&c, key, key_len);
        sha1_final(&c, k);
    } else {
        memcpy(k, key, key_len);
    }
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x36;
    sha1_init(&c);
    sha1_update(&c, pad, 64);
    sha1_update(&c, msg, n);
    sha1_final(&c, out);
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x5c;
    sha1_init(&c);
    sha1_update(&c, pad, 64);
    sha1_update(&c, out, 20);
    sha1_final(&c, out);
    kz_wipe(k, sizeof k);
    kz_wipe(pad, sizeof pad);
}

uint32_t kz_hotp(const unsigned char *key, size_t key_len, uint64_t counter, int digits)
{
    unsigned char msg[8], mac[20];
    for (int i = 0; i < 8; i++)
        msg[i] = (unsigned char)(counter >> (56 - 8 * i));
    kz_hmac_sha1(key, key_len, msg, sizeof msg, mac);
    int off = mac[19] & 0x0f;
    uint32_t bin = (uint32_t)(mac[off] & 0x7f) << 24 | (uint32_t)mac[off + 1] << 16 |
                   (uint32_t)mac[off + 2] << 8 | mac[off + 3];
    kz_wipe(mac, sizeof mac);
    uint32_t mod = 1;
    for (int i = 0; i < digits; i++)
        mod *= 10;
    return bin % mod;
}

uint64_t kz_totp_step(int64_t unix_s) { return unix_s < 0 ? 0 : (uint64_t)unix_s / KZ_TOTP_STEP_S; }

uint64_t kz_totp_check(const unsigned char *key, size_t key_len, const char *code, int64_t unix_s)
{
    if (!code || strlen(code) != KZ_TOTP_DIGITS || strspn(code, "0123456789") != KZ_TOTP_DIGITS)
        return 0;
    uint32_t want = 0;
    for (int i = 0; i < KZ_TOTP_DIGITS; i++)
        want = want * 10 + (uint32_t)(code[i] - '0');
    uint64_t now = kz_totp_step(unix_s), found = 0;
    for (uint64_t s = now ? now - 1 : 0; s <= now + 1; s++) {
        uint32_t v = kz_hotp(key, key_len, s, KZ_TOTP_DIGITS);
        if (kz_ct_equal(&v, &want, sizeof v) && !found)
            found = s;
    }
    return found;
}

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

void kz_base32_encode(const unsigned char *in, size_t n, char *out, size_t out_size)
{
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n && o + 1 < out_size; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 5 && o + 1 < out_size) {
            out[o++] = b32[(acc >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0 && o + 1 < out_size)
        out[o++] = b32[(acc << (5 - bits)) & 31];
    if (out_size)
        out[o] = '\0';
}

long kz_base32_decode(const char *in, unsigned char *out, size_t max)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    for (const char *p = in; *p; p++) {
        if (*p == ' ' || *p == '=')
            continue;
        const char *at = strchr(b32, toupper((unsigned char)*p));
        if (!at || !*at)
            return -1;
        acc = (acc << 5) | (uint32_t)(at - b32);
        bits += 5;
        if (bits >= 8) {
            if (n == max)
                return -1;
            out[n++] = (unsigned char)(acc >> (bits - 8));
            bits -= 8;
        }
    }
    return (long)n;
}
