"""The swgr command (spec 15) against the running services: messages, exit codes, output."""

import base64
import json
import re
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

import harness as H
from harness import backend, expected_backend_text, metadata, new_uuid, node_key, offer

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def pretty(obj):
    return json.dumps(obj, indent=2, ensure_ascii=False)


def out_json(r):
    return json.loads(r.stdout)


def ok(r):
    assert r.returncode == 0, (r.returncode, r.stdout[-500:], r.stderr[-1500:])
    return r


def fails(r, code, *needles):
    assert r.returncode == code, (r.returncode, r.stdout[-500:], r.stderr[-1500:])
    low = r.stderr.lower()
    for n in needles:
        assert n.lower() in low, (n, r.stderr[-1500:])
    return r


@pytest.fixture
def dcli(env, cli):
    """swgr discovery <args> -b URL -a TOKENFILE"""
    def run(*args, input=None, **kw):
        return cli.run("discovery", *args, "-b", env.stack.url("discovery"), "-a",
                       env.token_files["discovery"], input=input, **kw)
    return run


@pytest.fixture
def ocli(env, cli):
    def run(*args, input=None, **kw):
        return cli.run("offer", *args, "-b", env.stack.url("offer"), "-a", env.token_files["offer"],
                       input=input, **kw)
    return run


@pytest.fixture
def mcli(env, cli):
    def run(*args, input=None, **kw):
        return cli.run("offer", "metadata", *args, "-b", env.stack.url("offer"), "-a",
                       env.token_files["offer"], input=input, **kw)
    return run


def write_json(env, obj):
    p = env.tmp / f"in-{new_uuid()}.json"
    p.write_text(json.dumps(obj))
    return p


# ----------------------------------------------------------------------------- help, usage

HELP_COMMANDS = [
    [], ["discovery"], ["offer"], ["discovery", "token"], ["offer", "token"],
    ["discovery", "token", "key"], ["discovery", "token", "mint"], ["discovery", "token", "mint-all"],
    ["discovery", "token", "verify"], ["offer", "token", "key"], ["offer", "token", "mint"],
    ["offer", "token", "mint-all"], ["offer", "token", "verify"],
    ["discovery", "new"], ["discovery", "ls"], ["discovery", "get"], ["discovery", "post"],
    ["discovery", "put"], ["discovery", "patch"], ["discovery", "enable"], ["discovery", "disable"],
    ["discovery", "delete"], ["discovery", "rm"],
    ["offer", "new"], ["offer", "get"], ["offer", "post"], ["offer", "put"], ["offer", "delete"],
    ["offer", "metadata"], ["offer", "metadata", "new"], ["offer", "metadata", "get"],
    ["offer", "metadata", "post"], ["offer", "metadata", "put"], ["offer", "metadata", "delete"],
    # `swgr service` is replaced by the FastCGI responders (architecture.md): not tested.
]


@pytest.mark.parametrize("cmd", HELP_COMMANDS, ids=lambda c: " ".join(c) or "swgr")
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_exits_0(cli, cmd, flag):
    r = cli.run(*cmd, flag)
    assert r.returncode == 0, (r.returncode, r.stderr)
    assert "usage" in r.stdout.lower(), r.stdout[:300]
    if cmd:
        assert {"rm": "delete"}.get(cmd[-1], cmd[-1]) in r.stdout


def test_version(cli):
    r = cli.run("--version")
    assert r.returncode == 0
    assert re.search(r"\d+\.\d+", r.stdout), r.stdout
    assert cli.run("-V").returncode == 0


@pytest.mark.parametrize("args", [
    ["--no-such-flag"], ["discovery", "--no-such-flag"], ["no-such-command"],
    ["discovery", "token", "mint", "-k", "/nonexistent"],              # --expires is required
    ["discovery", "token", "key", "-p", "/tmp/x"],                      # -k missing
    ["discovery", "new", "cln-grpc", "02" + "11" * 32],                 # --partition missing
    ["discovery", "new", "eclair", node_key(), "-p", "a"],              # bad implementation kind
    ["offer", "new", "-p", "a"],                                         # --metadata-id missing
    ["offer", "metadata", "new", "-p", "a"],                             # --text missing
    ["offer", "get", "a", new_uuid(), "-s", "1"],                        # start with id
    ["offer", "get", "a", new_uuid(), "--count", "3"],
    ["offer", "metadata", "get", "a", new_uuid(), "-c", "3"],
    ["offer", "get", "a", "-s", "minus-one"],
    ["discovery", "token", "mint", "-k", "/x", "-e", "soon"],
    ["-l", "loud", "discovery", "ls"],
    ["discovery", "enable"],
    ["offer", "put", "a"],
])
def test_usage_errors_exit_2(cli, args):
    r = cli.run(*args)
    assert r.returncode == 2, (args, r.returncode, r.stderr)


