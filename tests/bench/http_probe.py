"""Benchmark 1: HTTP probe throughput and latency.

wrk -t1 -c50 -d5s --latency on GET /readyz of graced (10 tcp readiness checks at 1s
against a local listener, so the engine runs during the load) against nginx-light with one
process answering `return 200 "ok"`. Keep-alive, then `Connection: close`. The two servers
are measured alternately, ROUNDS times each; the medians are reported.
"""
import statistics

import benchlib as b

NAME = "http_probe"


def run(ctx):
    graced = nginx = listener = None
    results = {("graced", False): [], ("nginx", False): [],
               ("graced", True): [], ("nginx", True): []}
    try:
        graced, gport, listener = b.start_graced(ctx, "http-graced", checks=10)
        if not b.wait_until(lambda: b.http_status(gport) == 200, 20):
            raise RuntimeError("graced never became ready:\n" + graced.read_log()[-2000:])
        nginx, nport = b.start_nginx(ctx)
        for close in (False, True):
            for _ in range(ctx.rounds):
                for who, port, path in (("graced", gport, "/readyz"), ("nginx", nport, "/")):
                    r = b.run_wrk(port, path, conns=50, seconds=ctx.seconds, close=close)
                    results[(who, close)].append(r)
                    ctx.log("  %s %s: %.0f req/s p99 %.2f ms errors %d" % (
                        who, "close" if close else "keep-alive", r["rps"], r["p99_ms"],
                        r["errors"]))
    finally:
        for p in (graced, nginx):
            if p:
                p.stop()
        if listener:
            listener.close()

    rows = []
    for close in (False, True):
        g, n = results[("graced", close)], results[("nginx", close)]
        mode = "Connection: close" if close else "keep-alive"
        method = ("wrk -t1 -c50 -d%ds --latency%s, GET /readyz (10 tcp checks) vs nginx-light "
                  "1 process `return 200 \"ok\"`; median of %d alternating runs; errors "
                  "graced %d, nginx %d" % (ctx.seconds, " -H 'Connection: close'" if close else "",
                                           ctx.rounds, sum(r["errors"] for r in g),
                                           sum(r["errors"] for r in n)))
        g_rps = statistics.median(r["rps"] for r in g)
        n_rps = statistics.median(r["rps"] for r in n)
        g_p99 = statistics.median(r["p99_ms"] for r in g)
        n_p99 = statistics.median(r["p99_ms"] for r in n)
        rows.append(b.row("HTTP /readyz throughput, %s" % mode, b.fmt_rps(g_rps),
                          "nginx " + b.fmt_rps(n_rps), g_rps / n_rps, method,
                          raw_graced=[r["rps"] for r in g], raw_peer=[r["rps"] for r in n]))
        rows.append(b.row("HTTP /readyz p99 latency, %s" % mode, b.fmt_ms(g_p99),
                          "nginx " + b.fmt_ms(n_p99), g_p99 / n_p99, method,
                          raw_graced=[r["p99_ms"] for r in g], raw_peer=[r["p99_ms"] for r in n]))
    return rows
