/* Unit tests of codec/indicator_norm: canonical forms of every indicator type, the
 * reasons given for rejected values, idempotence, and the buffer-level helpers the
 * matcher uses. Each row reads: type, input, expected canonical value (NULL when the
 * value must be rejected) and, for rejections, a piece of the expected reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec/sharing/indicator_norm.h"
#include "model/enums.h"
#include "util/alloc.h"

#include <libpsl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ncase {
    kz_ind_type type;
    const char *in;
    const char *want;   /* canonical value, or NULL: rejected */
    const char *why;    /* rejected: substring of the message */
} ncase;

static const ncase cases[] = {
    /* IPv4 */
    {KZ_IND_IPV4, "192.0.2.1", "192.0.2.1", NULL},
    {KZ_IND_IPV4, "  192.0.2.1\t\n", "192.0.2.1", NULL},
    {KZ_IND_IPV4, "0.0.0.0", "0.0.0.0", NULL},
    {KZ_IND_IPV4, "255.255.255.255", "255.255.255.255", NULL},
    {KZ_IND_IPV4, "256.1.1.1", NULL, "octet 1 is 256, over 255"},
    {KZ_IND_IPV4, "1.2.3.1000", NULL, "four decimal octets"},
    {KZ_IND_IPV4, "010.1.1.1", NULL, "leading zero"},
    {KZ_IND_IPV4, "1.2.3", NULL, "four decimal octets"},
    {KZ_IND_IPV4, "1.2.3.4.5", NULL, "four decimal octets"},
    {KZ_IND_IPV4, "1.2.3.", NULL, "four decimal octets"},
    {KZ_IND_IPV4, "1..3.4", NULL, "four decimal octets"},
    {KZ_IND_IPV4, "a.b.c.d", NULL, "four decimal octets"},
    {KZ_IND_IPV4, "2001:db8::1", NULL, "IPv6"},
    {KZ_IND_IPV4, "1.2.3.4/24", NULL, "cidr"},
    {KZ_IND_IPV4, "", NULL, "empty"},
    {KZ_IND_IPV4, "   ", NULL, "empty"},
    /* IPv6, RFC 5952 */
    {KZ_IND_IPV6, "2001:DB8::1", "2001:db8::1", NULL},
    {KZ_IND_IPV6, "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1", NULL},
    {KZ_IND_IPV6, "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", NULL},  /* first of a tie */
    {KZ_IND_IPV6, "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1", NULL}, /* one zero stays */
    {KZ_IND_IPV6, "2001:0:0:1:0:0:0:1", "2001:0:0:1::1", NULL},         /* longest run */
    {KZ_IND_IPV6, "0:0:0:0:0:0:0:0", "::", NULL},
    {KZ_IND_IPV6, "0:0:0:0:0:0:0:1", "::1", NULL},
    {KZ_IND_IPV6, "1:0:0:0:0:0:0:0", "1::", NULL},
    {KZ_IND_IPV6, "::ffff:192.0.2.1", "::ffff:192.0.2.1", NULL},
    {KZ_IND_IPV6, "::FFFF:c000:0201", "::ffff:192.0.2.1", NULL},
    {KZ_IND_IPV6, "fe80::1%eth0", NULL, "zone"},
    {KZ_IND_IPV6, "2001:db8::1::2", NULL, "not an IPv6"},
    {KZ_IND_IPV6, "2001:db8:::1", NULL, "not an IPv6"},
    {KZ_IND_IPV6, "12345::1", NULL, "not an IPv6"},
    {KZ_IND_IPV6, "192.0.2.1", NULL, "colons"},
    {KZ_IND_IPV6, "[2001:db8::1]", NULL, "not an IPv6"},
    /* CIDR */
    {KZ_IND_CIDR, "10.1.2.3/8", "10.0.0.0/8", NULL},
    {KZ_IND_CIDR, "192.0.2.255/25", "192.0.2.128/25", NULL},
    {KZ_IND_CIDR, "192.0.2.7/32", "192.0.2.7/32", NULL},
    {KZ_IND_CIDR, "192.0.2.7", "192.0.2.7/32", NULL},
    {KZ_IND_CIDR, "1.2.3.4/0", "0.0.0.0/0", NULL},
    {KZ_IND_CIDR, "2001:db8:abcd:1234::1/48", "2001:db8:abcd::/48", NULL},
    {KZ_IND_CIDR, "2001:DB8::FFFF/127", "2001:db8::fffe/127", NULL},
    {KZ_IND_CIDR, "2001:db8::/33", "2001:db8::/33", NULL},
    {KZ_IND_CIDR, "2001:db8:ffff::/33", "2001:db8:8000::/33", NULL},
    {KZ_IND_CIDR, "::/0", "::/0", NULL},
    {KZ_IND_CIDR, "10.0.0.0/33", NULL, "0 to 32"},
    {KZ_IND_CIDR, "2001:db8::/129", NULL, "0 to 128"},
    {KZ_IND_CIDR, "10.0.0.0/", NULL, "0 to 32"},
    {KZ_IND_CIDR, "10.0.0.0/08", NULL, "0 to 32"},
    {KZ_IND_CIDR, "10.0.0.0/8x", NULL, "0 to 32"},
    {KZ_IND_CIDR, "10.0.0/8", NULL, "not an IPv4"},
    /* domains */
    {KZ_IND_DOMAIN, "Example.COM", "example.com", NULL},
    {KZ_IND_DOMAIN, "example.com.", "example.com", NULL},
    {KZ_IND_DOMAIN, "*.example.com", "example.com", NULL},
    {KZ_IND_DOMAIN, "Bücher.example", "xn--bcher-kva.example", NULL},
    {KZ_IND_DOMAIN, "BÜCHER.example", "xn--bcher-kva.example", NULL},
    {KZ_IND_DOMAIN, "straße.de", "xn--strae-oqa.de", NULL},  /* IDNA2008: ß kept */
    {KZ_IND_DOMAIN, "例え.テスト", "xn--r8jz45g.xn--zckzah", NULL},
    {KZ_IND_DOMAIN, "日本。jp", "xn--wgv71a.jp", NULL},      /* ideographic full stop */
    {KZ_IND_DOMAIN, "xn--bcher-kva.example", "xn--bcher-kva.example", NULL},
    {KZ_IND_DOMAIN, "XN--Bcher-KVA.example", "xn--bcher-kva.example", NULL},
    {KZ_IND_DOMAIN, "xn--ls8h.la", "xn--ls8h.la", NULL},  /* decodes (an emoji): kept */
    {KZ_IND_DOMAIN, "xn--zz.com", NULL, "not valid punycode"},
    {KZ_IND_DOMAIN, "www.xn--zz.example", NULL, "not valid punycode"},
    {KZ_IND_URL, "http://xn--zz.com/a", NULL, "not valid punycode"},
    {KZ_IND_EMAIL, "a@xn--zz.com", NULL, "not valid punycode"},
    {KZ_IND_DOMAIN, "_dmarc.example.com", "_dmarc.example.com", NULL},
    {KZ_IND_DOMAIN, "a-b.example", "a-b.example", NULL},
    {KZ_IND_DOMAIN, "localhost", "localhost", NULL},
    {KZ_IND_DOMAIN, "-bad.example", NULL, "hyphen"},
    {KZ_IND_DOMAIN, "bad-.example", NULL, "hyphen"},
    {KZ_IND_DOMAIN, "a..example", NULL, "empty label"},
    {KZ_IND_DOMAIN, ".example", NULL, "empty label"},
    {KZ_IND_DOMAIN, "example.com..", NULL, "empty label"},
    {KZ_IND_DOMAIN, "exa mple.com", NULL, "not allowed in a host name"},
    {KZ_IND_DOMAIN, "exa/mple.com", NULL, "'/'"},
    {KZ_IND_DOMAIN, "192.0.2.1", NULL, "numeric label"},
    {KZ_IND_DOMAIN, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com", NULL,
     "over 63"},
    {KZ_IND_DOMAIN, "\xC3\x28.example", NULL, "not valid UTF-8"},
    {KZ_IND_DOMAIN, "a\xE2\x80\x8B\xF0\x9F\x98\x80.example", NULL, "internationalized"},
    /* URLs, RFC 3986 section 6 */
    {KZ_IND_URL, "HTTP://Example.COM/a/b", "http://example.com/a/b", NULL},
    {KZ_IND_URL, "http://example.com", "http://example.com/", NULL},
    {KZ_IND_URL, "http://example.com:80/", "http://example.com/", NULL},
    {KZ_IND_URL, "HTTPS://example.com:443/", "https://example.com/", NULL},
    {KZ_IND_URL, "https://example.com:443/x", "https://example.com/x", NULL},
    {KZ_IND_URL, "https://example.com:0443/x", "https://example.com/x", NULL},
    {KZ_IND_URL, "http://example.com:8080/x", "http://example.com:8080/x", NULL},
    {KZ_IND_URL, "http://example.com:/x", "http://example.com/x", NULL},
    {KZ_IND_URL, "https://example.com:80/x", "https://example.com:80/x", NULL},
    {KZ_IND_URL, "http://example.com/a/./b/../c", "http://example.com/a/c", NULL},
    {KZ_IND_URL, "http://example.com/../../a", "http://example.com/a", NULL},
    {KZ_IND_URL, "http://example.com/a/..", "http://example.com/", NULL},
    {KZ_IND_URL, "http://example.com/a/b/.", "http://example.com/a/b/", NULL},
    {KZ_IND_URL, "http://example.com/a/%2E%2e/b", "http://example.com/b", NULL},
    {KZ_IND_URL, "http://example.com/%7Euser/%41%62c", "http://example.com/~user/Abc", NULL},
    {KZ_IND_URL, "http://example.com/a%2fb%3f", "http://example.com/a%2Fb%3F", NULL},
    {KZ_IND_URL, "http://example.com/a b", "http://example.com/a%20b", NULL},
    {KZ_IND_URL, "http://example.com/caf\xC3\xA9", "http://example.com/caf%C3%A9", NULL},
    {KZ_IND_URL, "http://example.com/p?q=%7e&r=a%2b#frag", "http://example.com/p?q=~&r=a%2B", NULL},
    {KZ_IND_URL, "http://example.com/p?", "http://example.com/p?", NULL},
    {KZ_IND_URL, "http://example.com/p?a/b?c", "http://example.com/p?a/b?c", NULL},
    {KZ_IND_URL, "http://example.com#top", "http://example.com/", NULL},
    {KZ_IND_URL, "http://User:Pass@Example.com/", "http://User:Pass@example.com/", NULL},
    {KZ_IND_URL, "http://paypal.com@evil.example/login", "http://paypal.com@evil.example/login",
     NULL},
    {KZ_IND_URL, "http://[2001:DB8::1]:8080/x", "http://[2001:db8::1]:8080/x", NULL},
    {KZ_IND_URL, "http://[2001:db8:0:0:0:0:0:1]/", "http://[2001:db8::1]/", NULL},
    {KZ_IND_URL, "http://192.0.2.1/x", "http://192.0.2.1/x", NULL},
    {KZ_IND_URL, "http://Bücher.example/", "http://xn--bcher-kva.example/", NULL},
    {KZ_IND_URL, "http://%62%C3%BCcher.example/", "http://xn--bcher-kva.example/", NULL},
    {KZ_IND_URL, "http://example.com./x", "http://example.com/x", NULL},
    {KZ_IND_URL, "http://example.com/login*", "http://example.com/login*", NULL},
    {KZ_IND_URL, "HTTP://EXAMPLE.com/a/../b/*", "http://example.com/b/*", NULL},
    {KZ_IND_URL, "HTX://p:4/./b/..///../b/../..*#b", "htx://p:4/*", NULL},  /* found by fuzzing */
    {KZ_IND_URL, "http://example.com/a*b", "http://example.com/a*b", NULL},
    {KZ_IND_URL, "example.com/path", "http://example.com/path", NULL},  /* MISP's url type allows it */
    {KZ_IND_URL, "WWW.Example.com:80/a/../b", "http://www.example.com/b", NULL},
    {KZ_IND_URL, "Bücher.example", "http://xn--bcher-kva.example/", NULL},
    {KZ_IND_URL, "example.com:8080/x", "http://example.com:8080/x", NULL},
    {KZ_IND_URL, "/relative/path", NULL, "scheme"},
    {KZ_IND_URL, "1http://example.com/", NULL, "scheme"},
    {KZ_IND_URL, "mailto:a@example.com", NULL, "authority"},
    {KZ_IND_URL, "http:///path", NULL, "no host"},
    {KZ_IND_URL, "http://example.com:99999/", NULL, "over 65535"},
    {KZ_IND_URL, "http://example.com:8o/", NULL, "not a number"},
    {KZ_IND_URL, "http://example.com/%zz", NULL, "two hex digits"},
    {KZ_IND_URL, "http://example.com/%4", NULL, "two hex digits"},
    {KZ_IND_URL, "http://exa mple.com/", NULL, "host"},
    {KZ_IND_URL, "http://[v1.fe]/", NULL, "IPv6"},
    {KZ_IND_URL, "http://[2001:db8::1]x/", NULL, "after the bracketed host"},
    {KZ_IND_URL, "http://example.com/\x01", NULL, "control character"},
    /* e-mail */
    {KZ_IND_EMAIL, "Alice@Example.COM", "Alice@example.com", NULL},
    {KZ_IND_EMAIL, "info@Bücher.example", "info@xn--bcher-kva.example", NULL},
    {KZ_IND_EMAIL, "first.last+tag@example.com", "first.last+tag@example.com", NULL},
    {KZ_IND_EMAIL, "user@example.com.", "user@example.com", NULL},
    {KZ_IND_EMAIL, "no-at.example.com", NULL, "'@'"},
    {KZ_IND_EMAIL, "@example.com", NULL, "local part"},
    {KZ_IND_EMAIL, ".a@example.com", NULL, "dot"},
    {KZ_IND_EMAIL, "a..b@example.com", NULL, "two dots"},
    {KZ_IND_EMAIL, "a b@example.com", NULL, "local part"},
    {KZ_IND_EMAIL, "a@", NULL, "empty"},
    {KZ_IND_EMAIL, "a@b@example.com", NULL, "'@'"},
    /* hashes */
    {KZ_IND_MD5, "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e", NULL},
    {KZ_IND_MD5, "d41d8cd98f00b204e9800998ecf8427", NULL, "32 hex digits"},
    {KZ_IND_MD5, "g41d8cd98f00b204e9800998ecf8427e", NULL, "character 1 is 'g'"},
    {KZ_IND_SHA1, "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709",
     "da39a3ee5e6b4b0d3255bfef95601890afd80709", NULL},
    {KZ_IND_SHA1, "d41d8cd98f00b204e9800998ecf8427e", NULL, "40 hex digits"},
    {KZ_IND_SHA256, "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", NULL},
    {KZ_IND_SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85 ", NULL,
     "64 hex digits"},
    /* AS numbers */
    {KZ_IND_ASN, "AS64500", "AS64500", NULL},
    {KZ_IND_ASN, "as64500", "AS64500", NULL},
    {KZ_IND_ASN, "64500", "AS64500", NULL},
    {KZ_IND_ASN, "AS4294967295", "AS4294967295", NULL},
    {KZ_IND_ASN, "AS1.10", "AS65546", NULL},
    {KZ_IND_ASN, "AS4294967296", NULL, "4294967295"},
    {KZ_IND_ASN, "AS0", NULL, "reserved"},
    {KZ_IND_ASN, "AS", NULL, "AS64500"},
    {KZ_IND_ASN, "AS-1", NULL, "AS64500"},
    {KZ_IND_ASN, "AS1.70000", NULL, "asdot"},
    {KZ_IND_ASN, "ASN64500", NULL, "AS64500"},
};

