#!/usr/bin/python3
"""The HTTP(S) server test_http talks to: echoes requests, ETags, any status, slow answers.

  http_peer.py --dir D [--tls]
binds 127.0.0.1 on a free port and writes it to D/port once it serves. With --tls it first
makes D/ca.pem (a test CA) and a server certificate for 127.0.0.1 signed by it (openssl).
Routes (any method):
  /echo/...   200 {"method", "path" (raw), "query", "headers" (lower-case names), "body"}
  /etag       304 when If-None-Match is "abc" (quotes included), else 200 "[]"; ETag "abc"
  /status/N   status N with body {"status": N}
  /slow?secs=S  sleeps S seconds, then 200
  /lkg/offers/P/ID  a remote offer service's GET of offer ID with its metadata (for
              test_offers): status 200 with an offer made from ID, unless D/lkg/ID or else
              D/lkg/all holds another status (404, 503, ...); the test writes those files;
              each request appends its ID to D/lkg.hits (test_offers counts store calls)
  /lkg/addresses/DOMAIN/USER  the same for the address USER (D/lkg/USER, "@USER" in
              D/lkg.hits): partition "p", offer number 7 of test_offers, disabled when
              USER starts with "off"
"""
import argparse
import http.server
import json
import os
import ssl
import subprocess
import time
import urllib.parse


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: without TCP_NODELAY each answer on a kept
    # connection waits for the client's delayed ACK (40 ms)
    disable_nagle_algorithm = True

    def log_message(self, *a):
        pass

    def reply(self, status, body, headers=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if status not in (204, 304):
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if status not in (204, 304):
            self.wfile.write(data)

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("latin-1") if n else ""
        url = urllib.parse.urlsplit(self.path)
        if url.path.startswith("/echo"):
            self.reply(200, json.dumps({
                "method": self.command, "path": url.path, "query": url.query,
                "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}),
                [("ETag", '"e1"')])
        elif url.path == "/etag":
            if self.headers.get("If-None-Match") == '"abc"':
                self.reply(304, "", [("ETag", '"abc"')])
            else:
                self.reply(200, "[]", [("ETag", '"abc"')])
        elif url.path.startswith("/status/"):
            code = int(url.path[8:])
            self.reply(code, json.dumps({"status": code}))
        elif url.path.startswith("/lkg/offers/"):
            self.lkg(url.path[len("/lkg/offers/"):].split("/"))
        elif url.path.startswith("/lkg/addresses/"):
            self.lkg(url.path[len("/lkg/addresses/"):].split("/"), address=True)
        elif url.path == "/slow":
            time.sleep(float(urllib.parse.parse_qs(url.query).get("secs", ["1"])[0]))
            self.reply(200, "{}")
        else:
            self.reply(404, "{}")

    def lkg(self, segs, address=False):
        d = os.path.join(self.server.dir, "lkg")
        if len(segs) != 2 or not all(s and "/" not in s and not s.startswith(".") for s in segs):
            self.reply(400, "{}")
            return
        part, oid = segs
        with open(os.path.join(self.server.dir, "lkg.hits"), "a") as f:
            f.write(("@" if address else "") + oid + "\n")
        status = 200
        for name in (oid, "all"):
            try:
                with open(os.path.join(d, name)) as f:
                    status = int(f.read().strip())
                break
            except (OSError, ValueError):
                pass
        if status != 200:
            self.reply(status, json.dumps({"status": status}))
            return
        if address:     # part is the domain, oid the username; "off..." is disabled
            self.reply(200, json.dumps({
                "domain": part, "username": oid, "partition": "p",
                "offer": "00000000-0000-4000-8000-000000000008",
                "enabled": not oid.startswith("off")}))
            return
        self.reply(200, json.dumps({
            "partition": part, "id": oid, "maxSendable": 100000, "minSendable": 1000,
            "metadataId": oid, "timestamp": "2024-01-01T00:00:00Z",
            "expires": "2030-01-01T00:00:00Z", "metadata": {"text": "offer " + oid}}))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = handle_any


def make_certs(d):
    def run(*a):
        subprocess.run(a, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", d + "/ca.key", "-out", d + "/ca.pem", "-days", "2",
        "-subj", "/CN=swgr test CA")
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", d + "/server.key", "-out", d + "/server.csr", "-subj", "/CN=127.0.0.1")
    with open(d + "/ext", "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    run("openssl", "x509", "-req", "-in", d + "/server.csr", "-CA", d + "/ca.pem",
        "-CAkey", d + "/ca.key", "-CAcreateserial", "-out", d + "/server.pem", "-days", "2",
        "-extfile", d + "/ext")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--tls", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.dir = a.dir
    if a.tls:
        make_certs(a.dir)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.dir + "/server.pem", a.dir + "/server.key")
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(a.dir + "/port.tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(a.dir + "/port.tmp", a.dir + "/port")
    srv.serve_forever()


if __name__ == "__main__":
    main()
