# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the hubspot.marketing collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Exceptions raised by the shared HubSpot code.

Plain exceptions with no Ansible imports, so the same tree serves modules and
the lookup plugin. None of them ever holds the access token: the client never
passes it in, and messages are built only from the method, the path (without
query string) and HubSpot's own error body.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from collections.abc import Mapping, Sequence

# HubSpot error bodies that are not JSON (a proxy's HTML page, say) are cut to this.
_BODY_EXCERPT = 500


def load_json(text):
    """``json.loads(text)``, the one place the collection decodes what HubSpot sent. JSON nested deeper
    than Python's recursion limit raises ``RecursionError`` in the decoder; it is raised here as the
    ``ValueError`` of any other text that is not JSON, so every caller reads such a body as not JSON."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply to decode")


def type_name(value):
    """The YAML/JSON kind of ``value`` (``dict``, ``list``, ``str``, ``int``, ...) for messages that must not show it.

    ansible-core hands plugins its own subclasses (``_AnsibleTaggedDict``, ...): name what a user wrote.
    """
    for kind, name in ((bool, "bool"), (str, "str"), (bytes, "bytes"), (int, "int"), (float, "float"),
                       (Mapping, "dict"), (Sequence, "list")):
        if isinstance(value, kind):
            return name
    return "null" if value is None else type(value).__name__


def sent_text(value):
    """A value HubSpot sent as text (a non-empty string), else None: a number or an object in the place
    of a message or a scope says nothing, and must not be read as one."""
    return value if isinstance(value, str) and value else None


def sent_count(value):
    """A count HubSpot sent (an integer from 0, not a boolean), else None: any other value counts nothing."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def error_message(error, details):
    """The message of an error body or of one item of a write answer's ``errors``: its own text, else the
    texts of its ``details`` (``error_items``) joined; None when it has none."""
    return sent_text(error.get("message")) or "; ".join(d["message"] for d in details if sent_text(d.get("message"))) or None


def _texts(values):
    """The text items of what HubSpot sent as a list (anything else in its place: none)."""
    return [v for v in values if sent_text(v)] if isinstance(values, list) else []


_SHAPES = {"object": (dict, "an object"), "list": (list, "a list"), "scalar": ((str, int), "a string")}


def shape_problem(path, value, kind, optional=True):
    """Why a field of an answer cannot be read: ``"<path> is <type>, not <kind>"`` when ``value`` is not of
    ``kind`` (``"object"``, ``"list"``, or ``"scalar"``: a string or an integer, as ids and states are), else
    None. An absent (None) value is fine when ``optional``."""
    if value is None and optional:
        return None
    types, words = _SHAPES[kind]
    if isinstance(value, types) and not isinstance(value, bool):
        return None
    return "%sis %s, not %s" % (path + " " if path else "", type_name(value), words)


def gave_up_after(retries):
    """`` (gave up after N retries)`` for a request whose last attempt followed ``retries`` retried ones, else ``""``."""
    return " (gave up after %d %s)" % (retries, "retry" if retries == 1 else "retries") if retries else ""


class HubSpotError(Exception):
    """Base class for every error raised by the collection's shared code."""

    def to_fail_kwargs(self):
        """Keyword arguments for AnsibleModule.fail_json, besides msg."""
        return {}


class HubSpotValidationError(HubSpotError):
    """Input rejected before any request was sent.

    ``errors`` is a sorted list of ``{"path": "contacts[3].email", "message": "..."}``.
    """

    shown = 20

    def __init__(self, errors, summary="invalid arguments"):
        self.errors = list(errors)
        lines = ["%s: %s" % (e["path"], e["message"]) if e["path"] else e["message"] for e in self.errors[:self.shown]]
        if len(self.errors) > self.shown:
            lines.append("... and %d more" % (len(self.errors) - self.shown))
        super(HubSpotValidationError, self).__init__("%s: %s" % (summary, "; ".join(lines)))

    def to_fail_kwargs(self):
        return {"validation_errors": self.errors}


class _RequestReason(HubSpotError):
    """A request that ended without an HTTP answer the collection can use: RV ``error`` names the request
    (``method``, ``path``) and says what happened instead (``reason``)."""

    template = "%s %s: %s"

    def __init__(self, method, path, reason):
        self.method = method
        self.path = path
        self.reason = reason
        super(_RequestReason, self).__init__(self.template % (method, path, reason))

    def to_fail_kwargs(self):
        return {"error": {"method": self.method, "path": self.path, "reason": self.reason}}


class HubSpotTransportError(_RequestReason):
    """The request never got an HTTP answer: timeout, refused or reset connection, DNS, TLS."""

    template = "%s %s -> no response: %s"


class HubSpotPagingError(_RequestReason):
    """A paginated read whose answers would never end (a cursor handed back twice, empty pages without end):
    HubSpot answered, but not with anything a read can finish on."""


# What a 401 means for the user (HubSpot's own message says little).
AUTH_HINT = ("HubSpot refused the access token: it may be expired (OAuth access tokens last about 30 minutes; refresh "
             "it before the play) or revoked, or belong to another account. Accepted are service keys, private-app "
             "access tokens and OAuth access tokens, with the scopes the task needs.")


