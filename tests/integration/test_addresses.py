"""Lightning Address records on swgr-offer (issue 14, part 1): /addresses CRUD through the
web server, paging, the canonical lowercase names, the offer they need and keep, and the
`swgr offer address` commands."""

import json
import os
import re

import pytest

import harness as H
from harness import compact, metadata, new_uuid, offer
from test_cli import fails, ok, out_json, pretty, write_json
from test_offers import log_lines_since

FIELDS = ["domain", "username", "partition", "offer", "enabled"]


def address(domain, username, partition, offer_id, enabled=None):
    a = {"domain": domain, "username": username, "partition": partition, "offer": offer_id}
    if enabled is not None:
        a["enabled"] = enabled
    return a


def expected(a):
    """The address as the service writes it: names lowercase, enabled true when absent."""
    return {"domain": a["domain"].lower(), "username": a["username"].lower(),
            "partition": a["partition"], "offer": a["offer"], "enabled": a.get("enabled", True)}


def sparse(a):
    return {k: v for k, v in a.items() if k not in ("domain", "username")}


def make_offer(offers, part):
    m = metadata(part)
    assert offers.post("/metadata", m).status_code == 201
    o = offer(part, m["id"])
    assert offers.post("/offers", o).status_code == 201
    return o["id"]


@pytest.fixture
def dom(part):
    """A domain unique to the test (the partition name is an LDH label)."""
    return f"{part}.example.com"


@pytest.fixture
def oid(offers, part):
    return make_offer(offers, part)


def test_post_201_location_and_exact_get(offers, part, dom, oid):
    a = address(dom.upper(), "Alice", part, oid)
    r = offers.post("/addresses", a)
    assert (r.status_code, r.content) == (201, b"")
    assert r.headers.get("Location") == f"{dom}/alice"
    g = offers.get(f"/addresses/{dom}/alice")
    assert g.status_code == 200
    H.assert_json(g)
    H.assert_nocache(g)
    assert list(g.json()) == FIELDS
    assert g.text == compact(expected(a))
    assert g.json()["enabled"] is True


@pytest.mark.parametrize("path_domain,path_user", [
    ("{d}", "alice"), ("{D}", "ALICE"), ("{D}", "Alice"), ("{d}", "aLiCe"),
])
def test_lookup_is_case_insensitive(offers, part, dom, oid, path_domain, path_user):
    a = address(dom, "alice", part, oid, enabled=False)
    assert offers.post("/addresses", a).status_code == 201
    p = f"/addresses/{path_domain.format(d=dom, D=dom.title())}/{path_user}"
    g = offers.get(p)
    assert g.status_code == 200, p
    assert g.text == compact(expected(a))
    # the same key in any case is the same address: 409 with the canonical Location
    r = offers.post("/addresses", dict(a, domain=dom.upper(), username="ALICE"))
    assert (r.status_code, r.headers.get("Location"), r.content) == (409, f"{dom}/alice", b"")
    # and PUT through a mixed-case path replaces it
    r = offers.put(p, sparse(dict(a, enabled=True)))
    assert (r.status_code, r.content) == (204, b"")
    assert offers.get(f"/addresses/{dom}/alice").json()["enabled"] is True


def test_conflict_409_keeps_the_first(offers, part, dom, oid):
    a = address(dom, "bob", part, oid)
    assert offers.post("/addresses", a).status_code == 201
    r = offers.post("/addresses", dict(a, enabled=False))
    assert (r.status_code, r.headers.get("Location"), r.content) == (409, f"{dom}/bob", b"")
    assert offers.get(f"/addresses/{dom}/bob").json()["enabled"] is True


def test_default_address_and_port(offers, part, dom, oid):
    a = address(dom + ":8443", "_", part, oid)
    r = offers.post("/addresses", a)
    assert (r.status_code, r.headers.get("Location")) == (201, f"{dom}:8443/_")
    assert offers.get(f"/addresses/{dom}:8443/_").text == compact(expected(a))
    # a domain with a port is another domain
    assert offers.get(f"/addresses/{dom}/_").status_code == 404
    assert [x["username"] for x in offers.get(f"/addresses/{dom}:8443").json()] == ["_"]


