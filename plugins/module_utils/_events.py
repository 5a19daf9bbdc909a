# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the hubspot.marketing collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Marketing events themselves: read, compare, create, update, complete, cancel, delete, find.

Pure helpers (the snake_case shape of an event, the comparison, request bodies) plus
``ensure_event``, the one place that turns a desired state into requests. Paths are the v3
ones; an event is an ``EventRef`` (objectId, or the external ids of the app that created it).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.hubspot.marketing.plugins.module_utils._attendance import iso_instant, parse_timestamp, timestamp_problem
from ansible_collections.hubspot.marketing.plugins.module_utils._client import API_PAGE_MAX, api_path, malformed_answer
from ansible_collections.hubspot.marketing.plugins.module_utils._errors import (
    HubSpotApiError,
    HubSpotError,
    may_have_been_applied,
    sent_count,
    shape_problem,
    type_name,
)
from ansible_collections.hubspot.marketing.plugins.module_utils._participations import EVENTS, EventRef
from ansible_collections.hubspot.marketing.plugins.module_utils._validation import property_text, property_value_problem

STATES = ("present", "completed", "cancelled", "absent")

# Module option -> (HubSpot field, kind). The order is the order of diffs and bodies.
FIELDS = (
    ("event_name", "eventName", "str"),
    ("event_organizer", "eventOrganizer", "str"),
    ("event_type", "eventType", "str"),
    ("event_url", "eventUrl", "str"),
    ("event_description", "eventDescription", "str"),
    ("start_date_time", "startDateTime", "time"),
    ("end_date_time", "endDateTime", "time"),
    ("event_cancelled", "eventCancelled", "bool"),
)
FIELD_NAMES = tuple(name for name, dummy, dummy2 in FIELDS)
CREATE_REQUIRED = ("event_name", "event_organizer")

_EXISTING_ID = re.compile(r"Existing ID: ?([0-9]+)")


class EventStateError(HubSpotError):
    """The desired state cannot be reached through the API (e.g. create an event given by objectId)."""

    def __init__(self, message, event=None):
        super(EventStateError, self).__init__(message)
        self.event = event

    def to_fail_kwargs(self):
        return {"event": self.event} if self.event else {}


# ---------------------------------------------------------------------------------------------
# Values


def _millis(value):
    """Epoch ms of a date-time HubSpot sent (or None when absent or unreadable)."""
    if value in (None, ""):
        return None
    try:
        return parse_timestamp(value)
    except ValueError:
        return None


def _held_time(value):
    """A date-time the event holds, or None when it holds none or one that cannot be read (HubSpot's
    answers vary): the user is then asked for it."""
    return value if _millis(value) is not None else None


def _name_errors(params):
    return [{"path": name, "message": "must not be empty"}
            for name in ("event_name", "event_organizer") if params.get(name) is not None and not params[name].strip()]


def _time_errors(params):
    """Each time must parse (not as epoch seconds; an event may lie in the future), and the event must
    not end before it starts."""
    errors, times = [], {}
    for name in ("start_date_time", "end_date_time"):
        value = params.get(name)
        if value is None:
            continue
        reason = timestamp_problem(value)
        if reason:
            errors.append({"path": name, "message": reason})
        else:
            times[name] = parse_timestamp(value)
    if len(times) == 2 and times["end_date_time"] < times["start_date_time"]:
        errors.append({"path": "end_date_time", "message": "must not be before start_date_time"})
    return errors


def _custom_property_errors(params):
    errors = []
    for key, value in sorted((params.get("custom_properties") or {}).items()):
        problem = property_value_problem(value)
        if not str(key).strip():
            errors.append({"path": "custom_properties", "message": "property names must not be empty"})
        elif problem:
            errors.append({"path": "custom_properties.%s" % key, "message": problem})
    return errors


def input_errors(params):
    """Validation errors (``{"path", "message"}``) of the event fields given as module options."""
    errors = _name_errors(params) + _time_errors(params) + _custom_property_errors(params)
    if params.get("state") == "cancelled" and params.get("event_cancelled") is False:
        errors.append({"path": "event_cancelled", "message": "cannot be false with state=cancelled"})
    return errors


