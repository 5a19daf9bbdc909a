#!/usr/bin/env bash
# Runs the plays and task lists of README.md and docs/docsite/rst that use the collection against a
# private emulator (see ../docs_examples/run_examples.py). On the primary ansible-core only: the
# plugins' EXAMPLES, run on every core by docs_examples, cover the same plugins.
set -eu -o pipefail
exec "${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}" ../docs_examples/run_examples.py --pages "$@"
