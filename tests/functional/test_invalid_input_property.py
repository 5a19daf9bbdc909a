# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Property-based bad-input tests for both modules.

Hand-written hypothesis strategies start from a valid argument set and apply one or more
mutations that make it invalid. Each mutation knows which field it broke. For every
generated argument set the module's ``main()`` runs in-process against a real emulator
process, and the test asserts that

* the task fails (non-zero exit, ``failed: true``),
* the message names the offending field (the JSON path such as ``contacts[3].email`` for
  the collection's own checks, or the option name plus ``contacts`` for Ansible's argspec
  messages about suboptions),
* no traceback and no masked secret (``********``) is in the result,
* **zero requests** reached the emulator (its ``/_emulator/requests`` log stays empty).

Families whose invalid inputs currently get through to HubSpot, or get a message that names
no field, are kept as separate tests (``*_bug`` family names) so one known defect does not
hide the coverage of the others. The tests are expected to fail until the plugin is fixed.

Each module gets over 1,000 generated argument sets (see ``ATTENDANCE_FAMILIES`` and
``INFO_FAMILIES``, plus the combined tests); the generated part runs in about 40 s on 2 cores,
and the 100,001-contact case adds about 20 s (the module's own validation time).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import string
from collections import namedtuple

import pytest

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ansible_collections.hubspot.marketing.plugins.modules import marketing_event_attendance as attendance_module
from ansible_collections.hubspot.marketing.plugins.modules import marketing_event_participation_info as info_module
from ansible_collections.hubspot.marketing.tests.unit.plugins.modules.utils import run_module

# A distinctive token: it can never be part of a message by accident, and Ansible's no_log
# masking of it (``********``) would show that a module tried to print it.
TOKEN = "pat-na1-zqx-property-test-0f9e8d7c6b5a"
EVENT_ID = "58999999"  # no such event: a request that slipped through would get a 404, never an ok
MAX_EPOCH_MS = 253402300799999
BROKEN_TOKEN_HEAD = "zqx-bad-"  # every generated unusable token starts with it

# ---------------------------------------------------------------------------------------------
# Harness: module args on ansible-core 2.16, 2.19 and 2.21; the emulator comes from conftest.py.


def names_field(msg, expected):
    """True when ``msg`` names the field: any alternative whose substrings all appear in it."""
    return any(all(part in msg for part in alternative) for alternative in expected)


def check_rejected(emulator, module, args, expected):
    """The assertions every invalid argument set must pass."""
    code, result = run_module(module, args)
    sent = emulator.log()
    if sent:
        emulator.clear_log()
    msg = result.get("msg", "")
    assert code not in (0, None) and result.get("failed") is True, "accepted invalid input %r -> %r" % (args, result)
    assert names_field(msg, expected), "message %r names none of %r (args %r)" % (msg, expected, args)
    assert not sent, "invalid input %r reached the emulator: %r (msg %r)" % (args, sent, msg)
    assert "Traceback" not in msg and "exception" not in result, result
    assert TOKEN not in json.dumps(result), "the access token is in the result: %r" % result
    assert_token_not_printed(args.get("access_token"), result)
    for entry in result.get("validation_errors") or []:
        assert set(entry) == {"path", "message"}, entry
    return result


def assert_token_not_printed(token, result):
    """Neither the token nor Ansible's mask of it (``********``) is in the result.

    Ansible masks a no_log value wherever it appears whole, so a module that prints the token shows
    ``********``: the mask is the evidence. A blank token (" ", a tab) is masked in every message
    that has a blank, so for those the mask proves nothing; the generated broken tokens all start
    with ``zqx-bad-``, which no message may contain in any form (raw, repr, escaped).
    """
    text = own_output(result)
    if isinstance(token, str) and token.strip():
        assert "********" not in text, "the module tried to print the access token: %r" % result.get("msg")
    if isinstance(token, str) and token.startswith(BROKEN_TOKEN_HEAD):
        assert BROKEN_TOKEN_HEAD not in json.dumps(result), "the broken access token is in the result: %r" % result


def own_output(result):
    """The result without ``invocation`` (Ansible's echo of the module arguments) as text."""
    return json.dumps(dict((k, v) for k, v in result.items() if k != "invocation"))


def path(*alternatives):
    """Expected-field alternatives: each a str (one substring) or a tuple of substrings."""
    return [a if isinstance(a, tuple) else (a,) for a in alternatives]


# Reproducible (derandomized) and without shrinking: a failure prints the generated arguments as
# they are, the same on every run, and the run stays short.
SETTINGS = dict(deadline=None, database=None, derandomize=True, phases=(Phase.explicit, Phase.reuse, Phase.generate),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much])


