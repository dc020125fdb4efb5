/* Unit tests of the matcher: engine/match (each kind of observed value as logs write
 * it) and the pipeline of service/match (worker threads over small blocks, matches in
 * input order with the right line numbers, gzip, several inputs, bad input counted). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec/telemetry/logfmt.h"
#include "engine/match.h"
#include "service/telemetry/match.h"
#include "util/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static kz_indset *set;
static char dir[64];

static const char *const indicators[][2] = {
    {"ipv4", "203.0.113.9"},       {"cidr", "198.51.100.0/24"},   {"ipv6", "2001:db8::bad"},
    {"cidr", "2001:db8:ff::/48"},  {"domain", "evil.example"},    {"domain", "bücher.example"},
    {"url", "http://phish.example/login*"}, {"url", "https://kit.example/a/b.php?x=1"},
    {"email", "Boss@Evil.Example"}, {"md5", "d41d8cd98f00b204e9800998ecf8427e"},
    {"sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
};

/* A compiled set of the n (type, value) pairs in *out (the caller frees it with
 * kz_indset_free); KZ_OK or the first error. */
static kz_rc build_set(const char *const (*inds)[2], size_t n, kz_indset **out)
{
    kz_arena a;
    kz_arena_init(&a);
    kz_indset_builder *b = kz_indset_builder_new();
    kz_err err;
    kz_rc rc = KZ_OK;
    for (size_t i = 0; i < n && rc == KZ_OK; i++) {
        kz_norm nm;
        kz_ind_type t = (kz_ind_type)kz_enum_parse(&kz_ind_type_enum, inds[i][0]);
        rc = kz_indicator_normalize(t, inds[i][1], strlen(inds[i][1]), &a, "v", &nm, &err);
        if (rc == KZ_OK)
            rc = kz_indset_add(b, t, &nm, NULL, &err);
    }
    if (rc == KZ_OK)
        rc = kz_indset_compile(b, out, &err);
    else
        kz_indset_builder_free(b);
    kz_arena_free(&a);
    return rc;
}

static int setup(void **state)
{
    (void)state;
    kz_rc rc = build_set(indicators, sizeof indicators / sizeof *indicators, &set);
    snprintf(dir, sizeof dir, "/tmp/kz-match-XXXXXX");
    return rc || !mkdtemp(dir) ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    kz_indset_free(set);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

typedef struct got {
    char v[16][160];
    int n;
} got;

static void collect(void *ctx, const kz_logfield *f, kz_run r, const char *obs, size_t obs_len)
{
    (void)f;
    got *g = ctx;
    kz_ind_info info;
    char idbuf[48];
    kz_indset_get(set, r.first, &info, idbuf);
    if (g->n < 16)
        snprintf(g->v[g->n++], sizeof g->v[0], "%s<-%.*s", info.value, (int)obs_len, obs);
}

/* What a value of a kind matches, as "indicator<-observed;...". */
static const char *match(kz_obs_kind kind, const char *v)
{
    static char out[2048];
    static kz_match_scratch sc;
    got g = {.n = 0};
    kz_logfield f = {.name = "f", .name_len = 1, .v = v, .len = strlen(v), .kind = kind};
    kz_match_field(set, &sc, &f, collect, NULL, &g);
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < g.n; i++)
        o += (size_t)snprintf(out + o, sizeof out - o, "%s%s", i ? ";" : "", g.v[i]);
    return out;
}

