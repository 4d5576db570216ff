"""Offer service (spec 2, 5, 7.2): offers and metadata, every route and status."""

import json
import os
import re
import time
import uuid
from urllib.parse import quote

import pytest

import harness as H
from harness import (compact, expected_metadata, expected_offer, metadata, new_uuid, offer, ordered,
                     ordered_body, sparse_metadata)

# The example of spec 7.2, byte for byte as the server serialises it.
SPEC_EXAMPLE = ('{"id":"%s","partition":"%s","text":"text","longText":"long text",'
                '"image":{"png":"AAE="},"identifier":{"email":"email@example.com"}}')


def post_meta(offers, m):
    r = offers.post("/metadata", m)
    assert r.status_code == 201, (r.status_code, r.text)
    return r


def post_offer(offers, o):
    r = offers.post("/offers", o)
    assert r.status_code == 201, (r.status_code, r.text)
    return r


def meta_and_offer(offers, part, **kw):
    m = metadata(part)
    post_meta(offers, m)
    o = offer(part, m["id"], **kw)
    post_offer(offers, o)
    return m, o


def p(s):
    return quote(s, safe="")


# ----------------------------------------------------------------------------- metadata

def test_metadata_post_201_location_and_exact_get(offers, part):
    mid = new_uuid()
    m = metadata(part, mid, text="text", long_text="long text", image={"png": "AAE="},
                 identifier={"email": "email@example.com"})
    r = post_meta(offers, m)
    assert r.headers.get("Location") == f"{part}/{mid}"
    g = offers.get(f"/metadata/{part}/{mid}")
    assert g.status_code == 200
    H.assert_json(g)
    H.assert_nocache(g)
    assert g.text == SPEC_EXAMPLE % (mid, part)


def test_metadata_optional_fields_omitted(offers, part):
    m = metadata(part, text="only text")
    m.update({"longText": None, "image": None, "identifier": None})
    post_meta(offers, m)
    g = offers.get(f"/metadata/{part}/{m['id']}")
    assert g.text == compact({"id": m["id"], "partition": part, "text": "only text"})


def test_metadata_uuid_forms_normalised(offers, part):
    u = uuid.uuid4()
    m = metadata(part, "{" + str(u).upper() + "}")
    r = post_meta(offers, m)
    assert r.headers.get("Location") == f"{part}/{u}"
    for form in (str(u), u.hex, str(u).upper(), "urn:uuid:" + str(u)):
        g = offers.get(f"/metadata/{part}/{p(form)}")
        assert g.status_code == 200, form
        assert json.loads(g.text)["id"] == str(u)


def test_metadata_conflict_409(offers, part):
    m = metadata(part, text="one")
    post_meta(offers, m)
    r = offers.post("/metadata", dict(m, text="two"))
    assert r.status_code == 409
    assert r.headers.get("Location") == f"{part}/{m['id']}"
    assert r.content == b""
    assert json.loads(offers.get(f"/metadata/{part}/{m['id']}").text)["text"] == "one"
    # same id in another partition is a different row
    post_meta(offers, dict(m, partition=part + "-b"))


def test_metadata_get_404(offers, part):
    for mid in (new_uuid(), "not-a-uuid"):
        r = offers.get(f"/metadata/{part}/{mid}")
        assert r.status_code == 404, mid
        assert r.content == b""


def test_metadata_put_201_then_204(offers, part):
    mid = new_uuid()
    r = offers.put(f"/metadata/{part}/{mid}", {"text": "v1"})
    assert r.status_code == 201
    assert r.content == b""
    r = offers.put(f"/metadata/{part}/{mid}", {"text": "v2", "longText": "lt", "image": {"jpeg": "/9j/"},
                                               "identifier": {"text": "me@example.org"}})
    assert r.status_code == 204
    assert r.content == b""
    g = offers.get(f"/metadata/{part}/{mid}")
    assert g.text == compact({"id": mid, "partition": part, "text": "v2", "longText": "lt",
                              "image": {"jpeg": "/9j/"}, "identifier": {"text": "me@example.org"}})
    # a full record body works too; its id/partition are taken from the path
    r = offers.put(f"/metadata/{part}/{mid}", metadata("elsewhere", new_uuid(), text="v3"))
    assert r.status_code == 204
    g = offers.get(f"/metadata/{part}/{mid}")
    assert g.text == compact({"id": mid, "partition": part, "text": "v3"})


def test_metadata_delete(offers, part):
    m = metadata(part)
    post_meta(offers, m)
    H.check_delete(offers, f"/metadata/{part}/{m['id']}")


