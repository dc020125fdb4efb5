/* The compiled indicator set kept beside an indicator file (see match_sources.h): mapped
 * in place while the file's contents and the program are unchanged, compiled from the
 * file and saved again otherwise. */
#include "service/telemetry/match_sources.h"

#include "util/alloc.h"
#include "util/checksum.h"
#include "util/mapfile.h"

#include <dlfcn.h>
#include <string.h>
#include <sys/stat.h>

/* What the image must have been made from: the file's contents (their fingerprint and
 * size) and this program (a rebuild may change how values are normalized or laid out).
 * False when the file cannot be read or is a STIX bundle, whose indicators expire with
 * time and so are never kept compiled. */
static bool cache_key(const char *path, uint64_t key[KZ_INDSET_KEY_WORDS])
{
    const void *p;
    size_t n;
    kz_err e;
    if (kz_map_file(path, &p, &n, &e) != KZ_OK)
        return false;
    const char *c = p;
    size_t i = 0;
    while (i < n && (c[i] == ' ' || c[i] == '\t' || c[i] == '\r' || c[i] == '\n'))
        i++;
    bool stix = i < n && c[i] == '{';
    uint64_t sum[2] = {0, 0};
    if (!stix)
        kz_hash_wide(p, n, sum);
    kz_unmap_file(NULL, p, n);
    /* the file holding this code: the name the loader has for it when that is a path
     * (under valgrind /proc/self/exe names valgrind's own), else /proc/self/exe (the
     * loader names the main program by argv[0], perhaps a bare command name) */
    Dl_info self;
    struct stat exe;
    bool named = dladdr((void *)(uintptr_t)cache_key, &self) && self.dli_fname &&
                 strchr(self.dli_fname, '/') && stat(self.dli_fname, &exe) == 0;
    if (stix || (!named && stat("/proc/self/exe", &exe) != 0))
        return false;
    key[0] = sum[0];
    key[1] = sum[1];
    key[2] = n;
    key[3] = (uint64_t)exe.st_ino;
    key[4] = (uint64_t)exe.st_size;
    key[5] = (uint64_t)exe.st_mtim.tv_sec * 1000000000u + (uint64_t)exe.st_mtim.tv_nsec;
    return true;
}

/* The image at cache if it is one of key; false (and nothing held) otherwise. */
static bool map_cached(const char *cache, const uint64_t key[KZ_INDSET_KEY_WORDS], kz_indset **out)
{
    const void *p;
    size_t n;
    kz_err e;
    if (kz_map_file(cache, &p, &n, &e) != KZ_OK)
        return false;
    if (kz_indset_from_image(p, n, key, kz_unmap_file, NULL, out, &e) == KZ_OK)
        return true;
    kz_unmap_file(NULL, p, n);
    return false;
}

kz_rc kz_match_load_file_cached(const char *path, const char *cache, FILE *warn, int max_warnings,
                                kz_ind_load_report *rep, kz_indset **out, bool *cached, kz_err *err)
{
    *cached = false;
    uint64_t key[KZ_INDSET_KEY_WORDS];
    bool keyed = cache && strcmp(path, "-") != 0 && cache_key(path, key);
    if (keyed && map_cached(cache, key, out)) {
        *cached = true;
        rep->added = kz_indset_count(*out);
        return KZ_OK;
    }
    kz_indset_builder *b = kz_indset_builder_new();
    if (!b)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    kz_rc rc = kz_match_load_file(b, path, warn, max_warnings, rep, err);
    if (rc) {
        kz_indset_builder_free(b);
        return rc;
    }
    uint64_t after[KZ_INDSET_KEY_WORDS];
    if ((rc = kz_indset_compile(b, out, err)) || !keyed || !cache_key(path, after) ||
        memcmp(key, after, sizeof key) != 0)  /* changed while it was read: keep nothing */
        return rc;
    void *img;
    size_t n;
    kz_err e;
    if (kz_indset_image(*out, key, &img, &n, &e) == KZ_OK) {
        /* best effort, and not synced: a torn image fails its checksum and is rebuilt;
         * readable by its owner only, since the feed may be TLP:AMBER or RED */
        (void)kz_write_file_replace(cache, img, n, false, 0600, &e);
        kz_free(img);
    }
    return KZ_OK;
}
