"""The per-contact read-then-write script users write today, for the benchmark.

For every contact, in turn: one GET of the contact's participation in the event (the event
breakdown filtered by ``contactIdentifier``), then, unless the contact is already in the
desired state (for attendees: with the same duration), one POST of that single contact to the
attendance endpoint. One ``requests.Session`` (keep-alive), no batching, no concurrency, no
rate-limit handling.

    python per_contact_script.py --base-url URL --token TOKEN --event-id ID \
        --state attended --contacts contacts.json \
        [--joined-at ISO --left-at ISO] [--occurred-ms MS] [--always-write]

``contacts.json`` is a JSON list of ``{"email": ...}``. Attendees need ``--joined-at`` and
``--left-at`` (HubSpot keeps no attendance without them). Prints one JSON line:
``{"reads": n, "writes": n, "errors": n, "seconds": s}``.
"""

import argparse
import datetime
import json
import sys
import time
from urllib.parse import quote

import requests

VERBS = {"registered": "register", "attended": "attend", "cancelled": "cancel"}
READ_STATES = {"registered": "REGISTERED", "attended": "ATTENDED", "cancelled": "CANCELLED"}
EVENTS = "/marketing/v3/marketing-events"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--event-id", required=True)
    parser.add_argument("--state", choices=sorted(VERBS), default="attended")
    parser.add_argument("--contacts", required=True, help="JSON file: a list of {\"email\": ...}")
    parser.add_argument("--joined-at", help="attendees: join time, ISO-8601 instant")
    parser.add_argument("--left-at", help="attendees: leave time, ISO-8601 instant")
    parser.add_argument("--occurred-ms", type=int, help="interactionDateTime (default: now)")
    parser.add_argument("--always-write", action="store_true", help="POST every contact, even those already in the state")
    args = parser.parse_args(argv)
    if args.state == "attended" and not (args.joined_at and args.left_at):
        parser.error("--state attended needs --joined-at and --left-at")
    return args


def _instant(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def current_state(session, read_url, email):
    """(attendanceState, attendanceDurationSeconds) of the contact in the event, (None, None) if absent."""
    response = session.get(read_url, params={"contactIdentifier": email, "limit": 1}, timeout=30)
    response.raise_for_status()
    results = response.json().get("results") or []
    if not results:
        return None, None
    props = results[0].get("properties") or {}
    duration = props.get("attendanceDurationSeconds")
    return props.get("attendanceState"), int(duration) if duration is not None else None


def main(argv=None):
    args = parse_args(argv)
    with open(args.contacts) as handle:
        contacts = json.load(handle)
    session = requests.Session()
    session.headers["Authorization"] = "Bearer %s" % args.token
    base = args.base_url.rstrip("/")
    event = quote(args.event_id, safe="")
    read_url = "%s%s/participations/%s/breakdown" % (base, EVENTS, event)
    write_url = "%s%s/%s/attendance/%s/email-create" % (base, EVENTS, event, VERBS[args.state])
    wanted = (READ_STATES[args.state], None)
    properties = {}
    if args.state == "attended":
        wanted = ("ATTENDED", int((_instant(args.left_at) - _instant(args.joined_at)).total_seconds()))
        properties = {"joinedAt": args.joined_at, "leftAt": args.left_at}
    occurred = args.occurred_ms or int(time.time() * 1000)

    counts = {"reads": 0, "writes": 0, "errors": 0}
    start = time.monotonic()
    for contact in contacts:
        counts["reads"] += 1
        try:
            state = current_state(session, read_url, contact["email"])
        except requests.RequestException:
            counts["errors"] += 1
            state = None
        if not args.always_write and state == wanted:
            continue
        body = {"inputs": [{"email": contact["email"], "interactionDateTime": occurred, "properties": properties}]}
        response = session.post(write_url, json=body, timeout=30)
        counts["writes"] += 1
        if response.status_code not in (200, 201) or response.json().get("numErrors"):
            counts["errors"] += 1
    counts["seconds"] = round(time.monotonic() - start, 3)
    json.dump(counts, sys.stdout)
    sys.stdout.write("\n")
    return 1 if counts["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
