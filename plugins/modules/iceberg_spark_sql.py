#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: iceberg_spark_sql
short_description: Run Spark SQL on the Iceberg catalog (Polaris REST, the SQL catalog or a Hive Metastore)
version_added: 0.1.0
description:
  - Runs SQL statements, given as a list or read from a file, in one local Spark session whose default catalog is
    the Iceberg catalog described by the connection options (the same ones M(dataplatform.lakehouse.iceberg_table)
    takes), and returns each statement's rows.
  - With O(catalog_type=hive) the default catalog is Spark's session catalog C(spark_catalog) on the Hive Metastore,
    wrapped by Iceberg's C(SparkSessionCatalog) (the seed's checkpoint setup); see the notes and C(docs/spark.md).
  - Spark has what PyIceberg lacks, through Iceberg's procedures, for example
    C(CALL iceberg.system.rewrite_data_files(...)), C(rewrite_manifests), C(expire_snapshots) (which deletes
    files) and C(remove_orphan_files).
  - Reports C(changed) per statement from the state of its target before and after it (a namespace's existence,
    a table's current metadata file), so C(CREATE ... IF NOT EXISTS) of an existing object, C(DROP ... IF EXISTS)
    of a missing one and a compaction with nothing to do report C(changed=false); reads and C(SET)/C(USE) never
    change anything; an C(INSERT) always changes the table (guard it with C(when) to keep a play idempotent).
  - Stops at the first failing statement with one line (no Java stack trace); the full error is in the log file
    the message names (C(log_file)).
author:
  - dataplatform.lakehouse contributors (@dataplatform)
extends_documentation_fragment:
  - dataplatform.lakehouse.iceberg
  - dataplatform.lakehouse.s3
  - dataplatform.lakehouse.spark
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - Reads and session statements run as they are; every other statement runs as C(EXPLAIN <statement>)
        (parsed, analysed against the catalog, not executed); C(CALL) has no EXPLAIN and is skipped with a
        message. A statement that needs what an earlier statement of the run would create is reported as not
        checked.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
options:
  statements:
    description:
      - SQL statements, run in order. An item may hold several statements separated by C(;).
    type: list
    elements: str
  file:
    description: A file of SQL statements separated by C(;) (C(--) and C(/* */) comments allowed).
    type: path
  max_rows:
    description: Most rows returned per statement (C(limited) says whether a statement had more); -1 for all.
    type: int
    default: 1000
seealso:
  - module: dataplatform.lakehouse.iceberg_table
  - module: dataplatform.lakehouse.iceberg_table_info
'''

EXAMPLES = r'''
- name: The seed's table through Spark SQL (connection from module_defaults, see docs/spark.md)
  dataplatform.lakehouse.iceberg_spark_sql:
    statements:
      - CREATE DATABASE IF NOT EXISTS lakehouse
      - >-
        CREATE TABLE IF NOT EXISTS lakehouse.sample_data (id BIGINT, name STRING, created_at TIMESTAMP)
        USING ICEBERG TBLPROPERTIES ('write.format.default' = 'parquet',
        'write.parquet.compression-codec' = 'snappy')
      - SELECT count(*) AS n FROM lakehouse.sample_data

- name: Compact small files and expire old snapshots
  dataplatform.lakehouse.iceberg_spark_sql:
    catalog_uri: http://127.0.0.1:8181/api/catalog
    warehouse: lakehouse
    client_id: "{{ polaris_client_id }}"
    client_secret: "{{ polaris_client_secret }}"
    endpoint_url: http://127.0.0.1:7480
    access_key: "{{ s3_access_key }}"
    secret_key: "{{ s3_secret_key }}"
    request_checksum_calculation: when_required
    response_checksum_validation: when_required
    statements:
      - CALL iceberg.system.rewrite_data_files(table => 'sales.orders', options => map('min-input-files', '2'))
      - CALL iceberg.system.expire_snapshots(table => 'sales.orders', retain_last => 1)

- name: A script
  dataplatform.lakehouse.iceberg_spark_sql:
    file: /srv/sql/nightly.sql

- name: The seed's checkpoint in Spark's session catalog on a Hive Metastore (SparkSessionCatalog)
  dataplatform.lakehouse.iceberg_spark_sql:
    catalog_type: hive
    catalog_uri: thrift://127.0.0.1:9083
    warehouse: s3://lakehouse/warehouse
    endpoint_url: http://127.0.0.1:7480
    access_key: "{{ s3_access_key }}"
    secret_key: "{{ s3_secret_key }}"
    request_checksum_calculation: when_required
    response_checksum_validation: when_required
    statements:
      - CREATE DATABASE IF NOT EXISTS lakehouse
      - CREATE TABLE lakehouse.checkpoint_test (id BIGINT, data STRING) USING ICEBERG
      - INSERT INTO lakehouse.checkpoint_test VALUES (1, 'test data')
      - SELECT * FROM lakehouse.checkpoint_test
'''

RETURN = r'''
statements:
  description: One entry per statement, in order.
  returned: always
  type: list
  elements: dict
  contains:
    index:
      description: "Position of the statement (1-based)."
      type: int
      returned: success
    statement:
      description: "The statement."
      type: str
      returned: success
    kind:
      description: "V(read), V(session), V(write) or V(call)."
      type: str
      returned: success
    action:
      description: "V(run); in check mode V(explain) or V(skip)."
      type: str
      returned: success
    changed:
      description: "Whether it changed (in check mode, would change) something."
      type: bool
      returned: success
    columns:
      description: "Column names of its result."
      type: list
      returned: success
      elements: str
    rows:
      description: "Its rows, one dict per row (timestamps in ISO-8601, decimals as strings, binary as base64)."
      type: list
      returned: success
      elements: dict
    row_count:
      description: "Number of rows returned."
      type: int
      returned: success
    limited:
      description: "Whether O(max_rows) cut the rows."
      type: bool
      returned: success
    target:
      description: "The namespace or table it changes."
      type: str
      returned: success
    seconds:
      description: "Time the statement took."
      type: float
      returned: success
    skipped:
      description: "Check mode only; not run or not checked (see C(msg))."
      type: bool
      returned: success
  sample: [{index: 1, statement: "SELECT 1 AS one", kind: read, action: run, changed: false, columns: [one], rows: [{one: 1}], row_count: 1, limited: false}]
rows:
  description: The rows of the last read or procedure call (a shortcut to its C(statements) entry).
  returned: always
  type: list
  elements: dict
spark_version:
  description: Version of Spark that ran the statements.
  returned: always
  type: str
iceberg_version:
  description: Version of the Iceberg jars.
  returned: always
  type: str
packages:
  description: Maven coordinates Spark resolved.
  returned: always
  type: list
  elements: str
session_start_seconds:
  description: Time to start the Spark session (JVM, jars from the Ivy cache).
  returned: always
  type: float
log_file:
  description: The log file of this run (Spark's log, the full text of a failure). Also returned on failure.
  returned: always
  type: str
elapsed_seconds:
  description: Time the module worked.
  returned: always
  type: float
'''

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.module import LakehouseModule
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.spark.options import spark_argument_spec
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.spark.service import run_sql
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.spark.session import SPARK_REQUIREMENT, SparkRun


def start_session(params):
    return SparkRun(params).start()


def main():
    module = LakehouseModule(
        argument_spec=dict(
            statements=dict(type='list', elements='str'),
            file=dict(type='path'),
            max_rows=dict(type='int', default=1000),
        ),
        connections=[spark_argument_spec()],
        requirements=[SPARK_REQUIREMENT],
        mutually_exclusive=[('statements', 'file')],
        required_one_of=[('statements', 'file')],
        supports_check_mode=True,
    )
    module.run(run_sql, module.params, module.check_mode, start_session)


if __name__ == '__main__':
    main()
