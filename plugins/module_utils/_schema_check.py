# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the hubspot.marketing collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""A fast yes/no check of an instance against one of the collection's JSON Schemas.

``jsonschema`` is the judge and the only source of error messages, but it walks a large input
slowly: about 100 microseconds per contact, 10 s or more for the documented maximum of 100,000
contacts. Almost every input is valid, so ``accepts(schema, instance)`` answers first whether the
instance is valid at all, with the schema compiled once into plain Python closures; only when it is
not does the caller run ``jsonschema`` to say why (``_validation.schema_errors``).

The schema stays the single source of the rules: this file holds no rule of its own, it only reads
the keywords of the dicts in ``_schemas``. It knows the draft 2020-12 keywords those schemas use
(with jsonschema's own meaning of each, formats through the same ``FormatChecker``); a schema with
any other keyword is not compiled, and ``accepts`` then says "don't know" (None), so the caller runs
``jsonschema``. ``tests/unit/plugins/module_utils/test_schema_check.py`` holds the two to the same
verdict on valid and invalid inputs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import numbers
import re

# Keywords that only annotate: no effect on validity.
_ANNOTATIONS = frozenset(("$schema", "$id", "$comment", "title", "description", "default", "examples", "x-error",
                          "x-error-when"))

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, numbers.Number) and not isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
}


def _always(dummy_value):
    return True


def _never(dummy_value):
    return False


class Unsupported(Exception):
    """The schema uses a keyword this checker does not know."""


def _is_number(value):
    kind = type(value)
    if kind is int or kind is float:
        return True
    return kind is not bool and isinstance(value, numbers.Number)


def _all(checks):
    checks = tuple(c for c in checks if c is not _always)
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    # Two or three checks (the common cases) without a loop: each runs once per contact.
    if len(checks) == 2:
        first, second = checks
        return lambda value: first(value) and second(value)
    if len(checks) == 3:
        first, second, third = checks
        return lambda value: first(value) and second(value) and third(value)

    def check(value):
        for one in checks:
            if not one(value):
                return False
        return True
    return check


def _type(expected, dummy_schema, dummy_ctx):
    names = expected if isinstance(expected, list) else [expected]
    tests = tuple(_TYPES[name] for name in names)
    if len(tests) == 1:
        return tests[0]
    return lambda value: any(test(value) for test in tests)


def _bound(kind):
    def compile_bound(limit, dummy_schema, dummy_ctx):
        tests = {
            "minimum": lambda v: not _is_number(v) or v >= limit,
            "maximum": lambda v: not _is_number(v) or v <= limit,
            "exclusiveMinimum": lambda v: not _is_number(v) or v > limit,
            "exclusiveMaximum": lambda v: not _is_number(v) or v < limit,
        }
        return tests[kind]
    return compile_bound


def _size(kind, of_type):
    def compile_size(limit, dummy_schema, dummy_ctx):
        if kind == "min":
            return lambda v: not isinstance(v, of_type) or len(v) >= limit
        return lambda v: not isinstance(v, of_type) or len(v) <= limit
    return compile_size


def _pattern(pattern, dummy_schema, dummy_ctx):
    search = re.compile(pattern).search
    return lambda v: not isinstance(v, str) or search(v) is not None


def _format(name, dummy_schema, ctx):
    """``FormatChecker.conforms(v, name)`` without its lookup per value: the registered function,
    a falsy answer or one of its declared exceptions meaning "does not conform"; no function, no check."""
    if name not in ctx.format_checker.checkers:
        return _always
    func, raises = ctx.format_checker.checkers[name]

    def check(value):
        try:
            return bool(func(value))
        except raises:
            return False
    return check


def _required(names, dummy_schema, dummy_ctx):
    names = tuple(names)
    if len(names) == 1:
        name = names[0]
        return lambda v: not isinstance(v, dict) or name in v
    return lambda v: not isinstance(v, dict) or all(name in v for name in names)


