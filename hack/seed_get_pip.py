"""Pre-seed ansible-test's get-pip cache for the ansible-core installed with this interpreter.

ansible-test bootstraps pip in the virtual environments it creates (``--venv``)
by downloading ``get-pip-<version>.py`` from a host that may be unreachable.
It first looks in ``~/.ansible/test/cache/get_pip_<version with _>.py``; this
script writes a small replacement there that bootstraps pip with ``ensurepip``
(in a subprocess: in-process ensurepip breaks pip's certificate settings) and
then installs the requested packages from the package index.

Run it with the Python of a venv that has ansible-core installed.  An existing
cache file that this script did not write is left untouched.
"""

import os
import re
import sys

MARKER = "# seeded by hubspot.marketing hack/seed_get_pip.py"

SCRIPT = MARKER + '''
import subprocess
import sys

DROP = ("--no-setuptools", "--no-wheel")
args = [a for a in sys.argv[1:] if a not in DROP]
boot = subprocess.run([sys.executable, "-m", "ensurepip", "--default-pip"],
                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
if boot.returncode:
    sys.stdout.write(boot.stdout.decode("utf-8", "replace"))
    sys.exit(boot.returncode)
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "--quiet"] + args))
'''


def pip_versions():
    """Return the pip versions ansible-test pins for its virtual environments."""
    import ansible_test  # pylint: disable=import-outside-toplevel

    path = os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py")
    with open(path, encoding="utf-8") as handle:
        source = handle.read()
    versions = sorted(set(re.findall(r"""\bpip=['"]([0-9][0-9.]*)['"]""", source)))
    if not versions:
        raise SystemExit("seed_get_pip: no pip version found in %s" % path)
    return versions


def main():
    cache = os.path.expanduser("~/.ansible/test/cache")
    os.makedirs(cache, exist_ok=True)
    for version in pip_versions():
        path = os.path.join(cache, "get_pip_%s.py" % version.replace(".", "_"))
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                current = handle.read()
            if current == SCRIPT or not current.startswith(MARKER):
                continue
        with open(path + ".tmp", "w", encoding="utf-8") as handle:
            handle.write(SCRIPT)
        os.replace(path + ".tmp", path)
        print("seeded %s" % path, file=sys.stderr)


if __name__ == "__main__":
    main()
