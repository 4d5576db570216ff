"""Our LUD additions on swgr-lnurl (issue 14, part 4), black-box through the run's web
server: an offer's metadata asks for payer data (LUD-18), which the callback checks and
commits to the invoice (description hash = sha256 of metadata + payerdata as received);
a successAction (LUD-09) in the callback's answer, on the callback's domain only;
callbacks POSTed with a JSON body (LUD-26), for offers and Lightning Addresses alike."""

import hashlib
import json
import urllib.parse

import pytest

import harness as H
from test_lnaddr_public import WK, add_address, user
from test_lnurl import HOST, assert_error, decode_invoice, get, svc  # noqa: F401

PUBKEY = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"


def lud_offer(s, success=None, payer=None, **kw):
    """An offer whose metadata carries successAction and payerData (when given)."""
    m = H.metadata(s.part, text=kw.pop("text", "lud"))
    if success is not None:
        m["successAction"] = success
    if payer is not None:
        m["payerData"] = payer
    r = s.env.offers.post("/metadata", m)
    assert r.status_code == 201, r.text
    o = H.offer(s.part, m["id"], **kw)
    r = s.env.offers.post("/offers", o)
    assert r.status_code == 201, r.text
    return o, m


def pay(s, o, host=HOST):
    r = get(s, f"/offers/{s.part}/{o['id']}", host=host)
    assert r.status_code == 200, r.text
    return r.json()


def callback(s, o, amount=5000, host=HOST, **params):
    q = urllib.parse.urlencode(dict(amount=amount, **params))
    return get(s, f"/offers/{s.part}/{o['id']}/invoice?{q}", host=host)


def post(s, path, body, ctype="application/json", host=HOST):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return get(s, path, host=host, method="POST", headers={"Content-Type": ctype}) \
        if data is None else __import__("requests").post(
            s.base + path, data=data, headers={"Host": host, "Content-Type": ctype}, timeout=20)


def hash_of(text):
    return hashlib.sha256(text.encode()).digest()


def test_metadata_round_trip_and_refusals(svc):
    success = {"tag": "url", "description": "your order", "url": f"https://{HOST}/order/1"}
    payer = {"name": {"mandatory": True}, "email": {"mandatory": False}}
    o, m = lud_offer(svc, success=success, payer=payer)
    r = svc.env.offers.get(f"/metadata/{svc.part}/{m['id']}")
    assert r.status_code == 200, r.text
    # ours after the original's members, in one canonical order
    assert r.text == H.compact({"id": m["id"], "partition": svc.part, "text": "lud",
                                "successAction": success,
                                "payerData": {"name": {"mandatory": True},
                                              "email": {"mandatory": False}}})
    r = svc.env.offers.get(f"/offers/{svc.part}/{o['id']}?sparse=false")
    assert r.json()["metadata"]["payerData"]["name"] == {"mandatory": True}
    # a PUT without them drops them
    r = svc.env.offers.put(f"/metadata/{svc.part}/{m['id']}", {"text": "lud"})
    assert r.status_code == 204, r.text
    assert "payerData" not in svc.env.offers.get(f"/metadata/{svc.part}/{m['id']}").json()
    for bad, why in (({"tag": "aes", "message": "x"}, "successAction.tag: 'aes'"),
                     ({"tag": "message", "message": "x" * 145},
                      "successAction.message: expected 1 to 144 characters"),
                     ({"tag": "url", "description": "d", "url": "javascript:alert(1)"},
                      "successAction.url: expected an https:// or http:// URL")):
        r = svc.env.offers.post("/metadata", dict(H.metadata(svc.part), successAction=bad))
        assert r.status_code == 422, (bad, why, r.text)   # the reason is in the unit tests
    r = svc.env.offers.post("/metadata", dict(H.metadata(svc.part),
                                              payerData={"auth": {"mandatory": True}}))
    assert r.status_code == 422, r.text


def test_pay_request_asks_for_payer_data(svc):
    o, _ = lud_offer(svc, payer={"pubkey": {"mandatory": False}, "name": {"mandatory": True}})
    body = pay(svc, o)
    assert list(body)[-1] == "payerData"
    assert body["payerData"] == {"name": {"mandatory": True}, "pubkey": {"mandatory": False}}
    plain, _ = lud_offer(svc)
    assert "payerData" not in pay(svc, plain)


def test_payerdata_committed_to_the_invoice(svc):
    o, _ = lud_offer(svc, payer={"name": {"mandatory": True}, "email": {"mandatory": False},
                                 "pubkey": {"mandatory": False}})
    meta = pay(svc, o)["metadata"]
    # as received, byte for byte: spaces, key order and members not asked for included
    for pd in ('{"name":"Bob"}', '{ "email": "bob@bob.example", "name": "Bob ✓" }',
               json.dumps({"name": "B", "pubkey": PUBKEY, "extra": [1, 2], "auth": {"k1": "00"}})):
        r = callback(svc, o, payerdata=pd)
        assert r.status_code == 200, (pd, r.text)
        inv, _ = decode_invoice(r.json()["pr"])
        assert inv["description_hash"] == hash_of(meta + pd), pd
    for pd, why in (("{}", "payerdata.name: missing, and this pay request asks for it"),
                    ('{"name":"B","email":"nope"}', "payerdata.email: expected an address"),
                    ('{"name":"B","pubkey":"02zz"}', "payerdata.pubkey: expected a compressed"),
                    ('["name"]', "payerdata: expected a JSON object"),
                    ('{"name":"' + "x" * 5000 + '"}', "over the limit of 4096")):
        assert_error(callback(svc, o, payerdata=pd), 400, why)
    assert_error(callback(svc, o), 400, "payerdata.name: missing")       # mandatory, not sent
    q = "amount=5000&payerdata=%7B%7D&payerdata=%7B%7D"
    assert_error(get(svc, f"/offers/{svc.part}/{o['id']}/invoice?{q}"), 400, "more than once")


