"""Benchmark 4: shutdown precision (absolute; no peer).

graced with shutdown.drain_delay = 1s and grace_period = 2s around a child that connects
to the bench, reports the CLOCK_MONOTONIC time at which it got SIGTERM, and ignores it (so
SIGKILL at grace_period ends it; the bench sees its socket close). Each run measures, from
the moment the bench sends SIGTERM to graced:
  - the first 503 on /readyz (a tight loop of keep-alive GETs on one connection),
  - the first NOT_SERVING on a gRPC Watch (python3-grpcio, service ""),
  - the child's SIGTERM (expected at drain_delay = 1s),
  - the child's death by SIGKILL (expected at grace_period = 2s).
Medians (and the worst) over RUNS runs.
"""
import http.client
import json
import os
import signal
import socket
import statistics
import sys
import threading
import time

import benchlib as b

NAME = "shutdown"
RUNS = 5
DRAIN = 1.0
GRACE = 2.0

CHILD = r"""
import signal, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
def term(*_):
    s.sendall(b"TERM %.6f\n" % time.monotonic())
signal.signal(signal.SIGTERM, term)
s.sendall(b"HELLO\n")
while True:
    time.sleep(3600)
"""


def watch_request():
    return b""  # service "" (readiness): the empty message


def one_run(ctx, i, grpc):
    times = {}
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    child_port = srv.getsockname()[1]
    hello = threading.Event()

    def child_conn():
        c, _ = srv.accept()
        buf = b""
        while True:
            data = c.recv(4096)
            if not data:
                times["killed"] = time.monotonic()
                return
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if line == b"HELLO":
                    hello.set()
                elif line.startswith(b"TERM "):
                    times.setdefault("child_term", float(line.split()[1]))

    threading.Thread(target=child_conn, daemon=True).start()
    port = b.free_port()
    script = os.path.join(ctx.workdir, "child.py")
    with open(script, "w") as f:
        f.write(CHILD)
    cfg = os.path.join(ctx.workdir, "shutdown-%d.toml" % i)
    with open(cfg, "w") as f:
        f.write('[http]\nlisten = "127.0.0.1:%d"\n[shutdown]\ndrain_delay = "%gs"\n'
                'grace_period = "%gs"\n' % (port, DRAIN, GRACE))
    graced = b.Proc([ctx.graced, "-c", cfg, "--", sys.executable, script, str(child_port)],
                    os.path.join(ctx.workdir, "shutdown-%d.log" % i))
    channel = None
    try:
        if not (hello.wait(10) and b.wait_until(lambda: b.http_status(port) == 200, 10)):
            raise RuntimeError("graced never became ready:\n" + graced.read_log()[-2000:])
        stop = threading.Event()
        polling = threading.Event()

        def poll_http():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            while not stop.is_set():
                conn.request("GET", "/readyz")
                r = conn.getresponse()
                r.read()
                polling.set()
                if r.status == 503:
                    times["http_503"] = time.monotonic()
                    return

        watching = threading.Event()

        def watch():
            call = channel.unary_stream("/grpc.health.v1.Health/Watch")
            try:
                for msg in call(watch_request(), timeout=GRACE + 10):
                    status = msg[1] if len(msg) >= 2 and msg[0] == 0x08 else 0
                    if status == 1:
                        watching.set()
                    elif status == 2:
                        times["grpc_not_serving"] = time.monotonic()
                        return
            except grpc.RpcError:
                pass

        threads = [threading.Thread(target=poll_http, daemon=True)]
        if grpc:
            channel = grpc.insecure_channel("127.0.0.1:%d" % port,
                                            options=[("grpc.enable_http_proxy", 0)])
            threads.append(threading.Thread(target=watch, daemon=True))
        for t in threads:
            t.start()
        if not polling.wait(5) or (grpc and not watching.wait(5)):
            raise RuntimeError("pollers did not start")
        time.sleep(0.2)
        t0 = time.monotonic()
        os.kill(graced.pid, signal.SIGTERM)
        for t in threads:
            t.join(GRACE + 5)
        stop.set()
        graced.proc.wait(timeout=GRACE + 10)
        deadline = time.monotonic() + 2
        while "killed" not in times and time.monotonic() < deadline:
            time.sleep(0.01)
        return {k: (v - t0) * 1000 for k, v in times.items()}
    finally:
        if channel:
            channel.close()
        graced.stop()
        srv.close()


def run(ctx):
    try:
        import grpc  # python3-grpcio
    except ImportError:
        grpc = None
    runs = []
    for i in range(RUNS):
        r = one_run(ctx, i, grpc)
        ctx.log("  run %d: %s" % (i + 1, json.dumps({k: round(v, 2) for k, v in r.items()})))
        runs.append(r)

    def stat(key):
        vals = [r[key] for r in runs if key in r]
        if len(vals) != len(runs):
            raise RuntimeError("%s missing in some runs: %s" % (key, runs))
        return statistics.median(vals), max(vals), vals

    rows = []
    method_base = "SIGTERM to graced → %s; median (max) of %d runs" 
    med, worst, vals = stat("http_503")
    rows.append(b.row("SIGTERM → first 503 on /readyz", "%s (max %s)" % (b.fmt_ms(med), b.fmt_ms(worst)),
                      "—", "n/a", method_base % ("first 503 in a tight keep-alive GET loop", RUNS),
                      raw_graced=vals))
    if grpc:
        med, worst, vals = stat("grpc_not_serving")
        rows.append(b.row("SIGTERM → first NOT_SERVING on gRPC Watch",
                          "%s (max %s)" % (b.fmt_ms(med), b.fmt_ms(worst)), "—", "n/a",
                          method_base % ("Watch(\"\") message NOT_SERVING (python3-grpcio)", RUNS),
                          raw_graced=vals))
    med, worst, vals = stat("child_term")
    errs = [v - DRAIN * 1000 for v in vals]
    rows.append(b.row("SIGTERM → stop signal at child, error vs drain_delay %gs" % DRAIN,
                      "%+.2f ms (max %+.2f)" % (statistics.median(errs), max(errs, key=abs)),
                      "—", "n/a",
                      method_base % ("child's own CLOCK_MONOTONIC stamp in its SIGTERM handler",
                                     RUNS) + "; absolute median %s" % b.fmt_ms(med),
                      raw_graced=vals))
    med, worst, vals = stat("killed")
    errs = [v - GRACE * 1000 for v in vals]
    rows.append(b.row("SIGTERM → SIGKILL of child, error vs grace_period %gs" % GRACE,
                      "%+.2f ms (max %+.2f)" % (statistics.median(errs), max(errs, key=abs)),
                      "—", "n/a",
                      method_base % ("the child's socket to the bench closing (it ignores "
                                     "SIGTERM)", RUNS) + "; absolute median %s" % b.fmt_ms(med),
                      raw_graced=vals))
    return rows
