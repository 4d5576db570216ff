"""swgr-lnurl black-box through nginx (web-examples/nginx/swgr-lnurl.conf) with Lightning
node simulators and swgr-monitord writing the status table: every route of spec section 3
with exact bodies and headers, CORS (LUD-01), invoices checked independently
(tests/sim/bolt11.py), failover, non-conforming invoices, a stale monitor, bad input.
The fleet is one node of each kind (LND, CLN, Eclair); the tests that make one node fail
run once per kind."""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

import harness as H
import nodes
import web
from nodes import KINDS, Fleet, Monitord, wait_for

sys.path.insert(0, str(H.ROOT / "tests" / "sim"))
import bolt11  # noqa: E402

HOST = "shop.example"
COMMENT_LIMIT = 10
STALE_AFTER = 1.5
DEADLINE = 4.0          # request-deadline-secs
MAX_ELAPSED = 1.0       # backoff max-elapsed-time-secs
# What one request may take beyond what the responder's own clocks allow: its timers
# (the deadline, the backoff sleeps, gRPC call deadlines) run on the monotonic clock and
# are exact; the rest is nginx, the FastCGI hop and thread wake-ups on the shared 2-core
# machine -- a fraction of a second, not another timeout (as test_lnurl_fleet.REQ_SLACK).
REQ_SLACK = float(os.environ.get("SWGR_TEST_REQ_SLACK", "0.3"))
NOCACHE = H.NOCACHE


class Front:
    """swgr-lnurl behind the run's web server (web.lnurl), for a test that keeps them in
    a local: what start_front sets, None until then."""
    resp = web = base = None


def start_front(into, tmp, config, sock, env=None, ratelimit=False, edge=True, activate=False):
    """Starts swgr-lnurl on config and socket sock (socket-activated if activate:
    H.Responder), then the web server (web.lnurl) in tmp (with the invoice rate limit
    if ratelimit, passing the client's forwarding headers on unless edge), and waits
    for /health; sets into.resp, into.web and into.base as each is made, so that
    whoever stops into (stop_front, or into's own stop) ends what had started if a
    step fails."""
    into.resp = H.Responder("lnurl", config, sock, Path(tmp) / "lnurl.stderr", env=env,
                            activate=activate).start()
    into.web = web.lnurl(tmp, sock, ratelimit, edge).start()
    into.base = f"http://127.0.0.1:{into.web.port}"
    H.wait_http(into.base + "/health", into.resp)
    return into


def stop_front(into):
    """Stops into's web server, then its swgr-lnurl, whichever of them started."""
    if into.web:
        into.web.stop()
    if into.resp:
        into.resp.terminate()


def lnurl_config(path, db, partitions, instance, log):
    text = nodes.lnurl_section(partitions, period=0.5, update=0.5, timeout=2.0)
    text = text.replace("allowed-hosts: []", f'allowed-hosts: ["{HOST}", "[::1]", "Other.Example"]')
    text = text.replace("max-elapsed-time-secs: 2.5", f"max-elapsed-time-secs: {MAX_ELAPSED}")
    text += f"  comment-allowed: {COMMENT_LIMIT}\n  request-deadline-secs: {DEADLINE}\n"
    # The module's tests share one swgr-lnurl and fail nodes one request at a time to
    # see each request fail over: no circuit breaker (0), whose state would carry from
    # test to test (test_breaker.py and test_lnurl_fleet.py have it on).
    text += "  breaker-failure-threshold: 0\n"
    text += f"  log-file: {json.dumps(str(log))}\n  log-level: info\n"
    text += "store:\n  discover:\n" + H.indent(db.store_yaml("discover"), 4)
    text += "  offer:\n" + H.indent(db.store_yaml("offer"), 4)
    text += f"monitor:\n  instance: {instance}\n  stale-after-secs: {STALE_AFTER}\n"
    text += H.node_access_yaml()
    Path(path).write_text(text)
    return path


class Service:
    pass


