/* Unit tests of codec/logfmt: each log format parsed into fields (names, kinds, values),
 * timestamps and victims; format detection; a Zeek header changing mid-file across
 * blocks; CSV quoting and column maps; JSON escapes, nesting and arrays; the text
 * extractor; and the rejection of lines that do not parse. The structural index of JSON
 * lines: its entries on a line worked by hand, and every implementation of it giving
 * what the byte-by-byte walk gives on escapes, backslash runs across 64-byte blocks,
 * UTF-8, long lines and lines that are not JSON. The text extractor's byte-class masks
 * (every implementation against the classes written out by hand, every byte value at
 * every position and window end) and its walk over them against the byte walk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec/telemetry/json_index.h"
#include "codec/telemetry/logfmt.h"
#include "codec/telemetry/logfmt_internal.h"
#include "codec/telemetry/text_masks.h"
#include "util/alloc.h"

#include <stdio.h>
#include <string.h>

typedef struct fixture {
    kz_logfmt *f;
    kz_logctx *c;
    kz_record rec;
} fixture;

static void setup_fmt(fixture *x, kz_log_format format, const char *fields, bool header,
                      const char *head)
{
    kz_logfmt_opts o = {.format = format, .fields = fields, .header = header, .max_line = 4096};
    kz_err err;
    assert_int_equal(kz_logfmt_new(&o, &x->f, &err), KZ_OK);
    if (kz_logfmt_prepare(x->f, head, strlen(head), &err) != KZ_OK)
        fail_msg("prepare: %s", err.msg);
    x->c = kz_logctx_new(x->f);
    assert_non_null(x->c);
}

static void teardown_fmt(fixture *x)
{
    kz_logctx_free(x->c);
    kz_logfmt_free(x->f);
}

static int parse(fixture *x, const char *line, bool first)
{
    return kz_logfmt_parse(x->f, x->c, line, strlen(line), 0, first, &x->rec);
}

/* "name=kind:value|..." of the parsed fields, for compact assertions. */
static const char *fields_of(const kz_record *r)
{
    static char out[2048];
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < r->n && o < sizeof out; i++)
        o += (size_t)snprintf(out + o, sizeof out - o, "%s%.*s=%s:%.*s", i ? "|" : "",
                              (int)r->f[i].name_len, r->f[i].name,
                              kz_enum_name(&kz_obs_kind_enum, (int)r->f[i].kind), (int)r->f[i].len,
                              r->f[i].v);
    return out;
}

static void squid_lines(void **state)
{
    (void)state;
    fixture x;
    const char *l1 = "1700000000.123    150 10.0.0.5 TCP_MISS/200 1234 GET http://www.evil.example/x - "
                     "HIER_DIRECT/203.0.113.9 text/html";
    setup_fmt(&x, KZ_FMT_AUTO, NULL, false, l1);
    assert_int_equal(kz_logfmt_format(x.f), KZ_FMT_SQUID);
    assert_int_equal(parse(&x, l1, true), 1);
    assert_string_equal(fields_of(&x.rec), "client=ip:10.0.0.5|url=url:http://www.evil.example/x|"
                                           "peer=host:203.0.113.9");
    assert_memory_equal(x.rec.ts, "1700000000.123", x.rec.ts_len);
    assert_memory_equal(x.rec.victim, "10.0.0.5", x.rec.victim_len);
    /* an authenticated user is the victim; CONNECT carries host:port */
    assert_int_equal(parse(&x, "1700000001.5 3 10.0.0.6 TCP_TUNNEL/200 9 CONNECT login.evil.example:443 "
                               "alice HIER_DIRECT/198.51.100.7 -", false), 1);
    assert_string_equal(fields_of(&x.rec), "client=ip:10.0.0.6|url=host:login.evil.example:443|"
                                           "peer=host:198.51.100.7");
    assert_int_equal(x.rec.victim_len, 5);
    assert_memory_equal(x.rec.victim, "alice", 5);
    /* no peer */
    assert_int_equal(parse(&x, "1700000002.0 1 10.0.0.7 TCP_DENIED/403 0 GET http://x.example/ - HIER_NONE/- -",
                           false), 1);
    assert_int_equal(x.rec.n, 2);
    assert_int_equal(parse(&x, "not a squid line at all", false), -1);
    assert_int_equal(parse(&x, "1700000000.1 1 2 3", false), -1);
    assert_int_equal(parse(&x, "", false), 0);
    teardown_fmt(&x);
}

static void json_lines(void **state)
{
    (void)state;
    fixture x;
    setup_fmt(&x, KZ_FMT_AUTO, NULL, false, "{\"ts\":1}\n");
    assert_int_equal(kz_logfmt_format(x.f), KZ_FMT_JSON);
    const char *l = "{\"@timestamp\":\"2026-11-25T10:00:00Z\",\"source\":{\"ip\":\"10.1.2.3\",\"port\":51000},"
                    "\"dns\":{\"question\":{\"name\":\"A.Evil.Example.\"},\"answers\":[\"203.0.113.9\","
                    "\"2001:db8::1\"]},\"user\":{\"name\":\"bob\"},\"msg\":\"hello world\","
                    "\"ok\":true,\"n\":null,\"esc\":\"http:\\/\\/evil.example\\/\\u00e9\"}";
    assert_int_equal(parse(&x, l, false), 1);
    assert_string_equal(fields_of(&x.rec),
                        "source.ip=ip:10.1.2.3|"
                        "dns.question.name=host:A.Evil.Example.|dns.answers=ip:203.0.113.9|"
                        "dns.answers=ip:2001:db8::1|esc=url:http://evil.example/\xC3\xA9");
    assert_memory_equal(x.rec.ts, "2026-11-25T10:00:00Z", x.rec.ts_len);
    assert_int_equal(x.rec.victim_len, 3);  /* user.name wins over source.ip */
    assert_memory_equal(x.rec.victim, "bob", 3);
    assert_memory_equal(x.rec.victim_field, "user.name", x.rec.victim_field_len);
    /* surrogate pairs, and what is not JSON */
    assert_int_equal(parse(&x, "{\"h\":\"\\ud83d\\ude00.example\"}", false), 1);
    assert_int_equal(parse(&x, "{\"h\":\"\\ud83d\"}", false), -1);
    assert_int_equal(parse(&x, "{\"a\":1", false), -1);
    assert_int_equal(parse(&x, "{\"a\":1} trailing", false), -1);
    assert_int_equal(parse(&x, "[1,2]", false), -1);
    assert_int_equal(parse(&x, "{\"a\":\"\x01\"}", false), -1);
    assert_int_equal(parse(&x, "   ", false), 0);
    /* nesting deeper than 32 levels is refused, not recursed into */
    char deep[512];
    size_t n = 0;
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(deep + n, sizeof deep - n, "{\"a\":");
    n += (size_t)snprintf(deep + n, sizeof deep - n, "1");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(deep + n, sizeof deep - n, "}");
    assert_true(n < sizeof deep);
    assert_int_equal(parse(&x, deep, false), -1);
    teardown_fmt(&x);

    /* named fields with kinds: only those, as said */
    setup_fmt(&x, KZ_FMT_JSON, "query:host,note:text", false, "");
    assert_int_equal(parse(&x, "{\"query\":\"evil.example\",\"ip\":\"10.0.0.1\",\"note\":\"see "
                               "http://phish.example/a and 198.51.100.7.\"}", false), 1);
    assert_string_equal(fields_of(&x.rec), "query=host:evil.example|note=url:http://phish.example/a|"
                                           "note=ip:198.51.100.7");
    teardown_fmt(&x);
}

static void csv_and_tsv(void **state)
{
    (void)state;
    fixture x;
    const char *head = "time,client,host,note\n";
    setup_fmt(&x, KZ_FMT_CSV, "host:host,client:ip", true, head);
    assert_int_equal(parse(&x, "time,client,host,note", true), 0);  /* the header */
    assert_int_equal(parse(&x, "2026-01-02T03:04:05Z,10.0.0.9,\"evil.example\",\"say \"\"hi\"\"\"", false), 1);
    assert_string_equal(fields_of(&x.rec), "client=ip:10.0.0.9|host=host:evil.example");
    assert_memory_equal(x.rec.ts, "2026-01-02T03:04:05Z", x.rec.ts_len);
    assert_memory_equal(x.rec.victim, "10.0.0.9", x.rec.victim_len);
    assert_int_equal(parse(&x, "1,2,\"unclosed", false), -1);
    teardown_fmt(&x);

    /* by column number, without a header; every column by shape when none are named */
    setup_fmt(&x, KZ_FMT_TSV, NULL, false, "");
    assert_int_equal(parse(&x, "a\t192.0.2.1\twww.evil.example\tfoo", false), 1);
    assert_string_equal(fields_of(&x.rec), "2=ip:192.0.2.1|3=host:www.evil.example");
    /* lines without a quote take the SIMD splitter: a value across its 16-byte windows, a
     * trailing \r, empty columns, and the field limit as with quotes */
    assert_int_equal(parse(&x, "\t\t0123456789abc\t198.51.100.77\tsub.evil.example\t\r", false), 1);
    assert_string_equal(fields_of(&x.rec), "4=ip:198.51.100.77|5=host:sub.evil.example");
    char wide[3 * KZ_MAX_FIELDS + 8];
    size_t w = 0;
    for (int i = 0; i <= KZ_MAX_FIELDS; i++)
        w += (size_t)snprintf(wide + w, sizeof wide - w, "%s%d", i ? "\t" : "", i % 10);
    assert_int_equal(parse(&x, wide, false), -1);  /* KZ_MAX_FIELDS + 1 columns */
    wide[w - 2] = '\0';
    assert_int_equal(parse(&x, wide, false), 1);  /* KZ_MAX_FIELDS */
    teardown_fmt(&x);
    setup_fmt(&x, KZ_FMT_CSV, "3:url", false, "");
    assert_int_equal(parse(&x, "x,y,http://evil.example/,z", false), 1);
    assert_string_equal(fields_of(&x.rec), "3=url:http://evil.example/");
    teardown_fmt(&x);

    /* a column the header lacks is an error before any line is read */
    kz_logfmt_opts o = {.format = KZ_FMT_CSV, .fields = "nosuch", .header = true};
    kz_logfmt *f;
    kz_err err;
    assert_int_equal(kz_logfmt_new(&o, &f, &err), KZ_OK);
    assert_int_equal(kz_logfmt_prepare(f, head, strlen(head), &err), KZ_EINVAL);
    assert_string_equal(err.field, "fields");
    kz_logfmt_free(f);
    o.fields = "host:colour";
    assert_int_equal(kz_logfmt_new(&o, &f, &err), KZ_EINVAL);
    assert_non_null(strstr(err.msg, "unknown kind"));
}

static const char zeek_conn_head[] =
    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\n"
    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\n";

