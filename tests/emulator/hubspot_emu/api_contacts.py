"""The two CRM contact endpoints the collection needs: create a contact, read one by id or email.

Every handler here and in the other ``api_*`` modules is ``handler(store, request)`` -> ``Reply``; it runs
under the Emulator's lock. ``request`` holds ``params`` (path), ``query``, ``body`` (parsed JSON, None, or
``common.INVALID``), ``path``, ``base_url``, and the fault options ``store`` and ``reject``.
"""

import json

from .common import DIGITS_RE, EMAIL_RE
from .replies import ApiError, Reply, bad_request, not_found


def contact_create(store, request):
    body = request["body"]
    if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
        raise bad_request('Body must be a JSON object with a "properties" object', "properties")
    props = _scalar_properties(body["properties"])
    email = props.pop("email", "").strip().lower()
    if email:
        if not EMAIL_RE.match(email):
            raise ApiError(400, "VALIDATION_ERROR", "Property values were not valid: email %r is not a valid email" % email,
                           errors=[{"message": "Email address %s is invalid" % email, "in": "properties.email"}])
        existing = store.contacts_by_email.get(email)
        if existing is not None:
            raise ApiError(409, "CONFLICT", "Contact already exists. Existing ID: %d" % existing)
    contact = store.new_contact(email, props)
    return Reply(201, contact.to_json())


def _scalar_properties(properties):
    """The properties as strings (null ones left out); a list or object value is a 400."""
    props = {}
    for key, value in properties.items():
        if value is None:
            continue
        if isinstance(value, (dict, list)):
            raise bad_request("Property %s must be a scalar" % key, "properties.%s" % key)
        props[key] = value if isinstance(value, str) else json.dumps(value)
    return props


def contact_get(store, request):
    ident = request["params"]["contactId"]
    id_property = request["query"].get("idProperty")
    contact = None
    if id_property == "email":
        contact = store.contact_by_email(ident.strip().lower())
    elif id_property in (None, "", "hs_object_id") and DIGITS_RE.match(ident):
        contact = store.contacts.get(int(ident))
    if contact is None:
        raise not_found("Contact %s not found" % ident)
    return Reply(200, contact.to_json())
