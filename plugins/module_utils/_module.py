# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the hubspot.marketing collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The one shape of every module of the collection.

A module is its documentation, its argspec, a ``prepare(params)`` that validates the options
(raising ``HubSpotValidationError`` before any request) and a ``run(module, client, prepared)``
that returns the result dict (with ``failed`` and ``msg`` when the task must fail).
``HubSpotModule`` does the rest, once: the library checks, the ``validate_certs`` warning,
building the run's one client, the retry warning, and turning any ``HubSpotError`` into
``fail_json``. A module's ``main()`` is one ``run_module(run, argument_spec, prepare, **rules)`` call;
``checked(*error_lists)`` makes ``prepare`` from the option checks of ``_options`` and the module's own.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import os
import re

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.common.validation import (
    check_mutually_exclusive,
    check_required_by,
    check_required_if,
    check_required_one_of,
    check_required_together,
)

from ansible_collections.hubspot.marketing.plugins.module_utils._options import TOKEN_PLACEHOLDER, client_from_params
from ansible_collections.hubspot.marketing.plugins.module_utils._client import HAS_REQUESTS, LIBRARY_PROBLEM, REQUESTS_IMPORT_ERROR
from ansible_collections.hubspot.marketing.plugins.module_utils._errors import HubSpotError, HubSpotValidationError, type_name
from ansible_collections.hubspot.marketing.plugins.module_utils._validation import HAS_JSONSCHEMA, JSONSCHEMA_IMPORT_ERROR, sort_errors


# ansible-core before 2.21 (and later ones with ``inject_invocation``) returns the task's options in
# ``invocation.module_args``. A list longer than this is returned as a count: 100,000 contacts would
# be serialised, masked and parsed again for nothing (seconds at that size).
ECHO_LIST_MAX = 100


def echoed_params(params):
    """``params`` as ``invocation.module_args`` shows them: a list of more than ``ECHO_LIST_MAX`` items as its count."""
    return dict((name, "%d items (not repeated in the result)" % len(value) if isinstance(value, list) and len(value) > ECHO_LIST_MAX else value)
                for name, value in params.items())


def environment_hint(argument_spec, msg, set_by_task=()):
    """For ansible-core's "value of OPTION must be one of" about an option the task did not set (``set_by_task``)
    that falls back to an environment variable which is set, empty or not (as ``env_fallback`` reads it): the text
    saying so (core's message does not tell where the value came from)."""
    for name, spec in argument_spec.items():
        fallback = spec.get("fallback") or ()
        if fallback and fallback[0] is env_fallback and ("value of %s must be one of" % name) in msg and name not in set_by_task:
            given = [var for var in fallback[1] if var in os.environ]
            if given:
                return (" (without the option %s, the value is the environment variable %s of the host that runs the module)"
                        % (name, given[0]))
    return ""


# Why an event may be missing in check mode: the task that would create it has not (``marketing_event``
# returns ``event_id`` null for it). Said after "event_id" is required but null, after HubSpot's 404 and
# after a module's own "event ... not found".
CHECK_MODE_NEW_EVENT = "In check mode, an event that an earlier task would create does not exist yet and has no event_id."


def check_mode_hint(check_mode, msg, error=None):
    """The ``CHECK_MODE_NEW_EVENT`` sentence to append to ``msg`` when it is about a missing event in check mode, else ""."""
    if not check_mode:
        return ""
    # ansible-core says "one of the following is required: event_id, ..." or "... all of the following are missing: event_id, ...".
    missing_id = "event_id" in msg.replace("external_event_id", "") and ("required" in msg or "missing" in msg)
    not_found = (isinstance(error, dict) and error.get("not_found")) or re.match(r"event .* not found\b", msg)
    if not (missing_id or not_found):
        return ""
    return (" " if msg.rstrip().endswith(".") else ". ") + CHECK_MODE_NEW_EVENT


def option_keys(argument_spec, wanted):
    """``{key: option name}`` for the options (top level) whose spec ``wanted(spec)`` picks, under their names
    and their aliases."""
    return dict((key, name) for name, spec in argument_spec.items() if wanted(spec)
                for key in [name] + list(spec.get("aliases") or ()))


