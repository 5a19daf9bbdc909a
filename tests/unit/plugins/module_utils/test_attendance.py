# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pure logic of marketing_event_attendance: no mocks, no HTTP."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.hubspot.marketing.plugins.module_utils import _attendance as a

NOW = 1717495200000  # 2024-06-04T10:00:00Z
HOUR = 3600 * 1000


def contact(index, cid=None, email=None, **extra):
    out = {"index": index, "id": cid, "email": email, "key": a.contact_key(cid, email), "occurred_at": NOW,
           "joined_at": None, "left_at": None, "duration": None, "contact_properties": {}, "held": None}
    out.update(extra)
    return out


def paths(errors):
    return [e["path"] for e in errors]


# ---------------------------------------------------------------------------------------------
# Timestamps


@pytest.mark.parametrize("value, expected", [
    (0, 0),
    (NOW, NOW),
    ("1717495200000", NOW),
    ("2024-06-04T10:00:00Z", NOW),
    ("2024-06-04t10:00:00z", NOW),
    ("2024-06-04 10:00:00Z", NOW),
    ("2024-06-04T12:00:00+02:00", NOW),
    ("2024-06-04T05:30:00-04:30", NOW),
    ("2024-06-04T10:00:00.5Z", NOW + 500),
    ("2024-06-04T10:00:00.123456Z", NOW + 123),
    ("2016-12-31T23:59:60Z", 1483228799999),
    ("1970-01-01T00:00:00Z", 0),
])
def test_parse_timestamp(value, expected):
    assert a.parse_timestamp(value) == expected


@pytest.mark.parametrize("value", [True, -1, 1.5, None, "", "yesterday", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z",
                                   "2024-06-04T10:00:00", "2024-06-04", "1969-12-31T23:59:59Z", "2024-06-04T10:00:00+24:00",
                                   "1" * 16])
def test_parse_timestamp_refuses(value):
    with pytest.raises((ValueError, OverflowError)):
        a.parse_timestamp(value)


# ---------------------------------------------------------------------------------------------
# Input checks (the schema itself is tested in test_schemas.py)


def errors_of(state, contacts, **kwargs):
    kwargs.setdefault("now_ms", NOW)
    return a.input_errors(state, contacts, **kwargs)


def test_input_errors_none_for_good_input():
    contacts = [
        {"id": 1, "email": None, "occurred_at": None, "joined_at": None, "contact_properties": None},
        {"id": "2"},
        {"email": "a@example.com", "occurred_at": "2024-06-04T10:00:00Z", "contact_properties": {"firstname": "A"}},
        {"email": "b@example.com", "occurred_at": NOW},
    ]
    assert errors_of("registered", contacts) == []


@pytest.mark.parametrize("contact", ["ada@example.com", 1001, ["ada@example.com"]])
def test_a_contact_of_the_wrong_type_gets_its_type_error_alone(contact):
    errors = errors_of("registered", [{"id": 1}, contact])
    assert [(e["path"], e["message"].split(",")[0]) for e in errors] == [("contacts[1]", "must be of type object")]


def test_an_independent_error_at_a_path_of_the_wrong_type_stays():
    errors = errors_of("registered", [{"id": 5, "contact_properties": "x"}])
    assert [(e["path"], e["message"].split(",")[0].split(" (")[0]) for e in errors] == [
        ("contacts[0].contact_properties", "is only allowed for contacts given by email"),
        ("contacts[0].contact_properties", "must be of type object")]


def test_input_errors_attended_times_per_contact_and_from_the_task():
    good = [{"id": 1, "joined_at": NOW - HOUR, "left_at": "2024-06-04T10:00:00Z"}, {"id": 2}]
    assert errors_of("attended", good, defaults={"joined_at": NOW - HOUR, "left_at": NOW - 1000}) == []
    bad = [{"id": 1, "joined_at": "2024-02-30T10:00:00Z", "left_at": "soon", "duration": 3}]
    assert paths(errors_of("attended", bad)) == ["contacts[0].duration", "contacts[0].joined_at", "contacts[0].left_at"]


def test_input_errors_attended_needs_both_times():
    errors = errors_of("attended", [{"id": 1}, {"id": 2, "joined_at": NOW - HOUR}], defaults={"left_at": NOW})
    assert paths(errors) == ["contacts[0].joined_at", "contacts[1].joined_at"] or paths(errors) == ["contacts[0].joined_at"]
    assert "is required with state attended" in errors[0]["message"]
    assert paths(errors_of("attended", [{"id": 1}])) == ["contacts[0].joined_at", "contacts[0].left_at"]


