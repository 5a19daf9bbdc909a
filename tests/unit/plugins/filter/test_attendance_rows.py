# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.hubspot.marketing.plugins.module_utils._attendance import input_errors
from ansible_collections.hubspot.marketing.plugins.filter.attendance_rows import (
    FilterModule,
    attendance_rows,
    parse_timestamp,
)

CSV = (
    "email,contact_id,status,joined_at,left_at\n"          # line 1
    "ada@example.com,,Attended,2026-03-01T10:00:00Z,2026-03-01T12:00:00+01:00\n"  # 2
    ",101,registered,,\n"                                   # 3
    "grace@example.com,,cancelled,,\n"                      # 4
    ",,attended,,\n"                                        # 5: no identifier
    "\n"                                                    # 6: blank, skipped
    "alan@example.com,,maybe,,\n"                           # 7: unknown status
    "edsger@example.com,,attended,yesterday,1772362800000\n"  # 8: bad timestamp
    "\"multi\nline@example.com\",,attended,,\n"             # 9-10: invalid email spanning two lines
    "ada@example.com,,registered,,\n"                       # 11: duplicate
    "barbara@example.com,,attended,1772359200000,1772362800000\n"  # 12
    "too,many,fields,here,now,extra\n"                      # 13
)


def test_registered_as_filter():
    assert FilterModule().filters()['attendance_rows'] is attendance_rows


def test_parse_timestamp_is_the_modules():
    from ansible_collections.hubspot.marketing.plugins.module_utils import _attendance
    assert parse_timestamp is _attendance.parse_timestamp


def test_csv_good_rows_and_contacts():
    out = attendance_rows(CSV)
    assert out['total'] == 10
    assert [(r['line'], r['state']) for r in out['rows']] == [
        (2, 'attended'), (3, 'registered'), (4, 'cancelled'), (12, 'attended')]
    ada = out['rows'][0]['contact']
    assert ada == {'email': 'ada@example.com', 'joined_at': 1772359200000, 'left_at': 1772362800000, 'occurred_at': 1772359200000}
    assert out['rows'][1]['contact'] == {'id': 101}
    assert (out['rows'][1]['id'], out['rows'][1]['email']) == (101, None)
    assert out['rows'][2]['contact'] == {'email': 'grace@example.com'}
    assert out['rows'][3]['contact']['occurred_at'] == 1772359200000


def test_csv_bad_rows_carry_line_numbers():
    out = attendance_rows(CSV)
    bad = {b['line']: b['reason'] for b in out['bad_rows']}
    assert sorted(bad) == [5, 7, 8, 9, 11, 13]
    assert out['bad_rows'][0]['where'] == 'line 5'
    assert 'no identifier' in bad[5]
    assert "unknown status 'maybe'" in bad[7]
    assert "'joined_at': must be epoch milliseconds" in bad[8]
    assert 'invalid email' in bad[9]
    assert 'duplicate contact: the email ada@example.com is also on line 2' in bad[11]
    assert 'row has 6 fields, the header has 5' in bad[13]


@pytest.mark.parametrize('times, reason', [
    ('1772362800000,1772359200000', "'left_at': must be later than 'joined_at'"),
    ('1772359200000,1772359200500', "'left_at': must be at least 1 second after 'joined_at'"),
    (',', "'joined_at': is required with state attended"),
    ('1772359200,1772362800', "'joined_at': looks like epoch seconds"),
    ('2999-01-01T00:00:00Z,2999-01-01T01:00:00Z', "'joined_at': lies more than a day in the future"),
    ('2026-02-30T10:00:00Z,2026-03-01T10:00:00Z', "'joined_at': "),
])
def test_the_modules_time_rules(times, reason):
    out = attendance_rows("email,status,joined_at,left_at\na@b.io,attended,%s\n" % times)
    assert out['rows'] == []
    assert reason in out['bad_rows'][0]['reason'], out['bad_rows']


def test_task_level_defaults_satisfy_attendees_without_times():
    defaults = {'joined_at': '2026-03-01T10:00:00Z', 'left_at': '2026-03-01T11:00:00Z'}
    out = attendance_rows("email,status\na@b.io,attended\nc@d.io,registered\n", defaults=defaults)
    assert [r['contact'] for r in out['rows']] == [{'email': 'a@b.io'}, {'email': 'c@d.io'}]


