"""kizuna geo and kizuna route on the real routing data: inputs, formats, bad input and
the attribution. Expected answers come from `kizuna geo` on the same addresses (whose
correctness test_geo_correctness.py establishes) and from Python over the same input.
"""
import gzip
import json
import re
import subprocess

import pytest

from conftest import KIZUNA, ROOT, run_kizuna, stderr_on_a_terminal

DATA = ROOT / "node_modules" / "@ip-location-db"
AS4 = DATA / "asn" / "asn-ipv4.csv"
CC4 = DATA / "asn-country" / "asn-country-ipv4.csv"
ATTRIBUTION = "CC BY 4.0"


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    path = tmp_path_factory.mktemp("geo") / "geo.kzg"
    run_kizuna("geodata", "build", "--table", path)  # the default sources: the npm packages
    return path


def geo(table, *ips):
    out = run_kizuna("geo", "--table", table, *ips).stdout
    return {line.split("\t")[0]: line.split("\t")[1:] for line in out.splitlines()}


def route(table, *args, input=None, check=True):
    return subprocess.run([KIZUNA, "route", "--table", str(table), *map(str, args)],
                          capture_output=True, text=True, input=input, check=check, timeout=120)


# --- kizuna geo ---------------------------------------------------------------------

def test_geo_answers_and_attribution(table):
    r = run_kizuna("geo", "--table", table, "1.1.1.1", "2001:200::1", "::ffff:8.8.8.8", "10.1.2.3")
    lines = [line.split("\t") for line in r.stdout.splitlines()]
    assert lines[0] == ["1.1.1.1", "13335", "Cloudflare, Inc.", "AU"]
    assert lines[1][0] == "2001:200::1" and lines[1][3] == "JP"
    assert lines[2][0] == "8.8.8.8" and lines[2][1] == "15169"  # IPv4-mapped looked up as IPv4
    assert lines[3] == ["10.1.2.3", "-", "", "-"]                # private: not in the data
    assert ATTRIBUTION in r.stderr and "DB-IP" in r.stderr


def test_geo_reads_stdin_and_names_the_bad_line(table):
    r = run_kizuna("geo", "--table", table, input="1.1.1.1\n\n1.2.3.999\n8.8.8.8\n", check=False)
    assert r.returncode == 1
    assert "line 3: not an IP address: \"1.2.3.999\"" in r.stderr
    r = run_kizuna("geo", "--table", table, "--skip-bad", input="1.1.1.1\nnope\n8.8.8.8\n")
    assert [line.split("\t")[0] for line in r.stdout.splitlines()] == ["1.1.1.1", "8.8.8.8"]
    assert "skipped 1" in r.stderr
    r = run_kizuna("geo", "--table", table, "1.1.1.1", "x", check=False)
    assert r.returncode == 1 and "argument 2" in r.stderr and r.stdout == ""


