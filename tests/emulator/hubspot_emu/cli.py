"""The command line: ``python3 tests/emulator/hubspot_emulator.py [options]`` (see tests/emulator/README.md)."""

import argparse
import signal
import ssl
import sys
import threading

from .common import DEFAULT_TOKEN, lag_value
from .config import DEFAULT_CONTACT_LAG, DEFAULT_EVENT_LAG
from .emulator import Emulator
from .server import EmulatorServer

READY_PREFIX = "HubSpot emulator listening on "


def _lag_arg(text):
    try:
        return lag_value(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a number of seconds >= 0, got %r" % text)


def build_parser():
    parser = argparse.ArgumentParser(description="Local HubSpot Marketing Events API emulator: v3, 2026-03 and 2026-09 paths (see tests/emulator/README.md).")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free port (default 0)")
    parser.add_argument("--token", action="append", default=[], help="accepted full-scope token (repeatable; default: %s)" % DEFAULT_TOKEN)
    parser.add_argument("--read-only-token", action="append", default=[], help="accepted token with read scopes only (repeatable)")
    parser.add_argument("--latency-ms", type=int, default=0, help="answer each API request this long after it arrived (the emulator's own work included)")
    parser.add_argument("--rate-limit", type=int, default=0, help="requests per rolling 10 s window per token (0 = off)")
    parser.add_argument("--daily-limit", type=int, default=0, help="accepted requests of all tokens (one account) before DAILY 429s (0 = off)")
    parser.add_argument("--contact-lag", type=_lag_arg, default=DEFAULT_CONTACT_LAG, metavar="S",
                        help="seconds before a write shows in the contact breakdown (default %s)" % DEFAULT_CONTACT_LAG)
    parser.add_argument("--event-lag", type=_lag_arg, default=DEFAULT_EVENT_LAG, metavar="S",
                        help="seconds before a write shows in the event breakdowns and counters (default %d)" % DEFAULT_EVENT_LAG)
    parser.add_argument("--verbose", action="store_true", help="log requests (method, path, status) to stderr")
    parser.add_argument("--token-ttl-ms", type=int, default=0,
                        help="tokens expire this long after their first accepted request (0 = never; /_emulator/config token_ttl_ms)")
    parser.add_argument("--tls-cert", metavar="PEM", help="serve https with this certificate (chain) file")
    parser.add_argument("--tls-key", metavar="PEM", help="the private key of --tls-cert (default: in the same file)")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    for name in ("latency_ms", "rate_limit", "daily_limit", "token_ttl_ms"):
        if getattr(args, name) < 0:
            sys.stderr.write("--%s must be >= 0\n" % name.replace("_", "-"))
            return 2
    emulator = Emulator(args.token or None, args.read_only_token, args.latency_ms, args.rate_limit, args.daily_limit,
                        args.contact_lag, args.event_lag, args.token_ttl_ms)
    server = EmulatorServer((args.host, args.port), emulator, verbose=args.verbose)
    scheme = "http"
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    serve(server, scheme)
    return 0


def serve(server, scheme):
    """Serve in a thread, print the ready line, and stop cleanly on SIGTERM or SIGINT."""
    stop = threading.Event()

    def _on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="emulator-server")
    thread.daemon = True
    thread.start()
    host, port = server.server_address[:2]
    shown = "[%s]" % host if ":" in host else host
    sys.stdout.write("%s%s://%s:%d\n" % (READY_PREFIX, scheme, shown, port))
    sys.stdout.flush()
    while not stop.wait(0.25):
        pass
    server.shutdown()
    server.server_close()
