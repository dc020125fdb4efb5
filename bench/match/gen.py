#!/usr/bin/python3
"""Generates the input of bench/match: a mixed indicator set and a Squid access.log with
planted matches, built so that a literal search (grep -F, rg -F) and Kizuna agree on
which lines match for every indicator type a literal can express.

  gen.py DIR INDICATORS LOG_BYTES [SEED]
  gen.py formats DIR INDICATORS EVENTS [SEED]   (the same events in five formats: see formats())

writes DIR/indicators.csv (type,value), DIR/literals.txt (the values a literal search
can use: every type but cidr and asn; a URL prefix indicator without its '*'),
DIR/access.log and DIR/expected.json (how many lines were planted: in total and with a
literal-expressible indicator).

What makes the two agree: benign addresses come from 10.0.0.0/8 (clients) and
192.0.2.0/24, 198.18.0.0/15 (servers), which no indicator uses, and indicator addresses
start with a three-digit octet, so none is a substring of a benign one; benign host names
end in .test and paths use letters that indicator values never contain in that place.
"""
import json
import os
import random
import sys

TLDS = ["com", "net", "org", "info", "xyz", "top", "biz", "online"]
LOWER = "abcdefghijklmnopqrstuvwxyz"


def label(rng, lo=6, hi=12):
    return "".join(rng.choice(LOWER) for _ in range(rng.randint(lo, hi)))


def ind_ip(rng):
    first = rng.choice(list(range(100, 127)) + list(range(128, 192)) + list(range(200, 224)))
    return "%d.%d.%d.%d" % (first, rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))


def indicators(out, n_ind, rng):
    """Writes indicators.csv and literals.txt; returns the values by kind."""
    ips, cidrs, ip6s, domains, urls, prefixes, emails, hashes = [], [], [], [], [], [], [], []
    seen = set()
    mix = [("ipv4", 0.34), ("cidr", 0.04), ("ipv6", 0.03), ("domain", 0.30), ("url", 0.12),
           ("urlprefix", 0.03), ("email", 0.05), ("md5", 0.03), ("sha1", 0.03), ("sha256", 0.03)]
    with open(os.path.join(out, "indicators.csv"), "w") as ind, \
            open(os.path.join(out, "literals.txt"), "w") as lit:
        ind.write("type,value\n")
        for kind, share in mix:
            for _ in range(int(n_ind * share)):
                while True:
                    if kind == "ipv4":
                        v = ind_ip(rng)
                    elif kind == "cidr":
                        v = "%d.%d.%d.0/24" % (rng.choice(range(200, 224)), rng.randint(0, 255),
                                               rng.randint(0, 255))
                    elif kind == "ipv6":
                        v = "2001:db8:%x:%x::%x" % (rng.randint(1, 0xffff), rng.randint(1, 0xffff),
                                                    rng.randint(1, 0xffff))
                    elif kind == "domain":
                        v = "%s.%s" % (label(rng), rng.choice(TLDS))
                    elif kind in ("url", "urlprefix"):
                        v = "http://%s.%s/%s/%s" % (label(rng, 5, 9), rng.choice(TLDS), label(rng, 3, 8),
                                                    label(rng, 3, 8))
                    elif kind == "email":
                        v = "%s@%s.%s" % (label(rng, 4, 8), label(rng), rng.choice(TLDS))
                    else:
                        v = "%0*x" % ({"md5": 32, "sha1": 40, "sha256": 64}[kind],
                                      rng.getrandbits({"md5": 128, "sha1": 160, "sha256": 256}[kind]))
                    if v not in seen:
                        seen.add(v)
                        break
                if kind == "urlprefix":
                    ind.write("url,%s/*\n" % v)
                    lit.write(v + "/\n")
                    prefixes.append(v + "/")
                else:
                    ind.write("%s,%s\n" % (kind, v))
                    if kind != "cidr":
                        lit.write(v + "\n")
                {"ipv4": ips, "cidr": cidrs, "ipv6": ip6s, "domain": domains, "url": urls,
                 "email": emails}.get(kind, hashes).append(v)
    return dict(ips=ips, cidrs=cidrs, ip6s=ip6s, domains=domains, urls=urls, prefixes=prefixes,
                n=len(seen))


