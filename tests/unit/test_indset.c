/* Unit tests of engine/indset: longest-prefix match against a brute-force scan of the
 * same random prefixes (both families, with and without the IPv4 bitmap), domain suffix
 * walks, URL exact and prefix, e-mail and hashes, runs of indicators sharing a value,
 * ids kept as binary UUIDs, and allocation failure while compiling. Every lookup test
 * runs twice: on the compiled set, and on the same set saved as an image and read back
 * in place; and images of other keys, damaged or inconsistent ones are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "engine/indset.h"
#include "util/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static kz_arena arena;

static void add(kz_indset_builder *b, kz_ind_type t, const char *v, const char *id)
{
    kz_norm nm;
    kz_err err;
    if (kz_indicator_normalize(t, v, strlen(v), &arena, "value", &nm, &err) != KZ_OK)
        fail_msg("%s: %s", v, err.msg);
    assert_int_equal(kz_indset_add(b, t, &nm, id, &err), KZ_OK);
}

static bool through_image;  /* compile() hands back the set read from its image */
static const uint64_t key[KZ_INDSET_KEY_WORDS] = {1, 2, 3, 4, 5, 6};

static void release(void *ctx, const void *p, size_t n)
{
    (void)ctx;
    (void)n;
    kz_free((void *)p);
}

/* s saved as an image and read back from it (s is freed). */
static kz_indset *reimage(kz_indset *s)
{
    void *img;
    size_t n;
    kz_err err;
    assert_int_equal(kz_indset_image(s, key, &img, &n, &err), KZ_OK);
    size_t bytes = kz_indset_bytes(s), count = kz_indset_count(s);
    kz_indset_free(s);
    kz_indset *t;
    assert_int_equal(kz_indset_from_image(img, n, key, release, NULL, &t, &err), KZ_OK);
    assert_int_equal(kz_indset_bytes(t), bytes);
    assert_int_equal(kz_indset_count(t), count);
    return t;
}

static kz_indset *compile(kz_indset_builder *b)
{
    kz_indset *s;
    kz_err err;
    assert_int_equal(kz_indset_compile(b, &s, &err), KZ_OK);
    return through_image ? reimage(s) : s;
}

static int on_compiled(void **state)
{
    (void)state;
    through_image = false;
    return 0;
}

static int on_image(void **state)
{
    (void)state;
    through_image = true;
    return 0;
}

static const char *value_of(const kz_indset *s, kz_run r)
{
    if (r.n == 0)
        return NULL;
    kz_ind_info info;
    char idbuf[48];
    kz_indset_get(s, r.first, &info, idbuf);
    return info.value;
}

static const char *v4(const kz_indset *s, const char *ip)
{
    unsigned char a[4];
    assert_true(kz_ipv4_parse(ip, strlen(ip), a));
    return value_of(s, kz_indset_ipv4(s, a));
}

static const char *v6(const kz_indset *s, const char *ip)
{
    unsigned char a[16];
    assert_true(kz_ipv6_parse(ip, strlen(ip), a));
    return value_of(s, kz_indset_ipv6(s, a));
}

