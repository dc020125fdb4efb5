"""Files in and out through the API, as the web interface's upload and download use
them: POST /indicators/import (a CSV feed or a STIX bundle as the body; the same
importers as kizuna import: all or nothing, errors with file, line and column, re-import
changes nothing) and GET /indicators/export, /incidents/export (the formats of kizuna
export, limited to what the caller may see)."""
import csv
import io
import json

import pytest

from conftest import assert_error

FEED = "type,value,description\ndomain,upload.example,first\nipv4,192.0.2.80,second\nurl,http://upload.example/x,third\n"


@pytest.fixture
def world(server):
    s = server
    orgs = {n: s.org(f"{n} org", st)["id"] for n, st in [("S", "JP"), ("R", "SG"), ("O", "FR")]}
    return s, orgs, {n: s.client(o, "analyst") for n, o in orgs.items()}


def upload(client, body, **params):
    return client.post("/indicators/import", params=params, data=body.encode() if isinstance(body, str) else body,
                       headers={"Content-Type": "application/octet-stream"})


def test_csv_upload_with_sharing_then_reimport_changes_nothing(world):
    s, orgs, keys = world
    r = upload(keys["S"], FEED, format="csv", tlp="amber", recipients=orgs["R"], name="feed.csv")
    assert r.status_code == 200, r.text
    assert r.json() == {"format": "csv", "dry_run": False, "records": 3, "created": 3, "merged": 0,
                        "unchanged": 0, "bytes": len(FEED)}
    got = keys["R"].get("/indicators", {"q": "upload.example", "type": "domain"}).json()["items"]
    assert {(i["type"], i["tlp"], i["source"]) for i in got} == {("domain", "amber", orgs["S"])}
    assert keys["O"].get("/indicators", {"q": "upload.example"}).json()["items"] == []
    again = upload(keys["S"], FEED, format="csv", tlp="amber", recipients=orgs["R"])
    assert again.json()["unchanged"] == 3 and again.json()["created"] == 0


def test_csv_bad_record_names_file_line_and_column_and_writes_nothing(world):
    s, orgs, keys = world
    body = "type,value\ndomain,fine.example\nipv4,999.1.1.1\n"
    err = assert_error(upload(keys["S"], body, format="csv", tlp="green", name="feed.csv"), 400)
    assert err["message"].startswith("feed.csv:3: "), err
    assert "value" in err["field"], err
    assert keys["S"].get("/indicators", {"q": "fine.example"}).json()["items"] == []
    dry = upload(keys["S"], "type,value\ndomain,dry.example\n", format="csv", tlp="green", dry_run="true")
    assert dry.status_code == 200 and dry.json()["created"] == 1 and dry.json()["dry_run"] is True
    assert keys["S"].get("/indicators", {"q": "dry.example"}).json()["items"] == []


def test_upload_refuses_bad_parameters_and_viewers(world):
    s, orgs, keys = world
    assert_error(upload(keys["S"], FEED, format="xml"), 400, "format")
    assert_error(upload(keys["S"], FEED), 400, "format")
    assert_error(upload(keys["S"], FEED, format="csv", tlp="purple"), 400, "tlp")
    assert_error(upload(keys["S"], FEED, format="csv", tlp="red", recipients="nope"), 400, "recipients")
    assert_error(upload(keys["S"], FEED, format="csv", colour="red"), 400, "colour")
    viewer = s.client(orgs["S"], "viewer")
    assert_error(upload(viewer, FEED, format="csv", tlp="green"), 403)
    assert_error(upload(s.anon, FEED, format="csv", tlp="green"), 401)
    assert keys["S"].get("/indicators", {"q": "upload.example"}).json()["items"] == []


def bundle():
    return json.dumps({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [
        {"type": "indicator", "spec_version": "2.1", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
         "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
         "pattern": "[domain-name:value = 'stix-upload.example']", "pattern_type": "stix",
         "valid_from": "2024-01-01T00:00:00Z"},
        {"type": "indicator", "spec_version": "2.1", "id": "indicator--9e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
         "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
         "pattern": "[ipv4-addr:value = '999.0.0.1']", "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z"}]})


def test_stix_upload_reports_each_rejected_object(world):
    s, orgs, keys = world
    r = upload(keys["S"], bundle(), format="stix", tlp="red", recipients=orgs["R"])
    assert r.status_code == 200, r.text
    rep = r.json()
    assert rep["objects"] == 2 and rep["indicators_created"] == 1 and rep["rejected"] == 1, rep
    assert [o["id"] for o in rep["rejected_objects"]] == ["indicator--9e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]
    got = keys["R"].get("/indicators", {"q": "stix-upload.example"}).json()["items"]
    assert [(i["tlp"], i["source"]) for i in got] == [("red", orgs["S"])]
    assert_error(upload(keys["S"], "{not json", format="stix"), 400)


def test_exports_are_what_the_caller_may_see(world):
    s, orgs, keys = world
    assert upload(keys["S"], FEED, format="csv", tlp="red", recipients=orgs["R"]).status_code == 200
    inc = keys["S"].post("/incidents", {"title": "exported", "rsit_type": "phishing", "tlp": "red",
                                        "recipients": [orgs["R"]]}).json()
    for who, sees in (("S", True), ("R", True), ("O", False)):
        r = keys[who].get("/indicators/export", {"format": "csv", "q": "upload.example", "type": "domain"})
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"].startswith("text/csv")
        assert r.headers["Content-Disposition"] == 'attachment; filename="kizuna-indicators.csv"'
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert [row["value"] for row in rows] == (["upload.example"] if sees else []), who
        st = keys[who].get("/incidents/export", {"format": "stix"})
        assert st.status_code == 200 and st.headers["Content-Type"].startswith("application/stix+json")
        reports = [o for o in st.json().get("objects", []) if o["type"] == "report"]  # STIX: an empty bundle has no objects list
        assert [o["name"] for o in reports] == (["exported"] if sees else []), who
    assert inc["id"]
    assert_error(keys["S"].get("/indicators/export", {"format": "pdf"}), 400, "format")
    assert_error(keys["S"].get("/indicators/export", {"format": "csv", "type": "nope"}), 400, "type")


def test_an_upload_with_the_session_cookie_needs_the_csrf_token(world):
    from test_accounts import Browser, new_user
    s, orgs, keys = world
    new_user(s, "uploader@jp.example", org=orgs["S"], role="analyst")
    b = Browser(s)
    assert b.sign_in("uploader@jp.example").status_code == 200
    url = b.url("/indicators/import?format=csv&tlp=green")
    refused = b.s.post(url, data=FEED.encode(), timeout=30)
    assert_error(refused, 403, "X-CSRF-Token")
    assert keys["S"].get("/indicators", {"q": "upload.example"}).json()["items"] == []
    done = b.s.post(url, data=FEED.encode(), headers={"X-CSRF-Token": b.csrf}, timeout=30)
    assert done.status_code == 200 and done.json()["created"] == 3, done.text
    # a download is a plain GET: the cookie alone
    got = b.get("/indicators/export", params={"format": "csv", "type": "domain", "q": "upload.example"})
    assert got.status_code == 200 and "upload.example" in got.text
