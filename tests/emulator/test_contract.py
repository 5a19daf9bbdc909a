"""Contract tests for the HubSpot Marketing Events emulator (run against a real emulator process)."""

import base64
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from urllib.parse import quote, urlsplit

import pytest
import requests

import hubspot_emulator
from contract_client import FULL_TOKEN, ME, READ_TOKEN, T0, UUID_RE, assert_error, attend_input, email_input, iso, span, validate_against_spec, vid_input
from hubspot_emu.replies import Reply
from process import EMULATOR_SCRIPT, READY_PREFIX, running_emulator, stop_emulator

now_ms = hubspot_emulator.now_ms


@pytest.fixture
def api0(api):
    """The emulator with both lags at 0. For tests of write semantics and read shapes that read right after
    writing: eventual consistency is not what they test (test_lag_* and test_default_lags_* do)."""
    assert api.config(contact_lag=0, event_lag=0)["event_lag"] == 0
    return api


def register(api, object_id, *vids, state="register", at=T0):
    """Write a state for contacts (``attend`` with a one-minute span); returns the body."""
    make = attend_input if state == "attend" else vid_input
    resp = api.post("%s/%s/attendance/%s/create" % (ME, object_id, state), {"inputs": [make(v, at) for v in vids]})
    assert resp.status_code == (201 if state == "register" else 200), resp.text
    assert resp.json()["numErrors"] == 0
    return resp.json()


def breakdown(api, object_id, **query):
    resp = api.get("%s/participations/%s/breakdown" % (ME, object_id), params=query)
    assert resp.status_code == 200, resp.text
    return resp.json()


# --------------------------------------------------------------------------- contacts and events

def test_contact_create_get_and_conflict(api):
    resp = api.post("/crm/v3/objects/contacts", {"properties": {"email": "Ann@Example.com", "firstname": "Ann", "lastname": "Lee"}})
    assert resp.status_code == 201
    body = resp.json()
    assert set(body) == {"id", "properties", "createdAt", "updatedAt", "archived"}
    assert body["id"].isdigit() and body["archived"] is False
    assert body["properties"]["email"] == "ann@example.com"
    assert body["properties"]["firstname"] == "Ann" and body["properties"]["lastname"] == "Lee"
    cid = body["id"]
    assert api.get("/crm/v3/objects/contacts/" + cid).json()["id"] == cid
    by_email = api.get("/crm/v3/objects/contacts/ANN%40example.com", params={"idProperty": "email"})
    assert by_email.status_code == 200 and by_email.json()["id"] == cid
    assert_error(api.get("/crm/v3/objects/contacts/999999"), 404, "OBJECT_NOT_FOUND")
    assert_error(api.get("/crm/v3/objects/contacts/x%40y.z", params={"idProperty": "email"}), 404, "OBJECT_NOT_FOUND")
    dup = api.post("/crm/v3/objects/contacts", {"properties": {"email": "ANN@example.COM"}})
    assert_error(dup, 409, "CONFLICT")
    assert_error(api.post("/crm/v3/objects/contacts", {"nope": 1}), 400, "VALIDATION_ERROR")


def test_event_create_and_reads(api):
    api.config(identifiers_lag_ms=0, search_lag_ms=0)  # the lookups' shapes, not their lag (tested apart)
    resp = api.post(ME + "/events", {"externalAccountId": "acc", "externalEventId": "ev", "eventName": "Launch",
                                     "eventOrganizer": "Org", "eventType": "WEBINAR", "startDateTime": "2026-01-01T10:00:00Z",
                                     "customProperties": [{"name": "topic", "value": "ansible"}]})
    assert resp.status_code == 200
    created = resp.json()
    oid = created["objectId"]
    assert oid.isdigit() and created["eventName"] == "Launch" and created["customProperties"][0]["value"] == "ansible"
    assert_error(api.post(ME + "/events", {"externalAccountId": "acc", "externalEventId": "ev", "eventName": "X",
                                           "eventOrganizer": "Org", "customProperties": []}), 400, "VALIDATION_ERROR")
    assert_error(api.post(ME + "/events", {"externalAccountId": "acc"}), 400, "VALIDATION_ERROR")
    v2 = api.get("%s/%s" % (ME, oid)).json()
    assert v2["objectId"] == oid and v2["externalEventId"] == "ev" and v2["registrants"] == 0
    assert v2["customProperties"] == [{"name": "topic", "value": "ansible"}]
    full = api.get(ME + "/events/ev", params={"externalAccountId": "acc"}).json()
    assert full["id"] == oid and full["objectId"] == oid and full["attendees"] == 0
    assert_error(api.get(ME + "/events/ev"), 400, "VALIDATION_ERROR")
    assert_error(api.get(ME + "/events/ev", params={"externalAccountId": "other"}), 404, "OBJECT_NOT_FOUND")
    ids = api.get(ME + "/ev/identifiers").json()
    assert ids["total"] == 1 and ids["results"][0]["objectId"] == oid and ids["results"][0]["marketingEventName"] == "Launch"
    assert api.get(ME + "/nothing/identifiers").json() == {"total": 0, "results": []}
    found = api.get(ME + "/events/search", params={"q": "ev"}).json()
    assert found["results"] == [{"objectId": oid, "externalEventId": "ev", "externalAccountId": "acc", "appId": found["results"][0]["appId"]}]
    assert isinstance(found["results"][0]["appId"], int)
    assert_error(api.get(ME + "/events/search"), 400, "VALIDATION_ERROR")


# --------------------------------------------------------------------------- auth, routing, status codes

def test_auth_401_and_403(api):
    assert_error(api.get(ME + "/events/search", params={"q": "x"}, token=False), 401, "INVALID_AUTHENTICATION")
    assert_error(api.get(ME + "/events/search", params={"q": "x"}, token="wrong"), 401, "INVALID_AUTHENTICATION")
    assert_error(api.get(ME + "/events/search", params={"q": "x"}, token="emulator-token"), 401, "INVALID_AUTHENTICATION")
    malformed = api.get(ME + "/events/search", params={"q": "x"}, headers={"Authorization": "Token " + FULL_TOKEN})
    assert_error(malformed, 401, "INVALID_AUTHENTICATION")
    assert FULL_TOKEN not in malformed.text
    oid = api.event()
    assert api.get("%s/participations/%s" % (ME, oid), token=READ_TOKEN).status_code == 200
    for path, scope in (("%s/%s/attendance/register/create" % (ME, oid), "crm.objects.marketing_events.write"),
                        (ME + "/events", "crm.objects.marketing_events.write"),
                        ("/crm/v3/objects/contacts", "crm.objects.contacts.write")):
        resp = api.post(path, {"inputs": []}, token=READ_TOKEN)
        body = assert_error(resp, 403, "MISSING_SCOPES")
        assert body["errors"][0]["context"]["requiredGranularScopes"] == [scope]
        assert body["message"] == "This app hasn't been granted all required scopes to make this call."
    assert api.state() == []


def test_token_expires_after_token_ttl(api):
    """token_ttl_ms: a token works until that long after its first use, then 401 EXPIRED_AUTHENTICATION; reset renews it."""
    api.config(token_ttl_ms=300)
    assert api.get(ME + "/events/search", params={"q": "x"}).status_code == 200
    assert api.get(ME + "/events/search", params={"q": "x"}, token=READ_TOKEN).status_code == 200
    time.sleep(0.4)
    body = assert_error(api.get(ME + "/events/search", params={"q": "x"}), 401, "EXPIRED_AUTHENTICATION")
    assert body["message"].startswith("The OAuth token used to make this call expired")
    assert FULL_TOKEN not in json.dumps(body)
    api.reset()
    assert api.get(ME + "/events/search", params={"q": "x"}).status_code == 200


def test_unknown_event_404_on_reads_and_writes(api):
    api.event()
    cases = [
        ("GET", ME + "/999"),
        ("GET", ME + "/participations/999"),
        ("GET", ME + "/participations/999/breakdown"),
        ("GET", ME + "/participations/acc-1/nope"),
        ("GET", ME + "/participations/acc-1/nope/breakdown"),
        ("POST", ME + "/999/attendance/register/create"),
        ("POST", ME + "/999/attendance/register/email-create"),
        ("POST", ME + "/attendance/nope/register/create?externalAccountId=acc-1"),
        ("POST", ME + "/attendance/ev-1/register/email-create?externalAccountId=other"),
        ("POST", ME + "/events/nope/complete?externalAccountId=acc-1"),
    ]
    for method, path in cases:
        body = {"inputs": []} if "attendance" in path else {"startDateTime": "2026-01-01T10:00:00Z", "endDateTime": "2026-01-01T11:00:00Z"}
        resp = api.request(method, path, json=body if method == "POST" else None)
        assert_error(resp, 404, "OBJECT_NOT_FOUND")


def test_routing_literals_404_405(api):
    oid = api.event(external="search")
    # events/search is the search endpoint even when an event is called "search"
    assert "results" in api.get(ME + "/events/search", params={"q": "search"}).json()
    # participations/contacts/... is the contact breakdown, not the external-id breakdown of account "contacts"
    assert api.get(ME + "/participations/contacts/nobody%40example.com/breakdown").json() == {"total": 0, "results": []}
    assert api.get("%s/participations/%s/breakdown" % (ME, oid)).json()["total"] == 0
    body = assert_error(api.get("/marketing/v3/nowhere", validate=False), 404, "OBJECT_NOT_FOUND")
    assert "nowhere" in body["message"]
    resp = api.request("PUT", "%s/%s" % (ME, oid), validate=False, json={})
    assert_error(resp, 405, resp.json()["category"])
    assert resp.headers["Allow"] == "DELETE, GET, PATCH"
    assert_error(api.request("PUT", ME + "/events", validate=False, json={}), 405, "METHOD_NOT_ALLOWED")
    assert_error(api.get(ME + "/participations/abc/breakdown"), 400, "VALIDATION_ERROR")


