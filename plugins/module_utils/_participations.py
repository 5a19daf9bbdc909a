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

from ansible_collections.hubspot.marketing.plugins.module_utils._client import API_PAGE_MAX, api_path, parallel_map
from ansible_collections.hubspot.marketing.plugins.module_utils._errors import HubSpotApiError, sent_count, shape_problem

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

# Breakdown cursors (or contact reads) read at once: one per state the breakdown can be filtered by.
READ_WORKERS = 4
# One cursor per state is read instead of the rest of one unfiltered cursor when the longest of them
# is expected to be at most this fraction of the unfiltered chain.
SPLIT_GAIN = 0.75


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
    associations = item.get("associations")
    fields = [("associations", associations, "object"), ("properties", item.get("properties"), "object")]
    if isinstance(associations, dict):
        fields += [("associations.%s" % key, associations.get(key), "object") for key in ("contact", "marketingEvent")]
    # The values the reads index and compare by (a contact's key, its state): scalars, or nothing.
    holders = (("properties", item.get("properties"), "attendanceState"),
               ("associations.contact", (associations or {}).get("contact"), "contactId"),
               ("associations.contact", (associations or {}).get("contact"), "email"),
               ("associations.marketingEvent", (associations or {}).get("marketingEvent"), "marketingEventId"))
    fields += [("%s.%s" % (where, key), holder.get(key), "scalar") for where, holder, key in holders if isinstance(holder, dict)]
    return next((problem for problem in (shape_problem(*field) for field in fields) if problem), None)


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


class BreakdownCursor:
    """One breakdown cursor of an event (one read state, or every state), read one page first and then
    to its end. ``keep`` turns each raw item into what is held (``normalize`` or a smaller part of it)."""

    def __init__(self, client, event, state, keep=None):
        self.state = state
        self.keep = keep or normalize
        self.pager = breakdown_pager(client, event=event, state=state, page_size=API_PAGE_MAX)
        self._items = iter(self.pager)
        self.items = []
        self.done = False

    def first_page(self):
        for item in self._items:
            self.items.append(self.keep(item))
            if len(self.items) == API_PAGE_MAX:
                return self
        self.done = True
        return self

    def rest(self):
        self.items.extend(self.keep(item) for item in self._items)
        self.done = True
        return self

    def pages_left(self):
        """Requests still needed to read this cursor to its end (unknown total: at least one)."""
        if self.done:
            return 0
        if self.pager.total is None:
            return 1
        return max(1, -(-self.pager.total // API_PAGE_MAX) - self.pager.pages)


def split_pays(first, states, pages_left):
    """Whether one cursor per state shortens the chain of pages enough (by ``SPLIT_GAIN``) to pay for
    its extra first pages, judged by the mix of states on the (unfiltered) first page."""
    if len(states) == 1 or pages_left <= len(states) or not first.items:
        return False
    largest = max(sum(1 for item in first.items if item["state"] == state) for state in states)
    return largest * (pages_left + 1) <= SPLIT_GAIN * pages_left * len(first.items)


def read_cursors(client, event, states, keep=None):
    """One cursor per read state of ``event``, each read to its end, ``READ_WORKERS`` at a time (in ``states`` order)."""
    return parallel_map(lambda state: BreakdownCursor(client, event, state, keep=keep).rest(), states, workers=READ_WORKERS)


def read_rest(client, event, first, states, keep=None):
    """``(items, cursors)``: the participations in ``states`` of ``event`` that ``first`` (its first page
    read, unfiltered when ``states`` are several) leads to, and the cursors they came from.

    Each page names the next, so one cursor over a large event is a long chain of requests. When the
    first page shows the states mixed enough (``split_pays``: more pages left than states, and no
    state holding about three quarters of the page), one cursor per state is read in parallel instead,
    state by state in the result (in ``states`` order, HubSpot's order within each); the first page then
    only served that decision.

    That read is kept only when it is exact: each state's cursor held the participations it announced,
    no contact came twice and, when every state is read, they add up to what the first page announced.
    Otherwise (a participation that changed state between the reads, so showed in two cursors or in
    none; one in a state the breakdown cannot be filtered by, such as HubSpot's undocumented EMPTY; one
    added meanwhile) the rest of ``first`` is read, as without the split. Every state read with an EMPTY
    one on the first page: no split.
    """
    every = set(states) == set(STATE_FILTERS)
    if first.done or not split_pays(first, states, first.pages_left()) or (
            every and any(item["state"] not in STATE_FILTERS for item in first.items)):
        return first.rest().items, [first]
    cursors = read_cursors(client, event, states, keep=keep)
    items = [item for cursor in cursors for item in cursor.items]
    if _split_is_exact(first.pager.total if every else None, cursors, items):
        return items, cursors
    return first.rest().items, [first]


def _split_is_exact(total, cursors, items):
    """Whether the states' cursors hold exactly what they announced, each contact once, and (``total``
    not None) as many participations as the one cursor announced."""
    announced = [cursor.pager.total for cursor in cursors]
    if None in announced or sum(announced) != len(items) or (total is not None and total != len(items)):
        return False
    contacts = set(item["contact_id"] or item["email"] for item in items)
    return len(contacts) == len(items) and None not in contacts


def _read_whole_event(client, event):
    """``(participations, total, pages)`` of every participation of ``event`` (``read_rest``: one cursor
    per state, in parallel, when that pays and is exact)."""
    sent = client.request_count
    first = BreakdownCursor(client, event, None).first_page()
    items, dummy = read_rest(client, event, first, sorted(STATE_FILTERS))
    total = first.pager.total if first.pager.total is not None else len(items)
    return items, total, client.request_count - sent


def unknown_contact_warning(contact, error):
    """The warning for a contact breakdown HubSpot answered 404 (``error``), read as no participations."""
    return ("contact %r: %s; read as no participations, as for a contact HubSpot does not know (if it exists, check "
            "base_url)" % (contact, error))


def read_breakdown(client, event=None, contact=None, state=None, limit=None, page_size=API_PAGE_MAX, warn=None):
    """``(participations, total, pages)``: normalised items of one breakdown, paged to the end or ``limit``.

    A 404 on the contact breakdown reads as nothing, ``([], 0, 0)``: HubSpot answers an unknown contact with no
    results, and may with a 404. ``warn`` (a function of one text), when given, is told, since a wrong
    ``base_url`` path is answered 404 too.
    """
    if event is not None and contact is None and state is None and limit is None and page_size == API_PAGE_MAX:
        return _read_whole_event(client, event)
    pager = breakdown_pager(client, event=event, contact=contact, state=state, limit=limit, page_size=page_size)
    try:
        items = [normalize(item) for item in pager]
    except HubSpotApiError as exc:
        # Without an event, HubSpot's 404 names no event: read as an unknown contact (and said so). With an
        # event it may be the event that is unknown, which must fail.
        if exc.not_found and event is None:
            if warn is not None:
                warn(unknown_contact_warning(contact, exc))
            return [], 0, 0
        raise
    total = pager.total if pager.total is not None else len(items)
    return items, total, pager.pages


# The event's participation counters: the name this collection returns, the key HubSpot sends.
COUNTERS = (("registered", "registered"), ("attended", "attended"), ("cancelled", "cancelled"), ("no_show", "noShows"))


def read_counters(client, event):
    """``{"registered", "attended", "cancelled", "no_show"}`` of one event; a counter HubSpot did not send as a
    count (``sent_count``: absent, or not an integer from 0) is None."""
    body = client.get(event.counters_path())
    return dict((name, sent_count(body.get(key))) for name, key in COUNTERS)
