"""Node credentials and backend URLs (issue 12, doc/nodes.md "Credentials"): what the
discovery service refuses at POST (422: credential paths outside node-access's
credential directories, unix:, unix-abstract:, address lists, other schemes, a secret
over plaintext http off loopback), what only the node host can tell (a FIFO, a symbolic
link, a world-writable file: refused as it is read, logged once), and that a listener
standing in for an attacker's node receives nothing, not even a connection, for any of
them or for a disabled backend, while a control backend on the same kind of listener is
connected to."""

import os
import shutil
import socket
import threading
import time

import pytest

import harness as H
from nodes import Fleet, Monitord, StatusTable

P = 0.5
U = 0.5
SLACK = float(os.environ.get("SWGR_TEST_SLACK", "0.5"))


class Listener:
    """A TCP listener on loopback standing in for an attacker's node: counts the
    connections it accepts and the bytes it receives."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.received = 0
        self._stop = False
        self._th = threading.Thread(target=self._run, daemon=True)
        self._th.start()

    def _run(self):
        while not self._stop:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.accepted += 1
            c.settimeout(0.2)
            try:
                while True:
                    b = c.recv(65536)
                    if not b:
                        break
                    self.received += len(b)
            except OSError:
                pass
            c.close()

    def close(self):
        self._stop = True
        self._th.join(2)
        self.sock.close()


@pytest.fixture
def listeners():
    made = []

    def make():
        li = Listener()
        made.append(li)
        return li
    yield make
    for li in made:
        li.close()


@pytest.fixture
def lnd(env):
    """One LND simulator: its tls.cert and macaroon are copied for the backends."""
    f = Fleet(env.tmp, 1, kinds=("lnd",)).start()
    yield f[0]
    f.stop()


@pytest.fixture
def mons():
    made = []
    yield made.append
    for m in made:
        m.stop()


def lnd_impl(url, cert, macaroon):
    return {"type": "lndGrpc", "url": url, "domain": "localhost", "ampInvoice": False,
            "auth": {"type": "path", "tlsCertPath": str(cert), "macaroonPath": str(macaroon)}}


def post(disc, part, impl, enabled=True):
    b = H.backend(partitions=[part], impl=impl, enabled=enabled)
    return b, disc.post("/discovery", b)


def refused(disc, part, impl, why):
    b, r = post(disc, part, impl)
    assert r.status_code == 422, (r.status_code, r.text)
    assert why in r.text, r.text
    assert disc.get(f"/discovery/{b['publicKey']}").status_code == 404
    return r.text


# ----------------------------------------------------------------------------- at POST

@pytest.mark.parametrize("path,why", [
    ("/etc/hostname", "not inside a credential directory"),
    (f"{H.CRED_DIR}/../etc/hostname", "'..'"),
    (f"{H.CRED_DIR}/./x.macaroon", "'.'"),
    ("admin.macaroon", "not an absolute path"),
])
def test_credential_path_outside_refused_at_post(disc, part, path, why):
    text = refused(disc, part, lnd_impl("https://127.0.0.1:10009/", f"{H.CRED_DIR}/tls.cert",
                                        path), why)
    assert f"auth.macaroonPath '{path}'" in text, text
    text = refused(disc, part, lnd_impl("https://127.0.0.1:10009/", path,
                                        f"{H.CRED_DIR}/a.macaroon"), why)
    assert f"auth.tlsCertPath '{path}'" in text, text


@pytest.mark.parametrize("url,why", [
    ("unix:/var/run/lnd.sock", "expected an http:// or https:// URL"),
    ("unix:///var/run/lnd.sock", "expected an http:// or https:// URL"),
    ("unix-abstract:lnd", "expected an http:// or https:// URL"),
    ("ipv4:127.0.0.1:10009,127.0.0.1:10010", "expected an http:// or https:// URL"),
    ("dns:///lnd:10009", "expected an http:// or https:// URL"),
    ("https://127.0.0.1:10009,127.0.0.1:10010/", "one host only"),
    ("ftp://127.0.0.1:21/", "expected an http:// or https:// URL"),
    ("file:///etc/passwd", "expected an http:// or https:// URL"),
    ("https://user:pw@127.0.0.1:10009/", "user information"),
    ("https://127.0.0.1:10009/some/path", "no path"),
    ("http://192.0.2.1:10009/", "plaintext http"),
    ("http://node.example.com:10009/", "plaintext http"),
])
def test_backend_url_refused_at_post(disc, part, url, why):
    refused(disc, part, lnd_impl(url, f"{H.CRED_DIR}/tls.cert", f"{H.CRED_DIR}/a.macaroon"), why)


def test_eclair_password_over_plaintext_refused_and_put_too(disc, part):
    impl = {"type": "eclairHttp", "url": "http://192.0.2.1:8080/",
            "auth": {"type": "path", "passwordPath": f"{H.CRED_DIR}/pw"}}
    refused(disc, part, impl, "plaintext http")
    # PUT is checked the same way; CLN over plaintext carries no bearer secret.
    pk = H.node_key()
    body = {"partitions": [part], "weight": 1, "enabled": True, "implementation": impl}
    r = disc.put(f"/discovery/{pk}", body)
    assert r.status_code == 422 and "plaintext http" in r.text, r.text
    body["implementation"] = {"type": "eclairHttp", "url": "http://127.0.0.1:8080/",
                              "auth": {"type": "path", "passwordPath": f"{H.CRED_DIR}/pw"}}
    assert disc.put(f"/discovery/{pk}", body).status_code == 201
    assert disc.delete(f"/discovery/{pk}").status_code == 204


# ----------------------------------------------------------------------------- on the node host

def test_files_refused_where_read_and_nothing_sent(env, disc, part, lnd, listeners, mons):
    """A FIFO, a symbolic link and a world-writable macaroon inside the credential
    directory pass the discovery service (it cannot see the node host's files) and are
    refused by swgr-monitord as it reads them: logged once each, the reason in each
    one's status row (unhealthy, never called), the attacker's listener
    never connected to, and the FIFO freezes nothing (the real node is still checked).
    A control backend with a good copy of the macaroon does reach its listener."""
    d = env.tmp / f"creds-{part}"
    d.mkdir()
    cert = d / "tls.cert"
    shutil.copy(lnd.dir / "tls.cert", cert)
    good = d / "good.macaroon"
    shutil.copy(lnd.dir / "admin.macaroon", good)
    os.chmod(good, 0o600)
    fifo = d / "fifo.macaroon"
    os.mkfifo(fifo, 0o600)
    link = d / "link.macaroon"
    os.symlink(good, link)
    ww = d / "ww.macaroon"
    shutil.copy(good, ww)
    os.chmod(ww, 0o666)
    attacker, control = listeners(), listeners()
    url = f"https://127.0.0.1:{attacker.port}/"
    bad = {}
    for name, path in (("a FIFO", fifo), ("symbolic link", link),
                       ("writable by its group or by others", ww)):
        b, r = post(disc, part, lnd_impl(url, cert, path))
        assert r.status_code == 201, r.text
        bad[name] = b["publicKey"]
    _, r = post(disc, part, lnd_impl(f"https://127.0.0.1:{control.port}/", cert, good))
    assert r.status_code == 201, r.text
    lnd.register(disc, [part])

    mon = Monitord(env.tmp, env.db, [part], period=P, update=U)
    mons(mon)
    mon.start()
    deadline = time.monotonic() + 3 * (P + U) + SLACK
    while time.monotonic() < deadline and control.accepted == 0:
        time.sleep(0.05)
    time.sleep(2 * P)
    log = mon.log_text()
    for why, pk in bad.items():
        lines = [x for x in log.splitlines() if pk in x and why in x]
        assert len(lines) == 1, (why, lines, log[-2000:])
    assert attacker.accepted == 0 and attacker.received == 0
    assert control.accepted > 0, "the control backend was never dialled"
    # Each refused backend's status row is unhealthy and says why.
    table = StatusTable(env.db, mon.instance)
    for why, pk in bad.items():
        row = table.row(pk)
        assert row is not None and not row["healthy"], (why, row)
        assert why in (row["last_error"] or ""), (why, row)
    # The FIFO did not freeze the fleet: the real node is monitored.
    assert f"monitoring backend {lnd.pk}" in log, log[-2000:]
    for b in bad.values():
        disc.delete(f"/discovery/{b}")


def test_disabled_backend_never_connected(env, disc, part, lnd, listeners, mons):
    """A disabled backend with usable credentials is never dialled by swgr-monitord
    (the CLI's templates are created disabled); the same backend enabled is."""
    d = env.tmp / f"creds-{part}"
    d.mkdir()
    shutil.copy(lnd.dir / "tls.cert", d / "tls.cert")
    shutil.copy(lnd.dir / "admin.macaroon", d / "a.macaroon")
    os.chmod(d / "a.macaroon", 0o600)
    li = listeners()
    impl = lnd_impl(f"https://127.0.0.1:{li.port}/", d / "tls.cert", d / "a.macaroon")
    b, r = post(disc, part, impl, enabled=False)
    assert r.status_code == 201, r.text
    mon = Monitord(env.tmp, env.db, [part], period=P, update=U)
    mons(mon)
    mon.start()
    time.sleep(4 * P + U)
    assert li.accepted == 0 and li.received == 0
    assert disc.patch(f"/discovery/{b['publicKey']}", {"enabled": True}).status_code == 204
    deadline = time.monotonic() + U + 2 * P + SLACK
    while time.monotonic() < deadline and li.accepted == 0:
        time.sleep(0.05)
    assert li.accepted > 0
    disc.delete(f"/discovery/{b['publicKey']}")
