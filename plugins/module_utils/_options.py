# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the hubspot.marketing collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The options every plugin shares, defined once: their argspecs, their checks, and the client they configure.

Modules merge the argspecs and ``HubSpotModule`` applies their rules (with ansible-core's checks, an option given
as null counted as not given); the lookup, which has no argspec, calls the same checks (``event_rule_errors``,
``read_size_errors``). Documented once in
doc_fragments/auth.py and doc_fragments/event.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import env_fallback

from ansible_collections.hubspot.marketing.plugins.module_utils._client import (
    API_PAGE_MAX,
    API_VERSIONS,
    DEFAULT_API_VERSION,
    DEFAULT_BASE_URL,
    HAS_REQUESTS,
    HubSpotClient,
    check_access_token,
    check_base_url,
    check_ca_path,
    check_proxy_url,
    environment_proxy,
    path_segment_error,
)
from ansible_collections.hubspot.marketing.plugins.module_utils._errors import HubSpotValidationError, type_name
from ansible_collections.hubspot.marketing.plugins.module_utils._validation import contact_identifier_error, is_hubspot_id

AUTH_ARGSPEC = dict(
    # Not required=True: core's "missing required arguments" would come first; auth_errors names every way to give it.
    access_token=dict(type="str", no_log=True, fallback=(env_fallback, ["HUBSPOT_ACCESS_TOKEN"])),
    base_url=dict(type="str", default=DEFAULT_BASE_URL, fallback=(env_fallback, ["HUBSPOT_BASE_URL"])),
    validate_certs=dict(type="bool", default=True),
    timeout=dict(type="float", default=30),
    max_retries=dict(type="int", default=5),
    use_proxy=dict(type="bool", default=True),
    # no_log: a proxy URL may carry credentials. Messages name the proxy as host:port only.
    proxy=dict(type="str", no_log=True),
    ca_path=dict(type="path"),
    api_version=dict(type="str", default=DEFAULT_API_VERSION, choices=list(API_VERSIONS),
                     fallback=(env_fallback, ["HUBSPOT_API_VERSION"])),
)

# The same event identification for both modules.
EVENT_ARGSPEC = dict(
    event_id=dict(type="str"),
    external_event_id=dict(type="str"),
    external_account_id=dict(type="str"),
)
EVENT_MUTUALLY_EXCLUSIVE = [("event_id", "external_event_id"), ("event_id", "external_account_id")]
EVENT_REQUIRED_TOGETHER = [("external_event_id", "external_account_id")]
EVENT_RULES = dict(mutually_exclusive=EVENT_MUTUALLY_EXCLUSIVE, required_together=EVENT_REQUIRED_TOGETHER)

# How much a read returns and how it is paged: the info modules and the lookup.
READ_SIZE_ARGSPEC = dict(
    limit=dict(type="int"),
    page_size=dict(type="int", default=API_PAGE_MAX),
)


# What an unusable access_token is replaced with in the options (Ansible's own wording for no_log values).
TOKEN_PLACEHOLDER = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def _timeout_error(timeout):
    return None if 0 < timeout <= 600 else "must be more than 0 and at most 600 seconds"


def _max_retries_error(retries):
    return None if 0 <= retries <= 20 else "must be between 0 and 20"


def _api_version_error(version):
    return None if version in API_VERSIONS else "must be one of %s" % ", ".join(API_VERSIONS)


# Shared options checked when given: (name, function returning why the value is unusable, or None).
_GIVEN_OPTION_CHECKS = (
    ("timeout", _timeout_error),
    ("max_retries", _max_retries_error),
    ("proxy", lambda proxy: check_proxy_url(proxy)[1]),
    ("api_version", _api_version_error),
    ("ca_path", check_ca_path),
)


