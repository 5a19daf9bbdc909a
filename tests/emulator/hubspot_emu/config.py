"""The runtime config (``/_emulator/config``): its keys, defaults and validation."""

from .common import is_int, lag_value
from .replies import bad_request

# The contact breakdown showed a write about 1.3 s after it (CONTRACT.md section 12, row 7).
DEFAULT_CONTACT_LAG = 1.3
DEFAULT_EVENT_LAG = 6
LAG_KEYS = ("contact_lag", "event_lag")
# How long an event created through the API stays invisible to GET {externalEventId}/identifiers and to
# events/search. HubSpot indexes new events asynchronously: "a few minutes after creation" (CONTRACT.md
# section 3), and /identifiers lags a new event on the live API (section 12, row 13). Two minutes stands
# for "a few"; events/search gets the same (no measurement of its own: a client that copes with the lag
# also works without it). Seeded events exist already, so they are indexed at once.
EVENT_CONFIG_DEFAULTS = {"identifiers_lag_ms": 120000, "search_lag_ms": 120000}
# token_ttl_ms > 0: a token expires that long after its first accepted request (like an OAuth access token, ~30 min).
CONFIG_KEYS = ("latency_ms", "rate_limit", "daily_limit", "partial_status") + LAG_KEYS + tuple(sorted(EVENT_CONFIG_DEFAULTS)) + ("token_ttl_ms",)


def default_config(latency_ms=0, rate_limit=0, daily_limit=0, contact_lag=DEFAULT_CONTACT_LAG, event_lag=DEFAULT_EVENT_LAG,
                   token_ttl_ms=0):
    """The config a reset returns to (the command line's values), keys in CONFIG_KEYS order."""
    config = {"latency_ms": latency_ms, "rate_limit": rate_limit, "daily_limit": daily_limit, "partial_status": 200,
              "contact_lag": lag_value(contact_lag), "event_lag": lag_value(event_lag)}
    config.update(EVENT_CONFIG_DEFAULTS)
    config["token_ttl_ms"] = token_ttl_ms
    return config


def validate_config(body):
    """The values of a ``POST /_emulator/config`` body, checked; raises a 400 ApiError naming the first bad key."""
    if not isinstance(body, dict):
        raise bad_request("config body must be a JSON object")
    values = {}
    for key, value in body.items():
        if key not in CONFIG_KEYS:
            raise bad_request("unknown config key %r (allowed: %s)" % (key, ", ".join(CONFIG_KEYS)))
        values[key] = _lag(key, value) if key in LAG_KEYS else _count(key, value)
    return values


def _lag(key, value):
    if isinstance(value, str):
        raise bad_request("config %s must be a number of seconds >= 0" % key)
    try:
        return lag_value(value)
    except ValueError:
        raise bad_request("config %s must be a number of seconds >= 0" % key)


def _count(key, value):
    if not is_int(value) or value < 0:
        raise bad_request("config %s must be a non-negative integer" % key)
    if key == "partial_status" and not 200 <= value <= 299:
        raise bad_request("partial_status must be a 2xx status (200 or 207)")
    return value
