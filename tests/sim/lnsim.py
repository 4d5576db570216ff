#!/usr/bin/python3
"""A Lightning node simulator for tests and demos.

Serves the LND (lnrpc.Lightning) or CLN (cln.Node) gRPC service of proto/ over
TLS, or Eclair's HTTP API: LND checks the macaroon header, CLN requires a client
certificate signed by its CA (mutual TLS), Eclair HTTP Basic auth with its API
password, like the real nodes.  Invoices are real BOLT11, signed with the node's
own key, with the requested amount, description hash and expiry.

  lnsim.py --kind lnd|cln|eclair --dir STATE --port P --control-port C [--seed HEX]
           [--inbound-msat N] [--workers N] [--rest-port R] [--tls]

LND only, with --rest-port R: also LND's REST API (grpc-gateway) on 127.0.0.1:R
over HTTPS with the same tls.cert/tls.key, the macaroon in hex in the
Grpc-Metadata-macaroon header, checked like the gRPC side.  One call, the one an
LNURL server such as lnurl-node's "lnd" backend makes for a callback:
  POST /v1/invoices {"value_msat": N, "description_hash": base64, "expiry": N}
    -> 200 {"r_hash", "payment_request", "add_index", "payment_addr"}
  errors as grpc-gateway: HTTP status of the gRPC code, {"code", "message", "details"}
Invoices go through the same path as AddInvoice (counters, fault controls; "down"
closes this listener too).  Anything else: 404.

Eclair: its HTTP API on 127.0.0.1:P, plain HTTP as Eclair serves it (--tls: HTTPS
with tls.cert/tls.key, as behind a TLS-terminating proxy).  As Eclair's API:
  every request first passes HTTP Basic auth: any user name (Eclair checks only the
    password; a call with a non-empty one is counted in counts.named_user), the
    password of eclair-api-password; a wrong or missing password is answered
    after a 1 s pause: 401, WWW-Authenticate: Basic realm="Access restricted"
  POST only (another method: 405), form fields (application/x-www-form-urlencoded)
  POST /getinfo                            -> {"version", "nodeId", "alias", ...}
  POST /createinvoice descriptionHash=<64 hex>&amountMsat=N&expireIn=S
                                           -> {"prefix", "timestamp", "nodeId",
       "serialized" (the BOLT11), "descriptionHash", "paymentHash", "expiry",
       "minFinalCltvExpiry", "amount", "features", "routingInfo"}; amountMsat and
       expireIn optional (no amount; 3600 s), exactly one of description and
       descriptionHash (else 500)
  POST /usablebalances                     -> [{"remoteNodeId", "realScid",
       "aliases", "canSend", "canReceive", "isPublic", "isEnabled"}, ...]: the
       inbound capacity as canReceive over two channels
  errors {"error": "<text>"}: 400 a malformed or refused field, 404 another path,
  500 a simulated node error or the end of a hang
Health (balance_checks counts /usablebalances; /getinfo is answered the same way).

Throughput (bench/sim_rate.py, 2-core machine, client on the same machine):
about 2000-3000 invoices/s per simulator process, LND and CLN alike.

STATE receives the node's files (as a real node would have them):
  LND: tls.cert tls.key admin.macaroon invoice.macaroon swgr.macaroon (binary
       v2 in shape: 0x02 then random bytes, mode 0600)
       (each with a real LND's permissions: invoice.macaroon cannot call
       ChannelBalance; swgr.macaroon = invoices:read/write + offchain:read)
  CLN: ca.pem ca-key.pem server.pem server-key.pem client.pem client-key.pem
  Eclair: eclair-api-password (eclair.api.password, one line ending in a newline,
       mode 0600), tls.cert tls.key (for --tls; the certificate names localhost
       and 127.0.0.1)
  all: node.key (the node's secret key, 64 hex characters, mode 0600: made at the
        first start, read at every later one, so the node keeps its identity across
        restarts, as a real node does; --seed sets it instead)
        node.json {"publicKey": ..., "kind": ..., "port": ...}

Control (HTTP on 127.0.0.1:C, JSON), the same for every kind:
  GET  /state                     counters and settings
  POST /control {...}             any of: "down": bool (stop/start listening),
       "latency_ms": n, "hang": bool (accept calls, never answer),
       "hang_invoices": bool (invoice calls only -- AddInvoice, Invoice, createinvoice,
       REST /v1/invoices -- wait unanswered while it is set, health calls answer as
       usual; a call still waiting when it is cleared goes on and is answered),
       "error_rate": 0..1 (UNAVAILABLE; Eclair: 500), "inbound_msat": n,
       "wrong": null|"amount"|"hash"|"payee" (a non-conforming invoice),
       "refuse_invoices": bool (invoice calls end INVALID_ARGUMENT, Eclair: 400, with a
       message naming the node's public key, as a node refusing the request does)
  counts: invoices, refused (invoice calls refuse_invoices refused), balance_checks, errors, hung (calls held by hang or
       hang_invoices; hang_invoices counts only calls whose caller still waits), calls (calls that passed the
       credentials check), auth_failures (LND: a macaroon refused; Eclair: a wrong
       or missing password), named_user (Eclair), held (invoice calls hang_invoices
       holds now), held_max (the most it held at once)
"""
import argparse
import base64
import datetime
import hashlib
import hmac
import http.server
import ipaddress
import json
import os
import random
import select
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from concurrent import futures

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bolt11  # noqa: E402


