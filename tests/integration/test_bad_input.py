"""Hostile and malformed input (spec 2, 5, 7): the responders answer 4xx, store strings
verbatim, never answer 5xx and never crash (conftest checks they are alive after
every test)."""

import json
from urllib.parse import quote

import pytest

import harness as H
import web
from harness import backend, compact, metadata, new_uuid, offer

LIMIT = 2 * 1024 * 1024

# (service, method, path, valid body builder)
def _routes(part):
    pk = H.node_key()
    mid, oid = new_uuid(), new_uuid()
    return [
        ("disc", "POST", "/discovery", lambda: backend()),
        ("disc", "PUT", f"/discovery/{pk}", lambda: {k: v for k, v in backend().items() if k != "publicKey"}),
        ("disc", "PATCH", f"/discovery/{pk}", lambda: {"weight": 2}),
        ("offers", "POST", "/metadata", lambda: metadata(part)),
        ("offers", "PUT", f"/metadata/{part}/{mid}", lambda: {"text": "t"}),
        ("offers", "POST", "/offers", lambda: offer(part, mid)),
        ("offers", "PUT", f"/offers/{part}/{oid}",
         lambda: {"maxSendable": 1, "minSendable": 1, "metadataId": mid, "timestamp": "2024-01-01T00:00:00Z"}),
    ]


ROUTE_IDS = ["POST discovery", "PUT discovery", "PATCH discovery", "POST metadata", "PUT metadata",
             "POST offers", "PUT offers"]


def call(env, svc, method, path, **kw):
    return getattr(env, svc).request(method, path, **kw)


def no_5xx(r):
    assert r.status_code < 500, (r.status_code, r.text[:200])


# ----------------------------------------------------------------------------- content type

@pytest.mark.parametrize("i", range(len(ROUTE_IDS)), ids=ROUTE_IDS)
@pytest.mark.parametrize("ctype", [None, "text/plain", "application/x-www-form-urlencoded", "application/jsonx",
                                   "json", "multipart/form-data; boundary=x"])
def test_wrong_content_type_415(env, part, i, ctype):
    svc, method, path, body = _routes(part)[i]
    r = call(env, svc, method, path, data=compact(body()).encode(), ctype=ctype)
    assert r.status_code == 415, (ctype, r.status_code)


@pytest.mark.parametrize("ctype", ["application/json; charset=utf-8", "application/vnd.swgr+json",
                                   "Application/JSON"])
def test_json_content_types_accepted(env, ctype):
    b = backend()
    r = env.disc.post("/discovery", data=compact(b).encode(), ctype=ctype)
    assert r.status_code == 201, (ctype, r.status_code)


# ----------------------------------------------------------------------------- syntax: 400

MALFORMED = [b"", b"{", b"}", b'{"a":}', b"[1,]", b"nul", b"{} x", b"{'a':1}", b'{"a":1,}',
             b'{"a" 1}', b"\xff\xfe", b'{"name":"\xff"}', b'{"a":01}', b"NaN", b'{"a":"unterminated}',
             b'{"a":"\x01"}']


@pytest.mark.parametrize("i", range(len(ROUTE_IDS)), ids=ROUTE_IDS)
def test_malformed_json_400(env, part, i):
    svc, method, path, _ = _routes(part)[i]
    for raw in MALFORMED:
        r = call(env, svc, method, path, data=raw)
        assert r.status_code == 400, (raw, r.status_code)


def test_lone_surrogate_rejected(env):
    b = compact(backend())[:-1] + ',"x":1}'
    r = env.disc.post("/discovery", data=b.replace('"name":"', '"name":"\\ud800').encode())
    # serde_json refuses a lone surrogate while parsing: a syntax error (spec 2: 400)
    assert r.status_code == 400, r.status_code


# ----------------------------------------------------------------------------- shape: 422

def _with(d, **kw):
    d = dict(d)
    for k, v in kw.items():
        if v is DEL:
            d.pop(k, None)
        else:
            d[k] = v
    return d