@pytest.mark.parametrize("contact_times, defaults, path, fragment", [
    ({"joined_at": NOW, "left_at": NOW}, {}, "contacts[0].left_at", "must be later than joined_at"),
    ({"joined_at": NOW, "left_at": NOW - 1}, {}, "contacts[0].left_at", "must be later than joined_at"),
    ({"joined_at": NOW - 999, "left_at": NOW}, {}, "contacts[0].left_at", "at least 1 second after joined_at"),
    ({"joined_at": NOW}, {"left_at": NOW - HOUR}, "contacts[0].joined_at", "must be earlier than left_at"),
    ({}, {"joined_at": NOW, "left_at": NOW}, "left_at", "must be later than joined_at"),
])
def test_input_errors_attendance_span(contact_times, defaults, path, fragment):
    contact = dict({"id": 1}, **contact_times)
    errors = errors_of("attended", [contact, dict(contact, id=2)], defaults=defaults)
    assert path in paths(errors)
    assert fragment in [e for e in errors if e["path"] == path][0]["message"]
    if path == "left_at":  # a task-level problem is reported once, not per contact
        assert paths(errors) == ["left_at"]


def test_input_errors_one_second_is_enough():
    assert errors_of("attended", [{"id": 1, "joined_at": NOW - 1000, "left_at": NOW}]) == []


@pytest.mark.parametrize("value, fragment", [
    (1717495200, "looks like epoch seconds"),
    ("1717495200", "looks like epoch seconds"),
    ("1970-01-02T00:00:00Z", "is before 1973, which HubSpot cannot tell from epoch seconds"),
    (NOW + 24 * HOUR + 1, "more than a day in the future"),
    ("2099-01-01T00:00:00Z", "more than a day in the future"),
])
@pytest.mark.parametrize("field", ["occurred_at", "joined_at"])
def test_input_errors_implausible_times(value, fragment, field):
    contact = {"id": 1, "joined_at": NOW - HOUR, "left_at": NOW}
    contact[field] = value
    errors = errors_of("attended", [contact])
    assert "contacts[0].%s" % field in paths(errors)
    assert fragment in errors[0]["message"]
    task_errors = errors_of("registered", [{"id": 1}], defaults={"occurred_at": value})
    assert paths(task_errors) == ["occurred_at"]


def test_input_errors_a_day_ahead_is_accepted():
    assert errors_of("registered", [{"id": 1, "occurred_at": NOW + 24 * HOUR}]) == []


@pytest.mark.parametrize("state", ["registered", "cancelled"])
def test_input_errors_attendance_times_only_for_attended(state):
    errors = errors_of(state, [{"id": 1, "joined_at": NOW}], defaults={"left_at": NOW})
    assert paths(errors) == ["contacts[0].joined_at", "left_at"]
    assert "only allowed with state attended" in errors[0]["message"]


def test_input_errors_old_properties_option_is_gone():
    errors = errors_of("attended", [{"id": 1, "joined_at": NOW - HOUR, "left_at": NOW, "properties": {"joinedAt": NOW}}])
    assert paths(errors) == ["contacts[0].properties"]


def test_input_errors_refuse_property_values_json_cannot_carry():
    """JSON Schema's number takes NaN and infinities; HubSpot would get the text nan or inf."""
    contacts = [{"email": "a@example.com", "contact_properties": {"score": float("nan"), "rank": 2.5}},
                {"email": "b@example.com", "contact_properties": {"score": float("inf")}}]
    errors = errors_of("registered", contacts)
    assert [(e["path"], e["message"]) for e in errors] == [
        ("contacts[0].contact_properties.score", "must be a finite number, not nan"),
        ("contacts[1].contact_properties.score", "must be a finite number, not inf")]


@pytest.mark.parametrize("value, problem", [
    ("2024-13-01T00:00:00Z", "is not a valid date or time (month must be in 1..12)"),
    ("2024-02-30T00:00:00Z", "is not a valid date or time (day is out of range for month)"),
    ("2023-02-29T10:00:00Z", "is not a valid date or time (day is out of range for month)"),
    ("2024-06-04T24:00:00Z", "is not a valid date or time (hour must be in 0..23)"),
    ("2016-12-31T23:59:60Z", None),  # a leap second: the minute's last millisecond, as for event times
    ("2016-12-31T12:00:60Z", "is not a valid date or time (second must be in 0..59 (60 only at 23:59 UTC))"),
    ("2016-12-31T23:59:60+01:00", "is not a valid date or time (second must be in 0..59 (60 only at 23:59 UTC))"),
    ("2017-01-01T05:29:60+05:30", None),  # 23:59:60 UTC
])
def test_input_errors_one_calendar_rule_for_every_time(value, problem):
    """The schema checks the syntax only (so no optional format library decides); the calendar is
    timestamp_problem's, the rule event times use too."""
    errors = errors_of("registered", [{"email": "a@example.com", "occurred_at": value}])
    assert errors == ([{"path": "contacts[0].occurred_at", "message": problem}] if problem else [])
    assert a.timestamp_problem(value) == problem


