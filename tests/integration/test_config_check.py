"""The configuration check (-n -c FILE) of swgr-lnurl, swgr-discovery, swgr-offer and
swgr-monitord, and every program's --version: real binaries on files written here.
The check loads the file as start-up does but reaches no database and no node."""

import re
import subprocess
from pathlib import Path

import pytest

import harness as H

PROGRAMS = ("swgr-lnurl", "swgr-discovery", "swgr-offer", "swgr-monitord")
VERSION = re.search(r"AC_INIT\(\[swgr\],\s*\[([^\]]+)\]",
                    (Path(__file__).resolve().parents[2] / "configure.ac").read_text()).group(1)


def config_text(tmp, **over):
    """A configuration with every section, its files under tmp.  over replaces the
    line of a key (by its text before ':' with its indentation) or adds lines."""
    keys = H.Keys.generate_python(tmp / "auth.pub", tmp / "auth.key")
    (tmp / "secrets.env").write_text("DB_PASS=hunter2\n")
    (tmp / "token").write_text("some-token\n")
    # Both database stores point at servers that do not run: -n must not connect.
    return f"""\
lnurl-service:
  partitions: [default]
  address: 127.0.0.1:8080
  health-check-frequency-secs: 1.5
  parallel-health-check: true
  health-check-consecutive-success-to-healthy: 1
  health-check-consecutive-failure-to-unhealthy: 2
  backend-update-frequency-secs: 1
  invoice-expiry-secs: 180
  ln-client-timeout-secs: 2
  allowed-hosts: ["${{CHECK_HOST:-example.com}}"]
  backoff:
    type: exponential
    max-interval-secs: 5
  backend-selection: {{consistent: {{max_iterations: 100}}}}
  bech32-qr-scale: 8
  bech32-qr-light: 255
  bech32-qr-dark: 0
  request-deadline-secs: 10
discovery-service:
  address: 127.0.0.1:8081
  auth-authority: {keys.public_path}
offer-service:
  address: 127.0.0.1:8082
  auth-authority: {keys.public_path}
  max-page-size: 100
store:
  discover:
    type: database
    database-uri: "postgres://swgr:{{secret.DB_PASS}}@127.0.0.1:1/swgr"
    max-connections: 4
  offer:
    type: database
    database-uri: "sqlite://{tmp}/no-such-dir/offer.db?mode=rwc"
    max-connections: 4
  status:
    type: database
    database-uri: "mysql://swgr@127.0.0.1:1/status"
    max-connections: 2
secrets: {tmp}/secrets.env
monitor:
  instance: check-1
node-access:
  credential-directories: [{tmp}]
"""


def write(tmp, text):
    p = tmp / "config.yaml"
    p.write_text(text)
    return p


def check(prog, path, env=None):
    return subprocess.run([H.binary(prog), "-n", "-c", str(path)], capture_output=True,
                          text=True, timeout=30, env=env)


@pytest.fixture
def tmp(tmp_path):
    return tmp_path


