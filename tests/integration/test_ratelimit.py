"""The invoice rate limit of the shipped nginx example (web-examples/nginx/swgr-lnurl.conf;
lighttpd and Apache have none: skipped there, web.LACKS),
through a real nginx running that file with only its port and socket path replaced, in
front of swgr-lnurl and one node simulator (lnurl_stack.LnurlStack): a burst of
callbacks from one address gets 200s up to the burst, then 429 with the LNURL error JSON;
payRequest, bech32, QR and /health from that address still answer 200 during the flood,
another address is not limited, forwarding headers do not escape the limit, and after
the replenish time callbacks succeed again.  The rate and the burst are read from the
example, so the test follows what ships."""

import hashlib
import http.client
import math
import re
import time

import pytest

import harness as H
import nodes
import web
from lnurl_stack import HOST, Invoice, LnurlStack

EXAMPLE = H.ROOT / "web-examples" / "nginx" / "swgr-lnurl.conf"
AMOUNT = 5_000


def example_limit():
    """(rate per second, burst) of the example's invoice limit; it must be nodelay,
    which the bounds below assume."""
    text = EXAMPLE.read_text()
    rate = re.search(r"^limit_req_zone \$swgr_invoice_client zone=swgr_invoice:\S+ "
                     r"rate=(\d+)r/s;$", text, re.M)
    burst = re.search(r"^\s*limit_req zone=swgr_invoice burst=(\d+) nodelay;$", text, re.M)
    assert rate and burst, "example: the invoice limit_req_zone and limit_req lines"
    return int(rate[1]), int(burst[1])


RATE, BURST = example_limit()
# From an untouched (or fully replenished) state, BURST + 1 callbacks pass at once.
REPLENISH = (BURST + 1) / RATE
SLACK = 0.5


class RateLimitedStack(LnurlStack):
    ratelimit = True


@pytest.fixture(scope="module")
def st(env):
    nodes.skip_on_memory(env.db)
    web.skip_if_lacking("ratelimit")
    s = RateLimitedStack(env, weights=[1]).start()
    try:
        s.o = s.offer()
        yield s
    finally:
        s.stop()


def replenished():
    """Waits until the limit of 127.0.0.1 is whole again, whatever the test before did."""
    time.sleep(REPLENISH + SLACK)


def passes_bound(elapsed):
    """The most callbacks that may pass in elapsed seconds: the burst, the first one and
    what the rate gives back meanwhile (one more for rounding at the ends)."""
    return BURST + 1 + math.ceil(RATE * elapsed) + 1


def assert_rate_limited(r):
    """429 with the LNURL error JSON, as swgr-lnurl writes its own errors."""
    assert r.status_code == 429, (r.status_code, r.text)
    assert r.headers["Content-Type"] == "application/json"
    body = r.json()
    assert list(body) == ["status", "reason"], body
    assert body["status"] == "ERROR"
    assert "rate limit" in body["reason"], body
    assert r.headers["Retry-After"] == "1"
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    H.assert_nocache(r)


def from_other_address(st, path):
    """A GET of path from 127.0.0.2 (the whole of 127/8 is local): (status, body)."""
    c = http.client.HTTPConnection("127.0.0.1", st.web.port, timeout=30,
                                   source_address=("127.0.0.2", 0))
    try:
        c.request("GET", path, headers={"Host": HOST})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def test_burst_then_429(st):
    replenished()
    t0 = time.monotonic()
    answers = []
    while not answers or answers[-1].status_code != 429:
        answers.append(st.get(st.o.path(AMOUNT)))
        assert len(answers) <= passes_bound(time.monotonic() - t0) + 1, \
            f"{len(answers)} callbacks in a row without a 429"
    elapsed = time.monotonic() - t0
    passed = answers[:-1]
    assert BURST + 1 <= len(passed) <= passes_bound(elapsed), (len(passed), elapsed)
    for r in passed:
        Invoice(r, AMOUNT, st.o.desc_hash)
    assert_rate_limited(answers[-1])


def test_flood_leaves_other_routes_and_addresses(st):
    """For 1.5 s, from one address: callbacks as fast as they are answered, each with
    forwarding headers of its own (nginx keys on the connection's address, not on
    them), and between them the other public routes, which must never be limited."""
    replenished()
    o = st.o
    others = [f"/offers/{o.partition}/{o.id}", f"/offers/{o.partition}/{o.id}/bech32",
              f"/offers/{o.partition}/{o.id}/bech32/qr", "/health"]
    codes = {200: 0, 429: 0}
    other_ok = other_address_ok = 0
    t0 = time.monotonic()
    i = 0
    while time.monotonic() - t0 < 1.5:
        fwd = f"198.51.100.{i % 250 + 1}"
        r = st.http().get(st.base + o.path(AMOUNT), timeout=30,
                          headers={"Host": HOST, "X-Forwarded-For": fwd, "X-Real-IP": fwd,
                                   "Forwarded": f"for={fwd}"})
        assert r.status_code in codes, (r.status_code, r.text)
        codes[r.status_code] += 1
        if r.status_code == 429:
            assert_rate_limited(r)
            p = others[i % len(others)]
            r = st.get(p)
            assert r.status_code == 200, (p, r.status_code, r.text)
            other_ok += 1
            if other_address_ok < 3:
                status, body = from_other_address(st, o.path(AMOUNT))
                assert status == 200, (status, body)
                other_address_ok += 1
        i += 1
    elapsed = time.monotonic() - t0
    assert codes[429] > 0, codes
    assert BURST + 1 <= codes[200] <= passes_bound(elapsed), (codes, elapsed)
    assert other_ok >= len(others) and other_address_ok == 3, (other_ok, other_address_ok)


def test_callbacks_pass_again_after_replenish(st):
    # Exhaust the limit first.
    t0 = time.monotonic()
    while st.get(st.o.path(AMOUNT)).status_code != 429:
        assert time.monotonic() - t0 < 10, "no 429 after 10 s of callbacks"
    replenished()
    for _ in range(BURST + 1):
        st.invoice(st.o, AMOUNT)


def test_address_callbacks_share_the_limit(st):
    """A Lightning Address's callback (/.well-known/lnurlp/<username>/invoice) counts
    against the same limit as the offers' callbacks; its pay request is not limited."""
    name = "rl" + H.new_uuid()[:8]
    r = st.env.offers.post("/addresses", {"domain": HOST, "username": name,
                                          "partition": st.o.partition, "offer": st.o.id})
    assert r.status_code == 201, r.text
    replenished()
    t0 = time.monotonic()
    while st.get(st.o.path(AMOUNT)).status_code != 429:
        assert time.monotonic() - t0 < 10, "no 429 after 10 s of callbacks"
    assert_rate_limited(st.get(f"/.well-known/lnurlp/{name}/invoice?amount={AMOUNT}"))
    assert_rate_limited(st.get(f"/.well-known/lnurlp/{name.upper()}/%69nvoice?amount={AMOUNT}"))
    r = st.get(f"/.well-known/lnurlp/{name.upper()}")
    assert r.status_code == 200, r.text
    assert r.json()["callback"] == f"http://{HOST}/.well-known/lnurlp/{name}/invoice"
    served = hashlib.sha256(r.json()["metadata"].encode()).digest()
    replenished()
    Invoice(st.get(f"/.well-known/lnurlp/{name}/invoice?amount={AMOUNT}"), AMOUNT, served)
