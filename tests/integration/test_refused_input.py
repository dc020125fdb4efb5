"""Input the documentation says is refused, against a real node: a body without its
media type or with a look-alike one, TAXII envelopes of the wrong shape or with a key
twice, punycode that does not decode, bidirectional controls in free text (which would
disguise titles in mail and HTML); and mitigation sources guessed with the one type
guess of every importer. Each refusal is a 4xx with a JSON error naming the field, and
writes nothing."""
import json

import requests

from conftest import assert_error
from test_requests import KINDS, Pair
from test_taxii import TAXII, Taxii, assert_taxii_error, ind

ORG = {"name": "Media CSIRT", "state": "JP", "kind": "national-csirt"}


def post_raw(server, path, data, content_type):
    headers = {"Authorization": f"Bearer {server.admin_key}"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    return requests.post(server.admin.url(path), data=data, headers=headers, timeout=10)


def organizations(server):
    return [o["name"] for o in server.admin.get("/organizations", {"limit": 1000}).json()["items"]]


def test_a_body_needs_the_json_media_type_exactly(server):
    before = organizations(server)
    body = json.dumps(ORG)
    for ct in (None, "application/jsonx", "application/json-seq", "application/jsonp; charset=utf-8", "text/json"):
        e = assert_error(post_raw(server, "/organizations", body, ct), 415, field="Content-Type")
        assert "application/json" in e["message"], e
    assert organizations(server) == before
    # the type with parameters, in any case, is the type
    r = post_raw(server, "/organizations", body, "Application/JSON ; charset=utf-8")
    assert r.status_code == 201, r.text
    # a move without a body still needs no media type
    pair = Pair(server)
    d = pair.draft()
    r = requests.post(pair.a.url(f"/requests/{d['id']}/send"), headers={"Authorization": f"Bearer {pair.a.key}"},
                      timeout=10)
    assert r.status_code == 200, r.text


def test_taxii_envelopes_of_the_wrong_shape_are_400_and_write_nothing(server):
    org = server.org("CSIRT Envelope", "FR")
    analyst = Taxii(server.base, server.client(org["id"]).key)
    green = analyst.collections()["TLP:GREEN"]["id"]
    path = f"{server.base}/taxii2/api/collections/{green}/objects/"
    one = json.dumps(ind("dup.example"))
    for text, field in [
        ('{"objects": 5}', "objects"),
        ('{"objects": "x"}', "objects"),
        ('{"objects": {"0": %s}}' % one, "objects"),
        ('{"objects": [], "objects": [%s]}' % one, "objects"),
        ('{"objects": [%s], "more": false, "more": true}' % one, "more"),
    ]:
        r = analyst.s.post(path, data=text, headers={"Content-Type": TAXII}, timeout=10)
        e = assert_taxii_error(r, 400)
        assert field in e["description"], (text, e)
    assert analyst.objects(green).json().get("objects", []) == []
    assert server.admin.get("/indicators").json()["items"] == []
    # the right shape still goes in
    assert analyst.post(path[len(server.base):], {"objects": [ind("ok.example")]}).status_code == 202


def test_punycode_that_does_not_decode_is_no_domain(server):
    for t, v in [("domain", "xn--zz.com"), ("domain", "www.xn--zz.example"), ("url", "http://xn--zz.com/login"),
                 ("email", "a@xn--zz.com")]:
        e = assert_error(server.admin.post("/indicators", {"type": t, "value": v, "tlp": "green"}), 400, field="value")
        assert "punycode" in e["message"], e
    assert server.admin.get("/indicators").json()["items"] == []
    ok = server.admin.post("/indicators", {"type": "domain", "value": "XN--Bcher-KVA.example", "tlp": "green"})
    assert ok.status_code == 201 and ok.json()["value"] == "xn--bcher-kva.example", ok.text
    # nor is it a host name anywhere else: a website, an e-mail address
    assert_error(server.admin.post("/organizations", {**ORG, "website": "https://xn--zz.com/"}), 400, field="website")
    org = server.org()
    assert_error(server.admin.post("/contacts", {"organization": org["id"], "full_name": "Zz", "role": "csirt",
                                                 "email": "duty@xn--zz.com"}), 400, field="email")


BIDI = ["\u202e", "\u202a", "\u202b", "\u202c", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e",
        "\u200f", "\u061c"]


def test_bidirectional_controls_are_refused_in_free_text(server):
    org = server.org()
    incident = {"title": "Invoice", "rsit_type": "phishing", "tlp": "green"}
    for ch in BIDI:
        e = assert_error(server.admin.post("/incidents", {**incident, "title": f"Invoice{ch}fdp.exe"}), 400,
                         field="title")
        assert f"U+{ord(ch):04X}" in e["message"], e
    assert_error(server.admin.post("/incidents", {**incident, "description": "a\u202eb"}), 400, field="description")
    assert_error(server.admin.post("/contacts", {"organization": org["id"], "full_name": "Eve\u2066Admin",
                                                 "role": "csirt", "email": "eve@csirt.jp.example"}), 400,
                 field="full_name")
    assert_error(server.admin.post("/organizations", {**ORG, "name": "CERT\u202e"}), 400, field="name")
    pair = Pair(server)
    body = {"kind": "information", "to_organization": pair.sg["id"], "urgency": "normal", "tlp": "amber",
            "subject": "Question\u202e", "description": "Details.", **KINDS["information"]}
    assert_error(pair.a.post("/requests", body), 400, field="subject")
    d = pair.sent(kind="information")
    assert_error(pair.a.post(f"/requests/{d['id']}/messages", {"message": "see \u202efdp.exe"}), 400, field="message")
    assert server.admin.get("/incidents").json()["items"] == []
    # right-to-left text itself is welcome
    r = server.admin.post("/incidents", {**incident, "title": "\u0647\u062c\u0648\u0645 \u062a\u0635\u064a\u062f"})
    assert r.status_code == 201, r.text


def test_mitigation_sources_use_the_one_type_guess(server):
    pair = Pair(server)
    d = pair.draft("mitigation", sources=["assets.example.com", "AS64500", "as-path.example", "Asia.Example.",
                                          "192.0.2.9", "2001:db8::/32"])
    assert d["sources"] == ["assets.example.com", "AS64500", "as-path.example", "asia.example", "192.0.2.9",
                            "2001:db8::/32"]