def text_option_keys(argument_spec):
    """``{key: option name}`` for the ``str`` options (top level), under their names and their aliases."""
    return option_keys(argument_spec, lambda spec: spec.get("type", "str") == "str")


def defaulted_option_keys(argument_spec):
    """``{key: option name}`` for the options (top level) with a default or an environment fallback."""
    return option_keys(argument_spec, lambda spec: spec.get("default") is not None or "fallback" in spec)


def text_option_errors(argument_spec, given):
    """Validation errors for the ``str`` options (top level) that the task gave a list or a dict.

    ``given`` holds the options as the task sent them. ansible-core turns such a value into its text
    (``['ev-1']``, ``{'org': 'x'}``) before a module sees it, which would then be sent to HubSpot as an
    id, a name or a token. Numbers and booleans stay accepted as their text: ids are often written
    unquoted, and ansible-core before 2.19 makes a template that renders ``True`` a boolean.
    """
    keys = text_option_keys(argument_spec)
    return [{"path": key, "message": "must be a string, got %s" % type_name(value)}
            for key, value in given.items() if key in keys and isinstance(value, (list, dict))]


def checked(*error_lists):
    """A ``prepare`` step from functions that list validation errors (``[{"path", "message"}]``).

    Every problem of every function is reported, sorted by field path.
    """
    def prepare(params):
        errors = [error for errors_of in error_lists for error in errors_of(params)]
        if errors:
            raise HubSpotValidationError(sort_errors(errors))
        return None
    return prepare


def read_result(client, **values):
    """The result of a read-only module: ``values``, ``changed`` false and the requests made (``api_calls.reads``)."""
    return dict(values, changed=False, api_calls={"reads": client.request_count})


def run_module(run, argument_spec, prepare, needs_jsonschema=False, **rules):
    """``main()`` of every module: the module with its argspec and rules, ``prepare``, then ``run`` with the one client."""
    module = HubSpotModule(argument_spec, needs_jsonschema=needs_jsonschema, **rules)
    module.execute(run, prepare)


# The option rules a module may give, each with ansible-core's check of it, in the order ansible-core checks them
# (``mutually_exclusive`` before the defaults apply, the others after).
RULE_CHECKS = collections.OrderedDict((
    ("mutually_exclusive", check_mutually_exclusive),
    ("required_together", check_required_together),
    ("required_one_of", check_required_one_of),
    ("required_if", check_required_if),
    ("required_by", check_required_by),
))


def rule_option_names(rule, terms):
    """The option names the terms of a ``rule`` (a key of ``RULE_CHECKS``) mention."""
    if rule == "required_by":
        return frozenset((terms or {}).keys()).union(*[[r] if isinstance(r, str) else r for r in (terms or {}).values()])
    if rule == "required_if":  # (key, value, requirements[, any])
        return frozenset(name for term in terms or () for name in [term[0]] + list(term[2]))
    return frozenset(name for term in terms or () for name in term)


