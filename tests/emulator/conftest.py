"""Shared set-up for the HubSpot emulator contract tests.

Puts this directory on sys.path (for ``hubspot_emulator`` and ``process``) and provides the
``openapi`` fixture: the OpenAPI copy (marketing-events-v3.openapi.json) loaded with openapi-core.
The emulator process, the client and the spec validation helper live in test_contract.py, so that
no test module imports ``conftest`` (which could clash with other conftest.py files).
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
    return OpenAPI.from_file_path(SPEC_PATH, config=config)
