"""systemd (issue 13): the units of etc/systemd/ pass `systemd-analyze verify` and hold
what they promise (hardening, users, journald, the sockets of the nginx examples);
swgr-lnurl socket-activated by systemd-socket-activate (LISTEN_PID, LISTEN_FDS, the
socket on fd 3; like systemd it starts the program at the first connection) answers
/health, a payRequest and an invoice through nginx; restarted on
a socket that outlives it, as systemd keeps a .socket unit's socket across restarts, the
next process answers the connections that queued meanwhile; a wrong activation
environment is refused with exit 1 and its reason.

systemd is installed here but is not PID 1, and the programs are not installed: verify
runs on copies of the units whose ExecStart names the programs of the build directory
(the substitution `make` does with $(sbindir), here with the build directory), with
MANPATH at a folder of links to doc/*.8, so that Documentation=man:... is checked too.
Run once, on any store (the units do not depend on it)."""

import grp
import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

import harness as H
import web
from lnurl_stack import HOST, LnurlStack
from nodes import wait_for
from test_lnurl import lnurl_config

UNITS = H.ROOT / "etc" / "systemd"
pytestmark = pytest.mark.skipif(
    H.provider() != "sqlite",
    reason="the shipped operator files are the subject, not the store: run once, on SQLite")
RESPONDERS = ("lnurl", "discovery", "offer")
SERVICES = (*RESPONDERS, "monitord")
LNURL_EXAMPLE = H.ROOT / "web-examples" / "nginx" / "swgr-lnurl.conf"
ADMIN_EXAMPLE = H.ROOT / "web-examples" / "nginx" / "swgr-admin.conf"
SPAWN_FCGI_SH = H.ROOT / "web-examples" / "spawn-fcgi.sh"


def unit_text(name):
    """The text of unit name (a .service from its .in) with the build's programs."""
    src = UNITS / name
    if not src.exists():
        src = UNITS / (name + ".in")
    text = src.read_text()
    return text.replace("@sbindir@", str(H.build_dir())).replace("@sysconfdir@", "/etc")


def settings(text):
    """{section: {key: [values in order]}} of a unit file."""
    out, sec = {}, None
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        m = re.fullmatch(r"\[(\w+)\]", line)
        if m:
            sec = out.setdefault(m[1], {})
            continue
        k, _, v = line.partition("=")
        sec.setdefault(k.strip(), []).append(v.strip())
    return out


def all_units():
    return [f"swgr-{s}.socket" for s in RESPONDERS] + [f"swgr-{s}.service" for s in SERVICES]


@pytest.fixture
def units(env):
    """The units for the build directory in a folder of their own, and a MANPATH."""
    d = env.tmp / f"units-{H.new_uuid()[:8]}"
    (d / "man" / "man8").mkdir(parents=True)
    for page in (H.ROOT / "doc").glob("*.8"):
        (d / "man" / "man8" / page.name).symlink_to(page)
    for name in all_units():
        text = unit_text(name)
        assert not re.search(r"@\w+@", text), f"{name}: a placeholder left: {text}"
        (d / name).write_text(text)
    return d


def verify(d, names):
    return subprocess.run(["systemd-analyze", "verify", *[str(d / n) for n in names]],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "MANPATH": str(d / "man")})


def clean(r):
    """verify said nothing: exit 0 and no warning (an unknown key is only a warning)."""
    return r.returncode == 0 and r.stderr.strip() == "" and r.stdout.strip() == ""


def test_units_verify_clean(units):
    names = all_units()
    assert sorted(p.name for p in units.iterdir() if p.is_file()) == sorted(names)
    r = verify(units, names)
    assert clean(r), (r.returncode, r.stdout, r.stderr)


def test_verify_catches_mistakes(units):
    """The check above can fail: a misspelt key, a program that is not there."""
    text = (units / "swgr-lnurl.service").read_text()
    (units / "swgr-lnurl.service").write_text(text.replace("PrivateTmp=yes", "PrivateTemp=yes"))
    r = verify(units, ["swgr-lnurl.socket", "swgr-lnurl.service"])
    assert not clean(r) and "Unknown key 'PrivateTemp'" in r.stderr, r.stderr
    (units / "swgr-lnurl.service").write_text(text.replace(str(H.build_dir()), "/nonexistent"))
    r = verify(units, ["swgr-lnurl.socket", "swgr-lnurl.service"])
    assert r.returncode != 0 and "/nonexistent/swgr-lnurl is not executable" in r.stderr, r.stderr