class HubSpotModule(AnsibleModule):
    """``AnsibleModule`` for HubSpot: check mode is supported by every module of the collection."""

    def __init__(self, argument_spec, needs_jsonschema=False, **kwargs):
        kwargs.setdefault("supports_check_mode", True)
        # checked by ``_check_rules_without_nulls`` instead: ansible-core counts an option given as null
        self._rules = dict((rule, kwargs.pop(rule, None)) for rule in RULE_CHECKS)
        super(HubSpotModule, self).__init__(argument_spec=argument_spec, **kwargs)
        self._check_rules_without_nulls()
        if not HAS_REQUESTS:
            self.fail_json(msg=LIBRARY_PROBLEM or missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        if needs_jsonschema and not HAS_JSONSCHEMA:
            self.fail_json(msg=missing_required_lib("jsonschema"), exception=JSONSCHEMA_IMPORT_ERROR)

    def _load_params(self):
        """The task's options, with the ``str`` ones kept aside as sent (``text_option_errors``): ansible-core's
        validation, which runs next, turns a list or dict given to such an option into text. Only those: the
        others (100,000 contacts) would be kept in memory twice."""
        super(HubSpotModule, self)._load_params()
        keys = text_option_keys(self.argument_spec)
        self._given_params = dict((key, value) for key, value in self.params.items() if key in keys)
        # An option given as null counts as not given, so its environment fallback or default applies (as in
        # the lookup); ansible-core would refuse null for an option with a default, in words of its version.
        defaulted = defaulted_option_keys(self.argument_spec)
        for key in [key for key, value in self.params.items() if value is None and key in defaulted]:
            del self.params[key]
        # the options the task gave a value (not their defaults), for the rules checked before defaults apply,
        # and those it gave as null (which the rules' messages then explain; ``given_as_null``)
        names = option_keys(self.argument_spec, lambda spec: True)
        self._set_by_task = frozenset(names[key] for key, value in self.params.items() if key in names and value is not None)
        self._nulls_given = frozenset(names[key] for key, value in self.params.items() if key in names and value is None)

    def given_as_null(self, names):
        """The options among ``names`` (options without a default) that the task gave, as null."""
        return [name for name in names if name in self._nulls_given]

    def _check_rules_without_nulls(self):
        """The option rules (``RULE_CHECKS``, in ansible-core's order), left to this check only, with an option
        set to null counted as not given: ansible-core counts it as given, so ``event_id: "{{ unset_var |
        default(none) }}"`` would pass "one of" rules and name no event, and ``external_event_id: null`` beside an
        ``event_id`` would break "not both" ones."""
        given = dict((name, value) for name, value in self.params.items() if value is not None)
        for rule, check in RULE_CHECKS.items():
            try:
                # "not both" counts the options the task set, as ansible-core does, not their defaults
                check(self._rules[rule], dict.fromkeys(self._set_by_task, True) if rule == "mutually_exclusive" else given)
            except TypeError as exc:
                # the hint only when the task gave one of this kind of rule's options as null
                nulls = self._nulls_given & rule_option_names(rule, self._rules[rule])
                self.fail_json(msg="%s%s" % (exc, " (an option set to null counts as not given)" if nulls else ""))

    def execute(self, run, prepare):
        """Validate with ``prepare``, run ``run`` with the run's one client, and exit."""
        try:
            # text options given as a list or a dict, alone: ``prepare`` would only see their text
            errors = text_option_errors(self.argument_spec, self._given_params)
            if errors:
                raise HubSpotValidationError(sort_errors(errors))
            prepared = prepare(self.params)
        except HubSpotValidationError as exc:
            self.fail_json(msg=str(exc), **exc.to_fail_kwargs())
        try:
            with client_from_params(self.params) as client:
                unverified = client.unverified()
                if unverified:
                    self.warn("validate_certs is false: %s." % unverified)
                try:
                    result = run(self, client, prepared)
                finally:
                    self.warn_retries(client)
        except HubSpotError as exc:
            self.fail_json(msg=str(exc), **exc.to_fail_kwargs())
        if result.pop("failed", False):
            self.fail_json(**result)
        self.exit_json(**result)

    def _invocation(self):
        """``invocation`` with long lists counted (``echoed_params``) and the secrets already masked.

        A no_log option the task gave as a list or a dict shows as a placeholder: ansible-core masks a secret
        only where it is the whole value, not inside the text of the dict it came in."""
        params = echoed_params(self.params)
        names = text_option_keys(self.argument_spec)
        for error in text_option_errors(self.argument_spec, getattr(self, "_given_params", {})):
            if self.argument_spec[names[error["path"]]].get("no_log"):
                params[names[error["path"]]] = TOKEN_PLACEHOLDER
        return {"module_args": remove_values(params, self.no_log_values)}

    def exit_json(self, **kwargs):
        kwargs.setdefault("invocation", self._invocation())
        super(HubSpotModule, self).exit_json(**kwargs)

    def fail_json(self, msg, **kwargs):
        hints = environment_hint(self.argument_spec, msg, getattr(self, "_set_by_task", ()))
        msg += hints + check_mode_hint(getattr(self, "check_mode", False), msg, kwargs.get("error"))
        if getattr(self, "params", None) is not None:
            kwargs.setdefault("invocation", self._invocation())
        super(HubSpotModule, self).fail_json(msg=msg, **kwargs)

    def warn_retries(self, client):
        """Tell the user when requests were retried (rate limits, transient errors)."""
        summary = client.retry_summary()
        if summary:
            self.warn(summary)
