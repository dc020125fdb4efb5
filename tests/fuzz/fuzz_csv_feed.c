/* Fuzz target: CSV feeds as kizuna import csv reads them. The first byte picks the
 * separator and the comment character; the rest is split into lines and fed to the
 * record reader. The first record is taken as the header (its names make the column
 * map), the others become indicators whose values are normalized. Every record is
 * also written back with kz_csv_put and read again, which must give the same fields.
 * Any crash, leak, sanitizer report or failed round trip is a bug. */
#include "fuzz_target.h"
#include "codec/sharing/csv.h"
#include "codec/sharing/indicator_csv.h"
#include "codec/sharing/indicator_norm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char seps[] = {',', ';', '\t', '|'};

/* Writes rec with sep, reads it back, and checks the fields are the same. */
static void round_trip(const kz_csv_record *rec, char sep)
{
    /* a lone empty field is a blank line, which readers skip: nothing to compare */
    if (rec->n == 1 && rec->len[0] == 0)
        return;
    kz_buf b;
    kz_buf_init(&b, 4 * KZ_CSV_MAX_RECORD);
    for (size_t i = 0; i < rec->n; i++) {
        if (i && kz_buf_append(&b, &sep, 1))
            abort();
        if (kz_csv_put(&b, rec->field[i], rec->len[i], sep))
            abort();
    }
    kz_csv_reader r;
    kz_csv_reader_init(&r, sep, 0);
    kz_err err;
    const kz_csv_record *back = NULL;
    const char *p = b.p ? b.p : "";
    size_t left = b.len;
    uint64_t line = 1;
    int got = 0;
    for (;;) {
        const char *nl = memchr(p, '\n', left);
        size_t n = nl ? (size_t)(nl - p) : left;
        got = kz_csv_reader_line(&r, p, n, line++, &back, &err);
        if (got != 0 || !nl)
            break;
        p = nl + 1;
        left -= n + 1;
    }
    if (got != 1 || back->n != rec->n)
        abort();
    for (size_t i = 0; i < rec->n; i++)
        if (back->len[i] != rec->len[i] || memcmp(back->field[i], rec->field[i], rec->len[i]) != 0)
            abort();
    kz_csv_reader_free(&r);
    kz_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char sep = seps[data[0] & 3];
    char comment = (data[0] & 4) ? '#' : 0;
    const char *p = (const char *)data + 1;
    size_t left = size - 1;
    kz_csv_reader r;
    kz_csv_reader_init(&r, sep, comment);
    kz_csv_map map;
    bool have_map = false;
    kz_csv_defaults d = {.type = KZ_CSV_TYPE_AUTO, .tlp = 1, .confidence = -1};
    kz_arena a;
    kz_arena_init(&a);
    kz_err err;
    uint64_t line = 1;
    while (left) {
        const char *nl = memchr(p, '\n', left);
        size_t n = nl ? (size_t)(nl - p) : left;
        const kz_csv_record *rec;
        if (kz_csv_reader_line(&r, p, n, line++, &rec, &err) == 1) {
            round_trip(rec, sep);
            if (!have_map) {
                have_map = kz_csv_map_from_header(&map, rec, &err) == KZ_OK;
            } else {
                kz_indicator o;
                unsigned given;
                kz_norm norm;
                if (kz_csv_indicator(&map, &d, rec, &a, &o, &given, &err) == KZ_OK)
                    kz_indicator_normalize((kz_ind_type)o.type, o.value, strlen(o.value), &a, "value", &norm, &err);
                else
                    kz_csv_map_field(&map, &err);
            }
        }
        if (!nl)
            break;
        p = nl + 1;
        left -= n + 1;
    }
    kz_csv_reader_end(&r, &err);
    kz_csv_reader_free(&r);
    kz_arena_free(&a);
    return 0;
}
