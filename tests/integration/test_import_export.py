"""kizuna import csv and kizuna export csv|json against a real database (and, where the
API has to agree, a real server on the same file): feed formats, the column map,
re-import that changes nothing, errors with file, line and column that write nothing,
gzip and stdin, a progress line on a terminal, and exports limited to the caller's view."""
import csv
import gzip
import io
import json
import re

import pytest

from conftest import run_kizuna, stderr_on_a_terminal

URLHAUS = """################################################################
# abuse.ch URLhaus Database Dump (CSV)                         #
################################################################
#
# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter
"3117412","2024-07-19 12:03:06","http://Bad.Example.COM:80/x/../payload.exe","online","2024-07-19 12:03:06","malware_download","elf,mirai","https://urlhaus.abuse.ch/url/3117412/","anonymous"
"3117411","2024-07-19 12:01:44","http://198.51.100.23:39811/i","offline","","malware_download","32-bit,elf","https://urlhaus.abuse.ch/url/3117411/","geenensp"
"3117410","2024-07-19 12:00:02","https://evil.example/a%7eb/c?x=1","online","2024-07-19 12:00:02","phishing","","https://urlhaus.abuse.ch/url/3117410/","anonymous"
"""


def imp(server, *args, input=None, check=True):
    return run_kizuna("import", "csv", "--db", server.db, "--log-level", "warn", *args, input=input, check=check)


def values(server, **params):
    r = server.admin.get("/indicators", dict(params, limit=1000))
    assert r.status_code == 200, r.text
    return sorted((i["type"], i["value"]) for i in r.json()["items"])


def test_urlhaus_feed_and_reimport_changes_nothing(server, tmp_path):
    feed = tmp_path / "csv.txt"
    feed.write_text(URLHAUS)
    args = ["--comment", "#", "--no-header", "--map", "3=value,2=first_seen,6=description",
            "--type", "url", "--tlp", "clear", str(feed)]
    out = imp(server, *args)
    assert "3 records: 3 created, 0 merged, 0 unchanged, 0 rejected" in out.stdout
    assert values(server) == [("url", "http://198.51.100.23:39811/i"), ("url", "http://bad.example.com/payload.exe"),
                              ("url", "https://evil.example/a~b/c?x=1")]
    got = server.admin.get("/indicators", {"q": "http://bad.example.com"}).json()["items"][0]
    assert got["first_seen"] == "2024-07-19T12:03:06.000Z" and got["description"] == "malware_download"
    assert got["tlp"] == "clear" and got["source"] == server.admin.org and got["registrable"] == "example.com"

    audit_before = len(server.admin.get("/audit", {"limit": 1000}).json()["items"])
    again = imp(server, *args)
    assert "3 records: 0 created, 0 merged, 3 unchanged" in again.stdout
    assert server.admin.get("/indicators", {"q": "http://bad.example.com"}).json()["items"][0] == got
    assert len(server.admin.get("/audit", {"limit": 1000}).json()["items"]) == audit_before


def test_header_names_type_detection_and_feed_spellings(server, tmp_path):
    feed = tmp_path / "mixed.csv"
    feed.write_text("\ufeffIndicator,Kind,Label,Score,Seen\n"
                    "198.51.100.7,ip-dst,TLP:AMBER,80,1700000000\n"
                    "2001:DB8::1,ip,white,,\n"
                    "Example.ORG.,hostname,green,10,2026-01-31\n"
                    "d41d8cd98f00b204e9800998ecf8427e,hash,tlp:red,,\n"
                    "as64500,auto,green,,\n"
                    "phish@example.net,email-src,green,,\n")
    out = imp(server, "--map", "indicator=value, kind=type ,label=tlp,score=confidence,seen=last_seen", str(feed))
    assert "6 records: 6 created" in out.stdout, out.stdout
    items = {i["value"]: i for i in server.admin.get("/indicators").json()["items"]}
    assert items["198.51.100.7"]["type"] == "ipv4" and items["198.51.100.7"]["tlp"] == "amber"
    assert items["198.51.100.7"]["confidence"] == 80
    assert items["198.51.100.7"]["last_seen"] == "2023-11-14T22:13:20.000Z"
    assert items["2001:db8::1"]["type"] == "ipv6" and items["2001:db8::1"]["tlp"] == "clear"
    assert items["2001:db8::1"]["confidence"] == 50
    assert items["example.org"]["type"] == "domain"
    assert items["d41d8cd98f00b204e9800998ecf8427e"]["type"] == "md5"
    assert items["d41d8cd98f00b204e9800998ecf8427e"]["tlp"] == "red"
    assert items["AS64500"]["type"] == "asn"
    assert items["phish@example.net"]["type"] == "email"


