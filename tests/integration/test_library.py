"""The rule of law on record (issue 15, points 1 and 2) against a real server: the norms
catalogue and what links to a norm under TLP, the policy library's versions and stored
copies, Japanese and English full-text search, the comparison of states, the library's
export and import through the CLI, and bad input that writes nothing."""
import base64
import csv
import hashlib
import html as htmllib
import io
import json
import re
from pathlib import Path

import pytest

from conftest import SHARED, assert_error, needs_shared, run_kizuna

ROOT = Path(__file__).resolve().parents[2]

LAW_JA = {"state": "JP", "type": "law", "title": "サイバーセキュリティ基本法（架空の改正案）",
          "title_en": "Basic Act on Cybersecurity (fictitious amendment)", "languages": ["ja"],
          "translation": "unofficial", "status": "in-force", "adopted": "2014-11-12",
          "summary": "国の責務と重要インフラ事業者の役割を定める。",
          "text": "第一条　この法律は、重要インフラ事業者に対し、サイバーセキュリティの確保を求めるものである。",
          "topics": ["legal"], "norms": ["g", "h"], "sectors": ["energy"],
          "citation": "平成二十六年法律第百四号"}


def doc(client, **kw):
    body = {"state": "FR", "type": "strategy", "title": "Stratégie nationale", "topics": ["legal"], **kw}
    r = client.post("/documents", body)
    assert r.status_code == 201, r.text
    return r.json()


def audit_len(server):
    return len(server.admin.get("/audit", params={"limit": 1000}).json()["items"])


class Nodes:
    """A node with the CSIRTs of three states, an analyst key each."""

    def __init__(self, server):
        self.server = server
        self.jp = server.org("JPCERT/CC", "JP")
        self.sg = server.org("SingCERT", "SG")
        self.fr = server.org("CERT-FR", "FR")
        self.a = server.client(self.jp["id"])
        self.b = server.client(self.sg["id"])
        self.c = server.client(self.fr["id"])


@pytest.fixture
def nodes(server):
    return Nodes(server)


# ---- point 1: the norms ----------------------------------------------------------------------

def test_the_eleven_norms_with_titles_in_two_languages(server):
    r = server.anon.get("/norms")
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [n["letter"] for n in items] == list("abcdefghijk")
    h = items[7]
    assert h["title"] == "Respond to requests for assistance and mitigation"
    assert h["title_ja"] == "支援・緩和要請への対応"
    assert h["text"].startswith("States should respond to appropriate requests for assistance by another State")
    assert h["source"] == {"symbol": "A/70/174", "paragraph": "h"}
    assert h["guidance"]["symbol"] == "A/76/135"
    assert server.admin.get("/norms/k").json()["title"] == "Do not harm emergency response teams"
    # what links to a norm is shared data: a caller without a key reads it only where the node
    # publishes TLP:CLEAR
    assert_error(server.anon.get("/norms/k"), 401)


@needs_shared
def test_the_norm_texts_are_those_of_the_reference(server):
    ref = (SHARED / "reference" / "norms-a70-174.md").read_text(encoding="utf-8")
    texts = dict(re.findall(r"^- \*\*\(([a-k])\)\*\* (.+)$", ref, re.M))
    titles = {m[0]: (m[1], m[2]) for m in re.findall(r"^\| ([a-k]) \| (.+?) \| (.+?) \|$", ref, re.M)}
    got = {n["letter"]: n for n in server.anon.get("/norms").json()["items"]}
    assert len(texts) == 11
    for letter, text in texts.items():
        assert got[letter]["text"] == text, letter
        assert (got[letter]["title"], got[letter]["title_ja"]) == titles[letter]


def test_an_unknown_norm_is_404_naming_the_letter(server):
    assert_error(server.admin.get("/norms/z"), 404, "letter")
    assert_error(server.admin.get("/norms/budapest-29"), 404, "letter")
    assert_error(server.admin.get("/documents", params={"norm": "z"}), 400, "norm")


