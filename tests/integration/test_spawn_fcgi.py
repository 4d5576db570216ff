"""web-examples/spawn-fcgi.sh run as shipped (issue 13): with SWGR_SBIN at the build
directory, a temporary SWGR_RUNDIR and the unprivileged user nobody for both of its
users, it starts swgr-discovery, swgr-offer, swgr-monitord and swgr-lnurl, each with its
pid file; behind nginx (the two example configurations on its sockets) a node registered
through swgr-discovery is checked by that swgr-monitord, so that swgr-lnurl's
/health/full answers 200, which it cannot without a monitor.  Run as root (the script
changes users); its own database (SQLite in a directory of nobody's)."""

import os
import pwd
import shutil
import signal
import subprocess
import time

import pytest
import requests

import harness as H
import web
import lnurl_stack
from nodes import Sim, wait_for

SCRIPT = H.ROOT / "web-examples" / "spawn-fcgi.sh"
pytestmark = pytest.mark.skipif(
    H.provider() != "sqlite",
    reason="the shipped operator files are the subject, not the store: run once, on SQLite")
USER, GROUP = "nobody", "nogroup"
PROGRAMS = ("discovery", "offer", "monitord", "lnurl")


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def stop(pids):
    for pid in pids.values():
        if alive(pid):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while any(alive(p) for p in pids.values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = {n: p for n, p in pids.items() if alive(p)}
    for pid in left.values():
        os.kill(pid, signal.SIGKILL)
    return left


def uid_of(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("Uid:"):
            return int(line.split()[1])
    return None


def test_script_starts_monitord_and_health_full_works(env):
    if os.geteuid() != 0:
        pytest.skip("spawn-fcgi.sh changes users: run as root")
    d = H.make_tmpdir("swgr-spawn-fcgi-")
    nobody = pwd.getpwnam(USER)
    run = d / "run"
    pids = {}
    sim = nginx_admin = nginx_lnurl = None
    try:
        db = H.Database("sqlite", d / "db")
        (d / "db").mkdir()
        os.chown(d / "db", nobody.pw_uid, nobody.pw_gid)
        instance = f"spawn-{H.new_uuid()[:8]}"
        part = f"sp-{H.new_uuid()[:8]}"
        logs = {s: d / "db" / f"{s}.log" for s in ("discovery", "offer")}
        config = d / "config.yaml"
        config.write_text(H.admin_sections(env.keys, logs) +
                          lnurl_stack.config_text(db, [part], instance, d / "db" / "lnurl.log"))
        r = subprocess.run(["sh", str(SCRIPT)], capture_output=True, text=True, timeout=60,
                           env={**os.environ, "SWGR_CONFIG": str(config),
                                "SWGR_SBIN": str(H.build_dir()), "SWGR_RUNDIR": str(run),
                                "SWGR_USER": USER, "SWGR_GROUP": GROUP,
                                "SWGR_PUBLIC_USER": USER, "SWGR_PUBLIC_GROUP": GROUP,
                                "SWGR_WEB_GROUP": GROUP, "SWGR_THREADS": "4"})
        assert r.returncode == 0, r.stdout + r.stderr
        for name in PROGRAMS:
            f = run / f"{name}.pid"
            wait_for(lambda f=f: f.exists() and f.read_text().strip(), 10, f"{f.name}")
            pids[name] = int(f.read_text())
        for name, pid in pids.items():
            # the pid file names the program itself, running as the script's user
            assert os.readlink(f"/proc/{pid}/exe") == H.binary(f"swgr-{name}"), name
            assert uid_of(pid) == nobody.pw_uid, name
        socks = {s: str(run / f"{s}.sock") for s in ("discovery", "offer")}
        nginx_admin = web.server()(d, socks).start()
        nginx_lnurl = web.lnurl(d, str(run / "lnurl.sock")).start()
        base = f"http://127.0.0.1:{nginx_lnurl.port}"
        H.wait_http(base + "/health")
        disc = H.Api(nginx_admin.url("discovery"), env.tokens["discovery"])
        H.wait_http(nginx_admin.url("discovery") + "/health")
        # a node whose credential files belong to the script's user (doc/nodes.md)
        sim = Sim("eclair", d / "node")
        sim.start()
        for root, dirs, files in os.walk(sim.dir):
            for n in dirs + files:
                shutil.chown(os.path.join(root, n), USER, GROUP)
        shutil.chown(sim.dir, USER, GROUP)
        sim.register(disc, [part])

        def health_full():
            return requests.get(base + "/health/full", headers={"Host": lnurl_stack.HOST},
                                  timeout=5)
        r = wait_for(lambda: (lambda r: r.status_code == 200 and r)(health_full()), 20,
                     "/health/full 200 once swgr-monitord checked the node")
        assert r.json() == [], r.text
        assert alive(pids["monitord"])
        # monitor.log-file is not set: its lines go to the script's monitord.stderr
        assert f"monitoring as instance '{instance}'" in (run / "monitord.stderr").read_text()
        # without the monitor the node's status goes stale: /health/full is 502 again
        os.kill(pids["monitord"], signal.SIGTERM)
        wait_for(lambda: not alive(pids["monitord"]), 20, "swgr-monitord stops on SIGTERM")
        wait_for(lambda: health_full().status_code == 502, 20,
                 "/health/full 502 once the monitor is gone")
    finally:
        left = stop(pids)
        for x in (nginx_lnurl, nginx_admin, sim):
            if x is not None:
                x.stop()
        if not os.environ.get("SWGR_TEST_KEEP"):
            shutil.rmtree(d, ignore_errors=True)
    assert left == {}, f"did not stop on SIGTERM: {left}"
