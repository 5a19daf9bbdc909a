# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Shared helpers of the unit tests: one home for each.

* ``load_fixture(name)`` / ``fixture_text(name)``: recorded HubSpot answers in tests/unit/fixtures/
  (also as the ``fixture_loader`` fixture);
* ``query_of(request)``: the decoded query of a request recorded by requests-mock, case preserved;
* ``spec_client(get=..., post=..., request=...)``: an autospec'd ``HubSpotClient`` whose methods answer
  from a list (in order) or a callable, paging through the real ``Pager`` and counting its requests;
* ``FakeHubSpot``: the one fake HubSpot (participations of one event, reads and attendance writes);
  ``breakdown_page(parts, params)``: one page of an event breakdown as HubSpot pages it;
* ``send_answer(handler, status, data, headers)``: a local stub server's answer (JSON unless told);
* ``FakeClock`` and ``paced()``: a ``_Pacer`` on a fake clock whose sleeps are recorded, not slept;
* the ``client`` fixture: a real ``HubSpotClient`` on ``BASE`` with ``TOKEN``, no retries, no pacing
  (for requests-mock);
* the autouse ``no_hubspot_environment``: no test sees the caller's ``HUBSPOT_*`` variables.

Test modules import the helpers from ``ansible_collections.hubspot.marketing.tests.unit.conftest``;
fixtures come through pytest.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import threading
from unittest.mock import create_autospec
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from ansible_collections.hubspot.marketing.plugins.module_utils._client import HubSpotClient, Pager, _Pacer

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
NOW = 1717495200000  # 2024-06-04T10:00:00Z: the occurredAt of every FakeHubSpot participation
TOKEN = "pat-na1-unit-test-secret-0123456789"  # the ``client`` fixture's token: no output may show it
BASE = "https://api.example.test"


def fixture_text(name):
    """The text of tests/unit/fixtures/``name``."""
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def load_fixture(name):
    """tests/unit/fixtures/``name``, parsed as JSON."""
    return json.loads(fixture_text(name))


def query_of(request):
    """The decoded query of a recorded request, case preserved (requests-mock's .qs lowercases).

    A parameter given once maps to its value, one given several times to the list of its values.
    """
    return {k: v[0] if len(v) == 1 else v for k, v in parse_qs(urlsplit(request.url).query, keep_blank_values=True).items()}


_COUNT_LOCK = threading.Lock()


def count_request(client):
    """One more request on ``client.request_count``; thread-safe, as the real client's counters are."""
    with _COUNT_LOCK:
        client.request_count += 1


def spec_client(get=(), post=(), request=(), counted=True):
    """An autospec'd ``HubSpotClient``: each method answers its items in order (an exception item is
    raised), or calls the callable given instead.

    ``iter_items`` pages through the real ``Pager`` over ``get``; ``request_count`` counts the calls,
    as the real client counts its requests (``counted=False``: the callables count); ``retry_summary`` is the real one, over whatever the test
    puts in ``client.retries``.
    """
    client = create_autospec(HubSpotClient, instance=True)
    client.request_count = 0
    client.retries = []

    def answering(answers):
        queue = iter(list(answers)) if not callable(answers) else None

        def call(*args, **kwargs):
            if counted:
                count_request(client)
            if queue is None:
                return answers(*args, **kwargs)
            answer = next(queue)
            if isinstance(answer, BaseException):
                raise answer
            return answer
        return call

    client.get.side_effect = answering(get)
    client.post.side_effect = answering(post)
    client.request.side_effect = answering(request)
    client.iter_items.side_effect = lambda path, params=None, page_size=100, limit=None, item_problem=None: Pager(
        client, path, params, page_size, limit, item_problem=item_problem)
    client.retry_summary.side_effect = lambda shown=5: HubSpotClient.retry_summary(client, shown)
    return client


