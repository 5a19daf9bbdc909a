# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one definition of an email address and of a contact id, as every plugin and filter applies it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.hubspot.marketing.plugins.module_utils._options import contact_error, event_errors
from ansible_collections.hubspot.marketing.plugins.module_utils._schemas import ATTENDANCE_SCHEMAS, CONTACT_ID_MAX
from ansible_collections.hubspot.marketing.plugins.module_utils._validation import (
    contact_id_error,
    contact_identifier_error,
    email_error,
    schema_errors,
)

GOOD_EMAILS = [
    "jane@example.com", "Jane.Doe+tag@sub.example.co.uk", "o'brien@example.ie", "a_b-c@x-y.example",
    u"j\u00f6rg@b\u00fccher.example", "x@example.museum", "1@2.io", "a/b=c?d^e{f}g|h~i@example.com",
]
BAD_EMAILS = [
    ("a\u0000b@x.com", "control"), ("<a@x.com>", "<"), ('a"b,c@x.com', ","), ("a@x..com", "empty part"),
    ("", "empty"), ("a b@x.com", "whitespace"), ("a@b@x.com", "exactly one @"), ("@x.com", "before the @"),
    (".a@x.com", "dot"), ("a.@x.com", "dot"), ("a..b@x.com", "dot"), ("a@x", "dot after the @"), ("a@.x.com", "empty part"),
    ("a@x.com.", "empty part"), ("a@-x.com", "hyphen"), ("a@x-.com", "hyphen"), ("a@x_y.com", "letters, digits and hyphens"),
    ("a@1.2.3.4", "numeric"), ("a@[127.0.0.1]", "letters, digits"), ("a(b)@x.com", "("), ("a\\b@x.com", "\\"),
    ("a;b@x.com", ";"), ("a:b@x.com", ":"), ("a@x.c\u200bom", "control"), ("a\u00a0b@x.com", "whitespace"),
    ("x" * 65 + "@x.com", "1 to 64"), ("a@" + "x" * 64 + ".com", "longer than 63"), ("a@" + "x." * 130 + "com", "at most 254"),
    (["a@x.com"], "got list"), (12, "got int"),
]


@pytest.mark.parametrize("email", GOOD_EMAILS)
def test_good_emails(email):
    assert email_error(email) is None
    assert contact_identifier_error(email) is None
    assert contact_error(email) is None


@pytest.mark.parametrize("email, reason", BAD_EMAILS)
def test_bad_emails(email, reason):
    why = email_error(email)
    assert why and reason in why, why
    if isinstance(email, str):
        assert contact_error(email)


@pytest.mark.parametrize("value", [1, "1", 51, "9223372036854775807", CONTACT_ID_MAX])
def test_good_contact_ids(value):
    assert contact_id_error(value) is None
    assert contact_identifier_error(value) is None


@pytest.mark.parametrize("value", [0, "0", -5, "-5", "01", "9223372036854775808", 9223372036854775808, "1" * 20, "1.0",
                                   True, None, 1.0, [1], u"\u0661"])
def test_bad_contact_ids(value):
    assert contact_id_error(value)
    assert contact_identifier_error(value)


@pytest.mark.parametrize("value, zeros", [("01001", True), (" 007 ", True), ("000", False), ("9" * 20, False), ("-01", False)])
def test_a_contact_id_with_leading_zeros_says_so(value, zeros):
    assert contact_id_error(value).endswith(", without leading zeros") is zeros
    assert contact_identifier_error(value).endswith(", without leading zeros)") is zeros


def test_a_contact_id_with_a_final_newline_is_refused():
    # as an identifier, surrounding spaces are ignored; as a contact id, "1\n" is no id
    assert contact_id_error("1\n") and contact_identifier_error("1\n") is None


def test_the_schema_holds_string_ids_to_the_integer_bound():
    """The string form of an id was capped only by its digit count (19 digits pass), the integer form at 2**63-1."""
    for contact_id in ("9223372036854775808", 9223372036854775808):
        errors = schema_errors({"contacts": [{"id": contact_id}]}, ATTENDANCE_SCHEMAS["registered"])
        assert [e["path"] for e in errors] == ["contacts[0].id"], errors
        assert "up to %d" % CONTACT_ID_MAX in errors[0]["message"]
    assert schema_errors({"contacts": [{"id": "9223372036854775807"}, {"id": CONTACT_ID_MAX}]}, ATTENDANCE_SCHEMAS["registered"]) == []


@pytest.mark.parametrize("email, reason", [e for e in BAD_EMAILS if isinstance(e[0], str) and e[0]])
def test_the_schema_uses_the_same_email_rule(email, reason):
    errors = schema_errors({"contacts": [{"email": email}]}, ATTENDANCE_SCHEMAS["registered"])
    assert set(e["path"] for e in errors) == set(["contacts[0].email"]), (email, errors)


@pytest.mark.parametrize("email", GOOD_EMAILS)
def test_the_schema_accepts_good_emails(email):
    assert schema_errors({"contacts": [{"email": email}]}, ATTENDANCE_SCHEMAS["registered"]) == []


@pytest.mark.parametrize("name", ["external_event_id", "external_account_id"])
@pytest.mark.parametrize("value", [".", ".."])
def test_dot_segments_are_refused_naming_the_field(name, value):
    params = {"external_event_id": "ev", "external_account_id": "acc"}
    params[name] = value
    errors = event_errors(params)
    assert [e["path"] for e in errors] == [name]
    assert "would remove it from the request path" in errors[0]["message"]


@pytest.mark.parametrize("value", ["...", ".hidden", "a/../b", "%2e%2e", "webinar 2024/06"])
def test_other_external_ids_survive(value):
    assert event_errors({"external_event_id": value, "external_account_id": "acc"}) == []


def test_an_unusable_token_is_replaced_in_the_options():
    """A module's failure echoes its options; a token inside a dict arrives as that dict's text and must not be echoed."""
    from ansible_collections.hubspot.marketing.plugins.module_utils._options import TOKEN_PLACEHOLDER, auth_errors
    secret = "pat-na1-validation-secret-42"
    params = {"access_token": "{'token': '%s'}" % secret, "base_url": "https://api.hubapi.com", "timeout": 30, "max_retries": 5}
    errors = auth_errors(params)
    assert [e["path"] for e in errors] == ["access_token"]
    assert params["access_token"] == TOKEN_PLACEHOLDER
    assert secret not in str(errors)
    good = {"access_token": secret, "base_url": "https://api.hubapi.com", "timeout": 30, "max_retries": 5}
    assert auth_errors(good) == [] and good["access_token"] == secret
