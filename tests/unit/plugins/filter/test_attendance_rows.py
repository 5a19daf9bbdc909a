# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.hubspot.marketing.plugins.filter.attendance_rows import (
    FilterModule,
    attendance_rows,
    parse_timestamp,
)

CSV = (
    "email,contact_id,status,joined_at,left_at\n"          # line 1
    "ada@example.com,,Attended,2026-03-01T10:00:00Z,2026-03-01T11:00:00+01:00\n"  # 2
    ",101,registered,,\n"                                   # 3
    "grace@example.com,,cancelled,,\n"                      # 4
    ",,attended,,\n"                                        # 5: no identifier
    "\n"                                                    # 6: blank, skipped
    "alan@example.com,,maybe,,\n"                           # 7: unknown status
    "edsger@example.com,,attended,yesterday,\n"             # 8: bad timestamp
    "\"multi\nline@example.com\",,attended,,\n"             # 9-10: invalid email spanning two lines
    "ada@example.com,,registered,,\n"                       # 11: duplicate
    "barbara@example.com,,attended,1772359200000,\n"        # 12
    "too,many,fields,here,now,extra\n"                      # 13
)


def test_registered_as_filter():
    assert FilterModule().filters()['attendance_rows'] is attendance_rows


def test_csv_good_rows_and_contacts():
    out = attendance_rows(CSV)
    assert out['total'] == 10
    assert [(r['line'], r['state']) for r in out['rows']] == [
        (2, 'attended'), (3, 'registered'), (4, 'cancelled'), (12, 'attended')]
    ada = out['rows'][0]['contact']
    assert ada == {
        'email': 'ada@example.com',
        'occurred_at': 1772359200000,
        'properties': {'joinedAt': '1772359200000', 'leftAt': '1772359200000'},
    }
    assert out['rows'][1]['contact'] == {'id': 101}
    assert out['rows'][2]['contact'] == {'email': 'grace@example.com'}
    assert out['rows'][3]['contact']['occurred_at'] == 1772359200000


def test_csv_bad_rows_carry_line_numbers():
    out = attendance_rows(CSV)
    bad = {b['line']: b['reason'] for b in out['bad_rows']}
    assert sorted(bad) == [5, 7, 8, 9, 11, 13]
    assert out['bad_rows'][0]['where'] == 'line 5'
    assert 'no identifier' in bad[5]
    assert "unknown status 'maybe'" in bad[7]
    assert "bad timestamp in 'joined_at'" in bad[8]
    assert 'invalid email' in bad[9]
    assert 'duplicate contact ada@example.com, first seen on line 2' in bad[11]
    assert 'row has 6 fields, the header has 5' in bad[13]


def test_left_before_joined_is_bad():
    out = attendance_rows("email,status,joined_at,left_at\na@b.io,attended,2000,1000\n")
    assert out['bad_rows'][0]['line'] == 2
    assert "'left_at' is before 'joined_at'" in out['bad_rows'][0]['reason']


def test_properties_only_for_attended():
    out = attendance_rows("email,status,joined_at,left_at\na@b.io,registered,1000,2000\n")
    assert out['rows'][0]['contact'] == {'email': 'a@b.io'}


def test_occurred_at_column_wins_over_join_time():
    out = attendance_rows("email,status,joined_at,occurred_at\na@b.io,attended,1000,5000\n")
    assert out['rows'][0]['contact']['occurred_at'] == 5000


def test_list_input_custom_columns_status_map_and_ignore():
    attendees = [
        {'Mail': 'A@B.io', 'State': 'Present', 'First': 'Ann'},
        {'Mail': 'c@d.io', 'State': 'no-show'},
        {'Mail': 'e@f.io', 'State': 'Present', 'HubSpotId': 7},
        'not a dict',
    ]
    out = attendance_rows(attendees, email_column='Mail', id_column='HubSpotId', status_column='State',
                          status_map={'present': 'attended', 'No-Show': 'ignore'}, prefer_identifier='id',
                          contact_property_columns={'firstname': 'First'})
    assert [r['contact'] for r in out['rows']] == [
        {'email': 'A@B.io', 'contact_properties': {'firstname': 'Ann'}},
        {'id': 7},
    ]
    assert out['rows'][0]['line'] is None and out['rows'][1]['index'] == 2
    assert out['ignored'] == [{'line': None, 'index': 1, 'identifier': 'c@d.io', 'status': 'no-show'}]
    assert out['bad_rows'] == [{'line': None, 'index': 3, 'where': 'item 3', 'identifier': '', 'reason': 'not a dictionary'}]


def test_duplicate_email_is_case_insensitive():
    out = attendance_rows([{'email': 'a@b.io', 'status': 'attended'}, {'email': 'A@B.IO', 'status': 'attended'}])
    assert len(out['rows']) == 1
    assert out['bad_rows'][0]['reason'] == 'duplicate contact A@B.IO, first seen at index 0'


@pytest.mark.parametrize('value, expected', [
    (0, 0),
    ('1772359200000', 1772359200000),
    ('2026-03-01T10:00:00Z', 1772359200000),
    ('2026-03-01 11:00:00.5+01:00', 1772359200500),
    ('2026-03-01t10:00:00z', 1772359200000),
])
def test_parse_timestamp(value, expected):
    assert parse_timestamp(value) == expected


@pytest.mark.parametrize('value', ['2026-03-01T10:00:00', '2026-02-30T10:00:00Z', 'soon', '-5', True, '2026-03-01T10:00:00+25:00'])
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
    out = attendance_rows('email,status\na@b.io,attended\n"c@d.io"x,attended\n')
    assert out['rows'][0]['line'] == 2
    assert out['bad_rows'][0]['line'] == 3
    assert 'cannot parse the CSV line' in out['bad_rows'][0]['reason']


def test_semicolon_delimiter_and_bom():
    out = attendance_rows('\ufeffemail;status\na@b.io;registered\n', delimiter=';')
    assert out['rows'][0]['contact'] == {'email': 'a@b.io'}
