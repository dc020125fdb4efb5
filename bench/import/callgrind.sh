#!/bin/bash
# bench/import/callgrind.sh BIN CSV TAG [CHUNK]: exact instruction counts of `kizuna import
# csv` of CSV (bench/import/gen.py N) into a new node, for comparing two builds side by side
# (issue 17 point 3). Prints the count with the load beside it, then the import's summary.
# The node and the callgrind output are kept in ${KZ_BENCH_TMP:-/tmp/kz-bench-import}/cg-TAG.
set -euo pipefail
bin=$1 csv=$2 tag=$3 chunk=${4:-10000}
d=${KZ_BENCH_TMP:-/tmp/kz-bench-import}/cg-$tag
rm -rf "$d" && mkdir -p "$d"
"$bin" init --db "$d/k.db" --log-level warn >/dev/null
valgrind --tool=callgrind --callgrind-out-file="$d/cg.out" "$bin" import csv --db "$d/k.db" \
    --log-level warn --chunk "$chunk" "$csv" >"$d/out.txt" 2>"$d/vg.txt"
grep -h "Collected" "$d/vg.txt" | sed "s/^/$tag load $(cut -d' ' -f1 /proc/loadavg) /"
cat "$d/out.txt"
