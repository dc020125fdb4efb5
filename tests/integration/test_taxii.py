"""TAXII 2.1 against a real server, with the client side written from the TAXII 2.1
specification (OASIS, sections 3 to 5) on python3-requests: discovery, the API root,
collections per TLP label, objects with every filter and pagination, manifests,
versions, POSTed envelopes and their status resources, media types (406, 415), HTTP
Basic and Bearer authentication, and TLP deciding what each organization is served."""
import base64
import json
import uuid

import requests

from stix_schemas import bundle_errors

TAXII = "application/taxii+json;version=2.1"
TLP2 = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}


class Taxii:
    """A TAXII 2.1 client as the specification describes one: every request sends
    Accept: application/taxii+json;version=2.1, POSTs send the same Content-Type, and
    credentials go as HTTP Basic (the API key as password) or a Bearer token."""

    def __init__(self, base, key=None, basic=True):
        self.base = base
        self.s = requests.Session()
        self.s.headers["Accept"] = TAXII
        if key and basic:
            self.s.auth = ("kizuna", key)
        elif key:
            self.s.headers["Authorization"] = f"Bearer {key}"

    def get(self, path, **params):
        return self.s.get(self.base + path, params=params, timeout=30)

    def post(self, path, body):
        return self.s.post(self.base + path, data=json.dumps(body), headers={"Content-Type": TAXII}, timeout=30)

    def collections(self):
        r = self.get("/taxii2/api/collections/")
        assert r.status_code == 200, r.text
        return {c["title"]: c for c in r.json()["collections"]}

    def objects(self, col, **params):
        r = self.get(f"/taxii2/api/collections/{col}/objects/", **params)
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"] == TAXII
        return r


def sid(t):
    return f"{t}--{uuid.uuid4()}"


def shared(objects):
    """The objects of a page without the identities and the marking definition that a
    collection serves with the objects that refer to them."""
    return [o for o in objects if o["type"] not in ("identity", "marking-definition")]


def obj(t, name, tlp=None, modified="2026-02-01T10:00:00.000Z", **kw):
    o = {"type": t, "spec_version": "2.1", "id": sid(t), "created": "2026-02-01T10:00:00.000Z",
         "modified": modified, "name": name, **kw}
    if tlp:
        o["object_marking_refs"] = [TLP2[tlp]]
    return o


def ind(value, tlp=None, **kw):
    return obj("indicator", value, tlp, pattern=f"[domain-name:value = '{value}']", pattern_type="stix",
               valid_from="2026-02-01T10:00:00Z", **kw)


def assert_taxii_error(r, status):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"] == TAXII
    body = r.json()
    assert body["http_status"] == str(status) and body["title"] and body["description"], body
    return body


def test_discovery_root_and_media_types(server):
    c = Taxii(server.base)
    r = c.get("/taxii2/")
    assert r.status_code == 200 and r.headers["Content-Type"] == TAXII
    d = r.json()
    assert d["api_roots"] == [f"{server.base}/taxii2/api/"] and d["default"] == d["api_roots"][0]
    root = c.get("/taxii2/api/").json()
    assert root["versions"] == [TAXII] and root["max_content_length"] > 0
    # 406: a client that accepts no TAXII media type
    r = requests.get(f"{server.base}/taxii2/", headers={"Accept": "application/xml"}, timeout=10)
    assert_taxii_error(r, 406)
    r = requests.get(f"{server.base}/taxii2/", headers={"Accept": "application/taxii+json;version=2.0"}, timeout=10)
    assert_taxii_error(r, 406)
    assert requests.get(f"{server.base}/taxii2/", headers={"Accept": "*/*"}, timeout=10).status_code == 200
    # unknown paths answer TAXII errors too
    assert_taxii_error(c.get("/taxii2/api/nothing/"), 404)


def test_authentication_basic_bearer_and_refusals(server):
    org = server.org("CSIRT Basic", "FR")
    analyst = server.client(org["id"])
    # one per TLP label, and the public attribution statements' own (test_statements.py)
    assert len(Taxii(server.base, analyst.key).collections()) == 6
    assert len(Taxii(server.base, analyst.key, basic=False).collections()) == 6
    r = Taxii(server.base).get("/taxii2/api/collections/")
    body = assert_taxii_error(r, 401)
    assert "Basic" in r.headers["WWW-Authenticate"]
    r = Taxii(server.base, "kz_not_a_key").get("/taxii2/api/collections/")
    assert_taxii_error(r, 401)
    bad = requests.get(f"{server.base}/taxii2/api/collections/", headers={
        "Accept": TAXII, "Authorization": "Basic " + base64.b64encode(b"no-colon").decode()}, timeout=10)
    assert_taxii_error(bad, 401)
    assert body["description"]


