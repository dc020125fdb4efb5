"""The points-of-contact directory over HTTP: organizations, keys, contacts, roles."""
import pytest

from conftest import assert_error


def test_organization_crud(server):
    org = server.org("CERT Example", "FR", "national-csirt", website="https://cert.fr.example",
                     description="Computer emergency response team")
    assert {"id", "created", "modified"} <= set(org)
    got = server.admin.get(f"/organizations/{org['id']}").json()
    assert got == {**org, "origin": None}  # a single get says where it came from (federation)
    r = server.admin.patch(f"/organizations/{org['id']}", {"name": "CERT Example (renamed)"})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "CERT Example (renamed)" and r.json()["state"] == "FR"
    assert r.json()["modified"] >= org["modified"]
    listed = server.admin.get("/organizations", {"state": "FR"}).json()["items"]
    assert [o["id"] for o in listed] == [org["id"]]
    assert server.admin.get("/organizations", {"kind": "regulator"}).json()["items"] == []
    assert server.admin.delete(f"/organizations/{org['id']}").status_code == 204
    assert server.admin.get(f"/organizations/{org['id']}").status_code == 404


def test_keys_are_shown_once_and_stored_as_hashes(server):
    org = server.org()
    r = server.admin.post("/keys", {"organization": org["id"], "role": "viewer", "label": "ops laptop"})
    assert r.status_code == 201
    key = r.json()["key"]
    assert key.startswith("kz_") and len(key) >= 46  # 256 bits in base64url
    kid = r.json()["id"]
    assert "key" not in server.admin.get(f"/keys/{kid}").json()
    listed = server.admin.get("/keys", {"organization": org["id"]}).json()["items"]
    assert [k["id"] for k in listed] == [kid]
    assert all("key" not in k and "hash" not in k for k in listed)
    assert key.encode() not in server.db.read_bytes()  # not even in the file
    from conftest import Client
    viewer = Client(server.base, key)
    assert viewer.get("/contacts").status_code == 200
    assert server.admin.delete(f"/keys/{kid}").status_code == 204
    assert_error(viewer.get("/contacts"), 401, code="unauthorized")
    assert server.admin.get(f"/keys/{kid}").json()["revoked"]


def test_a_key_changed_by_another_process_is_seen_on_the_next_request(server):
    """The server remembers the last key each thread authenticated while the database is
    unchanged; a change made by another process (here sqlite3 itself) ends that at once."""
    import sqlite3
    from conftest import Client
    org = server.org()
    r = server.admin.post("/keys", {"organization": org["id"], "role": "analyst"})
    viewer, kid = Client(server.base, r.json()["key"]), r.json()["id"]
    for _ in range(20):  # every thread of the pool has it now
        assert viewer.get("/contacts").status_code == 200
    body = {"type": "domain", "value": "memo.example", "tlp": "green"}
    db = sqlite3.connect(server.db, timeout=30, isolation_level=None)
    db.execute("UPDATE api_keys SET role = 'viewer' WHERE id = ?", (kid,))
    for _ in range(8):
        assert_error(viewer.post("/indicators", body), 403)
    db.execute("UPDATE api_keys SET revoked = 1 WHERE id = ?", (kid,))
    db.close()
    for _ in range(8):
        assert_error(viewer.get("/contacts"), 401, code="unauthorized")


def test_only_the_operator_organization_gets_admin_keys(server):
    org = server.org()
    assert_error(server.admin.post("/keys", {"organization": org["id"], "role": "admin"}), 400, "role")
    r = server.admin.post("/keys", {"organization": server.admin.org, "role": "admin"})
    assert r.status_code == 201
    assert_error(server.admin.post("/keys", {"organization": "6a7027a6-5610-4035-9248-7404031bf1f6",
                                             "role": "viewer"}), 400, "organization")


def test_missing_or_wrong_key_is_401(server):
    assert_error(server.anon.get("/contacts"), 401)
    from conftest import Client
    assert_error(Client(server.base, "kz_" + "A" * 43).get("/contacts"), 401)
    r = server.anon.s.get(server.anon.url("/contacts"), headers={"Authorization": "Token abc"})
    assert_error(r, 401)
    assert server.anon.get("/contacts").headers["WWW-Authenticate"].startswith("Bearer")


CONTACT = {
    "full_name": "Hanako Example", "position": "Duty officer", "role": "csirt",
    "email": "duty@csirt.jp.example", "phone": "+81 3 5555 0101", "languages": ["ja", "en"],
    "hours": "Mon-Fri 09:00-18:00", "timezone": "Asia/Tokyo",
    "public_key": "-----BEGIN PGP PUBLIC KEY BLOCK-----\nmQENBF...\n-----END PGP PUBLIC KEY BLOCK-----",
    "verified_at": "2026-11-01T09:00:00+09:00",
}


