/* Unit tests of the origin tally (engine/tally.h): events and distinct addresses per
 * (country, ASN), one address set for IPv4 and IPv6, the per-country address lists, and
 * a clean failure at every allocation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "engine/tally.h"
#include "util/alloc.h"

#include <stdlib.h>
#include <string.h>

static kz_geo_hit hit(uint32_t asn, const char *cc, const char *org)
{
    kz_geo_hit h = {asn, {0}, org, strlen(org)};
    memcpy(h.cc, cc, strlen(cc) + 1);
    return h;
}

static kz_ip v4(uint32_t a) { return (kz_ip){4, a, {0}}; }

static kz_ip v6(uint8_t first, uint8_t last)
{
    kz_ip ip = {6, 0, {0}};
    ip.v6[0] = first;
    ip.v6[15] = last;
    return ip;
}

static void tally_counts_events_and_distinct_addresses(void **state)
{
    (void)state;
    kz_tally *t = kz_tally_new(true);
    enum { N = 150000 };  /* past the first growth of the address set */
    kz_ip *ips = calloc(N, sizeof *ips);
    kz_geo_hit *hits = calloc(N, sizeof *hits);
    kz_time *times = calloc(N, sizeof *times);
    for (size_t i = 0; i < N; i++) {
        ips[i] = v4((uint32_t)(i % 50000) * 7919u);  /* 50,000 distinct, each 3 times */
        /* an address always routes the same way (the invariant the tally relies on) */
        hits[i] = i % 50000 % 3 == 0 ? hit(13335, "AU", "Cloudflare") : hit(2500, "JP", "WIDE");
        times[i] = 1000 + (kz_time)i;
    }
    /* the addresses a slot cannot hold (all zero) and the highest one */
    ips[0] = ips[50000] = ips[100000] = v4(UINT32_MAX);
    ips[1] = ips[50001] = ips[100001] = v6(0, 0);
    assert_int_equal(kz_tally_add(t, ips, hits, times, N), KZ_OK);
    assert_int_equal(kz_tally_add(t, ips, hits, NULL, 2), KZ_OK);  /* seen again */
    kz_tally_add_unresolved(t);
    kz_tally_add_resolved(t);
    kz_arena a;
    kz_arena_init(&a);
    kz_tally_summary s;
    assert_int_equal(kz_tally_summarize(t, &a, &s), KZ_OK);
    assert_int_equal(s.events, N + 2);
    assert_int_equal(s.unresolved, 1);
    assert_int_equal(s.resolved, 1);
    assert_int_equal(s.ncountries, 2);
    assert_string_equal(s.countries[0].cc, "JP");  /* most events first */
    assert_string_equal(s.countries[0].name, "Japan");
    assert_int_equal(s.countries[0].events + s.countries[1].events, N + 2);
    /* 50,000 distinct: 49,998 ordinary IPv4 (0.0.0.0 among them), 255.255.255.255 and :: */
    assert_int_equal(s.addresses, 50000);
    assert_true(s.countries[1].first == 1000 && s.countries[0].last == 1000 + N - 1);
    kz_tally_addr *v;
    size_t n;
    assert_int_equal(kz_tally_addresses(t, "AU", &a, &v, &n), KZ_OK);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i].events;
    assert_int_equal(sum, s.countries[1].events);
    assert_int_equal(n, s.countries[1].addresses);
    kz_arena_free(&a);
    kz_tally_free(t);
    free(ips);
    free(hits);
    free(times);
}

/* IPv4 1.0.0.2 and IPv6 100::2 share no slot although their first bytes agree; the all-
 * zero address of each family is its own; each listed address comes back as it came. */
