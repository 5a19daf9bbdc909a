"""Attendance writes: ``register``, ``attend`` and ``cancel`` for contacts given by vid or by email, on an event
given by objectId or by external ids. The batch answer follows the live API (CONTRACT.md section 12)."""

import time

from .common import ATTEND_PROPERTIES, EMAIL_RE, INVALID, SECONDS_LIMIT, SUBSCRIBER_STATES, is_int, is_str_map, iso_ms, now_ms, \
    parse_instant_ms
from .replies import Reply, bad_request, input_error
from .store import holds

_SKIP = object()  # an input dropped without a word, or answered with a per-input error


def attendance_object_vid(store, request):
    return _write(store, request, False, lambda: store.event_by_object_id(request["params"]["objectId"]))


def attendance_object_email(store, request):
    return _write(store, request, True, lambda: store.event_by_object_id(request["params"]["objectId"]))


def attendance_external_vid(store, request):
    return _write(store, request, False, lambda: store.event_by_external(
        request["query"].get("externalAccountId"), request["params"]["externalEventId"]))


def attendance_external_email(store, request):
    return _write(store, request, True, lambda: store.event_by_external(
        request["query"].get("externalAccountId"), request["params"]["externalEventId"]))


def _write(store, request, by_email, resolve_event):
    state_word = request["params"]["subscriberState"]
    state = SUBSCRIBER_STATES.get(state_word)
    if state is None:
        raise bad_request("Unknown state for '%s'. Correct are 'register', 'attend' or 'cancel'." % state_word, "subscriberState")
    inputs = validate_inputs(request["body"], by_email)
    batch = Batch(store, resolve_event(), state, by_email, request.get("store", True), request.get("reject"))
    for item in inputs:
        batch.add(item)
    return batch.reply()


def validate_inputs(body, by_email):
    """The batch's ``inputs``, each checked for shape (a bad one fails the whole request with a 400)."""
    if body is INVALID:
        raise bad_request("Invalid input JSON on line 1: the request body is not valid JSON")
    if not isinstance(body, dict) or not isinstance(body.get("inputs"), list):
        raise bad_request("Invalid input: 'inputs' is required and must be a list", "inputs")
    inputs = body["inputs"]
    for index, item in enumerate(inputs):
        _check_input("inputs[%d]" % index, item, by_email)
    return inputs


def _check_input(where, item, by_email):
    if not isinstance(item, dict):
        raise bad_request("%s must be an object" % where, where)
    if by_email:
        if not isinstance(item.get("email"), str):
            raise bad_request("%s.email is required and must be a string" % where, where + ".email")
    elif not is_int(item.get("vid")):
        raise bad_request("%s.vid is required and must be an integer" % where, where + ".vid")
    if not is_int(item.get("interactionDateTime")):
        raise bad_request("%s.interactionDateTime is required and must be an integer (epoch milliseconds)" % where,
                          where + ".interactionDateTime")
    keys = ("properties", "contactProperties") if by_email else ("properties",)
    for key in keys:
        if item.get(key) is not None and not is_str_map(item[key]):
            raise bad_request("%s.%s must be a map of string to string" % (where, key), "%s.%s" % (where, key))


