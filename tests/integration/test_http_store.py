"""`type: http` stores (spec 11.4, 12.2) through real processes: a headless edge host --
swgr-lnurl and swgr-monitord with no database credentials, their stores clients of a second
instance's swgr-discovery and swgr-offer behind nginx (HTTP, and HTTPS with trusted-roots
naming a CA made here with openssl), node status in a local SQLite status database --
serves payRequests and invoices, follows backends added and disabled on the remote, keeps
serving invoices from its cache while the remote admin services are stopped, and answers
every remote failure (wrong token, wrong CA, remote down, 5xx, malformed JSON, a list
without its ETag) with the spec's status and a clear log line.  The admin services
themselves on HTTP stores (a relay in front of the remote) answer as the remote does.
Switchgear's lnurl-standalone.yaml (tests/data) starts unchanged.

Timing bounds (P = health period, 1.0 s as in the shipped examples; TTL = swgr-lnurl's
offer cache, 1 s) each get SLACK (SWGR_TEST_SLACK, 0.5 s, as test_lnurl_fleet.py)."""

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

import harness as H
from lnurl_stack import HOST, Invoice, Offer, config_text
from nodes import Fleet, Sim, wait_for
from remote import Headless, HttpStores, RemoteAdmin, maps, rss_kb, usable
from test_lnurl import Front, assert_error, start_front, stop_front

SLACK = float(os.environ.get("SWGR_TEST_SLACK", "0.5"))
P = 1.0             # health and backend-update period of the edge hosts
TTL = 1.0           # swgr-lnurl's offer cache (fcgi/lnurl/offers.c)
OUTAGE = 32.0       # how long the remote admin services stay stopped (>= 30 s)
REFRESH = min(P, P / 2, 1.0)    # how often swgr-lnurl re-reads the fleet (lnurl_stack.refresh)
DATA = H.ROOT / "tests" / "data"


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def remote(env):
    r = RemoteAdmin(env.tmp, env.db, env.keys, env.tokens).start()
    yield r
    r.stop()


def token_files(env, d, suffix=""):
    """Copies of the session's token files, with suffix appended (whitespace that a
    port trims: spec 16.2), keyed as the store sections are."""
    out = {}
    for which, svc in (("discover", "discovery"), ("offer", "offer")):
        p = Path(d) / f"{svc}.token"
        p.write_text(env.tokens[svc] + suffix)
        out[which] = p
    return out


def register_offer(remote, part, text):
    """Metadata and an offer on the remote (through its own API)."""
    offers = remote.api("offer")
    m = H.metadata(part, text=text)
    assert offers.post("/metadata", m).status_code == 201
    o = H.offer(part, m["id"], min_sendable=1_000, max_sendable=10**11)
    assert offers.post("/offers", o).status_code == 201
    return o, m


class Edge:
    pass


@pytest.fixture(scope="module", params=["http", "https"])
def edge(request, env, remote):
    """An edge host over the remote's plain HTTP ports (token files ending in a newline,
    base URLs ending in '/', the default status database under STATE_DIRECTORY) or over
    its HTTPS ports (trusted-roots: the test CA; store.status naming a SQLite file),
    with two node simulators registered on the remote in a partition of its own."""
    scheme = request.param
    e = Edge()
    e.scheme = scheme
    e.part = f"edge-{scheme}-{H.new_uuid()[:8]}"
    e.tmp = env.tmp / e.part
    e.tmp.mkdir()
    e.fleet = Fleet(e.tmp, 2).start()
    e.host = None
    e.remote = remote
    try:
        disc = remote.api("discovery")
        for n in e.fleet:
            n.register(disc, [e.part])
        if scheme == "http":
            tokens = token_files(env, e.tmp, "\n")
            stores = HttpStores({"discover": remote.url("discovery") + "/",
                                 "offer": remote.url("offer") + "/"}, tokens)
            status_uri = None
        else:
            tokens = token_files(env, e.tmp)
            stores = HttpStores({"discover": remote.url("discovery", "https"),
                                 "offer": remote.url("offer", "https")}, tokens,
                                trusted_roots=remote.ca.ca_pem)
            status_uri = f"sqlite://{e.tmp}/edge-status.db?mode=rwc"
        e.tokens = [env.tokens["discovery"], env.tokens["offer"]]
        e.host = Headless(e.tmp, scheme, stores, [e.part], status_uri=status_uri,
                          period=P, update=P)
        e.host.start()
        e.host.wait_heartbeat()
        for n in e.fleet:
            wait_for(lambda n=n: e.host.check_alive() and usable(e.host.table, n.pk), 15,
                     f"{n.kind} checked healthy by the edge's monitor")
        # swgr-lnurl has read those rows: it started before swgr-monitord made the status
        # tables, and looks for them again at most once a second (it runs no DDL).
        wait_for(lambda: e.host.get("/health/full").status_code == 200, 15,
                 "the edge's swgr-lnurl reading the monitor's heartbeat")
        time.sleep(REFRESH + SLACK / 2)
        o, _ = register_offer(remote, e.part, f"edge {scheme}")
        r = e.host.get(f"/offers/{e.part}/{o['id']}")
        assert r.status_code == 200, (r.status_code, r.text, e.host.text(e.host.log)[-2000:])
        e.offer = Offer(e.part, o["id"], r.json()["metadata"])
        e.pks = [H.compress_key(n.pk) for n in e.fleet]
        yield e
    finally:
        if e.host:
            e.host.stop()
        e.fleet.stop()
        for n in e.fleet:
            if n.pk:
                remote.api("discovery").delete(f"/discovery/{n.pk}")


