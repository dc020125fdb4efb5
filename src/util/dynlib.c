/* kz_dynlib_open: dlopen and dlsym into a caller's table of function pointers. */
#include "util/dynlib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

bool kz_dynlib_open(const char *soname, const kz_dynsym *syms, size_t n, void *table, char *why, size_t why_len)
{
    void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(why, why_len, "cannot load %s: %s", soname, dlerror());
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        void *f = dlsym(lib, syms[i].name);
        if (!f) {
            snprintf(why, why_len, "%s has no function %s (too old a version?)", soname, syms[i].name);
            dlclose(lib);
            return false;
        }
        /* POSIX guarantees that dlsym's result converts to the function pointer it names. */
        _Static_assert(sizeof f == sizeof(void (*)(void)), "function and object pointers differ in size");
        memcpy((char *)table + syms[i].offset, &f, sizeof f);
    }
    return true;
}