static void values_as_logs_write_them(void **state)
{
    (void)state;
    /* addresses: ports, brackets, IPv6 forms, IPv4-mapped, zones, CIDR containment */
    assert_string_equal(match(KZ_OBS_IP, "203.0.113.9"), "203.0.113.9<-203.0.113.9");
    assert_string_equal(match(KZ_OBS_IP, "203.0.113.9:443"), "203.0.113.9<-203.0.113.9");
    assert_string_equal(match(KZ_OBS_IP, "198.51.100.250"), "198.51.100.0/24<-198.51.100.250");
    assert_string_equal(match(KZ_OBS_IP, "2001:DB8:0:0:0:0:0:BAD"), "2001:db8::bad<-2001:DB8:0:0:0:0:0:BAD");
    assert_string_equal(match(KZ_OBS_IP, "[2001:db8::bad]:8443"), "2001:db8::bad<-2001:db8::bad");
    assert_string_equal(match(KZ_OBS_IP, "2001:db8:ff:1::7"), "2001:db8:ff::/48<-2001:db8:ff:1::7");
    assert_string_equal(match(KZ_OBS_IP, "::ffff:203.0.113.9"), "203.0.113.9<-::ffff:203.0.113.9");
    assert_string_equal(match(KZ_OBS_IP, "fe80::1%eth0"), "");
    assert_string_equal(match(KZ_OBS_IP, "203.0.113.90"), "");
    assert_string_equal(match(KZ_OBS_IP, "203.0.113"), "");
    /* host names: every parent, any case, trailing dot, port, IDN, address literals */
    assert_string_equal(match(KZ_OBS_HOST, "a.b.EVIL.example."), "evil.example<-a.b.EVIL.example.");
    assert_string_equal(match(KZ_OBS_HOST, "evil.example:443"), "evil.example<-evil.example");
    assert_string_equal(match(KZ_OBS_HOST, "notevil.example"), "");
    assert_string_equal(match(KZ_OBS_HOST, "www.BÜCHER.example"), "xn--bcher-kva.example<-www.BÜCHER.example");
    assert_string_equal(match(KZ_OBS_HOST, "www.xn--bcher-kva.example"),
                        "xn--bcher-kva.example<-www.xn--bcher-kva.example");
    assert_string_equal(match(KZ_OBS_HOST, "203.0.113.9"), "203.0.113.9<-203.0.113.9");
    assert_string_equal(match(KZ_OBS_HOST, "[2001:db8::bad]:443"), "2001:db8::bad<-2001:db8::bad");
    /* URLs: the host as a host; the URL canonicalized as on import */
    assert_string_equal(match(KZ_OBS_URL, "http://www.evil.example/x"), "evil.example<-www.evil.example");
    assert_string_equal(match(KZ_OBS_URL, "HTTP://PHISH.example:80/./login.php?u=1"),
                        "http://phish.example/login*<-HTTP://PHISH.example:80/./login.php?u=1");
    assert_string_equal(match(KZ_OBS_URL, "http://phish.example/%6Cogin"),
                        "http://phish.example/login*<-http://phish.example/%6Cogin");
    assert_string_equal(match(KZ_OBS_URL, "http://phish.example/logout"), "");
    assert_string_equal(match(KZ_OBS_URL, "https://phish.example/login"), "");
    assert_string_equal(match(KZ_OBS_URL, "https://kit.example:443/a/c/../b.php?x=1#top"),
                        "https://kit.example/a/b.php?x=1<-https://kit.example:443/a/c/../b.php?x=1#top");
    assert_string_equal(match(KZ_OBS_URL, "https://kit.example/a/b.php?x=2"), "");
    assert_string_equal(match(KZ_OBS_URL, "http://good.example@evil.example/"), "evil.example<-evil.example");
    assert_string_equal(match(KZ_OBS_URL, "http://203.0.113.9:8080/"), "203.0.113.9<-203.0.113.9");
    assert_string_equal(match(KZ_OBS_URL, "not a url"), "");
    /* e-mail: the domain lowercased, the local part exact; the domain as a host too */
    assert_string_equal(match(KZ_OBS_EMAIL, "<Boss@EVIL.example>"),
                        "Boss@evil.example<-Boss@EVIL.example;evil.example<-EVIL.example");
    assert_string_equal(match(KZ_OBS_EMAIL, "mailto:boss@evil.example"), "evil.example<-evil.example");
    /* hashes in any case */
    assert_string_equal(match(KZ_OBS_HASH, "D41D8CD98F00B204E9800998ECF8427E"),
                        "d41d8cd98f00b204e9800998ecf8427e<-D41D8CD98F00B204E9800998ECF8427E");
    assert_string_equal(match(KZ_OBS_HASH, "d41d8cd98f00b204e9800998ecf8427"), "");
}

/* ---- the pipeline --------------------------------------------------------------- */