def test_put_201_then_204_keeps_creation_order(offers, part, dom, oid):
    oid2 = make_offer(offers, part)
    r = offers.put(f"/addresses/{dom}/carol", sparse(address(dom, "carol", part, oid)))
    assert (r.status_code, r.content) == (201, b"")
    assert offers.put(f"/addresses/{dom}/dave", sparse(address(dom, "dave", part, oid))) \
        .status_code == 201
    # a full record works too: its domain and username are the path's
    r = offers.put(f"/addresses/{dom}/carol", address("elsewhere.example", "zed", part, oid2,
                                                       enabled=False))
    assert (r.status_code, r.content) == (204, b"")
    g = offers.get(f"/addresses/{dom}/carol")
    assert g.text == compact(address(dom, "carol", part, oid2, enabled=False))
    assert offers.get("/addresses/elsewhere.example/zed").status_code == 404
    # updated, still first
    assert [x["username"] for x in offers.get(f"/addresses/{dom}").json()] == ["carol", "dave"]


def test_delete_204_then_404(offers, part, dom, oid):
    assert offers.post("/addresses", address(dom, "erin", part, oid)).status_code == 201
    H.check_delete(offers, f"/addresses/{dom}/erin")
    assert offers.post("/addresses", address(dom, "erin", part, oid)).status_code == 201
    H.check_delete(offers, f"/addresses/{dom.upper()}/ERIN")


def test_pages(offers, part, dom, oid):
    # usernames ascending in creation order: with MariaDB's 1 s timestamps creation ties
    # are broken by username, so both rules give the same order
    users = [f"u{i}" for i in range(5)]
    for u in users:
        assert offers.post("/addresses", address(dom, u, part, oid)).status_code == 201
    other = "other-" + dom
    assert offers.post("/addresses", address(other, "u9", part, oid)).status_code == 201
    g = offers.get(f"/addresses/{dom}")
    assert g.status_code == 200
    H.assert_json(g)
    H.assert_nocache(g)
    assert g.text == "[" + ",".join(compact(expected(address(dom, u, part, oid))) for u in users) + "]"
    for q, want in (("?start=0&count=2", users[:2]), ("?start=2&count=2", users[2:4]),
                    ("?start=4&count=5", users[4:]), ("?start=5", []), ("?start=99", []),
                    ("?count=0", []), (f"?count={H.MAX_PAGE_SIZE}", users)):
        r = offers.get(f"/addresses/{dom}{q}")
        assert r.status_code == 200, q
        assert [x["username"] for x in r.json()] == want, q
    # the domain in any case names the same page
    assert offers.get(f"/addresses/{dom.upper()}").text == g.text
    assert offers.get("/addresses/nothing-here.example").text == "[]"
    for q in (f"?count={H.MAX_PAGE_SIZE + 1}", "?start=-1", "?count=x", "?start=1.5"):
        r = offers.get(f"/addresses/{dom}{q}")
        assert (r.status_code, r.content) == (400, b""), q


def test_offer_must_exist_in_the_partition_400(offers, part, dom, oid):
    for a in (address(dom, "frank", part, new_uuid()),             # no such offer
              address(dom, "frank", part + "-b", oid)):             # another partition's
        r = offers.post("/addresses", a)
        assert (r.status_code, r.content) == (400, b""), a
        r = offers.put(f"/addresses/{dom}/frank", sparse(a))
        assert (r.status_code, r.content) == (400, b""), a
        assert offers.get(f"/addresses/{dom}/frank").status_code == 404


def test_offer_in_use_cannot_be_deleted(env, offers, part, dom, oid):
    assert offers.post("/addresses", address(dom, "grace", part, oid)).status_code == 201
    size = os.path.getsize(env.logs["offer"])
    r = offers.delete(f"/offers/{part}/{oid}")
    assert (r.status_code, r.content) == (400, b"")
    lines = log_lines_since(env, "offer", size, r"DELETE .*: 400: .*is used by an address")
    assert len(lines) == 1, lines
    assert offers.get(f"/offers/{part}/{oid}").status_code == 200
    # moved to another offer, the first one goes
    oid2 = make_offer(offers, part)
    assert offers.put(f"/addresses/{dom}/grace", sparse(address(dom, "grace", part, oid2))) \
        .status_code == 204
    assert offers.delete(f"/offers/{part}/{oid}").status_code == 204
    assert offers.delete(f"/addresses/{dom}/grace").status_code == 204
    assert offers.delete(f"/offers/{part}/{oid2}").status_code == 204


