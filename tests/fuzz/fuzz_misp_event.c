/* Fuzz target: MISP feed files. The first byte chooses a manifest or an event file; the
 * rest is read with the streaming readers (both passes for an event), every attribute's
 * type is mapped as the importer maps it (both parts of a composite). Any crash, leak or
 * sanitizer report is a bug, and so are an attribute callback before the event callback
 * and an empty label. */
#include "fuzz_target.h"
#include "codec/stix/misp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct mem {
    const uint8_t *p;
    size_t n, at;
} mem;

static kz_rc mem_read(void *ctx, char *buf, size_t cap, size_t *got, kz_err *err)
{
    (void)err;
    mem *m = ctx;
    size_t k = m->n - m->at;
    if (k > cap)
        k = cap;
    if (k > 4096)
        k = 4096;
    memcpy(buf, m->p + m->at, k);
    m->at += k;
    *got = k;
    return KZ_OK;
}

static kz_rc mem_rewind(void *ctx, kz_err *err)
{
    (void)err;
    ((mem *)ctx)->at = 0;
    return KZ_OK;
}

static bool saw_event;

static kz_rc on_event(void *ctx, const kz_misp_event *ev)
{
    (void)ctx;
    if (!ev->uuid)
        abort();
    saw_event = true;
    return KZ_OK;
}

static kz_rc on_attribute(void *ctx, const kz_misp_attribute *at, const char *where, const kz_err *bad)
{
    (void)ctx;
    if (!saw_event || !where)
        abort();
    if (!bad) {
        kz_arena a;
        kz_arena_init(&a);
        const char *part;
        int t = kz_misp_ind_type(at->type, at->value, &a, &part);
        if (t >= 0 && !part)
            abort();
        const char *second = NULL;
        if (kz_misp_ind_type2(at->type, at->value, &second) >= 0 && (!second || !second[0]))
            abort();
        for (size_t i = 0; i < at->labels.n; i++)
            if (!at->labels.v[i] || !at->labels.v[i][0])
                abort();
        kz_arena_free(&a);
    }
    return KZ_OK;
}

static kz_rc on_entry(void *ctx, const char *uuid, kz_time ts)
{
    (void)ctx;
    (void)ts;
    return strlen(uuid) == 36 ? KZ_OK : (abort(), KZ_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    mem m = {data + 1, size - 1, 0};
    kz_err err;
    saw_event = false;
    if (data[0] & 1) {
        kz_byte_source src = {mem_read, &m};
        kz_misp_read_manifest(&src, on_entry, NULL, &err);
    } else {
        kz_misp_input in = {{mem_read, &m}, mem_rewind};
        kz_misp_sink sink = {on_event, on_attribute, NULL};
        kz_misp_read_event(&in, &sink, &err);
    }
    return 0;
}
