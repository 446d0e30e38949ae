#!/usr/bin/env python3
"""A plain HTTP service (stdlib only) for graced's python-http example.

  GET  /              a greeting
  GET  /healthz       "ok" (graced's `self` check asks it)
  GET  /slow?ms=N     answers after N milliseconds (a request to keep in flight)
  POST /admin/drain   graced's pre-stop hook: from now on every response says
                      Connection: close, so keep-alive clients reconnect elsewhere

On SIGTERM (graced's stop signal, after the drain window and the pre-stop hook) it stops
accepting, finishes the requests in flight, and exits 0.

Environment: APP_HOST (default 0.0.0.0), APP_PORT (default 8080).
"""
import http.server
import os
import signal
import sys
import threading
import time
import urllib.parse

HOST = os.environ.get("APP_HOST", "0.0.0.0")
PORT = int(os.environ.get("APP_PORT", "8080"))

draining = threading.Event()


def log(message):
    sys.stderr.write(f"python-http: {message}\n")
    sys.stderr.flush()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # An idle keep-alive connection is closed after this long, so that the exit never waits
    # longer for one.
    timeout = 5

    def reply(self, status, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        if draining.is_set():
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/healthz":
            self.reply(200, "ok\n")
        elif url.path == "/slow":
            ms = int(urllib.parse.parse_qs(url.query).get("ms", ["1000"])[0])
            time.sleep(ms / 1000)
            self.reply(200, f"slow answer after {ms}ms\n")
        elif url.path == "/":
            self.reply(200, "hello from the python-http example\n")
        else:
            self.reply(404, "not found\n")

    def do_POST(self):
        if urllib.parse.urlsplit(self.path).path == "/admin/drain":
            if not draining.is_set():
                draining.set()
                log("drain requested: every response now says Connection: close")
            self.reply(200, "draining\n")
        else:
            self.reply(404, "not found\n")

    def log_message(self, fmt, *args):
        log(fmt % args)


class Server(http.server.ThreadingHTTPServer):
    # Non-daemon request threads: server_close() then waits for the requests in flight.
    daemon_threads = False
    block_on_close = True


def main():
    server = Server((HOST, PORT), Handler)

    def stop(signo, _frame):
        draining.set()
        log(f"got {signal.Signals(signo).name}: finishing the requests in flight")
        # shutdown() waits for serve_forever() to return: not from the thread running it.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log(f"listening on {HOST}:{PORT}")
    server.serve_forever()
    server.server_close()  # joins the request threads
    log("stopped")


if __name__ == "__main__":
    main()
