"""Last known good through a database outage (issue 11 part 1), black-box with real
processes: the session's kind of database server (PostgreSQL or MariaDB) of its own,
both admin responders, swgr-monitord, two simulated nodes and swgr-lnurl behind nginx.

The server is really stopped (tests/dbctl.sh stop: pg_ctl -m fast, or SIGTERM to
mariadbd) for OUTAGE seconds (SWGR_TEST_OUTAGE_SECS, default 60, the issue's figure)
while WALLETS wallets fetch payRequests and invoices for offers read before; then
started again on the same port.  What must hold:
  - no wallet request fails (payRequest and invoice both answered as before);
  - an offer deleted (and seen deleted) before the outage, or expired, is not served;
    one never read answers 503 "database unavailable" with Retry-After; so does a
    Lightning Address never read, while one read before is served with its callback;
  - every admin write during the outage gets 503 with Retry-After and a body naming
    the database; none of them is there afterwards; every write that got a 2xx is;
  - an offer "created" during the outage (503) is 404 after it until created again;
  - /health/full stays 200 [] with X-Swgr-Health: degraded, and ?degraded=503 gives
    503; both say ok again after the restart;
  - swgr-monitord keeps checking: a change of a node during the outage is written
    once the server is back; its heartbeat moves again; swgr-lnurl and the admin
    responders work again without a restart;
  - a second swgr-lnurl with store-stale-max-secs: STALE_MAX stops serving the offers
    it read once they are older than that (503), and serves them again afterwards.
Not on SQLite or memory: there is no server to stop (a file database has no outage
of this kind)."""

import json
import os
import random
import threading
import time

import pytest
import requests

import harness as H
import nodes
from lnurl_stack import HOST, LnurlStack, config_text
from nodes import StatusTable, wait_for
from test_lnurl import start_front, stop_front

OUTAGE = float(os.environ.get("SWGR_TEST_OUTAGE_SECS", "60"))
WALLETS = 50
OFFERS = 5
STALE_MAX = 3.0
THINK = 0.05    # seconds between one wallet's two rounds

pytestmark = pytest.mark.skipif(H.provider() not in ("postgres", "mariadb"),
                                reason="needs a database server to stop (SQLite and memory "
                                       "stores have none)")


class PrivateEnv:
    """What LnurlStack needs of the session's env, over a database server of its own
    (the session's responders must not see the outage)."""


@pytest.fixture
def world(env):
    tmp = H.make_tmpdir(str(env.tmp / "outage-"))
    db = H.Database(env.provider, tmp).start()
    admin = st = None
    try:
        config = H.write_config(tmp / "config.yaml", db, env.keys,
                                logs={s: tmp / f"{s}.log" for s in ("discovery", "offer")})
        admin = H.Stack(tmp, config).start()
        pe = PrivateEnv()
        pe.tmp, pe.db, pe.keys = tmp, db, env.keys
        pe.disc = H.Api(admin.url("discovery"), env.tokens["discovery"])
        pe.offers = H.Api(admin.url("offer"), env.tokens["offer"])
        pe.admin = admin
        st = LnurlStack(pe, weights=[1, 1], kinds=("lnd", "cln")).start()
        yield pe, st
    finally:
        if st is not None:
            st.stop()
        if admin is not None:
            admin.stop()
        db.stop()


class Front:
    """A second swgr-lnurl (and web server) on the stack's stores, with its own config."""
    resp = web = None


def start_strict_front(st, tmp):
    f = Front()
    f.log = tmp / "strict.log"
    text = config_text(st.env.db, st.parts, st.instance, f.log)
    text = text.replace("store:\n", f"  store-stale-max-secs: {STALE_MAX}\nstore:\n", 1)
    cfg = tmp / "strict.yaml"
    cfg.write_text(text)
    (tmp / "strict").mkdir()
    start_front(f, tmp / "strict", cfg, str(tmp / "strict.sock"))
    return f