def test_metadata_referenced_cannot_be_deleted(offers, part):
    m, o = meta_and_offer(offers, part)
    r = offers.delete(f"/metadata/{part}/{m['id']}")
    assert r.status_code == 400
    assert r.content == b""
    assert offers.get(f"/metadata/{part}/{m['id']}").status_code == 200
    assert offers.delete(f"/offers/{part}/{o['id']}").status_code == 204
    assert offers.delete(f"/metadata/{part}/{m['id']}").status_code == 204


# ----------------------------------------------------------------------------- offers

def test_offer_post_201_location_and_exact_get(offers, part):
    m = metadata(part)
    post_meta(offers, m)
    o = offer(part, m["id"], max_sendable=2_100_000_000_000_000_000, min_sendable=1)   # the bounds
    r = post_offer(offers, o)
    assert r.headers.get("Location") == f"{part}/{o['id']}"
    for q in ("", "?sparse=true"):
        g = offers.get(f"/offers/{part}/{o['id']}{q}")
        assert g.status_code == 200
        H.assert_json(g)
        H.assert_nocache(g)
        assert g.text == compact(expected_offer(o))


def test_offer_sparse_false_embeds_metadata(offers, part):
    m = metadata(part, text="t", long_text="long", image={"png": "AAE="}, identifier={"email": "a@b.c"})
    post_meta(offers, m)
    o = offer(part, m["id"])
    post_offer(offers, o)
    g = offers.get(f"/offers/{part}/{o['id']}?sparse=false")
    assert g.status_code == 200
    H.assert_nocache(g)
    assert g.text == compact(expected_offer(o, embedded=sparse_metadata(m)))
    assert ordered_body(g)[5] == ["metadata", ordered({"text": "t", "longText": "long", "image": {"png": "AAE="},
                                                       "identifier": {"email": "a@b.c"}})]


@pytest.mark.parametrize("q", ["sparse=yes", "sparse=1", "sparse=", "sparse=TRUE", "sparse=true&sparse=false"])
def test_offer_bad_sparse_400(offers, part, q):
    _, o = meta_and_offer(offers, part)
    r = offers.get(f"/offers/{part}/{o['id']}?{q}")
    assert r.status_code == 400, (q, r.status_code)


def test_offer_unknown_query_param_ignored(offers, part):
    _, o = meta_and_offer(offers, part)
    r = offers.get(f"/offers/{part}/{o['id']}?foo=bar&sparse=true")
    assert r.status_code == 200
    assert r.text == compact(expected_offer(o))


def test_offer_expires_omitted_when_null(offers, part):
    m = metadata(part)
    post_meta(offers, m)
    for expires in (None, "absent"):
        o = offer(part, m["id"], expires=None)
        if expires is None:
            o["expires"] = None
        post_offer(offers, o)
        g = offers.get(f"/offers/{part}/{o['id']}")
        assert '"expires"' not in g.text
        assert g.text == compact(expected_offer(o))


def test_offer_timestamps_rfc3339_utc(env, offers, part):
    m = metadata(part)
    post_meta(offers, m)
    mysql = env.provider == "mariadb"
    cases = [("2024-01-01T01:00:00+01:00", "2024-01-01T00:00:00Z"),
             ("2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00Z"),
             ("2023-12-31T19:00:00-05:00", "2024-01-01T00:00:00Z"),
             ("2024-01-01T00:00:00.25Z", "2024-01-01T00:00:00Z" if mysql else "2024-01-01T00:00:00.250Z"),
             ("2024-01-01T00:00:00.123456Z", "2024-01-01T00:00:00Z" if mysql else "2024-01-01T00:00:00.123456Z"),
             ("2024-06-30T23:59:59z", "2024-06-30T23:59:59Z")]
    for given, want in cases:
        o = offer(part, m["id"], timestamp=given, expires=given)
        post_offer(offers, o)
        got = json.loads(offers.get(f"/offers/{part}/{o['id']}").text)
        assert got["timestamp"] == want, given
        assert got["expires"] == want, given


def test_offer_conflict_409(offers, part):
    m, o = meta_and_offer(offers, part)
    r = offers.post("/offers", dict(o, maxSendable=5_000))
    assert r.status_code == 409
    assert r.headers.get("Location") == f"{part}/{o['id']}"
    assert r.content == b""
    assert json.loads(offers.get(f"/offers/{part}/{o['id']}").text)["maxSendable"] == o["maxSendable"]


def test_offer_missing_metadata_400(offers, part):
    r = offers.post("/offers", offer(part, new_uuid()))
    assert r.status_code == 400
    assert r.content == b""


