"""Public attribution statements co-signed across real nodes (docs/FEDERATION.md,
"Statements across nodes"): three `kizuna serve` processes (Japan, the Czech Republic,
Singapore). JPCERT/CC drafts on jp and invites CSIRT.CZ, hosted on cz: the invitation and
the exact version travel to cz, CSIRT.CZ approves there with cz's key, the approval
travels back, an edit voids it at both nodes, a co-signer taken off the list loses its
node's copy, the embargo holds at both for an
organization that does not issue the statement, publication shows it at both at the
same time, and the export of either node verifies with the two nodes' keys. An approval
forged by a node that does not host the co-signer is refused."""
import json
import sqlite3
from datetime import datetime, timedelta, timezone

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from conftest import assert_error, run_kizuna
from test_federation import node_key
from test_federation_requests import public_key, states  # noqa: F401  (states is a fixture)

BODY = {"title": "Joint statement on the Harbour Lights campaign",
        "text": {"en": "We attribute the Harbour Lights campaign to APT-Test.",
                 "ja": "ハーバーライト作戦をAPT-Testによるものと判断する。"},
        "threat_actor": "APT-Test", "confidence": "highly likely", "basis": ["technical"], "norms": ["f"]}


def peer_id(f, at, other):
    return f.peer_ids[(at.base, other.base)]


def refusals(f, at, other):
    return at.admin.get(f"/peers/{peer_id(f, at, other)}").json()["refusals"]


def draft(f, cosigners):
    a = f.jp.client(f.jpcert["id"])
    r = a.post("/statements", {**BODY, "cosigners": cosigners})
    assert r.status_code == 201, r.text
    st = r.json()
    assert a.post(f"/statements/{st['id']}/circulate").status_code == 200
    return a, st


def sigs(client, sid):
    r = client.get(f"/statements/{sid}")
    assert r.status_code == 200, r.text
    return [(g["organization"], g["version"], g["current"]) for g in r.json()["signatures"]]


