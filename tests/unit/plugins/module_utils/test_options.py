# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The option rules that modules get from their argspec and the lookup from _options, written once."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.hubspot.marketing.plugins.module_utils._options import (
    EVENT_ARGSPEC,
    EVENT_RULES,
    READ_SIZE_ARGSPEC,
    auth_errors,
    event_errors,
    event_rule_errors,
    read_size_errors,
)

EVENTS = [
    dict(event_id="1"),
    dict(external_event_id="e", external_account_id="a"),
    dict(event_id="1", external_event_id="e"),
    dict(event_id="1", external_account_id="a"),
    dict(event_id="1", external_event_id="e", external_account_id="a"),
    dict(external_event_id="e"),
    dict(external_account_id="a"),
    dict(),
]


@pytest.mark.parametrize("given", EVENTS)
def test_event_rules_agree_with_the_argspec(given):
    """The lookup's check refuses exactly what ansible-core refuses with the modules' EVENT_RULES."""
    core = ArgumentSpecValidator(dict(EVENT_ARGSPEC), **EVENT_RULES).validate(dict(given))
    assert bool(event_rule_errors(given)) == bool(core.error_messages)


def test_event_rule_messages():
    assert event_rule_errors(dict(event_id="1", external_event_id="e", external_account_id="a")) == [
        {"path": "event_id", "message": "is mutually exclusive with external_event_id and external_account_id"}]
    assert event_rule_errors(dict(external_account_id="a", event_id=None)) == [
        {"path": "external_event_id, external_account_id", "message": "must be given together"}]


@pytest.mark.parametrize("params, errors", [
    (dict(limit=None, page_size=100), []),
    (dict(limit=1, page_size=1), []),
    (dict(limit=0, page_size=100), [{"path": "limit", "message": "must be at least 1, got 0"}]),
    (dict(limit=None, page_size=101), [{"path": "page_size", "message": "must be between 1 and 100, got 101"}]),
    (dict(limit=None, page_size=0), [{"path": "page_size", "message": "must be between 1 and 100, got 0"}]),
])
def test_read_size_errors(params, errors):
    assert read_size_errors(params) == errors
    assert set(params) == set(READ_SIZE_ARGSPEC)


@pytest.mark.parametrize("name, value, message", [
    ("timeout", 0, "must be more than 0 and at most 600 seconds"),
    ("timeout", 601, "must be more than 0 and at most 600 seconds"),
    ("max_retries", -1, "must be between 0 and 20"),
    ("max_retries", 21, "must be between 0 and 20"),
    ("api_version", "v9", "must be one of"),
])
def test_auth_errors_name_the_option(name, value, message):
    params = dict(access_token="pat-na1-0000", base_url="https://api.hubapi.com")
    params[name] = value
    errors = auth_errors(params)
    assert [e["path"] for e in errors] == [name]
    assert errors[0]["message"].startswith(message)


def test_auth_errors_accept_the_defaults():
    params = dict(access_token="pat-na1-0000", base_url="https://api.hubapi.com", timeout=30, max_retries=5, proxy=None,
                  api_version=None, ca_path=None)
    assert auth_errors(params) == []


@pytest.mark.parametrize("event_id, ok", [
    ("123", True), ("1", True), (str(2 ** 63 - 1), True), (58000001, True),
    ("123\n", False), ("0", False), ("000", False), (str(2 ** 63), False), ("-1", False), ("1.5", False),
    ("\uff11\uff12", False),  # fullwidth digits
])
def test_event_id_is_a_positive_int64_in_ascii_digits(event_id, ok):
    errors = event_errors({"event_id": event_id})
    assert [error["path"] for error in errors] == ([] if ok else ["event_id"])
    assert ok or errors[0]["message"].startswith("must be HubSpot's numeric event id")


@pytest.mark.parametrize("content, ok", [("", False), ("not a certificate\n", False), (None, True)])
def test_a_ca_path_file_must_hold_a_ca_certificate(tmp_path, content, ok):
    import requests
    path = tmp_path / "ca.pem"
    if content is None:  # the CA bundle requests ships (certifi)
        with open(requests.utils.DEFAULT_CA_BUNDLE_PATH) as bundle:
            content = bundle.read()
    path.write_text(content)
    errors = auth_errors(dict(access_token="pat-na1-0000", base_url="https://api.hubapi.com", ca_path=str(path)))
    message = "%s holds no CA certificate (it must be a PEM bundle of CA certificates)" % path
    assert errors == ([] if ok else [{"path": "ca_path", "message": message}])


@pytest.mark.parametrize("environment, use_proxy, proxy, message", [
    ({"HTTPS_PROXY": "socks5://127.0.0.1:1"}, True, None,
     "is not given, and the proxy from the environment (HTTPS_PROXY, HTTP_PROXY or ALL_PROXY) must start with http:// or "
     "https://, got scheme 'socks5'; fix the variable, or set use_proxy to false"),
    ({"HTTPS_PROXY": "socks5://127.0.0.1:1"}, False, None, None),
    ({"HTTPS_PROXY": "socks5://127.0.0.1:1"}, True, "http://proxy.example.com:3128", None),
    ({"HTTPS_PROXY": "http://u:secret@proxy.example.com:3128/path"}, True, None,
     "is not given, and the proxy from the environment (HTTPS_PROXY, HTTP_PROXY or ALL_PROXY) must not contain a path, "
     "query string or fragment; fix the variable, or set use_proxy to false"),
    ({"HTTPS_PROXY": "http://proxy.example.com:3128", "NO_PROXY": "api.hubapi.com"}, True, None, None),
])
def test_the_proxy_from_the_environment_is_checked_like_the_option(monkeypatch, environment, use_proxy, proxy, message):
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    errors = auth_errors(dict(access_token="pat-na1-0000", base_url="https://api.hubapi.com", use_proxy=use_proxy, proxy=proxy))
    assert errors == ([{"path": "proxy", "message": message}] if message else [])
    assert "secret" not in str(errors)
