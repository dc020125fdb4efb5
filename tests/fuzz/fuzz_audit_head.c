/* Fuzz target: the exported audit head (kizuna audit verify --head reads files kept by
 * third parties). Any crash, leak or sanitizer report is a bug; so is a head accepted
 * with a hash, signature or key that is not hex of its length. */
#include "fuzz_target.h"
#include "codec/core/audit_head.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kz_audit_head h;
    kz_err err;
    if (kz_audit_head_parse((const char *)data, size, &h, &err) == KZ_OK &&
        (strlen(h.hash) != 64 || strlen(h.sig) != 128 || strlen(h.public_key) != 64 || h.seq < 1))
        abort();
    return 0;
}