def run_property(emulator, module, build, examples):
    """Run ``build`` (a strategy of ``(args, expected)``) for ``examples`` generated argument sets."""
    seen = []

    @settings(max_examples=examples, **SETTINGS)
    @given(build)
    def prop(case):
        args, expected = case
        seen.append(1)
        check_rejected(emulator, module, args, expected)

    prop()
    return len(seen)


# ---------------------------------------------------------------------------------------------
# Building blocks

LOWER = string.ascii_lowercase
BOOLEANS = {"y", "yes", "on", "1", "true", "t", "n", "no", "off", "0", "false", "f"}
# Any text but NUL: ansible-core refuses arguments with a NUL character itself, before the module
# runs (2.21: "Failed to log to syslog (embedded null character)"), so no module can name the field.
NO_NUL = st.characters(exclude_characters="\x00", exclude_categories=("Cs",))  # as st.text(), minus NUL


def any_text(**kwargs):
    return st.text(alphabet=NO_NUL, **kwargs)


names = st.text(alphabet=LOWER + "_", min_size=3, max_size=12).filter(lambda s: s[0] != "_")


def valid_email(draw):
    local = draw(st.text(alphabet=LOWER + string.digits + "._+-", min_size=1, max_size=12).filter(lambda s: s[0] not in "."))
    domain = draw(st.text(alphabet=LOWER + string.digits, min_size=1, max_size=10))
    tld = draw(st.sampled_from(["com", "org", "co", "io", "example"]))
    return "%s@%s.%s" % (local, domain, tld)


def not_a_boolean():
    return st.text(alphabet=LOWER + string.digits + " -", min_size=1, max_size=8).filter(
        lambda s: s.strip().lower() not in BOOLEANS and s.strip() != "")


def not_an_int_string():
    return st.text(alphabet=LOWER + " ,.-/", min_size=1, max_size=8).filter(lambda s: s.strip() not in ("", "-"))


# Strings that are not HubSpot ids: something other than ASCII digits in them (or empty).
non_numeric_ids = st.one_of(
    st.just(""),
    any_text(min_size=1, max_size=12).filter(lambda s: not re.fullmatch(r"[0-9]+\n?", s)),
    st.sampled_from(["abc", "-1", "1.5", "1e3", "0x1F", " 12", "12 ", "\u0661\u0662\u0663", "\uff11\uff12", "12a", "+7"]),
)