def main():
    if sys.argv[1] == "formats":
        return formats(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
                       int(sys.argv[5]) if len(sys.argv) > 5 else 1)
    out, n_ind, log_bytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    os.makedirs(out, exist_ok=True)
    ind = indicators(out, n_ind, rng)
    ips, cidrs, ip6s, domains, urls, prefixes = (ind[k] for k in ("ips", "cidrs", "ip6s", "domains", "urls",
                                                                  "prefixes"))
    ip_set = set(ips)
    benign_hosts = ["%s%d.%s.test" % (rng.choice(["www", "cdn", "api", "img", "static"]), i,
                                      label(rng, 5, 9)) for i in range(5000)]
    methods = ["GET"] * 8 + ["POST", "HEAD"]
    types = ["text/html", "application/json", "image/png", "text/css", "application/javascript"]
    planted = planted_literal = 0
    written = 0
    t = 1700000000.0
    line_no = 0
    buf = []
    with open(os.path.join(out, "access.log"), "w") as log:
        while written < log_bytes:
            line_no += 1
            t += rng.random() * 0.01
            client = "10.%d.%d.%d" % (rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))
            peer = "192.0.2.%d" % rng.randint(1, 254) if rng.random() < 0.5 else \
                "198.18.%d.%d" % (rng.randint(0, 255), rng.randint(1, 254))
            method = rng.choice(methods)
            url = "http://%s/%s/%s.%s" % (rng.choice(benign_hosts), label(rng, 3, 8), label(rng, 3, 10),
                                          rng.choice(["html", "js", "css", "png"]))
            if rng.random() < 0.001:
                planted += 1
                kind = rng.randrange(6)
                if kind == 0:
                    peer = rng.choice(ips)
                elif kind == 1:
                    while True:  # inside the prefix, and holding no address indicator as text
                        c = rng.choice(cidrs)
                        peer = c.split("/")[0][:-1] + str(rng.randint(1, 254))
                        if not any(peer[:k] in ip_set for k in range(7, len(peer) + 1)):
                            break
                elif kind == 2:
                    d = rng.choice(domains)
                    sub = rng.choice(["", "www.", "login.", "a.b."])
                    url = "http://%s%s/%s" % (sub, d, label(rng, 3, 8))
                elif kind == 3:
                    url = rng.choice(urls)
                elif kind == 4:
                    url = rng.choice(prefixes) + label(rng, 3, 8) + ".php"
                else:
                    peer = "[%s]" % rng.choice(ip6s)
                if kind != 1:
                    planted_literal += 1
            line = "%.3f %6d %s TCP_MISS/200 %d %s %s - HIER_DIRECT/%s %s\n" % (
                t, rng.randint(1, 5000), client, rng.randint(200, 90000), method, url, peer.strip("[]"),
                rng.choice(types))
            buf.append(line)
            written += len(line)
            if len(buf) >= 20000:
                log.write("".join(buf))
                buf = []
        log.write("".join(buf))
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump({"lines": line_no, "planted_lines": planted, "planted_literal_lines": planted_literal,
                   "indicators": ind["n"]}, f)


FORMATS = {"json": "events.jsonl", "csv": "events.csv", "zeek": "http.log", "squid": "access.log",
           "text": "events.txt"}
