"""Two Switchgear instances for the HTTP-store tests (test_http_store.py): a "remote"
admin instance -- swgr-discovery and swgr-offer on a store of their own, behind a real
nginx on HTTP and on HTTPS (a test CA made with openssl) -- and "headless" edge hosts:
swgr-lnurl and swgr-monitord whose stores are `type: http` clients of the remote, with no
database credentials (node status in a local SQLite status database).

    with RemoteAdmin(tmp, db, keys).start() as remote:   # remote.api("discovery")
        edge = Headless(tmp, remote, "https", [part], tokens).start()
        edge.get(f"/offers/{part}/{oid}")

The remote is always nginx, whatever SWGR_TEST_WEB says: it stands for another host,
and its fault servers are nginx `if (-f ...)` blocks; the edge hosts run behind the
run's web server.  Faults are injected by the remote's nginx itself, on ports of their own (remote.fault_url):
while the file remote.faults/<service>/<name> exists, that service's fault server answers
every request with that fault instead of passing it to the responder (FAULTS below).
Nothing here knows the programs' internals."""

import json
import os
import re
import subprocess
from pathlib import Path

import requests

import harness as H
import nodes
from lnurl_stack import HOST, config_text
from nodes import StatusTable, wait_for
from test_lnurl import start_front
from web import Nginx

# What the fault servers answer while the file of the fault exists.
FAULTS = {
    "503": "return 503;",
    # syntax error: the object never closes
    "json": "add_header ETag 00000000000fffff always; return 200 '{\"partition\": \"p\", \"id\": ';",
    # well-formed JSON of the wrong shape (a number where an object or array belongs)
    "shape": "add_header ETag 00000000000fffff always; return 200 '42';",
    # a discovery list without its ETag (spec 11.4: required on 200 and 304)
    "noetag": "return 200 '[]';",
}


# --------------------------------------------------------------------------- a test CA

