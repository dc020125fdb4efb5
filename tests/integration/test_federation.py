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
    assert r.status_code == 502 and r.json()["error"]["code"] == "peer_failed", r.text
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


# ---- what travels ----------------------------------------------------------------

def items(client, path, **params):
    r = client.get(path, params={"limit": 1000, **params})
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_the_directory_travels_and_federated_objects_are_read_only(federation):
    jp, cz = federation.jp, federation.cz
    federation.pair(jp, cz)
    cert = jp.org("JPCERT/CC", "JP")
    poc = jp.contact(cert["id"], "Taro Yamada", email="taro@jpcert.example")
    rep = federation.sync(cz, jp)
    assert rep["applied"] >= 3 and rep["refused"] == 0  # node org, JPCERT, its contact
    got = cz.admin.get(f"/contacts/{poc['id']}").json()
    assert (got["full_name"], got["organization"], got["state"]) == ("Taro Yamada", cert["id"], "JP")
    assert got["origin"]["name"] == "NISC Japan" and got["origin"]["state"] == "JP"
    assert cz.admin.get(f"/organizations/{cert['id']}").json()["origin"]["state"] == "JP"
    # the list says each organization's origin too (the new-request form names the node)
    listed = {o["id"]: o["origin"] for o in items(cz.admin, "/organizations")}
    assert listed[cert["id"]]["name"] == "NISC Japan" and listed[cert["id"]]["node"] == jp.admin.org
    assert listed[cz.admin.org] is None
    assert jp.admin.get(f"/contacts/{poc['id']}").json()["origin"] is None  # its own
    # read-only at the receiver, with a clear error; nothing changes
    r = cz.admin.patch(f"/contacts/{poc['id']}", {"full_name": "Changed"})
    assert r.status_code == 403 and r.json()["error"]["field"] == "origin", r.text
    assert "NISC Japan" in r.json()["error"]["message"] and "only there" in r.json()["error"]["message"]
    assert cz.admin.delete(f"/contacts/{poc['id']}").status_code == 403
    assert cz.admin.patch(f"/organizations/{cert['id']}", {"name": "X"}).status_code == 403
    assert cz.admin.get(f"/contacts/{poc['id']}").json()["full_name"] == "Taro Yamada"
    # an update and a deletion at the origin travel
    assert jp.admin.patch(f"/contacts/{poc['id']}", {"position": "Duty officer"}).status_code == 200
    federation.sync(cz, jp)
    assert cz.admin.get(f"/contacts/{poc['id']}").json()["position"] == "Duty officer"
    assert jp.admin.delete(f"/contacts/{poc['id']}").status_code == 204
    federation.sync(cz, jp)
    assert cz.admin.get(f"/contacts/{poc['id']}").status_code == 404
    # nothing new: one small message
    rep = federation.sync(cz, jp)
    assert (rep["messages"], rep["applied"]) == (1, 0) and rep["bytes"] < 200, rep
    # the cursor acknowledged: nothing waits either way
    peer = jp.admin.get(f"/peers/{federation.peer_ids[(jp.base, cz.base)]}").json()
    assert peer["waiting"]["to_peer"] == 0 and peer["last_success"]


LABELS = ["clear", "green", "amber", "amber+strict", "red"]
# recipients named by the source: an organization hosted by the peer, one that is not, both
RECIPIENTS = ["peer", "not-peer", "both", "none"]