def test_bad_records_name_file_line_and_column_and_write_nothing(server, tmp_path):
    feed = tmp_path / "bad.csv"
    feed.write_text("type,value,tlp\nipv4,192.0.2.1,green\nipv4,192.0.2.300,green\ndomain,ok.example,green\n"
                    "md5,xyz,green\nipv4,192.0.2.9,purple\n")
    r = imp(server, str(feed), check=False)
    assert r.returncode == 1
    assert f"{feed}:3: column 'value' (value): " in r.stderr and "300" in r.stderr
    assert "nothing was imported" in r.stderr
    assert values(server) == []

    r = imp(server, "--skip-invalid", str(feed))
    assert "5 records: 2 created, 0 merged, 0 unchanged, 3 rejected" in r.stdout
    lines = [ln for ln in r.stderr.splitlines() if "record skipped" in ln]
    assert [re.search(r"bad\.csv:(\d+):", ln).group(1) for ln in lines] == ["3", "5", "6"]
    assert "column 'tlp' (tlp): 'purple' is not a TLP label" in lines[2]
    assert values(server) == [("domain", "ok.example"), ("ipv4", "192.0.2.1")]

    for text, what in [("type,value,tlp\nipv4,\"192.0.2.1,green\n", "a quoted field is never closed"),
                       ("type,value,tlp\nipv4,\"192.0.2.1\"x,green\n", "text after the closing quote"),
                       ("kind,ioc\nipv4,192.0.2.1\n", "no column named value"),
                       ("type,value\nipv4,192.0.2.77\n", "no tlp column and no --tlp"),
                       ("type,value,tlp\nipv4,192.0.2.1\x00,green\n", "NUL byte")]:
        feed.write_text(text)
        r = imp(server, str(feed), check=False)
        assert r.returncode == 1 and what in r.stderr, (text, r.stderr)
    r = imp(server, "--map", "url=valu", str(feed), check=False)
    assert r.returncode == 1 and "is not a field" in r.stderr
    r = imp(server, "--tlp", "orange", str(feed), check=False)
    assert r.returncode == 2 and "--tlp" in r.stderr
    r = imp(server, str(tmp_path / "missing.csv"), check=False)
    assert r.returncode == 1 and "missing.csv" in r.stderr
    assert values(server) == [("domain", "ok.example"), ("ipv4", "192.0.2.1")]


def test_multiline_fields_gzip_stdin_and_dry_run(server, tmp_path):
    text = ("type,value,tlp,description\n"
            'domain,multi.example,green,"first line\nsecond, with ""quotes"""\n'
            "ipv4,203.0.113.5,green,\n")
    gz = tmp_path / "feed.csv.gz"
    gz.write_bytes(gzip.compress(text.encode()))
    r = imp(server, "--dry-run", str(gz))
    assert "2 records: 2 created" in r.stdout and "dry run, nothing written" in r.stdout
    assert values(server) == []
    imp(server, str(gz))
    got = server.admin.get("/indicators", {"q": "multi.example"}).json()["items"][0]
    assert got["description"] == 'first line\nsecond, with "quotes"'
    r = imp(server, "-", input=text)
    assert "2 records: 0 created, 0 merged, 2 unchanged" in r.stdout


def test_sharing_options_and_links(server, tmp_path):
    partner = server.org("Partner CERT", "SG")
    inc = server.admin.post("/incidents", {"title": "Botnet", "rsit_type": "c2-server", "tlp": "amber"}).json()
    feed = tmp_path / "c2.csv"
    feed.write_text("value\nc2.example\n198.51.100.99\n")
    imp(server, "--type", "auto", "--tlp", "amber", "--recipients", partner["id"], "--allow-clients",
        "--incident", inc["id"], "--confidence", "90", str(feed))
    linked = server.admin.get(f"/incidents/{inc['id']}/indicators").json()["items"]
    assert sorted(i["value"] for i in linked) == ["198.51.100.99", "c2.example"]
    assert all(i["recipients"] == [partner["id"]] and i["allow_clients"] and i["confidence"] == 90 for i in linked)
    viewer = server.client(partner["id"], "viewer")
    assert len(viewer.get("/indicators").json()["items"]) == 2
    # importing as another organization's key: that organization is the source
    key = server.client(partner["id"], "analyst").key
    r = imp(server, "--key", key, "--type", "domain", "--tlp", "green", str(feed), check=False)
    assert r.returncode == 1 and "198.51.100.99" not in r.stderr and ":3:" in r.stderr  # not a domain
    feed.write_text("value\npartner.example\n")
    imp(server, "--key", key, "--type", "domain", "--tlp", "green", str(feed))
    assert server.admin.get("/indicators", {"q": "partner.example"}).json()["items"][0]["source"] == partner["id"]
    r = imp(server, "--key", server.client(partner["id"], "viewer").key, "--type", "domain", "--tlp", "green",
            str(feed), check=False)
    assert r.returncode == 1 and "analyst" in r.stderr


