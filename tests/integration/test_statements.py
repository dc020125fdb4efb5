"""Public attribution statements (issue 15, point 3): drafting, the moves and who may
make them, co-signing by content hash (voided by an edit), the embargo on every read
path while the clock moves across it, the feeds (JSON Feed, Atom, STIX) and the export
file verified offline, intact and tampered."""
import json
from datetime import datetime, timedelta, timezone
import xml.etree.ElementTree as ET

import pytest
import requests

from conftest import Client, make_server, run_kizuna, wait_for  # noqa: F401  (make_server is a fixture)

ATOM = "{http://www.w3.org/2005/Atom}"


class World:
    def __init__(self, server):
        self.server = server
        self.fr = server.org("ANSSI (test)", "FR")
        self.jp = server.org("NISC (test)", "JP")
        self.de = server.org("BSI (test)", "DE")
        self.us = server.org("Outsider CSIRT", "US")
        self.drafter = server.client(self.fr["id"])
        self.cosigner = server.client(self.jp["id"])
        self.cosigner2 = server.client(self.de["id"])
        self.outsider = server.client(self.us["id"])
        self.anonymous = Client(server.base)


def statement(world, **kw):
    body = {
        "title": "Joint statement on the Harbour Lights campaign",
        "text": {"en": "We attribute the Harbour Lights campaign to APT-Test.",
                 "ja": "ハーバーライト作戦をAPT-Testによるものと判断する。"},
        "threat_actor": "APT-Test",
        "confidence": "highly likely",
        "basis": ["technical", "political"],
        "norms": ["f", "h"],
        "measures": ["sanctions on named individuals"],
        "cosigners": [world.jp["id"], world.de["id"]],
        "annex": [{"type": "domain", "value": "harbour-lights.example", "tlp": "clear"},
                  {"type": "ipv4", "value": "192.0.2.77", "tlp": "amber"}],
        **kw,
    }
    r = world.drafter.post("/statements", body)
    assert r.status_code == 201, r.text
    return r.json()


def approve_all(world, st):
    for c in (world.drafter, world.cosigner, world.cosigner2):
        r = c.post(f"/statements/{st['id']}/approve", {"content_hash": st["content_hash"]})
        assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
def public_world(make_server):
    return World(make_server(["--public"]))


