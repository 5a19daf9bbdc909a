"""Local emulator of the HubSpot Marketing Events API: the command-line entry point.

Run ``python3 tests/emulator/hubspot_emulator.py --help`` from any directory; the code is the package
``hubspot_emu`` next to this file, the interface is documented in ``tests/emulator/README.md``.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)  # the package, also under ``python -P`` / ``-I`` or when imported from elsewhere

from hubspot_emu import READ_STATES, Emulator, EmulatorHandler, EmulatorServer, build_parser, is_loopback, iso_ms, main, now_ms  # noqa: E402

__all__ = ["READ_STATES", "Emulator", "EmulatorHandler", "EmulatorServer", "build_parser", "is_loopback", "iso_ms", "main", "now_ms"]

if __name__ == "__main__":
    sys.exit(main())