ROLE_NAMES = {'joined_at': 'attendance_sync_joined_at', 'left_at': 'attendance_sync_left_at', 'occurred_at': 'attendance_sync_occurred_at'}


@pytest.mark.parametrize("csv, defaults, names, reason", [
    # a row without a leave time: the task-level time named as the caller calls it
    ("email,status,joined_at\na@b.io,attended,2026-03-01T10:00:00Z\n", {}, ROLE_NAMES,
     "'left_at': is required with state attended (HubSpot stores no attendance without join and leave times); "
     "give it for the contact or once for the task as attendance_sync_left_at"),
    ("email,status,joined_at\na@b.io,attended,2026-03-01T10:00:00Z\n", {}, None, "once for the task as left_at"),
    # the row's own leave time against the task's join time
    ("email,status,left_at\na@b.io,attended,2026-03-01T10:00:00Z\n", {'joined_at': '2026-03-01T11:00:00Z'}, ROLE_NAMES,
     "'left_at': must be later than attendance_sync_joined_at"),
    # both times from the row: its columns
    ("email,status,start,end\na@b.io,attended,2026-03-01T11:00:00Z,2026-03-01T10:00:00Z\n", {}, ROLE_NAMES,
     "'end': must be later than 'start'"),
    # both times from the task
    ("email,status\na@b.io,attended\n", {'joined_at': '2026-03-01T11:00:00Z', 'left_at': '2026-03-01T11:00:00.500Z'}, ROLE_NAMES,
     "attendance_sync_left_at: must be at least 1 second after attendance_sync_joined_at (HubSpot keeps no shorter attendance)"),
    ("email,status\na@b.io,registered\n", {'occurred_at': 1772359200}, ROLE_NAMES,
     "attendance_sync_occurred_at: looks like epoch seconds"),
    ("email,status\na@b.io,registered\n", {'occurred_at': 1772359200}, None, "the default occurred_at: looks like epoch seconds"),
])
def test_bad_row_messages_name_the_task_level_times_as_the_caller_does(csv, defaults, names, reason):
    out = attendance_rows(csv, defaults=defaults, defaults_names=names, joined_at_column='start' if 'start' in csv else 'joined_at',
                          left_at_column='end' if ',end' in csv else 'left_at')
    assert out['rows'] == []
    assert reason in out['bad_rows'][0]['reason'], out['bad_rows']


def test_times_only_for_attended():
    out = attendance_rows("email,status,joined_at,left_at\na@b.io,registered,1772359200000,1772362800000\n")
    assert out['rows'][0]['contact'] == {'email': 'a@b.io'}


def test_occurred_at_column_wins_over_join_time():
    out = attendance_rows("email,status,joined_at,left_at,occurred_at\na@b.io,attended,1772359200000,1772362800000,1772370000000\n")
    assert out['rows'][0]['contact']['occurred_at'] == 1772370000000


@pytest.mark.parametrize('email', ['a\u0000b@x.com', '<a@x.com>', 'a"b,c@x.com', 'a@x..com'])
def test_the_modules_email_rule(email):
    out = attendance_rows([{'email': email, 'status': 'registered'}])
    assert out['rows'] == [] and out['bad_rows'][0]['reason'].startswith('invalid email')


@pytest.mark.parametrize('contact_id', ['9223372036854775808', '0', '12a', '-1'])
def test_the_modules_contact_id_rule(contact_id):
    out = attendance_rows([{'contact_id': contact_id, 'status': 'registered'}])
    assert out['rows'] == [] and out['bad_rows'][0]['reason'].startswith('invalid contact id')


def test_every_identifier_of_a_row_is_checked():
    # A valid email does not hide a bad id on the same row, even when the email is the one sent.
    out = attendance_rows([{'email': 'a@b.io', 'contact_id': '9223372036854775808', 'status': 'registered'}])
    assert out['bad_rows'][0]['reason'].startswith('invalid contact id')


