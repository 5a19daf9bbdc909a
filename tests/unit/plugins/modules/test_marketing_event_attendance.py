# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""marketing_event_attendance: main() (argspec, validation, real client over requests-mock)
and run() against an autospec'd HubSpotClient backed by a small fake HubSpot."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
from unittest.mock import Mock
from urllib.parse import unquote

import pytest

from ansible_collections.hubspot.marketing.plugins.module_utils._errors import HubSpotApiError, HubSpotTransportError
from ansible_collections.hubspot.marketing.plugins.module_utils._attendance import NO_OP_REASON, READ_REASON
from ansible_collections.hubspot.marketing.plugins.module_utils import _module
from ansible_collections.hubspot.marketing.plugins.module_utils._reconcile import state_filter
from ansible_collections.hubspot.marketing.plugins.modules import marketing_event_attendance as module_under_test
from ansible_collections.hubspot.marketing.tests.unit.conftest import NOW, FakeHubSpot
from ansible_collections.hubspot.marketing.tests.unit.plugins.modules.utils import assert_not_printed, run_module

TOKEN = "pat-na1-unit-secret-attendance-0123"
BASE = "https://api.example.test"
EVENTS = "/marketing/v3/marketing-events"
# A one-hour attendance, as task-level times (HubSpot keeps no attendance without them).
SPAN = {"joined_at": NOW - 3600 * 1000, "left_at": NOW}


# ---------------------------------------------------------------------------------------------
# Helpers


def run_main(args, capsys):
    """Run main(); return (failed, result) from the JSON it printed. None values mean "not given"."""
    del capsys  # run_module captures stdout itself
    code, result = run_module(module_under_test, dict((k, v) for k, v in args.items() if v is not None))
    return code != 0 or bool(result.get("failed")), result


def base_args(**extra):
    args = {"access_token": TOKEN, "base_url": BASE, "event_id": "456", "state": "registered", "max_retries": 0,
            "contacts": [{"id": 51}]}
    args.update(extra)
    return args


def make_client(fake):
    return fake.client()


def make_module(check_mode=False, diff=False, **params):
    module = Mock(spec_set=["params", "check_mode", "_diff", "warn"])
    module.params = dict(
        access_token=TOKEN, base_url=BASE, validate_certs=True, timeout=30.0, max_retries=0,
        event_id="456", external_event_id=None, external_account_id=None,
        state="registered", contacts=[], force=False, allow_partial=False, batch_size=100, write_concurrency=1,
        occurred_at=None, joined_at=None, left_at=None, verify=False, verify_timeout=60)
    module.params.update(params)
    module.check_mode = check_mode
    module._diff = diff
    return module


def ids(n, start=1):
    return [{"id": str(i)} for i in range(start, start + n)]


# ---------------------------------------------------------------------------------------------
# main(): argspec rules, validation before any request


@pytest.mark.parametrize("args, message", [
    ({"event_id": None}, "one of the following is required: event_id, external_event_id"),
    ({"event_id": "1", "external_event_id": "e", "external_account_id": "a"}, "mutually exclusive"),
    ({"event_id": "1", "external_account_id": "a"}, "mutually exclusive: event_id|external_account_id"),
    ({"event_id": None, "external_event_id": "e"}, "parameters are required together: external_event_id, external_account_id"),
    ({"event_id": None, "external_account_id": "a"}, "external_event_id"),
    ({"state": "present"}, "value of state must be one of: registered, attended, cancelled"),
    ({"state": None}, "missing required arguments: state"),
    ({"contacts": None}, "missing required arguments: contacts"),
    ({"contacts": [{"id": 1, "bogus": 2}]}, "bogus"),
    ({"batch_size": "many"}, "batch_size"),
    ({"force": "perhaps"}, "force"),
])
def test_argspec_rules(args, message, capsys, requests_mock):
    full = base_args()
    full.update(args)
    failed, result = run_main(full, capsys)
    assert failed
    assert message in result["msg"]
    assert requests_mock.call_count == 0


def test_argspec_external_ids_together_are_accepted(capsys, requests_mock):
    requests_mock.get(BASE + EVENTS + "/participations/acc/ev1/breakdown", json={"total": 0, "results": []})
    requests_mock.post(BASE + EVENTS + "/attendance/ev1/register/create", json={"status": "COMPLETE", "results": [{"vid": 51}]})
    failed, result = run_main(base_args(event_id=None, external_event_id="ev1", external_account_id="acc"), capsys)
    assert not failed, result
    assert requests_mock.request_history[1].qs == {"externalaccountid": ["acc"]}
    assert result["event"] == {"event_id": None, "external_account_id": "acc", "external_event_id": "ev1"}


