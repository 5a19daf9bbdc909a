# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Proxies and private CAs, with real processes: the emulator (http, and https with a private CA) and
the forwarding proxy of tests/proxy (CONNECT tunnels, absolute-URL forwarding, optional credentials).

The proxy's own request log and the emulator's state are the judges: a request counted as proxied
went through the proxy, a write is read back from the emulator.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import socket
import sys

import pytest
import requests

from ansible_collections.hubspot.marketing.plugins.module_utils._options import auth_errors
from ansible_collections.hubspot.marketing.plugins.module_utils._client import (
    HubSpotClient,
    check_proxy_url,
    proxy_secrets,
    scrub,
    select_proxy,
)
from ansible_collections.hubspot.marketing.plugins.module_utils._errors import HubSpotTransportError
from ansible_collections.hubspot.marketing.plugins.modules import marketing_event_attendance as attendance_module
from ansible_collections.hubspot.marketing.plugins.modules import marketing_event_participation_info as info_module
from ansible_collections.hubspot.marketing.tests.unit.plugins.modules.utils import run_task as run_module

from process import running_emulator
from forward_proxy import running_proxy
from tls_ca import make_ca

TOKEN = "pat-na1-zqx-proxy-tests-0a1b2c3d4e"
PROXY_USER = "proxy-user"
PROXY_PASSWORD = "pr0xy-S3cret!"  # "!" is percent-encoded in the URL: both forms must stay hidden
PROXY_PASSWORD_URL = "pr0xy-S3cret%21"
EMULATOR_ARGS = ("--contact-lag", "0", "--event-lag", "0")
EVENT_ARGS = dict(external_event_id="webinar-1", external_account_id="acc-1")


@pytest.fixture(scope="module")
def ca_files(tmp_path_factory):
    pytest.importorskip("cryptography")
    return make_ca(str(tmp_path_factory.mktemp("ca")))


@pytest.fixture
def http_emulator(emulator_url):
    """The module's emulator (conftest.py), over http."""
    return emulator_url


@pytest.fixture(scope="module")
def https_emulator(ca_files):
    ca, cert, key = ca_files
    with running_emulator("--token", TOKEN, "--contact-lag", "0", "--event-lag", "0", "--tls-cert", cert, "--tls-key", key,
                          python=sys.executable) as url:
        yield url


def control(url, method, path, ca=None, body=None):
    """The emulator's control API, directly (never through the proxy)."""
    session = requests.Session()
    session.trust_env = False
    with session:
        response = session.request(method, url + path, json=body, timeout=10, verify=ca or True)
    response.raise_for_status()
    return response.json()


def seed_event(url, ca=None):
    control(url, "POST", "/_emulator/reset", ca)
    control(url, "POST", "/_emulator/seed", ca, {"events": [{"externalAccountId": "acc-1", "externalEventId": "webinar-1",
                                                            "eventName": "Proxy webinar", "eventOrganizer": "QA"}]})


def attend(url, **extra):
    return run_module(attendance_module, dict(EVENT_ARGS, access_token=TOKEN, base_url=url, state="registered",
                                              contacts=[{"email": "ada@example.com"}], max_retries=0, **extra))


def stored_emails(url, ca=None):
    return sorted(p["email"] for p in control(url, "GET", "/_emulator/state", ca)["participations"])


def proxy_url(base, user=PROXY_USER, password=PROXY_PASSWORD_URL):
    return base.replace("http://", "http://%s:%s@" % (user, password))


def assert_no_secret(result):
    text = json.dumps(result)
    for secret in (TOKEN, PROXY_PASSWORD, PROXY_PASSWORD_URL, "%s:%s" % (PROXY_USER, PROXY_PASSWORD)):
        assert secret not in text, secret


# ---------------------------------------------------------------------------------------------
# Option checks and helpers