DEL = object()

BAD_BACKENDS = {
    "array": [],
    "string": "x",
    "number": 5,
    "null": None,
    "missing publicKey": dict(publicKey=DEL),
    "missing partitions": dict(partitions=DEL),
    "missing weight": dict(weight=DEL),
    "missing enabled": dict(enabled=DEL),
    "weight string": dict(weight="1"),
    "weight negative": dict(weight=-1),
    "weight float": dict(weight=1.5),
    "weight 1.0": dict(weight=1.0),
    "weight huge": dict(weight=2**64),
    "enabled string": dict(enabled="true"),
    "enabled number": dict(enabled=1),
    "partitions string": dict(partitions="default"),
    "partitions numbers": dict(partitions=[1]),
    "partitions null item": dict(partitions=[None]),
    "name number": dict(name=5),
    "publicKey number": dict(publicKey=5),
    "publicKey null": dict(publicKey=None),
    "publicKey not on curve": dict(publicKey="02" + "00" * 32),
    "publicKey x >= p": dict(publicKey="03" + "ff" * 32),
    "publicKey uncompressed not on curve": dict(publicKey="04" + "01" * 64),
    "publicKey short": dict(publicKey="02" + "11" * 31),
    "publicKey long": dict(publicKey="02" + "11" * 33),
    "publicKey non-hex": dict(publicKey="0g" + "11" * 32),
    "publicKey with 0x": dict(publicKey="0x" + "11" * 32),
    "publicKey empty": dict(publicKey=""),
    "publicKey bad prefix": dict(publicKey="07" + "11" * 32),
    "publicKey spaces": dict(publicKey=" " + H.node_key()),
}


@pytest.mark.parametrize("case", list(BAD_BACKENDS))
def test_bad_backend_422(disc, case):
    spec = BAD_BACKENDS[case]
    body = _with(backend(), **spec) if isinstance(spec, dict) else spec
    e0 = H.etag(disc)
    r = disc.post("/discovery", body)
    assert r.status_code == 422, (case, r.status_code)
    assert H.etag(disc) == e0
    if isinstance(spec, dict) and "publicKey" not in spec:
        sp = {k: v for k, v in body.items() if k != "publicKey"}
        r = disc.put(f"/discovery/{H.node_key()}", sp)
        assert r.status_code == 422, (case, "PUT", r.status_code)


@pytest.mark.parametrize("body", [{"weight": "2"}, {"weight": -2}, {"enabled": "yes"}, {"partitions": "a"},
                                  {"name": 1}, [], "x", None, {"partitions": [1]}])
def test_bad_patch_422(disc, body):
    b = backend()
    assert disc.post("/discovery", b).status_code == 201
    r = disc.patch(f"/discovery/{b['publicKey']}", body)
    assert r.status_code == 422, (body, r.status_code)


BAD_OFFERS = {
    "missing partition": dict(partition=DEL),
    "missing id": dict(id=DEL),
    "missing maxSendable": dict(maxSendable=DEL),
    "missing minSendable": dict(minSendable=DEL),
    "missing metadataId": dict(metadataId=DEL),
    "missing timestamp": dict(timestamp=DEL),
    "id not uuid": dict(id="not-a-uuid"),
    "id empty": dict(id=""),
    "id too long": dict(id=new_uuid() + "0"),
    "id number": dict(id=5),
    "metadataId not uuid": dict(metadataId="zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"),
    "partition number": dict(partition=5),
    "maxSendable negative": dict(maxSendable=-1),
    "maxSendable float": dict(maxSendable=1.5),
    "maxSendable 2^64": dict(maxSendable=2**64),
    "maxSendable string": dict(maxSendable="10"),
    "minSendable null": dict(minSendable=None),
    "minSendable 0": dict(minSendable=0),
    "min over max": dict(minSendable=2_000, maxSendable=1_999),
    "maxSendable over 21M BTC": dict(maxSendable=2_100_000_000_000_000_001),
    "maxSendable 2^63": dict(maxSendable=2**63),
    "timestamp date only": dict(timestamp="2024-01-01"),
    "timestamp no offset": dict(timestamp="2024-01-01T00:00:00"),
    "timestamp words": dict(timestamp="yesterday"),
    "timestamp number": dict(timestamp=1700000000),
    "timestamp bad month": dict(timestamp="2024-13-01T00:00:00Z"),
    "timestamp bad day": dict(timestamp="2023-02-29T00:00:00Z"),
    "expires bad": dict(expires="2024-01-01 00:00"),
    "metadata invalid": dict(metadata={"longText": "no text field"}),
    "metadata bad image": dict(metadata={"text": "t", "image": {"png": "!!"}}),
}


