"""Slow clients (issue 11, point 14): connections that trickle a request byte by byte are
closed when their request deadline passes, however steadily they send; one client address
holds at most --per-address-connections; another client is still answered meanwhile; the
log says which limit bit, without addresses."""
import select
import socket
import time

import requests

from conftest import run_kizuna

TRICKLERS = 30       # header tricklers, all from 127.0.0.2
BODY_TRICKLERS = 2   # complete headers, body one byte at a time, from 127.0.0.3
PER_ADDRESS = 8
TIMEOUT_S = 4
GUARD_ARGS = ["--request-timeout", str(TIMEOUT_S), "--per-address-connections", str(PER_ADDRESS),
              "--max-connections", "64"]


def trickler(port, source, first):
    s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
    s.sendall(first)
    return s


def closed_by_server(s):
    """True once the server has closed s (end of stream or reset); never blocks."""
    if not select.select([s], [], [], 0)[0]:
        return False
    try:
        return s.recv(4096) == b""
    except OSError:
        return True


def trickle(socks, open_socks):
    """Sends one more byte on every socket still open; drops those the server closed."""
    for s in list(open_socks):
        if closed_by_server(s):
            open_socks.discard(s)
            continue
        try:
            s.send(b"a")
        except OSError:
            open_socks.discard(s)


def test_tricklers_are_cut_off_and_others_still_served(make_server):
    server = make_server(GUARD_ARGS)
    port = server.port
    head = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
    body_head = (b"POST /api/v1/contacts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 100000\r\n\r\n")
    socks = [trickler(port, "127.0.0.2", head) for _ in range(TRICKLERS)]
    body_socks = [trickler(port, "127.0.0.3", body_head) for _ in range(BODY_TRICKLERS)]
    open_socks = set(socks + body_socks)
    try:
        # The address over its limit loses its surplus connections at once...
        deadline = time.time() + 20
        while time.time() < deadline and len(open_socks & set(socks)) > PER_ADDRESS:
            trickle(socks, open_socks)
            time.sleep(0.2)
        assert len(open_socks & set(socks)) <= PER_ADDRESS
        # ...and while its connections trickle, another client is answered.
        assert len(open_socks) > 0
        r = requests.get(f"{server.base}/api/v1/health", timeout=10)
        assert r.status_code == 200
        assert server.admin.get("/node").status_code == 200
        # Steady bytes do not keep a request alive past its deadline.
        deadline = time.time() + 30
        while open_socks and time.time() < deadline:
            trickle(socks, open_socks)
            time.sleep(0.3)
        assert not open_socks, f"{len(open_socks)} trickling connections outlived the request deadline"
    finally:
        for s in socks + body_socks:
            s.close()
    # The log names the limits that bit, and no client address.
    deadline = time.time() + 10
    while time.time() < deadline:
        bitten = [e for e in server.log_events() if e["event"] == "http.limit"]
        if {"per_address_connections", "request_timeout"} <= {e["limit"] for e in bitten}:
            break
        time.sleep(0.2)
    by_limit = {e["limit"]: e for e in bitten}
    assert by_limit["per_address_connections"]["flag"] == "per-address-connections"
    assert by_limit["per_address_connections"]["value"] == PER_ADDRESS
    assert by_limit["request_timeout"]["value"] == TIMEOUT_S
    assert sum(e["connections"] for e in bitten if e["limit"] == "request_timeout") >= 1 + BODY_TRICKLERS
    assert sum(e["connections"] for e in bitten if e["limit"] == "per_address_connections") \
        >= TRICKLERS - PER_ADDRESS
    assert "127.0.0." not in server.log_path.read_text().replace("127.0.0.1:", "")
    assert server.stop() == 0


def test_a_request_in_time_is_unaffected_by_the_deadline(make_server):
    """A keep-alive connection that sends each request whole is served across many
    deadlines' worth of time: the deadline runs per request, from when it may start."""
    server = make_server(GUARD_ARGS)
    s = requests.Session()
    for _ in range(3):
        assert s.get(f"{server.base}/api/v1/health", timeout=10).status_code == 200
        time.sleep(TIMEOUT_S / 4)
    assert server.stop() == 0


def test_limits_that_cannot_work_together_are_refused(tmp_path):
    r = run_kizuna("serve", "--db", tmp_path / "x.db", "--per-address-connections", "64",
                   "--max-connections", "64", check=False)
    assert r.returncode != 0
    assert "--per-address-connections (64) must be below --max-connections (64)" in r.stderr, r.stderr
    r = run_kizuna("serve", "--db", tmp_path / "x.db", "--request-timeout", "0", check=False)
    assert r.returncode == 2
    assert "request-timeout" in r.stderr


def test_the_total_limit_bites_and_is_logged(make_server):
    """Three addresses within their own limit still cannot take more than
    --max-connections places in all; the refusals are logged as the `connections` limit."""
    server = make_server(["--request-timeout", "30", "--per-address-connections", "4", "--max-connections", "8"])
    head = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    socks = [trickler(server.port, f"127.0.0.{a}", head) for a in (2, 3, 4) for _ in range(4)]
    try:
        open_socks = set(socks)
        deadline = time.time() + 20
        while time.time() < deadline and len(open_socks) > 8:
            trickle(socks, open_socks)
            time.sleep(0.2)
        assert len(open_socks) <= 8
        deadline = time.time() + 10
        while time.time() < deadline:
            bitten = [e for e in server.log_events() if e["event"] == "http.limit" and e["limit"] == "connections"]
            if bitten:
                break
            time.sleep(0.2)
        assert bitten and bitten[0]["flag"] == "max-connections" and bitten[0]["value"] == 8
        assert sum(e["connections"] for e in bitten) >= 4
    finally:
        for s in socks:
            s.close()
    assert server.stop() == 0
