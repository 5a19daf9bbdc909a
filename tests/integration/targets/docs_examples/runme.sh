#!/usr/bin/env bash
# Runs every documented example (ansible-doc EXAMPLES of each module, lookup and filter, and the
# role READMEs) against a private emulator; see run_examples.py.
set -eu -o pipefail
exec "${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}" run_examples.py "$@"
