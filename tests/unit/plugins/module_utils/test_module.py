# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""HubSpotModule: the one shape every module runs in (validation, client, retry warning, errors)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
from unittest.mock import Mock

import pytest

from ansible_collections.hubspot.marketing.plugins.module_utils import _module
from ansible_collections.hubspot.marketing.plugins.module_utils._errors import HubSpotApiError, HubSpotValidationError


class Exited(Exception):
    pass


def exiting(how):
    def leave(**kwargs):
        raise Exited((how, kwargs))
    return leave


def fake_module(validate_certs=True):
    module = Mock(spec_set=["params", "warn", "fail_json", "exit_json", "warn_retries", "argument_spec", "_given_params"])
    module.params = {"validate_certs": validate_certs, "base_url": "https://api.example.test"}
    module.argument_spec = {"base_url": {"type": "str"}, "validate_certs": {"type": "bool"}}
    module._given_params = dict(module.params)
    module.fail_json.side_effect = exiting("fail")
    module.exit_json.side_effect = exiting("exit")
    module.warn_retries.side_effect = lambda client: _module.HubSpotModule.warn_retries(module, client)
    return module


@pytest.fixture
def client(monkeypatch):
    client = Mock()
    client.unverified.return_value = None
    client.retry_summary.return_value = "HubSpot requests were retried 7 time(s): GET /p: 429 and 2 more (rate limits or transient errors)"

    @contextlib.contextmanager
    def from_params(params):
        yield client

    monkeypatch.setattr(_module, "client_from_params", from_params)
    return client


def execute(module, run, prepare=lambda params: "prepared"):
    with pytest.raises(Exited) as info:
        _module.HubSpotModule.execute(module, run, prepare)
    return info.value.args[0]


def test_run_gets_the_prepared_input_and_its_result_is_the_exit(client):
    module = fake_module()
    how, result = execute(module, lambda m, c, prepared: {"changed": False, "seen": prepared})
    assert (how, result) == ("exit", {"changed": False, "seen": "prepared"})
    module.warn.assert_called_once_with(client.retry_summary.return_value)


def test_a_result_that_failed_fails_and_the_retries_are_still_warned(client):
    module = fake_module()
    how, result = execute(module, lambda m, c, p: {"failed": True, "msg": "2 of 3 contacts to write failed", "changed": True})
    assert (how, result) == ("fail", {"msg": "2 of 3 contacts to write failed", "changed": True})
    assert module.warn.call_count == 1


def test_an_api_error_fails_with_its_fields_after_the_retry_warning(client):
    module = fake_module()

    def run(m, c, p):
        raise HubSpotApiError("GET", "/p", 503, category="SERVICE_UNAVAILABLE", message="down", retries=5)

    how, result = execute(module, run)
    assert how == "fail"
    assert result["msg"].startswith("GET /p -> 503 SERVICE_UNAVAILABLE: down")
    assert result["error"]["status"] == 503
    module.warn.assert_called_once_with(client.retry_summary.return_value)


def test_invalid_input_fails_before_any_client_exists(monkeypatch):
    monkeypatch.setattr(_module, "client_from_params", Mock(side_effect=AssertionError("no client for invalid input")))
    module = fake_module()

    def prepare(params):
        raise HubSpotValidationError([{"path": "contacts[3].email", "message": "'x' is not a valid email"}])

    how, result = execute(module, Mock(), prepare)
    assert how == "fail"
    assert result["msg"] == "invalid arguments: contacts[3].email: 'x' is not a valid email"
    assert result["validation_errors"] == [{"path": "contacts[3].email", "message": "'x' is not a valid email"}]


