/* Fuzz target: reading a compiled indicator set from its image (the FILE.kzi that
 * kizuna match keeps). Mode byte 0: the input is a whole image (header and checksum
 * checks). Otherwise the input is (offset, byte) patches applied to a valid image of a
 * small set, or of one large enough for the IPv4 bitmap, resealed so that the checks
 * behind the checksum are what gets fuzzed. Whatever opens must answer every lookup
 * without reading out of bounds. */
#include "fuzz_target.h"
#include "engine/indset.h"
#include "util/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint64_t key[KZ_INDSET_KEY_WORDS] = {1, 2, 3, 4, 5, 6};
static void *pristine[2];
static size_t pristine_len[2];

static void add(kz_indset_builder *b, kz_arena *a, kz_ind_type t, const char *v, const char *id)
{
    kz_norm nm;
    kz_err err;
    if (kz_indicator_normalize(t, v, strlen(v), a, "v", &nm, &err) || kz_indset_add(b, t, &nm, id, &err))
        abort();
}

static void make_pristine(int which)
{
    kz_arena a;
    kz_arena_init(&a);
    kz_indset_builder *b = kz_indset_builder_new();
    add(b, &a, KZ_IND_DOMAIN, "evil.example", "6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab");
    add(b, &a, KZ_IND_DOMAIN, "evil.example", "second");
    add(b, &a, KZ_IND_URL, "http://evil.example/kit/*", "indicator--1f2e3d4c-5b6a-4978-8a9b-abcdefabcdef");
    add(b, &a, KZ_IND_URL, "http://evil.example/login.php", NULL);
    add(b, &a, KZ_IND_EMAIL, "boss@evil.example", NULL);
    add(b, &a, KZ_IND_MD5, "d41d8cd98f00b204e9800998ecf8427e", NULL);
    add(b, &a, KZ_IND_IPV6, "2001:db8::1", NULL);
    add(b, &a, KZ_IND_CIDR, "2001:db8:cafe::/48", NULL);
    add(b, &a, KZ_IND_ASN, "AS64500", NULL);
    for (int i = 0; i < (which ? 5000 : 20); i++) {
        char v[32];
        snprintf(v, sizeof v, "10.%d.%d.0/24", i / 200, i % 200);
        add(b, &a, KZ_IND_CIDR, v, NULL);
    }
    kz_indset *s;
    kz_err err;
    if (kz_indset_compile(b, &s, &err) || kz_indset_image(s, key, &pristine[which], &pristine_len[which], &err))
        abort();
    kz_indset_free(s);
    kz_arena_free(&a);
}

static void count_run(void *ctx, kz_run r) { *(uint32_t *)ctx += r.n; }

static void exercise(const uint8_t *img, size_t n)
{
    kz_indset *s;
    kz_err err;
    if (kz_indset_from_image(img, n, key, NULL, NULL, &s, &err))
        return;
    uint32_t seen = 0;
    unsigned char a[16] = {10, 0, 5, 1};
    seen += kz_indset_ipv4(s, a).n;
    a[1] = 24;
    seen += kz_indset_ipv4(s, a).n;
    unsigned char six[16] = {0x20, 0x01, 0x0d, 0xb8, 0xca, 0xfe, [15] = 1};
    seen += kz_indset_ipv6(s, six).n;
    bool on_url_host;
    kz_indset_domain(s, "a.b.EVIL.example.", 17, count_run, &seen, &on_url_host);
    kz_indset_domain_lc(s, "x.evil.example", 14, count_run, &seen, NULL);
    const char *u = "http://evil.example/kit/x.js";
    kz_indset_url(s, u, strlen(u), 7, 12, count_run, &seen);
    seen += kz_indset_email(s, "boss@evil.example", 17).n;
    seen += kz_indset_hash(s, "d41d8cd98f00b204e9800998ecf8427e", 32).n;
    seen += kz_indset_asn(s, 64500).n;
    for (uint32_t i = 0; i < kz_indset_count(s); i++) {
        kz_ind_info info;
        char idbuf[48];
        kz_indset_get(s, i, &info, idbuf);
        volatile size_t len = strlen(info.value) + (info.id ? strlen(info.id) : 0) + kz_indset_type(s, i);
        (void)len;
    }
    volatile uint32_t keep = seen + (uint32_t)kz_indset_bytes(s);
    (void)keep;
    kz_indset_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!pristine[0]) {
        make_pristine(0);
        make_pristine(1);
    }
    if (size < 1)
        return 0;
    if (data[0] == 0) {
        uint8_t *img = malloc(size - 1 ? size - 1 : 1);  /* aligned copy */
        memcpy(img, data + 1, size - 1);
        exercise(img, size - 1);
        free(img);
        return 0;
    }
    int which = data[0] & 1;
    size_t len = pristine_len[which];
    uint8_t *img = malloc(len);
    memcpy(img, pristine[which], len);
    for (size_t i = 1; i + 4 <= size; i += 4) {  /* 3-byte offset, 1 byte value */
        size_t off = (size_t)data[i] << 16 | (size_t)data[i + 1] << 8 | data[i + 2];
        off = data[0] & 2 ? off % 1024 : off % len;  /* often in the header and the first records */
        img[off] = data[i + 3];
    }
    if (size % 4 == 3)  /* sometimes also cut it */
        len -= (size_t)data[size - 1] * 64 % len;
    kz_indset_image_seal(img, len);
    exercise(img, len);
    free(img);
    return 0;
}
