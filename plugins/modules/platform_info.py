#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: platform_info
short_description: Describe the live lakehouse platform as a normalized, secret-free facts document
version_added: 0.1.0
description:
  - Introspects the platform and returns RV(platform), a document that can be written to a file, compared later
    with the C(dataplatform.lakehouse.platform_drift) filter and read by people. Sections -
  - C(s3) - the endpoint, the server product, and per bucket whether it exists, its versioning and its lifecycle
    rules (by rule id, in the form M(dataplatform.lakehouse.ceph_s3_validate) takes them).
  - C(catalog) - the Iceberg catalog (PyIceberg SQL catalog or a REST catalog such as Polaris) - per namespace its
    properties and tables; per table the location, UUID, format version, columns (name, type, required),
    partition spec, sort order, properties, refs (tags and branches) and whether it has rows.
  - C(backups) - the backups written by M(dataplatform.lakehouse.metastore_backup) under a bucket/prefix or a
    directory - per database whether one exists, how many, the newest one and its age in seconds.
  - C(polaris) - with O(polaris_uri), the Apache Polaris catalogs, catalog roles and their grants, principals and
    their principal roles, and which catalog roles each principal role holds; without it C(deployed=false).
  - C(hive_metastore) - with O(hive_metastore_uri), the Hive Metastore's databases (O(hive_metastore_databases),
    default every one) - per database whether it exists and its tables; per table its type, whether it is an Iceberg
    table and, for one, its C(metadata_location) (kept with O(volatile=false) too - a restore, a rollback or a writer
    moves it, and a recorded test names that as drift) and its location.
  - Values that change while nothing drifted (newest backup, counts, ages, snapshot ids, row counts) are left out
    with O(volatile=false); that is the form a recorded expectation keeps.
  - No secret is returned; principals' client ids are left out too.
  - By default only what is asked for is described (the buckets, namespaces and databases given), so that objects
    of other users of the same endpoint do not appear; leave O(buckets), O(namespaces) or O(backup_databases) unset
    to widen the scope to everything visible.
author:
  - dataplatform.lakehouse contributors (@dataplatform)
