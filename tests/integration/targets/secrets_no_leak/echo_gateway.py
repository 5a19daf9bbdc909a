# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A misbehaving gateway for secrets_no_leak: every answer echoes the request, Authorization header included.

Paths decide the answer: ``/json/...`` is a 400 JSON error whose message and errors quote the
header; ``/uesc/...`` the same with every character of the header written as a JSON ``\\uXXXX``
escape, the token also as a key of the error's context; ``/b64/...`` a 502 text page with the
token in base64; anything else is a 502 HTML page with the request line and every header, as some
gateways print them. Prints ``echo gateway listening on http://127.0.0.1:PORT`` when ready and
serves until killed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args):
        pass

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        request = "%s %s %s\n%s" % (self.command, self.path, self.request_version, str(self.headers))
        auth = self.headers.get("Authorization", "")
        token = auth.split(" ")[-1]
        if self.path.startswith("/uesc/"):
            status, kind = 400, "application/json"
            escaped = "".join("\\u%04x" % ord(ch) for ch in auth)
            body = ('{"status": "error", "category": "VALIDATION_ERROR", "correlationId": "echo-2", "message": "rejected %s", '
                    '"errors": [{"message": "bad", "context": {"%s": ["token"]}}]}' % (
                        escaped, "".join("\\u%04x" % ord(ch) for ch in token)))
        elif self.path.startswith("/b64/"):
            status, kind = 502, "text/plain"
            body = "upstream refused basic %s" % base64.b64encode(token.encode()).decode()
        elif self.path.startswith("/json/"):
            status, kind = 400, "application/json"
            body = json.dumps({"status": "error", "category": "VALIDATION_ERROR", "correlationId": "echo-1",
                               "message": "rejected header Authorization: %s" % auth,
                               "errors": [{"message": "token %s is not allowed" % token}]})
        else:
            status, kind = 502, "text/html"
            body = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><pre>%s</pre></body></html>" % request
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    server.daemon_threads = True
    sys.stdout.write("echo gateway listening on http://127.0.0.1:%d\n" % server.server_address[1])
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