def test_progress_line_only_on_a_terminal(server, tmp_path):
    feed = tmp_path / "many.csv"
    feed.write_text("type,value,tlp\n" + "".join(f"ipv4,10.{i // 65536}.{i // 256 % 256}.{i % 256},green\n"
                                                 for i in range(60000)))
    r = imp(server, str(feed))
    assert "importing" not in r.stderr                     # not a terminal: no progress line
    lines = feed.read_bytes().splitlines(keepends=True)
    status, seen = stderr_on_a_terminal(["import", "csv", "--db", server.db, "--log-level", "warn", "--dry-run", "-"],
                                        b"".join(lines[:30000]), b"".join(lines[30000:]))
    assert status == 0
    assert b"importing" in seen


def test_export_round_trip_and_filters(server, tmp_path):
    a = server.admin
    inc = a.post("/incidents", {"title": "Wave, \"quoted\"", "description": "multi\nline", "rsit_type": "phishing",
                                "tlp": "green", "states": ["JP", "KR"]}).json()
    a.post("/indicators/bulk", {"items": [
        {"type": "url", "value": "http://login.example/a,b", "tlp": "green", "description": "comma, \"quote\"\nline",
         "incidents": [inc["id"]]},
        {"type": "ipv4", "value": "192.0.2.44", "tlp": "amber", "valid_until": "2020-01-01T00:00:00Z"},
        {"type": "sha1", "value": "a" * 40, "tlp": "red"},
    ]})
    out = tmp_path / "ind.csv"
    r = run_kizuna("export", "csv", "--db", server.db, "--output", out)
    assert "3 indicators" in r.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert sorted(x["value"] for x in rows) == ["192.0.2.44", "a" * 40, "http://login.example/a,b"]
    url = next(x for x in rows if x["type"] == "url")
    assert url["description"] == 'comma, "quote"\nline' and url["incidents"] == inc["id"]
    # the export imports back into another node without a map
    other = tmp_path / "other.db"
    run_kizuna("init", "--db", other)
    r = run_kizuna("import", "csv", "--db", other, "--log-level", "warn", out)
    assert "3 records: 3 created" in r.stdout
    back = run_kizuna("export", "json", "--db", other).stdout
    assert sorted((i["type"], i["value"], i["tlp"], i["description"]) for i in json.loads(back)["indicators"]) == \
        sorted((x["type"], x["value"], x["tlp"], x["description"] or None) for x in rows)

    j = json.loads(run_kizuna("export", "json", "--db", server.db, "--what", "all", "--tlp", "green").stdout)
    assert [i["value"] for i in j["indicators"]] == ["http://login.example/a,b"]
    assert [i["id"] for i in j["incidents"]] == [inc["id"]]
    assert json.loads(run_kizuna("export", "json", "--db", server.db, "--active").stdout)["indicators"].__len__() == 2
    assert json.loads(run_kizuna("export", "json", "--db", server.db, "--type", "sha1").stdout)["indicators"][0]["value"] == "a" * 40
    inc_csv = run_kizuna("export", "csv", "--db", server.db, "--what", "incidents").stdout
    got = list(csv.DictReader(io.StringIO(inc_csv)))
    assert [(g["title"], g["description"], g["states"]) for g in got] == [(inc["title"], "multi\nline", "JP KR")]
    r = run_kizuna("export", "csv", "--db", server.db, "--what", "all", "--output", tmp_path / "x.csv", check=False)
    assert r.returncode == 1 and not (tmp_path / "x.csv").exists()
    assert run_kizuna("export", "xml", "--db", server.db, check=False).returncode == 2
    assert run_kizuna("export", "csv", "--db", server.db, "--tlp", "grey", check=False).returncode == 2
