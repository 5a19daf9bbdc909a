# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the hubspot.marketing collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The requests of ``marketing_event_attendance``: the read plan, the write loop and ``verify``.

The decisions (what holds, what to write, what an answer means) are in ``_attendance``; this
file only sends requests through the one client and hands the answers over.

HubSpot's reads are eventually consistent (CONTRACT.md section 12, row 7): the contact breakdown
shows a write after about a second, the event breakdowns are a rollup that lags much longer. So a
read before writing only saves writes; what was recorded is taken from the write's answer, and
``verify`` confirms through reads, preferring the contact breakdown.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.hubspot.marketing.plugins.module_utils._attendance import (
    BATCH_ERRORS,
    NOT_ATTEMPTED,
    RECORDED,
    SATISFIED,
    UNCHANGED,
    UNCONFIRMED,
    build_body,
    build_diff,
    compute_delta,
    contacts_message,
    holds,
    index_participations,
    map_batch_response,
    public_contact,
    recorded_entry,
    unconfirmed_entry,
    would_record,
    write_plan,
)
from ansible_collections.hubspot.marketing.plugins.module_utils._client import (
    API_PAGE_MAX,
    may_have_been_processed,
    parallel_map,
)
from ansible_collections.hubspot.marketing.plugins.module_utils._errors import (
    HubSpotApiError,
    HubSpotError,
    HubSpotTransportError,
)
from ansible_collections.hubspot.marketing.plugins.module_utils._participations import breakdown_pager, normalize

READ_WORKERS = 4
VERIFY_FIRST_WAIT = 1.0
VERIFY_MAX_WAIT = 8.0
# The event breakdown is a rollup that takes several polling rounds to catch up with writes (the
# contact breakdown about one): it is chosen only when this many rounds of it still cost fewer
# requests than one round of contact reads.
EVENT_ROUNDS = 3


def state_filter(state):
    """The one read state that decides ``state`` (attended, cancelled), or None when several do."""
    satisfied = SATISFIED[state]
    return next(iter(satisfied)) if len(satisfied) == 1 else None


# ---------------------------------------------------------------------------------------------
# Reads


def _read_items(pager):
    try:
        return [normalize(item) for item in pager]
    except HubSpotApiError as exc:
        if exc.status == 404:  # a contact HubSpot does not know has no participation
            return []
        raise


def _contact_participation(client, event, contact, read_state):
    """The participations of one contact in ``event``, read through the contact's own breakdown."""
    identifier = contact["id"] if contact.get("id") is not None else contact["email"]
    items = _read_items(breakdown_pager(client, contact=identifier, state=read_state, page_size=API_PAGE_MAX))
    for item in items:
        # The contact breakdown lists every event of the contact; keep this event's participation,
        # and name the contact the way it was given so it is found under that key.
        if event.matches(item):
            item.update(contact_id=item.get("contact_id") or contact.get("id"), email=item.get("email") or contact.get("email"))
    return [item for item in items if event.matches(item)]