def test_offer_metadata_in_other_partition_400(offers, part):
    m = metadata(part + "-other")
    post_meta(offers, m)
    o = offer(part, m["id"])
    r = offers.post("/offers", o)
    assert r.status_code == 400
    r = offers.put(f"/offers/{part}/{o['id']}", {k: v for k, v in o.items() if k not in ("partition", "id")})
    assert r.status_code == 400
    assert offers.get(f"/offers/{part}/{o['id']}").status_code == 404


def test_offer_body_metadata_parsed_and_discarded(offers, part):
    m = metadata(part, text="stored")
    post_meta(offers, m)
    o = offer(part, m["id"])
    o["metadata"] = {"text": "ignored", "longText": "ignored"}
    post_offer(offers, o)
    g = offers.get(f"/offers/{part}/{o['id']}?sparse=false")
    assert json.loads(g.text)["metadata"] == {"text": "stored"}
    # but it must be valid
    o2 = offer(part, m["id"])
    o2["metadata"] = {"longText": "no text"}
    assert offers.post("/offers", o2).status_code == 422
    o2["metadata"] = {"text": "t", "image": {"png": "not base64!"}}
    assert offers.post("/offers", o2).status_code == 422


def test_offer_get_404(offers, part):
    _, o = meta_and_offer(offers, part)
    for path in (f"/offers/{part}/{new_uuid()}", f"/offers/{part}/not-a-uuid",
                 f"/offers/{part}-x/{o['id']}", f"/offers/{part}/{new_uuid()}?sparse=false"):
        r = offers.get(path)
        assert r.status_code == 404, path
        assert r.content == b""


def test_offer_put_201_204_and_updates(offers, part):
    m1 = metadata(part)
    m2 = metadata(part)
    post_meta(offers, m1)
    post_meta(offers, m2)
    oid = new_uuid()
    body = {"maxSendable": 10, "minSendable": 1, "metadataId": m1["id"], "timestamp": "2024-01-01T00:00:00Z"}
    r = offers.put(f"/offers/{part}/{oid}", body)
    assert r.status_code == 201
    assert r.content == b""
    assert offers.get(f"/offers/{part}/{oid}").text == compact(expected_offer(dict(body, partition=part, id=oid)))
    body2 = dict(body, maxSendable=20, metadataId=m2["id"], expires="2030-01-01T00:00:00Z")
    r = offers.put(f"/offers/{part}/{oid}", body2)
    assert r.status_code == 204
    assert r.content == b""
    assert offers.get(f"/offers/{part}/{oid}").text == compact(expected_offer(dict(body2, partition=part, id=oid)))
    # full record accepted; partition/id of the body ignored
    full = offer("elsewhere", m1["id"], oid=new_uuid(), max_sendable=30, min_sendable=1)
    r = offers.put(f"/offers/{part}/{oid}", full)
    assert r.status_code == 204
    got = json.loads(offers.get(f"/offers/{part}/{oid}").text)
    assert (got["partition"], got["id"], got["maxSendable"], got["metadataId"]) == (part, oid, 30, m1["id"])


def test_offer_put_missing_metadata_400_and_non_uuid_404(offers, part):
    body = {"maxSendable": 10, "minSendable": 1, "metadataId": new_uuid(), "timestamp": "2024-01-01T00:00:00Z"}
    r = offers.put(f"/offers/{part}/{new_uuid()}", body)
    assert r.status_code == 400
    r = offers.put(f"/offers/{part}/not-a-uuid", body)
    assert r.status_code == 404


def test_offer_delete(offers, part):
    _, o = meta_and_offer(offers, part)
    H.check_delete(offers, f"/offers/{part}/{o['id']}")
    r = offers.delete(f"/offers/{part}/not-a-uuid")
    assert r.status_code == 404
    assert r.content == b""


# ----------------------------------------------------------------------------- paging

N_PAGE = H.MAX_PAGE_SIZE + 5


@pytest.fixture
def paged(offers, part):
    """N_PAGE metadata and offers in one partition, ids ascending in creation order (so
    creation time and id order agree even when timestamps tie)."""
    mids = sorted(new_uuid() for _ in range(N_PAGE))
    oids = sorted(new_uuid() for _ in range(N_PAGE))
    for mid in mids:
        post_meta(offers, metadata(part, mid, text=f"m-{mid[:4]}"))
    for oid in oids:
        post_offer(offers, offer(part, mids[0], oid=oid))
    return part, mids, oids


