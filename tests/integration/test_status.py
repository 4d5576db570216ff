"""GET /discovery/status and `swgr discovery status` over two swgr-monitord instances
writing to the session's database (SWGR_TEST_DB), the nodes played by tests/sim/lnsim.py.

Each test starts from an empty fleet: the backends of earlier tests are deleted through
the API and the status rows and heartbeats of their (stopped) monitors from the tables,
since a stale instance or an unchecked backend is a problem the exit status reports.

Bounds: with both thresholds at 1 a change on a node shows in the next round of each
monitor, within 2 periods (P) of the control call, plus SLACK for scheduling."""

import json
import os
import re
import shutil
import subprocess
import time
from datetime import datetime
from pathlib import Path

import pytest

import harness as H
from nodes import Fleet, Monitord, skip_on_memory, wait_for

P = 0.5
SLACK = H.slack()
WIDTH = 100


def sql_exec(db, sql):
    """Runs a statement that returns nothing on the session's database."""
    if db.kind == "sqlite":
        import sqlite3
        con = sqlite3.connect(str(db.tmp / "main-discover.db"), timeout=10)
        try:
            con.execute(sql)
            con.commit()
        finally:
            con.close()
        return
    if db.kind == "postgres":
        cmd = ["psql", db.uri, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]
    else:
        user, pw, rest, _ = db.userpass_hostpath()
        hostport, _, dbname = rest.partition("/")
        host, _, port = hostport.partition(":")
        cmd = ["mariadb", "--no-defaults", "-h", host, "-P", port, "-u", user, f"-p{pw}",
               dbname, "-e", sql]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=15)
    assert r.returncode == 0, r.stderr


@pytest.fixture
def world(env, disc):
    """An empty fleet and no monitor; afterwards the monitors and simulators stopped."""
    skip_on_memory(env.db)
    r = disc.get("/discovery")
    assert r.status_code == 200
    for b in r.json():
        assert disc.delete(f"/discovery/{b['publicKey']}").status_code == 204
    # A monitor of an earlier test writes its tables on first start: make sure they exist.
    things = []
    yield things
    for t in reversed(things):
        t.stop()


def clear_status(env):
    for table in ("swgr_node_status", "swgr_monitor_heartbeat"):
        sql_exec(env.db, f"DELETE FROM {table}")


def start(world, env, part, n_sims, instances):
    fleet = Fleet(env.tmp, n_sims, kinds=("lnd", "cln")).start()
    world.append(fleet)
    mons = []
    for name in instances:
        m = Monitord(env.tmp, env.db, [part], instance=name, period=P, update=P,
                     to_healthy=1, to_unhealthy=1)
        world.append(m)
        mons.append(m)
    mons[0].start()
    clear_status(env)       # the leftovers of earlier tests; our first monitor made the tables
    for m in mons:
        if m.proc is None:
            m.start()
        else:
            wait_for(lambda m=m: any(x["instance"] == m.instance
                                     for x in status(env.disc)["monitors"]), 3 * P + SLACK,
                     "the first monitor's heartbeat again")
    return fleet, mons


def status(disc, **params):
    r = disc.get("/discovery/status", params=params or None)
    assert r.status_code == 200, (r.status_code, r.text)
    assert r.headers["Content-Type"].startswith("application/json")
    assert re.fullmatch(r"[0-9a-f]{16}", r.headers["ETag"]), r.headers.get("ETag")
    return r.json()


def entry(doc, pk, instance):
    pk = H.compress_key(pk)
    for b in doc["backends"]:
        if b["publicKey"] == pk:
            for e in b["instances"]:
                if e["instance"] == instance:
                    return e
            return None
    return None


def everywhere(disc, pk, mons, pred):
    doc = status(disc)
    return all(entry(doc, pk, m.instance) is not None and pred(entry(doc, pk, m.instance))
               for m in mons)


def checked_healthy(e):
    """Healthy after a check that succeeded (a new row starts healthy, before any)."""
    return e["state"] == "healthy" and e["inboundMsat"] is not None


def names(n):
    tag = H.new_uuid()[:6]
    return [f"st{i}-{tag}" for i in range(n)]


def rfc3339(s):
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", s), s
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


@pytest.fixture
def scli(env, cli):
    def run(*args, env_=None, **kw):
        return cli.run("discovery", "status", *args, "-b", env.stack.url("discovery"), "-a",
                       env.token_files["discovery"], env=env_, **kw)
    return run


# ----------------------------------------------------------------------------- the route

