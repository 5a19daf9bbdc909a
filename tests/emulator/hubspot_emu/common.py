"""Constants and small pure helpers used across the emulator (time stamps, number and address checks)."""

import datetime
import ipaddress
import math
import re
import time

DEFAULT_TOKEN = "emulator-token"
ME = "/marketing/v3/marketing-events"
# HubSpot's date-based versions of the same API; one store serves all of them (see routes.canonical_path).
DATE_VERSIONS = ("2026-03", "2026-09")

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
UTC = datetime.timezone.utc
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)
ALWAYS = float("-inf")  # write time of seeded and HubSpot-side changes: visible to every reader at once

APP_ID = 1234567
APP_NAME = "HubSpot emulator"
FIRST_CONTACT_ID = 1001
FIRST_EVENT_ID = 58000001
FIRST_PARTICIPATION_ID = 77000001
JSON_TYPE = "application/json;charset=utf-8"
INVALID = object()  # a request body that is not JSON


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
