"""Notices by mail through a real SMTP server (aiosmtpd, started by the test), and the
paths that write them: a request's moves, escalation when an acknowledgement is
overdue, deadline and preservation warnings, communication-check invitations. Delivery
goes through the persistent outbox: retries with backoff, permanent refusals, and a
server killed and restarted neither loses nor duplicates a notice."""
import re
import signal
import sqlite3
import time

import pytest
import requests

from conftest import Mailbox, Server, free_port
from test_requests import KINDS

HOUR = 3600


class World:
    """Singapore's CSIRT asks Japan's. JPCERT has a technical and a CSIRT point of
    contact (Japanese first), Japan's foreign ministry a diplomatic one; SingCERT's
    contact reads English."""

    def __init__(self, s):
        self.s = s
        self.sg = s.org("SingCERT", "SG")
        self.jp = s.org("JPCERT/CC", "JP")
        self.mofa = s.org("Ministry of Foreign Affairs", "JP", kind="foreign-ministry")
        self.sg_poc = s.contact(self.sg["id"], "Lim Wei", "technical", email="duty@singcert.sg.example",
                                languages=["en"])
        self.jp_tech = s.contact(self.jp["id"], "Sato Hanako", "technical", email="tech@jpcert.jp.example",
                                 languages=["ja", "en"])
        self.jp_csirt = s.contact(self.jp["id"], "Suzuki Ichiro", "csirt", email="csirt@jpcert.jp.example",
                                  languages=["ja"])
        self.jp_dip = s.contact(self.mofa["id"], "Tanaka Jiro", "diplomatic", email="cyber@mofa.jp.example",
                                languages=["en"])
        self.a = s.client(self.sg["id"])
        self.b = s.client(self.jp["id"])

    def sent(self, kind="assistance", tlp="amber", urgency="critical", **extra):
        body = {"kind": kind, "to_organization": self.jp["id"], "urgency": urgency, "tlp": tlp,
                "subject": "Hospital ransomware: C2 in your network", "description": "Surgeries stopped.",
                "from_contact": self.sg_poc["id"], **KINDS[kind], **extra}
        r = self.a.post("/requests", body)
        assert r.status_code == 201, r.text
        rid = r.json()["id"]
        r = self.a.post(f"/requests/{rid}/send", {"message": "Please call us."})
        assert r.status_code == 200, r.text
        return r.json()


def text(msg):
    return msg.get_body(preferencelist=("plain",)).get_content()


def notices(client, rid):
    return client.get(f"/requests/{rid}").json()["notices"]


