"""Benchmark 6: gRPC health Check throughput.

h2load (HTTP/2 prior knowledge, h2c) with real gRPC Check calls: POST
/grpc.health.v1.Health/Check, content-type application/grpc, te: trailers, the body one
gRPC frame holding an empty HealthCheckRequest (service "": readiness), from a file
(h2load -d). -t1 -c10 -m10 for SECONDS after 1s of warm-up.

Peer: the spec's, a C++ gRPC server with the library's own health service
(grpc::EnableDefaultHealthCheckService, Debian's libgrpc++-dev 1.51) and service "" set to
SERVING: grpc_health_server.cpp, built here into the work directory with g++ and
`pkg-config grpc++` (not by CMake). In gRPC 1.51 that service uses the callback API: gRPC
runs it on its own threads (the callback completion queue's "nexting" threads plus executor
threads) on every core, where graced serves gRPC from its one event-loop thread; the row
gives both processes' thread counts and CPU use. Before the load each server is asked once
by a real gRPC client (python3-grpcio) to make sure it answers SERVING (b"\\x08\\x01").
"""
import os
import re
import shlex
import statistics
import subprocess
import time

import benchlib as b

NAME = "grpc_check"
SERVER_SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "grpc_health_server.cpp")


def pkg_config(*args):
    """pkg-config ARGS grpc++'s output."""
    try:
        out = subprocess.run(["pkg-config"] + list(args) + ["grpc++"],
                             capture_output=True, text=True, timeout=30)
    except OSError as e:
        raise RuntimeError("pkg-config not found (scripts/install-deps): %s" % e)
    if out.returncode != 0:
        raise RuntimeError("pkg-config grpc++ failed (is libgrpc++-dev installed? "
                           "scripts/install-deps): " + out.stderr.strip())
    return out.stdout.strip()


def build_peer(ctx):
    """g++ grpc_health_server.cpp against pkg-config grpc++; returns the binary's path."""
    flags = pkg_config("--cflags", "--libs")
    exe = os.path.join(ctx.workdir, "grpc_health_server")
    argv = ["g++", "-std=c++20", "-O2", "-o", exe, SERVER_SRC] + shlex.split(flags)
    try:
        cc = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise RuntimeError("building %s failed: %s" % (SERVER_SRC, e))
    if cc.returncode != 0:
        raise RuntimeError("building %s failed (exit %d):\n%s" % (
            SERVER_SRC, cc.returncode, cc.stderr))
    return exe


def check_once(port):
    import grpc
    with grpc.insecure_channel("127.0.0.1:%d" % port,
                               options=[("grpc.enable_http_proxy", 0)]) as ch:
        return ch.unary_unary("/grpc.health.v1.Health/Check")(b"", timeout=5)


def threads(pid):
    """Thread names of PID, e.g. {"graced": 1} or {"nexting_thread": 2, ...}."""
    names = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                name = f.read().strip()
        except OSError:
            continue
        names[name] = names.get(name, 0) + 1
    return names


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
    exe = build_peer(ctx)
    body = os.path.join(ctx.workdir, "check.bin")
    with open(body, "wb") as f:
        f.write(b"\x00\x00\x00\x00\x00")  # not compressed, length 0: HealthCheckRequest{}
    graced = peer = None
    res = {"graced": [], "peer": []}
    try:
        graced, gport, _ = b.start_graced(ctx, "grpc-graced")
        pport = b.free_port()
        peer = b.Proc([exe, str(pport)], os.path.join(ctx.workdir, "peer.log"))
        for name, port, proc in (("graced", gport, graced), ("C++ gRPC server", pport, peer)):
            def answers(port=port):
                try:
                    return check_once(port) == b"\x08\x01"  # HealthCheckResponse{SERVING}
                except Exception:
                    return False
            if not b.wait_until(answers, 20, 0.2):
                raise RuntimeError("%s never answered Check with SERVING; log:\n%s"
                                   % (name, proc.read_log()))
        pids = {"graced": graced.pid, "peer": peer.pid}
        for _ in range(ctx.rounds):
            for who, port in (("graced", gport), ("peer", pport)):
                cpu0, t0 = b.cpu_seconds(pids[who]), time.monotonic()
                r = h2load(ctx, port, body)
                r["cores"] = (b.cpu_seconds(pids[who]) - cpu0) / (time.monotonic() - t0)
                r["threads"] = threads(pids[who])
                res[who].append(r)
                ctx.log("  %s: %.0f req/s, %d done, %d failed, mean %s, %.2f cores, "
                        "%d threads" % (who, r["rps"], r["done"], r["failed"],
                                        r["mean_latency"], r["cores"],
                                        sum(r["threads"].values())))
    finally:
        for p in (graced, peer):
            if p:
                p.stop()
    g = statistics.median(r["rps"] for r in res["graced"])
    p = statistics.median(r["rps"] for r in res["peer"])
    gcores = statistics.median(r["cores"] for r in res["graced"])
    pcores = statistics.median(r["cores"] for r in res["peer"])
    gthreads = sum(res["graced"][-1]["threads"].values())
    pthreads = res["peer"][-1]["threads"]
    return [b.row("gRPC Health/Check throughput (h2c)", b.fmt_rps(g),
                  "C++ gRPC server (EnableDefaultHealthCheckService) " + b.fmt_rps(p), g / p,
                  "h2load -t1 -c10 -m10 -D%d, gRPC-framed Check(\"\") body via -d; median of %d "
                  "alternating runs; failed graced %d, peer %d; peer: libgrpc++ %s's default "
                  "health service (callback API), run on gRPC's own threads on any core, graced "
                  "on its one event-loop thread; threads: graced %d, peer %d (%d nexting_thread); "
                  "CPU during the runs: graced %.2f cores, peer %.2f cores, of %d"
                  % (ctx.seconds, ctx.rounds, sum(r["failed"] for r in res["graced"]),
                     sum(r["failed"] for r in res["peer"]), pkg_config("--modversion"), gthreads,
                     sum(pthreads.values()), pthreads.get("nexting_thread", 0), gcores, pcores,
                     os.cpu_count()),
                  raw_graced=res["graced"], raw_peer=res["peer"])]
