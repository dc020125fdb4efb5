/* Fuzz target: the squid log format (see fuzz_log.h). */
#include "fuzz_target.h"
#include "fuzz_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_log(KZ_FMT_SQUID, NULL, false, data, size);
}
