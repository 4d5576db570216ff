"""The long-lived processes under valgrind's memcheck: swgr-lnurl (through spawn-fcgi,
SWGR_RESPONDER_WRAPPER) and swgr-monitord (SWGR_MONITORD_WRAPPER) of one LNURL stack of
three nodes (LND, CLN, Eclair), through pay requests, invoices with failover, errors,
bech32, QR and Lightning Addresses (from the offer store and from a real slapd, up and
down); then stopped with SIGTERM.  An invalid read or write, a use of an
uninitialised value, or a definite or indirect leak at exit makes valgrind exit 97
(--error-exitcode) and fails the test, with the report from valgrind's log.  Memory
still reachable at exit (libraries' one-time state) does not count, as in
tests/valgrind.sh.  Skipped for a sanitizer build (valgrind cannot run ASan programs),
without valgrind, and run once, on SQLite (a slow test whose subject is not the store)."""

import json
import re
import shutil

import pytest

import harness as H
from lnurl_stack import HOST, LnurlStack
from nodes import wait_for
from slapd import BASE, Slapd, person

VG_EXIT = 97

pytestmark = [
    pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed"),
    pytest.mark.skipif(H.sanitized_build(), reason="a sanitizer build: valgrind cannot run it"),
]


def valgrind(log):
    return " ".join([
        "valgrind", "--quiet", f"--error-exitcode={VG_EXIT}", "--leak-check=full",
        "--show-leak-kinds=definite,indirect", "--errors-for-leak-kinds=definite,indirect",
        f"--suppressions={H.ROOT / 'tests' / 'valgrind.supp'}", f"--log-file={log}.%p"])


def reports(tmp, name):
    """valgrind's logs of name (one per process), joined."""
    return "".join(p.read_text(errors="replace") for p in sorted(tmp.glob(f"{name}.vg.*")))


@pytest.mark.once     # some two minutes; the drivers are under valgrind in the unit tests
def test_lnurl_and_monitord_clean_under_valgrind(env, monkeypatch):
    tmp = H.make_tmpdir("swgr-valgrind-")
    monkeypatch.setenv("SWGR_RESPONDER_WRAPPER", valgrind(tmp / "lnurl.vg"))
    monkeypatch.setenv("SWGR_MONITORD_WRAPPER", valgrind(tmp / "monitord.vg"))
    # Timeouts for a program that runs some twenty times slower than usual.
    st = LnurlStack(env, weights=[1, 1, 1], timeout=10.0, deadline=40.0, max_elapsed=5.0,
                    stale_after=60.0, period=1.0, update=1.0)
    ldap = Slapd(tmp)
    st.lnurl["directory"] = ldap.yaml([HOST], st.part, refresh=1.0, timeout=5.0)
    try:
        ldap.start()
        ldap.add(BASE)
        st.start()
        o = st.offer()                          # a pay request, through the offer cache
        r = st.get(f"/offers/{o.partition}/{o.id}")
        assert r.status_code == 200 and r.json()["tag"] == "payRequest", r.text
        payees = {st.invoice(o, 1000 + i, comment="vg" if i % 2 else None).payee
                  for i in range(6)}
        assert payees == set(st.pks), payees    # round robin: each kind's client used
        st.sims[0].control(error_rate=1.0)      # failover past a failing node
        try:
            for i in range(3):
                assert st.invoice(o, 2000 + i).payee != st.pks[0]
        finally:
            st.sims[0].control(error_rate=0.0)
        for path, status in ((o.path(0), 400), (f"/offers/{o.partition}/{o.id}/invoice", 400),
                             (o.path(1000, "x" * 500), 400),
                             (f"/offers/{o.partition}/{H.new_uuid()}", 404),
                             (f"/offers/{o.partition}/{o.id}/bech32", 200),
                             (f"/offers/{o.partition}/{o.id}/bech32/qr", 200)):
            r = st.get(path)
            assert r.status_code == status, (path, r.status_code, r.text)
        # a Lightning Address: its binding cached, found, not found, a bad name
        r = env.offers.post("/addresses", {"domain": HOST, "username": "vg",
                                           "partition": o.partition, "offer": o.id})
        assert r.status_code == 201, r.text
        for path, status in (("/.well-known/lnurlp/VG", 200), ("/.well-known/lnurlp/vg+t", 200),
                             ("/.well-known/lnurlp/vg/invoice?amount=1000", 200),
                             ("/.well-known/lnurlp/nobody", 404), ("/.well-known/lnurlp/a!", 400)):
            r = st.get(path)
            assert r.status_code == status, (path, r.status_code, r.text)
        # payer data, a successAction, a POST callback (LUD-18, -09, -26)
        m = dict(H.metadata(o.partition, text="vg lud"),
                 successAction={"tag": "message", "message": "thanks"},
                 payerData={"name": {"mandatory": True}})
        assert env.offers.post("/metadata", m).status_code == 201
        lud = H.offer(o.partition, m["id"])
        assert env.offers.post("/offers", lud).status_code == 201
        cb = f"{st.base}/offers/{o.partition}/{lud['id']}/invoice"
        for body, status in (({"amount": 1000, "payerdata": '{"name":"vg"}'}, 200),
                             ({"amount": 1000}, 400), ({"amount": 1000, "payerdata": {}}, 400),
                             ("[", 400)):
            r = st.http().post(cb, data=body if isinstance(body, str) else json.dumps(body),
                               headers={"Host": HOST, "Content-Type": "application/json"},
                               timeout=30)
            assert r.status_code == status, (body, r.status_code, r.text)
            if status == 200:
                assert r.json()["successAction"]["message"] == "thanks"
        # the directory's: found, not found, bad offer; then standing in while it is down
        ldap.add(person("dir", offer=o.id) + "\n" + person("badoffer", offer="x"))
        for path, status in (("/.well-known/lnurlp/Dir", 200),
                             ("/.well-known/lnurlp/dir/invoice?amount=1000", 200),
                             ("/.well-known/lnurlp/badoffer", 404),
                             ("/.well-known/lnurlp/ghost", 404)):
            r = st.get(path)
            assert r.status_code == status, (path, r.status_code, r.text)
        ldap.stop()
        wait_for(lambda: st.get("/.well-known/lnurlp/ghost").status_code == 503, 30,
                 "the directory's outage seen")
        assert st.get("/.well-known/lnurlp/dir").status_code == 200
        st.web.stop()
        rc_lnurl = st.resp.terminate(timeout=60)
        rc_mon = st.mon.stop(timeout=60)
    finally:
        st.stop()
        ldap.stop()
    lnurl_vg, mon_vg = reports(tmp, "lnurl"), reports(tmp, "monitord")
    try:
        assert rc_lnurl == 0, f"swgr-lnurl under valgrind exited {rc_lnurl}:\n{lnurl_vg[-6000:]}"
        assert rc_mon == 0, f"swgr-monitord under valgrind exited {rc_mon}:\n{mon_vg[-6000:]}"
        # --quiet: valgrind writes only what it found
        for name, text in (("swgr-lnurl", lnurl_vg), ("swgr-monitord", mon_vg)):
            assert not re.search(r"definitely lost|indirectly lost|Invalid (read|write)|"
                                 r"uninitialised", text), f"{name}:\n{text[-6000:]}"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
