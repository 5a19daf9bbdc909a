# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the hubspot.marketing collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The one HTTP client of the collection: session, retries, pacing, errors, pagination.

Every module and the lookup build exactly one ``HubSpotClient`` per run and use it
for every request. The access token lives only in the session's Authorization
header: it is never part of a URL, a message, a log line or a return value.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import bisect
import json
import os
import re
import ssl
import threading
import time
import traceback
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed

try:
    from urllib.parse import quote, unquote, urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, this keeps the import sanity test quiet
    from urllib import quote, unquote  # pylint: disable=ansible-bad-import-from
    from urlparse import urlsplit  # pylint: disable=ansible-bad-import-from

REQUESTS_IMPORT_ERROR = None
# Why the installed requests/urllib3 cannot be used although they import (None when they can).
LIBRARY_PROBLEM = None
try:
    import requests
    import urllib3
    from requests.adapters import HTTPAdapter
    from urllib3.exceptions import (ConnectTimeoutError, InsecureRequestWarning, MaxRetryError, NewConnectionError,
                                    SSLError as Urllib3SSLError)
    from urllib3.util.retry import Retry
    from urllib3.util.ssl_ import create_urllib3_context
    HAS_REQUESTS = True
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
    Retry = object  # lets the subclass below be defined; it is never instantiated without requests
    HTTPAdapter = object  # likewise


def urllib3_problem(version):
    """Why urllib3 ``version`` cannot serve the client (its retries need urllib3 2), or None."""
    try:
        major = int(str(version).split(".", maxsplit=1)[0])
    except ValueError:
        return None  # an unusual version string: let it run
    if major >= 2:
        return None
    return ("urllib3 %s is installed, and the hubspot.marketing collection needs urllib3 2.0 or later (with requests 2.30 "
            "or later): python3 -m pip install 'urllib3>=2' 'requests>=2.30' for this Python (the collection's "
            "requirements.txt)" % version)


if HAS_REQUESTS:
    LIBRARY_PROBLEM = urllib3_problem(urllib3.__version__)
    HAS_REQUESTS = LIBRARY_PROBLEM is None

from ansible_collections.hubspot.marketing.plugins.module_utils._errors import (
    HubSpotApiError,
    HubSpotPagingError,
    HubSpotTransportError,
    gave_up_after,
    load_json,
    sent_count,
    shape_problem,
    type_name,
)
from ansible_collections.hubspot.marketing.plugins.module_utils._schemas import MAX_WRITE_CONCURRENCY

# The version in galaxy.yml, which is the source: modules run from an AnsiballZ payload that carries
# no galaxy.yml or MANIFEST.json to read it from. tests/unit/plugins/module_utils/test_version.py fails
# when the two differ, so a release bumps both.
COLLECTION_VERSION = "0.1.0"
USER_AGENT = "hubspot.marketing/%s" % COLLECTION_VERSION
DEFAULT_BASE_URL = "https://api.hubapi.com"
API_PAGE_MAX = 100

# HubSpot's API versions: the legacy numbered v3 paths (unsupported from September 2027) and the date-based
# versions, released every March and September. Paths are written in their v3 form and versioned in request().
API_VERSIONS = ("v3", "2026-03", "2026-09")
DEFAULT_API_VERSION = "v3"
V3_PREFIX = "/marketing/v3/marketing-events"


def versioned_path(path, api_version=DEFAULT_API_VERSION):
    """``path`` (written for v3) as the given API version spells it.

    ``/marketing/v3/marketing-events/x`` becomes ``/marketing/marketing-events/2026-09/x`` for ``2026-09``;
    other paths are left alone.
    """
    if api_version == "v3" or not (path == V3_PREFIX or path.startswith(V3_PREFIX + "/")):
        return path
    return "/marketing/marketing-events/%s%s" % (api_version, path[len(V3_PREFIX):])


# Retry policy.
#
# The statuses retried: 429 rate limits, 423 locked during a sync, 477 account migration, 5xx
# gateway and outage answers. The first three mean HubSpot did not process the request; a 5xx
# (a gateway may time out on a request HubSpot processed) and a read timeout may have been
# processed. POST is retried like GET, on these statuses and on connection resets and read
# timeouts, within the max_retries budget, unlike the STYLE rule of retrying POST only on 429:
# the attendance writes are upserts on HubSpot's side (one participation per event and contact,
# holding the latest state, with the same ``interactionDateTime`` on every attempt, which keeps
# them idempotent: CONTRACT section 12, row 14), and an event create that was processed
# makes its retry answer UNIQUE_VALUE_CONFLICT, which ``marketing_event`` reads as such.
#
# A 429 whose policy is DAILY is never retried: the budget only comes back at midnight.
#
# A retried write is idempotent for HubSpot's state but not for what its answer says: when an
# earlier attempt may have been processed (a read timeout, a reset after sending, a 5xx from a
# gateway), the answer to the retry reports that attempt's contacts as already held. Callers that
# judge results from the answer ask ``request(..., attempts=[])`` and ``may_have_been_processed``.
RETRY_STATUSES = frozenset((423, 429, 477, 500, 502, 503, 504, 521))
RETRY_AFTER_CAP = 60
BACKOFF_FACTOR = 1.0
BACKOFF_MAX = 30
# HubSpot asks to wait at least 2 s after a 423 and to pause a few seconds after a 5xx (CONTRACT.md
# section 7), so a retry after those, without a Retry-After, waits at least this many backoff
# factors; a reset or a timeout starts with an immediate retry.
PAUSE_AFTER_LOCK_OR_OUTAGE = 2
# A 429 without Retry-After: HubSpot's window is 10 s (TEN_SECONDLY_ROLLING, CONTRACT section 8), so an
# immediate retry would only meet the limit again; wait this many backoff factors (10 s by default).
PAUSE_AFTER_RATE_LIMIT = 10
# The rate-limit headers the pacer follows: HubSpot announces 100 to 250 requests per 10 s. Headers
# beyond these bounds (a gateway's own, a misread) are ignored: pacing by them could wait a day, or
# count a billion requests as spent.
PACER_MAX_LIMIT = 1000
PACER_MAX_INTERVAL = 60
# A walk ends when a page names no next cursor; this many empty pages in a row, each with a new cursor,
# end it with HubSpotPagingError (a repeated cursor does at once): an answer that never ends must not
# hang the play.
MAX_EMPTY_PAGES = 10


