# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Concurrency of ``marketing_event_attendance``: concurrent write chunks, parallel read cursors, the pacer.

The real ``HubSpotClient`` runs against a stubbed HTTP boundary: a threaded stdlib HTTP server on
127.0.0.1 serving a small fake of HubSpot's event breakdown and attendance writes (requests-mock
would serialise the requests, and these tests are about requests in flight at the same time), and,
for the pacer, one that answers 429 to any request over its limit.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from ansible_collections.hubspot.marketing.plugins.module_utils import _participations, _reconcile
from ansible_collections.hubspot.marketing.plugins.module_utils._attendance import prepare_contacts
from ansible_collections.hubspot.marketing.plugins.module_utils._client import HubSpotClient
from ansible_collections.hubspot.marketing.plugins.module_utils._participations import EventRef
from ansible_collections.hubspot.marketing.plugins.module_utils._schemas import MAX_WRITE_CONCURRENCY
from ansible_collections.hubspot.marketing.tests.unit.conftest import NOW, breakdown_page, paced, send_answer

TOKEN = "pat-na1-unit-secret-concurrency-0123"
EVENTS = "/marketing/v3/marketing-events"
BUCKETS = ("recorded", "unchanged", "batch_errors", "unconfirmed", "not_attempted")
READ_STATES = ("REGISTERED", "ATTENDED", "CANCELLED", "NO_SHOW")
VERBS = {"register": "REGISTERED", "attend": "ATTENDED", "cancel": "CANCELLED"}


class FakeHubSpot:
    """The event breakdown (paged, filtered by state) and the attendance writes of one event, 456.

    ``fault(chunk_number, inputs)`` may return how to answer one write instead: ``"400"``, ``"503"``,
    ``"malformed"``, ``"reset"`` (no answer at all), ``"reject_one"`` (a per-input error naming the second input) or
    ``"unnamed"`` (a per-input error that names nobody), ``"pending"`` (status PENDING: the batch is not
    done, though it lists its results) or ``"charset"`` (a right answer whose Content-Type names a
    charset Python does not know, as a gateway may). Writes sleep ``delay`` seconds so several
    are in flight at once; ``max_in_flight`` records how many were. Once the fault is answered, the
    other answers wait ``FAULT_HOLD`` seconds: the client reads the fault before a slot can free, so
    what it sends afterwards does not depend on how fast the machine is.
    """

    FAULT_HOLD = 0.25

    def __init__(self, parts=(), fault=None, delay=0.01):
        self.parts = dict((p["email"], dict(p)) for p in parts)   # email -> {"email", "id", "state"}
        self.fault = fault
        self.delay = delay
        self.lock = threading.Condition()
        self.gets = []
        self.posts = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.arrivals = []
        self.fault_answered = None

    def handle(self, method, path, query, body):
        """``(status, body text)``, or None to drop the connection without an answer."""
        if method == "GET" and path == EVENTS + "/participations/456/breakdown":
            return 200, json.dumps(self.breakdown(query))
        match = re.match(re.escape(EVENTS) + r"/456/attendance/(\w+)/email-create$", path)
        if method == "POST" and match:
            return self.write(VERBS[match.group(1)], json.loads(body)["inputs"])
        return 404, json.dumps({"status": "error", "category": "OBJECT_NOT_FOUND", "message": "no route"})

    def breakdown(self, query):
        with self.lock:
            self.gets.append(tuple(sorted(query.items())))
            parts = sorted(self.parts.values(), key=lambda p: int(p["id"]))
        if "state" in query:
            parts = [p for p in parts if p["state"] == query["state"].upper()]
        return breakdown_page(parts, query)

    def write(self, state, inputs):
        with self.lock:
            number = len(self.posts)
            self.posts.append([i["email"] for i in inputs])
            self.arrivals.append(time.monotonic())
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.lock.notify_all()
        fault = self.fault(number, inputs) if self.fault else None
        try:
            if fault:
                # A faulty answer waits (up to 5 s) for another write to be in flight, so the fault always
                # meets a concurrent chunk, however slow the machine is.
                with self.lock:
                    self.lock.wait_for(lambda: self.in_flight > 1, timeout=5)
            time.sleep(self.delay)
            self._hold_after_the_fault(fault)
            return self._answer(inputs, state, fault)
        finally:
            if fault:
                self.fault_answered = time.monotonic()
            with self.lock:
                self.in_flight -= 1

    def _hold_after_the_fault(self, fault):
        with self.lock:
            answered = self.fault_answered
        if not fault and answered is not None:
            time.sleep(max(0.0, answered + self.FAULT_HOLD - time.monotonic()))

    def _answer(self, inputs, state, fault):
        if fault == "reset":
            return None
        if fault in ("400", "503"):
            return int(fault), json.dumps({"status": "error", "category": "VALIDATION_ERROR" if fault == "400" else None,
                                           "message": "refused as a whole", "correlationId": "c-%s" % fault})
        if fault == "malformed":
            return 200, '{"status": "COMPLETE", "results": ['
        rejected = {"reject_one": inputs[1]["email"] if len(inputs) > 1 else None}.get(fault)
        results, errors = [], []
        for item in inputs:
            if item["email"] == rejected:
                errors.append({"status": "error", "category": "VALIDATION_ERROR",
                               "message": "The contact cannot take part in this event for `%s`" % item["email"]})
                continue
            if fault == "unnamed" and not errors:
                errors.append({"status": "error", "category": "VALIDATION_ERROR", "message": "something was refused"})
                continue
            with self.lock:
                part = self.parts.get(item["email"])
                if part is not None and part["state"] == state:
                    continue  # a re-post of a held state: absent from results
                number = part["id"] if part else str(10000 + len(self.parts))
                self.parts[item["email"]] = {"email": item["email"], "id": number, "state": state}
            results.append({"email": item["email"], "vid": int(number)})
        status = "PENDING" if fault == "pending" else "COMPLETE"
        headers = {"Content-Type": "application/json; charset=utf-9"} if fault == "charset" else {}
        return (201 if state == "REGISTERED" else 200), json.dumps(
            {"status": status, "results": results, "numErrors": len(errors), "errors": errors}), headers


