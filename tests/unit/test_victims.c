/* Unit tests of the matcher's write-back and the victim statistics on a real SQLite
 * file: indicators loaded as the caller may see them, matches summed into sightings per
 * indicator and day, victims kept as keyed hashes, distinct counts per period and per
 * incident class or sector with the change against the period before, idempotent
 * re-runs, and other organizations seeing nothing of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec/core/chart_svg.h"
#include "codec/telemetry/victims_json.h"
#include "helpers.h"
#include "service/telemetry/match_sources.h"
#include "service/sharing/incidents.h"
#include "service/sharing/indicators.h"
#include "service/sharing/sightings.h"
#include "service/telemetry/victims.h"

#include <math.h>

static kz_strlist one(kz_fixture *f, const char *id)
{
    char **v = kz_arena_calloc(&f->arena, 1, sizeof *v);
    v[0] = (char *)id;
    return (kz_strlist){v, 1};
}

static const char *incident(kz_fixture *f, const char *type, const char *sector)
{
    kz_incident o = {.title = (char *)"campaign", .rsit_type = (char *)type, .sector = (char *)sector,
                     .tlp = KZ_TLP_AMBER};
    assert_int_equal(kz_svc_incident_create(&f->call, &o), KZ_OK);
    return o.id;
}

static void indicator(kz_call *c, int type, const char *value, int tlp, kz_strlist incidents)
{
    kz_indicator o = {.type = type, .value = (char *)value, .tlp = tlp, .incidents = incidents};
    kz_upsert res;
    assert_int_equal(kz_svc_indicator_create(c, &o, KZ_GIVEN_TLP, &res), KZ_OK);
}

/* Days of 2026: Jan 10, Feb 10, Feb 20, Mar 5 (epoch seconds at noon UTC). */
static const long long day_s[] = {1768046400, 1770724800, 1771588800, 1772712000};

static const char *write_log(kz_fixture *f)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/proxy.log", f->dir);
    FILE *out = fopen(path, "w");
    /* January: 2 victims of the phishing domain. February: 5 of it (one of them twice,
     * on two days), 1 of the malware address. March: 1 through the URL (no incident),
     * and a benign line. */
    struct {
        int day;
        const char *client, *url, *peer;
    } lines[] = {
        {0, "10.0.0.1", "http://login.phish.example/", "192.0.2.1"},
        {0, "10.0.0.2", "http://phish.example/a", "192.0.2.1"},
        {1, "10.0.0.1", "http://phish.example/b", "192.0.2.1"},
        {1, "10.0.0.3", "http://phish.example/b", "192.0.2.1"},
        {1, "10.0.0.4", "http://good.example/", "198.51.100.66"},
        {2, "10.0.0.3", "http://phish.example/c", "192.0.2.1"},
        {2, "10.0.0.5", "http://phish.example/c", "192.0.2.1"},
        {2, "10.0.0.6", "http://phish.example/c", "192.0.2.1"},
        {2, "10.0.0.7", "http://phish.example/c", "192.0.2.1"},
        {3, "10.0.0.8", "http://kit.example/x/y.php", "192.0.2.1"},
        {3, "10.0.0.9", "http://good.example/", "192.0.2.1"},
    };
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
        fprintf(out, "%lld.%03zu 10 %s TCP_MISS/200 10 GET %s - HIER_DIRECT/%s text/html\n",
                day_s[lines[i].day], i, lines[i].client, lines[i].url, lines[i].peer);
    fclose(out);
    return path;
}

static kz_indset *load(kz_call *c)
{
    kz_indset_builder *b = kz_indset_builder_new();
    kz_ind_load_report rep = {0};
    assert_int_equal(kz_match_load_db(c, b, &rep), KZ_OK);
    kz_indset *s;
    kz_err err;
    assert_int_equal(kz_indset_compile(b, &s, &err), KZ_OK);
    return s;
}

static void run_match(kz_call *c, kz_indset *s, const char *path, kz_match_record_report *rr)
{
    char *inputs[] = {(char *)path};
    kz_match_opts o = {.inputs = inputs, .n_inputs = 1, .threads = 2};
    o.fmt.format = KZ_FMT_SQUID;
    kz_match_recorder *r = kz_match_recorder_new(c, s, KZ_TLP_AMBER);
    assert_non_null(r);
    kz_match_stats st;
    kz_err err;
    assert_int_equal(kz_match_run(s, &o, kz_match_recorder_add, r, &st, &err), KZ_OK);
    assert_int_equal(kz_match_recorder_finish(r, rr), KZ_OK);
    kz_match_recorder_free(r);
}

static const kz_victim_stat *find(const kz_victim_stat *v, size_t n, const char *period, const char *group)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].period, period) == 0 &&
            ((!group && !v[i].group) || (group && v[i].group && strcmp(group, v[i].group) == 0)))
            return &v[i];
    return NULL;
}

