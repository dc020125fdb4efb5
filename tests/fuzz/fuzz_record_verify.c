/* Fuzz target: offline verification of a request record (kizuna request verify reads
 * files from anyone), and the printable page made from any JSON document. Any crash,
 * leak or sanitizer report is a bug; so is a record that verifies with a signature the
 * fuzzer could not have made (the seeds' key signed nothing the fuzzer invents). */
#include "fuzz_target.h"
#include "codec/requests/record_json.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kz_record_report rep;
    kz_err err;
    kz_record_verify((const char *)data, size, NULL, &rep, &err);
    /* with the keys given of the two nodes of the two_nodes seed (a request between nodes) */
    static const char *const peers[] = {"dfdf6a40f51d5de73a7c462643bbf4dadf0f7f1d49da183695886fe0c164e11a"};
    kz_record_verify_keys((const char *)data, size, "ad4f5e7119ac9b74de706c225983eee90b0e2a56146631132acd372bc0fa665f", peers, 1, &rep, &err);
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
