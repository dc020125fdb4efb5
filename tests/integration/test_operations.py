"""Running a node for real (issue 11, point 17): the configuration file (--config and
KIZUNA_CONFIG, keys from the options tables, flag > env > file > default, errors with
FILE:LINE:COLUMN), kizuna backup while the server writes and kizuna restore of it,
kizuna key create for an operator without admin keys, and audit verify refusing a copy
made without its -wal file. Real files, real servers."""
import hashlib
import os
import re
import shutil
import stat
import subprocess
import threading
import uuid

import pytest
import requests

from conftest import KIZUNA, Client, free_port, run_kizuna, wait_until_serving


def init(path):
    out = run_kizuna("init", "--db", path, "--log-level", "warn")
    return out.stdout.strip().splitlines()[-1]


def commands():
    """Every command and its option names, from kizuna --help (the options tables)."""
    out = run_kizuna("--help").stdout
    names = re.findall(r"^  (\S+(?: [a-z]+)?)\s{2,}", out.split("Commands:")[1], re.M)
    table = {}
    for name in names:
        text = run_kizuna(*name.split(), "--help").stdout
        table[name] = [(m.group(1), m.group(2) is not None)
                       for m in re.finditer(r"^  --([a-z0-9-]+)( [A-Z])?", text, re.M) if m.group(1) != "config"]
    return table


# ---- configuration file --------------------------------------------------------------

def test_every_option_of_every_command_has_a_key(tmp_path):
    table = commands()
    assert "serve" in table and ("listen", True) in table["serve"] and ("public", False) in table["serve"]
    lines = []
    for cmd, opts in table.items():
        if cmd == "version" or not opts:
            continue
        lines.append(f"[{cmd}]")
        lines += [f"{name} = {'x' if takes else 'true'}" for name, takes in opts]
    conf = tmp_path / "all.conf"
    conf.write_text("\n".join(lines) + "\n")
    r = run_kizuna("version", "--config", conf, check=False)
    assert r.returncode == 0, r.stderr  # every key known, none applied to version
    # and a key that is no option of its command is refused where it is written
    conf.write_text("\n".join(lines) + "\n[serve]\nlistn = 1\n")
    r = run_kizuna("version", "--config", conf, check=False)
    assert r.returncode == 2
    assert f"{conf}:{len(lines) + 2}:1: unknown key 'listn' in [serve]" in r.stderr, r.stderr


def test_precedence_flag_env_file_default(tmp_path):
    real = tmp_path / "real.db"
    init(real)
    conf = tmp_path / "k.conf"
    conf.write_text(f"db = {tmp_path / 'from-file.db'}\n")
    env = dict(os.environ, KIZUNA_CONFIG=str(conf))
    env.pop("KIZUNA_DB", None)
    r = run_kizuna("audit", "verify", check=False, env=env)
    assert r.returncode == 1 and "from-file.db" in r.stderr, r.stderr          # file over default
    r = run_kizuna("audit", "verify", check=False, env=dict(env, KIZUNA_DB=str(tmp_path / "from-env.db")))
    assert r.returncode == 1 and "from-env.db" in r.stderr, r.stderr           # env over file
    r = run_kizuna("audit", "verify", "--db", real, check=False, env=dict(env, KIZUNA_DB=str(tmp_path / "x.db")))
    assert r.returncode == 0 and "audit chain intact" in r.stdout, r.stderr    # flag over env
    # a [command] section wins over the keys of every command; --config over KIZUNA_CONFIG
    other = tmp_path / "other.conf"
    other.write_text(f"db = {tmp_path / 'nothing.db'}\n[audit verify]\ndb = {real}\n")
    r = run_kizuna("audit", "verify", "--config", other, check=False, env=env)
    assert r.returncode == 0, r.stderr
    # the file over the default: log-level's default (info) is replaced, and checked
    other.write_text(f"[audit verify]\ndb = {real}\nlog-level = loud\n")
    r = run_kizuna("audit", "verify", f"--config={other}", check=False)
    assert r.returncode == 2 and "--log-level must be" in r.stderr


