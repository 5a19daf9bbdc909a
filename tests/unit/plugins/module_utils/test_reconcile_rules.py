# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The rules of ``_reconcile`` that `make mutation` found untested: the read plan (and its request
counts), the verify rounds and deadline, where ``confirm`` moves a contact, how ``_judge`` fails.

Each test here failed against at least one surviving mutant of _reconcile.py (see hack/mutation.sh).
The writes (``write_contacts``) are tested elsewhere.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.hubspot.marketing.plugins.module_utils import _reconcile as r
from ansible_collections.hubspot.marketing.plugins.module_utils._attendance import READ_REASON, prepare_contacts
from ansible_collections.hubspot.marketing.plugins.module_utils._errors import (
    HubSpotApiError,
    HubSpotError,
    HubSpotPagingError,
    HubSpotTransportError,
    may_have_been_applied,
)
from ansible_collections.hubspot.marketing.plugins.module_utils._participations import BreakdownCursor, EventRef, split_pays
from ansible_collections.hubspot.marketing.tests.unit.conftest import NOW, FakeHubSpot, spec_client

EVENT = EventRef(object_id="456")
SPAN = {"joined_at": NOW - 3600 * 1000, "left_at": NOW}


def prepared(raw, state="registered"):
    """Prepared contacts (``prepare_contacts``) of ``raw``: ints are ids, strings emails."""
    given = [{"id": c} if isinstance(c, int) else {"email": c} for c in raw]
    return prepare_contacts(given, state, NOW, defaults=SPAN if state == "attended" else None)


def event_gets(fake):
    return [params for path, params in fake.gets if "/participations/contacts/" not in path]


def contact_gets(fake):
    return [(path.split("/")[-2], params) for path, params in fake.gets if "/participations/contacts/" in path]


def item(cid, state="REGISTERED", email=None, event_id="456", duration=None):
    props = {"attendanceState": state}
    if duration is not None:
        props["attendanceDurationSeconds"] = duration
    contact = {}
    if cid is not None:
        contact["contactId"] = str(cid)
    if email is not None:
        contact["email"] = email
    return {"id": "p%s" % cid, "associations": {"contact": contact, "marketingEvent": {"marketingEventId": event_id}},
            "properties": props}


# ---------------------------------------------------------------------------------------------
# What is read


def test_read_states():
    assert r.read_states("registered") == ("attended", "no_show", "registered")
    assert r.read_states("attended") == ("attended",)
    assert r.read_states("cancelled") == ("cancelled",)
    assert r.read_states("cancelled", diff=True) == ("attended", "cancelled", "no_show", "registered")


def test_held_part_keeps_what_the_delta_reads():
    assert r.held_part(item(7, "ATTENDED", "a@example.com", duration=60)) == {
        "state": "attended", "contact_id": "7", "email": "a@example.com", "attendance_duration_seconds": 60}


def test_contact_read_keeps_this_events_participation_named_as_given():
    # The two reads run at once: each answers by the contact in its path.
    answers = {"7": {"total": 2, "results": [item(None, "ATTENDED", event_id="456"), item(None, "CANCELLED", event_id="999")]},
               "Jane%40example.com": {"total": 1, "results": [item(None, "REGISTERED", event_id="456")]}}
    client = spec_client(get=lambda path, params=None: answers[path.split("/")[-2]])
    by_id, by_email = prepared([7, "Jane@example.com"])
    items = r.read_contacts(client, EVENT, [by_id, by_email], "attended")
    assert [(i["contact_id"], i["email"], i["state"]) for i in items] == [("7", None, "attended"), (None, "Jane@example.com", "registered")]
    assert client.request_count == 2
    assert [call.kwargs["params"].get("state") for call in client.get.call_args_list] == ["ATTENDED", "ATTENDED"]


def test_contact_read_keeps_what_hubspot_named():
    client = spec_client(get=[{"total": 1, "results": [item(8, "REGISTERED", "other@example.com")]}])
    items = r.read_contacts(client, EVENT, prepared([7]))
    assert [(i["contact_id"], i["email"]) for i in items] == [("8", "other@example.com")]


# ---------------------------------------------------------------------------------------------
# The cursor and the split