typedef struct hits {
    char (*v)[200];
    size_t n, cap;
    uint64_t last_line;
    bool ordered;
} hits;

static kz_rc sink(void *ctx, const kz_match_hit *h)
{
    hits *x = ctx;
    if (h->line < x->last_line)
        x->ordered = false;
    x->last_line = h->line;
    if (x->n == x->cap) {
        x->cap = x->cap ? x->cap * 2 : 64;
        x->v = realloc(x->v, x->cap * sizeof *x->v);
    }
    kz_ind_info info;
    char idbuf[48];
    kz_indset_get(set, h->ind, &info, idbuf);
    snprintf(x->v[x->n++], sizeof x->v[0], "%s:%llu:%s:%.*s", h->file, (unsigned long long)h->line,
             info.value, (int)h->victim_len, h->victim ? h->victim : "");
    return KZ_OK;
}

static const char *path_of(const char *name)
{
    static char p[4][128];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static void write_file(const char *path, const char *data, size_t n, bool gzip, size_t cut)
{
    if (!gzip) {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, n, f), n);
        fclose(f);
        return;
    }
    size_t cap = compressBound((uLong)n) + 64;
    unsigned char *out = malloc(cap);
    z_stream z = {0};
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (unsigned char *)data;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t len = cap - z.avail_out - cut;
    deflateEnd(&z);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(out, 1, len, f), len);
    fclose(f);
    free(out);
}

/* A Squid log of `lines` lines; every 97th goes to an indicator. */
static char *squid_log(int lines, size_t *len)
{
    size_t cap = (size_t)lines * 160 + 1;
    char *s = malloc(cap);
    size_t o = 0;
    for (int i = 1; i <= lines; i++) {
        const char *peer = i % 97 == 0 ? "203.0.113.9" : "192.0.2.1";
        const char *host = i % 97 == 50 ? "cdn.evil.example" : "www.benign.test";
        o += (size_t)snprintf(s + o, cap - o,
                              "17000%05d.%03d %5d 10.0.%d.%d TCP_MISS/200 100 GET http://%s/p%d - "
                              "HIER_DIRECT/%s text/html\n",
                              i, i % 1000, i, i / 250 % 250, i % 250, host, i, peer);
    }
    *len = o;
    return s;
}

static kz_match_opts opts(char *const *inputs, int n)
{
    kz_match_opts o = {.inputs = inputs, .n_inputs = n, .threads = 3, .block_size = 4096,
                       .max_line = 1024, .warn = NULL, .max_warnings = 0};
    o.fmt.format = KZ_FMT_AUTO;
    return o;
}

static void pipeline_keeps_order_and_lines(void **state)
{
    (void)state;
    size_t len;
    char *log = squid_log(5000, &len);
    write_file(path_of("a.log"), log, len, false, 0);
    write_file(path_of("a.log.gz"), log, len, true, 0);
    char *inputs[] = {(char *)path_of("a.log"), (char *)path_of("a.log.gz"), (char *)path_of("missing.log")};
    kz_match_opts o = opts(inputs, 3);
    hits x = {.ordered = true};
    kz_match_stats st;
    kz_err err;
    assert_int_equal(kz_match_run(set, &o, sink, &x, &st, &err), KZ_OK);
    assert_int_equal(st.files, 3);
    assert_int_equal(st.failed_files, 1);
    assert_int_equal(st.lines, 10000);
    assert_int_equal(st.bytes, 2 * len);
    /* 51 peers and 52 hosts per file */
    assert_int_equal(st.matches, 2 * (5000 / 97 + (5000 + 47) / 97));
    assert_int_equal(x.n, st.matches);
    assert_int_equal(st.matched_lines, st.matches);
    /* in input order within each file, with the right line numbers and victims */
    size_t k = 0;
    for (int f = 0; f < 2; f++) {
        uint64_t last = 0;
        for (int i = 1; i <= 5000; i++) {
            if (i % 97 != 0 && i % 97 != 50)
                continue;
            char want[200];
            snprintf(want, sizeof want, "%s:%d:%s:10.0.%d.%d", inputs[f], i,
                     i % 97 == 0 ? "203.0.113.9" : "evil.example", i / 250 % 250, i % 250);
            assert_string_equal(x.v[k], want);
            assert_true((uint64_t)i > last);
            last = (uint64_t)i;
            k++;
        }
    }
    assert_int_equal(k, x.n);
    free(x.v);
    free(log);
}