@st.composite
def bad_timestamp(draw):
    return draw(st.one_of(
        st.integers(max_value=-1),
        st.integers(min_value=MAX_EPOCH_MS + 1, max_value=2 ** 63),
        st.booleans(),
        st.lists(st.integers(), max_size=2),
        st.dictionaries(names, st.integers(), min_size=1, max_size=2),
        st.just(""),
        any_text(min_size=1, max_size=16).filter(lambda s: any(c not in "0123456789-:.TtZz+ " for c in s)),
        st.integers(min_value=10 ** 15, max_value=10 ** 30).map(str),  # more than 15 digits
        st.integers(min_value=0, max_value=10 ** 11 - 1),  # epoch seconds, or a date before 1973
        st.integers(min_value=10 ** 11, max_value=10 ** 11 - 1 + 10 ** 10).map(lambda n: str(n // 1000)),
        st.sampled_from(["2999-01-01T00:00:00Z", "9999-12-31T23:59:59Z"]),  # more than a day ahead
        st.sampled_from(["2024-13-01T00:00:00Z", "2024-02-30T10:00:00Z", "2023-02-29T00:00:00Z",
                         "2024-06-04T25:00:00Z", "2024-06-04T10:61:00Z", "2024-06-04T10:00:00+24:00",
                         "2024-06-04", "10:00:00", "2024-06-04T10:00:00", "June 4, 2024"]),
    ))


@st.composite
def bad_email(draw):
    good = valid_email(draw)
    local, domain = good.split("@")
    return draw(st.sampled_from([
        "",
        local,                                  # no @
        domain,
        "%s@@%s" % (local, domain),
        "%s@%s@%s" % (local, local, domain),
        "@%s" % domain,                         # no local part
        "%s@" % local,
        "%s@%s" % (local, domain.split(".")[0]),  # no dot in the domain
        "%s @%s" % (local, domain),
        "%s@%s " % (local, domain),
        " %s@%s" % (local, domain),
        "%s\t@%s" % (local, domain),
        "%s\u00a0@%s" % (local, domain),        # unicode whitespace
        "%s\uff20%s" % (local, domain),          # fullwidth @ is not @
        "%s@%s" % ("a" * 250, domain),          # longer than 254
    ]))


@st.composite
def bad_contact_id(draw):
    return draw(st.one_of(
        st.integers(max_value=0),
        st.integers(min_value=2 ** 63, max_value=2 ** 70),
        st.booleans(),
        st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer()),
        st.lists(st.integers(min_value=1), min_size=1, max_size=2),
        st.dictionaries(names, st.integers(), min_size=1, max_size=2),
        non_numeric_ids,
        st.sampled_from(["0", "00", "01", "007", "-5", "1" * 20]),
    ))


@st.composite
def valid_contact(draw, state, by):
    contact = {}
    if by == "id":
        contact["id"] = draw(st.one_of(st.integers(min_value=1, max_value=10 ** 12),
                                       st.integers(min_value=1, max_value=10 ** 12).map(str)))
    else:
        contact["email"] = valid_email(draw)
        if draw(st.booleans()):
            contact["contact_properties"] = draw(st.dictionaries(names, any_text(max_size=10), max_size=3))
    if draw(st.booleans()):
        # Epoch milliseconds from 1973 (below that is taken for seconds) to the test's fixed past.
        contact["occurred_at"] = draw(st.one_of(st.integers(min_value=10 ** 11, max_value=1717495200000),
                                                st.just("2024-06-04T10:00:00Z"), st.just("1717495200000")))
    if state == "attended":
        contact["joined_at"] = "2024-06-04T10:00:00Z"
        contact["left_at"] = draw(st.sampled_from([1717498800000, "1717495201000", "2024-06-04T10:00:01.000+00:00"]))
    return contact


@st.composite
def valid_attendance_args(draw):
    state = draw(st.sampled_from(["registered", "attended", "cancelled"]))
    count = draw(st.integers(min_value=1, max_value=6))
    contacts, keys = [], set()
    for dummy in range(count):
        contact = draw(valid_contact(state, draw(st.sampled_from(["id", "email"]))))
        key = ("id", int(contact["id"])) if "id" in contact else ("email", contact["email"].lower())
        if key not in keys:
            keys.add(key)
            contacts.append(contact)
    args = {"access_token": TOKEN, "state": state, "contacts": contacts, "max_retries": 0, "timeout": 5}
    if draw(st.booleans()):
        args["event_id"] = EVENT_ID
    else:
        args["external_event_id"] = draw(st.sampled_from(["webinar-1", "ev 2", "ev/3"]))
        args["external_account_id"] = "acc-1"
    for option, values in (("force", st.booleans()), ("allow_partial", st.booleans()),
                           ("batch_size", st.integers(min_value=1, max_value=100))):
        if draw(st.booleans()):
            args[option] = draw(values)
    return args


# ---------------------------------------------------------------------------------------------
# Mutations shared by both modules: each changes ``args`` in place and returns the expected field.


def mutate_access_token(draw, args):
    kind = draw(st.sampled_from(["missing", "empty", "space", "control"]))
    if kind == "missing":
        args.pop("access_token", None)
    elif kind == "empty":
        args["access_token"] = draw(st.sampled_from(["", " ", "\t"]))
    else:
        bad = draw(st.sampled_from([" ", "\t", "\n", "\r", "\u00a0", "\u2028"] if kind == "space"
                                   else ["\x00", "\x01", "\x1b", "\x7f"]))
        head = draw(st.text(alphabet=string.ascii_letters + string.digits + "-", min_size=0, max_size=20))
        args["access_token"] = BROKEN_TOKEN_HEAD + head + bad + "tail"
    return path("access_token")


def mutate_access_token_latin1(draw, args):
    """Not ASCII, but Latin-1: the client's check says ASCII only."""
    head = draw(st.text(alphabet=string.ascii_letters, min_size=0, max_size=10))
    args["access_token"] = BROKEN_TOKEN_HEAD + head + draw(st.characters(min_codepoint=0xa1, max_codepoint=0xff)) + "tail"
    return path("access_token")


def mutate_base_url(draw, args, emulator_url):
    hostport = emulator_url.split("://", 1)[1]
    secret = "pw%d" % draw(st.integers(min_value=1000, max_value=9999))
    url = draw(st.sampled_from([
        "ftp://%s" % hostport, "file:///etc/passwd", "ws://%s" % hostport, "javascript:alert(1)",
        "gopher://%s" % hostport, "%s" % hostport, "//%s" % hostport, "",
        "http://user:%s@%s" % (secret, hostport), "https://user@%s" % hostport, "http://:%s@%s" % (secret, hostport),
        "http://%s/?hapikey=%s" % (hostport, secret), "http://%s#frag" % hostport, "http://", "https:///x",
        "http://%s:99999" % hostport.split(":")[0], "http://%s:port" % hostport.split(":")[0],
    ]))
    args["base_url"] = url
    return path("base_url")


def mutate_timeout(draw, args):
    args["timeout"] = draw(st.one_of(
        st.floats(max_value=0, allow_nan=False), st.floats(min_value=600.0001, allow_nan=False),
        st.just(float("nan")), st.just(float("inf")), not_an_int_string()))
    return path("timeout")


def mutate_max_retries(draw, args):
    args["max_retries"] = draw(st.one_of(
        st.integers(max_value=-1), st.integers(min_value=21, max_value=10 ** 6),
        st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer()), not_an_int_string()))
    return path("max_retries")


