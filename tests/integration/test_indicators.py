"""Indicators and sightings over HTTP: normalization on input, deduplication per
(type, value, source), bulk all-or-nothing with per-item errors, updates, filters,
statistics, and sightings summed per observer and per indicator."""
import json

import pytest
import requests

from conftest import assert_error


def post(client, **body):
    body.setdefault("tlp", "green")
    return client.post("/indicators", body)


@pytest.mark.parametrize("type_,given,stored,registrable", [
    ("ipv4", " 198.51.100.7 ", "198.51.100.7", None),
    ("ipv6", "2001:DB8:0:0:0:0:0:1", "2001:db8::1", None),
    ("cidr", "198.51.100.77/24", "198.51.100.0/24", None),
    ("cidr", "2001:db8:ffff::1/32", "2001:db8::/32", None),
    ("domain", "WWW.Example.CO.UK.", "www.example.co.uk", "example.co.uk"),
    ("domain", "bücher.example", "xn--bcher-kva.example", "xn--bcher-kva.example"),
    ("url", "HTTP://Example.COM:80/a/./b/../c/%7euser?q=1#frag", "http://example.com/a/c/~user?q=1",
     "example.com"),
    ("email", "Phish@Example.ORG", "Phish@example.org", "example.org"),
    ("md5", "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e", None),
    ("sha256", "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", None),
    ("asn", "as64500", "AS64500", None),
])
def test_values_are_normalized(server, type_, given, stored, registrable):
    r = post(server.admin, type=type_, value=given)
    assert r.status_code == 201, r.text
    assert r.json()["value"] == stored
    assert r.json()["registrable"] == registrable
    # the normalized form is the identity: the canonical text finds the same indicator
    again = post(server.admin, type=type_, value=stored)
    assert again.status_code == 200 and again.json()["id"] == r.json()["id"]


def test_invalid_values_name_the_field_and_write_nothing(server):
    a = server.admin
    for body, field in [
        ({"type": "ipv4", "value": "198.51.100.256"}, "value"),
        ({"type": "ipv6", "value": "2001:db8:::1"}, "value"),
        ({"type": "cidr", "value": "198.51.100.0/33"}, "value"),
        ({"type": "domain", "value": "exa mple.com"}, "value"),
        ({"type": "url", "value": "not a url"}, "value"),
        ({"type": "md5", "value": "abc"}, "value"),
        ({"type": "sha1", "value": "z" * 40}, "value"),
        ({"type": "asn", "value": "AS99999999999"}, "value"),
        ({"type": "mutex", "value": "x"}, "type"),
        ({"type": "ipv4"}, "value"),
        ({"value": "198.51.100.7"}, "type"),
        ({"type": "ipv4", "value": "198.51.100.7", "confidence": 101}, "confidence"),
        ({"type": "ipv4", "value": "198.51.100.7", "valid_until": "soon"}, "valid_until"),
        ({"type": "ipv4", "value": "198.51.100.7", "first_seen": "2026-02-01T00:00:00Z",
          "last_seen": "2026-01-01T00:00:00Z"}, "first_seen"),
        ({"type": "ipv4", "value": "198.51.100.7", "incidents": ["6a7027a6-5610-4035-9248-7404031bf1f6"]},
         "incidents[0]"),
        ({"type": "ipv4", "value": "198.51.100.7", "registrable": "x"}, "registrable"),
    ]:
        e = assert_error(post(a, **body), 400, field)
        assert e["message"]
    assert a.get("/indicators").json()["items"] == []
    assert a.get("/stats/indicators").json()["total"] == 0


def test_deduplicated_per_type_value_and_source(server):
    a = server.admin
    other = server.org("Other CSIRT", "KR")
    them = server.client(other["id"], "analyst")
    first = post(a, type="domain", value="evil.example", confidence=40,
                 first_seen="2026-01-10T00:00:00Z", last_seen="2026-01-12T00:00:00Z").json()
    assert first["result"] == "created"
    same = post(a, type="domain", value="EVIL.example.", first_seen="2026-01-11T00:00:00Z",
                last_seen="2026-01-11T00:00:00Z")
    assert same.status_code == 200 and same.json()["result"] == "unchanged"
    assert same.json()["modified"] == first["modified"]
    wider = post(a, type="domain", value="evil.example", confidence=70,
                 first_seen="2026-01-01T00:00:00Z", last_seen="2026-01-20T00:00:00Z").json()
    assert wider["result"] == "merged" and wider["id"] == first["id"]
    assert (wider["first_seen"], wider["last_seen"]) == ("2026-01-01T00:00:00.000Z", "2026-01-20T00:00:00.000Z")
    assert wider["confidence"] == 70
    theirs = post(them, type="domain", value="evil.example").json()
    assert theirs["result"] == "created" and theirs["id"] != first["id"] and theirs["source"] == other["id"]
    # the same value as another type is another indicator too
    assert post(a, type="url", value="http://evil.example/").json()["result"] == "created"
    assert a.get("/stats/indicators").json()["by"]["type"] == {"domain": 2, "url": 1}


