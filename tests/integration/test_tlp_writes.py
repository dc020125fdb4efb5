"""TLP on the write paths: the matrix's write dimension and the attacks of issue 10.

The rules (docs/ARCHITECTURE.md, "Sharing rules on writes"): a write never reveals
anything a read would not — its answer, status, counts and errors are the same for an
object the writer may not see as for one that does not exist; a write never lowers the
label or widens the recipients of an object the writer's organization does not own; a
lowering or widening is never implicit (a merge keeps the stricter label unless the
source says "declassify"), and it is audited.

The matrix: every write path (REST, bulk, CSV, STIX, TAXII POST, MISP) x role (the node
admin, an analyst of a third organization) x target (the writer's own object, another
organization's visible object, another organization's invisible object, a value that
does not exist). Each cell compares the answer with the one for a value that does not
exist and checks that what the owner, its recipient and a third party read is unchanged.
The attacks follow, one test per finding, written as the request, the leak that was
observed, and the refusal now expected.
"""
import base64
import json
import re
import shutil
import uuid

import pytest

from conftest import assert_error, run_kizuna

TAXII = "application/taxii+json;version=2.1"
TLP2 = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
T0 = "2026-02-01T10:00:00.000Z"


class World:
    """A --public node (its admin's organization N) and three member organizations:
    B owns the objects under attack, R is B's recipient, T is a third party."""

    def __init__(self, s):
        self.s = s
        self.N = s.admin.org
        self.B = s.org("Owner CSIRT", "FR")["id"]
        self.R = s.org("Recipient CSIRT", "SG")["id"]
        self.T = s.org("Third CSIRT", "DE")["id"]
        self.b = s.client(self.B)
        self.r = s.client(self.R)
        self.t = s.client(self.T)
        self.n = 0

    def fresh(self, what="v"):
        self.n += 1
        return f"{what}{self.n}-{uuid.uuid4().hex[:8]}.writes.example"

    def indicator(self, writer, value, tlp, recipients=(), description="the owner's words", **kw):
        r = writer.post("/indicators", {"type": "domain", "value": value, "tlp": tlp,
                                        "recipients": list(recipients), "description": description,
                                        "confidence": 90, **kw})
        assert r.status_code == 201, r.text
        return r.json()

    def reads(self, ind_id):
        """What the owner, its recipient and the third party read of one indicator."""
        out = {}
        for name, c in (("B", self.b), ("R", self.r), ("T", self.t), ("anon", self.s.anon)):
            r = c.get(f"/indicators/{ind_id}")
            out[name] = (r.status_code, r.json() if r.status_code == 200 else None)
        return out

    def taxii(self, key=None):
        sess = Taxii(self.s.base, key)
        return sess


class Taxii:
    def __init__(self, base, key=None):
        import requests
        self.base = base
        self.s = requests.Session()
        self.s.headers["Accept"] = TAXII
        if key:
            self.s.auth = ("kizuna", key)

    def get(self, path, **params):
        return self.s.get(self.base + path, params=params, timeout=30)

    def post(self, path, body):
        return self.s.post(self.base + path, data=json.dumps(body), headers={"Content-Type": TAXII}, timeout=30)

    def collection(self, title):
        r = self.get("/taxii2/api/collections/")
        assert r.status_code == 200, r.text
        return {c["title"]: c["id"] for c in r.json()["collections"]}[title]

    def objects(self, title, **params):
        r = self.get(f"/taxii2/api/collections/{self.collection(title)}/objects/", **params)
        assert r.status_code == 200, r.text
        return r.json()

    def all_objects(self, title):
        items, nxt = [], None
        while True:
            page = self.objects(title, limit=50, **({"next": nxt} if nxt else {}))
            items += page.get("objects", [])
            if not page.get("more"):
                return items
            nxt = page["next"]


@pytest.fixture
def world(make_server):
    return World(make_server(extra_args=["--public"]))


def stix_indicator(value, tlp=None, creator=None, sid=None, modified=T0, **kw):
    o = {"type": "indicator", "spec_version": "2.1", "id": sid or f"indicator--{uuid.uuid4()}",
         "created": T0, "modified": modified, "name": value, "pattern_type": "stix",
         "pattern": f"[domain-name:value = '{value}']", "valid_from": "2026-02-01T10:00:00Z",
         "description": "written by the attacker", **kw}
    if tlp:
        o["object_marking_refs"] = [TLP2[tlp]]
    if creator:
        o["created_by_ref"] = f"identity--{creator}"
    return o


def stix_report(rid, title, refs=(), tlp=None, creator=None, modified=T0):
    o = {"type": "report", "spec_version": "2.1", "id": rid, "created": T0, "modified": modified,
         "name": title, "published": T0, "report_types": ["threat-report"], "object_refs": list(refs)}
    if tlp:
        o["object_marking_refs"] = [TLP2[tlp]]
    if creator:
        o["created_by_ref"] = f"identity--{creator}"
    return o


