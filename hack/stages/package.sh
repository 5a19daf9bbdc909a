# shellcheck shell=bash
# Packaging stages of hack/run.sh, all in the tools venv: build and install the tarball (every
# plugin's ansible-doc from the install), ansible-lint, antsibull-docs lint, changelog lint,
# galaxy-importer and ansible-builder.

first_tarball() {
    local t=("${HM_STAGE_ROOT}"/dist/hubspot-marketing-*.tar.gz)
    printf '%s\n' "${t[0]}"
}

# ansible-doc against the installed tarball only (not the stage).
doc_in_install() {
    ( cd "${HM_STAGE_ROOT}/install" && ANSIBLE_COLLECTIONS_PATH="${HM_STAGE_ROOT}/install" \
        "${TOOLS_VENV}/bin/ansible-doc" "$@" </dev/null )
}

stage_build() {
    local tarball kind name plugins=0
    need_tools
    rm -rf "${HM_STAGE_ROOT}/dist" "${HM_STAGE_ROOT}/install"
    mkdir -p "${HM_STAGE_ROOT}/dist" "${HM_STAGE_ROOT}/install"
    in_venv "$TOOLS_VENV" ansible-galaxy collection build --output-path "${HM_STAGE_ROOT}/dist" </dev/null
    tarball="$(first_tarball)"
    [ -f "$tarball" ] || { note "ansible-galaxy collection build made no tarball"; exit 1; }
    echo "contents of $(basename "$tarball"):"
    tar -tzf "$tarball" | sed 's/^/  /'
    # Install with a collections path that does not contain the stage, or galaxy sees it as installed.
    ( cd "${HM_STAGE_ROOT}/install" && ANSIBLE_COLLECTIONS_PATH="${HM_STAGE_ROOT}/install" \
        "${TOOLS_VENV}/bin/ansible-galaxy" collection install --offline --force -p "${HM_STAGE_ROOT}/install" "$tarball" </dev/null )
    [ -f "${HM_STAGE_ROOT}/install/ansible_collections/hubspot/marketing/MANIFEST.json" ] \
        || { note "the tarball did not install"; exit 1; }
    # Every module file must load; other plugin types are checked as ansible-doc lists them.
    for kind in module lookup filter test inventory callback connection; do
        local names
        names="$(doc_in_install -t "$kind" --list --json hubspot.marketing \
            | "${TOOLS_VENV}/bin/python" -c 'import json,sys; print("\n".join(sorted(json.load(sys.stdin))))')"
        if [ "$kind" = module ]; then
            for name in "${HM_STAGE}"/plugins/modules/*.py; do
                [ -f "$name" ] || continue
                name="$(basename "$name" .py)"
                case "$name" in __init__|_*) continue ;; esac
                grep -qx "hubspot.marketing.${name}" <<<"$names" || { note "module ${name} is missing from ansible-doc --list"; exit 1; }
            done
        fi
        for name in $names; do
            plugins=$((plugins + 1))
            echo "ansible-doc -t ${kind} ${name}"
            doc_in_install -t "$kind" "$name" >"${HM_LOGS}/doc.txt" 2>&1 \
                || { cat "${HM_LOGS}/doc.txt"; note "ansible-doc failed for ${name}"; exit 1; }
            if grep -q '^\[WARNING\]\|^ERROR' "${HM_LOGS}/doc.txt"; then
                cat "${HM_LOGS}/doc.txt"; note "ansible-doc warned for ${name}"; exit 1
            fi
        done
    done
    note "built $(basename "$tarball"), ${plugins} plugin docs checked from the install"
}

stage_ansible_lint() {
    need_tools
    in_venv "$TOOLS_VENV" ansible-lint --offline </dev/null
}

# Without ANSIBLE_COLLECTIONS_PATH: antsibull-docs lints a temp copy of the collection, and when the
# collection is found on that path too, the pages' edit link holds the temp copy's path; a temp dir
# whose random name ends in "_" then reads as an RST reference ("Unknown target name:
# antsibull-docs-..."), failing about 1 run in 37.
stage_docs_lint() {
    need_tools
    ( cd "$HM_STAGE" && PATH="${TOOLS_VENV}/bin:${PATH}" env -u ANSIBLE_COLLECTIONS_PATH \
        antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs all . </dev/null )
}

stage_changelog_lint() {
    need_tools
    in_venv "$TOOLS_VENV" antsibull-changelog lint </dev/null
}

stage_galaxy_importer() {
    local tarball log="${HM_LOGS}/galaxy-importer.log" rc=0
    need_tools
    tarball="$(first_tarball)"
    [ -f "$tarball" ] || { note "no tarball: the build stage failed"; exit 1; }
    # PATH: the importer runs ansible-doc and ansible-lint from PATH and silently skips them if absent.
    ( cd "$HM_STAGE_ROOT" && PATH="${TOOLS_VENV}/bin:${PATH}" GALAXY_IMPORTER_CONFIG="${HM_ROOT}/hack/galaxy-importer.cfg" \
        "${TOOLS_VENV}/bin/python" -m galaxy_importer.main "$tarball" </dev/null ) >"$log" 2>&1 || rc=$?
    if grep -q 'not found, skipping' "$log"; then
        cat "$log"; note "galaxy-importer could not find a tool it runs"; exit 1
    fi
    cat "$log"
    if [ "$rc" -ne 0 ]; then
        note "galaxy-importer exited ${rc}"; exit 1
    fi
    if grep -Eq '^(ERROR|CRITICAL)|ImporterError' "$log"; then
        note "galaxy-importer reported errors"; exit 1
    fi
    # Warnings from its ansible-lint/ansible-doc runs are listed but do not fail the stage.
    if grep -q 'WARNING' "$log"; then
        note "$(grep -c 'WARNING' "$log") importer warning(s), see above"
    fi
}

stage_builder() {
    local ctx="${HM_STAGE_ROOT}/ee" out
    need_tools
    [ -d "${HM_STAGE_ROOT}/install/ansible_collections/hubspot/marketing" ] || { note "no installed collection: the build stage failed"; exit 1; }
    echo "ansible-builder introspect --sanitize (dependencies from meta/execution-environment.yml):"
    out="$("${TOOLS_VENV}/bin/ansible-builder" introspect --sanitize "${HM_STAGE_ROOT}/install" </dev/null)"
    printf '%s\n' "$out"
    for pkg in requests jsonschema; do
        grep -Eqi "^ *- *'?${pkg}[^a-z0-9_-].*hubspot\.marketing" <<<"$out" \
            || { note "introspect does not list ${pkg} for hubspot.marketing"; exit 1; }
    done
    rm -rf "$ctx"; mkdir -p "$ctx"
    cp "${HM_STAGE_ROOT}"/dist/hubspot-marketing-*.tar.gz "$ctx/"
    cat >"${ctx}/execution-environment.yml" <<EOF
---
version: 3
images:
  base_image:
    name: quay.io/ansible/awx-ee:latest
dependencies:
  galaxy:
    collections:
      - name: ${ctx}/$(basename "$(first_tarball)")
        type: file
  python: ${HM_STAGE}/requirements.txt
EOF
    ( cd "$ctx" && "${TOOLS_VENV}/bin/ansible-builder" create -f execution-environment.yml -c context </dev/null )
    grep -q requests "${ctx}/context/_build/requirements.txt"
    note "introspect + create OK"
}

