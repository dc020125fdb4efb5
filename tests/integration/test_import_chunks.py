"""Long imports against a running server (issue 11, point 15): kizuna import commits in
chunks, so API writes made while it runs get through between chunks; a write that
cannot get the database is answered 503 with Retry-After, never 500; an import that
fails half way keeps the chunks before the failure and says how many records landed
(with --chunk 0 it stays all or nothing)."""
import json
import sqlite3
import subprocess
import threading
import uuid

from conftest import KIZUNA, assert_error, run_kizuna


def feed(path, n, bad_at=None):
    """A CSV of n distinct domains (and a bad record at 1-based record bad_at)."""
    with open(path, "w") as f:
        f.write("type,value,tlp\n")
        for i in range(1, n + 1):
            f.write("domain,not a domain!,clear\n" if i == bad_at else f"domain,h{i}.chunk.example,clear\n")
    return path


def total(server):
    r = server.admin.get("/stats/indicators")
    assert r.status_code == 200, r.text
    return r.json()["total"]


def audit(server, action):
    items, cursor = [], None  # the whole chain: API writes made meanwhile sit between the chunks
    while True:
        page = server.admin.get("/audit", {"limit": 1000, **({"cursor": cursor} if cursor else {})}).json()
        items += page["items"]
        cursor = page.get("next")
        if not cursor:
            break
    return [json.loads(e["detail"]) if isinstance(e.get("detail"), str) else e.get("detail")
            for e in items if e["action"] == action]


