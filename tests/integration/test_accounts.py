"""User accounts of the web interface (issue 13, point 2) against a real server: the
one-time link, sign-in and sign-out, the cookie, CSRF, the slow-down of failed
sign-ins, session expiry, the TOTP second factor with recovery codes, users CRUD for
admins only, and the CLI's `user add` / `user reset`."""
import base64
import hashlib
import hmac
import struct
import time
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from conftest import run_kizuna

PASSWORD = "correct horse battery"


def totp(secret_b32, at=None, step=30, digits=6):
    """RFC 6238 TOTP computed here, independently of the server's code."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((time.time() if at is None else at) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 10 ** digits
    return f"{code:0{digits}d}"


def server_now(server):
    """The server's clock (it runs ahead of ours once a test moved it)."""
    return time.time() + server.advance(0)["offset_seconds"]


def token_of(link):
    assert urlparse(link).path == "/set-password", link
    return parse_qs(urlparse(link).query)["token"][0]


class Browser:
    """A person at a browser: a cookie jar and the CSRF token the page would keep."""

    def __init__(self, server):
        self.server = server
        self.s = requests.Session()
        self.csrf = None

    def url(self, path):
        return f"{self.server.base}/api/v1{path}"

    def sign_in(self, email, password=PASSWORD, **extra):
        r = self.s.post(self.url("/session"), json={"email": email, "password": password, **extra}, timeout=30)
        if r.status_code == 200:
            self.csrf = r.json()["csrf"]
        return r

    def get(self, path, **kw):
        return self.s.get(self.url(path), timeout=30, **kw)

    def send(self, method, path, body=None, csrf=True):
        headers = {"X-CSRF-Token": self.csrf} if csrf and self.csrf else {}
        return self.s.request(method, self.url(path), json=body, headers=headers, timeout=30)


