#!/usr/bin/env bash
# `make demo`: set up, start the HubSpot emulator, create a webinar event, run playbooks/demo.yml
# (records attendance twice: first changed, then unchanged; prints the participation summary),
# stop the emulator. Needs Python 3.11, 3.12 or 3.13 (what ansible-core 2.19 supports) and pip;
# the venv lives outside the tree.
set -euo pipefail

# shellcheck source=hack/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

hm_script_setup

hm_header "setup"
py="$(hm_python_for_core demo)" || exit 1
venv="$(hm_ensure_venv demo "$py")"
echo "venv ${venv}"
hm_stage

hm_header "start the HubSpot emulator"
hm_emulator_start "${venv}/bin/python" "$HM_STAGE"
echo "emulator at ${HM_EMULATOR_URL}"

# The event is created through HubSpot's own API (POST /marketing/v3/marketing-events/events),
# as an app would create it; the demo then addresses it by its external ids.
"${venv}/bin/python" - "$HM_EMULATOR_URL" "$HM_EMULATOR_TOKEN" <<'PY'
import sys
import requests

url, token = sys.argv[1], sys.argv[2]
response = requests.post(
    url + "/marketing/v3/marketing-events/events",
    headers={"Authorization": "Bearer " + token},
    json={
        "externalAccountId": "demo-account",
        "externalEventId": "webinar-2026-11",
        "eventName": "Ansible for marketing ops (webinar)",
        "eventOrganizer": "Marketing",
        "startDateTime": "2026-11-20T16:00:00Z",
        "endDateTime": "2026-11-20T17:00:00Z",
    },
    timeout=10,
)
response.raise_for_status()
print("created event %s (external id webinar-2026-11)" % response.json()["objectId"])
PY

hm_header "ansible-playbook playbooks/demo.yml"
hm_ansible_env "$venv"
cd "$HM_STAGE"
ansible-playbook -i localhost, playbooks/demo.yml </dev/null

cat <<'EOT'

===== next =====
The demo's emulator and collection are removed now. To keep going by hand:
  make sandbox        a seeded emulator left running, the collection installed, and the export lines to paste
  make sandbox-stop   stop it again
See also docs/docsite/rst/getting_started.rst, "Try it locally".
EOT
