# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.hubspot.marketing.plugins.module_utils import _events as ev
from ansible_collections.hubspot.marketing.plugins.module_utils._errors import HubSpotApiError, HubSpotTransportError
from ansible_collections.hubspot.marketing.plugins.module_utils._participations import EventRef
from ansible_collections.hubspot.marketing.tests.unit.conftest import spec_client

ME = "/marketing/v3/marketing-events"
REF = EventRef(external_account_id="acc", external_event_id="web-1")
BY_ID = EventRef(object_id="58000001")

READ = {  # GET events/{externalEventId} (MarketingEventPublicReadResponse)
    "id": "58000001", "objectId": "58000001", "externalEventId": "web-1", "eventName": "Webinar", "eventOrganizer": "Org",
    "eventType": "WEBINAR", "startDateTime": "2026-03-01T10:00:00.000Z", "endDateTime": "2026-03-01T11:00:00.000Z",
    "eventCancelled": False, "eventCompleted": False, "createdAt": "2026-02-01T00:00:00.000Z", "updatedAt": "2026-02-01T00:00:00.000Z",
    "registrants": 3, "attendees": 0, "cancellations": 0, "noShows": 0,
    "customProperties": [{"name": "topic", "value": "ansible", "source": "INTEGRATION", "sourceId": "1"}],
}
READ_V2 = {  # GET {objectId} (MarketingEventPublicReadResponseV2), an event of another app
    "objectId": "58000001", "externalEventId": "theirs", "eventName": "Summit", "eventOrganizer": "Them",
    "eventCancelled": False, "eventCompleted": False, "createdAt": "2026-02-01T00:00:00.000Z", "updatedAt": "2026-02-01T00:00:00.000Z",
    "customProperties": [{"name": "topic", "value": "x"}], "appInfo": {"id": "7654321", "name": "Partner app"},
}


def api_error(status, body, method="GET", path=ME + "/events/web-1"):
    return HubSpotApiError.from_response(method, path, status, json.dumps(body))


NOT_FOUND = api_error(404, {"status": "error", "message": "not found", "category": "OBJECT_NOT_FOUND", "correlationId": "c-1"})
CONFLICT_BODY = {
    "status": "error", "category": "VALIDATION_ERROR", "correlationId": "c-2", "errorType": "UNIQUE_VALUE_CONFLICT",
    "message": "A marketing event with these ids already exists (hs_unique_id). Existing ID: 58000001",
    "errorTokens": {"existingObjectId": ["58000001"], "propertyName": ["hs_unique_id"]},
}


def client_answering(gets=(), posts=(), requests=()):
    """A spec'd client; each method answers (or raises) the given items in order."""
    return spec_client(get=gets, post=posts, request=requests)


def desired(**params):
    return ev.desired_from_params(params)


# ---------------------------------------------------------------------------------------------
# Pure helpers


class TestValues:

    def test_iso_instant(self):
        assert ev.iso_instant(0) == "1970-01-01T00:00:00.000Z"
        assert ev.iso_instant(1772359200123) == "2026-03-01T10:00:00.123Z"

    def test_desired_is_canonical(self):
        got = desired(event_name="W", start_date_time="2026-03-01T11:00:00+01:00", end_date_time="1772362800000",
                      event_cancelled=False, custom_properties={"seats": 50, "live": True, "topic": "x"}, event_url=None)
        assert got == {"event_name": "W", "start_date_time": "2026-03-01T10:00:00.000Z", "end_date_time": "2026-03-01T11:00:00.000Z",
                       "event_cancelled": False, "custom_properties": {"seats": "50", "live": "true", "topic": "x"}}

    @pytest.mark.parametrize("params, paths", [
        (dict(start_date_time="tomorrow"), ["start_date_time"]),
        (dict(start_date_time="2026-03-01T10:00:00Z", end_date_time="2026-03-01T09:00:00Z"), ["end_date_time"]),
        (dict(event_name=" ", event_organizer=""), ["event_name", "event_organizer"]),
        (dict(custom_properties={"a": {"b": 1}, "c": [1], "d": None, "ok": 1}), ["custom_properties.a", "custom_properties.c", "custom_properties.d"]),
        (dict(custom_properties={" ": "x"}), ["custom_properties"]),
        (dict(custom_properties={"n": float("nan"), "i": float("-inf"), "f": 1.5}), ["custom_properties.i", "custom_properties.n"]),
        (dict(state="cancelled", event_cancelled=False), ["event_cancelled"]),
        (dict(state="cancelled", event_cancelled=True, start_date_time="2026-03-01T10:00:00Z"), []),
    ])
    def test_input_errors_name_the_field(self, params, paths):
        assert [e["path"] for e in ev.input_errors(params)] == paths


