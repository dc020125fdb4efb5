/* Unit tests of the STIX 2.1 codec: the pattern parser (every operator, qualifier and
 * literal of the grammar, and the errors it reports with their column), the mapping of
 * single-observable patterns to Kizuna indicators and back; the streaming JSON scanner
 * that splits bundles, whatever the chunk boundaries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec/sharing/indicator_norm.h"
#include "codec/json/json_stream.h"
#include "helpers.h"
#include "service/stix/stix_import.h"
#include "service/stix/stix_export.h"
#include "codec/stix/stix_pattern.h"

#include <stdio.h>
#include <string.h>

static kz_sp_node *parse(kz_arena *a, const char *p, kz_err *err)
{
    kz_sp_node *root = NULL;
    kz_err_clear(err);
    kz_rc rc = kz_stix_pattern_parse(p, strlen(p), a, &root, err);
    if (rc)
        return NULL;
    assert_non_null(root);
    return root;
}

static void patterns_of_the_specification_parse(void **state)
{
    (void)state;
    /* from STIX 2.1 part 9 and the reference examples */
    static const char *const ok[] = {
        "[ipv4-addr:value = '198.51.100.7']",
        "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
        "[file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4']",
        "[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
        "[ipv4-addr:value = '203.0.113.1' OR ipv4-addr:value = '203.0.113.2']",
        "[file:size IN (1, 2, 3)]",
        "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value ISSUBSET '198.51.100.0/24']",
        "[domain-name:value = 'example.com'] FOLLOWEDBY [url:value = 'http://example.com/x'] WITHIN 300 SECONDS",
        "([file:name = 'foo.dll'] AND [win-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) OR [process:name = 'fooproc' OR process:name = 'procfoo']",
        "[file:hashes.'SHA-256' = 'x'] REPEATS 5 TIMES WITHIN 1800 SECONDS",
        "[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
        "[ipv4-addr:value = '198.51.100.1/32'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
        "[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\\\xd4\\\\xc3\\\\xb2\\\\xa1\\\\x02\\\\x00\\\\x04\\\\x00']",
        "[file:content_ref.payload_bin = b'aGVsbG8='] AND [file:x = h'00ff']",
        "[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND user-account:account_login = 'Peter' AND user-account:is_privileged = true]",
        "[file:created > t'2016-01-01T00:00:00.123Z' AND file:size <= 1024 AND file:ratio >= -0.5]",
        "[x-custom-object:x_prop NOT = 'a' AND EXISTS x-custom-object:other]",
        "[file:name NOT LIKE 'a%'] /* a comment */ // and a line comment",
        "[windows-registry-key:values[0].name = 'x' AND windows-registry-key:values[-1].data != 'y']",
        "[url:value <> 'http://a']",
    };
    kz_arena a;
    kz_arena_init(&a);
    kz_err err;
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        kz_sp_node *root = parse(&a, ok[i], &err);
        if (!root)
            fail_msg("%s: %s", ok[i], err.msg);
    }
    kz_arena_free(&a);
}

static void the_tree_has_the_grammar_precedence(void **state)
{
    (void)state;
    kz_arena a;
    kz_arena_init(&a);
    kz_err err;
    /* FOLLOWEDBY binds loosest, then OR, then AND */
    kz_sp_node *r = parse(&a, "[a:b = 1] AND [c:d = 2] OR [e:f = 3] FOLLOWEDBY [g:h = 4]", &err);
    assert_non_null(r);
    assert_int_equal(r->kind, KZ_SP_FOLLOWEDBY);
    assert_int_equal(r->a->kind, KZ_SP_OBS_OR);
    assert_int_equal(r->a->a->kind, KZ_SP_OBS_AND);
    assert_int_equal(r->b->kind, KZ_SP_OBSERVATION);

    r = parse(&a, "[a:b = 1 OR a:c = 2 AND a:d = 3]", &err);
    assert_int_equal(r->a->kind, KZ_SP_OR);
    assert_int_equal(r->a->b->kind, KZ_SP_AND);

    r = parse(&a, "[file:hashes.'SHA-256' = 'ab\\'c\\\\d'] REPEATS 2 TIMES WITHIN 10.5 SECONDS", &err);
    assert_int_equal(r->kind, KZ_SP_WITHIN);
    assert_true(r->within == 10.5);
    assert_int_equal(r->a->kind, KZ_SP_REPEATS);
    assert_int_equal(r->a->repeats, 2);
    const kz_sp_node *t = r->a->a->a;
    assert_int_equal(t->kind, KZ_SP_TEST);
    assert_string_equal(t->path.type, "file");
    assert_int_equal(t->path.n, 2);
    assert_string_equal(t->path.steps[0].key, "hashes");
    assert_string_equal(t->path.steps[1].key, "SHA-256");
    assert_string_equal(t->value.s, "ab'c\\d");

    r = parse(&a, "[x:list[*].v IN ('a', 2, 3.5, true, t'2020-01-01T00:00:00Z')]", &err);
    t = r->a;
    assert_int_equal(t->op, KZ_SP_IN);
    assert_true(t->path.steps[1].any);
    assert_int_equal(t->value.n, 5);
    assert_int_equal(t->value.items[1].kind, KZ_SPL_INT);
    assert_int_equal(t->value.items[2].kind, KZ_SPL_FLOAT);
    assert_int_equal(t->value.items[3].kind, KZ_SPL_BOOL);
    assert_int_equal(t->value.items[4].kind, KZ_SPL_TIME);
    assert_int_equal(t->value.items[4].t, 1577836800000LL);
    kz_arena_free(&a);
}