def new_user(server, email, org=None, role="analyst", password=PASSWORD, **kw):
    """A user created by the admin key with its password set through the link."""
    body = {"email": email, "name": kw.pop("name", "Aiko Tanaka"), "organization": org or server.admin.org,
            "role": role, **kw}
    r = server.admin.post("/users", body)
    assert r.status_code == 201, r.text
    user = r.json()
    r = requests.post(f"{server.base}/api/v1/password",
                      json={"token": token_of(user["set_password_link"]), "password": password}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json() == {"email": email}
    return user


def audit_actions(server):
    r = server.admin.get("/audit", params={"limit": 1000})
    assert r.status_code == 200, r.text
    return [e["action"] for e in r.json()["items"]]


# ---- creating users and setting passwords -----------------------------------------

def test_create_user_answers_a_one_time_link_and_no_secret(server):
    r = server.admin.post("/users", {"email": "Aiko@CSIRT.example", "name": "Aiko", "organization": server.admin.org,
                                     "role": "analyst", "language": "ja", "time_zone": "Asia/Tokyo"})
    assert r.status_code == 201, r.text
    u = r.json()
    assert u["email"] == "Aiko@CSIRT.example" and u["language"] == "ja" and u["time_zone"] == "Asia/Tokyo"
    assert u["role"] == "analyst" and u["totp_enabled"] is False and u["disabled"] is None
    assert u["set_password_link"].startswith(server.base + "/set-password?token=")
    assert "password_hash" not in u
    got = server.admin.get(f"/users/{u['id']}").json()
    assert "set_password_link" not in got and got["email"] == u["email"]
    # the e-mail address is unique whatever its case
    r = server.admin.post("/users", {"email": "aiko@csirt.example", "name": "Other", "organization": server.admin.org,
                                     "role": "viewer"})
    assert r.status_code == 409 and r.json()["error"]["field"] == "email"


def test_the_stored_secrets_are_hashes(server):
    import sqlite3
    u = new_user(server, "hash@csirt.example")
    b = Browser(server)
    assert b.sign_in("hash@csirt.example").status_code == 200
    cookie = b.s.cookies["kz_session"]
    db = sqlite3.connect(server.db)
    (pw,) = db.execute("SELECT password_hash FROM users WHERE id = ?", (u["id"],)).fetchone()
    assert pw.startswith("$argon2id$") and PASSWORD not in pw
    sessions = [row[0] for row in db.execute("SELECT token_hash FROM user_sessions")]
    assert len(sessions) == 1 and cookie not in sessions[0]
    assert hashlib.blake2b(cookie.encode(), digest_size=32).hexdigest() == sessions[0]
    db.close()


@pytest.mark.parametrize("body, field", [
    ({"email": "not-an-address", "name": "X", "role": "viewer"}, "email"),
    ({"email": "x@csirt.example", "name": "", "role": "viewer"}, "name"),
    ({"email": "x@csirt.example", "name": "X", "role": "boss"}, "role"),
    ({"email": "x@csirt.example", "name": "X", "role": "viewer", "language": "fr"}, "language"),
    ({"email": "x@csirt.example", "name": "X", "role": "viewer", "time_zone": "Mars/Olympus"}, "time_zone"),
    ({"email": "x@csirt.example", "name": "X", "role": "viewer", "time_zone": "../../etc/passwd"}, "time_zone"),
    ({"email": "x@csirt.example", "name": "X", "role": "viewer", "organization": "00000000-0000-4000-8000-000000000000"}, "organization"),
    ({"email": "x@csirt.example", "name": "X", "role": "viewer", "colour": "red"}, "colour"),
    ({"email": 7, "name": "X", "role": "viewer"}, "email"),
])
def test_bad_user_input_names_the_field_and_writes_nothing(server, body, field):
    body = {"organization": server.admin.org, **body}
    r = server.admin.post("/users", body)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["field"] == field
    assert server.admin.get("/users").json()["items"] == []


def test_admin_users_belong_to_the_node_operator(server):
    org = server.org("Foreign CSIRT", state="DE")
    r = server.admin.post("/users", {"email": "x@de.example", "name": "X", "organization": org["id"], "role": "admin"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "role"


def test_password_link_rules(server):
    r = server.admin.post("/users", {"email": "link@csirt.example", "name": "L", "organization": server.admin.org,
                                     "role": "viewer"})
    token = token_of(r.json()["set_password_link"])
    short = requests.post(f"{server.base}/api/v1/password", json={"token": token, "password": "short"}, timeout=30)
    assert short.status_code == 400 and short.json()["error"]["field"] == "password"
    missing = requests.post(f"{server.base}/api/v1/password", json={"token": token}, timeout=30)
    assert missing.status_code == 400 and missing.json()["error"]["field"] == "password"
    ok = requests.post(f"{server.base}/api/v1/password", json={"token": token, "password": PASSWORD}, timeout=30)
    assert ok.status_code == 200, ok.text
    again = requests.post(f"{server.base}/api/v1/password", json={"token": token, "password": PASSWORD + "x"},
                          timeout=30)
    assert again.status_code == 404 and again.json()["error"]["field"] == "token"
    assert Browser(server).sign_in("link@csirt.example").status_code == 200


def test_password_link_expires_after_24_hours(server):
    r = server.admin.post("/users", {"email": "late@csirt.example", "name": "L", "organization": server.admin.org,
                                     "role": "viewer"})
    token = token_of(r.json()["set_password_link"])
    server.advance(24 * 3600 + 1)
    r = requests.post(f"{server.base}/api/v1/password", json={"token": token, "password": PASSWORD}, timeout=30)
    assert r.status_code == 404 and r.json()["error"]["field"] == "token"


# ---- signing in and out -------------------------------------------------------------

def test_sign_in_sets_an_httponly_strict_cookie_and_answers_the_session(server):
    u = new_user(server, "aiko@csirt.example", language="ja", time_zone="Asia/Tokyo")
    b = Browser(server)
    r = b.sign_in("AIKO@csirt.example")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["user"] == {k: v for k, v in server.admin.get(f"/users/{u['id']}").json().items()}
    assert set(body["user"]) >= {"id", "email", "name", "organization", "role", "language", "time_zone", "totp_enabled"}
    assert body["csrf"] and body["expires_at"] and body["idle_expires_at"]
    cookie = r.headers["Set-Cookie"]
    parts = [p.strip() for p in cookie.split(";")]
    assert parts[0].startswith("kz_session=") and len(parts[0]) > len("kz_session=") + 40
    assert "HttpOnly" in parts and "SameSite=Strict" in parts and "Path=/" in parts
    assert "Secure" not in parts  # plain http here; see the TLS test below
    assert body["csrf"] not in cookie
    who = b.get("/session")
    assert who.status_code == 200 and who.json()["user"]["id"] == u["id"] and who.json()["csrf"] == body["csrf"]
    assert "session.create" in audit_actions(server)


def test_cookie_is_secure_when_served_over_https(make_server):
    s = make_server(extra_args=["--public-url", "https://kizuna.example"])
    new_user(s, "tls@csirt.example")
    r = Browser(s).sign_in("tls@csirt.example")
    assert r.status_code == 200
    assert "Secure" in [p.strip() for p in r.headers["Set-Cookie"].split(";")]


def test_wrong_password_and_unknown_email_answer_the_same(server):
    new_user(server, "aiko@csirt.example")
    wrong = Browser(server).sign_in("aiko@csirt.example", "wrong password 123")
    unknown = Browser(server).sign_in("nobody@csirt.example", "wrong password 123")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "unauthorized"
    assert "Set-Cookie" not in wrong.headers
    log = server.log_path.read_text()
    assert "wrong password 123" not in log
    assert audit_actions(server).count("session.signin_failed") == 2


def test_sign_out_ends_the_session_and_needs_csrf(server):
    new_user(server, "aiko@csirt.example")
    b = Browser(server)
    b.sign_in("aiko@csirt.example")
    refused = b.send("DELETE", "/session", csrf=False)
    assert refused.status_code == 403 and refused.json()["error"]["field"] == "X-CSRF-Token"
    assert b.get("/session").status_code == 200
    out = b.send("DELETE", "/session")
    assert out.status_code == 204
    assert b.get("/session").status_code == 401
    assert "session.delete" in audit_actions(server)


def test_a_session_acts_as_a_key_of_its_organization_and_role(server):
    org = server.org("Partner CSIRT", state="DE")
    new_user(server, "viewer@de.example", org=org["id"], role="viewer")
    new_user(server, "analyst@de.example", org=org["id"], role="analyst")
    viewer, analyst = Browser(server), Browser(server)
    viewer.sign_in("viewer@de.example")
    analyst.sign_in("analyst@de.example")
    contact = {"organization": org["id"], "full_name": "Hans", "role": "csirt", "email": "hans@de.example"}
    assert viewer.send("POST", "/contacts", contact).status_code == 403
    made = analyst.send("POST", "/contacts", contact)
    assert made.status_code == 201, made.text
    assert analyst.get("/contacts").status_code == 200
    # the one policy function decides what the session sees: AMBER without the partner
    # as recipient stays invisible, CLEAR is seen
    amber = server.admin.post("/incidents", {"title": "Operator-only", "tlp": "amber", "rsit_type": "ddos"})
    clear = server.admin.post("/incidents", {"title": "Public", "tlp": "clear", "rsit_type": "ddos"})
    assert amber.status_code == clear.status_code == 201, amber.text
    assert analyst.get(f"/incidents/{amber.json()['id']}").status_code == 404
    seen = [i["id"] for i in analyst.get("/incidents").json()["items"]]
    assert amber.json()["id"] not in seen and clear.json()["id"] in seen


def test_csrf_is_refused_without_the_token_and_accepted_with_it(server):
    org = server.org("Partner CSIRT", state="DE")
    new_user(server, "analyst@de.example", org=org["id"], role="analyst")
    b = Browser(server)
    b.sign_in("analyst@de.example")
    contact = {"organization": org["id"], "full_name": "Hans", "role": "csirt", "email": "hans@de.example"}
    for method, path, body in [("POST", "/contacts", contact), ("PATCH", "/session", {"language": "ja"})]:
        r = b.send(method, path, body, csrf=False)
        assert r.status_code == 403, r.text
        assert r.json()["error"] == {"code": "forbidden", "field": "X-CSRF-Token", "message": r.json()["error"]["message"]}
        bad = b.s.request(method, b.url(path), json=body, headers={"X-CSRF-Token": "x" * 43}, timeout=30)
        assert bad.status_code == 403
    assert server.admin.get("/contacts", params={"organization": org["id"]}).json()["items"] == []
    assert b.send("POST", "/contacts", contact).status_code == 201
    # an API key needs no CSRF token, even with a (stale) cookie beside it
    assert server.admin.post("/contacts", {**contact, "full_name": "Greta"}).status_code == 201


def test_users_change_their_own_language_and_time_zone(server):
    new_user(server, "aiko@csirt.example")
    b = Browser(server)
    b.sign_in("aiko@csirt.example")
    r = b.send("PATCH", "/session", {"language": "ja", "time_zone": "Asia/Tokyo"})
    assert r.status_code == 200, r.text
    assert r.json()["user"]["language"] == "ja" and r.json()["user"]["time_zone"] == "Asia/Tokyo"
    assert b.get("/session").json()["user"]["language"] == "ja"
    bad = b.send("PATCH", "/session", {"time_zone": "Nowhere/City"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "time_zone"
    role = b.send("PATCH", "/session", {"role": "admin"})
    assert role.status_code == 400 and role.json()["error"]["field"] == "role"


def test_users_change_their_own_password_and_other_sessions_end(server):
    new_user(server, "aiko@csirt.example")
    here, elsewhere = Browser(server), Browser(server)
    here.sign_in("aiko@csirt.example")
    elsewhere.sign_in("aiko@csirt.example")
    new = PASSWORD + " staple"
    no_csrf = here.send("POST", "/session/password", {"current_password": PASSWORD, "password": new}, csrf=False)
    assert no_csrf.status_code == 403
    wrong = here.send("POST", "/session/password", {"current_password": "not it at all", "password": new})
    assert wrong.status_code == 400 and wrong.json()["error"]["field"] == "current_password"
    short = here.send("POST", "/session/password", {"current_password": PASSWORD, "password": "short"})
    assert short.status_code == 400 and short.json()["error"]["field"] == "password"
    assert Browser(server).sign_in("aiko@csirt.example").status_code == 200  # nothing changed yet
    ok = here.send("POST", "/session/password", {"current_password": PASSWORD, "password": new})
    assert ok.status_code == 204, ok.text
    assert here.get("/session").status_code == 200       # this session goes on
    assert elsewhere.get("/session").status_code == 401  # the others end
    assert Browser(server).sign_in("aiko@csirt.example").status_code == 401
    assert Browser(server).sign_in("aiko@csirt.example", new).status_code == 200
    assert "user.password_change" in audit_actions(server)
    # guessing the current password through a stolen session slows down like sign-in
    for _ in range(3):
        here.send("POST", "/session/password", {"current_password": "guess guess!", "password": new + "x"})
    r = here.send("POST", "/session/password", {"current_password": new, "password": new + "x"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1


# ---- slow-down ----------------------------------------------------------------------

def test_failed_sign_ins_slow_down_per_account(server):
    new_user(server, "aiko@csirt.example")
    b = Browser(server)
    for _ in range(3):
        assert b.sign_in("aiko@csirt.example", "wrong password!").status_code == 401
    r = b.sign_in("aiko@csirt.example")  # even the right password must wait now
    assert r.status_code == 429, r.text
    assert r.json()["error"]["code"] == "too_many_requests"
    assert int(r.headers["Retry-After"]) >= 1
    server.advance(int(r.headers["Retry-After"]) + 1)
    assert b.sign_in("aiko@csirt.example", "wrong password!").status_code == 401
    r = b.sign_in("aiko@csirt.example")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 2  # doubled
    server.advance(int(r.headers["Retry-After"]) + 1)
    assert b.sign_in("aiko@csirt.example").status_code == 200
    # success starts afresh
    assert b.sign_in("aiko@csirt.example", "wrong password!").status_code == 401
    assert b.sign_in("aiko@csirt.example").status_code == 200
    actions = audit_actions(server)
    assert actions.count("session.signin_failed") == 7  # 5 wrong passwords, 2 throttled attempts


def test_failed_sign_ins_slow_down_per_address(server):
    new_user(server, "aiko@csirt.example")
    b = Browser(server)
    for i in range(10):
        assert b.sign_in(f"guess{i}@csirt.example", "wrong password!").status_code == 401
    r = b.sign_in("aiko@csirt.example")  # another account, from the same address
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1


def test_behind_a_trusted_proxy_the_slow_down_counts_the_forwarded_client(make_server):
    s = make_server(extra_args=["--trusted-proxy", "127.0.0.1"])
    new_user(s, "aiko@csirt.example")

    def attempt(client, email, password="wrong password!"):
        return requests.post(f"{s.base}/api/v1/session", json={"email": email, "password": password},
                             headers={"X-Forwarded-For": f"203.0.113.9, {client}"}, timeout=30)
    for i in range(10):
        assert attempt("192.0.2.1", f"guess{i}@csirt.example").status_code == 401
    assert attempt("192.0.2.1", "aiko@csirt.example", PASSWORD).status_code == 429
    assert attempt("192.0.2.2", "aiko@csirt.example", PASSWORD).status_code == 200


def test_forwarded_for_is_ignored_without_a_trusted_proxy(server):
    for i in range(10):
        r = requests.post(f"{server.base}/api/v1/session", json={"email": f"g{i}@x.example", "password": "wrong!"},
                          headers={"X-Forwarded-For": f"192.0.2.{i}"}, timeout=30)
        assert r.status_code == 401
    r = requests.post(f"{server.base}/api/v1/session", json={"email": "other@x.example", "password": "wrong!"},
                      headers={"X-Forwarded-For": "192.0.2.200"}, timeout=30)
    assert r.status_code == 429


def test_serve_refuses_a_trusted_proxy_that_is_no_address(tmp_path):
    db = tmp_path / "k.db"
    run_kizuna("init", "--db", db)
    r = run_kizuna("serve", "--db", db, "--trusted-proxy", "proxy.example", "--listen", "127.0.0.1:0", check=False)
    assert r.returncode == 2 and "--trusted-proxy" in r.stderr


# ---- expiry -------------------------------------------------------------------------

def test_idle_sessions_expire(server):
    assert server.admin.patch("/settings", {"sessions.idle_minutes": 2}).status_code == 200
    new_user(server, "aiko@csirt.example")
    b = Browser(server)
    b.sign_in("aiko@csirt.example")
    server.advance(90)
    assert b.get("/session").status_code == 200  # used: the idle time starts again
    server.advance(90)
    assert b.get("/session").status_code == 200
    server.advance(121)
    r = b.get("/session")
    assert r.status_code == 401
    assert b.get("/contacts").status_code == 401  # anonymous now, not an error


def test_a_session_in_use_stays_alive_when_its_touch_meets_another_writer(server):
    """The touch that moves a session's last use does not wait for a writer, except once
    half the idle time has gone: then it waits, so that use always keeps the session."""
    import sqlite3
    import threading
    assert server.admin.patch("/settings", {"sessions.idle_minutes": 2}).status_code == 200
    new_user(server, "aiko@csirt.example")
    b = Browser(server)
    b.sign_in("aiko@csirt.example")
    server.advance(90)  # past half of the two minutes
    db = sqlite3.connect(server.db, timeout=30, isolation_level=None, check_same_thread=False)
    db.execute("BEGIN IMMEDIATE")  # another writer holds the lock while the request comes
    release = threading.Timer(1.0, lambda: db.execute("COMMIT"))
    release.start()
    try:
        assert b.get("/session").status_code == 200
    finally:
        release.join()
        db.close()
    server.advance(90)  # 180 s after sign-in, 90 s after the touch that waited
    assert b.get("/session").status_code == 200


def test_sessions_end_at_the_absolute_expiry_however_busy(server):
    assert server.admin.patch("/settings", {"sessions.absolute_hours": 1, "sessions.idle_minutes": 50}).status_code == 200
    new_user(server, "aiko@csirt.example")
    b = Browser(server)
    b.sign_in("aiko@csirt.example")
    for minutes in (20, 20, 15):  # used all along, never idle for long
        server.advance(minutes * 60)
        assert b.get("/session").status_code == 200
    server.advance(6 * 60)  # 61 minutes after sign-in
    assert b.get("/session").status_code == 401


def test_the_scheduler_deletes_ended_sessions_and_expired_links(server):
    import sqlite3
    assert server.admin.patch("/settings", {"sessions.idle_minutes": 1}).status_code == 200
    new_user(server, "aiko@csirt.example")
    server.admin.post("/users", {"email": "later@csirt.example", "name": "L", "organization": server.admin.org,
                                 "role": "viewer"})
    b = Browser(server)
    b.sign_in("aiko@csirt.example")

    def rows():
        db = sqlite3.connect(server.db)
        try:
            return [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("user_sessions", "user_links")]
        finally:
            db.close()
    assert rows() == [1, 1]
    server.advance(24 * 3600 + 60)  # wakes the scheduler (one-second interval here)
    deadline = time.time() + 15
    while rows() != [0, 0] and time.time() < deadline:
        time.sleep(0.1)
    assert rows() == [0, 0]
    assert "session.purge" in audit_actions(server)


# ---- TOTP -----------------------------------------------------------------------------

def enrol(server, b):
    r = b.send("POST", "/session/totp")
    assert r.status_code == 200, r.text
    secret = r.json()["secret"]
    uri = urlparse(r.json()["otpauth_uri"])
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    q = parse_qs(uri.query)
    assert q["secret"] == [secret] and q["issuer"] == ["Kizuna"] and q["digits"] == ["6"] and q["period"] == ["30"]
    assert q["algorithm"] == ["SHA1"]
    # the server's clock may run ahead (test clock): compute codes at its time
    at = server_now(server)
    wrong = b.send("POST", "/session/totp/confirm", {"code": "000000" if totp(secret, at) != "000000" else "111111"})
    assert wrong.status_code == 400 and wrong.json()["error"]["field"] == "code"
    ok = b.send("POST", "/session/totp/confirm", {"code": totp(secret, at)})
    assert ok.status_code == 200, ok.text
    codes = ok.json()["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert ok.json()["user"]["totp_enabled"] is True
    return secret, codes


def test_totp_enrolment_and_sign_in_with_a_code(server):
    new_user(server, "aiko@csirt.example")
    b = Browser(server)
    b.sign_in("aiko@csirt.example")
    secret, _ = enrol(server, b)
    assert b.send("POST", "/session/totp").status_code == 409  # on already
    import sqlite3
    db = sqlite3.connect(server.db)
    (stored,) = db.execute("SELECT totp_secret FROM users WHERE email = 'aiko@csirt.example'").fetchone()
    db.close()
    raw = base64.b32decode(secret).hex()
    assert stored and secret not in stored.upper() and raw not in stored  # sealed, not kept as it is
    c = Browser(server)
    missing = c.sign_in("aiko@csirt.example")
    assert missing.status_code == 401 and missing.json()["error"]["field"] == "totp"
    wrong = c.sign_in("aiko@csirt.example", totp="123456" if totp(secret, server_now(server)) != "123456" else "654321")
    assert wrong.status_code == 401 and wrong.json()["error"]["field"] == "totp"
    # a code already used (by the confirmation, same 30 s step) is not accepted twice; the next step is
    server.advance(30)
    code = totp(secret, server_now(server))  # one code, both times: the clock may pass a step between
    ok = c.sign_in("aiko@csirt.example", totp=code)
    assert ok.status_code == 200, ok.text
    replay = Browser(server).sign_in("aiko@csirt.example", totp=code)
    assert replay.status_code == 401 and replay.json()["error"]["field"] == "totp"
    assert "user.totp_enable" in audit_actions(server)


def test_a_recovery_code_works_once_in_place_of_the_code(server):
    new_user(server, "aiko@csirt.example")
    b = Browser(server)
    b.sign_in("aiko@csirt.example")
    _, codes = enrol(server, b)
    assert Browser(server).sign_in("aiko@csirt.example", totp=codes[3].upper()).status_code == 200
    again = Browser(server).sign_in("aiko@csirt.example", totp=codes[3])
    assert again.status_code == 401 and again.json()["error"]["field"] == "totp"
    assert Browser(server).sign_in("aiko@csirt.example", totp=codes[4]).status_code == 200


# ---- users CRUD authorization --------------------------------------------------------

def test_only_admins_manage_users(server):
    org = server.org("Partner CSIRT", state="DE")
    target = new_user(server, "target@de.example", org=org["id"], role="viewer")
    for role in ("viewer", "analyst"):
        key = server.client(org["id"], role=role)
        assert key.get("/users").status_code == 403
        assert key.post("/users", {"email": "n@de.example", "name": "N", "organization": org["id"],
                                   "role": "viewer"}).status_code == 403
        assert key.get(f"/users/{target['id']}").status_code == 403
        assert key.patch(f"/users/{target['id']}", {"name": "X"}).status_code == 403
        assert key.delete(f"/users/{target['id']}").status_code == 403
        new_user(server, f"{role}@de.example", org=org["id"], role=role)
        b = Browser(server)
        b.sign_in(f"{role}@de.example")
        assert b.get("/users").status_code == 403
        assert b.send("PATCH", f"/users/{target['id']}", {"role": "analyst"}).status_code == 403
    assert server.anon.get("/users").status_code == 401
    assert server.admin.get(f"/users/{target['id']}").json()["role"] == "viewer"


def test_admin_user_manages_users_through_the_session(server):
    new_user(server, "root@csirt.example", role="admin")
    b = Browser(server)
    b.sign_in("root@csirt.example")
    made = b.send("POST", "/users", {"email": "new@csirt.example", "name": "New", "organization": server.admin.org,
                                     "role": "viewer"})
    assert made.status_code == 201 and made.json()["set_password_link"]
    uid = made.json()["id"]
    listed = b.get("/users", params={"organization": server.admin.org}).json()["items"]
    assert {u["email"] for u in listed} == {"root@csirt.example", "new@csirt.example"}
    changed = b.send("PATCH", f"/users/{uid}", {"role": "analyst", "name": "Renamed", "language": "ja"})
    assert changed.status_code == 200 and changed.json()["role"] == "analyst" and changed.json()["language"] == "ja"
    bad = b.send("PATCH", f"/users/{uid}", {"disabled": "yes"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "disabled"
    assert b.send("DELETE", f"/users/{uid}").status_code == 204
    assert b.get(f"/users/{uid}").status_code == 404
    actions = audit_actions(server)
    for a in ("user.create", "user.update", "user.delete"):
        assert a in actions


def test_disabling_a_user_ends_the_sessions(server):
    u = new_user(server, "aiko@csirt.example")
    b = Browser(server)
    b.sign_in("aiko@csirt.example")
    assert server.admin.patch(f"/users/{u['id']}", {"disabled": True}).json()["disabled"]
    assert b.get("/session").status_code == 401
    assert Browser(server).sign_in("aiko@csirt.example").status_code == 401
    assert server.admin.patch(f"/users/{u['id']}", {"disabled": False}).json()["disabled"] is None
    assert Browser(server).sign_in("aiko@csirt.example").status_code == 200


# ---- the CLI ------------------------------------------------------------------------

def test_cli_user_add_and_reset(server):
    out = run_kizuna("user", "add", "--db", server.db, "--email", "cli@csirt.example", "--name", "Cli User",
                     "--organization", "Test node operator", "--role", "admin", "--language", "ja",
                     "--time-zone", "Asia/Tokyo", "--base-url", "https://kizuna.example/")
    link = out.stdout.strip().splitlines()[-1]
    assert link.startswith("https://kizuna.example/set-password?token=")
    r = requests.post(f"{server.base}/api/v1/password", json={"token": token_of(link), "password": PASSWORD}, timeout=30)
    assert r.status_code == 200, r.text
    b = Browser(server)
    assert b.sign_in("cli@csirt.example").json()["user"]["language"] == "ja"
    _, codes = enrol(server, b)
    # lost phone and forgotten password: the operator resets from the database file
    out = run_kizuna("user", "reset", "--db", server.db, "--email", "CLI@csirt.example")
    link2 = out.stdout.strip().splitlines()[-1]
    assert link2.startswith("http://127.0.0.1:8470/set-password?token=")
    assert b.get("/session").status_code == 401  # sessions ended
    assert Browser(server).sign_in("cli@csirt.example").status_code == 401  # old password gone
    requests.post(f"{server.base}/api/v1/password", json={"token": token_of(link2), "password": PASSWORD + "2"}, timeout=30)
    fresh = Browser(server).sign_in("cli@csirt.example", PASSWORD + "2")
    assert fresh.status_code == 200 and fresh.json()["user"]["totp_enabled"] is False
    assert "user.reset" in audit_actions(server)


@pytest.mark.parametrize("args, message", [
    (["--email", "x@csirt.example", "--name", "X", "--organization", "Test node operator", "--role", "boss"], "--role"),
    (["--email", "x@csirt.example", "--name", "X", "--organization", "Test node operator", "--role", "viewer",
      "--time-zone", "Mars/Olympus"], "--time-zone"),
    (["--email", "x@csirt.example", "--name", "X", "--organization", "No such org", "--role", "viewer"], "--organization"),
    (["--email", "bad", "--name", "X", "--organization", "Test node operator", "--role", "viewer"], "--email"),
])
def test_cli_user_add_refuses_bad_input(server, args, message):
    r = run_kizuna("user", "add", "--db", server.db, *args, check=False)
    assert r.returncode != 0 and message in r.stderr, r.stderr
    assert server.admin.get("/users").json()["items"] == []


def test_cli_user_reset_of_an_unknown_address(server):
    r = run_kizuna("user", "reset", "--db", server.db, "--email", "nobody@csirt.example", check=False)
    assert r.returncode == 1 and "no user" in r.stderr


# ---- the demo ------------------------------------------------------------------------

def test_demo_gives_every_organization_a_user_who_can_sign_in(tmp_path):
    import json
    import subprocess
    from conftest import KIZUNA, ROOT, Client, free_port, wait_until_serving
    db = tmp_path / "demo.db"
    out = run_kizuna("demo", "--db", db, "--data", ROOT / "demo" / "directory.json").stdout.strip().splitlines()
    assert out[-1].startswith("kz_")  # the admin key stays the last line (make demo reads it)
    users = [line.split()[2:4] for line in out if line.startswith("demo user: ")]
    data = json.loads((ROOT / "demo" / "directory.json").read_text())
    assert len(users) == len(data["organizations"]) + 1  # and an admin of the node's own
    assert len({email for email, _ in users}) == len(users)
    port = free_port()
    proc = subprocess.Popen([KIZUNA, "serve", "--db", str(db), "--listen", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(base, proc)
        admin = Client(base, out[-1])
        orgs = {o["id"]: o["name"] for o in admin.get("/organizations", {"limit": 500}).json()["items"]}
        for email, password in (users[0], users[1], users[-1]):
            r = requests.post(f"{base}/api/v1/session", json={"email": email, "password": password}, timeout=30)
            assert r.status_code == 200, r.text
            assert r.json()["user"]["organization"] in orgs
        first = requests.post(f"{base}/api/v1/session", json={"email": users[0][0], "password": users[0][1]},
                              timeout=30).json()["user"]
        assert first["role"] == "admin" and first["language"] == "ja" and first["time_zone"] == "Asia/Tokyo"
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0
