#!/usr/bin/python3
"""A Lightning node simulator for tests and demos.

Serves the LND (lnrpc.Lightning) or CLN (cln.Node) gRPC service of proto/ over
TLS: LND checks the macaroon header, CLN requires a client certificate signed by
its CA (mutual TLS), like the real nodes.  Invoices are real BOLT11, signed with
the node's own key, with the requested amount, description hash and expiry.

  lnsim.py --kind lnd|cln --dir STATE --port P --control-port C [--seed HEX]
           [--inbound-msat N] [--workers N]

Throughput (bench/sim_rate.py, 2-core machine, client on the same machine):
about 2000-3000 invoices/s per simulator process, LND and CLN alike.

STATE receives the node's files (as a real node would have them):
  LND: tls.cert tls.key admin.macaroon invoice.macaroon swgr.macaroon
       (each with a real LND's permissions: invoice.macaroon cannot call
       ChannelBalance; swgr.macaroon = invoices:read/write + offchain:read)
  CLN: ca.pem ca-key.pem server.pem server-key.pem client.pem client-key.pem
  both: node.key (the node's secret key, 64 hex characters, mode 0600: made at the
        first start, read at every later one, so the node keeps its identity across
        restarts, as a real node does; --seed sets it instead)
        node.json {"publicKey": ..., "kind": ..., "port": ...}

Control (HTTP on 127.0.0.1:C, JSON):
  GET  /state                     counters and settings
  POST /control {...}             any of: "down": bool (stop/start listening),
       "latency_ms": n, "hang": bool (accept calls, never answer),
       "error_rate": 0..1 (UNAVAILABLE), "inbound_msat": n,
       "wrong": null|"amount"|"hash"|"payee" (a non-conforming invoice)
"""
import argparse
import datetime
import hashlib
import http.server
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
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


def _cert(subject_cn, key, issuer_cn, issuer_key, ca=False, server=False):
    now = datetime.datetime.now(datetime.timezone.utc)
    b = (x509.CertificateBuilder().subject_name(_name(subject_cn)).issuer_name(_name(issuer_cn))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - datetime.timedelta(days=1))
         .not_valid_after(now + datetime.timedelta(days=365))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if server:
        b = b.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.DNSName(subject_cn)]), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def _write(path, data, mode=0o644):
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def _pem_key(k):
    return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                           serialization.NoEncryption())


def _pem_cert(c):
    return c.public_bytes(serialization.Encoding.PEM)


