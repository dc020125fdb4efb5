/* Unit tests of the routing engine (engine/geo.h) and its parsers: the builder's overlap
 * rules against a brute-force reference on random range sets, lookups single and
 * batched, corrupt and truncated images, allocation failure, the reader/writer slot
 * under concurrent swaps, and the CSV, IP and range-line parsers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec/sharing/csv.h"
#include "codec/routing/geo_ranges.h"
#include "codec/routing/ip.h"
#include "engine/geo.h"
#include "engine/geo_format.h"
#include "service/routing/geo.h"
#include "util/mapfile.h"
#include "util/alloc.h"
#include "util/checksum.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t rng = 88172645463325252ULL;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* --- A reference: the covering range with the latest start (then latest added). --- */

typedef struct ref_range {
    int family, layer;
    kz_u128 first, last;
    uint32_t asn;
    char org[16];
    char cc[3];
} ref_range;

static const ref_range *ref_find(const ref_range *r, size_t n, int family, int layer, kz_u128 x)
{
    const ref_range *best = NULL;
    for (size_t i = 0; i < n; i++)
        if (r[i].family == family && r[i].layer == layer && r[i].first <= x && x <= r[i].last &&
            (!best || r[i].first >= best->first))
            best = &r[i];
    return best;
}

static kz_geo_table *build(const ref_range *r, size_t n, void **img)
{
    kz_geo_builder *b = kz_geo_builder_new();
    assert_non_null(b);
    kz_err err;
    for (size_t i = 0; i < n; i++) {
        kz_geo_range g = {.family = r[i].family, .first = r[i].first, .last = r[i].last,
                          .asn = r[i].asn, .org = r[i].org, .org_len = strlen(r[i].org)};
        memcpy(g.cc, r[i].cc, 2);
        assert_int_equal(kz_geo_builder_add(b, (kz_geo_layer)r[i].layer, &g, &err), KZ_OK);
    }
    size_t len;
    assert_int_equal(kz_geo_builder_finish(b, "test data\n", 1700000000, img, &len, &err), KZ_OK);
    kz_geo_builder_free(b);
    kz_geo_table *t;
    if (kz_geo_table_open(*img, len, NULL, NULL, &t, &err) != KZ_OK)
        fail_msg("open: %s", err.msg);
    return t;
}

static void check_answer(const kz_geo_table *t, uint32_t id, const ref_range *as, const ref_range *cc)
{
    kz_geo_answer a;
    kz_geo_record(t, id, &a);
    assert_int_equal(a.asn, as ? as->asn : 0);
    assert_string_equal(a.org, as ? as->org : "");
    assert_string_equal(a.cc, cc ? cc->cc : "");
}

static kz_u128 v6(uint64_t hi, uint64_t lo) { return (kz_u128)hi << 64 | lo; }

