# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the hubspot.marketing collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Pure logic of ``marketing_event_attendance``: input checks, delta, chunks, batch results.

Nothing here sends a request (``_reconcile`` does). HubSpot's observed behaviour (CONTRACT.md
section 12 of the project's reference) shapes these rules:

- ``attend`` is kept only with ``joinedAt`` and ``leftAt`` as ISO-8601 instants and an
  ``interactionDateTime`` in epoch milliseconds; anything else is answered 200 and dropped, so the
  input is refused here instead, before any request;
- an answer's ``results`` lists only the inputs HubSpot changed: a re-post of a held state is absent;
- per-input errors name the contact only in their message.

A *contact* below is the prepared form of one item of the ``contacts`` option::

    {"index": 3, "id": "123" or None, "email": "a@b.c" or None, "key": "id:123" or "email:a@b.c",
     "occurred_at": 1717495200000, "joined_at": 1717495200000 or None, "left_at": ... or None,
     "duration": 3720 or None, "contact_properties": {},
     "held": None, then what HubSpot held before writing (set by ``compute_delta``)}

Writes go in ``Chunk``s: contacts that share one endpoint, ``BY_ID`` (``.../create``) or
``BY_EMAIL`` (``.../email-create``); the endpoint knows how its inputs and results name a contact.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import functools
import re

from ansible_collections.hubspot.marketing.plugins.module_utils._errors import error_items, error_message, sent_count
from ansible_collections.hubspot.marketing.plugins.module_utils._schemas import (
    ATTENDANCE_SCHEMAS,
    ATTENDANCE_TIMES,
    MAX_CONTACTS,
    MAX_EPOCH_MS,
    NO_OFFSET_PATTERN,
    NO_OFFSET_PROBLEM,
    RFC3339_PATTERN,
    TASK_TIMES,
    TIMESTAMP_FORMAT_PROBLEM,
)
from ansible_collections.hubspot.marketing.plugins.module_utils._errors import type_name
from ansible_collections.hubspot.marketing.plugins.module_utils._schema_check import accepts
from ansible_collections.hubspot.marketing.plugins.module_utils._validation import (
    format_checker_of,
    property_text,
    property_value_problem,
    schema_errors,
    sort_errors,
)

# A desired state is satisfied by these current (snake_case read) states.
# registered is satisfied by attended and no_show too: recording "register" must never demote an attendee.
SATISFIED = {
    "registered": frozenset(("registered", "attended", "no_show")),
    "attended": frozenset(("attended",)),
    "cancelled": frozenset(("cancelled",)),
}
ABSENT = "absent"
DIFF_MAX_CONTACTS = 1000

# Below this, an epoch number is taken for seconds: 10^11 ms is 1973-03-03, 10^11 s is year 5138.
EPOCH_SECONDS_BELOW = 10 ** 11
# How far in the future a time may lie (clock skew, time zones of an export).
FUTURE_SLACK_MS = 24 * 3600 * 1000
# HubSpot stores attendanceDurationSeconds in whole seconds and keeps no shorter span.
MIN_SPAN_MS = 1000

# Result buckets: every contact of a task ends in exactly one (or in not_attempted).
RECORDED, UNCHANGED, BATCH_ERRORS, UNCONFIRMED, NOT_ATTEMPTED = "recorded", "unchanged", "batch_errors", "unconfirmed", "not_attempted"

NO_OP_REASON = "HubSpot answered that the contact already held this state (absent from the answer's results)"
READ_REASON = "the event's participations already showed this state"

_RFC3339 = re.compile(RFC3339_PATTERN)
_NO_OFFSET = re.compile(NO_OFFSET_PATTERN)
_INPUT_INDEX = re.compile(r"inputs\[(\d+)\]")
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


# ---------------------------------------------------------------------------------------------
# Input


# The latest time a date-time can show (``MAX_EPOCH_MS``).
LATEST_TIME = "9999-12-31T23:59:59.999Z"


class OutOfRange(ValueError):
    """A timestamp after ``LATEST_TIME``, which no date-time can show."""

    def __init__(self):
        super(OutOfRange, self).__init__("after %s" % LATEST_TIME)


def parse_timestamp(value):
    """Epoch milliseconds from an int, an ASCII digit string or an RFC 3339 string, at most ``MAX_EPOCH_MS``;
    ValueError (``OutOfRange`` past that) otherwise."""
    if isinstance(value, str):
        millis = _text_millis(value)
    elif isinstance(value, bool):
        raise ValueError("a boolean is not a timestamp")
    elif isinstance(value, int):
        if value < 0:
            raise ValueError("negative timestamp")
        millis = value
    else:
        raise ValueError("not a timestamp")
    if millis > MAX_EPOCH_MS:
        raise OutOfRange()
    return millis


