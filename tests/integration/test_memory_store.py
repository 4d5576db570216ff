"""The memory store end to end: README says `type: memory` is shared by all of the
suite's processes on a host that read the same configuration file.  Here all four --
swgr-discovery, swgr-offer, swgr-monitord and swgr-lnurl -- read one file with both
stores in memory: nodes registered through the admin API are checked by monitord, whose
status swgr-lnurl reads, and a wallet gets valid invoices from every node (one of each
kind: LND, CLN, Eclair).  Runs in every pass of the suite (it makes its own
configuration, whatever SWGR_TEST_DB is)."""

import shutil
import signal
import sqlite3
import subprocess

import pytest
import requests

import harness as H
from lnurl_stack import HOST, Invoice, Offer, config_text
from nodes import KINDS, Sim, wait_for
from test_lnurl import Front, start_front, stop_front


def test_one_configuration_all_processes_on_the_memory_store(env):
    d = H.make_tmpdir("swgr-memory-e2e-")
    cfg = d / "config.yaml"
    part, instance = f"mem-{H.new_uuid()[:8]}", f"mem-{H.new_uuid()[:8]}"
    logs = {s: d / f"{s}.log" for s in ("discovery", "offer")}
    cfg.write_text(H.admin_sections(env.keys, logs) +
                   config_text(H.Database("memory", d), [part], instance, d / "lnurl.log"))
    H.remove_memory_store(cfg)
    sims, stack, mon, front = [], None, None, Front()
    try:
        for i, kind in enumerate(KINDS):
            sims.append(Sim(kind, d / f"node{i}").start())
        stack = H.Stack(d, cfg).start()
        disc = H.Api(stack.url("discovery"), env.tokens["discovery"])
        offers = H.Api(stack.url("offer"), env.tokens["offer"])
        for s in sims:
            s.register(disc, [part])
        m = H.metadata(part, text="memory store")
        assert offers.post("/metadata", m).status_code == 201
        o = H.offer(part, m["id"], min_sendable=1_000, max_sendable=10**11)
        assert offers.post("/offers", o).status_code == 201

        with open(d / "monitord.stderr", "ab") as err:
            mon = subprocess.Popen([str(H.binary("swgr-monitord")), "-c", str(cfg)],
                                   stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                   start_new_session=True)
        # monitord's status rows are in the same memory store file
        store = H.memory_store_files(cfg)[0]

        def healthy_rows():
            assert mon.poll() is None, (d / "monitord.stderr").read_text()[-2000:]
            con = sqlite3.connect(store, timeout=5)
            try:
                # usable: healthy, with a measured inbound capacity (test_lnurl.usable)
                return con.execute("SELECT count(*) FROM swgr_node_status WHERE instance = ? "
                                   "AND healthy AND inbound_msat IS NOT NULL AND checked_ms > 0",
                                   (instance,)).fetchone()[0]
            finally:
                con.close()
        wait_for(lambda: healthy_rows() == len(sims), 15, "every node usable in the memory store")

        base = start_front(front, d, cfg, str(d / "lnurl.sock")).base
        r = requests.get(base + f"/offers/{part}/{o['id']}", headers={"Host": HOST}, timeout=20)
        assert r.status_code == 200, r.text
        off = Offer(part, o["id"], r.json()["metadata"])
        want = {H.compress_key(s.pk) for s in sims}
        payees = [Invoice(requests.get(base + off.path(5000), headers={"Host": HOST}, timeout=20),
                          5000, off.desc_hash).payee for _ in range(2 * len(sims))]
        if set(payees) != want:     # round-robin over every node
            pytest.fail(f"invoices from {payees}, want each of {want}; healthy rows: "
                        f"{healthy_rows()}; swgr-lnurl's log:\n"
                        f"{(d / 'lnurl.log').read_text()[-3000:]}")
        assert sum(s.state()["counts"]["invoices"] for s in sims) == 2 * len(sims)
    finally:
        stop_front(front)
        if mon and mon.poll() is None:
            mon.send_signal(signal.SIGTERM)
            mon.wait(10)
        if stack:
            stack.stop()
        for s in sims:
            s.stop()
        H.remove_memory_store(cfg)
        shutil.rmtree(d, ignore_errors=True)
