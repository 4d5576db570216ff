"""Configuration in Switchgear's format (spec 12), logging (spec 13) and process
lifecycle: signals, exit codes, access-log lines."""

import json
import re
import shutil
import signal
import threading
import time
from collections import Counter

import pytest
import requests

import harness as H
from harness import backend, metadata, offer

ACCESS_RE = re.compile(
    r"^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) (INFO |WARN |ERROR) clf::(discovery|offer)\] "
    r"(\S+) - - \[(\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000)\] (\S+) (\S+) (HTTP/\d\.\d) (\d{3}) -$")


def access_lines(text, service):
    out = []
    for line in text.splitlines():
        m = ACCESS_RE.match(line)
        if m and m.group(3) == service:
            out.append(m)
    return out


def find_access(text, service, method, target, status):
    return [m for m in access_lines(text, service)
            if (m.group(6), m.group(7), m.group(9)) == (method, target, str(status))]


def no_error_lines(text):
    bad = [line for line in text.splitlines() if "ERROR" in line or "FATAL" in line]
    assert bad == [], bad[:5]


# ----------------------------------------------------------------------------- Switchgear config

SWITCHGEAR_CONFIG = """\
# Switchgear persistence.yaml, as shipped (env vars: ${NOT_SET_IN_COMMENT:-fine}).
lnurl-service:
  partitions: ["default"]
  address: "${LNURL_SERVICE_ADDRESS:-0.0.0.0:8080}"
  health-check-frequency-secs: 1.0
  parallel-health-check: true
  health-check-consecutive-success-to-healthy: 1
  health-check-consecutive-failure-to-unhealthy: 1
  backend-update-frequency-secs: 1.0
  invoice-expiry-secs: 180
  ln-client-timeout-secs: 2.0
  ln-trusted-roots: ${LN_TRUSTED_ROOTS:-}
  allowed-hosts: ["${LNURL_SERVICE_ALLOWED_HOSTS:-}"]
  backoff:
    type: exponential
    max-elapsed-time-secs: 2.5
  backend-selection: round-robin
  selection-capacity-bias: -0.2
  tls:
    cert-path: "${LNURL_SERVICE_TLS_CERT_PATH:-/etc/swgr/lnurl-cert.pem}"
    key-path: "${LNURL_SERVICE_TLS_KEY_PATH:-/etc/swgr/lnurl-key.pem}"
  bech32-qr-scale: 8
  bech32-qr-light: 255
  bech32-qr-dark: 0

discovery-service:
  address: "${DISCOVERY_SERVICE_ADDRESS:-0.0.0.0:3001}"
  auth-authority: "${DISCOVERY_SERVICE_AUTH_AUTHORITY_PATH:-/etc/swgr/discovery-public.pem}"
  tls:
    cert-path: "${DISCOVERY_SERVICE_TLS_CERT_PATH:-/etc/swgr/discovery-cert.pem}"
    key-path: "${DISCOVERY_SERVICE_TLS_KEY_PATH:-/etc/swgr/discovery-key.pem}"

offer-service:
  address: "${OFFER_SERVICE_ADDRESS:-0.0.0.0:3002}"
  auth-authority: "${OFFER_SERVICE_AUTH_AUTHORITY_PATH:-/etc/swgr/offer-public.pem}"
  tls:
    cert-path: "${OFFER_SERVICE_TLS_CERT_PATH:-/etc/swgr/offer-cert.pem}"
    key-path: "${OFFER_SERVICE_TLS_KEY_PATH:-/etc/swgr/offer-key.pem}"
  max-page-size: 100

store:
  offer:
    type: database
    database-uri: "%(offer_uri)s"
    max-connections: 5
  discover:
    type: database
    database-uri: "%(discover_uri)s"
    max-connections: 5

secrets: ${SECRETS_PATH:-}
"""


