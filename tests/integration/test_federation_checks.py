"""Communication checks across real nodes (docs/FEDERATION.md, "Checks between nodes"):
two `kizuna serve` processes (Japan, the Czech Republic), each with its own database and
its own real SMTP server. A check started at jp that includes contacts of cz is mailed
by cz, in each contact's language, with cz's answer link; answered at cz, the answer
comes back to jp, which counts it in its per-state statistics. An answer forged for a
contact that cz does not host is refused and listed with its reason."""
import sqlite3

import pytest
import requests

from conftest import Mailbox, Server, assert_error
from test_requests_mail import text


@pytest.fixture
def nodes(tmp_path):
    """jp and cz, peers of each other, each mailing through its own mailbox; JPCERT/CC
    with one contact on jp, CSIRT.CZ with two on cz (one reads Japanese), the
    directory exchanged."""
    class Nodes:
        pass
    n = Nodes()
    n.mail = {"jp": Mailbox(), "cz": Mailbox()}
    n.servers = []
    for name, org, state in (("jp", "NISC Japan", "JP"), ("cz", "NUKIB Czechia", "CZ")):
        d = tmp_path / name
        d.mkdir()
        s = Server(d, ["--peer-sync", "0", "--smtp-url", n.mail[name].url,
                       "--smtp-from", f"kizuna@node.{name}.example"], org_name=org, state=state)
        setattr(n, name, s)
        n.servers.append(s)
    n.peer = {}
    for a, b in ((n.jp, n.cz), (n.cz, n.jp)):
        fp = b.admin.get("/node").json()["signing_key"]["fingerprint"]
        r = a.admin.post("/peers", {"url": b.base, "fingerprint": fp})
        assert r.status_code == 201, r.text
        n.peer[(a.base, b.base)] = r.json()["id"]
    n.jpcert = n.jp.org("JPCERT/CC", "JP")
    n.czcert = n.cz.org("CSIRT.CZ", "CZ")
    n.taro = n.jp.contact(n.jpcert["id"], "Taro Yamada", email="taro@jpcert.example", languages=["ja"])
    n.jana = n.cz.contact(n.czcert["id"], "Jana Novakova", "technical", email="jana@csirt.cz.example",
                          languages=["en"])
    n.kenji = n.cz.contact(n.czcert["id"], "Kenji Dvorak", "csirt", email="kenji@csirt.cz.example",
                           languages=["ja", "en"])
    n.sync = lambda a, b: sync(n, a, b)
    n.sync(n.jp, n.cz)
    n.sync(n.cz, n.jp)
    yield n
    for s in n.servers:
        assert s.stop() == 0, "the server must exit 0 on SIGTERM"
        assert s.sanitizer_reports() == []
    for m in n.mail.values():
        m.stop()


def sync(n, a, b):
    r = a.admin.post(f"/peers/{n.peer[(a.base, b.base)]}/sync")
    assert r.status_code == 200, r.text
    return r.json()


def targets(client, check_id):
    r = client.get(f"/checks/{check_id}")
    assert r.status_code == 200, r.text
    return {t["contact"]: t for t in r.json()["contacts"]}


def link_in(msg):
    return [line for line in text(msg).splitlines() if "/checks/answer/" in line][0].strip()