# ----------------------------------------------------------------------------- tokens

@pytest.mark.parametrize("svc", ["discovery", "offer"])
def test_token_key_mint_verify(env, cli, svc, tmp_path):
    pub, priv, tok = tmp_path / "pub.pem", tmp_path / "priv.pem", tmp_path / "tok"
    ok(cli.run(svc, "token", "key", "-p", pub, "-k", priv))
    assert pub.read_text().startswith("-----BEGIN PUBLIC KEY-----\n")
    assert priv.read_text().startswith("-----BEGIN PRIVATE KEY-----\n")
    assert "\r" not in pub.read_text() + priv.read_text()
    k = serialization.load_pem_public_key(pub.read_bytes())
    assert isinstance(k.curve, ec.SECP256R1)
    sk = serialization.load_pem_private_key(priv.read_bytes(), None)
    assert sk.public_key().public_numbers() == k.public_numbers()

    before = int(time.time())
    ok(cli.run(svc, "token", "mint", "-k", priv, "-e", 120, "-o", tok))
    t = tok.read_text()
    assert not t.endswith("\n")
    claims = json.loads(base64.urlsafe_b64decode(t.split(".")[1] + "=="))
    assert claims["aud"] == svc
    assert before + 120 <= claims["exp"] <= int(time.time()) + 120

    r = ok(cli.run(svc, "token", "mint", "-k", priv, "--expires", 60))
    assert r.stdout.count(".") == 2 and not r.stdout.endswith("\n")
    r = ok(cli.run(svc, "token", "mint", "-k", priv, "-e", 60, "-o", "-"))
    assert r.stdout.count(".") == 2

    r = ok(cli.run(svc, "token", "verify", "-p", pub, "-t", tok))
    assert r.stdout.rstrip("\n") == '{\n  "aud": "%s",\n  "exp": %d\n}' % (svc, claims["exp"])
    r = ok(cli.run(svc, "token", "verify", "--public", pub, input=t))          # from stdin
    assert json.loads(r.stdout) == claims
    r = ok(cli.run(svc, "token", "verify", "-p", pub, "-t", tok, "-o", tmp_path / "claims.json"))
    assert json.loads((tmp_path / "claims.json").read_text()) == claims
    ok(cli.run(svc, "token", "verify", "-p", pub, input=t + "\n"))            # a port may trim


@pytest.mark.parametrize("svc", ["discovery", "offer"])
def test_token_verify_rejects(env, cli, svc, tmp_path):
    other = "offer" if svc == "discovery" else "discovery"
    pub, priv = tmp_path / "pub.pem", tmp_path / "priv.pem"
    ok(cli.run(svc, "token", "key", "-p", pub, "-k", priv))
    keys = H.Keys(pub, priv)
    stranger = H.Keys.generate_python(tmp_path / "s-pub.pem", tmp_path / "s-priv.pem")
    bad = {
        "wrong audience (cli-minted)": None,
        "wrong audience": keys.token(other, 3600),
        "expired": keys.token(svc, -120),
        "another key": stranger.token(svc, 3600),
        "alg none": H.none_token({"aud": svc, "exp": int(time.time()) + 3600}),
        "HS256 with public pem": H.hs256_token(pub.read_bytes(), {"aud": svc, "exp": int(time.time()) + 3600}),
        "audience array": keys.sign({"typ": "JWT", "alg": "ES256"}, {"aud": [svc], "exp": int(time.time()) + 99}),
        "garbage": "garbage",
    }
    r = ok(cli.run(other, "token", "mint", "-k", priv, "-e", 3600))
    bad["wrong audience (cli-minted)"] = r.stdout
    for name, tok in bad.items():
        r = cli.run(svc, "token", "verify", "-p", pub, input=tok)
        assert r.returncode == 1, (name, r.returncode, r.stdout)
        assert r.stdout.strip() == "", name
    # within the 60 s leeway: valid
    ok(cli.run(svc, "token", "verify", "-p", pub, input=keys.token(svc, -30)))


