"""Discovery service (spec 2, 4, 7.1): every route, status, header and body rule."""

import json
import time

import pytest

import harness as H
import web
from harness import backend, compact, expected_backend_text, node_key, ordered, ordered_body

# An implementation without '/' so the raw text comparison does not depend on the
# (legal) escaping of solidus; keys deliberately unsorted at two levels.
# (No credential *Path members: a relative one is refused, issue 12.)
IMPL_NO_SLASH = {"type": "clnGrpc", "zeta": [3, {"b": 2, "a": 1}], "auth": {"type": "path", "clientKey": "k",
                                                                            "clientCert": "c"}, "domain": None}


def create(disc, b):
    r = disc.post("/discovery", b)
    assert r.status_code == 201, (r.status_code, r.text)
    return r


def get_backend(disc, pk):
    r = disc.get(f"/discovery/{pk}")
    assert r.status_code == 200, (r.status_code, r.text)
    return r


# ----------------------------------------------------------------------------- POST / GET one

def test_post_201_location_and_get_exact_text(disc):
    b = backend(name="alpha", partitions=["z", "a"], weight=7, enabled=False, impl=IMPL_NO_SLASH)
    r = create(disc, b)
    assert r.headers.get("Location") == b["publicKey"]
    g = get_backend(disc, b["publicKey"])
    H.assert_json(g)
    H.assert_nocache(g)
    assert g.text == compact(expected_backend_text(b))
    assert g.text.startswith('{"publicKey":"%s","name":"alpha","partitions":["a","z"],"weight":7,'
                             '"enabled":false,"implementation":{"auth":{' % b["publicKey"])


def test_get_field_order_and_sorted_implementation(disc):
    b = backend()
    create(disc, b)
    g = get_backend(disc, b["publicKey"])
    assert ordered_body(g) == ordered(expected_backend_text(b))
    assert [k for k in json.loads(g.text)["implementation"]] == ["auth", "domain", "type", "url"]


@pytest.mark.parametrize("name", [None, "absent"])
def test_name_omitted_when_null(disc, name):
    b = backend(name=None)
    if name is None:
        b["name"] = None
    create(disc, b)
    g = get_backend(disc, b["publicKey"])
    assert "name" not in json.loads(g.text)
    assert '"name"' not in g.text


def test_partitions_are_a_sorted_set(disc):
    b = backend(partitions=["b", "a", "b", "A", "\u00e4", "a"])
    create(disc, b)
    g = get_backend(disc, b["publicKey"])
    assert json.loads(g.text)["partitions"] == ["A", "a", "b", "\u00e4"]


def test_empty_partitions_allowed(disc):
    b = backend(partitions=[])
    create(disc, b)
    assert json.loads(get_backend(disc, b["publicKey"]).text)["partitions"] == []


@pytest.mark.parametrize("impl", [42, "opaque", [1, {"b": 1, "a": 2}], {"type": "unknown"}, {},
                                  {"url": "http://127.0.0.1:8080/", "type": "eclairHttp",
                                   "auth": {"type": "path", "passwordPath": f"{H.CRED_DIR}/p"}}])
def test_implementation_is_opaque(disc, impl):
    b = backend(impl=impl)
    create(disc, b)
    got = json.loads(get_backend(disc, b["publicKey"]).text)["implementation"]
    assert ordered(got) == ordered(H.sorted_json(impl))


def test_uncompressed_uppercase_key_is_normalised(disc):
    unc = node_key(compressed=False)
    comp = H.compress_key(unc)
    b = backend(pk=unc.upper())
    r = create(disc, b)
    assert r.headers.get("Location") == comp
    for path_key in (comp, comp.upper(), unc, unc.upper()):
        g = disc.get(f"/discovery/{path_key}")
        assert g.status_code == 200, path_key
        assert json.loads(g.text)["publicKey"] == comp
    # the same node under the other encoding is the same key
    r2 = disc.post("/discovery", backend(pk=comp))
    assert r2.status_code == 409
    assert r2.headers.get("Location") == comp


def test_post_conflict_409_with_location(disc):
    b = backend(name="first")
    create(disc, b)
    b2 = dict(b, name="second", weight=99)
    r = disc.post("/discovery", b2)
    assert r.status_code == 409
    assert r.headers.get("Location") == b["publicKey"]
    assert r.content == b""
    assert json.loads(get_backend(disc, b["publicKey"]).text)["name"] == "first"


def test_get_unknown_404_empty(disc):
    r = disc.get(f"/discovery/{node_key()}")
    assert r.status_code == 404
    assert r.content == b""


