/* Fuzz target: request bodies of the sharing endpoints. The first byte picks the
 * schema (incident, indicator, sighting, timeline entry, the sharing of a draft asked
 * about by POST /tlp/audience) and create or update mode;
 * the rest is the JSON body. What decodes is written back as JSON text and as a CSV
 * line, and the CSV line must read back as one record with one field per column. */
#include "fuzz_target.h"
#include "codec/sharing/csv.h"
#include "codec/json/json_fields.h"
#include "model/sharing.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const kz_schema *const schemas[] = {
    &kz_incident_schema, &kz_indicator_schema, &kz_sighting_schema, &kz_timeline_schema,
    &kz_sharing_draft_schema,
};

static size_t columns(const kz_schema *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->count; i++)
        n += !(s->fields[i].flags & KZ_FF_WRITEONLY);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const kz_schema *s = schemas[(data[0] & 0x7f) % (sizeof schemas / sizeof *schemas)];
    kz_decode_mode mode = (data[0] & 0x80) ? KZ_DECODE_UPDATE : KZ_DECODE_CREATE;
    json_t *j = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, NULL);
    if (!j)
        return 0;
    union {
        kz_incident inc;
        kz_indicator ind;
        kz_sighting sig;
        kz_timeline_entry tl;
        kz_sharing_draft draft;
    } obj;
    memset(&obj, 0, sizeof obj);
    kz_arena a;
    kz_arena_init(&a);
    kz_err err;
    kz_fieldset given = 0;
    if (kz_json_decode(j, s, &obj, mode, &a, &given, &err) == KZ_OK) {
        if (s == &kz_indicator_schema)
            kz_indicator_given(given);
        kz_buf b;
        kz_buf_init(&b, 1 << 24);
        if (kz_json_write(&b, s, &obj))
            abort();
        kz_buf_reset(&b);
        if (kz_csv_row(&b, s, &obj))
            abort();
        /* one record over as many lines as its quoted fields need */
        kz_csv_reader r;
        kz_csv_reader_init(&r, ',', 0);
        const kz_csv_record *rec = NULL;
        char *p = b.p;
        uint64_t line = 1;
        int got = 0;
        while (got == 0 && p && *p) {
            char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            got = kz_csv_reader_line(&r, p, n, line++, &rec, &err);
            p = nl ? nl + 1 : NULL;
        }
        if (got != 1 || rec->n != columns(s))
            abort();
        kz_csv_reader_free(&r);
        kz_buf_free(&b);
    }
    kz_arena_free(&a);
    json_decref(j);
    return 0;
}