@pytest.mark.parametrize("args, path, message", [
    ({"contacts": [{"id": 1}, {"email": "x"}]}, "contacts[1].email", "'x' is not a valid email"),
    ({"contacts": [{"id": 1}, {"id": 1}]}, "contacts[1].id", "duplicate of contacts[0]"),
    ({"contacts": [{"email": "A@example.com"}, {"email": "a@EXAMPLE.com"}]}, "contacts[1].email", "duplicate of contacts[0]"),
    ({"contacts": [{}]}, "contacts[0]", "needs exactly one of id or email"),
    ({"contacts": [{"id": 1, "email": "a@example.com"}]}, "contacts[0]", "needs exactly one of id or email"),
    ({"contacts": [{"id": "abc"}]}, "contacts[0].id", "must be a HubSpot contact id"),
    ({"contacts": [{"id": 1, "occurred_at": "tomorrow"}]}, "contacts[0].occurred_at", "RFC 3339"),
    ({"contacts": [{"id": 1, "joined_at": NOW}]}, "contacts[0].joined_at", "only allowed with state attended"),
    ({"state": "attended", "contacts": [{"id": 1}]}, "contacts[0].joined_at", "is required with state attended"),
    ({"state": "attended", "joined_at": NOW, "contacts": [{"id": 1, "left_at": NOW}]}, "contacts[0].left_at", "must be later than joined_at"),
    ({"state": "attended", "joined_at": NOW - 500, "left_at": NOW, "contacts": [{"id": 1}]}, "left_at", "at least 1 second"),
    ({"contacts": [{"id": 1, "occurred_at": 1717495200}]}, "contacts[0].occurred_at", "looks like epoch seconds"),
    ({"contacts": [{"id": 1, "properties": {"joinedAt": 1}}]}, "contacts[0].properties", "is not allowed here"),
    ({"verify_timeout": 0}, "verify_timeout", "must be at least 1"),
    ({"contacts": [{"id": 1, "contact_properties": {"a": "b"}}]}, "contacts[0].contact_properties", "only allowed for contacts given by email"),
    ({"batch_size": 0}, "batch_size", "must be at least 1"),
    ({"batch_size": 101}, "batch_size", "must be at most 100"),
    ({"event_id": "abc"}, "event_id", "numeric event id"),
    ({"event_id": None, "external_event_id": " ", "external_account_id": "a"}, "external_event_id", "must not be empty"),
    ({"base_url": "ftp://x"}, "base_url", "http"),
    ({"timeout": 0}, "timeout", "more than 0"),
    ({"max_retries": 50}, "max_retries", "between 0 and 20"),
])
def test_validation_fails_before_any_request(args, path, message, capsys, requests_mock):
    full = base_args()
    full.update(args)
    failed, result = run_main(full, capsys)
    assert failed
    assert result["msg"].startswith("invalid arguments: ")
    assert "%s: " % path in result["msg"]
    assert message in result["msg"]
    assert any(e["path"] == path and message in e["message"] for e in result["validation_errors"])
    assert requests_mock.call_count == 0


def test_validation_reports_every_problem_sorted(capsys, requests_mock):
    contacts = [{"id": "x"}, {"email": "bad"}, {}, {"id": 2}, {"id": 2}, {"email": "a@example.com", "contact_properties": {"": "v"}}]
    failed, result = run_main(base_args(contacts=contacts, batch_size=500), capsys)
    assert failed
    assert [e["path"] for e in result["validation_errors"]] == [
        "batch_size", "contacts[0].id", "contacts[1].email", "contacts[2]", "contacts[4].id", "contacts[5].contact_properties"]
    assert requests_mock.call_count == 0


def test_validation_never_echoes_the_token(capsys, requests_mock):
    failed, result = run_main(base_args(access_token="bad token with spaces"), capsys)
    assert failed
    assert "access_token: must not contain whitespace" in result["msg"]
    assert_not_printed(result, "bad token")


def test_missing_requests(capsys, monkeypatch):
    monkeypatch.setattr(_module, "HAS_REQUESTS", False)
    failed, result = run_main(base_args(), capsys)
    assert failed and "requests" in result["msg"]


def test_missing_jsonschema(capsys, monkeypatch):
    monkeypatch.setattr(_module, "HAS_JSONSCHEMA", False)
    failed, result = run_main(base_args(), capsys)
    assert failed and "jsonschema" in result["msg"]


# ---------------------------------------------------------------------------------------------
# main() through the real client (requests-mock at the transport)