def invoice(e, offer, amount=5_000):
    return Invoice(e.host.get(offer.path(amount)), amount, offer.desc_hash)


def assert_no_secret(e, text):
    for t in e.tokens:
        assert t not in text, "a bearer token was written to a log"


# --------------------------------------------------------------------------- the edge serves

def test_edge_serves_pay_request_and_invoices(edge):
    e = edge
    r = e.host.get(f"/offers/{e.part}/{e.offer.id}")
    assert r.status_code == 200, r.text
    assert r.json() == {"callback": f"http://{HOST}/offers/{e.part}/{e.offer.id}/invoice",
                        "maxSendable": 10**11, "minSendable": 1_000, "tag": "payRequest",
                        "metadata": H.compact([["text/plain", f"edge {e.scheme}"]]),
                        "commentAllowed": 64}
    payees = [invoice(e, e.offer).payee for _ in range(6)]
    assert set(payees) == set(e.pks), payees     # round-robin over both nodes
    assert sum(n.state()["counts"]["invoices"] for n in e.fleet) >= 6
    r = e.host.get("/health/full")
    assert (r.status_code, r.text) == (200, "[]"), e.host.text(e.host.log)[-3000:]
    # The status rows are in the local status database, where the edge said.
    if e.scheme == "http":
        assert e.host.status_path == e.host.state_dir / "status.db"
    assert e.host.status_path.is_file()
    rows = e.host.table.rows()
    assert set(rows) == set(e.pks), rows
    assert all(row["healthy"] for row in rows.values()), rows


def test_edge_holds_no_database_credentials(edge):
    """No database URI in the edge's configuration but the local status file; neither
    process maps a database server's client library; swgr-lnurl maps libcurl (it uses
    HTTP stores); no bearer token in any log."""
    e = edge
    text = e.host.config.read_text()
    uris = [ln for ln in text.splitlines() if "database-uri" in ln]
    assert all("sqlite://" in ln for ln in uris), uris
    for pid in (e.host.resp.proc.pid, e.host.mon.pid):
        m = maps(pid)
        assert m, f"/proc/{pid}/maps unreadable"
        assert "/libpq.so." not in m and "/libmariadb.so." not in m
    assert "libcurl" in maps(e.host.resp.proc.pid)
    assert_no_secret(e, e.host.logs())


def test_public_path_makes_no_round_trip_per_request(edge):
    """40 requests for one offer within about a second cause at most one remote read of
    it per TTL; the backend list is re-read on a period, conditionally (ETag: 304)."""
    e = edge
    sizes = {s: e.remote.log_size(s) for s in ("discovery", "offer")}
    t0 = time.monotonic()
    for i in range(40):
        if i % 4 == 0:
            invoice(e, e.offer)
        else:
            assert e.host.get(f"/offers/{e.part}/{e.offer.id}").status_code == 200
    time.sleep(max(0.0, 2.5 - (time.monotonic() - t0)))   # a window of >= 2 list periods
    took = time.monotonic() - t0
    reads = e.remote.access_lines("offer", sizes["offer"], e.offer.id)
    assert len(reads) <= took / TTL + 2, (took, reads)
    lists = e.remote.access_lines("discovery", sizes["discovery"], "GET /discovery ")
    assert lists, "the edge never re-read the backend list"
    # swgr-lnurl (every P/2 at most) and swgr-monitord (every P) list the backends
    assert len(lists) <= 3 * took / P + 4, (took, len(lists))
    assert any(" 304 -" in ln for ln in lists), lists[-5:]
    assert not e.remote.access_lines("discovery", sizes["discovery"], "GET /discovery/")


