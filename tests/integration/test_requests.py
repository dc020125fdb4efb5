"""Requests between states against a real server: each kind played by both sides to
closure, wrong moves, bad input, concurrent moves, TLP, attachments and the signed
record (exported with the CLI, verified offline, tampered copies caught)."""
import base64
import hashlib
import json
import threading

import pytest

from conftest import assert_error, run_kizuna

KINDS = {
    "assistance": {
        "norm": "h",
        "sector": "health",
        "incident_class": "availability",
        "impact": "Ransomware stopped surgeries at a university hospital.",
        "assistance_requested": ["technical-analysis", "indicators"],
        "window_start": "2026-05-01T06:00:00Z",
    },
    "mitigation": {
        "activity": "Phishing kits hosted in the recipient's territory, 40,000 victims.",
        "window_start": "2026-04-20T00:00:00Z",
        "window_end": "2026-05-01T00:00:00Z",
        "sources": ["203.0.113.7", "198.51.100.0/24", "AS64500", "login-bank.example"],
        "action_requested": ["block", "notify-network-owner"],
    },
    "preservation": {
        "authority": "National Police Agency, Cybercrime Division",
        "offence": "Unauthorized access and extortion",
        "facts": "Hospital systems encrypted on 1 May; ransom note names a server in the recipient's territory.",
        "stored_data": "Subscriber information and connection logs of 203.0.113.7",
        "data_relevance": "The server controlled the ransomware.",
        "custodian": "Example Hosting Ltd., data centre in the capital",
        "necessity": "The provider deletes logs after 7 days.",
        "mla_intent": True,
        "preservation_days": 90,
    },
    "information": {
        "questions": "Which sectors in your state were hit by the same campaign?",
    },
}


class Pair:
    """Two states' CSIRTs on one node, each with an analyst key, and a third state."""

    def __init__(self, server):
        self.server = server
        self.jp = server.org("JPCERT/CC", "JP")
        self.sg = server.org("SingCERT", "SG")
        self.fr = server.org("CERT-FR", "FR")
        self.a = server.client(self.jp["id"])      # the sending side
        self.b = server.client(self.sg["id"])      # the receiving side
        self.c = server.client(self.fr["id"])      # a third state

    def draft(self, kind="preservation", tlp="amber", urgency="critical", **extra):
        body = {"kind": kind, "to_organization": self.sg["id"], "urgency": urgency, "tlp": tlp,
                "subject": f"{kind} request", "description": "Details in full.", **KINDS[kind], **extra}
        r = self.a.post("/requests", body)
        assert r.status_code == 201, r.text
        return r.json()

    def sent(self, **kw):
        d = self.draft(**kw)
        r = self.a.post(f"/requests/{d['id']}/send")
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture
def pair(server):
    return Pair(server)


