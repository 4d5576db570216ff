"""Lightning node simulators (tests/sim/lnsim.py) for the integration tests, and the
processes that watch them: start N simulators, control them, register them as
backends through the admin API, run swgr-monitord and read the status table it writes.

Reusable by any test that needs nodes (monitord, the LNURL responder):

    with nodes.Fleet(tmp, 3) as fleet:            # 3 simulators: lnd, cln, eclair
        for n in fleet: n.register(disc, [part])  # POST /discovery
        mon = nodes.Monitord(tmp, env.db, [part]).start()
        table = nodes.StatusTable(env.db, mon.instance)
        nodes.wait_for(lambda: table.row(fleet[0].pk)["healthy"], 5, "node 0 healthy")
"""

import json
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests

import harness as H


MEMORY_SKIP = ("the memory store is one per configuration file (README): swgr-monitord "
               "and swgr-lnurl, each with a configuration of its own, cannot share the admin "
               "services' store and status table in this suite")


def skip_on_memory(db):
    """Tests whose processes must share one store through different configuration
    files do not apply to `type: memory`; they are reported as skipped, with why."""
    if db.kind == "memory":
        pytest.skip(MEMORY_SKIP)



ROOT = Path(__file__).resolve().parents[2]
LNSIM = ROOT / "tests" / "sim" / "lnsim.py"
PYTHON = "/usr/bin/python3"     # Debian's: has grpcio and cryptography

# The node kinds of the simulator, in the order a Fleet deals them out.
KINDS = ("lnd", "cln", "eclair")


def pair(kind):
    """(kind, the next kind): the kinds of a two-node fleet whose first node, the one a
    test acts on, is of kind; over KINDS, every kind is acted on once and paired with
    each other kind once."""
    return (kind, KINDS[(KINDS.index(kind) + 1) % len(KINDS)])

# --------------------------------------------------------------------------- ports

# Apart from the harness's 20000-25999, also below the ephemeral range: see H.PortRange.
_sim_ports = H.PortRange(26000, 31999, "SWGR_SIM_PORT_BASE", 50, 100)


def sim_port():
    """A free TCP port on 127.0.0.1, from 26000 upward (apart from the harness's ports)."""
    return _sim_ports.take()


