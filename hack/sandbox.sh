#!/usr/bin/env bash
# `make sandbox`: a place to try the collection by hand, left running.
#
#   hack/sandbox.sh [start]   build and install this checkout's collection under the cache, start a
#                             seeded HubSpot emulator in the background, print its pid and URL and the
#                             `export` lines to paste (also written to <sandbox>/env.sh)
#   hack/sandbox.sh stop      stop the emulator (`make sandbox-stop`)
#   hack/sandbox.sh status    say whether it runs
#
# The sandbox lives in ${HUBSPOT_MARKETING_CACHE:-~/.cache/hubspot-marketing}/sandbox (HM_SANDBOX_DIR
# overrides): collections/ (the installed collection), emulator.pid, emulator.log, env.sh. Starting
# again replaces a running sandbox (fresh seed, new URL unless HM_SANDBOX_PORT is set).
# ansible-core comes from the demo venv (hack/venvs/demo.txt); HM_SANDBOX_VENV names another venv
# with ansible-core, requests and jsonschema. The seed is hack/sandbox-seed.json: the demo's event
# (external ids demo-account / webinar-2026-11) with three registered contacts.
set -euo pipefail

# shellcheck source=hack/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SANDBOX="${HM_SANDBOX_DIR:-${HM_CACHE}/sandbox}"
PIDFILE="${SANDBOX}/emulator.pid"
LOG="${SANDBOX}/emulator.log"
ENVFILE="${SANDBOX}/env.sh"
COLLECTIONS="${SANDBOX}/collections"
INSTALLED="${COLLECTIONS}/ansible_collections/hubspot/marketing"

# The pid of this sandbox's emulator, when it runs (never another process that reused the pid).
sandbox_pid() {
    local pid
    pid="$(cat "$PIDFILE" 2>/dev/null)" || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null | grep -q "hubspot_emulator" || return 1
    printf '%s\n' "$pid"
}

do_stop() {
    local pid
    if ! pid="$(sandbox_pid)"; then
        rm -f "$PIDFILE"
        echo "sandbox: no emulator running"
        return 0
    fi
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$PIDFILE"
    echo "sandbox: emulator (pid ${pid}) stopped; the collection stays in ${COLLECTIONS}"
}

do_status() {
    local pid
    if pid="$(sandbox_pid)"; then
        echo "sandbox: emulator running, pid ${pid}; exports in ${ENVFILE}"
    else
        echo "sandbox: not running (make sandbox starts it)"
        return 1
    fi
}

# Build this checkout's collection from a stage and install it into the sandbox.
install_collection() {
    local venv="$1" tarball
    trap hm_cleanup EXIT
    hm_stage
    (cd "$HM_STAGE" && "${venv}/bin/ansible-galaxy" collection build --output-path "${HM_STAGE_ROOT}/dist" </dev/null >/dev/null)
    tarball="$(ls "${HM_STAGE_ROOT}"/dist/hubspot-marketing-*.tar.gz)"
    ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS" "${venv}/bin/ansible-galaxy" collection install --offline --force -p "$COLLECTIONS" "$tarball" </dev/null >/dev/null
    hm_cleanup
    trap - EXIT
    echo "sandbox: installed $(basename "$tarball") in ${COLLECTIONS}"
}

# Start the installed collection's emulator in its own session (it outlives this script and the
# terminal's Ctrl-C), wait for its ready line, seed it. Sets URL.
start_emulator() {
    local venv="$1" pid line
    (
        cd "$INSTALLED" &&
        exec setsid "${venv}/bin/python" tests/emulator/hubspot_emulator.py --port "${HM_SANDBOX_PORT:-0}" \
            --token "$HM_EMULATOR_TOKEN" --read-only-token "$HM_EMULATOR_RO_TOKEN"
    ) </dev/null >"$LOG" 2>&1 &
    pid=$!
    printf '%s\n' "$pid" >"$PIDFILE"
    URL=""
    for _ in $(seq 1 300); do
        line="$(grep -m1 -o 'HubSpot emulator listening on http://[^[:space:]]*' "$LOG" 2>/dev/null || true)"
        if [ -n "$line" ]; then URL="${line##* on }"; break; fi
        kill -0 "$pid" 2>/dev/null || { hm_say "sandbox: the emulator exited:"; cat "$LOG" >&2; rm -f "$PIDFILE"; return 1; }
        sleep 0.1
    done
    [ -n "$URL" ] || { hm_say "sandbox: the emulator printed no ready line in 30 s (log: ${LOG})"; do_stop >&2; return 1; }
    "${venv}/bin/python" - "$URL" "${HM_ROOT}/hack/sandbox-seed.json" <<'EOF'
import json
import sys

import requests

url, seed = sys.argv[1], sys.argv[2]
with open(seed) as handle:
    answer = requests.post(url + "/_emulator/seed", json=json.load(handle), timeout=10)
answer.raise_for_status()
body = answer.json()
event = body["events"][0]
print("sandbox: seeded event %s (external ids %s / %s) with %d registered contacts"
      % (event["objectId"], event["externalAccountId"], event["externalEventId"], body["participations"]))
EOF
}

do_start() {
    local py venv pid
    if [ -n "${HM_SANDBOX_VENV:-}" ]; then
        venv="$HM_SANDBOX_VENV"
    else
        py="$(hm_python_for_core demo)" || exit 1
        venv="$(hm_ensure_venv demo "$py")"
    fi
    mkdir -p "$SANDBOX"
    if pid="$(sandbox_pid)"; then
        echo "sandbox: replacing the running sandbox (pid ${pid})"
        do_stop >/dev/null
    fi
    install_collection "$venv"
    start_emulator "$venv"
    pid="$(cat "$PIDFILE")"
    cat >"$ENVFILE" <<EOF
export ANSIBLE_COLLECTIONS_PATH=$(printf '%q' "$COLLECTIONS")
export HUBSPOT_ACCESS_TOKEN=${HM_EMULATOR_TOKEN}
export HUBSPOT_BASE_URL=${URL}
EOF
    cat <<EOF

===== sandbox ready =====
HubSpot emulator: ${URL}  (pid ${pid}, log ${LOG})
Stop it with:     make sandbox-stop   (or: kill ${pid})

Paste into your shell (or: source ${ENVFILE}):

$(cat "$ENVFILE")

ansible-core with the collection's requirements is in ${venv}/bin; to use it:
  export PATH=$(printf '%q' "${venv}/bin"):\$PATH

Try (localhost needs no inventory; Ansible then runs modules with its own Python):
  ansible-playbook ${INSTALLED}/playbooks/demo.yml
  ansible localhost -m hubspot.marketing.marketing_event_participation_info \\
    -a '{"external_account_id": "demo-account", "external_event_id": "webinar-2026-11"}'
  ansible-doc hubspot.marketing.marketing_event_attendance
The emulator's own view: curl -s ${URL}/_emulator/state
EOF
}

case "${1:-start}" in
    start) do_start ;;
    stop) do_stop ;;
    status) do_status ;;
    *) echo "usage: hack/sandbox.sh [start|stop|status]" >&2; exit 2 ;;
esac
