#!/usr/bin/env bash
# Test driver behind the Makefile.
#
#   hack/run.sh STEP...      STEP: setup sanity units integration emulator lint docs awx test
#   CORE=2.19 hack/run.sh …  restrict the ansible-core versions (default: 2.16 2.19 2.21)
#
# Every stage prints a header; a failing stage does not stop the others. The run ends
# with a summary table and the line "N passed, M failed[, K skipped]"; the exit code
# is non-zero when any stage failed.
set -uo pipefail

# shellcheck source=hack/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

CORES="${CORE:-${HM_ALL_CORES}}"
CORES="${CORES//,/ }"
HM_LOGS="$(mktemp -d "${TMPDIR:-/tmp}/hubspot-marketing-logs.XXXXXX")"
export HM_LOGS

declare -a R_NAME=() R_STATUS=() R_TIME=() R_NOTE=()
declare -A CORE_VENV=() CORE_PYVER=() CORE_SETUP=()
TOOLS_VENV=""
TOOLS_SETUP=""

on_exit() {
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

has_test_files() {
    [ -d "$1" ] && [ -n "$(find "$1" -type f \( -name 'test_*.py' -o -name '*_test.py' \) -print -quit)" ]
}

# ---------------------------------------------------------------- setup

stage_setup_core() {
    local core="$1" venv rc=0
    venv="$(hm_core_venv "$core")" || rc=$?
    if [ "$rc" -eq 3 ]; then
        skip "no Python >= 3.12 on this machine, ansible-core ${core} is not tested"
    fi
    [ "$rc" -eq 0 ] || return "$rc"
    "${venv}/bin/python" -c 'from ansible.release import __version__ as v; print("ansible-core " + v)'
    printf '%s\n' "$venv" >"${HM_LOGS}/venv-${core}"
}

stage_setup_tools() {
    local venv
    venv="$(hm_tools_venv)"
    PATH="${venv}/bin:${PATH}" "${venv}/bin/ansible-lint" --version </dev/null | sed -n 1p
    printf '%s\n' "$venv" >"${HM_LOGS}/venv-tools"
}

# ansible-test's shellcheck sanity test is skipped without the program; install it when cheap
# (Debian package, as root). HM_NO_APT=1 disables the install.
stage_setup_shellcheck() {
    if command -v shellcheck >/dev/null 2>&1; then
        shellcheck --version | sed -n 2p
        return 0
    fi
    if [ -n "${HM_NO_APT:-}" ] || [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        skip "shellcheck not installed and cannot apt-get it here; ansible-test skips its shellcheck test"
    fi
    export DEBIAN_FRONTEND=noninteractive
    if ! run_logged apt-update apt-get update -qq || ! run_logged apt-shellcheck apt-get install -y -qq --no-install-recommends shellcheck; then
        skip "apt-get could not install shellcheck; ansible-test skips its shellcheck test"
    fi
    shellcheck --version | sed -n 2p
}

setup_shellcheck() {
    [ -n "${SHELLCHECK_SETUP:-}" ] && return 0
    run_stage "setup shellcheck" stage_setup_shellcheck
    SHELLCHECK_SETUP="${R_STATUS[-1]}"
}

setup_cores() {
    local core
    for core in $CORES; do
        [ -n "${CORE_SETUP[$core]:-}" ] && continue
        case " ${HM_ALL_CORES} " in
            *" ${core} "*) ;;
            *) record "setup ${core}" FAIL 0 "unknown core (known: ${HM_ALL_CORES})"; CORE_SETUP[$core]=FAIL; continue ;;
        esac
        run_stage "setup ansible-core ${core}" stage_setup_core "$core"
        CORE_SETUP[$core]="${R_STATUS[-1]}"
        if [ "${CORE_SETUP[$core]}" = PASS ]; then
            CORE_VENV[$core]="$(cat "${HM_LOGS}/venv-${core}")"
            CORE_PYVER[$core]="$(hm_pyver "${CORE_VENV[$core]}/bin/python")"
        fi
    done
}

setup_tools() {
    [ -n "$TOOLS_SETUP" ] && return 0
    run_stage "setup tools" stage_setup_tools
    TOOLS_SETUP="${R_STATUS[-1]}"
    [ "$TOOLS_SETUP" = PASS ] && TOOLS_VENV="$(cat "${HM_LOGS}/venv-tools")"
    return 0
}