def test_bad_proxy_urls_are_refused_without_echoing_them():
    for value, expected in (("socks5://u:pw-123456@h:1080", "must start with http:// or https://"),
                            ("http://u:pw-123456@:3128", "has no host name"),
                            ("http://u:pw-123456@h:99999", "is not a valid URL"),
                            ("http://u:pw-123456@h:3128/path", "must not contain a path"),
                            # urllib3 would connect to host "corp" on port 80, not to the proxy checked
                            ("http://CORP\\u:pw-123456@127.0.0.1:3128", "percent-encode it as %5C"),
                            ("http://127.0.0.1:19201\\@127.0.0.1:3128", "must not contain a backslash")):
        dummy, reason = check_proxy_url(value)
        assert expected in reason and "pw-123456" not in reason, (value, reason)
        errors = auth_errors(dict(access_token=TOKEN, base_url="https://api.hubapi.com", proxy=value))
        assert [e["path"] for e in errors] == ["proxy"] and "pw-123456" not in json.dumps(errors)


def test_missing_ca_path_is_refused_before_any_request(tmp_path):
    errors = auth_errors(dict(access_token=TOKEN, base_url="https://api.hubapi.com", ca_path=str(tmp_path / "none.pem")))
    assert errors == [{"path": "ca_path", "message": "%s does not exist" % (tmp_path / "none.pem")}]


def test_proxy_credentials_are_scrubbed_in_every_form():
    url = proxy_url("http://127.0.0.1:3128")
    text = ("via %s as %s:%s (%s:%s), Proxy-Authorization: Basic cHJveHktdXNlcjpwcjB4eS1TM2NyZXQh, %s"
            % (url, PROXY_USER, PROXY_PASSWORD_URL, PROXY_USER, PROXY_PASSWORD, PROXY_PASSWORD))
    cleaned = scrub(text, proxy_secrets(url))
    assert PROXY_PASSWORD not in cleaned and PROXY_PASSWORD_URL not in cleaned and "cHJveHktdXNlcjpwcjB4eS1TM2NyZXQh" not in cleaned
    assert proxy_secrets("http://127.0.0.1:3128") == ()


def test_select_proxy_reads_only_the_proxy_variables(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://env-proxy:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://plain-proxy:3128")
    assert select_proxy("https://api.hubapi.com") == "http://env-proxy:3128"
    assert select_proxy("http://127.0.0.1:8080") == "http://plain-proxy:3128"
    assert select_proxy("https://api.hubapi.com", proxy="http://explicit:1") == "http://explicit:1"
    assert select_proxy("https://api.hubapi.com", use_proxy=False, proxy="http://explicit:1") is None
    monkeypatch.setenv("NO_PROXY", "example.com,.hubapi.com")
    assert select_proxy("https://api.hubapi.com") is None
    # An explicit proxy is not subject to NO_PROXY (as in requests).
    assert select_proxy("https://api.hubapi.com", proxy="http://explicit:1") == "http://explicit:1"


# ---------------------------------------------------------------------------------------------
# Through a real proxy: plain http


def test_explicit_proxy_carries_module_requests(http_emulator):
    seed_event(http_emulator)
    with running_proxy() as (proxy, seen):
        failed, result = attend(http_emulator, proxy=proxy)
    assert not failed, result
    assert stored_emails(http_emulator) == ["ada@example.com"]
    assert seen and all(entry["target"].startswith(http_emulator + "/marketing/") for entry in seen)
    assert set(entry["method"] for entry in seen) >= {"POST"}


def test_environment_proxy_is_used_by_default_and_no_proxy_is_honoured(http_emulator, monkeypatch):
    seed_event(http_emulator)
    with running_proxy() as (proxy, seen):
        monkeypatch.setenv("HTTP_PROXY", proxy)
        failed, result = run_module(info_module, dict(EVENT_ARGS, access_token=TOKEN, base_url=http_emulator))
        assert not failed, result
        proxied = len(seen)
        assert proxied >= 1

        monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
        failed, result = run_module(info_module, dict(EVENT_ARGS, access_token=TOKEN, base_url=http_emulator))
        assert not failed, result
        assert len(seen) == proxied  # bypassed

        monkeypatch.delenv("NO_PROXY")
        failed, result = run_module(info_module, dict(EVENT_ARGS, access_token=TOKEN, base_url=http_emulator, use_proxy=False))
        assert not failed, result
        assert len(seen) == proxied  # use_proxy: false goes direct


def test_netrc_and_ca_bundle_variables_still_do_not_apply(http_emulator, monkeypatch, tmp_path):
    """Only the proxy variables are read: a .netrc cannot replace the token, REQUESTS_CA_BUNDLE is ignored."""
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login someone password netrc-password-123\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "missing.pem"))
    seed_event(http_emulator)
    with running_proxy() as (proxy, seen):
        monkeypatch.setenv("HTTP_PROXY", proxy)
        failed, result = run_module(info_module, dict(EVENT_ARGS, access_token=TOKEN, base_url=http_emulator))
    assert not failed, result  # the emulator accepted the bearer token, not netrc's Basic credentials
    assert seen


