"""Black-box harness: starts the real programs (database server, swgr-discovery and
swgr-offer under spawn-fcgi, the web server configured from its example in
web-examples/: web.py) and offers small HTTP/CLI helpers.  Nothing here knows the programs' internals."""

import base64
import hashlib
import hmac
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils

ROOT = Path(__file__).resolve().parents[2]
DBCTL = ROOT / "tests" / "dbctl.sh"

MAX_PAGE_SIZE = 100   # = the CLI's default --count
# The credential directory of the tests' node hosts and discovery service (node-access,
# issue 12): every simulator writes its files below the system's temporary directory.
CRED_DIR = os.path.realpath(tempfile.gettempdir())


def node_access_yaml(dirs=None, hosts=None):
    """The node-access section: credential-directories (default [CRED_DIR]) and
    backend-hosts (absent: any host)."""
    text = ("node-access:\n  credential-directories: "
            + json.dumps([str(d) for d in (dirs if dirs is not None else [CRED_DIR])]) + "\n")
    if hosts is not None:
        text += "  backend-hosts: " + json.dumps(list(hosts)) + "\n"
    return text
PROVIDERS = ("sqlite", "postgres", "mariadb", "memory")


def provider():
    p = os.environ.get("SWGR_TEST_DB", "sqlite")
    if p not in PROVIDERS:
        raise RuntimeError(f"SWGR_TEST_DB must be one of {PROVIDERS}, not {p!r}")
    return p


def build_dir():
    return Path(os.environ.get("SWGR_BUILD_DIR", str(ROOT)))


def default_cred_dir():
    """The built-in credential directory, $(sysconfdir)/swgr/node-credentials of the
    build in build_dir() (from its Makefile): what a configuration without node-access
    allows."""
    var = {}
    for line in (build_dir() / "Makefile").read_text().splitlines():
        m = re.match(r"^(prefix|sysconfdir) = (.*)$", line)
        if m:
            var[m.group(1)] = m.group(2).strip()
    sysconf = var.get("sysconfdir", "/etc").replace("${prefix}", var.get("prefix", "/usr/local"))
    return f"{sysconf}/swgr/node-credentials"


def sanitized_build():
    """True if the build directory was configured with --enable-sanitizers (ASan and
    UBSan: scripts/sanitize.sh); valgrind cannot run such programs."""
    try:
        return "--enable-sanitizers" in (build_dir() / "config.status").read_text(errors="replace")
    except OSError:
        return False


# How much slower CPU-bound work runs here than on a plain build: ASan and UBSan cost
# our processes 2 to 3 times the CPU, so under a sanitizer build (sanitized_build())
# it is 3 (SWGR_TEST_SLOW overrides).  Timing tests scale by it, in one place each,
# what they allow for work done (the slack for scheduling, a latency bound) and the
# load they offer; never the protocol's own periods or deadlines.  On a plain build it
# is 1: nothing changes.
SLOW = float(os.environ.get("SWGR_TEST_SLOW") or (3.0 if sanitized_build() else 1.0))


def slack():
    """The timing tests' allowance for scheduling, a row write and polling:
    SWGR_TEST_SLACK (0.5 s) x SLOW."""
    return float(os.environ.get("SWGR_TEST_SLACK", "0.5")) * SLOW


def wrapper(var):
    """The command a program is started under, from the environment variable var
    (SWGR_RESPONDER_WRAPPER, SWGR_MONITORD_WRAPPER), e.g. "valgrind --error-exitcode=97";
    [] when unset.  The command is made absolute: spawn-fcgi execs it without a PATH search."""
    argv = shlex.split(os.environ.get(var, ""))
    if argv and "/" not in argv[0]:
        argv[0] = shutil.which(argv[0]) or argv[0]
    return argv


def binary(name):
    p = build_dir() / name
    if not (p.is_file() and os.access(p, os.X_OK)):
        raise RuntimeError(f"{p} missing: build first and set SWGR_BUILD_DIR")
    return str(p)


