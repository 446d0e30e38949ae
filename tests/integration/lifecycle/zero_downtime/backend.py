#!/usr/bin/env python3
"""A plain HTTP backend for the zero-downtime test and benchmark: answers 200 with its
name (after DELAY seconds, default 0: a request still in flight when the stop comes), and
on SIGTERM closes its listener and exits at once — a service with no draining of its own,
which is exactly what graced's drain window has to protect.

Usage: backend.py NAME PORT [DELAY]"""
import http.server
import os
import signal
import sys
import threading
import time

NAME = sys.argv[1]
PORT = int(sys.argv[2])
DELAY = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if DELAY:
            time.sleep(DELAY)
        body = (NAME + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


server = Server(("127.0.0.1", PORT), Handler)


def stop(signo, frame):
    server.socket.close()
    os._exit(0)


signal.signal(signal.SIGTERM, stop)
server.serve_forever()