static void longest_prefix_wins(void **state)
{
    (void)state;
    kz_arena_init(&arena);
    kz_indset_builder *b = kz_indset_builder_new();
    add(b, KZ_IND_CIDR, "10.0.0.0/8", NULL);
    add(b, KZ_IND_CIDR, "10.1.0.0/16", NULL);
    add(b, KZ_IND_IPV4, "10.1.2.3", NULL);
    add(b, KZ_IND_CIDR, "10.1.2.3/32", NULL);  /* same prefix as the address: the address wins */
    add(b, KZ_IND_CIDR, "10.255.255.255/32", NULL);
    add(b, KZ_IND_CIDR, "255.255.255.0/24", NULL);
    add(b, KZ_IND_CIDR, "2001:db8::/32", NULL);
    add(b, KZ_IND_CIDR, "2001:db8:1::/48", NULL);
    add(b, KZ_IND_IPV6, "2001:db8:1::7", NULL);
    add(b, KZ_IND_CIDR, "ffff:ffff:ffff:ffff::/64", NULL);
    kz_indset *s = compile(b);
    assert_string_equal(v4(s, "10.1.2.3"), "10.1.2.3");
    assert_string_equal(v4(s, "10.1.2.4"), "10.1.0.0/16");
    assert_string_equal(v4(s, "10.1.255.255"), "10.1.0.0/16");
    assert_string_equal(v4(s, "10.2.0.0"), "10.0.0.0/8");
    assert_string_equal(v4(s, "10.0.0.0"), "10.0.0.0/8");
    assert_string_equal(v4(s, "10.255.255.254"), "10.0.0.0/8");
    assert_string_equal(v4(s, "10.255.255.255"), "10.255.255.255/32");
    assert_null(v4(s, "11.0.0.0"));
    assert_null(v4(s, "9.255.255.255"));
    assert_null(v4(s, "0.0.0.0"));
    assert_string_equal(v4(s, "255.255.255.255"), "255.255.255.0/24");
    assert_string_equal(v6(s, "2001:db8:1::7"), "2001:db8:1::7");
    assert_string_equal(v6(s, "2001:db8:1::8"), "2001:db8:1::/48");
    assert_string_equal(v6(s, "2001:db8:2::"), "2001:db8::/32");
    assert_null(v6(s, "2001:db9::"));
    assert_null(v6(s, "::"));
    assert_string_equal(v6(s, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), "ffff:ffff:ffff:ffff::/64");
    assert_int_equal(kz_indset_count(s), 10);
    assert_int_equal(kz_indset_count_type(s, KZ_IND_CIDR), 8);
    kz_indset_free(s);
    kz_arena_free(&arena);
}

/* Brute force: the longest prefix among p[0..n) containing a, or -1. */
typedef struct bp {
    unsigned char addr[16];
    int plen, fam;
} bp;

static bool contains(const bp *p, const unsigned char *a)
{
    int full = p->plen / 8, rest = p->plen % 8;
    if (memcmp(p->addr, a, (size_t)full) != 0)
        return false;
    return rest == 0 || ((p->addr[full] ^ a[full]) & (0xFF << (8 - rest))) == 0;
}

static void random_prefixes_agree_with_brute_force(void **state)
{
    (void)state;
    srand(7);
    for (int round = 0; round < 4; round++) {
        kz_arena_init(&arena);
        int n = round < 2 ? 300 : 6000;  /* the larger sets use the IPv4 bitmap and index */
        bp *p = calloc((size_t)n, sizeof *p);
        kz_indset_builder *b = kz_indset_builder_new();
        for (int i = 0; i < n; i++) {
            p[i].fam = round % 2 ? 6 : 4;
            int bytes = p[i].fam == 4 ? 4 : 16;
            /* few distinct top bytes, so that prefixes nest often */
            for (int k = 0; k < bytes; k++)
                p[i].addr[k] = (unsigned char)(k < 2 ? rand() % 3 : rand());
            p[i].plen = rand() % (bytes * 8 + 1);
            if (rand() % 3 == 0)
                p[i].plen = bytes * 8;
            char text[64], ip[48];
            if (p[i].fam == 4)
                snprintf(ip, sizeof ip, "%u.%u.%u.%u", p[i].addr[0], p[i].addr[1], p[i].addr[2], p[i].addr[3]);
            else
                kz_ipv6_format(p[i].addr, ip);
            snprintf(text, sizeof text, "%s/%d", ip, p[i].plen);
            kz_norm nm;
            kz_err err;
            assert_int_equal(kz_indicator_normalize(KZ_IND_CIDR, text, strlen(text), &arena, "v", &nm, &err), KZ_OK);
            memcpy(p[i].addr, nm.addr, 16);  /* masked */
            assert_int_equal(kz_indset_add(b, KZ_IND_CIDR, &nm, NULL, &err), KZ_OK);
        }
        kz_indset *s = compile(b);
        for (int q = 0; q < 20000; q++) {
            unsigned char a[16];
            int bytes = round % 2 ? 16 : 4;
            for (int k = 0; k < bytes; k++)
                a[k] = (unsigned char)(k < 2 ? rand() % 3 : rand());
            if (q % 4 == 0) {  /* often right at a prefix boundary */
                const bp *x = &p[rand() % n];
                memcpy(a, x->addr, 16);
                if (q % 8 == 0)
                    for (int k = x->plen; k < bytes * 8; k++)
                        a[k / 8] |= (unsigned char)(0x80 >> (k % 8));
            }
            int best = -1;
            for (int i = 0; i < n; i++)
                if (contains(&p[i], a) && (best < 0 || p[i].plen > p[best].plen))
                    best = i;
            kz_run r = bytes == 4 ? kz_indset_ipv4(s, a) : kz_indset_ipv6(s, a);
            if (best < 0) {
                assert_int_equal(r.n, 0);
            } else {
                assert_true(r.n > 0);
                kz_ind_info info;
                char idbuf[48];
                kz_indset_get(s, r.first, &info, idbuf);
                char want[64], ip[48];
                if (bytes == 4)
                    snprintf(ip, sizeof ip, "%u.%u.%u.%u", p[best].addr[0], p[best].addr[1], p[best].addr[2], p[best].addr[3]);
                else
                    kz_ipv6_format(p[best].addr, ip);
                snprintf(want, sizeof want, "%s/%d", ip, p[best].plen);
                assert_string_equal(info.value, want);
            }
        }
        kz_indset_free(s);
        free(p);
        kz_arena_free(&arena);
    }
}

