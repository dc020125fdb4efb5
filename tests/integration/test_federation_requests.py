"""Requests between states and sightings across real nodes (docs/FEDERATION.md): three
`kizuna serve` processes on loopback (Japan, the Czech Republic, Singapore), each with its
own database. A request from an organization of one node to an organization of another
is played through to closure, each node signing its own side's moves; both records are
exported and verified offline; a move forged by the wrong node is refused; a sighting
travels back to the indicator's origin, waits as pending where its indicator has not
arrived yet, and never reaches a node that TLP does not let see it."""
import base64
import hashlib
import json
import sqlite3
import time

import pytest

from conftest import run_kizuna
from test_federation import node_key


def items(client, path, **params):
    r = client.get(path, params=params)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def public_key(server):
    return server.admin.get("/node").json()["signing_key"]["public_key"]


@pytest.fixture
def states(federation):
    """Every node a peer of every other; JPCERT/CC on jp, CSIRT.CZ on cz, SingCERT on sg,
    each with a point of contact, and the directory exchanged."""
    jp, cz, sg = federation.jp, federation.cz, federation.sg
    for a, b in ((jp, cz), (jp, sg), (cz, sg)):
        federation.pair(a, b)
    federation.jpcert = jp.org("JPCERT/CC", "JP")
    federation.czcert = cz.org("CSIRT.CZ", "CZ")
    federation.sgcert = sg.org("SingCERT", "SG")
    jp.contact(federation.jpcert["id"], "Taro Yamada", email="taro@jpcert.example")
    cz.contact(federation.czcert["id"], "Jana Novakova", email="jana@csirt.cz.example")
    sg.contact(federation.sgcert["id"], "Wei Ling Tan", email="weiling@singcert.example")
    settle(federation)
    return federation


def settle(f):
    """Every node pulls from every peer once."""
    for a in (f.jp, f.cz, f.sg):
        for b in (f.jp, f.cz, f.sg):
            if a is not b:
                f.sync(a, b)


def observers(client, indicator):
    r = client.get(f"/indicators/{indicator}/sightings")
    assert r.status_code == 200, r.text
    return [(s["observer"], s["count"]) for s in r.json()["observers"]]


def hashes(client, rid):
    r = client.get(f"/requests/{rid}")
    assert r.status_code == 200, r.text
    return [(e["seq"], e["action"], e["hash"]) for e in r.json()["thread"]]


def db_count(server, sql, *args):
    con = sqlite3.connect(server.db)
    try:
        return con.execute(sql, args).fetchone()[0]
    finally:
        con.close()


def export(server, rid, org, path):
    run_kizuna("request", "export", rid, "--db", server.db, "--output", path, "--as", org)
    return json.loads(path.read_text())