# Every time of a task is parsed when it is checked and again when it is prepared, and a task-level
# time once per contact: the cache holds two times per contact of the largest task, so a string is
# parsed once (an LRU smaller than a pass would evict each entry just before its reuse). A string that
# is no timestamp raises, and is not cached.
@functools.lru_cache(maxsize=2 * MAX_CONTACTS + len(TASK_TIMES))
def _text_millis(value):
    """Epoch milliseconds of a digit string or an RFC 3339 string (cached, see above)."""
    text = value.strip()
    if text.isascii() and text.isdigit() and len(text) <= 15:
        return int(text)
    result = _rfc3339_millis(text)
    if result < 0:
        raise ValueError("before 1970")
    return result


def _rfc3339_millis(text):
    """Epoch milliseconds of an RFC 3339 string."""
    match = _RFC3339.match(text)
    if not match:
        raise ValueError("not an RFC 3339 timestamp")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    # A leap second (:60, only in the last minute of a UTC day) is read as the last millisecond of the minute.
    leap = second == 60
    when = datetime.datetime(year, month, day, hour, minute, 59 if leap else second, tzinfo=datetime.timezone.utc)
    if match.group(9):
        if int(match.group(10)) > 23 or int(match.group(11)) > 59:
            raise ValueError("offset out of range")
        offset = datetime.timedelta(hours=int(match.group(10)), minutes=int(match.group(11)))
        try:
            when -= offset if match.group(9) == "+" else -offset
        except OverflowError:
            raise OutOfRange() if match.group(9) == "-" else ValueError("before year 1")
    if leap and (when.hour, when.minute) != (23, 59):
        raise ValueError("second must be in 0..59 (60 only at 23:59 UTC)")
    millis = 999 if leap else int(((match.group(7) or "") + "000")[:3])
    delta = when - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1000 + millis


def _strip_none(contact):
    if None not in contact.values():
        return contact
    return dict((k, v) for k, v in contact.items() if v is not None)


def contact_key(contact_id=None, email=None):
    """The identity of a contact in this module: ``id:123`` or ``email:<lowercased email>``."""
    if contact_id is not None:
        return "id:%s" % int(contact_id)
    return "email:%s" % email.strip().lower()


def timestamp_problem(value, now_ms=None):
    """Why ``value`` is not a usable time (None when it is): format, calendar, epoch seconds, and (given
    ``now_ms``) far future. The one time rule of attendance, of event times and (through
    ``input_errors``) of the role's rows."""
    rfc3339 = isinstance(value, str) and _RFC3339.match(value.strip())
    try:
        millis = parse_timestamp(value)
    except (ValueError, OverflowError) as exc:
        if isinstance(exc, OutOfRange):
            return "must not be %s" % exc
        if rfc3339:
            return "is not a valid date or time (%s)" % exc
        if isinstance(value, str) and _NO_OFFSET.match(value.strip()):
            return NO_OFFSET_PROBLEM
        return TIMESTAMP_FORMAT_PROBLEM
    if millis < EPOCH_SECONDS_BELOW:
        if rfc3339:
            return ("is before 1973, which HubSpot cannot tell from epoch seconds (it drops such times): "
                    "give a later time")
        return ("looks like epoch seconds (%d is before 1973 in milliseconds): give epoch milliseconds "
                "or an RFC 3339 timestamp" % millis)
    if now_ms is not None and millis > now_ms + FUTURE_SLACK_MS:
        return "lies more than a day in the future"
    return None


def _task_defaults(defaults):
    return dict((k, v) for k, v in (defaults or {}).items() if k in TASK_TIMES and v is not None)


def _effective_times(contact, defaults, base):
    """``{field: (value, path)}`` of the times that apply to one contact (its own, else the task's)."""
    times = {}
    for field in TASK_TIMES:
        if contact.get(field) is not None:
            times[field] = (contact[field], "%s.%s" % (base, field))
        elif field in defaults:
            times[field] = (defaults[field], field)
    return times


def _gives_any(contact, fields):
    """Whether the contact gives one of ``fields`` itself (else all of them come from the task, if at all)."""
    for field in fields:
        if contact.get(field) is not None:
            return True
    return False


def _parsed_times(contact, defaults):
    """``{field: epoch milliseconds}`` of the times that apply to one contact (its own, else the task's)."""
    return dict((field, parse_timestamp(value)) for field, (value, dummy) in _effective_times(contact, defaults, "").items())


