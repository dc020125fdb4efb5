"""The audit chain end to end: every state change appends an entry with who, what and
the request id; `kizuna audit verify` passes on an intact file and names the first
entry after rows are edited or removed. Also init and schema versions."""
import sqlite3

from conftest import Server, run_kizuna


def test_every_change_is_audited_with_the_request_id(server):
    org = server.org()
    r = server.admin.post("/contacts", {"organization": org["id"], "full_name": "A", "role": "csirt",
                                        "email": "a@csirt.jp.example"})
    rid = r.headers["X-Request-Id"]
    server.admin.patch(f"/contacts/{r.json()['id']}", {"position": "x"})
    server.admin.delete(f"/contacts/{r.json()['id']}")
    entries = server.admin.get("/audit", {"limit": 100}).json()["items"]
    actions = [e["action"] for e in entries]
    assert actions[:3] == ["node.init", "node.signing_key", "key.create"]
    assert actions[3:] == ["organization.create", "contact.create", "contact.update", "contact.delete"]
    create = entries[4]
    assert create["request_id"] == rid and create["object_id"] == r.json()["id"]
    assert create["actor_org"] == server.admin.org and create["actor_key"]
    assert all(e["prev_hash"] == p["hash"] for p, e in zip(entries, entries[1:]))
    assert server.admin.get("/audit/verify").json()["intact"] is True
    # reading changes nothing
    server.admin.get("/contacts")
    assert len(server.admin.get("/audit", {"limit": 100}).json()["items"]) == len(entries)


def test_audit_is_admin_only(server):
    org = server.org()
    assert server.client(org["id"], "analyst").get("/audit").status_code == 403


def tamper(db, sql):
    con = sqlite3.connect(db)
    con.executescript(sql)
    con.commit()
    con.close()


def test_sql_cannot_edit_the_audit_table(server):
    org = server.org()
    server.stop()
    import pytest
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        tamper(server.db, "UPDATE audit SET detail = 'x' WHERE seq = 2")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        tamper(server.db, "DELETE FROM audit WHERE seq = 2")
    assert run_kizuna("audit", "verify", "--db", server.db).returncode == 0


def test_audit_verify_cli_names_the_entry(tmp_path):
    s = Server(tmp_path)
    org = s.org()
    for i in range(3):
        s.contact(org["id"], f"P{i}")
    s.stop()
    db = str(s.db)
    copy = tmp_path / "edited.db"
    removed = tmp_path / "removed.db"
    import shutil
    shutil.copy(db, copy)
    shutil.copy(db, removed)
    tamper(copy, "DROP TRIGGER audit_no_update; UPDATE audit SET object_id = 'forged' WHERE seq = 4;")
    r = run_kizuna("audit", "verify", "--db", copy, "--key-file", f"{db}.key", check=False)
    assert r.returncode != 0 and "entry 4" in r.stderr, r.stderr
    tamper(removed, "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 2;")
    r = run_kizuna("audit", "verify", "--db", removed, "--key-file", f"{db}.key", check=False)
    assert r.returncode != 0 and "entry 2" in r.stderr, r.stderr
    assert run_kizuna("audit", "verify", "--db", db).returncode == 0


def test_init_prints_the_key_last_and_refuses_to_overwrite(tmp_path):
    db = tmp_path / "n.db"
    out = run_kizuna("init", "--db", db)
    key = out.stdout.strip().splitlines()[-1]
    assert key.startswith("kz_") and len(key) == 46
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA user_version").fetchone()[0] >= 1
    con.close()
    again = run_kizuna("init", "--db", db, check=False)
    assert again.returncode != 0 and "exists" in again.stderr
    assert run_kizuna("init", "--db", tmp_path / "x.db", "--state", "XX", check=False).returncode == 2


def test_a_database_from_a_newer_version_is_refused(tmp_path):
    db = tmp_path / "n.db"
    run_kizuna("init", "--db", db)
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version = 999")
    con.commit()
    con.close()
    r = run_kizuna("serve", "--db", db, "--listen", "127.0.0.1:0", check=False)
    assert r.returncode != 0
    assert "999" in r.stderr and "newer" in r.stderr
    r = run_kizuna("audit", "verify", "--db", db, check=False)
    assert r.returncode != 0 and "999" in r.stderr
