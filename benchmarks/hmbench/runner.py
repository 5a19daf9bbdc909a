"""Run the measured processes: ansible-playbook, the peer scripts and the module on its own."""

import json
import os
import re
import subprocess
import sys
import time

from hmbench.emulator import JOINED_AT, JOINED_MS, LEFT_AT, TOKEN

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # benchmarks/
PLAYBOOKS = os.path.join(HERE, "playbooks")
MODULE = "ansible_collections.hubspot.marketing.plugins.modules.marketing_event_attendance"
_SUMMARY = re.compile(r'"msg": ("BENCH-SUMMARY )')


def run_measured(cmd, env, cwd, label):
    """Run ``cmd``; wall seconds, exit code, CPU seconds and peak RSS (MiB, the largest process of its tree)."""
    out_path = os.path.join(cwd, "%s.out" % label)
    with open(out_path, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        # wait4: rusage of this child and every descendant it reaped; ru_maxrss is the largest of them.
        dummy, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    with open(out_path, "rb") as handle:
        output = handle.read().decode("utf-8", "replace")
    return {"wall_s": wall, "rc": proc.returncode, "cpu_s": usage.ru_utime + usage.ru_stime,
            "tree_rss_mib": usage.ru_maxrss / 1024.0, "output": output}


def summary(output):
    """The JSON a playbook printed after ``BENCH-SUMMARY`` (a debug task's ``msg``), or {}."""
    match = _SUMMARY.search(output)
    if not match:
        return {}
    try:
        text = json.JSONDecoder().raw_decode(output, match.start(1))[0]
        return json.loads(text[len("BENCH-SUMMARY "):])
    except ValueError:
        return {}


def _ansible_env(collections_path, workdir):
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "HUBSPOT_")))
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": collections_path,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        "ANSIBLE_HOME": os.path.join(workdir, "ansible-home"),
        "ANSIBLE_LOCAL_TEMP": os.path.join(workdir, "ansible-tmp"),
        "ANSIBLE_REMOTE_TEMP": os.path.join(workdir, "ansible-remote-tmp"),
        "ANSIBLE_CONFIG": os.path.join(workdir, "ansible.cfg"),  # empty: defaults only
        "BENCH_MODULE_LOG": os.path.join(workdir, "modules.jsonl"),
    })
    open(env["ANSIBLE_CONFIG"], "w").close()
    return env


def _module_wrapper(python, workdir):
    """A copy of module_python.py that runs under ``python``: Ansible's interpreter for the modules."""
    path = os.path.join(workdir, "module-python")
    with open(os.path.join(HERE, "module_python.py")) as src:
        body = src.read()
    with open(path, "w") as handle:
        handle.write("#!%s\n%s" % (python, body))
    os.chmod(path, 0o755)
    return path


class Runner:
    """Starts every measured process with a clean environment and a private work directory."""

    def __init__(self, python, collections_path, workdir, sdk_python=None):
        self.python = python
        self.sdk_python = sdk_python or sys.executable
        self.collections_path = collections_path
        self.workdir = workdir
        playbook_bin = os.path.join(os.path.dirname(python), "ansible-playbook")
        self.playbook_cmd = [playbook_bin] if os.access(playbook_bin, os.X_OK) else [python, "-m", "ansible", "playbook"]
        self.inventory = os.path.join(workdir, "inventory.ini")
        with open(self.inventory, "w") as handle:
            handle.write("localhost ansible_connection=local ansible_python_interpreter=%s\n" % _module_wrapper(python, workdir))
        self.env = _ansible_env(collections_path, workdir)
        self.counter = 0

    def _label(self, name):
        self.counter += 1
        return "%03d-%s" % (self.counter, name)

    def _write_json(self, label, suffix, data):
        path = os.path.join(self.workdir, "%s.%s.json" % (label, suffix))
        with open(path, "w") as handle:
            json.dump(data, handle)
        return path

    def _module_runs(self):
        path = self.env["BENCH_MODULE_LOG"]
        if not os.path.exists(path):
            return []
        with open(path) as handle:
            runs = [json.loads(line) for line in handle if line.strip()]
        os.remove(path)
        return runs

    def playbook(self, name, extra_vars):
        """Run benchmarks/playbooks/NAME.yml with the default stdout callback (one line per task, as for a
        user); adds the module processes' measurements and the ``BENCH-SUMMARY`` the playbook printed."""
        label = self._label(name)
        vars_path = self._write_json(label, "vars", extra_vars)
        self._module_runs()
        cmd = self.playbook_cmd + ["-i", self.inventory, "-e", "@" + vars_path, os.path.join(PLAYBOOKS, name + ".yml")]
        result = run_measured(cmd, dict(self.env, ANSIBLE_STDOUT_CALLBACK="default"), self.workdir, label)
        result["modules"] = self._module_runs()
        result["summary"] = summary(result["output"])
        if result["rc"] != 0:
            sys.stderr.write("!! %s exited %d; last output:\n%s\n" % (name, result["rc"], result["output"][-3000:]))
        return result

    def _script(self, name, cmd):
        label = self._label(name)
        result = run_measured(cmd, self.env, self.workdir, label)
        try:
            result["script"] = json.loads(result["output"].strip().splitlines()[-1])
        except (ValueError, IndexError):
            result["script"] = None
        if result["rc"] != 0 or result["script"] is None:
            sys.stderr.write("!! %s exited %d:\n%s\n" % (name, result["rc"], result["output"][-3000:]))
        return result

    def per_contact_script(self, base_url, event_id, contacts):
        path = self._write_json(self._label("contacts"), "contacts", contacts)
        return self._script("script", [
            self.python, os.path.join(HERE, "per_contact_script.py"), "--base-url", base_url, "--token", TOKEN,
            "--event-id", str(event_id), "--state", "attended", "--contacts", path,
            "--joined-at", JOINED_AT, "--left-at", LEFT_AT, "--occurred-ms", str(JOINED_MS)])

    def sdk_writer(self, base_url, event_id, contacts):
        path = self._write_json(self._label("contacts"), "contacts", contacts)
        return self._script("sdk", [
            self.sdk_python, os.path.join(HERE, "sdk_writer.py"), "--base-url", base_url, "--token", TOKEN,
            "--event-id", str(event_id), "--contacts", path,
            "--joined-at", JOINED_AT, "--left-at", LEFT_AT, "--occurred-ms", str(JOINED_MS)])

    def module(self, module_args, check_mode=False):
        """Run the attendance module as its own process (no Ansible controller), as AnsiballZ would.

        Its peak RSS is that process alone. Module arguments go in an ``ANSIBLE_MODULE_ARGS`` file.
        """
        label = self._label("module")
        args = dict(module_args, _ansible_check_mode=check_mode)
        path = self._write_json(label, "args", {"ANSIBLE_MODULE_ARGS": args})
        env = dict(self.env, PYTHONPATH=self.collections_path.split(os.pathsep)[0])
        result = run_measured([self.python, "-m", MODULE, path], env, self.workdir, label)
        try:
            result["result"] = json.loads(result["output"].strip().splitlines()[-1])
        except (ValueError, IndexError):
            result["result"] = None
        return result
