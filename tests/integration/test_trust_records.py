"""Records that prove themselves, and secrets not kept beside them (issue 10, points
10-13), tried as an insider with a copy of the database file would:

- the audit chain rewritten in the SQLite file — entries edited, deleted, renumbered,
  signatures stripped — with the SHA-256 chain and meta.audit_head recomputed the way
  the C code computes them, fails `kizuna audit verify`, against the key file and
  against --public-key on a copy without the key file; a wrong key fails too;
- an exported head (`kizuna audit head`) catches what signatures cannot: a rewrite by
  someone holding the signing key, and entries cut from the end;
- a request record whose summary (acknowledged_at, ack_due, answered_at, overdue,
  escalation_level, organization names, node.name) was edited fails, and a record
  re-signed with another key is reported as "NOT authenticated" without a key given;
- the key file: created 0600 at init, the server refuses to start when it is missing,
  too open or another node's, and a copy of the database without it gives none of the
  three secrets (signing key, answer-token key, victim-hashing key);
- a database from before key files has its secrets moved out, and nothing of them is
  left in the database file or its write-ahead log.
"""
import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from conftest import KIZUNA, ROOT, Server, free_port, run_kizuna, wait_until_serving
from test_requests import Pair

GENESIS = "0" * 64


# ---- the insider's tools: the audit chain recomputed outside Kizuna -----------------------

def field(v):
    if v is None:
        return b"-,"
    b = str(v).encode()
    return b"%d:" % len(b) + b + b","


def entry_hash(e):
    """store_audit.c's entry_hash, written again: SHA-256 over length-prefixed fields."""
    parts = ["kizuna-audit-1", e["prev_hash"], e["seq"], e["at"], e["actor_key"], e["actor_org"],
             e["action"], e["object_type"], e["object_id"], e["request_id"], e["detail"]]
    return hashlib.sha256(b"".join(field(p) for p in parts)).hexdigest()


def read_keys(path):
    """The key file's secrets: {"sign-key": bytes, "answer-key": bytes, ...}."""
    out = {}
    for line in open(path):
        if line.startswith("#") or line.startswith("kizuna-keys") or " " not in line:
            continue
        name, value = line.split()
        out[name] = value if name == "node" else bytes.fromhex(value)
    return out


def signer(key_file):
    return Ed25519PrivateKey.from_private_bytes(read_keys(key_file)["sign-key"][:32])