def test_proxy_that_requires_credentials(http_emulator):
    seed_event(http_emulator)
    with running_proxy(credentials="%s:%s" % (PROXY_USER, PROXY_PASSWORD)) as (proxy, seen):
        failed, result = attend(http_emulator, proxy=proxy)
        assert failed
        assert "requires credentials (407 Proxy Authentication Required)" in result["msg"], result["msg"]
        assert_no_secret(result)

        failed, result = attend(http_emulator, proxy=proxy_url(proxy, password="wrong-password"))
        assert failed
        assert "refused its credentials" in result["msg"], result["msg"]
        assert "wrong-password" not in json.dumps(result)  # the proxy echoed it in its error page
        assert stored_emails(http_emulator) == []

        failed, result = attend(http_emulator, proxy=proxy_url(proxy))
        assert not failed, result
        assert_no_secret(result)
    assert stored_emails(http_emulator) == ["ada@example.com"]
    # Each failed run stopped at its first refused request; the write went through with the credentials.
    authorized = [entry["authorized"] for entry in seen]
    assert authorized[:2] == [False, False] and all(authorized[2:]), seen
    assert [entry["method"] for entry in seen].count("POST") == 1


@pytest.mark.parametrize("target", ["http", "https"])
@pytest.mark.parametrize("user, password", [("o", None), ("1", None), ("alice", "proxy"), ("alice", "user")])
def test_credentials_that_are_common_words_do_not_blank_out_the_message(http_emulator, https_emulator, ca_files, target, user, password):
    """Only the text taken from the failure is scrubbed, never the message's own words (an https base_url's
    refused CONNECT is a transport error; an http one's 407 an answer)."""
    url, extra = (http_emulator, {}) if target == "http" else (https_emulator, {"ca_path": ca_files[0]})
    with running_proxy(credentials="someone:else") as (proxy, seen):
        host_port = proxy.split("//")[1]
        userinfo = user if password is None else "%s:%s" % (user, password)
        failed, result = attend(url, proxy="http://%s@%s" % (userinfo, host_port), **extra)
    assert failed
    assert result["msg"].endswith("-> no response: the proxy %s refused its credentials (407 Proxy Authentication Required); "
                                  "check the user and password in the proxy URL (option proxy, or HTTPS_PROXY/HTTP_PROXY)"
                                  % host_port), result["msg"]
    # the request it names too: /participations/acc-1/webinar-1 holds a 1 and an o
    assert "GET /marketing/v3/marketing-events/participations/acc-1/webinar-1/breakdown -> no response" in result["msg"], result["msg"]
    assert "<redacted>" not in result["msg"]


def test_a_refused_tunnel_is_not_retried_nor_said_to_be(https_emulator):
    """A proxy's answer to CONNECT other than 200 (here 502: the target is down) is no error the retries cover."""
    with running_proxy() as (proxy, seen):
        failed, result = run_module(attendance_module, dict(EVENT_ARGS, access_token=TOKEN, base_url="https://127.0.0.1:9",
                                                            state="registered", contacts=[{"email": "ada@example.com"}],
                                                            max_retries=3, proxy=proxy))
    assert failed
    assert "the proxy %s refused to open a tunnel to https://127.0.0.1:9: 502" % proxy.split("//")[1] in result["msg"], result["msg"]
    assert "gave up" not in result["msg"] and len(seen) == 1, seen


