"""Integration test harness: every test gets a real `kizuna serve` process on a free
loopback port with its own fresh SQLite file, and real HTTP clients (requests).

    def test_something(server):
        r = server.admin.post("/contacts", {...})
        assert r.status_code == 201, r.text

The server runs with --test-clock (POST /api/v1/test/clock moves time) and a one-second
scheduler. At teardown it is stopped with SIGTERM and must exit 0.
"""
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
KIZUNA = os.environ.get("KIZUNA_BIN", str(ROOT / "build" / "kizuna"))
# shared/ sits beside the clone (CI, /work/main); a worktree one level deeper finds it
# further up, or KIZUNA_SHARED names it.
SHARED = Path(os.environ.get("KIZUNA_SHARED") or next(
    (p / "shared" for p in ROOT.parents if (p / "shared" / "reference").is_dir()), ROOT.parent / "shared"))
# A clone found without shared/ (someone who found the repository) skips, saying why, the
# tests that read the reference data; with shared/ present they run.
NO_SHARED = (f"no shared/reference at {SHARED / 'reference'} (put shared/ beside the clone, "
             "or name it with KIZUNA_SHARED=DIR)")
needs_shared = pytest.mark.skipif(not (SHARED / "reference").is_dir(), reason=NO_SHARED)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, check, timeout=60, every=0.2):
    """Polls check() until it returns something true and returns that; fails naming what
    was awaited (the scheduler of a test server runs every second)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def run_kizuna(*args, check=True, env=None, input=None):
    """Runs the kizuna binary; returns the CompletedProcess (text mode)."""
    return subprocess.run([KIZUNA, *map(str, args)], capture_output=True, text=True,
                          check=check, env=env, input=input, timeout=300)


def stderr_on_a_terminal(args, first, rest, pause=0.5):
    """Runs kizuna with stderr on a pseudo-terminal and stdin from a pipe that gets
    `first`, then nothing for `pause` seconds, then `rest` (so a progress line, drawn
    100 ms after the start at the earliest, is due while the command still runs, however
    fast the machine). Returns (exit status, everything the terminal was sent)."""
    import pty
    import select
    master, slave = pty.openpty()
    p = subprocess.Popen([KIZUNA, *map(str, args)], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                         stderr=slave)
    os.close(slave)
    p.stdin.write(first)
    p.stdin.flush()
    time.sleep(pause)
    p.stdin.write(rest)
    p.stdin.close()
    seen = b""
    while select.select([master], [], [], 30)[0]:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the other side closed
            break
        if not chunk:
            break
        seen += chunk
    status = p.wait(timeout=60)
    os.close(master)
    return status, seen


def wait_until_serving(base, proc, log_path=None, verify=True):
    """Waits (15 s at most) until the kizuna server process proc answers /health at base
    (over https with its certificate checked against verify: True or a CA file)."""
    deadline = time.time() + 15
    while time.time() < deadline:
        try:
            if requests.get(f"{base}/api/v1/health", timeout=1, verify=verify).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"kizuna serve exited: {log_path.read_text() if log_path else proc.returncode}")
        time.sleep(0.05)
    raise RuntimeError("kizuna serve did not come up")


class Client:
    """An HTTP client for /api/v1 holding one API key (or none)."""

    def __init__(self, base, key=None, org=None, role=None, verify=True):
        self.base = base
        self.key = key
        self.org = org
        self.role = role
        self.s = requests.Session()
        self.s.verify = verify  # passed with each request too: REQUESTS_CA_BUNDLE beats a session's
        self.verify = verify
        if key:
            self.s.headers["Authorization"] = f"Bearer {key}"

    def url(self, path):
        if path.startswith("http"):
            return path
        if path.startswith("/api/") or path.startswith("/taxii2/"):
            return f"{self.base}{path}"
        return f"{self.base}/api/v1{path}"

    def get(self, path, params=None, **kw):
        return self.s.get(self.url(path), params=params, timeout=30, verify=kw.pop("verify", self.verify), **kw)

    def post(self, path, body=None, **kw):
        if body is not None:
            kw["json"] = body
        timeout = kw.pop("timeout", 30)
        return self.s.post(self.url(path), timeout=timeout, verify=kw.pop("verify", self.verify), **kw)

    def patch(self, path, body, **kw):
        return self.s.patch(self.url(path), json=body, timeout=30, verify=kw.pop("verify", self.verify), **kw)

    def delete(self, path, **kw):
        return self.s.delete(self.url(path), timeout=30, verify=kw.pop("verify", self.verify), **kw)


class Server:
    """A kizuna server process with a fresh database under tmp. tls=(cert, key, ca):
    serves HTTPS with the PEM files cert and key, clients checking it against ca."""

    def __init__(self, tmp, extra_args=(), env=None, org_name="Test node operator", state="JP", tls=None):
        self.tmp = Path(tmp)
        self.db = self.tmp / "kizuna.db"
        out = run_kizuna("init", "--db", self.db, "--org-name", org_name, "--state", state)
        self.admin_key = out.stdout.strip().splitlines()[-1]
        self.port = free_port()
        self.base = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.verify = (str(tls[2]) if tls[2] else False) if tls else True
        tls_args = ["--tls-cert", str(tls[0]), "--tls-key", str(tls[1])] if tls else []
        self.log_path = self.tmp / "server.log"
        self.env = dict(os.environ, **(env or {}))
        self.args = ["serve", "--db", str(self.db), "--listen", f"127.0.0.1:{self.port}",
                     "--test-clock", "--scheduler-interval", "1", *tls_args, *extra_args]
        self.start()
        self.admin = Client(self.base, self.admin_key, role="admin", verify=self.verify)
        self.admin.org = self.admin.get("/node").json()["organization"]
        self.anon = Client(self.base, verify=self.verify)

    def start(self):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([KIZUNA, *self.args], stdout=self.log, stderr=self.log, env=self.env)
        wait_until_serving(self.base, self.proc, self.log_path, self.verify)

    def stop(self, sig=signal.SIGTERM):
        """Stops the server; returns its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode

    def sanitizer_reports(self):
        """The AddressSanitizer/UndefinedBehaviorSanitizer reports in the server's log (a
        server built with them, as `make sanitize` runs it); none from a plain build."""
        text = self.log_path.read_text(errors="replace")
        return [line for line in text.splitlines()
                if "ERROR: AddressSanitizer" in line or "ERROR: LeakSanitizer" in line
                or ": runtime error: " in line]

    def log_events(self):
        """The server's JSON log lines, parsed."""
        out = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            line = line.strip()
            if line.startswith("{"):
                out.append(json.loads(line))
        return out

    def advance(self, seconds):
        """Moves the server's clock forward (and wakes its scheduler)."""
        r = self.admin.post("/test/clock", {"advance_seconds": int(seconds)})
        assert r.status_code == 200, r.text
        return r.json()

    # builders -------------------------------------------------------------------

    def org(self, name="Test CSIRT", state="JP", kind="national-csirt", **kw):
        r = self.admin.post("/organizations", {"name": name, "state": state, "kind": kind, **kw})
        assert r.status_code == 201, r.text
        return r.json()

    def client(self, org_id, role="analyst"):
        """A new API key of the given organization and role, as a Client."""
        r = self.admin.post("/keys", {"organization": org_id, "role": role})
        assert r.status_code == 201, r.text
        return Client(self.base, r.json()["key"], org=org_id, role=role, verify=self.verify)

    def contact(self, org_id, full_name="Test Person", role="csirt", client=None, **kw):
        body = {"organization": org_id, "full_name": full_name, "role": role,
                "email": kw.pop("email", "poc@csirt.jp.example"), **kw}
        r = (client or self.admin).post("/contacts", body)
        assert r.status_code == 201, r.text
        return r.json()


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path)
    yield s
    assert s.stop() == 0, "the server must exit 0 on SIGTERM"
    assert s.sanitizer_reports() == []


