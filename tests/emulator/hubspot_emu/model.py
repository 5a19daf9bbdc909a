"""The records: contacts, marketing events and participations, and the JSON shapes HubSpot answers them in."""

import collections

from .common import ALWAYS, APP_ID, APP_NAME, READ_STATES, iso_ms


class Contact(object):
    __slots__ = ("id", "email", "properties", "created_ms", "updated_ms")

    def __init__(self, contact_id, email, properties, created_ms):
        self.id = contact_id
        self.email = email
        self.properties = properties
        self.created_ms = created_ms
        self.updated_ms = created_ms

    def to_json(self):
        props = dict(self.properties)
        if self.email:
            props["email"] = self.email
        props["hs_object_id"] = str(self.id)
        props["createdate"] = iso_ms(self.created_ms)
        props["lastmodifieddate"] = iso_ms(self.updated_ms)
        return {
            "id": str(self.id),
            "properties": props,
            "createdAt": iso_ms(self.created_ms),
            "updatedAt": iso_ms(self.updated_ms),
            "archived": False,
        }


class Event(object):
    __slots__ = ("object_id", "account", "external_id", "name", "organizer", "event_type", "url", "description",
                 "start_ms", "end_ms", "cancelled", "completed", "custom", "created_ms", "updated_ms", "indexed_ms",
                 "participations", "by_contact", "rollup", "rollup_cutoff", "pending", "app_id", "app_name")

    def __init__(self, object_id, account, external_id, name, organizer, created_ms, app_id=APP_ID, app_name=APP_NAME):
        self.app_id = app_id  # the app that created the event: only it can use the external-id paths
        self.app_name = app_name
        self.object_id = object_id
        self.account = account
        self.external_id = external_id
        self.name = name
        self.organizer = organizer
        self.event_type = None
        self.url = None
        self.description = None
        self.start_ms = None
        self.end_ms = None
        self.cancelled = False
        self.completed = False
        self.custom = []
        self.created_ms = created_ms
        self.updated_ms = created_ms
        # The lookups by external event id (identifiers, search) see the event once their lag has passed
        # since this time: its creation, or 0 for a seeded event (one that existed before the test).
        self.indexed_ms = created_ms
        self.participations = []
        self.by_contact = {}
        # The event rollup (breakdowns and counters, which lag by event_lag): the stored state of the version
        # each participation shows to a reader whose horizon is rollup_cutoff (before the NO_SHOW derivation),
        # counted by state, and the (write time, participation) of the writes beyond that horizon, oldest first.
        self.rollup = dict((state, 0) for state in READ_STATES)
        self.rollup_cutoff = ALWAYS
        self.pending = collections.deque()

    def ended(self, now):
        """True when the event has an end time and it has passed (REGISTERED then reads as NO_SHOW)."""
        return self.end_ms is not None and self.end_ms <= now

    def _optional(self, out):
        for key, value in (("eventType", self.event_type), ("eventUrl", self.url), ("eventDescription", self.description)):
            if value is not None:
                out[key] = value
        if self.start_ms is not None:
            out["startDateTime"] = iso_ms(self.start_ms)
        if self.end_ms is not None:
            out["endDateTime"] = iso_ms(self.end_ms)
        return out

    def _property_values(self):
        return [{
            "dataSensitivity": "none", "isEncrypted": False, "isLargeValue": False, "maskedSubstrings": {"substrings": []},
            "name": name, "persistenceTimestamp": self.updated_ms, "requestId": "", "selectedByUser": False,
            "selectedByUserTimestamp": 0, "source": "INTEGRATION", "sourceId": str(self.app_id), "sourceLabel": self.app_name,
            "sourceMetadata": "", "sourceUpstreamDeployable": "", "sourceVid": [], "timestamp": self.updated_ms, "unit": "",
            "updatedByUserId": 0, "useTimestampAsPersistenceTimestamp": False, "value": value,
        } for name, value in self.custom]

    def default_response(self):
        """MarketingEventDefaultResponse (create, complete)."""
        out = {
            "objectId": self.object_id, "eventName": self.name, "eventOrganizer": self.organizer,
            "eventCancelled": self.cancelled, "eventCompleted": self.completed, "customProperties": self._property_values(),
        }
        return self._optional(out)

    @staticmethod
    def counters(counts):
        return {"attended": counts["ATTENDED"], "cancelled": counts["CANCELLED"],
                "noShows": counts["NO_SHOW"], "registered": counts["REGISTERED"]}

    def read_response(self, counts):
        """MarketingEventPublicReadResponse (GET events/{externalEventId}); counts as the event rollup shows them."""
        out = {
            "id": self.object_id, "objectId": self.object_id, "eventName": self.name, "eventOrganizer": self.organizer,
            "externalEventId": self.external_id, "createdAt": iso_ms(self.created_ms), "updatedAt": iso_ms(self.updated_ms),
            "customProperties": self._property_values(), "registrants": counts["REGISTERED"],
            "attendees": counts["ATTENDED"], "cancellations": counts["CANCELLED"], "noShows": counts["NO_SHOW"],
            "eventCancelled": self.cancelled, "eventCompleted": self.completed,
        }
        return self._optional(out)

    def read_response_v2(self, counts):
        """MarketingEventPublicReadResponseV2 (GET {objectId}); counts as the event rollup shows them."""
        out = {
            "objectId": self.object_id, "eventName": self.name, "eventOrganizer": self.organizer,
            "externalEventId": self.external_id, "createdAt": iso_ms(self.created_ms), "updatedAt": iso_ms(self.updated_ms),
            "customProperties": [{"name": name, "value": value} for name, value in self.custom],
            "registrants": counts["REGISTERED"], "attendees": counts["ATTENDED"],
            "cancellations": counts["CANCELLED"], "noShows": counts["NO_SHOW"],
            "eventCancelled": self.cancelled, "eventCompleted": self.completed,
            "appInfo": self.app_info(),
        }
        return self._optional(out)

    def app_info(self):
        return {"id": str(self.app_id), "name": self.app_name}

    def public_default_response(self):
        """MarketingEventPublicDefaultResponse (PATCH events/{externalEventId})."""
        out = {
            "id": self.object_id, "objectId": self.object_id, "eventName": self.name, "eventOrganizer": self.organizer,
            "createdAt": iso_ms(self.created_ms), "updatedAt": iso_ms(self.updated_ms),
            "customProperties": self._property_values(), "eventCancelled": self.cancelled, "eventCompleted": self.completed,
        }
        return self._optional(out)

    def public_default_response_v2(self):
        """MarketingEventPublicDefaultResponseV2 (PATCH {objectId})."""
        out = {
            "objectId": self.object_id, "eventName": self.name, "eventOrganizer": self.organizer,
            "createdAt": iso_ms(self.created_ms), "updatedAt": iso_ms(self.updated_ms),
            "customProperties": [{"name": name, "value": value} for name, value in self.custom],
            "eventCancelled": self.cancelled, "eventCompleted": self.completed, "appInfo": self.app_info(),
        }
        return self._optional(out)

    def state_json(self):
        """The event as /_emulator/state shows it."""
        return {"objectId": self.object_id, "appId": self.app_id, "externalAccountId": self.account,
                "externalEventId": self.external_id, "eventName": self.name, "eventOrganizer": self.organizer,
                "eventType": self.event_type, "eventUrl": self.url, "eventDescription": self.description,
                "startDateTime": iso_ms(self.start_ms) if self.start_ms is not None else None,
                "endDateTime": iso_ms(self.end_ms) if self.end_ms is not None else None,
                "eventCancelled": self.cancelled, "eventCompleted": self.completed,
                "customProperties": dict(self.custom)}

    def percentage(self, duration_seconds):
        if self.start_ms is None or self.end_ms is None or self.end_ms <= self.start_ms:
            return None
        pct = 100.0 * duration_seconds * 1000 / (self.end_ms - self.start_ms)
        return str(int(round(max(0.0, min(100.0, pct)))))


