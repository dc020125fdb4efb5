"""Imported indicators and the federation change log (issue 17 point 3): `kizuna import`
writes the change log once per queue of indicators instead of by a trigger per row; what
a peer receives must not change: every imported indicator once, and after a crash in the
middle of an import the rows and the log entries that survive are the same set."""
import signal
import sqlite3
import subprocess
import time

from conftest import KIZUNA, run_kizuna


def feed(path, values, tlp="clear"):
    with open(path, "w") as f:
        f.write("type,value,tlp\n")
        for v in values:
            f.write(f"domain,{v},{tlp}\n")
    return path


def logged(db):
    """(indicator rows of the node's own, upsert entries of the log per indicator)."""
    con = sqlite3.connect(db, timeout=30)
    rows = {r[0] for r in con.execute("SELECT id FROM indicators")}
    entries = {}
    for (obj,) in con.execute("SELECT object FROM fed_log WHERE kind = 'indicator' AND op = 'upsert' ORDER BY seq"):
        entries[obj] = entries.get(obj, 0) + 1
    con.close()
    return rows, entries


def test_an_imports_indicators_reach_a_peer_exactly_once(federation, tmp_path):
    jp, cz = federation.jp, federation.cz
    federation.pair(jp, cz)
    federation.sync(jp, cz)
    federation.sync(cz, jp)
    values = [f"h{i}.import.example" for i in range(3000)]
    # several chunks (and so several queues) while the node serves
    out = run_kizuna("import", "csv", "--db", str(jp.db), "--log-level", "warn", "--chunk", "700",
                     str(feed(tmp_path / "a.csv", values))).stdout
    assert "3000 created" in out, out
    rows, entries = logged(jp.db)
    assert len(rows) == 3000 and set(entries) == rows and set(entries.values()) == {1}
    # the log's entries are in the order the rows were written
    con = sqlite3.connect(jp.db)
    order = [r[0] for r in con.execute("SELECT i.n FROM fed_log f JOIN indicators i ON i.id = f.object"
                                       " WHERE f.kind = 'indicator' ORDER BY f.seq")]
    con.close()
    assert order == sorted(order)
    rep = federation.sync(cz, jp)
    assert rep["refused"] == 0 and rep["applied"] >= 3000, rep
    con = sqlite3.connect(cz.db)
    got = con.execute("SELECT count(*), count(DISTINCT id) FROM indicators WHERE source = ?",
                      (jp.admin.org,)).fetchone()
    origin = con.execute("SELECT count(*) FROM fed_origin WHERE kind = 'indicator'").fetchone()[0]
    con.close()
    assert got == (3000, 3000) and origin == 3000
    # a second import of the same feed logs nothing; one that changes a third logs those
    out = run_kizuna("import", "csv", "--db", str(jp.db), "--log-level", "warn",
                     str(feed(tmp_path / "a.csv", values))).stdout
    assert "3000 unchanged" in out, out
    assert logged(jp.db)[1] == entries
    out = run_kizuna("import", "csv", "--db", str(jp.db), "--log-level", "warn",
                     str(feed(tmp_path / "b.csv", values[::3], tlp="green"))).stdout
    assert "1000 merged" in out, out
    after = logged(jp.db)[1]
    changed = {k for k in after if after[k] > entries[k]}
    con = sqlite3.connect(jp.db)
    green = {r[0] for r in con.execute("SELECT id FROM indicators WHERE tlp = 'green'")}
    con.close()
    assert changed == green and len(green) == 1000
    assert federation.sync(cz, jp)["refused"] == 0
    con = sqlite3.connect(cz.db)
    assert con.execute("SELECT count(*) FROM indicators WHERE tlp = 'green'").fetchone()[0] == 1000
    assert con.execute("SELECT count(*) FROM indicators WHERE source = ?", (jp.admin.org,)).fetchone()[0] == 3000
    con.close()
    assert federation.sync(cz, jp)["applied"] == 0


def test_an_import_killed_in_the_middle_leaves_rows_and_log_alike(federation, tmp_path):
    jp, cz = federation.jp, federation.cz
    federation.pair(jp, cz)
    federation.sync(jp, cz)
    federation.sync(cz, jp)
    n = 60_000
    path = feed(tmp_path / "big.csv", [f"h{i}.kill.example" for i in range(n)])
    imp = subprocess.Popen([KIZUNA, "import", "csv", "--db", str(jp.db), "--log-level", "warn",
                            "--chunk", "2000", str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline, con = time.time() + 120, sqlite3.connect(jp.db, timeout=30)
    while time.time() < deadline and imp.poll() is None:
        if con.execute("SELECT count(*) FROM indicators").fetchone()[0] > 0:
            break
        time.sleep(0.01)
    con.close()
    imp.send_signal(signal.SIGKILL)
    imp.communicate(timeout=60)
    assert imp.returncode == -signal.SIGKILL, "the import ended before it was killed"
    rows, entries = logged(jp.db)
    assert 0 < len(rows) < n and len(rows) % 2000 == 0, len(rows)  # whole chunks only
    assert set(entries) == rows and set(entries.values()) == {1}
    # the peer gets what was committed, then the rest once the import is run again
    assert federation.sync(cz, jp)["refused"] == 0
    out = run_kizuna("import", "csv", "--db", str(jp.db), "--log-level", "warn", str(path)).stdout
    assert f"{n - len(rows)} created, 0 merged, {len(rows)} unchanged" in out, out
    rows, entries = logged(jp.db)
    assert len(rows) == n and set(entries) == rows and set(entries.values()) == {1}
    assert federation.sync(cz, jp)["refused"] == 0
    con = sqlite3.connect(cz.db)
    got = con.execute("SELECT count(*), count(DISTINCT value) FROM indicators WHERE source = ?",
                      (jp.admin.org,)).fetchone()
    con.close()
    assert got == (n, n)
    assert federation.sync(cz, jp)["applied"] == 0


def test_an_import_logs_no_row_received_from_a_peer_and_every_row_it_creates(federation, tmp_path):
    """The import's change log skips the received-from-a-peer check (fed_origin) only for
    the rows it inserted with ids it made; a merge into a row marked as a peer's must
    still log nothing, in a queue that also creates rows (perf-import6)."""
    jp = federation.jp
    values = [f"h{i}.origin.example" for i in range(200)]
    run_kizuna("import", "csv", "--db", str(jp.db), "--log-level", "warn", str(feed(tmp_path / "a.csv", values)))
    # a third of them stand for objects received from a peer (what a sync writes)
    con = sqlite3.connect(jp.db, timeout=30)
    marked = {r[0] for r in con.execute("SELECT id FROM indicators WHERE value IN (SELECT value FROM json_each(?))",
                                        (str(values[::3]).replace("'", '"'),))}
    con.executemany("INSERT INTO fed_origin (kind, object, peer) VALUES ('indicator', ?, 'peer-x')",
                    [(i,) for i in marked])
    con.commit()
    con.close()
    before = logged(jp.db)[1]
    # every stored value merged (a new TLP), new values between and after them in the queue
    news = [f"n{i}.origin.example" for i in range(150)]
    out = run_kizuna("import", "csv", "--db", str(jp.db), "--log-level", "warn",
                     str(feed(tmp_path / "b.csv", values + news, tlp="green"))).stdout
    assert "150 created, 200 merged" in out, out
    rows, after = logged(jp.db)
    grew = {k for k in after if after[k] > before.get(k, 0)}
    assert len(marked) == 67 and not (grew & marked)
    assert grew == rows - marked and len(grew) == 350 - 67
    assert all(after[k] == 1 for k in rows - set(before))  # each new row once