@pytest.fixture
def make_server(tmp_path):
    """For tests that need special server options: make_server(extra_args=[...])."""
    made = []

    def make(extra_args=(), env=None, sub="s"):
        d = tmp_path / f"{sub}{len(made)}"
        d.mkdir()
        s = Server(d, extra_args, env)
        made.append(s)
        return s

    yield make
    for s in made:
        s.stop()
    for s in made:
        assert s.sanitizer_reports() == [], s.log_path.read_text(errors="replace")[-4000:]


@pytest.fixture
def federation(tmp_path):
    """Three nodes on loopback ports, each with its own database, that pull from their
    peers only when asked (--peer-sync 0): federation.jp, .cz, .sg. peer(a, b) makes a
    peer of b (pinned by b's fingerprint); pair(a, b) both ways; sync(a, b) pulls at a
    what waits at b."""
    class Federation:
        def __init__(self):
            self.nodes = {}
            for name, org, state in (("jp", "NISC Japan", "JP"), ("cz", "NUKIB Czechia", "CZ"),
                                     ("sg", "CSA Singapore", "SG")):
                d = tmp_path / name
                d.mkdir()
                self.nodes[name] = Server(d, ["--peer-sync", "0"], org_name=org, state=state)
            self.peer_ids = {}

        def __getattr__(self, name):
            if name in ("jp", "cz", "sg"):
                return self.nodes[name]
            raise AttributeError(name)

        def fingerprint(self, s):
            return s.admin.get("/node").json()["signing_key"]["fingerprint"]

        def peer(self, a, b):
            r = a.admin.post("/peers", {"url": b.base, "fingerprint": self.fingerprint(b)})
            assert r.status_code == 201, r.text
            self.peer_ids[(a.base, b.base)] = r.json()["id"]
            return r.json()

        def pair(self, a, b):
            self.peer(a, b)
            self.peer(b, a)

        def sync(self, a, b):
            # a whole pull answered in one request: 60,000 indicators take 12 s under the
            # sanitizers and passed 30 s on a machine at load 9; the answer, not the clock, is tested
            r = a.admin.post(f"/peers/{self.peer_ids[(a.base, b.base)]}/sync", timeout=300)
            assert r.status_code == 200, r.text
            return r.json()

    f = Federation()
    yield f
    for s in f.nodes.values():
        assert s.stop() == 0, "the server must exit 0 on SIGTERM"


