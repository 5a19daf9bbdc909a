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
out="$(mktemp -d "${TMPDIR:-/tmp}/secrets_no_leak.XXXXXX")"

# shellcheck source=/dev/null  # ../setup_hubspot_emulator/files/runme_common.sh (needs/target in aliases)
source ../setup_hubspot_emulator/files/runme_common.sh
tests="$(hm_tests_dir)"

token() { "$py" -c 'import secrets, sys; print(sys.argv[1] + secrets.token_hex(16))' "$1"; }
SECRETS_GOOD="$(token pat-na1-good-)"
SECRETS_RO="$(token pat-na1-readonly-)"
SECRETS_BAD="$(token pat-na1-wrong-)"
# A token with a character where a "Bearer <value>" pattern stops: its tail must not leak either.
SECRETS_ODD_TAIL="$(token tail-)"
SECRETS_ODD="$(token pat-na1-odd-);${SECRETS_ODD_TAIL}"
# The good token in base64, as a gateway may echo it.
SECRETS_GOOD_B64="$("$py" -c 'import base64, sys; print(base64.b64encode(sys.argv[1].encode()).decode())' "$SECRETS_GOOD")"
export SECRETS_GOOD SECRETS_RO SECRETS_BAD SECRETS_ODD SECRETS_ODD_TAIL SECRETS_GOOD_B64

cleanup() {
    hm_stop_all
    if [ -n "${SECRETS_NO_LEAK_KEEP:-}" ]; then echo "secrets_no_leak: output kept in ${out}"; else rm -rf "$out"; fi
}
trap cleanup EXIT
# Reads are immediate (--contact-lag 0 --event-lag 0): this target tests secrets, not HubSpot's read lags.
hm_start "$out" emulator SECRETS_URL "$py" "$tests/emulator/hubspot_emulator.py" --port 0 --token "$SECRETS_GOOD" \
    --read-only-token "$SECRETS_RO" --verbose --contact-lag 0 --event-lag 0
export SECRETS_URL
echo "secrets_no_leak: private emulator at ${SECRETS_URL}"

# A gateway that echoes every request, Authorization header included, in its error pages.
hm_start "$out" gateway SECRETS_ECHO_URL "$py" echo_gateway.py
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
            # a module's token given as a dict (ansible-core alone would turn it into text)
            "invalid arguments: access_token: must be a string, got dict",
            "<redacted>",
            # gateways echoing the token in JSON escapes, in base64, and a token where the Bearer pattern stops
            "rejected <redacted>", "upstream refused basic <redacted>", "rejected header Authorization: <redacted>",
            # the lookup given the token where it does not belong: refused, the value masked
            "state: must be one of registered, attended, cancelled, no_show, got '<redacted>'", "term 1 ('<redacted>')"]
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

hm_leak_check "$out" "SECRETS_GOOD SECRETS_RO SECRETS_BAD SECRETS_ODD SECRETS_ODD_TAIL SECRETS_GOOD_B64" ! -name 'emulator.out' ! -name 'gateway.out'
leaks="$HM_LEAKS"
if [ "$leaks" -ne 0 ]; then
    echo "secrets_no_leak: FAILED, ${leaks} leak(s)"
    exit 1
fi
echo "secrets_no_leak: no token in $(find "$out" -type f | wc -l) files of output"
