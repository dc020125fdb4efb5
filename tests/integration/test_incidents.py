"""Incidents over HTTP: RSIT and NIS2 classification, status and timeline, filters and
cursor pagination, who may write, and bad input that writes nothing."""
import pytest

from conftest import assert_error


def incident(client, **kw):
    body = {"title": "Ransomware at a university hospital", "rsit_type": "malware-distribution",
            "tlp": "green", **kw}
    r = client.post("/incidents", body)
    assert r.status_code == 201, r.text
    return r.json()


def test_create_read_update_with_timeline(server):
    org = server.org("CERT Example", "SG")
    analyst = server.client(org["id"], "analyst")
    o = incident(analyst, description="Surgeries postponed.", sector="health", states=["SG", "MY"],
                 impact="yellow", occurred="2026-03-01T08:00:00+08:00")
    assert o["organization"] == org["id"]              # the reporting organization
    assert o["rsit_class"] == "malicious-code"         # derived from the type
    assert o["status"] == "open" and o["tlp"] == "green" and o["recipients"] == []
    assert o["occurred"] == "2026-03-01T00:00:00.000Z"
    assert o["states"] == ["SG", "MY"]

    r = analyst.patch(f"/incidents/{o['id']}", {"status": "contained", "impact": "green"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "contained" and r.json()["modified"] >= o["modified"]
    r = analyst.post(f"/incidents/{o['id']}/timeline", {"text": "C2 domain sinkholed",
                                                          "at": "2026-03-02T10:00:00Z"})
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "note" and r.json()["organization"] == org["id"]

    got = analyst.get(f"/incidents/{o['id']}").json()
    kinds = [(e["kind"], e["text"]) for e in got["timeline"]]
    # in time order: the note is dated in March, before the report was filed
    assert kinds == [("note", "C2 domain sinkholed"), ("created", "reported, status open"),
                     ("status", "status changed from open to contained")]
    assert [e["at"] for e in got["timeline"]] == sorted(e["at"] for e in got["timeline"])

    # a new type moves the class along; an explicit class must contain the type
    r = analyst.patch(f"/incidents/{o['id']}", {"rsit_type": "phishing"})
    assert r.json()["rsit_class"] == "fraud"
    assert_error(analyst.patch(f"/incidents/{o['id']}", {"rsit_class": "availability"}), 400, "rsit_type")
    assert analyst.get(f"/incidents/{o['id']}").json()["rsit_class"] == "fraud"


def test_vocabularies_and_bad_input(server):
    tax = server.anon.get("/taxonomies").json()
    classes = {c["value"]: [t["value"] for t in c["types"]] for c in tax["rsit"]["classes"]}
    assert "phishing" in classes["fraud"] and "ddos" in classes["availability"]
    assert {s["value"] for s in tax["nis2"]["sectors"]} >= {"energy", "health", "digital-infrastructure"}
    assert [i["value"] for i in tax["nis2"]["impacts"]] == ["red", "yellow", "green", "white"]

    a = server.admin
    cases = [
        ({"rsit_type": "phishing", "tlp": "green"}, "title"),
        ({"title": "x", "tlp": "green"}, "rsit_type"),
        ({"title": "x", "rsit_type": "not-a-type", "tlp": "green"}, "rsit_type"),
        ({"title": "x", "rsit_type": "phishing"}, "tlp"),
        ({"title": "x", "rsit_type": "phishing", "tlp": "amber-ish"}, "tlp"),
        ({"title": "x", "rsit_type": "phishing", "tlp": "green", "sector": "retail"}, "sector"),
        ({"title": "x", "rsit_type": "phishing", "tlp": "green", "states": ["XX"]}, "states[0]"),
        ({"title": "x", "rsit_type": "phishing", "tlp": "green", "impact": "huge"}, "impact"),
        ({"title": "x", "rsit_type": "phishing", "tlp": "green", "status": "done"}, "status"),
        ({"title": "x", "rsit_type": "phishing", "tlp": "red", "recipients": ["nope"]}, "recipients[0]"),
        ({"title": "x", "rsit_type": "phishing", "tlp": "red",
          "recipients": ["6a7027a6-5610-4035-9248-7404031bf1f6"]}, "recipients[0]"),
        ({"title": "x", "rsit_type": "phishing", "tlp": "green", "id": "x"}, "id"),
        ({"title": "x", "rsit_type": "phishing", "tlp": "green", "severity": 3}, "severity"),
    ]
    for body, field in cases:
        assert_error(a.post("/incidents", body), 400, field)
    assert a.get("/incidents").json()["items"] == []   # nothing was written
    assert_error(a.get("/incidents", {"status": "done"}), 400, "status")
    assert_error(a.get("/incidents", {"sector": "retail"}), 400, "sector")
    assert_error(a.get("/incidents", {"since": "yesterday"}), 400, "since")
    assert_error(a.get("/incidents", {"colour": "red"}), 400, "colour")
    assert_error(a.get("/incidents/6a7027a6-5610-4035-9248-7404031bf1f6"), 404, "incident")


def test_roles(server):
    org = server.org("Operator", "JP", "operator")
    other = server.org("Other", "JP")
    viewer = server.client(org["id"], "viewer")
    analyst = server.client(org["id"], "analyst")
    stranger = server.client(other["id"], "analyst")
    assert_error(server.anon.post("/incidents", {"title": "x", "rsit_type": "ddos", "tlp": "clear"}), 401)
    assert_error(viewer.post("/incidents", {"title": "x", "rsit_type": "ddos", "tlp": "clear"}), 403)
    # analysts report for their own organization only; admins for any
    assert_error(analyst.post("/incidents", {"title": "x", "rsit_type": "ddos", "tlp": "clear",
                                             "organization": other["id"]}), 403)
    o = incident(server.admin, organization=org["id"])
    assert o["organization"] == org["id"]
    # only the reporting organization changes it; anyone who sees it adds to the timeline
    assert_error(stranger.patch(f"/incidents/{o['id']}", {"status": "closed"}), 403)
    assert_error(analyst.patch(f"/incidents/{o['id']}", {"organization": other["id"]}), 400, "organization")
    assert stranger.post(f"/incidents/{o['id']}/timeline", {"text": "seen here too"}).status_code == 201
    assert_error(viewer.post(f"/incidents/{o['id']}/timeline", {"text": "x"}), 403)
    assert analyst.patch(f"/incidents/{o['id']}", {"status": "closed"}).status_code == 200


def test_filters_and_pagination(server):
    a = server.admin
    made = []
    for i in range(7):
        made.append(incident(a, title=f"DDoS wave {i}", rsit_type="ddos", sector="banking",
                             states=["JP", "KR"] if i % 2 else ["SG"], occurred=f"2026-01-0{i + 1}T00:00:00Z"))
    made.append(incident(a, title="Credential phishing against ministries", rsit_type="phishing",
                         sector="public-administration", states=["VN"], status="resolved",
                         description="Lures about pandemic relief", occurred="2026-02-01T00:00:00Z"))

    def ids(**params):
        out, cursor = [], None
        while True:
            q = dict(params, limit=3)
            if cursor:
                q["cursor"] = cursor
            r = a.get("/incidents", q)
            assert r.status_code == 200, r.text
            out += [o["id"] for o in r.json()["items"]]
            cursor = r.json()["next"]
            if not cursor:
                return out

    assert ids() == [o["id"] for o in made]               # every page, in order, no repeats
    assert ids(rsit_class="availability") == [o["id"] for o in made[:7]]
    assert ids(rsit_type="phishing") == [made[7]["id"]]
    assert ids(sector="public-administration") == [made[7]["id"]]
    assert ids(state="KR") == [o["id"] for o in made[1:7:2]]
    assert ids(state="KP") == []
    assert ids(status="resolved") == [made[7]["id"]]
    assert ids(q="pandemic") == [made[7]["id"]]            # words of the description
    assert ids(q="ministr") == [made[7]["id"]]             # prefixes of words
    assert ids(since="2026-01-03", until="2026-01-05") == [made[2]["id"], made[3]["id"]]
    assert ids(tlp="red") == []
    assert_error(a.get("/incidents", {"cursor": "garbage"}), 400, "cursor")

    stats = a.get("/stats/incidents").json()
    assert stats["total"] == 8
    assert stats["by"]["rsit_class"] == {"availability": 7, "fraud": 1}
    assert stats["by"]["status"] == {"open": 7, "resolved": 1}
    assert a.get("/stats/incidents", {"state": "SG"}).json()["total"] == 4


def test_indicators_of_an_incident(server):
    a = server.admin
    o = incident(a)
    other = incident(a, title="Another")
    r = a.post("/indicators", {"type": "domain", "value": "evil.example", "tlp": "green", "incidents": [o["id"]]})
    assert r.status_code == 201, r.text
    a.post("/indicators", {"type": "domain", "value": "unrelated.example", "tlp": "green"})
    linked = a.get(f"/incidents/{o['id']}/indicators").json()["items"]
    assert [i["value"] for i in linked] == ["evil.example"]
    assert linked[0]["incidents"] == [o["id"]]
    assert a.get(f"/incidents/{other['id']}/indicators").json()["items"] == []
    assert_error(a.get("/incidents/6a7027a6-5610-4035-9248-7404031bf1f6/indicators"), 404)