# ---- the write paths: each writes one domain indicator and returns its normalized answer

def numbers(text):
    """The counts of an importer's summary, without file names and timings."""
    text = re.sub(r"\(\d+\.\d s, \d+ records/s\)", "", text)
    text = re.sub(r"^\S+: (\d+ records)", r"\1", text, flags=re.M)
    return text.strip()


def via_rest(w, actor, value, source, tlp, declassify, tmp):
    body = {"type": "domain", "value": value, "tlp": tlp, "description": "written by the attacker",
            "confidence": 10}
    if source:
        body["source"] = source
    if declassify:
        body["declassify"] = True
    r = actor.post("/indicators", body)
    j = r.json()
    if r.status_code >= 400:
        return (r.status_code, j["error"]["code"], j["error"]["field"], j["error"]["message"])
    return (r.status_code, j["result"], j["tlp"], j["description"], j["confidence"], j["recipients"], j["source"],
            j["incidents"])


def via_bulk(w, actor, value, source, tlp, declassify, tmp):
    item = {"type": "domain", "value": value, "tlp": tlp, "description": "written by the attacker"}
    if source:
        item["source"] = source
    if declassify:
        item["declassify"] = True
    r = actor.post("/indicators/bulk", {"items": [item]})
    j = r.json()
    if r.status_code >= 400:
        return (r.status_code, j["error"]["code"], j["error"]["field"], j["error"]["message"])
    return (r.status_code, j["created"], j["merged"], j["unchanged"], j["items"][0]["result"])


def cli(w, actor, *args):
    key = () if actor is w.s.admin else ("--key", actor.key)
    r = run_kizuna(*args[:2], "--db", w.s.db, "--log-level", "warn", *key, *args[2:], check=False)
    err = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "ID", r.stderr)
    return (r.returncode, numbers(r.stdout), err)


def via_csv(w, actor, value, source, tlp, declassify, tmp):
    f = tmp / "write.csv"
    f.write_text(f"type,value,description\ndomain,{value},written by the attacker\n")
    args = ["import", "csv", "--tlp", tlp, *(["--source", source] if source else []),
            *(["--allow-declassify"] if declassify else []), str(f)]
    return cli(w, actor, *args)


def via_stix(w, actor, value, source, tlp, declassify, tmp):
    f = tmp / "write.json"
    f.write_text(json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}",
                             "objects": [stix_indicator(value, tlp, creator=source)]}))
    args = ["import", "stix", "--tlp", tlp, *(["--source", source] if source else []),
            *(["--allow-declassify"] if declassify else []), str(f)]
    return cli(w, actor, *args)


def via_misp(w, actor, value, source, tlp, declassify, tmp):
    d = tmp / "misp"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir()
    ev = str(uuid.uuid4())
    tag = "white" if tlp == "clear" else tlp
    (d / "manifest.json").write_text(json.dumps({ev: {"info": "e", "timestamp": 1772380800}}))
    (d / f"{ev}.json").write_text(json.dumps({"Event": {
        "uuid": ev, "info": "attacker's event", "date": "2026-03-01", "timestamp": "1772380800",
        "Tag": [{"name": f"tlp:{tag}"}],
        "Attribute": [{"uuid": str(uuid.uuid4()), "type": "domain", "category": "Network activity",
                       "value": value, "distribution": "5", "timestamp": "1772380800"}]}}))
    args = ["import", "misp", "--tlp", tlp, *(["--source", source] if source else []),
            *(["--allow-declassify"] if declassify else []), str(d)]
    return cli(w, actor, *args)


def via_taxii(w, actor, value, source, tlp, declassify, tmp):
    c = Taxii(w.s.base, actor.key)
    title = {"clear": "TLP:CLEAR", "green": "TLP:GREEN", "amber": "TLP:AMBER", "red": "TLP:RED"}[tlp]
    r = c.post(f"/taxii2/api/collections/{c.collection(title)}/objects/",
               {"objects": [stix_indicator(value, tlp, creator=source)]})
    st = r.json()
    return (r.status_code, st.get("status"), st.get("success_count"), st.get("failure_count"),
            [f.get("message") for f in st.get("failures", [])])


PATHS = {"rest": via_rest, "bulk": via_bulk, "csv": via_csv, "stix": via_stix, "misp": via_misp,
         "taxii": via_taxii}


