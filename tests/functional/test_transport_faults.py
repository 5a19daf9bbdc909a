# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Transport faults against a real emulator process (no mocks between the client and the socket).

* every retryable status (423, 429 with and without Retry-After, 477, 500, 502, 503, 504, 521) and
  dropped connections are retried for GET and POST, and the retries are listed; the first retry waits
  2 backoff factors after a 423 or a 5xx, none after the others;
* faults beyond ``max_retries`` fail with the request that gave up, after exactly 1 + max_retries tries;
* a DAILY 429 is never retried (one request, no wait, even with a Retry-After);
* malformed JSON and HTML error pages give a clear error, never a traceback;
* a request that hangs longer than ``timeout`` is abandoned and retried;
* the emulator killed (and restarted) mid-run: a clear failure or a recovery, never a wrong ok;
* TLS: verification on by default, ``validate_certs: false`` works and warns;
* the token travels only in the Authorization header, and never across a redirect.

Modules run in-process (``main()`` with patched arguments) where the module's behaviour is the point.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import json
import logging
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.hubspot.marketing.plugins.module_utils._client import HubSpotClient
from ansible_collections.hubspot.marketing.plugins.module_utils._errors import (
    HubSpotApiError,
    HubSpotDailyLimitError,
    HubSpotTransportError,
)
from ansible_collections.hubspot.marketing.plugins.module_utils._schemas import MAX_WRITE_CONCURRENCY
from ansible_collections.hubspot.marketing.plugins.modules import marketing_event_attendance as attendance_module
from ansible_collections.hubspot.marketing.plugins.modules import marketing_event_participation_info as info_module
from ansible_collections.hubspot.marketing.tests.unit.plugins.modules.utils import run_task as run_module

from process import EMULATOR_SCRIPT, READY_PREFIX, running_emulator, stop_emulator

TOKEN = "pat-na1-zqx-transport-faults-5e4d3c2b1a"
ME = "/marketing/v3/marketing-events"
FAST = 0.01  # backoff factor for client-level tests: retries without real waiting


# ---------------------------------------------------------------------------------------------
# Harness


def seed(emulator, contacts=0, participations=None):
    """One event ("acc"/"ev") and ``contacts`` contacts; returns ``(event id, contact ids)``."""
    body = {"contacts": [{"email": "c%04d@example.com" % n} for n in range(contacts)],
            "events": [{"externalAccountId": "acc", "externalEventId": "ev", "eventName": "Faults"}]}
    if participations:
        body["participations"] = participations
    out = emulator.seed(body)
    return out["events"][0]["objectId"], [c["id"] for c in out["contacts"]]


def client(url, **kwargs):
    kwargs.setdefault("backoff_factor", FAST)
    kwargs.setdefault("max_retries", 3)
    kwargs.setdefault("timeout", 10)
    return HubSpotClient(TOKEN, base_url=url, **kwargs)


def assert_clean_failure(result):
    """A failure a user can read: a message, no traceback, no token."""
    assert result.get("msg"), result
    assert "exception" not in result, result["exception"]
    assert "Traceback" not in result["msg"]
    assert TOKEN not in json.dumps(result)


def warnings_of(result):
    """The warnings the module issued (recorded by run_module)."""
    return result["_warned"]


def breakdown(event_id):
    return "%s/participations/%s/breakdown" % (ME, event_id)


def write_path(event_id, verb="register"):
    return "%s/%s/attendance/%s/create" % (ME, event_id, verb)


# ---------------------------------------------------------------------------------------------
# Retryable statuses and dropped connections

RETRYABLE = [
    pytest.param({"action": 429, "retry_after": 0}, id="429-retry-after-0"),
    pytest.param({"action": 429, "retry_after": 1}, id="429-retry-after-1"),
    pytest.param({"action": 429}, id="429-no-retry-after"),
    pytest.param({"action": 423}, id="423"),
    pytest.param({"action": 477, "retry_after": 0}, id="477"),
    pytest.param({"action": 500}, id="500"),
    pytest.param({"action": 502}, id="502"),
    pytest.param({"action": 502, "body": "html"}, id="502-html"),
    pytest.param({"action": 503}, id="503"),
    pytest.param({"action": 504}, id="504"),
    pytest.param({"action": 521}, id="521"),
    pytest.param({"action": "reset"}, id="dropped-connection"),
]


