"""Table-top exercises (issue 16) kept apart from real work, on a real server: what a run
makes — by its injects, by a player's single create, bulk create and import — is read by
the run's players and never by anyone outside it, on every read path the TLP matrix
covers (one parametrized case per path), never in an export of real work, and never on
a peer not taking part. Also: mail injects through the real outbox, news for the
players, the exercise-only organizations of the directory (cache included), and the
players' `user` field."""
import json

import pytest

from conftest import Server, assert_error, run_kizuna, wait_for
from test_accounts import Browser, new_user
from test_exercises import delivered, role_org, setup_run

RUN_COUNT = "987654321"  # the count of a player's sighting, in the run, of an outsider's real indicator
# what the run makes: the incident inject's title word and indicators, and what the
# victim player makes for the run below
EXERCISE_MARKS = ["surgeries", "198.51.100.23", "update-c2.example", "single-exercise.example",
                  "bulk-exercise.example", "import-exercise.example", "norm-exercise-word",
                RUN_COUNT]
REAL = "real-control.example"  # real work by the same player: every path shows it
# the sightings a run made (made[...]): their ids never reach anyone outside it
RUN_SIGHTINGS = ("run_sighting", "run_ind_sighting")


# Every isolation check also against a server without the response cache, whose
# directory answers come from the row cache of each contact's JSON (and the viewer's
# SQL clause): the run's organizations must stay out of it there as well.
@pytest.fixture(params=[(), ("--no-response-cache",)], ids=["cached", "no-response-cache"])
def server(request, tmp_path):
    s = Server(tmp_path, request.param)
    yield s
    assert s.stop() == 0, "the server must exit 0 on SIGTERM"
    assert s.sanitizer_reports() == []


@pytest.fixture
def world(server):
    run, players = setup_run(server)
    ex = run["id"]
    victim = players["victim"]
    outsider = server.client(server.org("Real partner CSIRT", state="FR")["id"])
    assert server.admin.post(f"/exercises/{ex}/start").status_code == 200
    server.advance(10 * 60)
    wait_for("inject 3", lambda: delivered(server, ex, 3))
    partner = role_org(run, "partner-csirt")
    made = {}
    r = victim.post("/indicators", {"type": "domain", "value": "single-exercise.example", "tlp": "clear",
                                    "recipients": [partner]})
    assert r.status_code == 201 and r.json()["exercise"] == ex, r.text
    made["single"] = r.json()["id"]
    r = victim.post("/indicators/bulk", {"items": [
        {"type": "domain", "value": "bulk-exercise.example", "tlp": "clear", "exercise": ex}]})
    assert r.status_code in (200, 201), r.text
    r = victim.post("/indicators/import", data="type,value\ndomain,import-exercise.example\n",
                    params={"format": "csv", "tlp": "clear", "exercise": ex}, headers={"Content-Type": "text/csv"})
    assert r.status_code == 200 and r.json()["created"] == 1, r.text
    r = victim.post("/incidents", {"title": "norm-exercise-word", "rsit_type": "phishing", "tlp": "clear",
                                   "norms": ["c"], "exercise": ex})
    assert r.status_code == 201 and r.json()["exercise"] == ex, r.text
    made["incident"] = r.json()["id"]
    r = victim.post("/sightings", {"indicator": made["single"], "count": 3, "tlp": "clear",
                                   "recipients": [partner]})
    assert r.status_code == 201 and r.json()["exercise"] == ex, "a report of a run's indicator is the run's"
    made["run_ind_sighting"] = r.json()["id"]
    # a player's report, in the run, of real work: the run's, never counted as real
    r = outsider.post("/indicators", {"type": "domain", "value": "outsider-real.example", "tlp": "clear"})
    assert r.status_code == 201, r.text
    made["outsider_ind"] = r.json()["id"]
    r = victim.post("/sightings", {"indicator": made["outsider_ind"], "count": int(RUN_COUNT), "tlp": "clear",
                                   "first_seen": "2026-03-02T00:00:00Z", "last_seen": "2026-03-02T01:00:00Z",
                                   "exercise": ex})
    assert r.status_code == 201 and r.json()["exercise"] == ex, r.text
    made["run_sighting"] = r.json()["id"]
    r = outsider.post("/sightings", {"indicator": made["outsider_ind"], "count": 2, "tlp": "clear",
                                   "first_seen": "2026-03-01T00:00:00Z", "last_seen": "2026-03-01T01:00:00Z"})
    assert r.status_code == 201 and r.json()["exercise"] is None, r.text
    made["real_sighting"] = r.json()["id"]
    r = victim.post("/indicators", {"type": "domain", "value": REAL, "tlp": "clear"})
    assert r.status_code == 201 and r.json()["exercise"] is None, r.text
    made["real"] = r.json()["id"]
    r = victim.post("/incidents", {"title": "real control incident", "rsit_type": "phishing", "tlp": "clear",
                                   "norms": ["c"]})
    assert r.status_code == 201, r.text
    made["inject_incident"] = delivered(server, ex, 1)["object_id"]
    made["request"] = delivered(server, ex, 3)["object_id"]
    return server, run, players, outsider, made