def _daily_limit_spent(response):
    """True when a 429 comes from the DAILY policy.

    HubSpot's ``X-HubSpot-RateLimit-Daily-Remaining: 0`` header (private apps receive it on every
    answer) says so; without it, the body's ``policyName: DAILY`` does. Reading the body here
    caches it in the urllib3 response (``response.data``): the client takes it from there when
    the 429 is handed back (see ``HubSpotClient._body_text``), and urllib3 drains it anyway
    before a retry.
    """
    remaining = response.headers.get("X-HubSpot-RateLimit-Daily-Remaining")
    if remaining is not None:
        return remaining.strip() == "0"
    try:
        body = load_json(response.data or b"{}")
    except (ValueError, TypeError):
        return False
    return isinstance(body, dict) and body.get("policyName") == "DAILY"


class _Retry(Retry):
    """urllib3 Retry with HubSpot's rules: Retry-After capped, a pause after 423 and 5xx, DAILY 429 never retried."""

    retry_after_cap = RETRY_AFTER_CAP
    pacer = None
    # A Retry-After makes no status retryable that RETRY_STATUSES does not: urllib3 would add a 413, whose
    # body would be too large again.
    RETRY_AFTER_STATUS_CODES = RETRY_STATUSES

    def new(self, **kw):
        retry = super(_Retry, self).new(**kw)
        retry.retry_after_cap = self.retry_after_cap
        retry.pacer = self.pacer
        return retry

    def sleep(self, response=None):
        """The pause before a retry, then a slot under the rate limit: HubSpot counts each attempt."""
        super(_Retry, self).sleep(response)
        if self.pacer is not None:
            self.pacer.before_retry()

    def parse_retry_after(self, retry_after):
        """The header's seconds, capped; None when it is neither whole seconds nor an HTTP date (``1.5``,
        ``soon``): the retry then backs off as without the header, instead of giving up."""
        try:
            seconds = super(_Retry, self).parse_retry_after(retry_after)
        except Exception:  # pylint: disable=broad-except
            return None  # InvalidHeader, a ValueError or OverflowError of a huge number, an IndexError of email.utils on 3.9
        return min(seconds, self.retry_after_cap)

    def sleep_for_retry(self, response=None):
        """Wait what the answer's Retry-After says, 0 (or a date past) included: urllib3 takes a zero
        wait for no header and backs off instead, which after a 429 is HubSpot's whole window."""
        retry_after = self.get_retry_after(response) if response is not None else None
        if retry_after is None:
            return False
        time.sleep(retry_after)
        return True

    def get_backoff_time(self):
        """urllib3's exponential backoff (used when the answer gave no Retry-After); after a 423 or a 5xx at
        least ``PAUSE_AFTER_LOCK_OR_OUTAGE`` factors, after a 429 at least ``PAUSE_AFTER_RATE_LIMIT``."""
        wait = super(_Retry, self).get_backoff_time()
        last = self.history[-1] if self.history else None
        status = last.status if last is not None else None
        pause = (PAUSE_AFTER_RATE_LIMIT if status == 429 else PAUSE_AFTER_LOCK_OR_OUTAGE if status is not None and (status == 423 or status >= 500)
                 else None)
        if pause is not None:
            wait = max(wait, min(self.backoff_factor * pause, getattr(self, "backoff_max", BACKOFF_MAX)))
        return wait

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        """urllib3's, and a ``MaxRetryError`` it raises carries ``retries_done``: the attempts retried before it
        (none for an error the policy does not retry, such as a proxy's refusal to open a tunnel)."""
        if response is not None and response.status == 429 and _daily_limit_spent(response):
            # urllib3 hands the response back as it is (raise_on_status is off).
            raise MaxRetryError(_pool, url, "HubSpot daily limit spent")
        try:
            return super(_Retry, self).increment(method, url, response=response, error=error,
                                                 _pool=_pool, _stacktrace=_stacktrace)
        except MaxRetryError as exc:
            exc.retries_done = len(self.history)
            raise


def build_retry(max_retries, backoff_factor=BACKOFF_FACTOR, retry_after_cap=RETRY_AFTER_CAP, pacer=None):
    """The Retry object mounted on the session; ``max_retries`` 0 disables retrying. With a ``pacer``
    (``_Pacer``) each retried attempt waits for its own slot under the rate limit, as a first attempt does."""
    retry = _Retry(
        total=max_retries,
        connect=max_retries,
        read=max_retries,
        status=max_retries,
        other=0,
        redirect=0,
        allowed_methods=None,  # every method: see the policy note above
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff_factor,
        backoff_max=BACKOFF_MAX,
        respect_retry_after_header=True,
        raise_on_status=False,
        raise_on_redirect=False,
    )
    retry.retry_after_cap = retry_after_cap
    retry.pacer = pacer
    return retry


def _decoded(content, encoding):
    """``content`` as text in the charset the answer names, or in UTF-8 (HubSpot's JSON) when Python cannot
    decode with that one: a gateway's ``charset=utf-9`` (unknown) or ``charset=hex`` (no text encoding)
    must not make the answer unreadable."""
    try:
        return content.decode(encoding or "utf-8", "replace")
    except (LookupError, UnicodeError):
        return content.decode("utf-8", "replace")


def may_have_been_processed(attempts):
    """Whether any retried attempt (urllib3 ``RequestHistory``) may have reached HubSpot and been applied.

    A refused or timed-out connection and a 423/429/477 answer were not processed; a read
    timeout, a reset after sending or a 5xx (a gateway may time out on a processed request) may have been.
    """
    for attempt in attempts or ():
        if attempt.error is not None and not isinstance(attempt.error, (ConnectTimeoutError, NewConnectionError)):
            return True
        if attempt.status is not None and attempt.status >= 500:
            return True
    return False