class TestCompare:

    def current(self):
        return ev.normalize_event(READ, "acc")

    def test_nothing_desired_nothing_changes(self):
        assert ev.compare(self.current(), {}) == {}

    def test_same_instant_in_another_form_is_unchanged(self):
        assert ev.compare(self.current(), desired(start_date_time="2026-03-01T11:00:00+01:00", end_date_time="1772362800000")) == {}

    def test_only_differing_fields_in_field_order(self):
        changes = ev.compare(self.current(), desired(end_date_time="2026-03-01T12:00:00Z", event_name="Renamed", event_type="WEBINAR",
                                                     event_url="https://x.example"))
        assert list(changes) == ["event_name", "event_url", "end_date_time"]
        assert changes["event_name"] == ("Webinar", "Renamed")
        assert changes["event_url"] == (None, "https://x.example")
        assert changes["end_date_time"] == ("2026-03-01T11:00:00.000Z", "2026-03-01T12:00:00.000Z")

    def test_booleans(self):
        assert ev.compare(self.current(), desired(event_cancelled=False)) == {}
        assert ev.compare(self.current(), desired(event_cancelled=True)) == {"event_cancelled": (False, True)}
        assert ev.compare(dict(self.current(), event_cancelled=None), desired(event_cancelled=False)) == {}

    def test_custom_properties_compare_only_the_names_given_as_text(self):
        assert ev.compare(self.current(), desired(custom_properties={"topic": "ansible"})) == {}
        changes = ev.compare(self.current(), desired(custom_properties={"topic": "ansible", "seats": 50}))
        assert changes == {"custom_properties.seats": (None, "50")}
        assert ev.diff_views(changes) == ({"custom_properties": {"seats": None}}, {"custom_properties": {"seats": "50"}})

    def test_update_body_sends_only_the_changes(self):
        changes = ev.compare(self.current(), desired(event_name="Renamed", event_organizer="Org", custom_properties={"seats": 5}))
        assert ev.update_body(changes) == {"eventName": "Renamed", "customProperties": [{"name": "seats", "value": "5"}]}
        # customProperties is required by the PATCH schemas, also when none changes
        assert ev.update_body({"event_cancelled": (False, True)}) == {"eventCancelled": True, "customProperties": []}

    def test_create_body(self):
        body = ev.create_body(REF, desired(event_name="W", event_organizer="O", start_date_time="2026-03-01T10:00:00Z",
                                           custom_properties={"b": 1, "a": "x"}))
        assert body == {"externalAccountId": "acc", "externalEventId": "web-1", "eventName": "W", "eventOrganizer": "O",
                        "startDateTime": "2026-03-01T10:00:00.000Z",
                        "customProperties": [{"name": "a", "value": "x"}, {"name": "b", "value": "1"}]}

    def test_normalize_both_read_shapes(self):
        one = ev.normalize_event(READ, "acc")
        two = ev.normalize_event(READ_V2)
        assert set(one) == set(two)
        assert one["event_id"] == one["object_id"] == "58000001" and one["external_account_id"] == "acc"
        assert one["custom_properties"] == {"topic": "ansible"} and one["registrants"] == 3 and one["app_id"] is None
        assert two["app_id"] == "7654321" and two["app_name"] == "Partner app" and two["external_account_id"] is None

    def test_normalize_reads_only_counts_as_counts(self):
        # The same rule as a page's total and the participation counters: a "5", a true or a -1 counts nothing.
        odd = ev.normalize_event(dict(READ, registrants="5", attendees=True, cancellations=-1, noShows=2.0))
        assert [odd[k] for k in ("registrants", "attendees", "cancellations", "no_shows")] == [None, None, None, None]