def test_input_errors_refuse_an_email_property_naming_another_address():
    contacts = [{"email": "a@example.com", "contact_properties": {"email": "other@example.com"}},
                {"email": "b@example.com", "contact_properties": {"email": " B@Example.com", "firstname": "B"}},
                {"email": "c@example.com", "contact_properties": {"EMAIL": "other@example.com"}}]
    message = "must be the contact's own email address, or left out"
    assert errors_of("registered", contacts) == [{"path": "contacts[0].contact_properties.email", "message": message},
                                                 {"path": "contacts[2].contact_properties.EMAIL", "message": message}]


def test_input_errors_name_the_properties_of_a_contact_by_id_once():
    """contact_properties on a contact given by id is refused as a whole; its values are not judged again."""
    errors = errors_of("registered", [{"id": 1, "contact_properties": {"score": float("nan")}}])
    assert paths(errors) == ["contacts[0].contact_properties"]


@pytest.mark.parametrize("value", ["2024-06-04T10:00:00+05:60", "2024-06-04T10:00:00-00:99", "2024-06-04T10:00:00+24:00"])
def test_an_offset_out_of_range_is_refused(value):
    assert a.timestamp_problem(value) == "is not a valid date or time (offset out of range)"
    assert a.timestamp_problem("2024-06-04T10:00:00+23:59") is None


def test_input_errors_verify_timeout():
    assert paths(errors_of("registered", [], verify_timeout=0)) == ["verify_timeout"]
    assert errors_of("registered", [], verify_timeout=60) == []


@pytest.mark.parametrize("contacts, path, message", [
    ([{"id": 1}, {"id": "1"}], "contacts[1].id", "duplicate of contacts[0]"),
    ([{"id": 7}, {"id": 8}, {"id": 7}], "contacts[2].id", "duplicate of contacts[0]"),
    ([{"email": "Ann@Example.com"}, {"email": "ann@example.COM"}], "contacts[1].email", "duplicate of contacts[0]"),
    ([{"email": "x@example.com"}, {"id": 3}, {"id": 4}, {"email": "X@example.com"}], "contacts[3].email", "duplicate of contacts[0]"),
])
def test_input_errors_duplicates(contacts, path, message):
    errors = errors_of("registered", contacts)
    assert {"path": path, "message": message} in errors


def test_input_errors_duplicates_ignore_contacts_without_one_identifier():
    errors = errors_of("registered", [{"id": 1, "email": "a@example.com"}, {"id": 1, "email": "a@example.com"}])
    assert paths(errors) == ["contacts[0]", "contacts[1]"]


def test_input_errors_calendar_checked_in_python():
    # The schema pattern accepts the syntax; the calendar check is Python's.
    errors = errors_of("registered", [{"id": 1, "occurred_at": "2024-02-30T10:00:00Z"}])
    assert paths(errors) == ["contacts[0].occurred_at"]


def test_input_errors_are_sorted_numerically():
    contacts = [{"id": "x"}] * 12
    assert paths(errors_of("registered", contacts)) == ["contacts[%d].id" % i for i in range(12)]


def test_input_errors_batch_size():
    assert paths(errors_of("registered", [], batch_size=0)) == ["batch_size"]
    assert paths(errors_of("registered", [], batch_size=101)) == ["batch_size"]
    assert errors_of("registered", [], batch_size=100) == []


def test_prepare_contacts():
    raw = [
        {"id": 51, "email": None, "occurred_at": None, "joined_at": "2024-06-04T10:00:00Z", "left_at": NOW + 60500,
         "contact_properties": None},
        {"email": " Jane@Example.com ", "occurred_at": "1717495200001", "contact_properties": {"firstname": "Jane", "vip": True, "n": 3}},
    ]
    out = a.prepare_contacts(raw, "attended", 42, defaults={"joined_at": NOW - HOUR, "left_at": NOW})
    assert out[0] == {"index": 0, "id": "51", "email": None, "key": "id:51", "occurred_at": NOW, "joined_at": NOW,
                      "left_at": NOW + 60500, "duration": 60, "contact_properties": {}, "held": None, "occurred_from_clock": False}
    assert out[1]["email"] == "Jane@Example.com"
    assert out[1]["key"] == "email:jane@example.com"
    assert out[1]["occurred_at"] == NOW + 1
    assert (out[1]["joined_at"], out[1]["left_at"], out[1]["duration"]) == (NOW - HOUR, NOW, 3600)
    assert out[1]["contact_properties"] == {"firstname": "Jane", "vip": "true", "n": "3"}


def test_prepare_contacts_sends_no_email_property_beside_the_contact_email():
    raw = [{"email": "Jane@Example.com", "contact_properties": {"Email": " jane@example.com", "firstname": "Jane"}}]
    assert a.prepare_contacts(raw, "registered", NOW)[0]["contact_properties"] == {"firstname": "Jane"}


