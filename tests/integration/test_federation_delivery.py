"""Delivery between real nodes (docs/FEDERATION.md "Delivery"): pokes that make a peer
pull at once, retries of a peer that is down with backoff visible on the peer, catching
up exactly once when it is back, and the compaction of the change log below what every
peer acknowledged."""
import sqlite3

import pytest

from conftest import Server, run_kizuna, wait_for



def fingerprint(s):
    return s.admin.get("/node").json()["signing_key"]["fingerprint"]


def add_peer(a, b):
    r = a.admin.post("/peers", {"url": b.base, "fingerprint": fingerprint(b)})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def peer(a, pid):
    r = a.admin.get(f"/peers/{pid}")
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
def pair(tmp_path, request):
    """Two nodes that sync on their own (--peer-sync, 120 s unless the test is
    parametrized with another period), peers of each other, after their first exchange:
    (jp, cz, id of cz at jp, id of jp at cz). Their clocks may drift apart by less than
    the 120 s a signature is valid: the tests advance one clock by less than that."""
    period = str(getattr(request, "param", 120))
    nodes = []
    for name, org, state in (("jp", "NISC Japan", "JP"), ("cz", "NUKIB Czechia", "CZ")):
        d = tmp_path / name
        d.mkdir()
        nodes.append(Server(d, ["--peer-sync", period], org_name=org, state=state))
    jp, cz = nodes
    cz_at_jp, jp_at_cz = add_peer(jp, cz), add_peer(cz, jp)
    # each has pulled from the other once: its next pull is set to the period
    wait_for("the first pulls", lambda: peer(jp, cz_at_jp)["next_attempt"] and peer(cz, jp_at_cz)["next_attempt"])
    yield jp, cz, cz_at_jp, jp_at_cz
    for s in nodes:
        assert s.stop() == 0, "the server must exit 0 on SIGTERM"


def contacts_from(node, org):
    r = node.admin.get("/contacts", params={"limit": 1000, "organization": org})
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_a_poke_makes_the_peer_pull_before_its_period(pair):
    jp, cz, cz_at_jp, jp_at_cz = pair
    before = peer(cz, jp_at_cz)
    assert before["next_attempt"] is not None and before["failures"] == 0  # the next pull is 120 s away
    cert = jp.org("JPCERT/CC", "JP")
    poc = jp.contact(cert["id"], "Taro Yamada", email="taro@jpcert.example")
    # jp's scheduler pokes cz, which pulls now, long before its 120 s period
    got = wait_for("the contact at cz", lambda: cz.admin.get(f"/contacts/{poc['id']}").status_code == 200)
    assert got
    after = peer(cz, jp_at_cz)
    assert after["poked"] is not None and after["cursor_in"] > before["cursor_in"]
    mine = peer(jp, cz_at_jp)
    assert mine["poke_seq"] >= 1 and mine["poke_failures"] == 0 and mine["poke_error"] is None
    # a poke is refused unless signed like every message: an unsigned one changes nothing
    r = jp.anon.post(f"{cz.base}/federation/v1/poke", {"protocol": "kizuna-federation-1", "type": "poke",
                                                       "node": jp.admin.org, "head": 10 ** 6})
    assert r.status_code == 401, r.text


@pytest.mark.parametrize("pair", [20], indirect=True)
def test_a_peer_that_is_down_for_a_while_catches_up_exactly_once(pair):
    jp, cz, cz_at_jp, jp_at_cz = pair
    cz.stop()
    cert = jp.org("JPCERT/CC", "JP")
    made = [jp.contact(cert["id"], f"Duty officer {i}", email=f"duty{i}@jpcert.example")["id"] for i in range(20)]
    jp.admin.patch(f"/contacts/{made[0]}", {"position": "Head of duty"})
    # the poke fails at once and waits in the outbox with its backoff
    p = wait_for("a failed poke", lambda: (lambda v: v if v["poke_failures"] >= 1 else None)(peer(jp, cz_at_jp)))
    assert p["poke_error"] and p["poke_next"] is not None
    # jp's own pull from cz is due after its period (20 s): it fails, then backs off
    jp.advance(21)
    p = wait_for("a failed pull", lambda: (lambda v: v if v["failures"] >= 1 else None)(peer(jp, cz_at_jp)))
    first = p["failures"]
    jp.advance(11)  # past any first backoff (10 s, half of it jitter)
    p = wait_for("a second failure", lambda: (lambda v: v if v["failures"] > first else None)(peer(jp, cz_at_jp)))
    assert p["last_error"] and p["next_attempt"] is not None and p["next_attempt"] > p["last_error_at"]
    out = run_kizuna("peer", "list", "--db", jp.db).stdout
    assert f"consecutive failures {p['failures']}" in out and "pokes failed" in out
    # cz is back: the next poke (after its backoff) makes it pull everything, once
    cz.start()
    jp.advance(41)  # past the backoff of a third failed poke (40 s at most)
    wait_for("every change at cz", lambda: len(contacts_from(cz, cert["id"])) == 20)
    # (by real time at worst: a poke that failed more often waits longer than the clock moved)
    wait_for("jp's pull from cz succeeding", lambda: peer(jp, cz_at_jp)["failures"] == 0, timeout=150)
    got = contacts_from(cz, cert["id"])
    assert sorted(c["id"] for c in got) == sorted(made)  # each exactly once
    assert [c["position"] for c in got if c["id"] == made[0]] == ["Head of duty"]
    con = sqlite3.connect(cz.db)
    n = con.execute("SELECT count(*), count(DISTINCT object) FROM fed_origin WHERE kind = 'contact'").fetchone()
    con.close()
    assert n == (20, 20)
    wait_for("the poke outbox empty", lambda: peer(jp, cz_at_jp)["poke_failures"] == 0, timeout=150)
    mine = peer(jp, cz_at_jp)
    assert mine["poke_error"] is None and mine["last_error"] is None
    theirs = peer(cz, jp_at_cz)
    assert theirs["refused"] == 0 and theirs["waiting"]["from_peer"] == 0