def make_files(kind, d, name):
    """Creates the node's TLS material once; later starts reuse it."""
    os.makedirs(d, exist_ok=True)
    if kind == "lnd":
        if not os.path.exists(os.path.join(d, "tls.cert")):
            k = ec.generate_private_key(ec.SECP256R1())
            c = _cert(name, k, name, k, ca=True, server=True)
            _write(os.path.join(d, "tls.key"), _pem_key(k), 0o600)
            _write(os.path.join(d, "tls.cert"), _pem_cert(c))
            _write(os.path.join(d, "admin.macaroon"), os.urandom(64), 0o600)
            _write(os.path.join(d, "invoice.macaroon"), os.urandom(64), 0o600)
        if not os.path.exists(os.path.join(d, "swgr.macaroon")):
            _write(os.path.join(d, "swgr.macaroon"), os.urandom(64), 0o600)
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
        self.cln_pb, self.lnd_pb = pb
        self.seckey = node_key(self.dir, args.seed)
        self.other_key = hashlib.sha256(self.seckey).digest()   # the "wrong payee"
        self.pubkey = bolt11.pubkey(self.seckey)
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.s = {"down": False, "latency_ms": 0, "hang": False, "error_rate": 0.0,
                  "inbound_msat": args.inbound_msat, "wrong": None}
        self.counts = {"invoices": 0, "balance_checks": 0, "errors": 0, "hung": 0, "calls": 0}
        self.server = None
        make_files(self.kind, self.dir, "localhost")
        if self.kind == "lnd":
            # Each macaroon with the permissions a real LND gives it (invoice.macaroon has
            # no offchain:read: ChannelBalance is refused, as by LND).
            self.macaroons = {open(os.path.join(self.dir, m), "rb").read().hex(): perms
                              for m, perms in MACAROONS.items()}
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
        handlers = self.lnd_handlers() if self.kind == "lnd" else self.cln_handlers()
        s = grpc.server(futures.ThreadPoolExecutor(max_workers=self.workers),
                        options=[("grpc.so_reuseport", 0)])
        s.add_generic_rpc_handlers((handlers,))
        s.add_secure_port("127.0.0.1:%d" % self.port, self.credentials())
        s.start()
        self.server = s

    def stop(self):
        if self.server is not None:
            with self.cond:
                self.cond.notify_all()
            self.server.stop(0).wait()
            self.server = None

    def gate(self, ctx):
        """Applies the fault controls to one call; returns False if it was aborted."""
        with self.lock:
            self.counts["calls"] += 1
            s = dict(self.s)
        if s["hang"]:
            with self.cond:
                self.counts["hung"] += 1
                while self.s["hang"] and ctx.is_active():
                    self.cond.wait(0.5)
            ctx.abort(grpc.StatusCode.UNAVAILABLE, "simulated hang ended")
        if s["latency_ms"]:
            time.sleep(s["latency_ms"] / 1000.0)
        if s["error_rate"] and random.random() < s["error_rate"]:
            with self.lock:
                self.counts["errors"] += 1
            ctx.abort(grpc.StatusCode.UNAVAILABLE, "simulated node error")
        return s

    def invoice(self, amount_msat, description_hash, expiry, ctx):
        s = self.gate(ctx)
        key = self.seckey
        if s["wrong"] == "amount":
            amount_msat += 1000
        elif s["wrong"] == "hash":
            description_hash = hashlib.sha256(description_hash).digest()
        elif s["wrong"] == "payee":
            key = self.other_key
        preimage = os.urandom(32)
        pr = bolt11.encode(key, amount_msat, hashlib.sha256(preimage).digest(), description_hash,
                           expiry or 3600, int(time.time()), os.urandom(32))
        with self.lock:
            self.counts["invoices"] += 1
        return pr

    def lnd_handlers(self):
        pb = self.lnd_pb

        def auth(ctx, perm):
            md = dict(ctx.invocation_metadata())
            perms = self.macaroons.get(md.get("macaroon"))
            if perms is None:
                ctx.abort(grpc.StatusCode.UNKNOWN, "verification failed: signature mismatch after caveat verification")
            if perm not in perms:
                ctx.abort(grpc.StatusCode.UNKNOWN, "verification failed: permission denied")

        def add_invoice(req, ctx):
            auth(ctx, "invoices:write")
            if req.value_msat <= 0 or len(req.description_hash) != 32:
                ctx.abort(grpc.StatusCode.INVALID_ARGUMENT, "amount and description_hash required")
            pr = self.invoice(req.value_msat, req.description_hash, req.expiry, ctx)
            return pb.AddInvoiceResponse(r_hash=os.urandom(32), payment_request=pr, add_index=1)

        def channel_balance(req, ctx):
            auth(ctx, "offchain:read")
            s = self.gate(ctx)
            with self.lock:
                self.counts["balance_checks"] += 1
            r = pb.ChannelBalanceResponse()
            r.remote_balance.msat = s["inbound_msat"]
            r.remote_balance.sat = s["inbound_msat"] // 1000
            return r

        return grpc.method_handlers_generic_handler("lnrpc.Lightning", {
            "AddInvoice": grpc.unary_unary_rpc_method_handler(
                add_invoice, pb.Invoice.FromString, pb.AddInvoiceResponse.SerializeToString),
            "ChannelBalance": grpc.unary_unary_rpc_method_handler(
                channel_balance, pb.ChannelBalanceRequest.FromString,
                pb.ChannelBalanceResponse.SerializeToString)})

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
            with self.lock:
                self.counts["balance_checks"] += 1
            r = pb.ListpeerchannelsResponse()
            # Split the inbound over two normal channels, plus one closed one that must not count.
            half = s["inbound_msat"] // 2
            for amt, state in ((half, 2), (s["inbound_msat"] - half, 2), (10**9, 14)):
                ch = r.channels.add(peer_id=os.urandom(33), state=state)
                ch.receivable_msat.msat = amt
            return r

        return grpc.method_handlers_generic_handler("cln.Node", {
            "Invoice": grpc.unary_unary_rpc_method_handler(
                invoice, pb.InvoiceRequest.FromString, pb.InvoiceResponse.SerializeToString),
            "ListPeerChannels": grpc.unary_unary_rpc_method_handler(
                list_peer_channels, pb.ListpeerchannelsRequest.FromString,
                pb.ListpeerchannelsResponse.SerializeToString)})

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
            return {"publicKey": self.pubkey.hex(), "kind": self.kind, "port": self.port,
                    "settings": dict(self.s), "counts": dict(self.counts)}


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
    ap.add_argument("--kind", choices=("lnd", "cln"), required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--control-port", type=int, required=True)
    ap.add_argument("--seed", help="node secret key, 64 hex chars (default: node.key in --dir, "
                    "made at the first start)")
    ap.add_argument("--inbound-msat", type=int, default=10**10)
    ap.add_argument("--workers", type=int, default=32,
                    help="gRPC server threads (default 32).  Fewer threads serve more "
                    "invoices/s (16: ~3000/s, 64: ~2100/s on 2 cores), but each call "
                    "delayed by latency_ms or hang holds one: raise it for high-latency runs")
    args = ap.parse_args()
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