def _attendance_span_errors(times, base, bad_paths, names=None):
    """What is wrong with a contact's join and leave times (state attended), as error entries.

    ``names``: how the caller calls the times in the messages: the task-level ones under their field
    names (the module: its options ``joined_at`` and ``left_at``; the attendance_sync role: its
    variables), a contact's own under ``contacts[].joined_at`` and ``contacts[].left_at`` (the
    attendance_rows filter: its columns).
    """
    names = names or {}
    errors = []
    for field in ("joined_at", "left_at"):
        if field not in times:
            errors.append({"path": "%s.%s" % (base, field), "message": (
                "is required with state attended (HubSpot stores no attendance without join and leave times); "
                "give it for the contact or once for the task as %s" % names.get(field, field))})
    if errors or times["joined_at"][1] in bad_paths or times["left_at"][1] in bad_paths:
        return errors
    joined, left = parse_timestamp(times["joined_at"][0]), parse_timestamp(times["left_at"][0])
    if left - joined >= MIN_SPAN_MS:
        return errors
    # Name the field the contact gave (its left_at first); when both come from the task, the task's left_at.
    # The other time is named as the caller calls it when it comes from the task.
    other = dict((field, names.get(field if times[field][1] == field else "contacts[]." + field, field))
                 for field in ("joined_at", "left_at"))
    if times["left_at"][1] == "left_at" and times["joined_at"][1] != "joined_at":
        path, message = times["joined_at"][1], "must be earlier than %s" % other["left_at"]
    else:
        path, message = times["left_at"][1], "must be later than %s" % other["joined_at"]
    if left > joined:
        message = "must be at least 1 second %s (HubSpot keeps no shorter attendance)" % (
            "after " + other["joined_at"] if path.endswith("left_at") else "before " + other["left_at"])
    errors.append({"path": path, "message": message})
    return errors


def input_errors(state, contacts, batch_size=100, defaults=None, verify_timeout=None, write_concurrency=None, now_ms=None,
                 names=None):
    """Every problem of the attendance input as sorted ``{"path", "message"}`` entries.

    JSON Schema first (``ATTENDANCE_SCHEMAS[state]``), then what a schema cannot say: calendar-valid
    and plausible times (not epoch seconds, not more than a day after ``now_ms``), join and leave
    times for every attendee with leave at least a second after join, contact property values
    (``_property_errors``), and duplicate contacts (same id, or same email ignoring case). ``defaults``
    holds the task-level ``occurred_at``, ``joined_at`` and ``left_at``; ``names`` how the messages call
    them (see ``_attendance_span_errors``).
    """
    contacts = [_strip_none(c) if isinstance(c, dict) else c for c in (contacts or [])]
    defaults = _task_defaults(defaults)
    instance = {"batch_size": batch_size, "contacts": contacts}
    instance.update(defaults)
    for name, value in (("verify_timeout", verify_timeout), ("write_concurrency", write_concurrency)):
        if value is not None:
            instance[name] = value
    errors = _schema_problems(instance, ATTENDANCE_SCHEMAS[state])
    bad_paths = set(e["path"] for e in errors)
    for field, value in sorted(defaults.items()):
        _check_time(errors, bad_paths, field, value, now_ms)
    first_seen = {}
    task_span = _task_span_errors(state, defaults, bad_paths, names)
    for index, contact in enumerate(contacts):
        if isinstance(contact, dict):
            errors.extend(_contact_errors(state, contact, index, defaults, bad_paths, first_seen, now_ms, task_span, names))
    # A problem of the task-level times is reported once, not once per contact.
    errors = list(dict(((e["path"], e["message"]), e) for e in errors).values())
    return sort_errors(errors)


def _schema_problems(instance, schema):
    """``schema_errors`` of ``instance``; skipped when the compiled check of the same schema accepts it.

    jsonschema takes about 100 microseconds per contact; the compiled check (``_schema_check``) a
    few, so a valid input of 100,000 contacts is checked in well under a second, and an invalid one
    still gets jsonschema's full list of errors.
    """
    if accepts(schema, instance, format_checker_of(schema)):
        return []
    return schema_errors(instance, schema)


def _task_span_errors(state, defaults, bad_paths, names=None):
    """``_attendance_span_errors`` of the task's own join and leave times, checked once for every
    contact that gives neither; None when they do not apply to such a contact as they are (not state
    attended, or one of them missing: then each contact's message names the contact)."""
    if state != "attended" or not all(field in defaults for field in ATTENDANCE_TIMES):
        return None
    return _attendance_span_errors(_effective_times({}, defaults, ""), "", bad_paths, names)


def _contact_errors(state, contact, index, defaults, bad_paths, first_seen, now_ms, task_span=None, names=None):
    """What the schema cannot say about one contact: its times, its span, its property values, and
    whether it repeats one.

    ``task_span`` is ``_task_span_errors``: the span of a contact that gives neither time.
    """
    base = "contacts[%d]" % index
    errors = []
    for field in TASK_TIMES:
        if contact.get(field) is not None:
            _check_time(errors, bad_paths, "%s.%s" % (base, field), contact[field], now_ms)
    if task_span is not None and not _gives_any(contact, ATTENDANCE_TIMES):
        errors.extend(task_span)
    elif state == "attended":
        errors.extend(_attendance_span_errors(_effective_times(contact, defaults, base), base, bad_paths, names))
    errors.extend(_property_errors(contact, base, bad_paths))
    duplicate = _duplicate_error(contact, base, bad_paths, first_seen, index)
    if duplicate:
        errors.append(duplicate)
    return errors