static void bad_input_is_counted(void **state)
{
    (void)state;
    size_t len;
    char *log = squid_log(3000, &len);
    /* garbage, an over-long line, invalid UTF-8 and NUL bytes among good lines */
    size_t extra = 4000;
    char *bad = malloc(len + extra);
    size_t o = 0;
    static const char garbage[] = "\xff\xfe binary \x00\x01 garbage\n";
    static const char broken[] =
        "1700000000.1 1 10.9.9.9 TCP_MISS/200 1 GET http://evil.example/\xc3\x28 - HIER_NONE/- -\n";
    memcpy(bad, garbage, sizeof garbage - 1);
    o += sizeof garbage - 1;
    memset(bad + o, 'A', 2000);
    o += 2000;
    bad[o++] = '\n';
    memcpy(bad + o, broken, sizeof broken - 1);
    o += sizeof broken - 1;
    memcpy(bad + o, log, len);
    o += len;
    write_file(path_of("bad.log"), bad, o, false, 0);
    /* the same, gzip, cut before its end: the lines before the cut are still matched */
    write_file(path_of("cut.log.gz"), bad, o, true, 300);
    char *inputs[] = {(char *)path_of("bad.log"), (char *)path_of("cut.log.gz")};
    kz_match_opts o2 = opts(inputs, 1);
    o2.fmt.format = KZ_FMT_SQUID;
    hits x = {.ordered = true};
    kz_match_stats st;
    kz_err err;
    assert_int_equal(kz_match_run(set, &o2, sink, &x, &st, &err), KZ_OK);
    assert_int_equal(st.lines, 3003);
    assert_int_equal(st.malformed, 1);
    assert_int_equal(st.too_long, 1);
    assert_int_equal(st.invalid_utf8, 2);   /* the garbage line and the broken URL */
    assert_int_equal(st.failed_files, 0);
    assert_true(x.ordered);
    /* the matches of the line with invalid UTF-8 are still found: line 3 */
    char want[128];
    snprintf(want, sizeof want, "%s:3:evil.example:10.9.9.9", inputs[0]);
    assert_string_equal(x.v[0], want);
    size_t whole = x.n;
    free(x.v);

    o2.inputs = inputs + 1;
    hits y = {.ordered = true};
    assert_int_equal(kz_match_run(set, &o2, sink, &y, &st, &err), KZ_OK);
    assert_int_equal(st.failed_files, 1);
    assert_true(st.lines > 2000 && st.lines < 3003);  /* what came before the cut */
    assert_true(y.n > 0 && y.n <= whole);
    assert_true(y.ordered);
    free(y.v);
    free(bad);
    free(log);
}

static void stdin_and_time_parsing(void **state)
{
    (void)state;
    assert_int_equal(kz_match_parse_time("1700000000.123", 14), 1700000000123LL);
    assert_int_equal(kz_match_parse_time("1700000000", 10), 1700000000000LL);
    assert_int_equal(kz_match_parse_time("1700000000123", 13), 1700000000123LL);
    assert_int_equal(kz_match_parse_time("2023-11-14T22:13:20Z", 20), 1700000000000LL);
    assert_int_equal(kz_match_parse_time("yesterday", 9), 0);
    assert_int_equal(kz_match_parse_time("17000.00.1", 10), 0);
    assert_int_equal(kz_match_parse_time(NULL, 0), 0);
    /* JSON lines from a pipe on stdin */
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    const char *text = "{\"ts\":\"2026-01-01T00:00:00Z\",\"client_ip\":\"10.1.1.1\",\"q\":\"x.evil.example\"}\n"
                       "{\"ts\":\"2026-01-01T00:00:01Z\",\"client_ip\":\"10.1.1.2\",\"q\":\"good.example\"}\n";
    assert_int_equal(write(fds[1], text, strlen(text)), (ssize_t)strlen(text));
    close(fds[1]);
    int saved = dup(0);
    dup2(fds[0], 0);
    close(fds[0]);
    char *inputs[] = {"-"};
    kz_match_opts o = opts(inputs, 1);
    hits x = {.ordered = true};
    kz_match_stats st;
    kz_err err;
    kz_rc rc = kz_match_run(set, &o, sink, &x, &st, &err);
    dup2(saved, 0);
    close(saved);
    assert_int_equal(rc, KZ_OK);
    assert_int_equal(x.n, 1);
    assert_string_equal(x.v[0], "-:1:evil.example:10.1.1.1");
    free(x.v);
}

