# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the hubspot.marketing collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""JSON Schema validation that reports every problem as ``field.path: reason``.

Schemas are Python dicts (AnsiballZ ships only .py module_utils). Validators are
compiled once per schema and reused. Draft 2020-12 with format checking on; a schema
may carry ``x-error`` with the sentence to print when that (sub)schema fails, which
keeps messages readable for ``oneOf`` and ``not``, and ``x-error-when``: ``[pattern, sentence]``
pairs whose sentence is printed instead for a string the pattern matches (a common near miss).

Only non-secret option values are ever validated here, and quoted values are cut
short, so a message never carries a secret or a megabyte of input.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import re
import traceback

JSONSCHEMA_IMPORT_ERROR = None
try:
    from jsonschema import Draft202012Validator, FormatChecker
    HAS_JSONSCHEMA = True
except ImportError:
    HAS_JSONSCHEMA = False
    JSONSCHEMA_IMPORT_ERROR = traceback.format_exc()

from ansible_collections.hubspot.marketing.plugins.module_utils._errors import type_name
from ansible_collections.hubspot.marketing.plugins.module_utils._schemas import CONTACT_ID_MAX, CONTACT_ID_PATTERN, MAX_EMAIL_LENGTH

_VALUE_EXCERPT = 40
_VALIDATORS = {}

# The one definition of a contact identifier for every plugin and filter of the collection.
#
# An email address is an RFC 5322 dot-atom local part, ``@``, and a domain of two or more
# labels: what a person types as an address, nothing that needs quoting. So no control
# characters (NUL included), no whitespace, no ``<>``, quotes, commas, brackets or ``@`` in the
# local part, no empty, leading or trailing dot anywhere, no label that starts or ends with a
# hyphen, and a top-level label that is not all digits. Letters outside ASCII are accepted
# (internationalised addresses).
_ATEXT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-")
_LOCAL_MAX = 64
_LABEL_MAX = 63
_CONTACT_ID_RE = re.compile(CONTACT_ID_PATTERN)


def _intl_letter(ch):
    return ord(ch) > 127 and ch.isalnum()


# The common address (ASCII dot-atom local part, ASCII domain labels, a top-level label that is not
# all digits) in one regular expression: every address it matches passes every check of
# email_error, which it only spares the character loops (100,000 contacts per task).
_PLAIN_EMAIL = re.compile(
    r"(?=[^@]{1,%d}@)[A-Za-z0-9!#$%%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,%d}[A-Za-z0-9])?\.)+(?![0-9]+$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,%d}[A-Za-z0-9])?"
    % (_LOCAL_MAX, _LABEL_MAX - 2, _LABEL_MAX - 2))


def email_error(value):
    """Why ``value`` is not an email address HubSpot can take, or None."""
    if isinstance(value, str) and len(value) <= MAX_EMAIL_LENGTH and _PLAIN_EMAIL.fullmatch(value):
        return None
    if not isinstance(value, str):
        return "must be a string, got %s" % type_name(value)
    if not value:
        return "must not be empty"
    if len(value) > MAX_EMAIL_LENGTH:
        return "must be at most %d characters long" % MAX_EMAIL_LENGTH
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        return "must not contain whitespace or control characters"
    if value.count("@") != 1:
        return "must contain exactly one @"
    local, domain = value.split("@")
    return _local_part_error(local) or _domain_error(domain)


def _local_part_error(local):
    """Why the part before the @ is not a dot-atom, or None."""
    if not local or len(local) > _LOCAL_MAX:
        return "must have 1 to %d characters before the @" % _LOCAL_MAX
    if any(not part for part in local.split(".")):
        return "must not start or end with a dot, or have two dots in a row, before the @"
    bad = sorted(set(ch for ch in local if ch != "." and ch not in _ATEXT and not _intl_letter(ch)))
    if bad:
        return "must not contain %s before the @" % " ".join(bad)
    return None


def _domain_error(domain):
    """Why the part after the @ is not a domain of two or more labels, or None."""
    labels = domain.split(".")
    if len(labels) < 2:
        return "must have a domain with a dot after the @"
    for label in labels:
        reason = _label_error(label)
        if reason:
            return reason
    if labels[-1].isdigit():
        return "must not end with a numeric top-level domain"
    return None