def _properties(props, schema, ctx):
    """``properties`` with ``additionalProperties`` (the two read together, as one loop over the keys)."""
    checks = dict((name, ctx.compile(sub)) for name, sub in props.items())
    extra = schema.get("additionalProperties", True)
    other = _never if extra is False else ctx.compile(extra)

    def check(value):
        if not isinstance(value, dict):
            return True
        for key, item in value.items():
            if not checks.get(key, other)(item):
                return False
        return True
    return check


def _additional_only(extra, schema, ctx):
    if "properties" in schema:
        return _always  # read together with properties
    other = _never if extra is False else ctx.compile(extra)
    return lambda v: not isinstance(v, dict) or all(other(item) for item in v.values())


def _property_names(sub, dummy_schema, ctx):
    check = ctx.compile(sub)
    return lambda v: not isinstance(v, dict) or all(check(key) for key in v)


def _items(sub, dummy_schema, ctx):
    check = ctx.compile(sub)

    def items(value):
        if not isinstance(value, list):
            return True
        for item in value:
            if not check(item):
                return False
        return True
    return items


def _all_of(subs, dummy_schema, ctx):
    return _all(ctx.compile(sub) for sub in subs)


def _any_of(subs, dummy_schema, ctx):
    checks = tuple(ctx.compile(sub) for sub in subs)

    def check(value):
        for one in checks:
            if one(value):
                return True
        return False
    return check


def _one_of(subs, dummy_schema, ctx):
    checks = tuple(ctx.compile(sub) for sub in subs)

    def check(value):
        passed = False
        for one in checks:
            if one(value):
                if passed:
                    return False  # a second one passes
                passed = True
        return passed
    return check


def _not(sub, dummy_schema, ctx):
    check = ctx.compile(sub)
    return lambda v: not check(v)


def _if(sub, schema, ctx):
    test = ctx.compile(sub)
    then = ctx.compile(schema.get("then", True))
    otherwise = ctx.compile(schema.get("else", True))
    if otherwise is _always:
        return lambda v: not test(v) or then(v)
    return lambda v: then(v) if test(v) else otherwise(v)


_KEYWORDS = {
    "type": _type,
    "minimum": _bound("minimum"),
    "maximum": _bound("maximum"),
    "exclusiveMinimum": _bound("exclusiveMinimum"),
    "exclusiveMaximum": _bound("exclusiveMaximum"),
    "minLength": _size("min", str),
    "maxLength": _size("max", str),
    "minItems": _size("min", list),
    "maxItems": _size("max", list),
    "minProperties": _size("min", dict),
    "maxProperties": _size("max", dict),
    "pattern": _pattern,
    "format": _format,
    "required": _required,
    "properties": _properties,
    "additionalProperties": _additional_only,
    "propertyNames": _property_names,
    "items": _items,
    "allOf": _all_of,
    "anyOf": _any_of,
    "oneOf": _one_of,
    "not": _not,
    "if": _if,
    "then": lambda dummy_value, dummy_schema, dummy_ctx: _always,  # read by "if"
    "else": lambda dummy_value, dummy_schema, dummy_ctx: _always,
}


class _Compiler:
    def __init__(self, format_checker):
        self.format_checker = format_checker

    def compile(self, schema):
        if schema is True or schema == {}:
            return _always
        if schema is False:
            return _never
        checks = []
        for keyword, value in schema.items():
            if keyword in _ANNOTATIONS:
                continue
            if keyword not in _KEYWORDS:
                raise Unsupported(keyword)
            checks.append(_KEYWORDS[keyword](value, schema, self))
        return _all(checks)


_COMPILED = {}


def accepts(schema, instance, format_checker):
    """True when ``instance`` is valid against ``schema``, False when it is not, None when this
    checker cannot tell (the schema uses a keyword it does not know): then ask ``jsonschema``.

    ``schema`` must be one of the long-lived schema dicts (compiled once, cached by identity);
    ``format_checker`` is the ``FormatChecker`` the full validation uses.
    """
    entry = _COMPILED.get(id(schema))
    if entry is None:
        try:
            check = _Compiler(format_checker).compile(schema)
        except Unsupported:
            check = None
        entry = _COMPILED[id(schema)] = (check, schema)  # keep the schema alive so its id stays unique
    check = entry[0]
    return None if check is None else check(instance)
