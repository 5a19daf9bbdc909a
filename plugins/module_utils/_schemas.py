# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the hubspot.marketing collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""JSON Schemas (draft 2020-12, as Python dicts) for module input.

AnsiballZ ships only ``.py`` module_utils, so the schemas live here as dicts. They cover
what the argspec cannot say: exactly one identifier per contact, formats, sizes, and the
times allowed for each desired state. ``x-error`` carries the sentence printed when a
subschema fails (see ``_validation.schema_errors``). Duplicate contacts, calendar checks of
timestamps and the rules that relate two fields (leave after join, a span of at least one second,
no time in the far future) are done in Python (``_attendance.input_errors``).

The schemas are built once, at import: ``_validation`` caches compiled validators by schema.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

# Limits (documented in the module).
MAX_CONTACTS = 100000
MAX_BATCH_SIZE = 100
# HubSpot limits requests per 10 s, not requests in flight. A quarter of its smallest window (100 per
# 10 s): even the first wave, sent before HubSpot's rate headers are known, stays well inside any tier.
MAX_WRITE_CONCURRENCY = 25
# Write requests in flight at once unless the task says otherwise (the module's default). The writes
# come right after the reads, when HubSpot's window has room: 50 batches go in 4 rounds, not 7 at 8.
DEFAULT_WRITE_CONCURRENCY = 16
MAX_EMAIL_LENGTH = 254
MAX_PROPERTY_NAME_LENGTH = 256
MAX_PROPERTY_VALUE_LENGTH = 65536
MAX_CONTACT_PROPERTIES = 200
# 9999-12-31T23:59:59.999Z in epoch milliseconds.
MAX_EPOCH_MS = 253402300799999

# The states a task can record (the module's choices; HubSpot's verbs are register, attend, cancel).
ATTENDANCE_STATES = ("registered", "attended", "cancelled")
# The per-contact times that may also be given once for the whole task.
TASK_TIMES = ("occurred_at", "joined_at", "left_at")
ATTENDANCE_TIMES = ("joined_at", "left_at")

# HubSpot contact ids are positive 64-bit integers; ids are given as ints or digit strings.
# The string form is held to the same bound by the format "hubspot-contact-id" (see
# _validation.contact_id_error, the one definition of a contact id).
CONTACT_ID_MAX = 9223372036854775807
CONTACT_ID_PATTERN = r"^[1-9][0-9]{0,18}$"
EPOCH_MS_PATTERN = r"^[0-9]{1,15}$"
# The syntax of RFC 3339 date-time; the calendar (month 13, February 30) is checked in Python, which
# reads the parts from the groups: year, month, day, hour, minute, second, fraction, Z, offset sign,
# offset hours, offset minutes.
RFC3339_PATTERN = (r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
                   r"(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))$")

# What a value that is no time at all is told (the schema's and ``timestamp_problem``'s one sentence).
TIMESTAMP_FORMAT_PROBLEM = "must be epoch milliseconds (an integer) or an RFC 3339 timestamp such as 2024-06-04T10:00:00Z"
# The most common near miss, told apart: an RFC 3339 date-time without its offset (a local time).
NO_OFFSET_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?$"
NO_OFFSET_PROBLEM = ("has no UTC offset: add Z for UTC or the offset, such as 2024-06-04T10:00:00Z or "
                     "2024-06-04T12:00:00+02:00 (a time without one is not guessed)")

# ``x-error-when``: [pattern, sentence] pairs that replace ``x-error`` for a string they match (_validation).
TIMESTAMP_SCHEMA = {
    "anyOf": [
        {"type": "integer", "minimum": 0, "maximum": MAX_EPOCH_MS},
        {"type": "string", "pattern": EPOCH_MS_PATTERN},
        {"type": "string", "pattern": RFC3339_PATTERN},
    ],
    "x-error": TIMESTAMP_FORMAT_PROBLEM,
    "x-error-when": [[NO_OFFSET_PATTERN, NO_OFFSET_PROBLEM]],
}

_PROPERTY_VALUE = {
    "type": ["string", "integer", "number", "boolean"],
    "maxLength": MAX_PROPERTY_VALUE_LENGTH,
}

_CONTACT_PROPERTIES = {
    "type": "object",
    "maxProperties": MAX_CONTACT_PROPERTIES,
    "propertyNames": {"minLength": 1, "maxLength": MAX_PROPERTY_NAME_LENGTH,
                      "x-error": "property names must have 1 to %d characters" % MAX_PROPERTY_NAME_LENGTH},
    "additionalProperties": _PROPERTY_VALUE,
}

_CONTACT = {
    "type": "object",
    "properties": {
        "id": {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": CONTACT_ID_MAX},
                {"type": "string", "pattern": CONTACT_ID_PATTERN, "format": "hubspot-contact-id"},
            ],
            "x-error": "must be a HubSpot contact id: a positive integer up to %d, or a string of its digits without leading zeros" % CONTACT_ID_MAX,
        },
        "email": {
            "type": "string",
            "maxLength": MAX_EMAIL_LENGTH,
            "format": "email",
        },
        "occurred_at": TIMESTAMP_SCHEMA,
        "joined_at": TIMESTAMP_SCHEMA,
        "left_at": TIMESTAMP_SCHEMA,
        "contact_properties": _CONTACT_PROPERTIES,
    },
    "additionalProperties": False,
    "allOf": [
        {
            "oneOf": [{"required": ["id"]}, {"required": ["email"]}],
            "x-error": "needs exactly one of id or email",
        },
        {
            "if": {"required": ["id"]},
            "then": {"properties": {"contact_properties": {
                "not": {},
                "x-error": "is only allowed for contacts given by email (HubSpot uses it to create a missing contact)",
            }}},
        },
    ],
}

_ONLY_ATTENDED = {
    "not": {},
    "x-error": "is only allowed with state attended (HubSpot keeps join and leave times only for attendance)",
}


def _attendance_schema(state):
    contact = copy.deepcopy(_CONTACT)
    properties = {
        "batch_size": {"type": "integer", "minimum": 1, "maximum": MAX_BATCH_SIZE},
        "contacts": {"type": "array", "maxItems": MAX_CONTACTS, "items": contact},
        "verify_timeout": {"type": "integer", "minimum": 1, "maximum": 3600},
        "write_concurrency": {"type": "integer", "minimum": 1, "maximum": MAX_WRITE_CONCURRENCY},
    }
    properties.update((name, TIMESTAMP_SCHEMA) for name in TASK_TIMES)
    if state != "attended":
        for name in ATTENDANCE_TIMES:
            contact["properties"][name] = _ONLY_ATTENDED
            properties[name] = _ONLY_ATTENDED
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "marketing_event_attendance input (state %s)" % state,
        "type": "object",
        "properties": properties,
    }


# One schema per desired state, built once.
ATTENDANCE_SCHEMAS = dict((state, _attendance_schema(state)) for state in ATTENDANCE_STATES)