def breakdown_json(parts, total=None):
    return {"total": len(parts) if total is None else total, "results": [FakeHubSpot().item(p) for p in parts]}


def test_main_end_to_end_real_client(capsys, requests_mock):
    # HubSpot's own shapes: the held contact 51 is absent from results, the error names the vid only in its message.
    read = requests_mock.get(BASE + EVENTS + "/participations/456/breakdown",
                             json=breakdown_json([{"id": "51", "email": "a@example.com", "state": "REGISTERED"}]))
    write_ids = requests_mock.post(BASE + EVENTS + "/456/attendance/attend/create", json={
        "status": "COMPLETE", "results": [{"vid": 52}], "numErrors": 1,
        "errors": [{"status": "error", "category": "OBJECT_NOT_FOUND", "message": "Contact with vid 99 does not exist",
                    "context": {}, "errors": [], "links": {}}]})
    write_mail = requests_mock.post(BASE + EVENTS + "/456/attendance/attend/email-create", json={
        "status": "COMPLETE", "results": [{"email": "new@example.com", "vid": 77}], "numErrors": 0, "errors": []})
    args = base_args(state="attended", allow_partial=True, joined_at="2024-06-04T09:00:00Z", left_at="2024-06-04T10:00:00Z", contacts=[
        {"id": 51, "joined_at": "2024-06-04T09:30:00+02:00"},
        {"id": "99"},
        {"id": 52, "occurred_at": NOW},
        {"email": "New@example.com", "contact_properties": {"firstname": "N"}},
    ])
    failed, result = run_main(args, capsys)
    assert not failed, result
    assert result["changed"] is True
    assert result["api_calls"] == {"reads": 1, "writes": 2, "verify_reads": 0}
    assert read.last_request.qs == {"limit": ["100"], "state": ["attended"]}
    assert read.last_request.headers["Authorization"] == "Bearer " + TOKEN
    join = NOW - 3600 * 1000
    assert write_ids.last_request.json() == {"inputs": [
        {"vid": 51, "interactionDateTime": NOW - 9000 * 1000,
         "properties": {"joinedAt": "2024-06-04T07:30:00.000Z", "leftAt": "2024-06-04T10:00:00.000Z"}},
        {"vid": 99, "interactionDateTime": join, "properties": {"joinedAt": "2024-06-04T09:00:00.000Z", "leftAt": "2024-06-04T10:00:00.000Z"}},
        {"vid": 52, "interactionDateTime": NOW, "properties": {"joinedAt": "2024-06-04T09:00:00.000Z", "leftAt": "2024-06-04T10:00:00.000Z"}}]}
    assert write_mail.last_request.json() == {"inputs": [
        {"email": "New@example.com", "interactionDateTime": join,
         "properties": {"joinedAt": "2024-06-04T09:00:00.000Z", "leftAt": "2024-06-04T10:00:00.000Z"}, "contactProperties": {"firstname": "N"}}]}
    assert result["recorded"] == [{"id": "52", "email": None, "state": "attended"},
                                  {"id": "77", "email": "new@example.com", "state": "attended"}]
    assert result["unchanged"] == [{"id": "51", "email": "a@example.com", "current_state": "attended", "reason": NO_OP_REASON}]
    assert result["batch_errors"] == [{"contact": {"index": 1, "id": "99"}, "status": "error", "category": "OBJECT_NOT_FOUND",
                                       "sub_category": None, "message": "Contact with vid 99 does not exist", "correlation_id": None}]
    assert result["unconfirmed"] == []
    assert any("1 of 4 contacts to write failed" in w for w in result["_warned"])
    assert_not_printed(result, TOKEN)


def test_main_partial_failure_fails_and_still_reports_what_was_recorded(capsys, requests_mock):
    requests_mock.get(BASE + EVENTS + "/participations/456/breakdown", json=breakdown_json([]))
    requests_mock.post(BASE + EVENTS + "/456/attendance/register/create", json={
        "status": "COMPLETE", "results": [{"vid": 51}], "numErrors": 1,
        "errors": [{"status": "error", "category": "OBJECT_NOT_FOUND", "message": "Contact 99 does not exist",
                    "context": {"vid": ["99"]}, "errors": [], "links": {}}]})
    failed, result = run_main(base_args(contacts=[{"id": 51}, {"id": 99}]), capsys)
    assert failed
    assert result["changed"] is True
    assert result["msg"] == "1 of 2 contacts to write failed: contacts[1] (99): Contact 99 does not exist (OBJECT_NOT_FOUND)"
    assert result["recorded"] == [{"id": "51", "email": None, "state": "registered"}]


