"""Local emulator of the HubSpot Marketing Events v3 API (attendance and participations).

A real HTTP/1.1 server on loopback that behaves like HubSpot for the endpoints the
collection uses, plus ``/_emulator/*`` control endpoints for tests (faults, rate
limits, request log, state dump, seeding). Standard library only.

Run ``python3 tests/emulator/hubspot_emulator.py --help``; the interface is
documented in ``tests/emulator/README.md``.
"""

import argparse
import base64
import collections
import datetime
import http
import ipaddress
import json
import math
import os
import random
import re
import signal
import socket
import ssl
import sys
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

DEFAULT_TOKEN = "emulator-token"
ME = "/marketing/v3/marketing-events"
# HubSpot's date-based versions of the same API; one store serves all of them (see canonical_path).
DATE_VERSIONS = ("2026-03", "2026-09")
_DATED = re.compile(r"^/marketing/marketing-events/(%s)(?=/|$)" % "|".join(re.escape(v) for v in DATE_VERSIONS))


def canonical_path(path):
    """The v3 spelling of a path: ``/marketing/marketing-events/2026-09/x`` -> ``/marketing/v3/marketing-events/x``."""
    return _DATED.sub(ME, path, count=1)


READ_SCOPE = "crm.objects.marketing_events.read"
WRITE_SCOPE = "crm.objects.marketing_events.write"
CONTACTS_READ_SCOPE = "crm.objects.contacts.read"
CONTACTS_WRITE_SCOPE = "crm.objects.contacts.write"
READ_SCOPES = frozenset([READ_SCOPE, CONTACTS_READ_SCOPE])
ALL_SCOPES = frozenset([READ_SCOPE, WRITE_SCOPE, CONTACTS_READ_SCOPE, CONTACTS_WRITE_SCOPE])

SUBSCRIBER_STATES = {"register": "REGISTERED", "attend": "ATTENDED", "cancel": "CANCELLED"}
READ_STATES = ("REGISTERED", "ATTENDED", "CANCELLED", "NO_SHOW")
ATTEND_PROPERTIES = frozenset(["joinedAt", "leftAt"])
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
INT_RE = re.compile(r"^-?[0-9]+$")
DIGITS_RE = re.compile(r"^[0-9]+$")
CURSOR_RE = re.compile(r"^[A-Za-z0-9_-]+$")
FRACTION_RE = re.compile(r"\.([0-9]+)(?=[+-][0-9]{2}:?[0-9]{2}$|$)")
# an RFC 3339 instant: date, "T", time, optional fraction, and "Z" or a numeric offset (no naive times)
RFC3339_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$")
# interactionDateTime below this (a date before 1973 read as milliseconds) is taken as seconds and dropped
SECONDS_LIMIT = 10 ** 11
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
ALWAYS = float("-inf")  # write time of seeded and HubSpot-side changes: visible to every reader at once

WINDOW_SECONDS = 10.0
INTERVAL_MS = "10000"
APP_ID = 1234567
APP_NAME = "HubSpot emulator"
FIRST_CONTACT_ID = 1001
FIRST_EVENT_ID = 58000001
FIRST_PARTICIPATION_ID = 77000001
JSON_TYPE = "application/json;charset=utf-8"
UTC = datetime.timezone.utc

CONFIG_KEYS = ("latency_ms", "rate_limit", "daily_limit", "partial_status", "contact_lag", "event_lag")
LAG_KEYS = ("contact_lag", "event_lag")
DEFAULT_CONTACT_LAG = 1
DEFAULT_EVENT_LAG = 6
# How long a new event stays invisible to GET {externalEventId}/identifiers and to events/search
# (HubSpot indexes new events asynchronously: "a few minutes after creation").
EVENT_CONFIG_DEFAULTS = {"identifiers_lag_ms": 0, "search_lag_ms": 0}
CONFIG_KEYS += tuple(sorted(EVENT_CONFIG_DEFAULTS))
# token_ttl_ms > 0: a token expires that long after its first accepted request (like an OAuth access token, ~30 min).
CONFIG_KEYS += ("token_ttl_ms",)
RULE_KEYS = frozenset(["method", "path_regex", "count", "rate", "action", "retry_after", "delay_ms", "policy", "body",
                       "match", "named"])
RULE_ACTIONS = ("reset", "malformed", "delay", "stored_nothing", "cut", "reject_input")
RULE_BODIES = ("json", "html", "no_category", "string_errors")
POLICIES = ("TEN_SECONDLY_ROLLING", "DAILY")
FAULT_CATEGORIES = {
    400: "VALIDATION_ERROR",
    401: "INVALID_AUTHENTICATION",
    403: "MISSING_SCOPES",
    404: "OBJECT_NOT_FOUND",
    409: "CONFLICT",
    423: "LOCKED",
    477: "MIGRATION_IN_PROGRESS",
    500: "INTERNAL_ERROR",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
    521: "WEB_SERVER_DOWN",
}
MALFORMED_BODY = b'{"status": "COMPLETE", "results": [{"vid": 10'


# --------------------------------------------------------------------------- helpers

def now_ms():
    return int(time.time() * 1000)