@pytest.mark.parametrize("target", ["http", "https"])
def test_a_proxy_that_never_answers_is_named(http_emulator, https_emulator, target):
    """A timeout, not the proxy's error: the message still says the request went through it."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    try:
        host_port = "127.0.0.1:%d" % silent.getsockname()[1]
        failed, result = attend(http_emulator if target == "http" else https_emulator, proxy="http://%s:%s@%s" % (
            PROXY_USER, PROXY_PASSWORD_URL, host_port), timeout=1)
    finally:
        silent.close()
    assert failed
    assert result["msg"].endswith("-> no response: timed out after 1.0s (ReadTimeoutError) (through the proxy %s)" % host_port), result["msg"]
    assert_no_secret(result)


def test_unreachable_proxy_is_named_without_its_credentials(http_emulator):
    failed, result = attend(http_emulator, proxy="http://%s:%s@127.0.0.1:9" % (PROXY_USER, PROXY_PASSWORD_URL))
    assert failed
    assert "could not connect to the proxy 127.0.0.1:9" in result["msg"], result["msg"]
    assert_no_secret(result)


# ---------------------------------------------------------------------------------------------
# https: a private CA given by ca_path, directly and through a CONNECT tunnel


def test_private_ca_is_refused_without_ca_path_and_trusted_with_it(https_emulator, ca_files):
    ca = ca_files[0]
    seed_event(https_emulator, ca)
    failed, result = attend(https_emulator)
    assert failed and "TLS certificate verification failed" in result["msg"] and "ca_path" in result["msg"], result["msg"]
    failed, result = attend(https_emulator, ca_path=ca)
    assert not failed, result
    assert stored_emails(https_emulator, ca) == ["ada@example.com"]


def test_https_through_an_authenticated_proxy_with_ca_path(https_emulator, ca_files, monkeypatch):
    ca = ca_files[0]
    seed_event(https_emulator, ca)
    with running_proxy(credentials="%s:%s" % (PROXY_USER, PROXY_PASSWORD)) as (proxy, seen):
        monkeypatch.setenv("HTTPS_PROXY", proxy_url(proxy))
        failed, result = attend(https_emulator, ca_path=ca)
        assert not failed, result
        assert_no_secret(result)
        monkeypatch.setenv("HTTPS_PROXY", proxy)
        failed, result = attend(https_emulator, ca_path=ca)
        assert failed and "requires credentials" in result["msg"], result["msg"]
    assert stored_emails(https_emulator, ca) == ["ada@example.com"]
    host_port = https_emulator.split("//")[1]
    assert [(e["method"], e["target"], e["authorized"]) for e in seen][:1] == [("CONNECT", host_port, True)]
    assert seen[-1]["authorized"] is False


def test_client_reports_the_proxy_it_uses(http_emulator):
    with running_proxy() as (proxy, seen):
        with HubSpotClient(TOKEN, base_url=http_emulator, proxy=proxy_url(proxy), max_retries=0) as api:
            assert api.proxy_shown == proxy.split("//")[1]
            assert PROXY_PASSWORD_URL not in repr(api)
            try:
                api.get("/marketing/v3/marketing-events/participations/contacts/a%40b.c/breakdown")
            except HubSpotTransportError:  # pragma: no cover - the proxy needs no credentials here
                pytest.fail("the proxy did not forward the request")
    assert len(seen) == 1


# ---------------------------------------------------------------------------------------------
# An https:// proxy: the connection to the proxy itself uses TLS (certificate from the private CA)

TLS_PROXY_CREDENTIALS = "user:secret"


def tls_proxy_url(base):
    return base.replace("https://", "https://%s@" % TLS_PROXY_CREDENTIALS)


def assert_no_tls_proxy_secret(result):
    text = json.dumps(result)
    for secret in (TOKEN, "secret", TLS_PROXY_CREDENTIALS):
        assert secret not in text, secret


def test_https_proxy_carries_http_and_https_requests_with_ca_path(http_emulator, https_emulator, ca_files):
    ca, cert, key = ca_files
    seed_event(http_emulator)
    seed_event(https_emulator, ca)
    with running_proxy(credentials=TLS_PROXY_CREDENTIALS, tls=(cert, key)) as (proxy, seen):
        assert proxy.startswith("https://")
        # http:// base_url: absolute-URL requests sent to the proxy inside TLS.
        failed, result = attend(http_emulator, proxy=tls_proxy_url(proxy), ca_path=ca)
        assert not failed, result
        assert_no_tls_proxy_secret(result)
        forwarded = list(seen)
        # https:// base_url: a CONNECT tunnel inside the TLS connection to the proxy (TLS in TLS).
        failed, result = attend(https_emulator, proxy=tls_proxy_url(proxy), ca_path=ca)
        assert not failed, result
        assert_no_tls_proxy_secret(result)
        tunnelled = seen[len(forwarded):]
    assert forwarded and all(e["target"].startswith(http_emulator + "/marketing/") and e["authorized"] for e in forwarded), forwarded
    assert "POST" in [e["method"] for e in forwarded]
    assert tunnelled and [(e["method"], e["target"], e["authorized"]) for e in tunnelled][:1] == [
        ("CONNECT", https_emulator.split("//")[1], True)], tunnelled
    # The emulators really got the writes.
    assert stored_emails(http_emulator) == ["ada@example.com"]
    assert stored_emails(https_emulator, ca) == ["ada@example.com"]


@pytest.mark.parametrize("target", ["http", "https"])
def test_https_proxy_not_trusted_is_refused_naming_it_without_credentials(target, http_emulator, https_emulator, ca_files, tmp_path):
    """Without its CA (system CAs, or a ca_path that does not vouch for it) the proxy is refused, for an
    http:// base_url too: requests alone would not verify the proxy then, the client gives it its own policy."""
    ca, cert, key = ca_files
    url = http_emulator if target == "http" else https_emulator
    seed_event(url, ca)
    other_ca = make_ca(str(tmp_path))[0]
    with running_proxy(credentials=TLS_PROXY_CREDENTIALS, tls=(cert, key)) as (proxy, seen):
        host_port = proxy.split("//")[1]
        for extra in ({}, {"ca_path": other_ca}):
            failed, result = attend(url, proxy=tls_proxy_url(proxy), **extra)
            assert failed, result
            msg = result["msg"]
            assert "could not connect to the proxy %s over TLS: TLS certificate verification failed" % host_port in msg, msg
            assert ("does not vouch for this certificate" if extra else "give ca_path the CA bundle") in msg, msg
            assert_no_tls_proxy_secret(result)
    assert seen == []  # no request reached the proxy: the handshake stopped first
    assert stored_emails(url, ca) == []