static void output_is_one_json_line(void **state)
{
    (void)state;
    kz_match_hit h = {.file = "a \"log\"", .line = 7, .ts = "1700000000.5", .ts_len = 12,
                      .time = 1700000000500LL, .field = "url", .field_len = 3,
                      .observed = "www.evil.example", .observed_len = 16, .victim = "10.0.0.1",
                      .victim_len = 8, .victim_field = "client", .victim_field_len = 6};
    for (uint32_t i = 0; i < kz_indset_count(set); i++) {
        kz_ind_info info;
        char idbuf[48];
        kz_indset_get(set, i, &info, idbuf);
        if (strcmp(info.value, "evil.example") == 0)
            h.ind = i;
    }
    kz_buf b;
    kz_buf_init(&b, 1 << 16);
    assert_int_equal(kz_match_hit_json(set, &h, &b), KZ_OK);
    assert_string_equal(b.p, "{\"file\":\"a \\\"log\\\"\",\"line\":7,\"ts\":\"2023-11-14T22:13:20.500Z\","
                             "\"field\":\"url\",\"observed\":\"www.evil.example\",\"indicator\":{\"id\":null,"
                             "\"type\":\"domain\",\"value\":\"evil.example\"},\"victim\":\"10.0.0.1\","
                             "\"victim_field\":\"client\"}");
    kz_buf_free(&b);
}

/* Records "line:indicator:field" for each match. */
static kz_rc field_sink(void *ctx, const kz_match_hit *h)
{
    hits *x = ctx;
    if (x->n == x->cap) {
        x->cap = x->cap ? x->cap * 2 : 64;
        x->v = realloc(x->v, x->cap * sizeof *x->v);
    }
    kz_ind_info info;
    char idbuf[48];
    kz_indset_get(set, h->ind, &info, idbuf);
    snprintf(x->v[x->n++], sizeof x->v[0], "%llu:%s:%.*s", (unsigned long long)h->line, info.value,
             (int)h->field_len, h->field);
    return KZ_OK;
}

/* The rule for a value in several fields of one line: one match per (line, indicator),
 * named by the field whose kind is the indicator's type, else by the first. */
static void one_match_per_line_and_indicator(void **state)
{
    (void)state;
    assert_true(kz_match_prefer(KZ_IND_DOMAIN, KZ_OBS_URL, KZ_OBS_HOST));
    assert_false(kz_match_prefer(KZ_IND_DOMAIN, KZ_OBS_HOST, KZ_OBS_URL));
    assert_false(kz_match_prefer(KZ_IND_DOMAIN, KZ_OBS_HOST, KZ_OBS_HOST));  /* the first host */
    assert_false(kz_match_prefer(KZ_IND_DOMAIN, KZ_OBS_URL, KZ_OBS_EMAIL));  /* the first, then */
    assert_true(kz_match_prefer(KZ_IND_IPV4, KZ_OBS_URL, KZ_OBS_IP));
    assert_true(kz_match_prefer(KZ_IND_CIDR, KZ_OBS_HOST, KZ_OBS_IP));
    assert_true(kz_match_prefer(KZ_IND_EMAIL, KZ_OBS_TEXT, KZ_OBS_EMAIL));
    assert_false(kz_match_prefer(KZ_IND_URL, KZ_OBS_URL, KZ_OBS_HOST));
    /* through the pipeline, for JSON lines: the URL field comes first, the host field
     * names the match; twice in URL fields and nowhere as a host: the first URL field */
    const char log[] =
        "{\"url\":\"http://a.evil.example/x\",\"host\":\"a.evil.example\",\"dst\":\"203.0.113.9\"}\n"
        "{\"referer\":\"http://evil.example/\",\"url\":\"http://evil.example/y\"}\n"
        "{\"host\":\"evil.example\",\"server\":\"b.evil.example\",\"url\":\"http://203.0.113.9/\"}\n";
    write_file(path_of("rule.jsonl"), log, sizeof log - 1, false, 0);
    char *inputs[] = {(char *)path_of("rule.jsonl")};
    kz_match_opts o = opts(inputs, 1);
    hits x = {0};
    kz_match_stats st;
    kz_err err;
    assert_int_equal(kz_match_run(set, &o, field_sink, &x, &st, &err), KZ_OK);
    assert_int_equal(x.n, 5);
    assert_int_equal(st.matches, 5);
    const char *want[] = {"1:evil.example:host", "1:203.0.113.9:dst", "2:evil.example:referer",
                          "3:evil.example:host", "3:203.0.113.9:url"};
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(x.v[i], want[i]);
    free(x.v);
}