def test_a_norm_page_shows_what_links_to_it_under_tlp(nodes):
    a, b, c = nodes.a, nodes.b, nodes.c
    # JP asks SG for assistance under norm (h), AMBER: the two sides only
    body = {"kind": "assistance", "to_organization": nodes.sg["id"], "urgency": "high", "tlp": "amber",
            "subject": "Ransomware at a hospital", "description": "Please help.", "norm": "h",
            "sector": "health", "incident_class": "availability", "impact": "Surgeries postponed.",
            "assistance_requested": ["technical-analysis"]}
    sent = []
    for i in range(2):
        r = a.post("/requests", {**body, "subject": f"Ransomware {i}"})
        assert r.status_code == 201, r.text
        rid = r.json()["id"]
        assert a.post(f"/requests/{rid}/send").status_code == 200
        sent.append(rid)
    assert b.post(f"/requests/{sent[0]}/acknowledge").status_code == 200
    assert b.post(f"/requests/{sent[0]}/answer", {"message": "Indicators attached."}).status_code == 200
    # an information request without norm (h) does not count
    info = {k: v for k, v in body.items() if k not in ("sector", "incident_class", "impact", "assistance_requested")}
    r = a.post("/requests", {**info, "kind": "information", "questions": "Which sectors?", "norm": "a"})
    assert r.status_code == 201, r.text
    other = r.json()["id"]
    a.post(f"/requests/{other}/send")
    clear = doc(a, state="JP", title="Cyber strategy", norms=["h"])
    amber = doc(a, state="JP", title="Draft position", status="draft", tlp="amber", norms=["h"])
    doc(c, state="FR", title="Loi", norms=["c"])

    mine = a.get("/norms/h").json()
    assert mine["letter"] == "h" and mine["text"].startswith("States should respond")
    assert sorted(q["id"] for q in mine["requests"]) == sorted(sent)
    assert {d["id"] for d in mine["documents"]} == {clear["id"], amber["id"]}
    year = int(mine["requests"][0]["sent_at"][:4])
    assert mine["counts"]["requests"] == [
        {"state": "JP", "year": year, "sent": 2, "received": 0, "answered": 0},
        {"state": "SG", "year": year, "sent": 0, "received": 2, "answered": 1}]
    assert mine["counts"]["documents"] == [{"state": "JP", "documents": 2}]
    # the receiving side sees the requests, not JP's AMBER draft
    theirs = b.get("/norms/h").json()
    assert len(theirs["requests"]) == 2 and [d["id"] for d in theirs["documents"]] == [clear["id"]]
    # a third state sees neither the requests nor the draft, and no count of them
    third = c.get("/norms/h").json()
    assert third["requests"] == [] and third["counts"]["requests"] == []
    assert [d["id"] for d in third["documents"]] == [clear["id"]]
    assert third["counts"]["documents"] == [{"state": "JP", "documents": 1}]


# ---- point 2: the policy library ---------------------------------------------------------------

def test_a_document_with_every_field_and_defaults(nodes):
    d = doc(nodes.a, **LAW_JA, issuing_body="内閣官房", source_url="https://www.example.go.jp/law/104",
            cbms=["osce-8"], review_due="2027-03-31", in_force="2015-01-09", provenance="submitted")
    assert d["version"] == 1 and d["organization"] == nodes.jp["id"]
    assert d["tlp"] == "clear" and d["title"] == LAW_JA["title"] and d["norms"] == ["g", "h"]
    assert re.fullmatch(r"[0-9a-f]{64}", d["hash"]) and d["sha256"] is None
    bare = doc(nodes.c)
    assert bare["tlp"] == "clear" and bare["status"] == "in-force" and bare["translation"] == "original"
    assert nodes.c.get(f"/documents/{d['id']}").json() == d


