# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Behaviour of _attendance that `make mutation` found untested: result buckets, error entries, messages.

Each test here failed against at least one surviving mutant (see hack/mutation.sh).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.hubspot.marketing.plugins.module_utils import _attendance as a

NOW = 1717495200000  # 2024-06-04T10:00:00Z


def prepared(index, cid=None, email=None):
    """A prepared contact (``prepare_contacts``'s shape) with only what the answer mapping reads."""
    return {"index": index, "id": cid, "email": email, "key": a.contact_key(cid, email)}


def placement(chunk, body, endpoint, state="attended"):
    """``{index: (bucket, entry)}`` of ``map_batch_response`` for ``chunk`` (contacts) written through ``endpoint``."""
    return dict((c["index"], (bucket, entry)) for bucket, c, entry in a.map_batch_response(a.Chunk(endpoint, chunk), body, state))


# ---------------------------------------------------------------------------------------------
# Result buckets: errors attributed by `context` and `in` when the message names nobody and
# elimination cannot help (two inputs are left open).


@pytest.mark.parametrize("context", [{"vid": [2]}, {"vid": 2}, {"vid": "2"}])
def test_error_attributed_by_the_vid_in_its_context(context):
    chunk = [prepared(0, cid="1"), prepared(1, cid="2"), prepared(2, cid="3")]
    error = {"message": "rejected", "category": "VALIDATION_ERROR", "context": context}
    placed = placement(chunk, {"results": [], "errors": [error]}, a.BY_ID)
    assert placed[1][0] == a.BATCH_ERRORS
    assert placed[1][1]["contact"] == {"index": 1, "id": "2"}
    assert [placed[i][0] for i in (0, 2)] == [a.UNCHANGED, a.UNCHANGED]


@pytest.mark.parametrize("context", [{"email": ["B@Example.com"]}, {"email": "b@example.com"}])
def test_error_attributed_by_the_email_in_its_context(context):
    chunk = [prepared(0, email="a@example.com"), prepared(1, email="b@example.com"), prepared(2, email="c@example.com")]
    placed = placement(chunk, {"results": [], "errors": [{"message": "rejected", "context": context}]}, a.BY_EMAIL)
    assert [placed[i][0] for i in range(3)] == [a.UNCHANGED, a.BATCH_ERRORS, a.UNCHANGED]
    assert placed[1][1]["contact"] == {"index": 1, "email": "b@example.com"}


@pytest.mark.parametrize("error", [
    {"message": "rejected", "in": "inputs[1].vid"},
    {"message": "rejected", "errors": [{"message": "bad vid", "in": "inputs[1].vid"}]},
    {"message": "rejected", "errors": ["not an object", {"in": "inputs[1]"}]},
])
def test_error_attributed_by_its_input_index(error):
    chunk = [prepared(0, cid="1"), prepared(1, cid="2"), prepared(2, cid="3")]
    placed = placement(chunk, {"results": [], "errors": [error]}, a.BY_ID)
    assert [placed[i][0] for i in range(3)] == [a.UNCHANGED, a.BATCH_ERRORS, a.UNCHANGED]


@pytest.mark.parametrize("error", [
    {"message": "rejected", "in": "inputs[3].vid"},       # one past the chunk
    {"message": "rejected", "in": ["inputs[1]"]},          # not a string
    {"message": "rejected", "context": "vid 2"},           # context not an object
    {"message": "rejected", "context": {"vid": []}},       # an empty list names nobody
    {"message": "rejected", "context": {"vid": True}},     # a boolean is not a vid
])
def test_error_that_names_no_input_leaves_the_open_inputs_unconfirmed(error):
    chunk = [prepared(0, cid="1"), prepared(1, cid="2"), prepared(2, cid="3")]
    placed = placement(chunk, {"results": [{"vid": 1}], "errors": [error]}, a.BY_ID)
    assert [placed[i][0] for i in range(3)] == [a.RECORDED, a.UNCONFIRMED, a.UNCONFIRMED]
    assert placed[1][1]["reason"] == "HubSpot reported 1 error(s) without naming the contact: rejected"


# ---------------------------------------------------------------------------------------------
# batch_errors entries


def test_error_entry_takes_every_field_and_prefers_the_error_s_correlation_id():
    error = {"status": "error", "category": "VALIDATION_ERROR", "subCategory": "X.Y", "message": "bad",
             "correlationId": "from-error"}
    assert a.error_entry(error, {"correlationId": "from-body"}) == {
        "contact": {"index": None}, "status": "error", "category": "VALIDATION_ERROR", "sub_category": "X.Y",
        "message": "bad", "correlation_id": "from-error"}
    assert a.error_entry({"message": "bad"}, {"correlationId": "from-body"})["correlation_id"] == "from-body"