static void builder_follows_overlap_rules(void **state)
{
    (void)state;
    /* nested, partial overlap, equal starts, ranges at both ends of both spaces */
    ref_range r[] = {
        {4, 0, 0x0A000000, 0x0AFFFFFF, 100, "big", ""},
        {4, 0, 0x0A100000, 0x0A10FFFF, 200, "nested", ""},
        {4, 0, 0x0A800000, 0x0BFFFFFF, 300, "partial", ""},
        {4, 0, 0x0A100000, 0x0A1000FF, 400, "first", ""},
        {4, 0, 0x0A100000, 0x0A1000FF, 401, "second", ""},
        {4, 1, 0x00000000, 0x000000FF, 0, "", "JP"},
        {4, 1, 0x0A000000, 0x0A7FFFFF, 0, "", "FR"},
        {4, 0, 0xFFFFFF00, 0xFFFFFFFF, 500, "top", ""},
        {6, 0, v6(0x2001000000000000, 0), v6(0x2001ffffffffffff, ~0ull), 600, "v6", ""},
        {6, 1, v6(0x2001000000000000, 5), v6(0x2001000000000000, 9), 0, "", "DE"},
        {6, 0, v6(~0ull, ~0ull - 3), v6(~0ull, ~0ull), 700, "end", ""},
        {6, 1, 0, 0, 0, "", "US"},
    };
    size_t n = sizeof r / sizeof *r;
    void *img;
    kz_geo_table *t = build(r, n, &img);
    const uint32_t probes4[] = {0, 0xFF, 0x100, 0x09FFFFFF, 0x0A000000, 0x0A0FFFFF, 0x0A100000,
                                0x0A1000FF, 0x0A100100, 0x0A10FFFF, 0x0A110000, 0x0A7FFFFF,
                                0x0A800000, 0x0BFFFFFF, 0x0C000000, 0xFFFFFEFF, 0xFFFFFF00,
                                0xFFFFFFFF};
    for (size_t i = 0; i < sizeof probes4 / sizeof *probes4; i++) {
        kz_u128 x = probes4[i];
        check_answer(t, kz_geo_find4(t, probes4[i]), ref_find(r, n, 4, 0, x), ref_find(r, n, 4, 1, x));
    }
    kz_geo_answer a;
    kz_geo_record(t, kz_geo_find4(t, 0x0A100010), &a);
    assert_int_equal(a.asn, 401);  /* equal starts: added last wins */
    kz_geo_record(t, kz_geo_find4(t, 0x0A100100), &a);
    assert_int_equal(a.asn, 200);  /* nested wins inside */
    kz_geo_record(t, kz_geo_find4(t, 0x0A110000), &a);
    assert_int_equal(a.asn, 100);  /* the outer range resumes after it */
    kz_geo_record(t, kz_geo_find4(t, 0x0A900000), &a);
    assert_int_equal(a.asn, 300);  /* partial overlap: the later start wins */
    const kz_u128 probes6[] = {0, 1, v6(0x2001000000000000, 4), v6(0x2001000000000000, 5),
                               v6(0x2001000000000000, 9), v6(0x2001000000000000, 10),
                               v6(0x2002000000000000, 0), v6(~0ull, ~0ull - 4), v6(~0ull, ~0ull)};
    for (size_t i = 0; i < sizeof probes6 / sizeof *probes6; i++) {
        uint8_t ip[16];
        for (int b = 0; b < 16; b++)
            ip[b] = (uint8_t)(probes6[i] >> (120 - 8 * b));
        check_answer(t, kz_geo_find6(t, ip), ref_find(r, n, 6, 0, probes6[i]),
                     ref_find(r, n, 6, 1, probes6[i]));
    }
    kz_geo_info info;
    kz_geo_table_info(t, &info);
    assert_string_equal(info.sources, "test data\n");
    assert_int_equal(info.built, 1700000000);
    kz_geo_table_free(t);
    kz_free(img);
}

/* Random range sets, many overlapping, clustered so that runs form; every lookup (single
 * and batch) must agree with the brute-force reference. */
static void random_tables_match_brute_force(void **state)
{
    (void)state;
    enum { RANGES = 600, PROBES = 4000 };
    ref_range *r = calloc(RANGES, sizeof *r);
    uint32_t *ip4 = calloc(PROBES, sizeof *ip4), *ids = calloc(PROBES, sizeof *ids);
    uint8_t(*ip6)[16] = calloc(PROBES, 16);
    kz_geo_answer *ans = calloc(PROBES, sizeof *ans);
    for (int round = 0; round < 6; round++) {
        for (size_t i = 0; i < RANGES; i++) {
            ref_range *x = &r[i];
            x->family = next_rand() % 3 ? 4 : 6;
            x->layer = (int)(next_rand() % 2);
            kz_u128 base = x->family == 4 ? (kz_u128)(0x0A000000 + (next_rand() % 4) * 0x10000)
                                          : v6(0x2001000000000000 + (next_rand() % 3), 0);
            kz_u128 span = x->family == 4 ? 0x30000 : (kz_u128)3 << 64;
            x->first = base + (kz_u128)(next_rand() % (uint64_t)(span >> (x->family == 4 ? 0 : 64)))
                                  * (x->family == 4 ? 1 : (kz_u128)1 << 62);
            x->last = x->first + next_rand() % (round < 3 ? 300 : 70000);
            if (x->family == 4 && x->last > 0xFFFFFFFF)
                x->last = 0xFFFFFFFF;
            x->asn = (uint32_t)(next_rand() % 50);
            snprintf(x->org, sizeof x->org, "org%u", x->asn % 7);
            x->cc[0] = (char)('A' + next_rand() % 3);
            x->cc[1] = 'Z';
        }
        void *img;
        kz_geo_table *t = build(r, RANGES, &img);
        for (size_t p = 0; p < PROBES; p++) {
            const ref_range *x = &r[next_rand() % RANGES];
            kz_u128 v = x->first + (kz_u128)(next_rand() % 5) - 2 + (p % 3 ? 0 : x->last - x->first);
            if (x->family == 4) {
                ip4[p] = (uint32_t)v;
            } else {
                for (int b = 0; b < 16; b++)
                    ip6[p][b] = (uint8_t)(v >> (120 - 8 * b));
            }
            if (p % 4 == 0)  /* and some anywhere */
                ip4[p] = (uint32_t)next_rand();
        }
        kz_geo_find4_batch(t, ip4, ids, PROBES);
        kz_geo_lookup4_batch(t, ip4, ans, PROBES);
        for (size_t p = 0; p < PROBES; p++) {
            assert_int_equal(ids[p], kz_geo_find4(t, ip4[p]));
            check_answer(t, ids[p], ref_find(r, RANGES, 4, 0, ip4[p]), ref_find(r, RANGES, 4, 1, ip4[p]));
            assert_int_equal(ans[p].asn, kz_geo_record_asn(t, ids[p]));
        }
        kz_geo_find6_batch(t, (const uint8_t(*)[16])ip6, ids, PROBES);
        for (size_t p = 0; p < PROBES; p++) {
            kz_u128 v = 0;
            for (int b = 0; b < 16; b++)
                v = v << 8 | ip6[p][b];
            assert_int_equal(ids[p], kz_geo_find6(t, ip6[p]));
            check_answer(t, ids[p], ref_find(r, RANGES, 6, 0, v), ref_find(r, RANGES, 6, 1, v));
        }
        kz_geo_table_free(t);
        kz_free(img);
    }
    free(r);
    free(ip4);
    free(ids);
    free(ip6);
    free(ans);
}

