# shellcheck shell=bash
# ansible-test stages of hack/run.sh: sanity, units and integration, one venv per ansible-core.
#
# Integration: every behaviour is proven end to end once, on the newest core set up (the
# primary core); the other cores run the targets whose `aliases` file lists `all_cores` (the
# documented examples of every plugin and the secrets checks), which prove that the plugins load
# and behave on that core. TARGETS=... runs the named targets on every selected core.

# Drop pip's per-package chatter from ansible-test output (it installs requirements each run).
quiet_pip() {
    grep --line-buffered -Ev "^(WARNING: Location '.*' is ignored|Looking in (indexes|links)|Processing /|Collecting |  Downloading |  Using cached |Requirement already satisfied|Installing collected packages|Successfully installed|  Attempting uninstall|    Found existing installation|    Uninstalling |      Successfully uninstalled|     [━-]+ )" || true
}

# Run a command with a venv first on PATH (ansible-test finds pythonX.Y there) from the stage.
in_venv() {
    local venv="$1"; shift
    ( cd "$HM_STAGE" && PATH="${venv}/bin:${PATH}" ANSIBLE_COLLECTIONS_PATH="$HM_STAGE_ROOT" "$@" )
}

has_test_files() {
    [ -d "$1" ] && [ -n "$(find "$1" -type f \( -name 'test_*.py' -o -name '*_test.py' \) -print -quit)" ]
}

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

# integration_targets [ALIAS|!ALIAS]: the runnable targets, or only those whose aliases list ALIAS
# (with !, only those whose aliases do not).
integration_targets() {
    local want="${1:-}" d listed
    for d in "${HM_STAGE}"/tests/integration/targets/*/; do
        [ -d "$d" ] || continue
        if [ -f "${d}aliases" ] && grep -Eq '^(hidden|disabled|unsupported)\b' "${d}aliases"; then
            continue
        fi
        if [ -n "$want" ]; then
            listed=0
            grep -qx "${want#!}" "${d}aliases" 2>/dev/null && listed=1
            if [ "${want:0:1}" = '!' ]; then [ "$listed" -eq 0 ] || continue; else [ "$listed" -eq 1 ] || continue; fi
        fi
        basename "$d"
    done
}

# targets_for_core CORE [LANE]: the targets one core runs: TARGETS when given, all on the primary core,
# else the all_cores ones. LANE 1 or 2 splits the primary core's targets into two lanes (make integration, make test):
# the targets whose aliases list `lane2` in lane 2, the others in lane 1.
targets_for_core() {
    local core="$1" lane="${2:-}"
    if [ -n "${TARGETS:-}" ]; then
        printf '%s\n' "$TARGETS"
    elif [ "$core" != "$(primary_core)" ]; then
        integration_targets all_cores | tr '\n' ' '
    elif [ "$lane" = 1 ]; then
        integration_targets '!lane2' | tr '\n' ' '
    elif [ "$lane" = 2 ]; then
        integration_targets lane2 | tr '\n' ' '
    else
        integration_targets | tr '\n' ' '
    fi
}

# stage_integration CORE [LANE]: the core's targets (see targets_for_core) against an emulator of
# their own.
stage_integration() {
    local core="$1" py rc targets
    need_core "$core"
    [ -n "$(integration_targets)" ] || skip "no integration targets under tests/integration/targets yet"
    [ -f "${HM_STAGE}/tests/emulator/hubspot_emulator.py" ] || skip "tests/emulator/hubspot_emulator.py does not exist yet"
    targets="$(targets_for_core "$core" "${2:-}")"
    [ -n "${targets// /}" ] || skip "no integration targets in this lane"
    echo "targets on ansible-core ${core}: ${targets}"
    # The emulator runs with the tools venv's Python when available (it has jsonschema etc.).
    py="${CORE_VENV[$core]}/bin/python"
    [ "$TOOLS_SETUP" = PASS ] && py="${TOOLS_VENV}/bin/python"
    trap 'hm_emulator_stop; rm -f "${HM_STAGE}/tests/integration/integration_config.yml" "${HM_STAGE}/tests/integration/inventory"' EXIT
    hm_emulator_start "$py" "$HM_STAGE" || { note "emulator did not start"; exit 1; }
    echo "emulator ${HM_EMULATOR_URL} (pid ${HM_EMULATOR_PID}, log ${HM_EMULATOR_LOG})"
    hm_write_integration_config "$HM_STAGE"
    rc=0
    # shellcheck disable=SC2086 # targets is a space-separated list of target names
    in_venv "${CORE_VENV[$core]}" ansible-test integration --venv --python "${CORE_PYVER[$core]}" --color no $targets 2>&1 | quiet_pip || rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "----- emulator log (last 100 lines) -----"
        tail -n 100 "$HM_EMULATOR_LOG" || true
    fi
    note "$(wc -w <<<"$targets") target(s)"
    return "$rc"
}
