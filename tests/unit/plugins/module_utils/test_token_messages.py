# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a user reads when the access token is missing or malformed, for the modules and the lookup.

Each message must say what is wrong and how to fix it, and must never contain the token, not even
masked: ``no_log`` turns a leaked token into ``********`` in a module's output, which would hide the leak.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import os

import pytest
import yaml

from ansible_collections.hubspot.marketing.plugins.module_utils._options import auth_errors
from ansible_collections.hubspot.marketing.plugins.module_utils._client import check_access_token
from ansible_collections.hubspot.marketing.plugins.modules import marketing_event_participation_info as info
from ansible_collections.hubspot.marketing.tests.unit.plugins.modules.utils import run_module

PLUGINS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins")
TOKEN = "pat-na1-token-messages-secret-7"
MASK = "********"


def documentation(path, name="DOCUMENTATION"):
    """A documentation string of a plugin or doc fragment, parsed from its source.

    Not imported: importing a plugin package before the lookup tests install Ansible's collection
    finder leaves package objects that the plugin loader then cannot search.
    """
    with open(os.path.join(PLUGINS, path)) as handle:
        tree = ast.parse(handle.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == name:
            return yaml.safe_load(node.value.value)
    raise AssertionError("%s has no %s" % (path, name))


def assert_not_echoed(text):
    assert TOKEN not in text
    assert MASK not in text
    assert TOKEN[-8:] not in text


class TestMessageBuilder:

    def test_missing_names_every_way_to_give_it(self):
        message = check_access_token(None)
        assert message.startswith("is required")
        # modules: the option, the environment variable, module_defaults with the action group
        for way in ("option access_token", "HUBSPOT_ACCESS_TOKEN", "module_defaults", "group/hubspot.marketing.hubspot"):
            assert way in message
        # the lookup: its variable, and that module_defaults does not reach it
        assert "variable hubspot_access_token" in message
        assert "module_defaults does not reach lookups" in message

    @pytest.mark.parametrize("token", ["", "  ", "\n"])
    def test_empty_names_every_way_to_give_it(self, token):
        # an empty HUBSPOT_ACCESS_TOKEN= reaches the module as "" through env_fallback
        message = check_access_token(token)
        assert message.startswith("is empty")
        assert message.endswith(check_access_token(None)[len("is required: "):])

    @pytest.mark.parametrize("token", ["Bearer " + TOKEN, "bearer " + TOKEN, "BEARER " + TOKEN])
    def test_bearer_prefix_is_named(self, token):
        message = check_access_token(token)
        assert message.startswith("starts with 'Bearer '")
        assert "give the token alone" in message
        assert_not_echoed(message)

    @pytest.mark.parametrize("token", [TOKEN + "\n", TOKEN + "\r\n", TOKEN + "\n\n", TOKEN + " \n"])
    def test_trailing_newline_is_named(self, token):
        message = check_access_token(token)
        assert message.startswith("ends with a newline")
        assert "trim" in message
        assert_not_echoed(message)

    @pytest.mark.parametrize("token, start", [
        (TOKEN + " ", "ends with whitespace"),
        (TOKEN + "\t", "ends with whitespace"),
        (" " + TOKEN, "starts with whitespace"),
    ])
    def test_surrounding_whitespace_is_named(self, token, start):
        message = check_access_token(token)
        assert message.startswith(start)
        assert_not_echoed(message)

    def test_inner_whitespace_keeps_its_message(self):
        assert check_access_token("pat na1 " + TOKEN) == "must not contain whitespace or control characters"

    def test_good_token_passes(self):
        assert check_access_token(TOKEN) is None

    def test_shared_check_prefixes_the_option_name(self):
        errors = auth_errors({"access_token": "Bearer " + TOKEN, "base_url": "https://api.hubapi.com"})
        assert [e["path"] for e in errors] == ["access_token"]
        assert errors[0]["message"].startswith("starts with 'Bearer '")


class TestModuleMessages:
    """Through a module's main(): the argspec must not pre-empt the message with core's own."""

    @pytest.fixture(autouse=True)
    def no_env(self, monkeypatch):
        monkeypatch.delenv("HUBSPOT_ACCESS_TOKEN", raising=False)
        monkeypatch.delenv("HUBSPOT_BASE_URL", raising=False)

    def test_missing_token(self, requests_mock):
        code, result = run_module(info, {"event_id": "1"})
        assert code == 1
        assert "missing required arguments" not in result["msg"]
        assert "access_token: is required" in result["msg"]
        assert "HUBSPOT_ACCESS_TOKEN" in result["msg"] and "module_defaults" in result["msg"]
        assert requests_mock.call_count == 0

    @pytest.mark.parametrize("token, reason", [
        ("Bearer " + TOKEN, "access_token: starts with 'Bearer '"),
        (TOKEN + "\n", "access_token: ends with a newline"),
        (TOKEN + " ", "access_token: ends with whitespace"),
    ])
    def test_malformed_token(self, requests_mock, token, reason):
        code, result = run_module(info, {"event_id": "1", "access_token": token})
        assert code == 1
        assert reason in result["msg"]
        assert_not_echoed(result["msg"])
        assert requests_mock.call_count == 0

    def test_malformed_token_from_the_environment(self, requests_mock, monkeypatch):
        monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", TOKEN + "\n")
        code, result = run_module(info, {"event_id": "1"})
        assert code == 1
        assert "access_token: ends with a newline" in result["msg"]
        assert_not_echoed(result["msg"])
        assert requests_mock.call_count == 0


class TestDocumentation:

    def test_modules_document_the_three_ways(self):
        option = documentation("doc_fragments/auth.py")["options"]["access_token"]
        text = " ".join(option["description"])
        for way in ("This option", "E(HUBSPOT_ACCESS_TOKEN)", "C(module_defaults)", "Bearer", "newline"):
            assert way in text
        # Not required=true: the config system and the argspec would answer with their own message first.
        assert not option.get("required", False)

    def test_lookup_token_doc_does_not_suggest_module_defaults(self):
        option = documentation("lookup/marketing_event_participations.py")["options"]["access_token"]
        text = " ".join(option["description"])
        assert "module_defaults" not in text
        assert "C(hubspot_access_token)" in text and "E(HUBSPOT_ACCESS_TOKEN)" in text
        assert not option.get("required", False)
        plugins = documentation("doc_fragments/auth.py", "PLUGINS")["options"]["access_token"]
        assert "description" not in plugins and not plugins.get("required", False)
