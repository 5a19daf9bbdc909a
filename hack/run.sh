#!/usr/bin/env bash
# Test driver behind the Makefile.
#
#   hack/run.sh STEP...      STEP: setup complexity sanity units integration emulator lint docs awx test
#   CORE=2.19 hack/run.sh …  restrict the ansible-core versions (default: 2.16 2.19 2.21)
#
# Every stage prints a header; a failing stage does not stop the others. The run ends
# with a summary table and the line "N passed, M failed[, K skipped]"; the exit code
# is non-zero when any stage failed.
set -uo pipefail

# shellcheck source=hack/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# The stages, one file per family (each function runs in a subshell through run_stage).
for _stages in setup ansible_test package checks; do
    # shellcheck source=/dev/null
    source "${HM_ROOT}/hack/stages/${_stages}.sh"
done
unset _stages

CORES="${CORE:-${HM_ALL_CORES}}"
CORES="${CORES//,/ }"
HM_LOGS="$(mktemp -d "${TMPDIR:-/tmp}/hubspot-marketing-logs.XXXXXX")"
export HM_LOGS

declare -a R_NAME=() R_STATUS=() R_TIME=() R_NOTE=()
# The lanes of run_lanes still running: their shells' PIDs and folders (for on_exit).
declare -a LANE_PIDS=() LANE_DIRS=()

on_exit() {
    local i
    for i in "${!LANE_PIDS[@]}"; do _reap_lane "${LANE_DIRS[$i]}" "${LANE_PIDS[$i]}"; done
    hm_cleanup
    rm -rf "${HM_LOGS}"
}
trap on_exit EXIT
# Plain output for logs and CI.
export NO_COLOR=1 PY_COLORS=0 ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0
trap 'exit 130' INT
trap 'exit 143' TERM

# record NAME STATUS SECONDS NOTE
record() {
    R_NAME+=("$1"); R_STATUS+=("$2"); R_TIME+=("$3"); R_NOTE+=("${4:-}")
}

# run_stage NAME FUNCTION ARGS...: rc 0 = PASS, skip() = SKIP (the function says why), else FAIL.
# The function runs in a subshell so `set -e` and traps stay local to the stage.
run_stage() {
    local name="$1"; shift
    local start=$SECONDS rc note="" status
    hm_header "$name"
    : >"${HM_LOGS}/note"
    rm -f "${HM_LOGS}/skipped"
    ( set -e; "$@" )
    rc=$?
    note="$(cat "${HM_LOGS}/note" 2>/dev/null || true)"
    if ! hm_kill_strays; then
        note="${note:+${note}; }killed processes the stage left running"
    fi
    if [ -f "${HM_LOGS}/skipped" ]; then
        status=SKIP
    elif [ "$rc" -eq 0 ]; then
        status=PASS
    else
        status=FAIL
        note="${note:-exit ${rc}}"
    fi
    record "$name" "$status" $((SECONDS - start)) "$note"
    echo "----- ${name}: ${status}$([ "$status" = FAIL ] && echo " (exit ${rc})")"
}

# run_lanes STEP...: run each step (a do_* function, its arguments after spaces) in a background lane
# of its own, all at once, each with its own copy of the stage, logs and stray-process check; then show
# each lane's output whole, in the order given, and add its rows to the summary. Only for steps that
# share nothing on this machine and whose timing checks have wide margins: `make test` runs the
# sanity lane (one core after the other: ansible-test's sanity venvs under ~/.ansible are shared between
# cores) beside the units lane (their few timing checks have wide margins: a DAILY 429 fails within 1 s,
# the pacer's bound holds under any delay), then the older cores' integration stages (documented examples,
# secrets: no timing) side by side, then the primary core's integration targets in two lanes (see
# do_integration_lanes). The emulator's own tests run alone. Lanes start whatever the number of cores
# (CI has 2).
run_lanes() {
    local lanes i=0 step name status time note
    local -a steps=("$@")
    lanes="$(mktemp -d "${HM_LOGS}/lanes.XXXXXX")"
    LANE_PIDS=() LANE_DIRS=()
    for step in "$@"; do
        mkdir -p "${lanes}/${i}/logs"
        # shellcheck disable=SC2086 # a step is a function name and its arguments, split on spaces
        ( _lane "${lanes}/${i}" $step ) </dev/null >"${lanes}/${i}/out" 2>&1 &
        LANE_PIDS+=("$!") LANE_DIRS+=("${lanes}/${i}")
        i=$((i + 1))
    done
    hm_say "running in parallel: $*"
    _lane_progress "$lanes" "${#steps[@]}"
    for i in "${!steps[@]}"; do
        wait "${LANE_PIDS[$i]}" || true
        cat "${lanes}/${i}/out"
        if [ ! -f "${lanes}/${i}/rows" ]; then
            _reap_lane "${lanes}/${i}" "${LANE_PIDS[$i]}"
            record "${steps[$i]}" FAIL 0 "its lane ended before writing its rows"
            continue
        fi
        while IFS=$'\t' read -r name status time note; do
            record "$name" "$status" "$time" "$note"
        done <"${lanes}/${i}/rows"
    done
    LANE_PIDS=() LANE_DIRS=()
}