def auth_errors(params):
    """Validation errors (``{"path", "message"}``) of the shared options; never echoes the token.

    An unusable ``access_token`` is also replaced in ``params`` by a placeholder: a module's failure
    result echoes its options (``invocation``), and ansible-core masks a no_log option only where its
    value appears whole. A token given inside a dict reaches a module converted to the text of that
    dict, which core would print with just the token masked inside it.
    """
    errors = []
    reason = check_access_token(params.get("access_token"))
    if reason:
        errors.append({"path": "access_token", "message": reason})
        if params.get("access_token") is not None:
            params["access_token"] = TOKEN_PLACEHOLDER
    url, reason = check_base_url(params.get("base_url"))
    if reason:
        errors.append({"path": "base_url", "message": reason})
    for name, error_of in _GIVEN_OPTION_CHECKS:
        reason = error_of(params[name]) if params.get(name) is not None else None
        if reason:
            errors.append({"path": name, "message": reason})
    if url and HAS_REQUESTS and params.get("use_proxy", True) and params.get("proxy") is None:
        reason = environment_proxy(url)[1]
        if reason:
            errors.append({"path": "proxy", "message": "is not given, and the proxy from the environment " + reason})
    return errors


def event_rule_errors(params):
    """``EVENT_MUTUALLY_EXCLUSIVE`` and ``EVENT_REQUIRED_TOGETHER`` for a plugin without an argspec (the lookup).

    Modules have ``HubSpotModule`` apply the same two lists; this reads them, so the rules are written once.
    """
    given = set(name for name in EVENT_ARGSPEC if params.get(name) is not None)
    errors = []
    excluded = {}
    for first, second in EVENT_MUTUALLY_EXCLUSIVE:
        if first in given and second in given:
            excluded.setdefault(first, []).append(second)
    for name, others in sorted(excluded.items()):
        errors.append({"path": name, "message": "is mutually exclusive with %s" % " and ".join(others)})
    for group in EVENT_REQUIRED_TOGETHER:
        if 0 < len(given.intersection(group)) < len(group):
            errors.append({"path": ", ".join(group), "message": "must be given together"})
    return errors


def read_size_errors(params):
    """Validation errors of ``READ_SIZE_ARGSPEC``'s options, for the info modules and the lookup."""
    errors = []
    limit = params.get("limit")
    if limit is not None and limit < 1:
        errors.append({"path": "limit", "message": "must be at least 1, got %d" % limit})
    page_size = params.get("page_size")
    if page_size is not None and not 1 <= page_size <= API_PAGE_MAX:
        errors.append({"path": "page_size", "message": "must be between 1 and %d, got %d" % (API_PAGE_MAX, page_size)})
    return errors


EXTERNAL_ID_MAX = 1024


def event_errors(params):
    """Validation errors of the event options (how they combine is the argspec's job).

    The external ids become request path segments: ``.`` and ``..`` (which the HTTP stack would
    remove, reaching another event) and text that does not survive URL encoding are refused here.
    """
    errors = []
    event_id = params.get("event_id")
    if event_id is not None and not is_hubspot_id(str(event_id)):
        errors.append({"path": "event_id", "message": "must be HubSpot's numeric event id (objectId), a string of digits"})
    for name in ("external_event_id", "external_account_id"):
        value = params.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            errors.append({"path": name, "message": "must be a string, got %s" % type_name(value)})
        elif not str(value).strip():
            errors.append({"path": name, "message": "must not be empty"})
        elif len(str(value)) > EXTERNAL_ID_MAX:
            errors.append({"path": name, "message": "must be at most %d characters long" % EXTERNAL_ID_MAX})
        else:
            reason = path_segment_error(value)
            if reason:
                errors.append({"path": name, "message": reason})
    return errors


def contact_error(value):
    """Why ``value`` is not a contactIdentifier (an email address or a positive contact id), or None.

    The one rule of ``_validation.contact_identifier_error``, plus the request path rule (the
    contact breakdown puts the identifier in the path). Never echoes the value.
    """
    return contact_identifier_error(value) or path_segment_error(str(value).strip())


def client_from_params(params, **kwargs):
    """Build the run's one client from validated shared options."""
    errors = auth_errors(params)
    if errors:
        raise HubSpotValidationError(errors)
    return HubSpotClient(
        params["access_token"],
        base_url=params["base_url"],
        validate_certs=params["validate_certs"],
        timeout=params["timeout"],
        max_retries=params["max_retries"],
        use_proxy=params.get("use_proxy", True),
        proxy=params.get("proxy"),
        ca_path=params.get("ca_path"),
        api_version=params.get("api_version") or DEFAULT_API_VERSION,
        **kwargs
    )
