"""MISP feeds as real instances publish them, against a real node: attributes marked
not for detection (to_ids false) kept as context that is never matched; URLs without a
scheme; composite types keeping both parts; tags and the event's threat level and
analysis kept; and a feed import that skips unchanged events, fetching nothing it
already has (counted on a real HTTP server)."""
import functools
import http.server
import json
import threading

import pytest

from conftest import run_kizuna

EVENT = "7c1e2d3c-0a1b-4c2d-8e3f-4a5b6c7d8e01"
TS = 1772380800  # 2026-03-01T16:00:00Z


def attribute(n, type_, value, to_ids=True, **kw):
    return {"uuid": f"7a000000-0000-4000-8000-{n:012x}", "type": type_, "category": "Network activity",
            "value": value, "to_ids": to_ids, "distribution": "5", "timestamp": str(TS), **kw}


def write_feed(root, events):
    """events: {uuid: event dict}; writes manifest.json and one file per event."""
    root.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for uuid, ev in events.items():
        ev = {"uuid": uuid, "date": "2026-03-01", "timestamp": str(TS), "distribution": "1", **ev}
        (root / f"{uuid}.json").write_text(json.dumps({"Event": ev}))
        manifest[uuid] = {"info": ev.get("info", ""), "timestamp": int(ev["timestamp"]),
                          "Tag": ev.get("Tag", [])}
    (root / "manifest.json").write_text(json.dumps(manifest))
    return root


def import_misp(server, where, *args):
    r = run_kizuna("import", "misp", "--db", server.db, "--log-level", "warn", *args, where, check=False)
    assert r.returncode == 0, r.stderr
    return r


def by_value(server):
    items = server.admin.get("/indicators", params={"limit": 1000}).json()["items"]
    return {i["value"]: i for i in items}


def test_not_for_detection_is_context_that_is_never_matched(server, tmp_path):
    feed = write_feed(tmp_path / "feed", {EVENT: {"info": "Phishing kit", "Attribute": [
        attribute(1, "domain", "kit.example"),
        attribute(2, "domain", "geoip-lookup.example", to_ids=False, comment="geo lookup service"),
        attribute(3, "url", "https://cdn.example/bootstrap.min.css", to_ids=False),
        attribute(4, "ip-dst", "198.51.100.23", to_ids="0"),  # MISP also writes "0"/"1"
    ]}})
    import_misp(server, feed)
    got = by_value(server)
    assert {v: i["context_only"] for v, i in got.items()} == {
        "kit.example": False, "geoip-lookup.example": True, "https://cdn.example/bootstrap.min.css": True,
        "198.51.100.23": True}
    # visible in STIX too, and read back as such
    r = run_kizuna("export", "stix", "--db", server.db, "--what", "indicators")
    bundle = json.loads(r.stdout)
    flags = {o["name"]: o.get("x_kizuna_context_only", False) for o in bundle["objects"] if o["type"] == "indicator"}
    assert flags == {"kit.example": False, "geoip-lookup.example": True,
                     "https://cdn.example/bootstrap.min.css": True, "198.51.100.23": True}, flags

    def line(client, url, peer="192.0.2.1"):
        return "1772390000.000 1 %s TCP_MISS/200 1 GET %s - HIER_DIRECT/%s -" % (client, url, peer)

    (tmp_path / "proxy.log").write_text("\n".join([
        line("10.0.0.1", "http://kit.example/login"),
        line("10.0.0.2", "http://geoip-lookup.example/json"),
        line("10.0.0.3", "https://cdn.example/bootstrap.min.css"),
        line("10.0.0.4", "http://other.example/", "198.51.100.23"),
    ]) + "\n")
    analyst = server.client(server.admin.org, "analyst")
    r = run_kizuna("match", "--db", server.db, "--key", analyst.key, "--summary", "json", tmp_path / "proxy.log")
    summary = json.loads(r.stderr.strip().splitlines()[-1])
    assert summary["indicators"] == 1 and summary["matches"] == 1 and summary["sightings"] == 1, summary
    assert [json.loads(x)["indicator"]["value"] for x in r.stdout.splitlines()] == ["kit.example"]
    for value, ind in got.items():
        total = server.admin.get(f"/indicators/{ind['id']}/sightings").json()["total"]["count"]
        assert total == (1 if value == "kit.example" else 0), (value, total)
    # a later report of the same value for detection makes it matched; context alone never undoes that
    feed2 = write_feed(tmp_path / "feed2", {"7c1e2d3c-0a1b-4c2d-8e3f-4a5b6c7d8e02": {"info": "Same lookup, now bad",
                                            "Attribute": [attribute(9, "domain", "geoip-lookup.example")]}})
    import_misp(server, feed2)
    assert by_value(server)["geoip-lookup.example"]["context_only"] is False
    import_misp(server, feed)
    assert by_value(server)["geoip-lookup.example"]["context_only"] is False
    # and the API sets it either way
    ind = by_value(server)["kit.example"]
    r = server.admin.patch(f"/indicators/{ind['id']}", {"context_only": True})
    assert r.status_code == 200 and r.json()["context_only"] is True, r.text
