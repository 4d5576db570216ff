"""logrotate (issue 13): web-examples/logrotate/swgr parses (`logrotate -d` prints no
error) and rotates the log-file paths of etc/config.yaml; run for real (`logrotate -f`)
on a copy whose paths point at a test's directories, it rotates the logs of a running
swgr-lnurl and swgr-monitord: its postrotate sends SIGHUP through their pid files (as
web-examples/spawn-fcgi.sh writes them), each process re-opens its log-file, and the
lines that follow (a request's access line, a node going down) are in a new file at
the old path, not in the rotated one."""

import os
import re
import subprocess

import pytest

import harness as H
from lnurl_stack import LnurlStack
from nodes import wait_for

EXAMPLE = H.ROOT / "web-examples" / "logrotate" / "swgr"
pytestmark = pytest.mark.skipif(
    H.provider() != "sqlite",
    reason="the shipped operator files are the subject, not the store: run once, on SQLite")


def debug(conf):
    """logrotate -d on conf: (exit code, its output, the lines that report an error)."""
    r = subprocess.run(["logrotate", "-d", str(conf)], capture_output=True, text=True,
                       timeout=60)
    out = r.stdout + r.stderr
    return r.returncode, out, [line for line in out.splitlines() if line.startswith("error")]


def test_example_parses(env):
    rc, out, errors = debug(EXAMPLE)
    assert rc == 0 and errors == [], out
    assert "rotating pattern: /var/log/swgr/*.log /var/log/swgr-lnurl/*.log" in out, out
    # the check can fail: logrotate -d exits 0 on an unknown directive, but says so
    bad = env.tmp / "logrotate-bad"
    bad.write_text(EXAMPLE.read_text().replace("\tdaily\n", "\tdaily\n\tbogus\n"))
    rc, out, errors = debug(bad)
    assert errors and "unknown option 'bogus'" in errors[0], out


def test_example_covers_the_config():
    """Every log-file of etc/config.yaml matches one of the example's patterns."""
    pats = re.search(r"^(/\S+(?: /\S+)*) \{$", EXAMPLE.read_text(), re.M)[1].split()
    files = re.findall(r"^  log-file: (\S+)$", (H.ROOT / "etc" / "config.yaml").read_text(), re.M)
    assert len(files) == 4, files
    for f in files:
        assert any(os.path.dirname(f) == os.path.dirname(p) and f.endswith(".log")
                   for p in pats), (f, pats)


def test_rotation_reopens_lnurl_and_monitord_logs(env):
    with LnurlStack(env, weights=[1]) as st:
        o = st.offer()
        st.invoice(o, 5000)
        lnurl_log, mon_log = st.log, st.mon.log
        wait_for(lambda: "/invoice?amount=5000 HTTP/1.1 200" in lnurl_log.read_text(), 5,
                 "the invoice's access line")
        run = st.tmp / "run"
        run.mkdir()
        (run / "lnurl.pid").write_text(f"{st.resp.proc.pid}\n")
        (run / "monitord.pid").write_text(f"{st.mon.proc.pid}\n")
        # a stale pid file whose pid is some other program's: not signalled
        other = subprocess.Popen(["sleep", "60"])
        (run / "offer.pid").write_text(f"{other.pid}\n")
        text = EXAMPLE.read_text()
        text = text.replace("/var/log/swgr-lnurl/*.log", f"{st.tmp}/none/*.log")
        text = text.replace("/var/log/swgr/*.log", f"{st.tmp}/*.log")
        text = text.replace("/run/swgr/", f"{run}/")
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        assert "/var/log" not in code and "/run/swgr" not in code, code
        conf = st.tmp / "logrotate.conf"
        conf.write_text(text)
        try:
            r = subprocess.run(["logrotate", "-f", "-s", str(st.tmp / "logrotate.state"),
                                str(conf)], capture_output=True, text=True, timeout=60)
            assert r.returncode == 0, r.stdout + r.stderr
            assert other.poll() is None, "SIGHUP sent to a process that is not swgr's"
        finally:
            other.kill()
            other.wait()
        old_lnurl = lnurl_log.with_name(lnurl_log.name + ".1")
        old_mon = mon_log.with_name(mon_log.name + ".1")
        assert old_lnurl.exists() and old_mon.exists(), sorted(os.listdir(st.tmp))
        for log in (lnurl_log, mon_log):
            wait_for(lambda log=log: log.exists() and
                     "received signal: SIGHUP, log reopened" in log.read_text(), 5,
                     f"{log.name} re-opened after SIGHUP")
            assert oct(log.stat().st_mode & 0o777) == "0o640", oct(log.stat().st_mode)
        # swgr-lnurl: a request after the rotation is logged in the new file only
        unknown = H.new_uuid()
        r = st.get(f"/offers/{o.partition}/{unknown}")
        assert r.status_code == 404, r.text
        wait_for(lambda: unknown in lnurl_log.read_text(), 5, "the 404's access line")
        assert unknown not in old_lnurl.read_text()
        assert "/invoice?amount=5000" in old_lnurl.read_text()
        assert "/invoice?amount=5000" not in lnurl_log.read_text()
        # swgr-monitord: a node going down after the rotation, in the new file only
        st.sims[0].control(down=True)
        down = f"{st.sims[0].pk} becomes unhealthy"
        wait_for(lambda: down in mon_log.read_text(), 10, "the node's failure in the new log")
        assert down not in old_mon.read_text()
        assert f"monitoring backend {st.sims[0].pk}" in old_mon.read_text()
        assert st.resp.alive() and st.mon.alive()
