"""A complete LNURL stack per test, for the fleet tests (test_lnurl_fleet.py): node
simulators registered through swgr-discovery in a partition of their own, swgr-monitord
writing their status under an instance of its own, swgr-lnurl under spawn-fcgi behind
the run's web server (its shipped example, through web.lnurl) with a configuration made
for the test (selection, capacity bias, timeouts), and a wallet-side client that checks
every invoice independently (tests/sim/bolt11.py).

    with LnurlStack(env, weights=[3, 1], selection="random") as st:
        o = st.offer()
        inv = st.invoice(o, 5000)          # asserts 200 and a valid invoice
        inv.payee in st.pks                # which node issued it
"""

import hashlib
import json
import threading

import requests

import harness as H
import nodes
from nodes import Monitord, Sim, StatusTable, wait_for
from test_lnurl import decode_invoice, start_front, usable   # decode_invoice: tests/sim/bolt11.py

HOST = "shop.example"


def config_text(db, partitions, instance, log, *, selection="round-robin", bias=None,
                timeout=2.0, stale_after=1.5, deadline=4.0, max_elapsed=1.0, period=0.5,
                update=0.5, comment_allowed=64, breaker=None, bulkheads=None, node_access=None,
                directory=None):
    """The YAML of swgr-lnurl: nodes.lnurl_section with the test's choices (breaker:
    (breaker-failure-threshold, breaker-cool-down-secs); bulkheads: (invoice-concurrency,
    node-concurrency, invoice-queue-wait-secs), None in it or for it: the defaults;
    directory: a store.address-directory section, slapd.Slapd.yaml)."""
    text = nodes.lnurl_section(partitions, period=period, update=update, timeout=timeout)
    text = text.replace("allowed-hosts: []", f'allowed-hosts: ["{HOST}"]')
    text = text.replace("max-elapsed-time-secs: 2.5", f"max-elapsed-time-secs: {max_elapsed}")
    if isinstance(selection, dict):         # {"consistent": {"max_iterations": N}}
        sel = json.dumps(selection)
    else:
        sel = selection
    text = text.replace("backend-selection: round-robin", f"backend-selection: {sel}")
    if bias is not None:
        text += f"  selection-capacity-bias: {bias}\n"
    text += f"  comment-allowed: {comment_allowed}\n  request-deadline-secs: {deadline}\n"
    if breaker is not None:
        text += (f"  breaker-failure-threshold: {breaker[0]}\n"
                 f"  breaker-cool-down-secs: {breaker[1]}\n")
    for key, v in zip(("invoice-concurrency", "node-concurrency", "invoice-queue-wait-secs"),
                      bulkheads or ()):
        if v is not None:
            text += f"  {key}: {v}\n"
    text += f"  log-file: {json.dumps(str(log))}\n  log-level: info\n"
    text += "store:\n" + (directory or "")
    text += "  discover:\n" + H.indent(db.store_yaml("discover"), 4)
    text += "  offer:\n" + H.indent(db.store_yaml("offer"), 4)
    text += f"monitor:\n  instance: {instance}\n  stale-after-secs: {stale_after}\n"
    text += node_access if node_access is not None else H.node_access_yaml()
    return text


class Invoice:
    """A callback answer checked the way a wallet would: 200, {"pr", "routes": []}, a
    BOLT11 that decodes with a valid signature, the amount asked and the offer's
    description hash.  payee: the compressed key (hex) that signed it."""

    def __init__(self, r, amount, desc_hash):
        assert r.status_code == 200, (r.status_code, r.text)
        body = r.json()
        assert list(body) == ["pr", "routes"] and body["routes"] == [], body
        inv, self.payee = decode_invoice(body["pr"])
        assert inv["amount_msat"] == amount, (inv["amount_msat"], amount)
        assert inv["description_hash"] == desc_hash
        self.pr = body["pr"]


class Offer:
    def __init__(self, partition, oid, metadata_text):
        self.partition = partition
        self.id = oid
        self.metadata = metadata_text
        self.desc_hash = hashlib.sha256(metadata_text.encode()).digest()

    def path(self, amount, comment=None):
        p = f"/offers/{self.partition}/{self.id}/invoice?amount={amount}"
        if comment is not None:
            p += "&comment=" + requests.utils.quote(comment, safe="")
        return p


