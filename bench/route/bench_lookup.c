/* Lookup benchmark: Kizuna's geo table against libmaxminddb on the same routing data
 * (the .mmdb written by make_mmdb.pl from the same range files), on the same random
 * addresses, one core. Every answer (ASN and country) is compared; the run fails on
 * the first difference.
 *
 *   bench_lookup TABLE.kzg DATA.mmdb N IPV6-RANGES.csv
 *
 * IPv4 addresses are uniform over the whole space; IPv6 addresses are drawn uniformly
 * inside ranges of the given range file (uniform IPv6 addresses would almost all fall
 * outside the data and test nothing). Each timing is the best of three runs. */
#include "codec/routing/geo_ranges.h"
#include "engine/geo.h"
#include "util/mapfile.h"

#include <arpa/inet.h>
#include <maxminddb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

typedef struct answers {
    uint32_t *asn;
    uint16_t *cc;
} answers;

static uint16_t cc16(const char *cc) { return (uint16_t)((unsigned char)cc[0] << 8 | (unsigned char)cc[1]); }

static void kizuna_answers(const kz_geo_table *t, const uint32_t *ids, size_t n, answers *a)
{
    for (size_t i = 0; i < n; i++) {
        kz_geo_answer g;
        kz_geo_record(t, ids[i], &g);
        a->asn[i] = g.asn;
        a->cc[i] = cc16(g.cc);
    }
}

static void mmdb_answer(MMDB_s *db, const struct sockaddr *sa, uint32_t *asn, uint16_t *cc)
{
    int e;
    MMDB_lookup_result_s r = MMDB_lookup_sockaddr(db, sa, &e);
    *asn = 0;
    *cc = 0;
    if (e != MMDB_SUCCESS || !r.found_entry)
        return;
    MMDB_entry_data_s d;
    if (MMDB_get_value(&r.entry, &d, "autonomous_system_number", NULL) == MMDB_SUCCESS && d.has_data)
        *asn = d.uint32;
    if (MMDB_get_value(&r.entry, &d, "country_code", NULL) == MMDB_SUCCESS && d.has_data &&
        d.data_size == 2)
        *cc = cc16(d.utf8_string);
}

static int compare(const char *fam, const answers *k, const answers *m, size_t n,
                   const void *ips, int v6)
{
    for (size_t i = 0; i < n; i++) {
        if (k->asn[i] != m->asn[i] || k->cc[i] != m->cc[i]) {
            char text[64];
            if (v6) {
                inet_ntop(AF_INET6, ((const uint8_t(*)[16])ips)[i], text, sizeof text);
            } else {
                uint32_t be = htonl(((const uint32_t *)ips)[i]);
                inet_ntop(AF_INET, &be, text, sizeof text);
            }
            fprintf(stderr, "%s answers differ at %s: kizuna AS%u %c%c, libmaxminddb AS%u %c%c\n",
                    fam, text, k->asn[i], k->cc[i] >> 8, k->cc[i] & 255, m->asn[i], m->cc[i] >> 8,
                    m->cc[i] & 255);
            return 1;
        }
    }
    return 0;
}