def iso_ms(ms):
    """Epoch milliseconds -> '2024-06-04T10:00:00.000Z'."""
    dt = datetime.datetime.fromtimestamp(ms // 1000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (ms % 1000)


def parse_iso_ms(value):
    """ISO 8601 date-time string -> epoch milliseconds, or None when not parseable."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text[-1] in "Zz":
        text = text[:-1] + "+00:00"
    # Python < 3.11 only accepts 3 or 6 fractional digits: normalise to 6
    text = FRACTION_RE.sub(lambda m: "." + (m.group(1) + "000000")[:6], text)
    try:
        dt = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return (dt - EPOCH) // datetime.timedelta(milliseconds=1)


def parse_instant_ms(value):
    """An RFC 3339 instant with "Z" or an offset -> epoch milliseconds; None for anything else (epoch digits too)."""
    if not isinstance(value, str) or not RFC3339_RE.match(value):
        return None
    return parse_iso_ms(value)


def lag_value(value):
    """A lag in seconds as given (int or float) -> int when whole, else float; ValueError when not a number >= 0."""
    if isinstance(value, str):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError("not a number >= 0")
    return int(value) if float(value).is_integer() else float(value)


def is_loopback(host):
    """True when a client address (as in client_address[0]) is a loopback address."""
    if not isinstance(host, str):
        return False
    host = host.split("%", 1)[0]
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(addr, "ipv4_mapped", None)
    if mapped is not None:
        addr = mapped
    return addr.is_loopback


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def is_str_map(value):
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


def correlation_id():
    return str(uuid.uuid4())


def error_body(category, message, errors=None, context=None, sub_category=None):
    body = {"status": "error", "message": message, "correlationId": correlation_id(), "category": category}
    if sub_category:
        body["subCategory"] = sub_category
    if errors:
        body["errors"] = errors
    if context:
        body["context"] = context
    return body


class Reply(object):
    """An HTTP answer: status, a JSON-able body (or raw bytes), headers."""

    __slots__ = ("status", "body", "headers", "content_type", "drop", "cut")

    def __init__(self, status, body=None, headers=None, content_type=JSON_TYPE, drop=False):
        self.status = status
        self.body = body
        self.headers = headers if headers is not None else {}
        self.content_type = content_type
        self.drop = drop
        self.cut = False  # send the headers and half the body, announce the full length, then close

    def payload(self):
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, separators=(",", ":")).encode("utf-8")


class ApiError(Exception):
    """Raised by handlers; becomes a HubSpot-shaped error reply."""

    def __init__(self, status, category, message, errors=None, context=None, headers=None):
        super(ApiError, self).__init__(message)
        self.status = status
        self.category = category
        self.message = message
        self.errors = errors
        self.context = context
        self.headers = headers

    def reply(self):
        return Reply(self.status, error_body(self.category, self.message, self.errors, self.context), headers=self.headers)


def bad_request(message, where=None):
    errors = [{"message": message, "in": where}] if where else None
    return ApiError(400, "VALIDATION_ERROR", message, errors=errors)


def not_found(message):
    return ApiError(404, "OBJECT_NOT_FOUND", message)


class UniqueValueConflict(ApiError):
    """400 for a create whose (app, externalAccountId, externalEventId) exists, as HubSpot answers it.

    Observed body: ``errorType: UNIQUE_VALUE_CONFLICT`` with the id of the event that holds the
    value in ``errorTokens.existingObjectId`` (CONTRACT.md section 12, row 13).
    """

    def __init__(self, event):
        message = ("A marketing event with externalAccountId=%s and externalEventId=%s already exists (hs_unique_id). "
                   "Existing ID: %s" % (event.account, event.external_id, event.object_id))
        super(UniqueValueConflict, self).__init__(400, "VALIDATION_ERROR", message)
        self.object_id = event.object_id

    def reply(self):
        body = error_body(self.category, self.message)
        body["errorType"] = "UNIQUE_VALUE_CONFLICT"
        body["errorTokens"] = {"existingObjectId": [self.object_id], "propertyName": ["hs_unique_id"]}
        return Reply(self.status, body)


def unique_value_conflict(event):
    return UniqueValueConflict(event)


# --------------------------------------------------------------------------- model

class Contact(object):
    __slots__ = ("id", "email", "properties", "created_ms", "updated_ms")

    def __init__(self, contact_id, email, properties, created_ms):
        self.id = contact_id
        self.email = email
        self.properties = properties
        self.created_ms = created_ms
        self.updated_ms = created_ms

    def to_json(self):
        props = dict(self.properties)
        if self.email:
            props["email"] = self.email
        props["hs_object_id"] = str(self.id)
        props["createdate"] = iso_ms(self.created_ms)
        props["lastmodifieddate"] = iso_ms(self.updated_ms)
        return {
            "id": str(self.id),
            "properties": props,
            "createdAt": iso_ms(self.created_ms),
            "updatedAt": iso_ms(self.updated_ms),
            "archived": False,
        }


class Event(object):
    __slots__ = ("object_id", "account", "external_id", "name", "organizer", "event_type", "url", "description",
                 "start_ms", "end_ms", "cancelled", "completed", "custom", "created_ms", "updated_ms",
                 "participations", "by_contact", "rollup", "rollup_cutoff", "pending", "app_id", "app_name")

    def __init__(self, object_id, account, external_id, name, organizer, created_ms, app_id=APP_ID, app_name=APP_NAME):
        self.app_id = app_id  # the app that created the event: only it can use the external-id paths
        self.app_name = app_name
        self.object_id = object_id
        self.account = account
        self.external_id = external_id
        self.name = name
        self.organizer = organizer
        self.event_type = None
        self.url = None
        self.description = None
        self.start_ms = None
        self.end_ms = None
        self.cancelled = False
        self.completed = False
        self.custom = []
        self.created_ms = created_ms
        self.updated_ms = created_ms
        self.participations = []
        self.by_contact = {}
        # The event rollup (breakdowns and counters, which lag by event_lag): the stored state of the version
        # each participation shows to a reader whose horizon is rollup_cutoff (before the NO_SHOW derivation),
        # counted by state, and the (write time, participation) of the writes beyond that horizon, oldest first.
        self.rollup = dict((state, 0) for state in READ_STATES)
        self.rollup_cutoff = ALWAYS
        self.pending = collections.deque()

    def ended(self, now):
        """True when the event has an end time and it has passed (REGISTERED then reads as NO_SHOW)."""
        return self.end_ms is not None and self.end_ms <= now

    def _optional(self, out):
        for key, value in (("eventType", self.event_type), ("eventUrl", self.url), ("eventDescription", self.description)):
            if value is not None:
                out[key] = value
        if self.start_ms is not None:
            out["startDateTime"] = iso_ms(self.start_ms)
        if self.end_ms is not None:
            out["endDateTime"] = iso_ms(self.end_ms)
        return out

    def _property_values(self):
        return [{
            "dataSensitivity": "none", "isEncrypted": False, "isLargeValue": False, "maskedSubstrings": {"substrings": []},
            "name": name, "persistenceTimestamp": self.updated_ms, "requestId": "", "selectedByUser": False,
            "selectedByUserTimestamp": 0, "source": "INTEGRATION", "sourceId": str(self.app_id), "sourceLabel": self.app_name,
            "sourceMetadata": "", "sourceUpstreamDeployable": "", "sourceVid": [], "timestamp": self.updated_ms, "unit": "",
            "updatedByUserId": 0, "useTimestampAsPersistenceTimestamp": False, "value": value,
        } for name, value in self.custom]

    def default_response(self):
        """MarketingEventDefaultResponse (create, complete)."""
        out = {
            "objectId": self.object_id, "eventName": self.name, "eventOrganizer": self.organizer,
            "eventCancelled": self.cancelled, "eventCompleted": self.completed, "customProperties": self._property_values(),
        }
        return self._optional(out)

    @staticmethod
    def counters(counts):
        return {"attended": counts["ATTENDED"], "cancelled": counts["CANCELLED"],
                "noShows": counts["NO_SHOW"], "registered": counts["REGISTERED"]}

    def read_response(self, counts):
        """MarketingEventPublicReadResponse (GET events/{externalEventId}); counts as the event rollup shows them."""
        out = {
            "id": self.object_id, "objectId": self.object_id, "eventName": self.name, "eventOrganizer": self.organizer,
            "externalEventId": self.external_id, "createdAt": iso_ms(self.created_ms), "updatedAt": iso_ms(self.updated_ms),
            "customProperties": self._property_values(), "registrants": counts["REGISTERED"],
            "attendees": counts["ATTENDED"], "cancellations": counts["CANCELLED"], "noShows": counts["NO_SHOW"],
            "eventCancelled": self.cancelled, "eventCompleted": self.completed,
        }
        return self._optional(out)

    def read_response_v2(self, counts):
        """MarketingEventPublicReadResponseV2 (GET {objectId}); counts as the event rollup shows them."""
        out = {
            "objectId": self.object_id, "eventName": self.name, "eventOrganizer": self.organizer,
            "externalEventId": self.external_id, "createdAt": iso_ms(self.created_ms), "updatedAt": iso_ms(self.updated_ms),
            "customProperties": [{"name": name, "value": value} for name, value in self.custom],
            "registrants": counts["REGISTERED"], "attendees": counts["ATTENDED"],
            "cancellations": counts["CANCELLED"], "noShows": counts["NO_SHOW"],
            "eventCancelled": self.cancelled, "eventCompleted": self.completed,
            "appInfo": self.app_info(),
        }
        return self._optional(out)

    def app_info(self):
        return {"id": str(self.app_id), "name": self.app_name}

    def public_default_response(self):
        """MarketingEventPublicDefaultResponse (PATCH events/{externalEventId})."""
        out = {
            "id": self.object_id, "objectId": self.object_id, "eventName": self.name, "eventOrganizer": self.organizer,
            "createdAt": iso_ms(self.created_ms), "updatedAt": iso_ms(self.updated_ms),
            "customProperties": self._property_values(), "eventCancelled": self.cancelled, "eventCompleted": self.completed,
        }
        return self._optional(out)

    def public_default_response_v2(self):
        """MarketingEventPublicDefaultResponseV2 (PATCH {objectId})."""
        out = {
            "objectId": self.object_id, "eventName": self.name, "eventOrganizer": self.organizer,
            "createdAt": iso_ms(self.created_ms), "updatedAt": iso_ms(self.updated_ms),
            "customProperties": [{"name": name, "value": value} for name, value in self.custom],
            "eventCancelled": self.cancelled, "eventCompleted": self.completed, "appInfo": self.app_info(),
        }
        return self._optional(out)

    def state_json(self):
        """The event as /_emulator/state shows it."""
        return {"objectId": self.object_id, "appId": self.app_id, "externalAccountId": self.account,
                "externalEventId": self.external_id, "eventName": self.name, "eventOrganizer": self.organizer,
                "eventType": self.event_type, "eventUrl": self.url, "eventDescription": self.description,
                "startDateTime": iso_ms(self.start_ms) if self.start_ms is not None else None,
                "endDateTime": iso_ms(self.end_ms) if self.end_ms is not None else None,
                "eventCancelled": self.cancelled, "eventCompleted": self.completed,
                "customProperties": dict(self.custom)}

    def percentage(self, duration_seconds):
        if self.start_ms is None or self.end_ms is None or self.end_ms <= self.start_ms:
            return None
        pct = 100.0 * duration_seconds * 1000 / (self.end_ms - self.start_ms)
        return str(int(round(max(0.0, min(100.0, pct)))))


class Participation(object):
    """One (event, contact) record with its version history.

    A version is a tuple (write time on the monotonic clock, state, occurredAt, duration or None). The newest
    version is the stored truth; a reader with a lag sees the newest version written at least that long ago.
    """

    __slots__ = ("id", "event", "contact", "versions", "created_iso", "shown")

    def __init__(self, pid, event, contact, version, created_ms):
        self.id = pid
        self.event = event
        self.contact = contact
        self.versions = [version]
        self.created_iso = iso_ms(created_ms)
        self.shown = None  # the state this participation counts for in its event's rollup (None: not counted)

    @property
    def last(self):
        return self.versions[-1]

    def visible(self, cutoff):
        """The newest version written at or before ``cutoff``, or None."""
        versions = self.versions
        version = versions[-1]
        if version[0] <= cutoff:
            return version
        for index in range(len(versions) - 2, -1, -1):
            if versions[index][0] <= cutoff:
                return versions[index]
        return None

    def view(self, cutoff, now):
        """(state, occurredAt, duration) as a reader whose horizon is ``cutoff`` sees it at ``now`` (epoch ms), or None."""
        version = self.visible(cutoff)
        if version is None:
            return None
        if version[1] == "REGISTERED" and self.event.ended(now):
            return ("NO_SHOW", self.event.end_ms, None)
        return version[1:]

    def breakdown(self, view):
        contact = self.contact
        event = self.event
        state, occurred_at, duration = view
        assoc_contact = {"contactId": str(contact.id), "email": contact.email or ""}
        for key in ("firstname", "lastname"):
            value = contact.properties.get(key)
            if value:
                assoc_contact[key] = value
        props = {"attendanceState": state, "occurredAt": occurred_at}
        if state == "ATTENDED" and duration is not None:
            props["attendanceDurationSeconds"] = duration
            pct = event.percentage(duration)
            if pct is not None:
                props["attendancePercentage"] = pct
        return {
            "id": self.id,
            "createdAt": self.created_iso,
            "associations": {
                "contact": assoc_contact,
                "marketingEvent": {"marketingEventId": event.object_id, "name": event.name,
                                   "externalAccountId": event.account, "externalEventId": event.external_id},
            },
            "properties": props,
        }

    def state_json(self, now):
        state, occurred_at, duration = self.view(float("inf"), now)
        return {"eventObjectId": self.event.object_id, "externalAccountId": self.event.account,
                "externalEventId": self.event.external_id, "contactId": str(self.contact.id),
                "email": self.contact.email or "", "attendanceState": state, "occurredAt": occurred_at,
                "attendanceDurationSeconds": duration}


# --------------------------------------------------------------------------- routing

ROUTES = (
    ("POST", "/crm/v3/objects/contacts", "contact_create"),
    ("GET", "/crm/v3/objects/contacts/{contactId}", "contact_get"),
    ("POST", ME + "/events", "event_create"),
    ("GET", ME, "event_list"),
    ("GET", "/marketing/marketing-events/v3", "event_list"),  # the list-all path as the spec prints it
    ("POST", ME + "/events/upsert", "event_upsert"),
    ("PATCH", ME + "/events/{externalEventId}", "event_patch_external"),
    ("DELETE", ME + "/events/{externalEventId}", "event_delete_external"),
    ("POST", ME + "/events/{externalEventId}/cancel", "event_cancel"),
    ("PATCH", ME + "/{objectId}", "event_patch_object"),
    ("DELETE", ME + "/{objectId}", "event_delete_object"),
    ("GET", ME + "/events/search", "event_search"),
    ("GET", ME + "/events/{externalEventId}", "event_get_external"),
    ("POST", ME + "/events/{externalEventId}/complete", "event_complete"),
    ("GET", ME + "/{objectId}", "event_get_object"),
    ("GET", ME + "/{externalEventId}/identifiers", "event_identifiers"),
    ("POST", ME + "/{objectId}/attendance/{subscriberState}/create", "attendance_object_vid"),
    ("POST", ME + "/{objectId}/attendance/{subscriberState}/email-create", "attendance_object_email"),
    ("POST", ME + "/attendance/{externalEventId}/{subscriberState}/create", "attendance_external_vid"),
    ("POST", ME + "/attendance/{externalEventId}/{subscriberState}/email-create", "attendance_external_email"),
    ("GET", ME + "/participations/contacts/{contactIdentifier}/breakdown", "breakdown_contact"),
    ("GET", ME + "/participations/{marketingEventId}/breakdown", "breakdown_event_id"),
    ("GET", ME + "/participations/{externalAccountId}/{externalEventId}/breakdown", "breakdown_event_external"),
    ("GET", ME + "/participations/{marketingEventId}", "counters_event_id"),
    ("GET", ME + "/participations/{externalAccountId}/{externalEventId}", "counters_event_external"),
)


class Router(object):
    """Segment router: among templates matching a path, literal segments win over parameters (left to right)."""

    def __init__(self, routes):
        self.routes = [(method, template.split("/")[1:], name) for method, template, name in routes]

    def match(self, method, path):
        """Return (name, params, allowed_methods); name is None when nothing matches for this method."""
        if not path.startswith("/"):
            return None, {}, []
        segments = [unquote(s) for s in path[1:].split("/")]
        best_key = None
        candidates = []
        for route_method, template, name in self.routes:
            if len(template) != len(segments):
                continue
            params = {}
            key = []
            for tseg, seg in zip(template, segments):
                if tseg.startswith("{"):
                    if not seg:
                        break
                    params[tseg[1:-1]] = seg
                    key.append(0)
                elif tseg == seg:
                    key.append(1)
                else:
                    break
            else:
                key = tuple(key)
                if best_key is None or key > best_key:
                    best_key = key
                    candidates = [(route_method, name, params)]
                elif key == best_key:
                    candidates.append((route_method, name, params))
        for route_method, name, params in candidates:
            if route_method == method:
                return name, params, [route_method]
        return None, {}, sorted(set(c[0] for c in candidates))


ROUTER = Router(ROUTES)
_INVALID = object()


# --------------------------------------------------------------------------- emulator state and logic

class Emulator(object):
    """All state and behaviour; every state access happens under ``self.lock``."""

    def __init__(self, tokens=None, read_only_tokens=None, latency_ms=0, rate_limit=0, daily_limit=0,
                 contact_lag=DEFAULT_CONTACT_LAG, event_lag=DEFAULT_EVENT_LAG, token_ttl_ms=0):
        self.lock = threading.Lock()
        self.tokens = {}
        for token in (tokens or [DEFAULT_TOKEN]):
            self.tokens[token] = ALL_SCOPES
        for token in (read_only_tokens or []):
            self.tokens.setdefault(token, READ_SCOPES)
        # labels used in rate-limit bodies instead of the token itself (tokens are never echoed)
        self.token_labels = dict((token, "app-%d" % (index + 1)) for index, token in enumerate(self.tokens))
        self.defaults = {"latency_ms": latency_ms, "rate_limit": rate_limit, "daily_limit": daily_limit, "partial_status": 200,
                         "contact_lag": lag_value(contact_lag), "event_lag": lag_value(event_lag)}
        self.defaults.update(EVENT_CONFIG_DEFAULTS)
        self.defaults["token_ttl_ms"] = token_ttl_ms
        self.salt = base64.urlsafe_b64encode(os.urandom(6)).decode("ascii")
        with self.lock:
            self._reset_locked()

    # ---- control

    def _reset_locked(self):
        self.config = dict(self.defaults)
        # the largest lag configured since the reset: history older than this is never read again
        self.max_lag = max(self.config["contact_lag"], self.config["event_lag"])
        self.contacts = {}
        self.contacts_by_email = {}
        self.events = {}
        self.events_by_external = {}
        self.events_by_external_id = collections.defaultdict(list)
        self.participations = []
        self.contact_participations = collections.defaultdict(list)
        self.next_contact_id = FIRST_CONTACT_ID
        self.next_event_id = FIRST_EVENT_ID
        self.next_participation_id = FIRST_PARTICIPATION_ID
        self.request_log = []
        self.fault_rules = []
        self.rng = random.Random(1234)
        self.windows = {}
        self.daily_used = {}
        self.token_first_use = {}

    def reset(self):
        with self.lock:
            self._reset_locked()
        return {"ok": True}

    def get_config(self):
        with self.lock:
            return dict(self.config)

    def set_config(self, body):
        if not isinstance(body, dict):
            raise bad_request("config body must be a JSON object")
        values = {}
        for key, value in body.items():
            if key not in CONFIG_KEYS:
                raise bad_request("unknown config key %r (allowed: %s)" % (key, ", ".join(CONFIG_KEYS)))
            if key in LAG_KEYS:
                if isinstance(value, str):
                    raise bad_request("config %s must be a number of seconds >= 0" % key)
                try:
                    value = lag_value(value)
                except ValueError:
                    raise bad_request("config %s must be a number of seconds >= 0" % key)
            elif not is_int(value) or value < 0:
                raise bad_request("config %s must be a non-negative integer" % key)
            if key == "partial_status" and not 200 <= value <= 299:
                raise bad_request("partial_status must be a 2xx status (200 or 207)")
            values[key] = value
        with self.lock:
            self.config.update(values)
            self.max_lag = max(self.max_lag, self.config["contact_lag"], self.config["event_lag"])
            return dict(self.config)

    def set_faults(self, body):
        if not isinstance(body, dict) or set(body) != {"rules"} or not isinstance(body["rules"], list):
            raise bad_request('faults body must be {"rules": [...]}')
        rules = [self._validate_rule(index, rule) for index, rule in enumerate(body["rules"])]
        with self.lock:
            self.fault_rules = rules
            self.rng = random.Random(1234)
        return {"ok": True, "rules": len(rules)}

    def get_faults(self):
        with self.lock:
            return {"rules": [dict((k, v) for k, v in rule.items() if k != "_regex") for rule in self.fault_rules]}

    @staticmethod
    def _validate_rule(index, rule):
        where = "rules[%d]" % index
        if not isinstance(rule, dict):
            raise bad_request("%s must be an object" % where)
        unknown = sorted(set(rule) - RULE_KEYS)
        if unknown:
            raise bad_request("%s: unknown key(s) %s (allowed: %s)" % (where, ", ".join(unknown), ", ".join(sorted(RULE_KEYS))))
        if "action" not in rule:
            raise bad_request("%s: 'action' is required" % where)
        action = rule["action"]
        if is_int(action):
            if not 400 <= action <= 599:
                raise bad_request("%s: status action must be between 400 and 599" % where)
        elif action not in RULE_ACTIONS:
            raise bad_request("%s: unknown action %r (use an HTTP status 400-599 or one of %s)" % (where, action, ", ".join(RULE_ACTIONS)))
        out = {"action": action}
        if "method" in rule:
            if not isinstance(rule["method"], str) or not rule["method"]:
                raise bad_request("%s: method must be a string" % where)
            out["method"] = rule["method"].upper()
        path_regex = rule.get("path_regex", "")
        if not isinstance(path_regex, str):
            raise bad_request("%s: path_regex must be a string" % where)
        try:
            out["_regex"] = re.compile(path_regex)
        except re.error as exc:
            raise bad_request("%s: invalid path_regex: %s" % (where, exc))
        out["path_regex"] = path_regex
        if "count" in rule and "rate" in rule:
            raise bad_request("%s: use either count or rate, not both" % where)
        if "count" in rule:
            if not is_int(rule["count"]) or rule["count"] < 1:
                raise bad_request("%s: count must be a positive integer" % where)
            out["count"] = rule["count"]
        if "rate" in rule:
            rate = rule["rate"]
            if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
                raise bad_request("%s: rate must be a number between 0 and 1" % where)
            out["rate"] = float(rate)
        for key in ("retry_after", "delay_ms"):
            if key in rule:
                if not is_int(rule[key]) or rule[key] < 0:
                    raise bad_request("%s: %s must be a non-negative integer" % (where, key))
                out[key] = rule[key]
        if action == "delay":
            out.setdefault("delay_ms", 1000)
        if "policy" in rule:
            if rule["policy"] not in POLICIES:
                raise bad_request("%s: policy must be one of %s" % (where, ", ".join(POLICIES)))
            out["policy"] = rule["policy"]
        if action == "reject_input":
            if not isinstance(rule.get("match"), str) or not rule["match"]:
                raise bad_request("%s: reject_input needs match, the email or vid (as a string) of the input to reject" % where)
            if not isinstance(rule.get("named", True), bool):
                raise bad_request("%s: named must be a boolean" % where)
            out["match"] = rule["match"].strip().lower()
            out["named"] = rule.get("named", True)
        elif "match" in rule or "named" in rule:
            raise bad_request("%s: match and named go with action reject_input only" % where)
        if "body" in rule:
            if rule["body"] not in RULE_BODIES:
                raise bad_request("%s: body must be one of %s" % (where, ", ".join('"%s"' % b for b in RULE_BODIES)))
            out["body"] = rule["body"]
        return out

    def pick_fault(self, method, path):
        """Return the fault rule applying to this request (consuming a count), or None. Caller holds the lock."""
        for rule in self.fault_rules:
            if "method" in rule and rule["method"] != method:
                continue
            if not rule["_regex"].search(path):
                continue
            if "count" in rule:
                if rule["count"] <= 0:
                    continue
                rule["count"] -= 1
                return rule
            if "rate" in rule:
                if self.rng.random() < rule["rate"]:
                    return rule
                continue
            return rule
        return None

    def fault_reply(self, rule):
        action = rule["action"]
        if action == "reset":
            return Reply(0, drop=True)
        if action == "malformed":
            return Reply(200, MALFORMED_BODY)
        status = action
        headers = {}
        if "retry_after" in rule:
            headers["Retry-After"] = str(rule["retry_after"])
        if rule.get("body") == "html":
            phrase = _phrase(status)
            page = ("<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1></center>\r\n"
                    "<hr><center>emulated proxy</center>\r\n</body>\r\n</html>\r\n") % (status, phrase, status, phrase)
            return Reply(status, page.encode("ascii"), headers, content_type="text/html; charset=utf-8")
        if status == 429:
            with self.lock:
                rate_limit = self.config["rate_limit"] or 100
                daily_limit = self.config["daily_limit"] or 250000
            policy = rule.get("policy", "TEN_SECONDLY_ROLLING")
            if policy == "DAILY":
                headers["X-HubSpot-RateLimit-Daily"] = str(daily_limit)
                headers["X-HubSpot-RateLimit-Daily-Remaining"] = "0"
            else:
                headers["X-HubSpot-RateLimit-Max"] = str(rate_limit)
                headers["X-HubSpot-RateLimit-Remaining"] = "0"
                headers["X-HubSpot-RateLimit-Interval-Milliseconds"] = INTERVAL_MS
            body = rate_limit_body(policy, "emulated-fault")
        else:
            category = FAULT_CATEGORIES.get(status, _phrase(status).upper().replace(" ", "_") or "ERROR")
            body = error_body(category, "Emulated fault: %d %s" % (status, _phrase(status)))
        variant = rule.get("body")
        if variant == "no_category":
            del body["category"]
        elif variant == "string_errors":
            body["errors"] = [body["message"], "Emulated fault: errors given as plain strings"]
        return Reply(status, body, headers)

    def log_arrival(self, method, path, query, inputs):
        """Append a request-log entry (status filled in later) and return (entry, latency_ms, fault rule)."""
        entry = {"method": method, "path": path, "query": query, "status": 0, "inputs": inputs}
        with self.lock:
            self.request_log.append(entry)
            fault = self.pick_fault(method, path)
            return entry, self.config["latency_ms"], fault

    def set_status(self, entry, status):
        with self.lock:
            entry["status"] = status

    def get_requests(self):
        with self.lock:
            return {"requests": [dict(entry) for entry in self.request_log]}

    def clear_requests(self):
        with self.lock:
            self.request_log = []
        return {"ok": True}

    def dump_state(self):
        """Ground truth: the newest stored version of every participation, with no lag."""
        with self.lock:
            now = now_ms()
            return {"participations": [p.state_json(now) for p in self.participations],
                    "events": [e.state_json() for e in self.events.values()]}

    # ---- auth and rate limits

    def authenticate(self, header):
        """Return the token for a valid 'Authorization: Bearer' header, or raise 401."""
        if not header:
            raise ApiError(401, "INVALID_AUTHENTICATION",
                           "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more "
                           "details at https://developers.hubspot.com/docs/methods/auth/oauth-overview")
        parts = header.strip().split(None, 1)
        if len(parts) != 2 or parts[0].lower() != "bearer" or parts[1].strip() not in self.tokens:
            raise ApiError(401, "INVALID_AUTHENTICATION",
                           "The access token provided is invalid, malformed or expired. Check the Authorization header.")
        token = parts[1].strip()
        with self.lock:
            ttl = self.config["token_ttl_ms"] / 1000.0
            if ttl:
                now = time.monotonic()
                age = now - self.token_first_use.setdefault(token, now)
                if age > ttl:
                    raise ApiError(401, "EXPIRED_AUTHENTICATION",
                                   "The OAuth token used to make this call expired %d second(s) ago." % int(age - ttl))
        return token

    def rate_check(self, token):
        """Count an accepted request against the token's limits; return rate headers or raise a 429 ApiError-like reply."""
        with self.lock:
            rate_limit = self.config["rate_limit"]
            daily_limit = self.config["daily_limit"]
            headers = {}
            window = None
            now = time.monotonic()
            if rate_limit > 0:
                window = self.windows.setdefault(token, collections.deque())
                while window and window[0] <= now - WINDOW_SECONDS:
                    window.popleft()
            used = self.daily_used.get(token, 0)
            if daily_limit > 0 and used >= daily_limit:
                headers["X-HubSpot-RateLimit-Daily"] = str(daily_limit)
                headers["X-HubSpot-RateLimit-Daily-Remaining"] = "0"
                if window is not None:
                    headers["X-HubSpot-RateLimit-Max"] = str(rate_limit)
                    headers["X-HubSpot-RateLimit-Remaining"] = str(max(0, rate_limit - len(window)))
                    headers["X-HubSpot-RateLimit-Interval-Milliseconds"] = INTERVAL_MS
                return Reply(429, rate_limit_body("DAILY", self.token_labels.get(token, "app")), headers)
            if window is not None:
                if len(window) >= rate_limit:
                    retry = max(1, int(math.ceil(window[0] + WINDOW_SECONDS - now)))
                    headers["X-HubSpot-RateLimit-Max"] = str(rate_limit)
                    headers["X-HubSpot-RateLimit-Remaining"] = "0"
                    headers["X-HubSpot-RateLimit-Interval-Milliseconds"] = INTERVAL_MS
                    headers["Retry-After"] = str(retry)
                    if daily_limit > 0:
                        headers["X-HubSpot-RateLimit-Daily"] = str(daily_limit)
                        headers["X-HubSpot-RateLimit-Daily-Remaining"] = str(max(0, daily_limit - used))
                    return Reply(429, rate_limit_body("TEN_SECONDLY_ROLLING", self.token_labels.get(token, "app")), headers)
                window.append(now)
                headers["X-HubSpot-RateLimit-Max"] = str(rate_limit)
                headers["X-HubSpot-RateLimit-Remaining"] = str(rate_limit - len(window))
                headers["X-HubSpot-RateLimit-Interval-Milliseconds"] = INTERVAL_MS
            if daily_limit > 0:
                self.daily_used[token] = used + 1
                headers["X-HubSpot-RateLimit-Daily"] = str(daily_limit)
                headers["X-HubSpot-RateLimit-Daily-Remaining"] = str(max(0, daily_limit - used - 1))
            return headers

    # ---- API entry point

    def handle_api(self, method, path, query, headers, body, base_url, store=True, reject=None):
        """Process one API request (after faults and latency). Returns a Reply.

        ``store=False`` (the ``stored_nothing`` fault): an attendance write is answered as usual but changes nothing.
        ``reject`` (the ``reject_input`` fault): ``(identifier, named)``, the input of an attendance write HubSpot
        refuses with a per-input error, whose message names the contact only when ``named``.
        """
        rate_headers = {}
        try:
            token = self.authenticate(headers.get("Authorization"))
            checked = self.rate_check(token)
            if isinstance(checked, Reply):
                return checked
            rate_headers = checked
            name, params, allowed = ROUTER.match(method, canonical_path(path))
            if name is None:
                if allowed:
                    raise ApiError(405, "METHOD_NOT_ALLOWED", "HTTP method %s is not supported by this endpoint" % method,
                                   headers={"Allow": ", ".join(allowed)})
                raise not_found("Unable to find a route for %s %s" % (method, path))
            if method == "POST":
                needed = CONTACTS_WRITE_SCOPE if path.startswith("/crm/") else WRITE_SCOPE
                if needed not in self.tokens[token]:
                    raise ApiError(403, "MISSING_SCOPES", "This app hasn't been granted all required scopes to make this call.",
                                   errors=[{"message": "One or more of the following scopes are required.",
                                            "context": {"requiredGranularScopes": [needed]}}])
            q = dict(parse_qsl(query, keep_blank_values=True))
            request = {"params": params, "query": q, "body": body, "path": path, "base_url": base_url, "store": store,
                       "reject": reject}
            with self.lock:
                reply = getattr(self, "api_" + name)(request)
        except ApiError as exc:
            reply = exc.reply()
        for key, value in rate_headers.items():
            reply.headers.setdefault(key, value)
        return reply

    # ---- lookups (caller holds the lock)

    def _event_by_object_id(self, object_id):
        event = self.events.get(object_id)
        if event is None:
            raise not_found("Marketing event %s not found" % object_id)
        return event

    def _event_by_external(self, account, external_id):
        if not account:
            raise bad_request("externalAccountId is required", "externalAccountId")
        event = self.events_by_external.get((account, external_id))
        if event is None:
            raise not_found("Marketing event with externalAccountId=%s and externalEventId=%s not found" % (account, external_id))
        return event

    def _contact_by_identifier(self, identifier):
        if "@" in identifier:
            contact_id = self.contacts_by_email.get(identifier.strip().lower())
            return self.contacts.get(contact_id) if contact_id is not None else None
        if DIGITS_RE.match(identifier):
            return self.contacts.get(int(identifier))
        return None

    def _new_contact(self, email, properties):
        contact = Contact(self.next_contact_id, email, properties, now_ms())
        self.next_contact_id += 1
        self.contacts[contact.id] = contact
        if email:
            self.contacts_by_email[email] = contact.id
        return contact

    def _new_event(self, account, external_id, name, organizer, app_id=APP_ID, app_name=APP_NAME):
        event = Event(str(self.next_event_id), account, external_id, name, organizer, now_ms(), app_id, app_name)
        self.next_event_id += 1
        self.events[event.object_id] = event
        if app_id == APP_ID:
            # External ids resolve only for the app that created the event; every API token here is that app.
            self.events_by_external[(account, external_id)] = event
        self.events_by_external_id[external_id].append(event)
        return event

    def _store(self, event, contact, state, occurred_at, duration, written):
        """Add a version to the (event, contact) participation, creating it on first write. ``written`` is the
        monotonic write time (ALWAYS for changes every reader sees at once)."""
        version = (written, state, occurred_at, duration if state == "ATTENDED" else None)
        part = event.by_contact.get(contact.id)
        if part is None:
            part = Participation(str(self.next_participation_id), event, contact, version, now_ms())
            self.next_participation_id += 1
            event.participations.append(part)
            event.by_contact[contact.id] = part
            self.contact_participations[contact.id].append(part)
            self.participations.append(part)
        else:
            versions = part.versions
            versions.append(version)
            # drop versions no reader can see any more (a later one is old enough for the largest lag)
            horizon = time.monotonic() - self.max_lag
            while len(versions) > 1 and versions[1][0] <= horizon:
                del versions[0]
        if written == ALWAYS:
            self._reshow(event, part, event.rollup_cutoff)
        else:
            event.pending.append((written, part))
            self._advance(event, self._cutoff("event_lag"))
        return part

    @staticmethod
    def _holds(part, state, duration):
        """True when the participation's stored (newest) version already is this state (and duration, for ATTENDED)."""
        if part is None:
            return False
        last = part.last
        return last[1] == state and (state != "ATTENDED" or last[3] == duration)

    def _cutoff(self, key):
        """The write-time horizon of a reader with config lag ``key`` (contact_lag or event_lag)."""
        return time.monotonic() - self.config[key]

    @staticmethod
    def _reshow(event, part, cutoff):
        """Recount one participation in the event rollup as a reader with horizon ``cutoff`` sees it."""
        version = part.visible(cutoff)
        state = version[1] if version is not None else None
        if state != part.shown:
            if part.shown is not None:
                event.rollup[part.shown] -= 1
            if state is not None:
                event.rollup[state] += 1
            part.shown = state

    def _advance(self, event, cutoff):
        """Bring the event rollup to horizon ``cutoff``: amortised O(1) per write while the horizon moves forward;
        a horizon moved back (event_lag raised) recounts the event."""
        if cutoff < event.rollup_cutoff:
            event.rollup = dict((state, 0) for state in READ_STATES)
            pending = []
            for part in event.participations:
                part.shown = None
                self._reshow(event, part, cutoff)
                pending.extend((version[0], part) for version in part.versions if version[0] > cutoff)
            pending.sort(key=lambda entry: entry[0])
            event.pending = collections.deque(pending)
        else:
            pending = event.pending
            while pending and pending[0][0] <= cutoff:
                self._reshow(event, pending.popleft()[1], cutoff)
        event.rollup_cutoff = cutoff

    def _event_counts(self, event, cutoff, now):
        """(counts by read state, number of visible participations) as the event rollup shows them at horizon ``cutoff``."""
        self._advance(event, cutoff)
        counts = dict(event.rollup)
        visible = sum(counts.values())
        if event.ended(now):
            counts["NO_SHOW"] += counts["REGISTERED"]
            counts["REGISTERED"] = 0
        return counts, visible

    def _event_rollup(self, event):
        return self._event_counts(event, self._cutoff("event_lag"), now_ms())[0]

    # ---- contacts

    def api_contact_create(self, request):
        body = request["body"]
        if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
            raise bad_request('Body must be a JSON object with a "properties" object', "properties")
        props = {}
        for key, value in body["properties"].items():
            if value is None:
                continue
            if isinstance(value, (dict, list)):
                raise bad_request("Property %s must be a scalar" % key, "properties.%s" % key)
            props[key] = value if isinstance(value, str) else json.dumps(value)
        email = props.pop("email", "").strip().lower()
        if email:
            if not EMAIL_RE.match(email):
                raise ApiError(400, "VALIDATION_ERROR", "Property values were not valid: email %r is not a valid email" % email,
                               errors=[{"message": "Email address %s is invalid" % email, "in": "properties.email"}])
            existing = self.contacts_by_email.get(email)
            if existing is not None:
                raise ApiError(409, "CONFLICT", "Contact already exists. Existing ID: %d" % existing)
        contact = self._new_contact(email, props)
        return Reply(201, contact.to_json())

    def api_contact_get(self, request):
        ident = request["params"]["contactId"]
        id_property = request["query"].get("idProperty")
        contact = None
        if id_property == "email":
            contact_id = self.contacts_by_email.get(ident.strip().lower())
            contact = self.contacts.get(contact_id) if contact_id is not None else None
        elif id_property in (None, "", "hs_object_id") and DIGITS_RE.match(ident):
            contact = self.contacts.get(int(ident))
        if contact is None:
            raise not_found("Contact %s not found" % ident)
        return Reply(200, contact.to_json())

    # ---- events

    def api_event_create(self, request):
        body = request["body"]
        if not isinstance(body, dict):
            raise bad_request("Invalid input JSON: body must be a MarketingEventCreateRequestParams object")
        for key in ("externalAccountId", "externalEventId", "eventName", "eventOrganizer"):
            if not isinstance(body.get(key), str) or not body[key]:
                raise bad_request("%s is required and must be a non-empty string" % key, key)
        for key in ("eventType", "eventUrl", "eventDescription", "startDateTime", "endDateTime"):
            if key in body and body[key] is not None and not isinstance(body[key], str):
                raise bad_request("%s must be a string" % key, key)
        times = {}
        for key in ("startDateTime", "endDateTime"):
            if body.get(key) is not None:
                times[key] = parse_iso_ms(body[key])
                if times[key] is None:
                    raise bad_request("%s must be an ISO 8601 date-time" % key, key)
        for key in ("eventCancelled", "eventCompleted"):
            if key in body and body[key] is not None and not isinstance(body[key], bool):
                raise bad_request("%s must be a boolean" % key, key)
        custom = self._custom_properties(body.get("customProperties"))
        key = (body["externalAccountId"], body["externalEventId"])
        if key in self.events_by_external:
            raise unique_value_conflict(self.events_by_external[key])
        event = self._new_event(key[0], key[1], body["eventName"], body["eventOrganizer"])
        event.event_type = body.get("eventType")
        event.url = body.get("eventUrl")
        event.description = body.get("eventDescription")
        event.start_ms = times.get("startDateTime")
        event.end_ms = times.get("endDateTime")
        event.cancelled = bool(body.get("eventCancelled"))
        event.completed = bool(body.get("eventCompleted"))
        event.custom = custom
        return Reply(200, event.default_response())

    @staticmethod
    def _custom_properties(value):
        if value is None:
            return []
        if not isinstance(value, list):
            raise bad_request("customProperties must be a list", "customProperties")
        out = []
        for index, item in enumerate(value):
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                raise bad_request("customProperties[%d] must be an object with a name" % index, "customProperties[%d]" % index)
            raw = item.get("value")
            out.append((item["name"], raw if isinstance(raw, str) else ("" if raw is None else json.dumps(raw))))
        return out

    def api_event_search(self, request):
        q = request["query"].get("q")
        if not q:
            raise bad_request("Query parameter q is required", "q")
        visible = self._indexed_before("search_lag_ms")
        results = [{"objectId": e.object_id, "externalEventId": e.external_id, "externalAccountId": e.account, "appId": e.app_id}
                   for e in self.events_by_external_id.get(q, []) if e.app_id == APP_ID and e.created_ms <= visible]
        return Reply(200, {"results": results})

    def api_event_get_external(self, request):
        event = self._event_by_external(request["query"].get("externalAccountId"), request["params"]["externalEventId"])
        return Reply(200, event.read_response(self._event_rollup(event)))

    def api_event_get_object(self, request):
        event = self._event_by_object_id(request["params"]["objectId"])
        return Reply(200, event.read_response_v2(self._event_rollup(event)))

    def api_event_identifiers(self, request):
        visible = self._indexed_before("identifiers_lag_ms")
        events = [e for e in self.events_by_external_id.get(request["params"]["externalEventId"], []) if e.created_ms <= visible]
        results = [{"objectId": e.object_id, "externalEventId": e.external_id, "marketingEventName": e.name,
                    "externalAccountId": e.account, "appInfo": e.app_info()} for e in events]
        return Reply(200, {"total": len(results), "results": results})

    def api_event_complete(self, request):
        account = request["query"].get("externalAccountId")
        if not account:
            raise bad_request("externalAccountId is required", "externalAccountId")
        body = request["body"]
        if not isinstance(body, dict):
            raise bad_request('Invalid input JSON: body must be {"startDateTime", "endDateTime"}')
        times = {}
        for key in ("startDateTime", "endDateTime"):
            times[key] = parse_iso_ms(body.get(key))
            if times[key] is None:
                raise bad_request("%s is required and must be an ISO 8601 date-time" % key, key)
        event = self._event_by_external(account, request["params"]["externalEventId"])
        event.start_ms = times["startDateTime"]
        event.end_ms = times["endDateTime"]
        event.completed = True
        event.updated_ms = now_ms()
        for part in event.participations:
            if part.last[1] == "REGISTERED":  # a HubSpot-side change: every reader sees it at once
                self._store(event, part.contact, "NO_SHOW", event.end_ms, None, ALWAYS)
        return Reply(200, event.default_response())

    # ---- event lifecycle (update, cancel, delete, list) and the observed quirks

    def _indexed_before(self, lag_key):
        """Events created at or before this epoch-ms are visible to the lagging lookup ``lag_key``."""
        return now_ms() - self.config.get(lag_key, 0)

    def _apply_event_fields(self, event, body, fields):
        """Validate and apply an update body (PATCH); null and absent fields are left as they are."""
        if body is _INVALID or not isinstance(body, dict):
            raise bad_request("Invalid input JSON: body must be a JSON object")
        unknown = sorted(set(body) - set(fields) - {"customProperties"})
        if unknown:
            raise bad_request("Unknown field(s) %s" % ", ".join(unknown), unknown[0])
        if "customProperties" not in body:
            raise bad_request("customProperties is required (send [] to change none)", "customProperties")
        custom = self._custom_properties(body.get("customProperties"))
        values = {}
        for key in fields:
            value = body.get(key)
            if value is None:
                continue
            if key in ("eventCancelled", "eventCompleted"):
                if not isinstance(value, bool):
                    raise bad_request("%s must be a boolean" % key, key)
            elif not isinstance(value, str):
                raise bad_request("%s must be a string" % key, key)
            elif key in ("startDateTime", "endDateTime"):
                if parse_iso_ms(value) is None:
                    raise bad_request("%s must be an ISO 8601 date-time" % key, key)
                value = parse_iso_ms(value)
            elif key in ("eventName", "eventOrganizer") and not value:
                raise bad_request("%s must not be empty" % key, key)
            values[key] = value
        attrs = {"eventName": "name", "eventOrganizer": "organizer", "eventType": "event_type", "eventUrl": "url",
                 "eventDescription": "description", "startDateTime": "start_ms", "endDateTime": "end_ms",
                 "eventCancelled": "cancelled", "eventCompleted": "completed"}
        for key, value in values.items():
            setattr(event, attrs[key], value)
        merged = dict(event.custom)
        names = [name for name, dummy in event.custom]
        for name, value in custom:
            if name not in merged:
                names.append(name)
            merged[name] = value
        event.custom = [(name, merged[name]) for name in names]
        event.updated_ms = now_ms()

    def api_event_patch_external(self, request):
        event = self._event_by_external(request["query"].get("externalAccountId"), request["params"]["externalEventId"])
        self._apply_event_fields(event, request["body"], ("eventName", "eventOrganizer", "eventType", "eventUrl", "eventDescription",
                                                          "startDateTime", "endDateTime", "eventCancelled", "eventCompleted"))
        return Reply(200, event.public_default_response())

    def api_event_patch_object(self, request):
        event = self._event_by_object_id(request["params"]["objectId"])
        self._apply_event_fields(event, request["body"], ("eventName", "eventOrganizer", "eventType", "eventUrl", "eventDescription",
                                                          "startDateTime", "endDateTime", "eventCancelled"))
        return Reply(200, event.public_default_response_v2())

    def api_event_cancel(self, request):
        event = self._event_by_external(request["query"].get("externalAccountId"), request["params"]["externalEventId"])
        event.cancelled = True
        event.updated_ms = now_ms()
        return Reply(200, event.default_response())

    def _drop_event(self, event):
        del self.events[event.object_id]
        if self.events_by_external.get((event.account, event.external_id)) is event:
            del self.events_by_external[(event.account, event.external_id)]
        same = self.events_by_external_id.get(event.external_id, [])
        same[:] = [e for e in same if e is not event]
        if not same:
            self.events_by_external_id.pop(event.external_id, None)
        if event.participations:
            self.participations = [p for p in self.participations if p.event is not event]
            for part in event.participations:
                parts = self.contact_participations.get(part.contact.id, [])
                parts[:] = [p for p in parts if p is not part]

    def api_event_delete_external(self, request):
        self._drop_event(self._event_by_external(request["query"].get("externalAccountId"), request["params"]["externalEventId"]))
        return Reply(204)

    def api_event_delete_object(self, request):
        self._drop_event(self._event_by_object_id(request["params"]["objectId"]))
        return Reply(204)

    def api_event_upsert(self, request):
        """Observed on the live API: 200, ``results: []``, and nothing created (CONTRACT.md section 12, row 13)."""
        body = request["body"]
        if body is _INVALID or not isinstance(body, dict) or not isinstance(body.get("inputs"), list):
            raise bad_request("Invalid input: 'inputs' is required and must be a list", "inputs")
        stamp = iso_ms(now_ms())
        return Reply(200, {"status": "COMPLETE", "results": [], "requestedAt": stamp, "startedAt": stamp, "completedAt": stamp,
                           "numErrors": 0, "errors": [], "links": {}})

    def api_event_list(self, request):
        """Every event of the portal (all apps), in objectId order; the cursor is the last objectId of a page."""
        q = request["query"]
        limit = q.get("limit", "10")
        if not DIGITS_RE.match(limit or "") or not 1 <= int(limit) <= 100:
            raise bad_request("limit must be an integer between 1 and 100", "limit")
        limit = int(limit)
        last = self._decode_cursor(q["after"]) if "after" in q else 0
        ordered = sorted((e for e in self.events.values() if int(e.object_id) > last), key=lambda e: int(e.object_id))
        page = ordered[:limit]
        body = {"results": [e.read_response_v2(self._event_rollup(e)) for e in page]}
        if len(ordered) > limit:
            after = self._encode_cursor(int(page[-1].object_id))
            nq = dict(q)
            nq["after"] = after
            body["paging"] = {"next": {"after": after, "link": "%s%s?%s" % (request["base_url"], request["path"], urlencode(nq))}}
        return Reply(200, body)

    # ---- attendance writes

    def api_attendance_object_vid(self, request):
        return self._attendance(request, False, lambda: self._event_by_object_id(request["params"]["objectId"]))

    def api_attendance_object_email(self, request):
        return self._attendance(request, True, lambda: self._event_by_object_id(request["params"]["objectId"]))

    def api_attendance_external_vid(self, request):
        return self._attendance(request, False, lambda: self._event_by_external(
            request["query"].get("externalAccountId"), request["params"]["externalEventId"]))

    def api_attendance_external_email(self, request):
        return self._attendance(request, True, lambda: self._event_by_external(
            request["query"].get("externalAccountId"), request["params"]["externalEventId"]))

    @staticmethod
    def _validate_inputs(body, by_email):
        if body is _INVALID:
            raise bad_request("Invalid input JSON on line 1: the request body is not valid JSON")
        if not isinstance(body, dict) or not isinstance(body.get("inputs"), list):
            raise bad_request("Invalid input: 'inputs' is required and must be a list", "inputs")
        inputs = body["inputs"]
        for index, item in enumerate(inputs):
            where = "inputs[%d]" % index
            if not isinstance(item, dict):
                raise bad_request("%s must be an object" % where, where)
            if by_email:
                if not isinstance(item.get("email"), str):
                    raise bad_request("%s.email is required and must be a string" % where, where + ".email")
            elif not is_int(item.get("vid")):
                raise bad_request("%s.vid is required and must be an integer" % where, where + ".vid")
            if not is_int(item.get("interactionDateTime")):
                raise bad_request("%s.interactionDateTime is required and must be an integer (epoch milliseconds)" % where,
                                  where + ".interactionDateTime")
            keys = ("properties", "contactProperties") if by_email else ("properties",)
            for key in keys:
                if item.get(key) is not None and not is_str_map(item[key]):
                    raise bad_request("%s.%s must be a map of string to string" % (where, key), "%s.%s" % (where, key))
        return inputs

    def _attendance(self, request, by_email, resolve_event):
        state_word = request["params"]["subscriberState"]
        state = SUBSCRIBER_STATES.get(state_word)
        if state is None:
            raise bad_request("Unknown state for '%s'. Correct are 'register', 'attend' or 'cancel'." % state_word, "subscriberState")
        inputs = self._validate_inputs(request["body"], by_email)
        event = resolve_event()
        store = request.get("store", True)
        reject = request.get("reject")
        requested = now_ms()
        written = time.monotonic()
        results = []
        errors = []
        for item in inputs:
            if by_email:
                email = item["email"].strip().lower()
                label = item["email"]
                if not EMAIL_RE.match(email):
                    errors.append(_input_error("VALIDATION_ERROR", "Invalid email address `%s`" % label))
                    continue
                contact_id = self.contacts_by_email.get(email)
                contact = self.contacts.get(contact_id) if contact_id is not None else None
            else:
                label = str(item["vid"])
                contact = self.contacts.get(item["vid"])
                if contact is None:
                    errors.append(_input_error("OBJECT_NOT_FOUND", "Contact with vid %s does not exist" % label))
                    continue
            if reject is not None and label.strip().lower() == reject[0]:
                named = " for `%s`" % label if reject[1] else ""
                errors.append(_input_error("VALIDATION_ERROR", "The contact cannot take part in this event%s" % named))
                continue
            if item["interactionDateTime"] < SECONDS_LIMIT:
                continue  # seconds, not milliseconds: HubSpot drops the input without a word
            duration = None
            if state == "ATTENDED":
                outcome = _attend_span(item.get("properties") or {}, label)
                if outcome is None:
                    continue  # joinedAt/leftAt missing or not ISO-8601: dropped without a word
                if isinstance(outcome, dict):
                    errors.append(outcome)
                    continue
                duration = outcome
            part = event.by_contact.get(contact.id) if contact is not None else None
            if self._holds(part, state, duration):
                continue  # already held: nothing changes and the input is not listed
            if contact is None:
                if store:
                    cprops = dict(item.get("contactProperties") or {})
                    cprops.pop("email", None)
                    contact = self._new_contact(email, cprops)
                    vid = contact.id
                else:
                    vid = self.next_contact_id
                    self.next_contact_id += 1
            else:
                vid = contact.id
            if store and (duration is None or duration >= 1):
                self._store(event, contact, state, item["interactionDateTime"], duration, written)
            results.append({"email": item["email"], "vid": vid} if by_email else {"vid": vid})
        completed = now_ms()
        body = {"status": "COMPLETE", "results": results, "requestedAt": iso_ms(requested), "startedAt": iso_ms(requested),
                "completedAt": iso_ms(completed), "numErrors": len(errors), "errors": errors, "links": {}}
        if errors and self.config["partial_status"] != 200:
            status = self.config["partial_status"]
        else:
            status = 201 if state == "REGISTERED" else 200
        return Reply(status, body)

    # ---- participation reads

    def _page_args(self, request):
        q = request["query"]
        limit = q.get("limit", "10")
        if not INT_RE.match(limit.strip() if limit else ""):
            raise bad_request("limit must be an integer between 1 and 100", "limit")
        limit = int(limit)
        if not 1 <= limit <= 100:
            raise bad_request("limit must be between 1 and 100 (got %d)" % limit, "limit")
        state = q.get("state")
        if state is not None and state not in READ_STATES:
            raise bad_request("state must be one of %s" % ", ".join(READ_STATES), "state")
        offset = 0
        if "after" in q:
            offset = self._decode_cursor(q["after"])
        return limit, state, offset

    def _encode_cursor(self, offset):
        raw = json.dumps({"o": offset, "s": self.salt}, separators=(",", ":")).encode("utf-8")
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    def _decode_cursor(self, cursor):
        try:
            if not CURSOR_RE.match(cursor):
                raise ValueError("bad characters")
            data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8"))
            if not isinstance(data, dict) or data.get("s") != self.salt or not is_int(data.get("o")) or data["o"] < 0:
                raise ValueError("bad cursor")
        except (ValueError, TypeError, UnicodeDecodeError):
            raise bad_request("Invalid paging cursor 'after': pass paging.next.after back verbatim", "after")
        return data["o"]

    def _paged(self, request, items, total, limit, state, offset, cutoff):
        """One page of ``items`` as a reader with horizon ``cutoff`` sees them (participations it cannot see yet are skipped)."""
        now = now_ms()
        results = []
        index = offset
        count = len(items)
        while index < count:
            part = items[index]
            # inlined Participation.view (this loop is the hot path of filtered reads)
            versions = part.versions
            back = len(versions) - 1
            while back >= 0 and versions[back][0] > cutoff:
                back -= 1
            if back < 0:
                index += 1
                continue
            shown = versions[back][1]
            if shown == "REGISTERED" and part.event.ended(now):
                shown = "NO_SHOW"
            if state is None or shown == state:
                if len(results) == limit:
                    break  # there is a next page
                results.append(part.breakdown(part.view(cutoff, now)))
            index += 1
        body = {"total": total, "results": results}
        if index < count:
            after = self._encode_cursor(index)
            q = dict(request["query"])
            q["after"] = after
            body["paging"] = {"next": {"after": after, "link": "%s%s?%s" % (request["base_url"], request["path"], urlencode(q))}}
        return Reply(200, body)

    @staticmethod
    def _count(items, state, cutoff):
        now = now_ms()
        views = [part.view(cutoff, now) for part in items]
        return sum(1 for view in views if view is not None and (state is None or view[0] == state))

    def api_breakdown_contact(self, request):
        limit, state, offset = self._page_args(request)
        contact = self._contact_by_identifier(request["params"]["contactIdentifier"])
        items = self.contact_participations.get(contact.id, []) if contact is not None else []
        cutoff = self._cutoff("contact_lag")
        return self._paged(request, items, self._count(items, state, cutoff), limit, state, offset, cutoff)

    def _event_breakdown(self, request, event, limit, state, offset):
        cutoff = self._cutoff("event_lag")
        ident = request["query"].get("contactIdentifier")
        if ident is not None:
            contact = self._contact_by_identifier(ident)
            part = event.by_contact.get(contact.id) if contact is not None else None
            items = [part] if part is not None else []
            total = self._count(items, state, cutoff)
        else:
            items = event.participations
            counts, visible = self._event_counts(event, cutoff, now_ms())
            total = visible if state is None else counts[state]
        return self._paged(request, items, total, limit, state, offset, cutoff)

    def _event_id(self, request):
        event_id = request["params"]["marketingEventId"]
        if not DIGITS_RE.match(event_id):
            raise bad_request("marketingEventId must be an integer", "marketingEventId")
        return str(int(event_id))

    def api_breakdown_event_id(self, request):
        limit, state, offset = self._page_args(request)
        event = self._event_by_object_id(self._event_id(request))
        return self._event_breakdown(request, event, limit, state, offset)

    def api_breakdown_event_external(self, request):
        limit, state, offset = self._page_args(request)
        params = request["params"]
        event = self._event_by_external(params["externalAccountId"], params["externalEventId"])
        return self._event_breakdown(request, event, limit, state, offset)

    def api_counters_event_id(self, request):
        event = self._event_by_object_id(self._event_id(request))
        return Reply(200, Event.counters(self._event_rollup(event)))

    def api_counters_event_external(self, request):
        params = request["params"]
        event = self._event_by_external(params["externalAccountId"], params["externalEventId"])
        return Reply(200, Event.counters(self._event_rollup(event)))

    # ---- seeding

    def seed(self, body):
        """Create contacts, events and participations in one call (validated first, then applied atomically)."""
        if not isinstance(body, dict):
            raise bad_request("seed body must be a JSON object")
        unknown = sorted(set(body) - {"contacts", "events", "participations"})
        if unknown:
            raise bad_request("unknown seed key(s): %s" % ", ".join(unknown))
        contacts = body.get("contacts") or []
        events = body.get("events") or []
        parts = body.get("participations") or []
        for key, value in (("contacts", contacts), ("events", events), ("participations", parts)):
            if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
                raise bad_request("%s must be a list of objects" % key, key)
        for index, item in enumerate(contacts):
            if not isinstance(item.get("email"), str) or not EMAIL_RE.match(item["email"].strip().lower()):
                raise bad_request("contacts[%d].email must be a valid email" % index, "contacts[%d].email" % index)
            if not all(isinstance(v, str) for v in item.values()):
                raise bad_request("contacts[%d] values must be strings" % index, "contacts[%d]" % index)
        for index, item in enumerate(events):
            for key in ("externalAccountId", "externalEventId", "eventName"):
                if not isinstance(item.get(key), str) or not item[key]:
                    raise bad_request("events[%d].%s must be a non-empty string" % (index, key), "events[%d].%s" % (index, key))
            for key in ("startDateTime", "endDateTime"):
                if item.get(key) is not None and parse_iso_ms(item[key]) is None:
                    raise bad_request("events[%d].%s must be an ISO 8601 date-time" % (index, key), "events[%d].%s" % (index, key))
            self._check_seed_event_app(index, item)
        with self.lock:
            own_seeded = [e for e in events if e.get("appId", APP_ID) == APP_ID]
            known_events = set(self.events_by_external) | set((e["externalAccountId"], e["externalEventId"]) for e in own_seeded)
            for index, item in enumerate(parts):
                where = "participations[%d]" % index
                if (item.get("externalAccountId"), item.get("externalEventId")) not in known_events:
                    raise bad_request("%s: unknown event (externalAccountId, externalEventId)" % where, where)
                if "contactId" in item:
                    if not isinstance(item["contactId"], (str, int)) or not DIGITS_RE.match(str(item["contactId"])) or \
                            int(item["contactId"]) not in self.contacts:
                        raise bad_request("%s.contactId: unknown contact" % where, where + ".contactId")
                elif not isinstance(item.get("email"), str) or not EMAIL_RE.match(item["email"].strip().lower()):
                    raise bad_request("%s.email must be a valid email (or give contactId)" % where, where + ".email")
                if item.get("attendanceState") not in READ_STATES:
                    raise bad_request("%s.attendanceState must be one of %s" % (where, ", ".join(READ_STATES)), where + ".attendanceState")
                for key in ("occurredAt", "attendanceDurationSeconds"):
                    if item.get(key) is not None and not is_int(item[key]):
                        raise bad_request("%s.%s must be an integer" % (where, key), "%s.%s" % (where, key))
            return self._apply_seed(contacts, events, parts)

    @staticmethod
    def _check_seed_event_app(index, item):
        """``appId`` (an integer) and ``appName`` (a string) seed an event created by another app."""
        if "appId" in item and (not is_int(item["appId"]) or item["appId"] < 1):
            raise bad_request("events[%d].appId must be a positive integer" % index, "events[%d].appId" % index)
        if "appName" in item and not isinstance(item["appName"], str):
            raise bad_request("events[%d].appName must be a string" % index, "events[%d].appName" % index)

    def _seed_other_app_event(self, item):
        """The existing event of another app with these ids, or a new one."""
        app_id = item["appId"]
        for event in self.events_by_external_id.get(item["externalEventId"], []):
            if event.app_id == app_id and event.account == item["externalAccountId"]:
                return event
        event = self._new_event(item["externalAccountId"], item["externalEventId"], item["eventName"],
                                item.get("eventOrganizer") or "Other app", app_id, item.get("appName") or "App %d" % app_id)
        event.event_type = item.get("eventType")
        event.start_ms = parse_iso_ms(item.get("startDateTime"))
        event.end_ms = parse_iso_ms(item.get("endDateTime"))
        return event

    def _seed_contact(self, email, properties):
        email = email.strip().lower()
        contact_id = self.contacts_by_email.get(email)
        if contact_id is not None:
            return self.contacts[contact_id]
        props = dict((k, v) for k, v in properties.items() if k != "email")
        return self._new_contact(email, props)

    def _apply_seed(self, contacts, events, parts):
        out_contacts = []
        for item in contacts:
            contact = self._seed_contact(item["email"], item)
            out_contacts.append({"id": str(contact.id), "email": contact.email})
        out_events = []
        for item in events:
            key = (item["externalAccountId"], item["externalEventId"])
            if item.get("appId", APP_ID) != APP_ID:
                event = self._seed_other_app_event(item)
            else:
                event = self.events_by_external.get(key)
            if event is None:
                event = self._new_event(key[0], key[1], item["eventName"], item.get("eventOrganizer") or "Emulator")
                event.event_type = item.get("eventType")
                event.start_ms = parse_iso_ms(item.get("startDateTime"))
                event.end_ms = parse_iso_ms(item.get("endDateTime"))
            out_events.append({"objectId": event.object_id, "externalAccountId": event.account, "externalEventId": event.external_id})
        stamp = now_ms()
        for item in parts:
            event = self.events_by_external[(item["externalAccountId"], item["externalEventId"])]
            if "contactId" in item:
                contact = self.contacts[int(item["contactId"])]
            else:
                contact = self._seed_contact(item["email"], {})
            occurred = item.get("occurredAt")
            state = item["attendanceState"]
            duration = item.get("attendanceDurationSeconds")
            if not self._holds(event.by_contact.get(contact.id), state, duration if state == "ATTENDED" else None):
                # seeded data is visible to every reader at once, as if written long ago
                self._store(event, contact, state, stamp if occurred is None else occurred, duration, ALWAYS)
        return {"contacts": out_contacts, "events": out_events, "participations": len(parts)}


def _phrase(status):
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return {477: "Migration In Progress", 521: "Web Server Is Down"}.get(status, "Error")


def rate_limit_body(policy, group):
    if policy == "DAILY":
        message = "You have reached your daily limit."
    else:
        message = "You have reached your ten_secondly_rolling limit."
    return {"status": "error", "message": message, "errorType": "RATE_LIMIT", "correlationId": correlation_id(),
            "policyName": policy, "groupName": "%s:%s" % (policy.lower(), group), "category": "RATE_LIMITS"}


def _input_error(category, message, sub_category=None):
    """StandardError for one failed batch input: as observed, no `in` and no contact in `context`; the message names it."""
    out = {"status": "error", "category": category, "message": message, "context": {}, "errors": [], "links": {}}
    if sub_category:
        out["subCategory"] = sub_category
    return out


def _attend_span(props, label):
    """The outcome of an attend input's properties.

    None: dropped without a word (joinedAt or leftAt missing, or not an ISO-8601 instant); a dict: the per-input
    error; an int: the span in whole seconds (0 is answered as listed but not stored).
    """
    for key in sorted(props):
        if key not in ATTEND_PROPERTIES:
            return _input_error("VALIDATION_ERROR", "Property `%s` is not allowed for state attend (allowed: joinedAt, leftAt) for `%s`"
                                % (key, label))
    joined = parse_instant_ms(props.get("joinedAt"))
    left = parse_instant_ms(props.get("leftAt"))
    if joined is None or left is None:
        return None
    if joined >= left:
        return _input_error("VALIDATION_ERROR", "joinedAt param must be earlier than leftAt for `%s`" % label,
                            "AttendanceValidationError.JOINED_AT_IS_LATER_THAN_LEFT_AT_FOR_EMAIL")
    return (left - joined) // 1000


# --------------------------------------------------------------------------- HTTP layer

CONTROL_ROUTES = {
    "/_emulator/reset": ("POST",),
    "/_emulator/requests": ("GET", "DELETE"),
    "/_emulator/state": ("GET",),
    "/_emulator/config": ("GET", "POST"),
    "/_emulator/faults": ("GET", "POST"),
    "/_emulator/seed": ("POST",),
}


class EmulatorHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "HubSpotEmulator/1.0"
    sys_version = ""
    disable_nagle_algorithm = True

    def version_string(self):
        return self.server_version

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        if getattr(self.server, "verbose", False):
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))

    def __getattr__(self, name):
        # every other HTTP method (TRACE, FOO, ...) is routed too, so it gets a HubSpot-shaped 404/405
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def send_error(self, code, message=None, explain=None):
        """Protocol-level errors (bad request line, oversized headers) also get a JSON error body."""
        self.close_connection = True
        if getattr(self, "request_version", "HTTP/0.9") == "HTTP/0.9":
            self.request_version = "HTTP/1.0"  # always answer with a status line and headers
        category = FAULT_CATEGORIES.get(code, "VALIDATION_ERROR" if 400 <= code < 500 else "INTERNAL_ERROR")
        self._send(Reply(code, error_body(category, message or _phrase(code)), {"Connection": "close"}))

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_PATCH(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def do_HEAD(self):
        self._dispatch()

    def do_OPTIONS(self):
        self._dispatch()

    # ---- plumbing

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            return b""
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, reply):
        if reply.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        payload = reply.payload()
        length = len(payload)
        if reply.cut:
            self.close_connection = True
            payload = payload[:length // 2]
        try:
            self.send_response(reply.status)
            if length or reply.body is not None:
                self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(length))
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD" and payload:
                self.wfile.write(payload)
            if reply.cut:
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
        except (ConnectionError, OSError):
            self.close_connection = True

    def control_allowed(self):
        return is_loopback(self.client_address[0])

    def _base_url(self):
        host = self.headers.get("Host")
        if not host:
            host = "%s:%d" % self.server.server_address[:2]
        return "http://" + host

    def _dispatch(self):
        try:
            raw = self._read_body()
        except (ConnectionError, OSError, ValueError):
            self.close_connection = True
            return
        split = urlsplit(self.path)
        path, query = split.path, split.query
        method = self.command
        emulator = self.server.emulator
        if path == "/_emulator" or path.startswith("/_emulator/"):
            try:
                reply = self._control(emulator, method, path, raw)
            except Exception:
                traceback.print_exc(file=sys.stderr)
                reply = Reply(500, error_body("INTERNAL_ERROR", "Internal emulator error"))
            self._send(reply)
            return
        entry = None
        try:
            body = None
            if raw:
                try:
                    body = json.loads(raw.decode("utf-8"))
                except ValueError:
                    body = _INVALID
            inputs = len(body["inputs"]) if method == "POST" and isinstance(body, dict) and isinstance(body.get("inputs"), list) else 0
            entry, latency_ms, fault = emulator.log_arrival(method, path, query, inputs)
            if fault is not None and fault["action"] == "delay":
                time.sleep(fault["delay_ms"] / 1000.0)
                fault = None
            if latency_ms:
                time.sleep(latency_ms / 1000.0)
            action = fault["action"] if fault is not None else None
            if action == "stored_nothing":
                reply = emulator.handle_api(method, path, query, self.headers, body, self._base_url(), store=False)
            elif action == "reject_input":
                reply = emulator.handle_api(method, path, query, self.headers, body, self._base_url(),
                                            reject=(fault["match"], fault["named"]))
            elif action == "cut":
                reply = emulator.handle_api(method, path, query, self.headers, body, self._base_url())
                reply.cut = True
            elif fault is not None:
                reply = emulator.fault_reply(fault)
            else:
                reply = emulator.handle_api(method, path, query, self.headers, body, self._base_url())
        except Exception:
            traceback.print_exc(file=sys.stderr)
            reply = Reply(500, error_body("INTERNAL_ERROR", "Internal emulator error"))
        if entry is not None:
            emulator.set_status(entry, reply.status)
        self._send(reply)

    def _control(self, emulator, method, path, raw):
        if not self.control_allowed():
            return Reply(403, error_body("FORBIDDEN", "Control endpoints are only available to loopback clients"))
        allowed = CONTROL_ROUTES.get(path)
        if allowed is None:
            return Reply(404, error_body("OBJECT_NOT_FOUND", "Unknown control endpoint %s" % path))
        if method not in allowed:
            return Reply(405, error_body("METHOD_NOT_ALLOWED", "%s does not support %s" % (path, method)), {"Allow": ", ".join(allowed)})
        body = None
        if raw:
            try:
                body = json.loads(raw.decode("utf-8"))
            except ValueError:
                return Reply(400, error_body("VALIDATION_ERROR", "Body is not valid JSON"))
        try:
            if path == "/_emulator/reset":
                return Reply(200, emulator.reset())
            if path == "/_emulator/requests":
                return Reply(200, emulator.get_requests() if method == "GET" else emulator.clear_requests())
            if path == "/_emulator/state":
                return Reply(200, emulator.dump_state())
            if path == "/_emulator/config":
                return Reply(200, emulator.get_config() if method == "GET" else emulator.set_config(body if body is not None else {}))
            if path == "/_emulator/faults":
                return Reply(200, emulator.get_faults() if method == "GET" else emulator.set_faults(body))
            return Reply(200, emulator.seed(body if body is not None else {}))
        except ApiError as exc:
            return exc.reply()


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, emulator, verbose=False):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.emulator = emulator
        self.verbose = verbose
        ThreadingHTTPServer.__init__(self, address, EmulatorHandler)

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ConnectionError, socket.timeout)):
            return
        if self.verbose:
            ThreadingHTTPServer.handle_error(self, request, client_address)