@pytest.mark.parametrize("proxy, warning", [
    (None, "validate_certs is false: the TLS certificate of https://api.example.test is not verified."),
    ("http://proxy.example:3128", "validate_certs is false: the TLS certificate of https://api.example.test is not verified."),
    ("https://u:secret@proxy.example:3129", "validate_certs is false: the TLS certificate of https://api.example.test is not verified, "
                                            "nor that of the proxy proxy.example:3129."),
])
def test_validate_certs_false_is_warned(monkeypatch, proxy, warning):
    from ansible_collections.hubspot.marketing.plugins.module_utils._client import HubSpotClient

    made = []

    @contextlib.contextmanager
    def from_params(params):
        with HubSpotClient("pat-na1-warn-test", base_url=params["base_url"], validate_certs=params["validate_certs"],
                           proxy=proxy, use_proxy=True) as api:
            made.append(api)
            yield api

    monkeypatch.setattr(_module, "client_from_params", from_params)
    module = fake_module(validate_certs=False)
    execute(module, lambda m, c, p: {"changed": False})
    module.warn.assert_called_once_with(warning)
    assert made


def test_checked_turns_an_error_list_into_a_validation_error():
    assert _module.checked(lambda params: [])({}) is None
    with pytest.raises(HubSpotValidationError) as info:
        _module.checked(lambda params: [{"path": "limit", "message": "must be at least 1"}])({})
    assert info.value.errors == [{"path": "limit", "message": "must be at least 1"}]


def test_checked_reports_every_list_sorted_by_path():
    prepare = _module.checked(lambda params: [{"path": "page_size", "message": "too big"}],
                              lambda params: [],
                              lambda params: [{"path": "contacts[10].email", "message": "bad"},
                                              {"path": "contacts[9].email", "message": "bad"}])
    with pytest.raises(HubSpotValidationError) as info:
        prepare({})
    assert [e["path"] for e in info.value.errors] == ["contacts[9].email", "contacts[10].email", "page_size"]


def test_read_result_counts_the_requests_made():
    reader = Mock(request_count=3)
    assert _module.read_result(reader, events=[]) == {"events": [], "changed": False, "api_calls": {"reads": 3}}
    # A value named like a result key cannot claim a change.
    assert _module.read_result(reader, changed=True)["changed"] is False


# ---------------------------------------------------------------------------------------------
# invocation.module_args: a long list is returned as its count


def test_echoed_params_count_a_long_list_and_keep_the_rest():
    short = [{"id": i} for i in range(_module.ECHO_LIST_MAX)]
    params = {"contacts": short + [{"id": 0}], "state": "attended", "tags": short, "access_token": "x"}
    echoed = _module.echoed_params(params)
    assert echoed == {"contacts": "101 items (not repeated in the result)", "state": "attended", "tags": short, "access_token": "x"}
    assert params["contacts"][-1] == {"id": 0}  # the module's own params are not changed


def _inject_invocation(args):
    """Ask ansible-core 2.21+ (where ``invocation`` is off by default) to return it, as earlier cores always do."""
    from ansible.module_utils.common import parameters
    if "inject_invocation" in getattr(parameters, "PASS_VARS", {}):
        args["_ansible_inject_invocation"] = True
    return args


@pytest.mark.parametrize("count, echoed", [(150, "150 items (not repeated in the result)"), (2, None)])
def test_a_real_module_returns_long_contact_lists_as_a_count(count, echoed):
    from ansible_collections.hubspot.marketing.plugins.modules import marketing_event_attendance
    from ansible_collections.hubspot.marketing.tests.unit.plugins.modules.utils import run_module

    contacts = [{"id": i + 1} for i in range(count - 1)] + [{"email": "not-an-email"}]
    code, result = run_module(marketing_event_attendance, _inject_invocation({
        "access_token": "pat-na1-echo-test-secret", "event_id": "1", "state": "registered", "contacts": contacts}))
    assert code == 1 and "contacts[%d].email" % (count - 1) in result["msg"]
    module_args = result["invocation"]["module_args"]
    assert module_args["contacts"] == (echoed or contacts)
    assert module_args["access_token"] != "pat-na1-echo-test-secret" and "pat-na1-echo-test-secret" not in str(result)


