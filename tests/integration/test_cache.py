"""The directory's response cache never serves stale data: every write through the API,
and a commit by another process on the same file, is seen by the next read."""
import sqlite3


def names(server, **params):
    return [c["full_name"] for c in server.admin.get("/contacts", {"state": "JP", **params}).json()["items"]]


def test_writes_through_the_api_are_seen_at_once(server):
    org = server.org()
    a = server.contact(org["id"], "First")
    assert names(server) == ["First"]
    r = server.admin.get("/contacts", {"state": "JP"})
    assert r.headers.get("X-Kizuna-Cache") == "hit"
    server.contact(org["id"], "Second")
    assert names(server) == ["First", "Second"]
    server.admin.patch(f"/contacts/{a['id']}", {"full_name": "Renamed"})
    assert names(server) == ["Renamed", "Second"]
    server.admin.delete(f"/contacts/{a['id']}")
    assert names(server) == ["Second"]
    server.admin.patch(f"/organizations/{org['id']}", {"state": "KR"})
    assert names(server) == []


def test_commits_by_another_process_are_seen(server):
    org = server.org()
    server.contact(org["id"], "Before")
    assert names(server) == ["Before"]
    assert names(server) == ["Before"]  # now cached
    con = sqlite3.connect(server.db)
    con.execute("UPDATE contacts SET full_name = 'Changed elsewhere'")
    con.commit()
    con.close()
    assert names(server) == ["Changed elsewhere"]


def test_cache_is_per_query_and_needs_a_key(server):
    org = server.org()
    server.contact(org["id"], "A", role="technical")
    server.contact(org["id"], "B", role="diplomatic")
    assert names(server, role="technical") == ["A"]
    assert names(server, role="diplomatic") == ["B"]
    assert names(server, role="technical") == ["A"]
    assert server.anon.get("/contacts", {"state": "JP"}).status_code == 401
    viewer = server.client(org["id"], "viewer")
    assert [c["full_name"] for c in viewer.get("/contacts", {"state": "JP", "role": "technical"}).json()["items"]] == ["A"]