def test_request_kinds_describe_the_forms(server):
    r = server.anon.get("/request-kinds")
    assert r.status_code == 200
    body = r.json()
    kinds = {k["kind"]: k for k in body["kinds"]}
    assert set(kinds) == {"assistance", "mitigation", "preservation", "information"}
    pres = {f["name"]: f for f in kinds["preservation"]["fields"]}
    assert {n for n, f in pres.items() if f["required"]} == {
        "authority", "offence", "facts", "stored_data", "data_relevance", "custodian", "necessity", "mla_intent"}
    assert pres["preservation_days"]["min"] == 60
    assert "Art. 29" in kinds["preservation"]["basis"]
    assert kinds["assistance"]["default_norm"] == "h" and kinds["mitigation"]["default_norm"] == "c"
    sector = next(f for f in kinds["assistance"]["fields"] if f["name"] == "sector")
    assert sector["type"] == "enum" and "health" in sector["values"]
    urg = {u["urgency"]: u for u in body["urgencies"]}
    assert urg["critical"]["acknowledge_hours"] == 2
    assert {"from": "sent", "move": "acknowledge", "to": "acknowledged", "side": "recipient",
            "needs_message": False} in body["workflow"]
    assert any(n["id"] == "h" for n in body["norms"])
    common = {f["name"] for f in body["common_fields"]["fields"]}
    assert {"kind", "to_organization", "to_contact", "urgency", "tlp", "subject", "description",
            "incidents", "indicators", "norm"} <= common


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_both_sides_play_each_kind_to_closure(pair, kind):
    d = pair.draft(kind)
    assert d["status"] == "draft" and d["side"] == "sender" and d["moves"] == ["send", "withdraw"]
    assert d["norm"] == {"assistance": "h", "mitigation": "c", "preservation": "budapest-29"}.get(kind, d["norm"])
    # the recipient does not see a draft
    assert_error(pair.b.get(f"/requests/{d['id']}"), 404)
    rid = d["id"]
    r = pair.a.post(f"/requests/{rid}/send", {"message": "Urgent, please acknowledge."})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "sent" and r.json()["ack_due"] and not r.json()["overdue"]

    inbox = pair.b.get("/requests", {"box": "inbox"}).json()["items"]
    assert [i["id"] for i in inbox] == [rid]
    assert pair.a.get("/requests", {"box": "inbox"}).json()["items"] == []
    assert [i["id"] for i in pair.a.get("/requests", {"box": "outbox"}).json()["items"]] == [rid]

    view = pair.b.get(f"/requests/{rid}").json()
    assert view["side"] == "recipient" and view["moves"] == ["acknowledge", "decline"]
    for field, value in KINDS[kind].items():
        if field not in ("window_start", "window_end"):
            assert view[field] == value, field
    assert pair.b.post(f"/requests/{rid}/acknowledge").json()["status"] == "acknowledged"
    assert pair.b.post(f"/requests/{rid}/start", {"message": "Working on it."}).json()["status"] == "in-progress"
    r = pair.b.post(f"/requests/{rid}/answer", {"message": "Done: blocked and preserved."})
    assert r.json()["status"] == "answered" and r.json()["answered_at"]
    r = pair.a.post(f"/requests/{rid}/close")
    assert r.json()["status"] == "closed" and r.json()["moves"] == []

    thread = pair.a.get(f"/requests/{rid}").json()["thread"]
    assert [(e["action"], e.get("to")) for e in thread] == [
        ("create", "draft"), ("send", "sent"), ("acknowledge", "acknowledged"),
        ("start", "in-progress"), ("answer", "answered"), ("close", "closed")]
    assert thread[4]["message"] == "Done: blocked and preserved."
    assert thread[4]["organization"] == pair.sg["id"]
    assert all(e["prev"] == p["hash"] for p, e in zip(thread, thread[1:]))


def test_wrong_moves_are_409_with_the_allowed_moves(pair):
    d = pair.sent()
    rid = d["id"]
    e = assert_error(pair.a.post(f"/requests/{rid}/acknowledge"), 409, field="move", code="conflict")
    assert pair.a.post(f"/requests/{rid}/acknowledge").json()["error"]["allowed"] == ["withdraw"]
    assert "recipient" in e["message"]
    r = pair.b.post(f"/requests/{rid}/close")
    assert r.status_code == 409 and r.json()["error"]["allowed"] == ["acknowledge", "decline"]
    assert_error(pair.b.post(f"/requests/{rid}/decline"), 400, field="message")
    assert_error(pair.b.post(f"/requests/{rid}/teleport"), 404, field="move")
    # a third state sees nothing of an AMBER request; a viewer key may not move
    assert_error(pair.c.post(f"/requests/{rid}/acknowledge"), 404)
    viewer = pair.server.client(pair.sg["id"], "viewer")
    assert_error(viewer.post(f"/requests/{rid}/acknowledge"), 403)
    r = pair.b.post(f"/requests/{rid}/decline", {"message": "Outside our competence."})
    assert r.status_code == 200 and r.json()["status"] == "declined" and r.json()["closed_at"]
    r = pair.a.post(f"/requests/{rid}/withdraw")
    assert r.status_code == 409 and r.json()["error"]["allowed"] == []