static void table_of_cases(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const ncase *c = &cases[i];
        kz_arena a;
        kz_arena_init(&a);
        kz_norm nm;
        kz_err err;
        kz_err_clear(&err);
        kz_rc rc = kz_indicator_normalize(c->type, c->in, strlen(c->in), &a, "value", &nm, &err);
        if (c->want) {
            if (rc != KZ_OK || strcmp(nm.value, c->want) != 0) {
                print_error("case %zu %s \"%s\": want \"%s\", got rc %d \"%s\" (%s)\n", i,
                            kz_enum_name(&kz_ind_type_enum, (int)c->type), c->in, c->want, rc,
                            rc == KZ_OK ? nm.value : "", err.msg);
                failures++;
            } else {
                /* idempotent: the canonical form is its own canonical form */
                kz_norm again;
                kz_rc rc2 = kz_indicator_normalize(c->type, nm.value, strlen(nm.value), &a,
                                                   "value", &again, &err);
                if (rc2 != KZ_OK || strcmp(again.value, nm.value) != 0) {
                    print_error("case %zu: \"%s\" not stable\n", i, nm.value);
                    failures++;
                }
            }
        } else {
            if (rc != KZ_EINVAL || strcmp(err.field, "value") != 0 ||
                !strstr(err.msg, c->why)) {
                print_error("case %zu %s \"%s\": want rejection with \"%s\", got rc %d \"%s\"\n",
                            i, kz_enum_name(&kz_ind_type_enum, (int)c->type), c->in, c->why, rc,
                            err.msg);
                failures++;
            }
        }
        kz_arena_free(&a);
    }
    assert_int_equal(failures, 0);
}