/* ---- the hot path allocates nothing per line ---------------------------------------------- */

static void count_hit(void *ctx, const kz_logfield *f, kz_run r, const char *obs, size_t obs_len)
{
    (void)f, (void)r, (void)obs, (void)obs_len;
    ++*(int *)ctx;
}

static void count_ip(void *ctx, const kz_logfield *f, const unsigned char *a, int family, const char *obs,
                     size_t obs_len)
{
    (void)ctx, (void)f, (void)obs, (void)obs_len;
    assert_true(family == 4 ? a[0] != 0 || a[3] != 0 : family == 6);
}

/* The hits of a line in order, folded into one number: field, run and observed text. */
typedef struct trail {
    const kz_logfield *base;
    uint64_t h;
} trail;

static void trail_hit(void *ctx, const kz_logfield *f, kz_run r, const char *obs, size_t obs_len)
{
    trail *t = ctx;
    t->h = (t->h ^ (uint64_t)(f - t->base)) * 0x100000001B3ull;
    t->h = (t->h ^ r.first ^ (uint64_t)r.n << 32) * 0x100000001B3ull;
    for (size_t i = 0; i < obs_len; i++)
        t->h = (t->h ^ (unsigned char)obs[i]) * 0x100000001B3ull;
}

/* One block of lines, as a worker of service/match sees it: scanned, then each line
 * parsed and each field matched. Returns the hits. Each line is also matched by
 * kz_match_fields (the workers' call), which must report the same hits in the same order. */
static int match_block(kz_logfmt *fmt, kz_logctx *ctx, const char *block, uint64_t seq)
{
    static kz_match_scratch sc, sc1, sc2;
    static kz_record rec;
    const void *state;
    assert_int_equal(kz_logfmt_scan_block(fmt, seq, block, strlen(block), &state), KZ_OK);
    kz_logctx_block(ctx, seq, state);
    int found = 0;
    for (const char *p = block; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (kz_logfmt_parse(fmt, ctx, p, n, (size_t)(p - block), seq == 0 && p == block, &rec) == 1) {
            trail one = {rec.f, 0}, all = {rec.f, 0};
            int before = found, runs = 0;
            for (int i = 0; i < rec.n; i++) {
                kz_match_field(set, &sc, &rec.f[i], count_hit, count_ip, &found);
                runs += kz_match_field(set, &sc1, &rec.f[i], trail_hit, NULL, &one);
            }
            assert_int_equal(runs, found - before);
            assert_int_equal(kz_match_fields(set, &sc2, rec.f, rec.n, trail_hit, NULL, &all), runs);
            assert_true(one.h == all.h);
        }
        p += n + (nl != NULL);
    }
    return found;
}

