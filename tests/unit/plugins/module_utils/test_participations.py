# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Events, paths, the snake_case participation shape and breakdown reads."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


import pytest

from ansible_collections.hubspot.marketing.plugins.module_utils import _reconcile
from ansible_collections.hubspot.marketing.plugins.module_utils._attendance import prepare_contacts
from ansible_collections.hubspot.marketing.plugins.module_utils._errors import HubSpotApiError, HubSpotPagingError
from ansible_collections.hubspot.marketing.plugins.module_utils._participations import (
    READ_STATES,
    STATE_FILTERS,
    EventRef,
    breakdown_pager,
    contact_breakdown_path,
    normalize,
    read_breakdown,
    read_counters,
)
from ansible_collections.hubspot.marketing.tests.unit.conftest import BASE, FakeHubSpot, load_fixture, query_of

PREFIX = "/marketing/v3/marketing-events"
KEYS = {"id", "created_at", "event_id", "event_name", "external_account_id", "external_event_id", "contact_id", "email",
        "firstname", "lastname", "state", "occurred_at", "attendance_duration_seconds", "attendance_percentage"}


class TestEventRef:

    def test_from_params(self):
        assert EventRef.from_params({"event_id": "456"}).object_id == "456"
        ext = EventRef.from_params({"event_id": None, "external_event_id": "ev 1", "external_account_id": "acc/1"})
        assert (ext.object_id, ext.external_account_id, ext.external_event_id) == (None, "acc/1", "ev 1")
        assert EventRef.from_params({"event_id": None, "external_event_id": None, "external_account_id": None}) is None
        assert EventRef.from_params({"contact": "a@b.c"}) is None

    def test_needs_an_id(self):
        with pytest.raises(ValueError):
            EventRef()
        with pytest.raises(ValueError):
            EventRef(external_event_id="ev")

    def test_paths(self):
        by_id = EventRef(object_id=456)
        assert by_id.breakdown_path() == PREFIX + "/participations/456/breakdown"
        assert by_id.counters_path() == PREFIX + "/participations/456"
        assert by_id.describe() == "event 456"
        ext = EventRef(external_account_id="acc/1", external_event_id="ev 1")
        assert ext.breakdown_path() == PREFIX + "/participations/acc%2F1/ev%201/breakdown"
        assert ext.counters_path() == PREFIX + "/participations/acc%2F1/ev%201"
        assert ext.describe() == "event ev 1 (external account acc/1)"
        assert ext.as_dict() == {"event_id": None, "external_account_id": "acc/1", "external_event_id": "ev 1"}

    def test_contact_path_encodes_the_email(self):
        assert contact_breakdown_path("jane+x@example.com") == PREFIX + "/participations/contacts/jane%2Bx%40example.com/breakdown"
        assert contact_breakdown_path("51") == PREFIX + "/participations/contacts/51/breakdown"


class TestNormalize:

    def test_full_item(self):
        item = load_fixture("breakdown_event_page1.json")["results"][0]
        assert normalize(item) == {
            "id": "1001",
            "created_at": "2024-06-04T10:00:00Z",
            "event_id": "456",
            "event_name": "Product webinar",
            "external_account_id": "acc-1",
            "external_event_id": "ev-1",
            "contact_id": "51",
            "email": "jane@example.com",
            "firstname": "Jane",
            "lastname": "Doe",
            "state": "attended",
            "occurred_at": 1717495200000,
            "attendance_duration_seconds": 3600,
            "attendance_percentage": "85",
        }

    def test_absent_fields_are_none_and_every_key_is_present(self):
        item = load_fixture("breakdown_event_page1.json")["results"][1]
        out = normalize(item)
        assert set(out) == KEYS
        assert out["state"] == "no_show"
        for key in ("firstname", "lastname", "external_account_id", "external_event_id",
                    "attendance_duration_seconds", "attendance_percentage"):
            assert out[key] is None

    def test_empty_item(self):
        out = normalize({})
        assert set(out) == KEYS
        assert all(v is None for v in out.values())

    @pytest.mark.parametrize("api, ours", sorted(READ_STATES.items()) + [("SOMETHING_NEW", "something_new")])
    def test_states(self, api, ours):
        assert normalize({"properties": {"attendanceState": api}})["state"] == ours

    def test_state_filters_are_the_uppercase_read_values(self):
        assert STATE_FILTERS == {"registered": "REGISTERED", "attended": "ATTENDED", "cancelled": "CANCELLED", "no_show": "NO_SHOW"}


