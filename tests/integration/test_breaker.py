"""The per-node circuit breaker of swgr-lnurl (libswgr/pay/breaker.c, issue 11 part 2)
with the per-node cap of its bulkheads (node-concurrency, part 3) set to the breaker's
threshold as README advises for bounding a hang's cost (invoice-concurrency off,
the rest on the defaults),
black-box through the run's web server: three nodes (LND, CLN, Eclair) of which the LND one keeps
answering health checks but hangs on every invoice call (the simulator's
"hang_invoices") for HANG_SECS, while WALLETS concurrent wallets fetch invoices.

What they promise and this test measures, from the hanging simulator's own counters
(counts.hung: invoice calls that reached it and hung; counts.invoices: invoices it gave):
  - fewer than 2 x THRESHOLD requests pay the timeout T on the hanging node in all:
    the first wave (the calls out when it starts hanging, at most node-concurrency =
    THRESHOLD: their failures open the breaker) and the half-open
    probes (one per COOL + T), at least one of them;
  - every wallet request is answered with an invoice (failover to the other nodes);
  - the other requests, while it is open, keep their latency: p99 under 2 x p50 + 100 ms
    (or, when the machine's own tail without the fault is over that, no worse than it);
  - once it answers again it takes invoices within one cool-down (+ SLACK).
The fleet's bulkhead (invoice-concurrency) is off: its 24 places and 0.25 s queue wait
are the subject of test_bulkhead.py, and WALLETS requests on a loaded 2-core machine
(or through a web server that opens a FastCGI connection per request) overrun them now
and then, which would turn a wallet away with a 503 that says nothing of the breaker.
Under a sanitizer build (harness.SLOW = 3) the wallets are 50 / SLOW, and SLACK and the
100 ms of the p99 bound are SLOW times larger.
It does not depend on the store: it runs once, on SQLite."""

import http.client
import json
import statistics
import threading
import time

import pytest

import harness as H
from lnurl_stack import HOST, LnurlStack
from nodes import wait_for

SLACK = H.slack()
THRESHOLD, COOL, T = 3, 10.0, 1.0     # breaker-failure-threshold, -cool-down-secs: defaults
NODE_CAP = THRESHOLD                  # node-concurrency
WALLETS, HANG_SECS = int(50 / H.SLOW), 30.0   # the hang ends mid-cool-down (probes at 1 + 11k s)
TAIL = 0.1 * H.SLOW             # the p99 allowance over 2 x p50 while open
BASELINE_SECS = 8.0             # the wallets before the hang


@pytest.fixture
def stack(env):
    st = LnurlStack(env, weights=[1, 1, 1], timeout=T, kinds=("lnd", "cln", "eclair"),
                    bulkheads=(0, NODE_CAP, None))
    try:
        yield st.start()
    finally:
        st.stop()


