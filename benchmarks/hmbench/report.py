"""results.md (tables + machine info) and results.json of one profile run."""

import json
import os
import platform
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or ""


def _commit():
    try:
        commit = subprocess.check_output(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], stderr=subprocess.DEVNULL,
                                         stdin=subprocess.DEVNULL).decode().strip()
        dirty = subprocess.check_output(["git", "-C", ROOT, "status", "--porcelain", "--", "plugins", "meta", "galaxy.yml"],
                                        stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL).decode().strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + (" (uncommitted changes)" if dirty else "")


def machine_info(python):
    probe = ("import ansible.release, json, platform, sys; print(json.dumps({'python': platform.python_version(), "
             "'ansible_core': ansible.release.__version__}))")
    info = json.loads(subprocess.check_output([python, "-c", probe], stdin=subprocess.DEVNULL).decode())
    info.update({"load_average_at_start": [round(x, 2) for x in os.getloadavg()], "cores": os.cpu_count(),
                 "cpu": _cpu_model(), "os": platform.platform(), "commit": _commit()})
    return info


def fmt_requests(req):
    if not req:
        return ""
    text = "%d (%d R + %d W)" % (req["total"], req["reads"], req["writes"])
    return text + ("*" if req.get("measured_on") else "")


def met_text(row):
    targets, info = row.get("targets"), row.get("targets_informational")
    if targets:
        met = [k for k, v in targets.items() if v]
        missed = [k for k, v in targets.items() if not v]
        return "; ".join(text for text in ("met (%s)" % "; ".join(met) if met else "",
                                           "**not met** (%s)" % "; ".join(missed) if missed else "") if text)
    if info:
        return "(informational) " + "; ".join("%s: %s" % (k, "yes" if v else "no") for k, v in info.items())
    return ""


def _floor_text(row):
    """An own row measured against its floor: the ratios, and the module process against the binding term."""
    text = "%.2f× floor (%s-bound)" % (row["ratio"], row["binding"])
    if row.get("data_ratio"):
        text += "; %.2f× floor with data (%.2f s)" % (row["data_ratio"], row["data_floor_s"])
    bound = row.get("read_write_bound_s")
    if bound and bound > 1.01 * row["floor_s"]:
        text += "; %.2f× the read-then-write bound (%.2f s)" % (row["wall_s"] / bound, bound)
    term = max(row.get("chain_floor_s") or 0, row.get("rate_floor_s") or 0)
    if row.get("module_wall_s") and term:
        text += "; module process %.2f s = %.2f× the %s term" % (row["module_wall_s"], row["module_wall_s"] / term, row["binding"])
    return text


def _peer_text(row):
    """A peer's row: ours against it (the default plan, and force: true), and how it was measured."""
    parts = []
    if "ours_speedup" in row:
        parts.append("ours %.1f× faster" % row["ours_speedup"])
    if "force_speedup" in row:
        parts.append("with force: true %.1f× faster" % row["force_speedup"])
    if "ours_to_sdk" in row:
        parts.append("ours = %.2f×, rerun = %.2f× this" % (row["ours_to_sdk"], row.get("rerun_to_sdk", 0)))
    if "force_to_sdk" in row:
        parts.append("with force: true %.2f×, its rerun %.2f×" % (row["force_to_sdk"], row.get("force_rerun_to_sdk", 0)))
    if row.get("extrapolated"):
        parts.append("extrapolated from %d items (%.1f s)" % (row["measured_items"], row["measured_wall_s"]))
    elif row.get("measured_items") and row["measured_items"] < row["n"]:
        parts.append("measured on %d items" % row["measured_items"])
    return "; ".join(parts)


def _ratio_text(row):
    kind = row["kind"]
    if kind in ("ping", "ping_data"):
        return "reference, median of %d" % len(row["wall_runs_s"])
    if kind == "verify":
        return ("%.2f× floor; verify: %d reads (%d in its last round) in %d rounds via the %s breakdown; "
                "it costs %.1f s = %.2f× (its reads once caught up + %g s lag)") % (
            row["ratio"], row["verify_reads"], row["verify_reads_one_round"], row["verify_rounds"], row["verify_breakdown"],
            row["verify_cost_s"], row["verify_ratio"] or 0, row["verify_lag_s"])
    if "ratio" in row:
        return _floor_text(row)
    return _peer_text(row)


