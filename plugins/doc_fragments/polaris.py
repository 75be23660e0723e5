# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Connection options of every module that talks to Apache Polaris
    # (argument spec: plugins/module_utils/polaris/connection.py polaris_argument_spec()).
    DOCUMENTATION = r'''
options:
  polaris_uri:
    description:
      - The Polaris server, for example V(http://127.0.0.1:8181) (V(.../api/catalog) and V(.../api/management/v1)
        are accepted too).
      - Falls back to E(POLARIS_URI).
      - Set it once for every task with C(module_defaults) and the action group C(group/dataplatform.lakehouse.polaris).
    type: str
    required: true
  polaris_realm:
    description:
      - Realm, sent as the C(Polaris-Realm) header.
      - Falls back to E(POLARIS_REALM).
    type: str
    default: POLARIS
  polaris_client_id:
    description:
      - Client id of the calling principal (OAuth2 client credentials). Managing catalogs, principals and roles needs
        a principal with the C(service_admin) principal role, such as the realm's root principal.
      - Falls back to E(POLARIS_CLIENT_ID).
    type: str
  polaris_client_secret:
    description:
      - Client secret of the calling principal. Never logged.
      - Falls back to E(POLARIS_CLIENT_SECRET).
    type: str
  polaris_token:
    description:
      - A bearer token to use instead of client credentials (it cannot be renewed when it expires).
      - Falls back to E(POLARIS_TOKEN).
    type: str
  polaris_scope:
    description: OAuth2 scope of the token request.
    type: str
    default: PRINCIPAL_ROLE:ALL
  polaris_validate_certs:
    description: Verify the server's TLS certificate (V(https://) only).
    type: bool
    default: true
  polaris_timeout:
    description: Seconds to wait for each HTTP call.
    type: int
    default: 30
notes:
  - Tokens are fetched with the client credentials and fetched again when they expire or are refused; HTTP 429 and
    503 and refused connections are retried with back-off; every error is one line with Polaris's own message.
'''