# --------------------------------------------------------------------------- ports

class PortRange:
    """Hands out TCP ports on 127.0.0.1 that nobody listens on, from lo to hi.

    Ranges sit below Linux's ephemeral range (32768-60999 here): a port there can be
    taken, between our probe and the server's bind, by the local end of any outgoing
    connection.  Each process starts at its own offset (pid % slots x spacing) so that
    concurrent runs rarely probe the same ports; env may move the start (then the
    range runs on up to 64000 before wrapping to lo)."""

    def __init__(self, lo, hi, env, slots, spacing):
        self.lo, self.hi = lo, hi
        self.lock = threading.Lock()
        self.next = int(os.environ.get(env, str(lo))) + (os.getpid() % slots) * spacing

    def take(self):
        with self.lock:
            while True:
                port = self.next
                self.next += 1
                if self.hi < port < 32768 or port > 64000:
                    self.next = self.lo
                s = socket.socket()
                try:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue
                finally:
                    s.close()
                return port


_ports = PortRange(20000, 25999, "SWGR_TEST_PORT_BASE", 200, 10)


def free_port():
    """A TCP port on 127.0.0.1 that nobody listens on, from 20000 upward."""
    return _ports.take()


def wait_port(port, timeout=15.0, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def memory_store_dir(config_path):
    """Where the responders keep a `type: memory` store of this configuration file: a
    private directory (0700) on /dev/shm per config real path and euid, FNV-1a 64 of the
    path, holding store.sqlite (see swgr_store_memory_path in libswgr/store/store.c)."""
    real = os.path.realpath(config_path)
    h = 0xcbf29ce484222325
    for c in real.encode():
        h ^= c
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    d = "/dev/shm" if os.path.isdir("/dev/shm") else os.environ.get("TMPDIR") or "/tmp"
    return f"{d}/swgr-memory-{os.geteuid()}-{h:016x}"


def memory_store_files(config_path):
    """Best-effort cleanup aid: the memory store's SQLite files.  Only used to delete them."""
    base = memory_store_dir(config_path) + "/store.sqlite"
    return [base, base + "-wal", base + "-shm", base + "-journal"]


def remove_memory_store(config_path):
    for f in memory_store_files(config_path):
        try:
            os.unlink(f)
        except OSError:
            pass
    try:
        os.rmdir(memory_store_dir(config_path))
    except OSError:
        pass


def make_tmpdir(prefix):
    d = Path(tempfile.mkdtemp(prefix=prefix))
    # the web server's workers (nobody) and the database users must traverse it.
    d.chmod(0o755)
    return d


# --------------------------------------------------------------------------- databases

class Database:
    """The store backend of one provider.  For postgres/mariadb a private server."""

    def __init__(self, kind, tmp):
        self.kind = kind
        self.tmp = Path(tmp)
        self.dir = self.tmp / f"db-{kind}"
        self.port = None
        self.uri = None

    def start(self):
        if self.kind in ("postgres", "mariadb"):
            self.port = free_port()
            r = subprocess.run(["bash", str(DBCTL), "start", self.kind, str(self.dir), str(self.port)],
                               capture_output=True, text=True, timeout=120)
            if r.returncode != 0:
                raise RuntimeError(f"dbctl start {self.kind} failed: {r.stdout}\n{r.stderr}")
            self.uri = r.stdout.strip().splitlines()[-1]
        return self

    def stop(self):
        if self.kind in ("postgres", "mariadb"):
            subprocess.run(["bash", str(DBCTL), "stop", self.kind, str(self.dir)],
                           capture_output=True, timeout=60)

    def store_yaml(self, which, tag="main"):
        """The YAML of store.<which> (which = discover | offer)."""
        if self.kind == "memory":
            return "type: memory\n"
        if self.kind == "sqlite":
            uri = f"sqlite://{self.tmp}/{tag}-{which}.db?mode=rwc"
        else:
            # Both stores share one database (spec 16.1 item 7: a port supports it).
            uri = self.uri
        return f"type: database\ndatabase-uri: {json.dumps(uri)}\nmax-connections: 8\n"

    def userpass_hostpath(self):
        """(user, password, rest) of the server URI: rest = host:port/db."""
        m = re.match(r"^(\w+)://([^:]+):([^@]+)@(.*)$", self.uri)
        return m.group(2), m.group(3), m.group(4), m.group(1)


# --------------------------------------------------------------------------- keys and tokens

def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def b64url_json(obj):
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


class Keys:
    """An ES256 key pair of one admin service, on disk."""

    def __init__(self, public_path, private_path):
        self.public_path = Path(public_path)
        self.private_path = Path(private_path)

    @property
    def public_pem(self):
        return self.public_path.read_bytes()

    def private_key(self):
        return serialization.load_pem_private_key(self.private_path.read_bytes(), None)

    def sign(self, header, claims):
        signing_input = f"{b64url_json(header)}.{b64url_json(claims)}".encode()
        der = self.private_key().sign(signing_input, ec.ECDSA(hashes.SHA256()))
        r, s = utils.decode_dss_signature(der)
        return signing_input.decode() + "." + b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))

    def token(self, aud, exp_in=3600, extra=None, header=None):
        claims = {"aud": aud, "exp": int(time.time()) + exp_in}
        if extra:
            claims.update(extra)
        return self.sign(header or {"typ": "JWT", "alg": "ES256"}, claims)

    @staticmethod
    def generate_python(public_path, private_path):
        k = ec.generate_private_key(ec.SECP256R1())
        Path(private_path).write_bytes(k.private_bytes(serialization.Encoding.PEM,
                                                       serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
        Path(public_path).write_bytes(k.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
        return Keys(public_path, private_path)


def hs256_token(secret, claims, header=None):
    h = header or {"typ": "JWT", "alg": "HS256"}
    signing_input = f"{b64url_json(h)}.{b64url_json(claims)}".encode()
    sig = hmac.new(secret, signing_input, hashlib.sha256).digest()
    return signing_input.decode() + "." + b64url(sig)


def none_token(claims):
    return f"{b64url_json({'typ': 'JWT', 'alg': 'none'})}.{b64url_json(claims)}."


# --------------------------------------------------------------------------- secp256k1 node ids

def node_key(compressed=True):
    pub = ec.generate_private_key(ec.SECP256K1()).public_key()
    fmt = (serialization.PublicFormat.CompressedPoint if compressed
           else serialization.PublicFormat.UncompressedPoint)
    return pub.public_bytes(serialization.Encoding.X962, fmt).hex()


def compress_key(hexkey):
    pub = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), bytes.fromhex(hexkey))
    return pub.public_bytes(serialization.Encoding.X962,
                            serialization.PublicFormat.CompressedPoint).hex()


# --------------------------------------------------------------------------- the CLI

class Cli:
    def __init__(self, path):
        self.path = path

    def run(self, *args, input=None, env=None, timeout=30):
        e = dict(os.environ)
        for k in list(e):
            if k.startswith(("DISCOVERY_STORE_HTTP", "OFFER_STORE_HTTP")):
                del e[k]
        if env:
            e.update(env)
        return subprocess.run([self.path, *map(str, args)], input=input, capture_output=True,
                              text=True, env=e, timeout=timeout)


# --------------------------------------------------------------------------- processes

# How long a responder may take from a termination signal to its exit when its requests
# in flight are quick (/health, or none): its own work is at most one 50 ms poll of the
# workers (fcgi/workers.c swgr_workers_stop) and one 50 ms log flush (log.c), so nearly all of
# this bound is for process scheduling on the shared 2-core test machine.  A responder
# that waits on anything else (a timeout, a sleep) at shutdown fails it.
SIGTERM_PROMPT = float(os.environ.get("SWGR_TEST_SIGTERM_PROMPT", "0.6"))


# The FastCGI sockets are 0660 (web-examples/spawn-fcgi.sh): as root, the web server's
# workers run as nobody:nogroup (web.py's main configurations say so) and the sockets get
# group nogroup; as another user the workers keep that user, the sockets' owner.
SOCKET_GROUP = "nogroup" if os.geteuid() == 0 else None


def socket_group_args(flag="-G"):
    return [flag, SOCKET_GROUP] if SOCKET_GROUP else []


class Responder:
    """One responder started as the example does it: spawn-fcgi -s SOCK -M 0660 -G nogroup --
    prog -c CONFIG.  -n keeps spawn-fcgi from forking, so the Popen pid is the responder.  With
    SWGR_RESPONDER_WRAPPER set (valgrind), prog runs under it, in the same process.  spawn
    False: the responder's own -s SOCK.  activate: socket activation as a systemd .socket
    unit does it (etc/systemd/): systemd-socket-activate -l SOCK makes the socket and execs
    prog with LISTEN_PID and LISTEN_FDS, the socket on fd 3; the test then gives the socket
    the unit's SocketMode=0660 and SocketGroup= (nginx's group)."""

    def __init__(self, service, config, sock, stderr_path, env=None, extra_args=(), spawn=True,
                 activate=False):
        self.spawn = spawn
        self.activate = activate
        self.service = service
        self.config = str(config)
        self.sock = str(sock)
        self.stderr_path = Path(stderr_path)
        self.env = env
        self.extra_args = list(extra_args)
        self.proc = None
        self._errf = None

    def start(self):
        prog = binary(f"swgr-{self.service}")
        if os.path.exists(self.sock):
            os.unlink(self.sock)
        self._errf = open(self.stderr_path, "ab")
        e = dict(os.environ)
        if self.env:
            e.update(self.env)
        wrap = wrapper("SWGR_RESPONDER_WRAPPER")
        if self.activate:
            argv = ["systemd-socket-activate", "-l", self.sock, "--", *wrap, prog, "-c",
                    self.config, *self.extra_args]
        elif self.spawn:
            argv = ["spawn-fcgi", "-n", "-s", self.sock, "-M", "0660", *socket_group_args(), "--",
                    *wrap, prog, "-c", self.config, *self.extra_args]
        else:       # the responder's own -s option (default mode 0660), -G as spawn-fcgi's
            argv = [*wrap, prog, "-c", self.config, "-s", self.sock, *socket_group_args(),
                    *self.extra_args]
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL, stdout=self._errf, stderr=self._errf, env=e,
            start_new_session=True)
        deadline = time.monotonic() + (60 if wrap else 10)
        while not os.path.exists(self.sock):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"swgr-{self.service} did not start: {self.stderr_text()}")
            time.sleep(0.02)
        if self.activate:
            os.chmod(self.sock, 0o660)
            if SOCKET_GROUP:
                shutil.chown(self.sock, group=SOCKET_GROUP)
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    hang_report = ""

    def stacks(self):
        """Thread backtraces of a hung responder (gdb), for the failure message."""
        if not shutil.which("gdb"):
            return ""
        try:
            r = subprocess.run(["gdb", "-p", str(self.proc.pid), "-batch", "-ex", "thread apply all bt 12"],
                               capture_output=True, text=True, timeout=60)
            text = r.stdout
        except (OSError, subprocess.TimeoutExpired):
            return ""
        # kept outside the test's temporary directory, which is removed
        out = Path(os.environ.get("SWGR_TEST_ARTIFACTS", tempfile.gettempdir())) / \
            f"swgr-{self.service}-hang-{self.proc.pid}.txt"
        try:
            out.write_text(text)
        except OSError:
            pass
        return f"(backtraces in {out})\n" + text

    def stderr_text(self):
        try:
            return self.stderr_path.read_text(errors="replace")
        except OSError:
            return ""

    stop_secs = None

    def terminate(self, sig=signal.SIGTERM, timeout=15):
        """Sends sig, waits, returns the exit code (or None if it had to be killed).
        self.stop_secs: how long it took from the signal to the exit (None if it had
        exited before, or had to be killed).  timeout only ends a hang; a test of
        promptness asserts stop_secs against its own, smaller bound (SIGTERM_PROMPT)."""
        self.stop_secs = None
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            t0 = time.monotonic()
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
                self.stop_secs = time.monotonic() - t0
            except subprocess.TimeoutExpired:
                self.hang_report = self.stacks()
                self.proc.kill()
                self.proc.wait()
                rc = None
            else:
                rc = self.proc.returncode
        else:
            rc = self.proc.returncode
        if self._errf:
            self._errf.close()
            self._errf = None
        return rc


