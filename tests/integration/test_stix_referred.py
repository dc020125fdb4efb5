"""What an exported object refers to is exported with it (issue 11, point 5): a kept
identity named as created_by_ref and a custom (statement) marking definition named in
object_marking_refs are served, byte for byte as kept, to every reader who is served an
object that refers to them (TAXII collections and `kizuna export stix`), and to nobody
else: their own sharing (the import's AMBER default, to the importer alone) does not
hide them from a recipient of the object, and a reader who may not see the object does
not get them, until something it may see refers to them too. What another organization
kept under the same ids is never served through the source's objects. One (id, version)
kept under two sources is listed once."""
import json
import uuid

from conftest import run_kizuna
from stix_schemas import SCHEMAS, bundle_errors
from test_taxii import TLP2, Taxii

T0 = "2025-03-01T08:00:00.000Z"


def sid(t):
    return f"{t}--{uuid.uuid4()}"


def compact(o):
    """A kept text as Kizuna keeps it: the object as written, without blanks between tokens."""
    return json.dumps(o, separators=(",", ":"))


def import_bundle(server, tmp_path, key, objects, name):
    p = tmp_path / name
    p.write_text(json.dumps({"type": "bundle", "id": sid("bundle"), "objects": objects}, indent=2))
    r = run_kizuna("import", "stix", "--db", server.db, "--log-level", "warn", "--key", key, p, check=False)
    assert r.returncode == 0, r.stderr
    return r.stdout


def export_text(server, key):
    r = run_kizuna("export", "stix", "--db", server.db, "--log-level", "warn", "--what", "all", "--key", key)
    bundle = json.loads(r.stdout)
    if SCHEMAS.is_dir():  # validated where the reference schemas are (they are not in a bare clone)
        assert not bundle_errors(bundle), bundle_errors(bundle)[:5]
    return r.stdout, bundle


def collection(c, label):
    """The raw text and the objects of a whole TAXII collection, as one reader gets it."""
    col = c.collections()[label]["id"]
    r = c.objects(col, limit=1000)
    assert r.json().get("more") is False
    return col, r.text, r.json().get("objects", [])


def ids(objects):
    return sorted(o["id"] for o in objects)


def parties(server):
    a = server.org("CSIRT Source", "FR")
    b = server.org("CSIRT Recipient", "DE")
    c = server.org("CSIRT Outsider", "IT")
    return [(o, server.client(o["id"])) for o in (a, b, c)]


def referring_bundle(recipient):
    """An analyst's identity that is no organization of the directory, a statement
    marking, and an AMBER attack pattern for one recipient that names both."""
    author = {"type": "identity", "spec_version": "2.1", "id": sid("identity"), "created": T0, "modified": T0,
              "name": "A. Analyst (not in the directory)", "identity_class": "individual"}
    statement = {"type": "marking-definition", "spec_version": "2.1", "id": sid("marking-definition"),
                 "created": "2017-06-01T00:00:00.000Z", "definition_type": "statement",
                 "definition": {"statement": "Copyright 2025, A. Analyst."}}
    pattern = {"type": "attack-pattern", "spec_version": "2.1", "id": sid("attack-pattern"), "created": T0,
               "modified": T0, "name": "Spearphishing Link", "created_by_ref": author["id"],
               "object_marking_refs": [TLP2["amber"], statement["id"]],
               "x_kizuna_recipients": [f"identity--{recipient['id']}"]}
    return author, statement, pattern


