# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the hubspot.marketing collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Events, states and participation breakdowns: what both modules and the lookup share.

Pure helpers (paths, state names, the snake_case shape of a participation) plus
``read_breakdown``, the one way the collection reads participations.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hubspot.marketing.plugins.module_utils._client import API_PAGE_MAX, api_path
from ansible_collections.hubspot.marketing.plugins.module_utils._errors import HubSpotApiError

EVENTS = ("marketing", "v3", "marketing-events")

# Desired states (module option values) -> path verb of the attendance write.
WRITE_VERBS = {"registered": "register", "attended": "attend", "cancelled": "cancel"}

# Read states: HubSpot's attendanceState <-> our snake_case names.
READ_STATES = {
    "REGISTERED": "registered",
    "ATTENDED": "attended",
    "CANCELLED": "cancelled",
    "NO_SHOW": "no_show",
    "EMPTY": "empty",
}
STATE_FILTERS = {v: k for k, v in READ_STATES.items() if k != "EMPTY"}


class EventRef:
    """An event given by HubSpot's objectId or by the external ids of the app that created it."""

    __slots__ = ("object_id", "external_account_id", "external_event_id")

    def __init__(self, object_id=None, external_account_id=None, external_event_id=None):
        if object_id is None and not (external_account_id and external_event_id):
            raise ValueError("an event needs object_id, or external_account_id and external_event_id")
        self.object_id = None if object_id is None else str(object_id)
        self.external_account_id = external_account_id
        self.external_event_id = external_event_id

    @classmethod
    def from_params(cls, params):
        """The event named by module/lookup options, or None when none is given."""
        if params.get("event_id") not in (None, ""):
            return cls(object_id=params["event_id"])
        if params.get("external_event_id") and params.get("external_account_id"):
            return cls(external_account_id=params["external_account_id"], external_event_id=params["external_event_id"])
        return None

    def describe(self):
        if self.object_id is not None:
            return "event %s" % self.object_id
        return "event %s (external account %s)" % (self.external_event_id, self.external_account_id)

    def as_dict(self):
        return {"event_id": self.object_id, "external_account_id": self.external_account_id,
                "external_event_id": self.external_event_id}

    def matches(self, participation):
        """Whether a normalised participation (see ``normalize``) belongs to this event."""
        if self.object_id is not None:
            return str(participation.get("event_id")) == self.object_id
        return (participation.get("external_account_id") == self.external_account_id
                and participation.get("external_event_id") == self.external_event_id)

    # Reads
    def breakdown_path(self):
        if self.object_id is not None:
            return api_path(*(EVENTS + ("participations", self.object_id, "breakdown")))
        return api_path(*(EVENTS + ("participations", self.external_account_id, self.external_event_id, "breakdown")))

    def counters_path(self):
        if self.object_id is not None:
            return api_path(*(EVENTS + ("participations", self.object_id)))
        return api_path(*(EVENTS + ("participations", self.external_account_id, self.external_event_id)))

    # Writes: (path, query params) for recording ``state`` through ``action``, the endpoint for contacts
    # given by id (``create``) or by email (``email-create``).
    def attendance_write(self, state, action):
        verb = WRITE_VERBS[state]
        if self.object_id is not None:
            return api_path(*(EVENTS + (self.object_id, "attendance", verb, action))), None
        return (api_path(*(EVENTS + ("attendance", self.external_event_id, verb, action))),
                {"externalAccountId": self.external_account_id})


def contact_breakdown_path(contact):
    """Every participation of one contact (email or contact id), across events."""
    return api_path(*(EVENTS + ("participations", "contacts", contact, "breakdown")))


def normalize(item):
    """One breakdown result as the flat snake_case dict every plugin returns.

    Every key is always present; what HubSpot did not send is None.
    """
    assoc = item.get("associations") or {}
    contact = assoc.get("contact") or {}
    event = assoc.get("marketingEvent") or {}
    props = item.get("properties") or {}
    state = props.get("attendanceState")
    return {
        "id": item.get("id"),
        "created_at": item.get("createdAt"),
        "event_id": event.get("marketingEventId"),
        "event_name": event.get("name"),
        "external_account_id": event.get("externalAccountId"),
        "external_event_id": event.get("externalEventId"),
        "contact_id": contact.get("contactId"),
        "email": contact.get("email"),
        "firstname": contact.get("firstname"),
        "lastname": contact.get("lastname"),
        "state": READ_STATES.get(state, state.lower() if isinstance(state, str) else None),
        "occurred_at": props.get("occurredAt"),
        "attendance_duration_seconds": props.get("attendanceDurationSeconds"),
        "attendance_percentage": props.get("attendancePercentage"),
    }


def breakdown_item_problem(item):
    """Why one breakdown result cannot be read by ``normalize``, or None (the Pager names method, path, status)."""
    for key in ("associations", "properties"):
        if item.get(key) is not None and not isinstance(item[key], dict):
            return "%s is %s, not an object" % (key, type(item[key]).__name__)
    for key in ("contact", "marketingEvent"):
        value = (item.get("associations") or {}).get(key)
        if value is not None and not isinstance(value, dict):
            return "associations.%s is %s, not an object" % (key, type(value).__name__)
    return None


def breakdown_pager(client, event=None, contact=None, state=None, limit=None, page_size=API_PAGE_MAX):
    """A client Pager over raw breakdown items.

    With ``event``: that event's breakdown, filtered by ``contact`` when given.
    Without: the breakdown of ``contact`` across every event. ``state`` is a snake_case read state.
    """
    params = {}
    if state:
        params["state"] = STATE_FILTERS[state]
    if event is not None:
        if contact is not None:
            params["contactIdentifier"] = str(contact)
        path = event.breakdown_path()
    elif contact is not None:
        path = contact_breakdown_path(str(contact))
    else:
        raise ValueError("a breakdown needs an event or a contact")
    pager = client.iter_items(path, params=params, page_size=page_size, limit=limit)
    pager.item_problem = breakdown_item_problem
    return pager


def read_breakdown(client, event=None, contact=None, state=None, limit=None, page_size=API_PAGE_MAX):
    """``(participations, total, pages)``: normalised items of one breakdown, paged to the end or ``limit``.

    An unknown contact (404 on the contact breakdown) reads as nothing: ``([], 0, 0)``.
    """
    pager = breakdown_pager(client, event=event, contact=contact, state=state, limit=limit, page_size=page_size)
    try:
        items = [normalize(item) for item in pager]
    except HubSpotApiError as exc:
        # Without an event, a 404 can only mean the contact does not exist. With an event it may be
        # the event that is unknown, which must fail.
        if exc.not_found and event is None:
            return [], 0, 0
        raise
    total = pager.total if pager.total is not None else len(items)
    return items, total, pager.pages


def read_counters(client, event):
    """``{"registered", "attended", "cancelled", "no_show"}`` of one event."""
    body = client.get(event.counters_path())
    return {
        "registered": body.get("registered"),
        "attended": body.get("attended"),
        "cancelled": body.get("cancelled"),
        "no_show": body.get("noShows"),
    }
