"""The import's queue written by set inserts (issue 17 point 3, perf-import3): within one
queue, new rows, merged rows, unchanged rows, rows the importer may not see and the same key
twice must each come out as when written one by one (counts, stored rows, change log, TLP
answer), and another writer adding the same keys while an import runs neither loses nor
doubles a row."""
import sqlite3
import subprocess

from conftest import KIZUNA, run_kizuna
from test_tlp_writes import World, world  # noqa: F401 (the fixture)


def rows(db, source):
    con = sqlite3.connect(db, timeout=30)
    got = {v: (tlp, d) for v, tlp, d in con.execute(
        "SELECT value, tlp, description FROM indicators WHERE source = ?", (source,))}
    con.close()
    return got


def test_a_queue_mixing_new_merged_unchanged_hidden_and_repeated_keys(world, tmp_path):  # noqa: F811
    w: World = world
    red = w.indicator(w.b, w.fresh("red"), "red", [w.R], description="RED: kept")          # B's, hidden from N
    same = w.indicator(w.b, w.fresh("same"), "green", description="the owner's words")     # B's, visible
    grow = w.indicator(w.b, w.fresh("grow"), "green", description="the owner's words")     # B's, visible
    new = [w.fresh("new") for _ in range(150)]  # more than one block of the set insert
    twice = w.fresh("twice")
    # B imports: grow is merged (a narrower TLP), same unchanged, twice created then merged
    # (narrower again), new created; and every value before or after the others in the queue
    lines = [f"domain,{v},green,the owner's words" for v in new[:75]]
    lines += [f"domain,{twice},green,first", f"domain,{same['value']},green,the owner's words",
              f"domain,{grow['value']},amber,the owner's words", f"domain,{twice},amber,first"]
    lines += [f"domain,{v},green,the owner's words" for v in new[75:]]
    f = tmp_path / "mixed.csv"
    f.write_text("type,value,tlp,description\n" + "\n".join(lines) + "\n")
    out = run_kizuna("import", "csv", "--db", w.s.db, "--log-level", "warn", "--key", w.b.key, f).stdout
    assert "154 records: 151 created, 2 merged, 1 unchanged" in out, out
    got = rows(w.s.db, w.B)
    assert got[twice] == ("amber", "first") and got[grow["value"]][0] == "amber"
    assert got[same["value"]] == ("green", "the owner's words") and got[red["value"]] == ("red", "RED: kept")
    assert all(got[v] == ("green", "the owner's words") for v in new)
    con = sqlite3.connect(w.s.db)
    per_value = dict(con.execute("SELECT i.value, count(*) FROM fed_log f JOIN indicators i ON i.id = f.object"
                                 " WHERE f.kind = 'indicator' GROUP BY i.value"))
    order = [r[0] for r in con.execute("SELECT i.n FROM fed_log f JOIN indicators i ON i.id = f.object"
                                       " WHERE f.kind = 'indicator' AND i.value IN (SELECT value FROM json_each(?))"
                                       " ORDER BY f.seq", (str(new).replace("'", '"'),))]
    con.close()
    assert all(per_value[v] == 1 for v in new) and order == sorted(order) and len(order) == 150
    assert per_value[same["value"]] == 1  # its creation only: unchanged logs nothing
    # the admin (organization N) imports for B: B's RED is answered as a new one and left
    # alone, exactly as a value B does not have; the new values are created
    hidden, fresh = w.fresh("fresh"), [w.fresh("n2") for _ in range(70)]
    g = tmp_path / "as-admin.csv"
    g.write_text("type,value\n" + "".join(f"domain,{v}\n" for v in [red["value"], *fresh]))
    r = run_kizuna("import", "csv", "--db", w.s.db, "--log-level", "warn", "--source", w.B, "--tlp", "green",
                   g, check=False)
    h = tmp_path / "as-admin-new.csv"
    h.write_text("type,value\n" + "".join(f"domain,{v}\n" for v in [hidden, *[w.fresh("n3") for _ in range(70)]]))
    r2 = run_kizuna("import", "csv", "--db", w.s.db, "--log-level", "warn", "--source", w.B, "--tlp", "green",
                    h, check=False)
    strip = lambda s: s.split("(")[0].split(": ", 1)[1]  # noqa: E731 (counts without the file name)
    assert r.returncode == r2.returncode and strip(r.stdout) == strip(r2.stdout), (r.stdout, r2.stdout)
    assert rows(w.s.db, w.B)[red["value"]] == ("red", "RED: kept")
    assert w.t.get(f"/indicators/{red['id']}").status_code == 404