def read_event(client, event, contacts, read_state=None):
    """``(index, total)``: what the event holds for ``contacts`` (``index_participations``), and how
    many participations in ``read_state`` the event's first breakdown page announced.

    Reads the first page of the event breakdown (of ``read_state`` only, when given); then either the
    remaining pages or, when those would be more requests, each contact not found on the first page
    through its own breakdown.
    """
    if not contacts:
        return {}, 0
    pager = breakdown_pager(client, event=event, state=read_state, page_size=API_PAGE_MAX)
    items = []
    missing = None
    for item in pager:
        items.append(normalize(item))
        if len(items) == API_PAGE_MAX and pager.pages == 1 and pager.total is not None:
            remaining_pages = -(-pager.total // API_PAGE_MAX) - 1
            known = index_participations(items)
            unknown = [c for c in contacts if c["key"] not in known]
            if remaining_pages > len(unknown):
                missing = unknown
                break
    if missing:
        for more in parallel_map(lambda c: _contact_participation(client, event, c, read_state), missing, workers=READ_WORKERS):
            items.extend(more)
    return index_participations(items), pager.total if pager.total is not None else len(items)


# ---------------------------------------------------------------------------------------------
# Writes


def _unanswered(exc):
    """Whether a failed write may still have been applied: no answer, a 5xx, or an unreadable 2xx."""
    if isinstance(exc, HubSpotTransportError):
        return True
    return isinstance(exc, HubSpotApiError) and (exc.status >= 500 or 200 <= exc.status < 300)


def request_failure(exc, contact):
    """The ``batch_errors`` entry of a contact whose request HubSpot refused as a whole."""
    if isinstance(exc, HubSpotApiError):
        status, category, message, correlation_id = exc.status, exc.category, exc.message, exc.correlation_id
        if exc.required_scopes:
            message = "%s Required scopes: %s." % (message or "", ", ".join(exc.required_scopes))
    else:
        status, category, message, correlation_id = None, None, str(exc), None
    return {"contact": public_contact(contact), "status": status, "category": category, "sub_category": None,
            "message": message, "correlation_id": correlation_id}


class Outcome:
    """Where each contact of a task ended, in input order: exactly one bucket per contact."""

    def __init__(self):
        self._placed = {}  # contact index -> (bucket, contact, entry)
        self.failure = None

    def put(self, bucket, contact, entry):
        self._placed[contact["index"]] = (bucket, contact, entry)

    def bucket_of(self, contact):
        return self._placed[contact["index"]][0]

    def entries(self, bucket):
        return [entry for dummy, (name, contact, entry) in sorted(self._placed.items()) if name == bucket]

    def contacts(self, *buckets):
        return [contact for dummy, (name, contact, entry) in sorted(self._placed.items()) if name in buckets]


def write_contacts(client, event, state, to_write, batch_size, outcome):
    """Send ``to_write`` in chunks and place every contact in ``outcome`` by what HubSpot answered.

    A request HubSpot refuses as a whole (4xx) puts its contacts in ``batch_errors``; one that got
    no readable answer (timeout, reset, 5xx after retries, cut body) in ``unconfirmed``. Either stops
    the loop: the rest is ``not_attempted`` and ``outcome.failure`` holds the error.
    """
    plan = write_plan(to_write, batch_size)
    for position, (by_email, chunk) in enumerate(plan):
        path, query = event.attendance_write(state, by_email)
        attempts = []
        try:
            body = client.post(path, build_body(chunk, by_email), params=query, attempts=attempts)
        except HubSpotError as exc:
            for contact in chunk:
                if _unanswered(exc):
                    outcome.put(UNCONFIRMED, contact, unconfirmed_entry(contact, "no readable answer, so it may have been recorded: %s" % exc))
                else:
                    outcome.put(BATCH_ERRORS, contact, request_failure(exc, contact))
            for dummy, later in plan[position + 1:]:
                for contact in later:
                    outcome.put(NOT_ATTEMPTED, contact, public_contact(contact))
            outcome.failure = exc
            return
        for bucket, contact, entry in map_batch_response(chunk, body, state, by_email,
                                                         retried_after_sending=may_have_been_processed(attempts)):
            outcome.put(bucket, contact, entry)


# ---------------------------------------------------------------------------------------------
# Verify


def _verify_round(client, event, state, pending, event_total):
    """One read of what HubSpot holds for ``pending``, the cheaper way: the event breakdown of the
    desired state when ``EVENT_ROUNDS`` reads of its pages are fewer requests than there are
    contacts, else each contact's own breakdown."""
    read_state = state_filter(state)
    pages = -(-(event_total + len(pending)) // API_PAGE_MAX) if event_total is not None and read_state else None
    if pages is not None and pages * EVENT_ROUNDS < len(pending):
        items = _read_items(breakdown_pager(client, event=event, state=read_state, page_size=API_PAGE_MAX))
    else:
        items = []
        for more in parallel_map(lambda c: _contact_participation(client, event, c, read_state), pending, workers=READ_WORKERS):
            items.extend(more)
    return index_participations(items)


def verify(client, event, state, contacts, timeout, event_total=None, sleep=time.sleep, clock=time.monotonic):
    """``(unconfirmed, rounds)``: the ``contacts`` whose participation still does not hold ``state``
    after polling with backoff (1 s, 2 s, 4 s, then every 8 s) for at most ``timeout`` seconds."""
    pending = list(contacts)
    deadline = clock() + timeout
    wait = VERIFY_FIRST_WAIT
    rounds = 0
    while pending:
        sleep(max(0.0, min(wait, deadline - clock())))
        rounds += 1
        held = _verify_round(client, event, state, pending, event_total)
        pending = [c for c in pending if not holds(held.get(c["key"]), c, state)]
        if not pending or clock() >= deadline:
            break
        wait = min(wait * 2, VERIFY_MAX_WAIT)
    return pending, rounds


def confirm(outcome, state, not_held, timeout):
    """Move contacts by what ``verify`` read: not held -> ``unconfirmed``; an unconfirmed contact held -> ``recorded``."""
    missing = set(c["key"] for c in not_held)
    for contact in outcome.contacts(RECORDED, UNCHANGED, UNCONFIRMED):
        bucket = outcome.bucket_of(contact)
        if contact["key"] in missing and bucket != UNCONFIRMED:
            said = "recorded" if bucket == RECORDED else "already held"
            outcome.put(UNCONFIRMED, contact, unconfirmed_entry(contact, (
                "HubSpot's answer said %s, but its reads did not show the contact %s within verify_timeout (%d s)"
                % (said, state, timeout))))
        elif contact["key"] not in missing and bucket == UNCONFIRMED:
            outcome.put(RECORDED, contact, recorded_entry(contact, {}, state))


# ---------------------------------------------------------------------------------------------
# The task


def _count(client, calls, name, since):
    calls[name] += client.request_count - since


def reconcile(client, request, check_mode=False, diff=False, warn=None):
    """Run one attendance task (``request`` from the module's validation); return its result dict.

    ``failed`` and ``msg`` are set when the task must fail. Requests are counted from the
    client's own counter, per phase: ``reads`` before writing, ``writes``, ``verify_reads``.
    """
    event, state, force = request["event"], request["state"], request["force"]
    calls = {"reads": 0, "writes": 0, "verify_reads": 0}
    result = dict(changed=False, event=event.as_dict(), state=state, recorded=[], unchanged=[], batch_errors=[],
                  unconfirmed=[], api_calls=calls)
    mark = client.request_count
    try:
        current, event_total = read_event(client, event, request["contacts"], None if diff else state_filter(state)) \
            if diff or not force else ({}, None)
    except HubSpotError as exc:
        _count(client, calls, "reads", mark)
        result.update(exc.to_fail_kwargs())
        result.update(failed=True, msg="reading the participations of %s failed: %s" % (event.describe(), exc))
        return result
    _count(client, calls, "reads", mark)
    to_write, unchanged = compute_delta(request["contacts"], current, state, force=force)
    if not to_write or check_mode:
        result.update(changed=bool(to_write), unchanged=unchanged, recorded=would_record(to_write, state))
        if diff:
            result["diff"] = build_diff(to_write, set(c["key"] for c in to_write), state)
        return result

    outcome = Outcome()
    mark = client.request_count
    write_contacts(client, event, state, to_write, request["batch_size"], outcome)
    _count(client, calls, "writes", mark)
    verify_error = _verify(client, request, outcome, event_total, calls, result) if request["verify"] else None

    result.update(unchanged=unchanged + outcome.entries(UNCHANGED))
    for bucket in (RECORDED, BATCH_ERRORS, UNCONFIRMED):
        result[bucket] = outcome.entries(bucket)
    if outcome.failure is not None:
        result[NOT_ATTEMPTED] = outcome.entries(NOT_ATTEMPTED)
    result["changed"] = bool(result[RECORDED] or result[UNCONFIRMED])
    if diff:
        result["diff"] = build_diff(to_write, set(c["key"] for c in outcome.contacts(RECORDED)), state)
    _judge(result, outcome, verify_error, len(to_write), request["allow_partial"], warn)
    return result


def _verify(client, request, outcome, event_total, calls, result):
    """Confirm the written contacts through reads (``verify``); the error that stopped it, or None."""
    candidates = outcome.contacts(RECORDED, UNCHANGED, UNCONFIRMED)
    mark = client.request_count
    try:
        not_held, rounds = verify(client, request["event"], request["state"], candidates, request["verify_timeout"],
                                  event_total=event_total)
    except HubSpotError as exc:
        _count(client, calls, "verify_reads", mark)
        return exc
    _count(client, calls, "verify_reads", mark)
    confirm(outcome, request["state"], not_held, request["verify_timeout"])
    result["verification"] = {"checked": len(candidates), "confirmed": len(candidates) - len(not_held), "rounds": rounds}
    return None


def _judge(result, outcome, verify_error, total, allow_partial, warn):
    """Set ``failed``/``msg`` (or warn) from where the contacts ended."""
    recorded, errors, unconfirmed = result[RECORDED], result[BATCH_ERRORS], result[UNCONFIRMED]
    if outcome.failure is not None:
        result.update(outcome.failure.to_fail_kwargs())
        result.update(failed=True, msg="%s (%d of %d contacts recorded before this failure, %d unconfirmed, %d refused, %d not attempted)" % (
            outcome.failure, len(recorded), total, len(unconfirmed), len(errors), len(result[NOT_ATTEMPTED])))
    elif verify_error is not None:
        result.update(verify_error.to_fail_kwargs())
        result.update(failed=True, msg="the writes were answered, but reading them back for verify failed: %s" % verify_error)
    elif unconfirmed:
        result.update(failed=True, msg=contacts_message(unconfirmed, total, "unconfirmed (HubSpot may or may not hold them)"))
    elif errors:
        message = contacts_message(errors, total, "failed")
        if not allow_partial:
            result.update(failed=True, msg=message)
        elif warn is not None:
            warn("%s (allow_partial is true)" % message)
