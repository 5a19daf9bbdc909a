#!/usr/bin/env bash
# Proxies and private CAs, end to end: two emulators (plain http, and https with a certificate from a
# private CA) and two forwarding proxies from tests/proxy (an open one, one that requires credentials).
# The modules and the lookup reach both emulators through the proxies (explicit `proxy`, HTTPS_PROXY,
# the lookup's hubspot_proxy), the https one with `ca_path`; NO_PROXY and use_proxy=false go direct.
# Everything runs at -vvvv; afterwards no token and no proxy credential may appear in any output,
# and the proxies' logs must show exactly the traffic the playbook claims.
#
# Never `set -x` here: it would print the secrets.
set -eu -o pipefail

py="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}"
out="$(mktemp -d "${TMPDIR:-/tmp}/proxy_and_ca.XXXXXX")"

# shellcheck source=/dev/null  # ../setup_hubspot_emulator/files/runme_common.sh (needs/target in aliases)
source ../setup_hubspot_emulator/files/runme_common.sh
tests="$(hm_tests_dir)"

PROXY_TOKEN="$("$py" -c 'import secrets; print("pat-na1-proxy-" + secrets.token_hex(16))')"
PROXY_USER="ansible-user"
PROXY_PASSWORD="$("$py" -c 'import secrets; print("pw-" + secrets.token_hex(12) + "!")')"
PROXY_PASSWORD_URL="${PROXY_PASSWORD%!}%21"
# shellcheck disable=SC2034  # read through ${!name} below
PROXY_BASIC="$("$py" -c 'import base64, sys; print(base64.b64encode(sys.argv[1].encode()).decode())' "${PROXY_USER}:${PROXY_PASSWORD}")"
export PROXY_TOKEN

"$py" "$tests/proxy/tls_ca.py" "$out" >/dev/null
PROXY_CA="$out/ca.pem"
export PROXY_CA

cleanup() {
    hm_stop_all
    if [ -n "${PROXY_AND_CA_KEEP:-}" ]; then echo "proxy_and_ca: output kept in ${out}"; else rm -rf "$out"; fi
}
trap cleanup EXIT
start() { hm_start "$out" "$@"; }  # start NAME VARIABLE COMMAND...
emu=("$py" "$tests/emulator/hubspot_emulator.py" --port 0 --token "$PROXY_TOKEN" --contact-lag 0 --event-lag 0)
start emulator-http HTTP_URL "${emu[@]}"
start emulator-https HTTPS_URL "${emu[@]}" --tls-cert "$out/server.pem" --tls-key "$out/server-key.pem"
start proxy-open OPEN_PROXY "$py" "$tests/proxy/forward_proxy.py"
start proxy-auth AUTH_PROXY_PLAIN "$py" "$tests/proxy/forward_proxy.py" --user "$PROXY_USER" --password "$PROXY_PASSWORD"
start proxy-tls TLS_PROXY "$py" "$tests/proxy/forward_proxy.py" --tls-cert "$out/server.pem" --tls-key "$out/server-key.pem"
AUTH_PROXY="${AUTH_PROXY_PLAIN/http:\/\//http://${PROXY_USER}:${PROXY_PASSWORD_URL}@}"
WRONG_PROXY="${AUTH_PROXY_PLAIN/http:\/\//http://${PROXY_USER}:wrong-${PROXY_PASSWORD_URL}@}"
export HTTP_URL HTTPS_URL OPEN_PROXY AUTH_PROXY_PLAIN AUTH_PROXY WRONG_PROXY TLS_PROXY
echo "proxy_and_ca: emulators ${HTTP_URL} ${HTTPS_URL}, proxies ${OPEN_PROXY} ${AUTH_PROXY_PLAIN} ${TLS_PROXY}"

export ANSIBLE_LOG_PATH="$out/callback.log"
export ANSIBLE_NOCOLOR=1
unset NO_PROXY no_proxy HTTP_PROXY http_proxy ALL_PROXY all_proxy
common=(-i "localhost," -c local -e "ansible_python_interpreter=${py}")