static void zeek_logs(void **state)
{
    (void)state;
    fixture x;
    setup_fmt(&x, KZ_FMT_AUTO, NULL, false, zeek_conn_head);
    assert_int_equal(kz_logfmt_format(x.f), KZ_FMT_ZEEK);
    const void *st;
    assert_int_equal(kz_logfmt_scan_block(x.f, 0, zeek_conn_head, strlen(zeek_conn_head), &st), KZ_OK);
    kz_logctx_block(x.c, 1, NULL);  /* a later block: the header state in effect */
    assert_int_equal(parse(&x, "1700000000.5\tCx1\t10.0.0.1\t5000\t203.0.113.9\t443\ttcp", false), 1);
    assert_string_equal(fields_of(&x.rec), "id.orig_h=ip:10.0.0.1|id.resp_h=ip:203.0.113.9");
    assert_memory_equal(x.rec.victim, "10.0.0.1", x.rec.victim_len);
    assert_memory_equal(x.rec.ts, "1700000000.5", x.rec.ts_len);
    assert_int_equal(parse(&x, "1700000000.5\tCx1\t10.0.0.1", false), -1);  /* columns missing */

    /* a dns.log header further on: a new state from that line, for the rest of the file */
    const char *dns =
        "#fields\tts\tuid\tid.orig_h\tquery\tanswers\n#types\ttime\tstring\taddr\tstring\tvector[string]\n"
        "1700000001.0\tCx2\t10.0.0.2\tWWW.Evil.Example\t203.0.113.9,evil-cdn.example\n";
    assert_int_equal(kz_logfmt_scan_block(x.f, 2, dns, strlen(dns), &st), KZ_OK);
    kz_logctx_block(x.c, 2, st);
    const char *fields_line = dns, *types_line = strchr(dns, '\n') + 1;
    const char *data = strchr(types_line, '\n') + 1;
    assert_int_equal(kz_logfmt_parse(x.f, x.c, fields_line, (size_t)(strchr(dns, '\n') - dns), 0,
                                     false, &x.rec), 0);
    assert_int_equal(kz_logfmt_parse(x.f, x.c, types_line, (size_t)(data - 1 - types_line),
                                     (size_t)(types_line - dns), false, &x.rec), 0);
    assert_int_equal(kz_logfmt_parse(x.f, x.c, data, strlen(data) - 1, (size_t)(data - dns), false,
                                     &x.rec), 1);
    assert_string_equal(fields_of(&x.rec), "id.orig_h=ip:10.0.0.2|query=host:WWW.Evil.Example|"
                                           "answers=ip:203.0.113.9|answers=host:evil-cdn.example");
    /* the next block starts with the dns header in effect */
    assert_int_equal(kz_logfmt_scan_block(x.f, 3, "x", 1, &st), KZ_OK);
    kz_logctx_block(x.c, 3, st);
    assert_int_equal(parse(&x, "1700000002.0\tCx3\t10.0.0.3\tevil.example\t-", false), 1);
    assert_string_equal(fields_of(&x.rec), "id.orig_h=ip:10.0.0.3|query=host:evil.example");
    teardown_fmt(&x);

    /* http.log: host and uri make the URL */
    const char *http = "#fields\tts\tid.orig_h\thost\turi\treferrer\n"
                       "#types\ttime\taddr\tstring\tstring\tstring\n";
    setup_fmt(&x, KZ_FMT_ZEEK, NULL, false, http);
    assert_int_equal(kz_logfmt_scan_block(x.f, 0, http, strlen(http), &st), KZ_OK);
    kz_logctx_block(x.c, 1, NULL);
    assert_int_equal(parse(&x, "1.0\t10.0.0.4\tevil.example:8080\t/kit/x.php?a=1\thttp://ref.example/", false), 1);
    assert_string_equal(fields_of(&x.rec), "id.orig_h=ip:10.0.0.4|host=host:evil.example:8080|"
                                           "referrer=url:http://ref.example/|"
                                           "host+uri=url:http://evil.example:8080/kit/x.php?a=1");
    teardown_fmt(&x);
}

static void text_extraction(void **state)
{
    (void)state;
    fixture x;
    setup_fmt(&x, KZ_FMT_TEXT, NULL, false, "");
    assert_int_equal(parse(&x, "Nov 25 sshd[123]: Failed password for root from 198.51.100.7 port 22", false), 1);
    assert_string_equal(fields_of(&x.rec), "text=ip:198.51.100.7");
    assert_int_equal(parse(&x, "src=10.0.0.1:51000 dst=[2001:db8::1]:443 host=Login.Evil.Example. "
                               "url=\"https://evil.example/a?b=c&d=e\" from <phish@evil.example>, "
                               "md5 D41D8CD98F00B204E9800998ECF8427E (see http://x.example/a).", false), 1);
    assert_string_equal(fields_of(&x.rec),
                        "text=ip:10.0.0.1:51000|text=ip:2001:db8::1|text=host:Login.Evil.Example|"
                        "text=url:https://evil.example/a?b=c&d=e|text=email:phish@evil.example|"
                        "text=hash:D41D8CD98F00B204E9800998ECF8427E|text=url:http://x.example/a");
    /* version numbers, times and plain words are not candidates */
    assert_int_equal(parse(&x, "version 1.2.3 at 12:34:56 took 3.5 s", false), 1);
    assert_string_equal(fields_of(&x.rec), "");  /* 12:34:56 has too few groups for IPv6 */
    /* but every form IPv6 text can take still is one */
    assert_int_equal(parse(&x, "a ::1:2:3:4:5:6:7 b 1:2:3:4:5:6:7:8 c 1:2:3:4:5:6:1.2.3.4 d fe80::1", false), 1);
    assert_string_equal(fields_of(&x.rec), "text=ip:::1:2:3:4:5:6:7|text=ip:1:2:3:4:5:6:7:8|"
                                           "text=ip:1:2:3:4:5:6:1.2.3.4|text=ip:fe80::1");
    teardown_fmt(&x);
}


/* The entries of the index of line, marked '^' in the same columns, and its specials
 * (backslashes in strings; the letters of true but not its e, which numbers have). */
static void index_is(kz__jidx_impl impl, const char *line, const char *marks, const char *specials)
{
    size_t n = strlen(line);
    uint32_t pos[256], sp[256];
    kz__jidx ix = {.pos = pos, .special = sp};
    assert_true(n < 256 && strlen(marks) == n && strlen(specials) == n);
    kz__jidx_build(impl, line, n, &ix);
    char got[256], gots[256];
    memset(got, ' ', n);
    memset(gots, ' ', n);
    got[n] = gots[n] = '\0';
    for (size_t i = 0; i < ix.n; i++)
        got[pos[i]] = '^';
    for (size_t i = 0; i < ix.ns; i++)
        gots[sp[i]] = '^';
    assert_string_equal(got, marks);
    assert_string_equal(gots, specials);
    assert_false(ix.open_string);
}

static void json_index_entries(void **state)
{
    (void)state;
    for (int impl = 0; impl < KZ__JIDX_COUNT; impl++) {
        if (!kz__jidx_available((kz__jidx_impl)impl))
            continue;
        index_is((kz__jidx_impl)impl, "{\"k\\\"q\":[12, true],\"v\":\"a\\\\\"}",
                 "^^    ^^^^ ^ ^   ^^^ ^^^   ^^", "   ^         ^^^         ^^  ");
        /* a quote after an even run of backslashes closes; structurals in strings do not count */
        index_is((kz__jidx_impl)impl, "{\"a\":\"\\\\\\\\\",\"b\":\"{[:,]}\"}",
                 "^^ ^^^    ^^^ ^^^      ^^", "      ^^^^               ");
    }
    uint32_t pos[16], sp[16];
    kz__jidx ix = {.pos = pos, .special = sp};
    kz__jidx_build(KZ__JIDX_SCALAR, "{\"a\":\"b", 7, &ix);
    assert_true(ix.open_string);
}

/* Parses line with every reader: each must answer as the byte-by-byte walk does, field
 * by field; returns that answer, with the walk's fields in out. */
static int every_reader(const char *fields, const char *line, size_t n, char *out, size_t cap)
{
    int want = 0;
    for (kz_json_reader r = KZ_JSON_BYTES; r <= KZ_JSON_AVX2; r++) {
        kz_logfmt_opts o = {.format = KZ_FMT_JSON, .fields = fields, .max_line = 1 << 20};
        kz_logfmt *f;
        kz_err err;
        assert_int_equal(kz_logfmt_new(&o, &f, &err), KZ_OK);
        if (!kz_logfmt_json_reader(f, r)) {
            kz_logfmt_free(f);
            continue;
        }
        kz_logctx *c = kz_logctx_new(f);
        static kz_record rec;
        int got = kz_logfmt_parse(f, c, line, n, 0, false, &rec);
        const char *fs = fields_of(&rec);
        if (r == KZ_JSON_BYTES) {
            want = got;
            snprintf(out, cap, "%s", fs);
        } else {
            assert_int_equal(got, want);
            if (got > 0)
                assert_string_equal(fs, out);
        }
        kz_logctx_free(c);
        kz_logfmt_free(f);
    }
    return want;
}

