# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys
from urllib.parse import urlsplit
from unittest.mock import MagicMock

import pytest

from ansible.errors import AnsibleError, AnsibleLookupError
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import lookup_loader
from ansible.template import Templar

try:
    from ansible.template import trust_as_template  # ansible-core >= 2.19: only trusted text is templated
except ImportError:
    def trust_as_template(value):
        return value

from ansible_collections.hubspot.marketing.plugins.module_utils._errors import HubSpotApiError, HubSpotPagingError
from ansible_collections.hubspot.marketing.tests.unit.conftest import load_fixture, query_of

NAME = "hubspot.marketing.marketing_event_participations"
TOKEN = "pat-na1-lookup-test-secret-77"
BASE = "https://api.example.test"
PREFIX = "/marketing/v3/marketing-events/participations"


def _ensure_collection_loader():
    """ansible-test installs Ansible's collection finder before anything is imported.

    A plain ``pytest`` run (PYTHONPATH=<dir holding ansible_collections>) does not; install it here so
    lookup_loader finds the collection. The collection's package objects were imported without the
    finder and lack its metadata: drop the packages so the finder re-imports them; every
    module already loaded stays, so classes keep their identity.
    """
    from ansible.utils.collection_loader import AnsibleCollectionConfig
    if AnsibleCollectionConfig.collection_finder is not None:
        return
    import ansible_collections
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
    paths = [os.path.dirname(p) for p in ansible_collections.__path__]
    # Every package of the collection imported so far (modules stay): a test that imported a plugin
    # directly left namespace packages the finder cannot resolve plugins through.
    stale = [name for name, module in sys.modules.items()
             if (name == "ansible_collections" or name.startswith("ansible_collections.")) and hasattr(module, "__path__")]
    for name in stale:
        sys.modules.pop(name, None)
    _AnsibleCollectionFinder(paths=paths)._install()