@pytest.mark.parametrize("bad", [
    "02" + "00" * 32,                 # x = 0 is not on the curve
    "02" + "ff" * 32,                 # x >= p
    "05" + "11" * 32,                 # bad prefix
    "zz" + "11" * 32,                 # not hex
    "0211",                           # too short
    "DROP_PREFIX",                    # 64 hex
    "APPEND",                         # 68 hex
    "04" + "11" * 64,                 # 130 hex, not on the curve
    "%20" + "11" * 33,
    "x%27%29%3B%20DROP%20TABLE%20discovery_backend%3B%20--",
    "%27%20OR%20%271%27%3D%271",
])
def test_bad_key_in_path_400(disc, bad):
    good = node_key()
    bad = {"DROP_PREFIX": good[2:], "APPEND": good + "00"}.get(bad, bad)
    for method in ("GET", "DELETE"):
        r = disc.request(method, f"/discovery/{bad}")
        assert r.status_code == 400, (method, bad, r.status_code)
        assert r.content == b""
    r = disc.put(f"/discovery/{bad}", {"partitions": [], "weight": 1, "enabled": True, "implementation": {}})
    assert r.status_code == 400, ("PUT", bad, r.status_code)
    assert r.content == b""
    r = disc.patch(f"/discovery/{bad}", {})
    assert r.status_code == 400, ("PATCH", bad, r.status_code)
    assert r.content == b""


# ----------------------------------------------------------------------------- PUT

def sparse(b):
    return {k: v for k, v in b.items() if k != "publicKey"}


def test_put_creates_201_without_location_then_204(disc):
    b = backend(name="put1")
    r = disc.put(f"/discovery/{b['publicKey']}", sparse(b))
    assert r.status_code == 201
    assert "Location" not in r.headers
    assert r.content == b""
    assert get_backend(disc, b["publicKey"]).text == compact(expected_backend_text(b))
    b2 = dict(b, name="put2", weight=5, enabled=False, partitions=["x", "y"],
              impl={"type": "lndGrpc", "ampInvoice": True})
    b2["implementation"] = b2.pop("impl")
    r = disc.put(f"/discovery/{b['publicKey']}", sparse(b2))
    assert r.status_code == 204
    assert r.content == b""
    # every field replaced, partitions included (spec 16.2: a port updates all fields)
    assert get_backend(disc, b["publicKey"]).text == compact(expected_backend_text(b2))


def test_put_ignores_body_public_key(disc):
    pk, other = node_key(), node_key()
    b = backend(pk=other, name="ignored-key")
    r = disc.put(f"/discovery/{pk}", b)
    assert r.status_code == 201
    assert json.loads(get_backend(disc, pk).text)["publicKey"] == pk
    assert disc.get(f"/discovery/{other}").status_code == 404


def test_put_without_name_clears_it(disc):
    b = backend(name="had-name")
    create(disc, b)
    s = sparse(b)
    del s["name"]
    assert disc.put(f"/discovery/{b['publicKey']}", s).status_code == 204
    assert "name" not in json.loads(get_backend(disc, b["publicKey"]).text)


def listed_keys(disc, keys):
    r = disc.get("/discovery")
    assert r.status_code == 200
    return [x["publicKey"] for x in json.loads(r.text) if x["publicKey"] in keys]


def test_list_order_is_creation_then_put_keeps_it(disc):
    # keys in descending byte order, created one second apart (MySQL timestamps are
    # 1 s): creation time must win over key order, and PUT must not move a backend.
    keys = sorted((node_key() for _ in range(3)), reverse=True)
    for i, k in enumerate(keys):
        if i:
            time.sleep(1.05)
        create(disc, backend(pk=k))
    assert listed_keys(disc, set(keys)) == keys
    assert disc.put(f"/discovery/{keys[0]}", sparse(backend(pk=keys[0], weight=3))).status_code == 204
    assert disc.patch(f"/discovery/{keys[1]}", {"weight": 9}).status_code == 204
    assert listed_keys(disc, set(keys)) == keys


# ----------------------------------------------------------------------------- PATCH