@pytest.mark.parametrize("change,field", [
    ({"domain": "bad_domain.example"}, "domain: character 4"),
    ({"domain": "example.com."}, "domain: must not end with '.'"),
    ({"domain": "-x.example"}, "domain: label starting with '-'"),
    ({"domain": "x.example:0"}, "domain: the port"),
    ({"domain": "a" * 64 + ".example"}, "domain: label over 63"),
    ({"domain": ".".join(["a" * 63] * 4)}, "domain: host name of 255 characters, over 253"),
    ({"domain": 7}, "domain: expected a string"),
    ({"username": "alice+tip"}, "username: character 6"),
    ({"username": "."}, "username: must not start or end with '.'"),
    ({"username": ".."}, "username: must not start or end with '.'"),
    ({"username": "alice."}, "username: must not start or end with '.'"),
    ({"username": ""}, "username: empty"),
    ({"username": "x" * 65}, "username: 65 characters, over 64"),
    ({"username": "h\u00e9"}, "username: character 2"),
    ({"partition": 1}, "partition: expected a string"),
    ({"offer": "not-a-uuid"}, "offer: not a valid UUID"),
    ({"enabled": "yes"}, "enabled: expected true or false"),
    ({"domain": None}, "domain: missing field"),
    ({"username": None}, "username: missing field"),
    ({"partition": None}, "partition: missing field"),
    ({"offer": None}, "offer: missing field"),
])
def test_bad_fields_422_name_the_field(env, offers, part, dom, oid, change, field):
    a = address(dom, "heidi", part, oid)
    a.update(change)
    a = {k: v for k, v in a.items() if v is not None}
    size = os.path.getsize(env.logs["offer"])
    r = offers.post("/addresses", a)
    assert (r.status_code, r.content) == (422, b""), (change, r.status_code)
    lines = log_lines_since(env, "offer", size, rf"POST /addresses: 422: {re.escape(field)}")
    assert len(lines) == 1, (change, lines)
    if "domain" not in change and "username" not in change:
        p = f"/addresses/{dom}/heidi"
        r = offers.put(p, sparse(a))
        assert r.status_code == 422, (change, r.status_code)
        assert offers.get(p).status_code == 404


def test_malformed_json_400(offers, dom):
    for data in (b"{", b'{"domain":', b"\xff", b""):
        r = offers.request("POST", "/addresses", data=data)
        assert (r.status_code, r.content) == (400, b""), data
        r = offers.request("PUT", f"/addresses/{dom}/ivan", data=data)
        assert r.status_code == 400, data
    r = offers.post("/addresses", [1, 2])
    assert r.status_code == 422


@pytest.mark.parametrize("path", [
    "/addresses/{d}/nobody", "/addresses/{d}/a+b", "/addresses/{d}/..", "/addresses/{d}/.x",
    "/addresses/bad_domain/alice", "/addresses/x..y/alice", "/addresses/bad_domain",
    "/addresses/{d}/alice/extra",
])
def test_unknown_or_impossible_names_404(offers, dom, path):
    p = path.format(d=dom)
    # a page is only read (DELETE there is 405: test_method_not_allowed_405)
    for method in ("GET",) if p.count("/") == 2 else ("GET", "DELETE"):
        r = offers.request(method, p)
        assert (r.status_code, r.content) == (404, b""), (method, p)


def test_token_required(offers, dom):
    for method, path in (("GET", f"/addresses/{dom}"), ("GET", f"/addresses/{dom}/a"),
                         ("POST", "/addresses"), ("DELETE", f"/addresses/{dom}/a")):
        r = offers.request(method, path, token=None)
        assert r.status_code == 401, (method, path)
        assert r.headers.get("WWW-Authenticate") == 'Bearer realm="offer"'


@pytest.mark.parametrize("method,path,allowed", [
    ("GET", "/addresses", {"POST"}),
    ("DELETE", "/addresses", {"POST"}),
    ("POST", "/addresses/x.example", {"GET"}),
    ("PATCH", "/addresses/x.example/alice", {"GET", "PUT", "DELETE"}),
])
def test_method_not_allowed_405(offers, method, path, allowed):
    H.check_405(offers, method, path, allowed, "offer")


# ----------------------------------------------------------------------------- the CLI

@pytest.fixture
def acli(env, cli):
    """swgr offer address <args> -b URL -a TOKENFILE"""
    def run(*args, input=None, **kw):
        return cli.run("offer", "address", *args, "-b", env.stack.url("offer"), "-a",
                       env.token_files["offer"], input=input, **kw)
    return run