static void json_index_readers_agree(void **state)
{
    (void)state;
    char out[2048], line[512];
    /* runs of 0-9 backslashes ending before a quote at every offset around the first
     * block boundary: an even run leaves k/2 backslashes in the value, an odd one
     * escapes the quote and the line no longer parses */
    for (int end = 56; end <= 72; end++)
        for (int k = 0; k <= 9; k++) {
            int pad = end - 6 - k, n = snprintf(line, sizeof line, "{\"a\":\"%.*s%.*s\",\"b\":\"evil.example\"}",
                                                pad, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                                                k, "\\\\\\\\\\\\\\\\\\");
            int got = every_reader("a:host,b:host", line, (size_t)n, out, sizeof out);
            if (k % 2) {
                assert_int_equal(got, -1);
                continue;
            }
            char want[256];
            snprintf(want, sizeof want, "a=host:%.*s%.*s|b=host:evil.example", pad,
                     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", k / 2, "\\\\\\\\\\");
            assert_int_equal(got, 1);
            assert_string_equal(out, want);
        }
    /* UTF-8 as written and escaped, across a block boundary */
    const char *u = "{\"pad\":\"0123456789012345678901234567890123456789012345\",\"h\":\"b\xC3\xBC" "cher.example\","
                    "\"u\":\"http://\\u00e9.example/\"}";
    assert_int_equal(every_reader(NULL, u, strlen(u), out, sizeof out), 1);
    assert_string_equal(out, "h=host:b\xC3\xBC" "cher.example|u=url:http://\xC3\xA9.example/");
    /* lines that are not JSON, and the loose numbers the reader has always taken */
    static const struct { const char *line; int want; } cases[] = {
        {"{\"a\":1 2}", -1}, {"{\"a\":tru}", -1}, {"{\"a\":truex}", -1}, {"{\"a\"1}", -1},
        {"{\"a\":\"b\"x}", -1}, {"{\"a\":-}", -1}, {"{\"a\":1.2.3e}", 1}, {"{\\\"a\":1}", -1},
        {"{\"a\":\"x", -1}, {"{\"a\":[1,]}", -1}, {"{\"a\":{}}", 1}, {"{}", 1},
        {" {\"a\":\"b\"} ", 1}, {"{\"a\":\"b\",}", -1}, {"{\"a\" : \"b\" , \"c\" : [ ] }", 1},
        {"\t\r ", 0}, {"{\"a\":nul}", -1}, {"{\"a\":null,\"b\":false,\"c\":[true]}", 1},
        {"{\"a\":\"\\x\"}", -1}, {"{\"a\":\"\\u12\"}", -1}, {"{\"a\":\"\t\"}", -1}, {"{\"a\":\x01}", -1},
        {"{\"a\":1\x01}", -1}, {"{\"a\":\"b\"\x0e}", -1}, {"{\"a\":\"b\",\x0c\"c\":1}", -1},
        {"{\"a\"\x1a\"b\"}", -1}, {"{\"a\":\"b\"\x0b}", -1}, {"{\"a\":\"b\"\x09}", 1}, {"{\"a\":1}}", -1}, {"{\"a\":[[[]]]}", 1}, {"{\"a\":\"b\"}{}", -1}, {"[{}]", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        if (every_reader(NULL, cases[i].line, strlen(cases[i].line), out, sizeof out) != cases[i].want)
            fail_msg("%s: not %d", cases[i].line, cases[i].want);
    /* a line of 300 KB, escapes and a backslash run every few blocks */
    static char big[300000 + 64];
    size_t cap = 300000, n = 0;
    n += (size_t)snprintf(big, cap, "{\"pad\":\"");
    while (n < cap - 100) {
        memset(big + n, 'y', 181);
        n += 181;
        memcpy(big + n, "\\\\\\\\\\\"\\n", 8);
        n += 8;
    }
    n += (size_t)snprintf(big + n, 64, "\",\"h\":\"evil.example\"}");
    assert_int_equal(every_reader(NULL, big, n, out, sizeof out), 1);
    assert_string_equal(out, "h=host:evil.example");
}

/* The classes of byte c as the text extractor defines them, written out here apart from
 * the code's tables. */
static kz__tmask expected_classes(unsigned char c)
{
    kz__tmask m = {0};
    m.stop = c <= 0x20 || c == 0x7F || (c && strchr("\"'<>`{}|\\^", c));
    m.split = c && strchr("=,;()[]!?&*$#", c);
    m.dot = c == '.';
    m.colon = c == ':';
    m.slash = c == '/';
    m.dash = c == '-' || c == '_';
    m.hexl = (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    m.letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
    m.digit = c >= '0' && c <= '9';
    m.at = c == '@';
    return m;
}

static void check_bit(const kz__tmask *got, size_t bit, const kz__tmask *want, unsigned c, const char *what)
{
    const uint64_t *g = &got->stop, *w = &want->stop;
    for (size_t k = 0; k < 10; k++)  /* stop .. at */
        if (((g[k] >> bit) & 1) != w[k])
            fail_msg("%s: byte 0x%02x at bit %zu: class %zu is %d", what, c, bit, k, (int)((g[k] >> bit) & 1));
}

static void text_masks_every_byte(void **state)
{
    (void)state;
    static char buf[200];
    for (int impl = 0; impl < KZ__TMASK_COUNT; impl++) {
        if (!kz__tmask_available((kz__tmask_impl)impl))
            continue;
        /* every byte value at every position of a full window */
        for (unsigned c = 0; c < 256; c++) {
            kz__tmask want = expected_classes((unsigned char)c), filler = expected_classes('x');
            for (size_t at = 0; at < 64; at++) {
                memset(buf, 'x', sizeof buf);
                buf[at + 5] = (char)c;
                kz__tmask m;
                kz__tmask_window((kz__tmask_impl)impl, buf, 5, sizeof buf, &m);
                check_bit(&m, at, &want, c, "full window");
                check_bit(&m, at ? at - 1 : 63, &filler, 'x', "full window, a neighbour");
            }
        }
        /* windows that run past the end, of texts shorter and longer than 64 bytes: the
         * bytes past the end are stop bytes only, the ones before it are themselves */
        kz__tmask stop_only = {.stop = 1}, dot = expected_classes('.');
        for (size_t n = 1; n <= 130; n++)
            for (size_t i = n > 70 ? n - 70 : 0; i < n; i++) {
                memset(buf, '.', sizeof buf);
                kz__tmask m;
                kz__tmask_window((kz__tmask_impl)impl, buf, i, n, &m);
                for (size_t bit = 0; bit < 64; bit++)
                    check_bit(&m, bit, i + bit < n ? &dot : &stop_only, '.', "window at the end");
            }
    }
}

/* The window function each implementation hands out (the one the extractor fetches once
 * a line) gives, at every start of random texts of 1-200 bytes, each byte's own classes
 * and stop bytes only past the end. */
static void text_window_of_each_impl(void **state)
{
    (void)state;
    static char text[200];
    uint32_t seed = 29;
    for (int impl = 0; impl < KZ__TMASK_COUNT; impl++) {
        if (!kz__tmask_available((kz__tmask_impl)impl))
            continue;
        kz__tmask_window_fn *window = kz__tmask_window_of((kz__tmask_impl)impl);
        assert_non_null(window);
        for (size_t n = 1; n <= sizeof text; n += 7) {
            for (size_t k = 0; k < n; k++) {
                seed = seed * 1103515245u + 12345u;
                text[k] = (char)(seed >> 16);
            }
            for (size_t i = 0; i < n; i++) {
                kz__tmask m;
                window(text, i, n, &m);
                kz__tmask past = {.stop = 1};
                for (size_t bit = 0; bit < 64; bit++) {
                    kz__tmask want = i + bit < n ? expected_classes((unsigned char)text[i + bit]) : past;
                    check_bit(&m, bit, &want, i + bit < n ? (unsigned char)text[i + bit] : 0, "window_of");
                }
            }
        }
    }
}

static bool same_records(const kz_record *a, const kz_record *b)
{
    if (a->n != b->n || a->truncated != b->truncated)
        return false;
    for (int i = 0; i < a->n; i++)
        if (a->f[i].kind != b->f[i].kind || a->f[i].v != b->f[i].v || a->f[i].len != b->f[i].len ||
            a->f[i].name != b->f[i].name)
            return false;
    return true;
}

/* The fields of s[0..n) by every mask implementation, which must be the byte walk's;
 * "kind:value|..." into out. */
static kz_record ref;  /* every_walk's last record */

static const char *every_walk(const char *s, size_t n)
{
    static kz_record got;
    memset(&ref, 0, sizeof ref);
    int want = kz__text_extract_bytes(s, n, "t", 1, &ref);
    for (int impl = 0; impl < KZ__TMASK_COUNT; impl++) {
        if (!kz__tmask_available((kz__tmask_impl)impl))
            continue;
        memset(&got, 0, sizeof got);
        if (kz__text_extract_with((kz__tmask_impl)impl, s, n, "t", 1, &got) != want || !same_records(&ref, &got))
            fail_msg("implementation %d reads \"%.*s\" unlike the byte walk", impl, (int)(n < 300 ? n : 300), s);
    }
    static char out[4096];
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < ref.n && o < sizeof out; i++)
        o += (size_t)snprintf(out + o, sizeof out - o, "%s%s:%.*s", i ? "|" : "",
                              kz_enum_name(&kz_obs_kind_enum, (int)ref.f[i].kind), (int)ref.f[i].len, ref.f[i].v);
    return out;
}

static const char *walk(const char *s) { return every_walk(s, strlen(s)); }

static void text_walk_edges(void **state)
{
    (void)state;
    static const char hex64[] = "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef01";
    char line[512], want[512];
    assert_string_equal(walk(""), "");
    assert_string_equal(walk("   \t\"'<>{}|"), "");
    assert_string_equal(walk("a"), "");
    /* a token at every offset and of every length around the 16, 32 and 64 byte
     * boundaries: a host name of len bytes ("aaaa.example"), then an address */
    for (int off = 0; off < 70; off++)
        for (int len = 9; len <= 70; len++) {
            int n = snprintf(line, sizeof line, "%*s%.*s.example 203.0.113.9", off, "", len - 8,
                             "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh");
            snprintf(want, sizeof want, "host:%.*s.example|ip:203.0.113.9", len - 8, line + off);
            assert_string_equal(every_walk(line, (size_t)n), want);
        }
    /* hashes of 32, 40 and 64 hex digits at every offset; 63 and 65 are none */
    for (int off = 0; off < 70; off++)
        for (int len = 31; len <= 65; len++) {
            int n = snprintf(line, sizeof line, "%*s%.*s;x", off, "", len, hex64);
            if (len == 32 || len == 40 || len == 64)
                snprintf(want, sizeof want, "hash:%.*s", len, hex64);
            else
                want[0] = '\0';
            assert_string_equal(every_walk(line, (size_t)n), want);
        }
    /* a URL whose "://" straddles a boundary, after a prefix that is split off */
    for (int off = 0; off < 70; off++) {
        int n = snprintf(line, sizeof line, "%*sref=http://evil.example/a?b=c).", off, "");
        assert_string_equal(every_walk(line, (size_t)n), "url:http://evil.example/a?b=c");
    }
    /* bytes >= 0x80 are letters of a host name; IPv6 with "::" at each side of a boundary */
    for (int off = 0; off < 70; off++) {
        int n = snprintf(line, sizeof line, "%*sb\xC3\xBC" "cher.example [2001:db8::1]:443 fe80::1 fe80::1%%eth0", off, "");
        assert_string_equal(every_walk(line, (size_t)n), "host:b\xC3\xBC" "cher.example|ip:2001:db8::1|ip:fe80::1");
    }
    assert_string_equal(walk("12:34:56 1:2:3:4:5:6:7:8 1:2:3:4:5:6:1.2.3.4 a.b.c.d 1.2.3.4:80 -x.example x.example."
                             " x_y.example a@b.example mailto:m@evil.example text/css 10.0.0.0/8"),
                        "ip:1:2:3:4:5:6:7:8|ip:1:2:3:4:5:6:1.2.3.4|host:a.b.c.d|ip:1.2.3.4:80|host:x.example|"
                        "host:x.example|host:x_y.example|email:a@b.example|email:m@evil.example|ip:10.0.0.0");
    /* a very long token (300 KB), and a long line of short ones */
    static char big[300000];
    memset(big, 'a', sizeof big);
    memcpy(big + sizeof big - 8, ".example", 8);
    every_walk(big, sizeof big);
    assert_int_equal(ref.n, 1);
    assert_int_equal(ref.f[0].kind, KZ_OBS_HOST);
    assert_ptr_equal(ref.f[0].v, big);
    assert_int_equal(ref.f[0].len, sizeof big);
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = " 1.2.3.4 x.ex"[i % 13];
    every_walk(big, sizeof big);  /* the record fills up: truncated alike */
    assert_int_equal(ref.truncated, 1);
    /* random lines over the bytes that matter, at every length */
    static const char alpha[] = "aZf9.:-_/@ =,;[]\"'\t\x80\xff%~x1e:";
    uint32_t seed = 17;
    for (int k = 0; k < 20000; k++) {
        size_t n = (size_t)(k % 200);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            line[i] = alpha[(seed >> 16) % (sizeof alpha - 1)];
        }
        every_walk(line, n);
    }
}

/* The memo of field names (one per position in the line) tells apart names that differ
 * in one byte, at every position of names of 1 to 20 bytes. */
static void json_name_memo(void **state)
{
    (void)state;
    char name[32], other[32], fields[64], line[128];
    for (int len = 1; len <= 20; len++)
        for (int pos = 0; pos < len; pos++) {
            memset(name, 'n', (size_t)len);
            name[len] = '\0';
            memcpy(other, name, (size_t)len + 1);
            other[pos] = 'm';
            snprintf(fields, sizeof fields, "%s:host", name);
            fixture x;
            setup_fmt(&x, KZ_FMT_JSON, fields, false, "");
            const char *names[] = {name, other, name, other};
            for (int k = 0; k < 4; k++) {
                snprintf(line, sizeof line, "{\"%s\":\"evil.example\"}", names[k]);
                assert_int_equal(parse(&x, line, false), 1);
                assert_int_equal(x.rec.n, k % 2 ? 0 : 1);
            }
            teardown_fmt(&x);
        }
}

/* The shape of field values that are not one plain token: paths, MIME types, values
 * with '@', prefixes before a '/', punctuation at the ends, URLs of any case. */
static void value_shapes(void **state)
{
    (void)state;
    static const struct { const char *v, *want; } cases[] = {
        {"text/css", ""}, {"application/javascript", ""}, {"abc/def/ghi", ""}, {"a:b/c", ""},
        {"x/10.0.0.1", ""}, {"/a.b/c", "v=host:/a.b/c"}, {"a.b/", "v=host:a.b/"},
        {"evil.example/login", "v=host:evil.example/login"}, {"10.0.0.0/8", "v=ip:10.0.0.0/8"},
        {"d41d8cd98f00b204e9800998ecf8427e/x", "v=hash:d41d8cd98f00b204e9800998ecf8427e/x"},
        {"d41d8cd98f00b204e9800998ecf8427/x", ""}, {"2001:db8::1/64", "v=ip:2001:db8::1/64"},
        {"user@evil.example/x", "v=email:user@evil.example/x"}, {"-a.b/c", "v=host:-a.b/c"},
        {"HTTPS://Evil.Example/", "v=url:HTTPS://Evil.Example/"}, {"http://x", "v=url:http://x"},
        {"http://xy", "v=url:http://xy"}, {"https:/x.example", ""},
        {"httpx://a.example", "v=url:httpx://a.example"}, {"a=b/c.d", ""},
    };
    fixture x;
    setup_fmt(&x, KZ_FMT_JSON, NULL, false, "");
    char line[128];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(line, sizeof line, "{\"v\":\"%s\"}", cases[i].v);
        assert_int_equal(parse(&x, line, false), 1);
        if (strcmp(fields_of(&x.rec), cases[i].want) != 0)
            fail_msg("%s: \"%s\", not \"%s\"", cases[i].v, fields_of(&x.rec), cases[i].want);
    }
    teardown_fmt(&x);
}

/* Whether the reader takes text as a number: an optional '-', then a run of digits and
 * . e E + - with at least one digit, written out here apart from the reader. */
static bool loose_number(const char *t)
{
    const char *q = t + (*t == '-');
    bool digit = false;
    if (!*q)
        return false;
    for (; *q; q++) {
        if (!strchr("0123456789.eE+-", *q))
            return false;
        digit |= *q >= '0' && *q <= '9';
    }
    return digit;
}

/* Numbers of every shape, their runs starting at every offset of a 16-byte block and
 * ending before, at and after the line's last 16 bytes: taken or refused as the loose
 * rule says, and a timestamp that is a number is exactly its text. */
static void json_numbers(void **state)
{
    (void)state;
    static const char *shapes[] = {
        "0", "-0", "7", "-1", "1.5", "1e5", "1E+2", "1e-2", "-1.25e10", "01", "1.2.3e", "-", "1.", ".5",
        "+1", "e1", "-.", "1ee", "12345678901234567890123", "1700000000.004", "-123456789012345.678e+12",
        "1234567890123456789012345678901234567890", "0x10", "1_0", "NaN", "-e", "9-", "--1", "1+",
        "123456789012345", "1234567890123456", "12345678901234567",
    };
    fixture x;
    setup_fmt(&x, KZ_FMT_JSON, "h:host", false, "");
    char line[256];
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        bool ok = loose_number(shapes[i]);
        for (int pad = 0; pad < 40; pad++) {
            const char *pd = "pppppppppppppppppppppppppppppppppppppppppppp", *v = shapes[i];
            for (size_t l = 0; l < 4; l++) {
                if (l == 0)
                    snprintf(line, sizeof line, "{\"p\":\"%.*s\",\"ts\":%s,\"h\":\"evil.example\"}", pad, pd, v);
                else if (l == 1)
                    snprintf(line, sizeof line, "{\"h\":\"evil.example\",\"p\":\"%.*s\",\"ts\":%s}", pad, pd, v);
                else if (l == 2)
                    snprintf(line, sizeof line, "{\"p\":\"%.*s\",\"ts\":%s }", pad, pd, v);
                else
                    snprintf(line, sizeof line, "{\"p\":\"%.*s\",\"a\":[%s,%s]}", pad, pd, v, v);
                int got = parse(&x, line, false);
                if (got != (ok ? 1 : -1))
                    fail_msg("%s: %d", line, got);
                if (ok && l < 3) {
                    assert_int_equal(x.rec.ts_len, strlen(shapes[i]));
                    assert_memory_equal(x.rec.ts, shapes[i], x.rec.ts_len);
                }
                if (ok && l < 2)
                    assert_string_equal(fields_of(&x.rec), "h=host:evil.example");
            }
        }
    }
    /* a number that is the whole rest of a line shorter than 16 bytes, and one cut short */
    assert_int_equal(parse(&x, "{\"ts\":12}", false), 1);
    assert_memory_equal(x.rec.ts, "12", 2);
    assert_int_equal(parse(&x, "{\"ts\":12", false), -1);
    assert_int_equal(parse(&x, "{\"ts\":-", false), -1);
    teardown_fmt(&x);
}

