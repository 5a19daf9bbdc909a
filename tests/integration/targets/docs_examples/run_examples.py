# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Run every documented example of the collection against a private HubSpot emulator.

The examples are taken as users see them: ``ansible-doc --json`` for every module, lookup and
filter of hubspot.marketing, the YAML blocks of each role's README.md, and the plays and task lists
of the collection's README.md and guides (docs/docsite/rst) that use the collection's content
(blocks for other services, such as AWX's own modules or HubSpot's OAuth endpoint, are left out).
They run as written; only what points at HubSpot is replaced, through the table ``SUBSTITUTIONS``
below and the variables of ``EXAMPLE_VARS``, and the guides' job-template plays get the variables
AWX would give them at launch (``LAUNCH_VARS``):

- the API address ``https://api.hubapi.com`` (and HUBSPOT_BASE_URL) -> the emulator;
- the token variables the examples use (``vault_hubspot_access_token``) and HUBSPOT_ACCESS_TOKEN
  -> the emulator's token;
- the documented event and contact ids -> ids of events and contacts seeded in the emulator (which
  assigns its own ids). Events given by external ids are seeded with exactly the documented ids.

Each example runs twice, as the guides advise: first with ``--check``, which must exit 0 and send
no write (no request other than a GET reaches the emulator), then for real. An example passes when
both runs exit 0 and, when it uses a module, the lookup or a role of the collection, the emulator
saw at least one API request from the real run (so it really talked to the emulator, not to
HubSpot). Filter-only examples make no request. Input files the examples read (``attendees.csv``,
``cancellations.txt``, an export under ``exports/``) are written beside the playbooks, as a user
would have them.

Usage: python run_examples.py [--pages] [--keep]   (ansible-doc and ansible-playbook from PATH)

Without --pages: the plugins' EXAMPLES and the roles' READMEs (target docs_examples, every
ansible-core). With --pages: the README's and the guides' plays (target docs_pages, the primary
ansible-core only: they use the same plugins, and make test stays under its time budget).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import urllib.request

import yaml

COLLECTION = "hubspot.marketing"
PLUGIN_TYPES = ("module", "lookup", "filter")

# Documented value -> what it becomes. Keys of the seeded objects are filled in by ``seed()``.
EVENT_ID_PLACEHOLDER = "123456789"
# An event "another app created" (managing_events.rst): seeded under another app's account.
OTHER_EVENT_PLACEHOLDER = "58000123"
CONTACT_ID_PLACEHOLDERS = ("51", "52", "951", "952", "1001")
HUBSPOT_API = "https://api.hubapi.com"

# Events the examples name by external ids: seeded with exactly these ids.
EXTERNAL_EVENTS = [
    ("my-webinar-app", "webinar-2024-06"),
    ("my-webinar-app", "webinar-2026-03"),
    ("my-platform", "webinar-2026-03"),
    ("my-app-account", "webinar-2026-11"),
]

# Files the examples read, relative to the playbook directory.
INPUT_FILES = {
    "attendees.csv": (
        "email,contact_id,Status,joined_at,left_at\n"
        "jane@example.com,,attended,2024-06-04T10:00:00Z,2024-06-04T11:00:00Z\n"
        "john@example.com,,registered,,\n"
    ),
    "cancellations.txt": "ann@example.com\nbob@example.com\n\n",
    "exports/webinar-2026-03.csv": (
        "Email,contact_id,Attendance,Join Time,Leave Time\n"
        "jane@example.com,,attended,2026-03-10T10:00:00Z,2026-03-10T11:00:00Z\n"
        "john@example.com,,registered,,\n"
        "max@example.com,,no-show,,\n"
    ),
    # awx.rst's job template reads the export with the role's default column names.
    "exports/webinar-2026-03-default-columns.csv": (
        "email,contact_id,status,joined_at,left_at\n"
        "jane@example.com,,attended,2026-03-10T10:00:00Z,2026-03-10T11:00:00Z\n"
        "john@example.com,,registered,,\n"
    ),
    "exports/webinar.csv": (
        "Email,First Name,Attendance,Join Time,Leave Time\n"
        "jane@example.com,Jane,attended,2026-03-10T10:00:00Z,2026-03-10T11:00:00Z\n"
        "john@example.com,John,registered,,\n"
        "max@example.com,Max,no-show,,\n"
    ),
}

