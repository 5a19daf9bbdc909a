"""The control API, ``/_emulator/*`` (loopback clients only; the HTTP layer checks that).

| path | methods |
|---|---|
| /_emulator/reset | POST |
| /_emulator/requests | GET (the log), DELETE (clear it) |
| /_emulator/state | GET |
| /_emulator/config | GET, POST |
| /_emulator/faults | GET, POST |
| /_emulator/seed | POST |
"""

import json

from .replies import ApiError, Reply, error_body


def _body_or_empty(body):
    return body if body is not None else {}


# path -> {method: operation(emulator, body) -> JSON answer}; the methods in the order the Allow header lists them
OPERATIONS = {
    "/_emulator/reset": {"POST": lambda emulator, body: emulator.reset()},
    "/_emulator/requests": {"GET": lambda emulator, body: emulator.get_requests(),
                            "DELETE": lambda emulator, body: emulator.clear_requests()},
    "/_emulator/state": {"GET": lambda emulator, body: emulator.dump_state()},
    "/_emulator/timeline": {"GET": lambda emulator, body: emulator.dump_timeline()},
    "/_emulator/config": {"GET": lambda emulator, body: emulator.get_config(),
                          "POST": lambda emulator, body: emulator.set_config(_body_or_empty(body))},
    "/_emulator/faults": {"GET": lambda emulator, body: emulator.get_faults(),
                          "POST": lambda emulator, body: emulator.set_faults(body)},
    "/_emulator/seed": {"POST": lambda emulator, body: emulator.seed(_body_or_empty(body))},
}
CONTROL_ROUTES = dict((path, tuple(methods)) for path, methods in OPERATIONS.items())


def control_reply(emulator, method, path, raw):
    """The answer to a control request with body bytes ``raw``."""
    operations = OPERATIONS.get(path)
    if operations is None:
        return Reply(404, error_body("OBJECT_NOT_FOUND", "Unknown control endpoint %s" % path))
    if method not in operations:
        return Reply(405, error_body("METHOD_NOT_ALLOWED", "%s does not support %s" % (path, method)), {"Allow": ", ".join(operations)})
    body = None
    if raw:
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            return Reply(400, error_body("VALIDATION_ERROR", "Body is not valid JSON"))
    try:
        return Reply(200, operations[method](emulator, body))
    except ApiError as exc:
        return exc.reply()