def test_a_new_version_is_a_new_row_with_its_own_hash(nodes):
    a = nodes.a
    v1_file = b"%PDF-1.4 first text"
    d = doc(a, file={"name": "strategy.pdf", "media_type": "application/pdf",
                     "content_base64": base64.b64encode(v1_file).decode()})
    assert d["sha256"] == hashlib.sha256(v1_file).hexdigest() and d["file_size"] == len(v1_file)
    r = a.patch(f"/documents/{d['id']}", {"status": "amended", "title_en": "National strategy"})
    assert r.status_code == 200, r.text
    v2 = r.json()
    assert v2["version"] == 2 and v2["hash"] != d["hash"] and v2["sha256"] == d["sha256"]
    assert v2["created"] == d["created"] and v2["modified"] > d["modified"]
    v3_file = b"%PDF-1.4 second text"
    v3 = a.patch(f"/documents/{d['id']}", {"file": {"name": "strategy-2.pdf",
                                                     "content_base64": base64.b64encode(v3_file).decode()}}).json()
    assert v3["version"] == 3 and v3["sha256"] == hashlib.sha256(v3_file).hexdigest()
    # the history stays readable, each version as it was
    hist = a.get(f"/documents/{d['id']}/versions").json()["items"]
    assert [(v["version"], v["status"], v["hash"]) for v in hist] == [
        (1, "in-force", d["hash"]), (2, "amended", v2["hash"]), (3, "amended", v3["hash"])]
    assert a.get(f"/documents/{d['id']}", params={"version": 1}).json() == d
    assert a.get(f"/documents/{d['id']}").json()["version"] == 3
    got = a.get(f"/documents/{d['id']}/file", params={"version": 1})
    assert got.content == v1_file and got.headers["X-Kizuna-Digest"] == f"sha-256={d['sha256']}"
    assert a.get(f"/documents/{d['id']}/file").content == v3_file
    # the list shows one document, at its latest version
    listed = a.get("/documents").json()["items"]
    assert [(x["id"], x["version"]) for x in listed] == [(d["id"], 3)]
    # only its organization writes a version
    assert_error(nodes.c.patch(f"/documents/{d['id']}", {"status": "repealed"}), 403)
    actions = [e["action"] for e in nodes.server.admin.get("/audit", params={"limit": 1000}).json()["items"]]
    assert actions.count("document.create") == 1 and actions.count("document.version") == 2


def test_bad_input_names_the_field_and_writes_nothing(nodes):
    a = nodes.a
    before = audit_len(nodes.server)
    big = base64.b64encode(b"x" * (4 * 1024 * 1024 + 1)).decode()
    cases = [
        ({"type": "law", "title": "No state"}, 400, "state"),
        ({"state": "XX", "type": "law", "title": "Unknown state"}, 400, "state"),
        ({"state": "JP", "type": "law", "title": "Bad norm", "norms": ["z"]}, 400, "norms"),
        ({"state": "JP", "type": "law", "title": "Bad date", "adopted": "2024-02-30"}, 400, "adopted"),
        ({"state": "JP", "type": "law", "title": "Bad date", "in_force": "12/01/2024"}, 400, "in_force"),
        ({"state": "JP", "type": "treaty", "title": "Bad type"}, 400, "type"),
        ({"state": "JP", "type": "law", "title": "Bad topic", "topics": ["weather"]}, 400, "topics"),
        ({"state": "JP", "type": "law", "title": "Bad relation", "amends": ["0b7f6a3e-1c1d-4c8e-9a57-1d2b3c4d5e6f"]},
         400, "amends[0]"),
        ({"state": "JP", "type": "law", "title": "Read-only", "version": 7}, 400, "version"),
        ({"state": "JP", "type": "law", "title": "Too big", "file": {"content_base64": big}}, 413, "file"),
        ({"state": "JP", "type": "law", "title": "Not base64", "file": {"content_base64": "!!"}}, 400, "file"),
    ]
    for body, status, field in cases:
        e = assert_error(a.post("/documents", body), status)
        assert e["field"].startswith(field), (body, e)
    d = doc(a)
    assert_error(a.patch(f"/documents/{d['id']}", {"review_due": "2026-13-01"}), 400, "review_due")
    assert_error(a.patch(f"/documents/{d['id']}", {"state": None}), 400, "state")
    assert_error(a.get(f"/documents/{d['id']}", params={"version": "x"}), 400, "version")
    assert_error(a.get(f"/documents/{d['id']}", params={"version": 2}), 404, "document")
    assert [x["id"] for x in a.get("/documents").json()["items"]] == [d["id"]]
    assert len(a.get(f"/documents/{d['id']}/versions").json()["items"]) == 1
    assert audit_len(nodes.server) == before + 1       # the one good create
    # viewers and anonymous callers do not write
    viewer = nodes.server.client(nodes.jp["id"], "viewer")
    assert_error(viewer.post("/documents", {"state": "JP", "type": "law", "title": "x"}), 403)
    assert_error(nodes.server.anon.post("/documents", {"state": "JP", "type": "law", "title": "x"}), 401)