class _Handler(BaseHTTPRequestHandler):
    """Hands every request to ``server.app.handle(method, path, query, body)``."""

    protocol_version = "HTTP/1.1"

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        query = dict((k, v[0]) for k, v in parse_qs(parts.query).items())
        answer = self.server.app.handle(self.command, unquote(parts.path), query, body)
        if answer is None:
            self.close_connection = True
            return
        status, text = answer[:2]
        send_answer(self, status, text.encode("utf-8"), answer[2] if len(answer) > 2 else {})

    do_GET = do_POST = _serve

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


class serving:  # pylint: disable=invalid-name
    """``with serving(app) as base_url``: a threaded HTTP server on 127.0.0.1 in front of ``app``."""

    def __init__(self, app):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.app = app

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def email(i):
    return "c%04d@example.com" % i


def request_for(n, state="registered", concurrency=4, batch_size=10, force=False, verify=False):
    contacts = [{"email": email(i)} for i in range(n)]
    return {"event": EventRef(object_id="456"), "state": state, "force": force, "allow_partial": True,
            "batch_size": batch_size, "write_concurrency": concurrency, "verify": verify, "verify_timeout": 10,
            "contacts": prepare_contacts(contacts, state, NOW)}


def run(fake, request, diff=False):
    with serving(fake) as base_url:
        with HubSpotClient(TOKEN, base_url=base_url, max_retries=0, use_proxy=False) as client:
            return _reconcile.reconcile(client, request, diff=diff, warn=lambda msg: None)


def placements(result):
    """contact email -> every bucket it appears in."""
    where = {}
    for bucket in BUCKETS:
        for entry in result.get(bucket) or []:
            contact = entry.get("contact", entry)
            where.setdefault(contact.get("email"), []).append(bucket)
    return where


# ---------------------------------------------------------------------------------------------
# A fault in one concurrent chunk: every contact still ends in exactly one bucket


FAULTS = ["reject_one", "unnamed", "400", "503", "malformed", "reset", "pending", "charset"]
STOPS = {"400": "batch_errors", "503": "unconfirmed", "malformed": "unconfirmed", "reset": "unconfirmed"}
# Answers that stop nothing but leave the faulty chunk's contacts in one bucket.
CHUNK_BUCKETS = {"pending": ("unconfirmed",), "charset": ("recorded", "unchanged")}