typedef struct hits {
    char values[8][128];
    int n;
    const kz_indset *s;
} hits;

static void collect(void *ctx, kz_run r)
{
    hits *h = ctx;
    kz_ind_info info;
    char idbuf[48];
    kz_indset_get(h->s, r.first, &info, idbuf);
    snprintf(h->values[h->n++], sizeof h->values[0], "%s", info.value);
}

static void domains_match_every_parent(void **state)
{
    (void)state;
    kz_arena_init(&arena);
    kz_indset_builder *b = kz_indset_builder_new();
    add(b, KZ_IND_DOMAIN, "evil.example", NULL);
    add(b, KZ_IND_DOMAIN, "login.evil.example", NULL);
    add(b, KZ_IND_DOMAIN, "bücher.example", NULL);
    add(b, KZ_IND_DOMAIN, "zip", NULL);
    kz_indset *s = compile(b);
    hits h = {.s = s};
    assert_int_equal(kz_indset_domain(s, "a.b.LOGIN.Evil.Example.", 23, collect, &h, NULL), 2);
    assert_string_equal(h.values[0], "evil.example");
    assert_string_equal(h.values[1], "login.evil.example");
    h.n = 0;
    assert_int_equal(kz_indset_domain(s, "evil.example", 12, collect, &h, NULL), 1);
    h.n = 0;
    assert_int_equal(kz_indset_domain(s, "notevil.example", 15, collect, &h, NULL), 0);
    assert_int_equal(kz_indset_domain(s, "example", 7, collect, &h, NULL), 0);
    assert_int_equal(kz_indset_domain(s, "evil.example.com", 16, collect, &h, NULL), 0);
    assert_int_equal(kz_indset_domain(s, "www.xn--bcher-kva.example", 25, collect, &h, NULL), 1);
    h.n = 0;
    assert_int_equal(kz_indset_domain(s, "files.zip", 9, collect, &h, NULL), 1);
    assert_string_equal(h.values[0], "zip");
    assert_int_equal(kz_indset_domain(s, "", 0, collect, &h, NULL), 0);
    assert_int_equal(kz_indset_domain(s, ".", 1, collect, &h, NULL), 0);
    kz_indset_free(s);
    kz_arena_free(&arena);
}

/* kz_indset_domain_lc (its dots found first, for names of up to 64 bytes) against
 * kz_indset_domain (the byte walk) on lowercase names of 0 to 80 bytes built from the
 * indicators' labels, random labels, empty labels and trailing dots, each at the end
 * of its own allocation (a read past it shows under ASan): the same hits in the same
 * order, the same count, the same answer about URL hosts; and the same again from
 * kz_indset_domain on the name with random capitals (labels of 0-20 bytes: every case of
 * the word-at-a-time label hash, lowered eight bytes at a time). */