def switchgear_files(env, d):
    """Writes the config, secrets file and env of a Switchgear-style deployment in d."""
    secrets = d / "persistence-secrets.env"
    e = {"DISCOVERY_SERVICE_AUTH_AUTHORITY_PATH": str(env.keys["discovery"].public_path),
         "OFFER_SERVICE_AUTH_AUTHORITY_PATH": str(env.keys["offer"].public_path),
         "SECRETS_PATH": str(secrets)}
    if env.provider in ("postgres", "mariadb"):
        user, pw, rest, scheme = env.db.userpass_hostpath()
        secrets.write_text(f"# secrets\nexport DB_USERNAME={user}\nDB_PASSWORD='{pw}'\n\nUNUSED=\"a b\"\n")
        # as in persistence-with-secrets.yaml: scheme://{secret.U}:{secret.P}@$STORE_URI
        uri = f"{scheme}://{{secret.DB_USERNAME}}:{{secret.DB_PASSWORD}}@"
        text = SWITCHGEAR_CONFIG % {"offer_uri": uri + "${OFFER_STORE_DATABASE_URI}",
                                    "discover_uri": uri + "${DISCOVERY_STORE_DATABASE_URI}"}
        e["OFFER_STORE_DATABASE_URI"] = rest
        e["DISCOVERY_STORE_DATABASE_URI"] = rest
    else:
        secrets.write_text("SOMETHING=1\n")
        text = SWITCHGEAR_CONFIG % {
            "offer_uri": "${OFFER_STORE_DATABASE_URI:-sqlite:///data/offer_store.db?mode=rwc}",
            "discover_uri": "${DISCOVERY_STORE_DATABASE_URI:-sqlite:///data/discovery_store.db?mode=rwc}"}
        e["OFFER_STORE_DATABASE_URI"] = f"sqlite://{d}/offer_store.db?mode=rwc"
        e["DISCOVERY_STORE_DATABASE_URI"] = f"sqlite://{d}/discovery_store.db?mode=rwc"
    cfg = d / "persistence.yaml"
    cfg.write_text(text)
    return cfg, e


def test_switchgear_format_config_starts_unchanged(env):
    d = H.make_tmpdir("swgr-sg-")
    cfg, e = switchgear_files(env, d)
    stack = H.Stack(d, cfg, env=e, extra_args=["-l", "info"])
    try:
        stack.start()
        disc = H.Api(stack.url("discovery"), env.tokens["discovery"])
        offers = H.Api(stack.url("offer"), env.tokens["offer"])
        # No node-access in Switchgear's file: credential paths must lie in the built-in
        # credential directory (issue 12); elsewhere they are refused.
        b = backend()
        assert disc.post("/discovery", b).status_code == 422
        cd = H.default_cred_dir()
        b["implementation"]["auth"].update(clientCertPath=f"{cd}/c.pem", clientKeyPath=f"{cd}/k.pem")
        assert disc.post("/discovery", b).status_code == 201
        assert disc.get(f"/discovery/{b['publicKey']}").status_code == 200
        part = "sg-" + H.new_uuid()[:8]
        m = metadata(part)
        assert offers.post("/metadata", m).status_code == 201
        o = offer(part, m["id"])
        assert offers.post("/offers", o).status_code == 201
        assert json.loads(offers.get(f"/offers/{part}/{o['id']}?sparse=false").text)["metadata"]["text"] == "text"
        if env.provider in ("postgres", "mariadb"):
            # same database as the session stack: the secrets reached the URI
            assert env.disc.get(f"/discovery/{b['publicKey']}").status_code == 200
            assert env.offers.get(f"/offers/{part}/{o['id']}").status_code == 200
        else:
            assert (d / "discovery_store.db").exists() and (d / "offer_store.db").exists()
        rcs = stack.stop()
        assert rcs == {"discovery": 0, "offer": 0}
        for svc in ("discovery", "offer"):
            err = stack.responders[svc].stderr_text()
            assert "secrets loaded successfully" in err, err[-2000:]
            no_error_lines(err)
            assert find_access(err, svc, "GET", "/health", 200), err[-2000:]
    finally:
        stack.stop()
        shutil.rmtree(d, ignore_errors=True)