@pytest.mark.parametrize("case", list(BAD_OFFERS))
def test_bad_offer_422(offers, part, case):
    m = metadata(part)
    assert offers.post("/metadata", m).status_code == 201
    body = _with(offer(part, m["id"]), **BAD_OFFERS[case])
    r = offers.post("/offers", body)
    assert r.status_code == 422, (case, r.status_code)
    if case not in ("missing partition", "missing id", "id not uuid", "id empty", "id too long", "id number",
                    "partition number"):
        sp = {k: v for k, v in body.items() if k not in ("partition", "id")}
        r = offers.put(f"/offers/{part}/{new_uuid()}", sp)
        assert r.status_code == 422, (case, "PUT", r.status_code)
    assert offers.get(f"/offers/{part}").text == "[]"


BAD_METADATA = {
    "missing text": dict(text=DEL),
    "text number": dict(text=5),
    "text null": dict(text=None),
    "longText number": dict(longText=5),
    "id not uuid": dict(id="123"),
    "image string": dict(image="AAE="),
    "image both": dict(image={"png": "AAE=", "jpeg": "AAE="}),
    "image other kind": dict(image={"gif": "AAE="}),
    "image empty object": dict(image={}),
    "image missing padding": dict(image={"png": "AAE"}),
    "image bad chars": dict(image={"png": "AA*="}),
    "image urlsafe alphabet": dict(image={"png": "-_8="}),
    "image too much padding": dict(image={"png": "AA===="}),
    "image number": dict(image={"png": 5}),
    "image inner whitespace": dict(image={"jpeg": "AA E="}),
    "identifier string": dict(identifier="a@b.c"),
    "identifier both": dict(identifier={"email": "a@b.c", "text": "a@b.c"}),
    "identifier other kind": dict(identifier={"phone": "a@b.c"}),
    "email no at": dict(identifier={"email": "no-at-sign"}),
    "email empty local": dict(identifier={"email": "@example.com"}),
    "email empty domain": dict(identifier={"email": "user@"}),
    "email space": dict(identifier={"email": "us er@example.com"}),
    "email double dot": dict(identifier={"email": "a..b@example.com"}),
    "email leading dot": dict(identifier={"email": ".a@example.com"}),
    "email local 65": dict(identifier={"email": "a" * 65 + "@example.com"}),
    "email label 64": dict(identifier={"email": "a@" + "b" * 64 + ".com"}),
    "email label hyphen": dict(identifier={"email": "a@-example.com"}),
    "email empty label": dict(identifier={"email": "a@example..com"}),
    "text identifier invalid": dict(identifier={"text": "not an address"}),
    "email empty": dict(identifier={"email": ""}),
}


@pytest.mark.parametrize("case", list(BAD_METADATA))
def test_bad_metadata_422(offers, part, case):
    body = _with(metadata(part), **BAD_METADATA[case])
    r = offers.post("/metadata", body)
    assert r.status_code == 422, (case, r.status_code)
    if case not in ("id not uuid",):
        sp = {k: v for k, v in body.items() if k not in ("partition", "id")}
        r = offers.put(f"/metadata/{part}/{new_uuid()}", sp)
        assert r.status_code == 422, (case, "PUT", r.status_code)
    assert offers.get(f"/metadata/{part}").text == "[]"