class TestReads:

    def test_event_breakdown_two_pages(self, client, requests_mock):
        page1 = load_fixture("breakdown_event_page1.json")
        page2 = load_fixture("breakdown_event_page2.json")
        requests_mock.get(BASE + PREFIX + "/participations/456/breakdown", [{"json": page1}, {"json": page2}])
        items, total, pages = read_breakdown(client, event=EventRef(object_id="456"), page_size=2)
        assert [i["id"] for i in items] == ["1001", "1002", "1003"]
        assert [i["state"] for i in items] == ["attended", "no_show", "cancelled"]
        assert (total, pages) == (3, 2)
        first, second = requests_mock.request_history
        assert query_of(first) == {"limit": "2"}
        assert query_of(second) == {"limit": "2", "after": page1["paging"]["next"]["after"]}

    def test_event_breakdown_filtered_by_contact_and_state(self, client, requests_mock):
        url = BASE + PREFIX + "/participations/acc-1/ev-1/breakdown"
        requests_mock.get(url, json={"total": 0, "results": []})
        event = EventRef(external_account_id="acc-1", external_event_id="ev-1")
        assert read_breakdown(client, event=event, contact="jane@example.com", state="no_show") == ([], 0, 1)
        assert query_of(requests_mock.last_request) == {"contactIdentifier": "jane@example.com", "state": "NO_SHOW", "limit": "100"}

    def test_attendance_reads_an_unknown_contact_as_no_participation(self, client, requests_mock):
        """The attendance module's per-contact reads use read_breakdown's 404 rule; an unknown event still fails."""
        requests_mock.get(BASE + PREFIX + "/participations/contacts/ghost%40example.com/breakdown", status_code=404,
                          json={"status": "error", "category": "OBJECT_NOT_FOUND", "message": "Contact not found"})
        requests_mock.get(BASE + PREFIX + "/participations/contacts/jane%40example.com/breakdown", json=load_fixture("breakdown_contact.json"))
        event = EventRef(object_id="456")
        items = _reconcile.read_contacts(client, event, [{"email": "ghost@example.com"}, {"email": "jane@example.com"}])
        assert [(i["event_id"], i["email"]) for i in items] == [("456", "jane@example.com")]
        requests_mock.get(BASE + PREFIX + "/participations/456/breakdown", status_code=404,
                          json={"status": "error", "category": "OBJECT_NOT_FOUND", "message": "Marketing event 456 not found"})
        with pytest.raises(HubSpotApiError):
            read_breakdown(client, event=event)

    def test_contact_breakdown(self, client, requests_mock):
        requests_mock.get(BASE + PREFIX + "/participations/contacts/jane%40example.com/breakdown", json=load_fixture("breakdown_contact.json"))
        items, total, pages = read_breakdown(client, contact="jane@example.com", state="attended", limit=5)
        assert [i["event_id"] for i in items] == ["123", "456"]
        assert (total, pages) == (2, 1)
        assert query_of(requests_mock.last_request) == {"state": "ATTENDED", "limit": "5"}

    def test_contact_id_may_be_an_int(self, client, requests_mock):
        requests_mock.get(BASE + PREFIX + "/participations/contacts/51/breakdown", json={"total": 0, "results": []})
        assert read_breakdown(client, contact=51)[0] == []

    def test_total_falls_back_to_the_count(self, client, requests_mock):
        body = load_fixture("breakdown_event_page2.json")
        del body["total"]
        requests_mock.get(BASE + PREFIX + "/participations/456/breakdown", json=body)
        assert read_breakdown(client, event=EventRef(object_id="456"))[1] == 1

    def test_limit(self, client, requests_mock):
        requests_mock.get(BASE + PREFIX + "/participations/456/breakdown", json=load_fixture("breakdown_event_page1.json"))
        items, total, pages = read_breakdown(client, event=EventRef(object_id="456"), limit=1)
        assert len(items) == 1 and total == 3 and pages == 1
        assert query_of(requests_mock.last_request)["limit"] == "1"

    def test_repeated_cursor(self, client, requests_mock):
        page1 = load_fixture("breakdown_event_page1.json")
        page1["total"] = 50
        requests_mock.get(BASE + PREFIX + "/participations/456/breakdown", json=page1)
        with pytest.raises(HubSpotPagingError, match="a second time"):
            read_breakdown(client, event=EventRef(object_id="456"), page_size=2)
        assert requests_mock.call_count == 2

    def test_needs_event_or_contact(self, client):
        with pytest.raises(ValueError):
            breakdown_pager(client)

    def test_unknown_contact_reads_as_nothing(self, client, requests_mock):
        """The one home of the rule the info module and the lookup share: a 404 on the contact breakdown is no participation."""
        requests_mock.get(BASE + PREFIX + "/participations/contacts/nobody%40example.com/breakdown", status_code=404,
                          json={"status": "error", "category": "OBJECT_NOT_FOUND", "message": "no such contact"})
        assert read_breakdown(client, contact="nobody@example.com") == ([], 0, 0)

    def test_unknown_event(self, client, requests_mock):
        requests_mock.get(BASE + PREFIX + "/participations/999/breakdown", status_code=404, json=load_fixture("error_404_event.json"))
        with pytest.raises(HubSpotApiError) as exc:
            read_breakdown(client, event=EventRef(object_id="999"))
        assert exc.value.status == 404
        assert "correlationId 7c0b8e5e-0d6f-4a34-9b8e-1f2d3c4b5a69" in str(exc.value)

    def test_counters(self, client, requests_mock):
        requests_mock.get(BASE + PREFIX + "/participations/456", json=load_fixture("counters.json"))
        assert read_counters(client, EventRef(object_id="456")) == {"registered": 0, "attended": 1, "cancelled": 1, "no_show": 1}
        requests_mock.get(BASE + PREFIX + "/participations/acc-1/ev-1", json={"attended": 2})
        counters = read_counters(client, EventRef(external_account_id="acc-1", external_event_id="ev-1"))
        assert counters == {"registered": None, "attended": 2, "cancelled": None, "no_show": None}

    def test_a_counter_that_is_no_count_is_null(self, client, requests_mock):
        # Read as the pages' total is: only an integer from 0 counts; a "5", a true, a -1 or a 2.5 is not a count.
        requests_mock.get(BASE + PREFIX + "/participations/456", json={"registered": "5", "attended": True, "cancelled": -1, "noShows": 2.5})
        assert read_counters(client, EventRef(object_id="456")) == {"registered": None, "attended": None, "cancelled": None, "no_show": None}