class Stack:
    """Both responders plus the web server of the run (web.server(): nginx, lighttpd or
    Apache, SWGR_TEST_WEB), all reading one configuration file."""

    def __init__(self, tmp, config, env=None, extra_args=(), services=("discovery", "offer"), spawn=True):
        self.tmp = Path(tmp)
        self.config = Path(config)
        self.socks = {s: str(self.tmp / f"{s}.sock") for s in ("discovery", "offer")}
        self.responders = {s: Responder(s, config, self.socks[s], self.tmp / f"{s}.stderr",
                                        env=env, extra_args=extra_args, spawn=spawn) for s in services}
        import web      # web.py imports this module
        self.web = web.server()(self.tmp, self.socks)

    def start(self):
        try:
            for r in self.responders.values():
                r.start()
            self.web.start()
            for s in self.responders:
                wait_http(self.web.url(s) + "/health", self.responders[s])
        except Exception:
            self.stop()
            raise
        return self

    def url(self, service):
        return self.web.url(service)

    def stop(self):
        rcs = {}
        for s, r in self.responders.items():
            rcs[s] = r.terminate()
        self.web.stop()
        return rcs


def wait_http(url, responder=None, timeout=20.0):
    """Waits until url answers anything but 502/504 (i.e. the responder accepts)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if responder is not None and not responder.alive():
            raise RuntimeError(f"swgr-{responder.service} exited with {responder.proc.returncode}: "
                               f"{responder.stderr_text()[-3000:]}")
        try:
            r = requests.get(url, timeout=2)
            if r.status_code not in (502, 503, 504):
                return r
            last = r.status_code
        except requests.RequestException as e:
            last = e
        time.sleep(0.05)
    raise RuntimeError(f"{url} not answering: {last}")


# --------------------------------------------------------------------------- configuration

def admin_sections(keys, logs=None, max_page_size=MAX_PAGE_SIZE, log_level="info"):
    """YAML of discovery-service and offer-service.  logs: {service: path} for log-file."""
    out = []
    for svc, addr in (("discovery", "127.0.0.1:8081"), ("offer", "127.0.0.1:8082")):
        out.append(f"{svc}-service:")
        out.append(f"  address: {addr}")
        out.append(f"  auth-authority: {json.dumps(str(keys[svc].public_path))}")
        if svc == "offer":
            out.append(f"  max-page-size: {max_page_size}")
        if logs:
            out.append(f"  log-file: {json.dumps(str(logs[svc]))}")
            out.append(f"  log-level: {log_level}")
    return "\n".join(out) + "\n"


def indent(text, n):
    return "".join(" " * n + line + "\n" for line in text.splitlines())


def write_config(path, db, keys, logs=None, tag="main", max_page_size=MAX_PAGE_SIZE,
                 node_access=None):
    text = admin_sections(keys, logs, max_page_size)
    text += "store:\n  discover:\n" + indent(db.store_yaml("discover", tag), 4)
    text += "  offer:\n" + indent(db.store_yaml("offer", tag), 4)
    text += node_access if node_access is not None else node_access_yaml()
    Path(path).write_text(text)
    return path


# --------------------------------------------------------------------------- HTTP client

NOCACHE = {
    "Cache-Control": "no-store, no-cache, must-revalidate",
    "Expires": "Thu, 01 Jan 1970 00:00:00 GMT",
    "Pragma": "no-cache",
}

_DEFAULT = object()


class Api:
    """requests.Session bound to one admin service and its bearer token."""

    def __init__(self, base, token):
        self.base = base
        self.token = token
        self.s = requests.Session()

    def request(self, method, path, *, body=_DEFAULT, data=None, token=_DEFAULT, auth=_DEFAULT,
                ctype="application/json", headers=None, params=None, timeout=30):
        h = {}
        if auth is not _DEFAULT:
            if auth is not None:
                h["Authorization"] = auth
        else:
            t = self.token if token is _DEFAULT else token
            if t is not None:
                h["Authorization"] = f"Bearer {t}"
        if body is not _DEFAULT:
            data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        if data is not None and ctype is not None:
            h["Content-Type"] = ctype
        if headers:
            h.update(headers)
        return self.s.request(method, self.base + path, data=data, headers=h, params=params,
                              timeout=timeout, allow_redirects=False)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=_DEFAULT, **kw):
        return self.request("POST", path, body=body, **kw)

    def put(self, path, body=_DEFAULT, **kw):
        return self.request("PUT", path, body=body, **kw)

    def patch(self, path, body=_DEFAULT, **kw):
        return self.request("PATCH", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


def raw_http(port, request_bytes, timeout=10):
    """Sends bytes on a fresh TCP connection; returns (status, headers-dict-lower, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request_bytes)
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            if not b:
                break
            chunks.append(b)
    data = b"".join(chunks)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs.setdefault(k.strip().lower(), []).append(v.strip())
    return status, hdrs, body