def test_main_403_names_the_scope(capsys, requests_mock):
    requests_mock.get(BASE + EVENTS + "/participations/456/breakdown", json=breakdown_json([]))
    requests_mock.post(BASE + EVENTS + "/456/attendance/register/create", status_code=403, json={
        "status": "error", "message": "This app hasn't been granted all required scopes to make this call.",
        "correlationId": "corr-403", "category": "MISSING_SCOPES",
        "errors": [{"message": "One or more of the following scopes are required.",
                    "context": {"requiredGranularScopes": ["crm.objects.marketing_events.write"]}}]})
    failed, result = run_main(base_args(), capsys)
    assert failed
    assert result["changed"] is False
    assert "POST /marketing/v3/marketing-events/456/attendance/register/create -> 403 MISSING_SCOPES (correlationId corr-403)" in result["msg"]
    assert "crm.objects.marketing_events.write" in result["msg"]
    assert result["error"]["required_scopes"] == ["crm.objects.marketing_events.write"]
    assert result["batch_errors"][0]["status"] == 403


def test_main_401_on_read(capsys, requests_mock):
    requests_mock.get(BASE + EVENTS + "/participations/456/breakdown", status_code=401, json={
        "status": "error", "message": "The access token provided is invalid", "correlationId": "corr-401",
        "category": "INVALID_AUTHENTICATION"})
    failed, result = run_main(base_args(), capsys)
    assert failed
    assert "401 INVALID_AUTHENTICATION (correlationId corr-401): The access token provided is invalid" in result["msg"]
    assert result["api_calls"] == {"reads": 1, "writes": 0, "verify_reads": 0}
    assert_not_printed(result, TOKEN)


def test_main_404_event(capsys, requests_mock):
    requests_mock.get(BASE + EVENTS + "/participations/456/breakdown", status_code=404, json={
        "status": "error", "message": "Marketing event 456 not found", "correlationId": "corr-404", "category": "OBJECT_NOT_FOUND"})
    failed, result = run_main(base_args(), capsys)
    assert failed
    assert result["msg"].startswith("reading the participations of event 456 failed: ")
    assert "Marketing event 456 not found" in result["msg"] and "corr-404" in result["msg"]


def test_main_warns_when_certificates_are_not_checked(capsys, requests_mock):
    requests_mock.get(BASE + EVENTS + "/participations/456/breakdown",
                      json=breakdown_json([{"id": "51", "email": "a@example.com", "state": "ATTENDED"}]))
    failed, result = run_main(base_args(validate_certs=False), capsys)
    assert not failed
    assert result["changed"] is False
    assert [w for w in result["_warned"] if "validate_certs is false" in w]


# ---------------------------------------------------------------------------------------------
# run(): reads, delta, check mode, diff, writes


def test_empty_contacts_send_nothing():
    fake = FakeHubSpot()
    client = make_client(fake)
    result = module_under_test.run(make_module(contacts=[]), client)
    assert result["changed"] is False
    assert result["api_calls"] == {"reads": 0, "writes": 0, "verify_reads": 0}
    assert fake.gets == [] and fake.posts == []


def test_idempotent_second_run():
    fake = FakeHubSpot(known_ids=[1, 2])
    client = make_client(fake)
    first = module_under_test.run(make_module(contacts=ids(2)), client)
    assert first["changed"] is True and first["api_calls"] == {"reads": 1, "writes": 1, "verify_reads": 0}
    second = module_under_test.run(make_module(contacts=ids(2)), client)
    assert second["changed"] is False
    assert second["recorded"] == []
    assert second["unchanged"] == [{"id": "1", "email": None, "current_state": "registered", "reason": READ_REASON},
                                   {"id": "2", "email": None, "current_state": "registered", "reason": READ_REASON}]
    assert second["api_calls"] == {"reads": 1, "writes": 0, "verify_reads": 0}
    assert len(fake.posts) == 1


def test_check_mode_same_reads_no_writes():
    fake = FakeHubSpot([(1, "a@example.com", "cancelled"), (3, "b@example.com", "cancelled")], known_ids=[2])
    client = make_client(fake)
    module = make_module(check_mode=True, diff=True, contacts=[{"id": "1"}, {"email": "B@example.com"}, {"id": "2"}], state="cancelled")
    result = module_under_test.run(module, client)
    assert client.post.call_count == 0
    assert result["changed"] is True
    assert result["recorded"] == [{"id": "2", "email": None, "state": "cancelled"}]
    assert [u["current_state"] for u in result["unchanged"]] == ["cancelled", "cancelled"]
    assert result["diff"] == {"before": {"2": "absent"}, "after": {"2": "cancelled"}}
    assert result["api_calls"] == {"reads": 1, "writes": 0, "verify_reads": 0}