def desired_from_params(params):
    """The event fields the options ask for, canonical: times as HubSpot's ISO form, custom values as text."""
    desired = {}
    for name, dummy, kind in FIELDS:
        value = params.get(name)
        if value is None:
            continue
        desired[name] = iso_instant(parse_timestamp(value)) if kind == "time" else value
    custom = params.get("custom_properties")
    if custom:
        desired["custom_properties"] = dict((str(k), property_text(v)) for k, v in custom.items())
    return desired


# ---------------------------------------------------------------------------------------------
# The event as the modules return it


def event_problem(raw):
    """Why one event HubSpot sent (a read, a list item, an ``/identifiers`` or search result) cannot be read
    by ``normalize_event``, or None. Reads are refused on it (MALFORMED_RESPONSE): a misread event would
    drive the writes. Write answers are read leniently (``normalize_event`` skips what it cannot read)."""
    problem = shape_problem("", raw, "object", optional=False)
    if problem:
        return problem
    custom = raw.get("customProperties")
    problem = (shape_problem("objectId", raw.get("objectId"), "scalar") or shape_problem("id", raw.get("id"), "scalar")
               or shape_problem("appInfo", raw.get("appInfo"), "object") or shape_problem("customProperties", custom, "list"))
    if problem:
        return problem
    for key in ("eventCancelled", "eventCompleted"):
        if raw.get(key) is not None and not isinstance(raw[key], bool):
            return "%s is %s, not a boolean" % (key, type_name(raw[key]))
    for index, prop in enumerate(custom or []):
        if not isinstance(prop, dict) or not isinstance(prop.get("name"), str):
            return "customProperties[%d] is not an object with a string name" % index
    return None


def _checked_results(client, path, body):
    """The ``results`` of a search-like answer, each an event ``event_problem`` accepts; MALFORMED_RESPONSE otherwise."""
    results = body.get("results") or []
    problem = shape_problem("results", results, "list")
    if problem:
        raise malformed_answer(client, "GET", path, problem)
    for index, item in enumerate(results):
        reason = event_problem(item)
        if reason:
            raise malformed_answer(client, "GET", path, "results[%d] %s" % (index, reason))
    return results


def normalize_event(raw, external_account_id=None):
    """One event read (either read shape, or a write answer) as a flat snake_case dict.

    Every key is always present; what HubSpot did not send (or sent in a shape it cannot read) is None.
    ``event_id`` and ``object_id`` are both HubSpot's objectId (``event_id`` is the name the options use).
    """
    raw = raw or {}
    object_id = raw.get("objectId") or raw.get("id")
    custom = None
    if isinstance(raw.get("customProperties"), list):
        custom = dict((p["name"], p.get("value")) for p in raw["customProperties"]
                      if isinstance(p, dict) and isinstance(p.get("name"), str) and p["name"])
    app = raw.get("appInfo") if isinstance(raw.get("appInfo"), dict) else {}
    event = {
        "event_id": None if object_id is None else str(object_id),
        "object_id": None if object_id is None else str(object_id),
        "external_event_id": raw.get("externalEventId"),
        "external_account_id": raw.get("externalAccountId") or external_account_id,
    }
    for name, key, dummy in FIELDS:
        event[name] = raw.get(key)
    event.update({
        "event_completed": raw.get("eventCompleted"),
        "custom_properties": custom,
        "registrants": sent_count(raw.get("registrants")),
        "attendees": sent_count(raw.get("attendees")),
        "cancellations": sent_count(raw.get("cancellations")),
        "no_shows": sent_count(raw.get("noShows")),
        "event_status": raw.get("eventStatus"),
        "created_at": raw.get("createdAt"),
        "updated_at": raw.get("updatedAt"),
        "app_id": app.get("id"),
        "app_name": app.get("name"),
    })
    return event


def merge_event(base, update):
    """``base`` with every non-None value of ``update`` (custom properties merged by name)."""
    out = dict(base or {})
    for key, value in (update or {}).items():
        if value is None:
            continue
        if key == "custom_properties" and out.get(key):
            merged = dict(out[key])
            merged.update(value)
            value = merged
        out[key] = value
    return out