def test_a_request_to_an_organization_of_another_node_played_through_to_closure(states, tmp_path):
    jp, cz, sg = states.jp, states.cz, states.sg
    a = jp.client(states.jpcert["id"])          # the sending side, on jp
    b = cz.client(states.czcert["id"])          # the receiving side, on cz
    body = {"kind": "information", "to_organization": states.czcert["id"], "urgency": "high", "tlp": "amber",
            "subject": "Campaign against hospitals", "description": "Details in full.",
            "questions": "Which sectors in your state were hit by the same campaign?"}
    r = a.post("/requests", body)
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    # the request says which node holds the other side; a draft stays here
    fed = r.json()["federation"]
    assert (fed["name"], fed["state"], fed["side"], fed["delivery"]) == ("NUKIB Czechia", "CZ", "recipient", "draft"), fed
    assert fed["node"] == cz.admin.org and fed["peer"] == states.peer_ids[(jp.base, cz.base)]
    states.sync(cz, jp)
    assert cz.admin.get(f"/requests/{rid}").status_code == 404
    assert a.post(f"/requests/{rid}/send", {"message": "Please acknowledge."}).status_code == 200
    assert a.get(f"/requests/{rid}").json()["federation"]["delivery"] == "waiting"
    rep = states.sync(cz, jp)
    assert rep["applied"] == 1 and rep["refused"] == 0, rep
    # cz applied the page; its next pull acknowledges it by its cursor
    assert a.get(f"/requests/{rid}").json()["federation"]["delivery"] == "waiting"
    states.sync(cz, jp)
    assert a.get(f"/requests/{rid}").json()["federation"]["delivery"] == "delivered"
    # at cz: the sender's side is on jp, and cz has made no move of it yet
    there = b.get(f"/requests/{rid}").json()["federation"]
    assert (there["name"], there["side"], there["delivery"]) == ("NISC Japan", "sender", "none"), there
    assert there["last_exchange"]
    # a request between two organizations of one node is not federated
    other = jp.org("JP ministry", "JP")
    local = a.post("/requests", {**body, "to_organization": other["id"]})
    assert local.status_code == 201 and local.json()["federation"] is None, local.text
    got = b.get(f"/requests/{rid}").json()
    assert (got["status"], got["side"], got["moves"]) == ("sent", "recipient", ["acknowledge", "decline"])
    assert got["subject"] == "Campaign against hospitals" and got["from_organization"] == states.jpcert["id"]
    assert [i["id"] for i in items(b, "/requests", box="inbox", limit=1000)] == [rid]
    # the deadlines the sender's node set are the ones the recipient's node keeps
    sent = a.get(f"/requests/{rid}").json()
    assert (got["sent_at"], got["ack_due"], got["answer_due"]) == (sent["sent_at"], sent["ack_due"], sent["answer_due"])
    # each side moves on its own node; every move travels to the other
    assert b.post(f"/requests/{rid}/acknowledge").json()["status"] == "acknowledged"
    assert b.post(f"/requests/{rid}/messages", {"message": "Looking into it."}).status_code in (200, 201)
    states.sync(jp, cz)
    assert a.get(f"/requests/{rid}").json()["status"] == "acknowledged"
    assert a.post(f"/requests/{rid}/messages", {"message": "Thank you."}).status_code in (200, 201)
    states.sync(cz, jp)
    r = b.post(f"/requests/{rid}/answer", {"message": "Health and energy."})
    assert r.status_code == 200, r.text
    states.sync(jp, cz)
    mine = a.get(f"/requests/{rid}").json()
    assert (mine["status"], mine["moves"]) == ("answered", ["close"])
    assert a.post(f"/requests/{rid}/close").json()["status"] == "closed"
    states.sync(cz, jp)
    assert b.get(f"/requests/{rid}").json()["status"] == "closed"
    # both records hold the same entries, in the same order
    left, right = hashes(a, rid), hashes(b, rid)
    assert left == right
    assert [x[1] for x in left] == ["create", "send", "acknowledge", "message", "message", "answer", "close"]
    # each entry is signed by the node of the side that made it
    jp_key, cz_key = public_key(jp), public_key(cz)
    entries = a.get(f"/requests/{rid}").json()["thread"]
    by = {e["seq"]: e["organization"] for e in entries}
    assert {s for s, o in by.items() if o == states.czcert["id"]} == {3, 4, 6}
    # the recipient's node was told of the moves in the audit chain, as the sender's was
    # (read from the database: the API shows a request's events only to its sides' readers)
    con = sqlite3.connect(cz.db)
    audit = {row[0] for row in con.execute("SELECT action FROM audit WHERE object_id = ?", (rid,))}
    con.close()
    assert {"request.send", "request.acknowledge", "request.close"} <= audit
    # both exports verify with both keys; with only one key, the other side's entries do not
    for server, org, own, other in ((jp, states.jpcert["id"], jp_key, cz_key), (cz, states.czcert["id"], cz_key, jp_key)):
        path = tmp_path / f"{server.port}.json"
        doc = export(server, rid, org, path)
        assert [e["hash"] for e in doc["entries"]] == [x[2] for x in left]
        assert doc["node"]["peers"][0]["public_key"] == other
        ok = run_kizuna("request", "verify", path, "--public-key", own, "--peer-key", other)
        assert "record intact" in ok.stdout and "7 entries" in ok.stdout and "status closed" in ok.stdout, ok.stdout
        alone = run_kizuna("request", "verify", path, "--public-key", own, check=False)
        assert alone.returncode == 1 and "TAMPERED" in alone.stdout, alone.stdout
        # the keys the file names: consistent, and it says it is not authenticated
        loose = run_kizuna("request", "verify", path)
        assert "NOT authenticated" in loose.stdout and other in loose.stdout
        # the other node's key given as the node's: refused
        swapped = run_kizuna("request", "verify", path, "--public-key", other, "--peer-key", own, check=False)
        assert swapped.returncode == 1
    # each node mails the contacts it hosts, and only those: the recipient's node told its
    # point of contact of the new request and the close, the sender's node its own of the
    # acknowledgement and the answer
    def notices(server):
        con = sqlite3.connect(server.db)
        rows = sorted(con.execute("SELECT kind, address FROM outbox WHERE request = ?", (rid,)).fetchall())
        con.close()
        return rows
    assert notices(cz) == [("request.message", "jana@csirt.cz.example"), ("request.new", "jana@csirt.cz.example")]
    assert notices(jp) == [("request.acknowledged", "taro@jpcert.example"), ("request.answered", "taro@jpcert.example"),
                           ("request.message", "taro@jpcert.example")]
    # a node that hosts neither side never receives the request
    settle(states)
    assert sg.admin.get(f"/requests/{rid}").status_code == 404
    assert db_count(sg, "SELECT count(*) FROM requests") == 0