BAD_BODIES = [
    ("create", b"not json", None),
    ("create", b'{"nope": []}', None),
    ("create", b'{"inputs": {}}', None),
    ("create", b'{"inputs": [1]}', "inputs[0]"),
    ("create", b'{"inputs": [{"vid": "12", "interactionDateTime": 1, "properties": {}}]}', "inputs[0].vid"),
    ("create", b'{"inputs": [{"interactionDateTime": 1, "properties": {}}]}', "inputs[0].vid"),
    ("create", b'{"inputs": [{"vid": true, "interactionDateTime": 1, "properties": {}}]}', "inputs[0].vid"),
    ("create", b'{"inputs": [{"vid": 1, "interactionDateTime": "1", "properties": {}}]}', "inputs[0].interactionDateTime"),
    ("create", b'{"inputs": [{"vid": 1, "interactionDateTime": 1.5, "properties": {}}]}', "inputs[0].interactionDateTime"),
    ("create", b'{"inputs": [{"vid": 1, "interactionDateTime": 1, "properties": {"a": 1}}]}', "inputs[0].properties"),
    ("create", b'{"inputs": [{"vid": 1, "interactionDateTime": 1, "properties": []}]}', "inputs[0].properties"),
    ("email-create", b'{"inputs": [{"email": 5, "interactionDateTime": 1, "properties": {}, "contactProperties": {}}]}', "inputs[0].email"),
    ("email-create", b'{"inputs": [{"email": "a@b.co", "interactionDateTime": 1, "properties": {}, "contactProperties": {"x": null}}]}',
     "inputs[0].contactProperties"),
]


@pytest.mark.parametrize("kind,raw,where", BAD_BODIES)
def test_malformed_write_bodies_400(api, kind, raw, where):
    oid = api.event()
    vid = api.contact("a@b.co")
    resp = api.post("%s/%s/attendance/register/%s" % (ME, oid, kind), data=raw.replace(b'"vid": 1,', b'"vid": %d,' % vid),
                    headers={"Content-Type": "application/json"})
    body = assert_error(resp, 400, "VALIDATION_ERROR")
    if where:
        assert body["errors"][0]["in"] == where
    assert api.state() == []


def test_bad_subscriber_state_and_query_400(api):
    oid = api.event()
    vid = api.contact("a@b.co")
    for state in ("REGISTER", "registered", "noshow", "Attend"):
        assert_error(api.post("%s/%s/attendance/%s/create" % (ME, oid, state), {"inputs": [vid_input(vid)]}), 400, "VALIDATION_ERROR")
    assert api.state() == []
    for query in ({"limit": "101"}, {"limit": "0"}, {"limit": "-1"}, {"limit": "abc"}, {"limit": "1.5"}, {"state": "registered"},
                  {"state": "EMPTY"}, {"after": "garbage!"}, {"after": "eyJvIjoxfQ"}):
        assert_error(api.get("%s/participations/%s/breakdown" % (ME, oid), params=query), 400, "VALIDATION_ERROR")
        assert_error(api.get(ME + "/participations/contacts/a%40b.co/breakdown", params=query), 400, "VALIDATION_ERROR")
    foreign = base64.urlsafe_b64encode(json.dumps({"o": 1, "s": "another-process"}).encode()).decode().rstrip("=")
    assert_error(api.get("%s/participations/%s/breakdown" % (ME, oid), params={"after": foreign}), 400, "VALIDATION_ERROR")
    assert breakdown(api, oid, limit=100)["total"] == 0


# --------------------------------------------------------------------------- attendance writes (CONTRACT.md section 12)

def test_per_input_errors_record_valid_inputs(api0):
    api = api0
    oid = api.event()
    good = api.contact("good@example.com")
    other = api.contact("other@example.com")
    batch = {"inputs": [attend_input(good), attend_input(424242), vid_input(other, T0, badKey="x", **span(60))]}
    resp = api.post("%s/%s/attendance/attend/create" % (ME, oid), batch)
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "COMPLETE" and body["results"] == [{"vid": good}] and body["numErrors"] == 2
    not_found, invalid = body["errors"]
    # row 6: no `in`, no contact in `context`; the message names the identifier as HubSpot's do
    assert not_found == {"status": "error", "category": "OBJECT_NOT_FOUND", "message": "Contact with vid 424242 does not exist",
                         "context": {}, "errors": [], "links": {}}
    assert invalid["category"] == "VALIDATION_ERROR" and invalid["context"] == {} and invalid["errors"] == []
    assert "`badKey`" in invalid["message"] and invalid["message"].endswith("for `%d`" % other)
    assert [(p["contactId"], p["attendanceState"]) for p in api.state()] == [(str(good), "ATTENDED")]

    emails = {"inputs": [email_input("new@example.com"), email_input("x@y"), email_input("Good@Example.com")]}
    resp = api.post("%s/%s/attendance/cancel/email-create" % (ME, oid), emails)
    assert resp.status_code == 200  # row 8: partial failures are 200 with numErrors/errors, not 207
    body = resp.json()
    assert body["numErrors"] == 1
    assert body["errors"][0] == {"status": "error", "category": "VALIDATION_ERROR", "message": "Invalid email address `x@y`",
                                 "context": {}, "errors": [], "links": {}}
    assert [r["email"] for r in body["results"]] == ["new@example.com", "Good@Example.com"]
    assert body["results"][1]["vid"] == good
    # register answers 201, also with per-input errors
    resp = api.post("%s/%s/attendance/register/create" % (ME, oid), {"inputs": [vid_input(424242), vid_input(other)]})
    assert resp.status_code == 201 and resp.json()["numErrors"] == 1 and resp.json()["results"] == [{"vid": other}]


def test_partial_status_config_still_works(api0):
    api = api0
    oid = api.event()
    vid = api.contact("a@example.com")
    assert api.config(partial_status=207)["partial_status"] == 207
    resp = api.post("%s/%s/attendance/register/create" % (ME, oid), {"inputs": [vid_input(vid), vid_input(99)]}, validate=False)
    assert resp.status_code == 207 and resp.json()["numErrors"] == 1
    validate_against_spec(api.openapi, resp, status=200)
    # without errors the usual status: 201 for register, 200 for the others
    assert api.post("%s/%s/attendance/cancel/create" % (ME, oid), {"inputs": [vid_input(vid, T0 + 1)]}).status_code == 200
    assert api.post("%s/%s/attendance/register/create" % (ME, oid), {"inputs": [vid_input(vid, T0 + 2)]}).status_code == 201


def test_register_201_attend_and_cancel_200(api):
    oid = api.event()
    vid = api.contact("a@example.com")
    for word, status in (("register", 201), ("attend", 200), ("cancel", 200)):
        make = attend_input if word == "attend" else vid_input
        resp = api.post("%s/%s/attendance/%s/create" % (ME, oid, word), {"inputs": [make(vid)]})
        assert resp.status_code == status and resp.json()["results"] == [{"vid": vid}], (word, resp.text)
    resp = api.post(ME + "/attendance/ev-1/register/email-create", {"inputs": [email_input("b@example.com")]},
                    params={"externalAccountId": "acc-1"})
    assert resp.status_code == 201 and resp.json()["results"][0]["email"] == "b@example.com"
    # an empty batch body is still a batch answer
    assert api.post("%s/%s/attendance/register/create" % (ME, oid), {"inputs": []}).status_code == 201


def test_unknown_subscriber_state_message(api):
    oid = api.event()
    body = assert_error(api.post("%s/%s/attendance/REGISTERED/create" % (ME, oid), {"inputs": []}), 400, "VALIDATION_ERROR")
    assert body["message"] == "Unknown state for 'REGISTERED'. Correct are 'register', 'attend' or 'cancel'."


def test_attend_without_interaction_datetime_is_400(api):
    oid = api.event()
    vid = api.contact("a@example.com")
    for kind, item in (("create", {"vid": vid, "properties": span(60)}),
                       ("email-create", {"email": "a@example.com", "properties": span(60), "contactProperties": {}})):
        body = assert_error(api.post("%s/%s/attendance/attend/%s" % (ME, oid, kind), {"inputs": [item]}), 400, "VALIDATION_ERROR")
        assert "interactionDateTime" in body["message"]
    assert api.state() == []


SILENTLY_DROPPED = [
    ("properties {}", {}),
    ("joinedAt only", {"joinedAt": "2026-01-01T10:00:00.000Z"}),
    ("leftAt only", {"leftAt": "2026-01-01T11:00:00.000Z"}),
    ("epoch-ms strings", {"joinedAt": str(T0), "leftAt": str(T0 + 3600000)}),
    ("not a date", {"joinedAt": "soon", "leftAt": "later"}),
    ("no offset", {"joinedAt": "2026-01-01T10:00:00", "leftAt": "2026-01-01T11:00:00"}),
    ("date only", {"joinedAt": "2026-01-01", "leftAt": "2026-01-02"}),
    ("one bad", {"joinedAt": "2026-01-01T10:00:00Z", "leftAt": "1767229200000"}),
]


@pytest.mark.parametrize("label,props", SILENTLY_DROPPED, ids=[case[0] for case in SILENTLY_DROPPED])
def test_attend_without_iso_span_is_dropped_silently(api, label, props):
    """Row 1 and 2: 200, the input absent from results, nothing stored (and no contact created)."""
    oid = api.event()
    vid = api.contact("a@example.com")
    resp = api.post("%s/%s/attendance/attend/create" % (ME, oid), {"inputs": [vid_input(vid, T0, **props)]})
    assert resp.status_code == 200, label
    assert resp.json()["results"] == [] and resp.json()["numErrors"] == 0 and resp.json()["errors"] == []
    resp = api.post("%s/%s/attendance/attend/email-create" % (ME, oid), {"inputs": [email_input("new@example.com", T0, props)]})
    assert resp.status_code == 200 and resp.json()["results"] == [] and resp.json()["numErrors"] == 0
    assert api.state() == []
    assert api.get("/crm/v3/objects/contacts/new%40example.com", params={"idProperty": "email"}).status_code == 404


@pytest.mark.parametrize("word", ["register", "attend", "cancel"])
def test_interaction_datetime_in_seconds_is_dropped_silently(api, word):
    """Row 1 (attend; the emulator applies it to every state): interactionDateTime < 10^11 is taken as seconds."""
    oid = api.event()
    vid = api.contact("a@example.com")
    seconds = T0 // 1000
    inputs = [vid_input(vid, seconds, **span(60)), vid_input(vid, 10 ** 11 - 1, **span(60))]
    resp = api.post("%s/%s/attendance/%s/create" % (ME, oid, word), {"inputs": inputs})
    assert resp.status_code == (201 if word == "register" else 200)
    assert resp.json()["results"] == [] and resp.json()["numErrors"] == 0
    assert api.state() == []
    resp = api.post("%s/%s/attendance/%s/create" % (ME, oid, word), {"inputs": [vid_input(vid, 10 ** 11, **span(60))]})
    assert resp.json()["results"] == [{"vid": vid}] and len(api.state()) == 1