static void errors_name_the_column(void **state)
{
    (void)state;
    static const struct {
        const char *pattern;
        const char *column;
    } bad[] = {
        {"", "column 1:"},
        {"ipv4-addr:value = '1.2.3.4'", "column 1:"},
        {"[ipv4-addr:value = '1.2.3.4'", "column 29:"},
        {"[ipv4-addr:value = '1.2.3.4]", "column 20:"},          /* unterminated string */
        {"[ipv4-addr:value == ]", "column 21:"},
        {"[ipv4-addr:value > true]", "column 20:"},              /* booleans are not ordered */
        {"[ipv4-addr value = 'x']", "column 12:"},
        {"[ipv4-addr:val-ue = 'x']", "column 12:"},              /* properties have no hyphen */
        {"[a:b = 'x'] WITHIN -5 SECONDS", "column 20:"},
        {"[a:b = 'x'] WITHIN 5 MINUTES", "column 22:"},
        {"[a:b = 'x'] REPEATS 2 TIMES REPEATS 3 TIMES", "column 29:"},
        {"[a:b = 'x'] START t'2020-01-02T00:00:00Z' STOP t'2020-01-01T00:00:00Z'", "column 13:"},
        {"[a:b = t'2020-13-01T00:00:00Z']", "column 8:"},
        {"[a:b = h'abc']", "column 8:"},
        {"[a:b = b'abc']", "column 8:"},
        {"[a:b = 'a\\x']", "column 10:"},                        /* only \' and \\ */
        {"[a:b = 007]", "column 8:"},
        {"[a:b = 1] AND", "column 14:"},
        {"[a:b = 1] [c:d = 2]", "column 11:"},
        {"[a:b[x] = 1]", "column 6:"},
        {"[a:b = 99999999999999999999]", "column 8:"},
        {"[a:b = 1] /* open", "column 11:"},
        {"[a:b ! 1]", "column 6:"},
    };
    kz_arena a;
    kz_arena_init(&a);
    kz_err err;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        kz_sp_node *root = NULL;
        kz_err_clear(&err);
        kz_rc rc = kz_stix_pattern_parse(bad[i].pattern, strlen(bad[i].pattern), &a, &root, &err);
        if (rc != KZ_EINVAL || !strstr(err.msg, bad[i].column))
            fail_msg("'%s': rc %d, %s (wanted %s)", bad[i].pattern, rc, err.msg, bad[i].column);
        assert_string_equal(err.field, "pattern");
    }
    /* nesting has a ceiling, so a hostile pattern cannot exhaust the stack */
    char deep[400];
    memset(deep, '(', 200);
    memcpy(deep + 200, "[a:b = 1]", 10);
    assert_int_equal(kz_stix_pattern_parse(deep, strlen(deep), &a, &(kz_sp_node *){0}, &err), KZ_EINVAL);
    assert_non_null(strstr(err.msg, "nested too deeply"));
    kz_arena_free(&a);
}

