/* Fuzz target: what the web interface's server side parses from a browser besides JSON:
 * URL paths of static files (kz_static_path_safe), base32 TOTP secrets and sign-in
 * codes. A path accepted must hold no dot segment; base32 must round-trip any bytes;
 * a code check must never crash on any text. Any crash or sanitizer report is a bug. */
#include "fuzz_target.h"
#include "crypto/totp.h"
#include "http/static.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_path(const char *s)
{
    if (!kz_static_path_safe(s))
        return;
    if (s[0] == '/' || s[0] == '.' || strstr(s, "/.") || strstr(s, "//") || strchr(s, '\\'))
        abort();
}

static void check_base32(const uint8_t *data, size_t size, const char *s)
{
    unsigned char out[512];
    char text[1024];
    kz_base32_decode(s, out, sizeof out);
    if (size > 512)
        size = 512;
    kz_base32_encode(data, size, text, sizeof text);
    long n = kz_base32_decode(text, out, sizeof out);
    if (n != (long)size || memcmp(out, data, size) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    check_path(s);
    check_base32(data, size, s);
    static const unsigned char key[] = "12345678901234567890";
    kz_totp_check(key, 20, s, 1234567890);
    free(s);
    return 0;
}