def test_api_writes_get_through_while_a_long_import_runs(server, tmp_path):
    n = 300_000
    path = feed(tmp_path / "big.csv", n)
    imp = subprocess.Popen([KIZUNA, "import", "csv", "--db", str(server.db), "--log-level", "warn",
                            "--chunk", "5000", str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    statuses, during = [], 0
    try:
        while imp.poll() is None:
            r = server.admin.post("/organizations", {"name": f"Org {uuid.uuid4()}", "state": "FR",
                                                     "kind": "national-csirt"})
            statuses.append(r.status_code)
            if r.status_code == 503:
                assert r.headers.get("Retry-After", "").isdigit(), r.headers
                assert_error(r, 503, code="busy")
            else:
                assert r.status_code == 201, r.text
            if imp.poll() is None:
                during += r.status_code == 201  # answered while the import still ran
    finally:
        out, err = imp.communicate(timeout=600)
    assert imp.returncode == 0, err
    assert f"{n} records: {n} created" in out, out
    assert 500 not in statuses
    assert during >= 1, ("no API write got through during the import", statuses)
    assert total(server) == n
    chunks = audit(server, "indicator.import")
    assert sum(c["created"] for c in chunks) == n and len(chunks) == n // 5000, chunks[:3]
    assert sorted(c["chunk"] for c in chunks) == list(range(1, n // 5000 + 1))


def test_a_write_that_cannot_get_the_database_is_503_with_retry_after(server):
    from test_taxii import Taxii, assert_taxii_error, ind
    taxii = Taxii(server.base, server.admin_key)
    green = taxii.collections()["TLP:GREEN"]["id"]
    answers = {}

    def taxii_post():
        answers["taxii"] = taxii.post(f"/taxii2/api/collections/{green}/objects/", {"objects": [ind("w.example")]})

    other = sqlite3.connect(server.db, timeout=30, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock past the busy timeout
    t = threading.Thread(target=taxii_post)
    try:
        t.start()  # both writes wait side by side
        r = server.admin.post("/organizations", {"name": "Waits", "state": "FR", "kind": "national-csirt"})
        t.join()
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert_error(r, 503, code="busy")
    assert r.headers["Retry-After"] == "2"
    assert "busy" in r.json()["error"]["message"]
    body = assert_taxii_error(answers["taxii"], 503)  # a TAXII client gets a TAXII error
    assert answers["taxii"].headers["Retry-After"] == "2" and body["title"] == "Service unavailable"
    # and the same write once the lock is gone
    again = server.admin.post("/organizations", {"name": "Waits", "state": "FR", "kind": "national-csirt"})
    assert again.status_code == 201, again.text


def test_an_error_mid_file_keeps_the_chunks_before_it_and_says_so(server, tmp_path):
    path = feed(tmp_path / "bad.csv", 25_000, bad_at=23_456)
    r = run_kizuna("import", "csv", "--db", server.db, "--log-level", "warn", "--chunk", "10000", path, check=False)
    assert r.returncode == 1
    assert "bad.csv:23457:" in r.stderr, r.stderr  # the header is line 1
    assert "the first 20000 records were imported" in r.stderr, r.stderr
    assert total(server) == 20_000
    names = {i["value"] for i in server.admin.get("/indicators", {"q": "h20000.chunk.example"}).json()["items"]}
    assert names == {"h20000.chunk.example"}
    assert server.admin.get("/indicators", {"q": "h20001.chunk.example"}).json()["items"] == []
    # fixed and imported again: what landed is unchanged, the rest is created
    feed(path, 25_000)
    r = run_kizuna("import", "csv", "--db", server.db, "--log-level", "warn", "--chunk", "10000", path)
    assert "25000 records: 5000 created, 0 merged, 20000 unchanged" in r.stdout, r.stdout
    assert total(server) == 25_000


def test_chunk_0_keeps_all_or_nothing(server, tmp_path):
    path = feed(tmp_path / "bad.csv", 25_000, bad_at=23_456)
    r = run_kizuna("import", "csv", "--db", server.db, "--log-level", "warn", "--chunk", "0", path, check=False)
    assert r.returncode == 1 and "(nothing was imported)" in r.stderr, r.stderr
    assert total(server) == 0
    bad = run_kizuna("import", "csv", "--db", server.db, "--chunk", "-3", path, check=False)
    assert bad.returncode == 2 and "--chunk must be a number" in bad.stderr


def test_a_stix_bundle_cut_short_keeps_its_committed_chunks(server, tmp_path):
    objs = [{"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}",
             "created": "2026-01-05T10:00:00.000Z", "modified": "2026-01-05T10:00:00.000Z",
             "pattern": f"[domain-name:value = 's{i}.chunk.example']", "pattern_type": "stix",
             "valid_from": "2026-01-05T10:00:00Z"} for i in range(25)]
    text = json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objs})
    p = tmp_path / "cut.json"
    p.write_text(text[:text.index(objs[23]["id"]) + 20])  # cut inside the 24th object
    r = run_kizuna("import", "stix", "--db", server.db, "--log-level", "warn", "--chunk", "10", p, check=False)
    assert r.returncode == 1, r.stdout
    assert "the first 20 objects were imported" in r.stderr, r.stderr
    assert total(server) == 20
    events = audit(server, "stix.import")
    assert sorted(e["chunk"] for e in events) == [1, 2], events
    # the whole bundle in one transaction: nothing of a cut bundle is written
    q = tmp_path / "cut2.json"
    q.write_text(text.replace(".chunk.", ".one.")[:len(p.read_text())])
    r = run_kizuna("import", "stix", "--db", server.db, "--log-level", "warn", "--chunk", "0", q, check=False)
    assert r.returncode == 1 and "were imported" not in r.stderr
    assert total(server) == 20


def test_a_misp_feed_commits_after_the_events_that_fill_a_chunk(server, tmp_path):
    from test_misp_feeds import attribute, write_feed
    events = {f"7c1e2d3c-0a1b-4c2d-8e3f-0000000000{e:02x}": {
        "info": f"Event {e}", "Attribute": [attribute(e * 16 + a, "domain", f"m{e}-{a}.chunk.example") for a in range(3)]}
        for e in range(6)}
    root = write_feed(tmp_path / "feed", events)
    args = ["import", "misp", "--db", server.db, "--log-level", "warn", "--chunk", "8", root]
    r = run_kizuna(*args)
    assert "6 events: 6 created" in r.stdout, r.stdout
    assert total(server) == 18
    # 4 per event (the event and its 3 attributes): a commit after events 2, 4 and 6
    assert sorted(e["chunk"] for e in audit(server, "misp.import")) == [1, 2, 3]
    assert sorted(c["chunk"] for c in audit(server, "indicator.import")) == [1, 2, 3]
    before = len(server.admin.get("/audit", {"limit": 1000}).json()["items"])
    run_kizuna(*args)  # the same feed again changes (and audits) nothing
    assert len(server.admin.get("/audit", {"limit": 1000}).json()["items"]) == before


def test_chunks_by_time_by_default(server, tmp_path):
    """Without --chunk (or with --chunk auto) a chunk is committed every half second:
    the chunks, however many the machine's speed makes, are numbered from 1 without a
    gap and add up to the whole feed."""
    n = 60_000
    path = feed(tmp_path / "auto.csv", n)
    r = run_kizuna("import", "csv", "--db", server.db, "--log-level", "warn", path)
    assert f"{n} records: {n} created" in r.stdout, r.stdout
    events = audit(server, "indicator.import")
    assert sum(c["created"] for c in events) == n, events[:3]
    numbered = sorted(c["chunk"] for c in events if "chunk" in c)
    assert numbered == list(range(1, len(numbered) + 1)) and len(numbered) in (0, len(events)), events
    assert total(server) == n
    again = run_kizuna("import", "csv", "--db", server.db, "--log-level", "warn", "--chunk", "auto", path)
    assert f"{n} records: 0 created, 0 merged, {n} unchanged" in again.stdout, again.stdout
    bad = run_kizuna("import", "csv", "--db", server.db, "--chunk", "soon", path, check=False)
    assert bad.returncode == 2 and "--chunk must be a number" in bad.stderr