# The LND macaroons the simulator writes, with their permissions (entity:action).
MACAROONS = {
    "admin.macaroon": {"invoices:read", "invoices:write", "offchain:read", "offchain:write",
                       "onchain:read", "onchain:write", "address:read", "address:write",
                       "info:read", "peers:read", "message:write", "signer:generate"},
    # lnd's invoicePermissions
    "invoice.macaroon": {"invoices:read", "invoices:write", "address:read", "address:write",
                         "onchain:read"},
    # lncli bakemacaroon invoices:read invoices:write offchain:read (doc/nodes.md)
    "swgr.macaroon": {"invoices:read", "invoices:write", "offchain:read"},
}


def load_protos():
    """Generates the Python messages from proto/ (the same files the C build uses)."""
    out = tempfile.mkdtemp(prefix="lnsim-pb-")
    proto = os.path.join(HERE, "..", "..", "proto")
    subprocess.run(["protoc", "--python_out=" + out, "-I" + proto,
                    os.path.join(proto, "cln_node.proto"),
                    os.path.join(proto, "lnd_lightning.proto")], check=True)
    sys.path.insert(0, out)
    import cln_node_pb2
    import lnd_lightning_pb2
    return cln_node_pb2, lnd_lightning_pb2


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject_cn, key, issuer_cn, issuer_key, ca=False, server=False, ip=None):
    now = datetime.datetime.now(datetime.timezone.utc)
    b = (x509.CertificateBuilder().subject_name(_name(subject_cn)).issuer_name(_name(issuer_cn))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - datetime.timedelta(days=1))
         .not_valid_after(now + datetime.timedelta(days=365))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if server:
        names = [x509.DNSName("localhost"), x509.DNSName(subject_cn)]
        if ip is not None:
            names.append(x509.IPAddress(ipaddress.ip_address(ip)))
        b = b.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def unary_service(name, methods):
    """The gRPC service name of unary calls: methods maps each to (handler, request type, reply type)."""
    return grpc.method_handlers_generic_handler(name, {
        m: grpc.unary_unary_rpc_method_handler(fn, req.FromString, rep.SerializeToString)
        for m, (fn, req, rep) in methods.items()})


def _macaroon():
    """Random bytes shaped as a binary v2 macaroon (its first byte 2), as swgr checks."""
    return b"\x02" + os.urandom(63)


def _write(path, data, mode=0o644):
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def _pem_key(k):
    return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                           serialization.NoEncryption())


def _pem_cert(c):
    return c.public_bytes(serialization.Encoding.PEM)


ECLAIR_PASSWORD = "eclair-api-password"


