# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The shared client: status mapping, errors, pagination, and (against a real local
HTTP server, because requests-mock bypasses urllib3's Retry) retries and pacing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest
import requests

from ansible_collections.hubspot.marketing.plugins.module_utils import _client
from ansible_collections.hubspot.marketing.plugins.module_utils._client import (
    USER_AGENT,
    HubSpotClient,
    Pager,
    api_path,
    check_access_token,
    check_base_url,
    check_proxy_url,
    parallel_map,
    path_segment_error,
    scrub,
)
from ansible_collections.hubspot.marketing.plugins.module_utils._errors import (
    HubSpotApiError,
    HubSpotDailyLimitError,
    HubSpotError,
    HubSpotPagingError,
    HubSpotTransportError,
    may_have_been_applied,
)
from ansible_collections.hubspot.marketing.tests.unit.conftest import (
    BASE,
    TOKEN,
    fixture_text,
    load_fixture,
    paced,
    query_of,
    send_answer,
)

PATH = "/marketing/v3/marketing-events/participations/456/breakdown"


def assert_no_secret(*things):
    for thing in things:
        assert TOKEN not in str(thing)
        assert TOKEN not in repr(thing)
        assert "Bearer" not in str(thing)


# The ``client`` fixture (a real HubSpotClient on BASE with TOKEN, no retries, no pacing) is in conftest.py.


# ---------------------------------------------------------------------------------------------
# Pure helpers