def test_backend_added_and_disabled_within_two_periods(edge, env):
    e = edge
    new = Sim("cln" if e.scheme == "http" else "lnd", e.tmp / f"node-new-{H.new_uuid()[:6]}")
    new.start()
    disc = e.remote.api("discovery")
    first = e.fleet[0]
    try:
        new.register(disc, [e.part])
        t0 = time.monotonic()
        want = H.compress_key(new.pk)
        wait_for(lambda: invoice(e, e.offer).payee == want, 2 * P + SLACK,
                 "an invoice from the backend added on the remote", interval=0.01)
        added = time.monotonic() - t0
        r = disc.patch(f"/discovery/{first.pk}", {"enabled": False})
        assert r.status_code == 204
        t0 = time.monotonic()
        gone = H.compress_key(first.pk)

        def not_first():
            return all(invoice(e, e.offer).payee != gone for _ in range(4))
        wait_for(not_first, 2 * P + SLACK, "no invoice from the backend disabled on the remote",
                 interval=0.01)
        disabled = time.monotonic() - t0
        print(f"\nadded backend served after {added:.3f} s, disabled one left after {disabled:.3f} s")
        payees = {invoice(e, e.offer).payee for _ in range(8)}
        assert payees == {H.compress_key(e.fleet[1].pk), want}, payees
    finally:
        disc.patch(f"/discovery/{first.pk}", {"enabled": True})
        if new.pk:
            disc.delete(f"/discovery/{new.pk}")
        new.stop()
    wait_for(lambda: H.compress_key(first.pk) in {invoice(e, e.offer).payee for _ in range(4)},
             2 * P + SLACK, "the re-enabled backend serves again")


def test_offer_changes_on_remote_within_ttl(edge):
    e = edge
    offers = e.remote.api("offer")
    o, m = register_offer(e.remote, e.part, "changing")
    path = f"/offers/{e.part}/{o['id']}"
    r = e.host.get(path)        # not cached yet: read at once
    assert r.status_code == 200 and r.json()["maxSendable"] == 10**11, r.text
    changed = dict(o, maxSendable=777_000)
    assert offers.put(f"/offers/{e.part}/{o['id']}", changed).status_code == 204
    t0 = time.monotonic()
    wait_for(lambda: e.host.get(path).json()["maxSendable"] == 777_000, TTL + SLACK,
             "the remote's new maxSendable", interval=0.02)
    assert offers.delete(f"/offers/{e.part}/{o['id']}").status_code == 204
    wait_for(lambda: e.host.get(path).status_code == 404, TTL + SLACK, "the deleted offer is gone",
             interval=0.02)
    assert_error(e.host.get(path), 404, f"offer not found: {o['id']}")
    print(f"\nchange and deletion seen within {time.monotonic() - t0:.3f} s")
    offers.delete(f"/metadata/{e.part}/{m['id']}")


@pytest.mark.once
@pytest.mark.parametrize("edge", ["https"], indirect=True)
def test_invoices_from_cache_while_remote_admin_stopped(edge):
    """Both remote responders stopped for OUTAGE s (nginx in front answers 502 for them):
    the cached offer keeps being served, invoices too, from the backends and node
    status the edge has; an offer it never saw is a 502; once the remote is back, new
    offers and backend changes flow again."""
    e = edge
    sizes = {"log": len(e.host.log.read_bytes())}
    assert invoice(e, e.offer).payee in e.pks
    rcs = e.remote.stop_services()
    assert rcs == {"discovery": 0, "offer": 0}, rcs
    bad, served = [], 0
    try:
        t0 = time.monotonic()
        unknown = H.new_uuid()
        t = time.monotonic()
        assert_error(e.host.get(f"/offers/{e.part}/{unknown}"), 502, "internal server error")
        assert time.monotonic() - t <= 1.0 + SLACK
        while time.monotonic() - t0 < OUTAGE:
            try:
                inv = invoice(e, e.offer)
                assert inv.payee in e.pks
                r = e.host.get(f"/offers/{e.part}/{e.offer.id}")
                assert r.status_code == 200, (r.status_code, r.text)
                r = e.host.get("/health/full")
                assert r.status_code == 200, (r.status_code, r.text)
                served += 1
            except AssertionError as x:
                bad.append((round(time.monotonic() - t0, 2), str(x)[:200]))
            time.sleep(0.3)
        outage = time.monotonic() - t0
    finally:
        e.remote.start_services()
    print(f"\n{served} invoice rounds served during {outage:.1f} s without the remote")
    assert not bad, bad[:5]
    assert served >= OUTAGE / 1.0
    e.host.check_alive()
    log = e.host.log.read_bytes()[sizes["log"]:].decode(errors="replace")
    assert f"127.0.0.1:{e.remote.nginx.tls_ports['offer']}" in log, log[-2000:]
    # back: a new offer is served, a backend change is followed
    o, _ = register_offer(e.remote, e.part, "after the outage")
    r = wait_for(lambda: (lambda r: r.status_code == 200 and r)(
        e.host.get(f"/offers/{e.part}/{o['id']}")), 5, "an offer made after the outage")
    off = Offer(e.part, o["id"], r.json()["metadata"])
    assert invoice(e, off).payee in e.pks
    disc = e.remote.api("discovery")
    gone = H.compress_key(e.fleet[0].pk)
    try:
        assert disc.patch(f"/discovery/{e.fleet[0].pk}", {"enabled": False}).status_code == 204
        wait_for(lambda: all(invoice(e, off).payee != gone for _ in range(4)), 2 * P + SLACK + 1,
                 "a backend disabled after the outage")
    finally:
        disc.patch(f"/discovery/{e.fleet[0].pk}", {"enabled": True})


