"""Key rotation between real nodes (docs/FEDERATION.md, "Key rotation"): a node makes a
new key and tells its peers in a notice signed by the old key; peers accept both keys
during the overlap, then only the new one; a revoked key is refused from then on with
the reason on the peer's refused list; notices signed by an unpinned key change nothing;
sync keeps working across a rotation, also for a peer that was down when it happened."""
import base64
import hashlib
import json
import secrets
import time

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from conftest import run_kizuna
from test_federation import digest, doc_block, fingerprint_of, node_key, signature_base, signature_params, signed


def pulled(server, key, created=None):
    """A pull of server's changes signed by key (an independent signer), created at the
    given second of server's clock."""
    body = b'{"after":0,"limit":10}'
    h = signed(key, f"{server.base}/federation/v1/changes", body, created=created)
    return requests.post(f"{server.base}/federation/v1/changes", data=body, headers=h, timeout=30)


def peer_of(federation, at, other):
    r = at.admin.get(f"/peers/{federation.peer_ids[(at.base, other.base)]}")
    assert r.status_code == 200, r.text
    return r.json()


def actions(server):
    return [e for e in server.admin.get("/audit", params={"limit": 1000}).json()["items"]]


def rotate(server, overlap=3600):
    r = server.admin.post("/node/rotate-key", {"overlap_seconds": overlap})
    assert r.status_code == 200, r.text
    return r.json()


def key_file_entries(server):
    return [line.split()[0] for line in open(f"{server.db}.key") if line.strip() and not line.startswith("#")]


def test_a_rotation_is_accepted_by_the_peer_and_sync_keeps_working(federation):
    jp, cz = federation.jp, federation.cz
    federation.pair(jp, cz)
    federation.sync(jp, cz)
    federation.sync(cz, jp)
    old = jp.admin.get("/node").json()["signing_key"]
    from cryptography.hazmat.primitives import serialization
    old_seed = node_key(jp).private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                          serialization.NoEncryption())
    rep = rotate(jp)
    # jp signs with a new key; the old one is listed as replaced, accepted until the end
    node = jp.admin.get("/node").json()
    new = node["signing_key"]
    assert new["fingerprint"] != old["fingerprint"] and rep["fingerprint"] == new["fingerprint"]
    assert rep["old_fingerprint"] == old["fingerprint"]
    assert node["previous_keys"][0]["fingerprint"] == old["fingerprint"]
    assert node["previous_keys"][0]["replaced_by"] == new["fingerprint"]
    assert new["fingerprint"] == hashlib.sha256(bytes.fromhex(new["public_key"])).hexdigest()
    assert rep["peers"] == [{"peer": federation.peer_ids[(jp.base, cz.base)], "name": "NUKIB Czechia",
                             "delivered": True, "error": None}]
    # the key file holds the new key and, for the overlap, the old one; the database neither
    assert key_file_entries(jp).count("prev-sign-key") == 1
    assert fingerprint_of(node_key(jp)) == new["fingerprint"]
    for f in (jp.db, f"{jp.db}-wal"):
        try:
            assert old_seed not in open(f, "rb").read()  # only the public halves go there
        except FileNotFoundError:
            pass
    # cz pinned the new key and still knows the old one, in its overlap
    p = peer_of(federation, cz, jp)
    assert p["fingerprint"] == new["fingerprint"] and p["rotation"] == "overlap"
    assert [(k["fingerprint"], k["state"]) for k in p["keys"]] == [(new["fingerprint"], "current"),
                                                                   (old["fingerprint"], "overlap")]
    assert p["keys"][1]["until"] == rep["overlap_until"]
    assert jp.admin.get(f"/peers/{federation.peer_ids[(jp.base, cz.base)]}").json()["key_notices"]["waiting"] == 0
    # every step audited on both sides
    mine = [e["action"] for e in actions(jp)]
    assert "node.key_rotate" in mine and "node.key_notices" in mine and "peer.key_notice" in mine
    theirs = [e for e in actions(cz) if e["action"] == "peer.key_rotated"]
    assert len(theirs) == 1 and new["fingerprint"] in theirs[0]["detail"]
    # jp's audit chain still verifies across the change of key (the rotation entry, signed
    # by the old key, hands over to the new one), by the API and by the CLI with either key
    v = jp.admin.get("/audit/verify").json()
    assert v["intact"] is True, v
    for pk in (old["public_key"], new["public_key"]):
        out = run_kizuna("audit", "verify", "--db", jp.db, "--public-key", pk, check=False)
        assert out.returncode == 0, out.stdout + out.stderr
    # sync works both ways with the new key: a new contact travels, and jp pulls from cz
    cert = jp.org("JPCERT/CC", "JP")
    poc = jp.contact(cert["id"], "Hanako Sato", email="hanako@jpcert.example")
    assert federation.sync(cz, jp)["refused"] == 0
    assert cz.admin.get(f"/contacts/{poc['id']}").json()["origin"]["state"] == "JP"
    cz.org("CZ.NIC", "CZ")
    assert federation.sync(jp, cz)["applied"] >= 1
    # the same notice delivered again (its answer lost) changes nothing
    assert peer_of(federation, cz, jp)["fingerprint"] == new["fingerprint"]


