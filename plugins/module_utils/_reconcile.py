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
shows a write after about 1.3 seconds, the event breakdowns are a rollup that lags much longer. So a
read before writing only saves writes; what was recorded is taken from the write's answer, and
``verify`` confirms through reads, preferring the contact breakdown.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from ansible_collections.hubspot.marketing.plugins.module_utils._attendance import (
    BATCH_ERRORS,
    NOT_ATTEMPTED,
    RECORDED,
    SATISFIED,
    UNCHANGED,
    UNCONFIRMED,
    answered_as_one_contact,
    build_diff,
    compute_delta,
    contacts_message,
    given_as,
    holds,
    index_participations,
    map_batch_response,
    one_contact_twice,
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
    may_have_been_applied,
)
from ansible_collections.hubspot.marketing.plugins.module_utils._participations import (
    READ_WORKERS,
    STATE_FILTERS,
    BreakdownCursor,
    breakdown_pager,
    normalize,
    read_breakdown,
    read_rest,
)
from ansible_collections.hubspot.marketing.plugins.module_utils._schemas import DEFAULT_WRITE_CONCURRENCY

# The waits before verify's rounds, the last one repeated: the first a little over the ~1.3 s HubSpot's
# contact breakdown takes to show a write (CONTRACT.md section 12, row 7), so one round usually confirms it.
VERIFY_WAITS = (1.5, 2.0, 4.0, 8.0)
# The event breakdown is a rollup that takes several polling rounds to catch up with writes (the
# contact breakdown about one): it is chosen only when this many rounds of it still cost fewer
# requests than one round of contact reads.
EVENT_ROUNDS = 3


def state_filter(state):
    """The one read state that decides ``state`` (attended, cancelled), or None when several do."""
    satisfied = SATISFIED[state]
    return next(iter(satisfied)) if len(satisfied) == 1 else None


def read_states(state, diff=False):
    """The read states whose participations the task needs, one breakdown cursor each, read in parallel.

    Those that satisfy ``state``; with ``diff`` every state the breakdown can be filtered by, so the
    diff shows what each written contact held before. (HubSpot's undocumented EMPTY state cannot be
    filtered for; such a participation satisfies nothing and is written either way.)
    """
    if diff:
        return tuple(sorted(STATE_FILTERS))
    return tuple(sorted(SATISFIED[state]))


# ---------------------------------------------------------------------------------------------
# Reads


HELD_KEYS = ("state", "contact_id", "email", "attendance_duration_seconds")


def held_part(item):
    """Of one item of this event's breakdown, what the delta reads (``index_participations``): a
    large event's participations are held in memory at once, the other ten keys of each are not."""
    full = normalize(item)
    return dict((key, full[key]) for key in HELD_KEYS)


def _contact_participation(client, event, contact, read_state):
    """The participations of one contact in ``event``, read through the contact's own breakdown."""
    identifier = contact["id"] if contact.get("id") is not None else contact["email"]
    # A contact HubSpot does not know has no participation: read_breakdown reads its 404 as nothing.
    items = read_breakdown(client, contact=identifier, state=read_state)[0]
    for item in items:
        # The contact breakdown lists every event of the contact; keep this event's participation,
        # and name the contact the way it was given so it is found under that key.
        if event.matches(item):
            item.update(contact_id=item.get("contact_id") or contact.get("id"), email=item.get("email") or contact.get("email"))
    return [item for item in items if event.matches(item)]


def read_contacts(client, event, contacts, read_state=None):
    """The participations in ``event`` of ``contacts``, one contact breakdown each, ``READ_WORKERS`` at a time."""
    items = []
    for more in parallel_map(lambda c: _contact_participation(client, event, c, read_state), contacts, workers=READ_WORKERS):
        items.extend(more)
    return items