def compare(current, desired):
    """``{option: (current value, desired value)}`` for every desired field that differs.

    Date-times compare as instants (``...10:00:00Z`` equals ``...10:00:00.000Z``); custom
    properties compare only the names given, as text. Keys keep the order of ``FIELDS``.
    """
    changes = {}
    for name, dummy, kind in FIELDS:
        if name not in desired:
            continue
        have = current.get(name)
        want = desired[name]
        if kind == "time":
            same = _millis(have) == _millis(want)
        elif kind == "bool":
            same = bool(have) == bool(want)
        else:
            same = have == want
        if not same:
            changes[name] = (have, want)
    have_custom = current.get("custom_properties") or {}
    for key, value in sorted((desired.get("custom_properties") or {}).items()):
        if have_custom.get(key) != value:
            changes["custom_properties.%s" % key] = (have_custom.get(key), value)
    return changes


def update_body(changes):
    """The PATCH body of ``changes`` (from ``compare``): only those fields, plus the required customProperties."""
    keys = dict((name, key) for name, key, dummy in FIELDS)
    body = {}
    custom = []
    for name, (dummy, value) in changes.items():
        if name.startswith("custom_properties."):
            custom.append({"name": name[len("custom_properties."):], "value": value})
        else:
            body[keys[name]] = value
    body["customProperties"] = custom
    return body


def create_body(ref, desired):
    """The POST events body: the external ids and every desired field."""
    body = {"externalAccountId": ref.external_account_id, "externalEventId": ref.external_event_id}
    for name, key, dummy in FIELDS:
        if name in desired:
            body[key] = desired[name]
    body["customProperties"] = [{"name": k, "value": v} for k, v in sorted((desired.get("custom_properties") or {}).items())]
    return body


def is_create_conflict(exc):
    """A create refused because the event exists (400 with ``errorType`` UNIQUE_VALUE_CONFLICT)."""
    return isinstance(exc, HubSpotApiError) and exc.status == 400 and "UNIQUE_VALUE_CONFLICT" in (exc.error_type, exc.category)


def conflict_object_id(exc):
    """The objectId a create lost to, when the conflict names it (its ``errorTokens`` or message), else None."""
    if not is_create_conflict(exc):
        return None
    ids = exc.error_tokens.get("existingObjectId") or []
    if isinstance(ids, list) and ids and str(ids[0]).isdigit():
        return str(ids[0])
    match = _EXISTING_ID.search(exc.message or "")
    return match.group(1) if match else None


def diff_views(changes):
    """``(before, after)`` dicts of the changed fields (custom properties nested by name)."""
    before, after = {}, {}
    for name, (old, new) in changes.items():
        if name.startswith("custom_properties."):
            key = name[len("custom_properties."):]
            before.setdefault("custom_properties", {})[key] = old
            after.setdefault("custom_properties", {})[key] = new
        else:
            before[name] = old
            after[name] = new
    return before, after


# ---------------------------------------------------------------------------------------------
# Paths


def _external(ref, *tail):
    return api_path(*(EVENTS + ("events", ref.external_event_id) + tail)), {"externalAccountId": ref.external_account_id}


def event_path(ref):
    """(path, params) that reads, updates (PATCH) and deletes the event ``ref``."""
    if ref.object_id is not None:
        return api_path(*(EVENTS + (ref.object_id,))), None
    return _external(ref)


def create_path():
    return api_path(*(EVENTS + ("events",)))


def list_path():
    # The spec prints this path as /marketing/marketing-events/v3; clients use this one (CONTRACT.md section 4).
    return api_path(*EVENTS)


def identifiers_path(external_event_id):
    return api_path(*(EVENTS + (external_event_id, "identifiers")))


def search_path():
    return api_path(*(EVENTS + ("events", "search")))


# ---------------------------------------------------------------------------------------------
# Reads


def read_event(client, ref):
    """The event ``ref`` normalised, or None when HubSpot answers 404 (absent, or another app's external ids)."""
    path, params = event_path(ref)
    try:
        raw = client.get(path, params=params)
    except HubSpotApiError as exc:
        if exc.not_found:
            return None
        raise
    reason = event_problem(raw)
    if reason:
        raise malformed_answer(client, "GET", path, "the event %s" % reason)
    return normalize_event(raw, ref.external_account_id)