@pytest.mark.parametrize("prog", PROGRAMS)
def test_valid(tmp, prog):
    path = write(tmp, config_text(tmp))
    r = check(prog, path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"{prog}: configuration {path} is valid\n"
    assert r.stderr == ""
    # nothing was opened: the SQLite directory is not made, no log written
    assert not (tmp / "no-such-dir").exists()


def test_long_option_and_log_level(tmp):
    path = write(tmp, config_text(tmp))
    r = subprocess.run([H.binary("swgr-offer"), "--check-config", "-c", str(path), "-l", "info"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert "secrets loaded successfully" in r.stderr     # -l shows the loader's lines


def bad_pem(tmp):
    (tmp / "auth.pub").write_text("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
    return ""


def replace(text, old, new):
    assert old in text, old
    return text.replace(old, new, 1)


def with_directory(t, tmp, password_file=None, partition="default"):
    """t with a store.address-directory (its password file written unless given)."""
    if password_file is None:
        password_file = tmp / "ldap.password"
        password_file.write_text("ldap-secret\n")
    return replace(t, "store:\n", f"""store:
  address-directory:
    type: ldap
    uri: ldap://127.0.0.1:1
    bind-dn: cn=swgr,dc=example,dc=com
    password-file: {password_file}
    base-dn: ou=people,dc=example,dc=com
    default-offer: 00000000-0000-4000-8000-000000000001
    partition: {partition}
    domains: [pay.example.com]
""")


def test_valid_with_directory(tmp):
    path = write(tmp, with_directory(config_text(tmp), tmp))
    for prog in PROGRAMS:       # read by every program, checked by swgr-lnurl: no server asked
        r = check(prog, path)
        assert r.returncode == 0, (prog, r.stderr)
        assert "ldap-secret" not in r.stdout + r.stderr


# (what is broken, programs that read it, expected pieces of the message)
BROKEN = {
    "unknown key": (lambda t, tmp: replace(t, "  partitions: [default]\n",
                                           "  partitions: [default]\n  partitons: [x]\n"),
                    PROGRAMS, ["line 3", "lnurl-service.partitons", "unknown key"]),
    "unknown section": (lambda t, tmp: t + "lnurl-servce:\n  address: 1\n",
                        PROGRAMS, ["lnurl-servce", "unknown key"]),
    "unknown store key": (lambda t, tmp: replace(t, "    max-connections: 2\n",
                                                 "    max-connections: 2\n    base-url: x\n"),
                          PROGRAMS, ["store.status.base-url", "unknown key"]),
    "wrong type": (lambda t, tmp: replace(t, "max-page-size: 100", "max-page-size: many"),
                   PROGRAMS, ["offer-service.max-page-size", "expected an unsigned integer"]),
    "wrong type float": (lambda t, tmp: replace(t, "ln-client-timeout-secs: 2",
                                                "ln-client-timeout-secs: soon"),
                         PROGRAMS, ["lnurl-service.ln-client-timeout-secs", "expected"]),
    "missing required key": (lambda t, tmp: replace(t, "  bech32-qr-scale: 8\n", ""),
                             PROGRAMS, ["lnurl-service", "bech32-qr-scale"]),
    "unset variable": (lambda t, tmp: replace(t, "${CHECK_HOST:-example.com}", "${CHECK_UNSET}"),
                       PROGRAMS, ["CHECK_UNSET", "env vars"]),
    "missing secrets file": (lambda t, tmp: replace(t, "secrets.env", "gone.env"),
                             PROGRAMS, ["gone.env", "secrets file"]),
    "missing secret": (lambda t, tmp: replace(t, "secret.DB_PASS", "secret.NOPE"),
                       PROGRAMS, ["discovery database connection uri"]),
    "bad PEM": (lambda t, tmp: bad_pem(tmp) + t,
                ("swgr-discovery", "swgr-offer"), ["auth-authority", "auth.pub"]),
    "missing PEM": (lambda t, tmp: replace(t, "auth-authority: " + str(tmp / "auth.pub"),
                                           "auth-authority: " + str(tmp / "none.pub")),
                    ("swgr-discovery",), ["discovery-service.auth-authority", "none.pub"]),
    "bad store scheme": (lambda t, tmp: replace(t, "postgres://swgr:", "oracle://swgr:"),
                         ("swgr-lnurl", "swgr-discovery", "swgr-monitord"),
                         ["store.discover", "unsupported scheme"]),
    "bad postgres URI": (lambda t, tmp: replace(t, "@127.0.0.1:1/swgr", "@127.0.0.1:1/swgr?bogus=1"),
                         ("swgr-lnurl", "swgr-discovery", "swgr-monitord"),
                         ["store.discover", "invalid database URI"]),
    "bad sqlite URI": (lambda t, tmp: replace(t, "?mode=rwc", "?mode=sideways"),
                       ("swgr-lnurl", "swgr-offer"), ["store.offer"]),
    "bad status URI": (lambda t, tmp: replace(t, "mysql://swgr@127.0.0.1:1/status",
                                              "mysql://swgr@127.0.0.1:port/status"),
                       PROGRAMS, ["store.status"]),
    "http store token missing": (
        lambda t, tmp: replace(t, t[t.index("  offer:\n    type"):t.index("  status:")], f"""\
  offer:
    type: http
    base-url: http://127.0.0.1:1/
    connect-timeout-secs: 1
    total-timeout-secs: 2
    authorization: {tmp}/no-token
"""),
        ("swgr-lnurl", "swgr-offer"), ["store.offer", "no-token"]),
    "missing section": (lambda t, tmp: replace(t, t[t.index("offer-service:"):t.index("store:")], ""),
                        ("swgr-offer",), ["offer service enabled but has no config"]),
    "missing store": (lambda t, tmp: replace(t, t[t.index("  discover:"):t.index("  offer:")], ""),
                      ("swgr-lnurl", "swgr-discovery", "swgr-monitord"),
                      ["discover store enabled but has no config"]),
    "zero health period": (lambda t, tmp: replace(t, "health-check-frequency-secs: 1.5",
                                                  "health-check-frequency-secs: 0"),
                           ("swgr-monitord",), ["health-check-frequency-secs", "above 0"]),
    "not YAML": (lambda t, tmp: t + "  - [\n", PROGRAMS, ["parsing YAML configuration", "line"]),
    "directory password file missing": (
        lambda t, tmp: with_directory(t, tmp, password_file=tmp / "no-password"),
        ("swgr-lnurl",), ["store.address-directory", "password-file", "no-password",
                          "No such file"]),
    "directory partition not served": (
        lambda t, tmp: with_directory(t, tmp, partition="elsewhere"),
        ("swgr-lnurl",), ["store.address-directory.partition", "'elsewhere' is not one of "
                          "lnurl-service.partitions"]),
    "directory without an offer": (
        lambda t, tmp: replace(with_directory(t, tmp), "    default-offer: "
                               "00000000-0000-4000-8000-000000000001\n", ""),
        PROGRAMS, ["store.address-directory.default-offer", "required without offer-attribute"]),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken(tmp, case):
    edit, progs, pieces = BROKEN[case]
    path = write(tmp, edit(config_text(tmp), tmp))
    for prog in PROGRAMS:
        r = check(prog, path)
        if prog not in progs:
            continue
        assert r.returncode == 1, (prog, r.stdout, r.stderr)
        assert r.stdout == "", (prog, r.stdout)
        assert r.stderr.startswith(f"{prog}: "), (prog, r.stderr)
        assert len(r.stderr.splitlines()) == 1, (prog, r.stderr)   # the first problem only
        for piece in pieces:
            assert piece in r.stderr, (prog, piece, r.stderr)
        assert str(path) in r.stderr, (prog, r.stderr)             # names the file
        assert "hunter2" not in r.stderr                            # secrets stay secret


def test_unreadable_config(tmp):
    r = check("swgr-lnurl", tmp / "absent.yaml")
    assert r.returncode == 1
    assert "absent.yaml" in r.stderr and "No such file" in r.stderr


def test_program_without_its_section_passes_others(tmp):
    """swgr-discovery does not need lnurl-service; swgr-lnurl does."""
    t = config_text(tmp)
    path = write(tmp, replace(t, t[:t.index("discovery-service:")], ""))
    assert check("swgr-discovery", path).returncode == 0
    r = check("swgr-lnurl", path)
    assert r.returncode == 1 and "lnurl service enabled but has no config" in r.stderr


@pytest.mark.parametrize("prog", PROGRAMS + ("swgr",))
@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(prog, flag):
    r = subprocess.run([H.binary(prog), flag], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"{prog} (swgr) {VERSION}\n"


@pytest.mark.parametrize("prog", PROGRAMS)
def test_shipped_sample_is_valid(tmp, prog):
    """etc/config.yaml, with the variables it names unset (their defaults), except the
    admin services' public keys, which must exist to parse."""
    import os
    env = {k: v for k, v in os.environ.items()
           if not re.match(r"^(LNURL|DISCOVERY|OFFER)_|^STATE_DIRECTORY$|^SECRETS_PATH$", k)}
    for svc in ("discovery", "offer"):
        keys = H.Keys.generate_python(tmp / f"{svc}.pub", tmp / f"{svc}.key")
        env[f"{svc.upper()}_SERVICE_AUTH_AUTHORITY_PATH"] = str(keys.public_path)
    sample = Path(__file__).resolve().parents[2] / "etc" / "config.yaml"
    r = check(prog, sample, env=env)
    assert (r.returncode, r.stderr) == (0, ""), r.stderr
    assert r.stdout == f"{prog}: configuration {sample} is valid\n"


def test_start_warns_about_an_unknown_key_and_runs(tmp):
    """Start-up keeps Switchgear's rule (unknown keys ignored) but says so, once, at WARN."""
    import signal
    import time
    text = config_text(tmp)
    text = replace(text, text[text.index("  discover:\n"):text.index("  offer:\n")],
                   f"  discover:\n    type: database\n"
                   f"    database-uri: \"sqlite://{tmp}/disc.db?mode=rwc\"\n    max-connections: 2\n")
    text = replace(text, text[text.index("  status:\n"):text.index("secrets:")], "")
    text = replace(text, "  instance: check-1\n", "  instance: check-1\n  instanse: typo\n")
    path = write(tmp, text)
    err = tmp / "monitord.stderr"
    with open(err, "w") as f:
        p = subprocess.Popen([H.binary("swgr-monitord"), "-c", str(path)], stderr=f)
    try:
        deadline = time.time() + 20
        while time.time() < deadline and "monitoring as instance" not in err.read_text():
            assert p.poll() is None, err.read_text()
            time.sleep(0.1)
        log = err.read_text()
        assert "monitoring as instance 'check-1'" in log, log
        warn = [ln for ln in log.splitlines() if "monitor.instanse: unknown key, ignored" in ln]
        assert len(warn) == 1 and " WARN " in warn[0], log
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(15) == 0
