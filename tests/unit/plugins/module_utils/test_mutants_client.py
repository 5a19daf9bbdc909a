# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Behaviour of _client that `make mutation` found untested: request counting, secrets, retry caps.

Each test here failed against at least one surviving mutant (see hack/mutation.sh). Retries need
urllib3's Retry, which requests-mock bypasses: those tests use a small local HTTP server.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError
from urllib3.util.retry import RequestHistory

from ansible_collections.hubspot.marketing.plugins.module_utils import _client as c
from ansible_collections.hubspot.marketing.plugins.module_utils._errors import HubSpotApiError, HubSpotTransportError

TOKEN = "pat-na1-mutant-secret-76543210"
BASE = "https://api.example.test"


class StatusServer:
    """Answers each request with the next status of ``statuses`` (the last one repeats); counts the requests."""

    def __init__(self, statuses):
        self.statuses, self.seen = list(statuses), []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                owner.seen.append(self.path)
                status = owner.statuses.pop(0) if len(owner.statuses) > 1 else owner.statuses[0]
                data = json.dumps({"message": "status %d" % status}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


# ---------------------------------------------------------------------------------------------
# Request counting: one per logical request, whatever its outcome, retries included once.


def test_request_count_counts_every_outcome_once(requests_mock):
    requests_mock.get(BASE + "/ok", json={"a": 1})
    requests_mock.post(BASE + "/ok", json={"a": 2})
    requests_mock.get(BASE + "/missing", status_code=404, json={"message": "no"})
    requests_mock.get(BASE + "/down", exc=requests.exceptions.ConnectionError("refused"))
    with c.HubSpotClient(TOKEN, base_url=BASE, max_retries=0, pace=False) as client:
        assert client.request_count == 0
        client.get("/ok")
        with pytest.raises(HubSpotApiError):
            client.get("/missing")
        with pytest.raises(HubSpotTransportError):
            client.get("/down")
        client.post("/ok", {"x": 1})
        assert client.request_count == 4
        assert client.retries == []
        assert client.retry_summary() is None


def test_a_retried_request_counts_once_and_every_retry_is_listed():
    with StatusServer([503, 502, 200]) as server, \
            c.HubSpotClient(TOKEN, base_url=server.url, max_retries=3, backoff_factor=0.001, pace=False) as client:
        attempts = []
        assert client.request("GET", "/x", attempts=attempts) == {"message": "status 200"}
        assert len(server.seen) == 3
        assert client.request_count == 1
        assert client.retries == ["GET /x: 503", "GET /x: 502"]
        assert [a.status for a in attempts] == [503, 502]
        assert client.retry_summary() == (
            "HubSpot requests were retried 2 time(s): GET /x: 503, GET /x: 502 (rate limits or transient errors)")


def test_retry_summary_shows_the_first_ones_and_counts_the_rest():
    with c.HubSpotClient(TOKEN, base_url=BASE, pace=False) as client:
        client.retries = ["GET /x: %d" % n for n in range(7)]
        assert client.retry_summary(shown=5) == (
            "HubSpot requests were retried 7 time(s): GET /x: 0, GET /x: 1, GET /x: 2, GET /x: 3, GET /x: 4 and 2 more "
            "(rate limits or transient errors)")
        client.retries = client.retries[:5]
        assert client.retry_summary(shown=5).endswith("GET /x: 4 (rate limits or transient errors)")


def test_max_retries_is_a_cap_on_the_requests_sent():
    with StatusServer([503]) as server, \
            c.HubSpotClient(TOKEN, base_url=server.url, max_retries=2, backoff_factor=0.001, pace=False) as client:
        with pytest.raises(HubSpotApiError) as exc:
            client.get("/x")
    assert len(server.seen) == 3
    assert exc.value.retries == 2
    assert client.request_count == 1


# ---------------------------------------------------------------------------------------------
# The retry policy object


def test_build_retry_spends_one_budget_on_every_kind_of_failure():
    retry = c.build_retry(4)
    assert (retry.total, retry.connect, retry.read, retry.status, retry.other, retry.redirect) == (4, 4, 4, 4, 0, 0)
    assert retry.allowed_methods is None  # POST is retried too (an attendance write is an upsert)
    assert set(retry.status_forcelist) == {423, 429, 477, 500, 502, 503, 504, 521}
    assert (retry.backoff_factor, retry.backoff_max) == (c.BACKOFF_FACTOR, 30)
    assert retry.respect_retry_after_header is True
    assert (retry.raise_on_status, retry.raise_on_redirect) == (False, False)
    assert c.build_retry(0).total == 0


def test_a_per_instance_retry_after_cap_survives_new_and_caps_only_long_waits():
    retry = c.build_retry(3, retry_after_cap=2)
    assert c._Retry.retry_after_cap == 60  # the class keeps the default: the cap is the instance's
    for instance in (retry, retry.new(), retry.new().new(total=1)):
        assert instance.parse_retry_after("3600") == 2
        assert instance.parse_retry_after("1") == 1
    assert c.build_retry(3).parse_retry_after("3600") == 60


@pytest.mark.parametrize("headers, body, spent", [
    ({"X-HubSpot-RateLimit-Daily-Remaining": "0"}, b"", True),
    ({"X-HubSpot-RateLimit-Daily-Remaining": " 0 "}, b"", True),
    ({"X-HubSpot-RateLimit-Daily-Remaining": "7"}, b'{"policyName": "DAILY"}', False),  # the header wins
    ({}, b'{"policyName": "DAILY"}', True),
    ({}, b'{"policyName": "TEN_SECONDLY_ROLLING"}', False),
    ({}, b'["policyName", "DAILY"]', False),
    ({}, b"not json", False),
    ({}, b"", False),
])
def test_daily_limit_is_read_from_the_header_then_the_body(headers, body, spent):
    class Answer:
        pass
    answer = Answer()
    answer.headers, answer.data = headers, body
    assert c._daily_limit_spent(answer) is spent


@pytest.mark.parametrize("history, processed", [
    ([], False),
    (None, False),
    ([RequestHistory("POST", "/x", ConnectTimeoutError("connect"), None, None)], False),
    ([RequestHistory("POST", "/x", NewConnectionError(None, "refused"), None, None)], False),
    ([RequestHistory("POST", "/x", None, 429, None), RequestHistory("POST", "/x", None, 499, None)], False),
    ([RequestHistory("POST", "/x", None, 429, None), RequestHistory("POST", "/x", None, 500, None)], True),
    ([RequestHistory("POST", "/x", ReadTimeoutError(None, "/x", "read"), None, None)], True),
])
def test_may_have_been_processed(history, processed):
    assert c.may_have_been_processed(history) is processed


# ---------------------------------------------------------------------------------------------
# Secrets


def test_scrub_every_form_of_a_secret_and_every_bearer_value():
    secret = "s3cr/t \"x\""
    text = "a %s b %s c %s d %s e Bearer%%20abc f bearer+def g BEARER   ghi" % (
        secret, json.dumps(secret)[1:-1], c.quote(secret, safe=""), c.quote(secret))
    assert c.scrub(text, (secret,)) == "a <redacted> b <redacted> c <redacted> d <redacted> e <redacted> f <redacted> g <redacted>"
    assert c.scrub("keep this", ("", None, "absent")) == "keep this"
    assert c.scrub("", (secret,)) == ""


def test_error_bodies_are_scrubbed_of_the_token_and_the_proxy_credentials(requests_mock):
    proxy = "http://user:pr0xy-pass@proxy.example.test:3128"
    body = "echo: %s and pr0xy-pass and %s" % (TOKEN, json.dumps(TOKEN)[1:-1])
    requests_mock.get(BASE + "/x", status_code=502, text=body)
    with c.HubSpotClient(TOKEN, base_url=BASE, max_retries=0, pace=False, proxy=proxy) as client:
        with pytest.raises(HubSpotApiError) as exc:
            client.get("/x")
    text = str(exc.value) + repr(exc.value.to_dict())
    assert TOKEN not in text and "pr0xy-pass" not in text
    assert "echo: <redacted> and <redacted> and <redacted>" in text


def test_proxy_secrets_lists_every_form_and_skips_short_passwords():
    plain = "u:p%40ss-w0rd"
    forms = c.proxy_secrets("http://u:p%40ss-w0rd@h:1")
    assert forms == ("http://u:p%40ss-w0rd@h:1", plain, "u:p@ss-w0rd", c.base64.b64encode(b"u:p@ss-w0rd").decode(),
                     "p%40ss-w0rd", "p@ss-w0rd")
    assert c.proxy_secrets("http://u:abc@h:1") == ("http://u:abc@h:1", "u:abc", "u:abc", c.base64.b64encode(b"u:abc").decode())
    assert c.proxy_secrets("http://h:1") == ()
    assert c.proxy_secrets(None) == ()


def test_the_token_is_only_in_the_authorization_header(requests_mock):
    requests_mock.get(BASE + "/x", json={})
    with c.HubSpotClient(TOKEN, base_url=BASE, pace=False) as client:
        client.get("/x", params={"q": "1"})
        assert TOKEN not in repr(client)
    sent = requests_mock.request_history[0]
    assert sent.headers["Authorization"] == "Bearer " + TOKEN
    assert TOKEN not in sent.url


class Raw:
    """What _note_retries reads of a response: ``response.raw.retries.history``."""

    def __init__(self, history=None):
        if history is not None:
            self.retries = type("Retries", (), {"history": tuple(history)})()


@pytest.mark.parametrize("history, listed", [
    (None, []),
    ([], []),
    ([RequestHistory("POST", "/x", ReadTimeoutError(None, "/x", "read"), None, None)], ["POST /p: ReadTimeoutError"]),
    ([RequestHistory("POST", "/x", None, None, None), RequestHistory("POST", "/x", None, 429, None)], ["POST /p: error", "POST /p: 429"]),
])
def test_retries_are_listed_by_status_or_error_type(history, listed):
    with c.HubSpotClient(TOKEN, base_url=BASE, pace=False) as client:
        response = type("Response", (), {"raw": Raw(history)})()
        attempts = []
        assert len(client._note_retries("POST", "/p", response, attempts)) == len(listed)
        assert client.retries == listed
        assert len(attempts) == len(listed)
        client.retries = ["GET /x: 503"] * 6
        assert client.retry_summary().endswith("GET /x: 503 and 1 more (rate limits or transient errors)")


def test_the_client_sends_to_the_paths_of_its_api_version(requests_mock):
    requests_mock.get(BASE + "/marketing/marketing-events/2026-09/events/1", json={"ok": True})
    with c.HubSpotClient(TOKEN, base_url=BASE, pace=False, api_version="2026-09") as client:
        assert client.get("/marketing/v3/marketing-events/events/1") == {"ok": True}


def test_an_error_body_that_is_not_utf8_is_still_reported(requests_mock):
    requests_mock.get(BASE + "/x", status_code=500, content=b"bad \xff\xfe gateway")
    with c.HubSpotClient(TOKEN, base_url=BASE, max_retries=0, pace=False) as client:
        with pytest.raises(HubSpotApiError) as exc:
            client.get("/x")
    assert "gateway" in str(exc.value)


def test_scrub_goes_on_past_an_empty_secret():
    assert c.scrub("a %s b" % TOKEN, ("", TOKEN)) == "a <redacted> b"


def test_proxy_secrets_of_a_password_with_an_at_sign_and_of_a_four_letter_one():
    assert c.proxy_secrets("http://u:p@ss@h:1")[1:3] == ("u:p@ss", "u:p@ss")
    assert c.proxy_secrets("http://u:abcd@h:1")[-2:] == ("abcd", "abcd")


@pytest.mark.parametrize("statuses, wait", [
    ([429], 10.0),         # no Retry-After: HubSpot's 10 s window, not an immediate retry that meets the limit again
    ([503], 2.0),          # a pause after an outage
    ([423], 2.0),          # and after a lock
    ([None], 0.0),         # a reset: at once
    ([429, 429, 429, 429, 429, 429], 30.0),  # the exponential backoff, capped
])
def test_backoff_without_retry_after(statuses, wait):
    retry = c.build_retry(8)
    for status in statuses:
        retry = retry.new(history=retry.history + (RequestHistory("GET", "/x", None, status, None),))
    assert retry.get_backoff_time() == wait