def test_cli_new_template(cli, tmp_path):
    o = new_uuid()
    r = ok(cli.run("offer", "address", "new", "-d", "Pay.Example.COM:8443", "-u", "Alice",
                   "-p", "P1", "-O", o))
    a = out_json(r)
    assert list(a) == FIELDS
    assert a == {"domain": "pay.example.com:8443", "username": "alice", "partition": "P1",
                 "offer": o, "enabled": True}
    assert r.stdout.rstrip("\n") == pretty(a)
    assert "swgr offer address post --help" in r.stderr
    ok(cli.run("offer", "address", "new", "--domain", "x.y", "--username", "_",
               "--partition", "p", "--offer-id", o, "-o", tmp_path / "a.json"))
    assert json.loads((tmp_path / "a.json").read_text())["username"] == "_"
    for args in (["-d", "x_y", "-u", "a", "-p", "p", "-O", o],
                 ["-d", "x.y", "-u", "a+b", "-p", "p", "-O", o],
                 ["-d", "x.y", "-u", "a", "-p", "p", "-O", "nope"],
                 ["-d", "x.y", "-u", "a", "-p", "p"]):
        r = cli.run("offer", "address", "new", *args)
        assert r.returncode == 2, (args, r.returncode, r.stderr)


def test_cli_crud_messages(env, acli, offers, part, dom, oid):
    a = address(dom, "Judy", part, oid)
    r = ok(acli("post", "-i", write_json(env, a)))
    assert f"Address created: {dom}/judy" in r.stderr
    fails(acli("post", "-i", write_json(env, a)), 1, "conflict",
          f"Conflict. Address already exists at: {dom}/judy")
    r = ok(acli("get", dom.upper(), "JUDY"))
    assert r.stdout.rstrip("\n") == pretty(expected(a))
    fails(acli("get", dom, "nobody"), 1, "not found", f"Address {dom}/nobody not found")
    # put: update (stdin), then create
    r = ok(acli("put", dom, "Judy", input=json.dumps(sparse(dict(a, enabled=False)))))
    assert f"Address updated: {dom}/judy" in r.stderr
    assert out_json(ok(acli("get", dom, "judy")))["enabled"] is False
    r = ok(acli("put", dom, "kim", "-i", write_json(env, address("else.example", "x", part, oid))))
    assert f"Address created: {dom}/kim" in r.stderr
    assert offers.get(f"/addresses/{dom}/kim").json()["domain"] == dom
    # a page, its start and count
    assert [x["username"] for x in out_json(ok(acli("get", dom)))] == ["judy", "kim"]
    assert [x["username"] for x in out_json(ok(acli("get", dom, "-s", 1, "-c", 1)))] == ["kim"]
    assert out_json(ok(acli("get", dom, "--count", 0))) == []
    fails(acli("get", dom, "-c", H.MAX_PAGE_SIZE + 1), 1, "invalid input, http status: 400")
    # the service's refusals: a missing offer, an offer in use
    fails(acli("post", "-i", write_json(env, address(dom, "lee", part, new_uuid()))), 1,
          "invalid input")
    fails(acli("put", dom, "lee", input=json.dumps(sparse(address(dom, "x", part + "-z", oid)))),
          1, "invalid input")
    fails(H.Cli(H.binary("swgr")).run("offer", "delete", part, oid, "-b", env.stack.url("offer"),
                                      "-a", env.token_files["offer"]), 1, "invalid input")
    # a body the reader refuses never leaves the command
    fails(acli("post", input=json.dumps(dict(a, username="a+b"))), 1, "username")
    # delete
    for u in ("judy", "KIM"):
        r = ok(acli("delete", dom, u))
        assert f"Address deleted: {dom}/{u.lower()}" in r.stderr
    fails(acli("delete", dom, "judy"), 1, "not found", f"Address not found: {dom}/judy")
    assert offers.get(f"/addresses/{dom}").text == "[]"


@pytest.mark.parametrize("args", [
    ["get"], ["get", "x_y"], ["get", "x.y", "a+b"], ["get", "x.y", "a", "-s", "1"],
    ["get", "x.y", "a", "--count", "2"], ["get", "x.y", "-s", "minus"],
    ["put", "x.y"], ["put", "x.y", ".."], ["delete", "x.y"], ["delete", "-x.y", "a"],
    ["post", "extra"], ["no-such"],
])
def test_cli_usage_errors_exit_2(cli, args):
    r = cli.run("offer", "address", *args)
    assert r.returncode == 2, (args, r.returncode, r.stderr)


@pytest.mark.parametrize("cmd", ["", "new", "get", "post", "put", "delete"])
def test_cli_help_exits_0(cli, cmd):
    r = cli.run("offer", "address", *([cmd] if cmd else []), "--help")
    assert r.returncode == 0, (r.returncode, r.stderr)
    assert "usage" in r.stdout.lower()
    assert (cmd or "address") in r.stdout
