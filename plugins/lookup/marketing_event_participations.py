# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: marketing_event_participations
short_description: Read HubSpot marketing event participations in a template
version_added: 0.1.0
description:
  - Returns HubSpot marketing event participations (registrations, attendance, cancellations, no-shows)
    as a flat list of dicts, the same dicts M(hubspot.marketing.marketing_event_participation_info) returns.
  - Each term is a contact (an email address or a HubSpot contact id). Without an event, a term gives
    every participation of that contact across all marketing events; with an event
    (O(event_id), or O(external_event_id) with O(external_account_id)) only the contact's participation in that event.
  - With an event and no terms, returns the whole breakdown of the event.
  - The results of all terms are concatenated in term order. An unknown contact adds nothing (without an event, also
    when HubSpot answered 404, with a warning, since a wrong O(base_url) path gets a 404 too).
  - Runs on the controller, so the environment variables are read there. C(module_defaults) does not apply to lookups;
    set the variables C(hubspot_access_token) and C(hubspot_base_url) (templates in them are resolved, as in the examples),
    the environment variables, or pass the options directly.
  - Use it with C(query()) (or C(wantlist=true)) so the result is always a list.
extends_documentation_fragment:
  - hubspot.marketing.auth
  - hubspot.marketing.event
  - hubspot.marketing.auth.plugins
options:
  access_token:
    description:
      - A HubSpot service key, private-app access token or OAuth access token with the scope C(crm.objects.marketing_events.read).
      - B(Required.) Read, in this order, from the option, the variable C(hubspot_access_token) (templated, so it may be
        set to C("{{ vault_token }}")) or the environment variable E(HUBSPOT_ACCESS_TOKEN) on the controller.
        Defaults set for modules do not reach lookups. A missing token fails the lookup with a message naming these ways, before any request.
      - The token alone, without C(Bearer ) in front and without a trailing newline; such a token is refused with a
        message that says which.
      - Never logged, returned or shown in an error.
      - Must be a string. The lookup takes the option as it comes and checks it itself, so that a dict or a list
        given by mistake is refused without its content being printed.
    type: raw
  _terms:
    description:
      - Contact email addresses or HubSpot contact ids (positive integers). May be empty when an event is given.
      - A list given as one term is flattened.
    type: list
    elements: str
    required: false
  state:
    description:
      - Only return participations in this state.
    type: str
    choices: [registered, attended, cancelled, no_show]
  limit:
    description:
      - At most this many participations per term (or for the whole event when there are no terms).
      - By default everything is read.
    type: int
  page_size:
    description:
      - How many participations to ask for per request, from V(1) to V(100).
    type: int
    default: 100
notes:
  - Errors name the term (its position and value) and HubSpot's status, category and correlation id.
  - A keyword that is not one of the options above fails the lookup before any request (ansible-core would ignore
    it); contacts are terms, not a C(contact) keyword.
  - The access token is never part of an error or of the verbose output; C(-vvv) shows only page counts.
seealso:
  - module: hubspot.marketing.marketing_event_participation_info
    description: The same read as a module, with the event's counters.
  - module: hubspot.marketing.marketing_event_attendance
    description: Record registrations, attendance and cancellations.
'''

EXAMPLES = r'''
- name: Every participation of two contacts, across all events
  ansible.builtin.debug:
    msg: "{{ query('hubspot.marketing.marketing_event_participations', 'jane@example.com', '51') }}"
  vars:
    hubspot_access_token: "{{ vault_hubspot_access_token }}"

- name: Emails of everybody who attended an event
  ansible.builtin.set_fact:
    attendees: >-
      {{ query('hubspot.marketing.marketing_event_participations', event_id='123456789', state='attended')
         | map(attribute='email') | list }}
  vars:
    hubspot_access_token: "{{ vault_hubspot_access_token }}"

- name: Did these contacts register for the event given by external ids?
  ansible.builtin.debug:
    msg: "{{ item.email }}: {{ item.state }}"
  loop: >-
    {{ query('hubspot.marketing.marketing_event_participations', contacts,
             external_account_id='my-webinar-app', external_event_id='webinar-2024-06') }}
  vars:
    contacts: [jane@example.com, john@example.com]
    hubspot_access_token: "{{ vault_hubspot_access_token }}"
