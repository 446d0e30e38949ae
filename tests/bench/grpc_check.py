"""Benchmark 6: gRPC health Check throughput and p99 latency.

h2load (HTTP/2 prior knowledge, h2c) with real gRPC Check calls: POST
/grpc.health.v1.Health/Check, content-type application/grpc, te: trailers, the body one
gRPC frame holding an empty HealthCheckRequest (service "": readiness), from a file
(h2load -d). -t1 -c10 -m10 for SECONDS after 1s of warm-up. p99: one more run of each
server with h2load --log-file (per-request times), apart from the throughput runs.

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


def h2load(ctx, port, body, seconds=None, log_file=None):
    """One h2load run; with LOG_FILE, h2load writes each request's time there too."""
    seconds = seconds or ctx.seconds
    argv = ["/usr/bin/h2load", "-t1", "-c10", "-m10", "-D", str(seconds),
            "--warm-up-time", "1", "-d", body,
            "-H", "content-type: application/grpc", "-H", "te: trailers",
            "http://127.0.0.1:%d/grpc.health.v1.Health/Check" % port]
    if log_file:
        argv.append("--log-file=" + log_file)
    out = subprocess.run(argv, capture_output=True, text=True,
                         timeout=seconds + 30).stdout
    m = re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out)
    s = re.search(r"requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, "
                  r"(\d+) failed", out)
    if not m or not s:
        raise RuntimeError("h2load output not understood:\n" + out)
    lat = re.search(r"time for request:\s+(\S+)\s+(\S+)\s+(\S+)", out)
    return {"rps": float(m.group(1)), "done": int(s.group(2)), "failed": int(s.group(4)),
            "mean_latency": lat.group(3) if lat else "?"}


def p99_ms(log_file):
    """The 99th percentile of the request times in an h2load --log-file (tab-separated:
    start in us since the epoch, HTTP status, us until the end of the response)."""
    times = []
    with open(log_file) as f:
        for line in f:
            fields = line.split("\t")
            if len(fields) >= 3:
                times.append(int(fields[2]))
    if not times:
        raise RuntimeError("h2load wrote no request times to " + log_file)
    times.sort()
    return times[min(len(times) - 1, int(0.99 * len(times)))] / 1000.0, len(times)


# The latency runs: h2load writing a line per request costs it throughput, so p99 comes
# from one more run of each server, not from the throughput runs.
LATENCY_SECONDS = 2


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
        latency = {}
        for who, port in (("graced", gport), ("peer", pport)):
            log_file = os.path.join(ctx.workdir, "h2load-%s.log" % who)
            r = h2load(ctx, port, body, LATENCY_SECONDS, log_file)
            latency[who] = p99_ms(log_file) + (r["failed"],)
            os.remove(log_file)
            ctx.log("  %s: p99 %.3f ms over %d requests, %d failed"
                    % ((who,) + latency[who]))
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
                  raw_graced=res["graced"], raw_peer=res["peer"]),
            b.row("gRPC Health/Check p99 latency (h2c)", b.fmt_ms(latency["graced"][0]),
                  "C++ gRPC server " + b.fmt_ms(latency["peer"][0]),
                  latency["graced"][0] / latency["peer"][0],
                  "h2load as above, one more run of each server of %ds with --log-file (a line "
                  "per request, which costs h2load throughput: hence not the runs above); p99 "
                  "of the request times: graced over %d requests (%d failed), peer over %d "
                  "(%d failed); at 100 calls in flight it is mostly time queued, as wrk's for "
                  "HTTP" % (LATENCY_SECONDS, latency["graced"][1], latency["graced"][2],
                            latency["peer"][1], latency["peer"][2]),
                  raw_graced=latency["graced"], raw_peer=latency["peer"])]