def test_write_matrix(world, tmp_path):
    w = world
    red = w.indicator(w.b, w.fresh("red"), "red", [w.R])            # B's, invisible to N and T
    green = w.indicator(w.b, w.fresh("green"), "green")              # B's, visible to everyone
    own_n = w.indicator(w.s.admin, w.fresh("own"), "amber", [w.R])  # N's own
    own_t = w.indicator(w.t, w.fresh("own"), "amber", [w.R])        # T's own
    watched = [red, green, own_n, own_t]
    before = {o["id"]: w.reads(o["id"]) for o in watched}

    def sharing(o):
        """What a write by someone else may not change: the label, who reads it, the list."""
        return {k: (st, v and (v["tlp"], v["recipients"], v["source"])) for k, (st, v) in w.reads(o["id"]).items()}

    shared_before = sharing(green)
    actors = {"admin": (w.s.admin, own_n), "analyst": (w.t, own_t)}
    for path, write in PATHS.items():
        for role, (actor, own) in actors.items():
            other = own_t if own is own_n else own_n
            other_before = w.reads(other["id"])
            # TAXII and the importers take the source from created_by_ref / --source;
            # the admin acts for B, the analyst tries to
            for declassify in (False, True):
                if path == "taxii" and declassify:
                    continue  # TAXII has no way to ask for it: never declassifies
                cell = f"{path} {role} declassify={declassify}"
                # another organization's invisible object answers as a value that does not exist
                hidden = write(w, actor, red["value"], w.B, "green", declassify, tmp_path)
                new = write(w, actor, w.fresh("new"), w.B, "green", declassify, tmp_path)
                assert hidden == new, cell
                # another organization's visible object is never lowered by a non-owner
                write(w, actor, green["value"], w.B, "clear", declassify, tmp_path)
                # the writer's own object: a merge keeps the stricter label unless declassify
                write(w, actor, own["value"], None, "amber", False, tmp_path)
                # hidden and other writers' objects: not a byte changed; the visible one
                # of B may be written (an admin may), but never lowered or widened
                assert w.reads(red["id"]) == before[red["id"]], f"{cell}: the hidden indicator changed"
                assert w.reads(other["id"]) == other_before, f"{cell}: another writer's indicator changed"
                assert sharing(green) == shared_before, cell
            # the owner asking in so many words is the one way down (and it is audited)
            if path != "taxii":
                write(w, actor, own["value"], None, "clear", False, tmp_path)
                got = actor.get(f"/indicators/{own['id']}").json()
                assert got["tlp"] == "amber", f"{path} {role}: an implicit merge lowered the label"
    # the one explicit declassification of each kind shows in the audit chain
    r = w.s.admin.post("/indicators", {"type": "domain", "value": own_n["value"], "tlp": "clear",
                                       "declassify": True})
    assert r.status_code == 200 and r.json()["tlp"] == "clear", r.text
    audit = w.s.admin.get("/audit", {"limit": 1000}).json()["items"]
    assert any(e["action"] == "indicator.declassify" and e["object_id"] == own_n["id"] for e in audit)
    # the admin is not shown the entries about the object it could not see
    assert not any(e.get("object_id") == red["id"] for e in audit)
    b_view = w.b.get(f"/indicators/{red['id']}").json()
    assert b_view["description"] == "the owner's words" and b_view["tlp"] == "red" and b_view["confidence"] == 90


def test_analysts_cannot_act_for_another_organization_and_learn_nothing_from_trying(world):
    w = world
    red = w.indicator(w.b, w.fresh("red"), "red", [w.R])
    hidden = via_rest(w, w.t, red["value"], w.B, "green", False, None)
    new = via_rest(w, w.t, w.fresh("new"), w.B, "green", False, None)
    assert hidden == new and hidden[0] == 403


# ---- the attacks, one per finding ---------------------------------------------------

def test_1_admin_posting_for_another_organization_neither_reads_nor_declassifies_its_red(world):
    w = world
    red = w.indicator(w.b, w.fresh("red"), "red", [w.R], description="RED: the informant's address")
    # the attack: POST with B as source and B's RED value
    r = w.s.admin.post("/indicators", {"type": "domain", "value": red["value"], "source": w.B, "tlp": "green"})
    # was: 200, "unchanged"/"merged", with B's description, confidence and recipients
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["result"] == "created" and body["id"] != red["id"]
    assert "informant" not in r.text and body["recipients"] == [] and body["confidence"] == 50
    # and was: the indicator turned GREEN for every member
    assert w.t.get(f"/indicators/{red['id']}").status_code == 404
    assert w.s.admin.get(f"/indicators/{red['id']}").status_code == 404
    stored = w.b.get(f"/indicators/{red['id']}").json()
    assert stored["tlp"] == "red" and stored["description"] == "RED: the informant's address"
    # bulk says "created" too, not "unchanged"
    r = w.s.admin.post("/indicators/bulk", {"items": [{"type": "domain", "value": red["value"], "source": w.B,
                                                      "tlp": "green"}]})
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 1 and r.json()["unchanged"] == 0, r.text