# The documentation pages whose plays and task lists run, relative to the collection root.
DOC_PAGES = ("README.md", "docs/docsite/rst")

# Variables a guide's play expects from outside (AWX extra vars and survey answers), by the name of
# its first play or task: one run per set. They pass through ``substitute`` like the examples.
JANE_ATTENDED = {"email": "jane@example.com", "joined_at": "2026-03-10T10:00:00Z", "left_at": "2026-03-10T11:00:00Z"}
LAUNCH_VARS = {
    "Sync webinar attendance": [{"event_id": EVENT_ID_PLACEHOLDER, "attendees": [JANE_ATTENDED]}],
    # awx.rst: launched with the survey's file, then with an empty file and the Variables it shows.
    "Sync a webinar's attendee export to HubSpot": [
        {"external_event_id": "webinar-2026-03", "export_file": "webinar-2026-03-default-columns.csv"},
        {"external_event_id": "webinar-2026-03", "export_file": "",
         "attendees": [dict(JANE_ATTENDED, status="attended"), {"email": "john@example.com", "status": "registered"}]},
    ],
    "The webinar exists, with these details": [{"registrations": [{"email": "jane@example.com"}, {"email": "john@example.com"}]}],
}


def emulator_dir(start):
    """tests/emulator of the collection, found by walking up from ``start`` or along ANSIBLE_COLLECTIONS_PATH."""
    here = os.path.abspath(start)
    while here != os.path.dirname(here):
        candidate = os.path.join(here, "tests", "emulator")
        if os.path.isfile(os.path.join(candidate, "hubspot_emulator.py")):
            return candidate
        here = os.path.dirname(here)
    for root in os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep):
        candidate = os.path.join(root, "ansible_collections", "hubspot", "marketing", "tests", "emulator")
        if os.path.isfile(os.path.join(candidate, "hubspot_emulator.py")):
            return candidate
    raise SystemExit("docs_examples: cannot find tests/emulator/hubspot_emulator.py")