def find_identifiers(client, external_event_id):
    """Events of every app in the portal with this external event id (``/{externalEventId}/identifiers``).

    HubSpot indexes new events with a delay, so a new event may be missing; an unknown id reads as [].
    """
    path = identifiers_path(external_event_id)
    try:
        body = client.get(path)
    except HubSpotApiError as exc:
        # Any 404, JSON or not: HubSpot answers a new event's identifiers with one while it indexes it.
        if exc.status == 404:
            return []
        raise
    return [{
        "event_id": item.get("objectId"),
        "object_id": item.get("objectId"),
        "external_event_id": item.get("externalEventId"),
        "external_account_id": item.get("externalAccountId"),
        "event_name": item.get("marketingEventName"),
        "app_id": (item.get("appInfo") or {}).get("id"),
        "app_name": (item.get("appInfo") or {}).get("name"),
    } for item in _checked_results(client, path, body)]


def search_own(client, external_event_id):
    """The calling app's events with this external event id (``events/search``, which also lags a create)."""
    path = search_path()
    body = client.get(path, params={"q": external_event_id})
    return [{
        "event_id": str(item.get("objectId")),
        "object_id": str(item.get("objectId")),
        "external_event_id": item.get("externalEventId"),
        "external_account_id": item.get("externalAccountId"),
        "app_id": None if item.get("appId") is None else str(item.get("appId")),
    } for item in _checked_results(client, path, body)]


def list_events(client, limit=None, page_size=API_PAGE_MAX):
    """``(events, pages)``: every event of the portal, normalised, paged by the client's Pager."""
    pager = client.iter_items(list_path(), page_size=page_size, limit=limit, item_problem=event_problem)
    events = [normalize_event(item) for item in pager]
    return events, pager.pages


# ---------------------------------------------------------------------------------------------
# Writes: the one state machine


class Outcome:
    """What ``ensure_event`` did (or would do in check mode).

    ``actions`` lists the writes HubSpot answered (in check mode: would answer), in order. ``failure``
    is the error that stopped the run after the read; the actions before it stand (HubSpot holds them).
    """

    def __init__(self):
        self.actions = []
        self.before = {}
        self.after = {}
        self.event = {}
        self.warnings = []
        self.failure = None
        # The write on its way (create, update, cancel, complete, delete) until HubSpot answers it.
        self.attempt = None

    @property
    def changed(self):
        """Writes were answered, or the failed one may stand: never reported unchanged on a guess."""
        return bool(self.actions) or self.failed_write_may_stand(self.failure)

    def failed_write_may_stand(self, exc):
        """Whether ``exc`` failed a write that HubSpot may have applied all the same (no readable answer, a 5xx)."""
        return exc is not None and self.attempt is not None and may_have_been_applied(exc)

    def failure_message(self):
        """The message of ``failure``, with the writes that stand and whether the failed one may stand too."""
        notes = []
        if self.actions:
            notes.append("before this failure HubSpot answered: %s" % ", ".join(self.actions))
        if self.failed_write_may_stand(self.failure):
            notes.append("the failed %s got no readable answer, so HubSpot may hold it%s: run the task again to converge"
                         % (self.attempt, " too" if self.actions else ""))
        return "%s (%s)" % (self.failure, "; ".join(notes)) if notes else str(self.failure)

    def note(self, action, before=None, after=None):
        """Record an answered write. After a create, ``before`` stays the absent event."""
        if "create" not in self.actions:
            self.before.update(before or {})
        self.actions.append(action)
        self.after.update(after or {})


def _external_ids_for_complete(client, ref, current):
    """``EventRef`` by external ids for an event known by objectId: complete has no objectId path.

    Only the app that created the event can use its external ids: found through ``events/search``
    (the calling app's events), matched on the objectId. A read, so check mode asks it too.
    """
    if ref.external_event_id:
        return ref
    external_id = current.get("external_event_id")
    if external_id:
        for item in search_own(client, external_id):
            if item["object_id"] == ref.object_id and item.get("external_account_id"):
                return EventRef(external_account_id=item["external_account_id"], external_event_id=external_id)
    raise EventStateError(
        "event %s: HubSpot completes an event only through the external ids of the app that created it, and this "
        "app's events (events/search for %r) do not include it. HubSpot names the app that created it as %s. If that "
        "is this app, the event is too new for events/search (HubSpot indexes new events within minutes): give "
        "external_account_id and external_event_id instead of event_id" % (
            ref.object_id, external_id, current.get("app_name") or "unknown"),
        event=current)