class Mailbox:
    """A real SMTP server (aiosmtpd) on a free loopback port that keeps every message it
    accepts. `refuse` makes it answer the next RCPT with an SMTP error instead:
    mailbox.refuse = ["451 4.3.0 try again later"] * 2 fails twice, then accepts."""

    def __init__(self, port=None):
        from aiosmtpd.controller import Controller
        import threading
        self.messages = []         # email.message.EmailMessage, in arrival order
        self.refuse = []
        self.refused = 0
        self.lock = threading.Lock()
        self.port = port or free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        self.url = f"smtp://127.0.0.1:{self.port}"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            if self.refuse:
                self.refused += 1
                return self.refuse.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import email
        import email.policy
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        msg.envelope_to = list(envelope.rcpt_tos)
        msg.raw = envelope.content
        with self.lock:
            self.messages.append(msg)
        return "250 Message accepted for delivery"

    def wait(self, n, timeout=15):
        """Waits until at least n messages arrived; returns them all."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.messages) >= n:
                    return list(self.messages)
            time.sleep(0.05)
        raise AssertionError(f"expected {n} messages, got {len(self.messages)}: "
                             f"{[m['Subject'] for m in self.messages]}")

    def to(self, address):
        with self.lock:
            return [m for m in self.messages if address in m.envelope_to]

    def stop(self):
        self.controller.stop()


@pytest.fixture
def mailbox():
    m = Mailbox()
    yield m
    m.stop()


@pytest.fixture
def mail_server(tmp_path, mailbox):
    """A server that delivers its notices to `mailbox`."""
    s = Server(tmp_path, ["--smtp-url", mailbox.url, "--smtp-from", "kizuna@node.jp.example",
                          "--public-url", "https://kizuna.jp.example/"])
    yield s
    assert s.stop() == 0, "the server must exit 0 on SIGTERM"
    assert s.sanitizer_reports() == []


def assert_error(r, status, field=None, code=None):
    """Checks a JSON error reply: status, and the field it names."""
    assert r.status_code == status, f"{r.status_code} {r.text}"
    body = r.json()
    assert "error" in body and body["error"]["message"], body
    if field is not None:
        assert body["error"]["field"] == field, body
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]
