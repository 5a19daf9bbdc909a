"""Contract tests for the emulator's event lifecycle paths (create, read, update, cancel, complete,
delete, list, search, identifiers, upsert) and the behaviours observed on the live API.

Every ``/marketing/`` answer is validated against marketing-events-v3.openapi.json by ``Api``.
"""

import json
import os
import time

from contract_client import ME, assert_error, validate_against_spec, vid_input

OTHER_APP = 7654321
TIMES = {"startDateTime": "2026-03-01T10:00:00Z", "endDateTime": "2026-03-01T11:00:00Z"}
CREATE = {"externalAccountId": "acc", "externalEventId": "web-1", "eventName": "Webinar", "eventOrganizer": "Org",
          "eventType": "WEBINAR", "startDateTime": "2026-03-01T10:00:00Z", "endDateTime": "2026-03-01T11:00:00Z",
          "eventUrl": "https://example.com/w/1", "eventDescription": "About Ansible",
          "customProperties": [{"name": "topic", "value": "ansible"}]}


with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "marketing-events-v3.openapi.json")) as _spec:
    SPEC_PATHS = json.load(_spec)["paths"]


def delete(api, path, template, **kwargs):
    """DELETE; a 204 must be documented for ``template`` without content (openapi-core cannot check an
    empty body against ``content: {}``), any other answer is validated as usual."""
    resp = api.request("DELETE", path, validate=False, **kwargs)
    if resp.status_code == 204:
        assert SPEC_PATHS[ME + template]["delete"]["responses"]["204"].get("content") == {}
        assert resp.content == b"" and "Content-Type" not in resp.headers
    else:
        validate_against_spec(api.openapi, resp)
    return resp


def create(api, **changes):
    body = dict(CREATE, **changes)
    resp = api.post(ME + "/events", body)
    assert resp.status_code == 200, resp.text
    return resp.json()


def events_state(api):
    return api.control("GET", "state").json()["events"]


def seed_other_app_event(api, external="theirs", account="their-acc"):
    seeded = api.seed(events=[{"externalAccountId": account, "externalEventId": external, "eventName": "Their event",
                               "eventOrganizer": "Them", "appId": OTHER_APP, "appName": "Other app"}])
    return seeded["events"][0]["objectId"]


def test_duplicate_create_is_400_unique_value_conflict_with_the_existing_id(api):
    oid = create(api)["objectId"]
    resp = api.post(ME + "/events", dict(CREATE, eventName="Again"))
    body = assert_error(resp, 400, "VALIDATION_ERROR")
    assert body["errorType"] == "UNIQUE_VALUE_CONFLICT"
    assert body["errorTokens"]["existingObjectId"] == [oid]
    assert oid in body["message"]
    assert [e["eventName"] for e in events_state(api)] == ["Webinar"]


def test_create_then_read_both_ways(api):
    created = create(api)
    oid = created["objectId"]
    assert created["startDateTime"] == "2026-03-01T10:00:00.000Z" and created["eventCancelled"] is False
    full = api.get(ME + "/events/web-1", params={"externalAccountId": "acc"}).json()
    assert full["objectId"] == oid and full["eventUrl"] == "https://example.com/w/1" and full["eventDescription"] == "About Ansible"
    v2 = api.get("%s/%s" % (ME, oid)).json()
    assert v2["externalEventId"] == "web-1" and v2["appInfo"]["id"] == "1234567"
    assert v2["customProperties"] == [{"name": "topic", "value": "ansible"}]


def test_patch_by_external_ids_changes_only_what_is_sent(api):
    oid = create(api)["objectId"]
    resp = api.request("PATCH", ME + "/events/web-1", params={"externalAccountId": "acc"},
                       json={"eventName": "Renamed", "customProperties": [{"name": "level", "value": "2"}]})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["id"] == oid and body["eventName"] == "Renamed" and body["eventOrganizer"] == "Org"
    assert [(p["name"], p["value"]) for p in body["customProperties"]] == [("topic", "ansible"), ("level", "2")]
    state = events_state(api)[0]
    assert state["eventName"] == "Renamed" and state["eventDescription"] == "About Ansible"
    assert state["customProperties"] == {"topic": "ansible", "level": "2"}
    # customProperties is required by the spec; a bad type and unknown fields are refused
    assert_error(api.request("PATCH", ME + "/events/web-1", params={"externalAccountId": "acc"}, json={"eventName": "X"}),
                 400, "VALIDATION_ERROR")
    assert_error(api.request("PATCH", ME + "/events/web-1", params={"externalAccountId": "acc"},
                             json={"eventCancelled": "yes", "customProperties": []}), 400, "VALIDATION_ERROR")
    assert_error(api.request("PATCH", ME + "/events/web-1", params={"externalAccountId": "acc"},
                             json={"startDateTime": "soon", "customProperties": []}), 400, "VALIDATION_ERROR")
    assert_error(api.request("PATCH", ME + "/events/web-1", json={"customProperties": []}), 400, "VALIDATION_ERROR")
    assert_error(api.request("PATCH", ME + "/events/nope", params={"externalAccountId": "acc"}, json={"customProperties": []}),
                 404, "OBJECT_NOT_FOUND")
    assert events_state(api)[0]["eventName"] == "Renamed"


