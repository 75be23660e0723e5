#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: polaris_info
short_description: Read the catalogs, principals and roles of an Apache Polaris realm
version_added: 0.2.0
description:
  - Reads (never writes to Polaris) the catalogs of a realm with their storage, properties, namespaces, catalog
    roles and grants; the principals with their principal roles; the principal roles with the catalog roles assigned
    to them. Secrets are never read (Polaris never returns them outside a create, rotate or reset).
  - O(format=setup) returns the same realm in the YAML structure of the official CLI's C(polaris setup apply) and
    C(polaris setup export) (PyPI C(apache-polaris)); O(dest) writes it to a file.
author:
  - dataplatform.lakehouse contributors (@dataplatform)
extends_documentation_fragment:
  - dataplatform.lakehouse.polaris
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Reads as usual; O(dest) is not written in check mode (C(changed) says whether it would be).
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: With O(dest), the file's content before and after.
options:
  catalogs:
    description:
      - Only these catalogs (all by default). Principal-role assignments are then read in these catalogs only.
    type: list
    elements: str
  format:
    description:
      - V(native) returns RV(catalogs), RV(principals) and RV(principal_roles) in this collection's format (what
        M(dataplatform.lakehouse.polaris_catalog) and friends take and return).
      - V(setup) also returns RV(setup), the C(polaris setup apply) structure (C(principals), C(principal_roles),
        C(catalogs) with C(roles) whose C(privileges) hold catalog and namespace privileges, C(assign_to), and
        C(namespaces)). Table and view grants have no place in that format (the CLI ignores them) and are left out,
        as are policies and namespace properties.
    type: str
    choices: [native, setup]
    default: native
  dest:
    description:
      - With O(format=setup), write RV(setup) as YAML to this path (mode 0600, atomically); C(changed) is true when
        the file's content changed. Needs PyYAML on the host that runs the module.
    type: path
seealso:
  - module: dataplatform.lakehouse.polaris_catalog
'''

EXAMPLES = r'''
- name: Everything in the realm
  dataplatform.lakehouse.polaris_info:
    polaris_uri: http://127.0.0.1:8181
    polaris_client_id: "{{ polaris_root_id }}"
    polaris_client_secret: "{{ polaris_root_secret }}"
  register: realm

- name: One catalog as a polaris setup file
  dataplatform.lakehouse.polaris_info:
    polaris_uri: http://127.0.0.1:8181
    polaris_client_id: "{{ polaris_root_id }}"
    polaris_client_secret: "{{ polaris_root_secret }}"
    catalogs: [lakehouse]
    format: setup
    dest: /srv/polaris/setup.yaml
'''

RETURN = r'''
catalogs:
  description: The catalogs, as M(dataplatform.lakehouse.polaris_catalog) returns one, plus C(namespaces) (dotted names).
  returned: always
  type: list
  elements: dict
  sample:
    - name: lakehouse
      type: internal
      default_base_location: s3://lakehouse/warehouse
      properties: {}
      storage: {type: s3, allowed_locations: ["s3://lakehouse/warehouse"], endpoint: "http://127.0.0.1:7480"}
      catalog_roles:
        - {name: catalog_admin, properties: {}, grants: [{type: catalog, privilege: CATALOG_MANAGE_ACCESS}]}
      namespaces: [sales, sales.eu]
principals:
  description: The principals (C(name), C(client_id), C(properties), C(principal_roles)); never a secret.
  returned: always
  type: list
  elements: dict
principal_roles:
  description: The principal roles (C(name), C(properties), C(catalog_roles) as C(catalog)/C(role) pairs).
  returned: always
  type: list
  elements: dict
setup:
  description: The realm in the C(polaris setup apply) YAML structure.
  returned: when O(format=setup)
  type: dict
dest:
  description: The file written.
  returned: when O(dest) is given
  type: str
diff:
  description: The content of O(dest) before and after.
  returned: in diff mode with O(dest)
  type: dict
elapsed_seconds:
  description: Seconds the module worked.
  returned: always
  type: float
'''

import os
import traceback

try:
    import yaml
    YAML_IMPORT_ERROR = None
except ImportError:
    YAML_IMPORT_ERROR = traceback.format_exc()

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.module import LakehouseModule
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.connection import polaris_argument_spec
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.credentials import write_private
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.entities import session
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.export import read_realm, setup_document

ARGUMENT_SPEC = dict(
    catalogs=dict(type='list', elements='str'),
    format=dict(type='str', choices=['native', 'setup'], default='native'),
    dest=dict(type='path'),
)


def run(module):
    params = module.params
    realm, grant_sets = read_realm(session(module), params['catalogs'])
    result = dict(changed=False, **realm)
    if params['format'] != 'setup':
        return result
    result['setup'] = setup_document(realm, grant_sets)
    if params['dest']:
        text = yaml.safe_dump(result['setup'], sort_keys=False, indent=2, default_flow_style=False)
        before = None
        if os.path.exists(params['dest']):
            with open(params['dest']) as handle:
                before = handle.read()
        result['changed'] = before != text
        result['dest'] = params['dest']
        result['diff'] = dict(before=before or '', after=text, before_header=params['dest'], after_header=params['dest'])
        if result['changed'] and not module.check_mode:
            write_private(params['dest'], text.encode('utf-8'))
    return result


def main():
    module = LakehouseModule(argument_spec=ARGUMENT_SPEC, connections=[polaris_argument_spec()],
                             supports_check_mode=True)
    if module.params['dest'] and module.params['format'] != 'setup':
        module.fail_json(msg='polaris_info: dest is only written with format: setup; set format: setup or drop dest.')
    if module.params['format'] == 'setup':
        module.require('PyYAML', YAML_IMPORT_ERROR)
    module.run(run, module)


if __name__ == '__main__':
    main()