class TestDuplicatesAcrossIdentifiers:
    """Issue: an email in one row and the same email plus an id in another were not duplicates (prefer_identifier id)."""

    def test_email_then_email_plus_id(self):
        out = attendance_rows("email,contact_id,status\nann@x.io,,registered\nANN@x.io,7,cancelled\n", prefer_identifier='id')
        assert [r['line'] for r in out['rows']] == [2]
        assert out['bad_rows'][0]['line'] == 3
        assert 'duplicate contact: the email ann@x.io is also on line 2' in out['bad_rows'][0]['reason']

    def test_id_then_email_plus_id(self):
        out = attendance_rows("email,contact_id,status\n,7,registered\nann@x.io,7,cancelled\n")
        assert out['bad_rows'][0]['line'] == 3
        assert 'duplicate contact: the contact id 7 is also on line 2' in out['bad_rows'][0]['reason']

    def test_ignored_rows_count_too(self):
        out = attendance_rows("email,contact_id,status\nann@x.io,7,ignore\n,7,registered\n", status_map={'ignore': 'ignore', 'registered': 'registered'})
        assert out['bad_rows'][0]['line'] == 3

    def test_known_contacts_link_an_id_to_an_email(self):
        known = [{'contact_id': '7', 'email': 'Ann@x.io', 'state': 'attended'}, {'contact_id': None, 'email': 'z@x.io'}]
        text = "email,contact_id,status\n,7,registered\nann@x.io,,cancelled\nbob@x.io,,registered\n"
        assert len(attendance_rows(text)['rows']) == 3  # without reads, nothing links them
        out = attendance_rows(text, known_contacts=known)
        assert [r['line'] for r in out['rows']] == [2, 4]
        assert out['bad_rows'][0]['line'] == 3
        assert 'duplicate contact: the email ann@x.io is also on line 2 (HubSpot contact 7 has the email ann@x.io)' in out['bad_rows'][0]['reason']

    def test_known_contacts_email_first(self):
        known = [{'contact_id': 7, 'email': 'ann@x.io'}]
        out = attendance_rows("email,contact_id,status\nann@x.io,,cancelled\n,7,registered\n", known_contacts=known)
        assert out['bad_rows'][0]['line'] == 3
        assert 'duplicate contact: the contact id 7 is also on line 2 (HubSpot contact 7 has the email ann@x.io)' in out['bad_rows'][0]['reason']


def test_list_input_custom_columns_status_map_and_ignore():
    attendees = [
        {'Mail': 'A@B.io', 'State': 'Present', 'First': 'Ann'},
        {'Mail': 'c@d.io', 'State': 'no-show'},
        {'Mail': 'e@f.io', 'State': 'Present', 'HubSpotId': 7},
        'not a dict',
    ]
    out = attendance_rows(attendees, email_column='Mail', id_column='HubSpotId', status_column='State',
                          status_map={'present': 'attended', 'No-Show': 'ignore'}, prefer_identifier='id',
                          contact_property_columns={'firstname': 'First'},
                          defaults={'joined_at': 1772359200000, 'left_at': 1772362800000})
    assert [r['contact'] for r in out['rows']] == [
        {'email': 'A@B.io', 'contact_properties': {'firstname': 'Ann'}},
        {'id': 7},
    ]
    assert [(r['email'], r['id']) for r in out['rows']] == [('a@b.io', None), ('e@f.io', 7)]
    assert out['rows'][0]['line'] is None and out['rows'][1]['index'] == 2
    assert out['ignored'] == [{'line': None, 'index': 1, 'identifier': 'c@d.io', 'status': 'no-show'}]
    assert out['bad_rows'] == [{'line': None, 'index': 3, 'where': 'item 3', 'identifier': '', 'reason': 'not a dictionary'}]


def test_duplicate_email_is_case_insensitive():
    out = attendance_rows([{'email': 'a@b.io', 'status': 'registered'}, {'email': 'A@B.IO', 'status': 'registered'}])
    assert len(out['rows']) == 1
    assert out['bad_rows'][0]['reason'] == 'duplicate contact: the email a@b.io is also on item 0'


@pytest.mark.parametrize('value, expected', [
    (0, 0),
    ('1772359200000', 1772359200000),
    ('2026-03-01T10:00:00Z', 1772359200000),
    ('2026-03-01 11:00:00.5+01:00', 1772359200500),
    ('2026-03-01t10:00:00z', 1772359200000),
])
def test_parse_timestamp(value, expected):
    assert parse_timestamp(value) == expected


