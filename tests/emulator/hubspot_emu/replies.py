"""HTTP answers: ``Reply``, HubSpot-shaped error bodies and the ``ApiError`` handlers raise."""

import http
import json
import uuid

from .common import JSON_TYPE

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


def correlation_id():
    return str(uuid.uuid4())


def phrase(status):
    """The reason phrase of an HTTP status, HubSpot's own ones included."""
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return {477: "Migration In Progress", 521: "Web Server Is Down"}.get(status, "Error")


def error_body(category, message, errors=None, context=None, sub_category=None):
    body = {"status": "error", "message": message, "correlationId": correlation_id(), "category": category}
    if sub_category:
        body["subCategory"] = sub_category
    if errors:
        body["errors"] = errors
    if context:
        body["context"] = context
    return body


def rate_limit_body(policy, group):
    if policy == "DAILY":
        message = "You have reached your daily limit."
    else:
        message = "You have reached your ten_secondly_rolling limit."
    return {"status": "error", "message": message, "errorType": "RATE_LIMIT", "correlationId": correlation_id(),
            "policyName": policy, "groupName": "%s:%s" % (policy.lower(), group), "category": "RATE_LIMITS"}


def input_error(category, message, sub_category=None):
    """StandardError for one failed batch input: as observed, no `in` and no contact in `context`; the message names it."""
    out = {"status": "error", "category": category, "message": message, "context": {}, "errors": [], "links": {}}
    if sub_category:
        out["subCategory"] = sub_category
    return out


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

    def encode(self):
        """Serialize the body now, so that the time it takes is part of the request's latency."""
        self.body = self.payload() if self.body is not None else None


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
