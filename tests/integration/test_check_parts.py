"""scripts/check by parts: make unit / integration / sanitize each run the one part of
scripts/check (one piece of code serves both), an unknown part is refused by name, and
the sanitized integration run really talks to a server built with ASan + UBSan."""
import os
import subprocess

import pytest

from conftest import KIZUNA, ROOT, Server


def test_make_targets_run_their_part_of_scripts_check():
    for target in ("unit", "integration", "sanitize"):
        out = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert f"scripts/check {target}" in out.stdout.split("\n"), out.stdout


def test_make_check_runs_every_part_with_the_sanitized_integration_run():
    text = (ROOT / "scripts" / "check").read_text()
    assert 'ALL_PARTS="rules unit integration sanitize i18n e2e fuzz"' in text
    assert 'run_integration build-san/kizuna' in text


def test_an_unknown_part_is_refused_by_name():
    out = subprocess.run([str(ROOT / "scripts" / "check"), "unit", "nosuch"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "no part named 'nosuch'" in out.stderr
    assert "rules unit integration sanitize i18n e2e fuzz" in out.stderr
    assert "=== " not in out.stdout, "nothing runs when a part name is wrong"


@pytest.mark.skipif(os.environ.get("KIZUNA_SANITIZED") != "1", reason="only in the sanitized run (make sanitize)")
def test_the_sanitized_run_uses_a_sanitized_server():
    with open(KIZUNA, "rb") as f:
        binary = f.read()
    assert b"__asan_init" in binary, "built with -fsanitize=address"
    assert b"__ubsan_handle_" in binary, "built with -fsanitize=undefined"


def test_a_sanitizer_report_in_the_server_log_is_found(tmp_path):
    s = Server(tmp_path)
    assert s.stop() == 0
    assert s.sanitizer_reports() == []
    with open(s.log_path, "a") as f:
        f.write("==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x1\n"
                "src/x.c:3:5: runtime error: signed integer overflow\n")
    assert len(s.sanitizer_reports()) == 2