class TestWholeEventRead:
    """Every participation of an event: one cursor per state in parallel when that shortens the chain."""

    EVENT = EventRef(object_id="456")
    SNAKE = ("registered", "attended", "cancelled", "no_show")

    def fake(self, n, states=SNAKE):
        return FakeHubSpot([(i + 1, "c%d@example.com" % i, states[i % len(states)]) for i in range(n)])

    @staticmethod
    def states_asked(fake):
        return [params.get("state") for dummy, params in fake.gets]

    def test_mixed_states_are_read_one_cursor_each(self):
        fake = self.fake(1000)
        items, total, pages = read_breakdown(fake.client(), event=self.EVENT)
        # the unfiltered first page decides; then 4 cursors of 250 participations, 3 pages each
        asked = self.states_asked(fake)
        assert asked.count(None) == 1 and sorted(s for s in asked if s) == sorted(list(STATE_FILTERS.values()) * 3)
        assert (total, pages, len(fake.gets)) == (1000, 13, 13)
        assert sorted(int(i["contact_id"]) for i in items) == list(range(1, 1001))
        # state by state, state names in alphabetical order, HubSpot's order within each
        assert [i["state"] for i in items] == [s for s in sorted(STATE_FILTERS) for dummy in range(250)]
        attended = [int(i["contact_id"]) for i in items if i["state"] == "attended"]
        assert attended == sorted(attended)

    def test_one_cursor_when_a_limit_or_a_page_size_is_given(self):
        for options in ({"limit": 1000}, {"page_size": 99}):
            fake = self.fake(1000)
            items, total, dummy = read_breakdown(fake.client(), event=self.EVENT, **options)
            assert set(self.states_asked(fake)) == {None} and len(items) == total == 1000

    def test_one_state_keeps_one_cursor(self):
        fake = self.fake(1000, states=("attended",))
        items, total, pages = read_breakdown(fake.client(), event=self.EVENT)
        assert set(self.states_asked(fake)) == {None} and (len(items), total, pages) == (1000, 1000, 10)

    def test_a_state_that_cannot_be_filtered_on_the_first_page_keeps_one_cursor(self):
        fake = self.fake(1000)
        fake.parts[7]["state"] = "EMPTY"
        items, total, pages = read_breakdown(fake.client(), event=self.EVENT)
        assert set(self.states_asked(fake)) == {None} and (len(items), pages) == (1000, 10)
        assert [i["state"] for i in items].count("empty") == 1

    def test_a_state_that_cannot_be_filtered_later_is_read_through_the_one_cursor(self):
        fake = self.fake(1000)
        fake.parts[700]["state"] = "EMPTY"
        items, total, pages = read_breakdown(fake.client(), event=self.EVENT)
        # the state cursors found 999 of the 1000 the first page announced: the one cursor is read to its end
        asked = self.states_asked(fake)
        assert asked.count(None) == 10 and len(asked) == 22 and pages == 22
        assert sorted(int(i["contact_id"]) for i in items) == list(range(1, 1001))
        assert [i["state"] for i in items].count("empty") == 1

    def test_a_small_event_or_one_without_a_total_is_one_cursor(self):
        fake = self.fake(100)
        items, total, pages = read_breakdown(fake.client(), event=self.EVENT)
        assert (len(fake.gets), len(items), total, pages) == (1, 100, 100, 1)
        fake = self.fake(1000)
        answer = fake.get

        def without_total(path, params=None):
            body = answer(path, params)
            del body["total"]
            return body

        fake.get = without_total
        items, total, pages = read_breakdown(fake.client(), event=self.EVENT)
        assert set(self.states_asked(fake)) == {None} and (len(items), total, pages) == (1000, 1000, 10)

    def moving_fake(self, twice, lost):
        """1,000 participations where contact 5 (registered) also shows among the attended (it moved
        between the two cursors' reads) and contact 6 (attended) in neither: with both, the counts add
        up but a contact comes twice."""
        fake = self.fake(1000)
        answer = fake.get

        def moving(path, params=None):
            body = answer(path, params)
            state = (params or {}).get("state")
            if state == "ATTENDED" and twice and "after" not in params:
                body["results"].insert(0, dict(FakeHubSpot.item(fake.parts[4]), properties={"attendanceState": "ATTENDED"}))
                body["total"] += 0 if lost else 1
            if state == "ATTENDED" and lost:
                body["results"] = [r for r in body["results"] if r["id"] != "p6"]
                body["total"] -= 0 if twice else 1
            return body

        fake.get = moving
        return fake

    @pytest.mark.parametrize("twice, lost", [(True, False), (False, True), (True, True)])
    def test_a_participation_that_changed_state_between_the_reads_falls_back_to_one_cursor(self, twice, lost):
        fake = self.moving_fake(twice, lost)
        items, total, pages = read_breakdown(fake.client(), event=self.EVENT)
        asked = self.states_asked(fake)
        assert asked.count(None) == 10 and len(asked) == pages == 22
        assert sorted(int(i["contact_id"]) for i in items) == list(range(1, 1001))

    def test_the_attendance_read_falls_back_the_same_way(self):
        # the attendance module's read (every state, for its diff) keeps one contact in one state
        fake = self.moving_fake(True, True)
        contacts = prepare_contacts([{"email": "c%d@example.com" % i} for i in range(1000)], "registered", 1767225600000)
        index, dummy = _reconcile.read_event(fake.client(), self.EVENT, contacts, _reconcile.read_states("registered", diff=True))
        assert self.states_asked(fake).count(None) == 10
        assert index[contacts[4]["key"]]["state"] == "registered" and index[contacts[5]["key"]]["state"] == "attended"


@pytest.mark.parametrize("item, reason", [
    ({"properties": {"attendanceState": ["ATTENDED"]}}, "properties.attendanceState is list, not a string"),
    ({"associations": {"contact": {"contactId": {"a": 1}}}}, "associations.contact.contactId is dict, not a string"),
    ({"associations": {"contact": {"email": True}}}, "associations.contact.email is bool, not a string"),
    ({"associations": {"contact": {"contactId": "1", "email": "a@b.co"}}, "properties": {"attendanceState": "ATTENDED"}}, None),
])
def test_breakdown_item_problem_names_unreadable_values(item, reason):
    from ansible_collections.hubspot.marketing.plugins.module_utils._participations import breakdown_item_problem
    assert breakdown_item_problem(item) == reason
