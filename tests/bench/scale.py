"""Benchmark 7: scale. Many idle keep-alive HTTP connections and many gRPC Watch streams.

1. graced and nginx-light (one process) each hold IDLE_CONNECTIONS keep-alive HTTP
   connections, opened by this process one after the other, each having made one request
   (GET /readyz, nginx GET /) and then left idle. Reported: VmRSS before and with them
   open, and wrk -t1 -c10 --latency on the probe path while they are open (median of
   ROUNDS runs; nginx's first, then graced's: both at once would need twice the fds).
2. Then graced also holds WATCH_STREAMS gRPC Watch("") streams (python3-grpcio's asyncio
   client in its own process: WATCH_CHANNELS connections of WATCH_STREAMS /
   WATCH_CHANNELS streams, within graced's default max_concurrent_streams of 100): VmRSS
   and the same wrk run again.
3. SIGTERM to graced (drain_delay 60s, so it stays up): the time until the first and the
   last of the streams has received NOT_SERVING, stamped with CLOCK_MONOTONIC by the
   client as each message arrives (so the client's own Python overhead is included).

The bench raises its soft RLIMIT_NOFILE to the hard limit (graced and nginx inherit it)
and scales IDLE_CONNECTIONS down, saying so in the method, if the hard limit is too low.
"""
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time

import benchlib as b

NAME = "scale"

IDLE_CONNECTIONS = 10000
WATCH_STREAMS = 1000
WATCH_CHANNELS = 10

# The Watch client: opens the streams, prints READY once every stream has said SERVING,
# then prints one JSON line with the CLOCK_MONOTONIC times at which each NOT_SERVING came.
WATCHER = r"""
import asyncio, json, os, sys, time
import grpc

PORT, STREAMS, CHANNELS = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])

async def watch(channel, serving, not_serving):
    call = channel.unary_stream("/grpc.health.v1.Health/Watch")(b"")
    async for msg in call:
        status = msg[1] if len(msg) >= 2 and msg[0] == 0x08 else 0
        if status == 1:
            serving.append(1)
        elif status == 2:
            not_serving.append(time.monotonic())
            if len(not_serving) == STREAMS:
                # Said at once, and the process ends: grpcio's teardown of a thousand
                # cancelled calls can hang, and the figure is already complete.
                print(json.dumps({"not_serving": not_serving}), flush=True)
                os._exit(0)
            call.cancel()
            return

async def main():
    # A subchannel pool per channel: one TCP connection each.
    options = [("grpc.enable_http_proxy", 0), ("grpc.use_local_subchannel_pool", 1)]
    channels = [grpc.aio.insecure_channel("127.0.0.1:%d" % PORT, options=options)
                for _ in range(CHANNELS)]
    serving, not_serving = [], []
    tasks = [asyncio.create_task(watch(channels[i % CHANNELS], serving, not_serving))
             for i in range(STREAMS)]
    deadline = time.monotonic() + 60
    while len(serving) < STREAMS:
        if time.monotonic() > deadline:
            print("TIMEOUT %d of %d streams serving" % (len(serving), STREAMS), flush=True)
            return
        await asyncio.sleep(0.05)
    print("READY", flush=True)
    await asyncio.wait(tasks, timeout=120)
    print(json.dumps({"not_serving": not_serving}), flush=True)  # some never came
    os._exit(0)

asyncio.run(main())
"""


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 1 << 20
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def open_idle(port, path, count):
    """COUNT keep-alive connections, each after one answered request; returns the sockets."""
    request = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % path).encode()
    socks = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                raise RuntimeError("connection %d closed before an answer" % len(socks))
            data += chunk
        if not data.startswith(b"HTTP/1.1 200"):
            raise RuntimeError("connection %d: %r" % (len(socks), data[:80]))
        socks.append(s)
    return socks


def still_open(socks):
    """How many of SOCKS the server has not closed (no EOF pending)."""
    alive = 0
    for s in socks:
        s.setblocking(False)
        try:
            data = s.recv(1, socket.MSG_PEEK)
            alive += 1 if data else 0
        except BlockingIOError:
            alive += 1
        except OSError:
            pass
    return alive


def close_all(socks):
    for s in socks:
        s.close()


def wrk_median(ctx, port, path):
    """ROUNDS wrk -c10 runs; the medians of throughput and p99, the sum of errors."""
    runs = [b.run_wrk(port, path, conns=10, seconds=ctx.seconds) for _ in range(ctx.rounds)]
    return {"rps": statistics.median(r["rps"] for r in runs),
            "p99_ms": statistics.median(r["p99_ms"] for r in runs),
            "errors": sum(r["errors"] for r in runs)}


def hold_idle(ctx, who, pid, port, path, count):
    before = b.proc_status(pid)["VmRSS"]
    t0 = time.monotonic()
    socks = open_idle(port, path, count)
    opened_s = time.monotonic() - t0
    time.sleep(1)
    during = b.proc_status(pid)["VmRSS"]
    w = wrk_median(ctx, port, path)
    alive = still_open(socks)
    ctx.log("  %s: %d idle connections opened in %.1fs (%d still open after wrk); VmRSS "
            "%d -> %d KiB; wrk -c10 %.0f req/s p99 %.2f ms errors %d"
            % (who, count, opened_s, alive, before, during, w["rps"], w["p99_ms"], w["errors"]))
    if alive != count:
        raise RuntimeError("%s closed %d of the idle connections" % (who, count - alive))
    return socks, {"before_kib": before, "during_kib": during, "wrk": w}