def _openssl(*args, cwd):
    r = subprocess.run(["openssl", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                       timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(map(str, args[:2]))} failed: {r.stderr}")
    return r


class TestCA:
    """A CA of its own (openssl req -x509, P-256) and one server certificate it signed for
    127.0.0.1 and localhost.  ca_pem: the root a client must trust; cert, key: nginx's."""
    __test__ = False        # not a pytest class

    def __init__(self, directory, name):
        self.dir = Path(directory) / f"ca-{name}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.ca_pem = self.dir / "ca.pem"
        self.ca_key = self.dir / "ca.key"
        self.cert = self.dir / "server.pem"
        self.key = self.dir / "server.key"
        d = self.dir
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                 "-nodes", "-keyout", self.ca_key, "-out", self.ca_pem, "-days", "2",
                 "-subj", f"/CN=swgr test CA {name}",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
        _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", self.key, "-out", d / "server.csr", "-subj", "/CN=127.0.0.1", cwd=d)
        (d / "ext.cnf").write_text("basicConstraints=CA:FALSE\n"
                                   "keyUsage=critical,digitalSignature\n"
                                   "extendedKeyUsage=serverAuth\n"
                                   "subjectAltName=IP:127.0.0.1,DNS:localhost\n")
        _openssl("x509", "-req", "-in", d / "server.csr", "-CA", self.ca_pem, "-CAkey", self.ca_key,
                 "-CAcreateserial", "-out", self.cert, "-days", "2", "-extfile", d / "ext.cnf",
                 cwd=d)
        for p in (self.dir, self.ca_pem, self.cert):
            os.chmod(p, 0o755 if p.is_dir() else 0o644)
        os.chmod(self.key, 0o644)   # nginx reads it as root; the workers never do


# --------------------------------------------------------------------------- the remote

class RemoteNginx(Nginx):
    """nginx in front of the remote's responders: per service the example server block
    (web-examples/nginx/swgr-admin.conf) three times -- as shipped (HTTP), with TLS
    (`listen ... ssl` and the test CA's certificate, as the example's comment says), and
    as a fault server (HTTP, answering from FAULTS while a fault file exists)."""
    conf_name = "swgr-admin-remote.conf"

    def __init__(self, tmp, socks, ca, faults):
        super().__init__(tmp, socks)
        self.dir = Path(tmp) / "nginx-remote"
        self.ca = ca
        self.faults = Path(faults)
        self.tls_ports = {"discovery": H.free_port(), "offer": H.free_port()}
        self.fault_ports = {"discovery": H.free_port(), "offer": H.free_port()}
        self.ports = {**{k: v for k, v in self.ports.items()},
                      **{f"{k}-tls": v for k, v in self.tls_ports.items()},
                      **{f"{k}-fault": v for k, v in self.fault_ports.items()}}

    def server_blocks(self):
        plain = {s: self.ports[s] for s in ("discovery", "offer")}
        text = self.fragment(plain)
        tls = self.fragment(self.tls_ports)
        for svc, port in self.tls_ports.items():
            tls, n = re.subn(rf"(\blisten\s+127\.0\.0\.1:{port});",
                             rf"\1 ssl;\n    ssl_certificate {self.ca.cert};\n"
                             rf"    ssl_certificate_key {self.ca.key};", tls)
            assert n == 1, f"example nginx config: one 'listen 127.0.0.1:...;' per server ({svc})"
        fault = self.fragment(self.fault_ports)
        for svc, port in self.fault_ports.items():
            ifs = "".join(f"        if (-f {self.faults / svc / name}) {{ {what} }}\n"
                          for name, what in FAULTS.items())
            block_re = rf"(listen\s+127\.0\.0\.1:{port};.*?location / \{{\n)"
            fault, n = re.subn(block_re, rf"\g<1>        default_type application/json;\n{ifs}",
                               fault, flags=re.S)
            assert n == 1, f"example nginx config: one 'location / {{' per server ({svc})"
        return text + "\n" + tls + "\n" + fault


class RemoteAdmin:
    """The second instance: swgr-discovery and swgr-offer under spawn-fcgi on a store of
    their own (db.store_yaml(..., tag="remote"): a SQLite file or a memory store of their
    own; on PostgreSQL/MariaDB the session's database), with the session's keys (so the
    session's tokens are valid here), behind RemoteNginx."""

    def __init__(self, tmp, db, keys, tokens, tag="remote"):
        self.tmp = Path(tmp) / tag
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.db = db
        self.tokens = tokens
        self.logs = {s: self.tmp / f"{s}.log" for s in ("discovery", "offer")}
        self.config = H.write_config(self.tmp / "config.yaml", db, keys, logs=self.logs, tag=tag)
        H.remove_memory_store(self.config)
        self.socks = {s: str(self.tmp / f"{s}.sock") for s in ("discovery", "offer")}
        self.responders = {s: H.Responder(s, self.config, self.socks[s], self.tmp / f"{s}.stderr")
                           for s in ("discovery", "offer")}
        self.ca = TestCA(self.tmp, "remote")
        self.other_ca = TestCA(self.tmp, "other")    # signed nothing the remote serves
        self.faults = self.tmp / "faults"
        for s in ("discovery", "offer"):
            (self.faults / s).mkdir(parents=True, exist_ok=True)
        self.faults.chmod(0o755)
        self.nginx = RemoteNginx(self.tmp, self.socks, self.ca, self.faults)
        self.fresh = db.kind in ("sqlite", "memory")    # a store no other test writes to

    def start(self):
        try:
            self.start_services(wait=False)
            self.nginx.start()
            for s in self.responders:
                H.wait_http(self.url(s) + "/health", self.responders[s])
        except Exception:
            self.stop()
            raise
        return self

    def start_services(self, wait=True):
        for r in self.responders.values():
            r.start()
        if wait:
            for s in self.responders:
                H.wait_http(self.url(s) + "/health", self.responders[s])

    def stop_services(self):
        """Stops both responders (nginx stays: it answers 502 for them meanwhile)."""
        return {s: r.terminate() for s, r in self.responders.items()}

    def stop(self):
        self.stop_services()
        self.nginx.stop()
        H.remove_memory_store(self.config)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # ------------------------------------------------------------------ addresses
    def url(self, service, scheme="http"):
        """Base URL of a service: scheme http, https or fault."""
        if scheme == "https":
            return f"https://127.0.0.1:{self.nginx.tls_ports[service]}"
        if scheme == "fault":
            return f"http://127.0.0.1:{self.nginx.fault_ports[service]}"
        return f"http://127.0.0.1:{self.nginx.ports[service]}"

    def api(self, service):
        return H.Api(self.url(service), self.tokens[service])

    def fault(self, service, name, on=True):
        f = self.faults / service / name
        if on:
            f.write_text("")
        elif f.exists():
            f.unlink()

    def clear_faults(self):
        for s in ("discovery", "offer"):
            for f in (self.faults / s).iterdir():
                f.unlink()

    def log_text(self, service):
        try:
            return self.logs[service].read_text(errors="replace")
        except OSError:
            return ""

    def access_lines(self, service, since=0, contains=""):
        """The remote responder's access lines (spec 13) written after byte `since`."""
        try:
            data = self.logs[service].read_bytes()[since:].decode(errors="replace")
        except OSError:
            return []
        return [ln for ln in data.splitlines() if f"clf::{service}]" in ln and contains in ln]

    def log_size(self, service):
        try:
            return self.logs[service].stat().st_size
        except OSError:
            return 0


# --------------------------------------------------------------------------- the edge host

class HttpStores:
    """store.discover / store.offer of an edge host: `type: http` (spec 12.2), with the
    shape of H.Database.store_yaml so lnurl_stack.config_text takes it."""

    def __init__(self, bases, authorization, trusted_roots=None, connect_timeout=1.0,
                 total_timeout=1.0):
        self.bases = bases                  # {"discover": url, "offer": url}
        self.authorization = authorization  # {"discover": path, "offer": path}
        self.trusted_roots = trusted_roots
        self.connect_timeout = connect_timeout
        self.total_timeout = total_timeout
        self.kind = "http"

    def store_yaml(self, which, tag=None):
        y = (f"type: http\nbase-url: {json.dumps(self.bases[which])}\n"
             f"connect-timeout-secs: {self.connect_timeout}\n"
             f"total-timeout-secs: {self.total_timeout}\n"
             f"authorization: {json.dumps(str(self.authorization[which]))}\n")
        if self.trusted_roots:
            y += f"trusted-roots: {json.dumps(str(self.trusted_roots))}\n"
        return y


def status_table(path, instance):
    """nodes.StatusTable over a SQLite status database at path."""
    t = StatusTable(H.Database("sqlite", Path(path).parent), instance)
    t.sqlite_path = Path(path)
    return t


def maps(pid):
    try:
        return Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return ""


def rss_kb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None


class Headless:
    """An edge host: swgr-lnurl (spawn-fcgi, behind the shipped nginx example) and,
    unless monitor=False, swgr-monitord, both reading one configuration file whose
    stores are HttpStores and which holds no database URI.  Node status goes to the
    default status database under STATE_DIRECTORY (set for both processes to this
    host's directory), or to store.status when status_uri is given.

    period/update: health and backend-update periods (the shipped examples' 1.0 s)."""

    def __init__(self, tmp, name, stores, partitions, *, monitor=True, status_uri=None,
                 period=1.0, update=1.0, stale_after=3.0, deadline=4.0, max_elapsed=1.0,
                 timeout=2.0):
        self.tmp = Path(tmp) / name
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.state_dir = self.tmp / "state"
        self.state_dir.mkdir(exist_ok=True)
        self.name = name
        self.instance = f"edge-{name}-{H.new_uuid()[:8]}"
        self.stores = stores
        self.partitions = list(partitions)
        self.period, self.update = period, update
        self.log = self.tmp / "edge.log"
        self.mon_log = self.tmp / "monitord.log"
        text = config_text(stores, self.partitions, self.instance, self.log, period=period,
                           update=update, timeout=timeout, stale_after=stale_after,
                           deadline=deadline, max_elapsed=max_elapsed)
        text += f"  log-file: {json.dumps(str(self.mon_log))}\n  log-level: info\n"
        if status_uri:
            text = text.replace("store:\n", "store:\n  status:\n    type: database\n"
                                f"    database-uri: {json.dumps(status_uri)}\n"
                                "    max-connections: 4\n", 1)
            self.status_path = Path(re.match(r"^sqlite://([^?]*)", status_uri).group(1))
        else:
            self.status_path = self.state_dir / "status.db"
        assert "database-uri" not in text or status_uri, text
        self.config = self.tmp / "edge.yaml"
        self.config.write_text(text)
        self.env = {"STATE_DIRECTORY": str(self.state_dir)}
        self.want_monitor = monitor
        self.resp = self.web = self.mon = self.mon_err = None
        self.sock = str(self.tmp / "lnurl.sock")
        self.table = status_table(self.status_path, self.instance)

    def start(self):
        try:
            if self.want_monitor:
                self.start_monitor()
            start_front(self, self.tmp, self.config, self.sock, env=self.env)
        except Exception:
            self.stop()
            raise
        return self

    def start_monitor(self):
        e = dict(os.environ)
        e.update(self.env)
        self.mon_err = open(self.tmp / "monitord.stderr", "ab")
        self.mon = subprocess.Popen([H.binary("swgr-monitord"), "-c", str(self.config)],
                                    stdin=subprocess.DEVNULL, stdout=self.mon_err,
                                    stderr=self.mon_err, env=e, start_new_session=True)

    def wait_heartbeat(self, timeout=15):
        def beat():
            self.check_alive()
            return self.status_path.exists() and self.table.heartbeat()
        return wait_for(beat, timeout, f"swgr-monitord's first heartbeat in {self.status_path}")

    def check_alive(self):
        if self.mon is not None and self.mon.poll() is not None:
            raise AssertionError(f"swgr-monitord exited with {self.mon.returncode}: "
                                 f"{self.text(self.mon_log)[-3000:]}"
                                 f"{self.text(self.tmp / 'monitord.stderr')[-2000:]}")
        if self.resp is not None and not self.resp.alive():
            raise AssertionError(f"swgr-lnurl exited with {self.resp.proc.returncode}: "
                                 f"{self.text(self.log)[-3000:]}{self.resp.stderr_text()[-2000:]}")
        return True

    def stop_monitor(self):
        rc = None
        if self.mon is not None and self.mon.poll() is None:
            self.mon.terminate()
            try:
                rc = self.mon.wait(20)
            except subprocess.TimeoutExpired:
                self.mon.kill()
                self.mon.wait()
        elif self.mon is not None:
            rc = self.mon.returncode
        if self.mon_err:
            self.mon_err.close()
            self.mon_err = None
        return rc

    def stop(self):
        rcs = {}
        for what, f in (("web server", lambda: self.web and self.web.stop()),
                        ("lnurl", lambda: self.resp and self.resp.terminate()),
                        ("monitord", self.stop_monitor)):
            try:
                rcs[what] = f()
            except Exception as e:  # noqa: BLE001 - best effort, keep stopping the rest
                rcs[what] = e
        return rcs

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ------------------------------------------------------------------ wallet side
    def get(self, path, host=HOST, timeout=30):
        h = {"Host": host} if host else {}
        return requests.get(self.base + path, headers=h, timeout=timeout)

    @staticmethod
    def text(path):
        try:
            return Path(path).read_text(errors="replace")
        except OSError:
            return ""

    def logs(self):
        """Everything the edge's two processes wrote (log files and stderr)."""
        return "".join(self.text(p) for p in (self.log, self.mon_log, self.tmp / "lnurl.stderr",
                                              self.tmp / "monitord.stderr"))


def usable(table, pk):
    r = table.row(pk) or {}
    return r.get("healthy") and r.get("checked_ms", 0) > 0 and r.get("inbound_msat") is not None


__all__ = ["FAULTS", "TestCA", "RemoteAdmin", "HttpStores", "Headless", "status_table", "maps",
           "rss_kb", "usable", "nodes"]
