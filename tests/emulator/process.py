"""Start the HubSpot emulator as a subprocess for tests, benchmarks and demos.

    from process import running_emulator   # with tests/emulator on sys.path

    with running_emulator("--rate-limit", "100") as base_url:
        ...  # base_url is e.g. "http://127.0.0.1:40123"
"""

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import threading

EMULATOR_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hubspot_emulator.py")
READY_PREFIX = "HubSpot emulator listening on "


def _die_with_parent():
    """In the child before exec: on Linux, get SIGTERM when the process that started it ends.

    ansible-test runs each unit test in a forked process that exits without running fixture
    teardown; without this, every emulator such a test started would outlive it.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _read_ready_line(proc, timeout):
    box = []
    reader = threading.Thread(target=lambda: box.append(proc.stdout.readline()))
    reader.daemon = True
    reader.start()
    reader.join(timeout)
    return box[0] if box else None


def stop_emulator(proc, timeout=5.0):
    """SIGTERM, wait, then SIGKILL if it is still running. Returns the exit code."""
    if proc.poll() is None:
        try:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()
    return proc.returncode


@contextlib.contextmanager
def running_emulator(*extra_args, python=sys.executable, startup_timeout=10.0):
    """Run ``hubspot_emulator.py --port 0 EXTRA_ARGS...`` and yield its base URL ("http://127.0.0.1:PORT")."""
    cmd = [python, EMULATOR_SCRIPT, "--port", "0"] + [str(arg) for arg in extra_args]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, universal_newlines=True,
                            preexec_fn=_die_with_parent)  # pylint: disable=subprocess-popen-preexec-fn
    try:
        line = _read_ready_line(proc, startup_timeout)
        if not line or not line.startswith(READY_PREFIX):
            raise RuntimeError("HubSpot emulator did not start (exit code %s, first line %r)" % (proc.poll(), line))
        yield line[len(READY_PREFIX):].strip()
    finally:
        stop_emulator(proc)
