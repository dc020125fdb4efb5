"""Every scenario of the built-in library runs end to end on the demo data (issue 16
point 6): `kizuna exercise run` on the database that `make demo` makes finishes each one,
its injects are delivered into the run, and the demo's real work is left as it was."""
import json
import sqlite3

from conftest import ROOT, run_kizuna

DATA = ROOT / "demo" / "directory.json"
LIBRARY = ROOT / "demo" / "library.jsonl"
SCENARIOS = ("ransomware-university-hospital", "vpn-credentials-leak", "pandemic-phishing-wave",
             "directory-communication-check")
REAL = {  # what real work holds: the rows no table-top run made
    "incidents": "SELECT count(*) FROM incidents WHERE exercise IS NULL",
    "indicators": "SELECT count(*) FROM indicators WHERE exercise IS NULL",
    "requests": "SELECT count(*) FROM requests WHERE exercise IS NULL",
    "checks": "SELECT count(*) FROM checks WHERE exercise IS NULL",
    "organizations": "SELECT count(*) FROM organizations WHERE id NOT IN"
                     " (SELECT organization FROM exercise_players WHERE made = 1)",
}
MADE = {  # what one run made, by its id
    "incidents": "SELECT count(*) FROM incidents WHERE exercise = ?",
    "indicators": "SELECT count(*) FROM indicators WHERE exercise = ?",
    "requests": "SELECT count(*) FROM requests WHERE exercise = ?",
    "checks": "SELECT count(*) FROM checks WHERE exercise = ?",
}


def counts(db, queries, *args):
    con = sqlite3.connect(db)
    try:
        return {k: con.execute(q, args).fetchone()[0] for k, q in queries.items()}
    finally:
        con.close()


def test_each_built_in_scenario_runs_end_to_end_on_the_demo_data(tmp_path):
    db = tmp_path / "demo.db"
    run_kizuna("demo", "--db", db, "--data", DATA, "--library", LIBRARY)
    real = counts(db, REAL)
    assert real["organizations"] > 4, real  # the demo directory is there to play on
    for sid in SCENARIOS:
        rep = json.loads(run_kizuna("exercise", "run", sid, "--db", db, "--speed", "10000").stdout)
        ex = rep["exercise"]
        assert ex["scenario"] == sid and ex["status"] == "finished", ex
        delivered = [t for t in rep["timeline"] if t["kind"] == "inject"]
        assert delivered, sid
        assert "score" in rep and rep["expectations"], sid
        made = counts(db, MADE, ex["id"])
        assert sum(made.values()) > 0, (sid, made)  # its injects went into the run's own objects
        assert counts(db, REAL) == real, f"{sid} changed the demo's real work"