def test_check_mode_without_changes():
    fake = FakeHubSpot([(1, "a@example.com", "attended", 3600)])
    result = module_under_test.run(make_module(check_mode=True, contacts=[{"id": 1}], state="attended", **SPAN), make_client(fake))
    assert result["changed"] is False
    assert "diff" not in result


def test_check_mode_with_force_reads_nothing_and_reports_every_contact():
    fake = FakeHubSpot([(1, "a@example.com", "attended", 3600)])
    client = make_client(fake)
    result = module_under_test.run(make_module(check_mode=True, force=True, contacts=[{"id": 1}, {"id": 2}], state="attended", **SPAN), client)
    assert client.post.call_count == 0
    assert result["api_calls"] == {"reads": 0, "writes": 0, "verify_reads": 0}
    assert result["changed"] is True
    assert [r["id"] for r in result["recorded"]] == ["1", "2"] and result["unchanged"] == []


def test_force_writes_satisfied_contacts():
    fake = FakeHubSpot([(1, "a@example.com", "attended")])
    result = module_under_test.run(make_module(contacts=[{"id": 1}], force=True), make_client(fake))
    assert result["changed"] is True
    # force needs no reads; HubSpot's id-create answer carries no email.
    assert result["api_calls"] == {"reads": 0, "writes": 1, "verify_reads": 0}
    assert result["recorded"] == [{"id": "1", "email": None, "state": "registered"}]
    assert fake.parts[0]["state"] == "REGISTERED"


@pytest.mark.parametrize("state, expected", [
    ("attended", "attended"),
    ("cancelled", "cancelled"),
    ("registered", None),  # three states satisfy it: read them all
])
def test_state_filter(state, expected):
    assert state_filter(state) == expected


@pytest.mark.parametrize("force, diff, reads, query", [
    (False, False, 1, {"state": "ATTENDED"}),
    (False, True, 1, {}),  # diff shows every contact's state before
    (True, False, 0, None),  # force writes everything: nothing to read
    (True, True, 1, {}),
])
def test_what_is_read_before_writing(force, diff, reads, query):
    fake = FakeHubSpot()
    result = module_under_test.run(make_module(contacts=ids(1, start=7), state="attended", force=force, diff=diff, **SPAN),
                                   make_client(FakeHubSpot.with_ids(fake, [7])))
    assert result["api_calls"]["reads"] == reads
    if query is not None:
        assert dict((k, v) for k, v in fake.gets[0][1].items() if k == "state") == query


def test_attended_reads_only_attended_participations():
    fake = FakeHubSpot([(1, "a@example.com", "attended", 3600), (2, "b@example.com", "registered")])
    result = module_under_test.run(make_module(contacts=[{"id": 1}, {"id": 2}], state="attended", **SPAN), make_client(fake))
    assert result["unchanged"] == [{"id": "1", "email": "a@example.com", "current_state": "attended", "reason": READ_REASON}]
    assert [r["id"] for r in result["recorded"]] == ["2"]
    assert result["api_calls"] == {"reads": 1, "writes": 1, "verify_reads": 0}
    assert fake.parts[1]["state"] == "ATTENDED"


def test_writes_only_the_delta_in_batches_per_endpoint():
    existing = [(i, "c%d@example.com" % i, "registered") for i in list(range(1, 6)) + [30]]
    fake = FakeHubSpot(existing, known_ids=range(1, 20))
    contacts = ids(12) + [{"email": "new%d@example.com" % i} for i in range(3)] + [{"email": "C30@example.com"}]
    result = module_under_test.run(make_module(contacts=contacts, state="registered", batch_size=4), make_client(fake))
    # 7 new ids -> 2 batches; 3 new emails -> 1 batch; ids 1..5 and C30@ already registered
    assert [len(body["inputs"]) for dummy, body, dummy2 in fake.posts] == [4, 3, 3]
    assert [p.split("/")[-1] for p, dummy, dummy2 in fake.posts] == ["create", "create", "email-create"]
    assert result["api_calls"] == {"reads": 1, "writes": 3, "verify_reads": 0}
    assert len(result["recorded"]) == 10
    assert len(result["unchanged"]) == 6


