# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.hubspot.marketing.plugins.filter.attendance_rows import attendance_rows
from ansible_collections.hubspot.marketing.plugins.filter.attendance_summary import (
    FilterModule,
    attendance_summary,
)

# Task-level join and leave times, as the role passes them, so attendees need no time columns here.
TIMES = {'joined_at': '2026-03-01T10:00:00Z', 'left_at': '2026-03-01T11:00:00Z'}
CSV = (
    "email,contact_id,status\n"
    "a@x.io,,attended\n"        # 2: recorded
    "b@x.io,,attended\n"        # 3: unchanged
    "c@x.io,,attended\n"        # 4: batch error
    ",55,registered\n"          # 5: recorded (by id)
    "d@x.io,,cancelled\n"       # 6: whole call failed
    ",,attended\n"              # 7: bad row
)


def results():
    return [
        {'item': 'registered', 'changed': True, 'recorded': [{'id': 55, 'email': None, 'state': 'registered'}],
         'unchanged': [], 'batch_errors': []},
        {'item': 'attended', 'changed': True, 'failed': False,
         'recorded': [{'id': 9, 'email': 'A@X.IO', 'state': 'attended'}],
         'unchanged': [{'id': 10, 'email': 'b@x.io', 'current_state': 'attended'}],
         'batch_errors': [{'contact': {'email': 'c@x.io', 'index': 2}, 'status': 400, 'category': 'VALIDATION_ERROR',
                           'message': 'nope', 'correlation_id': 'c0ffee'}]},
        {'ansible_loop_var': 'st', 'st': 'cancelled', 'failed': True, 'msg': 'POST /x -> 403 MISSING_SCOPES'},
    ]


def test_registered_as_filter():
    assert FilterModule().filters()['attendance_summary'] is attendance_summary


def test_counts_and_outcomes():
    out = attendance_summary(attendance_rows(CSV, defaults=TIMES), results(), check_mode=True)
    assert out['check_mode'] is True and out['changed'] is True
    none_open = {'unconfirmed': 0, 'not_attempted': 0}
    assert out['states'] == {
        'registered': dict(requested=1, recorded=1, unchanged=0, failed=0, **none_open),
        'attended': dict(requested=3, recorded=1, unchanged=1, failed=1, **none_open),
        'cancelled': dict(requested=1, recorded=0, unchanged=0, failed=1, **none_open),
    }
    assert out['totals'] == dict(requested=5, recorded=2, unchanged=1, failed=2, rows=6, bad_rows=1, ignored=0, **none_open)
    outcome = {c['line']: (c['outcome'], c['message']) for c in out['contacts']}
    assert [c['line'] for c in out['contacts']] == [2, 3, 4, 5, 6]
    assert outcome[2] == ('recorded', '')
    assert outcome[3] == ('unchanged', '')
    assert outcome[4] == ('failed', '400 VALIDATION_ERROR: nope (correlationId c0ffee)')
    assert outcome[5] == ('recorded', '')
    assert outcome[6] == ('failed', 'POST /x -> 403 MISSING_SCOPES')
    assert out['contacts'][0]['id'] == '9'
    # The id HubSpot holds fills rows given by email, whether recorded or unchanged; every id is text, a row's own too.
    assert out['contacts'][1]['id'] == '10'
    assert out['contacts'][3]['id'] == '55'
    assert out['call_errors'] == [{'state': 'cancelled', 'message': 'POST /x -> 403 MISSING_SCOPES'}]
    assert out['bad_rows'][0]['line'] == 7
    assert out['lines'] == [
        'rows: 6, to send: 5, bad (not sent): 1, ignored: 0 [check mode: nothing was written]',
        'registered: 1 requested, would record 1, 0 unchanged, 0 failed',
        'attended: 3 requested, would record 1, 1 unchanged, 1 failed',
        'cancelled: 1 requested, would record 0, 0 unchanged, 1 failed',
        'cancelled: call failed: POST /x -> 403 MISSING_SCOPES',
        'failed line 4 (c@x.io, attended): 400 VALIDATION_ERROR: nope (correlationId c0ffee)',
    ]


def test_skipped_states_without_contacts_are_fine():
    parsed = attendance_rows("email,status\na@x.io,registered\n")
    res = [{'item': 'registered', 'changed': False, 'recorded': [], 'unchanged': [{'id': 1, 'email': 'a@x.io'}],
            'batch_errors': []},
           {'item': 'attended', 'skipped': True}, {'item': 'cancelled', 'skipped': True}]
    out = attendance_summary(parsed, res)
    assert out['changed'] is False and out['check_mode'] is False
    assert out['totals']['unchanged'] == 1 and out['call_errors'] == []