@pytest.mark.parametrize("fault", RETRYABLE)
def test_read_is_retried_and_succeeds(emulator, fault):
    event_id, dummy = seed(emulator)
    emulator.faults(dict(fault, method="GET", path_regex="/breakdown$", count=2))
    with client(emulator.url) as api:
        body = api.get(breakdown(event_id), params={"limit": 10})
        assert body["total"] == 0
        assert len(api.retries) == 2, api.retries
        assert all(r.startswith("GET %s: " % breakdown(event_id)) for r in api.retries), api.retries
        assert api.request_count == 1
    statuses = [r["status"] for r in emulator.log()]
    expected = 0 if fault["action"] == "reset" else fault["action"]
    assert statuses == [expected, expected, 200]


@pytest.mark.parametrize("fault", RETRYABLE)
def test_write_is_retried_and_recorded_once(emulator, fault):
    event_id, contacts = seed(emulator, contacts=3)
    emulator.faults(dict(fault, method="POST", path_regex="/attendance/", count=2))
    body = {"inputs": [{"vid": int(c), "interactionDateTime": 1717495200000, "properties": {}} for c in contacts]}
    with client(emulator.url) as api:
        answer = api.post(write_path(event_id), body)
        assert len(api.retries) == 2 and all(r.startswith("POST ") for r in api.retries), api.retries
    assert [r["vid"] for r in answer["results"]] == [int(c) for c in contacts]
    log = emulator.log()
    # Faulted requests never change state: exactly one write was applied.
    assert [r["status"] for r in log] == [0 if fault["action"] == "reset" else fault["action"]] * 2 + [201]  # register answers 201, as HubSpot does
    state = emulator.state()
    assert sorted(p["contactId"] for p in state) == sorted(contacts)
    assert set(p["attendanceState"] for p in state) == {"REGISTERED"}


def test_retry_after_is_honoured(emulator):
    event_id, dummy = seed(emulator)
    emulator.faults({"method": "GET", "action": 429, "retry_after": 1, "count": 1})
    start = time.monotonic()
    with client(emulator.url) as api:
        api.get(breakdown(event_id))
    assert time.monotonic() - start >= 0.95


def test_retry_after_is_capped(emulator):
    event_id, dummy = seed(emulator)
    emulator.faults({"method": "GET", "action": 429, "retry_after": 3600, "count": 1})
    start = time.monotonic()
    with client(emulator.url, retry_after_cap=1) as api:
        api.get(breakdown(event_id))
        assert api._session.get_adapter("https://x").max_retries.parse_retry_after("3600") == 1
    assert time.monotonic() - start < 5
    with client(emulator.url) as api:  # the default cap
        assert api._session.get_adapter("https://x").max_retries.parse_retry_after("3600") == 60


@pytest.mark.parametrize("action, least, most", [
    ("reset", 0.0, 0.9),  # a dropped connection: retried at once
    (429, 10.0, 10.9),  # a 429 without Retry-After: HubSpot's whole 10 s window (an earlier retry meets the limit again)
    (503, 2.0, 2.9),  # HubSpot asks for a pause of a few seconds after a 5xx
    (423, 2.0, 2.9),  # and for at least 2 s after a 423
])
def test_first_retry_with_the_real_backoff(emulator, action, least, most):
    """The real backoff factor (1 s): the first retry waits 10 s after a 429 without Retry-After, 2 s after
    a 423 or a 5xx, none after a dropped connection."""
    event_id, dummy = seed(emulator)
    emulator.faults({"method": "GET", "action": action, "count": 1})
    start = time.monotonic()
    with HubSpotClient(TOKEN, base_url=emulator.url) as api:
        api.get(breakdown(event_id))
        assert len(api.retries) == 1
    assert least <= time.monotonic() - start < most


