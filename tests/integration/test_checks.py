"""Communication checks ("ping tests") over HTTP: invitations with one-time answer links,
answers through the organization's key, late answers, statistics, schedules."""
from conftest import assert_error


def directory(server):
    jp, sg = server.org("JP CSIRT", "JP"), server.org("SG CSIRT", "SG")
    people = {
        "jp1": server.contact(jp["id"], "JP one", "technical"),
        "jp2": server.contact(jp["id"], "JP two", "diplomatic"),
        "sg1": server.contact(sg["id"], "SG one", "technical"),
        "sg2": server.contact(sg["id"], "SG two", "technical"),
    }
    return jp, sg, people


def answer(server, url):
    return server.anon.post(url)


def test_check_by_ids_answer_links_and_timings(server):
    jp, sg, p = directory(server)
    r = server.admin.post("/checks", {"contacts": [p["jp1"]["id"], p["sg1"]["id"]], "deadline_hours": 24})
    assert r.status_code == 201, r.text
    check = r.json()
    assert check["invited"] == 2 and check["answered"] == 0
    urls = {c["contact"]: c["answer_url"] for c in check["contacts"]}
    assert all(u.startswith("/api/v1/checks/answer/") for u in urls.values())
    assert all(c["sent"] and c["answered"] is False for c in check["contacts"])

    server.advance(90)
    r = answer(server, urls[p["jp1"]["id"]])
    assert r.status_code == 200, r.text
    assert r.json()["late"] is False and 90 <= r.json()["seconds_to_answer"] < 120
    # one-time: a second answer is refused and changes nothing
    assert_error(answer(server, urls[p["jp1"]["id"]]), 409)
    assert_error(server.anon.post("/checks/answer/" + "x" * 43), 404)

    got = server.admin.get(f"/checks/{check['id']}").json()
    byc = {c["contact"]: c for c in got["contacts"]}
    assert byc[p["jp1"]["id"]]["answered"] is True and byc[p["jp1"]["id"]]["via"] == "link"
    assert 90 <= byc[p["jp1"]["id"]]["seconds_to_answer"] < 120
    assert byc[p["sg1"]["id"]]["answered"] is False and byc[p["sg1"]["id"]]["seconds_to_answer"] is None
    assert got["answered"] == 1


def test_check_by_filter_and_acknowledgement_through_the_api(server):
    jp, sg, p = directory(server)
    r = server.admin.post("/checks", {"state": "SG", "role": "technical"})
    assert r.status_code == 201, r.text
    check = r.json()
    assert {c["contact"] for c in check["contacts"]} == {p["sg1"]["id"], p["sg2"]["id"]}
    sg_viewer = server.client(sg["id"], "viewer")
    jp_analyst = server.client(jp["id"], "analyst")
    assert_error(jp_analyst.post(f"/checks/{check['id']}/acknowledge", {"contact": p["sg1"]["id"]}), 403)
    r = sg_viewer.post(f"/checks/{check['id']}/acknowledge", {"contact": p["sg1"]["id"]})
    assert r.status_code == 200, r.text
    got = server.admin.get(f"/checks/{check['id']}").json()
    assert [c["via"] for c in got["contacts"] if c["contact"] == p["sg1"]["id"]] == ["api"]
    # links are shown to the check's owner and admins only
    assert all("answer_url" not in c for c in sg_viewer.get(f"/checks/{check['id']}").json()["contacts"])


def test_late_answers_and_statistics(server):
    jp, sg, p = directory(server)
    check = server.admin.post("/checks", {"contacts": [c["id"] for c in p.values()], "deadline_hours": 1}).json()
    urls = {c["contact"]: c["answer_url"] for c in check["contacts"]}
    server.advance(60)
    answer(server, urls[p["jp1"]["id"]])           # 1 min
    server.advance(240)
    answer(server, urls[p["sg1"]["id"]])           # 5 min
    server.advance(3 * 3600)
    r = answer(server, urls[p["sg2"]["id"]])       # 3 h 5 min: late
    assert r.json()["late"] is True
    stats = server.admin.get("/stats/checks").json()["states"]
    by = {s["state"]: s for s in stats}
    assert by["JP"]["contacts"] == 2 and by["JP"]["answered"] == 1 and by["JP"]["answer_rate"] == 0.5
    assert 60 <= by["JP"]["median_seconds"] < 70
    assert by["SG"]["answered"] == 2 and by["SG"]["late"] == 1 and by["SG"]["answer_rate"] == 1.0
    # SG answered after 300 s and 11,100 s: median 5,700 s, nearest-rank p90 11,100 s
    assert abs(by["SG"]["median_seconds"] - 5700) < 5
    assert abs(by["SG"]["p90_seconds"] - 11100) < 5
    assert abs(by["JP"]["p90_seconds"] - 60) < 5
    # since= excludes older checks
    future = server.admin.get("/stats/checks", {"since": "2100-01-01"}).json()["states"]
    assert future == []
    assert_error(server.admin.get("/stats/checks", {"since": "yesterday"}), 400, "since")


def test_checks_need_a_target_and_a_role(server):
    jp, sg, p = directory(server)
    assert_error(server.admin.post("/checks", {}), 400, "contacts")
    assert_error(server.admin.post("/checks", {"state": "NZ"}), 400, "state")
    assert_error(server.admin.post("/checks", {"role": "boss"}), 400, "role")
    assert_error(server.admin.post("/checks", {"contacts": ["6a7027a6-5610-4035-9248-7404031bf1f6"]}), 400, "contacts")
    viewer = server.client(jp["id"], "viewer")
    assert_error(viewer.post("/checks", {"state": "JP"}), 403)
    assert_error(server.anon.post("/checks", {"state": "JP"}), 401)
    assert server.admin.get("/checks").json()["items"] == []


def test_recurring_checks_run_on_schedule(server):
    jp, sg, p = directory(server)
    r = server.admin.post("/check-schedules", {"role": "diplomatic", "every_days": 90, "deadline_hours": 48})
    assert r.status_code == 201, r.text
    sched = r.json()
    # a schedule starts now by default: the server runs it within a scheduler tick
    server.advance(1)
    import time
    for _ in range(50):
        checks = server.admin.get("/checks").json()["items"]
        if checks:
            break
        time.sleep(0.1)
    assert [c["schedule"] for c in checks] == [sched["id"]]
    server.advance(89 * 86400)
    time.sleep(1.5)
    assert len(server.admin.get("/checks").json()["items"]) == 1
    server.advance(2 * 86400)
    for _ in range(50):
        checks = server.admin.get("/checks").json()["items"]
        if len(checks) == 2:
            break
        time.sleep(0.1)
    assert len(checks) == 2
    got = server.admin.get(f"/check-schedules/{sched['id']}").json()
    assert got["last_run"] and got["next_run"] > got["last_run"]
    assert server.admin.delete(f"/check-schedules/{sched['id']}").status_code == 204
    assert server.admin.get(f"/check-schedules/{sched['id']}").status_code == 404


def test_every_days_on_a_check_makes_a_schedule(server):
    jp, sg, p = directory(server)
    r = server.admin.post("/checks", {"state": "JP", "every_days": 30})
    assert r.status_code == 201
    assert r.json()["schedule"]
    scheds = server.admin.get("/check-schedules").json()["items"]
    assert [s["id"] for s in scheds] == [r.json()["schedule"]]
