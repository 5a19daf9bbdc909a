# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: attendance_summary
author: hubspot.marketing contributors
version_added: 0.1.0
short_description: Summarise marketing_event_attendance results per attendance state
description:
  - Combines the output of P(hubspot.marketing.attendance_rows#filter) with the registered results of one
    M(hubspot.marketing.marketing_event_attendance) call per state (a looped task whose loop items are the states),
    and returns recorded, unchanged, failed, unconfirmed and not attempted counts per state plus one outcome per
    input row.
  - A contact the module reports as unconfirmed (HubSpot may or may not hold it) has its own outcome, never
    C(failed) nor C(recorded); so has a contact the module did not send because an earlier request failed as a whole.
  - Used by the P(hubspot.marketing.attendance_sync#role).
positional: _input, results
options:
  _input:
    description: The output of P(hubspot.marketing.attendance_rows#filter).
    type: dict
    required: true
  results:
    description:
      - The C(results) list of the registered looped task. Each entry carries its state as its loop item
        (C(item), or the variable named by C(loop_control.loop_var)); skipped entries (no contact in that state) are allowed.
    type: list
    elements: dict
    required: true
  check_mode:
    description: Whether the calls ran in check mode; copied to RV(_value.check_mode).
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Parse an export, record each state with one call, summarise (what the attendance_sync role does)
  module_defaults:
    group/hubspot.marketing.hubspot:
      access_token: "{{ vault_hubspot_access_token }}"
  block:
    - name: Parse the export
      ansible.builtin.set_fact:
        parsed: "{{ lookup('ansible.builtin.file', 'attendees.csv') | hubspot.marketing.attendance_rows(status_column='Status') }}"

    - name: Record the contacts of each state
      hubspot.marketing.marketing_event_attendance:
        event_id: "123456789"
        state: "{{ item }}"
        contacts: "{{ parsed.rows | selectattr('state', 'eq', item) | map(attribute='contact') | list }}"
        allow_partial: true
      loop: [registered, attended, cancelled]
      when: parsed.rows | selectattr('state', 'eq', item) | list | length > 0
      register: calls
      # A call with unconfirmed contacts, or one that failed as a whole, fails; the summary still tells its contacts.
      ignore_errors: true

    - name: Summarise the calls
      ansible.builtin.set_fact:
        summary: "{{ parsed | hubspot.marketing.attendance_summary(calls.results, check_mode=ansible_check_mode) }}"

    - name: Show the summary
      ansible.builtin.debug:
        msg: "{{ summary.lines }}"

    - name: Fail unless every contact is recorded or unchanged
      ansible.builtin.fail:
        msg: "{{ summary.lines[1:] | join('; ') }}"
      when: not summary.settled
'''

RETURN = r'''
_value:
  description: The summary.
  type: dict
  contains:
    check_mode:
      description: Whether nothing was written (outcome V(recorded) then means "would be recorded").
      type: bool
    settled:
      description: Whether no call failed as a whole and every contact was (or would be) recorded or unchanged.
      type: bool
    refused_only:
      description:
        - Whether no call failed as a whole and every contact that is not recorded or unchanged was refused by HubSpot
          (outcome V(failed)), which is what the role's O(hubspot.marketing.attendance_sync#role:main:attendance_sync_allow_partial)
          forgives.
        - True as well when RV(_value.settled) is.
      type: bool
    changed:
      description:
        - Whether at least one contact was (or in check mode would be) recorded, or a module call reported a change
          (the module counts a contact it cannot confirm, which HubSpot may hold).
      type: bool
    states:
      description:
        - Per state (V(registered), V(attended), V(cancelled)), the counts C(requested), C(recorded), C(unchanged),
          C(failed), C(unconfirmed) and C(not_attempted); the last five add up to C(requested).
      type: dict
    totals:
      description: The same counts over all states, plus C(rows), C(bad_rows) and C(ignored).
      type: dict
    contacts:
      description:
        - One entry per good row, in input order, with C(line), C(index), C(email), C(id) (a string; for a row given by email, the contact id
          HubSpot returned for it, recorded or unchanged), C(state),
          C(outcome) and C(message).
        - C(outcome) is V(recorded), V(unchanged), V(failed) (HubSpot refused the contact, or the module call failed
          before answering for it), V(unconfirmed) (the module could not tell whether HubSpot holds it) or
          V(not_attempted) (not sent, because an earlier request failed as a whole).
        - C(message) is empty for recorded and unchanged contacts; otherwise HubSpot's error or the module's reason.
      type: list
      elements: dict
    bad_rows:
      description: The bad rows, copied from the input.
      type: list
      elements: dict
    ignored:
      description: The ignored rows, copied from the input.
      type: list
      elements: dict
    lines:
      description: The summary as human-readable lines, as the role prints it.
      type: list
      elements: str
    call_errors:
      description: Per state whose module call failed as a whole (for example HTTP 401 or 404), C(state) and C(message).
      type: list
      elements: dict
'''

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.hubspot.marketing.plugins.module_utils._schemas import ATTENDANCE_STATES

# Buckets of the module's result whose contacts were neither recorded nor seen unchanged nor refused, each
# an outcome of its own, and the reason given for a contact whose entry carries none.
OPEN_BUCKETS = (('unconfirmed', 'HubSpot may or may not hold this state'),
                ('not_attempted', 'not sent: an earlier request failed as a whole'))
SETTLED = ('recorded', 'unchanged')
OPEN_OUTCOMES = tuple(bucket for bucket, dummy in OPEN_BUCKETS)
# The outcomes of a contact, each also counted per state; with 'requested' the counts of a state.
OUTCOMES = SETTLED + ('failed',) + OPEN_OUTCOMES
COUNTS = ('requested',) + OUTCOMES
# Of the outcomes that are not settled, from the least to the most open.
_SEVERITY = ('failed', 'not_attempted', 'unconfirmed')
FAILED_SHOWN = 20


def _key(entry):
    """Identify a contact from a result entry: email (case-insensitive) first, then id."""
    keys = []
    if entry.get('email'):
        keys.append(('email', to_text(entry['email']).lower()))
    if entry.get('id') not in (None, ''):
        keys.append(('id', to_text(entry['id'])))
    return keys


def _results_by_state(results):
    """``{state: result}`` from the looped task's results (each carries its state as its loop item)."""
    by_state = {}
    for result in results or []:
        state = result.get(result.get('ansible_loop_var') or 'item')
        if state not in ATTENDANCE_STATES:
            raise AnsibleFilterError('attendance_summary: result without a state as its loop item: %r' % (state,))
        by_state[state] = result
    return by_state


def _whole_failure(result):
    """Why a call failed as a whole, or None.

    A failed call that sets ``error`` (a read or a write HubSpot refused as a whole, retries exhausted, no
    answer) or that places no contact in an open bucket (its input refused before any request) failed as a
    whole; contacts it reported before failing keep their outcome. A call that failed only because of its
    contacts (refused, unconfirmed: every one of them placed) did not.
    """
    if result.get('skipped'):
        return 'not called'
    if result.get('failed') and ('error' in result or not any(result.get(b) for b in ('batch_errors',) + OPEN_OUTCOMES)):
        return to_text(result.get('msg') or 'the module call failed')
    return None


def _index_entries(entries):
    """``{key: entry}`` for every identifier of every entry."""
    indexed = {}
    for entry in entries or []:
        for key in _key(entry):
            indexed[key] = entry
    return indexed


def _put_open(opened, contact, outcome, message):
    """File ``(outcome, message)`` under the contact's position (when the module gave it) and identifiers;
    of two outcomes filed under one key the one that says least in the user's favour stays."""
    keys = _key(contact)
    if isinstance(contact.get('index'), int):
        keys.append(('index', contact['index']))
    for key in keys:
        if key not in opened or _SEVERITY.index(outcome) > _SEVERITY.index(opened[key][0]):
            opened[key] = (outcome, message)


def _open_of(result):
    """``{key: (outcome, message)}`` of the contacts the call rejected, could not confirm or never sent."""
    opened = {}
    for err in result.get('batch_errors') or []:
        message = '%s %s: %s' % (err.get('status', ''), err.get('category', ''), err.get('message', ''))
        if err.get('correlation_id'):
            message += ' (correlationId %s)' % err['correlation_id']
        _put_open(opened, err.get('contact') or {}, 'failed', message)
    for bucket, default_reason in OPEN_BUCKETS:
        for entry in result.get(bucket) or []:
            _put_open(opened, entry, bucket, to_text(entry.get('reason') or default_reason))
    return opened


def _first_match(keys, indexed):
    return [indexed[k] for k in keys if k in indexed][0]


class _CallAnswer(object):
    """What one module call (one state) said about its contacts."""

    def __init__(self, result):
        self.whole_failure = _whole_failure(result)
        self.recorded = _index_entries(result.get('recorded'))
        self.unchanged = _index_entries(result.get('unchanged'))
        self.opened = _open_of(result)

    def outcome(self, position, keys):
        """``(outcome, message, entry the module returned or None)`` of the contact at ``position``."""
        opened = [self.opened[k] for k in [('index', position)] + keys if k in self.opened]
        if opened:
            return max(opened, key=lambda found: _SEVERITY.index(found[0])) + (None,)
        for outcome, indexed in (('recorded', self.recorded), ('unchanged', self.unchanged)):
            if any(k in indexed for k in keys):
                return outcome, '', _first_match(keys, indexed)
        return 'failed', self.whole_failure or 'the module reported nothing for this contact', None


def _contact_entry(row, state, answer, position):
    """The outcome of one good row; the contact id HubSpot returned fills a row given by email. The id is text
    either way, as the module returns it (a row's own id is an integer after attendance_rows)."""
    contact = row['contact']
    outcome, message, returned = answer.outcome(position, _key(contact))
    contact_id = contact.get('id')
    if contact_id in (None, '') and returned is not None:
        contact_id = returned.get('id')
    entry = {'line': row.get('line'), 'index': row.get('index'), 'state': state, 'outcome': outcome,
             'email': contact.get('email', ''), 'id': '' if contact_id in (None, '') else to_text(contact_id), 'message': message}
    return entry


def _outcomes(parsed, by_state):
    """``(states, contacts, call_errors)``: counts per state, one entry per good row, whole-call failures."""
    states = dict((s, dict((k, 0) for k in COUNTS)) for s in ATTENDANCE_STATES)
    contacts, call_errors = [], []
    for state in ATTENDANCE_STATES:
        group = [row for row in parsed['rows'] if row['state'] == state]
        if not group:
            continue
        answer = _CallAnswer(by_state.get(state) or {})
        if answer.whole_failure:
            call_errors.append({'state': state, 'message': answer.whole_failure})
        for position, row in enumerate(group):
            entry = _contact_entry(row, state, answer, position)
            states[state]['requested'] += 1
            states[state][entry['outcome']] += 1
            contacts.append(entry)
    contacts.sort(key=lambda c: c['index'])
    _one_contact_in_two_states(contacts, states)
    return states, contacts, call_errors


def _where(contact):
    """``line 4 (c@x.io, attended)``: a row as the summary names it."""
    where = 'line %d' % contact['line'] if contact['line'] is not None else 'item %d' % contact['index']
    return '%s (%s, %s)' % (where, contact['email'] or contact['id'], contact['state'])


def _one_contact_in_two_states(contacts, states):
    """Rows in different states that HubSpot's answers showed to be one contact (one row by id, one by
    email, the id HubSpot returned being the same) are both unconfirmed, as the module reports two inputs of
    one call that its answer shows to be one contact: each call wrote its state, so the rows disagree on
    what the contact should hold, and the reads before writing could not tell (the contact was new to the
    event). The next run's reads see them as one and refuse the rows."""
    by_id = {}
    for contact in contacts:
        if contact['outcome'] in SETTLED and contact['id'] not in (None, ''):
            by_id.setdefault(to_text(contact['id']), []).append(contact)
    for contact_id, group in by_id.items():
        if len(set(c['state'] for c in group)) < 2:
            continue
        message = '%s are one HubSpot contact (id %s), given in several states that each call wrote in turn; give each contact once' % (
            ' and '.join(_where(c) for c in group), contact_id)
        for contact in group:
            states[contact['state']][contact['outcome']] -= 1
            states[contact['state']]['unconfirmed'] += 1
            contact.update(outcome='unconfirmed', message=message)


def _totals(parsed, states):
    totals = dict((k, sum(states[s][k] for s in ATTENDANCE_STATES)) for k in COUNTS)
    totals['rows'] = parsed.get('total', 0)
    totals['bad_rows'] = len(parsed.get('bad_rows') or [])
    totals['ignored'] = len(parsed.get('ignored') or [])
    return totals


def _lines(states, totals, contacts, call_errors, check_mode):
    """The summary as the role prints it."""
    verb = 'would record' if check_mode else 'recorded'
    lines = ['rows: %d, to send: %d, bad (not sent): %d, ignored: %d%s' % (
        totals['rows'], totals['requested'], totals['bad_rows'], totals['ignored'],
        ' [check mode: nothing was written]' if check_mode else '')]
    for state in ATTENDANCE_STATES:
        counts = states[state]
        if counts['requested']:
            lines.append('%s: %d requested, %s %d, %d unchanged, %d failed%s' % (
                state, counts['requested'], verb, counts['recorded'], counts['unchanged'], counts['failed'],
                ''.join(', %d %s' % (counts[k], _label(k)) for k in OPEN_OUTCOMES if counts[k])))
    for err in call_errors:
        lines.append('%s: call failed: %s' % (err['state'], err['message']))
    call_messages = set(err['message'] for err in call_errors)
    shown = [c for c in contacts if c['outcome'] not in SETTLED and c['message'] not in call_messages]
    for contact in shown[:FAILED_SHOWN]:
        lines.append('%s %s: %s' % (_label(contact['outcome']), _where(contact), contact['message']))
    if len(shown) > FAILED_SHOWN:
        lines.append('... and %d more contacts failed, unconfirmed or not attempted (see the report)' % (len(shown) - FAILED_SHOWN))
    return lines


def _label(outcome):
    """``not attempted``: an outcome as the summary's lines write it."""
    return outcome.replace('_', ' ')


def attendance_summary(parsed, results, check_mode=False):
    if not isinstance(parsed, dict) or 'rows' not in parsed:
        raise AnsibleFilterError('attendance_summary: the input must be the output of hubspot.marketing.attendance_rows')
    by_state = _results_by_state(results)
    states, contacts, call_errors = _outcomes(parsed, by_state)
    totals = _totals(parsed, states)
    settled = sum(totals[k] for k in SETTLED)
    return {
        'settled': not call_errors and settled == totals['requested'],
        'refused_only': not call_errors and settled + totals['failed'] == totals['requested'],
        'lines': _lines(states, totals, contacts, call_errors, check_mode),
        'check_mode': bool(check_mode),
        # The module's own changed counts the contacts it cannot confirm (they may be recorded).
        'changed': totals['recorded'] > 0 or any(bool(r.get('changed')) for r in by_state.values()),
        'states': states,
        'totals': totals,
        'contacts': contacts,
        'bad_rows': list(parsed.get('bad_rows') or []),
        'ignored': list(parsed.get('ignored') or []),
        'call_errors': call_errors,
    }


class FilterModule(object):
    def filters(self):
        return {'attendance_summary': attendance_summary}