@pytest.mark.parametrize("svc", ["discovery", "offer"])
def test_token_mint_all_and_use(env, cli, svc, tmp_path):
    pub, priv, tok = tmp_path / "p.pem", tmp_path / "k.pem", tmp_path / "t"
    ok(cli.run(svc, "token", "mint-all", "-p", pub, "-k", priv, "-e", 300, "-o", tok))
    assert pub.exists() and priv.exists()
    r = ok(cli.run(svc, "token", "verify", "-p", pub, "-t", tok))
    assert json.loads(r.stdout)["aud"] == svc
    # not accepted by the running service: different authority key
    api = env.disc if svc == "discovery" else env.offers
    path = "/discovery" if svc == "discovery" else "/offers/x"
    assert api.get(path, token=tok.read_text()).status_code == 401
    # a token minted by the CLI with the service's key is accepted
    r = ok(cli.run(svc, "token", "mint", "-k", env.keys[svc].private_path, "-e", 60))
    assert api.get(path, token=r.stdout.strip()).status_code == 200


def test_token_key_unreadable_private_exit_1(cli, tmp_path):
    r = cli.run("discovery", "token", "mint", "-k", tmp_path / "missing.pem", "-e", 5)
    assert r.returncode == 1
    (tmp_path / "junk.pem").write_text("not a key")
    r = cli.run("discovery", "token", "mint", "-k", tmp_path / "junk.pem", "-e", 5)
    assert r.returncode == 1


# ----------------------------------------------------------------------------- discovery

CLN_IMPL = {"auth": {"caCertPath": "/path/to/ca.pem", "clientCertPath": "/path/to/client.pem",
                     "clientKeyPath": "/path/to/client-key.pem", "type": "path"},
            "domain": "localhost", "type": "clnGrpc", "url": "https://127.0.0.1:9736/"}
LND_IMPL = {"ampInvoice": False, "auth": {"macaroonPath": "/path/to/admin.macaroon",
                                          "tlsCertPath": "/path/to/tls.cert", "type": "path"},
            "domain": "localhost", "type": "lndGrpc", "url": "https://127.0.0.1:10009/"}
ECLAIR_IMPL = {"auth": {"passwordPath": "/path/to/eclair-api-password", "type": "path"},
               "type": "eclairHttp", "url": "http://127.0.0.1:8080/"}


@pytest.mark.parametrize("kind,impl", [("cln-grpc", CLN_IMPL), ("lnd-grpc", LND_IMPL),
                                       ("eclair-http", ECLAIR_IMPL)])
@pytest.mark.parametrize("name", [None, "my node"])
def test_discovery_new_template(cli, kind, impl, name, tmp_path):
    pk = node_key()
    args = ["discovery", "new", kind, pk, "-p", "part-x"] + (["-n", name] if name else [])
    r = ok(cli.run(*args))
    exp = {"publicKey": pk}
    if name:
        exp["name"] = name
    exp.update({"partitions": ["part-x"], "weight": 1, "enabled": False, "implementation": impl})
    assert r.stdout.rstrip("\n") == pretty(exp)
    assert '"enabled": false' in r.stdout
    assert len([x for x in r.stderr.splitlines() if x.startswith("[INFO]")]) == 2, r.stderr
    ok(cli.run(*args, "-o", tmp_path / "t.json"))
    assert json.loads((tmp_path / "t.json").read_text()) == exp


def test_discovery_new_invalid_key_exit_1(cli):
    r = cli.run("discovery", "new", "cln-grpc", "02" + "00" * 32, "-p", "a")
    assert r.returncode == 1
    assert r.stdout == ""


