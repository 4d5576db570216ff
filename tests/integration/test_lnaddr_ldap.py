"""Lightning Addresses from an LDAP directory (issue 14, part 3), black-box through the
run's web server with a real slapd (tests/integration/slapd.py) of 1000 users: the
directory's users resolve on its domains as table addresses do (one canonical identity,
the description hash of what was served), an entry's offer from its attribute else the
default offer, the offer store's own addresses first; users added, re-pointed, disabled
and deleted with ldapmodify take effect within one refresh period; while slapd is down the
users already read keep resolving and the log says so."""

import hashlib
import os
import re
import socket
import threading
import time

import pytest

import harness as H
import nodes
from nodes import Fleet, Monitord, wait_for
from slapd import Slapd, person
from test_lnaddr_public import WK, add_address, address_metadata
from test_lnurl import (HOST, assert_error, decode_invoice, get, lnurl_config, make_offer,
                        start_front, stop_front, usable)

USERS = 1000
REFRESH = 2.0           # refresh-secs of the directory
OTHER = "other.example"  # an allowed host that is not one of the directory's domains


class Service:
    pass


def uid(i):
    return f"user{i:04d}"


@pytest.fixture(scope="module")
def dsvc(env, tmp_path_factory):
    nodes.skip_on_memory(env.db)
    s = Service()
    s.env = env
    s.part = f"ld-{H.new_uuid()[:8]}"
    s.instance = f"ldap-{H.new_uuid()[:8]}"
    s.tmp = env.tmp / s.instance
    s.tmp.mkdir()
    s.ldap = Slapd(s.tmp)
    s.fleet = Fleet(s.tmp, 1, kinds=["lnd"])
    s.mon = s.resp = s.web = None
    try:
        s.ldap.start()
        s.default, s.default_m = make_offer(env, s.part, text="default offer")
        s.other, s.other_m = make_offer(env, s.part, text="the odd ones", min_sendable=2_000,
                                        max_sendable=50_000)
        # even users pay the default offer, odd ones the offer their entry names
        ldif = "\n".join(person(uid(i), offer=s.other["id"] if i % 2 else None)
                         for i in range(USERS))
        from slapd import BASE
        s.ldap.add(BASE + "\n" + ldif)
        s.fleet.start()
        s.fleet[0].register(env.disc, [s.part])
        s.mon = Monitord(s.tmp, env.db, [s.part], instance=s.instance)
        s.mon.start()
        table = nodes.StatusTable(env.db, s.instance)
        wait_for(lambda: usable(table, s.fleet[0].pk), 10, "node checked healthy")
        s.log = s.tmp / "lnurl.log"
        s.config = lnurl_config(s.tmp / "lnurl.yaml", env.db, [s.part], s.instance, s.log)
        text = s.config.read_text()
        text = text.replace('"Other.Example"', f'"{OTHER}"')
        text = text.replace("store:\n", "store:\n" + s.ldap.yaml(
            ["Shop.Example"], s.part, default_offer=s.default["id"], refresh=REFRESH), 1)
        s.config.write_text(text)
        s.sock = str(s.tmp / "lnurl.sock")
        start_front(s, s.tmp, s.config, s.sock)
        yield s
    finally:
        stop_front(s)
        if s.mon:
            s.mon.stop()
        s.fleet.stop()
        s.ldap.stop()


def pay_request(s, name, host=HOST):
    r = get(s, f"{WK}/{name}", host=host)
    assert r.status_code == 200, (name, r.text)
    return r.json()


def check_invoice(s, body, amount):
    """The callback of body for amount: an invoice whose hash is that of body's metadata."""
    r = get(s, body["callback"].removeprefix(f"http://{HOST}") + f"?amount={amount}")
    assert r.status_code == 200, r.text
    inv, _ = decode_invoice(r.json()["pr"])
    assert inv["amount_msat"] == amount
    assert inv["description_hash"] == hashlib.sha256(body["metadata"].encode()).digest()


@pytest.mark.parametrize("typed,tag", [("user0042", None), ("User0042", None),
                                       ("USER0042+Tips", "tips")])
def test_directory_user_resolves_canonically(dsvc, typed, tag):
    body = pay_request(dsvc, typed)
    assert body["metadata"] == address_metadata(dsvc.default_m, f"user0042@{HOST}", tag)
    suffix = f"+{tag}" if tag else ""
    assert body["callback"] == f"http://{HOST}{WK}/user0042{suffix}/invoice"
    assert (body["minSendable"], body["maxSendable"]) == (1_000, 1_000_000)
    check_invoice(dsvc, body, 21_000)


def test_entry_names_its_offer(dsvc):
    body = pay_request(dsvc, "user0007")
    assert body["metadata"] == address_metadata(dsvc.other_m, f"user0007@{HOST}")
    assert (body["minSendable"], body["maxSendable"]) == (2_000, 50_000)
    check_invoice(dsvc, body, 3_000)
    r = get(dsvc, f"{WK}/user0007/invoice?amount=60000")   # the entry's offer's bounds
    assert_error(r, 400, "")