# ---------------------------------------------------------------------------------------------
# Giving up


@pytest.mark.parametrize("status", [429, 423, 500, 502, 503, 504])
def test_status_beyond_max_retries_names_the_request(emulator, status):
    event_id, contacts = seed(emulator, contacts=1)
    emulator.faults({"method": "POST", "action": status, "retry_after": 0})
    body = {"inputs": [{"vid": int(contacts[0]), "interactionDateTime": 1, "properties": {}}]}
    with client(emulator.url, max_retries=2) as api:
        with pytest.raises(HubSpotApiError) as info:
            api.post(write_path(event_id), body)
    text = str(info.value)
    assert text.startswith("POST %s -> %d" % (write_path(event_id), status)), text
    assert "gave up after 2 retries" in text
    assert info.value.status == status and info.value.retries == 2
    assert len(emulator.log()) == 3
    assert emulator.state() == []


def test_dropped_connections_beyond_max_retries_name_the_request(emulator):
    event_id, dummy = seed(emulator)
    emulator.faults({"method": "GET", "action": "reset"})
    with client(emulator.url, max_retries=2) as api:
        with pytest.raises(HubSpotTransportError) as info:
            api.get(breakdown(event_id))
    text = str(info.value)
    assert text.startswith("GET %s -> no response" % breakdown(event_id)), text
    assert "gave up after 2 retries" in text
    assert len(emulator.log()) == 3


def test_max_retries_zero_sends_once(emulator):
    event_id, dummy = seed(emulator)
    emulator.faults({"action": 503})
    with client(emulator.url, max_retries=0) as api:
        with pytest.raises(HubSpotApiError):
            api.get(breakdown(event_id))
    assert len(emulator.log()) == 1


# ---------------------------------------------------------------------------------------------
# DAILY limit


def test_daily_fault_is_never_retried_even_with_retry_after(emulator):
    event_id, dummy = seed(emulator)
    emulator.faults({"action": 429, "policy": "DAILY", "retry_after": 30})
    start = time.monotonic()
    with client(emulator.url, max_retries=5, backoff_factor=1) as api:
        with pytest.raises(HubSpotDailyLimitError) as info:
            api.get(breakdown(event_id))
    assert time.monotonic() - start < 2
    assert len(emulator.log()) == 1
    assert "daily" in str(info.value).lower() and info.value.policy == "DAILY"


def test_the_most_writes_in_flight_share_the_pooled_connections(emulator, caplog):
    """write_concurrency at its maximum: that many writes are in flight at once, each on a kept
    connection (urllib3 warns "Connection pool is full" when a connection has to be dropped)."""
    width = MAX_WRITE_CONCURRENCY
    event_id, contacts = seed(emulator, contacts=width * 2)
    emulator.config(latency_ms=300)
    args = dict(access_token=TOKEN, base_url=emulator.url, event_id=event_id, state="registered", force=True,
                contacts=[{"id": c} for c in contacts], batch_size=2, write_concurrency=width)
    with caplog.at_level(logging.WARNING, logger="urllib3"):
        failed, result = run_module(attendance_module, args)
    assert not failed, result.get("msg")
    assert sorted(r["id"] for r in result["recorded"]) == sorted(contacts)
    writes = [r for r in emulator.log() if r["method"] == "POST"]
    assert len(writes) == width
    # Every write arrived before the first was answered: all of them were in flight together.
    assert max(r["received_at"] for r in writes) < min(r["answered_at"] for r in writes)
    assert not [r.getMessage() for r in caplog.records if "pool" in r.getMessage().lower()]


