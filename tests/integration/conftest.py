"""Session fixtures: one database server (SWGR_TEST_DB), keys and tokens, both admin
responders under spawn-fcgi and nginx configured from the shipped example."""

import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness as H  # noqa: E402
import web  # noqa: E402


# Sanitizer reports (a build of scripts/sanitize.sh, ./configure --enable-sanitizers):
# every process of ours that the session starts writes its ASan/UBSan/LSan report into
# SANITIZER_LOGS (log_path: one file per process, <prefix>.<pid>) instead of a stderr
# that no test reads; test_zz_sanitizers.py, run last, fails if any file appeared.
# Without a sanitizer build the variables do nothing and the directory stays empty.
SANITIZER_LOGS = Path(os.environ.get("SWGR_SANITIZER_LOGS") or
                      tempfile.mkdtemp(prefix="swgr-sanitizer-logs-"))
SANITIZER_LOGS.mkdir(parents=True, exist_ok=True)


def _sanitizer_env(var, prefix, default):
    opts = os.environ.get(var) or default
    opts = ":".join(o for o in opts.split(":") if o and not o.startswith("log_path="))
    os.environ[var] = f"{opts}:log_path={SANITIZER_LOGS / prefix}:log_exe_name=1"


_sanitizer_env("ASAN_OPTIONS", "asan", "detect_leaks=1:abort_on_error=1")
_sanitizer_env("UBSAN_OPTIONS", "ubsan", "print_stacktrace=1:halt_on_error=1")


# The metrics segments (core/metrics.h) of every process the session starts go under a
# runtime directory of the session's own (the default $RUNTIME_DIRECTORY/metrics), not
# the host's /run/swgr/metrics, which another run's scrape would then sum.  On tmpfs, as
# /run is on a usual host: a shared mapping of a disk file is written back, and the next
# store to each page written back waits in a page fault.
RUNTIME_DIR = Path(tempfile.mkdtemp(prefix="swgr-test-runtime-",
                                    dir="/dev/shm" if os.path.isdir("/dev/shm") else None))
RUNTIME_DIR.chmod(0o1777)   # test_privilege's processes run as other users
os.environ["RUNTIME_DIRECTORY"] = str(RUNTIME_DIR)


class Env:
    pass


ONCE_SKIP = ("a slow fault test in which neither the store nor the web server plays a part: "
             "it runs once, on SQLite through nginx, not again on every database and server")


WEBLESS_SKIP = ("the web server plays no part here (the admin calls of its set-up only): it "
                "runs through nginx, on every store, not again through the other servers")


def pytest_collection_modifyitems(config, items):
    """@pytest.mark.once (pytest.ini): skipped, with why, unless SWGR_TEST_DB is sqlite and
    SWGR_TEST_WEB nginx (the row of the suite that runs every test); @pytest.mark.webless:
    unless SWGR_TEST_WEB is nginx."""
    nginx = web.kind() == "nginx"
    once = pytest.mark.skip(reason=ONCE_SKIP)
    webless = pytest.mark.skip(reason=WEBLESS_SKIP)
    for item in items:
        if item.get_closest_marker("once") and not (nginx and H.provider() == "sqlite"):
            item.add_marker(once)
        elif item.get_closest_marker("webless") and not nginx:
            item.add_marker(webless)


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


# The check must be able to see a 5xx: the pattern matches the responders' access line
# of a 500 (format of test_lifecycle.ACCESS_RE), checked here once at import.
assert _5XX_RE.search("[2026-01-01T00:00:00Z ERROR clf::offer] 127.0.0.1 - - "
                      "[01/Jan/2026:00:00:00 +0000] GET /offers/x HTTP/1.1 500 -")


def _log_size(path):
    """Size of a session log before the test; None if it cannot be read (the check after
    the test then fails: a missing log proves nothing)."""
    try:
        return path.stat().st_size
    except OSError:
        return None


def _new_5xx_lines(path, size_before):
    """The 5xx access lines written to path since it had size_before bytes.  Raises
    AssertionError when the log is missing, unreadable or was truncated or replaced
    (shorter than before): then no line of the test could be checked."""
    assert size_before is not None, f"{path}: session log missing before the test"
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            assert size >= size_before, f"{path}: log shrank from {size_before} to {size} bytes"
            f.seek(size_before)
            text = f.read().decode(errors="replace")
    except OSError as e:
        raise AssertionError(f"{path}: session log unreadable after the test: {e}") from e
    return [m.group(0) for m in _5XX_RE.finditer(text)]


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
            five += _new_5xx_lines(p, sizes[svc])
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