def test_every_user_of_the_directory_resolves(dsvc):
    for i in range(USERS):
        body = pay_request(dsvc, uid(i))
        want = dsvc.other_m if i % 2 else dsvc.default_m
        assert body["metadata"] == address_metadata(want, f"{uid(i)}@{HOST}"), uid(i)


def test_unknown_user_and_other_domain_404(dsvc):
    assert_error(get(dsvc, f"{WK}/nobody"), 404, f"not found: nobody@{HOST}")
    assert_error(get(dsvc, f"{WK}/user0001", host=OTHER), 404, f"not found: user0001@{OTHER}")
    assert_error(get(dsvc, f"{WK}/user0001/invoice?amount=5000", host=OTHER), 404,
                 f"not found: user0001@{OTHER}")


def test_offer_store_address_comes_first(dsvc):
    o, m = make_offer(dsvc.env, dsvc.part, text="the table's own")
    add_address(dsvc, "user0010", o["id"])
    wait_for(lambda: get(dsvc, f"{WK}/user0010").json().get("metadata") ==
             address_metadata(m, f"user0010@{HOST}"), 5, "the table's binding served")
    add_address(dsvc, "user0012", o["id"], enabled=False)
    wait_for(lambda: get(dsvc, f"{WK}/user0012").status_code == 404, 5,
             "a disabled table address is not served from the directory")
    assert_error(get(dsvc, f"{WK}/user0012"), 404, f"not found: user0012@{HOST}")


def test_bad_offer_attribute_not_served_and_logged(dsvc):
    dsvc.ldap.add(person("badoffer", offer="not-a-uuid"))
    assert_error(get(dsvc, f"{WK}/badoffer"), 404, f"not found: badoffer@{HOST}")
    wait_for(lambda: "badoffer@shop.example (uid=badoffer,ou=people,dc=example,dc=com): its "
             "employeeNumber is not an offer id" in dsvc.log.read_text(), 5, "the warning")


def within_refresh(s, check, what):
    """check() turns true within one refresh period (and what the machine adds)."""
    t0 = time.monotonic()
    wait_for(check, REFRESH + 2 + H.slack(), what)
    took = time.monotonic() - t0
    assert took <= REFRESH + 1.0 * H.slack(), (what, took)
    return took


@pytest.mark.once
def test_ldapmodify_changes_take_effect_within_one_refresh(dsvc):
    s = dsvc
    name = "newcomer"
    assert_error(get(s, f"{WK}/{name}"), 404, "not found")      # remembered as not found
    s.ldap.add(person(name))
    within_refresh(s, lambda: get(s, f"{WK}/{name}").status_code == 200, "added")
    assert pay_request(s, name)["metadata"] == address_metadata(s.default_m, f"{name}@{HOST}")
    s.ldap.set_attr(name, "employeeNumber", s.other["id"])
    within_refresh(s, lambda: pay_request(s, name)["maxSendable"] == 50_000, "re-pointed")
    s.ldap.set_attr(name, "employeeType", "disabled")
    within_refresh(s, lambda: get(s, f"{WK}/{name}").status_code == 404, "disabled")
    s.ldap.modify(f"dn: uid={name},ou=people,dc=example,dc=com\nchangetype: modify\n"
                  "delete: employeeType\n")
    within_refresh(s, lambda: get(s, f"{WK}/{name}").status_code == 200, "enabled again")
    assert pay_request(s, "user0100")                       # read now, deleted below
    s.ldap.delete("user0100")
    s.ldap.delete(name)
    within_refresh(s, lambda: get(s, f"{WK}/{name}").status_code == 404, "deleted")
    within_refresh(s, lambda: get(s, f"{WK}/user0100").status_code == 404, "deleted too")
    assert_error(get(s, f"{WK}/user0100/invoice?amount=5000"), 404, "not found")


@pytest.mark.once
def test_directory_down_cached_users_keep_resolving(dsvc):
    s = dsvc
    read = [uid(i) for i in range(200, 210)]
    for name in read:
        pay_request(s, name)
    s.ldap.add(person("neverread"))
    s.ldap.stop()
    try:
        time.sleep(REFRESH + 0.5)       # every entry past its refresh: the directory is asked
        for name in read:
            body = pay_request(s, name)
            check_invoice(s, body, 5_000)
        r = get(s, f"{WK}/neverread")           # never read: nothing to stand in
        assert_error(r, 503, "address directory unavailable")
        assert r.headers["Retry-After"] == "5"
        log = s.log.read_text()
        assert re.search(r"the address directory cannot be read \(.*ldap://127\.0\.0\.1:"
                         rf"{s.ldap.port}.*\): addresses read in the last 3600 s are served "
                         "as last read", log), log[-2000:]
        assert "swgr-bind-secret" not in log
    finally:
        s.ldap.start()
    wait_for(lambda: get(s, f"{WK}/neverread").status_code == 200, 5, "the directory is back")
    wait_for(lambda: "the address directory answers again" in s.log.read_text(), 5, "logged")


