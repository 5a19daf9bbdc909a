"""Interpreter wrapper that measures each module process Ansible starts (``make bench``).

The benchmark writes a copy of this file with ``#!<the real Python>`` as its first line and gives
it to Ansible as ``ansible_python_interpreter``. Ansible then runs ``<copy> AnsiballZ_<module>.py``;
the copy starts the real Python as a child with the same arguments, waits for it with
``os.wait4`` and appends one JSON line to ``$BENCH_MODULE_LOG``: the module, its wall time, its
CPU time, its peak RSS (``ru_maxrss`` of that process alone), and when it started and ended (epoch
seconds, to set beside the emulator's request log). Output and exit code pass through.
"""

import json
import os
import sys
import time


def main():
    started_at = time.time()
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.execv(sys.executable, [sys.executable] + sys.argv[1:])
    dummy, status, usage = os.wait4(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    log = os.environ.get("BENCH_MODULE_LOG")
    if log:
        name = os.path.basename(sys.argv[1]) if len(sys.argv) > 1 else ""
        if name.startswith("AnsiballZ_") and name.endswith(".py"):
            name = name[len("AnsiballZ_"):-3]
        entry = {"module": name, "wall_s": round(time.perf_counter() - start, 3), "rc": code,
                 "cpu_s": round(usage.ru_utime + usage.ru_stime, 3), "peak_rss_mib": round(usage.ru_maxrss / 1024.0, 1),
                 "started_at": round(started_at, 4), "ended_at": round(time.time(), 4)}
        with open(log, "a") as handle:
            handle.write(json.dumps(entry) + "\n")
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main())
