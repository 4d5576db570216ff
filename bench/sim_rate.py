#!/usr/bin/python3
"""How many invoices per second one Lightning node simulator (tests/sim/lnsim.py) serves.

Starts one simulator per kind (LND, CLN) in a temporary directory, then drives
it from --procs client processes, each keeping --inflight AddInvoice/Invoice
calls in flight over one TLS channel (with the macaroon, or the client
certificate), for --seconds.  Prints one line per kind:

  lnd: 12345 invoices in 5.0 s = 2469/s (0 errors, 2 procs x 32 in flight)

Run with Debian's interpreter: /usr/bin/python3 bench/sim_rate.py [--kind lnd|cln|both]
Measured on the 2-core build machine (2 x 32 in flight): 2000-2600/s for either kind.
The client processes share the machine with the simulator: on a 2-core box the
figure is what a benchmark of the whole stack would see at most from one node.
"""
import argparse
import hashlib
import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SIM = os.path.join(HERE, "..", "tests", "sim", "lnsim.py")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_sim(kind, root, workers):
    d = os.path.join(root, kind)
    port, ctl = free_port(), free_port()
    extra = ["--workers", str(workers)] if workers else []
    p = subprocess.Popen([sys.executable, SIM, "--kind", kind, "--dir", d, "--port", str(port),
                          "--control-port", str(ctl)] + extra, stdout=subprocess.PIPE)
    p.stdout.readline()          # the first state line: the node is serving
    return p, d, port


def request(kind):
    """The serialised request, built by hand (field numbers of proto/*.proto)."""
    desc = b'[["text/plain","bench"]]'

    def varint(n):
        out = b""
        while True:
            b, n = n & 0x7f, n >> 7
            out += bytes([b | (0x80 if n else 0)])
            if not n:
                return out

    def field(num, wt, payload):
        key = varint(num << 3 | wt)
        return key + (varint(len(payload)) + payload if wt == 2 else varint(payload))
    if kind == "lnd":
        return (field(10, 2, hashlib.sha256(desc).digest()) + field(11, 0, 3600)
                + field(23, 0, 1000000))
    amount = field(1, 2, field(1, 0, 1000000))                  # AmountOrAny{amount{msat}}
    label = hashlib.sha256(desc).hexdigest().encode() + b":%d"       # as swgr: hash:ns
    t0 = time.time_ns()
    return lambda i: (field(2, 2, desc) + field(3, 2, label % (t0 + i))
                      + field(7, 0, 3600) + field(9, 0, 1) + field(10, 2, amount))


def client(kind, d, port, seconds, inflight, q):
    import grpc
    rd = lambda n: open(os.path.join(d, n), "rb").read()
    if kind == "lnd":
        creds = grpc.ssl_channel_credentials(rd("tls.cert"))
        md = (("macaroon", rd("swgr.macaroon").hex()),)
        method = "/lnrpc.Lightning/AddInvoice"
    else:
        creds = grpc.ssl_channel_credentials(rd("ca.pem"), rd("client-key.pem"), rd("client.pem"))
        md = ()
        method = "/cln.Node/Invoice"
    ch = grpc.secure_channel("127.0.0.1:%d" % port, creds,
                             options=[("grpc.ssl_target_name_override", "localhost")])
    call = ch.unary_unary(method)        # bytes in, bytes out
    req = request(kind)
    sem = threading.Semaphore(inflight)
    lock = threading.Lock()
    n = {"ok": 0, "err": 0, "i": 0}

    def done(f):
        with lock:
            n["ok" if f.exception() is None else "err"] += 1
        sem.release()
    call(req if isinstance(req, bytes) else req(0), metadata=md, timeout=10)   # warm up
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        sem.acquire()
        n["i"] += 1
        f = call.future(req if isinstance(req, bytes) else req(n["i"]), metadata=md, timeout=10)
        f.add_done_callback(done)
    for _ in range(inflight):
        sem.acquire()
    q.put((n["ok"], n["err"]))


def run(kind, root, args):
    p, d, port = start_sim(kind, root, args.workers)
    try:
        q = multiprocessing.Queue()
        t0 = time.monotonic()
        ps = [multiprocessing.Process(target=client, args=(kind, d, port, args.seconds,
                                                          args.inflight, q))
              for _ in range(args.procs)]
        for c in ps:
            c.start()
        res = [q.get() for _ in ps]
        for c in ps:
            c.join()
        el = time.monotonic() - t0
        state = json.loads(subprocess.run(["curl", "-s", "http://127.0.0.1:%d/state" % json.load(
            open(os.path.join(d, "node.json")))["controlPort"]], capture_output=True).stdout or b"{}")
        ok, err = sum(r[0] for r in res), sum(r[1] for r in res)
        print("%s: %d invoices in %.1f s = %.0f/s (%d errors, %d procs x %d in flight; sim counted %s)"
              % (kind, ok, el, ok / el, err, args.procs, args.inflight,
                 state.get("counts", {}).get("invoices")), flush=True)
    finally:
        p.terminate()
        p.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kind", choices=("lnd", "cln", "both"), default="both")
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--inflight", type=int, default=32)
    ap.add_argument("--workers", type=int, help="the simulator's --workers (default: its own)")
    args = ap.parse_args()
    root = tempfile.mkdtemp(prefix="sim-rate-")
    try:
        for kind in (("lnd", "cln") if args.kind == "both" else (args.kind,)):
            run(kind, root, args)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
