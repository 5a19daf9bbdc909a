"""Marketing event lifecycle: create, read, update, cancel, complete, delete, list, search, identifiers,
upsert, with the quirks observed on the live API (CONTRACT.md section 12)."""

import json

from .common import ALWAYS, APP_ID, DIGITS_RE, INVALID, iso_ms, now_ms, parse_iso_ms
from .replies import Reply, UniqueValueConflict, bad_request

TIME_KEYS = ("startDateTime", "endDateTime")
FLAG_KEYS = ("eventCancelled", "eventCompleted")
# body key -> Event attribute, for the PATCH paths
EVENT_ATTRIBUTES = {"eventName": "name", "eventOrganizer": "organizer", "eventType": "event_type", "eventUrl": "url",
                    "eventDescription": "description", "startDateTime": "start_ms", "endDateTime": "end_ms",
                    "eventCancelled": "cancelled", "eventCompleted": "completed"}
PATCH_EXTERNAL_FIELDS = ("eventName", "eventOrganizer", "eventType", "eventUrl", "eventDescription",
                         "startDateTime", "endDateTime", "eventCancelled", "eventCompleted")
PATCH_OBJECT_FIELDS = PATCH_EXTERNAL_FIELDS[:-1]  # PATCH {objectId} cannot set eventCompleted


def _external_event(store, request):
    return store.event_by_external(request["query"].get("externalAccountId"), request["params"]["externalEventId"])