@pytest.fixture
def lookup(monkeypatch):
    _ensure_collection_loader()
    loader = DataLoader()
    # As in a play, the lookup gets the task's templar (which knows the task's variables).
    plugin = lookup_loader.get(NAME, loader=loader, templar=Templar(loader=loader))
    assert plugin is not None, "lookup %s not found" % NAME
    for var in ("HUBSPOT_ACCESS_TOKEN", "HUBSPOT_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    display = MagicMock()
    monkeypatch.setattr(sys.modules[type(plugin).__module__], "display", display)
    plugin.test_display = display
    return plugin


VARS = {"hubspot_access_token": TOKEN, "hubspot_base_url": BASE}


def display_text(display):
    return json.dumps([str(c) for c in display.mock_calls])


class TestTerms:

    def test_contacts_in_term_order(self, lookup, requests_mock):
        requests_mock.get(BASE + PREFIX + "/contacts/jane%40example.com/breakdown", json=load_fixture("breakdown_contact.json"))
        requests_mock.get(BASE + PREFIX + "/contacts/53/breakdown", json=load_fixture("breakdown_event_page2.json"))
        result = lookup.run(["53", "jane@example.com"], variables=VARS)
        assert [p["id"] for p in result] == ["1003", "2001", "1001"]
        assert [p["email"] for p in result] == ["ann@example.com", "jane@example.com", "jane@example.com"]
        assert set(result[0]) >= {"event_id", "contact_id", "state", "occurred_at", "attendance_percentage"}
        assert result[2]["state"] == "attended"
        assert [urlsplit(r.url).path for r in requests_mock.request_history] == [
            PREFIX + "/contacts/53/breakdown", PREFIX + "/contacts/jane%40example.com/breakdown"]

    def test_list_term_is_flattened_and_ints_accepted(self, lookup, requests_mock):
        requests_mock.get(BASE + PREFIX + "/contacts/51/breakdown", json={"total": 0, "results": []})
        requests_mock.get(BASE + PREFIX + "/contacts/52/breakdown", json={"total": 0, "results": []})
        assert lookup.run([[51, "52"]], variables=VARS) == []
        assert requests_mock.call_count == 2

    def test_event_and_no_terms_reads_the_whole_event(self, lookup, requests_mock):
        requests_mock.get(BASE + PREFIX + "/456/breakdown",
                          [{"json": load_fixture("breakdown_event_page1.json")}, {"json": load_fixture("breakdown_event_page2.json")}])
        result = lookup.run([], variables=VARS, event_id="456", page_size=2)
        assert [p["id"] for p in result] == ["1001", "1002", "1003"]
        assert requests_mock.call_count == 2
        second = requests_mock.request_history[1]
        assert query_of(second) == {"limit": "2", "after": "MTAwMg%3D%3D+/="}  # the cursor, verbatim

    def test_event_with_terms_filters_by_contact(self, lookup, requests_mock):
        requests_mock.get(BASE + PREFIX + "/acc-1/ev-1/breakdown", json={"total": 0, "results": []})
        lookup.run(["jane@example.com", "51"], variables=VARS, external_account_id="acc-1", external_event_id="ev-1", state="no_show")
        assert [query_of(r) for r in requests_mock.request_history] == [
            {"contactIdentifier": "jane@example.com", "state": "NO_SHOW", "limit": "100"},
            {"contactIdentifier": "51", "state": "NO_SHOW", "limit": "100"},
        ]

    def test_limit_per_term(self, lookup, requests_mock):
        requests_mock.get(BASE + PREFIX + "/456/breakdown", json=load_fixture("breakdown_event_page1.json"))
        result = lookup.run(["a@b.c", "c@d.e"], variables=VARS, event_id="456", limit=1)
        assert len(result) == 2
        assert [query_of(r)["limit"] for r in requests_mock.request_history] == ["1", "1"]

    def test_unknown_contact_adds_nothing(self, lookup, requests_mock):
        requests_mock.get(BASE + PREFIX + "/contacts/nobody%40example.com/breakdown", status_code=404, json=load_fixture("error_404_event.json"))
        requests_mock.get(BASE + PREFIX + "/contacts/51/breakdown", json=load_fixture("breakdown_contact.json"))
        assert len(lookup.run(["nobody@example.com", "51"], variables=VARS)) == 2
        warned = [str(c.args[0]) for c in lookup.test_display.warning.call_args_list]
        assert warned == ["hubspot.marketing.marketing_event_participations: term 1 ('nobody@example.com'): contact "
                          "'nobody@example.com': GET %s/contacts/nobody%%40example.com/breakdown -> 404 OBJECT_NOT_FOUND "
                          "(correlationId 7c0b8e5e-0d6f-4a34-9b8e-1f2d3c4b5a69): Marketing event 999 was not found; read as no "
                          "participations, as for a contact HubSpot does not know (if it exists, check base_url)" % PREFIX]

    def test_page_counts_only_in_verbose_output(self, lookup, requests_mock):
        requests_mock.get(BASE + PREFIX + "/456/breakdown", json=load_fixture("breakdown_event_page2.json"))
        lookup.run(["a@b.c"], variables=VARS, event_id="456")
        lookup.test_display.vvv.assert_called_once()
        (line,), dummy = lookup.test_display.vvv.call_args
        assert "term 1 ('a@b.c'): 1 of 3 participations in 1 page(s)" in line
        assert TOKEN not in display_text(lookup.test_display)
        lookup.test_display.warning.assert_not_called()


class TestErrors:

    def test_lookup_keywords_of_core_are_no_unknown_options(self, lookup):
        lookup._refuse_unknown({"allow_unsafe": True, "wantlist": True, "errors": "ignore", "limit": 1})

    @pytest.mark.parametrize("options, text", [
        (dict(contact="ada@example.com"), "unknown option contact (the contacts are the lookup's terms: "),
        (dict(limt=3, scope="app"), "unknown options limt, scope; the options are access_token, "),
    ])
    def test_unknown_options_fail_before_any_request(self, lookup, requests_mock, options, text):
        with pytest.raises(AnsibleLookupError) as failure:
            lookup.run([], variables=VARS, external_event_id="web-1", external_account_id="acc", **options)
        assert text in str(failure.value)
        assert requests_mock.call_count == 0

    def test_an_unusable_urllib3_is_named(self, lookup, requests_mock, monkeypatch):
        module = sys.modules[type(lookup).__module__]
        monkeypatch.setattr(module, "HAS_REQUESTS", False)
        monkeypatch.setattr(module, "LIBRARY_PROBLEM", "urllib3 1.26.20 is installed, and ...")
        with pytest.raises(AnsibleLookupError, match="^urllib3 1.26.20 is installed"):
            lookup.run(["ada@example.com"], variables=VARS)
        assert requests_mock.call_count == 0

    @pytest.mark.parametrize("direct, variables, text", [
        ({"validate_certs": "ture"}, {}, "validate_certs: must be a boolean (true or false), got 'ture'"),
        ({"validate_certs": [1]}, {}, "validate_certs: must be a boolean (true or false), got list"),
        ({}, {"hubspot_use_proxy": "nope"}, "use_proxy: must be a boolean (true or false), got 'nope' from hubspot_use_proxy"),
        ({"use_proxy": 0.5}, {"hubspot_use_proxy": True}, "use_proxy: must be a boolean (true or false), got float"),
    ])
    def test_a_boolean_option_must_be_a_boolean(self, lookup, requests_mock, direct, variables, text):
        # ansible-core reads any other value as false: 'ture' would turn certificate checks off
        with pytest.raises(AnsibleLookupError) as failure:
            lookup.run(["ada@example.com"], variables=dict(VARS, **variables), **direct)
        assert str(failure.value) == text
        assert requests_mock.call_count == 0

    @pytest.mark.parametrize("direct, environment, text", [
        ({"state": "noshow"}, {}, "state: must be one of registered, attended, cancelled, no_show, got 'noshow'"),
        ({}, {"HUBSPOT_API_VERSION": "2025-09"}, "api_version: must be one of v3, 2026-03, 2026-09, got '2025-09' from HUBSPOT_API_VERSION"),
    ])
    def test_a_bad_choice_names_the_choices_and_where_it_came_from(self, lookup, requests_mock, monkeypatch, direct, environment, text):
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        with pytest.raises(AnsibleLookupError) as failure:
            lookup.run(["ada@example.com"], variables=VARS, **direct)
        assert str(failure.value) == text
        assert requests_mock.call_count == 0

    @pytest.mark.parametrize("direct, text", [
        ({"event_id": ["58000003"]}, "event_id: must be a string, got list"),
        ({"external_event_id": {"id": "ev"}, "external_account_id": "acc"}, "external_event_id: must be a string, got dict"),
        ({"proxy": ["http://proxy:3128"]}, "proxy: must be a string, got list"),
        ({"limit": "abc"}, "limit: must be an integer, got 'abc'"),
        ({"page_size": 2.5}, "page_size: must be an integer, got float"),
        ({"limit": "nan"}, "limit: must be an integer, got 'nan'"),
        ({"max_retries": True}, "max_retries: must be an integer, got bool"),
        ({"timeout": "soon"}, "timeout: must be a number, got 'soon'"),
    ])
    def test_a_wrong_type_is_named_in_the_modules_words(self, lookup, requests_mock, direct, text):
        """Not in ansible-core's words for plugin options ("Config 'event_id' for '...' lookup plugin from 'Direct'
        has an invalid value: Invalid value provided for 'str': [...]")."""
        with pytest.raises(AnsibleLookupError) as failure:
            lookup.run(["ada@example.com"], variables=VARS, **direct)
        assert str(failure.value) == text
        assert requests_mock.call_count == 0

    @pytest.mark.parametrize("kind, value, number", [
        ("int", "9007199254740993", 9007199254740993),  # exact: not through a float
        ("int", " 50.0 ", 50), ("int", 10 / 2, 5), ("int", 7, 7), ("float", "2.5", 2.5), ("float", 3, 3),
        ("int", "2.5", None), ("int", 2.5, None), ("float", "nan", None), ("int", True, None), ("int", [1], None),
    ])
    def test_the_number_an_option_takes(self, lookup, kind, value, number):
        as_number = sys.modules[type(lookup).__module__]._as_number
        assert as_number(kind, value) == number and type(as_number(kind, value)) is type(number)

    @pytest.mark.parametrize("direct", [{"limit": "5", "timeout": "2.5", "event_id": 7}, {"limit": 5, "timeout": 3, "page_size": " 50 "},
                                        {"limit": 10 / 2, "page_size": "50.0"}])
    def test_numbers_and_their_text_are_accepted(self, lookup, requests_mock, direct):
        requests_mock.get(BASE + PREFIX + "/contacts/ada%40example.com/breakdown", json={"total": 0, "results": []})
        requests_mock.get(BASE + PREFIX + "/7/breakdown", json={"total": 0, "results": []})
        assert lookup.run(["ada@example.com"], variables=VARS, **direct) == []
        assert requests_mock.call_count == 1

    @pytest.mark.parametrize("where", ["option", "variable", "environment"])
    def test_a_token_typed_into_another_option_or_a_term_is_masked(self, lookup, requests_mock, monkeypatch, where):
        """As ansible-core masks a module's no_log values in its output, wherever they show."""
        variables = dict(VARS)
        direct = {}
        if where == "option":
            direct["access_token"] = TOKEN
            variables.pop("hubspot_access_token")
        elif where == "environment":
            monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", TOKEN)
            variables.pop("hubspot_access_token")
        requests_mock.get(BASE + PREFIX + "/acc/%s/breakdown" % TOKEN, status_code=404, json=load_fixture("error_404_event.json"))
        failures = []
        for given in ({"external_event_id": TOKEN, "external_account_id": "acc"}, {"state": TOKEN}, {"limit": TOKEN}):
            with pytest.raises(AnsibleLookupError) as failure:
                lookup.run([], variables=variables, **dict(direct, **given))
            failures.append(failure.value)
        with pytest.raises(AnsibleLookupError) as failure:
            lookup.run([TOKEN], variables=variables, **direct)
        failures.append(failure.value)
        texts = [str(f) for f in failures]
        assert texts[0].startswith("event <redacted> (external account acc): GET %s/acc/<redacted>/breakdown -> 404" % PREFIX)
        assert texts[1] == "state: must be one of registered, attended, cancelled, no_show, got '<redacted>'"
        assert texts[3].startswith("term 1 ('<redacted>'): ")
        assert all(TOKEN[:12] not in text and f.__cause__ is None for text, f in zip(texts, failures))

    def test_a_token_is_masked_percent_encoded_too_in_errors_warnings_and_verbose_output(self, lookup, requests_mock):
        """A token may hold characters a path percent-encodes; the lookup's warnings and -vvv lines are masked as its
        errors are."""
        token = "Tok/en+with=chars~1234"
        encoded = "Tok%2Fen%2Bwith%3Dchars~1234"
        variables = dict(VARS, hubspot_access_token=token)
        requests_mock.get(BASE + PREFIX + "/acc/%s/breakdown" % encoded, status_code=404, json=load_fixture("error_404_event.json"))
        requests_mock.get(BASE + PREFIX + "/contacts/%s%%40example.com/breakdown" % encoded, status_code=404,
                          json=load_fixture("error_404_event.json"))
        with pytest.raises(AnsibleLookupError) as failure:
            lookup.run([], variables=variables, external_event_id=token, external_account_id="acc")
        assert "GET %s/acc/<redacted>/breakdown -> 404" % PREFIX in str(failure.value), str(failure.value)
        assert lookup.run([token + "@example.com"], variables=variables) == []
        shown = display_text(lookup.test_display)
        assert "contacts/<redacted>%40example.com/breakdown -> 404" in shown and "read as no participations" in shown
        assert "term 1 ('<redacted>@example.com'): 0 of 0 participations" in shown
        assert token not in shown and encoded not in shown and token not in str(failure.value) and encoded not in str(failure.value)

    @pytest.mark.parametrize("value", [False, "no", "false", 0, None])
    def test_boolean_spellings_ansible_accepts(self, lookup, requests_mock, value):
        requests_mock.get(BASE + "/marketing/v3/marketing-events/participations/contacts/ada%40example.com/breakdown",
                          json={"total": 0, "results": []})
        assert lookup.run(["ada@example.com"], variables=VARS, use_proxy=value) == []

    def test_needs_terms_or_an_event(self, lookup, requests_mock):
        with pytest.raises(AnsibleLookupError, match="give contacts"):
            lookup.run([], variables=VARS)
        assert requests_mock.call_count == 0

    def test_unknown_event_names_the_term_and_the_correlation_id(self, lookup, requests_mock):
        answers = [{"json": {"total": 0, "results": []}}, {"status_code": 404, "json": load_fixture("error_404_event.json")}]
        requests_mock.get(BASE + PREFIX + "/999/breakdown", answers)
        with pytest.raises(AnsibleLookupError) as exc:
            lookup.run(["a@b.c", "51"], variables=VARS, event_id="999")
        message = str(exc.value)
        assert message.startswith("term 2 ('51'): GET %s/999/breakdown -> 404 OBJECT_NOT_FOUND" % PREFIX)
        assert "correlationId 7c0b8e5e-0d6f-4a34-9b8e-1f2d3c4b5a69" in message
        assert isinstance(exc.value.__cause__, HubSpotApiError)
        assert TOKEN not in message

    def test_whole_event_error_names_the_event(self, lookup, requests_mock):
        requests_mock.get(BASE + PREFIX + "/acc/ev/breakdown", status_code=404, json=load_fixture("error_404_event.json"))
        with pytest.raises(AnsibleLookupError, match=r"^event ev \(external account acc\): GET .* -> 404"):
            lookup.run([], variables=VARS, external_account_id="acc", external_event_id="ev")

    def test_bad_token(self, lookup, requests_mock):
        requests_mock.get(BASE + PREFIX + "/contacts/51/breakdown", status_code=401, json=load_fixture("error_401.json"))
        with pytest.raises(AnsibleLookupError) as exc:
            lookup.run(["51"], variables=VARS)
        assert "term 1 ('51'): " in str(exc.value)
        assert "401 INVALID_AUTHENTICATION (correlationId a0a1a2a3-0000-4000-8000-000000000401)" in str(exc.value)
        assert TOKEN not in str(exc.value)
        assert TOKEN not in display_text(lookup.test_display)

    def test_repeated_cursor(self, lookup, requests_mock):
        page = load_fixture("breakdown_event_page1.json")
        page["total"] = 100
        requests_mock.get(BASE + PREFIX + "/456/breakdown", json=page)
        with pytest.raises(AnsibleLookupError, match=r"^term 1 \('a@b.c'\): .*a second time") as exc:
            lookup.run(["a@b.c"], variables=VARS, event_id="456", page_size=2)
        assert isinstance(exc.value.__cause__, HubSpotPagingError)
        assert requests_mock.call_count == 2

    def test_transport_error(self, lookup, requests_mock):
        import requests
        requests_mock.get(BASE + PREFIX + "/contacts/51/breakdown", exc=requests.exceptions.ConnectTimeout("slow"))
        with pytest.raises(AnsibleLookupError, match=r"^term 1 \('51'\): GET .* -> no response: timed out"):
            lookup.run(["51"], variables=VARS, max_retries=0)

    @pytest.mark.parametrize("options, text", [
        (dict(event_id="1", limit=0), "limit: must be at least 1, got 0"),
        (dict(event_id="1", page_size=0), "page_size: must be between 1 and 100, got 0"),
        (dict(event_id="1", page_size=101), "page_size: must be between 1 and 100, got 101"),
        (dict(event_id="1", external_event_id="e", external_account_id="a"), "event_id: is mutually exclusive"),
        (dict(external_event_id="e"), "external_event_id, external_account_id: must be given together"),
        (dict(event_id=" "), "event_id: must be HubSpot's numeric event id"),
        (dict(event_id="12a"), "event_id: must be HubSpot's numeric event id"),
        (dict(external_event_id="e" * 1025, external_account_id="a"), "external_event_id: must be at most 1024 characters long"),
        (dict(external_event_id="e", external_account_id=""), "external_account_id: must not be empty"),
        (dict(event_id="1", base_url="ftp://x"), "base_url: must start with http:// or https://"),
        (dict(event_id="1", max_retries=50), "max_retries: must be between 0 and 20"),
    ])
    def test_bad_options_name_the_option(self, lookup, requests_mock, options, text):
        with pytest.raises(AnsibleLookupError) as exc:
            lookup.run(["a@b.c"], variables=VARS, **options)
        assert text in str(exc.value)
        assert requests_mock.call_count == 0

    @pytest.mark.parametrize("term, text", [
        ("  ", "term 2 ('  '): must not be empty"),
        ({"a": 1}, "term 2: must be an email address or a contact id, got dict"),
        ("abc", "term 2 ('abc'): must be an email address or a HubSpot contact id"),
        ("-5", "term 2 ('-5'): must be an email address or a HubSpot contact id"),
        (0, "term 2 ('0'): must be an email address or a HubSpot contact id"),
    ])
    def test_bad_terms(self, lookup, requests_mock, term, text):
        with pytest.raises(AnsibleLookupError) as exc:
            lookup.run(["a@b.c", term], variables=VARS)
        assert text in str(exc.value)
        assert requests_mock.call_count == 0

    def test_bad_state_is_refused_by_the_config_system(self, lookup, requests_mock):
        with pytest.raises(AnsibleError, match="state"):
            lookup.run(["a@b.c"], variables=VARS, state="ATTENDED")
        assert requests_mock.call_count == 0

    def test_missing_token(self, lookup, requests_mock):
        with pytest.raises(AnsibleError, match="access_token"):
            lookup.run(["a@b.c"], variables={})
        assert requests_mock.call_count == 0

    def test_bad_token_value_is_not_echoed(self, lookup, requests_mock):
        with pytest.raises(AnsibleLookupError) as exc:
            lookup.run(["a@b.c"], variables=VARS, access_token="with space " + TOKEN)
        assert "access_token: must not contain whitespace" in str(exc.value)
        assert TOKEN not in str(exc.value)

    @pytest.mark.parametrize("token", [{"token": TOKEN}, [TOKEN], {"nested": [TOKEN]}])
    def test_token_of_another_type_is_refused_unseen(self, lookup, requests_mock, token):
        # ansible-core's own type check would print the value; the plugin takes it raw and checks it.
        with pytest.raises(AnsibleError) as exc:
            lookup.run(["a@b.c"], variables=VARS, access_token=token)
        assert "access_token: must be a string, got %s (its value is not shown)" % type(token).__name__ in str(exc.value)
        assert TOKEN not in str(exc.value) and TOKEN not in repr(exc.value)
        assert TOKEN not in display_text(lookup.test_display)
        assert requests_mock.call_count == 0

    def test_error_page_echoing_the_token_is_scrubbed(self, lookup, requests_mock):
        requests_mock.get(BASE + PREFIX + "/contacts/51/breakdown", status_code=502,
                          text="<html><pre>GET / HTTP/1.1\r\nAuthorization: Bearer %s\r\n</pre></html>" % TOKEN)
        with pytest.raises(AnsibleLookupError) as exc:
            lookup.run(["51"], variables=VARS, max_retries=0)
        assert "502" in str(exc.value)
        assert TOKEN not in str(exc.value) and "Bearer" not in str(exc.value)

    @pytest.mark.parametrize("body", ["[]", "null", '{"results": "ab"}', '{"results": [1]}', '{"results": [{"associations": []}]}'])
    def test_malformed_breakdown_names_method_path_and_status(self, lookup, requests_mock, body):
        requests_mock.get(BASE + PREFIX + "/contacts/51/breakdown", text=body)
        with pytest.raises(AnsibleLookupError) as exc:
            lookup.run(["51"], variables=VARS)
        assert "term 1 ('51'): GET %s/contacts/51/breakdown -> 200 MALFORMED_RESPONSE: " % PREFIX in str(exc.value)

    def test_requests_missing(self, lookup, requests_mock, monkeypatch):
        monkeypatch.setattr(sys.modules[type(lookup).__module__], "HAS_REQUESTS", False)
        with pytest.raises(AnsibleLookupError, match="requests"):
            lookup.run(["a@b.c"], variables=VARS)


class TestVariablesAreTemplated:
    """The documented form ``vars: {hubspot_access_token: "{{ vault_token }}"}`` (issue: it reached the plugin as text)."""

    def run_with(self, lookup, variables, *terms, **kwargs):
        variables = dict(variables)
        lookup._templar.available_variables = variables
        return lookup.run(list(terms), variables=variables, **kwargs)

    @pytest.mark.parametrize("template", ["{{ vault_token }}", "{{vault_token}}"])
    def test_token_and_base_url_from_templated_vars(self, lookup, requests_mock, template):
        requests_mock.get(BASE + PREFIX + "/contacts/51/breakdown", json={"total": 0, "results": []})
        variables = {"vault_token": TOKEN, "vault_url": BASE,
                     "hubspot_access_token": trust_as_template(template),
                     "hubspot_base_url": trust_as_template(template.replace("vault_token", "vault_url"))}
        assert self.run_with(lookup, variables, "51") == []
        assert requests_mock.call_count == 1
        assert requests_mock.last_request.headers["Authorization"] == "Bearer " + TOKEN
        assert requests_mock.last_request.url.startswith(BASE + PREFIX)

    def test_direct_option_wins_without_templating_the_variable(self, lookup, requests_mock):
        requests_mock.get(BASE + PREFIX + "/contacts/51/breakdown", json={"total": 0, "results": []})
        # The variable would fail to template (undefined); the direct option makes it irrelevant.
        variables = {"hubspot_access_token": trust_as_template("{{ undefined_variable }}"), "hubspot_base_url": BASE}
        assert self.run_with(lookup, variables, "51", access_token=TOKEN) == []
        assert requests_mock.last_request.headers["Authorization"] == "Bearer " + TOKEN

    def test_variable_that_templates_to_omit_is_not_set(self, lookup, requests_mock, monkeypatch):
        requests_mock.get(BASE + PREFIX + "/contacts/51/breakdown", json={"total": 0, "results": []})
        monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", TOKEN)
        variables = {"omit": "__omit_place_holder__abc", "hubspot_base_url": BASE,
                     "hubspot_access_token": trust_as_template("{{ nothing | default(omit) }}")}
        assert self.run_with(lookup, variables, "51") == []
        assert requests_mock.last_request.headers["Authorization"] == "Bearer " + TOKEN  # from the environment

    def test_options_given_as_omit_are_not_given(self, lookup, requests_mock):
        """``state=s | default(omit)``: ansible-core >= 2.19 passes an object of its private ``_OmitType``,
        earlier ones the placeholder text that is the variable ``omit``."""
        _OmitType = type("_OmitType", (), {})
        requests_mock.get(BASE + PREFIX + "/contacts/51/breakdown", json={"total": 0, "results": []})
        variables = dict(VARS, omit="__omit_place_holder__abc")
        assert lookup.run(["51"], variables=variables, state=_OmitType(), limit="__omit_place_holder__abc",
                          event_id=_OmitType()) == []
        assert query_of(requests_mock.last_request) == {"limit": "100"}
        assert lookup.run([_OmitType(), "51", "__omit_place_holder__abc"], variables=variables) == []  # terms too
        assert requests_mock.call_count == 2
        # every term omitted: nothing read, not the whole event the terms were to be looked up in
        assert lookup.run([_OmitType()], variables=variables, event_id="456") == []
        assert requests_mock.call_count == 2 and "every term was omit" in display_text(lookup.test_display)
        with pytest.raises(AnsibleError, match="state: must be one of .*, got '__omit_place_holder_'"):
            lookup.run(["51"], variables=variables, state="__omit_place_holder__xyz")  # not this task's omit

    @pytest.mark.parametrize("value", [{"token": TOKEN}, [TOKEN]])
    def test_token_var_templated_to_a_dict_or_list_is_refused_unseen(self, lookup, requests_mock, value):
        variables = {"vault_token": value, "hubspot_access_token": trust_as_template("{{ vault_token }}"), "hubspot_base_url": BASE}
        with pytest.raises(AnsibleError) as exc:
            self.run_with(lookup, variables, "51")
        assert "access_token: must be a string, got %s" % type(value).__name__ in str(exc.value)
        assert TOKEN not in str(exc.value) and TOKEN not in display_text(lookup.test_display)
        assert requests_mock.call_count == 0


class TestPrecedence:
    """direct options > variables > environment, for the token and the base URL."""

    @pytest.fixture
    def server(self, requests_mock):
        for base in ("https://direct.test", "https://vars.test", "https://env.test"):
            requests_mock.get(base + PREFIX + "/contacts/51/breakdown", json={"total": 0, "results": []})
        return requests_mock

    def sent(self, server):
        request = server.last_request
        return "https://" + urlsplit(request.url).netloc, request.headers["Authorization"][len("Bearer "):]

    @pytest.mark.parametrize("direct, variables, env, expected", [
        (True, True, True, ("https://direct.test", "direct-token")),
        (False, True, True, ("https://vars.test", "vars-token")),
        (False, False, True, ("https://env.test", "env-token")),
        (True, False, True, ("https://direct.test", "direct-token")),
        (True, True, False, ("https://direct.test", "direct-token")),
    ])
    def test_precedence(self, lookup, server, monkeypatch, direct, variables, env, expected):
        if env:
            monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", "env-token")
            monkeypatch.setenv("HUBSPOT_BASE_URL", "https://env.test")
        var_options = {"hubspot_access_token": "vars-token", "hubspot_base_url": "https://vars.test"} if variables else {}
        kwargs = {"access_token": "direct-token", "base_url": "https://direct.test"} if direct else {}
        lookup.run(["51"], variables=var_options, **kwargs)
        assert self.sent(server) == expected

    def test_default_base_url(self, lookup, requests_mock):
        requests_mock.get("https://api.hubapi.com" + PREFIX + "/contacts/51/breakdown", json={"total": 0, "results": []})
        lookup.run(["51"], variables={"hubspot_access_token": TOKEN})
        assert requests_mock.call_count == 1

    def test_validate_certs_false_warns(self, lookup, requests_mock):
        requests_mock.get(BASE + PREFIX + "/contacts/51/breakdown", json={"total": 0, "results": []})
        lookup.run(["51"], variables=VARS, validate_certs=False)
        (message,), dummy = lookup.test_display.warning.call_args
        assert "validate_certs is false" in message
        assert requests_mock.last_request.verify is False