@pytest.mark.parametrize("error, message", [
    ({"errors": [3, {"message": 4}, {"message": "first detail"}, {"message": "second detail"}]}, "first detail; second detail"),
    ({"errors": ["a plain string is a message", {"message": "second detail"}]}, "a plain string is a message; second detail"),
    ({"message": "its own", "errors": ["detail"]}, "its own"),
    ({"errors": [{"in": "inputs[0]"}]}, "rejected by HubSpot"),
    ({}, "rejected by HubSpot"),
    ("plain text", "plain text"),
])
def test_error_entry_message_falls_back_to_the_details_then_a_default(error, message):
    assert a.error_entry(error, {})["message"] == message


# ---------------------------------------------------------------------------------------------
# Messages and diff


def test_contacts_message_names_status_category_and_unplaced_contacts():
    entries = [{"contact": {"index": 2, "id": "7"}, "status": 400, "category": "VALIDATION_ERROR", "message": "bad"},
               {"contact": {"index": None}, "status": "error", "category": None, "message": "odd"},
               {"index": 5, "email": "e@example.com", "reason": "why"}]
    assert a.contacts_message(entries, 9, "failed") == (
        "3 of 9 contacts to write failed: contacts[2] (7): bad (400 VALIDATION_ERROR); a contact: odd; contacts[5] (e@example.com): why")


def test_build_diff_at_exactly_the_limit_lists_every_contact():
    to_write = [dict(prepared(i, cid=str(i + 1)), held={}, duration=None) for i in range(2)]
    diff = a.build_diff(to_write, set(), "registered", limit=2)
    assert diff == {"before": {"1": "absent", "2": "absent"}, "after": {"1": "absent", "2": "absent"}}


# ---------------------------------------------------------------------------------------------
# Input messages (the text users read)


NO_OFFSET = ("has no UTC offset: add Z for UTC or the offset, such as 2024-06-04T10:00:00Z or 2024-06-04T12:00:00+02:00 "
             "(a time without one is not guessed)")


def errors_of(state, contacts, defaults=None):
    return a.input_errors(state, contacts, defaults=defaults, now_ms=NOW)


@pytest.mark.parametrize("value, message", [
    ("2024-02-30T10:00:00Z", "is not a valid date or time (day is out of range for month)"),
    (" 2024-02-30T10:00:00Z ", "is not a valid date or time (day is out of range for month)"),
    ("yesterday", "must be epoch milliseconds (an integer) or an RFC 3339 timestamp such as 2024-06-04T10:00:00Z"),
    (1.5, "must be epoch milliseconds (an integer) or an RFC 3339 timestamp such as 2024-06-04T10:00:00Z"),
    ("2024-06-04T10:00:00", NO_OFFSET),
    (" 2024-06-04 10:00:00.250 ", NO_OFFSET),
    ("2024-06-04T10:00", "must be epoch milliseconds (an integer) or an RFC 3339 timestamp such as 2024-06-04T10:00:00Z"),
    (10 ** 11 - 1, "looks like epoch seconds (99999999999 is before 1973 in milliseconds): give epoch milliseconds "
                   "or an RFC 3339 timestamp"),
])
def test_time_problems_are_worded_for_the_user(value, message):
    # Called directly: through input_errors the schema's own format check answers first for some of these.
    assert a.timestamp_problem(value, NOW) == message


@pytest.mark.parametrize("contacts, defaults, path", [
    ([{"id": 1, "joined_at": "2024-06-04T10:00:00", "left_at": "2024-06-04T11:00:00Z"}], None, "contacts[0].joined_at"),
    ([{"id": 1}], {"joined_at": "2024-06-04T10:00:00Z", "left_at": "2024-06-04T11:00:00"}, "left_at"),
])
def test_a_time_without_its_offset_is_told_so_wherever_it_is_given(contacts, defaults, path):
    # The schema's answer (contacts) and timestamp_problem's (task defaults) say the same sentence.
    assert errors_of("attended", contacts, defaults) == [{"path": path, "message": NO_OFFSET}]


def test_the_first_millisecond_that_is_not_epoch_seconds_is_accepted():
    assert errors_of("registered", [{"id": 1, "occurred_at": 10 ** 11}]) == []


def test_attendance_span_messages():
    missing = errors_of("attended", [{"id": 1, "joined_at": NOW - 5000}])
    assert missing == [{"path": "contacts[0].left_at", "message": (
        "is required with state attended (HubSpot stores no attendance without join and leave times); "
        "give it for the contact or once for the task as left_at")}]
    # The contact's own joined_at against the task's left_at: the contact's field is named.
    assert errors_of("attended", [{"id": 1, "joined_at": NOW - 500}], defaults={"left_at": NOW}) == [
        {"path": "contacts[0].joined_at", "message": "must be at least 1 second before left_at (HubSpot keeps no shorter attendance)"}]
    assert errors_of("attended", [{"id": 1, "joined_at": NOW}], defaults={"left_at": NOW - 1000}) == [
        {"path": "contacts[0].joined_at", "message": "must be earlier than left_at"}]
    assert errors_of("attended", [{"id": 1, "joined_at": NOW - 500, "left_at": NOW}]) == [
        {"path": "contacts[0].left_at", "message": "must be at least 1 second after joined_at (HubSpot keeps no shorter attendance)"}]