def test_a_check_of_contacts_on_another_node_is_mailed_and_answered_there(nodes):
    jp, cz = nodes.jp, nodes.cz
    analyst = jp.client(nodes.jpcert["id"])
    ids = [nodes.taro["id"], nodes.jana["id"], nodes.kenji["id"]]
    r = analyst.post("/checks", {"contacts": ids, "deadline_hours": 24})
    assert r.status_code == 201, r.text
    check = r.json()
    by = {t["contact"]: t for t in check["contacts"]}
    # jp mails its own contact and only that one; cz's contacts answer at cz
    assert by[nodes.taro["id"]]["node"] is None and by[nodes.taro["id"]]["answer_url"]
    for c in (nodes.jana, nodes.kenji):
        assert by[c["id"]]["node"]["peer"] == nodes.peer[(jp.base, cz.base)], by[c["id"]]
        assert "answer_url" not in by[c["id"]]
    assert [m.envelope_to for m in nodes.mail["jp"].wait(1)] == [["taro@jpcert.example"]]
    assert nodes.mail["cz"].messages == []
    # cz pulls: the invitations of its two contacts, mailed by cz in each one's language
    rep = nodes.sync(cz, jp)
    assert rep["applied"] == 1 and rep["refused"] == 0, rep
    got = {m.envelope_to[0]: m for m in nodes.mail["cz"].wait(2)}
    assert set(got) == {"jana@csirt.cz.example", "kenji@csirt.cz.example"}
    assert got["jana@csirt.cz.example"]["Content-Language"] == "en"
    assert got["jana@csirt.cz.example"]["Subject"] == "[Kizuna] Communication check from JPCERT/CC: please confirm"
    assert got["kenji@csirt.cz.example"]["Content-Language"] == "ja"
    assert got["kenji@csirt.cz.example"]["Subject"] == "【Kizuna】JPCERT/CCからの連絡確認（ご返信ください）"
    assert len(nodes.mail["jp"].messages) == 1  # jp sent nothing for cz's contacts
    # the links are cz's own
    jana_link = link_in(got["jana@csirt.cz.example"])
    assert jana_link.startswith(f"{cz.base}/api/v1/checks/answer/"), jana_link
    # cz holds the check as jp's: its origin, only its own contacts, never in cz's statistics
    copy = cz.admin.get(f"/checks/{check['id']}").json()
    assert copy["origin"]["node"] == jp.admin.org and copy["organization"] == nodes.jpcert["id"]
    assert {t["contact"] for t in copy["contacts"]} == {nodes.jana["id"], nodes.kenji["id"]}
    assert cz.admin.get("/stats/checks").json()["states"] == []
    # Jana answers at cz, in a browser, after 10 minutes
    jp.advance(600)
    cz.advance(600)
    done = requests.post(jana_link, data={"confirm": "1"}, timeout=10)
    assert done.status_code == 200 and "Thank you" in done.text
    assert targets(cz.admin, check["id"])[nodes.jana["id"]]["answered"] is True
    assert targets(analyst, check["id"])[nodes.jana["id"]]["answered"] is False
    # the answer travels back to jp, with its time
    rep = nodes.sync(jp, cz)
    assert rep["applied"] == 1 and rep["refused"] == 0, rep
    t = targets(analyst, check["id"])
    assert t[nodes.jana["id"]]["answered"] is True and t[nodes.jana["id"]]["via"] == "peer"
    assert t[nodes.jana["id"]]["late"] is False and 600 <= t[nodes.jana["id"]]["seconds_to_answer"] < 700
    assert t[nodes.jana["id"]]["answered_at"] == targets(cz.admin, check["id"])[nodes.jana["id"]]["answered_at"]
    assert t[nodes.kenji["id"]]["answered"] is False
    # a second pull repeats nothing
    assert nodes.sync(jp, cz)["applied"] == 0
    # jp's per-state statistics include cz's contacts
    stats = {s["state"]: s for s in analyst.get("/stats/checks").json()["states"]}
    assert stats["CZ"]["contacts"] == 2 and stats["CZ"]["answered"] == 1 and stats["CZ"]["answer_rate"] == 0.5
    assert stats["JP"]["contacts"] == 1 and stats["JP"]["answered"] == 0
    # Kenji answers after the deadline: late at both nodes
    jp.advance(25 * 3600)
    cz.advance(25 * 3600)
    late = requests.post(link_in(got["kenji@csirt.cz.example"]), data={"confirm": "1"}, timeout=10)
    assert late.status_code == 200
    nodes.sync(jp, cz)
    t = targets(analyst, check["id"])
    assert t[nodes.kenji["id"]]["answered"] is True and t[nodes.kenji["id"]]["late"] is True
    stats = {s["state"]: s for s in analyst.get("/stats/checks").json()["states"]}
    assert stats["CZ"]["answered"] == 2 and stats["CZ"]["late"] == 1
    # the audit chains name the moves
    con = sqlite3.connect(jp.db)
    details = [d for (d,) in con.execute("SELECT detail FROM audit WHERE action = 'check.answer' AND object_id = ?",
                                         (check["id"],))]
    con.close()
    assert details == ["in time at NUKIB Czechia", "late at NUKIB Czechia"], details
    con = sqlite3.connect(cz.db)
    invited = con.execute("SELECT detail FROM audit WHERE action = 'check.invite' AND object_id = ?",
                          (check["id"],)).fetchone()[0]
    con.close()
    assert invited == "2 contacts, for NISC Japan"