def _lag_arg(text):
    try:
        return lag_value(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a number of seconds >= 0, got %r" % text)


def build_parser():
    parser = argparse.ArgumentParser(description="Local HubSpot Marketing Events API emulator: v3, 2026-03 and 2026-09 paths (see tests/emulator/README.md).")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free port (default 0)")
    parser.add_argument("--token", action="append", default=[], help="accepted full-scope token (repeatable; default: %s)" % DEFAULT_TOKEN)
    parser.add_argument("--read-only-token", action="append", default=[], help="accepted token with read scopes only (repeatable)")
    parser.add_argument("--latency-ms", type=int, default=0, help="sleep this long before answering each API request")
    parser.add_argument("--rate-limit", type=int, default=0, help="requests per rolling 10 s window per token (0 = off)")
    parser.add_argument("--daily-limit", type=int, default=0, help="accepted requests per token before DAILY 429s (0 = off)")
    parser.add_argument("--contact-lag", type=_lag_arg, default=DEFAULT_CONTACT_LAG, metavar="S",
                        help="seconds before a write shows in the contact breakdown (default %d)" % DEFAULT_CONTACT_LAG)
    parser.add_argument("--event-lag", type=_lag_arg, default=DEFAULT_EVENT_LAG, metavar="S",
                        help="seconds before a write shows in the event breakdowns and counters (default %d)" % DEFAULT_EVENT_LAG)
    parser.add_argument("--verbose", action="store_true", help="log requests (method, path, status) to stderr")
    parser.add_argument("--token-ttl-ms", type=int, default=0,
                        help="tokens expire this long after their first accepted request (0 = never; /_emulator/config token_ttl_ms)")
    parser.add_argument("--tls-cert", metavar="PEM", help="serve https with this certificate (chain) file")
    parser.add_argument("--tls-key", metavar="PEM", help="the private key of --tls-cert (default: in the same file)")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    for name in ("latency_ms", "rate_limit", "daily_limit", "token_ttl_ms"):
        if getattr(args, name) < 0:
            sys.stderr.write("--%s must be >= 0\n" % name.replace("_", "-"))
            return 2
    emulator = Emulator(args.token or None, args.read_only_token, args.latency_ms, args.rate_limit, args.daily_limit,
                        args.contact_lag, args.event_lag, args.token_ttl_ms)
    server = EmulatorServer((args.host, args.port), emulator, verbose=args.verbose)
    scheme = "http"
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    stop = threading.Event()

    def _on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="emulator-server")
    thread.daemon = True
    thread.start()
    host, port = server.server_address[:2]
    shown = "[%s]" % host if ":" in host else host
    sys.stdout.write("HubSpot emulator listening on %s://%s:%d\n" % (scheme, shown, port))
    sys.stdout.flush()
    while not stop.wait(0.25):
        pass
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
