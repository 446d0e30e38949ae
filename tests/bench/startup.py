"""Benchmark 3: start-up overhead.

hyperfine (-N: no shell in between) of `graced --set http.listen="127.0.0.1:PORT" -- /bin/true`
(no config file: the default path, with the listener on a fixed port as users run it, a
free loopback port picked once; the runs follow one another, so they never clash) against
`tini -s -- /bin/true` and `dumb-init /bin/true`, all in one hyperfine invocation so they
are measured side by side; mean wall time. Port 0 would measure the kernel's search for a
free ephemeral port, which slows down with the TIME_WAIT sockets the other benchmarks
leave behind.
"""
import json
import os
import subprocess

import benchlib as b

NAME = "startup"


def run(ctx):
    out = os.path.join(ctx.workdir, "hyperfine.json")
    env = dict(os.environ)
    env.pop("GRACED_CONFIG", None)
    if os.path.exists("/etc/graced/graced.toml"):
        raise RuntimeError("/etc/graced/graced.toml exists: the default path would read it")
    port = b.free_port()
    cmds = [
        ("graced", "%s --set http.listen=\"127.0.0.1:%d\" -- /bin/true" % (ctx.graced, port)),
        ("graced-nolisten", "%s --set http.listen=\"\" -- /bin/true" % ctx.graced),
        ("tini", "/usr/bin/tini -s -- /bin/true"),
        ("dumb-init", "/usr/bin/dumb-init /bin/true"),
    ]
    argv = ["/usr/bin/hyperfine", "-N", "--warmup", "5", "--runs", "200", "--style", "none",
            "--export-json", out]
    for _, c in cmds:
        argv.append(c)
    subprocess.run(argv, check=True, timeout=300, stdout=subprocess.DEVNULL, env=env)
    with open(out) as f:
        res = json.load(f)["results"]
    mean = {name: r["mean"] * 1000 for (name, _), r in zip(cmds, res)}
    sd = {name: r["stddev"] * 1000 for (name, _), r in zip(cmds, res)}
    rows = []
    for peer in ("tini", "dumb-init"):
        rows.append(b.row("start-up + exit around /bin/true (mean)",
                          "%.2f ms ± %.2f" % (mean["graced"], sd["graced"]),
                          "%s %.2f ms ± %.2f" % (peer, mean[peer], sd[peer]),
                          mean["graced"] / mean[peer],
                          "hyperfine -N --warmup 5 --runs 200; graced with no config file, "
                          "--set http.listen=\"127.0.0.1:PORT\" (a free port picked once)",
                          raw_graced=mean["graced"], raw_peer=mean[peer]))
    rows.append(b.row("start-up + exit, no HTTP listener (mean)",
                      "%.2f ms ± %.2f" % (mean["graced-nolisten"], sd["graced-nolisten"]),
                      "tini %.2f ms ± %.2f" % (mean["tini"], sd["tini"]),
                      mean["graced-nolisten"] / mean["tini"],
                      "as above with --set http.listen=\"\": the listener's own cost "
                      "(TIME_WAIT sockets on the host: %d now)" % time_wait(), raw_graced=mean["graced-nolisten"], raw_peer=mean["tini"]))
    return rows


def time_wait():
    n = 0
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                n += sum(1 for line in f if line.split()[3] == "06")
        except (OSError, IndexError):
            pass
    return n
