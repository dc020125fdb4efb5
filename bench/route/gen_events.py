#!/usr/bin/python3
"""Writes N event lines (CSV: time,src_ip,dst_port,url) for bench/route: sources drawn
from a pool of addresses with a skew (a few hosts send much, most send little), 95% IPv4
uniform over the whole space, 5% IPv6 inside the announced ranges of asn-ipv6.csv; one
event in ten carries a URL instead of an address, half of those with an address host.
    gen_events.py N OUT.csv ASN-IPV6.csv"""
import csv
import ipaddress
import random
import socket
import struct
import sys

n, out, v6file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rnd = random.Random(7)
ranges = []
with open(v6file, newline="") as f:
    for row in csv.reader(f):
        ranges.append((int(ipaddress.ip_address(row[0])), int(ipaddress.ip_address(row[1]))))
pool = []
for i in range(max(1000, n // 5)):
    if rnd.random() < 0.95:
        pool.append(socket.inet_ntoa(struct.pack("!I", rnd.getrandbits(32))))
    else:
        a, b = ranges[rnd.randrange(len(ranges))]
        pool.append(socket.inet_ntop(socket.AF_INET6, rnd.randint(a, b).to_bytes(16, "big")))
with open(out, "w") as f:
    f.write("time,src_ip,dst_port,url\n")
    for i in range(n):
        ip = pool[min(int(rnd.paretovariate(1.2)) - 1, len(pool) - 1) if rnd.random() < 0.5
                  else rnd.randrange(len(pool))]
        t = f"2026-11-01T{i // 3600000 % 24:02d}:{i // 60000 % 60:02d}:{i // 1000 % 60:02d}Z"
        r = rnd.random()
        if r < 0.05:
            f.write(f"{t},,443,https://{ip if ':' not in ip else '[' + ip + ']'}/login\n")
        elif r < 0.10:
            f.write(f"{t},,443,https://host{i % 977}.example/x\n")
        else:
            f.write(f"{t},{ip},{rnd.choice((22, 23, 80, 443, 3389))},\n")