/* The hot path allocates nothing: a batch of lookups, IPv4 and IPv6, single and batched,
 * counted by util/alloc.c, once the table is open. */
static void lookups_allocate_nothing(void **state)
{
    (void)state;
    enum { PROBES = 1024 };
    ref_range r[] = {
        {4, 0, 0x01000000, 0x010000FF, 13335, "Cloudflare", ""},
        {4, 1, 0x01000000, 0x010003FF, 0, "", "AU"},
        {6, 0, v6(0x2001020000000000, 0), v6(0x20010200ffffffff, ~0ull), 2500, "WIDE", ""},
    };
    void *img;
    kz_geo_table *t = build(r, 3, &img);
    static uint32_t ip4[PROBES], ids[PROBES];
    static uint8_t ip6[PROBES][16];
    static kz_geo_answer ans[PROBES];
    for (size_t p = 0; p < PROBES; p++) {
        ip4[p] = 0x01000000 + (uint32_t)(next_rand() % 0x800);
        ip6[p][0] = 0x20, ip6[p][1] = 0x01, ip6[p][2] = 0x02, ip6[p][3] = (uint8_t)(p % 2);
    }
    unsigned long covered = 0, before = kz_alloc_count();
    for (int round = 0; round < 4; round++) {
        kz_geo_find4_batch(t, ip4, ids, PROBES);
        kz_geo_lookup4_batch(t, ip4, ans, PROBES);
        for (size_t p = 0; p < PROBES; p++)
            covered += ans[p].asn == 13335;
        kz_geo_find6_batch(t, (const uint8_t(*)[16])ip6, ids, PROBES);
        for (size_t p = 0; p < PROBES; p++) {
            kz_geo_answer a;
            kz_geo_record(t, kz_geo_find6(t, ip6[p]), &a);
            covered += a.asn == 2500;
        }
    }
    assert_int_equal(kz_alloc_count() - before, 0);
    assert_true(covered > PROBES);  /* the lookups found what the table holds */
    kz_geo_table_free(t);
    kz_free(img);
}

static void *small_image(size_t *len)
{
    ref_range r[] = {
        {4, 0, 0x01000000, 0x010000FF, 13335, "Cloudflare", ""},
        {4, 0, 0x01000100, 0x01000120, 1, "x", ""},
        {4, 1, 0x01000000, 0x010003FF, 0, "", "AU"},
        {6, 0, v6(0x2001020000000000, 0), v6(0x20010200ffffffff, ~0ull), 2500, "WIDE", ""},
        {6, 0, v6(0x2001020000000001, 0), v6(0x20010200ffffffff, ~0ull), 2501, "U", ""},
    };
    void *img;
    kz_geo_table *t = build(r, sizeof r / sizeof *r, &img);
    kz_geo_info info;
    kz_geo_table_info(t, &info);
    *len = info.bytes;
    kz_geo_table_free(t);
    return img;
}

static void refix_crc(uint8_t *img, size_t len)
{
    kz__geo_header h;
    memcpy(&h, img, sizeof h);
    h.crc = 0;
    memcpy(img, &h, sizeof h);
    h.crc = kz_crc32(0, img, len);
    memcpy(img, &h, sizeof h);
}

static kz_rc try_open(const uint8_t *img, size_t len, kz_err *err)
{
    kz_geo_table *t = NULL;
    kz_rc rc = kz_geo_table_open(img, len, NULL, NULL, &t, err);
    if (!rc)
        kz_geo_table_free(t);
    return rc;
}

