/* Fuzz target: offline verification of a request record (kizuna request verify reads
 * files from anyone), and the printable page made from any JSON document. Any crash,
 * leak or sanitizer report is a bug; so is a record that verifies with a signature the
 * fuzzer could not have made (the seeds' key signed nothing the fuzzer invents). */
#include "fuzz_target.h"
#include "codec/record_json.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kz_record_report rep;
    kz_err err;
    kz_record_verify((const char *)data, size, NULL, &rep, &err);
    json_t *doc = json_loadb((const char *)data, size, 0, NULL);
    if (doc) {
        kz_buf b;
        kz_buf_init(&b, 1 << 24);
        kz_record_html(doc, &b, &err);
        kz_buf_free(&b);
        json_decref(doc);
    }
    return 0;
}
