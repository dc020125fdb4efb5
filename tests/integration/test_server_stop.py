"""Stopping a loaded server (issue 11, point 12): SIGTERM while clients keep sending must
end in exit 0 every time. libmicrohttpd's quiesce with a thread pool on epoll used to race
its workers over the listen socket and abort ("Failed to remove listen FD from epoll set",
exit -6) now and then; a few hundred stops under load catch such a race."""
import json
import signal
import socket
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor

from conftest import KIZUNA, free_port, run_kizuna, wait_for, wait_until_serving

LANES = 4            # servers stopped side by side
CYCLES = 75          # starts and stops per lane: 300 in all
LOADERS = 12         # client threads hammering each server
REQUEST = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def hammer(port, answered, stop):
    """Sends health requests on keep-alive connections until stop is set, reconnecting
    whenever the server closes; counts the answers."""
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                while not stop.is_set():
                    s.sendall(REQUEST)
                    if not s.recv(65536):
                        break
                    answered.release()
        except OSError:
            pass


def one_cycle(db, log):
    """Starts a server, loads it, SIGTERMs it while the load goes on; its exit status."""
    port = free_port()
    proc = subprocess.Popen([KIZUNA, "serve", "--db", str(db), "--listen", f"127.0.0.1:{port}",
                             "--threads", "16", "--grace", "5"], stdout=log, stderr=log)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", proc)
    except RuntimeError:
        proc.kill()
        proc.wait()
        raise
    answered, stop = threading.Semaphore(0), threading.Event()
    loaders = [threading.Thread(target=hammer, args=(port, answered, stop)) for _ in range(LOADERS)]
    for t in loaders:
        t.start()
    for _ in range(20):  # the server is busy answering when the signal comes
        answered.acquire(timeout=5)
    proc.send_signal(signal.SIGTERM)
    try:
        status = proc.wait(timeout=30)
    finally:
        stop.set()
        for t in loaders:
            t.join()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return status


def lane(tmp, n):
    db = tmp / f"lane{n}.db"
    run_kizuna("init", "--db", db, "--org-name", f"Lane {n}", "--state", "JP")
    statuses = []
    with open(tmp / f"lane{n}.log", "ab") as log:
        for _ in range(CYCLES):
            statuses.append(one_cycle(db, log))
    return statuses


def test_a_loaded_server_stops_cleanly_every_time(tmp_path):
    with ThreadPoolExecutor(LANES) as pool:
        statuses = [s for lane_statuses in pool.map(lambda n: lane(tmp_path, n), range(LANES))
                    for s in lane_statuses]
    assert len(statuses) == LANES * CYCLES
    bad = [s for s in statuses if s != 0]
    logs = "".join((tmp_path / f"lane{n}.log").read_text(errors="replace") for n in range(LANES))
    assert not bad, f"{len(bad)} of {len(statuses)} stops did not exit 0: {bad[:10]}\n" + \
        "\n".join(line for line in logs.splitlines() if "Fatal" in line or "daemon.c" in line)[:2000]
    assert "Fatal error in GNU libmicrohttpd" not in logs
    # Each stop ran to its end and let what was in flight finish.
    stopped = [json.loads(line) for line in logs.splitlines() if '"http.stopped"' in line]
    assert len(stopped) == LANES * CYCLES
    assert all(e["unfinished"] == 0 for e in stopped), [e for e in stopped if e["unfinished"]][:5]
    # A request that came on a kept-alive connection after the last one finished is
    # closed unanswered, and counted (the race that once logged it as unfinished).
    assert all(e["closed_late"] >= 0 for e in stopped)


def read_answer(sock):
    """One HTTP answer from sock: (status line, headers lower-cased, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed after {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    headers = dict((k.strip().lower(), v.strip()) for k, v in (h.split(":", 1) for h in lines[1:]))
    while len(body) < int(headers.get("content-length", 0)):
        chunk = sock.recv(65536)
        assert chunk, "the connection closed in the middle of a body"
        body += chunk
    return lines[0], headers, body


def refused(port):
    """Whether a new connection is turned away unanswered (the server is stopping)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(REQUEST)
            return not s.recv(65536)
    except OSError:
        return True


def test_a_stop_lets_a_request_in_flight_finish_and_tells_kept_connections_to_close(tmp_path):
    """While a request is in flight, a stopping server still answers the requests of
    connections it had accepted, telling each client to close; once the last finishes it
    exits 0 with nothing cut off and nothing closed unanswered."""
    db = tmp_path / "n.db"
    run_kizuna("init", "--db", db, "--org-name", "Stop", "--state", "JP")
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([KIZUNA, "serve", "--db", str(db), "--listen", f"127.0.0.1:{port}",
                                 "--grace", "60"], stdout=out, stderr=out)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", proc)
        kept = socket.create_connection(("127.0.0.1", port), timeout=30)
        kept.sendall(REQUEST)
        status, headers, _ = read_answer(kept)
        assert status.endswith("200 OK") and headers.get("connection") != "close"
        # A request whose body has not come yet: in flight from its 100 Continue on.
        slow = socket.create_connection(("127.0.0.1", port), timeout=30)
        slow.sendall(b"POST /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 2\r\nExpect: 100-continue\r\n\r\n")
        assert slow.recv(65536).startswith(b"HTTP/1.1 100")
        proc.send_signal(signal.SIGTERM)
        wait_for("the stopping server to refuse new connections", lambda: refused(port), timeout=30)
        kept.sendall(REQUEST)
        status, headers, body = read_answer(kept)
        assert status.endswith("200 OK") and json.loads(body)["status"] == "ok"
        assert headers["connection"] == "close"
        assert proc.poll() is None  # it waits for the slow request
        slow.sendall(b"{}")
        status, _, _ = read_answer(slow)
        assert status.startswith("HTTP/1.1 ") and not status.startswith("HTTP/1.1 100")
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stopped = [json.loads(line) for line in log.read_text().splitlines() if '"http.stopped"' in line]
    assert [(e["unfinished"], e["closed_late"]) for e in stopped] == [(0, 0)]


def test_the_server_never_quiesces():
    """The race is too rare to be caught every run (the binary from before the fix did
    not abort in 2,400 loaded stops here), so this also checks its cause is gone: with a
    thread pool on epoll, MHD_quiesce_daemon removes the listen socket from the workers'
    epoll sets while they may do the same. The server must not call it at all.
    libmicrohttpd is opened by dlopen (util/dynlib.c), so the functions the server may
    call are the names in its table, strings of the binary, not dynamic imports."""
    binary = open(KIZUNA, "rb").read()
    assert b"MHD_stop_daemon\0" in binary  # the check reads the right table
    assert b"MHD_quiesce_daemon" not in binary
