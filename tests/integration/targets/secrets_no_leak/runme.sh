#!/usr/bin/env bash
# Runs every module, the lookup and the role at -vvvv against a private emulator that knows only
# freshly generated tokens, with failures forced (bad token, 403, 500, validation errors, dropped
# connections, malformed and HTML bodies, the DAILY limit), in normal, --check and --diff runs and
# one ad-hoc run with the tree callback. Then asserts that no token string used (the good one,
# the read-only one, the wrong one) appears in stdout, stderr, the callback log (ANSIBLE_LOG_PATH),
# the registered results, the diffs, the tree callback files, or the emulator's request log
# (method, path and query of every request: the token travels only in the Authorization header).
#
# Never `set -x` here: it would print the tokens.
set -eu -o pipefail

py="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}"
here="$(pwd)"
out="$(mktemp -d "${TMPDIR:-/tmp}/secrets_no_leak.XXXXXX")"

# The emulator: walk up from the target (ansible-test runs a copy inside the collection), then the collection path.
emulator=""
dir="$here"
while [ "$dir" != "/" ]; do
    if [ -f "$dir/tests/emulator/hubspot_emulator.py" ]; then emulator="$dir/tests/emulator/hubspot_emulator.py"; break; fi
    dir="$(dirname "$dir")"
done
if [ -z "$emulator" ]; then
    IFS=: read -r -a roots <<<"${ANSIBLE_COLLECTIONS_PATH:-}"
    for root in "${roots[@]}"; do
        cand="$root/ansible_collections/hubspot/marketing/tests/emulator/hubspot_emulator.py"
        if [ -f "$cand" ]; then emulator="$cand"; break; fi
    done
fi
[ -n "$emulator" ] || { echo "secrets_no_leak: cannot find tests/emulator/hubspot_emulator.py" >&2; exit 1; }

token() { "$py" -c 'import secrets, sys; print(sys.argv[1] + secrets.token_hex(16))' "$1"; }
SECRETS_GOOD="$(token pat-na1-good-)"
SECRETS_RO="$(token pat-na1-readonly-)"
SECRETS_BAD="$(token pat-na1-wrong-)"
export SECRETS_GOOD SECRETS_RO SECRETS_BAD

# Reads are immediate (--contact-lag 0 --event-lag 0): this target tests secrets, not HubSpot's read lags.
"$py" "$emulator" --port 0 --token "$SECRETS_GOOD" --read-only-token "$SECRETS_RO" --verbose --contact-lag 0 --event-lag 0 \
    </dev/null >"$out/emulator.out" 2>"$out/emulator.err" &
emulator_pid=$!
gateway_pid=""
cleanup() {
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
    if [ -n "$gateway_pid" ]; then
        kill "$gateway_pid" 2>/dev/null || true
        wait "$gateway_pid" 2>/dev/null || true
    fi
    if [ -n "${SECRETS_NO_LEAK_KEEP:-}" ]; then echo "secrets_no_leak: output kept in ${out}"; else rm -rf "$out"; fi
}
trap cleanup EXIT
for _ in $(seq 1 100); do
    grep -q 'listening on' "$out/emulator.out" 2>/dev/null && break
    sleep 0.1
done
SECRETS_URL="$(grep -o 'http://[^[:space:]]*' "$out/emulator.out")"
export SECRETS_URL
echo "secrets_no_leak: private emulator at ${SECRETS_URL}"

# A gateway that echoes every request, Authorization header included, in its error pages.
"$py" echo_gateway.py </dev/null >"$out/gateway.out" 2>"$out/gateway.err" &
gateway_pid=$!
for _ in $(seq 1 100); do
    grep -q 'listening on' "$out/gateway.out" 2>/dev/null && break
    sleep 0.1
done
SECRETS_ECHO_URL="$(grep -o 'http://[^[:space:]]*' "$out/gateway.out")"
export SECRETS_ECHO_URL

export ANSIBLE_LOG_PATH="$out/callback.log"
export ANSIBLE_NOCOLOR=1
common=(-i "localhost," -c local -e "ansible_python_interpreter=${py}" -e "results_dir=${out}")

run() {  # run NAME ARGS...: an ansible command, its output kept; its exit code does not matter here
    local name="$1"; shift
    set +e
    "$@" "${common[@]}" >"$out/$name.stdout" 2>"$out/$name.stderr" </dev/null
    echo "secrets_no_leak: ${name} exited $?"
    set -e
}

