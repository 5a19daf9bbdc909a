# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from unittest.mock import Mock

import pytest

from ansible.module_utils import basic

from ansible_collections.hubspot.marketing.plugins.module_utils import _module
from ansible_collections.hubspot.marketing.plugins.module_utils._errors import HubSpotApiError, HubSpotPagingError
from ansible_collections.hubspot.marketing.plugins.modules import marketing_event_participation_info as info
from ansible_collections.hubspot.marketing.tests.unit.conftest import load_fixture, query_of, spec_client
from ansible_collections.hubspot.marketing.tests.unit.plugins.modules.utils import set_module_args

TOKEN = "pat-na1-module-test-secret-42"
BASE = "https://api.example.test"
PREFIX = "/marketing/v3/marketing-events/participations"


# ---------------------------------------------------------------------------------------------
# run(module, client) with a spec'd client and module

def module_params(**overrides):
    params = dict(access_token=TOKEN, base_url=BASE, validate_certs=True, timeout=30.0, max_retries=5,
                  contact=None, event_id=None, external_event_id=None, external_account_id=None,
                  state=None, limit=None, page_size=100, counters=False)
    params.update(overrides)
    return params


def make_module(check_mode=False, **overrides):
    module = Mock(spec_set=["params", "check_mode", "warn", "fail_json", "exit_json"])
    module.params = module_params(**overrides)
    module.check_mode = check_mode
    return module


def make_client(pages, counters=None):
    """A spec'd client whose GETs answer ``pages`` in order (then ``counters``), counting each request."""
    return spec_client(get=list(pages) + ([counters] if counters is not None else []))


class TestRun:

    @pytest.mark.parametrize("check_mode", [False, True])
    def test_event_breakdown(self, check_mode):
        module = make_module(check_mode=check_mode, event_id="456", page_size=2)
        client = make_client([load_fixture("breakdown_event_page1.json"), load_fixture("breakdown_event_page2.json")])
        result = info.run(module, client)
        assert result["changed"] is False
        assert [p["email"] for p in result["participations"]] == ["jane@example.com", "john@example.com", "ann@example.com"]
        assert [p["state"] for p in result["participations"]] == ["attended", "no_show", "cancelled"]
        assert result["total"] == 3
        assert result["api_calls"] == {"reads": 2}
        assert "counters" not in result
        first, second = client.get.call_args_list
        assert first.args[0] == PREFIX + "/456/breakdown"
        assert first.kwargs["params"] == {"limit": 2}
        assert second.kwargs["params"] == {"limit": 2, "after": "MTAwMg%3D%3D+/="}  # verbatim
        client.post.assert_not_called()
        client.request.assert_not_called()
        module.warn.assert_not_called()

    def test_snake_case_items(self):
        module = make_module(event_id="456")
        client = make_client([load_fixture("breakdown_event_page2.json")])
        (item,) = info.run(module, client)["participations"]
        assert item == {
            "id": "1003", "created_at": "2024-06-04T10:10:00Z", "event_id": "456", "event_name": "Product webinar",
            "external_account_id": "acc-1", "external_event_id": "ev-1", "contact_id": "53", "email": "ann@example.com",
            "firstname": "Ann", "lastname": None, "state": "cancelled", "occurred_at": 1717495800000,
            "attendance_duration_seconds": None, "attendance_percentage": None,
        }

    def test_counters(self):
        module = make_module(external_account_id="acc-1", external_event_id="ev-1", counters=True)
        client = make_client([load_fixture("breakdown_event_page2.json")], counters=load_fixture("counters.json"))
        result = info.run(module, client)
        assert result["counters"] == {"registered": 0, "attended": 1, "cancelled": 1, "no_show": 1}
        assert [c.args[0] for c in client.get.call_args_list] == [PREFIX + "/acc-1/ev-1/breakdown", PREFIX + "/acc-1/ev-1"]
        assert result["api_calls"] == {"reads": 2}

    def test_contact_alone_reads_the_contact_breakdown(self):
        module = make_module(contact=" jane@example.com ", state="registered")
        client = make_client([load_fixture("breakdown_contact.json")])
        result = info.run(module, client)
        assert client.get.call_args.args[0] == PREFIX + "/contacts/jane%40example.com/breakdown"
        assert client.get.call_args.kwargs["params"] == {"state": "REGISTERED", "limit": 100}
        assert [p["event_id"] for p in result["participations"]] == ["123", "456"]

    def test_contact_with_event_filters_the_event_breakdown(self):
        module = make_module(contact="51", event_id="456", state="no_show")
        client = make_client([{"total": 0, "results": []}])
        result = info.run(module, client)
        assert client.get.call_args.args[0] == PREFIX + "/456/breakdown"
        assert client.get.call_args.kwargs["params"] == {"contactIdentifier": "51", "state": "NO_SHOW", "limit": 100}
        assert (result["participations"], result["total"]) == ([], 0)

    def test_limit_stops_early_and_total_is_the_apis(self):
        module = make_module(event_id="456", limit=1, page_size=100)
        client = make_client([load_fixture("breakdown_event_page1.json")])
        result = info.run(module, client)
        assert len(result["participations"]) == 1
        assert result["total"] == 3
        assert client.get.call_count == 1
        assert result["api_calls"] == {"reads": 1}
        assert client.get.call_args.kwargs["params"] == {"limit": 1}

    def test_unknown_contact_is_an_empty_list(self):
        module = make_module(contact="nobody@example.com")
        client = make_client([])
        client.get.side_effect = HubSpotApiError("GET", "/x", 404, category="OBJECT_NOT_FOUND", message="Unable to find a route")
        result = info.run(module, client)
        assert (result["participations"], result["total"]) == ([], 0)
        # a 404 is also what a wrong base_url path gets: the user is told, with HubSpot's words
        module.warn.assert_called_once_with(
            "contact 'nobody@example.com': GET /x -> 404 OBJECT_NOT_FOUND: Unable to find a route; read as no participations, "
            "as for a contact HubSpot does not know (if it exists, check base_url)")

    def test_no_results_for_a_contact_is_an_empty_list_unwarned(self):
        module = make_module(contact="nobody@example.com")
        result = info.run(module, make_client([{"total": 0, "results": []}]))
        assert (result["participations"], result["total"]) == ([], 0)
        module.warn.assert_not_called()

    def test_unknown_event_raises(self):
        module = make_module(event_id="999", contact="jane@example.com")
        client = make_client([])
        client.get.side_effect = HubSpotApiError("GET", "/x", 404, category="OBJECT_NOT_FOUND", correlation_id="c-9")
        with pytest.raises(HubSpotApiError, match="c-9"):
            info.run(module, client)

    def test_repeated_cursor_raises(self):
        page = load_fixture("breakdown_event_page1.json")
        page["total"] = 100
        module = make_module(event_id="456", page_size=2)
        client = make_client([page, page, page])
        with pytest.raises(HubSpotPagingError):
            info.run(module, client)
        assert client.get.call_count == 2