@pytest.mark.parametrize("concurrency", [2, 4, 8, MAX_WRITE_CONCURRENCY])
@pytest.mark.parametrize("faulty_chunk", [0, 3, 9])
@pytest.mark.parametrize("fault", FAULTS)
def test_one_faulty_chunk_leaves_every_contact_in_exactly_one_bucket(fault, faulty_chunk, concurrency):
    held = [{"email": email(i), "id": str(i + 1), "state": "REGISTERED"} for i in range(0, 100, 7)]
    fake = FakeHubSpot(parts=held, fault=lambda number, inputs: fault if number == faulty_chunk else None)
    request = request_for(100, concurrency=concurrency, force=True)  # force: held contacts are sent too
    result = run(fake, request)

    where = placements(result)
    assert sorted(where) == [email(i) for i in range(100)]
    assert all(len(buckets) == 1 for buckets in where.values()), dict((k, v) for k, v in where.items() if len(v) > 1)
    assert fake.max_in_flight > 1
    # the buckets tell what the fake HubSpot holds: recorded ones hold the state now
    for mail, (bucket,) in where.items():
        if bucket == "recorded":
            assert fake.parts[mail]["state"] == "REGISTERED"
    faulty = fake.posts[faulty_chunk]
    if fault in STOPS:
        assert result["failed"] is True
        assert all(where[mail] == [STOPS[fault]] for mail in faulty)
        sent = set(mail for chunk in fake.posts for mail in chunk)
        assert set(m for m, b in where.items() if b == ["not_attempted"]) == set(where) - sent
        # after the failing answer, no more chunks arrived than the others that may already have been in flight
        assert sum(1 for t in fake.arrivals if t > fake.fault_answered) <= concurrency - 1
    else:
        assert not result.get("not_attempted")
        assert len(fake.posts) == 10
        if fault in CHUNK_BUCKETS:
            assert all(where[mail][0] in CHUNK_BUCKETS[fault] for mail in faulty), [where[mail] for mail in faulty]
    # results keep the input order
    order = [entry["email"] for entry in result["recorded"]]
    assert order == sorted(order)


def test_concurrent_chunks_run_at_once_and_keep_the_input_order():
    fake = FakeHubSpot(delay=0.05)
    result = run(fake, request_for(200, concurrency=4, batch_size=10))
    assert fake.max_in_flight == 4
    assert [entry["email"] for entry in result["recorded"]] == [email(i) for i in range(200)]
    assert len(fake.posts) == 20 and result["api_calls"]["writes"] == 20


# ---------------------------------------------------------------------------------------------
# Parallel read cursors


def mixed_event(n):
    return [{"email": email(i), "id": str(i + 1), "state": READ_STATES[i % 4]} for i in range(n)]


def test_every_state_read_through_its_own_cursor_when_the_states_are_mixed():
    fake = FakeHubSpot(parts=mixed_event(2000))
    result = run(fake, request_for(2000, state="registered"), diff=True)
    # the unfiltered first page decides; then 4 cursors of 500 participations: 5 pages each
    states = [dict(g).get("state") for g in fake.gets]
    assert states.count(None) == 1
    assert sorted(s for s in states if s) == sorted(list(READ_STATES) * 5)
    assert len(set(fake.gets)) == len(fake.gets)  # no page asked twice
    assert result["api_calls"]["reads"] == 21
    # exact: the cancelled quarter is written, everybody else holds registered (or better)
    assert [e["email"] for e in result["recorded"]] == [email(i) for i in range(2000) if i % 4 == 2]
    assert len(result["unchanged"]) == 1500
    assert set(result["diff"]["before"].values()) == {"cancelled"}


def test_split_reads_give_the_same_result_as_one_cursor(monkeypatch):
    results = []
    for gain in (1.0, 0.0):  # 0.0: never split
        monkeypatch.setattr(_participations, "SPLIT_GAIN", gain)
        fake = FakeHubSpot(parts=mixed_event(1200))
        results.append((run(fake, request_for(1500, state="registered"), diff=True), fake))
    (split, split_fake), (single, single_fake) = results
    assert len(split_fake.gets) > len(single_fake.gets) == 12
    for key in ("unchanged", "diff", "changed"):
        assert split[key] == single[key]
    # new contacts get their ids in the order the writes arrive: compare the rest
    assert [(e["email"], e["state"]) for e in split["recorded"]] == [(e["email"], e["state"]) for e in single["recorded"]]


