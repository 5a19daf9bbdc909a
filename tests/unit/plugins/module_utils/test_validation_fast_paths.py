# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The shortcuts that make a task of 100,000 contacts quick to validate give the slow path's answers.

- ``parse_timestamp`` keeps the milliseconds of each string it parsed (``_text_millis``): a cached
  answer, a first answer and the uncached function agree, and a refused string is refused again with
  the same reason;
- the task's join and leave times are checked (``_task_span_errors``) and parsed (``prepare_contacts``)
  once for the contacts that give none of their own: the same errors and prepared contacts as when
  every contact goes the per-contact way;
- the compiled schema check calls a format's function directly: the same verdict as
  ``FormatChecker.conforms``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jsonschema import FormatChecker

from ansible_collections.hubspot.marketing.plugins.module_utils import _attendance as a
from ansible_collections.hubspot.marketing.plugins.module_utils import _schema_check

NOW = 1767300000000  # 2026-01-01T20:40:00Z

TRICKY_TIMES = [
    "2026-01-01T10:00:00Z", "2026-01-01T11:00:00.000Z", "2026-01-01t10:00:00.5z", "2026-01-01 10:00:00.999999Z",
    "2016-12-31T23:59:60Z", "2016-12-31T23:59:60.5Z", "2026-01-01T12:00:00+02:00", "2026-01-01T05:30:00-04:30",
    "2026-01-01T10:00:00+23:59", "2026-01-01T10:00:00+24:00", "2026-02-30T10:00:00Z", "2024-02-29T10:00:00Z",
    "2025-02-29T10:00:00Z", "2026-13-01T10:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T10:60:00Z",
    "2026-01-01T10:00:61Z", "1969-12-31T23:59:59Z", "1970-01-01T00:00:00Z", "2026-01-01T10:00:00",
    "2026-01-01", " 2026-01-01T10:00:00Z ", "2026-01-01T10:00:00Z\n", "9999-12-31T23:59:59.999Z",
    "0000-01-01T00:00:00Z", "1767261600000", " 1767261600000 ", "17672616", "0", "1" * 15, "1" * 16, "-1767261600000",
    "1.5e12", "", " ", "yesterday", "\u0661\u0662",
]
TRICKY_NUMBERS = [0, 1767261600000, 1767265200000, 17672616, -1, 2 ** 63, True, False, 1.5, 1767261600000.0, None]


def _outcome(func, value):
    try:
        return ("ok", func(value))
    except (ValueError, OverflowError) as exc:
        return (type(exc).__name__, str(exc))


@pytest.mark.parametrize("value", TRICKY_TIMES + TRICKY_NUMBERS)
def test_parse_timestamp_cached_or_not_gives_one_answer(value):
    a._text_millis.cache_clear()
    first = _outcome(a.parse_timestamp, value)
    again = _outcome(a.parse_timestamp, value)
    assert first == again
    if isinstance(value, str):
        assert first == _outcome(a._text_millis.__wrapped__, value)


class _Text(str):
    """A str subclass, as option values may arrive (tagged strings of ansible-core 2.19)."""


@pytest.mark.parametrize("value", TRICKY_TIMES)
def test_parse_timestamp_of_a_str_subclass(value):
    a._text_millis.cache_clear()
    plain = _outcome(a.parse_timestamp, value)
    assert _outcome(a.parse_timestamp, _Text(value)) == plain


def test_parse_timestamp_reasons_survive_the_cache():
    for dummy in range(2):
        with pytest.raises(ValueError, match="day is out of range"):
            a.parse_timestamp("2026-02-30T10:00:00Z")
        with pytest.raises(ValueError, match="before 1970"):
            a.parse_timestamp("1969-12-31T23:59:59Z")
    assert a.parse_timestamp("2016-12-31T23:59:60Z") == a.parse_timestamp("2016-12-31T23:59:59.999Z")
    assert a.parse_timestamp("2026-01-01t12:00:00+02:00") == a.parse_timestamp("2026-01-01T10:00:00Z") == 1767261600000


TIMES = st.sampled_from(TRICKY_TIMES + TRICKY_NUMBERS)
PLAUSIBLE = st.sampled_from(["2026-01-01T10:00:00Z", "2026-01-01T10:00:00.5Z", "2026-01-01T11:00:00Z", "2026-01-01t12:00:00+02:00",
                             "2016-12-31T23:59:60Z", 1767261600000, 1767265200000, "1767261600999", None])
