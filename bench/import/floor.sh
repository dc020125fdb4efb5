#!/bin/bash
# bench/import/floor.sh SRCDB TAG [log]: the import's floor — sqlite3 alone copying the
# normalized rows of SRCDB (a node an import filled) into an empty copy of the same schema
# (the change-log trigger dropped), in one transaction with the node's pragmas; with `log`,
# also one change-log row per indicator. Under callgrind when CG=1, else timed.
# Works in ${KZ_BENCH_TMP:-/tmp/kz-bench-import}/fl-TAG; SRCDB gains a table r (a copy).
set -uo pipefail
src=$1 tag=$2 log=${3:-}
d=${KZ_BENCH_TMP:-/tmp/kz-bench-import}/fl-$tag
rm -rf "$d" && mkdir -p "$d"
sqlite3 "$src" "DROP TABLE IF EXISTS r; CREATE TABLE r AS SELECT * FROM indicators ORDER BY n;"
sqlite3 "$src" ".backup $d/f.db" || exit 1
sqlite3 "$d/f.db" "DROP TRIGGER fed_log_indicators_insert; DELETE FROM indicators; DROP TABLE r;
    DELETE FROM fed_log; DELETE FROM sqlite_sequence WHERE name='fed_log'; VACUUM;
    PRAGMA journal_mode=WAL;" >/dev/null || exit 1
extra=""
[ -n "$log" ] && extra="INSERT INTO fed_log (kind, object, op) SELECT 'indicator', id, 'upsert' FROM indicators ORDER BY n;"
sql="PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-131072;
    ATTACH '$src' AS s; BEGIN; INSERT INTO indicators SELECT * FROM s.r ORDER BY n; $extra COMMIT;"
label="floor $tag${log:+ +log} load $(cut -d' ' -f1 /proc/loadavg)"
if [ -n "${CG:-}" ]; then
    valgrind --tool=callgrind --callgrind-out-file="$d/cg.out" sqlite3 "$d/f.db" "$sql" >/dev/null 2>"$d/vg.txt"
    grep -h Collected "$d/vg.txt" | sed "s/^/$label /"
else
    /usr/bin/time -f "$label cpu %U+%S wall %e" sqlite3 "$d/f.db" "$sql" >/dev/null
fi
