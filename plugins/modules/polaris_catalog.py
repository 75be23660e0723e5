#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: polaris_catalog
short_description: Manage an Apache Polaris catalog, its S3 storage, catalog roles and grants
version_added: 0.2.0
description:
  - Creates, updates or deletes one catalog of an Apache Polaris server through its management API, with its
    properties, its S3 storage configuration and its catalog roles and their grants.
  - The current state is read first and only the difference is sent, so a second identical run makes no write call
    and reports no change. This is required on Polaris 1.4.1 with JDBC persistence, which answers HTTP 500 to a grant
    that already exists (apache/polaris#4553).
  - An existing catalog that differs is updated in place (C(PUT /catalogs/{name}) with its entity version; a
    concurrent update, HTTP 409, is re-read and retried). Its type and storage type cannot change.
  - Input is validated before the first write (names, privileges, locations, the namespaces, tables and views
    that grants name), so a refused input changes nothing.
  - The catalog role C(catalog_admin), which Polaris creates with every catalog, is never modified or deleted.
author:
  - dataplatform.lakehouse contributors (@dataplatform)
extends_documentation_fragment:
  - dataplatform.lakehouse.polaris
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Reads the current state and reports every change it would make; no write call is sent.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: The catalog (properties, storage) and the grants of the managed catalog roles, before and after.
options:
  name:
    description: Catalog name (1 to 256 characters, not V(system)).
    type: str
    required: true
  state:
    description: V(present) creates or updates the catalog; V(absent) deletes it (see O(force)).
    type: str
    choices: [present, absent]
    default: present
  type:
    description: V(internal) (Polaris manages the tables) or V(external). Cannot change on an existing catalog.
    type: str
    choices: [internal, external]
    default: internal
  default_base_location:
    description:
      - Default base location of the catalog's namespaces and tables, for example V(s3://lakehouse/warehouse).
        Required to create a catalog; Polaris adds it to the allowed locations.
      - It must lie under one of O(storage.allowed_locations) when those are given.
    type: str
  properties:
    description: Catalog properties (values are converted to strings). Merged into the existing ones unless O(purge_properties).
    type: dict
    default: {}
  purge_properties:
    description: Remove the properties that are not in O(properties) (the default base location is kept).
    type: bool
    default: false
  storage:
    description:
      - Storage configuration (S3 and S3-compatible stores such as Ceph RGW). Required to create a catalog. On an
        existing catalog only the fields given are compared and changed; the others are kept.
    type: dict
    suboptions:
      type:
        description: Storage type; it cannot change on an existing catalog.
        type: str
        choices: [s3]
        default: s3
      allowed_locations:
        description:
          - Locations (V(s3://bucket/prefix)) the catalog's tables may use. The exact list when given (the default
            base location is always added).
        type: list
        elements: str
      endpoint:
        description: S3 endpoint as clients see it (returned to them with the table config).
        type: str
      endpoint_internal:
        description: S3 endpoint as the Polaris server sees it (default O(storage.endpoint)).
        type: str
      path_style_access:
        description: Path-style bucket addressing (needed by Ceph RGW and MinIO without wildcard DNS).
        type: bool
      sts_unavailable:
        description: The store has no STS; Polaris vends no credentials (clients bring their own keys).
        type: bool
      region:
        description: Region of the store.
        type: str
      role_arn:
        description:
          - Role Polaris assumes (STS AssumeRole) to vend credentials scoped to a table's location, with
            O(storage.sts_unavailable=false). On Ceph RGW an RGW role, V(arn:aws:iam:::role/<name>) (the local
            stack's is in C(credentials/sts.json) with C(local_stack_rgw_sts); see C(docs/credential-vending.md)).
        type: str
      sts_endpoint:
        description: STS endpoint Polaris calls AssumeRole on (Ceph RGW answers STS on its S3 endpoint).
        type: str
      kms_unavailable:
        description:
          - The store has no KMS. Polaris then adds no C(kms:*) statements to the session policy of AssumeRole, which
            Ceph RGW 16.2 refuses as a malformed policy (HTTP 400). Set V(true) for credential vending on Ceph.
        type: bool
  catalog_roles:
    description:
      - Catalog roles and their grants. Missing roles are created and missing grants added; undeclared grants of a
        declared role are revoked only with O(purge_grants), undeclared roles deleted only with
        O(purge_catalog_roles). Omit to leave the roles alone.
      - Assign catalog roles to principal roles with M(dataplatform.lakehouse.polaris_principal_role).
    type: list
    elements: dict
    suboptions:
      name:
        description: Catalog role name (not V(catalog_admin)).
        type: str
        required: true
      grants:
        description: Privileges of the role.
        type: list
        elements: dict
        default: []
        suboptions:
          type:
            description: What the privilege is granted on.
            type: str
            choices: [catalog, namespace, table, view]
            default: catalog
          privilege:
            description:
              - A Polaris privilege valid for O(catalog_roles[].grants[].type), for example V(CATALOG_MANAGE_CONTENT),
                V(TABLE_READ_DATA), V(NAMESPACE_CREATE), V(VIEW_READ_PROPERTIES). An unknown one fails the run
                with the list of valid ones.
            type: str
            required: true
          namespace:
            description:
              - Namespace of a namespace, table or view grant, a list of levels or a dotted string (V(sales.eu)). It
                must exist (as must the table or view).
            type: raw
          name:
            description: Table or view name of a table or view grant.
            type: str
  purge_catalog_roles:
    description: Delete the catalog roles that are not in O(catalog_roles) (never C(catalog_admin)).
    type: bool
    default: false
  purge_grants:
    description: Revoke the grants of each declared role that are not declared. V(false) only adds.
    type: bool
    default: false
  force:
    description:
      - With O(state=absent), also drop the catalog's namespaces, tables and views (without purging their files).
        V(false) refuses to delete a catalog that still has namespaces, naming them.
    type: bool
    default: false
notes:
  - Grants are identified by type, privilege, namespace and name; Polaris 1.4.1 also lists policy grants, which this
    module neither adds nor revokes.
seealso:
  - module: dataplatform.lakehouse.polaris_principal_role
  - module: dataplatform.lakehouse.polaris_principal
  - module: dataplatform.lakehouse.polaris_info
'''

EXAMPLES = r'''
- name: Polaris entities of the lakehouse
  module_defaults:
    group/dataplatform.lakehouse.polaris:
      polaris_uri: http://127.0.0.1:8181
      polaris_client_id: "{{ polaris_root_id }}"
      polaris_client_secret: "{{ polaris_root_secret }}"
  block:
    - name: Catalog on Ceph RGW with a reader and a writer role
      dataplatform.lakehouse.polaris_catalog:
        name: lakehouse
        default_base_location: s3://lakehouse/warehouse
        storage:
          allowed_locations: [s3://lakehouse/warehouse]
          endpoint: http://rgw.example.internal:7480
          path_style_access: true
          sts_unavailable: true
          region: us-east-1
        properties:
          polaris.config.drop-with-purge.enabled: true
        catalog_roles:
          - name: writer
            grants:
              - privilege: CATALOG_MANAGE_CONTENT
          - name: sales_reader
            grants:
              - {type: namespace, namespace: sales, privilege: TABLE_READ_DATA}
              - {type: namespace, namespace: sales, privilege: NAMESPACE_LIST}
              - {type: table, namespace: sales, name: orders, privilege: TABLE_READ_PROPERTIES}
        purge_grants: true

    - name: Delete a catalog and whatever it still holds
      dataplatform.lakehouse.polaris_catalog:
        name: scratch
        state: absent
        force: true
'''

RETURN = r'''
catalog:
  description: The catalog after the run (what it would be in check mode); empty when absent.
  returned: always
  type: dict
  contains:
    name:
      description: Catalog name.
      type: str
    type:
      description: V(internal) or V(external).
      type: str
    default_base_location:
      description: Default base location.
      type: str
    properties:
      description: Properties other than the default base location.
      type: dict
    storage:
      description: Storage configuration (type, allowed_locations, endpoint, endpoint_internal, path_style_access,
        sts_unavailable, region, role_arn... as set).
      type: dict
    entity_version:
      description: Polaris entity version.
      type: int
    catalog_roles:
      description: The declared (and, with purge, the listed) catalog roles with their grants (type, privilege,
        namespace, name).
      type: list
      elements: dict
  sample:
    name: lakehouse
    type: internal
    default_base_location: s3://lakehouse/warehouse
    properties: {}
    storage: {type: s3, allowed_locations: ["s3://lakehouse/warehouse"], path_style_access: true}
    catalog_roles: [{name: writer, grants: [{type: catalog, privilege: CATALOG_MANAGE_CONTENT}]}]
created:
  description: Whether the catalog was created.
  returned: always
  type: bool
changes:
  description: Each write made (or that would be made in check mode), one line each, in order.
  returned: always
  type: list
  elements: str
  sample: ["create catalog 'lakehouse'", "create catalog role 'writer' in catalog 'lakehouse'",
           "grant catalog CATALOG_MANAGE_CONTENT to catalog role 'writer' of catalog 'lakehouse'"]
diff:
  description: C(before) and C(after) of the catalog (as RV(catalog)).
  returned: in diff mode
  type: dict
elapsed_seconds:
  description: Seconds the module worked.
  returned: always
  type: float
'''

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.module import LakehouseModule
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.catalogs import converge_catalog
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.connection import polaris_argument_spec
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.entities import session

GRANT_SPEC = dict(
    type=dict(type='str', choices=['catalog', 'namespace', 'table', 'view'], default='catalog'),
    privilege=dict(type='str', required=True),
    namespace=dict(type='raw'),
    name=dict(type='str'),
)
ARGUMENT_SPEC = dict(
    name=dict(type='str', required=True),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    type=dict(type='str', choices=['internal', 'external'], default='internal'),
    default_base_location=dict(type='str'),
    properties=dict(type='dict', default={}),
    purge_properties=dict(type='bool', default=False),
    storage=dict(type='dict', options=dict(
        type=dict(type='str', choices=['s3'], default='s3'),
        allowed_locations=dict(type='list', elements='str'),
        endpoint=dict(type='str'),
        endpoint_internal=dict(type='str'),
        path_style_access=dict(type='bool'),
        sts_unavailable=dict(type='bool'),
        region=dict(type='str'),
        role_arn=dict(type='str'),
        sts_endpoint=dict(type='str'),
        kms_unavailable=dict(type='bool'),
    )),
    catalog_roles=dict(type='list', elements='dict', options=dict(
        name=dict(type='str', required=True),
        grants=dict(type='list', elements='dict', default=[], options=GRANT_SPEC),
    )),
    purge_catalog_roles=dict(type='bool', default=False),
    purge_grants=dict(type='bool', default=False),
    force=dict(type='bool', default=False),
)


def main():
    module = LakehouseModule(argument_spec=ARGUMENT_SPEC, connections=[polaris_argument_spec()],
                             supports_check_mode=True)
    module.run(converge_catalog, session(module), module.params)


if __name__ == '__main__':
    main()