IDENTIFIERS = st.one_of(
    st.fixed_dictionaries({"email": st.sampled_from(["a@b.co", "A@b.co", "c@d.co", "nope"])}),
    st.fixed_dictionaries({"id": st.sampled_from([1, "1", 2, "02", 0])}),
)
CONTACTS = st.lists(
    st.tuples(IDENTIFIERS, st.dictionaries(st.sampled_from(["occurred_at", "joined_at", "left_at"]), st.one_of(PLAUSIBLE, TIMES),
                                           max_size=3)).map(lambda pair: dict(pair[0], **pair[1])),
    max_size=6,
)
DEFAULTS = st.dictionaries(st.sampled_from(["occurred_at", "joined_at", "left_at"]), st.one_of(PLAUSIBLE, PLAUSIBLE, TIMES), max_size=3)


def _slow(monkeypatch, func, *args, **kwargs):
    """``func`` with every contact taken as giving times of its own: no shortcut for the task's times."""
    with monkeypatch.context() as patch:
        patch.setattr(a, "_task_span_errors", lambda *dummy: None)
        patch.setattr(a, "_gives_any", lambda *dummy: True)
        return func(*args, **kwargs)


@pytest.mark.parametrize("state", ["attended", "registered", "cancelled"])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(contacts=CONTACTS, defaults=DEFAULTS)
def test_task_times_once_give_the_per_contact_answers(monkeypatch, state, contacts, defaults):
    fast = a.input_errors(state, contacts, defaults=defaults, now_ms=NOW)
    assert fast == _slow(monkeypatch, a.input_errors, state, contacts, defaults=defaults, now_ms=NOW)
    if not fast:
        prepared = a.prepare_contacts(contacts, state, NOW, defaults=defaults)
        assert prepared == _slow(monkeypatch, a.prepare_contacts, contacts, state, NOW, defaults=defaults)


def test_task_times_once_still_name_each_contact_that_lacks_one():
    """Without a task-level join time, every contact without its own is named; a bad task span is named once."""
    contacts = [{"id": 1}, {"id": 2, "joined_at": "2026-01-01T10:00:00Z"}, {"id": 3}]
    errors = a.input_errors("attended", contacts, defaults={"left_at": "2026-01-01T11:00:00Z"}, now_ms=NOW)
    assert [e["path"] for e in errors] == ["contacts[0].joined_at", "contacts[2].joined_at"]
    errors = a.input_errors("attended", contacts, defaults={"joined_at": "2026-01-01T11:00:00Z", "left_at": "2026-01-01T11:00:00.5Z"},
                            now_ms=NOW)
    assert errors == [{"path": "left_at", "message": "must be at least 1 second after joined_at (HubSpot keeps no shorter attendance)"}]


def test_prepared_contacts_of_task_times_are_each_their_own():
    """The task's parsed times are shared while preparing, the prepared contacts are not."""
    prepared = a.prepare_contacts([{"id": 1}, {"id": 2}], "attended", NOW,
                                  defaults={"joined_at": "2026-01-01T10:00:00Z", "left_at": "2026-01-01T11:00:00Z"})
    assert prepared[0] is not prepared[1]
    prepared[0]["joined_at"] = 0
    assert prepared[1]["joined_at"] == 1767261600000 and prepared[1]["duration"] == 3600


def _checker():
    checker = FormatChecker(formats=())

    @checker.checks("even", raises=ZeroDivisionError)
    def _even(value):  # pylint: disable=unused-variable
        return 1 // value == 0 and value % 2 == 0  # 0 raises the declared exception

    @checker.checks("strict")
    def _strict(value):  # pylint: disable=unused-variable
        if value == "boom":
            raise KeyError(value)  # not declared: it propagates from both
        return value or None  # falsy means "does not conform"

    return checker


@pytest.mark.parametrize("name, value", [
    ("even", 2), ("even", 3), ("even", 0), ("strict", "x"), ("strict", ""), ("strict", 0), ("unknown", "anything"),
])
def test_compiled_format_agrees_with_format_checker(name, value):
    checker = _checker()
    schema = {"format": name}
    check = _schema_check._Compiler(checker).compile(schema)
    assert check(value) is checker.conforms(value, name)


def test_compiled_format_lets_undeclared_exceptions_through():
    checker = _checker()
    check = _schema_check._Compiler(checker).compile({"format": "strict"})
    with pytest.raises(KeyError):
        checker.conforms("boom", "strict")
    with pytest.raises(KeyError):
        check("boom")