static void lowercase_walk_agrees(void **state)
{
    (void)state;
    kz_arena_init(&arena);
    kz_indset_builder *b = kz_indset_builder_new();
    static const char *const doms[] = {"ab.cd", "x.ab.cd", "b.c", "cd", "aaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbb.ccccccccccc.dd",
                                       "hello.zz9", "abcdefgh.cd", "abcdefghi.abcdefg", "p0123456789abcdef.ab.cd"};
    for (size_t i = 0; i < sizeof doms / sizeof *doms; i++)
        add(b, KZ_IND_DOMAIN, doms[i], NULL);
    add(b, KZ_IND_URL, "http://y.ab.cd/p", NULL);
    add(b, KZ_IND_URL, "http://b.c/q*", NULL);
    kz_indset *s = compile(b);
    static const char *const parts[] = {"ab", "cd", "x", "y", "b", "c", "aaaaaaaaaaaaaaaaaaaa",
                                        "bbbbbbbbbbbbbbbbbbbb", "ccccccccccc", "dd", "", "q", "zz9-",
                                        "hello", "zz9", "abcdefgh", "abcdefghi", "abcdefg", "p0123456789abcdef"};
    uint64_t x = 42;
    char name[128];
    for (int t = 0; t < 50000; t++) {
        size_t n = 0;
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        int labels = (int)(x >> 60) % 9;
        for (int k = 0; k < labels && n < 80; k++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            const char *pt = parts[(x >> 33) % (sizeof parts / sizeof *parts)];
            size_t pl = strlen(pt);
            if (n + pl + 1 > 80)
                break;
            if (k)
                name[n++] = '.';
            memcpy(name + n, pt, pl);
            n += pl;
        }
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        for (int d = (int)(x >> 62); d > 0 && n < 80; d--)
            name[n++] = '.';  /* 0-3 trailing dots: "a.." and "." included */
        char *v = kz_malloc(n ? n : 1);
        assert_non_null(v);
        memcpy(v, name, n);
        hits want = {.s = s}, got = {.s = s};
        bool uw = true, ug = false;
        int nw = kz_indset_domain(s, v, n, collect, &want, &uw);
        int ng = kz_indset_domain_lc(s, v, n, collect, &got, &ug);
        assert_int_equal(ng, nw);
        assert_int_equal(got.n, want.n);
        for (int k = 0; k < want.n; k++)
            assert_string_equal(got.values[k], want.values[k]);
        assert_int_equal(ug, uw);
        for (size_t k = 0; k < n; k++)  /* random capitals: the case-folding walk agrees */
            if (v[k] >= 'a' && v[k] <= 'z' && (x >> (k % 64) & 1))
                v[k] = (char)(v[k] - 32);
        hits caps = {.s = s};
        bool uc = !uw;
        assert_int_equal(kz_indset_domain(s, v, n, collect, &caps, &uc), nw);
        assert_int_equal(caps.n, want.n);
        for (int k = 0; k < want.n; k++)
            assert_string_equal(caps.values[k], want.values[k]);
        assert_int_equal(uc, uw);
        kz_free(v);
    }
    kz_indset_free(s);
    kz_arena_free(&arena);
}

/* The suffix walks (kz_indset_domain, kz_indset_domain_lc) and kz_indset_url_host, which
 * stop at the first suffix that is no parent of an indicator's name, against every suffix
 * compared with every indicator written out plainly: random sets of domains and URL hosts
 * of 1-5 labels from a few parts (so that parents are shared and many suffixes are none),
 * names of 0-7 labels from the same parts and others, with capitals and trailing dots. */
static bool in_list(char (*list)[128], int n, const char *v, size_t len)
{
    for (int i = 0; i < n; i++)
        if (strlen(list[i]) == len && strncasecmp(list[i], v, len) == 0)
            return true;
    return false;
}

