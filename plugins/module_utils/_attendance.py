# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the hubspot.marketing collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Pure logic of ``marketing_event_attendance``: input checks, delta, chunks, batch results.

Nothing here sends a request. The module reads the current participation through the
client, hands it to these functions and writes what ``compute_delta`` returns.

A *contact* below is the prepared form of one item of the ``contacts`` option::

    {"index": 3, "id": "123" or None, "email": "a@b.c" or None, "key": "id:123" or "email:a@b.c",
     "occurred_at": 1717495200000, "properties": {"joinedAt": "1717495200000"}, "contact_properties": {}}
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible_collections.hubspot.marketing.plugins.module_utils._schemas import ATTENDANCE_SCHEMAS, RFC3339_PATTERN
from ansible_collections.hubspot.marketing.plugins.module_utils._validation import schema_errors, sort_errors

# A desired state is satisfied by these current (snake_case read) states.
# registered is satisfied by attended and no_show too: recording "register" must never demote an attendee.
SATISFIED = {
    "registered": frozenset(("registered", "attended", "no_show")),
    "attended": frozenset(("attended",)),
    "cancelled": frozenset(("cancelled",)),
}
ABSENT = "absent"
DIFF_MAX_CONTACTS = 1000

_RFC3339 = re.compile(RFC3339_PATTERN)
_RFC3339_PARTS = re.compile(
    r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))$")
_INPUT_INDEX = re.compile(r"inputs\[(\d+)\]")
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


# ---------------------------------------------------------------------------------------------
# Input