@pytest.mark.parametrize("kind", ["metadata", "offers"])
def test_paging(offers, paged, kind):
    part, mids, oids = paged
    ids = mids if kind == "metadata" else oids

    def page(q):
        r = offers.get(f"/{kind}/{part}{q}")
        assert r.status_code == 200, (q, r.status_code)
        H.assert_json(r)
        H.assert_nocache(r)
        return [x["id"] for x in json.loads(r.text)]

    assert page("") == ids[:H.MAX_PAGE_SIZE]                      # count defaults to max-page-size
    assert page("?start=0") == ids[:H.MAX_PAGE_SIZE]
    assert page(f"?start={H.MAX_PAGE_SIZE}") == ids[H.MAX_PAGE_SIZE:]
    assert page("?start=3&count=4") == ids[3:7]
    assert page(f"?count={H.MAX_PAGE_SIZE}") == ids[:H.MAX_PAGE_SIZE]
    assert page("?count=0") == []
    assert page(f"?start={N_PAGE}") == []
    assert page("?start=100000") == []
    assert page("?start=2&count=3&unknown=x") == ids[2:5]
    assert offers.get(f"/{kind}/{part}?count=0").text == "[]"
    for bad in (f"count={H.MAX_PAGE_SIZE + 1}", "count=-1", "start=-1", "start=abc", "count=1.5",
                "start=1&start=2", "count=1&count=1", "count=", "start=", "count=99999999999999999999999"):
        r = offers.get(f"/{kind}/{part}?{bad}")
        assert r.status_code == 400, (bad, r.status_code)


@pytest.mark.parametrize("kind", ["metadata", "offers"])
def test_page_of_unknown_partition_is_empty(offers, part, kind):
    r = offers.get(f"/{kind}/{part}-nothing")
    assert r.status_code == 200
    assert r.text == "[]"


def test_page_bodies(offers, part):
    m = metadata(part, long_text="lt", identifier={"text": "x@y.z"})
    post_meta(offers, m)
    o = offer(part, m["id"], expires=None)
    post_offer(offers, o)
    r = offers.get(f"/metadata/{part}")
    assert r.text == "[" + compact(expected_metadata(m)) + "]"
    r = offers.get(f"/offers/{part}")
    assert r.text == "[" + compact(expected_offer(o)) + "]"           # metadata never embedded
    assert offers.get(f"/offers/{part}?sparse=false").text == r.text


def test_page_order_is_creation_time_and_put_keeps_it(offers, part):
    # ids descending, created > 1 s apart (MySQL timestamps have 1 s precision)
    mids = sorted((new_uuid() for _ in range(3)), reverse=True)
    oids = sorted((new_uuid() for _ in range(3)), reverse=True)
    for i in range(3):
        if i:
            time.sleep(1.05)
        post_meta(offers, metadata(part, mids[i]))
        post_offer(offers, offer(part, mids[0], oid=oids[i]))

    def ids(kind):
        return [x["id"] for x in json.loads(offers.get(f"/{kind}/{part}").text)]

    assert ids("metadata") == mids
    assert ids("offers") == oids
    assert offers.put(f"/metadata/{part}/{mids[0]}", {"text": "changed"}).status_code == 204
    assert offers.put(f"/offers/{part}/{oids[0]}",
                      {"maxSendable": 5, "minSendable": 5, "metadataId": mids[1],
                       "timestamp": "2024-01-01T00:00:00Z"}).status_code == 204
    assert ids("metadata") == mids
    assert ids("offers") == oids


# ----------------------------------------------------------------------------- routing

@pytest.mark.parametrize("path", ["/offers/", "/metadata/", "/offer", "/", "/discovery",
                                  "/offers/a/b/c", "/metadata/a/b/c", "/health/x"])
def test_unknown_paths_404(offers, path):
    H.check_unknown_path(offers, path, "offer")


# allowed = the methods spec 5 routes on the path.  The Allow header must name exactly
# those, plus HEAD wherever GET is routed (spec 2: GET routes also answer HEAD, and ours
# do), each once.
@pytest.mark.parametrize("method,path,allowed", [
    ("GET", "/offers", {"POST"}),
    ("HEAD", "/offers", {"POST"}),
    ("DELETE", "/offers", {"POST"}),
    ("POST", "/offers/p", {"GET"}),
    ("DELETE", "/offers/p", {"GET"}),
    ("POST", "/offers/p/{id}", {"GET", "PUT", "DELETE"}),
    ("PATCH", "/offers/p/{id}", {"GET", "PUT", "DELETE"}),
    ("GET", "/metadata", {"POST"}),
    ("HEAD", "/metadata", {"POST"}),
    ("PUT", "/metadata/p", {"GET"}),
    ("POST", "/metadata/p/{id}", {"GET", "PUT", "DELETE"}),
    ("PATCH", "/metadata/p/{id}", {"GET", "PUT", "DELETE"}),
    ("PUT", "/health", {"GET"}),
])
def test_method_not_allowed_405(offers, method, path, allowed):
    H.check_405(offers, method, path.format(id=new_uuid()), allowed, "offer")