static void random_label(uint64_t *x, char *out, size_t *n, const char *const *parts, size_t np)
{
    *x = *x * 6364136223846793005ull + 1442695040888963407ull;
    const char *pt = parts[(*x >> 33) % np];
    size_t pl = strlen(pt);
    memcpy(out + *n, pt, pl);
    *n += pl;
}

static void walks_stop_only_where_nothing_longer_matches(void **state)
{
    (void)state;
    static const char *const parts[] = {"com", "net", "ex", "evil", "a", "b", "www", "cdn",
                                        "long-label-of-many-bytes", "zz", "q1", "mail"};
    static const char *const other[] = {"test", "x", "example", "c0", "www", "a"};
    enum { P = sizeof parts / sizeof *parts, O = sizeof other / sizeof *other };
    uint64_t x = 7;
    for (int round = 0; round < 20; round++) {
        kz_arena_init(&arena);
        kz_indset_builder *b = kz_indset_builder_new();
        static char doms[200][128], hosts[100][128]; /* up to 5 labels of 24 bytes */
        int nd = 0, nh = 0;
        int want_d = 1 + round * 9, want_h = round * 5;
        for (int k = 0; k < want_d + want_h; k++) {
            char v[128];
            size_t n = 0;
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            for (int l = 0, labels = 1 + (int)(x >> 61) % 5; l < labels; l++) {
                if (l)
                    v[n++] = '.';
                random_label(&x, v, &n, parts, P);
            }
            v[n] = '\0';
            bool host = k >= want_d;
            if (in_list(host ? hosts : doms, host ? nh : nd, v, n))
                continue;
            snprintf(host ? hosts[nh++] : doms[nd++], 128, "%s", v);
            char url[160];
            snprintf(url, sizeof url, "http://%s/p%d%s", v, k, k % 2 ? "*" : "");
            add(b, host ? KZ_IND_URL : KZ_IND_DOMAIN, host ? url : v, NULL);
        }
        kz_indset *s = compile(b);
        for (int t = 0; t < 3000; t++) {
            char name[256]; /* up to 7 labels of 24 bytes */
            size_t n = 0;
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            int labels = (int)(x >> 61);
            for (int l = 0; l < labels; l++) {
                if (l)
                    name[n++] = '.';
                x = x * 6364136223846793005ull + 1442695040888963407ull;
                if (x >> 62 == 0)
                    random_label(&x, name, &n, other, O);
                else
                    random_label(&x, name, &n, parts, P);
            }
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            if (x >> 63)
                name[n++] = '.';
            size_t k = n && name[n - 1] == '.' ? n - 1 : n;  /* the walk drops one trailing dot */
            hits want = {.s = s};
            for (size_t i = k + 1; i-- > 0;)  /* suffixes right to left, the whole name last */
                if ((i == 0 || name[i - 1] == '.') && i < k && in_list(doms, nd, name + i, k - i))
                    snprintf(want.values[want.n++], sizeof want.values[0], "%.*s", (int)(k - i), name + i);
            bool uw = k && in_list(hosts, nh, name, k);
            hits got = {.s = s};
            bool ug = !uw;
            assert_int_equal(kz_indset_domain_lc(s, name, n, collect, &got, &ug), want.n);
            assert_int_equal(got.n, want.n);
            for (int j = 0; j < want.n; j++)
                assert_string_equal(got.values[j], want.values[j]);
            assert_int_equal(ug, uw);
            assert_int_equal(kz_indset_url_host(s, name, k), uw);
            for (size_t j = 0; j < n; j++)
                if (name[j] >= 'a' && name[j] <= 'z' && (x >> (j % 64) & 1))
                    name[j] = (char)(name[j] - 32);
            got.n = 0;
            ug = !uw;
            assert_int_equal(kz_indset_domain(s, name, n, collect, &got, &ug), want.n);
            for (int j = 0; j < want.n; j++)
                assert_string_equal(got.values[j], want.values[j]);
            assert_int_equal(ug, uw);
            assert_int_equal(kz_indset_url_host(s, name, k), uw);
        }
        kz_indset_free(s);
        kz_arena_free(&arena);
    }
}