def test_prepare_contacts_interaction_time_is_stable():
    # Attendees without occurred_at use their join time, never the clock; others the task's occurred_at.
    first = a.prepare_contacts([{"id": 1, "joined_at": NOW, "left_at": NOW + HOUR}], "attended", 1)
    again = a.prepare_contacts([{"id": 1, "joined_at": NOW, "left_at": NOW + HOUR}], "attended", 2)
    assert first[0]["occurred_at"] == again[0]["occurred_at"] == NOW
    assert a.prepare_contacts([{"id": 1}], "registered", 5, defaults={"occurred_at": NOW})[0]["occurred_at"] == NOW
    assert a.prepare_contacts([{"id": 1}], "registered", 5)[0]["occurred_at"] == 5


def test_iso_instant():
    assert a.iso_instant(NOW) == "2024-06-04T10:00:00.000Z"
    assert a.iso_instant(NOW + 1) == "2024-06-04T10:00:00.001Z"
    assert a.iso_instant(a.parse_timestamp("2024-06-04T12:00:00.5+02:00")) == "2024-06-04T10:00:00.500Z"


# ---------------------------------------------------------------------------------------------
# Current state and delta


def participation(cid, email, state):
    return {"contact_id": cid, "email": email, "state": state}


def test_index_participations_by_id_and_email():
    index = a.index_participations([participation("51", "Jane@Example.com", "registered"), participation(None, None, "attended")])
    assert index["id:51"] == index["email:jane@example.com"] == {"state": "registered", "id": "51", "email": "Jane@Example.com",
                                                                 "duration": None}
    assert len(index) == 2


CURRENT_STATES = ["absent", "registered", "attended", "cancelled", "no_show", "empty"]
SATISFIED = {
    ("registered", "registered"), ("registered", "attended"), ("registered", "no_show"),
    ("attended", "attended"),
    ("cancelled", "cancelled"),
}


@pytest.mark.parametrize("desired", ["registered", "attended", "cancelled"])
@pytest.mark.parametrize("current_state", CURRENT_STATES)
@pytest.mark.parametrize("force", [False, True])
def test_compute_delta_every_state_pair(desired, current_state, force):
    contacts = [contact(0, cid="51")]
    current = {} if current_state == "absent" else a.index_participations([participation("51", "j@example.com", current_state)])
    to_write, unchanged = a.compute_delta(contacts, current, desired, force=force)
    if (desired, current_state) in SATISFIED and not force:
        assert to_write == []
        assert unchanged == [{"id": "51", "email": "j@example.com", "current_state": current_state, "reason": a.READ_REASON}]
    else:
        assert unchanged == []
        assert len(to_write) == 1
        assert a.current_state(to_write[0]) == current_state
        assert to_write[0]["key"] == "id:51"


def test_compute_delta_never_demotes_an_attendee():
    current = a.index_participations([participation("1", "a@example.com", "attended"), participation("2", "b@example.com", "no_show")])
    to_write, unchanged = a.compute_delta([contact(0, cid="1"), contact(1, email="B@example.com")], current, "registered")
    assert to_write == []
    assert [u["current_state"] for u in unchanged] == ["attended", "no_show"]


def test_compute_delta_considers_a_repeated_contact_once_and_goes_on():
    contacts = [contact(0, cid="1"), contact(1, cid="2"), contact(2, cid="1"), contact(3, cid="3")]
    to_write, unchanged = a.compute_delta(contacts, {}, "registered")
    assert [c["index"] for c in to_write] == [0, 1, 3] and unchanged == []


def test_compute_delta_finds_email_contacts_case_insensitively_and_keeps_known_ids():
    current = a.index_participations([participation("7", "jane@example.com", "cancelled")])
    to_write, dummy = a.compute_delta([contact(0, email="JANE@example.com")], current, "registered")
    assert a.known(to_write[0], "id") == "7"
    assert a.known(to_write[0], "email") == "JANE@example.com"
    assert a.current_state(to_write[0]) == "cancelled"


def test_compute_delta_duplicates_are_considered_once():
    contacts = [contact(0, cid="1"), contact(1, email="a@example.com"), contact(2, cid="1"), contact(3, email="A@EXAMPLE.COM")]
    to_write, unchanged = a.compute_delta(contacts, {}, "attended")
    assert [c["index"] for c in to_write] == [0, 1]
    assert unchanged == []


def test_compute_delta_empty():
    assert a.compute_delta([], {}, "registered") == ([], [])


# ---------------------------------------------------------------------------------------------
# Chunks and bodies


@pytest.mark.parametrize("count, size, sizes", [
    (0, 100, []),
    (1, 100, [1]),
    (100, 100, [100]),
    (101, 100, [100, 1]),
    (2500, 100, [100] * 25),
    (5, 2, [2, 2, 1]),
    (3, 1, [1, 1, 1]),
])
def test_chunks(count, size, sizes):
    parts = a.chunks(range(count), size)
    assert [len(p) for p in parts] == sizes
    assert [x for p in parts for x in p] == list(range(count))