# --------------------------------------------------------------------------- data builders

def new_uuid():
    return str(uuid.uuid4())


def backend(pk=None, partitions=("default",), name=_DEFAULT, weight=1, enabled=True, impl=None):
    b = {"publicKey": pk or node_key()}
    if name is _DEFAULT:
        name = "node-" + b["publicKey"][:8]
    if name is not None:
        b["name"] = name
    b["partitions"] = list(partitions)
    b["weight"] = weight
    b["enabled"] = enabled
    b["implementation"] = impl if impl is not None else {
        "type": "clnGrpc", "url": "https://127.0.0.1:9736/", "domain": "localhost",
        "auth": {"type": "path", "clientCertPath": f"{CRED_DIR}/c.pem",
                 "clientKeyPath": f"{CRED_DIR}/k.pem"}}
    return b


def metadata(partition, mid=None, text="text", long_text=None, image=None, identifier=None):
    m = {"id": mid or new_uuid(), "partition": partition, "text": text}
    if long_text is not None:
        m["longText"] = long_text
    if image is not None:
        m["image"] = image
    if identifier is not None:
        m["identifier"] = identifier
    return m


def offer(partition, metadata_id, oid=None, max_sendable=1_000_000, min_sendable=1_000,
          timestamp="2024-01-01T00:00:00Z", expires=_DEFAULT):
    o = {"partition": partition, "id": oid or new_uuid(), "maxSendable": max_sendable,
         "minSendable": min_sendable, "metadataId": metadata_id, "timestamp": timestamp}
    if expires is _DEFAULT:
        expires = "2030-01-01T00:00:00Z"   # MySQL TIMESTAMP ends in 2038
    if expires is not None:
        o["expires"] = expires
    return o


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def sorted_json(obj):
    """The server's form of an implementation value: keys sorted at every level."""
    if isinstance(obj, dict):
        return {k: sorted_json(obj[k]) for k in sorted(obj)}
    if isinstance(obj, list):
        return [sorted_json(x) for x in obj]
    return obj