class Participation(object):
    """One (event, contact) record with its version history.

    A version is a tuple (write time on the monotonic clock, state, occurredAt, duration or None). The newest
    version is the stored truth; a reader with a lag sees the newest version written at least that long ago.
    """

    __slots__ = ("id", "event", "contact", "versions", "created_iso", "shown")

    def __init__(self, pid, event, contact, version, created_ms):
        self.id = pid
        self.event = event
        self.contact = contact
        self.versions = [version]
        self.created_iso = iso_ms(created_ms)
        self.shown = None  # the state this participation counts for in its event's rollup (None: not counted)

    @property
    def last(self):
        return self.versions[-1]

    def visible(self, cutoff):
        """The newest version written at or before ``cutoff``, or None."""
        versions = self.versions
        version = versions[-1]
        if version[0] <= cutoff:
            return version
        for index in range(len(versions) - 2, -1, -1):
            if versions[index][0] <= cutoff:
                return versions[index]
        return None

    def view(self, cutoff, now):
        """(state, occurredAt, duration) as a reader whose horizon is ``cutoff`` sees it at ``now`` (epoch ms), or None."""
        version = self.visible(cutoff)
        if version is None:
            return None
        if version[1] == "REGISTERED" and self.event.ended(now):
            return ("NO_SHOW", self.event.end_ms, None)
        return version[1:]

    def breakdown(self, view):
        contact = self.contact
        event = self.event
        state, occurred_at, duration = view
        assoc_contact = {"contactId": str(contact.id), "email": contact.email or ""}
        for key in ("firstname", "lastname"):
            value = contact.properties.get(key)
            if value:
                assoc_contact[key] = value
        props = {"attendanceState": state, "occurredAt": occurred_at}
        if state == "ATTENDED" and duration is not None:
            props["attendanceDurationSeconds"] = duration
            pct = event.percentage(duration)
            if pct is not None:
                props["attendancePercentage"] = pct
        return {
            "id": self.id,
            "createdAt": self.created_iso,
            "associations": {
                "contact": assoc_contact,
                "marketingEvent": {"marketingEventId": event.object_id, "name": event.name,
                                   "externalAccountId": event.account, "externalEventId": event.external_id},
            },
            "properties": props,
        }

    def state_json(self, now):
        state, occurred_at, duration = self.view(float("inf"), now)
        return {"eventObjectId": self.event.object_id, "externalAccountId": self.event.account,
                "externalEventId": self.event.external_id, "contactId": str(self.contact.id),
                "email": self.contact.email or "", "attendanceState": state, "occurredAt": occurred_at,
                "attendanceDurationSeconds": duration}
