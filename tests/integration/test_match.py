"""kizuna match and kizuna stats victims, end to end.

The correctness test plants matches of every kind in logs of every format (subdomains,
CIDR containment and nesting, URL normalization cases, IPv6 written several ways, IDN
host names, gzip) among benign lines, and checks that `kizuna match` finds exactly the
planted matches and the same as an independent implementation (match_reference.py).
Then the database path: indicators under TLP, sightings and victims written back, the
victim statistics on the CLI and over HTTP; and bad input, which is counted and never
crashes."""
import fcntl
import gzip
import json
import os
import random
import struct
import subprocess
import termios
import time

import pytest

import match_reference as ref
from conftest import KIZUNA, assert_error, run_kizuna, stderr_on_a_terminal

INDICATORS = """type,value,id
ipv4,198.51.100.7,i-ip
ipv4,203.0.113.9,i-ip2
cidr,192.0.2.128/25,i-net
cidr,100.64.0.0/10,i-cgn
cidr,100.64.1.0/24,i-cgn-small
ipv6,2001:db8::bad,i-v6
cidr,2001:db8:cafe::/48,i-v6net
domain,evil.example,i-dom
domain,bücher.example,i-idn
domain,sub.other.example,i-sub
url,HTTP://Phish.Example:80/login.php?a=1,i-url
url,https://kit.example/dl/*,i-pfx
email,boss@mail.evil-corp.example,i-mail
md5,D41D8CD98F00B204E9800998ECF8427E,i-md5
sha256,e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855,i-sha
"""

# (the observed value as a log writes it, the canonical indicator it must match)
PLANTS = {
    "ip": [("198.51.100.7", "198.51.100.7"), ("192.0.2.200", "192.0.2.128/25"),
           ("100.64.1.5", "100.64.1.0/24"), ("100.100.0.1", "100.64.0.0/10"),
           ("[2001:db8::bad]:443", "2001:db8::bad"), ("2001:DB8:0000:0000:0000:0000:0000:0BAD", "2001:db8::bad"),
           ("2001:db8:cafe:1::9", "2001:db8:cafe::/48"), ("::ffff:203.0.113.9", "203.0.113.9")],
    "host": [("login.EVIL.example.", "evil.example"), ("evil.example", "evil.example"),
             ("www.bücher.example", "xn--bcher-kva.example"), ("cdn.xn--bcher-kva.example", "xn--bcher-kva.example"),
             ("a.b.sub.other.example", "sub.other.example"), ("evil.example:8443", "evil.example")],
    "url": [("HTTP://PHISH.example:80/./login.php?a=1", "http://phish.example/login.php?a=1"),
            ("http://phish.example/x/../login.php?%61=1", "http://phish.example/login.php?a=1"),
            ("https://kit.example/dl/x.exe", "https://kit.example/dl/*"),
            ("https://kit.example:443/dl/../dl/%78.exe", "https://kit.example/dl/*"),
            ("http://files.evil.example/a.zip", "evil.example")],
}
BENIGN_HOSTS = ["www.benign.example", "other.example", "notevil.example", "kit.example", "phish.example"]
BENIGN_URLS = ["http://phish.example/login.php?a=2", "https://kit.example/download/x.exe",
               "http://www.benign.example/index.html", "https://kit.example/dl"]


def benign_ip(rng):
    return "172.16.%d.%d" % (rng.randint(0, 255), rng.randint(1, 254))


