"""The HTTP layer: a threading HTTP/1.1 server whose handler reads the request, applies faults and latency,
and hands API calls to the ``Emulator`` and ``/_emulator/*`` calls to the control API."""

import json
import socket
import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from . import faults as fault_rules
from .common import INVALID, is_loopback
from .control import control_reply
from .replies import FAULT_CATEGORIES, Reply, error_body, phrase


class EmulatorHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "HubSpotEmulator/1.0"
    sys_version = ""
    disable_nagle_algorithm = True

    def version_string(self):
        return self.server_version

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        if getattr(self.server, "verbose", False):
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))

    def __getattr__(self, name):
        # every other HTTP method (TRACE, FOO, ...) is routed too, so it gets a HubSpot-shaped 404/405
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def send_error(self, code, message=None, explain=None):
        """Protocol-level errors (bad request line, oversized headers) also get a JSON error body."""
        self.close_connection = True
        if getattr(self, "request_version", "HTTP/0.9") == "HTTP/0.9":
            self.request_version = "HTTP/1.0"  # always answer with a status line and headers
        category = FAULT_CATEGORIES.get(code, "VALIDATION_ERROR" if 400 <= code < 500 else "INTERNAL_ERROR")
        self._send(Reply(code, error_body(category, message or phrase(code)), {"Connection": "close"}))

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_PATCH(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def do_HEAD(self):
        self._dispatch()

    def do_OPTIONS(self):
        self._dispatch()

    # ---- reading and writing

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            return b""
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self):
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _send(self, reply):
        if reply.drop:
            self._drop()
            return
        payload = reply.payload()
        length = len(payload)
        if reply.cut:
            self.close_connection = True
            payload = payload[:length // 2]
        try:
            self._write(reply, payload, length)
        except (ConnectionError, OSError):
            self.close_connection = True

    def _write(self, reply, payload, length):
        """Status line, headers (``length`` announced) and ``payload``; a cut reply then closes the connection."""
        self.send_response(reply.status)
        if length or reply.body is not None:
            self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(length))
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD" and payload:
            self.wfile.write(payload)
        if reply.cut:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)

    def _drop(self):
        """Close the connection without an answer (the ``reset`` fault)."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _base_url(self):
        host = self.headers.get("Host")
        if not host:
            host = "%s:%d" % self.server.server_address[:2]
        return "http://" + host

    # ---- dispatch

    def control_allowed(self):
        return is_loopback(self.client_address[0])

    def _dispatch(self):
        try:
            raw = self._read_body()
        except (ConnectionError, OSError, ValueError):
            self.close_connection = True
            return
        split = urlsplit(self.path)
        if split.path == "/_emulator" or split.path.startswith("/_emulator/"):
            try:
                reply = self._control(self.server.emulator, self.command, split.path, raw)
            except Exception:
                traceback.print_exc(file=sys.stderr)
                reply = Reply(500, error_body("INTERNAL_ERROR", "Internal emulator error"))
            self._send(reply)
            return
        self._api(split.path, split.query, raw)

    def _control(self, emulator, method, path, raw):
        if not self.control_allowed():
            return Reply(403, error_body("FORBIDDEN", "Control endpoints are only available to loopback clients"))
        return control_reply(emulator, method, path, raw)

    def _api(self, path, query, raw):
        """An API request: logged, then faulted or answered by the emulator, and sent ``latency_ms`` after it arrived.

        HubSpot's response time includes its own work, so the emulator's work on a request (filtering a
        large event's participations for a page, encoding the answer) is part of the latency, not added
        to it: the request takes effect on arrival and its answer waits for what is left of the latency.
        A ``delay`` fault comes on top.
        """
        emulator = self.server.emulator
        entry = None
        try:
            arrived = time.monotonic()
            body = _parse_body(raw)
            entry, latency_ms, fault = emulator.log_arrival(self.command, path, query, _input_count(self.command, body))
            if fault is not None and fault["action"] == "delay":
                time.sleep(fault["delay_ms"] / 1000.0)
                arrived = time.monotonic()
                fault = None
            reply = self._answer(emulator, fault, path, query, body)
            reply.encode()
            if latency_ms:
                time.sleep(max(0.0, arrived + latency_ms / 1000.0 - time.monotonic()))
        except Exception:
            traceback.print_exc(file=sys.stderr)
            reply = Reply(500, error_body("INTERNAL_ERROR", "Internal emulator error"))
        if entry is not None:
            emulator.set_status(entry, reply.status)
        self._send(reply)

    def _answer(self, emulator, fault, path, query, body):
        """The reply to an API request that met ``fault`` (a rule, or None)."""
        action = fault["action"] if fault is not None else None
        if fault is not None and action not in fault_rules.PROCESSED_ACTIONS:
            return emulator.fault_reply(fault)
        options = {}
        if action == "stored_nothing":
            options["store"] = False
        elif action == "reject_input":
            options["reject"] = (fault["match"], fault["named"])
        reply = emulator.handle_api(self.command, path, query, self.headers, body, self._base_url(), **options)
        if action == "lost_answer":
            return emulator.fault_reply(fault_rules.lost_answer(fault))
        reply.cut = action == "cut"
        return reply


def _parse_body(raw):
    """The JSON body, None when empty, INVALID when not JSON."""
    if not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except ValueError:
        return INVALID


def _input_count(method, body):
    """The number of batch inputs of a POST (0 for anything else), for the request log."""
    return len(body["inputs"]) if method == "POST" and isinstance(body, dict) and isinstance(body.get("inputs"), list) else 0


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, emulator, verbose=False):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.emulator = emulator
        self.verbose = verbose
        ThreadingHTTPServer.__init__(self, address, EmulatorHandler)

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ConnectionError, socket.timeout)):
            return
        if self.verbose:
            ThreadingHTTPServer.handle_error(self, request, client_address)
