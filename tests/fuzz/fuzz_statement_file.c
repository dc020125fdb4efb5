/* Fuzz target: the decoders of public attribution statements — the export file that
 * kizuna statement verify reads from anyone (with the key the file names, and with a
 * fixed trusted key that signed nothing the fuzzer invents), and the content object
 * every POST and PATCH of /api/v1/statements is built from. Any crash, leak or
 * sanitizer report is a bug; so is a file that verifies with the fixed key. */
#include "fuzz_target.h"
#include "codec/statements/statement.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const trusted[] = {"3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"};
    kz_arena a;
    kz_arena_init(&a);
    kz_statement_report rep;
    kz_err err;
    kz_statement_verify((const char *)data, size, NULL, 0, &a, &rep, &err);
    if (kz_statement_verify((const char *)data, size, trusted, 1, &a, &rep, &err) == KZ_OK && rep.n_checks)
        abort();  /* a signature the fuzzer made with a key it does not hold */
    kz_statement_content c;
    kz_statement_content_build(NULL, (const char *)data, size, &a, &c, &err);
    kz_statement_content_build("{\"title\":\"t\",\"text\":{\"en\":\"x\"}}", (const char *)data, size, &a, &c, &err);
    kz_arena_free(&a);
    return 0;
}
