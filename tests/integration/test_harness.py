"""The harness itself: the example web server config is what runs, keys come from the CLI,
both services answer /health without a token."""

import web


def test_web_config_is_the_example(env):
    """What runs is the example of the run's web server with only the ports and the
    socket paths replaced."""
    front = env.stack.web
    generated = (front.dir / "conf" / "swgr-admin.conf").read_text()
    example = front.example("admin").read_text()
    back = generated
    for svc in ("discovery", "offer"):
        back = back.replace(f":{front.ports[svc]}", f":{web.EXAMPLE_PORTS[svc]}")
        back = back.replace(env.stack.socks[svc], web.EXAMPLE_SOCKS[svc])
    assert back == example
    assert back != generated
    limits = {"nginx": "client_max_body_size 3m;", "lighttpd": "server.max-request-size = 3072",
              "apache": "LimitRequestBody 3145728"}
    assert example.count(limits[front.kind]) == 2


def test_keys_and_tokens_made_by_cli(env):
    assert env.cli_setup_errors == []
    for svc in ("discovery", "offer"):
        assert env.keys[svc].public_pem.startswith(b"-----BEGIN PUBLIC KEY-----\n")
        assert env.keys[svc].private_path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----\n")
        # mint writes no trailing newline (spec 15.3)
        assert not env.token_files[svc].read_bytes().endswith(b"\n")


def test_health_without_token(disc, offers):
    for api in (disc, offers):
        r = api.get("/health", token=None)
        assert r.status_code == 200, r.text
        assert r.content == b""


def test_health_with_token(disc, offers):
    for api in (disc, offers):
        r = api.get("/health")
        assert r.status_code == 200
        assert r.content == b""