class TestHelpers:

    @pytest.mark.parametrize("url, expected", [
        ("https://api.hubapi.com", "https://api.hubapi.com"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        (" https://proxy.example/hubspot// ", "https://proxy.example/hubspot"),
        ("https://gw.example/marketing", "https://gw.example/marketing"),  # a gateway's own prefix
        ("https://gw.example/marketing/v3x", "https://gw.example/marketing/v3x"),
        ("https://gw.corp/crm/v1/hubspot", "https://gw.corp/crm/v1/hubspot"),
        ("https://gw.corp/api/marketing/v2/hubspot-proxy", "https://gw.corp/api/marketing/v2/hubspot-proxy"),
    ])
    def test_base_url_ok(self, url, expected):
        assert check_base_url(url) == (expected, None)

    @pytest.mark.parametrize("url, reason", [
        ("", "non-empty"),
        ("ftp://api.hubapi.com", "http:// or https://"),
        ("api.hubapi.com", "http:// or https://"),
        ("https://user:pw@api.hubapi.com", "credentials"),
        ("https://", "no host"),
        ("https://api.hubapi.com/?x=1", "query"),
        ("https://api.hubapi.com:99999", "not a valid URL"),
        ("https://api.hubapi.com/marketing/v3", "must not contain the API's path (/marketing/v3...), which every request adds: "
                                                "give https://api.hubapi.com"),
        ("http://127.0.0.1:8080/marketing/v3/marketing-events/", "(/marketing/v3...), which every request adds: give http://127.0.0.1:8080"),
        ("https://api.hubapi.com/marketing/marketing-events/2026-09", "(/marketing/marketing-events...)"),
        ("https://gw.example/hubspot/Marketing/V3", "(/Marketing/V3...), which every request adds: give https://gw.example/hubspot"),
    ])
    def test_base_url_refused(self, url, reason):
        value, why = check_base_url(url)
        assert value is None
        assert reason in why

    def test_base_url_with_credentials_does_not_echo_them(self):
        dummy, why = check_base_url("https://user:%s@api.hubapi.com" % TOKEN)
        assert TOKEN not in why

    @pytest.mark.parametrize("token, ok", [
        (TOKEN, True), ("", False), ("  ", False), ("tok en", False), ("tok\nen", False), (u"tok\u20ac", False), (None, False),
    ])
    def test_access_token(self, token, ok):
        reason = check_access_token(token)
        assert (reason is None) is ok
        if reason and token and token.strip():  # the missing and empty messages name the option access_token
            assert "tok" not in reason

    def test_api_path_encodes_every_segment(self):
        assert api_path("marketing", "v3", "contacts", "jane+x@example.com", "breakdown") == \
            "/marketing/v3/contacts/jane%2Bx%40example.com/breakdown"
        assert api_path("a/b", 12) == "/a%2Fb/12"

    @pytest.mark.parametrize("token", [{"token": TOKEN}, [TOKEN], 12345])
    def test_access_token_of_another_type_is_named_not_shown(self, token):
        reason = check_access_token(token)
        assert reason.startswith("must be a string, got %s" % type(token).__name__)
        assert_no_secret(reason)

    @pytest.mark.parametrize("segment", [".", "..", "", "\ud800"])
    def test_path_segments_that_would_not_reach_the_server(self, segment):
        assert path_segment_error(segment)
        with pytest.raises(ValueError, match="request path segment"):
            api_path("marketing", segment, "breakdown")

    @pytest.mark.parametrize("segment", ["...", ".a", "a.", "%2e", "a/..", "webinar 2024", "caf\u00e9"])
    def test_path_segments_that_survive(self, segment):
        assert path_segment_error(segment) is None

    def test_scrub(self):
        page = "<html><pre>GET /x HTTP/1.1\r\nAuthorization: Bearer %s\r\nX-Other: bearer abc.def</pre>%s %s</html>" % (
            TOKEN, json.dumps(TOKEN)[1:-1], TOKEN.replace("-", "%2D"))
        cleaned = scrub(page, (TOKEN,))
        assert TOKEN not in cleaned
        assert "abc.def" not in cleaned
        assert "Authorization: <redacted>" in cleaned and "X-Other: <redacted>" in cleaned
        assert scrub("no secret here", (TOKEN,)) == "no secret here"
        assert scrub(None, (TOKEN,)) is None

    @pytest.mark.parametrize("secret", ["pat-na1-audit;0123456789", "pat-na1-audit,0123", "pat-na1-a\"udit&x<y>'z"])
    def test_scrub_a_token_holding_characters_that_end_the_bearer_pattern(self, secret):
        cleaned = scrub("upstream got Authorization: Bearer %s token=%s" % (secret, secret), (secret,))
        assert cleaned == "upstream got Authorization: <redacted> token=<redacted>"

    def test_scrub_a_token_written_with_json_escapes(self):
        escaped = "".join("\\u%04x" % ord(ch) for ch in TOKEN)
        body = '{"message": "echo %s", "context": {"%s": ["x"]}, "errors": ["Bearer %s"]}' % (escaped, escaped, escaped)
        cleaned = scrub(body, (TOKEN,))
        assert TOKEN not in json.dumps(json.loads(cleaned), ensure_ascii=False)
        assert json.loads(cleaned) == {"message": "echo <redacted>", "context": {"<redacted>": ["x"]}, "errors": ["<redacted>"]}
        assert scrub('not json \\u0041 %s' % TOKEN, (TOKEN,)) == "not json \\u0041 <redacted>"

    def test_scrub_a_token_in_base64(self):
        encoded = base64.b64encode(TOKEN.encode()).decode()
        assert scrub("basic %s." % encoded, (TOKEN,)) == "basic <redacted>."

    @pytest.mark.parametrize("check", [check_base_url, check_proxy_url])
    @pytest.mark.parametrize("value, shown", [
        ("socks5://proxy.example.com:1080", ", got scheme 'socks5'"),
        ("ftp://proxy.example.com", ", got scheme 'ftp'"),
        ("alice:wonderland@proxy.example.com:3128", ""),
        ("pat-na1-0123456789abcdef://proxy.example.com", ""),
    ])
    def test_a_scheme_is_named_only_when_it_is_one(self, check, value, shown):
        dummy, reason = check(value)
        assert reason == "must start with http:// or https://" + shown

    def test_a_bad_port_is_not_quoted(self):
        dummy, reason = check_base_url("http://127.0.0.1:pat-na1-0123456789abcdef")
        assert reason == "is not a valid URL (its port is not a number)"

    def test_client_refuses_bad_options_without_echoing_the_token(self):
        with pytest.raises(ValueError) as exc:
            HubSpotClient("bad token " + TOKEN)
        assert_no_secret(exc.value)
        with pytest.raises(ValueError, match="base_url"):
            HubSpotClient(TOKEN, base_url="ftp://x")

    def test_repr_has_no_token(self, client):
        assert_no_secret(client)
        assert "api.example.test" in repr(client)

    def test_parallel_map_keeps_order_and_reraises(self):
        assert parallel_map(lambda x: x * 2, range(10), workers=3) == [x * 2 for x in range(10)]
        assert parallel_map(lambda x: x, [], workers=3) == []

        def boom(x):
            if x == 3:
                raise RuntimeError("three")
            return x
        with pytest.raises(RuntimeError, match="three"):
            parallel_map(boom, range(6), workers=2)


# ---------------------------------------------------------------------------------------------
# Status mapping and errors (requests-mock)

class TestRequests:

    def test_headers_timeout_and_json(self, client, requests_mock):
        requests_mock.get(BASE + PATH, json={"total": 0, "results": []})
        assert client.get(PATH, params={"limit": 5}) == {"total": 0, "results": []}
        req = requests_mock.last_request
        assert req.headers["Authorization"] == "Bearer " + TOKEN
        assert req.headers["Accept"] == "application/json"
        assert req.headers["User-Agent"] == USER_AGENT
        assert req.timeout == (10.0, 30.0)
        assert query_of(req) == {"limit": "5"}
        assert client.request_count == 1

    def test_timeout_option(self, requests_mock):
        requests_mock.get(BASE + PATH, json={})
        with HubSpotClient(TOKEN, base_url=BASE, timeout=4, pace=False) as c:
            c.get(PATH)
        assert requests_mock.last_request.timeout == (4.0, 4.0)

    def test_post_sends_json(self, client, requests_mock):
        requests_mock.post(BASE + "/x", json={"status": "COMPLETE", "results": []})
        client.post("/x", {"inputs": [{"vid": 1}]}, params={"externalAccountId": "a"})
        assert requests_mock.last_request.json() == {"inputs": [{"vid": 1}]}
        assert query_of(requests_mock.last_request) == {"externalAccountId": "a"}

    @pytest.mark.parametrize("status", [200, 201, 202])
    def test_any_2xx_is_success(self, client, requests_mock, status):
        requests_mock.post(BASE + "/x", status_code=status, json={"results": [{"vid": 1}]})
        assert client.post("/x", {}) == {"results": [{"vid": 1}]}

    @pytest.mark.parametrize("method", ["POST", "DELETE"])
    def test_204_empty_body_of_a_write(self, client, requests_mock, method):
        requests_mock.register_uri(method, BASE + "/x", status_code=204, content=b"")
        assert client.request(method, "/x") == {}

    @pytest.mark.parametrize("status", [200, 204])
    def test_an_empty_body_of_a_read_is_malformed(self, client, requests_mock, status):
        # taken for {}, it would read as an event (or a page) with every field missing
        requests_mock.get(BASE + "/x", status_code=status, content=b" ")
        with pytest.raises(HubSpotApiError) as exc:
            client.get("/x")
        assert exc.value.category == "MALFORMED_RESPONSE" and "the response body is empty" in str(exc.value)

    def test_207_partial_body_is_returned(self, client, requests_mock):
        body = load_fixture("batch_207_partial.json")
        requests_mock.post(BASE + "/x", status_code=207, json=body)
        assert client.post("/x", {"inputs": []}) == body

    def test_200_with_errors_is_returned(self, client, requests_mock):
        body = dict(load_fixture("batch_207_partial.json"))
        requests_mock.post(BASE + "/x", status_code=200, json=body)
        result = client.post("/x", {"inputs": []})
        assert result["numErrors"] == 1
        assert result["errors"][0]["category"] == "VALIDATION_ERROR"

    def test_2xx_not_json(self, client, requests_mock):
        requests_mock.get(BASE + "/x", status_code=200, text="<html>oops</html>")
        with pytest.raises(HubSpotApiError) as exc:
            client.get("/x")
        assert exc.value.category == "MALFORMED_RESPONSE"

    def test_404_renders_status_category_and_correlation_id(self, client, requests_mock):
        requests_mock.get(BASE + PATH, status_code=404, text=fixture_text("error_404_event.json"))
        with pytest.raises(HubSpotApiError) as exc:
            client.get(PATH, params={"limit": 100})
        err = exc.value
        assert str(err) == ("GET %s -> 404 OBJECT_NOT_FOUND (correlationId 7c0b8e5e-0d6f-4a34-9b8e-1f2d3c4b5a69): "
                            "Marketing event 999 was not found" % PATH)
        assert err.status == 404
        kwargs = err.to_fail_kwargs()
        assert kwargs["error"]["correlation_id"] == "7c0b8e5e-0d6f-4a34-9b8e-1f2d3c4b5a69"
        assert kwargs["error"]["path"] == PATH  # no query string
        assert_no_secret(err, kwargs)

    def test_401(self, client, requests_mock):
        requests_mock.get(BASE + "/x", status_code=401, text=fixture_text("error_401.json"))
        with pytest.raises(HubSpotApiError) as exc:
            client.get("/x")
        assert "401 INVALID_AUTHENTICATION (correlationId a0a1a2a3-0000-4000-8000-000000000401)" in str(exc.value)
        assert_no_secret(exc.value, exc.value.to_fail_kwargs())

    def test_403_lists_required_scopes(self, client, requests_mock):
        requests_mock.get(BASE + "/x", status_code=403, text=fixture_text("error_403_scopes.json"))
        with pytest.raises(HubSpotApiError) as exc:
            client.get("/x")
        assert exc.value.category == "MISSING_SCOPES"
        assert exc.value.required_scopes == ["crm.objects.marketing_events.read"]
        assert "Required scopes: crm.objects.marketing_events.read." in str(exc.value)

    def test_400_details(self, client, requests_mock):
        body = {"status": "error", "message": "Invalid input", "correlationId": "c-1", "category": "VALIDATION_ERROR",
                "errors": [{"message": "bad vid", "in": "inputs[0].vid", "code": "INVALID_INTEGER", "extra": "dropped"}]}
        requests_mock.post(BASE + "/x", status_code=400, json=body)
        with pytest.raises(HubSpotApiError) as exc:
            client.post("/x", {"inputs": [{"vid": "x"}]})
        assert exc.value.details == [{"message": "bad vid", "in": "inputs[0].vid", "code": "INVALID_INTEGER"}]
        assert str(exc.value).startswith("POST /x -> 400 VALIDATION_ERROR (correlationId c-1): Invalid input")

    def test_429_ten_secondly_body_maps_to_rate_limits(self, client, requests_mock):
        requests_mock.get(BASE + "/x", status_code=429, text=fixture_text("error_429_ten_secondly.json"))
        with pytest.raises(HubSpotApiError) as exc:
            client.get("/x")
        assert not isinstance(exc.value, HubSpotDailyLimitError)
        assert exc.value.category == "RATE_LIMITS"  # from policyName, when the body has no category
        assert exc.value.policy == "TEN_SECONDLY_ROLLING"

    def test_429_daily_body(self, client, requests_mock):
        requests_mock.get(BASE + "/x", status_code=429, text=fixture_text("error_429_daily.json"))
        with pytest.raises(HubSpotDailyLimitError) as exc:
            client.get("/x")
        assert "daily API request limit" in str(exc.value)

    @pytest.mark.parametrize("body, not_found", [
        ('{"status": "error", "message": "Not found", "category": "OBJECT_NOT_FOUND"}', True),
        ("<html><body>404 Not Found</body></html>", False),
        ("", False),
        ('{"message": "no Route matched with those values"}', False),  # an API gateway's own JSON
        ('{"status": "error", "errors": "Not found"}', False),
    ])
    def test_only_hubspots_json_404_says_not_found(self, client, requests_mock, body, not_found):
        requests_mock.get(BASE + "/x", status_code=404, text=body)
        with pytest.raises(HubSpotApiError) as exc:
            client.get("/x")
        assert exc.value.not_found is not_found and exc.value.to_dict()["not_found"] is not_found
        assert ("not a sign that the object is missing" in str(exc.value)) is not not_found

    def test_errors_given_as_plain_strings_are_kept(self, client, requests_mock):
        requests_mock.get(BASE + "/x", status_code=400, text='{"status": "error", "errors": ["marketingEventId: must be an integer", 7]}')
        with pytest.raises(HubSpotApiError) as exc:
            client.get("/x")
        assert exc.value.details == [{"message": "marketingEventId: must be an integer"}]
        assert str(HubSpotApiError.from_response("GET", "/x", 400, '{"status": "error", "errors": "Invalid input"}')) == (
            "GET /x -> 400: no error message in the response")
        assert str(exc.value) == "GET /x -> 400: marketingEventId: must be an integer"

    def test_non_json_error_body_is_truncated(self, client, requests_mock):
        requests_mock.get(BASE + "/x", status_code=502, text="<html>" + "x" * 2000 + "</html>")
        with pytest.raises(HubSpotApiError) as exc:
            client.get("/x")
        assert exc.value.status == 502
        assert len(exc.value.message) < 600
        assert exc.value.message.endswith("...")

    @pytest.mark.parametrize("status, body", [
        (502, "<html><body><h1>502 Bad Gateway</h1><pre>GET /x HTTP/1.1\nHost: api\nAuthorization: Bearer {t}\n</pre></body></html>"),
        (400, '{{"message": "bad header Authorization: Bearer {t}", "category": "VALIDATION_ERROR",'
              ' "errors": [{{"message": "token {t} rejected"}}]}}'),
        (401, '{{"message": "token \\"{t}\\" is unknown"}}'),
        (500, "upstream said: authorization=bearer%20{t}"),
    ])
    def test_error_body_echoing_the_token_is_scrubbed(self, client, requests_mock, status, body):
        requests_mock.get(BASE + "/x", status_code=status, text=body.format(t=TOKEN))
        with pytest.raises(HubSpotApiError) as exc:
            client.get("/x")
        assert_no_secret(exc.value, exc.value.to_fail_kwargs(), exc.value.to_dict())
        assert "<redacted>" in str(exc.value.to_dict())

    @pytest.mark.parametrize("answer", [{"status_code": 404, "json": {"message": "no such event"}},
                                        {"exc": requests.exceptions.ConnectTimeout}])
    def test_a_token_typed_into_a_path_is_redacted_in_the_error(self, requests_mock, answer):
        """As the path an error names: percent-encoded there, which ansible-core's masking of the value misses."""
        token = "Tok/en+with=chars~1234"
        requests_mock.get(BASE + "/events/Tok%2Fen%2Bwith%3Dchars~1234", **answer)
        with HubSpotClient(token, base_url=BASE, max_retries=0, pace=False) as api:
            with pytest.raises(HubSpotError) as exc:
                api.get("/events/" + quote(token, safe=""))
        assert exc.value.path == "/events/<redacted>" and "%2F" not in str(exc.value)

    def test_error_body_echoing_the_token_is_still_the_servers_text(self, client, requests_mock):
        # Only the token is cut out of HubSpot's message; the rest of its text stays, and the client adds
        # nothing of the request but the method and the path.
        requests_mock.get(BASE + "/x", status_code=401, json={"message": "token %s is unknown" % TOKEN, "category": "INVALID_AUTHENTICATION"})
        with pytest.raises(HubSpotApiError) as exc:
            client.get("/x")
        assert_no_secret(exc.value, exc.value.to_fail_kwargs(), exc.value.to_dict())
        assert exc.value.message == "token <redacted> is unknown"
        assert str(exc.value).startswith("GET /x -> 401 INVALID_AUTHENTICATION: token <redacted> is unknown")

    @pytest.mark.parametrize("body", ["[]", "null", "1", '"text"', "[{}]"])
    def test_2xx_that_is_not_an_object(self, client, requests_mock, body):
        requests_mock.get(BASE + "/x", status_code=200, text=body)
        with pytest.raises(HubSpotApiError) as exc:
            client.get("/x")
        assert exc.value.category == "MALFORMED_RESPONSE"
        assert str(exc.value).startswith("GET /x -> 200 MALFORMED_RESPONSE: the response body is ")

    @pytest.mark.parametrize("exc_class, text", [
        (requests.exceptions.ConnectTimeout, "timed out"),
        (requests.exceptions.ReadTimeout, "timed out"),
        (requests.exceptions.ConnectionError, "ConnectionError"),
        (requests.exceptions.SSLError, "TLS error"),
    ])
    def test_transport_errors(self, client, requests_mock, exc_class, text):
        requests_mock.get(BASE + "/x", exc=exc_class("boom"))
        with pytest.raises(HubSpotTransportError) as exc:
            client.get("/x")
        assert text in str(exc.value)

    def test_an_error_raised_before_the_retries_claims_none(self, requests_mock):
        # raised without urllib3's retries (no MaxRetryError inside): nothing was retried, so none is claimed
        requests_mock.get(BASE + "/x", exc=requests.exceptions.InvalidSchema("No connection adapters"))
        with HubSpotClient(TOKEN, base_url=BASE, max_retries=3, pace=False) as api:
            with pytest.raises(HubSpotTransportError) as exc:
                api.get("/x")
        assert "InvalidSchema: No connection adapters" in str(exc.value) and "gave up" not in str(exc.value)
        assert str(exc.value).startswith("GET /x -> no response: ")
        assert exc.value.to_fail_kwargs() == {"error": {"method": "GET", "path": "/x", "reason": exc.value.reason}}
        assert_no_secret(exc.value)


# ---------------------------------------------------------------------------------------------
# Pagination (requests-mock)

def page(start, count, total, after=None):
    body = {"total": total, "results": [{"id": str(i)} for i in range(start, start + count)]}
    if after is not None:
        body["paging"] = {"next": {"after": after, "link": "ignored"}}
    return body


class TestPagination:

    @pytest.mark.parametrize("body, reason", [
        ("[]", "the response body is list, not a JSON object"),
        ("null", "the response body is null, not a JSON object"),
        ('{"results": "ab"}', "results is str, not a list"),
        ('{"results": [1]}', "results[0] is int, not an object"),
        ('{"results": [{"id": "1"}], "paging": []}', "paging is list, not an object"),
        ('{"results": [{"id": "1"}], "paging": {"next": "x"}}', "paging.next is str, not an object"),
        ('{"results": [{"id": "1"}], "paging": {"next": {"after": {}}}}', "paging.next.after is dict, not a string"),
    ])
    def test_malformed_page(self, client, requests_mock, body, reason):
        requests_mock.get(BASE + PATH, text=body)
        with pytest.raises(HubSpotApiError) as exc:
            list(client.iter_items(PATH))
        assert exc.value.category == "MALFORMED_RESPONSE"
        assert exc.value.method == "GET" and exc.value.path == PATH and exc.value.status == 200
        assert str(exc.value).startswith("GET %s -> 200 MALFORMED_RESPONSE: " % PATH)
        assert reason in str(exc.value)

    def test_item_problem(self, client, requests_mock):
        requests_mock.get(BASE + PATH, json={"results": [{"id": "1"}, {"id": 2}]})
        pager = client.iter_items(PATH, item_problem=lambda item: None if isinstance(item["id"], str) else "id is not a string")
        with pytest.raises(HubSpotApiError, match=r"results\[1\] id is not a string"):
            list(pager)

    def test_cursor_followed_verbatim(self, client, requests_mock):
        cursor = "MTAwMg%3D%3D+/= é"
        requests_mock.get(BASE + PATH, [{"json": page(0, 2, 3, after=cursor)}, {"json": page(2, 1, 3)}])
        pager = client.iter_items(PATH, params={"state": "ATTENDED"}, page_size=2)
        assert [i["id"] for i in pager] == ["0", "1", "2"]
        first, second = requests_mock.request_history
        assert query_of(first) == {"state": "ATTENDED", "limit": "2"}
        assert query_of(second) == {"state": "ATTENDED", "limit": "2", "after": cursor}
        assert pager.total == 3
        assert pager.pages == 2

    def test_stops_when_no_next_page(self, client, requests_mock):
        requests_mock.get(BASE + PATH, json=page(0, 3, 10))  # total says more, but no cursor
        assert len(list(client.iter_items(PATH))) == 3
        assert requests_mock.call_count == 1

    def test_follows_the_cursor_past_total(self, client, requests_mock):
        # a lagging count: the first page announces 200, the cursor goes on to 205 items
        requests_mock.get(BASE + PATH, [{"json": page(0, 100, 200, after="c1")}, {"json": page(100, 100, 200, after="c2")},
                                        {"json": page(200, 5, 200)}])
        pager = client.iter_items(PATH)
        assert [i["id"] for i in pager] == [str(i) for i in range(205)]
        assert pager.pages == 3 == requests_mock.call_count
        assert pager.total == 200

    def test_a_cursor_after_a_full_last_page_is_followed(self, client, requests_mock):
        requests_mock.get(BASE + PATH, [{"json": page(0, 100, 100, after="c1")}, {"json": page(100, 0, 100)}])
        assert len(list(client.iter_items(PATH))) == 100
        assert requests_mock.call_count == 2

    @staticmethod
    def walk_to_paging_error(client, requests_mock, pages):
        """``(ids read, the HubSpotPagingError's text)`` of a walk of ``pages`` that must end in one."""
        requests_mock.get(BASE + PATH, [{"json": body} for body in pages])
        seen = []
        with pytest.raises(HubSpotPagingError) as exc:
            for item in client.iter_items(PATH, page_size=2):
                seen.append(item["id"])
        # A failed task's RV error names the request, as for one that got no answer.
        error = exc.value.to_fail_kwargs()["error"]
        assert (error["method"], error["path"]) == ("GET", PATH) and str(exc.value) == "GET %s: %s" % (PATH, error["reason"])
        return seen, str(exc.value)

    def test_repeated_cursor_raises(self, client, requests_mock):
        seen, message = self.walk_to_paging_error(client, requests_mock, [
            page(0, 2, 100, after="same"), page(2, 2, 100, after="same"), page(4, 2, 100, after="other")])
        assert "'same' a second time after 2 pages" in message
        assert seen == ["0", "1", "2", "3"]
        assert requests_mock.call_count == 2

    def test_empty_pages_with_new_cursors_end_the_walk(self, client, requests_mock):
        # One empty page with a cursor is followed (HubSpot may filter a page down to nothing); an answer
        # that keeps handing out new cursors for nothing must not hang the play.
        pages = [page(0, 2, 100, after="c0"), page(2, 0, 100, after="e0"), page(2, 2, 100, after="c1")]
        seen, message = self.walk_to_paging_error(client, requests_mock, pages + [page(4, 0, 100, after="e%d" % n) for n in range(1, 100)])
        assert "10 pages in a row with no results but a new cursor, after 13 pages" in message
        assert seen == ["0", "1", "2", "3"]
        assert requests_mock.call_count == 3 + _client.MAX_EMPTY_PAGES

    def test_limit_shrinks_the_last_page_and_stops(self, client, requests_mock):
        requests_mock.get(BASE + PATH, [{"json": page(0, 100, 1000, after="c1")}, {"json": page(100, 50, 1000, after="c2")}])
        pager = client.iter_items(PATH, limit=150)
        assert len(list(pager)) == 150
        assert [query_of(r)["limit"] for r in requests_mock.request_history] == ["100", "50"]
        assert pager.pages == 2
        assert pager.total == 1000

    def test_limit_on_a_page_boundary_reads_no_extra_page(self, client, requests_mock):
        requests_mock.get(BASE + PATH, json=page(0, 10, 1000, after="c1"))
        assert len(list(client.iter_items(PATH, page_size=10, limit=10))) == 10
        assert requests_mock.call_count == 1

    def test_limit_even_if_the_server_sends_more(self, client, requests_mock):
        requests_mock.get(BASE + PATH, json=page(0, 30, 1000, after="c1"))
        assert len(list(client.iter_items(PATH, page_size=30, limit=7))) == 7
        assert requests_mock.call_count == 1

    @pytest.mark.parametrize("total, page_size, limit, pages", [
        (0, 100, None, 1), (1, 100, None, 1), (100, 100, None, 1), (101, 100, None, 2), (1234, 100, None, 13),
        (1234, 7, None, 177), (1234, 100, 250, 3), (1234, 100, 1, 1), (30, 100, 250, 1),
    ])
    def test_page_count(self, client, requests_mock, total, page_size, limit, pages):
        def respond(request, context):
            query = query_of(request)
            start = int(query.get("after", "0"))
            count = min(int(query["limit"]), total - start)
            nxt = start + count
            return page(start, count, total, after=str(nxt) if nxt < total else None)
        requests_mock.get(BASE + PATH, json=respond)
        pager = client.iter_items(PATH, page_size=page_size, limit=limit)
        items = list(pager)
        assert len(items) == min(total, limit or total)
        assert pager.pages == pages == requests_mock.call_count

    @pytest.mark.parametrize("size", [0, 101])
    def test_page_size_range(self, client, size):
        with pytest.raises(ValueError):
            Pager(client, PATH, page_size=size)

    @pytest.mark.parametrize("total", [True, -5, 2 ** 31, 10 ** 400, "20", 2.0])
    def test_a_total_that_is_no_count_leaves_it_unknown(self, client, requests_mock, total):
        requests_mock.get(BASE + PATH, json={"results": [{"a": 1}], "total": total})
        pager = client.iter_items(PATH)
        assert list(pager) == [{"a": 1}]
        assert pager.total is None

    def test_missing_total_and_results(self, client, requests_mock):
        requests_mock.get(BASE + PATH, json={})
        pager = client.iter_items(PATH)
        assert list(pager) == []
        assert pager.total is None
        assert pager.pages == 1


# ---------------------------------------------------------------------------------------------
# Pacer (fake clock)

class TestPacer:

    def test_no_headers_no_wait(self):
        pacer, clock = paced()
        for dummy in range(50):
            pacer.before_request()
            pacer.after_response({})
        assert clock.sleeps == []

    def test_a_retried_attempt_keeps_its_slot_until_the_answer(self):
        # Both attempts of one request are re-stamped when its answer arrives: the next request waits
        # a whole window from then, not from when the retry was sent.
        pacer, clock = paced()
        pacer.after_response({"X-HubSpot-RateLimit-Max": "2", "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
                              "X-HubSpot-RateLimit-Remaining": "2"})
        stamp = pacer.before_request()
        pacer.before_retry()
        clock.now += 3.0  # the retried attempt's answer comes 3 s later
        pacer.after_response({}, stamp)
        pacer.before_request()
        assert clock.sleeps == [pytest.approx(10.0)]

    def test_waits_once_the_window_is_full(self):
        pacer, clock = paced()
        headers = {"X-HubSpot-RateLimit-Max": "3", "X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}
        for remaining in (2, 1, 0):
            pacer.before_request()
            pacer.after_response(dict(headers, **{"X-HubSpot-RateLimit-Remaining": str(remaining)}))
            clock.now += 1
        pacer.before_request()  # 4th request: must wait until the 1st leaves the 10 s window
        assert clock.sleeps == [pytest.approx(7.0)]
        assert pacer.waited == pytest.approx(7.0)

    def test_remaining_counts_other_clients(self):
        pacer, clock = paced()
        pacer.before_request()
        # Someone else already spent 8 of 10: only 1 more request fits in this window.
        pacer.after_response({"X-HubSpot-RateLimit-Max": "10", "X-HubSpot-RateLimit-Remaining": "1",
                              "X-HubSpot-RateLimit-Interval-Milliseconds": "1000"})
        pacer.before_request()
        assert clock.sleeps == []
        pacer.before_request()
        assert len(clock.sleeps) == 1 and clock.sleeps[0] == pytest.approx(1.0)

    def test_a_negative_remaining_counts_the_whole_window_once(self):
        pacer, clock = paced()
        pacer.after_response({"X-HubSpot-RateLimit-Max": "10", "X-HubSpot-RateLimit-Remaining": "-100000"})
        assert len(pacer._stamps) == 10
        pacer.before_request()
        assert clock.sleeps == [pytest.approx(10.0)]

    @pytest.mark.parametrize("headers", [
        {"X-HubSpot-RateLimit-Max": "abc"}, {"X-HubSpot-RateLimit-Max": "0"},
        {"X-HubSpot-RateLimit-Max": "5", "X-HubSpot-RateLimit-Interval-Milliseconds": "-1"},
        # Beyond any HubSpot limit: paced by, they would count 100,000 requests as spent, or wait a day.
        {"X-HubSpot-RateLimit-Max": "100000", "X-HubSpot-RateLimit-Remaining": "0"},
        {"X-HubSpot-RateLimit-Max": "1", "X-HubSpot-RateLimit-Interval-Milliseconds": "86400000"},
    ])
    def test_bad_headers_ignored(self, headers):
        pacer, clock = paced()
        for dummy in range(20):
            pacer.before_request()
            pacer.after_response(headers)
        assert clock.sleeps == []
        assert len(pacer._stamps) <= 20


# ---------------------------------------------------------------------------------------------
# Real HTTP server on 127.0.0.1: retries, Retry-After, DAILY, resets, pacing.

RESET = "reset"


class Scripted:
    """A local HTTP server answering from a script of (status, headers, body) or RESET entries.

    The last entry repeats once the script is used up. Records (method, path, time) of every request.
    """

    def __init__(self, script):
        self.script = list(script)
        self.requests = []
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args):  # keep pytest output clean
                pass

            def _answer(self):
                with owner.lock:
                    owner.requests.append((self.command, self.path, time.monotonic(), dict(self.headers)))
                    entry = owner.script.pop(0) if len(owner.script) > 1 else owner.script[0]
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                if entry == RESET:
                    # RST instead of an answer: the client sees "connection reset by peer".
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                    self.close_connection = True
                    return
                status, headers, body = entry
                data = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
                send_answer(self, status, data, headers)

            do_GET = _answer
            do_POST = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


OK = (200, {}, {"total": 0, "results": []})
TEN_SECONDLY = load_fixture("error_429_ten_secondly.json")
DAILY = load_fixture("error_429_daily.json")


def real_client(url, **kwargs):
    kwargs.setdefault("backoff_factor", 0.01)
    kwargs.setdefault("max_retries", 3)
    return HubSpotClient(TOKEN, base_url=url, **kwargs)


class TestRealServer:

    @staticmethod
    def assert_daily_429_fails_fast(headers, **kwargs):
        """A DAILY 429 (``headers`` with it) fails at once: one request, no wait, no retry, the error names the policy."""
        with Scripted([(429, headers, DAILY), OK]) as srv, real_client(srv.url, **kwargs) as client:
            start = time.monotonic()
            with pytest.raises(HubSpotDailyLimitError) as exc:
                client.get("/x")
            elapsed = time.monotonic() - start
        assert len(srv.requests) == 1
        assert elapsed < 1.0
        assert exc.value.status == 429
        assert exc.value.policy == "DAILY"
        assert "correlationId d1d2e3f4-0000-4000-8000-000000000429" in str(exc.value)
        assert client.retries == []

    def test_429_retry_after_then_200(self):
        with Scripted([(429, {"Retry-After": "1"}, TEN_SECONDLY), OK]) as srv, real_client(srv.url) as client:
            start = time.monotonic()
            assert client.get("/x") == OK[2]
            elapsed = time.monotonic() - start
        assert len(srv.requests) == 2
        assert srv.requests[1][2] - srv.requests[0][2] >= 1.0
        assert elapsed >= 1.0
        assert client.retries == ["GET /x: 429"]
        assert client.request_count == 1
        assert all(r[3].get("Authorization") == "Bearer " + TOKEN for r in srv.requests)
        assert_no_secret(client.retries)

    def test_429_retry_after_zero_is_retried_at_once(self):
        # urllib3 alone takes a zero Retry-After for none and backs off: after a 429, HubSpot's 10 s window.
        with Scripted([(429, {"Retry-After": "0"}, TEN_SECONDLY), OK]) as srv, real_client(srv.url, backoff_factor=1.0) as client:
            start = time.monotonic()
            assert client.get("/x") == OK[2]
            elapsed = time.monotonic() - start
        assert len(srv.requests) == 2
        assert elapsed < 1.0
        assert client.retries == ["GET /x: 429"]

    def test_a_413_is_not_retried_for_its_retry_after(self):
        assert not _client.build_retry(3).is_retry("POST", 413, has_retry_after=True)
        assert _client.build_retry(3).is_retry("POST", 503, has_retry_after=True)

    @pytest.mark.parametrize("value", ["1.5", "soon", "9" * 5000])
    def test_an_unreadable_retry_after_backs_off_and_retries(self, value):
        assert _client.build_retry(3).parse_retry_after(value) is None
        with Scripted([(503, {"Retry-After": value}, {"message": "busy"}), OK]) as srv, \
                real_client(srv.url, backoff_factor=0.01) as client:
            assert client.get("/x") == OK[2]
        assert len(srv.requests) == 2
        assert client.retries == ["GET /x: 503"]

    def test_post_is_retried_on_429(self):
        with Scripted([(429, {"Retry-After": "0"}, TEN_SECONDLY), (200, {}, {"status": "COMPLETE", "results": []})]) as srv, \
                real_client(srv.url) as client:
            assert client.post("/x", {"inputs": []})["status"] == "COMPLETE"
        assert [r[0] for r in srv.requests] == ["POST", "POST"]

    @pytest.mark.parametrize("first, maybe", [
        ((502, {"Content-Type": "text/html"}, b"<html>bad gateway</html>"), True),   # a gateway may time out on a processed request
        ((429, {"Retry-After": "0"}, TEN_SECONDLY), False),                        # a 429 was not processed
    ])
    def test_a_refusal_after_an_attempt_that_may_have_been_processed_says_so(self, first, maybe):
        with Scripted([first, (429, {}, DAILY)]) as srv, real_client(srv.url, max_retries=2) as client:
            with pytest.raises(HubSpotDailyLimitError) as exc:
                client.post("/x", {"inputs": []})
        assert len(srv.requests) == 2
        assert exc.value.earlier_attempt_maybe_applied is maybe
        assert may_have_been_applied(exc.value) is maybe
        assert ("an earlier attempt got no readable answer and may have been applied" in str(exc.value)) is maybe

    @pytest.mark.parametrize("charset", ["utf-9", "hex", "idna"])  # unknown, no text encoding, refuses "replace"
    def test_an_answer_in_a_charset_python_cannot_decode_with_is_read_as_utf8(self, charset):
        answer = (200, {"Content-Type": "application/json; charset=%s" % charset}, {"status": "COMPLETE", "results": [{"vid": 1}]})
        with Scripted([answer, answer]) as srv, real_client(srv.url) as client:
            assert client.post("/x", {"inputs": []})["results"] == [{"vid": 1}]
            assert client.get("/x")["results"] == [{"vid": 1}]

    def test_a_read_refused_after_a_5xx_says_nothing_of_an_earlier_attempt(self):
        # Only a write can have been applied: a GET's earlier 503 is no news for its final 403.
        refused = (403, {}, {"status": "error", "category": "MISSING_SCOPES", "message": "no", "correlationId": "c"})
        with Scripted([(503, {}, {"message": "down"}), refused]) as srv, real_client(srv.url) as client:
            with pytest.raises(HubSpotApiError) as exc:
                client.get("/x")
        assert exc.value.earlier_attempt_maybe_applied is False and "earlier attempt" not in str(exc.value)

    def test_503_then_200(self):
        with Scripted([(503, {}, {"message": "down"}), OK]) as srv, real_client(srv.url) as client:
            assert client.get("/x") == OK[2]
        assert len(srv.requests) == 2
        assert client.retries == ["GET /x: 503"]

    def test_connection_reset_then_200(self):
        with Scripted([RESET, OK]) as srv, real_client(srv.url) as client:
            assert client.get("/x") == OK[2]
        assert len(srv.requests) == 2
        assert len(client.retries) == 1
        assert client.retries[0].startswith("GET /x: ")

    def test_connection_reset_without_retries_is_a_transport_error(self):
        with Scripted([RESET]) as srv, real_client(srv.url, max_retries=0) as client:
            with pytest.raises(HubSpotTransportError) as exc:
                client.get("/x")
        assert len(srv.requests) == 1
        assert str(exc.value).startswith("GET /x -> no response: ")
        assert_no_secret(exc.value)

    def test_daily_429_fails_fast(self):
        self.assert_daily_429_fails_fast({"X-HubSpot-RateLimit-Daily": "250000", "X-HubSpot-RateLimit-Daily-Remaining": "0",
                                          "Retry-After": "1"})

    def test_daily_429_known_only_by_its_body_fails_fast(self):
        # No X-HubSpot-RateLimit-Daily-Remaining header (a proxy dropped it): the body's policyName decides.
        self.assert_daily_429_fails_fast({"Retry-After": "1"}, max_retries=5)

    # JSON nested deeper than the decoder's recursion limit: json.loads raises RecursionError, not ValueError.
    DEEP = b"[" * 100000 + b"]" * 100000

    @pytest.mark.parametrize("status", [200, 400, 429])
    def test_a_body_nested_too_deeply_is_read_as_not_json(self, status):
        # 200: a malformed answer; 400: HubSpot's error with the body as an excerpt; 429 (no daily header): not the
        # daily limit, so retried until the retries run out. A \\u escape also goes through the scrubber's decoding.
        body = self.DEEP[:-1] + b'"\\u0041"' + b"]"
        with Scripted([(status, {"Retry-After": "0"}, body)]) as srv, real_client(srv.url, max_retries=1) as client:
            with pytest.raises(HubSpotApiError) as exc:
                client.get("/x")
        assert exc.value.status == status
        if status == 200:
            assert exc.value.category == "MALFORMED_RESPONSE" and exc.value.message == "the response body is not valid JSON"
        else:
            assert exc.value.message.startswith("non-JSON response body: [[[")
        assert len(srv.requests) == (2 if status == 429 else 1)

    def test_ten_secondly_429_body_is_still_retried(self):
        with Scripted([(429, {"Retry-After": "0"}, TEN_SECONDLY), OK]) as srv, real_client(srv.url) as client:
            assert client.get("/x") == OK[2]
        assert len(srv.requests) == 2

    def test_gateway_page_echoing_the_request_is_scrubbed(self):
        page = ("<html><h1>502 Bad Gateway</h1><pre>Authorization: Bearer %s</pre></html>" % TOKEN).encode()
        with Scripted([(502, {"Content-Type": "text/html"}, page)]) as srv, real_client(srv.url, max_retries=1) as client:
            with pytest.raises(HubSpotApiError) as exc:
                client.get("/x")
        assert len(srv.requests) == 2
        assert "502 Bad Gateway" in str(exc.value)
        assert_no_secret(exc.value, exc.value.to_dict())

    def test_gives_up_after_max_retries(self):
        with Scripted([(503, {}, {"message": "down", "correlationId": "c-503"})]) as srv, real_client(srv.url, max_retries=2) as client:
            with pytest.raises(HubSpotApiError) as exc:
                client.get("/x")
        assert len(srv.requests) == 3
        assert exc.value.status == 503
        assert exc.value.retries == 2
        assert "(gave up after 2 retries)" in str(exc.value)
        assert client.retries == ["GET /x: 503", "GET /x: 503"]
        assert_no_secret(exc.value, exc.value.to_fail_kwargs())

    def test_max_retries_zero_disables_retrying(self):
        with Scripted([(429, {"Retry-After": "1"}, TEN_SECONDLY), OK]) as srv, real_client(srv.url, max_retries=0) as client:
            with pytest.raises(HubSpotApiError) as exc:
                client.get("/x")
        assert len(srv.requests) == 1
        assert exc.value.status == 429

    def test_retry_after_cap_applied(self):
        # The default cap is 60 s; a small cap proves a huge Retry-After is clamped. The cap is the
        # instance's (never set on the class): urllib3 makes a new Retry per attempt with new(),
        # which must carry it on.
        retry = _client.build_retry(3, 0.01, retry_after_cap=0.3)
        assert _client._Retry.retry_after_cap == _client.RETRY_AFTER_CAP
        assert retry.parse_retry_after("3600") == 0.3
        assert retry.new().retry_after_cap == 0.3
        assert _client.build_retry(3).parse_retry_after("3600") == _client.RETRY_AFTER_CAP == 60
        with Scripted([(429, {"Retry-After": "3600"}, TEN_SECONDLY), OK]) as srv, \
                real_client(srv.url, retry_after_cap=0.3) as client:
            start = time.monotonic()
            assert client.get("/x") == OK[2]
            elapsed = time.monotonic() - start
        assert len(srv.requests) == 2
        assert 0.3 <= elapsed < 5

    def test_not_retried_statuses(self):
        with Scripted([(400, {}, {"message": "bad", "category": "VALIDATION_ERROR"}), OK]) as srv, real_client(srv.url) as client:
            with pytest.raises(HubSpotApiError):
                client.get("/x")
        assert len(srv.requests) == 1

    def test_pacing_from_rate_limit_headers(self):
        def answer(remaining):
            return (200, {"X-HubSpot-RateLimit-Max": "2", "X-HubSpot-RateLimit-Remaining": str(remaining),
                          "X-HubSpot-RateLimit-Interval-Milliseconds": "600"}, {"results": []})
        with Scripted([answer(1), answer(0), answer(1)]) as srv, real_client(srv.url) as client:
            start = time.monotonic()
            for dummy in range(3):
                client.get("/x")
        times = [r[2] for r in srv.requests]
        assert len(times) == 3
        # The 3rd request waited for the 1st (sent after ``start``) to leave the 0.6 s window.
        assert times[2] - start >= 0.6
        assert client.pacing_wait > 0

    def test_a_retried_attempt_waits_for_its_own_slot(self):
        # HubSpot counts every attempt: with 2 per 0.6 s announced, the retry of the 2nd request (after a
        # 503 and a 0.02 s pause) is the 3rd request in the window and must wait for the 1st to leave it.
        limits = {"X-HubSpot-RateLimit-Max": "2", "X-HubSpot-RateLimit-Interval-Milliseconds": "600"}
        with Scripted([(200, limits, {"results": []}), (503, limits, {"message": "down"}),
                       (200, limits, {"results": []})]) as srv, real_client(srv.url) as client:
            client.get("/x")
            client.get("/x")
        times = [r[2] for r in srv.requests]
        assert len(times) == 3 and client.retries == ["GET /x: 503"]
        assert times[2] - times[0] >= 0.6
        assert client.pacing_wait > 0

    def test_a_proxy_refusal_after_a_retry_leaves_no_slot_behind(self):
        # The 407 ends the request without the usual answer path: its retried attempt's stamp must not
        # wait for the thread's next request to be re-stamped.
        with Scripted([(503, {}, {"message": "down"}), (407, {}, b"")]) as srv, real_client(srv.url, proxy=srv.url) as client:
            with pytest.raises(HubSpotTransportError):
                client.get("/x")
        assert len(srv.requests) == 2
        assert client._pacer._retried.stamps == []

    def test_no_pacing_without_headers(self):
        with Scripted([OK]) as srv, real_client(srv.url) as client:
            for dummy in range(5):
                client.get("/x")
        assert client.pacing_wait == 0
        assert len(srv.requests) == 5


# ---------------------------------------------------------------------------------------------
# api_version


@pytest.mark.parametrize("version, expected", [
    ("v3", "/marketing/v3/marketing-events/participations/1/breakdown"),
    ("2026-03", "/marketing/marketing-events/2026-03/participations/1/breakdown"),
    ("2026-09", "/marketing/marketing-events/2026-09/participations/1/breakdown"),
])
def test_versioned_path(version, expected):
    assert _client.versioned_path("/marketing/v3/marketing-events/participations/1/breakdown", version) == expected


def test_versioned_path_keeps_the_list_path_and_other_apis():
    assert _client.versioned_path("/marketing/v3/marketing-events", "2026-09") == "/marketing/marketing-events/2026-09"
    assert _client.versioned_path("/crm/v3/objects/contacts", "2026-09") == "/crm/v3/objects/contacts"
    assert _client.versioned_path("/marketing/v3/marketing-events-other", "2026-09") == "/marketing/v3/marketing-events-other"


def test_unknown_api_version_is_refused():
    with pytest.raises(ValueError, match="api_version must be one of v3, 2026-03, 2026-09"):
        _client.HubSpotClient("pat-na1-x", api_version="2025-09")


def test_proxy_tls_context_has_the_trust_of_base_url(monkeypatch, tmp_path):
    """An https:// proxy is verified like base_url: with ca_path (a file or a c_rehash directory) or the CA
    bundle requests uses, and not at all with validate_certs off."""
    import ssl

    loaded = []

    class Context(object):
        def __init__(self, cert_reqs):
            self.verify_mode = cert_reqs

        def load_verify_locations(self, cafile=None, capath=None):
            loaded.append((cafile, capath))

    monkeypatch.setattr(_client, "create_urllib3_context", Context)
    assert _client.proxy_tls_context(True, "/etc/corp-ca.pem").verify_mode == ssl.CERT_REQUIRED
    assert _client.proxy_tls_context(True, str(tmp_path)).verify_mode == ssl.CERT_REQUIRED
    assert _client.proxy_tls_context(True).verify_mode == ssl.CERT_REQUIRED
    assert _client.proxy_tls_context(False, "/etc/corp-ca.pem").verify_mode == ssl.CERT_NONE
    assert loaded == [("/etc/corp-ca.pem", None), (None, str(tmp_path)), (requests.utils.DEFAULT_CA_BUNDLE_PATH, None)]


@pytest.mark.parametrize("proxy, tls", [("https://u:p@proxy.example:3129", True), ("http://proxy.example:3128", False)])
def test_an_https_proxy_gets_its_own_tls_policy(monkeypatch, tmp_path, proxy, tls):
    """requests verifies an https:// proxy only through an https:// target's policy (not at all for an http://
    base_url): the client hands urllib3 a proxy_ssl_context for an https:// proxy, whatever the target."""
    made = []
    monkeypatch.setattr(_client, "proxy_tls_context", lambda validate_certs, ca_path: made.append((validate_certs, ca_path)) or "CONTEXT")
    ca = tmp_path / "ca.pem"
    with open(requests.utils.DEFAULT_CA_BUNDLE_PATH) as bundle:
        ca.write_text(bundle.read())
    with HubSpotClient("pat-na1-unit-proxy-0a1b2c3d", base_url="http://127.0.0.1:9", proxy=proxy, ca_path=str(ca)) as api:
        adapter = api._session.get_adapter("http://127.0.0.1:9/")
        assert adapter.proxy_context == ("CONTEXT" if tls else None)
        # What urllib3 receives: ProxyManager(..., proxy_ssl_context=...).
        assert adapter.proxy_manager_for(proxy).proxy_config.ssl_context == ("CONTEXT" if tls else None)
    assert made == ([(True, str(ca))] if tls else [])


def test_validate_certs_off_quiets_urllib3_for_that_host_only(monkeypatch):
    """The plugins warn once that base_url's certificate is not verified; urllib3's InsecureRequestWarning
    for that host is not repeated, and stays for any other host."""
    import warnings

    from urllib3.exceptions import InsecureRequestWarning

    def said(host):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            HubSpotClient("pat-na1-unit-0a1b2c3d", base_url="https://Emulator.example:8443", validate_certs=False).close()
            warnings.warn("Unverified HTTPS request is being made to host '%s'. Adding certificate verification is "
                          "strongly advised." % host, InsecureRequestWarning)
        return [str(w.message) for w in caught]

    assert said("emulator.example") == []
    assert said("emulatorXexample") != []
    assert said("other.example") != []