def test_real_daily_limit_fails_fast_in_the_module(emulator):
    """The emulator's own daily counter: the module stops at the first DAILY 429 (no retry storm)."""
    event_id, contacts = seed(emulator, contacts=30)
    emulator.config(daily_limit=2)
    args = dict(access_token=TOKEN, base_url=emulator.url, event_id=event_id, state="registered",
                contacts=[{"id": c} for c in contacts], batch_size=10, write_concurrency=1)
    start = time.monotonic()
    failed, result = run_module(attendance_module, args)
    assert time.monotonic() - start < 3
    assert failed
    assert_clean_failure(result)
    assert "daily" in result["msg"].lower(), result["msg"]
    assert result["error"]["policy"] == "DAILY"
    log = emulator.log()
    assert [r["status"] for r in log] == [200, 201, 429], log  # 1 read, 1 write (register: 201), then the DAILY answer
    assert len(result["recorded"]) == 10 and len(result["not_attempted"]) == 10
    assert result["changed"] is True


# ---------------------------------------------------------------------------------------------
# Bodies that are not what they should be


def test_malformed_json_is_a_clear_error(emulator):
    event_id, dummy = seed(emulator)
    emulator.faults({"method": "GET", "action": "malformed", "count": 1})
    with client(emulator.url) as api:
        with pytest.raises(HubSpotApiError) as info:
            api.get(breakdown(event_id))
    assert info.value.category == "MALFORMED_RESPONSE"
    assert str(info.value).startswith("GET %s -> 200 MALFORMED_RESPONSE" % breakdown(event_id))


@pytest.mark.parametrize("module", ["attendance", "info"])
def test_malformed_json_in_a_module_is_a_clean_failure(emulator, module):
    event_id, contacts = seed(emulator, contacts=2)
    emulator.faults({"method": "GET", "action": "malformed"})
    if module == "attendance":
        failed, result = run_module(attendance_module, dict(
            access_token=TOKEN, base_url=emulator.url, event_id=event_id, state="registered",
            contacts=[{"id": c} for c in contacts]))
    else:
        failed, result = run_module(info_module, dict(access_token=TOKEN, base_url=emulator.url, event_id=event_id))
    assert failed
    assert_clean_failure(result)
    assert "not valid JSON" in result["msg"]
    assert result["error"]["category"] == "MALFORMED_RESPONSE"


def test_malformed_answer_to_a_write_leaves_that_batch_unconfirmed(emulator):
    event_id, contacts = seed(emulator, contacts=4)
    emulator.faults({"method": "POST", "action": "malformed", "count": 1})
    failed, result = run_module(attendance_module, dict(
        access_token=TOKEN, base_url=emulator.url, event_id=event_id, state="registered",
        contacts=[{"id": c} for c in contacts], batch_size=2, write_concurrency=1))
    assert failed
    assert_clean_failure(result)
    assert result["recorded"] == [] and result["batch_errors"] == []
    # A 200 whose body cannot be read: HubSpot may have recorded them, so they are not reported as failed.
    assert [c["id"] for c in result["unconfirmed"]] == contacts[:2]
    assert result["changed"] is True
    assert [c["id"] for c in result["not_attempted"]] == contacts[2:]
    assert emulator.state() == []  # a faulted request changes nothing; the module did not go on


def test_html_error_page_is_a_clear_error(emulator):
    event_id, dummy = seed(emulator)
    emulator.faults({"method": "GET", "action": 502, "body": "html"})
    failed, result = run_module(info_module, dict(access_token=TOKEN, base_url=emulator.url, event_id=event_id,
                                                  max_retries=1))
    assert failed
    assert_clean_failure(result)
    msg = result["msg"]
    assert msg.startswith("GET %s -> 502: non-JSON response body: <html>" % breakdown(event_id)), msg
    assert "gave up after 1 retry" in msg
    assert len(msg) < 800


def test_html_body_is_cut_to_500_characters():
    error = HubSpotApiError.from_response("GET", "/x", 502, "<html>" + "x" * 100000 + "</html>")
    assert len(error.message) < 600 and error.message.endswith("...")


# ---------------------------------------------------------------------------------------------
# Timeouts


