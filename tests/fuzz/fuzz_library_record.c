/* Fuzz target: the records of `kizuna library import`. The first byte picks the format:
 * even, one JSON line; odd, CSV text whose first line is the header. What decodes is
 * written back in both formats, and each must decode again to a version with the same
 * content hash (the export and import round trip without loss). */
#include "fuzz_target.h"
#include "codec/law/document.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void hash_of(const kz_document *o, char out[65])
{
    kz_err e;
    if (kz_document_hash(o, out, &e))
        abort();
}

/* Writes o in both formats and reads each back; the hashes must agree. */
static void round_trip(const kz_document *o, const kz_document_blob *file)
{
    char want[65], got[65];
    hash_of(o, want);
    kz_buf b;
    kz_buf_init(&b, 64u << 20);
    kz_arena a;
    kz_arena_init(&a);
    kz_document back;
    kz_document_blob fb;
    kz_err e;
    if (kz_document_jsonl(&b, o, file) || kz_document_from_json(b.p, b.len - 1, &a, &back, &fb, &e))
        abort();
    hash_of(&back, got);
    if (strcmp(want, got) != 0 || fb.size != file->size)
        abort();
    kz_buf_reset(&b);
    if (kz_document_csv_header(&b) || kz_document_csv_row(&b, o, file))
        abort();
    kz_csv_reader r;
    kz_csv_reader_init(&r, ',', 0);
    kz_document_columns cols;
    const kz_csv_record *rec;
    size_t records = 0;
    uint64_t no = 0;
    for (char *p = b.p; *p;) {
        char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        int k = kz_csv_reader_line(&r, p, len, ++no, &rec, &e);
        if (k < 0)
            abort();
        if (k > 0 && records++ == 0 && kz_document_csv_columns(rec, &cols, &e))
            abort();
        if (k > 0 && records == 2) {
            if (kz_document_from_csv(&cols, rec, &a, &back, &fb, &e))
                abort();
            hash_of(&back, got);
            if (strcmp(want, got) != 0)
                abort();
        }
        p += len + (nl ? 1 : 0);
    }
    if (records != 2)
        abort();
    kz_csv_reader_free(&r);
    kz_arena_free(&a);
    kz_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    kz_arena a;
    kz_arena_init(&a);
    kz_document o;
    kz_document_blob file;
    kz_err e;
    const char *text = (const char *)data + 1;
    size_t n = size - 1;
    kz_rc rc = KZ_EINVAL;
    if (!(data[0] & 1)) {
        rc = kz_document_from_json(text, n, &a, &o, &file, &e);
    } else {
        kz_csv_reader r;
        kz_csv_reader_init(&r, ',', 0);
        kz_document_columns cols;
        const kz_csv_record *rec;
        bool header = true;
        uint64_t no = 0;
        for (size_t i = 0; i < n;) {
            const char *nl = memchr(text + i, '\n', n - i);
            size_t len = nl ? (size_t)(nl - (text + i)) : n - i;
            int k = kz_csv_reader_line(&r, text + i, len, ++no, &rec, &e);
            i += len + (nl ? 1 : 0);
            if (k < 0)
                break;
            if (k > 0 && header) {
                header = false;
                if (kz_document_csv_columns(rec, &cols, &e))
                    break;
            } else if (k > 0) {
                rc = kz_document_from_csv(&cols, rec, &a, &o, &file, &e);
                break;
            }
        }
        kz_csv_reader_free(&r);
    }
    if (!rc)
        round_trip(&o, &file);
    kz_arena_free(&a);
    return 0;
}