def main_table(rows):
    lines = ["| Measurement | Requests (R+W) | 429s | Wall s | Floor s | Result | Module RSS MiB | Outcome (emulator state) | Target |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        req = row.get("requests") or {}
        lines.append("| %s | %s | %s | %.2f | %s | %s | %s | %s | %s |" % (
            row["name"], fmt_requests(req), req.get("status_429", ""), row["wall_s"],
            "%.2f" % row["floor_s"] if row.get("floor_s") else "", _ratio_text(row),
            "%.0f" % row["module_rss_mib"] if row.get("module_rss_mib") else "", row.get("outcome", ""), met_text(row)))
    return "\n".join(lines)


TIMELINE_PARTS = (("before_first_request_s", "Before the first request"), ("reading_s", "Reading"),
                  ("writing_s", "Writing"), ("verify_s", "Reads after writing"), ("after_last_answer_s", "After the last answer"))


def timeline_rows(rows):
    """(name, timeline, the rest) of the rows whose module process was timed beside the request log."""
    out = []
    for row in rows:
        timeline = row.get("timeline")
        if timeline:
            rest = timeline["wall_s"] - sum(timeline[key] for key, dummy in TIMELINE_PARTS)
            out.append((row["name"], timeline, rest))
    return out


def _timeline_cells(timeline, rest):
    cells = ["%.2f" % timeline["wall_s"]] + ["%.2f" % timeline[key] for key, dummy in TIMELINE_PARTS]
    if timeline["writes_in_flight_max"]:
        cells[3] += " (%d in flight)" % timeline["writes_in_flight_max"]
    return cells + ["%.2f" % (rest if abs(rest) >= 0.005 else 0.0)]


TIMELINE_HEADERS = ["Measurement", "Module process s"] + [title for dummy, title in TIMELINE_PARTS] + ["Between"]


def timeline_table(rows):
    """Where the module process's time went: the emulator's request times beside the process's start and end."""
    lines = ["| %s |" % " | ".join(TIMELINE_HEADERS), "|%s" % ("---|" * len(TIMELINE_HEADERS))]
    for name, timeline, rest in timeline_rows(rows):
        lines.append("| %s |" % " | ".join([name] + _timeline_cells(timeline, rest)))
    return "\n".join(lines)


TIMELINE_TEXT = ("Seconds, from the module process's start and end and the emulator's request log: before the first request "
                 "(interpreter, AnsiballZ, imports, validation), reading before the first write, writing (first write sent to "
                 "last write answered; the most writes in flight at once), reads after writing (verify, from the last write's "
                 "answer, with its waits), after the last answer (building and returning the result), and between the phases.")


def memory_table(memory):
    lines = ["| N (P) | Module peak RSS MiB | Wall s | CPU s | Validation s (CPU s) | Outcome |", "|---|---|---|---|---|---|"]
    for row in memory["rows"]:
        lines.append("| %d (%d) | %.0f | %.2f | %.2f | %.2f (%.2f) | %s |" % (
            row["n"], row["p"], row["module_rss_mib"], row["wall_s"], row["cpu_s"], row["validation_s"],
            row["validation_cpu_s"], row["outcome"]))
    targets = memory["targets"]
    lines.append("")
    lines.append("Targets: " + "; ".join("%s: %s" % (k, "met" if v else "**not met**") for k, v in targets.items()))
    return "\n".join(lines)


def header(data):
    s, info = data["settings"], data["machine"]
    rate = "%d requests per 10 s" % s["rate_limit"] if s["rate_limit"] else "no rate limit"
    return "\n".join([
        "# hubspot.marketing benchmark: profile `%s`" % data["profile"],
        "",
        "- Date %s; `make bench PROFILE=%s` ran %.0f s (%.1f min)." % (
            data["date"], data["profile"], data["bench_seconds"], data["bench_seconds"] / 60.0),
        "- Machine: %d cores (%s), %s; Python %s; ansible-core %s; commit %s; load average %s at start, %s at end." % (
            info["cores"], info["cpu"], info["os"], info["python"], info["ansible_core"], info["commit"],
            info["load_average_at_start"][0], info["load_average_at_end"][0]),
        "- Emulator: %d ms latency per request, %s, lags: contact %g s, event %g s. One event with P = %d participations; "
        "contacts by email; of the N contacts half already attended (with the span the runs give), a quarter registered, "
        "a quarter absent: delta = N/2." % (s["latency_ms"], rate, data["lags"]["contact_lag"], data["lags"]["event_lag"],
                                            s["participations"]),
        "- Floor = one `ping` task (%.2f s) + max(requests ÷ rate limit, longest chain of requests that must follow one "
        "another × latency); the chain is the longest cursor walk in the request log (+1 for a lone first page), +1 round "
        "of writes, + the reads after the writes. *Floor with data* uses instead one `ping` task whose `data` is the "
        "row's N contacts (Ansible's own cost of templating, sending and returning N contacts once, which any module given "
        "the list pays); the targets are judged on the floor. *Read-then-write bound* (shown where it exceeds the floor): "
        "the least time any client needs when the writes need every read first, under the rolling rate window "
        "(benchmarks/README.md)." % data["ping_wall_s"],
        "- Runs: the reconcile at N=%d (at the default `write_concurrency` and at its maximum) median of %d, "
        "the ping of at least 3, the rerun, info and lookup rows median of %d, "
        "the other rows once. uri loop measured on %d contacts, per-contact script on %d; larger N extrapolated linearly "
        "and labelled; `*` = requests expected, not counted." % (
            max(s["sizes"]), s["repeat"], s["repeat_others"], s["uri_max"], s["script_max"]),
        "- Module process = wall time of the module process alone, beside the floor's binding term without the ping: "
        "the rest of a row's wall is Ansible's own. "
        "Module RSS = peak RSS of the module process alone (interpreter wrapper, `os.wait4`); the lookup runs in the "
        "controller and has none. Outcome = what the emulator's `/_emulator/state` holds after the run.",
        "",
    ])


def write(out_dir, data, plot_name):
    text = header(data) + "\n" + main_table(data["measurements"]) + "\n"
    if timeline_rows(data["measurements"]):
        text += "\n## Where the module process's time goes\n\n%s\n\n%s\n" % (TIMELINE_TEXT, timeline_table(data["measurements"]))
    if data.get("memory"):
        text += "\n## The module alone at N = %s (no latency, no rate limit)\n\n" % ", ".join(
            "{:,}".format(r["n"]) for r in data["memory"]["rows"])
        text += ("Validation = the median of 3 runs that validate the N contacts and stop at their first request, "
                 "minus the same with one contact.\n\n")
        text += memory_table(data["memory"]) + "\n"
    if plot_name:
        text += "\n![wall time against N](%s)\n" % plot_name
    if data["failures"]:
        text += "\nFAILED runs (non-zero exit): %s\n" % ", ".join(data["failures"])
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "results.json"), "w") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
    with open(os.path.join(out_dir, "results.md"), "w") as handle:
        handle.write(text)
    return text