static void details_of_the_result(void **state)
{
    (void)state;
    kz_arena a;
    kz_arena_init(&a);
    kz_norm nm;
    kz_err err;
    const char *s = "10.20.30.40/12";
    assert_int_equal(kz_indicator_normalize(KZ_IND_CIDR, s, strlen(s), &a, "v", &nm, &err), KZ_OK);
    assert_int_equal(nm.family, 4);
    assert_int_equal(nm.prefix_len, 12);
    assert_memory_equal(nm.addr, "\x0a\x10\x00\x00", 4);

    s = "2001:db8::1";
    assert_int_equal(kz_indicator_normalize(KZ_IND_IPV6, s, strlen(s), &a, "v", &nm, &err), KZ_OK);
    assert_int_equal(nm.family, 6);
    assert_int_equal(nm.prefix_len, 128);
    assert_memory_equal(nm.addr, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);

    s = "https://Login.Secure.Example.CO.UK:8443/a";
    assert_int_equal(kz_indicator_normalize(KZ_IND_URL, s, strlen(s), &a, "v", &nm, &err), KZ_OK);
    assert_string_equal(nm.host, "login.secure.example.co.uk");
    assert_string_equal(nm.registrable, "example.co.uk");
    assert_false(nm.prefix);

    s = "http://198.51.100.7/x*";
    assert_int_equal(kz_indicator_normalize(KZ_IND_URL, s, strlen(s), &a, "v", &nm, &err), KZ_OK);
    assert_true(nm.prefix);
    assert_string_equal(nm.host, "198.51.100.7");
    assert_null(nm.registrable);

    s = "www.city.kawasaki.jp";  /* a PSL wildcard and exception region */
    assert_int_equal(kz_indicator_normalize(KZ_IND_DOMAIN, s, strlen(s), &a, "v", &nm, &err),
                     KZ_OK);
    assert_string_equal(nm.registrable, "city.kawasaki.jp");
    s = "a.b.c.appspot.com";     /* private section of the list */
    assert_int_equal(kz_indicator_normalize(KZ_IND_DOMAIN, s, strlen(s), &a, "v", &nm, &err),
                     KZ_OK);
    assert_string_equal(nm.registrable, "c.appspot.com");
    s = "co.uk";                 /* a public suffix has no registrable domain */
    assert_int_equal(kz_indicator_normalize(KZ_IND_DOMAIN, s, strlen(s), &a, "v", &nm, &err),
                     KZ_OK);
    assert_null(nm.registrable);

    s = "Mallory@Mail.Example.ORG";
    assert_int_equal(kz_indicator_normalize(KZ_IND_EMAIL, s, strlen(s), &a, "v", &nm, &err), KZ_OK);
    assert_string_equal(nm.host, "mail.example.org");
    assert_string_equal(nm.registrable, "example.org");

    s = "as4200000000";
    assert_int_equal(kz_indicator_normalize(KZ_IND_ASN, s, strlen(s), &a, "v", &nm, &err), KZ_OK);
    assert_int_equal(nm.asn, 4200000000u);

    /* values with embedded NUL are rejected, not cut short */
    assert_int_equal(kz_indicator_normalize(KZ_IND_DOMAIN, "a.com\0b", 7, &a, "v", &nm, &err),
                     KZ_EINVAL);
    assert_int_equal(kz_indicator_normalize(KZ_IND_IPV4, NULL, 0, &a, "v", &nm, &err), KZ_EINVAL);
    assert_int_equal(kz_indicator_normalize(KZ_IND_TYPE_COUNT, "x", 1, &a, "v", &nm, &err),
                     KZ_EINVAL);
    kz_arena_free(&a);
}

