#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: marketing_event_attendance
short_description: Record registrations, attendance and cancellations of contacts for a HubSpot marketing event
version_added: 0.1.0
description:
  - Makes a list of contacts registered for, attendees of, or cancelled from a HubSpot marketing event,
    through the attendance endpoints of the HubSpot Marketing Events API (O(api_version)).
  - Idempotent. The module first reads the event's current participations, then writes only the contacts
    whose current state does not already satisfy O(state), in batches of O(batch_size).
  - What was recorded is taken from HubSpot's answer, never assumed. HubSpot lists in its answer only the contacts
    it changed; a contact it already held in O(state) is reported in RV(unchanged) with that reason, and a rerun
    right after a run (when HubSpot's reads still lag the writes) reports RV(ignore:changed=false).
  - A contact already satisfies V(registered) when it is registered, attended or a no-show (an attendee is
    never demoted to registered); V(cancelled) only when it cancelled; V(attended) only when it attended
    B(with the attendance duration this task gives) (so a corrected export with other join or leave times is written again).
    Set O(force=true) to record every contact anyway.
  - HubSpot keeps an attendance only with a join and a leave time at least one second apart, and silently drops
    any other. So with O(state=attended) every contact needs O(contacts[].joined_at) and O(contacts[].left_at)
    (or the task-level O(joined_at) and O(left_at)); the module refuses the task otherwise, before any request.
  - "Reads: the first page of the event's participation breakdown (100 per page) tells how many participations P
    the event has. When the remaining pages are fewer than the contacts still unknown, the module pages through
    the rest; otherwise it reads each of those contacts' own participation breakdown. So it sends about
    1 + min(ceil(P / 100) - 1, N) reads for N contacts, and none for an empty O(contacts)."
  - "When the task needs several states (V(registered) is satisfied by three) and the event's states are mixed, the
    rest is read as one cursor per state, in parallel: up to one partly filled page more per state, so at most
    ceil(P / 100) + 4 reads in all. If those cursors do not add up (participations changed during the read), the
    rest of the first cursor is read as well, so that the result stays exact."
  - "Writes: contacts given by O(contacts[].id) and by O(contacts[].email) go to different HubSpot endpoints;
    each group is sent in ceil(n / O(batch_size)) requests, up to O(write_concurrency) at a time."
  - All input is validated before any request is sent; every problem is reported at once, each prefixed with
    the path of the offending field, for example C(contacts[3].email).
requirements:
  - jsonschema >= 4.0.0
extends_documentation_fragment:
  - hubspot.marketing.auth
  - hubspot.marketing.event
  - hubspot.marketing.attributes
  - hubspot.marketing.attributes.action_group
attributes:
  check_mode:
    details:
      - Sends the same reads and no write; RV(recorded) lists the contacts that would be written.
      - Check mode cannot prove that the token has the write scope or that the contacts exist.
  diff_mode:
    details:
      - The diff shows, for each contact that is (or would be) written, its state before and after,
        keyed by the contact as given (id or email). An attendee's state shows its duration, C(attended (3600 s)).
      - Only the contacts of this task are shown, never the rest of the event.
options:
  state:
    description:
      - The state the contacts must be in. Recorded in HubSpot as C(register), C(attend) or C(cancel).
    type: str
    required: true
    choices: [registered, attended, cancelled]
  contacts:
    description:
      - The contacts, each given by exactly one of O(contacts[].id) or O(contacts[].email).
      - A contact may appear only once; emails are compared ignoring case.
      - A contact given once by its id and once by its email cannot be told apart before the reads. When the event's
        participations show both as one contact in a state that satisfies O(state), the task fails before any write and
        names both entries. With O(force=true) nothing is read, so nothing is checked.
      - At most 100,000 contacts. An empty list does nothing and sends no request.
    type: list
    elements: raw
    required: true
    suboptions:
      id:
        description:
          - HubSpot's id of an existing contact, as an integer or a string of digits.
          - HubSpot rejects an id that does not exist; that contact is reported in RV(batch_errors).
        type: raw
      email:
        description:
          - The contact's email address (at most 254 characters).
          - When no contact has this email, HubSpot creates one, using O(contacts[].contact_properties).
        type: str
      joined_at:
        description:
          - When the contact joined the event. Required for every contact with O(state=attended), here or as the
            task-level O(joined_at); not allowed with other states.
          - In milliseconds since the Unix epoch (an integer or a string of digits) or as an RFC 3339 timestamp such as
            V(2024-06-04T10:00:00Z). Sent to HubSpot as an ISO-8601 instant in UTC with milliseconds.
          - A number below 10^11 is refused as epoch seconds, and so is any time before 1973 (HubSpot cannot tell it from
            epoch seconds); a time more than a day in the future is refused.
        type: raw
      left_at:
        description:
          - When the contact left the event, in the same forms as O(contacts[].joined_at); at least one second
            after the join time (HubSpot stores the duration in whole seconds and keeps no shorter attendance).
        type: raw
      occurred_at:
        description:
          - When the contact registered, attended or cancelled, in the same forms as O(contacts[].joined_at).
            Sent as C(interactionDateTime), which HubSpot keys the idempotency of its writes on.
          - Defaults to the task-level O(occurred_at); for attendees then to the join time. See O(occurred_at) for
            registrations and cancellations given without any time.
        type: raw
      contact_properties:
        description:
          - Contact properties (for example C(firstname), C(lastname)) HubSpot uses if it creates the contact for
            O(contacts[].email). An existing contact is never updated from them.
          - Only for contacts given by O(contacts[].email). Values are strings, numbers or booleans, sent as strings
            (a NaN or an infinity is refused); at most 200 properties. An C(email) property, if given, must be the
            contact's own O(contacts[].email).
        type: dict
  joined_at:
    description:
      - The join time of every contact that gives no O(contacts[].joined_at), for example the session's start
        when a webinar export has no per-person times. Only with O(state=attended).
    type: raw
  left_at:
    description:
      - The leave time of every contact that gives no O(contacts[].left_at), for example the session's end.
        Only with O(state=attended).
    type: raw
  occurred_at:
    description:
      - The C(interactionDateTime) of every contact that gives no O(contacts[].occurred_at).
      - Without any time, attendees use their join time, so reruns send the same value. Registrations and
        cancellations given without any time are sent with the time the task started; a rerun does not write
        the contacts the event already shows in that state, and HubSpot answers a re-post of a held state as a
        no-op, but a contact written again later gets a new time. Give O(occurred_at) (for example the export's
        registration time) to keep it stable.
    type: raw
  force:
    description:
      - Record every contact, even those whose current state already satisfies O(state).
      - With O(state=registered) this also records attendees and no-shows as registered again.
      - Nothing is read before writing (the write-only plan), unless C(--diff) asks for the states before.
        N contacts cost ceil(N / O(batch_size)) requests, O(write_concurrency) at a time. HubSpot's answer lists
        only the contacts it changed, so RV(recorded), RV(unchanged) and RV(ignore:changed) stay exact. In check
        mode every contact is reported as it would be written.
      - With O(state=attended) or O(state=cancelled) HubSpot ends in the same state as without O(force) (a contact
        already holding it is left as it is), so this plan is the fastest one for a large event, where reading its
        participations costs more requests than writing (see the performance page of the docs). The cost is on the
        timeline. HubSpot adds a timeline event for each call and treats a call as a repeat only with the same contact
        and C(interactionDateTime) (O(occurred_at)). Re-posting this task's own earlier writes is harmless when that time
        is stable (attendees' join times, or O(occurred_at) given). Registrations and cancellations given without any
        time are sent with the time the task started, so each forced run may add a timeline entry for them (the task
        warns and counts them); a participation recorded by another tool at another time may get a second one too.
    type: bool
    default: false
  allow_partial:
    description:
      - By default, when HubSpot rejects any contact of a batch, the task fails with C(N of M contacts to write failed)
        and the first errors, after writing everything else (so RV(ignore:changed) may be true on a failed task).
      - With V(true), rejected contacts are only reported in RV(batch_errors) and a warning; the task succeeds.
      - A request that fails as a whole (an API error after retries, a timeout, the daily limit) and any contact
        in RV(unconfirmed) always fail the task.
    type: bool
    default: false
  batch_size:
    description:
      - How many contacts to send per write request, from V(1) to V(100).
    type: int
    default: 100
  write_concurrency:
    description:
      - How many write requests may be in flight at once, from V(1) to V(25). HubSpot answers in 100 to 300 ms;
        sending a few batches at a time keeps a large task near the rate limit instead of the latency
        (at 150 ms, 50 batches take about 0.6 s at the default instead of 7.5 s one at a time, and 0.3 s at V(25)).
      - HubSpot limits requests per 10 seconds, not requests in flight. Values above the default help only
        when the rate window has room for many writes at once, as right after the reads of a large event;
        the maximum is a quarter of HubSpot's smallest window (100 requests per 10 seconds). Lower values
        send fewer requests after one that fails as a whole (see below).
      - The client still paces every request under the rate limit HubSpot announces, and the results keep the input order.
      - When a write request fails as a whole, no further request is sent; those already in flight are reported by their answers.
    type: int
    default: 16
  verify:
    description:
      - After writing, read back from HubSpot that every written contact holds O(state) (for attendees, with the
        duration given), polling with backoff (after 1.5, 2 and 4 seconds, then every 8 seconds) for up to O(verify_timeout) seconds.
      - HubSpot's reads lag its writes (about 1.3 seconds for a contact's own participations, longer for the event's),
        and HubSpot may answer a write as done without storing it. Contacts not confirmed in time move to
        RV(unconfirmed) and fail the task; contacts the writes left in RV(unconfirmed) but that the reads show in O(state)
        are moved to RV(recorded).
      - Reads the contacts' own participations, or the event's breakdown when that takes fewer requests; counted in
        RV(api_calls.verify_reads). The event's breakdown is a rollup that lags further, so a round reads it only once
        its total shows at least the participations this task's writes imply; another tool writing to the same event
        meanwhile can make it show a state a contact has left since.
    type: bool
    default: false
  verify_timeout:
    description:
      - How long O(verify) may poll, in seconds, from V(1) to V(3600).
    type: int
    default: 60
notes:
  - HubSpot's answer to a write by email does not say whether it created the contact, so the module does not either.
  - When a write request fails as a whole, the module stops and fails. Every contact ends in exactly one of RV(recorded),
    RV(unchanged), RV(batch_errors), RV(unconfirmed) and RV(not_attempted). A request refused with a 4xx status is in
    RV(batch_errors); one that got no readable answer (timeout, dropped connection, 5xx, cut body) is in RV(unconfirmed),
    because HubSpot may have recorded it.
  - HubSpot's per-contact errors name the contact only in their message; the module attributes them by that name,
    or by elimination. Contacts an answer leaves open (an error that names nobody) are reported in RV(unconfirmed).
  - "HubSpot's event breakdown lags writes by seconds or more: a O(state=registered) task run right after an
    O(state=attended) task for the same contacts may not see the attendance yet and register them again."
  - "The other way round, a contact whose participation another task or tool changed within that lag may still show
    its earlier state there. When that earlier state is O(state), the contact is reported in RV(unchanged) and not
    written, though HubSpot now holds the newer state. After changing the same contacts' state, give HubSpot that
    time, or use O(force=true) with O(state=attended) or O(state=cancelled): its writes are judged by HubSpot's answer."
  - A contact given by O(contacts[].id) and the same contact given by O(contacts[].email) in one task cannot be told apart before
    writing; avoid mixing both for one person.
seealso:
  - module: hubspot.marketing.marketing_event_participation_info
    description: Read the participations of an event or a contact.
  - plugin: hubspot.marketing.marketing_event_participations
    plugin_type: lookup
    description: The participations of events, for use in templates.
'''

EXAMPLES = r'''
- name: Record webinar attendance in HubSpot
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/hubspot.marketing.hubspot:
      access_token: "{{ vault_hubspot_access_token }}"
  tasks:
    - name: Register contacts by email; HubSpot creates unknown contacts with these properties
      hubspot.marketing.marketing_event_attendance:
        event_id: "123456789"
        state: registered
        occurred_at: "2024-06-01T09:00:00Z"
        contacts:
          - email: jane@example.com
            contact_properties:
              firstname: Jane
              lastname: Doe
          - email: john@example.com
            occurred_at: "2024-06-01T09:30:00Z"

    - name: Mark existing contacts as attendees, with the session's times as defaults
      hubspot.marketing.marketing_event_attendance:
        external_account_id: my-webinar-app
        external_event_id: webinar-2024-06
        state: attended
        joined_at: "2024-06-04T10:00:00Z"
        left_at: "2024-06-04T11:00:00Z"
        contacts:
          - id: "51"
            joined_at: "2024-06-04T10:05:00Z"
            left_at: "2024-06-04T11:02:00Z"
          - id: 52
        verify: true
      register: attendance

    - name: Show who was written and who already attended
      ansible.builtin.debug:
        msg:
          - "recorded: {{ attendance.recorded | map(attribute='id') | list }}"
          - "already attended: {{ attendance.unchanged | length }}"

    - name: Cancel registrations of emails read from a file (thousands are fine), tolerating contacts HubSpot rejects
      hubspot.marketing.marketing_event_attendance:
        event_id: "123456789"
        state: cancelled
        # Each line becomes {"email": line}, with ansible-core's filters only.
        contacts: "{{ emails | map('to_json') | map('regex_replace', '^(.*)$', as_contact) | map('from_json') }}"
        allow_partial: true
      vars:
        emails: "{{ lookup('ansible.builtin.file', 'cancellations.txt').splitlines() | select }}"
        as_contact: '{"email": \1}'
      register: cancellations

    - name: Report the rejected contacts
      ansible.builtin.debug:
        msg: "{{ item.contact.email }}: {{ item.message }}"
      loop: "{{ cancellations.batch_errors }}"

- name: Everything from module_defaults, token (and base_url, if set) from the environment (HUBSPOT_ACCESS_TOKEN)
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/hubspot.marketing.hubspot:
      timeout: 60
      max_retries: 8
    hubspot.marketing.marketing_event_attendance:
      event_id: "123456789"
      batch_size: 50
  tasks:
    - name: Preview with --check --diff, then run for real
      hubspot.marketing.marketing_event_attendance:
        state: registered
        contacts: "{{ registrants }}"
      vars:
        registrants:
          - email: ann@example.com
          - email: bob@example.com

# Ad-hoc, from a shell (token in HUBSPOT_ACCESS_TOKEN):
#   ansible localhost -m hubspot.marketing.marketing_event_attendance \
#     -a '{"event_id": "123456789", "state": "attended", "joined_at": "2024-06-04T10:00:00Z",
#          "left_at": "2024-06-04T11:00:00Z", "contacts": [{"email": "jane@example.com"}]}' --check --diff
'''

RETURN = r'''
event:
  description: The event, as given.
  returned: always
  type: dict
  contains:
    event_id:
      description: HubSpot's internal event id, when the event was given by O(event_id).
      type: str
      sample: "123456789"
    external_account_id:
      description: The external account id, when the event was given by external ids.
      type: str
      sample: null
    external_event_id:
      description: The external event id, when the event was given by external ids.
      type: str
      sample: null
state:
  description: The desired state, O(state).
  returned: always
  type: str
  sample: attended
recorded:
  description:
    - The contacts HubSpot's answer lists as changed (in check mode, the contacts that would be written), in input order.
    - With O(verify), also contacts the writes left open (no readable answer, an answer that did not name them or did not finish
      the batch) that HubSpot's reads then showed in O(state) (for attendees, with the duration given). The reads cannot tell whether
      this task's write or an earlier change put them there; without O(force), the event's participations read before the writes
      did not show them so. Contacts given twice that HubSpot holds as one contact with different durations stay RV(unconfirmed).
    - Empty when nothing changed.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description:
        - The contact id HubSpot returned, as a string. For contacts given by email in check mode, the id
          is known only when the reads showed the contact's participation (without C(--diff) the module reads
          only the states that satisfy O(state)); otherwise V(null).
      type: str
      sample: "51"
    email:
      description: The contact's email where known (given, returned by HubSpot, or read from the event), otherwise V(null).
      type: str
      sample: jane@example.com
    state:
      description: The state recorded, O(state).
      type: str
      sample: attended
unchanged:
  description:
    - The contacts that already held O(state) (for attendees, with the duration given). Either the event's
      participations showed it, and nothing was written, or HubSpot answered the write as a no-op.
    - The event's participations are a read that can lag a change made within the last seconds or minutes (see the notes).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The contact id, given or read from the event.
      type: str
      sample: "52"
    email:
      description: The contact's email, given or read from the event; V(null) when unknown.
      type: str
      sample: john@example.com
    current_state:
      description: The contact's state in the event.
      type: str
      sample: attended
      choices: [registered, attended, cancelled, no_show]
    reason:
      description: How the module knows (the event's participations, or HubSpot's answer to the write).
      type: str
      sample: HubSpot answered that the contact already held this state (absent from the answer's results)
batch_errors:
  description:
    - The contacts HubSpot rejected, mapped back to the input by the identifier in HubSpot's message (or by
      elimination within their request).
    - Also the contacts of a write request HubSpot refused as a whole (a 4xx status), each with that request's error.
  returned: always
  type: list
  elements: dict
  contains:
    contact:
      description:
        - The input contact, with V(index) its position in O(contacts) and its O(contacts[].id) or O(contacts[].email).
      type: dict
      sample: {"index": 3, "email": "x@example.com"}
    status:
      description: The status HubSpot gave the error (V(error) for a rejected input, the HTTP status for a refused request).
      type: raw
      sample: error
    category:
      description: HubSpot's error category.
      type: str
      sample: OBJECT_NOT_FOUND
    sub_category:
      description: HubSpot's error sub-category, when it sent one.
      type: str
      sample: AttendanceValidationError.JOINED_AT_IS_LATER_THAN_LEFT_AT_FOR_EMAIL
    message:
      description: HubSpot's error message.
      type: str
      sample: Contact with vid 999 does not exist
    correlation_id:
      description: HubSpot's correlation id of the error, when it sent one (quote it to HubSpot support).
      type: str
      sample: aeb5f871-7f07-4993-9211-075dc63e7cbf
unconfirmed:
  description:
    - Contacts HubSpot may or may not hold in O(state). Their request got no readable answer (a timeout, a dropped
      connection, a 5xx, a cut body), or was refused on a retry after an attempt that got none; the answer left them
      open (an error that names no contact, a batch C(status) other than C(COMPLETE)); with O(verify), HubSpot
      answered but its reads did not show them within O(verify_timeout); or the answers named one contact id for a
      contact given by id and one given by email with different spans (HubSpot holds only one of them).
    - Any entry here fails the task. Rerun it (the writes are idempotent) or check the contacts in HubSpot. For one
      contact given twice, give it once; the next run refuses the task until then.
  returned: always
  type: list
  elements: dict
  contains:
    index:
      description: The contact's position in O(contacts).
      type: int
      sample: 7
    id:
      description: The contact's O(contacts[].id), when given by id.
      type: str
      sample: "51"
    email:
      description: The contact's O(contacts[].email), when given by email.
      type: str
      sample: jane@example.com
    reason:
      description: Why it cannot be known.
      type: str
      sample: "no readable answer, so it may have been recorded: POST /marketing/v3/... -> no response: timed out after 30.0s"
not_attempted:
  description: Contacts that were not sent because an earlier write request failed as a whole.
  returned: when a write request failed
  type: list
  elements: dict
  sample: [{"index": 250, "id": "951"}]
verification:
  description: What O(verify) checked.
  returned: when O(verify) ran
  type: dict
  contains:
    checked:
      description: Contacts read back.
      type: int
      sample: 2
    confirmed:
      description: Contacts HubSpot's reads showed in O(state).
      type: int
      sample: 2
    rounds:
      description: Polling rounds.
      type: int
      sample: 1
api_calls:
  description: How many HTTP requests the task made (a request retried by the transport counts once).
  returned: always
  type: dict
  contains:
    reads:
      description: Participation reads (pages of the event breakdown, or per-contact reads).
      type: int
      sample: 1
    writes:
      description: Attendance write requests.
      type: int
      sample: 2
    verify_reads:
      description: Reads sent by O(verify).
      type: int
      sample: 1
error:
  description:
    - The error of the request that failed the task. When HubSpot answered, every key but RV(error.reason);
      when no answer came (timeout, refused connection, TLS failure) or a paginated read would never end (a cursor handed
      back twice, empty pages without end), only RV(error.method), RV(error.path) and RV(error.reason).
  returned: when a request failed
  type: dict
  sample: {"method": "POST", "path": "/marketing/v3/marketing-events/1/attendance/register/create", "status": 403, "not_found": false,
           "category": "MISSING_SCOPES", "message": "This app hasn't been granted all required scopes to make this call.",
           "correlation_id": "6a1c...", "details": [], "policy": null,
           "required_scopes": ["crm.objects.marketing_events.write"], "retries": 0}
  contains:
    method:
      description: The HTTP method of the request.
      type: str
      sample: POST
    path:
      description: The request path (no host, no query string).
      type: str
      sample: /marketing/v3/marketing-events/1/attendance/register/create
    status:
      description: The HTTP status HubSpot answered with, after any retries.
      type: int
      sample: 403
    not_found:
      description:
        - V(true) for a 404 that HubSpot itself answered with its JSON error, so the object is missing.
        - V(false) for any other answer, including a 404 page of a proxy or of a wrong O(base_url).
      type: bool
      sample: false
    category:
      description:
        - HubSpot's error category (or C(errorType)), for example C(VALIDATION_ERROR), C(INVALID_AUTHENTICATION),
          C(MISSING_SCOPES), C(OBJECT_NOT_FOUND) or C(RATE_LIMITS). V(null) when the answer had none.
      type: str
      sample: MISSING_SCOPES
    message:
      description: HubSpot's message, or the start (500 characters) of an answer that was not JSON.
      type: str
    correlation_id:
      description: HubSpot's C(correlationId) of the request; quote it to HubSpot support.
      type: str
      sample: 6a1c8b62-0c1d-4b5e-9a7f-3f7e0f1d2c3b
    details:
      description: HubSpot's C(errors[]) entries, each with the keys it sent of C(message), C(in), C(code), C(subCategory) and C(context).
      type: list
      elements: dict
      sample: [{"message": "joinedAt param must be earlier than leftAt", "subCategory": "AttendanceValidationError"}]
    policy:
      description: For a rate limit, HubSpot's policy name (V(DAILY) is never retried; V(TEN_SECONDLY_ROLLING) is). Otherwise V(null).
      type: str
      sample: TEN_SECONDLY_ROLLING
    required_scopes:
      description: The scopes HubSpot said the token lacks (empty unless C(MISSING_SCOPES)).
      type: list
      elements: str
      sample: [crm.objects.marketing_events.write]
    retries:
      description: How many times the request was retried before this answer (see O(max_retries)).
      type: int
      sample: 0
    reason:
      description: Only when no answer came or a paginated read would never end, what happened instead (the proxy named as C(HOST:PORT) only).
      type: str
      sample: "timed out after 30.0s (ReadTimeoutError)"
validation_errors:
  description: Every problem found in the input, as C(path) and C(message); nothing was sent.
  returned: when the input is invalid
  type: list
  elements: dict
  sample: [{"path": "contacts[3].email", "message": "'x' is not a valid email"}]
'''

import time

from ansible_collections.hubspot.marketing.plugins.module_utils._options import (
    AUTH_ARGSPEC,
    EVENT_ARGSPEC,
    EVENT_RULES,
    auth_errors,
    event_errors,
)
from ansible_collections.hubspot.marketing.plugins.module_utils._attendance import input_errors, prepare_contacts
from ansible_collections.hubspot.marketing.plugins.module_utils._errors import HubSpotValidationError
from ansible_collections.hubspot.marketing.plugins.module_utils._module import run_module
from ansible_collections.hubspot.marketing.plugins.module_utils._participations import EventRef
from ansible_collections.hubspot.marketing.plugins.module_utils._reconcile import reconcile
from ansible_collections.hubspot.marketing.plugins.module_utils._schemas import ATTENDANCE_STATES, DEFAULT_WRITE_CONCURRENCY, TASK_TIMES
from ansible_collections.hubspot.marketing.plugins.module_utils._validation import sort_errors


def argument_spec():
    spec = dict(AUTH_ARGSPEC)
    spec.update(EVENT_ARGSPEC)
    spec.update(
        state=dict(type="str", required=True, choices=list(ATTENDANCE_STATES)),
        # Each contact is checked by the JSON Schema in _schemas.py, not by suboptions: when core's
        # own conversion of an item fails (a string or a number where a dict belongs), ansible-core
        # 2.16 and 2.19 return the module arguments with access_token unmasked.
        contacts=dict(type="list", elements="raw", required=True),
        occurred_at=dict(type="raw"),
        joined_at=dict(type="raw"),
        left_at=dict(type="raw"),
        force=dict(type="bool", default=False),
        allow_partial=dict(type="bool", default=False),
        batch_size=dict(type="int", default=100),
        write_concurrency=dict(type="int", default=DEFAULT_WRITE_CONCURRENCY),
        verify=dict(type="bool", default=False),
        verify_timeout=dict(type="int", default=60),
    )
    return spec


def prepare_task(params, now_ms=None):
    """The validated task: every option checked and the contacts prepared.

    Raises HubSpotValidationError listing every problem, before any request.
    """
    if now_ms is None:
        now_ms = int(time.time() * 1000)
    defaults = dict((name, params.get(name)) for name in TASK_TIMES)
    errors = auth_errors(params) + event_errors(params)
    errors += input_errors(params["state"], params["contacts"], params["batch_size"], defaults=defaults,
                           verify_timeout=params.get("verify_timeout"), write_concurrency=params.get("write_concurrency"),
                           now_ms=now_ms)
    if errors:
        raise HubSpotValidationError(sort_errors(errors))
    return {
        "event": EventRef.from_params(params),
        "state": params["state"],
        "contacts": prepare_contacts(params["contacts"], params["state"], now_ms, defaults=defaults),
        "force": params["force"],
        "allow_partial": params["allow_partial"],
        "batch_size": params["batch_size"],
        "write_concurrency": params.get("write_concurrency", DEFAULT_WRITE_CONCURRENCY),
        "verify": params.get("verify", False),
        "verify_timeout": params.get("verify_timeout", 60),
    }


def run(module, client, task=None):
    """Do the work; return the result dict (with ``failed`` and ``msg`` when the task must fail)."""
    if task is None:
        task = prepare_task(module.params)
    return reconcile(client, task, check_mode=module.check_mode, diff=module._diff, warn=module.warn)


def main():
    run_module(run, argument_spec(), prepare_task, needs_jsonschema=True,
               required_one_of=[("event_id", "external_event_id")], **EVENT_RULES)


if __name__ == "__main__":
    main()
