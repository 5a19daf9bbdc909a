# -*- coding: utf-8 -*-
# Copyright: contributors to the hubspot.marketing collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # What every module and the lookup share: the connection options, who wrote them, what they need,
    # how they retry, and the API they call. Fragments merge author/requirements (as a sorted set)
    # and append notes/seealso after the plugin's own.
    DOCUMENTATION = r'''
author:
  - hubspot.marketing contributors (@hubspot-marketing)
requirements:
  - python >= 3.9
  - requests >= 2.30.0
  - urllib3 >= 2.0.0
notes:
  - Requests that HubSpot rate-limits or that fail transiently are retried (see O(max_retries)); a warning says when that happened.
seealso:
  - name: HubSpot marketing events API
    description: The marketing event, attendance and participation endpoints the collection calls.
    link: https://developers.hubspot.com/docs/api/marketing/marketing-events
options:
  access_token:
    description:
      - A HubSpot service key (recommended for new setups), a private-app access token (legacy, still working) or an
        OAuth access token (it expires after about 30 minutes; refresh it before the play), with the scope
        C(crm.objects.marketing_events.read), plus C(crm.objects.marketing_events.write) for the modules that write.
      - B(Required), in one of three ways. This option; the environment variable E(HUBSPOT_ACCESS_TOKEN) on the host
        that runs the module (the controller for C(localhost), or the C(delegate_to) host); or once for a play with
        C(module_defaults) and the action group C(group/hubspot.marketing.hubspot). A missing token fails the task
        with a message naming all three, before any request.
      - The token alone, without C(Bearer ) in front and without a trailing newline (use the C(trim) filter on a
        value read from a file); such a token is refused with a message that says which.
      - Never logged, returned or shown in a diff.
    type: str
  base_url:
    description:
      - Base URL of the HubSpot API. Only C(http) and C(https) are accepted; credentials, a query string or a fragment are refused.
      - Give the root only, such as C(https://api.hubapi.com). A URL with the API's own path (such as C(/marketing/v3)), which every request adds, is refused.
      - Point it at a local HubSpot emulator or a proxy for tests.
      - Falls back to the environment variable E(HUBSPOT_BASE_URL).
    type: str
    default: https://api.hubapi.com
  validate_certs:
    description:
      - Verify the TLS certificate of O(base_url), and that of the proxy when O(proxy) (or the proxy from the environment) is an
        C(https://) URL. Turn it off only for a trusted test endpoint; a warning is shown when it is off.
      - V(false) turns off both checks; there is no separate switch for the proxy.
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
        HTTP 423, 477, 500, 502, 503, 504 or 521, a timeout or a dropped connection, with exponential backoff
        (the first retry at once, the next ones after 2, 4, 8 and 16 seconds), except that a retry after HTTP 423 or 5xx
        waits at least 2 seconds, as HubSpot asks, and one after a 429 without C(Retry-After) (or with one that is
        neither whole seconds nor a date) at least 10 seconds (HubSpot's rate window).
      - A 429 for the daily limit is never retried.
      - V(0) disables retrying.
    type: int
    default: 5
  use_proxy:
    description:
      - Send the requests through a proxy when the environment asks for one, like C(ansible.builtin.uri).
      - The proxy comes from E(HTTPS_PROXY) (or E(HTTP_PROXY) for an C(http://) O(base_url), or E(ALL_PROXY)), upper or
        lower case, unless E(NO_PROXY) names the host of O(base_url). The variables are read on the host that runs the
        module (the controller for the lookup).
      - Only the proxy settings are taken from the environment. C(.netrc) files and E(REQUESTS_CA_BUNDLE) are never used,
        and nothing in the environment can replace the access token.
      - V(false) sends every request directly, ignoring O(proxy) and the environment.
    type: bool
    default: true
  proxy:
    description:
      - The URL of the proxy to use, C(http://HOST:PORT) or C(http://USER:PASSWORD@HOST:PORT) (percent-encode special
        characters in the user and password; a backslash, as in C(DOMAIN\user), is refused unless written C(%5C)),
        or C(https://...) when the connection to the proxy itself uses TLS.
      - The certificate of an C(https://) proxy is verified like that of O(base_url), whatever the scheme of O(base_url);
        against O(ca_path) if given (one bundle that vouches for both), otherwise against the default CA bundle, and not at all
        when O(validate_certs=false). HTTPS requests then run TLS inside the TLS connection to the proxy.
      - HTTPS requests are tunnelled through the proxy with C(CONNECT); the access token is sent inside the tunnel only.
      - When set, it is used for every request, whatever E(HTTPS_PROXY) and E(NO_PROXY) say. Not used when O(use_proxy=false), though still checked.
      - Treated as a secret because it may contain credentials, so it is never logged or returned; messages name the proxy
        as C(HOST:PORT) only.
    type: str
  ca_path:
    description:
      - A PEM file of CA certificates (or a directory of hashed certificates, as made by C(c_rehash)) used instead of the
        system's trusted CAs to verify the TLS certificate of O(base_url), and of the proxy when the proxy URL is C(https://)
        (the bundle must then vouch for both).
      - Use it for a private CA, or for a TLS-inspecting proxy that presents certificates signed by its own CA.
      - The path is on the host that runs the module (the controller for the lookup). Not used when O(validate_certs=false), though still checked.
    type: path
  api_version:
    description:
      - The version of HubSpot's Marketing Events API to call.
      - V(v3) uses the legacy numbered paths (C(/marketing/v3/marketing-events/...)), which HubSpot has announced to become
        unsupported in September 2027. V(2026-03) and V(2026-09) use the date-based paths
        (C(/marketing/marketing-events/2026-09/...)); HubSpot releases a version every March and September and supports each
        for 18 months. The requests and answers the collection uses are the same in all three.
      - V(v3) stays the default for the 0.x releases. Switch every task of a play at once (for modules the action
        group in C(module_defaults), for the lookup the variable C(hubspot_api_version), for both E(HUBSPOT_API_VERSION))
        and test it before HubSpot retires v3.
      - Falls back to the environment variable E(HUBSPOT_API_VERSION).
    type: str
    choices: [v3, '2026-03', '2026-09']
    default: v3
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
  use_proxy:
    vars:
      - name: hubspot_use_proxy
  proxy:
    vars:
      - name: hubspot_proxy
  ca_path:
    vars:
      - name: hubspot_ca_path
  api_version:
    env:
      - name: HUBSPOT_API_VERSION
    vars:
      - name: hubspot_api_version
'''