def test_tlp_matrix_across_nodes(federation):
    """Each label x recipients (on the receiving node / not / both / none): exactly which
    incidents and indicators reach cz (which hosts one recipient) and sg (which hosts
    none), and which recipient entries they carry."""
    jp, cz, sg = federation.jp, federation.cz, federation.sg
    federation.pair(jp, cz)
    federation.pair(jp, sg)
    cz_cert = cz.org("CSIRT.CZ", "CZ")
    jp_source = jp.org("JPCERT/CC", "JP")
    jp_other = jp.org("JP ministry", "JP")
    federation.sync(jp, cz)  # jp learns the organizations cz hosts
    federation.sync(jp, sg)
    writer = jp.client(jp_source["id"], "analyst")
    named = {"peer": [cz_cert["id"]], "not-peer": [jp_other["id"]], "both": [cz_cert["id"], jp_other["id"]],
             "none": []}
    made = {}
    for label in LABELS:
        for rec in RECIPIENTS:
            if label in ("amber", "amber+strict", "red") and rec == "none":
                continue  # those labels need recipients
            inc = writer.post("/incidents", {"title": f"x {label} {rec}", "rsit_type": "phishing", "tlp": label,
                                             "recipients": named[rec]})
            assert inc.status_code == 201, inc.text
            ind = writer.post("/indicators", {"type": "domain", "value": f"{rec}.{label.replace('+', '-')}.example",
                                              "tlp": label, "recipients": named[rec]})
            assert ind.status_code == 201, ind.text
            made[(label, rec)] = (inc.json()["id"], ind.json()["id"])
    assert federation.sync(cz, jp)["refused"] == 0
    assert federation.sync(sg, jp)["refused"] == 0
    readers = {cz.base: cz.client(cz_cert["id"], "viewer"), sg.base: sg.admin}
    for (label, rec), (inc_id, ind_id) in made.items():
        for node, hosts_recipient in ((cz, True), (sg, False)):
            reaches = label in ("clear", "green") or (hosts_recipient and rec in ("peer", "both"))
            for path in (f"/incidents/{inc_id}", f"/indicators/{ind_id}"):
                r = readers[node.base].get(path)
                assert (r.status_code == 200) == reaches, (label, rec, node.base, path, r.text)
                if reaches:
                    assert r.json()["tlp"] == label
                    assert r.json()["origin"]["name"] == "NISC Japan"
            # what the node holds: only the recipients it hosts, never the rest of the list
            want = "\n".join([cz_cert["id"]]) if hosts_recipient and rec in ("peer", "both") else None
            con = sqlite3.connect(node.db)
            for table, oid in (("incidents", inc_id), ("indicators", ind_id)):
                row = con.execute(f"SELECT recipients FROM {table} WHERE id = ?", (oid,)).fetchone()
                assert (row is not None) == reaches, (label, rec, table)
                if row:
                    assert (row[0] or None) == want, (label, rec, table, row)
            con.close()
    # the recipient at cz sees the red one through the ordinary TLP rules there
    cz_reader = cz.client(cz_cert["id"], "viewer")
    red_inc, _ = made[("red", "peer")]
    assert cz_reader.get(f"/incidents/{red_inc}").status_code == 200
    cz_other = cz.client(cz.admin.org, "viewer")
    assert cz_other.get(f"/incidents/{red_inc}").status_code == 404
    # a narrowing at the origin withdraws the copy: amber for cz becomes amber for jp_other only
    inc_id, ind_id = made[("amber", "both")]
    r = writer.patch(f"/incidents/{inc_id}", {"recipients": [jp_other["id"]]})
    assert r.status_code == 200, r.text
    federation.sync(cz, jp)
    assert cz.admin.get(f"/incidents/{inc_id}").status_code == 404
    # the jp-only objects never reached cz, even as tombstones in its refused list
    assert cz.admin.get(f"/peers/{federation.peer_ids[(cz.base, jp.base)]}").json()["refused"] == 0


# ---- signed messages -------------------------------------------------------------

def node_key(server):
    """The node's ed25519 signing key, from its key file."""
    for line in open(f"{server.db}.key"):
        if line.startswith("sign-key "):
            return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(line.split()[1])[:32])
    raise AssertionError("no sign-key")


def fingerprint_of(key):
    from cryptography.hazmat.primitives import serialization
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def digest(body):
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"


def signature_params(created, expires, nonce, keyid, components=('"@method"', '"@target-uri"', '"content-digest"'),
                     tag="kizuna-federation-1"):
    return (f'({" ".join(components)});created={created};expires={expires};nonce="{nonce}"'
            f';keyid="{keyid}";alg="ed25519";tag="{tag}"')


def signature_base(method, target, content_digest, params):
    """docs/FEDERATION.md, "The signature base", written independently of the C code."""
    return (f'"@method": {method}\n"@target-uri": {target}\n"content-digest": {content_digest}\n'
            f'"@signature-params": {params}')