def test_2_taxii_repost_of_anothers_report_does_not_overwrite_or_declassify_it(world):
    w = world
    b_taxii, admin_taxii = Taxii(w.s.base, w.b.key), Taxii(w.s.base, w.s.admin_key)
    rid = f"report--{uuid.uuid4()}"
    r = b_taxii.post(f"/taxii2/api/collections/{b_taxii.collection('TLP:RED')}/objects/",
                     {"objects": [stix_report(rid, "RED: negotiations with the ransomware crew", tlp="red",
                                              creator=w.B)]})
    assert r.json()["success_count"] == 1, r.text
    inc_id = rid.split("--")[1]
    assert w.b.get(f"/incidents/{inc_id}").json()["tlp"] == "red"
    # the attack: the same report id, B's identity, newer, unmarked, into GREEN
    r = admin_taxii.post(f"/taxii2/api/collections/{admin_taxii.collection('TLP:GREEN')}/objects/",
                         {"objects": [stix_report(rid, "overwritten", creator=w.B,
                                                  modified="2026-03-01T10:00:00.000Z")]})
    assert r.status_code == 202 and r.json()["success_count"] == 1, r.text
    # was: the incident turned GREEN and a third organization read its RED timeline
    stored = w.b.get(f"/incidents/{inc_id}").json()
    assert stored["tlp"] == "red" and stored["title"] == "RED: negotiations with the ransomware crew"
    assert w.t.get(f"/incidents/{inc_id}").status_code == 404
    titles = [i["title"] for i in w.t.get("/incidents", {"limit": 100}).json()["items"]]
    assert "RED: negotiations with the ransomware crew" not in titles
    # B importing its report again still finds its own incident
    r = b_taxii.post(f"/taxii2/api/collections/{b_taxii.collection('TLP:RED')}/objects/",
                     {"objects": [stix_report(rid, "RED: negotiations, revised", tlp="red", creator=w.B,
                                              modified="2026-04-01T10:00:00.000Z")]})
    assert r.json()["success_count"] == 1
    assert w.b.get(f"/incidents/{inc_id}").json()["title"] == "RED: negotiations, revised"


def test_3_a_public_feed_does_not_lower_an_amber_indicator_of_the_same_source(world, tmp_path):
    w = world
    amber = w.indicator(w.b, w.fresh("amber"), "amber", [w.R], description="AMBER: seen at the ministry")
    feed = tmp_path / "public.csv"
    feed.write_text(f"type,value\ndomain,{amber['value']}\n")
    # the attack (an accident, usually): the same source imports a public feed
    r = run_kizuna("import", "csv", "--db", w.s.db, "--key", w.b.key, "--tlp", "clear", feed)
    # was: "1 merged", and the indicator CLEAR with its description and recipients everywhere
    assert "1 records" in r.stdout, r.stdout
    kept = w.b.get(f"/indicators/{amber['id']}").json()
    assert kept["tlp"] == "amber" and kept["recipients"] == [w.R]
    assert w.t.get(f"/indicators/{amber['id']}").status_code == 404
    clear = Taxii(w.s.base).all_objects("TLP:CLEAR")
    assert not any(o.get("name") == amber["value"] or amber["value"] in json.dumps(o) for o in clear)
    # said in so many words, it happens, and the chain records it
    r = run_kizuna("import", "csv", "--db", w.s.db, "--key", w.b.key, "--tlp", "clear", "--allow-declassify", feed)
    assert "1 merged" in r.stdout, r.stdout
    assert w.t.get(f"/indicators/{amber['id']}").json()["tlp"] == "clear"
    audit = w.s.admin.get("/audit", {"limit": 1000}).json()["items"]
    entry = [e for e in audit if e["action"] == "indicator.declassify" and e["object_id"] == amber["id"]]
    assert entry and json.loads(entry[0]["detail"])["from"] == "amber", audit[-5:]
    # an explicit PATCH by someone who does not own it is refused; by the owner it is audited
    own = w.indicator(w.b, w.fresh("patch"), "red", [w.R])
    assert_error(w.s.admin.patch(f"/indicators/{own['id']}", {"tlp": "green"}), 404)  # the admin may not see it
    g = w.indicator(w.b, w.fresh("patch"), "amber", [w.R, w.N])
    assert_error(w.s.admin.patch(f"/indicators/{g['id']}", {"tlp": "clear"}), 403, "tlp")
    assert w.s.admin.patch(f"/indicators/{g['id']}", {"tlp": "red"}).status_code == 200  # narrowing is fine
    assert w.b.patch(f"/indicators/{g['id']}", {"tlp": "green"}).json()["tlp"] == "green"