def _label_error(label):
    if not label:
        return "must not have an empty part (two dots in a row, or a dot at either end) in the domain"
    if len(label) > _LABEL_MAX:
        return "must not have a domain part longer than %d characters" % _LABEL_MAX
    if any(not (ch.isascii() and ch.isalnum() or ch == "-" or _intl_letter(ch)) for ch in label):
        return "must have only letters, digits and hyphens in the domain"
    if label.startswith("-") or label.endswith("-"):
        return "must not have a domain part that starts or ends with a hyphen"
    return None


def is_hubspot_id(text):
    """Whether ``text`` is a HubSpot object id (a contact's, an event's): 1 to 2**63-1 in ASCII digits without
    leading zeros, and nothing else (``fullmatch``: ``$`` alone would let a final newline through)."""
    return bool(_CONTACT_ID_RE.fullmatch(text)) and int(text) <= CONTACT_ID_MAX


def _leading_zeros(text):
    """``", without leading zeros"`` when ``text`` is digits that start with a 0 (and are not all zeros), else ``""``."""
    return ", without leading zeros" if text.isdigit() and text.startswith("0") and text.strip("0") else ""


def contact_id_error(value):
    """Why ``value`` is not a HubSpot contact id (an int or a digit string, 1 to 2**63-1), or None."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return "must be a positive integer or a string of digits, got %s" % type_name(value)
    if not is_hubspot_id(str(value)):
        return "must be a HubSpot contact id: a positive integer up to %d%s" % (CONTACT_ID_MAX, _leading_zeros(str(value).strip()))
    return None


def contact_identifier_error(value):
    """Why ``value`` is neither an email address nor a contact id, or None. Surrounding spaces are ignored."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return "must be an email address or a HubSpot contact id, got %s" % type_name(value)
    text = str(value).strip()
    if not text:
        return "must not be empty"
    if text.isdigit() or isinstance(value, int):
        reason = contact_id_error(text)
        return reason and "must be an email address or a HubSpot contact id (a positive integer up to %d%s)" % (
            CONTACT_ID_MAX, _leading_zeros(text))
    if "@" not in text:
        return "must be an email address or a HubSpot contact id (a positive integer)"
    reason = email_error(text)
    return reason and "is not a valid email address: %s" % reason