def test_down_back_capacity_two_instances(env, disc, part, world, scli):
    fleet, mons = start(world, env, part, 2, names(2))
    a, b = fleet
    for n in fleet:
        n.register(disc, [part])
    for n in fleet:
        wait_for(lambda n=n: everywhere(disc, n.pk, mons, lambda e: e["state"] == "healthy" and
                                        e["inboundMsat"] == n.inbound_msat),
                 3 * P + SLACK, "both healthy on both instances")
    doc = status(disc)
    assert sorted(m["instance"] for m in doc["monitors"]) == sorted(m.instance for m in mons)
    for m in doc["monitors"]:
        assert m["periodSecs"] == P and m["stale"] is False
        assert 0 <= m["heartbeatAgeSecs"] < 3 * P + SLACK
        assert abs(rfc3339(m["lastHeartbeat"]) - time.time()) < 3 * P + SLACK
    be = next(x for x in doc["backends"] if x["publicKey"] == H.compress_key(a.pk))
    assert be["name"] == f"{a.kind}-{a.port}" and be["enabled"] is True
    assert be["partitions"] == [part]
    e = entry(doc, a.pk, mons[0].instance)
    assert e["healthy"] is True and e["consecutiveFailures"] == 0
    assert isinstance(e["consecutiveSuccesses"], int) and e["lastError"] is None
    assert abs(rfc3339(e["lastChecked"]) - time.time()) < 3 * P + SLACK
    assert e["checkLatencyMs"] >= 0 and e["stale"] is False
    r = scli()
    assert r.returncode == 0, (r.stdout, r.stderr)

    # Down: unhealthy on both instances within 2 periods, with the error; b untouched.
    a.control(down=True)
    t0 = time.monotonic()
    wait_for(lambda: everywhere(disc, a.pk, mons, lambda e: e["state"] == "unhealthy"),
             2 * P + SLACK, "a unhealthy on both instances", interval=0.05)
    assert time.monotonic() - t0 <= 2 * P + SLACK
    doc = status(disc)
    for m in mons:
        e = entry(doc, a.pk, m.instance)
        assert e["healthy"] is False and isinstance(e["consecutiveFailures"], int)
        assert e["lastError"] and H.compress_key(a.pk)[:16] in e["lastError"]
        assert entry(doc, b.pk, m.instance)["state"] == "healthy"
    r = scli()
    assert r.returncode == 1, (r.stdout, r.stderr)
    rows = table_rows(r.stdout)
    assert [x.split()[0] for x in rows[:2]] == ["unhealthy", "unhealthy"], r.stdout
    assert all(x.split()[0] == "healthy" for x in rows[2:]), r.stdout

    # Capacity change of b: on both instances within 2 periods.
    b.control(inbound_msat=777_000_000)
    wait_for(lambda: everywhere(disc, b.pk, mons, lambda e: e["inboundMsat"] == 777_000_000),
             2 * P + SLACK, "b's new capacity on both instances", interval=0.05)
    r = scli()
    assert "777.0k" in r.stdout, r.stdout       # 777,000 sat

    # Back: healthy on both within 2 periods, the error gone; the exit status 0 again.
    a.control(down=False)
    wait_for(lambda: everywhere(disc, a.pk, mons, lambda e: e["state"] == "healthy" and
                                e["lastError"] is None),
             2 * P + SLACK, "a healthy again on both instances", interval=0.05)
    r = scli()
    assert r.returncode == 0, (r.stdout, r.stderr)

    # --json: the route's document, and the same exit status.
    r = scli("--json")
    assert r.returncode == 0
    j = json.loads(r.stdout)
    assert {x["publicKey"] for x in j["backends"]} == {H.compress_key(n.pk) for n in fleet}
    assert {m["instance"] for m in j["monitors"]} == {m.instance for m in mons}


def table_rows(text):
    """The lines of the table after its header, up to the blank line that ends it."""
    lines = [x.rstrip() for x in text.splitlines()]
    i = next(k for k, x in enumerate(lines) if x.startswith("STATE"))
    rows = lines[i + 1:]
    return rows[:rows.index("")] if "" in rows else rows


