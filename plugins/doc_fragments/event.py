# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # How every plugin names one marketing event (checked by _options.event_errors).
    DOCUMENTATION = r'''
options:
  event_id:
    description:
      - HubSpot's internal id (C(objectId)) of the marketing event, a string of digits.
      - Mutually exclusive with O(external_event_id) and O(external_account_id).
    type: str
  external_event_id:
    description:
      - The event id given by the app that created the event (at most 1024 characters). Requires O(external_account_id).
      - HubSpot resolves external ids only for the app that created the event; any other app gets a not-found failure.
    type: str
  external_account_id:
    description:
      - The external account id that goes with O(external_event_id).
    type: str
'''