def test_pages_the_breakdown_when_that_is_cheaper():
    fake = FakeHubSpot([(i, None, "registered") for i in range(1, 351)], known_ids=range(1, 400))
    # 350 participations: 4 pages; 250 contacts not on page 1 -> page the rest (3 more reads)
    result = module_under_test.run(make_module(contacts=ids(300, start=51)), make_client(fake))
    assert result["api_calls"] == {"reads": 4, "writes": 0, "verify_reads": 0}
    assert all("contactIdentifier" not in params for dummy, params in fake.gets)
    assert result["changed"] is False


def test_reads_per_contact_when_that_is_cheaper():
    fake = FakeHubSpot([(i, "c%d@example.com" % i, "registered") for i in range(1, 1001)], known_ids=range(1, 2000))
    contacts = [{"id": 5}, {"id": 700}, {"email": "C900@example.com"}, {"id": 1500}]
    result = module_under_test.run(make_module(contacts=contacts, state="registered"), make_client(fake))
    # page 1 finds id 5; 9 more pages > 3 unknown contacts -> 3 filtered reads
    assert result["api_calls"] == {"reads": 4, "writes": 1, "verify_reads": 0}
    # Each through the contact's own breakdown, which HubSpot updates long before the event's.
    own = sorted(unquote(path.split("/")[-2]) for path, dummy in fake.gets if "/participations/contacts/" in path)
    assert own == ["1500", "700", "C900@example.com"]
    assert result["recorded"] == [{"id": "1500", "email": None, "state": "registered"}]
    assert sorted(u["id"] for u in result["unchanged"]) == ["5", "700", "900"]


def test_per_contact_read_404_means_absent():
    fake = FakeHubSpot([(i, None, "registered") for i in range(1, 501)], known_ids=[999])
    client = make_client(fake)
    original = fake.get

    def get(path, params=None):
        if "/participations/contacts/" in path:
            fake.count()
            raise HubSpotApiError("GET", path, 404, category="OBJECT_NOT_FOUND", message="no such contact")
        return original(path, params)

    client.get.side_effect = get
    result = module_under_test.run(make_module(contacts=[{"id": 999}]), client)
    assert result["api_calls"] == {"reads": 2, "writes": 1, "verify_reads": 0}
    assert result["recorded"] == [{"id": "999", "email": None, "state": "registered"}]


def test_thousands_of_contacts():
    fake = FakeHubSpot(known_ids=range(1, 3001))
    contacts = ids(2500)
    first = module_under_test.run(make_module(contacts=contacts), make_client(fake))
    assert first["api_calls"] == {"reads": 1, "writes": 25, "verify_reads": 0}
    again = module_under_test.run(make_module(contacts=contacts), make_client(fake))
    assert again["api_calls"] == {"reads": 25, "writes": 0, "verify_reads": 0}
    assert again["changed"] is False


def test_read_failure_fails_with_the_api_message():
    fake = FakeHubSpot()
    client = make_client(fake)

    def get(path, params=None):
        fake.count()
        raise HubSpotApiError("GET", "/p", 404, category="OBJECT_NOT_FOUND", message="Marketing event 456 not found", correlation_id="c-9")

    client.get.side_effect = get
    result = module_under_test.run(make_module(contacts=ids(1)), client)
    assert result["failed"] is True
    assert result["changed"] is False
    assert "404 OBJECT_NOT_FOUND (correlationId c-9): Marketing event 456 not found" in result["msg"]
    assert result["error"]["correlation_id"] == "c-9"
    assert result["api_calls"] == {"reads": 1, "writes": 0, "verify_reads": 0}


def test_partial_errors_fail_unless_allowed():
    fake = FakeHubSpot(known_ids=[1, 3])
    module = make_module(contacts=ids(3), diff=True)
    result = module_under_test.run(module, make_client(fake))
    assert result["failed"] is True and result["changed"] is True
    assert result["msg"].startswith("1 of 3 contacts to write failed: contacts[1] (2): Contact with vid 2 does not exist")
    assert [r["id"] for r in result["recorded"]] == ["1", "3"]
    assert result["diff"] == {"before": {"1": "absent", "2": "absent", "3": "absent"},
                              "after": {"1": "registered", "2": "absent", "3": "registered"}}
    allowed = make_module(contacts=ids(3), allow_partial=True)
    result = module_under_test.run(allowed, make_client(FakeHubSpot(known_ids=[1, 3])))
    assert "failed" not in result
    assert result["batch_errors"][0]["contact"] == {"index": 1, "id": "2"}
    allowed.warn.assert_called_once()
    assert "1 of 3 contacts to write failed" in allowed.warn.call_args[0][0]


