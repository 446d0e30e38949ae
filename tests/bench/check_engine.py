"""Benchmark 5: check engine cost, against HAProxy's health checker, and its capacity.

CPU: graced around `sleep` with 100 tcp readiness checks at interval 1s (timeout 500ms)
against a local listener that accepts and closes, against HAProxy (one thread) with 100
servers `check inter 1s` on the same listener: HAProxy's plain connect check is the same
work, a TCP connect and a close. The two run alternately; after WARMUP seconds, the CPU
time each uses over MEASURE seconds, read in nanoseconds from /proc/PID/task/*/schedstat
(the 10 ms clock tick of utime+stime is too coarse for ~1% of a core). Median of the rounds.

Capacity: graced with N tcp checks at 1s for growing N, spread evenly over the second
(check i starts after i % 1000 ms) and without jitter, so each should run exactly once a
second plus its own few-hundred-microsecond duration; the attempts it actually makes per
check per second, from its own graced_check_runs_total, over CAPACITY_MEASURE seconds.
Intervals slip when that rate falls under SUSTAINED: the row gives the largest N that held
it and the first that did not.
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
CAPACITY_STEPS = (1000, 2000, 4000, 8000, 16000)
CAPACITY_MEASURE = 10.0
SUSTAINED = 0.99


def cpu_ns(pid):
    """CPU time of all of PID's threads in nanoseconds (schedstat's first field)."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
            total += int(f.read().split()[0])
    return total


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
    c0, a0, t0 = cpu_ns(pid), listener.accepted, time.monotonic()
    time.sleep(MEASURE)
    c1, a1, t1 = cpu_ns(pid), listener.accepted, time.monotonic()
    elapsed = t1 - t0
    return {"core_pct": (c1 - c0) / 1e9 / elapsed * 100, "accepted_per_s": (a1 - a0) / elapsed}


def graced_cpu(ctx, round_no):
    graced, port, listener = b.start_graced(ctx, "engine-graced-%d" % round_no, checks=CHECKS)
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
    """Sum of graced_check_runs_total over every check and result."""
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10) as r:
        text = r.read().decode()
    return sum(float(m.group(1))
               for m in re.finditer(r"^graced_check_runs_total\{[^}]*\} (\S+)$", text, re.M))


def capacity_step(ctx, checks):
    graced, port, listener = b.start_graced(ctx, "engine-capacity-%d" % checks, checks=checks,
                                            spread_ms=1000)
    try:
        if not b.wait_until(lambda: b.http_status(port) == 200, 60):
            raise RuntimeError("graced with %d checks never became ready:\n%s"
                               % (checks, graced.read_log()[-2000:]))
        time.sleep(WARMUP)
        r0, c0, t0 = check_runs(port), cpu_ns(graced.pid), time.monotonic()
        time.sleep(CAPACITY_MEASURE)
        r1, c1, t1 = check_runs(port), cpu_ns(graced.pid), time.monotonic()
        elapsed = t1 - t0
        return {"checks": checks, "rate": (r1 - r0) / checks / elapsed,
                "core_pct": (c1 - c0) / 1e9 / elapsed * 100}
    finally:
        graced.stop()
        listener.close()


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
                  "warm-up, median of %d alternating runs; peer: haproxy (1 thread), %d "
                  "servers `check inter 1s` on the same kind of listener; graced made %.0f "
                  "connections/s (readiness %s); HAProxy's checks end with a reset before "
                  "the listener accepts (%d servers ever DOWN)"
                  % (MEASURE, WARMUP, ctx.rounds, CHECKS,
                     statistics.median(r["accepted_per_s"] for r in g),
                     "passing" if all(r["ready"] for r in g) else "NOT passing",
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
        ("%d checks held (%.3f attempts/check/s, %.0f%% of a core)"
         % (held["checks"], held["rate"], held["core_pct"]) if held else "none of the steps")
        + ("; %d slipped (%.3f/s)" % (slipped["checks"], slipped["rate"]) if slipped
           else "; no step slipped"),
        "—", "n/a",
        "graced with N tcp checks at 1s on one listener, spread evenly over the second, no "
        "jitter, N in %s until one slips; attempts per check per second from "
        "graced_check_runs_total over %.0fs; held = at least %.2f/s" % ("/".join(map(str, CAPACITY_STEPS)),
                                        CAPACITY_MEASURE, SUSTAINED),
        raw_graced=steps))
    return rows