@pytest.mark.parametrize("target", ["http", "https"])
def test_validate_certs_false_does_not_verify_an_https_proxy_either(target, http_emulator, https_emulator, ca_files, tmp_path):
    """validate_certs: false turns off verification of every certificate of the connection: the proxy's and
    base_url's (urllib3 gives the proxy connection the target's policy; the client keeps the two the same)."""
    ca, cert, key = ca_files
    url = http_emulator if target == "http" else https_emulator
    seed_event(url, ca)
    other_ca = make_ca(str(tmp_path))[0]
    with running_proxy(credentials=TLS_PROXY_CREDENTIALS, tls=(cert, key)) as (proxy, seen):
        failed, result = attend(url, proxy=tls_proxy_url(proxy), validate_certs=False, ca_path=other_ca)
        assert not failed, result
        assert_no_tls_proxy_secret(result)
    assert seen and all(e["authorized"] for e in seen), seen
    if target == "https":
        assert [(e["method"], e["target"]) for e in seen][:1] == [("CONNECT", url.split("//")[1])], seen
    else:
        assert all(e["target"].startswith(url + "/marketing/") for e in seen), seen
    assert stored_emails(url, ca) == ["ada@example.com"]


def test_https_url_for_a_plain_http_proxy_says_so(http_emulator):
    seed_event(http_emulator)
    with running_proxy(credentials=TLS_PROXY_CREDENTIALS) as (proxy, seen):
        host_port = proxy.split("//")[1]
        failed, result = attend(http_emulator, proxy="https://%s@%s" % (TLS_PROXY_CREDENTIALS, host_port))
    assert failed, result
    assert "could not connect to the proxy %s over TLS: TLS handshake failed" % host_port in result["msg"], result["msg"]
    assert "is %s a plain http:// endpoint?" % host_port in result["msg"], result["msg"]
    assert_no_tls_proxy_secret(result)
    assert stored_emails(http_emulator) == []
