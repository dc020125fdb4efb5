"""GET /health, the states reference data, and the process: version, --help, shutdown."""
import signal
import threading
import time

import requests

from conftest import KIZUNA, run_kizuna


def test_health_needs_no_key(server):
    r = server.anon.get("/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    assert r.json()["version"]
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.headers["X-Request-Id"]


def test_states_are_the_full_iso_list(server):
    r = server.admin.get("/states")
    assert r.status_code == 200
    codes = {s["code"] for s in r.json()["items"]}
    assert len(codes) >= 249
    assert {"JP", "SG", "CZ", "FR", "IN", "KR", "US", "VN", "AU"} <= codes
    assert server.admin.get("/states/JP").json()["name"] == "Japan"
    assert server.admin.get("/states/XX").status_code == 404


def test_unknown_path_and_wrong_method(server):
    r = server.admin.get("/nothing-here")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = server.admin.s.put(server.admin.url("/contacts"), json={})
    assert r.status_code == 405
    assert "GET" in r.headers["Allow"] and "POST" in r.headers["Allow"]


def test_version_and_help_on_every_subcommand():
    assert run_kizuna("version").stdout.startswith("kizuna ")
    usage = run_kizuna("--help").stdout
    commands = [line.split()[0] for line in usage.split("Commands:")[1].split("\n\n")[0].splitlines() if line.strip()]
    assert {"init", "serve", "version"} <= set(commands)
    for cmd in ["init", "serve", "demo", "audit verify", "routes", "version"]:
        out = run_kizuna(*cmd.split(), "--help").stdout
        assert out.startswith(f"Usage: kizuna {cmd}"), out
        assert "--help" in out


def test_unknown_option_is_a_usage_error():
    r = run_kizuna("serve", "--nope", check=False)
    assert r.returncode == 2
    assert "unknown option --nope" in r.stderr


def test_settings_come_from_environment(tmp_path):
    import os
    env = dict(os.environ, KIZUNA_DB=str(tmp_path / "env.db"), KIZUNA_STATE="SG")
    out = run_kizuna("init", env=env)
    assert "(SG)" in out.stdout
    assert (tmp_path / "env.db").exists()


import pytest


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stop_signals_let_inflight_requests_finish(server, sig):
    # a slow request: a large body trickled in while the server is told to stop
    results = {}

    def slow_post():
        def body():
            yield b'{"name": "Slow CSIRT", "state": "JP", '
            time.sleep(1.0)
            yield b'"kind": "national-csirt"}'
        try:
            r = requests.post(server.admin.url("/organizations"), data=body(),
                              headers={"Authorization": f"Bearer {server.admin_key}",
                                       "Content-Type": "application/json"}, timeout=30)
            results["status"] = r.status_code
        except Exception as e:  # pragma: no cover - reported below
            results["error"] = repr(e)

    t = threading.Thread(target=slow_post)
    t.start()
    time.sleep(0.4)
    server.proc.send_signal(sig)
    t.join(timeout=30)
    assert server.proc.wait(timeout=30) == 0
    assert results.get("status") == 201, results


def test_logs_are_json_lines_without_secrets(server):
    org = server.org()
    c = server.client(org["id"], "analyst")
    check_contact = server.contact(org["id"])
    r = server.admin.post("/checks", {"contacts": [check_contact["id"]]})
    token = r.json()["contacts"][0]["answer_url"].rsplit("/", 1)[1]
    server.anon.post(f"/checks/answer/{token}")
    c.get("/contacts")
    server.stop()
    text = server.log_path.read_text()
    events = server.log_events()
    assert any(e["event"] == "http.request" for e in events)
    assert all({"ts", "level", "event"} <= set(e) for e in events)
    assert server.admin_key not in text and c.key not in text and token not in text
    assert "poc@csirt.jp.example" not in text


def test_every_command_is_in_the_man_page_and_every_route_in_the_api_doc():
    from conftest import ROOT
    usage = run_kizuna("--help").stdout
    block = usage.split("Commands:")[1].split("\n\n")[0]
    commands = []
    for line in block.splitlines():
        words = line.split()
        # command names are the first one or two words before the summary's double space
        name = line.strip().split("  ")[0]
        if name:
            commands.append(name)
    man = (ROOT / "docs" / "man" / "kizuna.1").read_text()
    for name in commands:
        assert f".SS kizuna {name.replace('-', chr(92) + '-')}" in man, name
    api = (ROOT / "docs" / "API.md").read_text()
    for line in run_kizuna("routes").stdout.splitlines():
        method, pattern = line.split()[:2]
        short = pattern.replace("/api/v1", "")
        assert short in api or pattern in api, pattern