/* Field names: a key at depth one is its own name (escaped or not), a nested one its
 * dotted path, the same after a long run of values, names too long for the path left
 * out as before, and the victim's field named by either. */
static void json_paths(void **state)
{
    (void)state;
    fixture x;
    setup_fmt(&x, KZ_FMT_JSON, NULL, false, "");
    assert_int_equal(parse(&x, "{\"h\\u006fst\":\"evil.example\",\"a\":{\"b\":\"10.0.0.1\",\"c\":{\"d\":"
                               "\"10.0.0.2\"},\"e\":[\"10.0.0.3\",{\"f\":\"10.0.0.4\"}]},\"g\":\"10.0.0.5\","
                               "\"a.b\":\"10.0.0.6\",\"\":\"10.0.0.7\",\"q\\\"k\":\"10.0.0.8\"}", false), 1);
    assert_string_equal(fields_of(&x.rec), "host=host:evil.example|a.b=ip:10.0.0.1|a.c.d=ip:10.0.0.2|"
                                           "a.e=ip:10.0.0.3|a.e.f=ip:10.0.0.4|g=ip:10.0.0.5|a.b=ip:10.0.0.6|"
                                           "=ip:10.0.0.7|q\"k=ip:10.0.0.8");
    /* the same names at other positions of the line, and past the memo's 64 positions */
    char line[8192];
    size_t n = (size_t)snprintf(line, sizeof line, "{");
    for (int i = 0; i < 70; i++)
        n += (size_t)snprintf(line + n, sizeof line - n, "%s\"f%d\":\"10.1.%d.%d\"", i ? "," : "", i, i / 10, i % 10);
    n += (size_t)snprintf(line + n, sizeof line - n, ",\"o\":{\"src\":\"10.9.9.9\"},\"src\":\"10.8.8.8\"}");
    assert_int_equal(parse(&x, line, false), 1);
    assert_int_equal(x.rec.n, 72);
    assert_memory_equal(x.rec.f[69].name, "f69", 3);
    assert_int_equal(x.rec.f[69].name_len, 3);
    assert_memory_equal(x.rec.f[70].name, "o.src", 5);
    assert_memory_equal(x.rec.f[71].name, "src", 3);
    assert_int_equal(x.rec.f[71].name_len, 3);
    assert_memory_equal(x.rec.victim, "10.8.8.8", x.rec.victim_len);
    assert_memory_equal(x.rec.victim_field, "src", x.rec.victim_field_len);
    /* a key of 600 bytes: the path is left as it was (empty at depth one, the parent's
     * below), as the reader has always done */
    char key[601];
    memset(key, 'k', 600);
    key[600] = '\0';
    snprintf(line, sizeof line, "{\"%s\":\"10.0.0.1\",\"o\":{\"%s\":\"10.0.0.2\",\"p\":\"10.0.0.3\"},\"z\":\"10.0.0.4\"}", key, key);
    assert_int_equal(parse(&x, line, false), 1);
    assert_string_equal(fields_of(&x.rec), "=ip:10.0.0.1|o=ip:10.0.0.2|o.p=ip:10.0.0.3|z=ip:10.0.0.4");
    teardown_fmt(&x);
}

/* The memo of values without a shape: values that come back, values of the same length
 * and end bytes that differ inside (the same slot), lengths around the memo's limit;
 * each line's fields are those a new context (an empty memo) finds. */
static void json_shape_memo(void **state)
{
    (void)state;
    static const char *values[] = {
        "GET", "text/css", "tex1.css", "text/css", "tex1.css", "POST", "P0ST", "abc", "a.c", "abc",
        "application/javascript", "applicationxjava.script", "application/javascript",
        "aaaaaaaaaaaaaaaaaaaaaaa", "aaaaaaaaaaa.aaaaaaaaaaa", "aaaaaaaaaaaaaaaaaaaaaaaa",
        "aaaaaaaaaaaa.aaaaaaaaaaa", "aaaaaaaaaaaaaaaaaaaaaaaaa", "aaaaaaaaaaaa.aaaaaaaaaaaa",
        "10.0.0.1", "10.0.0.1", "hello world", "hello.world", "text/html", "te.t/html", "GET",
    };
    fixture x;
    setup_fmt(&x, KZ_FMT_JSON, NULL, false, "");
    char line[256], want[2048];
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
            snprintf(line, sizeof line, "{\"m\":\"%s\",\"n\":\"%s\"}", values[i],
                     values[(i + 3) % (sizeof values / sizeof *values)]);
            fixture fresh;
            setup_fmt(&fresh, KZ_FMT_JSON, NULL, false, "");
            assert_int_equal(parse(&fresh, line, false), 1);
            snprintf(want, sizeof want, "%s", fields_of(&fresh.rec));
            teardown_fmt(&fresh);
            assert_int_equal(parse(&x, line, false), 1);
            if (strcmp(fields_of(&x.rec), want) != 0)
                fail_msg("%s: \"%s\", not \"%s\"", line, fields_of(&x.rec), want);
        }
    /* what the memo answers is what kz__shape answers: these have no shape, the others do */
    assert_int_equal(parse(&x, "{\"m\":\"text/css\",\"n\":\"tex1.css\",\"o\":\"GET\"}", false), 1);
    assert_string_equal(fields_of(&x.rec), "n=host:tex1.css");
    teardown_fmt(&x);
}

/* Keys told by the memo of names without being read: after lines that fill the memo,
 * keys equal to a kept name, longer or shorter by a byte, escaped, with a quote or a
 * backslash in them, at other positions, before an object, and cut off at the line's end
 * give the fields, answers and victims a new context gives. */