def make_var(name):
    """A variable of the build directory's Makefile, as configure set it ("" if absent)."""
    r = subprocess.run(["make", "-s", "-C", str(H.build_dir()), "--no-print-directory",
                        "-f", "Makefile", "-f", "-", "print-var"],
                       input=f"print-var:\n\t@echo $({name})\n", capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_make_install_puts_the_units(env):
    """make install (DESTDIR) puts the seven units in the unit directory configure found,
    the services naming the installed programs and configuration."""
    unitdir, sbindir, sysconfdir = (make_var(v) for v in
                                    ("systemdsystemunitdir", "sbindir", "sysconfdir"))
    if not unitdir:
        pytest.skip("the build was configured without a systemd unit directory")
    dest = env.tmp / f"destdir-{H.new_uuid()[:8]}"
    r = subprocess.run(["make", "-s", "-C", str(H.build_dir()), "install-data",
                        f"DESTDIR={dest}"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    d = Path(f"{dest}{unitdir}")
    assert sorted(p.name for p in d.iterdir()) == sorted(all_units()), list(d.iterdir())
    for svc in SERVICES:
        s = settings((d / f"swgr-{svc}.service").read_text())["Service"]
        assert s["ExecStart"] == [f"{sbindir}/swgr-{svc} -c {sysconfdir}/swgr/config.yaml"], s
    for svc in RESPONDERS:
        assert (d / f"swgr-{svc}.socket").read_text() == (UNITS / f"swgr-{svc}.socket").read_text()


def example_sockets():
    """The FastCGI socket path of each responder in the nginx examples and in
    spawn-fcgi.sh (with its default RUNDIR)."""
    nginx = {m[2]: m[1] for f in (LNURL_EXAMPLE, ADMIN_EXAMPLE)
             for m in re.finditer(r"unix:(/\S+/(\w+)\.sock);", f.read_text())}
    sh = {m[1]: m[0].replace("$RUNDIR", "/run/swgr")
          for m in re.finditer(r"\$RUNDIR/(\w+)\.sock", SPAWN_FCGI_SH.read_text())}
    return nginx, sh


def test_units_settings():
    nginx, sh = example_sockets()
    for svc in RESPONDERS:
        sock = settings(unit_text(f"swgr-{svc}.socket"))["Socket"]
        assert sock["ListenStream"] == [nginx[svc]] == [sh[svc]], (svc, sock, nginx, sh)
        assert sock["SocketMode"] == ["0660"] and sock["SocketGroup"] == ["www-data"], sock
        assert sock["Accept"] == ["no"], sock
    for svc in SERVICES:
        u = settings(unit_text(f"swgr-{svc}.service"))
        s = u["Service"]
        assert s["ExecStart"] == [f"{H.build_dir()}/swgr-{svc} -c /etc/swgr/config.yaml"], s
        for key, want in (("Restart", "on-failure"), ("NoNewPrivileges", "yes"),
                          ("ProtectSystem", "strict"), ("ProtectHome", "yes"),
                          ("PrivateTmp", "yes"), ("StandardError", "journal"),
                          ("ExecReload", "/bin/kill -HUP $MAINPID")):
            assert s.get(key) == [want], (svc, key, s.get(key))
        assert s["RuntimeDirectory"] == [f"swgr-{svc}"] and s["LogsDirectory"], s
        # one metrics directory for the host, not the unit's runtime directory
        assert s["ReadWritePaths"] == ["-" + METRICS_DIR], s
        if svc == "lnurl":
            # the public process: its own user, reading the admin user's state directory
            assert s["User"] == ["swgr-public"] and s["SupplementaryGroups"] == ["swgr"], s
            assert "StateDirectory" not in s, "systemd would give /var/lib/swgr to swgr-public"
            assert s["Environment"] == ["STATE_DIRECTORY=/var/lib/swgr"], s
            assert s["LogsDirectory"] != ["swgr"], "systemd would give /var/log/swgr to swgr-public"
        else:
            assert s["User"] == ["swgr"] and s["StateDirectory"] == ["swgr"], s
            assert s["LogsDirectory"] == ["swgr"], s
        if svc != "monitord":
            assert u["Unit"]["Requires"] == [f"swgr-{svc}.socket"], u["Unit"]


def test_units_match_etc_config():
    """The log-file paths of etc/config.yaml lie in the LogsDirectory= of their unit."""
    cfg = (H.ROOT / "etc" / "config.yaml").read_text()
    files = dict(re.findall(r"^(\w[\w-]*):\n(?:(?:  .*|#.*|)\n)*?  log-file: (\S+)", cfg, re.M))
    section = {"lnurl-service": "lnurl", "discovery-service": "discovery",
               "offer-service": "offer", "monitor": "monitord"}
    assert sorted(files) == sorted(section), files
    for sec, path in files.items():
        logs = settings(unit_text(f"swgr-{section[sec]}.service"))["Service"]["LogsDirectory"]
        assert os.path.dirname(path) == f"/var/log/{logs[0]}", (sec, path, logs)


# ----------------------------------------------------------------- socket activation

class ActivatedStack(LnurlStack):
    activate = True


def test_socket_activated_lnurl_through_nginx(env):
    with ActivatedStack(env, weights=[1]) as st:
        r = st.get("/health")
        assert r.status_code == 200, r.text
        o = st.offer()
        r = st.get(f"/offers/{o.partition}/{o.id}")
        assert r.status_code == 200 and r.json()["tag"] == "payRequest", r.text
        inv = st.invoice(o, 5000)
        assert inv.payee == st.pks[0]
        r = st.get("/health/full")
        assert r.status_code == 200 and r.json() == [], r.text
        # INFO lines reach the file within 50 ms (the responders' log buffer)
        line = ("lnurl service listening on the socket passed by the service manager "
                "(LISTEN_FDS, fd 3)")
        wait_for(lambda: line in st.log.read_text(), 5, "the listening line in the log")
        # systemd-socket-activate execs the program in place: the process is swgr-lnurl
        if not H.wrapper("SWGR_RESPONDER_WRAPPER"):
            assert os.readlink(f"/proc/{st.resp.proc.pid}/exe") == H.binary("swgr-lnurl")
        assert st.resp.terminate() == 0
        assert "server terminated clean" in st.log.read_text()    # written at exit


def listening_socket(path):
    """A listening unix socket at path, as a .socket unit makes it (mode 0660, nginx's group)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(path))
    s.listen(1024)
    os.chmod(path, 0o660)
    if H.SOCKET_GROUP:
        os.chown(path, -1, grp.getgrnam(H.SOCKET_GROUP).gr_gid)
    return s


# The environment of a socket-activated process as a service manager sets it: LISTEN_PID
# is the process's own id, so a shell sets it and execs the program in its place.
ACTIVATE_SH = 'LISTEN_PID=$$ LISTEN_FDS=${FDS:-1} exec "$0" "$@"'


def activated(prog, config, sock, stderr, fds="1"):
    """prog -c config with sock (a socket object, or None) on fd 3 and LISTEN_PID,
    LISTEN_FDS=fds, as systemd starts a service of a .socket unit."""
    fd = sock.fileno() if sock is not None else None

    def on_fd3():       # in the child; without a socket, close_fds leaves fd 3 closed
        if fd is not None and fd != 3:
            os.dup2(fd, 3)
    return subprocess.Popen(["/bin/sh", "-c", ACTIVATE_SH, *H.wrapper("SWGR_RESPONDER_WRAPPER"),
                             prog, "-c", str(config)],
                            env={**os.environ, "FDS": fds}, stdin=subprocess.DEVNULL,
                            stdout=stderr, stderr=stderr, preexec_fn=on_fd3,
                            pass_fds=(3,) if fd is not None else (), start_new_session=True)


def lnurl_offer(env, part):
    m = H.metadata(part, text=f"activated {part}")
    assert env.offers.post("/metadata", m).status_code == 201
    o = H.offer(part, m["id"])
    assert env.offers.post("/offers", o).status_code == 201
    return o


def test_restart_on_a_kept_socket(env):
    """systemd keeps a .socket unit's socket while its service restarts: connections made
    meanwhile wait in the backlog for the next process.  The responder must leave that
    socket as it found it at stop (no shutdown(2), which would refuse every later
    connection)."""
    d = env.tmp / f"act-{H.new_uuid()[:8]}"
    d.mkdir()
    part = f"act-{H.new_uuid()[:8]}"
    config = lnurl_config(d / "lnurl.yaml", env.db, [part], f"act-{part}", d / "lnurl.log")
    o = lnurl_offer(env, part)
    path = d / "lnurl.sock"
    kept = listening_socket(path)
    nginx = None
    procs = []
    errf = open(d / "lnurl.stderr", "ab")
    try:
        procs.append(activated(H.binary("swgr-lnurl"), config, kept, errf))
        nginx = web.lnurl(d, str(path)).start()
        base = f"http://127.0.0.1:{nginx.port}"
        pay = f"{base}/offers/{part}/{o['id']}"
        H.wait_http(base + "/health", timeout=30)
        r = requests.get(pay, headers={"Host": HOST}, timeout=10)
        assert r.status_code == 200 and r.json()["tag"] == "payRequest", r.text
        procs[0].send_signal(signal.SIGTERM)
        assert procs[0].wait(20) == 0
        # no process now: a request waits in the socket's backlog ...
        got = {}
        t = threading.Thread(target=lambda: got.update(
            r=requests.get(pay, headers={"Host": HOST}, timeout=30)))
        t.start()
        time.sleep(1.0)
        assert "r" not in got, "answered with no process on the socket"
        # ... until the next process takes the same socket
        procs.append(activated(H.binary("swgr-lnurl"), config, kept, errf))
        t.join(40)
        assert got["r"].status_code == 200 and got["r"].json()["tag"] == "payRequest", \
            (got["r"].status_code, got["r"].text, (d / "lnurl.log").read_text()[-2000:])
        procs[1].send_signal(signal.SIGTERM)
        assert procs[1].wait(20) == 0
        log = (d / "lnurl.log").read_text()       # both have exited: all of it written
        assert log.count("listening on the socket passed by the service manager") == 2, log
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        if nginx:
            nginx.stop()
        kept.close()
        errf.close()


@pytest.mark.parametrize("pid, fds, on_fd3, want", [
    ("1", "1", True, "LISTEN_PID 1 is not this process"),
    (None, "2", True, "LISTEN_FDS is 2, one listening socket expected"),
    (None, "x", True, "LISTEN_FDS 'x' is no count of descriptors"),
    (None, "1", False, "fd 3 is no stream socket"),
])
def test_wrong_activation_refused(env, pid, fds, on_fd3, want):
    d = env.tmp / f"bad-act-{H.new_uuid()[:8]}"
    d.mkdir()
    config = lnurl_config(d / "lnurl.yaml", env.db, ["x"], "bad-act", d / "lnurl.log")
    sock = listening_socket(d / "lnurl.sock") if on_fd3 else None
    try:
        with open(d / "stderr", "wb") as errf:
            if pid is None:
                p = activated(H.binary("swgr-lnurl"), config, sock, errf, fds=fds)
            else:
                p = subprocess.Popen([*H.wrapper("SWGR_RESPONDER_WRAPPER"), H.binary("swgr-lnurl"),
                                      "-c", str(config)],
                                     env={**os.environ, "LISTEN_PID": pid, "LISTEN_FDS": fds},
                                     stdin=subprocess.DEVNULL, stdout=errf, stderr=errf)
            assert p.wait(30) == 1
        err = (d / "stderr").read_text()
        assert "ERROR swgr::lnurl] socket activation: " + want in err, err
    finally:
        if sock:
            sock.close()


METRICS_DIR = "/run/swgr/metrics"


def test_metrics_directory_is_shared_by_every_unit():
    """The sample configuration names one metrics directory for every process of the
    host (under the units each has a runtime directory of its own, which the default
    would follow), and the tmpfiles.d entry makes it writable by both users' group."""
    sample = (H.ROOT / "etc" / "config.yaml").read_text()
    assert re.search(r"^metrics:\n  dir: " + re.escape(METRICS_DIR) + r"\s", sample, re.M), \
        "etc/config.yaml: metrics.dir is not " + METRICS_DIR
    lines = [ln.split() for ln in (H.ROOT / "etc" / "tmpfiles.d" / "swgr.conf").read_text()
             .splitlines() if ln.strip() and not ln.startswith("#")]
    assert ["d", METRICS_DIR, "2770", "swgr", "swgr", "-"] in lines, lines

