"""Seeding (``POST /_emulator/seed``): contacts, events and participations in one call, validated first and
then applied atomically. Seeded participations are visible to every reader at once."""

from .common import ALWAYS, APP_ID, DIGITS_RE, EMAIL_RE, READ_STATES, is_int, now_ms, parse_iso_ms
from .replies import bad_request
from .store import holds


def check_seed(body):
    """(contacts, events, participations) of a seed body; checks all but what needs the store (400 ApiError)."""
    if not isinstance(body, dict):
        raise bad_request("seed body must be a JSON object")
    unknown = sorted(set(body) - {"contacts", "events", "participations"})
    if unknown:
        raise bad_request("unknown seed key(s): %s" % ", ".join(unknown))
    contacts = body.get("contacts") or []
    events = body.get("events") or []
    parts = body.get("participations") or []
    for key, value in (("contacts", contacts), ("events", events), ("participations", parts)):
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise bad_request("%s must be a list of objects" % key, key)
    for index, item in enumerate(contacts):
        _check_contact(index, item)
    for index, item in enumerate(events):
        _check_event(index, item)
    return contacts, events, parts


def _check_contact(index, item):
    if not isinstance(item.get("email"), str) or not EMAIL_RE.match(item["email"].strip().lower()):
        raise bad_request("contacts[%d].email must be a valid email" % index, "contacts[%d].email" % index)
    if not all(isinstance(v, str) for v in item.values()):
        raise bad_request("contacts[%d] values must be strings" % index, "contacts[%d]" % index)


def _check_event(index, item):
    for key in ("externalAccountId", "externalEventId", "eventName"):
        if not isinstance(item.get(key), str) or not item[key]:
            raise bad_request("events[%d].%s must be a non-empty string" % (index, key), "events[%d].%s" % (index, key))
    for key in ("startDateTime", "endDateTime"):
        if item.get(key) is not None and parse_iso_ms(item[key]) is None:
            raise bad_request("events[%d].%s must be an ISO 8601 date-time" % (index, key), "events[%d].%s" % (index, key))
    # ``appId`` (an integer) and ``appName`` (a string) seed an event created by another app.
    if "appId" in item and (not is_int(item["appId"]) or item["appId"] < 1):
        raise bad_request("events[%d].appId must be a positive integer" % index, "events[%d].appId" % index)
    if "appName" in item and not isinstance(item["appName"], str):
        raise bad_request("events[%d].appName must be a string" % index, "events[%d].appName" % index)


def check_participations(store, events, parts):
    """Check the seed's participations against the store and the seed's own events (caller holds the lock)."""
    own_seeded = [e for e in events if e.get("appId", APP_ID) == APP_ID]
    known_events = set(store.events_by_external) | set((e["externalAccountId"], e["externalEventId"]) for e in own_seeded)
    for index, item in enumerate(parts):
        where = "participations[%d]" % index
        if (item.get("externalAccountId"), item.get("externalEventId")) not in known_events:
            raise bad_request("%s: unknown event (externalAccountId, externalEventId)" % where, where)
        _check_participation_contact(store, where, item)
        if item.get("attendanceState") not in READ_STATES:
            raise bad_request("%s.attendanceState must be one of %s" % (where, ", ".join(READ_STATES)), where + ".attendanceState")
        for key in ("occurredAt", "attendanceDurationSeconds"):
            if item.get(key) is not None and not is_int(item[key]):
                raise bad_request("%s.%s must be an integer" % (where, key), "%s.%s" % (where, key))


def _check_participation_contact(store, where, item):
    if "contactId" in item:
        contact_id = item["contactId"]
        if not isinstance(contact_id, (str, int)) or not DIGITS_RE.match(str(contact_id)) or int(contact_id) not in store.contacts:
            raise bad_request("%s.contactId: unknown contact" % where, where + ".contactId")
    elif not isinstance(item.get("email"), str) or not EMAIL_RE.match(item["email"].strip().lower()):
        raise bad_request("%s.email must be a valid email (or give contactId)" % where, where + ".email")


def apply_seed(store, contacts, events, parts):
    """Apply a checked seed; returns the control API's answer (caller holds the lock)."""
    out_contacts = []
    for item in contacts:
        contact = _seed_contact(store, item["email"], item)
        out_contacts.append({"id": str(contact.id), "email": contact.email})
    out_events = []
    for item in events:
        event = _seed_event(store, item)
        out_events.append({"objectId": event.object_id, "externalAccountId": event.account, "externalEventId": event.external_id})
    stamp = now_ms()
    for item in parts:
        _seed_participation(store, item, stamp)
    return {"contacts": out_contacts, "events": out_events, "participations": len(parts)}


def _seed_contact(store, email, properties):
    email = email.strip().lower()
    contact_id = store.contacts_by_email.get(email)
    if contact_id is not None:
        return store.contacts[contact_id]
    props = dict((k, v) for k, v in properties.items() if k != "email")
    return store.new_contact(email, props)


def _seed_event(store, item):
    """The existing event with these ids, or a new one."""
    if item.get("appId", APP_ID) != APP_ID:
        return _seed_other_app_event(store, item)
    event = store.events_by_external.get((item["externalAccountId"], item["externalEventId"]))
    if event is None:
        event = store.new_event(item["externalAccountId"], item["externalEventId"], item["eventName"], item.get("eventOrganizer") or "Emulator")
        event.indexed_ms = 0
        event.event_type = item.get("eventType")
        event.start_ms = parse_iso_ms(item.get("startDateTime"))
        event.end_ms = parse_iso_ms(item.get("endDateTime"))
    return event


def _seed_other_app_event(store, item):
    """The existing event of another app with these ids, or a new one."""
    app_id = item["appId"]
    for event in store.events_by_external_id.get(item["externalEventId"], []):
        if event.app_id == app_id and event.account == item["externalAccountId"]:
            return event
    event = store.new_event(item["externalAccountId"], item["externalEventId"], item["eventName"],
                            item.get("eventOrganizer") or "Other app", app_id, item.get("appName") or "App %d" % app_id)
    event.indexed_ms = 0
    event.event_type = item.get("eventType")
    event.start_ms = parse_iso_ms(item.get("startDateTime"))
    event.end_ms = parse_iso_ms(item.get("endDateTime"))
    return event


def _seed_participation(store, item, stamp):
    event = store.events_by_external[(item["externalAccountId"], item["externalEventId"])]
    if "contactId" in item:
        contact = store.contacts[int(item["contactId"])]
    else:
        contact = _seed_contact(store, item["email"], {})
    occurred = item.get("occurredAt")
    state = item["attendanceState"]
    duration = item.get("attendanceDurationSeconds")
    if not holds(event.by_contact.get(contact.id), state, duration if state == "ATTENDED" else None):
        # seeded data is visible to every reader at once, as if written long ago
        at = stamp if occurred is None else occurred
        store.write(event, contact, state, at, duration, ALWAYS)
        store.note_interaction(event, contact, state, at)
