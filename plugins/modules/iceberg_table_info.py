#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: iceberg_table_info
short_description: Describe an Apache Iceberg table and read its rows as of a snapshot, time or ref
version_added: 0.1.0
description:
  - Returns the schema, partition spec, sort order, properties, snapshots, refs (branches and tags), snapshot
    history, and the counts and sizes of the files of the current snapshot of an Iceberg table.
  - With O(query), also returns rows as of a snapshot id, a point in time or a ref (time travel), with the schema
    that snapshot was written with, a row filter, a column selection and a limit.
author:
  - dataplatform.lakehouse contributors (@dataplatform)
extends_documentation_fragment:
  - dataplatform.lakehouse.iceberg
  - dataplatform.lakehouse.s3
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Read-only; behaves the same in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
options:
  namespace:
    description: Namespace of the table; dots separate levels.
    type: str
    required: true
  name:
    description: Table name.
    type: str
    required: true
    aliases: [table]
  files:
    description: Count the data/delete files and manifests of the current snapshot (reads the manifests).
    type: bool
    default: true
  snapshots:
    description: Return every snapshot and the snapshot history.
    type: bool
    default: true
  query:
    description: Read rows. Without snapshot_id, timestamp or ref, the current snapshot is read.
    type: dict
    suboptions:
      snapshot_id:
        description: Snapshot to read.
        type: int
      timestamp:
        description:
          - Read the snapshot that was current at this time (ISO-8601, naive is UTC; epoch milliseconds; or a
            duration such as V(1h) meaning that long ago).
        type: raw
      ref:
        description: Read the snapshot a tag or branch points at.
        type: str
      filter:
        description: Row filter in PyIceberg's syntax, for example V(id > 10 AND region = 'eu').
        type: str
      columns:
        description: Columns to return (default all).
        type: list
        elements: str
      limit:
        description: Maximum number of rows returned (C(query.limited) in the result says whether it cut the answer; C(query.row_count) is not affected).
        type: int
        default: 100
seealso:
  - module: dataplatform.lakehouse.iceberg_table
'''

EXAMPLES = r'''
- name: Describe a table
  dataplatform.lakehouse.iceberg_table_info:
    catalog_uri: http://127.0.0.1:8181/api/catalog
    warehouse: lakehouse
    client_id: "{{ polaris_client_id }}"
    client_secret: "{{ polaris_client_secret }}"
    endpoint_url: http://127.0.0.1:7480
    access_key: "{{ s3_access_key }}"
    secret_key: "{{ s3_secret_key }}"
    request_checksum_calculation: when_required
    response_checksum_validation: when_required
    namespace: sales
    name: orders
  register: orders

- name: The rows of the first snapshot, as they were then
  dataplatform.lakehouse.iceberg_table_info:
    catalog_uri: http://127.0.0.1:8181/api/catalog
    warehouse: lakehouse
    client_id: "{{ polaris_client_id }}"
    client_secret: "{{ polaris_client_secret }}"
    namespace: sales
    name: orders
    snapshots: false
    query:
      snapshot_id: "{{ orders.snapshots[0].snapshot_id }}"
      filter: "amount > 100"
      limit: 10

- name: What the table looked like yesterday at noon
  dataplatform.lakehouse.iceberg_table_info:
    catalog_uri: http://127.0.0.1:8181/api/catalog
    warehouse: lakehouse
    client_id: "{{ polaris_client_id }}"
    client_secret: "{{ polaris_client_secret }}"
    namespace: sales
    name: orders
    query:
      timestamp: "2026-11-25T12:00:00Z"
'''

RETURN = r'''
exists:
  description: Whether the table exists (all other keys are only returned when it does).
  returned: always
  type: bool
table:
  description: Identifier of the table.
  returned: always
  type: str
location:
  description: Table location.
  returned: when the table exists
  type: str
metadata_location:
  description: Current metadata file.
  returned: when the table exists
  type: str
table_uuid:
  description: Table UUID.
  returned: when the table exists
  type: str
format_version:
  description: Iceberg format version.
  returned: when the table exists
  type: int
