# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The connection options every module and the lookup share.
    DOCUMENTATION = r'''
options:
  access_token:
    description:
      - A HubSpot private-app access token (or an OAuth access token) with the scope
        C(crm.objects.marketing_events.read), plus C(crm.objects.marketing_events.write) to record attendance.
      - Modules fall back to the environment variable E(HUBSPOT_ACCESS_TOKEN) on the host that runs them
        (the controller for C(localhost), or the C(delegate_to) host).
      - Never logged, returned or shown in a diff.
      - Set it once for a play with C(module_defaults) and the action group C(group/hubspot.marketing.hubspot).
    type: str
    required: true
  base_url:
    description:
      - Base URL of the HubSpot API. Only C(http) and C(https) are accepted; credentials, a query string or a fragment are refused.
      - Point it at a local HubSpot emulator or a proxy for tests.
      - Falls back to the environment variable E(HUBSPOT_BASE_URL).
    type: str
    default: https://api.hubapi.com
  validate_certs:
    description:
      - Verify the TLS certificate of O(base_url). Turn it off only for a trusted test endpoint; a warning is shown when it is off.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for each HTTP answer (the connect wait is at most 10 seconds).
      - A request that takes longer is abandoned and retried within O(max_retries).
    type: float
    default: 30
  max_retries:
    description:
      - How many times one request is retried after a rate limit (HTTP 429, honouring C(Retry-After), capped at 60 seconds),
        HTTP 423, 477, 500, 502, 503, 504 or 521, a timeout or a dropped connection, with exponential backoff.
      - A 429 for the daily limit is never retried.
      - V(0) disables retrying.
    type: int
    default: 5
'''

    # What the lookup adds: variables and environment, read on the controller.
    PLUGINS = r'''
options:
  access_token:
    env:
      - name: HUBSPOT_ACCESS_TOKEN
    vars:
      - name: hubspot_access_token
  base_url:
    env:
      - name: HUBSPOT_BASE_URL
    vars:
      - name: hubspot_base_url
'''
