"""STIX 2.1 import and export through the real binary (kizuna import stix / export stix)
on a real node database: every export validates against the OASIS schemas, every
reference example imports with known counts, re-imports change nothing, rejected objects
are named with their reason, and exports show each organization only what TLP lets it
see."""
import json
import uuid
from pathlib import Path

import pytest

from conftest import SHARED, needs_shared, run_kizuna
from stix_schemas import bundle_errors

STIX = SHARED / "reference" / "stix2.1"

TLP2 = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}


def sid(t):
    return f"{t}--{uuid.uuid4()}"


def import_stix(server, path, *args, check=True):
    r = run_kizuna("import", "stix", "--db", server.db, "--log-level", "warn", *args, path, check=False)
    if check:
        assert r.returncode == 0, r.stderr
    return r


def counts(out):
    """The numbers of the summary line: objects, accepted, kept, rejected."""
    first = out.splitlines()[0].split(": ")[-1] if out.startswith("dry") else out.splitlines()[0]
    n = [int(w) for w in first.replace(",", " ").split() if w.isdigit()]
    return dict(zip(("objects", "accepted", "kept", "rejected"), n))


def export(server, *args):
    if "--what" not in args:
        args = ("--what", "all", *args)
    r = run_kizuna("export", "stix", "--db", server.db, "--log-level", "warn", *args)
    bundle = json.loads(r.stdout)
    assert bundle["type"] == "bundle"
    return bundle


def assert_valid(bundle):
    errors = bundle_errors(bundle)
    assert not errors, "\n".join(errors[:10])


def write_bundle(tmp_path, objects, name="b.json"):
    p = tmp_path / name
    p.write_text(json.dumps({"type": "bundle", "id": sid("bundle"), "objects": objects}))
    return p


def indicator(pattern, **kw):
    o = {"type": "indicator", "spec_version": "2.1", "id": sid("indicator"),
         "created": "2026-01-05T10:00:00.000Z", "modified": "2026-01-05T10:00:00.000Z",
         "pattern": pattern, "pattern_type": "stix", "valid_from": "2026-01-05T10:00:00Z"}
    o.update(kw)
    return o


# Expected (objects, accepted, kept, rejected) of every reference file, counted by hand
# from the files: indicators of one observable are accepted, everything else is kept.
EXAMPLES = {
    "examples/indicator-for-c2-ip-address.json": (1, 1, 0, 0),
    "examples/indicator-to-campaign-relationship.json": (3, 1, 2, 0),
    "examples/indicators-for-C2-with-COA.json": (8, 2, 6, 0),
    "examples/infrastructure.json": (10, 0, 10, 0),
    "examples/interop-objectmarking-test.json": (1, 0, 1, 0),
    "examples/malicious-email-indicator-with-attachment.json": (6, 0, 6, 0),
    "examples/threat-reports/apt1.json": (76, 11, 65, 0),
    "examples/threat-reports/poisonivy.json": (155, 5, 150, 0),
}


@needs_shared
def test_every_reference_example_imports_with_known_counts(server):
    for rel, want in EXAMPLES.items():
        r = import_stix(server, STIX / rel)
        assert tuple(counts(r.stdout).values()) == want, (rel, r.stdout, r.stderr)
        # the same file again: the same counts, and nothing changes (or is audited)
        before = server.admin.get("/audit", params={"limit": 1000}).json()["items"]
        r = import_stix(server, STIX / rel)
        assert tuple(counts(r.stdout).values()) == want, rel
        assert "indicators: 0 created, 0 merged" in r.stdout, (rel, r.stdout)
        assert "incidents: 0 created, 0 updated" in r.stdout, (rel, r.stdout)
        after = server.admin.get("/audit", params={"limit": 1000}).json()["items"]
        assert len(after) == len(before), (rel, after[-1])
    # what came in as an indicator of one observable is an indicator of Kizuna
    r = server.admin.get("/indicators", params={"q": "219.76.208.163"})
    assert [i["value"] for i in r.json()["items"]] == ["219.76.208.163"]
    # the APT1 report became an incident linked to its ten single-address indicators
    inc = [i for i in server.admin.get("/incidents").json()["items"] if i["title"].startswith("APT1")]
    assert len(inc) == 1
    linked = server.admin.get(f"/incidents/{inc[0]['id']}/indicators").json()["items"]
    assert len(linked) == 10
    assert_valid(export(server))


