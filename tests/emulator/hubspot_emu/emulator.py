"""``Emulator``: the whole emulated portal behind one lock (store, tokens and limits, faults, request log).

The HTTP layer (server.py) calls ``log_arrival``, then ``handle_api`` or ``fault_reply``, then ``set_status``;
the control API (control.py) calls the other public methods.
"""

import base64
import os
import threading
import time
from urllib.parse import parse_qsl

from . import faults as fault_rules
from . import seed as seeding
from .common import DEFAULT_TOKEN, now_ms
from .config import DEFAULT_CONTACT_LAG, DEFAULT_EVENT_LAG, default_config, validate_config
from .limits import Limits
from .replies import ApiError, Reply, not_found
from .routes import ROUTER, canonical_path
from .store import Store


class Emulator(object):
    """All state and behaviour; every state access happens under ``self.lock``."""

    def __init__(self, tokens=None, read_only_tokens=None, latency_ms=0, rate_limit=0, daily_limit=0,
                 contact_lag=DEFAULT_CONTACT_LAG, event_lag=DEFAULT_EVENT_LAG, token_ttl_ms=0):
        self.lock = threading.Lock()
        self.limits = Limits(tokens or [DEFAULT_TOKEN], read_only_tokens or [])
        self.defaults = default_config(latency_ms, rate_limit, daily_limit, contact_lag, event_lag, token_ttl_ms)
        self.salt = base64.urlsafe_b64encode(os.urandom(6)).decode("ascii")
        self.faults = fault_rules.Faults()
        with self.lock:
            self._reset_locked()

    @property
    def events(self):
        """The events by objectId (read under the lock)."""
        return self.store.events

    # ---- control

    def _reset_locked(self):
        self.config = dict(self.defaults)
        self.store = Store(self.config, self.salt)
        self.request_log = []
        self.faults.set([])
        self.limits.reset()

    def reset(self):
        with self.lock:
            self._reset_locked()
        return {"ok": True}

    def get_config(self):
        with self.lock:
            return dict(self.config)

    def set_config(self, body):
        values = validate_config(body)
        with self.lock:
            self.config.update(values)
            self.store.config_changed()
            return dict(self.config)

    def set_faults(self, body):
        rules = fault_rules.validate_rules(body)
        with self.lock:
            self.faults.set(rules)
        return {"ok": True, "rules": len(rules)}

    def get_faults(self):
        with self.lock:
            return self.faults.listing()

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
            return {"participations": [p.state_json(now) for p in self.store.participations],
                    "events": [e.state_json() for e in self.store.events.values()]}

    def dump_timeline(self):
        """The contacts' timeline events of attendance calls, in order (``Store.note_interaction``)."""
        with self.lock:
            return {"timeline": [{"eventObjectId": event_id, "contactId": str(contact_id), "attendanceState": state,
                                  "interactionDateTime": at} for event_id, contact_id, state, at in self.store.timeline]}

    def seed(self, body):
        """Create contacts, events and participations in one call (validated first, then applied atomically)."""
        contacts, events, parts = seeding.check_seed(body)
        with self.lock:
            seeding.check_participations(self.store, events, parts)
            return seeding.apply_seed(self.store, contacts, events, parts)

    # ---- request log and faults

    def log_arrival(self, method, path, query, inputs):
        """Append a request-log entry (status filled in later) and return (entry, latency_ms, fault rule)."""
        entry = {"method": method, "path": path, "query": query, "status": 0, "inputs": inputs,
                 "received_at": round(time.time(), 4), "answered_at": None}
        with self.lock:
            self.request_log.append(entry)
            fault = self.faults.pick(method, path)
            return entry, self.config["latency_ms"], fault

    def set_status(self, entry, status):
        """The answer's status and when it left (``answered_at``, after the latency)."""
        with self.lock:
            entry["status"] = status
            entry["answered_at"] = round(time.time(), 4)

    def fault_reply(self, rule):
        with self.lock:
            config = dict(self.config)
        return fault_rules.fault_reply(rule, config)

    # ---- auth and rate limits

    def authenticate(self, header):
        """Return the token for a valid 'Authorization: Bearer' header, or raise 401."""
        token = self.limits.token_of(header)
        with self.lock:
            self.limits.check_expiry(token, self.config["token_ttl_ms"])
        return token

    def rate_check(self, token):
        """Count an accepted request against the token's window and the account's day; return rate headers or a 429 Reply."""
        with self.lock:
            return self.limits.rate_check(token, self.config["rate_limit"], self.config["daily_limit"])

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
            handler, params = _route(method, path)
            self.limits.require_scope(token, method, path)
            request = {"params": params, "query": dict(parse_qsl(query, keep_blank_values=True)), "body": body, "path": path,
                       "base_url": base_url, "store": store, "reject": reject}
            with self.lock:
                reply = handler(self.store, request)
        except ApiError as exc:
            reply = exc.reply()
        for key, value in rate_headers.items():
            reply.headers.setdefault(key, value)
        return reply


def _route(method, path):
    """(handler, path params) for an API request; 405 or 404 when no route takes it."""
    handler, params, allowed = ROUTER.match(method, canonical_path(path))
    if handler is None:
        if allowed:
            raise ApiError(405, "METHOD_NOT_ALLOWED", "HTTP method %s is not supported by this endpoint" % method,
                           headers={"Allow": ", ".join(allowed)})
        raise not_found("Unable to find a route for %s %s" % (method, path))
    return handler, params