@pytest.fixture(scope="module")
def svc(env):
    nodes.skip_on_memory(env.db)
    s = Service()
    s.part = f"ln-{H.new_uuid()[:8]}"
    s.part2 = f"ln2-{H.new_uuid()[:8]}"
    s.instance = f"lnurl-{H.new_uuid()[:8]}"
    s.tmp = env.tmp / s.instance
    s.tmp.mkdir()
    s.fleet = Fleet(s.tmp, len(KINDS), kinds=KINDS).start()
    s.mon = s.resp = s.web = None
    try:
        for n in s.fleet:
            n.register(env.disc, [s.part])
        s.mon = Monitord(s.tmp, env.db, [s.part, s.part2], instance=s.instance)
        s.mon.start()       # assigned first: stopped in finally even if start fails
        table = nodes.StatusTable(env.db, s.instance)
        for n in s.fleet:
            wait_for(lambda n=n: usable(table, n.pk), 10, "node checked healthy")
        s.log = s.tmp / "lnurl.log"
        s.config = lnurl_config(s.tmp / "lnurl.yaml", env.db, [s.part, s.part2], s.instance, s.log)
        s.sock = str(s.tmp / "lnurl.sock")
        start_front(s, s.tmp, s.config, s.sock)
        s.env = env
        yield s
    finally:
        stop_front(s)
        if s.mon:
            s.mon.stop()
        s.fleet.stop()


def usable(table, pk):
    """The monitor has checked pk successfully: healthy, with a measured inbound capacity."""
    r = table.row(pk) or {}
    return r.get("healthy") and r.get("checked_ms", 0) > 0 and r.get("inbound_msat") is not None


def get(s, path, host=HOST, headers=None, method="GET"):
    h = {"Host": host} if host is not None else {}
    h.update(headers or {})
    return requests.request(method, s.base + path, headers=h, timeout=20)


def make_offer(env, part, expires=H._DEFAULT, min_sendable=1_000, max_sendable=1_000_000, **meta):
    m = H.metadata(part, **meta)
    r = env.offers.post("/metadata", m)
    assert r.status_code == 201, r.text
    o = H.offer(part, m["id"], expires=expires, min_sendable=min_sendable,
                max_sendable=max_sendable)
    r = env.offers.post("/offers", o)
    assert r.status_code == 201, r.text
    return o, m


def expected_metadata(m):
    v = [["text/plain", m["text"]]]
    if m.get("longText") is not None:
        v.append(["text/long-desc", m["longText"]])
    if m.get("image"):
        kind, data = next(iter(m["image"].items()))
        v.append([f"image/{kind};base64", data])
    if m.get("identifier"):
        kind, addr = next(iter(m["identifier"].items()))
        addr = re.sub(r"^.*<(.*)>$", r"\1", addr)
        v.append(["text/email" if kind == "email" else "text/identifier", addr])
    return H.compact(v)


def assert_error(r, status, reason_part):
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    body = r.json()
    assert list(body) == ["status", "reason"], body
    assert body["status"] == "ERROR"
    assert reason_part in body["reason"], body
    return body


def decode_invoice(pr):
    inv = bolt11.decode(pr)
    return inv, inv["payee"].hex() if isinstance(inv["payee"], bytes) else inv["payee"]


def pks(s):
    return {H.compress_key(n.pk) for n in s.fleet}


def split(s, kind):
    """(the node of kind, the other nodes' compressed keys)."""
    bad = next(n for n in s.fleet if n.kind == kind)
    return bad, {H.compress_key(n.pk) for n in s.fleet if n is not bad}


# --------------------------------------------------------------------------- routes

def test_health(svc):
    r = get(svc, "/health", host=None)
    assert (r.status_code, r.content) == (200, b"")
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    r = get(svc, "/health/full")
    assert (r.status_code, r.text) == (200, "[]")
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_pay_request_exact(svc):
    o, m = make_offer(svc.env, svc.part, text='a "quoted"\n\tline/\\ é ✓ \x01\x7f',
                      long_text="long", image={"png": "AAE="},
                      identifier={"email": "Alice <alice@shop.example>"})
    r = get(svc, f"/offers/{svc.part}/{o['id']}")
    assert r.status_code == 200, r.text
    meta = expected_metadata(m)
    want = H.compact({"callback": f"http://{HOST}/offers/{svc.part}/{o['id']}/invoice",
                      "maxSendable": 1_000_000, "minSendable": 1_000, "tag": "payRequest",
                      "metadata": meta, "commentAllowed": COMMENT_LIMIT})
    assert r.content == want.encode()
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert r.headers["Expires"] == "Tue, 01 Jan 2030 00:00:00 GMT"
    # private: no public-cache key here (test_forwarded.py has it)
    left = int(r.headers["Cache-Control"].removeprefix("private, max-age="))
    assert abs(left - (1893456000 - time.time())) < 5
    assert "Pragma" not in r.headers
    assert r.headers["Vary"] == "Host"