def test_a_draft_changes_until_it_is_sent(pair):
    d = pair.draft("mitigation")
    r = pair.a.patch(f"/requests/{d['id']}", {"sources": ["192.0.2.1"], "urgency": "high"})
    assert r.status_code == 200, r.text
    assert r.json()["sources"] == ["192.0.2.1"] and r.json()["urgency"] == "high"
    assert [e["action"] for e in r.json()["thread"]] == ["create", "edit"]
    assert r.json()["thread"][1]["content"]["sources"] == ["192.0.2.1"]
    assert_error(pair.a.patch(f"/requests/{d['id']}", {"kind": "assistance"}), 400, field="kind")
    assert_error(pair.a.patch(f"/requests/{d['id']}", {"questions": "x"}), 400, field="questions")
    pair.a.post(f"/requests/{d['id']}/send")
    assert_error(pair.a.patch(f"/requests/{d['id']}", {"subject": "changed"}), 409)


def test_bad_input_is_refused_naming_the_field_and_writes_nothing(pair):
    s = pair.server
    base = {"kind": "preservation", "to_organization": pair.sg["id"], "urgency": "critical", "tlp": "amber",
            "subject": "s", "description": "d", **KINDS["preservation"]}
    cases = [
        ({**base, "to_organization": "00000000-0000-4000-8000-000000000000"}, 400, "to_organization"),
        ({**base, "to_organization": pair.jp["id"]}, 400, "to_organization"),
        ({k: v for k, v in base.items() if k != "custodian"}, 400, "custodian"),
        ({**base, "mla_intent": False}, 400, "mla_intent"),
        ({**base, "preservation_days": 30}, 400, "preservation_days"),
        ({**base, "kind": "rumour"}, 400, "kind"),
        ({**base, "urgency": "yesterday"}, 400, "urgency"),
        ({**base, "sector": "health"}, 400, "sector"),
        ({**base, "status": "answered"}, 400, "status"),
        ({**base, "colour": "blue"}, 400, "colour"),
        ({**base, "subject": "x" * 201}, 400, "subject"),
        ({**base, "description": "bell\x07"}, 400, "description"),
        ({**base, "incidents": ["not-an-id"]}, 400, "incidents[0]"),
        ({**base, "norm": "z"}, 400, "norm"),
        ({**base, "message": 7}, 400, "message"),
        ({**base, "attachments": [{"name": "a", "content_base64": "!!"}]}, 400, "attachments[0].content_base64"),
        ({**base, "attachments": [{"name": "a/b", "content_base64": "aGk="}]}, 400, "attachments[0].name"),
        ({**base, "attachments": [{"name": "a", "content_base64": "aGk=", "x": "y"}]}, 400, "attachments[0].x"),
        ({**base, "attachments": [{"name": "big.bin", "content_base64": base64.b64encode(b"\0" * 300000).decode()}]},
         413, "attachments[0]"),
    ]
    for body, status, field in cases:
        assert_error(pair.a.post("/requests", body), status, field=field)
    r = pair.a.s.post(pair.a.url("/requests"), data=b'{"kind": "preservation",', headers={"Content-Type": "application/json"})
    e = assert_error(r, 400)
    assert "line 1" in e["message"]
    mit = {**base, **{k: None for k in KINDS["preservation"]}, "kind": "mitigation", **KINDS["mitigation"]}
    mit = {k: v for k, v in mit.items() if v is not None}
    assert_error(pair.a.post("/requests", {**mit, "sources": ["999.1.1.1"]}), 400, field="sources[0]")
    assert_error(pair.a.post("/requests", {**mit, "window_end": "2026-01-01T00:00:00Z"}), 400, field="window_end")
    assert_error(pair.a.get("/requests", {"box": "sideways"}), 400, field="box")
    assert_error(pair.a.get("/requests", {"overdue": "maybe"}), 400, field="overdue")
    assert_error(pair.a.get("/requests", {"status": "lost"}), 400, field="status")
    assert_error(pair.server.anon.get("/requests"), 401)
    # nothing was written
    assert pair.a.get("/requests").json()["items"] == []
    audit = s.admin.get("/audit", {"limit": 1000}).json()["items"]
    assert not any(a["action"].startswith("request.") for a in audit)


