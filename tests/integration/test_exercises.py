"""Table-top exercises (issue 16) against a real server with a moved clock: the built-in
library, a run of the university-hospital scenario whose injects arrive on time and in
order (one after a player's action), scores read from what the players did through the
API (met, late, missed, an evaluator's mark), the after-action report, bad input, and
the run's objects invisible to everyone outside it on every read path."""
import json

from conftest import KIZUNA, assert_error, run_kizuna, wait_for

SCENARIO = "ransomware-university-hospital"



def delivered(server, ex_id, n):
    r = server.admin.get(f"/exercises/{ex_id}")
    assert r.status_code == 200, r.text
    return next((d for d in r.json()["delivered"] if d["n"] == n), None)


def role_org(run, role):
    return next(p["organization"] for p in run["players"] if p["role"] == role)


def setup_run(server):
    victim = server.org("Victim CSIRT", state="JP")
    origin = server.org("Origin CSIRT", state="DE")
    server.contact(origin["id"], "Origin technical PoC", role="technical", email="poc@origin.de.example")
    players = {"victim": server.client(victim["id"]), "origin": server.client(origin["id"])}
    r = server.admin.post("/exercises", {"scenario": SCENARIO, "players": [
        {"role": "victim-csirt", "organization": victim["id"]},
        {"role": "origin-poc", "organization": origin["id"]}]})
    assert r.status_code == 201, r.text
    return r.json(), players


def test_the_library_holds_the_hospital_scenario_in_english_and_japanese(server):
    r = server.admin.get("/scenarios")
    assert r.status_code == 200, r.text
    listed = {s["id"]: s for s in r.json()["items"]}
    assert SCENARIO in listed and listed[SCENARIO]["builtin"] is True
    s = server.admin.get(f"/scenarios/{SCENARIO}").json()
    assert s["languages"] == ["en", "ja"] and s["title_ja"] and s["banner_ja"]
    assert {o["id"] for o in s["objectives"]} == {"assist", "mitigate", "preserve"}
    assert all(i["title_ja"] and i["text_ja"] for i in s["injects"])
    assert {i["channel"] for i in s["injects"]} == {"incident", "news", "request", "mail", "check"}
    assert listed[SCENARIO]["injects"] == len(s["injects"])


