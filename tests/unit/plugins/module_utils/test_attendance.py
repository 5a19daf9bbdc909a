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


def contact(index, cid=None, email=None, **extra):
    out = {"index": index, "id": cid, "email": email, "key": a.contact_key(cid, email), "occurred_at": NOW,
           "properties": {}, "contact_properties": {}}
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


def test_input_errors_none_for_good_input():
    contacts = [
        {"id": 1, "email": None, "occurred_at": None, "properties": None, "contact_properties": None},
        {"id": "2"},
        {"email": "a@example.com", "occurred_at": "2024-06-04T10:00:00Z", "contact_properties": {"firstname": "A"}},
        {"email": "b@example.com", "occurred_at": NOW, "properties": {}},
    ]
    assert a.input_errors("registered", contacts) == []


def test_input_errors_attended_properties():
    good = [{"id": 1, "properties": {"joinedAt": NOW, "leftAt": "2024-06-04T11:00:00Z"}}]
    assert a.input_errors("attended", good) == []
    bad = [{"id": 1, "properties": {"joinedAt": "2024-02-30T10:00:00Z", "leftAt": "soon", "duration": 3}}]
    errors = a.input_errors("attended", bad)
    assert "contacts[0].properties.duration" in paths(errors)
    assert "contacts[0].properties.leftAt" in paths(errors)
    assert "contacts[0].properties.joinedAt" in paths(errors)


@pytest.mark.parametrize("state", ["registered", "cancelled"])
def test_input_errors_properties_only_for_attended(state):
    errors = a.input_errors(state, [{"id": 1, "properties": {"joinedAt": NOW}}])
    assert paths(errors) == ["contacts[0].properties"]
    assert "only state attended" in errors[0]["message"]


@pytest.mark.parametrize("contacts, path, message", [
    ([{"id": 1}, {"id": "1"}], "contacts[1].id", "duplicate of contacts[0]"),
    ([{"id": 7}, {"id": 8}, {"id": 7}], "contacts[2].id", "duplicate of contacts[0]"),
    ([{"email": "Ann@Example.com"}, {"email": "ann@example.COM"}], "contacts[1].email", "duplicate of contacts[0]"),
    ([{"email": "x@example.com"}, {"id": 3}, {"id": 4}, {"email": "X@example.com"}], "contacts[3].email", "duplicate of contacts[0]"),
])
def test_input_errors_duplicates(contacts, path, message):
    errors = a.input_errors("registered", contacts)
    assert {"path": path, "message": message} in errors


def test_input_errors_duplicates_ignore_contacts_without_one_identifier():
    errors = a.input_errors("registered", [{"id": 1, "email": "a@example.com"}, {"id": 1, "email": "a@example.com"}])
    assert paths(errors) == ["contacts[0]", "contacts[1]"]


def test_input_errors_calendar_checked_without_rfc3339_validator(monkeypatch):
    # The schema pattern accepts the syntax; the calendar check is Python's.
    from ansible_collections.hubspot.marketing.plugins.module_utils import _validation
    errors = a.input_errors("registered", [{"id": 1, "occurred_at": "2024-02-30T10:00:00Z"}])
    assert paths(errors) == ["contacts[0].occurred_at"]
    assert _validation.HAS_JSONSCHEMA


def test_input_errors_are_sorted_numerically():
    contacts = [{"id": "x"}] * 12
    assert paths(a.input_errors("registered", contacts)) == ["contacts[%d].id" % i for i in range(12)]


def test_input_errors_batch_size():
    assert paths(a.input_errors("registered", [], batch_size=0)) == ["batch_size"]
    assert paths(a.input_errors("registered", [], batch_size=101)) == ["batch_size"]
    assert a.input_errors("registered", [], batch_size=100) == []


def test_prepare_contacts():
    raw = [
        {"id": 51, "email": None, "occurred_at": None, "properties": {"joinedAt": "2024-06-04T10:00:00Z", "leftAt": NOW + 60000},
         "contact_properties": None},
        {"email": " Jane@Example.com ", "occurred_at": "1717495200001", "contact_properties": {"firstname": "Jane", "vip": True, "n": 3}},
    ]
    out = a.prepare_contacts(raw, "attended", 42)
    assert out[0] == {"index": 0, "id": "51", "email": None, "key": "id:51", "occurred_at": 42,
                      "properties": {"joinedAt": str(NOW), "leftAt": str(NOW + 60000)}, "contact_properties": {}}
    assert out[1]["email"] == "Jane@Example.com"
    assert out[1]["key"] == "email:jane@example.com"
    assert out[1]["occurred_at"] == NOW + 1
    assert out[1]["contact_properties"] == {"firstname": "Jane", "vip": "true", "n": "3"}