class FakeHubSpot:
    """Participations of one event, answering reads and attendance writes the way HubSpot does
    (CONTRACT.md section 12): ``results`` lists only what changed, a re-post of a held state is
    absent, ``attend`` without ISO join and leave times is dropped, per-input errors name the
    contact only in their message.

    ``participations``: ``(contact id, email, snake state[, duration])``; ``store=False`` answers writes
    as done and stores nothing (HubSpot does that for some inputs). ``fake.client()`` is a
    ``spec_client`` answering from this fake.
    """

    READ = {"registered": "REGISTERED", "attended": "ATTENDED", "cancelled": "CANCELLED", "no_show": "NO_SHOW"}
    VERB = {"register": "REGISTERED", "attend": "ATTENDED", "cancel": "CANCELLED"}
    ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")

    def __init__(self, participations=(), known_ids=None, store=True):
        self.parts = [{"id": str(p[0]), "email": p[1], "state": self.READ[p[2]], "duration": p[3] if len(p) > 3 else None}
                      for p in participations]
        self.known_ids = set(known_ids or []) | set(int(p["id"]) for p in self.parts)
        self.next_id = 5000
        self.store = store
        self.gets = []
        self.posts = []
        self.api = None

    def client(self):
        self.api = spec_client(get=self.get, post=self.post, counted=False)
        return self.api

    def count(self):
        """One more request on the client (``get`` and ``post`` count themselves; a test's own answer calls this)."""
        if self.api is not None:
            count_request(self.api)

    def with_ids(self, known):
        """This fake, knowing the contact ids ``known`` too (writes to unknown ids fail)."""
        self.known_ids |= set(known)
        return self

    @staticmethod
    def item(part):
        props = {"attendanceState": part["state"], "occurredAt": NOW}
        if part.get("duration") is not None:
            props["attendanceDurationSeconds"] = part["duration"]
        return {"id": "p" + part["id"], "createdAt": "2024-06-04T10:00:00Z",
                "associations": {"contact": {"contactId": part["id"], "email": part["email"]},
                                 "marketingEvent": {"marketingEventId": "456", "name": "W"}},
                "properties": props}

    def get(self, path, params=None):
        self.count()
        params = dict(params or {})
        self.gets.append((path, params))
        assert path.endswith("/breakdown")
        assert int(params["limit"]) <= 100
        ident = params.get("contactIdentifier")
        if "/participations/contacts/" in path:
            ident = unquote(path.split("/")[-2])
        parts = self.parts
        if ident is not None:
            parts = [p for p in parts if p["id"] == ident or (p["email"] or "").lower() == ident.lower()]
        if params.get("state") is not None:
            parts = [p for p in parts if p["state"] == params["state"]]
        return breakdown_page(parts, params)

    def post(self, path, body, params=None, attempts=None):
        self.count()
        self.posts.append((path, body, params))
        state = self.VERB[path.split("/")[-2]]
        by_email = path.endswith("/email-create")
        results, errors = [], []
        for item in body["inputs"]:
            duration = None
            if state == "ATTENDED":
                props = item.get("properties") or {}
                if not all(self.ISO.match(props.get(k) or "") for k in ("joinedAt", "leftAt")):
                    continue  # dropped without a word, like HubSpot
                duration = item.get("_duration", 3600)  # one-hour spans unless the test says otherwise
            if by_email:
                match = [p for p in self.parts if (p["email"] or "").lower() == item["email"].lower()]
                cid = int(match[0]["id"]) if match else None
                if cid is None:
                    cid = self.next_id
                    self.next_id += 1
                    self.known_ids.add(cid)
                if self._upsert(cid, item["email"].lower(), state, duration):
                    results.append({"email": item["email"].lower(), "vid": cid})
            elif item["vid"] not in self.known_ids:
                errors.append({"status": "error", "category": "OBJECT_NOT_FOUND", "message": "Contact with vid %s does not exist" % item["vid"],
                               "context": {}, "errors": [], "links": {}})
            elif self._upsert(item["vid"], None, state, duration):
                results.append({"vid": item["vid"]})
        return {"status": "COMPLETE", "results": results, "numErrors": len(errors), "errors": errors}

    def _upsert(self, cid, email, state, duration):
        """Store; whether anything changed."""
        if not self.store:
            return True
        for part in self.parts:
            if part["id"] == str(cid):
                if part["state"] == state and part["duration"] == duration:
                    return False
                part.update(state=state, duration=duration)
                return True
        self.parts.append({"id": str(cid), "email": email, "state": state, "duration": duration})
        return True


def breakdown_page(parts, params):
    """The page of ``parts`` (``id``, ``email``, read ``state``[, ``duration``]) that ``params`` (``limit``,
    ``after``) ask for, as ``FakeHubSpot.item`` participations, with the next cursor while more are left."""
    offset = int(params.get("after", 0))
    page = parts[offset:offset + int(params["limit"])]
    body = {"total": len(parts), "results": [FakeHubSpot.item(p) for p in page]}
    if offset + len(page) < len(parts):
        body["paging"] = {"next": {"after": str(offset + len(page))}}
    return body


def send_answer(handler, status, data, headers=None):
    """Answer on a ``BaseHTTPRequestHandler``: ``status``, ``data`` (bytes) and ``headers``, with
    ``Content-Type: application/json`` unless ``headers`` name another, and the ``Content-Length``."""
    headers = headers or {}
    handler.send_response(status)
    if "Content-Type" not in headers:
        handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    for key, value in headers.items():
        handler.send_header(key, value)
    handler.end_headers()
    handler.wfile.write(data)


class FakeClock:
    """A clock for ``_Pacer``: calling it tells ``now``; ``sleep`` records the seconds in ``sleeps`` and moves ``now`` on."""

    def __init__(self, now=1000.0):
        self.now = now
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def paced():
    """``(pacer, clock)``: a ``_Pacer`` that reads and sleeps on a new ``FakeClock``."""
    clock = FakeClock()
    return _Pacer(clock=clock, sleep=clock.sleep), clock


@pytest.fixture
def client():
    """A real ``HubSpotClient`` (``TOKEN`` on ``BASE``) without retries or pacing: requests-mock answers it."""
    with HubSpotClient(TOKEN, base_url=BASE + "/", max_retries=0, pace=False) as api:
        yield api


@pytest.fixture(autouse=True)
def no_hubspot_environment(monkeypatch):
    monkeypatch.delenv("HUBSPOT_ACCESS_TOKEN", raising=False)
    monkeypatch.delenv("HUBSPOT_BASE_URL", raising=False)


@pytest.fixture
def fixture_loader():
    return load_fixture


@pytest.fixture
def verify_clock(monkeypatch):
    """``_reconcile``'s time.sleep and time.monotonic on a clock that only sleeping moves: ``{"now", "slept"}``."""
    from ansible_collections.hubspot.marketing.plugins.module_utils import _reconcile
    clock = {"now": 1000.0, "slept": []}

    def sleep(seconds):
        clock["slept"].append(seconds)
        clock["now"] += seconds

    monkeypatch.setattr(_reconcile.time, "sleep", sleep)
    monkeypatch.setattr(_reconcile.time, "monotonic", lambda: clock["now"])
    return clock
