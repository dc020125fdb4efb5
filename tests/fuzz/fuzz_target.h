/* The entry point libFuzzer calls, declared once so that every target defines it
 * against a prototype (-Wmissing-prototypes). */
#ifndef KZ_FUZZ_TARGET_H
#define KZ_FUZZ_TARGET_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