@pytest.mark.parametrize('value', ['2026-03-01T10:00:00', '2026-02-30T10:00:00Z', 'soon', '-5', True])
def test_parse_timestamp_rejects(value):
    with pytest.raises(ValueError):
        parse_timestamp(value)


@pytest.mark.parametrize('kwargs, text, message', [
    ({}, '', 'the CSV input is empty'),
    ({}, 'email,state\n', "no status column 'status'"),
    ({}, 'mail,status\n', "neither the email column 'email' nor the id column 'contact_id'"),
    ({'status_map': {'x': 'gone'}}, 'email,status\n', "status_map[x]: 'gone' is not one of"),
    ({'prefer_identifier': 'name'}, 'email,status\n', 'prefer_identifier'),
])
def test_fatal_input_errors(kwargs, text, message):
    with pytest.raises(AnsibleFilterError, match='attendance_rows'):
        try:
            attendance_rows(text, **kwargs)
        except AnsibleFilterError as exc:
            assert message in str(exc)
            raise


def test_broken_quoting_stops_with_line_number():
    out = attendance_rows('email,status\na@b.io,registered\n"c@d.io"x,registered\n')
    assert out['rows'][0]['line'] == 2
    assert out['bad_rows'][0]['line'] == 3
    assert 'cannot parse the CSV line' in out['bad_rows'][0]['reason']


def test_semicolon_delimiter_and_bom():
    out = attendance_rows('\ufeffemail;status\na@b.io;registered\n', delimiter=';')
    assert out['rows'][0]['contact'] == {'email': 'a@b.io'}


@pytest.mark.parametrize('status', ['no-show', 'No_Show', ' NO-SHOW '])
def test_no_shows_are_ignored_by_default(status):
    """HubSpot derives no-shows itself: the default map ignores them instead of calling the row bad."""
    out = attendance_rows([{'email': 'ann@x.io', 'status': status}, {'email': 'bob@x.io', 'status': 'registered'}])
    assert out['bad_rows'] == []
    assert out['ignored'] == [{'line': None, 'index': 0, 'identifier': 'ann@x.io', 'status': status.strip()}]
    assert [r['email'] for r in out['rows']] == ['bob@x.io']


AGREEMENT_CASES = [
    ('email', 'a@b.c.', 'registered', {}),
    ('email', 'a@b.c', 'registered', {}),
    ('email', 'a..b@x.io', 'registered', {}),
    ('email', 'a@1.2', 'registered', {}),
    ('email', 'ann@-x.io', 'registered', {}),
    ('id', '0', 'registered', {}),
    ('id', '51', 'registered', {}),
    ('id', '99999999999999999999', 'registered', {}),
    ('email', 'ann@x.io', 'attended', {'joined_at': '1772359200000000', 'left_at': '1772362800000'}),
    ('email', 'ann@x.io', 'attended', {'joined_at': '2026-03-01T10:00:00', 'left_at': '2026-03-01T11:00:00Z'}),
    ('email', 'ann@x.io', 'attended', {'joined_at': '2026-03-01T10:00:00Z', 'left_at': '2026-03-01T10:00:00.500Z'}),
    ('email', 'ann@x.io', 'attended', {'joined_at': '2026-03-01T10:00:00Z', 'left_at': '2026-03-01T11:00:00+01:00'}),
    ('email', 'ann@x.io', 'attended', {'joined_at': '2026-03-01T10:00:00Z'}),
    ('email', 'ann@x.io', 'registered', {'occurred_at': '1772359200'}),
    ('email', 'ann@x.io', 'registered', {'occurred_at': '2026-02-30T10:00:00Z'}),
    ('email', 'ann@x.io', 'registered', {'occurred_at': '2099-01-01T00:00:00Z'}),
]