def read_event(client, event, contacts, states):
    """``(index, totals)``: what the event holds for ``contacts`` (``index_participations``), and how
    many participations each cursor's first page announced (by read state; None: every state).

    ``states`` are the read states the task needs (see ``read_states``). The first page of the
    event breakdown (filtered when one state is needed) decides the plan:

    - that page is all there is: done (one request);
    - the remaining pages are more requests than the contacts not found on it: each of those
      contacts through its own breakdown, ``READ_WORKERS`` at a time;
    - else the whole event (``read_rest``): one cursor per state, read in parallel (each a chain of
      pages), when the states are mixed enough that this turns one long chain into clearly shorter ones
      for a few more requests, and the result is exact; otherwise the rest of the same cursor.

    No request is sent twice; the index does not depend on the order in which answers arrive (a
    contact has one participation per event).
    """
    if not contacts:
        return {}, {}
    first = BreakdownCursor(client, event, states[0] if len(states) == 1 else None, keep=held_part).first_page()
    pages_left = first.pages_left()
    cursors = [first]
    if not pages_left:
        items = first.items
    else:
        known = index_participations(first.items)
        unknown = [c for c in contacts if c["key"] not in known]
        if pages_left > len(unknown):
            items = first.items + read_contacts(client, event, unknown, first.state)
        else:
            items, cursors = read_rest(client, event, first, states, keep=held_part)
    totals = dict((c.state, c.pager.total if c.pager.total is not None else len(c.items)) for c in cursors)
    return index_participations(items), totals


# ---------------------------------------------------------------------------------------------
# Writes


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
        # Indexes of contacts whose bucket no read can settle (``check_answered_as_one``): verify leaves them.
        self.settled = set()

    def put(self, bucket, contact, entry):
        self._placed[contact["index"]] = (bucket, contact, entry)

    def bucket_of(self, contact):
        return self._placed[contact["index"]][0]

    def placed(self, *buckets):
        """``(contact, entry)`` of every contact in ``buckets``, in input order."""
        return [(contact, entry) for dummy, (name, contact, entry) in sorted(self._placed.items()) if name in buckets]

    def entries(self, bucket):
        return [entry for dummy, entry in self.placed(bucket)]

    def contacts(self, *buckets):
        return [contact for contact, dummy in self.placed(*buckets)]


def check_answered_as_one(outcome, warn=None):
    """Contacts the answers named as one HubSpot contact (``answered_as_one_contact``): with different
    durations HubSpot holds only one of them, so each is ``unconfirmed``, for good (``settled``: a
    lagging read may show either span, so ``verify`` cannot tell which write came last); with the same,
    each is recorded and ``warn`` says to give the contact once, since the next run's reads see them as
    one and refuse the task."""
    for contacts, contact_id, same in answered_as_one_contact(outcome.placed(RECORDED)):
        text = "%s are one HubSpot contact (id %s): both were written" % (" and ".join(given_as(c) for c in contacts), contact_id)
        if same:
            if warn is not None:
                warn("%s; give each contact once, by its id or by its email (the next run refuses the task otherwise)" % text)
            continue
        reason = "%s with different attendance durations, and HubSpot holds only one of them" % text
        for contact in contacts:
            outcome.put(UNCONFIRMED, contact, unconfirmed_entry(contact, reason))
            outcome.settled.add(contact["index"])


def _send_chunk(client, event, state, chunk):
    """One attendance write (a ``Chunk``) and what its answer says of each contact: ``(placed, error)``,
    ``placed`` as ``map_batch_response`` gives it.

    Any other exception once the request may be on its way, reading the answer included, is this
    chunk's error too, so its contacts are placed (``unconfirmed``) and the rest of the task
    ``not_attempted``, instead of a traceback that loses every bucket.
    """
    path, query, body = chunk.request(event, state)
    attempts = []
    try:
        answer = client.post(path, body, params=query, attempts=attempts)
        return map_batch_response(chunk, answer, state, retried_after_sending=may_have_been_processed(attempts)), None
    except HubSpotError as exc:
        return None, exc
    except Exception as exc:  # pylint: disable=broad-except
        return None, HubSpotTransportError("POST", path, "the answer could not be read (%s)" % type(exc).__name__)


def _place_answer(outcome, chunk, answer):
    placed, error = answer
    if error is None:
        for bucket, contact, entry in placed:
            outcome.put(bucket, contact, entry)
        return
    for contact in chunk:
        if may_have_been_applied(error):
            outcome.put(UNCONFIRMED, contact, unconfirmed_entry(contact, "no readable answer, so it may have been recorded: %s" % error))
        else:
            outcome.put(BATCH_ERRORS, contact, request_failure(error, contact))
    if outcome.failure is None:
        outcome.failure = error