def make_files(kind, d, name):
    """Creates the node's TLS material and credentials once; later starts reuse them."""
    os.makedirs(d, exist_ok=True)
    if kind == "eclair":
        if not os.path.exists(os.path.join(d, "tls.cert")):
            k = ec.generate_private_key(ec.SECP256R1())
            c = _cert(name, k, name, k, ca=True, server=True, ip="127.0.0.1")
            _write(os.path.join(d, "tls.key"), _pem_key(k), 0o600)
            _write(os.path.join(d, "tls.cert"), _pem_cert(c))
        if not os.path.exists(os.path.join(d, ECLAIR_PASSWORD)):
            # as an operator writes it: one line, with its newline
            _write(os.path.join(d, ECLAIR_PASSWORD), os.urandom(16).hex().encode() + b"\n", 0o600)
        return
    if kind == "lnd":
        if not os.path.exists(os.path.join(d, "tls.cert")):
            k = ec.generate_private_key(ec.SECP256R1())
            c = _cert(name, k, name, k, ca=True, server=True)
            _write(os.path.join(d, "tls.key"), _pem_key(k), 0o600)
            _write(os.path.join(d, "tls.cert"), _pem_cert(c))
            _write(os.path.join(d, "admin.macaroon"), _macaroon(), 0o600)
            _write(os.path.join(d, "invoice.macaroon"), _macaroon(), 0o600)
        if not os.path.exists(os.path.join(d, "swgr.macaroon")):
            _write(os.path.join(d, "swgr.macaroon"), _macaroon(), 0o600)
        return
    if not os.path.exists(os.path.join(d, "ca.pem")):
        cak = ec.generate_private_key(ec.SECP256R1())
        ca = _cert(name + " CA", cak, name + " CA", cak, ca=True)
        sk = ec.generate_private_key(ec.SECP256R1())
        ck = ec.generate_private_key(ec.SECP256R1())
        _write(os.path.join(d, "ca-key.pem"), _pem_key(cak), 0o600)
        _write(os.path.join(d, "ca.pem"), _pem_cert(ca))
        _write(os.path.join(d, "server-key.pem"), _pem_key(sk), 0o600)
        _write(os.path.join(d, "server.pem"), _pem_cert(_cert(name, sk, name + " CA", cak, server=True)))
        _write(os.path.join(d, "client-key.pem"), _pem_key(ck), 0o600)
        _write(os.path.join(d, "client.pem"), _pem_cert(_cert("swgr client", ck, name + " CA", cak)))


def node_key(d, seed=None):
    """The node's secret key: --seed if given (and then kept), else node.key in STATE,
    made at the first start.  A restart keeps the public key, as a real node does."""
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "node.key")
    if seed is None and os.path.exists(path):
        with open(path) as f:
            text = f.read().strip()
        try:
            key = bytes.fromhex(text)
        except ValueError:
            key = b""
        if len(key) != 32:
            raise SystemExit("%s: not a 32-byte key in hex; remove it to make a new node" % path)
        return key
    key = bytes.fromhex(seed) if seed is not None else os.urandom(32)
    if len(key) != 32:
        raise SystemExit("--seed: want 64 hex characters, got %d bytes" % len(key))
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key.hex() + "\n")
    os.replace(tmp, path)
    return key


