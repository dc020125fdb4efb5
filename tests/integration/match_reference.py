"""A straightforward, independent implementation of telemetry matching, written from the
rules (not from Kizuna's code), to check `kizuna match` against: Python's ipaddress for
addresses and prefixes, its idna codec for host names, RFC 3986 section 6 for URLs, and
plain parsing of each log format.

    indicators = load_indicators(path)          # type,value lines
    hits = match_file(path, fmt, indicators)    # {(line, indicator value), ...}
"""
import csv
import gzip
import ipaddress
import json
import re

UNRESERVED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
SUB_DELIMS = set("!$&'()*+,;=")
DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443", "ftp": "21"}


def norm_host(h):
    h = h.rstrip(".") if h.endswith(".") else h
    return ".".join(label.encode("idna").decode("ascii") if any(ord(c) > 127 for c in label)
                    else label for label in h.lower().split("."))


def pct_norm(s, allowed):
    out, i, raw = [], 0, s.encode("utf-8", "surrogateescape")
    while i < len(raw):
        c = raw[i]
        if c == 0x25 and i + 2 < len(raw) + 0 and re.fullmatch(rb"[0-9A-Fa-f]{2}", raw[i + 1:i + 3]):
            v = int(raw[i + 1:i + 3], 16)
            out.append(chr(v) if chr(v) in UNRESERVED else "%%%02X" % v)
            i += 3
            continue
        ch = chr(c)
        out.append(ch if c < 128 and (ch in UNRESERVED or ch in SUB_DELIMS or ch in allowed) else "%%%02X" % c)
        i += 1
    return "".join(out)


def remove_dot_segments(path):
    # RFC 3986 5.2.4, as written there
    inp, out = path, ""
    while inp:
        if inp.startswith("../"):
            inp = inp[3:]
        elif inp.startswith("./"):
            inp = inp[2:]
        elif inp.startswith("/./"):
            inp = "/" + inp[3:]
        elif inp == "/.":
            inp = "/"
        elif inp.startswith("/../"):
            inp = "/" + inp[4:]
            out = out[:out.rfind("/")] if "/" in out else ""
        elif inp == "/..":
            inp = "/"
            out = out[:out.rfind("/")] if "/" in out else ""
        elif inp in (".", ".."):
            inp = ""
        else:
            j = inp.find("/", 1) if inp.startswith("/") else inp.find("/")
            seg = inp if j < 0 else inp[:j]
            out += seg
            inp = "" if j < 0 else inp[j:]
    return out


def norm_url(u):
    """Canonical URL and its host, or None."""
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$", u)
    if not m:
        return None
    scheme, auth, path, query = m.group(1).lower(), m.group(2), m.group(3), m.group(4)
    userinfo = ""
    if "@" in auth:
        userinfo, auth = auth.rsplit("@", 1)
        userinfo = pct_norm(userinfo, ":") + "@"
    if auth.startswith("["):
        host, _, rest = auth[1:].partition("]")
        host = "[" + str(ipaddress.IPv6Address(host)) + "]"
        port = rest[1:] if rest.startswith(":") else ""
    else:
        host, _, port = auth.partition(":")
        host = norm_host(host)
    if not host:
        return None
    port = port.lstrip("0") or ("0" if port else "")
    if port and port != DEFAULT_PORTS.get(scheme):
        host_part = host + ":" + port
    else:
        host_part = host
    path = remove_dot_segments(pct_norm(path, ":@/")) if path else "/"
    q = "?" + pct_norm(query[1:], ":@/?") if query is not None else ""
    return "%s://%s%s%s%s" % (scheme, userinfo, host_part, path, q), host


def load_indicators(path):
    ind = {"net": [], "domain": set(), "url": set(), "prefix": [], "email": set(), "hash": set()}
    with open(path, newline="") as f:
        for row in csv.reader(f):
            if not row or row[0].startswith("#") or row[0] == "type":
                continue
            t, v = row[0], row[1]
            if t in ("ipv4", "ipv6", "cidr"):
                net = ipaddress.ip_network(v, strict=False)
                text = str(net) if t == "cidr" else str(net.network_address)
                ind["net"].append((net, text))
            elif t == "domain":
                ind["domain"].add(norm_host(v))
            elif t == "url":
                if v.endswith("*"):
                    ind["prefix"].append(norm_url(v[:-1])[0] + "*")
                else:
                    ind["url"].add(norm_url(v)[0])
            elif t == "email":
                local, _, dom = v.rpartition("@")
                ind["email"].add(local + "@" + norm_host(dom))
            else:
                ind["hash"].add(v.lower())
    return ind


def parse_ip(v):
    v = v.strip()
    if v.startswith("["):
        v = v[1:v.index("]")]
    elif v.count(":") == 1:
        v = v.split(":")[0]
    try:
        a = ipaddress.ip_address(v)
    except ValueError:
        return None
    if a.version == 6 and a.ipv4_mapped:
        return a, a.ipv4_mapped
    return a, None


def match_ip(ind, v):
    p = parse_ip(v)
    if not p:
        return set()
    for a in p:
        if a is None:
            continue
        best = None
        for net, text in ind["net"]:
            if a.version == net.version and a in net and (best is None or net.prefixlen > best[0].prefixlen):
                best = (net, text)
        if best:
            return {best[1]}
    return set()


