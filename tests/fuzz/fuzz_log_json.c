/* Fuzz target: the json log format (see fuzz_log.h). */
#include "fuzz_target.h"
#include "fuzz_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_log(KZ_FMT_JSON, size && data[0] == 1 ? "query:host,note:text,ip:ip" : NULL, false, data, size);
}