def paged(total, first, announce=True):
    """A spec'd client whose event breakdown has ``total`` registered participations, ``first`` on page one."""
    pages = []
    ids = list(range(1, total + 1))
    sizes = [first] + [100] * ((total - first + 99) // 100)
    start = 0
    for size in sizes:
        body = {"results": [item(i) for i in ids[start:start + size]]}
        if announce:
            body["total"] = total
        start += size
        if start < total:
            body["paging"] = {"next": {"after": str(start)}}
        pages.append(body)
    return spec_client(get=pages)


@pytest.mark.parametrize("total, pages_left", [(50, 0), (100, 1), (101, 1), (250, 2), (301, 3)])
def test_cursor_pages_left(total, pages_left):
    cursor = BreakdownCursor(paged(total, min(total, 100)), EVENT, None).first_page()
    assert cursor.pages_left() == pages_left
    assert len(cursor.items) == min(total, 100)
    assert cursor.done is (total < 100)


def test_cursor_without_total_has_at_least_one_page_left():
    cursor = BreakdownCursor(paged(250, 100, announce=False), EVENT, None).first_page()
    assert cursor.pages_left() == 1
    assert cursor.rest().pages_left() == 0
    assert len(cursor.items) == 250


def test_cursor_first_page_reads_one_page():
    client = paged(250, 100)
    cursor = BreakdownCursor(client, EVENT, "registered").first_page()
    assert client.request_count == 1 and cursor.state == "registered"
    assert client.get.call_args.kwargs["params"] == {"state": "REGISTERED", "limit": 100}


class First:
    def __init__(self, states):
        self.items = [{"state": s} for s in states]


@pytest.mark.parametrize("mix, states, pages_left, pays", [
    (["a"] * 50 + ["b"] * 30, ("a", "b"), 5, True),     # 50 * 6 == 0.75 * 5 * 80: just pays
    (["a"] * 51 + ["b"] * 29, ("a", "b"), 5, False),
    (["a"] * 40 + ["b"] * 40, ("a", "b"), 2, False),    # no more pages left than cursors
    (["a"] * 40 + ["b"] * 40, ("a", "b"), 3, True),
    (["a"] * 40 + ["b"] * 40, ("a",), 9, False),        # one state: nothing to split
    ([], ("a", "b"), 9, False),
    (["c"] * 70 + ["a"] * 5 + ["b"] * 5, ("a", "b"), 9, True),  # states not read do not count
    (["a"] * 5 + ["b"] * 75, ("a", "b"), 9, False),     # the largest state decides
])
def test_split_pays(mix, states, pages_left, pays):
    assert split_pays(First(mix), states, pages_left) is pays


# ---------------------------------------------------------------------------------------------
# The read plan: minimum requests


def registered(n, start=1):
    return [(i, "c%d@example.com" % i, "registered") for i in range(start, start + n)]


def test_read_event_without_contacts_reads_nothing():
    fake = FakeHubSpot(registered(5))
    client = fake.client()
    assert r.read_event(client, EVENT, [], ("registered",)) == ({}, {})
    assert fake.gets == []


def test_read_event_one_page_is_all():
    fake = FakeHubSpot(registered(30) + [(31, "x@example.com", "cancelled")])
    index, totals = r.read_event(fake.client(), EVENT, prepared([1, 99]), ("cancelled",))
    assert list(index) == ["id:31", "email:x@example.com"] and totals == {"cancelled": 1}
    assert event_gets(fake) == [{"state": "CANCELLED", "limit": 100}]


@pytest.mark.parametrize("unknown, reads, per_contact", [(2, 3, True), (3, 4, False)])
def test_read_event_per_contact_only_when_fewer_requests(unknown, reads, per_contact):
    # 350 participations: 3 pages after the first; contacts 1..5 are on it
    fake = FakeHubSpot(registered(350))
    contacts = prepared([1, 2, 3, 4, 5] + list(range(300, 300 + unknown)))
    client = fake.client()
    index, totals = r.read_event(client, EVENT, contacts, ("attended", "no_show", "registered"))
    assert client.request_count == reads
    assert bool(contact_gets(fake)) is per_contact
    assert all(c["key"] in index for c in contacts)
    assert totals == {None: 350}


def test_read_event_per_contact_reads_filter_by_the_state():
    fake = FakeHubSpot([(i, None, "attended") for i in range(1, 351)] + [(900, None, "registered")])
    index, totals = r.read_event(fake.client(), EVENT, prepared([1, 340, 900], "attended"), ("attended",))
    assert [params.get("state") for dummy, params in contact_gets(fake)] == ["ATTENDED", "ATTENDED"]
    # the first page (1..100) and contact 340; contact 900 is not attended
    assert len(index) == 101 and "id:340" in index and "id:900" not in index and totals == {"attended": 350}


def test_read_event_total_is_the_count_when_not_announced():
    client = paged(150, 100, announce=False)
    index, totals = r.read_event(client, EVENT, prepared([1, 140]), ("attended", "no_show", "registered"))
    assert client.request_count == 2 and totals == {None: 150} and len(index) == 150


def test_read_event_split_totals_by_state():
    parts = [(i, None, ("registered", "attended", "cancelled", "no_show")[i % 4]) for i in range(1, 1201)]
    fake = FakeHubSpot(parts)
    client = fake.client()
    index, totals = r.read_event(client, EVENT, prepared(range(1, 1201)), r.read_states("registered", diff=True))
    assert totals == {"attended": 300, "cancelled": 300, "no_show": 300, "registered": 300}
    assert client.request_count == 1 + 4 * 3
    assert len(index) == 1200


# ---------------------------------------------------------------------------------------------
# verify: the event breakdown while the rollup catches up


def cancelled_event(n, total=None, status=None):
    """A spec'd client whose event breakdown shows ``n`` cancelled participations (announcing ``total``)."""
    def get(path, params=None):
        if status is not None:
            raise HubSpotApiError("GET", path, status, category="X", message="no")
        offset = int((params or {}).get("after", 0))
        body = {"total": n if total is None else total, "results": [item(i, "CANCELLED") for i in range(offset + 1, min(n, offset + 100) + 1)]}
        if offset + 100 < n:
            body["paging"] = {"next": {"after": str(offset + 100)}}
        return body
    return spec_client(get=get)


@pytest.mark.parametrize("shown, expected, final, read", [
    (150, 150, False, True),
    (150, 151, False, False),
    (150, 151, True, True),
    (150, None, False, True),
])
def test_event_held_reads_on_only_when_the_rollup_caught_up(shown, expected, final, read):
    client = cancelled_event(shown)
    held = r._event_held(client, EVENT, "cancelled", expected, final)
    assert client.get.call_args_list[0].kwargs["params"] == {"state": "CANCELLED", "limit": 100}
    if read:
        assert len(held) == shown and client.request_count == 2
    else:
        assert held is None and client.request_count == 1


def test_event_held_without_total_reads_on():
    client = paged(150, 100, announce=False)
    assert len(r._event_held(client, EVENT, "registered", 500, False)) == 150


@pytest.mark.parametrize("expected, final, held", [(1, False, None), (0, False, {}), (1, True, {}), (None, False, {})])
@pytest.mark.parametrize("status", [None, 404])
def test_event_held_empty(expected, final, held, status):
    assert r._event_held(cancelled_event(0, status=status), EVENT, "cancelled", expected, final) == held


def test_event_held_other_errors_raise():
    with pytest.raises(HubSpotApiError):
        r._event_held(cancelled_event(0, status=500), EVENT, "cancelled", 0, True)


@pytest.mark.parametrize("event_total, pending, event", [
    (0, 3, False),     # 1 page * 3 rounds is not fewer than 3 contact reads
    (0, 4, True),
    (94, 6, True),     # 100 participations: 1 page
    (95, 6, False),    # 101: 2 pages
    (None, 40, False),  # the event breakdown was not read
])
def test_verify_round_reads_the_cheaper_way(event_total, pending, event):
    fake = FakeHubSpot([(i, None, "cancelled") for i in range(1, pending + 1)])
    client = fake.client()
    held = r._verify_round(client, EVENT, "cancelled", prepared(range(1, pending + 1), "cancelled"), event_total)
    assert sorted(held) == sorted("id:%d" % i for i in range(1, pending + 1))
    if event:
        assert client.request_count == 1 and event_gets(fake) == [{"state": "CANCELLED", "limit": 100}]
    else:
        assert client.request_count == pending and [p.get("state") for dummy, p in contact_gets(fake)] == ["CANCELLED"] * pending


def test_verify_round_of_registered_reads_contacts():
    fake = FakeHubSpot(registered(10))
    r._verify_round(fake.client(), EVENT, "registered", prepared(range(1, 11)), 0)
    assert len(contact_gets(fake)) == 10 and all("state" not in p for dummy, p in contact_gets(fake))


def test_verify_round_passes_expected_total_and_final():
    client = cancelled_event(10)
    assert r._verify_round(client, EVENT, "cancelled", prepared(range(1, 5), "cancelled"), 0, expected_total=11, final=False) is None
    assert len(r._verify_round(client, EVENT, "cancelled", prepared(range(1, 5), "cancelled"), 0, expected_total=11)) == 10


# ---------------------------------------------------------------------------------------------
# verify: backoff, deadline, final round


def test_verify_backs_off_to_the_deadline(verify_clock):
    fake = FakeHubSpot(known_ids=[1], store=False)
    pending, rounds = r.verify(fake.client(), EVENT, "registered", prepared([1]), 30)
    assert [c["key"] for c in pending] == ["id:1"]
    assert verify_clock["slept"] == [1.5, 2.0, 4.0, 8.0, 8.0, 6.5]
    assert rounds == 6 and len(fake.gets) == 6


def test_verify_with_no_time_reads_once(verify_clock):
    fake = FakeHubSpot(known_ids=[1], store=False)
    assert r.verify(fake.client(), EVENT, "registered", prepared([1]), 0) == (prepared([1]), 1)
    assert verify_clock["slept"] == [0.0]


def test_verify_stops_when_everything_holds(verify_clock):
    fake = FakeHubSpot(registered(1))
    assert r.verify(fake.client(), EVENT, "registered", prepared([1]), 60) == ([], 1)
    assert verify_clock["slept"] == [1.5]


def test_verify_reads_only_the_contacts_still_pending(verify_clock):
    fake = FakeHubSpot(registered(2))
    client = fake.client()
    original = client.get.side_effect

    def get(path, params=None):
        if path.split("/")[-2] == "3" and len(fake.gets) >= 4:
            fake.parts.append({"id": "3", "email": None, "state": "REGISTERED", "duration": None})
        return original(path, params)

    client.get.side_effect = get
    pending, rounds = r.verify(client, EVENT, "registered", prepared([1, 2, 3]), 60)
    assert (pending, rounds) == ([], 3)
    assert sorted(ident for ident, dummy in contact_gets(fake)) == ["1", "2", "3", "3", "3"]
    assert verify_clock["slept"] == [1.5, 2.0, 4.0]


def test_verify_waits_for_the_rollup(verify_clock):
    client = cancelled_event(3, total=2)
    pending, rounds = r.verify(client, EVENT, "cancelled", prepared(range(1, 5), "cancelled"), 5, event_total=0, expected_total=4)
    # 1.5 s, 2 s: not caught up (one request each); the final round reads to the end
    assert verify_clock["slept"] == [1.5, 2.0, 1.5] and client.request_count == 3
    assert rounds == 3 and [c["key"] for c in pending] == ["id:4"]


# ---------------------------------------------------------------------------------------------
# After the writes


def outcome_of(*placed):
    outcome = r.Outcome()
    for bucket, contact in placed:
        outcome.put(bucket, contact, {"index": contact["index"]})
    return outcome


def test_outcome_keeps_the_input_order_and_one_bucket_each():
    a, b, c = prepared([1, 2, 3])
    outcome = outcome_of(("recorded", c), ("unchanged", a), ("recorded", b), ("unconfirmed", a))
    assert outcome.bucket_of(a) == "unconfirmed"
    assert outcome.contacts("recorded") == [b, c]
    assert outcome.contacts("recorded", "unconfirmed") == [a, b, c]
    assert outcome.entries("recorded") == [{"index": 1}, {"index": 2}]
    assert outcome.entries("unchanged") == [] and outcome.failure is None


def test_expected_event_total():
    a, b, c, d = prepared([1, 2, 3, 4], "attended")
    a["held"] = {"state": "attended", "duration": 1800}  # held the state, with another duration: no new participation
    b["held"] = {"state": "registered"}
    outcome = outcome_of(("recorded", a), ("recorded", b), ("recorded", c), ("unchanged", d))
    assert r.expected_event_total(outcome, "attended", 5) == 7
    assert r.expected_event_total(outcome, "attended", None) is None
    assert r.expected_event_total(outcome, "registered", 5) is None


def test_confirm_moves_contacts_by_what_verify_read():
    a, b, c, d, e, f = prepared([1, 2, 3, 4, 5, 6])
    outcome = outcome_of(("recorded", a), ("unchanged", b), ("unconfirmed", c), ("unconfirmed", d), ("batch_errors", e), ("recorded", f))
    r.confirm(outcome, "registered", [a, b, c, e], 30)
    assert [outcome.bucket_of(x) for x in (a, b, c, d, e, f)] == ["unconfirmed", "unconfirmed", "unconfirmed", "recorded", "batch_errors", "recorded"]
    reasons = [entry.get("reason") for entry in outcome.entries("unconfirmed")]
    assert reasons == ["HubSpot's answer said recorded, but its reads did not show the contact registered within verify_timeout (30 s)",
                       "HubSpot's answer said already held, but its reads did not show the contact registered within verify_timeout (30 s)",
                       None]
    assert outcome.entries("recorded") == [{"id": "4", "email": None, "state": "registered"}, {"index": 5}]


# ---------------------------------------------------------------------------------------------
# Failed requests


@pytest.mark.parametrize("exc, unanswered", [
    (HubSpotTransportError("POST", "/w", "reset"), True),
    (HubSpotApiError("POST", "/w", 500), True),
    (HubSpotApiError("POST", "/w", 499), False),
    (HubSpotApiError("POST", "/w", 200), True),
    (HubSpotApiError("POST", "/w", 299), True),
    (HubSpotApiError("POST", "/w", 300), False),
    (HubSpotApiError("POST", "/w", 199), False),
    (HubSpotError("other"), False),
])
def test_unanswered(exc, unanswered):
    assert may_have_been_applied(exc) is unanswered


def test_request_failure_entries():
    contact = prepared(["a@example.com"])[0]
    exc = HubSpotApiError("POST", "/w", 403, category="MISSING_SCOPES", message="No.", correlation_id="c-1", required_scopes=["s1", "s2"])
    assert r.request_failure(exc, contact) == {"contact": {"index": 0, "email": "a@example.com"}, "status": 403, "category": "MISSING_SCOPES",
                                               "sub_category": None, "message": "No. Required scopes: s1, s2.", "correlation_id": "c-1"}
    bare = HubSpotApiError("POST", "/w", 403, required_scopes=["s1"])
    assert r.request_failure(bare, contact)["message"] == " Required scopes: s1."
    assert r.request_failure(HubSpotApiError("POST", "/w", 400, message="bad"), contact)["message"] == "bad"
    other = HubSpotTransportError("POST", "/w", "reset")
    assert r.request_failure(other, contact) == {"contact": {"index": 0, "email": "a@example.com"}, "status": None, "category": None,
                                                 "sub_category": None, "message": str(other), "correlation_id": None}


# ---------------------------------------------------------------------------------------------
# _judge: failed or warned


def judged(failure=None, verify_error=None, recorded=0, errors=0, unconfirmed=0, not_attempted=0, allow_partial=False, warns=True):
    outcome = r.Outcome()
    outcome.failure = failure
    result = {"state": "registered", "recorded": [{"id": str(i)} for i in range(recorded)],
              "batch_errors": [{"contact": {"index": i, "id": str(i)}, "status": 400, "category": "VALIDATION_ERROR", "message": "no"}
                               for i in range(errors)],
              "unconfirmed": [{"index": i, "id": str(i), "reason": "lost"} for i in range(unconfirmed)],
              "not_attempted": [{"index": i} for i in range(not_attempted)]}
    warned = []
    r._judge(result, outcome, verify_error, 10, allow_partial, warned.append if warns else None)
    return result, warned


def test_judge_all_fine():
    result, warned = judged(recorded=10)
    assert "failed" not in result and warned == []


def test_judge_lost_answer_verified_warns():
    lost = HubSpotTransportError("POST", "/w", "reset")
    result, warned = judged(failure=lost, recorded=10)
    assert "failed" not in result
    assert warned == ["%s; verify then read every contact of that request in state registered" % lost]


@pytest.mark.parametrize("kwargs", [
    {"unconfirmed": 1}, {"not_attempted": 1}, {"warns": False},
])
def test_judge_lost_answer_fails_while_something_is_open(kwargs):
    lost = HubSpotApiError("POST", "/w", 503, message="down")
    result, warned = judged(failure=lost, recorded=3, **kwargs)
    assert result["failed"] is True and warned == []
    assert result["msg"].startswith(str(lost) + " (3 of 10 contacts to write recorded before this failure, ")
    assert result["error"]["status"] == 503


def test_judge_refused_request_fails_with_the_counts():
    refused = HubSpotApiError("POST", "/w", 400, category="VALIDATION_ERROR", message="bad")
    result, warned = judged(failure=refused, verify_error=HubSpotTransportError("GET", "/r", "reset"),
                            recorded=2, errors=3, unconfirmed=1, not_attempted=4, allow_partial=True)
    assert result["failed"] is True and warned == []
    assert result["msg"] == "%s (2 of 10 contacts to write recorded before this failure, 1 unconfirmed, 3 refused, 4 not attempted)" % refused
    assert result["error"]["category"] == "VALIDATION_ERROR"


@pytest.mark.parametrize("error", [HubSpotTransportError("GET", "/r", "reset"), HubSpotPagingError("GET", "/r", "reset")])
def test_judge_verify_error_fails_before_unconfirmed(error):
    # Every request that fails the task sets RV error: the attendance_summary filter tells a call that failed as
    # a whole from one that failed because of its contacts by it (a paging error set none).
    result, warned = judged(verify_error=error, unconfirmed=2, errors=1, allow_partial=True)
    assert result["msg"] == "the writes were answered, but reading them back for verify failed: %s" % error
    assert result["failed"] is True and result["error"]["reason"] == "reset" and warned == []


def test_judge_unconfirmed_fail_even_with_allow_partial():
    result, warned = judged(unconfirmed=2, errors=1, allow_partial=True)
    assert result["failed"] is True and warned == []
    assert result["msg"].startswith("2 of 10 contacts to write unconfirmed (HubSpot may or may not hold them): contacts[0] (0): lost")


@pytest.mark.parametrize("allow_partial, warns, failed, warned", [
    (False, True, True, False), (True, True, False, True), (True, False, False, False),
])
def test_judge_refused_contacts(allow_partial, warns, failed, warned):
    result, warnings = judged(errors=2, recorded=8, allow_partial=allow_partial, warns=warns)
    assert result.get("failed", False) is failed
    message = "2 of 10 contacts to write failed: contacts[0] (0): no (400 VALIDATION_ERROR); contacts[1] (1): no (400 VALIDATION_ERROR)"
    if failed:
        assert result["msg"] == message
    assert warnings == (["%s (allow_partial is true)" % message] if warned else [])


# ---------------------------------------------------------------------------------------------
# The task: verify's counts and its failure


def task(contacts, state="registered", **extra):
    request = {"event": EVENT, "state": state, "force": False, "allow_partial": False, "batch_size": 100, "write_concurrency": 1,
               "verify": True, "verify_timeout": 10, "contacts": prepared(contacts, state)}
    request.update(extra)
    return request


def test_verify_checks_what_hubspot_answered_as_already_held(verify_clock):
    fake = FakeHubSpot(registered(1), known_ids=[2])
    result = r.reconcile(fake.client(), task([1, 2], force=True), warn=None)
    assert [u["id"] for u in result["unchanged"]] == ["1"] and [c["id"] for c in result["recorded"]] == ["2"]
    assert result["verification"] == {"checked": 2, "confirmed": 2, "rounds": 1}
    assert result["api_calls"] == {"reads": 0, "writes": 1, "verify_reads": 2}


def test_verification_counts_what_it_could_not_confirm(verify_clock):
    fake = FakeHubSpot(known_ids=[1, 2], store=False)
    result = r.reconcile(fake.client(), task([1, 2], verify_timeout=0), warn=None)
    assert result["verification"] == {"checked": 2, "confirmed": 0, "rounds": 1}
    assert result["api_calls"] == {"reads": 1, "writes": 1, "verify_reads": 2}


def test_a_failing_verify_read_fails_the_task_and_is_counted(verify_clock):
    fake = FakeHubSpot(known_ids=[1])
    client = fake.client()
    original = client.get.side_effect

    def get(path, params=None):
        if fake.posts:
            fake.count()
            raise HubSpotApiError("GET", path, 500, category="INTERNAL", message="down")
        return original(path, params)

    client.get.side_effect = get
    result = r.reconcile(client, task([1]), warn=None)
    assert result["failed"] is True and result["changed"] is True
    assert result["msg"].startswith("the writes were answered, but reading them back for verify failed: GET ")
    assert result["error"]["status"] == 500
    assert result["api_calls"] == {"reads": 1, "writes": 1, "verify_reads": 1}
    assert "verification" not in result


def test_verify_reads_back_a_write_without_answer_that_hubspot_did_not_store(verify_clock):
    fake = FakeHubSpot(known_ids=[1])
    client = fake.client()

    def post(path, body, params=None, attempts=None):
        fake.count()
        raise HubSpotTransportError("POST", path, "timed out after 30.0s (ReadTimeout)")

    client.post.side_effect = post
    result = r.reconcile(client, task([1], verify_timeout=0), warn=None)
    assert result["recorded"] == [] and [c["id"] for c in result["unconfirmed"]] == ["1"]
    assert result["verification"] == {"checked": 1, "confirmed": 0, "rounds": 1}
    assert result["failed"] is True and result["changed"] is True


def test_force_with_diff_reads_and_still_writes_what_holds():
    fake = FakeHubSpot(registered(1), known_ids=[2])
    request = task([1, 2], force=True, verify=False)
    del request["write_concurrency"]  # the module's default unless the task says otherwise
    result = r.reconcile(fake.client(), request, diff=True, warn=None)
    assert [i["vid"] for dummy, body, dummy2 in fake.posts for i in body["inputs"]] == [1, 2]
    assert result["api_calls"] == {"reads": 1, "writes": 1, "verify_reads": 0}
    assert "failed" not in result and result["changed"] is True


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_task_without_writes_reports_every_bucket(check_mode):
    fake = FakeHubSpot(registered(2))
    result = r.reconcile(fake.client(), task([1, 2], verify=False), check_mode=check_mode, warn=None)
    assert result == {"changed": False, "event": EVENT.as_dict(), "state": "registered", "recorded": [], "batch_errors": [], "unconfirmed": [],
                      "unchanged": [{"id": "1", "email": "c1@example.com", "current_state": "registered", "reason": READ_REASON},
                                    {"id": "2", "email": "c2@example.com", "current_state": "registered", "reason": READ_REASON}],
                      "api_calls": {"reads": 1, "writes": 0, "verify_reads": 0}}


def test_a_failed_read_reports_every_bucket_empty():
    client = cancelled_event(0, status=503)
    result = r.reconcile(client, task([1, 2]), warn=None)
    assert result["failed"] is True and result["msg"].startswith("reading the participations of event 456 failed: GET ")
    assert dict((k, result[k]) for k in ("changed", "state", "recorded", "unchanged", "batch_errors", "unconfirmed", "api_calls")) == {
        "changed": False, "state": "registered", "recorded": [], "unchanged": [], "batch_errors": [], "unconfirmed": [],
        "api_calls": {"reads": 1, "writes": 0, "verify_reads": 0}}


@pytest.mark.parametrize("check_mode", [False, True])
def test_one_contact_given_by_id_and_by_email_fails_before_any_write(check_mode):
    # c2 is given by email and again by its id: written both ways, it would never settle
    fake = FakeHubSpot(registered(3))
    result = r.reconcile(fake.client(), task([1, "C2@example.com", 3, 2]), check_mode=check_mode, diff=check_mode, warn=None)
    assert result["failed"] is True and fake.posts == []
    assert result["msg"] == ("nothing was written: give each contact once, by its id or by its email: contacts[1] "
                             "(C2@example.com) and contacts[3] (id 2) are one HubSpot contact (id 2, c2@example.com)")
    assert result["recorded"] == result["unchanged"] == [] and result["api_calls"] == {"reads": 1, "writes": 0, "verify_reads": 0}


@pytest.mark.parametrize("diff", [False, True])
def test_one_contact_twice_is_judged_on_the_states_every_read_reads(diff):
    # attended reads attended only; a --diff run reads every state, and must not fail where the real run would not
    fake = FakeHubSpot(registered(2))
    result = r.reconcile(fake.client(), task([2, "c2@example.com"], state="attended", verify=False), diff=diff, warn=None)
    assert "failed" not in result and [e["id"] for e in result["recorded"]] == ["2"]


def test_one_contact_twice_names_the_first_three_pairs_and_counts_the_rest():
    fake = FakeHubSpot(registered(5))
    result = r.reconcile(fake.client(), task([1, 2, 3, 4, 5] + ["c%d@example.com" % i for i in range(1, 6)]), warn=None)
    assert result["msg"].count("are one HubSpot contact") == 3 and result["msg"].endswith("; and 2 more")
    assert fake.posts == []


def test_force_reads_nothing_and_so_checks_nothing():
    fake = FakeHubSpot(registered(1))
    result = r.reconcile(fake.client(), task([1, "c1@example.com"], force=True, verify=False), diff=True, warn=None)
    assert "failed" not in result and len(fake.posts) == 2


def test_contacts_the_event_does_not_show_as_one_are_written_both_ways():
    # 7 and c8 are unknown to the event: nothing tells they could be one contact
    fake = FakeHubSpot(registered(1), known_ids=[7])
    result = r.reconcile(fake.client(), task([7, "c8@example.com", 1], verify=False), warn=None)
    assert "failed" not in result and len(result["recorded"]) == 2


# ---------------------------------------------------------------------------------------------
# The write loop: what a retried write's answer can tell


class _Attempt:
    """One entry of urllib3's retry history (``RequestHistory``): the error or status of an earlier attempt."""

    def __init__(self, error=None, status=None):
        self.error, self.status = error, status


@pytest.mark.parametrize("history, bucket", [
    ([], "unchanged"),                            # answered at once: absent from results means it already held the state
    ([_Attempt(status=502)], "unconfirmed"),      # an earlier attempt may have been applied: absent tells nothing
    ([_Attempt(status=429)], "unchanged"),        # a 429 was not processed
])
def test_write_loop_hands_the_retry_history_to_the_answer(history, bucket):
    def post(path, body, params=None, attempts=None):
        attempts.extend(history)  # the transport's retry history of this request, as the real client fills it
        return {"status": "COMPLETE", "results": [{"vid": 1}], "numErrors": 0, "errors": []}

    client = spec_client(post=post)
    outcome = r.Outcome()
    contacts = prepared([1, 2])
    for contact in contacts:
        contact["held"] = {}
    r.write_contacts(client, EVENT, "registered", contacts, 100, outcome, concurrency=1)
    assert [outcome.bucket_of(c) for c in contacts] == ["recorded", bucket]
    if bucket == "unconfirmed":
        assert "earlier attempt" in outcome.entries("unconfirmed")[0]["reason"]


def test_a_write_without_answer_leaves_its_contacts_unconfirmed_and_stops_the_loop():
    error = HubSpotTransportError("POST", "/attendance", "read timed out")
    client = spec_client(post=[error])
    outcome = r.Outcome()
    contacts = prepared([1, 2, 3])
    r.write_contacts(client, EVENT, "registered", contacts, 2, outcome, concurrency=1)
    assert [outcome.bucket_of(c) for c in contacts] == ["unconfirmed", "unconfirmed", "not_attempted"]
    assert outcome.entries("unconfirmed")[0]["reason"] == "no readable answer, so it may have been recorded: %s" % error
    assert client.request_count == 1


@pytest.mark.parametrize("error, bucket", [
    # refused on the retry, after an attempt that may have been applied (a 502, a read timeout): may stand
    (HubSpotApiError("POST", "/attendance", 429, policy="DAILY", retries=1, earlier_attempt_maybe_applied=True), "unconfirmed"),
    (HubSpotApiError("POST", "/attendance", 429, policy="DAILY", retries=1), "batch_errors"),
])
def test_a_refusal_after_an_attempt_that_may_have_been_applied_leaves_its_contacts_unconfirmed(error, bucket):
    client = spec_client(post=[error])
    outcome = r.Outcome()
    contacts = prepared([1, 2, 3])
    r.write_contacts(client, EVENT, "registered", contacts, 2, outcome, concurrency=1)
    assert [outcome.bucket_of(c) for c in contacts] == [bucket, bucket, "not_attempted"]


def test_an_unexpected_error_while_writing_leaves_its_contacts_unconfirmed_and_stops_the_loop():
    def post(path, body, params=None, attempts=None):
        raise LookupError("unknown encoding: utf-9")

    client = spec_client(post=post)
    outcome = r.Outcome()
    contacts = prepared([1, 2, 3])
    r.write_contacts(client, EVENT, "registered", contacts, 2, outcome, concurrency=1)
    assert [outcome.bucket_of(c) for c in contacts] == ["unconfirmed", "unconfirmed", "not_attempted"]
    assert "the answer could not be read (LookupError)" in outcome.entries("unconfirmed")[0]["reason"]
    assert isinstance(outcome.failure, HubSpotTransportError)


def test_a_misshapen_answer_places_its_contacts_and_the_loop_goes_on():
    answers = [{"status": "COMPLETE", "results": [], "errors": 5}, {"status": "COMPLETE", "results": [{"vid": 3}]}]
    client = spec_client(post=lambda path, body, params=None, attempts=None: answers.pop(0))
    outcome = r.Outcome()
    contacts = prepared([1, 2, 3])
    r.write_contacts(client, EVENT, "registered", contacts, 2, outcome, concurrency=1)
    assert [outcome.bucket_of(c) for c in contacts] == ["unconfirmed", "unconfirmed", "recorded"]
    assert outcome.failure is None


def test_an_answer_that_cannot_be_read_leaves_its_contacts_unconfirmed_and_stops_the_loop(monkeypatch):
    # The answer arrived (the write may stand) but reading it failed: the same as no readable answer.
    def unreadable(*args, **kwargs):
        raise TypeError("an answer of a shape nobody foresaw")

    monkeypatch.setattr(r, "map_batch_response", unreadable)
    client = spec_client(post=lambda path, body, params=None, attempts=None: {"status": "COMPLETE", "results": []})
    outcome = r.Outcome()
    contacts = prepared([1, 2, 3])
    r.write_contacts(client, EVENT, "registered", contacts, 2, outcome, concurrency=1)
    assert [outcome.bucket_of(c) for c in contacts] == ["unconfirmed", "unconfirmed", "not_attempted"]
    assert "the answer could not be read (TypeError)" in outcome.entries("unconfirmed")[0]["reason"]
    assert client.request_count == 1


@pytest.mark.parametrize("left_at, bucket", [
    ("2026-03-01T11:00:00Z", "recorded"),     # the same duration as contacts[0]: HubSpot holds what each asked for
    ("2026-03-01T10:30:00Z", "unconfirmed"),  # another duration: HubSpot holds only one of the two
])
def test_contacts_the_answers_name_as_one_contact(left_at, bucket):
    raw = [{"id": "1002", "joined_at": "2026-03-01T10:00:00Z", "left_at": "2026-03-01T11:00:00Z"},
           {"email": "grace@example.com", "joined_at": "2026-03-01T10:00:00Z", "left_at": left_at},
           {"email": "ada@example.com", "joined_at": "2026-03-01T10:00:00Z", "left_at": "2026-03-01T11:00:00Z"}]
    contacts = prepare_contacts(raw, "attended", NOW)
    outcome = r.Outcome()
    for contact, vid in zip(contacts, ("1002", "1002", "1001")):
        outcome.put("recorded", contact, {"id": vid, "email": contact.get("email"), "state": "attended"})
    warned = []
    r.check_answered_as_one(outcome, warned.append)
    assert [outcome.bucket_of(c) for c in contacts] == [bucket, bucket, "recorded"]
    text = "contacts[0] (id 1002) and contacts[1] (grace@example.com) are one HubSpot contact (id 1002): both were written"
    if bucket == "recorded":
        assert warned == [text + "; give each contact once, by its id or by its email (the next run refuses the task otherwise)"]
    else:
        assert warned == []
        assert [e["reason"] for e in outcome.entries("unconfirmed")] == [
            text + " with different attendance durations, and HubSpot holds only one of them"] * 2


def test_verify_leaves_contacts_answered_as_one_unconfirmed(verify_clock):
    # The contact's own breakdown shows the id's span: a lagging read could as well show the email's, so
    # no read tells which write HubSpot holds last; verify reads neither of them.
    def get(path, params=None):
        if "/participations/contacts/" in path:
            return {"total": 1, "results": [item(1002, "ATTENDED", "grace@example.com", duration=3600)]}
        return {"total": 0, "results": []}

    def post(path, body, params=None, attempts=None):
        listed = {"email": "grace@example.com", "vid": 1002} if path.endswith("/email-create") else {"vid": 1002}
        return {"status": "COMPLETE", "results": [listed], "numErrors": 0, "errors": []}

    raw = [{"id": "1002", "joined_at": NOW - 3600 * 1000, "left_at": NOW},
           {"email": "grace@example.com", "joined_at": NOW - 3600 * 1000, "left_at": NOW - 1800 * 1000}]
    request = dict(task([], state="attended"), contacts=prepare_contacts(raw, "attended", NOW))
    result = r.reconcile(spec_client(get=get, post=post), request, warn=None)
    assert result["failed"] is True and result["changed"] is True and result["recorded"] == []
    assert [u["index"] for u in result["unconfirmed"]] == [0, 1]
    assert all("are one HubSpot contact (id 1002)" in u["reason"] for u in result["unconfirmed"])
    assert result["api_calls"] == {"reads": 1, "writes": 2, "verify_reads": 0}
    assert result["verification"] == {"checked": 0, "confirmed": 0, "rounds": 0}


def test_the_event_total_verify_waits_for_counts_one_contact_given_twice_once():
    contacts = prepared([1002, "grace@example.com", 7], "attended")
    outcome = r.Outcome()
    for contact, vid in zip(contacts, ("1002", "1002", "7")):
        contact["held"] = {}
        outcome.put("recorded", contact, {"id": vid, "email": contact.get("email"), "state": "attended"})
    assert r.expected_event_total(outcome, "attended", 40) == 42


@pytest.mark.parametrize("given, force, check_mode, warned", [
    ({}, True, False, 1),                           # no time: the run's start, another on every rerun
    ({"occurred_at": "2024-06-01T09:00:00Z"}, True, False, 0),
    ({}, False, False, 0),                          # read first: the plan the warning is not about
    ({}, True, True, 0),                            # check mode sends nothing
])
def test_force_without_a_time_warns_that_reruns_add_timeline_entries(given, force, check_mode, warned):
    fake = FakeHubSpot(known_ids=[1, 2])
    contacts = prepare_contacts([dict(given, id="1"), {"id": "2", "occurred_at": "2024-06-01T09:00:00Z"}], "registered", NOW)
    messages = []
    request = dict(task([], verify=False, force=force), contacts=contacts)
    r.reconcile(fake.client(), request, check_mode=check_mode, warn=messages.append)
    timeline = [m for m in messages if "interactionDateTime" in m]
    assert len(timeline) == warned
    if warned:
        assert timeline[0].startswith("force is true and 1 contact(s) have no occurred_at")
