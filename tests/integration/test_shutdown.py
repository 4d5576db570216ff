"""SIGTERM while web-server connections are open but have not sent their request yet.

libfcgi waits up to 2 s for the first bytes of a connection it has accepted on a
unix socket.  A responder that called FCGX_ShutdownPending used to spin forever at
SIGTERM when its wake-up signal cut that wait short (libfcgi went on with the
descriptor it had just closed).  Both ways of listening are covered: our own -s
socket (shut down at SIGTERM) and spawn-fcgi's fd 0 (shared, never shut down)."""

import shutil
import signal
import socket
import time

import pytest

import harness as H


@pytest.mark.parametrize("spawn", [True, False], ids=["spawn-fcgi", "own-socket"])
@pytest.mark.parametrize("service", ["discovery", "offer"])
def test_sigterm_with_silent_connections(env, service, spawn):
    d = H.make_tmpdir(f"swgr-shutdown-{service}-")
    cfg = H.write_config(d / "config.yaml", env.db, env.keys, tag="shut")
    r = H.Responder(service, cfg, d / f"{service}.sock", d / f"{service}.stderr",
                    extra_args=["-t", "4"], spawn=spawn).start()
    conns = []
    try:
        # More silent connections than worker threads: every worker sits in
        # libfcgi's wait for the first bytes, the rest wait in the backlog.
        for _ in range(6):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(r.sock)
            conns.append(s)
        time.sleep(0.3)
        assert r.alive(), r.stderr_text()[-1500:]
        rc = r.terminate(signal.SIGTERM, timeout=10)
        assert rc == 0, (f"swgr-{service} did not exit 0 within 10 s of SIGTERM with "
                         "silent connections open", rc, r.hang_report[-4000:], r.stderr_text()[-1500:])
        assert r.stop_secs <= H.SIGTERM_PROMPT, \
            f"swgr-{service} took {r.stop_secs:.3f} s to exit (> {H.SIGTERM_PROMPT} s)"
        assert "ERROR" not in r.stderr_text(), r.stderr_text()[-1500:]
    finally:
        for s in conns:
            s.close()
        if r.alive():
            r.terminate(signal.SIGKILL, timeout=5)
        H.remove_memory_store(cfg)
        shutil.rmtree(d, ignore_errors=True)