def run(ctx):
    hard = raise_fd_limit()
    idle = min(IDLE_CONNECTIONS, hard - 1000)
    if idle < 1000:
        raise RuntimeError("RLIMIT_NOFILE hard limit %d is too low" % hard)
    graced = nginx = watcher = None
    socks = []
    try:
        # graced: no checks (readiness is SERVING), room for the connections, and a drain
        # long enough to measure the Watch broadcast with graced still up.
        graced, gport, _ = b.start_graced(
            ctx, "scale-graced", drain_delay="60s", extra='grace_period = "90s"\n',
            http_extra='max_connections = %d\nidle_timeout = "10m"\n' % (idle + 100))
        if not b.wait_until(lambda: b.http_status(gport) == 200, 20):
            raise RuntimeError("graced never became ready:\n" + graced.read_log()[-2000:])
        # nginx closes idle keep-alive connections once fewer than 1/16 of its
        # worker_connections are free, so it is given that headroom.
        nginx, nport = b.start_nginx(ctx, "scale-nginx", worker_connections=idle * 11 // 10 + 100)

        socks, n = hold_idle(ctx, "nginx", nginx.pid, nport, "/", idle)
        close_all(socks)
        socks = []
        nginx.stop()
        nginx = None
        socks, g = hold_idle(ctx, "graced", graced.pid, gport, "/readyz", idle)

        script = os.path.join(ctx.workdir, "watcher.py")
        with open(script, "w") as f:
            f.write(WATCHER)
        watcher = subprocess.Popen(
            ["/usr/bin/python3", script, str(gport), str(WATCH_STREAMS), str(WATCH_CHANNELS)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)
        line = watcher.stdout.readline().strip()
        if line != "READY":
            raise RuntimeError("the Watch client: %s %s" % (line, watcher.stdout.read()[-2000:]))
        time.sleep(1)
        gw_rss = b.proc_status(graced.pid)["VmRSS"]
        gw = wrk_median(ctx, gport, "/readyz")
        ctx.log("  graced + %d Watch streams: VmRSS %d KiB; wrk -c10 %.0f req/s p99 %.2f ms"
                % (WATCH_STREAMS, gw_rss, gw["rps"], gw["p99_ms"]))
        if still_open(socks) != idle:
            raise RuntimeError("graced closed idle connections while the streams were open")

        t0 = time.monotonic()
        os.kill(graced.pid, signal.SIGTERM)
        out, _ = watcher.communicate(timeout=150)
        watcher = None
        times = json.loads(out.strip().splitlines()[-1])["not_serving"]
        if len(times) != WATCH_STREAMS:
            raise RuntimeError("%d of %d streams saw NOT_SERVING" % (len(times), WATCH_STREAMS))
        first_ms = (min(times) - t0) * 1e3
        last_ms = (max(times) - t0) * 1e3
        ctx.log("  SIGTERM -> NOT_SERVING on %d streams: first %.2f ms, last %.2f ms"
                % (WATCH_STREAMS, first_ms, last_ms))
    finally:
        close_all(socks)
        if watcher:
            os.killpg(watcher.pid, signal.SIGKILL)
            watcher.wait()
        for p in (graced, nginx):
            if p:
                p.stop(signal.SIGKILL)

    conns = "{:,}".format(idle)
    held = ("%s keep-alive connections opened one by one, each after one request, then idle"
            % conns)
    wrk = ("wrk -t1 -c10 -d%ds --latency on the probe path (graced /readyz, nginx /), median "
           "of %d runs" % (ctx.seconds, ctx.rounds))

    def rss(r):
        return "%s (+%s)" % (b.fmt_mib(r["during_kib"]), b.fmt_mib(r["during_kib"] -
                                                                  r["before_kib"]))

    return [
        b.row("RSS with %s idle keep-alive HTTP connections" % conns, rss(g), "nginx " + rss(n),
              g["during_kib"] / n["during_kib"],
              held + "; VmRSS 1s after (in parentheses: growth over before); nginx-light "
              "1 process `return 200`"),
        b.row("/readyz p99 with %s idle connections open" % conns, b.fmt_ms(g["wrk"]["p99_ms"]),
              "nginx " + b.fmt_ms(n["wrk"]["p99_ms"]), g["wrk"]["p99_ms"] / n["wrk"]["p99_ms"],
              "%s while %s are held; throughput graced %s, nginx %s; errors %d, %d"
              % (wrk, conns, b.fmt_rps(g["wrk"]["rps"]), b.fmt_rps(n["wrk"]["rps"]),
                 g["wrk"]["errors"], n["wrk"]["errors"])),
        b.row("RSS with %s idle HTTP + %d gRPC Watch streams" % (conns, WATCH_STREAMS),
              b.fmt_mib(gw_rss), "—", "n/a",
              "as above, plus %d Watch(\"\") streams over %d h2c connections (python3-grpcio "
              "asyncio client); VmRSS 1s after they all said SERVING"
              % (WATCH_STREAMS, WATCH_CHANNELS)),
        b.row("/readyz p99 with %s idle HTTP + %d Watch streams open" % (conns, WATCH_STREAMS),
              b.fmt_ms(gw["p99_ms"]), "—", "n/a",
              "%s; throughput %s, errors %d" % (wrk, b.fmt_rps(gw["rps"]), gw["errors"])),
        b.row("SIGTERM → NOT_SERVING on all %d Watch streams" % WATCH_STREAMS,
              "first %s, last %s" % (b.fmt_ms(first_ms), b.fmt_ms(last_ms)), "—", "n/a",
              "SIGTERM to graced (drain_delay 60s) → each stream's NOT_SERVING message, "
              "stamped with CLOCK_MONOTONIC by the client as it arrives (its Python "
              "overhead included); one run",
              raw_graced=sorted(x - t0 for x in times)),
    ]
