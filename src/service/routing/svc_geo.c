/* Routing databases: open (native table or .mmdb), pinned reads, atomic reload, and the
 * build of a native table from range files. */
#include "service/routing/geo.h"

#include "codec/routing/geo_ranges.h"
#include "engine/geo_format.h"
#include "codec/routing/geo_mmdb.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/mapfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct kz_geodb {
    char *path;
    kz_geo_slot slot;  /* native tables */
    kz_mmdb *mmdb;    /* or a MaxMind DB */
};

static kz_rc open_table(const char *path, kz_geo_table **out, kz_err *err)
{
    const void *p;
    size_t n;
    kz_rc rc = kz_map_file(path, &p, &n, err);
    if (rc)
        return rc;
    rc = kz_geo_table_open(p, n, kz_unmap_file, NULL, out, err);
    if (rc) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        kz_fail(err, rc, NULL, "%s: %s", path, why);
        kz_unmap_file(NULL, p, n);
    }
    return rc;
}

static bool is_native(const char *path)
{
    char magic[8] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return true;  /* let the native open report the error */
    size_t got = fread(magic, 1, sizeof magic, f);
    fclose(f);
    /* too short for either: the native loader says so */
    return got < sizeof magic || memcmp(magic, KZ__GEO_MAGIC, sizeof magic) == 0;
}

kz_rc kz_geodb_open(const char *path, kz_geodb **out, kz_err *err)
{
    *out = NULL;
    kz_geodb *db = kz_calloc(1, sizeof *db);
    if (!db || !(db->path = kz_strdup(path))) {
        kz_free(db);
        return kz_fail(err, KZ_ENOMEM, NULL, "out of memory");
    }
    kz_geo_slot_init(&db->slot);
    kz_rc rc;
    struct stat st;
    if (stat(path, &st) != 0) {
        rc = kz_fail(err, KZ_ENOTFOUND, NULL, "%s: no such file", path);
    } else if (is_native(path)) {
        kz_geo_table *t;
        rc = open_table(path, &t, err);
        if (!rc)
            kz_geo_slot_swap(&db->slot, t);
    } else {
        rc = kz_mmdb_open(path, &db->mmdb, err);
    }
    if (rc) {
        kz_geodb_close(db);
        return rc;
    }
    *out = db;
    return KZ_OK;
}

void kz_geodb_close(kz_geodb *db)
{
    if (!db)
        return;
    kz_geo_slot_destroy(&db->slot);
    kz_mmdb_close(db->mmdb);
    kz_free(db->path);
    kz_free(db);
}

kz_rc kz_geodb_reload(kz_geodb *db, kz_err *err)
{
    if (db->mmdb)
        return kz_fail(err, KZ_ECONFLICT, NULL, "reload applies to Kizuna geo tables, not .mmdb");
    kz_geo_table *t;
    kz_rc rc = open_table(db->path, &t, err);
    if (!rc)
        kz_geo_slot_swap(&db->slot, t);
    return rc;
}

const char *kz_geodb_kind(const kz_geodb *db) { return db->mmdb ? "mmdb" : "kizuna"; }

const char *kz_geodb_attribution(const kz_geodb *db)
{
    if (db->mmdb)
        return kz_mmdb_attribution(db->mmdb);
    /* The table's info text starts with its attribution line; the slot's table is
     * pinned by the caller's reader or the process is single-threaded here. */
    kz_geo_slot *s = (kz_geo_slot *)&db->slot;
    int pin;
    const kz_geo_table *t = kz_geo_slot_acquire(s, &pin);
    kz_geo_info info = {0};
    if (t)
        kz_geo_table_info(t, &info);
    kz_geo_slot_release(s, pin);
    return info.sources && *info.sources ? info.sources : KZ_GEO_ATTRIBUTION;
}

kz_rc kz_geodb_info(kz_geodb *db, kz_geo_info *out, kz_err *err)
{
    if (db->mmdb)
        return kz_fail(err, KZ_ECONFLICT, NULL, "a .mmdb file is not a Kizuna geo table");
    int pin;
    const kz_geo_table *t = kz_geo_slot_acquire(&db->slot, &pin);
    kz_geo_table_info(t, out);
    kz_geo_slot_release(&db->slot, pin);
    return KZ_OK;
}