class Node:
    def __init__(self, args, pb):
        self.kind, self.dir, self.port = args.kind, args.dir, args.port
        self.workers = args.workers
        self.rest_port = args.rest_port
        self.tls = args.tls
        self.rest = None
        self.cln_pb, self.lnd_pb = pb
        self.seckey = node_key(self.dir, args.seed)
        self.other_key = hashlib.sha256(self.seckey).digest()   # the "wrong payee"
        self.pubkey = bolt11.pubkey(self.seckey)
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.s = {"down": False, "latency_ms": 0, "hang": False, "hang_invoices": False,
                  "error_rate": 0.0, "inbound_msat": args.inbound_msat, "wrong": None,
                  "refuse_invoices": False}
        self.counts = {"invoices": 0, "balance_checks": 0, "errors": 0, "hung": 0, "calls": 0,
                       "auth_failures": 0, "named_user": 0, "held": 0, "held_max": 0,
                       "refused": 0}
        self.server = None
        make_files(self.kind, self.dir, "localhost")
        if self.kind == "lnd":
            # Each macaroon with the permissions a real LND gives it (invoice.macaroon has
            # no offchain:read: ChannelBalance is refused, as by LND).
            self.macaroons = {open(os.path.join(self.dir, m), "rb").read().hex(): perms
                              for m, perms in MACAROONS.items()}
        if self.kind == "eclair":
            with open(os.path.join(self.dir, ECLAIR_PASSWORD)) as f:
                self.password = f.read().rstrip("\r\n")   # Eclair's config value
            self.instance_id = str(uuid.uuid4())
        with open(os.path.join(self.dir, "node.json"), "w") as f:
            json.dump({"publicKey": self.pubkey.hex(), "kind": self.kind, "port": self.port,
                       "controlPort": args.control_port}, f)

    # gRPC side ---------------------------------------------------------
    def credentials(self):
        r = lambda n: open(os.path.join(self.dir, n), "rb").read()
        if self.kind == "lnd":
            return grpc.ssl_server_credentials([(r("tls.key"), r("tls.cert"))])
        return grpc.ssl_server_credentials([(r("server-key.pem"), r("server.pem"))],
                                           root_certificates=r("ca.pem"), require_client_auth=True)

    def start(self):
        if self.kind == "eclair":
            self.server = EclairApi(self, self.port, self.tls)
            return
        handlers = self.lnd_handlers() if self.kind == "lnd" else self.cln_handlers()
        s = grpc.server(futures.ThreadPoolExecutor(max_workers=self.workers),
                        options=[("grpc.so_reuseport", 0)])
        s.add_generic_rpc_handlers((handlers,))
        s.add_secure_port("127.0.0.1:%d" % self.port, self.credentials())
        s.start()
        self.server = s
        if self.rest_port:
            self.rest = RestServer(self, self.rest_port)

    def stop(self):
        if self.server is not None:
            with self.cond:
                self.cond.notify_all()
            if self.kind == "eclair":
                self.server.close()
            else:
                self.server.stop(0).wait()
            self.server = None
        if self.rest is not None:
            self.rest.close()
            self.rest = None

    def wake(self):
        """Wakes the calls hang_invoices holds (one of them has ended: held is exact)."""
        with self.cond:
            self.cond.notify_all()

    def count(self, what):
        with self.lock:
            self.counts[what] += 1

    def gate(self, ctx, invoice=False):
        """Applies the fault controls to one call (invoice: an invoice call, which
        hang_invoices holds); returns the settings it ran under."""
        with self.lock:
            self.counts["calls"] += 1
            s = dict(self.s)
        if invoice and s["hang_invoices"] and not s["hang"]:
            with self.cond:
                held = ctx.is_active()  # not one its caller gave up on while it queued
                if held:
                    self.counts["hung"] += 1
                    self.counts["held"] += 1
                    self.counts["held_max"] = max(self.counts["held_max"], self.counts["held"])
                if held and hasattr(ctx, "add_callback"):      # gRPC: told when it ends
                    ctx.add_callback(self.wake)
                while self.s["hang_invoices"] and not self.s["hang"] and ctx.is_active():
                    self.cond.wait(0.05)
                if held:
                    self.counts["held"] -= 1
                s = dict(self.s)
            if not ctx.is_active():
                ctx.abort(grpc.StatusCode.DEADLINE_EXCEEDED, "the caller gave up")
        if s["hang"]:
            with self.cond:
                self.counts["hung"] += 1
                while self.s["hang"] and ctx.is_active():
                    self.cond.wait(0.5)
            ctx.abort(grpc.StatusCode.UNAVAILABLE, "simulated hang ended")
        if s["latency_ms"]:
            time.sleep(s["latency_ms"] / 1000.0)
        if s["error_rate"] and random.random() < s["error_rate"]:
            self.count("errors")
            ctx.abort(grpc.StatusCode.UNAVAILABLE, "simulated node error")
        return s

    def invoice(self, amount_msat, description_hash, expiry, ctx):
        s = self.gate(ctx, invoice=True)
        if s["refuse_invoices"]:
            self.count("refused")
            ctx.abort(grpc.StatusCode.INVALID_ARGUMENT,
                      f"node {self.pubkey.hex()} refuses: invoice of {amount_msat} msat not allowed")
        key = self.seckey
        if s["wrong"] == "amount":
            amount_msat = (amount_msat or 0) + 1000
        elif s["wrong"] == "hash":
            description_hash = hashlib.sha256(description_hash).digest()
        elif s["wrong"] == "payee":
            key = self.other_key
        preimage = os.urandom(32)
        pr = bolt11.encode(key, amount_msat, hashlib.sha256(preimage).digest(), description_hash,
                           expiry or 3600, int(time.time()), os.urandom(32))
        self.count("invoices")
        return pr

    def lnd_auth(self, macaroon_hex, perm, ctx):
        """LND's macaroon check, with its messages (gRPC metadata or REST header alike)."""
        perms = self.macaroons.get(macaroon_hex)
        if perms is None:
            self.count("auth_failures")
            ctx.abort(grpc.StatusCode.UNKNOWN, "verification failed: signature mismatch after caveat verification")
        if perm not in perms:
            self.count("auth_failures")
            ctx.abort(grpc.StatusCode.UNKNOWN, "verification failed: permission denied")

    def lnd_add_invoice(self, value_msat, description_hash, expiry, ctx):
        """LND's AddInvoice after its macaroon check, as both APIs serve it: the payment
        request."""
        if value_msat <= 0 or len(description_hash) != 32:
            ctx.abort(grpc.StatusCode.INVALID_ARGUMENT, "amount and description_hash required")
        return self.invoice(value_msat, description_hash, expiry, ctx)

    def lnd_handlers(self):
        pb = self.lnd_pb

        def auth(ctx, perm):
            self.lnd_auth(dict(ctx.invocation_metadata()).get("macaroon"), perm, ctx)

        def add_invoice(req, ctx):
            auth(ctx, "invoices:write")
            pr = self.lnd_add_invoice(req.value_msat, req.description_hash, req.expiry, ctx)
            return pb.AddInvoiceResponse(r_hash=os.urandom(32), payment_request=pr, add_index=1)

        def channel_balance(req, ctx):
            auth(ctx, "offchain:read")
            s = self.gate(ctx)
            self.count("balance_checks")
            r = pb.ChannelBalanceResponse()
            r.remote_balance.msat = s["inbound_msat"]
            r.remote_balance.sat = s["inbound_msat"] // 1000
            return r

        return unary_service("lnrpc.Lightning", {
            "AddInvoice": (add_invoice, pb.Invoice, pb.AddInvoiceResponse),
            "ChannelBalance": (channel_balance, pb.ChannelBalanceRequest, pb.ChannelBalanceResponse)})

    def cln_handlers(self):
        pb = self.cln_pb

        def invoice(req, ctx):
            if not req.deschashonly or req.amount_msat.WhichOneof("value") != "amount":
                ctx.abort(grpc.StatusCode.INVALID_ARGUMENT, "expected deschashonly and an amount")
            h = hashlib.sha256(req.description.encode()).digest()
            # swgr's label (spec 10.2): hex sha256 of the description, ":", Unix time in ns
            hexh, _, ns = req.label.partition(":")
            if hexh != h.hex() or not ns.isdigit():
                ctx.abort(grpc.StatusCode.INVALID_ARGUMENT, "label %r is not <sha256 hex>:<ns>" % req.label)
            pr = self.invoice(req.amount_msat.amount.msat, h, req.expiry, ctx)
            return pb.InvoiceResponse(bolt11=pr, payment_hash=os.urandom(32))

        def list_peer_channels(req, ctx):
            s = self.gate(ctx)
            self.count("balance_checks")
            r = pb.ListpeerchannelsResponse()
            # Split the inbound over two normal channels, plus one closed one that must not count.
            half = s["inbound_msat"] // 2
            for amt, state in ((half, 2), (s["inbound_msat"] - half, 2), (10**9, 14)):
                ch = r.channels.add(peer_id=os.urandom(33), state=state)
                ch.receivable_msat.msat = amt
            return r

        return unary_service("cln.Node", {
            "Invoice": (invoice, pb.InvoiceRequest, pb.InvoiceResponse),
            "ListPeerChannels": (list_peer_channels, pb.ListpeerchannelsRequest,
                                 pb.ListpeerchannelsResponse)})

    # Eclair side: its API's calls after the password check (EclairApi) --------
    def eclair_getinfo(self, form, call):
        self.gate(call)
        return {"version": "0.13.0-lnsim", "nodeId": self.pubkey.hex(), "alias": "lnsim",
                "color": "#49daaa", "features": {"activated": {}, "unknown": []},
                "chainHash": REGTEST, "network": "regtest", "blockHeight": 800000,
                "publicAddresses": [], "instanceId": self.instance_id}

    def eclair_createinvoice(self, form, call):
        amount = _eclair_field(form, "amountMsat", _long, call)
        expiry = _eclair_field(form, "expireIn", _long, call)
        dh = _eclair_field(form, "descriptionHash", _bytes32, call)
        desc = form.get("description")
        if (desc is None) == (dh is None):
            call.abort(grpc.StatusCode.UNKNOWN, "Either 'description' (string) or 'descriptionHash' "
                       "(sha256 hash of description string) must be supplied")
        if desc is not None:
            dh = hashlib.sha256(desc.encode()).digest()   # the simulator signs hashes only
        if (amount is not None and amount <= 0) or (expiry is not None and expiry <= 0):
            call.abort(grpc.StatusCode.INVALID_ARGUMENT,
                       "API call failed: check logs for more details")
        pr = self.invoice(amount, dh, expiry, call)
        inv = bolt11.decode(pr)
        out = {"prefix": "lnbcrt", "timestamp": inv["timestamp"], "nodeId": self.pubkey.hex(),
               "serialized": pr}
        if desc is not None:
            out["description"] = desc
        else:
            out["descriptionHash"] = inv["description_hash"].hex()
        out.update({"paymentHash": inv["payment_hash"].hex(), "expiry": inv["expiry"],
                    "minFinalCltvExpiry": inv["min_final_cltv"]})
        if inv["amount_msat"] is not None:
            out["amount"] = inv["amount_msat"]
        out.update({"features": {"activated": {"var_onion_optin": "mandatory",
                                               "payment_secret": "mandatory"}, "unknown": []},
                    "routingInfo": []})
        return out

    def eclair_usablebalances(self, form, call):
        s = self.gate(call)
        self.count("balance_checks")
        half = s["inbound_msat"] // 2
        return [{"remoteNodeId": bolt11.pubkey(hashlib.sha256(self.seckey + bytes([i])).digest()).hex(),
                 "realScid": "800000x%dx0" % i, "aliases": {"localAlias": "0x%x" % (i + 1)},
                 "canSend": 50_000_000 * (i + 1), "canReceive": amt, "isPublic": True,
                 "isEnabled": True}
                for i, amt in enumerate((half, s["inbound_msat"] - half))]

    # control side ------------------------------------------------------
    def control(self, changes):
        with self.cond:
            for k, v in changes.items():
                if k not in self.s:
                    raise KeyError(k)
                if k == "wrong" and v not in (None, "amount", "hash", "payee"):
                    raise ValueError("wrong must be null, amount, hash or payee")
                self.s[k] = v
            self.cond.notify_all()
            down = self.s["down"]
        if down and self.server is not None:
            self.stop()
        elif not down and self.server is None:
            self.start()

    def state(self):
        with self.lock:
            st = {"publicKey": self.pubkey.hex(), "kind": self.kind, "port": self.port,
                  "settings": dict(self.s), "counts": dict(self.counts)}
        if self.rest_port:
            st["restPort"] = self.rest_port
        if self.kind == "eclair":
            st["tls"] = bool(self.tls)
        return st