DOCS_BEGIN = ".. BEGIN realistic results"
DOCS_END = ".. END realistic results"


def _rst(text):
    """Plain cell text for reStructuredText: ** stays bold, a lone * is escaped."""
    return str(text).replace("**", "\0").replace("*", "\\*").replace("\0", "**")


def rst_tables(data):
    """The realistic results as list-tables for the docs' performance page."""
    lines = ["Run of %s, ``make bench PROFILE=%s`` (%.0f minutes); %d cores, load average %s at start. %s" % (
        data["date"], data["profile"], data["bench_seconds"] / 60.0, data["machine"]["cores"],
        data["machine"]["load_average_at_start"][0], "Extrapolated rows are labelled; \\* = requests expected, not counted."),
        "", ".. list-table::", "   :header-rows: 1", "",
        "   * - Measurement", "     - Requests (reads + writes)", "     - Wall s", "     - Floor s", "     - Result", "     - Target"]
    for row in data["measurements"]:
        cells = [row["name"], fmt_requests(row.get("requests")), "%.2f" % row["wall_s"],
                 "%.2f" % row["floor_s"] if row.get("floor_s") else "", _ratio_text(row), met_text(row)]
        lines.append("   * - " + _rst(cells[0]))
        lines.extend("     - " + _rst(cell) for cell in cells[1:])
    timelines = timeline_rows(data["measurements"])
    if timelines:
        lines += ["", "Where the module process's time goes. " + TIMELINE_TEXT, "", ".. list-table::", "   :header-rows: 1", ""]
        lines += ["   * - " + TIMELINE_HEADERS[0]] + ["     - " + title for title in TIMELINE_HEADERS[1:]]
        for name, timeline, rest in timelines:
            lines += ["   * - " + _rst(name)] + ["     - " + cell for cell in _timeline_cells(timeline, rest)]
    memory = data.get("memory")
    if memory:
        lines += ["", "The module alone (no latency, no rate limit):", "", ".. list-table::", "   :header-rows: 1", "",
                  "   * - Contacts (participations)", "     - Peak RSS MiB", "     - Wall s", "     - CPU s", "     - Validation s"]
        for row in memory["rows"]:
            lines += ["   * - {:,} ({:,})".format(row["n"], row["p"]), "     - %.0f" % row["module_rss_mib"],
                      "     - %.2f" % row["wall_s"], "     - %.2f" % row["cpu_s"], "     - %.2f" % row["validation_s"]]
        lines += ["", "Targets: " + _rst("; ".join("%s: %s" % (k, "met" if v else "**not met**") for k, v in memory["targets"].items()))]
    return "\n".join(line.rstrip() for line in lines)


def update_docs(path, data):
    """Replace the text between the markers of the performance page with this run's tables."""
    with open(path) as handle:
        text = handle.read()
    start, end = text.index(DOCS_BEGIN), text.index(DOCS_END)
    start = text.index("\n", start) + 1
    text = text[:start] + "\n" + rst_tables(data) + "\n\n" + text[end:]
    with open(path, "w") as handle:
        handle.write(text)
