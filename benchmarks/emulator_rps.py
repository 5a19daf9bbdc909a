"""Throughput benchmark for the HubSpot emulator (a script, not a test).

Starts tests/emulator/hubspot_emulator.py, seeds an event with 10,000 participations,
then runs N concurrent clients (default 8, each with its own keep-alive session) for
a fixed time (default 10 s) with a mix of reads (breakdown pages walked by cursor,
state- and contact-filtered breakdowns, counters, contact breakdowns) and batch
attendance writes. Prints one result line:

    emulator_rps: <requests/s> req/s (clients=8, duration=10.0s, requests=..., errors=..., ...)

Run:  /work/venvs/dev/bin/python benchmarks/emulator_rps.py [--clients 8] [--duration 10]
"""

import argparse
import os
import random
import sys
import threading
import time

import requests

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "emulator"))

from process import running_emulator  # noqa: E402  pylint: disable=wrong-import-position

ME = "/marketing/v3/marketing-events"
T0 = 1767225600000
STATES = ("register", "attend", "cancel")
FILTERS = ("REGISTERED", "ATTENDED", "CANCELLED", "NO_SHOW")
SPAN = {"joinedAt": "2026-01-01T10:00:00.000Z", "leftAt": "2026-01-01T10:45:00.000Z"}


def seed(base_url, participations):
    contacts = [{"email": "bench%05d@example.com" % i, "firstname": "B%d" % i} for i in range(participations)]
    body = {
        "contacts": contacts,
        "events": [{"externalAccountId": "bench", "externalEventId": "big", "eventName": "Big webinar"},
                   {"externalAccountId": "bench", "externalEventId": "writes", "eventName": "Write target"}],
        "participations": [{"externalAccountId": "bench", "externalEventId": "big", "email": c["email"],
                            "attendanceState": "REGISTERED", "occurredAt": T0} for c in contacts],
    }
    start = time.monotonic()
    resp = requests.post(base_url + "/_emulator/seed", json=body, timeout=60)
    resp.raise_for_status()
    seeded = resp.json()
    return seeded, time.monotonic() - start


class Worker(threading.Thread):
    def __init__(self, index, base_url, token, deadline, seeded, write_ratio, batch):
        super(Worker, self).__init__(name="bench-%d" % index)
        self.daemon = True
        self.rng = random.Random(index)
        self.base_url = base_url
        self.deadline = deadline
        self.big = seeded["events"][0]["objectId"]
        self.writes_event = seeded["events"][1]["objectId"]
        self.contacts = seeded["contacts"]
        self.write_ratio = write_ratio
        self.batch = batch
        self.session = requests.Session()
        self.session.headers["Authorization"] = "Bearer " + token
        self.cursor = None
        self.counts = {"reads": 0, "writes": 0, "errors": 0}
        self.latencies = []

    def _call(self, method, path, **kwargs):
        start = time.monotonic()
        resp = self.session.request(method, self.base_url + path, timeout=30, **kwargs)
        self.latencies.append(time.monotonic() - start)
        if not 200 <= resp.status_code < 300:  # register answers 201
            self.counts["errors"] += 1
        return resp

    def _write(self):
        picks = self.rng.sample(self.contacts, self.batch)
        state = self.rng.choice(STATES)
        props = SPAN if state == "attend" else {}  # attend without an ISO joinedAt/leftAt is dropped, as on HubSpot
        inputs = [{"vid": int(c["id"]), "interactionDateTime": T0 + self.rng.randint(0, 10 ** 6), "properties": props} for c in picks]
        self._call("POST", "%s/%s/attendance/%s/create" % (ME, self.writes_event, state), json={"inputs": inputs})
        self.counts["writes"] += 1

    def _read(self):
        kind = self.rng.random()
        if kind < 0.4:
            params = {"limit": 100}
            if self.cursor:
                params["after"] = self.cursor
            body = self._call("GET", "%s/participations/%s/breakdown" % (ME, self.big), params=params).json()
            self.cursor = body.get("paging", {}).get("next", {}).get("after")
        elif kind < 0.6:
            email = self.rng.choice(self.contacts)["email"]
            self._call("GET", "%s/participations/%s/breakdown" % (ME, self.writes_event), params={"contactIdentifier": email})
        elif kind < 0.75:
            self._call("GET", "%s/participations/%s/breakdown" % (ME, self.writes_event),
                       params={"state": self.rng.choice(FILTERS), "limit": 100})
        elif kind < 0.9:
            self._call("GET", "%s/participations/bench/%s" % (ME, self.rng.choice(("big", "writes"))))
        else:
            email = self.rng.choice(self.contacts)["email"]
            self._call("GET", "%s/participations/contacts/%s/breakdown" % (ME, email.replace("@", "%40")))
        self.counts["reads"] += 1

    def run(self):
        try:
            while time.monotonic() < self.deadline:
                if self.rng.random() < self.write_ratio:
                    self._write()
                else:
                    self._read()
        except requests.RequestException:
            self.counts["errors"] += 1
        finally:
            self.session.close()


def percentile(values, pct):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100.0))]


def main(argv=None):
    parser = argparse.ArgumentParser(description="Sustained requests/s of the HubSpot emulator with concurrent clients.")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load (default 10)")
    parser.add_argument("--participations", type=int, default=10000, help="participations seeded on the read event")
    parser.add_argument("--write-ratio", type=float, default=0.2, help="fraction of requests that are batch writes")
    parser.add_argument("--batch", type=int, default=10, help="inputs per batch write")
    parser.add_argument("--python", default=sys.executable, help="interpreter that runs the emulator")
    args = parser.parse_args(argv)

    with running_emulator(python=args.python) as base_url:
        seeded, seed_seconds = seed(base_url, args.participations)
        start = time.monotonic()
        deadline = start + args.duration
        workers = [Worker(i, base_url, "emulator-token", deadline, seeded, args.write_ratio, args.batch) for i in range(args.clients)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.monotonic() - start
        logged = len(requests.get(base_url + "/_emulator/requests", timeout=30).json()["requests"])

    reads = sum(w.counts["reads"] for w in workers)
    writes = sum(w.counts["writes"] for w in workers)
    errors = sum(w.counts["errors"] for w in workers)
    latencies = [value for w in workers for value in w.latencies]
    total = reads + writes
    print("emulator_rps: %.0f req/s (clients=%d, duration=%.1fs, requests=%d, reads=%d, batch_writes=%d x %d inputs, errors=%d, "
          "p50=%.1fms, p99=%.1fms, logged=%d, seed_%d_participations=%.2fs)"
          % (total / elapsed, args.clients, elapsed, total, reads, writes, args.batch, errors,
             percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000, logged, args.participations, seed_seconds))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
