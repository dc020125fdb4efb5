"""Incidents linked to the norms of A/70/174 (issue 15, point 1) against a real server:
the `norms` field on create, update and read, its validation, the exports that carry it,
and a norm's page that lists and counts the incidents under TLP, so that an organization
outside an incident's audience neither sees it nor finds it in a count."""
import csv
import io
import json

from conftest import assert_error, run_kizuna


def incident(client, **kw):
    body = {"title": "Wiper at a power utility", "rsit_type": "system-compromise", "tlp": "clear", **kw}
    r = client.post("/incidents", body)
    assert r.status_code == 201, r.text
    return r.json()


def test_norms_on_create_update_and_read(server):
    jp = server.org("JPCERT/CC", "JP")
    a = server.client(jp["id"])
    o = incident(a, norms=["h", "f"])
    assert o["norms"] == ["f", "h"]                     # in letter order
    assert a.get(f"/incidents/{o['id']}").json()["norms"] == ["f", "h"]
    r = a.patch(f"/incidents/{o['id']}", {"norms": ["g"]})
    assert r.status_code == 200, r.text
    assert r.json()["norms"] == ["g"]
    # a change of another field keeps the norms
    assert a.patch(f"/incidents/{o['id']}", {"status": "contained"}).json()["norms"] == ["g"]
    assert a.patch(f"/incidents/{o['id']}", {"norms": []}).json()["norms"] == []
    assert incident(a)["norms"] == []
    assert [i["norms"] for i in a.get("/incidents").json()["items"]] == [[], []]


def test_an_unknown_norm_names_the_field_and_writes_nothing(server):
    jp = server.org("JPCERT/CC", "JP")
    a = server.client(jp["id"])
    before = len(a.get("/incidents").json()["items"])
    for bad, field in ((["z"], "norms[0]"), (["h", "budapest-29"], "norms[1]"), ("h", "norms"),
                       ([1], "norms[0]"), (["h", "h"], "norms"), (list("abcdefghijkl"), "norms")):
        assert_error(a.post("/incidents", {"title": "x", "rsit_type": "phishing", "tlp": "clear", "norms": bad}),
                     400, field)
    assert len(a.get("/incidents").json()["items"]) == before
    o = incident(a, norms=["c"])
    assert_error(a.patch(f"/incidents/{o['id']}", {"norms": ["l"]}), 400, "norms[0]")
    assert a.get(f"/incidents/{o['id']}").json()["norms"] == ["c"]


def test_exports_carry_the_norms(server, tmp_path):
    a = server.admin
    inc = a.post("/incidents", {"title": "Supply-chain implant", "rsit_type": "system-compromise", "tlp": "green",
                                "norms": ["i", "c"]}).json()
    j = json.loads(run_kizuna("export", "json", "--db", server.db, "--what", "incidents").stdout)
    assert [(i["id"], i["norms"]) for i in j["incidents"]] == [(inc["id"], ["c", "i"])]
    rows = list(csv.DictReader(io.StringIO(run_kizuna("export", "csv", "--db", server.db, "--what", "incidents").stdout)))
    assert [r["norms"] for r in rows] == ["c i"]
    st = a.get("/incidents/export", params={"format": "stix"}).json()
    reports = [o for o in st["objects"] if o["type"] == "report"]
    assert [r["x_kizuna_incident"]["norms"] for r in reports] == [["c", "i"]]