def test_4_misp_attributes_never_fall_below_their_event(world, tmp_path):
    w = world
    d = tmp_path / "feed"
    d.mkdir()
    events = {}

    def event(tags, distribution, attrs):
        ev = str(uuid.uuid4())
        events[ev] = {"info": ev, "timestamp": 1772380800}
        body = {"uuid": ev, "info": f"event {ev}", "date": "2026-03-01", "timestamp": "1772380800",
                "Tag": [{"name": t} for t in tags],
                "Attribute": [{"uuid": str(uuid.uuid4()), "type": "domain", "category": "Network activity",
                               "value": v, "distribution": str(dist), "timestamp": "1772380800",
                               "Tag": [{"name": t} for t in atags]} for v, dist, atags in attrs]}
        if distribution is not None:
            body["distribution"] = str(distribution)
        (d / f"{ev}.json").write_text(json.dumps({"Event": body}))

    event(["tlp:red"], 3, [("d1.red-event.example", 1, []), ("d2.red-event.example", 2, []),
                           ("d3.red-event.example", 3, []), ("d4.red-event.example", 4, [])])
    event(["tlp:amber"], 3, [("d1.amber-event.example", 1, []), ("d4.amber-event.example", 4, [])])
    event([], 0, [("d3.org-only.example", 3, []), ("tag.org-only.example", 5, ["tlp:clear"])])
    event(["tlp:green"], 3, [("own-red.green-event.example", 5, ["tlp:red"])])
    (d / "manifest.json").write_text(json.dumps(events))
    r = run_kizuna("import", "misp", "--db", w.s.db, "--log-level", "warn", d)
    assert "9 indicators created" in r.stdout, r.stdout
    items = w.s.admin.get("/indicators", {"limit": 1000}).json()["items"]
    got = {i["value"]: i["tlp"] for i in items if i["value"].endswith((".red-event.example", ".amber-event.example",
                                                                        ".org-only.example", ".green-event.example"))}
    # was: d1..d3 GREEN and d4 AMBER in the red event; d3 GREEN in the organization-only event
    assert got == {
        "d1.red-event.example": "red", "d2.red-event.example": "red", "d3.red-event.example": "red",
        "d4.red-event.example": "red",
        "d1.amber-event.example": "amber", "d4.amber-event.example": "amber",
        "d3.org-only.example": "amber+strict", "tag.org-only.example": "amber+strict",
        "own-red.green-event.example": "red",
    }, got


def test_5_a_granular_red_marking_raises_the_whole_object(world):
    w = world
    t = Taxii(w.s.base, w.b.key)
    value = w.fresh("granular")
    o = stix_indicator(value, "green", creator=w.B, description="RED: the victim is the central bank")
    o["granular_markings"] = [{"marking_ref": TLP2["red"], "selectors": ["description"]}]
    kept = {"type": "campaign", "spec_version": "2.1", "id": f"campaign--{uuid.uuid4()}", "created": T0,
            "modified": T0, "name": "Wave", "description": "RED: targets", "object_marking_refs": [TLP2["green"]],
            "granular_markings": [{"marking_ref": TLP2["red"], "selectors": ["description"]}]}
    r = t.post(f"/taxii2/api/collections/{t.collection('TLP:GREEN')}/objects/", {"objects": [o, kept]})
    assert r.json()["success_count"] == 2, r.text
    # was: served to every GREEN member with the marking stripped, the kept object whole
    green = Taxii(w.s.base, w.t.key).all_objects("TLP:GREEN")
    assert not any("central bank" in json.dumps(x) or "RED: targets" in json.dumps(x) for x in green)
    mine = w.b.get("/indicators", {"q": value}).json()["items"]
    assert [i["tlp"] for i in mine] == ["red"]
    assert w.t.get(f"/indicators/{mine[0]['id']}").status_code == 404
    red = Taxii(w.s.base, w.b.key).all_objects("TLP:RED")
    assert any(x["id"] == kept["id"] for x in red)
    # a malformed granular marking is a clear error naming the field
    bad = stix_indicator(w.fresh("bad"), "green")
    bad["granular_markings"] = "red"
    r = t.post(f"/taxii2/api/collections/{t.collection('TLP:GREEN')}/objects/", {"objects": [bad]})
    assert r.json()["failure_count"] == 1 and "granular_markings" in r.json()["failures"][0]["message"], r.text