def test_referred_identity_and_statement_go_with_the_object_and_only_with_it(server, tmp_path):
    (a, ka), (b, kb), (c, kc) = parties(server)
    author, statement, pattern = referring_bundle(b)
    # the outsider kept a text of its own under the same ids first: the recipient is
    # served the source's texts, never the outsider's through the source's object
    spoofs = [dict(author, name="Spoofed by the outsider"),
              dict(statement, definition={"statement": "Spoofed by the outsider"})]
    import_bundle(server, tmp_path, kc.key, spoofs, "spoof.json")
    out = import_bundle(server, tmp_path, ka.key, [author, statement, pattern], "refs.json")
    assert "3 objects: 0 accepted, 3 kept, 0 rejected" in out, out

    # the recipient: the object and what it refers to, as kept
    text, bundle = export_text(server, kb.key)
    for o in (pattern, author, statement):
        assert compact(o) in text, (o["id"], text)
    assert "Spoofed" not in text
    assert ids(o for o in bundle["objects"] if o["id"] in (author["id"], statement["id"])) == \
        sorted([author["id"], statement["id"]])  # each once
    tb = Taxii(server.base, kb.key)
    col, text, objects = collection(tb, "TLP:AMBER")
    for o in (pattern, author, statement):
        assert compact(o) in text, (o["id"], text)
    assert "Spoofed" not in text
    assert [i for i in ids(objects) if i in (author["id"], statement["id"])] == sorted([author["id"], statement["id"]])
    refs = {r for o in objects for r in o.get("object_marking_refs", []) + [o.get("created_by_ref")] if r}
    assert refs <= {o["id"] for o in objects}, refs - {o["id"] for o in objects}
    # by id and in the manifest, like every object of the collection
    got = tb.get(f"/taxii2/api/collections/{col}/objects/{author['id']}/")
    assert got.status_code == 200 and got.json()["objects"] == [author], got.text
    manifest = tb.get(f"/taxii2/api/collections/{col}/manifest/").json()["objects"]
    assert {author["id"], statement["id"]} <= {e["id"] for e in manifest}
    # paging one object at a time, by next and by date added, meets each of them once
    for how in ("next", "added_after"):
        seen, params = [], {"limit": 1}
        for _ in range(20):
            r = tb.objects(col, **params)
            page = r.json()
            seen += [o["id"] for o in page.get("objects", [])]
            if not page.get("more"):
                break
            params = {"limit": 1, **({"next": page["next"]} if how == "next" else
                                     {"added_after": r.headers["X-TAXII-Date-Added-Last"]})}
        assert seen == [o["id"] for o in objects], (how, seen)
    # nothing of it in a collection where no object refers to them
    _, _, green = collection(tb, "TLP:GREEN")
    assert not {author["id"], statement["id"]} & {o["id"] for o in green}

    # the outsider may not see the object: nor what it refers to
    text, bundle = export_text(server, kc.key)
    assert pattern["id"] not in text and compact(author) not in text and compact(statement) not in text, text
    tc = Taxii(server.base, kc.key)
    for label in ("TLP:CLEAR", "TLP:GREEN", "TLP:AMBER"):
        col, text, _ = collection(tc, label)
        assert compact(author) not in text and compact(statement) not in text, label
    r = tc.get(f"/taxii2/api/collections/{col}/objects/{author['id']}/")
    assert r.status_code == 200 and "Spoofed" in r.text, r.text  # its own text, only

    # a reader the object is hidden from, with nothing of its own: nothing at all
    other = server.org("CSIRT Bystander", "PL")
    ko = server.client(other["id"])
    text, bundle = export_text(server, ko.key)
    assert "objects" not in bundle, text  # nothing to show: no objects list (it may not be empty)
    to = Taxii(server.base, ko.key)
    for label in ("TLP:CLEAR", "TLP:GREEN", "TLP:AMBER"):
        col, text, _ = collection(to, label)
        assert author["id"] not in text and statement["id"] not in text, label
    r = to.get(f"/taxii2/api/collections/{col}/objects/{author['id']}/")
    assert r.status_code == 404, r.text

    # something the bystander may see names the identity: now it gets the identity, as
    # kept, and still not the statement that only the hidden object names
    malware = {"type": "malware", "spec_version": "2.1", "id": sid("malware"), "created": T0, "modified": T0,
            "name": "Example Loader", "is_family": True, "created_by_ref": author["id"],
            "object_marking_refs": [TLP2["green"]]}
    before = max(e["date_added"] for e in manifest)
    import_bundle(server, tmp_path, ka.key, [malware], "malware.json")
    # a client that pages by date added meets it after what it had: it is dated as it
    # came to this reader (with the malware), not when it was stored
    green = to.collections()["TLP:GREEN"]["id"]
    later = to.get(f"/taxii2/api/collections/{green}/manifest/", added_after=before).json()["objects"]
    assert author["id"] in [e["id"] for e in later], later
    text, bundle = export_text(server, ko.key)
    assert compact(malware) in text and compact(author) in text, text
    assert statement["id"] not in text and pattern["id"] not in text
    _, text, objects = collection(to, "TLP:GREEN")
    assert compact(malware) in text and compact(author) in text, text
    assert statement["id"] not in text
    _, text, _ = collection(to, "TLP:AMBER")
    assert author["id"] not in text and statement["id"] not in text

    # the importer sees all of it, each object once
    text, bundle = export_text(server, ka.key)
    assert sorted(i for i in ids(bundle["objects"]) if i in (author["id"], statement["id"], pattern["id"])) == \
        sorted([author["id"], statement["id"], pattern["id"]])