def _start_fails(env, d, text, needle, extra_env=None, service="discovery"):
    cfg = d / f"bad-{H.new_uuid()[:6]}.yaml"
    cfg.write_text(text)
    r = H.Responder(service, cfg, d / f"{cfg.stem}.sock", d / f"{cfg.stem}.stderr", env=extra_env,
                    extra_args=["-l", "info"])
    try:
        r.start()
    except RuntimeError:
        pass
    try:
        r.proc.wait(15)
    except Exception:  # noqa: BLE001
        r.terminate(signal.SIGKILL)
        pytest.fail(f"swgr-{service} kept running with a bad config ({needle})")
    assert needle, "an expected message is required"
    err = r.stderr_text()
    # spec 14: a start-up failure is an ERROR line and exit code 1
    assert r.proc.returncode == 1, (needle, r.proc.returncode, err[-1500:])
    assert [line for line in err.splitlines() if " ERROR " in line[:30] and needle in line], \
        (needle, err[-1500:])
    r.terminate()
    H.remove_memory_store(cfg)


def test_config_errors_are_fatal_with_messages(env):
    d = H.make_tmpdir("swgr-badcfg-")
    try:
        good = H.admin_sections(env.keys)
        store = "store:\n  discover:\n    type: database\n    database-uri: \"%s\"\n    max-connections: 2\n" \
                "  offer:\n    type: memory\n"
        sqlite_uri = f"sqlite://{d}/x.db?mode=rwc"
        _start_fails(env, d, good + store % sqlite_uri + "secrets: /nonexistent/secrets.env\n",
                     "error reading secrets file")
        (d / "bad.env").write_text("THIS LINE IS NOT DOTENV\n")
        _start_fails(env, d, good + store % sqlite_uri + f"secrets: {d}/bad.env\n", "error parsing secrets file")
        (d / "ok.env").write_text("A=1\n")
        _start_fails(env, d, good + store % "postgres://{secret.NOPE}@127.0.0.1/x" + f"secrets: {d}/ok.env\n",
                     "Invalid uri or missing secrets")
        _start_fails(env, d, good + store % sqlite_uri + "store: {}\n", "parsing YAML configuration")
        _start_fails(env, d, good + "  : [\n", "parsing YAML configuration")
        _start_fails(env, d, good + store % "${SWGR_SURELY_UNSET_VAR}", "expanding configuration file env vars")
        _start_fails(env, d, store % sqlite_uri, "discover service enabled but has no config")
        _start_fails(env, d, good, "discover store enabled but has no config")
        disc_only = good.split("offer-service:")[0]
        _start_fails(env, d, disc_only + store % sqlite_uri, "offer service enabled but has no config",
                     service="offer")
        (d / "nokey.pem").write_text("garbage")
        _start_fails(env, d, good.replace(str(env.keys["discovery"].public_path), str(d / "nokey.pem"))
                     + store % sqlite_uri,
                     "reading the auth authority of the discovery service: parsing public key: "
                     f"{d / 'nokey.pem'}: not a SubjectPublicKeyInfo public PEM key")
    finally:
        shutil.rmtree(d, ignore_errors=True)


# ----------------------------------------------------------------------------- logging on the session stack

def test_access_log_lines_in_log_file(env):
    tok_bad = "garbage"
    env.disc.get("/discovery")
    env.disc.get("/discovery", token=tok_bad)
    env.offers.get("/offers/log-test?start=0&count=1")
    env.offers.get("/offers/log-test/not-a-uuid")
    env.disc.get("/health", headers={"X-Real-IP": "203.0.113.7"})
    env.disc.get("/health", headers={"X-Forwarded-For": "198.51.100.1, 198.51.100.2"})
    env.disc.get("/health", headers={"CF-Connecting-IP": "192.0.2.9", "X-Real-IP": "203.0.113.8"})
    time.sleep(0.3)
    dl = env.logs["discovery"].read_text()
    ol = env.logs["offer"].read_text()
    hits = find_access(dl, "discovery", "GET", "/discovery", 200)
    assert hits and hits[-1].group(2) == "INFO " and hits[-1].group(4) == "127.0.0.1", dl[-1500:]
    assert hits[-1].group(8) == "HTTP/1.1"
    hits = find_access(dl, "discovery", "GET", "/discovery", 401)
    assert hits and hits[-1].group(2) == "WARN ", dl[-1500:]
    hits = find_access(ol, "offer", "GET", "/offers/log-test?start=0&count=1", 200)
    assert hits and hits[-1].group(2) == "INFO ", ol[-1500:]
    hits = find_access(ol, "offer", "GET", "/offers/log-test/not-a-uuid", 404)
    assert hits and hits[-1].group(2) == "WARN "
    ips = [m.group(4) for m in find_access(dl, "discovery", "GET", "/health", 200)]
    assert ips[-3:] == ["203.0.113.7", "198.51.100.2", "192.0.2.9"], ips[-5:]
    # the time stamp of the line and of the access record agree (both UTC): the same
    # second, or the next one when the line was written (WARN: at once) across a tick
    m = hits[-1]
    t1 = time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%SZ")
    t2 = time.strptime(m.group(5), "%d/%b/%Y:%H:%M:%S +0000")
    assert 0 <= time.mktime(t1) - time.mktime(t2) <= 1, (m.group(1), m.group(5))
    # nothing else went to the access log of the wrong service
    assert access_lines(dl, "offer") == []
    assert access_lines(ol, "discovery") == []