def test_6_taxii_serves_no_sighting_of_an_indicator_the_caller_may_not_see(world):
    w = world
    ind = w.indicator(w.b, w.fresh("sighted"), "green")
    r = w.r.post("/sightings", {"indicator": ind["id"], "count": 3, "tlp": "green"})
    assert r.status_code == 201, r.text
    # the source narrows the indicator to RED; the GREEN sighting is still GREEN
    assert w.b.patch(f"/indicators/{ind['id']}", {"tlp": "red", "recipients": [w.R]}).status_code == 200
    # was: the indicator's id, its source, the count and the dates, even anonymously
    for c in (Taxii(w.s.base, w.t.key), Taxii(w.s.base)):
        for title in ("TLP:GREEN", "TLP:CLEAR"):
            if title == "TLP:GREEN" and c.s.auth is None:
                continue
            assert not any(ind["id"] in json.dumps(x) for x in c.all_objects(title))
    # the recipient, who may see the indicator, still gets its sighting
    assert any(ind["id"] in json.dumps(x) for x in Taxii(w.s.base, w.r.key).all_objects("TLP:GREEN"))
    # and a sighting is never posted below its indicator's label
    r = w.r.post("/sightings", {"indicator": ind["id"], "count": 1, "tlp": "clear",
                                "first_seen": "2026-03-01T00:00:00Z", "last_seen": "2026-03-01T01:00:00Z"})
    assert r.status_code == 201 and r.json()["tlp"] == "red", r.text