def wallet(base, path, stop, out):
    """Fetches invoices over one kept connection until stop: (start, seconds, answered
    with an invoice, status).  A kept connection costs the client least CPU: on 2 shared
    cores its threads' own scheduling is part of every latency measured."""
    port = int(base.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while not stop.is_set():
        t = time.monotonic()
        try:
            conn.request("GET", path, headers={"Host": HOST})
            r = conn.getresponse()
            code, body = r.status, r.read()
        except (OSError, http.client.HTTPException) as e:
            code, body = str(e), b"{}"
            conn.close()
        d = time.monotonic() - t
        ok = code == 200 and json.loads(body).get("pr", "").startswith("lnbcrt")
        out.append((t, d, ok, code))


def counts(sim):
    return sim.state()["counts"]


@pytest.mark.once
def test_breaker_takes_a_node_hanging_on_invoices_out_and_back(stack):
    st = stack
    o = st.offer()
    hang = st.sims[0]
    opened_line = f"circuit breaker of node {st.pks[0]} opened after"

    def warm():
        st.invoice(o, 5_000)
        return all(counts(s)["invoices"] > 0 for s in st.sims)
    # Every node has given an invoice, so has its channel up, before the wallets start:
    # a cold start (TLS handshakes slower than T on a loaded machine or under a
    # sanitizer build, among the wallets' first requests) cannot open the breaker of
    # the node to hang before the hang does.
    wait_for(warm, 5 + SLACK, "an invoice from every node")
    warmed = counts(hang)
    stop, out = threading.Event(), []
    ws = [threading.Thread(target=wallet, args=(st.base, o.path(5_000), stop, out))
          for _ in range(WALLETS)]
    t_start = time.monotonic()
    for w in ws:
        w.start()
    try:
        # The baseline without a fault: long enough that its p99 is a machine's tail
        # (one CI run failed with p99 146 ms against 2 x p50 + 100 = 145 ms and a
        # baseline p99 of 114 ms measured over 2.4 s only).
        time.sleep(BASELINE_SECS)
        before = counts(hang)
        assert before["invoices"] > warmed["invoices"], \
            "the node to hang took no traffic from the wallets: the test proves nothing"
        hang.control(hang_invoices=True)
        t_hang = time.monotonic()
        wait_for(lambda: opened_line in st.log.read_text(), T + 2 * SLACK + 1,
                 "the breaker's WARN line")
        t_open = time.monotonic()
        at_open = counts(hang)
        time.sleep(max(0.0, t_hang + HANG_SECS - time.monotonic()))
        at_end = counts(hang)
        hang.control(hang_invoices=False)
        t_back = time.monotonic()
        wait_for(lambda: counts(hang)["invoices"] > at_end["invoices"], COOL + SLACK,
                 "an invoice from the recovered node", interval=0.05)
        took = time.monotonic() - t_back
        time.sleep(0.5)
    finally:
        stop.set()
        hang.control(hang_invoices=False)
        for w in ws:
            w.join(40)
    first_wave = at_open["hung"] - before["hung"]
    probes = at_end["hung"] - at_open["hung"]
    paid = at_end["hung"] - before["hung"]
    failed = [r for r in out if not r[2]]
    # "The others": requests started while the breaker was open, after the first wave
    # drained (t_open + T), less those that met a probe (they paid T; bounded above).
    steady = [d for t, d, _, _ in out if t_open + T <= t <= t_back - T]
    met = [d for d in steady if d >= 0.9 * T]
    rest = sorted(d for d in steady if d < 0.9 * T)
    p50 = statistics.median(rest)
    p99 = rest[int(0.99 * (len(rest) - 1))]
    base = sorted(d for t, d, _, _ in out if t_start + 0.5 <= t <= t_hang - 0.1)
    b99 = base[int(0.99 * (len(base) - 1))]
    print(f"\nbaseline (no fault) {len(base)} requests: p50 {statistics.median(base) * 1000:.1f}"
          f" ms, p99 {b99 * 1000:.1f} ms")
    log = st.log.read_text()
    print(f"\nbreaker (threshold {THRESHOLD}, cool-down {COOL} s, T = {T} s, {WALLETS} wallets): "
          f"{len(out)} requests, {len(failed)} failed; opened {t_open - t_hang:.2f} s after "
          f"the hang; first wave {first_wave} calls hung (cap {NODE_CAP}); {probes} calls reached it while "
          f"open in {t_back - t_open:.1f} s; steady {len(steady)} requests, {len(met)} met a "
          f"probe, p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms; back {took:.2f} s after "
          f"the hang ended")
    assert not failed, failed[:5]
    assert first_wave <= NODE_CAP, (first_wave, before, at_open)
    assert paid < 2 * THRESHOLD, (paid, before, at_end)
    assert probes >= 1, "no half-open probe reached the node"
    assert len(met) <= probes, (len(met), probes)
    assert len(rest) > 100, len(rest)
    # The done-when bound; on a shared 2-core machine the tail without any fault can
    # be over it already (other suites running): then the fault must add nothing to it.
    assert p99 < 2 * p50 + TAIL or p99 <= b99, (p50, p99, b99)
    assert took <= COOL + SLACK, took
    assert log.count(opened_line) == 1, "one WARN per opening"
    assert f"circuit breaker of node {st.pks[0]} closed" in log