def call(url, method="GET", body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:  # nosec - the emulator on 127.0.0.1
        return json.loads(answer.read().decode() or "null")


def seed(url):
    """Seed the emulator; return the substitution table (documented value -> emulator value)."""
    # The events have no start or end time: an example that completes one must give them (in its --check run,
    # a task sees the event as HubSpot holds it, not with the times an earlier task of the example would set).
    events = [{"externalAccountId": account, "externalEventId": event, "eventName": "Docs example %s" % event}
              for account, event in EXTERNAL_EVENTS]
    for account, placeholder in (("docs-examples", EVENT_ID_PLACEHOLDER), ("another-app", OTHER_EVENT_PLACEHOLDER)):
        events.append({"externalAccountId": account, "externalEventId": "event-" + placeholder,
                       "eventName": "The event documented as %s" % placeholder})
    contacts = [{"email": "documented-contact-%s@example.com" % cid} for cid in CONTACT_ID_PLACEHOLDERS]
    participations = [
        {"externalAccountId": "my-webinar-app", "externalEventId": "webinar-2024-06", "email": "jane@example.com",
         "attendanceState": "REGISTERED"},
        {"externalAccountId": "docs-examples", "externalEventId": "event-" + EVENT_ID_PLACEHOLDER,
         "email": "jane@example.com", "attendanceState": "ATTENDED"},
        {"externalAccountId": "docs-examples", "externalEventId": "event-" + EVENT_ID_PLACEHOLDER,
         "email": "ann@example.com", "attendanceState": "REGISTERED"},
    ]
    answer = call(url + "/_emulator/seed", "POST", {"events": events, "contacts": contacts, "participations": participations})
    ids = dict((e["externalAccountId"], str(e["objectId"])) for e in answer["events"])
    by_email = dict((c["email"], str(c["id"])) for c in answer["contacts"])
    table = {EVENT_ID_PLACEHOLDER: ids["docs-examples"], OTHER_EVENT_PLACEHOLDER: ids["another-app"]}
    for cid in CONTACT_ID_PLACEHOLDERS:
        table[cid] = by_email["documented-contact-%s@example.com" % cid]
    return table


def substitute(node, table, emulator_url, key=None):
    """The example with the documented HubSpot address and ids replaced; nothing else changes.

    The event ids are distinctive and replaced wherever they appear (also inside templates); contact ids
    only as whole values of an ``id`` or ``contact`` key; the API address wherever it appears.
    """
    if isinstance(node, dict):
        return dict((k, substitute(v, table, emulator_url, k)) for k, v in node.items())
    if isinstance(node, list):
        return [substitute(v, table, emulator_url, key) for v in node]
    if isinstance(node, bool) or not isinstance(node, (str, int)):
        return node
    text = str(node)
    if key in ("id", "contact") and text in CONTACT_ID_PLACEHOLDERS:
        return table[text] if isinstance(node, str) else int(table[text])
    if isinstance(node, str):
        for placeholder in (EVENT_ID_PLACEHOLDER, OTHER_EVENT_PLACEHOLDER):
            node = node.replace(placeholder, table[placeholder])
        return node.replace(HUBSPOT_API, emulator_url)
    return node


def as_plays(example, name):
    """A list of plays: a task list (lookup and filter examples) runs in one play on localhost."""
    if isinstance(example, list) and example and all(isinstance(p, dict) and "hosts" in p for p in example):
        return example
    if isinstance(example, list) and all(isinstance(t, dict) for t in example):
        return [{"name": "Documented example of %s" % name, "hosts": "localhost", "gather_facts": False, "tasks": example}]
    raise ValueError("%s: EXAMPLES is neither a playbook nor a task list" % name)


def ansible_doc(*args):
    output = subprocess.run(["ansible-doc"] + list(args), check=True, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            universal_newlines=True).stdout
    return json.loads(output)


def plugin_names():
    """``{plugin type: sorted full names}`` of the collection's modules, lookups and filters, from ansible-doc."""
    found = {}
    for plugin_type in PLUGIN_TYPES:
        found[plugin_type] = sorted(ansible_doc("-t", plugin_type, "--list", "--json", COLLECTION))
        if not found[plugin_type]:
            raise SystemExit("docs_examples: ansible-doc lists no %s of %s" % (plugin_type, COLLECTION))
    return found


def plugin_examples(names_by_type):
    """(label, parsed EXAMPLES) of every module, lookup and filter of the collection, from ansible-doc
    (one call per plugin type)."""
    found = []
    for plugin_type, names in sorted(names_by_type.items()):
        docs = ansible_doc("-t", plugin_type, "--json", *names)
        for name in names:
            text = docs[name].get("examples") or ""
            if not text.strip():
                raise SystemExit("docs_examples: %s %s has no EXAMPLES" % (plugin_type, name))
            found.append(("%s %s" % (plugin_type, name), yaml.safe_load(text)))
    return found


def role_examples(collection_root):
    """(label, parsed block) of every YAML block of each role's README.md that is a play or a task list."""
    found = []
    roles = os.path.join(collection_root, "roles")
    for role in sorted(os.listdir(roles)):
        readme = os.path.join(roles, role, "README.md")
        if not os.path.isfile(readme):
            raise SystemExit("docs_examples: role %s has no README.md" % role)
        with open(readme) as handle:
            blocks = re.findall(r"^```ya?ml\n(.*?)^```", handle.read(), flags=re.S | re.M)
        count = 0
        for index, block in enumerate(blocks, 1):
            data = yaml.safe_load(block)
            if isinstance(data, list) and data and all(isinstance(p, dict) and ("hosts" in p or "name" in p) for p in data):
                found.append(("role %s.%s README block %d" % (COLLECTION, role, index), data))
                count += 1
        if not count:
            raise SystemExit("docs_examples: role %s: README.md has no example play" % role)
    return found


class _PageLoader(yaml.SafeLoader):
    """YAML as the guides show it: AWX's ``!unsafe`` marks a plain string."""


_PageLoader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


def _rst_yaml_blocks(text):
    """The bodies of the ``.. code-block:: yaml`` (or ``yaml+jinja``) directives of an rst page, dedented,
    without the directive's options (``:caption:`` and the like)."""
    lines = text.splitlines()
    blocks = []
    for number, line in enumerate(lines):
        match = re.match(r"^( *)\.\. code-block:: yaml(\+jinja)?\s*$", line)
        if not match:
            continue
        body = []
        for text_line in lines[number + 1:]:
            if text_line.strip() and len(text_line) - len(text_line.lstrip()) <= len(match.group(1)):
                break
            body.append(text_line)
        while body and body[0].strip().startswith(":"):  # the directive's options come right after it
            body.pop(0)
        indent = min(len(b) - len(b.lstrip()) for b in body if b.strip())
        blocks.append("\n".join(b[indent:] for b in body))
    return blocks


def page_examples(collection_root):
    """(label, parsed block) of every play or task list of the README and the guides that uses the collection."""
    pages = []
    for page in DOC_PAGES:
        path = os.path.join(collection_root, page)
        if os.path.isdir(path):
            pages.extend(os.path.join(page, name) for name in sorted(os.listdir(path)) if name.endswith(".rst"))
        else:
            pages.append(page)
    found = []
    for page in pages:
        with open(os.path.join(collection_root, page)) as handle:
            text = handle.read()
        if page.endswith(".rst"):
            blocks = _rst_yaml_blocks(text)
        else:
            blocks = re.findall(r"^```ya?ml\n(.*?)^```", text, flags=re.S | re.M)
        for index, block in enumerate(blocks, 1):
            data = yaml.load(block, Loader=_PageLoader)  # nosec - SafeLoader plus !unsafe as a string
            runnable = isinstance(data, list) and data and all(isinstance(item, dict) for item in data)
            if runnable and COLLECTION + "." in block:
                if "!unsafe" in block:
                    # the runner writes the play back as plain YAML, which would template what !unsafe protects
                    raise SystemExit("docs_examples: %s block %d uses !unsafe, which this runner cannot keep" % (page, index))
                found.append(("page %s block %d" % (page, index), data))
    if not found:
        raise SystemExit("docs_examples: the README and the guides have no example play")
    return found


def launches(examples):
    """``(label, example, variables)``: each example once, or once per set of ``LAUNCH_VARS`` it has."""
    named = set(example[0].get("name") for _label, example in examples)
    unused = set(LAUNCH_VARS) - named
    if unused:
        raise SystemExit("docs_examples: LAUNCH_VARS names no documented play or task: %s" % ", ".join(sorted(unused)))
    runs = []
    for label, example in examples:
        sets = LAUNCH_VARS.get(example[0].get("name"), [{}])
        for number, variables in enumerate(sets, 1):
            runs.append((label if len(sets) == 1 else "%s, launch %d" % (label, number), example, variables))
    return runs


def requests_seen(url):
    return call(url + "/_emulator/requests")["requests"]


def run_playbook(playbook, workdir, env, check=False):
    return subprocess.run(["ansible-playbook", "-i", "inventory", "-e", "@example_vars.yml", "-e", "@launch_vars.yml"]
                          + (["--check"] if check else []) + [os.path.basename(playbook)],
                          cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)


def run_all(url, token, workdir, collection_root, pages=False):
    table = seed(url)
    print("docs_examples: emulator at %s; documented ids -> emulator ids: %s" % (url, json.dumps(table, sort_keys=True)))
    for relative, content in INPUT_FILES.items():
        path = os.path.join(workdir, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as handle:
            handle.write(content)
    # The token variables the examples use, and nothing else.
    with open(os.path.join(workdir, "example_vars.yml"), "w") as handle:
        yaml.safe_dump({"vault_hubspot_access_token": token}, handle)
    with open(os.path.join(workdir, "inventory"), "w") as handle:
        handle.write("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
    env = dict(os.environ, HUBSPOT_ACCESS_TOKEN=token, HUBSPOT_BASE_URL=url, ANSIBLE_NOCOLOR="1",
               ANSIBLE_RETRY_FILES_ENABLED="0")

    names_by_type = plugin_names()
    if pages:
        examples = launches(page_examples(collection_root))
    else:
        examples = [(label, example, {}) for label, example in plugin_examples(names_by_type) + role_examples(collection_root)]
    # What sends requests: the collection's modules and lookups, and its roles.
    api_users = [name for plugin_type in ("module", "lookup") for name in names_by_type[plugin_type]]
    api_users += ["%s.%s" % (COLLECTION, role) for role in os.listdir(os.path.join(collection_root, "roles"))]
    failures = []
    for index, (label, example, variables) in enumerate(examples, 1):
        playbook = os.path.join(workdir, "example_%02d.yml" % index)
        with open(playbook, "w") as handle:
            yaml.safe_dump(substitute(as_plays(example, label), table, url), handle, sort_keys=False)
        with open(os.path.join(workdir, "launch_vars.yml"), "w") as handle:
            yaml.safe_dump(substitute(variables, table, url), handle)
        before = len(requests_seen(url))
        checked = run_playbook(playbook, workdir, env, check=True)
        log = requests_seen(url)
        writes = [entry for entry in log[before:] if entry["method"] != "GET"]
        before = len(log)
        result = run_playbook(playbook, workdir, env)
        sent = len(requests_seen(url)) - before
        talks = any(name in yaml.safe_dump(example) for name in api_users)
        ok = checked.returncode == 0 and not writes and result.returncode == 0 and (sent > 0 or not talks)
        print("docs_examples: %s: %s (--check: exit %d, %d write(s); then exit %d, %d API request(s) to the emulator)"
              % (label, "ok" if ok else "FAILED", checked.returncode, len(writes), result.returncode, sent))
        if not ok:
            failures.append(label)
            for name, run in (("--check", checked), ("run", result)):
                print("----- %s (%s, %s) -----" % (label, os.path.basename(playbook), name))
                print(run.stdout[-6000:].replace(token, "<token>"))
    print("docs_examples: %d of %d documented examples ran against the emulator" % (len(examples) - len(failures), len(examples)))
    return failures


def main():
    keep = "--keep" in sys.argv[1:]
    pages = "--pages" in sys.argv[1:]
    here = os.path.dirname(os.path.abspath(__file__))
    emulator = emulator_dir(here)
    collection_root = os.path.dirname(os.path.dirname(emulator))
    sys.path.insert(0, emulator)
    from process import running_emulator  # pylint: disable=import-error

    token = "pat-docs-examples-" + secrets.token_hex(12)
    workdir = tempfile.mkdtemp(prefix="docs_examples.")
    try:
        with running_emulator("--token", token) as url:
            failures = run_all(url, token, workdir, collection_root, pages)
    finally:
        if keep:
            print("docs_examples: playbooks kept in %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if failures:
        sys.exit("docs_examples: failed: %s" % ", ".join(failures))


if __name__ == "__main__":
    main()