def test_pay_request_nocache_and_urls(svc):
    o, _ = make_offer(svc.env, svc.part, expires=None)
    path = f"/offers/{svc.part}/{o['id']}"
    r = get(svc, path)
    assert r.status_code == 200
    for k, v in NOCACHE.items():
        assert r.headers[k] == v
    # Case and default port, bracketed IPv6 (forwarding headers: test_forwarded.py).
    cases = [({}, "SHOP.example:80", f"http://{HOST}"),
             ({}, "other.example:8443", "http://other.example:8443"),
             ({}, "[::1]:9000", "http://[::1]:9000")]
    for hdrs, host, prefix in cases:
        r = get(svc, path, host=host, headers=hdrs)
        assert r.status_code == 200, (hdrs, host, r.text)
        assert r.json()["callback"] == f"{prefix}{path}/invoice", (hdrs, host)


def test_invoice_hash_amount_payee(svc):
    o, m = make_offer(svc.env, svc.part, text="coffee ☕", identifier={"text": "bob@shop.example"})
    meta = get(svc, f"/offers/{svc.part}/{o['id']}").json()["metadata"]
    assert meta == expected_metadata(m)
    payees = set()
    for amount in (1_000, 54_321, 1_000_000):
        r = get(svc, f"/offers/{svc.part}/{o['id']}/invoice?amount={amount}")
        assert r.status_code == 200, r.text
        assert list(r.json()) == ["pr", "routes"] and r.json()["routes"] == []
        assert r.content == H.compact({"pr": r.json()["pr"], "routes": []}).encode()
        for k, v in NOCACHE.items():
            assert r.headers[k] == v
        assert r.headers["Access-Control-Allow-Origin"] == "*"
        inv, payee = decode_invoice(r.json()["pr"])
        assert inv["amount_msat"] == amount
        assert inv["description_hash"] == hashlib.sha256(meta.encode()).digest()
        payees.add(payee)
    assert payees == pks(svc), "round-robin over every node, one of each kind"


def test_comment(svc):
    o, _ = make_offer(svc.env, svc.part)
    base = f"/offers/{svc.part}/{o['id']}/invoice?amount=5000"
    r = get(svc, base + "&comment=" + requests.utils.quote("é✓" * 5))   # 10 characters, 25 bytes
    assert r.status_code == 200, r.text
    assert_error(get(svc, base + "&comment=" + "x" * (COMMENT_LIMIT + 1)), 400, str(COMMENT_LIMIT))
    assert_error(get(svc, base + "&comment=%FF%FE"), 400, "UTF-8")
    assert_error(get(svc, base + "&comment=a&comment=b"), 400, "comment")


def test_cors_options_and_errors(svc):
    o, _ = make_offer(svc.env, svc.part)
    r = get(svc, f"/offers/{svc.part}/{o['id']}/invoice", method="OPTIONS",
            headers={"Origin": "https://wallet.example", "Access-Control-Request-Method": "GET"})
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert r.headers["Access-Control-Allow-Methods"] == "GET, HEAD, POST, OPTIONS"
    assert r.headers["Access-Control-Allow-Headers"] == "*"
    assert_error(get(svc, "/nowhere"), 404, "not found")
    r = get(svc, "/health", method="POST")
    assert_error(r, 405, "method")
    assert r.headers["Allow"] == "GET,HEAD"
    r = get(svc, f"/offers/{svc.part}/{o['id']}", method="HEAD")
    assert r.status_code == 200 and r.content == b""


def test_bech32_and_qr(svc):
    o, _ = make_offer(svc.env, svc.part)
    r = get(svc, f"/offers/{svc.part}/{o['id']}/bech32")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    # cached as the payRequest is: until the offer's expiry (H.offer: 2030-01-01)
    assert r.headers["Expires"] == "Tue, 01 Jan 2030 00:00:00 GMT"
    left = int(r.headers["Cache-Control"].removeprefix("private, max-age="))
    assert abs(left - (1893456000 - time.time())) < 5
    s = r.text
    assert s == s.upper() and s.startswith("LNURL1")
    hrp, data = bolt11.bech32_decode(s)
    url = bytes(bolt11.convertbits(data, 5, 8, False)).decode()
    assert (hrp, url) == ("lnurl", f"http://{HOST}/offers/{svc.part}/{o['id']}")
    r = get(svc, f"/offers/{svc.part}/{o['id']}/bech32/qr")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "image/png"
    assert r.content[:8] == b"\x89PNG\r\n\x1a\n"
    # zbarimg (zbar-tools) is installed by scripts/deps.sh test: the QR must decode.
    assert shutil.which("zbarimg"), "zbarimg missing: install zbar-tools (scripts/deps.sh test)"
    png = svc.tmp / "qr.png"
    png.write_bytes(r.content)
    z = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True)
    assert z.returncode == 0, (z.returncode, z.stderr)
    assert z.stdout == s + "\n", z.stdout


