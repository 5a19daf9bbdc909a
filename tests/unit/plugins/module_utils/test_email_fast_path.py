# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``email_error`` accepts the common address with one regular expression: it must never accept what
the character by character checks refuse."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.hubspot.marketing.plugins.module_utils import _validation

NEVER = re.compile(r"(?!)")


def slow_error(value):
    """``email_error`` without its regular expression: the character by character checks alone."""
    fast = _validation._PLAIN_EMAIL
    _validation._PLAIN_EMAIL = NEVER
    try:
        return _validation.email_error(value)
    finally:
        _validation._PLAIN_EMAIL = fast


ALPHABET = "ab9Z.-_+@ \t\n\x07\u00e9\u0661#\"<>,[]"
PARTS = st.text(alphabet=ALPHABET, max_size=8)


@settings(max_examples=3000, deadline=None)
@given(local=PARTS, domain=PARTS, tld=st.sampled_from(["com", "c0m", "12", "-x", "x-", "", "\u00e9t\u00e9", "a" * 64]))
def test_fast_path_agrees(local, domain, tld):
    for value in ("%s@%s.%s" % (local, domain, tld), "%s@%s" % (local, domain), local):
        fast = _validation._PLAIN_EMAIL.fullmatch(value) is not None and len(value) <= _validation.MAX_EMAIL_LENGTH
        if fast:
            assert slow_error(value) is None, value
        assert (_validation.email_error(value) is None) == (slow_error(value) is None)


@pytest.mark.parametrize("value", [
    "a" * 64 + "@b.co", "a@" + "b" * 63 + ".co", "a@b." + "c" * 63, "x@" + ".".join(["a" * 60] * 4) + ".com",
])
def test_limits_are_the_same(value):
    assert (_validation.email_error(value) is None) == (slow_error(value) is None)


@pytest.mark.parametrize("value", [
    "a" * 65 + "@b.co", "a@" + "b" * 64 + ".co", "a@b.123", "a..b@c.de", ".a@b.co", "a@-b.co", "a@b-.co", "a@b.co\n",
    "a@b.co.", "a b@c.de", "x@" + ".".join(["a" * 62] * 4) + ".com",
])
def test_refused_either_way(value):
    assert _validation.email_error(value) is not None
    assert _validation._PLAIN_EMAIL.fullmatch(value) is None or len(value) > _validation.MAX_EMAIL_LENGTH