static void victims_per_period_class_and_sector(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    const char *phishing = incident(f, "phishing", "banking");
    const char *malware = incident(f, "malware-distribution", "health");
    indicator(&f->call, KZ_IND_DOMAIN, "phish.example", KZ_TLP_GREEN, one(f, phishing));
    indicator(&f->call, KZ_IND_IPV4, "198.51.100.66", KZ_TLP_AMBER, one(f, malware));
    indicator(&f->call, KZ_IND_URL, "http://kit.example/x/*", KZ_TLP_GREEN, (kz_strlist){0});
    /* an indicator another organization keeps to itself is not matched at all */
    kz_org *other = kz_fixture_org(f, "Other CSIRT", "FR");
    kz_call as_other = kz_fixture_as(f, other->id, KZ_ROLE_ANALYST);
    indicator(&as_other, KZ_IND_DOMAIN, "good.example", KZ_TLP_RED, (kz_strlist){0});

    kz_indset *s = load(&f->call);
    assert_int_equal(kz_indset_count(s), 3);
    const char *log = write_log(f);
    kz_match_record_report rr;
    run_match(&f->call, s, log, &rr);
    /* phish.example on days 0, 1, 2; the address on day 1; the URL on day 3 */
    assert_int_equal(rr.sightings, 5);
    assert_int_equal(rr.victims_added, 2 + 2 + 4 + 1 + 1);

    kz_victim_query q = {.period = KZ_PERIOD_MONTH, .by = KZ_VICTIMS_TOTAL};
    kz_victim_stat *v;
    size_t n;
    assert_int_equal(kz_svc_victim_stats(&f->call, &q, &v, &n), KZ_OK);
    assert_int_equal(n, 3);
    assert_string_equal(v[0].period, "2026-01");
    assert_string_equal(v[0].start, "2026-01-01");
    assert_int_equal(v[0].victims, 2);
    assert_int_equal(v[0].previous, -1);
    assert_true(isnan(v[0].change_pct));
    assert_string_equal(v[1].period, "2026-02");
    assert_int_equal(v[1].victims, 6);  /* 10.0.0.3 counted once over its two days */
    assert_int_equal(v[1].previous, 2);
    assert_true(fabs(v[1].change_pct - 200.0) < 1e-9);
    assert_int_equal(v[2].victims, 1);
    assert_true(fabs(v[2].change_pct + 100.0 * 5 / 6) < 1e-9);

    q.by = KZ_VICTIMS_BY_CLASS;
    assert_int_equal(kz_svc_victim_stats(&f->call, &q, &v, &n), KZ_OK);
    assert_int_equal(find(v, n, "2026-02", "fraud")->victims, 5);
    assert_int_equal(find(v, n, "2026-02", "malicious-code")->victims, 1);
    assert_int_equal(find(v, n, "2026-03", NULL)->victims, 1);  /* no incident */
    assert_int_equal(find(v, n, "2026-02", "fraud")->previous, 2);
    q.by = KZ_VICTIMS_BY_SECTOR;
    assert_int_equal(kz_svc_victim_stats(&f->call, &q, &v, &n), KZ_OK);
    assert_int_equal(find(v, n, "2026-02", "banking")->victims, 5);
    assert_int_equal(find(v, n, "2026-02", "health")->victims, 1);

    /* quarters and half-years, weeks (ISO), days; since/until */
    q = (kz_victim_query){.period = KZ_PERIOD_QUARTER, .by = KZ_VICTIMS_TOTAL};
    assert_int_equal(kz_svc_victim_stats(&f->call, &q, &v, &n), KZ_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].period, "2026-Q1");
    assert_int_equal(v[0].victims, 8);  /* 10.0.0.1 to .8, each once over the quarter */
    q.period = KZ_PERIOD_HALF;
    assert_int_equal(kz_svc_victim_stats(&f->call, &q, &v, &n), KZ_OK);
    assert_string_equal(v[0].period, "2026-H1");
    q.period = KZ_PERIOD_WEEK;
    assert_int_equal(kz_svc_victim_stats(&f->call, &q, &v, &n), KZ_OK);
    assert_string_equal(v[0].period, "2026-W02");  /* Saturday 10 January 2026 */
    assert_string_equal(v[0].start, "2026-01-05");
    q = (kz_victim_query){.period = KZ_PERIOD_MONTH, .since = "2026-02-15", .until = "2026-03-01"};
    assert_int_equal(kz_svc_victim_stats(&f->call, &q, &v, &n), KZ_OK);
    assert_int_equal(n, 1);  /* February, counted from its start; January only as previous */
    assert_int_equal(v[0].victims, 6);
    assert_int_equal(v[0].previous, 2);
    q.since = "last week";
    assert_int_equal(kz_svc_victim_stats(&f->call, &q, &v, &n), KZ_EINVAL);
    assert_string_equal(f->err.field, "since");

    /* matching the same log again changes nothing */
    run_match(&f->call, s, log, &rr);
    assert_int_equal(rr.victims_added, 0);
    q = (kz_victim_query){.period = KZ_PERIOD_MONTH};
    assert_int_equal(kz_svc_victim_stats(&f->call, &q, &v, &n), KZ_OK);
    assert_int_equal(v[1].victims, 6);
    kz_sighting_sum_page page;
    kz_page pg = {.limit = 100};
    assert_int_equal(kz_svc_sighting_sums_by_indicator(&f->call, NULL, 0, 0, &pg, &page), KZ_OK);
    int64_t total = 0;
    for (size_t i = 0; i < page.n; i++)
        total += page.items[i].count;
    assert_int_equal(total, 10);  /* the matches of the first run, replaced by the second */

    /* another organization sees none of these victims */
    kz_call viewer = kz_fixture_as(f, other->id, KZ_ROLE_VIEWER);
    assert_int_equal(kz_svc_victim_stats(&viewer, &q, &v, &n), KZ_OK);
    assert_int_equal(n, 0);
    /* nor may a viewer record any */
    kz_victim_row row = {.indicator = "x", .day = 1};
    size_t added;
    assert_int_equal(kz_svc_victims_record(&viewer, &row, 1, &added), KZ_EFORBIDDEN);
    kz_indset_free(s);
    kz_fixture_free(f);
}