static void single_observables_become_indicators(void **state)
{
    (void)state;
    static const struct {
        const char *pattern;
        int type;
        const char *value;
    } cases[] = {
        {"[ipv4-addr:value = '198.51.100.7']", KZ_IND_IPV4, "198.51.100.7"},
        {"[ipv4-addr:value = '198.51.100.0/24']", KZ_IND_CIDR, "198.51.100.0/24"},
        {"[ipv6-addr:value = '2001:db8::1']", KZ_IND_IPV6, "2001:db8::1"},
        {"[ipv6-addr:value = '2001:db8::/32']", KZ_IND_CIDR, "2001:db8::/32"},
        {"[domain-name:value = 'example.org']", KZ_IND_DOMAIN, "example.org"},
        {"[url:value == 'http://example.org/it\\'s']", KZ_IND_URL, "http://example.org/it's"},
        {"[email-addr:value = 'a@example.org']", KZ_IND_EMAIL, "a@example.org"},
        {"[email-message:from_ref.value = 'a@example.org']", KZ_IND_EMAIL, "a@example.org"},
        {"[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']", KZ_IND_MD5, "d41d8cd98f00b204e9800998ecf8427e"},
        {"[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']", KZ_IND_SHA1,
         "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
        {"[file:hashes.'SHA-256' = 'ab']", KZ_IND_SHA256, "ab"},
        {"[file:hashes.sha256 = 'ab']", KZ_IND_SHA256, "ab"},
        {"[autonomous-system:number = 64500]", KZ_IND_ASN, "64500"},
    };
    static const char *const not_one[] = {
        "[ipv4-addr:value = '1.2.3.4' OR ipv4-addr:value = '1.2.3.5']",
        "[ipv4-addr:value != '1.2.3.4']",
        "[ipv4-addr:value NOT = '1.2.3.4']",
        "[ipv4-addr:value = '1.2.3.4'] WITHIN 5 SECONDS",
        "[ipv4-addr:value = '1.2.3.4'] AND [url:value = 'x']",
        "[ipv4-addr:value ISSUBSET '1.2.3.0/24']",
        "[file:hashes.'SHA-512' = 'ab']",
        "[file:name = 'a.exe']",
        "[autonomous-system:number = '64500']",
        "[autonomous-system:number = -1]",
        "[url:value = 'http://a\\\\b'] FOLLOWEDBY [url:value = 'x']",
    };
    kz_arena a;
    kz_arena_init(&a);
    kz_err err;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        kz_sp_node *root = parse(&a, cases[i].pattern, &err);
        int type = -1;
        const char *value = NULL;
        if (!root || !kz_stix_pattern_indicator(root, &a, &type, &value))
            fail_msg("%s is one indicator", cases[i].pattern);
        assert_int_equal(type, cases[i].type);
        assert_string_equal(value, cases[i].value);
    }
    for (size_t i = 0; i < sizeof not_one / sizeof *not_one; i++) {
        kz_sp_node *root = parse(&a, not_one[i], &err);
        int type;
        const char *value;
        assert_non_null(root);
        if (kz_stix_pattern_indicator(root, &a, &type, &value))
            fail_msg("%s is not one indicator", not_one[i]);
    }
    kz_arena_free(&a);
}

static void written_patterns_parse_back(void **state)
{
    (void)state;
    static const struct {
        int type;
        const char *value, *pattern;
    } cases[] = {
        {KZ_IND_IPV4, "198.51.100.7", "[ipv4-addr:value = '198.51.100.7']"},
        {KZ_IND_CIDR, "2001:db8::/32", "[ipv6-addr:value = '2001:db8::/32']"},
        {KZ_IND_CIDR, "10.0.0.0/8", "[ipv4-addr:value = '10.0.0.0/8']"},
        {KZ_IND_URL, "http://a.example/it's\\x", "[url:value = 'http://a.example/it\\'s\\\\x']"},
        {KZ_IND_SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709",
         "[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']"},
        {KZ_IND_ASN, "AS64500", "[autonomous-system:number = 64500]"},
    };
    kz_arena a;
    kz_arena_init(&a);
    kz_err err;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        kz_buf b;
        kz_buf_init(&b, 1 << 16);
        assert_int_equal(kz_stix_pattern_write(&b, cases[i].type, cases[i].value), KZ_OK);
        assert_string_equal(b.p, cases[i].pattern);
        kz_sp_node *root = parse(&a, b.p, &err);
        int type;
        const char *value;
        assert_true(kz_stix_pattern_indicator(root, &a, &type, &value));
        assert_int_equal(type, cases[i].type);
        if (type != KZ_IND_ASN)
            assert_string_equal(value, cases[i].value);
        kz_buf_free(&b);
    }
    kz_arena_free(&a);
}

