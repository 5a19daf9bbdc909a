# shellcheck shell=bash
# Setup stages of hack/run.sh: the venvs (one per ansible-core, the tools venv) and shellcheck.
# Sourced by hack/run.sh after hack/common.sh; uses its run_stage/note/skip.

# CORE_VENV, CORE_PYVER and TOOLS_VENV are read by the stages in the other files of hack/stages/.
# shellcheck disable=SC2034
declare -A CORE_VENV=() CORE_PYVER=() CORE_SETUP=()
# shellcheck disable=SC2034
TOOLS_VENV=""
TOOLS_SETUP=""
SHELLCHECK_SETUP=""

# CI=true (any CI system) must test every supported core: a missing interpreter fails the run there.
hm_in_ci() { case "${CI:-}" in true|True|TRUE|1|yes) return 0 ;; *) return 1 ;; esac; }

stage_setup_core() {
    local core="$1" venv rc=0
    venv="$(hm_core_venv "$core")" || rc=$?
    if [ "$rc" -eq 3 ]; then
        if hm_in_ci; then
            note "no Python >= 3.12 on this CI machine: ansible-core ${core} is supported and must be tested"
            exit 1
        fi
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
    [ -n "${SHELLCHECK_SETUP}" ] && return 0
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

# The newest selected core that is set up: it runs every integration target (see stages/ansible_test.sh).
primary_core() {
    local core primary=""
    for core in $CORES; do
        [ "${CORE_SETUP[$core]:-}" = PASS ] && primary="$core"
    done
    printf '%s\n' "$primary"
}
