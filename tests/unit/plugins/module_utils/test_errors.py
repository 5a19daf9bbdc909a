# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.hubspot.marketing.plugins.module_utils._errors import HubSpotApiError, shape_problem


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


@pytest.mark.parametrize("status", [400, 401, 403, 404, 503])
@pytest.mark.parametrize("body, message, scopes", [
    ('{"message": 5, "context": {"missingScopes": 5}}', "no error message in the response", []),
    ('{"message": {"a": 1}, "context": {"missingScopes": [{"name": "x"}, 1, "b"]}}', "no error message in the response", ["b"]),
    ('{"message": ["x"], "errors": [{"message": 3, "context": {"requiredGranularScopes": ["crm.a", 2]}}, "told here"]}',
     "told here", ["crm.a"]),
    ('{"message": "", "context": {"missingScopes": "crm.x"}}', "no error message in the response", []),
])
def test_an_error_body_of_odd_types_reads_only_its_text(status, body, message, scopes):
    # Row 13 of the contract: error bodies vary. A number or an object where a message or a scope belongs
    # must neither raise (a traceback in place of HubSpot's error) nor be shown one character at a time.
    error = HubSpotApiError.from_response("GET", "/x", status, body, retries=1)
    assert message in str(error)
    assert error.required_scopes == scopes