def test_prepare_contacts_drops_properties_outside_attended():
    out = a.prepare_contacts([{"id": "1", "properties": {}}], "registered", NOW)
    assert out[0]["properties"] == {}


# ---------------------------------------------------------------------------------------------
# Current state and delta


def participation(cid, email, state):
    return {"contact_id": cid, "email": email, "state": state}


def test_index_participations_by_id_and_email():
    index = a.index_participations([participation("51", "Jane@Example.com", "registered"), participation(None, None, "attended")])
    assert index["id:51"] == index["email:jane@example.com"] == {"state": "registered", "id": "51", "email": "Jane@Example.com"}
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
        assert unchanged == [{"id": "51", "email": "j@example.com", "current_state": current_state}]
    else:
        assert unchanged == []
        assert len(to_write) == 1
        assert to_write[0]["current_state"] == current_state
        assert to_write[0]["key"] == "id:51"


def test_compute_delta_never_demotes_an_attendee():
    current = a.index_participations([participation("1", "a@example.com", "attended"), participation("2", "b@example.com", "no_show")])
    to_write, unchanged = a.compute_delta([contact(0, cid="1"), contact(1, email="B@example.com")], current, "registered")
    assert to_write == []
    assert [u["current_state"] for u in unchanged] == ["attended", "no_show"]


def test_compute_delta_finds_email_contacts_case_insensitively_and_keeps_known_ids():
    current = a.index_participations([participation("7", "jane@example.com", "cancelled")])
    to_write, dummy = a.compute_delta([contact(0, email="JANE@example.com")], current, "registered")
    assert to_write[0]["known_id"] == "7"
    assert to_write[0]["known_email"] == "JANE@example.com"
    assert to_write[0]["current_state"] == "cancelled"


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
    assert [(by_email, [c["index"] for c in chunk]) for by_email, chunk in plan] == [
        (False, [1, 2]), (False, [4]), (True, [0, 3])]


def test_build_body_by_id_and_by_email_always_send_property_maps():
    by_id = a.build_body([contact(0, cid="51", properties={"joinedAt": "1"})], False)
    assert by_id == {"inputs": [{"vid": 51, "interactionDateTime": NOW, "properties": {"joinedAt": "1"}}]}
    by_email = a.build_body([contact(0, email="a@example.com")], True)
    assert by_email == {"inputs": [{"email": "a@example.com", "interactionDateTime": NOW, "properties": {}, "contactProperties": {}}]}


# ---------------------------------------------------------------------------------------------
# Batch answers


def std_error(message, context=None, where=None, category="OBJECT_NOT_FOUND"):
    entry = {"status": "error", "category": category, "message": message, "context": context or {}, "links": {}, "errors": []}
    if where:
        entry["errors"] = [{"message": message, "in": where}]
    return entry


def test_map_batch_response_200_all_recorded():
    chunk = [contact(0, cid="51"), contact(1, cid="52", known_email="k@example.com")]
    body = {"status": "COMPLETE", "results": [{"vid": 52}, {"vid": 51}], "numErrors": 0, "errors": []}
    recorded, errors = a.map_batch_response(chunk, body, "registered", False)
    assert errors == []
    assert recorded == [{"id": "51", "email": None, "state": "registered"},
                        {"id": "52", "email": "k@example.com", "state": "registered"}]


def test_map_batch_response_207_error_by_vid_context():
    chunk = [contact(3, cid="51"), contact(7, cid="99")]
    body = {"status": "COMPLETE", "results": [{"vid": 51}], "numErrors": 1,
            "errors": [std_error("Contact 99 does not exist", {"vid": ["99"]})], "correlationId": "c-1"}
    recorded, errors = a.map_batch_response(chunk, body, "attended", False)
    assert recorded == [{"id": "51", "email": None, "state": "attended"}]
    assert errors == [{"contact": {"index": 7, "id": "99"}, "status": "error", "category": "OBJECT_NOT_FOUND",
                       "message": "Contact 99 does not exist", "correlation_id": "c-1"}]


def test_map_batch_response_error_by_email_context_case_insensitive():
    chunk = [contact(0, email="Good@example.com"), contact(1, email="Bad@Example.com")]
    body = {"results": [{"email": "good@example.com", "vid": 1001}], "numErrors": 1,
            "errors": [std_error("Invalid email", {"email": ["bad@example.com"]}, category="VALIDATION_ERROR")]}
    recorded, errors = a.map_batch_response(chunk, body, "registered", True)
    assert recorded == [{"id": "1001", "email": "good@example.com", "state": "registered"}]
    assert errors[0]["contact"] == {"index": 1, "email": "Bad@Example.com"}
    assert errors[0]["category"] == "VALIDATION_ERROR"