def test_deadlines_and_escalation_run_at_the_recipients_node(states):
    jp, cz = states.jp, states.cz
    a = jp.client(states.jpcert["id"])
    body = {"kind": "information", "to_organization": states.czcert["id"], "urgency": "critical", "tlp": "green",
            "subject": "Unanswered", "description": "Nobody acknowledges.", "questions": "Anyone there?"}
    rid = a.post("/requests", body).json()["id"]
    assert a.post(f"/requests/{rid}/send").status_code == 200
    states.sync(cz, jp)
    # both clocks move together (signed messages must be within minutes of the clock)
    reader = cz.client(states.czcert["id"], "viewer")
    jp.advance(3 * 3600)  # past the 2 hours of a critical acknowledgement
    cz.advance(3 * 3600)
    # the escalation is made by cz's scheduler in a round of its own: wait for it by the
    # wall clock (a loaded machine may take seconds), moving both clocks with it
    deadline = time.monotonic() + 60
    while "escalate" not in [x[1] for x in hashes(reader, rid)] and time.monotonic() < deadline:
        time.sleep(0.2)
        jp.advance(1)
        cz.advance(1)
    cz_entries = hashes(reader, rid)
    # the sender's node keeps no deadline of the other node's side
    assert "escalate" not in [x[1] for x in hashes(a, rid)]
    assert [x[1] for x in cz_entries][:3] == ["create", "send", "escalate"]
    states.sync(jp, cz)
    assert hashes(a, rid) == cz_entries
    esc = next(e for e in a.get(f"/requests/{rid}").json()["thread"] if e["action"] == "escalate")
    assert esc["organization"] == cz.admin.org  # made by the recipient's node


def test_a_move_signed_by_a_node_that_is_not_the_sides_node_is_refused(states):
    """cz claims a move of the sending side (JPCERT/CC on jp), signed with cz's own key:
    jp refuses the change with the reason, and its record stays as it was."""
    jp, cz = states.jp, states.cz
    a = jp.client(states.jpcert["id"])
    body = {"kind": "information", "to_organization": states.czcert["id"], "urgency": "normal", "tlp": "amber",
            "subject": "Forged", "description": "A forged withdrawal.", "questions": "?"}
    rid = a.post("/requests", body).json()["id"]
    assert a.post(f"/requests/{rid}/send").status_code == 200
    states.sync(cz, jp)
    before = hashes(a, rid)
    last = cz.client(states.czcert["id"], "viewer").get(f"/requests/{rid}").json()["thread"][-1]
    text = json.dumps({"v": 1, "request": rid, "seq": last["seq"] + 1, "at": "2026-12-01T00:00:00.000Z",
                       "organization": states.jpcert["id"], "actor": "forged", "action": "withdraw",
                       "from": "sent", "to": "withdrawn", "prev": last["hash"]},
                      sort_keys=True, separators=(",", ":"))
    import hashlib
    digest = hashlib.sha256(text.encode()).hexdigest()
    sig = node_key(cz).sign(text.encode()).hex()
    con = sqlite3.connect(cz.db)
    with con:
        con.execute("INSERT INTO request_entries (request_n, seq, at, actor_org, action, body, hash, signature)"
                    " SELECT n, ?, 0, ?, 'withdraw', ?, ?, ? FROM requests WHERE id = ?",
                    (last["seq"] + 1, states.jpcert["id"], text, digest, sig, rid))
        con.execute("INSERT INTO fed_log (kind, object, op) VALUES ('request', ?, 'upsert')", (rid,))
    con.close()
    rep = states.sync(jp, cz)
    assert rep["refused"] == 1 and rep["applied"] == 0, rep
    peer = jp.admin.get(f"/peers/{states.peer_ids[(jp.base, cz.base)]}").json()
    reason = peer["refusals"][0]["reason"]
    assert "does not host" in reason and rid in reason, reason
    assert hashes(a, rid) == before and a.get(f"/requests/{rid}").json()["status"] == "sent"


