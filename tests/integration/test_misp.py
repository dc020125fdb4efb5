"""kizuna import misp against a real node: a MISP feed (tests/integration/data/misp,
written in the format MISP publishes: manifest.json and one <uuid>.json per event) from a
directory and from a URL served on loopback. Events become incidents, attributes of
Kizuna's types indicators linked to them, with TLP from tags, then distribution, then
--tlp, an attribute never below its event; other types are counted and skipped; bad values and files are reported with the
file and position; a re-import changes nothing."""
import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest

from conftest import run_kizuna

FEED = Path(__file__).parent / "data" / "misp"
EVENT1 = "5f1e2d3c-0a1b-4c2d-8e3f-4a5b6c7d8e01"
EVENT2 = "5f1e2d3c-0a1b-4c2d-8e3f-4a5b6c7d8e02"


def import_misp(server, where, *args):
    r = run_kizuna("import", "misp", "--db", server.db, "--log-level", "warn", *args, where, check=False)
    assert r.returncode == 0, r.stderr
    return r


def expected_indicators():
    return {
        ("url", "http://phish.example/portal", "clear"),
        ("ipv4", "198.51.100.7", "clear"),
        ("ipv6", "2001:db8::5", "clear"),
        ("domain", "evil.example", "clear"),
        ("ipv4", "198.51.100.9", "clear"),            # domain|ip: the address too
        ("domain", "c2.evil.example", "clear"),
        ("email", "billing@evil.example", "clear"),
        ("asn", "AS64500", "clear"),
        ("cidr", "203.0.113.0/24", "red"),            # its own tlp:red tag wins
        ("sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "clear"),
        ("md5", "d41d8cd98f00b204e9800998ecf8427e", "clear"),
        ("sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709", "amber+strict"),  # distribution 0
        # its own distribution 1 does not undo the event's organization-only distribution
        ("domain", "green-anyway.example", "amber+strict"),
    }


def check_feed_imported(server, out, err):
    assert "3 events: 2 created, 0 updated, 0 unchanged, 1 failed" in out, out
    assert "19 attributes: 13 indicators created, 1 merged, 0 unchanged; 4 skipped" in out, out
    assert "2 rejected; 13 links" in out, out
    assert (f"rejected {EVENT1}.json Event.Attribute[10] (6a000000-0000-4000-8000-00000000000b): value: "
            "is not an IPv4 address") in err, err
    assert f"rejected {EVENT1}.json Event.Attribute[13]: type: an attribute needs a type" in err, err
    assert "rejected 5f1e2d3c-0a1b-4c2d-8e3f-4a5b6c7d8e03.json" in err, err
    items = server.admin.get("/indicators", params={"limit": 100}).json()["items"]
    assert {(i["type"], i["value"], i["tlp"]) for i in items} == expected_indicators()
    by_value = {i["value"]: i for i in items}
    # attributes keep their MISP uuid as id; the one seen twice spans both reports
    assert by_value["http://phish.example/portal"]["id"] == "6a000000-0000-4000-8000-000000000001"
    seen = by_value["198.51.100.7"]
    assert (seen["first_seen"], seen["last_seen"]) == ("2026-03-01T16:00:00.000Z", "2026-03-01T17:00:00.000Z")
    assert by_value["http://phish.example/portal"]["description"] == "Network activity: landing page"
    incidents = {i["id"]: i for i in server.admin.get("/incidents").json()["items"]}
    assert set(incidents) == {EVENT1, EVENT2}
    assert incidents[EVENT1]["rsit_type"] == "phishing" and incidents[EVENT1]["tlp"] == "clear"
    assert incidents[EVENT1]["title"] == "Phishing wave against hospitals"
    assert incidents[EVENT2]["tlp"] == "amber+strict" and incidents[EVENT2]["rsit_type"] == "undetermined"
    linked = server.admin.get(f"/incidents/{EVENT1}/indicators", params={"limit": 100}).json()["items"]
    assert len(linked) == 11


def test_feed_from_a_directory_then_again(server):
    r = import_misp(server, FEED)
    check_feed_imported(server, r.stdout, r.stderr)
    before = server.admin.get("/audit", params={"limit": 1000}).json()["items"]
    r = import_misp(server, FEED)
    # the manifest's timestamps say both events are unchanged: neither file is read again
    assert "3 events: 0 created, 0 updated, 2 unchanged, 1 failed; 2 not read again" in r.stdout, r.stdout
    assert "0 attributes: 0 indicators created, 0 merged, 0 unchanged" in r.stdout and "0 links" in r.stdout, r.stdout
    after = server.admin.get("/audit", params={"limit": 1000}).json()["items"]
    assert len(after) == len(before), "a re-import must change (and audit) nothing"


@pytest.fixture
def feed_url(tmp_path):
    """The feed served over HTTP on loopback by Python's own server."""
    root = tmp_path / "www"
    shutil.copytree(FEED, root / "feed")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/feed/"
    httpd.shutdown()


def test_feed_from_a_url(server, feed_url):
    r = import_misp(server, feed_url)
    check_feed_imported(server, r.stdout, r.stderr)
    assert "not found (404)" in r.stderr, r.stderr  # the event the manifest lists but the server lacks


def test_tlp_default_dry_run_and_bad_feeds(server, tmp_path):
    r = import_misp(server, FEED, "--dry-run")
    assert r.stdout.startswith("dry run, nothing written: 3 events: 2 created"), r.stdout
    assert server.admin.get("/indicators").json()["items"] == []
    # an event without TLP tags or distribution takes --tlp
    feed = tmp_path / "plain"
    feed.mkdir()
    (feed / "manifest.json").write_text('{"0b0e0e0e-0000-4000-8000-000000000001": {"info": "x"}}')
    (feed / "0b0e0e0e-0000-4000-8000-000000000001.json").write_text(
        '{"Event": {"uuid": "0b0e0e0e-0000-4000-8000-000000000001", "info": "plain", "date": "2026-01-01",'
        ' "timestamp": "1767225600", "Attribute": [{"type": "domain", "value": "plain.example",'
        ' "timestamp": "1767225600"}]}}')
    import_misp(server, feed, "--tlp", "green")
    items = server.admin.get("/indicators").json()["items"]
    assert [(i["value"], i["tlp"]) for i in items] == [("plain.example", "green")]
    # a malformed event file is reported with its line and column; the rest goes on
    (feed / "0b0e0e0e-0000-4000-8000-000000000001.json").write_text('{"Event": {"uuid": \n "x" "info"}}')
    r = import_misp(server, feed)
    assert "rejected 0b0e0e0e-0000-4000-8000-000000000001.json: " in r.stderr and "line 2, column 6" in r.stderr, \
        r.stderr
    # a feed without a manifest fails as a whole, writing nothing
    r = run_kizuna("import", "misp", "--db", server.db, "--log-level", "warn", tmp_path, check=False)
    assert r.returncode == 1 and "manifest.json" in r.stderr, r.stderr


def test_a_newer_event_updates_its_incident_and_keeps_local_status(server, tmp_path):
    feed = tmp_path / "feed"
    shutil.copytree(FEED, feed)
    import_misp(server, feed)
    assert server.admin.patch(f"/incidents/{EVENT1}", {"status": "contained"}).status_code == 200
    path = feed / f"{EVENT1}.json"
    text = path.read_text().replace('"timestamp": "1772380800", "publish_timestamp"',
                                    '"timestamp": "1772990000", "publish_timestamp"')
    text = text.replace('"info": "Phishing wave against hospitals"', '"info": "Phishing wave against hospitals (update)"')
    path.write_text(text)
    # MISP moves the manifest's timestamp with the event's
    manifest = feed / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"timestamp": 1772380800', '"timestamp": 1772990000'))
    r = import_misp(server, feed)
    assert "3 events: 0 created, 1 updated, 1 unchanged, 1 failed" in r.stdout, r.stdout
    inc = server.admin.get(f"/incidents/{EVENT1}").json()
    assert inc["title"] == "Phishing wave against hospitals (update)" and inc["status"] == "contained"