def test_payerdata_optional_or_not_asked(svc):
    opt, _ = lud_offer(svc, payer={"name": {"mandatory": False}})
    meta = pay(svc, opt)["metadata"]
    r = callback(svc, opt)                               # nothing mandatory: none sent is fine
    assert r.status_code == 200, r.text
    assert decode_invoice(r.json()["pr"])[0]["description_hash"] == hash_of(meta)
    plain, _ = lud_offer(svc)
    meta = pay(svc, plain)["metadata"]
    r = callback(svc, plain, payerdata='{"name":"Bob"}')  # not asked for: not committed
    assert r.status_code == 200, r.text
    assert decode_invoice(r.json()["pr"])[0]["description_hash"] == hash_of(meta)


@pytest.mark.parametrize("success", [
    {"tag": "message", "message": "Thank you ✓ — your bike is unlocked"},
    {"tag": "url", "description": "Your order", "url": f"https://{HOST}/order/7?x=1"},
])
def test_success_action_in_the_callback(svc, success):
    o, _ = lud_offer(svc, success=success)
    r = callback(svc, o)
    assert r.status_code == 200, r.text
    assert list(r.json()) == ["pr", "routes", "successAction"]
    assert r.json()["successAction"] == success
    assert '"successAction":' + H.compact(success) in r.text


def test_success_action_url_only_on_the_callbacks_domain(svc):
    o, _ = lud_offer(svc, success={"tag": "url", "description": "d",
                                   "url": "https://Shop.Example/o/1"})
    assert callback(svc, o).json()["successAction"]["url"] == "https://Shop.Example/o/1"
    r = callback(svc, o, host="other.example")          # another allowed host: left out
    assert r.status_code == 200, r.text
    assert list(r.json()) == ["pr", "routes"]
    wait = "the successAction url of an offer is on shop.example, not on the callback's host " \
        "other.example"
    assert wait in svc.log.read_text()
    # the domain is what counts: a port or a trailing dot on either side does not
    o, _ = lud_offer(svc, success={"tag": "url", "description": "d",
                                   "url": "https://shop.example.:8443/o/2"})
    for host in (HOST, "shop.example:80"):
        assert callback(svc, o, host=host).json()["successAction"]["url"] == \
            "https://shop.example.:8443/o/2", host


def test_post_callbacks(svc):
    o, _ = lud_offer(svc, payer={"name": {"mandatory": True}},
                     success={"tag": "message", "message": "thanks"})
    meta = pay(svc, o)["metadata"]
    path = f"/offers/{svc.part}/{o['id']}/invoice"
    pd = '{"name":"' + "Bob " * 600 + '"}'           # too long for the 256-character name...
    assert_error(post(svc, path, {"amount": 5000, "payerdata": pd}), 400, "payerdata.name")
    pd = '{"name":"Bob","note":"' + "n" * 3000 + '"}'  # ...but a long payerdata is fine
    for amount in (5000, "5000"):
        r = post(svc, path, {"amount": amount, "comment": "hi", "payerdata": pd})
        assert r.status_code == 200, r.text
        assert r.json()["successAction"] == {"tag": "message", "message": "thanks"}
        inv, _ = decode_invoice(r.json()["pr"])
        assert inv["description_hash"] == hash_of(meta + pd)
        assert inv["amount_msat"] == 5000
    for body, status, why in (
            ({"amount": 5000, "payerdata": {"name": "Bob"}}, 400,
             "payerdata in the body: expected the payer data's JSON text as a string"),
            ({"amount": -1, "payerdata": "{}"}, 400, "amount in the body"),
            ({"amount": 1.5}, 400, "amount in the body"),
            ({"comment": "no amount"}, 400, "missing amount"),
            ({"amount": 5000, "payerData": '{"name":"B"}'}, 400,
             "payerData in the body: the parameter is payerdata, in lowercase"),
            ("[5000]", 400, "must be a JSON object"),
            ("{", 400, "must be a JSON object")):
        assert_error(post(svc, path, body), status, why)
    assert_error(post(svc, path, "amount=5000", ctype="application/x-www-form-urlencoded"), 415,
                 "Content-Type application/json")
    assert_error(post(svc, path + "?amount=5000", {"amount": 5000, "payerdata": '{"name":"B"}'}),
                 400, "amount given 2 times")
    r = post(svc, path + "?amount=5000", {"payerdata": '{"name":"B"}'})   # the URL's own kept
    assert r.status_code == 200, r.text
    r = post(svc, path, "x" * 70000)
    assert r.status_code == 413, r.text
    assert r.json()["status"] == "ERROR"
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_address_inherits_and_posts(svc):
    o, _ = lud_offer(svc, payer={"identifier": {"mandatory": True}},
                     success={"tag": "url", "description": "d", "url": f"https://{HOST}/x"})
    name = user()
    add_address(svc, name, o["id"])
    body = get(svc, f"{WK}/{name.upper()}").json()
    assert body["payerData"] == {"identifier": {"mandatory": True}}
    pd = '{"identifier":"alice@wallet.example"}'
    r = post(svc, f"{WK}/{name}/invoice", {"amount": 7000, "payerdata": pd})
    assert r.status_code == 200, r.text
    assert decode_invoice(r.json()["pr"])[0]["description_hash"] == hash_of(body["metadata"] + pd)
    assert r.json()["successAction"]["url"] == f"https://{HOST}/x"
    assert_error(get(svc, f"{WK}/{name}/invoice?amount=7000"), 400, "payerdata.identifier")
