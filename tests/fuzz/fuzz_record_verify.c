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
    /* the same nodes with a second key each (after a rotation), as OLD,NEW lists */
    static const char *const own2[] = {"ad4f5e7119ac9b74de706c225983eee90b0e2a56146631132acd372bc0fa665f,"
                                       "26b40b8f93fff3d897112f7ebc582b232dbd72517d082fe83cfb30ddce43d1bb"};
    static const char *const peers2[] = {"a3d4d3f8448b11f1e77d18f9b548e02064e856adc4c43be5ca0a8a242e727e22,"
                                         "dfdf6a40f51d5de73a7c462643bbf4dadf0f7f1d49da183695886fe0c164e11a"};
    kz_record_verify_sides((const char *)data, size, own2, 1, peers2, 1, &rep, &err);
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