# HTTP APIs (LND REST, Eclair) ----------------------------------------------

class ApiAbort(Exception):
    """A call ended with a gRPC code and message, for an HTTP API to answer in its way."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


class ApiCall:
    """What Node.gate() and Node.invoice() need of a call context, for one HTTP request:
    active while the listener is open and the client still waits (an HTTP/1.1 client
    waiting for its answer sends nothing: a readable socket is one it closed)."""

    def __init__(self, server, sock):
        self.server, self.sock = server, sock

    def is_active(self):
        if self.server.closed:
            return False
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def abort(self, code, message):
        raise ApiAbort(code, message)


class HttpApi:
    """An HTTP/1.1 API of the node on 127.0.0.1:port (kept connections, one thread per
    connection), over TLS with the node's tls.cert/tls.key when tls is true.
    Subclasses answer in handle(method, path, headers, body, call) -> (status, JSON
    value, {extra header: value})."""

    def __init__(self, node, port, tls):
        self.node, self.closed = node, False
        self.tls = None
        if tls:
            self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls.load_cert_chain(os.path.join(node.dir, "tls.cert"),
                                     os.path.join(node.dir, "tls.key"))
        self.conns, self.lock = set(), threading.Lock()
        api = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *a):
                pass

            def setup(self):
                if api.tls is not None:
                    # The TLS handshake in this connection's thread, not in the accepting one.
                    self.request = api.tls.wrap_socket(self.request, server_side=True)
                with api.lock:
                    api.conns.add(self.request)
                super().setup()

            def finish(self):
                with api.lock:
                    api.conns.discard(self.request)
                try:
                    super().finish()
                except OSError:
                    pass

            def answer(self):
                n = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(n) if n > 0 else b""
                status, obj, extra = api.handle(self.command, self.path, self.headers, data,
                                                ApiCall(api, self.request))
                body = json.dumps(obj, separators=(",", ":")).encode()
                head = "".join("%s: %s\r\n" % kv for kv in extra.items()).encode()
                # one write: status line, headers and body
                self.wfile.write(b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: %d\r\n%s\r\n%s" % (
                                     status, self.responses.get(status, ("",))[0].encode(),
                                     len(body), head, body))

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = answer

        class S(http.server.ThreadingHTTPServer):
            daemon_threads = True
            # socketserver's default backlog, 5, drops the connections of a burst of
            # clients (each SYN then retried after 1 s): a node's listener takes more.
            request_queue_size = 128

            def handle_error(self, request, client_address):
                pass      # a client that went away, a failed handshake

        self.httpd = S(("127.0.0.1", port), H)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def handle(self, method, path, headers, body, call):
        raise NotImplementedError

    def close(self):
        """Stops listening and drops the open connections, as a node going down."""
        self.closed = True
        self.httpd.shutdown()
        self.httpd.server_close()
        with self.lock:
            conns = list(self.conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


# grpc-gateway's HTTP status for each gRPC code LND's REST API answers with.
HTTP_OF_CODE = {grpc.StatusCode.INVALID_ARGUMENT: 400, grpc.StatusCode.UNAUTHENTICATED: 401,
                grpc.StatusCode.PERMISSION_DENIED: 403, grpc.StatusCode.NOT_FOUND: 404,
                grpc.StatusCode.UNAVAILABLE: 503, grpc.StatusCode.DEADLINE_EXCEEDED: 504}


class RestServer(HttpApi):
    """LND's REST API, the one call POST /v1/invoices, over HTTPS."""

    def __init__(self, node, port):
        super().__init__(node, port, tls=True)

    @staticmethod
    def error(code, message):
        return HTTP_OF_CODE.get(code, 500), {"code": code.value[0], "message": message,
                                             "details": []}, {}

    def handle(self, method, path, headers, body, call):
        if method != "POST" or path.split("?")[0] != "/v1/invoices":
            return self.error(grpc.StatusCode.NOT_FOUND, "Not Found")
        try:
            return 200, self.add_invoice(headers, body, call), {}
        except ApiAbort as e:
            return self.error(e.code, e.message)

    def add_invoice(self, headers, data, call):
        """POST /v1/invoices: AddInvoice of the gRPC side, in grpc-gateway's JSON."""
        node = self.node
        macaroon = (headers.get("Grpc-Metadata-macaroon") or "").strip().lower()
        node.lnd_auth(macaroon, "invoices:write", call)    # before the body is looked at
        try:
            req = json.loads(data or b"{}")
            if not isinstance(req, dict):
                raise ValueError("not an object")
            msat = int(req.get("value_msat") or 0) or 1000 * int(req.get("value") or 0)
            # bytes in grpc-gateway's JSON: base64, standard or URL-safe, padded or not
            h = str(req.get("description_hash") or "").replace("-", "+").replace("_", "/")
            dh = base64.b64decode(h + "=" * (-len(h) % 4), validate=True)
            expiry = int(req.get("expiry") or 0)
        except (ValueError, TypeError) as e:
            call.abort(grpc.StatusCode.INVALID_ARGUMENT, "invalid request body: %s" % e)
        pr = node.lnd_add_invoice(msat, dh, expiry, call)
        b64 = lambda b: base64.b64encode(b).decode()
        return {"r_hash": b64(os.urandom(32)), "payment_request": pr, "add_index": "1",
                "payment_addr": b64(os.urandom(32))}


