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
    through the attendance endpoints of the HubSpot Marketing Events API v3.
  - Idempotent. The module first reads the event's current participations, then writes only the contacts
    whose current state does not already satisfy O(state), in batches of O(batch_size). A second run with
    the same input reports RV(ignore:changed=false) and sends no write request.
  - A contact already satisfies V(registered) when it is registered, attended or a no-show (an attendee is
    never demoted to registered); V(attended) only when it attended; V(cancelled) only when it cancelled.
    Set O(force=true) to record every contact anyway.
  - "Reads: the first page of the event's participation breakdown (100 per page) tells how many participations P
    the event has. When the remaining pages are fewer than the contacts still unknown, the module pages through
    the rest; otherwise it reads each of those contacts' participation in the event. So it sends at most
    1 + min(ceil(P / 100) - 1, N) reads for N contacts, and none for an empty O(contacts)."
  - "Writes: contacts given by O(contacts[].id) and by O(contacts[].email) go to different HubSpot endpoints;
    each group is sent in ceil(n / O(batch_size)) requests."
  - All input is validated before any request is sent; every problem is reported at once, each prefixed with
    the path of the offending field, for example C(contacts[3].email).
author:
  - hubspot.marketing contributors (@hubspot-marketing)
requirements:
  - python >= 3.9
  - requests >= 2.25.0
  - jsonschema >= 4.0.0
  - rfc3339-validator >= 0.1.4 (optional; without it RFC 3339 timestamps are checked by a built-in parser only)
extends_documentation_fragment:
  - hubspot.marketing.auth
  - hubspot.marketing.event
  - hubspot.marketing.attributes
  - hubspot.marketing.attributes.action_group
attributes:
  check_mode:
    support: full
    details:
      - Sends the same reads and no write; RV(recorded) lists the contacts that would be written.
  diff_mode:
    support: full
    details:
      - The diff shows, for each contact that is (or would be) written, its state before and after.
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
      occurred_at:
        description:
          - When the contact registered, attended or cancelled, in milliseconds since the Unix epoch (an integer
            or a string of digits) or as an RFC 3339 timestamp such as V(2024-06-04T10:00:00Z).
          - Defaults to the time the task started (the same for every contact of the task).
        type: raw
      properties:
        description:
          - Attendance properties. Only with O(state=attended), and only C(joinedAt) and C(leftAt), each a timestamp
            in the same forms as O(contacts[].occurred_at); they are sent as epoch milliseconds.
          - For O(state=registered) and O(state=cancelled) it must be empty or omitted.
        type: dict
      contact_properties:
        description:
          - Contact properties (for example C(firstname), C(lastname)) HubSpot uses if it creates the contact for
            O(contacts[].email). An existing contact is never updated from them.
          - Only for contacts given by O(contacts[].email). Values are sent as strings; at most 200 properties.
        type: dict
  force:
    description:
      - Record every contact, even those whose current state already satisfies O(state).
      - With O(state=registered) this also records attendees and no-shows as registered again.
    type: bool
    default: false
  allow_partial:
    description:
      - By default, when HubSpot rejects any contact of a batch, the task fails with C(N of M contacts failed)
        and the first errors, after writing everything else (so RV(ignore:changed) may be true on a failed task).
      - With V(true), rejected contacts are only reported in RV(batch_errors) and a warning; the task succeeds.
      - A request that fails as a whole (an API error after retries, a timeout, the daily limit) always fails the task.
    type: bool
    default: false
  batch_size:
    description:
      - How many contacts to send per write request, from V(1) to V(100).
    type: int
    default: 100
notes:
  - "The module runs where the task runs: use C(hosts: localhost) or C(delegate_to: localhost)."
  - HubSpot's answer to a write by email does not say whether it created the contact, so the module does not either.
  - When a write request fails as a whole, the module stops, fails, and reports what was recorded before
    (RV(recorded)), the contacts of the failed request (in RV(batch_errors)) and the contacts not attempted
    (RV(not_attempted)). Every contact to write ends up in exactly one of these three lists.
  - "Reads are kept to a minimum: one breakdown page, then either the remaining pages or one read per contact not yet found,
    whichever is fewer. For O(state=attended) and O(state=cancelled) only the participations already in that state are read;
    with C(--diff) every state is read, to show each contact's state before the change; with O(force=true) and no diff nothing is read."
  - Requests that HubSpot rate-limits or that fail transiently are retried (see O(max_retries)); the module warns when that happened.
  - A contact given by O(contacts[].id) and the same contact given by O(contacts[].email) in one task cannot be told apart before
    writing; avoid mixing both for one person.