static void row(const char *what, size_t n, double secs, double base)
{
    printf("  %-44s %8.1f M/s", what, n / secs / 1e6);
    if (base > 0)
        printf("   %6.1fx libmaxminddb", base / secs);
    printf("\n");
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: bench_lookup TABLE.kzg DATA.mmdb N IPV6-RANGES.csv\n");
        return 2;
    }
    size_t n = strtoull(argv[3], NULL, 10);
    kz_err err;
    const void *p;
    size_t len;
    kz_geo_table *t;
    if (kz_map_file(argv[1], &p, &len, &err) || kz_geo_table_open(p, len, kz_unmap_file, NULL, &t, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    MMDB_s db;
    int rc = MMDB_open(argv[2], MMDB_MODE_MMAP, &db);
    if (rc != MMDB_SUCCESS) {
        fprintf(stderr, "%s: %s\n", argv[2], MMDB_strerror(rc));
        return 1;
    }
    uint32_t *ip4 = malloc(n * 4), *ids = malloc(n * 4);
    uint8_t(*ip6)[16] = malloc(n * 16);
    answers k = {malloc(n * 4), malloc(n * 2)}, m = {malloc(n * 4), malloc(n * 2)};
    if (!ip4 || !ids || !ip6 || !k.asn || !k.cc || !m.asn || !m.cc) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    /* Touch every output page before timing, so that no run pays for page faults. */
    memset(ids, 0xff, n * 4);
    memset(k.asn, 0xff, n * 4);  /* not 0: malloc + memset 0 may become a lazy calloc */
    memset(k.cc, 0xff, n * 2);
    memset(m.asn, 0xff, n * 4);
    memset(m.cc, 0xff, n * 2);
    size_t nr = 0, cap = 0;
    kz_u128 (*ranges)[2] = NULL;
    FILE *rf = fopen(argv[4], "r");
    char *line = NULL, scratch[8192];
    size_t lcap = 0;
    ssize_t got;
    while (rf && (got = getline(&line, &lcap, rf)) > 0 && (size_t)got < sizeof scratch) {
        kz_geo_range r;
        kz_geo_layer layer;
        if (kz_geo_parse_line(line, (size_t)got - (line[got - 1] == '\n'), 0, scratch, &r, &layer, &err) ||
            r.family != 6)
            continue;
        if (nr == cap && !(ranges = realloc(ranges, (cap = cap ? 2 * cap : 1024) * sizeof *ranges)))
            return 1;
        ranges[nr][0] = r.first;
        ranges[nr++][1] = r.last;
    }
    if (rf)
        fclose(rf);
    free(line);
    if (!nr) {
        fprintf(stderr, "%s: no IPv6 ranges\n", argv[4]);
        return 1;
    }
    uint64_t seed = 20240601;
    for (size_t i = 0; i < n; i++) {
        ip4[i] = (uint32_t)splitmix(&seed);
        size_t r = splitmix(&seed) % nr;
        kz_u128 span = ranges[r][1] - ranges[r][0];
        kz_u128 x = (kz_u128)splitmix(&seed) << 64 | splitmix(&seed);
        x = ranges[r][0] + (span == ~(kz_u128)0 ? x : x % (span + 1));
        for (int b = 0; b < 16; b++)
            ip6[i][b] = (uint8_t)(x >> (120 - 8 * b));
    }
    free(ranges);
    kz_geo_info info;
    kz_geo_table_info(t, &info);
    printf("lookups on %zu random addresses per family, one thread, best of 3 "
           "(%u IPv4 + %u IPv6 ranges)\n", n, info.v4_ranges, info.v6_ranges);

    /* IPv4 */
    struct sockaddr_in sin = {.sin_family = AF_INET};
    double t0, mm4 = 1e9, single4 = 1e9, batch4 = 1e9, ids4 = 1e9, mmids4 = 1e9, mm6 = 1e9, batch6 = 1e9;
#define BEST(var, body)                                                                            \
    for (int rep_ = 0; rep_ < 3; rep_++) {                                                         \
        t0 = now();                                                                                \
        body;                                                                                      \
        double d_ = now() - t0;                                                                    \
        var = d_ < var ? d_ : var;                                                                 \
    }
    BEST(mm4, for (size_t i = 0; i < n; i++) {
        sin.sin_addr.s_addr = htonl(ip4[i]);
        mmdb_answer(&db, (struct sockaddr *)&sin, &m.asn[i], &m.cc[i]);
    })
    BEST(single4, for (size_t i = 0; i < n; i++) ids[i] = kz_geo_find4(t, ip4[i]);
         kizuna_answers(t, ids, n, &k))
    if (compare("IPv4", &k, &m, n, ip4, 0))
        return 1;
    memset(k.asn, 0, n * 4);
    kz_geo_answer *ans = malloc(n * sizeof *ans);
    if (!ans)
        return 1;
    memset(ans, 0xff, n * sizeof *ans);  /* page faults outside the timing */
    BEST(batch4, kz_geo_lookup4_batch(t, ip4, ans, n))
    for (size_t i = 0; i < n; i++) {
        k.asn[i] = ans[i].asn;
        k.cc[i] = cc16(ans[i].cc);
    }
    if (compare("IPv4", &k, &m, n, ip4, 0))
        return 1;
    BEST(ids4, kz_geo_find4_batch(t, ip4, ids, n))
    uint64_t sink = 0;
    BEST(mmids4, for (size_t i = 0; i < n; i++) {
        int e;
        sin.sin_addr.s_addr = htonl(ip4[i]);
        MMDB_lookup_result_s r = MMDB_lookup_sockaddr(&db, (struct sockaddr *)&sin, &e);
        sink += r.entry.offset;
    })
    printf("IPv4 (address -> ASN and country; answers of all %zu equal)\n", n);
    row("libmaxminddb MMDB_lookup_sockaddr+get_value", n, mm4, 0);
    row("kizuna kz_geo_find4, one at a time", n, single4, mm4);
    row("kizuna kz_geo_lookup4_batch", n, batch4, mm4);
    printf("IPv4, the lookup alone (data entry / record id, not decoded)\n");
    row("libmaxminddb MMDB_lookup_sockaddr", n, mmids4, 0);
    row("kizuna kz_geo_find4_batch", n, ids4, mmids4);
    if (sink == 1)
        printf("\n");

    /* IPv6 */
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
    BEST(mm6, for (size_t i = 0; i < n; i++) {
        memcpy(&sin6.sin6_addr, ip6[i], 16);
        mmdb_answer(&db, (struct sockaddr *)&sin6, &m.asn[i], &m.cc[i]);
    })
    BEST(batch6, kz_geo_find6_batch(t, (const uint8_t(*)[16])ip6, ids, n); kizuna_answers(t, ids, n, &k))
    if (compare("IPv6", &k, &m, n, ip6, 1))
        return 1;
    size_t covered = 0;
    for (size_t i = 0; i < n; i++)
        covered += k.asn[i] != 0;
    printf("IPv6 inside the data's ranges (answers of all %zu equal; %zu with an AS)\n", n, covered);
    row("libmaxminddb MMDB_lookup_sockaddr+get_value", n, mm6, 0);
    row("kizuna kz_geo_find6_batch", n, batch6, mm6);
    printf("table memory: %.1f MB mapped: IPv4 index and runs %.1f MB, IPv6 %.1f MB, answers %.1f MB\n",
           info.bytes / 1e6, info.v4_bytes / 1e6, info.v6_bytes / 1e6, info.answer_bytes / 1e6);
    printf("RESULT ipv4_mps=%.1f ipv4_ratio=%.1f ipv6_mps=%.1f ipv6_ratio=%.1f\n", n / batch4 / 1e6,
           mm4 / batch4, n / batch6 / 1e6, mm6 / batch6);
    MMDB_close(&db);
    kz_geo_table_free(t);
    return 0;
}