def test_bulk_ten_thousand_all_or_nothing(server):
    a = server.admin
    items = [{"type": "ipv4", "value": f"10.{i // 65536}.{i // 256 % 256}.{i % 256}", "tlp": "green"}
             for i in range(10000)]
    bad = list(items)
    bad[17] = {"type": "ipv4", "value": "10.0.0.300", "tlp": "green"}
    bad[9000] = {"type": "md5", "value": "x", "tlp": "green"}
    r = a.post("/indicators/bulk", {"items": bad})
    e = assert_error(r, 400, "items[17].value")
    assert [(i["index"], i["field"]) for i in r.json()["items"]] == [(17, "items[17].value"), (9000, "items[9000].value")]
    assert a.get("/stats/indicators").json()["total"] == 0           # nothing written

    r = a.post("/indicators/bulk", {"items": items})
    assert r.status_code == 200, r.text[:300]
    assert (r.json()["created"], r.json()["merged"], r.json()["unchanged"]) == (10000, 0, 0)
    assert len({i["id"] for i in r.json()["items"]}) == 10000
    assert a.get("/stats/indicators").json()["total"] == 10000
    r = a.post("/indicators/bulk", {"items": items})                # again: nothing changes
    assert (r.json()["created"], r.json()["unchanged"]) == (0, 10000)
    audit = [e for e in a.get("/audit", {"limit": 1000}).json()["items"] if e["action"] == "indicator.bulk"]
    assert len(audit) == 1                                             # the no-op was not a change

    assert_error(a.post("/indicators/bulk", {"items": items + items[:1]}), 400, "items")
    assert_error(a.post("/indicators/bulk", {"items": []}), 400, "items")
    assert_error(a.post("/indicators/bulk", items[:2]), 400)
    assert_error(a.post("/indicators/bulk", {"items": items[:1], "extra": 1}), 400, "items")
    assert_error(a.post("/indicators/bulk", {"items": [{"type": "ipv4", "value": "10.0.0.1"}, 7]}), 400,
                 "items[0].tlp")


def test_bulk_body_ceiling_is_separate(make_server):
    s = make_server(extra_args=["--max-body", "2048", "--max-bulk-body", "65536"])
    items = [{"type": "domain", "value": f"host{i}.example", "tlp": "green"} for i in range(200)]
    assert len(json.dumps({"items": items})) > 2048
    assert s.admin.post("/indicators/bulk", {"items": items}).status_code == 200
    # the ordinary ceiling still holds elsewhere, and the bulk one holds for bulk
    assert_error(s.admin.post("/indicators", {"type": "domain", "value": "a.example", "tlp": "green",
                                               "description": "x" * 3000}), 413)
    many = [{"type": "domain", "value": f"host{i}.example", "tlp": "green"} for i in range(3000)]
    assert_error(s.admin.post("/indicators/bulk", {"items": many}), 413)


