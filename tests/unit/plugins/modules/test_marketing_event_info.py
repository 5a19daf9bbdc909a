# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


import pytest

from ansible_collections.hubspot.marketing.plugins.modules import marketing_event_info as module
from ansible_collections.hubspot.marketing.tests.unit.plugins.modules.utils import assert_not_printed, run_module

TOKEN = "pat-na1-event-info-secret-3"
BASE = "https://api.example.test"
ME = BASE + "/marketing/v3/marketing-events"
V2 = {"objectId": "58000001", "externalEventId": "web-1", "eventName": "Webinar", "customProperties": [],
      "createdAt": "2026-02-01T00:00:00.000Z", "updatedAt": "2026-02-01T00:00:00.000Z", "appInfo": {"id": "1", "name": "App"}}


def args(**kwargs):
    base = dict(access_token=TOKEN, base_url=BASE)
    base.update(kwargs)
    return dict((k, v) for k, v in base.items() if v is not None)


@pytest.mark.parametrize("given, message", [
    (dict(external_account_id="a"), "missing parameter(s) required by 'external_account_id': external_event_id"),
    (dict(event_id="1", external_event_id="e"), "mutually exclusive: event_id|external_event_id"),
    (dict(scope="world", external_event_id="e"), "value of scope must be one of: portal, app"),
])
def test_argspec_rules(requests_mock, given, message):
    code, result = run_module(module, args(**given))
    assert code == 1 and message in result["msg"]
    assert requests_mock.call_count == 0


@pytest.mark.parametrize("given, paths", [
    (dict(limit=0, page_size=0), ["limit", "page_size"]),
    (dict(event_id="abc"), ["event_id"]),
])
def test_validation_fails_before_any_request(requests_mock, given, paths):
    code, result = run_module(module, args(**given))
    assert code == 1 and [e["path"] for e in result["validation_errors"]] == paths
    assert requests_mock.call_count == 0


@pytest.mark.parametrize("given, check_mode, warned", [
    (dict(event_id=None), True, "event_id is null, so no event was read (leave the event options out to list every event). "
                                "In check mode, an event that an earlier task would create does not exist yet and has no event_id."),
    (dict(external_event_id=None, external_account_id=None), False,
     "external_event_id and external_account_id are null, so no event was read (leave the event options out to list every event)"),
])
def test_event_options_given_as_null_read_nothing(requests_mock, given, check_mode, warned):
    """Not the portal's whole list: ``event_id: "{{ created.event.event_id }}"`` is null in check mode."""
    full = dict(access_token=TOKEN, base_url=BASE, _ansible_check_mode=check_mode, **given)
    code, result = run_module(module, full)
    assert code == 0 and result["events"] == [] and result["api_calls"] == {"reads": 0}
    assert result["_warned"] == [warned]
    assert requests_mock.call_count == 0


def test_an_event_option_given_as_null_beside_a_real_one_is_not_given(requests_mock):
    requests_mock.get(ME + "/web-1/identifiers", json={"total": 0, "results": []})
    code, result = run_module(module, dict(access_token=TOKEN, base_url=BASE, external_event_id="web-1", external_account_id=None))
    assert code == 0 and result["events"] == [] and requests_mock.call_count == 1
    assert result.get("_warned", []) == []


def test_unknown_event_is_an_empty_list(requests_mock):
    requests_mock.get(ME + "/5", status_code=404, json={"message": "nope", "category": "OBJECT_NOT_FOUND"})
    code, result = run_module(module, args(event_id="5"))
    assert code == 0 and result["events"] == [] and result["changed"] is False


@pytest.mark.parametrize("scope, path, body", [
    ("portal", "/web-1/identifiers", {"total": 1, "results": [{"objectId": "58000001", "externalEventId": "web-1", "marketingEventName": "W",
                                                               "externalAccountId": "acc", "appInfo": {"id": "1", "name": "App"}}]}),
    ("app", "/events/search", {"results": [{"objectId": "58000001", "externalEventId": "web-1", "externalAccountId": "acc", "appId": 1}]}),
])
def test_search_by_external_event_id(requests_mock, scope, path, body):
    requests_mock.get(ME + path, json=body)
    code, result = run_module(module, args(external_event_id="web-1", scope=scope))
    assert code == 0
    [event] = result["events"]
    assert event["event_id"] == "58000001" and event["external_account_id"] == "acc" and event["app_id"] == "1"
    assert set(event) == set(module._events.normalize_event({}))
    assert event["registrants"] is None
    if scope == "app":
        assert requests_mock.request_history[0].qs == {"q": ["web-1"]}


def test_list_all_follows_the_cursor_and_stops_at_the_limit(requests_mock):
    requests_mock.get(ME, [{"json": {"results": [V2, dict(V2, objectId="2")], "paging": {"next": {"after": "c1"}}}},
                           {"json": {"results": [dict(V2, objectId="3"), dict(V2, objectId="4")], "paging": {"next": {"after": "c2"}}}}])
    code, result = run_module(module, args(page_size=2, limit=3))
    assert code == 0
    assert [e["event_id"] for e in result["events"]] == ["58000001", "2", "3"]
    assert result["api_calls"] == {"reads": 2}
    assert [r.qs for r in requests_mock.request_history] == [{"limit": ["2"]}, {"limit": ["1"], "after": ["c1"]}]
    assert_not_printed(result, TOKEN)