def _is_email_property(name):
    """Whether a contact property is HubSpot's ``email``, which the contact's own ``email`` gives."""
    return str(name).strip().lower() == "email"


def _property_errors(contact, base, bad_paths):
    """What the schema lets through in ``contact_properties``: NaN and infinities, and an ``email``
    property naming another address than the contact's (HubSpot would be given two for one contact)."""
    properties = contact.get("contact_properties")
    if not isinstance(properties, dict) or "%s.contact_properties" % base in bad_paths:
        return []
    errors = []
    for name, value in sorted(properties.items(), key=lambda item: str(item[0])):
        path = "%s.contact_properties.%s" % (base, name)
        problem = property_value_problem(value)
        if not problem and _is_email_property(name) and isinstance(contact.get("email"), str) and (
                property_text(value).strip().lower() != contact["email"].strip().lower()):
            problem = "must be the contact's own email address, or left out"
        if problem and path not in bad_paths:
            errors.append({"path": path, "message": problem})
    return errors


def _check_time(errors, bad_paths, path, value, now_ms):
    if path in bad_paths:
        return
    problem = timestamp_problem(value, now_ms)
    if problem:
        errors.append({"path": path, "message": problem})
        bad_paths.add(path)


def _duplicate_error(contact, base, bad_paths, first_seen, index):
    if bad_paths and base in bad_paths:  # no single identifier: nothing to compare
        return None
    if "id" in contact and not (bad_paths and "%s.id" % base in bad_paths):
        field, key = "id", contact_key(contact_id=contact["id"])
    elif isinstance(contact.get("email"), str) and not (bad_paths and "%s.email" % base in bad_paths):
        field, key = "email", contact_key(email=contact["email"])
    else:
        return None
    if key in first_seen:
        return {"path": "%s.%s" % (base, field), "message": "duplicate of contacts[%d]" % first_seen[key]}
    first_seen[key] = index
    return None


def prepare_contacts(contacts, state, now_ms, defaults=None):
    """The validated ``contacts`` option as prepared contacts (see the module docstring).

    Times become epoch milliseconds; each contact's own time wins over the task's ``defaults``.
    ``occurred_at`` (sent as ``interactionDateTime``, which HubSpot keys its idempotency on) is the
    contact's or the task's ``occurred_at``, else for attendees the join time, else ``now_ms``.
    Call only after ``input_errors`` returned nothing.
    """
    defaults = _task_defaults(defaults)
    task_times = _parsed_times({}, defaults)  # parsed once for every contact that gives no time of its own
    prepared = []
    for index, raw in enumerate(contacts or []):
        raw = _strip_none(raw)
        contact_id = str(int(raw["id"])) if "id" in raw else None
        email = raw["email"].strip() if contact_id is None else None
        times = _parsed_times(raw, defaults) if _gives_any(raw, TASK_TIMES) else task_times
        joined, left = (times.get("joined_at"), times.get("left_at")) if state == "attended" else (None, None)
        occurred = times.get("occurred_at", joined if joined is not None else now_ms)
        prepared.append({
            "index": index,
            "id": contact_id,
            "email": email,
            "key": contact_key(contact_id, email),
            "occurred_at": occurred,
            # No time given: ``interactionDateTime`` is the task's start, another on every run (``force`` warns).
            "occurred_from_clock": "occurred_at" not in times and joined is None,
            "joined_at": joined,
            "left_at": left,
            "duration": (left - joined) // 1000 if joined is not None else None,
            # An email property is the contact's own address (``_property_errors``): the contact's email gives it.
            "contact_properties": dict((k, property_text(v)) for k, v in (raw.get("contact_properties") or {}).items()
                                       if not _is_email_property(k)),
            # What HubSpot held for the contact before writing (an ``index_participations`` entry), set by compute_delta.
            "held": None,
        })
    return prepared


def iso_instant(millis):
    """Epoch milliseconds as the ISO-8601 instant HubSpot expects: ``2026-01-01T10:00:00.000Z``."""
    when = _EPOCH + datetime.timedelta(milliseconds=millis)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (millis % 1000)


def contact_label(contact):
    """How a contact is named in messages and diffs: its id or its email, as given."""
    return contact["id"] if contact.get("id") is not None else contact["email"]


# ---------------------------------------------------------------------------------------------
# Current state and delta


def index_participations(participations):
    """``{contact key: {"state", "id", "email", "duration"}}`` from normalised breakdown items.

    Each participation is indexed under its contact id and under its email, so contacts given
    either way find it. A later item for the same contact replaces an earlier one.
    """
    index = {}
    for item in participations:
        entry = {"state": item.get("state"), "id": item.get("contact_id"), "email": item.get("email"),
                 "duration": item.get("attendance_duration_seconds")}
        key = _as_key(contact_id=entry["id"])  # only a whole number of ASCII digits is a contact id
        if key is not None:
            index[key] = entry
        if isinstance(entry["email"], str) and entry["email"].strip():
            index[contact_key(email=entry["email"])] = entry
    return index


