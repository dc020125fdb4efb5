/* Fuzz target: the node key file's parser (a key file may be damaged or hand-edited).
 * Any crash, leak or sanitizer report is a bug; so is a key set accepted with a signing
 * key whose halves disagree. */
#include "fuzz_target.h"
#include "crypto/keyfile.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready)
        ready = kz_crypto_init() == KZ_OK;
    kz_keyset k;
    kz_err err;
    if (kz_keyset_parse((const char *)data, size, &k, &err) == KZ_OK) {
        if (!kz_sign_key_check(k.sign_sk))
            abort();
        char text[KZ_KEYFILE_MAX];
        kz_keyset again;
        int n = kz_keyset_format(&k, text, sizeof text);
        if (n < 0 || kz_keyset_parse(text, (size_t)n, &again, &err) != KZ_OK || !kz_ct_equal(&k, &again, sizeof k))
            abort(); /* what is accepted must write back and read the same */
    }
    return 0;
}