def test_chunks_refuses_zero():
    with pytest.raises(ValueError):
        a.chunks([1], 0)


def test_write_plan_splits_by_identifier_ids_first():
    contacts = [contact(0, email="a@example.com"), contact(1, cid="1"), contact(2, cid="2"), contact(3, email="b@example.com"),
                contact(4, cid="3")]
    plan = a.write_plan(contacts, 2)
    assert [(chunk.endpoint, [c["index"] for c in chunk]) for chunk in plan] == [
        (a.BY_ID, [1, 2]), (a.BY_ID, [4]), (a.BY_EMAIL, [0, 3])]


def test_build_body_by_id_and_by_email_always_send_property_maps():
    by_id = a.build_body(a.Chunk(a.BY_ID, [contact(0, cid="51", joined_at=NOW, left_at=NOW + HOUR + 7, duration=3600)]))
    assert by_id == {"inputs": [{"vid": 51, "interactionDateTime": NOW, "properties": {
        "joinedAt": "2024-06-04T10:00:00.000Z", "leftAt": "2024-06-04T11:00:00.007Z"}}]}
    by_email = a.build_body(a.Chunk(a.BY_EMAIL, [contact(0, email="a@example.com")]))
    assert by_email == {"inputs": [{"email": "a@example.com", "interactionDateTime": NOW, "properties": {}, "contactProperties": {}}]}


# ---------------------------------------------------------------------------------------------
# Write answers, in the shapes HubSpot sends (CONTRACT.md section 12): results list only what
# changed; errors carry no `in` and no contact in `context`, only the identifier in the message.


def hubspot_error(message, category="VALIDATION_ERROR", sub_category=None):
    entry = {"status": "error", "category": category, "message": message, "context": {}, "errors": [], "links": {}}
    if sub_category:
        entry["subCategory"] = sub_category
    return entry


def buckets(placed):
    out = {}
    for bucket, contact, entry in placed:
        out.setdefault(bucket, []).append((contact["index"], entry))
    return out


def indexes(placed, bucket):
    return [index for index, dummy in buckets(placed).get(bucket, [])]


def test_answer_listing_every_input_records_them():
    chunk = [contact(0, cid="51"), contact(1, cid="52", held={"email": "k@example.com"})]
    placed = a.map_batch_response(a.Chunk(a.BY_ID, chunk), {"status": "COMPLETE", "results": [{"vid": 52}, {"vid": 51}], "numErrors": 0, "errors": []},
                                  "registered")
    assert [entry for dummy, entry in buckets(placed)["recorded"]] == [
        {"id": "51", "email": None, "state": "registered"}, {"id": "52", "email": "k@example.com", "state": "registered"}]


def test_answer_without_an_input_means_it_was_already_held():
    chunk = [contact(0, cid="51"), contact(1, email="Held@Example.com")]
    placed = a.map_batch_response(a.Chunk(a.BY_ID, chunk), {"results": [{"vid": 51}], "numErrors": 0, "errors": []}, "attended")
    assert indexes(placed, "recorded") == [0]
    assert buckets(placed)["unchanged"] == [(1, {"id": None, "email": "Held@Example.com", "current_state": "attended",
                                                 "reason": a.NO_OP_REASON})]


@pytest.mark.parametrize("status, open_reason", [
    ("COMPLETE", None),
    ("complete", None),
    (None, None),  # HubSpot's schema requires it; an answer without it is read by its results
    ("PENDING", "status 'PENDING', not COMPLETE"),
    ("PROCESSING", "status 'PROCESSING', not COMPLETE"),
    ("CANCELED", "status 'CANCELED', not COMPLETE"),
    (7, "status of type int, not COMPLETE"),
])
def test_an_unfinished_batch_answer_leaves_its_contacts_unconfirmed(status, open_reason):
    chunk = [contact(0, cid="51"), contact(1, cid="52"), contact(2, cid="53")]
    error = {"status": "error", "category": "VALIDATION_ERROR", "message": "refused for contact 53", "context": {"vid": ["53"]}}
    body = {"results": [{"vid": 51}], "numErrors": 1, "errors": [error]}
    if status is not None:
        body["status"] = status
    placed = a.map_batch_response(a.Chunk(a.BY_ID, chunk), body, "registered")
    assert indexes(placed, "batch_errors") == [2]  # a refusal is final whatever the status
    if open_reason is None:
        assert indexes(placed, "recorded") == [0] and indexes(placed, "unchanged") == [1]
    else:
        assert indexes(placed, "unconfirmed") == [0, 1]
        assert all(open_reason in entry["reason"] for dummy, entry in buckets(placed)["unconfirmed"])


def test_answer_matches_emails_ignoring_case():
    chunk = [contact(0, email="Ada@Example.com")]
    placed = a.map_batch_response(a.Chunk(a.BY_EMAIL, chunk), {"results": [{"email": "ada@example.com", "vid": 1001}]}, "registered")
    assert buckets(placed)["recorded"] == [(0, {"id": "1001", "email": "ada@example.com", "state": "registered"})]


