#!/usr/bin/env bash
# `make bench [PROFILE=realistic|starter|fast]`: request counts, wall times, memory and the peers
# against the emulator (benchmarks/README.md). Not a test. Writes benchmarks/results/<PROFILE>/.
# Two venvs: demo (ansible-core + the collection's requirements: runs the playbooks, the modules and
# the per-contact script) and bench (hack/venvs/bench.txt: hubspot-api-client for the SDK peer,
# matplotlib for the plot; it runs bench.py). BENCH_ARGS is passed on to benchmarks/bench.py.
set -euo pipefail

# shellcheck source=hack/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

hm_script_setup

PROFILE="${PROFILE:-fast}"
case "$PROFILE" in
    realistic|starter|fast) ;;
    *) hm_say "unknown PROFILE '${PROFILE}' (realistic, starter or fast)"; exit 2 ;;
esac

py="$(hm_python_for_core 2.19)" || { hm_say "no Python 3.11 found"; exit 1; }
demo="$(hm_ensure_venv demo "$py")"
bench="$(hm_ensure_venv bench "$py")"
hm_stage
start=$(date +%s)
# shellcheck disable=SC2086 # BENCH_ARGS holds several arguments
ANSIBLE_COLLECTIONS_PATH="$HM_STAGE_ROOT" "${bench}/bin/python" "${HM_ROOT}/benchmarks/bench.py" \
    --profile "$PROFILE" --python "${demo}/bin/python" ${BENCH_ARGS:-} </dev/null
echo "make bench PROFILE=${PROFILE}: $(( $(date +%s) - start )) s"