# 1. Through the proxies: HTTPS_PROXY (with credentials) for https, explicit proxy options for http.
HTTPS_PROXY="$AUTH_PROXY" ansible-playbook -vvvv "${common[@]}" proxy.yml >"$out/proxied.stdout" 2>"$out/proxied.stderr" </dev/null \
    || { tail -n 60 "$out/proxied.stdout"; exit 1; }
proxied="$(wc -l <"$out/proxy-auth.out")"

# 2. NO_PROXY names the emulators' host: the same proxy variable is not used (lookup and modules).
HTTPS_PROXY="$AUTH_PROXY" NO_PROXY="127.0.0.1" ansible-playbook -vvvv "${common[@]}" direct.yml >"$out/direct.stdout" 2>"$out/direct.stderr" </dev/null \
    || { tail -n 60 "$out/direct.stdout"; exit 1; }
[ "$(wc -l <"$out/proxy-auth.out")" -eq "$proxied" ] || { echo "proxy_and_ca: NO_PROXY was not honoured"; tail -n 5 "$out/proxy-auth.out"; exit 1; }
# validate_certs=false: the lookup's own warning, once, and not urllib3's InsecureRequestWarning beside it.
grep -q "validate_certs is false, the TLS certificate of ${HTTPS_URL} is not verified" "$out/direct.stdout" "$out/direct.stderr" \
    || { echo "proxy_and_ca: the lookup did not warn about validate_certs=false"; exit 1; }
if grep -n "Unverified HTTPS request\|InsecureRequestWarning" "$out/direct.stdout" "$out/direct.stderr"; then
    echo "proxy_and_ca: urllib3's warning repeats the lookup's"; exit 1
fi

# The proxies' logs: what went through which proxy.
"$py" - "$out" "$HTTP_URL" "$HTTPS_URL" <<'PYEOF'
import json, sys
out, http_url, https_url = sys.argv[1:]
def log(name):
    with open("%s/%s.out" % (out, name)) as handle:
        return [json.loads(line) for line in handle.read().splitlines()[1:]]
auth, open_, tls = log("proxy-auth"), log("proxy-open"), log("proxy-tls")
tunnel = https_url.split("//")[1]
connects = [e for e in auth if e["method"] == "CONNECT" and e["target"] == tunnel]
if len([e for e in connects if e["authorized"]]) < 2:
    sys.exit("proxy_and_ca: the https module and lookup did not tunnel through the authenticated proxy: %r" % auth)
if not any(not e["authorized"] for e in auth):
    sys.exit("proxy_and_ca: the wrong-credentials case never reached the proxy: %r" % auth)
methods = set(e["method"] for e in open_ if e["target"].startswith(http_url + "/marketing/"))
if not {"GET", "POST"} <= methods:
    sys.exit("proxy_and_ca: the http modules and lookup did not go through the open proxy: %r" % open_)
# The https:// proxy: the trusted task's read and write (ca_path); the task without it never got past TLS.
if [e["method"] for e in tls] != ["GET", "POST"] or not all(e["target"].startswith(http_url + "/marketing/") for e in tls):
    sys.exit("proxy_and_ca: the https proxy should have forwarded exactly the trusted task's read and write: %r" % tls)
print("proxy_and_ca: %d requests through the authenticated proxy, %d through the open one, %d through the https one"
      % (len(auth), len(open_), len(tls)))
PYEOF

hm_leak_check "$out" "PROXY_TOKEN PROXY_PASSWORD PROXY_PASSWORD_URL PROXY_BASIC" \( -name '*.stdout' -o -name '*.stderr' -o -name 'callback.log' \)
leaks="$HM_LEAKS"
[ "$leaks" -eq 0 ] || { echo "proxy_and_ca: FAILED, ${leaks} leak(s)"; exit 1; }
echo "proxy_and_ca: passed; no token or proxy credential in the output"