static void corrupt_tables_are_refused_with_a_reason(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = small_image(&len);
    uint8_t *copy = kz_malloc(len);
    kz_err err;
    assert_int_equal(try_open(img, len, &err), KZ_OK);

    /* every truncation */
    for (size_t cut = 0; cut < len; cut += cut < 512 ? 1 : 4093) {
        memcpy(copy, img, cut);
        assert_int_not_equal(try_open(copy, cut, &err), KZ_OK);
    }
    assert_int_equal(try_open(img, len - 8, &err), KZ_ECORRUPT);
    assert_non_null(strstr(err.msg, "truncated"));

    /* a flipped bit anywhere is caught by the checksum */
    for (int i = 0; i < 200; i++) {
        memcpy(copy, img, len);
        copy[next_rand() % len] ^= (uint8_t)(1u << (next_rand() % 8));
        if (memcmp(copy, img, len) != 0)
            assert_int_not_equal(try_open(copy, len, &err), KZ_OK);
    }
    memcpy(copy, img, len);
    copy[len / 2] ^= 1;
    assert_int_equal(try_open(copy, len, &err), KZ_ECORRUPT);
    assert_non_null(strstr(err.msg, "checksum"));

    /* another version (older or newer) is told apart from damage */
    kz__geo_header h;
    for (int dv = -1; dv <= 1; dv += 2) {
        memcpy(copy, img, len);
        memcpy(&h, copy, sizeof h);
        h.version = (uint32_t)(KZ__GEO_VERSION + dv);
        memcpy(copy, &h, sizeof h);
        assert_int_equal(try_open(copy, len, &err), KZ_EVERSION);
        assert_non_null(strstr(err.msg, "rebuild"));
    }

    /* structural damage behind a valid checksum: each check names what is wrong */
    memcpy(copy, img, len);
    memcpy(&h, copy, sizeof h);
    uint64_t *idx4 = (uint64_t *)(copy + h.sec[KZ__GEO_V4_INDEX].off);
    idx4[0x0100] = (uint64_t)70000 << 32;  /* a run longer than a /16 */
    refix_crc(copy, len);
    assert_int_equal(try_open(copy, len, &err), KZ_ECORRUPT);
    assert_non_null(strstr(err.msg, "IPv4 index entry 256"));

    memcpy(copy, img, len);
    idx4 = (uint64_t *)(copy + h.sec[KZ__GEO_V4_INDEX].off);
    idx4[0x0200] = 1ull << 32 | 999999;  /* a record that does not exist */
    refix_crc(copy, len);
    assert_int_equal(try_open(copy, len, &err), KZ_ECORRUPT);
    assert_non_null(strstr(err.msg, "names record"));

    memcpy(copy, img, len);
    uint16_t *keys = (uint16_t *)(copy + h.sec[KZ__GEO_V4_RUNS].off);
    keys[1] = 0;  /* keys out of order */
    refix_crc(copy, len);
    assert_int_equal(try_open(copy, len, &err), KZ_ECORRUPT);
    assert_non_null(strstr(err.msg, "out of order"));

    memcpy(copy, img, len);
    memcpy(&h, copy, sizeof h);
    h.sec[KZ__GEO_POOL].off = len - 8;
    h.sec[KZ__GEO_POOL].len = 64;  /* a section past the end */
    memcpy(copy, &h, sizeof h);
    refix_crc(copy, len);
    assert_int_equal(try_open(copy, len, &err), KZ_ECORRUPT);
    assert_non_null(strstr(err.msg, "outside the file"));

    memcpy(copy, img, len);
    memcpy(&h, copy, sizeof h);
    kz__geo_rec *rec = (kz__geo_rec *)(copy + h.sec[KZ__GEO_RECORDS].off);
    rec[1].cc[0] = 'a';  /* not an uppercase country */
    refix_crc(copy, len);
    assert_int_equal(try_open(copy, len, &err), KZ_ECORRUPT);

    memcpy(copy, "NOTATABL", 8);
    assert_int_equal(try_open(copy, len, &err), KZ_ECORRUPT);
    assert_non_null(strstr(err.msg, "magic"));
    kz_free(copy);
    kz_free(img);
}

