"""Forwarding headers and caching of swgr-lnurl, through the run's web server
(web-examples/<server>/swgr-lnurl.conf, web.py): Forwarded, X-Forwarded-Host and X-Forwarded-Proto set the host and
scheme of generated URLs only for a client in lnurl-service.trusted-proxies (or every
client with trust-forwarded-headers: true); the example clears them at the edge;
answers to /offers/... carry Vary, and Cache-Control is private unless public-cache is
true; allowed-hosts entries with a port.

Each swgr-lnurl configuration is served by two web servers: the example as shipped (the edge,
clearing the headers) and the example without its clearing lines (a proxy that passes
them on, as one behind a trusted proxy would), so that what the responder does is seen
apart from what the web server does.  No node is needed: payRequest, bech32 and QR are read from
the offer store, and an invoice request is looked at only where it fails before any node
is asked."""

import json
import time

import pytest
import requests

import harness as H
import nodes
import web
from test_lnurl import assert_error, bolt11, make_offer

HOST = "shop.example"
PORTED = "pay.example:8443"         # an allowed-hosts entry with a port
PROXY_HOST = "proxy.example"        # what a trusted proxy says the host is
EVIL = "evil.example"
VARY_FWD = ["Host", "Forwarded", "X-Forwarded-Host", "X-Forwarded-Proto"]


def vary(r):
    """The field names of the Vary header (None without one), as a list: a server may
    write the list with or without spaces after the commas (Apache drops them)."""
    v = r.headers.get("Vary")
    return None if v is None else [f.strip() for f in v.split(",")]

# Forged by a client: each would turn the callback to another host or scheme.
FORGED = [{"X-Forwarded-Host": EVIL},
          {"X-Forwarded-Host": PORTED},                 # allowed, but not the Host asked
          {"X-Forwarded-Proto": "https"},
          {"Forwarded": f'host="{EVIL}";proto=https'},
          {"Forwarded": f"proto=https;host={PORTED}"},
          {"Forwarded": f"for=192.0.2.1;host={EVIL}", "X-Forwarded-Host": EVIL,
           "X-Forwarded-Proto": "https"}]


def config_text(db, part, log, instance, allowed, extra=""):
    text = nodes.lnurl_section([part], period=0.5, update=0.5, timeout=2.0)
    text = text.replace("allowed-hosts: []", f"allowed-hosts: {json.dumps(allowed)}")
    text += extra
    text += f"  log-file: {json.dumps(str(log))}\n  log-level: info\n"
    text += "store:\n  discover:\n" + H.indent(db.store_yaml("discover"), 4)
    text += "  offer:\n" + H.indent(db.store_yaml("offer"), 4)
    text += f"monitor:\n  instance: {instance}\n"
    return text


class Front:
    """swgr-lnurl on one configuration, behind the edge web server and the passing one."""

    def __init__(self, env, part, name, allowed, extra=""):
        self.tmp = env.tmp / f"fwd-{name}-{H.new_uuid()[:8]}"
        self.tmp.mkdir()
        self.config = self.tmp / "lnurl.yaml"
        self.config.write_text(config_text(env.db, part, self.tmp / "lnurl.log",
                                           f"fwd-{name}", allowed, extra))
        self.sock = str(self.tmp / "lnurl.sock")
        self.resp = self.edge = self.passing = None

    def start(self):
        self.resp = H.Responder("lnurl", self.config, self.sock,
                                self.tmp / "lnurl.stderr").start()
        self.edge = web.lnurl(self.tmp, self.sock, edge=True, name="web-edge").start()
        self.passing = web.lnurl(self.tmp, self.sock, edge=False, name="web-pass").start()
        H.wait_http(self.url(True) + "/health", self.resp)
        H.wait_http(self.url(False) + "/health", self.resp)
        return self

    def url(self, edge):
        return f"http://127.0.0.1:{(self.edge if edge else self.passing).port}"

    def get(self, path, host=HOST, headers=None, edge=True):
        h = {"Host": host}
        h.update(headers or {})
        return requests.get(self.url(edge) + path, headers=h, timeout=20)

    def stop(self):
        for n in (self.edge, self.passing):
            if n:
                n.stop()
        if self.resp:
            self.resp.terminate()