def test_error_attributed_by_the_email_in_its_message():
    chunk = [contact(0, email="good@example.com"), contact(1, email="bad@example.com"), contact(2, email="held@example.com")]
    error = hubspot_error("joinedAt param must be earlier than leftAt for `bad@example.com`",
                          sub_category="AttendanceValidationError.JOINED_AT_IS_LATER_THAN_LEFT_AT_FOR_EMAIL")
    body = {"results": [{"email": "good@example.com", "vid": 1}], "numErrors": 1, "errors": [error], "correlationId": "c-1"}
    placed = a.map_batch_response(a.Chunk(a.BY_EMAIL, chunk), body, "attended")
    assert indexes(placed, "recorded") == [0]
    assert indexes(placed, "unchanged") == [2]
    assert buckets(placed)["batch_errors"] == [(1, {
        "contact": {"index": 1, "email": "bad@example.com"}, "status": "error", "category": "VALIDATION_ERROR",
        "sub_category": "AttendanceValidationError.JOINED_AT_IS_LATER_THAN_LEFT_AT_FOR_EMAIL",
        "message": "joinedAt param must be earlier than leftAt for `bad@example.com`", "correlation_id": "c-1"})]


def test_error_attributed_by_the_vid_in_its_message_and_not_by_a_longer_number():
    chunk = [contact(0, cid="12"), contact(1, cid="123")]
    error = hubspot_error("Contact with vid 123 does not exist", "OBJECT_NOT_FOUND")
    placed = a.map_batch_response(a.Chunk(a.BY_ID, chunk), {"results": [{"vid": 12}], "errors": [error]}, "attended")
    assert indexes(placed, "recorded") == [0]
    assert buckets(placed)["batch_errors"][0][1]["contact"] == {"index": 1, "id": "123"}


def test_email_in_message_does_not_match_a_longer_address():
    chunk = [contact(0, email="a@b.co"), contact(1, email="x@b.com")]
    placed = a.map_batch_response(a.Chunk(a.BY_EMAIL, chunk), {"results": [], "errors": [hubspot_error("Invalid email `a@b.com`.")]}, "registered")
    # Neither input is named: the one error cannot be placed, so neither contact is known.
    assert indexes(placed, "unconfirmed") == [0, 1]
    assert "without naming the contact" in buckets(placed)["unconfirmed"][0][1]["reason"]


def test_error_attributed_by_elimination():
    chunk = [contact(0, cid="1"), contact(1, cid="2")]
    placed = a.map_batch_response(a.Chunk(a.BY_ID, chunk), {"results": [{"vid": 1}], "errors": [hubspot_error("something about the input")]},
                                  "cancelled")
    assert indexes(placed, "recorded") == [0]
    assert buckets(placed)["batch_errors"][0][1]["contact"] == {"index": 1, "id": "2"}


def test_unattributable_error_leaves_the_open_inputs_unconfirmed():
    # Two inputs neither listed nor named, one error: one of them failed, the other was held. Which is unknown.
    chunk = [contact(0, cid="1"), contact(1, cid="2"), contact(2, cid="3")]
    placed = a.map_batch_response(a.Chunk(a.BY_ID, chunk), {"results": [{"vid": 1}], "numErrors": 1, "errors": ["plain string error"]},
                                  "attended")
    assert indexes(placed, "recorded") == [0]
    assert indexes(placed, "unconfirmed") == [1, 2]
    assert "plain string error" in buckets(placed)["unconfirmed"][0][1]["reason"]
    assert "recorded" not in [b for b, c, e in placed if c["index"] in (1, 2)]


def test_declared_errors_without_details_leave_open_inputs_unconfirmed():
    placed = a.map_batch_response(a.Chunk(a.BY_ID, [contact(0, cid="1"), contact(1, cid="2")]), {"numErrors": 2, "results": []}, "attended")
    assert indexes(placed, "unconfirmed") == [0, 1]


def test_in_and_context_keys_are_still_honoured_when_present():
    chunk = [contact(10, cid="1"), contact(11, cid="2"), contact(12, email="c@example.com")]
    error = dict(hubspot_error("nope"), errors=[{"message": "nope", "in": "inputs[1].vid"}])
    placed = a.map_batch_response(a.Chunk(a.BY_ID, chunk[:2]), {"results": [{"vid": 1}], "errors": [error]}, "cancelled")
    assert buckets(placed)["batch_errors"][0][1]["contact"] == {"index": 11, "id": "2"}
    error = dict(hubspot_error("nope"), context={"email": ["C@example.com"]})
    placed = a.map_batch_response(a.Chunk(a.BY_EMAIL, chunk[2:]), {"results": [], "errors": [error]}, "registered")
    assert buckets(placed)["batch_errors"][0][1]["contact"] == {"index": 12, "email": "c@example.com"}


