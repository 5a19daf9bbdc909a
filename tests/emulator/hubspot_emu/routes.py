"""The API's routes (one table, v3 spelling) and the segment router; the date versions map onto v3."""

import re
from urllib.parse import unquote

from . import api_attendance as attendance
from . import api_contacts as contacts
from . import api_events as events
from . import api_participations as participations
from .common import DATE_VERSIONS, ME

_DATED = re.compile(r"^/marketing/marketing-events/(%s)(?=/|$)" % "|".join(re.escape(v) for v in DATE_VERSIONS))


def canonical_path(path):
    """The v3 spelling of a path: ``/marketing/marketing-events/2026-09/x`` -> ``/marketing/v3/marketing-events/x``."""
    return _DATED.sub(ME, path, count=1)


ROUTES = (
    ("POST", "/crm/v3/objects/contacts", contacts.contact_create),
    ("GET", "/crm/v3/objects/contacts/{contactId}", contacts.contact_get),
    ("POST", ME + "/events", events.event_create),
    ("GET", ME, events.event_list),
    ("GET", "/marketing/marketing-events/v3", events.event_list),  # the list-all path as the spec prints it
    ("POST", ME + "/events/upsert", events.event_upsert),
    ("PATCH", ME + "/events/{externalEventId}", events.event_patch_external),
    ("DELETE", ME + "/events/{externalEventId}", events.event_delete_external),
    ("POST", ME + "/events/{externalEventId}/cancel", events.event_cancel),
    ("PATCH", ME + "/{objectId}", events.event_patch_object),
    ("DELETE", ME + "/{objectId}", events.event_delete_object),
    ("GET", ME + "/events/search", events.event_search),
    ("GET", ME + "/events/{externalEventId}", events.event_get_external),
    ("POST", ME + "/events/{externalEventId}/complete", events.event_complete),
    ("GET", ME + "/{objectId}", events.event_get_object),
    ("GET", ME + "/{externalEventId}/identifiers", events.event_identifiers),
    ("POST", ME + "/{objectId}/attendance/{subscriberState}/create", attendance.attendance_object_vid),
    ("POST", ME + "/{objectId}/attendance/{subscriberState}/email-create", attendance.attendance_object_email),
    ("POST", ME + "/attendance/{externalEventId}/{subscriberState}/create", attendance.attendance_external_vid),
    ("POST", ME + "/attendance/{externalEventId}/{subscriberState}/email-create", attendance.attendance_external_email),
    ("GET", ME + "/participations/contacts/{contactIdentifier}/breakdown", participations.breakdown_contact),
    ("GET", ME + "/participations/{marketingEventId}/breakdown", participations.breakdown_event_id),
    ("GET", ME + "/participations/{externalAccountId}/{externalEventId}/breakdown", participations.breakdown_event_external),
    ("GET", ME + "/participations/{marketingEventId}", participations.counters_event_id),
    ("GET", ME + "/participations/{externalAccountId}/{externalEventId}", participations.counters_event_external),
)


class Router(object):
    """Segment router: among templates matching a path, literal segments win over parameters (left to right)."""

    def __init__(self, routes):
        self.routes = [(method, template.split("/")[1:], handler) for method, template, handler in routes]

    def match(self, method, path):
        """Return (handler, params, allowed_methods); handler is None when nothing matches for this method."""
        if not path.startswith("/"):
            return None, {}, []
        segments = [unquote(s) for s in path[1:].split("/")]
        best_key = None
        candidates = []
        for route_method, template, handler in self.routes:
            fit = _fit(template, segments)
            if fit is None:
                continue
            key, params = fit
            if best_key is None or key > best_key:
                best_key = key
                candidates = [(route_method, handler, params)]
            elif key == best_key:
                candidates.append((route_method, handler, params))
        for route_method, handler, params in candidates:
            if route_method == method:
                return handler, params, [route_method]
        return None, {}, sorted(set(c[0] for c in candidates))


def _fit(template, segments):
    """(specificity key: 1 per literal segment, 0 per parameter; params) when the path fits the template, else None."""
    if len(template) != len(segments):
        return None
    params = {}
    key = []
    for tseg, seg in zip(template, segments):
        if tseg.startswith("{"):
            if not seg:
                return None
            params[tseg[1:-1]] = seg
            key.append(0)
        elif tseg == seg:
            key.append(1)
        else:
            return None
    return tuple(key), params


ROUTER = Router(ROUTES)