class TestConflict:

    def test_error_keeps_error_type_and_tokens(self):
        exc = api_error(400, CONFLICT_BODY, "POST", ME + "/events")
        assert exc.error_type == "UNIQUE_VALUE_CONFLICT"
        assert exc.error_tokens["existingObjectId"] == ["58000001"]
        assert ev.conflict_object_id(exc) == "58000001"

    def test_id_from_the_message_when_no_tokens(self):
        body = dict(CONFLICT_BODY)
        del body["errorTokens"]
        assert ev.conflict_object_id(api_error(400, body)) == "58000001"

    @pytest.mark.parametrize("status, body", [
        (400, {"status": "error", "category": "VALIDATION_ERROR", "message": "eventName is required. Existing ID: 5"}),
        (409, dict(CONFLICT_BODY)),
        (400, dict(CONFLICT_BODY, errorTokens={}, message="conflict")),
    ])
    def test_other_errors_are_no_conflict(self, status, body):
        assert ev.conflict_object_id(api_error(status, body)) is None

    def test_a_lost_create_race_updates_the_winner(self):
        winner = dict(READ, eventName="Made elsewhere")
        client = client_answering(
            gets=[NOT_FOUND, winner, dict(winner, eventName="Webinar")],
            posts=[api_error(400, CONFLICT_BODY, "POST", ME + "/events")],
            requests=[dict(winner, eventName="Webinar")],
        )
        outcome = ev.ensure_event(client, REF, "present", desired(event_name="Webinar", event_organizer="Org"))
        assert outcome.actions == ["update"]
        assert (outcome.before, outcome.after) == ({"event_name": "Made elsewhere"}, {"event_name": "Webinar"})
        assert client.post.call_args[0][0] == ME + "/events"
        client.request.assert_called_once_with("PATCH", ME + "/events/web-1", params={"externalAccountId": "acc"},
                                               json_body={"eventName": "Webinar", "customProperties": []})
        assert outcome.event["event_id"] == "58000001" and outcome.event["event_name"] == "Webinar"
        assert len(outcome.warnings) == 1 and "UNIQUE_VALUE_CONFLICT" in outcome.warnings[0] and "58000001" in outcome.warnings[0]

    def test_a_conflict_that_names_no_event_still_reads_the_winner(self):
        """HubSpot's conflict may carry only errorType UNIQUE_VALUE_CONFLICT: the event is read by its external ids."""
        bare = {"status": "error", "errorType": "UNIQUE_VALUE_CONFLICT", "message": "conflict"}
        client = client_answering(gets=[NOT_FOUND, READ], posts=[api_error(400, bare, "POST", ME + "/events")])
        outcome = ev.ensure_event(client, REF, "present", desired(event_name="Webinar", event_organizer="Org"))
        assert outcome.changed is False and outcome.event["event_id"] == "58000001"
        assert outcome.warnings == ["event web-1 (external account acc) was created meanwhile (HubSpot answered "
                                    "UNIQUE_VALUE_CONFLICT); went on with that event instead"]

    def test_a_lost_race_to_an_identical_event_changes_nothing(self):
        client = client_answering(gets=[NOT_FOUND, READ], posts=[api_error(400, CONFLICT_BODY, "POST", ME + "/events")])
        outcome = ev.ensure_event(client, REF, "present", desired(event_name="Webinar", event_organizer="Org"))
        assert outcome.changed is False and outcome.actions == []
        client.request.assert_not_called()

    @pytest.mark.parametrize("ours", [True, False])
    def test_a_conflict_after_an_attempt_that_may_have_been_processed_reports_the_create(self, ours):
        """A create whose first attempt got no answer but may have created the event (the client marks the error:
        ``earlier_attempt_maybe_applied``), and whose retry is answered UNIQUE_VALUE_CONFLICT: HubSpot cannot
        tell whose the event is, so the run reports the create (changed). Without that mark another run made it."""
        def post(path, body, params=None):
            conflict = api_error(400, CONFLICT_BODY, "POST", ME + "/events")
            conflict.earlier_attempt_maybe_applied = ours
            raise conflict

        # the absent event, the event read back after the conflict, and (after a reported create) the final read
        client = client_answering(gets=[NOT_FOUND, READ, READ], posts=post)
        outcome = ev.ensure_event(client, REF, "present", desired(event_name="Webinar", event_organizer="Org"))
        assert outcome.changed is ours and outcome.actions == (["create"] if ours else [])
        assert client.get.call_count == (3 if ours else 2)
        if ours:
            assert outcome.before == {"state": "absent"} and outcome.after["state"] == "present"
        assert len(outcome.warnings) == 1 and ("may have created it" in outcome.warnings[0]) is ours
        client.request.assert_not_called()  # the event read back holds the fields asked for: no update

    def test_a_conflict_on_our_retry_whose_event_cannot_be_read_yet_may_stand(self):
        # The identifiers and reads lag a new event: the conflict says it exists, the read does not show it yet.
        conflict = api_error(400, CONFLICT_BODY, "POST", ME + "/events")
        conflict.earlier_attempt_maybe_applied = True
        client = client_answering(gets=[NOT_FOUND, NOT_FOUND], posts=[conflict])
        outcome = ev.ensure_event(client, REF, "present", desired(event_name="Webinar", event_organizer="Org"))
        assert outcome.failure is conflict and outcome.changed and outcome.actions == []
        assert "the failed create got no readable answer, so HubSpot may hold it" in outcome.failure_message()

    def test_other_create_errors_are_raised(self):
        client = client_answering(gets=[NOT_FOUND], posts=[api_error(400, {"category": "VALIDATION_ERROR", "message": "bad"})])
        with pytest.raises(HubSpotApiError):
            ev.ensure_event(client, REF, "present", desired(event_name="Webinar", event_organizer="Org"))


