#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: polaris_principal_role
short_description: Manage an Apache Polaris principal role and the catalog roles assigned to it
version_added: 0.2.0
description:
  - Creates, updates or deletes one principal role of an Apache Polaris server and assigns catalog roles to it
    (a principal gets the privileges of the catalog roles of its principal roles).
  - The current state is read first and only the difference is sent; a second identical run makes no write call
    (Polaris 1.4.1 answers HTTP 500 to an assignment that already exists, apache/polaris#4553).
  - The catalogs and catalog roles named are checked before the first write. C(service_admin) is never managed.
author:
  - dataplatform.lakehouse contributors (@dataplatform)
extends_documentation_fragment:
  - dataplatform.lakehouse.polaris
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Reports what would change; no write call is sent.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: Properties and catalog-role assignments before and after.
options:
  name:
    description: Principal role name (1 to 256 characters, not V(system), not V(service_admin)).
    type: str
    required: true
  state:
    description: V(present) creates or updates the role; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  properties:
    description: Role properties (strings), merged into the existing ones unless O(purge_properties). Omit to leave them alone.
    type: dict
  purge_properties:
    description: Remove the properties that are not in O(properties).
    type: bool
    default: false
  catalog_roles:
    description:
      - Catalog roles to assign, each a catalog and one of its roles (declared with
        M(dataplatform.lakehouse.polaris_catalog)). Omit to leave the assignments alone.
    type: list
    elements: dict
    suboptions:
      catalog:
        description: Catalog name.
        type: str
        required: true
      role:
        description: Catalog role name.
        type: str
        required: true
  purge_catalog_roles:
    description:
      - Revoke the catalog roles, in every catalog, that are not in O(catalog_roles) (this reads the assignments in
        each catalog of the realm).
    type: bool
    default: false
seealso:
  - module: dataplatform.lakehouse.polaris_catalog
  - module: dataplatform.lakehouse.polaris_principal
'''

EXAMPLES = r'''
- name: The writers of the lakehouse catalog
  dataplatform.lakehouse.polaris_principal_role:
    polaris_uri: http://127.0.0.1:8181
    polaris_client_id: "{{ polaris_root_id }}"
    polaris_client_secret: "{{ polaris_root_secret }}"
    name: lakehouse_writer
    catalog_roles:
      - {catalog: lakehouse, role: writer}
    purge_catalog_roles: true
'''

RETURN = r'''
principal_role:
  description: The principal role after the run (what it would be in check mode); empty when absent.
  returned: always
  type: dict
  contains:
    name:
      description: Role name.
      type: str
    properties:
      description: Its properties.
      type: dict
    catalog_roles:
      description: The catalog roles assigned to it (C(catalog), C(role)) in the catalogs declared (all with purge).
      type: list
      elements: dict
    entity_version:
      description: Polaris entity version.
      type: int
  sample: {name: lakehouse_writer, properties: {}, catalog_roles: [{catalog: lakehouse, role: writer}]}
created:
  description: Whether the role was created.
  returned: always
  type: bool
changes:
  description: Each write made (or that would be made in check mode), one line each.
  returned: always
  type: list
  elements: str
diff:
  description: C(before) and C(after) of RV(principal_role).
  returned: in diff mode
  type: dict
elapsed_seconds:
  description: Seconds the module worked.
  returned: always
  type: float
'''

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.module import LakehouseModule
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.connection import polaris_argument_spec
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.entities import session
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.principals import converge_principal_role

ARGUMENT_SPEC = dict(
    name=dict(type='str', required=True),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    properties=dict(type='dict'),
    purge_properties=dict(type='bool', default=False),
    catalog_roles=dict(type='list', elements='dict', options=dict(
        catalog=dict(type='str', required=True),
        role=dict(type='str', required=True),
    )),
    purge_catalog_roles=dict(type='bool', default=False),
)


def main():
    module = LakehouseModule(argument_spec=ARGUMENT_SPEC, connections=[polaris_argument_spec()],
                             supports_check_mode=True)
    module.run(converge_principal_role, session(module), module.params)


if __name__ == '__main__':
    main()
