"""The three path families of the API (v3 and the date versions 2026-03 and 2026-09) from one store.

Every answer is validated against the OpenAPI document of the version whose path was called (the
2026-09 document's int32 ``vid`` is read as int64, see conftest.py); a participation written through
one version is read through the others.
"""

import pytest

from contract_client import FULL_TOKEN, ME, READ_TOKEN, Api, attend_input, email_input
from process import running_emulator

VERSIONS = ("v3", "2026-03", "2026-09")


def prefix(version):
    return ME if version == "v3" else "/marketing/marketing-events/%s" % version


@pytest.fixture(scope="module")
def emulator_url():
    with running_emulator("--token", FULL_TOKEN, "--read-only-token", READ_TOKEN, "--contact-lag", "0", "--event-lag", "0") as url:
        yield url


@pytest.fixture
def apis(emulator_url, openapi_versions):
    clients = {version: Api(emulator_url, openapi_versions[version]) for version in VERSIONS}
    clients["v3"].reset()
    yield clients
    for client in clients.values():
        client.session.close()


@pytest.mark.parametrize("version", VERSIONS)
def test_every_operation_the_collection_uses_answers_per_its_version(apis, version):
    api, p = apis[version], prefix(version)
    api.config(identifiers_lag_ms=0, search_lag_ms=0)  # the lookups below find the event just created
    created = api.post(p + "/events", {"externalAccountId": "acc-1", "externalEventId": "ev-" + version, "eventName": "Webinar",
                                       "eventOrganizer": "Org", "customProperties": []})
    assert created.status_code == 200, created.text
    oid = created.json()["objectId"]
    ext = {"externalAccountId": "acc-1"}
    assert api.get(p + "/events/ev-" + version, params=ext).status_code == 200
    assert api.get(p + "/" + oid).status_code == 200
    registered = api.post(p + "/attendance/ev-%s/register/email-create" % version, {"inputs": [email_input("ada@example.com")]},
                          params=ext)
    assert registered.status_code in (200, 201), registered.text
    vid = registered.json()["results"][0]["vid"]
    attended = api.post("%s/%s/attendance/attend/create" % (p, oid), {"inputs": [attend_input(vid)]})
    assert attended.status_code == 200, attended.text
    for path, params in ((p + "/participations/contacts/ada@example.com/breakdown", None),
                         ("%s/participations/%s/breakdown" % (p, oid), None),
                         ("%s/participations/acc-1/ev-%s/breakdown" % (p, version), None),
                         ("%s/participations/%s" % (p, oid), None),
                         ("%s/participations/acc-1/ev-%s" % (p, version), None),
                         ("%s/ev-%s/identifiers" % (p, version), None),
                         (p + "/events/search", {"q": "ev-" + version})):
        answer = api.get(path, params=params)
        assert answer.status_code == 200, (path, answer.text)
        assert answer.json().get("results", [None]), (path, answer.text)  # every list names the event or the contact
    # The v3 document prints the list path as /marketing/marketing-events/v3; clients call /marketing/v3/marketing-events.
    for path in ([p] if version != "v3" else []):
        answer = api.get(path, params={"limit": 10})
        assert answer.status_code == 200, (path, answer.text)
    breakdown = api.get(p + "/participations/contacts/ada@example.com/breakdown").json()
    assert [r["properties"]["attendanceState"] for r in breakdown["results"]] == ["ATTENDED"]
    assert all(entry["path"].startswith(p + "/") or entry["path"] == p for entry in api.log() if entry["path"].startswith("/marketing"))


def test_one_store_behind_all_versions(apis):
    oid = apis["v3"].event()
    written = apis["2026-09"].post(prefix("2026-09") + "/%s/attendance/register/email-create" % oid,
                                   {"inputs": [email_input("bob@example.com")]})
    assert written.status_code in (200, 201), written.text
    for version in VERSIONS:
        results = apis[version].get(prefix(version) + "/participations/%s/breakdown" % oid).json()["results"]
        assert [(r["associations"]["contact"]["email"], r["properties"]["attendanceState"]) for r in results] == [
            ("bob@example.com", "REGISTERED")]
    assert len(apis["v3"].state()) == 1
    # The request log keeps the path as sent, so tests can tell which version a client used.
    paths = [entry["path"] for entry in apis["v3"].log()]
    assert any(path.startswith("/marketing/marketing-events/2026-09/") for path in paths)
    assert any(path.startswith("/marketing/marketing-events/2026-03/") for path in paths)


def test_unknown_date_version_is_not_found(apis):
    answer = apis["v3"].get("/marketing/marketing-events/2025-09/participations/1/breakdown", validate=False)
    assert answer.status_code == 404, answer.text
