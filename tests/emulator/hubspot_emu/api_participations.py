"""Participation reads: the contact breakdown, the event breakdowns (by objectId or external ids) and the
event counters. Each reader sees writes only after its lag (config ``contact_lag`` or ``event_lag``)."""

from .common import DIGITS_RE, INT_RE, READ_STATES, now_ms
from .model import Event
from .replies import Reply, bad_request


def page_args(store, request):
    """(limit, state filter or None, offset) from the query; a bad one is a 400."""
    q = request["query"]
    limit = q.get("limit", "10")
    if not INT_RE.match(limit.strip() if limit else ""):
        raise bad_request("limit must be an integer between 1 and 100", "limit")
    limit = int(limit)
    if not 1 <= limit <= 100:
        raise bad_request("limit must be between 1 and 100 (got %d)" % limit, "limit")
    state = q.get("state")
    if state is not None and state not in READ_STATES:
        raise bad_request("state must be one of %s" % ", ".join(READ_STATES), "state")
    offset = 0
    if "after" in q:
        offset = store.decode_cursor(q["after"])
    return limit, state, offset


def paged(store, request, items, total, limit, state, offset, cutoff):
    """One page of ``items`` as a reader with horizon ``cutoff`` sees them (participations it cannot see yet are skipped)."""
    now = now_ms()
    results = []
    index = offset
    count = len(items)
    while index < count:
        part = items[index]
        # inlined Participation.view (this loop is the hot path of filtered reads)
        versions = part.versions
        back = len(versions) - 1
        while back >= 0 and versions[back][0] > cutoff:
            back -= 1
        if back < 0:
            index += 1
            continue
        shown = versions[back][1]
        if shown == "REGISTERED" and part.event.ended(now):
            shown = "NO_SHOW"
        if state is None or shown == state:
            if len(results) == limit:
                break  # there is a next page
            results.append(part.breakdown(part.view(cutoff, now)))
        index += 1
    body = {"total": total, "results": results}
    if index < count:
        body["paging"] = store.next_page(request, index)
    return Reply(200, body)


def count_visible(items, state, cutoff):
    now = now_ms()
    views = [part.view(cutoff, now) for part in items]
    return sum(1 for view in views if view is not None and (state is None or view[0] == state))


def breakdown_contact(store, request):
    limit, state, offset = page_args(store, request)
    contact = store.contact_by_identifier(request["params"]["contactIdentifier"])
    items = store.contact_participations.get(contact.id, []) if contact is not None else []
    cutoff = store.cutoff("contact_lag")
    return paged(store, request, items, count_visible(items, state, cutoff), limit, state, offset, cutoff)


def _event_breakdown(store, request, event, page):
    limit, state, offset = page
    cutoff = store.cutoff("event_lag")
    ident = request["query"].get("contactIdentifier")
    if ident is not None:
        contact = store.contact_by_identifier(ident)
        part = event.by_contact.get(contact.id) if contact is not None else None
        items = [part] if part is not None else []
        total = count_visible(items, state, cutoff)
    else:
        items = event.participations
        counts, visible = store.event_counts(event, cutoff, now_ms())
        total = visible if state is None else counts[state]
    return paged(store, request, items, total, limit, state, offset, cutoff)


def _event_by_id(store, request):
    event_id = request["params"]["marketingEventId"]
    if not DIGITS_RE.match(event_id):
        raise bad_request("marketingEventId must be an integer", "marketingEventId")
    return store.event_by_object_id(str(int(event_id)))


def _event_by_external(store, request):
    params = request["params"]
    return store.event_by_external(params["externalAccountId"], params["externalEventId"])


def breakdown_event_id(store, request):
    page = page_args(store, request)  # the query is checked before the event is looked up
    return _event_breakdown(store, request, _event_by_id(store, request), page)


def breakdown_event_external(store, request):
    page = page_args(store, request)
    return _event_breakdown(store, request, _event_by_external(store, request), page)


def counters_event_id(store, request):
    return Reply(200, Event.counters(store.event_rollup(_event_by_id(store, request))))


def counters_event_external(store, request):
    return Reply(200, Event.counters(store.event_rollup(_event_by_external(store, request))))