def test_a_statement_is_drafted_with_its_fields_and_bad_input_names_the_field(server):
    w = World(server)
    st = statement(w)
    assert st["status"] == "draft" and st["version"] == 1 and len(st["content_hash"]) == 64
    assert st["text"]["ja"].startswith("ハーバーライト") and st["norms"] == ["f", "h"]
    assert [i["organization"] for i in st["issuers"]] == [w.fr["id"], w.jp["id"], w.de["id"]]
    base = {"title": "t", "text": {"en": "x"}}
    for bad, field in (({"norms": ["z"]}, "norms[0]"), ({"norms": ["budapest-29"]}, "norms[0]"),
                       ({"confidence": "pretty sure"}, "confidence"), ({"text": {"xx": "y"}}, "text.xx"),
                       ({"text": "plain"}, "text"), ({"annex": [{"type": "ipv4", "value": "1.2.3.4", "tlp": "pink"}]},
                                                    "annex[0].tlp"),
                       ({"cosigners": [w.fr["id"]]}, "cosigners[0]"), ({"colour": "red"}, "colour"),
                       ({"basis": ["divine"]}, "basis[0]"), ({"title": None}, "title")):
        r = w.drafter.post("/statements", {**base, **bad})
        assert r.status_code == 400, (bad, r.text)
        assert r.json()["error"]["field"] == field, (bad, r.text)
    assert len(w.drafter.get("/statements").json()["items"]) == 1  # nothing written
    vocab = w.outsider.get("/statement-vocabulary").json()
    assert [c["phrase"] for c in vocab["confidence"]][-2:] == ["highly likely", "almost certain"]
    assert vocab["confidence"][-1] == {"phrase": "almost certain", "low": 95, "high": 100}
    assert vocab["basis"] == ["technical", "political", "legal"]
    assert {"move": "approve", "from": ["circulating"], "to": "approved", "side": "issuer"} in vocab["moves"]
    r = w.drafter.post(f"/statements/{st['id']}/schedule", {"publish_at": "tomorrow"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "publish_at", r.text


def test_moves_by_the_wrong_side_or_from_the_wrong_status_are_refused_naming_why(server):
    w = World(server)
    st = statement(w)
    sid = st["id"]
    r = w.cosigner.post(f"/statements/{sid}/circulate")
    assert r.status_code == 403 and "drafting organization" in r.json()["error"]["message"], r.text
    r = w.outsider.post(f"/statements/{sid}/circulate")
    assert r.status_code == 404, r.text  # an outsider is not told the draft exists
    r = w.cosigner.post(f"/statements/{sid}/approve", {"content_hash": st["content_hash"]})
    assert r.status_code == 409 and "circulate it first" in r.json()["error"]["message"], r.text
    r = w.drafter.post(f"/statements/{sid}/publish")
    assert r.status_code == 409 and "approved or scheduled" in r.json()["error"]["message"], r.text
    assert w.drafter.post(f"/statements/{sid}/circulate").json()["status"] == "circulating"
    r = w.cosigner.patch(f"/statements/{sid}", {"title": "Mine now"})
    assert r.status_code == 403, r.text
    r = w.drafter.post(f"/statements/{sid}/fly")
    assert r.status_code == 404 and r.json()["error"]["field"] == "move", r.text
    audit = [e["action"] for e in server.admin.get("/audit", {"limit": 1000}).json()["items"]]
    assert "statement.create" in audit and "statement.circulate" in audit


def test_each_issuer_signs_one_version_and_an_edit_voids_the_approvals(server):
    w = World(server)
    st = statement(w)
    sid = st["id"]
    w.drafter.post(f"/statements/{sid}/circulate")
    r = w.cosigner.post(f"/statements/{sid}/approve", {"content_hash": st["content_hash"]})
    assert r.status_code == 200 and r.json()["status"] == "circulating", r.text
    sig = r.json()["signatures"][0]
    assert sig["organization"] == w.jp["id"] and sig["version"] == 1 and sig["current"] is True
    assert sig["actor"] and len(sig["signature"]) == 128
    r = w.cosigner.post(f"/statements/{sid}/approve", {"content_hash": st["content_hash"]})
    assert r.status_code == 409 and "already" in r.text, r.text
    # the drafter edits: a new version, and the co-signer's approval is void
    r = w.drafter.patch(f"/statements/{sid}", {"measures": ["sanctions", "indictments"]})
    assert r.status_code == 200, r.text
    edited = r.json()
    assert edited["version"] == 2 and edited["content_hash"] != st["content_hash"]
    assert edited["signatures"][0]["current"] is False
    assert [i["approved"] for i in edited["issuers"]] == [False, False, False]
    # approving the old version is refused: the approver must have read this one
    r = w.cosigner2.post(f"/statements/{sid}/approve", {"content_hash": st["content_hash"]})
    assert r.status_code == 409 and r.json()["error"]["field"] == "content_hash", r.text
    done = approve_all(w, edited)
    assert done["status"] == "approved" and all(i["approved"] for i in done["issuers"])
    # an edit of an approved statement sends it back to circulating
    r = w.drafter.patch(f"/statements/{sid}", {"confidence": "almost certain"})
    assert r.json()["status"] == "circulating" and r.json()["version"] == 3
    r = w.drafter.patch(f"/statements/{sid}", {"confidence": "almost certain"})
    assert r.json()["version"] == 3  # nothing changed: no new version


def read_paths(w, who, sid):
    """Everything a caller can learn about statement sid on every read path."""
    seen = {}
    r = who.get(f"/statements/{sid}")
    seen["get"] = r.status_code == 200
    seen["list"] = any(s["id"] == sid for s in who.get("/statements").json()["items"])
    seen["search"] = any(s["id"] == sid for s in who.get("/statements", {"q": "harbour"}).json()["items"])
    seen["counts"] = who.get("/stats/statements").json()["total"] > 0
    seen["stix"] = who.get(f"/statements/{sid}/stix").status_code == 200
    seen["export"] = who.get(f"/statements/{sid}/export").status_code == 200
    feed = who.get(f"{w.server.base}/feeds/statements.json").json()
    seen["json feed"] = any(i["id"] == f"urn:uuid:{sid}" for i in feed["items"])
    atom = ET.fromstring(who.get(f"{w.server.base}/feeds/statements.atom").content)
    seen["atom"] = any(e.find(f"{ATOM}id").text == f"urn:uuid:{sid}" for e in atom.findall(f"{ATOM}entry"))
    taxii = who.s.get(f"{w.server.base}/taxii2/api/collections/", headers={"Accept": "application/taxii+json;version=2.1"})
    cols = [c for c in taxii.json().get("collections", []) if c["title"] == "Public attribution statements"]
    objects = []
    if cols:
        objects = who.s.get(f"{w.server.base}/taxii2/api/collections/{cols[0]['id']}/objects/",
                            headers={"Accept": "application/taxii+json;version=2.1"}).json().get("objects", [])
    seen["taxii"] = any(o["id"] == f"report--{sid}" for o in objects)
    return seen


def test_the_embargo_hides_a_scheduled_statement_on_every_read_path_until_its_time(public_world):
    w = public_world
    st = statement(w, annex=[{"type": "domain", "value": "harbour-lights.example", "tlp": "clear"}])
    sid = st["id"]
    w.drafter.post(f"/statements/{sid}/circulate")
    approve_all(w, st)
    when = (datetime.now(timezone.utc) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    r = w.drafter.post(f"/statements/{sid}/schedule", {"publish_at": when})
    assert r.status_code == 200 and r.json()["status"] == "scheduled", r.text
    # before the time: the issuers see it everywhere, nobody else anywhere
    for who in (w.drafter, w.cosigner):
        seen = read_paths(w, who, sid)
        assert seen["get"] and seen["list"] and seen["search"] and seen["counts"] and seen["stix"], seen
        assert not seen["json feed"] and not seen["atom"]  # feeds carry published statements only
    for who in (w.outsider, w.anonymous):
        seen = read_paths(w, who, sid)
        assert not any(seen.values()), seen
    # the clock moves across publish_at: at once, everyone sees it everywhere
    w.server.advance(3 * 3600)
    for who in (w.outsider, w.anonymous, w.cosigner):
        seen = read_paths(w, who, sid)
        assert all(seen.values()), (who.org, seen)
    assert w.outsider.get(f"/statements/{sid}").json()["status"] == "published"
    # and the scheduler records the release in the audit chain
    wait_for("the release in the audit",
             lambda: any(e["action"] == "statement.released" and e["object_id"] == sid
                         for e in w.server.admin.get("/audit", {"limit": 1000}).json()["items"]))



def test_a_scheduled_correction_marks_what_it_corrects_once_its_time_comes(server):
    w = World(server)
    first = published(w, annex=[])
    fix = w.drafter.post(f"/statements/{first['id']}/correct", {"measures": ["corrected measures"]}).json()
    w.drafter.post(f"/statements/{fix['id']}/circulate")
    approve_all(w, fix)
    when = (datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert w.drafter.post(f"/statements/{fix['id']}/schedule", {"publish_at": when}).status_code == 200
    assert w.outsider.get(f"/statements/{fix['id']}").status_code == 404
    server.advance(2 * 3600)
    assert w.outsider.get(f"/statements/{fix['id']}").json()["status"] == "published"
    wait_for("the correction", lambda: w.outsider.get(f"/statements/{first['id']}").json()["status"] == "corrected")
    assert w.outsider.get(f"/statements/{first['id']}").json()["superseded_by"] == fix["id"]


def published(w, **kw):
    st = statement(w, **kw)
    w.drafter.post(f"/statements/{st['id']}/circulate")
    approve_all(w, st)
    r = w.drafter.post(f"/statements/{st['id']}/publish")
    assert r.status_code == 200 and r.json()["status"] == "published", r.text
    return r.json()


def test_the_annex_shows_each_indicator_under_its_own_label_and_incidents_under_theirs(server):
    w = World(server)
    inc = w.drafter.post("/incidents", {"title": "Ours alone", "rsit_type": "malware-distribution", "tlp": "amber",
                                        "recipients": [w.jp["id"]]}).json()
    st = published(w, incidents=[inc["id"]])
    mine = w.cosigner.get(f"/statements/{st['id']}").json()
    theirs = w.outsider.get(f"/statements/{st['id']}").json()
    assert mine["incidents"] == [inc["id"]] and theirs["incidents"] == []
    assert {a["value"] for a in mine["annex"]} == {"harbour-lights.example", "192.0.2.77"}
    assert [a["value"] for a in theirs["annex"]] == ["harbour-lights.example"]  # the AMBER one stays
    assert "actor" not in theirs["signatures"][0]
    stix = w.outsider.get(f"/statements/{st['id']}/stix").text
    assert "harbour-lights.example" in stix and "192.0.2.77" not in stix
    r = w.outsider.get(f"/statements/{st['id']}/export")
    assert r.status_code == 403 and "annex" in r.json()["error"]["message"], r.text


def test_corrections_and_withdrawals_keep_their_ids_and_show_as_such_in_the_feeds(server):
    w = World(server)
    first = published(w, annex=[])
    r = w.drafter.post(f"/statements/{first['id']}/correct", {"title": "Joint statement (corrected)"})
    assert r.status_code == 201, r.text
    fix = r.json()
    assert fix["status"] == "draft" and fix["supersedes"] == first["id"] and fix["id"] != first["id"]
    assert w.outsider.get(f"/statements/{first['id']}").json()["status"] == "published"  # until the fix is out
    w.drafter.post(f"/statements/{fix['id']}/circulate")
    approve_all(w, fix)
    w.drafter.post(f"/statements/{fix['id']}/publish")
    old = w.outsider.get(f"/statements/{first['id']}").json()
    assert old["status"] == "corrected" and old["superseded_by"] == fix["id"]
    other = published(w, title="A second statement: R&D <labs> \"quoted\"", annex=[])
    r = w.drafter.post(f"/statements/{other['id']}/withdraw", {})
    assert r.status_code == 400 and r.json()["error"]["field"] == "reason", r.text
    r = w.drafter.post(f"/statements/{other['id']}/withdraw", {"reason": "new facts came to light"})
    assert r.status_code == 200 and r.json()["status"] == "withdrawn" and len(r.json()["withdraw_signature"]) == 128
    audit = {(e["action"], e["object_id"]) for e in server.admin.get("/audit", {"limit": 1000}).json()["items"]}
    for action, sid in (("statement.approve", first["id"]), ("statement.publish", first["id"]),
                        ("statement.correct", first["id"]), ("statement.create", fix["id"]),
                        ("statement.corrected", first["id"]), ("statement.withdraw", other["id"])):
        assert (action, sid) in audit, action

    feed = w.outsider.get(f"{server.base}/feeds/statements.json")
    assert feed.headers["Content-Type"].startswith("application/feed+json")
    feed = feed.json()
    assert feed["version"] == "https://jsonfeed.org/version/1.1" and feed["title"] and isinstance(feed["items"], list)
    items = {i["id"]: i for i in feed["items"]}
    assert set(items) == {f"urn:uuid:{x['id']}" for x in (first, fix, other)}
    for i in feed["items"]:  # JSON Feed 1.1: id, and content_html or content_text, on every item
        assert isinstance(i["id"], str) and i["id"] and (i.get("content_text") or i.get("content_html"))
    assert items[f"urn:uuid:{first['id']}"]["title"].startswith("[Corrected] ")
    assert f"urn:uuid:{fix['id']}" in items[f"urn:uuid:{first['id']}"]["content_text"]
    assert items[f"urn:uuid:{other['id']}"]["title"].startswith("[Withdrawn] ")
    assert "new facts" in items[f"urn:uuid:{other['id']}"]["content_text"]

    atom = w.anonymous.get(f"{server.base}/feeds/statements.atom")
    assert atom.status_code == 401 or atom.headers["Content-Type"] == "application/atom+xml"
    atom = w.outsider.get(f"{server.base}/feeds/statements.atom")
    root = ET.fromstring(atom.content)  # well-formed XML, or this raises
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{tag}").text
    entries = {e.find(f"{ATOM}id").text: e for e in root.findall(f"{ATOM}entry")}
    assert set(entries) == set(items)
    for e in entries.values():  # RFC 4287: id, title, updated, an author, content or an alternate link
        assert e.find(f"{ATOM}title").text and e.find(f"{ATOM}updated").text and e.find(f"{ATOM}author") is not None
    assert entries[f"urn:uuid:{first['id']}"].find(f"{ATOM}title").text.startswith("[Corrected] ")
    assert entries[f"urn:uuid:{other['id']}"].find(f"{ATOM}title").text == \
        '[Withdrawn] A second statement: R&D <labs> "quoted"'  # escaped in the XML, whole once parsed


def test_the_stix_bundle_holds_report_languages_opinions_and_annex_and_passes_the_schemas(server):
    from stix_schemas import bundle_errors, own_schema_errors
    w = World(server)
    st = published(w)
    r = w.cosigner.get(f"/statements/{st['id']}/stix")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/stix+json"), r.text
    bundle = r.json()
    by_type = {}
    for o in bundle["objects"]:
        by_type.setdefault(o["type"], []).append(o)
    report = by_type["report"][0]
    assert report["id"] == f"report--{st['id']}" and report["lang"] == "en"
    assert by_type["language-content"][0]["contents"]["ja"]["description"].startswith("ハーバーライト")
    assert {o["created_by_ref"] for o in by_type["opinion"]} == {f"identity--{x['id']}" for x in (w.fr, w.jp, w.de)}
    assert {o["name"] for o in by_type["indicator"]} == {"harbour-lights.example", "192.0.2.77"}
    opinions = by_type.pop("opinion")
    assert bundle_errors({**bundle, "objects": [o for o in bundle["objects"] if o["type"] != "opinion"]}) == []
    for o in opinions:  # the bundle schema does not list opinion: its own schema checks it
        assert own_schema_errors(o) == [], o
    # the ids are permanent: the same bundle the next time
    again = w.cosigner.get(f"/statements/{st['id']}/stix").json()
    assert sorted(o["id"] for o in again["objects"]) == sorted(o["id"] for o in bundle["objects"])


def test_an_export_verifies_offline_and_a_tampered_one_fails_clearly(server, tmp_path):
    w = World(server)
    st = statement(w, annex=[])
    w.drafter.post(f"/statements/{st['id']}/circulate")
    w.cosigner.post(f"/statements/{st['id']}/approve", {"content_hash": st["content_hash"]})
    edited = w.drafter.patch(f"/statements/{st['id']}", {"measures": ["indictments"]}).json()
    approve_all(w, edited)
    w.drafter.post(f"/statements/{st['id']}/publish")
    path = tmp_path / "statement.json"
    run_kizuna("statement", "export", st["id"], "--db", server.db, "--as", w.fr["id"], "--output", path)
    key = server.admin.get("/node").json()["signing_key"]["public_key"]
    r = run_kizuna("statement", "verify", path, "--public-key", "00" * 32, "--public-key", key, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "statement intact" in r.stdout
    assert "NISC (test) (JP) signed version 1" in r.stdout and "void for the current one" in r.stdout
    assert "NISC (test) (JP) signed version 2" in r.stdout and "BSI (test) (DE) signed version 2" in r.stdout
    r = run_kizuna("statement", "verify", path, check=False)
    assert r.returncode == 0 and "NOT authenticated" in r.stdout, r.stdout
    r = run_kizuna("statement", "verify", path, "--public-key", "11" * 32, check=False)
    assert r.returncode == 1 and "does not verify with the trusted key" in r.stdout, r.stdout
    doc = json.loads(path.read_text())
    doc["versions"][-1]["content"]["measures"] = ["nothing at all"]
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(doc))
    r = run_kizuna("statement", "verify", bad, "--public-key", key, check=False)
    assert r.returncode == 1 and "statement TAMPERED: version 2: its content does not match its hash" in r.stdout, r.stdout
    # someone who is not an issuer takes the published version and its signatures only
    public = json.loads(w.outsider.get(f"/statements/{st['id']}/export").text)
    assert [v["version"] for v in public["versions"]] == [2] and {g["version"] for g in public["signatures"]} == {2}
    (tmp_path / "public.json").write_text(json.dumps(public))
    r = run_kizuna("statement", "verify", tmp_path / "public.json", "--public-key", key, check=False)
    assert r.returncode == 0 and "signed version 1" not in r.stdout, r.stdout
    bad.write_text("{\"format\": \"something else\"}")
    r = run_kizuna("statement", "verify", bad, check=False)
    assert r.returncode == 2 and "format" in r.stderr, r.stderr
    big = tmp_path / "big.json"
    big.write_text(" " * (16 << 20) + "{}")
    r = run_kizuna("statement", "verify", big, check=False)
    assert r.returncode == 2 and "at most 16777216 bytes" in r.stderr, r.stderr


def test_an_export_whose_summary_was_altered_is_rejected(server, tmp_path):
    w = World(server)
    st = statement(w, annex=[])
    w.drafter.post(f"/statements/{st['id']}/circulate")
    approve_all(w, st)
    w.drafter.post(f"/statements/{st['id']}/publish")
    path = tmp_path / "statement.json"
    run_kizuna("statement", "export", st["id"], "--db", server.db, "--as", w.fr["id"], "--output", path)
    key = server.admin.get("/node").json()["signing_key"]["public_key"]
    r = run_kizuna("statement", "verify", path, "--public-key", key, check=False)
    assert r.returncode == 0 and "and lists: sealed by the node, valid" in r.stdout, r.stdout
    doc = json.loads(path.read_text())
    assert doc["statement"]["status"] == "published" and len(doc["seal"]["signature"]) == 128
    # each change of the summary, or of a list beside the versions, is caught
    changes = {
        "status": lambda d: d["statement"].update(status="withdrawn"),
        "publish_at": lambda d: d["statement"].update(publish_at="2020-01-01T00:00:00.000Z"),
        "superseded_by": lambda d: d["statement"].update(superseded_by=st["id"]),
        "issuer name": lambda d: d["issuers"][1].update(name="Someone else"),
        "issuer state": lambda d: d["issuers"][0].update(state="US"),
        "signature removed": lambda d: d["signatures"].pop(),
        "exported": lambda d: d.update(exported="2020-01-01T00:00:00.000Z"),
        "seal removed": lambda d: d.pop("seal"),
    }
    for what, change in changes.items():
        bad = json.loads(path.read_text())
        change(bad)
        (tmp_path / "bad.json").write_text(json.dumps(bad))
        r = run_kizuna("statement", "verify", tmp_path / "bad.json", "--public-key", key, check=False)
        assert r.returncode == 1 and "statement TAMPERED" in r.stdout, (what, r.stdout)
        assert "seal" in r.stdout.split("statement TAMPERED")[1], (what, r.stdout)
    # a node with another key cannot re-seal an altered file to pass as this node's
    assert "seal does not verify" in run_kizuna("statement", "verify", path, "--public-key", "11" * 32,
                                                check=False).stdout


def test_a_draft_starts_from_an_incident_with_its_scale_publishable_indicators_and_requests_norms(server, tmp_path):
    w = World(server)
    inc = w.drafter.post("/incidents", {"title": "Harbour Lights", "description": "Port systems disrupted.",
                                        "rsit_type": "malware-distribution", "tlp": "green"}).json()
    for value, tlp in (("lights.example", "clear"), ("198.51.100.9", "green"), ("203.0.113.66", "amber")):
        r = w.drafter.post("/indicators", {"type": "domain" if "." in value and not value[0].isdigit() else "ipv4",
                                           "value": value, "tlp": tlp, "incidents": [inc["id"]]})
        assert r.status_code == 201, r.text
    r = w.drafter.post("/requests", {"kind": "information", "to_organization": w.jp["id"], "urgency": "high",
                                     "tlp": "green", "subject": "Harbour Lights", "norm": "h", "description": "Port systems.",
                                     "questions": "Seen it too?", "incidents": [inc["id"]]})
    assert r.status_code == 201, r.text
    # the drafter's telemetry saw two victims reach the incident's domain (2026-01-01 and -02)
    log = "".join(f"{t}.0 1 {ip} TCP_MISS/200 1 GET http://lights.example/x - HIER_NONE/- -\n"
                  for t, ip in ((1767225600, "10.0.0.1"), (1767312000, "10.0.0.2"), (1767312000, "10.0.0.1")))
    (tmp_path / "proxy.log").write_text(log)
    run_kizuna("match", "--db", server.db, "--key", w.drafter.key, tmp_path / "proxy.log")
    r = w.drafter.post(f"/incidents/{inc['id']}/statement", {"cosigners": [w.jp["id"]]})
    assert r.status_code == 201, r.text
    st = r.json()
    assert st["status"] == "draft" and st["title"] == "Statement on Harbour Lights"
    assert st["text"] == {"en": "Port systems disrupted."} and st["incidents"] == [inc["id"]]
    assert {(a["value"], a["tlp"]) for a in st["annex"]} == {("lights.example", "clear"), ("198.51.100.9", "green")}
    assert st["norms"] == ["h"] and st["cosigners"] == [w.jp["id"]]
    assert st["scale"] == {"victims": 2, "first_seen": "2026-01-01", "last_seen": "2026-01-02"}
    r = w.drafter.patch(f"/statements/{st['id']}", {"scale": {"victims": -1}})
    assert r.status_code == 400 and r.json()["error"]["field"] == "scale.victims", r.text
    r = w.drafter.patch(f"/statements/{st['id']}", {"scale": {"victims": 3, "first_seen": "January"}})
    assert r.status_code == 400 and r.json()["error"]["field"] == "scale.first_seen", r.text
    # an incident the caller may not see is answered as one that does not exist
    hidden = w.outsider.post("/incidents", {"title": "Ours", "rsit_type": "malware-distribution", "tlp": "red"}).json()
    assert w.drafter.post(f"/incidents/{hidden['id']}/statement").status_code == 404
    assert w.drafter.post("/incidents/6a7027a6-5610-4035-9248-7404031bf1f6/statement").status_code == 404


def test_the_taxii_collection_of_statements_filters_pages_and_refuses_writes(server):
    w = World(server)
    st = published(w)
    accept = {"Accept": "application/taxii+json;version=2.1"}
    base = f"{server.base}/taxii2/api/collections"
    cols = {c["title"]: c for c in w.outsider.s.get(f"{base}/", headers=accept).json()["collections"]}
    col = cols["Public attribution statements"]
    assert col["can_read"] and not col["can_write"]
    url = f"{base}/{col['id']}"
    objects = w.outsider.s.get(f"{url}/objects/", headers=accept).json()["objects"]
    assert f"report--{st['id']}" in {o["id"] for o in objects}
    assert "192.0.2.77" not in json.dumps(objects)  # the AMBER annex indicator stays with the issuers
    assert "192.0.2.77" in json.dumps(w.cosigner.s.get(f"{url}/objects/", headers=accept).json()["objects"])
    reports = w.outsider.s.get(f"{url}/objects/", params={"match[type]": "report"}, headers=accept).json()["objects"]
    assert [o["type"] for o in reports] == ["report"]
    one = w.outsider.s.get(f"{url}/objects/report--{st['id']}/", headers=accept).json()["objects"]
    assert [o["id"] for o in one] == [f"report--{st['id']}"]
    manifest = w.outsider.s.get(f"{url}/manifest/", headers=accept).json()["objects"]
    assert len(manifest) == len(objects) and all(m["date_added"] and m["version"] for m in manifest)
    page = w.outsider.s.get(f"{url}/objects/", params={"limit": 2}, headers=accept).json()
    assert page["more"] is True and len(page["objects"]) == 2
    rest = w.outsider.s.get(f"{url}/objects/", params={"next": page["next"]}, headers=accept).json()
    assert {o["id"] for o in page["objects"]} | {o["id"] for o in rest["objects"]} == {o["id"] for o in objects}
    r = w.drafter.s.post(f"{url}/objects/", data=json.dumps({"objects": []}),
                         headers={**accept, "Content-Type": "application/taxii+json;version=2.1"})
    assert r.status_code == 403, r.text


def test_each_issuer_may_keep_its_own_text_beside_the_shared_one(server):
    w = World(server)
    own = {w.jp["id"]: {"ja": "日本政府としての独自の声明です。"}}
    st = published(w, issuer_texts=own, annex=[])
    got = w.outsider.get(f"/statements/{st['id']}").json()
    assert got["issuer_texts"] == own and got["text"]["en"].startswith("We attribute")
    opinions = [o for o in w.outsider.get(f"/statements/{st['id']}/stix").json()["objects"] if o["type"] == "opinion"]
    assert [o["x_kizuna_text"] for o in opinions if o["created_by_ref"] == f"identity--{w.jp['id']}"] == [own[w.jp["id"]]]
    for bad, field in (({w.us["id"]: {"en": "Not ours"}}, f"issuer_texts.{w.us['id']}"),
                       ({w.jp["id"]: {"xx": "?"}}, f"issuer_texts.{w.jp['id']}.xx"),
                       ({"not-an-id": {"en": "?"}}, "issuer_texts.not-an-id")):
        r = w.drafter.post("/statements", {"title": "t", "text": {"en": "x"}, "cosigners": [w.jp["id"]],
                                           "issuer_texts": bad})
        assert r.status_code == 400 and r.json()["error"]["field"] == field, r.text


def test_the_list_pages_by_cursor_and_a_statement_added_meanwhile_moves_nobody(server):
    w = World(server)
    ids = [statement(w, title=f"Statement {i}", annex=[])["id"] for i in range(5)]
    first = w.drafter.get("/statements", {"limit": 2}).json()
    assert [s["id"] for s in first["items"]] == ids[::-1][:2] and first["next"]
    statement(w, title="Added meanwhile", annex=[])
    second = w.drafter.get("/statements", {"limit": 2, "cursor": first["next"]}).json()
    assert [s["id"] for s in second["items"]] == ids[::-1][2:4]
    last = w.drafter.get("/statements", {"limit": 2, "cursor": second["next"]}).json()
    assert [s["id"] for s in last["items"]] == [ids[0]] and last["next"] is None
    r = w.drafter.get("/statements", {"cursor": "not-a-cursor"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "cursor", r.text
    r = w.drafter.get("/statements", {"limit": 0})
    assert r.status_code == 400 and r.json()["error"]["field"] == "limit", r.text
