# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A misbehaving gateway for secrets_no_leak: every answer echoes the request, Authorization header included.

Paths decide the answer: ``/json/...`` is a 400 JSON error whose message and errors quote the
header; anything else is a 502 HTML page with the request line and every header, as some
gateways print them. Prints ``echo gateway listening on http://127.0.0.1:PORT`` when ready and
serves until killed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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
        if self.path.startswith("/json/"):
            status, kind = 400, "application/json"
            auth = self.headers.get("Authorization", "")
            body = json.dumps({"status": "error", "category": "VALIDATION_ERROR", "correlationId": "echo-1",
                               "message": "rejected header Authorization: %s" % auth,
                               "errors": [{"message": "token %s is not allowed" % auth.split(" ")[-1]}]})
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
