"""GET /metrics of swgr-discovery: the counters of every process of the host in one scrape,
checked by a real Prometheus (Debian's `prometheus`, a plain process scraping through
nginx with the discovery token as its credentials_file) and its HTTP API, and the text by
`promtool check metrics`.  The host runs two swgr-lnurl processes (two sockets, each
behind an nginx of the example) over three node simulators (LND, CLN, Eclair) and
swgr-monitord; all of them write their segments into the session's metrics directory
($RUNTIME_DIRECTORY/metrics, conftest.py), which the session's swgr-discovery reads.

What the test sends is known exactly: every invoice returned is decoded and its payee
names the node that issued it (issued), a node set to refuse invoices counts what it
refused (failed), a node set to give non-conforming invoices counts the calls it answered
(wrong_invoice)."""

import os
import shutil
import subprocess
import types
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

import harness as H
import nodes
from lnurl_stack import Invoice, LnurlStack
from nodes import wait_for
from test_lnurl import start_front, stop_front

OUTCOMES = ("issued", "failed", "timeout", "wrong_invoice")
SCRAPE = 1.0        # the scrape interval


def tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not installed (scripts/deps.sh test installs the prometheus package)")
    return path


class Prometheus:
    """Debian's prometheus as a plain process: one job scraping target's /metrics every
    SCRAPE s with the bearer token in token_file."""

    def __init__(self, tmp, target, token_file):
        self.dir = Path(tmp) / "prometheus"
        self.dir.mkdir()
        self.port = H.free_port()
        self.config = self.dir / "prometheus.yml"
        self.config.write_text(f"""global:
  scrape_interval: {SCRAPE:g}s
  scrape_timeout: {SCRAPE:g}s
scrape_configs:
  - job_name: swgr
    metrics_path: /metrics
    authorization:
      type: Bearer
      credentials_file: {token_file}
    static_configs:
      - targets: ["{target}"]
""")
        self.proc = None

    def start(self):
        self._log = open(self.dir / "prometheus.log", "ab")
        self.proc = subprocess.Popen(
            [tool("prometheus"), f"--config.file={self.config}",
             f"--storage.tsdb.path={self.dir / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log,
            start_new_session=True)
        wait_for(self._ready, 60, "prometheus ready")
        return self

    def _ready(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"prometheus exited: {self.log_text()[-2000:]}")
        try:
            return requests.get(self.url("/-/ready"), timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def log_text(self):
        return (self.dir / "prometheus.log").read_text(errors="replace")

    def query(self, q):
        r = requests.get(self.url("/api/v1/query"), params={"query": q}, timeout=10)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == "success", body
        return body["data"]["result"]

    def target_health(self):
        r = requests.get(self.url("/api/v1/targets"), timeout=10).json()
        return [(t["health"], t.get("lastError", "")) for t in r["data"]["activeTargets"]]

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_log", None):
            self._log.close()


@pytest.fixture
def stack(env):
    nodes.skip_on_memory(env.db)
    st = LnurlStack(env, weights=[1, 1, 1], breaker=(0, 1)).start()
    second = types.SimpleNamespace(resp=None, web=None)
    try:
        tmp2 = st.tmp / "second"
        tmp2.mkdir()
        start_front(second, tmp2, st.config, str(tmp2 / "lnurl.sock"))
        yield st, second
    finally:
        stop_front(second)
        st.stop()


def get(base, path):
    return requests.get(base + path, headers={"Host": "shop.example"}, timeout=30)


def fetch(st, bases, offer, n, amount=5000):
    """n callbacks, shared out between the two swgr-lnurl processes by 6 concurrent
    wallets; the Counter of the payees (node index) of those answered 200."""
    def one(i):
        r = get(bases[i % 2], offer.path(amount))
        if r.status_code != 200:
            return None
        return st.node_of(Invoice(r, amount, offer.desc_hash).payee)
    with ThreadPoolExecutor(6) as ex:
        return Counter(ex.map(one, range(n)))


def scraped_counts(prom, pks):
    """{(backend, outcome): value} of sum by (backend, outcome) (swgr_invoices_total) for pks."""
    res = prom.query('sum by (backend, outcome) (swgr_invoices_total{backend=~"%s"})'
                     % "|".join(pks))
    return {(r["metric"]["backend"], r["metric"]["outcome"]): int(float(r["value"][1]))
            for r in res}


def test_prometheus_scrapes_every_process(env, stack):
    st, second = stack
    bases = [st.base, f"http://127.0.0.1:{second.web.port}"]
    pks = [pk.lower() for pk in st.pks]
    sims = st.sims
    o = st.offer()

    # The metrics route needs the discovery token, like every admin route.
    admin = env.stack.url("discovery")
    r = requests.get(admin + "/metrics", timeout=10)
    assert r.status_code == 401, r.text

    # Phase 1: every node healthy; the payees say who issued what.
    issued = fetch(st, bases, o, 60)
    assert sum(issued.values()) == 60 and None not in issued, issued
    assert len(issued) == 3, f"round-robin over the two processes reaches every node: {issued}"

    # Phase 2: node 0 refuses invoices (each refusal a failed outcome, then the next node).
    before = sims[0].state()["counts"]
    sims[0].control(refuse_invoices=True)
    more = fetch(st, bases, o, 24)
    sims[0].control(refuse_invoices=False)
    assert sum(more.values()) == 24 and None not in more and 0 not in more, more
    issued += more
    refused = sims[0].state()["counts"]["refused"] - before.get("refused", 0)
    assert refused > 0, "some callbacks reached the refusing node"

    # Phase 3: node 1 answers with invoices of another amount: the balancer refuses them.
    calls_before = sims[1].state()["counts"]["invoices"]
    sims[1].control(wrong="amount")
    more = fetch(st, bases, o, 24)
    sims[1].control(wrong=None)
    assert sum(more.values()) == 24 and None not in more and 1 not in more, more
    issued += more
    wrong = sims[1].state()["counts"]["invoices"] - calls_before
    assert wrong > 0, "some callbacks reached the node giving wrong invoices"

    want = {(pk, oc): 0 for pk in pks for oc in OUTCOMES}
    for i, n in issued.items():
        want[(pks[i], "issued")] = n
    want[(pks[0], "failed")] = refused
    want[(pks[1], "wrong_invoice")] = wrong

    # The exposition itself: valid text for promtool, both swgr-lnurl processes in it.
    r = requests.get(admin + "/metrics", headers={"Authorization": f"Bearer {env.tokens['discovery']}"},
                     timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.headers
    text = r.text
    lint = subprocess.run([tool("promtool"), "check", "metrics"], input=text, text=True,
                          capture_output=True, timeout=60)
    assert lint.returncode == 0, (lint.stdout + lint.stderr)[-3000:]
    assert text.count("# TYPE swgr_invoices_total counter") == 1
    lnurl_pids = {st.resp.proc.pid, second.resp.proc.pid}
    for pid in lnurl_pids:
        assert f'swgr_process_threads{{program="swgr-lnurl",pid="{pid}"}}' in text, pid

    # Prometheus, scraping through nginx with the token as its credentials_file.
    token = st.tmp / "prometheus.token"
    token.write_text(env.tokens["discovery"] + "\n")
    target = env.stack.url("discovery").split("://", 1)[1]
    prom = Prometheus(st.tmp, target, token).start()
    try:
        got = {}

        def equal():
            nonlocal got
            got = scraped_counts(prom, pks)
            return got == want
        try:
            wait_for(equal, 30 * SCRAPE, "prometheus's invoice counts equal to what was sent",
                     interval=0.25)
        except AssertionError:
            raise AssertionError(f"scraped {got}\nwant {want}\ntargets {prom.target_health()}")

        # Each refusal and each wrong invoice sent the request on to the next node, once;
        # the node clients counted the refusals as errors of the invoice call.
        res = prom.query("sum(swgr_failovers_total)")
        assert res and int(float(res[0]["value"][1])) == refused + wrong, (res, refused, wrong)
        res = prom.query('sum(swgr_node_errors_total{call="invoice",error="refused"})')
        assert res and int(float(res[0]["value"][1])) == refused, (res, refused)

        # Both swgr-lnurl processes were in the scrape, and monitord's node gauges too.
        res = prom.query('count(swgr_process_threads{program="swgr-lnurl"})')
        assert res and int(float(res[0]["value"][1])) >= 2, res
        res = prom.query('swgr_node_healthy{backend=~"%s",monitor="%s"}'
                         % ("|".join(pks), st.instance))
        assert sorted((r["metric"]["backend"], r["value"][1]) for r in res) == \
            sorted((pk, "1") for pk in pks), res
        res = prom.query('swgr_monitor_heartbeat_age_seconds{monitor="%s"}' % st.instance)
        assert res and 0 <= float(res[0]["value"][1]) < 10, res
        # Requests by route and status class: the callbacks, all answered 2xx.
        res = prom.query('sum(swgr_requests_total{service="lnurl",'
                         'route="/offers/*/*/invoice",status="2xx"})')
        assert res and int(float(res[0]["value"][1])) >= 108, res
        res = prom.query('sum(swgr_invoice_duration_seconds_count{backend=~"%s"})'
                         % "|".join(pks))
        assert res and int(float(res[0]["value"][1])) == sum(want.values()), res
    finally:
        prom.stop()

    # One process gone: its segment leaves the scrape (and the directory).
    seg_dir = Path(os.environ["RUNTIME_DIRECTORY"]) / "metrics"
    pid = second.resp.proc.pid
    assert (seg_dir / f"swgr-lnurl.{pid}.metrics").exists()
    stop_front(second)
    second.resp = second.web = None
    assert not (seg_dir / f"swgr-lnurl.{pid}.metrics").exists()
    r = requests.get(admin + "/metrics", headers={"Authorization": f"Bearer {env.tokens['discovery']}"},
                     timeout=10)
    assert f'pid="{pid}"' not in r.text