def test_damaged_tables_are_refused_with_the_reason(table, tmp_path):
    good = table.read_bytes()
    cases = {
        "truncated.kzg": (good[: len(good) // 2], "truncated"),
        "flipped.kzg": (good[:5000] + bytes([good[5000] ^ 0x10]) + good[5001:], "checksum"),
        "empty.kzg": (b"", "too short"),
        "text.kzg": (b"1.0.0.0,1.0.0.255,AU\n" * 100, "not a Kizuna geo table"),
    }
    for name, (content, reason) in cases.items():
        p = tmp_path / name
        p.write_bytes(content)
        r = run_kizuna("geo", "--table", p, "1.1.1.1", check=False)
        assert r.returncode == 1, name
        assert reason in r.stderr, (name, r.stderr)
        assert r.stdout == ""
    r = run_kizuna("geo", "--table", tmp_path / "missing.kzg", "1.1.1.1", check=False)
    assert r.returncode == 1 and "no such file" in r.stderr


def test_mmdb_given_instead_answers_the_same(tmp_path):
    """An .mmdb written by MaxMind's own writer from the same ranges answers as the table."""
    as_part, cc_part = tmp_path / "as.csv", tmp_path / "cc.csv"
    as_part.write_text("".join(AS4.read_text(encoding="utf-8").splitlines(True)[:3000]), encoding="utf-8")
    cc_part.write_text("".join(CC4.read_text().splitlines(True)[:3000]))
    kzg, mmdb = tmp_path / "t.kzg", tmp_path / "t.mmdb"
    run_kizuna("geodata", "build", "--table", kzg, as_part, cc_part)
    subprocess.run(["perl", str(ROOT / "bench" / "route" / "make_mmdb.pl"), str(mmdb), str(as_part),
                    "--", str(cc_part)], check=True, capture_output=True, timeout=300)
    ips = [line.split(",")[0] for line in as_part.read_text(encoding="utf-8").splitlines()[::97]]
    ips += ["1.0.0.1", "1.0.16.7", "9.9.9.9"]
    native = run_kizuna("geo", "--table", kzg, *ips)
    viammdb = run_kizuna("geo", "--table", mmdb, *ips)
    assert native.stdout == viammdb.stdout
    assert "MaxMind DB" in viammdb.stderr
    info = run_kizuna("geodata", "info", "--table", kzg).stdout
    assert "IPv4 ranges:" in info and "source: as.csv" in info


def test_geodata_build_stops_at_a_bad_line_and_writes_nothing(tmp_path):
    src = tmp_path / "r.csv"
    src.write_text("1.0.0.0,1.0.0.255,13335,Cloudflare\n1.0.1.0,1.0.0.255,1,x\n")
    out = tmp_path / "t.kzg"
    r = run_kizuna("geodata", "build", "--table", out, src, check=False)
    assert r.returncode == 1
    assert "r.csv:2: column 9: the range ends before it starts" in r.stderr
    assert not out.exists()
    r = run_kizuna("geodata", "build", "--table", out, "--skip-bad", src)
    assert "skipped 1 bad lines" in r.stderr and out.exists()


# --- kizuna route -------------------------------------------------------------------

ADDRS = ["1.1.1.1", "1.1.1.1", "1.0.0.7", "8.8.8.8", "8.8.4.4", "133.11.0.1", "2001:200::1",
         "10.0.0.1", "192.0.2.1", "203.0.113.5"]


def expected(table, addrs):
    """Per country: events, distinct addresses and per-ASN events, from kizuna geo."""
    ans = geo(table, *sorted(set(addrs)))
    want = {}
    for a in addrs:
        asn, _org, cc = ans[a]
        c = want.setdefault(None if cc == "-" else cc, {"events": 0, "addresses": set(), "asns": {}})
        c["events"] += 1
        c["addresses"].add(a)
        key = None if asn == "-" else int(asn)
        c["asns"][key] = c["asns"].get(key, 0) + 1
    return {cc: (c["events"], len(c["addresses"]), c["asns"]) for cc, c in want.items()}


def got(doc):
    return {c["country"]: (c["events"], c["addresses"], {a["asn"]: a["events"] for a in c["top_asns"]})
            for c in doc["countries"]}


def test_route_csv_with_header_detection(table, tmp_path):
    ev = tmp_path / "events.csv"
    ev.write_text("time,Src_IP,port\n" + "".join(f"2026-11-01T00:00:0{i % 10}Z,{a},443\n"
                                                  for i, a in enumerate(ADDRS)))
    r = route(table, "--json", "--top", "100", ev)
    doc = json.loads(r.stdout)
    assert got(doc) == expected(table, ADDRS)
    assert doc["events"] == len(ADDRS) and doc["addresses"] == len(set(ADDRS))
    assert ATTRIBUTION in doc["attribution"]
    # the table: countries ranked by events (ties by code), the addresses not in the data
    # last whatever their count, each with its events; the attribution below
    text = route(table, ev).stdout
    rows = [line.split() for line in text.splitlines() if re.match(r"^([A-Z]{2}|--) .*\d$", line)]
    want = expected(table, ADDRS)
    ranked = sorted((cc for cc in want if cc), key=lambda cc: (-want[cc][0], cc))
    assert [r[0] for r in rows] == ranked + ["--"]
    assert [int(r[-3]) for r in rows] == [want[cc][0] for cc in ranked] + [want[None][0]]
    assert len({want[cc][0] for cc in ranked}) > 1  # the data really has an order to show
    assert "AS13335" in text and "Cloudflare" in text


def test_route_json_lines_urls_domains_and_resolution(table, tmp_path):
    ev = tmp_path / "ev.jsonl"
    rows = [{"ip": "1.1.1.1"}, {"url": "http://8.8.8.8/login"}, {"url": "https://[2001:200::1]:8443/"},
            {"domain": "phish.example", "resolved_ip": "133.11.0.1"},
            {"source": {"ip": "1.0.0.7"}}, {"domain": "localhost"}, {"url": "https://localhost/x"}]
    ev.write_text("".join(json.dumps(r) + "\n" for r in rows))
    doc = json.loads(route(table, "--json", ev).stdout)
    assert doc["events"] == 5 and doc["unresolved"] == 2
    assert got(doc) == expected(table, ["1.1.1.1", "8.8.8.8", "2001:200::1", "133.11.0.1", "1.0.0.7"])
    # --resolve asks the system resolver (localhost from /etc/hosts: no network needed)
    doc = json.loads(route(table, "--json", "--resolve", ev).stdout)
    assert doc["events"] == 7 and doc["unresolved"] == 0 and doc["resolved"] == 2
    assert any(c["country"] is None and c["events"] == 2 for c in doc["countries"])


def test_route_gzip_stdin_map_and_no_header(table, tmp_path):
    body = "".join(f"x,{a}\n" for a in ADDRS)
    gz = tmp_path / "ev.csv.gz"
    gz.write_bytes(gzip.compress(body.encode()))
    want = expected(table, ADDRS)
    assert got(json.loads(route(table, "--json", "--no-header", "--map", "ip=2", gz).stdout)) == want
    assert got(json.loads(route(table, "--json", "--no-header", "--map", "ip=2", "-",
                                input=body).stdout)) == want
    named = "a,source\n" + body
    assert got(json.loads(route(table, "--json", "--map", "ip=source", "-", input=named).stdout)) == want


def test_route_bad_lines_stop_or_are_counted(table, tmp_path):
    ev = tmp_path / "bad.csv"
    ev.write_text("time,ip\n1,1.1.1.1\n2,1.1.1.300\n3,\"8.8.8.8\n4,8.8.8.8\n")
    r = route(table, ev, check=False)
    assert r.returncode == 1 and r.stdout == ""
    assert "bad.csv:3: ip \"1.1.1.300\" is not an IP address" in r.stderr
    r = route(table, "--json", "--skip-bad", ev)
    doc = json.loads(r.stdout)
    assert doc["bad_lines"] == 2 and doc["events"] == 2
    jl = tmp_path / "bad.jsonl"
    jl.write_text('{"ip": "1.1.1.1"}\n{"ip": 5}\n{"ip": "1.1.1.1"\n')
    r = route(table, jl, check=False)
    assert r.returncode == 1 and "bad.jsonl:2: field \"ip\" is not a string" in r.stderr
    r = route(table, "--skip-bad", "--json", jl)
    assert json.loads(r.stdout)["bad_lines"] == 2
    r = route(table, "--map", "ip=nosuch", ev, check=False)
    assert r.returncode == 1 and "no column \"nosuch\"" in r.stderr
    r = route(table, "--map", "port=1", ev, check=False)
    assert r.returncode == 2 and "ROLE=NAME" in r.stderr
    nocol = tmp_path / "nocol.csv"
    nocol.write_text("a,b\n1,2\n")
    r = route(table, nocol, check=False)
    assert r.returncode == 1 and "no ip, url or domain column" in r.stderr


# --- kizuna route --db: drafts for the responsible states ---------------------------

def org_with_contact(server, name, state, role):
    r = server.admin.post("/organizations", {"name": name, "state": state, "kind": "national-csirt"})
    assert r.status_code == 201, r.text
    org = r.json()["id"]
    if role:
        r = server.admin.post("/contacts", {"organization": org, "full_name": f"{state} duty officer",
                                            "role": role, "email": f"duty@{state.lower()}.example"})
        assert r.status_code == 201, r.text
    return org


def test_route_db_creates_one_draft_per_state(server, tmp_path):
    au = org_with_contact(server, "AU CERT", "AU", "csirt")
    us = org_with_contact(server, "US team", "US", "technical")
    org_with_contact(server, "NL ministry", "NL", "diplomatic")  # no CSIRT or technical contact
    ev = tmp_path / "events.csv"
    ev.write_text("time,src_ip\n2026-11-01T10:00:00Z,1.1.1.1\n2026-11-02T10:00:00Z,1.1.1.1\n"
                  "2026-11-02T11:00:00Z,1.0.0.7\n2026-11-03T09:30:00Z,8.8.8.8\n"
                  "2026-11-03T10:00:00Z,133.11.0.1\n2026-11-03T10:00:00Z,193.0.0.1\n")
    table = ROOT / "data" / "geo.kzg"
    r = subprocess.run([KIZUNA, "route", "--db", str(server.db), "--tlp", "amber+strict",
                        "--urgency", "high", "--activity", "SSH brute force against our hospitals",
                        "--json", str(ev)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    by_cc = {x["country"]: x for x in doc["requests"]}
    answers = geo(table, "1.1.1.1", "1.0.0.7", "8.8.8.8", "133.11.0.1", "193.0.0.1")
    assert {a[2] for a in answers.values()} == {"AU", "US", "JP", "NL"}
    assert by_cc["JP"]["request"] is None and "own state" in by_cc["JP"]["skipped"]  # the node is JP
    assert by_cc["NL"]["request"] is None and "no CSIRT or technical" in by_cc["NL"]["skipped"]
    assert by_cc["AU"]["contact_role"] == "csirt" and by_cc["US"]["contact_role"] == "technical"

    drafts = server.admin.get("/requests", {"box": "outbox", "status": "draft"}).json()["items"]
    assert sorted(d["to_state"] for d in drafts) == ["AU", "US"]
    req = server.admin.get(f"/requests/{by_cc['AU']['request']}").json()
    assert req["kind"] == "mitigation" and req["to_organization"] == au
    assert req["tlp"] == "amber+strict" and req["urgency"] == "high" and req["status"] == "draft"
    assert req["activity"] == "SSH brute force against our hospitals"
    au_addrs = [a for a, v in answers.items() if v[2] == "AU"]
    au_times = sorted(line.split(",")[0] for line in ev.read_text().splitlines()[1:]
                      if line.split(",")[1] in au_addrs)
    assert req["window_start"] == au_times[0].replace("Z", ".000Z")
    assert req["window_end"] == au_times[-1].replace("Z", ".000Z")
    au_asns = {"AS" + v[0] for a, v in answers.items() if v[2] == "AU"}
    assert set(req["sources"]) == au_asns | set(au_addrs)
    assert "CC BY 4.0" in req["description"]
    att = req["attachments"][0]
    assert att["name"] == "events-AU.csv"
    body = server.admin.get(f"/requests/{req['id']}/attachments/{att['id']}").text
    rows = {line.split(",")[0]: line.split(",")[-1] for line in body.splitlines()[1:]}
    assert rows["1.1.1.1"] == "2" and rows["1.0.0.7"] == "1"
    assert body.splitlines()[0] == "address,asn,as_org,events"
    us_req = server.admin.get(f"/requests/{by_cc['US']['request']}").json()
    assert us_req["to_organization"] == us and "AS15169" in us_req["sources"]

    # bad input writes nothing: the line error comes before any draft
    bad = tmp_path / "bad.csv"
    bad.write_text("time,src_ip\n2026-11-01T10:00:00Z,1.1.1.1\nx,999.1.1.1\n")
    r = subprocess.run([KIZUNA, "route", "--db", str(server.db), str(bad)], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 1 and "bad.csv:3" in r.stderr
    assert len(server.admin.get("/requests", {"box": "outbox"}).json()["items"]) == 2


def test_route_shows_progress_only_on_a_terminal(table):
    body = "".join(f"1.{i % 250}.{i // 250 % 250}.{i % 199 + 1}\n" for i in range(150000))
    quiet = route(table, "--format", "csv", "--no-header", "-", input=body)
    assert "routing" not in quiet.stderr
    half = body.encode()[: len(body) // 2]
    cut = half.rfind(b"\n") + 1
    status, seen = stderr_on_a_terminal(["route", "--table", table, "--format", "csv", "--no-header", "-"],
                                        body.encode()[:cut], body.encode()[cut:])
    assert status == 0
    assert b"routing" in seen