def expected_backend_text(b):
    """Compact JSON text of a DiscoveryBackend as the service must write it (§7.1 order)."""
    out = {"publicKey": compress_key(b["publicKey"])}
    if b.get("name") is not None:
        out["name"] = b["name"]
    out["partitions"] = sorted(set(b["partitions"]), key=lambda s: s.encode())
    out["weight"] = b["weight"]
    out["enabled"] = b["enabled"]
    out["implementation"] = sorted_json(b["implementation"])
    return out


def expected_metadata(m):
    out = {"id": m["id"], "partition": m["partition"], "text": m["text"]}
    for k in ("longText", "image", "identifier"):
        if m.get(k) is not None:
            out[k] = m[k]
    return out


def expected_offer(o, embedded=None):
    out = {"partition": o["partition"], "id": o["id"], "maxSendable": o["maxSendable"],
           "minSendable": o["minSendable"], "metadataId": o["metadataId"]}
    if embedded is not None:
        out["metadata"] = embedded
    out["timestamp"] = o["timestamp"]
    if o.get("expires") is not None:
        out["expires"] = o["expires"]
    return out


def sparse_metadata(m):
    out = {"text": m["text"]}
    for k in ("longText", "image", "identifier"):
        if m.get(k) is not None:
            out[k] = m[k]
    return out