static void a_block_of_lines_allocates_nothing(void **state)
{
    (void)state;
    static const struct {
        kz_log_format format;
        bool header;
        const char *block;
    } blocks[] = {
        {KZ_FMT_JSON, false,
         "{\"ts\":\"2026-05-01T10:00:00Z\",\"src\":\"192.0.2.10\",\"dst\":\"203.0.113.9\",\"host\":\"a.b.EVIL.example\"}\n"
         "{\"ts\":\"2026-05-01T10:00:01Z\",\"src\":\"192.0.2.11\",\"url\":\"HTTP://PHISH.example:80/./login.php?u=1\"}\n"
         "{\"ts\":\"2026-05-01T10:00:02Z\",\"user\":\"x\",\"mail\":{\"from\":\"Boss@EVIL.example\"},\"n\":3}\n"
         "{\"ts\":\"2026-05-01T10:00:03Z\",\"src\":\"[2001:db8::bad]:443\",\"md5\":\"d41d8cd98f00b204e9800998ecf8427e\"}\n"
         "{\"ts\":\"2026-05-01T10:00:04Z\",\"src\":\"198.51.100.77\",\"msg\":\"esc\\u0061ped \\\"quote\\\"\"}\n"},
        {KZ_FMT_CSV, true,
         "ts,src,dst,url\n"
         "2026-05-01T10:00:00Z,192.0.2.10,203.0.113.9,https://kit.example:443/a/c/../b.php?x=1#top\n"
         "2026-05-01T10:00:01Z,192.0.2.11,\"198.51.100.250\",\"http://www.evil.example/x\"\n"},
        {KZ_FMT_TEXT, false,
         "May  1 10:00:00 fw kernel: DROP SRC=203.0.113.9 DST=192.0.2.1 host www.evil.example\n"
         "May  1 10:00:01 mail postfix: from=<Boss@EVIL.example> url http://phish.example/login?a=1\n"
         "May  1 10:00:02 av: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 quarantined\n"},
        {KZ_FMT_SQUID, false,
         "1714557600.123    120 192.0.2.10 TCP_MISS/200 1234 GET http://phish.example/login.php - "
         "HIER_DIRECT/203.0.113.9 text/html\n"},
    };
    for (size_t b = 0; b < sizeof blocks / sizeof *blocks; b++) {
        kz_logfmt_opts o = {.format = blocks[b].format, .header = blocks[b].header, .max_line = 4096};
        kz_logfmt *fmt;
        kz_err err;
        assert_int_equal(kz_logfmt_new(&o, &fmt, &err), KZ_OK);
        assert_int_equal(kz_logfmt_prepare(fmt, blocks[b].block, strlen(blocks[b].block), &err), KZ_OK);
        kz_logctx *ctx = kz_logctx_new(fmt);
        assert_non_null(ctx);
        int warm = match_block(fmt, ctx, blocks[b].block, 0);  /* warm-up: lazily built tables */
        unsigned long before = kz_alloc_count();
        int total = 0;
        for (uint64_t seq = 1; seq <= 50; seq++)
            total += match_block(fmt, ctx, blocks[b].block, seq);
        unsigned long made = kz_alloc_count() - before;
        if (made)
            fail_msg("%s: %lu allocations for 50 blocks", kz_enum_name(&kz_log_format_enum, (int)o.format), made);
        assert_true(warm > 0);
        assert_int_equal(total, 50 * warm);
        kz_logctx_free(ctx);
        kz_logfmt_free(fmt);
    }
}

/* One field a step, matched against `set` in the scratch `sc` (a step may start a new
 * line first); each step's hits, joined by ';', must be its `expect`. */
typedef struct field_step {
    bool new_line;
    kz_obs_kind kind;
    const char *v, *expect;
} field_step;

static void run_field_steps(kz_match_scratch *sc, const field_step *steps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (steps[i].new_line)
            kz_match_line(sc);
        got g = {.n = 0};
        kz_logfield f = {.name = "f", .name_len = 1, .v = steps[i].v, .len = strlen(steps[i].v),
                         .kind = steps[i].kind};
        kz_match_field(set, sc, &f, collect, NULL, &g);
        char out[512] = "";
        size_t o = 0;
        for (int k = 0; k < g.n; k++)
            o += (size_t)snprintf(out + o, sizeof out - o, "%s%s", k ? ";" : "", g.v[k]);
        if (strcmp(out, steps[i].expect) != 0)
            fail_msg("step %zu (%s): \"%s\", not \"%s\"", i, steps[i].v, out, steps[i].expect);
    }
}