def test_one_version_kept_under_two_sources_is_listed_once(server, tmp_path):
    (a, ka), (b, kb), _ = parties(server)
    shared_obj = {"type": "malware", "spec_version": "2.1", "id": sid("malware"), "created": T0,
                  "modified": T0, "name": "Example Loader", "is_family": True, "object_marking_refs": [TLP2["green"]]}
    indicator = {"type": "indicator", "spec_version": "2.1", "id": sid("indicator"), "created": T0, "modified": T0,
                 "pattern": "[ipv4-addr:value = '198.51.100.9']", "pattern_type": "stix", "valid_from": T0,
                 "indicator_types": ["malicious-activity"], "object_marking_refs": [TLP2["green"]]}
    for k, name in ((ka, "a.json"), (kb, "b.json")):
        import_bundle(server, tmp_path, k.key, [shared_obj, indicator], name)
    reader = server.org("CSIRT Reader", "ES")
    kr = server.client(reader["id"])
    t = Taxii(server.base, kr.key)
    col, text, objects = collection(t, "TLP:GREEN")
    man = t.get(f"/taxii2/api/collections/{col}/manifest/", **{"match[version]": "all"}).json()["objects"]
    _, bundle = export_text(server, kr.key)
    for o in (shared_obj, indicator):  # kept, and the text of a native indicator
        assert [g["id"] for g in objects].count(o["id"]) == 1, text
        assert [e["id"] for e in man].count(o["id"]) == 1
        got = t.get(f"/taxii2/api/collections/{col}/objects/{o['id']}/", **{"match[version]": "all"})
        assert got.json()["objects"] == [o], got.text
        assert [g for g in bundle["objects"] if g["id"] == o["id"]] == [o]
    # the second organization's indicator is its own object of Kizuna, under its own id
    assert len([g for g in bundle["objects"] if g["type"] == "indicator"]) == 2


def test_a_referred_object_marked_above_the_referring_one_is_not_served_with_it(server, tmp_path):
    (a, ka), (b, kb), _ = parties(server)
    secret = {"type": "identity", "spec_version": "2.1", "id": sid("identity"), "created": T0, "modified": T0,
              "name": "Informant", "identity_class": "individual", "object_marking_refs": [TLP2["red"]]}
    loader = {"type": "malware", "spec_version": "2.1", "id": sid("malware"), "created": T0, "modified": T0,
              "name": "Example Loader", "is_family": True, "created_by_ref": secret["id"],
              "object_marking_refs": [TLP2["green"]]}
    import_bundle(server, tmp_path, ka.key, [secret, loader], "red.json")
    text, _ = export_text(server, kb.key)
    assert compact(loader) in text and secret["id"] in text and "Informant" not in text, text
    t = Taxii(server.base, kb.key)
    _, text, _ = collection(t, "TLP:GREEN")
    assert compact(loader) in text and "Informant" not in text, text
    # its source has it, where its own label puts it
    text, _ = export_text(server, ka.key)
    assert "Informant" in text
    _, text, _ = collection(Taxii(server.base, ka.key), "TLP:RED")
    assert "Informant" in text


