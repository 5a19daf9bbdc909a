"""The blind batch writer an SDK user writes, for the benchmark (runs in the bench venv).

Uses the official SDK ``hubspot-api-client`` (pinned in hack/venvs/bench.txt), pointed at the
emulator through its Configuration ``host``: every contact is posted as ``attend`` in batches of
100 (``record_by_email``), one batch after another. No reads, so it is not idempotent: a rerun
posts everything again. No pacing; a 429 fails the batch (the SDK retries only with a ``retry``).

    python sdk_writer.py --base-url URL --token TOKEN --event-id ID --contacts contacts.json \
        --joined-at ISO --left-at ISO --occurred-ms MS

Prints one JSON line: ``{"writes": n, "errors": n, "seconds": s, "import_seconds": s}``.
"""

import argparse
import json
import sys
import time

T0 = time.monotonic()
# pylint: disable=wrong-import-position
from hubspot import HubSpot  # noqa: E402
from hubspot.marketing.events import (  # noqa: E402
    ApiException,
    BatchInputMarketingEventEmailSubscriber,
    MarketingEventEmailSubscriber,
)

IMPORT_S = time.monotonic() - T0
BATCH = 100


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("--base-url", "--token", "--event-id", "--contacts", "--joined-at", "--left-at"):
        parser.add_argument(name, required=True)
    parser.add_argument("--occurred-ms", type=int, required=True)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    with open(args.contacts) as handle:
        contacts = json.load(handle)
    client = HubSpot(access_token=args.token, host=args.base_url.rstrip("/"))
    api = client.marketing.events.add_event_attendees_api
    properties = {"joinedAt": args.joined_at, "leftAt": args.left_at}
    counts = {"writes": 0, "errors": 0}
    start = time.monotonic()
    for first in range(0, len(contacts), BATCH):
        inputs = [MarketingEventEmailSubscriber(email=c["email"], interaction_date_time=args.occurred_ms, properties=properties)
                  for c in contacts[first:first + BATCH]]
        counts["writes"] += 1
        try:
            answer = api.record_by_email(object_id=args.event_id, subscriber_state="attend",
                                         batch_input_marketing_event_email_subscriber=BatchInputMarketingEventEmailSubscriber(inputs=inputs))
        except ApiException:
            counts["errors"] += 1
            continue
        counts["errors"] += getattr(answer, "num_errors", 0) or 0
    counts.update(seconds=round(time.monotonic() - start, 3), import_seconds=round(IMPORT_S, 3))
    json.dump(counts, sys.stdout)
    sys.stdout.write("\n")
    return 1 if counts["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
