/* Fuzz target: reading STIX bundles. The input is fed to the streaming reader in chunks
 * whose sizes come from the first byte, and every object it hands out is decoded (the
 * JSON scanner, the splitter, the object decoder and the pattern parser together), and
 * its kept text served under a label. The
 * same input fed in one piece must give the same number of objects. Any crash, leak,
 * sanitizer report or disagreement is a bug. */
#include "fuzz_target.h"
#include "codec/stix/stix.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct feed {
    const uint8_t *p;
    size_t n, at, chunk;
} feed;

static kz_rc read_chunk(void *ctx, char *buf, size_t cap, size_t *got, kz_err *err)
{
    (void)err;
    feed *f = ctx;
    size_t k = f->n - f->at;
    if (k > f->chunk)
        k = f->chunk;
    if (k > cap)
        k = cap;
    memcpy(buf, f->p + f->at, k);
    f->at += k;
    *got = k;
    return KZ_OK;
}

static kz_rc decode(void *ctx, const char *json, size_t len, const char *where)
{
    (void)where;
    size_t *count = ctx;
    kz_arena a;
    kz_arena_init(&a);
    kz_stix_obj o;
    kz_err err;
    if (kz_stix_decode(json, len, &a, &o, &err) == KZ_OK) {
        if (o.kind == KZ_STIX_INDICATOR && o.single && !o.value)
            abort();
        /* the kept text, as it is stored, served under another label */
        kz_buf b;
        kz_strlist none = {NULL, 0};
        kz_buf_init(&b, 1 << 26);
        if (strlen(o.json) != o.json_len || kz_stix_write_kept(&b, o.json, (int)(len % 5), &none, false, NULL))
            abort();
        kz_buf_free(&b);
    }
    kz_arena_free(&a);
    (*count)++;
    return KZ_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t counts[2] = {0, 0};
    kz_rc rcs[2];
    for (int pass = 0; pass < 2; pass++) {
        feed f = {data + 1, size - 1, 0, pass ? size : (size_t)(data[0] % 17) + 1};
        kz_byte_source src = {read_chunk, &f};
        kz_stix_doc doc;
        kz_err err;
        rcs[pass] = kz_stix_read(&src, decode, &counts[pass], &doc, &err);
    }
    if (rcs[0] != rcs[1] || counts[0] != counts[1])
        abort();
    return 0;
}
