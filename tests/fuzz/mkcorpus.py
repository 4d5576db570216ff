#!/usr/bin/python3
"""Writes the seed corpus of fuzz_bolt11 (tests/fuzz/corpus/fuzz_bolt11/), committed in the tree.

Seeds: every BOLT #11 spec vector, valid and invalid, as text (from
tests/sim/test_bolt11_vectors.py, copied from the spec), and crafted inputs
of the harness's second form: a 0x00 byte, an HRP, a 0x00 byte, then one
byte per 5-bit word (the harness adds the checksum, so these reach the field
parser).  Run from anywhere: /usr/bin/python3 tests/fuzz/mkcorpus.py
"""
import os
import sys

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(top, "tests", "sim"))
import bolt11  # noqa: E402
import test_bolt11_vectors as V  # noqa: E402

out = os.path.join(top, "tests", "fuzz", "corpus", "fuzz_bolt11")
os.makedirs(out, exist_ok=True)
for f in os.listdir(out):
    os.unlink(os.path.join(out, f))


def put(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


def raw(hrp, words):
    return b"\0" + hrp.encode() + b"\0" + bytes(words)


for v in V.VALID:
    put("spec-" + v.id, v.invoice.encode())
for bad in V.INVALID:
    put("spec-invalid-" + bad[0], bad[2].encode())

# The data words of "hashed" (s, p, h, 9) and of "metadata" (p, d, m, s, 9).
hrp, data = bolt11.bech32_decode(V.VALID[3].invoice)
body, sig = data[:-104], data[-104:]
put("raw-hashed", raw(hrp, data))
hrp_m, data_m = bolt11.bech32_decode(V.VALID[14].invoice)
put("raw-metadata", raw(hrp_m, data_m))
ts = body[:7]
x = bolt11.TAGS["x"]
# A field whose length runs past the data; one cut after its type; none at all.
put("raw-overrun", raw(hrp, body + [x, 31, 31] + sig))
put("raw-truncated-tag", raw(hrp, body + [x] + sig))
put("raw-no-fields", raw("lnbc", ts + sig))
# x, c and 9 with leading zero words; x and c too large for 64 and 32 bits.
put("raw-nonminimal", raw(hrp, body + [x, 0, 2, 0, 1, bolt11.TAGS["c"], 0, 2, 0, 1,
                                      bolt11.TAGS["9"], 0, 2, 0, 1] + sig))
put("raw-x-huge", raw(hrp, body + [x, 0, 14] + [31] * 14 + [bolt11.TAGS["c"], 0, 8] + [31] * 8 + sig))
# A 1023-word feature vector with its top bit (an unknown odd bit) set.
put("raw-features-long", raw(hrp, body[:-6] + [bolt11.TAGS["9"], 31, 31, 1] + [0] * 1022 + sig))
# An n field (53 words) that is no public key; a d field of bad UTF-8.
put("raw-n-field", raw(hrp, body + [bolt11.TAGS["n"], 1, 21] + [31] * 53 + sig))
put("raw-d-bad-utf8", raw(hrp, body + [bolt11.TAGS["d"], 0, 4] + [31, 30, 0, 0] + sig))
# Amounts: the largest u64 in pico-BTC, an overflow, a leading zero; prefixes.
for name, h in (("amount-max", "lnbc184467440737095516150p"), ("amount-overflow", "lnbc99999999999999999999"),
                ("amount-zero", "lnbc0m"), ("signet", "lntbs1u"), ("regtest", "lnbcrt5n"),
                ("unknown-prefix", "lnxy1m")):
    put("raw-" + name, raw(h, data))
# A recovery id of 31 and an all-zero signature.
put("raw-recid", raw(hrp, body + sig[:-2] + [31, 31]))
put("raw-zero-sig", raw(hrp, body + [0] * 104))
print("%d seeds in %s" % (len(os.listdir(out)), out))