def test_update_and_filters(server):
    a = server.admin
    inc = a.post("/incidents", {"title": "C2", "rsit_type": "c2-server", "tlp": "green"}).json()
    x = post(a, type="url", value="http://login.bank.example/verify", valid_until="2026-01-01T00:00:00Z",
             last_seen="2025-12-01T00:00:00Z").json()
    y = post(a, type="domain", value="cdn.bank.example", tlp="amber", last_seen="2026-03-01T00:00:00Z").json()
    z = post(a, type="ipv4", value="192.0.2.10", incidents=[inc["id"]]).json()

    def values(**q):
        r = a.get("/indicators", q)
        assert r.status_code == 200, r.text
        return sorted(i["value"] for i in r.json()["items"])

    assert values(q="bank.example") == ["cdn.bank.example", "http://login.bank.example/verify"]
    assert values(q="http://login.") == ["http://login.bank.example/verify"]
    assert values(q="192.0.2.") == ["192.0.2.10"]
    assert values(type="domain") == ["cdn.bank.example"]
    assert values(tlp="amber") == ["cdn.bank.example"]
    assert values(incident=inc["id"]) == ["192.0.2.10"]
    assert values(since="2026-02-01") == ["192.0.2.10", "cdn.bank.example"]
    assert values(until="2026-01-01") == ["http://login.bank.example/verify"]
    assert values(active="true") == ["192.0.2.10", "cdn.bank.example"]   # x expired
    assert values(source=a.org) == sorted([x["value"], y["value"], z["value"]])
    assert_error(a.get("/indicators", {"type": "hash"}), 400, "type")
    assert_error(a.get("/indicators", {"active": "yes"}), 400, "active")

    r = a.patch(f"/indicators/{x['id']}", {"valid_until": None, "confidence": 95, "incidents": [inc["id"]]})
    assert r.status_code == 200, r.text
    assert r.json()["valid_until"] is None and r.json()["incidents"] == [inc["id"]]
    assert values(active="true") == sorted([x["value"], y["value"], z["value"]])
    assert_error(a.patch(f"/indicators/{x['id']}", {"value": "http://other.example/"}), 400, "value")
    assert_error(a.patch(f"/indicators/{x['id']}", {"type": "domain"}), 400, "type")
    assert_error(a.patch(f"/indicators/{x['id']}", {"incidents": ["6a7027a6-5610-4035-9248-7404031bf1f6"]}),
                 400, "incidents[0]")
    other = server.org("Other", "KR")
    them = server.client(other["id"], "analyst")
    assert_error(them.patch(f"/indicators/{x['id']}", {"confidence": 1}), 403)
    assert_error(server.client(a.org, "viewer").post("/indicators", {"type": "ipv4", "value": "192.0.2.1",
                                                                      "tlp": "green"}), 403)
    assert_error(them.post("/indicators", {"type": "ipv4", "value": "192.0.2.1", "tlp": "green",
                                            "source": a.org}), 403, "source")
    stats = a.get("/stats/indicators").json()
    assert stats == {"total": 3, "by": {"type": {"domain": 1, "ipv4": 1, "url": 1},
                                        "tlp": {"green": 2, "amber": 1}}}


def test_sightings(server):
    a = server.admin
    ind = post(a, type="domain", value="c2.example").json()
    obs1, obs2 = server.org("Observer One", "VN"), server.org("Observer Two", "TH")
    c1, c2 = server.client(obs1["id"], "analyst"), server.client(obs2["id"], "analyst")
    r = c1.post("/sightings", {"indicator": ind["id"], "count": 7, "first_seen": "2026-04-01T00:00:00Z",
                               "last_seen": "2026-04-01T01:00:00Z"})
    assert r.status_code == 201, r.text
    s = r.json()
    assert s["observer"] == obs1["id"] and s["tlp"] == "amber" and s["recipients"] == [a.org]
    again = c1.post("/sightings", {"indicator": ind["id"], "count": 9, "first_seen": "2026-04-01T00:00:00Z",
                                   "last_seen": "2026-04-01T01:00:00Z"})
    assert again.status_code == 200 and again.json()["id"] == s["id"] and again.json()["count"] == 9
    c1.post("/sightings", {"indicator": ind["id"], "count": 1, "first_seen": "2026-04-02T00:00:00Z",
                           "last_seen": "2026-04-02T00:00:00Z"})
    c2.post("/sightings", {"indicator": ind["id"], "tlp": "green"})  # count 1, now

    sums = a.get(f"/indicators/{ind['id']}/sightings").json()
    assert sums["total"]["count"] == 11 and sums["total"]["reports"] == 3
    assert {o["observer"]: o["count"] for o in sums["observers"]} == {obs1["id"]: 10, obs2["id"]: 1}
    # observer two sees its own report and nothing of observer one's (AMBER, not a recipient)
    theirs = c2.get(f"/indicators/{ind['id']}/sightings").json()
    assert theirs["total"]["count"] == 1 and [o["observer"] for o in theirs["observers"]] == [obs2["id"]]
    window = a.get(f"/indicators/{ind['id']}/sightings", {"since": "2026-04-01T12:00:00Z",
                                                          "until": "2026-04-03"}).json()
    assert window["total"]["count"] == 1
    per_ind = c1.get("/sightings", {"observer": obs1["id"]}).json()["items"]
    assert [(i["indicator"], i["count"]) for i in per_ind] == [(ind["id"], 10)]

    assert_error(c1.post("/sightings", {"indicator": ind["id"], "count": 0}), 400, "count")
    assert_error(c1.post("/sightings", {"indicator": "6a7027a6-5610-4035-9248-7404031bf1f6"}), 400, "indicator")
    assert_error(c1.post("/sightings", {"indicator": ind["id"], "observer": obs2["id"]}), 403, "observer")
    assert_error(c1.post("/sightings", {"indicator": ind["id"], "first_seen": "2026-05-02T00:00:00Z",
                                        "last_seen": "2026-05-01T00:00:00Z"}), 400, "first_seen")
    assert_error(a.get("/indicators/6a7027a6-5610-4035-9248-7404031bf1f6/sightings"), 404)
