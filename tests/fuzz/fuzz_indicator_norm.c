/* Fuzz target: indicator normalization. The first byte picks the indicator type, the
 * rest is the value. Whatever is accepted must be canonical already: normalizing the
 * result again must give the same text (idempotence), and the buffer-level URL and
 * host functions must never write past a small buffer; both IPv4 parses agree. */
#include "fuzz_target.h"
#include "codec/sharing/indicator_norm.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    kz_ind_type type = (kz_ind_type)(data[0] % KZ_IND_TYPE_COUNT);
    const char *in = (const char *)data + 1;
    size_t n = size - 1;
    kz_arena a;
    kz_arena_init(&a);
    kz_norm nm, again;
    kz_err err;
    if (kz_indicator_normalize(type, in, n, &a, "value", &nm, &err) == KZ_OK) {
        if (kz_indicator_normalize(type, nm.value, strlen(nm.value), &a, "value", &again, &err) !=
                KZ_OK ||
            strcmp(nm.value, again.value) != 0)
            abort();
    }
    char small[32];
    size_t len;
    kz_url_canon(in, n, small, sizeof small, &len, NULL, NULL, "url", &err);
    kz_domain_canon(in, n, small, sizeof small, &len, "host", &err);
    unsigned char addr[16];
    if (kz_ipv6_parse(in, n, addr)) {
        char t[46];
        kz_ipv6_format(addr, t);
        unsigned char back[16];
        if (!kz_ipv6_parse(t, strlen(t), back) || memcmp(addr, back, 16) != 0)
            abort();
    }
    unsigned char a4[4], b4[4];  /* the SSSE3 parse says what the scalar one says */
    bool simd = kz__ipv4_parse_simd(in, n, a4);
    if (simd != kz__ipv4_parse_scalar(in, n, b4) || (simd && memcmp(a4, b4, 4) != 0) ||
        kz_ipv4_parse(in, n, addr) != simd)
        abort();
    kz_arena_free(&a);
    return 0;
}