def test_7_stix_import_does_not_link_or_reveal_anothers_invisible_indicator(world, tmp_path):
    w = world
    b_taxii, admin_taxii = Taxii(w.s.base, w.b.key), Taxii(w.s.base, w.s.admin_key)
    secret = stix_indicator(w.fresh("linked"), "red", creator=w.B)
    b_rid = f"report--{uuid.uuid4()}"
    r = b_taxii.post(f"/taxii2/api/collections/{b_taxii.collection('TLP:RED')}/objects/",
                     {"objects": [secret, stix_report(b_rid, "B's red report", [secret["id"]], "red", w.B)]})
    assert r.json()["success_count"] == 2, r.text

    def post_report(refs, rid=None):
        f = tmp_path / f"{uuid.uuid4().hex}.json"
        rep = stix_report(rid or f"report--{uuid.uuid4()}", "admin's report", refs, "green")
        f.write_text(json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": [rep]}))
        out = run_kizuna("import", "stix", "--db", w.s.db, "--log-level", "warn", f, check=False)
        return out.returncode, out.stdout, re.sub(r"report--[0-9a-f-]{36}", "ID", out.stderr), rep["id"]

    # the attack: a report listing another organization's STIX id (was: "1 links")
    probe = post_report([secret["id"]])
    control = post_report([f"indicator--{uuid.uuid4()}"])
    assert probe[:3] == control[:3] and "0 links" in probe[1], probe
    inc = probe[3].split("--")[1]
    assert w.s.admin.get(f"/incidents/{inc}/indicators").json()["items"] == []
    assert w.b.get(f"/incidents/{inc}/indicators").json()["items"] == []
    # reusing B's report id: no "no incident ..." error, the same answer as for a new id
    reused = post_report([], b_rid)
    fresh = post_report([])
    assert reused[:3] == fresh[:3] and reused[0] == 0, reused
    assert w.b.get(f"/incidents/{b_rid.split('--')[1]}").json()["title"] == "B's red report"


def cursor_row(cursor):
    """The 64-bit number inside a list cursor, read both as it is and through the mask
    the old encoding XORed it with."""
    raw = int.from_bytes(base64.urlsafe_b64decode(cursor[3:] + "="), "big")
    return raw, raw ^ 0x6b697a756e613121


def test_8_side_channels(world, tmp_path):
    w = world
    # cursors: between two visible rows lie many hidden ones
    first = w.indicator(w.b, w.fresh("page"), "green")
    for _ in range(5):
        w.indicator(w.b, w.fresh("hidden"), "red")
    w.indicator(w.b, w.fresh("page"), "green")
    w.indicator(w.b, w.fresh("page"), "green")
    p1 = w.t.get("/indicators", {"limit": 1, "source": w.B}).json()
    p2 = w.t.get("/indicators", {"limit": 1, "source": w.B, "cursor": p1["next"]}).json()
    assert p1["items"][0]["id"] == first["id"]
    for c in (p1["next"], p2["next"]):
        # was: "v1." + the row number XOR a constant: rows 1 and 7, six hidden rows apart
        assert all(v > 1 << 32 for v in cursor_row(c)), c
    page = Taxii(w.s.base, w.t.key).objects("TLP:GREEN", limit=1)
    added, kind, row, tag = page["next"].split("-")  # tag: the MAC that refuses forged values
    assert len(row) == 16 and int(row, 16) > 1 << 32, page["next"]  # was: the row number itself
    # ?incident=<hidden id> answers as for an incident that does not exist
    red_inc = w.b.post("/incidents", {"title": "RED case", "rsit_type": "phishing", "tlp": "red"}).json()
    w.indicator(w.b, w.fresh("in-red-case"), "green", incidents=[red_inc["id"]])
    nothing = str(uuid.uuid4())
    for path in ("/indicators", "/stats/indicators"):
        hidden = w.t.get(path, {"incident": red_inc["id"]})
        none = w.t.get(path, {"incident": nothing})
        assert (hidden.status_code, hidden.json()) == (none.status_code, none.json()), path
    exp = [run_kizuna("export", "csv", "--db", w.s.db, "--key", w.t.key, "--incident", i, check=False)
           for i in (red_inc["id"], nothing)]
    assert (exp[0].returncode, exp[0].stdout) == (exp[1].returncode, exp[1].stdout)
    # /audit: an admin sees no entry about what it may not see, and its pages stay full
    audit = w.s.admin.get("/audit", {"limit": 1000}).json()["items"]
    assert not any(e.get("object_id") == red_inc["id"] for e in audit)
    small = w.s.admin.get("/audit", {"limit": 3}).json()
    assert len(small["items"]) == 3
    # a GREEN request does not show every member the id of the AMBER incident it links
    amber = w.b.post("/incidents", {"title": "AMBER case", "rsit_type": "phishing", "tlp": "amber",
                                    "recipients": [w.R]}).json()
    req = w.b.post("/requests", {"kind": "information", "to_organization": w.R, "urgency": "high", "tlp": "green",
                                 "subject": "same wave?", "description": "d", "questions": "Seen it too?",
                                 "incidents": [amber["id"]]})
    assert req.status_code == 201, req.text
    rid = req.json()["id"]
    assert w.b.post(f"/requests/{rid}/send").status_code == 200
    assert w.r.get(f"/requests/{rid}").json()["incidents"] == [amber["id"]]  # the two sides see it
    # was: every member saw the AMBER incident's id, in the request and in its record
    for c in (w.t, w.s.admin):
        seen = c.get(f"/requests/{rid}")
        assert seen.status_code == 200 and seen.json()["incidents"] == [], seen.text
        record = c.get(f"/requests/{rid}/record")
        assert record.status_code == 200 and amber["id"] not in record.text


def test_9_recipients_are_shown_whole_only_to_the_source(world):
    w = world
    o = w.indicator(w.b, w.fresh("recipients"), "amber", [w.R, w.N])
    inc = w.b.post("/incidents", {"title": "shared", "rsit_type": "phishing", "tlp": "amber",
                                  "recipients": [w.R, w.N]}).json()
    assert sorted(inc["recipients"]) == sorted([w.R, w.N])
    # was: every organization that may see the object read the whole list
    for c, me in ((w.r, w.R), (w.s.admin, w.N)):
        assert c.get(f"/indicators/{o['id']}").json()["recipients"] == [me]
        assert c.get(f"/incidents/{inc['id']}").json()["recipients"] == [me]
        listed = [i for i in c.get("/indicators", {"q": o["value"]}).json()["items"]]
        assert [i["recipients"] for i in listed] == [[me]]
        amber = Taxii(w.s.base, c.key).all_objects("TLP:AMBER")
        mine = [x for x in amber if x["id"] == f"indicator--{o['id']}"]
        assert mine and mine[0].get("x_kizuna_recipients") == [f"identity--{me}"], mine
    assert sorted(w.b.get(f"/indicators/{o['id']}").json()["recipients"]) == sorted([w.R, w.N])
    # a GREEN object: a member who is not named learns nothing of the list
    g = w.indicator(w.b, w.fresh("green-named"), "green", [w.R])
    assert w.t.get(f"/indicators/{g['id']}").json()["recipients"] == []


def test_7_a_whole_bundle_around_a_hidden_indicator_answers_as_around_a_new_one(world, tmp_path):
    """A report listing it, a sighting of it and observed data equal to it: for an
    indicator the importer may not see, every count is the one for a new indicator."""
    w = world
    red = w.indicator(w.b, w.fresh("red"), "red", [w.R])
    before = w.reads(red["id"])
    sums_before = w.b.get(f"/indicators/{red['id']}/sightings").json()

    def bundle(value):
        ind = stix_indicator(value, "green", creator=w.B)
        ident = f"identity--{w.B}"
        sco = {"type": "domain-name", "spec_version": "2.1", "id": f"domain-name--{uuid.uuid4()}", "value": value}
        objects = [
            stix_report(f"report--{uuid.uuid4()}", "around it", [ind["id"]], "green", w.B),
            {"type": "sighting", "spec_version": "2.1", "id": f"sighting--{uuid.uuid4()}", "created": T0,
             "modified": T0, "sighting_of_ref": ind["id"], "count": 4, "first_seen": "2026-01-06T00:00:00Z",
             "last_seen": "2026-01-06T09:00:00Z", "where_sighted_refs": [ident],
             "object_marking_refs": [TLP2["green"]]},
            ind, sco,
            {"type": "observed-data", "spec_version": "2.1", "id": f"observed-data--{uuid.uuid4()}",
             "created": T0, "modified": T0, "first_observed": "2026-01-07T00:00:00Z",
             "last_observed": "2026-01-07T01:00:00Z", "number_observed": 2, "object_refs": [sco["id"]],
             "created_by_ref": ident, "object_marking_refs": [TLP2["green"]]},
        ]
        f = tmp_path / "around.json"
        f.write_text(json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}))
        r = run_kizuna("import", "stix", "--db", w.s.db, "--log-level", "warn", "--source", w.B, f, check=False)
        return r.returncode, r.stdout, r.stderr

    hidden, new = bundle(red["value"]), bundle(w.fresh("new"))
    assert hidden == new and hidden[0] == 0, (hidden, new)
    assert "1 links, 1 sightings recorded" in new[1], new  # observed data alone is no sighting
    assert w.reads(red["id"]) == before
    assert w.b.get(f"/indicators/{red['id']}/sightings").json() == sums_before