# ----------------------------------------------------------------------------- signals

def test_sigterm_exit_0_no_error_and_persistence(env):
    d = H.make_tmpdir("swgr-sig-")
    logs = {s: d / f"{s}.log" for s in ("discovery", "offer")}
    cfg = H.write_config(d / "config.yaml", env.db, env.keys, logs=logs, tag="sig")
    stack = H.Stack(d, cfg)
    try:
        stack.start()
        disc = H.Api(stack.url("discovery"), env.tokens["discovery"])
        offers = H.Api(stack.url("offer"), env.tokens["offer"])
        assert disc.post("/discovery", backend()).status_code == 201
        et = disc.get("/discovery").headers["ETag"]
        assert offers.get("/offers/sig?start=0").status_code == 200

        # requests in flight while the signal arrives
        stop = threading.Event()
        statuses = []

        def hammer():
            s = requests.Session()
            while not stop.is_set():
                try:
                    statuses.append(s.get(stack.url("discovery") + "/health", timeout=5).status_code)
                except requests.RequestException:
                    statuses.append(-1)

        t = threading.Thread(target=hammer)
        t.start()
        time.sleep(0.3)
        n_before = len(statuses)
        rd = stack.responders["discovery"]
        rc_d = rd.terminate(signal.SIGTERM, timeout=10)
        stop.set()
        t.join()
        assert rc_d == 0, ("swgr-discovery did not exit within 10 s of SIGTERM with requests in flight",
                           rd.hang_report[-6000:], logs["discovery"].read_text()[-1500:])
        # The requests in flight are /health (instant): nothing to wait for but them.
        assert rd.stop_secs <= H.SIGTERM_PROMPT, \
            f"swgr-discovery took {rd.stop_secs:.3f} s to exit after SIGTERM (> {H.SIGTERM_PROMPT} s)"
        # Before the signal every request was answered 200; after it the web server
        # answers its own status for a responder that is gone (nginx 502; web.WebServer.GONE)
        # or the connection fails -- never another status.
        assert statuses[:n_before] == [200] * n_before, Counter(statuses[:n_before])
        assert n_before > 0
        assert set(statuses[n_before:]) <= {200, -1} | stack.web.GONE, Counter(statuses[n_before:])
        ro = stack.responders["offer"]
        assert ro.terminate(signal.SIGTERM, timeout=10) == 0
        assert ro.stop_secs <= H.SIGTERM_PROMPT, ro.stop_secs
        for svc in ("discovery", "offer"):
            text = logs[svc].read_text()
            no_error_lines(text)
            no_error_lines(stack.responders[svc].stderr_text())
            assert access_lines(text, svc), text[-1500:]
        # the DB ETag counter survives a restart
        if env.provider != "memory":
            stack.responders["discovery"].start()
            H.wait_http(stack.url("discovery") + "/health", stack.responders["discovery"])
            assert disc.get("/discovery").headers["ETag"] == et
    finally:
        stack.stop()
        H.remove_memory_store(cfg)
        shutil.rmtree(d, ignore_errors=True)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGQUIT, signal.SIGTERM])