def test_concurrent_moves_leave_one_valid_state(pair):
    """The recipient declines while the sender withdraws, twenty times over: exactly one
    wins each time, and the record holds exactly that one move."""
    for _ in range(20):
        d = pair.sent(urgency="normal")
        rid = d["id"]
        results = {}
        barrier = threading.Barrier(2)

        def go(name, client, move, body):
            barrier.wait()
            results[name] = client.post(f"/requests/{rid}/{move}", body).status_code

        t1 = threading.Thread(target=go, args=("b", pair.b, "decline", {"message": "no"}))
        t2 = threading.Thread(target=go, args=("a", pair.a, "withdraw", None))
        t1.start(), t2.start()
        t1.join(), t2.join()
        assert sorted(results.values()) == [200, 409], results
        view = pair.a.get(f"/requests/{rid}").json()
        assert view["status"] == ("declined" if results["b"] == 200 else "withdrawn")
        assert [e["action"] for e in view["thread"]][2:] == ["decline" if results["b"] == 200 else "withdraw"]
    r = pair.server.admin.get("/audit/verify")
    assert r.json()["intact"], r.text


def test_two_recipients_racing_to_acknowledge(pair):
    d = pair.sent()
    other = pair.server.client(pair.sg["id"])
    barrier = threading.Barrier(8)
    codes = []

    def ack(c):
        barrier.wait()
        codes.append(c.post(f"/requests/{d['id']}/acknowledge").status_code)

    threads = [threading.Thread(target=ack, args=(c,)) for c in [pair.b, other] * 4]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(codes) == [200] + [409] * 7
    assert [e["action"] for e in pair.b.get(f"/requests/{d['id']}").json()["thread"]].count("acknowledge") == 1


def test_red_never_shows_outside_the_two_sides(pair):
    red = pair.sent(tlp="red")
    green = pair.sent(tlp="green")
    for outsider in (pair.c, pair.server.admin):
        ids = [i["id"] for i in outsider.get("/requests").json()["items"]]
        assert ids == [green["id"]]
        assert outsider.get("/requests", {"box": "inbox"}).json()["items"] == []
        assert_error(outsider.get(f"/requests/{red['id']}"), 404)
        assert_error(outsider.get(f"/requests/{red['id']}/record"), 404)
        assert_error(outsider.post(f"/requests/{red['id']}/messages", {"message": "hello?"}), 404)
    assert_error(pair.c.post(f"/requests/{green['id']}/acknowledge"), 403)
    assert_error(pair.c.post(f"/requests/{green['id']}/messages", {"message": "me too"}), 403)
    for side in (pair.a, pair.b):
        assert {i["id"] for i in side.get("/requests").json()["items"]} == {red["id"], green["id"]}
    # not in the node admin's audit listing either, while the chain still verifies whole
    audit = pair.server.admin.get("/audit", {"limit": 1000}).json()["items"]
    assert not any(red["id"] in json.dumps(e) for e in audit)
    assert any(e["object_id"] == green["id"] for e in audit)
    assert pair.server.admin.get("/audit/verify").json()["intact"] is True


def test_red_incidents_stay_out_of_the_admin_audit_listing(pair):
    r = pair.a.post("/incidents", {"title": "Ransomware at a hospital", "rsit_class": "malicious-code",
                                   "rsit_type": "infected-system", "tlp": "red",
                                   "recipients": [pair.sg["id"]]})
    assert r.status_code == 201, r.text
    audit = pair.server.admin.get("/audit", {"limit": 1000}).json()["items"]
    assert not any(e["object_id"] == r.json()["id"] for e in audit)


def test_the_sender_keeps_its_responsibility_assessment_unless_shared(pair):
    d = pair.sent(kind="mitigation", responsibility="state-ignored")
    assert pair.a.get(f"/requests/{d['id']}").json()["responsibility"] == "state-ignored"
    seen = pair.b.get(f"/requests/{d['id']}").json()
    assert seen["responsibility"] is None
    assert "state-ignored" not in json.dumps(seen)
    assert "state-ignored" not in pair.b.get(f"/requests/{d['id']}/record").text
    shared = pair.sent(kind="mitigation", responsibility="state-ignored", share_responsibility=True)
    assert pair.b.get(f"/requests/{shared['id']}").json()["responsibility"] == "state-ignored"


