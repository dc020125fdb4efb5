"""Federation between real nodes (docs/FEDERATION.md): three `kizuna serve` processes on
loopback ports, each with its own database, peering by pinned key fingerprints, pulling
signed batches of changes from cursors, and TLP decided on both sides."""
import base64
import hashlib
import json
import secrets
import sqlite3
import time

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from conftest import run_kizuna


# ---- peering ---------------------------------------------------------------------

def test_kizuna_node_and_api_node_show_the_same_identity(federation):
    jp = federation.jp
    node = jp.admin.get("/node").json()
    assert node["operator"] == {"name": "NISC Japan", "state": "JP"}
    pk = bytes.fromhex(node["signing_key"]["public_key"])
    # the fingerprint is SHA-256 of the raw public key, as sha256sum would say
    assert node["signing_key"]["fingerprint"] == hashlib.sha256(pk).hexdigest()
    out = run_kizuna("node", "--db", jp.db).stdout
    assert node["signing_key"]["fingerprint"] in out and node["organization"] in out
    assert "NISC Japan (JP)" in out


def test_a_peer_is_added_only_with_the_fingerprint_of_its_key(federation):
    jp, cz = federation.jp, federation.cz
    wrong = hashlib.sha256(b"not the key").hexdigest()
    r = jp.admin.post("/peers", {"url": cz.base, "fingerprint": wrong})
    assert r.status_code == 403, r.text
    assert r.json()["error"]["field"] == "fingerprint"
    assert federation.fingerprint(cz) in r.json()["error"]["message"]  # says what it saw
    assert jp.admin.get("/peers").json()["items"] == []                # nothing added
    # the CLI refuses the same way
    res = run_kizuna("peer", "add", "--db", jp.db, cz.base, "--fingerprint", wrong, check=False)
    assert res.returncode == 1 and "not the one given" in res.stderr
    # malformed input names the field and changes nothing
    for body, field in (({"url": cz.base, "fingerprint": "abc"}, "fingerprint"),
                        ({"url": "ftp://x", "fingerprint": wrong}, "url"),
                        ({"url": cz.base, "fingerprint": wrong, "extra": 1}, "extra")):
        r = jp.admin.post("/peers", body)
        assert r.status_code == 400 and r.json()["error"]["field"] == field, r.text
    # only admins add peers
    analyst = jp.client(jp.admin.org, "analyst")
    assert analyst.post("/peers", {"url": cz.base, "fingerprint": federation.fingerprint(cz)}).status_code == 403
    # the right fingerprint: added, with the peer's identity, and audited
    p = federation.peer(jp, cz)
    assert (p["name"], p["state"], p["status"], p["url"]) == ("NUKIB Czechia", "CZ", "active", cz.base)
    assert p["fingerprint"] == federation.fingerprint(cz)
    audit = jp.admin.get("/audit", params={"limit": 1000}).json()["items"]
    assert any(e["action"] == "peer.add" and e["object_id"] == p["id"] for e in audit)
    # added twice: a conflict
    assert jp.admin.post("/peers", {"url": cz.base, "fingerprint": federation.fingerprint(cz)}).status_code == 409
    # and by the CLI, with the right fingerprint, the other way round
    res = run_kizuna("peer", "add", "--db", cz.db, jp.base, "--fingerprint", federation.fingerprint(jp))
    assert "Added peer" in res.stdout and "NISC Japan (JP)" in res.stdout
    assert "NISC Japan" in run_kizuna("peer", "list", "--db", cz.db).stdout


def test_pause_resume_and_remove(federation):
    jp, cz = federation.jp, federation.cz
    federation.pair(jp, cz)
    pid = federation.peer_ids[(cz.base, jp.base)]  # jp as a peer of cz
    r = cz.admin.post(f"/peers/{pid}/pause")
    assert r.status_code == 200 and r.json()["status"] == "paused"
    # a paused peer's messages are refused, and the refusal is visible on both sides
    r = jp.admin.post(f"/peers/{federation.peer_ids[(jp.base, cz.base)]}/sync")
    assert r.status_code == 502 or r.status_code >= 400, r.text
    refused = cz.admin.get(f"/peers/{pid}").json()
    assert refused["refused"] >= 1 and "paused" in refused["refusals"][0]["reason"]
    mine = jp.admin.get(f"/peers/{federation.peer_ids[(jp.base, cz.base)]}").json()
    assert "paused" in mine["last_error"] and mine["refusals"][0]["direction"] == "out"
    assert cz.admin.post(f"/peers/{pid}/resume").json()["status"] == "active"
    federation.sync(jp, cz)
    # the CLI pauses and resumes too
    assert "paused" in run_kizuna("peer", "pause", "--db", cz.db, pid).stdout
    assert "active" in run_kizuna("peer", "resume", "--db", cz.db, pid).stdout
    assert cz.admin.delete(f"/peers/{pid}").status_code == 204
    assert cz.admin.get(f"/peers/{pid}").status_code == 404
    actions = [e["action"] for e in cz.admin.get("/audit", params={"limit": 1000}).json()["items"]]
    for a in ("peer.add", "peer.pause", "peer.resume", "peer.remove"):
        assert a in actions