static void json_key_prediction(void **state)
{
    (void)state;
    static const char *lines[] = {
        "{\"src\":\"10.0.0.1\",\"host\":\"evil.example\",\"q\\\"k\":\"10.0.0.2\",\"a\\\\\":\"10.0.0.3\"}",
        "{\"src\":\"10.0.0.1\",\"host\":\"evil.example\",\"q\\\"k\":\"10.0.0.2\",\"a\\\\\":\"10.0.0.3\"}",
        "{\"srcx\":\"10.0.0.1\",\"hos\":\"evil.example\",\"q\\\"k\":\"10.0.0.4\",\"a\\\\\":\"10.0.0.5\"}",
        "{\"sr\":\"10.0.0.1\",\"hostt\":\"evil.example\",\"q\":\"10.0.0.4\",\"a\":\"10.0.0.5\"}",
        "{\"\\u0073rc\":\"10.0.0.1\",\"h\\u006fst\":\"evil.example\"}",
        "{\"host\":\"evil.example\",\"src\":\"10.0.0.1\"}",
        "{\"src\":{\"src\":\"10.0.0.9\",\"ip\":\"10.0.0.8\"},\"host\":[\"evil.example\",{\"host\":\"a.example\"}]}",
        "{\"src\":\"10.0.0.1\",\"host\":\"evil.example\"}",
        "{\"src\":1,\"host\":2,\"ts\":\"2026-11-25T10:00:00Z\"}",
        "{\"src\":\"10.0.0.1\",\"host\"", "{\"src\":\"10.0.0.1\",\"host", "{\"src\":\"10.0.0.1\",\"host\":",
        "{\"src\" :\"10.0.0.1\", \"host\" : \"evil.example\"}", "{\"src\":\"10.0.0.1\",\"src\":\"10.0.0.2\"}",
        "{\"src\":\"10.0.0.1\",\"host\":\"evil.example\"}", "{\"user\":{\"name\":\"bob\"},\"src\":\"10.0.0.1\"}",
        "{\"src\":\"10.0.0.7\",\"user\":{\"name\":\"eve\"}}",
        /* the raw bytes of a name with a quote or a backslash, kept by the line before,
         * are no such key */
        "{\"src\":\"10.0.0.1\",\"host\":\"evil.example\",\"q\\\"k\":\"10.0.0.2\",\"a\\\\\":\"10.0.0.3\"}",
        "{\"src\":\"10.0.0.1\",\"host\":\"evil.example\",\"q\"k\":\"10.0.0.2\"}",
        "{\"src\":\"10.0.0.1\",\"host\":\"evil.example\",\"q\\\"k\":\"10.0.0.2\",\"a\\\\\":\"10.0.0.3\"}",
        "{\"src\":\"10.0.0.1\",\"host\":\"evil.example\",\"x\":\"1\",\"a\\\":\"10.0.0.3\"}",
    };
    fixture x;
    setup_fmt(&x, KZ_FMT_JSON, NULL, false, "");
    char want[2048];
    for (int round = 0; round < 3; round++)
        for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
            fixture fresh;
            setup_fmt(&fresh, KZ_FMT_JSON, NULL, false, "");
            int w = parse(&fresh, lines[i], false);
            snprintf(want, sizeof want, "%s ts=%.*s victim=%.*s@%.*s", fields_of(&fresh.rec),
                     (int)fresh.rec.ts_len, fresh.rec.ts ? fresh.rec.ts : "", (int)fresh.rec.victim_len,
                     fresh.rec.victim ? fresh.rec.victim : "", (int)fresh.rec.victim_field_len,
                     fresh.rec.victim_field ? fresh.rec.victim_field : "");
            teardown_fmt(&fresh);
            int got = parse(&x, lines[i], false);
            if (got != w)
                fail_msg("%s: %d, not %d", lines[i], got, w);
            if (got <= 0)
                continue;
            char have[2048];
            snprintf(have, sizeof have, "%s ts=%.*s victim=%.*s@%.*s", fields_of(&x.rec), (int)x.rec.ts_len,
                     x.rec.ts ? x.rec.ts : "", (int)x.rec.victim_len, x.rec.victim ? x.rec.victim : "",
                     (int)x.rec.victim_field_len, x.rec.victim_field ? x.rec.victim_field : "");
            if (strcmp(have, want) != 0)
                fail_msg("%s: \"%s\", not \"%s\"", lines[i], have, want);
        }
    /* the answers themselves, for two of them */
    assert_int_equal(parse(&x, lines[6], false), 1);
    assert_string_equal(fields_of(&x.rec), "src.src=ip:10.0.0.9|src.ip=ip:10.0.0.8|host=host:evil.example|"
                                           "host.host=host:a.example");
    assert_int_equal(parse(&x, lines[2], false), 1);
    assert_string_equal(fields_of(&x.rec), "srcx=ip:10.0.0.1|hos=host:evil.example|q\"k=ip:10.0.0.4|"
                                           "a\\=ip:10.0.0.5");
    teardown_fmt(&x);
}

/* The line's summary for comparing two contexts: its fields, timestamp and victim. */
static void summary(const kz_record *r, char *out, size_t cap)
{
    snprintf(out, cap, "%s ts=%.*s victim=%.*s@%.*s", fields_of(r), (int)r->ts_len, r->ts ? r->ts : "",
             (int)r->victim_len, r->victim ? r->victim : "", (int)r->victim_field_len,
             r->victim_field ? r->victim_field : "");
}

static uint64_t rnd_state = 0x9E3779B97F4A7C15ull;
static unsigned rnd(unsigned n)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return (unsigned)(rnd_state % n);
}

/* Lines drawn from a few member orders, one key changed or spaced now and then, cut at
 * random: one context read them all, its memo predicting each next member (",\"key\":"
 * in one 16-byte compare, keys of 0-16 bytes around its 12-byte limit, the compare's
 * window near the line's end; keys about the memo's 96-byte limit), against a new
 * context's answers for each line alone. */
static void json_member_prediction(void **state)
{
    (void)state;
    static const char *keys[] = {"ts", "src", "host", "url", "elapsed", "a", "", "abcdefghijk", "abcdefghijkl",
                                 "abcdefghijklm", "abcdefghijklmnop", "q\\\"k", "h\\u006fst", "k\\\\", "src\"",
                                 "user", "@timestamp", "dst", "ab", "abc",
                                 /* about the memo's longest kept name (96 bytes) */
                                 "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
                                 "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
                                 "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"};
    static const char *values[] = {"\"10.0.0.1\"", "\"evil.example\"", "\"GET\"", "1700000000.004", "200", "-1",
                                   "\"ev\\u0069l.example\"", "{\"src\":\"10.0.0.9\",\"ip\":\"10.0.0.8\"}",
                                   "[\"evil.example\",{\"host\":\"a.example\"}]", "true", "null", "\"\"",
                                   "\"2026-11-25T10:00:00Z\"", "{}", "\"http://evil.example/x\""};
    enum { ORDERS = 4, MEMBERS = 8 };
    unsigned order[ORDERS][MEMBERS];
    for (int o = 0; o < ORDERS; o++)
        for (int m = 0; m < MEMBERS; m++)
            order[o][m] = rnd(sizeof keys / sizeof *keys);
    /* every name of the auto kind (ranks decide), then a few named with their kinds and
     * the others not selected */
    static const char *fields[] = {NULL, "src:ip,url:text,abc:host,ts:host"};
    for (size_t fi = 0; fi < sizeof fields / sizeof *fields; fi++) {
        fixture x;
        setup_fmt(&x, KZ_FMT_JSON, fields[fi], false, "");
        char line[2048], want[4096], have[4096];
        for (int i = 0; i < 20000; i++) {
            const unsigned *ord = order[rnd(ORDERS)];
            int members = 1 + (int)rnd(MEMBERS), n = 0;
            line[n++] = '{';
            for (int m = 0; m < members; m++) {
                unsigned k = rnd(10) ? ord[m] : rnd(sizeof keys / sizeof *keys);
                const char *sep = rnd(12) ? "" : rnd(2) ? " " : "\t";
                const char *v = values[rnd(sizeof values / sizeof *values)];
                n += snprintf(line + n, sizeof line - (size_t)n, "%s%s\"%s\"%s:%s%s", m ? "," : "",
                              m ? sep : "", keys[k], rnd(12) ? "" : " ", rnd(12) ? "" : " ", v);
            }
            line[n++] = '}';
            if (!rnd(8))
                n = (int)rnd((unsigned)n + 1);  /* cut */
            /* the line at the end of its own allocation: nothing past it may be read */
            char *at = kz_malloc((size_t)n + 1);
            assert_non_null(at);
            memcpy(at, line, (size_t)n);
            at[n] = '\0';
            fixture fresh;
            setup_fmt(&fresh, KZ_FMT_JSON, fields[fi], false, "");
            int w = kz_logfmt_parse(fresh.f, fresh.c, at, (size_t)n, 0, false, &fresh.rec);
            summary(&fresh.rec, want, sizeof want);
            teardown_fmt(&fresh);
            int got = kz_logfmt_parse(x.f, x.c, at, (size_t)n, 0, false, &x.rec);
            if (got != w)
                fail_msg("%s: %d, not %d", at, got, w);
            if (got > 0) {
                summary(&x.rec, have, sizeof have);
                if (strcmp(have, want) != 0)
                    fail_msg("%s: \"%s\", not \"%s\"", at, have, want);
            }
            kz_free(at);
        }
        teardown_fmt(&x);
    }
}

/* The kind the JSON reader gives a value (its memos, its inline http:// test, its
 * numeric window) against kz__shape's answer for the same bytes: prefixes near a URL's,
 * lengths about the memo's 24 bytes and kz__shape's 8,192, each value read twice. */
static void json_shapes_agree(void **state)
{
    (void)state;
    static const char *heads[] = {"http://", "https://", "HTTP://", "Https://", "http:/", "http//", "htt://",
                                  "https:", "https:/", "ftp://", "", "10.0.0.1", "evil.example", "hxxp://"};
    static const char fill[] = "abcz.:/-09";
    enum { BIG = 8200 };
    kz_logfmt_opts o = {.format = KZ_FMT_JSON, .max_line = 1 << 16};
    kz_logfmt *f;
    kz_err err;
    assert_int_equal(kz_logfmt_new(&o, &f, &err), KZ_OK);
    kz_logctx *c = kz_logctx_new(f);
    assert_non_null(c);
    char *v = kz_malloc(BIG + 1), *line = kz_malloc(BIG + 16);
    assert_non_null(v);
    assert_non_null(line);
    kz_record rec;
    for (int i = 0; i < 20000; i++) {
        const char *h = heads[rnd(sizeof heads / sizeof *heads)];
        size_t hn = strlen(h), n;
        memcpy(v, h, hn);
        n = i % 50 == 0 ? 8185 + rnd(12) : hn + rnd(32);
        for (size_t k = hn; k < n; k++)
            v[k] = i % 50 == 0 ? 'a' : fill[rnd(sizeof fill - 1)];
        int len = snprintf(line, BIG + 16, "{\"a\":\"%.*s\"}", (int)n, v);
        kz_obs_kind want = kz__shape(v, n);
        for (int round = 0; round < 2; round++) {
            assert_int_equal(kz_logfmt_parse(f, c, line, (size_t)len, 0, false, &rec), 1);
            kz_obs_kind got = rec.n ? rec.f[0].kind : KZ_OBS_NONE;
            if (got != want || rec.n > 1)
                fail_msg("%.*s (%zu bytes): %d, not %d", (int)(n < 80 ? n : 80), v, n, (int)got, (int)want);
        }
    }
    kz_free(v);
    kz_free(line);
    kz_logctx_free(c);
    kz_logfmt_free(f);
}

