#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: marketing_event
short_description: Create, update, complete, cancel or delete a HubSpot marketing event
version_added: 0.1.0
description:
  - Manages one HubSpot marketing event through the Marketing Events API (O(api_version)), so that attendance can be
    recorded for it (M(hubspot.marketing.marketing_event_attendance)).
  - Reads the event first, compares it with the options given and sends only the fields that differ;
    reports C(changed) only when something was (or, in check mode, would be) written.
  - Give the event by O(external_account_id) and O(external_event_id), the ids your integration owns
    (needed to create it), or by O(event_id) for an event another app created (HubSpot answers
    "not found" on the external-id paths to any app but the creator).
  - Options that are not given are left as HubSpot holds them.
  - A create that loses a race with another create of the same external ids (HubSpot answers
    C(400 UNIQUE_VALUE_CONFLICT)) reads that event by its external ids and updates it instead, with a warning.
    When the conflict answers a retry of this task's own create, whose earlier attempt got no answer (a timeout, a 5xx
    from a gateway) and so may have created the event, HubSpot cannot tell whose the event is, so the create is
    reported (RV(actions) lists it, the task is changed), with a warning that says so.
  - Never uses HubSpot's C(events/upsert) endpoint, which was observed to answer success and create nothing.
  - What can refuse the task without a write is decided after the read and before the first write, in check mode
    too, so check mode fails where the task would. That is missing times for V(completed), an event given by O(event_id)
    that HubSpot would not complete (see O(state)), and a time given alone that would put the end before the start.
  - A task has up to two writes (a create or an update, then a cancel or a complete). When the second fails, the
    first stands in HubSpot. The task then fails with RV(ignore:changed) true, RV(actions) listing the answered write
    and RV(event) as it left it; when the failed request got no readable answer (a timeout, a 5xx), the message says
    that HubSpot may hold it too.
  - A write that got no readable answer (a timeout, a 5xx, or an earlier attempt of it that got none) may stand in
    HubSpot. When it is the task's first write, the task fails with RV(ignore:changed) true all the same, and the
    message names that write and says that HubSpot may hold it.
attributes:
  diff_mode:
    details:
      - The diff shows only the fields that change (custom properties by name), the whole event on create and delete.
extends_documentation_fragment:
  - hubspot.marketing.auth
  - hubspot.marketing.event
  - hubspot.marketing.attributes
  - hubspot.marketing.attributes.action_group
options:
  state:
    description:
      - V(present) creates the event when it does not exist and updates the fields given that differ.
      - V(completed) does the same, then marks the event completed with its start and end time
        (HubSpot then computes attendance durations and no-shows). The times are O(start_date_time) and
        O(end_date_time) when given, else the event's own; completing again with the same times changes nothing.
        HubSpot completes an event only through the external ids of the app that created it, so an event given
        by O(event_id) is looked up among this app's events to find them (C(events/search), which finds a new
        event only minutes after its creation, so complete a new event by its external ids).
      - V(cancelled) does the same as V(present), then marks the event cancelled.
      - V(absent) deletes the event (and with it its participations) when it exists. Event fields given with it are
        still validated but not used, and a warning names them.
    type: str
    choices: [present, completed, cancelled, absent]
    default: present
  event_name:
    description:
      - The event's name. Required to create the event.
    type: str
  event_organizer:
    description:
      - Who organizes the event. Required to create the event.
    type: str
  event_type:
    description:
      - What kind of event it is, for example V(WEBINAR), V(CONFERENCE) or V(WORKSHOP).
    type: str
  start_date_time:
    description:
      - When the event starts, as an RFC 3339 date-time (V(2026-03-01T10:00:00Z)) or epoch milliseconds.
        A number that reads as a date before 1973 in milliseconds is refused as epoch seconds, and so is any time
        before 1973.
      - Compared as an instant, so V(2026-03-01T11:00:00+01:00) equals V(2026-03-01T10:00:00.000Z).
    type: str
  end_date_time:
    description:
      - When the event ends, in the same forms as O(start_date_time); not before it (nor, given alone, before
        the start the event holds).
    type: str
  event_url:
    description:
      - A URL where the event can be managed in the external event application.
    type: str
  event_description:
    description:
      - The event's description.
    type: str
  event_cancelled:
    description:
      - Whether the event is cancelled. V(false) un-cancels an event with O(state=present).
      - Cannot be V(false) with O(state=cancelled).
    type: bool
  custom_properties:
    description:
      - Custom properties of the event, as a dictionary of property name to value (strings; numbers and booleans
        are sent as text, and a NaN or an infinity is refused).
      - Only the names given are compared and set; other custom properties are left alone.
      - HubSpot silently drops properties that do not exist on the account's marketing event object;
        the module warns when a property it sent was not stored.
    type: dict