def signed(key, target, body, created=None, expires=None, nonce=None, keyid=None, method="POST"):
    """The headers of a request signed as a node does."""
    created = int(time.time()) if created is None else created
    expires = created + 120 if expires is None else expires
    nonce = nonce or secrets.token_urlsafe(16)
    params = signature_params(created, expires, nonce, keyid or fingerprint_of(key))
    d = digest(body)
    sig = key.sign(signature_base(method, target, d, params).encode())
    return {"Content-Type": "application/json", "Content-Digest": d, "Signature-Input": f"kz={params}",
            "Signature": f"kz=:{base64.b64encode(sig).decode()}:"}


def post_changes(server, headers, body):
    return requests.post(f"{server.base}/federation/v1/changes", data=body, headers=headers, timeout=30)


def test_signed_messages_refused_when_missing_tampered_replayed_expired_or_unpinned(federation):
    jp, cz = federation.jp, federation.cz
    federation.pair(jp, cz)
    key = node_key(jp)
    target = f"{cz.base}/federation/v1/changes"
    body = b'{"after":0,"limit":10}'
    # a message signed as the spec says (by this independent signer) is accepted, and the
    # answer is signed by cz's pinned key over @status and its digest, repeating the nonce
    h = signed(key, target, body, nonce="n-accepted")
    r = post_changes(cz, h, body)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Digest"] == digest(r.content)
    answer_params = r.headers["Signature-Input"][len("kz="):]
    assert '("@status" "content-digest")' in answer_params and 'nonce="n-accepted"' in answer_params
    assert 'tag="kizuna-federation-1-response"' in answer_params
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    cz_pk = Ed25519PublicKey.from_public_bytes(bytes.fromhex(cz.admin.get("/node").json()["signing_key"]["public_key"]))
    base = f'"@status": 200\n"content-digest": {r.headers["Content-Digest"]}\n"@signature-params": {answer_params}'
    cz_pk.verify(base64.b64decode(r.headers["Signature"][len("kz=:"):-1]), base.encode())  # raises if bad
    assert r.json()["node"] == cz.admin.org and r.json()["changes"][0]["kind"] == "organization"

    def refused(headers, data, field):
        r = post_changes(cz, headers, data)
        assert r.status_code == 401, r.text
        assert r.json()["error"]["field"] == field, r.text
        return r.json()["error"]["message"]

    # replayed: the very same message again
    assert "replayed" in refused(h, body, "nonce")
    # a changed body: its digest no longer matches
    assert "digest" in refused(signed(key, target, body), b'{"after":0,"limit":999}', "Content-Digest")
    # a changed body with a fresh digest: the signature no longer verifies
    h2 = signed(key, target, body)
    h2["Content-Digest"] = digest(b'{"after":1,"limit":10}')
    assert "does not verify" in refused(h2, b'{"after":1,"limit":10}', "Signature")
    # expired, and created too far from cz's clock
    now = int(time.time())
    refused(signed(key, target, body, created=now - 200, expires=now - 80), body, "expires")
    refused(signed(key, target, body, created=now + 900), body, "created")
    # the receiver's clock moved on ten minutes: a message signed now is out of its window
    h3 = signed(key, target, body)
    cz.advance(600)
    refused(h3, body, "created")
    cz.advance(-600)
    # an unpinned key, whether it names itself or jp's fingerprint
    other = Ed25519PrivateKey.generate()
    assert "pinned" in refused(signed(other, target, body), body, "keyid")
    refused(signed(other, target, body, keyid=fingerprint_of(key)), body, "Signature")
    # a message for another target (signed for jp, replayed to cz)
    refused(signed(key, f"{jp.base}/federation/v1/changes", body), body, "Signature")
    # no signature at all
    assert post_changes(cz, {"Content-Type": "application/json"}, body).status_code == 401
    # each refusal of jp's messages is counted with its reason at cz
    peer = cz.admin.get(f"/peers/{federation.peer_ids[(cz.base, jp.base)]}").json()
    reasons = [f["reason"] for f in peer["refusals"]]
    assert peer["refused"] >= 7 and any("replayed" in x for x in reasons) and any("digest" in x for x in reasons)
    # and the real nodes still talk
    assert federation.sync(jp, cz)["refused"] == 0


# ---- crashes ---------------------------------------------------------------------

def peer_row(server, peer_id):
    con = sqlite3.connect(server.db, timeout=30)
    row = con.execute("SELECT cursor_in, peer_head FROM peers WHERE id = ?", (peer_id,)).fetchone()
    con.close()
    return row