def test_attend_joined_not_before_left_is_a_per_input_error(api):
    """Row 3: the observed category, subCategory and message; no `in`, no contact keys."""
    oid = api.event()
    vid = api.contact("a@example.com")
    ok = api.contact("ok@example.com")
    same = {"joinedAt": "2026-01-01T10:00:00.000Z", "leftAt": "2026-01-01T10:00:00.000Z"}
    later = {"joinedAt": "2026-01-01T11:00:00.000Z", "leftAt": "2026-01-01T10:00:00+00:00"}
    resp = api.post("%s/%s/attendance/attend/email-create" % (ME, oid),
                    {"inputs": [email_input("a@b.com", T0, same), email_input("ok@example.com", T0, span(60)),
                                email_input("A@Example.com", T0, later)]})
    assert resp.status_code == 200
    body = resp.json()
    assert body["numErrors"] == 2 and body["results"] == [{"email": "ok@example.com", "vid": ok}]
    expected = {"status": "error", "category": "VALIDATION_ERROR",
                "subCategory": "AttendanceValidationError.JOINED_AT_IS_LATER_THAN_LEFT_AT_FOR_EMAIL",
                "message": "joinedAt param must be earlier than leftAt for `a@b.com`", "context": {}, "errors": [], "links": {}}
    assert body["errors"][0] == expected
    assert body["errors"][1] == dict(expected, message="joinedAt param must be earlier than leftAt for `A@Example.com`")
    resp = api.post("%s/%s/attendance/attend/create" % (ME, oid), {"inputs": [vid_input(vid, T0, **later)]})
    assert resp.json()["errors"] == [dict(expected, message="joinedAt param must be earlier than leftAt for `%d`" % vid)]
    assert [p["contactId"] for p in api.state()] == [str(ok)]
    assert api.get("/crm/v3/objects/contacts/a%40b.com", params={"idProperty": "email"}).status_code == 404


def test_attend_span_under_one_second_is_listed_not_stored(api):
    """Row 4: listed in results, nothing stored; one second or more is stored."""
    oid = api.event()
    vid = api.contact("a@example.com")
    resp = api.post("%s/%s/attendance/attend/create" % (ME, oid), {"inputs": [attend_input(vid, seconds=0.999)]})
    assert resp.status_code == 200 and resp.json()["results"] == [{"vid": vid}] and resp.json()["numErrors"] == 0
    resp = api.post("%s/%s/attendance/attend/email-create" % (ME, oid), {"inputs": [email_input("new@example.com", T0, span(0.001))]})
    assert resp.json()["results"][0]["email"] == "new@example.com"
    assert api.state() == []
    resp = api.post("%s/%s/attendance/attend/create" % (ME, oid), {"inputs": [attend_input(vid, seconds=1)]})
    assert resp.json()["results"] == [{"vid": vid}]
    assert [(p["attendanceState"], p["attendanceDurationSeconds"]) for p in api.state()] == [("ATTENDED", 1)]


def test_attend_duration_and_percentage(api0):
    api = api0
    oid = api.event(startDateTime="2026-01-01T10:00:00Z", endDateTime="2026-01-01T11:00:00Z")
    a = api.contact("a@example.com")
    b = api.contact("b@example.com")
    resp = api.post("%s/%s/attendance/attend/create" % (ME, oid), {"inputs": [
        vid_input(a, joinedAt="2026-01-01T10:00:00.000Z", leftAt="2026-01-01T10:30:00.999Z"),
        vid_input(b, joinedAt="2026-01-01T12:00:00+02:00", leftAt="2026-01-01T10:15:30.5Z")]})
    assert resp.json()["numErrors"] == 0 and len(resp.json()["results"]) == 2
    by_contact = dict((r["associations"]["contact"]["contactId"], r["properties"]) for r in breakdown(api, oid)["results"])
    assert by_contact[str(a)]["attendanceDurationSeconds"] == 1800 and by_contact[str(a)]["attendancePercentage"] == "50"
    assert by_contact[str(b)]["attendanceDurationSeconds"] == 930
    state = dict((p["contactId"], p["attendanceDurationSeconds"]) for p in api.state())
    assert state == {str(a): 1800, str(b): 930}
    # same state and duration again: a no-op, absent from results; another duration: an update, listed
    resp = api.post("%s/%s/attendance/attend/create" % (ME, oid), {"inputs": [
        vid_input(a, T0 + 5, joinedAt="2026-01-01T10:00:00.000Z", leftAt="2026-01-01T10:30:00.000Z"),
        vid_input(b, T0 + 5, **span(2000))]})
    assert resp.json()["results"] == [{"vid": b}]
    state = dict((p["contactId"], (p["attendanceDurationSeconds"], p["occurredAt"])) for p in api.state())
    assert state == {str(a): (1800, T0), str(b): (2000, T0 + 5)}