def texts(client, path, params=None, **kw):
    r = client.get(path, params=params, **kw)
    assert r.status_code == 200, (path, r.text)
    return r.text


TAXII = {"Accept": "application/taxii+json;version=2.1"}


def taxii_all(client):
    cols = client.get("/taxii2/api/collections", headers=TAXII).json()["collections"]
    return "".join(texts(client, f"/taxii2/api/collections/{c['id']}/objects", headers=TAXII)
                   for c in cols if c["can_read"])  # a run's own collection is write-only


def cli_export(server, client, fmt):
    return run_kizuna("export", fmt, "--db", server.db, "--what", "all", "--key", client.key).stdout \
        if fmt == "json" else run_kizuna("export", fmt, "--db", server.db, "--key", client.key).stdout


# (path, read: (server, client, made) -> text, shows the real control object)
READ_PATHS = {
    "indicator list": (lambda s, c, m: texts(c, "/indicators", {"limit": 500}), True),
    "incident list": (lambda s, c, m: texts(c, "/incidents", {"limit": 500}), True),
    "indicator search": (lambda s, c, m: "".join(texts(c, "/indicators", {"q": q}) for q in (
        REAL, "single-exercise.example", "bulk-exercise.example", "198.51.100.23")), True),
    "incident search": (lambda s, c, m: texts(c, "/incidents", {"q": "control"}) +
                        texts(c, "/incidents", {"q": "norm-exercise-word"}), True),
    "label filter": (lambda s, c, m: texts(c, "/indicators", {"tlp": "clear"}), True),
    "incident links": (lambda s, c, m: "".join(c.get(f"/incidents/{m[k]}/indicators").text
                                              for k in ("inject_incident", "incident")), False),
    "detail": (lambda s, c, m: "".join(c.get(p).text for p in (
        f"/indicators/{m['single']}", f"/incidents/{m['incident']}", f"/incidents/{m['inject_incident']}",
        f"/requests/{m['request']}", f"/indicators/{m['real']}")), True),
    "stats": (lambda s, c, m: json.dumps([c.get(p).json() for p in ("/stats/incidents", "/stats/indicators",
                                                                     "/stats/requests", "/stats/checks")]), False),
    "sightings": (lambda s, c, m: texts(c, "/sightings") + c.get(f"/indicators/{m['single']}/sightings").text,
                  False),
    "sightings of real work": (lambda s, c, m: texts(c, f"/indicators/{m['outsider_ind']}/sightings") +
                               texts(c, "/sightings", {"observer": c.org}), False),
    "TAXII": (lambda s, c, m: taxii_all(c), True),
    "HTTP exports": (lambda s, c, m: "".join(texts(c, f"/{what}/export", {"format": f})
                                             for what in ("indicators", "incidents") for f in ("csv", "json")),
                     True),
    "HTTP STIX exports": (lambda s, c, m: "".join(texts(c, f"/{what}/export", {"format": "stix"})
                                                  for what in ("indicators", "incidents")), True),
    "kizuna export": (lambda s, c, m: cli_export(s, c, "json") + cli_export(s, c, "csv"), True),
    "kizuna export stix": (lambda s, c, m: cli_export(s, c, "stix"), True),
    "victims": (lambda s, c, m: texts(c, "/stats/victims"), False),
    "norm counts": (lambda s, c, m: texts(c, "/norms/c"), False),
}