def kill_during_sync(federation, victim, receiver, sender, pid):
    """Starts a sync at receiver from sender and SIGKILLs victim once some pages, not all,
    are applied; restarts it. Returns the receiver's cursor at the kill."""
    import signal
    import threading
    done = threading.Event()

    def run():
        try:
            receiver.admin.s.post(receiver.admin.url(f"/peers/{pid}/sync"), timeout=300)
        except requests.RequestException:
            pass  # the node died under it
        done.set()

    start = peer_row(receiver, pid)[0]
    t = threading.Thread(target=run)
    t.start()
    deadline = time.time() + 120
    killed = False
    while time.time() < deadline and not done.is_set() and not killed:
        cursor, head = peer_row(receiver, pid)
        if cursor > start:
            victim.proc.send_signal(signal.SIGKILL)
            killed = True
        time.sleep(0.005)
    t.join(timeout=300)
    assert killed, "the sync ended before a page was applied"
    victim.proc.wait(timeout=30)
    t.join()
    victim.log.close()
    cursor, head = peer_row(receiver, pid)
    victim.start()
    return cursor, head


def test_a_node_killed_in_the_middle_of_a_sync_of_10000_changes_loses_and_repeats_nothing(federation):
    jp, cz = federation.jp, federation.cz
    federation.pair(jp, cz)
    federation.sync(jp, cz)  # jp learns whom cz hosts
    federation.sync(cz, jp)  # and cz jp's directory
    batch = [{"type": "ipv4", "value": f"10.{i // 65536}.{i // 256 % 256}.{i % 256}", "tlp": "green"}
             for i in range(10000)]
    r = jp.admin.post("/indicators/bulk", {"items": batch})
    assert r.status_code == 200 and r.json()["created"] == 10000, r.text[:300]
    pid = federation.peer_ids[(cz.base, jp.base)]
    # the receiver dies between pages
    cursor, head = kill_during_sync(federation, cz, cz, jp, pid)
    assert 0 < cursor and (head == 0 or cursor < head), (cursor, head)  # it was in the middle
    # then the sender dies under the next sync
    cursor2, _ = kill_during_sync(federation, jp, cz, jp, pid)
    assert cursor2 >= cursor
    rep = federation.sync(cz, jp)
    assert rep["refused"] == 0
    con = sqlite3.connect(cz.db)
    got = con.execute("SELECT count(*), count(DISTINCT value), count(DISTINCT id) FROM indicators"
                      " WHERE source = ?", (jp.admin.org,)).fetchone()
    origin = con.execute("SELECT count(*) FROM fed_origin WHERE kind = 'indicator'").fetchone()[0]
    con.close()
    assert got == (10000, 10000, 10000) and origin == 10000
    sent = {i["value"] for i in batch}
    assert {i["value"] for i in items(cz.admin, "/indicators", source=jp.admin.org)} <= sent
    # the cursor is at the head: nothing waits, nothing is pulled twice
    cursor, head = peer_row(cz, pid)
    assert cursor == head
    assert federation.sync(cz, jp)["applied"] == 0


def doc_block(name):
    from conftest import ROOT
    text = (ROOT / "docs" / "FEDERATION.md").read_text()
    start = text.index(f"```{name}\n") + len(name) + 4
    return text[start:text.index("```", start)].rstrip("\n")


def test_the_test_vector_of_docs_federation_md():
    key = dict(line.split() for line in doc_block("vector-key").splitlines())
    sk = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(key["seed"]))
    assert fingerprint_of(sk) == key["fingerprint"]
    headers = dict(line.split(": ", 1) for line in doc_block("vector-headers").splitlines())
    body = b'{"after":0,"limit":500}'
    assert headers["Content-Digest"] == digest(body)
    params = headers["Signature-Input"][len("kz="):]
    base = signature_base("POST", "https://cz.example/federation/v1/changes", headers["Content-Digest"], params)
    assert base == doc_block("vector-base")
    assert params == signature_params(1767225600, 1767225720, "kz-test-vector-1", key["fingerprint"])
    assert headers["Signature"] == "kz=:" + base64.b64encode(sk.sign(base.encode())).decode() + ":"
