#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: marketing_event_participation_info
short_description: Read HubSpot marketing event participations (registrations, attendance, cancellations)
version_added: 0.1.0
description:
  - Reads the participation breakdown of a HubSpot marketing event, of one contact across every event,
    or of one contact in one event, through the HubSpot Marketing Events API (O(api_version)).
  - Give O(contact) alone for every participation of that contact (the contact breakdown);
    give an event (O(event_id), or O(external_event_id) with O(external_account_id)) for the event's breakdown;
    give both for the event's breakdown filtered by that contact.
  - Pages through the results with the API's cursor, O(page_size) items per request, and stops at O(limit) items.
  - Each page names the next, so a large event is a long chain of requests. A whole event (no O(contact), O(state)
    or O(limit), O(page_size) V(100)) of more than 500 participations, where no state holds about three quarters
    of its first page, is read one cursor per state, in parallel (see RV(participations) for the order).
  - Sends only C(GET) requests, in check mode too; it never changes anything in HubSpot.
extends_documentation_fragment:
  - hubspot.marketing.auth
  - hubspot.marketing.event
  - hubspot.marketing.attributes.info_module
  - hubspot.marketing.attributes.action_group
options:
  contact:
    description:
      - A contact's email address (a string) or HubSpot contact id (a positive integer, or a string of its digits).
      - Without an event, returns every participation of this contact across all marketing events.
      - With an event, returns only this contact's participation in that event.
      - An unknown contact gives an empty list, not a failure (without an event, also when HubSpot answered 404, with
        a warning, since a wrong O(base_url) path gets a 404 too).
      - Any other type (a list, a dict) is refused; the value is taken as given rather than converted to text.
    type: raw
  state:
    description:
      - Only return participations in this state.
      - V(no_show) is set by HubSpot for contacts who registered but did not attend, once the event is over.
    type: str
    choices: [registered, attended, cancelled, no_show]
  limit:
    description:
      - Return at most this many participations. By default every participation is returned.
      - Paging stops as soon as this many have been read.
      - Must be at least V(1).
    type: int
  page_size:
    description:
      - How many participations to ask for per request, from V(1) to V(100) (the API maximum).
      - Reading N participations takes ceil(N / O(page_size)) requests. A whole event read one cursor per state
        takes its first page plus each state's pages; if a participation changed state during that read, the
        one cursor is read to its end as well.
    type: int
    default: 100
  counters:
    description:
      - Also return the event's participation counters in RV(counters) (one more request).
      - Requires an event (O(event_id) or O(external_event_id)).
    type: bool
    default: false
notes:
  - One of O(contact), O(event_id) or O(external_event_id) is required.
seealso:
  - module: hubspot.marketing.marketing_event_attendance
    description: Record registrations, attendance and cancellations for an event.
  - plugin: hubspot.marketing.marketing_event_participations
    plugin_type: lookup
    description: The same participations as a lookup, for use in templates.
'''

EXAMPLES = r'''
# Run on localhost with HUBSPOT_ACCESS_TOKEN set (access_token and module_defaults work too).
- name: Every participation in an event, with its counters
  hubspot.marketing.marketing_event_participation_info:
    event_id: "123456789"
    counters: true
  register: webinar

- name: Show how many attended
  ansible.builtin.debug:
    msg: "{{ webinar.counters.attended }} of {{ webinar.total }} participants attended"

- name: Registered contacts of an event given by the external ids of the app that created it
  hubspot.marketing.marketing_event_participation_info:
    external_account_id: "my-webinar-app"
    external_event_id: "webinar-2024-06"
    state: registered
  register: registered

- name: Email addresses of those contacts
  ansible.builtin.debug:
    msg: "{{ registered.participations | map(attribute='email') | list }}"

- name: Every event a contact took part in
  hubspot.marketing.marketing_event_participation_info:
    contact: jane@example.com
  register: jane

- name: Has a contact attended this event?
  hubspot.marketing.marketing_event_participation_info:
    event_id: "123456789"
    contact: "51"
    state: attended
  register: attended

- name: The first 10 cancellations only (one request)
  hubspot.marketing.marketing_event_participation_info:
    event_id: "123456789"
    state: cancelled
    limit: 10
  register: first_cancellations