# --------------------------------------------------------------------------- remote failures

def variant_stores(env, remote, tmp, variant):
    """(stores, the remote address the log must name) of one failure variant."""
    tokens = token_files(env, tmp)
    if variant == "wrong-token":
        other = H.Keys.generate_python(tmp / "other-public.pem", tmp / "other-private.pem")
        for which, svc in (("discover", "discovery"), ("offer", "offer")):
            tokens[which].write_text(other.token(svc))
        return HttpStores({"discover": remote.url("discovery"), "offer": remote.url("offer")},
                          tokens), remote.nginx.ports["offer"]
    if variant == "wrong-ca":
        return HttpStores({"discover": remote.url("discovery", "https"),
                           "offer": remote.url("offer", "https")}, tokens,
                          trusted_roots=remote.other_ca.ca_pem), remote.nginx.tls_ports["offer"]
    if variant == "remote-down":
        port = H.free_port()            # nothing listens there
        return HttpStores({"discover": f"http://127.0.0.1:{port}",
                           "offer": f"http://127.0.0.1:{port}"}, tokens), port
    return HttpStores({"discover": remote.url("discovery", "fault"),
                       "offer": remote.url("offer", "fault")}, tokens), \
        remote.nginx.fault_ports["discovery" if variant == "no-etag" else "offer"]