def test_a_run_is_scored_from_what_the_players_did(server):
    run, players = setup_run(server)
    ex = run["id"]
    made = {p["role"] for p in run["players"] if p["made"]}
    assert made == {"hospital", "partner-csirt"}, "roles nobody plays get exercise-only organizations"
    assert run["status"] == "scheduled"

    r = server.admin.post(f"/exercises/{ex}/start")
    assert r.status_code == 200, r.text
    assert [d["n"] for d in r.json()["delivered"]] == [1], "inject 1 is due at minute 0"
    incident = delivered(server, ex, 1)["object_id"]
    got = players["victim"].get(f"/incidents/{incident}")
    assert got.status_code == 200, got.text
    assert got.json()["exercise"] == ex
    linked = players["victim"].get(f"/incidents/{incident}/indicators").json()["items"]
    assert {i["value"] for i in linked} == {"198.51.100.23", "update-c2.example"}

    server.advance(10 * 60)  # exercise minute 10: the news item (5) and the request (10)
    wait_for("inject 3", lambda: delivered(server, ex, 3))
    run = server.admin.get(f"/exercises/{ex}").json()
    assert [(d["n"], d["minutes"]) for d in run["delivered"]] == [(1, 0), (2, 5), (3, 10)]
    assert delivered(server, ex, 4) is None, "inject 4 waits for the acknowledgement"
    news = players["victim"].get(f"/exercises/{ex}/messages").json()["items"]
    assert [m["n"] for m in news] == [2] and news[0]["banner"] == run["banner"]

    request = delivered(server, ex, 3)["object_id"]
    r = players["victim"].post(f"/requests/{request}/acknowledge", {})
    assert r.status_code == 200, r.text
    server.advance(5 * 60)  # the branch: five minutes after the acknowledgement
    d4 = wait_for("inject 4", lambda: delivered(server, ex, 4))
    assert 15 <= d4["minutes"] < 16

    partner = role_org(run, "partner-csirt")
    r = players["victim"].post("/indicators", {"type": "ipv4", "value": "198.51.100.23", "tlp": "amber",
                                               "recipients": [partner]})
    assert r.status_code in (200, 201), r.text
    assert r.json()["exercise"] == ex, "shared with an exercise-only organization: marked"

    server.advance(20 * 60)  # minute 35: the check came at 30 (ten minutes after inject 5 at 20)
    check = wait_for("inject 6", lambda: delivered(server, ex, 6))
    assert check["minutes"] == 30
    server.advance(20 * 60)  # minute 55: the answer is late (deadline 15 minutes)
    contacts = server.admin.get("/contacts", params={"organization": role_org(run, "origin-poc")}).json()["items"]
    r = players["origin"].post(f"/checks/{check['object_id']}/acknowledge", {"contact": contacts[0]["id"]})
    assert r.status_code == 200, r.text

    r = server.admin.post(f"/exercises/{ex}/marks", {"expectation": "takedown-confirmed", "result": "met",
                                                    "note": "the origin PoC called the victim"})
    assert r.status_code == 200, r.text
    r = server.admin.post(f"/exercises/{ex}/notes", {"text": "preservation requests lacked elements",
                                                    "owner": "Legal desk", "due": "2027-01-31"})
    assert r.status_code == 201 and r.json()["kind"] == "action", r.text
    assert server.admin.post(f"/exercises/{ex}/finish").json()["status"] == "finished"

    rep = server.admin.get(f"/exercises/{ex}/report").json()
    results = {e["id"]: e for e in rep["expectations"]}
    assert results["ack-assistance"]["result"] == "met"
    assert results["ack-assistance"]["took_minutes"] < 30
    assert results["share-indicators"]["result"] == "met"
    assert results["check-answered"]["result"] == "late"
    assert results["check-answered"]["took_minutes"] > 15
    assert results["mitigation-sent"]["result"] == "missed"
    assert results["preservation-complete"]["result"] == "missed"
    assert results["takedown-confirmed"]["result"] == "met" and results["takedown-confirmed"]["marked"]
    # the score is the points over the weights: met all, late half, missed none
    scenario = server.admin.get(f"/scenarios/{SCENARIO}").json()
    weight = {e["id"]: e["weight"] for e in scenario["expectations"]}
    share = {"met": 1, "late": 0.5, "missed": 0, "pending": 0}
    expected = 100 * sum(weight[k] * share[e["result"]] for k, e in results.items()) / sum(weight.values())
    assert abs(rep["score"] - expected) < 1e-9 and 0 < rep["score"] < 100
    victim_role = next(g for g in rep["roles"] if g["id"] == "victim-csirt")
    assert (victim_role["met"], victim_role["missed"]) == (2, 2)
    kinds = [t["kind"] for t in rep["timeline"]]
    assert "inject" in kinds and "action" in kinds
    actions = {t["action"] for t in rep["timeline"] if t["kind"] == "action"}
    assert {"request.acknowledge", "check.answer"} <= actions
    assert rep["notes"][0]["owner"] == "Legal desk"

    page = server.admin.get(f"/exercises/{ex}/report", params={"format": "html", "lang": "ja"})
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert scenario["banner_ja"] in page.text and "<script" not in page.text
    assert "事後報告" in page.text and scenario["expectations"][0]["title_ja"] in page.text
    page = server.admin.get(f"/exercises/{ex}/report", params={"format": "html"})
    assert "After-action report" in page.text and scenario["banner"] in page.text


def test_controls_pause_resume_and_trigger(server):
    run, _ = setup_run(server)
    ex = run["id"]
    assert_error(server.admin.post(f"/exercises/{ex}/pause"), 409, "status")
    r = server.admin.post(f"/exercises/{ex}/start", {"speed": 2})
    assert r.status_code == 200 and r.json()["speed"] == 2, r.text
    server.advance(60)  # two exercise minutes at speed 2 (and the test's own few ms)
    r = server.admin.post(f"/exercises/{ex}/pause")
    assert r.status_code == 200, r.text
    paused = r.json()
    assert paused["status"] == "paused" and 120000 <= paused["clock_ms"] < 180000
    server.advance(600)  # a paused clock stands still
    assert server.admin.get(f"/exercises/{ex}").json()["clock_ms"] == paused["clock_ms"]
    r = server.admin.post(f"/exercises/{ex}/injects/5/trigger")
    assert r.status_code == 200, r.text
    early = delivered(server, ex, 5)
    assert early["early"] is True and abs(early["minutes"] - paused["clock_ms"] / 60000) < 1e-6
    assert_error(server.admin.post(f"/exercises/{ex}/injects/5/trigger"), 409, "inject")
    assert server.admin.post(f"/exercises/{ex}/resume").json()["status"] == "running"


