"""Performance benchmark of hubspot.marketing against the HubSpot emulator (``make bench``).

Not a test: it runs real ``ansible-playbook`` processes, the peer scripts and the module itself
end to end against ``tests/emulator/hubspot_emulator.py`` with a profile's latency and rate limit,
counts the requests from the emulator's request log, checks the outcome in the emulator's state,
and writes ``benchmarks/results/<profile>/`` (results.md, results.json, wall_vs_n.png).

    python benchmarks/bench.py --profile realistic|starter|fast [--python PY] [--collections-path DIR]

Run it with the bench venv's Python (hack/venvs/bench.txt: the SDK and matplotlib); ``--python``
(default $BENCH_PYTHON or this interpreter) must have ansible-core, requests and jsonschema.
See benchmarks/README.md for what is measured and how the floors and targets are computed.
"""

import argparse
import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))

# pylint: disable=wrong-import-position
from process import running_emulator  # noqa: E402
from hmbench import memory, plot, report, scenarios  # noqa: E402
from hmbench.emulator import Emulator  # noqa: E402
from hmbench.runner import Runner  # noqa: E402

COMMON = {"participations": 20000, "sizes": [1000, 10000], "memory_sizes": [10000, 50000, 100000]}
PROFILES = {
    # HubSpot Professional/Enterprise: 190 requests per 10 s per app; answers in 100-300 ms.
    # Sized for a run under 25 minutes on a shared 2-core machine: the reconcile at the largest N is the
    # median of 3, the other rows run once. The uri loop costs Ansible's per-item overhead + one request
    # per contact (0.45 to 2.5 s): measured on 150 contacts, extrapolated to 1,000 and 10,000 (labelled).
    "realistic": dict(COMMON, latency_ms=150, rate_limit=190, repeat=3, repeat_others=1, uri_max=150, script_max=300),
    # Free/Starter: 100 per 10 s. Runs once each; the slow peers on fewer contacts (their targets are at
    # realistic); no module-alone runs (they use an emulator without latency or limit: see realistic).
    "starter": dict(COMMON, latency_ms=150, rate_limit=100, repeat=1, repeat_others=1, uri_max=100, script_max=200, starter_targets=True,
                    memory_sizes=[]),
    # The quick check: 20 ms, no rate limit.
    "fast": dict(COMMON, latency_ms=20, rate_limit=0, repeat=1, repeat_others=1, uri_max=100, script_max=500),
}
PLOT_NAME = "wall_vs_n.png"
# The docs page that shows the realistic table (and, through hack/docs.sh, the realistic plot).
DOCS_PAGE = os.path.join(ROOT, "docs", "docsite", "rst", "performance.rst")


