# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make sandbox` (hack/sandbox.sh) leaves a seeded emulator that answers, and its printed exports work.

The sandbox goes to a temporary directory and uses the ansible-core of the Python running the tests
(HM_SANDBOX_VENV), so no venv is built. A playbook then runs with only the printed ``export`` lines
for HubSpot and the collection, and the emulator's state is the judge. Run from the collection root:
``python -m pytest tests/functional/test_sandbox.py`` (about 15 s).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import shlex
import subprocess
import sys
import time

import pytest

requests = pytest.importorskip("requests")

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VENV = sys.prefix
PLAYBOOK = """
- name: Register a contact in the sandbox
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Register
      hubspot.marketing.marketing_event_attendance:
        external_account_id: demo-account
        external_event_id: webinar-2026-11
        state: registered
        occurred_at: "2026-10-21T09:00:00Z"
        contacts:
          - email: edsger@example.com
      register: result

    - name: The module says it recorded the contact
      ansible.builtin.assert:
        that: result.changed and result.recorded | length == 1
"""

pytestmark = pytest.mark.skipif(not os.path.exists(os.path.join(VENV, "bin", "ansible-playbook")),
                                reason="the Python running the tests has no ansible-core")


def sandbox(sandbox_dir, command):
    env = dict(os.environ, HM_SANDBOX_DIR=sandbox_dir, HM_SANDBOX_VENV=VENV)
    env.pop("PYTHONPATH", None)
    return subprocess.run(["bash", os.path.join(ROOT, "hack", "sandbox.sh"), command], env=env, cwd=ROOT,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=300, check=False)


def guide_commands():
    """The ad-hoc commands of the "Try it locally" section of the getting started guide, as a user pastes them."""
    with open(os.path.join(ROOT, "docs", "docsite", "rst", "getting_started.rst")) as handle:
        text = handle.read()
    section = text[text.index("\nTry it locally\n"):]
    commands = []
    for block in re.findall(r"^\.\. code-block:: shell\n\n((?:   .*\n|\n)+)", section, re.M):
        lines = [line[3:] for line in block.rstrip("\n").split("\n")]
        # A command starts at the left margin; its continuation lines are indented.
        for chunk in re.split(r"\n(?=\S)", "\n".join(lines)):
            if chunk.startswith("ansible localhost"):
                commands.append(chunk.strip())
    return commands


def printed_exports(text):
    return dict((name, shlex.split(value)[0]) for name, value in re.findall(r"^export (\w+)=(.*)$", text, re.M))


@pytest.fixture
def started(tmp_path):
    sandbox_dir = str(tmp_path / "sandbox")
    proc = sandbox(sandbox_dir, "start")
    try:
        assert proc.returncode == 0, proc.stdout + proc.stderr
        yield sandbox_dir, proc.stdout
    finally:
        sandbox(sandbox_dir, "stop")


def test_sandbox_is_left_running_and_its_exports_work(started, tmp_path):
    sandbox_dir, out = started
    exports = printed_exports(out)
    assert sorted(exports) == ["ANSIBLE_COLLECTIONS_PATH", "HUBSPOT_ACCESS_TOKEN", "HUBSPOT_BASE_URL"]
    pid = int(re.search(r"\(pid (\d+),", out).group(1))
    assert "make sandbox-stop" in out and "kill %d" % pid in out
    # The same lines, ready to source.
    with open(os.path.join(sandbox_dir, "env.sh")) as handle:
        assert printed_exports(handle.read()) == exports

    # The emulator outlived the script and holds the seed.
    url = exports["HUBSPOT_BASE_URL"]
    state = requests.get(url + "/_emulator/state", timeout=10).json()
    assert [(e["externalAccountId"], e["externalEventId"]) for e in state["events"]] == [("demo-account", "webinar-2026-11")]
    assert sorted(p["email"] for p in state["participations"]) == ["ada@example.com", "alan@example.com", "grace@example.com"]
    # The collection is installed where the export points.
    assert os.path.isfile(os.path.join(exports["ANSIBLE_COLLECTIONS_PATH"], "ansible_collections", "hubspot", "marketing", "MANIFEST.json"))

    env = dict((k, v) for k, v in os.environ.items()
               if not k.startswith(("HUBSPOT_", "ANSIBLE_")) and k != "PYTHONPATH")
    env.update(exports)
    env["PATH"] = os.path.join(VENV, "bin") + os.pathsep + env.get("PATH", "")

    # The guide's ad-hoc commands run as written (the check-mode one writes nothing).
    commands = guide_commands()
    assert len(commands) == 2, commands
    for command in commands:
        run = subprocess.run(["bash", "-c", command], env=env, cwd=str(tmp_path), stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=300, check=False)
        assert run.returncode == 0, command + "\n" + run.stdout
    assert '"ada@example.com": "attended (3600 s)"' in run.stdout
    state = requests.get(url + "/_emulator/state", timeout=10).json()
    assert set(p["attendanceState"] for p in state["participations"]) == {"REGISTERED"}

    # A playbook with nothing but the printed exports (and ansible-core on PATH).
    playbook = tmp_path / "try.yml"
    playbook.write_text(PLAYBOOK)
    run = subprocess.run([os.path.join(VENV, "bin", "ansible-playbook"), str(playbook)], env=env, cwd=str(tmp_path),
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout
    state = requests.get(url + "/_emulator/state", timeout=10).json()
    held = dict((p["email"], p["attendanceState"]) for p in state["participations"])
    assert held.get("edsger@example.com") == "REGISTERED", json.dumps(state["participations"])
    assert exports["HUBSPOT_ACCESS_TOKEN"] not in run.stdout


def test_sandbox_stop(started):
    sandbox_dir, out = started
    url = printed_exports(out)["HUBSPOT_BASE_URL"]
    pid = int(re.search(r"\(pid (\d+),", out).group(1))
    proc = sandbox(sandbox_dir, "stop")
    assert proc.returncode == 0 and "stopped" in proc.stdout
    for dummy in range(50):
        if not os.path.exists("/proc/%d" % pid):
            break
        time.sleep(0.1)
    assert not os.path.exists("/proc/%d" % pid)
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/_emulator/state", timeout=5)
    assert sandbox(sandbox_dir, "status").returncode == 1
