"""Tokens (scopes, expiry) and the rate limits: a rolling 10-second window per token (HubSpot's is per app) and one
daily count for every token (HubSpot's is per account, and the emulator is one account)."""

import collections
import math
import time

from .replies import ApiError, Reply, rate_limit_body

READ_SCOPE = "crm.objects.marketing_events.read"
WRITE_SCOPE = "crm.objects.marketing_events.write"
CONTACTS_READ_SCOPE = "crm.objects.contacts.read"
CONTACTS_WRITE_SCOPE = "crm.objects.contacts.write"
READ_SCOPES = frozenset([READ_SCOPE, CONTACTS_READ_SCOPE])
ALL_SCOPES = frozenset([READ_SCOPE, WRITE_SCOPE, CONTACTS_READ_SCOPE, CONTACTS_WRITE_SCOPE])

WINDOW_SECONDS = 10.0
INTERVAL_MS = "10000"


def window_headers(headers, rate_limit, remaining):
    """Add the rolling-window headers (HubSpot's TEN_SECONDLY_ROLLING policy)."""
    headers["X-HubSpot-RateLimit-Max"] = str(rate_limit)
    headers["X-HubSpot-RateLimit-Remaining"] = str(remaining)
    headers["X-HubSpot-RateLimit-Interval-Milliseconds"] = INTERVAL_MS
    return headers


def daily_headers(headers, daily_limit, remaining):
    """Add the daily-limit headers (HubSpot's DAILY policy)."""
    headers["X-HubSpot-RateLimit-Daily"] = str(daily_limit)
    headers["X-HubSpot-RateLimit-Daily-Remaining"] = str(remaining)
    return headers


class Limits(object):
    """The accepted tokens and their usage. ``reset()`` forgets the usage; the Emulator calls it under its lock."""

    def __init__(self, tokens, read_only_tokens):
        self.tokens = {}
        for token in tokens:
            self.tokens[token] = ALL_SCOPES
        for token in read_only_tokens:
            self.tokens.setdefault(token, READ_SCOPES)
        # labels used in rate-limit bodies instead of the token itself (tokens are never echoed)
        self.token_labels = dict((token, "app-%d" % (index + 1)) for index, token in enumerate(self.tokens))
        self.reset()

    def reset(self):
        self.windows = {}
        self.daily_used = 0  # every token's accepted requests: the daily limit is the account's
        self.token_first_use = {}

    # ---- authentication

    def token_of(self, header):
        """The token of a valid 'Authorization: Bearer' header, or raise 401."""
        if not header:
            raise ApiError(401, "INVALID_AUTHENTICATION",
                           "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more "
                           "details at https://developers.hubspot.com/docs/methods/auth/oauth-overview")
        parts = header.strip().split(None, 1)
        if len(parts) != 2 or parts[0].lower() != "bearer" or parts[1].strip() not in self.tokens:
            raise ApiError(401, "INVALID_AUTHENTICATION",
                           "The access token provided is invalid, malformed or expired. Check the Authorization header.")
        return parts[1].strip()

    def check_expiry(self, token, ttl_ms):
        """Raise 401 EXPIRED_AUTHENTICATION when ``token`` was first used more than ``ttl_ms`` ago (0: never expires)."""
        ttl = ttl_ms / 1000.0
        if ttl:
            now = time.monotonic()
            age = now - self.token_first_use.setdefault(token, now)
            if age > ttl:
                raise ApiError(401, "EXPIRED_AUTHENTICATION", "The OAuth token used to make this call expired %d second(s) ago." % int(age - ttl))

    def require_scope(self, token, method, path):
        """Raise 403 MISSING_SCOPES for a POST the token's scopes do not allow."""
        if method != "POST":
            return
        needed = CONTACTS_WRITE_SCOPE if path.startswith("/crm/") else WRITE_SCOPE
        if needed not in self.tokens[token]:
            raise ApiError(403, "MISSING_SCOPES", "This app hasn't been granted all required scopes to make this call.",
                           errors=[{"message": "One or more of the following scopes are required.",
                                    "context": {"requiredGranularScopes": [needed]}}])

    # ---- rate limits

    def rate_check(self, token, rate_limit, daily_limit):
        """Count an accepted request against the token's window and the account's day (0 = off); return the rate
        headers, or a 429 Reply."""
        now = time.monotonic()
        window = self._window(token, now) if rate_limit > 0 else None
        used = self.daily_used
        if daily_limit > 0 and used >= daily_limit:
            return self._daily_exhausted(token, daily_limit, rate_limit, window)
        headers = {}
        if window is not None:
            if len(window) >= rate_limit:
                return self._window_full(token, now, window, rate_limit, daily_limit, used)
            window.append(now)
            window_headers(headers, rate_limit, rate_limit - len(window))
        if daily_limit > 0:
            self.daily_used = used + 1
            daily_headers(headers, daily_limit, max(0, daily_limit - used - 1))
        return headers

    def _window(self, token, now):
        """The token's accepted request times within the rolling window."""
        window = self.windows.setdefault(token, collections.deque())
        while window and window[0] <= now - WINDOW_SECONDS:
            window.popleft()
        return window

    def _daily_exhausted(self, token, daily_limit, rate_limit, window):
        headers = daily_headers({}, daily_limit, 0)
        if window is not None:
            window_headers(headers, rate_limit, max(0, rate_limit - len(window)))
        return Reply(429, rate_limit_body("DAILY", self.token_labels.get(token, "app")), headers)

    def _window_full(self, token, now, window, rate_limit, daily_limit, used):
        headers = window_headers({}, rate_limit, 0)
        headers["Retry-After"] = str(max(1, int(math.ceil(window[0] + WINDOW_SECONDS - now))))
        if daily_limit > 0:
            daily_headers(headers, daily_limit, max(0, daily_limit - used))
        return Reply(429, rate_limit_body("TEN_SECONDLY_ROLLING", self.token_labels.get(token, "app")), headers)
