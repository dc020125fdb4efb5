/* Fuzz target: the geo table loader. Mode byte 0: the input is a whole image (checks of
 * the header, sizes and checksum). Otherwise the input is a list of (offset, byte)
 * patches applied to a small valid table, after which the checksum is recomputed, so
 * that the structural validation behind the checksum is what gets fuzzed. Whatever
 * opens must answer lookups without reading out of bounds. */
#include "fuzz_target.h"
#include "engine/geo.h"
#include "engine/geo_format.h"
#include "util/alloc.h"
#include "util/checksum.h"

#include <stdlib.h>
#include <string.h>

static void *pristine;
static size_t pristine_len;

static void make_pristine(void)
{
    kz_geo_builder *b = kz_geo_builder_new();
    kz_err err;
    static const struct {
        int family, layer;
        uint64_t first, last;
        uint32_t asn;
        const char *org, *cc;
    } r[] = {
        {4, 0, 0x01000000, 0x010000FF, 13335, "Cloudflare", "AU"},
        {4, 0, 0x01000100, 0x01000120, 1, "x", "AU"},
        {4, 1, 0x01000000, 0x010003FF, 0, "", "AU"},
        {4, 1, 0x01000400, 0x010004FF, 0, "", "CN"},
        {6, 0, 0x2001020000000000, 0x20010200ffffffff, 2500, "WIDE", "JP"},
        {6, 1, 0x2001020000000000, 0x2001020100000000, 0, "", "JP"},
    };
    for (size_t i = 0; i < sizeof r / sizeof *r; i++) {
        kz_geo_range g = {.family = r[i].family, .asn = r[i].asn, .org = r[i].org,
                          .org_len = strlen(r[i].org)};
        g.first = r[i].family == 4 ? r[i].first : (kz_u128)r[i].first << 64;
        g.last = r[i].family == 4 ? r[i].last : (kz_u128)r[i].last << 64 | ~0ull;
        memcpy(g.cc, r[i].cc, 2);
        kz_geo_builder_add(b, (kz_geo_layer)r[i].layer, &g, &err);
    }
    /* enough IPv6 ranges in one /16 that the builder splits them into nodes */
    for (unsigned i = 0; i < 40; i++) {
        kz_geo_range g = {.family = 6, .asn = 64500 + i % 5, .org = "many", .org_len = 4};
        g.first = (kz_u128)(0x2a02000000000000ull | (uint64_t)(i * 37 % 256) << 32 | (uint64_t)i << 16) << 64;
        g.last = g.first + ((kz_u128)1 << 70);
        kz_geo_builder_add(b, KZ_GEO_LAYER_AS, &g, &err);
    }
    if (kz_geo_builder_finish(b, "fuzz\n", 0, &pristine, &pristine_len, &err))
        abort();
    kz_geo_builder_free(b);
}

static void exercise(const uint8_t *img, size_t n)
{
    kz_geo_table *t;
    kz_err err;
    if (kz_geo_table_open(img, n, NULL, NULL, &t, &err))
        return;
    static const uint32_t probes4[] = {0, 0x01000000, 0x01000110, 0x010004FF, 0xFFFFFFFF, 0x7F000001};
    uint32_t ids[16];
    uint32_t many[16];
    for (int i = 0; i < 16; i++)
        many[i] = probes4[i % 6] + (uint32_t)i * 0x01010101u;
    kz_geo_find4_batch(t, many, ids, 16);
    kz_geo_answer a[16];
    kz_geo_lookup4_batch(t, many, a, 16);
    uint8_t ip6[16][16];
    memset(ip6, 0, sizeof ip6);
    for (int i = 0; i < 16; i++) {
        ip6[i][0] = (uint8_t)(0x20 + i % 2 * 10);  /* 2001:02.. and 2a02:... */
        ip6[i][1] = (uint8_t)(i % 2 ? 0x02 : 0x01);
        ip6[i][2] = (uint8_t)(i * 37);
        ip6[i][3] = (uint8_t)i;
        ip6[i][15] = (uint8_t)i;
    }
    kz_geo_find6_batch(t, (const uint8_t(*)[16])ip6, ids, 16);
    for (int i = 0; i < 16; i++) {
        kz_geo_record(t, ids[i], &a[i]);
        volatile size_t len = strlen(a[i].org);
        (void)len;
    }
    kz_geo_info info;
    kz_geo_table_info(t, &info);
    volatile size_t len = strlen(info.sources);
    (void)len;
    kz_geo_table_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!pristine)
        make_pristine();
    if (size < 1)
        return 0;
    if (data[0] == 0) {
        uint8_t *img = malloc(size - 1 ? size - 1 : 1);  /* aligned copy */
        memcpy(img, data + 1, size - 1);
        exercise(img, size - 1);
        free(img);
        return 0;
    }
    uint8_t *img = malloc(pristine_len);
    memcpy(img, pristine, pristine_len);
    for (size_t i = 1; i + 4 <= size; i += 4) {  /* 3-byte offset, 1 byte value */
        size_t off = (size_t)data[i] << 16 | (size_t)data[i + 1] << 8 | data[i + 2];
        /* bias offsets towards the header and the start of each section */
        kz__geo_header h;
        memcpy(&h, img, sizeof h);
        int sec = data[i] % (KZ__GEO_NSECTIONS + 1);
        off = sec == KZ__GEO_NSECTIONS ? off % sizeof h : (h.sec[sec].off + (off & 0xffff)) % pristine_len;
        img[off] = data[i + 3];
    }
    size_t len = pristine_len;
    if (size % 4 == 3)  /* sometimes also cut it */
        len -= (size_t)data[size - 1] * 64 % pristine_len;
    kz__geo_header h;
    memcpy(&h, img, sizeof h);
    h.crc = 0;
    memcpy(img, &h, sizeof h);
    h.crc = kz_crc32(0, img, len);
    memcpy(img, &h, sizeof h);
    exercise(img, len);
    free(img);
    return 0;
}
