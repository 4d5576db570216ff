#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/), committed in the tree.

fuzz_json's seeds are a small hand-written set, not made here.  fuzz_bolt11's
seeds: every BOLT #11 spec vector, valid and invalid, as text (from
tests/sim/test_bolt11_vectors.py, copied from the spec), and crafted inputs
of the harness's second form: a 0x00 byte, an HRP, a 0x00 byte, then one
byte per 5-bit word (the harness adds the checksum, so these reach the field
parser).  The other targets' seeds are the input forms their harnesses
describe, one or a few per branch.  Run from anywhere: /usr/bin/python3 tests/fuzz/mkcorpus.py
"""
import os
import sys

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(top, "tests", "sim"))
import bolt11  # noqa: E402
import test_bolt11_vectors as V  # noqa: E402

out = None
total = 0


def target(name):
    """Empties and selects tests/fuzz/corpus/<name>/."""
    global out
    out = os.path.join(top, "tests", "fuzz", "corpus", name)
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):
        os.unlink(os.path.join(out, f))


def put(name, data):
    global total
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
    total += 1


target("fuzz_bolt11")


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

# fuzz_request: FastCGI parameters, an empty line, the body.
OFFER = "/offers/default/3b241101-e2bb-4255-8caf-4136c566a962"


def req(params, body=""):
    return "".join("%s=%s\n" % kv for kv in params) + "\n" + body


target("fuzz_request")
base = [("REQUEST_METHOD", "GET"), ("SERVER_PROTOCOL", "HTTP/1.1"), ("REMOTE_ADDR", "127.0.0.1"),
        ("HTTP_HOST", "example.com")]
put("pay-request", req(base + [("REQUEST_URI", OFFER)]))
put("invoice", req(base + [("REQUEST_URI", OFFER + "/invoice?amount=1000&comment=thanks%21")]))
put("invoice-query-param", req(base + [("SCRIPT_NAME", "/offers"), ("PATH_INFO", "/a%20b/x/invoice"),
                                       ("QUERY_STRING", "amount=+12&amount=3&comment=%ZZ%00+x")]))
put("forwarded", req([("REQUEST_METHOD", "GET"), ("REQUEST_URI", OFFER),
                      ("HTTP_FORWARDED", 'for="[2001:db8::1]:4711";host="Pay.Example.org:443";proto=https, for=10.0.0.1'),
                      ("HTTP_X_FORWARDED_FOR", "10.1.1.1, 2001:db8::2, junk"),
                      ("HTTP_X_FORWARDED_HOST", "example.com:8080"), ("HTTP_X_FORWARDED_PROTO", "HTTPS")]))
put("client-ip", req([("REQUEST_METHOD", "HEAD"), ("REQUEST_URI", OFFER),
                      ("HTTP_CF_CONNECTING_IP", "::ffff:1.2.3.4"),
                      ("HTTP_CLOUDFRONT_VIEWER_ADDRESS", "[2001:db8::3]:443"),
                      ("HTTP_FLY_CLIENT_IP", "1.2.3.4"), ("HTTP_X_REAL_IP", "bad"),
                      ("HTTP_TRUE_CLIENT_IP", "fe80::1%eth0"), ("HTTPS", "on"), ("REQUEST_SCHEME", "http"),
                      ("HTTP_HOST", "[::1]:08080")]))
put("post-body", req([("REQUEST_METHOD", "POST"), ("REQUEST_URI", "/discovery"),
                      ("CONTENT_TYPE", "application/vnd.x+json; charset=utf-8"), ("CONTENT_LENGTH", "17"),
                      ("HTTP_AUTHORIZATION", "Bearer x.y.z")], '{"enabled":true}\n'))
put("short-body", req([("REQUEST_METHOD", "PUT"), ("REQUEST_URI", "/offers/p/x"), ("CONTENT_LENGTH", "99")],
                      "{}"))
put("huge-length", req([("REQUEST_METHOD", "POST"), ("REQUEST_URI", "/o"), ("CONTENT_LENGTH", "99999999999")],
                       "x"))
put("path-utf8", req(base + [("REQUEST_URI", "/offers/%E2%82%AC%C3/\x7f\x01/invoice?amount=18446744073709551616")]))
put("no-host", req([("REQUEST_URI", OFFER + "/invoice?amount=1.5&comment=" + "%F0%9F%98%80" * 3)]))

# fuzz_config: the YAML text, a NUL byte, the secrets file.
target("fuzz_config")
with open(os.path.join(top, "etc", "config.yaml"), "rb") as f:
    put("shipped", f.read())
put("secrets", """lnurl-service:
  partitions: ["default", "${FUZZ_A}"]
  allowed-hosts: [${FUZZ_A:-x}, "b"]
  comment-allowed: 255
