"""Bad input: a 4xx naming the field, nothing written, the server stays up."""
import json
import socket

import pytest
import requests

from conftest import assert_error

GOOD = {"full_name": "Ok Person", "role": "csirt", "email": "ok@csirt.jp.example"}


def count_contacts(server):
    return len(server.admin.get("/contacts", {"limit": 1000}).json()["items"])


def audit_length(server):
    return len(server.admin.get("/audit", {"limit": 1000}).json()["items"])


@pytest.mark.parametrize("patch, field, says", [
    ({"nickname": "x"}, "nickname", "unknown field 'nickname'"),
    ({"id": "6a7027a6-5610-4035-9248-7404031bf1f6"}, "id", "set by the server"),
    ({"created": "2026-01-01T00:00:00Z"}, "created", "set by the server"),
    ({"full_name": 42}, "full_name", "must be a string"),
    ({"full_name": ""}, "full_name", "must not be empty"),
    ({"full_name": "x" * 201}, "full_name", "longer than 200"),
    ({"role": "boss"}, "role", "must be diplomatic"),
    ({"role": None}, "role", "must not be null"),
    ({"email": "not-an-address"}, "email", "not a valid e-mail address"),
    ({"phone": "call me"}, "phone", "phone number"),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone", "'Mars/Olympus_Mons' is not an IANA time zone"),
    ({"timezone": "../../../etc/passwd"}, "timezone", "is not an IANA time zone"),
    ({"languages": "ja"}, "languages", "array of strings"),
    ({"languages": ["ja", "klingon"]}, "languages[1]", "'klingon' is not an ISO 639-1"),
    ({"hours": "whenever"}, "hours", "working hours must look like"),
    ({"verified_at": "last tuesday"}, "verified_at", "RFC 3339"),
    ({"position": "line\nbreak"}, "position", "control characters"),
    ({"organization": "6a7027a6-5610-4035-9248-7404031bf1f6"}, "organization", "no organization 6a7027a6"),
    ({"organization": "not-an-id"}, "organization", "not an id"),
])
def test_bad_contact_fields(server, patch, field, says):
    org = server.org()
    before, audit_before = count_contacts(server), audit_length(server)
    body = {"organization": org["id"], **GOOD, **patch}
    err = assert_error(server.admin.post("/contacts", body), 400, field)
    assert says in err["message"], err  # the message says what is wrong, not only where
    assert count_contacts(server) == before
    assert audit_length(server) == audit_before


@pytest.mark.parametrize("missing", ["organization", "full_name", "role"])
def test_missing_required_fields(server, missing):
    org = server.org()
    body = {"organization": org["id"], **GOOD}
    del body[missing]
    assert_error(server.admin.post("/contacts", body), 400, missing)


def test_email_or_phone_required(server):
    org = server.org()
    assert_error(server.admin.post("/contacts", {"organization": org["id"], "full_name": "N", "role": "csirt"}), 400, "email")


def test_bad_organizations(server):
    assert_error(server.admin.post("/organizations", {"name": "X", "state": "XX", "kind": "other"}), 400, "state")
    assert_error(server.admin.post("/organizations", {"name": "X", "state": "jp", "kind": "other"}), 400, "state")
    assert_error(server.admin.post("/organizations", {"name": "X", "state": "JP", "kind": "club"}), 400, "kind")
    assert_error(server.admin.post("/organizations", {"name": "X", "state": "JP", "kind": "other",
                                                      "website": "javascript:alert(1)"}), 400, "website")


@pytest.mark.parametrize("raw, status", [
    (b'{"full_name": "x",', 400),
    (b'{"a": 1, "a": 2}', 400),
    (b'[1, 2, 3]', 400),
    (b'"just a string"', 400),
    (b'\xff\xfe\x00garbage', 400),
    (b'', 400),
])
def test_malformed_bodies(server, raw, status):
    r = requests.post(server.admin.url("/contacts"), data=raw, timeout=10,
                      headers={"Authorization": f"Bearer {server.admin_key}", "Content-Type": "application/json"})
    assert_error(r, status)
    assert server.anon.get("/health").status_code == 200


