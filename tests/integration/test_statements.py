"""Public attribution statements (issue 15, point 3): drafting, the moves and who may
make them, co-signing by content hash (voided by an edit), the embargo on every read
path while the clock moves across it, the feeds (JSON Feed, Atom, STIX) and the export
file verified offline, intact and tampered."""
import json
from datetime import datetime, timedelta, timezone
import xml.etree.ElementTree as ET

import pytest
import requests

from conftest import Client, make_server, run_kizuna  # noqa: F401  (make_server is a fixture)

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