def test_another_writer_adding_the_same_keys_during_an_import(server, tmp_path):
    n = 120_000
    values = [f"w{i}.race.example" for i in range(n)]
    f = tmp_path / "race.csv"
    f.write_text("type,value,tlp\n" + "".join(f"domain,{v},clear\n" for v in values))
    imp = subprocess.Popen([KIZUNA, "import", "csv", "--db", str(server.db), "--log-level", "warn",
                            "--chunk", "3000", str(f)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    posted, i = 0, n - 1
    while imp.poll() is None and i > 0:  # from the end of the feed: keys the import has not reached yet
        batch = [{"type": "domain", "value": values[k], "tlp": "clear"} for k in range(i, max(i - 200, 0), -1)]
        r = server.admin.post("/indicators/bulk", {"items": batch})
        assert r.status_code in (200, 503), r.text
        if r.status_code == 200:
            posted += r.json()["created"]
        i -= 200
    out, err = imp.communicate()
    assert imp.returncode == 0, err
    assert posted > 0, "the API wrote nothing while the import ran"
    created = int(out.split(" created")[0].rsplit(" ", 1)[1])
    merged_unchanged = n - created
    con = sqlite3.connect(server.db)
    total, distinct = con.execute("SELECT count(*), count(DISTINCT value) FROM indicators"
                                  " WHERE value LIKE '%.race.example'").fetchone()
    logged = con.execute("SELECT count(*), count(DISTINCT f.object) FROM fed_log f JOIN indicators i"
                         " ON i.id = f.object WHERE f.kind = 'indicator' AND i.value LIKE '%.race.example'").fetchone()
    con.close()
    assert total == distinct == n  # nothing lost, nothing doubled
    assert created + posted == n and merged_unchanged == posted, (out, posted)
    assert logged == (n, n)  # one change-log entry per row, whoever wrote it


def test_set_inserts_store_each_rows_own_optional_fields(tmp_path):
    """The set insert binds only the fields a row has (its statement's parameters are NULL
    when it is handed out, perf-import6): over several blocks of one statement, a row
    without a description, a valid_until or a registrable domain must store NULL there,
    never the previous block's value."""
    db = tmp_path / "k.db"
    run_kizuna("init", "--db", str(db), "--log-level", "warn")
    lines, want = [], {}
    for i in range(300):  # more than four blocks of 64: each statement reused with other rows
        ip = i % 3 == 0
        value = f"10.{i // 256}.{i % 256}.7" if ip else f"h{i}.fields.example"
        desc = f"d{i}" if i % 5 in (1, 2) else ""
        until = "2031-02-03T04:05:06Z" if i % 7 in (0, 4) else ""
        lines.append(f"{'ipv4' if ip else 'domain'},{value},green,{desc},{until}")
        want[value] = (desc or None, until != "", None if ip else "fields.example")
    f = tmp_path / "fields.csv"
    f.write_text("type,value,tlp,description,valid_until\n" + "\n".join(lines) + "\n")
    out = run_kizuna("import", "csv", "--db", str(db), "--log-level", "warn", f).stdout
    assert "300 created" in out, out
    con = sqlite3.connect(db)
    got = {v: (d, u is not None, r) for v, d, u, r in con.execute(
        "SELECT value, description, valid_until, registrable FROM indicators")}
    con.close()
    assert got == want


def test_a_feed_imported_again_is_looked_up_in_sets_with_the_same_answers(world, tmp_path):  # noqa: F811
    """Once a queue's block met mostly stored keys, the next rows are looked up by one set
    statement per window (perf-import6): unchanged rows write nothing, a repeated key is
    looked up after its first row's write (created, then merged), merges, new keys and a
    row hidden from the importer come out as when looked up one by one."""
    w: World = world
    stored = [f"a{i:03d}.again.example" for i in range(150)]  # sort before the cases below
    f = tmp_path / "first.csv"
    f.write_text("type,value,tlp\n" + "".join(f"domain,{v},green\n" for v in stored))
    out = run_kizuna("import", "csv", "--db", w.s.db, "--log-level", "warn", "--key", w.b.key, f).stdout
    assert "150 created" in out, out
    red = w.indicator(w.b, "b-red.again.example", "red", [w.R], description="RED: kept")
    con = sqlite3.connect(w.s.db)
    seq0 = con.execute("SELECT max(seq) FROM fed_log").fetchone()[0]
    con.close()
    # as the admin (N) for B: every stored row again, stored[140] raised to amber, a new key
    # twice (created, then merged to red), B's RED (hidden from N: answered as created, left
    # alone) and new keys after it; 150 stored rows first, so the queue looks rows up first
    lines = [f"domain,{v},{'amber' if k == 140 else 'green'}" for k, v in enumerate(stored)]
    lines += ["domain,b-twice.again.example,green", f"domain,{red['value']},green",
              "domain,b-twice.again.example,red"] + [f"domain,c{i}.again.example,green" for i in range(70)]
    g = tmp_path / "again.csv"
    g.write_text("type,value,tlp\n" + "\n".join(lines) + "\n")
    out = run_kizuna("import", "csv", "--db", w.s.db, "--log-level", "warn", "--source", w.B, g).stdout
    assert "223 records: 72 created, 2 merged, 149 unchanged" in out, out
    got = rows(w.s.db, w.B)
    assert got[red["value"]] == ("red", "RED: kept") and got["b-twice.again.example"][0] == "red"
    assert got[stored[140]][0] == "amber" and all(got[v][0] == "green" for k, v in enumerate(stored) if k != 140)
    assert all(got[f"c{i}.again.example"][0] == "green" for i in range(70))
    con = sqlite3.connect(w.s.db)
    logged = [v for (v,) in con.execute("SELECT i.value FROM fed_log f JOIN indicators i ON i.id = f.object"
                                        " WHERE f.seq > ? AND f.kind = 'indicator' ORDER BY f.seq", (seq0,))]
    con.close()
    # the queue's entries in write order (the merged rows, the new ones), then the commit's
    # re-dating of the merged rows; nothing for the unchanged ones or the hidden one
    assert red["value"] not in logged and stored[0] not in logged
    assert set(logged) == {stored[140], "b-twice.again.example", *[f"c{i}.again.example" for i in range(70)]}