@pytest.mark.parametrize("error, bucket", [
    (HubSpotApiError("POST", "/w", 503, category="SERVICE_UNAVAILABLE", message="down", correlation_id="c-5"), "unconfirmed"),
    (HubSpotTransportError("POST", "/w", "timed out after 30.0s (ReadTimeout)"), "unconfirmed"),
    (HubSpotApiError("POST", "/w", 200, category="MALFORMED_RESPONSE", message="the response body is not valid JSON"), "unconfirmed"),
    (HubSpotApiError("POST", "/w", 400, category="VALIDATION_ERROR", message="bad"), "batch_errors"),
])
def test_a_failing_write_stops_and_reports_everything(error, bucket):
    fake = FakeHubSpot(known_ids=range(1, 11))
    client = make_client(fake)
    calls = []

    def post(path, body, params=None, attempts=None):
        calls.append(body)
        if len(calls) == 2:
            fake.count()
            raise error
        return fake.post(path, body, params)

    client.post.side_effect = post
    result = module_under_test.run(make_module(contacts=ids(10), batch_size=3), client)
    assert result["failed"] is True
    assert result["changed"] is True
    assert [r["id"] for r in result["recorded"]] == ["1", "2", "3"]
    # No answer (or a 5xx, or an unreadable one): HubSpot may have recorded them. A 4xx: it refused them.
    failed = [e.get("contact", e)["id"] for e in result[bucket]]
    assert failed == ["4", "5", "6"]
    assert result["batch_errors" if bucket == "unconfirmed" else "unconfirmed"] == []
    assert [c["id"] for c in result["not_attempted"]] == ["7", "8", "9", "10"]
    assert result["api_calls"] == {"reads": 1, "writes": 2, "verify_reads": 0}
    assert str(error) in result["msg"]
    assert ("3 of 10 contacts to write recorded before this failure, %d unconfirmed, %d refused, 4 not attempted" % (
        (3, 0) if bucket == "unconfirmed" else (0, 3))) in result["msg"]
    assert len(calls) == 2


def test_a_write_whose_answer_was_lost_is_unconfirmed_and_changed():
    fake = FakeHubSpot(known_ids=[1])
    client = make_client(fake)

    def post(path, body, params=None, attempts=None):
        fake.post(path, body, params)  # HubSpot stored it; the answer never arrived
        raise HubSpotTransportError("POST", path, "ChunkedEncodingError: IncompleteRead")

    client.post.side_effect = post
    result = module_under_test.run(make_module(contacts=ids(1)), client)
    assert result["failed"] is True and result["changed"] is True
    assert result["recorded"] == [] and result["unchanged"] == []
    assert result["unconfirmed"][0]["id"] == "1"
    assert "may have been recorded" in result["unconfirmed"][0]["reason"]
    assert fake.parts[0]["state"] == "REGISTERED"


def test_diff_is_limited_to_this_tasks_contacts_and_has_no_token():
    fake = FakeHubSpot([(i, "c%d@example.com" % i, "attended") for i in range(1, 50)], known_ids=[100])
    module = make_module(contacts=[{"id": 3}, {"id": 100}], state="registered", diff=True)
    result = module_under_test.run(module, make_client(fake))
    assert result["diff"] == {"before": {"100": "absent"}, "after": {"100": "registered"}}
    assert TOKEN not in json.dumps(result)


def test_no_diff_without_diff_mode():
    result = module_under_test.run(make_module(contacts=ids(1)), make_client(FakeHubSpot(known_ids=[1])))
    assert "diff" not in result


def test_external_event_paths():
    fake = FakeHubSpot(known_ids=[1])
    client = make_client(fake)
    module = make_module(event_id=None, external_event_id="ev 1", external_account_id="acc", contacts=[{"id": 1}, {"email": "a@example.com"}])
    result = module_under_test.run(module, client)
    assert result["changed"] is True
    assert fake.gets[0][0] == EVENTS + "/participations/acc/ev%201/breakdown"
    assert [(p, q) for p, dummy, q in fake.posts] == [
        (EVENTS + "/attendance/ev%201/register/create", {"externalAccountId": "acc"}),
        (EVENTS + "/attendance/ev%201/register/email-create", {"externalAccountId": "acc"})]


def test_default_occurred_at_is_the_same_for_every_contact():
    fake = FakeHubSpot(known_ids=range(1, 5))
    module_under_test.run(make_module(contacts=ids(4), batch_size=2), make_client(fake))
    stamps = set(i["interactionDateTime"] for dummy, body, dummy2 in fake.posts for i in body["inputs"])
    assert len(stamps) == 1
    assert re.match(r"^1[0-9]{12}$", str(stamps.pop()))