def test_failed_call_keeps_what_it_reported():
    parsed = attendance_rows("email,status\na@x.io,registered\nb@x.io,registered\n")
    res = [{'item': 'registered', 'failed': True, 'msg': 'POST -> 429 RATE_LIMITS', 'recorded': [{'email': 'a@x.io', 'id': 3}],
            'unchanged': [], 'batch_errors': []}]
    out = attendance_summary(parsed, res)
    assert [c['outcome'] for c in out['contacts']] == ['recorded', 'failed']
    assert out['contacts'][1]['message'] == 'POST -> 429 RATE_LIMITS'
    assert out['call_errors'] == [{'state': 'registered', 'message': 'POST -> 429 RATE_LIMITS'}]


def test_contact_missing_from_results_counts_as_failed():
    parsed = attendance_rows("email,status\na@x.io,registered\n")
    out = attendance_summary(parsed, [{'item': 'registered', 'recorded': [], 'unchanged': [], 'batch_errors': []}])
    assert out['contacts'][0]['outcome'] == 'failed'


def test_rejects_wrong_input():
    with pytest.raises(AnsibleFilterError, match='output of hubspot.marketing.attendance_rows'):
        attendance_summary([], [])
    with pytest.raises(AnsibleFilterError, match='without a state as its loop item'):
        attendance_summary({'rows': []}, [{'item': 'maybe'}])


def test_unconfirmed_and_not_attempted_contacts_keep_their_own_outcome():
    # HubSpot may hold an unconfirmed contact: reporting it failed (or recorded) would be a guess.
    parsed = attendance_rows("email,status\na@x.io,registered\nb@x.io,registered\nc@x.io,registered\nd@x.io,registered\n")
    msg = 'POST -> no response (1 of 4 contacts to write recorded before this failure, 2 unconfirmed, 0 refused, 1 not attempted)'
    call = {'item': 'registered', 'failed': True, 'msg': msg, 'error': {'method': 'POST', 'path': '/x', 'reason': 'timed out'},
            'recorded': [{'email': 'a@x.io'}], 'unchanged': [], 'batch_errors': [],
            'unconfirmed': [{'index': 1, 'email': 'b@x.io', 'reason': 'not seen by verify within 60 s'},
                            {'index': 2, 'email': 'c@x.io'}],
            'not_attempted': [{'index': 3, 'email': 'd@x.io'}]}
    out = attendance_summary(parsed, [call])
    assert [(c['outcome'], c['message']) for c in out['contacts']] == [
        ('recorded', ''), ('unconfirmed', 'not seen by verify within 60 s'),
        ('unconfirmed', 'HubSpot may or may not hold this state'), ('not_attempted', 'not sent: an earlier request failed as a whole')]
    assert out['states']['registered'] == dict(requested=4, recorded=1, unchanged=0, failed=0, unconfirmed=2, not_attempted=1)
    assert out['totals']['failed'] == 0 and out['totals']['unconfirmed'] == 2 and out['totals']['not_attempted'] == 1
    assert out['lines'] == [
        'rows: 4, to send: 4, bad (not sent): 0, ignored: 0',
        'registered: 4 requested, recorded 1, 0 unchanged, 0 failed, 2 unconfirmed, 1 not attempted',
        'registered: call failed: ' + msg,
        'unconfirmed line 3 (b@x.io, registered): not seen by verify within 60 s',
        'unconfirmed line 4 (c@x.io, registered): HubSpot may or may not hold this state',
        'not attempted line 5 (d@x.io, registered): not sent: an earlier request failed as a whole',
    ]


@pytest.mark.parametrize("module_changed", [True, False])
def test_changed_follows_the_module_when_nothing_is_recorded(module_changed):
    # Nothing recorded, one contact unconfirmed (HubSpot may hold it): the module's changed stands.
    parsed = attendance_rows("email,status\na@x.io,registered\n")
    call = {'item': 'registered', 'changed': module_changed, 'failed': True, 'msg': 'POST -> no response',
            'recorded': [], 'unchanged': [], 'batch_errors': [],
            'unconfirmed': [{'index': 0, 'email': 'a@x.io', 'reason': 'no readable answer'}]}
    out = attendance_summary(parsed, [call])
    assert out['totals']['recorded'] == 0
    assert out['changed'] is module_changed