'''

RETURN = r'''
participations:
  description:
    - The participations read, in the order the API returned them; when the whole event was read one
      cursor per state, state by state (V(attended), V(cancelled), V(no_show), V(registered)), in the API's
      order within each state. Sort them when the order matters.
    - Every key is always present; what HubSpot did not send is V(null).
    - An empty list when nothing matches.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: HubSpot's id of the participation record (opaque).
      type: str
      sample: "1042"
    created_at:
      description: When the participation record was created (ISO 8601).
      type: str
      sample: "2024-06-04T10:00:00Z"
    event_id:
      description: HubSpot's internal id (C(objectId)) of the marketing event.
      type: str
      sample: "123456789"
    event_name:
      description: The event's name.
      type: str
      sample: Product webinar
    external_account_id:
      description: The external account id of the event, when HubSpot sent it.
      type: str
      sample: my-webinar-app
    external_event_id:
      description: The external event id of the event, when HubSpot sent it.
      type: str
      sample: webinar-2024-06
    contact_id:
      description: HubSpot's contact id.
      type: str
      sample: "51"
    email:
      description: The contact's email address.
      type: str
      sample: jane@example.com
    firstname:
      description: The contact's first name, when known.
      type: str
      sample: Jane
    lastname:
      description: The contact's last name, when known.
      type: str
      sample: Doe
    state:
      description:
        - The participation state. V(empty) is an undocumented HubSpot value passed through as is.
      type: str
      sample: attended
      choices: [registered, attended, cancelled, no_show, empty]
    occurred_at:
      description: When the latest state change happened, in milliseconds since the Unix epoch.
      type: int
      sample: 1717495200000
    attendance_duration_seconds:
      description: How long the contact attended; only set after HubSpot computed durations for the event.
      type: int
      sample: 3600
    attendance_percentage:
      description: Share of the event the contact attended, as HubSpot sends it (a string); only set after HubSpot computed durations.
      type: str
      sample: "85"
  sample:
    - id: "1042"
      created_at: "2024-06-04T10:00:00Z"
      event_id: "123456789"
      event_name: Product webinar
      external_account_id: my-webinar-app
      external_event_id: webinar-2024-06
      contact_id: "51"
      email: jane@example.com
      firstname: Jane
      lastname: Doe
      state: attended
      occurred_at: 1717495200000
      attendance_duration_seconds: null
      attendance_percentage: null
total:
  description:
    - How many participations match the given event, contact and O(state), as the API counts them
      (so it can be larger than the number returned when O(limit) is set).
  returned: success
  type: int
  sample: 1234
counters:
  description:
    - The event's participation counters (across all states, whatever O(state) is).
    - A counter HubSpot did not send as an integer from 0 is V(null), as is one it did not send at all.
  returned: when O(counters=true)
  type: dict
  contains:
    registered:
      description: Number of registered contacts.
      type: int
      sample: 800
    attended:
      description: Number of contacts who attended.
      type: int
      sample: 300
    cancelled:
      description: Number of cancelled registrations.
      type: int
      sample: 100
    no_show:
      description: Number of registered contacts who did not attend (only set once the event is over).
      type: int
      sample: 34
api_calls:
  description: How many requests the module made to read the participations (and counters).
  returned: success
  type: dict
  contains:
    reads:
      description:
        - Number of C(GET) requests, a request retried after a rate limit counted once. One per page of
          O(page_size) participations (at least one), plus one for O(counters); see O(page_size) for a whole
          event read one cursor per state.
      type: int
      sample: 13
  sample:
    reads: 13
error:
  description:
    - The error of the breakdown or counters read that failed the task, with the keys of
      RV(hubspot.marketing.marketing_event_attendance#module:error).
    - A contact HubSpot does not know is not an error (no participations); an unknown event is (C(404)).
  returned: when a read failed
  type: dict
  sample: {"method": "GET", "path": "/marketing/v3/marketing-events/participations/1/breakdown", "status": 404, "not_found": true,
           "category": "OBJECT_NOT_FOUND", "message": "Event not found", "correlation_id": "9b3d...", "details": [],
           "policy": null, "required_scopes": [], "retries": 0}
'''


from ansible_collections.hubspot.marketing.plugins.module_utils._options import (
    AUTH_ARGSPEC,
    EVENT_ARGSPEC,
    EVENT_RULES,
    READ_SIZE_ARGSPEC,
    auth_errors,
    contact_error,
    event_errors,
    read_size_errors,
)
from ansible_collections.hubspot.marketing.plugins.module_utils._module import checked, read_result, run_module
from ansible_collections.hubspot.marketing.plugins.module_utils._participations import (
    EventRef,
    read_breakdown,
    read_counters,
)

ARGUMENT_SPEC = dict(
    AUTH_ARGSPEC,
    contact=dict(type="raw"),
    state=dict(type="str", choices=["registered", "attended", "cancelled", "no_show"]),
    counters=dict(type="bool", default=False),
    **dict(EVENT_ARGSPEC, **READ_SIZE_ARGSPEC)
)

REQUIRED_ONE_OF = [("contact", "event_id", "external_event_id")]
REQUIRED_IF = [("counters", True, ("event_id", "external_event_id"), True)]


def contact_errors(params):
    """Problems with the ``contact`` option, as ``{"path", "message"}``."""
    reason = contact_error(params["contact"]) if params.get("contact") is not None else None
    return [{"path": "contact", "message": reason}] if reason else []


def run(module, client, prepared=None):
    """Read what the options ask for and return the module result (never changes anything)."""
    params = module.params
    event = EventRef.from_params(params)
    contact = str(params["contact"]).strip() if params["contact"] is not None else None

    participations, total, dummy = read_breakdown(client, event=event, contact=contact, state=params["state"],
                                                  limit=params["limit"], page_size=params["page_size"], warn=module.warn)
    if params["counters"]:
        return read_result(client, participations=participations, total=total, counters=read_counters(client, event))
    return read_result(client, participations=participations, total=total)


def main():
    run_module(run, ARGUMENT_SPEC, checked(auth_errors, event_errors, contact_errors, read_size_errors),
               required_one_of=REQUIRED_ONE_OF, required_if=REQUIRED_IF, **EVENT_RULES)


if __name__ == "__main__":
    main()
