"""Paging a TAXII 2.1 collection of a few thousand objects with a small limit, against a
real server: every object the viewer may see exactly once, in date_added order, the
objects added while the client pages not lost, and TLP decided on every page (a page
reads the collection from its cursor on, store/stix/store_stix.c taxii_sql)."""
import uuid

from conftest import run_kizuna
from test_taxii import Taxii

LIMIT = 37


def feed(path, values):
    path.write_text("type,value\n" + "".join(f"domain,{v}\n" for v in values))
    return path


def import_amber(server, tmp_path, source, values, recipients=None):
    args = ["import", "csv", "--db", server.db, "--log-level", "warn", "--tlp", "amber", "--source", source]
    if recipients:
        args += ["--recipients", recipients]
    run_kizuna(*args, str(feed(tmp_path / f"{uuid.uuid4()}.csv", values)))


def page_through(t, col, during=None):
    """Every page of the collection's objects and of its manifest, by next; during(i)
    runs after page i. Returns the objects, the manifest entries and the pages' headers."""
    objs, heads, nxt, i = [], [], None, 0
    while True:
        r = t.objects(col, limit=LIMIT, **({"next": nxt} if nxt else {}))
        body = r.json()
        page = body.get("objects", [])
        assert len(page) <= LIMIT
        if page:
            heads.append((r.headers["X-TAXII-Date-Added-First"], r.headers["X-TAXII-Date-Added-Last"]))
        objs += page
        i += 1
        if during:
            during(i)
        if not body["more"]:
            assert "next" not in body
            break
        assert len(page) == LIMIT  # more: the page was full
        nxt = body["next"]
    entries, nxt = [], None
    while True:
        body = t.get(f"/taxii2/api/collections/{col}/manifest/", limit=LIMIT,
                     **({"next": nxt} if nxt else {})).json()
        entries += body.get("objects", [])
        if not body["more"]:
            break
        nxt = body["next"]
    return objs, entries, heads


def test_paging_a_large_collection_serves_each_visible_object_once_in_order(server, tmp_path):
    a = server.org("CSIRT Source", "FR")
    b = server.org("CSIRT Viewer", "DE")
    c = server.org("CSIRT Other", "IT")
    ka = server.client(a["id"])
    # runs of AMBER indicators shared with B between runs B may not see, so that pages
    # cross from one to the other
    mine, hidden = [], []
    for run in range(6):
        vis = [f"v{run}-{i}.example" for i in range(350)]
        inv = [f"h{run}-{i}.example" for i in range(150)]
        import_amber(server, tmp_path, a["id"], vis, recipients=b["id"])
        import_amber(server, tmp_path, a["id"], inv)
        mine += vis
        hidden += inv
    # an incident shared with B, among the indicators
    r = ka.post("/incidents", {"title": "Paged incident", "tlp": "amber", "rsit_type": "ddos", "recipients": [b["id"]]})
    assert r.status_code == 201, r.text
    incident = r.json()["id"]
    added = []

    def add_while_paging(i):
        if i in (3, 20, 40):  # new objects while B pages: each comes after what B has read
            for k in range(5):
                v = f"new{i}-{k}.example"
                for rec, where in (([b["id"]], added), ([], hidden)):
                    name = v if rec else "h" + v
                    r = ka.post("/indicators", {"type": "domain", "value": name, "tlp": "amber", "recipients": rec})
                    assert r.status_code == 201, r.text
                    where.append(name)

    tb = Taxii(server.base, server.client(b["id"]).key)
    amber = tb.collections()["TLP:AMBER"]["id"]
    objs, entries, heads = page_through(tb, amber, add_while_paging)
    ids = [o["id"] for o in objs]
    assert len(ids) == len(set(ids)), "an object served twice"
    names = [o["name"] for o in objs if o["type"] == "indicator"]
    assert sorted(names) == sorted(mine + added), "objects lost or not the viewer's"
    assert not set(hidden) & set(names)
    assert added and set(added) <= set(names)
    assert [o["id"] for o in objs if o["type"] == "report"] == [f"report--{incident}"]
    # what the objects refer to, once each: A's identity and the AMBER marking definition
    assert sorted(o["id"] for o in objs if o["type"] == "identity") == [f"identity--{a['id']}"]
    assert len([o for o in objs if o["type"] == "marking-definition"]) == 1
    # in date_added order across pages: each page's headers, and the manifest read by next
    assert [e["id"] for e in entries] == ids[:len(entries)] and len(entries) == len(ids)
    dates = [e["date_added"] for e in entries]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    for (first, last), nxt in zip(heads, heads[1:]):
        assert first <= last < nxt[0]
    assert heads[0][0] == dates[0] and heads[-1][1] == dates[-1]
    # the later imports after the earlier (an import writes its rows sorted by key)
    runs = [int(v[1]) for v in names if v[0] == "v"]
    assert runs == sorted(runs) and len(runs) == 6 * 350
    # paging by added_after from a page's last date picks up exactly where next did
    mid = entries[len(entries) // 2]["date_added"]
    rest = tb.get(f"/taxii2/api/collections/{amber}/manifest/", added_after=mid, limit=LIMIT).json()["objects"]
    assert [e["id"] for e in rest] == [e["id"] for e in entries if e["date_added"] > mid][:LIMIT]
    # the source sees its hidden ones too; an organization with no share sees none, page after page
    ta = Taxii(server.base, ka.key)
    objs_a, _, _ = page_through(ta, ta.collections()["TLP:AMBER"]["id"])
    assert sorted(o["name"] for o in objs_a if o["type"] == "indicator") == sorted(mine + added + hidden)
    tc = Taxii(server.base, server.client(c["id"]).key)
    objs_c, entries_c, _ = page_through(tc, tc.collections()["TLP:AMBER"]["id"])
    assert objs_c == [] and entries_c == []
    # a filter that thins the pages out: the one report, found past thousands of indicators
    only = tb.objects(amber, limit=2, **{"match[type]": "report"}).json()
    assert [o["id"] for o in only["objects"]] == [f"report--{incident}"] and only["more"] is False


def test_indicator_list_by_type_pages_in_row_order_each_once(server, tmp_path):
    # the API's list by type reads on from its cursor in row order (store_indicators.c)
    a = server.org("CSIRT Typed", "FR")
    b = server.org("CSIRT Reader", "DE")
    doms = [f"t{i}.example" for i in range(400)]
    import_amber(server, tmp_path, a["id"], doms, recipients=b["id"])
    import_amber(server, tmp_path, a["id"], [f"hidden{i}.example" for i in range(200)])
    kb = server.client(b["id"])
    assert kb.post("/indicators", {"type": "ipv4", "value": "198.51.100.7", "tlp": "green"}).status_code == 201
    got, cursor = [], None
    while True:
        page = kb.get("/indicators", {"type": "domain", "limit": 33, **({"cursor": cursor} if cursor else {})}).json()
        assert len(page["items"]) <= 33
        got += page["items"]
        cursor = page["next"]
        if not cursor:
            break
    assert sorted(i["value"] for i in got) == sorted(doms) and len({i["id"] for i in got}) == len(got)
    assert all(i["type"] == "domain" for i in got)