static void url_ceiling_is_enforced(void **state)
{
    (void)state;
    kz_arena a;
    kz_arena_init(&a);
    size_t n = KZ_URL_MAX + 100;
    char *u = kz_malloc(n + 1);
    assert_non_null(u);
    memcpy(u, "http://example.com/", 19);
    memset(u + 19, 'a', n - 19);
    u[n] = '\0';
    kz_norm nm;
    kz_err err;
    assert_int_equal(kz_indicator_normalize(KZ_IND_URL, u, n, &a, "url", &nm, &err), KZ_ETOOBIG);
    /* a URL that grows past the ceiling by percent-encoding is refused too */
    memset(u + 19, '"', KZ_URL_MAX / 2 - 19);
    assert_int_equal(kz_indicator_normalize(KZ_IND_URL, u, KZ_URL_MAX / 2, &a, "url", &nm, &err),
                     KZ_ETOOBIG);
    assert_string_equal(err.field, "url");
    /* and a small output buffer is never overrun */
    char small[24];
    size_t len;
    assert_int_equal(kz_url_canon(u, 60, small, sizeof small, &len, NULL, NULL, "url", &err),
                     KZ_ETOOBIG);
    kz_free(u);
    kz_arena_free(&a);
}

/* kz_ipv4_parse and both its implementations (scalar, SSSE3) against the rule written out
 * the plain way: four runs of one to three digits separated by dots, each at most 255,
 * none of two or more digits starting with 0, nothing else. Octet texts of every kind
 * combined with every separator, then random strings over digits, dots and other bytes,
 * every one at the start and the end of a buffer (a read past n shows under ASan). */