@needs_shared
def test_every_interop_file_is_handled_without_a_crash(server):
    # the interop directory holds the interop profile's JSON schemas, not STIX content:
    # core.json has a top-level "type" (of JSON schema) and is read as one object that
    # is rejected for having no id; the others are neither bundles nor objects
    for p in sorted((STIX / "interop").glob("*.json")):
        r = import_stix(server, p, check=False)
        if p.name == "core.json":
            assert r.returncode == 0, r.stderr
            assert counts(r.stdout) == {"objects": 1, "accepted": 0, "kept": 0, "rejected": 1}
            assert "rejected objects[0]" not in r.stderr and "id: a STIX object needs an id" in r.stderr, r.stderr
        else:
            assert r.returncode == 1, (p.name, r.stdout, r.stderr)
            assert "neither a STIX bundle nor a STIX object" in r.stderr, (p.name, r.stderr)
    assert server.admin.get("/indicators").json()["items"] == []


def test_export_validates_and_carries_tlp_2_markings(server, tmp_path):
    csirt = server.org("CERT Example", "FR")
    analyst = server.client(csirt["id"])
    inc = analyst.post("/incidents", {"title": "Phishing wave", "rsit_type": "phishing", "sector": "health",
                                      "states": ["FR", "DE"], "impact": "yellow", "tlp": "amber"}).json()
    values = {"ipv4": "198.51.100.7", "ipv6": "2001:db8::1", "cidr": "198.51.100.0/24", "domain": "evil.example",
              "url": "http://evil.example/it's", "email": "phish@evil.example",
              "md5": "d41d8cd98f00b204e9800998ecf8427e", "sha1": "da39a3ee5e6b4b0d3255bfef95601890afd80709",
              "sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "asn": "AS64500"}
    labels = list(TLP2)
    for i, (t, v) in enumerate(values.items()):
        r = analyst.post("/indicators", {"type": t, "value": v, "tlp": labels[i % 5], "incidents": [inc["id"]],
                                         "valid_until": "2030-01-01T00:00:00Z", "description": f"a {t}"})
        assert r.status_code == 201, r.text
    ind = analyst.get("/indicators", params={"type": "ipv4"}).json()["items"][0]
    assert analyst.post("/sightings", {"indicator": ind["id"], "count": 3}).status_code == 201
    # kept objects come back too
    camp = {"type": "campaign", "spec_version": "2.1", "id": sid("campaign"), "created": "2026-01-01T00:00:00.000Z",
            "modified": "2026-01-01T00:00:00.000Z", "name": "Spring wave", "object_marking_refs": [TLP2["green"]]}
    import_stix(server, write_bundle(tmp_path, [camp]), "--source", csirt["id"])

    bundle = export(server, "--key", analyst.key)
    assert_valid(bundle)
    by_type = {}
    for o in bundle["objects"]:
        by_type.setdefault(o["type"], []).append(o)
    patterns = sorted(o["pattern"] for o in by_type["indicator"])
    assert patterns == sorted([
        "[ipv4-addr:value = '198.51.100.7']", "[ipv6-addr:value = '2001:db8::1']",
        "[ipv4-addr:value = '198.51.100.0/24']", "[domain-name:value = 'evil.example']",
        "[url:value = 'http://evil.example/it\\'s']", "[email-addr:value = 'phish@evil.example']",
        "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
        "[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']",
        "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
        "[autonomous-system:number = 64500]"])
    assert {m["id"] for m in by_type["marking-definition"]} == set(TLP2.values())
    for o in by_type["indicator"]:
        assert o["created_by_ref"] == f"identity--{csirt['id']}"
        assert len(o["object_marking_refs"]) == 1 and o["object_marking_refs"][0] in TLP2.values()
    report = by_type["report"][0]
    assert report["name"] == "Phishing wave"
    assert report["x_kizuna_incident"]["rsit_type"] == "phishing"
    assert len(report["object_refs"]) == 11  # the reporting organization and ten indicators
    assert by_type["sighting"][0]["count"] == 3
    assert by_type["campaign"][0]["id"] == camp["id"]
    assert {o["id"] for o in by_type["identity"]} >= {f"identity--{csirt['id']}"}

    # round trip: the exported bundle imported into a second node gives the same values
    out = tmp_path / "export.json"
    out.write_text(json.dumps(bundle))
    second = tmp_path / "second"
    second.mkdir()
    run_kizuna("init", "--db", second / "k.db", "--org-name", "Other node", "--state", "DE")
    r = run_kizuna("import", "stix", "--db", second / "k.db", "--log-level", "warn", out)
    c = counts(r.stdout)
    assert c["rejected"] == 0 and c["objects"] == len(bundle["objects"]), r.stdout
    again = json.loads(run_kizuna("export", "stix", "--db", second / "k.db", "--what", "all",
                                  "--log-level", "warn").stdout)
    assert sorted(o["pattern"] for o in again["objects"] if o["type"] == "indicator") == patterns
    assert_valid(again)


def test_tlp_decides_what_an_export_holds(server, tmp_path):
    a = server.org("CSIRT A", "FR")
    b = server.org("CSIRT B", "DE")
    c = server.org("CSIRT C", "IT")
    ka, kb, kc = server.client(a["id"]), server.client(b["id"]), server.client(c["id"])
    for label, value in [("clear", "clear.example"), ("green", "green.example"), ("amber", "amber.example"),
                         ("amber+strict", "strict.example"), ("red", "red.example")]:
        body = {"type": "domain", "value": value, "tlp": label}
        if label not in ("clear", "green"):
            body["recipients"] = [b["id"]]
        assert ka.post("/indicators", body).status_code == 201
    seen = {}
    for name, k in (("a", ka), ("b", kb), ("c", kc)):
        bundle = export(server, "--key", k.key, "--what", "indicators")
        seen[name] = sorted(o["name"] for o in bundle["objects"] if o["type"] == "indicator")
        assert_valid(bundle)
    everything = ["amber.example", "clear.example", "green.example", "red.example", "strict.example"]
    assert seen["a"] == everything
    assert seen["b"] == everything  # named recipient of amber, amber+strict and red
    assert seen["c"] == ["clear.example", "green.example"]


def test_import_rejects_bad_objects_by_id_and_keeps_the_rest(server, tmp_path):
    good = indicator("[url:value = 'http://phish.example/login']", object_marking_refs=[TLP2["green"]])
    bad_pattern = indicator("[url:value = 'http://x.example'")
    bad_value = indicator("[ipv4-addr:value = '300.1.2.3']")
    no_id = {"type": "campaign", "name": "x"}
    bad_time = {"type": "campaign", "spec_version": "2.1", "id": sid("campaign"), "created": "yesterday",
                "modified": "2026-01-01T00:00:00.000Z", "name": "x"}
    multi = indicator("[ipv4-addr:value = '203.0.113.1'] FOLLOWEDBY [ipv4-addr:value = '203.0.113.2']")
    path = write_bundle(tmp_path, [good, bad_pattern, bad_value, no_id, bad_time, multi])
    r = import_stix(server, path)
    assert counts(r.stdout) == {"objects": 6, "accepted": 1, "kept": 1, "rejected": 4}, r.stdout
    err = r.stderr
    assert f"rejected {bad_pattern['id']}: pattern: pattern column 32: expected ']'" in err, err
    assert f"rejected {bad_value['id']}: value:" in err, err
    assert "rejected objects[3]: id: a STIX object needs an id" in err, err
    assert f"rejected {bad_time['id']}: created:" in err, err
    items = server.admin.get("/indicators").json()["items"]
    assert [(i["type"], i["value"], i["tlp"]) for i in items] == [("url", "http://phish.example/login", "green")]


def test_malformed_json_fails_with_line_and_column_and_writes_nothing(server, tmp_path):
    p = tmp_path / "broken.json"
    p.write_text('{"type": "bundle", "id": "bundle--1", "objects": [\n'
                 + json.dumps(indicator("[domain-name:value = 'a.example']")) + ",\n  {oops}\n]}")
    r = import_stix(server, p, check=False)
    assert r.returncode == 1
    assert "line 3, column 4" in r.stderr, r.stderr
    assert server.admin.get("/indicators").json()["items"] == []


def test_sightings_observed_data_and_forward_references(server, tmp_path):
    org = server.org("CERT Sight", "JP")
    ident = f"identity--{org['id']}"
    ind = indicator("[domain-name:value = 'c2.example']", created_by_ref=ident)
    report = {"type": "report", "spec_version": "2.1", "id": sid("report"), "created": "2026-01-05T10:00:00.000Z",
              "modified": "2026-01-05T10:00:00.000Z", "name": "C2 report", "published": "2026-01-05T10:00:00Z",
              "object_refs": [ind["id"]], "created_by_ref": ident}
    sighting = {"type": "sighting", "spec_version": "2.1", "id": sid("sighting"),
                "created": "2026-01-06T10:00:00.000Z", "modified": "2026-01-06T10:00:00.000Z",
                "sighting_of_ref": ind["id"], "count": 7, "first_seen": "2026-01-06T00:00:00Z",
                "last_seen": "2026-01-06T09:00:00Z", "where_sighted_refs": [ident]}
    sco = {"type": "domain-name", "spec_version": "2.1", "id": sid("domain-name"), "value": "C2.example."}
    observed = {"type": "observed-data", "spec_version": "2.1", "id": sid("observed-data"),
                "created": "2026-01-07T10:00:00.000Z", "modified": "2026-01-07T10:00:00.000Z",
                "first_observed": "2026-01-07T00:00:00Z", "last_observed": "2026-01-07T01:00:00Z",
                "number_observed": 4, "object_refs": [sco["id"]], "created_by_ref": ident}
    # the report and the sighting come before the indicator they name
    path = write_bundle(tmp_path, [report, sighting, observed, ind, sco])
    r = import_stix(server, path)
    assert counts(r.stdout) == {"objects": 5, "accepted": 3, "kept": 2, "rejected": 0}, r.stdout + r.stderr
    # the sighting is one; the observed data is kept, and alone it is no sighting
    assert "1 links, 1 sightings recorded" in r.stdout, r.stdout
    # amber by default: only the organization it came from sees it
    assert server.admin.get("/indicators", params={"q": "c2.example"}).json()["items"] == []
    k = server.client(org["id"])
    i = k.get("/indicators", params={"q": "c2.example"}).json()["items"][0]
    assert i["source"] == org["id"]
    sums = k.get(f"/indicators/{i['id']}/sightings").json()
    assert sums["total"]["count"] == 7 and sums["total"]["reports"] == 1
    inc = k.get("/incidents").json()["items"][0]
    assert inc["organization"] == org["id"] and i["incidents"] == [inc["id"]]
    # again, as the node's admin, who may not see the organization's AMBER objects: the
    # answer is the one for objects it never saw, and nothing changes (sharing rules on
    # writes, docs/ARCHITECTURE.md)
    before = (k.get(f"/indicators/{i['id']}").json(), k.get(f"/incidents/{inc['id']}").json(),
              k.get(f"/indicators/{i['id']}/sightings").json())
    first = r.stdout
    r = import_stix(server, path)
    assert r.stdout == first, r.stdout
    assert (k.get(f"/indicators/{i['id']}").json(), k.get(f"/incidents/{inc['id']}").json(),
            k.get(f"/indicators/{i['id']}/sightings").json()) == before
    # with the organization's own key it is the same import again: nothing to do
    r = import_stix(server, path, "--key", k.key)
    assert "0 links, 0 sightings recorded" in r.stdout and "incidents: 0 created, 0 updated, 1 unchanged" in r.stdout


def test_dry_run_and_bare_objects_and_stdin(server, tmp_path):
    one = indicator("[ipv6-addr:value = '2001:DB8:0:0::7']")
    r = run_kizuna("import", "stix", "--db", server.db, "--dry-run", "--log-level", "warn", "-",
                   input=json.dumps(one))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("dry run, nothing written: 1 objects: 1 accepted"), r.stdout
    assert server.admin.get("/indicators").json()["items"] == []
    r = run_kizuna("import", "stix", "--db", server.db, "--tlp", "red", "--log-level", "warn", "-",
                   input=json.dumps(one))
    items = server.admin.get("/indicators").json()["items"]
    assert [(i["value"], i["tlp"]) for i in items] == [("2001:db8::7", "red")]


@pytest.mark.parametrize("command", ["stix", "misp"])
@pytest.mark.parametrize("option,value,message", [
    ("--tlp", "bogus", "--tlp must be clear, green, amber, amber+strict or red"),
    ("--source", "nope", "--source must be an organization id"),
    ("--recipients", "nope", "--recipients: 'nope' is not an id"),
])
def test_bad_sharing_options_are_usage_errors_and_write_nothing(server, tmp_path, command, option, value, message):
    bundle = tmp_path / "one.json"
    bundle.write_text(json.dumps({"type": "bundle", "id": sid("bundle"), "objects": [{
        "type": "indicator", "spec_version": "2.1", "id": sid("indicator"),
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "pattern": "[ipv4-addr:value = '198.51.100.9']", "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z"}]}))
    before = server.admin.get("/audit/verify").json()["entries"]
    feed = bundle if command == "stix" else Path(__file__).parent / "data" / "misp"  # both would import
    r = run_kizuna("import", command, "--db", server.db, option, value, feed, check=False)
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert server.admin.get("/indicators").json()["items"] == []
    assert server.admin.get("/audit/verify").json()["entries"] == before