# variant: (faults to switch on, payRequest status, invoice status, what the log line names)
VARIANTS = {
    "wrong-token": ((), 400, 400, "401"),
    "wrong-ca": ((), 502, 502, "certificate"),
    "remote-down": ((), 502, 502, "connect"),
    "remote-5xx": ((("offer", "503"), ("discovery", "503")), 502, 502, "503"),
    "malformed-json": ((("offer", "json"), ("discovery", "json")), 502, 502, "json"),
    "wrong-shape": ((("offer", "shape"), ("discovery", "shape")), 502, 502, "json"),
    "no-etag": ((("discovery", "noetag"),), 200, 502, "etag"),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_remote_failure_status_and_log(env, remote, variant):
    """A clear line (ERROR, or WARN from the background refresh of the backend list)
    naming the remote and the cause, and the status of spec 11.4:
    a remote 4xx is the caller's (400), a transport error, a 5xx or an answer that is
    not what the API promises is upstream's (502).  The responder stays up."""
    faults, pay_status, inv_status, cause = VARIANTS[variant]
    tmp = env.tmp / f"variant-{variant}-{H.new_uuid()[:6]}"
    tmp.mkdir()
    part = f"v-{H.new_uuid()[:8]}"
    o, _ = register_offer(remote, part, f"variant {variant}")
    stores, port = variant_stores(env, remote, tmp, variant)
    host = Headless(tmp, variant, stores, [part], monitor=False, period=P, update=P)
    secrets = [t.read_text().strip() for t in stores.authorization.values()]
    try:
        for svc, name in faults:
            remote.fault(svc, name)
        host.start()
        assert host.get("/health", host=None).status_code == 200
        t0 = time.monotonic()
        r = host.get(f"/offers/{part}/{o['id']}")
        took = time.monotonic() - t0
        if pay_status == 200:
            assert r.status_code == 200, r.text
        else:
            assert_error(r, pay_status, "offer store refused" if pay_status == 400
                         else "internal server error")
            # the wallet learns neither the token nor where the admin services are
            assert not any(s in r.text for s in secrets)
            assert "127.0.0.1" not in r.text, r.text
        assert took <= stores.total_timeout + SLACK + 0.5, took
        r = host.get(f"/offers/{part}/{o['id']}/invoice?amount=5000")
        assert_error(r, inv_status, "" if inv_status == 400 else "internal server error")
        r = host.get(f"/offers/{part}/{o['id']}/bech32")
        assert r.status_code == (200 if pay_status == 200 else pay_status), r.status_code

        def error_line():
            lines = [ln for ln in host.text(host.log).splitlines()
                     if (" ERROR " in ln or " WARN " in ln) and "clf::" not in ln]
            hits = [ln for ln in lines if f"127.0.0.1:{port}" in ln and cause in ln.lower()]
            return hits or None
        hits = wait_for(error_line, 3, f"a line naming 127.0.0.1:{port} and {cause!r}")
        print(f"\n{variant}: {hits[0]}")
        host.check_alive()
        logs = host.logs()
        assert not any(s in logs for s in secrets), "a bearer token was written to the log"
        assert "Traceback" not in logs and "FATAL" not in logs
    finally:
        remote.clear_faults()
        host.stop()
    remote.api("offer").delete(f"/offers/{part}/{o['id']}")


# --------------------------------------------------------------------------- the admin services

@pytest.fixture(scope="module")
def relay(env, remote):
    """swgr-discovery and swgr-offer whose stores are the remote over HTTP."""
    d = env.tmp / "relay"
    d.mkdir()
    logs = {s: d / f"{s}.log" for s in ("discovery", "offer")}
    stores = HttpStores({"discover": remote.url("discovery"), "offer": remote.url("offer")},
                        token_files(env, d))
    cfg = d / "config.yaml"
    cfg.write_text(H.admin_sections(env.keys, logs) + "store:\n  discover:\n" +
                   H.indent(stores.store_yaml("discover"), 4) + "  offer:\n" +
                   H.indent(stores.store_yaml("offer"), 4) + H.node_access_yaml())
    st = H.Stack(d, cfg).start()
    st.logs = logs
    st.disc = H.Api(st.url("discovery"), env.tokens["discovery"])
    st.offers = H.Api(st.url("offer"), env.tokens["offer"])
    yield st
    st.stop()


def same(a, b):
    """Two answers agree: status, body bytes, Location and ETag."""
    assert (a.status_code, a.content) == (b.status_code, b.content), \
        (a.request.url, a.status_code, a.text[:300], b.status_code, b.text[:300])
    for h in ("Location", "ETag"):
        assert a.headers.get(h) == b.headers.get(h), (h, a.headers.get(h), b.headers.get(h))


def test_discovery_service_on_an_http_store(relay, remote):
    r_api, d_api = relay.disc, remote.api("discovery")
    part = f"relay-{H.new_uuid()[:8]}"
    b = H.backend(partitions=[part, "z", part], name="relayed")
    r = r_api.post("/discovery", b)
    assert (r.status_code, r.headers.get("Location")) == (201, H.compress_key(b["publicKey"]))
    r = r_api.post("/discovery", b)
    assert (r.status_code, r.headers.get("Location")) == (409, H.compress_key(b["publicKey"]))
    pk = b["publicKey"]
    same(r_api.get(f"/discovery/{pk}"), d_api.get(f"/discovery/{pk}"))
    assert r_api.get(f"/discovery/{pk}").json() == H.expected_backend_text(b)
    # the list, its ETag and 304 (spec 4): the remote's counter, passed through
    a, c = r_api.get("/discovery"), d_api.get("/discovery")
    same(a, c)
    et = a.headers["ETag"]
    assert H.ETAG_RE.match(et)
    r = r_api.get("/discovery", headers={"If-None-Match": et})
    assert (r.status_code, r.content, r.headers.get("ETag")) == (304, b"", et)
    r = r_api.get("/discovery", headers={"If-None-Match": "%016x" % (int(et, 16) + 7)})
    assert r.status_code == 200 and r.headers["ETag"] == et
    # PUT: update (204) keeps creation order, create (201); PATCH; DELETE
    assert r_api.put(f"/discovery/{pk}", dict(b, weight=5)).status_code == 204
    assert d_api.get(f"/discovery/{pk}").json()["weight"] == 5
    assert r_api.get("/discovery").headers["ETag"] != et
    b2 = H.backend(partitions=[part])
    assert r_api.put(f"/discovery/{b2['publicKey']}", b2).status_code == 201
    assert r_api.patch(f"/discovery/{pk}", {"enabled": False}).status_code == 204
    assert d_api.get(f"/discovery/{pk}").json()["enabled"] is False
    assert r_api.patch(f"/discovery/{H.node_key()}", {"enabled": False}).status_code == 404
    assert r_api.get(f"/discovery/{H.node_key()}").status_code == 404
    same(r_api.get("/discovery"), d_api.get("/discovery"))
    for k in (pk, b2["publicKey"]):
        assert r_api.delete(f"/discovery/{k}").status_code == 204
        assert r_api.delete(f"/discovery/{k}").status_code == 404
        assert d_api.get(f"/discovery/{k}").status_code == 404
    # the relay's own checks still come first
    assert r_api.get("/discovery/not-a-key").status_code == 400
    assert r_api.get("/discovery", token=None).status_code == 401
    # no node status over an HTTP store: 404 with the reason (the remote is not asked)
    r = r_api.get("/discovery/status")
    assert r.status_code == 404 and "remote admin service" in r.text, (r.status_code, r.text)
    assert r_api.get("/discovery/status", token=None).status_code == 401


def test_offer_service_on_an_http_store(relay, remote):
    r_api, d_api = relay.offers, remote.api("offer")
    part = f"relay-{H.new_uuid()[:8]}"
    m = H.metadata(part, text="relayed", long_text="long", image={"png": "AAE="},
                   identifier={"email": "a@shop.example"})
    r = r_api.post("/metadata", m)
    assert (r.status_code, r.headers.get("Location")) == (201, f"{part}/{m['id']}")
    assert r_api.post("/metadata", m).status_code == 409
    made = []
    for i in range(5):
        o = H.offer(part, m["id"], max_sendable=10_000 + i)
        r = r_api.post("/offers", o)
        assert (r.status_code, r.headers.get("Location")) == (201, f"{part}/{o['id']}")
        made.append(o)
    assert r_api.post("/offers", made[0]).status_code == 409
    o = made[0]
    for q in ("", "?sparse=true", "?sparse=false"):
        same(r_api.get(f"/offers/{part}/{o['id']}{q}"), d_api.get(f"/offers/{part}/{o['id']}{q}"))
    assert r_api.get(f"/offers/{part}/{o['id']}?sparse=false").json()["metadata"] == \
        H.sparse_metadata(m)
    # pages: start/count passed on, the remote's order
    for q in ("", "?start=0&count=2", "?start=2&count=2", "?start=4&count=5", "?start=9",
              "?count=0"):
        same(r_api.get(f"/offers/{part}{q}"), d_api.get(f"/offers/{part}{q}"))
    # the remote's order (creation time, ties by id: MariaDB keeps whole seconds)
    full = [x["id"] for x in d_api.get(f"/offers/{part}").json()]
    assert sorted(full) == sorted(x["id"] for x in made)
    ids = [x["id"] for x in r_api.get(f"/offers/{part}?start=1&count=3").json()]
    assert ids == full[1:4]
    same(r_api.get(f"/metadata/{part}"), d_api.get(f"/metadata/{part}"))
    same(r_api.get(f"/metadata/{part}/{m['id']}"), d_api.get(f"/metadata/{part}/{m['id']}"))
    assert r_api.get(f"/offers/{part}?count={H.MAX_PAGE_SIZE + 1}").status_code == 400
    # PUT sends the whole record: update 204, create 201
    assert r_api.put(f"/offers/{part}/{o['id']}", dict(o, minSendable=7)).status_code == 204
    assert d_api.get(f"/offers/{part}/{o['id']}").json()["minSendable"] == 7
    o6 = H.offer(part, m["id"])
    assert r_api.put(f"/offers/{part}/{o6['id']}", o6).status_code == 201
    assert r_api.put(f"/metadata/{part}/{m['id']}", dict(m, text="renamed")).status_code == 204
    assert d_api.get(f"/metadata/{part}/{m['id']}").json()["text"] == "renamed"
    # the remote's 400s (missing metadata, metadata in use) are the caller's: 400
    assert r_api.post("/offers", H.offer(part, H.new_uuid())).status_code == 400
    assert r_api.delete(f"/metadata/{part}/{m['id']}").status_code == 400
    assert r_api.get(f"/offers/{part}/{H.new_uuid()}").status_code == 404
    for x in made + [o6]:
        assert r_api.delete(f"/offers/{part}/{x['id']}").status_code == 204
    assert r_api.delete(f"/offers/{part}/{o['id']}").status_code == 404
    assert r_api.delete(f"/metadata/{part}/{m['id']}").status_code == 204
    assert d_api.get(f"/metadata/{part}/{m['id']}").status_code == 404
    log = "".join(p.read_text(errors="replace") for p in relay.logs.values())
    assert not re.findall(r"(?m) 5\d\d -$", log), log[-2000:]


def test_address_service_on_an_http_store(relay, remote):
    r_api, d_api = relay.offers, remote.api("offer")
    part = f"relay-{H.new_uuid()[:8]}"
    dom = f"{part}.example.com"
    m = H.metadata(part)
    assert d_api.post("/metadata", m).status_code == 201
    o = H.offer(part, m["id"])
    assert d_api.post("/offers", o).status_code == 201
    made = []
    for u in ("a0", "a1", "a2"):
        a = {"domain": dom.upper(), "username": u.upper(), "partition": part, "offer": o["id"]}
        r = r_api.post("/addresses", a)
        assert (r.status_code, r.headers.get("Location")) == (201, f"{dom}/{u}")
        made.append(u)
    r = r_api.post("/addresses", dict(a, username="a0"))
    assert (r.status_code, r.headers.get("Location")) == (409, f"{dom}/a0")
    same(r_api.get(f"/addresses/{dom}/a1"), d_api.get(f"/addresses/{dom}/a1"))
    same(r_api.get(f"/addresses/{dom.upper()}/A1"), d_api.get(f"/addresses/{dom}/a1"))
    for q in ("", "?start=1&count=1", "?start=3", "?count=0"):
        same(r_api.get(f"/addresses/{dom}{q}"), d_api.get(f"/addresses/{dom}{q}"))
    body = {"partition": part, "offer": o["id"], "enabled": False}
    assert r_api.put(f"/addresses/{dom}/a1", body).status_code == 204
    assert d_api.get(f"/addresses/{dom}/a1").json()["enabled"] is False
    assert r_api.put(f"/addresses/{dom}/a3", body).status_code == 201
    made.append("a3")
    # the remote's 400s (missing offer, offer in use) are the caller's: 400
    assert r_api.put(f"/addresses/{dom}/a4", dict(body, offer=H.new_uuid())).status_code == 400
    assert r_api.delete(f"/offers/{part}/{o['id']}").status_code == 400
    assert r_api.get(f"/addresses/{dom}/nobody").status_code == 404
    for u in made:
        assert r_api.delete(f"/addresses/{dom}/{u}").status_code == 204
    assert r_api.delete(f"/addresses/{dom}/a0").status_code == 404
    assert d_api.get(f"/addresses/{dom}").text == "[]"
    assert r_api.delete(f"/offers/{part}/{o['id']}").status_code == 204
    assert r_api.delete(f"/metadata/{part}/{m['id']}").status_code == 204
    log = "".join(p.read_text(errors="replace") for p in relay.logs.values())
    assert not re.findall(r"(?m) 5\d\d -$", log), log[-2000:]


# --------------------------------------------------------------------------- Switchgear's file

def test_lnurl_standalone_yaml_starts_unchanged(env, remote):
    """tests/data/lnurl-standalone.yaml, byte for byte plus a node-access section, with the example's environment
    variables (HTTPS to the remote, trusted roots, token files): swgr-lnurl starts
    first (the status database does not exist yet), then swgr-monitord; invoices flow
    from both nodes of partition "default"; neither logs an ERROR; SIGTERM -> 0."""
    own = None
    if not remote.fresh:     # partition "default" must hold only this test's backends
        own = RemoteAdmin(env.tmp, H.Database("sqlite", env.tmp), env.keys, env.tokens,
                          tag="remote-standalone").start()
    rem = own or remote
    d = env.tmp / f"standalone-{H.new_uuid()[:6]}"
    d.mkdir()
    cfg = d / "lnurl-standalone.yaml"
    shutil.copy(DATA / "lnurl-standalone.yaml", cfg)
    assert cfg.read_bytes() == (DATA / "lnurl-standalone.yaml").read_bytes()
    # The one addition (issue 12): where this test's nodes keep their credentials, which
    # swgr reads from the credential directories only (default $(sysconfdir)/swgr/
    # node-credentials, doc/nodes.md); the original's keys are read unchanged.
    with open(cfg, "a") as f:
        f.write("\n" + H.node_access_yaml())
    toks = token_files(env, d)
    state = d / "state"
    state.mkdir()
    e = {"OFFER_STORE_HTTP_BASE_URL": rem.url("offer", "https"),
         "OFFER_STORE_HTTP_TRUSTED_ROOTS": str(rem.ca.ca_pem),
         "OFFER_STORE_HTTP_AUTHORIZATION": str(toks["offer"]),
         "DISCOVERY_STORE_HTTP_BASE_URL": rem.url("discovery", "https"),
         "DISCOVERY_STORE_HTTP_TRUSTED_ROOTS": str(rem.ca.ca_pem),
         "DISCOVERY_STORE_HTTP_AUTHORIZATION": str(toks["discover"]),
         "LNURL_SERVICE_ALLOWED_HOSTS": HOST,
         "STATE_DIRECTORY": str(state)}
    fleet = Fleet(d, 2).start()
    front, mon = Front(), None
    errf = open(d / "monitord.stderr", "ab")
    try:
        for n in fleet:
            n.register(rem.api("discovery"), ["default"])
        o, _ = register_offer(rem, "default", "standalone")
        base = start_front(front, d, cfg, str(d / "lnurl.sock"), env=e).base
        mon = subprocess.Popen([H.binary("swgr-monitord"), "-c", str(cfg)],
                               stdin=subprocess.DEVNULL, stdout=errf, stderr=errf,
                               env={**os.environ, **e}, start_new_session=True)
        r = requests.get(base + f"/offers/default/{o['id']}", headers={"Host": HOST}, timeout=20)
        assert r.status_code == 200, r.text
        # the scheme is the web server's (REQUEST_SCHEME): tls has no effect under FastCGI
        assert r.json()["callback"] == f"http://{HOST}/offers/default/{o['id']}/invoice"
        off = Offer("default", o["id"], r.json()["metadata"])
        want = {H.compress_key(n.pk) for n in fleet}
        seen = set()

        def both():
            assert mon.poll() is None, (d / "monitord.stderr").read_text()[-2000:]
            r = requests.get(base + off.path(5000), headers={"Host": HOST}, timeout=20)
            if r.status_code == 200:
                seen.add(Invoice(r, 5000, off.desc_hash).payee)
            return seen == want
        wait_for(both, 20, "invoices from both nodes of the standalone edge", interval=0.1)
        assert (state / "status.db").is_file(), list(state.iterdir())
        assert front.resp.terminate() == 0
        front.resp = None
        mon.terminate()
        assert mon.wait(20) == 0
        for f in ("lnurl.stderr", "monitord.stderr"):
            text = (d / f).read_text(errors="replace")
            bad = [ln for ln in text.splitlines() if "ERROR" in ln or "FATAL" in ln]
            assert not bad, (f, bad[:5])
            assert env.tokens["offer"] not in text and env.tokens["discovery"] not in text
    finally:
        stop_front(front)
        if mon and mon.poll() is None:
            mon.kill()
            mon.wait()
        errf.close()
        fleet.stop()
        for n in fleet:
            if n.pk:
                rem.api("discovery").delete(f"/discovery/{n.pk}")
        if own:
            own.stop()


# --------------------------------------------------------------------------- libcurl on demand

@pytest.mark.parametrize("edge", ["http"], indirect=True)
def test_sql_only_lnurl_does_not_map_libcurl(env, edge):
    """libcurl is loaded only by a process that uses an HTTP store: a swgr-lnurl on the
    session's SQL (or memory) stores never maps it, an edge's does; RSS of both."""
    d = env.tmp / f"sqlonly-{H.new_uuid()[:6]}"
    d.mkdir()
    part = f"sql-{H.new_uuid()[:8]}"
    cfg = d / "lnurl.yaml"
    cfg.write_text(config_text(env.db, [part], f"sql-{H.new_uuid()[:8]}", d / "lnurl.log"))
    front = Front()
    try:
        base = start_front(front, d, cfg, str(d / "lnurl.sock")).base
        resp = front.resp
        r = requests.get(base + f"/offers/{part}/{H.new_uuid()}", headers={"Host": HOST},
                         timeout=20)
        assert r.status_code == 404, r.text    # the store was read
        m = maps(resp.proc.pid)
        assert m and "libcurl" not in m
        edge_pid = edge.host.resp.proc.pid
        assert "libcurl" in maps(edge_pid)
        print(f"\nVmRSS: SQL-only swgr-lnurl {rss_kb(resp.proc.pid)} kB, "
              f"edge swgr-lnurl {rss_kb(edge_pid)} kB")
    finally:
        stop_front(front)
        if env.db.kind == "memory":
            H.remove_memory_store(cfg)