/* ---- streaming JSON ------------------------------------------------------------------ */

typedef struct captured {
    char text[8][256];
    char path[8][64];
    int n;
} captured;

static bool select_objects(void *ctx, const kz_jpath *p)
{
    (void)ctx;
    return p->depth == 2 && !p->levels[0].array && strcmp(p->levels[0].key, "objects") == 0 && p->levels[1].array;
}

static kz_rc collect(void *ctx, const kz_jpath *p, const char *text, size_t len, uint64_t offset)
{
    (void)offset;
    captured *c = ctx;
    assert_true(c->n < 8);
    assert_int_equal(strlen(text), len);
    snprintf(c->text[c->n], sizeof c->text[0], "%s", text);
    kz_jpath_format(p, c->path[c->n], sizeof c->path[0]);
    c->n++;
    return KZ_OK;
}

static kz_rc scan(const char *doc, size_t chunk, captured *c, kz_err *err)
{
    memset(c, 0, sizeof *c);
    kz_jstream *s = kz_jstream_new(1 << 10, select_objects, collect, c);
    size_t n = strlen(doc);
    kz_rc rc = KZ_OK;
    for (size_t i = 0; !rc && i < n; i += chunk)
        rc = kz_jstream_feed(s, doc + i, i + chunk > n ? n - i : chunk, err);
    if (!rc)
        rc = kz_jstream_end(s, err);
    kz_jstream_free(s);
    return rc;
}

static void stream_splits_bundles_at_any_chunk_size(void **state)
{
    (void)state;
    const char *doc = "{\"type\": \"bundle\", \"id\": \"bundle--1\", \"objects\": [\n"
                      "  {\"type\": \"x\", \"a\": [1, -2.5e+3, true, null, {\"k\": \"v\\\"\\u00e9\"}]},\n"
                      "  {\"type\": \"y\", \"n\": 0},\n"
                      "  \"not an object\", 42\n"
                      "], \"more\": {\"objects\": [{\"nested\": 1}]}}";
    for (size_t chunk = 1; chunk <= strlen(doc); chunk++) {
        captured c;
        kz_err err;
        if (scan(doc, chunk, &c, &err))
            fail_msg("chunk %zu: %s", chunk, err.msg);
        assert_int_equal(c.n, 4);
        assert_string_equal(c.text[0], "{\"type\": \"x\", \"a\": [1, -2.5e+3, true, null, {\"k\": \"v\\\"\\u00e9\"}]}");
        assert_string_equal(c.text[1], "{\"type\": \"y\", \"n\": 0}");
        assert_string_equal(c.text[2], "\"not an object\"");
        assert_string_equal(c.text[3], "42");
        assert_string_equal(c.path[1], "objects[1]");
    }
}