/* A URL on the host a host field of the same line named skips its host walk (the host
 * field names those hits anyway); a URL on another host, or in the next line, does not. */
static void url_after_host_in_a_line(void **state)
{
    (void)state;
    kz_match_scratch *sc = kz_calloc(1, sizeof *sc);
    assert_non_null(sc);
    static const field_step steps[] = {
        {true, KZ_OBS_HOST, "www.evil.example", "evil.example<-www.evil.example"},
        {false, KZ_OBS_URL, "http://www.evil.example/x", ""},  /* the host field has it */
        {false, KZ_OBS_URL, "http://a.evil.example/x", "evil.example<-a.evil.example"},
        {true, KZ_OBS_URL, "http://www.evil.example/x", "evil.example<-www.evil.example"},
        {true, KZ_OBS_HOST, "phish.example", ""},
        {false, KZ_OBS_URL, "http://phish.example/login.php", "http://phish.example/login*<-http://phish.example/login.php"},
        {true, KZ_OBS_HOST, "other.example", ""},
        {false, KZ_OBS_URL, "http://phish.example/login/a", "http://phish.example/login*<-http://phish.example/login/a"},
    };
    run_field_steps(sc, steps, sizeof steps / sizeof *steps);
    kz_free(sc);
}

/* A host field that is a bare IPv4 address (Squid's peer) goes straight to the address
 * lookup: it still finds the address and its prefix, leaves the look-alikes to the long
 * way, and a URL of the same line on that address still finds its URL indicator (the
 * host's answer about URL indicators is left to the URL, not taken as "none"). */
static void host_fields_that_are_addresses(void **state)
{
    (void)state;
    static const char *const inds[][2] = {
        {"ipv4", "203.0.113.9"}, {"cidr", "198.51.100.0/24"}, {"url", "http://203.0.113.9/gate.php"},
        {"domain", "evil.example"}};
    kz_indset *own;
    assert_int_equal(build_set(inds, sizeof inds / sizeof *inds, &own), KZ_OK);
    kz_indset *keep = set;
    set = own;  /* collect() names the hits from `set` */
    kz_match_scratch *sc = kz_calloc(1, sizeof *sc);
    assert_non_null(sc);
    static const field_step steps[] = {
        {true, KZ_OBS_HOST, "203.0.113.9", "203.0.113.9<-203.0.113.9"},
        {false, KZ_OBS_URL, "http://203.0.113.9/gate.php", "http://203.0.113.9/gate.php<-http://203.0.113.9/gate.php"},
        {true, KZ_OBS_HOST, "198.51.100.7", "198.51.100.0/24<-198.51.100.7"},
        {false, KZ_OBS_URL, "http://198.51.100.7/gate.php", ""},
        {true, KZ_OBS_HOST, "203.0.113.9:8080", "203.0.113.9<-203.0.113.9"},
        {true, KZ_OBS_HOST, "203.0.113.09", ""},
        {true, KZ_OBS_HOST, "203.0.113.9.", ""},
        {true, KZ_OBS_HOST, "1.evil.example", "evil.example<-1.evil.example"},
        {true, KZ_OBS_HOST, "9", ""},
        {true, KZ_OBS_URL, "http://203.0.113.9/gate.php",
         "203.0.113.9<-203.0.113.9;http://203.0.113.9/gate.php<-http://203.0.113.9/gate.php"},
    };
    run_field_steps(sc, steps, sizeof steps / sizeof *steps);
    kz_free(sc);
    set = keep;
    kz_indset_free(own);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(values_as_logs_write_them),
        cmocka_unit_test(pipeline_keeps_order_and_lines),
        cmocka_unit_test(bad_input_is_counted),
        cmocka_unit_test(stdin_and_time_parsing),
        cmocka_unit_test(output_is_one_json_line),
        cmocka_unit_test(one_match_per_line_and_indicator),
        cmocka_unit_test(a_block_of_lines_allocates_nothing),
        cmocka_unit_test(url_after_host_in_a_line),
        cmocka_unit_test(host_fields_that_are_addresses),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
