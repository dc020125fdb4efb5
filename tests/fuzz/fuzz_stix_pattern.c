/* Fuzz target: the STIX 2.1 pattern parser. The input is one pattern; when it parses
 * and names one indicator, the indicator is written back as a pattern, which must parse
 * again to the same type and value. Any crash, leak, sanitizer report or a pattern that
 * does not survive the round trip is a bug. */
#include "fuzz_target.h"
#include "codec/stix/stix_pattern.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kz_arena a;
    kz_arena_init(&a);
    kz_err err;
    kz_sp_node *root = NULL;
    if (kz_stix_pattern_parse((const char *)data, size, &a, &root, &err) == KZ_OK) {
        int type;
        const char *value;
        if (kz_stix_pattern_indicator(root, &a, &type, &value)) {
            kz_buf b;
            kz_buf_init(&b, 4 * size + 64);
            kz_sp_node *again = NULL;
            int type2;
            const char *value2;
            if (kz_stix_pattern_write(&b, type, value) ||
                kz_stix_pattern_parse(b.p, b.len, &a, &again, &err) ||
                !kz_stix_pattern_indicator(again, &a, &type2, &value2) || type2 != type ||
                strcmp(value, value2) != 0)
                abort();
            kz_buf_free(&b);
        }
    }
    kz_arena_free(&a);
    return 0;
}
