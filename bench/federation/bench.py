"""bench/federation, driven by bench/federation/run: two real `kizuna serve` nodes (JP and
CZ, each with its own database) peered by their fingerprints; N GREEN indicators bulk
imported at JP; the CZ node's sync timed until it holds all N, beside a plain TAXII 2.1
client (urllib, pages with `next`) pulling the GREEN collection from JP. Both id sets are
compared, then an exchange with nothing new is measured beside re-pulling the collection.

    bench.py KIZUNA TMPDIR N    (PERF=1: `perf record` both servers during the sync)
"""
import base64
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request

kizuna, tmp, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
PERF = os.environ.get("PERF") == "1"
TAXII = "application/taxii+json;version=2.1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Node:
    """One `kizuna serve` with its own database; stopped by stop()."""

    def __init__(self, name, org, state):
        self.db = f"{tmp}/{name}.db"
        out = subprocess.run([kizuna, "init", "--db", self.db, "--org-name", org, "--state", state,
                              "--log-level", "warn"], capture_output=True, text=True, check=True)
        self.key = out.stdout.strip().splitlines()[-1]
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(f"{tmp}/{name}.log", "wb")
        self.proc = subprocess.Popen([kizuna, "serve", "--db", self.db, "--listen", f"127.0.0.1:{self.port}",
                                      "--peer-sync", "0", "--log-level", "warn"], stdout=self.log, stderr=self.log)
        with open(f"{tmp}/{name}.pid", "w") as f:
            f.write(str(self.proc.pid))
        for _ in range(200):
            try:
                self.api("GET", "/health")
                return
            except OSError:
                time.sleep(0.05)
        sys.exit(f"bench/federation: {name} did not start: {open(self.log.name).read()[-2000:]}")

    def api(self, method, path, body=None, key=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + "/api/v1" + path, data=data, method=method,
                                     headers={"Authorization": f"Bearer {key or self.key}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=3600) as r:
            return json.loads(r.read() or b"null")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)
        self.log.close()


def perf_start(node, name):
    if not PERF:
        return None
    return subprocess.Popen(["perf", "record", "--call-graph", "dwarf,16384", "-F", "500", "-o", f"{tmp}/{name}.perf", "-p", str(node.proc.pid)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def perf_report(p, name):
    if not p:
        return
    p.send_signal(2)
    p.wait()
    out = subprocess.run(["perf", "report", "-i", f"{tmp}/{name}.perf", "--children", "--sort", "dso,symbol",
                          "--stdio", "-g", "none", "--percent-limit", "4"], capture_output=True, text=True).stdout
    print(f"--- perf, {name}: on-CPU time including callees, Kizuna's and libraries' functions over 4%")
    print("\n".join(line for line in out.splitlines() if line.strip() and not line.startswith("#")
                    and "[unknown]" not in line and "libmicrohttpd" not in line and "libc.so" not in line[:60]))


def taxii_pull(base, key, collection):
    """Pulls every page of the collection as a straightforward client does; returns
    (indicator ids, objects, bytes, pages, seconds of each page in order)."""
    auth = "Basic " + base64.b64encode(f"bench:{key}".encode()).decode()
    ids, objects, size, pages, nxt, times = set(), 0, 0, 0, None, []
    while True:
        t0 = time.monotonic()
        url = f"{base}/taxii2/api/collections/{collection}/objects?limit=1000"
        if nxt:
            url += "&next=" + urllib.parse.quote(nxt)
        req = urllib.request.Request(url, headers={"Accept": TAXII, "Authorization": auth})
        with urllib.request.urlopen(req, timeout=600) as r:
            body = r.read()
        times.append(time.monotonic() - t0)
        size += len(body)
        pages += 1
        env = json.loads(body)
        for o in env.get("objects", []):
            objects += 1
            if o["type"] == "indicator":
                ids.add(o["id"].split("--", 1)[1])
        if not env.get("more"):
            return ids, objects, size, pages, times
        nxt = env["next"]


def main():
    jp = Node("jp", "NISC Japan", "JP")
    cz = Node("cz", "NUKIB Czechia", "CZ")
    try:
        run(jp, cz)
    finally:
        jp.stop()
        cz.stop()


def run(jp, cz):
    fp = {s: s.api("GET", "/node")["signing_key"]["fingerprint"] for s in (jp, cz)}
    at_jp = jp.api("POST", "/peers", {"url": cz.base, "fingerprint": fp[cz]})["id"]
    at_cz = cz.api("POST", "/peers", {"url": jp.base, "fingerprint": fp[jp]})["id"]
    # the directory both ways: JP learns the organizations CZ hosts (whom GREEN goes to)
    jp.api("POST", f"/peers/{at_jp}/sync")
    cz.api("POST", f"/peers/{at_cz}/sync")

    # N GREEN indicators at JP, by the fast path (bulk import), the server running
    subprocess.run(f"bench/import/gen.py {n} > {tmp}/rows.csv", shell=True, check=True)
    t0 = time.monotonic()
    subprocess.run([kizuna, "import", "csv", "--db", jp.db, "--log-level", "warn", "--map", "type=type,value=value",
                    "--tlp", "green", f"{tmp}/rows.csv"], check=True, stdout=subprocess.DEVNULL)
    loaded = time.monotonic() - t0

    # a plain TAXII client at JP: an organization of the Czech side with a viewer key
    org = jp.api("POST", "/organizations", {"name": "NUKIB (TAXII client)", "state": "CZ", "kind": "national-csirt"})
    viewer = jp.api("POST", "/keys", {"organization": org["id"], "role": "viewer"})["key"]
    cols = json.loads(urllib.request.urlopen(urllib.request.Request(
        f"{jp.base}/taxii2/api/collections", headers={"Accept": TAXII, "Authorization": f"Bearer {viewer}"})).read())
    green = next(c["id"] for c in cols["collections"] if c["title"] == "TLP:GREEN")

    load = os.getloadavg()
    perfs = [perf_start(jp, "jp (sender)"), perf_start(cz, "cz (receiver)")]
    t0 = time.monotonic()
    rep = cz.api("POST", f"/peers/{at_cz}/sync")
    fed = time.monotonic() - t0
    perf_report(perfs[0], "jp (sender)")
    perf_report(perfs[1], "cz (receiver)")
    t0 = time.monotonic()
    t_ids, t_objects, t_bytes, t_pages, t_times = taxii_pull(jp.base, viewer, green)
    taxii = time.monotonic() - t0

    # agreement: CZ holds exactly JP's N indicators, the TAXII client got the same ids
    con = sqlite3.connect(jp.db)
    jp_ids = {r[0] for r in con.execute("SELECT id FROM indicators")}
    con.close()
    con = sqlite3.connect(cz.db)
    cz_ids = {r[0] for r in con.execute("SELECT id FROM indicators")}
    con.close()
    if len(jp_ids) != n or cz_ids != jp_ids or t_ids != jp_ids or rep["refused"]:
        sys.exit(f"bench/federation: DISAGREE: jp {len(jp_ids)}, cz {len(cz_ids)} ({len(cz_ids ^ jp_ids)} differ), "
                 f"taxii {len(t_ids)} ({len(t_ids ^ jp_ids)} differ), refused {rep['refused']}")

    # nothing new: one exchange, beside pulling the collection again
    idle = cz.api("POST", f"/peers/{at_cz}/sync")
    t0 = time.monotonic()
    again = taxii_pull(jp.base, viewer, green)
    taxii_again = time.monotonic() - t0
    if idle["applied"] != 0 or again[0] != jp_ids:
        sys.exit(f"bench/federation: the idle exchange applied {idle['applied']}, or the re-pull differs")

    print(f"bench/federation: {n:,} GREEN indicators bulk imported at node JP in {loaded:.1f} s; node CZ and a "
          f"TAXII 2.1 client both got the same {n:,} ids; {os.cpu_count()} cores, load "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"{'':44} {'wall s':>7} {'objects/s':>10} {'messages':>9} {'MB':>7}")
    print(f"{'federation sync (CZ pulls from JP, applies)':44} {fed:7.2f} {n / fed:10,.0f} {rep['messages']:9} "
          f"{rep['bytes'] / 1e6:7.1f}")
    print(f"{'TAXII 2.1 pull, urllib, limit=1000 + next':44} {taxii:7.2f} {n / taxii:10,.0f} {t_pages:9} "
          f"{t_bytes / 1e6:7.1f}   ({t_objects:,} objects, nothing stored)")
    full = t_times[:-1] or t_times  # the last page holds what is left
    print(f"  TAXII pages of 1000: first {full[0] * 1000:.0f} ms, median {sorted(full)[len(full) // 2] * 1000:.0f} ms, "
          f"last {full[-1] * 1000:.0f} ms (a page's cost against its place in the collection)")
    print(f"ratio federation/TAXII: {(n / fed) / (n / taxii):.2f}x objects/s")
    print(f"nothing new: federation {idle['messages']} message, {idle['bytes']} bytes of answer; "
          f"TAXII re-pull {again[3]} pages, {again[2]:,} bytes in {taxii_again:.2f} s "
          f"({again[2] / max(idle['bytes'], 1):,.0f}x the bytes)")


main()
