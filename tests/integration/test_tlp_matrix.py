"""TLP 2.0 on every read path, as a matrix: role (viewer, analyst, admin) x label (clear,
green, amber, amber+strict, red) x relation of the viewer's organization to the object
(source, recipient, other member, client of the node, anonymous) x read path (get, list,
search, incident links, counts, sightings, and kizuna export json and csv). Each cell asserts exactly which
objects the viewer sees, and that counts and sums say no more than the lists.

The node's own organization holds the admin key, so its relation changes with the data
set: it is the source of one set, a recipient of another and a stranger to the third.
"""
import csv
import io
import json

import pytest

from conftest import run_kizuna

LABELS = ["clear", "green", "amber", "amber+strict", "red"]
RELATIONS = ["source", "recipient", "other", "client", "anonymous"]

# The rule, written out: which relations see an object of each label. A client of the
# node sees AMBER only when the source allows clients and the node's organization is
# itself the source or a recipient.
SEES = {
    "clear": {"source", "recipient", "other", "client", "anonymous"},
    "green": {"source", "recipient", "other", "client"},
    "amber": {"source", "recipient"},
    "amber+strict": {"source", "recipient"},
    "red": {"source", "recipient"},
}


def expected(label, relation, allow_clients, node_involved):
    if label == "amber" and relation == "client" and allow_clients and node_involved:
        return True
    return relation in SEES[label]


@pytest.fixture
def world(make_server):
    s = make_server(extra_args=["--public"])
    node = s.admin.org
    orgs = {name: s.org(f"{name} org", st)["id"] for name, st in
            [("S", "JP"), ("R", "SG"), ("O", "FR"), ("C", "JP")]}
    assert s.admin.patch(f"/organizations/{orgs['C']}", {"client": True}).json()["client"] is True
    keys = {}
    for rel, org in [("source", "S"), ("recipient", "R"), ("other", "O"), ("client", "C")]:
        for role in ("viewer", "analyst"):
            keys[(role, rel, org)] = s.client(orgs[org], role)
    writer_s = s.client(orgs["S"], "analyst")
    # three data sets; the node is the source, a recipient, or uninvolved
    sets = {
        "node-source": (node, [orgs["R"]], s.admin),
        "node-recipient": (orgs["S"], [orgs["R"], node], writer_s),
        "node-other": (orgs["S"], [orgs["R"]], writer_s),
    }
    objects = []   # (set, label, allow_clients, incident id, indicator id, value)
    n = 0
    for set_name, (source, recipients, writer) in sets.items():
        for label in LABELS:
            for allow in (False, True):
                n += 1
                inc = writer.post("/incidents", {"title": f"matrix {set_name} {label} {allow}",
                                                 "description": "matrixword", "rsit_type": "phishing",
                                                 "tlp": label, "recipients": recipients,
                                                 "allow_clients": allow})
                assert inc.status_code == 201, inc.text
                value = f"m{n}.matrix.example"
                ind = writer.post("/indicators", {"type": "domain", "value": value, "tlp": label,
                                                  "recipients": recipients, "allow_clients": allow,
                                                  "incidents": [inc.json()["id"]]})
                assert ind.status_code == 201, ind.text
                assert ind.json()["source"] == source
                sig = writer.post("/sightings", {"indicator": ind.json()["id"], "count": 1, "tlp": label,
                                                 "recipients": recipients, "allow_clients": allow})
                assert sig.status_code == 201, sig.text
                objects.append((set_name, label, allow, inc.json()["id"], ind.json()["id"], value))
    return s, orgs, keys, objects


def viewers(s, keys):
    """(role, relation-in-set function, client) for every viewer of the matrix."""
    out = []
    for (role, rel, _org), c in keys.items():
        # organization S is the source of two sets; the node itself is the source of the third
        out.append((role, lambda set_name, rel=rel: "other" if rel == "source" and set_name == "node-source"
                    else rel, c))
    node_rel = {"node-source": "source", "node-recipient": "recipient", "node-other": "other"}
    out.append(("admin", lambda set_name: node_rel[set_name], s.admin))
    out.append(("anonymous", lambda set_name: "anonymous", s.anon))
    return out


