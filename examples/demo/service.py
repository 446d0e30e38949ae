#!/usr/bin/env python3
"""A small HTTP service for the demo: answers on its own port, takes a moment to start,
and finishes in-flight requests when it receives SIGTERM."""
import http.server
import os
import signal
import sys
import threading
import time

PORT = int(os.environ.get("DEMO_PORT", "8080"))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = b"hello from the demo service\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        sys.stderr.write("demo-service: " + (fmt % args) + "\n")


def main():
    time.sleep(1)  # a service is rarely ready the moment it starts
    server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler)

    def stop(signo, _frame):
        sys.stderr.write(f"demo-service: got signal {signo}, finishing\n")
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.stderr.write(f"demo-service: listening on 127.0.0.1:{PORT}\n")
    server.serve_forever()
    sys.stderr.write("demo-service: stopped\n")


if __name__ == "__main__":
    main()