run playbook ansible-playbook -vvvv --diff secrets.yml
run check ansible-playbook -vvvv --check --diff -e results_name=check secrets.yml
# Ad-hoc, token from the environment of the host that runs the module (the documented fallback), tree callback on.
# (Not through the `environment:` keyword: Ansible prints that in the -vvv command line; see docs/docsite/rst/security.rst.)
HUBSPOT_ACCESS_TOKEN="$SECRETS_BAD" run adhoc ansible localhost -vvvv -t "$out/tree" -m hubspot.marketing.marketing_event_attendance \
    -a '{"base_url": "{{ lookup(\"env\", \"SECRETS_URL\") }}", "event_id": "1", "state": "attended", "contacts": [{"id": 1}]}'
HUBSPOT_ACCESS_TOKEN="$SECRETS_RO" run adhoc-info ansible localhost -vvvv -t "$out/tree-info" -m hubspot.marketing.marketing_event_participation_info \
    -a '{"base_url": "{{ lookup(\"env\", \"SECRETS_URL\") }}", "contact": "ann@example.com"}'
"$py" -c 'import json, sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1] + "/_emulator/requests").read().decode())' \
    "$SECRETS_URL" >"$out/requests.json"

# The runs really exercised the failure paths (else the test proves nothing).
"$py" - "$out" <<'PYEOF'
import json, os, sys
out = sys.argv[1]
with open(os.path.join(out, "results-run.json")) as handle:
    results = json.load(handle)
text = json.dumps(results)
expected = ["INVALID_AUTHENTICATION", "MISSING_SCOPES", "INTERNAL_ERROR", "invalid arguments", "no response",
            "not valid JSON", "non-JSON response body", "daily API request limit", "must not contain credentials",
            # issue 11, items 1-3: tokens given as a dict or a list, gateways echoing the request, the lookup's vars form
            "must be a string, got dict", "must be a string, got list", "502 Bad Gateway", "rejected header Authorization",
            "<redacted>"]
missing = [e for e in expected if e not in text]
failed = sorted(k for k, v in results.items() if isinstance(v, dict) and v.get("failed"))
print("secrets_no_leak: %d results, %d failed as intended" % (len(results), len(failed)))
if missing:
    sys.exit("secrets_no_leak: these failure paths were not exercised: %s" % ", ".join(missing))
statuses = set(r["status"] for r in json.load(open(os.path.join(out, "requests.json")))["requests"])
for status in (200, 401, 403, 500, 429, 0):
    if status not in statuses:
        sys.exit("secrets_no_leak: no request ended with status %s" % status)
# The documented vars form (hubspot_access_token: "{{ token }}") really authenticated: it read the event.
for name in ("lookup_vars_ok", "lookup_vars_ok_nospace"):
    if not isinstance(results.get(name), list):
        sys.exit("secrets_no_leak: the lookup's vars form did not run (%s): %r" % (name, results.get(name)))
if not os.path.exists(os.path.join(out, "results-check.json")):
    sys.exit("secrets_no_leak: the --check run did not finish")
PYEOF

leaks=0
for name in SECRETS_GOOD SECRETS_RO SECRETS_BAD; do
    value="${!name}"
    while IFS= read -r -d '' file; do
        if grep -qF -- "$value" "$file"; then
            leaks=$((leaks + 1))
            echo "LEAK: the ${name} token appears in ${file#"$out"/}:"
            grep -nF -- "$value" "$file" | head -n 5 | sed "s/${value}/<${name}>/g" | cut -c1-400
        fi
    done < <(find "$out" -type f ! -name 'emulator.out' ! -name 'gateway.out' -print0)
done
# Ansible masks a no_log value it finds in output as ********: that too means a plugin tried to print a token.
masked() { grep -nE -- '(^|[^*])[*]{8}([^*]|$)' "$1" | grep -vE '(TASK|PLAY|PLAYBOOK|HANDLER|RECAP|INCLUDED).*[*]+$' || true; }
for file in "$out"/*.stdout "$out"/callback.log; do
    if [ -n "$(masked "$file")" ]; then
        leaks=$((leaks + 1))
        echo "MASKED VALUE: Ansible had to mask a secret in ${file#"$out"/}:"
        masked "$file" | head -n 3 | cut -c1-400
    fi
done
if [ "$leaks" -ne 0 ]; then
    echo "secrets_no_leak: FAILED, ${leaks} leak(s)"
    exit 1
fi
echo "secrets_no_leak: no token in $(find "$out" -type f | wc -l) files of output"