def match_host(ind, h):
    if h.startswith("[") or h.count(":") > 1 or re.fullmatch(r"[0-9.]+(:\d+)?", h):
        return match_ip(ind, h)
    h = h.split("/")[0].split(":")[0]
    try:
        h = norm_host(h)
    except UnicodeError:
        return set()
    labels = h.split(".")
    return {".".join(labels[i:]) for i in range(len(labels)) if ".".join(labels[i:]) in ind["domain"]}


def match_url(ind, u):
    m = re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)", u)
    if not m:
        return set()
    auth = m.group(1).rsplit("@", 1)[-1]
    host = auth if auth.startswith("[") else auth.split(":")[0]
    hits = match_host(ind, host)
    n = norm_url(u)
    if n:
        canon = n[0]
        if canon in ind["url"]:
            hits.add(canon)
        hits |= {p for p in ind["prefix"] if canon.startswith(p[:-1])}
    return hits


def match_email(ind, e):
    e = e.strip("<>")
    if e.lower().startswith("mailto:"):
        e = e[7:]
    local, _, dom = e.rpartition("@")
    hits = match_host(ind, dom)
    try:
        if local + "@" + norm_host(dom) in ind["email"]:
            hits.add(local + "@" + norm_host(dom))
    except UnicodeError:
        pass
    return hits


def match_auto(ind, v):
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", v):
        return match_url(ind, v)
    if "@" in v:
        return match_email(ind, v)
    if re.fullmatch(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64}", v):
        return {v.lower()} & ind["hash"]
    if parse_ip(v):
        return match_ip(ind, v)
    if re.fullmatch(r"[^\s/]+\.[^\s/.]*[A-Za-z][^\s/]*", v):
        return match_host(ind, v)
    return set()


def match_text(ind, line):
    hits = set()
    for u in re.findall(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>`{}|\\^]+", line):
        hits |= match_url(ind, u.rstrip(".,;:!?)]'"))
    rest = re.sub(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>`{}|\\^]+", " ", line)
    for tok in re.split(r"[\s\"'<>`{}|\\^=,;()\[\]!?&*$#]+", rest):
        tok = tok.rstrip(".:-/").lstrip(".-/")  # a leading ":" may begin an IPv6 address
        if not tok:
            continue
        if "@" in tok:
            hits |= match_email(ind, tok)
        elif re.fullmatch(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64}", tok):
            hits |= {tok.lower()} & ind["hash"]
        elif tok.count(":") >= 2:
            hits |= match_ip(ind, tok)
        elif re.fullmatch(r"\d+\.\d+\.\d+\.\d+(:\d+)?", tok):
            hits |= match_ip(ind, tok)
        elif "." in tok:
            hits |= match_host(ind, tok.split("/")[0])
    return hits


def open_text(path):
    with open(path, "rb") as f:
        magic = f.read(2)
    return gzip.open(path, "rt", errors="surrogateescape") if magic == b"\x1f\x8b" else \
        open(path, errors="surrogateescape")


def match_file(path, fmt, ind, fields=None):
    """{(line number, indicator value)} for a log file in fmt."""
    out = set()
    zeek_cols, zeek_types = [], []
    with open_text(path) as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    header = None
    for no, line in enumerate(lines, 1):
        hits = set()
        if fmt == "squid":
            p = line.split()
            hits |= match_ip(ind, p[2])
            hits |= match_host(ind, p[6]) if p[5] == "CONNECT" else match_url(ind, p[6])
            if "/" in p[8] and not p[8].endswith("/-"):
                hits |= match_host(ind, p[8].split("/", 1)[1])
        elif fmt == "json":
            def walk(o):
                if isinstance(o, dict):
                    for v in o.values():
                        walk(v)
                elif isinstance(o, list):
                    for v in o:
                        walk(v)
                elif isinstance(o, str):
                    hits.update(match_auto(ind, o))
            walk(json.loads(line))
        elif fmt == "zeek":
            if line.startswith("#fields"):
                zeek_cols = line.split("\t")[1:]
                continue
            if line.startswith("#types"):
                zeek_types = line.split("\t")[1:]
                continue
            if line.startswith("#"):
                continue
            row = dict(zip(zeek_cols, line.split("\t")))
            types = dict(zip(zeek_cols, zeek_types))
            for k, v in row.items():
                if v in ("-", "(empty)", ""):
                    continue
                if types.get(k) == "addr":
                    hits |= match_ip(ind, v)
                elif k in ("query", "server_name", "host"):
                    hits |= match_host(ind, v)
                elif k == "answers":
                    for a in v.split(","):
                        hits |= match_auto(ind, a)
            if row.get("uri", "-") != "-" and row.get("host", "-") != "-":
                hits |= match_url(ind, "http://" + row["host"] + row["uri"])
        elif fmt == "csv":
            row = next(csv.reader([line]))
            if header is None:
                header = row
                continue
            named = dict(zip(header, row))
            for name, kind in fields:
                v = named.get(name, "")
                hits |= {"ip": match_ip, "host": match_host, "url": match_url}[kind](ind, v) if v else set()
        else:
            hits |= match_text(ind, line)
        out |= {(no, h) for h in hits}
    return out