def test_a_lone_result_under_another_id_pairs_with_the_lone_input():
    # HubSpot answers with a merged contact's id: one result, one input left: that is the pair.
    placed = a.map_batch_response(a.Chunk(a.BY_ID, [contact(0, cid="1"), contact(1, cid="2")]), {"results": [{"vid": 1}, {"vid": 20}]}, "attended")
    assert [e["id"] for dummy, e in buckets(placed)["recorded"]] == ["1", "20"]


def test_results_under_other_ids_that_do_not_pair_leave_inputs_unconfirmed():
    chunk = [contact(0, cid="1"), contact(1, cid="2"), contact(2, cid="3")]
    placed = a.map_batch_response(a.Chunk(a.BY_ID, chunk), {"results": [{"vid": 20}]}, "attended")
    assert indexes(placed, "unconfirmed") == [0, 1, 2]


@pytest.mark.parametrize("body", [None, [], {"status": "COMPLETE"}, {"results": "ab"}, {"results": None}])
def test_answer_without_a_results_list_confirms_nothing(body):
    placed = a.map_batch_response(a.Chunk(a.BY_ID, [contact(0, cid="1"), contact(1, cid="2")]), body, "attended")
    assert indexes(placed, "unconfirmed") == [0, 1]


def test_no_op_after_a_retry_that_may_have_been_applied_is_unconfirmed():
    placed = a.map_batch_response(a.Chunk(a.BY_ID, [contact(0, cid="1"), contact(1, cid="2")]), {"results": [{"vid": 2}]}, "attended",
                                  retried_after_sending=True)
    assert indexes(placed, "recorded") == [1]
    assert indexes(placed, "unconfirmed") == [0]


def test_every_contact_is_placed_exactly_once():
    chunk = [contact(i, cid=str(i + 1)) for i in range(6)]
    body = {"results": [{"vid": 1}, {"vid": 3}, "junk"], "numErrors": 2,
            "errors": [hubspot_error("Contact with vid 2 does not exist"), hubspot_error("?")]}
    placed = a.map_batch_response(a.Chunk(a.BY_ID, chunk), body, "attended")
    assert sorted(c["index"] for dummy, c, e in placed) == list(range(6))


def test_holds_compares_attendance_durations():
    entry = {"state": "attended", "duration": 3600}
    assert a.holds(entry, contact(0, cid="1", duration=3600), "attended")
    assert not a.holds(entry, contact(0, cid="1", duration=3720), "attended")
    assert a.holds(entry, contact(0, cid="1"), "registered")
    assert not a.holds(None, contact(0, cid="1"), "registered")


def test_compute_delta_rewrites_an_attendee_with_another_duration():
    current = a.index_participations([{"contact_id": "1", "email": None, "state": "attended", "attendance_duration_seconds": 3600},
                                      {"contact_id": "2", "email": None, "state": "attended", "attendance_duration_seconds": 60}])
    to_write, unchanged = a.compute_delta([contact(0, cid="1", duration=3600), contact(1, cid="2", duration=3600)], current, "attended")
    assert [u["id"] for u in unchanged] == ["1"]
    assert [(c["index"], a.current_state(c)) for c in to_write] == [(1, "attended (60 s)")]


def test_contacts_message():
    errors = [{"contact": {"index": i, "id": str(i)}, "status": "error", "category": "OBJECT_NOT_FOUND", "message": "m%d" % i}
              for i in range(5)]
    message = a.contacts_message(errors, 10, "failed")
    assert message.startswith("5 of 10 contacts to write failed: contacts[0] (0): m0 (OBJECT_NOT_FOUND); contacts[1] (1)")
    assert message.endswith("; and 2 more")
    unconfirmed = [{"index": 4, "email": "a@example.com", "reason": "no readable answer"}]
    assert a.contacts_message(unconfirmed, 9, "unconfirmed") == "1 of 9 contacts to write unconfirmed: contacts[4] (a@example.com): no readable answer"


def test_would_record_uses_known_identifiers():
    out = a.would_record([contact(0, email="a@example.com", held={"id": "5"}), contact(1, cid="6", held={})], "attended")
    assert out == [{"id": "5", "email": "a@example.com", "state": "attended"}, {"id": "6", "email": None, "state": "attended"}]


# ---------------------------------------------------------------------------------------------
# Diff


def test_build_diff_only_written_contacts_and_their_states():
    to_write = [contact(0, cid="1", held={}), contact(1, email="B@example.com", held={"state": "registered"}),
                contact(2, cid="3", held={"state": "cancelled"})]
    diff = a.build_diff(to_write, {"id:1", "email:b@example.com"}, "attended")
    assert diff == {"before": {"1": "absent", "B@example.com": "registered", "3": "cancelled"},
                    "after": {"1": "attended", "B@example.com": "attended", "3": "cancelled"}}