def test_two_organizations_one_object_names_have_dates_of_their_own(server, tmp_path):
    (a, ka), (b, kb), _ = parties(server)
    # the source's analyst may not act for b: a is the source, b the creator it names
    sent = [{"type": "malware", "spec_version": "2.1", "id": sid("malware"), "created": T0, "modified": T0,
             "name": f"Loader {i}", "is_family": True, "created_by_ref": f"identity--{b['id']}",
             "object_marking_refs": [TLP2["green"]]} for i in range(3)]
    import_bundle(server, tmp_path, ka.key, sent, "creator.json")
    t = Taxii(server.base, kb.key)
    col, _, objects = collection(t, "TLP:GREEN")
    assert {f"identity--{a['id']}", f"identity--{b['id']}"} <= {o["id"] for o in objects}
    man = t.get(f"/taxii2/api/collections/{col}/manifest/").json()["objects"]
    added = [e["date_added"] for e in man]
    assert added == sorted(added) and len(set(added)) == len(added), man
    seen, params = [], {"limit": 1}
    for _ in range(20):
        r = t.objects(col, **params)
        seen += [o["id"] for o in r.json().get("objects", [])]
        if not r.json().get("more"):
            break
        params = {"limit": 1, "added_after": r.headers["X-TAXII-Date-Added-Last"]}
    assert seen == [o["id"] for o in objects]


TLP1_GREEN = {"type": "marking-definition", "spec_version": "2.1",
              "id": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "created": "2017-01-20T00:00:00.000Z",
              "definition_type": "tlp", "name": "TLP:GREEN", "definition": {"tlp": "green"}}


def test_a_collection_serves_the_tlp_1_definition_its_texts_name(server):
    org = server.org("CSIRT TLP1", "NL")
    c = Taxii(server.base, server.client(org["id"]).key)
    col = c.collections()["TLP:GREEN"]["id"]
    plain = {"type": "malware", "spec_version": "2.1", "id": sid("malware"), "created": T0, "modified": T0,
             "name": "Plain", "is_family": True, "object_marking_refs": [TLP2["green"]]}
    old_style = dict(plain, id=sid("malware"), name="Old style", object_marking_refs=[TLP1_GREEN["id"]])
    for sent in ([plain], [old_style, dict(old_style, id=sid("malware"), name="Again")]):
        r = c.post(f"/taxii2/api/collections/{col}/objects/", {"objects": sent})
        assert r.status_code == 202 and r.json()["failure_count"] == 0, r.text
    _, text, objects = collection(c, "TLP:GREEN")
    assert [o for o in objects if o["id"] == TLP1_GREEN["id"]] == [TLP1_GREEN]
    assert compact(old_style) in text  # kept as it came, naming TLP 1.0
    refs = {r for o in objects for r in o.get("object_marking_refs", []) + [o.get("created_by_ref")] if r}
    assert refs <= {o["id"] for o in objects}, refs - {o["id"] for o in objects}
    man = c.get(f"/taxii2/api/collections/{col}/manifest/").json()["objects"]
    added = [e["date_added"] for e in man]
    assert added == sorted(added) and len(set(added)) == len(added), man
    assert c.get(f"/taxii2/api/collections/{col}/objects/{TLP1_GREEN['id']}/").json()["objects"] == [TLP1_GREEN]
    # a client that had everything before the old-style objects came gets it after
    first_two = [e for e in man if e["id"] in (plain["id"], f"identity--{org['id']}", TLP2["green"])]
    later = c.get(f"/taxii2/api/collections/{col}/manifest/",
                  added_after=max(e["date_added"] for e in first_two)).json()["objects"]
    assert TLP1_GREEN["id"] in [e["id"] for e in later]
    # nowhere else: the AMBER collection has no text that names it
    assert "objects" not in c.objects(c.collections()["TLP:AMBER"]["id"]).json()