def parse_timestamp(value):
    """Epoch milliseconds from an int, a digit string or an RFC 3339 string; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a timestamp")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("negative timestamp")
        return value
    if not isinstance(value, str):
        raise ValueError("not a timestamp")
    text = value.strip()
    if text.isdigit() and len(text) <= 15:
        return int(text)
    match = _RFC3339_PARTS.match(text)
    if not match:
        raise ValueError("not an RFC 3339 timestamp")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction = match.group(7) or ""
    # A leap second (:60) is read as the last millisecond of the minute.
    leap = second == 60
    when = datetime.datetime(year, month, day, hour, minute, 59 if leap else second, tzinfo=datetime.timezone.utc)
    if match.group(9):
        offset = datetime.timedelta(hours=int(match.group(10)), minutes=int(match.group(11)))
        if offset >= datetime.timedelta(hours=24):
            raise ValueError("offset out of range")
        when -= offset if match.group(9) == "+" else -offset
    millis = int((fraction + "000")[:3])
    if leap:
        millis = 999
    delta = when - _EPOCH
    result = (delta.days * 86400 + delta.seconds) * 1000 + millis
    if result < 0:
        raise ValueError("before 1970")
    return result


def _strip_none(contact):
    return dict((k, v) for k, v in contact.items() if v is not None)


def contact_key(contact_id=None, email=None):
    """The identity of a contact in this module: ``id:123`` or ``email:<lowercased email>``."""
    if contact_id is not None:
        return "id:%s" % int(contact_id)
    return "email:%s" % email.strip().lower()


def input_errors(state, contacts, batch_size=100):
    """Every problem of the attendance input as sorted ``{"path", "message"}`` entries.

    JSON Schema first (``ATTENDANCE_SCHEMAS[state]``), then what a schema cannot say:
    calendar-valid timestamps and duplicate contacts (same id, or same email ignoring case).
    """
    contacts = [_strip_none(c) if isinstance(c, dict) else c for c in (contacts or [])]
    errors = schema_errors({"batch_size": batch_size, "contacts": contacts}, ATTENDANCE_SCHEMAS[state])
    bad_paths = set(e["path"] for e in errors)
    first_seen = {}
    for index, contact in enumerate(contacts):
        if not isinstance(contact, dict):
            continue
        base = "contacts[%d]" % index
        stamps = [("occurred_at", contact.get("occurred_at"))]
        if state == "attended" and isinstance(contact.get("properties"), dict):
            stamps.extend(("properties.%s" % k, v) for k, v in contact["properties"].items())
        for field, value in stamps:
            path = "%s.%s" % (base, field)
            if value is None or path in bad_paths:
                continue
            try:
                parse_timestamp(value)
            except (ValueError, OverflowError) as exc:
                if isinstance(value, str) and _RFC3339.match(value.strip()):
                    errors.append({"path": path, "message": "is not a valid date or time (%s)" % exc})
                else:
                    errors.append({"path": path, "message": "must be epoch milliseconds (an integer) or an RFC 3339 timestamp"})
        if base in bad_paths:  # no single identifier: nothing to compare
            continue
        if "id" in contact and "%s.id" % base not in bad_paths:
            field, key = "id", contact_key(contact_id=contact["id"])
        elif "email" in contact and isinstance(contact["email"], str) and "%s.email" % base not in bad_paths:
            field, key = "email", contact_key(email=contact["email"])
        else:
            continue
        if key in first_seen:
            errors.append({"path": "%s.%s" % (base, field), "message": "duplicate of contacts[%d]" % first_seen[key]})
        else:
            first_seen[key] = index
    return sort_errors(errors)


def _property_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def prepare_contacts(contacts, state, now_ms):
    """The validated ``contacts`` option as prepared contacts (see the module docstring).

    Timestamps become epoch milliseconds (``occurred_at`` defaults to ``now_ms``), attended
    properties become epoch-ms digit strings, contact properties strings. Call only after
    ``input_errors`` returned nothing.
    """
    prepared = []
    for index, raw in enumerate(contacts or []):
        raw = _strip_none(raw)
        contact_id = str(int(raw["id"])) if "id" in raw else None
        email = raw["email"].strip() if contact_id is None else None
        properties = {}
        if state == "attended":
            properties = dict((k, str(parse_timestamp(v))) for k, v in (raw.get("properties") or {}).items())
        contact_properties = dict((k, _property_value(v)) for k, v in (raw.get("contact_properties") or {}).items())
        prepared.append({
            "index": index,
            "id": contact_id,
            "email": email,
            "key": contact_key(contact_id, email),
            "occurred_at": parse_timestamp(raw["occurred_at"]) if "occurred_at" in raw else now_ms,
            "properties": properties,
            "contact_properties": contact_properties,
        })
    return prepared


def contact_label(contact):
    """How a contact is named in messages and diffs: its id or its email, as given."""
    return contact["id"] if contact.get("id") is not None else contact["email"]


# ---------------------------------------------------------------------------------------------
# Current state and delta


def index_participations(participations):
    """``{contact key: {"state", "id", "email"}}`` from normalised breakdown items.

    Each participation is indexed under its contact id and under its email, so contacts given
    either way find it. A later item for the same contact replaces an earlier one.
    """
    index = {}
    for item in participations:
        entry = {"state": item.get("state"), "id": item.get("contact_id"), "email": item.get("email")}
        if entry["id"] not in (None, ""):
            try:
                index[contact_key(contact_id=entry["id"])] = entry
            except (TypeError, ValueError):
                pass
        if isinstance(entry["email"], str) and entry["email"].strip():
            index[contact_key(email=entry["email"])] = entry
    return index


def compute_delta(contacts, current, state, force=False):
    """Split prepared ``contacts`` into ``(to_write, unchanged)`` for the desired ``state``.

    ``current`` is ``index_participations`` output. A contact is unchanged when its current
    state satisfies the desired one (``SATISFIED``), unless ``force``. Each ``to_write`` item is
    the contact plus ``current_state`` (``"absent"`` when the contact has no participation) and
    ``known_id``/``known_email`` from the current participation. A contact repeated in
    ``contacts`` is considered once, at its first position.
    """
    to_write, unchanged = [], []
    seen = set()
    for contact in contacts:
        if contact["key"] in seen:
            continue
        seen.add(contact["key"])
        entry = current.get(contact["key"]) or {}
        current_state = entry.get("state") or ABSENT
        known_id = contact.get("id") or entry.get("id")
        known_email = contact.get("email") or entry.get("email")
        if not force and current_state in SATISFIED[state]:
            unchanged.append({"id": known_id, "email": known_email, "current_state": current_state})
        else:
            item = dict(contact)
            item.update(current_state=current_state, known_id=known_id, known_email=known_email)
            to_write.append(item)
    return to_write, unchanged


# ---------------------------------------------------------------------------------------------
# Writes


def chunks(items, size):
    """Consecutive slices of ``items`` of at most ``size`` items."""
    if size < 1:
        raise ValueError("chunk size must be at least 1")
    items = list(items)
    return [items[i:i + size] for i in range(0, len(items), size)]


def split_by_identifier(contacts):
    """``(by_id, by_email)``: contacts given by id and by email go to different endpoints."""
    by_id = [c for c in contacts if c.get("id") is not None]
    by_email = [c for c in contacts if c.get("id") is None]
    return by_id, by_email


def write_plan(contacts, batch_size):
    """``[(by_email, chunk), ...]``: the POSTs to send, id contacts first."""
    by_id, by_email = split_by_identifier(contacts)
    return [(False, chunk) for chunk in chunks(by_id, batch_size)] + [(True, chunk) for chunk in chunks(by_email, batch_size)]


def build_body(chunk, by_email):
    """The JSON body of one attendance write. ``properties``/``contactProperties`` are always sent."""
    inputs = []
    for contact in chunk:
        if by_email:
            inputs.append({
                "email": contact["email"],
                "interactionDateTime": contact["occurred_at"],
                "properties": dict(contact["properties"]),
                "contactProperties": dict(contact["contact_properties"]),
            })
        else:
            inputs.append({
                "vid": int(contact["id"]),
                "interactionDateTime": contact["occurred_at"],
                "properties": dict(contact["properties"]),
            })
    return {"inputs": inputs}


def public_contact(contact):
    """The contact as it appears in ``batch_errors`` and ``not_attempted``: id or email, and its index."""
    out = {"index": contact["index"]}
    if contact.get("id") is not None:
        out["id"] = contact["id"]
    else:
        out["email"] = contact["email"]
    return out


def _is_contact_id(value):
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value > 0
    return isinstance(value, str) and value.isdigit() and value.isascii()


def _first(values):
    if isinstance(values, (list, tuple)):
        return values[0] if values else None
    return values


def _error_contact(error, chunk, by_id, by_email):
    """The input contact an error entry is about: by identifier in ``context``, else by ``inputs[i]``."""
    context = error.get("context") if isinstance(error.get("context"), dict) else {}
    vid = _first(context.get("vid"))
    if vid is not None:
        try:
            contact = by_id.get(contact_key(contact_id=vid))
        except (TypeError, ValueError):
            contact = None
        if contact is not None:
            return contact
    email = _first(context.get("email"))
    if isinstance(email, str) and email.strip():
        contact = by_email.get(contact_key(email=email))
        if contact is not None:
            return contact
    wheres = [error.get("in")] + [d.get("in") for d in error.get("errors") or [] if isinstance(d, dict)]
    for where in wheres:
        match = _INPUT_INDEX.search(where or "")
        if match and int(match.group(1)) < len(chunk):
            return chunk[int(match.group(1))]
    return None


def map_batch_response(chunk, body, state, by_email):
    """``(recorded, errors)`` for one written chunk, from HubSpot's 200/207 batch body.

    ``recorded``: ``{"id", "email", "state"}`` for each contact the answer did not reject. ``id`` is
    the contact id HubSpot returned (as a string) and ``email`` the contact's email where known;
    neither is invented. ``errors``: ``{"contact", "status", "category", "message", "correlation_id"}``
    per rejected contact; ``contact`` is ``{"index", "id"|"email"}``, or ``{"index": None}`` when
    the entry names no contact of the chunk.
    """
    body = body if isinstance(body, dict) else {}
    by_id = dict((c["key"], c) for c in chunk if c.get("id") is not None)
    by_mail = dict((contact_key(email=c["email"]), c) for c in chunk if c.get("email"))
    failed = set()
    errors = []
    for entry in body.get("errors") or []:
        if not isinstance(entry, dict):
            continue
        contact = _error_contact(entry, chunk, by_id, by_mail)
        details = [d for d in entry.get("errors") or [] if isinstance(d, dict)]
        message = entry.get("message") or (details[0].get("message") if details else None) or "rejected by HubSpot"
        if contact is not None:
            failed.add(contact["index"])
        errors.append({
            "contact": public_contact(contact) if contact is not None else {"index": None},
            "status": entry.get("status"),
            "category": entry.get("category"),
            "message": message,
            "correlation_id": entry.get("correlationId") or body.get("correlationId"),
        })
    if body.get("numErrors") and not errors:
        errors.append({"contact": {"index": None}, "status": body.get("status"), "category": None,
                       "message": "HubSpot reported %s errors without details" % body.get("numErrors"),
                       "correlation_id": body.get("correlationId")})
    # Results, matched by identifier, then in order to the contacts not matched yet.
    pending = [c for c in chunk if c["index"] not in failed]
    returned = {}
    unmatched = []
    for result in body.get("results") or []:
        if not isinstance(result, dict):
            continue
        contact = None
        if by_email and isinstance(result.get("email"), str):
            contact = by_mail.get(contact_key(email=result["email"]))
        elif not by_email and result.get("vid") is not None:
            try:
                contact = by_id.get(contact_key(contact_id=result["vid"]))
            except (TypeError, ValueError):
                contact = None
        if contact is not None and contact["index"] not in failed and contact["index"] not in returned:
            returned[contact["index"]] = result
        elif _is_contact_id(result.get("vid")):
            unmatched.append(result)
    # HubSpot may answer with another identifier (a merged contact's id, a normalised email):
    # results left over are attributed in order, but only when they pair up one to one.
    left = [c for c in pending if c["index"] not in returned]
    if unmatched and len(unmatched) == len(left):
        for contact, result in zip(left, unmatched):
            returned[contact["index"]] = result
    recorded = []
    for contact in pending:
        result = returned.get(contact["index"]) or {}
        vid = result.get("vid")
        contact_id = str(vid) if vid is not None else contact.get("id") or contact.get("known_id")
        email = result.get("email") if isinstance(result.get("email"), str) else None
        recorded.append({
            "id": contact_id,
            "email": email or contact.get("email") or contact.get("known_email"),
            "state": state,
        })
    return recorded, errors


def would_record(contacts, state):
    """What check mode reports as ``recorded``: the identifiers known before writing."""
    return [{"id": c.get("id") or c.get("known_id"), "email": c.get("email") or c.get("known_email"), "state": state}
            for c in contacts]


def failure_message(errors, total, shown=3):
    """``N of M contacts failed: <first errors>``."""
    failed = len(errors)
    parts = []
    for error in errors[:shown]:
        contact = error["contact"]
        who = contact.get("id") or contact.get("email")
        label = "contacts[%s] (%s)" % (contact["index"], who) if contact.get("index") is not None else "a contact"
        status = error.get("status") if isinstance(error.get("status"), int) else None
        head = " ".join(str(x) for x in (status, error.get("category")) if x)
        parts.append("%s: %s%s" % (label, error.get("message"), " (%s)" % head if head else ""))
    more = "; and %d more" % (failed - shown) if failed > shown else ""
    return "%d of %d contacts failed: %s%s" % (failed, total, "; ".join(parts), more)


# ---------------------------------------------------------------------------------------------
# Diff


def build_diff(to_write, recorded_keys, state, limit=DIFF_MAX_CONTACTS):
    """``{"before", "after"}`` for the contacts this run writes (or would write).

    Keys are the contacts as given (id or email), values their state before and after.
    ``recorded_keys`` is the set of contact keys actually recorded (all of ``to_write`` in check mode);
    contacts not recorded keep their state. Past ``limit`` contacts the rest is summarised.
    """
    before, after = {}, {}
    for contact in to_write[:limit]:
        label = contact_label(contact)
        before[label] = contact["current_state"]
        after[label] = state if contact["key"] in recorded_keys else contact["current_state"]
    if len(to_write) > limit:
        note = "%d more contacts not shown" % (len(to_write) - limit)
        before["(more)"] = note
        after["(more)"] = note
    return {"before": before, "after": after}
