# shellcheck shell=bash
# Shared helpers for the Makefile scripts (source this file; do not execute it).
#
# Reusable pieces (for `make test` and future targets such as demo/bench/docs):
#   hm_python_for_core CORE        -> prints the interpreter used for that core's venv (or fails,
#                                     naming the Pythons to install); CORE may also be tools or demo
#   hm_ensure_venv NAME PYTHON     -> creates/updates $HM_VENVS/NAME from hack/venvs/NAME.txt, prints its path
#   hm_core_venv CORE              -> ensure + print the venv of an ansible-core version (2.16, 2.19, 2.21)
#   hm_tools_venv                  -> ensure + print the tools venv
#   hm_stage                       -> copy the git-visible tree into a fresh temp
#                                     .../ansible_collections/hubspot/marketing; sets HM_STAGE_ROOT and HM_STAGE
#   hm_emulator_start PYTHON DIR   -> start tests/emulator/hubspot_emulator.py from DIR; sets HM_EMULATOR_URL/PID
#   hm_emulator_stop               -> stop it (also registered by hm_cleanup)
#   hm_write_integration_config DIR PYTHON -> tests/integration/integration_config.yml for the running emulator
#   hm_ansible_env VENV            -> export PATH/ANSIBLE_* (and HUBSPOT_* when the emulator runs) so
#                                     ansible-playbook from VENV uses the staged collection and VENV's Python
#   hm_kill_strays                 -> kill processes still running from the stage (leaked by tests)
#   hm_cleanup                     -> stop the emulator, kill strays, remove the stage (an EXIT trap)
#   hm_script_setup                -> for a one-off script (demo, bench, mutation): private HM_LOGS, and
#                                     hm_cleanup plus their removal on exit

HM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HM_CACHE="${HUBSPOT_MARKETING_CACHE:-${HOME}/.cache/hubspot-marketing}"
HM_VENVS="${HM_CACHE}/venvs"
HM_LOGS="${HM_LOGS:-${HM_CACHE}/logs}"
HM_ALL_CORES="2.16 2.19 2.21"
HM_EMULATOR_TOKEN="emulator-token"
HM_EMULATOR_RO_TOKEN="emulator-read-only-token"
HM_STAGE_ROOT=""
HM_STAGE=""
HM_EMULATOR_PID=""
HM_EMULATOR_URL=""
HM_EMULATOR_LOG=""
export HM_EMULATOR_LOG

mkdir -p "${HM_VENVS}" "${HM_LOGS}"

hm_say() { printf '%s\n' "$*" >&2; }
hm_header() { printf '\n===== %s =====\n' "$*"; }

# Print the log file (tail) of a failed noisy step.
hm_show_log() {
    local log="$1"
    [ -f "$log" ] || return 0
    echo "----- last 200 lines of ${log} -----"
    tail -n 200 "$log"
    echo "----- end of ${log} -----"
}

# The Python versions (X.Y) of the controller that each venv's ansible-core supports, as "MIN MAX".
# tools and demo pin ansible-core 2.19 (hack/venvs/*.txt). Keep this table in step with those pins.
hm_core_python_range() {
    case "$1" in
        2.16) echo "3.10 3.12" ;;
        2.19|tools|demo) echo "3.11 3.13" ;;
        2.21) echo "3.12 3.14" ;;
        *) return 2 ;;
    esac
}

# hm_python_version PYTHON: print X.Y of an interpreter that really runs and can make venvs
# (pyenv shims may exist and fail; Debian splits venv/ensurepip into python3.X-venv).
hm_python_version() {
    local py="$1"
    [ -n "$py" ] && [ -x "$py" ] || return 1
    "$py" -c 'import sys, venv, ensurepip; print("%d.%d" % sys.version_info[:2])' </dev/null 2>/dev/null
}