def test_contact_crud_and_fields(server):
    org = server.org("JPCERT Example", "JP")
    r = server.admin.post("/contacts", {"organization": org["id"], **CONTACT})
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["state"] == "JP" and c["languages"] == ["ja", "en"]
    assert c["verified_at"] == "2026-11-01T00:00:00.000Z"
    assert c["created"] == c["modified"]
    assert server.admin.get(f"/contacts/{c['id']}").json() == {**c, "origin": None}
    r = server.admin.patch(f"/contacts/{c['id']}", {"phone": None, "position": "Head of IR"})
    assert r.status_code == 200, r.text
    assert r.json()["phone"] is None and r.json()["position"] == "Head of IR"
    assert r.json()["email"] == CONTACT["email"]
    # a contact needs a way to be reached
    assert_error(server.admin.patch(f"/contacts/{c['id']}", {"email": None}), 400, "email")
    assert server.admin.delete(f"/contacts/{c['id']}").status_code == 204
    assert_error(server.admin.get(f"/contacts/{c['id']}"), 404)


def test_contact_list_filters_and_pagination(server):
    jp, fr = server.org("JP CSIRT", "JP"), server.org("FR CSIRT", "FR")
    made = [server.contact(jp["id"], f"JP person {i}", "technical" if i % 2 else "csirt") for i in range(7)]
    server.contact(fr["id"], "Marianne Example", "diplomatic")
    seen, cursor, pages = [], None, 0
    while True:
        params = {"state": "JP", "limit": 3}
        if cursor:
            params["cursor"] = cursor
        body = server.admin.get("/contacts", params).json()
        seen += [c["id"] for c in body["items"]]
        pages += 1
        cursor = body["next"]
        if not cursor:
            break
    assert seen == [c["id"] for c in made] and pages == 3
    tech = server.admin.get("/contacts", {"state": "JP", "role": "technical"}).json()["items"]
    assert len(tech) == 3 and all(c["role"] == "technical" for c in tech)
    by_org = server.admin.get("/contacts", {"organization": fr["id"]}).json()["items"]
    assert [c["full_name"] for c in by_org] == ["Marianne Example"]
    assert [c["full_name"] for c in server.admin.get("/contacts", {"q": "mariann"}).json()["items"]] == ["Marianne Example"]
    assert len(server.admin.get("/contacts", {"q": "FR CSIRT"}).json()["items"]) == 1
    assert_error(server.admin.get("/contacts", {"state": "XX"}), 400, "state")
    assert_error(server.admin.get("/contacts", {"role": "boss"}), 400, "role")
    assert_error(server.admin.get("/contacts", {"limit": 0}), 400, "limit")
    assert_error(server.admin.get("/contacts", {"limit": 5000}), 400, "limit")
    assert_error(server.admin.get("/contacts", {"cursor": "garbage"}), 400, "cursor")
    assert_error(server.admin.get("/contacts", {"stat": "JP"}), 400, "stat")


def test_roles(server):
    mine, other = server.org("Mine", "SG"), server.org("Other", "MY")
    analyst = server.client(mine["id"], "analyst")
    viewer = server.client(mine["id"], "viewer")
    # analysts manage their own organization's contacts ...
    r = analyst.post("/contacts", {"organization": mine["id"], "full_name": "A", "role": "csirt",
                                   "email": "a@csirt.sg.example"})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert analyst.patch(f"/contacts/{cid}", {"position": "Lead"}).status_code == 200
    # ... and nobody else's, nor may they move a contact away
    theirs = server.contact(other["id"], "B", email="b@csirt.my.example")
    assert_error(analyst.post("/contacts", {"organization": other["id"], "full_name": "X",
                                            "role": "csirt", "email": "x@csirt.my.example"}), 403)
    assert_error(analyst.patch(f"/contacts/{theirs['id']}", {"position": "Pwned"}), 403)
    assert_error(analyst.delete(f"/contacts/{theirs['id']}"), 403)
    assert_error(analyst.patch(f"/contacts/{cid}", {"organization": other["id"]}), 403)
    assert server.admin.get(f"/contacts/{theirs['id']}").json()["position"] is None
    # viewers read, nothing more
    assert viewer.get("/contacts").status_code == 200
    assert viewer.get(f"/contacts/{theirs['id']}").status_code == 200
    assert_error(viewer.post("/contacts", {"organization": mine["id"], "full_name": "V",
                                           "role": "csirt", "email": "v@csirt.sg.example"}), 403)
    assert_error(viewer.delete(f"/contacts/{cid}"), 403)
    # organizations and keys are the node admins' business
    assert_error(analyst.post("/organizations", {"name": "N", "state": "JP", "kind": "other"}), 403)
    assert_error(analyst.patch(f"/organizations/{mine['id']}", {"name": "Renamed"}), 403)
    assert_error(analyst.post("/keys", {"organization": mine["id"], "role": "admin"}), 403)
    assert_error(analyst.get("/keys"), 403)
    # the admins manage everything
    assert server.admin.patch(f"/contacts/{cid}", {"position": "Set by admin"}).status_code == 200


def test_deleting_an_organization_with_contacts_is_refused(server):
    org = server.org()
    server.contact(org["id"])
    assert_error(server.admin.delete(f"/organizations/{org['id']}"), 409, "organization")