def test_instance_filter_etag_stale_token(env, disc, part, world, scli):
    fleet, mons = start(world, env, part, 1, names(2))
    (a,) = fleet
    a.register(disc, [part])
    wait_for(lambda: everywhere(disc, a.pk, mons, checked_healthy),
             3 * P + SLACK, "healthy on both instances")

    # ?instance=: that monitor only; an unknown one is 404 with the reason, the CLI exits 2.
    one = status(disc, instance=mons[1].instance)
    assert [m["instance"] for m in one["monitors"]] == [mons[1].instance]
    assert [e["instance"] for e in one["backends"][0]["instances"]] == [mons[1].instance]
    r = disc.get("/discovery/status", params={"instance": "no-such-monitor"})
    assert r.status_code == 404 and "no-such-monitor" in r.text
    r = scli("--instance", "no-such-monitor")
    assert r.returncode == 2 and "no-such-monitor" in r.stderr, (r.stdout, r.stderr)
    r = scli("--instance", mons[0].instance)
    assert r.returncode == 0 and mons[1].instance not in r.stdout, r.stdout
    assert disc.get("/discovery/status?instance=a&instance=b").status_code == 400

    # Token: none or a bad one is 401; the CLI without a token exits 2.
    assert disc.get("/discovery/status", token=None).status_code == 401
    assert disc.get("/discovery/status", token="x.y.z").status_code == 401
    assert disc.get("/discovery/status",
                    token=env.keys["offer"].token("offer")).status_code == 401
    r = H.Cli(H.binary("swgr")).run("discovery", "status", "-b", env.stack.url("discovery"))
    assert r.returncode == 2, (r.stdout, r.stderr)
    # Nothing listening: exit 2 as well.
    r = H.Cli(H.binary("swgr")).run("discovery", "status", "-b",
                                    f"http://127.0.0.1:{H.free_port()}", "-a",
                                    env.token_files["discovery"])
    assert r.returncode == 2, (r.stdout, r.stderr)

    # A backend no monitor checks (a partition nobody watches) is a problem; a disabled
    # one is not.
    lone = H.backend(partitions=[part + "-unwatched"])
    assert disc.post("/discovery", lone).status_code == 201
    r = scli()
    assert r.returncode == 1 and "unchecked" in r.stdout, r.stdout
    assert disc.patch(f"/discovery/{lone['publicKey']}", {"enabled": False}).status_code == 204
    r = scli()
    assert r.returncode == 0, r.stdout
    assert table_rows(r.stdout)[-1].startswith("disabled"), r.stdout

    # A stopped monitor goes stale after 3 periods: flagged, exit 1; the other is not.
    assert mons[1].stop() == 0
    wait_for(lambda: [m["stale"] for m in status(disc)["monitors"]
                      if m["instance"] == mons[1].instance] == [True],
             3 * P + 2 * SLACK + P, "the stopped monitor stale")
    doc = status(disc)
    assert [m["stale"] for m in doc["monitors"] if m["instance"] == mons[0].instance] == [False]
    assert entry(doc, a.pk, mons[1].instance)["stale"] is True
    r = scli()
    assert r.returncode == 1 and "STALE" in r.stdout, r.stdout
    assert scli("--instance", mons[0].instance).returncode == 0

    # ETag: with both monitors stopped and stale nothing moves: If-None-Match -> 304.
    assert mons[0].stop() == 0
    wait_for(lambda: all(m["stale"] for m in status(disc)["monitors"]),
             3 * P + 2 * SLACK + P, "both stale")
    r1 = disc.get("/discovery/status")
    tag = r1.headers["ETag"]
    r2 = disc.get("/discovery/status", headers={"If-None-Match": tag})
    assert r2.status_code == 304 and r2.headers["ETag"] == tag and r2.content == b""
    assert disc.get("/discovery/status", headers={"If-None-Match": "0" * 16}).status_code == 200
    assert disc.get("/discovery/status", headers={"If-None-Match": "nope"}).status_code == 400
    # Another backend changes it; a per-instance view has its own.
    assert disc.delete(f"/discovery/{lone['publicKey']}").status_code == 204
    r3 = disc.get("/discovery/status", headers={"If-None-Match": tag})
    assert r3.status_code == 200 and r3.headers["ETag"] != tag
    r4 = disc.get("/discovery/status", params={"instance": mons[0].instance})
    assert r4.headers["ETag"] != r3.headers["ETag"]


# ----------------------------------------------------------------------------- legibility

