"""Run the demo playbook the way AWX/AAP runs a job, and check what ansible-runner keeps.

    $TOOLS_VENV/bin/python hack/awx_runner_test.py [--playbook playbooks/demo.yml]
                                                   [--expect-ok 5] [--expect-changed 1] [--verbosity 3]

Needs ansible-core and ansible-runner in the Python that runs it (the tools venv), plus the
collection's runtime requirements (requests, jsonschema): modules run with
that same interpreter.

1. Copies the git-visible tree to a temp dir, builds the collection tarball with
   `ansible-galaxy collection build` and installs it (offline) into a temp collections path.
2. Starts tests/emulator/hubspot_emulator.py with a random, distinctive token and seeds an event.
3. Prepares an ansible-runner private_data_dir as AWX does: env/envvars holds HUBSPOT_ACCESS_TOKEN
   and HUBSPOT_BASE_URL (what the HubSpot credential type injects) and ANSIBLE_COLLECTIONS_PATH;
   env/extravars names the event; the inventory is localhost with ansible_connection=local and
   ansible_python_interpreter set to this Python. The playbook carries no token.
4. Runs the playbook with the ansible-runner Python API, then checks the job status, the
   changed/ok counts of the playbook_on_stats job event, the emulator's state (every attendee
   ATTENDED), and that the token
   appears in no file ansible-runner wrote (stdout, job_events, fact_cache, ...) outside env/.
   One exception, checked to be the only one: artifacts/<ident>/command is ansible-runner's copy
   of the launch command and of the input environment (env/envvars) it was given.

Prints one line per check and ends with "N passed, M failed"; exits 1 when a check failed.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ACCOUNT = "runner-account"
EVENT = "runner-webinar-%s" % secrets.token_hex(3)
# The attendees the job records (given as extra vars, as a job template's survey would).
ATTENDEES = ["ada.runner@example.com", "grace.runner@example.com", "alan.runner@example.com"]

RESULTS: list[tuple[bool, str]] = []


def check(ok: bool, what: str, detail: str = "") -> bool:
    RESULTS.append((bool(ok), what))
    print("%s: %s%s" % ("PASS" if ok else "FAIL", what, (" (%s)" % detail) if detail and not ok else ""), flush=True)
    return bool(ok)


def git_visible_files(root: str) -> list[str]:
    try:
        out = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=root, check=True,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL).stdout
        names = [n for n in out.decode("utf-8").split("\0") if n]
    except (OSError, subprocess.CalledProcessError):
        names = []
        for base, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in (".git", "output", "__pycache__")]
            names.extend(os.path.relpath(os.path.join(base, f), root) for f in files)
    return [n for n in names if os.path.lexists(os.path.join(root, n))]


def stage(root: str, dest: str) -> None:
    for name in git_visible_files(root):
        target = os.path.join(dest, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(root, name), target, follow_symlinks=False)


def tool(name: str) -> str:
    path = os.path.join(os.path.dirname(sys.executable), name)
    return path if os.path.exists(path) else name


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=False, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, **kwargs)


def http_json(url: str, body=None):
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="GET" if body is None else "POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:  # nosec - loopback emulator
        return json.loads(response.read().decode("utf-8"))


def files_containing(top: str, needle: bytes, skip_top_dirs=("env",)) -> tuple[list[str], int]:
    found, scanned = [], 0
    for base, dirs, files in os.walk(top):
        if os.path.samefile(base, top):
            dirs[:] = [d for d in dirs if d not in skip_top_dirs]
        for name in files:
            path = os.path.join(base, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            scanned += 1
            with open(path, "rb") as handle:
                if needle in handle.read():
                    found.append(os.path.relpath(path, top))
    return sorted(found), scanned


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--playbook", default=os.path.join(ROOT, "playbooks", "demo.yml"),
                        help="playbook to run (default: playbooks/demo.yml)")
    parser.add_argument("--expect-ok", type=int, default=5, help="expected ok count of localhost (default 5)")
    parser.add_argument("--expect-changed", type=int, default=1, help="expected changed count of localhost (default 1)")
    parser.add_argument("--verbosity", type=int, default=3, help="job verbosity, like a job template's (default 3)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (artifacts) for inspection")
    args = parser.parse_args()

    try:
        import ansible_runner  # pylint: disable=import-outside-toplevel
    except ImportError:
        print("ansible-runner is not installed in %s; run with the tools venv's Python" % sys.executable)
        print("0 passed, 1 failed")
        return 1
    if not os.path.isfile(args.playbook):
        print("playbook %s does not exist" % args.playbook)
        print("0 passed, 1 failed")
        return 1

    # A distinctive token that cannot appear anywhere by accident.
    token = "hs-runner-%s" % secrets.token_hex(20)
    work = tempfile.mkdtemp(prefix="hubspot-marketing-runner.")
    try:
        # 1. Build the tarball from a staged copy and install it.
        src = os.path.join(work, "src")
        stage(ROOT, src)
        dist = os.path.join(work, "dist")
        build = run([tool("ansible-galaxy"), "collection", "build", "--output-path", dist, src])
        tarballs = [f for f in os.listdir(dist) if f.endswith(".tar.gz")] if os.path.isdir(dist) else []
        if not check(build.returncode == 0 and len(tarballs) == 1, "collection tarball built", build.stdout[-2000:]):
            return finish(work, args.keep)
        collections = os.path.join(work, "collections")
        install = run([tool("ansible-galaxy"), "collection", "install", "--offline", "--no-deps",
                       "-p", collections, os.path.join(dist, tarballs[0])])
        installed = os.path.join(collections, "ansible_collections", "hubspot", "marketing", "MANIFEST.json")
        if not check(install.returncode == 0 and os.path.isfile(installed),
                     "collection installed from %s" % tarballs[0], install.stdout[-2000:]):
            return finish(work, args.keep)

        # 2. The emulator, from the staged tree, with the random token.
        sys.path.insert(0, os.path.join(src, "tests", "emulator"))
        from process import running_emulator  # pylint: disable=import-outside-toplevel,import-error

        with running_emulator("--token", token, python=sys.executable) as base_url:
            seeded = http_json(base_url + "/_emulator/seed", {"events": [
                {"externalAccountId": ACCOUNT, "externalEventId": EVENT, "eventName": "ansible-runner test"}]})
            object_id = str(seeded["events"][0]["objectId"])

            # 3. The private data dir, as AWX prepares it.
            pdd = os.path.join(work, "job")
            os.makedirs(os.path.join(pdd, "env"))
            os.makedirs(os.path.join(pdd, "inventory"))
            os.makedirs(os.path.join(pdd, "project"))
            envvars = {
                "HUBSPOT_ACCESS_TOKEN": token,
                "HUBSPOT_BASE_URL": base_url,
                "ANSIBLE_COLLECTIONS_PATH": collections,
                "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "False",
                "ANSIBLE_NOCOLOR": "1",
            }
            with open(os.path.join(pdd, "env", "envvars"), "w", encoding="utf-8") as handle:
                json.dump(envvars, handle)
            with open(os.path.join(pdd, "env", "extravars"), "w", encoding="utf-8") as handle:
                json.dump({"demo_external_account_id": ACCOUNT, "demo_external_event_id": EVENT,
                           "demo_attendees": [{"email": email} for email in ATTENDEES]}, handle)
            with open(os.path.join(pdd, "inventory", "hosts"), "w", encoding="utf-8") as handle:
                handle.write("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
            playbook_name = os.path.basename(args.playbook)
            shutil.copy2(args.playbook, os.path.join(pdd, "project", playbook_name))
            with open(args.playbook, "rb") as handle:
                check(token.encode() not in handle.read(), "the playbook carries no token")

            # 4. Run it. ansible-playbook must come from this Python's environment.
            os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
            job = ansible_runner.run(private_data_dir=pdd, playbook=playbook_name, ident="job1",
                                     verbosity=args.verbosity, quiet=True)
            check(job.status == "successful" and job.rc == 0, "job successful",
                  "status %s, rc %s; stdout tail: %s" % (job.status, job.rc, job.stdout.read()[-3000:]))

            stats = [e for e in job.events if e.get("event") == "playbook_on_stats"]
            data = stats[-1].get("event_data", {}) if stats else {}
            check(bool(stats), "a playbook_on_stats job event was written")
            changed = data.get("changed", {}).get("localhost", 0)
            ok = data.get("ok", {}).get("localhost", 0)
            check(changed == args.expect_changed, "changed=%d for localhost" % args.expect_changed, "got %s" % changed)
            check(ok == args.expect_ok, "ok=%d for localhost" % args.expect_ok, "got %s" % ok)
            check(not data.get("failures") and not data.get("dark"), "no failed or unreachable host",
                  "failures %s, dark %s" % (data.get("failures"), data.get("dark")))
            changed_events = [e["event_data"].get("task") for e in job.events
                              if e.get("event") == "runner_on_ok" and e.get("event_data", {}).get("res", {}).get("changed")]
            check(len(changed_events) == args.expect_changed, "changed task events match the stats", str(changed_events))

            # The emulator's state is the judge: the three attendees, ATTENDED for the playbook's hour.
            state = http_json(base_url + "/_emulator/state")
            parts = [p for p in state.get("participations", []) if str(p.get("eventObjectId")) == object_id]
            held = sorted((p.get("email", "").lower(), p.get("attendanceState"), p.get("attendanceDurationSeconds")) for p in parts)
            check(held == sorted((email, "ATTENDED", 3600) for email in ATTENDEES),
                  "the emulator holds the %d attendees as ATTENDED for 3600 s (token accepted from env)" % len(ATTENDEES),
                  json.dumps(held))

        # 5. The token is in the input env only.
        with open(os.path.join(pdd, "env", "envvars"), "rb") as handle:
            check(token.encode() in handle.read(), "the token was given in env/envvars")
        leaks, scanned = files_containing(pdd, token.encode())
        runner_env_copy = [os.path.join("artifacts", "job1", "command")]
        check(scanned > 3, "artifacts scanned", "%d files" % scanned)
        check([f for f in leaks if f not in runner_env_copy] == [],
              "token absent from every artifact (stdout, job_events, fact_cache, ...) outside env/", ", ".join(leaks))
        print("  (%d files scanned; %s holds ansible-runner's copy of the input environment)" % (
            scanned, runner_env_copy[0]), flush=True)
        return finish(work, args.keep)
    except Exception as exc:  # pylint: disable=broad-except
        check(False, "test ran to the end", "%s: %s" % (type(exc).__name__, exc))
        return finish(work, args.keep)


def finish(work: str, keep: bool) -> int:
    if keep:
        print("kept %s" % work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    passed = sum(1 for result in RESULTS if result[0])
    failed = len(RESULTS) - passed
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