'''

RETURN = r'''
_raw:
  description:
    - The participations of every term, in term order (for each term, in the order the API returned them).
    - A whole event (no terms, no O(state) or O(limit), O(page_size) V(100)) of more than 500 participations, where
      no state holds about three quarters of its first page, is read one cursor per state, in parallel, since each
      page names the next; its participations then come state by state (V(attended), V(cancelled), V(no_show),
      V(registered)), in the API's order within each. Sort them when the order matters.
    - Each dict has the keys C(id), C(created_at), C(event_id), C(event_name), C(external_account_id), C(external_event_id),
      C(contact_id), C(email), C(firstname), C(lastname), C(state) (V(registered), V(attended), V(cancelled), V(no_show)),
      C(occurred_at) (epoch milliseconds), C(attendance_duration_seconds) and C(attendance_percentage);
      what HubSpot did not send is V(null).
  type: list
  elements: dict
'''


import math
import os

from ansible import constants as C
from ansible.errors import AnsibleError, AnsibleLookupError
from ansible.module_utils.parsing.convert_bool import boolean

try:
    from ansible.errors import AnsibleValueOmittedError  # ansible-core >= 2.19: a template that resolved to omit
except ImportError:
    class AnsibleValueOmittedError(Exception):
        """Never raised by ansible-core < 2.19, which renders omit as a placeholder string."""
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.hubspot.marketing.plugins.module_utils._options import (
    auth_errors,
    client_from_params,
    contact_error,
    event_errors,
    event_rule_errors,
    read_size_errors,
)
from ansible_collections.hubspot.marketing.plugins.module_utils._client import HAS_REQUESTS, LIBRARY_PROBLEM, SHORTEST_SCRUBBED, scrub
from ansible_collections.hubspot.marketing.plugins.module_utils._errors import HubSpotError, type_name
from ansible_collections.hubspot.marketing.plugins.module_utils._participations import EventRef, read_breakdown

display = Display()

OPTIONS = ("access_token", "base_url", "validate_certs", "timeout", "max_retries", "use_proxy", "proxy", "ca_path", "api_version",
           "event_id", "external_event_id", "external_account_id", "state", "limit", "page_size")


# Keywords of lookup() itself: ansible-core removes some before calling the plugin, and which depends on its version.
CORE_KEYWORDS = frozenset(("wantlist", "errors", "allow_unsafe"))


def _flatten(terms):
    flat = []
    for term in terms or []:
        if isinstance(term, (list, tuple)):
            flat.extend(term)
        else:
            flat.append(term)
    return flat


def option_errors(params):
    """Problems with the options, as ``option: reason`` lines; never quotes the token."""
    errors = auth_errors(params) + event_rule_errors(params) + event_errors(params) + read_size_errors(params)
    return ["%s: %s" % (e["path"], e["message"]) for e in errors]


def _is_omit(value, variables):
    """Whether ``value`` is ``omit``: from ansible-core 2.19 an object of a type it does not make public (so
    known by its name), before that the placeholder text that is the task's variable ``omit``."""
    if value.__class__.__name__ == "_OmitType":
        return True
    omit = (variables or {}).get("omit")
    return isinstance(value, str) and isinstance(omit, str) and value == omit


NUMBER_TYPES = ("int", "integer", "float")


def _secrets(direct, var_options):
    """The token texts this run may have been given (the option, its variable, its environment variable),
    the longest first; none shorter than ``SHORTEST_SCRUBBED`` (masking every ``x`` would make messages unreadable)."""
    given = [direct.get("access_token"), (var_options or {}).get("hubspot_access_token"), os.environ.get("HUBSPOT_ACCESS_TOKEN")]
    found = set()
    for value in given:
        if isinstance(value, str):
            found.update(text for text in (value, value.strip()) if len(text) >= SHORTEST_SCRUBBED)
    return tuple(sorted(found, key=len, reverse=True))


def _as_number(kind, value):
    """``value`` as the number an option of type ``kind`` (int or float) takes, as ansible-core takes it (text of
    a number, a whole float such as ``10 / 2`` for an int), or None when it is none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            return int(value.strip())  # exact, however long
        except ValueError:
            try:
                value = float(value.strip())
            except ValueError:
                return None
    if isinstance(value, int):
        return value
    if not (isinstance(value, float) and math.isfinite(value)):
        return None
    return value if kind == "float" else int(value) if value.is_integer() else None


def _raw_option_problem(definition, value):
    """What is wrong with ``value`` for an option of ``definition`` (its documented type and choices), or None."""
    kind, choices = definition.get("type") or "str", definition.get("choices")
    if kind in ("bool", "boolean"):
        try:
            boolean(value, strict=True)
        except TypeError:
            return "must be a boolean (true or false)"
    elif kind in NUMBER_TYPES:
        if _as_number(kind, value) is None:
            return "must be a number" if kind == "float" else "must be an integer"
    elif kind in ("str", "string", "path") and isinstance(value, (list, dict)):
        return "must be a string"
    if choices and value not in choices:
        return "must be one of %s" % ", ".join(str(c) for c in choices)
    return None


def _without_omitted(direct, variables):
    """The options given directly, without those given as ``omit`` (``state=s | default(omit)``): not given,
    as a module's option given ``omit`` is."""
    return dict((name, value) for name, value in direct.items() if not _is_omit(value, variables))


def _contact(index, term):
    """The contact identifier of term ``index`` (1-based): an email address or a contact id."""
    if isinstance(term, bool) or not isinstance(term, (str, int)):
        raise AnsibleLookupError("term %d: must be an email address or a contact id, got %s" % (index, type_name(term)))
    contact = str(term).strip()
    reason = contact_error(contact)
    if reason:
        raise AnsibleLookupError("term %d (%r): %s" % (index, (contact or str(term))[:100], reason))
    return contact


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        """``_run``, with the access token masked in its errors and warnings (a module's output gets that from
        ansible-core, a lookup's does not): a token typed into another option or a term would be quoted by the message that
        refuses it, or be part of a request's path."""
        self._secrets = ()
        try:
            return self._run(terms, variables, kwargs)
        except AnsibleError as exc:
            text = str(exc)
            masked = self._masked(text)
            if masked == text:
                raise
            raise AnsibleLookupError(masked) from None  # not chained: the cause's message holds the token too

    def _masked(self, text):
        """``text`` with the token redacted in every form the client's ``scrub`` knows (percent-encoded in a path...)."""
        return scrub(text, self._secrets)

    def _warn(self, text):
        display.warning(self._masked("hubspot.marketing.marketing_event_participations: %s" % text))

    def _run(self, terms, variables, kwargs):
        kwargs = _without_omitted(kwargs, variables)
        self._refuse_unknown(kwargs)
        var_options = self._templated_var_options(variables, kwargs)
        self._secrets = _secrets(kwargs, var_options)
        self._check_raw_options(kwargs, var_options)
        self.set_options(var_options=var_options, direct=kwargs)

        if not HAS_REQUESTS:
            raise AnsibleLookupError(LIBRARY_PROBLEM or "the Python library 'requests' is required on the controller for this lookup")
        params = dict((name, self.get_option(name)) for name in OPTIONS)
        errors = option_errors(params)
        if errors:
            raise AnsibleLookupError("invalid options: %s" % "; ".join(errors))

        event = EventRef.from_params(params)
        # a term given as omit (item.email | default(omit)) is no term, as an option given as omit is no option
        given = _flatten(terms)
        contacts = [_contact(index, term) for index, term in enumerate(given, 1) if not _is_omit(term, variables)]
        if given and not contacts:
            # not the whole event: the terms asked for contacts, and none is left
            self._warn("every term was omit, so no contact was read")
            return []
        if not contacts and event is None:
            raise AnsibleLookupError("give contacts (emails or contact ids) as terms, or an event: event_id, "
                                     "or external_event_id with external_account_id")
        participations = []
        with client_from_params(params) as client:
            unverified = client.unverified()
            if unverified:
                self._warn("validate_certs is false, %s" % unverified)
            if not contacts:
                participations.extend(self._read(client, event, None, params, "%s" % event.describe()))
            for index, contact in enumerate(contacts, 1):
                participations.extend(self._read(client, event, contact, params, "term %d (%r)" % (index, contact)))
            summary = client.retry_summary()
            if summary:
                self._warn(summary)
        return participations

    def _refuse_unknown(self, direct):
        """A keyword that is no option of this lookup fails (ansible-core would ignore it without a word)."""
        known = set(C.config.get_configuration_definitions(self.plugin_type, self._load_name) or OPTIONS) | CORE_KEYWORDS
        unknown = sorted(set(direct) - known)
        if unknown:
            hint = ""
            if set(unknown) & set(("contact", "contacts", "contact_id", "email")):
                hint = " (the contacts are the lookup's terms: lookup('hubspot.marketing.marketing_event_participations', " \
                       "'ada@example.com', ...))"
            raise AnsibleLookupError("unknown option%s %s%s; the options are %s" % (
                "s" if len(unknown) > 1 else "", ", ".join(unknown), hint, ", ".join(OPTIONS)))

    def _check_raw_options(self, direct, var_options):
        """The value that wins for each option (given directly, else its variable, else its environment
        variable), checked as the modules' argspec checks it, naming where it came from: ansible-core's own
        checks of plugin options read any non-boolean value as false (``validate_certs='ture'`` would turn
        certificate checks off), and their messages (a bad choice, a list for a text option) name neither."""
        definitions = C.config.get_configuration_definitions(self.plugin_type, self._load_name) or {}
        for option, definition in sorted(definitions.items()):
            sources = [(option, direct[option])] if option in direct else []
            sources += [(entry["name"], (var_options or {})[entry["name"]]) for entry in definition.get("vars") or []
                        if entry["name"] in (var_options or {})]
            sources += [(entry["name"], os.environ[entry["name"]]) for entry in definition.get("env") or []
                        if entry["name"] in os.environ]
            if not sources or sources[0][1] is None:
                continue  # not given, or null: the default applies, as for the modules
            where, value = sources[0]
            problem = _raw_option_problem(definition, value)
            if problem:
                text = self._masked(value)[:20] if isinstance(value, str) else None  # masked before it is cut
                shown = "%s%s" % (repr(text) if text is not None else type_name(value), "" if where == option else " from %s" % where)
                raise AnsibleLookupError("%s: %s, got %s" % (option, problem, shown))
            if definition.get("type") in NUMBER_TYPES and where in (option,) + tuple(var_options or ()):
                # the number itself, so that every ansible-core takes it (2.16 refuses the text "50.0" for an int)
                (direct if where == option else var_options)[where] = _as_number(definition["type"], value)

    def _templated_var_options(self, variables, direct):
        """``variables`` with the ones that feed an option (``hubspot_access_token``, ...) templated.

        Ansible hands a lookup the task's variables untemplated: ``hubspot_access_token: "{{ vault_token }}"``
        would arrive as that literal text. Only the variables named in the ``vars:`` entries of options not
        given directly are templated, each once, with the task's templar; one that templates to ``omit``
        counts as not set.
        """
        if not variables:
            return variables
        definitions = C.config.get_configuration_definitions(self.plugin_type, self._load_name) or {}
        templated = dict(variables)
        for option, definition in definitions.items():
            for entry in definition.get("vars") or []:
                name = entry["name"]
                if name not in variables:
                    continue
                if option in direct:
                    del templated[name]  # the direct option wins; its variable is not needed
                    continue
                try:
                    value = self._templar.template(variables[name])
                except AnsibleValueOmittedError:
                    del templated[name]
                    continue
                if _is_omit(value, variables):
                    del templated[name]  # ansible-core < 2.19 renders omit as a placeholder string
                    continue
                templated[name] = value
        return templated

    def _read(self, client, event, contact, params, what):
        try:
            # An unknown contact (without an event) reads as nothing.
            items, total, pages = read_breakdown(client, event=event, contact=contact, state=params["state"],
                                                 limit=params["limit"], page_size=params["page_size"],
                                                 warn=lambda text: self._warn("%s: %s" % (what, text)))
        except HubSpotError as exc:
            raise AnsibleLookupError("%s: %s" % (what, exc)) from exc
        display.vvv(self._masked("hubspot.marketing.marketing_event_participations: %s: %d of %d participations in %d page(s)"
                                 % (what, len(items), total, pages)))
        return items