def test_bad_input_is_refused_and_writes_nothing(server):
    before = len(server.admin.get("/exercises").json()["items"])
    assert_error(server.admin.post("/exercises", {"scenario": SCENARIO, "players": [
        {"role": "no-such-role", "organization": server.admin.org}]}), 400, "players[0].role")
    assert_error(server.admin.post("/exercises", {"scenario": "no-such-scenario"}), 400, "scenario")
    assert len(server.admin.get("/exercises").json()["items"]) == before
    base = server.admin.get(f"/scenarios/{SCENARIO}").json()
    for key in ("builtin", "created", "modified", "organization"):
        base.pop(key, None)
    base["id"] = "negative-offset"
    bad = json.loads(json.dumps(base))
    bad["injects"][1]["at_minutes"] = -5
    r = server.admin.post("/scenarios", data=json.dumps(bad), headers={"Content-Type": "application/json"})
    assert_error(r, 400, "injects[1].at_minutes")
    bad = json.loads(json.dumps(base))
    bad["injects"][0]["at_minutes"] = 0
    bad["injects"][3]["on_action"] = "request.teleport"
    r = server.admin.post("/scenarios", data=json.dumps(bad), headers={"Content-Type": "application/json"})
    assert_error(r, 400, "injects[3].on_action")
    assert server.admin.get("/scenarios/negative-offset").status_code == 404
    r = server.admin.post("/scenarios", data=json.dumps(base), headers={"Content-Type": "application/json"})
    assert r.status_code == 201, r.text


def test_exercise_objects_never_reach_anyone_outside_the_run(server):
    run, players = setup_run(server)
    ex = run["id"]
    outsider = server.client(server.org("Real partner CSIRT", state="FR")["id"])
    server.admin.post(f"/exercises/{ex}/start")
    server.advance(10 * 60)
    wait_for("inject 3", lambda: delivered(server, ex, 3))
    incident = delivered(server, ex, 1)["object_id"]
    request = delivered(server, ex, 3)["object_id"]
    partner = role_org(run, "partner-csirt")
    # even at TLP:CLEAR an exercise object stays inside the run
    r = players["victim"].post("/indicators", {"type": "domain", "value": "clear-exercise.example",
                                               "tlp": "clear", "recipients": [partner]})
    assert r.status_code in (200, 201), r.text
    clear = r.json()
    assert clear["exercise"] == ex
    # a real partner named as a recipient of exercise material is refused
    assert_error(players["victim"].post("/indicators", {"type": "domain", "value": "leak.example",
                                                        "tlp": "amber", "exercise": ex,
                                                        "recipients": [outsider.org]}), 400, "recipients")

    # an outsider cannot put material into a run it does not play in, and learns no more
    # than about a run that does not exist: the same answer, the id aside
    real = outsider.post("/indicators", {"type": "domain", "value": "intruder.example", "tlp": "green",
                                         "exercise": ex})
    assert_error(real, 400, "exercise")
    nowhere = "00000000-0000-4000-8000-000000000000"
    none = outsider.post("/indicators", {"type": "domain", "value": "intruder.example", "tlp": "green",
                                         "exercise": nowhere})
    assert none.status_code == real.status_code
    assert json.dumps(none.json()).replace(nowhere, "ID") == json.dumps(real.json()).replace(ex, "ID")
    assert "intruder.example" not in {i["value"] for i in outsider.get("/indicators").json()["items"]}
    assert players["victim"].get(f"/incidents/{incident}").status_code == 200
    assert players["victim"].get(f"/indicators/{clear['id']}").status_code == 200
    assert players["victim"].get(f"/requests/{request}").status_code == 200

    for who in (outsider, server.anon):
        assert who.get(f"/incidents/{incident}").status_code in (401, 404)
        assert who.get(f"/indicators/{clear['id']}").status_code in (401, 404)
        assert who.get(f"/requests/{request}").status_code in (401, 404)
        assert who.get(f"/exercises/{ex}").status_code in (401, 404)
    assert incident not in {i["id"] for i in outsider.get("/incidents").json()["items"]}
    assert clear["id"] not in {i["id"] for i in outsider.get("/indicators").json()["items"]}
    assert request not in {i["id"] for i in outsider.get("/requests").json()["items"]}
    assert ex not in {i["id"] for i in outsider.get("/exercises").json()["items"]}
    # statistics are of real work: the run's incidents and indicators count for nobody,
    # its players included (only exercise objects exist on this node)
    real = server.admin.post("/incidents", {"title": "A real incident", "rsit_type": "infected-system",
                                            "tlp": "green"})
    assert real.status_code == 201, real.text
    for who in (outsider, players["victim"], server.admin):
        stats = who.get("/stats/incidents").json()
        assert stats["total"] == 1 and stats["by"]["tlp"] == {"green": 1}, stats
        assert who.get("/stats/indicators").json()["total"] == 0
    for fmt in ("csv", "json", "stix"):
        r = outsider.get("/indicators/export", params={"format": fmt})
        assert r.status_code == 200, r.text
        assert "clear-exercise.example" not in r.text and "198.51.100.23" not in r.text
        r = outsider.get("/incidents/export", params={"format": fmt})
        assert r.status_code == 200 and "surgeries" not in r.text
    cols = outsider.get("/taxii2/api/collections",
                        headers={"Accept": "application/taxii+json;version=2.1"}).json()["collections"]
    for col in cols:
        r = outsider.get(f"/taxii2/api/collections/{col['id']}/objects",
                         headers={"Accept": "application/taxii+json;version=2.1"})
        assert r.status_code == 200, r.text
        assert "clear-exercise.example" not in r.text and "198.51.100" not in r.text
    r = server.anon.get("/taxii2/api/collections/clear/objects")
    assert "clear-exercise.example" not in r.text
    # statistics of real work leave exercise requests out, even for the players
    for who in (outsider, players["victim"], server.admin):
        r = who.get("/stats/requests")
        assert r.status_code == 200, r.text
        assert r.json()["states"] == [], "the partner state's request is an exercise one"
    # the checks and their statistics likewise
    assert outsider.get("/checks").json()["items"] == []