static void builder_reports_allocation_failure(void **state)
{
    (void)state;
    ref_range r[] = {
        {4, 0, 0x01000000, 0x010000FF, 13335, "Cloudflare", ""},
        {4, 1, 0x01000000, 0x010003FF, 0, "", "AU"},
        {6, 0, v6(0x2001020000000000, 0), v6(0x20010200ffffffff, ~0ull), 2500, "WIDE", ""},
    };
    for (long k = 0; k < 200; k++) {
        kz_alloc_fail_after(k);
        kz_err err;
        kz_rc rc = KZ_ENOMEM;
        kz_geo_builder *b = kz_geo_builder_new();
        for (size_t i = 0; b && i < 3; i++) {
            kz_geo_range g = {.family = r[i].family, .first = r[i].first, .last = r[i].last,
                              .asn = r[i].asn, .org = r[i].org, .org_len = strlen(r[i].org)};
            memcpy(g.cc, r[i].cc, 2);
            rc = kz_geo_builder_add(b, (kz_geo_layer)r[i].layer, &g, &err);
            if (rc)
                break;
        }
        void *img = NULL;
        size_t len;
        if (b && !rc)
            rc = kz_geo_builder_finish(b, "x", 0, &img, &len, &err);
        kz_geo_builder_free(b);
        kz_alloc_fail_after(-1);
        assert_true(rc == KZ_OK || rc == KZ_ENOMEM);
        kz_free(img);
        if (rc == KZ_OK)
            return;  /* enough allocations to finish: every earlier failure was clean */
    }
    fail_msg("the build never finished");
}

/* --- Slot: readers pin while a writer swaps tables with different answers. --- */

typedef struct slot_test {
    kz_geo_slot slot;
    atomic_int stop;
    atomic_long reads;
    atomic_int bad;
} slot_test;

static void *reader(void *arg)
{
    slot_test *st = arg;
    uint32_t ips[64], ids[64];
    for (int i = 0; i < 64; i++)
        ips[i] = 0x01000000 + (uint32_t)i;
    while (!atomic_load(&st->stop)) {
        int pin;
        const kz_geo_table *t = kz_geo_slot_acquire(&st->slot, &pin);
        kz_geo_find4_batch(t, ips, ids, 64);
        /* within one pinned table every answer is that table's one ASN */
        uint32_t first = kz_geo_record_asn(t, ids[0]);
        for (int i = 1; i < 64; i++)
            if (kz_geo_record_asn(t, ids[i]) != first)
                atomic_store(&st->bad, 1);
        kz_geo_slot_release(&st->slot, pin);
        atomic_fetch_add(&st->reads, 1);
    }
    return NULL;
}

static void free_image(void *ctx, const void *p, size_t n)
{
    (void)ctx;
    (void)n;
    kz_free((void *)p);
}

static kz_geo_table *table_with_asn(uint32_t asn)
{
    ref_range r[] = {{4, 0, 0x01000000, 0x01FFFFFF, asn, "x", ""}};
    void *img;
    kz_geo_table *t = build(r, 1, &img);
    kz_geo_info info;
    kz_geo_table_info(t, &info);
    kz_geo_table *owned;
    kz_err err;
    kz_geo_table_free(t);
    /* reopen with a release callback so that the slot frees the image */
    assert_int_equal(kz_geo_table_open(img, info.bytes, free_image, NULL, &owned, &err),
                     KZ_OK);
    return owned;
}

static void slot_swaps_under_readers(void **state)
{
    (void)state;
    slot_test *st = calloc(1, sizeof *st);
    kz_geo_slot_init(&st->slot);
    kz_geo_slot_swap(&st->slot, table_with_asn(1));
    pthread_t th[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&th[i], NULL, reader, st);
    for (uint32_t v = 2; v < 60; v++)
        kz_geo_slot_swap(&st->slot, table_with_asn(v));
    atomic_store(&st->stop, 1);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(atomic_load(&st->bad), 0);
    assert_true(atomic_load(&st->reads) > 0);
    int pin;
    const kz_geo_table *t = kz_geo_slot_acquire(&st->slot, &pin);
    assert_int_equal(kz_geo_record_asn(t, kz_geo_find4(t, 0x01020304)), 59);
    kz_geo_slot_release(&st->slot, pin);
    kz_geo_slot_destroy(&st->slot);
    free(st);
}

/* --- The service: a table file reloaded under a pinned reader --- */

static void write_table(const char *path, uint32_t asn)
{
    ref_range r[] = {{4, 0, 0x01000000, 0x01FFFFFF, asn, "x", ""}};
    void *img;
    kz_geo_table *t = build(r, 1, &img);
    kz_geo_info info;
    kz_geo_table_info(t, &info);
    kz_err err;
    assert_int_equal(kz_write_file_atomic(path, img, info.bytes, &err), KZ_OK);
    kz_geo_table_free(t);
    kz_free(img);
}