def test_a_message_signed_by_the_old_key_is_accepted_during_the_overlap_then_refused(federation):
    jp, cz = federation.jp, federation.cz
    federation.pair(jp, cz)
    old_key = node_key(jp)
    rotate(jp, overlap=600)
    # during the overlap, either key
    assert pulled(cz, old_key).status_code == 200
    assert pulled(cz, node_key(jp)).status_code == 200
    # after it, only the new one; the refusal is on cz's list with its reason
    cz.advance(900)
    later = int(time.time()) + 900
    r = pulled(cz, old_key, created=later)
    assert r.status_code == 401 and r.json()["error"]["field"] == "keyid", r.text
    assert "overlap ended" in r.json()["error"]["message"]
    assert pulled(cz, node_key(jp), created=later).status_code == 200
    p = peer_of(federation, cz, jp)
    assert p["rotation"] == "done" and p["keys"][1]["state"] == "retired"
    assert any("overlap ended" in f["reason"] for f in p["refusals"])
    cz.advance(-900)


def test_a_revoked_key_is_refused_from_then_on(federation):
    jp, cz = federation.jp, federation.cz
    federation.pair(jp, cz)
    old_key = node_key(jp)
    rotate(jp, overlap=7 * 24 * 3600)
    assert pulled(cz, old_key).status_code == 200
    # the CLI revokes it beside the running server (both sign with the new key now)
    out = run_kizuna("node", "revoke-key", "--db", jp.db, "--reason", "laptop stolen")
    assert "Revoked " + fingerprint_of(old_key) in out.stdout and "NUKIB Czechia" in out.stdout
    assert "told" in out.stdout
    r = pulled(cz, old_key)
    assert r.status_code == 401 and "revoked" in r.json()["error"]["message"], r.text
    assert "laptop stolen" in r.json()["error"]["message"]
    p = peer_of(federation, cz, jp)
    assert p["rotation"] == "revoked" and p["keys"][1]["state"] == "revoked"
    assert p["keys"][1]["reason"] == "laptop stolen"
    assert any("revoked" in f["reason"] and f["direction"] == "in" for f in p["refusals"])
    # the secret of the revoked key left jp's key file; the new key works on
    assert "prev-sign-key" not in key_file_entries(jp)
    assert pulled(cz, node_key(jp)).status_code == 200
    assert federation.sync(cz, jp)["refused"] == 0
    assert "node.key_revoke" in [e["action"] for e in actions(jp)]
    assert "peer.key_revoked" in [e["action"] for e in actions(cz)]
    assert jp.admin.get("/node").json()["previous_keys"][0]["revoked"]
    # nothing left to revoke
    r = jp.admin.post("/node/revoke-key", {"reason": "again"})
    assert r.status_code == 409 and r.json()["error"]["field"] == "key", r.text