def stage_collection(workdir):
    """Copy the git-visible files of the collection to WORKDIR/collections/ansible_collections/hubspot/marketing."""
    dest_root = os.path.join(workdir, "collections")
    dest = os.path.join(dest_root, "ansible_collections", "hubspot", "marketing")
    names = subprocess.check_output(["git", "-C", ROOT, "ls-files", "-co", "--exclude-standard", "-z"],
                                    stdin=subprocess.DEVNULL).decode().split("\0")
    for name in names:
        src = os.path.join(ROOT, name)
        if not name or name.startswith(("tests/", "benchmarks/")) or not os.path.isfile(src):
            continue
        target = os.path.join(dest, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(src, target)
    return dest_root


def parse_args(argv):
    parser = argparse.ArgumentParser(description="hubspot.marketing performance benchmark (make bench)")
    parser.add_argument("--profile", choices=sorted(PROFILES), default=os.environ.get("PROFILE") or "fast",
                        help="realistic (150 ms, 190/10 s), starter (150 ms, 100/10 s) or fast (20 ms, no limit)")
    parser.add_argument("--python", default=os.environ.get("BENCH_PYTHON") or sys.executable,
                        help="interpreter with ansible-core, requests, jsonschema; runs ansible-playbook, the modules and "
                             "the per-contact script (default: $BENCH_PYTHON or this interpreter)")
    parser.add_argument("--collections-path", default=os.environ.get("ANSIBLE_COLLECTIONS_PATH"),
                        help="holds ansible_collections/hubspot/marketing (default: a copy of this tree in a temp dir)")
    parser.add_argument("--repeat", type=int, help="runs of the reconcile at the largest N, median shown (default: the profile's)")
    parser.add_argument("--repeat-others", type=int, help="runs of the rerun, info and lookup rows (default: the profile's)")
    parser.add_argument("--uri-max", type=int, help="contacts the uri loop is measured on (default: the profile's)")
    parser.add_argument("--script-max", type=int, help="contacts the per-contact script is measured on")
    parser.add_argument("--sizes", help="comma list of N (default 1000,10000)")
    parser.add_argument("--participations", type=int, help="P (default 20000)")
    parser.add_argument("--memory-sizes", help="comma list of N for the module-alone runs (default 10000,50000,100000)")
    parser.add_argument("--skip-memory", action="store_true", help="skip the module-alone runs")
    parser.add_argument("--output-dir", help="default benchmarks/results/<profile>; '' writes nothing")
    args = parser.parse_args(argv)
    settings = dict(PROFILES[args.profile], profile=args.profile)
    for key in ("repeat", "repeat_others", "uri_max", "script_max", "participations"):
        if getattr(args, key) is not None:
            settings[key] = getattr(args, key)
    for key in ("sizes", "memory_sizes"):
        if getattr(args, key):
            settings[key] = [int(x) for x in getattr(args, key).split(",") if x]
    if args.output_dir is None:
        args.output_dir = os.path.join(HERE, "results", args.profile)
    args.python = os.path.abspath(args.python) if os.sep in args.python else (shutil.which(args.python) or args.python)
    return args, settings


def emulator_args(settings):
    return ["--latency-ms", str(settings["latency_ms"]), "--rate-limit", str(settings["rate_limit"])]


def run_profile(args, settings, workdir):
    runner = Runner(args.python, args.collections_path, workdir)
    with running_emulator(*emulator_args(settings)) as base_url:
        print("emulator %s: %s" % (base_url, " ".join(emulator_args(settings))), flush=True)
        bench = scenarios.run_all(scenarios.Bench(settings, runner, Emulator(base_url), base_url))
    mem = None
    if settings["memory_sizes"] and not args.skip_memory:
        with running_emulator("--latency-ms", "0") as base_url:
            print("module alone, emulator %s without latency or rate limit" % base_url, flush=True)
            mem = memory.measure_memory(runner, Emulator(base_url), base_url, settings["memory_sizes"],
                                        settings["participations"])
    return bench, mem


def results_data(args, settings, bench, mem, info, started, elapsed):
    return {"schema": 2, "profile": settings["profile"], "date": started.strftime("%Y-%m-%d %H:%M UTC"),
            "machine": info, "settings": settings, "lags": bench.lags, "ping_wall_s": round(bench.ping, 3),
            "bench_seconds": round(elapsed, 1), "measurements": bench.rows, "memory": mem, "failures": bench.failures}


def main(argv=None):
    args, settings = parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="hubspot-marketing-bench.")
    try:
        if not args.collections_path:
            args.collections_path = stage_collection(workdir)
        info = report.machine_info(args.python)
        started = datetime.datetime.now(datetime.timezone.utc)
        print("hubspot.marketing benchmark, profile %s: %s" % (settings["profile"], settings), flush=True)
        t0 = time.monotonic()
        bench, mem = run_profile(args, settings, workdir)
        elapsed = time.monotonic() - t0
        info["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    data = results_data(args, settings, bench, mem, info, started, elapsed)
    print()
    print(report.main_table(bench.rows))
    if args.output_dir:
        os.makedirs(args.output_dir, exist_ok=True)
        title = "profile %s: %d ms, %s" % (settings["profile"], settings["latency_ms"],
                                           "%d req/10 s" % settings["rate_limit"] if settings["rate_limit"] else "no rate limit")
        drawn = plot.plot(bench.rows, os.path.join(args.output_dir, PLOT_NAME), title)
        report.write(args.output_dir, data, PLOT_NAME if drawn else None)
        if settings["profile"] == "realistic" and args.output_dir == os.path.join(HERE, "results", "realistic"):
            report.update_docs(DOCS_PAGE, data)
        print("\nwrote %s/ (results.md, results.json%s)" % (args.output_dir, ", " + PLOT_NAME if drawn else ""))
    if bench.failures:
        print("\nFAILED runs: %s" % ", ".join(bench.failures))
    return 1 if bench.failures else 0


if __name__ == "__main__":
    sys.exit(main())
