"""The contact list's cache of each contact's JSON (serve --row-cache-kb): the answers are
byte for byte those of a server without it, and every write is seen by the next list —
through the API, by another process on the same file (a second server, SQLite directly,
the organizations trigger, `kizuna peer sync`), deletions included."""
import sqlite3
import subprocess

from conftest import KIZUNA, Client, free_port, run_kizuna, wait_until_serving

NO_RESPONSE_CACHE = ["--no-response-cache"]


def second_server(server, *args):
    """Another `kizuna serve` process on server's database file; (process, client)."""
    port = free_port()
    log = open(server.tmp / f"second-{port}.log", "ab")
    proc = subprocess.Popen([KIZUNA, "serve", "--db", str(server.db), "--listen", f"127.0.0.1:{port}",
                             "--scheduler-interval", "60", *args], stdout=log, stderr=log)
    wait_until_serving(f"http://127.0.0.1:{port}", proc, None)
    return proc, Client(f"http://127.0.0.1:{port}", server.admin_key)


def stop(proc):
    proc.terminate()
    assert proc.wait(timeout=30) == 0


def raw(client, **params):
    r = client.get("/contacts", params)
    assert r.status_code == 200, r.text
    return r.content


def names(client, **params):
    return [c["full_name"] for c in client.get("/contacts", params).json()["items"]]


QUERIES = [{"state": "JP", "limit": 50}, {"state": "JP", "limit": 7}, {"state": "KR"}, {"role": "technical"},
           {"state": "JP", "role": "diplomatic", "limit": 3}, {"q": "person"}, {"limit": 1000}, {}]


def fill(server):
    orgs = [server.org(f"Org {i}", state) for i, state in enumerate(["JP", "JP", "KR", "CZ"])]
    for i in range(120):
        o = orgs[i % len(orgs)]
        server.contact(o["id"], f"Person {i} 名前 \"quoted\"", role=["csirt", "technical", "diplomatic"][i % 3],
                       email=f"p{i}@example.org", languages=["en", "ja"][: 1 + i % 2])
    return orgs


def pages(client, **params):
    """Every page of a query, following the cursor: the raw bodies."""
    out, cursor = [], None
    while True:
        r = client.get("/contacts", {**params, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        out.append(r.content)
        cursor = r.json()["next"]
        if not cursor:
            return out


def test_answers_are_byte_identical_to_a_server_without_the_cache(make_server):
    server = make_server(NO_RESPONSE_CACHE)
    fill(server)
    proc, plain = second_server(server, "--no-response-cache", "--row-cache-kb", "0")
    try:
        for q in QUERIES:
            want = raw(plain, **q)
            assert raw(server.admin, **q) == want, q   # rows read and kept
            assert raw(server.admin, **q) == want, q   # rows from the cache
        for q in ({"state": "JP", "limit": 9}, {"limit": 25}):
            assert pages(server.admin, **q) == pages(plain, **q) == pages(server.admin, **q)
    finally:
        stop(proc)


def test_every_write_through_the_api_is_seen_by_the_next_list(make_server):
    server = make_server(NO_RESPONSE_CACHE)
    org = server.org("Cached CSIRT", "JP")
    a = server.contact(org["id"], "First")
    assert names(server.admin, state="JP") == ["First"] == names(server.admin, state="JP")
    b = server.contact(org["id"], "Second")
    assert names(server.admin, state="JP") == ["First", "Second"]
    server.admin.patch(f"/contacts/{a['id']}", {"full_name": "Renamed"})
    assert names(server.admin, state="JP") == ["Renamed", "Second"]
    server.admin.delete(f"/contacts/{b['id']}")
    assert names(server.admin, state="JP") == ["Renamed"]
    # the trigger copies the organization's state into its contacts
    assert server.admin.patch(f"/organizations/{org['id']}", {"state": "KR"}).status_code == 200
    assert names(server.admin, state="JP") == []
    assert [c["state"] for c in server.admin.get("/contacts", {"state": "KR"}).json()["items"]] == ["KR"]


def test_writes_by_other_processes_are_seen_by_the_next_list(make_server):
    server = make_server(NO_RESPONSE_CACHE)
    org = server.org("Cached CSIRT", "JP")
    c = server.contact(org["id"], "Before")
    assert names(server.admin, state="JP") == ["Before"] == names(server.admin, state="JP")
    proc, other = second_server(server, "--no-response-cache")
    try:
        assert other.patch(f"/contacts/{c['id']}", {"full_name": "By the other server"}).status_code == 200
        assert names(server.admin, state="JP") == ["By the other server"]
        assert other.post("/contacts", {"organization": org["id"], "full_name": "Added there", "role": "csirt",
                                        "email": "x@example.org"}).status_code == 201
        assert names(server.admin, state="JP") == ["By the other server", "Added there"]
    finally:
        stop(proc)
    con = sqlite3.connect(server.db)
    con.execute("UPDATE contacts SET full_name = 'Changed in SQLite' WHERE id = ?", (c["id"],))
    con.commit()
    assert names(server.admin, state="JP") == ["Changed in SQLite", "Added there"]
    con.execute("UPDATE organizations SET state = 'CZ' WHERE id = ?", (org["id"],))  # the trigger, elsewhere
    con.commit()
    assert names(server.admin, state="JP") == []
    assert names(server.admin, state="CZ") == ["Changed in SQLite", "Added there"]
    con.execute("DELETE FROM contacts WHERE id = ?", (c["id"],))
    con.commit()
    con.close()
    assert names(server.admin, state="CZ") == ["Added there"]


def test_contacts_received_by_peer_sync_in_another_process_are_seen(federation):
    jp, cz = federation.jp, federation.cz
    federation.pair(jp, cz)
    cert = jp.org("JPCERT/CC", "JP")
    poc = jp.contact(cert["id"], "Taro Yamada", email="taro@jpcert.example")
    federation.sync(cz, jp)
    assert "Taro Yamada" in names(cz.admin, state="JP") and "Taro Yamada" in names(cz.admin, state="JP")
    assert jp.admin.patch(f"/contacts/{poc['id']}", {"full_name": "Taro Yamada (duty)"}).status_code == 200
    run_kizuna("peer", "sync", "--db", cz.db, federation.peer_ids[(cz.base, jp.base)])
    listed = names(cz.admin, state="JP")
    assert "Taro Yamada (duty)" in listed and "Taro Yamada" not in listed


def test_a_cache_smaller_than_a_page_still_answers_the_same(make_server):
    server = make_server([*NO_RESPONSE_CACHE, "--row-cache-kb", "8"])
    fill(server)
    proc, plain = second_server(server, "--no-response-cache", "--row-cache-kb", "0")
    try:
        for q in QUERIES:
            want = raw(plain, **q)
            assert raw(server.admin, **q) == want == raw(server.admin, **q), q
    finally:
        stop(proc)


def test_a_bad_row_cache_size_is_refused_naming_the_option(tmp_path):
    """A size that is not a number of KiB in range stops serve before it opens anything."""
    db = tmp_path / "k.db"
    for bad in ("-5", "abc", "16777217"):
        r = subprocess.run([KIZUNA, "serve", "--db", str(db), "--listen", f"127.0.0.1:{free_port()}",
                            "--row-cache-kb", bad], capture_output=True, text=True, timeout=30)
        assert r.returncode == 2, (bad, r.stderr)
        assert "--row-cache-kb must be a number from 0 to 16777216" in r.stderr, (bad, r.stderr)
        assert not db.exists(), bad  # nothing created