# Dates past the MySQL TIMESTAMP range (its last second is 2038-01-19T03:14:07Z, spec
# 11.2).  SQLite (and memory, which is SQLite) and PostgreSQL store them exactly.  MariaDB
# refuses them: the store reports the caller's fault, so 400 with the empty body of every
# admin error (spec 2), nothing written, and the offer log says which column and value.
FAR_FUTURE_STATUS = {"sqlite": 201, "memory": 201, "postgres": 201, "mariadb": 400}
MYSQL_LAST = "2038-01-19T03:14:07Z"
FAR_FUTURE = ["2038-01-19T03:14:08Z", "2099-12-31T23:59:59Z", "9999-12-31T23:59:59Z"]


def log_lines_since(env, svc, size, pattern, timeout=10.0):
    """Lines of the service log written after byte size that match pattern (waits a
    little for them: lines may be buffered)."""
    rx = re.compile(pattern)
    deadline = time.monotonic() + timeout
    while True:
        with open(env.logs[svc], "rb") as f:
            f.seek(size)
            got = [ln for ln in f.read().decode(errors="replace").splitlines() if rx.search(ln)]
        if got or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


@pytest.mark.parametrize("field", ["timestamp", "expires"])
def test_offer_far_future_timestamps(env, offers, part, field):
    want = FAR_FUTURE_STATUS[env.provider]
    m = metadata(part)
    post_meta(offers, m)
    # the last second MySQL can hold is kept by every database
    o = offer(part, m["id"], **{field: MYSQL_LAST})
    post_offer(offers, o)
    assert offers.get(f"/offers/{part}/{o['id']}").text == compact(expected_offer(o))
    kept = offer(part, m["id"])           # the target of the PUTs (an update)
    post_offer(offers, kept)
    for when in FAR_FUTURE:
        o = offer(part, m["id"], **{field: when})
        body = {k: v for k, v in o.items() if k not in ("partition", "id")}
        mysql_value = f"'{when[:10]} {when[11:19]}"
        for method, path, r_body, ok in (("POST", "/offers", o, 201),
                                         ("PUT", f"/offers/{part}/{kept['id']}", body, 204)):
            size = os.path.getsize(env.logs["offer"])
            r = offers.request(method, path, body=r_body)
            if want == 201:
                assert r.status_code == ok, (method, when, r.status_code)
                got = o if method == "POST" else dict(o, id=kept["id"])
                assert offers.get(f"/offers/{part}/{got['id']}").text == compact(expected_offer(got))
            else:
                assert r.status_code == want, (method, when, r.status_code)
                assert r.content == b""
                assert offers.get(f"/offers/{part}/{o['id']}").status_code == 404
                assert offers.get(f"/offers/{part}/{kept['id']}").text == compact(expected_offer(kept))
                lines = log_lines_since(env, "offer", size,
                                        rf"{method} {re.escape(path)}: {want}: .*`{field}`")
                assert len(lines) == 1, (method, when, lines)
                assert mysql_value in lines[0], lines[0]


@pytest.mark.parametrize("amounts,field", [
    ((0, 1_000), "minSendable must be at least 1"),        # 0: nodes asked for amountless invoices
    ((2_001, 2_000), "minSendable 2001 is greater than maxSendable 2000"),
    ((1, 2_100_000_000_000_000_001), "maxSendable 2100000000000000001 is over"),  # > 21M BTC
    ((1, 2**64 - 1), "maxSendable 18446744073709551615 is over"),
])
def test_offer_amounts_422(env, offers, part, amounts, field):
    # 422 with the empty body of every admin error (spec 2); the offer log names the field
    m = metadata(part)
    post_meta(offers, m)
    o = offer(part, m["id"], min_sendable=amounts[0], max_sendable=amounts[1])
    sparse = {k: v for k, v in o.items() if k not in ("partition", "id")}
    path = f"/offers/{part}/{o['id']}"
    for method, p, body in (("POST", "/offers", o), ("PUT", path, sparse)):
        size = os.path.getsize(env.logs["offer"])
        r = offers.request(method, p, body=body)
        assert r.status_code == 422 and r.content == b"", (method, r.status_code)
        lines = log_lines_since(env, "offer", size, rf"{method} {re.escape(p)}: 422: {re.escape(field)}")
        assert len(lines) == 1, (method, lines)
    assert offers.get(path).status_code == 404