def test_a_call_adds_a_timeline_event_unless_its_contact_and_time_were_sent_before(api0):
    """Row 14: calls are idempotent while the contact and interactionDateTime stay the same; a held state re-posted
    with a new time is still absent from results (row 5) but adds a timeline event. Calls that store nothing add none."""
    api = api0
    oid = api.event()
    vid = api.contact("t@example.com")
    assert register(api, oid, vid, at=T0)["results"] == [{"vid": vid}]
    assert register(api, oid, vid, at=T0)["results"] == []
    assert api.timeline() == [(str(vid), "REGISTERED", T0)]
    assert register(api, oid, vid, at=T0 + 60000)["results"] == []
    assert api.timeline() == [(str(vid), "REGISTERED", T0), (str(vid), "REGISTERED", T0 + 60000)]
    assert register(api, oid, vid, at=T0 // 1000)["results"] == []  # epoch seconds: dropped, nothing stored
    assert len(api.timeline()) == 2
    assert [p["occurredAt"] for p in api.state()] == [T0]


def test_repost_of_held_state_is_absent_from_results(api0):
    """Row 5: a re-post of the state a contact holds answers with the input absent from results, and changes nothing."""
    api = api0
    oid = api.event()
    vid = api.contact("a@example.com", "Ann", "Lee")
    first = register(api, oid, vid, at=T0)
    assert first["results"] == [{"vid": vid}]
    item = breakdown(api, oid)["results"][0]
    assert item["properties"] == {"attendanceState": "REGISTERED", "occurredAt": T0}
    assert item["associations"]["contact"] == {"contactId": str(vid), "email": "a@example.com", "firstname": "Ann", "lastname": "Lee"}
    assert item["associations"]["marketingEvent"] == {"marketingEventId": oid, "name": "Webinar", "externalAccountId": "acc-1",
                                                      "externalEventId": "ev-1"}
    again = register(api, oid, vid, at=T0 + 5000)
    assert again["results"] == [] and again["numErrors"] == 0
    assert breakdown(api, oid)["results"][0] == item
    resp = api.post("%s/%s/attendance/register/email-create" % (ME, oid), {"inputs": [email_input("A@EXAMPLE.com", T0 + 6000)]})
    assert resp.status_code == 201 and resp.json()["results"] == []
    # two inputs for one contact in one call: the second finds the state held
    both = api.post("%s/%s/attendance/cancel/create" % (ME, oid), {"inputs": [vid_input(vid, T0 + 7000), vid_input(vid, T0 + 8000)]})
    assert both.json()["results"] == [{"vid": vid}]
    assert register(api, oid, vid, state="cancel", at=T0 + 9000)["results"] == []
    assert register(api, oid, vid, state="attend", at=T0 + 10000)["results"] == [{"vid": vid}]
    assert register(api, oid, vid, state="register", at=T0 + 20000)["results"] == [{"vid": vid}]
    result = breakdown(api, oid)
    assert result["total"] == 1 and result["results"][0]["id"] == item["id"]
    assert api.state() == [{"eventObjectId": oid, "externalAccountId": "acc-1", "externalEventId": "ev-1", "contactId": str(vid),
                            "email": "a@example.com", "attendanceState": "REGISTERED", "occurredAt": T0 + 20000,
                            "attendanceDurationSeconds": None}]


def test_email_create_creates_but_never_updates(api0):
    api = api0
    oid = api.event()
    existing = api.contact("known@example.com", "Kim")
    resp = api.post("%s/%s/attendance/register/email-create" % (ME, oid), {"inputs": [
        email_input("KNOWN@example.com", contact={"firstname": "Changed", "lastname": "Nope"}),
        email_input("Fresh@Example.com", contact={"firstname": "Fay", "lastname": "Doe", "email": "ignored@x.com"}),
    ]})
    body = resp.json()
    assert resp.status_code == 201 and body["numErrors"] == 0
    assert body["results"][0] == {"email": "KNOWN@example.com", "vid": existing}
    fresh_vid = body["results"][1]["vid"]
    known = api.get("/crm/v3/objects/contacts/%d" % existing).json()["properties"]
    assert known["firstname"] == "Kim" and "lastname" not in known
    fresh = api.get("/crm/v3/objects/contacts/fresh%40example.com", params={"idProperty": "email"}).json()
    assert fresh["id"] == str(fresh_vid)
    assert fresh["properties"]["email"] == "fresh@example.com" and fresh["properties"]["firstname"] == "Fay"
    assert fresh["properties"]["lastname"] == "Doe"
    # the objectId email variant and the external-id vid variant
    resp = api.post(ME + "/attendance/ev-1/attend/create", {"inputs": [attend_input(fresh_vid, T0 + 1)]},
                    params={"externalAccountId": "acc-1"})
    assert resp.json()["results"] == [{"vid": fresh_vid}]
    resp = api.post("%s/%s/attendance/cancel/email-create" % (ME, oid), {"inputs": [email_input("known@example.com", T0 + 2)]})
    assert resp.json()["results"] == [{"email": "known@example.com", "vid": existing}]
    assert api.get("%s/participations/%s" % (ME, oid)).json() == {"attended": 1, "cancelled": 1, "noShows": 0, "registered": 0}


def test_external_paths_require_external_account_id(api):
    """Row 10: 400 "externalAccountId is required" on the external-id paths, though the spec marks it optional."""
    api.config(identifiers_lag_ms=0)  # /identifiers lists both events at once (its lag is tested apart)
    api.event(account="acc-1", external="only")
    vid = api.contact("a@example.com")
    for word in ("register", "attend", "cancel"):
        for kind, item in (("create", attend_input(vid)), ("email-create", email_input("a@example.com", T0, span(60)))):
            for params in ({}, {"externalAccountId": ""}):
                resp = api.post(ME + "/attendance/only/%s/%s" % (word, kind), {"inputs": [item]}, params=params)
                assert assert_error(resp, 400, "VALIDATION_ERROR")["message"] == "externalAccountId is required"
    assert assert_error(api.get(ME + "/events/only"), 400, "VALIDATION_ERROR")["message"] == "externalAccountId is required"
    times = {"startDateTime": "2026-01-01T10:00:00Z", "endDateTime": "2026-01-01T11:00:00Z"}
    assert assert_error(api.post(ME + "/events/only/complete", times), 400, "VALIDATION_ERROR")["message"] == "externalAccountId is required"
    assert api.state() == []
    api.event(account="acc-2", external="only")
    resp = api.post(ME + "/attendance/only/attend/email-create", {"inputs": [email_input("a@example.com", T0, span(60))]},
                    params={"externalAccountId": "acc-2"})
    assert resp.json()["results"] == [{"email": "a@example.com", "vid": vid}]
    assert [(p["externalAccountId"], p["attendanceState"]) for p in api.state()] == [("acc-2", "ATTENDED")]
    assert api.get(ME + "/only/identifiers").json()["total"] == 2


def test_complete_turns_registered_into_no_show(api0):
    api = api0
    oid = api.event()
    a, b, c = api.contact("a@x.io"), api.contact("b@x.io"), api.contact("c@x.io")
    register(api, oid, a, b, c)
    register(api, oid, b, state="attend", at=T0 + 1)
    register(api, oid, c, state="cancel", at=T0 + 2)
    times = {"startDateTime": "2026-01-01T10:00:00Z", "endDateTime": "2026-01-01T11:00:00.000Z"}
    assert_error(api.post(ME + "/events/ev-1/complete", {"startDateTime": "x"}, params={"externalAccountId": "acc-1"}), 400,
                 "VALIDATION_ERROR")
    resp = api.post(ME + "/events/ev-1/complete", times, params={"externalAccountId": "acc-1"})
    assert resp.status_code == 200 and resp.json()["eventCompleted"] is True and resp.json()["objectId"] == oid
    assert resp.json()["endDateTime"] == "2026-01-01T11:00:00.000Z"
    states = dict((p["contactId"], p["attendanceState"]) for p in api.state())
    assert states == {str(a): "NO_SHOW", str(b): "ATTENDED", str(c): "CANCELLED"}
    assert api.get(ME + "/participations/acc-1/ev-1").json() == {"attended": 1, "cancelled": 1, "noShows": 1, "registered": 0}
    assert breakdown(api, oid, state="NO_SHOW")["results"][0]["associations"]["contact"]["contactId"] == str(a)
    v2 = api.get("%s/%s" % (ME, oid)).json()
    assert v2["noShows"] == 1 and v2["eventCompleted"] is True


def test_no_show_once_the_event_end_time_has_passed(api):
    """Row 11: a registration on an event whose end time has passed reads as NO_SHOW, with no complete call."""
    past, future = iso(now_ms() - 3600000), iso(now_ms() + 3600000)
    seeded = api.seed(contacts=[{"email": "a@x.io"}, {"email": "b@x.io"}, {"email": "c@x.io"}],
                      events=[{"externalAccountId": "acc", "externalEventId": "over", "eventName": "Over", "endDateTime": past},
                              {"externalAccountId": "acc", "externalEventId": "soon", "eventName": "Soon", "endDateTime": future},
                              {"externalAccountId": "acc", "externalEventId": "open", "eventName": "No end time"}],
                      participations=[{"externalAccountId": "acc", "externalEventId": ev, "email": "a@x.io", "attendanceState": "REGISTERED"}
                                      for ev in ("over", "soon", "open")] +
                      [{"externalAccountId": "acc", "externalEventId": "over", "email": "b@x.io", "attendanceState": "ATTENDED",
                        "attendanceDurationSeconds": 60}])
    over, soon, still_open = [e["objectId"] for e in seeded["events"]]
    states = dict((p["externalEventId"], p["attendanceState"]) for p in api.state() if p["email"] == "a@x.io")
    assert states == {"over": "NO_SHOW", "soon": "REGISTERED", "open": "REGISTERED"}
    assert api.get("%s/participations/%s" % (ME, over)).json() == {"attended": 1, "cancelled": 0, "noShows": 1, "registered": 0}
    assert api.get("%s/participations/%s" % (ME, soon)).json()["registered"] == 1
    assert api.get("%s/participations/%s" % (ME, still_open)).json()["registered"] == 1
    assert api.get("%s/%s" % (ME, over)).json()["noShows"] == 1 and api.get("%s/%s" % (ME, over)).json()["eventCompleted"] is False
    assert api.get(ME + "/events/over", params={"externalAccountId": "acc"}).json()["registrants"] == 0
    no_show = breakdown(api, over, state="NO_SHOW")
    assert no_show["total"] == 1 and no_show["results"][0]["associations"]["contact"]["email"] == "a@x.io"
    assert breakdown(api, over, state="REGISTERED") == {"total": 0, "results": []}
    mine = api.get(ME + "/participations/contacts/a%40x.io/breakdown").json()["results"]
    assert [r["properties"]["attendanceState"] for r in mine] == ["NO_SHOW", "REGISTERED", "REGISTERED"]
    # a registration written now, after the end: held as registered, read as NO_SHOW
    api.config(contact_lag=0, event_lag=0)  # this part tests the derived state, not the lag
    c = int(seeded["contacts"][2]["id"])
    assert register(api, over, c)["results"] == [{"vid": c}]
    assert dict((p["email"], p["attendanceState"]) for p in api.state() if p["externalEventId"] == "over")["c@x.io"] == "NO_SHOW"
    assert api.get("%s/participations/%s" % (ME, over)).json()["noShows"] == 2


# --------------------------------------------------------------------------- eventual consistency (section 12, row 7)

def _contact_view(api, email):
    return api.get(ME + "/participations/contacts/%s/breakdown" % quote(email, safe="")).json()


def _event_view(api, oid, **query):
    return breakdown(api, oid, **query)


def _wait_until(moment):
    delay = moment - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def test_default_lags_contact_1_3s_event_6s(api):
    """With the default lags a write shows in the contact breakdown after 1.3 s, in the event breakdowns and
    counters after 6 s; /_emulator/state shows it at once."""
    oid = api.event()
    vid = api.contact("a@example.com")
    start = time.monotonic()
    register(api, oid, vid)
    assert [p["attendanceState"] for p in api.state()] == ["REGISTERED"]
    assert _contact_view(api, "a@example.com") == {"total": 0, "results": []}
    assert _event_view(api, oid) == {"total": 0, "results": []}
    assert api.get("%s/participations/%s" % (ME, oid)).json()["registered"] == 0
    _wait_until(start + 1.1)
    assert _contact_view(api, "a@example.com") == {"total": 0, "results": []}
    _wait_until(start + 1.4)
    assert _contact_view(api, "a@example.com")["total"] == 1
    assert _event_view(api, oid)["total"] == 0 and _event_view(api, oid, contactIdentifier="a@example.com")["total"] == 0
    assert api.get(ME + "/participations/acc-1/ev-1").json()["registered"] == 0
    assert time.monotonic() - start < 5.5, "the machine is too slow for this timing test"
    _wait_until(start + 6.1)
    assert _event_view(api, oid)["total"] == 1 and _event_view(api, oid, contactIdentifier=str(vid))["total"] == 1
    assert api.get(ME + "/participations/acc-1/ev-1/breakdown").json()["total"] == 1
    assert api.get("%s/participations/%s" % (ME, oid)).json()["registered"] == 1
    assert api.get("%s/%s" % (ME, oid)).json()["registrants"] == 1
    assert api.get(ME + "/events/ev-1", params={"externalAccountId": "acc-1"}).json()["registrants"] == 1


def test_lag_shows_the_older_version_until_the_new_one_is_old_enough(api):
    api.config(contact_lag=0.4, event_lag=1.2)
    oid = api.event(startDateTime="2099-01-01T10:00:00Z", endDateTime="2099-01-01T11:00:00Z")
    a = api.contact("a@example.com")
    b = api.contact("b@example.com")
    first = time.monotonic()
    register(api, oid, a, b)
    _wait_until(first + 1.3)
    assert api.get("%s/participations/%s" % (ME, oid)).json() == {"attended": 0, "cancelled": 0, "noShows": 0, "registered": 2}
    second = time.monotonic()
    register(api, oid, a, state="attend", at=T0 + 1)
    assert [(p["attendanceState"], p["attendanceDurationSeconds"]) for p in api.state()] == [("ATTENDED", 60), ("REGISTERED", None)]
    assert _contact_view(api, "a@example.com")["results"][0]["properties"] == {"attendanceState": "REGISTERED", "occurredAt": T0}
    _wait_until(second + 0.5)
    props = _contact_view(api, "a@example.com")["results"][0]["properties"]
    assert props == {"attendanceState": "ATTENDED", "occurredAt": T0 + 1, "attendanceDurationSeconds": 60, "attendancePercentage": "2"}
    old = _event_view(api, oid, contactIdentifier="a@example.com")
    assert old["total"] == 1 and old["results"][0]["properties"] == {"attendanceState": "REGISTERED", "occurredAt": T0}
    assert _event_view(api, oid, state="ATTENDED") == {"total": 0, "results": []}
    assert _event_view(api, oid, state="REGISTERED")["total"] == 2
    assert api.get("%s/participations/%s" % (ME, oid)).json()["registered"] == 2
    assert api.get("%s/%s" % (ME, oid)).json()["attendees"] == 0
    _wait_until(second + 1.3)
    assert _event_view(api, oid, state="ATTENDED")["total"] == 1
    assert api.get("%s/participations/%s" % (ME, oid)).json() == {"attended": 1, "cancelled": 0, "noShows": 0, "registered": 1}
    assert api.get(ME + "/events/ev-1", params={"externalAccountId": "acc-1"}).json()["attendees"] == 1


def test_lag_paging_skips_what_readers_cannot_see_yet(api):
    api.config(contact_lag=0, event_lag=0.8)

    def seed(index):
        return api.seed(contacts=[{"email": "s%d@example.com" % index}],
                        events=[{"externalAccountId": "acc-1", "externalEventId": "ev-1", "eventName": "Webinar"}],
                        participations=[{"externalAccountId": "acc-1", "externalEventId": "ev-1", "email": "s%d@example.com" % index,
                                         "attendanceState": "REGISTERED"}])
    oid = seed(0)["events"][0]["objectId"]
    start = time.monotonic()
    register(api, oid, api.contact("s1@example.com"))
    seed(2)
    # seeded participations are visible at once; the written one (between them in creation order) is not yet
    page = _event_view(api, oid, limit=1)
    assert page["total"] == 2 and page["results"][0]["associations"]["contact"]["email"] == "s0@example.com"
    page = _event_view(api, oid, limit=1, after=page["paging"]["next"]["after"])
    assert page["results"][0]["associations"]["contact"]["email"] == "s2@example.com" and "paging" not in page
    assert _contact_view(api, "s1@example.com")["total"] == 1  # contact lag 0
    _wait_until(start + 0.9)
    emails = [r["associations"]["contact"]["email"] for r in _event_view(api, oid)["results"]]
    assert emails == ["s0@example.com", "s1@example.com", "s2@example.com"]


def test_lag_config_validation_and_reset(api):
    assert api.config(contact_lag=0.2, event_lag=3) == dict(DEFAULT_CONFIG, contact_lag=0.2, event_lag=3)
    for bad in ({"contact_lag": -1}, {"event_lag": "1"}, {"event_lag": True}, {"contact_lag": None}, {"event_lag": [1]}):
        resp = api.control("POST", "config", bad)
        assert resp.status_code == 400 and list(bad)[0] in resp.json()["message"], bad
    assert api.control("GET", "config").json()["event_lag"] == 3
    api.reset()
    assert api.control("GET", "config").json() == DEFAULT_CONFIG


def test_lag_command_line_flags():
    with running_emulator("--contact-lag", "0", "--event-lag", "0.5") as url:
        config = requests.get(url + "/_emulator/config", timeout=10).json()
        assert config["contact_lag"] == 0 and config["event_lag"] == 0.5
        requests.post(url + "/_emulator/config", json={"event_lag": 9}, timeout=10)
        requests.post(url + "/_emulator/reset", timeout=10)
        assert requests.get(url + "/_emulator/config", timeout=10).json()["event_lag"] == 0.5
    for bad in ("-1", "soon", "nan"):
        proc = subprocess.run([sys.executable, EMULATOR_SCRIPT, "--port", "0", "--event-lag", bad], check=False, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=10)
        assert proc.returncode == 2 and "--event-lag" in proc.stderr and proc.stdout == ""


def test_lag_raised_and_lowered_recounts(api):
    oid = api.event()
    vid = api.contact("a@example.com")
    api.config(contact_lag=0, event_lag=0.5)
    register(api, oid, vid)
    time.sleep(0.6)
    register(api, oid, vid, state="attend", at=T0 + 1)
    counters = "%s/participations/%s" % (ME, oid)
    assert api.get(counters).json() == {"attended": 0, "cancelled": 0, "noShows": 0, "registered": 1}
    api.config(event_lag=30)  # the horizon moves back: neither write is old enough now
    assert api.get(counters).json() == {"attended": 0, "cancelled": 0, "noShows": 0, "registered": 0}
    assert breakdown(api, oid) == {"total": 0, "results": []}
    api.config(event_lag=0)
    assert api.get(counters).json() == {"attended": 1, "cancelled": 0, "noShows": 0, "registered": 0}
    # a seed over a write that is not visible yet is visible at once
    api.config(event_lag=30)
    other = api.contact("b@example.com")
    register(api, oid, other)
    api.seed(participations=[{"externalAccountId": "acc-1", "externalEventId": "ev-1", "email": "b@example.com",
                              "attendanceState": "CANCELLED"}])
    assert api.get(counters).json() == {"attended": 0, "cancelled": 1, "noShows": 0, "registered": 0}


def test_event_rollup_matches_a_full_recount(monkeypatch):
    """The incrementally kept event rollup equals a recount of every participation, whatever the sequence of
    writes, seeds, completes, lag changes and clock steps (in process, with a fake clock)."""
    clock = [5000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    emulator = hubspot_emulator.Emulator(contact_lag=1, event_lag=6)
    seeded = emulator.seed({"contacts": [{"email": "r%d@example.com" % i} for i in range(12)],
                            "events": [{"externalAccountId": "acc", "externalEventId": "ev", "eventName": "E"}]})
    oid = seeded["events"][0]["objectId"]
    vids = [int(c["id"]) for c in seeded["contacts"]]
    headers = {"Authorization": "Bearer emulator-token"}
    rng = random.Random(7)

    def call(method, path, body=None, query=""):
        return emulator.handle_api(method, path, query, headers, body, "http://emulator")

    for step in range(600):
        kind = rng.random()
        if kind < 0.55:
            word = rng.choice(["register", "attend", "cancel"])
            inputs = [vid_input(v, T0 + step, **span(rng.choice([30, 60, 61]))) for v in rng.sample(vids, rng.randint(1, 4))]
            assert call("POST", "%s/%s/attendance/%s/create" % (ME, oid, word), {"inputs": inputs}).status in (200, 201)
        elif kind < 0.6:
            emulator.seed({"participations": [{"externalAccountId": "acc", "externalEventId": "ev", "contactId": str(rng.choice(vids)),
                                               "attendanceState": rng.choice(hubspot_emulator.READ_STATES)}]})
        elif kind < 0.62:
            call("POST", ME + "/events/ev/complete", {"startDateTime": "2099-01-01T10:00:00Z", "endDateTime": "2099-01-01T11:00:00Z"},
                 "externalAccountId=acc")
        elif kind < 0.67:
            emulator.set_config({"event_lag": rng.choice([0, 0.5, 2, 6, 9])})
        else:
            clock[0] += rng.choice([0.1, 0.4, 1.0, 3.0])
        cutoff = clock[0] - emulator.config["event_lag"]
        now = hubspot_emulator.now_ms()
        expected = dict((state, 0) for state in hubspot_emulator.READ_STATES)
        event = emulator.events[oid]
        for part in event.participations:
            view = part.view(cutoff, now)
            if view is not None:
                expected[view[0]] += 1
        with emulator.lock:
            counts, visible = emulator.store.event_counts(event, cutoff, now)
        assert (counts, visible) == (expected, sum(expected.values())), step
        page = json.loads(call("GET", "%s/participations/%s/breakdown" % (ME, oid), query="limit=100").payload())
        assert page["total"] == visible == len(page["results"]), step


def test_complete_no_show_is_visible_at_once(api):
    oid = api.event()
    a = api.contact("a@example.com")
    register(api, oid, a)
    resp = api.post(ME + "/events/ev-1/complete", {"startDateTime": "2026-01-01T10:00:00Z", "endDateTime": "2026-01-01T11:00:00Z"},
                    params={"externalAccountId": "acc-1"})
    assert resp.status_code == 200
    assert api.get("%s/participations/%s" % (ME, oid)).json()["noShows"] == 1
    assert _contact_view(api, "a@example.com")["results"][0]["properties"]["attendanceState"] == "NO_SHOW"


# --------------------------------------------------------------------------- participation reads

def test_paging_filters_and_counters(api):
    people = [{"email": "p%02d@example.com" % i, "firstname": "P%d" % i} for i in range(25)]
    states = ["REGISTERED", "ATTENDED", "CANCELLED", "NO_SHOW", "ATTENDED"]
    seeded = api.seed(contacts=people, events=[{"externalAccountId": "acc", "externalEventId": "big", "eventName": "Big"},
                                               {"externalAccountId": "acc", "externalEventId": "small", "eventName": "Small"}],
                      participations=[{"externalAccountId": "acc", "externalEventId": "big", "email": p["email"],
                                       "attendanceState": states[i % 5], "occurredAt": T0 + i} for i, p in enumerate(people)] +
                      [{"externalAccountId": "acc", "externalEventId": "small", "email": "p03@example.com", "attendanceState": "REGISTERED"}])
    oid = seeded["events"][0]["objectId"]
    assert seeded["participations"] == 26 and len(seeded["contacts"]) == 25

    page = breakdown(api, oid)
    assert page["total"] == 25 and len(page["results"]) == 10
    after = page["paging"]["next"]["after"]
    assert not after.isdigit() and "10" not in after
    seen = [r["associations"]["contact"]["email"] for r in page["results"]]
    ids = [r["id"] for r in page["results"]]
    while "paging" in page:
        link = page["paging"]["next"]["link"]
        assert "after=" in link
        resp = api.get(urlsplit(link).path + "?" + urlsplit(link).query)
        page = resp.json()
        assert page["total"] == 25
        seen += [r["associations"]["contact"]["email"] for r in page["results"]]
        ids += [r["id"] for r in page["results"]]
    assert seen == [p["email"] for p in people]
    assert len(set(ids)) == 25
    assert breakdown(api, oid, limit=100)["results"][0]["id"] == ids[0]
    assert "paging" not in breakdown(api, oid, limit=25)
    assert breakdown(api, oid, limit=24)["paging"]["next"]["after"]

    attended = breakdown(api, oid, state="ATTENDED", limit=4)
    assert attended["total"] == 10 and len(attended["results"]) == 4
    second = breakdown(api, oid, state="ATTENDED", limit=4, after=attended["paging"]["next"]["after"])
    third = breakdown(api, oid, state="ATTENDED", limit=4, after=second["paging"]["next"]["after"])
    assert "paging" not in third and len(third["results"]) == 2
    assert all(r["properties"]["attendanceState"] == "ATTENDED" for r in attended["results"] + second["results"] + third["results"])
    assert breakdown(api, oid, state="NO_SHOW")["total"] == 5

    one = breakdown(api, oid, contactIdentifier="P07@example.com")
    assert one["total"] == 1 and one["results"][0]["associations"]["contact"]["email"] == "p07@example.com"
    by_id = breakdown(api, oid, contactIdentifier=seeded["contacts"][7]["id"])
    assert by_id["results"] == one["results"]
    assert breakdown(api, oid, contactIdentifier="p07@example.com", state="REGISTERED") == {"total": 0, "results": []}
    assert breakdown(api, oid, contactIdentifier="ghost@example.com") == {"total": 0, "results": []}

    ext = api.get(ME + "/participations/acc/big/breakdown", params={"limit": 100}).json()
    assert [r["id"] for r in ext["results"]] == ids

    mine = api.get(ME + "/participations/contacts/%s/breakdown" % quote("P03@Example.com", safe="")).json()
    assert mine["total"] == 2 and [r["associations"]["marketingEvent"]["externalEventId"] for r in mine["results"]] == ["big", "small"]
    by_cid = api.get(ME + "/participations/contacts/%s/breakdown" % seeded["contacts"][3]["id"], params={"state": "REGISTERED"}).json()
    assert by_cid["total"] == 1 and by_cid["results"][0]["associations"]["marketingEvent"]["externalEventId"] == "small"
    limited = api.get(ME + "/participations/contacts/p03%40example.com/breakdown", params={"limit": 1}).json()
    assert len(limited["results"]) == 1 and "paging" in limited
    assert api.get(ME + "/participations/contacts/ghost%40example.com/breakdown").json() == {"total": 0, "results": []}
    assert api.get(ME + "/participations/contacts/99999999/breakdown").json() == {"total": 0, "results": []}

    counters = {"attended": 10, "cancelled": 5, "noShows": 5, "registered": 5}
    assert api.get("%s/participations/%s" % (ME, oid)).json() == counters
    assert api.get(ME + "/participations/acc/big").json() == counters
    assert api.get(ME + "/events/big", params={"externalAccountId": "acc"}).json()["attendees"] == 10


def test_seed_ten_thousand(api):
    # How fast seeding is belongs to benchmarks/emulator_rps.py, not to a timed test.
    participations = [{"externalAccountId": "acc", "externalEventId": "huge", "email": "u%05d@example.com" % i,
                       "attendanceState": "REGISTERED", "occurredAt": T0} for i in range(10000)]
    body = {"events": [{"externalAccountId": "acc", "externalEventId": "huge", "eventName": "Huge"}], "participations": participations}
    seeded = api.seed(**body)
    assert seeded["participations"] == 10000
    oid = seeded["events"][0]["objectId"]
    assert api.get("%s/participations/%s" % (ME, oid)).json()["registered"] == 10000
    assert breakdown(api, oid, limit=100, contactIdentifier="u09999@example.com")["total"] == 1
    bad = api.control("POST", "seed", {"participations": [{"externalAccountId": "x", "externalEventId": "y", "email": "a@b.co",
                                                           "attendanceState": "REGISTERED"}]})
    assert bad.status_code == 400


# --------------------------------------------------------------------------- rate limits

def test_rolling_rate_limit_headers_and_429(api):
    plain = api.get(ME + "/events/search", params={"q": "x"})
    assert not any(h.lower().startswith("x-hubspot-ratelimit") for h in plain.headers)
    api.config(rate_limit=3)
    remaining = []
    for _round in range(3):
        resp = api.get(ME + "/events/search", params={"q": "x"})
        assert resp.status_code == 200
        assert resp.headers["X-HubSpot-RateLimit-Max"] == "3"
        assert resp.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
        assert "X-HubSpot-RateLimit-Daily" not in resp.headers
        remaining.append(resp.headers["X-HubSpot-RateLimit-Remaining"])
    assert remaining == ["2", "1", "0"]
    limited = api.get(ME + "/events/search", params={"q": "x"})
    body = assert_error(limited, 429, "RATE_LIMITS")
    assert body["policyName"] == "TEN_SECONDLY_ROLLING" and body["errorType"] == "RATE_LIMIT"
    assert body["message"] == "You have reached your ten_secondly_rolling limit." and body["groupName"]
    assert 1 <= int(limited.headers["Retry-After"]) <= 10
    assert limited.headers["X-HubSpot-RateLimit-Remaining"] == "0" and limited.headers["X-HubSpot-RateLimit-Max"] == "3"
    # control endpoints are never limited, and the limit is per token
    assert api.control("GET", "state").status_code == 200
    assert api.get(ME + "/events/search", params={"q": "x"}, token=READ_TOKEN).status_code == 200
    assert [e["status"] for e in api.log()][-3:] == [200, 429, 200]


def test_rolling_window_arithmetic(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    emulator = hubspot_emulator.Emulator(rate_limit=2)
    assert emulator.rate_check("emulator-token")["X-HubSpot-RateLimit-Remaining"] == "1"
    clock[0] += 4
    assert emulator.rate_check("emulator-token")["X-HubSpot-RateLimit-Remaining"] == "0"
    clock[0] += 3
    rejected = emulator.rate_check("emulator-token")
    assert rejected.status == 429 and rejected.headers["Retry-After"] == "3"
    clock[0] += 2.5  # rejected requests do not consume the window: the first slot frees at +10 s
    assert emulator.rate_check("emulator-token").headers["Retry-After"] == "1"
    clock[0] += 0.6
    assert emulator.rate_check("emulator-token")["X-HubSpot-RateLimit-Remaining"] == "0"
    assert emulator.rate_check("emulator-token").status == 429


def test_daily_limit_429_without_retry_after(api):
    api.config(daily_limit=2)
    first = api.get(ME + "/events/search", params={"q": "x"})
    assert first.headers["X-HubSpot-RateLimit-Daily"] == "2" and first.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "1"
    assert "X-HubSpot-RateLimit-Max" not in first.headers
    assert api.get(ME + "/events/search", params={"q": "x"}).headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"
    limited = api.get(ME + "/events/search", params={"q": "x"})
    body = assert_error(limited, 429, "RATE_LIMITS")
    assert body["policyName"] == "DAILY" and body["message"] == "You have reached your daily limit."
    assert "Retry-After" not in limited.headers
    assert limited.headers["X-HubSpot-RateLimit-Daily"] == "2" and limited.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"
    api.reset()
    assert api.get(ME + "/events/search", params={"q": "x"}).status_code == 200


def test_daily_limit_is_the_accounts_rolling_limit_each_tokens(api):
    """Every token (app) of the account draws on one daily count; each has its own 10 s window."""
    api.config(daily_limit=3)
    assert api.get(ME + "/events/search", params={"q": "x"}).headers["X-HubSpot-RateLimit-Daily-Remaining"] == "2"
    other = api.get(ME + "/events/search", params={"q": "x"}, token=READ_TOKEN)
    assert other.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "1"
    assert api.get(ME + "/events/search", params={"q": "x"}).headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"
    assert assert_error(api.get(ME + "/events/search", params={"q": "x"}, token=READ_TOKEN), 429, "RATE_LIMITS")["policyName"] == "DAILY"
    api.reset()
    api.config(rate_limit=1)
    assert api.get(ME + "/events/search", params={"q": "x"}).status_code == 200
    assert api.get(ME + "/events/search", params={"q": "x"}, token=READ_TOKEN).status_code == 200
    assert api.get(ME + "/events/search", params={"q": "x"}).status_code == 429


# --------------------------------------------------------------------------- faults

def test_fault_count_status_and_no_state_change(api):
    oid = api.event()
    vid = api.contact("a@example.com")
    assert api.faults([{"method": "POST", "path_regex": "^/marketing/.*/attendance/", "count": 2, "action": 503}]).status_code == 200
    path = "%s/%s/attendance/register/create" % (ME, oid)
    assert api.get("%s/participations/%s" % (ME, oid)).status_code == 200  # GET does not match
    for _round in range(2):
        assert_error(api.post(path, {"inputs": [vid_input(vid)]}), 503, "SERVICE_UNAVAILABLE")
    assert api.state() == []
    assert api.post(path, {"inputs": [vid_input(vid)]}).status_code == 201
    assert [(e["status"], e["inputs"]) for e in api.log()[-3:]] == [(503, 1), (503, 1), (201, 1)]
    assert len(api.state()) == 1


def test_fault_skip_lets_the_first_matching_requests_through(api):
    assert api.faults([{"path_regex": "search", "skip": 2, "count": 1, "action": 503}]).status_code == 200
    codes = [api.get(ME + "/events/search", params={"q": "x"}).status_code for _round in range(4)]
    assert codes == [200, 200, 503, 200]
    assert api.faults([{"path_regex": "search", "skip": -1, "action": 503}]).status_code == 400


def test_fault_rate_is_reproducible(api):
    rule = [{"path_regex": "^/marketing/v3/marketing-events/events/search", "rate": 0.5, "action": 500}]
    runs = []
    for _round in range(2):
        api.faults(rule)
        runs.append([api.get(ME + "/events/search", params={"q": "x"}).status_code for _round in range(20)])
    assert runs[0] == runs[1]
    assert set(runs[0]) == {200, 500}
    api.reset()
    api.faults(rule)
    assert [api.get(ME + "/events/search", params={"q": "x"}).status_code for _round in range(20)] == runs[0]


def test_fault_html_reset_malformed(api):
    api.faults([{"path_regex": "search", "count": 1, "action": 502, "body": "html"},
                {"path_regex": "identifiers", "count": 1, "action": "reset"},
                {"path_regex": "participations", "count": 1, "action": "malformed"}])
    html = api.get(ME + "/events/search", params={"q": "x"}, validate=False)
    assert html.status_code == 502 and html.headers["Content-Type"].startswith("text/html") and "<html>" in html.text
    with pytest.raises(requests.exceptions.ConnectionError):
        api.get(ME + "/ev/identifiers", validate=False)
    broken = api.get(ME + "/participations/1", validate=False)
    assert broken.status_code == 200 and broken.headers["Content-Type"].startswith("application/json")
    with pytest.raises(ValueError):
        json.loads(broken.text)
    assert [e["status"] for e in api.log()] == [502, 0, 200]
    # everything is back to normal afterwards, on a fresh connection
    assert api.get(ME + "/ev/identifiers").status_code == 200


def test_fault_delay_then_processes(api):
    oid = api.event()
    vid = api.contact("a@example.com")
    api.faults([{"method": "POST", "path_regex": "attendance", "count": 1, "action": "delay", "delay_ms": 300}])
    start = time.monotonic()
    resp = api.post("%s/%s/attendance/register/create" % (ME, oid), {"inputs": [vid_input(vid)]})
    assert time.monotonic() - start >= 0.3
    assert resp.status_code == 201 and len(api.state()) == 1


def test_fault_429_policies_and_other_statuses(api):
    api.faults([{"path_regex": "search", "count": 1, "action": 429, "retry_after": 1},
                {"path_regex": "search", "count": 1, "action": 429, "policy": "DAILY"},
                {"path_regex": "search", "count": 1, "action": 477, "retry_after": 2},
                {"path_regex": "search", "count": 1, "action": 423}])
    rolling = api.get(ME + "/events/search", params={"q": "x"})
    assert assert_error(rolling, 429, "RATE_LIMITS")["policyName"] == "TEN_SECONDLY_ROLLING"
    assert rolling.headers["Retry-After"] == "1" and rolling.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    daily = api.get(ME + "/events/search", params={"q": "x"})
    assert assert_error(daily, 429, "RATE_LIMITS")["policyName"] == "DAILY"
    assert "Retry-After" not in daily.headers and daily.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"
    migrating = api.get(ME + "/events/search", params={"q": "x"})
    assert migrating.status_code == 477 and migrating.headers["Retry-After"] == "2"
    assert_error(api.get(ME + "/events/search", params={"q": "x"}), 423, "LOCKED")
    assert api.get(ME + "/events/search", params={"q": "x"}).status_code == 200
    assert api.faults([]).status_code == 200
    assert api.control("GET", "faults").json() == {"rules": []}


def test_fault_stored_nothing_answers_as_stored(api0):
    """The answer lists every input as written, but nothing is stored (for checks that verify a write by reading)."""
    api = api0
    oid = api.event()
    vid = api.contact("a@example.com")
    held = api.contact("held@example.com")
    register(api, oid, held)
    assert api.faults([{"method": "POST", "path_regex": "/attendance/", "count": 2, "action": "stored_nothing"}]).status_code == 200
    before = api.state()
    resp = api.post("%s/%s/attendance/register/create" % (ME, oid), {"inputs": [vid_input(vid), vid_input(held), vid_input(4242)]})
    assert resp.status_code == 201
    body = resp.json()
    assert body["results"] == [{"vid": vid}] and body["numErrors"] == 1  # exactly the answer of a real write
    resp = api.post("%s/%s/attendance/attend/email-create" % (ME, oid), {"inputs": [email_input("new@example.com", T0, span(60))]})
    assert resp.status_code == 200 and resp.json()["results"][0]["email"] == "new@example.com"
    assert isinstance(resp.json()["results"][0]["vid"], int)
    assert api.state() == before
    assert breakdown(api, oid, contactIdentifier="a@example.com") == {"total": 0, "results": []}
    assert api.get("/crm/v3/objects/contacts/new%40example.com", params={"idProperty": "email"}).status_code == 404
    assert [e["status"] for e in api.log()[-4:-2]] == [201, 200]
    # the rule is used up: the same write is stored now
    assert api.post("%s/%s/attendance/register/create" % (ME, oid), {"inputs": [vid_input(vid)]}).json()["results"] == [{"vid": vid}]
    assert len(api.state()) == 2


def test_fault_reject_input_named_and_unnamed(api0):
    """One input refused with a per-input error that names it, or not; the others are processed."""
    api = api0
    oid = api.event()
    ok, bad = api.contact("ok@example.com"), api.contact("bad@example.com")
    rules = [{"method": "POST", "action": "reject_input", "match": "Bad@Example.com", "count": 1}]
    assert api.faults(rules).status_code == 200
    resp = api.post("%s/%s/attendance/register/email-create" % (ME, oid),
                    {"inputs": [email_input("ok@example.com"), email_input("bad@example.com")]})
    body = resp.json()
    assert resp.status_code == 201 and [r["email"] for r in body["results"]] == ["ok@example.com"]
    assert body["numErrors"] == 1 and body["errors"][0]["message"].endswith("for `bad@example.com`")
    assert body["errors"][0]["context"] == {} and "in" not in body["errors"][0]
    assert api.faults([{"method": "POST", "action": "reject_input", "match": str(bad), "named": False}]).status_code == 200
    body = api.post("%s/%s/attendance/cancel/create" % (ME, oid), {"inputs": [vid_input(ok), vid_input(bad)]}).json()
    assert body["results"] == [{"vid": ok}]
    assert str(bad) not in body["errors"][0]["message"] and "`" not in body["errors"][0]["message"]
    assert sorted((p["email"], p["attendanceState"]) for p in api.state()) == [("ok@example.com", "CANCELLED")]


@pytest.mark.parametrize("rule, fragment", [
    ({"action": "reject_input"}, "needs match"),
    ({"action": "reject_input", "match": "a@b.co", "named": "yes"}, "named must be a boolean"),
    ({"action": 503, "match": "a@b.co"}, "go with action reject_input only"),
])
def test_fault_reject_input_rules_are_checked(api, rule, fragment):
    resp = api.faults([rule])
    assert resp.status_code == 400 and fragment in resp.json()["message"]


def test_fault_lost_answer_applies_the_write_and_answers_504(api):
    api.faults([{"method": "POST", "path_regex": "/events$", "count": 1, "action": "lost_answer"}])
    body = {"externalAccountId": "acc", "externalEventId": "lost-1", "eventName": "Webinar", "eventOrganizer": "Org"}
    lost = api.post(ME + "/events", body, validate=False)
    assert lost.status_code == 504 and "category" not in lost.json() and lost.json()["status"] == "error"
    assert api.log()[-1]["status"] == 504
    # the create happened: the same create again is the duplicate HubSpot refuses
    again = api.post(ME + "/events", body, validate=False)
    assert again.status_code == 400 and again.json()["errorType"] == "UNIQUE_VALUE_CONFLICT"
    assert [e["externalEventId"] for e in api.control("GET", "state").json()["events"]] == ["lost-1"]
    api.faults([{"path_regex": "search", "count": 1, "action": "lost_answer", "body": "html"}])
    page = api.get(ME + "/events/search", params={"q": "x"}, validate=False)
    assert page.status_code == 504 and page.headers["Content-Type"].startswith("text/html")


def test_fault_cut_applies_the_write_and_truncates_the_answer(api):
    oid = api.event()
    vid = api.contact("a@example.com")
    api.faults([{"method": "POST", "path_regex": "/attendance/", "count": 1, "action": "cut"}])
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        api.post("%s/%s/attendance/register/create" % (ME, oid), {"inputs": [vid_input(vid)]}, validate=False)
    assert [(p["contactId"], p["attendanceState"]) for p in api.state()] == [(str(vid), "REGISTERED")]
    assert api.log()[-1]["status"] == 201
    # on the wire: the announced length is larger than what was sent before the close
    host, port = urlsplit(api.base_url).hostname, urlsplit(api.base_url).port
    api.faults([{"path_regex": "search", "count": 1, "action": "cut"}])
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(("GET %s/events/search?q=x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n" % (ME, FULL_TOKEN)).encode())
        raw = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            raw += chunk
    head, _sep, payload = raw.partition(b"\r\n\r\n")
    assert b" 200 " in head.split(b"\r\n")[0]
    length = int(re.search(rb"Content-Length: ([0-9]+)", head).group(1))
    assert 0 < len(payload) < length
    # malformed stays as it was: a complete answer with broken JSON, and nothing written
    api.faults([{"method": "POST", "path_regex": "/attendance/", "count": 1, "action": "malformed"}])
    broken = api.post("%s/%s/attendance/cancel/create" % (ME, oid), {"inputs": [vid_input(vid)]}, validate=False)
    assert broken.status_code == 200 and int(broken.headers["Content-Length"]) == len(broken.content)
    assert api.state()[0]["attendanceState"] == "REGISTERED"


def test_fault_error_body_variants(api):
    api.faults([{"path_regex": "search", "count": 1, "action": 400, "body": "no_category"},
                {"path_regex": "search", "count": 1, "action": 503, "body": "no_category"},
                {"path_regex": "search", "count": 1, "action": 500, "body": "string_errors"},
                {"path_regex": "identifiers", "count": 1, "action": 404, "body": "html"},
                {"path_regex": "search", "count": 1, "action": 502, "body": "json"}])
    for status in (400, 503):
        resp = api.get(ME + "/events/search", params={"q": "x"}, validate=False)
        body = resp.json()
        assert resp.status_code == status and "category" not in body
        assert body["status"] == "error" and body["message"] and UUID_RE.match(body["correlationId"])
    resp = api.get(ME + "/events/search", params={"q": "x"}, validate=False)
    body = resp.json()
    assert resp.status_code == 500 and body["category"] == "INTERNAL_ERROR"
    assert body["errors"] and all(isinstance(e, str) for e in body["errors"]) and "message" not in body
    html = api.get(ME + "/ev/identifiers", validate=False)
    assert html.status_code == 404 and html.headers["Content-Type"].startswith("text/html") and "<html>" in html.text
    assert_error(api.get(ME + "/events/search", params={"q": "x"}), 502, "BAD_GATEWAY")
    resp = api.faults([{"action": 500, "body": "plain"}])
    assert resp.status_code == 400 and "no_category" in resp.json()["message"] and "string_errors" in resp.json()["message"]


def test_fault_rule_validation(api):
    for rules in ([{"action": 503, "paths": "x"}], [{"action": "explode"}], [{"action": 200}], [{"count": 1}],
                  [{"action": 503, "count": 0}], [{"action": 503, "rate": 2}], [{"action": 503, "path_regex": "("}],
                  [{"action": 429, "policy": "HOURLY"}], [{"action": 502, "body": "xml"}], ["x"]):
        resp = api.faults(rules)
        assert resp.status_code == 400, rules
        assert resp.json()["message"]
    assert api.control("POST", "faults", {"rule": []}).status_code == 400
    assert "unknown key" in api.faults([{"action": 503, "paths": "x"}]).json()["message"]


# --------------------------------------------------------------------------- control endpoints

def test_request_log_shape_and_exclusions(api):
    oid = api.event()
    api.post("%s/%s/attendance/register/create" % (ME, oid), {"inputs": [vid_input(1), vid_input(2)]})
    api.get("%s/participations/%s/breakdown" % (ME, oid), params={"limit": 100})
    api.get(ME + "/events/search", params={"q": "x"}, token=False)
    api.control("GET", "state")
    api.control("POST", "config", {})
    log = api.log()
    for entry in log:  # epoch seconds: when the request arrived and when its answer left
        assert time.time() - 60 < entry.pop("received_at") <= entry.pop("answered_at") <= time.time()
    assert log == [
        {"method": "POST", "path": ME + "/events", "query": "", "status": 200, "inputs": 0},
        {"method": "POST", "path": "%s/%s/attendance/register/create" % (ME, oid), "query": "", "status": 201, "inputs": 2},
        {"method": "GET", "path": "%s/participations/%s/breakdown" % (ME, oid), "query": "limit=100", "status": 200, "inputs": 0},
        {"method": "GET", "path": ME + "/events/search", "query": "q=x", "status": 401, "inputs": 0},
    ]
    assert api.control("DELETE", "requests").status_code == 200
    assert api.log() == []
    assert api.get("%s/%s" % (ME, oid)).status_code == 200  # state survives clearing the log
    api.reset()
    assert api.log() == [] and api.get("%s/%s" % (ME, oid)).status_code == 404


def test_state_shape(api):
    oid = api.event()
    api.post("%s/%s/attendance/register/email-create" % (ME, oid), {"inputs": [email_input("z@example.com", T0), email_input("a@example.com", T0 + 1)]})
    state = api.state()
    assert [p["email"] for p in state] == ["z@example.com", "a@example.com"]
    assert set(state[0]) == {"eventObjectId", "externalAccountId", "externalEventId", "contactId", "email", "attendanceState", "occurredAt",
                             "attendanceDurationSeconds"}
    assert state[1]["occurredAt"] == T0 + 1 and state[0]["eventObjectId"] == oid and state[0]["contactId"].isdigit()
    assert state[0]["attendanceDurationSeconds"] is None
    api.post("%s/%s/attendance/attend/email-create" % (ME, oid), {"inputs": [email_input("a@example.com", T0 + 2, span(90.5))]})
    assert api.state()[1]["attendanceDurationSeconds"] == 90 and api.state()[1]["attendanceState"] == "ATTENDED"


DEFAULT_CONFIG = {"latency_ms": 0, "rate_limit": 0, "daily_limit": 0, "partial_status": 200, "contact_lag": 1.3, "event_lag": 6,
                  "identifiers_lag_ms": 120000, "search_lag_ms": 120000, "token_ttl_ms": 0}


class SlowlyEncodedReply(Reply):
    """A reply whose body takes 0.18 s to encode."""

    __slots__ = ()

    def payload(self):
        if not isinstance(self.body, bytes):
            time.sleep(0.18)
        return super(SlowlyEncodedReply, self).payload()


def test_latency_includes_the_emulators_own_work():
    """HubSpot's response time includes its work: a request whose handling takes 0.1 s and whose answer
    takes 0.18 s to encode is answered 0.3 s after it arrived at latency_ms=300, not 0.4 s or more
    (work added to the latency)."""
    emulator = hubspot_emulator.Emulator(tokens=[FULL_TOKEN], latency_ms=300)
    handle = emulator.handle_api

    def slow_handle(*args, **kwargs):
        time.sleep(0.1)
        reply = handle(*args, **kwargs)
        return SlowlyEncodedReply(reply.status, reply.body, reply.headers, reply.content_type)

    emulator.handle_api = slow_handle
    server = hubspot_emulator.EmulatorServer(("127.0.0.1", 0), emulator)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        url = "http://127.0.0.1:%d%s/events/search" % (server.server_address[1], ME)
        start = time.monotonic()
        answer = requests.get(url, params={"q": "x"}, headers={"Authorization": "Bearer " + FULL_TOKEN}, timeout=10)
        elapsed = time.monotonic() - start
    finally:
        server.shutdown()
        server.server_close()
    assert answer.status_code == 200
    assert 0.3 <= elapsed < 0.45, elapsed


def test_config_and_latency(api):
    assert api.control("GET", "config").json() == DEFAULT_CONFIG
    assert api.config(latency_ms=200) == dict(DEFAULT_CONFIG, latency_ms=200)
    start = time.monotonic()
    api.get(ME + "/events/search", params={"q": "x"})
    assert time.monotonic() - start >= 0.2
    entry = api.log()[-1]
    assert entry["answered_at"] - entry["received_at"] >= 0.199
    start = time.monotonic()
    api.control("GET", "state")
    assert time.monotonic() - start < 0.2
    for bad in ({"latency": 1}, {"rate_limit": -1}, {"partial_status": 500}, {"daily_limit": "5"}):
        assert api.control("POST", "config", bad).status_code == 400
    api.reset()
    assert api.control("GET", "config").json()["latency_ms"] == 0
    assert api.control("GET", "nothing").status_code == 404
    assert api.control("GET", "reset").status_code == 405


def test_control_endpoints_are_loopback_only():
    assert hubspot_emulator.is_loopback("127.0.0.1") and hubspot_emulator.is_loopback("127.8.9.1")
    assert hubspot_emulator.is_loopback("::1") and hubspot_emulator.is_loopback("::ffff:127.0.0.1")
    assert not hubspot_emulator.is_loopback("10.0.0.5") and not hubspot_emulator.is_loopback("192.168.1.2")
    assert not hubspot_emulator.is_loopback("::ffff:10.0.0.5") and not hubspot_emulator.is_loopback("not-an-ip")
    handler = hubspot_emulator.EmulatorHandler.__new__(hubspot_emulator.EmulatorHandler)
    handler.client_address = ("10.0.0.5", 40000)
    emulator = hubspot_emulator.Emulator()
    reply = handler._control(emulator, "POST", "/_emulator/reset", b"")  # pylint: disable=protected-access
    assert reply.status == 403
    handler.client_address = ("127.0.0.1", 40000)
    assert handler._control(emulator, "POST", "/_emulator/reset", b"").status == 200  # pylint: disable=protected-access


# --------------------------------------------------------------------------- concurrency and process behaviour

def test_concurrent_writers_keep_state_consistent(api0):
    api = api0  # the counters are compared with the state right after the writes
    oid = api.event()
    contacts = api.seed(contacts=[{"email": "c%03d@example.com" % i} for i in range(80)])["contacts"]
    vids = [int(c["id"]) for c in contacts]
    failures = []

    def worker(index):
        session = requests.Session()
        session.headers["Authorization"] = "Bearer " + FULL_TOKEN
        mine = vids[index * 10:(index + 1) * 10]
        try:
            for round_no, state in enumerate(["register", "attend", "cancel", "register", "attend"] * 4):
                make = attend_input if state == "attend" else vid_input
                resp = session.post("%s%s/%s/attendance/%s/create" % (api.base_url, ME, oid, state),
                                    json={"inputs": [make(v, T0 + round_no) for v in vids]}, timeout=30)
                if resp.status_code != (201 if state == "register" else 200) or resp.json()["numErrors"]:
                    failures.append(resp.text)
                session.get("%s%s/participations/%s/breakdown" % (api.base_url, ME, oid), params={"limit": 100}, timeout=30)
            resp = session.post("%s%s/%s/attendance/attend/create" % (api.base_url, ME, oid),
                                json={"inputs": [attend_input(v, T0 + 100) for v in mine]}, timeout=30)
            if resp.status_code != 200:
                failures.append(resp.text)
        except requests.RequestException as exc:
            failures.append(repr(exc))
        finally:
            session.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    state = api.state()
    assert len(state) == 80 and len(set(p["contactId"] for p in state)) == 80
    counters = api.get("%s/participations/%s" % (ME, oid)).json()
    assert sum(counters.values()) == 80
    assert counters["attended"] == sum(1 for p in state if p["attendanceState"] == "ATTENDED")
    assert len(api.log()) == 2 + 8 * 41  # event create and the counters read


def test_other_methods_and_protocol_errors_get_json_bodies(emulator_url):
    host, port = urlsplit(emulator_url).hostname, urlsplit(emulator_url).port
    for method, path, status in (("TRACE", ME + "/events", 405), ("FOO", "/nowhere", 404)):
        conn = http.client.HTTPConnection(host, port, timeout=10)
        try:
            conn.request(method, path, headers={"Authorization": "Bearer " + FULL_TOKEN})
            resp = conn.getresponse()
            assert resp.status == status
            assert json.loads(resp.read())["status"] == "error"
        finally:
            conn.close()
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(b"NOT A REQUEST LINE AT ALL\r\n\r\n")
        chunks = []
        while True:  # the server closes the connection after a protocol error
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
        raw = b"".join(chunks)
    head, _sep, payload = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.") and b" 400 " in head.split(b"\r\n")[0]
    assert json.loads(payload)["category"] == "VALIDATION_ERROR"


def test_keep_alive_connection_reuse(emulator_url):
    host, port = urlsplit(emulator_url).hostname, urlsplit(emulator_url).port
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        for _round in range(3):
            conn.request("GET", ME + "/events/search?q=x", headers={"Authorization": "Bearer " + FULL_TOKEN})
            resp = conn.getresponse()
            payload = resp.read()
            assert resp.status == 200 and int(resp.getheader("Content-Length")) == len(payload)
            assert resp.getheader("Connection") != "close"
        conn.request("POST", "/_emulator/reset")
        assert json.loads(conn.getresponse().read()) == {"ok": True}
    finally:
        conn.close()


def _start(*args):
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, EMULATOR_SCRIPT, "--port", "0"] + list(args), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, universal_newlines=True)
    line = proc.stdout.readline()
    return proc, line, time.monotonic() - start


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_startup_defaults_and_clean_exit(sig):
    proc, line, elapsed = _start("--rate-limit", "50", "--daily-limit", "1000", "--latency-ms", "1")
    try:
        assert line.startswith(READY_PREFIX) and re.match(r"^http://127\.0\.0\.1:[0-9]+$", line[len(READY_PREFIX):].strip())
        assert elapsed < 2.0
        url = line[len(READY_PREFIX):].strip()
        resp = requests.get(url + ME + "/events/search", params={"q": "x"}, headers={"Authorization": "Bearer emulator-token"}, timeout=10)
        assert resp.status_code == 200 and resp.headers["X-HubSpot-RateLimit-Max"] == "50"
        assert resp.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "999"
        assert requests.get(url + "/_emulator/config", timeout=10).json() == dict(DEFAULT_CONFIG, latency_ms=1, rate_limit=50,
                                                                                  daily_limit=1000)
        proc.send_signal(sig)
        assert proc.wait(timeout=5) == 0
        assert proc.stdout.read() == ""
        assert "emulator-token" not in proc.stderr.read()
    finally:
        stop_emulator(proc)
        proc.stderr.close()


def test_error_bodies_never_echo_tokens(api):
    secret = "secret-" + uuid.uuid4().hex
    resp = api.get(ME + "/events/search", params={"q": "x"}, token=secret)
    assert resp.status_code == 401 and secret not in resp.text
    assert all(secret not in json.dumps(e) for e in api.log())


def test_process_helper_yields_base_url():
    with running_emulator("--token", "t1") as url:
        assert url.startswith("http://127.0.0.1:")
        assert requests.get(url + ME + "/events/search?q=x", headers={"Authorization": "Bearer t1"}, timeout=10).status_code == 200
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url + "/_emulator/state", timeout=2)
    assert os.path.exists(EMULATOR_SCRIPT)