ensure_stage() {
    [ -n "$HM_STAGE" ] && return 0
    hm_stage
    echo "staged collection at ${HM_STAGE}"
}

# Skip a per-core stage whose venv is missing; the setup row already says why.
need_core() {
    local core="$1"
    case "${CORE_SETUP[$core]:-}" in
        PASS) return 0 ;;
        SKIP) skip "ansible-core ${core} not available on this machine" ;;
        *) note "setup of ansible-core ${core} failed"; exit 1 ;;
    esac
}

need_tools() {
    [ "$TOOLS_SETUP" = PASS ] || { note "setup of the tools venv failed"; exit 1; }
}

# Drop pip's per-package chatter from ansible-test output (it installs requirements each run).
quiet_pip() {
    grep --line-buffered -Ev "^(WARNING: Location '.*' is ignored|Looking in (indexes|links)|Processing /|Collecting |  Downloading |  Using cached |Requirement already satisfied|Installing collected packages|Successfully installed|  Attempting uninstall|    Found existing installation|    Uninstalling |      Successfully uninstalled|     [━-]+ )" || true
}

# Run a command with a venv first on PATH (ansible-test finds pythonX.Y there) from the stage.
in_venv() {
    local venv="$1"; shift
    ( cd "$HM_STAGE" && PATH="${venv}/bin:${PATH}" ANSIBLE_COLLECTIONS_PATH="$HM_STAGE_ROOT" "$@" )
}

# ---------------------------------------------------------------- ansible-test

stage_sanity() {
    local core="$1"
    local -a ignores
    need_core "$core"
    ignores=("${HM_STAGE}"/tests/sanity/ignore-*.txt)
    if [ -e "${ignores[0]}" ]; then
        note "sanity ignore files are not allowed: ${ignores[*]#"${HM_STAGE}/"}"
        exit 1
    fi
    in_venv "${CORE_VENV[$core]}" ansible-test sanity --venv --python "${CORE_PYVER[$core]}" --color no 2>&1 | quiet_pip
}

stage_units() {
    local core="$1"
    need_core "$core"
    has_test_files "${HM_STAGE}/tests/unit" || skip "no unit tests under tests/unit yet"
    in_venv "${CORE_VENV[$core]}" ansible-test units --venv --python "${CORE_PYVER[$core]}" --color no 2>&1 | quiet_pip
}

