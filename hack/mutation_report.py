# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Report of a `mutmut run` (hack/mutation.sh): score per file, surviving mutants with file:line and diff.

Run from the directory `mutmut run` ran in (it holds setup.cfg and mutants/), with the mutation
venv's Python (it reads mutmut's results through mutmut's own modules). Writes OUT/report.md and
OUT/summary.json and prints the summary table.

The score is detected / checked, where detected counts killed, timed-out and type-check caught
mutants, and checked is every mutant but the skipped and not checked ones; "no tests" mutants (no
unit test runs the function) count against it.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
from pathlib import Path

from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code
from mutmut.utils.file_utils import walk_mutatable_files
from mutmut.utils.format_utils import orig_function_and_class_names_from_key

DETECTED = ("killed", "timeout", "caught by type check")
NOT_SCORED = ("skipped", "not checked")  # "not checked": left out by MUTANTS, or the run was stopped
SHOWN = ("survived", "no tests", "suspicious", "segfault")  # listed with their diff; "not checked" only counted
HUNK = re.compile(r"^@@ -(\d+)")


def function_spans(source):
    """{(class or None, function name): (first line, last line)} of top-level functions and methods."""
    spans = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            spans[(None, node.name)] = (node.lineno, node.end_lineno)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    spans[(node.name, item.name)] = (item.lineno, item.end_lineno)
    return spans


def first_removed_line(diff):
    """(line number inside the diffed function text, stripped text) of the diff's first '-' line."""
    old = None
    for line in diff.splitlines():
        match = HUNK.match(line)
        if match:
            old = int(match.group(1))
        elif old is None or line.startswith(("---", "+++")):
            continue
        elif line.startswith("-"):
            return old, line[1:].strip()
        elif line.startswith(" "):
            old += 1
    return None, ""


def mutant_line(name, diff, lines, spans):
    """Best file line of the mutation: the removed line's text, searched in the function's span."""
    func, cls = orig_function_and_class_names_from_key(name)
    start, end = spans.get((cls, func), (1, len(lines)))
    offset, text = first_removed_line(diff)
    guess = start + (offset or 1) - 1
    hits = [n for n in range(start, end + 1) if text and lines[n - 1].strip() == text]
    if hits:
        return min(hits, key=lambda n: abs(n - guess))
    return start


def collect(collection_prefix):
    files = []
    for path in walk_mutatable_files():
        data = SourceFileMutationData(path=path)
        data.load()
        if not data.exit_code_by_key:
            continue
        source = Path(path).read_text(encoding="utf-8")
        lines = source.splitlines()
        spans = function_spans(source)
        counts = {}
        shown = []
        for name, code in sorted(data.exit_code_by_key.items()):
            status = status_by_exit_code[code]
            counts[status] = counts.get(status, 0) + 1
            if status in SHOWN:
                diff = get_diff_for_mutant(name, path=path)
                shown.append({"name": name.rpartition(".")[2], "status": status,
                              "line": mutant_line(name, diff, lines, spans), "diff": diff})
        total = sum(counts.values())
        scored = total - sum(counts.get(s, 0) for s in NOT_SCORED)
        detected = sum(counts.get(s, 0) for s in DETECTED)
        rel = str(path)[len(collection_prefix):] if str(path).startswith(collection_prefix) else str(path)
        files.append({"file": rel, "total": total, "detected": detected, "counts": counts,
                      "score": round(100.0 * detected / scored, 1) if scored else None,
                      "mutants": sorted(shown, key=lambda m: (m["line"], m["name"]))})
    return files


def table(files):
    rows = ["| file | mutants | checked | detected | survived | no tests | other | score |",
            "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for f in files:
        c = f["counts"]
        checked = f["total"] - sum(c.get(s, 0) for s in NOT_SCORED)
        other = checked - f["detected"] - c.get("survived", 0) - c.get("no tests", 0)
        rows.append("| %s | %d | %d | %d | %d | %d | %d | %s%% |" % (
            f["file"], f["total"], checked, f["detected"], c.get("survived", 0), c.get("no tests", 0), other, f["score"]))
    return "\n".join(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--prefix", default="ansible_collections/hubspot/marketing/",
                        help="path prefix removed from the file names in the report")
    parser.add_argument("--seconds", type=float, default=None, help="wall time of the run, for the report")
    args = parser.parse_args()

    files = collect(args.prefix)
    args.out.mkdir(parents=True, exist_ok=True)
    summary = table(files)
    report = ["# Mutation testing report (mutmut)", "", summary, ""]
    if args.seconds is not None:
        report += ["Run time: %d s." % args.seconds, ""]
    for f in files:
        report += ["## %s" % f["file"], ""]
        if not f["mutants"]:
            report += ["Every mutant was detected.", ""]
        for m in f["mutants"]:
            report += ["### %s:%d %s (%s)" % (f["file"], m["line"], m["name"], m["status"]), "",
                       "```diff", m["diff"], "```", ""]
    (args.out / "report.md").write_text("\n".join(report), encoding="utf-8")
    (args.out / "summary.json").write_text(json.dumps({"seconds": args.seconds, "files": files}, indent=2), encoding="utf-8")
    survivors = ["%s:%d %s %s" % (f["file"], m["line"], m["name"], m["status"]) for f in files for m in f["mutants"]]
    (args.out / "survivors.txt").write_text("".join(s + "\n" for s in survivors), encoding="utf-8")

    print(summary)
    print("%d mutant(s) not detected; details: %s" % (len(survivors), args.out / "report.md"))


if __name__ == "__main__":
    main()