def wait_for(pred, timeout, what, interval=0.05):
    """Polls pred() until it returns a true value (returned) or timeout seconds pass
    (AssertionError naming what and the last value).  Exceptions of pred count as false."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = pred()
            if last:
                return last
        except Exception as e:  # noqa: BLE001 - e.g. a row not there yet
            last = e
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: not within {timeout:.2f} s (last: {last!r})")
        time.sleep(interval)


# --------------------------------------------------------------------------- simulators

class Sim:
    """One lnsim.py process: an LND, CLN or Eclair node with its own --dir, --port,
    --control-port (tls: Eclair's API over HTTPS)."""

    def __init__(self, kind, directory, inbound_msat=10**10, seed=None, tls=False):
        assert kind in KINDS, kind
        assert not tls or kind == "eclair", "tls: an Eclair option"
        self.kind = kind
        self.tls = tls
        self.dir = Path(directory)
        self.port = sim_port()
        self.control_port = sim_port()
        self.inbound_msat = inbound_msat
        self.seed = seed
        self.proc = None
        self.pk = None
        self._log = None

    def spawn(self):
        """Starts the process without waiting (see ready)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        argv = [PYTHON, str(LNSIM), "--kind", self.kind, "--dir", str(self.dir),
                "--port", str(self.port), "--control-port", str(self.control_port),
                "--inbound-msat", str(self.inbound_msat)]
        if self.seed:
            argv += ["--seed", self.seed]
        if self.tls:
            argv += ["--tls"]
        self._log = open(self.dir / "lnsim.log", "ab")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=self._log, start_new_session=True)
        return self

    def ready(self, timeout=30.0):
        """Waits until the control port answers; reads the public key."""
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"lnsim {self.kind} exited with {self.proc.returncode}: "
                                   f"{self.log_text()[-2000:]}")
            try:
                st = self.state()
                self.pk = st["publicKey"]
                H.wait_port(self.port, timeout=max(0.1, deadline - time.monotonic()), proc=self.proc)
                return self
            except (requests.RequestException, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"lnsim {self.kind} on {self.control_port} not ready")
            time.sleep(0.05)

    def start(self, timeout=30.0):
        return self.spawn().ready(timeout)

    def log_text(self):
        try:
            return (self.dir / "lnsim.log").read_text(errors="replace")
        except OSError:
            return ""

    def url(self, path):
        return f"http://127.0.0.1:{self.control_port}{path}"

    def state(self):
        r = requests.get(self.url("/state"), timeout=5)
        r.raise_for_status()
        return r.json()

    def control(self, **settings):
        """POST /control: down, latency_ms, hang, hang_invoices, error_rate, inbound_msat,
        wrong (the same for every kind)."""
        r = requests.post(self.url("/control"), data=json.dumps(settings), timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def checks(self):
        """How many inbound-capacity calls (ChannelBalance / ListPeerChannels /
        usablebalances) the node answered."""
        return self.state()["counts"]["balance_checks"]

    def auth_failures(self):
        """Calls the node refused for their credentials (LND: macaroon; Eclair: password)."""
        return self.state()["counts"]["auth_failures"]

    def calls(self):
        return self.state()["counts"]["calls"]

    def implementation(self):
        """The backend's implementation JSON (spec 7.1; eclairHttp: doc/nodes.md) for
        this node's files."""
        url = f"https://127.0.0.1:{self.port}"
        if self.kind == "eclair":
            auth = {"type": "path", "passwordPath": str(self.dir / "eclair-api-password")}
            if self.tls:
                auth["caCertPath"] = str(self.dir / "tls.cert")
            return {"type": "eclairHttp", "url": f"{'https' if self.tls else 'http'}://127.0.0.1:"
                    f"{self.port}/", "auth": auth}
        if self.kind == "lnd":
            return {"type": "lndGrpc", "url": url, "domain": "localhost", "ampInvoice": False,
                    "auth": {"type": "path", "tlsCertPath": str(self.dir / "tls.cert"),
                             "macaroonPath": str(self.dir / "admin.macaroon")}}
        return {"type": "clnGrpc", "url": url, "domain": "localhost",
                "auth": {"type": "path", "caCertPath": str(self.dir / "ca.pem"),
                         "clientCertPath": str(self.dir / "client.pem"),
                         "clientKeyPath": str(self.dir / "client-key.pem")}}

    def wrong_implementation(self, directory):
        """implementation() with credentials the node refuses, made in directory: LND a
        macaroon of random bytes, Eclair another password, CLN a client certificate of
        another CA (the TLS handshake fails)."""
        impl = self.implementation()
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        if self.kind == "lnd":
            (d / "wrong.macaroon").write_bytes(b"\x02" + os.urandom(63))   # v2 in shape
            impl["auth"]["macaroonPath"] = str(d / "wrong.macaroon")
        elif self.kind == "eclair":
            (d / "wrong-password").write_text(os.urandom(8).hex() + "\n")
            impl["auth"]["passwordPath"] = str(d / "wrong-password")
        else:
            cert, key = _self_signed_client()
            (d / "wrong-client.pem").write_bytes(cert)
            (d / "wrong-client-key.pem").write_bytes(key)
            impl["auth"]["clientCertPath"] = str(d / "wrong-client.pem")
            impl["auth"]["clientKeyPath"] = str(d / "wrong-client-key.pem")
        return impl

    def backend(self, partitions, weight=1, enabled=True, name=None):
        return H.backend(pk=self.pk, partitions=partitions, weight=weight, enabled=enabled,
                         name=name or f"{self.kind}-{self.port}", impl=self.implementation())

    def register(self, disc, partitions, **kw):
        """POST /discovery through the admin API; returns the body sent."""
        b = self.backend(partitions, **kw)
        r = disc.post("/discovery", b)
        assert r.status_code == 201, (r.status_code, r.text)
        return b

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None


def _self_signed_client():
    """(certificate PEM, key PEM) of a client no node's CA signed."""
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "stranger")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


class Fleet(list):
    """n simulators started together (kinds dealt out in turn: lnd, cln, eclair unless
    given); a context manager that stops them all."""

    def __init__(self, tmp, n, kinds=KINDS, inbound_msat=10**10):
        super().__init__()
        base = Path(tmp) / f"sims-{uuid.uuid4().hex[:8]}"
        for i in range(n):
            self.append(Sim(kinds[i % len(kinds)], base / f"node{i}",
                            inbound_msat=inbound_msat + i))

    def start(self):
        try:
            for s in self:
                s.spawn()
            for s in self:
                s.ready()
        except Exception:
            self.stop()
            raise
        return self

    def stop(self):
        for s in self:
            s.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


