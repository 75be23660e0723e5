#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: polaris_principal
short_description: Manage an Apache Polaris principal, its principal roles and its credentials
version_added: 0.2.0
description:
  - Creates, updates or deletes one principal (a service identity with OAuth2 client credentials) of an Apache
    Polaris server, assigns it principal roles, and rotates or resets its credentials.
  - Polaris shows a principal's secret only when it is created, rotated or reset. The module writes those new
    credentials to O(credentials_file) (optionally ansible-vault encrypted) and/or returns them with
    O(return_credentials); otherwise the secret is never in the module's output, not even at C(-vvv).
  - The current state is read first and only the difference is sent; a second identical run makes no write call
    (Polaris 1.4.1 answers HTTP 500 to an assignment that already exists, apache/polaris#4553).
author:
  - dataplatform.lakehouse contributors (@dataplatform)
extends_documentation_fragment:
  - dataplatform.lakehouse.polaris
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Reports what would change; nothing is created, rotated, reset or written to O(credentials_file).
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: The principal's client id, properties and principal roles before and after (never a secret).
options:
  name:
    description: Principal name (1 to 256 characters, not V(system)).
    type: str
    required: true
  state:
    description: V(present) creates or updates the principal; V(absent) deletes it (never the root principal).
    type: str
    choices: [present, absent]
    default: present
  properties:
    description: Principal properties (strings), merged into the existing ones unless O(purge_properties). Omit to leave them alone.
    type: dict
  purge_properties:
    description: Remove the properties that are not in O(properties).
    type: bool
    default: false
  principal_roles:
    description: Principal roles to assign (they must exist, see M(dataplatform.lakehouse.polaris_principal_role)). Omit to leave the assignments alone.
    type: list
    elements: str
  purge_principal_roles:
    description: Revoke the principal roles that are not in O(principal_roles).
    type: bool
    default: false
  credentials_action:
    description:
      - V(none) leaves existing credentials alone (a new principal always gets credentials).
      - V(rotate) gives the principal a new secret on every run (so the task always reports a change). Polaris 1.4.1
        lets only the principal itself call C(rotate); when the caller gets HTTP 403 the module resets the
        credentials to server-generated ones instead (same client id, new secret; RV(credentials_method) says which).
      - V(reset) sets the credentials to O(client_id) and O(client_secret) (C(POST /principals/{name}/reset), only
        the root principal may call it, and only while the server's C(ENABLE_CREDENTIAL_RESET) feature is on, the
        default). No change when Polaris already issues a token for them.
      - V(rotate_if_missing) rotates (as V(rotate)) only when O(credentials_file) does not exist, so that an existing
        principal whose file was lost gets usable credentials again and a second run changes nothing. Needs
        O(credentials_file).
    type: str
    choices: [none, rotate, reset, rotate_if_missing]
    default: none
  client_id:
    description: Client id to set with O(credentials_action=reset) (default the principal's current one).
    type: str
  client_secret:
    description: Client secret to set with O(credentials_action=reset). Never logged.
    type: str
  credentials_file:
    description:
      - Path (on the host that runs the module) where the new credentials of a create, rotate or reset are written, as
        JSON C({"principal", "client_id", "client_secret", "realm"}), mode 0600, atomically (a temporary file in the
        same directory renamed over it). Left alone when the credentials did not change.
    type: path
  credentials_vault_password_file:
    description:
      - When set, O(credentials_file) is encrypted with ansible-vault using the password on the first line of this
        file (read it back with C(ansible-vault view) or the C(ansible.builtin.file) lookup with C(--vault-password-file)).
      - "Needs the Python library C(cryptography) (an ansible-core dependency) on the host that runs the module; on the
        controller with C(delegate_to: localhost)."
    type: path
  return_credentials:
    description:
      - "Return the new credentials under RV(credentials). Set C(no_log: true) on the task when you do, or they will
        be shown in the task result and logs."
    type: bool
    default: false
notes:
  - When new credentials are neither written to O(credentials_file) nor returned they are lost (the module warns);
    get new ones with O(credentials_action=rotate).
seealso:
  - module: dataplatform.lakehouse.polaris_principal_role
  - module: dataplatform.lakehouse.polaris_catalog
'''

EXAMPLES = r'''
- name: A service principal for the ingestion jobs, its secret kept in a vault file
  dataplatform.lakehouse.polaris_principal:
    polaris_uri: http://127.0.0.1:8181
    polaris_client_id: "{{ polaris_root_id }}"
    polaris_client_secret: "{{ polaris_root_secret }}"
    name: ingest
    principal_roles: [lakehouse_writer]
    credentials_file: /etc/lakehouse/ingest-credentials.vault
    credentials_vault_password_file: /etc/lakehouse/vault-password
  delegate_to: localhost

- name: Rotate its secret and use it in the same play
  dataplatform.lakehouse.polaris_principal:
    polaris_uri: http://127.0.0.1:8181
    polaris_client_id: "{{ polaris_root_id }}"
    polaris_client_secret: "{{ polaris_root_secret }}"
    name: ingest
    credentials_action: rotate
    return_credentials: true
  register: ingest
  no_log: true

- name: Keep a usable credentials file (new credentials only when the file is gone)
  dataplatform.lakehouse.polaris_principal:
    polaris_uri: http://127.0.0.1:8181
    polaris_client_id: "{{ polaris_root_id }}"
    polaris_client_secret: "{{ polaris_root_secret }}"
    name: ingest
    credentials_action: rotate_if_missing
    credentials_file: /etc/lakehouse/ingest-credentials.json
'''

RETURN = r'''
principal:
  description: The principal after the run (what it would be in check mode); empty when absent. Never a secret.
  returned: always
  type: dict
  contains:
    name:
      description: Principal name.
      type: str
    client_id:
      description: Its OAuth2 client id.
      type: str
    properties:
      description: Its properties.
      type: dict
    principal_roles:
      description: Its principal roles.
      type: list
      elements: str
    entity_version:
      description: Polaris entity version.
      type: int
  sample: {name: ingest, client_id: 9ae9520cc1416b1b, properties: {}, principal_roles: [lakehouse_writer]}
created:
  description: Whether the principal was created.
  returned: always
  type: bool
changes:
  description: Each write made (or that would be made in check mode), one line each.
  returned: always
  type: list
  elements: str
credentials_changed:
  description: Whether the principal got new credentials in this run.
  returned: always
  type: bool
credentials_method:
  description: How the new credentials were obtained (V(create), V(rotate) or V(reset)); null when unchanged.
  returned: always
  type: str
credentials_file:
  description: The file the new credentials were written to.
  returned: when new credentials were written
  type: str
credentials:
  description: The new credentials (C(client_id), C(client_secret)). Use C(no_log) on the task.
  returned: when O(return_credentials) and the credentials changed
  type: dict
diff:
  description: C(before) and C(after) of RV(principal).
  returned: in diff mode
  type: dict
elapsed_seconds:
  description: Seconds the module worked.
  returned: always
  type: float
'''

import os

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.module import LakehouseModule
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.client import PolarisError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.connection import polaris_argument_spec, polaris_client
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.credentials import (
    check_destination, credentials_document, vault_encrypt, vault_password, write_private,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.entities import session
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.principals import converge_principal

ARGUMENT_SPEC = dict(
    name=dict(type='str', required=True),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    properties=dict(type='dict'),
    purge_properties=dict(type='bool', default=False),
    principal_roles=dict(type='list', elements='str'),
    purge_principal_roles=dict(type='bool', default=False),
    credentials_action=dict(type='str', choices=['none', 'rotate', 'reset', 'rotate_if_missing'], default='none'),
    client_id=dict(type='str', no_log=False),
    client_secret=dict(type='str', no_log=True),
    credentials_file=dict(type='path'),
    credentials_vault_password_file=dict(type='path', no_log=False),
    return_credentials=dict(type='bool', default=False),
)


def run(module):
    params = module.params
    password = None
    if params['credentials_file'] and params['state'] == 'present':
        check_destination(params['credentials_file'])
        if params['credentials_vault_password_file']:
            password = vault_password(params['credentials_vault_password_file'])

    def credentials_work(client_id, client_secret):
        probe = dict(params, polaris_client_id=client_id, polaris_client_secret=client_secret, polaris_token=None)
        try:
            polaris_client(probe).token()
            return True
        except PolarisError as error:
            if error.status in (400, 401, 403):
                return False
            raise

    if params['credentials_action'] == 'rotate_if_missing':
        # The file is read where the module runs, where it is written: its absence is the reason to rotate.
        params = dict(params, credentials_action='none' if os.path.exists(params['credentials_file']) else 'rotate')
    result = converge_principal(session(module), params, credentials_work)
    credentials = result.pop('new_credentials', None)
    result['credentials_changed'] = bool(credentials) or bool(module.check_mode and result['credentials_method'])
    if not credentials:
        if not module.check_mode:
            result['credentials_method'] = None
        return result
    client_id, secret = credentials.get('clientId'), credentials.get('clientSecret')
    if not params['return_credentials']:
        module.no_log_values.add(secret)
    if params['credentials_file']:
        text = credentials_document(params['name'], client_id, secret, params.get('polaris_realm'))
        data = vault_encrypt(text, password) if password else text.encode('utf-8')
        write_private(params['credentials_file'], data)
        result['credentials_file'] = params['credentials_file']
    if params['return_credentials']:
        result['credentials'] = dict(client_id=client_id, client_secret=secret)
    elif not params['credentials_file'] and result['credentials_method'] != 'reset':
        module.warn('the new credentials of principal %r were neither written (credentials_file) nor returned '
                    '(return_credentials); rotate them to get usable ones.' % params['name'])
    return result


def main():
    module = LakehouseModule(argument_spec=ARGUMENT_SPEC, connections=[polaris_argument_spec()],
                             supports_check_mode=True,
                             required_if=[('credentials_action', 'reset', ['client_secret']),
                                          ('credentials_action', 'rotate_if_missing', ['credentials_file'])],
                             required_by=dict(credentials_vault_password_file=['credentials_file']))
    module.run(run, module)


if __name__ == '__main__':
    main()