def mutate_validate_certs(draw, args):
    args["validate_certs"] = draw(not_a_boolean())
    return path("validate_certs")


def mutate_unknown_option(draw, args, known):
    name = draw(names.filter(lambda n: n not in known and not n.startswith("ansible")))
    args[name] = draw(st.one_of(st.integers(), any_text(max_size=5), st.booleans()))
    return path(name)


def mutate_event(draw, args, non_numeric_event_id=False, long_external_id=None):
    """Broken event identification (shared by both modules)."""
    for key in ("event_id", "external_event_id", "external_account_id"):
        args.pop(key, None)
    if non_numeric_event_id:
        args["event_id"] = draw(non_numeric_ids)
        return path("event_id")
    kinds = ["id_and_ext_event", "id_and_ext_account", "ext_event_only", "ext_account_only", "blank_ext", "all_three"]
    if long_external_id is not None:
        kinds = ["long_ext"] if long_external_id else kinds
    else:
        kinds.append("long_ext")
    kind = draw(st.sampled_from(kinds))
    if kind == "id_and_ext_event":
        args.update(event_id=EVENT_ID, external_event_id="ev")
        return path(("event_id", "external_event_id"))
    if kind == "id_and_ext_account":
        args.update(event_id=EVENT_ID, external_account_id="acc")
        return path(("event_id", "external_account_id"))
    if kind == "all_three":
        args.update(event_id=EVENT_ID, external_event_id="ev", external_account_id="acc")
        return path(("event_id", "external_"))
    if kind == "ext_event_only":
        args["external_event_id"] = "ev"
        return path(("external_event_id", "external_account_id"))
    if kind == "ext_account_only":
        args["external_account_id"] = "acc"
        return path("external_account_id", "external_event_id")
    field = draw(st.sampled_from(["external_event_id", "external_account_id"]))
    args.update(external_event_id="ev", external_account_id="acc")
    args[field] = draw(st.sampled_from(["", " ", "\t", "  \n"])) if kind == "blank_ext" else "x" * draw(
        st.integers(min_value=1025, max_value=5000))
    return path(field)


# ---------------------------------------------------------------------------------------------
# marketing_event_attendance


ATTENDANCE_OPTIONS = set(attendance_module.argument_spec())
CONTACT_KEYS = {"id", "email", "occurred_at", "joined_at", "left_at", "contact_properties"}


def _index(draw, args):
    if not isinstance(args.get("contacts"), list) or not args["contacts"]:
        args["contacts"] = [{"id": 1}]  # an earlier mutation (in a combined case) removed the list
    return draw(st.integers(min_value=0, max_value=len(args["contacts"]) - 1))