# --------------------------------------------------------------------------- bad input

def test_bad_amounts(svc):
    o, _ = make_offer(svc.env, svc.part, min_sendable=1_000, max_sendable=2_000)
    p = f"/offers/{svc.part}/{o['id']}/invoice"
    for q, why in [("", "missing amount"), ("?amount=", "empty"), ("?amount=-5", "negative"),
                   ("?amount=1.5", "whole"), ("?amount=1e3", "whole"),
                   ("?amount=18446744073709551616", "too large"), ("?amount=abc", "not a number"),
                   ("?amount=1000&amount=1000", "2 times"), ("?amount=0", "at least 1 millisatoshi")]:
        assert_error(get(svc, p + q), 400, why)
    assert_error(get(svc, p + "?amount=999"), 400, "Amount 999 is outside valid range [1000, 2000]")
    assert_error(get(svc, p + "?amount=2001"), 400, "outside valid range")
    assert get(svc, p + "?amount=%2B2000").status_code == 200


def test_bad_partition_id_host(svc):
    o, _ = make_offer(svc.env, svc.part)
    for suffix in ("", "/invoice?amount=5000", "/bech32", "/bech32/qr"):
        assert_error(get(svc, f"/offers/nope/{o['id']}{suffix}"), 404, f"offer not found: {o['id']}")
        assert_error(get(svc, f"/offers/{svc.part}/not-a-uuid{suffix}"), 404, "UUID")
        assert_error(get(svc, f"/offers/{svc.part}/{o['id']}{suffix}", host="evil.example"),
                     400, "host not allowed")
        missing = H.new_uuid()
        assert_error(get(svc, f"/offers/{svc.part}/{missing}{suffix}"), 404,
                     f"offer not found: {missing}")
    # An expired offer is not found; an offer of the other partition is not found here.
    o2, _ = make_offer(svc.env, svc.part, expires="2020-01-01T00:00:00Z")
    assert_error(get(svc, f"/offers/{svc.part}/{o2['id']}"), 404, "offer not found")
    assert_error(get(svc, f"/offers/{svc.part2}/{o['id']}"), 404, "offer not found")


# --------------------------------------------------------------------------- nodes failing

@pytest.mark.parametrize("kind", KINDS)
def test_wrong_invoice_never_reaches_wallet(svc, kind):
    o, _ = make_offer(svc.env, svc.part)
    meta = get(svc, f"/offers/{svc.part}/{o['id']}").json()["metadata"]
    bad, good = split(svc, kind)
    try:
        for mode in ("amount", "hash", "payee"):
            bad.control(wrong=mode)
            for _ in range(6):
                r = get(svc, f"/offers/{svc.part}/{o['id']}/invoice?amount=7000")
                assert r.status_code == 200, r.text
                inv, payee = decode_invoice(r.json()["pr"])
                assert payee in good
                assert inv["amount_msat"] == 7000
                assert inv["description_hash"] == hashlib.sha256(meta.encode()).digest()
        for n in svc.fleet:
            n.control(wrong="amount")
        t0 = time.monotonic()
        assert_error(get(svc, f"/offers/{svc.part}/{o['id']}/invoice?amount=7000"), 502,
                     "internal server error")
        # Both nodes answer at once (wrongly): the backoff gives up within its
        # max-elapsed-time (spec 9.8: it never sleeps past it), well before the deadline.
        took = time.monotonic() - t0
        assert took <= min(DEADLINE, MAX_ELAPSED) + REQ_SLACK, took
    finally:
        for n in svc.fleet:
            n.control(wrong=None)
    assert "non-conforming invoice" in svc.log.read_text()


@pytest.mark.parametrize("kind", KINDS)
def test_failover_when_a_node_fails(svc, kind):
    o, _ = make_offer(svc.env, svc.part)
    bad, good = split(svc, kind)
    try:
        bad.control(error_rate=1.0)     # every call fails; the monitor may not have seen it yet
        for _ in range(6):
            r = get(svc, f"/offers/{svc.part}/{o['id']}/invoice?amount=3000")
            assert r.status_code == 200, r.text
            assert decode_invoice(r.json()["pr"])[1] in good
        bad.control(error_rate=0.0, down=True)
        for _ in range(6):
            r = get(svc, f"/offers/{svc.part}/{o['id']}/invoice?amount=3000")
            assert r.status_code == 200, r.text
            assert decode_invoice(r.json()["pr"])[1] in good
    finally:
        bad.control(error_rate=0.0, down=False)
    table = nodes.StatusTable(svc.env.db, svc.instance)
    wait_for(lambda: usable(table, bad.pk), 10, "node back")


