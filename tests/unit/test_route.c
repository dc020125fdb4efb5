/* Unit tests of kizuna route's parts: event lines (CSV maps, JSON paths, the origin
 * rules) and the drafts for the responsible states on a real node. The tally itself is
 * tested in test_tally.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "helpers.h"

#include "codec/routing/events.h"
#include "service/requests/requests.h"
#include "service/routing/route.h"

#include <string.h>

static kz_rc origin(const char *line, bool json, const char *spec, kz_ip *ip, char *host,
                    kz_event_origin *o, kz_err *err)
{
    kz_event_map map;
    char scratch[1024];
    kz_event ev;
    if (json) {
        kz_event_map_json_default(&map);
        if (spec)
            assert_int_equal(kz_event_map_parse(spec, &map, err), KZ_OK);
    } else {
        assert_int_equal(kz_event_map_parse(spec, &map, err), KZ_OK);
        assert_int_equal(kz_event_map_csv(&map, NULL, 0, false, scratch, err), KZ_OK);
    }
    kz_rc rc = json ? kz_event_parse_json(&map, line, strlen(line), scratch, &ev, err)
                    : kz_event_parse_csv(&map, line, strlen(line), scratch, &ev, err);
    size_t hlen;
    return rc ? rc : kz_event_origin_of(&ev, ip, host, &hlen, o, err);
}

static void events_route_by_the_documented_field(void **state)
{
    (void)state;
    kz_ip ip;
    char host[KZ_EVENT_HOST_MAX];
    kz_event_origin o;
    kz_err err;
    const char *spec = "ip=1,url=2,domain=3,resolved=4";
    /* ip wins over everything */
    assert_int_equal(origin("198.51.100.7,http://203.0.113.1/,x.example,192.0.2.1", false, spec, &ip, host, &o, &err), KZ_OK);
    assert_int_equal(o, KZ_ORIGIN_ADDRESS);
    assert_int_equal(ip.v4, 0xC6336407);
    /* then the resolved address (first of a list) */
    assert_int_equal(origin(",http://phish.example/,,192.0.2.1;192.0.2.2", false, spec, &ip, host, &o, &err), KZ_OK);
    assert_int_equal(ip.v4, 0xC0000201);
    /* then a URL whose host is an address */
    assert_int_equal(origin(",https://[2001:db8::1]:8443/a,,", false, spec, &ip, host, &o, &err), KZ_OK);
    assert_int_equal(ip.family, 6);
    /* a host name alone needs resolving, canonical */
    assert_int_equal(origin(",,WWW.Example.COM.,", false, spec, &ip, host, &o, &err), KZ_OK);
    assert_int_equal(o, KZ_ORIGIN_HOST);
    assert_string_equal(host, "www.example.com");
    assert_int_equal(origin(",HTTPS://Phish.Example/login,,", false, spec, &ip, host, &o, &err), KZ_OK);
    assert_string_equal(host, "phish.example");
    /* malformed fields are named */
    assert_int_equal(origin("1.2.3.400,,,", false, spec, &ip, host, &o, &err), KZ_EINVAL);
    assert_string_equal(err.field, "ip");
    assert_int_equal(origin(",,,x.y", false, spec, &ip, host, &o, &err), KZ_EINVAL);
    assert_string_equal(err.field, "resolved");
    assert_int_equal(origin(",,,", false, spec, &ip, host, &o, &err), KZ_EINVAL);
    assert_non_null(strstr(err.msg, "no ip, url or domain"));
    /* JSON: nested paths, nulls skipped, non-strings refused */
    assert_int_equal(origin("{\"source\": {\"ip\": \"192.0.2.9\"}, \"ip\": null}", true, NULL, &ip, host, &o, &err), KZ_OK);
    assert_int_equal(ip.v4, 0xC0000209);
    assert_int_equal(origin("{\"ip\": 7}", true, NULL, &ip, host, &o, &err), KZ_EINVAL);
    assert_string_equal(err.field, "ip");
    assert_int_equal(origin("[1]", true, NULL, &ip, host, &o, &err), KZ_EINVAL);
    assert_int_equal(origin("{\"ip\": \"1.1.1.1\"} x", true, NULL, &ip, host, &o, &err), KZ_EINVAL);
    assert_non_null(strstr(err.msg, "column"));
}

