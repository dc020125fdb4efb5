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
    assert all(o["x_kizuna_context_only"] is True for o in bundle["objects"] if "x_kizuna_context_only" in o)
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
    # the exported bundle, matched without a database, leaves the context out too
    (tmp_path / "bundle.json").write_text(json.dumps(bundle))
    r = run_kizuna("match", "--indicators", tmp_path / "bundle.json", "--summary", "json", tmp_path / "proxy.log")
    assert [json.loads(x)["indicator"]["value"] for x in r.stdout.splitlines()] == ["kit.example"], r.stdout
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


class CountingFeedServer:
    """A real HTTP server on loopback serving a feed directory with ETag and
    Last-Modified, answering 304 to If-None-Match / If-Modified-Since as a web server
    does, and counting what was asked and how it was answered."""

    def __init__(self, root, etags=True):
        self.root, self.etags = root, etags
        self.log = []  # (path, status, if-none-match, if-modified-since)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                path = outer.root / self.path.lstrip("/")
                inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
                if not path.is_file():
                    outer.log.append((self.path, 404, inm, ims))
                    self.send_error(404)
                    return
                body = path.read_bytes()
                etag = '"%08x"' % (hash(body) & 0xFFFFFFFF)
                modified = "Sun, 01 Mar 2026 16:00:%02d GMT" % (len(body) % 60)
                fresh = (inm == etag) if (outer.etags and inm) else (ims == modified if ims else False)
                outer.log.append((self.path, 304 if fresh else 200, inm, ims))
                self.send_response(304 if fresh else 200)
                if outer.etags:
                    self.send_header("ETag", etag)
                self.send_header("Last-Modified", modified)
                if not fresh:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not fresh:
                    self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def take(self):
        got, self.log = self.log, []
        return sorted((p, s) for p, s, _, _ in got), got

    def stop(self):
        self.httpd.shutdown()


EV1 = "7c1e2d3c-0a1b-4c2d-8e3f-4a5b6c7d8e11"
EV2 = "7c1e2d3c-0a1b-4c2d-8e3f-4a5b6c7d8e12"


def two_events(ts2=TS):
    return {EV1: {"info": "One", "Attribute": [attribute(0x11, "domain", "one.example")]},
            EV2: {"info": "Two", "timestamp": str(ts2), "Attribute": [attribute(0x12, "domain", "two.example")]}}


@pytest.fixture
def feed_server(tmp_path):
    servers = []

    def make(**kw):
        s = CountingFeedServer(tmp_path / "www", **kw)
        servers.append(s)
        return s
    yield make
    for s in servers:
        s.stop()


def test_a_feed_import_fetches_only_what_changed(server, tmp_path, feed_server):
    write_feed(tmp_path / "www", two_events())
    web = feed_server()
    r = import_misp(server, web.url)
    assert "2 events: 2 created, 0 updated, 0 unchanged, 0 failed; 0 not read again" in r.stdout, r.stdout
    asked, _ = web.take()
    assert asked == [(f"/{EV1}.json", 200), (f"/{EV2}.json", 200), ("/manifest.json", 200)]

    # nothing changed: one conditional request for the manifest, answered 304, and nothing else
    before = len(server.admin.get("/audit", params={"limit": 1000}).json()["items"])
    r = import_misp(server, web.url)
    assert "manifest has not changed since the last import (HTTP 304): nothing fetched" in r.stdout, r.stdout
    asked, raw = web.take()
    assert asked == [("/manifest.json", 304)] and raw[0][2] and raw[0][3], raw  # ETag and date sent back
    assert len(server.admin.get("/audit", params={"limit": 1000}).json()["items"]) == before

    # the second event changed (and the manifest with it): only that event is fetched
    write_feed(tmp_path / "www", two_events(ts2=TS + 3600))
    r = import_misp(server, web.url)
    assert "2 events: 0 created, 1 updated, 1 unchanged, 0 failed; 1 not read again" in r.stdout, r.stdout
    asked, _ = web.take()
    assert asked == [(f"/{EV2}.json", 200), ("/manifest.json", 200)]

    # what one organization imported says nothing of another's: it reads the whole feed
    other = server.org("Other CSIRT", "FR")
    r = import_misp(server, web.url, "--source", other["id"])
    assert "2 events: 0 created, 0 updated, 2 unchanged, 0 failed; 0 not read again" in r.stdout, r.stdout
    assert "2 indicators created" in r.stdout, r.stdout
    asked, raw = web.take()
    assert asked == [(f"/{EV1}.json", 200), (f"/{EV2}.json", 200), ("/manifest.json", 200)]
    assert not any(inm or ims for _, _, inm, ims in raw), raw
    r = import_misp(server, web.url, "--source", other["id"])
    assert "nothing fetched" in r.stdout and web.take()[0] == [("/manifest.json", 304)]


def test_without_manifest_timestamps_the_files_validators_decide(server, tmp_path, feed_server):
    root = write_feed(tmp_path / "www", two_events())
    manifest = json.loads((root / "manifest.json").read_text())
    for entry in manifest.values():
        del entry["timestamp"]
    (root / "manifest.json").write_text(json.dumps(manifest))
    web = feed_server(etags=False)  # Last-Modified only, as many static servers send
    import_misp(server, web.url)
    web.take()
    (root / "manifest.json").write_text(json.dumps(manifest, indent=1))  # a new manifest, the same events
    r = import_misp(server, web.url)
    assert "2 events: 0 created, 0 updated, 2 unchanged, 0 failed; 2 not read again" in r.stdout, r.stdout
    asked, raw = web.take()
    assert asked == [(f"/{EV1}.json", 304), (f"/{EV2}.json", 304), ("/manifest.json", 200)]
    assert all(ims and not inm for _, _, inm, ims in raw if _ != "/manifest.json"), raw
    # a directory feed has no validators: unchanged events are still not read again
    r = import_misp(server, root)
    assert "2 events: 0 created, 0 updated, 2 unchanged, 0 failed" in r.stdout, r.stdout