static bool ipv4_rule(const char *s, size_t n, unsigned char out[4])
{
    size_t i = 0;
    for (int k = 0; k < 4; k++) {
        if (k && (i >= n || s[i++] != '.'))
            return false;
        size_t st = i;
        unsigned v = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9' && i - st < 4)
            v = v * 10 + (unsigned)(s[i++] - '0');
        if (i == st || i - st > 3 || v > 255 || (i - st > 1 && s[st] == '0'))
            return false;
        out[k] = (unsigned char)v;
    }
    return i == n;
}

static void ipv4_check(const char *s, size_t n)
{
    char *head = kz_malloc(n ? n : 1), *tail = kz_malloc(32);
    assert_non_null(head);
    assert_non_null(tail);
    memcpy(head, s, n);
    memcpy(tail + 32 - n, s, n);
    unsigned char want[4], got[4], got2[4];
    bool ok = ipv4_rule(s, n, want);
    static bool (*const impl[])(const char *, size_t, unsigned char[4]) = {
        kz_ipv4_parse, kz__ipv4_parse_scalar, kz__ipv4_parse_simd};
    for (size_t i = 0; i < sizeof impl / sizeof *impl; i++) {
        assert_int_equal(impl[i](head, n, got), ok);
        assert_int_equal(impl[i](tail + 32 - n, n, got2), ok);
        if (ok) {
            assert_memory_equal(got, want, 4);
            assert_memory_equal(got2, want, 4);
        }
    }
    kz_free(head);
    kz_free(tail);
}

