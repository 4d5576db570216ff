"""BOLT11 invoices for the tests: encode (signed with a node key) and decode (signature recovered).

Written for the node simulator and for tests that check invoices independently
of the C code.  Signatures use libsecp256k1 through ctypes (Debian's
libsecp256k1-1 ships the recovery module).
"""
import base64
import ctypes
import ctypes.util
import hashlib

_lib = ctypes.CDLL(ctypes.util.find_library("secp256k1") or "libsecp256k1.so.1")
_lib.secp256k1_context_create.restype = ctypes.c_void_p
_lib.secp256k1_context_create.argtypes = [ctypes.c_uint]
for _name in ("secp256k1_ecdsa_sign_recoverable",
              "secp256k1_ecdsa_recoverable_signature_serialize_compact",
              "secp256k1_ecdsa_recoverable_signature_parse_compact",
              "secp256k1_ecdsa_recover", "secp256k1_ec_pubkey_create",
              "secp256k1_ec_pubkey_serialize", "secp256k1_ec_seckey_verify"):
    getattr(_lib, _name).argtypes = None
_CTX = ctypes.c_void_p(_lib.secp256k1_context_create(0x0201 | 0x0101))
_COMPRESSED = 0x0102

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
TAGS = {"p": 1, "s": 16, "d": 13, "h": 23, "n": 19, "x": 6, "c": 24, "9": 5, "m": 27}


def pubkey(seckey: bytes) -> bytes:
    """Compressed public key of a 32-byte secret key."""
    pk = ctypes.create_string_buffer(64)
    if not _lib.secp256k1_ec_pubkey_create(_CTX, pk, seckey):
        raise ValueError("invalid secret key")
    out = ctypes.create_string_buffer(33)
    n = ctypes.c_size_t(33)
    _lib.secp256k1_ec_pubkey_serialize(_CTX, out, ctypes.byref(n), pk, _COMPRESSED)
    return out.raw


def sign_recoverable(seckey: bytes, msg32: bytes) -> bytes:
    """64-byte compact signature followed by the recovery id."""
    sig = ctypes.create_string_buffer(65)
    if not _lib.secp256k1_ecdsa_sign_recoverable(_CTX, sig, msg32, seckey, None, None):
        raise ValueError("signing failed")
    out = ctypes.create_string_buffer(64)
    recid = ctypes.c_int(0)
    _lib.secp256k1_ecdsa_recoverable_signature_serialize_compact(_CTX, out, ctypes.byref(recid), sig)
    return out.raw + bytes([recid.value])


def recover(sig65: bytes, msg32: bytes) -> bytes:
    sig = ctypes.create_string_buffer(65)
    if not _lib.secp256k1_ecdsa_recoverable_signature_parse_compact(_CTX, sig, sig65[:64], sig65[64]):
        raise ValueError("bad signature encoding")
    pk = ctypes.create_string_buffer(64)
    if not _lib.secp256k1_ecdsa_recover(_CTX, pk, sig, msg32):
        raise ValueError("signature does not recover")
    out = ctypes.create_string_buffer(33)
    n = ctypes.c_size_t(33)
    _lib.secp256k1_ec_pubkey_serialize(_CTX, out, ctypes.byref(n), pk, _COMPRESSED)
    return out.raw


_GEN = (0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3)


def _gen_xor(top):
    x = 0
    for i in range(5):
        if top >> i & 1:
            x ^= _GEN[i]
    return x


# The xor of the generators picked by the 5 bits shifted out of the checksum.
_GEN_T = tuple(_gen_xor(top) for top in range(32))


def _polymod(values):
    chk = 1
    t = _GEN_T
    for v in values:
        chk = ((chk & 0x1ffffff) << 5) ^ v ^ t[chk >> 25]
    return chk


def _hrp_expand(hrp):
    return [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp]


