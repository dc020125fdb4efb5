""""Who will see this": POST /tlp/audience (a form's sharing before saving) and GET
/{incidents,indicators}/{id}/audience must name exactly the organizations that can
then read the object. The matrix: each label x recipients (none, R, R and the node)
x allow_clients; the truth each answer is held to is a real read (GET) with a key of
every organization of the directory."""
import pytest

from conftest import assert_error

LABELS = ["clear", "green", "amber", "amber+strict", "red"]


@pytest.fixture
def world(server):
    s = server
    orgs = {name: s.org(f"{name} org", st)["id"] for name, st in
            [("S", "JP"), ("R", "SG"), ("O", "FR"), ("C", "JP")]}
    assert s.admin.patch(f"/organizations/{orgs['C']}", {"client": True}).status_code == 200
    orgs["node"] = s.admin.org
    readers = {name: s.client(oid, "viewer") for name, oid in orgs.items()}
    return s, orgs, readers, s.client(orgs["S"], "analyst")


def names(orgs, ids):
    by_id = {v: k for k, v in orgs.items()}
    return {by_id[i] for i in ids}


def cells(orgs):
    for label in LABELS:
        for recipients in ([], [orgs["R"]], [orgs["R"], orgs["node"]]):
            for allow in (False, True):
                yield {"tlp": label, "recipients": recipients, "allow_clients": allow}


def test_draft_and_stored_audience_are_who_can_read(world):
    s, orgs, readers, writer = world
    for n, sharing in enumerate(cells(orgs)):
        draft = writer.post("/tlp/audience", sharing)
        assert draft.status_code == 200, draft.text
        got = draft.json()
        inc = writer.post("/incidents", {"title": "audience", "rsit_type": "phishing", **sharing})
        ind = writer.post("/indicators", {"type": "domain", "value": f"a{n}.audience.example", **sharing})
        assert inc.status_code == 201 and ind.status_code == 201, (inc.text, ind.text)
        for kind, obj in (("incidents", inc.json()), ("indicators", ind.json())):
            can_read = {n for n, c in readers.items() if c.get(f"/{kind}/{obj['id']}").status_code == 200}
            cell = f"{kind} {sharing['tlp']} recipients={names(orgs, sharing['recipients'])} clients={sharing['allow_clients']}"
            assert names(orgs, [o["id"] for o in got["organizations"]]) == can_read, cell
            assert got["count"] == len(can_read), cell
            assert got["anyone"] is (sharing["tlp"] == "clear"), cell
            stored = writer.get(f"/{kind}/{obj['id']}/audience")
            assert stored.status_code == 200, stored.text
            assert stored.json()["organizations"] == got["organizations"], cell
            assert stored.json()["tlp"] == sharing["tlp"]


def test_why_each_organization_sees_it(world):
    s, orgs, readers, writer = world
    r = writer.post("/tlp/audience", {"tlp": "amber", "recipients": [orgs["R"], orgs["node"]], "allow_clients": True})
    why = {o["id"]: o["why"] for o in r.json()["organizations"]}
    assert why == {orgs["S"]: "source", orgs["R"]: "recipient", orgs["node"]: "recipient", orgs["C"]: "client"}
    org_c = next(o for o in r.json()["organizations"] if o["id"] == orgs["C"])
    assert org_c == {"id": orgs["C"], "name": "C org", "state": "JP", "why": "client"}
    r = writer.post("/tlp/audience", {"tlp": "green"})
    assert {o["why"] for o in r.json()["organizations"]} == {"member"}
    assert r.json()["count"] == len(orgs)


def test_a_recipient_learns_no_other_recipient(world):
    """TLP 2.0 shares the object, not the list of who else holds it: the stored
    audience a recipient asks for is computed over what it is shown of the recipients."""
    s, orgs, readers, writer = world
    inc = writer.post("/incidents", {"title": "two recipients", "rsit_type": "phishing", "tlp": "red",
                                     "recipients": [orgs["R"], orgs["O"]]}).json()
    as_source = writer.get(f"/incidents/{inc['id']}/audience").json()
    assert names(orgs, [o["id"] for o in as_source["organizations"]]) == {"S", "R", "O"}
    as_r = readers["R"].get(f"/incidents/{inc['id']}/audience").json()
    assert names(orgs, [o["id"] for o in as_r["organizations"]]) == {"S", "R"}


def test_hidden_object_answers_as_missing(world):
    s, orgs, readers, writer = world
    inc = writer.post("/incidents", {"title": "red", "rsit_type": "phishing", "tlp": "red"}).json()
    ind = writer.post("/indicators", {"type": "domain", "value": "hidden.audience.example", "tlp": "red"}).json()
    for kind, oid in (("incidents", inc["id"]), ("indicators", ind["id"])):
        hidden = readers["O"].get(f"/{kind}/{oid}/audience")
        missing = readers["O"].get(f"/{kind}/00000000-0000-4000-8000-000000000000/audience")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json()["error"]["message"].replace(oid, "X") == \
            missing.json()["error"]["message"].replace("00000000-0000-4000-8000-000000000000", "X")
        assert s.anon.get(f"/{kind}/{oid}/audience").status_code in (401, 404)


def test_bad_draft_names_the_field(world):
    s, orgs, readers, writer = world
    assert_error(writer.post("/tlp/audience", {"tlp": "purple"}), 400, "tlp")
    assert_error(writer.post("/tlp/audience", {"recipients": []}), 400, "tlp")
    assert_error(writer.post("/tlp/audience", {"tlp": "red", "recipients": [orgs["R"], "00000000-0000-4000-8000-000000000000"]}),
                 400, "recipients[1]")
    assert_error(writer.post("/tlp/audience", {"tlp": "red", "recipients": ["nope"]}), 400, "recipients[0]")
    assert_error(writer.post("/tlp/audience", {"tlp": "red", "organization": orgs["O"]}), 403, "organization")
    assert_error(writer.post("/tlp/audience", {"tlp": "red", "colour": 1}), 400, "colour")
    assert_error(s.anon.post("/tlp/audience", {"tlp": "red"}), 401)
    # an admin may ask for another organization's draft
    r = s.admin.post("/tlp/audience", {"tlp": "red", "organization": orgs["O"]})
    assert r.status_code == 200 and [o["id"] for o in r.json()["organizations"]] == [orgs["O"]]
