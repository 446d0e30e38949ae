"""Benchmark 5: check engine cost, against HAProxy's health checker, and its capacity.

CPU: graced around `sleep` with 100 tcp readiness checks at interval 1s (timeout 500ms),
spread evenly over the second, against a local listener that accepts and closes, against
HAProxy (one thread) with 100 servers `check inter 1s` on the same kind of listener.
HAProxy's plain connect check is the lighter of the two: it resets the connection as soon
as the SYN-ACK arrives, without the final ACK, so the listener never accepts it, while
graced completes the handshake and closes with a FIN. The kernel's own count of outgoing
connections (Tcp ActiveOpens in /proc/net/snmp, machine-wide) over each window shows both
made their 100 a second. The two run alternately; after WARMUP seconds, the CPU time each
uses over MEASURE seconds, read in nanoseconds from /proc/PID/task/*/schedstat (the 10 ms
clock tick of utime+stime is too coarse for ~1% of a core). Median of the rounds.

Capacity: graced with N tcp checks at 1s for growing N, spread evenly over the second
(check i starts after i % 1000 ms) and without jitter, so each should run exactly once a
second plus its own few-hundred-microsecond duration; the attempts it actually makes per
check per second, from its own graced_check_runs_total, over CAPACITY_MEASURE seconds.
Only successful attempts count, so a step whose connects fail or time out cannot pass for
one that kept up. Intervals slip when that rate falls under SUSTAINED: the row gives the
largest N that held it and the first that did not, with the attempts that failed or timed
out and the listener's accept-queue overflows (TcpExtListenOverflows) during the step:
when those are not 0, the listener, not graced, was the first to give way.
"""
import os
import re
import statistics
import time
import urllib.request

import benchlib as b

NAME = "check_engine"
CHECKS = 100
WARMUP = 3.0
MEASURE = 15.0
CAPACITY_STEPS = (1000, 2000, 4000, 8000, 16000, 32000)
CAPACITY_MEASURE = 10.0
SUSTAINED = 0.99


def kernel_counter(path, group, name):
    """One counter of /proc/net/snmp or /proc/net/netstat: a header line, then values."""
    with open(path) as f:
        lines = [l.split() for l in f if l.startswith(group + ":")]
    for header, values in zip(lines[0::2], lines[1::2]):
        if name in header:
            return int(values[header.index(name)])
    raise RuntimeError("%s has no %s %s" % (path, group, name))


def active_opens():
    return kernel_counter("/proc/net/snmp", "Tcp", "ActiveOpens")


def listen_overflows():
    return kernel_counter("/proc/net/netstat", "TcpExt", "ListenOverflows")


def haproxy_config(path, checks, target_port):
    """One thread, a tcp frontend on a free port (HAProxy needs a listener), and CHECKS
    servers checked every 1s with the same connect timeout as graced's checks."""
    text = ("global\n  nbthread 1\n"
            "defaults\n  mode tcp\n  timeout connect 500ms\n  timeout check 500ms\n"
            "  timeout client 5s\n  timeout server 5s\n"
            "frontend unused\n  bind 127.0.0.1:%d\n  default_backend deps\n"
            "backend deps\n" % b.free_port())
    for i in range(checks):
        text += "  server dep%d 127.0.0.1:%d check inter 1s\n" % (i, target_port)
    with open(path, "w") as f:
        f.write(text)
    return path


def measure_cpu(pid, listener):
    time.sleep(WARMUP)
    c0, a0, o0, t0 = b.cpu_ns(pid), listener.accepted, active_opens(), time.monotonic()
    time.sleep(MEASURE)
    c1, a1, o1, t1 = b.cpu_ns(pid), listener.accepted, active_opens(), time.monotonic()
    elapsed = t1 - t0
    return {"core_pct": (c1 - c0) / 1e9 / elapsed * 100, "accepted_per_s": (a1 - a0) / elapsed,
            "connects_per_s": (o1 - o0) / elapsed}


def graced_cpu(ctx, round_no):
    graced, port, listener = b.start_graced(ctx, "engine-graced-%d" % round_no, checks=CHECKS,
                                            spread_ms=1000)
    try:
        if not b.wait_until(lambda: b.http_status(port) == 200, 20):
            raise RuntimeError("graced never became ready:\n" + graced.read_log()[-2000:])
        r = measure_cpu(graced.pid, listener)
        r["ready"] = b.http_status(port) == 200
        return r
    finally:
        graced.stop()
        listener.close()


def haproxy_cpu(ctx, round_no):
    listener = b.Listener()
    cfg = haproxy_config(os.path.join(ctx.workdir, "engine-haproxy-%d.cfg" % round_no),
                         CHECKS, listener.port)
    proc = b.Proc(["/usr/sbin/haproxy", "-db", "-f", cfg],
                  os.path.join(ctx.workdir, "engine-haproxy-%d.log" % round_no))
    try:
        time.sleep(0.5)
        if proc.proc.poll() is not None:
            raise RuntimeError("haproxy did not start:\n" + proc.read_log()[-2000:])
        r = measure_cpu(proc.pid, listener)
        log = proc.read_log()
        r["servers_down"] = len(re.findall(r"Server deps/\S+ is DOWN", log))
        return r
    finally:
        proc.stop()
        listener.close()