/* A string ending in a line's last 16 bytes, the line shorter or longer than 16 bytes:
 * an escaped quote, a backslash pair, a control byte or UTF-8 at every position of it,
 * read by the byte walk as by every index reader, and as written out here. */
static void json_string_tails(void **state)
{
    (void)state;
    static const struct { const char *raw, *text; int ok; } inserts[] = {
        {"", "", 1}, {"\\\"", "\"", 1}, {"\\\\", "\\", 1}, {"\x01", "", 0}, {"\xC3\xA9", "\xC3\xA9", 1},
        {"\\u0041", "A", 1}, {"\\", "", 0},
    };
    char line[128], out[1024], want[256];
    const char *xs = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    for (size_t i = 0; i < sizeof inserts / sizeof *inserts; i++)
        for (int len = 0; len <= 30; len++)
            for (int at = 0; at <= len; at++) {
                for (int tail = 0; tail < 3; tail++) {
                    const char *end = tail == 0 ? "}" : tail == 1 ? " }" : ",\"b\":1}";
                    int n = snprintf(line, sizeof line, "{\"a\":\"%.*s%s%.*s\"%s", at, xs, inserts[i].raw,
                                     len - at, xs, end);
                    int got = every_reader("a:host", line, (size_t)n, out, sizeof out);
                    if (got != (inserts[i].ok ? 1 : -1))
                        fail_msg("%s: %d", line, got);
                    if (!inserts[i].ok)
                        continue;
                    snprintf(want, sizeof want, "a=host:%.*s%s%.*s", at, xs, inserts[i].text, len - at, xs);
                    if (len == 0 && !*inserts[i].text)
                        want[0] = '\0';  /* an empty value is no field */
                    if (strcmp(out, want) != 0)
                        fail_msg("%s: \"%s\", not \"%s\"", line, out, want);
                }
            }
}

/* The shape of a value as kz__shape_numeric answers it (when it answers) and as
 * kz__shape does: every string of up to six bytes over digits, dots and a few other
 * bytes, and digit runs of every length to 70 (the hash lengths among them), with dots
 * put in. */
/* kz__shape (SSE2 masks for host names of 16 bytes or more) against kz__shape_bytes
 * (every byte counted) on 200,000 generated values of 16 to 90 bytes over the bytes that
 * decide a shape (letters of both cases, hex digits, dots, colons, dashes, '_', '/', '@',
 * a byte over 0x80), each at the end of its own allocation (a read past it shows under ASan). */
static void wide_shapes_agree(void **state)
{
    (void)state;
    static const char host[] = "abcdefxyz0123456789...--";          /* a host name's bytes */
    static const char any[] = "abcdefxyzABFXZ0123456789..--_:/@\x80";  /* and the others */
    uint64_t x = 7;
    char buf[96];
    for (int t = 0; t < 200000; t++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        size_t n = 16 + (size_t)(x >> 58) + ((x >> 50) & 15);
        bool mixed = ((x >> 40) & 3) == 3;
        for (size_t i = 0; i < n; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            buf[i] = mixed ? any[(x >> 33) % (sizeof any - 1)] : host[(x >> 33) % (sizeof host - 1)];
        }
        char *v = kz_malloc(n);
        assert_non_null(v);
        memcpy(v, buf, n);
        assert_int_equal(kz__shape(v, n), kz__shape_bytes(v, n));
        kz_free(v);
    }
}

static void numeric_shapes_agree(void **state)
{
    (void)state;
    static const char alpha[] = "09.a:/-";
    enum { NA = sizeof alpha - 1 };
    char v[80];
    size_t answered = 0;
    for (size_t n = 1; n <= 6; n++) {
        size_t total = 1;
        for (size_t i = 0; i < n; i++)
            total *= NA;
        for (size_t code = 0; code < total; code++) {
            size_t c = code;
            for (size_t i = 0; i < n; i++, c /= NA)
                v[i] = alpha[c % NA];
            int got = kz__shape_numeric(v, n, 0, n);
            if (got >= 0) {
                answered++;
                if (got != (int)kz__shape(v, n))
                    fail_msg("\"%.*s\": %d, kz__shape %d", (int)n, v, got, (int)kz__shape(v, n));
            }
        }
    }
    for (size_t n = 1; n <= 70; n++)
        for (size_t dots = 0; dots <= 4; dots++) {
            for (size_t i = 0; i < n; i++)
                v[i] = (char)('0' + i % 10);
            for (size_t d = 0; d < dots && n > 2; d++)
                v[1 + (d * 7) % (n - 2)] = '.';
            int got = kz__shape_numeric(v, n, 0, n);
            assert_true(got >= 0);  /* digits and inner dots: always answered */
            answered++;
            if (got != (int)kz__shape(v, n))
                fail_msg("\"%.*s\": %d, kz__shape %d", (int)n, v, got, (int)kz__shape(v, n));
        }
    assert_true(answered > 500);
    /* a value at every offset of lines of 16 to 48 bytes: the SSE2 window is the value's
     * own 16 bytes, or the line's last 16 shifted, and the bytes around the value (a
     * digit, a dot, a comma) never count */
    static const char *const vals[] = {"192.0.2.1", "1700000000.004", "12", "1.2.3.4.5", "123a",
                                       "1234567890123456", "1.2", "255.255.255.255", "9.", "0"};
    static const char around[] = "7.,";
    char line[64];
    for (size_t L = 16; L <= 48; L++)
        for (size_t a = 0; a < 3; a++)
            for (size_t k = 0; k < sizeof vals / sizeof *vals; k++) {
                size_t n = strlen(vals[k]);
                for (size_t o = 0; o + n <= L; o++) {
                    memset(line, around[a], L);
                    memcpy(line + o, vals[k], n);
                    int got = kz__shape_numeric(line, L, o, n);
                    int want = (int)kz__shape(line + o, n);
                    if (got >= 0 ? got != want : kz__shape_numeric(vals[k], n, 0, n) >= 0)
                        fail_msg("\"%s\" at %zu of %zu: %d, kz__shape %d", vals[k], o, L, got, want);
                }
            }
    assert_int_equal(kz__shape_numeric("192.0.2.1", 9, 0, 9), KZ_OBS_IP);
    assert_int_equal(kz__shape_numeric("1700000000.004", 14, 0, 14), KZ_OBS_NONE);
    assert_int_equal(kz__shape_numeric(".1.2.3", 6, 0, 6), -1);
    assert_int_equal(kz__shape_numeric("a1.2", 4, 0, 4), -1);
}

/* CSV columns whose values repeat (answered from the per-column memo of shapes) or do not
 * (the memo turned off): each line's fields are those kz__shape gives its values. */
static void csv_repeated_shapes(void **state)
{
    (void)state;
    static const char *const vals[] = {
        "GET", "text/css", "evil.example", "http://evil.example/login", "d41d8cd98f00b204e9800998ecf8427e",
        "2001:db8::1", "a@evil.example", "x/10.0.0.1", "application/javascript", "/a.b/c",
        "a-very-long-host-name-of-more-than-32.bytes.example", "[2001:db8::1]:443", "POST"};
    enum { NV = sizeof vals / sizeof *vals };
    fixture x;
    setup_fmt(&x, KZ_FMT_CSV, NULL, true, "rep,few,all\n");
    char line[256], want[512];
    for (int i = 0; i < 400; i++) {
        /* rep: one of three; few: a few, cycled; all: a new value most lines */
        /* few cycles through 5 values, then 8 (the memo's ways), then 9 (one more) */
        int few = i < 150 ? 5 : i < 300 ? 8 : 9;
        const char *a = vals[i % 3], *b = vals[3 + (i / 2) % few], *c = vals[(i * 7) % NV];
        char fresh[64];
        snprintf(fresh, sizeof fresh, "h%d.evil.example", i);
        const char *cc = i % 4 ? fresh : c;
        snprintf(line, sizeof line, "%s,%s,%s", a, b, cc);
        assert_int_equal(parse(&x, line, false), 1);
        size_t o = 0;
        want[0] = '\0';
        const char *names[] = {"rep", "few", "all"}, *v[] = {a, b, cc};
        for (int k = 0; k < 3; k++) {
            kz_obs_kind kind = kz__shape(v[k], strlen(v[k]));
            if (kind != KZ_OBS_NONE)
                o += (size_t)snprintf(want + o, sizeof want - o, "%s%s=%s:%s", o ? "|" : "", names[k],
                                      kz_enum_name(&kz_obs_kind_enum, (int)kind), v[k]);
        }
        if (strcmp(fields_of(&x.rec), want) != 0)
            fail_msg("line %d \"%s\": \"%s\", not \"%s\"", i, line, fields_of(&x.rec), want);
    }
    teardown_fmt(&x);
}

/* The timestamp and victim of a CSV line: columns of the header (taken once a line, not
 * tested in every column), columns past it named by number, quoted lines, and lines too
 * short to hold them, each as the column's value or nothing. */
static void csv_time_and_victim_columns(void **state)
{
    (void)state;
    static const struct {
        const char *ts_field, *victim_field, *line;
        const char *ts, *victim, *victim_field_name;  /* NULL: not set */
    } cases[] = {
        {NULL, NULL, "1700000000.5,bob,10.0.0.1,evil.example", "1700000000.5", "bob", "user"},
        {NULL, NULL, "1700000000.5,\"b,o\"\"b\",10.0.0.1,evil.example", "1700000000.5", "b,o\"b", "user"},
        {NULL, NULL, "1700000000.5", "1700000000.5", NULL, NULL},
        {NULL, NULL, ",,10.0.0.1", "", "", "user"},
        {NULL, NULL, "t,u,10.0.0.1,evil.example,more,extra", "t", "u", "user"},
        {"src", "host", "t,u,10.0.0.1,evil.example", "10.0.0.1", "evil.example", "host"},
        {"5", "6", "t,u,10.0.0.1,evil.example,1700000001,alice", "1700000001", "alice", "6"},
        {"5", "6", "t,u,10.0.0.1,evil.example,\"1700000001\",\"al,ice\"", "1700000001", "al,ice", "6"},
        {"5", "6", "t,u,10.0.0.1,evil.example,1700000001", "1700000001", NULL, NULL},
        {"5", "6", "t,u,10.0.0.1", NULL, NULL, NULL},
    };
    const char *head = "ts,user,src,host\n";
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        kz_logfmt_opts o = {.format = KZ_FMT_CSV, .header = true, .max_line = 4096,
                            .ts_field = cases[i].ts_field, .victim_field = cases[i].victim_field};
        fixture x;
        kz_err err;
        assert_int_equal(kz_logfmt_new(&o, &x.f, &err), KZ_OK);
        if (kz_logfmt_prepare(x.f, head, strlen(head), &err) != KZ_OK)
            fail_msg("prepare: %s", err.msg);
        x.c = kz_logctx_new(x.f);
        assert_non_null(x.c);
        /* the line at the end of its own allocation, and long enough for the windows */
        char line[200];
        snprintf(line, sizeof line, "%s", cases[i].line);
        assert_int_equal(parse(&x, line, false), 1);
        const char *got[3] = {x.rec.ts, x.rec.victim, x.rec.victim_field};
        size_t got_len[3] = {x.rec.ts_len, x.rec.victim_len, x.rec.victim_field_len};
        const char *want[3] = {cases[i].ts, cases[i].victim, cases[i].victim_field_name};
        for (int k = 0; k < 3; k++) {
            if (!want[k]) {
                if (got[k])
                    fail_msg("case %zu: %d set to \"%.*s\"", i, k, (int)got_len[k], got[k]);
                continue;
            }
            if (!got[k] || got_len[k] != strlen(want[k]) || memcmp(got[k], want[k], got_len[k]) != 0)
                fail_msg("case %zu: %d is \"%.*s\", not \"%s\"", i, k, got[k] ? (int)got_len[k] : 0,
                         got[k] ? got[k] : "", want[k]);
        }
        teardown_fmt(&x);
    }
}