void kz_geodb_begin(kz_geodb *db, kz_geo_reader *r)
{
    r->db = db;
    r->table = db->mmdb ? NULL : kz_geo_slot_acquire(&db->slot, &r->pin);
}

void kz_geodb_end(kz_geo_reader *r)
{
    if (r->table)
        kz_geo_slot_release(&r->db->slot, r->pin);
    r->table = NULL;
}

static void hit_of(const kz_geo_table *t, uint32_t id, kz_geo_hit *out)
{
    kz_geo_answer a;
    kz_geo_record(t, id, &a);
    out->asn = a.asn;
    memcpy(out->cc, a.cc, sizeof out->cc);
    out->org = a.org;
    out->org_len = strlen(a.org);
}

void kz_geodb_lookup(kz_geo_reader *r, const kz_ip *ips, size_t n, kz_geo_hit *out)
{
    if (!r->table) {
        for (size_t i = 0; i < n; i++)
            kz_mmdb_lookup(r->db->mmdb, &ips[i], &out[i]);
        return;
    }
    /* Batches of one family at a time through the prefetching lookups. */
    enum { CHUNK = 256 };
    uint32_t v4[CHUNK], id[CHUNK];
    size_t where[CHUNK];
    for (size_t i = 0; i < n;) {
        size_t k = 0, j = i;
        for (; j < n && k < CHUNK; j++) {
            if (ips[j].family == 4) {
                v4[k] = ips[j].v4;
                where[k++] = j;
            } else {
                hit_of(r->table, kz_geo_find6(r->table, ips[j].v6), &out[j]);
            }
        }
        kz_geo_find4_batch(r->table, v4, id, k);
        for (size_t m = 0; m < k; m++)
            hit_of(r->table, id[m], &out[where[m]]);
        i = j;
    }
}

/* --- Build ---------------------------------------------------------------------------- */

static int num_family_of(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (!strstr(base, "-num"))
        return 0;
    return strstr(base, "ipv6") ? 6 : strstr(base, "ipv4") ? 4 : 0;
}

enum { LINE_MAX_BYTES = 8192 };

static kz_rc read_file(kz_geo_builder *b, const char *path, bool skip_bad, uint64_t base,
                       uint64_t total, kz_geodata_progress *progress, void *ctx,
                       kz_geodata_report *rep, kz_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return kz_fail(err, KZ_EIO, NULL, "%s: %s", path, strerror(errno));
    int num = num_family_of(path);
    char *line = NULL;
    size_t cap = 0;
    char scratch[LINE_MAX_BYTES];
    uint64_t lineno = 0, done = 0;
    kz_rc rc = KZ_OK;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        done += (uint64_t)len;
        rep->lines++;
        if (len && line[len - 1] == '\n')
            len--;
        kz_geo_range r;
        kz_geo_layer layer;
        kz_err e;
        if ((size_t)len >= LINE_MAX_BYTES)
            rc = kz_fail(&e, KZ_ETOOBIG, NULL, "the line is longer than %d bytes", LINE_MAX_BYTES);
        else
            rc = kz_geo_parse_line(line, (size_t)len, num, scratch, &r, &layer, &e);
        if (rc == KZ_ENOTFOUND) {
            rc = KZ_OK;
            continue;
        }
        if (!rc) {
            rc = kz_geo_builder_add(b, layer, &r, &e);
            if (!rc)
                layer == KZ_GEO_LAYER_AS ? rep->as_ranges++ : rep->country_ranges++;
        }
        if (rc == KZ_ENOMEM)
            break;
        if (rc) {
            if (!skip_bad) {
                rc = kz_fail(err, rc, e.field, "%s:%llu: %s", path, (unsigned long long)lineno, e.msg);
                break;
            }
            if (!rep->skipped++) {
                rep->first_bad_line = lineno;
                snprintf(rep->first_bad, sizeof rep->first_bad, "%s:%llu: %s", path,
                         (unsigned long long)lineno, e.msg);
            }
            rc = KZ_OK;
        }
        if (progress && (lineno & 0xffff) == 0)
            progress(ctx, base + done, total);
    }
    if (!rc && ferror(f))
        rc = kz_fail(err, KZ_EIO, NULL, "%s: read error", path);
    if (rc == KZ_ENOMEM)
        rc = kz_fail(err, KZ_ENOMEM, NULL, "out of memory");
    rep->bytes_in += done;
    kz_free_libc(line);  /* getline's buffer comes from libc */
    fclose(f);
    return rc;
}