def test_one_state_mostly_keeps_the_single_cursor():
    parts = [{"email": email(i), "id": str(i + 1), "state": "REGISTERED"} for i in range(1000)]
    fake = FakeHubSpot(parts=parts)
    result = run(fake, request_for(1000, state="registered"), diff=True)
    assert result["api_calls"]["reads"] == 10
    assert all(dict(g).get("state") is None for g in fake.gets)


# ---------------------------------------------------------------------------------------------
# verify through the event breakdown: rounds before the rollup caught up cost one request


def test_verify_reads_one_page_per_round_until_the_event_shows_the_writes(monkeypatch):
    fake = FakeHubSpot(parts=[{"email": email(i), "id": str(i + 1), "state": "CANCELLED"} for i in range(1000, 1350)])
    lagging = {"rounds": 2}
    original = fake.breakdown

    def breakdown(query):
        # The rollup shows none of this task's writes during the first two verify rounds.
        body = original(query)
        if lagging["rounds"] and len(fake.posts):
            if "after" not in query:
                lagging["rounds"] -= 1
            body["total"] = 350
            body["results"] = [r for r in body["results"] if int(r["associations"]["contact"]["contactId"]) > 1000]
        return body

    fake.breakdown = breakdown
    monkeypatch.setattr(_reconcile.time, "sleep", lambda seconds: None)
    result = run(fake, request_for(400, state="cancelled", verify=True))
    assert result["verification"] == {"checked": 400, "confirmed": 400, "rounds": 3}
    # two rounds of one page each, then the 8 pages of 750 participations
    assert result["api_calls"]["verify_reads"] == 2 + 8


# ---------------------------------------------------------------------------------------------
# The pacer counts requests in flight


def test_pacer_counts_requests_still_in_flight():
    pacer, clock = paced()
    first = pacer.before_request()
    pacer.after_response({"X-HubSpot-RateLimit-Max": "3", "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
                          "X-HubSpot-RateLimit-Remaining": "2"}, first)
    pacer.before_request()
    pacer.before_request()  # two in flight, no answer yet: with the answered one, the window is full
    assert clock.sleeps == []
    pacer.before_request()
    assert clock.sleeps and abs(sum(clock.sleeps) - 10.0) < 0.01


class Limited:
    """Answers every POST after ``latency``; 429 when ``limit`` requests arrived in the last ``window`` seconds."""

    def __init__(self, limit=10, window=1.0, latency=0.03):
        self.limit, self.window, self.latency = limit, window, latency
        self.arrivals, self.statuses, self.lock = [], [], threading.Lock()

    def handle(self, method, path, query, body):
        with self.lock:
            now = time.monotonic()
            self.arrivals = [t for t in self.arrivals if t > now - self.window]
            status = 429 if len(self.arrivals) >= self.limit else 200
            if status == 200:
                self.arrivals.append(now)
            self.statuses.append(status)
            remaining = max(0, self.limit - len(self.arrivals))
        time.sleep(self.latency)
        text = json.dumps({"status": "COMPLETE", "results": []} if status == 200 else
                          {"status": "error", "category": "RATE_LIMITS", "message": "You have reached your ten_secondly_rolling limit.",
                           "policyName": "TEN_SECONDLY_ROLLING"})
        return status, text, {"X-HubSpot-RateLimit-Max": str(self.limit), "X-HubSpot-RateLimit-Remaining": str(remaining),
                              "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(self.window * 1000))}


def test_concurrent_writes_under_a_rate_limit_get_no_429():
    # A 2 s window: scheduling jitter on a busy machine stays small beside it.
    app = Limited(limit=10, window=2.0)
    request = request_for(300, concurrency=8, batch_size=10)
    with serving(app) as base_url:
        with HubSpotClient(TOKEN, base_url=base_url, max_retries=0, use_proxy=False) as client:
            outcome = _reconcile.Outcome()
            started = time.monotonic()
            _reconcile.write_contacts(client, request["event"], "registered", request["contacts"], 10, outcome, concurrency=8)
            took = time.monotonic() - started
    assert app.statuses.count(429) == 0
    assert len(app.statuses) == 30
    # 30 requests at 10 per 2 s: the pacer waits for the window twice, about 4 s
    assert took >= 3.9