def test_messages_and_attachments_with_their_digest(pair):
    d = pair.sent()
    data = b"2026-05-01 06:00:01 203.0.113.7 -> 10.0.0.5:445\n" * 100
    r = pair.b.post(f"/requests/{d['id']}/messages", {
        "message": "Which logs do you have?",
        "attachments": [{"name": "サーバ.log", "media_type": "text/plain",
                         "content_base64": base64.b64encode(data).decode()}]})
    assert r.status_code == 201, r.text
    entry = r.json()
    att = entry["attachments"][0]
    assert att["sha256"] == hashlib.sha256(data).hexdigest() and att["size"] == len(data)
    got = pair.a.get(pair.a.base + att["url"])
    assert got.status_code == 200 and got.content == data
    assert got.headers["Content-Type"] == "application/octet-stream"
    assert "filename*=UTF-8''%E3%82%B5" in got.headers["Content-Disposition"]
    assert_error(pair.c.get(pair.c.base + att["url"]), 404)
    view = pair.a.get(f"/requests/{d['id']}").json()
    assert view["attachments"][0]["sha256"] == att["sha256"]
    assert view["thread"][-1]["attachments"][0]["sha256"] == att["sha256"]
    assert_error(pair.a.post(f"/requests/{d['id']}/messages", {}), 400, field="message")
    assert_error(pair.a.post(f"/requests/{d['id']}/messages", {"message": "x", "to": "y"}), 400, field="to")
    pair.b.post(f"/requests/{d['id']}/decline", {"message": "no"})
    assert_error(pair.a.post(f"/requests/{d['id']}/messages", {"message": "late"}), 409)


def test_signed_record_exported_verified_and_tampered(pair, tmp_path):
    d = pair.sent(kind="assistance")
    rid = d["id"]
    pair.b.post(f"/requests/{rid}/acknowledge")
    pair.b.post(f"/requests/{rid}/answer", {"message": "Indicators attached.", "attachments": [
        {"name": "iocs.csv", "content_base64": base64.b64encode(b"ip,203.0.113.7\n").decode()}]})
    pk = pair.server.admin.get("/node").json()["signing_key"]["public_key"]
    assert len(pk) == 64

    out = tmp_path / "record.json"
    # the operator exports for the sending side (the node's own organization is neither)
    run_kizuna("request", "export", rid, "--db", pair.server.db, "--output", out, "--as", pair.jp["id"])
    doc = json.loads(out.read_text())
    assert doc["node"]["public_key"] == pk
    assert [e["action"] for e in doc["entries"]] == ["create", "send", "acknowledge", "answer"]
    assert doc["seal"]["entries"] == 4 and doc["seal"]["head"] == doc["entries"][-1]["hash"]
    ok = run_kizuna("request", "verify", out, "--public-key", pk)
    assert ok.stdout.startswith("record intact") and "4 entries" in ok.stdout and pk in ok.stdout
    # without a key, only internal consistency, said plainly
    alone = run_kizuna("request", "verify", out)
    assert alone.stdout.startswith("record consistent, NOT authenticated") and "--public-key" in alone.stdout
    # the same record fetched over the API verifies too
    api = tmp_path / "api.json"
    api.write_text(pair.b.get(f"/requests/{rid}/record").text)
    assert run_kizuna("request", "verify", api).returncode == 0

    def tampered(change):
        bad = json.loads(out.read_text())
        change(bad)
        p = tmp_path / "bad.json"
        p.write_text(json.dumps(bad))
        return run_kizuna("request", "verify", p, check=False)

    r = tampered(lambda d: d["entries"][3].update(message="Nothing to report."))
    assert r.returncode == 1 and "entry 4" in r.stdout and "changed" in r.stdout
    r = tampered(lambda d: d["entries"][2].update(at="2026-01-01T00:00:00.000Z"))
    assert r.returncode == 1 and "entry 3" in r.stdout
    r = tampered(lambda d: d["entries"].pop(1))
    assert r.returncode == 1 and "entry 2" in r.stdout
    r = tampered(lambda d: d["entries"].pop())
    assert r.returncode == 1 and "entry 4" in r.stdout
    r = tampered(lambda d: d["request"].update(status="closed"))
    assert r.returncode == 1 and "status" in r.stdout
    other = run_kizuna("request", "verify", out, "--public-key", "ab" * 32, check=False)
    assert other.returncode == 1
    (tmp_path / "junk.json").write_text('{"format": "kizuna-request-record",')
    r = run_kizuna("request", "verify", tmp_path / "junk.json", check=False)
    assert r.returncode == 2 and "line 1" in r.stderr

    html = run_kizuna("request", "export", rid, "--db", pair.server.db, "--format", "html",
                      "--as", pair.sg["id"]).stdout
    assert html.startswith("<!DOCTYPE html>") and "iocs.csv" in html and doc["entries"][-1]["hash"] in html
    assert "<script" not in html
    # the node's organization sees no AMBER or RED request between two others
    red = pair.sent(tlp="red")
    r = run_kizuna("request", "export", red["id"], "--db", pair.server.db, check=False)
    assert r.returncode == 1 and "--as" in r.stderr
    r = run_kizuna("request", "export", red["id"], "--db", pair.server.db, "--as", pair.sg["id"])
    assert json.loads(r.stdout)["request"]["tlp"] == "red"


