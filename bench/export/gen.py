#!/usr/bin/python3
"""Writes a STIX 2.1 bundle of N distinct URL indicators (already canonical, TLP:GREEN) to
stdout, to load a node for bench/export. Deterministic.

    gen.py N > bundle.json
"""
import hashlib
import sys
import uuid

n = int(sys.argv[1])
words = ["login", "secure", "update", "account", "verify", "cdn", "mail", "portal", "pay", "auth"]
green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
out = sys.stdout
out.write('{"type":"bundle","id":"bundle--%s","objects":[' % uuid.UUID(int=n, version=4))
for i in range(n):
    h = hashlib.sha256(i.to_bytes(8, "little")).hexdigest()
    url = f"http://{words[i % 10]}-{h[:12]}.example/{h[12:20]}/{words[(i >> 4) % 10]}.php?id={i}"
    ts = f"2026-01-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00.000Z"
    out.write(("," if i else "") + '{"type":"indicator","spec_version":"2.1","id":"indicator--%s",'
              '"created":"%s","modified":"%s","pattern":"[url:value = \'%s\']","pattern_type":"stix",'
              '"valid_from":"%s","object_marking_refs":["%s"]}' % (uuid.UUID(int=i + 1, version=4), ts, ts, url, ts, green))
out.write("]}\n")