PERIOD = {"first_seen": "2026-11-30T00:00:00Z", "last_seen": "2026-11-30T12:00:00Z"}


def test_a_sighting_travels_to_the_origin_and_waits_where_its_indicator_has_not_arrived(states):
    jp, cz, sg = states.jp, states.cz, states.sg
    writer = jp.client(states.jpcert["id"])
    green = writer.post("/indicators", {"type": "domain", "value": "c2.green.example", "tlp": "green"}).json()
    amber = writer.post("/indicators", {"type": "domain", "value": "c2.amber.example", "tlp": "amber",
                                        "recipients": [states.czcert["id"]]}).json()
    states.sync(cz, jp)  # cz has both; sg has pulled neither
    observer = cz.client(states.czcert["id"])
    for ind, tlp in ((green, "green"), (amber, "amber")):
        r = observer.post("/sightings", {"indicator": ind["id"], "count": 7, "tlp": tlp, **PERIOD})
        assert r.status_code in (200, 201), r.text
    # back to the origin: jp sees both, as sums per observer of its own indicators
    states.sync(jp, cz)
    for ind in (green, amber):
        assert observers(writer, ind["id"]) == [(states.czcert["id"], 7)]
    # sg pulls cz first: the GREEN sighting's indicator is not there yet, so it waits
    rep = states.sync(sg, cz)
    assert rep["pending"] == 1 and rep["refused"] == 0, rep
    assert db_count(sg, "SELECT count(*) FROM sightings") == 0
    from_cz = f"/peers/{states.peer_ids[(sg.base, cz.base)]}"
    assert sg.admin.get(from_cz).json()["waiting"]["pending"] == 1
    # the indicator arrives from jp: the sighting that waited for it is applied
    states.sync(sg, jp)
    assert db_count(sg, "SELECT count(*) FROM fed_pending") == 0
    assert sg.admin.get(from_cz).json()["waiting"]["pending"] == 0
    assert observers(sg.admin, green["id"]) == [(states.czcert["id"], 7)]
    # TLP on both sides: the AMBER sighting (of an indicator sg may not see) never reaches sg
    settle(states)
    assert db_count(sg, "SELECT count(*) FROM sightings") == 1
    assert db_count(sg, "SELECT count(*) FROM indicators WHERE id = ?", amber["id"]) == 0
    # a federated sighting is not sent on by the node that received it: jp's log holds none
    assert db_count(jp, "SELECT count(*) FROM fed_log WHERE kind = 'sighting'") == 0
    # an update of the sighting at its observer travels as well
    assert observer.post("/sightings", {"indicator": green["id"], "count": 9, "tlp": "green", **PERIOD}).status_code in (200, 201)
    states.sync(jp, cz)
    assert observers(writer, green["id"]) == [(states.czcert["id"], 9)]


def b64(data):
    return base64.b64encode(data).decode()


