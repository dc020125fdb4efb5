/* Fuzz target: the key rotation and revocation notices of node-to-node messages
 * (POST /federation/v1/keys), decoded before anything is applied. Any crash or sanitizer
 * report is a bug; so is a notice accepted whose fields, written back, do not decode to
 * the same notice. */
#include "fuzz_target.h"
#include "codec/federation/federation.h"

#include <stdlib.h>
#include <string.h>

static int same(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kz_arena a;
    kz_arena_init(&a);
    kz_fed_key_msg m, back;
    kz_err err;
    if (kz_fed_key_msg_parse((const char *)data, size, &a, &m, &err) == KZ_OK) {
        kz_buf b;
        kz_buf_init(&b, 1 << 16);
        if (kz_fed_key_msg_write(&m, &b, &err) || kz_fed_key_msg_parse(b.p, b.len, &a, &back, &err))
            abort();
        if (back.revocation != m.revocation || !same(back.node, m.node) || !same(back.fingerprint, m.fingerprint) ||
            !same(back.new_public_key, m.new_public_key) || !same(back.proof, m.proof) ||
            !same(back.reason, m.reason) || back.at != m.at || back.until != m.until)
            abort();
        kz_buf_reset(&b);
        if (!m.revocation && kz_fed_rotation_proof_text(&m, &b))
            abort();
        kz_buf_free(&b);
    }
    kz_arena_free(&a);
    return 0;
}