# Eclair's API: its answer to a call ended with a gRPC code (a refused field: 400; a
# failure inside the node: its exception handler's 500).
ECLAIR_STATUS = {grpc.StatusCode.INVALID_ARGUMENT: 400, grpc.StatusCode.NOT_FOUND: 404}
REGTEST = "06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f"


class EclairApi(HttpApi):
    """Eclair's HTTP API (eclair-node's Service): Basic auth first (a wrong or missing
    password costs 1 s, then 401), then the route, POST only, form fields."""

    ROUTES = ("getinfo", "createinvoice", "usablebalances")

    def authorized(self, value):
        """Whether the Authorization header carries Eclair's password; counts a
        non-empty user name (Eclair ignores it)."""
        scheme, _, cred = (value or "").strip().partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, sep, password = base64.b64decode(cred.strip(), validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        if user:
            self.node.count("named_user")
        return sep == ":" and hmac.compare_digest(password.encode(), self.node.password.encode())

    def handle(self, method, path, headers, body, call):
        node = self.node
        if not self.authorized(headers.get("Authorization")):
            node.count("auth_failures")
            time.sleep(1.0)         # Eclair's AuthDirective: "a 1 sec pause to deter brute force"
            why = ("The supplied authentication is invalid" if headers.get("Authorization")
                   else "The resource requires authentication, which was not supplied with the request")
            return 401, {"error": why}, {"WWW-Authenticate": 'Basic realm="Access restricted",charset=UTF-8'}
        route = urllib.parse.urlsplit(path).path.lstrip("/")
        if route not in self.ROUTES:
            return 404, {"error": "The requested resource could not be found."}, {}
        if method != "POST":
            return 405, {"error": "HTTP method not allowed, supported methods: POST"}, {}
        form = {}
        ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype == "application/x-www-form-urlencoded":
            try:
                form = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True,
                                                   strict_parsing=bool(body)))
            except (ValueError, UnicodeDecodeError) as e:
                return 400, {"error": "The request content was malformed:\n%s" % e}, {}
        try:
            return 200, getattr(node, "eclair_" + route)(form, call), {}
        except ApiAbort as e:
            return ECLAIR_STATUS.get(e.code, 500), {"error": e.message}, {}


