/* A stable radix sort of (64-bit key, 32-bit index) pairs, for the compile of the
 * indicator set: a million records sort in a few passes over 16-byte pairs where qsort
 * moved 48-byte records through a comparison function (a quarter of the load). */
#include "engine/engine_internal.h"

#include <string.h>

void kz__radix_sort(kz__sortkey *a, kz__sortkey *tmp, size_t n)
{
    size_t count[8][256];  /* 16 KiB: the stack, so that compiles may run in parallel */
    memset(count, 0, sizeof count);
    for (size_t i = 0; i < n; i++)
        for (int b = 0; b < 8; b++)
            count[b][a[i].key >> (8 * b) & 0xFF]++;
    kz__sortkey *src = a, *dst = tmp;
    for (int b = 0; b < 8; b++) {
        if (count[b][src[0].key >> (8 * b) & 0xFF] == n)
            continue;  /* every key has the same byte here */
        size_t at = 0;
        for (int v = 0; v < 256; v++) {
            size_t c = count[b][v];
            count[b][v] = at;
            at += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[b][src[i].key >> (8 * b) & 0xFF]++] = src[i];
        kz__sortkey *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof *a);
}
