/* Fuzz target: the signature headers of node-to-node messages (RFC 9421 Signature-Input
 * and Signature, RFC 9530 Content-Digest), which any host on the network can send. The
 * input is split at the first two newlines into the three fields. Any crash or sanitizer
 * report is a bug; so is a parsed input whose parameters, written back, do not parse to
 * the same thing, or a signature base without its @signature-params line. */
#include "fuzz_target.h"
#include "codec/federation/httpsig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *component(void *ctx, const char *name)
{
    (void)ctx;
    return name[0] == '@' ? "value" : NULL;
}

static void input_round_trips(const char *p, size_t n)
{
    kz_sig_input in, back;
    kz_err err;
    if (kz_sig_input_parse(p, n, &in, &err))
        return;
    kz_buf b;
    kz_buf_init(&b, 1 << 16);
    if (kz_buf_printf(&b, "%s=", in.label) || kz_sig_params_write(&in, &b))
        abort();
    if (kz_sig_input_parse(b.p, b.len, &back, &err) || memcmp(&in, &back, sizeof in) != 0)
        abort();
    kz_buf_reset(&b);
    if (kz_sig_base(&in, component, NULL, &b, &err) == KZ_OK && !strstr(b.p, "\"@signature-params\": ("))
        abort();
    kz_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    const char *nl1 = memchr(p, '\n', size);
    const char *nl2 = nl1 ? memchr(nl1 + 1, '\n', (size_t)(end - nl1 - 1)) : NULL;
    input_round_trips(p, nl1 ? (size_t)(nl1 - p) : size);
    if (nl1) {
        unsigned char sig[64];
        kz_err err;
        const char *s = nl1 + 1;
        kz_sig_value_parse(s, nl2 ? (size_t)(nl2 - s) : (size_t)(end - s), "sig", sig, &err);
    }
    if (nl2) {
        char *digest = malloc((size_t)(end - nl2));
        if (!digest)
            return 0;
        memcpy(digest, nl2 + 1, (size_t)(end - nl2 - 1));
        digest[end - nl2 - 1] = '\0';
        kz_err err;
        kz_content_digest_check(digest, "{}", 2, &err);
        free(digest);
    }
    return 0;
}