def tmux_run(tmp, argv, width=WIDTH, height=40, env_=None):
    """Runs argv in a detached tmux pane of width x height; returns (screen text, exit
    code, screen with attributes)."""
    sock = tmp / f"tmux-{H.new_uuid()[:8]}"
    rcfile = tmp / f"rc-{H.new_uuid()[:8]}"
    envs = " ".join(f"{k}={v}" for k, v in (env_ or {}).items())
    cmd = (f"env -u NO_COLOR {envs} " + " ".join(map(shlex_quote, argv)) +
           f"; echo $? > {rcfile}; sleep 60")
    base = ["tmux", "-S", str(sock), "-f", "/dev/null"]
    subprocess.run(base + ["new-session", "-d", "-x", str(width), "-y", str(height), cmd],
                   check=True, env={"PATH": "/usr/bin:/bin", "TERM": "xterm-256color",
                                    "HOME": str(tmp)})
    try:
        wait_for(lambda: rcfile.exists() and rcfile.read_text().strip() != "", 20,
                 "the command in tmux")
        plain = subprocess.run(base + ["capture-pane", "-p", "-J"], capture_output=True,
                               text=True, check=True).stdout
        attrs = subprocess.run(base + ["capture-pane", "-p", "-e"], capture_output=True,
                               text=True, check=True).stdout
        return plain, int(rcfile.read_text()), attrs
    finally:
        subprocess.run(base + ["kill-server"], capture_output=True)


def shlex_quote(s):
    import shlex
    return shlex.quote(str(s))


def test_table_in_a_terminal(env, disc, part, world):
    assert shutil.which("tmux"), "tmux missing: scripts/deps.sh test"
    fleet, mons = start(world, env, part, 3, names(2))
    for i, n in enumerate(fleet):
        # a long name is cut to its column
        n.register(disc, [part], name=f"node-{i}-" + "x" * 40 if i == 2 else None)
    for n in fleet:
        wait_for(lambda n=n: everywhere(disc, n.pk, mons, checked_healthy),
                 3 * P + SLACK, "healthy on both instances")
    bad = fleet[1]
    bad.control(down=True)
    wait_for(lambda: everywhere(disc, bad.pk, mons, lambda e: e["state"] == "unhealthy"),
             2 * P + SLACK, "unhealthy on both")
    argv = [H.binary("swgr"), "discovery", "status", "-b", env.stack.url("discovery"), "-a",
            env.token_files["discovery"]]
    screen, rc, attrs = tmux_run(env.tmp, argv)
    assert rc == 1, screen
    lines = [x.rstrip() for x in screen.splitlines()]
    assert all(len(x) <= WIDTH for x in lines), max(lines, key=len)
    header = [x for x in lines if x.startswith("STATE")]
    assert len(header) == 1 and re.match(r"STATE\s+INSTANCE\s+BACKEND\s+KEY\s+INBOUND\s+"
                                         r"CHECKED\s+OK/FAIL\s+INVOICES\s+P99 ms$", header[0]), screen
    rows = table_rows(screen)
    for n in fleet:
        key = H.compress_key(n.pk)[:10]
        mine = [x for x in rows if key in x]
        assert len(mine) == 2, (key, screen)               # one line per instance
        assert {x.split()[1] for x in mine} == {m.instance for m in mons}
    assert [x.split()[0] for x in rows] == ["unhealthy"] * 2 + ["healthy"] * 4, screen
    assert all(m.instance in screen for m in mons)
    assert "node-2-xxxxxx" in screen and "x" * 40 not in screen
    # The errors in full below the table, one per unhealthy row.
    errs = lines[lines.index("Last errors:") + 1:]
    errs = [x for x in errs[:errs.index("")] if x] if "" in errs else errs
    assert sorted(x.split()[0] for x in errs) == [f"{bad.kind}-{bad.port}"] * 2, screen
    # The problem rows are highlighted on the terminal (tmux writes attributes as SGR).
    bad_line = next(x for x in attrs.splitlines() if H.compress_key(bad.pk)[:10] in x)
    assert "\x1b[" in bad_line, repr(bad_line)
    # NO_COLOR: no attributes at all.
    _, rc, attrs = tmux_run(env.tmp, argv, env_={"NO_COLOR": "1"})
    assert rc == 1 and "\x1b[" not in attrs.replace("\x1b[39m", "").replace("\x1b[49m", ""), \
        repr(attrs[:400])
    # A pipe gets no colour either.
    r = H.Cli(H.binary("swgr")).run(*argv[1:])
    assert r.returncode == 1 and "\x1b" not in r.stdout


# ----------------------------------------------------------------------------- invoice outcomes