def public_hex(sk):
    return sk.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def rewrite_audit(db, edit, sign_with=None):
    """Rewrites the audit table as an insider with the file would: drops the triggers,
    applies edit(rows) -> rows, recomputes every prev_hash and hash from the genesis,
    re-signs with sign_with (an Ed25519PrivateKey) or keeps the old signatures, and
    rewrites meta.audit_head to the new end."""
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    rows = [dict(r) for r in con.execute("SELECT * FROM audit ORDER BY seq")]
    rows = edit(rows)
    prev = GENESIS
    for r in rows:
        r["prev_hash"] = prev
        r["hash"] = prev = entry_hash(r)
        if sign_with:
            r["sig"] = sign_with.sign(f"kizuna-audit-1:{r['seq']}:{r['hash']}".encode()).hex()
    con.executescript("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; DELETE FROM audit;")
    cols = list(rows[0].keys())
    con.executemany(f"INSERT INTO audit ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    [[r[c] for c in cols] for r in rows])
    con.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", (f"{rows[-1]['seq']} {rows[-1]['hash']}".encode(),))
    con.commit()
    con.close()


def renumber(rows):
    for i, r in enumerate(rows, 1):
        r["seq"] = i
    return rows


def verify(db, *args):
    return run_kizuna("audit", "verify", "--db", db, "--log-level", "warn", *args, check=False)


@pytest.fixture
def history(tmp_path):
    """A stopped node with a dozen audited writes; yields (server, public key hex)."""
    s = Server(tmp_path)
    org = s.org()
    for i in range(4):
        s.contact(org["id"], f"Person {i}", email=f"p{i}@csirt.jp.example")
    node = s.admin.get("/node").json()["signing_key"]
    pk = node["public_key"]
    assert node["fingerprint"] == hashlib.sha256(bytes.fromhex(pk)).hexdigest()
    assert s.stop() == 0
    return s, pk


def copy_without_key(s, tmp_path, name):
    """A copy of the database file alone, as a backup or a thief would have it."""
    p = tmp_path / name
    shutil.copy(s.db, p)
    assert not os.path.exists(f"{p}.key")
    return p


# ---- point 10: the signed audit chain --------------------------------------------------------

def test_the_python_recomputation_is_the_chain_kizuna_writes(history, tmp_path):
    # the insider's tool is right: recomputing an unchanged chain (old signatures kept)
    # leaves it intact, so the failures below come from the signatures, not the tool
    s, pk = history
    rewrite_audit(s.db, lambda rows: rows)
    r = verify(s.db)
    assert r.returncode == 0 and "intact" in r.stdout, r.stderr
    assert hashlib.sha256(bytes.fromhex(pk)).hexdigest() in r.stdout


@pytest.mark.parametrize("attack,entry", [
    ("edit", 5), ("delete", 3), ("renumber", 4), ("insert", 6), ("strip-signatures", 8)])
def test_insider_rewrites_of_the_audit_chain_fail(history, tmp_path, attack, entry):
    s, pk = history
    edits = {
        "edit": lambda rows: [dict(r, detail="forged", object_id="forged") if r["seq"] == 5 else r for r in rows],
        "delete": lambda rows: renumber([r for r in rows if r["seq"] != 3]),
        "renumber": lambda rows: renumber(rows[:3] + [rows[4], rows[3]] + rows[5:]),
        "insert": lambda rows: renumber(rows[:5] + [dict(rows[4], action="contact.delete")] + rows[5:]),
        "strip-signatures": lambda rows: [dict(r, sig=None) for r in rows],
    }
    before = verify(s.db)
    assert before.returncode == 0, before.stderr
    rewrite_audit(s.db, edits[attack])
    # the hashes and the recorded head agree again: only the signatures tell
    con = sqlite3.connect(s.db)
    rows = con.execute("SELECT seq, prev_hash, hash FROM audit ORDER BY seq").fetchall()
    head = con.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()[0].decode()
    con.close()
    assert all(b[1] == a[2] for a, b in zip(rows, rows[1:])) and head == f"{rows[-1][0]} {rows[-1][2]}"
    r = verify(s.db)
    want = "no entry of the chain is signed" if attack == "strip-signatures" else "signature does not verify"
    assert r.returncode == 1 and f"entry {entry}:" in r.stderr and want in r.stderr, r.stderr
    # the same verdict from a copy of the file alone, checked against the published key
    copy = copy_without_key(s, tmp_path, "copy.db")
    r = verify(copy, "--public-key", pk)
    assert r.returncode == 1 and f"entry {entry}:" in r.stderr and want in r.stderr, r.stderr


def test_a_signature_removed_from_one_entry_is_caught(history):
    s, _ = history
    rewrite_audit(s.db, lambda rows: [dict(r, sig=None) if r["seq"] == 6 else r for r in rows])
    r = verify(s.db)
    assert r.returncode == 1 and "entry 6:" in r.stderr and "unsigned" in r.stderr, r.stderr


def test_a_chain_resigned_with_another_key_fails_against_the_node_key(history, tmp_path):
    s, pk = history
    forger = Ed25519PrivateKey.generate()
    rewrite_audit(s.db, lambda rows: [dict(r, detail="forged") if r["seq"] == 4 else r for r in rows], forger)
    for args in ((), ("--public-key", pk)):
        r = verify(s.db, *args)
        assert r.returncode == 1 and "entry 1:" in r.stderr and "signature does not verify" in r.stderr, r.stderr
    # and the forger's own key "verifies" it: which is why the key must come from outside
    assert verify(s.db, "--public-key", public_hex(forger)).returncode == 0


def test_verification_with_a_wrong_key(history, tmp_path):
    s, pk = history
    (tmp_path / "other").mkdir()
    other = Server(tmp_path / "other")
    other_pk = other.admin.get("/node").json()["signing_key"]["public_key"]
    other.stop()
    assert other_pk != pk
    r = verify(s.db, "--public-key", other_pk)
    assert r.returncode == 1 and "entry 1:" in r.stderr and "signature does not verify" in r.stderr, r.stderr
    # another node's key file is refused outright, naming whose it is
    r = verify(s.db, "--key-file", f"{other.db}.key")
    assert r.returncode == 1 and "belongs to node" in r.stderr, r.stderr
    assert verify(s.db, "--public-key", "zz" * 32).returncode == 2
    assert verify(s.db, "--public-key", pk).returncode == 0


def test_without_a_key_file_or_key_verification_refuses_to_trust_the_database(history, tmp_path):
    s, pk = history
    copy = copy_without_key(s, tmp_path, "copy.db")
    r = verify(copy)
    assert r.returncode == 1 and "no key file" in r.stderr and "--public-key" in r.stderr, r.stderr
    assert verify(copy, "--public-key", pk).returncode == 0


def test_head_export_catches_rewrites_even_by_the_key_holder(history, tmp_path):
    s, pk = history
    head_file = tmp_path / "head.json"
    run_kizuna("audit", "head", "--db", s.db, "--output", head_file, "--log-level", "warn")
    head = json.loads(head_file.read_text())
    assert head["format"] == "kizuna-audit-head" and head["public_key"] == pk
    assert head["public_key_fingerprint"] == hashlib.sha256(bytes.fromhex(pk)).hexdigest()
    assert head["signed_text"] == f"kizuna-audit-1:{head['seq']}:{head['hash']}"
    # a third party checks the head with the public key alone
    Ed25519PublicKey.from_public_bytes(bytes.fromhex(pk)).verify(bytes.fromhex(head["signature"]),
                                                                 head["signed_text"].encode())
    n = head["seq"]
    # the API serves the same head while nothing changed
    s.start()
    assert s.admin.get("/audit/head").json() == head
    assert s.anon.get("/audit/head").status_code == 401
    s.org("Later CSIRT", "FR")  # the chain grows past the head
    s.stop()
    r = verify(s.db, "--head", head_file)
    assert r.returncode == 0 and f"exported head (entry {n}" in r.stdout, r.stderr

    keyholder = copy_without_key(s, tmp_path, "rewritten.db")
    rewrite_audit(keyholder, lambda rows: [dict(r, detail="forged") if r["seq"] == 2 else r for r in rows],
                  signer(f"{s.db}.key"))
    # with the key, the rewrite passes the signatures: only the head a third party kept tells
    assert verify(keyholder, "--public-key", pk).returncode == 0
    r = verify(keyholder, "--public-key", pk, "--head", head_file)
    assert r.returncode == 1 and f"entry {n}:" in r.stderr and "differs from the exported head" in r.stderr, r.stderr

    cut = copy_without_key(s, tmp_path, "cut.db")
    rewrite_audit(cut, lambda rows: rows[: n - 2])  # the newest entries removed, head rewritten
    assert verify(cut, "--public-key", pk).returncode == 0  # every remaining signature is genuine
    r = verify(cut, "--public-key", pk, "--head", head_file)
    assert r.returncode == 1 and f"entry {n - 1}:" in r.stderr and "missing" in r.stderr, r.stderr

    forged = dict(head, hash="ab" * 32, signed_text=f"kizuna-audit-1:{n}:{'ab' * 32}")
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    r = verify(s.db, "--head", tmp_path / "forged.json")
    assert r.returncode == 1 and "signature does not verify" in r.stderr, r.stderr
    (tmp_path / "junk.json").write_text(json.dumps(dict(head, seq=0)))
    r = verify(s.db, "--head", tmp_path / "junk.json")
    assert r.returncode == 2 and "seq" in r.stderr, r.stderr


# ---- point 11: request records ---------------------------------------------------------------

@pytest.fixture
def record(server, tmp_path):
    """An answered, escalated request's record exported for its sender: (path, pair, key)."""
    pair = Pair(server)
    server.contact(pair.sg["id"], "SG duty officer", role="technical", email="duty@csirt.sg.example")
    server.contact(pair.sg["id"], "SG CSIRT desk", role="csirt", email="desk@csirt.sg.example")
    d = pair.sent(kind="assistance", urgency="critical")
    server.advance(3 * 3600)  # past the acknowledgement deadline: overdue, escalated
    deadline = time.time() + 15
    while pair.a.get(f"/requests/{d['id']}").json()["escalation_level"] < 1 and time.time() < deadline:
        time.sleep(0.05)
    pair.b.post(f"/requests/{d['id']}/acknowledge")
    pair.b.post(f"/requests/{d['id']}/answer", {"message": "Indicators attached."})
    out = tmp_path / "record.json"
    run_kizuna("request", "export", d["id"], "--db", server.db, "--output", out, "--as", pair.jp["id"])
    pk = server.admin.get("/node").json()["signing_key"]["public_key"]
    return out, pair, pk


def request_verify(path, *args):
    return run_kizuna("request", "verify", path, *args, check=False)


DERIVED = "is not what signed entry"   # named from the entries that determine it
SEALED = "sealed"                      # caught by the seal's digest


@pytest.mark.parametrize("path,value,caught", [
    (("request", "acknowledged_at"), "2026-01-01T00:00:00.000Z", DERIVED),
    (("request", "ack_due"), "2099-01-01T00:00:00.000Z", DERIVED),
    (("request", "answer_due"), "2099-01-01T00:00:00.000Z", DERIVED),
    (("request", "sent_at"), "2026-01-01T00:00:00.000Z", DERIVED),
    (("request", "answered_at"), "2026-01-01T00:00:00.000Z", DERIVED),
    (("request", "escalation_level"), 7, "escalation_level is 7"),
    (("request", "overdue"), True, SEALED),
    (("request", "from_organization_name"), "Someone else", SEALED),
    (("request", "to_organization_name"), "Another CSIRT", SEALED),
    (("node", "name"), "A forged node", SEALED),
    (("node", "state"), "FR", SEALED),
])
def test_every_field_of_the_record_is_sealed(record, tmp_path, path, value, caught):
    out, pair, pk = record
    doc = json.loads(out.read_text())
    assert request_verify(out, "--public-key", pk).returncode == 0
    part, key = path
    assert key in doc[part], key
    assert doc[part][key] != value, (key, doc[part][key])
    doc[part][key] = value
    bad = tmp_path / "edited.json"
    bad.write_text(json.dumps(doc, ensure_ascii=False))
    for args in ((), ("--public-key", pk)):
        r = request_verify(bad, *args)
        assert r.returncode == 1 and "TAMPERED" in r.stdout and caught in r.stdout, r.stdout
        if caught == DERIVED:
            assert f"summary's {key} " in r.stdout


def test_the_escalated_record_shows_what_is_sealed(record):
    out, pair, pk = record
    doc = json.loads(out.read_text())
    assert doc["version"] == 2
    assert doc["request"]["escalation_level"] >= 1 and doc["request"]["acknowledged_at"]
    canon = lambda o: json.dumps(o, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert doc["seal"]["summary_sha256"] == hashlib.sha256(canon(doc["request"])).hexdigest()
    assert doc["seal"]["node_sha256"] == hashlib.sha256(canon(doc["node"])).hexdigest()


def test_a_summary_falsified_in_the_database_before_a_genuine_export_is_caught(record, tmp_path):
    """An insider with write access to the database file but not to the key file moves
    the acknowledgement into the deadline and clears the escalation; the node then
    exports and seals the falsified row in good faith. The signed entries, written when
    it happened, still tell."""
    out, pair, pk = record
    doc = json.loads(out.read_text())
    rid = doc["request"]["id"]
    server = pair.server
    server.stop()

    def falsify(sql):
        con = sqlite3.connect(server.db)
        con.execute(sql, (rid,))
        con.commit()
        con.close()
        forged = tmp_path / "forged.json"
        run_kizuna("request", "export", rid, "--db", server.db, "--output", forged, "--as", pair.jp["id"])
        return request_verify(forged, "--public-key", pk)

    con = sqlite3.connect(server.db)
    (ack, level) = con.execute("SELECT acknowledged_at, escalation_level FROM requests WHERE id = ?", (rid,)).fetchone()
    con.close()
    assert level >= 1
    r = falsify("UPDATE requests SET acknowledged_at = sent_at + 60000 WHERE id = ?")
    assert r.returncode == 1 and "summary's acknowledged_at is not what signed entry" in r.stdout, r.stdout
    r = falsify(f"UPDATE requests SET acknowledged_at = {ack}, escalation_level = 0 WHERE id = ?")
    assert r.returncode == 1 and "escalation_level is 0" in r.stdout, r.stdout
    r = falsify(f"UPDATE requests SET escalation_level = {level} WHERE id = ?")
    assert r.returncode == 0 and r.stdout.startswith("record intact"), r.stdout


def resign(doc, sk):
    """Rewrites a record as its forger would: new public key, every entry and the seal
    signed again (hashes and digests recomputed)."""
    canon = lambda o: json.dumps(o, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    doc["node"]["public_key"] = public_hex(sk)
    prev = GENESIS
    for e in doc["entries"]:
        e.pop("hash"), e.pop("signature")
        e["prev"] = prev
        text = canon(e)
        e["hash"] = prev = hashlib.sha256(text).hexdigest()
        e["signature"] = sk.sign(text).hex()
    seal = doc["seal"]
    seal.pop("signature")
    seal["head"] = prev
    seal["summary_sha256"] = hashlib.sha256(canon(doc["request"])).hexdigest()
    seal["node_sha256"] = hashlib.sha256(canon(doc["node"])).hexdigest()
    seal["signature"] = sk.sign(canon(seal)).hex()
    return doc


def test_a_record_resigned_with_another_key_is_not_authenticated(record, tmp_path):
    out, pair, pk = record
    forger = Ed25519PrivateKey.generate()
    doc = json.loads(out.read_text())
    doc["request"]["to_organization_name"] = "Someone else"
    doc = resign(doc, forger)
    bad = tmp_path / "resigned.json"
    bad.write_text(json.dumps(doc, ensure_ascii=False))
    r = request_verify(bad)
    assert r.returncode == 0 and r.stdout.startswith("record consistent, NOT authenticated"), r.stdout
    assert "only its internal consistency" in r.stdout.lower()
    forged_fp = hashlib.sha256(bytes.fromhex(public_hex(forger))).hexdigest()
    assert forged_fp in r.stdout and hashlib.sha256(bytes.fromhex(pk)).hexdigest() not in r.stdout
    r = request_verify(bad, "--public-key", pk)
    assert r.returncode == 1 and "TAMPERED" in r.stdout, r.stdout
    good = request_verify(out, "--public-key", pk)
    assert good.stdout.startswith("record intact") and hashlib.sha256(bytes.fromhex(pk)).hexdigest() in good.stdout


# ---- point 12: the key file --------------------------------------------------------------------

def start(db, *args):
    port = free_port()
    return subprocess.run([KIZUNA, "serve", "--db", str(db), "--listen", f"127.0.0.1:{port}", *map(str, args)],
                          capture_output=True, text=True, timeout=30)


def test_init_makes_a_private_key_file_and_keeps_no_secret_in_the_database(tmp_path):
    db = tmp_path / "n.db"
    out = run_kizuna("init", "--db", db)
    key_file = tmp_path / "n.db.key"
    assert f"{key_file}" in out.stdout
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    keys = read_keys(key_file)
    assert set(keys) == {"node", "sign-key", "answer-key", "victim-key"}
    con = sqlite3.connect(db)
    meta = dict(con.execute("SELECT key, value FROM meta"))
    con.close()
    assert set(meta) == {"node_org", "node_sign_pk", "audit_head"}
    assert meta["node_sign_pk"] == keys["sign-key"][32:]  # the public half only
    # a second init must not overwrite either file
    again = run_kizuna("init", "--db", tmp_path / "m.db", "--key-file", key_file, check=False)
    assert again.returncode == 1 and "refusing to overwrite" in again.stderr
    assert not (tmp_path / "m.db").exists()
    # a key file that cannot be written leaves no database behind either
    bad = run_kizuna("init", "--db", tmp_path / "p.db", "--key-file", tmp_path / "no" / "such" / "dir", check=False)
    assert bad.returncode == 1 and "cannot create the key file" in bad.stderr, bad.stderr
    assert not (tmp_path / "p.db").exists() and run_kizuna("init", "--db", tmp_path / "p.db").returncode == 0
    # elsewhere, by option or environment
    run_kizuna("init", "--db", tmp_path / "o.db", "--key-file", tmp_path / "o-keys")
    env = dict(os.environ, KIZUNA_KEY_FILE=str(tmp_path / "o-keys"))
    assert run_kizuna("audit", "verify", "--db", tmp_path / "o.db", env=env).returncode == 0
    assert run_kizuna("audit", "verify", "--db", tmp_path / "o.db", check=False).returncode == 1


def test_the_server_refuses_to_start_without_its_private_key_file(tmp_path):
    db = tmp_path / "n.db"
    run_kizuna("init", "--db", db)
    key_file = tmp_path / "n.db.key"
    key_file.chmod(0o640)
    r = start(db)
    assert r.returncode == 1 and "may be read or written by others (mode 0640)" in r.stderr, r.stderr
    assert "chmod 600" in r.stderr
    key_file.chmod(0o604)
    assert start(db).returncode == 1
    key_file.chmod(0o600)
    moved = tmp_path / "elsewhere.key"
    key_file.rename(moved)
    r = start(db)
    assert r.returncode == 1 and "no key file at" in r.stderr and "--key-file" in r.stderr, r.stderr
    for cmd in (["audit", "head"], ["export", "csv"]):
        r = run_kizuna(*cmd, "--db", db, check=False)
        assert r.returncode == 1 and "no key file at" in r.stderr, (cmd, r.stderr)
    port = free_port()  # the moved key file, named: the server starts
    p = subprocess.Popen([KIZUNA, "serve", "--db", str(db), "--key-file", str(moved), "--listen",
                          f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", p)
    finally:
        p.terminate()
        assert p.wait(timeout=30) == 0
    moved.write_text(moved.read_text().replace("kizuna-keys 1", "kizuna-keys 9"))
    r = start(db, "--key-file", moved)
    assert r.returncode == 1 and "not a Kizuna key file" in r.stderr, r.stderr


def test_a_copy_of_the_database_without_the_key_file_gives_away_no_secret(server, tmp_path):
    """The three attacks of the issue, run against a copy of the file: answering a
    communication check, recovering victim addresses from their keyed hashes, forging a
    record. Each works with the key file's keys (so the test would catch them being
    stored), and none with anything the database holds."""
    a = server.admin
    org = server.org("Checked CSIRT", "SG")
    contact = server.contact(org["id"], "Checked person", email="poc@csirt.sg.example")
    check = a.post("/checks", {"contacts": [contact["id"]], "deadline_hours": 24}).json()
    link = check["contacts"][0]["answer_url"]
    inc = a.post("/incidents", {"title": "Phishing", "rsit_type": "phishing", "tlp": "amber"}).json()
    a.post("/indicators", {"type": "domain", "value": "phish.example", "tlp": "green", "incidents": [inc["id"]]})
    victims = ["10.0.%d.%d" % (i // 256, i % 256) for i in range(5)]
    log = "".join("%d.000 1 %s TCP_MISS/200 1 GET http://phish.example/ - HIER_DIRECT/192.0.2.1 -\n"
                  % (1767225600, v) for v in victims)
    (tmp_path / "proxy.log").write_text(log)
    run_kizuna("match", "--db", server.db, "--summary", "json", tmp_path / "proxy.log")
    server.stop()
    copy = copy_without_key(server, tmp_path, "stolen.db")
    keys = read_keys(f"{server.db}.key")

    data = copy.read_bytes() + (copy.with_name("stolen.db-wal").read_bytes()
                                if copy.with_name("stolen.db-wal").exists() else b"")
    for name in ("sign-key", "answer-key", "victim-key"):
        assert keys[name][:32] not in data and keys[name].hex().encode() not in data, name

    con = sqlite3.connect(copy)
    candidates = [bytes(v) for (v,) in con.execute("SELECT value FROM meta") if len(bytes(v)) >= 32]
    stored = {bytes(v) for (v,) in con.execute("SELECT victim FROM match_victims")}
    con.close()
    assert len(stored) == len(victims)

    def token(key):
        mac = hmac.new(key, f"check-answer:{check['id']}:{contact['id']}".encode(), hashlib.sha256).digest()
        import base64
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def victim_hashes(key, derive):
        k = hmac.new(key, b"kizuna victim key v1", hashlib.sha256).digest() if derive else key
        return {hmac.new(k, v.encode(), hashlib.sha256).digest()[:16] for v in victims}

    # with the key file: the link's token and the stored hashes come out (the attack works)
    assert link.endswith("/" + token(keys["answer-key"]))
    assert victim_hashes(keys["victim-key"], False) == stored
    # with anything the copy holds (the attack used meta.node_secret): nothing
    for k in candidates:
        for key in (k[:32], k[-32:]):
            assert not link.endswith("/" + token(key))
            assert not victim_hashes(key, True) & stored and not victim_hashes(key, False) & stored
    # and the copy cannot sign: export refuses without the key file
    r = run_kizuna("request", "export", check["id"], "--db", copy, check=False)
    assert r.returncode == 1 and "no key file" in r.stderr, r.stderr


def undo_stix_fidelity(con):
    """What the migration after schema 6 added (the STIX texts of native objects, TAXII
    date_added), taken out again."""
    con.executescript("DROP VIEW stix_shared; DROP TRIGGER incidents_date_added; DROP TRIGGER sightings_date_added;"
                      "DROP INDEX indicators_redate; DROP INDEX stix_objects_native; DROP INDEX stix_objects_listing;"
                      "DROP TABLE taxii_clock; DROP TABLE taxii_epochs;")
    # (and what the STIX references migration after MISP feeds added to its table)
    for table, cols in (("stix_objects", ("kz_kind", "kz_id", "replaces", "created_by", "kz_n", "date_added",
                                          "marking_refs")),
                        ("indicators", ("date_added",)), ("incidents", ("date_added",)), ("sightings", ("date_added",))):
        for col in cols:
            con.execute(f"ALTER TABLE {table} DROP COLUMN {col}")


def undo_misp_feeds(con):
    """What the MISP feeds migration (after STIX fidelity) added, taken out again."""
    con.execute("DROP TABLE feed_seen")
    for table, cols in (("indicators", ("context_only", "labels")), ("incidents", ("labels",))):
        for col in cols:
            con.execute(f"ALTER TABLE {table} DROP COLUMN {col}")


def undo_statements(con):
    """What the statements migration (after MISP feeds) added, taken out again."""
    for table in ("statement_signatures", "statement_versions", "statements"):
        con.execute(f"DROP TABLE {table}")


def undo_federation(con):
    """Takes out the federation migrations (peers, then keys): triggers, then tables."""
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'fed_log_%'").fetchall():
        con.execute(f"DROP TRIGGER {name}")
    for table in ("fed_pending", "fed_key_notices", "node_keys", "fed_log", "fed_sent", "fed_origin", "fed_nonces", "peer_refused", "peers"):
        con.execute(f"DROP TABLE IF EXISTS {table}")


def undo_exercises(con):
    """Takes out the table-top exercises migrations (and that of the sightings reported in
    a run): their tables, their indexes, then the exercise columns (after
    undo_stix_fidelity dropped the view that reads them)."""
    for table in ("exercise_notes", "exercise_marks", "exercise_injects", "exercise_segments",
                  "exercise_players", "exercises", "scenarios"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    for table in ("incidents", "indicators", "requests", "checks", "sightings"):
        con.execute(f"DROP INDEX IF EXISTS {table}_exercise")
        con.execute(f"ALTER TABLE {table} DROP COLUMN exercise")


def make_legacy(db, sign_key=True):
    """Turns a database into one from before key files (schema 5): the secrets back in
    meta (without sign_key, from before signing keys too), no public key row, no
    signature column, and no key file."""
    key_file = f"{db}.key"
    keys = read_keys(key_file)
    con = sqlite3.connect(db)
    con.execute("INSERT INTO meta VALUES ('node_secret', ?)", (keys["answer-key"],))
    if sign_key:
        con.execute("INSERT INTO meta VALUES ('node_sign_key', ?)", (keys["sign-key"],))
    con.execute("DELETE FROM meta WHERE key = 'node_sign_pk'")
    con.execute("ALTER TABLE audit DROP COLUMN sig")
    undo_federation(con)
    undo_statements(con)
    undo_misp_feeds(con)
    # (the TAXII pages migration's indexes read the columns undo_stix_fidelity drops)
    for index in ("indicators_dated", "incidents_dated", "sightings_dated", "taxii_epochs_base"):
        con.execute(f"DROP INDEX IF EXISTS {index}")
    undo_stix_fidelity(con)
    undo_exercises(con)
    # and the migration of requests forked between nodes (the delivery migration's
    # columns and index went with the federation tables)
    for table in ("request_superseded", "request_rebase"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    # and nothing of the later migrations (schema 8: the web interface's user accounts)
    for table in ("user_recovery_codes", "user_links", "user_sessions", "signin_failures", "users"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    # and the policy library (the last migration, "policy library: documents ...")
    for table in ("surveys", "documents_fts", "document_files", "documents"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    # and the norms of incidents (migration "norms of incidents")
    con.execute("DROP TABLE IF EXISTS incident_norms")
    con.execute("PRAGMA user_version = 5")
    con.commit()
    con.close()
    os.unlink(key_file)
    return keys


def test_an_old_database_has_its_secrets_moved_into_a_key_file(tmp_path):
    s = Server(tmp_path)
    s.org("Before the upgrade", "FR")
    s.stop()
    old = make_legacy(s.db)
    secret, sign_key = old["answer-key"], old["sign-key"]
    # a check only reads: it refuses the old file, unchanged, and says how to upgrade it
    kept = open(s.db, "rb").read()
    r = verify(s.db)
    assert r.returncode == 1 and "schema version 5, older" in r.stderr, r.stderr
    assert open(s.db, "rb").read() == kept and not os.path.exists(f"{s.db}.key")
    # the first command that opens it for work (here audit head) upgrades it
    run_kizuna("audit", "head", "--db", s.db, "--log-level", "warn")
    r = verify(s.db)
    assert r.returncode == 0, r.stderr
    assert "predate signing; the signature of entry" in r.stdout, r.stdout
    keys = read_keys(f"{s.db}.key")
    assert stat.S_IMODE(os.stat(f"{s.db}.key").st_mode) == 0o600
    # the same secrets, so links already mailed still answer and victims stay countable
    assert keys["answer-key"] == secret and keys["sign-key"] == sign_key
    assert keys["victim-key"] == hmac.new(secret, b"kizuna victim key v1", hashlib.sha256).digest()
    con = sqlite3.connect(s.db)
    assert {k for (k,) in con.execute("SELECT key FROM meta")} == {"node_org", "node_sign_pk", "audit_head"}
    moved = con.execute("SELECT action, sig IS NOT NULL FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    con.close()
    assert moved == ("node.keys_moved", 1)
    wal = f"{s.db}-wal"
    data = open(s.db, "rb").read() + (open(wal, "rb").read() if os.path.exists(wal) else b"")
    assert secret not in data and sign_key[:32] not in data
    # and the node serves again, with the moved keys
    s.start()
    assert s.admin.get("/node").json()["signing_key"]["public_key"] == sign_key[32:].hex()
    assert s.admin.get("/audit/verify").json()["intact"] is True
    assert s.stop() == 0


# ---- point 13: durability ----------------------------------------------------------------------

def test_synchronous_mode_is_full_unless_asked(tmp_path):
    db = tmp_path / "n.db"
    run_kizuna("init", "--db", db)
    r = start(db, "--synchronous", "off")
    assert r.returncode == 2 and "--synchronous must be full or normal" in r.stderr
    assert "synchronous" in run_kizuna("serve", "--help").stdout


def test_an_old_database_without_a_signing_key_gets_one_once(tmp_path):
    s = Server(tmp_path)
    s.stop()
    old = make_legacy(s.db, sign_key=False)
    # two processes open it at once: they agree on one new key and one key file
    procs = [subprocess.Popen([KIZUNA, "audit", "head", "--db", str(s.db)], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True) for _ in range(2)]
    heads = [json.loads(p.communicate(timeout=60)[0]) for p in procs]
    keys = read_keys(f"{s.db}.key")
    assert keys["answer-key"] == old["answer-key"] and keys["sign-key"] != old["sign-key"]
    assert heads[0]["public_key"] == heads[1]["public_key"] == keys["sign-key"][32:].hex()
    con = sqlite3.connect(s.db)
    actions = [a for (a,) in con.execute("SELECT action FROM audit ORDER BY seq")]
    con.close()
    assert actions[-2:] == ["node.signing_key", "node.keys_moved"] and actions.count("node.keys_moved") == 1
    assert verify(s.db).returncode == 0


def test_a_version_1_record_says_what_its_seal_does_not_cover(tmp_path):
    # a record exported before the seal covered the summary (the fuzz corpus keeps one)
    v1 = ROOT / "tests" / "fuzz" / "corpus" / "fuzz_record_verify" / "answered"
    doc = json.loads(v1.read_text())
    assert doc["version"] == 1 and "summary_sha256" not in doc["seal"]
    r = request_verify(v1, "--public-key", doc["node"]["public_key"])
    assert r.returncode == 0 and r.stdout.startswith("record intact"), r.stdout
    assert "version 1 record: its summary (dates, overdue, escalation level, names) is not covered" in r.stdout
    # its status is still checked against the signed entries
    doc["request"]["status"] = "closed"
    (tmp_path / "v1.json").write_text(json.dumps(doc, ensure_ascii=False))
    assert request_verify(tmp_path / "v1.json").returncode == 1
