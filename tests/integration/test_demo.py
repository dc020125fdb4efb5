"""`kizuna demo` (what `make demo` runs): the demo directory, its finished communication
check and the admin key on the last line, served as the README's tour expects."""
import json
import subprocess

import requests

from conftest import KIZUNA, ROOT, Client, free_port, run_kizuna, wait_until_serving

DATA = ROOT / "demo" / "directory.json"
LIBRARY = ROOT / "demo" / "library.jsonl"


def test_demo_database_serves_the_tour(tmp_path):
    db = tmp_path / "demo.db"
    out = run_kizuna("demo", "--db", db, "--data", DATA, "--library", LIBRARY)
    key = out.stdout.strip().splitlines()[-1]
    assert key.startswith("kz_"), out.stdout
    data = json.loads(DATA.read_text())
    port = free_port()
    proc = subprocess.Popen([KIZUNA, "serve", "--db", str(db), "--listen", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        c = Client(f"http://127.0.0.1:{port}", key)
        wait_until_serving(c.base, proc)
        orgs = c.get("/organizations", {"limit": 500}).json()["items"]
        assert {o["name"] for o in orgs} >= {o["name"] for o in data["organizations"]}
        jp = c.get("/contacts", {"state": "JP"}).json()["items"]
        want_jp = [p for o in data["organizations"] if o["state"] == "JP" for p in o["contacts"]]
        assert len(jp) == len(want_jp) > 0
        rows = c.get("/stats/checks").json()["states"]
        contacts = [p for o in data["organizations"] for p in o["contacts"]]
        assert sum(r["contacts"] for r in rows) == len(contacts)
        answering = [p for p in contacts if p.get("answer_after_minutes") is not None]
        assert sum(r["answered"] for r in rows) == len(answering)
        assert all(r["median_seconds"] is not None for r in rows if r["answered"]), rows
        # My work is not empty: the Japanese CSIRT's demo user has requests waiting
        users = [line.split() for line in out.stdout.splitlines() if line.startswith("demo user: ")]
        email, password = next((u[2], u[3]) for u in users if u[2] == "demo@csirt.jp.example")
        web = requests.Session()
        signed = web.post(f"{c.base}/api/v1/session", json={"email": email, "password": password}, timeout=10)
        assert signed.status_code == 200, signed.text
        inbox = web.get(f"{c.base}/api/v1/requests", params={"box": "inbox"}, timeout=10).json()["items"]
        outbox = web.get(f"{c.base}/api/v1/requests", params={"box": "outbox"}, timeout=10).json()["items"]
        want = data["requests"]
        jp = "National CSIRT of Japan (fictitious)"
        assert sorted(r["subject"] for r in inbox) == sorted(q["request"]["subject"] for q in want if q["to"] == jp)
        assert sorted(r["subject"] for r in outbox) == sorted(q["request"]["subject"] for q in want if q["from"] == jp)
        assert {r["status"] for r in inbox + outbox} <= {"sent", "acknowledged"}, "every demo request is open"
        assert any(r["status"] == "acknowledged" for r in inbox) and any(r["status"] == "sent" for r in inbox)
        assert all("acknowledge" in web.get(f"{c.base}/api/v1/requests/{r['id']}", timeout=10).json()["moves"]
                   for r in inbox if r["status"] == "sent"), "they wait for the Japanese CSIRT's move"
        # one published statement, co-signed: every issuer approved the version published
        demo = json.loads((ROOT / "demo" / "statement.json").read_text())
        statements = c.get("/statements").json()["items"]
        assert [s["title"] for s in statements] == [demo["content"]["title"]]
        st = statements[0]
        assert st["status"] == "published" and set(st["text"]) == {"en", "ja"}
        assert len(st["issuers"]) == 1 + len(demo["cosigners"]) and all(i["approved"] for i in st["issuers"])
        feed = c.get(f"{c.base}/feeds/statements.json").json()
        assert [i["id"] for i in feed["items"]] == [f"urn:uuid:{st['id']}"]
        # the policy library: fictitious documents in English and Japanese, linked to the norms
        lib = [json.loads(x) for x in LIBRARY.read_text(encoding="utf-8").splitlines()]
        docs = c.get("/documents", {"limit": 100}).json()["items"]
        assert len(docs) == len({d["id"] for d in lib}) >= 5
        assert {"ja", "en"} <= {lang for d in docs for lang in d["languages"]} | {"en"}
        assert any(d["version"] == 2 for d in docs)
        assert len(c.get("/norms").json()["items"]) == 11
        h = c.get("/norms/h").json()
        assert len({d["state"] for d in h["documents"]}) >= 4
        assert [d["state"] for d in c.get("/documents", {"q": "支援要請"}).json()["items"]] == ["JP"]
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0
    assert run_kizuna("audit", "verify", "--db", db).returncode == 0


def test_demo_names_a_missing_data_file(tmp_path):
    r = run_kizuna("demo", "--db", tmp_path / "d.db", "--data", tmp_path / "nope.json", check=False)
    assert r.returncode != 0
    assert "nope.json: unable to open" in r.stderr, r.stderr
    assert ":-1" not in r.stderr
