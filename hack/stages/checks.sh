# shellcheck shell=bash
# Stages of hack/run.sh that run once, not per ansible-core: the emulator and functional tests,
# the complexity gate, the docs site and the AWX (ansible-runner) run.

# The emulator's contract tests and the tests that start emulator processes (tests/functional),
# with the tools venv's Python; imports go through ansible_collections.hubspot.marketing.
stage_emulator_tests() {
    local -a dirs=()
    need_tools
    has_test_files "${HM_STAGE}/tests/emulator" && dirs+=(tests/emulator)
    has_test_files "${HM_STAGE}/tests/functional" && dirs+=(tests/functional)
    [ "${#dirs[@]}" -gt 0 ] || skip "no tests under tests/emulator or tests/functional yet"
    in_venv "$TOOLS_VENV" env PYTHONPATH="$HM_STAGE_ROOT" python -m pytest -p no:cacheprovider -q "${dirs[@]}" </dev/null
}

# flake8's mccabe check (C90) with the limits in .flake8; its own small venv.
stage_complexity() {
    local py venv
    [ -f "${HM_STAGE}/.flake8" ] || skip "no .flake8 configuration yet"
    py="$(hm_python_for_core tools)" || { note "no Python for the lint venv"; exit 1; }
    venv="$(hm_ensure_venv lint "$py")"
    in_venv "$venv" flake8 --count </dev/null
}

# The HTML docs site, built offline into build/docs (kept); broken references fail it.
stage_docs() {
    need_tools
    TOOLS_VENV="$TOOLS_VENV" bash "${HM_STAGE}/hack/docs.sh" "${HM_ROOT}/build/docs" </dev/null
}

# The demo playbook as AWX runs it: ansible-runner, collection installed from the tarball,
# token injected as the credential type injects it; no token in the job artifacts.
stage_awx() {
    need_tools
    # It installs the tarball into its own collections path: keep the stage off the search path.
    ( cd "$HM_STAGE" && env -u ANSIBLE_COLLECTIONS_PATH PATH="${TOOLS_VENV}/bin:${PATH}" python hack/awx_runner_test.py </dev/null )
}

