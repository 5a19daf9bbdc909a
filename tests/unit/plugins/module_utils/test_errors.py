# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.hubspot.marketing.plugins.module_utils._errors import shape_problem


@pytest.mark.parametrize("path, value, kind, optional, problem", [
    ("paging", None, "object", True, None),
    ("results[0]", None, "object", False, "results[0] is null, not an object"),
    ("paging", [], "object", True, "paging is list, not an object"),
    ("results", {}, "list", True, "results is dict, not a list"),
    ("contactId", 12, "scalar", True, None),
    ("contactId", "12", "scalar", True, None),
    ("contactId", True, "scalar", True, "contactId is bool, not a string"),
    ("after", 1.5, "scalar", True, "after is float, not a string"),
    ("", "x", "object", False, "is str, not an object"),
])
def test_shape_problem_names_the_field_and_what_it_holds(path, value, kind, optional, problem):
    """The one rule for an answer's field that cannot be read (pages, breakdown items, events)."""
    assert shape_problem(path, value, kind, optional=optional) == problem
