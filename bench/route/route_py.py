#!/usr/bin/python3
"""The straightforward Python way to do what `kizuna route` does, for bench/route: read
the ip-location-db range files, then for each event of a CSV file (time,src_ip,dst_port,
url) find the address (src_ip, or the URL's host when it is an address), bisect the
sorted ranges, and count events and distinct addresses per country and ASN. Prints the
result as JSON, in the shape of `kizuna route --json --top 1000000`, for comparison.
    route_py.py EVENTS.csv ASN.csv... -- COUNTRY.csv..."""
import bisect
import csv
import ipaddress
import json
import sys
from urllib.parse import urlsplit


class Layer:
    def __init__(self):
        self.rows = []

    def done(self):
        self.rows.sort(key=lambda r: (r[0], r[3]))
        self.start = [r[0] for r in self.rows]
        self.reach, far = [], -1
        for r in self.rows:
            far = max(far, r[1])
            self.reach.append(far)

    def find(self, x):
        j = bisect.bisect_right(self.start, x) - 1
        while j >= 0 and self.reach[j] >= x:  # the covering range that starts last
            if self.rows[j][1] >= x:
                return self.rows[j][2]
            j -= 1
        return None


args = sys.argv[1:]
events, sep = args[0], args.index("--")
layers = {(k, v): Layer() for k in ("as", "cc") for v in (4, 6)}
seq = 0
for kind, files in (("as", args[1:sep]), ("cc", args[sep + 1:])):
    for path in files:
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.reader(f):
                a, b = ipaddress.ip_address(row[0]), ipaddress.ip_address(row[1])
                val = (int(row[2]), row[3]) if kind == "as" else row[2].upper()
                layers[(kind, a.version)].rows.append((int(a), int(b), val, seq))
                seq += 1
for layer in layers.values():
    layer.done()

groups = {}   # (cc, asn) -> [events, addresses, org]
seen = set()
unresolved = lines = 0
with open(events, newline="") as f:
    rd = csv.reader(f)
    next(rd)
    lines = 1
    for row in rd:
        lines += 1
        text = row[1]
        if not text:
            host = urlsplit(row[3]).hostname or ""
            try:
                ipaddress.ip_address(host)
                text = host
            except ValueError:
                unresolved += 1
                continue
        ip = ipaddress.ip_address(text)
        if ip.version == 6 and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        x = int(ip)
        a = layers[("as", ip.version)].find(x)
        c = layers[("cc", ip.version)].find(x)
        key = (c or "", a[0] if a else 0)
        g = groups.get(key)
        if g is None:
            g = groups[key] = [0, 0, a[1] if a else ""]
        g[0] += 1
        if ip not in seen:
            seen.add(ip)
            g[1] += 1

countries = {}
for (cc, asn), (ev, ad, org) in groups.items():
    c = countries.setdefault(cc, {"country": cc or None, "events": 0, "addresses": 0, "asns": []})
    c["events"] += ev
    c["addresses"] += ad
    c["asns"].append({"asn": asn or None, "org": org if asn else None, "events": ev, "addresses": ad})
out = sorted(countries.values(), key=lambda c: (c["country"] is None, -c["events"], c["country"] or ""))
for c in out:
    c["asns"].sort(key=lambda a: (-a["events"], a["asn"] or 0))
print(json.dumps({"lines": lines, "events": sum(c["events"] for c in out),
                  "addresses": len(seen), "unresolved": unresolved, "countries": out}))
