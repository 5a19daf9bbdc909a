# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: attendance_rows
author: hubspot.marketing contributors
version_added: 0.1.0
short_description: Validate an attendee export and turn it into contacts for marketing_event_attendance
description:
  - Parses an attendee export of an event platform, either CSV text or a list of dictionaries,
    and returns the contacts to record per attendance state, in the shape that
    M(hubspot.marketing.marketing_event_attendance) expects in O(hubspot.marketing.marketing_event_attendance#module:contacts).
  - Rows without a usable identifier, with an unknown status, with a bad timestamp, with the wrong number of fields,
    or repeating an earlier contact are returned in RV(_value.bad_rows) with their CSV line number and never in RV(_value.rows).
  - Used by the P(hubspot.marketing.attendance_sync#role),
    which documents the column options in detail.
positional: _input
options:
  _input:
    description:
      - The export. A string is parsed as CSV whose first line is the header; line numbers count physical lines, starting at 1 for the header.
      - A list is read as one dictionary per attendee, with the same column names as keys.
    type: raw
    required: true
  email_column:
    description: Column holding the contact's email address.
    type: str
    default: email
  id_column:
    description: Column holding the HubSpot contact id.
    type: str
    default: contact_id
  status_column:
    description: Column holding the platform's status, translated through O(status_map).
    type: str
    default: status
  joined_at_column:
    description: Column holding the join time (epoch milliseconds or RFC 3339 with an offset). Used for attended contacts only.
    type: str
    default: joined_at
  left_at_column:
    description: Column holding the leave time (epoch milliseconds or RFC 3339 with an offset). Used for attended contacts only.
    type: str
    default: left_at
  occurred_at_column:
    description:
      - Column holding when the state change happened (epoch milliseconds or RFC 3339 with an offset).
      - When empty or absent, attended contacts use their join time; other contacts send no time.
    type: str
    default: occurred_at
  status_map:
    description:
      - Maps platform status values (compared trimmed and case-insensitively) to V(registered), V(attended), V(cancelled) or V(ignore).
      - Rows whose status maps to V(ignore) are counted in RV(_value.ignored) and never sent.
    type: dict
    default:
      registered: registered
      register: registered
      attended: attended
      attend: attended
      cancelled: cancelled
      canceled: cancelled
      cancel: cancelled
  prefer_identifier:
    description: Which identifier to send when a row has both an email and a contact id.
    type: str
    choices: [email, id]
    default: email
  contact_property_columns:
    description:
      - "Maps HubSpot contact property names to columns, for example C({firstname: first_name})."
      - Sent as O(hubspot.marketing.marketing_event_attendance#module:contacts[].contact_properties) for contacts identified by email,
        which HubSpot uses only when it creates the contact.
    type: dict
    default: {}
  delimiter:
    description: CSV field delimiter.
    type: str
    default: ','
'''

EXAMPLES = r'''
- name: Parse a CSV export read from disk
  ansible.builtin.set_fact:
    parsed: "{{ lookup('ansible.builtin.file', 'attendees.csv') | hubspot.marketing.attendance_rows(status_column='Status') }}"

- name: Contacts to mark as attended
  ansible.builtin.debug:
    msg: "{{ parsed.rows | selectattr('state', 'eq', 'attended') | map(attribute='contact') }}"
'''

RETURN = r'''
_value:
  description: The parsed export.
  type: dict
  contains:
    rows:
      description: Good rows, in input order.
      type: list
      elements: dict
      contains:
        line:
          description: CSV line number of the row (the header is line 1); V(null) for list input.
          type: int
        index:
          description: Position of the row among the data rows, from 0.
          type: int
        state:
          description: Desired state, V(registered), V(attended) or V(cancelled).
          type: str
        contact:
          description: Contact entry for O(hubspot.marketing.marketing_event_attendance#module:contacts).
          type: dict
    bad_rows:
      description:
        - Rows that are never sent, each with C(line), C(index), C(where) (C(line 7) for CSV input, C(item 3) for list input),
          C(identifier) (may be empty) and C(reason).
      type: list
      elements: dict
    ignored:
      description: Rows whose status maps to V(ignore), each with C(line), C(index), C(identifier) and C(status).
      type: list
      elements: dict
    total:
      description: Number of data rows read (blank CSV lines are not counted).
      type: int
'''

import csv
import datetime
import io
import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

STATES = ('registered', 'attended', 'cancelled')
TARGETS = STATES + ('ignore',)
DEFAULT_STATUS_MAP = {
    'registered': 'registered',
    'register': 'registered',
    'attended': 'attended',
    'attend': 'attended',
    'cancelled': 'cancelled',
    'canceled': 'cancelled',
    'cancel': 'cancelled',
}

_RFC3339 = re.compile(
    r'^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$'
)
_DIGITS = re.compile(r'^\d{1,16}$')
_EMAIL = re.compile(r'^[^@\s]+@[^@\s]+\.[^@\s]+$')


def parse_timestamp(value):
    """Return epoch milliseconds for an epoch-ms number or an RFC 3339 string; raise ValueError."""
    if isinstance(value, bool):
        raise ValueError('not a timestamp')
    if isinstance(value, int):
        if value < 0:
            raise ValueError('negative epoch milliseconds')
        return value
    text = to_text(value).strip()
    if _DIGITS.match(text):
        return int(text)
    match = _RFC3339.match(text)
    if not match:
        raise ValueError('expected epoch milliseconds or RFC 3339 with an offset, like 2026-03-01T10:00:00Z')
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, offset = match.group(7), match.group(8)
    if offset in ('Z', 'z'):
        tz = datetime.timezone.utc
    else:
        sign = 1 if offset[0] == '+' else -1
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        if hours > 23 or minutes > 59:
            raise ValueError('bad UTC offset')
        tz = datetime.timezone(sign * datetime.timedelta(hours=hours, minutes=minutes))
    micro = int((fraction[1:] + '000000')[:6]) if fraction else 0
    try:
        moment = datetime.datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    except ValueError as exc:
        raise ValueError(to_text(exc))
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    delta = moment - epoch
    millis = (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000
    if millis < 0:
        raise ValueError('before 1970')
    return millis


def _value(row, column):
    if not column or row is None:
        return ''
    value = row.get(column)
    if value is None:
        return ''
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return to_text(value).strip()


def _csv_rows(text, delimiter):
    """Yield (line, index, dict or None, problem) for each data row; line counts physical lines."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise AnsibleFilterError('attendance_rows: the CSV input is empty (no header line)')
    except csv.Error as exc:
        raise AnsibleFilterError('attendance_rows: line 1: cannot parse the CSV header: %s' % exc)
    header = [h.strip().lstrip('\ufeff') for h in header]
    yield 1, None, header, None
    index = 0
    last_line = reader.line_num
    while True:
        start = last_line + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # The rest of the file cannot be trusted once quoting is broken.
            yield start, index, None, 'cannot parse the CSV line: %s' % exc
            return
        last_line = reader.line_num
        if not fields or all(not f.strip() for f in fields) and len(fields) <= 1:
            continue
        if len(fields) != len(header):
            yield start, index, None, 'row has %d fields, the header has %d' % (len(fields), len(header))
        else:
            yield start, index, dict(zip(header, fields)), None
        index += 1


def attendance_rows(data, email_column='email', id_column='contact_id', status_column='status',
                    joined_at_column='joined_at', left_at_column='left_at', occurred_at_column='occurred_at',
                    status_map=None, prefer_identifier='email', contact_property_columns=None, delimiter=','):
    if status_map is None:
        status_map = DEFAULT_STATUS_MAP
    if not isinstance(status_map, dict):
        raise AnsibleFilterError('attendance_rows: status_map must be a dictionary')
    normalized_map = {}
    for key, target in status_map.items():
        target = to_text(target).strip().lower()
        if target not in TARGETS:
            raise AnsibleFilterError(
                "attendance_rows: status_map[%s]: %r is not one of %s" % (key, target, ', '.join(TARGETS)))
        normalized_map[to_text(key).strip().lower()] = target
    if prefer_identifier not in ('email', 'id'):
        raise AnsibleFilterError("attendance_rows: prefer_identifier must be 'email' or 'id'")
    contact_property_columns = contact_property_columns or {}
    if not isinstance(contact_property_columns, dict):
        raise AnsibleFilterError('attendance_rows: contact_property_columns must be a dictionary')
    if not email_column and not id_column:
        raise AnsibleFilterError('attendance_rows: set email_column or id_column')

    if isinstance(data, (str, bytes)):
        text = to_text(data, errors='surrogate_or_strict')
        source = _csv_rows(text, to_text(delimiter))
        header = next(source)[2]
        if status_column not in header:
            raise AnsibleFilterError(
                "attendance_rows: line 1: the CSV header has no status column %r (columns: %s)"
                % (status_column, ', '.join(header)))
        if email_column not in header and id_column not in header:
            raise AnsibleFilterError(
                "attendance_rows: line 1: the CSV header has neither the email column %r nor the id column %r (columns: %s)"
                % (email_column, id_column, ', '.join(header)))
    elif isinstance(data, (list, tuple)):
        source = ((None, i, row if isinstance(row, dict) else None, None if isinstance(row, dict) else 'not a dictionary')
                  for i, row in enumerate(data))
    else:
        raise AnsibleFilterError('attendance_rows: expected CSV text or a list of dictionaries, got %s' % type(data).__name__)

    rows, bad_rows, ignored = [], [], []
    seen = {}
    total = 0
    for line, index, row, problem in source:
        total += 1

        def bad(reason, identifier=''):
            where = 'line %d' % line if line is not None else 'item %d' % index
            bad_rows.append({'line': line, 'index': index, 'where': where, 'identifier': identifier, 'reason': reason})

        if problem:
            bad(problem)
            continue
        email = to_text(_value(row, email_column))
        contact_id = to_text(_value(row, id_column))
        if prefer_identifier == 'id' and contact_id or not email:
            kind, identifier = 'id', contact_id
        else:
            kind, identifier = 'email', email
        if not identifier:
            columns = [repr(c) for c in (email_column, id_column) if c]
            bad('no identifier: %s %s empty' % (' and '.join(columns), 'are' if len(columns) > 1 else 'is'))
            continue
        if kind == 'email' and not _EMAIL.match(identifier):
            bad('invalid email %r' % identifier, identifier)
            continue
        if kind == 'id' and not _DIGITS.match(identifier):
            bad('invalid contact id %r (expected digits)' % identifier, identifier)
            continue

        raw_status = to_text(_value(row, status_column))
        state = normalized_map.get(raw_status.lower())
        if state is None:
            bad('unknown status %r (known: %s)' % (raw_status, ', '.join(sorted(normalized_map))), identifier)
            continue

        key = (kind, identifier.lower())
        if key in seen:
            bad('duplicate contact %s, first seen %s' % (identifier, seen[key]), identifier)
            continue
        seen[key] = 'on line %d' % line if line is not None else 'at index %d' % index

        if state == 'ignore':
            ignored.append({'line': line, 'index': index, 'identifier': identifier, 'status': raw_status})
            continue

        times = {}
        problems = []
        for name, column in (('joined_at', joined_at_column), ('left_at', left_at_column),
                             ('occurred_at', occurred_at_column)):
            raw = _value(row, column)
            if raw == '':
                continue
            try:
                times[name] = parse_timestamp(raw)
            except ValueError as exc:
                problems.append('bad timestamp in %r: %r: %s' % (column, to_text(raw), exc))
        if problems:
            bad('; '.join(problems), identifier)
            continue
        if 'joined_at' in times and 'left_at' in times and times['left_at'] < times['joined_at']:
            bad('%r is before %r' % (left_at_column, joined_at_column), identifier)
            continue

        contact = {kind: int(identifier) if kind == 'id' else identifier}
        occurred = times.get('occurred_at')
        if state == 'attended':
            properties = {}
            if 'joined_at' in times:
                properties['joinedAt'] = to_text(times['joined_at'])
            if 'left_at' in times:
                properties['leftAt'] = to_text(times['left_at'])
            if properties:
                contact['properties'] = properties
            if occurred is None:
                occurred = times.get('joined_at')
        if occurred is not None:
            contact['occurred_at'] = occurred
        if kind == 'email' and contact_property_columns:
            props = {}
            for prop, column in contact_property_columns.items():
                value = to_text(_value(row, column))
                if value:
                    props[to_text(prop)] = value
            if props:
                contact['contact_properties'] = props
        rows.append({'line': line, 'index': index, 'state': state, 'contact': contact})

    return {'rows': rows, 'bad_rows': bad_rows, 'ignored': ignored, 'total': total}


class FilterModule(object):
    def filters(self):
        return {'attendance_rows': attendance_rows}