def _eclair_field(form, name, parse, call):
    """An optional form field through parse; a value it refuses is a 400 as Eclair's."""
    if name not in form:
        return None
    try:
        return parse(form[name])
    except ValueError as e:
        call.abort(grpc.StatusCode.INVALID_ARGUMENT,
                   "The form field '%s' was malformed:\n%s" % (name, e))


def _long(text):
    v = int(text, 10)
    if not -2**63 <= v < 2**63 or text.strip() != text:
        raise ValueError("'%s' is not a valid 64-bit signed integer value" % text)
    return v


def _bytes32(text):
    b = bytes.fromhex(text)
    if len(b) != 32:
        raise ValueError("'%s' is not 32 bytes in hex" % text)
    return b


def control_server(node, port):
    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def reply(self, code, obj):
            body = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/state":
                self.reply(200, node.state())
            else:
                self.reply(404, {"error": "not found"})

        def do_POST(self):
            if self.path != "/control":
                return self.reply(404, {"error": "not found"})
            try:
                n = int(self.headers.get("Content-Length", "0"))
                node.control(json.loads(self.rfile.read(n) or b"{}"))
            except (KeyError, ValueError) as e:
                return self.reply(400, {"error": str(e)})
            self.reply(200, node.state())

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
    srv.daemon_threads = True
    return srv


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kind", choices=("lnd", "cln", "eclair"), required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--control-port", type=int, required=True)
    ap.add_argument("--seed", help="node secret key, 64 hex chars (default: node.key in --dir, "
                    "made at the first start)")
    ap.add_argument("--inbound-msat", type=int, default=10**10)
    ap.add_argument("--workers", type=int, default=32,
                    help="gRPC server threads (default 32; Eclair: one thread per connection).  Fewer threads serve more "
                    "invoices/s (16: ~3000/s, 64: ~2100/s on 2 cores), but each call "
                    "delayed by latency_ms or hang holds one: raise it for high-latency runs")
    ap.add_argument("--rest-port", type=int,
                    help="LND only: also LND's REST API (POST /v1/invoices) over HTTPS on this port")
    ap.add_argument("--tls", action="store_true",
                    help="Eclair only: its API over HTTPS with tls.cert (as behind a TLS proxy)")
    args = ap.parse_args()
    if args.rest_port and args.kind != "lnd":
        ap.error("--rest-port: LND's REST API, --kind lnd only")
    if args.tls and args.kind != "eclair":
        ap.error("--tls: Eclair's API over HTTPS, --kind eclair only (LND and CLN always use TLS)")
    node = Node(args, load_protos())
    node.start()
    ctl = control_server(node, args.control_port)
    print(json.dumps(node.state()), flush=True)
    try:
        ctl.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        node.stop()


if __name__ == "__main__":
    main()