@pytest.mark.parametrize("text,where,message", [
    ("db = k.db\nlisen = x\n", "2:1", "unknown key 'lisen': no command has such an option"),
    ("[serv]\n", "1:1", "unknown section [serv]"),
    ("[serve]\npublic = yes\n", "2:10", "a switch takes true or false"),
    ("db = \"k.db\n", "1:6", "the quoted value has no closing '\"'"),
    ("db = \"k\\q\"\n", "1:8", "unknown escape"),
    ("  db k.db\n", "1:6", "expected '=' after the key"),
    ("DB = k.db\n", "1:1", "expected a key"),
    ("db = a\ndb = b\n", "2:1", "db is given twice (first on line 1)"),
    # twice in another command's section, or in a section written twice: refused whatever
    # command reads the file (here audit verify), not only when that command runs
    ("[serve]\nlisten = a:1\n[match]\nthreads = 2\n[serve]\nlisten = b:2\n", "6:1",
     "listen is given twice (first on line 2)"),
    ("public = true\npublic = false\n", "2:1", "public is given twice (first on line 1)"),
    ("[serve]\nlisten =\n", "2:9", "listen needs a value"),
    ("[serve\n", "1:7", "the section has no closing ']'"),
    ("config = other.conf\n", "1:1", "a configuration file cannot name another one"),
])
def test_config_errors_name_file_line_and_column(tmp_path, text, where, message):
    conf = tmp_path / "bad.conf"
    conf.write_text(text)
    r = run_kizuna("audit", "verify", "--config", conf, check=False)
    assert r.returncode == 2, r.stderr
    assert f"{conf}:{where}: {message}" in r.stderr, r.stderr


