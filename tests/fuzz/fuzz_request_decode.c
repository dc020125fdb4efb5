/* Fuzz target: request bodies. The first byte picks create or update mode; the rest is
 * parsed as JSON, decoded into a request by the content field table, checked against
 * its kind's template, then written out as the record's canonical entry text (the
 * content snapshot) and as the API's JSON. Any crash, leak or sanitizer report is a bug. */
#include "fuzz_target.h"
#include "codec/json/json_fields.h"
#include "codec/requests/record_json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    kz_decode_mode mode = (data[0] & 1) ? KZ_DECODE_UPDATE : KZ_DECODE_CREATE;
    json_t *j = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, NULL);
    if (!j)
        return 0;
    kz_request r;
    memset(&r, 0, sizeof r);
    r.kind = mode == KZ_DECODE_UPDATE ? (int)(data[0] >> 1) % KZ_REQ_KIND_COUNT : -1;
    kz_arena a;
    kz_arena_init(&a);
    kz_err err;
    if (kz_json_decode(j, &kz_request_content_schema, &r, mode, &a, NULL, &err) == KZ_OK &&
        kz_request_check_template(&r, &err) == KZ_OK) {
        r.id = (char *)"00000000-0000-4000-8000-000000000000";
        kz_record_entry_in e = {.request = r.id, .seq = 1, .at = 1, .action = "create", .from = -1,
                                .to = 0, .content = &r, .prev = KZ_RECORD_GENESIS};
        char *text = kz_record_entry_text(&e, &a);
        json_t *back = text ? json_loads(text, 0, NULL) : NULL;
        if (text && !back)
            abort(); /* the canonical text must be JSON */
        json_decref(back);
        json_t *out = kz_request_json(&r, "A", "B");
        json_decref(out);
    }
    kz_arena_free(&a);
    json_decref(j);
    return 0;
}
