"""The words Kizuna says, against a real node, a real SMTP server and the real binary:
the TAXII example of docs/API.md run as pasted; counts in the singular when there is
one ("1 event from 1 address"); deadlines in mail in the recipient's time zone with its
offset; the CLI naming the unknown format and showing help for a command group."""
import datetime
import json
import re
import subprocess
import zoneinfo
from pathlib import Path

from conftest import ROOT, run_kizuna
from test_taxii import TAXII, Taxii, ind


def local(iso, zone):
    """An RFC 3339 time as the mail should show it in zone."""
    t = datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(zoneinfo.ZoneInfo(zone))
    off = t.utcoffset().total_seconds()
    sign, off = ("-", -off) if off < 0 else ("+", off)
    name = t.tzname()
    named = "" if name[0] in "+-" else f" {name}"
    return f"{t:%Y-%m-%d %H:%M}{named} (UTC{sign}{int(off // 3600):02d}:{int(off % 3600 // 60):02d})"


def test_the_taxii_example_of_the_api_docs_runs_as_pasted(server):
    org = server.org("CSIRT Docs", "FR")
    key = server.client(org["id"]).key
    green = Taxii(server.base, key).collections()["TLP:GREEN"]["id"]
    assert Taxii(server.base, key).post(f"/taxii2/api/collections/{green}/objects/",
                                        {"objects": [ind("docs.example")]}).status_code == 202
    text = (ROOT / "docs" / "API.md").read_text()
    block = re.search(r"\n((?:    .*\n)*    GREEN=\$\((?:.*\n)*?    curl -s -g .*\n.*\n)", text)
    assert block, "the TAXII example is gone from docs/API.md"
    script = "\n".join(line[4:] for line in block.group(1).splitlines())
    assert "BASE=http://127.0.0.1:8470" in script
    script = script.replace("BASE=http://127.0.0.1:8470", f"BASE={server.base}")
    r = subprocess.run(["bash", "-e", "-c", script], capture_output=True, text=True, timeout=60,
                       env={"KEY": key, "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0 and not r.stderr, r.stderr
    page = json.loads(r.stdout)
    assert [o["name"] for o in page["objects"]] == ["docs.example"], page


def org_with(server, name, state, **contact):
    org = server.org(name, state)
    server.contact(org["id"], f"{state} duty officer", "csirt", email=f"duty@{state.lower()}.example", **contact)
    return org


def test_counts_and_deadlines_read_right_for_each_recipient(mail_server, mailbox, tmp_path):
    s = mail_server
    us = org_with(s, "US team", "US", languages=["ja"], timezone="America/New_York")
    au = org_with(s, "AU CERT", "AU", languages=["en"], timezone="Australia/Sydney")
    ev = tmp_path / "events.csv"
    ev.write_text("time,src_ip\n2026-11-03T09:30:00Z,8.8.8.8\n"
                  "2026-11-01T10:00:00Z,1.1.1.1\n2026-11-02T11:00:00Z,1.0.0.7\n")
    r = run_kizuna("route", "--db", s.db, "--json", ev)
    by_cc = {x["country"]: x for x in json.loads(r.stdout)["requests"]}
    req = {cc: s.admin.get(f"/requests/{by_cc[cc]['request']}").json() for cc in ("US", "AU")}
    # one of each is said in the singular; more in the plural
    assert req["US"]["subject"] == "Malicious activity from networks in United States: 1 event from 1 address"
    assert "1 event from 1 distinct address in 1 network." in req["US"]["description"]
    assert "AS15169 Google LLC: 1 event from 1 address" in req["US"]["description"]
    assert "The attached file lists the address with its event count." in req["US"]["description"]
    assert req["AU"]["subject"].endswith(": 2 events from 2 addresses")
    assert "2 events from 2 distinct addresses in" in req["AU"]["description"]
    assert "lists all 2 addresses with their event counts." in req["AU"]["description"]
    assert "events" not in req["US"]["subject"] and "addresses" not in req["US"]["subject"]

    for cc in ("US", "AU"):
        assert s.admin.post(f"/requests/{req[cc]['id']}/send").status_code == 200
    mails = {m.envelope_to[0]: m for m in mailbox.wait(2)}
    ja, en = mails["duty@us.example"], mails["duty@au.example"]
    assert ja["Content-Language"] == "ja" and en["Content-Language"] == "en"
    sent = {cc: s.admin.get(f"/requests/{req[cc]['id']}").json() for cc in ("US", "AU")}
    ja_body, en_body = (m.get_body(preferencelist=("plain",)).get_content() for m in (ja, en))
    # the Japanese and the English notice both carry the counts as the request says them
    assert "1 event from 1 address" in ja["Subject"] and "2 events from 2 addresses" in en["Subject"]
    # deadlines in the recipient's own zone, with the offset
    assert f"受領確認の期限: {local(sent['US']['ack_due'], 'America/New_York')}" in ja_body, ja_body
    assert f"Acknowledge by:  {local(sent['AU']['ack_due'], 'Australia/Sydney')}" in en_body, en_body
    assert f"Answer by:       {local(sent['AU']['answer_due'], 'Australia/Sydney')}" in en_body, en_body
    assert "UTC" in local(sent["AU"]["ack_due"], "Australia/Sydney") and " UTC\n" not in en_body


def test_a_check_invitation_states_its_deadline_in_the_contacts_zone(mail_server, mailbox):
    s = mail_server
    org = s.org("JPCERT/CC", "JP")
    s.contact(org["id"], "Sato Hanako", "technical", email="tech@jpcert.jp.example", timezone="Asia/Tokyo",
              languages=["en"])
    s.contact(org["id"], "No Zone", "csirt", email="nozone@jpcert.jp.example", languages=["en"])
    r = s.admin.post("/checks", {"state": "JP", "deadline_hours": 24})
    assert r.status_code == 201, r.text
    deadline = r.json()["deadline"]
    mails = {m.envelope_to[0]: m.get_body(preferencelist=("plain",)).get_content() for m in mailbox.wait(2)}
    assert f"before {local(deadline, 'Asia/Tokyo')}:" in mails["tech@jpcert.jp.example"]
    assert "JST (UTC+09:00)" in mails["tech@jpcert.jp.example"]
    utc = datetime.datetime.fromisoformat(deadline.replace("Z", "+00:00"))
    assert f"before {utc:%Y-%m-%d %H:%M} UTC:" in mails["nozone@jpcert.jp.example"]


def test_the_cli_names_the_unknown_format_and_shows_group_help():
    r = run_kizuna("import", "cvs", "feed.csv", check=False)
    assert r.returncode == 2 and r.stderr.startswith("kizuna import: unknown format 'cvs'"), r.stderr
    assert "import csv" in r.stderr and "import misp" in r.stderr and "unknown command" not in r.stderr
    r = run_kizuna("audit", "--help", check=False)
    assert r.returncode == 0 and "Usage: kizuna audit SUBCOMMAND" in r.stdout, (r.stdout, r.stderr)
    assert "audit verify" in r.stdout and not r.stderr
    r = run_kizuna("request", check=False)
    assert r.returncode == 2 and "kizuna request: which subcommand?" in r.stderr
    assert "request export" in r.stderr and "request verify" in r.stderr
    r = run_kizuna("audit", "verify", "--help", check=False)
    assert r.returncode == 0 and "Usage: kizuna audit verify" in r.stdout
    r = run_kizuna("frobnicate", check=False)
    assert r.returncode == 2 and "unknown command 'frobnicate'" in r.stderr