integration_targets() {
    local d
    for d in "${HM_STAGE}"/tests/integration/targets/*/; do
        [ -d "$d" ] || continue
        if [ -f "${d}aliases" ] && grep -Eq '^(hidden|disabled|unsupported)\b' "${d}aliases"; then
            continue
        fi
        basename "$d"
    done
}

stage_integration() {
    local core="$1" py rc
    need_core "$core"
    [ -n "$(integration_targets)" ] || skip "no integration targets under tests/integration/targets yet"
    [ -f "${HM_STAGE}/tests/emulator/hubspot_emulator.py" ] || skip "tests/emulator/hubspot_emulator.py does not exist yet"
    # The emulator runs with the tools venv's Python when available (it has jsonschema etc.).
    py="${CORE_VENV[$core]}/bin/python"
    [ "$TOOLS_SETUP" = PASS ] && py="${TOOLS_VENV}/bin/python"
    trap 'hm_emulator_stop; rm -f "${HM_STAGE}/tests/integration/integration_config.yml" "${HM_STAGE}/tests/integration/inventory"' EXIT
    hm_emulator_start "$py" "$HM_STAGE" || { note "emulator did not start"; exit 1; }
    echo "emulator ${HM_EMULATOR_URL} (pid ${HM_EMULATOR_PID}, log ${HM_EMULATOR_LOG})"
    hm_write_integration_config "$HM_STAGE"
    rc=0
    # shellcheck disable=SC2086 # TARGETS is a space-separated list of target names
    in_venv "${CORE_VENV[$core]}" ansible-test integration --venv --python "${CORE_PYVER[$core]}" --color no ${TARGETS:-} 2>&1 | quiet_pip || rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "----- emulator log (last 100 lines) -----"
        tail -n 100 "$HM_EMULATOR_LOG" || true
    fi
    return "$rc"
}

# ---------------------------------------------------------------- tools stages

stage_emulator_tests() {
    need_tools
    has_test_files "${HM_STAGE}/tests/emulator" || skip "no tests under tests/emulator yet"
    in_venv "$TOOLS_VENV" python -m pytest -p no:cacheprovider -q tests/emulator </dev/null
}

first_tarball() {
    local t=("${HM_STAGE_ROOT}"/dist/hubspot-marketing-*.tar.gz)
    printf '%s\n' "${t[0]}"
}

# ansible-doc against the installed tarball only (not the stage).
doc_in_install() {
    ( cd "${HM_STAGE_ROOT}/install" && ANSIBLE_COLLECTIONS_PATH="${HM_STAGE_ROOT}/install" \
        "${TOOLS_VENV}/bin/ansible-doc" "$@" </dev/null )
}

stage_build() {
    local tarball kind name plugins=0
    need_tools
    rm -rf "${HM_STAGE_ROOT}/dist" "${HM_STAGE_ROOT}/install"
    mkdir -p "${HM_STAGE_ROOT}/dist" "${HM_STAGE_ROOT}/install"
    in_venv "$TOOLS_VENV" ansible-galaxy collection build --output-path "${HM_STAGE_ROOT}/dist" </dev/null
    tarball="$(first_tarball)"
    [ -f "$tarball" ] || { note "ansible-galaxy collection build made no tarball"; exit 1; }
    echo "contents of $(basename "$tarball"):"
    tar -tzf "$tarball" | sed 's/^/  /'
    # Install with a collections path that does not contain the stage, or galaxy sees it as installed.
    ( cd "${HM_STAGE_ROOT}/install" && ANSIBLE_COLLECTIONS_PATH="${HM_STAGE_ROOT}/install" \
        "${TOOLS_VENV}/bin/ansible-galaxy" collection install --offline --force -p "${HM_STAGE_ROOT}/install" "$tarball" </dev/null )
    [ -f "${HM_STAGE_ROOT}/install/ansible_collections/hubspot/marketing/MANIFEST.json" ] \
        || { note "the tarball did not install"; exit 1; }
    # Every module file must load; other plugin types are checked as ansible-doc lists them.
    for kind in module lookup filter test inventory callback connection; do
        local names
        names="$(doc_in_install -t "$kind" --list --json hubspot.marketing \
            | "${TOOLS_VENV}/bin/python" -c 'import json,sys; print("\n".join(sorted(json.load(sys.stdin))))')"
        if [ "$kind" = module ]; then
            for name in "${HM_STAGE}"/plugins/modules/*.py; do
                [ -f "$name" ] || continue
                name="$(basename "$name" .py)"
                case "$name" in __init__|_*) continue ;; esac
                grep -qx "hubspot.marketing.${name}" <<<"$names" || { note "module ${name} is missing from ansible-doc --list"; exit 1; }
            done
        fi
        for name in $names; do
            plugins=$((plugins + 1))
            echo "ansible-doc -t ${kind} ${name}"
            doc_in_install -t "$kind" "$name" >"${HM_LOGS}/doc.txt" 2>&1 \
                || { cat "${HM_LOGS}/doc.txt"; note "ansible-doc failed for ${name}"; exit 1; }
            if grep -q '^\[WARNING\]\|^ERROR' "${HM_LOGS}/doc.txt"; then
                cat "${HM_LOGS}/doc.txt"; note "ansible-doc warned for ${name}"; exit 1
            fi
        done
    done
    note "built $(basename "$tarball"), ${plugins} plugin docs checked from the install"
}

stage_ansible_lint() {
    need_tools
    in_venv "$TOOLS_VENV" ansible-lint --offline </dev/null
}

stage_docs_lint() {
    need_tools
    in_venv "$TOOLS_VENV" antsibull-docs lint-collection-docs --plugin-docs . </dev/null
}

stage_changelog_lint() {
    need_tools
    in_venv "$TOOLS_VENV" antsibull-changelog lint </dev/null
}

stage_galaxy_importer() {
    local tarball log="${HM_LOGS}/galaxy-importer.log" rc=0
    need_tools
    tarball="$(first_tarball)"
    [ -f "$tarball" ] || { note "no tarball: the build stage failed"; exit 1; }
    # PATH: the importer runs ansible-doc and ansible-lint from PATH and silently skips them if absent.
    ( cd "$HM_STAGE_ROOT" && PATH="${TOOLS_VENV}/bin:${PATH}" GALAXY_IMPORTER_CONFIG="${HM_ROOT}/hack/galaxy-importer.cfg" \
        "${TOOLS_VENV}/bin/python" -m galaxy_importer.main "$tarball" </dev/null ) >"$log" 2>&1 || rc=$?
    if grep -q 'not found, skipping' "$log"; then
        cat "$log"; note "galaxy-importer could not find a tool it runs"; exit 1
    fi
    cat "$log"
    if [ "$rc" -ne 0 ]; then
        note "galaxy-importer exited ${rc}"; exit 1
    fi
    if grep -Eq '^(ERROR|CRITICAL)|ImporterError' "$log"; then
        note "galaxy-importer reported errors"; exit 1
    fi
    # Warnings from its ansible-lint/ansible-doc runs are listed but do not fail the stage.
    if grep -q 'WARNING' "$log"; then
        note "$(grep -c 'WARNING' "$log") importer warning(s), see above"
    fi
}

stage_builder() {
    local ctx="${HM_STAGE_ROOT}/ee" out
    need_tools
    [ -d "${HM_STAGE_ROOT}/install/ansible_collections/hubspot/marketing" ] || { note "no installed collection: the build stage failed"; exit 1; }
    echo "ansible-builder introspect --sanitize (dependencies from meta/execution-environment.yml):"
    out="$("${TOOLS_VENV}/bin/ansible-builder" introspect --sanitize "${HM_STAGE_ROOT}/install" </dev/null)"
    printf '%s\n' "$out"
    for pkg in requests jsonschema rfc3339-validator; do
        grep -Eqi "^ *- *'?${pkg}[^a-z0-9_-].*hubspot\.marketing" <<<"$out" \
            || { note "introspect does not list ${pkg} for hubspot.marketing"; exit 1; }
    done
    rm -rf "$ctx"; mkdir -p "$ctx"
    cp "${HM_STAGE_ROOT}"/dist/hubspot-marketing-*.tar.gz "$ctx/"
    cat >"${ctx}/execution-environment.yml" <<EOF
---
version: 3
images:
  base_image:
    name: quay.io/ansible/awx-ee:latest
dependencies:
  galaxy:
    collections:
      - name: ${ctx}/$(basename "$(first_tarball)")
        type: file
  python: ${HM_STAGE}/requirements.txt
EOF
    ( cd "$ctx" && "${TOOLS_VENV}/bin/ansible-builder" create -f execution-environment.yml -c context </dev/null )
    grep -q requests "${ctx}/context/_build/requirements.txt"
    note "introspect + create OK"
}

# The HTML docs site, built offline; broken references fail it.
stage_docs() {
    need_tools
    TOOLS_VENV="$TOOLS_VENV" bash "${HM_STAGE}/hack/docs.sh" "${HM_STAGE_ROOT}/docs-html" </dev/null
}

# The demo playbook as AWX runs it: ansible-runner, collection installed from the tarball,
# token injected as the credential type injects it; no token in the job artifacts.
stage_awx() {
    need_tools
    # It installs the tarball into its own collections path: keep the stage off the search path.
    ( cd "$HM_STAGE" && env -u ANSIBLE_COLLECTIONS_PATH PATH="${TOOLS_VENV}/bin:${PATH}" python hack/awx_runner_test.py </dev/null )
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

do_integration() {
    local core
    setup_tools; setup_cores; ensure_stage
    for core in $CORES; do run_stage "integration ${core}" stage_integration "$core"; done
}

do_emulator() {
    setup_tools; ensure_stage
    run_stage "emulator tests" stage_emulator_tests
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
            integration) do_integration ;;
            emulator) do_emulator ;;
            lint) do_lint ;;
            docs) do_docs ;;
            awx) do_awx ;;
            test) do_setup; do_sanity; do_units; do_integration; do_emulator; do_lint; do_docs; do_awx ;;
            *) echo "unknown step: ${step} (setup sanity units integration emulator lint docs awx test)" >&2; exit 2 ;;
        esac
    done
    summary
}

main "$@"