static void csv_header_is_recognized_and_maps_checked(void **state)
{
    (void)state;
    kz_event_map map;
    kz_err err;
    char scratch[256];
    memset(&map, 0, sizeof map);
    const char *h = "Timestamp,Client_IP,Request_URL,other";
    assert_int_equal(kz_event_map_csv(&map, h, strlen(h), true, scratch, &err), KZ_OK);
    assert_int_equal(map.column[KZ_EV_IP], 1);
    assert_int_equal(map.column[KZ_EV_URL], 2);
    assert_int_equal(map.column[KZ_EV_TIME], 0);
    assert_int_equal(map.column[KZ_EV_DOMAIN], -1);
    kz_event ev;
    const char *l = "2026-11-01T10:00:00Z,192.0.2.1,,";
    assert_int_equal(kz_event_parse_csv(&map, l, strlen(l), scratch, &ev, &err), KZ_OK);
    assert_true(kz_event_time(&ev) == 1793527200000LL);
    const char *l2 = "1761991200.5,192.0.2.1,,";
    assert_int_equal(kz_event_parse_csv(&map, l2, strlen(l2), scratch, &ev, &err), KZ_OK);
    assert_true(kz_event_time(&ev) == 1761991200500LL);
    const char *l3 = "yesterday,192.0.2.1,,";
    assert_int_equal(kz_event_parse_csv(&map, l3, strlen(l3), scratch, &ev, &err), KZ_OK);
    assert_true(kz_event_time(&ev) == 0);

    memset(&map, 0, sizeof map);
    assert_int_equal(kz_event_map_csv(&map, "a,b", 3, true, scratch, &err), KZ_EINVAL);
    assert_int_equal(kz_event_map_parse("ip=zzz", &map, &err), KZ_OK);
    assert_int_equal(kz_event_map_csv(&map, h, strlen(h), true, scratch, &err), KZ_EINVAL);
    assert_non_null(strstr(err.msg, "zzz"));
    assert_int_equal(kz_event_map_parse("ip=zzz", &map, &err), KZ_OK);
    assert_int_equal(kz_event_map_csv(&map, NULL, 0, false, scratch, &err), KZ_EINVAL);
    assert_int_equal(kz_event_map_parse("port=1", &map, &err), KZ_EINVAL);
    assert_int_equal(kz_event_map_parse("ip=", &map, &err), KZ_EINVAL);
}

static kz_geo_hit hit(uint32_t asn, const char *cc, const char *org)
{
    kz_geo_hit h = {asn, {0}, org, strlen(org)};
    memcpy(h.cc, cc, strlen(cc) + 1);
    return h;
}

static void notify_writes_drafts_for_each_state(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();  /* the node's organization is in JP */
    kz_org *au = kz_fixture_org(f, "AU CERT", "AU");
    kz_fixture_contact(f, au->id, "AU duty", KZ_CONTACT_CSIRT);
    kz_org *us = kz_fixture_org(f, "US team", "US");
    kz_fixture_contact(f, us->id, "US duty", KZ_CONTACT_TECHNICAL);
    kz_tally *r = kz_tally_new(true);
    kz_ip ips[5] = {{4, 0x01010101, {0}}, {4, 0x01010101, {0}}, {4, 0x08080808, {0}}, {4, 0x85000001, {0}},
                    {4, 0xC1000001, {0}}};
    kz_geo_hit hits[5] = {hit(13335, "AU", "Cloudflare, \"Inc.\""), hit(13335, "AU", "Cloudflare, \"Inc.\""),
                          hit(15169, "US", "Google"), hit(2500, "JP", "WIDE"), hit(3333, "NL", "RIPE")};
    kz_time times[5] = {1000, 2000, 3000, 4000, 5000};
    assert_int_equal(kz_tally_add(r, ips, hits, times, 5), KZ_OK);
    kz_tally_summary s;
    assert_int_equal(kz_tally_summarize(r, &f->arena, &s), KZ_OK);
    char *acts[] = {"stop"};
    kz_route_notify o = {KZ_TLP_AMBER, KZ_URG_NORMAL, "scanning", {acts, 1}, "events.csv", "data: CC BY 4.0", 1};
    kz_route_notice *v;
    size_t n;
    assert_int_equal(kz_svc_route_notify(&f->call, r, &s, &o, &v, &n), KZ_OK);
    assert_int_equal(n, 4);
    int drafts = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i].cc, "JP") == 0)
            assert_non_null(strstr(v[i].skipped, "own state"));
        else if (strcmp(v[i].cc, "NL") == 0)
            assert_non_null(strstr(v[i].skipped, "no CSIRT"));
        else
            drafts += v[i].request_id != NULL;
        if (strcmp(v[i].cc, "AU") == 0) {
            kz_request_view view;
            assert_int_equal(kz_svc_request_get(&f->call, v[i].request_id, &view), KZ_OK);
            assert_string_equal(view.req.to_organization, au->id);
            assert_int_equal(view.req.kind, KZ_REQ_MITIGATION);
            assert_int_equal(view.req.sources.n, 2);  /* AS13335 and 1.1.1.1 */
            assert_true(view.req.window_start == 1000 && view.req.window_end == 2000);
            assert_int_equal(view.n_attachments, 1);
            kz_attachment att;
            assert_int_equal(kz_svc_request_attachment(&f->call, v[i].request_id, view.attachments[0].id, &att), KZ_OK);
            const char *want = "address,asn,as_org,events\n1.1.1.1,13335,\"Cloudflare, \"\"Inc.\"\"\",2\n";
            assert_int_equal(att.size, strlen(want));
            assert_memory_equal(att.data, want, strlen(want));
        }
    }
    assert_int_equal(drafts, 2);
    /* without a key the caller may not write */
    kz_call anon = f->call;
    anon.who.key_id = NULL;
    anon.who.role = -1;
    assert_int_equal(kz_svc_route_notify(&anon, r, &s, &o, &v, &n), KZ_EUNAUTH);
    kz_tally_free(r);
    kz_fixture_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(events_route_by_the_documented_field),
        cmocka_unit_test(csv_header_is_recognized_and_maps_checked),
        cmocka_unit_test(notify_writes_drafts_for_each_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