extends_documentation_fragment:
  - dataplatform.lakehouse.iceberg
  - dataplatform.lakehouse.s3
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Reads only (a SQL catalog's tables are never created); behaves the same in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
options:
  sections:
    description:
      - Sections to describe. Default - V(s3) and V(polaris) always, V(catalog) when O(catalog_uri) is set,
        V(backups) when O(backup_bucket) or O(backup_directory) is set, V(hive_metastore) when
        O(hive_metastore_uri) is set.
    type: list
    elements: str
    choices: [s3, catalog, backups, polaris, hive_metastore]
  endpoint_url:
    description:
      - S3 endpoint of the buckets, the backups and the table files. Required for the V(s3) section and for
        backups in a bucket.
  access_key:
    description: S3 access key id, required with O(endpoint_url).
  secret_key:
    description: S3 secret key, required with O(endpoint_url). Never logged, never returned.
  catalog_uri:
    description:
      - Catalog connection as for M(dataplatform.lakehouse.iceberg_table_info); required for the V(catalog) section.
      - Falls back to E(LAKEHOUSE_CATALOG_URI).
    required: false
  buckets:
    description:
      - Buckets to describe. A bucket given here that does not exist is reported with C(exists=false).
      - Omit to describe every bucket the credentials can list.
    type: list
    elements: str
  namespaces:
    description:
      - Iceberg namespaces to describe (dots separate levels). A namespace given here that does not exist is
        reported with C(exists=false).
      - Omit to describe every top-level namespace of the catalog.
    type: list
    elements: str
  backup_bucket:
    description: Bucket holding the metastore backups (on O(endpoint_url)).
    type: str
  backup_prefix:
    description: Key prefix of the backups in O(backup_bucket).
    type: str
    default: ''
  backup_directory:
    description: Directory holding the metastore backups (instead of O(backup_bucket)).
    type: path
  backup_databases:
    description:
      - Databases whose backups to describe; one given here without backups is reported with C(present=false).
      - Omit to describe every database that has backups under the destination.
    type: list
    elements: str
  backup_max_age:
    description:
      - Maximum age the newest backup of each database may have, recorded as C(max_age_seconds) for the drift
        comparison. Seconds, or a number with a unit V(s), V(m), V(h), V(d) or V(w) (V(2d) is two days, for a
        daily schedule with a day of slack).
    type: raw
  polaris_uri:
    description:
      - Base URI of Apache Polaris (V(http://127.0.0.1:8181); C(/api/catalog) or C(/api/management/v1) suffixes
        are accepted). Without it the V(polaris) section says C(deployed=false).
    type: str
  polaris_realm:
    description: Polaris realm, sent in the C(Polaris-Realm) header.
    type: str
  polaris_client_id:
    description: Client id of a principal that may read the management API (for example the root principal).
    type: str
  polaris_client_secret:
    description: Its client secret. Never logged, never returned.
    type: str
  polaris_catalogs:
    description:
      - Polaris catalogs to describe (catalog roles and grants); one given here that does not exist is reported
        with C(exists=false). Omit for every catalog.
    type: list
    elements: str
  polaris_validate_certs:
    description: Verify the TLS certificate of Polaris.
    type: bool
    default: true
  hive_metastore_uri:
    description: Thrift URI of a Hive Metastore (C(thrift://HOST:PORT)); enables the V(hive_metastore) section.
    type: str
  hive_metastore_databases:
    description: The Hive Metastore databases to describe; default every database of the metastore.
    type: list
    elements: str
  volatile:
    description:
      - Include the values that change without drift (newest backup name, count and age, invalid backups, current
        snapshot id, record and data file counts). V(false) gives the document to record as an expectation.
    type: bool
    default: true
requirements:
  - boto3 >= 1.36
notes:
  - The facts document is the input of the C(dataplatform.lakehouse.platform_drift) filter and of the tests that
    C(playbooks/create_integration_test.yml) writes (see C(docs/platform-tests.md)).
seealso:
  - module: dataplatform.lakehouse.ceph_s3_validate
  - module: dataplatform.lakehouse.iceberg_table_info
  - module: dataplatform.lakehouse.metastore_backup_info
'''

EXAMPLES = r'''
- name: Describe what the inventory declares (buckets, the SQL catalog's namespace, the backups)
  dataplatform.lakehouse.platform_info:
    endpoint_url: "{{ lakehouse_s3.endpoint_url }}"
    access_key: "{{ lakehouse_s3.access_key }}"
    secret_key: "{{ lakehouse_s3.secret_key }}"
    buckets: [iceberg-test, lakehouse-warehouse, metastore-backups]
    catalog_type: sql
    catalog_uri: "postgresql+psycopg://{{ lakehouse_postgresql.user }}@127.0.0.1:5544/iceberg_catalog"
    catalog_password: "{{ lakehouse_postgresql.password }}"
    namespaces: [lakehouse]
    backup_bucket: metastore-backups
    backup_prefix: metastore
    backup_max_age: 2d
  register: platform

- name: Record it (secret-free) as an expectation
  ansible.builtin.copy:
    dest: expected.yml
    content: "{{ platform.platform | to_nice_yaml }}"
    mode: "0644"

- name: Polaris catalogs, roles and grants only
  dataplatform.lakehouse.platform_info:
    sections: [polaris]
    polaris_uri: https://polaris.example.internal
    polaris_realm: POLARIS
    polaris_client_id: "{{ vault_polaris_root_client_id }}"
    polaris_client_secret: "{{ vault_polaris_root_client_secret }}"
  register: polaris
'''

RETURN = r'''
sections:
  description: The sections described.
  returned: always
  type: list
  elements: str
  sample: [s3, catalog, backups, polaris]
platform:
  description: The facts document, one key per section described.
  returned: always
  type: dict
  contains:
    s3:
      description: C(endpoint_url), C(region), C(server) (product guessed from the headers) and C(buckets) by name,
        each with C(exists), C(versioning) (V(disabled), V(enabled) or V(suspended)) and C(lifecycle_rules) by id.
      returned: when described
      type: dict
    catalog:
      description: C(type), C(name), C(warehouse) and C(namespaces) by name, each with C(exists), C(properties) and
        C(tables) by name (C(uuid), C(location), C(format_version), C(schema), C(partition_spec), C(sort_order),
        C(properties), C(refs), C(has_rows); with O(volatile) also C(current_snapshot_id), C(records) and C(data_files)).
      returned: when described
      type: dict
    backups:
      description: C(destination) and C(databases) by name, each with C(present) and C(max_age_seconds); with
        O(volatile) also C(count), C(invalid), C(newest), C(newest_finished_at) and C(newest_age_seconds).
      returned: when described
      type: dict
    hive_metastore:
      description: C(uri) and C(databases) - per database C(exists) and C(tables), per table C(table_type), C(iceberg),
        C(metadata_location) (Iceberg tables) and C(location).
      returned: when described
      type: dict
    polaris:
      description: C(deployed); when deployed C(uri), C(realm), C(catalogs) (with C(roles) and their C(grants)),
        C(principals) (with C(principal_roles)) and C(principal_roles) (with C(catalog_roles) per catalog);
        otherwise C(reason).
      returned: when described
      type: dict
  sample:
    s3:
      endpoint_url: http://127.0.0.1:7480
      region: us-east-1
      server: ceph-rgw
      buckets:
        iceberg-test:
          exists: true
          versioning: disabled
          lifecycle_rules:
            expire-scratch: {prefix: tmp/, enabled: true, expiration_days: 3}
    catalog:
      type: sql
      name: lakehouse
      namespaces:
        lakehouse:
          exists: true
          properties: {}
          tables:
            sample_data:
              location: s3://lakehouse-warehouse/iceberg/lakehouse/sample_data
              schema: [{name: id, type: long, required: true}]
              has_rows: true
    backups:
      destination: s3://metastore-backups/metastore/
      databases:
        polaris: {present: true, max_age_seconds: 172800, count: 3, newest_age_seconds: 5400}
    polaris:
      deployed: false
      reason: no Polaris connection was given (polaris_uri)
elapsed_seconds:
  description: Seconds the module spent on its work, after Python start-up and imports (what Ansible adds is the rest of the task's time).
  returned: success
  type: float
  sample: 0.412
'''

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import one_line
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.options import iceberg_catalog_argument_spec
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.module import LakehouseModule
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.platform_facts import (
    SECTIONS,
    check_params,
    choose_sections,
    gather,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.connection import (
    BOTO3_IMPORT_ERROR,
    s3_connection_params,
)


def connections():
    """The connection layers whose options the module takes: the Iceberg catalog's (with the S3 layer's)."""
    return [iceberg_catalog_argument_spec()]


def argument_spec():
    """The module's own options (the connection options come from connections(); the catalog is optional here)."""
    return dict(
        catalog_uri=dict(iceberg_catalog_argument_spec()['catalog_uri'], required=False),
        sections=dict(type='list', elements='str', choices=list(SECTIONS)),
        buckets=dict(type='list', elements='str'),
        namespaces=dict(type='list', elements='str'),
        backup_bucket=dict(type='str'),
        backup_prefix=dict(type='str', default=''),
        backup_directory=dict(type='path'),
        backup_databases=dict(type='list', elements='str'),
        backup_max_age=dict(type='raw'),
        polaris_uri=dict(type='str'),
        polaris_realm=dict(type='str'),
        polaris_client_id=dict(type='str', no_log=False),
        polaris_client_secret=dict(type='str', no_log=True),
        polaris_catalogs=dict(type='list', elements='str'),
        polaris_validate_certs=dict(type='bool', default=True),
        hive_metastore_uri=dict(type='str'),
        hive_metastore_databases=dict(type='list', elements='str'),
        volatile=dict(type='bool', default=True),
    )


def describe_platform(params, sections):
    """The module result: the facts document of the chosen sections."""
    platform = gather(params, sections, s3_connection_params(params))
    return dict(changed=False, sections=sections, platform=platform)


def main():
    module = LakehouseModule(
        argument_spec=argument_spec(),
        connections=connections(),
        mutually_exclusive=[('backup_bucket', 'backup_directory')],
        required_by=dict(client_secret=['client_id'], polaris_client_secret=['polaris_client_id']),
        supports_check_mode=True,
    )
    params = module.params
    sections = choose_sections(params)
    problem = check_params(params, sections)
    if problem:
        module.fail_json(msg=problem)
    # Libraries after the parameters (as before): boto3 always, PyIceberg only for the catalog section.
    module.require('boto3', BOTO3_IMPORT_ERROR)
    if 'hive_metastore' in sections:
        from ansible_collections.dataplatform.lakehouse.plugins.module_utils.hive.client import HIVE_REQUIREMENT, THRIFT_IMPORT_ERROR
        module.require(HIVE_REQUIREMENT, THRIFT_IMPORT_ERROR)
    if 'catalog' in sections:
        # Imported here: S3, backup and Polaris facts load neither pyiceberg nor pyarrow.
        from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.catalog import ICEBERG_REQUIREMENT
        module.require(*ICEBERG_REQUIREMENT)
    module.run(describe_platform, params, sections,
               describe=lambda exc: 'platform_info failed unexpectedly: %s: %s' % (type(exc).__name__, one_line(exc, 300)))


if __name__ == '__main__':
    main()
