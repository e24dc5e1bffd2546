"""Loopback HTTP(S) peer for the engine's http_output tests.

Usage: http_peer.py PORTFILE OUTFILE [--port N] [--status CODE] [--hang SECONDS]
                    [--cert C --key K [--ca CA --require-client]]
Binds 127.0.0.1 (port 0 = any), writes the port to PORTFILE, records each POST as one JSON line
{path, content_type, user_agent, body, client_cert, client_port} in OUTFILE and answers 200 "peer-ok".
Exits after 60 s or on SIGTERM."""
import argparse
import json
import signal
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("portfile")
ap.add_argument("outfile")
ap.add_argument("--port", type=int, default=0)
ap.add_argument("--cert")
ap.add_argument("--key")
ap.add_argument("--ca")
ap.add_argument("--require-client", action="store_true")
ap.add_argument("--status", type=int, default=200)
ap.add_argument("--hang", type=float, default=0)
args = ap.parse_args()
lock = threading.Lock()


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        if args.hang:
            import time
            time.sleep(args.hang)
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace")
        peer = None
        if isinstance(self.connection, ssl.SSLSocket):
            c = self.connection.getpeercert()
            peer = dict(x[0] for x in c.get("subject", ())).get("commonName") if c else None
        rec = {"path": self.path, "content_type": self.headers.get("Content-Type"),
               "user_agent": self.headers.get("User-Agent"), "body": body, "client_cert": peer,
               "client_port": self.client_address[1]}
        with lock, open(args.outfile, "a") as f:
            f.write(json.dumps(rec) + "\n")
        out = b"peer-ok"
        self.send_response(args.status)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *a):
        pass


srv = ThreadingHTTPServer(("127.0.0.1", args.port), H)
if args.cert:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    if args.require_client:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(args.ca)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(args.portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(args.portfile + ".tmp", args.portfile)
signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
t = threading.Timer(60, lambda: os._exit(0))
t.daemon = True
t.start()
srv.serve_forever()