# ---- compaction -------------------------------------------------------------------

def log_figures(node):
    con = sqlite3.connect(node.db)
    n, head = con.execute("SELECT count(*), coalesce(max(seq), 0) FROM fed_log").fetchone()
    objects = con.execute("SELECT count(*) FROM (SELECT DISTINCT kind, object FROM fed_log)").fetchone()[0]
    rows = con.execute("SELECT seq, kind, object, op FROM fed_log ORDER BY seq").fetchall()
    con.close()
    return n, head, objects, rows


def shared_state(node, org):
    """What node holds of org's directory and of the indicators that came from org's node."""
    contacts = {c["id"]: (c["full_name"], c.get("position")) for c in contacts_from(node, org)}
    r = node.admin.get("/indicators", params={"limit": 1000, "source": org})
    assert r.status_code == 200, r.text
    inds = {i["id"]: (i["value"], i["tlp"], i.get("description")) for i in r.json()["items"]}
    return contacts, inds


def test_compaction_keeps_what_a_peer_has_not_acknowledged_and_a_late_peer_ends_the_same(federation):
    jp, cz, sg = federation.jp, federation.cz, federation.sg
    federation.pair(jp, cz)
    federation.pair(jp, sg)
    federation.sync(jp, cz)  # jp learns whom cz and sg host: GREEN goes to them
    federation.sync(jp, sg)
    cert = jp.org("JPCERT/CC", "JP")
    pocs = [jp.contact(cert["id"], f"Officer {i}", email=f"o{i}@jpcert.example")["id"] for i in range(5)]
    inds = [jp.admin.post("/indicators", {"type": "domain", "value": f"c{i}.example", "tlp": "green"}).json()["id"]
            for i in range(5)]
    for round_ in range(4):  # every object updated: superseded entries
        for pid in pocs:
            assert jp.admin.patch(f"/contacts/{pid}", {"position": f"round {round_}"}).status_code == 200
    assert jp.admin.delete(f"/contacts/{pocs[4]}").status_code == 204  # a tombstone
    for node in (cz, sg):  # both pull everything, and a second pull acknowledges it
        federation.sync(node, jp)
        federation.sync(node, jp)
    # more changes that only sg pulls and acknowledges: cz lags behind
    for pid in pocs[:4]:
        assert jp.admin.patch(f"/contacts/{pid}", {"position": "final"}).status_code == 200
    for iid in inds[:3]:
        assert jp.admin.patch(f"/indicators/{iid}", {"description": "updated after cz's last pull"}).status_code == 200
    assert jp.admin.delete(f"/contacts/{pocs[3]}").status_code == 204
    federation.sync(sg, jp)
    federation.sync(sg, jp)
    bound = min(p["acked_out"] for p in jp.admin.get("/peers").json()["items"])
    n0, head0, objects0, rows0 = log_figures(jp)
    out = run_kizuna("peer", "compact", "--db", jp.db).stdout
    n1, head1, objects1, rows1 = log_figures(jp)
    print(f"fed_log at jp: {n0} entries before compaction, {n1} after (bound seq {bound}, head {head0})")
    assert f"{n0} entries before, {n1} after" in out and f"up to seq {bound}" in out
    assert n1 < n0 and head1 == head0 and objects1 == objects0  # every object keeps its last entry
    # nothing above the lowest acknowledged cursor was touched
    assert [r for r in rows1 if r[0] > bound] == [r for r in rows0 if r[0] > bound]
    # below it, one entry per object: its last, tombstones included
    below = [r for r in rows1 if r[0] <= bound]
    assert len({(r[1], r[2]) for r in below}) == len(below)
    assert ("contact", pocs[4], "delete") in {(r[1], r[2], r[3]) for r in rows1}
    # cz catches up after the compaction and ends with exactly what sg holds
    assert federation.sync(cz, jp)["refused"] == 0
    assert shared_state(cz, cert["id"])[0] == shared_state(sg, cert["id"])[0]
    assert shared_state(cz, jp.admin.org)[1] == shared_state(sg, jp.admin.org)[1]
    contacts, _ = shared_state(cz, cert["id"])
    assert sorted(contacts) == sorted(pocs[:3]) and {v[1] for v in contacts.values()} == {"final"}
    _, got = shared_state(cz, jp.admin.org)
    assert sorted(got) == sorted(inds)
    # a compaction is audited
    actions = [e["action"] for e in jp.admin.get("/audit", params={"limit": 1000}).json()["items"]]
    assert "federation.compact" in actions
    # a second compaction finds nothing more below the same bound
    out = run_kizuna("peer", "compact", "--db", jp.db).stdout
    assert "(0 dropped" in out