class TestEnsure:

    @pytest.mark.parametrize("state", ["present", "completed", "cancelled", "absent"])
    def test_check_mode_never_writes(self, state):
        client = client_answering(gets=[READ])
        outcome = ev.ensure_event(client, REF, state, desired(event_name="Renamed", end_date_time="2026-03-01T12:00:00Z"), check_mode=True)
        assert outcome.changed
        client.post.assert_not_called()
        client.request.assert_not_called()
        assert client.get.call_count == 1

    def test_unchanged_reads_once(self):
        client = client_answering(gets=[READ])
        outcome = ev.ensure_event(client, REF, "present", desired(event_name="Webinar", start_date_time="2026-03-01T10:00:00Z"))
        assert not outcome.changed and outcome.event["event_name"] == "Webinar"
        client.get.assert_called_once_with(ME + "/events/web-1", params={"externalAccountId": "acc"})

    def test_create_sends_every_field_and_reads_back(self):
        created = dict(READ, registrants=0)
        client = client_answering(gets=[NOT_FOUND, created], posts=[created])
        outcome = ev.ensure_event(client, REF, "present", desired(event_name="Webinar", event_organizer="Org", event_type="WEBINAR"))
        assert outcome.actions == ["create"]
        assert outcome.before == {"state": "absent"}
        assert outcome.after == {"event_name": "Webinar", "event_organizer": "Org", "event_type": "WEBINAR", "state": "present"}
        assert client.post.call_args[0][1]["eventType"] == "WEBINAR"
        assert outcome.event["registrants"] == 0

    def test_create_needs_name_and_organizer(self):
        client = client_answering(gets=[NOT_FOUND])
        with pytest.raises(ev.EventStateError, match="creating it needs event_name and event_organizer"):
            ev.ensure_event(client, REF, "present", desired(event_type="WEBINAR"))

    def test_an_event_given_by_id_is_never_created(self):
        client = client_answering(gets=[NOT_FOUND])
        with pytest.raises(ev.EventStateError, match="event 58000001 not found"):
            ev.ensure_event(client, BY_ID, "present", desired(event_name="W", event_organizer="O"))
        client.post.assert_not_called()

    @pytest.mark.parametrize("held, missing", [
        (dict(startDateTime=None, endDateTime=None), "holds no start time and end time; give start_date_time and end_date_time"),
        (dict(endDateTime=None), "holds no end time; give end_date_time"),
        (dict(endDateTime=1.5), "holds no readable end time; give end_date_time"),      # an answer's odd value: no traceback
        (dict(startDateTime={"at": 1}), "holds no readable start time; give start_date_time"),
    ])
    def test_complete_needs_times(self, held, missing):
        client = client_answering(gets=[dict(READ, **held)])
        with pytest.raises(ev.EventStateError, match=missing):
            ev.ensure_event(client, REF, "completed", {})

    def test_complete_is_idempotent(self):
        done = dict(READ, eventCompleted=True)
        client = client_answering(gets=[done])
        assert not ev.ensure_event(client, REF, "completed", desired(end_date_time="2026-03-01T11:00:00Z")).changed
        client = client_answering(gets=[done, done], posts=[done])
        outcome = ev.ensure_event(client, REF, "completed", desired(end_date_time="2026-03-01T10:30:00Z"))
        assert outcome.actions == ["complete"]
        assert client.post.call_args[0] == (ME + "/events/web-1/complete",
                                            {"startDateTime": "2026-03-01T10:00:00.000Z", "endDateTime": "2026-03-01T10:30:00.000Z"})

    def test_cancel_by_id_patches_the_flag(self):
        client = client_answering(gets=[READ_V2, dict(READ_V2, eventCancelled=True)], requests=[dict(READ_V2, eventCancelled=True)])
        outcome = ev.ensure_event(client, BY_ID, "cancelled", {})
        assert outcome.actions == ["cancel"]
        client.request.assert_called_once_with("PATCH", ME + "/58000001", params=None,
                                               json_body={"eventCancelled": True, "customProperties": []})

    def test_complete_by_id_of_another_app_fails_clearly(self):
        client = client_answering(gets=[READ_V2, {"results": []}])
        with pytest.raises(ev.EventStateError, match="external ids of the app that created it.*Partner app"):
            ev.ensure_event(client, BY_ID, "completed", desired(start_date_time="2026-03-01T10:00:00Z", end_date_time="2026-03-01T11:00:00Z"))
        assert client.get.call_args[0] == (ME + "/events/search",)
        assert client.get.call_args[1] == {"params": {"q": "theirs"}}
        client.post.assert_not_called()

    @pytest.mark.parametrize("check_mode", [False, True])
    def test_complete_by_id_of_another_app_fails_before_the_update(self, check_mode):
        """The complete HubSpot would refuse is found by a read before any write, in check mode too."""
        client = client_answering(gets=[READ_V2, {"results": []}])
        with pytest.raises(ev.EventStateError, match="Partner app"):
            wanted = desired(event_name="Renamed", start_date_time="2026-03-01T10:00:00Z", end_date_time="2026-03-01T11:00:00Z")
            ev.ensure_event(client, BY_ID, "completed", wanted, check_mode=check_mode)
        client.request.assert_not_called()
        client.post.assert_not_called()

    def test_complete_by_id_of_this_app_uses_its_external_ids(self):
        mine = dict(READ_V2, appInfo={"id": "1", "name": "Mine"})
        found = {"results": [{"objectId": "58000001", "externalEventId": "theirs", "externalAccountId": "acc", "appId": 1}]}
        client = client_answering(gets=[mine, found, dict(mine, eventCompleted=True)], posts=[dict(mine, eventCompleted=True)])
        outcome = ev.ensure_event(client, BY_ID, "completed", desired(start_date_time="2026-03-01T10:00:00Z", end_date_time="2026-03-01T11:00:00Z"))
        assert outcome.actions == ["complete"] and outcome.failure is None
        assert client.post.call_args[0][0] == ME + "/events/theirs/complete"
        assert client.post.call_args[1] == {"params": {"externalAccountId": "acc"}}

    def test_completing_a_new_event_without_times_creates_nothing(self):
        client = client_answering(gets=[NOT_FOUND])
        with pytest.raises(ev.EventStateError, match="completing an event needs its start and end time"):
            ev.ensure_event(client, REF, "completed", desired(event_name="W", event_organizer="O"))
        client.post.assert_not_called()

    @pytest.mark.parametrize("given, message", [
        (dict(end_date_time="2026-03-01T09:00:00Z"), "end_date_time: must not be before the event's start_date_time, 2026-03-01T10:00:00.000Z"),
        (dict(start_date_time="2026-03-01T12:00:00Z"), "start_date_time: must not be after the event's end_date_time, 2026-03-01T11:00:00.000Z"),
    ])
    @pytest.mark.parametrize("state", ["present", "completed"])
    def test_a_time_given_alone_must_fit_the_one_held(self, given, message, state):
        client = client_answering(gets=[READ])
        with pytest.raises(ev.EventStateError, match=message):
            ev.ensure_event(client, REF, state, desired(**given))
        client.request.assert_not_called()
        client.post.assert_not_called()

    def test_a_time_given_alone_that_fits_is_written(self):
        client = client_answering(gets=[READ, READ], requests=[READ])
        outcome = ev.ensure_event(client, REF, "present", desired(end_date_time="2026-03-01T10:00:00Z"))
        assert outcome.actions == ["update"]

    def test_a_failure_after_a_write_keeps_what_hubspot_answered(self):
        renamed = dict(READ, eventName="Renamed")
        refused = api_error(500, {"status": "error", "message": "boom"}, "POST", ME + "/events/web-1/cancel")
        client = client_answering(gets=[READ], requests=[renamed], posts=[refused])
        outcome = ev.ensure_event(client, REF, "cancelled", desired(event_name="Renamed"))
        assert outcome.failure is refused
        assert outcome.actions == ["update"] and outcome.changed
        assert outcome.event["event_name"] == "Renamed" and outcome.event["event_cancelled"] is False
        assert client.get.call_count == 1  # no read back after a failure

    def test_a_failed_read_back_after_the_writes_warns(self):
        renamed = dict(READ, eventName="Renamed")
        lost = api_error(503, {"status": "error", "message": "unavailable"})
        client = client_answering(gets=[READ, lost], requests=[renamed])
        outcome = ev.ensure_event(client, REF, "present", desired(event_name="Renamed"))
        assert outcome.failure is None and outcome.actions == ["update"]
        assert outcome.event["event_name"] == "Renamed"
        assert len(outcome.warnings) == 1 and "reading the event back failed" in outcome.warnings[0] and "503" in outcome.warnings[0]

    def test_a_lost_race_to_a_completed_event_decides_again(self):
        done = dict(READ, eventCompleted=True)
        client = client_answering(gets=[NOT_FOUND, done], posts=[api_error(400, CONFLICT_BODY, "POST", ME + "/events")])
        times = dict(start_date_time="2026-03-01T10:00:00Z", end_date_time="2026-03-01T11:00:00Z")
        outcome = ev.ensure_event(client, REF, "completed", desired(event_name="Webinar", event_organizer="Org", **times))
        assert outcome.actions == [] and not outcome.changed
        assert client.post.call_count == 1  # the refused create; no complete

    @pytest.mark.parametrize("ref, given, message", [
        (BY_ID, dict(event_name="W"), "event 58000001 not found"),
        (REF, dict(event_organizer="O"), "creating it needs event_name"),
    ])
    def test_an_event_that_cannot_be_created_says_so_first(self, ref, given, message):
        client = client_answering(gets=[NOT_FOUND])
        with pytest.raises(ev.EventStateError, match=message):
            ev.ensure_event(client, ref, "completed", desired(**given))

    @pytest.mark.parametrize("failure, may_hold", [
        (api_error(400, {"status": "error", "message": "refused"}, "POST", ME + "/events/web-1/cancel"), False),
        (api_error(503, {"status": "error", "message": "unavailable"}, "POST", ME + "/events/web-1/cancel"), True),
    ])
    def test_the_failure_message_names_the_writes_that_stand(self, failure, may_hold):
        client = client_answering(gets=[READ], requests=[dict(READ, eventName="Renamed")], posts=[failure])
        outcome = ev.ensure_event(client, REF, "cancelled", desired(event_name="Renamed"))
        message = outcome.failure_message()
        assert message.startswith(str(failure)) and "(before this failure HubSpot answered: update" in message
        assert ("HubSpot may hold it too" in message) is may_hold

    def test_a_refused_first_write_is_raised(self):
        refused = api_error(400, {"status": "error", "message": "bad", "category": "VALIDATION_ERROR"}, "POST", ME + "/events/web-1/cancel")
        client = client_answering(gets=[READ], posts=[refused])
        with pytest.raises(HubSpotApiError):
            ev.ensure_event(client, REF, "cancelled", {})

    @pytest.mark.parametrize("failure", [
        api_error(500, {"status": "error", "message": "boom"}, "POST", ME + "/events/web-1/cancel"),
        HubSpotTransportError("POST", ME + "/events/web-1/cancel", "timed out"),
        # refused on the retry, after an attempt that got no answer and may have been applied
        HubSpotApiError("POST", ME + "/events/web-1/cancel", 429, policy="DAILY", retries=1, earlier_attempt_maybe_applied=True),
    ])
    def test_a_first_write_that_may_stand_is_reported_changed(self, failure):
        client = client_answering(gets=[READ], posts=[failure])
        outcome = ev.ensure_event(client, REF, "cancelled", {})
        assert outcome.failure is failure and outcome.changed and outcome.actions == []
        message = outcome.failure_message()
        assert message.startswith(str(failure))
        assert "the failed cancel got no readable answer, so HubSpot may hold it: run the task again" in message
        assert "before this failure" not in message
        client.get.assert_called_once()  # no read back after a failure

    def test_a_create_that_may_stand_is_reported_changed(self):
        client = client_answering(gets=[NOT_FOUND], posts=[HubSpotTransportError("POST", ME + "/events", "timed out")])
        outcome = ev.ensure_event(client, REF, "present", desired(event_name="Webinar", event_organizer="Org"))
        assert outcome.changed and outcome.actions == [] and outcome.event == {}
        assert "the failed create got no readable answer" in outcome.failure_message()

    def test_a_read_failure_before_any_write_is_raised(self):
        # A 5xx on a read is no write that may stand: the task fails unchanged.
        client = client_answering(gets=[api_error(503, {"message": "down"}, "GET", ME + "/events/web-1")])
        with pytest.raises(HubSpotApiError):
            ev.ensure_event(client, REF, "cancelled", {})

    def test_check_mode_event_shows_the_custom_properties_it_would_set(self):
        client = client_answering(gets=[READ])
        outcome = ev.ensure_event(client, REF, "present", desired(custom_properties={"topic": "yaml", "level": 2}), check_mode=True)
        assert outcome.event["custom_properties"] == {"topic": "yaml", "level": "2"}
        assert outcome.after == {"custom_properties": {"level": "2", "topic": "yaml"}}

    @pytest.mark.parametrize("state, actions, after", [
        ("completed", ["create", "complete"], {"event_completed": True}),
        ("cancelled", ["create", "cancel"], {"event_cancelled": True}),
    ])
    def test_a_created_event_has_no_before_but_absent(self, state, actions, after):
        times = dict(start_date_time="2026-03-01T10:00:00Z", end_date_time="2026-03-01T11:00:00Z")
        client = client_answering(gets=[NOT_FOUND])
        outcome = ev.ensure_event(client, REF, state, desired(event_name="W", event_organizer="O", **times), check_mode=True)
        assert outcome.actions == actions
        assert outcome.before == {"state": "absent"}
        assert all(outcome.after[k] == v for k, v in after.items())

    def test_dropped_custom_property_warns(self):
        client = client_answering(gets=[READ, READ], requests=[READ])
        outcome = ev.ensure_event(client, REF, "present", desired(custom_properties={"unknown_prop": "x"}))
        assert outcome.actions == ["update"]
        assert any("unknown_prop" in w for w in outcome.warnings)

    def test_absent(self):
        client = client_answering(gets=[READ], requests=[{}])
        outcome = ev.ensure_event(client, REF, "absent", {})
        assert outcome.actions == ["delete"] and outcome.event == {} and outcome.before["event_name"] == "Webinar"
        assert outcome.before["custom_properties"] == {"topic": "ansible"}
        client.request.assert_called_once_with("DELETE", ME + "/events/web-1", params={"externalAccountId": "acc"}, json_body=None)
        assert outcome.warnings == []
        client = client_answering(gets=[NOT_FOUND])
        outcome = ev.ensure_event(client, REF, "absent", {})
        assert not outcome.changed and outcome.warnings == []

    @pytest.mark.parametrize("ours", [True, False])
    def test_a_delete_answered_404_leaves_the_event_absent(self, ours):
        """HubSpot's 404 to the DELETE: the event is gone, as asked. After an attempt of this delete that got no
        answer (``earlier_attempt_maybe_applied``) the delete is reported, with a warning; else someone deleted
        it meanwhile, and nothing changed."""
        gone = api_error(404, {"status": "error", "message": "not found", "category": "OBJECT_NOT_FOUND"}, "DELETE")
        gone.earlier_attempt_maybe_applied = ours
        client = client_answering(gets=[READ], requests=[gone])
        outcome = ev.ensure_event(client, REF, "absent", {})
        assert outcome.failure is None and outcome.event == {}
        assert outcome.changed is ours and outcome.actions == (["delete"] if ours else [])
        assert len(outcome.warnings) == 1
        assert ("may have deleted it on that attempt; reported as deleted" in outcome.warnings[0]) is ours
        assert ("was deleted meanwhile" in outcome.warnings[0]) is not ours

    @pytest.mark.parametrize("status, body", [
        (404, "<html>Not Found</html>"),  # not HubSpot's answer: a gateway's page says nothing of the event
        (500, json.dumps({"status": "error", "message": "boom", "category": "INTERNAL_ERROR"})),
    ])
    def test_other_delete_failures_still_fail(self, status, body):
        error = HubSpotApiError.from_response("DELETE", ME + "/events/web-1", status, body, earlier_attempt_maybe_applied=True)
        client = client_answering(gets=[READ], requests=[error])
        outcome = ev.ensure_event(client, REF, "absent", {})
        assert outcome.failure is error and outcome.changed and outcome.actions == []
        assert "the failed delete got no readable answer, so HubSpot may hold it" in outcome.failure_message()

    def test_absent_names_the_event_fields_it_does_not_use(self):
        client = client_answering(gets=[NOT_FOUND])
        outcome = ev.ensure_event(client, REF, "absent", desired(event_name="W", custom_properties={"a": 1}))
        assert outcome.warnings == ["state=absent deletes the event; custom_properties, event_name are not used"]
        client = client_answering(gets=[NOT_FOUND])
        outcome = ev.ensure_event(client, REF, "absent", desired(event_name="W"))
        assert outcome.warnings == ["state=absent deletes the event; event_name is not used"]

    def test_a_404_page_that_is_not_json_is_no_proof_of_absence(self):
        """An HTML 404 (HubSpot serves some, so do proxies) fails the task: reading it as "absent" would
        report a delete as done, or create a second event, while HubSpot still holds the first."""
        page = HubSpotApiError.from_response("GET", ME + "/events/web-1", 404, "<html><h1>Not Found</h1></html>")
        for state in ("absent", "present"):
            client = client_answering(gets=[page])
            with pytest.raises(HubSpotApiError, match="not HubSpot's JSON error, so not a sign that the object is missing"):
                ev.ensure_event(client, REF, state, {"event_name": "Webinar"})
            client.request.assert_not_called()
            client.post.assert_not_called()


