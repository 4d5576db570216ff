"""The manual pages: swgr.yaml(5) names every key that libswgr/config/keys.c and
directory.c read and
no other, marks ours, and every page renders without a groff warning."""

import re
import subprocess
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parents[2]
KEYS_C = TOP / "libswgr" / "config" / "keys.c"
DIRECTORY_C = TOP / "libswgr" / "config" / "directory.c"   # store.address-directory
PAGE = TOP / "doc" / "swgr.yaml.5"

# Switchgear's own keys (the behaviour spec, section 12.2): every other key is ours.
SWITCHGEAR = {
    "lnurl-service", "partitions", "address", "health-check-frequency-secs",
    "parallel-health-check", "health-check-consecutive-success-to-healthy",
    "health-check-consecutive-failure-to-unhealthy", "backend-update-frequency-secs",
    "invoice-expiry-secs", "ln-client-timeout-secs", "ln-trusted-roots", "allowed-hosts",
    "backoff", "type", "initial-interval-secs", "randomization-factor", "multiplier",
    "max-interval-secs", "max-elapsed-time-secs", "backend-selection", "consistent",
    "max_iterations", "selection-capacity-bias", "comment-allowed", "tls", "cert-path",
    "key-path", "bech32-qr-scale", "bech32-qr-light", "bech32-qr-dark",
    "discovery-service", "offer-service", "auth-authority", "max-page-size",
    "store", "discover", "offer", "database-uri", "max-connections", "base-url",
    "connect-timeout-secs", "total-timeout-secs", "trusted-roots", "authorization",
    "secrets",
}

KEY_RE = re.compile(r"^[a-z][a-z0-9_]*(-[a-z0-9_]+)*$")


def strip_comments(c):
    return re.sub(r"/\*.*?\*/", " ", c, flags=re.S)


def keys_of_source(text):
    """Every key name keys.c reads: its string literals that look like a key, less the
    values it compares with strcmp (the words of type, backend-selection) and the
    defaults it strdup()s."""
    text = strip_comments(text)
    literals = re.findall(r'"((?:[^"\\]|\\.)*)"', text)
    values = set(re.findall(r'strcmp\([^,()]+,\s*"([^"]*)"\)', text))
    values |= set(re.findall(r'strdup\("([^"]*)"\)', text))
    return {s for s in literals if KEY_RE.match(s)} - values


def keys_of_page(text):
    """(name, marked ours) of every key item (.It Cm <key>) of the page."""
    out = []
    for line in text.splitlines():
        m = re.match(r"^\.It Cm (\S+)(.*)$", line)
        if m:
            out.append((m.group(1), "Sy (ours)" in m.group(2)))
    return out


def test_source_parser_sees_the_keys():
    """The parser of keys.c finds what is surely there, and no value word."""
    keys = keys_of_source(KEYS_C.read_text())
    assert len(keys) > 60, sorted(keys)
    for k in ("lnurl-service", "max_iterations", "database-uri", "backend-hosts",
              "log-level", "trusted-proxies", "status", "secrets"):
        assert k in keys, k
    for v in ("round-robin", "random", "memory", "database", "http", "stop", "exponential"):
        assert v not in keys, v
    # a literal that is neither read nor a strcmp value would be a key the page needs:
    # the parser itself must see through this file's other string uses
    assert keys_of_source('swgr_yaml_u32(&m, "x-y", true); if (strcmp(s, "a-b") == 0)') == {"x-y"}
    assert keys_of_source('swgr_yaml_str(m, "k-a", false, &v); v = strdup("uid");') == {"k-a"}


def source_keys():
    return keys_of_source(KEYS_C.read_text()) | keys_of_source(DIRECTORY_C.read_text())


def test_page_names_every_key_and_no_other():
    source = source_keys()
    page = {name for name, _ in keys_of_page(PAGE.read_text())}
    assert sorted(source - page) == [], "keys of keys.c missing from doc/swgr.yaml.5"
    assert sorted(page - source) == [], "keys in doc/swgr.yaml.5 that keys.c does not read"


def test_page_marks_ours():
    items = keys_of_page(PAGE.read_text())
    assert len(items) > 60
    wrong = [(name, ours) for name, ours in items if ours != (name not in SWITCHGEAR)]
    assert wrong == [], "(key, marked ours) that should be the other way"
    assert SWITCHGEAR <= source_keys()


def test_page_installed():
    am = (TOP / "Makefile.am").read_text()
    assert re.search(r"^dist_man5_MANS\s*=.*doc/swgr\.yaml\.5", am, re.M), am


PAGES = sorted(p.name for p in (TOP / "doc").iterdir() if re.search(r"\.[158]$", p.name))


@pytest.mark.parametrize("page", PAGES)
def test_renders_without_warnings(page):
    r = subprocess.run(["groff", "-man", "-ww", "-z", str(TOP / "doc" / page)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stderr == "", r.stderr


@pytest.mark.parametrize("page", [p for p in PAGES if p != "swgr.yaml.5"])
def test_pages_refer_to_the_configuration_page(page):
    text = (TOP / "doc" / page).read_text()
    see_also = text[text.index(".Sh SEE ALSO"):]
    assert ".Xr swgr.yaml 5" in see_also