class Counter:
    """tests/unit/invoice_counter: a process counting invoice outcomes into a metrics
    segment of its own, in the directory every process of the session uses."""

    def __init__(self):
        self.dir = Path(os.environ["RUNTIME_DIRECTORY"]) / "metrics"
        self.proc = subprocess.Popen([H.binary("tests/unit/invoice_counter"), str(self.dir),
                                      "swgr-lnurl"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def send(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline().strip() == "ok", line

    def count(self, pk, outcome, n):
        self.send(f"count {H.compress_key(pk)} {outcome} {n}")

    def observe(self, pk, secs, n):
        self.send(f"observe {H.compress_key(pk)} {secs} {n}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            assert self.proc.wait(10) == 0

    def kill(self):
        self.proc.kill()
        self.proc.wait(10)


def invoices(disc, pk, mons):
    doc = status(disc)
    return [(entry(doc, pk, m.instance) or {}).get("invoices") for m in mons]


def outcomes_are(disc, pk, mons, issued, failed, timed_out, wrong):
    return all(i is not None and (i["issued"], i["failed"], i["timedOut"], i["wrongInvoice"]) ==
               (issued, failed, timed_out, wrong) for i in invoices(disc, pk, mons))


def test_invoice_outcomes(env, disc, part, world, scli):
    """Two processes count for one backend; both monitors of the host sum them; the totals
    keep what a process counted after it exits or is killed; p50/p99 within their buckets."""
    t_start = time.time()
    fleet, mons = start(world, env, part, 1, names(2))
    (a,) = fleet
    a.register(disc, [part])
    wait_for(lambda: everywhere(disc, a.pk, mons, checked_healthy), 3 * P + SLACK, "healthy")
    # No invoice yet: zero counts, no quantile.
    wait_for(lambda: outcomes_are(disc, a.pk, mons, 0, 0, 0, 0), 2 * P + SLACK, "zero outcomes")
    i = invoices(disc, a.pk, mons)[0]
    assert i["latencyP50Ms"] is None and i["latencyP99Ms"] is None
    assert t_start - 2 <= rfc3339(i["since"]) <= time.time()

    c1, c2 = Counter(), Counter()
    world.append(c1)
    world.append(c2)
    c1.count(a.pk, "issued", 5)
    c1.count(a.pk, "failed", 2)
    c1.observe(a.pk, 0.03, 10)
    c2.count(a.pk, "issued", 3)
    c2.count(a.pk, "timeout", 1)
    c2.count(a.pk, "wrong_invoice", 1)
    c2.observe(a.pk, 0.3, 1)
    wait_for(lambda: outcomes_are(disc, a.pk, mons, 8, 2, 1, 1), 2 * P + SLACK,
             "the outcomes of both processes on both instances")
    for i in invoices(disc, a.pk, mons):
        # 10 observations in (25 ms, 50 ms], one in (250 ms, 500 ms]
        assert 25 < i["latencyP50Ms"] <= 50, i
        assert 250 < i["latencyP99Ms"] <= 500, i
    r = scli()
    assert re.search(r"\b8/4\b", r.stdout), r.stdout

    # A process that exits takes nothing away; one killed neither; a new one adds.
    c1.stop()
    c2.count(a.pk, "issued", 1)
    wait_for(lambda: outcomes_are(disc, a.pk, mons, 9, 2, 1, 1), 2 * P + SLACK, "after c1 exits")
    c2.kill()
    c3 = Counter()
    world.append(c3)
    c3.count(a.pk, "issued", 2)
    wait_for(lambda: outcomes_are(disc, a.pk, mons, 11, 2, 1, 1), 2 * P + SLACK,
             "after c2 is killed and c3 counts")
    time.sleep(2 * P)
    assert outcomes_are(disc, a.pk, mons, 11, 2, 1, 1), invoices(disc, a.pk, mons)
    r = scli("--json")
    assert r.returncode == 0
    j = json.loads(r.stdout)
    assert j["backends"][0]["instances"][0]["invoices"]["issued"] == 11


def test_outcomes_through_swgr_lnurl(env, disc, world):
    """The counts of a real swgr-lnurl (pay/view.c, pay/balancer.c): invoices issued, then
    refused by the node, as its monitor reports them."""
    from lnurl_stack import LnurlStack
    with LnurlStack(env, weights=[1]) as st:
        o = st.offer()
        for _ in range(3):
            st.invoice(o, 5000)
        pk = st.pks[0]

        def inv():
            doc = status(disc, instance=st.instance)
            e = entry(doc, pk, st.instance)
            return e and e["invoices"]

        wait_for(lambda: (inv() or {}).get("issued") == 3, 2 * P + SLACK, "3 invoices issued")
        i = inv()
        assert (i["failed"], i["timedOut"], i["wrongInvoice"]) == (0, 0, 0), i
        assert i["latencyP50Ms"] is not None and 0 < i["latencyP50Ms"] <= i["latencyP99Ms"]
        st.sims[0].control(error_rate=1.0)
        r = st.get(o.path(5000))
        assert r.status_code >= 500, r.text
        wait_for(lambda: (inv() or {}).get("failed", 0) >= 1, 2 * P + SLACK, "a failed invoice")
        assert inv()["issued"] == 3