def _scheme_shown(url, scheme):
    """``, got scheme 'x'`` when ``url`` starts with a scheme a message may quote (a short one followed by
    ``://``), else nothing: without ``://`` urlsplit takes a user name or a host for the scheme, and a long
    one may be a secret typed into the wrong option."""
    if scheme and len(scheme) <= 10 and url[:len(scheme) + 3].lower() == scheme + "://":
        return ", got scheme %r" % scheme
    return ""


# The start of every path the collection requests (``/marketing/v3/marketing-events/...``,
# ``/marketing/marketing-events/2026-09/...``): in base_url, a copied API address whose path every request would
# repeat (answered 404). Other paths (a gateway's own prefix) are left alone.
API_PATH_IN_URL = re.compile(r"/marketing/(v3|marketing-events)(?=/|$)", re.IGNORECASE)


def check_base_url(base_url):
    """Return the normalised base URL or a reason it is unusable (never both).

    Only http and https, a host, no credentials, no query or fragment, not the API's own path.
    """
    if not isinstance(base_url, str) or not base_url.strip():
        return None, "must be a non-empty URL"
    url = base_url.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a bad port
    except ValueError as exc:
        # urllib's own words quote a bad port, which may be a secret typed into the wrong option.
        return None, "is not a valid URL (%s)" % ("its port is not a number" if "could not be cast" in str(exc) else exc)
    del port
    if parts.scheme not in ("http", "https"):
        return None, "must start with http:// or https://%s" % _scheme_shown(url, parts.scheme)
    if parts.username is not None or parts.password is not None:
        return None, "must not contain credentials; pass the token as access_token"
    if not parts.hostname:
        return None, "has no host name"
    if parts.query or parts.fragment:
        return None, "must not contain a query string or fragment"
    api_path = API_PATH_IN_URL.search(parts.path)
    if api_path:
        root = url[:len(url) - len(parts.path) + api_path.start()]
        return None, "must not contain the API's path (%s...), which every request adds: give %s" % (api_path.group(0), root)
    return url, None


# Where a token can come from, named when none was given (the modules and the lookup share this check).
TOKEN_WAYS = (
    "give the option access_token, set the environment variable HUBSPOT_ACCESS_TOKEN, or set it once "
    "for the play: modules with module_defaults under group/hubspot.marketing.hubspot, the lookup with the variable "
    "hubspot_access_token (module_defaults does not reach lookups). Modules read the environment on the host that "
    "runs them, the lookup on the controller"
)
TOKEN_MISSING = "is required: " + TOKEN_WAYS
TOKEN_EMPTY = "is empty (an empty option, variable or HUBSPOT_ACCESS_TOKEN gives no token): " + TOKEN_WAYS


def check_access_token(token):
    """Reason the token cannot be sent as a header, or None. Never echoes the token (nor a dict or list given instead)."""
    if token is None:
        return TOKEN_MISSING
    if not isinstance(token, str):
        return "must be a string, got %s (its value is not shown)" % type_name(token)
    if not token.strip():
        return TOKEN_EMPTY
    if token[:7].lower() == "bearer ":
        return "starts with 'Bearer ': give the token alone, the 'Bearer ' prefix is added to the header by the collection"
    if token.rstrip("\r\n") != token:
        return ("ends with a newline (as a token read from a file or pasted often does): strip it, "
                "for example with the trim filter")
    if token.rstrip() != token or token.lstrip() != token:
        return "%s with whitespace: strip it, for example with the trim filter" % (
            "ends" if token.rstrip() != token else "starts")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in token):
        return "must not contain whitespace or control characters"
    if any(ord(ch) > 126 for ch in token):
        return "must contain only ASCII characters"
    return None


PROXY_SCHEMES = ("http", "https")


def check_proxy_url(proxy):
    """Return the proxy URL or a reason it is unusable (never both); the reason never quotes the URL.

    ``scheme://[user:password@]host[:port]``, scheme http or https (the scheme of the connection to
    the proxy; HTTPS requests are tunnelled with CONNECT either way), no path, query or fragment.
    """
    if not isinstance(proxy, str) or not proxy.strip():
        return None, "must be a non-empty URL such as http://proxy.example.com:3128"
    url = proxy.strip()
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a bad port
    except ValueError:
        return None, "is not a valid URL (its value is not shown: it may hold credentials)"
    del port
    if parts.scheme not in PROXY_SCHEMES:
        return None, "must start with http:// or https://%s" % _scheme_shown(url, parts.scheme)
    if not parts.hostname:
        return None, "has no host name"
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None, "must not contain a path, query string or fragment"
    if "\\" in url:
        # urllib3 ends the host at a backslash, urlsplit does not: the proxy checked would not be the one used.
        return None, "must not contain a backslash: percent-encode it as %5C (a DOMAIN\\user login as DOMAIN%5Cuser)"
    return url.rstrip("/"), None


def proxy_display(proxy):
    """``host:port`` of a proxy URL: what messages say about it (never its scheme and credentials).

    Without the scheme the text never equals the whole option value, which Ansible would mask.
    """
    parts = urlsplit(proxy)
    host = parts.hostname or ""
    if ":" in host:
        host = "[%s]" % host
    return "%s:%s" % (host, parts.port or (443 if parts.scheme == "https" else 80))


def proxy_secrets(proxy):
    """The forms in which a proxy URL's credentials could show up in a message (URL, userinfo, Basic value)."""
    if not proxy:
        return ()
    parts = urlsplit(proxy)
    if parts.username is None and parts.password is None:
        return ()
    userinfo = parts.netloc.rpartition("@")[0]
    plain = "%s:%s" % (unquote(parts.username or ""), unquote(parts.password or ""))
    found = [proxy, userinfo, plain, base64.b64encode(plain.encode("utf-8")).decode("ascii")]
    password = parts.password or ""
    found.extend((password, unquote(password)))
    # a shorter form (a user name alone, "1" or "1:") would blank out ordinary words and numbers of the text
    return tuple(form for form in found if len(form) >= SHORTEST_SCRUBBED)