# --------------------------------------------------------------------------- database restarts

def db_restart_same_port(db):
    """Starts the session's database server again on its old port and directory
    (harness.Database.start would pick a new port, so clients could never come back)."""
    assert db.kind in ("postgres", "mariadb")
    r = subprocess.run(["bash", str(H.DBCTL), "start", db.kind, str(db.dir), str(db.port)],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError(f"dbctl start {db.kind} failed: {r.stdout}\n{r.stderr}")
    assert r.stdout.strip().splitlines()[-1] == db.uri


# --------------------------------------------------------------------------- swgr-monitord

def lnurl_section(partitions, period=0.5, update=0.5, to_healthy=1, to_unhealthy=1,
                  timeout=2.0, parallel=True):
    """YAML of a complete lnurl-service section (every required key, spec 12.2)."""
    return f"""lnurl-service:
  partitions: {json.dumps(list(partitions))}
  address: 127.0.0.1:8080
  health-check-frequency-secs: {period}
  parallel-health-check: {"true" if parallel else "false"}
  health-check-consecutive-success-to-healthy: {to_healthy}
  health-check-consecutive-failure-to-unhealthy: {to_unhealthy}
  backend-update-frequency-secs: {update}
  invoice-expiry-secs: 180
  ln-client-timeout-secs: {timeout}
  allowed-hosts: []
  backoff:
    type: exponential
    max-elapsed-time-secs: 2.5
  backend-selection: round-robin
  bech32-qr-scale: 8
  bech32-qr-light: 255
  bech32-qr-dark: 0
"""


class Monitord:
    """swgr-monitord -c CONFIG in the foreground, logging to its own file.  The config
    shares the session's discover store (db.store_yaml(..., tag)) so backends
    registered through the admin API are the ones it monitors."""

    def __init__(self, tmp, db, partitions, instance=None, tag="main", log_level="info",
                 extra_yaml="", node_access=None, **lnurl):
        skip_on_memory(db)
        self.tmp = Path(tmp)
        self.db = db
        self.instance = instance or f"mon-{uuid.uuid4().hex[:8]}"
        self.config = self.tmp / f"monitord-{self.instance}.yaml"
        self.log = self.tmp / f"monitord-{self.instance}.log"
        self.stderr = self.tmp / f"monitord-{self.instance}.stderr"
        self.lnurl = dict(lnurl)
        self.period = self.lnurl.get("period", 0.5)
        self.update = self.lnurl.get("update", 0.5)
        text = lnurl_section(partitions, **lnurl)
        text += "store:\n  discover:\n" + H.indent(db.store_yaml("discover", tag), 4)
        text += (f"monitor:\n  instance: {self.instance}\n"
                 f"  log-file: {json.dumps(str(self.log))}\n  log-level: {log_level}\n")
        text += node_access if node_access is not None else H.node_access_yaml()
        text += extra_yaml
        self.config.write_text(text)
        self.proc = None
        self._errf = None

    def start(self, wait_heartbeat=True):
        self._errf = open(self.stderr, "ab")
        wrapper = H.wrapper("SWGR_MONITORD_WRAPPER")  # e.g. valgrind
        self.proc = subprocess.Popen([*wrapper, H.binary("swgr-monitord"), "-c", str(self.config)],
                                     stdin=subprocess.DEVNULL, stdout=self._errf,
                                     stderr=self._errf, start_new_session=True)
        if wait_heartbeat:
            table = StatusTable(self.db, self.instance)
            wait_for(lambda: self.check_alive() and table.heartbeat(), 60 if wrapper else 15,
                     "swgr-monitord's first heartbeat")
        return self

    def check_alive(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"swgr-monitord exited with {self.proc.returncode}: "
                                 f"{self.log_text()[-3000:]}{self.stderr_text()[-2000:]}")
        return True

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_text(self):
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def stderr_text(self):
        try:
            return self.stderr.read_text(errors="replace")
        except OSError:
            return ""

    stop_secs = None

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Sends sig and waits; returns the exit code (None if it had to be killed).
        self.stop_secs: signal to exit (None if not running or killed); timeout only
        ends a hang, a promptness test asserts stop_secs against its own bound."""
        rc = None
        self.stop_secs = None
        if self.proc is not None:
            if self.proc.poll() is None:
                t0 = time.monotonic()
                self.proc.send_signal(sig)
                try:
                    rc = self.proc.wait(timeout)
                    self.stop_secs = time.monotonic() - t0
                except subprocess.TimeoutExpired:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait()
            else:
                rc = self.proc.returncode
        if self._errf is not None:
            self._errf.close()
            self._errf = None
        return rc


# --------------------------------------------------------------------------- the status table

STATUS_COLUMNS = ("id", "weight", "healthy", "successes", "failures", "inbound_msat",
                  "checked_ms", "latency_us", "last_error")


class StatusTable:
    """Reads swgr_node_status and swgr_monitor_heartbeat of one instance straight from
    the database: sqlite3 for SQLite, psql or mariadb for the servers."""

    def __init__(self, db, instance, tag="main"):
        self.db = db
        self.instance = instance
        self.sqlite_path = db.tmp / f"{tag}-discover.db" if db.kind == "sqlite" else None

    def _query(self, sql_sqlite, sql_pg, sql_my, params):
        kind = self.db.kind
        if kind == "sqlite":
            import sqlite3
            con = sqlite3.connect(str(self.sqlite_path), timeout=10)
            try:
                return [tuple(r) for r in con.execute(sql_sqlite, params).fetchall()]
            finally:
                con.close()
        for p in params:        # our own values only: instance names, no quoting needed
            assert "'" not in str(p)
        if kind == "postgres":
            sql = sql_pg.replace("?", "'%s'") % tuple(params)
            r = subprocess.run(["psql", self.db.uri, "-X", "-A", "-t", "-F", "\t", "-q",
                                "-v", "ON_ERROR_STOP=1", "-c", sql],
                               capture_output=True, text=True, timeout=15)
        else:
            user, pw, rest, _ = self.db.userpass_hostpath()
            hostport, _, dbname = rest.partition("/")
            host, _, port = hostport.partition(":")
            sql = sql_my.replace("?", "'%s'") % tuple(params)
            r = subprocess.run(["mariadb", "--no-defaults", "-h", host, "-P", port, "-u", user,
                                f"-p{pw}", "-B", "-N", "-r", dbname, "-e", sql],
                               capture_output=True, text=True, timeout=15)
        if r.returncode != 0:
            raise RuntimeError(f"{kind} query failed: {r.stderr.strip()}")
        rows = []
        for line in r.stdout.splitlines():
            if line == "":
                continue
            rows.append(tuple(None if v in ("", "NULL", "\\N") else v for v in line.split("\t")))
        return rows

    def rows(self):
        """{public key hex: row dict} of the instance; integers as int, healthy as bool."""
        cols = ("weight, CASE WHEN healthy THEN 1 ELSE 0 END, successes, failures, "
                "inbound_msat, checked_ms, latency_us, last_error")
        q = f"FROM swgr_node_status WHERE instance = ?"
        raw = self._query(f"SELECT lower(hex(id)), {cols} {q}",
                          f"SELECT encode(id, 'hex'), {cols} {q}",
                          f"SELECT lower(hex(id)), {cols} {q}", [self.instance])
        out = {}
        for r in raw:
            d = dict(zip(STATUS_COLUMNS, r))
            for k in ("weight", "successes", "failures", "inbound_msat", "checked_ms", "latency_us"):
                if d[k] is not None:
                    d[k] = int(d[k])
            d["healthy"] = int(d["healthy"]) == 1
            if self.db.kind != "sqlite" and d["last_error"] is not None:
                d["last_error"] = d["last_error"].replace("\\n", "\n")
            out[d["id"]] = d
        return out

    def row(self, pk):
        """The row of pk (compressed hex) or None."""
        return self.rows().get(H.compress_key(pk))

    def heartbeat(self):
        """(beat_ms, period_ms) or None."""
        q = "SELECT beat_ms, period_ms FROM swgr_monitor_heartbeat WHERE instance = ?"
        raw = self._query(q, q, q, [self.instance])
        return (int(raw[0][0]), int(raw[0][1])) if raw else None