class Batch(object):
    """One attendance write: the inputs applied one by one, and the answer they make.

    ``store_writes=False`` (the ``stored_nothing`` fault): answered as usual but nothing changes.
    ``reject`` (the ``reject_input`` fault): ``(identifier, named)``, an input HubSpot refuses with a per-input
    error, whose message names the contact only when ``named``.
    """

    def __init__(self, store, event, state, by_email, store_writes, reject):
        self.store = store
        self.event = event
        self.state = state
        self.by_email = by_email
        self.store_writes = store_writes
        self.reject = reject
        self.requested = now_ms()
        self.written = time.monotonic()
        self.results = []
        self.errors = []

    def add(self, item):
        found = self._contact(item)
        if found is _SKIP:
            return
        label, contact, email = found
        duration = self._duration(item, label)
        if duration is _SKIP:
            return
        part = self.event.by_contact.get(contact.id) if contact is not None else None
        at = item["interactionDateTime"]
        if holds(part, self.state, duration):
            # already held: nothing changes and the input is not listed, but a new time is a new timeline event
            if self.store_writes:
                self.store.note_interaction(self.event, contact, self.state, at)
            return
        vid, contact = self._vid(item, contact, email)
        if self.store_writes and (duration is None or duration >= 1):
            self.store.write(self.event, contact, self.state, at, duration, self.written)
            self.store.note_interaction(self.event, contact, self.state, at)
        self.results.append({"email": item["email"], "vid": vid} if self.by_email else {"vid": vid})

    def _fail(self, category, message, sub_category=None):
        self.errors.append(input_error(category, message, sub_category))
        return _SKIP

    def _contact(self, item):
        """(label, contact or None, normalised email or None), or _SKIP after listing the input's error."""
        email = None
        if self.by_email:
            label = item["email"]
            email = label.strip().lower()
            if not EMAIL_RE.match(email):
                return self._fail("VALIDATION_ERROR", "Invalid email address `%s`" % label)
            contact = self.store.contact_by_email(email)
        else:
            label = str(item["vid"])
            contact = self.store.contacts.get(item["vid"])
            if contact is None:
                return self._fail("OBJECT_NOT_FOUND", "Contact with vid %s does not exist" % label)
        if self.reject is not None and label.strip().lower() == self.reject[0]:
            named = " for `%s`" % label if self.reject[1] else ""
            return self._fail("VALIDATION_ERROR", "The contact cannot take part in this event%s" % named)
        return label, contact, email

    def _duration(self, item, label):
        """The attended span in seconds, None for the other states, or _SKIP."""
        if item["interactionDateTime"] < SECONDS_LIMIT:
            return _SKIP  # seconds, not milliseconds: HubSpot drops the input without a word
        if self.state != "ATTENDED":
            return None
        outcome = attend_span(item.get("properties") or {}, label)
        if outcome is None:
            return _SKIP  # joinedAt/leftAt missing or not ISO-8601: dropped without a word
        if isinstance(outcome, dict):
            self.errors.append(outcome)
            return _SKIP
        return outcome

    def _vid(self, item, contact, email):
        """(vid, contact) the answer lists; an unknown email's contact is created (unless nothing is stored)."""
        if contact is not None:
            return contact.id, contact
        if not self.store_writes:
            return self.store.reserve_contact_id(), None
        props = dict(item.get("contactProperties") or {})
        props.pop("email", None)
        contact = self.store.new_contact(email, props)
        return contact.id, contact

    def reply(self):
        completed = now_ms()
        body = {"status": "COMPLETE", "results": self.results, "requestedAt": iso_ms(self.requested), "startedAt": iso_ms(self.requested),
                "completedAt": iso_ms(completed), "numErrors": len(self.errors), "errors": self.errors, "links": {}}
        partial_status = self.store.config["partial_status"]
        if self.errors and partial_status != 200:
            status = partial_status
        else:
            status = 201 if self.state == "REGISTERED" else 200
        return Reply(status, body)


def attend_span(props, label):
    """The outcome of an attend input's properties.

    None: dropped without a word (joinedAt or leftAt missing, or not an ISO-8601 instant); a dict: the per-input
    error; an int: the span in whole seconds (0 is answered as listed but not stored).
    """
    for key in sorted(props):
        if key not in ATTEND_PROPERTIES:
            return input_error("VALIDATION_ERROR", "Property `%s` is not allowed for state attend (allowed: joinedAt, leftAt) for `%s`"
                               % (key, label))
    joined = parse_instant_ms(props.get("joinedAt"))
    left = parse_instant_ms(props.get("leftAt"))
    if joined is None or left is None:
        return None
    if joined >= left:
        return input_error("VALIDATION_ERROR", "joinedAt param must be earlier than leftAt for `%s`" % label,
                           "AttendanceValidationError.JOINED_AT_IS_LATER_THAN_LEFT_AT_FOR_EMAIL")
    return (left - joined) // 1000
