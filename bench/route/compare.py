#!/usr/bin/python3
"""Compares `kizuna route --json --top 1000000` with route_py.py's output: the same
events, distinct addresses and unresolved count, and per country and ASN the same
events, addresses and organization. Exits 1 naming the first difference.
    compare.py KIZUNA.json PYTHON.json"""
import json
import sys

k, p = (json.load(open(f)) for f in sys.argv[1:3])


def table(doc, asns_key):
    return {(c["country"]): (c["events"], c["addresses"],
                             sorted((a["asn"] or 0, a["org"] or "", a["events"], a["addresses"]) for a in c[asns_key]))
            for c in doc["countries"]}


for key in ("events", "addresses", "unresolved", "lines"):
    if k[key] != p[key]:
        sys.exit(f"{key}: kizuna {k[key]}, python {p[key]}")
tk, tp = table(k, "top_asns"), table(p, "asns")
if tk != tp:
    for cc in sorted(set(tk) | set(tp), key=str):
        if tk.get(cc) != tp.get(cc):
            sys.exit(f"country {cc}: kizuna {str(tk.get(cc))[:300]} / python {str(tp.get(cc))[:300]}")
print(f"answers equal: {k['events']} events, {k['addresses']} addresses, {len(tk)} countries, "
      f"{sum(len(v[2]) for v in tk.values())} (country, ASN) groups")