def _would_be(current, changes):
    """``current`` with ``changes`` (from ``compare``) applied: the event as check mode reports it."""
    update, custom = {}, {}
    for name, (dummy, new) in changes.items():
        if name.startswith("custom_properties."):
            custom[name[len("custom_properties."):]] = new
        else:
            update[name] = new
    if custom:
        update["custom_properties"] = custom
    return merge_event(current, update)


class _EventRun(object):
    """One ``ensure_event`` run: the event as it stands (``current``, None when absent) and the ``outcome``."""

    def __init__(self, client, ref, check_mode):
        self.client = client
        self.ref = ref
        self.check_mode = check_mode
        self.outcome = Outcome()
        self.current = read_event(client, ref)

    def _send(self, action, method, path, params=None, body=None):
        """One write of this run: ``outcome.attempt`` names it until HubSpot answers."""
        self.outcome.attempt = action
        if method == "POST":
            answer = self.client.post(path, body, params=params)
        else:
            answer = self.client.request(method, path, params=params, json_body=body)
        self.outcome.attempt = None
        return answer

    def delete(self):
        if self.current is not None:
            before = dict((k, self.current.get(k)) for k in ("event_id",) + FIELD_NAMES + ("event_completed", "custom_properties"))
            before["state"] = "present"
            if self.check_mode or self._deleted():
                self.outcome.note("delete", before, {"state": "absent"})
            self.outcome.event = {}
        return self.outcome

    def _deleted(self):
        """DELETE the event read before: True when this run deleted it, or may have; False when HubSpot
        answered that it was gone already (its own 404), deleted by someone else meanwhile.

        A 404 after an attempt of this delete that got no answer (a timeout, a 5xx) most likely answers
        that attempt's work: the delete is reported, with a warning, as a lost create answer is."""
        path, params = event_path(self.ref)
        try:
            self._send("delete", "DELETE", path, params=params)
            return True
        except HubSpotApiError as exc:
            if not exc.not_found:
                raise
            self.outcome.attempt = None  # answered: the event is gone, as state=absent asks
            if exc.earlier_attempt_maybe_applied:
                self.outcome.warnings.append(
                    "%s: an attempt of this run's delete got no answer and the retry was answered 404, so HubSpot may "
                    "have deleted it on that attempt; reported as deleted" % self.ref.describe())
                return True
            self.outcome.warnings.append("%s was deleted meanwhile (HubSpot answered the delete 404)" % self.ref.describe())
            return False

    def check_times(self, fields, times):
        """A time given alone must fit the other one the event holds: raised before any write."""
        given = dict(fields, **times)
        if self.current is None or ("start_date_time" in given) == ("end_date_time" in given):
            return  # both given (checked with the options) or neither
        start = _millis(given.get("start_date_time") or self.current.get("start_date_time"))
        end = _millis(given.get("end_date_time") or self.current.get("end_date_time"))
        if start is not None and end is not None and end < start:
            name, relation, held = (("end_date_time", "before", "start_date_time") if "end_date_time" in given
                                    else ("start_date_time", "after", "end_date_time"))
            raise EventStateError("%s: must not be %s the event's %s, %s as HubSpot holds it; give both times to move the event"
                                  % (name, relation, held, self.current.get(held)), event=self.current)

    def check_create(self, fields):
        """An absent event must be one this run can create: raised before any write."""
        if self.current is not None:
            return
        if self.ref.object_id is not None:
            raise EventStateError("event %s not found (an event given by event_id cannot be created: give "
                                  "external_account_id and external_event_id)" % self.ref.object_id)
        missing = [name for name in CREATE_REQUIRED if name not in fields]
        if missing:
            raise EventStateError("%s not found; creating it needs %s" % (self.ref.describe(), " and ".join(missing)))

    def create(self, fields, times):
        """Create the absent event (``check_create`` passed); False when HubSpot answered that the event
        exists (it is then read back, and the run decides again on it)."""
        ref = self.ref
        created = dict(fields)
        created.update(times)
        made = True
        if self.check_mode:
            self.current = merge_event(normalize_event({}, ref.external_account_id),
                                       dict(created, external_event_id=ref.external_event_id))
        else:
            try:
                written = self._send("create", "POST", create_path(), body=create_body(ref, created))
            except HubSpotApiError as exc:
                made = False
                if not self._lost_race(exc, exc.earlier_attempt_maybe_applied):
                    return False
            else:
                self.current = normalize_event(written, ref.external_account_id)
                self.current["external_event_id"] = ref.external_event_id
        self.outcome.note("create", {"state": "absent"}, dict(created, state="present"))
        return made

    def _lost_race(self, exc, ours_maybe):
        """A create answered UNIQUE_VALUE_CONFLICT: the event exists, so the run goes on with that one.

        ``ours_maybe``: an earlier attempt of this create got no answer but may have been processed (a
        5xx, a timeout), so the event found may be this run's own. HubSpot cannot tell whose it is, so
        the create is reported (``changed``): returns True. Else another run created it: False."""
        if not is_create_conflict(exc):
            raise exc
        existing = conflict_object_id(exc)
        named = " with objectId %s" % existing if existing else ""
        if ours_maybe:
            self.outcome.warnings.append(
                "%s: an attempt of this run's create got no answer and the retry was answered UNIQUE_VALUE_CONFLICT%s, "
                "so HubSpot may have created it on that attempt; reported as created, and went on with that event"
                % (self.ref.describe(), named))
        else:
            self.outcome.warnings.append("%s was created meanwhile (HubSpot answered UNIQUE_VALUE_CONFLICT%s); "
                                         "went on with that event instead" % (self.ref.describe(), named))
        self.current = read_event(self.client, self.ref)
        if self.current is None:
            raise exc  # the event exists but cannot be read yet: with ``ours_maybe`` the create may stand
        self.outcome.attempt = None  # answered: the event exists, and the run goes on with it
        return ours_maybe

    def update(self, fields):
        """PATCH the fields that differ."""
        changes = compare(self.current, fields)
        if not changes:
            return
        if self.check_mode:
            self.current = _would_be(self.current, changes)
        else:
            path, params = event_path(self.ref)
            written = self._send("update", "PATCH", path, params=params, body=update_body(changes))
            self.current = merge_event(self.current, normalize_event(written, self.ref.external_account_id))
        self.outcome.note("update", *diff_views(changes))

    def cancel(self):
        if self.current.get("event_cancelled"):
            return
        if self.check_mode:
            answer = {"event_cancelled": True}
        elif self.ref.object_id is None:
            path, params = _external(self.ref, "cancel")
            answer = normalize_event(self._send("cancel", "POST", path, params=params))
        else:
            path, params = event_path(self.ref)
            body = {"eventCancelled": True, "customProperties": []}
            answer = normalize_event(self._send("cancel", "PATCH", path, params=params, body=body))
        self.current = merge_event(self.current, answer)
        self.outcome.note("cancel", {"event_cancelled": False}, {"event_cancelled": True})

    def plan_complete(self, times):
        """``(path, params, start, end)`` of the complete this run needs, or None when the event already is, with
        these times. Decided after the read and before any write, in check mode too: an event without
        times, or (given by event_id) not among this app's events, fails before anything is written.

        ``(path, params)`` address the event by its external ids; ``start``/``end`` are HubSpot's ISO
        instants: the given times, else the event's own.
        """
        current = self.current or {}
        start = times.get("start_date_time") or _held_time(current.get("start_date_time"))
        end = times.get("end_date_time") or _held_time(current.get("end_date_time"))
        if not start or not end:
            names = [name for name, value in (("start_date_time", start), ("end_date_time", end)) if not value]
            missing = " and ".join(names)
            readable = "readable " if any(current.get(name) for name in names) else ""
            raise EventStateError("%s: completing an event needs its start and end time, and the event holds no %s%s; give %s"
                                  % (self.ref.describe(), readable, missing.replace("_date_time", " time"), missing), event=self.current)
        if (current.get("event_completed") and _millis(current.get("start_date_time")) == _millis(start)
                and _millis(current.get("end_date_time")) == _millis(end)):
            return None
        # An absent event is created by its external ids (check_create refuses an event_id) before it is completed.
        target = self.ref if self.current is None else _external_ids_for_complete(self.client, self.ref, current)
        path, params = _external(target, "complete")
        return path, params, iso_instant(_millis(start)), iso_instant(_millis(end))

    def complete(self, plan):
        """Send the complete ``plan_complete`` decided."""
        path, params, start, end = plan
        current = self.current
        after = {"event_completed": True, "start_date_time": start, "end_date_time": end}
        before = {"event_completed": bool(current.get("event_completed")), "start_date_time": current.get("start_date_time"),
                  "end_date_time": current.get("end_date_time")}
        if self.check_mode:
            self.current = merge_event(current, after)
        else:
            answer = self._send("complete", "POST", path, params=params, body={"startDateTime": start, "endDateTime": end})
            self.current = merge_event(current, normalize_event(answer))
        self.outcome.note("complete", before, after)

    def finish(self, desired):
        """The outcome, with the event as HubSpot now holds it after a write (counters change on complete)."""
        if self.outcome.changed and not self.check_mode and self.outcome.failure is None:
            # The write answers stand in when the read lags, or fails: the writes were answered.
            try:
                reread = read_event(self.client, self.ref)
            except HubSpotError as exc:
                reread = None
                self.outcome.warnings.append("the writes were answered, but reading the event back failed (event shows it as "
                                             "the answers gave it): %s" % exc)
            if reread is not None:
                self.current = reread
                self._warn_dropped(desired.get("custom_properties") or {})
        self.outcome.event = self.current if self.current is not None else {}
        return self.outcome

    def _warn_dropped(self, sent):
        dropped = sorted(k for k in sent if k not in (self.current.get("custom_properties") or {}))
        if dropped:
            self.outcome.warnings.append("HubSpot did not store the custom properties %s: a custom property must exist on the "
                                         "account's marketing event object first" % ", ".join(dropped))