# _hm_version_in X.Y MIN MAX: true when MIN <= X.Y <= MAX.
_hm_version_in() {
    local v="$1" lo="$2" hi="$3"
    [ "$(printf '%s\n' "$lo" "$v" | sort -V | head -n1)" = "$lo" ] &&
        [ "$(printf '%s\n' "$v" "$hi" | sort -V | head -n1)" = "$v" ]
}

# hm_find_python MIN MAX: print the first working interpreter with MIN <= X.Y <= MAX. Order: plain
# python3, then pyenv builds (MIN first), then python3.MIN ... python3.MAX on PATH.
hm_find_python() {
    local min="$1" max="$2" cand pyroot="" v minor
    local -a cands=()
    if command -v pyenv >/dev/null 2>&1; then
        pyroot="$(pyenv root 2>/dev/null </dev/null || true)"
    fi
    [ -z "$pyroot" ] && [ -d "${HOME}/.pyenv" ] && pyroot="${HOME}/.pyenv"
    cands+=("$(command -v python3 2>/dev/null || true)")
    if [ -n "$pyroot" ]; then
        for cand in "${pyroot}"/versions/"${min}"*/bin/python3 "${pyroot}"/versions/3.[0-9]*/bin/python3; do
            [ -e "$cand" ] && cands+=("$cand")
        done
    fi
    for minor in $(seq "${min#*.}" "${max#*.}"); do
        cands+=("$(command -v "python3.${minor}" 2>/dev/null || true)")
    done
    for cand in "${cands[@]}"; do
        v="$(hm_python_version "$cand")" || continue
        if _hm_version_in "$v" "$min" "$max"; then
            # Resolve shims to the real interpreter.
            "$cand" -c 'import sys; print(sys.executable)' </dev/null
            return 0
        fi
    done
    return 1
}

# hm_python_for_core CORE: the interpreter for that venv (CORE: 2.16, 2.19, 2.21, tools, demo), any
# Python the venv's ansible-core supports on the controller. Fails naming what to install.
hm_python_for_core() {
    local range min max
    range="$(hm_core_python_range "$1")" || {
        hm_say "unknown ansible-core version: $1 (known: ${HM_ALL_CORES} tools demo)"
        return 2
    }
    read -r min max <<<"$range"
    hm_find_python "$min" "$max" && return 0
    local list="" minor
    for minor in $(seq "${min#*.}" "${max#*.}"); do list="${list:+${list}, }3.${minor}"; done
    local what="ansible-core $1"
    case "$1" in tools|demo) what="the $1 venv (ansible-core 2.19)" ;; esac
    hm_say "no Python for ${what} found: it needs one of Python ${list} that can create venvs."
    hm_say "Install one, e.g. 'apt-get install python3 python3-venv' (Debian/Ubuntu, if its python3 is one of those),"
    hm_say "'dnf install python${max}', or 'pyenv install ${max}', then run the command again."
    hm_say "(Looked for python3, python3.${min#*.}..python3.${max#*.} on PATH and pyenv's versions.)"
    return 1
}

# The Python X.Y of an interpreter.
hm_pyver() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' </dev/null; }

# hm_ensure_venv NAME PYTHON: (re)create $HM_VENVS/NAME when hack/venvs/NAME.txt or the interpreter changed.
hm_ensure_venv() {
    local name="$1" py="$2"
    local req="${HM_ROOT}/hack/venvs/${name}.txt"
    local dir="${HM_VENVS}/${name}"
    local log="${HM_LOGS}/venv-${name}.log"
    local stamp want
    [ -f "$req" ] || { hm_say "missing ${req}"; return 2; }
    want="$( { "$py" -c 'import sys; print(sys.version)' </dev/null; cat "$req"; } | sha256sum | cut -d' ' -f1)"
    (
        # Serialise concurrent runs that share the cache.
        exec 9>"${HM_VENVS}/.${name}.lock"
        flock 9
        stamp="$(cat "${dir}/.hm-stamp" 2>/dev/null || true)"
        if [ "$stamp" = "$want" ] && [ -x "${dir}/bin/python" ] && "${dir}/bin/python" -c '' </dev/null 2>/dev/null; then
            exit 0
        fi
        hm_say "[setup] creating venv ${name} with $("$py" -V 2>&1) (log: ${log})"
        rm -rf "$dir"
        if ! { "$py" -m venv "$dir" &&
               "${dir}/bin/python" -m pip install --upgrade pip &&
               "${dir}/bin/python" -m pip install -r "$req"; } </dev/null >"$log" 2>&1; then
            hm_say "[setup] FAILED to create venv ${name}"
            hm_show_log "$log" >&2
            exit 1
        fi
        printf '%s\n' "$want" >"${dir}/.hm-stamp"
    ) || return 1
    printf '%s\n' "$dir"
}