class TestFind:

    def test_identifiers_404_is_none(self):
        client = client_answering(gets=[api_error(404, {"message": "x"})])
        assert ev.find_identifiers(client, "web-1") == []

    def test_list_pages_with_the_one_pager(self):
        client = client_answering(gets=[{"results": [READ_V2], "paging": {"next": {"after": "c1"}}}, {"results": [dict(READ_V2, objectId="2")]}])
        events, pages = ev.list_events(client, page_size=1)
        assert [e["event_id"] for e in events] == ["58000001", "2"] and pages == 2
        assert client.get.call_args_list[1][1] == {"params": {"limit": 1, "after": "c1"}}


@pytest.mark.parametrize("value, message", [
    (1772359200, "looks like epoch seconds (1772359200 is before 1973 in milliseconds): give epoch milliseconds or an RFC 3339 timestamp"),
    ("1772359200", "looks like epoch seconds (1772359200 is before 1973 in milliseconds): give epoch milliseconds or an RFC 3339 timestamp"),
    ("2099-01-01T00:00:00Z", None),  # an event may be scheduled far ahead: no future limit
])
def test_event_times_refuse_epoch_seconds(value, message):
    errors = ev.input_errors({"start_date_time": value})
    assert errors == ([{"path": "start_date_time", "message": message}] if message else [])


