#!/usr/bin/python3
"""Builds of kizuna alternated end to end on the per-format files of `bench/match/run
formats` (issue 17): for each file, ROUNDS rounds of `wc -l FILE` then each build's
`kizuna match --count --indicators IND FILE`; the best wall (and user+sys CPU) of each is
printed with its ratio to wc -l. Each build gets its own copy of the indicators, so that
each keeps its own compiled .kzi beside it.

    bench/match/alternate.py DATA_DIR ROUNDS KIZUNA_BINARY...

DATA_DIR is a formats folder (default data: /tmp/kz-bench-match/formats-100000-2000000)."""
import os, shutil, subprocess, sys, time, resource
D = sys.argv[1]
sys.argv = sys.argv[1:]
FILES = ["events.jsonl", "events.csv", "http.log", "access.log", "events.txt"]
rounds = int(sys.argv[1]); bins = sys.argv[2:]
inds = []
for i, b in enumerate(bins):
    d = "/tmp/kz-alternate-ind/%d" % i
    os.makedirs(d, exist_ok=True)
    p = d + "/indicators.csv"
    if not os.path.exists(p):
        shutil.copy(D + "/indicators.csv", p)
    subprocess.run([b, "match", "--count", "--indicators", p, D + "/events.txt"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    inds.append(p)
def run(cmd):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    w = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return w, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
print("load", os.getloadavg()[0])
for f in FILES:
    path = D + "/" + f
    best = {"wc": (9e9, 9e9)}
    for _ in range(rounds):
        w = run(["wc", "-l", path]); best["wc"] = min(best["wc"], w)
        for b, ind in zip(bins, inds):
            w = run([b, "match", "--count", "--indicators", ind, path])
            k = b
            best[k] = (min(best.get(k, (9e9, 9e9))[0], w[0]), min(best.get(k, (9e9, 9e9))[1], w[1]))
    wc = best["wc"][0]
    print("%-13s wc %.3f  " % (f, wc) + "  ".join("%s wall %.3f (%.2f) cpu %.3f" % (b, best[b][0], wc / best[b][0], best[b][1]) for b in bins))
print("load", os.getloadavg()[0])
