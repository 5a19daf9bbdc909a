"""Memory, CPU and argument-validation time of the attendance module at N = 10k, 50k and 100k contacts.

The module runs as its own process (``python -m ansible_collections...marketing_event_attendance
ARGS.json``, the way AnsiballZ runs it, without the controller), so ``os.wait4`` gives the peak RSS
of the module process alone. Two runs per N:

- full: a real reconcile (reads, delta, writes of N/2 contacts) against a second emulator with no
  latency and no rate limit (memory and CPU do not depend on them), P = max(P, N) participations;
- validation: the same arguments with ``base_url`` on a closed local port and ``max_retries: 0``:
  the module validates everything, then its first request is refused and it exits. Validation
  time = the median of 3 such runs minus the median of 3 with one contact.
"""

import socket
import statistics

from hmbench.emulator import JOINED_AT, LEFT_AT, TOKEN, attended_count, seed_event


def closed_port_url():
    """A local URL nothing listens on (the port of a socket just closed)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return "http://127.0.0.1:%d" % port


def module_args(base_url, event_id, contacts):
    return {"access_token": TOKEN, "base_url": base_url, "event_id": str(event_id), "state": "attended",
            "joined_at": JOINED_AT, "left_at": LEFT_AT, "contacts": contacts}


def _validation_run(runner, url, contacts):
    res = runner.module(dict(module_args(url, 1, contacts), max_retries=0))
    res["validation_failed"] = bool(res.get("result") and res["result"].get("validation_errors"))
    return res


def measure_memory(runner, emu, base_url, sizes, participations):
    url = closed_port_url()
    base = [_validation_run(runner, url, [{"email": "one@bench.example.com"}]) for dummy in range(3)]
    base_wall = statistics.median(r["wall_s"] for r in base)
    base_cpu = statistics.median(r["cpu_s"] for r in base)
    rows = []
    for n in sizes:
        p = max(participations, n)
        event_id, contacts, delta = seed_event(emu, n, p)
        full = runner.module(module_args(base_url, event_id, contacts))
        ok = full["rc"] == 0 and attended_count(emu, contacts) == n
        vals = [_validation_run(runner, url, contacts) for dummy in range(3)]
        val = sorted(vals, key=lambda r: r["wall_s"])[1]
        rows.append({
            "n": n, "p": p, "delta": delta, "exit_code": full["rc"], "outcome": "all %d attended" % n if ok else "**failed**",
            "module_rss_mib": round(full["tree_rss_mib"], 1), "wall_s": round(full["wall_s"], 3),
            "cpu_s": round(full["cpu_s"], 3), "api_calls": (full.get("result") or {}).get("api_calls"),
            "validation_rss_mib": round(val["tree_rss_mib"], 1),
            "validation_s": round(val["wall_s"] - base_wall, 3), "validation_cpu_s": round(val["cpu_s"] - base_cpu, 3),
            "validation_refused_input": any(v["validation_failed"] for v in vals),
        })
        print("  module alone N=%-7d peak RSS %6.1f MiB, wall %6.2f s, CPU %6.2f s; validation %5.2f s" % (
            n, rows[-1]["module_rss_mib"], rows[-1]["wall_s"], rows[-1]["cpu_s"], rows[-1]["validation_s"]), flush=True)
    return {"baseline_wall_s": round(base_wall, 3), "baseline_cpu_s": round(base_cpu, 3), "rows": rows,
            "targets": memory_targets(rows)}


def memory_targets(rows):
    by_n = dict((r["n"], r) for r in rows)
    top = by_n.get(100000)
    targets = {}
    if top:
        targets["peak RSS at 100k <= 300 MiB"] = top["module_rss_mib"] <= 300
        targets["validation at 100k <= 2 s"] = top["validation_s"] <= 2.0
    if len(rows) >= 3:
        a, m, z = rows[0], rows[len(rows) // 2], rows[-1]
        low = (m["module_rss_mib"] - a["module_rss_mib"]) / float(m["n"] - a["n"])
        high = (z["module_rss_mib"] - m["module_rss_mib"]) / float(z["n"] - m["n"])
        targets["memory linear or better"] = high <= 1.2 * max(low, 1e-9)
    return targets
