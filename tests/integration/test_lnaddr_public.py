"""Lightning Addresses on swgr-lnurl (issue 14, part 2), black-box through the run's web
server: GET /.well-known/lnurlp/<username>[+<tag>] and its callback (LUD-16), the
offer's pay request under the address's canonical identity whatever the case of the
request, invoices whose description hash is that of the metadata served, and a JSON
answer for every bad name, unknown or disabled user."""

import hashlib
import http.client
import json

import pytest

import harness as H
from nodes import wait_for
from test_lnurl import (HOST, NOCACHE, assert_error, decode_invoice, expected_metadata, get,
                        make_offer, svc)  # noqa: F401 (svc: the module's service fixture)

WK = "/.well-known/lnurlp"


def add_address(s, username, offer_id, domain=HOST, part=None, enabled=None):
    a = {"domain": domain, "username": username, "partition": part or s.part, "offer": offer_id}
    if enabled is not None:
        a["enabled"] = enabled
    r = s.env.offers.post("/addresses", a)
    assert r.status_code == 201, r.text
    return a


def address_metadata(m, ident, tag=None):
    """The offer's metadata with its own identifier replaced by the address's."""
    v = json.loads(expected_metadata(dict(m, identifier=None)))
    v.append(["text/identifier", ident])
    if tag is not None:
        v.append(["text/tag", tag])
    return H.compact(v)


def user():
    return "u" + H.new_uuid()[:8]


def test_pay_request_exact(svc):
    o, m = make_offer(svc.env, svc.part, text='tips "for" Alice ✓', long_text="long",
                      image={"png": "AAE="}, identifier={"email": "Shop <shop@shop.example>"})
    name = user()
    add_address(svc, name.upper(), o["id"])
    r = get(svc, f"{WK}/{name}")
    assert r.status_code == 200, r.text
    meta = address_metadata(m, f"{name}@{HOST}")
    assert "text/email" not in meta, "the offer's own identifier is replaced, not repeated"
    want = H.compact({"callback": f"http://{HOST}{WK}/{name}/invoice",
                      "maxSendable": 1_000_000, "minSendable": 1_000, "tag": "payRequest",
                      "metadata": meta, "commentAllowed": 10})
    assert r.content == want.encode()
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert r.headers["Vary"] == "Host"
    for k, v in NOCACHE.items():   # an address can be re-bound or disabled at any time
        assert r.headers[k] == v


@pytest.mark.parametrize("typed,host,tag", [
    ("{u}", HOST, None), ("{U}", HOST, None), ("{T}", "SHOP.Example:80", None),
    ("{U}+TIPS", HOST, "tips"), ("{u}+a.b-c_d", HOST.upper(), "a.b-c_d"),
])
def test_one_canonical_identity_and_its_hash(svc, typed, host, tag):
    o, m = make_offer(svc.env, svc.part, text="coffee", identifier={"text": "bob@shop.example"})
    name = user()
    add_address(svc, name, o["id"])
    path = WK + "/" + typed.format(u=name, U=name.upper(), T=name.title())
    r = get(svc, path, host=host)
    assert r.status_code == 200, (path, r.text)
    body = r.json()
    served = body["metadata"]
    assert served == address_metadata(m, f"{name}@{HOST}", tag)
    suffix = f"+{tag}" if tag else ""
    assert body["callback"] == f"http://{HOST}{WK}/{name}{suffix}/invoice"
    # the callback as the wallet calls it: the description hash is that of what it was served
    cb = body["callback"].removeprefix(f"http://{HOST}")
    for amount in (1_000, 77_777):
        r = get(svc, f"{cb}?amount={amount}", host=host)
        assert r.status_code == 200, r.text
        assert list(r.json()) == ["pr", "routes"]
        inv, _ = decode_invoice(r.json()["pr"])
        assert inv["amount_msat"] == amount
        assert inv["description_hash"] == hashlib.sha256(served.encode()).digest()
        for k, v in NOCACHE.items():
            assert r.headers[k] == v
    # the callback typed in another case is the same address with the same hash
    r = get(svc, path + "/invoice?amount=5000", host=host)
    assert r.status_code == 200, r.text
    assert decode_invoice(r.json()["pr"])[0]["description_hash"] == \
        hashlib.sha256(served.encode()).digest()