def write_logs(tmp, rng):
    """Writes one log per format with plants at random lines; returns {file: {(line, value)}}."""
    planted = {}

    def plant_lines(n, kinds):
        lines = {}
        for no in sorted(rng.sample(range(1, n + 1), n // 10)):
            kind = rng.choice(kinds)
            lines[no] = (kind,) + rng.choice(PLANTS[kind])
        return lines

    # Squid: client (ip), URL (url, or host for CONNECT), peer (ip)
    n = 400
    plants = plant_lines(n, ["ip", "host", "url"])
    out, truth = [], set()
    for no in range(1, n + 1):
        client, method, url, peer = benign_ip(rng), "GET", rng.choice(BENIGN_URLS), benign_ip(rng)
        if no in plants:
            kind, obs, want = plants[no]
            if kind == "ip":
                peer = obs[1:obs.index("]")] if obs.startswith("[") else obs  # Squid logs no port
            elif kind == "host":
                method, url = "CONNECT", obs
            else:
                url = obs
            truth.add((no, want))
        out.append("%d.%03d %5d %s TCP_MISS/200 %d %s %s - HIER_DIRECT/%s text/html" % (
            1767225600 + no, no % 1000, rng.randint(1, 999), client, rng.randint(100, 9999), method, url, peer))
    (tmp / "access.log").write_text("\n".join(out) + "\n")
    planted["access.log"] = truth

    # JSON lines, gzip: nested fields, arrays, emails, hashes
    n = 300
    plants = plant_lines(n, ["ip", "host", "url"])
    out, truth = [], set()
    for no in range(1, n + 1):
        rec = {"ts": "2026-01-%02dT10:00:00Z" % (1 + no % 28), "src": {"ip": benign_ip(rng)},
               "event": {"host": rng.choice(BENIGN_HOSTS), "tags": ["proxy", "allowed"]}, "bytes": no}
        if no in plants:
            kind, obs, want = plants[no]
            rec["event"]["dst"] = [obs] if kind != "url" else {"url": obs}
            truth.add((no, want))
        if no % 50 == 7:
            rec["mail"] = {"from": "<boss@MAIL.Evil-Corp.example>"}
            truth.add((no, "boss@mail.evil-corp.example"))
        if no % 50 == 9:
            rec["file"] = {"md5": "D41D8CD98F00B204E9800998ECF8427E", "name": "x.bin"}
            truth.add((no, "d41d8cd98f00b204e9800998ecf8427e"))
        out.append(json.dumps(rec, ensure_ascii=no % 2 == 0))
    with gzip.open(tmp / "events.json.gz", "wt") as f:
        f.write("\n".join(out) + "\n")
    planted["events.json.gz"] = truth

    # Zeek dns.log then http.log, concatenated (a second header mid-file)
    head = ("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t%s\n"
            "#fields\t%s\n#types\t%s\n")
    lines, truth = [], set()
    lines += (head % ("dns", "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tquery\tanswers",
                      "time\tstring\taddr\tport\taddr\tport\tstring\tvector[string]")).splitlines()
    for i in range(200):
        q, ans = rng.choice(BENIGN_HOSTS), benign_ip(rng)
        if i % 9 == 4:
            kind, obs, want = rng.choice([("host",) + p for p in PLANTS["host"] if ":" not in p[0]])
            q = obs
            truth.add((len(lines) + 1, want))
        if i % 13 == 5:
            ans = ans + ",198.51.100.7"
            truth.add((len(lines) + 1, "198.51.100.7"))
        lines.append("%d.5\tC%d\t%s\t5353\t172.31.0.53\t53\t%s\t%s" % (1767225600 + i, i, benign_ip(rng), q, ans))
    lines.append("#close\t2026-01-01-00-00-00")
    lines += (head % ("http", "ts\tuid\tid.orig_h\tid.resp_h\thost\turi\tuser_agent",
                      "time\tstring\taddr\taddr\tstring\tstring\tstring")).splitlines()
    for i in range(200):
        host, uri, resp = "www.benign.example", "/index.html", benign_ip(rng)
        if i % 7 == 3:
            host, uri = "PHISH.example", "/./login.php?a=1"
            truth.add((len(lines) + 1, "http://phish.example/login.php?a=1"))
        if i % 11 == 6:
            resp = "192.0.2.129"
            truth.add((len(lines) + 1, "192.0.2.128/25"))
        lines.append("%d.1\tH%d\t%s\t%s\t%s\t%s\tcurl/8.0" % (1767225600 + i, i, benign_ip(rng), resp, host, uri))
    (tmp / "zeek.log").write_text("\n".join(lines) + "\n")
    planted["zeek.log"] = truth

    # plain text: syslog-like lines
    n = 200
    plants = plant_lines(n, ["ip", "host", "url"])
    out, truth = [], set()
    for no in range(1, n + 1):
        words = ["Jan", "1", "00:00:%02d" % (no % 60), "host", "app[%d]:" % no, "request", "from",
                 benign_ip(rng), "to", rng.choice(BENIGN_HOSTS), "version", "1.2.3", "ok"]
        if no in plants:
            kind, obs, want = plants[no]
            words.insert(9, "peer=" + obs if kind != "url" else '"%s"' % obs)
            truth.add((no, want))
        out.append(" ".join(words))
    (tmp / "syslog.txt").write_text("\n".join(out) + "\n")
    planted["syslog.txt"] = truth
    return planted


def kizuna_hits(stdout):
    got = {}
    for line in stdout.splitlines():
        m = json.loads(line)
        got.setdefault(m["file"].rsplit("/", 1)[-1], set()).add((m["line"], m["indicator"]["value"]))
    return got


@pytest.mark.parametrize("seed", [1, 2])
def test_exactly_the_planted_matches_and_the_reference_agrees(tmp_path, seed):
    rng = random.Random(seed)
    (tmp_path / "ind.csv").write_text(INDICATORS)
    planted = write_logs(tmp_path, rng)
    files = ["access.log", "events.json.gz", "zeek.log", "syslog.txt"]
    r = run_kizuna("match", "--indicators", tmp_path / "ind.csv", "--threads", "2", "--max-line", "4096",
                   "--summary", "json", *[tmp_path / f for f in files])
    got = kizuna_hits(r.stdout)
    summary = json.loads(r.stderr.strip().splitlines()[-1])
    assert summary["files"] == 4 and summary["malformed"] == 0 and summary["failed_files"] == 0
    ind = ref.load_indicators(tmp_path / "ind.csv")
    for f, fmt in zip(files, ["squid", "json", "zeek", "text"]):
        reference = ref.match_file(tmp_path / f, fmt, ind)
        assert got.get(f, set()) == planted[f], f
        assert reference == planted[f], f
    assert summary["matches"] == sum(len(v) for v in planted.values())


def test_csv_with_a_column_map(tmp_path):
    rng = random.Random(3)
    (tmp_path / "ind.csv").write_text(INDICATORS)
    rows, truth = ["time,user,dst,domain,bytes"], set()
    for no in range(2, 202):
        dst, dom = benign_ip(rng), rng.choice(BENIGN_HOSTS)
        if no % 5 == 0:
            dst, want = rng.choice(PLANTS["ip"])
            truth.add((no, want))
        if no % 7 == 0:
            dom, want = rng.choice([p for p in PLANTS["host"] if ":" not in p[0]])
            truth.add((no, want))
        rows.append('2026-01-01T00:00:%02dZ,"user %d",%s,%s,%d' % (no % 60, no, dst, dom, no))
    (tmp_path / "flows.csv").write_text("\n".join(rows) + "\n")
    truth = {(no, v) for no, v in truth}
    r = run_kizuna("match", "--indicators", tmp_path / "ind.csv", "--format", "csv", "--header",
                   "--fields", "dst:ip,domain:host", "--victim-field", "user", tmp_path / "flows.csv")
    hits = [json.loads(line) for line in r.stdout.splitlines()]
    reference = ref.match_file(tmp_path / "flows.csv", "csv", ref.load_indicators(tmp_path / "ind.csv"),
                               fields=[("dst", "ip"), ("domain", "host")])
    assert {(h["line"], h["indicator"]["value"]) for h in hits} == reference
    assert reference
    h = hits[0]
    assert h["victim"] == "user %d" % h["line"] and h["victim_field"] == "user"
    assert h["ts"].startswith("2026-01-01T00:00:")
    assert h["indicator"]["id"].startswith("i-")


def test_bad_input_is_counted_never_a_crash(tmp_path):
    (tmp_path / "ind.csv").write_text(INDICATORS)
    good = "1767225600.000 1 10.0.0.1 TCP_MISS/200 1 GET http://evil.example/ - HIER_DIRECT/198.51.100.7 -\n"
    rng = random.Random(4)
    garbage = bytes(rng.getrandbits(8) for _ in range(5000)).replace(b"\n", b"")
    data = (good.encode() + garbage + b"\n" + b"x" * 100000 + b"\n" + good.encode().replace(b"evil", b"\xff\xfeevil")
            + good.encode() * 3)
    (tmp_path / "bad.log").write_bytes(data)
    whole = gzip.compress(good.encode() * 2000)
    (tmp_path / "cut.log.gz").write_bytes(whole[:len(whole) // 2])
    r = run_kizuna("match", "--indicators", tmp_path / "ind.csv", "--format", "squid", "--max-line", "65536",
                   "--summary", "json", tmp_path / "bad.log", tmp_path / "cut.log.gz", check=False)
    assert r.returncode == 1, r.stderr  # an input was cut short
    summary = json.loads(r.stderr.strip().splitlines()[-1])
    assert summary["too_long"] == 1
    assert summary["malformed"] == 1
    assert summary["invalid_utf8"] >= 2
    assert summary["failed_files"] == 1
    assert "bad.log:3: line of 100000 bytes, over the 65536-byte limit: skipped" in r.stderr
    assert "bad.log:2: not a squid line: skipped" in r.stderr
    assert "cut.log.gz: truncated gzip input" in r.stderr
    hits = [json.loads(line) for line in r.stdout.splitlines()]
    lines_bad = sorted({h["line"] for h in hits if h["file"].endswith("bad.log")})
    assert lines_bad == [1, 4, 5, 6, 7]  # line 4 is not UTF-8 but still matched through its peer
    cut = [h for h in hits if h["file"].endswith("cut.log.gz")]
    assert 0 < len(cut) < 4000  # the whole lines before the cut


def _match_held_by_its_output(tmp_path, lines):
    """`kizuna match` on a log of `lines` Squid lines that all match, its matches going
    into a pipe nobody reads yet: once the pipe is full the process waits in the middle of
    handing out its first block (the file is mapped, a few blocks are cut), so that the
    caller can change the file under it. Returns the process, the read end, the log."""
    (tmp_path / "ind.csv").write_text("type,value,id\nipv4,198.51.100.7,i-ip\n")
    log = tmp_path / "held.log"
    line = "1767225600.000 1 10.0.0.1 TCP_MISS/200 1 GET http://files.example/%07d - HIER_DIRECT/198.51.100.7 -\n"
    with open(log, "w") as f:
        f.write("".join(line % i for i in range(lines)))
    rfd, wfd = os.pipe()
    p = subprocess.Popen([KIZUNA, "match", "--threads", "2", "--no-cache", "--summary", "json", "--indicators",
                          str(tmp_path / "ind.csv"), str(log)], stdout=wfd, stderr=subprocess.PIPE, text=True)
    os.close(wfd)
    full = fcntl.fcntl(rfd, 1032)  # F_GETPIPE_SZ
    deadline = time.monotonic() + 60
    while struct.unpack("i", fcntl.ioctl(rfd, termios.FIONREAD, b"\0" * 4))[0] < full:
        assert p.poll() is None and time.monotonic() < deadline, "kizuna did not fill its output"
        time.sleep(0.01)
    return p, rfd, log, len(line % 0)


def _finish(p, rfd):
    with os.fdopen(rfd, "r") as f:
        out = f.read()
    p.wait(timeout=120)
    return out, p.stderr.read()


@pytest.mark.parametrize("keep", ["a third", "nothing"])
def test_a_log_truncated_while_it_is_matched_is_an_error_not_a_crash(tmp_path, keep):
    """The file is read through a mapping, whose pages past a new end fault (SIGBUS) in
    whichever thread touches them: cut to a third (logrotate's copytruncate: to nothing)
    while the process is matching it, the file is reported as cut short, the matches
    handed out are those of lines that were there, and the process exits as it does on a
    truncated gzip input: status 1, not killed by a signal."""
    n = 400000  # 40 MB: more blocks than the pipeline holds at once
    p, rfd, log, width = _match_held_by_its_output(tmp_path, n)
    to = n * width // 3 + 17 if keep == "a third" else 0
    os.truncate(log, to)
    out, err = _finish(p, rfd)
    assert p.returncode == 1, (p.returncode, err)
    assert f"{log}: the file shrank or could not be read while it was being read" in err, err
    summary = json.loads(err.strip().splitlines()[-1])
    assert summary["failed_files"] == 1
    hits = [json.loads(x) for x in out.splitlines()]
    first_block = (2 << 20) // width  # the block being handed out when the file was cut
    assert hits and max(h["line"] for h in hits) <= max(to // width, first_block)
    assert [h["line"] for h in hits] == list(range(1, len(hits) + 1))  # every line before, in order


def test_a_log_written_to_while_it_is_matched_is_read_to_its_new_end(tmp_path):
    """Lines appended while the mapped file is matched are matched too, as reading it
    alone would have: the mapping ends where the file ended, reading goes on from there."""
    n = 200000  # 20 MB: the end is not reached before the lines are added
    p, rfd, log, width = _match_held_by_its_output(tmp_path, n)
    with open(log, "a") as f:
        f.write("1767225600.000 1 10.0.0.1 TCP_MISS/200 1 GET http://more.example/ - HIER_DIRECT/198.51.100.7 -\n"
                * 1000)
    out, err = _finish(p, rfd)
    assert p.returncode == 0, err
    assert len(out.splitlines()) == n + 1000
    assert json.loads(err.strip().splitlines()[-1])["lines"] == n + 1000


def test_the_bad_lines_shown_are_the_first_ones(tmp_path):
    """The ten bad lines reported are the input's first ten, in order, however the input
    falls into blocks (here more than two of them, six bad lines in the first) and however
    many threads match it; the rest are counted."""
    (tmp_path / "ind.csv").write_text(INDICATORS)
    bad = {2, 3, 5, 7, 11, 13, 20000, 20001, 30000, 30001, 30002, 34000}
    good = '{"ts":"2026-01-01T00:00:00Z","src":"10.0.0.1","host":"benign.example","url":"http://benign.example/%s"}'
    with open(tmp_path / "events.jsonl", "w") as f:
        for n in range(1, 36001):
            f.write("{not json\n" if n in bad else good % ("p" * 120 + str(n)) + "\n")
    assert (tmp_path / "events.jsonl").stat().st_size > 5 * 1024 * 1024
    for threads in ("1", "2"):
        r = run_kizuna("match", "--indicators", tmp_path / "ind.csv", "--threads", threads, "--summary", "json",
                       tmp_path / "events.jsonl")
        shown = [int(line.split(":")[1]) for line in r.stderr.splitlines() if line.endswith("not a json line: skipped")]
        assert shown == sorted(bad)[:10], (threads, shown)
        assert "events.jsonl: more bad lines not shown (see the summary)" in r.stderr
        assert json.loads(r.stderr.strip().splitlines()[-1])["malformed"] == len(bad)


def test_cli_errors(tmp_path):
    (tmp_path / "ind.csv").write_text("type,value\nipv4,198.51.100.7\ndomain,exa mple.com\nmutex,x\nipv4\n")
    (tmp_path / "a.log").write_text("x\n")
    r = run_kizuna("match", "--indicators", tmp_path / "ind.csv", tmp_path / "a.log", check=False)
    assert r.returncode == 1
    assert "ind.csv:3: value: the host name contains ' ', not allowed in a host name" in r.stderr
    assert "ind.csv:4: type: unknown type" in r.stderr
    assert "ind.csv:5: an indicator line is type,value or type,value,id" in r.stderr
    assert "3 bad indicator lines" in r.stderr
    assert r.stdout == ""
    r = run_kizuna("match", tmp_path / "a.log", check=False)
    assert r.returncode == 2 and "--indicators FILE or --db FILE" in r.stderr
    r = run_kizuna("match", "--indicators", tmp_path / "ind.csv", "--format", "xml", check=False)
    assert r.returncode == 2
    (tmp_path / "ok.csv").write_text("ipv4,198.51.100.7\n")
    (tmp_path / "t.csv").write_text("a,b\n1,2\n")
    r = run_kizuna("match", "--indicators", tmp_path / "ok.csv", "--format", "csv", "--header",
                   "--fields", "nosuch:ip", tmp_path / "t.csv", check=False)
    assert r.returncode == 1 and 'no column "nosuch" in the header' in r.stderr
    r = run_kizuna("match", "--indicators", tmp_path / "ok.csv", tmp_path / "missing.log", check=False)
    assert r.returncode == 1 and "missing.log: No such file or directory" in r.stderr


def test_stix_bundle_as_indicator_file(tmp_path):
    def ind(n, pattern, **kw):
        return dict({"type": "indicator", "spec_version": "2.1", "id": "indicator--%08d-5b6a-4978-8a9b-abcdefabcdef" % n,
                     "created": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z", "pattern": pattern,
                     "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"}, **kw)
    bundle = {"type": "bundle", "id": "bundle--6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab", "objects": [
        ind(1, "[domain-name:value = 'Evil.Example']"),
        ind(2, "[ipv4-addr:value = '203.0.113.0/24']"),
        ind(3, "[url:value = 'HTTP://phish.example:80/a/../login']"),
        ind(4, "[domain-name:value = 'old.example']", valid_until="2021-01-01T00:00:00Z",
            created="2020-01-01T00:00:00Z", modified="2020-01-01T00:00:00Z", valid_from="2020-01-01T00:00:00Z"),
        ind(5, "[domain-name:value = 'revoked.example']", revoked=True),
        ind(6, "[file:name = 'x.exe'] OR [process:name = 'y']"),
        {"type": "identity", "spec_version": "2.1", "id": "identity--5f2e3d4c-5b6a-4978-8a9b-abcdefabcdef",
         "created": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z", "name": "CSIRT",
         "identity_class": "organization"}]}
    (tmp_path / "feed.json").write_text(json.dumps(bundle, indent=1))
    log = ["1767225600.%d 1 10.0.0.%d TCP_MISS/200 1 GET %s - HIER_DIRECT/%s -" % (i, i, u, p) for i, (u, p) in enumerate([
        ("http://www.evil.example/", "192.0.2.1"), ("http://good.example/", "203.0.113.77"),
        ("http://phish.example/login", "192.0.2.1"), ("http://old.example/", "192.0.2.1"),
        ("http://revoked.example/", "192.0.2.1")], 1)]
    (tmp_path / "s.log").write_text("\n".join(log) + "\n")
    r = run_kizuna("match", "--indicators", tmp_path / "feed.json", "--summary", "json", tmp_path / "s.log")
    hits = [(h["line"], h["indicator"]["id"][:19]) for h in map(json.loads, r.stdout.splitlines())]
    assert hits == [(1, "indicator--00000001"), (2, "indicator--00000002"), (3, "indicator--00000003")]
    assert json.loads(r.stderr.strip().splitlines()[-1])["indicators"] == 3
    bundle["objects"].append({"type": "indicator", "id": "indicator--nope"})
    (tmp_path / "bad.json").write_text(json.dumps(bundle))
    r = run_kizuna("match", "--indicators", tmp_path / "bad.json", tmp_path / "s.log", check=False)
    assert r.returncode == 1 and "objects[7]" in r.stderr and "1 bad STIX object" in r.stderr
    assert r.stdout == ""
    assert not (tmp_path / "feed.json.kzi").exists()  # expiring indicators are never kept compiled


def test_the_compiled_set_kept_beside_the_indicators(tmp_path):
    """FILE.kzi is used only while FILE is unchanged; any change, a damaged image or
    --no-cache loads the file again, and the matches are always the file's own."""
    rng = random.Random(5)
    ind = tmp_path / "ind.csv"
    ind.write_text(INDICATORS)
    planted = write_logs(tmp_path, rng)
    kzi = tmp_path / "ind.csv.kzi"
    files = ["access.log", "events.json.gz", "zeek.log", "syslog.txt"]

    def match(*extra):
        r = run_kizuna("match", "--indicators", ind, "--summary", "json", *extra, *[tmp_path / f for f in files])
        summary = json.loads(r.stderr.strip().splitlines()[-1])
        reference = {f: ref.match_file(tmp_path / f, fmt, ref.load_indicators(ind))
                     for f, fmt in zip(files, ["squid", "json", "zeek", "text"])}
        got = kizuna_hits(r.stdout)
        assert {f: got.get(f, set()) for f in files} == reference
        return r.stdout, summary["indicators_cached"]

    first, cached = match()
    assert not cached and kzi.exists()
    assert kzi.stat().st_mode & 0o777 == 0o600  # it holds the feed's indicators
    assert kizuna_hits(first) == {f: v for f, v in planted.items() if v}
    again, cached = match()
    assert cached and again == first  # the same matches, byte for byte
    # the same size and the same modification time, one address changed
    st = ind.stat()
    ind.write_text(INDICATORS.replace("ipv4,198.51.100.7,i-ip\n", "ipv4,198.51.100.8,i-ip\n"))
    os.utime(ind, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert ind.stat().st_size == st.st_size
    changed, cached = match()
    assert not cached and changed != first
    assert "198.51.100.7" in first and '"value":"198.51.100.7"' not in changed
    assert match() == (changed, True)
    # a damaged image is refused, and written again
    data = bytearray(kzi.read_bytes())
    data[len(data) // 2] ^= 0x40
    kzi.write_bytes(bytes(data))
    assert match() == (changed, False)
    assert match() == (changed, True)
    kzi.write_bytes(bytes(data[:100]))
    assert match() == (changed, False)
    kzi.unlink()
    assert match("--no-cache") == (changed, False)
    assert not kzi.exists()


def test_stdin_and_help():
    r = subprocess.run([KIZUNA, "match", "--help"], capture_output=True, text=True, check=True)
    assert "--indicators FILE" in r.stdout and "KIZUNA_FORMAT" in r.stdout
    r = subprocess.run([KIZUNA, "stats", "victims", "--help"], capture_output=True, text=True, check=True)
    assert "--period PERIOD" in r.stdout


def test_match_does_not_load_the_network_libraries(tmp_path):
    """libcurl is opened at the first transfer (util/fetch.c) and libmicrohttpd at the
    first server (http/http_server.c), not linked: `kizuna match` neither fetches nor
    serves, so neither they nor the libraries they bring (OpenSSL, GnuTLS, Kerberos,
    LDAP, ...) are mapped into it — about 10 ms at every start. Seen in the process's
    own map while it waits on its standard input; a build that links either again fails
    here. (Transfers and serving go through the same loader in every test that fetches
    or starts a server.)"""
    ind = tmp_path / "ind.csv"
    ind.write_text(INDICATORS)
    p = subprocess.Popen([KIZUNA, "match", "--count", "--summary", "json", "--indicators", ind],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        kzi = tmp_path / "ind.csv.kzi"
        for _ in range(1000):  # main() runs once the compiled set is written beside the file
            if kzi.exists():
                break
            time.sleep(0.01)
        maps = open("/proc/%d/maps" % p.pid).read()
        assert "libsqlite3" in maps
        for lib in ("libcurl", "libssl", "libkrb5", "libmicrohttpd", "libgnutls"):
            assert lib not in maps
        out, err = p.communicate(b"198.51.100.7 evil.example\n", timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 0, err
    assert json.loads(err.decode().strip().splitlines()[-1])["matches"] == 2


# ---- the database path -----------------------------------------------------------------


def test_match_db_records_sightings_and_victims(server, tmp_path):
    a = server.admin
    other = server.org("Other CSIRT", "FR")
    other_analyst = server.client(other["id"], "analyst")
    phish = a.post("/incidents", {"title": "Bank phishing", "rsit_type": "phishing", "sector": "banking",
                                  "tlp": "amber"}).json()
    mal = a.post("/incidents", {"title": "Loader", "rsit_type": "malware-distribution", "sector": "health",
                                "tlp": "amber"}).json()
    d = a.post("/indicators", {"type": "domain", "value": "phish.example", "tlp": "green",
                               "incidents": [phish["id"]]}).json()
    ip = a.post("/indicators", {"type": "ipv4", "value": "198.51.100.66", "tlp": "amber",
                                "incidents": [mal["id"]]}).json()
    expired = a.post("/indicators", {"type": "domain", "value": "old.example", "tlp": "green",
                                     "valid_until": "2020-01-01T00:00:00Z"})
    assert expired.status_code == 201, expired.text
    # the other organization keeps this one to itself: the node's own organization never sees it
    r = other_analyst.post("/indicators", {"type": "domain", "value": "good.example", "tlp": "red"})
    assert r.status_code == 201, r.text
    analyst = server.client(server.admin.org, "analyst")

    def line(day, client, url, peer="192.0.2.1"):
        return "%d.000 1 %s TCP_MISS/200 1 GET %s - HIER_DIRECT/%s -" % (1767225600 + 86400 * day, client, url, peer)

    log = [line(0, "10.0.0.1", "http://login.phish.example/"), line(0, "10.0.0.2", "http://phish.example/"),
           line(40, "10.0.0.1", "http://phish.example/b"), line(40, "10.0.0.3", "http://phish.example/b"),
           line(41, "10.0.0.4", "http://good.example/", "198.51.100.66"), line(42, "10.0.0.5", "http://old.example/"),
           line(43, "10.0.0.6", "http://good.example/")]
    (tmp_path / "proxy.log").write_text("\n".join(log) + "\n")
    r = run_kizuna("match", "--db", server.db, "--key", analyst.key, "--summary", "json", tmp_path / "proxy.log")
    summary = json.loads(r.stderr.strip().splitlines()[-1])
    assert summary["indicators"] == 2  # visible and unexpired only
    assert summary["matches"] == 5
    assert summary["sightings"] == 3 and summary["victims_added"] == 5
    hits = [json.loads(x) for x in r.stdout.splitlines()]
    assert {h["indicator"]["id"] for h in hits} == {d["id"], ip["id"]}

    s = a.get("/indicators/%s/sightings" % d["id"]).json()
    assert s["total"]["count"] == 4 and s["total"]["reports"] == 2  # two days
    r = a.get("/stats/victims", params={"period": "month", "by": "class"})
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    by = {(x["period"], x["group"]): x for x in rows}
    assert by[("2026-01", "fraud")]["victims"] == 2
    assert by[("2026-02", "fraud")]["victims"] == 2
    assert by[("2026-02", "fraud")]["previous"] == 2 and by[("2026-02", "fraud")]["change_pct"] == 0.0
    assert by[("2026-02", "malicious-code")]["victims"] == 1
    assert by[("2026-02", "malicious-code")]["previous"] is None
    total = a.get("/stats/victims", params={"period": "month"}).json()["rows"]
    assert [(x["period"], x["victims"], x["change_pct"]) for x in total] == [("2026-01", 2, None), ("2026-02", 3, 50.0)]
    # the same on the command line, as JSON and as a chart
    cli = run_kizuna("stats", "victims", "--db", server.db, "--key", analyst.key, "--by", "class",
                     "--format", "json", "--svg", tmp_path / "v.svg")
    assert json.loads(cli.stdout) == r.json()
    svg = (tmp_path / "v.svg").read_text()
    assert svg.startswith("<svg") and "fraud" in svg and "2026-02" in svg and "<script" not in svg
    r = a.get("/stats/victims", params={"format": "svg", "by": "sector"})
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/svg+xml" and "banking" in r.text
    table = run_kizuna("stats", "victims", "--db", server.db, "--key", analyst.key, "--period", "quarter")
    assert table.stdout.splitlines()[1].split() == ["2026-Q1", "4", "-", "-"]  # 10.0.0.1 to .4
    # matching the same log again adds nothing
    r = run_kizuna("match", "--db", server.db, "--key", analyst.key, "--summary", "json", "--count",
                   tmp_path / "proxy.log")
    assert json.loads(r.stderr.strip().splitlines()[-1])["victims_added"] == 0
    assert r.stdout == ""
    # another organization sees none of the victims; bad parameters name themselves
    assert other_analyst.get("/stats/victims").json()["rows"] == []
    assert_error(a.get("/stats/victims", params={"period": "fortnight"}), 400, "period")
    assert_error(a.get("/stats/victims", params={"since": "yesterday"}), 400, "since")
    assert_error(a.get("/stats/victims", params={"color": "red"}), 400, "color")
    assert server.anon.get("/stats/victims").status_code == 401
    # the write-back is audited
    audit = a.get("/audit").json()["items"]
    assert any(e["action"] == "match.victims" for e in audit)
    assert any(e["action"] == "sighting.record" for e in audit)


def test_viewer_key_may_not_write_back(server, tmp_path):
    viewer = server.client(server.admin.org, "viewer")
    server.admin.post("/indicators", {"type": "domain", "value": "phish.example", "tlp": "green"})
    (tmp_path / "p.log").write_text("1767225600.0 1 10.0.0.1 TCP_MISS/200 1 GET http://phish.example/ - HIER_NONE/- -\n")
    r = run_kizuna("match", "--db", server.db, "--key", viewer.key, tmp_path / "p.log", check=False)
    assert r.returncode == 1 and "role" in r.stderr
    r = run_kizuna("match", "--db", server.db, "--key", viewer.key, "--dry-run", tmp_path / "p.log")
    assert json.loads(r.stdout.splitlines()[0])["indicator"]["value"] == "phish.example"
    r = run_kizuna("match", "--db", server.db, "--key", "kz_not-a-key", tmp_path / "p.log", check=False)
    assert r.returncode == 1 and "unknown or revoked API key" in r.stderr


# ---- AS indicators, through the routing data of `kizuna geo` -------------------------------


def test_as_indicators_match_through_the_routing_data(tmp_path):
    table = tmp_path / "geo.kzg"
    run_kizuna("geodata", "build", "--table", table)  # the real routing data installed by npm
    ips = ["1.1.1.1", "1.0.0.1", "8.8.8.8", "2606:4700:4700::1111", "9.9.9.9", "10.1.2.3"]
    asn_of = {line.split("\t")[0]: line.split("\t")[1]
              for line in run_kizuna("geo", "--table", table, *ips).stdout.splitlines()}
    target = asn_of["1.1.1.1"]
    assert target.isdigit()
    (tmp_path / "ind.csv").write_text("asn,AS%s,as-1\nipv4,9.9.9.9,ip-1\n" % target)
    log = ["1767225600.%d 1 10.0.0.%d TCP_MISS/200 1 GET http://x.example/ - HIER_DIRECT/%s -" % (i, i, ip)
           for i, ip in enumerate(ips, 1)]
    (tmp_path / "s.log").write_text("\n".join(log) + "\n")
    r = run_kizuna("match", "--indicators", tmp_path / "ind.csv", "--table", table, tmp_path / "s.log")
    got = sorted((h["observed"], h["indicator"]["value"]) for h in map(json.loads, r.stdout.splitlines()))
    want = sorted([(ip, "AS" + target) for ip in ips if asn_of[ip] == target] + [("9.9.9.9", "9.9.9.9")])
    assert got == want and len(want) >= 3
    assert "CC BY 4.0" in r.stderr  # the data's attribution comes with the answers
    # without routing data, AS indicators are refused rather than silently not matched
    r = run_kizuna("match", "--indicators", tmp_path / "ind.csv", "--table", tmp_path / "none.kzg",
                   tmp_path / "s.log", check=False)
    assert r.returncode == 1 and "AS indicators need the routing data" in r.stderr


def test_match_shows_progress_only_on_a_terminal(tmp_path):
    inds = tmp_path / "ind.csv"
    inds.write_text("type,value\ndomain,evil.example\n")
    line = "1767225600.120 30 10.1.2.3 TCP_MISS/200 512 GET http://www.benign.test/index.html - HIER_DIRECT/192.0.2.8 text/html\n"
    part = (line * (9 * 1024 * 1024 // len(line))).encode()
    args = ["match", "--indicators", inds, "--format", "squid", "--count"]
    quiet = subprocess.run([KIZUNA, *map(str, args)], input=part, capture_output=True, timeout=120)
    assert quiet.returncode == 0 and b"matching" not in quiet.stderr
    status, seen = stderr_on_a_terminal(args, part, part)
    assert status == 0
    assert b"matching" in seen