def test_patch_by_object_id(api):
    oid = create(api)["objectId"]
    body = {"eventCancelled": True, "endDateTime": "2026-03-01T12:00:00Z", "customProperties": []}
    resp = api.request("PATCH", "%s/%s" % (ME, oid), json=body)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["objectId"] == oid and body["eventCancelled"] is True and body["endDateTime"] == "2026-03-01T12:00:00.000Z"
    assert body["customProperties"] == [{"name": "topic", "value": "ansible"}]
    # eventCompleted is not part of MarketingEventPublicUpdateRequestV2
    assert_error(api.request("PATCH", "%s/%s" % (ME, oid), json={"eventCompleted": True, "customProperties": []}),
                 400, "VALIDATION_ERROR")
    assert_error(api.request("PATCH", ME + "/999", json={"customProperties": []}), 404, "OBJECT_NOT_FOUND")


def test_cancel_and_complete(api):
    oid = create(api)["objectId"]
    resp = api.post(ME + "/events/web-1/cancel", params={"externalAccountId": "acc"})
    assert resp.status_code == 200 and resp.json()["eventCancelled"] is True and resp.json()["objectId"] == oid
    assert_error(api.post(ME + "/events/web-1/cancel"), 400, "VALIDATION_ERROR")
    assert_error(api.post(ME + "/events/nope/cancel", params={"externalAccountId": "acc"}), 404, "OBJECT_NOT_FOUND")
    resp = api.post(ME + "/events/web-1/complete", {"startDateTime": "2026-03-01T10:00:00Z", "endDateTime": "2026-03-01T10:30:00Z"},
                    params={"externalAccountId": "acc"})
    assert resp.status_code == 200 and resp.json()["eventCompleted"] is True
    state = events_state(api)[0]
    assert state["eventCancelled"] is True and state["eventCompleted"] is True and state["endDateTime"] == "2026-03-01T10:30:00.000Z"


def test_delete_both_ways_drops_the_event_and_its_participations(api):
    api.config(identifiers_lag_ms=0)  # the last check: /identifiers no longer lists a deleted event
    vid = api.contact("ann@example.com")
    oid = create(api)["objectId"]
    resp = api.post("%s/%s/attendance/register/create" % (ME, oid), {"inputs": [vid_input(vid)]})
    assert resp.status_code == 201 and resp.json()["numErrors"] == 0  # register answers 201
    resp = delete(api, ME + "/events/web-1", "/events/{externalEventId}", params={"externalAccountId": "acc"})
    assert resp.status_code == 204
    assert events_state(api) == [] and api.state() == []
    assert api.get(ME + "/participations/contacts/ann%40example.com/breakdown").json() == {"total": 0, "results": []}
    assert_error(api.get("%s/%s" % (ME, oid)), 404, "OBJECT_NOT_FOUND")
    assert_error(delete(api, ME + "/events/web-1", "/events/{externalEventId}", params={"externalAccountId": "acc"}), 404, "OBJECT_NOT_FOUND")
    assert_error(delete(api, ME + "/events/web-1", "/events/{externalEventId}"), 400, "VALIDATION_ERROR")
    # the external ids are free again; the objectId path deletes too
    oid = create(api)["objectId"]
    assert delete(api, "%s/%s" % (ME, oid), "/{objectId}").status_code == 204
    assert_error(delete(api, "%s/%s" % (ME, oid), "/{objectId}"), 404, "OBJECT_NOT_FOUND")
    assert api.get(ME + "/web-1/identifiers").json()["total"] == 0


def test_upsert_answers_200_and_creates_nothing(api):
    resp = api.post(ME + "/events/upsert", {"inputs": [CREATE]})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["status"] == "COMPLETE" and body["results"] == []
    assert events_state(api) == []
    assert_error(api.get(ME + "/events/web-1", params={"externalAccountId": "acc"}), 404, "OBJECT_NOT_FOUND")
    assert_error(api.post(ME + "/events/upsert", {"nope": 1}), 400, "VALIDATION_ERROR")


def test_identifiers_and_search_lag_a_create(api):
    assert api.config(identifiers_lag_ms=1500, search_lag_ms=1500)["identifiers_lag_ms"] == 1500
    oid = create(api)["objectId"]
    # the event itself is readable at once, the two lookups do not list it yet
    assert api.get(ME + "/events/web-1", params={"externalAccountId": "acc"}).status_code == 200
    assert api.get(ME + "/web-1/identifiers").json() == {"total": 0, "results": []}
    assert api.get(ME + "/events/search", params={"q": "web-1"}).json() == {"results": []}
    time.sleep(1.6)
    assert api.get(ME + "/web-1/identifiers").json()["results"][0]["objectId"] == oid
    assert api.get(ME + "/events/search", params={"q": "web-1"}).json()["results"][0]["objectId"] == oid
    assert_error(api.control("POST", "config", {"search_lag_ms": -1}), 400, "VALIDATION_ERROR")
    api.reset()
    assert api.control("GET", "config").json()["identifiers_lag_ms"] == 120000