def test_a_campaign_of_a_state_on_another_node(nodes):
    """A check by filter (every technical contact of CZ) reaches cz's contacts too."""
    jp, cz = nodes.jp, nodes.cz
    r = jp.admin.post("/checks", {"state": "CZ", "role": "technical"})
    assert r.status_code == 201, r.text
    assert [t["contact"] for t in r.json()["contacts"]] == [nodes.jana["id"]]
    nodes.sync(cz, jp)
    assert [m.envelope_to for m in nodes.mail["cz"].wait(1)] == [["jana@csirt.cz.example"]]


def test_an_answer_for_a_contact_the_peer_does_not_host_is_refused(nodes):
    """cz claims an answer of jp's own contact (Taro) to jp's check: jp refuses the
    change with its reason on cz's refused list, and records nothing."""
    jp, cz = nodes.jp, nodes.cz
    check = jp.admin.post("/checks", {"contacts": [nodes.taro["id"], nodes.jana["id"]]}).json()
    nodes.sync(cz, jp)
    before = targets(jp.admin, check["id"])
    con = sqlite3.connect(cz.db)
    with con:
        # cz takes jp's contact Taro for one of its own, invited and answered there
        con.execute("DELETE FROM fed_origin WHERE kind = 'contact' AND object = ?", (nodes.taro["id"],))
        con.execute("INSERT INTO check_targets (check_n, contact, organization, state, role, token_hash, sent,"
                    " answered, via) SELECT n, ?, ?, 'JP', 'csirt', 'forged', created, created + 1000, 'link'"
                    " FROM checks WHERE id = ?", (nodes.taro["id"], nodes.jpcert["id"], check["id"]))
        con.execute("INSERT INTO fed_log (kind, object, op) VALUES ('check', ?, 'upsert')", (check["id"],))
    con.close()
    rep = nodes.sync(jp, cz)
    assert rep["refused"] == 1 and rep["applied"] == 0, rep
    peer = jp.admin.get(f"/peers/{nodes.peer[(jp.base, cz.base)]}").json()
    reason = peer["refusals"][0]["reason"]
    assert "not hosted by the sending node" in reason and nodes.taro["id"] in reason, reason
    assert targets(jp.admin, check["id"]) == before
    # an invitation naming a contact that cz does not host is refused at cz the same way
    con = sqlite3.connect(cz.db)
    with con:  # cz is honest again
        con.execute("INSERT INTO fed_origin (kind, object, peer) VALUES ('contact', ?, ?)",
                    (nodes.taro["id"], nodes.peer[(cz.base, jp.base)]))
    con.close()
    other = jp.admin.post("/checks", {"contacts": [nodes.taro["id"], nodes.jana["id"]]}).json()
    con = sqlite3.connect(jp.db)
    with con:  # jp takes its own contact Taro for one of cz's (the check is in jp's log already)
        con.execute("INSERT INTO fed_origin (kind, object, peer) VALUES ('contact', ?, ?)",
                    (nodes.taro["id"], nodes.peer[(jp.base, cz.base)]))
    con.close()
    mailed = len(nodes.mail["cz"].messages)
    rep = nodes.sync(cz, jp)
    assert rep["refused"] == 1 and rep["applied"] == 0, rep
    peer = cz.admin.get(f"/peers/{nodes.peer[(cz.base, jp.base)]}").json()
    reason = peer["refusals"][0]["reason"]
    assert "which this node does not host" in reason and nodes.taro["id"] in reason, reason
    # nothing of it was kept: no copy of the check, no mail to Jana
    assert_error(cz.admin.get(f"/checks/{other['id']}"), 404)
    assert len(nodes.mail["cz"].messages) == mailed


def test_a_check_is_not_answered_for_another_nodes_contact_through_the_api(nodes):
    """At jp, cz's contact cannot be answered for by an organization of jp."""
    jp = nodes.jp
    check = jp.admin.post("/checks", {"contacts": [nodes.jana["id"]]}).json()
    viewer = jp.client(nodes.jpcert["id"], "viewer")
    assert_error(viewer.post(f"/checks/{check['id']}/acknowledge", {"contact": nodes.jana["id"]}), 403, "contact")