class HubSpotApiError(HubSpotError):
    """HubSpot answered with an error status (after any retries)."""

    def __init__(self, method, path, status, category=None, message=None, correlation_id=None,
                 details=None, policy=None, required_scopes=None, retries=0, error_type=None, error_tokens=None,
                 hubspot_body=True, earlier_attempt_maybe_applied=False):
        self.method = method
        self.path = path
        self.status = status
        self.category = category
        self.message = message
        self.correlation_id = correlation_id
        self.details = list(details or [])
        self.policy = policy
        self.required_scopes = list(required_scopes or [])
        self.retries = retries
        # HubSpot's errorType and errorTokens, e.g. UNIQUE_VALUE_CONFLICT with {"existingObjectId": ["123"]}.
        self.error_type = error_type
        self.error_tokens = dict(error_tokens or {})
        # False when the body was not HubSpot's JSON error (an HTML page, a gateway's own JSON): see ``not_found``.
        self.hubspot_body = hubspot_body
        # An attempt before this answer (a read timeout, a reset after sending, a 5xx) may have been applied:
        # a write that ends here may stand all the same (``may_have_been_applied``).
        self.earlier_attempt_maybe_applied = earlier_attempt_maybe_applied
        super(HubSpotApiError, self).__init__(self._render())

    @property
    def not_found(self):
        """HubSpot said the object does not exist: a 404 with its JSON error body (``is_hubspot_error``).
        Another 404 (HubSpot serves HTML for some paths, a proxy or API gateway
        its own page or JSON) says nothing about the object."""
        return self.status == 404 and self.hubspot_body

    def _render(self):
        head = "%s %s -> %s" % (self.method, self.path, self.status)
        if self.category:
            head += " %s" % self.category
        if self.correlation_id:
            head += " (correlationId %s)" % self.correlation_id
        text = self.message or "no error message in the response"
        if self.required_scopes:
            text += " Required scopes: %s." % ", ".join(self.required_scopes)
        if self.status == 401:
            text += " " + AUTH_HINT
        if self.status == 404 and not self.hubspot_body:
            text += " (not HubSpot's JSON error, so not a sign that the object is missing: check base_url and proxy)"
        text += gave_up_after(self.retries)
        if self.earlier_attempt_maybe_applied:
            text += " (an earlier attempt got no readable answer and may have been applied)"
        return "%s: %s" % (head, text)

    def to_dict(self):
        return {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "not_found": self.not_found,
            "category": self.category,
            "message": self.message,
            "correlation_id": self.correlation_id,
            "details": self.details,
            "policy": self.policy,
            "required_scopes": self.required_scopes,
            "retries": self.retries,
        }

    def to_fail_kwargs(self):
        return {"error": self.to_dict()}

    @classmethod
    def from_response(cls, method, path, status, body_text, retries=0, earlier_attempt_maybe_applied=False):
        """Build the error from a raw response body, JSON or not."""
        try:
            body = load_json(body_text) if body_text else {}
        except ValueError:
            body = None
        if not isinstance(body, dict):
            excerpt = (body_text or "").strip()
            if len(excerpt) > _BODY_EXCERPT:
                excerpt = excerpt[:_BODY_EXCERPT] + "..."
            return cls(method, path, status, message="non-JSON response body: %s" % (excerpt or "(empty)"),
                       retries=retries, hubspot_body=False, earlier_attempt_maybe_applied=earlier_attempt_maybe_applied)
        category = body.get("category") or body.get("errorType")
        policy = body.get("policyName")
        if policy and not body.get("category"):
            category = "RATE_LIMITS"
        details, scopes = error_items(body.get("errors"))
        context = body.get("context") or {}
        if isinstance(context, dict):
            scopes.extend(_texts(context.get("missingScopes")))
        err_cls = HubSpotDailyLimitError if policy == "DAILY" else cls
        message = error_message(body, details)
        return err_cls(method, path, status, category=category, message=message,
                       correlation_id=body.get("correlationId"), details=details, policy=policy,
                       required_scopes=sorted(set(scopes)), retries=retries, error_type=body.get("errorType"),
                       error_tokens=body.get("errorTokens") if isinstance(body.get("errorTokens"), dict) else None,
                       hubspot_body=is_hubspot_error(body), earlier_attempt_maybe_applied=earlier_attempt_maybe_applied)


def is_hubspot_error(body):
    """Whether a JSON error body has HubSpot's shape: a ``category`` or a ``correlationId`` (its error schema
    requires both; some of its 404s and 5xx come without a category)."""
    return bool(body.get("category") or body.get("correlationId"))


def error_items(errors):
    """``(details, scopes)`` of an error body's ``errors``: objects, or plain strings as some HubSpot errors give."""
    details, scopes = [], []
    for item in errors if isinstance(errors, list) else []:
        if isinstance(item, str):
            details.append({"message": item})
        elif isinstance(item, dict):
            details.append({k: item[k] for k in ("message", "in", "code", "subCategory", "context") if k in item})
            context = item.get("context") or {}
            if isinstance(context, dict):
                scopes.extend(_texts(context.get("requiredGranularScopes")))
    return details, scopes


class HubSpotDailyLimitError(HubSpotApiError):
    """429 with policy DAILY: never retried, the account's daily request budget is spent."""

    def _render(self):
        return "%s The daily API request limit of this HubSpot account is spent; it resets at midnight in the account's time zone." % (
            super(HubSpotDailyLimitError, self)._render())


def may_have_been_applied(exc):
    """Whether a failed write may still have been applied: no answer, a 5xx, an unreadable 2xx, or a
    refusal after an earlier attempt that may have been applied (a 502, then a 429 on the retry)."""
    if isinstance(exc, HubSpotTransportError):
        return True
    return isinstance(exc, HubSpotApiError) and (exc.status >= 500 or 200 <= exc.status < 300 or exc.earlier_attempt_maybe_applied)