def test_no_node_in_partition_is_502(svc):
    o, _ = make_offer(svc.env, svc.part2)   # served partition, no backend in it
    seen = len(svc.log.read_bytes())
    t0 = time.monotonic()
    assert_error(get(svc, f"/offers/{svc.part2}/{o['id']}/invoice?amount=5000"), 502,
                 "internal server error")
    took = time.monotonic() - t0
    # Spec 9.8: "no available lightning nodes", then the backoff: its first sleep (0.5 s
    # +-50 %) always fits in max-elapsed-time (1 s), and no sleep runs past it.
    assert 0.25 <= took <= MAX_ELAPSED + REQ_SLACK, took
    wait_for(lambda: "Too many retries, giving up: no available lightning nodes"
             in svc.log.read_bytes()[seen:].decode(errors="replace"), 2, "the give-up line")


def test_stale_monitor_fails_open(svc):
    o, _ = make_offer(svc.env, svc.part)
    bad, good = split(svc, KINDS[0])
    table = nodes.StatusTable(svc.env.db, svc.instance)
    try:
        svc.mon.stop()
        # stale once the last heartbeat is STALE_AFTER old (a period ago at most), seen
        # within swgr-lnurl's refresh (0.25 s) -- test_lnurl_fleet.py times it exactly
        wait_for(lambda: get(svc, "/health/full").status_code == 502, STALE_AFTER + 1.0, "stale")
        r = get(svc, "/health/full")
        assert_error(r, 502, "internal server error")
        assert r.headers.get("X-Swgr-Monitor") == "stale"
        wait_for(lambda: f"monitor heartbeat of instance {svc.instance} is stale"
                 in svc.log.read_text(), 2, "the stale warning")
        # Fail open: a node the (stopped) monitor never saw down still gets asked; failover
        # still applies when one of them is down.
        bad.control(down=True)
        for _ in range(4):
            r = get(svc, f"/offers/{svc.part}/{o['id']}/invoice?amount=3000")
            assert r.status_code == 200, r.text
            assert decode_invoice(r.json()["pr"])[1] in good
    finally:
        bad.control(down=False)
        svc.mon = Monitord(svc.tmp, svc.env.db, [svc.part, svc.part2], instance=svc.instance)
        svc.mon.start()
    wait_for(lambda: get(svc, "/health/full").status_code == 200, 10, "fresh again")
    wait_for(lambda: usable(table, bad.pk), 10, "node back")


def test_partition_edit_takes_effect(svc):
    """A backend moved into a partition becomes a candidate without a weight change."""
    o, _ = make_offer(svc.env, svc.part2)
    n = svc.fleet[0]
    try:
        r = svc.env.disc.patch(f"/discovery/{n.pk}", {"partitions": [svc.part, svc.part2]})
        assert r.status_code == 204
        r = wait_for(lambda: (lambda r: r.status_code == 200 and r)(
            get(svc, f"/offers/{svc.part2}/{o['id']}/invoice?amount=5000")), 10, "invoice")
        assert decode_invoice(r.json()["pr"])[1] == H.compress_key(n.pk)
    finally:
        svc.env.disc.patch(f"/discovery/{n.pk}", {"partitions": [svc.part]})


def test_maps_only_its_own_database_client_library(svc):
    """The client libraries of PostgreSQL and MariaDB are opened on first connect
    (db.c): a responder on SQLite maps neither, one on a server database its own."""
    maps = open(f"/proc/{svc.resp.proc.pid}/maps").read()
    for provider, lib in (("postgres", "/libpq.so."), ("mariadb", "/libmariadb.so.")):
        assert (lib in maps) == (svc.env.provider == provider), (svc.env.provider, lib)


def test_sigterm_clean_and_no_errors(svc):
    """Runs last in this module: SIGTERM -> exit 0 within H.SIGTERM_PROMPT, the log
    ends clean."""
    rc = svc.resp.terminate()
    assert rc == 0
    assert svc.resp.stop_secs <= H.SIGTERM_PROMPT, \
        f"swgr-lnurl took {svc.resp.stop_secs:.3f} s to exit after SIGTERM"
    text = svc.log.read_text()
    assert "server terminated clean" in text
    svc.resp.start()
    H.wait_http(svc.base + "/health", svc.resp)
