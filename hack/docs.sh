#!/usr/bin/env bash
# Build the collection's HTML docs site offline (what `make docs` and CI run).
#
#   hack/docs.sh [OUTPUT_DIR]        default OUTPUT_DIR: build/docs of the checkout (git-ignored, kept)
#
# Steps: stage the git-visible tree as .../ansible_collections/hubspot/marketing, check that the
# credential type shown in docs/docsite/rst/awx.rst is docs/awx/hubspot_credential_type.yml,
# generate a Sphinx site with
# `antsibull-docs sphinx-init --use-current`, put the collection's front page (docs/site/index.rst)
# in place of the generator's boilerplate index, and build it with `sphinx-build -W --keep-going` in
# nitpicky mode, so any broken reference (a bad :ansplugin:/:ansopt:/:ref:, a missing label) fails.
# Last, it checks what it wrote: OUTPUT_DIR/index.html exists after the temporary files are gone,
# is the collection's front page (not the boilerplate) and links the guides; it prints the path.
#
# Offline: the generated conf.py points intersphinx at Python/Jinja/Ansible servers. This script
# replaces that with a local inventory (written below) that maps the few Ansible-docs labels the
# generated pages use to their docs.ansible.com URLs, so links still work and nothing is fetched.
# A new external label shows up as "undefined label: 'x'": add it to EXTERNAL_LABELS below.
#
# Needs only what builds the site: the docs venv (hack/venvs/docs.txt: ansible-core, antsibull-docs,
# sphinx, sphinx-ansible-theme, ansible-pygments), created on first use under the cache, or DOCS_VENV.
set -euo pipefail

# shellcheck source=hack/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

