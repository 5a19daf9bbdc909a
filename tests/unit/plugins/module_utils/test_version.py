# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""galaxy.yml is the one source of the collection's version; the User-Agent must say the same."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import yaml

from ansible_collections.hubspot.marketing.plugins.module_utils import _client

GALAXY = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "galaxy.yml")


def test_user_agent_names_the_galaxy_version():
    with open(GALAXY) as handle:
        version = yaml.safe_load(handle)["version"]
    assert _client.COLLECTION_VERSION == version, (
        "plugins/module_utils/_client.py COLLECTION_VERSION is %s, galaxy.yml says %s: set both to the release's version"
        % (_client.COLLECTION_VERSION, version))
    assert _client.USER_AGENT == "hubspot.marketing/%s" % version
