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


# The fields encode() writes by default, in this order (those with no value are left out).
DEFAULT_ORDER = ("p", "s", "d", "h", "m", "x", "c", "9", "n")
# var_onion_optin (8) and payment_secret (14), both "required" bits.
DEFAULT_FEATURES = (1 << 8) | (1 << 14)


def _uint5(value):
    """A field's value as its minimal big-endian words (none for 0)."""
    return _int5(value) if value else []


def encode(seckey: bytes, amount_msat, payment_hash: bytes, description_hash, expiry,
           timestamp: int, payment_secret: bytes, network="bcrt", min_final_cltv=18, *,
           description=None, metadata=None, features=DEFAULT_FEATURES, payee_field=False,
           order=DEFAULT_ORDER) -> str:
    """A signed invoice (lowercase).

    amount_msat None: no amount.  description_hash (h) or description (d, a str):
    exactly one.  expiry (x) and min_final_cltv (c): None leaves the field out, so
    that readers take the defaults 3600 and 18.  metadata (m, bytes) if not None;
    features (9) if not 0; payee_field writes n with the key of seckey.  order
    lists the tag letters in the order the fields are written; every field
    present must be in it.  The signature is libsecp256k1's (RFC 6979, low-S).
    """
    if (description is None) == (description_hash is None):
        raise ValueError("exactly one of description and description_hash")
    hrp = "ln" + network + _amount_hrp(amount_msat)
    data = bytearray(_int5(timestamp, 7))
    fields = {"p": _to5(payment_hash), "s": _to5(payment_secret)}
    if description is not None:
        fields["d"] = _to5(description.encode())
    if description_hash is not None:
        fields["h"] = _to5(description_hash)
    if metadata is not None:
        fields["m"] = _to5(metadata)
    if expiry is not None:
        fields["x"] = _uint5(expiry)
    if min_final_cltv is not None:
        fields["c"] = _uint5(min_final_cltv)
    if features:
        fields["9"] = _uint5(features)
    if payee_field:
        fields["n"] = _to5(pubkey(seckey))
    missing = set(fields) - set(order)
    if missing:
        raise ValueError("order leaves out the fields %s" % "".join(sorted(missing)))
    for letter in order:
        if letter in fields:
            words = fields.pop(letter)
            if len(words) > 1023:
                raise ValueError("field %s is too long" % letter)
            data.append(TAGS[letter])
            data.extend(_int5(len(words), 2))
            data.extend(words)
    msg = hashlib.sha256(hrp.encode() + _to8(bytes(data))).digest()
    data.extend(_to5(sign_recoverable(seckey, msg)))
    poly = _polymod(_hrp_expand(hrp) + list(data) + [0] * 6) ^ 1
    data.extend((poly >> 5 * (5 - i)) & 31 for i in range(6))
    return hrp + "1" + bytes(data).translate(_TO_CHARSET).decode()


_MULT = {"m": 10**8, "u": 10**5, "n": 10**2}
NETWORKS = ("bc", "tb", "tbs", "bcrt", "sb")
# The even (required) feature bits BOLT #9 allows in invoices: 8, 14, 16, 24, 36, 48.
KNOWN_EVEN_FEATURES = frozenset((8, 14, 16, 24, 36, 48))
# secp256k1's group order: a signature with s above half of it is high-S.
_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def _parse_hrp(hrp):
    """(network, amount_msat or None) of "ln" + currency prefix + amount, by BOLT #11's reader rules."""
    if not hrp.startswith("ln"):
        raise ValueError("not a lightning invoice")
    rest = hrp[2:]
    i = 0
    while i < len(rest) and not rest[i].isdigit():
        i += 1
    network, amt = rest[:i], rest[i:]
    if network not in NETWORKS:
        raise ValueError("unknown currency prefix %r" % network)
    if not amt:
        return network, None
    digits, mult = (amt[:-1], amt[-1]) if amt[-1] in "munp" else (amt, "")
    if not (digits.isascii() and digits.isdigit()) or digits[0] == "0":
        raise ValueError("bad amount %r (digits, no leading 0, then m, u, n or p)" % amt)
    n = int(digits)
    if mult == "p":
        if n % 10:
            raise ValueError("sub-msat amount")
        return network, n // 10
    return network, n * (_MULT[mult] if mult else 10**11)


