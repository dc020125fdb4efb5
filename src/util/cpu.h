/* What the CPU this process runs on can do, for the code paths that choose between a
 * SIMD version and a portable one at run time. One question, asked in one place. */
#ifndef KZ_UTIL_CPU_H
#define KZ_UTIL_CPU_H

#include <stdbool.h>

typedef enum kz_cpu_feature {
    KZ_CPU_AVX2   = 1u << 0,
    KZ_CPU_PCLMUL = 1u << 1,  /* carry-less multiply */
    KZ_CPU_POPCNT = 1u << 2,
    KZ_CPU_BMI1   = 1u << 3,  /* tzcnt, blsr */
    KZ_CPU_SSSE3  = 1u << 4,  /* pshufb, pmaddubsw */
} kz_cpu_feature;

/* True when the CPU has every feature of the mask (KZ_CPU_AVX2 | KZ_CPU_BMI1, ...).
 * Always false off x86-64 or without a compiler that can ask. Thread-safe. */
bool kz_cpu_has(unsigned features);

#endif