def test_settings_are_a_table_admins_change(server):
    items = {s["name"]: s for s in server.admin.get("/settings").json()["settings"]}
    ack = items["requests.acknowledge_hours.critical"]
    assert ack["value"] == 2 and ack["default"] == 2 and ack["is_default"] and ack["unit"] == "hours"
    assert items["requests.escalation_order"]["value"] == "technical,csirt,diplomatic"
    org = server.org("SingCERT", "SG")
    analyst = server.client(org["id"])
    assert_error(analyst.patch("/settings", {"requests.acknowledge_hours.critical": 1}), 403)
    assert_error(server.admin.patch("/settings", {"requests.acknowledge_hours.critical": 0}), 400,
                 field="requests.acknowledge_hours.critical")
    assert_error(server.admin.patch("/settings", {"requests.escalation_order": "technical,spy"}), 400,
                 field="requests.escalation_order")
    assert_error(server.admin.patch("/settings", {"nope": 1}), 400, field="nope")
    r = server.admin.patch("/settings", {"requests.acknowledge_hours.critical": 1,
                                         "requests.escalation_order": "csirt,diplomatic"})
    assert r.status_code == 200, r.text
    items = {s["name"]: s for s in r.json()["settings"]}
    assert items["requests.acknowledge_hours.critical"]["value"] == 1
    assert not items["requests.acknowledge_hours.critical"]["is_default"]
    kinds = server.anon.get("/request-kinds").json()
    assert {u["urgency"]: u for u in kinds["urgencies"]}["critical"]["acknowledge_hours"] == 1
    r = server.admin.patch("/settings", {"requests.acknowledge_hours.critical": None})
    assert {s["name"]: s for s in r.json()["settings"]}["requests.acknowledge_hours.critical"]["value"] == 2


def test_linked_incidents_and_indicators_must_be_visible_to_both_sides(pair):
    def incident(client, **kw):
        r = client.post("/incidents", {"title": "Ransomware at a hospital", "rsit_type": "malware-distribution", **kw})
        assert r.status_code == 201, r.text
        return r.json()["id"]

    shared = incident(pair.a, tlp="amber", recipients=[pair.sg["id"]])
    ours = incident(pair.a, tlp="amber")                     # the sender's alone
    theirs = incident(pair.c, tlp="red")                     # France's, invisible to Japan
    r = pair.a.post("/indicators", {"type": "ipv4", "value": "203.0.113.7", "tlp": "green"})
    assert r.status_code == 201, r.text
    ind = r.json()["id"]
    d = pair.draft("mitigation", incidents=[shared], indicators=[ind])
    assert d["incidents"] == [shared] and d["indicators"] == [ind]
    assert pair.b.get(f"/incidents/{shared}").status_code == 200
    e = assert_error(pair.a.patch(f"/requests/{d['id']}", {"incidents": [shared, ours]}), 400, field="incidents[1]")
    assert "recipient" in e["message"]
    e = assert_error(pair.a.patch(f"/requests/{d['id']}", {"incidents": [theirs]}), 400, field="incidents[0]")
    assert e["message"] == f"no incident {theirs}"           # the same as for an id that does not exist
    missing = "00000000-0000-4000-8000-000000000000"
    assert assert_error(pair.a.patch(f"/requests/{d['id']}", {"incidents": [missing]}), 400,
                        field="incidents[0]")["message"] == f"no incident {missing}"
    assert_error(pair.a.patch(f"/requests/{d['id']}", {"indicators": [missing]}), 400, field="indicators[0]")