# ---------------------------------------------------------------------------------------------
# main(): argspec, validation before any request, and one path through the real client

def requests_mock_any_breakdown():
    import re
    return re.compile(re.escape(BASE + PREFIX) + "/.*/breakdown")


class Exit(Exception):
    pass


class Fail(Exception):
    pass


@pytest.fixture
def run_main(monkeypatch):
    warnings = []

    def exit_json(self, **kwargs):
        raise Exit(kwargs)

    def fail_json(self, **kwargs):
        raise Fail(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, msg: warnings.append(msg))
    monkeypatch.delenv("HUBSPOT_ACCESS_TOKEN", raising=False)
    monkeypatch.delenv("HUBSPOT_BASE_URL", raising=False)

    def runner(args, expect=Exit):
        with set_module_args(args):
            with pytest.raises((Exit, Fail)) as exc:
                info.main()
        assert isinstance(exc.value, expect), exc.value.args[0]
        result = exc.value.args[0]
        result["_warnings"] = warnings
        return result
    return runner


def args(**kwargs):
    base = dict(access_token=TOKEN, base_url=BASE)
    base.update(kwargs)
    return {k: v for k, v in base.items() if v is not None}


class TestMain:

    @pytest.mark.parametrize("given, message", [
        (dict(), "one of the following is required: contact, event_id, external_event_id"),
        (dict(event_id="1", external_event_id="e", external_account_id="a"), "mutually exclusive: event_id|external_event_id"),
        (dict(event_id="1", external_account_id="a"), "mutually exclusive: event_id|external_account_id"),
        (dict(external_event_id="e"), "parameters are required together: external_event_id, external_account_id"),
        (dict(contact="a@b.c", counters=True), "counters is True but any of the following are missing: event_id, external_event_id"),
        (dict(event_id="1", state="ATTENDED"), "value of state must be one of: registered, attended, cancelled, no_show"),
        (dict(event_id="1", access_token=None), "access_token: is required: give the option access_token"),
    ])
    def test_argspec_rules(self, run_main, requests_mock, given, message):
        result = run_main(args(**given), expect=Fail)
        assert message in result["msg"]
        assert requests_mock.call_count == 0

    @pytest.mark.parametrize("given, path, reason", [
        (dict(event_id="1", limit=0), "limit", "must be at least 1, got 0"),
        (dict(event_id="1", page_size=0), "page_size", "must be between 1 and 100, got 0"),
        (dict(event_id="1", page_size=101), "page_size", "must be between 1 and 100, got 101"),
        (dict(event_id="1", base_url="ftp://api.hubapi.com"), "base_url", "must start with http:// or https://"),
        (dict(event_id="1", timeout=0), "timeout", "must be more than 0"),
        (dict(event_id="1", max_retries=-1), "max_retries", "must be between 0 and 20"),
        (dict(contact="  "), "contact", "must not be empty"),
        (dict(contact="abc"), "contact", "must be an email address or a HubSpot contact id"),
        (dict(contact="0"), "contact", "must be an email address or a HubSpot contact id"),
        (dict(contact="-5"), "contact", "must be an email address or a HubSpot contact id"),
        (dict(contact="jane.example.com"), "contact", "must be an email address or a HubSpot contact id"),
        (dict(event_id="abc"), "event_id", "must be HubSpot's numeric event id"),
        (dict(event_id="1.5"), "event_id", "must be HubSpot's numeric event id"),
        (dict(event_id=u"\u0661\u0662"), "event_id", "must be HubSpot's numeric event id"),
        (dict(external_event_id="e" * 1025, external_account_id="a"), "external_event_id", "must be at most 1024 characters long"),
        (dict(external_event_id="e", external_account_id=" "), "external_account_id", "must not be empty"),
        (dict(event_id="1", access_token="has space " + TOKEN), "access_token", "must not contain whitespace"),
        # Wrong types are refused, never stringified (["a@b.c"] was sent as "['a@b.c']").
        (dict(contact=["a@b.c"]), "contact", "must be an email address or a HubSpot contact id, got list"),
        (dict(contact={"email": "a@b.c"}), "contact", "must be an email address or a HubSpot contact id, got dict"),
        (dict(contact=True), "contact", "must be an email address or a HubSpot contact id, got bool"),
        (dict(contact=1.5), "contact", "must be an email address or a HubSpot contact id, got float"),
        # Dot segments would be removed by the HTTP stack and reach another event's breakdown.
        (dict(external_event_id=".", external_account_id="a"), "external_event_id", "must not be '.'"),
        (dict(external_event_id="e", external_account_id=".."), "external_account_id", "must not be '..'"),
        # One definition of an email and of a contact id.
        # (a NUL never reaches a module on ansible-core 2.21: core refuses it first; another control character does)
        (dict(contact="a\u0007b@x.com"), "contact", "is not a valid email address: must not contain whitespace or control characters"),
        (dict(contact="<a@x.com>"), "contact", "is not a valid email address: must not contain <"),
        (dict(contact='a"b,c@x.com'), "contact", 'is not a valid email address: must not contain " ,'),
        (dict(contact="a@x..com"), "contact", "is not a valid email address: must not have an empty part"),
        (dict(contact="9223372036854775808"), "contact", "must be an email address or a HubSpot contact id (a positive integer up to"),
        (dict(contact=9223372036854775808), "contact", "must be an email address or a HubSpot contact id (a positive integer up to"),
    ])
    def test_validation_fails_before_any_request(self, run_main, requests_mock, given, path, reason):
        result = run_main(args(**given), expect=Fail)
        assert "%s: %s" % (path, reason) in result["msg"]
        assert {"path": path, "message": result["validation_errors"][0]["message"]} in result["validation_errors"]
        assert requests_mock.call_count == 0
        assert TOKEN not in json.dumps(result)

    @pytest.mark.parametrize("contact", ["jane@example.com", "j\u00f6rg@b\u00fccher.example", "51", " 51 ", 51,
                                         "9223372036854775807", "o'brien+tag@sub.example.co.uk"])
    def test_valid_contacts(self, run_main, requests_mock, contact):
        requests_mock.get(requests_mock_any_breakdown(), json={"total": 0, "results": []})
        assert run_main(args(contact=contact))["participations"] == []
        assert requests_mock.call_count == 1

    def test_every_validation_error_is_reported(self, run_main, requests_mock):
        result = run_main(args(event_id="1", limit=0, page_size=500, timeout=-1), expect=Fail)
        assert [e["path"] for e in result["validation_errors"]] == ["limit", "page_size", "timeout"]

    def test_reads_through_the_real_client(self, run_main, requests_mock, monkeypatch):
        monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", TOKEN)
        requests_mock.get(BASE + PREFIX + "/456/breakdown",
                          [{"json": load_fixture("breakdown_event_page1.json")}, {"json": load_fixture("breakdown_event_page2.json")}])
        requests_mock.get(BASE + PREFIX + "/456", json=load_fixture("counters.json"))
        result = run_main(args(access_token=None, event_id="456", page_size=2, counters=True, state="attended"))
        assert result["changed"] is False
        assert len(result["participations"]) == 3
        assert result["total"] == 3
        assert result["counters"]["no_show"] == 1
        assert result["api_calls"] == {"reads": 3}
        assert [r.method for r in requests_mock.request_history] == ["GET", "GET", "GET"]
        assert query_of(requests_mock.request_history[0]) == {"state": "ATTENDED", "limit": "2"}
        assert requests_mock.request_history[0].headers["Authorization"] == "Bearer " + TOKEN
        assert result["_warnings"] == []

    def test_base_url_from_env_and_validate_certs_warning(self, run_main, requests_mock, monkeypatch):
        monkeypatch.setenv("HUBSPOT_BASE_URL", "http://127.0.0.1:9999/")
        requests_mock.get("http://127.0.0.1:9999" + PREFIX + "/contacts/51/breakdown", json={"total": 0, "results": []})
        result = run_main({"access_token": TOKEN, "contact": "51", "validate_certs": False})
        assert result["participations"] == []
        assert result["total"] == 0
        assert any("validate_certs is false" in w for w in result["_warnings"])

    def test_unknown_event_fails_with_correlation_id(self, run_main, requests_mock):
        requests_mock.get(BASE + PREFIX + "/999/breakdown", status_code=404, json=load_fixture("error_404_event.json"))
        result = run_main(args(event_id="999"), expect=Fail)
        assert result["msg"] == ("GET %s/999/breakdown -> 404 OBJECT_NOT_FOUND (correlationId 7c0b8e5e-0d6f-4a34-9b8e-1f2d3c4b5a69): "
                                 "Marketing event 999 was not found" % PREFIX)
        assert result["error"]["status"] == 404
        assert result["error"]["correlation_id"] == "7c0b8e5e-0d6f-4a34-9b8e-1f2d3c4b5a69"

    def test_bad_token_fails_without_echoing_it(self, run_main, requests_mock):
        requests_mock.get(BASE + PREFIX + "/456/breakdown", status_code=401, json=load_fixture("error_401.json"))
        result = run_main(args(event_id="456"), expect=Fail)
        assert "401 INVALID_AUTHENTICATION (correlationId a0a1a2a3-0000-4000-8000-000000000401)" in result["msg"]
        assert TOKEN not in json.dumps(result)

    def test_requests_missing(self, run_main, requests_mock, monkeypatch):
        monkeypatch.setattr(_module, "HAS_REQUESTS", False)
        monkeypatch.setattr(_module, "REQUESTS_IMPORT_ERROR", "Traceback: No module named 'requests'")
        result = run_main(args(event_id="1"), expect=Fail)
        assert "requests" in result["msg"]
        assert requests_mock.call_count == 0

    def test_argspec_matches_the_shared_options(self):
        for key in ("access_token", "base_url", "validate_certs", "timeout", "max_retries",
                    "event_id", "external_event_id", "external_account_id"):
            assert key in info.ARGUMENT_SPEC
        assert info.ARGUMENT_SPEC["access_token"]["no_log"] is True
        assert info.ARGUMENT_SPEC["page_size"]["default"] == 100
        assert "default" not in info.ARGUMENT_SPEC["limit"]
