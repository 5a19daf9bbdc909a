"""Local emulator of the HubSpot Marketing Events API (attendance, participations, event lifecycle).

A real HTTP/1.1 server on loopback that behaves like HubSpot for the endpoints the collection uses, plus
``/_emulator/*`` control endpoints for tests (faults, rate limits, request log, state dump, seeding).
Standard library only. Start it with ``python3 tests/emulator/hubspot_emulator.py --help``; the interface is
documented in tests/emulator/README.md, which also maps the modules of this package.
"""

from .cli import build_parser, main
from .common import READ_STATES, is_loopback, iso_ms, now_ms, parse_iso_ms
from .emulator import Emulator
from .server import EmulatorHandler, EmulatorServer

__all__ = ["READ_STATES", "Emulator", "EmulatorHandler", "EmulatorServer", "build_parser", "is_loopback", "iso_ms", "main", "now_ms",
           "parse_iso_ms"]
