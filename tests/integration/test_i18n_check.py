"""scripts/check-i18n, run on a copy of web/ with one defect planted at a time: each
defect is reported (exit 1, naming the file and the key or line); the real tree passes."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(tree):
    return subprocess.run(["/usr/bin/python3", str(tree / "scripts" / "check-i18n")], capture_output=True, text=True, timeout=60)


@pytest.fixture
def tree(tmp_path):
    shutil.copytree(ROOT / "web", tmp_path / "web")
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "check-i18n", tmp_path / "scripts" / "check-i18n")
    return tmp_path


def edit_catalogue(tree, lang, fn):
    path = tree / "web" / "i18n" / f"{lang}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    fn(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_the_repository_catalogues_and_code_agree():
    r = run(ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "check-i18n: ok" in r.stdout


def test_a_key_missing_from_the_japanese_catalogue_fails(tree):
    edit_catalogue(tree, "ja", lambda d: d.pop("signin.password"))
    r = run(tree)
    assert r.returncode == 1
    assert "ja.json: missing key signin.password" in r.stdout
    assert "key signin.password is in no catalogue" in r.stdout  # the code still uses it


def test_an_extra_key_in_one_catalogue_fails(tree):
    edit_catalogue(tree, "ja", lambda d: d.update({"only.in.ja": "日本語だけ"}))
    r = run(tree)
    assert r.returncode == 1 and "missing key only.in.ja (extra in ja.json)" in r.stdout


def test_differing_placeholders_fail(tree):
    edit_catalogue(tree, "ja", lambda d: d.update({"error.slow_down": d["error.slow_down"].replace("{seconds}", "{entity_type}}")}))
    r = run(tree)
    assert r.returncode == 1
    assert "error.slow_down: placeholders differ" in r.stdout
    assert "error.slow_down: unbalanced braces" in r.stdout


def test_the_plain_style_in_japanese_fails(tree):
    edit_catalogue(tree, "ja", lambda d: d.update({"list.empty": "該当するものはない。これは一覧である"}))
    r = run(tree)
    assert r.returncode == 1 and "list.empty: use です/ます" in r.stdout


def test_a_string_literal_in_a_template_fails(tree):
    path = tree / "web" / "js" / "views" / "notfound.js"
    src = path.read_text(encoding="utf-8")
    path.write_text(src.replace('<p>${t("notfound.text")}</p>', "<p>There is no such page</p>"), encoding="utf-8")
    r = run(tree)
    assert r.returncode == 1
    assert "web/js/views/notfound.js" in r.stdout and "'There is no such page'" in r.stdout


def test_a_literal_accessible_name_fails(tree):
    path = tree / "web" / "js" / "ui.js"
    src = path.read_text(encoding="utf-8")
    assert 'aria-label=${t("list.pages")}' in src
    path.write_text(src.replace('aria-label=${t("list.pages")}', 'aria-label="Pages"'), encoding="utf-8")
    r = run(tree)
    assert r.returncode == 1 and "literal aria-label='Pages'" in r.stdout


def test_a_key_the_code_uses_but_no_catalogue_has_fails(tree):
    path = tree / "web" / "js" / "views" / "notfound.js"
    src = path.read_text(encoding="utf-8")
    path.write_text(src.replace('t("notfound.text")', 't("notfound.txet")'), encoding="utf-8")
    r = run(tree)
    assert r.returncode == 1 and "key notfound.txet is in no catalogue" in r.stdout
