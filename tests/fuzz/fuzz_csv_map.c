/* Fuzz target: the --map specification of kizuna import csv and the feed spellings it
 * meets in cells. Input: "SPEC\nHEADER\nCELL..." — the spec is parsed and resolved
 * against the header (split as CSV), and every further line is tried as a time, a TLP
 * label, a type name and a value whose type is guessed. */
#include "fuzz_target.h"
#include "codec/sharing/csv.h"
#include "codec/sharing/indicator_csv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    kz_err err;
    kz_csv_map map;
    char *rest = strchr(text, '\n');
    if (rest)
        *rest++ = '\0';
    bool parsed = kz_csv_map_parse(text, &map, &err) == KZ_OK;
    if (rest) {
        char *next = strchr(rest, '\n');
        if (next)
            *next++ = '\0';
        kz_csv_reader r;
        kz_csv_reader_init(&r, ',', 0);
        const kz_csv_record *header;
        if (parsed && kz_csv_reader_line(&r, rest, strlen(rest), 1, &header, &err) == 1)
            kz_csv_map_resolve(&map, header, &err);
        kz_csv_reader_free(&r);
        for (char *cell = next; cell;) {
            char *nl = strchr(cell, '\n');
            if (nl)
                *nl++ = '\0';
            kz_time t;
            kz_feed_time(cell, &t);
            kz_tlp_from_name(cell);
            kz_ind_type_from_name(cell);
            kz_ind_type_detect(cell, strlen(cell));
            cell = nl;
        }
    } else if (parsed) {
        kz_csv_map_resolve(&map, NULL, &err);
    }
    free(text);
    return 0;
}