def _fields_and_times(state, desired):
    """``(fields, times)``: what a create or update sends, and the times a complete sets instead."""
    fields, times = dict(desired), {}
    if state == "cancelled":
        fields.pop("event_cancelled", None)  # the cancel call sets it
    if state == "completed":
        # complete sets the times: the PATCH does not send them first
        times = dict((k, fields.pop(k)) for k in ("start_date_time", "end_date_time") if k in fields)
    return fields, times


def _decide(run, state, fields, times):
    """Every refusal that needs no write, on the event as read; the complete plan (None: none needed)."""
    run.check_create(fields)
    run.check_times(fields, times)
    return run.plan_complete(times) if state == "completed" else None


def _write(run, state, fields, times):
    """The writes, in order: create or update, then cancel or complete."""
    completion = _decide(run, state, fields, times)
    if run.current is None:
        if run.create(fields, times):
            fields = {}
        else:  # another create won: decide again on the event it made (nothing is written yet)
            completion = _decide(run, state, fields, times)
    run.update(fields)
    if state == "cancelled":
        run.cancel()
    if completion:
        run.complete(completion)


def ensure_event(client, ref, state, desired, check_mode=False):
    """Bring the event ``ref`` to ``state`` with the ``desired`` fields; returns an ``Outcome``.

    Reads first and sends only what differs. Everything that can refuse the task without a write
    (missing times, a complete HubSpot would refuse, a time that does not fit the other) is decided
    after the read, before the first write. A write that fails after others were answered is returned
    as ``outcome.failure``, with the answered ``actions``; one that fails first is raised. A create
    that loses a race (400 UNIQUE_VALUE_CONFLICT) updates the event that won. Never uses
    ``events/upsert``.
    """
    run = _EventRun(client, ref, check_mode)
    if state == "absent" and desired:
        run.outcome.warnings.append("state=absent deletes the event; %s %s not used" % (
            ", ".join(sorted(desired)), "is" if len(desired) == 1 else "are"))
    try:
        if state == "absent":
            return run.delete()
        _write(run, state, *_fields_and_times(state, desired))
    except HubSpotError as exc:
        # A failure before any write, or of a write HubSpot surely refused, fails the task as it is;
        # after answered writes, or of a write that may stand, the outcome reports them (changed).
        if not run.outcome.changed and not run.outcome.failed_write_may_stand(exc):
            raise
        run.outcome.failure = exc
    return run.finish(desired)