def test_kizuna_exercise_run_rehearses_a_scenario_on_any_node(tmp_path):
    db = tmp_path / "rehearsal.db"
    run_kizuna("init", "--db", db)
    out = run_kizuna("exercise", "run", SCENARIO, "--db", db, "--speed", "10000")
    rep = json.loads(out.stdout)
    assert rep["exercise"]["status"] == "finished"
    assert rep["score"] == 0, "nobody played: every automatic expectation is missed"
    assert {e["result"] for e in rep["expectations"]} == {"missed"}
    injects = [t["inject"] for t in rep["timeline"] if t["kind"] == "inject"]
    assert injects == [1, 2, 3, 5, 6], "4 waits for an acknowledgement that never came"
    # every scenario of the library runs end to end
    for sid in ("vpn-credentials-leak", "pandemic-phishing-wave", "directory-communication-check"):
        rep = json.loads(run_kizuna("exercise", "run", sid, "--db", db, "--speed", "10000").stdout)
        assert rep["exercise"]["scenario"] == sid and rep["exercise"]["status"] == "finished"
        assert rep["expectations"] and all(e["result"] == "missed" for e in rep["expectations"])
        assert [t for t in rep["timeline"] if t["kind"] == "inject"], sid
    bad = run_kizuna("exercise", "run", "no-such-scenario", "--db", db, check=False)
    assert bad.returncode != 0 and "scenario" in bad.stderr


def test_no_peer_node_receives_exercise_material(federation):
    jp, cz = federation.jp, federation.cz
    federation.pair(jp, cz)
    federation.sync(jp, cz)  # jp learns the organizations cz hosts
    run, players = setup_run(jp)
    ex = run["id"]
    assert jp.admin.post(f"/exercises/{ex}/start").status_code == 200
    partner = role_org(run, "partner-csirt")
    r = players["victim"].post("/indicators", {"type": "domain", "value": "exercise-only.example",
                                               "tlp": "clear", "recipients": [partner]})
    assert r.status_code in (200, 201) and r.json()["exercise"] == ex, r.text
    r = players["victim"].post("/indicators", {"type": "domain", "value": "real-work.example", "tlp": "clear"})
    assert r.status_code in (200, 201) and r.json()["exercise"] is None, r.text
    federation.sync(cz, jp)
    seen = {i["value"] for i in cz.admin.get("/indicators").json()["items"]}
    assert "real-work.example" in seen, "the control object travels"
    assert "exercise-only.example" not in seen and "198.51.100.23" not in seen
    assert "surgeries" not in json.dumps(cz.admin.get("/incidents").json())