kz_rc kz_geodata_build(const char *const *paths, size_t n, const char *attribution,
                       const char *out_path, bool skip_bad, kz_geodata_progress *progress,
                       void *ctx, kz_geodata_report *rep, kz_err *err)
{
    memset(rep, 0, sizeof *rep);
    double t0 = kz_mono_s();
    if (n == 0)
        return kz_fail(err, KZ_EINVAL, "sources", "no range files given");
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0)
            return kz_fail(err, KZ_ENOTFOUND, "sources", "%s: %s", paths[i], strerror(errno));
        total += (uint64_t)st.st_size;
    }
    kz_geo_builder *b = kz_geo_builder_new();
    if (!b)
        return kz_fail(err, KZ_ENOMEM, NULL, "out of memory");
    kz_rc rc = KZ_OK;
    for (size_t i = 0; i < n && !rc; i++)
        rc = read_file(b, paths[i], skip_bad, rep->bytes_in, total, progress, ctx, rep, err);
    if (!rc && rep->as_ranges + rep->country_ranges == 0)
        rc = kz_fail(err, KZ_EINVAL, "sources", "the range files hold no ranges");

    /* The info text: the attribution line, then one line per source file. */
    char *info = NULL;
    size_t info_len = 0;
    FILE *mem = rc ? NULL : open_memstream(&info, &info_len);
    if (!rc && !mem)
        rc = kz_fail(err, KZ_ENOMEM, NULL, "out of memory");
    if (mem) {
        fprintf(mem, "%s\n", attribution ? attribution : KZ_GEO_ATTRIBUTION);
        for (size_t i = 0; i < n; i++) {
            const char *base = strrchr(paths[i], '/');
            fprintf(mem, "source: %s\n", base ? base + 1 : paths[i]);
        }
        fclose(mem);
    }
    void *img = NULL;
    size_t len = 0;
    if (!rc)
        rc = kz_geo_builder_finish(b, info, (int64_t)time(NULL), &img, &len, err);
    kz_free_libc(info);  /* open_memstream's buffer comes from libc */
    kz_geo_builder_free(b);
    kz_geo_table *t = NULL;
    if (!rc)  /* never write what would not load */
        rc = kz_geo_table_open(img, len, NULL, NULL, &t, err);
    if (!rc) {
        kz_geo_info gi;
        kz_geo_table_info(t, &gi);
        rep->records = gi.records;
        rep->v4_ranges = gi.v4_ranges;
        rep->v6_ranges = gi.v6_ranges;
        rep->table_bytes = len;
        kz_geo_table_free(t);
        rc = kz_write_file_atomic(out_path, img, len, err);
    }
    kz_free(img);
    rep->seconds = kz_mono_s() - t0;
    if (progress && !rc)
        progress(ctx, total, total);
    return rc;
}

int kz_geodata_default_sources(const char *root, char paths[4][4096])
{
    static const char *const rel[4] = {
        "asn/asn-ipv4.csv", "asn/asn-ipv6.csv",
        "asn-country/asn-country-ipv4.csv", "asn-country/asn-country-ipv6.csv",
    };
    int found = 0;
    for (int i = 0; i < 4; i++) {
        snprintf(paths[i], 4096, "%s/%s/%s", root, KZ_GEO_NPM_DIR, rel[i]);
        found += access(paths[i], R_OK) == 0;
    }
    return found;
}
