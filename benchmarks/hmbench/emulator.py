"""Emulator control for the benchmark: reset and seed one event, read the request log and the state."""

import json
import random
import urllib.parse
import urllib.request

TOKEN = "emulator-token"
ACCOUNT = "bench-app"
EXTERNAL_EVENT = "bench-webinar"
PAGE = 100
BASE_MS = 1767225600000  # 2026-01-01T00:00:00Z
# Every attendee gets this span (HubSpot keeps no attendance without one); the seeded attendees
# hold it already (3600 s), so they are "already attended" for the module and the peers alike.
JOINED_AT = "2026-01-01T10:00:00.000Z"
LEFT_AT = "2026-01-01T11:00:00.000Z"
JOINED_MS = BASE_MS + 10 * 3600 * 1000
DURATION_S = 3600
OTHER_STATES = ("REGISTERED", "CANCELLED", "NO_SHOW", "ATTENDED")


class Emulator:
    """The emulator's control API (/_emulator/*), standard library only."""

    def __init__(self, base_url):
        self.base_url = base_url

    def _call(self, method, path, body=None, timeout=300):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base_url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read().decode() or "{}")

    def reset(self):
        self._call("POST", "/_emulator/reset")

    def clear_log(self):
        self._call("DELETE", "/_emulator/requests")

    def log(self):
        return self._call("GET", "/_emulator/requests")["requests"]

    def config(self, **values):
        return self._call("POST" if values else "GET", "/_emulator/config", values or None)

    def seed(self, body):
        return self._call("POST", "/_emulator/seed", body)

    def participations(self):
        return self._call("GET", "/_emulator/state")["participations"]


def email(i):
    return "contact%06d@bench.example.com" % i


def _seed_participations(n, participations):
    """N targets (half ATTENDED with the span, a quarter REGISTERED, a quarter absent) + filler."""
    half, three_quarters = n // 2, (3 * n) // 4
    parts = []
    for i in range(three_quarters):
        part = {"email": email(i), "attendanceState": "ATTENDED" if i < half else "REGISTERED"}
        if i < half:
            part["attendanceDurationSeconds"] = DURATION_S
        parts.append(part)
    filler = participations - len(parts)
    if filler < 0:
        raise SystemExit("P=%d is too small for N=%d" % (participations, n))
    for j in range(filler):
        parts.append({"email": "other%06d@bench.example.com" % j, "attendanceState": OTHER_STATES[j % 4]})
    random.Random(n * 7919 + participations).shuffle(parts)
    for k, part in enumerate(parts):
        part.update(externalAccountId=ACCOUNT, externalEventId=EXTERNAL_EVENT, occurredAt=BASE_MS + k)
    return parts


def seed_event(emu, n, participations):
    """Reset the emulator (state, log, rate-limit windows) and seed one event holding P participations.

    Of the N target contacts (by email) the first half already ATTENDED with the span the runs give,
    the next quarter REGISTERED, the last quarter absent, so delta = N - N/2. The other participations
    are other contacts in mixed states. Creation order is shuffled (fixed seed), so the targets are
    spread over every page. Returns (event objectId, contacts, delta).
    """
    emu.reset()
    answer = emu.seed({
        "events": [{"externalAccountId": ACCOUNT, "externalEventId": EXTERNAL_EVENT, "eventName": "Benchmark webinar",
                    "eventOrganizer": "hubspot.marketing", "startDateTime": "2026-01-01T10:00:00Z",
                    "endDateTime": "2026-01-01T11:00:00Z"}],
        "participations": _seed_participations(n, participations),
    })
    emu.clear_log()
    contacts = [{"email": email(i)} for i in range(n)]
    return answer["events"][0]["objectId"], contacts, n - n // 2


def attended_count(emu, contacts):
    """How many of ``contacts`` the emulator's ground truth shows ATTENDED with the span (the judge)."""
    wanted = set(c["email"] for c in contacts)
    return sum(1 for p in emu.participations()
               if p["email"] in wanted and p["attendanceState"] == "ATTENDED"
               and p.get("attendanceDurationSeconds") == DURATION_S)


def count_requests(log):
    """Accepted reads/writes, 429s, other errors and everything sent, from the request log."""
    out = {"reads": 0, "writes": 0, "status_429": 0, "other_errors": 0, "sent": len(log)}
    for entry in log:
        if entry["status"] == 429:
            out["status_429"] += 1
            continue
        if entry["status"] >= 400 or entry["status"] == 0:
            out["other_errors"] += 1
        out["reads" if entry["method"] == "GET" else "writes"] += 1
    out["total"] = out["reads"] + out["writes"]
    return out


