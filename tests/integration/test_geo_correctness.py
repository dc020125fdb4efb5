"""The routing engine against a direct range search over the same source files.

The reference below reads the ip-location-db CSV files with Python's csv and ipaddress
modules and answers each address by searching the ranges themselves (bisect over the
starts, then back over earlier starts whose ranges may still cover it): the covering
range with the latest start wins, as the engine documents. `kizuna geodata build` compiles
the same files, `kizuna geo` answers one million random IPv4 and IPv6 addresses plus
every range boundary (first - 1, first, last, last + 1), and every answer must agree.
"""
import bisect
import csv
import ipaddress
import random
import socket
import struct

import pytest

from conftest import ROOT, run_kizuna

DATA = ROOT / "node_modules" / "@ip-location-db"
FILES = {
    "as": [DATA / "asn" / "asn-ipv4.csv", DATA / "asn" / "asn-ipv6.csv"],
    "cc": [DATA / "asn-country" / "asn-country-ipv4.csv", DATA / "asn-country" / "asn-country-ipv6.csv"],
}


class Layer:
    """One layer's ranges of one family, searchable directly."""

    def __init__(self, rows):
        rows.sort(key=lambda r: (r[0], r[3]))  # by start, then file order
        self.start = [r[0] for r in rows]
        self.end = [r[1] for r in rows]
        self.val = [r[2] for r in rows]
        self.reach = []  # the furthest end among ranges up to i
        far = -1
        for e in self.end:
            far = max(far, e)
            self.reach.append(far)

    def find(self, x):
        j = bisect.bisect_right(self.start, x) - 1
        while j >= 0 and self.reach[j] >= x:
            if self.end[j] >= x:
                return self.val[j]
            j -= 1
        return None


def load(kind):
    fams = {4: [], 6: []}
    seq = 0
    for path in FILES[kind]:
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.reader(f):
                a, b = ipaddress.ip_address(row[0]), ipaddress.ip_address(row[1])
                val = (int(row[2]), row[3]) if kind == "as" else row[2].upper()
                fams[a.version].append((int(a), int(b), val, seq))
                seq += 1
    return {fam: Layer(rows) for fam, rows in fams.items()}


def text(fam, x):
    if fam == 4:
        return socket.inet_ntoa(struct.pack("!I", x))
    return socket.inet_ntop(socket.AF_INET6, x.to_bytes(16, "big"))


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    if not all(p.exists() for ps in FILES.values() for p in ps):
        pytest.fail("routing data missing: run scripts/install-deps (npm install)")
    path = tmp_path_factory.mktemp("geo") / "geo.kzg"
    run_kizuna("geodata", "build", "--table", path, *FILES["as"], *FILES["cc"])
    return path


def test_engine_matches_direct_range_search(table):
    layers = {"as": load("as"), "cc": load("cc")}
    rnd = random.Random(20240601)
    probes = []
    for _ in range(500_000):
        probes.append((4, rnd.getrandbits(32)))
    v6_ranges = layers["as"][6]
    for _ in range(250_000):  # the allocated IPv6 space, 2000::/3
        probes.append((6, (1 << 125) | rnd.getrandbits(125)))
    for _ in range(250_000):  # inside ranges that exist, anywhere in them
        i = rnd.randrange(len(v6_ranges.start))
        probes.append((6, rnd.randint(v6_ranges.start[i], v6_ranges.end[i])))
    top = {4: (1 << 32) - 1, 6: (1 << 128) - 1}
    for kind in ("as", "cc"):
        for fam, layer in layers[kind].items():
            for s, e in zip(layer.start, layer.end):
                for x in (s - 1, s, e, e + 1):
                    if 0 <= x <= top[fam]:
                        probes.append((fam, x))

    lines = "".join(text(f, x) + "\n" for f, x in probes)
    out = run_kizuna("geo", "--table", table, input=lines).stdout.splitlines()
    assert len(out) == len(probes)

    wrong = []
    for (fam, x), got in zip(probes, out):
        a = layers["as"][fam].find(x)
        c = layers["cc"][fam].find(x)
        want_asn = str(a[0]) if a and a[0] else "-"
        want = [text(fam, x), want_asn, a[1] if a else "", c or "-"]
        if got.split("\t") != want:
            wrong.append((text(fam, x), got, want))
    assert not wrong, f"{len(wrong)} of {len(probes)} answers differ, e.g. {wrong[:5]}"
    # The probes did reach the data: most boundaries lie inside ranges.
    assert sum(1 for line in out if not line.split("\t")[1] == "-") > len(out) // 2