def test_serve_from_a_configuration_file(tmp_path):
    db = tmp_path / "node.db"
    key = init(db)
    port = free_port()
    conf = tmp_path / "kizuna.conf"
    conf.write_text(f"# a node\ndb = {db}\nlog-level = warn\n\n[serve]\nlisten = 127.0.0.1:{port}   # loopback\n"
                    "public = true\nscheduler-interval = 1\n")
    base = f"http://127.0.0.1:{port}"
    p = subprocess.Popen([KIZUNA, "serve", "--config", conf], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until_serving(base, p)
        assert Client(base, key).get("/node").status_code == 200
        # public = true: anonymous reads of TLP:CLEAR are allowed
        assert requests.get(f"{base}/api/v1/incidents", timeout=10).status_code == 200
    finally:
        p.terminate()
        assert p.wait(timeout=30) == 0


# ---- backup and restore ---------------------------------------------------------------

def test_backup_while_the_server_writes_then_restore_and_serve(server, tmp_path):
    stop = threading.Event()
    made, errors = [], []

    def writer():
        while not stop.is_set():
            r = server.admin.post("/organizations", {"name": f"Org {uuid.uuid4()}", "state": "DE",
                                                     "kind": "national-csirt"})
            (made if r.status_code == 201 else errors).append(r.status_code)

    t = threading.Thread(target=writer)
    t.start()
    try:
        while len(made) < 20:
            pass
        out = tmp_path / "backup" / "kizuna-copy.db"
        out.parent.mkdir()
        before = len(made)  # committed before the backup began: all in the copy
        r = run_kizuna("backup", "--db", server.db, "--output", out, "--log-level", "warn")
    finally:
        stop.set()
        t.join()
    assert not errors, errors
    assert "integrity check ok, audit chain intact" in r.stdout, r.stdout
    key_copy = out.parent / "kizuna-copy.db.key"
    assert stat.S_IMODE(key_copy.stat().st_mode) == 0o600
    assert key_copy.read_bytes() == (server.tmp / "kizuna.db.key").read_bytes()
    assert not (out.parent / "kizuna-copy.db-wal").exists()
    # the copy is complete without a -wal file: audit verify accepts it
    v = run_kizuna("audit", "verify", "--db", out, check=False)
    assert v.returncode == 0, v.stderr
    # never over an existing file
    again = run_kizuna("backup", "--db", server.db, "--output", out, check=False)
    assert again.returncode == 1 and "already exists" in again.stderr

    restored = tmp_path / "restored" / "kizuna.db"
    restored.parent.mkdir()
    r = run_kizuna("restore", "--input", out, "--db", restored, "--log-level", "warn")
    assert "restored" in r.stdout and "audit chain intact" in r.stdout, r.stdout
    assert stat.S_IMODE((restored.parent / "kizuna.db.key").stat().st_mode) == 0o600
    port = free_port()
    p = subprocess.Popen([KIZUNA, "serve", "--db", restored, "--listen", f"127.0.0.1:{port}", "--log-level", "warn"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(base, p)
        orgs = Client(base, server.admin_key).get("/organizations", {"limit": 1000}).json()["items"]
        n = sum(o["name"].startswith("Org ") for o in orgs)
        assert 20 <= before <= n <= len(made), (before, n, len(made))
    finally:
        p.terminate()
        assert p.wait(timeout=30) == 0
    # restore never replaces a database
    r = run_kizuna("restore", "--input", out, "--db", restored, check=False)
    assert r.returncode == 1 and "already exists" in r.stderr


def test_restore_of_a_backup_without_its_key_file(server, tmp_path):
    out = tmp_path / "db-only.db"
    r = run_kizuna("backup", "--db", server.db, "--output", out, "--no-key", "--log-level", "warn")
    assert "no key file copied" in r.stdout and not (tmp_path / "db-only.db.key").exists()
    target = tmp_path / "t" / "k.db"
    target.parent.mkdir()
    r = run_kizuna("restore", "--input", out, "--db", target, check=False)
    assert r.returncode == 1 and "--input-key" in r.stderr and not target.exists()
    import sqlite3
    db = sqlite3.connect(out)  # in rollback-journal mode, as sqlite3's .backup writes one
    assert db.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"
    db.close()
    kept = hashlib.sha256(out.read_bytes()).hexdigest()
    r = run_kizuna("restore", "--input", out, "--db", target, "--input-key", server.tmp / "kizuna.db.key",
                   "--log-level", "warn")
    assert "audit chain intact" in r.stdout
    # the backup is read as it is, never opened for writing nor migrated: byte for byte
    # what it was (still in rollback-journal mode), nothing written beside it
    assert hashlib.sha256(out.read_bytes()).hexdigest() == kept
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("db-only")] == ["db-only.db"]
    # the node's own key file still in place beside the new --db: it is used as it is
    (tmp_path / "u").mkdir()
    shutil.copy(server.tmp / "kizuna.db.key", tmp_path / "u" / "k.db.key")
    r = run_kizuna("restore", "--input", out, "--db", tmp_path / "u" / "k.db", "--log-level", "warn")
    assert "with the key file that was already in place" in r.stdout, r.stdout
    # a key file of another node is refused, and nothing is left
    other = tmp_path / "other.db"
    init(other)
    t2 = tmp_path / "t2.db"
    r = run_kizuna("restore", "--input", out, "--db", t2, "--input-key", tmp_path / "other.db.key", check=False)
    assert r.returncode == 1 and not t2.exists() and not (tmp_path / "t2.db.key").exists(), r.stderr
    # a file that is no database is refused as the input, and nothing is left
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database, " * 512)
    t3 = tmp_path / "t3.db"
    r = run_kizuna("restore", "--input", junk, "--db", t3, "--input-key", server.tmp / "kizuna.db.key", check=False)
    assert r.returncode == 1 and "cannot read" in r.stderr and str(junk) in r.stderr, r.stderr
    assert not t3.exists() and not (tmp_path / "t3.db.key").exists() and not (tmp_path / "t3.db.restoring").exists()
    assert junk.read_bytes() == b"not a database, " * 512


def test_backup_of_a_tampered_database_fails_and_leaves_nothing(tmp_path):
    import sqlite3
    db = tmp_path / "k.db"
    init(db)
    c = sqlite3.connect(db)
    c.execute("DROP TRIGGER IF EXISTS audit_no_update")
    names = [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'")]
    for n in names:
        c.execute(f"DROP TRIGGER {n}")
    c.execute("UPDATE audit SET detail = 'rewritten' WHERE seq = 1")
    c.commit()
    c.close()
    r = run_kizuna("backup", "--db", db, "--output", tmp_path / "b.db", check=False)
    assert r.returncode == 1 and "audit chain is broken at entry 1" in r.stderr, r.stderr
    assert not (tmp_path / "b.db").exists() and not (tmp_path / "b.db.key").exists()


# ---- audit verify of a copy without its -wal --------------------------------------------

def test_audit_verify_refuses_a_copy_made_without_its_wal(server, tmp_path):
    for i in range(5):
        assert server.admin.post("/organizations", {"name": f"W{i}", "state": "FR",
                                                    "kind": "national-csirt"}).status_code == 201
    assert (server.tmp / "kizuna.db-wal").stat().st_size > 0
    copy = tmp_path / "copy.db"
    shutil.copy(server.db, copy)
    shutil.copy(server.tmp / "kizuna.db.key", tmp_path / "copy.db.key")
    r = run_kizuna("audit", "verify", "--db", copy, check=False)
    assert r.returncode == 1, r.stdout
    assert "no -wal file beside it" in r.stderr and "kizuna backup" in r.stderr, r.stderr
    # the live database (with its -wal) verifies, while the server runs
    assert run_kizuna("audit", "verify", "--db", server.db).returncode == 0
    # after a clean stop the file alone is complete, and its copy verifies
    assert server.stop() == 0
    shutil.copy(server.db, tmp_path / "after.db")
    shutil.copy(server.tmp / "kizuna.db.key", tmp_path / "after.db.key")
    r = run_kizuna("audit", "verify", "--db", tmp_path / "after.db", check=False)
    assert r.returncode == 0, r.stderr
    server.start()  # the fixture stops it again


def test_audit_verify_reads_a_backup_without_changing_it(server, tmp_path):
    tmp_path = tmp_path / "copies"  # the server's own files lie in the fixture's folder
    tmp_path.mkdir()
    out = tmp_path / "b.db"
    run_kizuna("backup", "--db", server.db, "--output", out, "--log-level", "warn")
    import sqlite3
    # the backup stands alone in rollback-journal mode: its own check did not switch it to WAL
    probe = sqlite3.connect(f"file:{out}?mode=ro", uri=True)
    assert probe.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    probe.close()
    kept = hashlib.sha256(out.read_bytes()).hexdigest()
    for extra in ([], ["--public-key", server.admin.get("/node").json()["signing_key"]["public_key"]]):
        r = run_kizuna("audit", "verify", "--db", out, *extra, check=False)
        assert r.returncode == 0 and "audit chain intact" in r.stdout, r.stderr
        # neither migrated nor switched to WAL: the file is as the backup wrote it, alone
        assert hashlib.sha256(out.read_bytes()).hexdigest() == kept
        assert sorted(f.name for f in tmp_path.iterdir()) == ["b.db", "b.db.key"]
    # a file of an older schema is not brought up to date by a check: it says how instead
    old = tmp_path / "old.db"
    shutil.copy(out, old)
    shutil.copy(tmp_path / "b.db.key", tmp_path / "old.db.key")
    db = sqlite3.connect(old)
    version = db.execute("PRAGMA user_version").fetchone()[0]
    db.execute(f"PRAGMA user_version = {version - 1}")
    db.close()
    kept = hashlib.sha256(old.read_bytes()).hexdigest()
    r = run_kizuna("audit", "verify", "--db", old, check=False)
    assert r.returncode == 1 and f"schema version {version - 1}, older than this kizuna's {version}" in r.stderr
    assert "kizuna restore" in r.stderr, r.stderr
    assert hashlib.sha256(old.read_bytes()).hexdigest() == kept and not (tmp_path / "old.db-wal").exists()


# ---- key create ----------------------------------------------------------------------

def key_creations(server):
    return [e for e in server.admin.get("/audit", {"limit": 1000}).json()["items"] if e["action"] == "key.create"]


def test_key_create_gives_an_operator_an_admin_key_back(server):
    before = len(key_creations(server))
    r = run_kizuna("key", "create", "--db", server.db, "--role", "admin", "--log-level", "warn")
    key = r.stdout.strip().splitlines()[-1]
    assert key.startswith("kz_") and "shown only this once" in r.stdout
    admin = Client(server.base, key)
    assert admin.get("/keys").status_code == 200  # the running server accepts it at once
    key_id = re.search(r"Created admin key (\S+) ", r.stdout).group(1)
    made = key_creations(server)
    assert len(made) == before + 1 and [e["detail"] for e in made if e["object_id"] == key_id] == ["admin"], made
    assert key not in (server.tmp / "kizuna.db").read_bytes().decode("latin-1")
    # by organization name, an analyst key of another organization
    org = server.org(name="Partner CERT", state="FR")
    r = run_kizuna("key", "create", "--db", server.db, "--organization", "Partner CERT", "--role", "analyst")
    analyst = Client(server.base, r.stdout.strip().splitlines()[-1])
    assert analyst.get("/node").status_code == 200
    keys = server.admin.get("/keys", {"limit": 1000}).json()["items"]
    assert any(k["organization"] == org["id"] and k["role"] == "analyst" for k in keys)
    # admin keys are the operator's only; a wrong role is a usage error
    r = run_kizuna("key", "create", "--db", server.db, "--organization", org["id"], "--role", "admin", check=False)
    assert r.returncode == 1 and "(--role)" in r.stderr, r.stderr
    r = run_kizuna("key", "create", "--db", server.db, "--role", "boss", check=False)
    assert r.returncode == 2 and "--role must be" in r.stderr


def test_one_public_url_key_serves_serve_and_user_add(tmp_path):
    db = tmp_path / "k.db"
    init(db)
    conf = tmp_path / "k.conf"
    conf.write_text(f"db = {db}\npublic-url = https://kizuna.example/\n")
    r = run_kizuna("user", "add", "--config", conf, "--email", "aiko@csirt.example", "--name", "Aiko",
                   "--organization", "Kizuna node operator", "--role", "admin")
    assert "https://kizuna.example/set-password?token=" in r.stdout, r.stdout
    # KIZUNA_PUBLIC_URL over the file, --base-url over both
    env = dict(os.environ, KIZUNA_PUBLIC_URL="https://env.example")
    r = run_kizuna("user", "reset", "--config", conf, "--email", "aiko@csirt.example", env=env)
    assert "https://env.example/set-password?token=" in r.stdout, r.stdout
    r = run_kizuna("user", "reset", "--config", conf, "--email", "aiko@csirt.example", "--base-url",
                   "https://flag.example", env=env)
    assert "https://flag.example/set-password?token=" in r.stdout, r.stdout