GOOD_IDENTIFIERS = [
    {"email": "user@localhost"},
    {"email": "a.b+c@example.co.uk"},
    {"text": "o'brien%_{}|~#$&*=?^`!@example.com"},
    {"email": "\"quoted local\"@example.com"},
    {"email": "Name <local@example.com>"},
    {"email": "user@[127.0.0.1]"},
    {"text": "\u00fcser@ex\u00e4mple.com"},
    {"email": "a" * 64 + "@example.com"},
]


@pytest.mark.parametrize("ident", GOOD_IDENTIFIERS, ids=[next(iter(i.values()))[:20] for i in GOOD_IDENTIFIERS])
def test_good_identifier_stored_verbatim(offers, part, ident):
    m = metadata(part, identifier=ident)
    r = offers.post("/metadata", m)
    assert r.status_code == 201, (ident, r.status_code)
    assert json.loads(offers.get(f"/metadata/{part}/{m['id']}").text)["identifier"] == ident


@pytest.mark.parametrize("img", [{"png": ""}, {"png": "AA=="}, {"jpeg": "AAEC"}, {"png": "+/+/"}])
def test_good_images_round_trip(offers, part, img):
    m = metadata(part, image=img)
    assert offers.post("/metadata", m).status_code == 201
    assert json.loads(offers.get(f"/metadata/{part}/{m['id']}").text)["image"] == img


# ----------------------------------------------------------------------------- body size

def _padded_metadata(part, size):
    m = metadata(part, text="")
    base = len(compact(m).encode())
    m["text"] = "x" * (size - base)
    data = compact(m).encode()
    assert len(data) == size
    return m, data


def test_body_at_limit_accepted(offers, part):
    m, data = _padded_metadata(part, LIMIT)
    r = offers.post("/metadata", data=data)
    assert r.status_code == 201, r.status_code
    g = offers.get(f"/metadata/{part}/{m['id']}")
    assert len(json.loads(g.text)["text"]) == len(m["text"])


@pytest.mark.parametrize("size", [LIMIT + 1, LIMIT + 100_000])
def test_body_over_limit_413(env, part, size):
    m, data = _padded_metadata(part, size)
    r = env.offers.post("/metadata", data=data)
    assert r.status_code == 413, r.status_code
    assert env.offers.get(f"/metadata/{part}/{m['id']}").status_code == 404
    b = backend()
    raw = compact(b)[:-1] + ',"pad":"' + "y" * size + '"}'
    r = env.disc.post("/discovery", data=raw.encode())
    assert r.status_code == 413
    assert env.disc.get(f"/discovery/{b['publicKey']}").status_code == 404


def test_chunked_body_over_limit_413(env, part):
    m, data = _padded_metadata(part, LIMIT + 1000)

    def gen():
        for i in range(0, len(data), 65536):
            yield data[i:i + 65536]

    r = env.offers.s.post(env.offers.base + "/metadata", data=gen(),
                          headers={"Authorization": f"Bearer {env.tokens['offer']}",
                                   "Content-Type": "application/json"})
    assert r.status_code == 413, r.status_code


def test_body_over_web_server_limit_413(env):
    r = env.disc.post("/discovery", data=b"x" * (4 * 1024 * 1024))
    assert r.status_code == 413


def test_body_on_get_is_ignored(env):
    r = env.disc.request("GET", "/discovery", data=b"{not json")
    assert r.status_code == 200


# ----------------------------------------------------------------------------- odd requests

