# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Shared set-up for the functional tests: tests that start real processes (the HubSpot emulator,
the forwarding proxy of tests/proxy) and run the collection's code against them in-process.

Run (once, not per ansible-core) from the collection root, with ``PYTHONPATH`` set to the directory
that holds ``ansible_collections/``::

    python -m pytest -p no:cacheprovider -q tests/emulator tests/functional

Every import of the collection goes through ``ansible_collections.hubspot.marketing``. This file puts
tests/emulator (``process``: start and stop an emulator) and tests/proxy (``forward_proxy``,
``tls_ca``) on ``sys.path``, and provides:

* ``emulator_url``: one emulator process per test module, started with ``--token <module TOKEN>``
  plus the module's ``EMULATOR_ARGS`` (a tuple, optional);
* ``emulator``: its control API (``Emulator``), reset before and after each test;
* ``emulator_control``: the ``Emulator`` class, for processes a test starts itself;
* no ``HUBSPOT_*`` or proxy variables from the caller's environment.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

import pytest
import requests

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for _sub in ("emulator", "proxy"):
    if os.path.join(TESTS_DIR, _sub) not in sys.path:
        sys.path.insert(0, os.path.join(TESTS_DIR, _sub))

from process import running_emulator  # noqa: E402  pylint: disable=wrong-import-position

ENVIRONMENT = ("HUBSPOT_ACCESS_TOKEN", "HUBSPOT_BASE_URL", "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
               "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy")


class Emulator:
    """The emulator's control API (``/_emulator/*``), called directly: never through a proxy."""

    def __init__(self, url, ca=None):
        self.url = url
        self.http = requests.Session()
        self.http.trust_env = False
        self.verify = ca or True

    def call(self, method, path, body=None):
        response = self.http.request(method, self.url + path, json=body, timeout=10, verify=self.verify)
        response.raise_for_status()
        return response.json()

    def reset(self):
        self.call("POST", "/_emulator/reset")

    def faults(self, *rules):
        assert self.call("POST", "/_emulator/faults", {"rules": list(rules)})["rules"] == len(rules)

    def config(self, **values):
        return self.call("POST", "/_emulator/config", values)

    def seed(self, body):
        return self.call("POST", "/_emulator/seed", body)

    def log(self):
        """The request log: every API request the emulator answered, control calls excluded."""
        return self.call("GET", "/_emulator/requests")["requests"]

    def clear_log(self):
        self.http.delete(self.url + "/_emulator/requests", timeout=10, verify=self.verify).raise_for_status()

    def state(self):
        return self.call("GET", "/_emulator/state")["participations"]

    def close(self):
        self.http.close()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def emulator_url(request):
    args = ("--token", request.module.TOKEN) + tuple(getattr(request.module, "EMULATOR_ARGS", ()))
    with running_emulator(*args, python=sys.executable) as url:
        yield url


@pytest.fixture
def emulator(emulator_url):
    emu = Emulator(emulator_url)
    emu.reset()
    yield emu
    emu.reset()
    emu.close()


@pytest.fixture
def emulator_control():
    return Emulator