def mutate_contact_field(draw, args):
    state = args.get("state")
    i = _index(draw, args)
    contacts = args["contacts"]
    here = "contacts[%d]" % i
    kind = draw(st.sampled_from(["id", "email", "both", "neither", "occurred_at", "times", "contact_properties",
                                 "unknown_key", "duplicate"]))
    if kind == "id":
        contacts[i] = {"id": draw(bad_contact_id())}
        return path(here + ".id")
    if kind == "email":
        contacts[i] = {"email": draw(bad_email())}
        return path(here + ".email")
    if kind == "both":
        contacts[i] = {"id": 5, "email": "both@example.com"}
        return path(here)
    if kind == "neither":
        contacts[i] = draw(st.sampled_from([{}, {"occurred_at": 1}, {"id": None, "email": None}]))
        return path(here)
    if kind == "occurred_at":
        contacts[i] = dict(contacts[i], occurred_at=draw(bad_timestamp()))
        return path(here + ".occurred_at")
    if kind == "times":
        if state == "attended":
            which = draw(st.sampled_from(["bad_time", "missing", "not_after_join", "under_a_second"]))
            key = draw(st.sampled_from(["joined_at", "left_at"]))
            if which == "bad_time":
                contacts[i] = dict(contacts[i], **{key: draw(bad_timestamp())})
                return path(here + "." + key)
            if which == "missing":
                contacts[i] = dict((k, v) for k, v in contacts[i].items() if k != key)
                return path(here + "." + key)
            joined = 1717495200000
            left = joined - draw(st.integers(0, 10 ** 6)) if which == "not_after_join" else joined + draw(st.integers(1, 999))
            contacts[i] = dict(contacts[i], joined_at=joined, left_at=left)
            return path(here + ".left_at")
        contacts[i] = dict(contacts[i], **{draw(st.sampled_from(["joined_at", "left_at"])): "2024-06-04T10:00:00Z"})
        return path(here + ".joined_at", here + ".left_at")
    if kind == "contact_properties":
        which = draw(st.sampled_from(["on_id", "bad_value", "empty_name", "too_many", "long_name", "not_a_dict"]))
        if which == "on_id":
            contacts[i] = {"id": 7, "contact_properties": {"firstname": "A"}}
            return path(here + ".contact_properties")
        contacts[i] = {"email": "cp%d@example.com" % i}
        if which == "bad_value":
            contacts[i]["contact_properties"] = {"firstname": draw(st.one_of(
                st.none(), st.lists(st.integers(), max_size=2), st.dictionaries(names, st.integers(), max_size=2)))}
            return path(here + ".contact_properties.firstname")
        if which == "empty_name":
            contacts[i]["contact_properties"] = {"": "x"}
        elif which == "too_many":
            contacts[i]["contact_properties"] = dict(("p%d" % n, "v") for n in range(draw(st.integers(201, 260))))
        elif which == "long_name":
            contacts[i]["contact_properties"] = {"p" * draw(st.integers(257, 400)): "v"}
        else:
            contacts[i]["contact_properties"] = draw(st.sampled_from([["firstname"], 5, "firstname"]))
            return path(here + ".contact_properties", ("contact_properties", "contacts"))
        return path(here + ".contact_properties")
    if kind == "unknown_key":
        key = draw(names.filter(lambda n: n not in CONTACT_KEYS))
        contacts[i] = dict(contacts[i], **{key: draw(st.one_of(st.integers(), any_text(max_size=5)))})
        return path("contacts[%d].%s" % (i, key))
    # duplicate: the same contact again, as another spelling, at the end
    original = contacts[i]
    j = len(contacts)
    if "id" in original and not isinstance(original["id"], bool):
        twin = draw(st.sampled_from([int(original["id"]), str(int(original["id"]))]))
        contacts.append({"id": twin})
        return path("contacts[%d].id" % j)
    email = original.get("email", "dup@example.com")
    if "email" not in original:
        contacts[i] = {"email": email}
    contacts.append({"email": draw(st.sampled_from([email, email.upper(), email.swapcase(), email.title()]))})
    return path("contacts[%d].email" % j)


def mutate_contacts_container(draw, args):
    kind = draw(st.sampled_from(["missing", "dict", "dict_of_lists"]))
    if kind == "missing":
        args.pop("contacts", None)
    elif kind == "dict":
        args["contacts"] = {"id": draw(st.integers(min_value=1))}
    else:
        args["contacts"] = {"email": ["a@example.com"]}
    return path("contacts")


def mutate_contacts_non_dict_element(draw, args):
    """``contacts`` (or one of its items) is not a dict: a number, a list, null, a boolean or a plain string.

    Two defects show here: ansible-core 2.16 and 2.19 return the access token unmasked in
    ``invocation.module_args`` when this sub-spec check fails, and for a string item the
    message (``dictionary requested, could not parse JSON or key=value``) names no field.
    """
    kind = draw(st.sampled_from(["number", "element_number", "element_list", "element_none", "element_bool",
                                 "element_string"]))
    if kind == "number":
        args["contacts"] = draw(st.one_of(st.integers(), st.floats(allow_nan=False)))
        return path("contacts")
    bad = {"element_number": draw(st.integers()), "element_list": [1, 2], "element_none": None,
           "element_bool": draw(st.booleans()),
           # no '=' and no JSON, so Ansible cannot make a dict of it
           "element_string": draw(st.text(alphabet=LOWER + " ", min_size=1, max_size=10))}[kind]
    args["contacts"].insert(_index(draw, args), bad)
    return path("contacts")


def mutate_attendance_options(draw, args):
    kind = draw(st.sampled_from(["state", "state_missing", "batch_size", "batch_size_type", "force", "allow_partial",
                                 "unknown"]))
    if kind == "state":
        args["state"] = draw(st.one_of(
            st.sampled_from(["Registered", "ATTENDED", "register", "attend", "cancel", "canceled", "no_show", "",
                             "registered ", "absent"]),
            names.filter(lambda n: n not in ("registered", "attended", "cancelled"))))
        return path("state")
    if kind == "state_missing":
        args.pop("state", None)
        return path("state")
    if kind == "batch_size":
        args["batch_size"] = draw(st.one_of(st.integers(max_value=0), st.integers(min_value=101)))
        return path("batch_size")
    if kind == "batch_size_type":
        args["batch_size"] = draw(not_an_int_string())
        return path("batch_size")
    if kind in ("force", "allow_partial"):
        args[kind] = draw(not_a_boolean())
        return path(kind)
    return mutate_unknown_option(draw, args, ATTENDANCE_OPTIONS)


