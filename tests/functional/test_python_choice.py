# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""hack/common.sh picks the Python of each venv: any version its ansible-core supports.

Runs ``hm_python_for_core`` in bash with fake interpreters on a PATH of their own (and no pyenv),
so the answer depends only on what the fakes claim to be. Run from the collection root:
``python -m pytest tests/functional/test_python_choice.py``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
COMMON = os.path.join(ROOT, "hack", "common.sh")
NAMES = ["python3", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14"]


def fake_python(path, version):
    """An executable that answers the two questions common.sh asks an interpreter; None: a broken shim."""
    if version is None:
        body = "#!/bin/sh\necho 'pyenv: command not found' >&2\nexit 127\n"
    else:
        body = (
            "#!/bin/sh\n"
            "case \"$*\" in\n"
            "  *version_info*) echo %s ;;\n"
            "  *executable*) echo \"$0\" ;;\n"
            "  *) exit 3 ;;\n"
            "esac\n" % version
        )
    with open(path, "w") as handle:
        handle.write(body)
    os.chmod(path, 0o755)


def choose(tmp_path, core, on_path, pyenv=None):
    """Run hm_python_for_core CORE with only the fakes ``{name: version}`` (others: broken shims)."""
    tmp_path = tmp_path / core
    tmp_path.mkdir()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in NAMES:
        fake_python(str(bin_dir / name), on_path.get(name))
    home = tmp_path / "home"
    home.mkdir()
    for version in pyenv or []:
        build = home / ".pyenv" / "versions" / (version + ".0") / "bin"
        build.mkdir(parents=True)
        fake_python(str(build / "python3"), version)
    env = {
        "PATH": "%s:/usr/bin:/bin" % bin_dir,
        "HOME": str(home),
        "HUBSPOT_MARKETING_CACHE": str(tmp_path / "cache"),
    }
    proc = subprocess.run(
        ["bash", "-c", 'source "$1" && hm_python_for_core "$2"', "bash", COMMON, core],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        universal_newlines=True, timeout=60, check=False,
    )
    chosen = os.path.relpath(proc.stdout.strip(), str(tmp_path)) if proc.returncode == 0 else None
    if chosen and chosen.startswith("bin/"):
        chosen = chosen[len("bin/"):]
    return proc.returncode, chosen, proc.stderr


@pytest.mark.parametrize("core", ["2.19", "tools", "demo"])
@pytest.mark.parametrize("version", ["3.11", "3.12", "3.13"])
def test_every_supported_python3_is_taken(tmp_path, core, version):
    rc, chosen, err = choose(tmp_path, core, {"python3": version})
    assert (rc, chosen) == (0, "python3"), err


def test_versioned_name_when_python3_is_too_old(tmp_path):
    assert choose(tmp_path, "2.19", {"python3": "3.9", "python3.13": "3.13"})[:2] == (0, "python3.13")


def test_broken_shims_are_skipped(tmp_path):
    # python3 and python3.11 are pyenv shims that fail; python3.12 works.
    assert choose(tmp_path, "2.19", {"python3.12": "3.12"})[:2] == (0, "python3.12")


def test_pyenv_builds_are_found(tmp_path):
    rc, chosen, err = choose(tmp_path, "2.19", {"python3": "3.9"}, pyenv=["3.13"])
    assert (rc, chosen) == (0, "home/.pyenv/versions/3.13.0/bin/python3"), err


def test_newer_core_takes_newer_python(tmp_path):
    assert choose(tmp_path, "2.21", {"python3": "3.11", "python3.14": "3.14"})[:2] == (0, "python3.14")
    assert choose(tmp_path, "2.16", {"python3": "3.13", "python3.10": "3.10"})[:2] == (0, "python3.10")


def test_same_machine_same_choice_for_every_core(tmp_path):
    # python3 is 3.11, pyenv has 3.12: 2.16, 2.19 and tools keep 3.11 (their venvs are not rebuilt); 2.21 takes 3.12.
    pyenv_312 = "home/.pyenv/versions/3.12.0/bin/python3"
    for core, chosen in (("2.16", "python3"), ("2.19", "python3"), ("tools", "python3"), ("2.21", pyenv_312)):
        base = tmp_path / core.replace(".", "_")
        base.mkdir()
        rc, name, err = choose(base, core, {"python3": "3.11"}, pyenv=["3.12"])
        assert (rc, name) == (0, chosen), err


def test_none_found_names_what_to_install(tmp_path):
    rc, chosen, err = choose(tmp_path, "2.19", {"python3": "3.9", "python3.14": "3.14"})
    assert rc == 1 and chosen is None
    assert "Python 3.11, 3.12, 3.13" in err
    assert "install" in err and "python3-venv" in err and "pyenv install 3.13" in err


def test_unknown_core_is_refused(tmp_path):
    rc, chosen, err = choose(tmp_path, "2.99", {"python3": "3.11"})
    assert rc == 2 and "unknown ansible-core version: 2.99" in err