@pytest.mark.parametrize("value, message", [
    ("253402300800000", "must not be after 9999-12-31T23:59:59.999Z"),
    (999999999999999, "must not be after 9999-12-31T23:59:59.999Z"),
    ("9999-12-31T23:59:59-23:00", "must not be after 9999-12-31T23:59:59.999Z"),
    ("\uff11\uff17\uff17\uff12\uff13\uff15\uff19\uff12\uff10\uff10\uff10\uff10\uff10",  # fullwidth digits
     "must be epoch milliseconds (an integer) or an RFC 3339 timestamp such as 2024-06-04T10:00:00Z"),
    ("253402300799999", None),
])
def test_event_times_stay_within_what_a_date_time_can_show(value, message):
    errors = ev.input_errors({"start_date_time": value})
    assert errors == ([{"path": "start_date_time", "message": message}] if message else [])


def test_a_held_time_past_year_9999_reads_as_unknown():
    assert ev._millis("9999-12-31T23:59:59-23:00") is None


@pytest.mark.parametrize("raw, reason", [
    ({"objectId": "1", "appInfo": "x"}, "appInfo is str, not an object"),
    ({"objectId": ["1"]}, "objectId is list, not a string"),
    ({"objectId": "1", "customProperties": {"a": 1}}, "customProperties is dict, not a list"),
    ({"objectId": "1", "customProperties": [{"name": ["a"], "value": 1}]}, "customProperties[0] is not an object with a string name"),
    ("x", "is str, not an object"),
    ({"objectId": "1", "eventCancelled": "false"}, "eventCancelled is str, not a boolean"),
    ({"objectId": "1", "eventCompleted": 0}, "eventCompleted is int, not a boolean"),
    ({"objectId": "1", "appInfo": {"id": 1}, "customProperties": [{"name": "a", "value": "1"}], "eventCancelled": False}, None),
])
def test_event_problem(raw, reason):
    assert ev.event_problem(raw) == reason


def test_a_misshapen_event_read_is_malformed_and_a_write_answer_is_read_leniently():
    client = spec_client(get=[{"objectId": "1", "appInfo": "x"}])
    with pytest.raises(HubSpotApiError) as exc:
        ev.read_event(client, EventRef(object_id="1"))
    assert exc.value.category == "MALFORMED_RESPONSE" and "the event appInfo is str, not an object" in str(exc.value)
    lenient = ev.normalize_event({"objectId": "1", "appInfo": "x", "customProperties": [{"name": ["a"]}, {"name": "b", "value": "2"}]})
    assert lenient["app_id"] is None and lenient["custom_properties"] == {"b": "2"}


@pytest.mark.parametrize("body, reason", [
    ({"results": "x"}, "results is str, not a list"),
    ({"results": ["x"]}, "results[0] is str, not an object"),
    ({"results": [{"objectId": "1", "appInfo": "x"}]}, "results[0] appInfo is str, not an object"),
])
def test_misshapen_identifiers_are_malformed(body, reason):
    client = spec_client(get=[body])
    with pytest.raises(HubSpotApiError) as exc:
        ev.find_identifiers(client, "ev-1")
    assert exc.value.category == "MALFORMED_RESPONSE" and reason in str(exc.value)