seealso:
  - module: hubspot.marketing.marketing_event_participation_info
    description: Read the participations of an event or a contact.
  - plugin: hubspot.marketing.marketing_event_participations
    plugin_type: lookup
    description: The participations of events, for use in templates.
  - name: HubSpot marketing events API
    description: The attendance and participation endpoints this module uses.
    link: https://developers.hubspot.com/docs/api/marketing/marketing-events
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
        contacts:
          - email: jane@example.com
            contact_properties:
              firstname: Jane
              lastname: Doe
          - email: john@example.com
            occurred_at: "2024-06-01T09:30:00Z"

    - name: Mark existing contacts as attendees, with join and leave times
      hubspot.marketing.marketing_event_attendance:
        external_account_id: my-webinar-app
        external_event_id: webinar-2024-06
        state: attended
        contacts:
          - id: "51"
            properties:
              joinedAt: "2024-06-04T10:00:00Z"
              leftAt: "2024-06-04T11:02:00Z"
          - id: 52
            occurred_at: 1717495200000
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
        contacts: "{{ lookup('ansible.builtin.file', 'cancellations.txt').splitlines() | select | map('community.general.dict_kv', 'email') }}"
        allow_partial: true
      register: cancellations

    - name: Report the rejected contacts
      ansible.builtin.debug:
        msg: "{{ item.contact.email }}: {{ item.message }}"
      loop: "{{ cancellations.batch_errors }}"

- name: Everything from module_defaults, token from the environment (HUBSPOT_ACCESS_TOKEN)
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/hubspot.marketing.hubspot:
      base_url: https://api.hubapi.com
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
#     -a '{"event_id": "123456789", "state": "attended", "contacts": [{"email": "jane@example.com"}]}' --check --diff
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
    - The contacts written (in check mode, that would be written), contacts by id first.
    - Empty when nothing needed to change.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description:
        - The contact id HubSpot returned, as a string. For contacts given by email in check mode, the id
          is known only when the contact already took part in the event; otherwise V(null).
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
  description: The contacts whose current state already satisfied O(state); nothing was written for them.
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
batch_errors:
  description:
    - The contacts HubSpot rejected, mapped back to the input by identifier or position.
    - Also the contacts of a write request that failed as a whole, each with that request's error.
  returned: always
  type: list
  elements: dict
  contains:
    contact:
      description:
        - The input contact, with V(index) its position in O(contacts) and its O(contacts[].id) or O(contacts[].email).
        - V(index) is V(null) when HubSpot's error names no contact of the request.
      type: dict
      sample: {"index": 3, "email": "x@example.com"}
    status:
      description: The status HubSpot gave the error (V(error) for a rejected input, the HTTP status for a failed request).
      type: raw
      sample: error
    category:
      description: HubSpot's error category.
      type: str
      sample: OBJECT_NOT_FOUND
    message:
      description: HubSpot's error message.
      type: str
      sample: Contact with vid 999 does not exist
    correlation_id:
      description: HubSpot's correlation id of the error, when it sent one (quote it to HubSpot support).
      type: str
      sample: aeb5f871-7f07-4993-9211-075dc63e7cbf
not_attempted:
  description: Contacts that were not sent because an earlier write request failed as a whole.
  returned: when a write request failed
  type: list
  elements: dict
  sample: [{"index": 250, "id": "951"}]
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
error:
  description: The error of the request that failed the task (method, path, status, category, message, correlation id, required scopes).
  returned: when a request failed
  type: dict
  sample: {"method": "POST", "path": "/marketing/v3/marketing-events/1/attendance/register/create", "status": 403,
           "category": "MISSING_SCOPES", "correlation_id": "6a1c...", "required_scopes": ["crm.objects.marketing_events.write"]}
validation_errors:
  description: Every problem found in the input, as C(path) and C(message); nothing was sent.
  returned: when the input is invalid
  type: list
  elements: dict
  sample: [{"path": "contacts[3].email", "message": "'x' is not a valid email"}]