def test_malformed_json_says_where(server):
    r = requests.post(server.admin.url("/organizations"), data=b'{\n  "name": "x",\n  "state": JP\n}',
                      headers={"Authorization": f"Bearer {server.admin_key}", "Content-Type": "application/json"},
                      timeout=10)
    err = assert_error(r, 400)
    assert "line 3" in err["message"]


def test_wrong_media_type(server):
    r = requests.post(server.admin.url("/organizations"), data="name=x",
                      headers={"Authorization": f"Bearer {server.admin_key}",
                               "Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    assert_error(r, 415)


def test_body_over_the_limit(server):
    org = server.org()
    big = {"organization": org["id"], **GOOD, "public_key": "A" * (1024 * 1024 + 10)}
    r = server.admin.post("/contacts", big)
    assert_error(r, 413)
    # also when the length is not announced up front (chunked upload)
    def chunks():
        yield json.dumps({"organization": org["id"], **GOOD})[:-1].encode() + b', "public_key": "'
        for _ in range(1100):
            yield b"B" * 1024
        yield b'"}'
    r = requests.post(server.admin.url("/contacts"), data=chunks(), timeout=30,
                      headers={"Authorization": f"Bearer {server.admin_key}", "Content-Type": "application/json"})
    assert_error(r, 413)
    assert count_contacts(server) == 0
    assert server.anon.get("/health").status_code == 200


def test_public_key_over_its_own_limit(server):
    org = server.org()
    assert_error(server.admin.post("/contacts", {"organization": org["id"], **GOOD, "public_key": "k" * 16001}), 400, "public_key")


def test_smaller_body_limit_is_configurable(make_server):
    s = make_server(["--max-body", "2048"])
    org = s.org()
    assert_error(s.admin.post("/contacts", {"organization": org["id"], **GOOD, "position": "p" * 180,
                                            "public_key": "x" * 3000}), 413)


def raw_get(server, path, headers, method="GET", body=b""):
    """One request with exactly these header lines; the status line and body of the answer."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        length = [f"Content-Length: {len(body)}"] if body else []
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *headers, *length, "", ""]
        sock.sendall("\r\n".join(lines).encode() + body)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0].decode(), body, len("\r\n".join(lines))


# The request line and headers are bounded (KZ_HTTP_MAX_HEADER_BYTES, 8 KiB): just under
# it a request is served, over it answered 431 naming "headers", changing nothing; a
# padded signed federation push and a long cursor stay far below (about 650 bytes).
def test_request_headers_at_the_limit(server):
    auth = f"Authorization: Bearer {server.admin_key}"
    pad = 8 * 1024 - 300
    status, body, sent = raw_get(server, "/api/v1/contacts?limit=1", [auth, "X-Pad: " + "a" * pad])
    assert status == "HTTP/1.1 200 OK" and sent < 8 * 1024, (status, sent)
    assert "items" in json.loads(body)
    status, body, sent = raw_get(server, "/api/v1/contacts?limit=1", [auth, "X-Pad: " + "a" * (pad + 400)])
    assert status == "HTTP/1.1 431 Request Header Fields Too Large", (status, sent)
    err = json.loads(body)["error"]
    assert err["field"] == "headers" and err["code"] == "headers_too_large" and "8192" in err["message"], err
    # the query string counts too
    status, body, _ = raw_get(server, "/api/v1/contacts?limit=1&q=" + "b" * (pad + 400), [auth])
    assert status.startswith("HTTP/1.1 431"), status
    # far past what the library's memory holds: its own 431, not a dropped connection
    status, _, _ = raw_get(server, "/api/v1/health", ["X-Pad: " + "c" * 40000])
    assert status == "HTTP/1.1 431 Request Header Fields Too Large", status
    assert server.anon.get("/health").status_code == 200
    # a write whose headers are over the bound is refused before its body: nothing stored
    org = server.org()
    before = server.admin.get("/contacts", {"limit": 1000}).json()["items"]
    payload = json.dumps({"organization": org["id"], **GOOD}).encode()
    status, body, _ = raw_get(server, "/api/v1/contacts", [auth, "Content-Type: application/json",
                                                           "X-Pad: " + "d" * (pad + 400)], "POST", payload)
    assert status == "HTTP/1.1 431 Request Header Fields Too Large", status
    assert json.loads(body)["error"]["field"] == "headers"
    assert server.admin.get("/contacts", {"limit": 1000}).json()["items"] == before
