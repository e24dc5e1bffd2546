#!/usr/bin/env python3
"""A small HTTP JSON API for the real-application benchmark: no file I/O per request.

  api_server.py PORT

GET /items/N answers a JSON document computed in memory (HTTP/1.1 keep-alive, one thread per
connection); anything else is 404. Stops on SIGTERM.
"""
import json
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ITEMS = {i: {"id": i, "name": f"item-{i}", "tags": ["a", "b", "c"], "price": i * 1.25}
         for i in range(1000)}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

    def do_GET(self):
        parts = self.path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "items" and parts[1].isdigit():
            item = ITEMS.get(int(parts[1]) % 1000)
            body = json.dumps({"item": item, "count": len(ITEMS)}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_error(404)

    def log_message(self, *args):
        pass


def main():
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