class Fronts:
    pass


@pytest.fixture(scope="module")
def fw(env):
    nodes.skip_on_memory(env.db)
    f = Fronts()
    f.env = env
    f.part = f"fw-{H.new_uuid()[:8]}"
    f.all = []
    try:
        # the defaults: nobody's forwarding headers believed, private caching
        f.plain = Front(env, f.part, "plain", [HOST, PORTED, "[::1]:9000", "Any.Example"])
        f.all.append(f.plain)
        # a trusted proxy on the loopback, and public caching
        f.proxied = Front(env, f.part, "proxied", [HOST, PROXY_HOST],
                          '  trusted-proxies: ["127.0.0.1", "::1"]\n  public-cache: true\n')
        f.all.append(f.proxied)
        # a proxy elsewhere: the loopback client is not it
        f.elsewhere = Front(env, f.part, "elsewhere", [HOST, PROXY_HOST],
                            '  trusted-proxies: ["10.0.0.0/8"]\n')
        f.all.append(f.elsewhere)
        # Switchgear's way: every client's forwarding headers
        f.everyone = Front(env, f.part, "everyone", [HOST, PROXY_HOST],
                           "  trust-forwarded-headers: true\n")
        f.all.append(f.everyone)
        for fr in f.all:
            fr.start()
        f.offer, _ = make_offer(env, f.part)
        f.nocache, _ = make_offer(env, f.part, expires=None)
        yield f
    finally:
        for fr in f.all:
            fr.stop()


def paths(f, o=None):
    """payRequest, bech32 and QR of offer o (default: f.offer)."""
    base = f"/offers/{f.part}/{(o or f.offer)['id']}"
    return [base, base + "/bech32", base + "/bech32/qr"]


def lnurl_url(r):
    """The URL inside a bech32 answer."""
    hrp, data = bolt11.bech32_decode(r.text)
    assert hrp == "lnurl", r.text
    return bytes(bolt11.convertbits(data, 5, 8, False)).decode()


def urls(front, f, host=HOST, headers=None, edge=True):
    """(callback of the payRequest, URL of the bech32) as front answers them."""
    base = f"/offers/{f.part}/{f.offer['id']}"
    r = front.get(base, host=host, headers=headers, edge=edge)
    assert r.status_code == 200, (headers, r.status_code, r.text)
    b = front.get(base + "/bech32", host=host, headers=headers, edge=edge)
    assert b.status_code == 200, (headers, b.status_code, b.text)
    return r.json()["callback"], lnurl_url(b)


def want_urls(f, origin):
    base = f"{origin}/offers/{f.part}/{f.offer['id']}"
    return base + "/invoice", base


# --------------------------------------------------------------------------- forged headers

def test_forged_headers_cleared_at_the_edge(fw):
    """The example as shipped: the web server drops what a client forges, whatever swgr-lnurl
    would believe (even trust-forwarded-headers: true)."""
    for front in (fw.plain, fw.everyone):
        for h in FORGED:
            assert urls(front, fw, headers=h) == want_urls(fw, f"http://{HOST}"), h


def test_forged_headers_ignored_from_an_untrusted_client(fw):
    """The web server passes the headers on, but the client is no trusted proxy: the Host header
    and the web server's scheme decide, and a forged host is not even looked at (no 400
    for a host outside allowed-hosts)."""
    for front in (fw.plain, fw.elsewhere):
        for h in FORGED:
            assert urls(front, fw, headers=h, edge=False) == want_urls(fw, f"http://{HOST}"), h