# hm_core_venv CORE: prints the venv path; returns 3 (skip) when no suitable Python exists.
hm_core_venv() {
    local core="$1" py
    if ! py="$(hm_python_for_core "$core")"; then
        hm_say "SKIP: no suitable Python for ansible-core ${core} on this machine"
        return 3
    fi
    hm_ensure_venv "core-${core}" "$py" || return 1
    # ansible-test cannot download get-pip here: pre-seed its cache for this core.
    "${HM_VENVS}/core-${core}/bin/python" "${HM_ROOT}/hack/seed_get_pip.py" </dev/null >&2 || return 1
}

hm_tools_venv() {
    local py
    py="$(hm_python_for_core tools)" || return 1
    hm_ensure_venv tools "$py"
}

# Copy git-visible files into a fresh per-run stage. Never symlink: ansible-test needs a real path.
hm_stage() {
    HM_STAGE_ROOT="$(mktemp -d "${TMPDIR:-/tmp}/hubspot-marketing-stage.XXXXXX")"
    HM_STAGE="${HM_STAGE_ROOT}/ansible_collections/hubspot/marketing"
    mkdir -p "$HM_STAGE"
    (
        cd "$HM_ROOT" || exit 1
        if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
            git ls-files -z -co --exclude-standard
        else
            # Not a git checkout (e.g. an unpacked tarball): copy everything but obvious junk.
            find . -path ./.git -prune -o -path ./tests/output -prune -o \( -type f -o -type l \) -print0 | sed -z 's|^\./||'
        fi | while IFS= read -r -d '' f; do
            # Tracked-but-deleted files are listed by git; skip them.
            if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
        done | tar --null -T - -cf -
    ) | tar -xf - -C "$HM_STAGE"
}

# hm_emulator_start PYTHON COLLECTION_DIR: start the emulator on a free port and wait for its ready line.
hm_emulator_start() {
    local py="$1" dir="$2" log line _
    log="${HM_STAGE_ROOT:-$(mktemp -d)}/emulator.log"
    HM_EMULATOR_LOG="$log"
    (
        cd "$dir" &&
        exec "$py" tests/emulator/hubspot_emulator.py --port 0 \
            --token "$HM_EMULATOR_TOKEN" --read-only-token "$HM_EMULATOR_RO_TOKEN"
    ) </dev/null >"$log" 2>&1 &
    HM_EMULATOR_PID=$!
    for _ in $(seq 1 300); do
        line="$(grep -m1 -o 'HubSpot emulator listening on http://[^[:space:]]*' "$log" 2>/dev/null || true)"
        if [ -n "$line" ]; then
            HM_EMULATOR_URL="${line##* on }"
            return 0
        fi
        if ! kill -0 "$HM_EMULATOR_PID" 2>/dev/null; then
            hm_say "emulator exited before it was ready:"
            cat "$log" >&2
            HM_EMULATOR_PID=""
            return 1
        fi
        sleep 0.1
    done
    hm_say "emulator did not print its ready line within 30 s:"
    cat "$log" >&2
    hm_emulator_stop
    return 1
}