def wallet(st, offers, stop, out):
    """payRequest then invoice, for a random offer of offers, until stop: appends
    (t, what, status or exception text, ok)."""
    s = requests.Session()
    while not stop.is_set():
        o = random.choice(offers)
        t = time.monotonic()
        try:
            r = s.get(st.base + f"/offers/{o.partition}/{o.id}", headers={"Host": HOST},
                      timeout=30)
            ok = r.status_code == 200 and r.json().get("tag") == "payRequest" and \
                r.json().get("metadata") == o.metadata
            out.append((t, "payRequest", r.status_code, ok))
            t = time.monotonic()
            r = s.get(st.base + o.path(5_000), headers={"Host": HOST}, timeout=30)
            ok = r.status_code == 200 and r.json().get("pr", "").startswith("lnbcrt")
            out.append((t, "invoice", r.status_code, ok))
        except (requests.RequestException, ValueError) as e:
            out.append((t, "request", repr(e), False))
            s = requests.Session()
        time.sleep(THINK)


class Writer:
    """Admin writes all along (a metadata record each, POST /metadata), logged with
    their answers and when they were made, to check afterwards that every 2xx is
    there and that no 503 is."""

    def __init__(self, pe, part):
        self.pe, self.part = pe, part
        self.done = []      # (t0, t1, id, status, headers, body)
        self.stop = threading.Event()
        self.th = threading.Thread(target=self.run)

    def run(self):
        api = H.Api(self.pe.offers.base, self.pe.offers.token)
        while not self.stop.is_set():
            m = H.metadata(self.part, text="written during the test")
            t0 = time.monotonic()
            try:
                r = api.post("/metadata", m)
                rec = (t0, time.monotonic(), m["id"], r.status_code, dict(r.headers), r.text)
            except requests.RequestException as e:
                rec = (t0, time.monotonic(), m["id"], repr(e), {}, "")
            self.done.append(rec)
            time.sleep(0.2)


def assert_db_unavailable_admin(r, what):
    assert r.status_code == 503, (what, r.status_code, r.text)
    assert r.headers.get("Retry-After", "").isdigit(), (what, r.headers)
    assert r.text.startswith("database unavailable:"), (what, r.text)


def health(st, strict=False):
    return st.get("/health/full" + ("?degraded=503" if strict else ""))


def test_database_outage(world):
    pe, st = world
    db = pe.db
    tmp = pe.tmp
    strict = start_strict_front(st, tmp)
    try:
        run_outage(pe, st, db, tmp, strict)
    finally:
        stop_front(strict)


