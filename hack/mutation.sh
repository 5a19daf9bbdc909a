#!/usr/bin/env bash
# `make mutation`: mutation testing of plugins/module_utils with mutmut (not part of `make test`).
#
# Mutates a staged copy (the work tree is never touched), runs the unit tests under tests/unit
# in-process against every mutant (only the tests that cover the mutated function), and writes
# build/mutation/report.md (score per file, surviving mutants with file:line and diff),
# summary.json, survivors.txt and mutmut.log.
#
#   FILES="_attendance.py _client.py"   limit to these files of plugins/module_utils (default: all)
#   MUTATION_JOBS=N                     parallel mutant workers (default 1; the machine is shared)
#   MUTATION_TESTS="tests/unit/plugins/module_utils"   the tests run against the mutants (default tests/unit);
#                                       narrower is much faster, but kills fewer mutants
#   MUTANTS="*x_scrub* *_Retry*"         only the mutants whose names match these patterns (mutmut's names,
#                                       e.g. <module>.x_<function>__mutmut_<n>, <module>.xǁ<Class>ǁ<method>__mutmut_<n>)
#
# Not run against mutants, to keep a run bounded: test_marketing_event_attendance.py::test_thousands_of_contacts
# (a scale test, 7 s). The property and transport-fault tests live in tests/functional, outside tests/unit.
set -euo pipefail

# shellcheck source=hack/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

hm_script_setup

out="${HM_ROOT}/build/mutation"
coll="ansible_collections/hubspot/marketing"
utils="${coll}/plugins/module_utils"
jobs="${MUTATION_JOBS:-1}"
tests=()
for t in ${MUTATION_TESTS:-tests/unit}; do
    [ -e "${HM_ROOT}/${t%%::*}" ] || { hm_say "MUTATION_TESTS: no ${t%%::*}"; exit 2; }
    tests+=("${coll}/${t}")
done

py="$(hm_python_for_core 2.19)" || { hm_say "no Python 3.11 found"; exit 1; }
venv="$(hm_ensure_venv mutation "$py")"

# FILES: names (or paths ending in the name) of files in plugins/module_utils.
only=()
for f in ${FILES:-}; do
    f="${f##*/}"
    [ -f "${HM_ROOT}/plugins/module_utils/${f}" ] || { hm_say "FILES: no plugins/module_utils/${f}"; exit 2; }
    only+=("${utils}/${f}")
done

hm_stage
# mutmut reads its settings from setup.cfg in the directory it runs in: the stage root.
{
    echo "[mutmut]"
    echo "source_paths = ${utils}"
    echo "also_copy = ansible_collections"
    if [ "${#only[@]}" -gt 0 ]; then
        echo "only_mutate ="
        printf '    %s\n' "${only[@]}"
    fi
    echo "pytest_add_cli_args_test_selection ="
    printf '    %s\n' "${tests[@]}"
    echo "    --deselect=${coll}/tests/unit/plugins/modules/test_marketing_event_attendance.py::test_thousands_of_contacts"
    echo "pytest_add_cli_args = -p no:cacheprovider"
    echo "use_git_change_detection = false"
} >"${HM_STAGE_ROOT}/setup.cfg"

rm -rf "$out"
mkdir -p "$out"
hm_header "mutation testing of plugins/module_utils: ${FILES:-all files}, tests: ${MUTATION_TESTS:-tests/unit} (${jobs} worker(s))"
start="$(date +%s)"
# mutmut puts mutants/ first on sys.path and takes the stage root off it, so the tests import
# the mutated ansible_collections.hubspot.marketing.
# shellcheck disable=SC2086 # MUTANTS holds several patterns, each passed on as it is
if ! (cd "$HM_STAGE_ROOT" && set -f && "${venv}/bin/mutmut" run --max-children "$jobs" ${MUTANTS:-}) </dev/null >"${out}/mutmut.log" 2>&1; then
    tr '\r' '\n' <"${out}/mutmut.log" | grep -v '^. [0-9]*/[0-9]* ' | tail -n 60
    hm_say "mutmut run failed (log: build/mutation/mutmut.log)"
    exit 1
fi
seconds=$(( $(date +%s) - start ))
(cd "$HM_STAGE_ROOT" && "${venv}/bin/python" "${HM_ROOT}/hack/mutation_report.py" --out "$out" --seconds "$seconds") </dev/null
echo "mutation run took ${seconds} s; report: build/mutation/report.md"