def test_boolean_contact_properties_are_sent_as_hubspot_booleans():
    out = a.prepare_contacts([{"email": "a@example.com", "contact_properties": {"yes": True, "no": False}}], "registered", NOW)
    assert out[0]["contact_properties"] == {"yes": "true", "no": "false"}


# ---------------------------------------------------------------------------------------------
# More of the answer mapping


def test_an_error_that_points_at_a_listed_input_is_not_pinned_on_it():
    chunk = [prepared(0, cid="1"), prepared(1, cid="2"), prepared(2, cid="3")]
    placed = placement(chunk, {"results": [{"vid": 1}], "errors": [{"message": "odd", "in": "inputs[0]"}]}, a.BY_ID)
    assert [placed[i][0] for i in range(3)] == [a.RECORDED, a.UNCONFIRMED, a.UNCONFIRMED]


def test_results_that_are_not_objects_are_skipped_not_the_end_of_the_list():
    chunk = [prepared(0, cid="1"), prepared(1, cid="2")]
    placed = placement(chunk, {"results": ["junk", {"vid": 2}, {"vid": 1}]}, a.BY_ID)
    assert [placed[i][0] for i in range(2)] == [a.RECORDED, a.RECORDED]


def test_declared_errors_beyond_the_described_ones_are_counted():
    chunk = [prepared(i, cid=str(i + 1)) for i in range(4)]
    body = {"results": [], "numErrors": 3, "errors": [{"message": "bad", "context": {"vid": [1]}}, "plain"]}
    placed = placement(chunk, body, a.BY_ID)
    assert placed[0][0] == a.BATCH_ERRORS
    assert [placed[i][0] for i in (1, 2, 3)] == [a.UNCONFIRMED] * 3
    assert placed[1][1]["reason"] == (
        "HubSpot reported 2 error(s) without naming the contact: plain; HubSpot counted an error it did not describe")


def test_open_reasons_quote_at_most_three_errors_and_count_foreign_results():
    chunk = [prepared(i, cid=str(i + 1)) for i in range(2)]
    placed = placement(chunk, {"results": [], "errors": ["ea", "eb", "ec", "ed"]}, a.BY_ID)
    assert placed[0][1]["reason"] == "HubSpot reported 4 error(s) without naming the contact: ea; eb; ec"
    placed = placement(chunk, {"results": [{"vid": 7}, {"vid": 8}]}, a.BY_ID)
    assert placed[0][1]["reason"] == "HubSpot listed 2 result(s) under identifiers not in this request"
    placed = placement(chunk, {"status": "COMPLETE"}, a.BY_ID)
    assert placed[0][1] == {"index": 0, "id": "1",
                            "reason": "HubSpot's answer had no results list, so it does not say what was recorded"}


def test_would_record_falls_back_to_the_known_email():
    assert a.would_record([dict(prepared(0, cid="5"), held={"email": "k@example.com"})], "registered") == [
        {"id": "5", "email": "k@example.com", "state": "registered"}]


def test_a_bad_time_is_reported_alone_without_a_span_error_built_on_it():
    errors = errors_of("attended", [{"id": 1, "joined_at": NOW + 3 * 24 * 3600 * 1000, "left_at": NOW}])
    assert errors == [{"path": "contacts[0].joined_at", "message": "lies more than a day in the future"}]


def test_timestamps_before_1970_and_fifteen_digit_epochs():
    assert a.timestamp_problem("1969-12-31T23:59:59Z", NOW) == "is not a valid date or time (before 1970)"
    assert a.parse_timestamp("1" * 15) == int("1" * 15)


def test_an_error_naming_one_vid_among_several_open_inputs_is_pinned_on_it():
    chunk = [prepared(0, cid="1"), prepared(1, cid="2"), prepared(2, cid="3")]
    placed = placement(chunk, {"results": [], "errors": [{"message": "Contact with vid 2 does not exist"}]}, a.BY_ID)
    assert [placed[i][0] for i in range(3)] == [a.UNCHANGED, a.BATCH_ERRORS, a.UNCHANGED]


@pytest.mark.parametrize("result, entry", [
    ({}, {"id": "7", "email": "k@example.com", "state": "attended"}),
    ({"vid": "abc", "email": 5}, {"id": "7", "email": "k@example.com", "state": "attended"}),
    ({"vid": 9, "email": "r@example.com"}, {"id": "9", "email": "r@example.com", "state": "attended"}),
])
def test_recorded_entry_falls_back_to_what_was_known_of_the_contact(result, entry):
    by_id = dict(prepared(0, cid="7"), held={"email": "k@example.com"})
    assert a.recorded_entry(by_id, result, "attended") == entry
    by_email = dict(prepared(1, email="k@example.com"), held={"id": "7"})
    assert a.recorded_entry(by_email, result, "attended") == entry