typedef struct reload_job {
    kz_geodb *db;
    atomic_int done;
    kz_rc rc;
} reload_job;

static void *reload_thread(void *arg)
{
    reload_job *j = arg;
    kz_err err;
    j->rc = kz_geodb_reload(j->db, &err);
    atomic_store(&j->done, 1);
    return NULL;
}

static void geodb_reloads_while_a_reader_holds_the_old_table(void **state)
{
    (void)state;
    char dir[] = "/tmp/kz-geo-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/t.kzg", dir);
    write_table(path, 100);
    kz_geodb *db;
    kz_err err;
    assert_int_equal(kz_geodb_open(path, &db, &err), KZ_OK);
    assert_string_equal(kz_geodb_kind(db), "kizuna");
    kz_ip ip = {4, 0x01020304, {0}};
    kz_geo_hit old, now;
    kz_geo_reader r1;
    kz_geodb_begin(db, &r1);
    kz_geodb_lookup(&r1, &ip, 1, &old);
    write_table(path, 200);
    /* another thread reloads: it swaps the new table in at once, and frees the old one
     * only when this reader ends */
    reload_job job = {db, 0, KZ_EINTERNAL};
    pthread_t th;
    pthread_create(&th, NULL, reload_thread, &job);
    kz_geo_reader r2;
    do {
        kz_geodb_begin(db, &r2);
        kz_geodb_lookup(&r2, &ip, 1, &now);
        kz_geodb_end(&r2);
    } while (now.asn != 200);
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    assert_int_equal(atomic_load(&job.done), 0);  /* waits for r1 */
    kz_geo_hit again;
    kz_geodb_lookup(&r1, &ip, 1, &again);
    assert_int_equal(old.asn, 100);
    assert_int_equal(again.asn, 100);  /* r1 still reads the table it began with */
    assert_string_equal(again.org, "x");
    kz_geodb_end(&r1);
    pthread_join(th, NULL);
    assert_int_equal(job.rc, KZ_OK);
    /* a damaged file does not replace the good table */
    FILE *f = fopen(path, "r+b");
    fseek(f, 300, SEEK_SET);
    fputc(0x55, f);
    fclose(f);
    assert_int_equal(kz_geodb_reload(db, &err), KZ_ECORRUPT);
    assert_non_null(strstr(err.msg, path));
    kz_geodb_begin(db, &r1);
    kz_geodb_lookup(&r1, &ip, 1, &now);
    kz_geodb_end(&r1);
    assert_int_equal(now.asn, 200);
    kz_geodb_close(db);
    unlink(path);
    rmdir(dir);
}

/* --- Parsers --- */

static void csv_splits_quotes_and_reports_columns(void **state)
{
    (void)state;
    char scratch[128];
    kz_csv_field f[8];
    int nf;
    kz_err err;
    const char *line = "1.0.0.0,\"LLC \"\"SPUTNIK\"\"\",,x\r";
    assert_int_equal(kz_csv_split(line, strlen(line), ',', scratch, f, 8, &nf, &err), KZ_OK);
    assert_int_equal(nf, 4);
    assert_int_equal(f[1].n, 13);
    assert_memory_equal(f[1].p, "LLC \"SPUTNIK\"", 13);
    assert_int_equal(f[2].n, 0);
    assert_memory_equal(f[3].p, "x", 1);
    assert_int_equal(kz_csv_split("a,", 2, ',', scratch, f, 8, &nf, &err), KZ_OK);
    assert_int_equal(nf, 2);
    assert_int_equal(kz_csv_split("a,\"bc", 5, ',', scratch, f, 8, &nf, &err), KZ_EINVAL);
    assert_non_null(strstr(err.msg, "column 3"));
    assert_int_equal(kz_csv_split("\"a\"b", 4, ',', scratch, f, 8, &nf, &err), KZ_EINVAL);
    assert_int_equal(kz_csv_split("a,b,c", 5, ',', scratch, f, 2, &nf, &err), KZ_EINVAL);
}

static void ip_parser_is_strict(void **state)
{
    (void)state;
    kz_ip ip;
    assert_true(kz_ip_parse("1.2.3.4", 7, &ip));
    assert_int_equal(ip.family, 4);
    assert_int_equal(ip.v4, 0x01020304);
    assert_true(kz_ip_parse("255.255.255.255", 15, &ip));
    assert_true(kz_ip_parse("::ffff:1.2.3.4", 14, &ip));
    assert_int_equal(ip.family, 4);
    assert_true(kz_ip_parse_exact("::ffff:1.2.3.4", 14, &ip));
    assert_int_equal(ip.family, 6);
    assert_true(kz_ip_parse("2001:db8::1", 11, &ip));
    assert_int_equal(ip.family, 6);
    const char *bad[] = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", "a.b.c.d",
                         "1..2.3", "2001:db8::1::2", "fe80::1%eth0", "1.2.3.-1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(kz_ip_parse(bad[i], strlen(bad[i]), &ip));
    char buf[64];
    kz_ip_parse("2001:0db8:0:0::1", 16, &ip);
    assert_string_equal(kz_ip_format(&ip, buf, sizeof buf), "2001:db8::1");
}