@pytest.mark.parametrize("path", list(READ_PATHS))
def test_no_read_path_shows_a_run_to_anyone_outside_it(world, path):
    server, run, players, outsider, made = world
    read, shows_real = READ_PATHS[path]
    got = read(server, outsider, made)
    for mark in EXERCISE_MARKS:
        assert mark not in got, (path, mark)
    assert run["id"] not in got, path
    for k in RUN_SIGHTINGS:
        assert made[k] not in got, (path, k)
    if shows_real:
        assert REAL in got or made["real"] in got or "real control" in got, path


# the paths where the players see their run's objects (lists, detail, search, links):
# exports, statistics and feeds are of real work for them too
PLAYERS_SEE = {"label filter": ["single-exercise.example"],
               "indicator list": ["single-exercise.example", "bulk-exercise.example", "import-exercise.example"],
               "incident list": ["surgeries", "norm-exercise-word"],
               "indicator search": ["single-exercise.example"],
               "incident search": ["norm-exercise-word"],
               "incident links": ["198.51.100.23"],
               "detail": ["single-exercise.example", "norm-exercise-word", "surgeries"],
               "sightings of real work": [RUN_COUNT]}


@pytest.mark.parametrize("path", list(READ_PATHS))
def test_players_read_their_run_and_real_work_stays_real(world, path):
    server, run, players, outsider, made = world
    read, _ = READ_PATHS[path]
    got = read(server, players["victim"], made)
    for mark in PLAYERS_SEE.get(path, []):
        assert mark in got, (path, mark)
    if path not in PLAYERS_SEE:
        for mark in EXERCISE_MARKS:
            assert mark not in got, (path, mark)
        for k in RUN_SIGHTINGS:
            assert made[k] not in got, (path, k)


def test_a_runs_sightings_are_kept_apart_from_real_ones(world):
    server, run, players, outsider, made = world
    ex, victim = run["id"], players["victim"]
    # the source of the indicator reads the real report only
    total = outsider.get(f"/indicators/{made['outsider_ind']}/sightings").json()["total"]
    assert (total["count"], total["reports"]) == (2, 1), total
    # a player reads both; a user of no run reads the real one
    total = victim.get(f"/indicators/{made['outsider_ind']}/sightings").json()["total"]
    assert (total["count"], total["reports"]) == (int(RUN_COUNT) + 2, 2), total
    # TAXII and the STIX export of real work carry the real report, not the run's
    for got in (taxii_all(outsider), texts(outsider, "/indicators/export", {"format": "stix"}),
                texts(victim, "/indicators/export", {"format": "stix"})):
        assert f"sighting--{made['real_sighting']}" in got
        assert made["run_sighting"] not in got and made["run_ind_sighting"] not in got
    # the same period reported again as real work does not merge into the run's report
    r = victim.post("/sightings", {"indicator": made["outsider_ind"], "count": 1, "tlp": "clear",
                                   "first_seen": "2026-03-02T00:00:00Z", "last_seen": "2026-03-02T01:00:00Z"})
    assert_error(r, 409, "exercise")
    # an outsider cannot report into the run: the answer of a run that does not exist
    r = outsider.post("/sightings", {"indicator": made["outsider_ind"], "count": 1, "tlp": "clear", "exercise": ex})
    assert_error(r, 400, "exercise")
    # nor may a player's report of the run name a real partner
    r = victim.post("/sightings", {"indicator": made["single"], "count": 1, "tlp": "clear",
                                   "recipients": [outsider.org]})
    assert_error(r, 400, "recipients")
    total = victim.get(f"/indicators/{made['outsider_ind']}/sightings").json()["total"]
    assert total["reports"] == 2, "the refused reports wrote nothing"


def test_stats_count_real_work_only(world):
    server, run, players, outsider, made = world
    for who in (outsider, players["victim"], server.admin):
        assert who.get("/stats/indicators").json()["total"] == 2  # the real control, the outsider's
        assert who.get("/stats/incidents").json()["total"] == 1