def test_patch_partial_fields(disc):
    b = backend(name="orig", partitions=["a"], weight=1, enabled=False)
    create(disc, b)
    pk = b["publicKey"]
    steps = [({"weight": 4}, {"weight": 4}),
             ({"enabled": True}, {"enabled": True}),
             ({"partitions": ["q", "p", "q"]}, {"partitions": ["p", "q"]}),
             ({"name": "renamed"}, {"name": "renamed"}),
             ({"name": None, "weight": None, "enabled": None, "partitions": None}, {}),
             ({"publicKey": node_key(), "unknownField": 1}, {})]
    cur = expected_backend_text(b)
    for body, change in steps:
        r = disc.patch(f"/discovery/{pk}", body)
        assert r.status_code == 204, body
        assert r.content == b""
        cur.update(change)
        assert get_backend(disc, pk).text == compact(cur), body


def test_patch_cannot_change_implementation(disc):
    b = backend()
    create(disc, b)
    r = disc.patch(f"/discovery/{b['publicKey']}", {"implementation": {"type": "other"}})
    assert r.status_code == 204
    assert json.loads(get_backend(disc, b["publicKey"]).text)["implementation"] == \
        H.sorted_json(b["implementation"])


def test_patch_missing_404(disc):
    r = disc.patch(f"/discovery/{node_key()}", {"weight": 1})
    assert r.status_code == 404
    assert r.content == b""
    r = disc.patch(f"/discovery/{node_key()}", {})
    assert r.status_code == 404


# ----------------------------------------------------------------------------- DELETE

def test_delete_204_then_404(disc):
    b = backend()
    create(disc, b)
    H.check_delete(disc, f"/discovery/{b['publicKey']}")
    assert b["publicKey"] not in listed_keys(disc, {b["publicKey"]})


# ----------------------------------------------------------------------------- GET all, ETag

def test_list_headers_and_content(disc):
    b = backend(impl=IMPL_NO_SLASH)
    create(disc, b)
    r = disc.get("/discovery")
    assert r.status_code == 200
    H.assert_json(r)
    H.assert_nocache(r)
    assert H.ETAG_RE.match(r.headers["ETag"]), r.headers["ETag"]
    assert r.text.startswith("[") and r.text.endswith("]")
    assert compact(expected_backend_text(b)) in r.text
    items = [x for x in json.loads(r.text) if x["publicKey"] == b["publicKey"]]
    assert len(items) == 1


def test_etag_plus_one_per_mutation_and_not_on_failure(disc):
    b = backend()
    pk = b["publicKey"]
    e0 = H.etag(disc)
    assert disc.post("/discovery", b).status_code == 201
    assert H.etag(disc) == e0 + 1
    assert disc.post("/discovery", b).status_code == 409
    assert H.etag(disc) == e0 + 1
    assert disc.put(f"/discovery/{pk}", sparse(b)).status_code == 204            # identical PUT still counts
    assert H.etag(disc) == e0 + 2
    assert disc.patch(f"/discovery/{pk}", {}).status_code == 204                   # empty PATCH bumps
    assert H.etag(disc) == e0 + 3
    assert disc.patch(f"/discovery/{node_key()}", {"weight": 2}).status_code == 404
    assert disc.post("/discovery", {"publicKey": pk}).status_code == 422
    assert disc.get(f"/discovery/{pk}").status_code == 200
    assert H.etag(disc) == e0 + 3
    assert disc.delete(f"/discovery/{pk}").status_code == 204
    assert H.etag(disc) == e0 + 4
    assert disc.delete(f"/discovery/{pk}").status_code == 404
    assert H.etag(disc) == e0 + 4
    pk2 = node_key()
    assert disc.put(f"/discovery/{pk2}", sparse(backend())).status_code == 201    # PUT insert
    assert H.etag(disc) == e0 + 5


def test_if_none_match_304(disc):
    create(disc, backend())
    r = disc.get("/discovery")
    et = r.headers["ETag"]
    for inm in (et, et.upper()):
        n = disc.get("/discovery", headers={"If-None-Match": inm})
        assert n.status_code == 304, inm
        assert n.content == b""
        assert n.headers.get("ETag") == et
        H.assert_nocache(n)
    other = format((int(et, 16) + 1) % 2**64, "016x")
    n = disc.get("/discovery", headers={"If-None-Match": other})
    assert n.status_code == 200
    assert n.headers.get("ETag") == et
    assert n.text == r.text
    create(disc, backend())
    n = disc.get("/discovery", headers={"If-None-Match": et})
    assert n.status_code == 200
    assert int(n.headers["ETag"], 16) == int(et, 16) + 1


@pytest.mark.parametrize("inm", ['"0000000000000000"', "W/0000000000000000", "000000000000000",
                                 "00000000000000000", "000000000000000g", "*", "", "0x00000000000000",
                                 "0000000000000000, 0000000000000001"])
