#!/usr/bin/env python3
"""A queue worker with no HTTP at all, for graced's notify-worker example.

It tells graced how it is doing through sd_notify ($NOTIFY_SOCKET, a Unix datagram
socket graced creates with process.notify = true):
  READY=1       once its startup work is done (graced's startup probe waits for it)
  WATCHDOG=1    every half of $WATCHDOG_USEC while its loop runs (process.watchdog)
  STATUS=...    what it is doing, shown in graced's ?verbose output
and it touches a heartbeat file ($HEARTBEAT_FILE) after every job, which graced's `file`
check watches on liveness.

On SIGTERM it finishes the job in progress and exits 0.

Environment (all optional):
  HEARTBEAT_FILE          default /tmp/notify-worker.heartbeat (graced.toml passes it)
  WORKER_STARTUP_SECONDS  how long the startup work takes before READY=1 (default 2)
  WORKER_JOB_SECONDS      how long one job takes (default 0.5)
  WORKER_STALL_AFTER      seconds after READY=1 after which the worker "hangs": it keeps
                          running but stops pinging and touching the heartbeat, so
                          liveness fails (unset: never)
"""
import os
import signal
import socket
import sys
import time

HEARTBEAT_FILE = os.environ.get("HEARTBEAT_FILE", "/tmp/notify-worker.heartbeat")
STARTUP_SECONDS = float(os.environ.get("WORKER_STARTUP_SECONDS", "2"))
JOB_SECONDS = float(os.environ.get("WORKER_JOB_SECONDS", "0.5"))
STALL_AFTER = os.environ.get("WORKER_STALL_AFTER")

stopping = False


def log(message):
    sys.stderr.write(f"notify-worker: {message}\n")
    sys.stderr.flush()


def notify(*fields):
    """One sd_notify datagram; nothing when not run under a service manager."""
    path = os.environ.get("NOTIFY_SOCKET")
    if not path:
        return
    if path.startswith("@"):  # abstract socket namespace
        path = "\0" + path[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.sendto("\n".join(fields).encode(), path)


def touch_heartbeat():
    with open(HEARTBEAT_FILE, "a"):
        pass
    os.utime(HEARTBEAT_FILE)


def on_signal(signo, _frame):
    global stopping
    if not stopping:
        log(f"got {signal.Signals(signo).name}: finishing the current job")
    stopping = True


def sleep_unless_stopping(seconds):
    end = time.monotonic() + seconds
    while not stopping and time.monotonic() < end:
        time.sleep(min(0.05, max(0.0, end - time.monotonic())))


def main():
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    log("starting: connecting to the queue")
    notify("STATUS=connecting to the queue")
    sleep_unless_stopping(STARTUP_SECONDS)  # stands for real startup work
    if stopping:
        log("stopped before it was ready")
        return 0
    touch_heartbeat()
    notify("READY=1", "STATUS=waiting for jobs")
    log(f"ready; heartbeat file {HEARTBEAT_FILE}")

    watchdog_usec = int(os.environ.get("WATCHDOG_USEC", "0") or "0")
    ping_every = watchdog_usec / 2e6 if watchdog_usec else None  # half, as systemd advises
    last_ping = time.monotonic()
    if ping_every:
        notify("WATCHDOG=1")
    ready_at = time.monotonic()
    stall_at = ready_at + float(STALL_AFTER) if STALL_AFTER else None
    stalled = False
    jobs = 0

    while not stopping:
        if stall_at is not None and time.monotonic() >= stall_at:
            if not stalled:
                stalled = True
                log("stalled (WORKER_STALL_AFTER): no more watchdog pings or heartbeats")
                notify("STATUS=stuck on a job")
            time.sleep(0.05)
            continue
        time.sleep(JOB_SECONDS)  # one job (stands for real work), always finished
        jobs += 1
        touch_heartbeat()
        fields = [f"STATUS=processed {jobs} jobs"]
        if ping_every and time.monotonic() - last_ping >= ping_every:
            fields.append("WATCHDOG=1")
            last_ping = time.monotonic()
        notify(*fields)

    log(f"stopped after {jobs} jobs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
