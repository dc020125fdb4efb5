"""Federation over HTTPS (issue 14, point 2: the signature does not replace TLS): real
`kizuna serve` nodes with certificates of a test CA that openssl makes here, each peer's
certificate checked, chain and host name, against the CA given for it (or the system's
store) — a certificate of another CA, or for another host name, is refused at `peer add`
and, when it appears later, makes the sync fail with the reason on the peer until the
peer's new CA is given (`PATCH /api/v1/peers/{id}`, `kizuna peer ca`)."""
import shutil
import subprocess

import pytest

from conftest import Client, Server, run_kizuna


def openssl(*args, cwd):
    subprocess.run(["openssl", *map(str, args)], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_ca(d, name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2", "-subj", f"/CN=Kizuna test {name}",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            cwd=d)


def make_leaf(d, name, ca, san):
    """A server certificate name.pem (key name.key) signed by ca for the subjectAltName san."""
    (d / f"{name}.ext").write_text(f"subjectAltName={san}\nbasicConstraints=CA:FALSE\n"
                                   "extendedKeyUsage=serverAuth\n")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f"{name}.key",
            "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=d)
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial",
            "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext", cwd=d)


@pytest.fixture
def pki(tmp_path):
    """The test CA and another one; node certificates for 127.0.0.1 and localhost of each,
    and one of the test CA for another host name only."""
    d = tmp_path / "pki"
    d.mkdir()
    make_ca(d, "ca")
    make_ca(d, "other-ca")
    for node in ("jp", "cz"):
        make_leaf(d, node, "ca", "IP:127.0.0.1,DNS:localhost")
    make_leaf(d, "foreign", "other-ca", "IP:127.0.0.1,DNS:localhost")
    make_leaf(d, "misnamed", "ca", "DNS:kizuna.other.example")
    return d


# what the test's own client checks a node's certificate against: a misnamed one cannot
# pass any check of requests, so that client alone (not Kizuna) skips it
CLIENT_VERIFY = {"foreign": "other-ca.pem", "misnamed": None}


def tls_node(tmp_path, pki, name, org, state, cert=None):
    """A node serving HTTPS with its own copy of a certificate of pki (default: its own),
    so that a test can swap the certificate and restart it."""
    verify = CLIENT_VERIFY.get(cert, "ca.pem")
    d = tmp_path / name
    d.mkdir()
    shutil.copy(pki / f"{cert or name}.pem", d / "cert.pem")
    shutil.copy(pki / f"{cert or name}.key", d / "key.pem")
    (d / "key.pem").chmod(0o600)
    return Server(d, ["--peer-sync", "0"], org_name=org, state=state,
                  tls=(d / "cert.pem", d / "key.pem", pki / verify if verify else False))


@pytest.fixture
def nodes(tmp_path, pki):
    made = []

    def make(name, org, state, cert=None):
        made.append(tls_node(tmp_path, pki, name, org, state, cert))
        return made[-1]

    yield make
    for s in made:
        assert s.stop() == 0, "the server must exit 0 on SIGTERM"
        assert s.sanitizer_reports() == []


def fingerprint(s):
    return s.admin.get("/node").json()["signing_key"]["fingerprint"]


def add(a, b, ca_pem):
    return a.admin.post("/peers", {"url": b.base, "fingerprint": fingerprint(b), "ca": ca_pem})


def test_peering_and_syncs_over_https_with_each_certificate_checked(nodes, pki):
    jp = nodes("jp", "NISC Japan", "JP")
    cz = nodes("cz", "NUKIB Czechia", "CZ")
    ca = (pki / "ca.pem").read_text()
    # jp pins cz by the API with the CA's PEM, cz pins jp by the CLI with the CA's file
    r = add(jp, cz, ca)
    assert r.status_code == 201, r.text
    to_cz = r.json()
    assert to_cz["url"].startswith("https://127.0.0.1:") and to_cz["ca"] == ca
    out = run_kizuna("peer", "add", "--db", cz.db, jp.base, "--fingerprint", fingerprint(jp), "--ca", pki / "ca.pem")
    assert "checked against the CA given" in out.stdout
    to_jp = cz.admin.get("/peers").json()["items"][0]
    assert to_jp["url"] == jp.base and to_jp["ca"] == ca
    # a contact of cz travels to jp, and one of jp to cz, each pull over HTTPS
    csirt = cz.org("CSIRT.CZ", "CZ")
    poc = cz.contact(csirt["id"], "Jana Novakova", email="jana@csirt.cz.example")
    rep = jp.admin.post(f"/peers/{to_cz['id']}/sync")
    assert rep.status_code == 200 and rep.json()["applied"] >= 3 and rep.json()["refused"] == 0, rep.text
    got = jp.admin.get(f"/contacts/{poc['id']}").json()
    assert got["full_name"] == "Jana Novakova" and got["origin"]["state"] == "CZ"
    jpcert = jp.org("JPCERT/CC", "JP")
    rep = cz.admin.post(f"/peers/{to_jp['id']}/sync")
    assert rep.status_code == 200 and rep.json()["applied"] >= 2, rep.text
    assert cz.admin.get(f"/organizations/{jpcert['id']}").json()["origin"]["state"] == "JP"
    peer = jp.admin.get(f"/peers/{to_cz['id']}").json()
    assert peer["last_success"] and peer["last_error"] is None and peer["failures"] == 0
    audit = jp.admin.get("/audit", params={"limit": 1000}).json()["items"]
    assert any(e["action"] == "peer.add" and e["object_id"] == to_cz["id"] for e in audit)


def test_a_certificate_of_another_ca_is_refused_at_peer_add(nodes, pki):
    jp = nodes("jp", "NISC Japan", "JP")
    cz = nodes("cz", "NUKIB Czechia", "CZ", cert="foreign")  # its certificate: another CA's
    r = add(jp, cz, (pki / "ca.pem").read_text())
    assert r.status_code == 502, r.text
    e = r.json()["error"]
    assert e["field"] == "ca" and "does not verify against the CA given for this peer" in e["message"], e
    # without a CA: the system's store, which does not know the test CAs either
    r = jp.admin.post("/peers", {"url": cz.base, "fingerprint": fingerprint(cz)})
    assert r.status_code == 502 and r.json()["error"]["field"] == "url", r.text
    assert "system's CA store" in r.json()["error"]["message"] and "--ca" in r.json()["error"]["message"]
    # the CLI refuses the same way, naming its option
    res = run_kizuna("peer", "add", "--db", jp.db, cz.base, "--fingerprint", fingerprint(cz), "--ca",
                     pki / "ca.pem", check=False)
    assert res.returncode == 1 and "does not verify" in res.stderr and "(--ca)" in res.stderr, res.stderr
    assert jp.admin.get("/peers").json()["items"] == []  # nothing added
    # the right CA for that certificate: added
    assert add(jp, cz, (pki / "other-ca.pem").read_text()).status_code == 201


def test_a_host_name_mismatch_is_refused(nodes, pki):
    jp = nodes("jp", "NISC Japan", "JP")
    cz = nodes("cz", "NUKIB Czechia", "CZ", cert="misnamed")  # the right CA, for another name
    r = add(jp, cz, (pki / "ca.pem").read_text())
    assert r.status_code == 502 and r.json()["error"]["field"] == "ca", r.text
    assert "127.0.0.1" in r.json()["error"]["message"] and "does not verify" in r.json()["error"]["message"]
    assert jp.admin.get("/peers").json()["items"] == []


def test_a_certificate_that_stops_verifying_fails_the_sync_with_the_reason_until_its_new_ca_is_given(nodes, pki):
    jp = nodes("jp", "NISC Japan", "JP")
    cz = nodes("cz", "NUKIB Czechia", "CZ")
    r = add(jp, cz, (pki / "ca.pem").read_text())
    assert r.status_code == 201, r.text
    assert add(cz, jp, (pki / "ca.pem").read_text()).status_code == 201
    pid = r.json()["id"]
    r = jp.admin.post(f"/peers/{pid}/sync")
    assert r.status_code == 200, r.text
    # cz comes back with a certificate of another CA, on the same port and database
    assert cz.stop() == 0
    shutil.copy(pki / "foreign.pem", cz.tmp / "cert.pem")
    shutil.copy(pki / "foreign.key", cz.tmp / "key.pem")
    cz.verify = str(pki / "other-ca.pem")
    cz.start()
    # the test's own client, anew: requests keeps a pooled connection's first CA
    cz.admin = Client(cz.base, cz.admin_key, org=cz.admin.org, role="admin", verify=cz.verify)
    r = jp.admin.post(f"/peers/{pid}/sync")
    assert r.status_code == 502 and "does not verify" in r.json()["error"]["message"], r.text
    peer = jp.admin.get("/peers").json()["items"][0]
    assert "TLS certificate" in peer["last_error"] and "does not verify" in peer["last_error"], peer
    assert peer["failures"] == 1 and peer["next_attempt"] and peer["last_error_at"]
    # its operator says the CA changed: a CA that does not verify it changes nothing...
    res = run_kizuna("peer", "ca", "--db", jp.db, pid, "--ca", pki / "ca.pem", check=False)
    assert res.returncode == 1 and "does not verify" in res.stderr and "(--ca)" in res.stderr, res.stderr
    r = jp.admin.patch(f"/peers/{pid}", {"ca": None})  # nor does the system's store
    assert r.status_code == 502 and r.json()["error"]["field"] == "url", r.text
    assert jp.admin.patch(f"/peers/{pid}", {"ca": "x", "url": "y"}).status_code == 400
    assert jp.admin.get(f"/peers/{pid}").json()["ca"] == (pki / "ca.pem").read_text()
    # ...the new CA does, and the peer carries on from its cursor
    other = (pki / "other-ca.pem").read_text()
    r = jp.admin.patch(f"/peers/{pid}", {"ca": other})
    assert r.status_code == 200 and r.json()["ca"] == other, r.text
    cz.org("CESNET", "CZ")
    r = jp.admin.post(f"/peers/{pid}/sync")
    assert r.status_code == 200 and r.json()["applied"] == 1, r.text
    assert jp.admin.get(f"/peers/{pid}").json()["failures"] == 0
    audit = jp.admin.get("/audit", params={"limit": 1000}).json()["items"]
    assert [e["action"] for e in audit].count("peer.ca") == 1


def test_a_ca_is_refused_for_plain_http_or_when_it_is_not_pem(nodes, pki, server):
    jp = nodes("jp", "NISC Japan", "JP")
    fp = fingerprint(server)
    for body, says in (({"url": server.base, "fingerprint": fp, "ca": (pki / "ca.pem").read_text()}, "plain http"),
                       ({"url": "https://127.0.0.1:1", "fingerprint": fp, "ca": "not a certificate"}, "PEM"),
                       ({"url": "https://127.0.0.1:1", "fingerprint": fp, "ca": 7}, "string")):
        r = jp.admin.post("/peers", body)
        assert r.status_code == 400 and r.json()["error"]["field"] == "ca", r.text
        assert says in r.json()["error"]["message"]
    assert jp.admin.get("/peers").json()["items"] == []