def test_japanese_queries_find_a_word_inside_a_sentence(nodes):
    a = nodes.a
    ja = doc(a, **LAW_JA)
    en = doc(a, state="GB", type="strategy", title="National Cyber Strategy 2022",
             summary="Protecting critical infrastructure and the economy.", languages=["en"])
    other = doc(a, state="JP", type="policy", title="情報通信白書（架空）", text="統計と動向をまとめる。")
    def q(text):
        r = a.get("/documents", params={"q": text})
        assert r.status_code == 200, r.text
        return {d["id"] for d in r.json()["items"]}
    assert q("重要インフラ") == {ja["id"]}            # inside the sentence of the stored text
    assert q("事業者") == {ja["id"]}                  # in the summary and the text, no spaces around it
    assert q("国の責務") == {ja["id"]}
    assert q("動向") == {other["id"]}                 # two characters: found without trigrams
    assert q("サイバー攻撃") == set()
    assert q("critical infrastructure") == {en["id"]}
    assert q("CYBER strategy") == {en["id"]}          # case does not matter
    assert q("Basic Act") == {ja["id"]}               # the English title of the Japanese law
    assert q("infrastructure 白書") == set()          # every word must occur
    r = a.get("/documents", params={"q": "重要インフラ", "state": "JP", "type": "law"})
    assert [d["id"] for d in r.json()["items"]] == [ja["id"]]


