# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Sections are string literals: ansible-test's yamllint reads them without running Python.

    Every module extends ``attributes`` (it writes) or ``attributes.info_module`` (it only reads),
    and ``attributes.action_group``; the module's own ``attributes`` add details.
    """

    # A module that writes: full check mode and diff support.
    DOCUMENTATION = r'''
options: {}
attributes:
  check_mode:
    support: full
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    support: full
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
'''

    # A module that only reads: the same in check mode, no diff.
    INFO_MODULE = r'''
options: {}
attributes:
  check_mode:
    details:
      - This action does not modify state.
    support: full
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    details:
      - This action does not modify state.
    support: N/A
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
'''

    # Every module (never the lookup): the action group, and where the module runs.
    ACTION_GROUP = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/hubspot.marketing.hubspot) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - hubspot.marketing.hubspot
notes:
  - "The module runs where the task runs: use C(hosts: localhost) or C(delegate_to: localhost)."
  - "With an inventory that lists C(localhost) (C(-i localhost,), or a file), Ansible looks for a Python on it and may
    pick one without C(requests); set C(ansible_python_interpreter) to C({{ ansible_playbook_python }}) for C(localhost)
    (in the inventory, or with C(-e)). The implicit C(localhost) of a run without inventory already uses Ansible's own Python."
'''