def test_a_norm_page_lists_and_counts_incidents_under_tlp(server):
    jp = server.org("JPCERT/CC", "JP")
    kr = server.org("KrCERT/CC", "KR")
    fr = server.org("CERT-FR", "FR")
    a, partner, outsider = server.client(jp["id"]), server.client(kr["id"]), server.client(fr["id"])
    clear = incident(a, title="Public wiper", states=["JP"], norms=["f"], occurred="2026-02-01T00:00:00Z")
    amber = incident(a, title="Amber wiper", tlp="amber", recipients=[kr["id"]], states=["JP", "KR"],
                     norms=["f", "h"], occurred="2026-03-01T00:00:00Z")
    red = incident(a, title="Red wiper", tlp="red", recipients=[kr["id"]], states=["KR"], norms=["f"],
                   occurred="2026-04-01T00:00:00Z")
    incident(a, title="Another norm", norms=["g"], occurred="2026-04-02T00:00:00Z")

    mine = a.get("/norms/f").json()
    assert [i["id"] for i in mine["incidents"]] == [red["id"], amber["id"], clear["id"]]  # newest first
    first = mine["incidents"][0]
    assert first["title"] == "Red wiper" and first["tlp"] == "red" and first["status"] == "open"
    assert first["reporter_state"] == "JP" and first["states"] == ["KR"]
    assert first["occurred"] == "2026-04-01T00:00:00.000Z"
    assert mine["counts"]["incidents"] == [{"state": "JP", "year": 2026, "reported": 3, "affected": 2},
                                           {"state": "KR", "year": 2026, "reported": 0, "affected": 2}]
    # the named recipient sees and counts all three
    theirs = partner.get("/norms/f").json()
    assert [i["id"] for i in theirs["incidents"]] == [red["id"], amber["id"], clear["id"]]
    assert theirs["counts"]["incidents"] == mine["counts"]["incidents"]
    # an organization outside the RED and AMBER audience neither sees them nor counts them
    third = outsider.get("/norms/f").json()
    assert [i["id"] for i in third["incidents"]] == [clear["id"]]
    assert "Red wiper" not in json.dumps(third) and "Amber wiper" not in json.dumps(third)
    assert third["counts"]["incidents"] == [{"state": "JP", "year": 2026, "reported": 1, "affected": 1}]
    # norm (h): the AMBER incident alone, so nothing at all for the outsider
    assert [i["id"] for i in a.get("/norms/h").json()["incidents"]] == [amber["id"]]
    h = outsider.get("/norms/h").json()
    assert h["incidents"] == [] and h["counts"]["incidents"] == []


def test_red_and_amber_incidents_are_invisible_and_uncounted_for_an_outsider(server):
    jp = server.org("JPCERT/CC", "JP")
    kr = server.org("KrCERT/CC", "KR")
    fr = server.org("CERT-FR", "FR")
    a, outsider = server.client(jp["id"]), server.client(fr["id"])
    for tlp in ("red", "amber", "amber+strict"):
        incident(a, title=f"Hidden {tlp}", tlp=tlp, recipients=[kr["id"]], states=["JP"], norms=["k"])
    mine = a.get("/norms/k").json()
    assert len(mine["incidents"]) == 3 and mine["counts"]["incidents"][0]["reported"] == 3
    theirs = outsider.get("/norms/k").json()
    assert theirs["incidents"] == [] and theirs["counts"]["incidents"] == []
    # the outsider's own incident about the same norm is the one it sees and counts
    own = incident(outsider, title="Visible", states=["FR"], norms=["k"])
    theirs = outsider.get("/norms/k").json()
    assert [i["id"] for i in theirs["incidents"]] == [own["id"]]
    assert theirs["counts"]["incidents"] == [{"state": "FR", "year": int(own["occurred"][:4]),
                                              "reported": 1, "affected": 1}]


def test_the_norm_filter_of_the_incident_list_under_tlp(server):
    jp = server.org("JPCERT/CC", "JP")
    kr = server.org("KrCERT/CC", "KR")
    fr = server.org("CERT-FR", "FR")
    a, partner, outsider = server.client(jp["id"]), server.client(kr["id"]), server.client(fr["id"])
    clear_f = incident(a, title="Public wiper", norms=["f"])
    amber_fh = incident(a, title="Amber wiper", tlp="amber", recipients=[kr["id"]], norms=["f", "h"])
    red_h = incident(a, title="Red wiper", tlp="red", recipients=[kr["id"]], norms=["h"])
    incident(a, title="No norm")

    def ids(client, **params):
        r = client.get("/incidents", params=params)
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    assert ids(a, norm="f") == [clear_f["id"], amber_fh["id"]]
    assert ids(a, norm="h") == [amber_fh["id"], red_h["id"]]
    assert ids(a, norm="h", tlp="red") == [red_h["id"]]          # combined with another filter
    assert ids(a, norm="k") == []
    assert ids(partner, norm="h") == [amber_fh["id"], red_h["id"]]
    # the outsider finds only what TLP lets it see, even by the norm of a hidden incident
    assert ids(outsider, norm="f") == [clear_f["id"]]
    assert ids(outsider, norm="h") == []
    # the statistics and the export take the same filter
    st = a.get("/stats/incidents", params={"norm": "h"}).json()
    assert st["total"] == 2 and st["by"]["status"] == {"open": 2}, st
    assert outsider.get("/stats/incidents", params={"norm": "h"}).json()["total"] == 0
    ex = a.get("/incidents/export", params={"format": "json", "norm": "f"})
    assert ex.status_code == 200, ex.text
    assert sorted(i["id"] for i in ex.json()["incidents"]) == sorted([clear_f["id"], amber_fh["id"]])
    # a letter outside (a)-(k), or a norm named otherwise, is refused naming the field
    for bad in ("z", "l", "H", "ab", "budapest-29", ""):
        assert_error(a.get("/incidents", params={"norm": bad}), 400, "norm")