@pytest.mark.parametrize("environment, option, hint", [
    ({"HUBSPOT_API_VERSION": "v4"}, None, " (without the option api_version, the value is the environment variable HUBSPOT_API_VERSION"),
    ({"HUBSPOT_API_VERSION": ""}, None, " (without the option api_version, the value is the environment variable HUBSPOT_API_VERSION"),
    ({}, "v4", ""),
    ({"HUBSPOT_API_VERSION": "v3"}, "", ""),  # the task's own value, whatever the environment says
])
def test_a_bad_choice_from_the_environment_says_where_it_came_from(monkeypatch, environment, option, hint):
    from ansible_collections.hubspot.marketing.plugins.modules import marketing_event_info
    from ansible_collections.hubspot.marketing.tests.unit.plugins.modules.utils import run_module

    monkeypatch.delenv("HUBSPOT_API_VERSION", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    args = {"access_token": "pat-na1-choice-test", "event_id": "1"}
    if option is not None:
        args["api_version"] = option
    code, result = run_module(marketing_event_info, args)
    assert code == 1 and "value of api_version must be one of" in result["msg"]
    assert result["msg"].endswith(hint + " of the host that runs the module)" if hint else "got: %s" % option), result["msg"]


def test_the_environment_hint_names_only_options_with_an_environment_fallback(monkeypatch):
    monkeypatch.setenv("HUBSPOT_API_VERSION", "v4")
    spec = {"state": {"type": "str", "choices": ["a"]}}
    assert _module.environment_hint(spec, "value of state must be one of: a, got: b") == ""


@pytest.mark.parametrize("name, args, expected", [
    ("marketing_event_attendance", {"event_id": None, "state": "registered", "contacts": [{"id": 1}]},
     "one of the following is required: event_id, external_event_id"),
    ("marketing_event_attendance", {"external_event_id": None, "external_account_id": "acc", "state": "registered",
                                    "contacts": [{"id": 1}]}, "parameters are required together: external_event_id, external_account_id"),
    ("marketing_event", {"external_event_id": "ev", "external_account_id": None},
     "parameters are required together: external_event_id, external_account_id"),
    ("marketing_event_participation_info", {"event_id": None}, "one of the following is required: "),
])
def test_an_option_set_to_null_counts_as_not_given(requests_mock, name, args, expected):
    """ansible-core counts a key given as null as given; the module's rules must not (nothing is sent)."""
    import importlib
    from ansible_collections.hubspot.marketing.tests.unit.plugins.modules.utils import run_module

    module = importlib.import_module("ansible_collections.hubspot.marketing.plugins.modules." + name)
    code, result = run_module(module, dict(args, access_token="pat-na1-null-test"))
    assert code == 1, result
    assert result["msg"].startswith(expected) and result["msg"].endswith(" (an option set to null counts as not given)")
    assert requests_mock.call_count == 0


V2_EVENT = {"objectId": "7", "externalEventId": "ev", "eventName": "Webinar", "customProperties": [],
            "createdAt": "2026-02-01T00:00:00.000Z", "updatedAt": "2026-02-01T00:00:00.000Z"}


@pytest.mark.parametrize("nulls", [
    {"external_event_id": None, "external_account_id": None},  # event ids from a variable that is null here
    {"external_event_id": None},
])
def test_an_option_set_to_null_is_not_exclusive_with_another(requests_mock, nulls):
    """``mutually_exclusive`` counts only the options given a value, as the lookup does."""
    from ansible_collections.hubspot.marketing.plugins.modules import marketing_event_info
    from ansible_collections.hubspot.marketing.tests.unit.plugins.modules.utils import run_module

    requests_mock.get("https://api.example.test/marketing/v3/marketing-events/7", json=V2_EVENT)
    code, result = run_module(marketing_event_info, dict(nulls, event_id="7", access_token="pat-na1-null-test",
                                                         base_url="https://api.example.test"))
    assert code == 0, result
    assert [event["event_id"] for event in result["events"]] == ["7"] and requests_mock.call_count == 1
    code, result = run_module(marketing_event_info, dict(event_id="7", external_event_id="ev", access_token="pat-na1-null-test"))
    assert code == 1 and result["msg"] == "parameters are mutually exclusive: event_id|external_event_id"
    assert requests_mock.call_count == 1


@pytest.mark.parametrize("given, expected", [
    ({"a": "x"}, None),  # b's default is no value the task set
    ({"a": "x", "b": None}, None),
    ({"a": "x", "b": "y"}, "parameters are mutually exclusive: a|b"),
    ({"alias_of_a": "x", "b": "y"}, "parameters are mutually exclusive: a|b"),
    ({"b": "y", "c": "z", "d": None}, "parameters are required together: c, d"),
    ({"a": "x", "b": "y", "c": "z"}, "parameters are mutually exclusive: a|b"),  # "not both" first, as in ansible-core
    ({"a": "x", "b": "y", "e": None}, "parameters are mutually exclusive: a|b"),  # a null, but of no option of the rule
])
def test_rules_count_what_the_task_set(given, expected):
    """``mutually_exclusive`` counts the options the task set a value (not their defaults, not nulls); the
    other rules follow it, in ansible-core's order."""
    from ansible_collections.hubspot.marketing.tests.unit.plugins.modules.utils import run_module

    class Probe(object):
        @staticmethod
        def main():
            module = _module.HubSpotModule({"a": {"aliases": ["alias_of_a"]}, "b": {"default": "dflt"}, "c": {}, "d": {}, "e": {}},
                                           mutually_exclusive=[("a", "b")], required_together=[("c", "d")])
            module.exit_json(changed=False, b=module.params["b"])

    code, result = run_module(Probe, given)
    if expected is None:
        assert code == 0 and result["b"] == (given.get("b") or "dflt")
    else:
        nulls = [name for name, value in given.items() if value is None and name != "e"]
        assert code == 1 and result["msg"] == expected + (" (an option set to null counts as not given)" if nulls else "")


@pytest.mark.parametrize("rule, terms, names", [
    ("mutually_exclusive", [("a", "b"), ("a", "c")], {"a", "b", "c"}),
    ("required_if", [("state", "present", ("x", "y"), True), ("counters", True, ["z"])], {"state", "x", "y", "counters", "z"}),
    ("required_by", {"a": "b", "c": ["d", "e"]}, {"a", "b", "c", "d", "e"}),
    ("required_one_of", None, set()),
])
def test_rule_option_names(rule, terms, names):
    assert _module.rule_option_names(rule, terms) == names


def test_an_option_with_a_default_set_to_null_takes_its_fallback_or_default(requests_mock, monkeypatch):
    """ansible-core refuses null for an option with a default (in words of its version); null is not given."""
    from ansible_collections.hubspot.marketing.plugins.modules import marketing_event_participation_info
    from ansible_collections.hubspot.marketing.tests.unit.plugins.modules.utils import run_module

    monkeypatch.setenv("HUBSPOT_BASE_URL", "https://env.example.test")
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", "pat-na1-env-null-test")
    requests_mock.get("https://env.example.test/marketing/v3/marketing-events/participations/7/breakdown",
                      json={"total": 0, "results": []})
    given = {"event_id": "7", "state": "attended", "base_url": None, "access_token": None, "page_size": None,
             "validate_certs": None, "timeout": None, "max_retries": None, "counters": None, "api_version": None}
    code, result = run_module(marketing_event_participation_info, _inject_invocation(given))
    assert code == 0, result
    assert requests_mock.last_request.qs == {"state": ["attended"], "limit": ["100"]}
    assert requests_mock.last_request.headers["Authorization"] == "Bearer pat-na1-env-null-test"
    echoed = result["invocation"]["module_args"]
    assert (echoed["page_size"], echoed["validate_certs"], echoed["timeout"], echoed["counters"]) == (100, True, 30, False)


@pytest.mark.parametrize("name, args, expected", [
    # ansible-core would send these as "['ev-1']", "{'org': 'x'}"
    ("marketing_event", {"external_event_id": ["ev-1"], "external_account_id": "acc", "event_name": "N", "event_organizer": {"org": "x"}},
     "invalid arguments: event_organizer: must be a string, got dict; external_event_id: must be a string, got list"),
    ("marketing_event_info", {"external_event_id": "ev-1", "external_account_id": [1]},
     "invalid arguments: external_account_id: must be a string, got list"),
    ("marketing_event_attendance", {"event_id": "1", "state": "registered", "contacts": [{"id": 1}], "base_url": ["http://x"]},
     "invalid arguments: base_url: must be a string, got list"),
    ("marketing_event_participation_info", {"contact": "a@example.com", "access_token": {"token": "pat-na1-typed-test"}},
     "invalid arguments: access_token: must be a string, got dict"),
])
def test_a_list_or_dict_for_a_text_option_is_refused_not_sent_as_its_text(requests_mock, name, args, expected):
    import importlib
    from ansible_collections.hubspot.marketing.tests.unit.plugins.modules.utils import run_module

    module = importlib.import_module("ansible_collections.hubspot.marketing.plugins.modules." + name)
    code, result = run_module(module, _inject_invocation(dict({"access_token": "pat-na1-typed-test"}, **args)))
    assert code == 1, result
    assert result["msg"] == expected
    assert requests_mock.call_count == 0
    assert "pat-na1-typed-test" not in str(result)


@pytest.mark.parametrize("args", [
    {"contact": "a@example.com"},  # refused by the collection's check
    {},  # refused by ansible-core's own (a contact or an event is required), before the collection's
])
def test_a_token_given_as_a_dict_is_echoed_as_a_placeholder(requests_mock, args):
    """Not as the text of the dict with the token masked inside it (ansible-core masks whole values only)."""
    from ansible_collections.hubspot.marketing.plugins.modules import marketing_event_participation_info
    from ansible_collections.hubspot.marketing.tests.unit.plugins.modules.utils import run_module

    code, result = run_module(marketing_event_participation_info, _inject_invocation(dict(args, access_token={"token": "pat-na1-typed-test"})))
    assert code == 1 and requests_mock.call_count == 0
    assert result["invocation"]["module_args"]["access_token"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert "pat-na1-typed-test" not in str(result) and "********" not in str(result)


@pytest.mark.parametrize("given, errors", [
    ({"name": "x", "id": 7, "ratio": 1.5, "state": None}, []),
    ({"name": ["x"], "nick": {"a": 1}, "flag": "yes"}, [{"path": "name", "message": "must be a string, got list"},
                                                        {"path": "nick", "message": "must be a string, got dict"}]),
    ({"alias_of_id": ["7"], "ratio": True}, [{"path": "alias_of_id", "message": "must be a string, got list"}]),
])
def test_text_option_errors(given, errors):
    spec = {"name": {}, "id": {"type": "str", "aliases": ["alias_of_id"]}, "ratio": {"type": "str"},
            "state": {"type": "str"}, "nick": {"type": "str"}, "flag": {"type": "bool"}, "items": {"type": "list"}}
    assert _module.text_option_errors(spec, dict(given, items=["a"])) == errors
    # what the module keeps aside as sent: the text options only, never a list option such as the contacts
    assert _module.text_option_keys(spec) == {"name": "name", "id": "id", "alias_of_id": "id", "ratio": "ratio",
                                              "state": "state", "nick": "nick"}


@pytest.mark.parametrize("check_mode", [True, False])
def test_a_null_event_id_in_check_mode_names_the_likely_cause(requests_mock, check_mode):
    """``marketing_event`` returns ``event_id`` null for an event it would create in check mode."""
    from ansible_collections.hubspot.marketing.plugins.modules import marketing_event_attendance
    from ansible_collections.hubspot.marketing.tests.unit.plugins.modules.utils import run_module

    args = {"event_id": None, "state": "registered", "contacts": [{"id": 1}], "access_token": "pat-na1-null-test",
            "_ansible_check_mode": check_mode}
    code, result = run_module(marketing_event_attendance, args)
    assert code == 1 and result["msg"].startswith("one of the following is required: event_id")
    assert result["msg"].endswith("(an option set to null counts as not given). " + _module.CHECK_MODE_NEW_EVENT) is check_mode
    assert requests_mock.call_count == 0


@pytest.mark.parametrize("msg, error, hinted", [
    ("one of the following is required: event_id, external_event_id", None, True),
    ("counters is True but all of the following are missing: event_id, external_event_id", None, True),
    ("parameters are required together: external_event_id, external_account_id", None, False),
    ("reading the participations of event 1 failed: 404", {"not_found": True}, True),
    ("reading the participations of event 1 failed: 404 (an HTML page)", {"not_found": False}, False),
    ("reading the participations of event 1 failed: 403", {"status": 403}, False),
    ("event it-1 (external account acc) not found; creating it needs event_name", None, True),
    ("event 5 not found (an event given by event_id cannot be created: give ...)", None, True),
    ("contacts[0].email: must be an email address", None, False),
])
def test_check_mode_hint(msg, error, hinted):
    assert (_module.check_mode_hint(True, msg, error) == ". " + _module.CHECK_MODE_NEW_EVENT) is hinted
    assert _module.check_mode_hint(False, msg, error) == ""


def test_check_mode_hint_after_a_message_that_ends_a_sentence():
    assert _module.check_mode_hint(True, "GET /x -> 404 OBJECT_NOT_FOUND: Event not found.", {"not_found": True}) == \
        " " + _module.CHECK_MODE_NEW_EVENT


@pytest.mark.parametrize("version, refused", [("1.26.20", True), ("1.25", True), ("2.0.0", False), ("2.8.0", False), ("dev", False)])
def test_urllib3_before_2_is_refused_with_its_version(version, refused):
    from ansible_collections.hubspot.marketing.plugins.module_utils._client import urllib3_problem

    problem = urllib3_problem(version)
    assert (problem is not None) == refused
    if refused:
        assert problem.startswith("urllib3 %s is installed, and the hubspot.marketing collection needs urllib3 2.0 or later" % version)


def test_a_module_fails_with_the_library_problem(monkeypatch):
    from ansible_collections.hubspot.marketing.plugins.modules import marketing_event_info
    from ansible_collections.hubspot.marketing.tests.unit.plugins.modules.utils import run_module

    monkeypatch.setattr(_module, "HAS_REQUESTS", False)
    monkeypatch.setattr(_module, "LIBRARY_PROBLEM", "urllib3 1.26.20 is installed, and ...")
    code, result = run_module(marketing_event_info, {"access_token": "pat-na1-lib-test", "event_id": "1"})
    assert code == 1 and result["msg"] == "urllib3 1.26.20 is installed, and ..."


@pytest.mark.parametrize("name", ["marketing_event", "marketing_event_attendance", "marketing_event_info",
                                  "marketing_event_participation_info"])
def test_every_rule_of_every_module_names_its_options(monkeypatch, name):
    """ansible-test's validate-modules no longer sees the rules (``HubSpotModule`` keeps them from ansible-core):
    this holds what it checked, that a rule names only options of the module."""
    import importlib

    module = importlib.import_module("ansible_collections.hubspot.marketing.plugins.modules." + name)
    seen = {}

    class Recorder(object):
        def __init__(self, argument_spec, needs_jsonschema=False, **kwargs):
            seen.update(spec=argument_spec, rules=dict((rule, kwargs.get(rule)) for rule in _module.RULE_CHECKS))
            raise SystemExit(0)

    monkeypatch.setattr(_module, "HubSpotModule", Recorder)
    with pytest.raises(SystemExit):
        module.main()
    assert any(seen["rules"].values()), "%s gives no rule: the test would prove nothing" % name
    for rule, terms in seen["rules"].items():
        assert _module.rule_option_names(rule, terms) <= set(seen["spec"]), (rule, terms)