def test_attachments_travel_with_their_sha256_checked_at_the_receiver(states):
    """Files go with the moves between nodes: each node's record holds them, with the
    SHA-256 its signed entry names; a file whose content does not hash to it, or that
    passes the receiver's size limit, is refused with the reason and nothing of the move
    is kept."""
    jp, cz = states.jp, states.cz
    a, b = jp.client(states.jpcert["id"]), cz.client(states.czcert["id"])
    body = {"kind": "information", "to_organization": states.czcert["id"], "urgency": "high", "tlp": "amber",
            "subject": "Logs", "description": "Please look at the logs.", "questions": "Seen these?"}
    rid = a.post("/requests", body).json()["id"]
    assert a.post(f"/requests/{rid}/send").status_code == 200
    states.sync(cz, jp)
    assert b.post(f"/requests/{rid}/acknowledge").status_code == 200
    logs = b"2026-12-01 06:00:01 203.0.113.7 -> 10.0.0.5:445\n" * 200
    r = b.post(f"/requests/{rid}/messages", {"message": "Our logs.", "attachments": [
        {"name": "サーバ.log", "media_type": "text/plain", "content_base64": b64(logs)},
        {"name": "empty.txt", "content_base64": ""}]})
    assert r.status_code == 201, r.text
    sent = {t["name"]: t for t in r.json()["attachments"]}
    assert sent["サーバ.log"]["sha256"] == hashlib.sha256(logs).hexdigest()
    rep = states.sync(jp, cz)  # the acknowledgement and the message, each a change of the request
    assert rep["applied"] == 2 and rep["refused"] == 0, rep
    # jp's record holds the files, with the same ids, sizes and SHA-256, and serves them
    got = a.get(f"/requests/{rid}").json()
    files = {t["name"]: t for t in got["attachments"]}
    assert set(files) == {"サーバ.log", "empty.txt"}
    for name, data in (("サーバ.log", logs), ("empty.txt", b"")):
        mine, theirs = files[name], sent[name]
        assert (mine["id"], mine["size"], mine["sha256"]) == (theirs["id"], len(data), hashlib.sha256(data).hexdigest())
        down = a.get(a.base + mine["url"])
        assert down.status_code == 200 and down.content == data
    assert got["thread"][-1]["attachments"][0]["sha256"] == sent["サーバ.log"]["sha256"]
    # and the other way: jp's answer file reaches cz
    csv = b"ip,203.0.113.7\n"
    assert a.post(f"/requests/{rid}/messages", {"message": "Ours.", "attachments": [
        {"name": "iocs.csv", "media_type": "text/csv", "content_base64": b64(csv)}]}).status_code == 201
    assert states.sync(cz, jp)["applied"] == 1
    there = {t["name"]: t for t in b.get(f"/requests/{rid}").json()["attachments"]}
    assert there["iocs.csv"]["sha256"] == hashlib.sha256(csv).hexdigest()
    assert b.get(b.base + there["iocs.csv"]["url"]).content == csv
    assert hashes(a, rid) == hashes(b, rid)
    # a file changed on the way (here: in cz's database) is refused at jp
    r = b.post(f"/requests/{rid}/messages", {"message": "More.", "attachments": [
        {"name": "more.log", "content_base64": b64(b"the real content")}]})
    assert r.status_code == 201, r.text
    con = sqlite3.connect(cz.db)
    with con:
        con.execute("UPDATE request_attachments SET content = ? WHERE id = ?", (b"the forged content",
                                                                             r.json()["attachments"][0]["id"]))
    con.close()
    before = hashes(a, rid)
    rep = states.sync(jp, cz)
    assert rep["refused"] == 1 and rep["applied"] == 0, rep
    peer = jp.admin.get(f"/peers/{states.peer_ids[(jp.base, cz.base)]}").json()
    reason = peer["refusals"][0]["reason"]
    assert "does not hash to the SHA-256 its signed entry names" in reason and rid in reason, reason
    assert hashes(a, rid) == before
    assert "more.log" not in {t["name"] for t in a.get(f"/requests/{rid}").json()["attachments"]}
    # the receiver's size limit holds: sg takes files of at most 100 bytes
    sg = states.sg
    assert sg.admin.patch("/settings", {"requests.attachment_max_bytes": 100}).status_code == 200
    sgcert = states.sgcert
    c = sg.client(sgcert["id"])
    body2 = dict(body, to_organization=sgcert["id"])
    rid2 = a.post("/requests", body2).json()["id"]
    assert a.post(f"/requests/{rid2}/send").status_code == 200
    assert a.post(f"/requests/{rid2}/messages", {"message": "Big.", "attachments": [
        {"name": "big.bin", "content_base64": b64(b"\0" * 1000)}]}).status_code == 201
    rep = states.sync(sg, jp)  # the create, the send and the message: each change carries the big file
    assert rep["refused"] == 3 and rep["applied"] == 0, rep
    reasons = [x["reason"] for x in sg.admin.get(f"/peers/{states.peer_ids[(sg.base, jp.base)]}").json()["refusals"]]
    assert len(reasons) == 3 and all("1000 bytes; the limit is 100" in x for x in reasons), reasons
    peer = sg.admin.get(f"/peers/{states.peer_ids[(sg.base, jp.base)]}").json()
    assert "1000 bytes; the limit is 100" in peer["refusals"][0]["reason"], peer["refusals"]
    assert c.get(f"/requests/{rid2}").status_code == 404


