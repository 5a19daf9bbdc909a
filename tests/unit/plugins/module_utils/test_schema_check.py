# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The compiled yes/no check (``_schema_check``) gives jsonschema's verdict on the collection's schemas.

It only decides whether jsonschema needs to run: a "valid" where jsonschema finds an error would let
bad input through, so every case below compares the two verdicts on the same instance.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.hubspot.marketing.plugins.module_utils import _schema_check
from ansible_collections.hubspot.marketing.plugins.module_utils._attendance import input_errors
from ansible_collections.hubspot.marketing.plugins.module_utils._schemas import ATTENDANCE_SCHEMAS, MAX_EPOCH_MS, MAX_WRITE_CONCURRENCY
from ansible_collections.hubspot.marketing.plugins.module_utils._validation import format_checker_of, schema_errors

STATES = sorted(ATTENDANCE_SCHEMAS)
KEYS = ["id", "email", "occurred_at", "joined_at", "left_at", "contact_properties", "other"]

VALUES = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-2, max_value=2 ** 64), st.sampled_from([0, 1, MAX_EPOCH_MS, MAX_EPOCH_MS + 1, 2 ** 63 - 1, 2 ** 63]),
    st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([1.0, 1.5, 1717495200000.0]),
    st.sampled_from(["", "12", "0", "012", "1717495200000", "9" * 16, "9223372036854775808", "a@b.co", "A@Example.COM",
                     "a@b", "a b@c.de", "x" * 300 + "@e.com", "2024-06-04T10:00:00Z", "2024-06-04t10:00:00.5+02:00",
                     "2024-13-04T10:00:00Z", "2024-02-30T10:00:00Z", "2024-06-04 10:00:00Z", "2024-06-04T10:00:00",
                     "\u00e9l\u00e8ve@\u00e9cole.fr", "a@b.c\n"]),
    st.text(max_size=12),
    st.dictionaries(st.sampled_from(["firstname", "", "x" * 257, "lastname"]),
                    st.one_of(st.text(max_size=3), st.integers(), st.booleans(), st.none(), st.lists(st.integers(), max_size=1)),
                    max_size=3),
    st.lists(st.integers(), max_size=2),
)
CONTACTS = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=5)
INSTANCES = st.fixed_dictionaries(
    {"batch_size": st.one_of(st.sampled_from([0, 1, 100, 101]), VALUES),
     "contacts": st.lists(st.one_of(CONTACTS, VALUES), max_size=3)},
    optional={"joined_at": VALUES, "left_at": VALUES, "occurred_at": VALUES,
              "verify_timeout": st.one_of(st.sampled_from([0, 1, 3600, 3601]), VALUES),
              "write_concurrency": st.one_of(st.sampled_from([0, 1, MAX_WRITE_CONCURRENCY, MAX_WRITE_CONCURRENCY + 1]), VALUES)},
)


def _verdicts(state, instance):
    schema = ATTENDANCE_SCHEMAS[state]
    return _schema_check.accepts(schema, instance, format_checker_of(schema)), not schema_errors(instance, schema)


@pytest.mark.parametrize("state", STATES)
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instance=INSTANCES)
def test_same_verdict_as_jsonschema(state, instance):
    fast, full = _verdicts(state, instance)
    assert fast is full


GOOD = [
    {"id": 1}, {"id": "1"}, {"id": 2 ** 63 - 1}, {"email": "a@b.co"}, {"email": "a@b.co", "contact_properties": {"x": 1}},
    {"id": 7, "occurred_at": 1717495200000}, {"email": "a@b.co", "occurred_at": "2024-06-04T10:00:00Z"},
]
BAD = [
    {}, {"id": 1, "email": "a@b.co"}, {"id": 0}, {"id": True}, {"id": "01"}, {"id": 2 ** 63}, {"id": "9223372036854775808"},
    {"email": "a@b"}, {"email": 5}, {"id": 1, "contact_properties": {}}, {"email": "a@b.co", "other": 1},
    {"email": "a@b.co", "occurred_at": "2024-13-01"}, {"email": "a@b.co", "occurred_at": -1},
    {"email": "a@b.co", "contact_properties": {"": "x"}}, {"email": "a@b.co", "contact_properties": {"x": [1]}},
    {"email": "a@b.co", "occurred_at": True}, "a@b.co", None,
]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("contact", GOOD)
def test_good_contacts_pass_both(state, contact):
    assert _verdicts(state, {"batch_size": 100, "contacts": [contact]}) == (True, True)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("contact", BAD)
def test_bad_contacts_fail_both(state, contact):
    assert _verdicts(state, {"batch_size": 100, "contacts": [{"id": 5}, contact]}) == (False, False)


def test_attendance_times_only_for_attended():
    instance = {"batch_size": 100, "contacts": [{"id": 5, "joined_at": 1717495200000}]}
    assert _verdicts("attended", instance) == (True, True)
    assert _verdicts("registered", instance) == (False, False)


def test_unknown_keyword_means_ask_jsonschema():
    schema = {"type": "object", "dependentRequired": {"a": ["b"]}}
    assert _schema_check.accepts(schema, {"a": 1}, None) is None


def test_invalid_input_still_gets_every_message():
    """The fast check only decides whether jsonschema runs: the messages are jsonschema's, with field paths."""
    errors = input_errors("registered", [{"id": 3}, {"email": "nope"}, {"id": 4, "email": "a@b.co"}])
    paths = [e["path"] for e in errors]
    assert "contacts[1].email" in paths
    assert "contacts[2]" in paths
