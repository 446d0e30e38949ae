"""Benchmark 2: memory (RSS from /proc/PID/status).

graced around `sleep` with 10 tcp readiness checks at 1s: VmRSS once ready and idle for 3s,
then VmHWM (peak) after the loads of benchmarks 1 and 6 (wrk -t1 -c50, keep-alive then
Connection: close, on /readyz; h2load -c10 -m10 gRPC Check calls). Peers: tini, dumb-init and catatonit wrapping the same
`sleep` (they have no server, so their idle and peak RSS are the same state).
"""
import os
import time

import benchlib as b
import grpc_check

NAME = "memory"
PEERS = [("tini", ["/usr/bin/tini", "-s", "--"]), ("dumb-init", ["/usr/bin/dumb-init"]),
         ("catatonit", ["/usr/bin/catatonit", "--"])]


def run(ctx):
    graced = listener = None
    peers = {}
    try:
        graced, gport, listener = b.start_graced(ctx, "mem-graced", checks=10)
        if not b.wait_until(lambda: b.http_status(gport) == 200, 20):
            raise RuntimeError("graced never became ready:\n" + graced.read_log()[-2000:])
        time.sleep(3)
        idle = b.proc_status(graced.pid)
        for close in (False, True):
            b.run_wrk(gport, conns=50, seconds=ctx.seconds, close=close)
        body = os.path.join(ctx.workdir, "mem-check.bin")
        with open(body, "wb") as f:
            f.write(b"\x00\x00\x00\x00\x00")  # a gRPC frame: HealthCheckRequest{}
        grpc_check.h2load(ctx, gport, body)
        time.sleep(1)
        loaded = b.proc_status(graced.pid)
        for name, argv in PEERS:
            p = b.Proc(argv + ["/bin/sleep", "3600"], os.path.join(ctx.workdir, name + ".log"))
            time.sleep(1)
            if p.proc.poll() is not None:
                raise RuntimeError("%s exited: %s" % (name, p.read_log()))
            peers[name] = (p, b.proc_status(p.pid))
    finally:
        if graced:
            graced.stop()
        if listener:
            listener.close()
        for p, _ in peers.values():
            p.stop()

    rows = []
    for name, (_, st) in peers.items():
        rows.append(b.row("RSS idle (graced: 10 checks)", b.fmt_mib(idle["VmRSS"]),
                          "%s %s" % (name, b.fmt_mib(st["VmRSS"])),
                          idle["VmRSS"] / st["VmRSS"],
                          "VmRSS 3s after ready; peer `%s sleep` VmRSS after 1s" % name,
                          raw_graced=idle, raw_peer=st))
    for name, (_, st) in peers.items():
        rows.append(b.row("peak RSS after HTTP and gRPC load (VmHWM)",
                          b.fmt_mib(loaded["VmHWM"]),
                          "%s %s" % (name, b.fmt_mib(st["VmHWM"])),
                          loaded["VmHWM"] / st["VmHWM"],
                          "graced VmHWM after wrk -c50 %ds keep-alive + %ds close on /readyz, "
                          "then h2load -c10 -m10 %ds of gRPC Check (VmRSS then %s); peer "
                          "VmHWM wrapping sleep"
                          % (ctx.seconds, ctx.seconds, ctx.seconds, b.fmt_mib(loaded["VmRSS"])),
                          raw_graced=loaded, raw_peer=st))
    return rows
