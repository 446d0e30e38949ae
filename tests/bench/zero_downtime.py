#!/usr/bin/env python3
"""The zero-downtime harness (make zero-downtime): HAProxy health-checking two backends,
keep-alive clients (wrk) whose requests take 200 ms, and one backend stopped mid-load.
Each variant runs RUNS times; the report gives requests sent, failed (non-2xx/3xx and
socket errors) and the drain time actually spent (SIGTERM to the service's stop signal).

Variants:
  graced            graced with the default drain (shutdown.drain_delay = 5s)
  graced-no-drain   graced with drain_delay = "0s": the stop signal at once
  graced-adaptive   graced with drain_until_idle: the drain ends once no new connection
                    reached the service for quiet_period (at least min_drain_delay)
  tini              tini forwards SIGTERM at once; HAProxy checks the service itself
                    (the control: it must lose requests, or the harness sees nothing)

Usage: zero_downtime.py [GRACED] [--runs N] [--out DIR]
Writes DIR/zero-downtime.json and DIR/zero-downtime.md (DIR defaults to build-bench).
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BACKEND = os.path.join(ROOT, "tests/integration/lifecycle/zero_downtime/backend.py")
REQUEST_DELAY = "0.2"  # seconds each request takes: several are in flight at the stop
LOAD_SECONDS = 10
STOP_AFTER = 3.0  # seconds into the load
VARIANTS = ["graced", "graced-no-drain", "graced-adaptive", "tini"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def http_status(port, path="/"):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=2) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, ""
    except OSError:
        return 0, ""


class Backend:
    """One backend: the Python service under graced or tini, in its own process group."""

    def __init__(self, variant, name, graced, workdir):
        self.variant = variant
        self.app_port = free_port()
        self.check_port = self.app_port
        self.log_path = os.path.join(workdir, name + ".log")
        service = ["/usr/bin/python3", BACKEND, name, str(self.app_port), REQUEST_DELAY]
        if variant == "tini":
            argv = ["/usr/bin/tini", "--"] + service
        else:
            self.check_port = free_port()
            config = os.path.join(workdir, name + ".toml")
            shutdown = {
                "graced": "",
                "graced-no-drain": 'drain_delay = "0s"\n',
                "graced-adaptive": 'drain_until_idle = true\nmin_drain_delay = "1s"\n'
                                   'quiet_period = "1s"\n',
            }[variant]
            with open(config, "w") as f:
                f.write(
                    "[shutdown]\n%s[process]\ncommand = %s\nports = [%d]\n"
                    '[http]\nlisten = "127.0.0.1:%d"\n'
                    '[[checks]]\nname = "app"\ntype = "tcp"\naddress = "127.0.0.1:%d"\n'
                    'interval = "500ms"\ntimeout = "400ms"\nfailure_threshold = 1\n'
                    % (shutdown, json.dumps(service), self.app_port, self.check_port,
                       self.app_port))
            argv = [graced, "-c", config]
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def ready(self):
        path = "/" if self.variant == "tini" else "/readyz"
        return http_status(self.check_port, path)[0] == 200

    def stop(self):
        self.signalled_at = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)

    def drain_seconds(self):
        """From SIGTERM to the service's stop signal, as graced logged it."""
        if self.variant == "tini":
            return 0.0
        with open(self.log_path) as f:
            m = re.search(r"shutdown phase phase=stopping offset_ms=(\d+)", f.read())
        return int(m.group(1)) / 1000.0 if m else float("nan")

    def kill(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.log.close()


def parse_wrk(text):
    m = re.search(r"(\d+) requests in", text)
    requests = int(m.group(1)) if m else 0
    failed = 0
    m = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", text)
    if m:
        failed += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        failed += sum(int(x) for x in m.groups())
    return requests, failed


def run_once(variant, graced, workdir):
    backends = [Backend(variant, "b1", graced, workdir), Backend(variant, "b2", graced, workdir)]
    haproxy = None
    try:
        for b in backends:
            if not wait_until(b.ready, 20):
                raise RuntimeError("%s backend never became ready: %s" % (variant, b.log_path))
        front = free_port()
        check = "GET /" if variant == "tini" else "GET /readyz"
        cfg = os.path.join(workdir, "haproxy.cfg")
        with open(cfg, "w") as f:
            f.write("global\n  maxconn 2000\n"
                    "defaults\n  mode http\n  timeout connect 1s\n  timeout client 10s\n"
                    "  timeout server 10s\n  retries 0\n"
                    "frontend fe\n  bind 127.0.0.1:%d\n  default_backend be\n"
                    "backend be\n  balance roundrobin\n  option httpchk %s\n"
                    "  http-check expect status 200\n  default-server inter 500ms fall 2 rise 2\n"
                    % (front, check))
            for i, b in enumerate(backends):
                f.write("  server b%d 127.0.0.1:%d check port %d\n"
                        % (i + 1, b.app_port, b.check_port))
        haproxy_log = open(os.path.join(workdir, "haproxy.log"), "w")
        haproxy = subprocess.Popen(["/usr/sbin/haproxy", "-db", "-f", cfg],
                                   stdout=haproxy_log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        seen = set()

        def both_in_rotation():
            seen.add(http_status(front)[1].strip())
            return {"b1", "b2"} <= seen

        if not wait_until(both_in_rotation, 20):
            raise RuntimeError("HAProxy never routed to both backends")
        load = subprocess.Popen(
            ["/usr/bin/wrk", "-t2", "-c16", "-d%ds" % LOAD_SECONDS, "--timeout", "5s",
             "http://127.0.0.1:%d/" % front],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(STOP_AFTER)
        backends[0].stop()
        out, _ = load.communicate(timeout=LOAD_SECONDS + 30)
        backends[0].proc.wait(timeout=60)
        requests, failed = parse_wrk(out)
        return {"requests": requests, "failed": failed, "drain_s": backends[0].drain_seconds()}
    finally:
        if haproxy:
            haproxy.send_signal(signal.SIGTERM)
            try:
                haproxy.wait(timeout=5)
            except subprocess.TimeoutExpired:
                haproxy.kill()
                haproxy.wait()
        for b in backends:
            b.kill()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("graced", nargs="?", default=os.path.join(ROOT, "build/graced"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default=os.path.join(ROOT, "build-bench"))
    args = parser.parse_args()
    for tool in ["/usr/sbin/haproxy", "/usr/bin/wrk", "/usr/bin/tini", args.graced]:
        if not os.access(tool, os.X_OK):
            sys.exit("zero-downtime: %s is missing (make deps; make build)" % tool)
    os.makedirs(args.out, exist_ok=True)
    results = {}
    for variant in VARIANTS:
        results[variant] = []
        for run in range(args.runs):
            workdir = tempfile.mkdtemp(prefix="graced-zd-")
            try:
                r = run_once(variant, os.path.abspath(args.graced), workdir)
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
            print("%-16s run %d: %5d requests, %4d failed, drain %.2fs"
                  % (variant, run + 1, r["requests"], r["failed"], r["drain_s"]), flush=True)
            results[variant].append(r)

    lines = ["| variant | runs | requests (each run) | failed (each run) | drain time, median |",
             "| --- | --- | --- | --- | --- |"]
    for variant, runs in results.items():
        lines.append("| %s | %d | %s | %s | %.2fs |" % (
            variant, len(runs), ", ".join(str(r["requests"]) for r in runs),
            ", ".join(str(r["failed"]) for r in runs),
            statistics.median(r["drain_s"] for r in runs)))
    table = "\n".join(lines) + "\n"
    print("\n" + table)
    with open(os.path.join(args.out, "zero-downtime.json"), "w") as f:
        json.dump(results, f, indent=2)
    with open(os.path.join(args.out, "zero-downtime.md"), "w") as f:
        f.write(table)
    graced_lost = any(r["failed"] for r in results["graced"])
    tini_lost = any(r["failed"] for r in results["tini"])
    print("graced (default drain) lost requests: %s; control (tini) lost requests: %s"
          % ("YES" if graced_lost else "no", "yes" if tini_lost else "NO (the control saw nothing)"))


if __name__ == "__main__":
    main()
