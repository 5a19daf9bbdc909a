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
  - Identifiers and times are checked with the rules of M(hubspot.marketing.marketing_event_attendance) itself
    (the same email, contact id and timestamp definitions, join and leave times required for attendees,
    leave at least a second after join, nothing more than a day in the future), so a good row is never refused by the module.
  - A contact is a duplicate when any identifier of its row (its email, ignoring case, or its contact id) was on an
    earlier row, whichever identifier is sent; with O(known_contacts), also when HubSpot's reads show that the contact id of
    one row and the email of another are the same contact. The later row is bad and names the earlier one.
requirements:
  - jsonschema (on the controller)
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
    description:
      - Column holding the join time (epoch milliseconds or RFC 3339 with an offset). Used for attended contacts only,
        which need a join and a leave time (from the row or from O(defaults)).
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
      no-show: ignore
      no_show: ignore
  prefer_identifier:
    description: Which identifier to send when a row has both an email and a contact id.
    type: str
    choices: [email, id]
    default: email
  contact_property_columns:
    description:
      - "Maps HubSpot contact property names to columns, for example C({firstname: first_name})."
      - Sent as O(hubspot.marketing.marketing_event_attendance#module:contacts[].contact_properties) for contacts identified by email,
        which HubSpot uses only when it creates the contact. The contact's email is sent anyway; a row whose
        C(email) property names another address than its email column goes to RV(_value.bad_rows).
      - With CSV input every column named here must be in the header. Values are checked as the module checks
        them, so a row holding a NaN, an infinity or (list input) a dictionary goes to RV(_value.bad_rows).
    type: dict
    default: {}
  delimiter:
    description: CSV field delimiter, one character other than a quote or a line break (a tab is C("\t") in double-quoted YAML).
    type: str
    default: ','
  defaults:
    description:
      - Task-level times given to M(hubspot.marketing.marketing_event_attendance) as its O(hubspot.marketing.marketing_event_attendance#module:joined_at),
        O(hubspot.marketing.marketing_event_attendance#module:left_at) and O(hubspot.marketing.marketing_event_attendance#module:occurred_at)
        options (keys C(joined_at), C(left_at), C(occurred_at)); rows without their own times are checked against them.
    type: dict
    default: {}
  defaults_names:
    description:
      - How the messages about bad rows call the task-level times of O(defaults) (keys C(joined_at), C(left_at),
        C(occurred_at)), for a caller that gives them under other names; the attendance_sync role passes its variables.
      - Without it, the messages call them by the module's option names.
    type: dict
    default: {}
  known_contacts:
    description:
      - Participations read from HubSpot (RV(hubspot.marketing.marketing_event_participation_info#module:participations)),
        whose C(contact_id) and C(email) link a contact id to an email address.
      - A row naming a contact by id and another naming it by email are then recognised as the same contact.
    type: list
    elements: dict
    default: []
'''

EXAMPLES = r'''
- name: Parse a CSV export read from disk (columns email, contact_id, Status, joined_at, left_at)
  ansible.builtin.set_fact:
    parsed: "{{ lookup('ansible.builtin.file', 'attendees.csv') | hubspot.marketing.attendance_rows(status_column='Status') }}"

- name: Show the rows that would not be sent, with their line numbers
  ansible.builtin.debug:
    msg: "{{ item.where }}: {{ item.reason }}"
  loop: "{{ parsed.bad_rows }}"

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
          description:
            - Contact entry for O(hubspot.marketing.marketing_event_attendance#module:contacts) (C(id) or C(email), C(joined_at) and C(left_at)
              for attendees, C(occurred_at) and C(contact_properties) where given; times in epoch milliseconds).
          type: dict
        email:
          description: The row's email address, lowercased, or V(null).
          type: str
        id:
          description: The row's contact id, or V(null).
          type: int
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
import io
import time

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

# The module's own rules: one definition of a contact, of a time and of what a state needs.
from ansible_collections.hubspot.marketing.plugins.module_utils._attendance import input_errors, parse_timestamp
from ansible_collections.hubspot.marketing.plugins.module_utils._errors import type_name
from ansible_collections.hubspot.marketing.plugins.module_utils._schemas import ATTENDANCE_STATES, TASK_TIMES
from ansible_collections.hubspot.marketing.plugins.module_utils._validation import (
    HAS_JSONSCHEMA,
    contact_id_error,
    email_error,
)

TARGETS = ATTENDANCE_STATES + ('ignore',)
DEFAULT_STATUS_MAP = {
    'registered': 'registered',
    'register': 'registered',
    'attended': 'attended',
    'attend': 'attended',
    'cancelled': 'cancelled',
    'canceled': 'cancelled',
    'cancel': 'cancelled',
    # HubSpot derives no-shows itself (when the event is completed); they are never sent.
    'no-show': 'ignore',
    'no_show': 'ignore',
}


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


def _known_identities(known_contacts):
    """``{("id", n): email, ("email", e): id}`` from participations read from HubSpot (contact_id and email)."""
    known = {}
    for item in known_contacts or []:
        if not isinstance(item, dict):
            raise AnsibleFilterError('attendance_rows: known_contacts must be a list of participations (dicts with contact_id and email)')
        contact_id, email = item.get('contact_id'), item.get('email')
        if contact_id in (None, '') or not email or contact_id_error(to_text(contact_id)):
            continue
        email = to_text(email).strip().lower()
        known[('id', int(to_text(contact_id)))] = email
        known[('email', email)] = int(to_text(contact_id))
    return known


def _identities(email, contact_id, known):
    """Every identity of a row: its email and id, plus the other one when HubSpot's reads link them.

    Returns ``[(key, how)]``; ``how`` explains a derived identity.
    """
    keys = []
    if email:
        keys.append((('email', email.lower()), None))
        linked = known.get(('email', email.lower()))
        if linked is not None and not contact_id:
            keys.append((('id', linked), 'HubSpot contact %d has the email %s' % (linked, email.lower())))
    if contact_id:
        keys.append((('id', int(contact_id)), None))
        linked = known.get(('id', int(contact_id)))
        if linked is not None and not email:
            keys.append((('email', linked), 'HubSpot contact %s has the email %s' % (contact_id, linked)))
    return keys


def _describe(key):
    return 'email %s' % key[1] if key[0] == 'email' else 'contact id %s' % key[1]


def _module_errors(state, contact, defaults, columns, now_ms, names):
    """The module's own check of one contact (state, identifier, times, contact properties), with fields named by
    their columns and the task-level times by ``names`` (``defaults_names``)."""
    problems = []
    for error in input_errors(state, [contact], defaults=defaults, now_ms=now_ms, names=names):
        field = error['path'].rsplit('.', 1)[-1]
        if field in columns and error['path'].startswith('contacts[0].'):
            problems.append('%r: %s' % (columns[field], error['message']))
        elif field in TASK_TIMES and error['path'] == field:
            problems.append('%s: %s' % (names[field] if field in names else 'the default ' + field, error['message']))
        else:
            problems.append('%s: %s' % (error['path'].replace('contacts[0].', '').replace('contacts[0]', 'contact'), error['message']))
    return problems


def _status_map(status_map):
    """The status map with trimmed, lowercased keys and targets; refuses unknown targets."""
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
    return normalized_map


class _Options(object):
    """The filter's options, checked once: which columns hold what, and how statuses and identifiers are read."""

    def __init__(self, email_column, id_column, status_column, time_columns, status_map, prefer_identifier,
                 contact_property_columns, delimiter, defaults, known_contacts, defaults_names=None):
        if prefer_identifier not in ('email', 'id'):
            raise AnsibleFilterError("attendance_rows: prefer_identifier must be 'email' or 'id'")
        contact_property_columns = contact_property_columns or {}
        if not isinstance(contact_property_columns, dict):
            raise AnsibleFilterError('attendance_rows: contact_property_columns must be a dictionary')
        columns = [('email_column', email_column), ('id_column', id_column), ('status_column', status_column)]
        columns += [('%s_column' % name, column) for name, column in sorted(time_columns.items())]
        columns += [('contact_property_columns[%s]' % prop, column) for prop, column in contact_property_columns.items()]
        for name, column in columns:
            if column is not None and not isinstance(column, str):
                raise AnsibleFilterError('attendance_rows: %s must be a column name (a string), got %s' % (name, type_name(column)))
        if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n':
            raise AnsibleFilterError('attendance_rows: delimiter must be one character other than a quote or a line break, '
                                     'such as "," or ";" (a tab is "\\t" in double-quoted YAML), got %s'
                                     % (repr(delimiter[:10]) if isinstance(delimiter, str) else type_name(delimiter)))
        for name, value, kind in (('defaults', defaults, dict), ('known_contacts', known_contacts, list)):
            if value is not None and not isinstance(value, kind):
                raise AnsibleFilterError('attendance_rows: %s must be a %s, got %s' % (name, 'dictionary' if kind is dict else 'list',
                                                                                       type_name(value)))
        if not email_column and not id_column:
            raise AnsibleFilterError('attendance_rows: set email_column or id_column')
        self.email_column = email_column
        self.id_column = id_column
        self.status_column = status_column
        self.time_columns = time_columns
        self.status_map = _status_map(status_map)
        self.prefer_identifier = prefer_identifier
        self.contact_property_columns = contact_property_columns
        self.delimiter = delimiter
        self.defaults = dict((k, v) for k, v in (defaults or {}).items() if k in TASK_TIMES and v not in (None, ''))
        if not isinstance(defaults_names or {}, dict):
            raise AnsibleFilterError('attendance_rows: defaults_names must be a dictionary')
        # How the messages name the times: the task-level ones as the caller calls them, a row's own by its column
        # (the names of input_errors), built once for every row.
        self.defaults_names = dict((k, to_text(v)) for k, v in (defaults_names or {}).items() if k in TASK_TIMES and v)
        self.defaults_names.update(('contacts[].' + field, repr(column)) for field, column in time_columns.items())
        self.known = _known_identities(known_contacts)
        self.now_ms = int(time.time() * 1000)


def _check_header(header, options):
    twice = sorted(set(h for h in header if header.count(h) > 1))
    if twice:
        raise AnsibleFilterError('attendance_rows: line 1: the CSV header names %s more than once; each column must be named once'
                                 % ', '.join(repr(h) for h in twice))
    if options.status_column not in header:
        raise AnsibleFilterError(
            "attendance_rows: line 1: the CSV header has no status column %r (columns: %s)"
            % (options.status_column, ', '.join(header)))
    if options.email_column not in header and options.id_column not in header:
        raise AnsibleFilterError(
            "attendance_rows: line 1: the CSV header has neither the email column %r nor the id column %r (columns: %s)"
            % (options.email_column, options.id_column, ', '.join(header)))
    missing = sorted((prop, column) for prop, column in options.contact_property_columns.items() if column not in header)
    if missing:
        raise AnsibleFilterError(
            "attendance_rows: line 1: the CSV header has no column %s (columns: %s)"
            % (', '.join('%r for contact_property_columns[%s]' % (column, prop) for prop, column in missing), ', '.join(header)))


def _rows_of(data, options):
    """``(line, index, dict or None, problem)`` for each data row of CSV text or of a list of dicts."""
    if isinstance(data, (str, bytes)):
        source = _csv_rows(to_text(data, errors='surrogate_or_strict'), to_text(options.delimiter))
        _check_header(next(source)[2], options)
        return source
    if isinstance(data, (list, tuple)):
        return ((None, i, row if isinstance(row, dict) else None, None if isinstance(row, dict) else 'not a dictionary')
                for i, row in enumerate(data))
    raise AnsibleFilterError('attendance_rows: expected CSV text or a list of dictionaries, got %s' % type(data).__name__)


class _BadRow(Exception):
    """A row that is never sent: ``reason`` and the identifier it was read with (may be empty)."""

    def __init__(self, reason, identifier=''):
        super(_BadRow, self).__init__(reason)
        self.reason = reason
        self.identifier = identifier


def _identifier(row, options):
    """``(email, contact_id, kind, identifier)`` of a row; every identifier it gives must be valid, not only the one sent."""
    email = to_text(_value(row, options.email_column))
    contact_id = to_text(_value(row, options.id_column))
    if not email and not contact_id:
        names = [repr(c) for c in (options.email_column, options.id_column) if c]
        raise _BadRow('no identifier: %s %s empty' % (' and '.join(names), 'are' if len(names) > 1 else 'is'))
    reason = email and email_error(email)
    if reason:
        raise _BadRow('invalid email %r: %s' % (email, reason), email)
    reason = contact_id and contact_id_error(contact_id)
    if reason:
        raise _BadRow('invalid contact id %r: %s' % (contact_id, reason), contact_id)
    kind = 'id' if contact_id and (options.prefer_identifier == 'id' or not email) else 'email'
    return email, contact_id, kind, contact_id if kind == 'id' else email


def _check_duplicate(identities, seen, where, identifier):
    """The same person named twice, through any identifier of either row (or one HubSpot links); then remember this row."""
    clash = [(key, how) for key, how in identities if key in seen]
    if clash:
        key, how = clash[0]
        first, first_how = seen[key]
        why = '; '.join(h for h in (how, first_how) if h)
        raise _BadRow('duplicate contact: the %s is also on %s%s' % (_describe(key), first, ' (%s)' % why if why else ''), identifier)
    for key, how in identities:
        seen[key] = (where, how)


def _contact(row, state, kind, identifier, options):
    """The contact entry for the module, its times checked by the module's own rules and converted to epoch milliseconds."""
    contact = {kind: int(identifier) if kind == 'id' else identifier}
    wanted = TASK_TIMES if state == 'attended' else ('occurred_at',)
    for name in wanted:
        raw = _value(row, options.time_columns[name])
        if raw != '':
            contact[name] = raw
    if kind == 'email':
        _add_properties(contact, row, options.contact_property_columns)
    row_defaults = dict((k, v) for k, v in options.defaults.items() if k in wanted)
    problems = _module_errors(state, contact, row_defaults, options.time_columns, options.now_ms, options.defaults_names)
    if problems:
        raise _BadRow('; '.join(problems), identifier)
    for name in TASK_TIMES:
        if name in contact:
            contact[name] = parse_timestamp(contact[name])
    if state == 'attended' and 'occurred_at' not in contact and 'occurred_at' not in options.defaults and 'joined_at' in contact:
        contact['occurred_at'] = contact['joined_at']
    return contact


def _add_properties(contact, row, property_columns):
    """The row's non-empty property cells as ``contact_properties``. Text is trimmed; any other value (a number,
    a boolean, a dictionary from list input) is kept as it is, for the module's own check and conversion
    (``_module_errors``): a NaN or a dictionary makes a bad row, a boolean is sent as the module sends it."""
    props = {}
    for prop, column in property_columns.items():
        value = row.get(column) if column and row is not None else None
        if isinstance(value, (str, bytes)):
            value = to_text(value).strip()
        if value is not None and value != '':
            props[to_text(prop)] = value
    if props:
        contact['contact_properties'] = props


class _Parsed(object):
    """The filter's answer, filled row by row."""

    def __init__(self):
        self.rows, self.bad_rows, self.ignored = [], [], []
        self.seen = {}
        self.total = 0

    def read(self, line, index, row, problem, options):
        self.total += 1
        where = 'line %d' % line if line is not None else 'item %d' % index
        try:
            if problem:
                raise _BadRow(problem)
            self._read_row(line, index, where, row, options)
        except _BadRow as bad:
            self.bad_rows.append({'line': line, 'index': index, 'where': where, 'identifier': bad.identifier, 'reason': bad.reason})

    def _read_row(self, line, index, where, row, options):
        email, contact_id, kind, identifier = _identifier(row, options)
        raw_status = to_text(_value(row, options.status_column))
        state = options.status_map.get(raw_status.lower())
        if state is None:
            raise _BadRow('unknown status %r (known: %s)' % (raw_status, ', '.join(sorted(options.status_map))), identifier)
        _check_duplicate(_identities(email, contact_id, options.known), self.seen, where, identifier)
        if state == 'ignore':
            self.ignored.append({'line': line, 'index': index, 'identifier': identifier, 'status': raw_status})
            return
        self.rows.append({'line': line, 'index': index, 'state': state, 'contact': _contact(row, state, kind, identifier, options),
                          'email': email.lower() if email else None, 'id': int(contact_id) if contact_id else None})

    def as_dict(self):
        return {'rows': self.rows, 'bad_rows': self.bad_rows, 'ignored': self.ignored, 'total': self.total}


def attendance_rows(data, email_column='email', id_column='contact_id', status_column='status',
                    joined_at_column='joined_at', left_at_column='left_at', occurred_at_column='occurred_at',
                    status_map=None, prefer_identifier='email', contact_property_columns=None, delimiter=',',
                    defaults=None, known_contacts=None, defaults_names=None):
    if not HAS_JSONSCHEMA:
        raise AnsibleFilterError('attendance_rows: the Python library jsonschema is required on the controller')
    time_columns = {'joined_at': joined_at_column, 'left_at': left_at_column, 'occurred_at': occurred_at_column}
    options = _Options(email_column, id_column, status_column, time_columns, status_map, prefer_identifier,
                       contact_property_columns, delimiter, defaults, known_contacts, defaults_names)
    parsed = _Parsed()
    for line, index, row, problem in _rows_of(data, options):
        parsed.read(line, index, row, problem, options)
    return parsed.as_dict()


class FilterModule(object):
    def filters(self):
        return {'attendance_rows': attendance_rows}