# ---------------------------------------------------------------------------------------------
# verify


def test_verify_confirms_through_the_contacts_own_breakdowns(verify_clock):
    fake = FakeHubSpot(known_ids=[1, 2])
    result = module_under_test.run(make_module(contacts=ids(2), state="attended", verify=True, **SPAN), make_client(fake))
    assert "failed" not in result, result
    assert result["verification"] == {"checked": 2, "confirmed": 2, "rounds": 1}
    assert result["api_calls"] == {"reads": 1, "writes": 1, "verify_reads": 2}
    assert all("/participations/contacts/" in path for path, dummy in fake.gets[1:])
    assert verify_clock["slept"] == [1.5]


def test_verify_catches_a_write_answered_but_not_stored(verify_clock):
    fake = FakeHubSpot(known_ids=[1, 2], store=False)
    result = module_under_test.run(make_module(contacts=ids(2), verify=True, verify_timeout=10), make_client(fake))
    assert result["failed"] is True and result["changed"] is True
    assert result["recorded"] == []
    assert [c["id"] for c in result["unconfirmed"]] == ["1", "2"]
    assert "did not show the contact registered within verify_timeout (10 s)" in result["unconfirmed"][0]["reason"]
    assert result["msg"].startswith("2 of 2 contacts to write unconfirmed")
    # 1.5 + 2 + 4 + 2.5 (the rest of the 10 s), one contact read per pending contact per round
    assert verify_clock["slept"] == [1.5, 2.0, 4.0, 2.5]
    assert result["api_calls"]["verify_reads"] == 2 * 4


def test_verify_moves_a_write_without_answer_that_was_stored_to_recorded(verify_clock):
    fake = FakeHubSpot(known_ids=[1])
    client = make_client(fake)

    def post(path, body, params=None, attempts=None):
        fake.post(path, body, params)
        raise HubSpotTransportError("POST", path, "timed out after 30.0s (ReadTimeout)")

    client.post.side_effect = post
    module = make_module(contacts=ids(1), verify=True)
    result = module_under_test.run(module, client)
    assert "failed" not in result, result
    assert result["recorded"] == [{"id": "1", "email": None, "state": "registered"}]
    assert result["unconfirmed"] == []
    assert "verify then read every contact of that request" in module.warn.call_args[0][0]


def test_verify_uses_the_event_breakdown_when_it_is_much_cheaper(verify_clock):
    fake = FakeHubSpot(known_ids=range(1, 11))
    result = module_under_test.run(make_module(contacts=ids(10), state="cancelled", verify=True), make_client(fake))
    assert result["verification"]["confirmed"] == 10
    # 10 contacts: 3 rounds of one event page would be fewer requests than 10 contact reads
    assert result["api_calls"]["verify_reads"] == 1
    assert "contacts" not in fake.gets[-1][0]


# ---------------------------------------------------------------------------------------------
# Concurrent writes


def test_concurrent_writes_keep_every_result_and_the_input_order():
    fake = FakeHubSpot(known_ids=range(1, 1001))
    result = module_under_test.run(make_module(contacts=ids(1000), batch_size=10, write_concurrency=4), make_client(fake))
    assert result["api_calls"] == {"reads": 1, "writes": 100, "verify_reads": 0}
    assert [r["id"] for r in result["recorded"]] == [str(i) for i in range(1, 1001)]
    assert len(fake.parts) == 1000


def test_concurrent_writes_stop_sending_after_a_failure_and_place_what_was_in_flight():
    import threading
    fake = FakeHubSpot(known_ids=range(1, 101))
    client = make_client(fake)
    lock = threading.Lock()
    sent = []

    def post(path, body, params=None, attempts=None):
        with lock:
            sent.append(body["inputs"][0]["vid"])
            first = len(sent) == 1
        if first:
            fake.count()
            raise HubSpotApiError("POST", path, 400, category="VALIDATION_ERROR", message="bad")
        return fake.post(path, body, params)

    client.post.side_effect = post
    result = module_under_test.run(make_module(contacts=ids(100), batch_size=10, write_concurrency=3), client)
    assert result["failed"] is True
    placed = ([r["id"] for r in result["recorded"]] + [e["contact"]["id"] for e in result["batch_errors"]]
              + [c["id"] for c in result["not_attempted"]])
    assert sorted(placed, key=int) == [str(i) for i in range(1, 101)]
    assert len(result["batch_errors"]) == 10
    # At most the two other chunks already in flight were sent after the failing one.
    assert len(sent) <= 3 and len(result["not_attempted"]) >= 70