def test_discovery_crud_messages(env, dcli):
    b = backend(name="cli-node", weight=3, enabled=True)
    pk = b["publicKey"]
    f = write_json(env, b)
    r = ok(dcli("post", "-i", f))
    assert f"Backend created: {pk}" in r.stderr
    assert "[INFO]" in r.stderr
    fails(dcli("post", "-i", f), 1, "conflict", f"Conflict. A backend already exists at: {pk}")
    # get one: pretty JSON
    r = ok(dcli("get", pk))
    assert r.stdout.rstrip("\n") == pretty(expected_backend_text(b))
    assert '"enabled": true' in r.stdout
    # get all: pretty array containing it
    r = ok(dcli("get"))
    arr = out_json(r)
    assert expected_backend_text(b) in arr
    assert r.stdout.lstrip().startswith("[\n")
    # -o file
    out = env.tmp / f"get-{pk}.json"
    ok(dcli("get", pk, "-o", out))
    assert json.loads(out.read_text()) == expected_backend_text(b)
    # disable / enable
    r = ok(dcli("disable", pk))
    assert f"Backend patched: {pk}: enabled:false" in r.stderr
    assert '"enabled": false' in ok(dcli("get", pk)).stdout
    r = ok(dcli("enable", pk))
    assert f"Backend patched: {pk}: enabled:true" in r.stderr
    assert '"enabled": true' in ok(dcli("get", pk)).stdout
    # patch
    r = ok(dcli("patch", pk, "-i", write_json(env, {"weight": 11, "name": "patched"})))
    assert f"Backend patched: {pk}" in r.stderr
    got = out_json(ok(dcli("get", pk)))
    assert (got["weight"], got["name"]) == (11, "patched")
    # put (update): a full backend file works, its publicKey ignored
    b2 = dict(b, publicKey=node_key(), weight=4, partitions=["z"])
    r = ok(dcli("put", pk, "-i", write_json(env, b2)))
    assert f"Backend updated: {pk}" in r.stderr
    got = out_json(ok(dcli("get", pk)))
    assert (got["publicKey"], got["weight"], got["partitions"]) == (pk, 4, ["z"])
    assert env.disc.get(f"/discovery/{b2['publicKey']}").status_code == 404
    # delete, then everything is "not found"
    r = ok(dcli("delete", pk))
    assert f"Backend deleted: {pk}" in r.stderr
    fails(dcli("delete", pk), 1, "not found", f"Backend not found: {pk}")
    fails(dcli("get", pk), 1, "not found", f"Backend {pk} not found")
    fails(dcli("patch", pk, "-i", write_json(env, {"weight": 1})), 1, "not found", f"Backend not found: {pk}")
    fails(dcli("enable", pk), 1, "not found", f"Backend not found: {pk}")
    fails(dcli("disable", pk), 1, "not found")
    # put (create) from stdin
    r = ok(dcli("put", pk, input=json.dumps({k: v for k, v in b.items() if k != "publicKey"})))
    assert f"Backend created: {pk}" in r.stderr
    r = ok(dcli("rm", pk))
    assert f"Backend deleted: {pk}" in r.stderr
    assert env.disc.get(f"/discovery/{pk}").status_code == 404


def test_discovery_post_stdin_and_dash(env, dcli):
    b = backend()
    r = ok(dcli("post", input=json.dumps(b)))
    assert f"Backend created: {b['publicKey']}" in r.stderr
    b = backend()
    ok(dcli("post", "-i", "-", input=json.dumps(b)))
    assert env.disc.get(f"/discovery/{b['publicKey']}").status_code == 200


def test_discovery_invalid_input(env, dcli):
    r = dcli("post", input='{"publicKey": "nope"}')
    assert r.returncode == 1
    r = dcli("post", input="{not json")
    assert r.returncode == 1


def test_discovery_ls_format(env, dcli):
    named = backend(name="ls-named", weight=5, enabled=True)
    anon = backend(name=None, weight=0, enabled=False)
    for b in (named, anon):
        assert env.disc.post("/discovery", b).status_code == 201
    r = ok(dcli("ls"))
    assert r.stdout.startswith("# Discovery Backends\n")
    for b, name, en in ((named, "ls-named", "true"), (anon, "[null]", "false")):
        pk = b["publicKey"]
        block = (f"\n## Public key: {pk}\n\n* name: {name}\n* location: {pk}\n"
                 f"* enabled: {en}\n* weight: {b['weight']}\n\n")
        assert block in r.stdout, r.stdout[-600:]


