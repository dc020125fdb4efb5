/* Fuzz target: the csv log format (see fuzz_log.h). */
#include "fuzz_target.h"
#include "fuzz_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_log(size && (data[0] & 1) ? KZ_FMT_TSV : KZ_FMT_CSV, NULL, size && (data[0] & 2), data, size);
}
