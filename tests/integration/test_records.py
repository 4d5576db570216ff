"""Invoice records (issue 14, part 5), black-box through the run's web server: every
invoice swgr-lnurl hands out, from an offer's callback or an address's, is recorded by a
writer thread in batches (no database call on the callback's path) and read back on
swgr-offer at GET /invoices/{partition}[/{paymentHash}] with its fields: payment hash,
bolt11, offer, address, backend, amount, comment, payer data, creation and expiry; the
filters and pages; a clean stop writes what is queued; 10,000 invoices all recorded."""

import datetime
import json
import threading
import time
import urllib.parse

import pytest

import harness as H
from nodes import wait_for
from test_lnaddr_public import WK, add_address, user
from test_lnurl import (HOST, COMMENT_LIMIT, decode_invoice, get, make_offer, start_front,  # noqa: F401
                        stop_front, svc)
from test_lud import lud_offer


def ms_of(text):
    return int(datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def records(s, part=None, **q):
    """Every record of the partition (all pages), with the query q."""
    out, start = [], 0
    while True:
        qs = urllib.parse.urlencode(dict(q, start=start, count=H.MAX_PAGE_SIZE))
        r = s.env.offers.get(f"/invoices/{part or s.part}?{qs}")
        assert r.status_code == 200, r.text
        page = r.json()
        out += page
        if len(page) < H.MAX_PAGE_SIZE:
            return out
        start += len(page)


def record_of(s, pr, timeout=5.0):
    inv, _ = decode_invoice(pr)
    h = inv["payment_hash"].hex()
    wait_for(lambda: s.env.offers.get(f"/invoices/{s.part}/{h}").status_code == 200, timeout,
             "the record written")
    return s.env.offers.get(f"/invoices/{s.part}/{h}").json(), inv


def check(rec, pr, inv, offer, amount, t0, t1, address=None, comment=None, payer=None):
    assert rec["paymentHash"] == inv["payment_hash"].hex()
    assert rec["bolt11"] == pr
    assert rec["offer"] == offer
    assert rec["amountMsat"] == amount
    assert rec["backend"] == (inv["payee"].hex() if isinstance(inv["payee"], bytes)
                              else inv["payee"])
    assert rec.get("address") == address
    assert rec.get("comment") == comment
    assert rec.get("payerData") == payer
    assert t0 - 1000 <= ms_of(rec["createdAt"]) <= t1 + 1000
    assert ms_of(rec["expiresAt"]) == (inv["timestamp"] + inv["expiry"]) * 1000
    keys = ["paymentHash", "bolt11", "partition", "offer", "address", "backend", "amountMsat",
            "comment", "payerData", "createdAt", "expiresAt"]
    assert list(rec) == [k for k in keys if k in rec]


def now_ms():
    return int(time.time() * 1000)


def test_offer_and_address_callbacks_are_recorded(svc):
    o, _ = lud_offer(svc, payer={"name": {"mandatory": False}})
    t0 = now_ms()
    r = get(svc, f"/offers/{svc.part}/{o['id']}/invoice?amount=4321&comment=hello&"
            + urllib.parse.urlencode({"payerdata": '{"name":"Bob"}'}))
    assert r.status_code == 200, r.text
    pr = r.json()["pr"]
    rec, inv = record_of(svc, pr)
    check(rec, pr, inv, o["id"], 4321, t0, now_ms(), comment="hello", payer='{"name":"Bob"}')
    assert rec["partition"] == svc.part
    name = user()
    add_address(svc, name, o["id"])
    r = get(svc, f"{WK}/{name.upper()}/invoice?amount=7000")
    assert r.status_code == 200, r.text
    pr = r.json()["pr"]
    rec, inv = record_of(svc, pr)
    check(rec, pr, inv, o["id"], 7000, t0, now_ms(), address={"domain": HOST, "username": name})


def test_a_refused_callback_leaves_no_record(svc):
    o, _ = make_offer(svc.env, svc.part, min_sendable=1_000, max_sendable=2_000)
    before = len(records(svc, offer=o["id"]))
    assert get(svc, f"/offers/{svc.part}/{o['id']}/invoice?amount=5000").status_code == 400
    time.sleep(0.6)                                     # three flushes of the writer
    assert len(records(svc, offer=o["id"])) == before == 0


def test_filters_pages_and_lookups(svc):
    o1, _ = make_offer(svc.env, svc.part)
    o2, _ = make_offer(svc.env, svc.part)
    name = user()
    add_address(svc, name, o2["id"])
    t0 = now_ms()
    prs = []
    for i in range(5):
        prs.append(get(svc, f"/offers/{svc.part}/{o1['id']}/invoice?amount={1000 + i}").json()["pr"])
    time.sleep(0.01)
    mid = now_ms()
    time.sleep(0.01)
    for i in range(3):
        prs.append(get(svc, f"{WK}/{name}/invoice?amount={2000 + i}").json()["pr"])
    wait_for(lambda: len(records(svc, since=iso(t0))) >= 8, 5, "eight records")
    mine = records(svc, since=iso(t0))
    assert [r["bolt11"] for r in mine if r["bolt11"] in prs] == prs    # creation order
    assert [r["amountMsat"] for r in records(svc, offer=o1["id"])] == [1000, 1001, 1002, 1003, 1004]
    assert [r["amountMsat"] for r in records(svc, domain=HOST, username=name)] == [2000, 2001, 2002]
    assert [r["amountMsat"] for r in records(svc, domain=HOST.upper(), username=name.upper())] \
        == [2000, 2001, 2002]                           # found as the address is
    assert len(records(svc, offer=o2["id"], until=iso(mid))) == 0
    assert len(records(svc, offer=o2["id"], since=iso(mid))) == 3
    r = svc.env.offers.get(f"/invoices/{svc.part}?offer={o1['id']}&start=1&count=2")
    assert [x["amountMsat"] for x in r.json()] == [1001, 1002]
    h = mine[0]["paymentHash"]
    assert svc.env.offers.get(f"/invoices/{svc.part2}/{h}").status_code == 404   # other partition
    assert svc.env.offers.get(f"/invoices/{svc.part}/{'0' * 64}").status_code == 404
    assert svc.env.offers.get(f"/invoices/{svc.part}/nothex").status_code == 404
    for q in ("since=yesterday", "offer=12", f"count={H.MAX_PAGE_SIZE + 1}", "domain=a&domain=b",
              f"domain={HOST}", f"offer={o1['id']}&offer={o2['id']}",
              f"domain={HOST}&username=a!"):
        assert svc.env.offers.get(f"/invoices/{svc.part}?{q}").status_code == 400, q
    assert get(svc, f"/invoices/{svc.part}").status_code == 404        # not on the public side


def iso(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc) \
        .isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Front:
    resp = web = base = None


@pytest.mark.once
def test_clean_stop_writes_what_is_queued(svc):
    """A burst, then SIGTERM at once: every invoice handed out has its record."""
    f = Front()
    f.tmp = svc.tmp / "records-stop"
    f.tmp.mkdir()
    start_front(f, f.tmp, svc.config, str(f.tmp / "lnurl.sock"))
    o, _ = make_offer(svc.env, svc.part)
    prs = []
    try:
        def burst(k):
            for i in range(40):
                r = get(f, f"/offers/{svc.part}/{o['id']}/invoice?amount={10_000 + k * 100 + i}")
                assert r.status_code == 200, r.text
                prs.append(r.json()["pr"])
        ts = [threading.Thread(target=burst, args=(k,)) for k in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        assert f.resp.terminate() == 0
    finally:
        stop_front(f)
    got = {r["bolt11"] for r in records(svc, offer=o["id"])}
    assert len(prs) == 160 and got == set(prs)


@pytest.mark.once
def test_ten_thousand_invoices_all_recorded(svc):
    o, _ = make_offer(svc.env, svc.part, max_sendable=10**9)
    name = user()
    add_address(svc, name, o["id"])
    N, THREADS = 10_000, 8
    issued = {}
    lock = threading.Lock()
    errors = []

    def work(k):
        import requests
        sess = requests.Session()
        for i in range(k, N, THREADS):
            path = (f"{WK}/{name}/invoice?amount={1000 + i}&comment=c{i}" if i % 2 else
                    f"/offers/{svc.part}/{o['id']}/invoice?amount={1000 + i}")
            r = sess.get(svc.base + path, headers={"Host": HOST}, timeout=30)
            if r.status_code != 200:
                errors.append((i, r.status_code, r.text))
                continue
            with lock:
                issued[r.json()["pr"]] = i
    t0 = now_ms()
    ts = [threading.Thread(target=work, args=(k,)) for k in range(THREADS)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert errors == [] and len(issued) == N
    wait_for(lambda: len(records(svc, offer=o["id"])) >= N, 30, "10,000 records")
    recs = records(svc, offer=o["id"])
    assert len(recs) == N
    for rec in recs:
        i = issued[rec["bolt11"]]
        assert rec["amountMsat"] == 1000 + i
        if i % 2:
            assert rec["address"] == {"domain": HOST, "username": name}
            assert rec.get("comment") == f"c{i}"[:COMMENT_LIMIT]
        else:
            assert "address" not in rec and "comment" not in rec
        assert t0 - 1000 <= ms_of(rec["createdAt"]) <= now_ms()
    inv, _ = decode_invoice(recs[0]["bolt11"])
    assert recs[0]["paymentHash"] == inv["payment_hash"].hex()