def holds(entry, contact, state):
    """Whether a participation (``index_participations`` entry, or None) satisfies ``state`` for ``contact``.

    An attendee holds ``attended`` only with the attendance duration the contact asks for, so a
    corrected export (other join or leave times) is written again.
    """
    if not entry or entry.get("state") not in SATISFIED[state]:
        return False
    if state == "attended" and contact.get("duration") is not None:
        duration = entry.get("duration")
        return not isinstance(duration, bool) and duration == contact["duration"]  # true is no 1 second
    return True


def describe_state(entry):
    """A participation's state for results and diffs: ``attended (3600 s)`` when a duration is known."""
    if not entry:
        return ABSENT
    state = entry.get("state") or ABSENT
    if state == "attended" and entry.get("duration") is not None:
        return "attended (%s s)" % entry["duration"]
    return state


def known(contact, field):
    """The contact's ``id`` or ``email``: as given, else as the participation read before writing names it."""
    return contact.get(field) or (contact.get("held") or {}).get(field)


def current_state(contact):
    """What the contact held before writing, for results and diffs (``describe_state`` of ``held``)."""
    return describe_state(contact.get("held"))


def unchanged_entry(contact, state, reason):
    """An ``unchanged`` result: the contact's known identifiers, the state it holds, and why nothing was written."""
    return {"id": known(contact, "id"), "email": known(contact, "email"), "current_state": state, "reason": reason}


def answered_as_one_contact(recorded):
    """Contacts of one task that HubSpot's write answers named with the same contact id (one given by id,
    another by email): ``[(contacts, contact id, same)]``, ``same`` when they asked for the same
    attendance duration (HubSpot then holds what each asked for, whichever write came last).

    ``recorded`` holds ``(contact, recorded entry)`` pairs. Before writing, the reads tell this only
    for a contact that already took part (``one_contact_twice``); for a new one the answers are the first to.
    """
    by_id = {}
    for contact, entry in recorded:
        if entry.get("id") is not None:
            by_id.setdefault(entry["id"], []).append(contact)
    return [(contacts, contact_id, len(set(c.get("duration") for c in contacts)) == 1)
            for contact_id, contacts in sorted(by_id.items(), key=lambda item: item[1][0]["index"]) if len(contacts) > 1]


def given_as(contact):
    """``contacts[3] (id 51)`` or ``contacts[3] (ada@example.com)``: a contact as the task gave it."""
    given = "id %s" % contact["id"] if contact.get("id") is not None else contact["email"]
    return "contacts[%d] (%s)" % (contact["index"], given)


def one_contact_twice(contacts, current, state):
    """The message naming contacts given once by id and once by email that ``current`` (``index_participations``
    output) shows to be one HubSpot contact, or None.

    Written both ways, the contact would get two writes per run (the later one wins) and never settle. Only a
    participation in a state that satisfies ``state`` is looked at: those are the ones every run that reads
    reads (with ``--diff`` or without), so check mode and a real run fail alike. HubSpot tells which email an
    id has nowhere else in these reads.
    """
    first = {}
    pairs = []
    for contact in contacts:
        entry = current.get(contact["key"])
        if not entry or entry.get("state") not in SATISFIED[state]:
            continue
        # index_participations files one participation under both its id and its email
        other = first.setdefault(id(entry), contact)
        if other["key"] != contact["key"]:
            pairs.append((other, contact, entry))
    if not pairs:
        return None
    named = ["%s and %s are one HubSpot contact (id %s, %s)" % (given_as(other), given_as(contact), entry.get("id"), entry.get("email"))
             for other, contact, entry in pairs[:3]]
    return "give each contact once, by its id or by its email: %s" % first_few(named, 3, len(pairs))


def compute_delta(contacts, current, state, force=False):
    """Split prepared ``contacts`` into ``(to_write, unchanged)`` for the desired ``state``.

    ``current`` is ``index_participations`` output. A contact is unchanged when its participation
    ``holds`` the desired state, unless ``force``. Every contact considered gets its participation
    (or ``{}``) as ``held``, in place: a task holds up to 100,000 prepared contacts, so they are not
    copied. ``to_write`` are those contacts; ``unchanged`` their result entries. A contact repeated in
    ``contacts`` is considered once, at its first position.
    """
    to_write, unchanged = [], []
    seen = set()
    for contact in contacts:
        if contact["key"] in seen:
            continue
        seen.add(contact["key"])
        contact["held"] = current.get(contact["key"]) or {}
        if not force and holds(contact["held"], contact, state):
            unchanged.append(unchanged_entry(contact, contact["held"]["state"], READ_REASON))
        else:
            to_write.append(contact)
    return to_write, unchanged


# ---------------------------------------------------------------------------------------------
# Writes


