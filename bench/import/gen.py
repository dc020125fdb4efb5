#!/usr/bin/python3
"""Writes N distinct indicators of mixed types as CSV (type,value,tlp) to stdout, already
in Kizuna's canonical form (IPv6 compressed as RFC 5952 says, by Python's ipaddress), so that a plain import of the same rows holds the same
(type, value) pairs as Kizuna's indicators table. Deterministic (seeded).

    gen.py N > rows.csv
"""
import hashlib
import ipaddress
import random
import sys

n = int(sys.argv[1])
rnd = random.Random(20261125)
tlps = ["clear", "green", "amber", "red"]
words = ["login", "secure", "update", "account", "verify", "cdn", "mail", "portal", "pay", "auth"]
tlds = ["com", "net", "org", "example", "co.uk", "jp", "de", "info"]
# mix: ipv4 30%, domain 25%, url 25%, sha256 10%, md5 5%, ipv6 3%, email 2%
kinds = ["ipv4"] * 30 + ["domain"] * 25 + ["url"] * 25 + ["sha256"] * 10 + ["md5"] * 5 + ["ipv6"] * 3 + ["email"] * 2
out = sys.stdout
out.write("type,value,tlp\n")
for i in range(n):
    k = kinds[i % 100]
    h = hashlib.sha256(i.to_bytes(8, "little")).hexdigest()
    if k == "ipv4":
        v = f"{1 + i % 223}.{(i >> 8) % 256}.{(i >> 16) % 256}.{i % 251}"
    elif k == "ipv6":
        v = str(ipaddress.IPv6Address(f"2001:db8:{i >> 16:x}:{i & 0xffff:x}::{rnd.randrange(1, 0xffff):x}"))
    elif k == "domain":
        v = f"{rnd.choice(words)}-{h[:10]}.{rnd.choice(tlds)}"
    elif k == "url":
        v = f"http://{rnd.choice(words)}-{h[:8]}.{rnd.choice(tlds)}/{rnd.choice(words)}/{h[8:16]}.php?id={i}"
    elif k == "email":
        v = f"{rnd.choice(words)}.{h[:6]}@{rnd.choice(words)}-{h[6:12]}.{rnd.choice(tlds)}"
    elif k == "sha256":
        v = h
    else:
        v = h[:32]
    out.write(f"{k},{v},{tlps[i % 4]}\n")
