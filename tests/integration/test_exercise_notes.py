"""The evaluators revise the after-action report (issue 16 point 5): an observation or a
corrective action is rewritten through PATCH /exercises/{id}/notes/{note} (an owner and
a due date make it an action), bad input and other callers change nothing, and the
audit chain records the edit."""
from conftest import assert_error

SCENARIO = "ransomware-university-hospital"


def started_run(server):
    victim = server.org("Victim CSIRT", state="JP")
    r = server.admin.post("/exercises", {"scenario": SCENARIO, "players": [
        {"role": "victim-csirt", "organization": victim["id"]}]})
    assert r.status_code == 201, r.text
    ex = r.json()["id"]
    assert server.admin.post(f"/exercises/{ex}/start").status_code == 200
    return ex, server.client(victim["id"])


def notes(server, ex):
    r = server.admin.get(f"/exercises/{ex}/report")
    assert r.status_code == 200, r.text
    return {n["id"]: n for n in r.json()["notes"]}


def test_a_note_is_rewritten_and_an_observation_becomes_a_corrective_action(server):
    ex, _ = started_run(server)
    r = server.admin.post(f"/exercises/{ex}/notes", {"text": "The port's number was out of date."})
    assert r.status_code == 201, r.text
    note = r.json()["id"]

    r = server.admin.patch(f"/exercises/{ex}/notes/{note}", {"text": "Update the port's number in the directory",
                                                             "owner": "Directory team", "due": "2027-01-15"})
    assert r.status_code == 200, r.text
    assert r.json() == {"id": note, "kind": "action"}
    got = notes(server, ex)[note]
    assert (got["kind"], got["text"], got["owner"], got["due"]) == (
        "action", "Update the port's number in the directory", "Directory team", "2027-01-15T00:00:00.000Z")

    r = server.admin.patch(f"/exercises/{ex}/notes/{note}", {"text": "Back to an observation."})
    assert r.status_code == 200, r.text
    got = notes(server, ex)[note]
    assert (got["kind"], got["owner"], got["due"]) == ("observation", None, None)

    audit = server.admin.get("/audit", params={"limit": 500}).json()["items"]
    edits = [e for e in audit if e["action"] == "exercise.note_edit"]
    assert len(edits) == 2 and all(e["object_id"] == ex for e in edits)


def test_bad_edits_and_other_callers_change_nothing(server):
    ex, player = started_run(server)
    r = server.admin.post(f"/exercises/{ex}/notes", {"text": "Fix the runbook", "owner": "Ken", "due": "2027-02-01"})
    note = r.json()["id"]
    before = notes(server, ex)[note]

    assert_error(server.admin.patch(f"/exercises/{ex}/notes/{note}", {"text": "x", "owner": "Ken", "due": "soon"}), 400, "due")
    assert_error(server.admin.patch(f"/exercises/{ex}/notes/{note}", {"text": "x", "owner": "Ken"}), 400, "due")
    assert_error(server.admin.patch(f"/exercises/{ex}/notes/{note}", {"text": ""}), 400, "text")
    assert_error(server.admin.patch(f"/exercises/{ex}/notes/00000000-0000-4000-8000-000000000000", {"text": "x"}), 404, "note")
    r = player.patch(f"/exercises/{ex}/notes/{note}", {"text": "a player rewrites the report"})
    assert_error(r, 403)
    outsider = server.client(server.org("Outside CSIRT", state="KR")["id"])
    r = outsider.patch(f"/exercises/{ex}/notes/{note}", {"text": "an outsider rewrites the report"})
    assert_error(r, 404, "exercise")  # as for every control of the run (below)

    other, _ = started_run(server)
    assert_error(server.admin.patch(f"/exercises/{other}/notes/{note}", {"text": "x"}), 404, "note")
    assert notes(server, ex)[note] == before


def test_every_control_of_a_run_answers_an_outsider_as_for_a_run_that_does_not_exist(server):
    """A write never tells what a read would not: an organization that takes no part in
    a run gets from each control the answer of a made-up run id (404 naming exercise);
    a player, who may know of the run, is told that only its facilitator controls it."""
    ex, player = started_run(server)
    note = server.admin.post(f"/exercises/{ex}/notes", {"text": "kept"}).json()["id"]
    def state():  # the run without its running clock
        got = server.admin.get(f"/exercises/{ex}").json()
        return {k: v for k, v in got.items() if k not in ("minutes", "clock_ms")}
    before = state()
    outsider = server.client(server.org("Outside CSIRT", state="KR")["id"])
    made_up = "00000000-0000-4000-8000-000000000000"
    controls = [("post", "/exercises/{}/pause", None), ("post", "/exercises/{}/resume", None),
                ("post", "/exercises/{}/finish", None), ("post", "/exercises/{}/start", None),
                ("post", "/exercises/{}/injects/1/trigger", None),
                ("post", "/exercises/{}/notes", {"text": "an outsider's note"}),
                ("patch", "/exercises/{}/notes/" + note, {"text": "rewritten"})]
    for method, path, body in controls:
        def call(who, run):
            args = (path.format(run),) + ((body,) if body is not None else ())
            return getattr(who, method)(*args)
        real, fake = call(outsider, ex), call(outsider, made_up)
        assert real.status_code == fake.status_code == 404, (path, real.text, fake.text)
        assert real.json()["error"]["field"] == fake.json()["error"]["field"] == "exercise", (path, real.text)
        assert_error(call(player, ex), 403)
    assert state() == before
    assert [n["text"] for n in notes(server, ex).values()] == ["kept"]
