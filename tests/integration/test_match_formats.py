"""The same events in every log format give the same matches (issue 17, point 2).

One set of generated proxy events is written as JSON lines, CSV with a header, TSV with
a header, Zeek TSV and Squid's access.log; `kizuna match` reads each with format
detection (no --format) and must report the same number of matches, on the same lines,
with the same timestamps and victims where the format carries them. A planted domain is
in both the host and the URL field of its line: one match per (line, indicator), named
by the host field (the rule in docs/ARCHITECTURE.md)."""
import json
import random

from conftest import run_kizuna

INDICATORS = """type,value,id
domain,evil.example,i-dom
ipv4,198.51.100.7,i-ip
url,http://phish.example/login.php,i-url
"""


def events(rng, n=300):
    out = []
    for i in range(n):
        ts = 1700000000 + i
        src = "10.0.%d.%d" % (i // 250, i % 250 + 1)
        dst = "203.0.113.%d" % rng.randint(1, 250)
        host, path = rng.choice(["www.benign.example", "other.example", "notevil.example"]), "/p%d" % i
        if i % 7 == 0:
            host = rng.choice(["evil.example", "cdn.evil.example"])
        if i % 11 == 0:
            dst = "198.51.100.7"
        if i % 13 == 0:
            host, path = "phish.example", "/login.php"
        out.append(dict(ts=ts, src=src, dst=dst, host=host, url="http://%s%s" % (host, path),
                        status=200, bytes=100 + i))
    return out


COLS = ["ts", "src", "dst", "host", "url", "status", "bytes"]


def write_all(tmp, evs):
    files = {}
    files["json"] = tmp / "proxy.jsonl"
    files["json"].write_text("".join(json.dumps(e) + "\n" for e in evs))
    for name, sep in (("csv", ","), ("tsv", "\t")):
        files[name] = tmp / ("proxy." + name)
        files[name].write_text(sep.join(COLS) + "\n" +
                               "".join(sep.join(str(e[c]) for c in COLS) + "\n" for e in evs))
    files["zeek"] = tmp / "http.log"
    files["zeek"].write_text(
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\thttp\n"
        "#fields\tts\tid.orig_h\tid.resp_h\thost\turi\tstatus_code\tresponse_body_len\n"
        "#types\ttime\taddr\taddr\tstring\tstring\tcount\tcount\n" +
        "".join("%d.000000\t%s\t%s\t%s\t%s\t%d\t%d\n" % (e["ts"], e["src"], e["dst"], e["host"],
                                                       e["url"].split(e["host"], 1)[1], e["status"], e["bytes"])
                for e in evs))
    files["squid"] = tmp / "access.log"
    files["squid"].write_text("".join(
        "%d.000    150 %s TCP_MISS/%d %d GET %s - HIER_DIRECT/%s text/html\n"
        % (e["ts"], e["src"], e["status"], e["bytes"], e["url"], e["dst"]) for e in evs))
    return files


def test_the_same_events_give_the_same_matches_in_every_format(tmp_path):
    evs = events(random.Random(17))
    (tmp_path / "ind.csv").write_text(INDICATORS)
    files = write_all(tmp_path, evs)
    expect = {}
    for i, e in enumerate(evs):
        for ind, hit in (("evil.example", e["host"] in ("evil.example", "cdn.evil.example")), ("198.51.100.7", e["dst"] == "198.51.100.7"),
                         ("http://phish.example/login.php", e["host"] == "phish.example")):
            if hit:
                expect[(i, ind)] = e
    assert len(expect) > 50
    seen = {}
    for fmt, path in files.items():
        r = run_kizuna("match", "--indicators", tmp_path / "ind.csv", "--summary", "json", path)
        hits = [json.loads(line) for line in r.stdout.splitlines()]
        summary = json.loads(r.stderr.strip().splitlines()[-1])
        assert summary["matches"] == len(hits) == len(expect), fmt
        header_lines = {"csv": 1, "tsv": 1, "zeek": 7}.get(fmt, 0)
        got = {}
        for h in hits:
            key = (h["line"] - 1 - header_lines, h["indicator"]["value"])
            assert key not in got, (fmt, key)  # one match per (line, indicator)
            got[key] = h
        assert set(got) == set(expect), fmt
        for key, h in got.items():
            e = expect[key]
            assert h["victim"] == e["src"], (fmt, key, h)
            if key[1] == "evil.example" and fmt != "squid":
                # in the host field and in the URL: named by the host field
                assert h["field"] == "host", (fmt, h)
        seen[fmt] = {k: (h["ts"], h["victim"]) for k, h in got.items()}
    first = seen["json"]
    for fmt, s in seen.items():
        assert s == first, fmt
    # --format csv without --header: the header line is still recognized, so the columns
    # have their names and the victims and times are found
    r = run_kizuna("match", "--indicators", tmp_path / "ind.csv", "--format", "csv", files["csv"])
    hits = [json.loads(line) for line in r.stdout.splitlines()]
    assert {(h["line"] - 2, h["indicator"]["value"]): (h["ts"], h["victim"]) for h in hits} == first
    assert {h["victim_field"] for h in hits} == {"src"}


def test_a_csv_first_line_without_usual_names_is_not_a_header(tmp_path):
    """A line of text with commas stays text; a CSV file whose first line names no usual
    column is read by the text extractor, which still finds the values."""
    (tmp_path / "ind.csv").write_text(INDICATORS)
    (tmp_path / "s.log").write_text("Dec  2 12:00:00 gw proxy: denied, to evil.example, ok\n"
                                    "a,b,c\n1,evil.example,3\n")
    r = run_kizuna("match", "--indicators", tmp_path / "ind.csv", tmp_path / "s.log")
    hits = [json.loads(line) for line in r.stdout.splitlines()]
    assert [(h["line"], h["indicator"]["value"], h["victim"]) for h in hits] == \
        [(1, "evil.example", None), (3, "evil.example", None)]
