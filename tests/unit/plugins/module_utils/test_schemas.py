# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The attendance input schemas, through the shared validator: every error names its field path."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from unittest.mock import Mock

import pytest
from jsonschema import Draft202012Validator

from ansible_collections.hubspot.marketing.plugins.module_utils import _schemas as s
from ansible_collections.hubspot.marketing.plugins.module_utils import _validation
from ansible_collections.hubspot.marketing.plugins.module_utils._validation import schema_errors

STATES = ["registered", "attended", "cancelled"]


def errors_of(contacts, state="registered", batch_size=100):
    return schema_errors({"batch_size": batch_size, "contacts": contacts}, s.ATTENDANCE_SCHEMAS[state])


@pytest.mark.parametrize("state", STATES)
def test_schemas_are_valid_draft_2020_12(state):
    Draft202012Validator.check_schema(s.ATTENDANCE_SCHEMAS[state])


def test_schemas_are_built_once(monkeypatch):
    """Each schema is checked and compiled into a validator once, then reused by every later validation."""
    assert set(s.ATTENDANCE_SCHEMAS) == set(STATES)
    counting = Mock(wraps=Draft202012Validator)
    monkeypatch.setattr(_validation, "Draft202012Validator", counting)
    monkeypatch.setattr(_validation, "_VALIDATORS", {})
    for contacts in ([{"id": 1}], [{"email": "x"}], [{"id": 1}, {"id": 2, "email": "a@b.io"}]):
        for state in STATES:
            schema_errors({"batch_size": 100, "contacts": contacts}, s.ATTENDANCE_SCHEMAS[state])
    assert counting.check_schema.call_count == len(STATES)
    assert counting.call_count == len(STATES)
    schema = s.ATTENDANCE_SCHEMAS["registered"]
    assert _validation._validator(schema) is _validation._validator(schema)


@pytest.mark.parametrize("state", STATES)
def test_good_contacts(state):
    contacts = [{"id": 1}, {"id": "9223372036854775807"}, {"email": "a@example.com", "contact_properties": {"firstname": "A", "n": 1}},
                {"email": "b@example.com", "occurred_at": 0}, {"id": 2, "occurred_at": "2024-06-04T10:00:00.123+02:00"},
                {"id": 3, "occurred_at": "1717495200000"}]
    assert errors_of(contacts, state) == []


@pytest.mark.parametrize("contact, path, message", [
    ({}, "contacts[0]", "needs exactly one of id or email"),
    ({"id": 1, "email": "a@example.com"}, "contacts[0]", "needs exactly one of id or email"),
    ({"id": 0}, "contacts[0].id", "must be a HubSpot contact id"),
    ({"id": -5}, "contacts[0].id", "must be a HubSpot contact id"),
    ({"id": "012"}, "contacts[0].id", "must be a HubSpot contact id"),
    ({"id": "12a"}, "contacts[0].id", "must be a HubSpot contact id"),
    ({"id": True}, "contacts[0].id", "must be a HubSpot contact id"),
    ({"id": 1.5}, "contacts[0].id", "must be a HubSpot contact id"),
    ({"email": "not-an-email"}, "contacts[0].email", "'not-an-email' is not a valid email"),
    ({"email": "a@b"}, "contacts[0].email", "is not a valid email"),
    ({"email": "x" * 250 + "@a.com"}, "contacts[0].email", "must be at most 254 characters long"),
    ({"email": 5}, "contacts[0].email", "must be of type string"),
    ({"id": 1, "occurred_at": "yesterday"}, "contacts[0].occurred_at", "must be epoch milliseconds"),
    ({"id": 1, "occurred_at": -1}, "contacts[0].occurred_at", "must be epoch milliseconds"),
    ({"id": 1, "occurred_at": 1.5}, "contacts[0].occurred_at", "must be epoch milliseconds"),
    ({"id": 1, "occurred_at": "2024-06-04T10:00:00"}, "contacts[0].occurred_at", "has no UTC offset"),
    ({"id": 1, "occurred_at": s.MAX_EPOCH_MS + 1}, "contacts[0].occurred_at", "must be epoch milliseconds"),
    ({"id": 1, "contact_properties": {"firstname": "A"}}, "contacts[0].contact_properties", "only allowed for contacts given by email"),
    ({"email": "a@example.com", "contact_properties": {"": "x"}}, "contacts[0].contact_properties", "property names must have"),
    ({"email": "a@example.com", "contact_properties": {"f": "x" * (s.MAX_PROPERTY_VALUE_LENGTH + 1)}},
     "contacts[0].contact_properties.f", "must be at most 65536 characters long"),
    ({"email": "a@example.com", "contact_properties": {"f": ["list"]}}, "contacts[0].contact_properties.f", "must be of type"),
    ({"email": "a@example.com", "contact_properties": dict(("p%d" % i, "v") for i in range(s.MAX_CONTACT_PROPERTIES + 1))},
     "contacts[0].contact_properties", "must have at most 200 keys"),
    ({"id": 1, "unknown": 1}, "contacts[0].unknown", "is not allowed here"),
])
def test_contact_errors(contact, path, message):
    errors = errors_of([contact])
    assert any(e["path"] == path and message in e["message"] for e in errors), errors


def test_error_paths_use_the_contact_index():
    errors = errors_of([{"id": 1}, {"id": 2}, {"id": 3}, {"email": "x"}])
    assert errors == [{"path": "contacts[3].email", "message": "'x' is not a valid email"}]


@pytest.mark.parametrize("state", ["registered", "cancelled"])
def test_attendance_times_only_with_attended(state):
    errors = errors_of([{"id": 1, "joined_at": 1, "left_at": 2}], state)
    message = "is only allowed with state attended (HubSpot keeps join and leave times only for attendance)"
    assert errors == [{"path": "contacts[0].joined_at", "message": message}, {"path": "contacts[0].left_at", "message": message}]


def test_attended_times():
    assert errors_of([{"id": 1, "joined_at": 1, "left_at": "2024-06-04T10:00:00Z"}], "attended") == []
    errors = errors_of([{"id": 1, "joined_at": "later", "properties": {"joinedAt": "1"}}], "attended")
    assert {"path": "contacts[0].properties",
            "message": "is not allowed here (allowed: contact_properties, email, id, joined_at, left_at, occurred_at)"} in errors
    assert any(e["path"] == "contacts[0].joined_at" and "RFC 3339" in e["message"] for e in errors)


@pytest.mark.parametrize("batch_size, ok", [(0, False), (1, True), (100, True), (101, False)])
def test_batch_size(batch_size, ok):
    errors = errors_of([], batch_size=batch_size)
    assert (errors == []) is ok
    if not ok:
        assert errors[0]["path"] == "batch_size"


def test_contacts_size_limit_is_declared():
    for state in STATES:
        assert s.ATTENDANCE_SCHEMAS[state]["properties"]["contacts"]["maxItems"] == s.MAX_CONTACTS == 100000


def test_contacts_size_limit_message():
    # A copy with a small limit exercises the same rendering without validating 100,001 contacts.
    import copy
    schema = copy.deepcopy(s.ATTENDANCE_SCHEMAS["registered"])
    schema["properties"]["contacts"]["maxItems"] = 2
    errors = schema_errors({"contacts": [{"id": 1}, {"id": 2}, {"id": 3}]}, schema)
    assert errors == [{"path": "contacts", "message": "must have at most 2 items, got 3"}]


def test_values_are_quoted_short():
    errors = errors_of([{"email": "y" * 500}])
    assert all(len(e["message"]) < 120 for e in errors)