def custom_properties(value):
    """``customProperties`` ([{name, value}]) -> [(name, string value)]."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_request("customProperties must be a list", "customProperties")
    out = []
    for index, item in enumerate(value):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise bad_request("customProperties[%d] must be an object with a name" % index, "customProperties[%d]" % index)
        raw = item.get("value")
        out.append((item["name"], raw if isinstance(raw, str) else ("" if raw is None else json.dumps(raw))))
    return out


# --------------------------------------------------------------------------- create

def event_create(store, request):
    body = request["body"]
    times = _check_create(body)
    custom = custom_properties(body.get("customProperties"))
    key = (body["externalAccountId"], body["externalEventId"])
    if key in store.events_by_external:
        raise UniqueValueConflict(store.events_by_external[key])
    event = store.new_event(key[0], key[1], body["eventName"], body["eventOrganizer"])
    event.event_type = body.get("eventType")
    event.url = body.get("eventUrl")
    event.description = body.get("eventDescription")
    event.start_ms = times.get("startDateTime")
    event.end_ms = times.get("endDateTime")
    event.cancelled = bool(body.get("eventCancelled"))
    event.completed = bool(body.get("eventCompleted"))
    event.custom = custom
    return Reply(200, event.default_response())


def _check_create(body):
    """Check a MarketingEventCreateRequestParams body; return its times as epoch ms."""
    if not isinstance(body, dict):
        raise bad_request("Invalid input JSON: body must be a MarketingEventCreateRequestParams object")
    for key in ("externalAccountId", "externalEventId", "eventName", "eventOrganizer"):
        if not isinstance(body.get(key), str) or not body[key]:
            raise bad_request("%s is required and must be a non-empty string" % key, key)
    for key in ("eventType", "eventUrl", "eventDescription") + TIME_KEYS:
        if body.get(key) is not None and not isinstance(body[key], str):
            raise bad_request("%s must be a string" % key, key)
    times = _create_times(body)
    for key in FLAG_KEYS:
        if body.get(key) is not None and not isinstance(body[key], bool):
            raise bad_request("%s must be a boolean" % key, key)
    return times


def _create_times(body):
    times = {}
    for key in TIME_KEYS:
        if body.get(key) is not None:
            times[key] = parse_iso_ms(body[key])
            if times[key] is None:
                raise bad_request("%s must be an ISO 8601 date-time" % key, key)
    return times


# --------------------------------------------------------------------------- reads

def event_search(store, request):
    q = request["query"].get("q")
    if not q:
        raise bad_request("Query parameter q is required", "q")
    visible = store.indexed_before("search_lag_ms")
    results = [{"objectId": e.object_id, "externalEventId": e.external_id, "externalAccountId": e.account, "appId": e.app_id}
               for e in store.events_by_external_id.get(q, []) if e.app_id == APP_ID and e.indexed_ms <= visible]
    return Reply(200, {"results": results})


def event_get_external(store, request):
    event = _external_event(store, request)
    return Reply(200, event.read_response(store.event_rollup(event)))


def event_get_object(store, request):
    event = store.event_by_object_id(request["params"]["objectId"])
    return Reply(200, event.read_response_v2(store.event_rollup(event)))


def event_identifiers(store, request):
    visible = store.indexed_before("identifiers_lag_ms")
    events = [e for e in store.events_by_external_id.get(request["params"]["externalEventId"], []) if e.indexed_ms <= visible]
    results = [{"objectId": e.object_id, "externalEventId": e.external_id, "marketingEventName": e.name,
                "externalAccountId": e.account, "appInfo": e.app_info()} for e in events]
    return Reply(200, {"total": len(results), "results": results})


def event_list(store, request):
    """Every event of the portal (all apps), in objectId order; the cursor is the last objectId of a page."""
    q = request["query"]
    limit = q.get("limit", "10")
    if not DIGITS_RE.match(limit or "") or not 1 <= int(limit) <= 100:
        raise bad_request("limit must be an integer between 1 and 100", "limit")
    limit = int(limit)
    last = store.decode_cursor(q["after"]) if "after" in q else 0
    ordered = sorted((e for e in store.events.values() if int(e.object_id) > last), key=lambda e: int(e.object_id))
    page = ordered[:limit]
    body = {"results": [e.read_response_v2(store.event_rollup(e)) for e in page]}
    if len(ordered) > limit:
        body["paging"] = store.next_page(request, int(page[-1].object_id))
    return Reply(200, body)


# --------------------------------------------------------------------------- changes

def event_complete(store, request):
    account = request["query"].get("externalAccountId")
    if not account:
        raise bad_request("externalAccountId is required", "externalAccountId")
    body = request["body"]
    if not isinstance(body, dict):
        raise bad_request('Invalid input JSON: body must be {"startDateTime", "endDateTime"}')
    times = {}
    for key in TIME_KEYS:
        times[key] = parse_iso_ms(body.get(key))
        if times[key] is None:
            raise bad_request("%s is required and must be an ISO 8601 date-time" % key, key)
    event = store.event_by_external(account, request["params"]["externalEventId"])
    event.start_ms = times["startDateTime"]
    event.end_ms = times["endDateTime"]
    event.completed = True
    event.updated_ms = now_ms()
    for part in event.participations:
        if part.last[1] == "REGISTERED":  # a HubSpot-side change: every reader sees it at once
            store.write(event, part.contact, "NO_SHOW", event.end_ms, None, ALWAYS)
    return Reply(200, event.default_response())


def event_patch_external(store, request):
    event = _external_event(store, request)
    apply_event_fields(event, request["body"], PATCH_EXTERNAL_FIELDS)
    return Reply(200, event.public_default_response())


def event_patch_object(store, request):
    event = store.event_by_object_id(request["params"]["objectId"])
    apply_event_fields(event, request["body"], PATCH_OBJECT_FIELDS)
    return Reply(200, event.public_default_response_v2())


def apply_event_fields(event, body, fields):
    """Validate and apply an update body (PATCH); null and absent fields are left as they are."""
    if body is INVALID or not isinstance(body, dict):
        raise bad_request("Invalid input JSON: body must be a JSON object")
    unknown = sorted(set(body) - set(fields) - {"customProperties"})
    if unknown:
        raise bad_request("Unknown field(s) %s" % ", ".join(unknown), unknown[0])
    if "customProperties" not in body:
        raise bad_request("customProperties is required (send [] to change none)", "customProperties")
    custom = custom_properties(body.get("customProperties"))
    values = dict((key, _field_value(key, body[key])) for key in fields if body.get(key) is not None)
    for key, value in values.items():
        setattr(event, EVENT_ATTRIBUTES[key], value)
    merged = dict(event.custom)
    names = [name for name, dummy in event.custom]
    for name, value in custom:
        if name not in merged:
            names.append(name)
        merged[name] = value
    event.custom = [(name, merged[name]) for name in names]
    event.updated_ms = now_ms()


def _field_value(key, value):
    """One non-null PATCH field, checked (times as epoch ms)."""
    if key in FLAG_KEYS:
        if not isinstance(value, bool):
            raise bad_request("%s must be a boolean" % key, key)
    elif not isinstance(value, str):
        raise bad_request("%s must be a string" % key, key)
    elif key in TIME_KEYS:
        if parse_iso_ms(value) is None:
            raise bad_request("%s must be an ISO 8601 date-time" % key, key)
        value = parse_iso_ms(value)
    elif key in ("eventName", "eventOrganizer") and not value:
        raise bad_request("%s must not be empty" % key, key)
    return value


def event_cancel(store, request):
    event = _external_event(store, request)
    event.cancelled = True
    event.updated_ms = now_ms()
    return Reply(200, event.default_response())


def event_delete_external(store, request):
    store.drop_event(_external_event(store, request))
    return Reply(204)


def event_delete_object(store, request):
    store.drop_event(store.event_by_object_id(request["params"]["objectId"]))
    return Reply(204)


def event_upsert(store, request):
    """Observed on the live API: 200, ``results: []``, and nothing created (CONTRACT.md section 12, row 13)."""
    body = request["body"]
    if body is INVALID or not isinstance(body, dict) or not isinstance(body.get("inputs"), list):
        raise bad_request("Invalid input: 'inputs' is required and must be a list", "inputs")
    stamp = iso_ms(now_ms())
    return Reply(200, {"status": "COMPLETE", "results": [], "requestedAt": stamp, "startedAt": stamp, "completedAt": stamp,
                       "numErrors": 0, "errors": [], "links": {}})
