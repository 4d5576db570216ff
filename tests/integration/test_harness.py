"""The harness itself: the example nginx config is what runs, keys come from the CLI,
both services answer /health without a token."""

import harness as H


def test_nginx_config_is_the_example(env):
    generated = (env.stack.nginx.dir / "conf" / "swgr-admin.conf").read_text()
    example = H.EXAMPLE_NGINX.read_text()
    back = generated
    for svc in ("discovery", "offer"):
        back = back.replace(f":{env.stack.nginx.ports[svc]};", f":{H.EXAMPLE_PORTS[svc]};")
        back = back.replace(f"unix:{env.stack.socks[svc]};", f"unix:{H.EXAMPLE_SOCKS[svc]};")
    assert back == example
    assert "client_max_body_size 3m;" in example
    assert example.count("include fastcgi_params;") == 2


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