def test_map_batch_response_error_by_input_index_fallback():
    chunk = [contact(10, cid="1"), contact(11, cid="2"), contact(12, cid="3")]
    body = {"results": [{"vid": 1}, {"vid": 3}], "numErrors": 1, "errors": [std_error("nope", {}, "inputs[1].vid")]}
    recorded, errors = a.map_batch_response(chunk, body, "cancelled", False)
    assert [r["id"] for r in recorded] == ["1", "3"]
    assert errors[0]["contact"] == {"index": 11, "id": "2"}


def test_map_batch_response_unknown_context_falls_back_to_index():
    chunk = [contact(0, cid="1"), contact(1, cid="2")]
    body = {"results": [{"vid": 2}], "errors": [std_error("gone", {"vid": ["12345"]}, "inputs[0].vid")]}
    dummy, errors = a.map_batch_response(chunk, body, "attended", False)
    assert errors[0]["contact"] == {"index": 0, "id": "1"}


def test_map_batch_response_error_naming_no_contact():
    chunk = [contact(0, cid="1")]
    body = {"results": [], "errors": [{"status": "error", "message": "", "errors": [{"message": "something broke"}]}]}
    recorded, errors = a.map_batch_response(chunk, body, "attended", False)
    assert errors == [{"contact": {"index": None}, "status": "error", "category": None, "message": "something broke",
                       "correlation_id": None}]
    assert len(recorded) == 1  # the error names no contact: the contact is not known to have failed


def test_map_batch_response_num_errors_without_details():
    dummy, errors = a.map_batch_response([contact(0, cid="1")], {"numErrors": 2, "results": []}, "attended", False)
    assert errors[0]["contact"] == {"index": None}
    assert "2 errors" in errors[0]["message"]


def test_map_batch_response_results_with_other_identifiers_pair_in_order():
    # HubSpot answers with a merged contact's id: attributed in order when results and inputs pair up.
    chunk = [contact(0, cid="1"), contact(1, cid="2")]
    recorded, dummy = a.map_batch_response(chunk, {"results": [{"vid": 1}, {"vid": 20}]}, "attended", False)
    assert [r["id"] for r in recorded] == ["1", "20"]


def test_map_batch_response_email_contact_without_result_has_no_invented_id():
    recorded, dummy = a.map_batch_response([contact(0, email="a@example.com")], {"results": []}, "registered", True)
    assert recorded == [{"id": None, "email": "a@example.com", "state": "registered"}]


def test_map_batch_response_tolerates_garbage():
    recorded, errors = a.map_batch_response([contact(0, cid="1")], None, "attended", False)
    assert errors == [] and recorded[0]["id"] == "1"
    recorded, errors = a.map_batch_response([contact(0, cid="1")], {"results": ["x", {"vid": "abc"}], "errors": ["y"]},
                                            "attended", False)
    assert errors == [] and recorded[0]["id"] == "1"


def test_would_record_uses_known_identifiers():
    out = a.would_record([contact(0, email="a@example.com", known_id="5"), contact(1, cid="6", known_email=None)], "attended")
    assert out == [{"id": "5", "email": "a@example.com", "state": "attended"}, {"id": "6", "email": None, "state": "attended"}]


def test_failure_message():
    errors = [{"contact": {"index": i, "id": str(i)}, "status": "error", "category": "OBJECT_NOT_FOUND", "message": "m%d" % i}
              for i in range(5)]
    errors.append({"contact": {"index": None}, "status": 400, "category": None, "message": "x"})
    message = a.failure_message(errors, 10)
    assert message.startswith("6 of 10 contacts failed: contacts[0] (0): m0 (OBJECT_NOT_FOUND); contacts[1] (1)")
    assert message.endswith("; and 3 more")
    assert a.failure_message(errors[-1:], 1) == "1 of 1 contacts failed: a contact: x (400)"


# ---------------------------------------------------------------------------------------------
# Diff


def test_build_diff_only_written_contacts_and_their_states():
    to_write = [dict(contact(0, cid="1"), current_state="absent"), dict(contact(1, email="B@example.com"), current_state="registered"),
                dict(contact(2, cid="3"), current_state="cancelled")]
    diff = a.build_diff(to_write, {"id:1", "email:b@example.com"}, "attended")
    assert diff == {"before": {"1": "absent", "B@example.com": "registered", "3": "cancelled"},
                    "after": {"1": "attended", "B@example.com": "attended", "3": "cancelled"}}


def test_build_diff_summarises_past_the_limit():
    to_write = [dict(contact(i, cid=str(i + 1)), current_state="absent") for i in range(5)]
    diff = a.build_diff(to_write, set(c["key"] for c in to_write), "registered", limit=2)
    assert diff["before"] == {"1": "absent", "2": "absent", "(more)": "3 more contacts not shown"}
    assert diff["after"] == {"1": "registered", "2": "registered", "(more)": "3 more contacts not shown"}