def test_public_node_serves_the_clear_collection_only(make_server):
    s = make_server(extra_args=["--public"])
    cols = Taxii(s.base).collections()
    assert list(cols) == ["TLP:CLEAR", "Public attribution statements"] and cols["TLP:CLEAR"]["can_write"] is False
    assert cols["Public attribution statements"]["can_write"] is False


def test_post_envelope_then_read_it_back(server):
    org = server.org("CSIRT Post", "FR")
    analyst = Taxii(server.base, server.client(org["id"]).key)
    viewer = Taxii(server.base, server.client(org["id"], role="viewer").key)
    cols = analyst.collections()
    assert cols["TLP:GREEN"]["can_write"] and not viewer.collections()["TLP:GREEN"]["can_write"]
    assert cols["TLP:GREEN"]["media_types"] == ["application/stix+json;version=2.1"]
    green = cols["TLP:GREEN"]["id"]

    good = [ind("a.example"), ind("b.example"), obj("campaign", "Wave"),
            obj("malware", "Dropper", is_family=False)]
    bad = ind("c.example")
    bad["pattern"] = "[domain-name:value = "
    r = analyst.post(f"/taxii2/api/collections/{green}/objects/", {"objects": good + [bad]})
    assert r.status_code == 202, r.text
    st = r.json()
    assert st["status"] == "complete" and st["total_count"] == 5
    assert st["success_count"] == 4 and st["failure_count"] == 1 and st["pending_count"] == 0
    assert {s["id"] for s in st["successes"]} == {o["id"] for o in good}
    assert st["failures"][0]["id"] == bad["id"] and "pattern" in st["failures"][0]["message"]
    again = analyst.get(f"/taxii2/api/status/{st['id']}/")
    assert again.status_code == 200 and again.json() == st
    # the status belongs to the organization that posted
    other = Taxii(server.base, server.client(server.org("CSIRT Else", "DE")["id"]).key)
    assert_taxii_error(other.get(f"/taxii2/api/status/{st['id']}/"), 404)

    # 415, 403 and a malformed envelope
    r = analyst.s.post(f"{server.base}/taxii2/api/collections/{green}/objects/", data="{}",
                       headers={"Content-Type": "application/json"}, timeout=10)
    assert_taxii_error(r, 415)
    assert_taxii_error(viewer.post(f"/taxii2/api/collections/{green}/objects/", {"objects": good}), 403)
    r = analyst.s.post(f"{server.base}/taxii2/api/collections/{green}/objects/", data='{"objects": [',
                       headers={"Content-Type": TAXII}, timeout=10)
    assert "line 1" in assert_taxii_error(r, 400)["description"]

    # everything accepted is served back, valid STIX, green
    page = analyst.objects(green).json()
    served = {o["id"]: o for o in shared(page["objects"])}
    assert len(served) == 4 and page["more"] is False
    assert not bundle_errors({"type": "bundle", "id": sid("bundle"), "objects": page["objects"]})
    names = sorted(o["name"] for o in shared(page["objects"]))
    assert names == ["Dropper", "Wave", "a.example", "b.example"]
    # with what they refer to: the organization's identity and the TLP:GREEN definition
    extra = {o["id"] for o in page["objects"]} - set(served)
    assert extra == {f"identity--{org['id']}", TLP2["green"]}, extra
    for o in page["objects"]:
        if o["type"] == "indicator":  # Kizuna's own indicators: marked green
            assert o["object_marking_refs"] == [TLP2["green"]]
    # nothing went to the other collections
    assert "objects" not in analyst.objects(cols["TLP:AMBER"]["id"]).json()


