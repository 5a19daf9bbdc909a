"""The per-contact read-then-write script users write today, for the benchmark.

For every contact, in turn: one GET of the contact's participation in the event (the event
breakdown filtered by ``contactIdentifier``), then, unless the contact is already in the
desired state, one POST of that single contact to the attendance endpoint. One
``requests.Session`` (keep-alive), no batching, no concurrency, no rate-limit handling.

    python per_contact_script.py --base-url URL --token TOKEN --event-id ID \
        --state attended --contacts contacts.json [--always-write]

``contacts.json`` is a JSON list of ``{"email": ...}``. Prints one JSON line:
``{"reads": n, "writes": n, "errors": n, "seconds": s}``.
"""

import argparse
import json
import sys
import time
from urllib.parse import quote

import requests

VERBS = {"registered": "register", "attended": "attend", "cancelled": "cancel"}
READ_STATES = {"registered": "REGISTERED", "attended": "ATTENDED", "cancelled": "CANCELLED"}
EVENTS = "/marketing/v3/marketing-events"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--event-id", required=True)
    parser.add_argument("--state", choices=sorted(VERBS), default="attended")
    parser.add_argument("--contacts", required=True, help="JSON file: a list of {\"email\": ...}")
    parser.add_argument("--always-write", action="store_true", help="POST every contact, even those already in the state")
    args = parser.parse_args(argv)

    with open(args.contacts) as handle:
        contacts = json.load(handle)

    session = requests.Session()
    session.headers["Authorization"] = "Bearer %s" % args.token
    base = args.base_url.rstrip("/")
    read_url = "%s%s/participations/%s/breakdown" % (base, EVENTS, quote(args.event_id, safe=""))
    write_url = "%s%s/%s/attendance/%s/email-create" % (base, EVENTS, quote(args.event_id, safe=""), VERBS[args.state])
    wanted = READ_STATES[args.state]
    occurred = int(time.time() * 1000)

    reads = writes = errors = 0
    start = time.monotonic()
    for contact in contacts:
        email = contact["email"]
        current = None
        response = session.get(read_url, params={"contactIdentifier": email, "limit": 1}, timeout=30)
        reads += 1
        if response.status_code == 200:
            results = response.json().get("results") or []
            if results:
                current = (results[0].get("properties") or {}).get("attendanceState")
        else:
            errors += 1
        if current == wanted and not args.always_write:
            continue
        body = {"inputs": [{"email": email, "interactionDateTime": occurred}]}
        response = session.post(write_url, json=body, timeout=30)
        writes += 1
        if response.status_code != 200 or response.json().get("numErrors"):
            errors += 1
    seconds = time.monotonic() - start
    json.dump({"reads": reads, "writes": writes, "errors": errors, "seconds": round(seconds, 3)}, sys.stdout)
    sys.stdout.write("\n")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
