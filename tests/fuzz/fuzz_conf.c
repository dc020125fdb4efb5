/* Fuzz target: the configuration file's syntax (util/conf.h; files are hand-written).
 * Any crash, leak or sanitizer report is a bug; so is an entry with an empty or
 * ill-formed key, a position outside the input, or an error without a position. */
#include "fuzz_target.h"
#include "util/conf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static kz_rc check(void *ctx, const kz_conf_entry *e, kz_err *err)
{
    size_t size = *(const size_t *)ctx;
    (void)err;
    if (!e->section || e->line == 0 || e->line > size + 1 || e->key_col == 0)
        abort();
    if (e->key && (!e->key[0] || strspn(e->key, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(e->key) ||
                   !e->value || e->value_col <= e->key_col))
        abort();
    return KZ_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kz_arena ar;
    kz_arena_init(&ar);
    unsigned line, col;
    kz_err err;
    kz_rc rc = kz_conf_parse((const char *)data, size, check, &size, &ar, &line, &col, &err);
    if (rc == KZ_EINVAL && (line == 0 || col == 0 || !err.msg[0]))
        abort();
    if (rc == KZ_OK && line != 0)
        abort();
    kz_arena_free(&ar);
    return 0;
}
