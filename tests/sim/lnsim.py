#!/usr/bin/python3
"""A Lightning node simulator for tests and demos.

Serves the LND (lnrpc.Lightning) or CLN (cln.Node) gRPC service of proto/ over
TLS: LND checks the macaroon header, CLN requires a client certificate signed by
its CA (mutual TLS), like the real nodes.  Invoices are real BOLT11, signed with
the node's own key, with the requested amount, description hash and expiry.

  lnsim.py --kind lnd|cln --dir STATE --port P --control-port C [--seed HEX]
           [--inbound-msat N] [--workers N] [--rest-port R]

LND only, with --rest-port R: also LND's REST API (grpc-gateway) on 127.0.0.1:R
over HTTPS with the same tls.cert/tls.key, the macaroon in hex in the
Grpc-Metadata-macaroon header, checked like the gRPC side.  One call, the one an
LNURL server such as lnurl-node's "lnd" backend makes for a callback:
  POST /v1/invoices {"value_msat": N, "description_hash": base64, "expiry": N}
    -> 200 {"r_hash", "payment_request", "add_index", "payment_addr"}
  errors as grpc-gateway: HTTP status of the gRPC code, {"code", "message", "details"}
Invoices go through the same path as AddInvoice (counters, fault controls; "down"
closes this listener too).  Anything else: 404.

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
import base64
import datetime
import hashlib
import http.server
import json
import os
import random
import socket
import ssl
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
        self.rest_port = args.rest_port
        self.rest = None
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
        if self.rest_port:
            self.rest = RestServer(self, self.rest_port)

    def stop(self):
        if self.server is not None:
            with self.cond:
                self.cond.notify_all()
            self.server.stop(0).wait()
            self.server = None
        if self.rest is not None:
            self.rest.close()
            self.rest = None

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

    def lnd_auth(self, macaroon_hex, perm, ctx):
        """LND's macaroon check, with its messages (gRPC metadata or REST header alike)."""
        perms = self.macaroons.get(macaroon_hex)
        if perms is None:
            ctx.abort(grpc.StatusCode.UNKNOWN, "verification failed: signature mismatch after caveat verification")
        if perm not in perms:
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
            st = {"publicKey": self.pubkey.hex(), "kind": self.kind, "port": self.port,
                  "settings": dict(self.s), "counts": dict(self.counts)}
        if self.rest_port:
            st["restPort"] = self.rest_port
        return st


# LND REST side -----------------------------------------------------------
# grpc-gateway's HTTP status for each gRPC code LND's REST API answers with.
HTTP_OF_CODE = {grpc.StatusCode.INVALID_ARGUMENT: 400, grpc.StatusCode.UNAUTHENTICATED: 401,
                grpc.StatusCode.PERMISSION_DENIED: 403, grpc.StatusCode.NOT_FOUND: 404,
                grpc.StatusCode.UNAVAILABLE: 503, grpc.StatusCode.DEADLINE_EXCEEDED: 504}


class RestAbort(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


class RestCall:
    """What Node.gate() and Node.invoice() need of a call context, for one REST request."""

    def __init__(self, server):
        self.server = server

    def is_active(self):
        return not self.server.closed

    def abort(self, code, message):
        raise RestAbort(code, message)


class RestServer:
    """LND's REST API, the one call POST /v1/invoices, over HTTPS (HTTP/1.1, kept
    connections, one thread per connection)."""

    def __init__(self, node, port):
        self.node, self.closed = node, False
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.tls.load_cert_chain(os.path.join(node.dir, "tls.cert"), os.path.join(node.dir, "tls.key"))
        self.conns, self.lock = set(), threading.Lock()
        rest = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *a):
                pass

            def setup(self):
                # The TLS handshake in this connection's thread, not in the accepting one.
                self.request = rest.tls.wrap_socket(self.request, server_side=True)
                with rest.lock:
                    rest.conns.add(self.request)
                super().setup()

            def finish(self):
                with rest.lock:
                    rest.conns.discard(self.request)
                try:
                    super().finish()
                except OSError:
                    pass

            def reply(self, status, obj):
                body = json.dumps(obj).encode()
                # one write: status line, headers and body
                self.wfile.write(b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: %d\r\n\r\n%s" % (
                                     status, self.responses.get(status, ("",))[0].encode(),
                                     len(body), body))

            def error(self, status, code, message):
                self.reply(status, {"code": code.value[0], "message": message, "details": []})

            def body(self):
                n = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(n) if n > 0 else b""

            def do_POST(self):
                data = self.body()
                if self.path.split("?")[0] != "/v1/invoices":
                    return self.error(404, grpc.StatusCode.NOT_FOUND, "Not Found")
                try:
                    self.reply(200, rest.add_invoice(self.headers, data))
                except RestAbort as e:
                    self.error(HTTP_OF_CODE.get(e.code, 500), e.code, e.message)

            def do_GET(self):
                self.error(404, grpc.StatusCode.NOT_FOUND, "Not Found")

        class S(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass      # a client that went away, a failed handshake

        self.httpd = S(("127.0.0.1", port), H)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def add_invoice(self, headers, data):
        """POST /v1/invoices: AddInvoice of the gRPC side, in grpc-gateway's JSON."""
        node, call = self.node, RestCall(self)
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
    ap.add_argument("--rest-port", type=int,
                    help="LND only: also LND's REST API (POST /v1/invoices) over HTTPS on this port")
    args = ap.parse_args()
    if args.rest_port and args.kind != "lnd":
        ap.error("--rest-port: LND's REST API, --kind lnd only")
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