def write_contacts(client, event, state, to_write, batch_size, outcome, concurrency=1):
    """Send ``to_write`` in chunks, at most ``concurrency`` at a time, and place every contact in
    ``outcome`` by what HubSpot answered.

    A request HubSpot refuses as a whole (4xx) puts its contacts in ``batch_errors``; one that got
    no readable answer (timeout, reset, 5xx after retries, cut body) in ``unconfirmed``. Either stops
    the sending: the chunks already in flight are still placed by their answers, the rest is
    ``not_attempted`` and ``outcome.failure`` holds the (first) error. The chunks touch different
    contacts, so their order does not matter to HubSpot; results keep the input order.
    """
    plan = write_plan(to_write, batch_size)
    sent = 0
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(plan) or 1))) as pool:
        in_flight = {}
        while sent < len(plan) or in_flight:
            while sent < len(plan) and len(in_flight) < concurrency and outcome.failure is None:
                in_flight[pool.submit(_send_chunk, client, event, state, plan[sent])] = plan[sent]
                sent += 1
            if not in_flight:
                break
            done, dummy = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                _place_answer(outcome, in_flight.pop(future), future.result())
    for chunk in plan[sent:]:
        for contact in chunk:
            outcome.put(NOT_ATTEMPTED, contact, public_contact(contact))


# ---------------------------------------------------------------------------------------------
# Verify


def _event_held(client, event, read_state, expected_total, final):
    """The event breakdown of ``read_state`` as ``index_participations``, or None when its first page
    announces fewer than ``expected_total`` participations: the rollup has not caught up with the
    writes yet, and reading its other pages would only be repeated in the next round (unless
    ``final``, the last round, which always reads to the end)."""
    pager = breakdown_pager(client, event=event, state=read_state, page_size=API_PAGE_MAX)
    items = []
    try:
        for item in pager:
            if not (items or final or expected_total is None or pager.total is None or pager.total >= expected_total):
                return None
            items.append(held_part(item))
    except HubSpotApiError as exc:
        if not exc.not_found:
            raise
    if not (items or final or expected_total is None) and expected_total > 0:
        return None  # an empty first page: nothing has rolled up yet
    return index_participations(items)