def test_a_hanging_request_is_abandoned_and_retried(emulator):
    event_id, dummy = seed(emulator)
    emulator.faults({"method": "GET", "action": "delay", "delay_ms": 4000, "count": 1})
    start = time.monotonic()
    with client(emulator.url, timeout=1) as api:
        assert api.get(breakdown(event_id))["total"] == 0
        assert len(api.retries) == 1 and "Timeout" in api.retries[0], api.retries
    assert time.monotonic() - start < 3


def test_a_hanging_write_is_retried_and_ends_recorded_once(emulator):
    """The abandoned write still lands later (HubSpot does that too); being an upsert, the state is right."""
    event_id, contacts = seed(emulator, contacts=2)
    emulator.faults({"method": "POST", "action": "delay", "delay_ms": 2500, "count": 1})
    failed, result = run_module(attendance_module, dict(
        access_token=TOKEN, base_url=emulator.url, event_id=event_id, state="attended",
        joined_at="2024-06-04T10:00:00Z", left_at="2024-06-04T11:00:00Z",
        contacts=[{"id": c} for c in contacts], timeout=1))
    assert not failed, result
    assert result["changed"] and len(result["recorded"]) == 2
    assert any("retried" in w and "ReadTimeoutError" in w for w in warnings_of(result)), result.get("warnings")
    time.sleep(2)  # let the abandoned request finish
    state = emulator.state()
    assert sorted(p["contactId"] for p in state) == sorted(contacts)
    assert set(p["attendanceState"] for p in state) == {"ATTENDED"}


def test_hanging_beyond_the_budget_fails_with_the_request(emulator):
    event_id, dummy = seed(emulator)
    emulator.faults({"method": "GET", "action": "delay", "delay_ms": 3000})
    start = time.monotonic()
    failed, result = run_module(info_module, dict(access_token=TOKEN, base_url=emulator.url, event_id=event_id,
                                                  timeout=0.5, max_retries=1))
    elapsed = time.monotonic() - start
    assert failed
    assert_clean_failure(result)
    assert result["msg"].startswith("GET %s -> no response: timed out after 0.5s" % breakdown(event_id)), result["msg"]
    assert elapsed < 2.5, elapsed
    assert len(emulator.log()) == 2


# ---------------------------------------------------------------------------------------------
# The server killed and restarted mid-run


def _free_port():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(port):
    proc = subprocess.Popen([sys.executable, EMULATOR_SCRIPT, "--port", str(port), "--token", TOKEN],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, universal_newlines=True)
    line = proc.stdout.readline()
    assert line.startswith(READY_PREFIX), line
    return proc


@pytest.fixture
def own_emulator():
    """An emulator process this test may kill: ``box["proc"]``, restartable on the same port."""
    port = _free_port()
    box = {"port": port, "url": "http://127.0.0.1:%d" % port, "proc": _start(port)}
    yield box
    if box["proc"] is not None:
        stop_emulator(box["proc"])


def _kill(box):
    box["proc"].kill()
    box["proc"].wait()
    box["proc"].stdout.close()
    box["proc"] = None


def test_client_fails_clearly_while_down_and_recovers_after_restart(own_emulator, emulator_control):
    emu = emulator_control(own_emulator["url"])
    path = ME + "/participations/contacts/nobody%40example.com/breakdown"
    with client(own_emulator["url"], max_retries=1) as api:
        assert api.get(path)["total"] == 0  # keeps a pooled keep-alive connection
        _kill(own_emulator)
        with pytest.raises(HubSpotTransportError) as info:
            api.get(path)
        assert str(info.value).startswith("GET %s -> no response" % path)
        own_emulator["proc"] = _start(own_emulator["port"])
        assert api.get(path)["total"] == 0  # the same client and session recover
    assert emu.log() != []