def chunks(items, size):
    """Consecutive slices of ``items`` of at most ``size`` items."""
    if size < 1:
        raise ValueError("chunk size must be at least 1")
    items = list(items)
    return [items[i:i + size] for i in range(0, len(items), size)]


class _ById:
    """The write endpoint for contacts given by HubSpot contact id (``.../create``): inputs and results carry ``vid``."""

    action = "create"

    @staticmethod
    def identify(contact):
        return {"vid": int(contact["id"])}

    @staticmethod
    def result_key(result):
        return _as_key(contact_id=result.get("vid"))


class _ByEmail:
    """The write endpoint for contacts given by email (``.../email-create``): inputs carry ``email`` and the
    contact properties to set; results are matched by email, ignoring case."""

    action = "email-create"

    @staticmethod
    def identify(contact):
        return {"email": contact["email"], "contactProperties": dict(contact["contact_properties"])}

    @staticmethod
    def result_key(result):
        return _as_key(email=result.get("email"))


BY_ID = _ById()
BY_EMAIL = _ByEmail()


class Chunk:
    """One attendance write: up to ``batch_size`` prepared contacts that share one endpoint, ``BY_ID`` or ``BY_EMAIL``."""

    __slots__ = ("endpoint", "contacts")

    def __init__(self, endpoint, contacts):
        self.endpoint = endpoint
        self.contacts = list(contacts)

    def __iter__(self):
        return iter(self.contacts)

    def __len__(self):
        return len(self.contacts)

    def request(self, event, state):
        """``(path, query params, JSON body)`` of this write to ``event``."""
        path, query = event.attendance_write(state, self.endpoint.action)
        return path, query, build_body(self)


def write_plan(contacts, batch_size):
    """The ``Chunk`` list to send: contacts given by id first, then those given by email."""
    by_id = [c for c in contacts if c.get("id") is not None]
    by_email = [c for c in contacts if c.get("id") is None]
    return [Chunk(BY_ID, part) for part in chunks(by_id, batch_size)] + [Chunk(BY_EMAIL, part) for part in chunks(by_email, batch_size)]


def _attendance_properties(contact):
    """``joinedAt``/``leftAt`` as ISO-8601 instants (HubSpot drops epoch strings and empty properties)."""
    if contact.get("joined_at") is None:
        return {}
    return {"joinedAt": iso_instant(contact["joined_at"]), "leftAt": iso_instant(contact["left_at"])}


def build_body(chunk):
    """The JSON body of one write (a ``Chunk``): ``properties`` (and by email ``contactProperties``) are always sent."""
    inputs = []
    for contact in chunk:
        item = {"interactionDateTime": contact["occurred_at"], "properties": _attendance_properties(contact)}
        item.update(chunk.endpoint.identify(contact))
        inputs.append(item)
    return {"inputs": inputs}


def public_contact(contact):
    """The contact as it appears in ``batch_errors``, ``unconfirmed`` and ``not_attempted``: id or email, and its index."""
    out = {"index": contact["index"]}
    if contact.get("id") is not None:
        out["id"] = contact["id"]
    else:
        out["email"] = contact["email"]
    return out


def unconfirmed_entry(contact, reason):
    """An ``unconfirmed`` result: the contact, and why HubSpot's answer cannot tell what it holds."""
    out = public_contact(contact)
    out["reason"] = reason
    return out


def _first(values):
    if isinstance(values, (list, tuple)):
        return values[0] if values else None
    return values


def _as_key(contact_id=None, email=None):
    """``contact_key`` of a value taken from a response, or None when it is not an identifier."""
    try:
        if contact_id is not None and not isinstance(contact_id, bool):
            text = str(contact_id)
            return contact_key(contact_id=contact_id) if text.isascii() and text.isdigit() else None
        if isinstance(email, str) and email.strip():
            return contact_key(email=email)
    except (TypeError, ValueError):
        pass
    return None


def _named_in(message, contact):
    """Whether an error message names the contact (its email, or its id as a whole number)."""
    if contact.get("email"):
        pattern = r"(?<![A-Za-z0-9._%+-])" + re.escape(contact["email"].lower()) + r"(?![A-Za-z0-9-]|\.[A-Za-z0-9])"
        return re.search(pattern, message.lower()) is not None
    return re.search(r"(?<![0-9])%s(?![0-9])" % re.escape(contact["id"]), message) is not None