static void urls_exact_and_prefix(void **state)
{
    (void)state;
    kz_arena_init(&arena);
    kz_indset_builder *b = kz_indset_builder_new();
    add(b, KZ_IND_URL, "http://evil.example/login.php", NULL);
    add(b, KZ_IND_URL, "http://evil.example/kit/*", NULL);
    add(b, KZ_IND_URL, "http://evil.example/*", NULL);
    add(b, KZ_IND_URL, "https://other.example:8443/a?b=c", NULL);
    kz_indset *s = compile(b);
    assert_true(kz_indset_url_host(s, "EVIL.example", 12));
    assert_false(kz_indset_url_host(s, "good.example", 12));
    hits h = {.s = s};
    const char *u = "http://evil.example/kit/x.js";
    assert_int_equal(kz_indset_url(s, u, strlen(u), 7, 12, collect, &h), 2);
    h.n = 0;
    u = "http://evil.example/login.php";
    assert_int_equal(kz_indset_url(s, u, strlen(u), 7, 12, collect, &h), 2);  /* exact, and the host-wide prefix */
    assert_string_equal(h.values[0], "http://evil.example/login.php");
    h.n = 0;
    u = "https://evil.example/login.php";  /* another scheme: no prefix applies */
    assert_int_equal(kz_indset_url(s, u, strlen(u), 8, 12, collect, &h), 0);
    u = "https://other.example:8443/a?b=c";
    assert_int_equal(kz_indset_url(s, u, strlen(u), 8, 13, collect, &h), 1);
    u = "https://other.example:8443/a?b=cd";
    h.n = 0;
    assert_int_equal(kz_indset_url(s, u, strlen(u), 8, 13, collect, &h), 0);
    kz_indset_free(s);
    kz_arena_free(&arena);
}