def test_one_contact_given_in_two_states_is_unconfirmed_in_both():
    # Row 2 by id and row 3 by email were new to the event; the answers name one contact (1001) for both.
    parsed = attendance_rows("email,contact_id,status\n,1001,attended\nada@x.io,,cancelled\nbob@x.io,,cancelled\n", defaults=TIMES)
    recorded_cancelled = [{'id': '1001', 'email': 'ada@x.io', 'state': 'cancelled'}, {'id': '1003', 'email': 'bob@x.io', 'state': 'cancelled'}]
    res = [{'item': 'attended', 'changed': True, 'recorded': [{'id': '1001', 'email': None, 'state': 'attended'}], 'unchanged': []},
           {'item': 'cancelled', 'changed': True, 'recorded': recorded_cancelled, 'unchanged': []}]
    out = attendance_summary(parsed, res)
    message = ('line 2 (1001, attended) and line 3 (ada@x.io, cancelled) are one HubSpot contact (id 1001), given in several '
               'states that each call wrote in turn; give each contact once')
    assert [(c['line'], c['outcome'], c['message']) for c in out['contacts']] == [
        (2, 'unconfirmed', message), (3, 'unconfirmed', message), (4, 'recorded', '')]
    assert out['states']['attended'] == dict(requested=1, recorded=0, unchanged=0, failed=0, unconfirmed=1, not_attempted=0)
    assert out['states']['cancelled'] == dict(requested=2, recorded=1, unchanged=0, failed=0, unconfirmed=1, not_attempted=0)
    assert out['totals']['unconfirmed'] == 2
    assert 'unconfirmed line 2 (1001, attended): ' + message in out['lines']
    # Not HubSpot's refusal: allow_partial does not forgive it.
    assert (out['settled'], out['refused_only']) == (False, False)


REFUSED = {'contact': {'email': 'b@x.io', 'index': 1}, 'status': 400, 'category': 'VALIDATION_ERROR', 'message': 'nope'}


@pytest.mark.parametrize("call, settled, refused_only, call_errors", [
    # Everything recorded or unchanged.
    ({'recorded': [{'email': 'a@x.io'}], 'unchanged': [{'email': 'b@x.io'}]}, True, True, 0),
    # HubSpot refused one contact: what allow_partial forgives.
    ({'recorded': [{'email': 'a@x.io'}], 'batch_errors': [REFUSED]}, False, True, 0),
    # The same, with allow_partial false: the module failed because of its contacts, not as a whole.
    ({'failed': True, 'msg': '1 of 2 contacts to write failed', 'recorded': [{'email': 'a@x.io'}], 'batch_errors': [REFUSED]},
     False, True, 0),
    # verify did not see one contact: the call failed because of it, not as a whole, and nothing forgives it.
    ({'failed': True, 'msg': '1 of 2 contacts to write unconfirmed', 'recorded': [{'email': 'a@x.io'}],
      'unconfirmed': [{'email': 'b@x.io', 'index': 1, 'reason': 'not seen by verify within 2 s'}]}, False, False, 0),
    # A write failed as a whole (error set): a call error, whatever its contacts' outcomes.
    ({'failed': True, 'msg': 'POST -> 503', 'error': {'status': 503}, 'recorded': [{'email': 'a@x.io'}],
      'unconfirmed': [{'email': 'b@x.io', 'index': 1}]}, False, False, 1),
    # Refused before any request (no contact placed, no error): a call error.
    ({'failed': True, 'msg': 'nothing was written: ...', 'recorded': [], 'unchanged': [], 'batch_errors': [], 'unconfirmed': []},
     False, False, 1),
])
def test_settled_refused_only_and_whole_failures(call, settled, refused_only, call_errors):
    parsed = attendance_rows("email,status\na@x.io,registered\nb@x.io,registered\n")
    out = attendance_summary(parsed, [dict(call, item='registered')])
    assert (out['settled'], out['refused_only'], len(out['call_errors'])) == (settled, refused_only, call_errors)
    assert sum(out['totals'][k] for k in ('recorded', 'unchanged', 'failed', 'unconfirmed', 'not_attempted')) == 2
    assert any(line.startswith('registered: call failed') for line in out['lines']) == bool(call_errors)


@pytest.mark.parametrize("indexed", ["refused", "unconfirmed"])
def test_a_contact_in_two_buckets_takes_the_more_open_outcome(indexed):
    # The module places each contact once; should an answer list one twice, the outcome that says least in
    # the user's favour wins, whichever entry carries the index.
    parsed = attendance_rows("email,status\na@x.io,registered\nb@x.io,registered\n")
    refused = dict(REFUSED, contact={'email': 'b@x.io', 'index': 1} if indexed == "refused" else {'email': 'b@x.io'})
    unconfirmed = {'email': 'b@x.io', 'reason': 'no readable answer'}
    if indexed == "unconfirmed":
        unconfirmed['index'] = 1
    out = attendance_summary(parsed, [{'item': 'registered', 'recorded': [{'email': 'a@x.io'}], 'batch_errors': [refused],
                                       'unconfirmed': [unconfirmed]}])
    assert (out['contacts'][1]['outcome'], out['contacts'][1]['message']) == ('unconfirmed', 'no readable answer')