def bech32_encode(hrp: str, data5: list) -> str:
    values = _hrp_expand(hrp) + data5
    poly = _polymod(values + [0] * 6) ^ 1
    checksum = [(poly >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(CHARSET[d] for d in data5 + checksum)


def bech32_decode(s: str):
    if s.lower() != s and s.upper() != s:
        raise ValueError("mixed case")
    s = s.lower()
    pos = s.rfind("1")
    if pos < 1 or pos + 7 > len(s):
        raise ValueError("no separator")
    hrp, data = s[:pos], [CHARSET.find(c) for c in s[pos + 1:]]
    if -1 in data:
        raise ValueError("bad character")
    if _polymod(_hrp_expand(hrp) + data) != 1:
        raise ValueError("bad checksum")
    return hrp, data[:-6]


def convertbits(data, frombits, tobits, pad=True):
    acc = bits = 0
    out = []
    maxv = (1 << tobits) - 1
    for v in data:
        acc = (acc << frombits) | v
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            out.append((acc >> bits) & maxv)
    if pad and bits:
        out.append((acc << (tobits - bits)) & maxv)
    return out


def _int5(value, length=None):
    words = []
    while value:
        words.insert(0, value & 31)
        value >>= 5
    if length is not None:
        words = [0] * (length - len(words)) + words
    return words or [0]


def _amount_hrp(msat):
    if msat is None:
        return ""
    if msat % 100_000_000 == 0:
        return "%dm" % (msat // 100_000_000)
    if msat % 100_000 == 0:
        return "%du" % (msat // 100_000)
    if msat % 100 == 0:
        return "%dn" % (msat // 100)
    return "%dp" % (msat * 10)


# 5-bit words <-> base32 text: the encoder runs in C (base64 module), not in a Python loop.
_B32 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_FROM_B32 = bytes.maketrans(_B32, bytes(range(32)))
_TO_B32 = bytes.maketrans(bytes(range(32)), _B32)
_TO_CHARSET = bytes.maketrans(bytes(range(32)), CHARSET.encode())


def _to5(b: bytes) -> bytes:
    """convertbits(b, 8, 5) with padding, as bytes of 5-bit words."""
    return base64.b32encode(b).rstrip(b"=").translate(_FROM_B32)


def _to8(words: bytes) -> bytes:
    """convertbits(words, 5, 8) with padding."""
    n = len(words)
    return base64.b32decode(words.translate(_TO_B32) + b"A" * (-n % 8))[:(n * 5 + 7) // 8]


def encode(seckey: bytes, amount_msat, payment_hash: bytes, description_hash: bytes,
           expiry: int, timestamp: int, payment_secret: bytes, network="bcrt",
           min_final_cltv=18) -> str:
    hrp = "ln" + network + _amount_hrp(amount_msat)
    data = bytearray(_int5(timestamp, 7))

    def tag(letter, words):
        data.append(TAGS[letter])
        data.extend(_int5(len(words), 2))
        data.extend(words)
    tag("p", _to5(payment_hash))
    tag("s", _to5(payment_secret))
    tag("h", _to5(description_hash))
    tag("x", _int5(expiry))
    tag("c", _int5(min_final_cltv))
    # features: var_onion_optin (8) and payment_secret (14), both "required" bits
    tag("9", _int5((1 << 8) | (1 << 14)))
    msg = hashlib.sha256(hrp.encode() + _to8(bytes(data))).digest()
    data.extend(_to5(sign_recoverable(seckey, msg)))
    poly = _polymod(_hrp_expand(hrp) + list(data) + [0] * 6) ^ 1
    data.extend((poly >> 5 * (5 - i)) & 31 for i in range(6))
    return hrp + "1" + bytes(data).translate(_TO_CHARSET).decode()


_MULT = {"m": 10**8, "u": 10**5, "n": 10**2}


def decode(invoice: str) -> dict:
    """Decodes and checks the signature; returns amount_msat, payee, hashes, expiry..."""
    hrp, data = bech32_decode(invoice)
    if not hrp.startswith("ln"):
        raise ValueError("not a lightning invoice")
    if len(data) < 7 + 104:
        raise ValueError("too short")
    body, sigw = data[:-104], data[-104:]
    rest = hrp[2:]
    i = 0
    while i < len(rest) and not rest[i].isdigit():
        i += 1
    network, amt = rest[:i], rest[i:]
    amount_msat = None
    if amt:
        mult = amt[-1]
        if mult == "p":
            n = int(amt[:-1])
            if n % 10:
                raise ValueError("sub-msat amount")
            amount_msat = n // 10
        elif mult in _MULT:
            amount_msat = int(amt[:-1]) * _MULT[mult]
        else:
            amount_msat = int(amt) * 10**11
    out = {"network": network, "amount_msat": amount_msat, "expiry": 3600,
           "timestamp": 0, "description_hash": None, "description": None}
    ts = 0
    for w in body[:7]:
        ts = ts << 5 | w
    out["timestamp"] = ts
    j = 7
    tagnames = {v: k for k, v in TAGS.items()}
    n_field = None
    while j < len(body):
        t, ln = body[j], body[j + 1] << 5 | body[j + 2]
        words = body[j + 3:j + 3 + ln]
        j += 3 + ln
        name = tagnames.get(t)
        if name == "p" and ln == 52:
            out["payment_hash"] = bytes(convertbits(words, 5, 8, False))
        elif name == "h" and ln == 52:
            out["description_hash"] = bytes(convertbits(words, 5, 8, False))
        elif name == "d":
            out["description"] = bytes(convertbits(words, 5, 8, False)).decode()
        elif name == "n" and ln == 53:
            n_field = bytes(convertbits(words, 5, 8, False))
        elif name == "x":
            v = 0
            for w in words:
                v = v << 5 | w
            out["expiry"] = v
    sig = bytes(convertbits(sigw, 5, 8, False))
    msg = hashlib.sha256(hrp.encode() + bytes(convertbits(body, 5, 8))).digest()
    payee = recover(sig, msg)
    if n_field is not None and n_field != payee:
        raise ValueError("signature does not match the n field")
    out["payee"] = payee
    return out
