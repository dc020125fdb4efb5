/* kz_cpu_has: the CPU's features, read once (CPUID through the compiler's builtins) and
 * kept as a mask, so that the readers' SIMD choices all rest on the same answer. */
#include "util/cpu.h"

#include <stdatomic.h>

enum { KNOWN = 1u << 31 };  /* the mask has been read */

/* Two threads that read it at once compute the same value: the race is harmless. */
static atomic_uint features_read;

static unsigned read_features(void)
{
    unsigned f = KNOWN;
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    /* __builtin_cpu_supports takes a string literal only, hence a line per feature. */
    f |= (__builtin_cpu_supports("avx2") ? KZ_CPU_AVX2 : 0u) |
         (__builtin_cpu_supports("pclmul") ? KZ_CPU_PCLMUL : 0u) |
         (__builtin_cpu_supports("popcnt") ? KZ_CPU_POPCNT : 0u) |
         (__builtin_cpu_supports("bmi") ? KZ_CPU_BMI1 : 0u) |
         (__builtin_cpu_supports("ssse3") ? KZ_CPU_SSSE3 : 0u);
#endif
    atomic_store_explicit(&features_read, f, memory_order_relaxed);
    return f;
}

bool kz_cpu_has(unsigned features)
{
    unsigned f = atomic_load_explicit(&features_read, memory_order_relaxed);
    if (!(f & KNOWN))
        f = read_features();
    return features != 0 && (features & KNOWN) == 0 && (f & features) == features;
}