def test_filters_pagination_manifest_and_versions(server):
    org = server.org("CSIRT Pages", "JP")
    c = Taxii(server.base, server.client(org["id"]).key)
    green = c.collections()["TLP:GREEN"]["id"]
    first = [ind(f"p{i}.example") for i in range(5)]
    assert c.post(f"/taxii2/api/collections/{green}/objects/", {"objects": first}).status_code == 202
    server.advance(10)
    camp = obj("campaign", "Versioned", modified="2026-02-01T10:00:00.000Z")
    camp2 = dict(camp, modified="2026-02-02T10:00:00.000Z", description="second version")
    assert c.post(f"/taxii2/api/collections/{green}/objects/", {"objects": [camp, camp2]}).status_code == 202

    # pages of two, following next, with the date-added headers
    seen, params, pages = [], {"limit": 2}, 0
    while True:
        r = c.objects(green, **params)
        body = r.json()
        pages += 1
        seen += [o["id"] for o in body.get("objects", [])]
        assert r.headers["X-TAXII-Date-Added-First"] <= r.headers["X-TAXII-Date-Added-Last"]
        if not body["more"]:
            break
        assert "next" in body
        params = {"limit": 2, "next": body["next"]}
    # last version of the campaign only, with the organization's identity and TLP:GREEN
    assert pages == 4 and len(seen) == 8 and len(set(seen)) == 8
    assert seen[:2] == [f"identity--{org['id']}", TLP2["green"]]
    # added_after: only what was added after the first batch
    last_of_first = c.objects(green, **{"match[type]": "indicator"}).headers["X-TAXII-Date-Added-Last"]
    later = c.objects(green, added_after=last_of_first).json()["objects"]
    assert [o["id"] for o in later] == [camp["id"]]
    assert later[0]["description"] == "second version"
    # match[type], match[id], match[spec_version], match[version]
    assert len(c.objects(green, **{"match[type]": "indicator"}).json()["objects"]) == 5
    assert len(c.objects(green, **{"match[type]": "campaign,indicator"}).json()["objects"]) == 6
    ids = f"{first[0]['id']},{first[1]['id']}"
    assert sorted(o["name"] for o in c.objects(green, **{"match[id]": ids}).json()["objects"]) == \
        ["p0.example", "p1.example"]
    assert "objects" not in c.objects(green, **{"match[spec_version]": "2.0"}).json()
    assert len(c.objects(green, **{"match[spec_version]": "2.1"}).json()["objects"]) == 8
    both = c.objects(green, **{"match[id]": camp["id"], "match[version]": "all"}).json()["objects"]
    assert [o["modified"] for o in both] == ["2026-02-01T10:00:00.000Z", "2026-02-02T10:00:00.000Z"]
    firstv = c.objects(green, **{"match[id]": camp["id"], "match[version]": "first"}).json()["objects"]
    assert [o["modified"] for o in firstv] == ["2026-02-01T10:00:00.000Z"]
    at = c.objects(green, **{"match[id]": camp["id"], "match[version]": "2026-02-02T10:00:00.000Z"}).json()
    assert [o.get("description") for o in at["objects"]] == ["second version"]
    # one object, its versions, the manifest
    one = c.get(f"/taxii2/api/collections/{green}/objects/{camp['id']}/")
    assert one.status_code == 200 and [o["modified"] for o in one.json()["objects"]] == ["2026-02-02T10:00:00.000Z"]
    v = c.get(f"/taxii2/api/collections/{green}/objects/{camp['id']}/versions/")
    assert v.status_code == 200 and v.json()["versions"] == ["2026-02-01T10:00:00.000Z", "2026-02-02T10:00:00.000Z"]
    assert "X-TAXII-Date-Added-First" in v.headers
    assert_taxii_error(c.get(f"/taxii2/api/collections/{green}/objects/{sid('campaign')}/"), 404)
    m = c.get(f"/taxii2/api/collections/{green}/manifest/", limit=100)
    entries = m.json()["objects"]
    assert len(entries) == 8 and all(e["media_type"] == "application/stix+json;version=2.1" for e in entries)
    assert {e["id"] for e in entries} == set(seen)
    assert m.headers["X-TAXII-Date-Added-Last"] == entries[-1]["date_added"]
    # bad parameters
    assert_taxii_error(c.get(f"/taxii2/api/collections/{green}/objects/", limit="0"), 400)
    assert_taxii_error(c.get(f"/taxii2/api/collections/{green}/objects/", next="garbage"), 400)
    assert_taxii_error(c.get(f"/taxii2/api/collections/{green}/objects/", added_after="yesterday"), 400)
    assert_taxii_error(c.get(f"/taxii2/api/collections/{green}/objects/", **{"match[version]": "newest"}), 400)
    assert_taxii_error(c.get(f"/taxii2/api/collections/{green}/objects/", colour="red"), 400)
    assert_taxii_error(c.get("/taxii2/api/collections/00000000-0000-4000-8000-000000000000/objects/"), 404)


