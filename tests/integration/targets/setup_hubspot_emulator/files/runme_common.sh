# shellcheck shell=bash
# Shared steps of the script targets (runme.sh) that start their own emulators, proxies or gateways
# and check their output for secrets. A target sources it as
#   source ../setup_hubspot_emulator/files/runme_common.sh
# with `needs/target/setup_hubspot_emulator` in its aliases. Never `set -x` around these: the
# leak check handles the secrets' values.

HM_PIDS=()

# hm_tests_dir: the collection's tests/ directory. ansible-test runs a copy of the target inside the
# collection, so walk up from here; else look along ANSIBLE_COLLECTIONS_PATH.
hm_tests_dir() {
    local dir root
    local -a roots
    dir="$(pwd)"
    while [ "$dir" != "/" ]; do
        if [ -f "$dir/tests/emulator/hubspot_emulator.py" ]; then echo "$dir/tests"; return 0; fi
        dir="$(dirname "$dir")"
    done
    IFS=: read -r -a roots <<<"${ANSIBLE_COLLECTIONS_PATH:-}"
    for root in "${roots[@]}"; do
        if [ -f "$root/ansible_collections/hubspot/marketing/tests/emulator/hubspot_emulator.py" ]; then
            echo "$root/ansible_collections/hubspot/marketing/tests"; return 0
        fi
    done
    echo "cannot find the collection's tests/emulator/hubspot_emulator.py" >&2
    return 1
}

# hm_start OUT NAME VARIABLE COMMAND...: run COMMAND in the background (output in OUT/NAME.out and
# .err), wait for its "listening on URL" line and set VARIABLE to the URL. hm_stop_all stops them all.
hm_start() {
    local out="$1" name="$2" variable="$3"; shift 3
    "$@" </dev/null >"$out/$name.out" 2>"$out/$name.err" &
    HM_PIDS+=("$!")
    for _ in $(seq 1 100); do
        grep -q "listening on" "$out/$name.out" 2>/dev/null && break
        sleep 0.1
    done
    printf -v "$variable" '%s' "$(grep -m1 -o 'https\?://[^[:space:]]*' "$out/$name.out")"
    [ -n "${!variable}" ] || { echo "${name} did not start" >&2; cat "$out/$name.err" >&2; return 1; }
}

hm_stop_all() {
    local pid
    for pid in "${HM_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
}

# Lines where Ansible masked a no_log value (********) outside its banners: a plugin tried to print a secret.
_hm_masked() { grep -nE -- '(^|[^*])[*]{8}([^*]|$)' "$1" | grep -vE '(TASK|PLAY|PLAYBOOK|HANDLER|RECAP|INCLUDED).*[*]+$' || true; }

# hm_leak_check OUT "NAME ..." FIND-PREDICATE...: prints every file under OUT (chosen by the find
# predicates) that holds the value of a variable NAME, and every *.stdout / callback.log with a
# masked value; sets HM_LEAKS to their number.
hm_leak_check() {
    local out="$1" names="$2" name value file
    shift 2
    HM_LEAKS=0
    for name in $names; do
        value="${!name}"
        while IFS= read -r -d '' file; do
            if grep -qF -- "$value" "$file"; then
                HM_LEAKS=$((HM_LEAKS + 1))
                echo "LEAK: ${name} appears in ${file#"$out"/}:"
                grep -nF -- "$value" "$file" | head -n 5 | sed "s/${value}/<${name}>/g" | cut -c1-400
            fi
        done < <(find "$out" -type f "$@" -print0)
    done
    for file in "$out"/*.stdout "$out"/callback.log; do
        [ -f "$file" ] || continue
        if [ -n "$(_hm_masked "$file")" ]; then
            HM_LEAKS=$((HM_LEAKS + 1))
            echo "MASKED VALUE: Ansible had to mask a secret in ${file#"$out"/}:"
            _hm_masked "$file" | head -n 3 | cut -c1-300
        fi
    done
}