OUT="${1:-${HM_ROOT}/build/docs}"
case "$OUT" in /*) ;; *) OUT="$(pwd)/${OUT}" ;; esac
OUT="${OUT%/}"

if [ -n "${DOCS_VENV:-}" ]; then
    venv="$DOCS_VENV"
else
    py="$(hm_python_for_core tools)" || exit 2
    venv="$(hm_ensure_venv docs "$py")" || exit 2
fi
for tool in antsibull-docs sphinx-build python; do
    if [ ! -x "${venv}/bin/${tool}" ]; then
        hm_say "docs: ${venv}/bin/${tool} not found"
        exit 2
    fi
done
if ! "${venv}/bin/python" -c 'import sphinx_ansible_theme, sphinx_antsibull_ext, ansible_pygments' </dev/null 2>/dev/null; then
    hm_say "docs: ${venv} lacks sphinx-ansible-theme, antsibull-docs or ansible-pygments"
    exit 2
fi
export PATH="${venv}/bin:${PATH}"

WORK=""
BUILT=""
cleanup() {
    local rc=$?
    hm_cleanup
    [ -n "$WORK" ] && rm -rf "$WORK"
    # The site must outlive this script: check it once everything temporary is gone.
    if [ "$rc" -eq 0 ] && [ -n "$BUILT" ] && [ ! -f "${OUT}/index.html" ]; then
        hm_say "docs: FAILED: ${OUT}/index.html is gone after the temporary files were removed"
        rc=1
    fi
    exit "$rc"
}
trap cleanup EXIT

hm_stage
WORK="$(mktemp -d "${TMPDIR:-/tmp}/hubspot-marketing-docs.XXXXXX")"
for tmp in "$HM_STAGE_ROOT" "$WORK"; do
    case "${OUT}/" in "${tmp}/"*)
        hm_say "docs: ${OUT} is inside ${tmp}, which is removed when this script ends; give a directory outside it"
        exit 2 ;;
    esac
done
export ANSIBLE_COLLECTIONS_PATH="${HM_STAGE_ROOT}"
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false

echo "docs: the credential type in awx.rst matches docs/awx/hubspot_credential_type.yml"
python - "${HM_STAGE}/docs/docsite/rst/awx.rst" "${HM_STAGE}/docs/awx/hubspot_credential_type.yml" <<'EOF'
import sys
rst, yml = (open(p, encoding="utf-8").read() for p in sys.argv[1:3])
lines = rst.splitlines()
blocks = []
for number, line in enumerate(lines):
    if line.strip() == ".. code-block:: yaml":
        block = []
        for text in lines[number + 2:]:
            if text and not text.startswith("   "):
                break
            block.append(text[3:])
        blocks.append("\n".join(block).strip())
if yml.strip() not in blocks:
    sys.exit("awx.rst: no yaml code block equals docs/awx/hubspot_credential_type.yml; copy the file into it")
EOF

# The collection's docs are linted by the "antsibull-docs lint" stage (make lint, make test).
echo "docs: sphinx-init"
antsibull-docs sphinx-init --use-current --fail-on-error --dest-dir "$WORK" \
    --project hubspot.marketing --copyright "hubspot.marketing contributors" \
    --title "hubspot.marketing collection" --html-short-title "hubspot.marketing" \
    hubspot.marketing >/dev/null
# The collection's front page instead of the generator's "Welcome to my Ansible collection documentation".
cp "${HM_STAGE}/docs/site/index.rst" "$WORK/rst/index.rst"

# Labels of the Ansible docs that generated pages refer to -> page#anchor on docs.ansible.com.
python - "$WORK/ansible_devel.inv" <<'EOF'
import sys
import zlib

EXTERNAL_LABELS = {
    "ansible_configuration_settings": ("reference_appendices/config.html#ansible-configuration-settings", "Ansible Configuration Settings"),
    "common_return_values": ("reference_appendices/common_return_values.html#common-return-values", "Return Values"),
    "module_defaults": ("playbook_guide/playbooks_module_defaults.html#module-defaults", "Module defaults"),
    "module_defaults_groups": ("playbook_guide/playbooks_module_defaults.html#module-defaults-groups", "Module defaults groups"),
    "check_mode_dry": ("playbook_guide/playbooks_checkmode.html#check-mode-dry", "Check mode"),
    "playbooks_reuse_roles": ("playbook_guide/playbooks_reuse_roles.html#playbooks-reuse-roles", "Roles"),
}
header = (
    "# Sphinx inventory version 2\n"
    "# Project: Ansible\n"
    "# Version: devel\n"
    "# The remainder of this file is compressed using zlib.\n"
)
body = "".join("%s std:label -1 %s %s\n" % (name, uri, title) for name, (uri, title) in sorted(EXTERNAL_LABELS.items()))
with open(sys.argv[1], "wb") as handle:
    handle.write(header.encode("utf-8") + zlib.compress(body.encode("utf-8")))
EOF

cat >>"$WORK/conf.py" <<EOF

# ---- added by hack/docs.sh: offline build ----
# No inventory is fetched: only the local one with the Ansible-docs labels the pages use.
intersphinx_mapping = {
    'ansible_devel': ('https://docs.ansible.com/projects/ansible/devel/', '${WORK}/ansible_devel.inv'),
}
intersphinx_timeout = 1
EOF

# Images the guides show: antsibull-docs copies only the .rst files of docs/docsite/rst, so images go
# beside Sphinx's source directory ($WORK/rst), where a guide's '/../images/NAME' finds them.
mkdir -p "$WORK/images"
cp "${HM_STAGE}/benchmarks/results/realistic/wall_vs_n.png" "$WORK/images/performance-realistic.png"

echo "docs: antsibull-docs collection + sphinx-build (nitpicky, warnings are errors)"
(cd "$WORK" && bash build.sh)

echo "docs: the landing page is the collection's front page and links the guides"
python - "$WORK/build/html/index.html" <<'EOF'
import sys
with open(sys.argv[1], encoding="utf-8") as handle:
    page = handle.read()
problems = []
if "Welcome to my Ansible collection documentation" in page:
    problems.append("it is the generator's boilerplate")
for guide in ("getting_started", "recording_attendance", "attendance_sync_role", "awx", "troubleshooting"):
    if 'href="collections/hubspot/marketing/docsite/%s.html' % guide not in page:
        problems.append("it does not link the guide %s" % guide)
if problems:
    sys.exit("docs: index.html: " + "; ".join(problems))
EOF

rm -rf "$OUT"
mkdir -p "$(dirname "$OUT")"
cp -r "$WORK/build/html" "$OUT"
BUILT=1
echo "docs: site written to ${OUT} (open ${OUT}/index.html)"