def all_pages(client, path, params=None):
    items, cursor = [], None
    while True:
        q = dict(params or {}, limit=7)
        if cursor:
            q["cursor"] = cursor
        r = client.get(path, q)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next"]
        if not cursor:
            return items


def test_matrix(world, tmp_path):
    s, orgs, keys, objects = world
    for role, relation_in, c in viewers(s, keys):
        want = [o for o in objects
                if expected(o[1], relation_in(o[0]), o[2], o[0] in ("node-source", "node-recipient"))]
        want_inc = {o[3] for o in want}
        want_ind = {o[4] for o in want}
        who = f"{role} {relation_in('node-other')}/{relation_in('node-source')}"

        # get: visible objects answer 200, the others 404 exactly as if they did not exist
        for o in objects:
            for path, oid, wanted in ((f"/incidents/{o[3]}", o[3], want_inc), (f"/indicators/{o[4]}", o[4], want_ind)):
                r = c.get(path)
                if oid in wanted:
                    assert r.status_code == 200, (who, o, r.text)
                else:
                    assert r.status_code == 404, (who, o, r.status_code)
                    assert "no " in r.json()["error"]["message"] and oid in r.json()["error"]["message"]

        # list and search
        assert {i["id"] for i in all_pages(c, "/incidents")} == want_inc, who
        assert {i["id"] for i in all_pages(c, "/incidents", {"q": "matrixword"})} == want_inc, who
        assert {i["id"] for i in all_pages(c, "/indicators")} == want_ind, who
        assert {i["id"] for i in all_pages(c, "/indicators", {"q": "matrix.example"})} == want_ind, who
        for label in LABELS:
            assert {i["id"] for i in all_pages(c, "/indicators", {"tlp": label})} == \
                {o[4] for o in want if o[1] == label}, (who, label)

        # links between the two: only visible incidents are named, only visible indicators listed
        for i in all_pages(c, "/indicators"):
            assert set(i["incidents"]) <= want_inc, who
            o = next(o for o in objects if o[4] == i["id"])
            assert i["incidents"] == ([o[3]] if o[3] in want_inc else []), who
        for o in want:
            linked = {i["id"] for i in all_pages(c, f"/incidents/{o[3]}/indicators")}
            assert linked == ({o[4]} & want_ind), who

        # counts and statistics: exactly the visible objects, per label too
        st = c.get("/stats/incidents").json()
        assert st["total"] == len(want_inc), who
        assert sum(st["by"]["tlp"].values()) == len(want_inc)
        for label in LABELS:
            assert st["by"]["tlp"].get(label, 0) == sum(1 for o in want if o[1] == label), (who, label)
        st = c.get("/stats/indicators").json()
        assert st["total"] == len(want_ind) and st["by"]["type"].get("domain", 0) == len(want_ind), who

        # sightings: the sums count only reports the viewer may see (each has the same
        # label as its indicator here), of indicators the viewer may see
        sums = all_pages(c, "/sightings")
        assert {x["indicator"] for x in sums} == want_ind, who
        assert sum(x["count"] for x in sums) == len(want_ind), who
        for o in objects:
            r = c.get(f"/indicators/{o[4]}/sightings")
            assert r.status_code == (200 if o[4] in want_ind else 404), who
            if r.status_code == 200:
                assert r.json()["total"]["count"] == 1, who

        # export: kizuna export with the viewer's key writes exactly what it may see
        # (without a key the CLI acts as the node, which the admin rows already cover)
        if c.key:
            out = json.loads(run_kizuna("export", "json", "--db", s.db, "--what", "all", "--key", c.key).stdout)
            assert {i["id"] for i in out["incidents"]} == want_inc, who
            assert {i["id"] for i in out["indicators"]} == want_ind, who
            assert all(set(i["incidents"]) <= want_inc for i in out["indicators"]), who
            lines = run_kizuna("export", "csv", "--db", s.db, "--key", c.key).stdout.splitlines()
            assert {row["id"] for row in csv.DictReader(lines)} == want_ind, who


def test_without_public_anonymous_callers_read_nothing(server):
    server.admin.post("/indicators", {"type": "domain", "value": "clear.example", "tlp": "clear"})
    for path in ("/indicators", "/incidents", "/stats/indicators", "/stats/incidents", "/sightings"):
        assert server.anon.get(path).status_code == 401, path