def test_tlp_decides_what_each_organization_is_served(server):
    a = server.org("CSIRT A", "FR")
    b = server.org("CSIRT B", "DE")
    other = server.org("CSIRT C", "IT")
    ka, kb, kc = (server.client(o["id"]) for o in (a, b, other))
    # through the API: an amber indicator for b, a red one for b, an amber one for a only
    for value, tlp, rec in [("amber-b.example", "amber", [b["id"]]), ("red-b.example", "red", [b["id"]]),
                            ("amber-a.example", "amber", []), ("green.example", "green", [])]:
        r = ka.post("/indicators", {"type": "domain", "value": value, "tlp": tlp, "recipients": rec})
        assert r.status_code == 201, r.text
    served = {}
    for name, k in (("a", ka), ("b", kb), ("c", kc)):
        t = Taxii(server.base, k.key)
        cols = t.collections()
        served[name] = {}
        for title, col in cols.items():
            body = t.objects(col["id"]).json()
            served[name][title] = sorted(o["name"] for o in shared(body.get("objects", [])))
    assert served["a"]["TLP:AMBER"] == ["amber-a.example", "amber-b.example"]
    assert served["a"]["TLP:RED"] == ["red-b.example"]
    assert served["b"]["TLP:AMBER"] == ["amber-b.example"] and served["b"]["TLP:RED"] == ["red-b.example"]
    assert served["c"]["TLP:AMBER"] == [] and served["c"]["TLP:RED"] == []
    for name in "abc":
        assert served[name]["TLP:GREEN"] == ["green.example"]
    # an object the caller may not see is not found, even by id
    red = shared(Taxii(server.base, ka.key).objects(
        Taxii(server.base, ka.key).collections()["TLP:RED"]["id"]).json()["objects"])[0]
    tc = Taxii(server.base, kc.key)
    assert_taxii_error(tc.get(f"/taxii2/api/collections/{tc.collections()['TLP:RED']['id']}/objects/{red['id']}/"), 404)


def test_the_url_forms_and_checks_of_the_oasis_client_library(server):
    """The OASIS client library (taxii2-client, PyPI only, so not installable here) joins
    the discovery's API roots onto the discovery URL, adds a slash to every endpoint,
    finds a POST's status at urljoin(collection, "../../status/ID") without the slash,
    omits `limit` when it is 0, accepts a response whose Content-Type holds every token
    of its Accept, and refuses resources missing the fields it requires or whose status
    counts do not add up. The same walk here, on the same rules."""
    from urllib.parse import urljoin

    c = Taxii(server.base, server.admin_key)

    def get(url, **params):
        r = c.s.get(url, params=params, timeout=30)
        assert r.status_code == 200, (url, r.text)
        got = r.headers["Content-Type"].replace(" ", "").split(";")
        assert got[0] == "application/taxii+json" and all(t in got for t in TAXII.split(";")), got
        return r.json()

    disc_url = server.base + "/taxii2/"
    disc = get(disc_url)
    assert disc["title"]
    root = urljoin(disc_url, disc["api_roots"][0]).rstrip("/") + "/"
    info = get(root)
    assert info["title"] and info["versions"] and info["max_content_length"] is not None
    cols = get(root + "collections/")["collections"]
    for col in cols:
        assert col["id"] and col["title"] and col["can_read"] is not None and col["can_write"] is not None
    green = next(col for col in cols if col["title"] == "TLP:GREEN")
    col_url = root + "collections/" + green["id"] + "/"
    assert green["id"] in col_url and get(col_url)["id"] == green["id"]

    sent = [ind(f"client{i}.example.net", "green") for i in range(3)] + [obj("indicator", "broken", "green")]
    r = c.s.post(col_url + "objects/", data=json.dumps({"objects": sent}).encode(),
                 headers={"Content-Type": TAXII}, timeout=30)
    assert r.status_code == 202, r.text
    st = r.json()
    for k in ("id", "status", "total_count", "success_count", "failure_count", "pending_count"):
        assert st[k] is not None, k
    for k, n in (("successes", "success_count"), ("failures", "failure_count"), ("pendings", "pending_count")):
        assert not st.get(k) or len(st[k]) == st[n], (k, st)
    assert st["success_count"] + st["failure_count"] + st["pending_count"] == st["total_count"] == 4
    assert (st["success_count"], st["failure_count"]) == (3, 1)
    assert get(urljoin(col_url, "../../status/" + st["id"]))["id"] == st["id"]
    assert get(root + "status/" + st["id"] + "/")["status"] == "complete"

    first = get(col_url + "objects/", limit=2)
    assert len(first["objects"]) == 2 and first["more"] is True and first["next"]
    ids, page = {o["id"] for o in first["objects"]}, first
    while page["more"]:
        page = get(col_url + "objects/", limit=2, next=page["next"])
        ids |= {o["id"] for o in page["objects"]}
    assert {o["id"] for o in sent[:3]} <= ids
    one = sent[0]["id"]
    assert [o["id"] for o in get(col_url + "objects/" + one + "/")["objects"]] == [one]
    assert get(col_url + "objects/" + one + "/versions/")["versions"]
    assert {o["id"] for o in get(col_url + "manifest/")["objects"]} >= {o["id"] for o in sent[:3]}