discovery-service:
  auth-authority: ${SWGR_FUZZ_DIR}/pub.pem
store:
  discover:
    type: database
    database-uri: "postgres://{secret.USER}:{secret.PW}@db/swgr?x=$${FUZZ_B}"
  offer:
    type: http
    base-url: http://127.0.0.1:3001
    authorization: ${SWGR_FUZZ_DIR}/token
secrets: ${SWGR_FUZZ_DIR}/secrets.env
\0USER=swgr
export PW='p w#"'
# comment
EMPTY=
Q="multi\\nline"
""")
put("env-forms", "a: ${FUZZ_A}${FUZZ_EMPTY:-d}${NOPE:-${FUZZ_B}}$${x}${FUZZ_A:?msg}\nb: [1, 2.5, true, ~, 'q']\n")
put("duplicate-key", "store:\n  discover: {type: memory}\n  discover: {type: memory}\n")
put("anchors", "x: &a {k: v}\ny: *a\nz: !!str 1\n--- \n...\n")
put("bad-types", "lnurl-service:\n  invoice-expiry-secs: -1\n  backend-selection: [x]\n  backoff: {type: stop}\n"
                 "monitor:\n  stale-after-secs: 1e400\n")

# fuzz_token: 0 and the token text; 1, header JSON, NUL, claims JSON (the harness signs).
target("fuzz_token")
put("signed-good", b'\x01{"typ":"JWT","alg":"ES256"}\0{"aud":"discovery","exp":1700000100}')
put("signed-expired", b'\x01{"alg":"ES256"}\0{"aud":"discovery","exp":1}')
put("signed-aud-array", b'\x01{"alg":"ES256","kid":"x"}\0{"aud":["discovery"],"exp":1.5e9}')
put("signed-alg-none", b'\x01{"alg":"none"}\0{"aud":"offer","exp":9223372036854775807}')
put("signed-dup", b'\x01{"alg":"ES256","alg":"HS256"}\0{"exp":-9223372036854775808,"aud":"discovery"}')
put("text-bad", b'\x00 eyJhbGciOiJFUzI1NiJ9.eyJhdWQiOiJkaXNjb3ZlcnkiLCJleHAiOjF9.AAAA \n')
put("text-parts", b'\x00a.b.c.d')
put("text-empty-sig", b'\x00eyJhbGciOiJFUzI1NiJ9.e30.')


# fuzz_endpoint: a backend URL (or address block), then NUL and an address to match.
target("fuzz_endpoint")
put("https-name", "https://lnd.example.com:10009")
put("http-v4", "http://10.1.2.3:8080/")
put("v6", "https://[fd00::1]:443")
put("unix", "unix:/run/lnd.sock")
put("abstract", "unix-abstract:lnd")
put("list", "ipv4:10.0.0.1:1,10.0.0.2:2")
put("userinfo", "https://u:p@host:1/x?q#f")
put("block-v4", b"10.0.0.0/8\x0010.9.8.7")
put("block-v6", b"fd00::/8\x00::ffff:10.0.0.1")
put("block-bad", b"10.0.0.1/8\x00garbage")


# fuzz_node: kind (% 3) and call (/ 3 % 2); gRPC: a status byte and the reply; Eclair: answers.
def varint(n):
    b = bytearray()
    while True:
        if n < 0x80:
            b.append(n)
            return bytes(b)
        b.append((n & 0x7f) | 0x80)
        n >>= 7


def pbf(num, value):
    """One protobuf field: int as varint, bytes/str as length-delimited."""
    if isinstance(value, int):
        return varint(num << 3) + varint(value)
    if isinstance(value, str):
        value = value.encode()
    return varint(num << 3 | 2) + varint(len(value)) + value


INV = V.VALID[0].invoice
target("fuzz_node")
put("lnd-invoice", bytes([0, 1]) + pbf(1, b"\x11" * 32) + pbf(2, INV) + pbf(16, 7))
put("lnd-invoice-empty", bytes([0, 1]) + pbf(1, b"h"))
put("lnd-invoice-down", bytes([0, 0]))
put("lnd-inbound", bytes([3, 1]) + pbf(3, pbf(1, 5) + pbf(2, 5000)) + pbf(4, pbf(1, 7) + pbf(2, 7000)))
put("lnd-inbound-none", bytes([3, 1]) + pbf(3, pbf(2, 1)))
chans = b"".join(pbf(1, pbf(1, b"\x02" * 33) + pbf(3, st) + pbf(34, pbf(1, amt)))
                 for st, amt in ((2, 2**63), (2, 2**63 + 5), (14, 10**9), (2, 0)))
put("cln-invoice", bytes([1, 1]) + pbf(1, INV) + pbf(2, b"\x22" * 32) + pbf(4, 1700000000))
put("cln-inbound", bytes([4, 1]) + chans)
put("cln-inbound-truncated", bytes([4, 1]) + chans[:-3])
put("eclair-invoice", b"\x02\x00" + ('{"serialized":"%s","paymentHash":"00"}' % INV).encode())
put("eclair-invoice-400", b"\x02\x04" + b'{"error":"amount too large"}')
put("eclair-invoice-401", b"\x02\x05" + b'{"error":"auth"}')
put("eclair-inbound", b"\x05\x00{\"version\":\"0.9\"}\0\x00"
    b'[{"canReceive":1000},{"canReceive":18446744073709551615},{"x":1},{"canReceive":null}]')
put("eclair-inbound-bad", b'\x05\x00[]\0\x00[{"canReceive":-1}]')
put("eclair-inbound-down", b'\x05\x0d<html>503</html>')

# fuzz_store_http: the operation (% 18), then answers between NUL bytes: a status
# byte (0 200, 1 201, 2 204, 3 304, 4 400, 5 401, 7 404, 8 409, 11 500, ...), an
# optional "ETag: ...\n", the body.
PK = "02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"
BACKEND = ('{"partitions":["default"],"publicKey":"%s","name":"n","weight":1,"enabled":true,'
           '"implementation":{"type":"lndGrpc","url":"https://x:1"}}' % PK)
OID = "3b241101-e2bb-4255-8caf-4136c566a962"
META = ('{"id":"%s","partition":"default","text":"t","longText":"l","image":{"png":"iVBORw0KGgo="},'
        '"identifier":{"email":"a@b.c"}}' % OID)
OFFERJ = ('{"partition":"default","id":"%s","maxSendable":100000,"minSendable":1000,"metadataId":"%s",'
          '"timestamp":"2026-12-01T00:00:00Z","expires":null}' % (OID, OID))
target("fuzz_store_http")
put("list-304", b"\x00\x00ETag: \"17\"\n[" + BACKEND.encode() + b"]\0\x03ETag: \"17\"\n")
put("list-changed", b"\x00\x00ETag: 3\n[]\0\x00ETag: 18446744073709551616\n[" + BACKEND.encode() + b",1]")
put("list-no-etag", b"\x00\x00[" + BACKEND.encode() + b"]")
put("etag", b"\x01\x00ETag: W/\"5\"\n")
put("get", b"\x02\x00" + BACKEND.encode())
put("get-404", b"\x02\x07")
put("post-conflict", b"\x03\x08{}")
put("put-created", b"\x83\x01")
put("patch", b"\x04\x02")
put("delete-500", b"\x05\x0b{\"error\":\"x\"}")
put("offer-get", b"\x06\x00" + OFFERJ.encode())
put("offer-get-embedded", b"\x86\x00" + OFFERJ[:-1].encode() + b',"metadata":' + META.encode() + b"}")
put("offer-page", b"\x07\x00[" + OFFERJ.encode() + b"," + OFFERJ.encode() + b"]")
put("metadata-page", b"\x08\x00[" + META.encode() + b"]")
put("metadata-get", b"\x09\x00" + META.encode())
put("offer-write", b"\x0a\x01")
put("offer-delete", b"\x0b\x07")
put("metadata-write", b"\x8c\x00")
put("metadata-delete", b"\x0d\x02")
ADDRESS = '{"domain":"pay.example.com","username":"alice","partition":"default","offer":"%s"}' % OID
put("address-get", b"\x0e\x00" + ADDRESS.encode())
put("address-page", b"\x0f\x00[" + ADDRESS.encode() + b"," + ADDRESS.encode() + b"]")
put("address-write", b"\x10\x01")
put("address-delete", b"\x11\x07")
print("%d seeds in %s" % (total, os.path.dirname(out)))