def test_states_compared_side_by_side_by_norm_and_topic(nodes):
    a = nodes.a
    made = {}
    for state, title, norms, status in [("JP", "基本法", ["h"], "in-force"), ("FR", "Stratégie", ["h", "g"], "in-progress"),
                                        ("DE", "Strategie", ["g"], "in-force"), ("EE", "Strategy", ["h"], "draft"),
                                        ("SG", "Cybersecurity Act", ["h"], "in-force")]:
        made[state] = doc(a, state=state, title=title, norms=norms, status=status,
                          topics=["legal"] if state != "EE" else ["technical"])
    r = a.get("/documents/compare", params={"states": "JP,FR,DE,EE", "norm": "h"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["by"] == "norm" and body["value"] == "h"
    cols = [(s["state"], [(d["id"], d["status"]) for d in s["documents"]]) for s in body["states"]]
    assert cols == [("JP", [(made["JP"]["id"], "in-force")]), ("FR", [(made["FR"]["id"], "in-progress")]),
                    ("DE", []), ("EE", [(made["EE"]["id"], "draft")])]
    by_topic = a.get("/documents/compare", params={"states": "JP,DE,EE,SG", "topic": "legal"}).json()
    assert [len(s["documents"]) for s in by_topic["states"]] == [1, 1, 0, 1]
    r = a.get("/documents/compare", params={"states": "JP,FR,DE,EE", "norm": "h", "format": "csv"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(x["state"], x["document"], x["status"], x["title"]) for x in rows] == [
        ("JP", made["JP"]["id"], "in-force", "基本法"), ("FR", made["FR"]["id"], "in-progress", "Stratégie"),
        ("EE", made["EE"]["id"], "draft", "Strategy")]
    assert_error(a.get("/documents/compare", params={"states": "JP,FR", "norm": "h", "topic": "legal"}), 400, "norm")
    assert_error(a.get("/documents/compare", params={"states": "JP,FR"}), 400, "topic")
    assert_error(a.get("/documents/compare", params={"states": "JP,QQ", "norm": "h"}), 400, "states")
    assert_error(a.get("/documents/compare", params={"states": "JP", "norm": "h"}), 400, "states")
    assert_error(a.get("/documents/compare", params={"norm": "h"}), 400, "states")


def test_tlp_on_every_read_path(nodes, tmp_path):
    a, c, server = nodes.a, nodes.c, nodes.server
    clear = doc(a, state="JP", title="公開された戦略", norms=["h"])
    amber = doc(a, state="JP", title="非公開の草案", status="draft", tlp="amber", norms=["h"],
                file={"content_base64": base64.b64encode(b"draft").decode()})
    red = doc(a, state="JP", title="Red position", tlp="red", recipients=[nodes.sg["id"]])
    # the source sees everything
    assert {d["id"] for d in a.get("/documents").json()["items"]} == {clear["id"], amber["id"], red["id"]}
    # a third state: the AMBER and RED documents do not exist, on every path
    for hidden in (amber, red):
        missing = assert_error(c.get(f"/documents/{hidden['id']}"), 404, "document")
        absent = assert_error(c.get("/documents/0b7f6a3e-1c1d-4c8e-9a57-1d2b3c4d5e6f"), 404, "document")
        assert missing["message"].replace(hidden["id"], "X") == absent["message"].replace(
            "0b7f6a3e-1c1d-4c8e-9a57-1d2b3c4d5e6f", "X")
        assert_error(c.get(f"/documents/{hidden['id']}/versions"), 404)
        assert_error(c.get(f"/documents/{hidden['id']}/file"), 404)
        assert_error(c.patch(f"/documents/{hidden['id']}", {"status": "repealed"}), 404)
    assert [d["id"] for d in c.get("/documents").json()["items"]] == [clear["id"]]
    assert c.get("/documents", params={"q": "草案"}).json()["items"] == []
    assert c.get("/documents", params={"tlp": "amber"}).json()["items"] == []
    comp = c.get("/documents/compare", params={"states": "JP,FR,DE", "norm": "h"}).json()
    assert [d["id"] for d in comp["states"][0]["documents"]] == [clear["id"]]
    assert [d["id"] for d in c.get("/norms/h").json()["documents"]] == [clear["id"]]
    # the named recipient of the RED one sees it, with only itself as recipient shown
    got = nodes.b.get(f"/documents/{red['id']}").json()
    assert got["recipients"] == [nodes.sg["id"]]
    # the export as the third state holds the CLEAR document only
    key = c.key
    out = tmp_path / "third.jsonl"
    run_kizuna("library", "export", "--db", server.db, "--key", key, "--output", out)
    assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == [clear["id"]]
    # a changed label is a new version too; lowering it is the source's explicit act, audited
    v2 = a.patch(f"/documents/{amber['id']}", {"tlp": "clear", "status": "in-force"}).json()
    assert v2["version"] == 2
    assert c.get(f"/documents/{amber['id']}").json()["version"] == 2
    # the earlier AMBER version stays with its source
    assert [v["version"] for v in c.get(f"/documents/{amber['id']}/versions").json()["items"]] == [2]
    assert_error(c.get(f"/documents/{amber['id']}", params={"version": 1}), 404)
    actions = [e["action"] for e in server.admin.get("/audit", params={"limit": 1000}).json()["items"]]
    assert "document.declassify" in actions


# ---- import and export ---------------------------------------------------------------------------

def library(server, d):
    a = server.client(server.admin.org)
    ja = doc(a, **LAW_JA, file={"name": "法律.txt", "media_type": "text/plain",
                                "content_base64": base64.b64encode("第一条\n本文".encode()).decode()})
    a.patch(f"/documents/{ja['id']}", {"status": "amended", "summary": "改正, \"引用\"\n二行目"})
    doc(a, state="EU", type="regulation", title="NIS 2 Directive", citation="Directive (EU) 2022/2555",
        sectors=["energy", "health"], implements=[], cbms=["osce-3", "osce-15"], allow_clients=True)
    return ja


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_and_import_round_trip_without_loss(server, make_server, tmp_path, fmt):
    library(server, tmp_path)
    first = tmp_path / f"first.{fmt}"
    run_kizuna("library", "export", "--db", server.db, "--output", first)
    other = make_server(sub="other")
    other.stop()
    out = run_kizuna("library", "import", "--db", other.db, first)
    assert "3 document versions imported" in out.stdout
    again = run_kizuna("library", "import", "--db", other.db, first)   # a second time: nothing new
    assert "0 document versions imported, 3 already there" in again.stdout
    second = tmp_path / f"second.{fmt}"
    run_kizuna("library", "export", "--db", other.db, "--output", second)
    org1, org2 = server.admin.org, other.admin.org
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8").replace(org1, org2)
    assert first.read_text(encoding="utf-8").count(org1) == 3       # the source, on each version
    other.start()
    got = other.admin.get("/documents", params={"q": "重要インフラ"}).json()["items"]
    assert len(got) == 1 and got[0]["version"] == 2
    assert other.admin.get(f"/documents/{got[0]['id']}/file").content == "第一条\n本文".encode()


def test_import_errors_give_line_and_column_and_write_nothing(server, tmp_path):
    library(server, tmp_path)
    good = tmp_path / "good.jsonl"
    run_kizuna("library", "export", "--db", server.db, "--output", good)
    lines = good.read_text(encoding="utf-8").splitlines()
    fresh = tmp_path / "fresh.db"
    run_kizuna("init", "--db", fresh, "--org-name", "Fresh", "--state", "FR")

    def refused(name, text, *expect):
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        r = run_kizuna("library", "import", "--db", fresh, p, check=False)
        assert r.returncode == 1, r
        for e in expect:
            assert e in r.stderr, r.stderr
        assert run_kizuna("library", "export", "--db", fresh).stdout == ""   # nothing written
        return r.stderr

    refused("syntax.jsonl", lines[0] + "\n" + '{"id": "x", oops}\n', "syntax.jsonl:2: column")
    rec = json.loads(lines[2])
    refused("date.jsonl", "\n".join(lines[:2] + [json.dumps({**rec, "adopted": "2024-02-30"})]) + "\n",
            "date.jsonl:3: adopted")
    nostate = {k: v for k, v in rec.items() if k != "state"}
    refused("state.jsonl", json.dumps(nostate) + "\n", "state.jsonl:1: state")
    tampered = {**json.loads(lines[0]), "title": "改ざん"}
    refused("tampered.jsonl", json.dumps(tampered, ensure_ascii=False) + "\n", "tampered.jsonl:1: hash")
    refused("gap.jsonl", lines[1] + "\n", "gap.jsonl:1: version")          # version 2 without 1
    csv_file = tmp_path / "good.csv"
    run_kizuna("library", "export", "--db", server.db, "--output", csv_file)
    rows = csv_file.read_text(encoding="utf-8").split("\n", 1)
    refused("cols.csv", rows[0] + ",weather\n", "cols.csv:1: column ", "unknown column 'weather'")
    header = rows[0].split(",")
    bad = list(csv.reader(io.StringIO(rows[1])))[0]
    bad[header.index("norms")] = "h zz"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(bad)
    stderr = refused("norm.csv", rows[0] + "\n" + buf.getvalue(), "norm.csv:2: norms")
    assert f"column {header.index('norms') + 1} (norms)" in stderr


def test_a_public_node_shows_callers_without_a_key_the_clear_library_only(make_server):
    s = make_server(extra_args=["--public"])
    jp = s.org("JPCERT/CC", "JP")
    a = s.client(jp["id"])
    clear = doc(a, state="JP", title="公開された基本法", norms=["h"])
    doc(a, state="JP", title="非公開の基本法", norms=["h"], tlp="green")
    assert [d["id"] for d in s.anon.get("/documents").json()["items"]] == [clear["id"]]
    assert [d["id"] for d in s.anon.get("/documents", params={"q": "基本法"}).json()["items"]] == [clear["id"]]
    page = s.anon.get("/norms/h").json()
    assert [d["id"] for d in page["documents"]] == [clear["id"]]
    assert page["counts"]["documents"] == [{"state": "JP", "documents": 1}]
    assert_error(s.anon.post("/documents", {"state": "JP", "type": "law", "title": "x"}), 401)
    assert s.stop() == 0


def catalogue(lang):
    return json.loads((ROOT / "web" / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))


def filled(message, **values):
    for k, v in values.items():
        message = message.replace("{" + k + "}", str(v))
    return message


def test_the_printable_survey_page_in_english_and_japanese(nodes):
    """The page's words are the web interface's (web/i18n), in the language asked for with
    ?lang= or, without it, in the signed-in user's language; English by default."""
    from test_accounts import Browser, new_user
    a, server = nodes.a, nodes.server
    s = a.post("/surveys", {"period": "2026", "cbms": "連絡窓口の一覧を毎年更新しています。"}).json()
    norms = {n["letter"]: n for n in server.anon.get("/norms").json()["items"]}

    def expect(page, lang):
        m = catalogue(lang)
        text = htmllib.unescape(page)
        assert f'<html lang="{lang}">' in page
        wanted = [filled(m["survey.title"], state="JP", period="2026"), filled(m["survey.version_line"], version=1),
                  m["survey.not_answered"], "連絡窓口の一覧を毎年更新しています。"]
        wanted += [m[f"survey.part{i}"] for i in range(1, 5)] + [m[f"survey.part{i}_hint"] for i in range(1, 5)]
        wanted += [filled(m["survey.norm_heading"], letter=k, title=n["title_ja" if lang == "ja" else "title"])
                   for k, n in norms.items()]
        for w in wanted:
            assert w in text, (lang, w)
        return text

    en = expect(a.get(f"/surveys/{s['id']}/print").text, "en")            # a key: English
    assert expect(a.get(f"/surveys/{s['id']}/print", params={"lang": "en"}).text, "en") == en
    ja = expect(a.get(f"/surveys/{s['id']}/print", params={"lang": "ja"}).text, "ja")
    assert "Part 1. International law" not in ja and "第1部 国際法" not in en
    v = a.get(f"/surveys/{s['id']}/print", params={"lang": "ja", "version": 1})
    assert v.status_code == 200 and "第1部 国際法" in v.text
    # a user who reads Japanese gets the Japanese page without asking; ?lang= still wins
    new_user(server, "aiko@csirt.example", org=nodes.jp["id"], language="ja")
    b = Browser(server)
    assert b.sign_in("aiko@csirt.example").status_code == 200
    assert expect(b.get(f"/surveys/{s['id']}/print").text, "ja") == ja
    assert expect(b.get(f"/surveys/{s['id']}/print", params={"lang": "en"}).text, "en") == en
    # any other language is refused, naming the field
    for bad in ("fr", "JA", "", "ja-JP"):
        assert_error(a.get(f"/surveys/{s['id']}/print", params={"lang": bad}), 400, "lang")
    assert_error(a.get(f"/surveys/{s['id']}/print", params={"language": "ja"}), 400, "language")
    # the library's copy stays the English page
    d = a.post(f"/surveys/{s['id']}/publish").json()
    assert "<html lang=\"en\">" in nodes.c.get(f"/documents/{d['id']}/file").text


# ---- the national survey of implementation -------------------------------------------------------

def test_the_national_survey_kept_as_drafts_printed_and_published(nodes):
    a, c, server = nodes.a, nodes.c, nodes.server
    # no answer is mandatory: an empty survey is a draft of the organization's state and this year
    r = a.post("/surveys", {})
    assert r.status_code == 201, r.text
    s = r.json()
    assert s["version"] == 1 and s["state"] == "JP" and re.fullmatch(r"20\d\d", s["period"]) and s["document"] is None
    assert s["norm_h"] is None and s["organization"] == nodes.jp["id"]
    # answers over time, each save a new version; the drafts stay readable
    v2 = a.patch(f"/surveys/{s['id']}", {"period": "2026", "international_law": "既存の国際法はサイバー空間に適用される。",
                                         "norm_h": "24時間の窓口が支援要請に応じる。"}).json()
    assert v2["version"] == 2
    v3 = a.patch(f"/surveys/{s['id']}", {"cbms": "Points of contact <updated>", "norm_h": None,
                                         "norm_j": "A coordinated vulnerability disclosure programme."}).json()
    assert v3["version"] == 3 and v3["norm_h"] is None and v3["international_law"] == v2["international_law"]
    assert a.get(f"/surveys/{s['id']}", params={"version": 2}).json()["norm_h"] == "24時間の窓口が支援要請に応じる。"
    assert [x["version"] for x in a.get("/surveys").json()["items"]] == [3]
    # every draft kept, oldest first, a page at a time
    drafts = a.get(f"/surveys/{s['id']}/versions").json()
    assert [(x["version"], x["norm_h"]) for x in drafts["items"]] == [(1, None), (2, v2["norm_h"]), (3, None)]
    first = a.get(f"/surveys/{s['id']}/versions", params={"limit": 2}).json()
    assert [x["version"] for x in first["items"]] == [1, 2] and first["next"]
    rest = a.get(f"/surveys/{s['id']}/versions", params={"limit": 2, "cursor": first["next"]}).json()
    assert [x["version"] for x in rest["items"]] == [3]
    assert_error(a.get("/surveys/no-such-survey/versions"), 404, "survey")
    # another organization sees none of it, nor can it write
    assert_error(c.get(f"/surveys/{s['id']}"), 404, "survey")
    assert_error(c.get(f"/surveys/{s['id']}/print"), 404, "survey")
    assert_error(c.get(f"/surveys/{s['id']}/versions"), 404, "survey")
    assert_error(c.patch(f"/surveys/{s['id']}", {"cbms": "x"}), 404, "survey")
    assert_error(c.post(f"/surveys/{s['id']}/publish"), 404, "survey")
    assert c.get("/surveys").json()["items"] == []
    # bad input names the field and writes nothing
    assert_error(a.patch(f"/surveys/{s['id']}", {"period": "26"}), 400, "period")
    assert_error(a.patch(f"/surveys/{s['id']}", {"norm_z": "x"}), 400, "norm_z")
    assert_error(a.patch(f"/surveys/{s['id']}", {"document": "x"}), 400, "document")
    assert a.get(f"/surveys/{s['id']}").json()["version"] == 3
    # the printable page: every part, every norm under its title, the answers escaped
    page = a.get(f"/surveys/{s['id']}/print")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "Part 1. International law" in page.text and "Part 4. Capacity-building" in page.text
    assert "Norm (k): Do not harm emergency response teams" in page.text
    assert "Points of contact &lt;updated&gt;" in page.text and "<updated>" not in page.text
    # published as a TLP:CLEAR document of the library, which every member finds
    r = a.post(f"/surveys/{s['id']}/publish")
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["type"] == "national-survey" and d["tlp"] == "clear" and d["state"] == "JP" and d["version"] == 1
    assert d["norms"] == ["j"] and d["topics"] == ["international-law", "norms", "cbms"]
    assert d["file_type"] == "text/html" and c.get(f"/documents/{d['id']}/file").text == page.text
    assert [x["id"] for x in c.get("/documents", params={"q": "国際法はサイバー"}).json()["items"]] == [d["id"]]
    assert d["id"] in [x["id"] for x in c.get("/norms/j").json()["documents"]]
    assert a.get(f"/surveys/{s['id']}").json()["document"] == d["id"]
    # published again after a change: the next version of the same document
    a.patch(f"/surveys/{s['id']}", {"capacity_building": "Training for ASEAN CSIRTs."})
    d2 = a.post(f"/surveys/{s['id']}/publish").json()
    assert d2["id"] == d["id"] and d2["version"] == 2 and "capacity-building" in d2["topics"]
    actions = [e["action"] for e in server.admin.get("/audit", params={"limit": 1000}).json()["items"]]
    assert actions.count("survey.publish") == 2 and actions.count("survey.version") == 3