@pytest.mark.parametrize("method", ["FOO", "OPTIONS", "TRACE", "CONNECT"])
def test_odd_methods_never_5xx(env, method):
    if method == "FOO":
        web.skip_if_lacking("unknown-method")
    for api, path in ((env.disc, "/discovery"), (env.offers, "/metadata")):
        r = api.request(method, path)
        no_5xx(r)
        if method == "CONNECT" and web.lacks("connect-path"):
            assert r.status_code == 400, (method, r.status_code)      # the server's own
            continue
        # a known path with a method it has no route for: 405 (spec 2)
        assert r.status_code == 405, (method, r.status_code)


def test_percent_encoding_garbage_never_5xx(env):
    # spec 7: a public key in the path that is not one is 400; spec 8: a non-UUID id is
    # 404 (a malformed escape such as %zz stays literal text, as percent_encoding keeps
    # it); a NUL byte (%00) in a path is refused with 400 (by nginx and lighttpd, before any
    # responder; Apache answers 404 itself).
    nul = 404 if web.lacks("nul-400") else 400
    for path, want in (("/discovery/%zz", 400), ("/discovery/%", 400), ("/discovery/%00", nul),
                       ("/discovery/%C3%28", 400), ("/offers/%zz/x", 404), ("/offers/%/%", 404),
                       ("/metadata/%00/%00", nul), ("/metadata/%zz/%zz", 404),
                       ("/offers/p/%00", nul)):
        api = env.disc if path.startswith("/discovery") else env.offers
        r = api.get(path)
        no_5xx(r)
        assert r.status_code == want, (path, r.status_code)


def test_raw_requests_never_5xx(env):
    port = env.stack.web.ports["discovery"]
    tok = env.tokens["discovery"]
    reqs = [
        f"GET /discovery?%%%=%%% HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\nConnection: close\r\n\r\n",
        f"GET /discovery HTTP/1.0\r\nAuthorization: Bearer {tok}\r\n\r\n",
        f"POST /discovery HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\nContent-Type: application/json\r\n"
        f"Content-Length: 4\r\nConnection: close\r\n\r\n{{\"a\"",
        f"GET /discovery HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\nAuthorization: Bearer x\r\n"
        f"Connection: close\r\n\r\n",
        f"GET /discovery HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer  {tok}\r\nConnection: close\r\n\r\n",
    ]
    for raw in reqs:
        status, _, _ = H.raw_http(port, raw.encode())
        assert 200 <= status < 500, (raw[:60], status)


# ----------------------------------------------------------------------------- SQL metacharacters

NASTY = ["'", '"', ";", "--", "\\", "%", "_", "%_%", "x'); DROP TABLE discovery_backend; --",
         "Robert'); DROP TABLE offer_record_table;--", "1' OR '1'='1", "\\'; SELECT pg_sleep(5); --",
         "' UNION SELECT * FROM offer_metadata_table --", "${HOME} $(id) `id`", "a\tb\nc\r",
         "\u00fcn\u00efc\u00f8d\u00e9 \u2603 \U0001F600", "\u202e\u200b", "<script>alert(1)</script>",
         "{\"json\": [1]}", "a/b", "a?b#c", "a+b c", "%2F", "."]


def test_sql_metacharacters_in_backend_fields(disc):
    for s in NASTY:
        b = backend(name=s, partitions=[s, s + "2", "default"])
        r = disc.post("/discovery", b)
        assert r.status_code == 201, (s, r.status_code)
        got = json.loads(disc.get(f"/discovery/{b['publicKey']}").text)
        assert got["name"] == s
        assert got["partitions"] == sorted({s, s + "2", "default"}, key=lambda x: x.encode())
        r = disc.patch(f"/discovery/{b['publicKey']}", {"name": s + s, "partitions": [s]})
        assert r.status_code == 204
        got = json.loads(disc.get(f"/discovery/{b['publicKey']}").text)
        assert (got["name"], got["partitions"]) == (s + s, [s])
    # tables still there, etag still works
    assert disc.get("/discovery").status_code == 200
    H.etag(disc)