def test_bad_if_none_match_400(disc, inm):
    if inm == "":
        web.skip_if_lacking("empty-header")
    r = disc.get("/discovery", headers={"If-None-Match": inm})
    assert r.status_code == 400, (inm, r.status_code)
    assert r.content == b""


# ----------------------------------------------------------------------------- routing

@pytest.mark.parametrize("path", ["/discovery/", "/discovery/default/inet/abc", "/nope", "/",
                                  "/offers", "/metadata", "/discovery//x", "/Discovery", "/health/"])
def test_unknown_path_404_with_token_401_without(disc, path):
    H.check_unknown_path(disc, path, "discovery")


def test_query_string_ignored_on_discovery_routes(disc):
    b = backend()
    create(disc, b)
    r = disc.get(f"/discovery/{b['publicKey']}?x=1&x=2")
    assert r.status_code == 200
    assert json.loads(r.text)["publicKey"] == b["publicKey"]
    r = disc.get("/discovery?start=abc")
    assert r.status_code == 200
    assert H.ETAG_RE.match(r.headers["ETag"])


def test_unknown_key_path_suffix_404(disc):
    b = backend()
    create(disc, b)
    assert disc.get(f"/discovery/{b['publicKey']}/extra").status_code == 404


# allowed = the methods spec 4 routes on the path.  The Allow header must name exactly
# those, plus HEAD wherever GET is routed (spec 2: GET routes also answer HEAD, and ours
# do), each once.
@pytest.mark.parametrize("method,path,allowed", [
    ("DELETE", "/discovery", {"GET", "POST"}),
    ("PUT", "/discovery", {"GET", "POST"}),
    ("PATCH", "/discovery", {"GET", "POST"}),
    ("POST", "/discovery/{pk}", {"GET", "PUT", "PATCH", "DELETE"}),
    ("POST", "/health", {"GET"}),
    ("DELETE", "/health", {"GET"}),
])
def test_method_not_allowed_405(disc, method, path, allowed):
    H.check_405(disc, method, path.format(pk=node_key()), allowed, "discovery")


def test_weight_bounds(disc):
    """weight is a signed 32-bit column (spec 7.1, 11.2): 0 and 2147483647 round-trip;
    anything above is refused with 422 (README; spec 16.2 lets a port clamp instead, we
    do not) on POST, PUT and PATCH, and nothing is written or changed."""
    for w in (0, 2**31 - 1):
        b = backend(weight=w)
        create(disc, b)
        assert json.loads(get_backend(disc, b["publicKey"]).text)["weight"] == w
    # 2^31 wraps to a negative int32, 2^32 to 0, 2^32 + 1 to 1: the mangling of the
    # original's DB stores
    too_big = (2**31, 2**32, 2**32 + 1, 2**63 - 1)
    e0 = H.etag(disc)
    for w in too_big:
        b = backend(weight=w)
        r = disc.post("/discovery", b)
        assert r.status_code == 422, ("POST", w, r.status_code)
        r = disc.put(f"/discovery/{b['publicKey']}", sparse(b))
        assert r.status_code == 422, ("PUT create", w, r.status_code)
        assert disc.get(f"/discovery/{b['publicKey']}").status_code == 404, w
    b = backend(weight=5)
    create(disc, b)
    pk = b["publicKey"]
    before = get_backend(disc, pk).text
    e1 = H.etag(disc)
    assert e1 == e0 + 1
    for w in too_big:
        r = disc.patch(f"/discovery/{pk}", {"weight": w})
        assert r.status_code == 422, ("PATCH", w, r.status_code)
        r = disc.put(f"/discovery/{pk}", sparse(dict(b, weight=w)))
        assert r.status_code == 422, ("PUT update", w, r.status_code)
        assert get_backend(disc, pk).text == before, w
    assert H.etag(disc) == e1


def test_percent_encoded_key_in_path_is_decoded(disc):
    b = backend()
    create(disc, b)
    enc = "".join(f"%{ord(c):02X}" for c in b["publicKey"])
    r = disc.get(f"/discovery/{enc}")
    assert r.status_code == 200
    assert json.loads(r.text)["publicKey"] == b["publicKey"]
    assert disc.patch(f"/discovery/{enc}", {"weight": 42}).status_code == 204
    assert json.loads(get_backend(disc, b["publicKey"]).text)["weight"] == 42
    assert disc.delete(f"/discovery/{enc}").status_code == 204
    assert disc.get(f"/discovery/{b['publicKey']}").status_code == 404
