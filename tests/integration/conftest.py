"""Session fixtures: one database server (SWGR_TEST_DB), keys and tokens, both admin
responders under spawn-fcgi and nginx configured from the shipped example."""

import os
import re
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness as H  # noqa: E402


class Env:
    pass


def _make_keys(env):
    """Keys with `swgr <svc> token key`, tokens with `swgr <svc> token mint`.  If the CLI
    fails, fall back to Python-made keys/tokens so the HTTP tests still run; the
    failure is kept in env.cli_setup_errors and asserted by test_harness."""
    env.keys, env.tokens, env.cli_setup_errors = {}, {}, []
    cli = None
    try:
        cli = H.Cli(H.binary("swgr"))
    except RuntimeError as e:
        env.cli_setup_errors.append(str(e))
    for svc in ("discovery", "offer"):
        pub, priv, tok = env.tmp / f"{svc}-public.pem", env.tmp / f"{svc}-private.pem", env.tmp / f"{svc}.token"
        keys = None
        if cli is not None:
            r = cli.run(svc, "token", "key", "-p", pub, "-k", priv)
            if r.returncode == 0 and pub.exists() and priv.exists():
                keys = H.Keys(pub, priv)
                try:
                    keys.private_key()
                except Exception as e:  # noqa: BLE001
                    env.cli_setup_errors.append(f"{svc} token key wrote an unusable key: {e}")
                    keys = None
            else:
                env.cli_setup_errors.append(f"{svc} token key: rc={r.returncode} {r.stderr[-500:]}")
        if keys is None:
            keys = H.Keys.generate_python(pub, priv)
        token = None
        if cli is not None:
            r = cli.run(svc, "token", "mint", "-k", priv, "-e", 86400, "-o", tok)
            if r.returncode == 0 and tok.exists() and tok.read_text().strip():
                token = tok.read_text()
            else:
                env.cli_setup_errors.append(f"{svc} token mint: rc={r.returncode} {r.stderr[-500:]}")
        if token is None:
            token = keys.token(svc, 86400)
            tok.write_text(token)
        env.keys[svc] = keys
        env.tokens[svc] = token.strip()
        env.token_files = getattr(env, "token_files", {})
        env.token_files[svc] = tok


@pytest.fixture(scope="session")
def env():
    e = Env()
    e.provider = H.provider()
    e.tmp = H.make_tmpdir(f"swgr-integ-{e.provider}-")
    e.db = H.Database(e.provider, e.tmp)
    e.stack = None
    try:
        e.db.start()
        _make_keys(e)
        e.logs = {s: e.tmp / f"{s}.log" for s in ("discovery", "offer")}
        e.config = H.write_config(e.tmp / "config.yaml", e.db, e.keys, logs=e.logs)
        e.stack = H.Stack(e.tmp, e.config).start()
        e.disc = H.Api(e.stack.url("discovery"), e.tokens["discovery"])
        e.offers = H.Api(e.stack.url("offer"), e.tokens["offer"])
        yield e
    finally:
        if e.stack is not None:
            e.stack.stop()
        e.db.stop()
        if getattr(e, "config", None):
            H.remove_memory_store(e.config)
        if os.environ.get("SWGR_TEST_KEEP"):
            print(f"\nkept {e.tmp}")
        else:
            shutil.rmtree(e.tmp, ignore_errors=True)


# The modules of the admin-service contract suite: a 5xx answered during one of their
# tests fails that test (spec 2: never a 500 for client input).  Other modules may
# inject faults (database restarts) on purpose.
STRICT_5XX_MODULES = {"test_auth", "test_bad_input", "test_cli", "test_concurrency", "test_discovery",
                      "test_harness", "test_offers"}
_5XX_RE = re.compile(r"^\[\S+ ERROR clf::(discovery|offer)\] .* (5\d\d) -$", re.M)


def _log_size(path):
    try:
        return path.stat().st_size
    except OSError:
        return 0


@pytest.fixture(autouse=True)
def responders_survive(request):
    """After every test, each responder of the session stack must still be running
    (no crash on any input); a dead responder is reported and restarted.  In the
    contract modules, no request of the test may have been answered with a 5xx."""
    if "env" not in request.fixturenames:
        yield
        return
    e = request.getfixturevalue("env")
    sizes = {s: _log_size(p) for s, p in e.logs.items()}
    yield
    dead = []
    for svc, r in e.stack.responders.items():
        if not r.alive():
            dead.append(f"swgr-{svc} exited with {r.proc.returncode}; stderr tail: "
                        f"{r.stderr_text()[-1500:]}")
            r.terminate()
            r.start()
            H.wait_http(e.stack.url(svc) + "/health", r)
    assert not dead, "responder died during the test: " + "\n".join(dead)
    if request.module.__name__ in STRICT_5XX_MODULES:
        five = []
        for svc, p in e.logs.items():
            try:
                with open(p, "rb") as f:
                    f.seek(sizes[svc])
                    five += [m.group(0) for m in _5XX_RE.finditer(f.read().decode(errors="replace"))]
            except OSError:
                pass
        assert not five, f"{len(five)} requests answered 5xx: {five[:5]}"


@pytest.fixture
def disc(env):
    return env.disc


@pytest.fixture
def offers(env):
    return env.offers


@pytest.fixture
def cli(env):
    return H.Cli(H.binary("swgr"))


_counter = [0]


@pytest.fixture
def part(request):
    """A partition name unique to this test."""
    _counter[0] += 1
    return f"p{_counter[0]}-{H.new_uuid()[:8]}"
