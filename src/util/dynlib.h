/* Shared libraries opened when first needed (dlopen) rather than linked: a library that
 * only some commands use — libcurl for transfers, libmicrohttpd for `kizuna serve` — and
 * the libraries it brings are then not loaded and relocated at every process start. */
#ifndef KZ_UTIL_DYNLIB_H
#define KZ_UTIL_DYNLIB_H

#include <stdbool.h>
#include <stddef.h>

/* One function of a library: its name there and where its address goes, as an offset
 * into the caller's table of function pointers (declare each slot with
 * __typeof__(the_function) * so that its type is the library header's own). */
typedef struct kz_dynsym {
    const char *name;
    size_t offset;
} kz_dynsym;

#define KZ_DYNSYM(table_type, prefix, slot) {prefix #slot, offsetof(table_type, slot)}

/* Opens soname and stores the address of each of syms[0..n) in table. The library stays
 * open for the life of the process. On failure returns false, with a sentence naming the
 * library and why in why[0..why_len), and table unusable. Call it once (pthread_once). */
bool kz_dynlib_open(const char *soname, const kz_dynsym *syms, size_t n, void *table, char *why, size_t why_len);

#endif