def _uint(letter, words):
    if words and words[0] == 0:
        raise ValueError("%s field is not minimally encoded" % letter)
    v = 0
    for w in words:
        v = v << 5 | w
    return v


def _verifies(sig64, msg32, key33):
    """ECDSA verification of (r, s) against key33: one of the four recoveries gives it."""
    for recid in range(4):
        try:
            if recover(sig64 + bytes([recid]), msg32) == key33:
                return True
        except ValueError:
            pass
    return False


def decode(invoice: str) -> dict:
    """Decodes invoice and checks it by BOLT #11's reader rules and its signature.

    Returns network, amount_msat (None if absent), timestamp, payment_hash,
    payment_secret, description or description_hash (the other None), metadata,
    expiry (3600 if absent), min_final_cltv (18 if absent), features (an int),
    payee (from n or recovered), payee_field (n was present) and sighash (the
    SHA-256 the signature signs).  A p, s, h or n field of another length is
    skipped, as the spec's "fields which must be ignored" example has it; of
    several p, s, n, m, x or c fields the first counts.  Raises ValueError.
    """
    hrp, data = bech32_decode(invoice)
    network, amount_msat = _parse_hrp(hrp)
    if len(data) < 7 + 104:
        raise ValueError("too short")
    body, sigw = data[:-104], data[-104:]
    ts = 0
    for w in body[:7]:
        ts = ts << 5 | w
    out = {"network": network, "amount_msat": amount_msat, "timestamp": ts,
           "payment_hash": None, "payment_secret": None, "description": None,
           "description_hash": None, "metadata": None, "expiry": 3600,
           "min_final_cltv": 18, "features": 0, "payee_field": False}
    tagnames = {v: k for k, v in TAGS.items()}
    seen = set()
    n_field = None
    j = 7
    while j < len(body):
        if len(body) - j < 3:
            raise ValueError("truncated tagged field")
        t, ln = body[j], body[j + 1] << 5 | body[j + 2]
        if j + 3 + ln > len(body):
            raise ValueError("tagged field overruns the data")
        words = body[j + 3:j + 3 + ln]
        j += 3 + ln
        name = tagnames.get(t)
        if name in ("p", "s", "h") and ln != 52 or name == "n" and ln != 53:
            continue
        if name in ("d", "h", "9") and name in seen:
            raise ValueError("more than one %s field" % name)
        if name is None or name in seen:
            continue
        seen.add(name)
        if name == "p":
            out["payment_hash"] = bytes(convertbits(words, 5, 8, False))
        elif name == "s":
            out["payment_secret"] = bytes(convertbits(words, 5, 8, False))
        elif name == "h":
            out["description_hash"] = bytes(convertbits(words, 5, 8, False))
        elif name == "d":
            out["description"] = bytes(convertbits(words, 5, 8, False)).decode()
        elif name == "m":
            out["metadata"] = bytes(convertbits(words, 5, 8, False))
        elif name == "n":
            n_field = bytes(convertbits(words, 5, 8, False))
        elif name == "x":
            out["expiry"] = _uint("x", words)
        elif name == "c":
            out["min_final_cltv"] = _uint("c", words)
        elif name == "9":
            out["features"] = f = _uint("9", words)
            bits = [b for b in range(f.bit_length()) if f >> b & 1 and b % 2 == 0]
            unknown = [b for b in bits if b not in KNOWN_EVEN_FEATURES]
            if unknown:
                raise ValueError("requires unknown feature bit %d" % unknown[0])
    if "p" not in seen:
        raise ValueError("no payment hash (p)")
    if "s" not in seen:
        raise ValueError("no payment secret (s)")
    if ("d" in seen) == ("h" in seen):
        raise ValueError("both d and h fields" if "d" in seen else "neither a d nor an h field")
    sig = bytes(convertbits(sigw, 5, 8, False))
    msg = hashlib.sha256(hrp.encode() + bytes(convertbits(body, 5, 8))).digest()
    out["sighash"] = msg
    if n_field is not None:
        if int.from_bytes(sig[32:64], "big") > _ORDER // 2:
            raise ValueError("high-S signature with an n field")
        if not _verifies(sig[:64], msg, n_field):
            raise ValueError("signature does not verify against the n field")
        out["payee"], out["payee_field"] = n_field, True
    else:
        out["payee"] = recover(sig, msg)
    return out