def test_a_record_signed_before_and_after_a_key_rotation_verifies_with_both_keys(states, tmp_path):
    """cz's node rotates its key between receiving the request (whose send entry names
    cz's old key) and acknowledging it (signed by cz's new key): either node's export
    verifies given both of cz's keys, and not given only one of them."""
    jp, cz = states.jp, states.cz
    a = jp.client(states.jpcert["id"])
    b = cz.client(states.czcert["id"])
    body = {"kind": "information", "to_organization": states.czcert["id"], "urgency": "normal", "tlp": "green",
            "subject": "Across a rotation", "description": "Sent before cz rotates.", "questions": "?"}
    rid = a.post("/requests", body).json()["id"]
    assert a.post(f"/requests/{rid}/send").status_code == 200
    states.sync(cz, jp)
    jp_key, cz_old = public_key(jp), public_key(cz)
    r = cz.admin.post("/node/rotate-key", {"overlap_seconds": 3600})
    assert r.status_code == 200, r.text
    assert r.json()["peers"] and all(p["delivered"] for p in r.json()["peers"]), r.text
    cz_new = public_key(cz)
    assert cz_new != cz_old
    assert b.post(f"/requests/{rid}/acknowledge").json()["status"] == "acknowledged"
    states.sync(jp, cz)
    assert a.get(f"/requests/{rid}").json()["status"] == "acknowledged"
    left, right = hashes(a, rid), hashes(b, rid)
    assert left == right and [x[1] for x in left] == ["create", "send", "acknowledge"]
    for server, org, own, other in ((jp, states.jpcert["id"], jp_key, f"{cz_old},{cz_new}"),
                                    (cz, states.czcert["id"], f"{cz_old},{cz_new}", jp_key)):
        path = tmp_path / f"rotated-{server.port}.json"
        doc = export(server, rid, org, path)
        assert next(e for e in doc["entries"] if e["action"] == "send")["to_node"] == cz_old  # cz's key then
        ok = run_kizuna("request", "verify", path, "--public-key", own, "--peer-key", other)
        assert "record intact" in ok.stdout and "3 entries" in ok.stdout, ok.stdout
        # one key of cz only: the acknowledgement (old key) or the send naming cz's old
        # key (new key) does not verify
        for alone in (cz_old, cz_new):
            keys = ["--public-key", jp_key, "--peer-key", alone] if server is jp else \
                   ["--public-key", alone, "--peer-key", jp_key]
            res = run_kizuna("request", "verify", path, *keys, check=False)
            assert res.returncode == 1 and "TAMPERED" in res.stdout, res.stdout
    # the option repeated means the same as the comma list
    path = tmp_path / f"rotated-{cz.port}.json"
    ok = run_kizuna("request", "verify", path, "--public-key", cz_old, "--public-key", cz_new, "--peer-key", jp_key)
    assert "record intact" in ok.stdout, ok.stdout