/* The CSV lines of 64 bytes or more that are matched as their separators are found
 * (csv_windows) give the fields, timestamp and victim the general way gives (the same
 * header with the windows turned off): quotes at every place, fewer and more columns than
 * the header, \r\n, empty columns, numeric, host, URL and memo columns, lines around 64
 * and 128 bytes; each line at the end of its own allocation. */
static void csv_windows_agree(void **state)
{
    (void)state;
    if (!kz__split_avx2_available())
        skip();
    static const char *const vals[] = {"GET", "text/css", "1700000000.004", "4621", "10.253.126.156",
                                       "192.0.2.99", "evil.example", "cdn4789.hbctohsn.test",
                                       "http://evil.example/a.html", "", "x", "1.2.3.4.5", "a b",
                                       "d41d8cd98f00b204e9800998ecf8427e", "2001:db8::1", "12."};
    enum { NV = sizeof vals / sizeof *vals };
    const char *head = "ts,elapsed,src,dst,method,host,url,user\n";
    fixture a, b;
    setup_fmt(&a, KZ_FMT_CSV, NULL, true, head);
    setup_fmt(&b, KZ_FMT_CSV, NULL, true, head);
    b.f->split_avx2 = false;  /* the general way */
    unsigned seed = 17;
    char line[512];
    int windows = 0;
    for (int i = 0; i < 30000; i++) {
        seed = seed * 1103515245u + 12345u;
        int cols = 1 + (int)(seed >> 16) % 11;  /* up to 11: past the header's 8 */
        size_t o = 0;
        for (int k = 0; k < cols && o < 400; k++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = seed >> 8;
            const char *v = vals[r % NV];
            if (r % 7 == 0) {  /* padding, to move the separators over the windows */
                int pad = (int)(r >> 8) % 70;
                o += (size_t)snprintf(line + o, sizeof line - o, "%s%.*s", k ? "," : "", pad,
                                      "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp");
            } else {
                o += (size_t)snprintf(line + o, sizeof line - o, "%s%s%s%s", k ? "," : "",
                                      r % 53 == 1 ? "\"" : "", v, r % 61 == 2 ? "\"" : "");
            }
        }
        if ((seed >> 20) % 5 == 0 && o < sizeof line - 1)
            line[o++] = '\r';
        line[o] = '\0';
        char *own = kz_malloc(o + 1);
        assert_non_null(own);
        memcpy(own, line, o + 1);
        windows += o >= 64 && !strchr(own, '"');
        int ra = kz_logfmt_parse(a.f, a.c, own, o, 0, false, &a.rec);
        char got[2048];
        snprintf(got, sizeof got, "%s", fields_of(&a.rec));
        int rb = kz_logfmt_parse(b.f, b.c, own, o, 0, false, &b.rec);
        if (ra != rb || strcmp(got, fields_of(&b.rec)) != 0)
            fail_msg("line \"%s\": %d \"%s\", not %d \"%s\"", own, ra, got, rb, fields_of(&b.rec));
        if (ra > 0) {
            assert_int_equal(a.rec.ts_len, b.rec.ts_len);
            assert_true(a.rec.ts == b.rec.ts || memcmp(a.rec.ts, b.rec.ts, a.rec.ts_len) == 0);
            assert_int_equal(a.rec.victim_len, b.rec.victim_len);
            assert_true(a.rec.victim == b.rec.victim || memcmp(a.rec.victim, b.rec.victim, a.rec.victim_len) == 0);
            assert_int_equal(a.rec.victim_field_len, b.rec.victim_field_len);
            assert_int_equal(a.rec.truncated, b.rec.truncated);
        }
        kz_free(own);
    }
    assert_true(windows > 5000);  /* the windows were taken */
    teardown_fmt(&a);
    teardown_fmt(&b);
}

/* A CSV column of host-like values, its memo turned off by values that do not repeat, so
 * that csv_host answers for it: each value's field as kz__shape_bytes says (strings of the
 * bytes of host names and a few others, 1 to 40 bytes, around csv_host's 16 and 32), in
 * lines short and long (the windows), the value first, inside and last. */
static void csv_host_names_agree(void **state)
{
    (void)state;
    static const char alphabet[] = "abcxyz0189.-.-Z_:/@";
    fixture x;
    setup_fmt(&x, KZ_FMT_CSV, NULL, true, "a,h,b\n");
    unsigned seed = 5;
    for (int i = 0; i < 60000; i++) {
        char v[48], line[160];
        seed = seed * 1103515245u + 12345u;
        size_t n = 1 + (seed >> 16) % 40;
        bool no_letters = (seed >> 4) % 4 == 0;  /* digits, dots and dashes: not a host name */
        for (size_t k = 0; k < n; k++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = (seed >> 16) % 100;
            /* mostly host bytes, so that whole names come up */
            v[k] = r < 80 ? alphabet[no_letters ? 6 + r % 4 : r % 10] : r < 92 ? alphabet[10 + r % 2]
                                                                              : alphabet[12 + r % 7];
        }
        v[n] = '\0';
        int where = (int)(seed >> 8) % 3;
        const char *pad = (seed >> 12) & 1 ? "padpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpad" : "";
        if (where == 0)
            snprintf(line, sizeof line, "%s,,%s", v, pad);
        else if (where == 1)
            snprintf(line, sizeof line, "%s,%s,", pad, v);
        else
            snprintf(line, sizeof line, "q,%s", v);
        size_t len = strlen(line);
        char *own = kz_malloc(len + 1);  /* the line at the end of its own allocation */
        assert_non_null(own);
        memcpy(own, line, len + 1);
        assert_int_equal(kz_logfmt_parse(x.f, x.c, own, len, 0, false, &x.rec), 1);
        kz_obs_kind kind = kz__shape_bytes(v, n);
        const char *name = where == 0 ? "a" : "h";
        char want[160] = "";
        if (kind != KZ_OBS_NONE)
            snprintf(want, sizeof want, "%s=%s:%s", name, kz_enum_name(&kz_obs_kind_enum, (int)kind), v);
        if (strcmp(fields_of(&x.rec), want) != 0)
            fail_msg("line \"%s\": \"%s\", not \"%s\"", own, fields_of(&x.rec), want);
        kz_free(own);
    }
    teardown_fmt(&x);
}

/* A Zeek log of ncols columns (ts, id.orig_h, then c<i>_h address columns; with http,
 * the last two are host and uri) and one data line with an address in every c<i>_h
 * column, some unset or empty, more than 64 bytes so the separator windows are used.
 * Returns the fields parsed (or "-1"). */
static const char *zeek_columns(int ncols, bool short_line, bool http)
{
    static char head[8192], line[8192];
    size_t h = (size_t)snprintf(head, sizeof head, "#fields\tts\tid.orig_h");
    size_t l = (size_t)snprintf(line, sizeof line, "1700000000.5\t10.0.0.1");
    for (int i = 2; i < ncols; i++) {
        if (http && i >= ncols - 2) {
            bool host = i == ncols - 2;
            h += (size_t)snprintf(head + h, sizeof head - h, host ? "\thost" : "\turi");
            l += (size_t)snprintf(line + l, sizeof line - l, host ? "\tcert.example.jp" : "\t/alerts/%d", ncols);
            continue;
        }
        h += (size_t)snprintf(head + h, sizeof head - h, "\tc%d_h", i);
        l += (size_t)snprintf(line + l, sizeof line - l, i % 5 == 0 ? "\t-" : i % 7 == 0 ? "\t(empty)" : i % 11 == 0 ? "\t" : "\t192.0.2.%d", i % 250);
    }
    if (short_line)
        line[l - 2] = '\0', line[strrchr(line, '\t') - line] = '\0';
    snprintf(head + h, sizeof head - h, "\n");
    fixture x;
    setup_fmt(&x, KZ_FMT_AUTO, NULL, false, head);
    const void *st;
    assert_int_equal(kz_logfmt_scan_block(x.f, 0, head, strlen(head), &st), KZ_OK);
    kz_logctx_block(x.c, 1, NULL);
    static char out[4096];
    int rc = parse(&x, line, false);
    snprintf(out, sizeof out, "%s", rc < 0 ? "-1" : fields_of(&x.rec));
    teardown_fmt(&x);
    return out;
}

static const char *zeek_wide(int ncols, bool short_line) { return zeek_columns(ncols, short_line, false); }

/* Zeek lines split by the separator windows (up to 128 columns) and by the memchr walk
 * (more): the same fields for the same columns, and a line short of its header's columns
 * refused by both. */
static void zeek_wide_and_narrow(void **state)
{
    (void)state;
    char narrow[4096];
    snprintf(narrow, sizeof narrow, "%s", zeek_wide(40, false));
    assert_non_null(strstr(narrow, "c39_h=ip:192.0.2.39"));
    assert_null(strstr(narrow, "c5_h="));  /* unset */
    assert_null(strstr(narrow, "c7_h="));  /* empty */
    assert_null(strstr(narrow, "c11_h="));
    const char *wide = zeek_wide(140, false);
    assert_true(strncmp(wide, narrow, strlen(narrow)) == 0);  /* the first 40 alike */
    assert_non_null(strstr(wide, "c139_h=ip:192.0.2.139"));
    assert_string_equal(zeek_wide(40, true), "-1");
    assert_string_equal(zeek_wide(140, true), "-1");
    assert_string_equal(zeek_wide(128, true), "-1");
    assert_non_null(strstr(zeek_wide(128, false), "c127_h=ip:192.0.2.127"));
    assert_non_null(strstr(zeek_wide(129, false), "c128_h=ip:192.0.2.128"));
    /* the host and uri columns make the absolute URL on either path */
    static const int widths[] = {40, 128, 129, 140};
    for (size_t i = 0; i < sizeof widths / sizeof *widths; i++) {
        char want[64];
        snprintf(want, sizeof want, "host+uri=url:http://cert.example.jp/alerts/%d", widths[i]);
        const char *got = zeek_columns(widths[i], false, true);
        if (!strstr(got, want) || !strstr(got, "host=host:cert.example.jp"))
            fail_msg("%d columns: \"%s\" lacks \"%s\"", widths[i], got, want);
    }
}

/* One line of a random Zeek header, read with the header as it is (the separator
 * windows and the list of wanted columns) and with pad columns added past 128 (the memchr
 * walk of every column): "fields / victim / time", or "-1". */