class _Answer:
    """One write answer matched against the inputs of its chunk (see ``map_batch_response``)."""

    def __init__(self, chunk, body):
        self.chunk = chunk.contacts
        self.endpoint = chunk.endpoint
        self.keys = dict((c["key"], c) for c in self.chunk)
        self.listed = {}        # index -> result entry
        self.failed = {}        # index -> error entry
        self.unmatched_results = []
        self.loose_errors = []  # error entries that name no input
        self.body = body

    def leftover(self):
        return [c for c in self.chunk if c["index"] not in self.listed and c["index"] not in self.failed]

    def match_results(self):
        for result in self.body["results"]:
            if not isinstance(result, dict):
                continue
            contact = self.keys.get(self.endpoint.result_key(result))
            if contact is not None and contact["index"] not in self.listed:
                self.listed[contact["index"]] = result
            else:
                self.unmatched_results.append(result)

    def _by_error_keys(self, error):
        """The contact an error names through ``in`` or ``context`` (kept for answers that carry them)."""
        context = error.get("context") if isinstance(error.get("context"), dict) else {}
        key = _as_key(contact_id=_first(context.get("vid"))) or _as_key(email=_first(context.get("email")))
        if key in self.keys:
            return self.keys[key]
        wheres = [error.get("in")] + [d.get("in") for d in _details(error)]
        for where in wheres:
            match = _INPUT_INDEX.search(where if isinstance(where, str) else "")
            if match and int(match.group(1)) < len(self.chunk):
                return self.chunk[int(match.group(1))]
        return None

    def _by_message(self, message):
        named = [c for c in self.leftover() if _named_in(message, c)]
        return named[0] if len(named) == 1 else None

    def attribute_errors(self):
        errors = self.body.get("errors")
        # Any other value than a list (row 13: error bodies vary) is one error the answer does not attribute.
        for error in errors if isinstance(errors, list) else [errors] if errors else []:
            entry = error_entry(error, self.body)
            contact = self._by_error_keys(error) if isinstance(error, dict) else None
            if contact is None or contact["index"] in self.failed or contact["index"] in self.listed:
                contact = self._by_message(entry["message"] or "")
            if contact is None:
                self.loose_errors.append(entry)
            else:
                entry["contact"] = public_contact(contact)
                self.failed[contact["index"]] = entry
        declared = sent_count(self.body.get("numErrors"))
        if declared is not None:
            # More errors than inputs tell nothing more (and a huge count must not cost memory).
            for dummy in range(min(declared, len(self.chunk)) - len(self.failed) - len(self.loose_errors)):
                self.loose_errors.append(error_entry({"message": "HubSpot counted an error it did not describe"}, self.body))

    def eliminate(self):
        """Pair what is left one to one: a lone unmatched result or a lone loose error with a lone input."""
        left = self.leftover()
        if len(left) == 1 and len(self.unmatched_results) == 1 and not self.loose_errors:
            self.listed[left[0]["index"]] = self.unmatched_results.pop()
        elif len(left) == 1 and len(self.loose_errors) == 1 and not self.unmatched_results:
            entry = self.loose_errors.pop()
            entry["contact"] = public_contact(left[0])
            self.failed[left[0]["index"]] = entry


def _details(error):
    """An error's own ``errors``, as ``error_items`` reads an error body's: objects, plain strings as messages."""
    return error_items(error.get("errors"))[0]


def error_entry(error, body):
    """A ``batch_errors`` entry (without its contact) from one item of a write answer's ``errors``."""
    if not isinstance(error, dict):
        error = {"message": error}
    details = _details(error)
    message = error_message(error, details) or "rejected by HubSpot"
    return {
        "contact": {"index": None},
        "status": error.get("status"),
        "category": error.get("category"),
        "sub_category": error.get("subCategory"),
        "message": message,
        "correlation_id": error.get("correlationId") or body.get("correlationId"),
    }


def map_batch_response(chunk, body, state, retried_after_sending=False):
    """What one write answer says of each contact of its ``Chunk``: ``[(bucket, contact, result entry)]`` in chunk order.

    HubSpot lists in ``results`` only the inputs it changed, and its per-input errors name the
    contact only in their message. So:

    Buckets (``RECORDED``, ``UNCHANGED``, ``BATCH_ERRORS``, ``UNCONFIRMED``):

    - ``recorded``: ``{"id", "email", "state"}`` of each contact named in ``results`` (matched by
      vid, or by email ignoring case). ``id`` is the contact id HubSpot returned where it did.
    - ``batch_errors``: entries attributed by ``in``/``context`` when present, else by
      the identifier in the message, else by elimination (the one input left with the one error left).
    - ``unchanged``: inputs neither listed nor rejected, when every error is attributed: HubSpot
      answered that they already held the state.
    - ``unconfirmed``: everything the answer leaves open (errors it does not attribute, results it
      names under other identifiers, an answer without a ``results`` list, and, when the answer's
      ``status`` is another than ``COMPLETE``, such as ``PENDING``, every contact it does not refuse:
      the batch is not done, so neither its results nor its omissions are final); with
      ``retried_after_sending`` (an earlier attempt of the request may have been applied, so the
      final answer shows that attempt's contacts as already held) also the inputs it does not list.

    Every contact of ``chunk`` is placed exactly once.
    """
    if not isinstance(body, dict) or not isinstance(body.get("results"), list):
        reason = "HubSpot's answer had no results list, so it does not say what was recorded"
        return [(UNCONFIRMED, c, unconfirmed_entry(c, reason)) for c in chunk]
    answer = _Answer(chunk, body)
    answer.match_results()
    answer.attribute_errors()
    answer.eliminate()
    open_reason = _open_reason(answer)
    unfinished = _unfinished_reason(body)
    if retried_after_sending and not open_reason:
        open_reason = ("an earlier attempt of this request got no answer and may have recorded the contact, "
                       "so HubSpot's answer that it already held the state does not tell who changed it")
    placed = []
    for contact in chunk:
        if contact["index"] in answer.failed:
            placed.append((BATCH_ERRORS, contact, answer.failed[contact["index"]]))
        elif unfinished:
            placed.append((UNCONFIRMED, contact, unconfirmed_entry(contact, unfinished)))
        elif contact["index"] in answer.listed:
            placed.append((RECORDED, contact, recorded_entry(contact, answer.listed[contact["index"]], state)))
        elif open_reason:
            placed.append((UNCONFIRMED, contact, unconfirmed_entry(contact, open_reason)))
        else:
            placed.append((UNCHANGED, contact, unchanged_entry(contact, state, NO_OP_REASON)))
    return placed


