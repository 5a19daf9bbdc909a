# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Running a module's main() in-process, the same way on ansible-core 2.16, 2.19 and 2.21."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import io
import json

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes


@contextlib.contextmanager
def set_module_args(args):
    """Expose ``args`` to AnsibleModule: ``patch_module_args`` on 2.19+, ``_ANSIBLE_ARGS`` before."""
    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:  # ansible-core < 2.19
        patch_module_args = None
    if patch_module_args is not None:
        with patch_module_args(args):
            yield
        return
    saved = basic._ANSIBLE_ARGS
    basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    try:
        yield
    finally:
        basic._ANSIBLE_ARGS = saved


@contextlib.contextmanager
def recorded_warnings():
    """The messages passed to ``AnsibleModule.warn`` meanwhile, recorded at the call.

    How core carries warnings into the printed result differs between versions and, since
    2.19, with what else the test process has loaded (after a lookup test, the controller's
    Display takes them); the call itself is what the module controls.
    """
    messages = []
    original = basic.AnsibleModule.warn

    def record(self, warning):
        messages.append(warning)
        return original(self, warning)

    basic.AnsibleModule.warn = record
    try:
        yield messages
    finally:
        basic.AnsibleModule.warn = original


def run_module(module, args):
    """Run ``module.main()`` with ``args``; return ``(exit_code, result)`` from the JSON it printed.

    ``result["_warned"]`` lists the warnings the module issued (see ``recorded_warnings``).
    """
    out = io.StringIO()
    code = None
    with set_module_args(args), contextlib.redirect_stdout(out), recorded_warnings() as warned:
        try:
            module.main()
        except SystemExit as exc:
            code = exc.code
    text = out.getvalue()
    assert code is not None, "main() returned without exit_json/fail_json"
    assert "{" in text, "main() printed no JSON: %r" % text[:500]
    result = json.loads(text[text.index("{"):])
    result["_warned"] = warned
    return code, result


def run_task(module, args):
    """``run_module`` as a task sees it: ``(failed, result)``; failed when it exited non-zero or said so."""
    code, result = run_module(module, args)
    return code != 0 or bool(result.get("failed")), result


def assert_not_printed(result, secret):
    """Neither ``secret`` (a no_log value, such as the access token) nor Ansible's mask of it is in ``result``.

    ansible-core replaces a no_log value with ``********`` wherever a module prints it, so a result
    of ``main()`` never shows the value itself even when the module printed it: the mask is the evidence.
    """
    text = json.dumps(result)
    assert secret not in text, "the secret is in the result: %s" % text[:500]
    assert "********" not in text, "the module printed a no_log value (masked by Ansible): %s" % text[:500]