static void exact_types_and_runs(void **state)
{
    (void)state;
    kz_arena_init(&arena);
    kz_indset_builder *b = kz_indset_builder_new();
    add(b, KZ_IND_EMAIL, "Phish@Evil.Example", "6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab");
    add(b, KZ_IND_MD5, "D41D8CD98F00B204E9800998ECF8427E", "indicator--1f2e3d4c-5b6a-4978-8a9b-abcdefabcdef");
    add(b, KZ_IND_SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "feed-42");
    /* the same domain from three sources: one run of three */
    add(b, KZ_IND_DOMAIN, "shared.example", "a");
    add(b, KZ_IND_DOMAIN, "other.example", "x");
    add(b, KZ_IND_DOMAIN, "SHARED.example", "b");
    add(b, KZ_IND_DOMAIN, "shared.example.", "c");
    kz_indset *s = compile(b);
    kz_ind_info info;
    char idbuf[48];
    kz_run r = kz_indset_email(s, "Phish@evil.example", 18);
    assert_int_equal(r.n, 1);
    kz_indset_get(s, r.first, &info, idbuf);
    assert_string_equal(info.id, "6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab");
    assert_int_equal(kz_indset_email(s, "phish@evil.example", 18).n, 0);  /* local part is exact */
    r = kz_indset_hash(s, "d41d8cd98f00b204e9800998ECF8427E", 32);
    assert_int_equal(r.n, 1);
    kz_indset_get(s, r.first, &info, idbuf);
    assert_int_equal(info.type, KZ_IND_MD5);
    assert_string_equal(info.id, "indicator--1f2e3d4c-5b6a-4978-8a9b-abcdefabcdef");
    r = kz_indset_hash(s, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 64);
    kz_indset_get(s, r.first, &info, idbuf);
    assert_string_equal(info.id, "feed-42");
    assert_int_equal(kz_indset_hash(s, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4", 40).n, 0);
    hits h = {.s = s};
    assert_int_equal(kz_indset_domain(s, "www.shared.example", 18, collect, &h, NULL), 1);
    unsigned char a[4] = {1, 2, 3, 4};
    assert_int_equal(kz_indset_ipv4(s, a).n, 0);  /* no address indicators at all */
    size_t seen = 0;
    for (uint32_t i = 0; i < kz_indset_count(s); i++) {
        kz_indset_get(s, i, &info, idbuf);
        if (strcmp(info.value, "shared.example") == 0)
            seen++;
    }
    assert_int_equal(seen, 3);
    assert_true(kz_indset_bytes(s) > 0);
    kz_indset_free(s);
    kz_arena_free(&arena);
}

static void runs_report_every_source(void **state)
{
    (void)state;
    kz_arena_init(&arena);
    kz_indset_builder *b = kz_indset_builder_new();
    add(b, KZ_IND_IPV4, "198.51.100.7", "one");
    add(b, KZ_IND_IPV4, "198.51.100.8", "other");
    add(b, KZ_IND_IPV4, "198.51.100.7", "two");
    kz_indset *s = compile(b);
    unsigned char a[4] = {198, 51, 100, 7};
    kz_run r = kz_indset_ipv4(s, a);
    assert_int_equal(r.n, 2);
    kz_ind_info x, y;
    char b1[48], b2[48];
    kz_indset_get(s, r.first, &x, b1);
    kz_indset_get(s, r.first + 1, &y, b2);
    assert_string_equal(x.value, "198.51.100.7");
    assert_string_equal(y.value, "198.51.100.7");
    assert_true((strcmp(x.id, "one") == 0 && strcmp(y.id, "two") == 0) ||
                (strcmp(x.id, "two") == 0 && strcmp(y.id, "one") == 0));
    kz_indset_free(s);
    kz_arena_free(&arena);
}

static void empty_set_and_allocation_failure(void **state)
{
    (void)state;
    kz_arena_init(&arena);
    kz_indset *s = compile(kz_indset_builder_new());
    unsigned char a[16] = {0};
    assert_int_equal(kz_indset_ipv4(s, a).n, 0);
    assert_int_equal(kz_indset_ipv6(s, a).n, 0);
    assert_int_equal(kz_indset_domain(s, "a.b", 3, NULL, NULL, NULL), 0);
    assert_false(kz_indset_url_host(s, "a.b", 3));
    assert_int_equal(kz_indset_email(s, "a@b", 3).n, 0);
    kz_indset_free(s);
    long k = 0;
    for (;; k++) {
        assert_true(k < 10000);
        kz_indset_builder *b = kz_indset_builder_new();
        add(b, KZ_IND_DOMAIN, "a.example", NULL);
        add(b, KZ_IND_URL, "http://a.example/x*", NULL);
        add(b, KZ_IND_CIDR, "10.0.0.0/8", NULL);
        add(b, KZ_IND_IPV6, "2001:db8::1", "id");
        kz_err err;
        kz_alloc_fail_after(k);
        kz_rc rc = kz_indset_compile(b, &s, &err);
        kz_alloc_fail_after(-1);
        if (rc == KZ_OK)
            break;  /* enough allocations to finish: every earlier failure was clean */
        assert_int_equal(rc, KZ_ENOMEM);
    }
    assert_true(k > 0);
    assert_true(kz_indset_url_host(s, "a.example", 9));
    kz_indset_free(s);
    kz_arena_free(&arena);
}

/* Whether kz_indset_from_image takes img; a set it takes is looked up in (with answer:
 * and must find 10.1.2.3, which the image below holds). */
static kz_rc try_image(void *img, size_t n, const uint64_t *k, bool answer)
{
    kz_indset *t;
    kz_err err;
    kz_rc rc = kz_indset_from_image(img, n, k, NULL, NULL, &t, &err);
    if (rc == KZ_OK) {
        unsigned char a[16] = {10, 1, 2, 3};
        kz_run r = kz_indset_ipv4(t, a);
        assert_true(!answer || r.n > 0);
        (void)kz_indset_ipv6(t, a);
        hits h = {.s = t};
        (void)kz_indset_domain(t, "x.a.example", 11, collect, &h, NULL);
        (void)kz_indset_url_host(t, "a.example", 9);
        const char *u = "http://a.example/xyz";
        h.n = 0;
        (void)kz_indset_url(t, u, strlen(u), 7, 9, collect, &h);
        (void)kz_indset_hash(t, "d41d8cd98f00b204e9800998ecf8427e", 32);
        for (uint32_t i = 0; i < kz_indset_count(t); i++) {
            kz_ind_info info;
            char idbuf[48];
            kz_indset_get(t, i, &info, idbuf);
            assert_int_equal(strlen(info.value), info.value_len);
        }
        kz_indset_free(t);  /* release is NULL: img stays ours */
    }
    return rc;
}

static void images_of_other_keys_damaged_or_inconsistent_are_refused(void **state)
{
    (void)state;
    kz_arena_init(&arena);
    kz_indset_builder *b = kz_indset_builder_new();
    for (int i = 0; i < 5000; i++) {  /* enough intervals for the IPv4 bitmap and index */
        char v[32];
        snprintf(v, sizeof v, "10.%d.%d.0/24", i / 200, i % 200);
        add(b, KZ_IND_CIDR, v, NULL);
    }
    add(b, KZ_IND_DOMAIN, "a.example", "6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab");
    add(b, KZ_IND_URL, "http://a.example/x*", NULL);
    add(b, KZ_IND_IPV6, "2001:db8::1", "id");
    add(b, KZ_IND_MD5, "d41d8cd98f00b204e9800998ecf8427e", NULL);
    kz_indset *s;
    kz_err err;
    assert_int_equal(kz_indset_compile(b, &s, &err), KZ_OK);
    void *orig;
    size_t n;
    assert_int_equal(kz_indset_image(s, key, &orig, &n, &err), KZ_OK);
    kz_indset_free(s);
    unsigned char *img = kz_malloc(n);
    assert_non_null(img);
    memcpy(img, orig, n);
    assert_int_equal(try_image(img, n, key, true), KZ_OK);
    uint64_t other[KZ_INDSET_KEY_WORDS] = {1, 2, 3, 4, 5, 7};
    assert_int_equal(try_image(img, n, other, true), KZ_EINVAL);
    assert_int_equal(try_image(img, n - 64, key, true), KZ_EINVAL);  /* cut short */
    assert_int_equal(try_image(img, 16, key, true), KZ_EINVAL);
    uint32_t version;  /* after the magic and the checksum; an image of format 1 (FNV-1a host
                          names) or 2 (no parent filter) must be rebuilt, never read by this build */
    memcpy(&version, img + 24, 4);
    assert_int_equal(version, 3);
    for (version = 1; version < 3; version++) {
        memcpy(img, orig, n);
        memcpy(img + 24, &version, 4);
        kz_indset_image_seal(img, n);
        assert_int_equal(try_image(img, n, key, true), KZ_EINVAL);
    }
    memcpy(img, orig, n);
    srand(11);
    int refused_sealed = 0;
    for (int i = 0; i < 400; i++) {
        memcpy(img, orig, n);
        /* half the changes in the header and the first records, where the counts are */
        size_t at = i % 2 ? (size_t)rand() % 512 : (size_t)rand() % n;
        img[at] ^= (unsigned char)(1 + rand() % 255);
        assert_int_equal(try_image(img, n, key, true), KZ_EINVAL);  /* the checksum */
        kz_indset_image_seal(img, n);  /* past the checksum: refused, or safe to read */
        refused_sealed += try_image(img, n, key, false) == KZ_EINVAL;
    }
    assert_true(refused_sealed > 0);
    kz_free(img);
    kz_free(orig);
    kz_arena_free(&arena);
}

#define BOTH(t) cmocka_unit_test_setup(t, on_compiled), cmocka_unit_test_setup(t, on_image)

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(longest_prefix_wins),
        BOTH(random_prefixes_agree_with_brute_force),
        BOTH(domains_match_every_parent),
        BOTH(lowercase_walk_agrees),
        BOTH(walks_stop_only_where_nothing_longer_matches),
        BOTH(urls_exact_and_prefix),
        BOTH(exact_types_and_runs),
        BOTH(runs_report_every_source),
        cmocka_unit_test_setup(empty_set_and_allocation_failure, on_compiled),
        cmocka_unit_test_setup(empty_set_and_allocation_failure, on_image),
        cmocka_unit_test(images_of_other_keys_damaged_or_inconsistent_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