class LnurlStack:
    """weights: one simulator per entry, of kinds[i] (default: lnd, cln, eclair dealt out
    in turn, so that three nodes are a mixed fleet), each registered with that weight
    in partitions[i] (default: the stack's own partition).  The monitor and
    the responder serve every partition used.  lnurl: config_text keywords (period and
    timeout are the monitor's too); monitor_opts: more nodes.lnurl_section keywords for
    the monitor only (to_healthy, to_unhealthy).  ratelimit: the web server keeps the
    example's invoice rate limit (nginx only: web.WebServer).  activate: swgr-lnurl
    socket-activated (H.Responder), not under spawn-fcgi."""
    ratelimit = False
    activate = False

    def __init__(self, env, weights=(1, 1), partitions=None, inbound=None, monitor=True,
                 monitor_opts=None, kinds=nodes.KINDS, **lnurl):
        self.env = env
        tag = H.new_uuid()[:8]
        self.part = f"fl-{tag}"
        self.instance = f"fleet-{tag}"
        self.tmp = env.tmp / self.instance
        self.tmp.mkdir()
        self.weights = list(weights)
        self.kinds = [kinds[i % len(kinds)] for i in range(len(self.weights))]
        self.node_parts = [list(p) for p in partitions] if partitions else \
            [[self.part] for _ in weights]
        self.parts = sorted({p for ps in self.node_parts for p in ps} | {self.part})
        self.inbound = list(inbound) if inbound else [10**10 + i for i in range(len(weights))]
        self.lnurl = dict(lnurl)
        self.period = lnurl.get("period", 0.5)
        self.timeout = lnurl.get("timeout", 2.0)
        self.stale_after = lnurl.get("stale_after", 1.5)
        self.want_monitor = monitor
        self.monitor_opts = dict(monitor_opts or {})    # e.g. to_unhealthy=3
        self.sims = []
        self.mon = self.resp = self.web = None
        self.table = StatusTable(env.db, self.instance)
        self.session = threading.local()

    # ------------------------------------------------------------------ lifecycle
    def start(self):
        try:
            for i, kind in enumerate(self.kinds):
                self.sims.append(Sim(kind, self.tmp / f"node{i}", inbound_msat=self.inbound[i]))
            for s in self.sims:
                s.spawn()
            for s in self.sims:
                s.ready()
            for s, w, ps in zip(self.sims, self.weights, self.node_parts):
                s.register(self.env.disc, ps, weight=w)
            self.pks = [H.compress_key(s.pk) for s in self.sims]
            if self.want_monitor:
                self.start_monitor()
                slow = 90 if H.wrapper("SWGR_MONITORD_WRAPPER") else 10    # under valgrind
                for s in self.sims:
                    wait_for(lambda s=s: usable(self.table, s.pk), slow, f"{s.kind} checked healthy")
            self.log = self.tmp / "lnurl.log"
            self.config = self.tmp / "lnurl.yaml"
            self.config.write_text(config_text(self.env.db, self.parts, self.instance, self.log,
                                               **self.lnurl))
            self.sock = str(self.tmp / "lnurl.sock")
            start_front(self, self.tmp, self.config, self.sock, ratelimit=self.ratelimit,
                        activate=self.activate)
        except Exception:
            self.stop()
            raise
        return self

    def start_monitor(self, wait=True):
        self.mon = Monitord(self.tmp, self.env.db, self.parts, instance=self.instance,
                            period=self.period, update=self.lnurl.get("update", 0.5),
                            timeout=self.timeout, **self.monitor_opts)
        self.mon.start(wait_heartbeat=wait)
        return self.mon

    def stop(self):
        for f in (lambda: self.web and self.web.stop(),
                  lambda: self.resp and self.resp.terminate(),
                  lambda: self.mon and self.mon.stop()):
            try:
                f()
            except Exception:  # noqa: BLE001 - best effort, keep stopping the rest
                pass
        for s in self.sims:
            s.stop()
        # Leave the shared discovery store as we found it.
        for s in self.sims:
            if s.pk:
                try:
                    self.env.disc.delete(f"/discovery/{s.pk}")
                except requests.RequestException:
                    pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def refresh(self):
        """How often swgr-lnurl re-reads the fleet (libswgr/pay/view.h)."""
        return min(self.lnurl.get("update", 0.5), self.period / 2, 1.0)

    # ------------------------------------------------------------------ wallet side
    def http(self):
        s = getattr(self.session, "s", None)
        if s is None:
            s = self.session.s = requests.Session()
        return s

    def get(self, path, timeout=30):
        return self.http().get(self.base + path, headers={"Host": HOST}, timeout=timeout)

    def offer(self, partition=None, min_sendable=1_000, max_sendable=10**11):
        part = partition or self.part
        m = H.metadata(part, text=f"fleet {part}")
        r = self.env.offers.post("/metadata", m)
        assert r.status_code == 201, r.text
        o = H.offer(part, m["id"], min_sendable=min_sendable, max_sendable=max_sendable)
        r = self.env.offers.post("/offers", o)
        assert r.status_code == 201, r.text
        r = self.get(f"/offers/{part}/{o['id']}")
        assert r.status_code == 200, r.text
        return Offer(part, o["id"], r.json()["metadata"])

    def invoice(self, offer, amount, comment=None):
        """One callback, checked (asserts 200 and a conforming invoice)."""
        return Invoice(self.get(offer.path(amount, comment)), amount, offer.desc_hash)

    def node_of(self, payee):
        return self.pks.index(payee)

    def wait_status(self, i, pred, timeout, what):
        """Polls the status row of node i until pred(row)."""
        return wait_for(lambda: pred(self.table.row(self.sims[i].pk) or {}), timeout, what,
                        interval=0.02)