def check_runs(port):
    """graced_check_runs_total summed over every check, by result."""
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10) as r:
        text = r.read().decode()
    runs = {"success": 0.0, "failure": 0.0, "timeout": 0.0}
    for m in re.finditer(r'^graced_check_runs_total\{[^}]*result="(\w+)"\} (\S+)$', text, re.M):
        runs[m.group(1)] += float(m.group(2))
    return runs


def capacity_step(ctx, checks):
    graced, port, listener = b.start_graced(ctx, "engine-capacity-%d" % checks, checks=checks,
                                            spread_ms=1000)
    try:
        if not b.wait_until(lambda: b.http_status(port) == 200, 60):
            # Past what the machine can do: attempts pile up, each holding a socket, until
            # graced's listener meets the descriptor limit. Report that as the slip.
            c0, t0 = b.cpu_ns(graced.pid), time.monotonic()
            time.sleep(CAPACITY_MEASURE)
            return {"checks": checks, "rate": 0.0, "unanswered": True,
                    "fds": len(os.listdir("/proc/%d/fd" % graced.pid)),
                    "fd_limit": fd_limit(graced.pid),
                    "core_pct": (b.cpu_ns(graced.pid) - c0) / 1e9 / (time.monotonic() - t0) * 100}
        def sample():
            return (check_runs(port), b.cpu_ns(graced.pid), listen_overflows(),
                    time.monotonic())

        time.sleep(WARMUP)
        r0, c0, v0, t0 = sample()
        time.sleep(CAPACITY_MEASURE)
        r1, c1, v1, t1 = sample()
        elapsed = t1 - t0
        return {"checks": checks, "rate": (r1["success"] - r0["success"]) / checks / elapsed,
                "failed": r1["failure"] - r0["failure"],
                "timed_out": r1["timeout"] - r0["timeout"],
                "listen_overflows": v1 - v0, "core_pct": (c1 - c0) / 1e9 / elapsed * 100}
    finally:
        graced.stop()
        listener.close()


def fd_limit(pid):
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                return int(line.split()[3])
    return 0


def slipped_text(s):
    if s.get("unanswered"):
        return ("; %d slipped (/readyz unanswered for 60s: %d descriptors open of %d, "
                "%.0f%% of a core)" % (s["checks"], s["fds"], s["fd_limit"], s["core_pct"]))
    return ("; %d slipped (%.3f/s; %d failed, %d timed out, %d listen overflows)"
            % (s["checks"], s["rate"], s["failed"], s["timed_out"], s["listen_overflows"]))


def run(ctx):
    g, h = [], []
    for i in range(ctx.rounds):
        g.append(graced_cpu(ctx, i))
        h.append(haproxy_cpu(ctx, i))
    gm = statistics.median(r["core_pct"] for r in g)
    hm = statistics.median(r["core_pct"] for r in h)
    rows = [b.row("check engine: %d tcp checks at 1s, CPU" % CHECKS,
                  "%.2f%% of one core (%.2f s CPU/min)" % (gm, gm * 0.6),
                  "HAProxy %.2f%% (%.2f s CPU/min)" % (hm, hm * 0.6), gm / hm,
                  "CPU time from /proc/PID/task/*/schedstat over %.0fs after %.0fs of "
                  "warm-up, median of %d alternating runs; graced's checks spread over the "
                  "second; peer: haproxy (1 thread), %d servers `check inter 1s` on the same "
                  "kind of listener; connects/s (kernel ActiveOpens, machine-wide): graced "
                  "%.0f (listener accepted %.0f/s; readiness %s), HAProxy %.0f (its checks "
                  "reset at the SYN-ACK, so the listener accepts none; %d servers ever DOWN)"
                  % (MEASURE, WARMUP, ctx.rounds, CHECKS,
                     statistics.median(r["connects_per_s"] for r in g),
                     statistics.median(r["accepted_per_s"] for r in g),
                     "passing" if all(r["ready"] for r in g) else "NOT passing",
                     statistics.median(r["connects_per_s"] for r in h),
                     max(r["servers_down"] for r in h)),
                  raw_graced=g, raw_peer=h)]

    steps, held, slipped = [], None, None
    for n in CAPACITY_STEPS:
        s = capacity_step(ctx, n)
        steps.append(s)
        if s["rate"] >= SUSTAINED:
            held = s
        else:
            slipped = s
            break
    rows.append(b.row(
        "check engine: tcp checks sustained at 1s",
        ("%d checks held (%.3f successful attempts/check/s, %.0f%% of a core)"
         % (held["checks"], held["rate"], held["core_pct"]) if held else "none of the steps")
        + (slipped_text(slipped) if slipped else "; no step slipped"),
        "—", "n/a",
        "graced with N tcp checks at 1s on one listener, spread evenly over the second, no "
        "jitter, N in %s until one slips; successful attempts per check per second from "
        "graced_check_runs_total over %.0fs; held = at least %.2f/s"
        % ("/".join(map(str, CAPACITY_STEPS)), CAPACITY_MEASURE, SUSTAINED),
        raw_graced=steps))
    return rows