def attendance_mutations(emulator_url, family):
    return {
        "auth": [mutate_access_token, lambda d, a: mutate_base_url(d, a, emulator_url), mutate_timeout,
                 mutate_max_retries, mutate_validate_certs],
        "event": [mutate_event, lambda d, a: mutate_event(d, a, non_numeric_event_id=True)],
        "options": [mutate_attendance_options],
        "contacts_container": [mutate_contacts_container],
        "contact_fields": [mutate_contact_field],
        "contacts_non_dict_element_bug": [mutate_contacts_non_dict_element],
        "access_token_latin1_bug": [mutate_access_token_latin1],
    }[family]


@st.composite
def invalid_args(draw, valid, mutations, max_mutations=1):
    """A valid argument set with 1..max_mutations mutations; ``expected`` joins their fields."""
    args = draw(valid)
    expected = []
    for dummy in range(draw(st.integers(min_value=1, max_value=max_mutations))):
        mutation = draw(st.sampled_from(mutations))
        expected.extend(mutation(draw, args))
    return args, expected


# (family, examples): 900 here plus 150 combined for the families that must pass, plus the
# known-bug families: over 1,000 invalid argument sets per module.
ATTENDANCE_FAMILIES = [
    ("auth", 220),
    ("event", 130),
    ("options", 170),
    ("contacts_container", 50),
    ("contact_fields", 330),
    ("contacts_non_dict_element_bug", 100),
    ("access_token_latin1_bug", 50),
]
COMBINED = ["auth", "event", "options", "contacts_container", "contact_fields"]


def assert_rejected(emulator, module, valid, mutations, examples, max_mutations=1):
    """``examples`` argument sets (``valid`` pointed at the emulator, then mutated) are all rejected; at least 90 % get generated."""
    valid = valid.map(lambda args: dict(args, base_url=emulator.url))
    assert run_property(emulator, module, invalid_args(valid, mutations, max_mutations), examples) >= examples * 0.9


# ---------------------------------------------------------------------------------------------
# marketing_event_participation_info

INFO_OPTIONS = set(info_module.ARGUMENT_SPEC)


@st.composite
def valid_info_args(draw):
    args = {"access_token": TOKEN, "max_retries": 0, "timeout": 5}
    target = draw(st.sampled_from(["event", "external", "contact", "contact_in_event"]))
    if target in ("event", "contact_in_event"):
        args["event_id"] = EVENT_ID
    if target == "external":
        args.update(external_event_id="ev-1", external_account_id="acc-1")
    if target.startswith("contact"):
        args["contact"] = draw(st.one_of(st.integers(1, 10 ** 9).map(str), st.just("jane@example.com")))
    if target != "contact" and draw(st.booleans()):
        args["counters"] = True
    for option, values in (("state", st.sampled_from(["registered", "attended", "cancelled", "no_show"])),
                           ("limit", st.integers(1, 10 ** 6)), ("page_size", st.integers(1, 100))):
        if draw(st.booleans()):
            args[option] = draw(values)
    return args


def mutate_info_contact(draw, args):
    args["contact"] = draw(st.sampled_from(["", " ", "\t", "  \n "]))
    return path("contact")


def mutate_info_contact_not_an_identifier(draw, args):
    """Neither an email nor a contact id (``abc``, ``-5``, ``1.5``, ``12 34``)."""
    args["contact"] = draw(st.one_of(
        st.sampled_from(["abc", "-5", "1.5", "1e3", "0x1F", "12 34", "\u0661\u0662", "jane.example.com", "0"]),
        st.text(alphabet=LOWER + "-_.", min_size=1, max_size=12).filter(lambda s: s.strip(".") != "")))
    return path("contact")


def mutate_info_options(draw, args):
    kind = draw(st.sampled_from(["state", "limit", "limit_type", "page_size", "counters_without_event", "counters_type",
                                 "nothing_to_read", "unknown"]))
    if kind == "state":
        args["state"] = draw(st.one_of(
            st.sampled_from(["REGISTERED", "Attended", "noshow", "no-show", "NO_SHOW", "canceled", "empty", ""]),
            names.filter(lambda n: n not in ("registered", "attended", "cancelled", "no_show"))))
        return path("state")
    if kind == "limit":
        args["limit"] = draw(st.integers(max_value=0))
        return path("limit")
    if kind == "limit_type":
        args["limit"] = draw(not_an_int_string())
        return path("limit")
    if kind == "page_size":
        args["page_size"] = draw(st.one_of(st.integers(max_value=0), st.integers(min_value=101)))
        return path("page_size")
    if kind == "counters_without_event":
        for key in ("event_id", "external_event_id", "external_account_id"):
            args.pop(key, None)
        args.update(contact="jane@example.com", counters=True)
        return path("counters")
    if kind == "counters_type":
        args["counters"] = draw(not_a_boolean())
        return path("counters")
    if kind == "nothing_to_read":
        for key in ("event_id", "external_event_id", "external_account_id", "contact"):
            args.pop(key, None)
        args.pop("counters", None)
        return path(("contact", "event_id"))
    return mutate_unknown_option(draw, args, INFO_OPTIONS)