def rotation_notice(node, old_fp, new_key, until, proof_key=None):
    """A rotation notice as docs/FEDERATION.md writes it, made independently."""
    from cryptography.hazmat.primitives import serialization
    pk = new_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
    fp = hashlib.sha256(bytes.fromhex(pk)).hexdigest()
    proof_text = f"kizuna-key-rotation-1\n{node}\n{old_fp}\n{fp}\n{until}".encode()
    proof = base64.b64encode((proof_key or new_key).sign(proof_text)).decode()
    return json.dumps({"protocol": "kizuna-federation-1", "type": "key-rotation", "node": node,
                       "old_fingerprint": old_fp,
                       "new_key": {"algorithm": "ed25519", "public_key": pk, "fingerprint": fp},
                       "valid_from": int(time.time()), "overlap_until": until, "proof": proof},
                      separators=(",", ":")).encode()


def post_keys(server, key, body, keyid=None):
    h = signed(key, f"{server.base}/federation/v1/keys", body, keyid=keyid)
    return requests.post(f"{server.base}/federation/v1/keys", data=body, headers=h, timeout=30)


def test_rotation_notices_that_break_a_rule_are_refused_and_change_nothing(federation):
    jp, cz = federation.jp, federation.cz
    federation.pair(jp, cz)
    jp_fp = federation.fingerprint(jp)
    until = int(time.time()) + 3600
    stranger, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    # signed by an unpinned key, whether it names itself or jp's key
    r = post_keys(cz, stranger, rotation_notice(jp.admin.org, jp_fp, new, until))
    assert r.status_code == 401 and r.json()["error"]["field"] == "keyid", r.text
    r = post_keys(cz, stranger, rotation_notice(jp.admin.org, jp_fp, new, until), keyid=jp_fp)
    assert r.status_code == 401 and r.json()["error"]["field"] == "Signature", r.text
    # signed by jp's pinned key but wrong inside: each refused, named, and listed
    key = node_key(jp)
    cases = (
        (rotation_notice(jp.admin.org, jp_fp, new, until, proof_key=stranger), 401, "proof"),
        (rotation_notice(cz.admin.org, jp_fp, new, until), 400, "node"),
        (rotation_notice(jp.admin.org, "0" * 64, new, until), 400, "old_fingerprint"),
        (rotation_notice(jp.admin.org, jp_fp, new, until + 100 * 24 * 3600), 400, "overlap_until"),
        (b'{"protocol":"kizuna-federation-1","type":"key-rotation","node":"x","extra":1}', 400, "extra"),
        (b'{"protocol":"kizuna-federation-1","type":"key-revocation","node":"' + jp.admin.org.encode()
         + b'","fingerprint":"' + jp_fp.encode() + b'","revoked":1}', 400, "fingerprint"),
    )
    for body, status, field in cases:
        r = post_keys(cz, key, body)
        assert r.status_code == status and r.json()["error"]["field"] == field, (field, r.text)
    p = peer_of(federation, cz, jp)
    assert p["fingerprint"] == jp_fp and p["rotation"] == "none"
    assert sum("key notice" in f["reason"] for f in p["refusals"]) == len(cases)
    # a well-made notice from the independent signer is accepted (the format is the doc's)
    r = post_keys(cz, key, rotation_notice(jp.admin.org, jp_fp, new, until))
    assert r.status_code == 200, r.text
    assert peer_of(federation, cz, jp)["fingerprint"] == fingerprint_of(new)


def test_a_peer_down_during_the_rotation_is_told_before_the_next_sync(federation):
    jp, cz = federation.jp, federation.cz
    federation.pair(jp, cz)
    federation.sync(cz, jp)
    cz.stop()
    rep = rotate(jp)
    assert rep["peers"][0]["delivered"] is False and rep["peers"][0]["error"]
    waiting = jp.admin.get(f"/peers/{federation.peer_ids[(jp.base, cz.base)]}").json()["key_notices"]
    assert waiting["waiting"] == 1 and waiting["error"]
    cz.start()
    # cz cannot pull yet: jp answers with a key it does not know
    r = cz.admin.post(f"/peers/{federation.peer_ids[(cz.base, jp.base)]}/sync")
    assert r.status_code == 502 and "pinned key" in r.text, r.text
    # jp's next sync with cz delivers the notice first; then both ways work
    federation.sync(jp, cz)
    assert jp.admin.get(f"/peers/{federation.peer_ids[(jp.base, cz.base)]}").json()["key_notices"]["waiting"] == 0
    assert peer_of(federation, cz, jp)["fingerprint"] == rep["fingerprint"]
    jp.org("NISC second office", "JP")
    assert federation.sync(cz, jp)["applied"] >= 1


