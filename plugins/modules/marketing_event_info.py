#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: marketing_event_info
short_description: Find and read HubSpot marketing events
version_added: 0.1.0
description:
  - Reads HubSpot marketing events through the Marketing Events API (O(api_version)).
  - With O(event_id), reads that event (any app's).
  - With O(external_account_id) and O(external_event_id), reads the event this app created with those ids
    (HubSpot resolves external ids only for the app that created the event).
  - With O(external_event_id) alone, finds the events with that external event id, across the whole portal
    (O(scope=portal), every app's events) or among this app's events (O(scope=app)).
    B(Both lookups lag a newly created event.) HubSpot indexes new events asynchronously, so an event created
    moments (up to a few minutes) ago may not be found yet. Read it by its external ids or O(event_id) instead.
  - With no event option, lists every event of the portal, O(page_size) per request, up to O(limit).
    Event options given as null (as check mode leaves the C(event_id) of an event an earlier task would
    create) do not list every event; the module then reads nothing, returns no events and warns.
  - Sends only C(GET) requests, in check mode too.
extends_documentation_fragment:
  - hubspot.marketing.attributes.info_module
  - hubspot.marketing.attributes.action_group
  - hubspot.marketing.auth
  - hubspot.marketing.event
options:
  external_event_id:
    description:
      - With O(external_account_id), the event this app created with these ids (at most 1024 characters).
      - Alone, a search for events with this external event id (see O(scope)).
    type: str
  external_account_id:
    description:
      - The external account id that goes with O(external_event_id); requires it.
    type: str
  scope:
    description:
      - Where O(external_event_id) alone is looked up.
      - V(portal) lists matching events of every app in the portal (C(/{externalEventId}/identifiers)).
      - V(app) lists matching events created by this app only (C(events/search)).
    type: str
    choices: [portal, app]
    default: portal
  limit:
    description:
      - When listing every event, return at most this many. By default all are returned.
      - Must be at least V(1).
    type: int
  page_size:
    description:
      - When listing every event, how many to ask for per request, from V(1) to V(100) (the API maximum).
    type: int
    default: 100
notes:
  - Events found by O(external_event_id) alone carry only what the search returns; the other keys are V(null).
    With O(scope=portal) that is the ids, the name and the app; with O(scope=app) the ids and the app's id only.
    Read one with O(event_id) for every field.
seealso:
  - module: hubspot.marketing.marketing_event
    description: Create, update, complete, cancel or delete an event.
  - module: hubspot.marketing.marketing_event_participation_info
    description: Read an event's participations.
'''

EXAMPLES = r'''
# The token is read from HUBSPOT_ACCESS_TOKEN on the host that runs the task; see access_token for the other ways.
- name: One event by HubSpot's id
  hubspot.marketing.marketing_event_info:
    event_id: "58000123"
  register: by_id

- name: The event this app created for a webinar
  hubspot.marketing.marketing_event_info:
    external_account_id: my-webinar-app
    external_event_id: webinar-2026-03
  register: ours

- name: Every event in the portal with this external event id, whichever app created it
  hubspot.marketing.marketing_event_info:
    external_event_id: webinar-2026-03
  register: anywhere

- name: Their HubSpot ids and apps
  ansible.builtin.debug:
    msg: "{{ anywhere.events | map(attribute='event_id') | zip(anywhere.events | map(attribute='app_name')) | list }}"

- name: The first 50 events of the portal
  hubspot.marketing.marketing_event_info:
    limit: 50
  register: first_events
'''

RETURN = r'''
events:
  description:
    - The events found, each with the same keys as RV(hubspot.marketing.marketing_event#module:event);
      what HubSpot did not send (or sent in a form it cannot be read in, such as a count that is not an integer from 0) is V(null).
    - An empty list when nothing matches (an unknown O(event_id) or external ids included).
  returned: success
  type: list
  elements: dict
  sample:
    - event_id: "58000001"
      object_id: "58000001"
      external_event_id: webinar-2026-03
      external_account_id: my-webinar-app
      event_name: Ansible for marketers
      event_organizer: Marketing team
      event_type: WEBINAR
      event_url: null
      event_description: null
      start_date_time: "2026-03-01T10:00:00.000Z"
      end_date_time: "2026-03-01T11:00:00.000Z"
      event_cancelled: false
      event_completed: true
      custom_properties: {}
      registrants: 0
      attendees: 80
      cancellations: 5
      no_shows: 35
      event_status: null
      created_at: "2026-02-01T09:00:00.000Z"
      updated_at: "2026-03-01T11:05:00.000Z"
      app_id: "1234567"
      app_name: My webinar app
api_calls:
  description: How many requests the module made to find the events.
  returned: success
  type: dict
  contains:
    reads:
      description:
        - Number of C(GET) requests, a request retried after a rate limit counted once. One for an event given by
          O(event_id) or by its external ids; one per page of O(page_size) events for a search or the portal's list.
      type: int
      sample: 1
error:
  description:
    - The error of the read that failed the task, with the keys of RV(hubspot.marketing.marketing_event_attendance#module:error).
    - An event HubSpot does not know is not an error, RV(events) is then empty.
  returned: when a read failed
  type: dict
  sample: {"method": "GET", "path": "/marketing/v3/marketing-events/events/bench-webinar", "status": 401, "not_found": false,
           "category": "INVALID_AUTHENTICATION", "message": "Authentication credentials not found.", "correlation_id": "5e7a...",
           "details": [], "policy": null, "required_scopes": [], "retries": 0}
'''

from ansible_collections.hubspot.marketing.plugins.module_utils._options import (
    AUTH_ARGSPEC,
    EVENT_ARGSPEC,
    EVENT_MUTUALLY_EXCLUSIVE,
    READ_SIZE_ARGSPEC,
    auth_errors,
    event_errors,
    read_size_errors,
)
from ansible_collections.hubspot.marketing.plugins.module_utils import _events
from ansible_collections.hubspot.marketing.plugins.module_utils._module import CHECK_MODE_NEW_EVENT, checked, read_result, run_module
from ansible_collections.hubspot.marketing.plugins.module_utils._participations import EventRef

ARGUMENT_SPEC = dict(
    AUTH_ARGSPEC,
    scope=dict(type="str", default="portal", choices=["portal", "app"]),
    **dict(EVENT_ARGSPEC, **READ_SIZE_ARGSPEC)
)
# external_account_id needs external_event_id; external_event_id alone is a search.
REQUIRED_BY = {"external_account_id": "external_event_id"}


def find(client, params):
    """The events the options ask for, normalised."""
    ref = EventRef.from_params(params)
    if ref is not None:
        event = _events.read_event(client, ref)
        return [event] if event is not None else []
    external_id = params.get("external_event_id")
    if external_id:
        found = _events.find_identifiers(client, external_id) if params["scope"] == "portal" else _events.search_own(client, external_id)
        return [_events.merge_event(_events.normalize_event({}), item) for item in found]
    events, dummy = _events.list_events(client, limit=params.get("limit"), page_size=params["page_size"])
    return events


EVENT_OPTIONS = tuple(EVENT_ARGSPEC)


def run(module, client, prepared=None):
    """Read what the options ask for and return the module result (never changes anything).

    Event options that were all given, as null, name an event that does not exist yet: listing the whole
    portal instead would answer another question."""
    nulls = module.given_as_null(EVENT_OPTIONS)
    if nulls and not any(module.params.get(name) is not None for name in EVENT_OPTIONS):
        module.warn("%s %s null, so no event was read (leave the event options out to list every event)%s" % (
            " and ".join(nulls), "is" if len(nulls) == 1 else "are", (". " + CHECK_MODE_NEW_EVENT) if module.check_mode else ""))
        return read_result(client, events=[])
    return read_result(client, events=find(client, module.params))


def main():
    run_module(run, ARGUMENT_SPEC, checked(auth_errors, event_errors, read_size_errors),
               mutually_exclusive=EVENT_MUTUALLY_EXCLUSIVE, required_by=REQUIRED_BY)


if __name__ == "__main__":
    main()