def _cursor_key(entry):
    """Requests of one cursor walk share the path and every query parameter but ``after``."""
    query = [(k, v) for k, v in urllib.parse.parse_qsl(entry.get("query") or "") if k != "after"]
    return entry["path"], tuple(sorted(query))


def _walks(entries):
    """Split reads into cursor walks, in order: (key, [entries]); a page without ``after`` starts a walk."""
    walks = []
    open_walks = {}
    for entry in entries:
        key = _cursor_key(entry)
        if key not in open_walks or "after=" not in (entry.get("query") or ""):
            open_walks[key] = []
            walks.append((key, open_walks[key]))
        open_walks[key].append(entry)
    return walks


def _read_chain(entries, probe=True):
    """Longest run of reads that must follow one another: the longest cursor walk, plus (``probe``) a
    first page that stands alone before the other walks (e.g. a page read to learn P)."""
    walks = [w for dummy, w in _walks(entries)]
    if not walks:
        return 0
    longest = max(len(w) for w in walks)
    lone_first = probe and len(walks) > 1 and len(walks[0]) == 1 and longest > 1
    return longest + (1 if lone_first else 0)


def reads_after_writes(log):
    """(all reads after the first write, those of the last walk of each cursor: one complete round)."""
    accepted = [e for e in log if e["status"] != 429]
    first_write = next((i for i, e in enumerate(accepted) if e["method"] != "GET"), len(accepted))
    after = [e for e in accepted[first_write:] if e["method"] == "GET"]
    last = {}
    for key, walk in _walks(after):
        last[key] = len(walk)
    return len(after), sum(last.values())


def request_chain(log):
    """The longest chain of requests that must run one after another, inferred from the log's order.

    Reads before the first write, then one round of writes (chunks may all be in flight at once),
    then the reads after the writes (verify). This follows the read plan visible in the log, not the
    measured overlap (``module_timeline`` shows the measured times).
    """
    accepted = [e for e in log if e["status"] != 429]
    first_write = next((i for i, e in enumerate(accepted) if e["method"] != "GET"), None)
    if first_write is None:
        return {"before_writes": _read_chain(accepted), "writes": 0, "after_writes": 0}
    after = [e for e in accepted[first_write:] if e["method"] == "GET"]
    # After the writes (verify) only the round that finds the writes counts: rounds before it are the lag's.
    return {"before_writes": _read_chain(accepted[:first_write]), "writes": 1, "after_writes": _read_chain(after, probe=False)}


def breakdown_kind(log):
    """Which breakdown the reads after the first write used: 'event', 'contact', both or none."""
    kinds = set()
    seen_write = False
    for entry in log:
        if entry["method"] != "GET":
            seen_write = True
        elif seen_write:
            kinds.add("contact" if "/participations/contacts/" in entry["path"] else "event")
    return "+".join(sorted(kinds)) or "none"


def most_in_flight(entries):
    """The most requests of ``entries`` in flight at one moment (between arrival and answer)."""
    events = sorted([(e["received_at"], 1) for e in entries] + [(e["answered_at"], -1) for e in entries],
                    key=lambda event: (event[0], event[1]))
    most = now = 0
    for dummy, step in events:
        now += step
        most = max(most, now)
    return most


def module_timeline(log, module):
    """Where a module process's wall time went, from its start and end (the interpreter wrapper's) and
    the emulator's request times: before the first request (start-up, AnsiballZ, imports, validation),
    reading before the first write, writing (first write sent to last write answered, with the most
    writes in flight at once), reading after the writes (verify, with its waits), after the last answer
    (building and returning the result). None without requests or times."""
    done = [e for e in log if e.get("received_at") and e.get("answered_at")]
    if not done or not module or not module.get("started_at"):
        return None
    writes = [e for e in done if e["method"] != "GET"]
    first_write = writes[0]["received_at"] if writes else float("inf")
    before = [e for e in done if e["method"] == "GET" and e["received_at"] < first_write]
    after = [e for e in done if e["method"] == "GET" and e["received_at"] >= first_write]
    last_answer = max(e["answered_at"] for e in done)

    def span(entries, start=None):
        if not entries:
            return 0.0
        begin = min(e["received_at"] for e in entries) if start is None else start
        return round(max(e["answered_at"] for e in entries) - begin, 3)

    return {
        "wall_s": module["wall_s"],
        "before_first_request_s": round(done[0]["received_at"] - module["started_at"], 3),
        "reading_s": span(before),
        "writing_s": span(writes),
        "writes_in_flight_max": most_in_flight(writes),
        "verify_s": span(after, max(e["answered_at"] for e in writes)) if after and writes else 0.0,
        "after_last_answer_s": round(module["ended_at"] - last_answer, 3),
    }