def test_mail_about_an_exercise_request_says_it_is_an_exercise(mail_server, mailbox):
    run, players = setup_run(mail_server)
    victim = role_org(run, "victim-csirt")
    mail_server.contact(victim, "Victim duty officer", role="csirt", email="duty@victim.jp.example")
    ex = run["id"]
    mail_server.admin.post(f"/exercises/{ex}/start")
    mail_server.advance(10 * 60)
    wait_for("inject 3", lambda: delivered(mail_server, ex, 3))
    got = wait_for("the request's notice", lambda: mailbox.to("duty@victim.jp.example"))
    assert all(m["Subject"] and "[EXERCISE]" in m["Subject"] for m in got), [m["Subject"] for m in got]
    assert "not a real request" in got[0].get_body(("plain",)).get_content()


def test_the_players_change_before_the_run_starts_only(server):
    run, players = setup_run(server)
    ex = run["id"]
    made = {p["role"]: p["organization"] for p in run["players"] if p["made"]}
    assert "partner-csirt" in made and "origin-poc" not in made
    other = server.org("Other victim CSIRT", state="JP")
    outsider = server.client(server.org("Outside CSIRT", state="FR")["id"])

    def audit_count():
        return sum(e["action"] == "exercise.players" and e["object_id"] == ex
                   for e in server.admin.get("/audit", params={"limit": 1000}).json()["items"])

    # bad input names the field and writes nothing
    before = server.admin.get(f"/exercises/{ex}").json()
    for body, field in (({"players": [{"role": "no-such-role", "organization": other["id"]}]}, "players[0].role"),
                        ({"players": [{"role": "victim-csirt", "organization": "00000000-0000-4000-8000-000000000000"}]},
                         "players[0].organization"),
                        ({"players": [{"role": "victim-csirt", "organization": other["id"],
                                       "user": "00000000-0000-4000-8000-000000000000"}]}, "players[0].user"),
                        ({"players": [], "speed": 4}, "speed"), ({}, "players")):
        assert_error(server.admin.patch(f"/exercises/{ex}", body), 400, field)
    assert server.admin.get(f"/exercises/{ex}").json() == before and audit_count() == 0
    # someone outside the run: the answer of a run that does not exist; a player: not the facilitator
    body = {"players": [{"role": "victim-csirt", "organization": other["id"]}]}
    assert_error(outsider.patch(f"/exercises/{ex}", body), 404, "exercise")
    assert_error(outsider.patch("/exercises/00000000-0000-4000-8000-000000000000", body), 404, "exercise")
    assert players["victim"].patch(f"/exercises/{ex}", body).status_code == 403
    # the facilitator: the victim role to another organization, the partner role to a real one,
    # the origin role left to an exercise-only organization
    partner = server.org("Partner CSIRT", state="KR")
    r = server.admin.patch(f"/exercises/{ex}", {"players": [
        {"role": "victim-csirt", "organization": other["id"]}, {"role": "partner-csirt", "organization": partner["id"]}]})
    assert r.status_code == 200, r.text
    now = {p["role"]: p for p in r.json()["players"]}
    assert now["victim-csirt"]["organization"] == other["id"] and not now["victim-csirt"]["made"]
    assert now["partner-csirt"]["organization"] == partner["id"] and not now["partner-csirt"]["made"]
    assert now["origin-poc"]["made"], "a role nobody plays gets an exercise-only organization"
    for role, p in made.items():
        if role != "partner-csirt":
            assert now[role]["organization"] == p, "the other exercise-only organizations stay"
    assert server.admin.get(f"/organizations/{made['partner-csirt']}").status_code == 404, \
        "the exercise-only organization of a role now played leaves the directory"
    assert players["victim"].get(f"/exercises/{ex}").status_code == 404, "a replaced player no longer plays"
    assert server.client(other["id"]).get(f"/exercises/{ex}").status_code == 200
    assert audit_count() == 1
    # once started, the players stay
    assert server.admin.post(f"/exercises/{ex}/start").status_code == 200
    assert_error(server.admin.patch(f"/exercises/{ex}", body), 409, "status")