def test_an_import_or_bulk_create_claims_for_the_run_and_refuses_what_leaves_it(world):
    server, run, players, outsider, made = world
    ex, victim = run["id"], players["victim"]
    listed = {i["value"]: i for i in victim.get("/indicators", params={"limit": 500}).json()["items"]}
    assert listed["bulk-exercise.example"]["exercise"] == ex
    assert listed["import-exercise.example"]["exercise"] == ex
    before = len(listed)
    # a bulk item naming a real partner as recipient of exercise material: nothing written
    r = victim.post("/indicators/bulk", {"items": [
        {"type": "domain", "value": "ok-exercise.example", "tlp": "clear", "exercise": ex},
        {"type": "domain", "value": "leak-exercise.example", "tlp": "amber", "exercise": ex,
         "recipients": [outsider.org]}]})
    assert_error(r, 400, "items[1].recipients")
    # an outsider's import into the run answers as for a run that does not exist
    r = outsider.post("/indicators/import", data="type,value\ndomain,intruder.example\n",
                      params={"format": "csv", "tlp": "clear", "exercise": ex}, headers={"Content-Type": "text/csv"})
    assert r.status_code == 400 and "exercise" in r.text, r.text
    assert len(victim.get("/indicators", params={"limit": 500}).json()["items"]) == before
    # exercise material never merges into real work of the same value
    r = victim.post("/indicators", {"type": "domain", "value": REAL, "tlp": "clear", "exercise": ex})
    assert_error(r, 409, "exercise")
    assert victim.get(f"/indicators/{made['real']}").json()["exercise"] is None
    # kizuna import stix --exercise: the bundle's report becomes an incident of the run
    bundle = {"type": "bundle", "id": "bundle--6a8a3b1e-0f51-4b0c-9a53-1d1b6f0a0001", "objects": [
        {"type": "report", "spec_version": "2.1", "id": "report--6a8a3b1e-0f51-4b0c-9a53-1d1b6f0a0002",
         "created": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z", "name": "stix-exercise-report",
         "published": "2026-01-01T00:00:00Z", "object_refs": ["indicator--6a8a3b1e-0f51-4b0c-9a53-1d1b6f0a0003"]},
        {"type": "indicator", "spec_version": "2.1", "id": "indicator--6a8a3b1e-0f51-4b0c-9a53-1d1b6f0a0003",
         "created": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z", "pattern_type": "stix",
         "pattern": "[domain-name:value = 'stix-exercise.example']", "valid_from": "2026-01-01T00:00:00Z"},
        {"type": "attack-pattern", "spec_version": "2.1", "id": "attack-pattern--6a8a3b1e-0f51-4b0c-9a53-1d1b6f0a0004",
         "created": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z", "name": "kept-exercise-object"}]}
    path = server.tmp / "exercise-bundle.json"
    path.write_text(json.dumps(bundle))
    run_kizuna("import", "stix", str(path), "--db", server.db, "--key", victim.key, "--exercise", ex)
    inc = next(i for i in victim.get("/incidents", params={"limit": 500}).json()["items"]
               if i["title"] == "stix-exercise-report")
    assert inc["exercise"] == ex
    ind = next(i for i in victim.get("/indicators", params={"limit": 500}).json()["items"]
               if i["value"] == "stix-exercise.example")
    assert ind["exercise"] == ex
    assert "stix-exercise" not in outsider.get("/incidents").text + outsider.get("/indicators").text
    # a kept object carries no exercise mark, so an import into a run refuses it
    assert "kept-exercise-object" not in taxii_all(outsider) + taxii_all(victim)


def test_a_player_adds_to_the_run_through_its_taxii_collection(world):
    server, run, players, outsider, made = world
    ex, victim = run["id"], players["victim"]
    post = {"Accept": TAXII["Accept"], "Content-Type": TAXII["Accept"]}
    cols = {c["id"]: c for c in victim.get("/taxii2/api/collections", headers=TAXII).json()["collections"]}
    assert ex in cols and cols[ex]["can_write"] and not cols[ex]["can_read"], cols.get(ex)
    assert cols[ex]["title"].startswith("EXERCISE") and run["title"] in cols[ex]["title"]
    assert ex not in outsider.get("/taxii2/api/collections", headers=TAXII).text
    indicator = {"type": "indicator", "spec_version": "2.1", "id": "indicator--7b1c2d3e-4f50-4a61-8b72-9c83d4e5f601",
                 "created": "2026-03-01T00:00:00Z", "modified": "2026-03-01T00:00:00Z", "pattern_type": "stix",
                 "pattern": "[domain-name:value = 'taxii-exercise.example']", "valid_from": "2026-03-01T00:00:00Z"}
    sighting = {"type": "sighting", "spec_version": "2.1", "id": "sighting--7b1c2d3e-4f50-4a61-8b72-9c83d4e5f602",
                "created": "2026-03-01T00:00:00Z", "modified": "2026-03-01T00:00:00Z", "count": 4,
                "sighting_of_ref": indicator["id"]}
    # someone outside the run gets the answer of a collection that does not exist
    missing = outsider.post("/taxii2/api/collections/7b1c2d3e-4f50-4a61-8b72-9c83d4e5f6ff/objects",
                            data=json.dumps({"objects": [indicator]}), headers=post)
    r = outsider.post(f"/taxii2/api/collections/{ex}/objects", data=json.dumps({"objects": [indicator]}), headers=post)
    assert r.status_code == missing.status_code == 404, r.text
    assert r.text.replace(ex, "X") == missing.text.replace("7b1c2d3e-4f50-4a61-8b72-9c83d4e5f6ff", "X")
    assert victim.get(f"/taxii2/api/collections/{ex}/objects", headers=TAXII).status_code == 403
    r = victim.post(f"/taxii2/api/collections/{ex}/objects", data=json.dumps({"objects": [indicator, sighting]}),
                    headers=post)
    assert r.status_code == 202 and r.json()["success_count"] == 2, r.text
    got = victim.get("/indicators", params={"q": "taxii-exercise.example"}).json()["items"]
    assert [(i["exercise"], i["tlp"]) for i in got] == [(ex, "amber")], got
    total = victim.get(f"/indicators/{got[0]['id']}/sightings").json()["total"]
    assert total["count"] == 4
    assert "taxii-exercise.example" not in outsider.get("/indicators", params={"limit": 500}).text
    assert "taxii-exercise.example" not in taxii_all(victim), "TAXII stays a feed of real work"
    # once the run is over its collection is gone
    assert server.admin.post(f"/exercises/{ex}/finish").status_code == 200
    assert ex not in victim.get("/taxii2/api/collections", headers=TAXII).text


def test_exercise_only_organizations_are_in_the_directory_of_the_run_only(world):
    server, run, players, outsider, made = world
    made_orgs = [p["organization"] for p in run["players"] if p["made"]]
    assert made_orgs
    for _ in range(2):  # the second answer comes from the cache
        seen = {o["id"] for o in outsider.get("/organizations", params={"limit": 500}).json()["items"]}
        assert not seen & set(made_orgs), "an outsider never sees a run's own organizations"
        assert outsider.org in seen
        for who in (players["victim"], server.admin):  # a player, the facilitator
            r = who.get("/organizations", params={"limit": 500})
            assert set(made_orgs) <= {o["id"] for o in r.json()["items"]}
        contacts = outsider.get("/contacts", params={"limit": 500}).json()["items"]
        assert not {c["organization"] for c in contacts} & set(made_orgs)
        # a player's list has them (rendered for it, or pasted from the row cache): the
        # same rows must never reach the outsider's list above, the first time or after
        theirs = players["victim"].get("/contacts", params={"limit": 500}).json()["items"]
        assert {c["organization"] for c in theirs} & set(made_orgs), "the run's contacts, to a player"
        r = outsider.get("/organizations", params={"limit": 500})
    if "--no-response-cache" not in server.args:
        assert r.headers.get("X-Kizuna-Cache") == "hit", "the plain directory stays cached"
    assert outsider.get(f"/organizations/{made_orgs[0]}").status_code == 404
    assert players["victim"].get(f"/organizations/{made_orgs[0]}").status_code == 200
    # nor does "who will see this" name them to an outsider
    r = outsider.post("/tlp/audience", {"tlp": "green"})
    assert r.status_code == 200, r.text
    assert outsider.org in r.text and not [o for o in made_orgs if o in r.text]
    assert all(o in players["victim"].post("/tlp/audience", {"tlp": "green"}).text for o in made_orgs)


def test_news_are_read_by_the_players_only(world):
    server, run, players, outsider, made = world
    ex = run["id"]
    news = players["victim"].get(f"/exercises/{ex}/news")
    assert news.status_code == 200, news.text
    items = news.json()["items"]
    assert [m["n"] for m in items] == [2] and items[0]["channel"] == "news"
    assert items[0]["banner"] == run["banner"] and items[0]["text"]
    assert players["origin"].get(f"/exercises/{ex}/news").json()["items"] == items, "news reach every player"
    assert server.admin.get(f"/exercises/{ex}/news").status_code == 200  # the facilitator
    assert_error(outsider.get(f"/exercises/{ex}/news"), 404, "exercise")
    assert server.anon.get(f"/exercises/{ex}/news").status_code == 401


def test_a_mail_inject_goes_out_through_the_outbox_in_the_contacts_language(mail_server, mailbox):
    run, players = setup_run(mail_server)
    ex = run["id"]
    victim = role_org(run, "victim-csirt")
    mail_server.contact(victim, "Victim duty officer", role="csirt", email="duty@victim.jp.example",
                        languages=["ja"])
    assert mail_server.admin.post(f"/exercises/{ex}/start").status_code == 200
    r = mail_server.admin.post(f"/exercises/{ex}/injects/4/trigger")  # the mail inject, early
    assert r.status_code == 200, r.text
    scenario = mail_server.admin.get(f"/scenarios/{run['scenario']}").json()
    inject = scenario["injects"][3]
    assert inject["channel"] == "mail"
    got = wait_for("the mail inject", lambda: [m for m in mailbox.to("duty@victim.jp.example")
                                               if scenario["banner_ja"] in m["Subject"]])
    body = got[0].get_body(("plain",)).get_content()
    assert inject["title_ja"] in got[0]["Subject"]
    assert body.startswith(scenario["banner_ja"]) and inject["text_ja"] in body
    # the origin player does not read the victim's mail; the facilitator does
    assert 4 not in [m["n"] for m in players["origin"].get(f"/exercises/{ex}/messages").json()["items"]]
    assert 4 in [m["n"] for m in mail_server.admin.get(f"/exercises/{ex}/messages").json()["items"]]


def test_a_player_assigned_as_a_user_is_that_user_only(server):
    victim = server.org("Victim CSIRT", state="JP")
    other = server.org("Other CSIRT", state="KR")
    aiko = new_user(server, "aiko@victim.jp.example", org=victim["id"])
    ken = new_user(server, "ken@victim.jp.example", org=victim["id"])
    stranger = new_user(server, "lee@other.kr.example", org=other["id"])
    scenario = "ransomware-university-hospital"
    before = len(server.admin.get("/exercises").json()["items"])
    for user in (stranger["id"], "00000000-0000-4000-8000-000000000000"):
        r = server.admin.post("/exercises", {"scenario": scenario, "players": [
            {"role": "victim-csirt", "organization": victim["id"], "user": user}]})
        assert_error(r, 400, "players[0].user")
    assert_error(server.admin.post("/exercises", {"scenario": scenario, "players": [
        {"role": "victim-csirt", "organization": victim["id"], "user": "not-a-uuid"}]}), 400, "players[0].user")
    assert len(server.admin.get("/exercises").json()["items"]) == before, "a refused run writes nothing"
    assert not [o for o in server.admin.get("/organizations", params={"limit": 500}).json()["items"]
                if o["name"].startswith("[EXERCISE]")]
    r = server.admin.post("/exercises", {"scenario": scenario, "players": [
        {"role": "victim-csirt", "organization": victim["id"], "user": aiko["id"]}]})
    assert r.status_code == 201, r.text
    ex = r.json()["id"]
    assert server.admin.post(f"/exercises/{ex}/start").status_code == 200
    incident = delivered(server, ex, 1)["object_id"]
    a, k = Browser(server), Browser(server)
    assert a.sign_in("aiko@victim.jp.example").status_code == 200
    assert k.sign_in("ken@victim.jp.example").status_code == 200
    assert a.get(f"/exercises/{ex}").status_code == 200
    assert a.get(f"/incidents/{incident}").status_code == 200
    assert k.get(f"/exercises/{ex}").status_code == 404, "another user of the organization does not play"
    assert k.get(f"/incidents/{incident}").status_code == 404
    assert server.client(victim["id"]).get(f"/incidents/{incident}").status_code == 404, \
        "nor does an API key of the organization"
    r = k.send("POST", "/indicators", {"type": "domain", "value": "ken.example", "tlp": "green", "exercise": ex})
    assert_error(r, 400, "exercise")
    r = a.send("POST", "/indicators", {"type": "domain", "value": "aiko.example", "tlp": "green", "exercise": ex})
    assert r.status_code == 201 and r.json()["exercise"] == ex, r.text


def test_a_runs_own_export_carries_its_banner_and_only_its_objects(world):
    server, run, players, outsider, made = world
    ex, victim, banner = run["id"], players["victim"], run["banner"]
    r = victim.get("/indicators/export", params={"format": "csv", "exercise": ex})
    assert r.status_code == 200, r.text
    lines = r.text.splitlines()
    assert lines[0] == f"# {banner}"
    assert "single-exercise.example" in r.text and REAL not in r.text
    r = victim.get("/incidents/export", params={"format": "json", "exercise": ex})
    doc = r.json()
    assert doc["exercise"] == ex and doc["banner"] == banner
    assert {i["exercise"] for i in doc["incidents"]} == {ex} and len(doc["incidents"]) >= 2
    r = victim.get("/indicators/export", params={"format": "stix", "exercise": ex})
    objs = r.json()["objects"]
    note = next(o for o in objs if o["type"] == "note")
    assert note["content"] == banner and note["id"] == f"note--{ex}"
    assert any(o["type"] == "identity" and o["id"] == note["object_refs"][0] for o in objs)
    assert "single-exercise.example" in r.text and REAL not in r.text
    sightings = {o["id"] for o in objs if o["type"] == "sighting"}
    assert sightings == {f"sighting--{made[k]}" for k in RUN_SIGHTINGS}, "the run's own reports, none of real work"
    out = run_kizuna("export", "json", "--db", server.db, "--what", "all", "--key", victim.key, "--exercise", ex)
    assert json.loads(out.stdout)["banner"] == banner
    rep = server.admin.get(f"/exercises/{ex}/report").json()
    assert banner in json.dumps(rep), "the after-action report carries the banner too"
    # someone outside the run gets the answer of a run that does not exist
    for fmt in ("csv", "json", "stix"):
        assert_error(outsider.get("/indicators/export", params={"format": fmt, "exercise": ex}), 404, "exercise")


def test_no_peer_receives_what_a_player_imported_or_bulk_created_for_a_run(federation):
    jp, cz = federation.jp, federation.cz
    federation.pair(jp, cz)
    federation.sync(jp, cz)
    run, players = setup_run(jp)
    ex, victim = run["id"], players["victim"]
    assert jp.admin.post(f"/exercises/{ex}/start").status_code == 200
    r = victim.post("/indicators/bulk", {"items": [
        {"type": "domain", "value": "bulk-exercise.example", "tlp": "clear", "exercise": ex},
        {"type": "domain", "value": "bulk-real.example", "tlp": "clear"}]})
    assert r.status_code in (200, 201), r.text
    r = victim.post("/indicators/import", data="type,value\ndomain,import-exercise.example\n",
                    params={"format": "csv", "tlp": "clear", "exercise": ex}, headers={"Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    real = victim.get("/indicators", params={"q": "bulk-real.example"}).json()["items"][0]["id"]
    for count, exercise, day in ((7, ex, "02"), (3, None, "01")):  # a report in the run, a real one
        r = victim.post("/sightings", {"indicator": real, "count": count, "tlp": "clear", "exercise": exercise,
                                       "first_seen": f"2026-03-{day}T00:00:00Z"})
        assert r.status_code == 201 and r.json()["exercise"] == exercise, r.text
    federation.sync(cz, jp)
    total = cz.admin.get(f"/indicators/{real}/sightings").json()["total"]
    assert (total["count"], total["reports"]) == (3, 1), "the real report travels, the run's stays home"
    seen = {i["value"] for i in cz.admin.get("/indicators", params={"limit": 500}).json()["items"]}
    assert "bulk-real.example" in seen, "the control object travels"
    assert not seen & {"bulk-exercise.example", "import-exercise.example", "198.51.100.23"}
    # nor the run's exercise-only organizations and their contacts
    orgs = cz.admin.get("/organizations", params={"limit": 500}).json()["items"]
    assert "Victim CSIRT" in {o["name"] for o in orgs}, "the real organizations travel"
    made = {p["organization"] for p in run["players"] if p["made"]}
    assert not made & {o["id"] for o in orgs} and not [o for o in orgs if o["name"].startswith("[EXERCISE]")]
    contacts = cz.admin.get("/contacts", params={"limit": 500}).json()["items"]
    assert not made & {c["organization"] for c in contacts}


def test_a_check_an_exercise_sends_carries_its_banner(mail_server, mailbox):
    run, players = setup_run(mail_server)
    ex = run["id"]
    assert mail_server.admin.post(f"/exercises/{ex}/start").status_code == 200
    assert mail_server.admin.post(f"/exercises/{ex}/injects/6/trigger").status_code == 200  # the check
    got = wait_for("the check's invitation", lambda: mailbox.to("poc@origin.de.example"))
    assert got[0]["Subject"].startswith(run["banner"]), got[0]["Subject"]
    assert got[0].get_body(("plain",)).get_content().startswith(run["banner"])


def test_a_real_check_of_the_directory_never_invites_a_runs_organizations(world):
    server, run, players, outsider, made = world
    scenario = server.admin.get(f"/scenarios/{run['scenario']}").json()
    made_roles = {p["role"]: p["organization"] for p in run["players"] if p["made"]}
    role = next(r for r in scenario["roles"] if r["id"] in made_roles)
    real = server.org("Real CSIRT of the same state", state=role["state"])
    server.contact(real["id"], "Real duty officer", role=role["contact_role"])
    r = outsider.post("/checks", {"state": role["state"], "role": role["contact_role"]})
    assert r.status_code == 201, r.text
    invited = {c["contact"] for c in r.json()["contacts"]}
    run_contacts = {c["id"] for c in players["victim"].get(
        "/contacts", params={"organization": made_roles[role["id"]]}).json()["items"]}
    assert run_contacts, "the run's organization has its contact"
    assert invited and not invited & run_contacts


def test_kizuna_import_misp_into_a_run_claims_its_events_and_attributes(world):
    server, run, players, outsider, made = world
    ex, victim = run["id"], players["victim"]
    feed = __import__("pathlib").Path(__file__).parent / "data" / "misp"
    r = run_kizuna("import", "misp", "--db", server.db, "--log-level", "warn", "--key", victim.key,
                   "--exercise", ex, str(feed), check=False)
    assert r.returncode == 0, r.stderr
    mine = victim.get(f"/incidents/{'5f1e2d3c-0a1b-4c2d-8e3f-4a5b6c7d8e01'}")
    assert mine.status_code == 200 and mine.json()["exercise"] == ex, mine.text
    linked = victim.get("/incidents/5f1e2d3c-0a1b-4c2d-8e3f-4a5b6c7d8e01/indicators").json()["items"]
    assert linked and {i["exercise"] for i in linked} == {ex}
    assert outsider.get("/incidents/5f1e2d3c-0a1b-4c2d-8e3f-4a5b6c7d8e01").status_code == 404
    assert not {i["value"] for i in linked} & {i["value"] for i in outsider.get(
        "/indicators", params={"limit": 500}).json()["items"]}


def test_telemetry_matched_by_a_runs_organization_is_the_runs(server, tmp_path):
    run, players = setup_run(server)
    ex = run["id"]
    assert server.admin.post(f"/exercises/{ex}/start").status_code == 200
    made = next(p["organization"] for p in run["players"] if p["made"])
    player = server.client(made)  # a key of the run's own organization: its telemetry is the run's
    r = server.admin.post("/indicators", {"type": "domain", "value": "real-phish.example", "tlp": "green"})
    assert r.status_code == 201, r.text
    real = r.json()["id"]
    line = "%d.000 1 10.0.0.%d TCP_MISS/200 1 GET http://real-phish.example/ - HIER_DIRECT/192.0.2.1 -"
    (tmp_path / "proxy.log").write_text("".join(line % (1767225600, n) + "\n" for n in (1, 2)))
    r = run_kizuna("match", "--db", server.db, "--key", player.key, "--summary", "json", tmp_path / "proxy.log")
    summary = json.loads(r.stderr.strip().splitlines()[-1])
    assert summary["sightings"] == 1 and summary["victims_added"] == 2, summary
    mine = player.get(f"/indicators/{real}/sightings").json()["total"]
    assert mine["count"] == 2, "the run's organization reads its report"
    def sightings(params):  # the facilitator's STIX exports: of real work, of the run
        r = server.admin.get("/indicators/export", params={"format": "stix", **params})
        assert r.status_code == 200, r.text
        return [o for o in r.json()["objects"] if o["type"] == "sighting"]
    assert sightings({}) == [], "the report of a run's telemetry is no real work"
    assert [o["sighting_of_ref"] for o in sightings({"exercise": ex})] == [f"indicator--{real}"]
    assert not [x for x in player.get("/stats/victims", params={"period": "month"}).json()["rows"] if x["victims"]], \
        "victim statistics count real work only"