def wait_notices(client, rid, pred, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = notices(client, rid)
        if pred(got):
            return got
        time.sleep(0.05)
    raise AssertionError(got)


def test_each_move_mails_the_other_side_in_its_language(mail_server, mailbox):
    w = World(mail_server)
    r = w.sent()
    rid = r["id"]
    assert r["escalation_role"] == "technical"
    (new,) = mailbox.wait(1)
    assert new.envelope_to == ["tech@jpcert.jp.example"]
    # Japanese first for this contact: the subject comes back decoded from RFC 2047
    assert new["Subject"].startswith("【Kizuna】TLP:AMBER SingCERT（SG）からの支援要請（緊急）")
    assert "Hospital ransomware" in new["Subject"]
    assert new["Content-Language"] == "ja"
    assert new["X-Kizuna-Reference"] == rid
    assert new["From"].addresses[0].addr_spec == "kizuna@node.jp.example"
    assert new["Auto-Submitted"] == "auto-generated"
    body = text(new)
    assert "受領確認の期限" in body and "Please call us." in body
    assert f"https://kizuna.jp.example/requests/{rid}" in body
    assert new["Message-ID"].endswith("@node.jp.example>")

    w.b.post(f"/requests/{rid}/acknowledge")
    ack = mailbox.wait(2)[1]
    assert ack.envelope_to == ["duty@singcert.sg.example"]
    assert ack["Subject"] == "[Kizuna] JPCERT/CC acknowledged your request for assistance: Hospital ransomware: C2 in your network"
    assert "TLP:AMBER" in text(ack)
    w.b.post(f"/requests/{rid}/messages", {"message": "Which hospital?"})
    msg = mailbox.wait(3)[2]
    assert msg.envelope_to == ["duty@singcert.sg.example"] and "Which hospital?" in text(msg)
    w.a.post(f"/requests/{rid}/messages", {"message": "The university hospital."})
    assert "The university hospital." in text(mailbox.wait(4)[3])
    w.b.post(f"/requests/{rid}/answer", {"message": "Server taken down at 14:00."})
    answered = mailbox.wait(5)[4]
    assert "answered" in answered["Subject"] and "Server taken down at 14:00." in text(answered)

    got = wait_notices(w.a, rid, lambda ns: len(ns) == 5 and all(n["status"] == "sent" for n in ns))
    assert [n["kind"] for n in got] == ["request.new", "request.acknowledged", "request.message",
                                        "request.message", "request.answered"]
    assert [n["language"] for n in got] == ["ja", "en", "en", "ja", "en"]
    assert all(n["attempts"] == 1 and n["sent_at"] and "body" not in n for n in got)
    # nobody else got anything, and nobody got anything twice
    assert len(mailbox.wait(5)) == 5
    assert len({m["Message-ID"] for m in mailbox.messages}) == 5


def test_a_recipient_without_contacts_shows_as_a_skipped_notice(mail_server, mailbox):
    s = mail_server
    sg = s.org("SingCERT", "SG")
    fr = s.org("CERT-FR", "FR")
    a = s.client(sg["id"])
    body = {"kind": "information", "to_organization": fr["id"], "urgency": "low", "tlp": "green",
            "subject": "Campaign?", "description": "d", **KINDS["information"]}
    rid = a.post("/requests", body).json()["id"]
    a.post(f"/requests/{rid}/send")
    (n,) = notices(a, rid)
    assert n["status"] == "skipped" and n["contact"] is None and "e-mail" in n["last_error"]


def test_failures_retry_with_backoff_then_succeed_once(mail_server, mailbox):
    mailbox.refuse = ["451 4.3.0 mailbox busy, try later"] * 2
    w = World(mail_server)
    rid = w.sent()["id"]
    # claimed (attempts counted) before the SMTP conversation, settled after it
    got = wait_notices(w.a, rid, lambda ns: ns[0]["attempts"] == 1 and ns[0]["last_error"])
    assert got[0]["status"] == "pending" and "451" in got[0]["last_error"]
    mail_server.advance(30)             # the first retry waits 60 s: nothing yet
    time.sleep(1.5)
    assert notices(w.a, rid)[0]["attempts"] == 1
    mail_server.advance(31)
    wait_notices(w.a, rid, lambda ns: ns[0]["attempts"] == 2 and ns[0]["last_error"])
    mail_server.advance(121)            # then 120 s
    got = wait_notices(w.a, rid, lambda ns: ns[0]["status"] == "sent")
    assert got[0]["attempts"] == 3 and mailbox.refused == 2
    assert len(mailbox.wait(1)) == 1
    time.sleep(1.5)
    assert len(mailbox.messages) == 1


def test_a_permanent_refusal_is_final(mail_server, mailbox):
    mailbox.refuse = ["550 5.1.1 no such user here"]
    w = World(mail_server)
    rid = w.sent()["id"]
    got = wait_notices(w.a, rid, lambda ns: ns[0]["status"] == "failed")
    assert "550" in got[0]["last_error"] and got[0]["attempts"] == 1
    mail_server.advance(7 * 24 * HOUR)         # (escalations and warnings meanwhile mail others)
    time.sleep(1.5)
    assert notices(w.a, rid)[0]["attempts"] == 1
    assert not [m for m in mailbox.messages if got[0]["id"] in m["Message-ID"]]


def test_a_killed_server_neither_loses_nor_duplicates_notices(tmp_path):
    """Notices written while the mail server is down survive a SIGKILL of kizuna and
    go out exactly once after the restart."""
    port = free_port()
    args = ["--smtp-url", f"smtp://127.0.0.1:{port}", "--smtp-from", "kizuna@node.jp.example"]
    s = Server(tmp_path, args)
    w = World(s)
    ids = [w.sent(urgency="normal")["id"] for _ in range(3)]
    # tried, refused by a closed port
    wait_notices(w.a, ids[-1], lambda ns: ns[0]["attempts"] >= 1 and ns[0]["last_error"])
    for rid in ids:
        assert notices(w.a, rid)[0]["status"] == "pending"
    s.stop(signal.SIGKILL)
    mailbox = Mailbox(port)
    try:
        s.start()
        s.advance(6 * 60)
        got = mailbox.wait(3)
        time.sleep(2)
        assert len(mailbox.messages) == 3
        assert sorted(m["X-Kizuna-Reference"] for m in got) == sorted(ids)
        for rid in ids:
            assert notices(w.a, rid)[0]["status"] == "sent"
        # a kill after the notices were written and before any attempt
        more = w.sent(urgency="low")["id"]
        s.stop(signal.SIGKILL)
        s.start()
        s.advance(10 * 60)       # a restarted server's test clock starts from real time again
        mailbox.wait(4)
        time.sleep(2)
        assert [m["X-Kizuna-Reference"] for m in mailbox.messages].count(more) == 1
    finally:
        assert s.stop() == 0
        mailbox.stop()


def test_old_notices_expire_instead_of_going_out_late(tmp_path):
    """A notice that could not be delivered for three days is marked expired, not sent:
    an acknowledgement reminder that old helps nobody."""
    port = free_port()
    s = Server(tmp_path, ["--smtp-url", f"smtp://127.0.0.1:{port}", "--smtp-from", "kizuna@node.jp.example"])
    mailbox = None
    try:
        s.admin.patch("/settings", {"mail.max_attempts": 100})
        w = World(s)
        rid = w.sent()["id"]
        first = wait_notices(w.a, rid, lambda ns: ns[0]["last_error"])[0]
        assert first["status"] == "pending"
        s.advance(73 * HOUR)
        got = wait_notices(w.a, rid, lambda ns: ns[0]["status"] == "expired")
        assert "72 hours" in got[0]["last_error"]
        mailbox = Mailbox(port)
        s.advance(HOUR)
        later = mailbox.wait(2)     # the escalation and the overdue notice, written at 73 h
        assert all(first["id"] not in m["Message-ID"] for m in later)
        assert notices(w.a, rid)[0]["status"] == "expired"
    finally:
        assert s.stop() == 0
        if mailbox:
            mailbox.stop()


def test_every_link_in_a_request_notice_opens_the_request_in_the_web_interface(mail_server, mailbox):
    """The recipient of a notice works in a browser: each link goes to the web
    interface's page of that request (which signs the reader in first), never to the
    JSON API, whatever the notice (new, acknowledged, message, answered, declined,
    withdrawn, escalated, overdue)."""
    s = mail_server
    w = World(s)
    answered = w.sent()["id"]
    w.b.post(f"/requests/{answered}/acknowledge")
    w.b.post(f"/requests/{answered}/messages", {"message": "Which hospital?"})
    w.b.post(f"/requests/{answered}/answer", {"message": "Done."})
    declined = w.sent(urgency="normal")["id"]
    w.b.post(f"/requests/{declined}/decline", {"message": "Not ours."})
    withdrawn = w.sent(urgency="normal")["id"]
    w.a.post(f"/requests/{withdrawn}/withdraw", {"message": "Solved."})
    escalated = w.sent()["id"]
    mailbox.wait(9)
    s.advance(2 * HOUR + 1)
    got = mailbox.wait(11)
    for m in got:
        rid = m["X-Kizuna-Reference"]
        links = re.findall(r"https?://\S+", text(m))
        assert links and set(links) == {f"https://kizuna.jp.example/requests/{rid}"}, (m["Subject"], links)
    assert {answered, declined, withdrawn, escalated} == {m["X-Kizuna-Reference"] for m in got}
    kinds = {n["kind"] for rid in (answered, declined, withdrawn, escalated) for n in notices(w.a, rid)}
    assert kinds == {"request.new", "request.acknowledged", "request.message", "request.answered", "request.declined",
                     "request.withdrawn", "request.escalated", "request.overdue"}
    # the link's path is the web interface's page, for a reader not signed in yet
    page = requests.get(f"{s.base}/requests/{answered}", timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert '<script type="module" src="/js/main.js">' in page.text


def test_unacknowledged_requests_escalate_along_the_order(mail_server, mailbox):
    w = World(mail_server)
    amber = w.sent()["id"]
    mailbox.wait(1)
    mail_server.advance(2 * HOUR - 60)
    time.sleep(1.5)
    assert w.b.get(f"/requests/{amber}").json()["escalation_level"] == 0
    assert len(mailbox.messages) == 1
    mail_server.advance(61)              # past the 2-hour acknowledgement deadline
    got = mailbox.wait(3)
    esc = [m for m in got if "csirt@jpcert.jp.example" in m.envelope_to]
    assert len(esc) == 1 and esc[0]["Subject"].startswith("【Kizuna】TLP:AMBER 受領未確認")
    assert "CSIRTの連絡窓口" in text(esc[0])
    overdue = [m for m in got if "duty@singcert.sg.example" in m.envelope_to]
    assert overdue[0]["Subject"].startswith("[Kizuna] Not acknowledged in time")
    assert "escalated to the csirt point of contact Suzuki Ichiro (JPCERT/CC)" in text(overdue[0])
    view = w.a.get(f"/requests/{amber}").json()
    assert view["escalation_level"] == 1 and view["escalation_role"] == "csirt" and view["overdue"]
    entry = view["thread"][-1]
    assert entry["action"] == "escalate" and entry["contact"] == w.jp_csirt["id"]
    assert w.a.get("/requests", {"box": "outbox", "overdue": "true"}).json()["items"][0]["id"] == amber

    # next is diplomatic, but the ministry is not a side of an AMBER request: it is
    # never told; the record says nobody is left, once
    mail_server.advance(2 * HOUR + 1)
    time.sleep(1.5)
    assert not mailbox.to("cyber@mofa.jp.example")
    view = w.a.get(f"/requests/{amber}").json()
    assert view["escalation_level"] == 1
    assert "no further point of contact" in view["thread"][-1]["note"]
    mail_server.advance(4 * HOUR)
    time.sleep(1.5)
    assert [e["action"] for e in w.a.get(f"/requests/{amber}").json()["thread"]].count("escalate") == 2

    # a GREEN request may reach the ministry's diplomatic point of contact
    green = w.sent(tlp="green", to_contact=w.jp_csirt["id"])["id"]
    mail_server.advance(2 * HOUR + 1)
    dip = None
    deadline = time.time() + 15
    while not dip and time.time() < deadline:
        dip = [m for m in mailbox.to("cyber@mofa.jp.example") if m["X-Kizuna-Reference"] == green]
        time.sleep(0.05)
    assert dip and dip[0]["Subject"].startswith("[Kizuna] TLP:GREEN Not acknowledged")
    assert w.a.get(f"/requests/{green}").json()["escalation_role"] == "diplomatic"
    # acknowledging stops escalation
    w.b.post(f"/requests/{green}/acknowledge")
    n = len(mailbox.messages)
    mail_server.advance(5 * HOUR)
    time.sleep(1.5)
    assert not [m for m in mailbox.messages[n:] if "Not acknowledged" in m["Subject"] or "受領未確認" in m["Subject"]]


def test_the_node_can_change_the_escalation_order(mail_server, mailbox):
    w = World(mail_server)
    r = mail_server.admin.patch("/settings", {"requests.escalation_order": "csirt,technical",
                                              "requests.acknowledge_hours.critical": 1})
    assert r.status_code == 200, r.text
    rid = w.sent()["id"]
    assert mailbox.wait(1)[0].envelope_to == ["csirt@jpcert.jp.example"]
    mail_server.advance(HOUR + 1)
    mailbox.wait(3)
    assert mailbox.to("tech@jpcert.jp.example")
    assert w.a.get(f"/requests/{rid}").json()["escalation_role"] == "technical"


def test_answer_deadline_and_preservation_warnings(mail_server, mailbox):
    w = World(mail_server)
    rid = w.sent()["id"]                        # critical: answer within 24 h
    w.b.post(f"/requests/{rid}/acknowledge")
    mailbox.wait(2)
    mail_server.advance(19 * HOUR)              # 79 % of the answer period
    time.sleep(1.5)
    assert len(mailbox.messages) == 2
    mail_server.advance(1 * HOUR)
    warn = mailbox.wait(3)[2]
    assert warn.envelope_to == ["tech@jpcert.jp.example"] and warn["Subject"].startswith("【Kizuna】回答期限が近づいています")
    assert w.a.get(f"/requests/{rid}").json()["thread"][-1]["action"] == "deadline-warning"
    mail_server.advance(1 * HOUR)
    time.sleep(1.5)
    assert len(mailbox.messages) == 3           # warned once

    p = w.sent(kind="preservation", urgency="high")["id"]
    w.b.post(f"/requests/{p}/acknowledge")
    n = len(mailbox.wait(5))
    view = w.a.get(f"/requests/{p}").json()
    assert view["preservation_days"] == 90 and view["preserve_until"]
    w.b.post(f"/requests/{p}/answer", {"message": "Preserved."})
    mail_server.advance(82 * 24 * HOUR)         # 8 days before the end: not yet
    time.sleep(1.5)
    assert not [m for m in mailbox.messages[n:] if "Preservation" in m["Subject"] or "保全" in m["Subject"]]
    mail_server.advance(2 * 24 * HOUR)
    deadline = time.time() + 15
    pres = []
    while len(pres) < 2 and time.time() < deadline:
        pres = [m for m in mailbox.messages if m["X-Kizuna-Reference"] == p and
                ("Preservation ends" in m["Subject"] or "保全期間" in m["Subject"])]
        time.sleep(0.05)
    assert sorted(a for m in pres for a in m.envelope_to) == ["duty@singcert.sg.example", "tech@jpcert.jp.example"]
    assert "Budapest" in text([m for m in pres if m["Content-Language"] == "en"][0])


def test_check_invitations_are_mailed_with_a_link_that_works_in_a_browser(mail_server, mailbox):
    s = mail_server
    w = World(s)
    r = s.admin.post("/checks", {"state": "JP", "deadline_hours": 24})
    assert r.status_code == 201, r.text
    check = r.json()
    got = mailbox.wait(3)
    by_addr = {m.envelope_to[0]: m for m in got}
    assert set(by_addr) == {"tech@jpcert.jp.example", "csirt@jpcert.jp.example", "cyber@mofa.jp.example"}
    ja = by_addr["csirt@jpcert.jp.example"]
    assert ja["Subject"] == "【Kizuna】Test node operatorからの連絡確認（ご返信ください）"
    link = [line for line in text(ja).splitlines() if "/checks/answer/" in line][0].strip()
    assert link.startswith("https://kizuna.jp.example/api/v1/checks/answer/")
    token = link.rsplit("/", 1)[1]
    # the token is nowhere in the database: the outbox keeps a placeholder
    db = sqlite3.connect(s.db)
    assert not db.execute("SELECT count(*) FROM outbox WHERE body LIKE ?", (f"%{token}%",)).fetchone()[0]
    assert db.execute("SELECT count(*) FROM outbox WHERE body LIKE '%{answer_link}%'").fetchone()[0] == 3
    db.close()
    local = f"{s.base}/api/v1/checks/answer/{token}"
    page = requests.get(local, timeout=10)      # what a mail client (or a link scanner) does
    assert page.status_code == 200 and "<form method=post>" in page.text
    assert not any(t["answered"] for t in s.admin.get(f"/checks/{check['id']}").json()["contacts"])
    done = requests.post(local, data={"confirm": "1"}, timeout=10)
    assert done.status_code == 200 and "Thank you" in done.text and done.headers["Content-Type"].startswith("text/html")
    targets = {t["contact"]: t for t in s.admin.get(f"/checks/{check['id']}").json()["contacts"]}
    assert targets[w.jp_csirt["id"]]["answered"]
    notes = s.admin.get(f"/checks/{check['id']}").json()["notices"]
    assert len(notes) == 3 and all(n["status"] == "sent" and n["kind"] == "check.invitation" for n in notes)
    bad = requests.post(f"{s.base}/api/v1/checks/answer/{'x' * 43}", data={"a": "b"}, timeout=10)
    assert bad.status_code == 404 and "Unknown link" in bad.text