notes:
  - One of O(event_id) or O(external_event_id) is required.
  - After a write the event is read again, so RV(event) shows it as HubSpot holds it (one more request).
seealso:
  - module: hubspot.marketing.marketing_event_info
    description: Find and read marketing events.
  - module: hubspot.marketing.marketing_event_attendance
    description: Record registrations, attendance and cancellations for an event.
'''

EXAMPLES = r'''
# Tasks of a play on localhost; the token comes from HUBSPOT_ACCESS_TOKEN (or access_token, or module_defaults).
- name: The webinar exists, with these details
  hubspot.marketing.marketing_event:
    external_account_id: my-webinar-app
    external_event_id: webinar-2026-03
    event_name: Ansible for marketers
    event_organizer: Marketing team
    event_type: WEBINAR
    start_date_time: "2026-03-01T10:00:00Z"
    end_date_time: "2026-03-01T11:00:00Z"
    event_url: https://webinars.example.com/2026-03
    custom_properties:
      webinar_platform: zoom
  register: webinar

# In check mode an event that the task above would create does not exist yet (its event_id is null):
# the tasks that use it are skipped until a real run has created it.
- name: Record attendance and complete the webinar
  when: webinar.event.event_id is not none
  block:
    - name: Record attendance by HubSpot's id of the event
      hubspot.marketing.marketing_event_attendance:
        event_id: "{{ webinar.event.event_id }}"
        state: attended
        contacts:
          - email: jane@example.com
            joined_at: "2026-03-01T10:02:00Z"
            left_at: "2026-03-01T10:58:00Z"

    # The times it is completed with: given here, check mode does not depend on those the first task would set.
    - name: Mark it completed, so HubSpot computes durations and no-shows
      hubspot.marketing.marketing_event:
        external_account_id: my-webinar-app
        external_event_id: webinar-2026-03
        start_date_time: "2026-03-01T10:00:00Z"
        end_date_time: "2026-03-01T11:00:00Z"
        state: completed

- name: Rename an event another app created (by HubSpot's id)
  hubspot.marketing.marketing_event:
    event_id: "123456789"
    event_name: Partner summit (rescheduled)

- name: Cancel an event (created cancelled, with these details, if it does not exist yet)
  hubspot.marketing.marketing_event:
    external_account_id: my-webinar-app
    external_event_id: webinar-2026-04
    event_name: April webinar
    event_organizer: Marketing team
    state: cancelled

- name: Delete an event
  hubspot.marketing.marketing_event:
    external_account_id: my-webinar-app
    external_event_id: webinar-2026-05
    state: absent
'''

RETURN = r'''
event:
  description:
    - The event as HubSpot holds it after the task (in check mode, as it would be), with snake_case keys.
    - In check mode an event that would be created has no RV(event.event_id) yet (V(null)), nor any other value
      that only HubSpot gives (V(null) too).
    - Every key is present; what HubSpot did not send (or sent in a form it cannot be read in, such as a count that is not an integer from 0) is V(null).
    - An empty dictionary when the event does not exist (O(state=absent)).
  returned: success, and when a write failed after earlier writes were answered or may stand (then possibly empty)
  type: dict
  contains:
    event_id:
      description: HubSpot's id of the event (its C(objectId)); give it as O(event_id) to other modules.
      type: str
      sample: "58000001"
    object_id:
      description: The same id, under HubSpot's name.
      type: str
      sample: "58000001"
    external_event_id:
      description: The event's external event id.
      type: str
      sample: webinar-2026-03
    external_account_id:
      description: The event's external account id, when known (HubSpot's event reads do not include it).
      type: str
      sample: my-webinar-app
    event_name:
      description: The event's name.
      type: str
      sample: Ansible for marketers
    event_organizer:
      description: The organizer.
      type: str
      sample: Marketing team
    event_type:
      description: The event type.
      type: str
      sample: WEBINAR
    event_url:
      description: The event's URL.
      type: str
      sample: https://webinars.example.com/2026-03
    event_description:
      description: The description.
      type: str
      sample: A live demo.
    start_date_time:
      description: The start, as HubSpot sends it.
      type: str
      sample: "2026-03-01T10:00:00.000Z"
    end_date_time:
      description: The end, as HubSpot sends it.
      type: str
      sample: "2026-03-01T11:00:00.000Z"
    event_cancelled:
      description: Whether the event is cancelled.
      type: bool
      sample: false
    event_completed:
      description: Whether the event is completed.
      type: bool
      sample: true
    custom_properties:
      description: The event's custom properties, name to value.
      type: dict
      sample: {"webinar_platform": "zoom"}
    registrants:
      description: Number of registered contacts.
      type: int
      sample: 120
    attendees:
      description: Number of contacts who attended.
      type: int
      sample: 80
    cancellations:
      description: Number of cancelled registrations.
      type: int
      sample: 5
    no_shows:
      description: Number of registered contacts who did not attend.
      type: int
      sample: 35
    event_status:
      description: The status HubSpot computes, when it sends one.
      type: str
      sample: past
    created_at:
      description: When the event was created.
      type: str
      sample: "2026-02-01T09:00:00.000Z"
    updated_at:
      description: When the event was last updated.
      type: str
      sample: "2026-03-01T11:05:00.000Z"
    app_id:
      description: The id of the app that created the event, when HubSpot sends it (reads by O(event_id)).
      type: str
      sample: "1234567"
    app_name:
      description: The name of that app.
      type: str
      sample: My webinar app