static void victim_keys_and_days(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    unsigned char a[KZ_VICTIM_KEY_BYTES], b[KZ_VICTIM_KEY_BYTES], c[KZ_VICTIM_KEY_BYTES];
    kz_victim_key(f->node, "10.0.0.1", 8, a);
    kz_victim_key(f->node, "10.0.0.1", 8, b);
    kz_victim_key(f->node, "10.0.0.2", 8, c);
    assert_memory_equal(a, b, sizeof a);
    assert_memory_not_equal(a, c, sizeof a);
    assert_int_equal(kz_day_of(0), 0);
    assert_int_equal(kz_day_of(86400000 - 1), 0);
    assert_int_equal(kz_day_of(-1), -1);
    char d[11];
    kz_day_format(20517, d);
    assert_string_equal(d, "2026-03-05");
    kz_fixture_free(f);
}

static void charts_and_json(void **state)
{
    (void)state;
    kz_victim_stat rows[] = {
        {"2026-H1", "2026-01-01", "fraud", 1856250, -1, NAN},
        {"2026-H1", "2026-01-01", "<script>&", 3, -1, NAN},
        {"2026-H2", "2026-07-01", "fraud", 2970000, 1856250, 60.0},
    };
    kz_victim_query q = {.period = KZ_PERIOD_HALF, .by = KZ_VICTIMS_BY_CLASS};
    kz_buf b;
    kz_buf_init(&b, 1 << 20);
    assert_int_equal(kz_victim_stats_svg(&b, &q, rows, 3), KZ_OK);
    assert_non_null(strstr(b.p, "<svg"));
    assert_null(strstr(b.p, "<script>"));  /* names are escaped */
    assert_non_null(strstr(b.p, "&lt;script&gt;&amp;"));
    assert_non_null(strstr(b.p, "Distinct victims per half-year by class"));
    assert_non_null(strstr(b.p, ">3M<"));  /* the axis ends on a round number */
    assert_non_null(strstr(b.p, "fraud 2026-H2: 2.97M"));
    kz_buf_free(&b);
    assert_int_equal(kz_victim_stats_svg(&b, &q, rows, 0), KZ_EINVAL);
    json_t *j = kz_victim_stats_json(&q, rows, 3);
    char *t = json_dumps(j, JSON_COMPACT);
    assert_string_equal(t,
        "{\"period\":\"half-year\",\"by\":\"class\",\"rows\":["
        "{\"period\":\"2026-H1\",\"start\":\"2026-01-01\",\"group\":\"fraud\","
        "\"victims\":1856250,\"previous\":null,\"change_pct\":null},"
        "{\"period\":\"2026-H1\",\"start\":\"2026-01-01\",\"group\":\"<script>&\","
        "\"victims\":3,\"previous\":null,\"change_pct\":null},"
        "{\"period\":\"2026-H2\",\"start\":\"2026-07-01\",\"group\":\"fraud\","
        "\"victims\":2970000,\"previous\":1856250,\"change_pct\":60.0}]}");
    free(t);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(victims_per_period_class_and_sector),
        cmocka_unit_test(victim_keys_and_days),
        cmocka_unit_test(charts_and_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
