/* Fuzz target: request body decoding. The first byte picks a resource schema and the
 * create/update mode; the rest is parsed as the JSON body and decoded into the struct,
 * then encoded back. Any crash, leak or sanitizer report is a bug. */
#include "fuzz_target.h"
#include "codec/json/json_fields.h"
#include "model/directory.h"

#include <stdint.h>
#include <string.h>

static const kz_schema *const schemas[] = {
    &kz_org_schema, &kz_contact_schema, &kz_apikey_schema, &kz_check_schema, &kz_check_schedule_schema,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const kz_schema *s = schemas[data[0] % (sizeof schemas / sizeof *schemas)];
    kz_decode_mode mode = (data[0] & 0x80) ? KZ_DECODE_UPDATE : KZ_DECODE_CREATE;
    json_t *j = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, NULL);
    if (!j)
        return 0;
    union {
        kz_org o;
        kz_contact c;
        kz_apikey k;
        kz_check ch;
        kz_check_schedule sc;
    } obj;
    memset(&obj, 0, sizeof obj);
    kz_arena a;
    kz_arena_init(&a);
    kz_err err;
    kz_fieldset given = 0;
    if (kz_json_decode(j, s, &obj, mode, &a, &given, &err) == KZ_OK) {
        json_t *out = kz_json_encode(s, &obj);
        char *text = json_dumps(out, JSON_COMPACT);
        free(text);
        json_decref(out);
    }
    kz_arena_free(&a);
    json_decref(j);
    return 0;
}