def test_discovery_env_vars_instead_of_flags(env, cli):
    e = {"DISCOVERY_STORE_HTTP_BASE_URL": env.stack.url("discovery"),
         "DISCOVERY_STORE_HTTP_AUTHORIZATION": str(env.token_files["discovery"])}
    r = ok(cli.run("discovery", "ls", env=e))
    assert r.stdout.startswith("# Discovery Backends")
    r = cli.run("discovery", "ls")
    fails(r, 1, "Missing DISCOVERY_STORE_HTTP_BASE_URL")
    r = cli.run("discovery", "ls", env={"DISCOVERY_STORE_HTTP_BASE_URL": env.stack.url("discovery")})
    fails(r, 1, "Missing DISCOVERY_STORE_HTTP_AUTHORIZATION")
    r = cli.run("offer", "get", "x", env={"OFFER_STORE_HTTP_AUTHORIZATION": str(env.token_files["offer"])})
    fails(r, 1, "Missing OFFER_STORE_HTTP_BASE_URL")


def test_cli_token_file_with_newline_and_bad_token(env, cli):
    f = env.tmp / "tok-nl"
    f.write_text(env.tokens["discovery"] + "\n")
    ok(cli.run("discovery", "ls", "-b", env.stack.url("discovery"), "-a", f))
    f.write_text(H.Keys.generate_python(env.tmp / "x-pub.pem", env.tmp / "x-priv.pem").token("discovery"))
    r = cli.run("discovery", "ls", "-b", env.stack.url("discovery"), "-a", f)
    fails(r, 1, "invalid input, http status: 401")
    # the offer token is not a discovery token
    r = cli.run("discovery", "get", "-b", env.stack.url("discovery"), "-a", env.token_files["offer"])
    fails(r, 1, "invalid input, http status: 401")


def test_cli_unreachable_service_exit_1(env, cli):
    r = cli.run("discovery", "ls", "-b", f"http://127.0.0.1:{H.free_port()}", "-a", env.token_files["discovery"])
    assert r.returncode == 1


def test_cli_log_level_error_silences_info(env, cli):
    b = backend()
    r = cli.run("-l", "error", "discovery", "post", "-b", env.stack.url("discovery"), "-a",
                env.token_files["discovery"], input=json.dumps(b))
    ok(r)
    assert "Backend created" not in r.stderr
    assert env.disc.get(f"/discovery/{b['publicKey']}").status_code == 200


# ----------------------------------------------------------------------------- offers

def test_offer_new_template(cli, tmp_path):
    mid = new_uuid()
    r = ok(cli.run("offer", "new", "-p", "tp", "-m", mid))
    o = out_json(r)
    assert list(o) == ["partition", "id", "maxSendable", "minSendable", "metadataId", "timestamp", "expires"]
    assert UUID_RE.match(o["id"])
    assert o == {"partition": "tp", "id": o["id"], "maxSendable": 0, "minSendable": 0, "metadataId": mid,
                 "timestamp": "1970-01-01T00:00:00Z", "expires": "1970-01-02T00:00:00Z"}
    assert r.stdout.rstrip("\n") == pretty(o)
    o2 = out_json(ok(cli.run("offer", "new", "-p", "tp", "-m", mid)))
    assert o2["id"] != o["id"]
    ok(cli.run("offer", "new", "-p", "tp", "-m", mid, "-o", tmp_path / "o.json"))
    assert json.loads((tmp_path / "o.json").read_text())["metadataId"] == mid
    r = cli.run("offer", "new", "-p", "tp", "-m", "not-a-uuid")
    assert r.returncode == 2, (r.returncode, r.stderr)     # spec 15: a bad value is a usage error


def test_metadata_new_template(cli):
    r = ok(cli.run("offer", "metadata", "new", "-p", "mp", "-t", "hello 'world'"))
    m = out_json(r)
    assert list(m) == ["id", "partition", "text"]
    assert UUID_RE.match(m["id"])
    assert (m["partition"], m["text"]) == ("mp", "hello 'world'")
    assert r.stdout.rstrip("\n") == pretty(m)