def test_build_diff_shows_attendance_durations():
    to_write = [contact(0, cid="1", duration=3720, held={"state": "attended", "duration": 3600})]
    assert a.build_diff(to_write, {"id:1"}, "attended") == {"before": {"1": "attended (3600 s)"}, "after": {"1": "attended (3720 s)"}}


def test_build_diff_summarises_past_the_limit():
    to_write = [contact(i, cid=str(i + 1)) for i in range(5)]
    diff = a.build_diff(to_write, set(c["key"] for c in to_write), "registered", limit=2)
    assert diff["before"] == {"1": "absent", "2": "absent", "(more)": "3 more contacts not shown"}
    assert diff["after"] == {"1": "registered", "2": "registered", "(more)": "3 more contacts not shown"}


@pytest.mark.parametrize("errors", [5, True, "one text", {"message": "a dict, not a list"}, [{"message": 7}], [{"message": None, "errors": 3}],
                                    [{"message": {"text": "x"}, "errors": [{"message": ["y"]}]}], [{"errors": "z", "context": "w", "in": 4}]])
def test_an_answer_whose_errors_are_misshapen_places_every_contact_once(errors):
    # Row 13 of the contract: error bodies vary. No shape of ``errors`` may raise (a traceback after the
    # writes were sent would lose every bucket) or confirm a contact the answer does not list.
    chunk = [contact(0, cid="1"), contact(1, cid="2"), contact(2, cid="3")]
    placed = a.map_batch_response(a.Chunk(a.BY_ID, chunk), {"results": [{"vid": 1}], "errors": errors}, "attended")
    assert sorted(c["index"] for dummy, c, e in placed) == [0, 1, 2]
    assert indexes(placed, "recorded") == [0]
    assert "unchanged" not in [b for b, c, e in placed]


def test_a_message_that_is_not_text_names_no_contact():
    # {"message": 7} must not blame contact 7, nor leave the other unlisted input "unchanged".
    chunk = [contact(0, cid="1"), contact(1, cid="7"), contact(2, cid="8")]
    placed = a.map_batch_response(a.Chunk(a.BY_ID, chunk), {"results": [{"vid": 1}], "errors": [{"message": 7}]}, "attended")
    assert indexes(placed, "recorded") == [0]
    assert indexes(placed, "unconfirmed") == [1, 2]


def test_an_error_told_only_in_its_plain_string_details_is_attributed_by_them():
    chunk = [contact(0, email="a@b.com"), contact(1, email="c@d.com"), contact(2, email="e@f.com")]
    error = {"message": "", "errors": [3, "joinedAt param must be earlier than leftAt for `a@b.com`"]}
    placed = a.map_batch_response(a.Chunk(a.BY_EMAIL, chunk), {"results": [{"email": "c@d.com"}], "errors": [error]}, "attended")
    assert buckets(placed)["batch_errors"][0][1]["message"] == "joinedAt param must be earlier than leftAt for `a@b.com`"
    assert indexes(placed, "batch_errors") == [0]
    assert indexes(placed, "recorded") == [1]
    assert indexes(placed, "unchanged") == [2]


@pytest.mark.parametrize("declared", [10 ** 6, 10 ** 12])
def test_a_huge_error_count_counts_no_more_than_the_inputs(declared):
    # ... and still counts: the inputs it does not list are not "unchanged".
    chunk = [contact(0, cid="1"), contact(1, cid="2"), contact(2, cid="3")]
    placed = a.map_batch_response(a.Chunk(a.BY_ID, chunk), {"results": [{"vid": 1}], "numErrors": declared, "errors": []}, "attended")
    assert indexes(placed, "unconfirmed") == [1, 2]
    assert "reported 3 error(s) without naming the contact" in buckets(placed)["unconfirmed"][0][1]["reason"]


@pytest.mark.parametrize("contact_id", [" 51 ", "5_1", "\u0665\u0661", 51.0, True])
def test_a_read_contact_id_that_is_not_a_whole_number_of_ascii_digits_names_no_contact(contact_id):
    # int() reads all of these as 51: a misread id would report contact 51 as already holding the state.
    index = a.index_participations([{"state": "attended", "contact_id": contact_id, "email": None}])
    assert index == {}


def test_a_read_contact_id_of_digits_names_the_contact():
    assert set(a.index_participations([{"state": "registered", "contact_id": "51", "email": "Ada@Example.com"}])) == {
        "id:51", "email:ada@example.com"}
    assert set(a.index_participations([{"state": "registered", "contact_id": 51, "email": None}])) == {"id:51"}


@pytest.mark.parametrize("duration, held", [(3600, True), (3600.0, True), (True, False), ("3600", False), (None, False)])
def test_an_attendee_holds_the_state_only_with_the_duration_asked(duration, held):
    contact = {"duration": 3600} if duration is not True else {"duration": 1}
    assert a.holds({"state": "attended", "duration": duration}, contact, "attended") is held