def select_proxy(base_url, use_proxy=True, proxy=None):
    """The proxy URL requests to ``base_url`` go through, or None.

    An explicit ``proxy`` always wins. Otherwise, with ``use_proxy``, the environment's proxy
    variables (``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY`` and ``NO_PROXY``, lower or upper case)
    are read through requests' own helpers. Only those: the session keeps ``trust_env`` off, so
    ``.netrc`` credentials and ``REQUESTS_CA_BUNDLE`` never apply.
    """
    if not use_proxy:
        return None
    if proxy:
        return proxy
    found, reason = environment_proxy(base_url)
    if reason:
        raise ValueError("the proxy from the environment %s" % reason)
    return found


ENVIRONMENT_PROXY_NAMES = "HTTPS_PROXY, HTTP_PROXY or ALL_PROXY"


def environment_proxy(base_url):
    """``(proxy, reason)``: the proxy the environment gives for ``base_url`` (None: none) through requests'
    own helpers, checked like the ``proxy`` option (``check_proxy_url``); ``reason`` never quotes it."""
    found = requests.utils.select_proxy(base_url, requests.utils.get_environ_proxies(base_url))
    if not found:
        return None, None
    url, reason = check_proxy_url(found)
    if reason:
        return None, "(%s) %s; fix the variable, or set use_proxy to false" % (ENVIRONMENT_PROXY_NAMES, reason)
    return url, None


def proxy_tls_context(validate_certs=True, ca_path=None):
    """The TLS policy of the connection to an ``https://`` proxy: the same trust as for ``base_url``.

    requests verifies an ``https://`` proxy only through the policy of an ``https://`` target (urllib3
    lets the proxy connection inherit it) and not at all for an ``http://`` ``base_url``; urllib3's
    ``proxy_ssl_context`` states the proxy's policy whatever the target's scheme.
    """
    context = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED if validate_certs else ssl.CERT_NONE)
    if validate_certs:
        location = ca_path or requests.utils.DEFAULT_CA_BUNDLE_PATH
        if os.path.isdir(location):
            context.load_verify_locations(capath=location)
        else:
            context.load_verify_locations(cafile=location)
    return context