def test_offer_and_metadata_crud_messages(env, ocli, mcli, part):
    # ids ascending in creation order: with MySQL's 1 s timestamps creation ties are
    # broken by id, so both rules give the same page order
    mid, mid2 = sorted([new_uuid(), new_uuid()])
    m = metadata(part, mid, text="cli meta")
    r = ok(mcli("post", "-i", write_json(env, m)))
    assert f"Created: {mid}" in r.stderr
    fails(mcli("post", "-i", write_json(env, m)), 1, "conflict", f"Conflict. Metadata already exists at: {mid}")
    r = ok(mcli("get", part, mid))
    assert r.stdout.rstrip("\n") == pretty(H.expected_metadata(m))
    r = ok(mcli("put", part, mid, "-i", write_json(env, {"text": "updated"})))
    assert f"Updated: {mid}" in r.stderr
    assert out_json(ok(mcli("get", part, mid)))["text"] == "updated"
    r = ok(mcli("put", part, mid2, input=json.dumps({"text": "second"})))
    assert f"Created: {mid2}" in r.stderr
    arr = out_json(ok(mcli("get", part)))
    assert [x["id"] for x in arr] == [mid, mid2]
    assert [x["id"] for x in out_json(ok(mcli("get", part, "-s", 1, "-c", 1)))] == [mid2]
    assert out_json(ok(mcli("get", part, "--start", 0, "--count", 0))) == []
    fails(mcli("get", part, new_uuid()), 1, "not found")

    o = offer(part, mid)
    oid = o["id"]
    r = ok(ocli("post", "-i", write_json(env, o)))
    assert f"Offer created: {oid}" in r.stderr
    fails(ocli("post", "-i", write_json(env, o)), 1, "conflict", f"Conflict. Offer already exists at: {oid}")
    r = ok(ocli("get", part, oid))
    assert r.stdout.rstrip("\n") == pretty(H.expected_offer(o))
    arr = out_json(ok(ocli("get", part)))
    assert [x["id"] for x in arr] == [oid]
    assert out_json(ok(ocli("get", part, "-s", 1))) == []
    fails(ocli("get", part, new_uuid()), 1, "not found")
    # missing metadata: remote 400
    fails(ocli("post", "-i", write_json(env, offer(part, new_uuid()))), 1, "invalid input")
    # metadata still referenced: remote 400
    fails(mcli("delete", part, mid), 1, "invalid input")
    # put: update, then create
    r = ok(ocli("put", part, oid, "-i", write_json(env, dict(o, maxSendable=7_777))))
    assert f"Offer updated: {oid}" in r.stderr
    assert out_json(ok(ocli("get", part, oid)))["maxSendable"] == 7_777
    oid2 = new_uuid()
    sparse = {k: v for k, v in o.items() if k not in ("partition", "id")}
    r = ok(ocli("put", part, oid2, input=json.dumps(sparse)))
    assert f"Offer created: {oid2}" in r.stderr
    # delete
    for x in (oid, oid2):
        r = ok(ocli("delete", part, x))
        assert f"Offer deleted: {x}" in r.stderr
    fails(ocli("delete", part, oid), 1, "not found", f"Offer not Found: {oid}")
    r = ok(mcli("delete", part, mid))
    assert f"Deleted: {mid}" in r.stderr
    fails(mcli("delete", part, mid), 1, "not found", f"Not Found: {mid}")
    ok(mcli("delete", part, mid2))
    assert env.offers.get(f"/metadata/{part}").text == "[]"


def test_offer_get_paging_defaults(env, ocli, part):
    m = metadata(part)
    assert env.offers.post("/metadata", m).status_code == 201
    ids = sorted(new_uuid() for _ in range(3))
    for oid in ids:
        assert env.offers.post("/offers", offer(part, m["id"], oid=oid)).status_code == 201
    assert [x["id"] for x in out_json(ok(ocli("get", part)))] == ids
    assert [x["id"] for x in out_json(ok(ocli("get", part, "-c", 2)))] == ids[:2]
    assert [x["id"] for x in out_json(ok(ocli("get", part, "-s", 2, "-c", 1)))] == ids[2:]
    # above max-page-size: remote 400
    fails(ocli("get", part, "-c", H.MAX_PAGE_SIZE + 1), 1, "invalid input, http status: 400")


def test_offer_cli_bad_base_url_env(env, cli):
    e = {"OFFER_STORE_HTTP_BASE_URL": env.stack.url("offer") + "/",
         "OFFER_STORE_HTTP_AUTHORIZATION": str(env.token_files["offer"])}
    r = ok(cli.run("offer", "metadata", "get", "nothing-here", env=e))   # trailing '/' trimmed
    assert out_json(r) == []