def run_outage(pe, st, db, tmp, strict):
    part = st.part
    seen = [st.offer() for _ in range(OFFERS)]
    for o in seen:                              # the strict front reads them too
        r = requests.get(strict.base + f"/offers/{o.partition}/{o.id}", headers={"Host": HOST},
                         timeout=10)
        assert r.status_code == 200, r.text
    # deleted before the outage, and seen deleted (a 404 from the database)
    gone = st.offer()
    assert pe.offers.delete(f"/offers/{part}/{gone.id}").status_code == 204
    wait_for(lambda: st.get(f"/offers/{part}/{gone.id}").status_code == 404, 5,
             "the deleted offer is 404")
    # valid until a few seconds after it is read, then expired
    m = H.metadata(part, text="soon expired")
    assert pe.offers.post("/metadata", m).status_code == 201
    exp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3))
    oe = H.offer(part, m["id"], expires=exp)
    assert pe.offers.post("/offers", oe).status_code == 201
    assert st.get(f"/offers/{part}/{oe['id']}").status_code == 200
    never = H.new_uuid()        # an offer id never read (and never created)
    # a Lightning Address read before the outage
    addr = "w" + H.new_uuid()[:8]
    r = pe.offers.post("/addresses", {"domain": HOST, "username": addr, "partition": part,
                                      "offer": seen[0].id})
    assert r.status_code == 201, r.text
    assert st.get(f"/.well-known/lnurlp/{addr}").status_code == 200
    h = health(st)
    assert h.status_code == 200 and h.headers.get("X-Swgr-Health") == "ok", \
        (h.status_code, h.headers)
    a = st.sims[0]
    table = StatusTable(db, st.instance)
    beat0 = table.heartbeat()[0]

    writer = Writer(pe, part)
    stop, out = threading.Event(), []
    ws = [threading.Thread(target=wallet, args=(st, seen, stop, out)) for _ in range(WALLETS)]
    for w in ws:
        w.start()
    writer.th.start()
    checks = {}
    try:
        time.sleep(3)
        def strict_get():
            return requests.get(strict.base + f"/offers/{part}/{seen[1].id}",
                                headers={"Host": HOST}, timeout=10)
        assert strict_get().status_code == 200
        t_stop = time.monotonic()          # the strict front's copy of seen[1]: read now
        db.stop()
        t_down = time.monotonic()           # the server is gone: nothing can commit now
        print(f"\n{db.kind} stopped in {t_down - t_stop:.1f} s")
        try:
            # within store-stale-max-secs of its read, past its TTL: the copy stands in
            time.sleep(max(0.0, t_stop + 1.2 - time.monotonic()))
            if time.monotonic() - t_stop < STALE_MAX - 0.5:
                r = strict_get()
                checks["strict within"] = r.status_code
                assert r.status_code == 200, (r.status_code, r.text)
            time.sleep(2 * 1.0 + 0.5)       # every cached copy is past its 1 s TTL
            # admin writes: 503, a reason naming the database, Retry-After
            m2 = H.metadata(part, text="created during the outage")
            assert_db_unavailable_admin(pe.offers.post("/metadata", m2), "POST /metadata")
            o2 = H.offer(part, m2["id"])
            assert_db_unavailable_admin(pe.offers.post("/offers", o2), "POST /offers")
            assert_db_unavailable_admin(pe.offers.delete(f"/offers/{part}/{seen[0].id}"),
                                        "DELETE /offers")
            assert_db_unavailable_admin(pe.disc.patch(f"/discovery/{st.sims[1].pk}",
                                                      {"enabled": False}), "PATCH /discovery")
            assert_db_unavailable_admin(pe.offers.get(f"/offers/{part}/{seen[0].id}"),
                                        "GET /offers (a read)")
            # the public side: nothing new is served, nothing deleted or expired either
            r = st.get(f"/offers/{part}/{o2['id']}")
            checks["created during"] = r.status_code
            assert r.status_code == 503 and r.headers.get("Retry-After"), (r.status_code, r.text)
            assert r.json() == {"status": "ERROR", "reason": "database unavailable: the offer "
                                "store cannot be reached, retry later"}, r.text
            r = st.get(f"/offers/{part}/{never}/invoice?amount=5000")
            assert r.status_code == 503, (r.status_code, r.text)
            r = st.get(f"/offers/{part}/{gone.id}")
            assert r.status_code != 200, ("a deleted offer served", r.text)
            r = st.get(f"/offers/{part}/{oe['id']}")
            assert r.status_code == 404, ("an expired offer served", r.status_code, r.text)
            # the address read before: its binding stands in, in any case; one never read: 503
            r = st.get(f"/.well-known/lnurlp/{addr.upper()}")
            checks["address"] = r.status_code
            assert r.status_code == 200, (r.status_code, r.text)
            assert r.json()["callback"].endswith(f"/.well-known/lnurlp/{addr}/invoice")
            r = st.get(f"/.well-known/lnurlp/{addr}/invoice?amount=5000")
            assert r.status_code == 200 and r.json()["pr"], (r.status_code, r.text)
            r = st.get(f"/.well-known/lnurlp/n{addr}")
            assert r.status_code == 503 and r.headers.get("Retry-After"), (r.status_code, r.text)
            assert r.json()["reason"].startswith("database unavailable"), r.text
            # the monitor keeps checking; its news wait for the database
            a.control(inbound_msat=777_000)
            # /health/full: ready, degraded; 503 for those who ask
            h = health(st)
            assert h.status_code == 200 and h.text == "[]", (h.status_code, h.text, h.headers)
            hs = h.headers.get("X-Swgr-Health", "")
            assert hs.startswith("degraded;") and "discover-store-down-secs=" in hs, hs
            wait_for(lambda: "offer-store-down-secs=" in health(st).headers.get(
                "X-Swgr-Health", ""), 3, "the offer store reported down")
            h = health(st, strict=True)
            assert h.status_code == 503, (h.status_code, h.text)
            assert h.json()["reason"].startswith("degraded;"), h.text
            assert st.get("/health/full?degraded=yes").status_code == 400
            # the strict front: its copies are past store-stale-max-secs now
            time.sleep(max(0.0, t_stop + STALE_MAX + 1.5 - time.monotonic()))
            r = strict_get()
            checks["strict"] = r.status_code
            assert r.status_code == 503, ("served beyond store-stale-max-secs", r.text)
            time.sleep(max(0.0, t_down + OUTAGE - time.monotonic()))
        finally:
            t_up0 = time.monotonic()
            nodes.db_restart_same_port(db)
            t_up = time.monotonic()
        print(f"{db.kind} down {t_up0 - t_down:.1f} s, restarted in {t_up - t_up0:.1f} s")
        time.sleep(5)
    finally:
        stop.set()
        writer.stop.set()
        for w in ws:
            w.join(60)
        writer.th.join(60)

    # --- the wallets: not one request failed
    failed = [r for r in out if not r[3]]
    during = [r for r in out if t_down <= r[0] <= t_up0]
    by = {}
    for r in out:
        by[r[1]] = by.get(r[1], 0) + 1
    print(f"{len(out)} wallet requests ({by}), {len(during)} during the outage, "
          f"{len(failed)} failed")
    assert not failed, failed[:10]
    assert len([r for r in during if r[1] == "payRequest"]) >= WALLETS * OFFERS, \
        "too few payRequests during the outage to prove anything"
    assert len([r for r in during if r[1] == "invoice"]) >= WALLETS, len(during)

    # --- admin writes: every 2xx is there, no 503 of the outage is
    statuses = {}
    for w in writer.done:
        statuses[w[3]] = statuses.get(w[3], 0) + 1
    print(f"admin writes: {statuses}")
    assert set(statuses) <= {201, 503}, statuses
    assert statuses.get(503, 0) >= 1 and statuses.get(201, 0) >= 1, statuses
    wait_for(lambda: pe.offers.get(f"/metadata/{part}/{writer.done[0][2]}").status_code == 200,
             10, "the offer service reads again")
    for t0, t1, mid, status, hdrs, body in writer.done:
        r = pe.offers.get(f"/metadata/{part}/{mid}")
        if status == 201:
            assert r.status_code == 200, ("a 201 write is missing", mid, r.status_code)
        else:
            assert hdrs.get("Retry-After") and body.startswith("database unavailable:"), \
                (status, hdrs, body)
            if t_down <= t0 and t1 <= t_up0:
                assert r.status_code == 404, ("a 503 write is there", mid, r.status_code)

    # --- after: the offer "created" during the outage is not there until created again
    r = st.get(f"/offers/{part}/{o2['id']}")
    assert r.status_code == 404, (r.status_code, r.text)
    assert pe.offers.post("/metadata", m2).status_code == 201
    assert pe.offers.post("/offers", o2).status_code == 201
    wait_for(lambda: st.get(f"/offers/{part}/{o2['id']}").status_code == 200, 3,
             "the offer created after the outage is served")
    # the strict front serves its offers again
    wait_for(lambda: requests.get(strict.base + f"/offers/{part}/{seen[1].id}",
                                  headers={"Host": HOST}, timeout=10).status_code == 200, 5,
             "the strict front reads again")
    # monitord wrote the change made during the outage, and beats again
    wait_for(lambda: (table.row(a.pk) or {}).get("inbound_msat") == 777_000, 10,
             "the outage's change written after the restart")
    beat = table.heartbeat()[0]
    assert beat > beat0
    wait_for(lambda: table.heartbeat()[0] > beat, 5, "heartbeat after the restart")
    # health is ok again, and the discovery service writes again
    wait_for(lambda: health(st).headers.get("X-Swgr-Health") == "ok", 5, "health ok again")
    assert health(st, strict=True).status_code == 200
    r = pe.disc.patch(f"/discovery/{st.sims[1].pk}", {"enabled": True})
    assert r.status_code == 204, (r.status_code, r.text)
    # the outage was logged once (start and end) by each reader, not per request
    log = st.log.read_text()
    for line in ("offer store unavailable", "offer store available again",
                 "discover store unavailable", "discover store available again"):
        assert line in log, line
    assert log.count("offer store unavailable") <= 2, log.count("offer store unavailable")
    for svc in ("offer", "discovery"):
        assert pe.admin.responders[svc].alive()
    assert st.resp.alive()
    for n, what in ((checks.get("created during"), "created during"),
                    (checks.get("strict"), "strict")):
        assert n == 503, (what, n)
    print(json.dumps(checks))
