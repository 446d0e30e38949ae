"""Benchmark 5: check engine cost (absolute; no peer).

graced around `sleep` with 100 tcp readiness checks at interval 1s (timeout 500ms) against
a local listener that accepts and closes. After 3s of warm-up, utime+stime from
/proc/PID/stat over MEASURE seconds, scaled to CPU time per minute and to a percentage of
one core. The listener's accept count over the same window shows the attempts really ran.
"""
import time

import benchlib as b

NAME = "check_engine"
CHECKS = 100
MEASURE = 15.0


def run(ctx):
    graced = listener = None
    try:
        graced, port, listener = b.start_graced(ctx, "engine-graced", checks=CHECKS,
                                                interval="1s")
        if not b.wait_until(lambda: b.http_status(port) == 200, 20):
            raise RuntimeError("graced never became ready:\n" + graced.read_log()[-2000:])
        time.sleep(3)
        c0, a0, t0 = b.cpu_seconds(graced.pid), listener.accepted, time.monotonic()
        time.sleep(MEASURE)
        c1, a1, t1 = b.cpu_seconds(graced.pid), listener.accepted, time.monotonic()
        ok = b.http_status(port) == 200
    finally:
        if graced:
            graced.stop()
        if listener:
            listener.close()
    elapsed = t1 - t0
    cpu = c1 - c0
    per_min = cpu / elapsed * 60
    attempts = (a1 - a0) / elapsed
    return [b.row("check engine: %d tcp checks at 1s, CPU" % CHECKS,
                  "%.2f s CPU/min = %.2f%% of one core" % (per_min, cpu / elapsed * 100),
                  "—", "n/a",
                  "utime+stime from /proc/PID/stat over %.0fs (clock tick 10ms), scaled to a "
                  "minute; %.0f attempts/s seen by the listener; readiness %s"
                  % (elapsed, attempts, "passing" if ok else "NOT passing"),
                  raw_graced={"cpu_s": cpu, "elapsed_s": elapsed, "attempts_per_s": attempts})]