def property_text(value):
    """A property value (contact or custom event property) as HubSpot stores it: text, booleans lowercase."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def property_value_problem(value):
    """Why ``value`` cannot be a property value, or None: a string, an integer, a boolean or a finite
    number. (JSON Schema's ``number`` takes NaN and infinities, which would be sent as ``nan``/``inf``.)"""
    if value is None or isinstance(value, (dict, list, tuple)):
        return "must be a string, number or boolean"
    if isinstance(value, float) and not math.isfinite(value):
        return "must be a finite number, not %s" % value
    return None


def _format_checker():
    checker = FormatChecker()

    @checker.checks("email")
    def _is_email(value):  # pylint: disable=unused-variable
        return not isinstance(value, str) or email_error(value) is None

    @checker.checks("hubspot-contact-id")
    def _is_contact_id(value):  # pylint: disable=unused-variable
        return not isinstance(value, str) or contact_id_error(value) is None

    return checker


def _validator(schema):
    validator = _VALIDATORS.get(id(schema))
    if validator is None:
        Draft202012Validator.check_schema(schema)
        validator = Draft202012Validator(schema, format_checker=_format_checker())
        _VALIDATORS[id(schema)] = (validator, schema)  # keep the schema alive so its id stays unique
        return validator
    return validator[0]


def format_checker_of(schema):
    """The ``FormatChecker`` the validator of ``schema`` uses (shared with ``_schema_check``)."""
    return _validator(schema).format_checker


def render_path(parts, root=""):
    """``["contacts", 3, "email"]`` -> ``contacts[3].email`` (after ``root`` if given)."""
    out = root
    for part in parts:
        if isinstance(part, int):
            out += "[%d]" % part
        else:
            out += ("." if out else "") + str(part)
    return out


def excerpt(value):
    text = repr(value)
    if len(text) > _VALUE_EXCERPT:
        text = text[:_VALUE_EXCERPT] + "...'"
    return text


def _type_message(expected, instance):
    types = expected if isinstance(expected, list) else [expected]
    return "must be of type %s, got %s" % (" or ".join(types), type(instance).__name__)


def _bound(words):
    return lambda expected, instance: "must be %s %s, got %s" % (words, expected, excerpt(instance))


# JSON Schema keyword -> message(expected value, instance), in the field's words rather than the schema's.
_MESSAGES = {
    "type": _type_message,
    "enum": lambda expected, instance: "must be one of %s, got %s" % (", ".join(str(v) for v in expected), excerpt(instance)),
    "const": lambda expected, instance: "must be %r" % (expected,),
    "format": lambda expected, instance: "%s is not a valid %s" % (excerpt(instance), expected),
    "pattern": lambda expected, instance: "%s does not match the expected format" % excerpt(instance),
    "minimum": _bound("at least"),
    "maximum": _bound("at most"),
    "exclusiveMinimum": _bound("more than"),
    "exclusiveMaximum": _bound("less than"),
    "minLength": lambda expected, instance: "must not be empty" if expected == 1 else "must be at least %d characters long" % expected,
    "maxLength": lambda expected, instance: "must be at most %d characters long, got %d" % (expected, len(instance)),
    "minItems": lambda expected, instance: "must not be empty" if expected == 1 else "must have at least %d items" % expected,
    "maxItems": lambda expected, instance: "must have at most %d items, got %d" % (expected, len(instance)),
    "minProperties": lambda expected, instance: "must not be empty",
    "maxProperties": lambda expected, instance: "must have at most %d keys" % expected,
}


def _message(error):
    schema = error.schema if isinstance(error.schema, dict) else {}
    if isinstance(error.instance, str):
        for pattern, sentence in schema.get("x-error-when") or ():
            if re.match(pattern, error.instance):
                return sentence
    custom = schema.get("x-error")
    if custom:
        return custom
    message = _MESSAGES.get(error.validator)
    if message is None:
        return error.message
    return message(error.validator_value, error.instance)


def _entries(error, root):
    path = list(error.absolute_path)
    if error.validator == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        return [{"path": render_path(path + [k], root), "message": "is required"} for k in missing]
    if error.validator in ("additionalProperties", "unevaluatedProperties"):
        allowed = sorted((error.schema.get("properties") or {}).keys())
        extra = sorted(k for k in error.instance if k not in allowed) if isinstance(error.instance, dict) else []
        hint = " (allowed: %s)" % ", ".join(allowed) if allowed else ""
        return [{"path": render_path(path + [k], root), "message": "is not allowed here%s" % hint} for k in extra] or [
            {"path": render_path(path, root), "message": error.message}]
    return [{"path": render_path(path, root), "message": _message(error)}]


def _sort_key(entry):
    # contacts[10] after contacts[9]: compare numbers as numbers.
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[\[\].]+", entry["path"]) if p], entry["message"]


_FOLLOW_FROM_TYPE = frozenset(("oneOf", "anyOf", "enum", "const"))


def schema_errors(instance, schema, root=""):
    """Every violation of ``schema`` by ``instance``, sorted by field path, duplicates removed."""
    seen = set()
    entries = []
    errors = list(_validator(schema).iter_errors(instance))
    # Of a value of the wrong type, the combinators and value lists say nothing the type error does not
    # (a string given as a contact also "needs exactly one of id or email", as keywords like required pass
    # on a non-object); other keywords may say something independent of the type and stay.
    wrong_type = set(tuple(error.absolute_path) for error in errors if error.validator == "type")
    for error in errors:
        if error.validator in _FOLLOW_FROM_TYPE and tuple(error.absolute_path) in wrong_type:
            continue
        for entry in _entries(error, root):
            key = (entry["path"], entry["message"])
            if key not in seen:
                seen.add(key)
                entries.append(entry)
    return sort_errors(entries)


def sort_errors(entries):
    return sorted(entries, key=_sort_key)
