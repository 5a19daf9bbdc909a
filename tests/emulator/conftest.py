"""Shared set-up for the HubSpot emulator contract tests.

Puts this directory on sys.path (for ``hubspot_emulator``, ``contract_client`` and ``process``) and provides
the fixtures:

- ``openapi``: the OpenAPI copy (marketing-events-v3.openapi.json) loaded with openapi-core, and
  ``openapi_versions``: the copies of the v3, 2026-03 and 2026-09 documents (2026-09's int32 ``vid`` read as int64);
- ``emulator_url``: one emulator process per test module (full and read-only contract tokens, default lags);
  a module that needs other flags defines its own ``emulator_url``;
- ``api``: a ``contract_client.Api`` on that emulator, reset before each test.

The client and the spec validation helper live in contract_client.py, so that no test module imports
``conftest`` (which could clash with other conftest.py files).

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

from contract_client import FULL_TOKEN, READ_TOKEN, Api  # noqa: E402  pylint: disable=wrong-import-position
from process import running_emulator  # noqa: E402  pylint: disable=wrong-import-position

SPEC_PATH = os.path.join(HERE, "marketing-events-v3.openapi.json")
# Byte-for-byte copies of HubSpot's documents for each API version (their origins: tests/emulator/README.md).
SPEC_PATHS = {version: os.path.join(HERE, "marketing-events-%s.openapi.json" % version) for version in ("v3", "2026-03", "2026-09")}
# 2026-09 types the contact id ``vid`` as int32, but real contact ids exceed 2^31: it is validated as int64, as in v3.
VID_SCHEMAS = ("MarketingEventSubscriber", "SubscriberVidResponse", "SubscriberEmailResponse")


def _json_deserializer(value, **parameters):
    return json.loads(value)


def load_openapi(version="v3"):
    """The OpenAPI document of ``version``, with the deviations described above applied in memory."""
    # The spec's error responses use the media type */*; HubSpot sends JSON there.
    config = Config(extra_media_type_deserializers={"*/*": _json_deserializer})
    path = SPEC_PATHS[version]
    with open(path) as handle:
        spec = json.load(handle)
    schemas = spec["components"]["schemas"]
    sub_category = schemas["StandardError"]["properties"]["subCategory"]
    assert sub_category["type"] == "object", "the spec changed: review the subCategory patch in conftest.py"
    sub_category.clear()
    sub_category.update({"type": "string", "description": "The Sub-category of the error (a string on the live API)"})
    for name in VID_SCHEMAS:
        vid = schemas[name]["properties"]["vid"]
        assert vid.get("format") in ("int32", "int64"), "the spec changed: review the vid patch in conftest.py"
        vid["format"] = "int64"
    return OpenAPI.from_dict(spec, config=config, base_uri="file://" + path)


@pytest.fixture(scope="session")
def openapi():
    return load_openapi("v3")


@pytest.fixture(scope="session")
def openapi_versions():
    """``{"v3": OpenAPI, "2026-03": ..., "2026-09": ...}``."""
    return {version: load_openapi(version) for version in SPEC_PATHS}


@pytest.fixture(scope="module")
def emulator_url():
    with running_emulator("--token", FULL_TOKEN, "--read-only-token", READ_TOKEN) as url:
        yield url


@pytest.fixture
def api(emulator_url, openapi):
    """A reset emulator with the default lags (contact breakdown 1 s, event breakdowns and counters 6 s)."""
    client = Api(emulator_url, openapi)
    client.reset()
    yield client
    client.session.close()