static const char *zeek_read(const char *names, const char *types, const char *line, int pad)
{
    static char head[8192], data[8192], out[4096];
    size_t h = (size_t)snprintf(head, sizeof head, "#fields\t%s", names);
    for (int i = 0; i < pad; i++)
        h += (size_t)snprintf(head + h, sizeof head - h, "\tpad%d", i);
    if (types) {
        h += (size_t)snprintf(head + h, sizeof head - h, "\n#types\t%s", types);
        for (int i = 0; i < pad; i++)
            h += (size_t)snprintf(head + h, sizeof head - h, "\tcount");
    }
    snprintf(head + h, sizeof head - h, "\n");
    size_t l = (size_t)snprintf(data, sizeof data, "%s", line);
    for (int i = 0; i < pad; i++)
        l += (size_t)snprintf(data + l, sizeof data - l, "\t%d", i);
    fixture x;
    setup_fmt(&x, KZ_FMT_ZEEK, NULL, false, head);
    const void *st;
    assert_int_equal(kz_logfmt_scan_block(x.f, 0, head, strlen(head), &st), KZ_OK);
    kz_logctx_block(x.c, 1, NULL);
    int rc = parse(&x, data, false);
    if (rc < 0)
        snprintf(out, sizeof out, "-1");
    else
        snprintf(out, sizeof out, "%s / %.*s / %.*s", fields_of(&x.rec), (int)x.rec.victim_len,
                 x.rec.victim ? x.rec.victim : "", (int)x.rec.ts_len, x.rec.ts ? x.rec.ts : "");
    teardown_fmt(&x);
    return out;
}

/* The columns a Zeek data line is read for (kz__zeek_hdr.want, made from #fields and
 * #types): 3,000 random headers of 1-40 columns named from Zeek's roles and kinds and
 * plain names, with and without #types, and a data line of values, unset and empty
 * markers and sets; the fields, victim and time must be those of the walk of every
 * column (the same header padded past 128 columns). */
static void zeek_wanted_columns(void **state)
{
    (void)state;
    static const char *const names[] = {"ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "host",
                                        "uri", "query", "answers", "md5", "referrer", "mailfrom",
                                        "c_h", "x_addr", "plain", "status_code", "server_name"};
    static const char *const types[] = {"addr", "string", "count", "set[addr]", "set[string]",
                                        "time", "port", "vector[addr]"};
    static const char *const values[] = {"-", "(empty)", "", "192.0.2.7", "evil.example", "/p/x.php",
                                         "http://h.example/a", "a,b", "10.0.0.1,evil.example",
                                         "1700000000.5", "d41d8cd98f00b204e9800998ecf8427e",
                                         "x@evil.example"};
    unsigned seed = 17;
    for (int round = 0; round < 3000; round++) {
        char nm[2048], ty[2048], ln[2048];
        size_t a = 0, b = 0, c = 0;
        seed = seed * 1103515245u + 12345u;
        int ncols = 1 + (int)(seed >> 16) % 40;
        bool typed = (seed >> 8) & 1;
        for (int i = 0; i < ncols; i++) {
            seed = seed * 1103515245u + 12345u;
            const char *sep = i ? "\t" : "";
            a += (size_t)snprintf(nm + a, sizeof nm - a, "%s%s", sep,
                                  names[(seed >> 16) % (sizeof names / sizeof *names)]);
            b += (size_t)snprintf(ty + b, sizeof ty - b, "%s%s", sep,
                                  types[(seed >> 8) % (sizeof types / sizeof *types)]);
            c += (size_t)snprintf(ln + c, sizeof ln - c, "%s%s", sep,
                                  values[(seed >> 20) % (sizeof values / sizeof *values)]);
        }
        char narrow[4096];
        snprintf(narrow, sizeof narrow, "%s", zeek_read(nm, typed ? ty : NULL, ln, 0));
        const char *wide = zeek_read(nm, typed ? ty : NULL, ln, 130 - ncols);
        if (strcmp(narrow, wide) != 0)
            fail_msg("round %d, header \"%s\"%s, line \"%s\":\n  wanted columns \"%s\"\n  every column  \"%s\"",
                     round, nm, typed ? " (typed)" : "", ln, narrow, wide);
    }
}

/* http.log's uri taken as an absolute URL when "://" starts in its first 16 bytes (and
 * it has more than 7), else made absolute with the host when it starts with '/': ':',
 * "//", "://", ":/" and "/:" at every position of targets of 1 to 40 bytes, against that
 * rule written out byte by byte. */
static void zeek_absolute_targets(void **state)
{
    (void)state;
    const char *http = "#fields\tts\tid.orig_h\thost\turi\n#types\ttime\taddr\tstring\tstring\n";
    fixture x;
    setup_fmt(&x, KZ_FMT_ZEEK, NULL, false, http);
    const void *st;
    assert_int_equal(kz_logfmt_scan_block(x.f, 0, http, strlen(http), &st), KZ_OK);
    kz_logctx_block(x.c, 1, NULL);
    static const char *const marks[] = {":", "//", "://", ":/", "/:"};
    static const char fill[] = "/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH";
    for (size_t mk = 0; mk < sizeof marks / sizeof *marks; mk++)
        for (size_t n = 1; n <= 40; n++)
            for (size_t at = 0; at + strlen(marks[mk]) <= n; at++) {
                char uri[64], line[160], want[160];
                memcpy(uri, fill, n);
                memcpy(uri + at, marks[mk], strlen(marks[mk]));
                uri[n] = '\0';
                bool abs = false;
                for (size_t i = 0; n > 7 && i + 3 <= (n < 16 ? n : 16); i++)
                    abs = abs || (uri[i] == ':' && uri[i + 1] == '/' && uri[i + 2] == '/');
                snprintf(line, sizeof line, "1.0\t10.0.0.4\tevil.example\t%s", uri);
                assert_int_equal(parse(&x, line, false), 1);
                const char *got = fields_of(&x.rec);
                if (abs)
                    snprintf(want, sizeof want, "|uri=url:%s", uri);
                else
                    snprintf(want, sizeof want, "|host+uri=url:http://evil.example%s", uri);
                if ((abs || uri[0] == '/') != (strstr(got, want) != NULL) ||
                    (!abs && strstr(got, "|uri=url:")) || (abs && strstr(got, "host+uri")))
                    fail_msg("uri \"%s\" (absolute %d): \"%s\"", uri, abs, got);
            }
    teardown_fmt(&x);
}

/* The fields of s[0..n) at sep, byte by byte: what kz__split and kz__split_with give. */
static int split_bytes(const char *s, size_t n, char sep, bool collapse, const char **v,
                       size_t *len, int max)
{
    int k = 0;
    size_t fs = 0;
    for (size_t i = 0; i <= n && k < max; i++) {
        if (i < n && s[i] != sep)
            continue;
        if (i > fs || !collapse || (i == n && i > fs)) {
            v[k] = s + fs;
            len[k++] = i - fs;
        }
        fs = i + 1;
    }
    return k;
}

/* One line through kz__split_with (each implementation this CPU runs) and the byte walk:
 * the same fields, or -1 for both when quote is in the line. */
static void split_agrees(const char *s, size_t n, char sep, bool collapse, char quote, int max)
{
    const char *wv[400], *gv[400];
    size_t wl[400], gl[400];
    int want = quote && memchr(s, quote, n) ? -1 : split_bytes(s, n, sep, collapse, wv, wl, max);
    for (int avx2 = 0; avx2 <= (int)kz__split_avx2_available(); avx2++) {
        int got = kz__split_with(avx2, s, n, sep, collapse, quote, gv, gl, max);
        if (got != want)
            fail_msg("avx2 %d, %zu bytes, max %d: %d fields, not %d", avx2, n, max, got, want);
        for (int i = 0; i < got; i++)
            if (gv[i] != wv[i] || gl[i] != wl[i])
                fail_msg("avx2 %d, %zu bytes, field %d: at %td+%zu, not %td+%zu", avx2, n, i,
                         gv[i] - s, gl[i], wv[i] - s, wl[i]);
    }
}

/* The separator mask against the byte walk: one separator (or quote) at every position of
 * lines of 0 to 200 bytes (so at and around every 16-, 32- and 64-byte edge, and in the
 * shifted last window), separators every step bytes (empty fields with step 1, runs that
 * Squid's collapse drops), separators at both ends, and every field limit that cuts a
 * line short. */
static void split_every_position(void **state)
{
    (void)state;
    static const int maxes[] = {1, 2, 3, 9, 129, 400};
    static const size_t steps[] = {1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65};
    char line[256];
    for (size_t n = 0; n <= 200; n++) {
        for (size_t p = 0; p < n; p++) {
            memset(line, 'a', n);
            line[p] = ',';
            split_agrees(line, n, ',', false, '"', 129);
            line[p] = ' ';
            split_agrees(line, n, ' ', true, '\0', 9);
            line[p] = '"';
            split_agrees(line, n, ',', false, '"', 129);
        }
        for (size_t si = 0; si < sizeof steps / sizeof *steps; si++)
            for (size_t r = 0; r < 3 && r < steps[si]; r++) {
                for (size_t i = 0; i < n; i++)
                    line[i] = i % steps[si] == r ? ',' : (char)('b' + i % 7);
                for (size_t mi = 0; mi < sizeof maxes / sizeof *maxes; mi++) {
                    split_agrees(line, n, ',', false, '"', maxes[mi]);
                    split_agrees(line, n, ',', true, '\0', maxes[mi]);
                }
                if (n) {  /* a quote past the field limit still answers -1 */
                    char last = line[n - 1];
                    line[n - 1] = '"';
                    for (size_t mi = 0; mi < sizeof maxes / sizeof *maxes; mi++)
                        split_agrees(line, n, ',', false, '"', maxes[mi]);
                    line[n - 1] = last;
                }
            }
        memset(line, ',', n);  /* nothing but separators */
        split_agrees(line, n, ',', false, '\0', 400);
        split_agrees(line, n, ',', true, '\0', 400);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(squid_lines),
        cmocka_unit_test(json_lines),
        cmocka_unit_test(csv_and_tsv),
        cmocka_unit_test(zeek_logs),
        cmocka_unit_test(text_extraction),
        cmocka_unit_test(json_index_entries),
        cmocka_unit_test(json_index_readers_agree),
        cmocka_unit_test(json_name_memo),
        cmocka_unit_test(json_numbers),
        cmocka_unit_test(json_paths),
        cmocka_unit_test(json_shape_memo),
        cmocka_unit_test(json_key_prediction),
        cmocka_unit_test(json_member_prediction),
        cmocka_unit_test(json_shapes_agree),
        cmocka_unit_test(json_string_tails),
        cmocka_unit_test(value_shapes),
        cmocka_unit_test(numeric_shapes_agree),
        cmocka_unit_test(wide_shapes_agree),
        cmocka_unit_test(split_every_position),
        cmocka_unit_test(zeek_wide_and_narrow),
        cmocka_unit_test(zeek_wanted_columns),
        cmocka_unit_test(zeek_absolute_targets),
        cmocka_unit_test(csv_repeated_shapes),
        cmocka_unit_test(csv_time_and_victim_columns),
        cmocka_unit_test(csv_windows_agree),
        cmocka_unit_test(csv_host_names_agree),
        cmocka_unit_test(text_masks_every_byte),
        cmocka_unit_test(text_window_of_each_impl),
        cmocka_unit_test(text_walk_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
