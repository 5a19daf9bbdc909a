# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A small forwarding proxy for tests (standard library only), on loopback.

* ``CONNECT host:port`` opens a TCP tunnel (how clients reach an https:// endpoint through a proxy);
* a request with an absolute URL (``GET http://host:port/path``) is forwarded and its answer relayed;
* with ``--user``/``--password``, a request without the right ``Proxy-Authorization: Basic`` answers
  407 with ``Proxy-Authenticate``; its error page echoes the credentials it was sent (a careless proxy),
  so a client that prints error pages is caught leaking them;
* with ``--tls-cert``/``--tls-key``, the proxy itself listens with TLS (an ``https://`` proxy URL): each
  connection's handshake is made in its own thread, and CONNECT tunnels run inside that TLS connection.

Every request is logged as one JSON line on stdout (``{"method", "target", "authorized"}``), after the
line ``forward proxy listening on http://127.0.0.1:PORT``; never the credentials. In-process use:
``with running_proxy() as (url, seen): ...``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import base64
import contextlib
import http.client
import json
import select
import socket
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

READY_PREFIX = "forward proxy listening on "
HOP_BY_HOP = frozenset(("connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
                        "te", "trailers", "transfer-encoding", "upgrade"))


class ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    credentials = None  # "user:password" when the proxy requires them
    seen = None  # list the requests are appended to
    on_request = None  # callable(entry) or None

    def log_message(self, *args):  # quiet
        pass

    def _note(self, target, authorized):
        entry = {"method": self.command, "target": target, "authorized": authorized}
        self.seen.append(entry)
        if self.on_request:
            self.on_request(entry)

    def _authorized(self):
        if self.credentials is None:
            return True
        given = self.headers.get("Proxy-Authorization", "")
        expected = "Basic " + base64.b64encode(self.credentials.encode("utf-8")).decode("ascii")
        return given == expected

    def _refuse(self, target):
        self._note(target, False)
        given = self.headers.get("Proxy-Authorization", "(none)")
        body = ("<html><body><h1>407 Proxy Authentication Required</h1><p>You sent Proxy-Authorization: %s</p></body></html>"
                % given).encode("utf-8")
        self.send_response(407)
        self.send_header("Proxy-Authenticate", 'Basic realm="test proxy"')
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_CONNECT(self):
        target = self.path
        if not self._authorized():
            self._refuse(target)
            return
        host, dummy, port = target.rpartition(":")
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
        except (OSError, ValueError) as exc:
            self._note(target, True)
            self.send_error(502, "cannot reach %s: %s" % (target, exc))
            return
        self._note(target, True)
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = True
        self._relay(self.connection, upstream)

    @staticmethod
    def _wait(sockets):
        """The sockets with data to read: a TLS socket may hold decrypted bytes select() cannot see."""
        pending = [sock for sock in sockets if isinstance(sock, ssl.SSLSocket) and sock.pending()]
        if pending:
            return pending, []
        readable, dummy, broken = select.select(sockets, [], sockets, 30)
        return readable, broken

    @classmethod
    def _relay(cls, client, upstream):
        sockets = [client, upstream]
        try:
            while True:
                readable, broken = cls._wait(sockets)
                if broken or not readable:
                    return
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (upstream if sock is client else client).sendall(data)
        except OSError:
            return
        finally:
            upstream.close()

    def _forward(self):
        target = self.path
        parts = urlsplit(target)
        if parts.scheme != "http" or not parts.hostname:
            self.send_error(400, "a proxy request needs an absolute http:// URL")
            return
        if not self._authorized():
            self._refuse(target)
            return
        self._note(target, True)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = dict((k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        upstream = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
        try:
            upstream.request(self.command, path, body=body, headers=headers)
            answer = upstream.getresponse()
            content = answer.read()
        except OSError as exc:
            self.send_error(502, "cannot reach %s: %s" % (parts.netloc, exc))
            return
        finally:
            upstream.close()
        self.send_response(answer.status, answer.reason)
        for key, value in answer.getheaders():
            if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _forward


class TLSProxyServer(ThreadingHTTPServer):
    """The proxy listening with TLS: accepted sockets are wrapped, and shake hands in the handler's thread."""

    context = None  # ssl.SSLContext (server side)
    handshake_failures = 0  # clients that gave up the TLS handshake (for instance, not trusting the certificate)

    def get_request(self):
        sock, address = self.socket.accept()
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ssl.SSLError, ConnectionError)):
            self.handshake_failures += 1  # quiet: the tests provoke these on purpose
            return
        ThreadingHTTPServer.handle_error(self, request, client_address)


def server_context(tls):
    """A server-side ``ssl.SSLContext`` from ``(certificate file, key file)``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls[0], tls[1])
    return context


def make_server(credentials=None, on_request=None, host="127.0.0.1", port=0, tls=None):
    """A ``ThreadingHTTPServer`` for the proxy (not started); its ``seen`` list logs the requests.

    ``tls``: ``(certificate file, key file)`` to listen with TLS; ``server.url`` is the proxy's URL.
    """
    seen = []
    handler = type("Handler", (ProxyHandler,), {"credentials": credentials, "seen": seen,
                                                "on_request": staticmethod(on_request) if on_request else None})
    server = (TLSProxyServer if tls else ThreadingHTTPServer)((host, port), handler)
    if tls:
        server.context = server_context(tls)
    server.daemon_threads = True
    server.seen = seen
    server.url = "%s://%s:%d" % ("https" if tls else "http", host, server.server_address[1])
    return server


@contextlib.contextmanager
def running_proxy(credentials=None, tls=None):
    """Run the proxy on a thread; yields ``("http://127.0.0.1:PORT", seen)`` (``https://`` with ``tls``)."""
    server = make_server(credentials, tls=tls)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.daemon = True
    thread.start()
    try:
        yield server.url, server.seen
    finally:
        server.shutdown()
        server.server_close()


def main(argv=None):
    parser = argparse.ArgumentParser(description="A forwarding (CONNECT) proxy on loopback, for tests.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--user", help="require these proxy credentials (with --password)")
    parser.add_argument("--password", help="require these proxy credentials (with --user)")
    parser.add_argument("--tls-cert", help="listen with TLS, presenting this PEM certificate (with --tls-key)")
    parser.add_argument("--tls-key", help="the PEM private key of --tls-cert")
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    credentials = "%s:%s" % (args.user, args.password) if args.user is not None else None
    lock = threading.Lock()

    def log(entry):
        with lock:
            sys.stdout.write(json.dumps(entry) + "\n")
            sys.stdout.flush()

    server = make_server(credentials, on_request=log, port=args.port,
                         tls=(args.tls_cert, args.tls_key) if args.tls_cert else None)
    sys.stdout.write("%s%s\n" % (READY_PREFIX, server.url))
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