def test_trusted_proxy_sets_host_and_scheme(fw):
    """From 127.0.0.1, listed in trusted-proxies: Forwarded first, else X-Forwarded-*."""
    cases = [({"X-Forwarded-Host": PROXY_HOST, "X-Forwarded-Proto": "https"},
              f"https://{PROXY_HOST}"),
             ({"Forwarded": f'for=192.0.2.1;host="{PROXY_HOST}";proto=https',
               "X-Forwarded-Host": HOST, "X-Forwarded-Proto": "http"}, f"https://{PROXY_HOST}"),
             ({"X-Forwarded-Proto": "https"}, f"https://{HOST}"),
             ({}, f"http://{HOST}")]
    for h, origin in cases:
        assert urls(fw.proxied, fw, headers=h, edge=False) == want_urls(fw, origin), h
    # what the trusted proxy says is checked against allowed-hosts as the Host header is
    r = fw.proxied.get(paths(fw)[0], headers={"X-Forwarded-Host": EVIL}, edge=False)
    assert_error(r, 400, f"host not allowed: {EVIL}")
    # the example as shipped in front of the same responder: cleared before it
    h = {"X-Forwarded-Host": PROXY_HOST, "X-Forwarded-Proto": "https"}
    assert urls(fw.proxied, fw, headers=h) == want_urls(fw, f"http://{HOST}")


def test_trust_forwarded_headers_true_believes_everyone(fw):
    h = {"Forwarded": f"host={PROXY_HOST};proto=https"}
    assert urls(fw.everyone, fw, headers=h, edge=False) == want_urls(fw, f"https://{PROXY_HOST}")


# --------------------------------------------------------------------------- Vary and caching

def test_vary_host_by_default(fw):
    """Answers to /offers/... depend on the Host header: payRequest, bech32, QR, the
    callback's errors, an unknown offer, a host refused.  /health does not."""
    o = fw.offer
    for p in paths(fw):
        r = fw.plain.get(p)
        assert r.status_code == 200, (p, r.text)
        assert vary(r) == ["Host"], (p, r.headers)
    base = f"/offers/{fw.part}/{o['id']}"
    for p, host, status in [(base + "/invoice", HOST, 400),      # missing amount
                            (base, EVIL, 400),                   # host not allowed
                            (f"/offers/{fw.part}/{H.new_uuid()}", HOST, 404)]:
        r = fw.plain.get(p, host=host)
        assert r.status_code == status, (p, r.status_code, r.text)
        assert vary(r) == ["Host"], (p, r.headers)
    assert "Vary" not in fw.plain.get("/health").headers


def test_vary_forwarding_headers_when_they_may_be_believed(fw):
    """With trusted-proxies or trust-forwarded-headers the answer may depend on the
    forwarding headers too, from whichever client; one Vary header names them all."""
    for front in (fw.proxied, fw.elsewhere, fw.everyone):
        for p in paths(fw):
            for edge in (True, False):
                r = front.get(p, edge=edge)
                assert r.status_code == 200, (p, r.text)
                assert vary(r) == VARY_FWD, (p, r.headers)
        r = front.get(f"/offers/{fw.part}/{fw.offer['id']}/invoice?amount=x")
        assert r.status_code == 400 and vary(r) == VARY_FWD, r.headers


def max_age(r, kind):
    cc = r.headers["Cache-Control"]
    assert cc.startswith(f"{kind}, max-age="), cc
    return int(cc.removeprefix(f"{kind}, max-age="))


def test_cache_control_private_by_default(fw):
    for p in paths(fw):
        r = fw.plain.get(p)
        assert r.status_code == 200, r.text
        assert abs(max_age(r, "private") - (1893456000 - time.time())) < 5
        assert r.headers["Expires"] == "Tue, 01 Jan 2030 00:00:00 GMT"
    # an offer without expiry is not cached at all, as before
    for p in paths(fw, fw.nocache):
        r = fw.plain.get(p)
        for k, v in H.NOCACHE.items():
            assert r.headers[k] == v, (p, k, r.headers)