def test_sql_metacharacters_in_metadata_and_offers(offers, part):
    ident = {"email": "o'brien%_{}|~@example.com"}
    for i, s in enumerate(NASTY):
        # offer partitions: created with PUT (a POST answers with a Location header,
        # which cannot carry control characters); every path segment percent-encoded
        p = part + s
        pe = quote(p, safe="")
        mid, oid = new_uuid(), new_uuid()
        r = offers.put(f"/metadata/{pe}/{mid}", {"text": s, "longText": s * 3, "identifier": ident})
        assert r.status_code == 201, (s, r.status_code)
        r = offers.put(f"/offers/{pe}/{oid}", {"maxSendable": 5, "minSendable": 1, "metadataId": mid,
                                               "timestamp": "2024-01-01T00:00:00Z"})
        assert r.status_code == 201, (s, r.status_code)
        g = offers.get(f"/metadata/{pe}/{mid}")
        assert g.status_code == 200, s
        assert json.loads(g.text) == {"id": mid, "partition": p, "text": s, "longText": s * 3,
                                      "identifier": ident}
        g = offers.get(f"/offers/{pe}/{oid}?sparse=false")
        assert g.status_code == 200, s
        got = json.loads(g.text)
        assert (got["partition"], got["metadata"]["text"]) == (p, s)
        lst = json.loads(offers.get(f"/offers/{pe}").text)
        assert [o["id"] for o in lst] == [oid], s
        assert [m["id"] for m in json.loads(offers.get(f"/metadata/{pe}").text)] == [mid]
    # the partition list of an unrelated, similar-looking partition stays empty (no LIKE matching)
    assert offers.get(f"/offers/{quote(part + '%', safe='')}x").text == "[]"
    assert offers.get("/offers/" + quote("%", safe="")).status_code == 200


@pytest.mark.parametrize("s", ["'", "x'); DROP TABLE offer_record_table; --", "a b", "%_", "\\\"", "a/b"])
def test_post_offer_location_with_metacharacters(offers, part, s):
    p = part + s
    m = metadata(p)
    r = offers.post("/metadata", m)
    assert r.status_code == 201
    assert r.headers.get("Location") == f"{p}/{m['id']}"
    o = offer(p, m["id"])
    r = offers.post("/offers", o)
    assert r.status_code == 201
    assert r.headers.get("Location") == f"{p}/{o['id']}"
    g = offers.get(f"/offers/{quote(p, safe='')}/{o['id']}")
    assert json.loads(g.text)["partition"] == p


def test_plus_in_path_is_literal(offers, part):
    p = part + "a+b"
    m = metadata(p)
    assert offers.post("/metadata", m).status_code == 201
    for seg in (p, quote(p, safe="")):
        g = offers.get(f"/metadata/{seg}/{m['id']}")
        assert g.status_code == 200, seg
        assert json.loads(g.text)["partition"] == p
    assert offers.get(f"/metadata/{part}a b/{m['id']}".replace(" ", "%20")).status_code == 404


def test_unicode_escapes_decoded(offers, part):
    mid = new_uuid()
    raw = ('{"id":"%s","partition":"%s","text":"\\u00e4\\ud83d\\ude00\\n\\"\\\\\\/"}' % (mid, part)).encode()
    r = offers.post("/metadata", data=raw)
    assert r.status_code == 201
    assert json.loads(offers.get(f"/metadata/{part}/{mid}").text)["text"] == "\u00e4\U0001F600\n\"\\/"


def test_long_strings(disc, offers, part):
    s = "\u00e9" * 100 + "'" * 100
    b = backend(name=s[:200], partitions=[s * 5])
    assert disc.post("/discovery", b).status_code == 201
    got = json.loads(disc.get(f"/discovery/{b['publicKey']}").text)
    assert got["partitions"] == [s * 5]
    m = metadata(part, text=s * 1000, long_text=s * 2000)
    assert offers.post("/metadata", m).status_code == 201
    got = json.loads(offers.get(f"/metadata/{part}/{m['id']}").text)
    assert (got["text"], got["longText"]) == (s * 1000, s * 2000)