def test_a_co_signer_on_a_peer_node_approves_there_and_the_export_of_either_node_verifies(states, tmp_path):
    f, jp, cz = states, states.jp, states.cz
    a, st = draft(f, [f.czcert["id"]])
    sid = st["id"]
    b = cz.client(f.czcert["id"])
    assert b.get(f"/statements/{sid}").status_code == 404          # nothing travels before the pull
    rep = f.sync(cz, jp)
    assert rep["refused"] == 0, (rep, refusals(f, cz, jp))
    # the invitation and the exact version arrive: the co-signer's users see the draft at cz
    there = b.get(f"/statements/{sid}").json()
    assert (there["status"], there["version"], there["content_hash"]) == ("circulating", 1, st["content_hash"])
    assert there["origin"]["node"] == jp.admin.get("/node").json()["organization"]
    assert there["text"]["ja"].startswith("ハーバーライト")
    assert [(i["organization"], i["role"]) for i in there["issuers"]] == [(f.jpcert["id"], "drafter"),
                                                                          (f.czcert["id"], "cosigner")]
    # a copy changes only at the drafter's node
    assert_error(b.patch(f"/statements/{sid}", {"measures": ["x"]}), 403, "origin")
    assert_error(b.post(f"/statements/{sid}/publish"), 403, "origin")
    # both approve, each at its own node, each signing with its node's key
    assert a.post(f"/statements/{sid}/approve", {"content_hash": st["content_hash"]}).status_code == 200
    r = b.post(f"/statements/{sid}/approve", {"content_hash": st["content_hash"]})
    assert r.status_code == 200, r.text
    mine = [g for g in r.json()["signatures"] if g["organization"] == f.czcert["id"]]
    assert len(mine) == 1 and mine[0]["current"] and mine[0]["actor"]
    assert f.sync(jp, cz)["refused"] == 0
    here = a.get(f"/statements/{sid}").json()
    assert here["status"] == "approved", here
    assert sorted(sigs(a, sid)) == sorted([(f.jpcert["id"], 1, True), (f.czcert["id"], 1, True)])
    audit = jp.admin.get("/audit", params={"limit": 1000}).json()["items"]
    assert any(e["action"] == "statement.approve" and e["object_id"] == sid and f.czcert["id"] in e["detail"]
               for e in audit)
    # scheduled at jp: the embargo travels with it and holds at both nodes for a third party
    when = (datetime.now(timezone.utc) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert a.post(f"/statements/{sid}/schedule", {"publish_at": when}).json()["status"] == "scheduled"
    f.sync(cz, jp)
    # a node that hosts none of the co-signers is never sent it
    f.sync(states.sg, jp)
    assert_error(states.sg.admin.get(f"/statements/{sid}"), 404, "statement")
    assert b.get(f"/statements/{sid}").json()["status"] == "scheduled"
    third_jp = jp.client(jp.org("JP other CSIRT", "JP")["id"])
    third_cz = cz.client(cz.org("CZ other CSIRT", "CZ")["id"])
    for node, who in ((jp, third_jp), (cz, third_cz)):
        assert_error(who.get(f"/statements/{sid}"), 404, "statement")
        assert sid not in [s["id"] for s in who.get("/statements").json()["items"]]
        assert who.get("/stats/statements").json()["total"] == 0
        assert f"urn:uuid:{sid}" not in [i["id"] for i in who.get(f"{node.base}/feeds/statements.json").json()["items"]]
    # the clock moves across publish_at at both nodes: it appears at both, at the same time
    jp.advance(3 * 3600)
    cz.advance(3 * 3600)
    seen = [who.get(f"/statements/{sid}").json() for who in (third_jp, third_cz)]
    assert [s["status"] for s in seen] == ["published", "published"]
    assert seen[0]["publish_at"] == seen[1]["publish_at"] == when.replace("Z", ".000Z")
    for node, who in ((jp, third_jp), (cz, third_cz)):
        assert f"urn:uuid:{sid}" in [i["id"] for i in who.get(f"{node.base}/feeds/statements.json").json()["items"]]
    # the export of either node verifies with the two nodes' keys
    keys = ["--public-key", public_key(jp), "--public-key", public_key(cz)]
    for name, client in (("jp", a), ("cz", b)):
        r = client.get(f"/statements/{sid}/export")
        assert r.status_code == 200, r.text
        path = tmp_path / f"{name}.json"
        path.write_text(r.text)
        out = run_kizuna("statement", "verify", path, *keys, check=False)
        assert out.returncode == 0, out.stdout + out.stderr
        assert "statement intact" in out.stdout
        assert "JPCERT/CC (JP) signed version 1" in out.stdout and "CSIRT.CZ (CZ) signed version 1" in out.stdout
        # each approval with the key of its own node
        lines = out.stdout.splitlines()
        for org, node in (("JPCERT/CC", jp), ("CSIRT.CZ", cz)):
            at = next(i for i, l in enumerate(lines) if f"{org} (" in l and "signed version 1" in l)
            assert lines[at + 1].strip() == f"with the key of fingerprint {f.fingerprint(node)}", lines[at:at + 2]
        sigs_in_file = {g["organization"]: g for g in json.loads(r.text)["signatures"]}
        assert set(sigs_in_file) == {f.jpcert["id"], f.czcert["id"]}
    # CSIRT.CZ's approval is signed with cz's key, not jp's: jp's key alone does not verify it
    out = run_kizuna("statement", "verify", tmp_path / "jp.json", "--public-key", public_key(jp), check=False)
    assert out.returncode == 1 and "CSIRT.CZ" in out.stdout, out.stdout


def test_an_edit_after_a_remote_approval_voids_it_at_both_nodes(states):
    f, jp, cz = states, states.jp, states.cz
    a, st = draft(f, [f.czcert["id"]])
    sid = st["id"]
    b = cz.client(f.czcert["id"])
    f.sync(cz, jp)
    assert b.post(f"/statements/{sid}/approve", {"content_hash": st["content_hash"]}).status_code == 200
    f.sync(jp, cz)
    assert (f.czcert["id"], 1, True) in sigs(a, sid)
    v2 = a.patch(f"/statements/{sid}", {"measures": ["sanctions"]}).json()
    assert v2["version"] == 2 and v2["content_hash"] != st["content_hash"]
    assert (f.czcert["id"], 1, False) in sigs(a, sid)                  # void at jp
    f.sync(cz, jp)
    there = b.get(f"/statements/{sid}").json()
    assert there["version"] == 2 and there["content_hash"] == v2["content_hash"]
    assert (f.czcert["id"], 1, False) in sigs(b, sid)                  # and at cz
    assert not [i for i in there["issuers"] if i["organization"] == f.czcert["id"]][0]["approved"]
    # the old version's hash is refused; the new one is approved
    assert_error(b.post(f"/statements/{sid}/approve", {"content_hash": st["content_hash"]}), 409, "content_hash")
    # jp edits again before cz learns of it: cz's approval of version 2 arrives void
    assert b.post(f"/statements/{sid}/approve", {"content_hash": v2["content_hash"]}).status_code == 200
    v3 = a.patch(f"/statements/{sid}", {"measures": ["indictments"]}).json()
    assert f.sync(jp, cz)["refused"] == 0
    assert (f.czcert["id"], 2, False) in sigs(a, sid)
    assert a.get(f"/statements/{sid}").json()["status"] == "circulating"
    f.sync(cz, jp)
    assert b.post(f"/statements/{sid}/approve", {"content_hash": v3["content_hash"]}).status_code == 200
    assert a.post(f"/statements/{sid}/approve", {"content_hash": v3["content_hash"]}).status_code == 200
    f.sync(jp, cz)
    assert a.get(f"/statements/{sid}").json()["status"] == "approved"
    f.sync(cz, jp)
    assert b.get(f"/statements/{sid}").json()["status"] == "approved"
    # CSIRT.CZ taken off the co-signers: cz's copy goes, and no later version reaches cz
    v4 = a.patch(f"/statements/{sid}", {"cosigners": [], "annex": [{"type": "domain", "value": "later.example",
                                                                     "tlp": "amber"}]}).json()
    assert v4["version"] == 4
    assert f.sync(cz, jp)["refused"] == 0
    assert_error(b.get(f"/statements/{sid}"), 404, "statement")
    con = sqlite3.connect(cz.db)
    try:
        left = [con.execute(f"SELECT count(*) FROM {t} WHERE {c} = ?", (sid,)).fetchone()[0]
                for t, c in (("statements", "id"), ("statement_versions", "statement"),
                             ("statement_signatures", "statement"))]
    finally:
        con.close()
    assert left == [0, 0, 0]
    assert any(e["action"] == "statement.uninvited" and e["object_id"] == sid
               for e in cz.admin.get("/audit", params={"limit": 1000}).json()["items"])


def sig_text(sid, org, version, content_hash, actor, at):
    return f"kizuna-statement-1\n{sid}\n{version}\n{content_hash}\n{org}\n{actor}\n{at}"


def forge(server, sid, org, version, content_hash, key, disown=None):
    """Writes into server's own database an approval of org signed with key, and the log
    entry that sends it; disown: an organization the node is made to believe it hosts."""
    at = 1767225600000
    sig = key.sign(sig_text(sid, org, version, content_hash, "forged", at).encode()).hex()
    con = sqlite3.connect(server.db)
    with con:
        if disown:
            con.execute("DELETE FROM fed_origin WHERE kind = 'organization' AND object = ?", (disown,))
        con.execute("INSERT INTO statement_signatures (statement, organization, version, content_hash, signed_at,"
                    " actor, signature) VALUES (?, ?, ?, ?, ?, 'forged', ?)", (sid, org, version, content_hash, at, sig))
        con.execute("INSERT INTO fed_log (kind, object, op) VALUES ('statement', ?, 'upsert')", (sid,))
    con.close()


def heal(f, node):
    """Undoes forge(): the forged approvals go, CSIRT.CZ is cz's again."""
    con = sqlite3.connect(node.db)
    with con:
        con.execute("DELETE FROM statement_signatures WHERE actor = 'forged'")
        con.execute("INSERT OR IGNORE INTO fed_origin (peer, kind, object) VALUES (?, 'organization', ?)",
                    (peer_id(f, node, f.cz), f.czcert["id"]))
    con.close()


def test_an_approval_forged_by_a_node_that_does_not_host_the_co_signer_is_refused(states):
    """sg, which hosts SingCERT, claims an approval of CSIRT.CZ (hosted by cz) signed with
    its own key: jp refuses it with the reason and records nothing."""
    f, jp, sg = states, states.jp, states.sg
    a, st = draft(f, [f.czcert["id"], f.sgcert["id"]])
    sid = st["id"]
    f.sync(sg, jp)
    assert sg.client(f.sgcert["id"]).get(f"/statements/{sid}").status_code == 200
    forge(sg, sid, f.czcert["id"], 1, st["content_hash"], node_key(sg), disown=f.czcert["id"])
    rep = f.sync(jp, sg)
    assert rep["refused"] == 1 and rep["applied"] == 0, rep
    reason = refusals(f, jp, sg)[0]["reason"]
    assert "does not host" in reason and sid in reason, reason
    assert sigs(a, sid) == []
    # an approval of the organization sg does host, but not signed by sg's pinned key
    heal(f, sg)
    forge(sg, sid, f.sgcert["id"], 1, st["content_hash"], Ed25519PrivateKey.generate())
    rep = f.sync(jp, sg)
    assert rep["refused"] == 1, rep
    assert "does not verify with the pinned key" in refusals(f, jp, sg)[0]["reason"]
    assert sigs(a, sid) == []
    # once sg's database is honest again, its own approval of SingCERT is accepted
    heal(f, sg)
    r = sg.client(f.sgcert["id"]).post(f"/statements/{sid}/approve", {"content_hash": st["content_hash"]})
    assert r.status_code == 200, r.text
    assert f.sync(jp, sg)["refused"] == 0
    assert sigs(a, sid) == [(f.sgcert["id"], 1, True)]
    # the drafter's node relays it to the other co-signer's node, which checks it with sg's key
    assert f.sync(states.cz, jp)["refused"] == 0
    assert sigs(states.cz.client(f.czcert["id"]), sid) == [(f.sgcert["id"], 1, True)]