static void ipv4_parse_agrees(void **state)
{
    (void)state;
    if (!kz__ipv4_simd_available())
        print_message("no SSSE3 here: kz__ipv4_parse_simd is the scalar parse\n");
    static const char *const oct[] = {"0", "1", "9", "00", "01", "10", "99", "100", "109", "199",
                                      "200", "249", "250", "255", "256", "259", "260", "299",
                                      "300", "999", "0000", "1234", "", "a", "1a", "a1", "-1"};
    static const char *const sep[] = {".", "..", ":", ""};
    size_t no = sizeof oct / sizeof *oct, ns = sizeof sep / sizeof *sep;
    char buf[64];
    for (size_t a = 0; a < no; a++)
        for (size_t b = 0; b < no; b++)
            for (size_t c = 0; c < no; c++)
                for (size_t d = 0; d < no; d++) {
                    const char *sp = sep[(a + b * 3 + c * 7 + d * 11) % ns];
                    int k = snprintf(buf, sizeof buf, "%s.%s%s%s.%s", oct[a], oct[b], sp, oct[c], oct[d]);
                    if (k >= 0 && (size_t)k < 32)
                        ipv4_check(buf, (size_t)k);
                }
    static const char alpha[] = "0123456789...:x\0";
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int t = 0; t < 200000; t++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        size_t n = (size_t)(x >> 59) % 18;
        for (size_t i = 0; i < n; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            buf[i] = alpha[(x >> 40) % (sizeof alpha - 1)];
        }
        ipv4_check(buf, n);
    }
}