def test_by_default_lookups_miss_a_new_event_and_find_a_seeded_one(api):
    # HubSpot finds a new event "a few minutes after creation" (section 12, row 13); a seeded event
    # stands for one that existed before, so it is indexed already.
    assert api.control("GET", "config").json()["search_lag_ms"] == 120000
    create(api)
    old = {"externalAccountId": "acc", "externalEventId": "web-old", "eventName": "Old"}
    seeded = api.control("POST", "seed", {"events": [old]}).json()["events"][0]["objectId"]
    assert api.get(ME + "/web-1/identifiers").json() == {"total": 0, "results": []}
    assert api.get(ME + "/events/search", params={"q": "web-1"}).json() == {"results": []}
    assert api.get(ME + "/web-old/identifiers").json()["results"][0]["objectId"] == seeded
    assert api.get(ME + "/events/search", params={"q": "web-old"}).json()["results"][0]["objectId"] == seeded


def test_events_of_another_app(api):
    api.config(identifiers_lag_ms=0, search_lag_ms=0)  # who sees which event, not the lag (tested above)
    theirs = seed_other_app_event(api, external="shared-id", account="acc")
    mine = create(api, externalEventId="shared-id")["objectId"]  # unique per app: no conflict
    assert mine != theirs
    # identifiers: the whole portal, each with its app
    ids = api.get(ME + "/shared-id/identifiers").json()
    assert sorted((r["objectId"], r["appInfo"]["id"]) for r in ids["results"]) == sorted([(theirs, str(OTHER_APP)), (mine, "1234567")])
    # search: only the calling app's events
    assert [r["objectId"] for r in api.get(ME + "/events/search", params={"q": "shared-id"}).json()["results"]] == [mine]
    # external-id paths resolve to the calling app's event only
    assert api.get(ME + "/events/shared-id", params={"externalAccountId": "acc"}).json()["objectId"] == mine
    only_theirs = seed_other_app_event(api)
    for method, path, body in (("GET", ME + "/events/theirs", None),
                               ("PATCH", ME + "/events/theirs", {"customProperties": []}),
                               ("POST", ME + "/events/theirs/cancel", None),
                               ("POST", ME + "/events/theirs/complete", TIMES),
                               ("GET", ME + "/participations/their-acc/theirs/breakdown", None),
                               ("POST", ME + "/attendance/theirs/register/create", {"inputs": []})):
        resp = api.request(method, path, params={"externalAccountId": "their-acc"}, json=body)
        assert_error(resp, 404, "OBJECT_NOT_FOUND")
    assert_error(delete(api, ME + "/events/theirs", "/events/{externalEventId}", params={"externalAccountId": "their-acc"}),
                 404, "OBJECT_NOT_FOUND")
    # objectId paths work for any app
    v2 = api.get("%s/%s" % (ME, only_theirs)).json()
    assert v2["appInfo"] == {"id": str(OTHER_APP), "name": "Other app"}
    resp = api.request("PATCH", "%s/%s" % (ME, only_theirs), json={"eventName": "Renamed by us", "customProperties": []})
    assert resp.status_code == 200 and resp.json()["eventName"] == "Renamed by us"
    assert delete(api, "%s/%s" % (ME, only_theirs), "/{objectId}").status_code == 204
    assert sorted(e["appId"] for e in events_state(api)) == [1234567, OTHER_APP]
    bad = api.control("POST", "seed", {"events": [{"externalAccountId": "a", "externalEventId": "b", "eventName": "c", "appId": "x"}]})
    assert_error(bad, 400, "VALIDATION_ERROR")


def test_list_all_events_paged(api):
    seed_other_app_event(api)
    oids = [create(api, externalEventId="ev-%d" % n)["objectId"] for n in range(4)]
    seen = []
    after = None
    pages = 0
    while True:
        params = {"limit": 2}
        if after:
            params["after"] = after
        # validated against the path the spec prints for this operation
        resp = api.get("/marketing/marketing-events/v3", params=params)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        pages += 1
        seen += [e["objectId"] for e in body["results"]]
        after = (body.get("paging") or {}).get("next", {}).get("after")
        if not after:
            break
    assert pages == 3 and len(seen) == 5 and set(oids) <= set(seen)
    # the path real clients use answers the same
    same = api.get(ME, params={"limit": 100}, validate=False)
    assert [e["objectId"] for e in same.json()["results"]] == seen and "paging" not in same.json()
    assert_error(api.get(ME, params={"limit": 0}, validate=False), 400, "VALIDATION_ERROR")
    assert_error(api.get(ME, params={"after": "garbage!"}, validate=False), 400, "VALIDATION_ERROR")