def info_mutations(emulator_url, family):
    return {
        "auth": [mutate_access_token, lambda d, a: mutate_base_url(d, a, emulator_url), mutate_timeout,
                 mutate_max_retries, mutate_validate_certs],
        "event": [lambda d, a: mutate_event(d, a, long_external_id=False)],
        "external_id_too_long_bug": [lambda d, a: mutate_event(d, a, long_external_id=True)],
        "contact": [mutate_info_contact],
        "options": [mutate_info_options],
        "event_id_not_numeric_bug": [lambda d, a: mutate_event(d, a, non_numeric_event_id=True)],
        "contact_not_an_identifier_bug": [mutate_info_contact_not_an_identifier],
        "access_token_latin1_bug": [mutate_access_token_latin1],
    }[family]


INFO_FAMILIES = [
    ("auth", 250),
    ("event", 200),
    ("contact", 50),
    ("options", 250),
    ("event_id_not_numeric_bug", 100),
    ("external_id_too_long_bug", 30),
    ("contact_not_an_identifier_bug", 100),
    ("access_token_latin1_bug", 50),
]
INFO_COMBINED = ["auth", "event", "contact", "options"]


# ---------------------------------------------------------------------------------------------
# The property tests, one family for both modules (test ids: ``<module>-<family>``, ``<module>``)

# module, its valid argument sets (a strategy), its mutations by family name, (family, examples), the
# families mixed in the combined test, and the arguments (beyond token, URL, event and retries) of the
# valid set that must reach the emulator.
Subject = namedtuple("Subject", "module valid mutations families combined reaching")
SUBJECTS = {
    "attendance": Subject(attendance_module, valid_attendance_args, attendance_mutations, ATTENDANCE_FAMILIES, COMBINED,
                          {"state": "registered", "contacts": [{"id": 1}]}),
    "info": Subject(info_module, valid_info_args, info_mutations, INFO_FAMILIES, INFO_COMBINED, {}),
}
FAMILY_CASES = [(name, family, examples) for name, subject in SUBJECTS.items() for family, examples in subject.families]


@pytest.mark.parametrize("name, family, examples", FAMILY_CASES, ids=["%s-%s" % (n, f) for n, f, e in FAMILY_CASES])
def test_rejects_invalid_input(emulator, name, family, examples):
    subject = SUBJECTS[name]
    assert_rejected(emulator, subject.module, subject.valid(), subject.mutations(emulator.url, family), examples)


@pytest.mark.parametrize("name", list(SUBJECTS))
def test_rejects_combined_invalid_input(emulator, name):
    """2 to 4 mutations from any family: still a clean failure naming at least one of the fields."""
    subject = SUBJECTS[name]
    mutations = [m for family in subject.combined for m in subject.mutations(emulator.url, family)]
    assert_rejected(emulator, subject.module, subject.valid(), mutations, 150, max_mutations=4)


@pytest.mark.parametrize("name", list(SUBJECTS))
def test_valid_args_reach_the_emulator(emulator, name):
    """Guard against a vacuous oracle: the same base arguments, unmutated, do send requests."""
    subject = SUBJECTS[name]
    args = dict(subject.reaching, access_token=TOKEN, base_url=emulator.url, event_id=EVENT_ID, max_retries=0)
    code, result = run_module(subject.module, args)
    assert code == 1 and "404" in result["msg"], result
    assert emulator.log(), "the valid argument set sent nothing"
    emulator.clear_log()


# ---------------------------------------------------------------------------------------------
# Oversized input, unicode and case variants, non-numeric ids, unusable base URLs (deterministic)


def _attendance(emulator, **kwargs):
    args = dict(access_token=TOKEN, base_url=emulator.url, event_id=EVENT_ID, state="registered", max_retries=0)
    args.update(kwargs)
    return args


def test_more_than_100000_contacts_is_refused_without_a_request(emulator):
    contacts = [{"id": n} for n in range(1, 100002)]
    result = check_rejected(emulator, attendance_module, _attendance(emulator, contacts=contacts), path("contacts"))
    assert "at most 100000" in result["msg"]
    assert len(result["msg"]) < 2000