schema_id:
  description: Id of the current schema.
  returned: when the table exists
  type: int
schema:
  description: Current columns in the format iceberg_table's O(dataplatform.lakehouse.iceberg_table#module:schema) accepts, with C(id) and C(type_string).
  returned: when the table exists
  type: list
  elements: dict
  sample: [{id: 1, name: id, type: long, type_string: long, required: true, doc: Order id}]
spec_id:
  description: Id of the default partition spec.
  returned: when the table exists
  type: int
partition_spec:
  description: Partition fields (C(name), C(column), C(transform), C(field_id)).
  returned: when the table exists
  type: list
  elements: dict
sort_order:
  description: Sort fields (C(column), C(transform), C(direction), C(null_order)).
  returned: when the table exists
  type: list
  elements: dict
properties:
  description: Table properties.
  returned: when the table exists
  type: dict
current_snapshot_id:
  description: Current snapshot of main (null for a table without data).
  returned: when the table exists
  type: int
refs:
  description: Branches and tags by name (C(type), C(snapshot_id), retention settings).
  returned: when the table exists
  type: dict
snapshots:
  description:
    - Snapshots (C(snapshot_id), C(parent_snapshot_id), C(sequence_number), C(timestamp_ms), C(timestamp),
      C(operation), C(schema_id), C(manifest_list), C(summary)).
  returned: when the table exists and O(snapshots=true)
  type: list
  elements: dict
history:
  description: Snapshot log (C(snapshot_id), C(timestamp_ms), C(timestamp)), that is which snapshot was current since when.
  returned: when the table exists and O(snapshots=true)
  type: list
  elements: dict
files:
  description: Files of the current snapshot.
  returned: when the table exists and O(files=true)
  type: dict
  sample: {data_files: 3, data_bytes: 11459, records: 3, delete_files: 0, delete_bytes: 0, manifests: 2, manifest_bytes: 10659}
query:
  description:
    - Rows read (C(rows)), the snapshot read (C(snapshot_id), C(timestamp_ms), C(timestamp)) and its
      schema (C(schema_id), C(schema), restricted to O(query.columns)). Timestamps are ISO-8601 strings, decimals
      strings, binary base64, UUIDs strings.
    - C(row_count) is the number of rows of the table at that snapshot (not of the rows returned), the snapshot
      summary's C(total-records) when it is exact (no delete files), else a count of the rows
      (C(row_count_source) says which, V(snapshot summary), V(count) or V(empty table)).
    - C(returned_rows) is the number of rows in C(rows) (those matching O(query.filter), at most O(query.limit));
      C(limited) is true when O(query.limit) cut the answer (more rows matched).
  returned: when O(query) is given
  type: dict
  sample:
    snapshot_id: 4032163190458712000
    row_count: 3637
    row_count_source: snapshot summary
    returned_rows: 100
    limited: true
    rows: [{id: 1, region: eu}]
timings:
  description:
    - C(connect_seconds) is the connection to the catalog (once per module run; for the SQL catalog it includes
      loading SQLAlchemy and the database driver).
    - C(metadata_seconds) is the metadata query itself, loading the table (catalog lookup and metadata file) and, with
      O(files), its manifests; C(query_seconds) is the reading of rows for O(query) (0 without it).
  returned: when the table exists
  type: dict
  sample: {connect_seconds: 0.62, metadata_seconds: 0.21, query_seconds: 0.0}
elapsed_seconds:
  description: Seconds the module spent on its work, after Python start-up and imports (what Ansible adds is the rest of the task's time).
  returned: success
  type: float
  sample: 0.412
'''

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.catalog import ICEBERG_REQUIREMENT
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.service import describe_unexpected, run_info
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.specs import info_argument_spec
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.module import LakehouseModule


def main():
    module = LakehouseModule(
        argument_spec=info_argument_spec(),
        supports_check_mode=True,
        required_by=dict(client_secret=['client_id']),
        requirements=[ICEBERG_REQUIREMENT],
    )
    module.run(run_info, module.params, describe=describe_unexpected(module.params, 'iceberg_table_info'))


if __name__ == '__main__':
    main()