def test_cache_control_public_with_public_cache(fw):
    for p in paths(fw):
        r = fw.proxied.get(p)
        assert r.status_code == 200, r.text
        assert abs(max_age(r, "public") - (1893456000 - time.time())) < 5
    for p in paths(fw, fw.nocache):
        assert fw.proxied.get(p).headers["Cache-Control"] == H.NOCACHE["Cache-Control"]


# --------------------------------------------------------------------------- allowed-hosts

def test_allowed_host_with_port(fw):
    """An entry with a port takes that port only (a Host without a port has the scheme's
    default, 80 here); one without takes any port."""
    p = paths(fw)[0]
    for host, origin in [(PORTED, f"http://{PORTED}"), ("PAY.example:08443", f"http://{PORTED}"),
                         ("[::1]:9000", "http://[::1]:9000"), ("any.example:81",
                                                               "http://any.example:81"),
                         ("any.example", "http://any.example")]:
        r = fw.plain.get(p, host=host)
        if host == "PAY.example:08443" and web.lacks("host-port-zero"):
            assert r.status_code == 400, (host, r.status_code)     # the server's own 400
            continue
        assert r.status_code == 200, (host, r.text)
        assert r.json()["callback"] == want_urls(fw, origin)[0], host
    for host in ["pay.example", "pay.example:8444", "pay.example:80", "[::1]", "[::1]:9001"]:
        assert_error(fw.plain.get(p, host=host), 400, "host not allowed")


# --------------------------------------------------------------------------- configuration

@pytest.mark.parametrize("extra, why", [
    ('  trusted-proxies: ["10.0.0.0/33"]\n', "'10.0.0.0/33': prefix length 33 is over 32"),
    ('  trusted-proxies: ["proxy.example"]\n', "'proxy.example' is not an IP address"),
    ('  trusted-proxies: ["10.0.0.1/8"]\n', "bits set past the /8 prefix"),
    ("  trust-forwarded-headers: yes\n", "trust-forwarded-headers: expected true or false"),
], ids=["prefix-too-long", "host-name", "host-bits-set", "not-a-bool"])
def test_bad_forwarding_config_refused_at_start(fw, extra, why):
    """A bad entry stops swgr-lnurl at start with the key and the entry named, rather
    than never matching a client."""
    front = Front(fw.env, fw.part, "bad", [HOST], extra)
    try:
        with pytest.raises(RuntimeError) as e:
            front.resp = H.Responder("lnurl", front.config, front.sock,
                                     front.tmp / "lnurl.stderr", spawn=False).start()
    finally:
        front.stop()        # one that started anyway (a build without the check)
    assert "trusted-proxies" in str(e.value) or "trust-forwarded-headers" in str(e.value), e.value
    assert why in str(e.value), e.value


# How each example drops a header at the edge (its CGI name, its HTTP name).
CLEARING_LINE = {"nginx": lambda cgi, name: f'\n        fastcgi_param HTTP_{cgi} ',
                 "lighttpd": lambda cgi, name: f'\n        "{name}" ',
                 "apache": lambda cgi, name: f"\n    RequestHeader unset {name}\n"}


@pytest.mark.parametrize("kind", web.KINDS)
def test_example_clears_every_forwarding_header(kind):
    """Each web server's example drops, at the edge, each header swgr-lnurl reads a
    host, a scheme or a client address from (the CGI names are what the responder
    reads)."""
    text = web.server_class(kind).example("lnurl").read_text()
    cgis = ("FORWARDED", "X_FORWARDED_HOST", "X_FORWARDED_PROTO", "X_FORWARDED_FOR",
            "X_REAL_IP", "TRUE_CLIENT_IP", "CF_CONNECTING_IP", "FLY_CLIENT_IP",
            "CLOUDFRONT_VIEWER_ADDRESS")
    assert [n.upper().replace("-", "_") for n in web.CLEARED_HEADERS] == list(cgis)
    for cgi, name in zip(cgis, web.CLEARED_HEADERS):
        assert CLEARING_LINE[kind](cgi, name) in text, (kind, name)
