"""Shared set-up for the HubSpot emulator contract tests.

Puts this directory on sys.path (for ``hubspot_emulator`` and ``process``) and provides the
``openapi`` fixture: the OpenAPI copy (marketing-events-v3.openapi.json) loaded with openapi-core.
The emulator process, the client and the spec validation helper live in test_contract.py, so that
no test module imports ``conftest`` (which could clash with other conftest.py files).

One deviation from the file, applied in memory: the spec types ``StandardError.subCategory`` (an entry of a
batch answer's ``errors[]``) as an object, but live HubSpot sends a string there, e.g.
``"AttendanceValidationError.JOINED_AT_IS_LATER_THAN_LEFT_AT_FOR_EMAIL"`` (CONTRACT.md section 12, rows 3
and 6, which overrule the spec). It is validated as a string, as ``Error.subCategory`` and
``ErrorDetail.subCategory`` already are in the same spec.
"""

import json
import os
import sys

import pytest
from openapi_core import Config, OpenAPI

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

SPEC_PATH = os.path.join(HERE, "marketing-events-v3.openapi.json")


def _json_deserializer(value, **parameters):
    return json.loads(value)


@pytest.fixture(scope="session")
def openapi():
    # The spec's error responses use the media type */*; HubSpot sends JSON there.
    config = Config(extra_media_type_deserializers={"*/*": _json_deserializer})
    with open(SPEC_PATH) as handle:
        spec = json.load(handle)
    sub_category = spec["components"]["schemas"]["StandardError"]["properties"]["subCategory"]
    assert sub_category["type"] == "object", "the spec changed: review the subCategory patch in conftest.py"
    sub_category.clear()
    sub_category.update({"type": "string", "description": "The Sub-category of the error (a string on the live API)"})
    return OpenAPI.from_dict(spec, config=config, base_uri="file://" + SPEC_PATH)