COLS = ["ts", "elapsed", "src", "dst", "method", "host", "url", "status", "bytes", "type"]
ZEEK_HEAD = ("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\thttp\n"
             "#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tmethod\thost\turi\tstatus_code"
             "\tresponse_body_len\tresp_mime_types\n"
             "#types\ttime\taddr\tport\taddr\tport\tstring\tstring\tstring\tcount\tcount\tset[string]\n")
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def render(e):
    """One event in each format, in the order of FORMATS."""
    js = ('{"ts":%.3f,"elapsed":%d,"src":"%s","dst":"%s","method":"%s","host":"%s","url":"%s",'
          '"status":%d,"bytes":%d,"type":"%s"}\n' % (e["ts"], e["elapsed"], e["src"], e["dst"], e["method"],
                                                     e["host"], e["url"], e["status"], e["bytes"], e["type"]))
    cs = "%.3f,%d,%s,%s,%s,%s,%s,%d,%d,%s\n" % tuple(e[c] for c in COLS)
    zk = "%.6f\t%s\t%d\t%s\t80\t%s\t%s\t%s\t%d\t%d\t%s\n" % (
        e["ts"], e["src"], e["sport"], e["dst"], e["method"], e["host"], e["uri"], e["status"], e["bytes"],
        e["type"])
    sq = "%.3f %6d %s TCP_MISS/%d %d %s %s - HIER_DIRECT/%s %s\n" % (
        e["ts"], e["elapsed"], e["src"], e["status"], e["bytes"], e["method"], e["url"], e["dst"], e["type"])
    t = int(e["ts"])
    tx = "%s %2d %02d:%02d:%02d proxy01 proxy[812]: %s -> %s %s %s %d %d %s %dms\n" % (
        MONTHS[(t // 2592000) % 12], (t // 86400) % 28 + 1, t // 3600 % 24, t // 60 % 60, t % 60,
        e["src"], e["dst"], e["method"], e["url"], e["status"], e["bytes"], e["type"], e["elapsed"])
    return js, cs, zk, sq, tx


def formats(out, n_ind, n_events, seed):
    """The same generated proxy events written as JSON lines, CSV (with a header), a Zeek
    http.log, a Squid access.log and plain text (a syslog line); planted matches as in the
    Squid log of main(). expected.json holds, per format, how many lines a literal search
    must count: in a Zeek log the URL is split into host and uri columns, so URL literals
    are not in its text."""
    rng = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    ind = indicators(out, n_ind, rng)
    ips, cidrs, ip6s, domains, urls, prefixes = (ind[k] for k in ("ips", "cidrs", "ip6s", "domains", "urls",
                                                                  "prefixes"))
    ip_set = set(ips)
    benign_hosts = ["%s%d.%s.test" % (rng.choice(["www", "cdn", "api", "img", "static"]), i,
                                      label(rng, 5, 9)) for i in range(5000)]
    methods = ["GET"] * 8 + ["POST", "HEAD"]
    types = ["text/html", "application/json", "image/png", "text/css", "application/javascript"]
    planted = planted_literal = planted_url = 0
    files = [open(os.path.join(out, FORMATS[f]), "w") for f in FORMATS]
    files[0].write("")
    files[1].write(",".join(COLS) + "\n")
    files[2].write(ZEEK_HEAD)
    bufs = [[] for _ in files]
    t = 1700000000.0
    for i in range(n_events):
        t += rng.random() * 0.01
        host, path = rng.choice(benign_hosts), "/%s/%s.%s" % (label(rng, 3, 8), label(rng, 3, 10),
                                                              rng.choice(["html", "js", "css", "png"]))
        dst = "192.0.2.%d" % rng.randint(1, 254) if rng.random() < 0.5 else \
            "198.18.%d.%d" % (rng.randint(0, 255), rng.randint(1, 254))
        if rng.random() < 0.001:
            planted += 1
            kind = rng.randrange(6)
            if kind == 0:
                dst = rng.choice(ips)
            elif kind == 1:
                while True:  # inside the prefix, and holding no address indicator as text
                    c = rng.choice(cidrs)
                    dst = c.split("/")[0][:-1] + str(rng.randint(1, 254))
                    if not any(dst[:k] in ip_set for k in range(7, len(dst) + 1)):
                        break
            elif kind == 2:
                host = rng.choice(["", "www.", "login.", "a.b."]) + rng.choice(domains)
                path = "/" + label(rng, 3, 8)
            elif kind == 3:
                u = rng.choice(urls)[len("http://"):]
                host, path = u.split("/", 1)[0], "/" + u.split("/", 1)[1]
            elif kind == 4:
                u = rng.choice(prefixes)[len("http://"):] + label(rng, 3, 8) + ".php"
                host, path = u.split("/", 1)[0], "/" + u.split("/", 1)[1]
            else:
                dst = rng.choice(ip6s)
            planted_literal += kind != 1
            planted_url += kind in (3, 4)
        e = dict(ts=t, elapsed=rng.randint(1, 5000), src="10.%d.%d.%d" % (rng.randint(0, 255), rng.randint(0, 255),
                                                                          rng.randint(1, 254)),
                 sport=rng.randint(1024, 65535), dst=dst, method=rng.choice(methods), host=host, uri=path,
                 url="http://%s%s" % (host, path), status=200, bytes=rng.randint(200, 90000),
                 type=rng.choice(types))
        for b, line in zip(bufs, render(e)):
            b.append(line)
        if len(bufs[0]) >= 20000:
            for f, b in zip(files, bufs):
                f.write("".join(b))
                b.clear()
    for f, b in zip(files, bufs):
        f.write("".join(b))
        f.close()
    literal = {f: planted_literal - (planted_url if f == "zeek" else 0) for f in FORMATS}
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump({"lines": n_events, "planted_lines": planted, "planted_literal_lines": literal,
                   "planted_noncidr_lines": planted_literal, "files": FORMATS, "indicators": ind["n"]}, f)


if __name__ == "__main__":
    main()