def _unfinished_reason(body):
    """Why a batch answer whose ``status`` is present and not ``COMPLETE`` says nothing final, else None.

    An answer without ``status`` (HubSpot's schema requires it) is read by its results, as observed."""
    status = body.get("status")
    if status is None or (isinstance(status, str) and status.upper() == "COMPLETE"):
        return None
    shown = repr(status[:40]) if isinstance(status, str) else "of type %s" % type_name(status)
    return "HubSpot answered the batch with status %s, not COMPLETE, so it does not say what was recorded" % shown


def _open_reason(answer):
    if answer.loose_errors:
        return "HubSpot reported %d error(s) without naming the contact: %s" % (
            len(answer.loose_errors), "; ".join(e["message"] for e in answer.loose_errors[:3]))
    if answer.unmatched_results:
        return "HubSpot listed %d result(s) under identifiers not in this request" % len(answer.unmatched_results)
    return None


def recorded_entry(contact, result, state):
    """A ``recorded`` result: the contact id HubSpot returned (else the one known) and the email where known."""
    vid = result.get("vid")
    email = result.get("email") if isinstance(result.get("email"), str) else None
    return {
        "id": str(vid) if _as_key(contact_id=vid) else known(contact, "id"),
        "email": email or known(contact, "email"),
        "state": state,
    }


def would_record(contacts, state):
    """What check mode reports as ``recorded``: the identifiers known before writing."""
    return [{"id": known(c, "id"), "email": known(c, "email"), "state": state} for c in contacts]


def contacts_message(entries, total, what, shown=3):
    """``N of M contacts to write <what>: <the first few, with their message or reason>``.

    ``entries`` are ``batch_errors`` entries (the contact under ``contact``) or ``unconfirmed``
    entries (the contact itself, with a ``reason``).
    """
    parts = []
    for entry in entries[:shown]:
        contact = entry.get("contact", entry)
        who = contact.get("id") or contact.get("email")
        label = "contacts[%s] (%s)" % (contact["index"], who) if contact.get("index") is not None else "a contact"
        status = entry.get("status") if isinstance(entry.get("status"), int) else None
        head = " ".join(str(x) for x in (status, entry.get("category")) if x)
        parts.append("%s: %s%s" % (label, entry.get("message") or entry.get("reason"), " (%s)" % head if head else ""))
    return "%d of %d contacts to write %s: %s" % (len(entries), total, what, first_few(parts, shown, len(entries)))


def first_few(parts, shown=3, total=None):
    """The first ``shown`` of ``parts`` joined with "; ", and how many more there are (of ``total``, default all)."""
    total = len(parts) if total is None else total
    more = "; and %d more" % (total - shown) if total > shown else ""
    return "; ".join(parts[:shown]) + more


# ---------------------------------------------------------------------------------------------
# Diff


def build_diff(to_write, recorded_keys, state, limit=DIFF_MAX_CONTACTS):
    """``{"before", "after"}`` for the contacts this run writes (or would write).

    Keys are the contacts as given (id or email), values their state before and after (an
    attendee's with its duration, ``attended (3600 s)``).
    ``recorded_keys`` is the set of contact keys actually recorded (all of ``to_write`` in check mode);
    contacts not recorded keep their state. Past ``limit`` contacts the rest is summarised.
    """
    before, after = {}, {}
    for contact in to_write[:limit]:
        label = contact_label(contact)
        before[label] = current_state(contact)
        wanted = describe_state({"state": state, "duration": contact.get("duration")})
        after[label] = wanted if contact["key"] in recorded_keys else before[label]
    if len(to_write) > limit:
        note = "%d more contacts not shown" % (len(to_write) - limit)
        before["(more)"] = note
        after["(more)"] = note
    return {"before": before, "after": after}
