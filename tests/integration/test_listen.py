"""Where and how a node listens (issue 11, points 13 and 16): a port another server holds is
refused, naming it, and `make demo` checks the port before it wipes its database; TLS
with a certificate the test makes, HSTS on it; plain HTTP only on loopback unless
--insecure-http says a TLS proxy in front ends it."""
import datetime
import ipaddress
import signal
import socket
import subprocess
import time

import pytest
import requests

from conftest import KIZUNA, ROOT, free_port, run_kizuna


def wait_https(url, proc, verify):
    deadline = time.time() + 15
    while time.time() < deadline:
        try:
            return requests.get(url, timeout=2, verify=verify)
        except requests.exceptions.ConnectionError:
            if proc.poll() is not None:
                raise RuntimeError(f"kizuna serve exited {proc.returncode}")
            time.sleep(0.05)
    raise RuntimeError("kizuna serve did not come up")


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=30)


@pytest.fixture
def node_db(tmp_path):
    db = tmp_path / "node.db"
    run_kizuna("init", "--db", db, "--org-name", "Listen test node", "--state", "JP")
    return db


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    d = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kizuna test node")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    (d / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (d / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
    (d / "key.pem").chmod(0o600)
    other = ec.generate_private_key(ec.SECP256R1())
    (d / "other-key.pem").write_bytes(other.private_bytes(serialization.Encoding.PEM,
                                                          serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
    return d


# ---- 13: one server per port --------------------------------------------------------

def test_a_second_server_on_a_taken_port_refuses_naming_it(server, tmp_path):
    other = tmp_path / "other.db"
    run_kizuna("init", "--db", other, "--org-name", "Second node", "--state", "FR")
    r = subprocess.run([KIZUNA, "serve", "--db", str(other), "--listen", f"127.0.0.1:{server.port}"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1, r.stderr
    assert f"port {server.port} is in use" in r.stderr, r.stderr
    # Every request still lands on the first node.
    for _ in range(20):
        assert requests.get(f"{server.base}/api/v1/node", timeout=10,
                            headers={"Authorization": f"Bearer {server.admin_key}"}).json()["organization"] \
            == server.admin.org


def test_check_says_whether_a_server_could_start(server):
    r = run_kizuna("serve", "--check", "--listen", f"127.0.0.1:{server.port}", check=False)
    assert r.returncode == 1
    assert f"port {server.port} is in use" in r.stderr, r.stderr
    port = free_port()
    r = run_kizuna("serve", "--check", "--listen", f"127.0.0.1:{port}", check=False)
    assert r.returncode == 0, r.stderr
    assert f"port {port} is free" in r.stdout
    with socket.socket() as s:  # and it let the port go again
        s.bind(("127.0.0.1", port))


def test_make_demo_wipes_nothing_when_the_port_is_taken(tmp_path):
    db = tmp_path / "demo.db"
    db.write_bytes(b"an operator's node, not to be wiped")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        r = subprocess.run(["make", "-s", "-C", str(ROOT), "-o", "build", "demo", f"KIZUNA={KIZUNA}",
                            f"DEMO_DB={db}", f"DEMO_LISTEN=127.0.0.1:{port}"],
                           capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    assert f"port {port} is in use" in r.stderr, r.stderr
    assert "Kizuna demo:" not in r.stdout
    assert db.read_bytes() == b"an operator's node, not to be wiped"
    assert not (tmp_path / "demo.db.key").exists()


def test_make_demo_wipes_nothing_when_it_may_not_serve_plain_http_there(tmp_path):
    db = tmp_path / "demo.db"
    db.write_bytes(b"kept")
    r = subprocess.run(["make", "-s", "-C", str(ROOT), "-o", "build", "demo", f"KIZUNA={KIZUNA}",
                        f"DEMO_DB={db}", f"DEMO_LISTEN=0.0.0.0:{free_port()}"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    assert "refusing plain HTTP" in r.stderr, r.stderr
    assert db.read_bytes() == b"kept"


# ---- 16: TLS, and plain HTTP only on loopback -----------------------------------------

def test_tls_node_answers_https_with_hsts(node_db, certificate):
    port = free_port()
    proc = subprocess.Popen([KIZUNA, "serve", "--db", str(node_db), "--listen", f"127.0.0.1:{port}",
                             "--tls-cert", str(certificate / "cert.pem"), "--tls-key", str(certificate / "key.pem")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        r = wait_https(f"https://127.0.0.1:{port}/api/v1/health", proc, str(certificate / "cert.pem"))
        assert r.status_code == 200
        assert r.headers["Strict-Transport-Security"] == "max-age=31536000"
        page = requests.get(f"https://localhost:{port}/", timeout=10, verify=str(certificate / "cert.pem"))
        assert page.status_code == 200
        assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
        # Plain HTTP on the TLS port gets no answer.
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=10)
        # A standard TLS client negotiates TLS 1.2 or later.
        with socket.create_connection(("127.0.0.1", port)) as s:
            import ssl
            ctx = ssl.create_default_context(cafile=str(certificate / "cert.pem"))
            with ctx.wrap_socket(s, server_hostname="127.0.0.1") as t:
                assert t.version() in ("TLSv1.2", "TLSv1.3")
    finally:
        assert stop(proc) == 0


def test_plain_http_has_no_hsts(server):
    assert "Strict-Transport-Security" not in server.anon.get("/health").headers


def test_plain_http_on_a_public_address_is_refused(node_db):
    port = free_port()
    r = subprocess.run([KIZUNA, "serve", "--db", str(node_db), "--listen", f"0.0.0.0:{port}"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert f"refusing plain HTTP on 0.0.0.0:{port}, which is not a loopback address" in r.stderr
    assert "--insecure-http" in r.stderr and "--tls-cert" in r.stderr
    r = run_kizuna("serve", "--check", "--listen", f"0.0.0.0:{port}", check=False)
    assert r.returncode == 1 and "refusing plain HTTP" in r.stderr


def test_insecure_http_allows_it(node_db):
    port = free_port()
    proc = subprocess.Popen([KIZUNA, "serve", "--db", str(node_db), "--listen", f"0.0.0.0:{port}", "--insecure-http"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        r = wait_https(f"http://127.0.0.1:{port}/api/v1/health", proc, True)
        assert r.status_code == 200
    finally:
        assert stop(proc) == 0


def test_tls_on_all_addresses_needs_no_insecure_flag(node_db, certificate):
    port = free_port()
    proc = subprocess.Popen([KIZUNA, "serve", "--db", str(node_db), "--listen", f"0.0.0.0:{port}",
                             "--tls-cert", str(certificate / "cert.pem"), "--tls-key", str(certificate / "key.pem")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        r = wait_https(f"https://127.0.0.1:{port}/api/v1/health", proc, str(certificate / "cert.pem"))
        assert r.status_code == 200
    finally:
        assert stop(proc) == 0


@pytest.mark.parametrize("args, says", [
    (["--tls-cert", "CERT"], "TLS needs both --tls-cert FILE and --tls-key FILE"),
    (["--tls-cert", "CERT", "--tls-key", "MISSING"], "--tls-key: "),
    (["--tls-cert", "CERT", "--tls-key", "OTHER"], "is --tls-key the key of --tls-cert"),
])
def test_bad_tls_files_are_refused_saying_why(node_db, certificate, args, says):
    files = {"CERT": certificate / "cert.pem", "MISSING": certificate / "nope.pem",
             "OTHER": certificate / "other-key.pem"}
    args = [str(files.get(a, a)) for a in args]
    r = subprocess.run([KIZUNA, "serve", "--db", str(node_db), "--listen", f"127.0.0.1:{free_port()}", *args],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1, r.stderr
    assert says in r.stderr, r.stderr
    r = run_kizuna("serve", "--check", "--listen", f"127.0.0.1:{free_port()}", *args, check=False)
    assert r.returncode == 1, r.stderr
    assert says in r.stderr, r.stderr


def test_check_accepts_a_working_tls_pair_off_loopback(certificate):
    r = run_kizuna("serve", "--check", "--listen", f"0.0.0.0:{free_port()}", "--tls-cert", certificate / "cert.pem",
                   "--tls-key", certificate / "key.pem", check=False)
    assert r.returncode == 0, r.stderr


def test_a_tls_handshake_that_never_comes_is_cut_off(node_db, certificate):
    """The request deadline covers the TLS handshake too: a client that connects to a TLS
    node and never says hello loses its connection after --request-timeout."""
    import select
    port = free_port()
    proc = subprocess.Popen([KIZUNA, "serve", "--db", str(node_db), "--listen", f"127.0.0.1:{port}",
                             "--tls-cert", str(certificate / "cert.pem"), "--tls-key", str(certificate / "key.pem"),
                             "--request-timeout", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_https(f"https://127.0.0.1:{port}/api/v1/health", proc, str(certificate / "cert.pem"))
        with socket.create_connection(("127.0.0.1", port)) as s:
            assert select.select([s], [], [], 30)[0], "the silent connection outlived 30 s"
            try:
                assert s.recv(4096) == b""
            except ConnectionResetError:
                pass
    finally:
        assert stop(proc) == 0


def test_every_serve_option_is_in_the_man_page_and_the_listening_ones_in_operations():
    import re
    options = re.findall(r"^  --([a-z-]+)", run_kizuna("serve", "--help").stdout, re.M)
    assert {"tls-cert", "tls-key", "insecure-http", "check", "request-timeout", "per-address-connections",
            "max-connections"} <= set(options)
    man = (ROOT / "docs" / "man" / "kizuna.1").read_text()
    assert [o for o in options if "\\-\\-" + o.replace("-", "\\-") not in man] == []
    ops = (ROOT / "docs" / "OPERATIONS.md").read_text()
    for o in ("tls-cert", "tls-key", "insecure-http", "check", "request-timeout", "per-address-connections",
              "max-connections"):
        assert f"--{o}" in ops, o