def _verify_round(client, event, state, pending, event_total, expected_total=None, final=True):
    """One read of what HubSpot holds for ``pending``, the cheaper way: the event breakdown of the
    desired state when ``EVENT_ROUNDS`` reads of its pages are fewer requests than there are
    contacts, else each contact's own breakdown. None: the event's rollup has not caught up (one
    request spent, see ``_event_held``)."""
    read_state = state_filter(state)
    pages = -(-(event_total + len(pending)) // API_PAGE_MAX) if event_total is not None and read_state else None
    if pages is not None and pages * EVENT_ROUNDS < len(pending):
        return _event_held(client, event, read_state, expected_total, final)
    return index_participations(read_contacts(client, event, pending, read_state))


def verify(client, event, state, contacts, timeout, event_total=None, expected_total=None):
    """``(unconfirmed, rounds)``: the ``contacts`` whose participation still does not hold ``state``
    after polling with backoff (``VERIFY_WAITS``) for at most ``timeout`` seconds.

    ``expected_total`` (when the event breakdown is read): the fewest participations in ``state``
    the event can show once it holds the writes; a round whose first page shows fewer reads no more.
    """
    sleep, clock = time.sleep, time.monotonic
    pending = list(contacts)
    deadline = clock() + timeout
    rounds = 0
    while pending:
        sleep(max(0.0, min(VERIFY_WAITS[min(rounds, len(VERIFY_WAITS) - 1)], deadline - clock())))
        rounds += 1
        final = clock() >= deadline
        held = _verify_round(client, event, state, pending, event_total, expected_total, final)
        if held is not None:
            pending = [c for c in pending if not holds(held.get(c["key"]), c, state)]
        if not pending or final:
            break
    return pending, rounds


def expected_event_total(outcome, state, event_total):
    """The fewest participations in ``state`` the event breakdown shows once it holds this task's writes:
    what it showed before, plus every contact HubSpot answered as recorded that was not in that
    state before (None when the event breakdown was not read by state)."""
    read_state = state_filter(state)
    if event_total is None or read_state is None:
        return None
    # One HubSpot contact given twice (by id and by email, named alike in the answers) counts once.
    return event_total + len(set("id:%s" % entry["id"] if entry.get("id") is not None else contact["key"]
                                 for contact, entry in outcome.placed(RECORDED)
                                 if (contact.get("held") or {}).get("state") != read_state))


def verifiable(outcome):
    """The contacts ``verify`` reads back: answered or left open by the writes, but not ``settled``."""
    return [c for c in outcome.contacts(RECORDED, UNCHANGED, UNCONFIRMED) if c["index"] not in outcome.settled]


def confirm(outcome, state, not_held, timeout):
    """Move contacts by what ``verify`` read: not held -> ``unconfirmed``; an unconfirmed contact held -> ``recorded``."""
    missing = set(c["key"] for c in not_held)
    for contact in verifiable(outcome):
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
        current, totals = read_event(client, event, request["contacts"], read_states(state, diff)) \
            if diff or not force else ({}, {})
    except HubSpotError as exc:
        _count(client, calls, "reads", mark)
        result.update(exc.to_fail_kwargs())
        result.update(failed=True, msg="reading the participations of %s failed: %s" % (event.describe(), exc))
        return result
    _count(client, calls, "reads", mark)
    twice = None if force else one_contact_twice(request["contacts"], current, state)
    if twice:
        result.update(failed=True, msg="nothing was written: %s" % twice)
        return result
    to_write, unchanged = compute_delta(request["contacts"], current, state, force=force)
    if force and not check_mode:
        _warn_clock_times(to_write, warn)
    if not to_write or check_mode:
        result.update(changed=bool(to_write), unchanged=unchanged, recorded=would_record(to_write, state))
        if diff:
            result["diff"] = build_diff(to_write, set(c["key"] for c in to_write), state)
        return result

    outcome = Outcome()
    mark = client.request_count
    write_contacts(client, event, state, to_write, request["batch_size"], outcome, request.get("write_concurrency", DEFAULT_WRITE_CONCURRENCY))
    _count(client, calls, "writes", mark)
    check_answered_as_one(outcome, warn)
    event_total = totals.get(state_filter(state)) if state_filter(state) else None
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


def _warn_clock_times(to_write, warn):
    """With ``force``, every run writes every contact: one without a time of its own gets the run's start as
    ``interactionDateTime``, and HubSpot keeps a write idempotent only while that time stays the same
    (CONTRACT section 12, row 14), so each rerun may add a timeline entry to those contacts. Not in check mode,
    which sends nothing (the role turns ``force`` on there by itself for an event it would create)."""
    timeless = sum(1 for contact in to_write if contact.get("occurred_from_clock"))
    if timeless and warn is not None:
        warn("force is true and %d contact(s) have no occurred_at, so this run sends the time it started as their "
             "interactionDateTime: HubSpot may add a timeline entry on every such rerun (it keeps a write idempotent "
             "only with the same time); give occurred_at (per contact or for the task) to keep reruns idempotent" % timeless)


def _verify(client, request, outcome, event_total, calls, result):
    """Confirm the written contacts through reads (``verify``); the error that stopped it, or None."""
    candidates = verifiable(outcome)
    mark = client.request_count
    try:
        not_held, rounds = verify(client, request["event"], request["state"], candidates, request["verify_timeout"],
                                  event_total=event_total, expected_total=expected_event_total(outcome, request["state"], event_total))
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
    failure = outcome.failure
    if failure is not None and may_have_been_applied(failure) and not unconfirmed and not result[NOT_ATTEMPTED] and warn is not None:
        # verify read back every contact of the request that got no answer: nothing is left open.
        warn("%s; verify then read every contact of that request in state %s" % (failure, result["state"]))
        failure = None
    if failure is not None:
        result.update(failure.to_fail_kwargs())
        result.update(failed=True, msg="%s (%d of %d contacts to write recorded before this failure, %d unconfirmed, %d refused, %d not attempted)" % (
            failure, len(recorded), total, len(unconfirmed), len(errors), len(result[NOT_ATTEMPTED])))
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