def test_sightings_and_request_links_answer_hidden_as_nonexistent(world):
    w = world
    red = w.indicator(w.b, w.fresh("red"), "red", [w.R])
    red_inc = w.b.post("/incidents", {"title": "RED case", "rsit_type": "phishing", "tlp": "red"}).json()
    nothing = str(uuid.uuid4())

    def same(a, b, hidden_id):
        assert a.status_code == b.status_code, (a.text, b.text)
        assert a.text.replace(hidden_id, "ID") == b.text.replace(nothing, "ID")

    for actor, observer in ((w.s.admin, w.B), (w.t, None)):
        body = {"count": 1, "tlp": "green", **({"observer": observer} if observer else {})}
        same(actor.post("/sightings", {**body, "indicator": red["id"]}),
             actor.post("/sightings", {**body, "indicator": nothing}), red["id"])
        for field, hidden_id in (("incidents", red_inc["id"]), ("indicators", red["id"])):
            req = {"kind": "information", "to_organization": w.R, "urgency": "high", "tlp": "green",
                   "subject": "s", "description": "d", "questions": "q"}
            same(actor.post("/requests", {**req, field: [hidden_id]}),
                 actor.post("/requests", {**req, field: [nothing]}), hidden_id)
        # a note on a hidden incident's timeline, and a PATCH of it
        same(actor.post(f"/incidents/{red_inc['id']}/timeline", {"text": "x"}),
             actor.post(f"/incidents/{nothing}/timeline", {"text": "x"}), red_inc["id"])
        same(actor.patch(f"/incidents/{red_inc['id']}", {"tlp": "clear"}),
             actor.patch(f"/incidents/{nothing}", {"tlp": "clear"}), red_inc["id"])
        same(actor.patch(f"/indicators/{red['id']}", {"tlp": "clear"}),
             actor.patch(f"/indicators/{nothing}", {"tlp": "clear"}), red["id"])
    assert w.b.get(f"/indicators/{red['id']}/sightings").json()["total"]["count"] == 0
    assert w.b.get(f"/incidents/{red_inc['id']}").json()["tlp"] == "red"


def test_9_kept_objects_show_their_recipients_as_indicators_do(world):
    w = world
    t = Taxii(w.s.base, w.b.key)
    kept = {"type": "campaign", "spec_version": "2.1", "id": f"campaign--{uuid.uuid4()}", "created": T0,
            "modified": T0, "name": "Quiet wave", "object_marking_refs": [TLP2["amber"]],
            "created_by_ref": f"identity--{w.B}",
            "x_kizuna_recipients": [f"identity--{w.R}", f"identity--{w.N}"]}
    r = t.post(f"/taxii2/api/collections/{t.collection('TLP:AMBER')}/objects/", {"objects": [kept]})
    assert r.json()["success_count"] == 1, r.text
    for key, me in ((w.r.key, w.R), (w.s.admin_key, w.N)):
        got = [x for x in Taxii(w.s.base, key).all_objects("TLP:AMBER") if x["id"] == kept["id"]]
        assert got and got[0]["x_kizuna_recipients"] == [f"identity--{me}"] and got[0]["name"] == "Quiet wave", got
    mine = [x for x in t.all_objects("TLP:AMBER") if x["id"] == kept["id"]]
    assert sorted(mine[0]["x_kizuna_recipients"]) == sorted([f"identity--{w.R}", f"identity--{w.N}"])
    out = json.loads(run_kizuna("export", "stix", "--db", w.s.db, "--key", w.r.key, "--what", "all",
                                "--log-level", "warn").stdout)
    got = [x for x in out["objects"] if x["id"] == kept["id"]]
    assert got and got[0]["x_kizuna_recipients"] == [f"identity--{w.R}"], got
