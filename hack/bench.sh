#!/usr/bin/env bash
# `make bench`: request counts and wall times against the emulator (benchmarks/README.md).
# Not a test. BENCH_ARGS is passed on to benchmarks/bench.py (e.g. BENCH_ARGS=--quick).
set -euo pipefail

# shellcheck source=hack/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

HM_LOGS="$(mktemp -d "${TMPDIR:-/tmp}/hubspot-marketing-logs.XXXXXX")"
export HM_LOGS
trap 'hm_cleanup; rm -rf "${HM_LOGS}"' EXIT

py="$(hm_python_for_core 2.19)" || { hm_say "no Python 3.11 found"; exit 1; }
venv="$(hm_ensure_venv demo "$py")"
hm_stage
# shellcheck disable=SC2086 # BENCH_ARGS holds several arguments
ANSIBLE_COLLECTIONS_PATH="$HM_STAGE_ROOT" "${venv}/bin/python" "${HM_ROOT}/benchmarks/bench.py" \
    --python "${venv}/bin/python" ${BENCH_ARGS:-} </dev/null