def test_urls_without_scheme_composites_tags_threat_level_and_analysis(server, tmp_path):
    ev2 = "7c1e2d3c-0a1b-4c2d-8e3f-4a5b6c7d8e22"
    feed = write_feed(tmp_path / "feed", {
        EVENT: {"info": "Invoice phishing", "threat_level_id": "1", "analysis": "2",
                "Tag": [{"name": "tlp:green"}, {"name": "circl:incident-classification=\"phishing\""},
                        {"name": "osint:source-type=\"blog-post\""}, {"name": "Phishing kit"}],
                "Attribute": [
                    attribute(1, "url", "www.Invoice-Portal.example/pay/../login"),
                    attribute(2, "filename|sha256", "invoice.pdf.exe|" + "AB" * 32, category="Payload delivery"),
                    attribute(3, "ip-dst|port", "198.51.100.44|8443"),
                    attribute(4, "domain|ip", "c2.invoice-portal.example|2001:db8::44"),
                    attribute(5, "domain", "kill.example", Tag=[{"name": "kill-chain:Delivery"}, {"name": "tlp:amber"}]),
                ]},
        ev2: {"info": "Form injection", "threat_level_id": 3, "analysis": 0,
              "Tag": [{"name": "circl:incident-classification=\"XSS\""}],
              "Attribute": [attribute(6, "domain", "xss.example")]},
    })
    import_misp(server, feed)
    got = by_value(server)
    # a URL without a scheme is http, normalized as every URL
    assert "http://www.invoice-portal.example/login" in got
    # the other part of a composite is kept: the file name, the port, the domain's address
    h = got["ab" * 32]
    assert h["type"] == "sha256" and "invoice.pdf.exe" in h["description"], h
    assert h["description"] == "Payload delivery; filename|sha256 invoice.pdf.exe|" + "AB" * 32, h
    assert "|8443" in got["198.51.100.44"]["description"]
    assert got["c2.invoice-portal.example"]["type"] == "domain" and got["2001:db8::44"]["type"] == "ipv6"
    assert "c2.invoice-portal.example|2001:db8::44" in got["2001:db8::44"]["description"]
    linked = server.admin.get(f"/incidents/{EVENT}/indicators", params={"limit": 100}).json()["items"]
    assert {i["value"] for i in linked} >= {"c2.invoice-portal.example", "2001:db8::44"}
    # an attribute's tags other than TLP are its labels
    assert got["kill.example"]["labels"] == ["kill-chain:Delivery"] and got["kill.example"]["tlp"] == "amber"
    assert got["xss.example"]["labels"] == []
    # the event's classifying tag sets the class; its other tags, threat level and analysis are labels
    inc = server.admin.get(f"/incidents/{EVENT}").json()
    assert inc["rsit_type"] == "phishing" and inc["rsit_class"] == "fraud", inc
    assert inc["labels"] == ["osint:source-type=\"blog-post\"", "Phishing kit", "misp:threat-level=\"high\"",
                             "misp:analysis=\"completed\""], inc
    other = server.admin.get(f"/incidents/{ev2}").json()
    assert other["rsit_type"] == "undetermined"  # XSS names no one RSIT type: kept as a label
    assert other["labels"] == ["circl:incident-classification=\"XSS\"", "misp:threat-level=\"low\"",
                               "misp:analysis=\"initial\""], other
    # STIX carries them as labels
    bundle = json.loads(run_kizuna("export", "stix", "--db", server.db, "--what", "all").stdout)
    report = next(o for o in bundle["objects"] if o["type"] == "report" and o["id"] == f"report--{EVENT}")
    assert report["labels"] == inc["labels"]
    kill = next(o for o in bundle["objects"] if o["type"] == "indicator" and o["name"] == "kill.example")
    assert kill["labels"] == ["kill-chain:Delivery"]
    # a changed event replaces its labels
    root = tmp_path / "feed"
    e = json.loads((root / f"{EVENT}.json").read_text())
    e["Event"]["timestamp"] = str(TS + 60)
    e["Event"]["analysis"] = "1"
    e["Event"]["Tag"] = [{"name": "tlp:green"}]
    (root / f"{EVENT}.json").write_text(json.dumps(e))
    m = json.loads((root / "manifest.json").read_text())
    m[EVENT]["timestamp"] = TS + 60
    (root / "manifest.json").write_text(json.dumps(m))
    r = import_misp(server, root)
    assert "1 updated" in r.stdout, r.stdout
    assert server.admin.get(f"/incidents/{EVENT}").json()["labels"] == ["misp:threat-level=\"high\"",
                                                                       "misp:analysis=\"ongoing\""]
    # and what is written is valid STIX 2.1 (the OASIS schemas, from shared/reference)
    try:
        from stix_schemas import bundle_errors
    except RuntimeError as e:
        pytest.skip(str(e))
    assert bundle_errors(bundle) == []
