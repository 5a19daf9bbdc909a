# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# The pieces below are joined into the sections; each text is written once.
_CHECK_MODE = r'''
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
'''

_DIFF_MODE = r'''
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
'''

_READ_ONLY = r'''
    details:
      - This action does not modify state.
'''

_ACTION_GROUP = r'''
  action_group:
    description: Use C(group/hubspot.marketing.hubspot) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - hubspot.marketing.hubspot
'''

# What every module (never the lookup) says about where it runs.
_MODULE_NOTES = r'''
notes:
  - "The module runs where the task runs: use C(hosts: localhost) or C(delegate_to: localhost)."
  - "With an inventory that lists C(localhost) (C(-i localhost,), or a file), Ansible looks for a Python on it and may
    pick one without C(requests); set C(ansible_python_interpreter) to C({{ ansible_playbook_python }}) for C(localhost)
    (in the inventory, or with C(-e)). The implicit C(localhost) of a run without inventory already uses Ansible's own Python."
'''


def _section(*parts):
    return "options: {}\nattributes:" + "".join(part.rstrip("\n").lstrip("\n").join(("\n", "")) for part in parts) + "\n"


class ModuleDocFragment(object):

    # The attribute descriptions only; the module declares its support.
    DOCUMENTATION = _section(_CHECK_MODE, _DIFF_MODE)

    # A module that writes: full check mode and diff support, the action group, where it runs.
    # The module adds its own details under check_mode and diff_mode.
    MODULE = _section(_CHECK_MODE + "    support: full\n", _DIFF_MODE + "    support: full\n", _ACTION_GROUP) + _MODULE_NOTES.lstrip("\n")

    # A module that only reads: check mode always, no diff, the action group, where it runs.
    INFO_MODULE = _section(_CHECK_MODE + "    support: full" + _READ_ONLY, _DIFF_MODE + "    support: N/A" + _READ_ONLY,
                           _ACTION_GROUP) + _MODULE_NOTES.lstrip("\n")

    # Only the action group.
    ACTION_GROUP = _section(_ACTION_GROUP)