def test_moves_made_at_both_nodes_at_once_end_in_the_same_record(states, tmp_path):
    """Both sides move a request before either node pulls the other's move. The rule
    (docs/FEDERATION.md): the sending side's entries stand; the recipient's node moves
    its own aside, appends the sender's, and makes its moves again after them when the
    state machine still allows them. Both nodes reach the same record on their own."""
    jp, cz = states.jp, states.cz
    a = jp.client(states.jpcert["id"])
    b = cz.client(states.czcert["id"])

    def new_request(subject):
        body = {"kind": "information", "to_organization": states.czcert["id"], "urgency": "normal",
                "tlp": "green", "subject": subject, "description": "Both move at once.", "questions": "?"}
        rid = a.post("/requests", body).json()["id"]
        assert a.post(f"/requests/{rid}/send").status_code == 200
        states.sync(cz, jp)
        return rid

    # the requester withdraws while the recipient acknowledges: the withdrawal stands
    r1 = new_request("Withdrawn while acknowledged")
    assert a.post(f"/requests/{r1}/withdraw", {"message": "No longer needed."}).json()["status"] == "withdrawn"
    assert b.post(f"/requests/{r1}/acknowledge").json()["status"] == "acknowledged"
    # the requester writes while the recipient answers: both stay, the message first
    r2 = new_request("Answered while asked again")
    assert b.post(f"/requests/{r2}/acknowledge").status_code == 200
    states.sync(jp, cz)
    assert a.post(f"/requests/{r2}/messages", {"message": "One more question."}).status_code in (200, 201)
    answer_file = b"203.0.113.7 seen at 06:00\n"
    assert b.post(f"/requests/{r2}/answer", {"message": "The answer.", "attachments": [
        {"name": "seen.txt", "media_type": "text/plain", "content_base64": b64(answer_file)}]}).json()["status"] == "answered"
    # each node pulls the other's, in either order, and again
    for x, y in ((jp, cz), (cz, jp), (jp, cz), (cz, jp)):
        rep = states.sync(x, y)
        assert rep["refused"] == 0, rep
    for rid, status, actions in ((r1, "withdrawn", ["create", "send", "withdraw"]),
                                 (r2, "answered", ["create", "send", "acknowledge", "message", "answer"])):
        left, right = hashes(a, rid), hashes(b, rid)
        assert left == right, (left, right)
        assert [x[1] for x in left] == actions
        assert a.get(f"/requests/{rid}").json()["status"] == status == b.get(f"/requests/{rid}").json()["status"]
    # the answer made again after the message keeps its file: named once by the new
    # entry at both nodes, served with the same digest, none left over from the entry set aside
    for c in (a, b):
        got = c.get(f"/requests/{r2}").json()
        files = got["attachments"]
        assert [(t["name"], t["sha256"]) for t in files] == [("seen.txt", hashlib.sha256(answer_file).hexdigest())]
        assert got["thread"][-1]["attachments"][0]["id"] == files[0]["id"]
        assert c.get(c.base + files[0]["url"]).content == answer_file
    assert a.get(f"/requests/{r2}").json()["attachments"][0]["id"] == b.get(f"/requests/{r2}").json()["attachments"][0]["id"]
    # the acknowledgement that no longer applied is kept aside at cz, and audited there
    con = sqlite3.connect(cz.db)
    aside = con.execute("SELECT s.action FROM request_superseded s JOIN requests r ON r.n = s.request_n"
                        " WHERE r.id = ?", (r1,)).fetchall()
    audit = {row[0] for row in con.execute("SELECT action FROM audit WHERE object_id = ?", (r1,))}
    con.close()
    assert aside == [("acknowledge",)]
    assert "request.fork" in audit and "request.superseded" in audit
    # both exports verify with both keys
    jp_key, cz_key = public_key(jp), public_key(cz)
    for rid in (r1, r2):
        for server, org, own, other in ((jp, states.jpcert["id"], jp_key, cz_key),
                                        (cz, states.czcert["id"], cz_key, jp_key)):
            path = tmp_path / f"fork-{rid}-{server.port}.json"
            export(server, rid, org, path)
            ok = run_kizuna("request", "verify", path, "--public-key", own, "--peer-key", other)
            assert "record intact" in ok.stdout, ok.stdout
