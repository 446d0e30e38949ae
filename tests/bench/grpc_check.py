"""Benchmark 6: gRPC health Check throughput.

h2load (HTTP/2 prior knowledge, h2c) with real gRPC Check calls: POST
/grpc.health.v1.Health/Check, content-type application/grpc, te: trailers, the body one
gRPC frame holding an empty HealthCheckRequest (service "": readiness), from a file
(h2load -d). -t1 -c10 -m10 for SECONDS after 1s of warm-up.

Peer: a python3-grpcio server (grpc.server, 4 worker threads, its own process) that answers
Check with SERVING. The spec's peer is a C++ server with grpc::EnableDefaultHealthCheckService
(libgrpc++-dev); it is not built here (see RESULTS.md). Before the load each server is asked
once by a real gRPC client (python3-grpcio) to make sure the frames are right.
"""
import os
import re
import subprocess
import sys

import benchlib as b

NAME = "grpc_check"

PEER = r"""
import sys, time
from concurrent import futures
import grpc
def check(request, context):
    return b"\x08\x01"  # HealthCheckResponse{status: SERVING}
handler = grpc.method_handlers_generic_handler(
    "grpc.health.v1.Health", {"Check": grpc.unary_unary_rpc_method_handler(check)})
server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
server.add_generic_rpc_handlers((handler,))
server.add_insecure_port("127.0.0.1:" + sys.argv[1])
server.start()
server.wait_for_termination()
"""


def check_once(port):
    import grpc
    with grpc.insecure_channel("127.0.0.1:%d" % port,
                               options=[("grpc.enable_http_proxy", 0)]) as ch:
        return ch.unary_unary("/grpc.health.v1.Health/Check")(b"", timeout=5)


def h2load(ctx, port, body):
    argv = ["/usr/bin/h2load", "-t1", "-c10", "-m10", "-D", str(ctx.seconds),
            "--warm-up-time", "1", "-d", body,
            "-H", "content-type: application/grpc", "-H", "te: trailers",
            "http://127.0.0.1:%d/grpc.health.v1.Health/Check" % port]
    out = subprocess.run(argv, capture_output=True, text=True,
                         timeout=ctx.seconds + 30).stdout
    m = re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out)
    s = re.search(r"requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, "
                  r"(\d+) failed", out)
    if not m or not s:
        raise RuntimeError("h2load output not understood:\n" + out)
    lat = re.search(r"time for request:\s+(\S+)\s+(\S+)\s+(\S+)", out)
    return {"rps": float(m.group(1)), "done": int(s.group(2)), "failed": int(s.group(4)),
            "mean_latency": lat.group(3) if lat else "?"}


def run(ctx):
    body = os.path.join(ctx.workdir, "check.bin")
    with open(body, "wb") as f:
        f.write(b"\x00\x00\x00\x00\x00")  # not compressed, length 0: HealthCheckRequest{}
    script = os.path.join(ctx.workdir, "peer.py")
    with open(script, "w") as f:
        f.write(PEER)
    graced = peer = None
    res = {"graced": [], "peer": []}
    try:
        graced, gport, _ = b.start_graced(ctx, "grpc-graced")
        pport = b.free_port()
        peer = b.Proc([sys.executable, script, str(pport)],
                      os.path.join(ctx.workdir, "peer.log"))
        for name, port in (("graced", gport), ("python-grpcio", pport)):
            def answers(port=port):
                try:
                    return check_once(port) == b"\x08\x01"
                except Exception:
                    return False
            if not b.wait_until(answers, 20, 0.2):
                raise RuntimeError("%s never answered Check with SERVING" % name)
        for _ in range(ctx.rounds):
            for who, port in (("graced", gport), ("peer", pport)):
                r = h2load(ctx, port, body)
                res[who].append(r)
                ctx.log("  %s: %.0f req/s, %d done, %d failed, mean %s" % (
                    who, r["rps"], r["done"], r["failed"], r["mean_latency"]))
    finally:
        for p in (graced, peer):
            if p:
                p.stop()
    import statistics
    g = statistics.median(r["rps"] for r in res["graced"])
    p = statistics.median(r["rps"] for r in res["peer"])
    return [b.row("gRPC Health/Check throughput (h2c)", b.fmt_rps(g),
                  "python3-grpcio server " + b.fmt_rps(p), g / p,
                  "h2load -t1 -c10 -m10 -D%d, gRPC-framed Check(\"\") body via -d; median of %d "
                  "alternating runs; failed graced %d, peer %d; peer is python3-grpcio, NOT the "
                  "C++ EnableDefaultHealthCheckService server the spec names"
                  % (ctx.seconds, ctx.rounds, sum(r["failed"] for r in res["graced"]),
                     sum(r["failed"] for r in res["peer"])),
                  raw_graced=res["graced"], raw_peer=res["peer"])]