def ordered(x):
    """JSON value with object key order made significant (dict -> list of pairs)."""
    if isinstance(x, dict):
        return [[k, ordered(v)] for k, v in x.items()]
    if isinstance(x, list):
        return [ordered(v) for v in x]
    return x


def ordered_body(r):
    return ordered(json.loads(r.text))


ETAG_RE = re.compile(r"^[0-9a-f]{16}$")


def assert_nocache(r):
    for k, v in NOCACHE.items():
        assert r.headers.get(k) == v, f"{k}: {r.headers.get(k)!r}"


def assert_json(r):
    ct = r.headers.get("Content-Type", "")
    assert ct.split(";")[0].strip() == "application/json", ct


def etag(api):
    r = api.get("/discovery")
    assert r.status_code == 200, r.status_code
    et = r.headers.get("ETag")
    assert et is not None and ETAG_RE.match(et), et
    return int(et, 16)


def check_delete(api, path):
    """DELETE path: 204 with an empty body; then GET is 404, and so is a second DELETE,
    with an empty body."""
    r = api.delete(path)
    assert r.status_code == 204
    assert r.content == b""
    assert api.get(path).status_code == 404
    r = api.delete(path)
    assert r.status_code == 404, path
    assert r.content == b""


def check_unknown_path(api, path, realm):
    """GET path: 404 with an empty body; without a token 401 with the service's realm."""
    r = api.get(path)
    assert r.status_code == 404, (path, r.status_code)
    assert r.content == b""
    r = api.get(path, token=None)
    assert r.status_code == 401
    assert r.headers.get("WWW-Authenticate") == f'Bearer realm="{realm}"'


def check_405(api, method, path, allowed, realm):
    """method on path: 405 with an empty body and an Allow header of exactly the routed
    methods, plus HEAD wherever GET is routed (spec 2: GET routes also answer HEAD),
    each once; every method it names is routed (no 405, no 5xx: the bodies are {} and
    the keys or ids unknown, so nothing is written); without a token 401 first (auth
    runs before routing)."""
    r = api.request(method, path, data=b"{}")
    assert r.status_code == 405, (method, path, r.status_code)
    assert r.content == b""
    assert "Allow" in r.headers, (method, path, dict(r.headers))
    listed = [m.strip() for m in r.headers["Allow"].split(",")]
    want = allowed | {"HEAD"} if "GET" in allowed else allowed
    assert sorted(listed) == sorted(want), r.headers["Allow"]
    for m in listed:
        g = api.request(m, path, data=b"{}")
        assert g.status_code != 405, (m, path, g.status_code)
        assert g.status_code < 500, (m, path, g.status_code)
    r = api.request(method, path, data=b"{}", token=None)
    assert r.status_code == 401
    assert r.headers.get("WWW-Authenticate") == f'Bearer realm="{realm}"'
