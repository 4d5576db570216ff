#!/usr/bin/python3
"""A wallet-side LNURL-pay client, to show and test that an LNURL works end to end.

  scripts/wallet.py LNURL1... [AMOUNT_MSAT]

Decodes the bech32 LNURL (LUD-01), fetches the payRequest (LUD-06), asks its
callback for an invoice of AMOUNT_MSAT (default: minSendable) and checks the
BOLT11 it gets as a strict wallet would: the signature, the amount, and the
description hash h = sha256 of the metadata string served.  Prints what it
did; exits 0 when the invoice is valid, 1 otherwise.
"""
import hashlib
import json
import os
import sys
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
for d in (os.path.join(HERE, "..", "tests", "sim"), "/usr/local/share/swgr/tests/sim"):
    if os.path.exists(os.path.join(d, "bolt11.py")):
        sys.path.insert(0, d)
        break
import bolt11  # noqa: E402


def get_json(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read().decode())


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    lnurl = sys.argv[1].strip()
    hrp, data5 = bolt11.bech32_decode(lnurl)
    if hrp != "lnurl":
        sys.exit("not an LNURL (human-readable part %r)" % hrp)
    url = bytes(bolt11.convertbits(data5, 5, 8, False)).decode()
    print("LNURL decodes to", url)
    pay = get_json(url)
    if pay.get("tag") != "payRequest":
        sys.exit("not a payRequest: %s" % json.dumps(pay))
    amount = int(sys.argv[2]) if len(sys.argv) > 2 else pay["minSendable"]
    print("payRequest: %d..%d msat, metadata %s" % (pay["minSendable"], pay["maxSendable"],
                                                  pay["metadata"]))
    sep = "&" if "?" in pay["callback"] else "?"
    inv = get_json(pay["callback"] + sep + urllib.parse.urlencode({"amount": amount}))
    if "pr" not in inv:
        sys.exit("no invoice: %s" % json.dumps(inv))
    d = bolt11.decode(inv["pr"])
    want_h = hashlib.sha256(pay["metadata"].encode()).digest()
    ok = d["amount_msat"] == amount and d["description_hash"] == want_h
    print("invoice %s...: %s msat from node %s, h %s" % (
        inv["pr"][:40], d["amount_msat"], d["payee"].hex(),
        "= sha256(metadata)" if d["description_hash"] == want_h else "MISMATCH"))
    print("valid" if ok else "INVALID")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