@pytest.mark.parametrize('kind, identifier, state, times', AGREEMENT_CASES)
def test_a_row_is_good_exactly_when_the_module_takes_its_contact(kind, identifier, state, times):
    """The filter has no rules of its own: its verdict on a row is the module's verdict on the contact."""
    column = 'email' if kind == 'email' else 'contact_id'
    out = attendance_rows([dict({column: identifier, 'status': state}, **times)])
    contact = dict({kind: int(identifier) if kind == 'id' else identifier}, **times)
    # now_ms as the module passes it (prepare_task), so times in the future are judged too.
    module_errors = input_errors(state, [contact], now_ms=int(time.time() * 1000))
    assert bool(out['rows']) == (not module_errors), (out['bad_rows'], module_errors)


@pytest.mark.parametrize("options, text", [
    ({"delimiter": ""}, "delimiter must be one character other than a quote or a line break"),
    ({"delimiter": ";;"}, "got ';;'"),
    ({"delimiter": "\\t"}, "got '\\\\t'"),
    ({"delimiter": None}, "got null"),
    ({"delimiter": '"'}, "delimiter must be one character"),
    ({"email_column": ["email"]}, "email_column must be a column name (a string), got list"),
    ({"joined_at_column": {"a": 1}}, "joined_at_column must be a column name (a string), got dict"),
    ({"contact_property_columns": {"firstname": ["x"]}}, "contact_property_columns[firstname] must be a column name (a string), got list"),
    ({"defaults": "x"}, "defaults must be a dictionary, got str"),
    ({"known_contacts": 5}, "known_contacts must be a list, got int"),
])
def test_bad_options_are_named(options, text):
    with pytest.raises(AnsibleFilterError) as failure:
        attendance_rows(CSV, **options)
    assert text in str(failure.value)


def test_a_tab_delimiter():
    out = attendance_rows("email\tstatus\nada@example.com\tregistered\n", email_column="email", delimiter="\t")
    assert [r["contact"] for r in out["rows"]] == [{"email": "ada@example.com"}]


def test_a_column_named_twice_in_the_header_is_refused():
    with pytest.raises(AnsibleFilterError, match="line 1: the CSV header names 'email' more than once"):
        attendance_rows("email,email,status\na@b.co,c@d.co,registered\n")


def test_list_input_property_values_are_judged_by_the_module_rule():
    """List input keeps each value as it is: the module refuses a NaN or a dictionary and converts a boolean."""
    rows = [{"email": "a@example.com", "status": "registered", "score": float("nan")},
            {"email": "b@example.com", "status": "registered", "score": {"a": 1}},
            {"email": "c@example.com", "status": "registered", "score": False},
            {"email": "d@example.com", "status": "registered", "score": "  "}]
    out = attendance_rows(rows, contact_property_columns={"score": "score"})
    assert [(b["identifier"], b["reason"]) for b in out["bad_rows"]] == [
        ("a@example.com", "contact_properties.score: must be a finite number, not nan"),
        ("b@example.com", "contact_properties.score: must be of type string or integer or number or boolean, got dict")]
    assert [r["contact"] for r in out["rows"]] == [
        {"email": "c@example.com", "contact_properties": {"score": False}}, {"email": "d@example.com"}]


def test_a_csv_header_without_a_property_column_is_refused():
    with pytest.raises(AnsibleFilterError) as info:
        attendance_rows("email,status,first_name\na@example.com,registered,Ann\n",
                        contact_property_columns={"firstname": "firstname", "lastname": "last_name"})
    assert str(info.value) == ("attendance_rows: line 1: the CSV header has no column 'firstname' for "
                               "contact_property_columns[firstname], 'last_name' for contact_property_columns[lastname] "
                               "(columns: email, status, first_name)")


@pytest.mark.parametrize("columns, reason", [
    ({"": "email"}, "contact_properties: property names must have 1 to 256 characters"),
    ({"x" * 257: "email"}, "contact_properties: property names must have 1 to 256 characters"),
    ({"email": "other"}, "contact_properties.email: must be the contact's own email address, or left out"),
])
def test_a_row_the_module_would_refuse_is_a_bad_row(columns, reason):
    # "a good row is never refused by the module": contact properties go through the module's own check too
    row = {"email": "ada@example.com", "status": "registered", "other": "bob@example.com"}
    out = attendance_rows([row], contact_property_columns=columns)
    assert out["rows"] == []
    assert [b["reason"] for b in out["bad_rows"]] == [reason]