# _lane_progress DIR N: until the N lanes have ended, print each stage result as its lane writes it
# (a lane's whole output only comes once it ends, minutes later), marked as progress, not as the result.
_lane_progress() {
    local lanes="$1" n="$2" i j alive
    local -a seen=() lines=()
    while :; do
        alive=0
        for ((i = 0; i < n; i++)); do
            kill -0 "${LANE_PIDS[$i]}" 2>/dev/null && alive=1
            mapfile -t lines < <(grep -E '^----- .*: (PASS|FAIL|SKIP)' "${lanes}/${i}/out" 2>/dev/null)
            for ((j = ${seen[$i]:-0}; j < ${#lines[@]}; j++)); do
                echo "  (lane $((i + 1)) of ${n}, $(date -u +%H:%M:%S)) ${lines[$j]#----- }"
            done
            seen[i]=${#lines[@]}
        done
        [ "$alive" -eq 1 ] || return 0
        sleep 5
    done
}

# _reap_lane DIR PID: stop a lane (when still running) and what its stage left: its processes, its copy.
# Background lanes ignore SIGINT (bash starts them so), hence TERM, and the processes found by stage path.
_reap_lane() {
    local dir="$1" pid="$2" root
    local -a tree
    mapfile -t tree < <(_descendants "$pid")
    kill -TERM "${tree[@]}" "$pid" 2>/dev/null || true
    root="$(cat "${dir}/stage_root" 2>/dev/null || true)"
    [ -n "$root" ] || return 0
    ( HM_STAGE_ROOT="$root"; hm_kill_strays >/dev/null 2>&1 || true; rm -rf "$root" )
}

# _descendants PID: the PIDs of every process below PID.
_descendants() {
    local child
    for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
        echo "$child"
        _descendants "$child"
    done
}

_lane() {
    local dir="$1" i
    shift
    HM_LOGS="${dir}/logs" HM_STAGE="" HM_STAGE_ROOT="" HM_EMULATOR_PID=""
    R_NAME=() R_STATUS=() R_TIME=() R_NOTE=()
    trap hm_cleanup EXIT
    trap 'exit 143' TERM
    ensure_stage
    printf '%s\n' "$HM_STAGE_ROOT" >"${dir}/stage_root"
    "$@"
    for i in "${!R_NAME[@]}"; do
        printf '%s\t%s\t%s\t%s\n' "${R_NAME[$i]}" "${R_STATUS[$i]}" "${R_TIME[$i]}" "${R_NOTE[$i]}"
    done >"${dir}/rows"
}

# note TEXT: a short reason shown in the summary table.
note() { printf '%s' "$*" >"${HM_LOGS}/note"; echo "$*"; }
skip() { note "SKIP: $*"; : >"${HM_LOGS}/skipped"; exit 3; }

# run_logged LOGNAME CMD...: run a noisy command into a log file, print the log if it fails.
run_logged() {
    local log="${HM_LOGS}/$1.log" rc; shift
    "$@" </dev/null >"$log" 2>&1 && return 0
    rc=$?
    echo "command failed (exit ${rc}): $*"
    hm_show_log "$log"
    return "$rc"
}

# ---------------------------------------------------------------- steps

do_setup() { setup_tools; setup_cores; setup_shellcheck; }

do_sanity() {
    local core
    setup_shellcheck; setup_cores; ensure_stage
    for core in $CORES; do run_stage "sanity ${core}" stage_sanity "$core"; done
}

do_units() {
    local core
    setup_cores; ensure_stage
    for core in $CORES; do run_stage "units ${core}" stage_units "$core"; done
}

# The integration stages of `make integration` and `make test`: the other cores' (a few targets each)
# in parallel lanes, then the primary core's targets in two lanes (aliases `lane2`: see
# targets_for_core), each lane with an emulator of its own. A check that needs one of the emulator's
# lags still running sets a minute of lag for its window; the other timing checks wait for a lag or a
# delay to pass, which a busy machine only makes longer, and the tightest margins left are timeouts
# of 0.5-1 s against delays of 2.5-3 s and writes of 300 ms in flight (reliability_faults,
# concurrency_faults). With TARGETS=..., the primary core runs them in one stage.
do_integration_lanes() {
    local core primary
    local -a others=()
    setup_tools; setup_cores
    primary="$(primary_core)"
    for core in $CORES; do
        [ "$core" = "$primary" ] || others+=("do_integration_on ${core}")
    done
    [ "${#others[@]}" -eq 0 ] || run_lanes "${others[@]}"
    if [ -z "$primary" ]; then
        return 0
    elif [ -n "${TARGETS:-}" ]; then
        do_integration_on "$primary"
    else
        run_lanes "do_integration_on ${primary} 1" "do_integration_on ${primary} 2"
    fi
}

# do_integration_on CORE [LANE]
do_integration_on() {
    ensure_stage
    run_stage "integration $1${2:+ (lane $2 of 2)}" stage_integration "$@"
}

do_emulator() {
    setup_tools; ensure_stage
    run_stage "emulator+functional tests" stage_emulator_tests
}

do_complexity() {
    ensure_stage
    run_stage "complexity (flake8 C90)" stage_complexity
}

do_lint() {
    setup_tools; ensure_stage
    run_stage "build+install+ansible-doc" stage_build
    run_stage "ansible-lint" stage_ansible_lint
    run_stage "antsibull-docs lint" stage_docs_lint
    run_stage "antsibull-changelog lint" stage_changelog_lint
    run_stage "galaxy-importer" stage_galaxy_importer
    run_stage "ansible-builder" stage_builder
}

do_docs() {
    setup_tools; ensure_stage
    run_stage "docs site" stage_docs
}

do_awx() {
    setup_tools; ensure_stage
    run_stage "ansible-runner (AWX) demo" stage_awx
}

summary() {
    local i pass=0 fail=0 skipped=0 line
    hm_header "Summary"
    printf '%-28s %-5s %6s  %s\n' STAGE RESULT TIME NOTE
    for i in "${!R_NAME[@]}"; do
        printf '%-28s %-5s %5ss  %s\n' "${R_NAME[$i]}" "${R_STATUS[$i]}" "${R_TIME[$i]}" "${R_NOTE[$i]}"
        case "${R_STATUS[$i]}" in
            PASS) pass=$((pass + 1)) ;;
            FAIL) fail=$((fail + 1)) ;;
            SKIP) skipped=$((skipped + 1)) ;;
        esac
    done
    echo "total time: ${SECONDS}s"
    line="${pass} passed, ${fail} failed"
    [ "$skipped" -gt 0 ] && line="${line}, ${skipped} skipped"
    echo
    echo "$line"
    [ "$fail" -eq 0 ]
}

main() {
    local step
    [ $# -gt 0 ] || set -- test
    for step in "$@"; do
        case "$step" in
            setup) do_setup ;;
            sanity) do_sanity ;;
            units) do_units ;;
            integration) do_integration_lanes ;;
            emulator) do_emulator ;;
            complexity) do_complexity ;;
            lint) do_lint ;;
            docs) do_docs ;;
            awx) do_awx ;;
            test) do_setup; do_complexity; run_lanes do_sanity do_units; do_integration_lanes; do_emulator; do_lint; do_docs; do_awx ;;
            *) echo "unknown step: ${step} (setup complexity sanity units integration emulator lint docs awx test)" >&2; exit 2 ;;
        esac
    done
    summary
}

main "$@"