@pytest.mark.parametrize("restart", [False, True], ids=["killed", "killed-and-restarted"])
def test_module_never_reports_ok_when_the_server_dies_mid_run(own_emulator, emulator_control, restart):
    emu = emulator_control(own_emulator["url"])
    event_id, contacts = seed(emu, contacts=300)
    emu.config(latency_ms=30)
    args = dict(access_token=TOKEN, base_url=own_emulator["url"], event_id=event_id, state="registered",
                contacts=[{"id": c} for c in contacts], batch_size=10, max_retries=2, write_concurrency=1)

    def chaos():
        time.sleep(0.4)
        _kill(own_emulator)
        if restart:
            time.sleep(0.3)
            own_emulator["proc"] = _start(own_emulator["port"])

    killer = threading.Thread(target=chaos)
    killer.start()
    try:
        failed, result = run_module(attendance_module, args)
    finally:
        killer.join()
    assert failed, "ok after the server died: %r" % dict((k, result.get(k)) for k in ("changed", "msg", "api_calls"))
    assert_clean_failure(result)
    assert result["msg"].startswith("POST %s" % write_path(event_id)) or "reading the participations" in result["msg"], result["msg"]
    # Every contact to write is in exactly one of recorded, batch_errors, unconfirmed, not_attempted.
    listed = ([r["id"] for r in result["recorded"]] + [e["contact"].get("id") for e in result["batch_errors"]]
              + [c["id"] for c in result["unconfirmed"]] + [c["id"] for c in result.get("not_attempted", [])])
    assert sorted(listed) == sorted(contacts)
    assert result["changed"] is bool(result["recorded"] or result["unconfirmed"])
    assert len(result["recorded"]) % 10 == 0 and len(result["recorded"]) < 300
    if restart:
        # A fresh, empty emulator answers: the event no longer exists there.
        assert "404" in result["msg"], result["msg"]


# ---------------------------------------------------------------------------------------------
# Where the token goes