def test_default_address_underscore(svc):
    o, m = make_offer(svc.env, svc.part2)
    assert_error(get(svc, f"{WK}/_"), 404, f"not found: _@{HOST}")
    add_address(svc, "_", o["id"], part=svc.part2)
    # "not found" is remembered for a second: then the new address is served
    wait_for(lambda: get(svc, f"{WK}/_").status_code == 200, 5, "the default address")
    r = get(svc, f"{WK}/_")
    assert r.json()["metadata"] == address_metadata(m, f"_@{HOST}")
    assert r.json()["callback"] == f"http://{HOST}{WK}/_/invoice"


def test_unknown_disabled_and_unserved_are_404_json(svc):
    o, _ = make_offer(svc.env, svc.part)
    off, other = user(), user()
    add_address(svc, off, o["id"], enabled=False)
    # an address of a partition this instance does not serve
    m2 = H.metadata("elsewhere")
    assert svc.env.offers.post("/metadata", m2).status_code == 201
    o2 = H.offer("elsewhere", m2["id"])
    assert svc.env.offers.post("/offers", o2).status_code == 201
    add_address(svc, other, o2["id"], part="elsewhere")
    for name in (user(), off, other):
        for suffix in ("", "/invoice?amount=5000", "+tag"):
            r = get(svc, f"{WK}/{name}{suffix}")
            assert_error(r, 404, f"not found: {name}@{HOST}")
    # enabled again: served within the cache's second
    r = svc.env.offers.put(f"/addresses/{HOST}/{off}", {"partition": svc.part, "offer": o["id"],
                                                        "enabled": True})
    assert r.status_code == 204, r.text
    wait_for(lambda: get(svc, f"{WK}/{off}").status_code == 200, 5, "re-enabled address")


@pytest.mark.parametrize("name,why", [
    ("a" * 65, "username"), ("al!ce", "username"), ("al%20ce", "username"),
    ("%2e%2e", "username"), ("%2E.", "username"), (".alice", "username"),
    ("alice.", "username"), ("al%2Fce", "username"), ("alice+", "tag"),
    ("alice+t+u", "tag"), ("+tips", "username"), ("alice+" + "t" * 65, "tag"),
    ("%C3%A9", "username"), ("alice%2Btips+%2B", "tag"),
])
def test_bad_names_are_400_json(svc, name, why):
    for suffix in ("", "/invoice?amount=5000"):
        assert_error(get(svc, f"{WK}/{name}{suffix}"), 400, f"invalid {why}")


def raw_get(s, path):
    """GET with the path exactly as written (no client-side dot-segment removal)."""
    port = int(s.base.rsplit(":", 1)[1])
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        c.putheader("Host", HOST)
        c.endheaders()
        r = c.getresponse()
        return r.status, r.getheader("Content-Type"), r.read()
    finally:
        c.close()


@pytest.mark.parametrize("path", [
    f"{WK}/..", f"{WK}/../x", f"{WK}/./alice/..", f"{WK}/", WK, f"{WK}/alice/invoice/x",
    f"{WK}/%00", f"{WK}/alice%00", f"{WK}//alice",
])
def test_odd_paths_answer_json(svc, path):
    status, ctype, body = raw_get(svc, path)
    assert 400 <= status < 500, (path, status, body)
    assert ctype == "application/json", (path, status, ctype, body)
    v = json.loads(body)
    assert v["status"] == "ERROR" and v["reason"], (path, v)


def test_callback_checks(svc):
    o, _ = make_offer(svc.env, svc.part, min_sendable=1_000, max_sendable=2_000)
    name = user()
    add_address(svc, name, o["id"])
    p = f"{WK}/{name}/invoice"
    assert_error(get(svc, p), 400, "missing amount")
    assert_error(get(svc, p + "?amount=999"), 400, "outside valid range [1000, 2000]")
    assert_error(get(svc, p + "?amount=1000&comment=" + "x" * 11), 400, "10")
    assert get(svc, p + "?amount=1000&comment=hello").status_code == 200
    assert_error(get(svc, f"{WK}/{name}", host="evil.example"), 400, "host not allowed")
    assert_error(get(svc, f"{WK}/{name}", host="[::1]"), 400, "not a domain name")