def test_idle_responder_signal_exit_0(env, sig):
    d = H.make_tmpdir("swgr-sig2-")
    try:
        cfg = H.write_config(d / "config.yaml", env.db, env.keys, tag="sig2")
        for svc in ("discovery", "offer"):
            r = H.Responder(svc, cfg, d / f"{svc}.sock", d / f"{svc}.stderr").start()
            time.sleep(0.5)
            assert r.alive(), r.stderr_text()
            assert r.terminate(sig, timeout=10) == 0, (svc, sig, r.stderr_text()[-1000:])
            assert r.stop_secs <= H.SIGTERM_PROMPT, (svc, sig, r.stop_secs)
            no_error_lines(r.stderr_text())
    finally:
        H.remove_memory_store(d / "config.yaml")
        shutil.rmtree(d, ignore_errors=True)


# ----------------------------------------------------------------------------- memory store

def test_memory_store_shared_between_processes(env):
    d = H.make_tmpdir("swgr-mem-")
    cfg = d / "config.yaml"
    cfg.write_text(H.admin_sections(env.keys) + "store:\n  discover:\n    type: memory\n"
                   "  offer:\n    type: memory\n" + H.node_access_yaml())
    a = H.Stack(d / "a", cfg)
    (d / "a").mkdir()
    (d / "b").mkdir()
    b_ = H.Stack(d / "b", cfg)
    try:
        a.start()
        da = H.Api(a.url("discovery"), env.tokens["discovery"])
        r = da.get("/discovery")
        assert r.status_code == 200
        assert r.headers["ETag"] == "0000000000000000"      # a new store starts at 0
        assert r.text == "[]"
        b_.start()
        db = H.Api(b_.url("discovery"), env.tokens["discovery"])
        bk = backend()
        assert da.post("/discovery", bk).status_code == 201
        assert db.get(f"/discovery/{bk['publicKey']}").status_code == 200
        assert db.get("/discovery").headers["ETag"] == "0000000000000001"
        oa = H.Api(a.url("offer"), env.tokens["offer"])
        ob = H.Api(b_.url("offer"), env.tokens["offer"])
        m = metadata("mem")
        assert ob.post("/metadata", m).status_code == 201
        assert oa.get(f"/metadata/mem/{m['id']}").status_code == 200
        assert a.stop() == {"discovery": 0, "offer": 0}
        assert b_.stop() == {"discovery": 0, "offer": 0}
    finally:
        a.stop()
        b_.stop()
        H.remove_memory_store(cfg)
        shutil.rmtree(d, ignore_errors=True)



def test_own_socket_threads_and_log_level_options(env):
    """Without spawn-fcgi: -s SOCKET, -t THREADS; per-section log-level: warn hides INFO
    access lines but keeps WARN ones."""
    d = H.make_tmpdir("swgr-opt-")
    logs = {s: d / f"{s}.log" for s in ("discovery", "offer")}
    cfg = H.write_config(d / "config.yaml", env.db, env.keys, tag="opt")
    text = cfg.read_text()
    text = text.replace("discovery-service:\n", f"discovery-service:\n  log-file: {json.dumps(str(logs['discovery']))}\n"
                        "  log-level: warn\n", 1)
    cfg.write_text(text)
    stack = H.Stack(d, cfg, extra_args=["-t", "2"], spawn=False)
    try:
        stack.start()
        disc = H.Api(stack.url("discovery"), env.tokens["discovery"])
        # more concurrent clients than threads: queued, not lost
        results = []

        def worker():
            s = H.Api(stack.url("discovery"), env.tokens["discovery"])
            for _ in range(20):
                results.append(s.get("/discovery").status_code)

        ts = [threading.Thread(target=worker) for _ in range(6)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        assert results == [200] * 120, Counter(results)
        assert disc.get("/health").status_code == 200
        assert disc.get("/discovery", token=None).status_code == 401
        rcs = stack.stop()
        assert rcs == {"discovery": 0, "offer": 0}
        text = logs["discovery"].read_text()
        assert find_access(text, "discovery", "GET", "/discovery", 401), text[-1000:]
        assert not find_access(text, "discovery", "GET", "/health", 200)
        assert not [line for line in text.splitlines() if " INFO " in line[:30]], text[:1000]
    finally:
        stack.stop()
        H.remove_memory_store(cfg)
        shutil.rmtree(d, ignore_errors=True)