class _Capture(BaseHTTPRequestHandler):
    """Records each request line and headers; answers a fixed JSON body (or a redirect)."""

    protocol_version = "HTTP/1.1"
    seen = None
    redirect_to = None

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.seen.append({"line": self.requestline, "headers": dict(self.headers.items()), "body": body.decode("utf-8", "replace")})
        if self.redirect_to:
            self.send_response(301)
            self.send_header("Location", self.redirect_to + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        out = json.dumps({"total": 0, "results": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = _answer

    def log_message(self, *args):  # quiet
        pass


@contextlib.contextmanager
def capture_server(redirect_to=None, tls_context=None):
    seen = []
    handler = type("Handler", (_Capture,), {"seen": seen, "redirect_to": redirect_to})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    if tls_context is not None:
        server.socket = tls_context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever)
    thread.daemon = True
    thread.start()
    try:
        scheme = "https" if tls_context is not None else "http"
        yield "%s://127.0.0.1:%d" % (scheme, server.server_address[1]), seen
    finally:
        server.shutdown()
        server.server_close()


def test_token_is_sent_only_in_the_authorization_header():
    with capture_server() as (url, seen):
        for module, args in (
            (info_module, dict(event_id="123")),
            (info_module, dict(contact="jane@example.com", state="attended", limit=5)),
            (attendance_module, dict(event_id="123", state="registered", contacts=[{"email": "a@example.com"}])),
            (attendance_module, dict(external_event_id="ev", external_account_id="acc", state="attended",
                                     joined_at="2024-06-04T10:00:00Z", left_at="2024-06-04T11:00:00Z", contacts=[{"id": 7}])),
        ):
            run_module(module, dict(args, access_token=TOKEN, base_url=url))
    assert len(seen) >= 6
    for request in seen:
        carriers = [name for name, value in request["headers"].items() if TOKEN in value]
        assert carriers == ["Authorization"], request
        assert request["headers"]["Authorization"] == "Bearer " + TOKEN
        assert TOKEN not in request["line"] and TOKEN not in request["body"]


def test_redirects_are_not_followed_so_the_token_stays_home():
    with capture_server() as (elsewhere, stolen):
        with capture_server(redirect_to=elsewhere) as (url, seen):
            failed, result = run_module(info_module, dict(access_token=TOKEN, base_url=url, event_id="123"))
    assert failed
    assert_clean_failure(result)
    assert "301" in result["msg"]
    assert len(seen) == 1 and stolen == []


def test_token_expiring_mid_run_says_what_to_do():
    """An OAuth-like token that expires between two requests: the 401 says expired or revoked, and what is accepted."""
    with running_emulator("--token", TOKEN, "--token-ttl-ms", "300", python=sys.executable) as url:
        with client(url, max_retries=0) as api:
            api.get(ME + "/events/search", params={"q": "x"})
            time.sleep(0.4)
            with pytest.raises(HubSpotApiError) as info:
                api.get(ME + "/events/search", params={"q": "x"})
    text = str(info.value)
    assert info.value.status == 401 and info.value.category == "EXPIRED_AUTHENTICATION", text
    assert "may be expired" in text and "revoked" in text, text
    assert "service keys, private-app access tokens and OAuth access tokens" in text, text
    assert TOKEN not in text


# ---------------------------------------------------------------------------------------------
# TLS


@pytest.fixture(scope="module")
def tls_context():
    """A server-side TLS context with a fresh self-signed certificate for 127.0.0.1."""
    workdir = tempfile.mkdtemp()
    cert, key = os.path.join(workdir, "cert.pem"), os.path.join(workdir, "key.pem")
    try:
        if shutil.which("openssl"):
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                           check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        else:
            _self_signed_with_cryptography(cert, key)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        yield context
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _self_signed_with_cryptography(cert_path, key_path):
    try:
        import datetime
        import ipaddress
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID
    except ImportError:
        pytest.skip("neither openssl nor the cryptography package is available to make a certificate")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, u"127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(u"127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    with open(cert_path, "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                       serialization.NoEncryption()))


def test_session_verify_follows_validate_certs():
    with HubSpotClient(TOKEN, base_url="https://api.hubapi.com") as api:
        assert api._session.verify is True
        assert api._session.trust_env is False
    with HubSpotClient(TOKEN, base_url="https://api.hubapi.com", validate_certs=False) as api:
        assert api._session.verify is False


def test_self_signed_certificate_is_refused_by_default(tls_context):
    with capture_server(tls_context=tls_context) as (url, seen):
        with HubSpotClient(TOKEN, base_url=url, max_retries=1, backoff_factor=FAST) as api:
            with pytest.raises(HubSpotTransportError) as info:
                api.get(ME + "/participations/1/breakdown")
        failed, result = run_module(info_module, dict(access_token=TOKEN, base_url=url, event_id="1"))
    assert "TLS certificate verification failed: self-signed certificate" in str(info.value)
    assert failed
    assert_clean_failure(result)
    assert "TLS certificate verification failed" in result["msg"] and "validate_certs: false" in result["msg"]
    # The handshake failed, so no request (and no token) ever reached the server.
    assert seen == []


@pytest.mark.parametrize("validate_certs", [True, False])
def test_https_to_a_plain_http_port_says_so(validate_certs):
    with capture_server() as (url, seen):
        https = url.replace("http://", "https://")
        with HubSpotClient(TOKEN, base_url=https, max_retries=0, validate_certs=validate_certs) as api:
            with pytest.raises(HubSpotTransportError) as info:
                api.get(ME + "/participations/1/breakdown")
    text = str(info.value)
    assert "the server did not answer in TLS" in text and "plain http://" in text, text
    # The certificate is not the problem: no advice to turn verification off.
    assert "validate_certs" not in text
    assert TOKEN not in text


def test_validate_certs_false_works_and_warns(tls_context):
    with capture_server(tls_context=tls_context) as (url, seen):
        failed, result = run_module(info_module, dict(access_token=TOKEN, base_url=url, event_id="1", validate_certs=False))
        failed_w, result_w = run_module(attendance_module, dict(
            access_token=TOKEN, base_url=url, event_id="1", validate_certs=False, state="registered", contacts=[{"id": 5}]))
    assert not failed, result
    assert any("validate_certs" in w and "not verified" in w for w in warnings_of(result)), result.get("warnings")
    assert not failed_w, result_w
    assert any("validate_certs" in w and "not verified" in w for w in warnings_of(result_w)), result_w
    assert len(seen) >= 2
