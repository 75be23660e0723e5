#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: hive_metastore_check
short_description: Measure a Hive Metastore - an Iceberg table created, updated and queried on it, and its metadata lookups timed
version_added: 0.1.0
description:
  - Creates a scratch Iceberg table through the Hive Metastore (HMS) with the M(dataplatform.lakehouse.iceberg_table)
    code path (C(catalog_type=hive)), appends rows, adds a column and appends rows with it, reads it back with the
    M(dataplatform.lakehouse.iceberg_table_info) code path, and compares the metastore's own C(metadata_location)
    with the table's.
  - Then times O(calls) calls of each metadata lookup over Thrift on that table - C(get_all_databases),
    C(get_database) and C(get_table) on one connection, C(get_table) on a new connection per call (what PyIceberg
    does) - and gives p50, p95 and max per lookup against O(threshold_seconds) (the seed's 2 s).
  - The scratch table is dropped with its files at the end, and its database too when the module created it.
  - One run gives every Hive Metastore figure of the Phase 1 report (C(hive_metastore.json) of the M(dataplatform.lakehouse.phase1_report) inputs).
  - The module is a probe - it leaves nothing behind and never reports C(changed).
author:
  - dataplatform.lakehouse contributors (@dataplatform)
extends_documentation_fragment:
  - dataplatform.lakehouse.s3
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Writes nothing - only the lookups that need no table (on the C(default) database) are timed.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
options:
  uri:
    description:
      - The metastore's Thrift URI, C(thrift://HOST:PORT) (the local stack's is in C(credentials/hive_metastore.json)).
      - Falls back to E(LAKEHOUSE_HIVE_METASTORE_URI).
    type: str
    required: true
  warehouse:
    description: Where the scratch database's tables go when the module creates the database (C(<warehouse>/<namespace>.db)).
    type: str
    required: true
  namespace:
    description: The HMS database of the scratch table (one level, lower case). Created when missing, and dropped again.
    type: str
    default: lakehouse_check
  calls:
    description: Calls of each lookup.
    type: int
    default: 100
  threshold_seconds:
    description: The p95 of each lookup must be at most this.
    type: float
    default: 2
requirements:
  - pyiceberg[hive] (the thrift package and the Hive Metastore client PyIceberg ships)
'''

EXAMPLES = r'''
- name: Measure the local stack's Hive Metastore
  dataplatform.lakehouse.hive_metastore_check:
    uri: thrift://127.0.0.1:9083
    warehouse: s3://lakehouse-warehouse/hive
    endpoint_url: http://127.0.0.1:7480
    access_key: "{{ s3.access_key }}"
    secret_key: "{{ s3.secret_key }}"
    request_checksum_calculation: when_required
    response_checksum_validation: when_required
  register: hms

- name: Every lookup within 2 s and the table round trip good
  ansible.builtin.assert:
    that: hms.passed
    fail_msg: "{{ hms.problems }}"
'''

RETURN = r'''
uri:
  description: The metastore's URI.
  returned: always
  type: str
calls:
  description: Calls of each lookup.
  returned: always
  type: int
threshold_seconds:
  description: The threshold of each lookup's p95.
  returned: always
  type: float
lookups:
  description: Per lookup C(lookup), C(calls), C(p50_ms), C(p95_ms), C(max_ms) and C(under_threshold).
  returned: always
  type: list
  elements: dict
  sample: [{lookup: get_table (one connection), calls: 100, p50_ms: 5.28, p95_ms: 12.28, max_ms: 26.37, under_threshold: true}]
round_trip:
  description:
    - The scratch table - C(namespace), C(table), C(created), C(updated), C(added_column), C(rows_written),
      C(rows_read), C(notes_read) (rows read back with the added column set), C(schema) (column names),
      C(current_snapshot_id), C(data_files), C(metadata_location) (the table's), C(hms_metadata_location) and
      C(hms_table_type) (the metastore's), C(metadata_location_matches), C(dropped) and C(seconds) per step
      (C(create), C(update), C(query), C(drop)).
    - In check mode only C(skipped).
  returned: always
  type: dict
passed:
  description: The round trip is good and every lookup's p95 is within O(threshold_seconds).
  returned: always
  type: bool
problems:
  description: What is wrong, one line each (empty when RV(passed)).
  returned: always
  type: list
  elements: str
elapsed_seconds:
  description: Seconds the module spent on its work, after Python start-up and imports.
  returned: always
  type: float
'''

from ansible.module_utils.basic import env_fallback

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.hive.client import HIVE_REQUIREMENT, THRIFT_IMPORT_ERROR
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.hive.check import describe_error, run_check
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.catalog import ICEBERG_REQUIREMENT
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.module import LakehouseModule
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.connection import s3_argument_spec


def argument_spec():
    return dict(
        uri=dict(type='str', required=True, fallback=(env_fallback, ['LAKEHOUSE_HIVE_METASTORE_URI'])),
        warehouse=dict(type='str', required=True),
        namespace=dict(type='str', default='lakehouse_check'),
        calls=dict(type='int', default=100),
        threshold_seconds=dict(type='float', default=2.0),
    )


def main():
    module = LakehouseModule(argument_spec=argument_spec(), connections=[s3_argument_spec()],
                             requirements=[ICEBERG_REQUIREMENT, (HIVE_REQUIREMENT, THRIFT_IMPORT_ERROR)],
                             supports_check_mode=True)
    if module.params['calls'] < 1:
        module.fail_json(msg='calls must be at least 1 (got %d).' % module.params['calls'])
    if module.params['threshold_seconds'] <= 0:
        module.fail_json(msg='threshold_seconds must be more than 0 (got %s).' % module.params['threshold_seconds'])
    module.run(run_check, module.params, check_mode=module.check_mode,
               describe=lambda exc: describe_error(exc, module.params['uri']))


if __name__ == '__main__':
    main()