def test_the_cli_rotates_a_stopped_node_and_a_running_server_with_the_old_key_stops_writing(federation):
    jp, cz = federation.jp, federation.cz
    federation.pair(jp, cz)
    before = federation.fingerprint(jp)
    # beside the running server: the server still holds the old key and refuses to write
    out = run_kizuna("node", "rotate-key", "--db", jp.db, "--overlap", "3600")
    assert "replaces    " + before in out.stdout and "NUKIB Czechia" in out.stdout
    r = jp.admin.post("/organizations", {"name": "After", "state": "JP", "kind": "national-csirt"})
    assert r.status_code == 409 and "restart" in r.json()["error"]["message"], r.text
    jp.stop()
    jp.start()
    after = federation.fingerprint(jp)
    assert after != before and after in run_kizuna("node", "--db", jp.db).stdout
    jp.org("After restart", "JP")
    assert federation.sync(cz, jp)["refused"] == 0
    assert jp.admin.get("/audit/verify").json()["intact"] is True
    # bad input names the option and changes nothing
    res = run_kizuna("node", "rotate-key", "--db", jp.db, "--overlap", "soon", check=False)
    assert res.returncode != 0 and "--overlap" in res.stderr
    r = jp.admin.post("/node/rotate-key", {"overlap_seconds": 10 ** 9})
    assert r.status_code == 400 and r.json()["error"]["field"] == "overlap_seconds"
    r = jp.admin.post("/node/rotate-key", {"when": 1})
    assert r.status_code == 400 and r.json()["error"]["field"] == "when"
    assert federation.fingerprint(jp) == after
    # only admins
    analyst = jp.client(jp.admin.org, "analyst")
    assert analyst.post("/node/rotate-key", {}).status_code == 403


def test_the_rotation_test_vector_of_docs_federation_md():
    key = dict(line.split() for line in doc_block("vector-key").splitlines())
    old = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(key["seed"]))
    new_seed = hashlib.sha256(b"kizuna rotation test vector").digest()
    new = Ed25519PrivateKey.from_private_bytes(new_seed)
    vec = dict(line.split() for line in doc_block("vector-rotation-key").splitlines())
    assert vec["seed"] == new_seed.hex() and vec["fingerprint"] == fingerprint_of(new)
    body = doc_block("vector-rotation-body").encode()
    msg = json.loads(body)
    assert msg["old_fingerprint"] == key["fingerprint"] and msg["new_key"]["fingerprint"] == vec["fingerprint"]
    proof_text = doc_block("vector-rotation-proof")
    assert proof_text == (f"kizuna-key-rotation-1\n{msg['node']}\n{msg['old_fingerprint']}\n"
                          f"{msg['new_key']['fingerprint']}\n{msg['overlap_until']}")
    Ed25519PublicKey.from_public_bytes(bytes.fromhex(msg["new_key"]["public_key"])).verify(
        base64.b64decode(msg["proof"]), proof_text.encode())
    assert msg["proof"] == base64.b64encode(new.sign(proof_text.encode())).decode()
    headers = dict(line.split(": ", 1) for line in doc_block("vector-rotation-headers").splitlines())
    assert headers["Content-Digest"] == digest(body)
    params = headers["Signature-Input"][len("kz="):]
    assert params == signature_params(1767225600, 1767225720, "kz-test-vector-2", key["fingerprint"])
    base = signature_base("POST", "https://cz.example/federation/v1/keys", headers["Content-Digest"], params)
    assert base == doc_block("vector-rotation-base")
    assert headers["Signature"] == "kz=:" + base64.b64encode(old.sign(base.encode())).decode() + ":"