hm_emulator_stop() {
    if [ -n "${HM_EMULATOR_PID}" ]; then
        kill "$HM_EMULATOR_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$HM_EMULATOR_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$HM_EMULATOR_PID" 2>/dev/null || true
        wait "$HM_EMULATOR_PID" 2>/dev/null || true
        HM_EMULATOR_PID=""
    fi
}

# hm_write_integration_config COLLECTION_DIR: vars that ansible-test passes to every target.
hm_write_integration_config() {
    local dir="$1"
    cat >"${dir}/tests/integration/integration_config.yml" <<EOF
---
# Written by hack/common.sh for the emulator started for this run.
hubspot_base_url: ${HM_EMULATOR_URL}
hubspot_access_token: ${HM_EMULATOR_TOKEN}
hubspot_read_only_token: ${HM_EMULATOR_RO_TOKEN}
hubspot_emulator_url: ${HM_EMULATOR_URL}
# Run modules with the controller's (venv) Python, never a discovered pyenv shim.
ansible_python_interpreter: "{{ ansible_playbook_python }}"
EOF
}

hm_ansible_env() {
    local venv="$1"
    export PATH="${venv}/bin:${PATH}"
    export ANSIBLE_PYTHON_INTERPRETER="${venv}/bin/python"
    [ -n "${HM_STAGE_ROOT}" ] && export ANSIBLE_COLLECTIONS_PATH="${HM_STAGE_ROOT}"
    if [ -n "${HM_EMULATOR_URL}" ]; then
        export HUBSPOT_BASE_URL="${HM_EMULATOR_URL}" HUBSPOT_ACCESS_TOKEN="${HM_EMULATOR_TOKEN}"
    fi
}

# PIDs of processes whose command line mentions this run's stage (never this shell).
_hm_stage_pids() {
    local d cmd pid
    [ -n "${HM_STAGE_ROOT}" ] || return 0
    for d in /proc/[0-9]*; do
        pid="${d#/proc/}"
        [ "$pid" = "$$" ] || [ "$pid" = "${BASHPID}" ] && continue
        cmd="$(tr '\0' ' ' 2>/dev/null <"${d}/cmdline")" || continue
        case "$cmd" in *"${HM_STAGE_ROOT}/"*) printf '%s\n' "$pid" ;; esac
    done
}

# hm_kill_strays: tests that leak background processes (e.g. emulators) must not outlive the
# run or hold CI's output open. Prints what it killed; returns 0 when nothing was left.
hm_kill_strays() {
    local -a pids
    mapfile -t pids < <(_hm_stage_pids)
    [ "${#pids[@]}" -gt 0 ] || return 0
    hm_say "WARNING: ${#pids[@]} process(es) were left running by the tests; killing them. First ones:"
    ps -o pid=,args= -p "$(IFS=,; echo "${pids[*]}")" 2>/dev/null | sed "s|${HM_STAGE_ROOT}|<stage>|g" | sed -n 1,5p | cut -c1-200 >&2
    kill "${pids[@]}" 2>/dev/null || true
    sleep 2
    mapfile -t pids < <(_hm_stage_pids)
    [ "${#pids[@]}" -eq 0 ] || kill -9 "${pids[@]}" 2>/dev/null || true
    return 1
}

hm_cleanup() {
    hm_emulator_stop
    hm_kill_strays || true
    if [ -n "${HM_STAGE_ROOT}" ] && [ -z "${HM_KEEP_STAGE:-}" ]; then
        rm -rf "${HM_STAGE_ROOT}"
    elif [ -n "${HM_STAGE_ROOT}" ]; then
        hm_say "stage kept at ${HM_STAGE}"
    fi
}

hm_script_setup() {
    HM_LOGS="$(mktemp -d "${TMPDIR:-/tmp}/hubspot-marketing-logs.XXXXXX")"
    export HM_LOGS
    trap 'hm_cleanup; rm -rf "${HM_LOGS}"' EXIT
}
