"""The portal's data: contacts, events and participations with their indexes, the versioned writes that make
reads lag, and the event rollups (breakdown totals and counters).

A ``Store`` is not locked: the ``Emulator`` calls it under its lock. A reset makes a new one.
"""

import base64
import collections
import json
import time
from urllib.parse import urlencode

from .common import (ALWAYS, APP_ID, APP_NAME, CURSOR_RE, DIGITS_RE, FIRST_CONTACT_ID, FIRST_EVENT_ID, FIRST_PARTICIPATION_ID,
                     READ_STATES, is_int, now_ms)
from .model import Contact, Event, Participation
from .replies import bad_request, not_found


class Store(object):
    """Records, indexes and id counters; ``config`` is the Emulator's config (shared, read for lags and quirks)."""

    def __init__(self, config, salt):
        self.config = config
        self.salt = salt  # paging cursors of another emulator process are refused
        # the largest lag configured since the reset: history older than this is never read again
        self.max_lag = max(config["contact_lag"], config["event_lag"])
        self.contacts = {}
        self.contacts_by_email = {}
        self.events = {}
        self.events_by_external = {}
        self.events_by_external_id = collections.defaultdict(list)
        self.participations = []
        self.contact_participations = collections.defaultdict(list)
        # The contacts' timeline events of attendance calls: one per (event, contact, state, interactionDateTime).
        self.timeline = []
        self.timeline_keys = set()
        self.next_contact_id = FIRST_CONTACT_ID
        self.next_event_id = FIRST_EVENT_ID
        self.next_participation_id = FIRST_PARTICIPATION_ID

    def config_changed(self):
        self.max_lag = max(self.max_lag, self.config["contact_lag"], self.config["event_lag"])

    # ---- lookups

    def event_by_object_id(self, object_id):
        event = self.events.get(object_id)
        if event is None:
            raise not_found("Marketing event %s not found" % object_id)
        return event

    def event_by_external(self, account, external_id):
        if not account:
            raise bad_request("externalAccountId is required", "externalAccountId")
        event = self.events_by_external.get((account, external_id))
        if event is None:
            raise not_found("Marketing event with externalAccountId=%s and externalEventId=%s not found" % (account, external_id))
        return event

    def contact_by_email(self, email):
        """The contact with this (normalised) email, or None."""
        contact_id = self.contacts_by_email.get(email)
        return self.contacts.get(contact_id) if contact_id is not None else None

    def contact_by_identifier(self, identifier):
        if "@" in identifier:
            return self.contact_by_email(identifier.strip().lower())
        if DIGITS_RE.match(identifier):
            return self.contacts.get(int(identifier))
        return None

    def indexed_before(self, lag_key):
        """Events created at or before this epoch-ms are visible to the lagging lookup ``lag_key``."""
        return now_ms() - self.config.get(lag_key, 0)

    # ---- creation and removal

    def new_contact(self, email, properties):
        contact = Contact(self.next_contact_id, email, properties, now_ms())
        self.next_contact_id += 1
        self.contacts[contact.id] = contact
        if email:
            self.contacts_by_email[email] = contact.id
        return contact

    def reserve_contact_id(self):
        """Use up a contact id without creating the contact (a write answered as usual that stores nothing)."""
        vid = self.next_contact_id
        self.next_contact_id += 1
        return vid

    def new_event(self, account, external_id, name, organizer, app_id=APP_ID, app_name=APP_NAME):
        event = Event(str(self.next_event_id), account, external_id, name, organizer, now_ms(), app_id, app_name)
        self.next_event_id += 1
        self.events[event.object_id] = event
        if app_id == APP_ID:
            # External ids resolve only for the app that created the event; every API token here is that app.
            self.events_by_external[(account, external_id)] = event
        self.events_by_external_id[external_id].append(event)
        return event

    def drop_event(self, event):
        del self.events[event.object_id]
        if self.events_by_external.get((event.account, event.external_id)) is event:
            del self.events_by_external[(event.account, event.external_id)]
        same = self.events_by_external_id.get(event.external_id, [])
        same[:] = [e for e in same if e is not event]
        if not same:
            self.events_by_external_id.pop(event.external_id, None)
        if event.participations:
            self.participations = [p for p in self.participations if p.event is not event]
            for part in event.participations:
                parts = self.contact_participations.get(part.contact.id, [])
                parts[:] = [p for p in parts if p is not part]

    # ---- versioned writes

    def write(self, event, contact, state, occurred_at, duration, written):
        """Add a version to the (event, contact) participation, creating it on first write. ``written`` is the
        monotonic write time (ALWAYS for changes every reader sees at once)."""
        version = (written, state, occurred_at, duration if state == "ATTENDED" else None)
        part = event.by_contact.get(contact.id)
        if part is None:
            part = Participation(str(self.next_participation_id), event, contact, version, now_ms())
            self.next_participation_id += 1
            event.participations.append(part)
            event.by_contact[contact.id] = part
            self.contact_participations[contact.id].append(part)
            self.participations.append(part)
        else:
            versions = part.versions
            versions.append(version)
            # drop versions no reader can see any more (a later one is old enough for the largest lag)
            horizon = time.monotonic() - self.max_lag
            while len(versions) > 1 and versions[1][0] <= horizon:
                del versions[0]
        if written == ALWAYS:
            reshow(event, part, event.rollup_cutoff)
        else:
            event.pending.append((written, part))
            self.advance(event, self.cutoff("event_lag"))
        return part

    def note_interaction(self, event, contact, state, at):
        """A stored attendance call's timeline event. HubSpot's calls are "idempotent so long as the contact ID and
        interactionDateTime have not changed" (CONTRACT section 12, row 14): a call with a new time adds a timeline
        event even when the state is already held (and so absent from the answer's results, row 5)."""
        key = (event.object_id, contact.id, state, at)
        if key not in self.timeline_keys:
            self.timeline_keys.add(key)
            self.timeline.append(key)

    def cutoff(self, key):
        """The write-time horizon of a reader with config lag ``key`` (contact_lag or event_lag)."""
        return time.monotonic() - self.config[key]

    # ---- event rollups

    @staticmethod
    def advance(event, cutoff):
        """Bring the event rollup to horizon ``cutoff``: amortised O(1) per write while the horizon moves forward;
        a horizon moved back (event_lag raised) recounts the event."""
        if cutoff < event.rollup_cutoff:
            event.rollup = dict((state, 0) for state in READ_STATES)
            pending = []
            for part in event.participations:
                part.shown = None
                reshow(event, part, cutoff)
                pending.extend((version[0], part) for version in part.versions if version[0] > cutoff)
            pending.sort(key=lambda entry: entry[0])
            event.pending = collections.deque(pending)
        else:
            pending = event.pending
            while pending and pending[0][0] <= cutoff:
                reshow(event, pending.popleft()[1], cutoff)
        event.rollup_cutoff = cutoff

    def event_counts(self, event, cutoff, now):
        """(counts by read state, number of visible participations) as the event rollup shows them at horizon ``cutoff``."""
        self.advance(event, cutoff)
        counts = dict(event.rollup)
        visible = sum(counts.values())
        if event.ended(now):
            counts["NO_SHOW"] += counts["REGISTERED"]
            counts["REGISTERED"] = 0
        return counts, visible

    def event_rollup(self, event):
        return self.event_counts(event, self.cutoff("event_lag"), now_ms())[0]

    # ---- paging cursors

    def encode_cursor(self, offset):
        raw = json.dumps({"o": offset, "s": self.salt}, separators=(",", ":")).encode("utf-8")
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    def decode_cursor(self, cursor):
        try:
            if not CURSOR_RE.match(cursor):
                raise ValueError("bad characters")
            data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8"))
            if not isinstance(data, dict) or data.get("s") != self.salt or not is_int(data.get("o")) or data["o"] < 0:
                raise ValueError("bad cursor")
        except (ValueError, TypeError, UnicodeDecodeError):
            raise bad_request("Invalid paging cursor 'after': pass paging.next.after back verbatim", "after")
        return data["o"]

    def next_page(self, request, offset):
        """The ``paging`` member of a page that another follows, which starts after ``offset``."""
        after = self.encode_cursor(offset)
        query = dict(request["query"])
        query["after"] = after
        return {"next": {"after": after, "link": "%s%s?%s" % (request["base_url"], request["path"], urlencode(query))}}


def holds(part, state, duration):
    """True when the participation's stored (newest) version already is this state (and duration, for ATTENDED)."""
    if part is None:
        return False
    last = part.last
    return last[1] == state and (state != "ATTENDED" or last[3] == duration)


def reshow(event, part, cutoff):
    """Recount one participation in the event rollup as a reader with horizon ``cutoff`` sees it."""
    version = part.visible(cutoff)
    state = version[1] if version is not None else None
    if state != part.shown:
        if part.shown is not None:
            event.rollup[part.shown] -= 1
        if state is not None:
            event.rollup[state] += 1
        part.shown = state