static void stream_rejects_bad_json_with_line_and_column(void **state)
{
    (void)state;
    static const struct {
        const char *doc, *where;
    } bad[] = {
        {"", "the document is empty"},
        {"{\"objects\": [1, 2,]}", "column 19"},
        {"{\"objects\": [01]}", "column 15"},
        {"{\"objects\": [1.]}", "column 16"},
        {"{\"objects\": [tru]}", "column 17"},
        {"{\"objects\": [\"a\\x\"]}", "column 17"},
        {"{\"objects\": [\"a\n\"]}", "control character"},
        {"{\"objects\":\n [}", "line 2, column 3"},
        {"{\"objects\": []} x", "data after the end"},
        {"{\"objects\": [", "ends in the middle"},
        {"{\"objects\" [1]}", "expected ':'"},
        {"{1: 2}", "expected a string key"},
        {"[1}", "'}' closes an array"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        captured c;
        kz_err err;
        kz_err_clear(&err);
        kz_rc rc = scan(bad[i].doc, 3, &c, &err);
        if (rc != KZ_EINVAL || !strstr(err.msg, bad[i].where))
            fail_msg("'%s': rc %d, %s (wanted %s)", bad[i].doc, rc, err.msg, bad[i].where);
    }
    /* nesting ceiling, and a selected value over its ceiling */
    char deep[600];
    memset(deep, '[', 300);
    deep[300] = '\0';
    captured c;
    kz_err err;
    assert_int_equal(scan(deep, 64, &c, &err), KZ_EINVAL);
    assert_non_null(strstr(err.msg, "nested too deeply"));
    char big[2200];
    int n = snprintf(big, sizeof big, "{\"objects\": [\"%0*d\"]}", 2000, 0);
    assert_true(n > 0 && (size_t)n < sizeof big);
    assert_int_equal(scan(big, 100, &c, &err), KZ_ETOOBIG);
    assert_string_equal(err.field, "objects[0]");
}

/* ---- import and export on a real node ------------------------------------------------ */

typedef struct memsrc {
    const char *p;
    size_t n, at;
} memsrc;

static kz_rc mem_read(void *ctx, char *buf, size_t cap, size_t *got, kz_err *err)
{
    (void)err;
    memsrc *m = ctx;
    size_t k = m->n - m->at < cap ? m->n - m->at : cap;
    if (k > 7)
        k = 7;  /* small reads: objects straddle every boundary */
    memcpy(buf, m->p + m->at, k);
    m->at += k;
    *got = k;
    return KZ_OK;
}

static kz_rc to_buf(void *ctx, const void *p, size_t n, kz_err *err)
{
    (void)err;
    return kz_buf_append(ctx, p, n);
}

static const char bundle[] =
    "{\"type\":\"bundle\",\"id\":\"bundle--6e1c6e4b-1a7f-4d0e-9d5b-2f4c6f1c2a10\",\"objects\":["
    "{\"type\":\"report\",\"spec_version\":\"2.1\",\"id\":\"report--1e1c6e4b-1a7f-4d0e-9d5b-2f4c6f1c2a10\","
    "\"created\":\"2026-01-01T00:00:00.000Z\",\"modified\":\"2026-01-01T00:00:00.000Z\",\"name\":\"Wave\","
    "\"published\":\"2026-01-01T00:00:00Z\",\"object_refs\":[\"indicator--2e1c6e4b-1a7f-4d0e-9d5b-2f4c6f1c2a10\"],"
    "\"x_kizuna_incident\":{\"rsit_type\":\"phishing\",\"sector\":\"health\"}},"
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--2e1c6e4b-1a7f-4d0e-9d5b-2f4c6f1c2a10\","
    "\"created\":\"2026-01-01T00:00:00.000Z\",\"modified\":\"2026-01-01T00:00:00.000Z\","
    "\"pattern\":\"[url:value = 'HTTP://Phish.Example:80/a/../login']\",\"pattern_type\":\"stix\","
    "\"valid_from\":\"2026-01-01T00:00:00Z\",\"object_marking_refs\":[\"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\"]},"
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--3e1c6e4b-1a7f-4d0e-9d5b-2f4c6f1c2a10\","
    "\"created\":\"2026-01-01T00:00:00.000Z\",\"modified\":\"2026-01-01T00:00:00.000Z\","
    "\"pattern\":\"[file:name = 'a.exe']\",\"pattern_type\":\"stix\",\"valid_from\":\"2026-01-01T00:00:00Z\"},"
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--4e1c6e4b-1a7f-4d0e-9d5b-2f4c6f1c2a10\","
    "\"created\":\"2026-01-01T00:00:00.000Z\",\"modified\":\"2026-01-01T00:00:00.000Z\","
    "\"pattern\":\"[ipv4-addr:value = '1.2.3']\",\"pattern_type\":\"stix\",\"valid_from\":\"2026-01-01T00:00:00Z\"},"
    "{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":\"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\","
    "\"created\":\"2022-10-01T00:00:00.000Z\",\"name\":\"TLP:GREEN\"}"
    "]}";

static void import_then_export_on_a_node(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_stix_import_opts o = {.tlp = KZ_TLP_AMBER, .min_tlp = -1};
    kz_stix_import_report r;
    memsrc m = {bundle, strlen(bundle), 0};
    kz_byte_source src = {mem_read, &m};
    assert_int_equal(kz_svc_stix_import(&f->call, &src, &o, &r), KZ_OK);
    assert_int_equal(r.objects, 5);
    assert_int_equal(r.accepted, 3);  /* report, url indicator, TLP marking */
    assert_int_equal(r.kept, 1);      /* the file-name pattern */
    assert_int_equal(r.rejected, 1);  /* 1.2.3 is no address */
    assert_int_equal(r.indicators_created, 1);
    assert_int_equal(r.incidents_created, 1);
    assert_int_equal(r.links, 1);     /* the report named the indicator before it came */
    assert_string_equal(r.bundle, "bundle--6e1c6e4b-1a7f-4d0e-9d5b-2f4c6f1c2a10");

    kz_indicator_page page;
    kz_page pg = {NULL, 10};
    assert_int_equal(kz_svc_indicator_list(&f->call, &(kz_indicator_filter){0}, &pg, &page), KZ_OK);
    assert_int_equal(page.n, 1);
    assert_string_equal(page.items[0].value, "http://phish.example/login");
    assert_int_equal(page.items[0].tlp, KZ_TLP_GREEN);
    assert_int_equal(page.items[0].incidents.n, 1);

    /* the same bundle again changes nothing */
    m.at = 0;
    assert_int_equal(kz_svc_stix_import(&f->call, &src, &o, &r), KZ_OK);
    assert_int_equal(r.indicators_unchanged, 1);
    assert_int_equal(r.incidents_unchanged, 1);
    assert_int_equal(r.kept_new + r.links + r.indicators_created + r.indicators_merged, 0);

    kz_buf out;
    kz_buf_init(&out, 1 << 20);
    kz_stix_export_opts eo = {.indicators = true, .incidents = true, .kept = true, .out = {to_buf, &out}};
    kz_stix_export_report er;
    assert_int_equal(kz_svc_stix_export(&f->call, &eo, &er), KZ_OK);
    assert_int_equal(er.indicators, 1);
    assert_int_equal(er.incidents, 1);
    assert_int_equal(er.kept, 1);
    assert_int_equal(er.markings, 2);  /* green (indicator), amber (incident, kept) */
    /* imported objects are exported as they came (the pattern as written, not Kizuna's
     * canonical value), marked with the label they are shared under, once each */
    const char *url = strstr(out.p, "\"pattern\":\"[url:value = 'HTTP://Phish.Example:80/a/../login']\"");
    assert_non_null(url);
    assert_null(strstr(url + strlen("\"pattern\":\"[url"), "[url:value"));
    assert_non_null(strstr(out.p, "\"x_kizuna_incident\":{\"rsit_type\":\"phishing\",\"sector\":\"health\"},"
                                  "\"object_marking_refs\":[\"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421\"]}"));
    assert_non_null(strstr(out.p, "[file:name = 'a.exe']"));

    /* and the export imports back into the same node without changing anything */
    m = (memsrc){out.p, out.len, 0};
    assert_int_equal(kz_svc_stix_import(&f->call, &src, &o, &r), KZ_OK);
    assert_int_equal(r.rejected, 0);
    assert_int_equal(r.indicators_created + r.incidents_created, 0);
    kz_buf_free(&out);
    kz_fixture_free(f);
}

static void nested_transactions_undo_only_their_own_writes(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_call *c = &f->call;
    assert_int_equal(kz_tx_begin(c), KZ_OK);
    kz_incident keep = {.title = (char *)"kept", .rsit_type = (char *)"phishing", .tlp = KZ_TLP_GREEN};
    assert_int_equal(kz_svc_incident_create(c, &keep), KZ_OK);  /* a savepoint, released */
    kz_incident bad = {.title = (char *)"bad", .rsit_type = (char *)"phishing", .tlp = KZ_TLP_GREEN,
                       .recipients = {(char *[]){(char *)"00000000-0000-4000-8000-000000000000"}, 1}};
    assert_int_equal(kz_svc_incident_create(c, &bad), KZ_EINVAL);  /* rolled back to its savepoint */
    assert_int_equal(kz_tx_end(c, KZ_OK), KZ_OK);
    kz_incident_page page;
    kz_page pg = {NULL, 10};
    assert_int_equal(kz_svc_incident_list(c, &(kz_incident_filter){0}, &pg, &page), KZ_OK);
    assert_int_equal(page.n, 1);
    assert_string_equal(page.items[0].title, "kept");
    kz_fixture_free(f);
}

/* Kept text: blanks go, everything else stays as written; the sharing is replaced only
 * when it says something else, the other marking refs staying. */
typedef struct marks_seen {
    char id[4][KZ_STIX_ID_MAX + 1];
    size_t n;
} marks_seen;

static void see_mark(void *ctx, const char *id)
{
    marks_seen *m = ctx;
    if (m->n < 4)
        snprintf(m->id[m->n++], sizeof m->id[0], "%s", id);
}

static void kept_text_is_served_as_written_with_its_sharing(void **state)
{
    (void)state;
    kz_arena a;
    kz_arena_init(&a);
    static const char in[] = "{ \"type\": \"location\", \"latitude\": 39.108889,\n  \"name\": \"a  b\\\" c\",\n"
                             "  \"object_marking_refs\": [\"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da\","
                             " \"marking-definition--182edb05-2a37-451c-a424-a5f6b26c7c32\"] }";
    size_t n;
    char *text = kz_stix_squeeze(&a, in, strlen(in), &n);
    assert_string_equal(text, "{\"type\":\"location\",\"latitude\":39.108889,\"name\":\"a  b\\\" c\","
                              "\"object_marking_refs\":[\"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da\","
                              "\"marking-definition--182edb05-2a37-451c-a424-a5f6b26c7c32\"]}");
    assert_int_equal(n, strlen(text));
    kz_buf b;
    kz_buf_init(&b, 1 << 20);
    kz_strlist none = {NULL, 0};
    unsigned bits = 0;
    /* green: TLP 1.0 green says it already, so the text is as it is */
    assert_int_equal(kz_stix_write_kept(&b, text, KZ_TLP_GREEN, &none, false, &bits), KZ_OK);
    assert_string_equal(b.p, text);
    assert_int_equal(bits, 1u << 6);
    /* amber: the TLP ref becomes amber's, the statement stays, the rest is byte for byte */
    kz_buf_reset(&b);
    char *rec[] = {(char *)"0b8a0b8a-0000-4000-8000-000000000001"};
    kz_strlist one = {rec, 1};
    assert_int_equal(kz_stix_write_kept(&b, text, KZ_TLP_AMBER, &one, true, &bits), KZ_OK);
    assert_string_equal(b.p, "{\"type\":\"location\",\"latitude\":39.108889,\"name\":\"a  b\\\" c\","
                             "\"object_marking_refs\":[\"marking-definition--182edb05-2a37-451c-a424-a5f6b26c7c32\","
                             "\"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421\"],"
                             "\"x_kizuna_recipients\":[\"identity--0b8a0b8a-0000-4000-8000-000000000001\"],"
                             "\"x_kizuna_allow_clients\":true}");
    assert_int_equal(bits, 1u << KZ_TLP_AMBER);
    /* its marking refs, TLP or not, as written; none for what is not an object */
    marks_seen seen = {0};
    kz_stix_each_marking_ref(text, see_mark, &seen);
    assert_int_equal(seen.n, 2);
    assert_string_equal(seen.id[0], "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da");
    assert_string_equal(seen.id[1], "marking-definition--182edb05-2a37-451c-a424-a5f6b26c7c32");
    kz_stix_each_marking_ref("[\"marking-definition--x\"]", see_mark, &seen);
    kz_stix_each_marking_ref("{\"type\":\"identity\"}", see_mark, &seen);
    assert_int_equal(seen.n, 2);
    assert_int_equal(kz_stix_text_tlp(text), KZ_TLP_GREEN);  /* TLP 1.0 green; the statement is none */
    assert_int_equal(kz_stix_text_tlp("{\"type\":\"identity\"}"), -1);
    kz_buf above;
    kz_buf_init(&above, 4096);
    assert_int_equal(kz_stix_markings_above(&above, KZ_TLP_AMBER), KZ_OK);
    assert_string_equal(above.p, "[\"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003\","
                                 "\"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1\","
                                 "\"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed\"]");
    kz_buf_reset(&above);
    assert_int_equal(kz_stix_markings_above(&above, KZ_TLP_RED), KZ_OK);
    assert_string_equal(above.p, "[]");
    kz_buf_free(&above);
    /* what is not an object is served as it is */
    kz_buf_reset(&b);
    assert_int_equal(kz_stix_write_kept(&b, "[1]", KZ_TLP_RED, &none, false, NULL), KZ_OK);
    assert_string_equal(b.p, "[1]");
    kz_buf_free(&b);
    kz_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(patterns_of_the_specification_parse),
        cmocka_unit_test(the_tree_has_the_grammar_precedence),
        cmocka_unit_test(errors_name_the_column),
        cmocka_unit_test(single_observables_become_indicators),
        cmocka_unit_test(written_patterns_parse_back),
        cmocka_unit_test(stream_splits_bundles_at_any_chunk_size),
        cmocka_unit_test(stream_rejects_bad_json_with_line_and_column),
        cmocka_unit_test(import_then_export_on_a_node),
        cmocka_unit_test(nested_transactions_undo_only_their_own_writes),
        cmocka_unit_test(kept_text_is_served_as_written_with_its_sharing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
