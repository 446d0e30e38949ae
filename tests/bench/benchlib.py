"""Shared helpers for the benchmarks under tests/bench (stdlib only).

Every server a benchmark starts goes through Proc, which puts it in its own session and
kills its whole process group by pid on stop(), so nothing outlives a failed benchmark.
A row is a dict: benchmark, graced, peer, ratio, method (strings) plus raw numbers.
"""
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def http_status(port, path="/readyz"):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=2) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return 0


class Proc:
    """A process in its own session, stopped by pid (signal, wait, then SIGKILL to its group)."""

    def __init__(self, argv, log_path, **kw):
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True, **kw)
        self.pid = self.proc.pid

    def stop(self, sig=signal.SIGTERM, timeout=5):
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(sig)
                self.proc.wait(timeout=timeout)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                pass
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.log.close()

    def read_log(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()


class Listener:
    """A loopback TCP listener that accepts and closes at once: the tcp checks' target."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4096)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            c.close()

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def graced_config(path, http_port, checks=0, check_port=0, interval="1s", extra="",
                  http_extra="", drain_delay="0s", spread_ms=0):
    """A config with CHECKS tcp readiness checks against 127.0.0.1:CHECK_PORT. HTTP_EXTRA
    goes into [http]; EXTRA right after drain_delay, in [shutdown]. With SPREAD_MS, check i
    starts after i % SPREAD_MS ms and has no jitter: evenly spread, exactly periodic."""
    text = ('[http]\nlisten = "127.0.0.1:%d"\n%s[shutdown]\ndrain_delay = "%s"\n%s'
            % (http_port, http_extra, drain_delay, extra))
    for i in range(checks):
        text += ('[[checks]]\nname = "dep%d"\ntype = "tcp"\naddress = "127.0.0.1:%d"\n'
                 'interval = "%s"\ntimeout = "500ms"\n' % (i, check_port, interval))
        if spread_ms:
            text += 'initial_delay = "%dms"\njitter = "0s"\n' % (i % spread_ms)
    with open(path, "w") as f:
        f.write(text)
    return path


def start_graced(ctx, name, checks=0, interval="1s", command=("/bin/sleep", "3600"),
                 extra="", http_port=None, http_extra="", drain_delay="0s", spread_ms=0):
    """graced around COMMAND with CHECKS tcp checks; returns (proc, http port, listener)."""
    listener = Listener() if checks else None
    port = http_port or free_port()
    cfg = graced_config(os.path.join(ctx.workdir, name + ".toml"), port, checks,
                        listener.port if listener else 0, interval, extra, http_extra,
                        drain_delay, spread_ms)
    proc = Proc([ctx.graced, "-c", cfg, "--"] + list(command),
                os.path.join(ctx.workdir, name + ".log"))
    return proc, port, listener


def start_nginx(ctx, name="nginx", worker_connections=4096):
    """nginx-light, one process (master_process off), `return 200 "ok"` on a free port."""
    d = os.path.join(ctx.workdir, name)
    os.makedirs(d, exist_ok=True)
    port = free_port()
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid %(d)s/nginx.pid;\n"
            "error_log %(d)s/error.log warn;\nworker_rlimit_nofile %(n)d;\n"
            "events { worker_connections %(n)d; }\n"
            "http {\n  access_log off;\n  keepalive_requests 1000000;\n"
            "  keepalive_timeout 60s;\n"
            "  client_body_temp_path %(d)s/body;\n  proxy_temp_path %(d)s/proxy;\n"
            "  fastcgi_temp_path %(d)s/fastcgi;\n  uwsgi_temp_path %(d)s/uwsgi;\n"
            "  scgi_temp_path %(d)s/scgi;\n"
            "  server {\n    listen 127.0.0.1:%(p)d;\n"
            "    location / { default_type text/plain; return 200 \"ok\"; }\n  }\n}\n"
            % {"d": d, "p": port, "n": worker_connections})
    proc = Proc(["/usr/sbin/nginx", "-p", d, "-c", conf], os.path.join(d, "stdout.log"))
    if not wait_until(lambda: http_status(port, "/") == 200, 10):
        proc.stop()
        raise RuntimeError("nginx did not answer: " + open(os.path.join(d, "error.log")).read())
    return proc, port


def proc_status(pid):
    """VmRSS and VmHWM of PID in KiB."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                k, v = line.split(":", 1)
                out[k] = int(v.split()[0])
    return out


def cpu_seconds(pid):
    """utime + stime of PID in seconds: counted in clock ticks (10 ms), but including the
    threads that have already ended (gRPC's pool threads come and go)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_ns(pid):
    """CPU time of PID's threads in nanoseconds (schedstat's first field): precise enough
    for ~1% of a core. A thread that ends meanwhile is skipped."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except FileNotFoundError:
            pass
    return total


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    return float(m.group(1)) * UNITS[m.group(2)]


def run_wrk(port, path="/readyz", threads=1, conns=50, seconds=5, close=False):
    """wrk --latency; returns {rps, p50_ms, p99_ms, requests, errors}."""
    argv = ["/usr/bin/wrk", "-t%d" % threads, "-c%d" % conns, "-d%ds" % seconds, "--latency",
            "--timeout", "5s"]
    if close:
        argv += ["-H", "Connection: close"]
    argv.append("http://127.0.0.1:%d%s" % (port, path))
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30).stdout
    r = {"raw": out}
    m = re.search(r"Requests/sec:\s*([\d.]+)", out)
    if not m:
        raise RuntimeError("wrk output not understood:\n" + out)
    r["rps"] = float(m.group(1))
    for pct in ("50", "99"):
        m = re.search(r"^\s*%s(?:\.000)?%%\s+([\d.]+(?:us|ms|s|m))\s*$" % pct, out, re.M)
        r["p%s_ms" % pct] = _ms(m.group(1)) if m else float("nan")
    m = re.search(r"(\d+) requests in", out)
    r["requests"] = int(m.group(1)) if m else 0
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        # wrk counts a server's close after a Connection: close answer as a read error
        errors += int(m.group(1)) + int(m.group(3)) + int(m.group(4))
    r["errors"] = errors
    return r


def row(benchmark, graced_fig, peer_fig, ratio, method, **raw):
    return {"benchmark": benchmark, "graced": graced_fig, "peer": peer_fig,
            "ratio": ("%.2f" % ratio) if isinstance(ratio, float) else ratio,
            "method": method, "raw": raw}


def fmt_rps(x):
    return "{:,.0f} req/s".format(x)


def fmt_ms(x):
    return ("%.3f ms" % x) if x < 1 else ("%.2f ms" % x) if x < 100 else ("%.0f ms" % x)


def fmt_mib(kib):
    return "%.1f MiB" % (kib / 1024.0)


def dump(obj):
    return json.dumps(obj, indent=2, default=str)
