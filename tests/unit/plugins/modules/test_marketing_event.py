# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


import pytest
import requests

from ansible_collections.hubspot.marketing.plugins.modules import marketing_event as module
from ansible_collections.hubspot.marketing.tests.unit.plugins.modules.utils import assert_not_printed, run_module

TOKEN = "pat-na1-event-module-secret-7"
BASE = "https://api.example.test"
ME = BASE + "/marketing/v3/marketing-events"
EVENT = {"id": "58000001", "objectId": "58000001", "externalEventId": "web-1", "eventName": "Webinar", "eventOrganizer": "Org",
         "customProperties": [], "createdAt": "2026-02-01T00:00:00.000Z", "updatedAt": "2026-02-01T00:00:00.000Z",
         "registrants": 0, "attendees": 0, "cancellations": 0, "noShows": 0, "eventCancelled": False, "eventCompleted": False}


def args(**kwargs):
    base = dict(access_token=TOKEN, base_url=BASE, external_account_id="acc", external_event_id="web-1")
    base.update(kwargs)
    return dict((k, v) for k, v in base.items() if v is not None)


@pytest.mark.parametrize("given, message", [
    (dict(external_account_id=None, external_event_id=None), "one of the following is required: event_id, external_event_id"),
    (dict(event_id="1"), "mutually exclusive: event_id|external_event_id"),
    (dict(external_event_id=None, event_id="1"), "mutually exclusive: event_id|external_account_id"),
    (dict(external_account_id=None), "parameters are required together: external_event_id, external_account_id"),
    (dict(state="done"), "value of state must be one of: present, completed, cancelled, absent"),
])
def test_argspec_rules(requests_mock, given, message):
    code, result = run_module(module, args(**given))
    assert code == 1 and message in result["msg"]
    assert requests_mock.call_count == 0


@pytest.mark.parametrize("given, path", [
    (dict(start_date_time="soon"), "start_date_time"),
    (dict(event_id="x1", external_account_id=None, external_event_id=None), "event_id"),
    (dict(custom_properties={"a": [1]}), "custom_properties.a"),
    (dict(state="cancelled", event_cancelled=False), "event_cancelled"),
    (dict(timeout=0), "timeout"),
])
def test_validation_fails_before_any_request(requests_mock, given, path):
    code, result = run_module(module, args(**given))
    assert code == 1
    assert [e["path"] for e in result["validation_errors"]] == [path]
    assert requests_mock.call_count == 0
    assert_not_printed(result, TOKEN)


def test_update_through_the_real_client_with_diff(requests_mock):
    requests_mock.get(ME + "/events/web-1", [{"json": EVENT}, {"json": dict(EVENT, eventName="Renamed")}])
    requests_mock.patch(ME + "/events/web-1", json=dict(EVENT, eventName="Renamed"))
    code, result = run_module(module, dict(args(event_name="Renamed", event_organizer="Org"), _ansible_diff=True))
    assert code == 0 and result["changed"] is True and result["actions"] == ["update"]
    assert result["diff"] == {"before": {"event_name": "Webinar"}, "after": {"event_name": "Renamed"}}
    assert result["event"]["event_name"] == "Renamed" and result["event"]["event_id"] == "58000001"
    patch = requests_mock.request_history[1]
    assert patch.method == "PATCH" and patch.qs == {"externalaccountid": ["acc"]}
    assert patch.json() == {"eventName": "Renamed", "customProperties": []}
    assert patch.headers["Authorization"] == "Bearer " + TOKEN
    assert_not_printed(result, TOKEN)


def test_no_diff_unless_asked_and_check_mode_writes_nothing(requests_mock):
    requests_mock.get(ME + "/events/web-1", json=EVENT)
    code, result = run_module(module, dict(args(event_name="Renamed"), _ansible_check_mode=True))
    assert code == 0 and result["changed"] is True and "diff" not in result
    assert [r.method for r in requests_mock.request_history] == ["GET"]


def test_api_failure_carries_the_correlation_id(requests_mock):
    requests_mock.get(ME + "/events/web-1", status_code=401,
                      json={"status": "error", "message": "bad token", "category": "INVALID_AUTHENTICATION", "correlationId": "c-9"})
    code, result = run_module(module, args())
    assert code == 1 and result["error"]["correlation_id"] == "c-9" and "c-9" in result["msg"]
    assert_not_printed(result, TOKEN)


def test_conflict_warning_reaches_the_user(requests_mock):
    missing = {"status_code": 404, "json": {"message": "nope", "category": "OBJECT_NOT_FOUND"}}
    requests_mock.get(ME + "/events/web-1", [missing, {"json": EVENT}])
    requests_mock.post(ME + "/events", status_code=400, json={
        "status": "error", "category": "VALIDATION_ERROR", "errorType": "UNIQUE_VALUE_CONFLICT", "message": "exists",
        "correlationId": "c-3", "errorTokens": {"existingObjectId": ["58000001"]}})
    code, result = run_module(module, args(event_name="Webinar", event_organizer="Org"))
    assert code == 0 and result["changed"] is False and result["event"]["event_id"] == "58000001"
    assert any("UNIQUE_VALUE_CONFLICT" in w for w in result["_warned"])


def test_a_write_failing_after_another_reports_what_hubspot_holds(requests_mock):
    requests_mock.get(ME + "/events/web-1", json=EVENT)
    requests_mock.patch(ME + "/events/web-1", json=dict(EVENT, eventName="Renamed"))
    requests_mock.post(ME + "/events/web-1/cancel", status_code=400,
                       json={"status": "error", "message": "cannot cancel", "category": "VALIDATION_ERROR", "correlationId": "c-4"})
    code, result = run_module(module, args(event_name="Renamed", state="cancelled"))
    assert code == 1 and result["changed"] is True and result["actions"] == ["update"]
    assert result["event"]["event_name"] == "Renamed" and result["error"]["correlation_id"] == "c-4"
    assert result["msg"].endswith("(before this failure HubSpot answered: update)") and "cannot cancel" in result["msg"]
    assert [r.method for r in requests_mock.request_history] == ["GET", "PATCH", "POST"]
    assert_not_printed(result, TOKEN)


def test_a_create_that_timed_out_fails_changed_and_says_hubspot_may_hold_it(requests_mock):
    missing = {"status_code": 404, "json": {"message": "nope", "category": "OBJECT_NOT_FOUND", "correlationId": "c-5"}}
    requests_mock.get(ME + "/events/web-1", [missing])
    requests_mock.post(ME + "/events", exc=requests.exceptions.ReadTimeout("read timed out"))
    code, result = run_module(module, args(event_name="Webinar", event_organizer="Org", max_retries=0))
    assert code == 1 and result["changed"] is True and result["actions"] == [] and result["event"] == {}
    assert "the failed create got no readable answer, so HubSpot may hold it: run the task again to converge" in result["msg"]
    assert [r.method for r in requests_mock.request_history] == ["GET", "POST"]
    assert_not_printed(result, TOKEN)