'''

import threading
import time

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.hubspot.marketing.plugins.module_utils._args import (
    AUTH_ARGSPEC,
    EVENT_ARGSPEC,
    EVENT_MUTUALLY_EXCLUSIVE,
    EVENT_REQUIRED_TOGETHER,
    auth_errors,
    client_from_params,
    event_errors,
)
from ansible_collections.hubspot.marketing.plugins.module_utils._attendance import (
    SATISFIED,
    build_body,
    build_diff,
    compute_delta,
    failure_message,
    index_participations,
    input_errors,
    map_batch_response,
    prepare_contacts,
    public_contact,
    would_record,
    write_plan,
)
from ansible_collections.hubspot.marketing.plugins.module_utils._client import (
    API_PAGE_MAX,
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    parallel_map,
)
from ansible_collections.hubspot.marketing.plugins.module_utils._errors import (
    HubSpotApiError,
    HubSpotError,
    HubSpotTransportError,
    HubSpotValidationError,
)
from ansible_collections.hubspot.marketing.plugins.module_utils._participations import (
    EventRef,
    breakdown_pager,
    normalize,
)
from ansible_collections.hubspot.marketing.plugins.module_utils._validation import (
    HAS_JSONSCHEMA,
    JSONSCHEMA_IMPORT_ERROR,
    sort_errors,
)

READ_WORKERS = 4


def argument_spec():
    spec = dict(AUTH_ARGSPEC)
    spec.update(EVENT_ARGSPEC)
    spec.update(
        state=dict(type="str", required=True, choices=["registered", "attended", "cancelled"]),
        # Each contact is checked by the JSON Schema in _schemas.py, not by suboptions: when core's
        # own conversion of an item fails (a string or a number where a dict belongs), ansible-core
        # 2.16 and 2.19 return the module arguments with access_token unmasked.
        contacts=dict(type="list", elements="raw", required=True),
        force=dict(type="bool", default=False),
        allow_partial=dict(type="bool", default=False),
        batch_size=dict(type="int", default=100),
    )
    return spec


def build_request(params, now_ms=None):
    """Validate every option and prepare the contacts; raise HubSpotValidationError listing every problem."""
    errors = auth_errors(params) + event_errors(params)
    errors += input_errors(params["state"], params["contacts"], params["batch_size"])
    if errors:
        raise HubSpotValidationError(sort_errors(errors))
    if now_ms is None:
        now_ms = int(time.time() * 1000)
    return {
        "event": EventRef.from_params(params),
        "state": params["state"],
        "contacts": prepare_contacts(params["contacts"], params["state"], now_ms),
        "force": params["force"],
        "allow_partial": params["allow_partial"],
        "batch_size": params["batch_size"],
    }


def read_filter(state, force, diff):
    """What the delta needs to know of the event: ``(read, state_filter)``.

    Only the participations already in a state that satisfies ``state`` decide the delta, so
    when a single read state does (attended, cancelled) only that state is read: fewer pages.
    ``force`` needs no reads at all. ``--diff`` reads every state, to show each contact's
    state before the change.
    """
    if diff:
        return True, None
    if force:
        return False, None
    satisfied = SATISFIED[state]
    return True, (next(iter(satisfied)) if len(satisfied) == 1 else None)


def _read_one(client, event, contact, count, state_filter=None):
    """The participations (0 or 1) of one contact in the event; ``count()`` is called per request."""
    identifier = contact["id"] if contact.get("id") is not None else contact["email"]
    pager = breakdown_pager(client, event=event, contact=identifier, state=state_filter, page_size=API_PAGE_MAX)
    items = []
    try:
        items = [normalize(item) for item in pager]
    except HubSpotError as exc:
        count(pager.pages + (1 if isinstance(exc, (HubSpotApiError, HubSpotTransportError)) else 0))
        if isinstance(exc, HubSpotApiError) and exc.status == 404:  # the event was just read: an unknown contact
            return []
        raise
    count(pager.pages)
    return items


def read_current(client, event, contacts, calls, state_filter=None):
    """``index_participations`` of what the event holds for ``contacts``; counts reads in ``calls``.

    Reads the first breakdown page (of ``state_filter`` only, when given); then either the
    remaining pages or, when those would be more requests, one filtered read per contact not
    found on the first page.
    """
    if not contacts:
        return {}
    pager = breakdown_pager(client, event=event, state=state_filter, page_size=API_PAGE_MAX)
    items = []
    missing = None
    try:
        for item in pager:
            items.append(normalize(item))
            if len(items) == API_PAGE_MAX and pager.pages == 1 and pager.total is not None:
                remaining_pages = -(-pager.total // API_PAGE_MAX) - 1
                known = index_participations(items)
                unknown = [c for c in contacts if c["key"] not in known]
                if remaining_pages > len(unknown):
                    missing = unknown
                    break
    except HubSpotError as exc:
        # A request that got no usable answer counts too.
        calls["reads"] += pager.pages + (1 if isinstance(exc, (HubSpotApiError, HubSpotTransportError)) else 0)
        raise
    calls["reads"] += pager.pages
    if missing:
        lock = threading.Lock()

        def count(n):
            with lock:
                calls["reads"] += n

        for more in parallel_map(lambda c: _read_one(client, event, c, count, state_filter), missing, workers=READ_WORKERS):
            items.extend(more)
    return index_participations(items)


def _request_failure(exc, chunk):
    """batch_errors entries for the contacts of a request that failed as a whole."""
    if isinstance(exc, HubSpotApiError):
        status, category, message, correlation_id = exc.status, exc.category, exc.message, exc.correlation_id
        if exc.required_scopes:
            message = "%s Required scopes: %s." % (message or "", ", ".join(exc.required_scopes))
    elif isinstance(exc, HubSpotTransportError):
        status, category, message, correlation_id = None, "TRANSPORT_ERROR", exc.reason, None
    else:
        status, category, message, correlation_id = None, None, str(exc), None
    return [{"contact": public_contact(c), "status": status, "category": category, "message": message,
             "correlation_id": correlation_id} for c in chunk]


def run(module, client, request=None):
    """Do the work; return the result dict (with ``failed`` and ``msg`` when the task must fail)."""
    if request is None:
        request = build_request(module.params)
    event = request["event"]
    state = request["state"]
    calls = {"reads": 0, "writes": 0}
    result = dict(changed=False, event=event.as_dict(), state=state, recorded=[], unchanged=[], batch_errors=[], api_calls=calls)

    read, state_filter = read_filter(state, request["force"], module._diff)
    try:
        current = read_current(client, event, request["contacts"], calls, state_filter) if read else {}
    except HubSpotError as exc:
        result.update(failed=True, msg="reading the participations of %s failed: %s" % (event.describe(), exc))
        result.update(exc.to_fail_kwargs())
        return _finish(module, client, result)

    to_write, unchanged = compute_delta(request["contacts"], current, state, force=request["force"])
    result["unchanged"] = unchanged

    if not to_write or module.check_mode:
        result["changed"] = bool(to_write)
        result["recorded"] = would_record(to_write, state)
        if module._diff:
            result["diff"] = build_diff(to_write, set(c["key"] for c in to_write), state)
        return _finish(module, client, result)

    recorded, errors, recorded_keys = [], [], set()
    plan = write_plan(to_write, request["batch_size"])
    for position, (by_email, chunk) in enumerate(plan):
        path, query = event.attendance_write(state, by_email)
        calls["writes"] += 1
        try:
            body = client.post(path, build_body(chunk, by_email), params=query)
        except HubSpotError as exc:
            errors.extend(_request_failure(exc, chunk))
            not_attempted = [public_contact(c) for dummy, later in plan[position + 1:] for c in later]
            result.update(exc.to_fail_kwargs())
            result.update(changed=bool(recorded), recorded=recorded, batch_errors=errors, not_attempted=not_attempted, failed=True)
            result["msg"] = "%s (%d of %d contacts recorded before this failure, %d in the failed request, %d not attempted)" % (
                exc, len(recorded), len(to_write), len(chunk), len(not_attempted))
            if module._diff:
                result["diff"] = build_diff(to_write, recorded_keys, state)
            return _finish(module, client, result)
        chunk_recorded, chunk_errors = map_batch_response(chunk, body, state, by_email)
        failed = set(e["contact"]["index"] for e in chunk_errors)
        recorded_keys.update(c["key"] for c in chunk if c["index"] not in failed)
        recorded.extend(chunk_recorded)
        errors.extend(chunk_errors)

    result.update(changed=bool(recorded), recorded=recorded, batch_errors=errors)
    if module._diff:
        result["diff"] = build_diff(to_write, recorded_keys, state)
    if errors:
        message = failure_message(errors, len(to_write))
        if request["allow_partial"]:
            module.warn("%s (allow_partial is true)" % message)
        else:
            result.update(failed=True, msg=message)
    return _finish(module, client, result)


def _finish(module, client, result):
    summary = client.retry_summary()
    if summary:
        module.warn(summary)
    return result


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        required_one_of=[("event_id", "external_event_id")],
        mutually_exclusive=EVENT_MUTUALLY_EXCLUSIVE,
        required_together=EVENT_REQUIRED_TOGETHER,
        supports_check_mode=True,
    )
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
    if not HAS_JSONSCHEMA:
        module.fail_json(msg=missing_required_lib("jsonschema"), exception=JSONSCHEMA_IMPORT_ERROR)
    try:
        request = build_request(module.params)
    except HubSpotValidationError as exc:
        module.fail_json(msg=str(exc), **exc.to_fail_kwargs())
    if not module.params["validate_certs"]:
        module.warn("validate_certs is false: the TLS certificate of %s is not verified" % module.params["base_url"])
    with client_from_params(module.params) as client:
        result = run(module, client, request)
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