def test_the_last_of_10000_contacts_is_named_exactly(emulator):
    contacts = [{"id": n} for n in range(1, 10000)] + [{"email": "not-an-email"}]
    result = check_rejected(emulator, attendance_module, _attendance(emulator, contacts=contacts),
                            path("contacts[9999].email"))
    assert [e["path"] for e in result["validation_errors"]] == ["contacts[9999].email"]


@pytest.mark.parametrize("field", ["firstname", "company"])
def test_a_1mb_contact_property_is_refused_and_not_echoed(emulator, field):
    big = "x" * (1024 * 1024)
    contacts = [{"email": "big@example.com", "contact_properties": {field: big}}]
    result = check_rejected(emulator, attendance_module, _attendance(emulator, contacts=contacts),
                            path("contacts[0].contact_properties.%s" % field))
    assert "at most 65536" in result["msg"]
    assert len(own_output(result)) < 10000, "the 1 MB value was echoed"


def test_a_1mb_email_and_occurred_at_are_refused_and_not_echoed(emulator):
    big = "a" * (1024 * 1024)
    contacts = [{"email": big + "@example.com"}, {"id": 5, "occurred_at": "9" * (1024 * 1024)}]
    result = check_rejected(emulator, attendance_module, _attendance(emulator, contacts=contacts),
                            path("contacts[0].email"))
    assert "contacts[1].occurred_at" in result["msg"]
    assert len(own_output(result)) < 10000, "a 1 MB value was echoed"


def test_email_case_and_unicode_variants(emulator):
    contacts = [
        {"email": "Jane.Doe@Example.COM"},
        {"email": "jane.doe@example.com"},   # the same contact, another case
        {"email": "JANE.DOE@EXAMPLE.COM"},   # again
        {"email": "j\u00f6rg@b\u00fccher.example"},   # unicode: a valid address
        {"email": "J\u00d6RG@B\u00dcCHER.EXAMPLE"},   # its upper case
        {"email": "jane\uff20example.com"},  # fullwidth @
        {"email": "jane\u00a0doe@example.com"},  # no-break space
    ]
    result = check_rejected(emulator, attendance_module, _attendance(emulator, contacts=contacts),
                            path("contacts[1].email"))
    got = dict((e["path"], e["message"]) for e in result["validation_errors"])
    assert set(got) == {"contacts[1].email", "contacts[2].email", "contacts[4].email", "contacts[5].email",
                        "contacts[6].email"}, got
    assert "duplicate of contacts[0]" in got["contacts[1].email"]
    assert "duplicate of contacts[0]" in got["contacts[2].email"]
    assert "duplicate of contacts[3]" in got["contacts[4].email"]


@pytest.mark.parametrize("bad", ["abc", "12a", "1.5", "-3", "0x10", "1e3", "\u0661\u0662", "", " 7"])
def test_attendance_ids_that_are_not_numbers(emulator, bad):
    result = check_rejected(emulator, attendance_module, _attendance(emulator, contacts=[{"id": 1}, {"id": bad}]),
                            path("contacts[1].id"))
    assert result["validation_errors"][0]["path"] == "contacts[1].id"
    check_rejected(emulator, attendance_module, _attendance(emulator, event_id=bad, contacts=[{"id": 1}]),
                   path("event_id"))


@pytest.mark.parametrize("bad", ["abc", "12a", "1.5", "-3", "\u0661\u0662"])
def test_info_event_id_that_is_not_a_number(emulator, bad):
    """Bug while it fails: the info module sends GET .../participations/<bad>/breakdown."""
    check_rejected(emulator, info_module, dict(access_token=TOKEN, base_url=emulator.url, event_id=bad), path("event_id"))


@pytest.mark.parametrize("url, secret", [
    ("ftp://127.0.0.1:1/", None),
    ("file:///etc/hosts", None),
    ("http://admin:s3cr3t-pw@127.0.0.1:1", "s3cr3t-pw"),
    ("https://pat-na1-in-the-url@api.hubapi.com", "pat-na1-in-the-url"),
    ("https://api.hubapi.com/?hapikey=k3y-in-query", "k3y-in-query"),
])
@pytest.mark.parametrize("module", [attendance_module, info_module], ids=["attendance", "info"])
def test_unusable_base_url_is_refused_without_echoing_credentials(emulator, module, url, secret):
    if module is attendance_module:
        args = _attendance(emulator, base_url=url, contacts=[{"id": 1}])
    else:
        args = dict(access_token=TOKEN, base_url=url, event_id=EVENT_ID)
    result = check_rejected(emulator, module, args, path("base_url"))
    if secret:
        assert secret not in own_output(result), result["msg"]