actions:
  description:
    - The writes HubSpot answered (in check mode, would answer), in order.
    - A create whose answer was lost, and whose retry met an event it may have made, is listed as C(create).
    - On a failure after earlier writes, those writes; a write that failed is not listed.
  returned: success, and when a write failed after earlier writes were answered or may stand (then possibly empty)
  type: list
  elements: str
  choices: [create, update, cancel, complete, delete]
  sample: [create, complete]
error:
  description:
    - The error of the create, update, cancel, complete or delete request that failed the task, with the keys of
      RV(hubspot.marketing.marketing_event_attendance#module:error).
  returned: when a request failed
  type: dict
  sample: {"method": "POST", "path": "/marketing/v3/marketing-events/events", "status": 400, "not_found": false, "category": "VALIDATION_ERROR",
           "message": "An event with this external id already exists", "correlation_id": "0c2f...", "details": [],
           "policy": null, "required_scopes": [], "retries": 0}
'''

from ansible_collections.hubspot.marketing.plugins.module_utils._options import (
    AUTH_ARGSPEC,
    EVENT_ARGSPEC,
    EVENT_RULES,
    auth_errors,
    event_errors,
)
from ansible_collections.hubspot.marketing.plugins.module_utils import _events
from ansible_collections.hubspot.marketing.plugins.module_utils._module import checked, run_module
from ansible_collections.hubspot.marketing.plugins.module_utils._participations import EventRef

ARGUMENT_SPEC = dict(
    AUTH_ARGSPEC,
    state=dict(type="str", default="present", choices=list(_events.STATES)),
    event_name=dict(type="str"),
    event_organizer=dict(type="str"),
    event_type=dict(type="str"),
    start_date_time=dict(type="str"),
    end_date_time=dict(type="str"),
    event_url=dict(type="str"),
    event_description=dict(type="str"),
    event_cancelled=dict(type="bool"),
    custom_properties=dict(type="dict"),
    **EVENT_ARGSPEC
)
REQUIRED_ONE_OF = [("event_id", "external_event_id")]


def run(module, client, prepared=None):
    """Bring the event to the desired state; returns the module result."""
    params = module.params
    outcome = _events.ensure_event(client, EventRef.from_params(params), params["state"],
                                   _events.desired_from_params(params), check_mode=module.check_mode)
    result = dict(changed=outcome.changed, event=outcome.event, actions=outcome.actions)
    if outcome.failure is not None:
        # Writes HubSpot answered before the failure stand: changed, listed in actions, in the event returned.
        result.update(outcome.failure.to_fail_kwargs())
        result.update(failed=True, event=outcome.event, msg=outcome.failure_message())
    if module._diff and outcome.changed:
        result["diff"] = dict(before=outcome.before, after=outcome.after)
    for warning in outcome.warnings:
        module.warn(warning)
    return result


def main():
    run_module(run, ARGUMENT_SPEC, checked(auth_errors, event_errors, _events.input_errors),
               required_one_of=REQUIRED_ONE_OF, **EVENT_RULES)


if __name__ == "__main__":
    main()