def test_mitigation_sources_are_kept_in_canonical_form(pair):
    d = pair.draft("mitigation", sources=["192.0.2.77/24", "Login-Bank.EXAMPLE.", "as64500", "192.0.2.0/24",
                                          "2001:DB8::1"])
    assert d["sources"] == ["192.0.2.0/24", "login-bank.example", "AS64500", "2001:db8::1"]
    assert d["thread"][0]["content"]["sources"] == d["sources"]


def test_statistics_per_counterpart_state_count_only_what_the_caller_sees(pair):
    s = pair.server
    r1 = pair.sent(tlp="green")["id"]
    r2 = pair.sent()["id"]
    r3 = pair.sent(urgency="normal")["id"]
    to_fr = pair.a.post("/requests", {"kind": "information", "to_organization": pair.fr["id"], "urgency": "high",
                                      "tlp": "red", "subject": "s", "description": "d", **KINDS["information"]}).json()["id"]
    pair.a.post(f"/requests/{to_fr}/send")
    # a RED request between Singapore and France: Japan must never count it
    sg_fr = pair.b.post("/requests", {"kind": "information", "to_organization": pair.fr["id"], "urgency": "low",
                                      "tlp": "red", "subject": "s", "description": "d", **KINDS["information"]}).json()["id"]
    pair.b.post(f"/requests/{sg_fr}/send")
    s.advance(3600)
    assert pair.b.post(f"/requests/{r1}/acknowledge").status_code == 200      # after 1 h: in time
    assert pair.c.post(f"/requests/{to_fr}/acknowledge").status_code == 200
    s.advance(2 * 3600)
    assert pair.b.post(f"/requests/{r2}/acknowledge").status_code == 200      # after 3 h: late
    assert pair.b.post(f"/requests/{r1}/answer", {"message": "done"}).status_code == 200

    def by_state(client, **params):
        r = client.get("/stats/requests", params)
        assert r.status_code == 200, r.text
        return {x["state"]: x for x in r.json()["states"]}

    out = by_state(pair.a, box="outbox")
    assert set(out) == {"SG", "FR"}
    sg = out["SG"]
    assert (sg["sent"], sg["acknowledged"], sg["acknowledged_in_time"], sg["due"]) == (3, 2, 1, 2)
    assert sg["in_time_share"] == 0.5
    assert abs(sg["median_seconds_to_acknowledge"] - 2 * 3600) < 5     # 1 h and 3 h
    assert sg["answered"] == 1 and abs(sg["median_seconds_to_answer"] - 3 * 3600) < 5
    assert sg["open"] == 2 and sg["overdue"] == 0
    assert out["FR"]["sent"] == 1 and out["FR"]["in_time_share"] == 1.0
    s.advance(25 * 3600)             # r2's answer (24 h) and r3's acknowledgement (24 h) are late now
    sg = by_state(pair.a, box="outbox")["SG"]
    assert sg["overdue"] == 2 and sg["due"] == 3 and sg["in_time_share"] == pytest.approx(1 / 3)

    # Singapore's inbox counts by sender state; France counts the RED request from Singapore
    assert by_state(pair.b, box="inbox")["JP"]["sent"] == 3
    assert set(by_state(pair.c, box="inbox")) == {"JP", "SG"}
    # Japan and the node's admin never count the RED request between the two others
    assert by_state(pair.a)["FR"]["sent"] == 1
    seen_by_admin = by_state(s.admin)
    assert set(seen_by_admin) == {"SG"} and seen_by_admin["SG"]["sent"] == 1     # the GREEN one
    assert_error(pair.a.get("/stats/requests", {"box": "all"}), 400, field="box")
    assert_error(pair.a.get("/stats/requests", {"since": "yesterday"}), 400, field="since")
    assert by_state(pair.a, box="outbox", since="2100-01-01") == {}