static void families_are_distinct_and_listed_as_given(void **state)
{
    (void)state;
    kz_tally *t = kz_tally_new(true);
    kz_ip ips[] = {v4(0x01000002), v6(1, 2), v4(0), v6(0, 0), v6(1, 2), v4(0)};
    kz_geo_hit hits[6];
    for (int i = 0; i < 6; i++)
        hits[i] = i == 1 || i == 4 ? hit(64500, "", "") : hit(2500, "JP", "WIDE");
    assert_int_equal(kz_tally_add(t, ips, hits, NULL, 6), KZ_OK);
    kz_arena a;
    kz_arena_init(&a);
    kz_tally_summary s;
    assert_int_equal(kz_tally_summarize(t, &a, &s), KZ_OK);
    assert_int_equal(s.addresses, 4);
    assert_int_equal(s.ncountries, 2);
    assert_string_equal(s.countries[1].cc, "");  /* the uncovered ones last */
    assert_string_equal(s.countries[1].name, "not in the routing data");
    kz_tally_addr *v;
    size_t n;
    assert_int_equal(kz_tally_addresses(t, "", &a, &v, &n), KZ_OK);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].ip.family, 6);
    assert_memory_equal(v[0].ip.v6, ips[1].v6, 16);
    assert_int_equal(v[0].events, 2);
    assert_int_equal(v[0].asn, 64500);
    assert_int_equal(kz_tally_addresses(t, "JP", &a, &v, &n), KZ_OK);
    assert_int_equal(n, 3);
    int zero4 = 0, zero6 = 0, other = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i].ip.family == 4 && v[i].ip.v4 == 0)
            zero4 += v[i].events == 2;
        else if (v[i].ip.family == 6)
            zero6 += v[i].events == 1;
        else
            other += v[i].ip.v4 == 0x01000002 && v[i].events == 1;
    }
    assert_true(zero4 == 1 && zero6 == 1 && other == 1);
    kz_arena_free(&a);
    kz_tally_free(t);
}

static void addresses_need_detail(void **state)
{
    (void)state;
    kz_tally *t = kz_tally_new(false);
    kz_ip ip = v4(0x08080808);
    kz_geo_hit h = hit(15169, "US", "Google");
    assert_int_equal(kz_tally_add(t, &ip, &h, NULL, 1), KZ_OK);
    kz_arena a;
    kz_arena_init(&a);
    kz_tally_addr *v;
    size_t n;
    assert_int_equal(kz_tally_addresses(t, "US", &a, &v, &n), KZ_ECONFLICT);
    assert_int_equal(n, 0);
    kz_arena_free(&a);
    kz_tally_free(t);
}

/* Every allocation of a run that grows both families' sets and the groups fails in
 * turn: KZ_ENOMEM, nothing leaks (ASan), and once nothing fails the counts are right. */
static void every_allocation_failure_is_clean(void **state)
{
    (void)state;
    enum { N = 40000 };
    kz_ip *ips = calloc(N, sizeof *ips);
    kz_geo_hit *hits = calloc(N, sizeof *hits);
    for (size_t i = 0; i < N; i++) {
        ips[i] = i % 2 ? v4((uint32_t)i) : v6((uint8_t)(i >> 8), (uint8_t)i);
        ips[i].v6[7] = (uint8_t)(i >> 16);
        hits[i] = hit((uint32_t)(i % 700), i % 3 ? "JP" : "KR", "AS");
    }
    for (long k = 0;; k++) {
        kz_tally *t = NULL;
        kz_alloc_fail_after(k);
        t = kz_tally_new(true);
        kz_rc rc = t ? kz_tally_add(t, ips, hits, NULL, N) : KZ_ENOMEM;
        kz_alloc_fail_after(-1);
        if (rc == KZ_OK) {
            kz_arena a;
            kz_arena_init(&a);
            kz_tally_summary s;
            assert_int_equal(kz_tally_summarize(t, &a, &s), KZ_OK);
            assert_int_equal(s.events, N);
            assert_int_equal(s.addresses, N);  /* every address distinct, half of each family */
            assert_int_equal(s.ncountries, 2);
            kz_arena_free(&a);
            kz_tally_free(t);
            break;
        }
        assert_int_equal(rc, KZ_ENOMEM);
        kz_tally_free(t);
    }
    free(ips);
    free(hits);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tally_counts_events_and_distinct_addresses),
        cmocka_unit_test(families_are_distinct_and_listed_as_given),
        cmocka_unit_test(addresses_need_detail),
        cmocka_unit_test(every_allocation_failure_is_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
