"""The web interface's files served by `kizuna serve` (issue 13, point 1): web/ at /,
Content-Type by extension, ETag and 304, index.html for every other GET path outside
the API, npm packages of the allow-list under /vendor/, nothing outside the roots, and
the security headers on every answer."""
import http.client
import os

import pytest
import requests

STRICT_CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"


@pytest.fixture
def site(tmp_path, make_server):
    web = tmp_path / "web"
    (web / "js").mkdir(parents=True)
    (web / "i18n").mkdir()
    (web / "img").mkdir()
    (web / "index.html").write_text("<!doctype html><title>UI</title><script type=module src=/js/app.js></script>")
    (web / "js" / "app.js").write_text("export const ui = 1;\n")
    (web / "js" / "lib.mjs").write_text("export default 2;\n")
    (web / "style.css").write_text("body{margin:0}\n")
    (web / "i18n" / "en.json").write_text('{"sign_in": "Sign in"}\n')
    (web / "img" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>\n")
    (web / "img" / "dot.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 8)
    (web / "font.woff2").write_bytes(b"wOF2" + b"\0" * 8)
    (web / ".secret").write_text("hidden\n")
    (tmp_path / "outside.txt").write_text("outside the web root\n")
    os.symlink(tmp_path / "outside.txt", web / "escape.txt")
    vendor = tmp_path / "node_modules"
    (vendor / "preact" / "dist").mkdir(parents=True)
    (vendor / "preact" / "dist" / "preact.module.js").write_text("export function h(){}\n")
    (vendor / "htm" / "dist").mkdir(parents=True)
    (vendor / "htm" / "dist" / "htm.module.js").write_text("export default function(){}\n")
    (vendor / "left-pad").mkdir()
    (vendor / "left-pad" / "index.js").write_text("module.exports = 1;\n")
    s = make_server(extra_args=["--web-root", str(web), "--vendor-root", str(vendor)])
    s.web = web
    return s


def get(s, path, **kw):
    return requests.get(s.base + path, timeout=10, **kw)


def raw_get(s, path):
    """A GET with the path sent exactly as written (no client-side normalisation)."""
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
    c.putrequest("GET", path, skip_accept_encoding=True)
    c.endheaders()
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body


@pytest.mark.parametrize("path, media_type", [
    ("/", "text/html; charset=utf-8"),
    ("/index.html", "text/html; charset=utf-8"),
    ("/js/app.js", "text/javascript; charset=utf-8"),
    ("/js/lib.mjs", "text/javascript; charset=utf-8"),
    ("/style.css", "text/css; charset=utf-8"),
    ("/i18n/en.json", "application/json"),
    ("/img/logo.svg", "image/svg+xml"),
    ("/img/dot.png", "image/png"),
    ("/font.woff2", "font/woff2"),
])
def test_files_are_served_with_their_media_type(site, path, media_type):
    r = get(site, path)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == media_type
    want = "index.html" if path == "/" else path.lstrip("/")
    assert r.content == (site.web / want).read_bytes()


def test_etag_revalidation_answers_304_until_the_file_changes(site):
    r = get(site, "/js/app.js")
    etag = r.headers["ETag"]
    assert r.headers["Cache-Control"] == "no-cache"
    again = get(site, "/js/app.js", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    (site.web / "js" / "app.js").write_text("export const ui = 22;\n")
    changed = get(site, "/js/app.js", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.text == "export const ui = 22;\n"
    assert changed.headers["ETag"] != etag


@pytest.mark.parametrize("path", ["/requests/0191-abc", "/directory?state=JP&cursor=x", "/admin/users", "/js"])
def test_every_other_path_of_the_ui_answers_index_html(site, path):
    r = get(site, path)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.content == (site.web / "index.html").read_bytes()


def test_api_paths_never_fall_back_to_the_ui(site):
    assert get(site, "/api/v1/no-such-thing").status_code == 404
    assert get(site, "/api/v1/no-such-thing").json()["error"]["code"] == "not_found"
    assert get(site, "/api").status_code == 404
    assert get(site, "/taxii2/nothing").status_code in (401, 404)
    # and writes to UI paths are not files
    assert requests.post(site.base + "/index.html", timeout=10).status_code == 404


@pytest.mark.parametrize("path", [
    "/../outside.txt", "/js/../../outside.txt", "/%2e%2e/outside.txt", "/js/%2e%2e/%2e%2e/outside.txt",
    "/.secret", "/escape.txt", "/vendor/preact/../../outside.txt", "/vendor/preact/%2e%2e/left-pad/index.js",
    "/vendor/left-pad/index.js", "/vendor/preact/", "/vendor/preact/dist", "/vendor/preact/dist/",
])
def test_nothing_outside_the_roots_and_no_directory_listing(site, path):
    status, body = raw_get(site, path)
    assert b"outside the web root" not in body and b"hidden" not in body and b"module.exports" not in body
    assert b"preact.module.js" not in body  # no listing of the directory
    assert status == 404 or body == (site.web / "index.html").read_bytes(), (status, body)


def test_allowed_npm_packages_are_served_under_vendor(site):
    r = get(site, "/vendor/preact/dist/preact.module.js")
    assert r.status_code == 200 and r.text == "export function h(){}\n"
    assert r.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert get(site, "/vendor/htm/dist/htm.module.js").status_code == 200
    assert get(site, "/vendor/preact/dist/missing.js").status_code == 404


def test_the_repository_serves_its_installed_preact_and_htm(server):
    """The default roots: web/ and node_modules/ of the source tree (npm install)."""
    r = get(server, "/vendor/preact/dist/preact.module.js")
    assert r.status_code == 200 and b"export" in r.content
    assert get(server, "/vendor/htm/dist/htm.module.js").status_code == 200
    assert get(server, "/vendor/preact/hooks/dist/hooks.module.js").status_code == 200
    assert get(server, "/").headers["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize("path", ["/", "/js/app.js", "/api/v1/health", "/api/v1/contacts", "/nowhere/..."])
def test_security_headers_on_every_answer(site, path):
    r = get(site, path)
    assert r.headers["Content-Security-Policy"] == STRICT_CSP
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"


def test_head_answers_headers_without_body(site):
    r = requests.head(site.base + "/js/app.js", timeout=10)
    assert r.status_code == 200 and r.content == b""
    assert r.headers["Content-Type"] == "text/javascript; charset=utf-8"


def test_the_api_pages_with_inline_style_get_a_policy_without_script(server):
    """The check answer page renders its own inline style: it gets default-src 'none'
    with only inline style allowed (no script at all), and is still not framable."""
    org = server.org()
    contact = server.contact(org["id"])
    r = server.admin.post("/checks", {"contacts": [contact["id"]]})
    url = r.json()["contacts"][0]["answer_url"]
    page = requests.get(server.base + "/api/v1/checks/answer/" + url.rsplit("/", 1)[1], timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "style-src 'unsafe-inline'" in csp and "script" not in csp
    assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