class _ProxyTLSAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` that gives ``https://`` proxies their own TLS policy (``proxy_tls_context``)."""

    def __init__(self, proxy_context=None, **kwargs):
        self.proxy_context = proxy_context
        super(_ProxyTLSAdapter, self).__init__(**kwargs)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        if self.proxy_context is not None and proxy.lower().startswith("https://"):
            proxy_kwargs.setdefault("proxy_ssl_context", self.proxy_context)
        return super(_ProxyTLSAdapter, self).proxy_manager_for(proxy, **proxy_kwargs)


def check_ca_path(ca_path):
    """Why ``ca_path`` cannot be used as a CA bundle (a PEM file or a c_rehash directory), or None."""
    if not isinstance(ca_path, str) or not ca_path.strip():
        return "must be the path of a CA bundle (a PEM file) or of a directory of hashed CA certificates"
    if not os.path.exists(ca_path):
        return "%s does not exist" % ca_path
    if not os.access(ca_path, os.R_OK):
        return "%s is not readable" % ca_path
    if not os.path.isdir(ca_path):
        try:
            ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=ca_path)
        except (ssl.SSLError, OSError, ValueError):
            return "%s holds no CA certificate (it must be a PEM bundle of CA certificates)" % ca_path
    return None


def path_segment_error(value):
    """Why ``value`` cannot be one segment of a request path, or None.

    Each segment is percent-encoded, which keeps ``/``, ``?``, ``#`` and ``%`` inside it; but ``.``
    and ``..`` are unreserved characters that no encoding hides, and every HTTP stack removes them
    as dot segments (``.../participations/1/./breakdown`` is another resource). Text that cannot be
    UTF-8 encoded has no encoding at all. Never echoes the value.
    """
    text = str(value)
    if not text:
        return "must not be empty"
    if text in (".", ".."):
        return "must not be %r: the HTTP stack would remove it from the request path and reach another resource" % text
    try:
        encoded = quote(text, safe="")
    except UnicodeError:
        return "must be valid Unicode text (it cannot be encoded as UTF-8)"
    if unquote(encoded) != text:
        return "does not survive URL encoding unchanged"
    return None


def api_path(*segments):
    """Join path segments, percent-encoding each (an email becomes ``a%40b.c``).

    Raises ``ValueError`` for a segment that would not reach the server as given (see
    ``path_segment_error``); callers validate their fields with that function first, naming them.
    """
    parts = []
    for segment in segments:
        reason = path_segment_error(segment)
        if reason:
            raise ValueError("a request path segment %s" % reason)
        parts.append(quote(str(segment), safe=""))
    return "/" + "/".join(parts)


REDACTED = "<redacted>"
# A Bearer value, or one already redacted (so "Bearer <redacted>" reads "<redacted>" whichever went first).
_BEARER = re.compile(r"(?i)\bbearer(\s+|%20|\+)(" + re.escape(REDACTED) + r"|[^\s\"'<>,;&]+)")


def _json_unescaped(text):
    """JSON ``text`` with its ``\\uXXXX`` escapes written out (a secret escaped that way is then found);
    any other text as it is."""
    if "\\u" not in text:
        return text
    try:
        return json.dumps(load_json(text), ensure_ascii=False)
    except ValueError:
        return text


# A secret shorter than this is not scrubbed alone (in a URL, a Basic value or with its user it still is): it would
# blank out ordinary words and numbers of the message.
SHORTEST_SCRUBBED = 4


def scrub(text, secrets=()):
    """``text`` with every ``secret`` (as is, JSON-escaped, percent-encoded or in base64) and every
    ``Bearer <value>`` redacted.

    Used on everything taken from a response (error bodies, messages, pages) before it can reach a
    result or an error: a gateway's error page may echo the request, Authorization header included.
    JSON is read with its ``\\u`` escapes written out. The secrets go first: the Bearer pattern stops
    at characters a token may hold (``;``, ``,``, quotes), and would leave the rest of such a token.
    """
    if not text:
        return text
    text = _json_unescaped(text)
    for secret in secrets:
        if not secret:
            continue
        encoded = base64.b64encode(secret.encode("utf-8")).decode("ascii")
        for form in set((secret, json.dumps(secret)[1:-1], quote(secret, safe=""), quote(secret), encoded)):
            text = text.replace(form, REDACTED)
    # The regex costs about a millisecond on a full page; most bodies never say "bearer" at all.
    if "bearer" in text.lower():
        text = _BEARER.sub(REDACTED, text)
    return text


class _Pacer:
    """Keeps this client under the 10-second limit HubSpot announces in its headers.

    HubSpot counts requests per token in a rolling window and tells, on every answer,
    ``X-HubSpot-RateLimit-Max`` and ``-Interval-Milliseconds``. The pacer remembers this
    client's recent requests and, once the window holds ``Max`` of them, waits until the
    oldest leaves it. A request is first stamped when it is sent (so requests in flight
    count) and re-stamped when its answer arrives: HubSpot counted it somewhere in between,
    and only the later stamp can never free a slot early. ``-Remaining`` lower than expected
    (another client on the same token) shrinks the allowance for the current window.
    Retried attempts (sent by urllib3 inside one request) take a slot each too: ``before_retry``
    stamps them in the sending thread, and ``after_response`` re-stamps them with the request's own.
    That holds the slots of a retried request's earlier attempts until its last answer, longer than
    HubSpot counts them: a few slots, and only while requests are being retried.
    """

    def __init__(self, clock=time.monotonic, sleep=time.sleep):
        self._lock = threading.Lock()
        self._stamps = []  # sorted
        self._max = None
        self._interval = None
        self._clock = clock
        self._sleep = sleep
        self._retried = threading.local()  # stamps of this thread's retried attempts, for after_response
        self.waited = 0.0

    def _expire(self, now):
        cut = bisect.bisect_right(self._stamps, now - self._interval) if self._interval else 0
        del self._stamps[:cut]

    def before_retry(self):
        """Wait for a free slot for an attempt urllib3 is about to retry (in the request's own thread)."""
        self._retried.stamps = getattr(self._retried, "stamps", []) + [self.before_request()]

    def before_request(self):
        """Wait for a free slot; returns the stamp to hand to ``after_response``."""
        while True:
            with self._lock:
                now = self._clock()
                self._expire(now)
                if not self._max or len(self._stamps) < self._max:
                    bisect.insort(self._stamps, now)
                    return now
                wait = self._stamps[0] + self._interval - now
            wait = max(wait, 0.001)
            self.waited += wait
            self._sleep(wait)

    def after_response(self, headers, stamp=None):
        retried = getattr(self._retried, "stamps", None) or []
        self._retried.stamps = []
        with self._lock:
            now = self._clock()
            for sent in ([stamp] if stamp is not None else []) + retried:
                index = bisect.bisect_left(self._stamps, sent)
                if index < len(self._stamps) and self._stamps[index] == sent:
                    del self._stamps[index]
                    bisect.insort(self._stamps, now)
            try:
                limit = int(headers.get("X-HubSpot-RateLimit-Max"))
                interval = int(headers.get("X-HubSpot-RateLimit-Interval-Milliseconds", "10000")) / 1000.0
            except (TypeError, ValueError):
                return
            if not (0 < limit <= PACER_MAX_LIMIT and 0 < interval <= PACER_MAX_INTERVAL):
                return
            self._max = limit
            self._interval = interval
            self._expire(now)
            try:
                remaining = int(headers.get("X-HubSpot-RateLimit-Remaining"))
            except (TypeError, ValueError):
                return
            # Others spend the same budget: count their requests as if sent now.
            for dummy in range(max(0, (limit - min(max(remaining, 0), limit)) - len(self._stamps))):
                bisect.insort(self._stamps, now)


class Pager:
    """Iterates the items of a paginated HubSpot GET, following ``paging.next.after``.

    The only pagination loop in the collection. ``total`` is set from the first page,
    ``pages`` counts the pages fetched. Stops at ``limit`` items or when the API gives no
    next cursor, never because ``total`` says so: HubSpot's event breakdowns are an
    asynchronous rollup, so the cursor, not the count, says where the items end (HubSpot's
    paging rules; the live API's lagging rollups); ``total`` only plans reads. A cursor seen
    before, or ``MAX_EMPTY_PAGES`` empty pages in a row, raise ``HubSpotPagingError`` instead of
    looping. A page that is not shaped like a page (``results`` not a list of objects, ``paging``
    not an object) or an item that ``item_problem(item)`` finds fault with raises the
    MALFORMED_RESPONSE ``HubSpotApiError``.
    """

    def __init__(self, client, path, params=None, page_size=API_PAGE_MAX, limit=None, item_problem=None):
        if not 1 <= page_size <= API_PAGE_MAX:
            raise ValueError("page_size must be between 1 and %d" % API_PAGE_MAX)
        self._client = client
        self._path = path
        self._params = dict(params or {})
        self._page_size = page_size
        self._limit = limit
        self.item_problem = item_problem
        self.total = None
        self.pages = 0

    def __iter__(self):
        seen_cursors = set()
        after = None
        count = 0
        empty = 0  # pages in a row that held nothing but a next cursor
        while self._limit is None or count < self._limit:
            body = self._fetch(after, count)
            for item in body.get("results") or []:
                if self._limit is not None and count >= self._limit:
                    return
                count += 1
                yield item
            after = ((body.get("paging") or {}).get("next") or {}).get("after")
            if not after or (self._limit is not None and count >= self._limit):
                return
            empty = self._follow(after, seen_cursors, 0 if body.get("results") else empty + 1)

    def _fetch(self, after, count):
        """The page after cursor ``after`` (the first when None), checked, with ``total`` noted from it."""
        params = dict(self._params)
        params["limit"] = self._page_size if self._limit is None else min(self._page_size, self._limit - count)
        if after is not None:
            params["after"] = after
        body = self._client.get(self._path, params=params)
        self.pages += 1
        reason = self._page_problem(body)
        if reason:
            raise malformed_answer(self._client, "GET", self._path, reason)
        total = sent_count(body.get("total"))
        if self.total is None and total is not None and total < 2 ** 31:
            self.total = total  # HubSpot's int32; any other value leaves it unknown
        return body

    def _follow(self, after, seen_cursors, empty):
        """``empty`` (the empty pages in a row so far) when the walk may follow ``after``; else the
        ``HubSpotPagingError`` that ends a walk that would never end."""
        if after in seen_cursors:
            raise HubSpotPagingError("GET", self._path, "the API returned cursor %r a second time after %d pages; "
                                     "stopping instead of looping" % (after, self.pages))
        seen_cursors.add(after)
        if empty >= MAX_EMPTY_PAGES:
            raise HubSpotPagingError("GET", self._path, "the API returned %d pages in a row with no results but a new "
                                     "cursor, after %d pages; stopping instead of looping" % (empty, self.pages))
        return empty

    def _page_problem(self, body):
        """Why a page body is not ``{"results": [{...}], "paging": {"next": {"after": "..."}}}``, or None."""
        results = body.get("results")
        problem = shape_problem("results", results, "list")
        if problem:
            return problem
        for index, item in enumerate(results or []):
            problem = shape_problem("results[%d]" % index, item, "object", optional=False)
            if not problem and self.item_problem:
                reason = self.item_problem(item)
                problem = reason and "results[%d] %s" % (index, reason)
            if problem:
                return problem
        paging = body.get("paging")
        following = paging.get("next") if isinstance(paging, dict) else None
        after = following.get("after") if isinstance(following, dict) else None
        return (shape_problem("paging", paging, "object") or shape_problem("paging.next", following, "object")
                or shape_problem("paging.next.after", after, "scalar"))


def parallel_map(func, items, workers=4):
    """``[func(item) for item in items]``, run on at most ``workers`` threads, results in input order.

    The first exception is re-raised after the running calls finish; calls not yet started are
    dropped. The client is safe to share between these threads (one pooled session, locked counters).
    """
    items = list(items)
    if workers <= 1 or len(items) <= 1:
        return [func(item) for item in items]
    results = [None] * len(items)
    pool = ThreadPoolExecutor(max_workers=min(workers, len(items)))
    futures = {}
    try:
        for index, item in enumerate(items):
            futures[pool.submit(func, item)] = index
        for future in as_completed(futures):
            results[futures[future]] = future.result()
    finally:
        for future in futures:
            future.cancel()
        pool.shutdown(wait=True)
    return results


def malformed_answer(client, method, path, reason):
    """The MALFORMED_RESPONSE ``HubSpotApiError`` for a 2xx answer of ``client`` that is JSON but not shaped as
    the API documents (``reason``: what is wrong, naming the field)."""
    status = client.last_status() if isinstance(client, HubSpotClient) else 200
    return HubSpotApiError(method, path, status, category="MALFORMED_RESPONSE", message="unexpected response body: %s" % reason)


def _json_object(method, path, status, text, retries):
    """The JSON object of a 2xx body; a MALFORMED_RESPONSE ``HubSpotApiError`` otherwise. An empty body is
    ``{}`` for a write (a 204, say) and malformed for a read: every GET of the API answers an object, and an
    empty one taken for ``{}`` would read as an event or a page with every field missing."""
    body, reason = {}, None
    if not text.strip():
        if method == "GET":
            reason = "the response body is empty"
    else:
        try:
            body = load_json(text)
        except ValueError:
            reason = "the response body is not valid JSON"
        else:
            reason = None if isinstance(body, dict) else "the response body is %s, not a JSON object" % (
                "null" if body is None else type(body).__name__)
    if reason:
        raise HubSpotApiError(method, path, status, category="MALFORMED_RESPONSE", message=reason, retries=retries)
    return body


def quiet_insecure_warning(url):
    """With ``validate_certs: false`` the plugin warns once that the host's certificate is not verified
    (``HubSpotModule``, the lookup); urllib3's ``InsecureRequestWarning`` would say it again on the
    controller's terminal for the lookup. Only for that host: other code in the same process keeps it."""
    host = urlsplit(url).hostname or ""
    warnings.filterwarnings("ignore", message="Unverified HTTPS request is being made to host '%s'" % re.escape(host),
                            category=InsecureRequestWarning)


class HubSpotClient:
    """One session to one HubSpot API base URL.

    Use as a context manager. ``request_count`` counts the logical requests made (a request
    retried by the transport counts once); ``retries`` lists ``"POST /path: 429"`` for every
    retry the transport made, so callers can warn about them. ``pool_size`` connections are kept
    for reuse: as many as the most requests a task may have in flight (``write_concurrency``).
    """

    def __init__(self, access_token, base_url=DEFAULT_BASE_URL, validate_certs=True, timeout=30,
                 max_retries=5, backoff_factor=BACKOFF_FACTOR, retry_after_cap=RETRY_AFTER_CAP,
                 connect_timeout=None, pool_size=MAX_WRITE_CONCURRENCY, pace=True, use_proxy=True, proxy=None, ca_path=None,
                 api_version=DEFAULT_API_VERSION):
        if not HAS_REQUESTS:
            raise RuntimeError("the requests library is required")  # callers check HAS_REQUESTS first
        reason = check_access_token(access_token)
        if reason:
            raise ValueError("access_token %s" % reason)
        url, reason = check_base_url(base_url)
        if reason:
            raise ValueError("base_url %s" % reason)
        if proxy is not None:
            proxy, reason = check_proxy_url(proxy)
            if reason:
                raise ValueError("proxy %s" % reason)
        if ca_path is not None:
            reason = check_ca_path(ca_path)
            if reason:
                raise ValueError("ca_path %s" % reason)
        if api_version not in API_VERSIONS:
            raise ValueError("api_version must be one of %s" % ", ".join(API_VERSIONS))
        self.base_url = url
        self.api_version = api_version
        self.proxy = select_proxy(url, use_proxy, proxy)
        self.ca_path = ca_path
        self.timeout = (connect_timeout or min(float(timeout), 10.0), float(timeout))
        self.validate_certs = validate_certs
        self.max_retries = max_retries
        self.request_count = 0
        self.retries = []
        self._lock = threading.Lock()
        self._local = threading.local()
        self._pacer = _Pacer() if pace else None
        self._session = requests.Session()
        # trust_env off: no .netrc credentials in front of the token, no REQUESTS_CA_BUNDLE; the proxy
        # variables are read by select_proxy() alone, and credentials in a proxy URL go only to the proxy.
        self._session.trust_env = False
        self._session.proxies = {"http": self.proxy, "https": self.proxy} if self.proxy else {}
        self._session.verify = (ca_path or True) if validate_certs else False
        if not validate_certs:
            quiet_insecure_warning(url)
        self._secrets = proxy_secrets(self.proxy)
        self._session.headers.update({
            "Authorization": "Bearer %s" % access_token,
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        })
        tls_proxy = self.proxy and self.proxy.lower().startswith("https://")
        adapter = _ProxyTLSAdapter(proxy_tls_context(validate_certs, ca_path) if tls_proxy else None,
                                   max_retries=build_retry(max_retries, backoff_factor, retry_after_cap, self._pacer),
                                   pool_connections=1, pool_maxsize=pool_size)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def __repr__(self):
        return "HubSpotClient(base_url=%r)" % self.base_url

    @property
    def proxy_shown(self):
        """The proxy in messages (``host:port``), or None when requests go direct."""
        return proxy_display(self.proxy) if self.proxy else None

    def unverified(self):
        """What ``validate_certs: false`` leaves unverified, in words (None when it is true): base_url's
        certificate, and an ``https://`` proxy's, which follows the same policy."""
        if self.validate_certs:
            return None
        text = "the TLS certificate of %s is not verified" % self.base_url
        if self.proxy and self.proxy.lower().startswith("https://"):
            text += ", nor that of the proxy %s" % self.proxy_shown
        return text

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._session.close()

    @property
    def pacing_wait(self):
        """Seconds spent waiting to stay under the announced rate limit."""
        return self._pacer.waited if self._pacer else 0.0

    def request(self, method, path, params=None, json_body=None, attempts=None):
        """Send one request and return the parsed JSON body of a 2xx answer: always a dict.

        Raises ``HubSpotApiError`` for any other status (after retries), and with category
        MALFORMED_RESPONSE for a 2xx body that is not a JSON object; ``HubSpotTransportError``
        when no answer came at all. Text taken from the response is scrubbed of the token first.
        When ``attempts`` is a list, the transport's retry history of this request (urllib3
        ``RequestHistory`` entries, one per attempt that was retried) is appended to it.
        """
        path = versioned_path(path, self.api_version)
        # as errors name the request: a token typed into an id would be in the path (the token only: a proxy's
        # user or password may be a number that is part of an id)
        shown = scrub(path, (self._token,))
        stamp = self._pacer.before_request() if self._pacer else None
        with self._lock:
            self.request_count += 1
        kwargs = {"params": params, "timeout": self.timeout, "allow_redirects": False}
        if json_body is not None:
            kwargs["json"] = json_body
        try:
            response = self._session.request(method, self.base_url + path, **kwargs)
        except requests.exceptions.RequestException as exc:
            if self._pacer:
                self._pacer.after_response({}, stamp)
            raise HubSpotTransportError(method, shown, self._describe_transport_error(exc))
        history = self._note_retries(method, shown, response, attempts)
        retries = len(history)
        if response.status_code == 407 and self.proxy:
            response.close()
            if self._pacer:
                self._pacer.after_response({}, stamp)
            raise HubSpotTransportError(method, shown, self._proxy_auth_text())
        self._local.status = response.status_code
        if self._pacer:
            self._pacer.after_response(response.headers, stamp)
        text = self._body_text(response)
        if not 200 <= response.status_code < 300:
            raise HubSpotApiError.from_response(method, shown, response.status_code, text, retries=retries,
                                                earlier_attempt_maybe_applied=method != "GET" and may_have_been_processed(history))
        return _json_object(method, shown, response.status_code, text, retries)

    def last_status(self):
        """The HTTP status of the last answer this thread received."""
        return getattr(self._local, "status", None)

    @property
    def _token(self):
        return self._session.headers.get("Authorization", "")[len("Bearer "):]

    def _scrub(self, text):
        """``text`` without the token and without the proxy's credentials."""
        return scrub(text, (self._token,) + self._secrets)

    def _proxy_auth_text(self):
        if self._secrets:
            return ("the proxy %s refused its credentials (407 Proxy Authentication Required); check the user and "
                    "password in the proxy URL (option proxy, or HTTPS_PROXY/HTTP_PROXY)" % self.proxy_shown)
        return ("the proxy %s requires credentials (407 Proxy Authentication Required); give them in the proxy URL, "
                "http://USER:PASSWORD@HOST:PORT (option proxy, or HTTPS_PROXY/HTTP_PROXY)" % self.proxy_shown)

    def _body_text(self, response):
        """The response body as text, scrubbed of the token.

        A 429 whose body the retry policy already read (to spot the DAILY policy) is read back
        from urllib3's cache, since the stream is spent.
        """
        content = response.content
        if not content and getattr(response.raw, "data", None):
            content = response.raw.data
        return self._scrub(_decoded(content or b"", response.encoding))

    def retry_summary(self, shown=5):
        """One warning line about the retries this client made, or None when there were none."""
        if not self.retries:
            return None
        more = " and %d more" % (len(self.retries) - shown) if len(self.retries) > shown else ""
        return "HubSpot requests were retried %d time(s): %s%s (rate limits or transient errors)" % (
            len(self.retries), ", ".join(self.retries[:shown]), more)

    def get(self, path, params=None):
        return self.request("GET", path, params=params)

    def post(self, path, body, params=None, attempts=None):
        return self.request("POST", path, params=params, json_body=body, attempts=attempts)

    def iter_items(self, path, params=None, page_size=API_PAGE_MAX, limit=None, item_problem=None):
        """A ``Pager`` over the items of ``path``; read ``.total`` and ``.pages`` from it."""
        return Pager(self, path, params=params, page_size=page_size, limit=limit, item_problem=item_problem)

    def _note_retries(self, method, path, response, attempts=None):
        history = getattr(getattr(response.raw, "retries", None), "history", None) or ()
        if attempts is not None:
            attempts.extend(history)
        if history:
            with self._lock:
                for entry in history:
                    what = entry.status if entry.status else type(entry.error).__name__ if entry.error else "error"
                    self.retries.append("%s %s: %s" % (method, path, what))
        return history

    def _describe_transport_error(self, exc):
        """The failure of a request that got no answer, in words. Only the text taken from the exception is
        scrubbed (``_scrub``): scrubbing the whole message would blank out its own words wherever they equal
        a proxy user name or password (``proxy``, ``user``, ``1``)."""
        reason = exc
        # Unwrap requests -> urllib3 MaxRetryError -> the underlying cause, for a short message. The
        # MaxRetryError on the way says how many attempts were retried (``_Retry.increment``).
        retried = 0
        for dummy in range(3):
            inner = reason.args[0] if getattr(reason, "args", None) else None
            outer = inner if isinstance(inner, MaxRetryError) else reason if isinstance(reason, MaxRetryError) else None
            if outer is None or outer.reason is None:
                break
            retried = getattr(outer, "retries_done", 0)
            reason = outer.reason
        if isinstance(exc, requests.exceptions.SSLError):
            return self._describe_tls_error(reason)
        if isinstance(exc, requests.exceptions.ProxyError):
            return self._describe_proxy_error(reason, retried)
        text = "%s: %s" % (type(reason).__name__, self._scrub(str(reason)))
        if isinstance(exc, requests.exceptions.Timeout) or "timed out" in text.lower():
            text = "timed out after %ss (%s)" % (self.timeout[1], type(reason).__name__)
        if self.proxy:
            # the failure may be the proxy's (one that never answers, a TLS proxy written http://): name it
            text += " (through the proxy %s)" % self.proxy_shown
        return text + gave_up_after(retried)

    def _describe_proxy_error(self, reason, retried):
        """The proxy failure in words: unreachable proxy, refused tunnel (407 above all), or another cause."""
        causes = [arg for arg in getattr(reason, "args", ()) if isinstance(arg, BaseException)]
        cause = causes[-1] if causes else reason
        detail = str(cause)
        if "407" in detail:
            return self._proxy_auth_text()
        if isinstance(cause, (ssl.SSLError, Urllib3SSLError)):
            return "could not connect to the proxy %s over TLS: %s" % (self.proxy_shown, self._describe_tls_error(cause, self.proxy_shown))
        tunnel = re.search(r"Tunnel connection failed: (.*)", detail)
        if tunnel:
            text = "the proxy %s refused to open a tunnel to %s: %s" % (self.proxy_shown, self.base_url, self._scrub(tunnel.group(1).strip()))
        else:
            # urllib3 prefixes the connection object's repr; keep the OS error.
            detail = re.sub(r"^<[^>]*>:\s*", "", detail)
            text = "could not connect to the proxy %s: %s: %s" % (self.proxy_shown, type(cause).__name__, self._scrub(detail))
        return text + gave_up_after(retried)

    def _describe_tls_error(self, reason, endpoint=None):
        """The TLS failure in words, with the advice that fits it (never the same advice for every cause).

        ``endpoint`` names the peer in the advice (the proxy's ``host:port``); ``base_url`` by default.
        """
        detail = str(getattr(reason, "reason", None) or reason)
        # The interesting part of an ssl error is the text in brackets or after the last colon.
        match = re.search(r"\[SSL: ([A-Z_]+)\][^(\]]*", detail)
        code = match.group(1) if match else ""
        lower = detail.lower()
        if "certificate verify failed" in lower or code.startswith("CERTIFICATE_VERIFY") or "hostname mismatch" in lower:
            why = re.search(r"certificate verify failed: ([^(]*?)(?: \(_ssl|\)|'|$)", detail)
            text = "TLS certificate verification failed%s" % (": %s" % self._scrub(why.group(1).strip()) if why else "")
            if self.validate_certs and self.ca_path:
                text += "; the CA bundle given as ca_path (%s) does not vouch for this certificate" % self.ca_path
            elif self.validate_certs:
                text += ("; give ca_path the CA bundle that signed it (a private CA, or the CA of a TLS-inspecting proxy), "
                         "or set validate_certs: false only for a trusted test endpoint")
            return text
        if code in ("WRONG_VERSION_NUMBER", "HTTP_REQUEST", "PACKET_LENGTH_TOO_LONG", "RECORD_LAYER_FAILURE") or "wrong version number" in lower:
            return ("TLS handshake failed (%s): the server did not answer in TLS; is %s a plain http:// endpoint?"
                    % (code or "wrong version number", endpoint or self.base_url))
        if code in ("UNSUPPORTED_PROTOCOL", "TLSV1_ALERT_PROTOCOL_VERSION", "NO_PROTOCOLS_AVAILABLE", "VERSION_TOO_LOW"):
            return "TLS handshake failed (%s): the client and the server share no TLS protocol version" % code
        return "TLS error: %s" % (code or type(reason).__name__)