class Front:
    resp = web = base = None


def other_front(s, name, env=None, **yaml_args):
    """A second swgr-lnurl on s's stores whose directory section has yaml_args (with
    environment variables env besides the test's own)."""
    f = Front()
    f.tmp = s.tmp / name
    f.tmp.mkdir()
    f.log = f.tmp / "lnurl.log"
    text = s.config.read_text().replace(str(s.log), str(f.log))
    start = text.index("  address-directory:\n")
    end = text.index("  discover:\n")
    text = text[:start] + s.ldap.yaml(["Shop.Example"], s.part, default_offer=s.default["id"],
                                      refresh=REFRESH, **yaml_args) + text[end:]
    (f.tmp / "lnurl.yaml").write_text(text)
    if env is not None:
        env = dict(os.environ, **env)
    return start_front(f, f.tmp, f.tmp / "lnurl.yaml", str(f.tmp / "lnurl.sock"), env=env)


@pytest.mark.once
def test_refused_bind_is_503_and_logged_without_the_password(dsvc):
    wrong = dsvc.tmp / "wrong.password"
    wrong.write_text("not-the-password\n")
    f = other_front(dsvc, "wrongpw", password_file=wrong)
    try:
        r = get(f, f"{WK}/user0001")
        assert_error(r, 503, "address directory unavailable")
        log = f.log.read_text()
        assert "binding to " + dsvc.ldap.uri + " as cn=swgr,dc=example,dc=com: Invalid " \
            "credentials" in log, log[-2000:]
        assert "not-the-password" not in log
    finally:
        stop_front(f)


@pytest.mark.once
def test_hung_directory_costs_one_timeout(dsvc):
    """A server that accepts and never answers: the lookup gives up after timeout-secs."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    held = []
    stop = threading.Event()

    def accept():
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except OSError:
                pass
    t = threading.Thread(target=accept, daemon=True)
    t.start()
    f = None
    try:
        f = other_front(dsvc, "hung", uri=f"ldap://127.0.0.1:{srv.getsockname()[1]}",
                        timeout=1.0)
        # The first lookups of many names at once do not queue behind each other past
        # timeout-secs: each ends within its own deadline, busy (503) if it waited it out.
        done = []

        def one(name):
            t = time.monotonic()
            r = get(f, f"{WK}/{name}")
            done.append((r.status_code, r.json()["reason"], time.monotonic() - t))
        ts = [threading.Thread(target=one, args=(uid(i),)) for i in range(500, 506)]
        for x in ts:
            x.start()
        for x in ts:
            x.join()
        assert len(done) == 6
        for status, reason, secs in done:
            assert status == 503, (status, reason)
            assert "address directory unavailable" in reason or "service busy" in reason, done
            assert secs <= 1.0 + 1.0 * H.slack(), done
        assert any("service busy" in reason for _, reason, _ in done), done
        assert held, "the lookups reached the server"
        time.sleep(1.2)                 # the next probe is due: it costs one timeout
        t0 = time.monotonic()
        assert_error(get(f, f"{WK}/user0001"), 503, "address directory unavailable")
        took = time.monotonic() - t0
        assert 0.9 <= took <= 1.0 + 1.0 * H.slack(), took
        t0 = time.monotonic()           # asked again at most once a second, not per request
        assert_error(get(f, f"{WK}/user0002"), 503, "address directory unavailable")
        assert time.monotonic() - t0 < 0.5
    finally:
        if f is not None:
            stop_front(f)
        stop.set()
        t.join()
        for c in held:
            c.close()
        srv.close()


@pytest.mark.once
def test_ldaps_verifies_the_server_certificate(dsvc):
    """ldaps:// to a server whose certificate a test CA signed: served when the CA is
    trusted (LDAPTLS_CACERT, OpenLDAP's own variable), refused when it is not."""
    tls = Slapd(dsvc.tmp, tls=True)
    f = g = None
    try:
        tls.start()
        from slapd import BASE
        tls.add(BASE + "\n" + person("tlsuser"))
        tls.password_file = dsvc.ldap.password_file
        f = other_front(dsvc, "ldaps-trusted", env={"LDAPTLS_CACERT": str(tls.ca)},
                        uri=tls.ldaps_uri)
        body = pay_request(f, "tlsuser")
        assert body["metadata"] == address_metadata(dsvc.default_m, f"tlsuser@{HOST}")
        g = other_front(dsvc, "ldaps-untrusted", uri=tls.ldaps_uri)
        assert_error(get(g, f"{WK}/tlsuser"), 503, "address directory unavailable")
        log = g.log.read_text()
        assert f"binding to {tls.ldaps_uri} as cn=swgr,dc=example,dc=com: Can't contact " \
            "LDAP server" in log, log[-2000:]
    finally:
        for x in (f, g):
            if x is not None:
                stop_front(x)
        tls.stop()