static void range_lines_parse_and_name_the_field(void **state)
{
    (void)state;
    char scratch[256];
    kz_geo_range r;
    kz_geo_layer layer;
    kz_err err;
    const char *l1 = "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"";
    assert_int_equal(kz_geo_parse_line(l1, strlen(l1), 0, scratch, &r, &layer, &err), KZ_OK);
    assert_int_equal(layer, KZ_GEO_LAYER_AS);
    assert_int_equal(r.family, 4);
    assert_true(r.first == 0x01000000 && r.last == 0x010000FF);
    assert_int_equal(r.asn, 13335);
    assert_int_equal(r.org_len, 16);
    const char *l2 = "2001:200::,2001:200:ffff:ffff:ffff:ffff:ffff:ffff,jp";
    assert_int_equal(kz_geo_parse_line(l2, strlen(l2), 0, scratch, &r, &layer, &err), KZ_OK);
    assert_int_equal(layer, KZ_GEO_LAYER_COUNTRY);
    assert_memory_equal(r.cc, "JP", 2);
    const char *l3 = "42540528726795050063891204319802818560,42540528806023212578155541913346768895,JP";
    assert_int_equal(kz_geo_parse_line(l3, strlen(l3), 6, scratch, &r, &layer, &err), KZ_OK);
    assert_true(r.first == v6(0x2001020000000000, 0));
    assert_int_equal(kz_geo_parse_line("", 0, 0, scratch, &r, &layer, &err), KZ_ENOTFOUND);
    struct {
        const char *line;
        int num;
        const char *field;
    } bad[] = {
        {"1.0.0.0,1.0.0.255", 0, ""},
        {"1.0.0.x,1.0.0.255,AU", 0, "first"},
        {"1.0.0.0,::1,AU", 0, "last"},
        {"1.0.0.9,1.0.0.1,AU", 0, "last"},
        {"1.0.0.0,1.0.0.255,A1", 0, "country"},
        {"1.0.0.0,1.0.0.255,4294967296,x", 0, "asn"},
        {"1.0.0.0,1.0.0.255,12,\"a\tb\"", 0, "organization"},
        {"4294967296,4294967297,AU", 4, "first"},
        {"1,2,\"AU", 0, ""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        kz_rc rc = kz_geo_parse_line(bad[i].line, strlen(bad[i].line), bad[i].num, scratch, &r,
                                     &layer, &err);
        assert_int_equal(rc, KZ_EINVAL);
        assert_string_equal(err.field, bad[i].field);
    }
}

/* The batch search (a fixed number of branch-free steps, then a loop for longer runs) at
 * every position of runs of every length 1..300 (past 2^8, where the loop takes over),
 * 1000 and 65536 (one range per address), each run in its own /16, contiguous ranges
 * and ranges with gaps between them, runs in the first and the last /16 of the space:
 * each range's first and last address, the address before it, the first and last
 * address of the /16, every answer known from the construction, through batches of
 * every size 1..40 (the pipeline's start, middle and end) and the whole probe set. */
typedef struct run_probe {
    uint32_t ip, asn;
} run_probe;

typedef struct run_set {
    kz_geo_builder *b;
    run_probe *p;
    size_t np, cap;
    uint32_t asn;
} run_set;

static void probe_at(run_set *s, uint32_t ip, uint32_t asn)
{
    if (s->np == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 4096;
        s->p = realloc(s->p, s->cap * sizeof *s->p);
        assert_non_null(s->p);
    }
    s->p[s->np++] = (run_probe){ip, asn};
}

/* Fills /16 `bucket` with `len` ranges: contiguous (the last reaching the /16's end), or
 * each covering the first half of its step, so that the run alternates range and gap. */
static void add_run(run_set *s, uint32_t bucket, uint32_t len, bool gaps)
{
    uint32_t step = 65536 / len, base = bucket << 16;
    kz_err err;
    for (uint32_t k = 0; k < len; k++) {
        uint32_t first = base + k * step;
        uint32_t last = gaps ? first + (step + 1) / 2 - 1 : k + 1 == len ? base + 0xFFFF : first + step - 1;
        uint32_t asn = ++s->asn;
        kz_geo_range g = {.family = 4, .first = first, .last = last, .asn = asn, .org = "o", .org_len = 1};
        assert_int_equal(kz_geo_builder_add(s->b, KZ_GEO_LAYER_AS, &g, &err), KZ_OK);
        probe_at(s, first, asn);
        probe_at(s, last, asn);
        probe_at(s, first + (last - first) / 2, asn);
        if (gaps && last + 1 < base + 0x10000 && (k + 1 == len || last + 1 < base + (k + 1) * step))
            probe_at(s, last + 1, 0);  /* the gap after it */
    }
    if (!gaps)
        probe_at(s, base + 0xFFFF, s->asn);
}

static void batch_search_finds_every_position_in_runs_of_every_length(void **state)
{
    (void)state;
    run_set s = {kz_geo_builder_new(), NULL, 0, 0, 0};
    assert_non_null(s.b);
    uint32_t bucket = 0x0100;
    for (uint32_t len = 1; len <= 300; len++)
        add_run(&s, bucket++, len, false);
    for (uint32_t len = 1; len <= 150; len++)
        add_run(&s, bucket++, len, true);
    add_run(&s, bucket++, 1000, false);
    add_run(&s, bucket++, 65536, false);
    add_run(&s, 0x0000, 7, true);     /* the first address of the space */
    add_run(&s, 0xFFFF, 256, false);  /* the last */
    probe_at(&s, 0x00FFFFFF, 0);      /* unrouted /16s around the runs */
    probe_at(&s, bucket << 16, 0);
    void *img;
    size_t len;
    kz_err err;
    assert_int_equal(kz_geo_builder_finish(s.b, NULL, 0, &img, &len, &err), KZ_OK);
    kz_geo_builder_free(s.b);
    kz_geo_table *t;
    assert_int_equal(kz_geo_table_open(img, len, NULL, NULL, &t, &err), KZ_OK);

    uint32_t *ips = calloc(s.np, sizeof *ips), *ids = calloc(s.np, sizeof *ids);
    kz_geo_answer *ans = calloc(s.np, sizeof *ans);
    assert_true(ips && ids && ans);
    for (size_t i = 0; i < s.np; i++)
        ips[i] = s.p[i].ip;
    kz_geo_find4_batch(t, ips, ids, s.np);
    kz_geo_lookup4_batch(t, ips, ans, s.np);
    for (size_t i = 0; i < s.np; i++) {
        if (kz_geo_record_asn(t, ids[i]) != s.p[i].asn || ans[i].asn != s.p[i].asn ||
            kz_geo_record_asn(t, kz_geo_find4(t, ips[i])) != s.p[i].asn)
            fail_msg("probe %zu, %08x: want AS%u, batch AS%u, answers AS%u", i, ips[i], s.p[i].asn,
                     kz_geo_record_asn(t, ids[i]), ans[i].asn);
        assert_string_equal(ans[i].org, s.p[i].asn ? "o" : "");
    }
    for (size_t n = 1; n <= 40; n++) {
        size_t at = (n * 7919) % (s.np - n);
        memset(ids, 0xff, n * sizeof *ids);
        memset(ans, 0xff, n * sizeof *ans);
        kz_geo_find4_batch(t, ips + at, ids, n);
        kz_geo_lookup4_batch(t, ips + at, ans, n);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(kz_geo_record_asn(t, ids[i]), s.p[at + i].asn);
            assert_int_equal(ans[i].asn, s.p[at + i].asn);
        }
    }
    kz_geo_info info;
    kz_geo_table_info(t, &info);
    assert_true(info.v4_ranges > 45150 + 65536);  /* the runs were built as planned */
    free(ips);
    free(ids);
    free(ans);
    free(s.p);
    kz_geo_table_free(t);
    kz_free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builder_follows_overlap_rules),
        cmocka_unit_test(random_tables_match_brute_force),
        cmocka_unit_test(batch_search_finds_every_position_in_runs_of_every_length),
        cmocka_unit_test(lookups_allocate_nothing),
        cmocka_unit_test(corrupt_tables_are_refused_with_a_reason),
        cmocka_unit_test(builder_reports_allocation_failure),
        cmocka_unit_test(slot_swaps_under_readers),
        cmocka_unit_test(geodb_reloads_while_a_reader_holds_the_old_table),
        cmocka_unit_test(csv_splits_quotes_and_reports_columns),
        cmocka_unit_test(ip_parser_is_strict),
        cmocka_unit_test(range_lines_parse_and_name_the_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
