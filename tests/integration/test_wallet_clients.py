"""Real wallet-side clients resolve a Lightning Address to a valid invoice (issue 14):
the npm packages `@getalby/lightning-tools` (LightningAddress: fetch, then requestInvoice)
and `lnurl-pay` (requestInvoice with the address, validating the invoice), installed from
the npm registry, run by Node against nginx on port 443 with TLS (web-examples'
swgr-lnurl.conf, its listen made TLS; a CA of the test's own that Node is told to trust
with NODE_EXTRA_CA_CERTS), as these clients build https://<domain>/.well-known/lnurlp/
URLs without a port.  The domain is the suite's shop.example; Node is made to resolve it to
127.0.0.1 by a module it loads first (as curl --resolve would), so no hosts file is
touched.  (localhost will not do: the clients want a dotted domain.)"""

import hashlib
import json
import os
import shutil
import subprocess

import pytest

import harness as H
import web
from test_lnaddr_public import WK, add_address, user
from test_lnurl import HOST, decode_invoice, stop_front, svc  # noqa: F401
from slapd import make_certs
from test_lud import lud_offer

PACKAGES = ["@getalby/lightning-tools@5.2.1", "lnurl-pay@4.0.0"]

pytestmark = [
    pytest.mark.skipif(shutil.which("node") is None or shutil.which("npm") is None,
                       reason="node and npm are not installed (scripts/deps.sh test installs them)"),
    pytest.mark.skipif(os.environ.get("SWGR_TEST_WEB", "nginx") != "nginx",
                       reason="run through nginx (the clients need port 443 with TLS)"),
]

CLIENT = r"""
import { LightningAddress } from "@getalby/lightning-tools";
import { requestInvoice } from "lnurl-pay";

const address = process.argv[2];
const out = {};
const ln = new LightningAddress(address, { proxy: false });
await ln.fetch();
out.alby_metadata = ln.lnurlpData.rawData.metadata;
const inv = await ln.requestInvoice({ satoshi: 21, comment: "alby" });
out.alby = { pr: inv.paymentRequest, satoshi: inv.satoshi, hash: inv.paymentHash,
             successAction: inv.successAction };
const r = await requestInvoice({ lnUrlOrAddress: address, tokens: 34, comment: "lnurl-pay",
                                 validateInvoice: true });
out.lnurlpay = { pr: r.invoice, validAmount: r.hasValidAmount,
                 validHash: r.hasValidDescriptionHash, successAction: r.successAction };
console.log(JSON.stringify(out));
"""


# Loaded by Node first (NODE_OPTIONS=--require): shop.example is 127.0.0.1.
RESOLVE = r"""
const dns = require("dns");
const lookup = dns.lookup;
dns.lookup = function (host, options, cb) {
  if (typeof options === "function") { cb = options; options = {}; }
  if (typeof options === "number") options = { family: options };
  if (host === "shop.example")
    return process.nextTick(() => options && options.all ?
      cb(null, [{ address: "127.0.0.1", family: 4 }]) : cb(null, "127.0.0.1", 4));
  return lookup.call(this, host, options, cb);
};
"""


class TlsNginx(web.Nginx):
    """The nginx example on 127.0.0.1:443 with TLS (certificate for shop.example)."""

    def __init__(self, tmp, sock, cert, key):
        super().__init__(tmp, {"lnurl": sock}, site="lnurl", name="nginx-tls")
        self.ports = {"lnurl": 443}
        self.port = 443
        self.cert, self.key = cert, key

    def server_blocks(self):
        text = self.fragment()
        return web.sub_exactly(text, r"listen 127\.0\.0\.1:443;",
                               f"listen 127.0.0.1:443 ssl;\n    ssl_certificate {self.cert};\n"
                               f"    ssl_certificate_key {self.key};", 1, "the public listen")


class Front:
    resp = web = base = None


@pytest.mark.once
def test_npm_wallet_clients_resolve_an_address(svc):
    d = svc.tmp / "wallets"
    d.mkdir()
    make_certs(d, HOST, f"DNS:{HOST}")
    r = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error",
                        *PACKAGES], cwd=d, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    (d / "client.mjs").write_text(CLIENT)
    (d / "resolve.cjs").write_text(RESOLVE)
    (d / "lnurl.yaml").write_text(svc.config.read_text().replace(str(svc.log), str(d / "lnurl.log")))
    o, _ = lud_offer(svc, success={"tag": "message", "message": "thank you"})
    name = user()
    add_address(svc, name, o["id"])
    f = Front()
    try:
        f.resp = H.Responder("lnurl", d / "lnurl.yaml", str(d / "lnurl.sock"),
                             d / "lnurl.stderr").start()
        f.web = TlsNginx(d, str(d / "lnurl.sock"), d / "server.pem", d / "server.key").start()
        r = subprocess.run(["node", "client.mjs", f"{name.upper()}@{HOST}"], cwd=d,
                           capture_output=True, text=True, timeout=120,
                           env=dict(os.environ, NODE_EXTRA_CA_CERTS=str(d / "ca.pem"),
                                    NODE_OPTIONS=f"--require {d / 'resolve.cjs'}"))
        assert r.returncode == 0, (r.stdout, r.stderr)
        out = json.loads(r.stdout.strip().splitlines()[-1])
    finally:
        stop_front(f)
    meta = out["alby_metadata"]
    assert json.loads(meta)[-1] == ["text/identifier", f"{name}@{HOST}"]
    for who, sats in (("alby", 21), ("lnurlpay", 34)):
        inv, _ = decode_invoice(out[who]["pr"])
        assert inv["amount_msat"] == sats * 1000, who
        assert inv["description_hash"] == hashlib.sha256(meta.encode()).digest(), who
        assert out[who]["successAction"] == {"tag": "message", "message": "thank you"}, who
    assert out["alby"]["satoshi"] == 21
    assert out["alby"]["hash"] == decode_invoice(out["alby"]["pr"])[0]["payment_hash"].hex()
    assert out["lnurlpay"]["validAmount"] is True and out["lnurlpay"]["validHash"] is True
    # and each has its record, with the comment the client sent
    from nodes import wait_for
    for who, comment in (("alby", "alby"), ("lnurlpay", "lnurl-pay")):
        h = decode_invoice(out[who]["pr"])[0]["payment_hash"].hex()
        path = f"/invoices/{svc.part}/{h}"
        wait_for(lambda: svc.env.offers.get(path).status_code == 200, 5, "the record")
        rec = svc.env.offers.get(path).json()
        assert rec["comment"] == comment and rec["address"]["username"] == name, rec