static void helpers_for_the_matcher(void **state)
{
    (void)state;
    unsigned char a4[4], a6[16];
    assert_true(kz_ipv4_parse("203.0.113.9", 11, a4));
    assert_memory_equal(a4, "\xcb\x00\x71\x09", 4);
    assert_false(kz_ipv4_parse("203.0.113.9x", 12, a4));
    assert_false(kz_ipv4_parse("203.0.113", 9, a4));
    assert_false(kz_ipv4_parse("", 0, a4));
    assert_false(kz_ipv4_parse("111.222.3.", 10, a4));  /* found by fuzzing: no read past n */
    assert_false(kz_ipv4_parse("1.2.3.4.5", 9, a4));
    assert_true(kz_ipv6_parse("::1", 3, a6));
    assert_false(kz_ipv6_parse("::1", 1, a6));
    assert_false(kz_ipv6_parse("::1x", 4, a6));
    assert_false(kz_ipv6_parse("1:2:3:4:5:6:7:8:9:10:11:12:13:14:15:16:17:18", 44, a6));
    char t[46];
    memset(a6, 0, 16);
    a6[15] = 1;
    assert_int_equal(kz_ipv6_format(a6, t), 3);
    assert_string_equal(t, "::1");
    memset(a6, 0xff, 16);
    assert_int_equal(kz_ipv6_format(a6, t), 39);
    assert_string_equal(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");

    char d[KZ_DOMAIN_MAX + 2];
    size_t len;
    kz_err err;
    assert_int_equal(kz_domain_canon("WWW.Example.Com.", 16, d, sizeof d, &len, "host", &err),
                     KZ_OK);
    assert_string_equal(d, "www.example.com");
    assert_int_equal(len, 15);
    assert_int_equal(kz_domain_canon("a b", 3, d, sizeof d, &len, "host", &err), KZ_EINVAL);
    assert_string_equal(err.field, "host");

    char u[128];
    size_t hoff, hlen;
    const char *s = "http://WWW.Example.com:80/a/../b?x#y";
    assert_int_equal(kz_url_canon(s, strlen(s), u, sizeof u, &len, &hoff, &hlen, "url", &err),
                     KZ_OK);
    assert_string_equal(u, "http://www.example.com/b?x");
    assert_int_equal(hoff, 7);
    assert_int_equal(hlen, 15);
    assert_string_equal(kz_registrable_domain("www.example.com"), "example.com");
    assert_null(kz_registrable_domain("192.0.2.1"));
    assert_null(kz_registrable_domain("com"));
}

/* The matcher's normalization: the same canonical values, without the registrable
 * domain; IPv4 text formatted by hand as printf would. */
static void normalized_for_the_matcher(void **state)
{
    (void)state;
    static const char *const lean_cases[][2] = {
        {"domain", "WWW.Example.CO.UK."}, {"url", "HTTP://Login.Example.com:80/a/../b?x=1#f"},
        {"email", "Boss@Evil.Example"},   {"ipv4", "0.10.100.255"},
        {"cidr", "203.0.113.77/24"},      {"ipv6", "2001:DB8::1"},
        {"sha1", "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709"},
    };
    kz_arena a;
    kz_arena_init(&a);
    for (size_t i = 0; i < sizeof lean_cases / sizeof *lean_cases; i++) {
        kz_ind_type t = (kz_ind_type)kz_enum_parse(&kz_ind_type_enum, lean_cases[i][0]);
        kz_norm full, lean;
        kz_err e;
        size_t n = strlen(lean_cases[i][1]);
        assert_int_equal(kz_indicator_normalize(t, lean_cases[i][1], n, &a, "v", &full, &e), KZ_OK);
        assert_int_equal(kz_indicator_normalize_as(t, lean_cases[i][1], n, &a, "v", false, &lean, &e), KZ_OK);
        assert_string_equal(lean.value, full.value);
        assert_null(lean.registrable);
        assert_int_equal(lean.family, full.family);
        assert_int_equal(lean.prefix_len, full.prefix_len);
        assert_memory_equal(lean.addr, full.addr, sizeof lean.addr);
        if (full.host)
            assert_string_equal(lean.host, full.host);
    }
    kz_norm nm;
    kz_err e;
    assert_int_equal(kz_indicator_normalize(KZ_IND_IPV4, "0.10.100.255", 12, &a, "v", &nm, &e), KZ_OK);
    assert_string_equal(nm.value, "0.10.100.255");
    assert_int_equal(kz_indicator_normalize(KZ_IND_CIDR, "9.99.199.7/16", 13, &a, "v", &nm, &e), KZ_OK);
    assert_string_equal(nm.value, "9.99.0.0/16");
    assert_int_equal(kz_indicator_normalize_as(KZ_IND_DOMAIN, "bad..name", 9, &a, "v", false, &nm, &e),
                     KZ_EINVAL);  /* the same checks */
    kz_arena_free(&a);
}

static void type_names_round_trip(void **state)
{
    (void)state;
    assert_int_equal(kz_ind_type_enum.count, KZ_IND_TYPE_COUNT);
    assert_int_equal(kz_enum_parse(&kz_ind_type_enum, "sha256"), KZ_IND_SHA256);
    assert_int_equal(kz_enum_parse(&kz_ind_type_enum, "asn"), KZ_IND_ASN);
    assert_int_equal(kz_enum_parse(&kz_ind_type_enum, "ip"), -1);
    assert_string_equal(kz_enum_name(&kz_ind_type_enum, KZ_IND_CIDR), "cidr");
}

static void out_of_memory_is_reported(void **state)
{
    (void)state;
    kz_arena a;
    kz_arena_init(&a);
    kz_norm nm;
    kz_err err;
    kz_alloc_fail_after(0);
    kz_rc rc = kz_indicator_normalize(KZ_IND_URL, "http://a.example/", 17, &a, "v", &nm, &err);
    kz_alloc_fail_after(-1);
    assert_int_equal(rc, KZ_ENOMEM);
    kz_arena_free(&a);
}

/* libpsl's own answer, as kz_registrable_domain asks it (the same list: the newest of the
 * built-in one and Debian's file), with its exclusions of addresses. */
static const char *libpsl_answer(const psl_ctx_t *psl, const char *host)
{
    unsigned char ip[4];
    if (!*host || host[0] == '[' || kz_ipv4_parse(host, strlen(host), ip))
        return NULL;
    return psl_registrable_domain(psl, host);
}

static void registrable_is_libpsls(const psl_ctx_t *psl, const char *host)
{
    const char *want = libpsl_answer(psl, host);
    const char *got = kz_registrable_domain(host);
    if (got != want) {
        fprintf(stderr, "registrable of \"%s\": \"%s\", libpsl \"%s\"\n", host, got ? got : "(none)",
                want ? want : "(none)");
        fail();
    }
}

/* kz_registrable_domain answers from a cache of hosts and their parents: its answers must
 * be libpsl's, pointer for pointer, on every kind of host, asked first and asked again,
 * with parents asked before and after their children. */
static void registrable_agrees_with_libpsl(void **state)
{
    (void)state;
    const psl_ctx_t *psl = psl_latest(NULL);
    if (!psl)
        psl = psl_builtin();
    assert_non_null(psl);
    static const char *const fixed[] = {
        "example.com", "www.example.com", "a.b.c.example.com", "com", "co.uk", "example.co.uk",
        "www.example.co.uk", "co.jp", "example.co.jp", "a.example.co.jp", "kawasaki.jp",
        "foo.kawasaki.jp", "city.kawasaki.jp", "www.city.kawasaki.jp", "a.b.kawasaki.jp",
        "ck", "foo.ck", "www.ck", "a.www.ck", "s3.amazonaws.com", "bucket.s3.amazonaws.com",
        "a.bucket.s3.amazonaws.com", "amazonaws.com", "blogspot.com", "x.blogspot.com",
        "github.io", "user.github.io", "a.user.github.io", "appspot.com", "c.appspot.com",
        "xn--85x722f.xn--55qx5d.cn", "www.xn--85x722f.xn--55qx5d.cn", "xn--55qx5d.cn",
        "xn--p1ai", "xn--d1acufc.xn--p1ai", "www.xn--d1acufc.xn--p1ai", "食狮.公司.cn",
        "www.食狮.公司.cn", "пример.рф", "192.0.2.1", "10.0.0.256", "1.2.3", "[2001:db8::1]",
        "2001:db8::1", "example.com.", "www.example.com.", "com.", ".", "..", ".example.com",
        "a..example.com", "example..com", "a.", "example", "local", "a.b.c.d.e.f.g.h.i.j.com",
        "a.b.c.d.e.f.g.example.co.uk", "a.b.c.d.e.f.g.h.example.co.uk", "a.b.c.d.e.f.g.h.i.co.uk",
        "a.b.c.d.e.f.g.h.city.kawasaki.jp",
        "a-very-long-label-to-pass-the-cache-limit-of-sixty-one-bytes.example.com",
        "b.a-very-long-label-to-pass-the-cache-limit-of-sixty-one-bytes.example.co.uk",
        "x.a-very-long-label-to-pass-the-cache-limit-of-sixty-one-bytes.s3.amazonaws.com",
    };
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
            registrable_is_libpsls(psl, fixed[i]);
    for (size_t i = sizeof fixed / sizeof *fixed; i-- > 0;)
        registrable_is_libpsls(psl, fixed[i]);

    /* Random names over labels and suffixes of every kind of rule: 8,000 questions over
     * some thousands of names, so that slots of the cache are taken over, and repeats. */
    static const char *const labels[] = {"www", "a", "login", "city", "www2", "s3", "bucket",
                                         "xn--d1acufc", "ck", "jp", "co", "uk", "foo", "_dmarc",
                                         "1", "0x1", "kawasaki", "amazonaws", "com", "github"};
    static const char *const tails[] = {"com", "co.uk", "co.jp", "kawasaki.jp", "city.kawasaki.jp",
                                        "ck", "www.ck", "s3.amazonaws.com", "github.io", "example",
                                        "xn--p1ai", "blogspot.com", "uk", "jp", "com.", "1.2.3.4",
                                        "appspot.com", "nom.br", "bd", "er"};
    srand(17);
    char host[512];
    for (int k = 0; k < 4000; k++) {
        size_t len = 0;
        int nl = rand() % 12;
        for (int i = 0; i < nl; i++)
            len += (size_t)snprintf(host + len, sizeof host - len, "%s.",
                                    labels[rand() % (int)(sizeof labels / sizeof *labels)]);
        snprintf(host + len, sizeof host - len, "%s", tails[rand() % (int)(sizeof tails / sizeof *tails)]);
        registrable_is_libpsls(psl, host);
        registrable_is_libpsls(psl, host + (rand() % (len + 1)));  /* a random tail of it */
    }
    psl_free((psl_ctx_t *)psl);  /* the test's own copy of the list; the built-in one stays */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_of_cases),
        cmocka_unit_test(details_of_the_result),
        cmocka_unit_test(url_ceiling_is_enforced),
        cmocka_unit_test(helpers_for_the_matcher),
        cmocka_unit_test(ipv4_parse_agrees),
        cmocka_unit_test(normalized_for_the_matcher),
        cmocka_unit_test(type_names_round_trip),
        cmocka_unit_test(out_of_memory_is_reported),
        cmocka_unit_test(registrable_agrees_with_libpsl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
