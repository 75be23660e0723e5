#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: iceberg_table
short_description: Create, evolve, write, snapshot and maintain an Apache Iceberg table
version_added: 0.1.0
description:
  - Manages one Iceberg table through PyIceberg in a REST catalog (Apache Polaris), a SQL catalog or a Hive
    metastore, with the table files in S3 (Ceph RGW) or a local file system.
  - O(state=present) creates the table with the declared schema, partition spec, sort order, location and
    properties, or converges an existing table on them (new columns are added, types widened (int to long, float to
    double, decimal precision), docs and properties updated, columns reordered, the partition spec and sort order
    evolved). Changes that lose data or break readers (dropping, renaming, making a column required) are refused
    unless listed in O(allow_breaking_changes); narrowing or other type changes are always refused. When anything is
    refused the module fails with a message listing each refused change and nothing is committed.
  - O(data) appends rows given inline or read from a Parquet, CSV or JSON file, overwrites the rows matching a
    filter, or deletes the rows matching a filter.
  - O(tags), O(branches) and O(rollback) manage snapshot references.
  - O(compact), O(expire_snapshots) and O(remove_orphan_files) are maintenance that really frees storage.
    PyIceberg 0.12 expires snapshots in the metadata only and has no orphan removal; this module deletes the files
    no retained snapshot reaches, and the files under the table location that nothing references and that are
    older than a guard age.
  - Steps run in this order, each committed on its own; table create/evolution, O(data), O(compact), O(tags),
    O(branches) and O(rollback), O(expire_snapshots), O(remove_orphan_files). All inputs (schema, filters, files and
    rows, snapshot ids) are validated before the first commit, so a bad input fails the run with the table
    unchanged.
  - Conflicting concurrent commits are retried with a bounded, jittered backoff (O(commit_retries)); an append writes
    its data files once and re-commits them, so no appended row is lost and no file is left behind by a conflict.
author:
  - dataplatform.lakehouse contributors (@dataplatform)
extends_documentation_fragment:
  - dataplatform.lakehouse.iceberg
  - dataplatform.lakehouse.s3
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Plans every step against the live table and reports what would change; nothing is written.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: Returns the schema, partition spec, sort order, properties and format version before and after.
options:
  namespace:
    description: Namespace of the table; dots separate levels (V(sales.eu)).
    type: str
    required: true
  name:
    description: Table name.
    type: str
    required: true
    aliases: [table]
  state:
    description:
      - V(present) creates or converges the table and runs the requested steps; V(absent) drops it.
    type: str
    choices: [present, absent]
    default: present
  purge:
    description:
      - With O(state=absent), also delete the table's files. A REST catalog purges them itself (Polaris does it
        asynchronously, and only in catalogs with the property C(polaris.config.drop-with-purge.enabled=true),
        else the drop fails and the table stays); for SQL and Hive catalogs the module deletes every file the metadata references
        (unreferenced files are left; run O(remove_orphan_files) before dropping to remove them).
    type: bool
    default: false
  create_namespace:
    description: Create the namespace when the table is created and the namespace is missing.
    type: bool
    default: true
  schema:
    description:
      - The columns, in order. Needed to create the table; when omitted for an existing table the schema is left
        alone. When given, it is the whole schema, so columns of the table that are not declared are dropped (refused
        unless O(allow_breaking_changes) contains V(drop_column)).
      - The O(schema[].type) of a column is an Iceberg type name V(boolean), V(int), V(long), V(float), V(double),
        V(date), V(time), V(timestamp), V(timestamptz), V(timestamp_ns), V(timestamptz_ns), V(string), V(uuid),
        V(binary), V(decimal(P,S)), V(fixed[N]), or a nested type either written out (V(list<string>),
        V(map<string,long>), V(struct<city:string,zip:int>)) or given as V(struct) with O(schema[].fields), V(list)
        with O(schema[].element), V(map) with O(schema[].key) and O(schema[].value) (then nested fields can have
        required, doc and rename_from too). The RV(schema) that this module and iceberg_table_info return is in
        this format and can be fed back.
    type: list
    elements: dict
    suboptions:
      name:
        description: Column name.
        type: str
        required: true
      type:
        description: Iceberg type (see above).
        type: raw
        required: true
      required:
        description: Whether the column is required (not null).
        type: bool
        default: false
      doc:
        description: Column documentation. Not given means leave the existing doc alone.
        type: str
      rename_from:
        description:
          - Current name of a column that is to be renamed to O(schema[].name). Refused unless
            O(allow_breaking_changes) contains V(rename_column). Ignored once the rename is done.
        type: str
      fields:
        description: Fields of a V(struct) column, each like a column.
        type: list
        elements: dict
      element:
        description: Element type of a V(list) column (a type string or a dict with type and fields/element/key/value).
        type: raw
      element_required:
        description: Whether list elements are required.
        type: bool
        default: false
      key:
        description: Key type of a V(map) column (primitive).
        type: raw
      value:
        description: Value type of a V(map) column.
        type: raw
      value_required:
        description: Whether map values are required.
        type: bool
        default: false
      id:
        description: Ignored (accepted so that a returned RV(schema) can be given back as is).
        type: int
      type_string:
        description: Ignored (accepted so that a returned RV(schema) can be given back as is).
        type: str
  partition_spec:
    description:
      - Partition fields, each a dict with C(column), C(transform) (V(identity) by default, V(bucket[N]),
        V(truncate[W]), V(year), V(month), V(day), V(hour), V(void)) and an optional C(name), or a short string
        such as V(day(ts)), V(bucket[16](id)) or V(region).
      - On an existing table, missing fields are added and undeclared ones removed (new data gets the new layout,
        existing files keep theirs); a given C(name) renames a field. Omit to leave the spec alone; V([]) makes new
        data unpartitioned.
    type: list
    elements: raw
  sort_order:
    description:
      - Sort order fields, each a dict with C(column), C(transform), C(direction) (V(asc)/V(desc)) and C(null_order)
        (V(nulls-first)/V(nulls-last)), or a string V(column [asc|desc]). Omit to leave it alone, V([]) for unsorted.
      - PyIceberg writes do not sort; the order is recorded for engines that do.
    type: list
    elements: raw
  location:
    description: Base location of a new table. An existing table whose location differs is refused.
    type: str
  format_version:
    description:
      - Iceberg format version of a new table (default 2); an existing table is upgraded to it, never downgraded.
    type: int
    choices: [1, 2, 3]
  properties:
    description:
      - Table properties to set, for example C(write.format.default=parquet) and
        C(write.parquet.compression-codec=snappy). Values are converted to strings.
    type: dict
    default: {}
  purge_properties:
    description: Remove properties that are not in O(properties) (except C(schema.name-mapping.default)).
    type: bool
    default: false
  purge_columns:
    description:
      - V(true) treats columns of the table that are not in O(schema) as columns to drop (refused unless
        O(allow_breaking_changes) contains V(drop_column)). V(false) keeps them as they are, so a declared schema can
        describe only the columns it cares about, for example when another process adds columns.
    type: bool
    default: true
  allow_breaking_changes:
    description:
      - Changes that are refused unless listed. V(drop_column) drops undeclared columns and their data;
        V(rename_column) applies O(schema[].rename_from); V(require_column) makes optional columns, list elements or
        map values required, or adds a required column (existing rows then have no value).
    type: list
    elements: str
    choices: [drop_column, rename_column, require_column]
    default: []
  data:
    description: Write rows.
    type: dict
    suboptions:
      mode:
        description:
          - V(append) adds the rows. V(overwrite) replaces the rows matching O(data.filter) (all rows without a
            filter) by the given rows, in one commit. V(delete) deletes the rows matching O(data.filter)
            (copy-on-write, files holding matching rows are rewritten without them).
          - V(delete) reports no change when no row matches. V(append) and V(overwrite) always write unless
            O(data.idempotency_key) was already committed.
        type: str
        choices: [append, overwrite, delete]
        default: append
      rows:
        description:
          - Rows as dicts of column name to value. Timestamps are ISO-8601 strings (naive ones are UTC), dates
            V(YYYY-MM-DD), decimals strings or numbers (no rounding, more digits than the scale is an error), binary
            and fixed base64, maps dicts, structs dicts, lists lists. Missing optional columns are null.
        type: list
        elements: dict
      src:
        description:
          - A Parquet, CSV (header row) or JSON (an array of objects, or one object per line) file on the managed
            node. Columns are matched by name and cast safely to the table types; a column the table does not have,
            a missing required column or a value that does not convert fails the run with the table unchanged.
        type: path
      format:
        description: Format of O(data.src); V(auto) decides from the file name.
        type: str
        choices: [auto, parquet, csv, json]
        default: auto
      filter:
        description:
          - Row filter for V(overwrite) and V(delete), in PyIceberg's syntax, for example
            V(region = 'eu' AND ts >= '2024-01-01T00:00:00+00:00'). V(true) matches every row.
        type: str
      branch:
        description: Branch to write to; it must exist (create it with O(branches)).
        type: str
        default: main
      idempotency_key:
        description:
          - A key stored in the snapshot summary (C(dataplatform.idempotency-key)). When a snapshot of the branch's
            history already carries it, the write is skipped and the module reports no change, so re-running a play
            does not append the same rows twice. Keys are only found while that snapshot is retained.
        type: str
      snapshot_properties:
        description: Extra properties for the snapshot summary.
        type: dict
        default: {}
  tags:
    description: Tags (named, immutable snapshot references).
    type: list
    elements: dict
    suboptions:
      name:
        description: Tag name.
        type: str
        required: true
      state:
        description: V(present) creates or moves the tag, V(absent) removes it.
        type: str
        choices: [present, absent]
        default: present
      snapshot_id:
        description:
          - Snapshot to tag. Default for a new tag is the current snapshot; an existing tag without it stays where it
            is.
        type: int
      ref:
        description: Tag the snapshot another tag or branch points at.
        type: str
      max_ref_age_ms:
        description: Age after which the tag may be removed by engines that expire refs.
        type: int
  branches:
    description: Branches (mutable snapshot references that writes can target).
    type: list
    elements: dict
    suboptions:
      name:
        description: Branch name (V(main) cannot be removed).
        type: str
        required: true
      state:
        description: V(present) creates or moves the branch, V(absent) removes it.
        type: str
        choices: [present, absent]
        default: present
      snapshot_id:
        description: Snapshot to start (or move) the branch at; default for a new branch is the current snapshot.
        type: int
      ref:
        description: Start the branch at the snapshot another ref points at.
        type: str
      max_ref_age_ms:
        description: Branch retention, recorded in the ref.
        type: int
      max_snapshot_age_ms:
        description: Snapshots of this branch older than this may be expired (overrides O(expire_snapshots.older_than)).
        type: int
      min_snapshots_to_keep:
        description: Snapshots of this branch always kept by expiry (overrides O(expire_snapshots.retain_last)).
        type: int
  rollback:
    description:
      - Make a snapshot the current one of V(main). V(snapshot_id) may be any snapshot of the table;
        V(timestamp) picks the snapshot that was current at that time (ISO-8601, epoch milliseconds, or a duration
        like V(2h) meaning that long ago); V(ref) the snapshot a tag or branch points at. No change when it already is
        the current snapshot.
    type: dict
    suboptions:
      snapshot_id:
        description: Snapshot id.
        type: int
      timestamp:
        description: Point in time.
        type: raw
      ref:
        description: Tag or branch name.
        type: str
  compact:
    description:
      - Rewrite small data files into fewer, larger ones, per partition.
      - 'What it does exactly: the data files of the current snapshot of V(main) that may hold rows matching
        O(compact.filter) are planned; files smaller than O(compact.small_file_size_mb) and without delete files are
        grouped by partition (and partition spec); every group with at least O(compact.min_input_files) files is read
        whole (all its rows, also rows not matching the filter) and written again with the current partition spec and
        write properties; one C(overwrite) snapshot removes the old files and adds the new ones.'
      - 'Guarantees: the row count read and written must match the file metadata or nothing is committed; the table
        holds exactly the same rows afterwards; older snapshots still read the old files, so storage is only freed
        when they are expired; a concurrent commit that removed an input file makes the compaction fail with nothing
        committed, a concurrent append makes it start over (bounded by O(commit_retries)); files written by an
        attempt that did not commit are deleted. Rows are not re-sorted. A group is held in memory while rewritten.'
    type: dict
    suboptions:
      filter:
        description: Row filter selecting the partitions to compact (for example V(day = '2024-01-01')); all by default.
        type: str
      target_file_size_mb:
        description: Target size of written files; default the table's C(write.target-file-size-bytes) (512 MiB).
        type: float
      small_file_size_mb:
        description: Files below this size are compacted; default 75% of the target size.
        type: float
      min_input_files:
        description: Only partitions with at least this many small files are rewritten.
        type: int
        default: 5
  expire_snapshots:
    description:
      - Remove old snapshots from the metadata B(and delete the manifest lists, manifests, data and delete files that
        no retained snapshot reaches).
      - 'Selection: ref (branch and tag) heads are never expired; every branch keeps its O(expire_snapshots.retain_last)
        most recent snapshots; other snapshots expire when older than O(expire_snapshots.older_than). Defaults are
        the table properties C(history.expire.max-snapshot-age-ms) (5 days) and C(history.expire.min-snapshots-to-keep)
        (1). With only O(expire_snapshots.snapshot_ids), only those are expired.'
      - 'Safety: the metadata commit asserts that no branch or tag moved since the selection, else it is re-planned;
        the files to delete are those reached by the expired snapshots minus those reached by every snapshot in the
        committed metadata, re-read once more just before deleting; only files under the table location are deleted.'
    type: dict
    suboptions:
      older_than:
        description: ISO-8601 timestamp, epoch milliseconds, or a duration such as V(7d) or V(0s) (now).
        type: raw
      retain_last:
        description: Snapshots kept per branch, at least 1.
        type: int
      snapshot_ids:
        description: Snapshots to expire explicitly (an error if one is a ref head or unknown).
        type: list
        elements: int
      delete_files:
        description: Delete the files only the expired snapshots reached. V(false) only edits the metadata (like PyIceberg).
        type: bool
        default: true
  remove_orphan_files:
    description:
      - Delete files under the table location (and C(write.data.path)/C(write.metadata.path)) that neither a snapshot
        (manifest lists, manifests, data and delete files, including entries marked deleted) nor the metadata
        (current and logged metadata files, statistics) references, and that are older than
        O(remove_orphan_files.older_than).
      - Refuses to delete anything when a file the table references is missing from the listing (the listing and the
        metadata would not agree on paths). Locations of other tables of the namespace nested under this one are
        skipped. The metadata is re-read just before deleting.
    type: dict
    suboptions:
      older_than:
        description:
          - Guard age; younger files are kept because they may belong to a commit in flight. It must be longer than
            the longest write (from its first data file to its commit) of any writer of the table. At least 60
            seconds (1 second with O(remove_orphan_files.exclusive_writer)); a warning is given below one day.
        type: str
        default: 3d
      exclusive_writer:
        description:
          - The caller guarantees that nothing else writes to the table while this runs (for example a table private
            to one run), so that no file can belong to another writer's commit in flight. Then
            O(remove_orphan_files.older_than) may be as short as 1 second. Never set it for a shared table, where it
            can delete the data files of a concurrent writer's commit.
        type: bool
        default: false
      dry_run:
        description: Only list what would be deleted (check mode implies it).
        type: bool
        default: false
      max_listed:
        description: How many paths to return at most.
        type: int
        default: 1000
notes:
  - Every snapshot this module commits carries C(dataplatform.operation-id) in its summary, which is how RV(data)
    finds its own snapshots when concurrent writers commit in between.
  - PyIceberg 0.12 writes with copy-on-write only; tables with merge-on-read delete files can be read and compacted
    (files with deletes are skipped) but the module writes no delete files.
seealso:
  - module: dataplatform.lakehouse.iceberg_table_info
'''

EXAMPLES = r'''
- name: Orders table in Polaris on Ceph RGW
  dataplatform.lakehouse.iceberg_table:
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
    schema:
      - {name: id, type: long, required: true, doc: Order id}
      - {name: ts, type: timestamptz}
      - {name: amount, type: "decimal(12,2)"}
      - {name: tags, type: "list<string>"}
      - name: address
        type: struct
        fields:
          - {name: city, type: string}
          - {name: zip, type: string}
    partition_spec:
      - {column: ts, transform: day}
      - "bucket[16](id)"
    sort_order: [id]
    properties:
      write.format.default: parquet
      write.parquet.compression-codec: snappy

- name: Append a file once (re-runs are no-ops)
  dataplatform.lakehouse.iceberg_table:
    catalog_uri: http://127.0.0.1:8181/api/catalog
    warehouse: lakehouse
    client_id: "{{ polaris_client_id }}"
    client_secret: "{{ polaris_client_secret }}"
    namespace: sales
    name: orders
    data:
      src: /data/orders-2024-01-01.parquet
      idempotency_key: orders-2024-01-01

- name: Tag the current snapshot, then free storage
  dataplatform.lakehouse.iceberg_table:
    catalog_uri: http://127.0.0.1:8181/api/catalog
    warehouse: lakehouse
    client_id: "{{ polaris_client_id }}"
    client_secret: "{{ polaris_client_secret }}"
    namespace: sales
    name: orders
    tags:
      - name: month-end-2024-01
    compact:
      filter: "ts >= '2024-01-01T00:00:00+00:00'"
    expire_snapshots:
      older_than: 7d
      retain_last: 5
    remove_orphan_files:
      older_than: 3d

- name: Drop a column on purpose
  dataplatform.lakehouse.iceberg_table:
    catalog_type: sql
    catalog_uri: sqlite:////var/lib/lakehouse/catalog.db
    warehouse: s3://lakehouse/warehouse
    namespace: sales
    name: orders
    schema:
      - {name: id, type: long, required: true}
      - {name: ts, type: timestamptz}
    allow_breaking_changes: [drop_column]
'''

RETURN = r'''
table:
  description: Identifier of the table.
  returned: always
  type: str
  sample: sales.orders
changes:
  description: What changed (or would change in check mode), one line each.
  returned: always
  type: list
  elements: str
  sample: ["add column 'extra' string", "widen column 'n' from int to long", "append 2 rows"]
created:
  description: Whether the table was created.
  returned: when state=present
  type: bool
location:
  description: Table location.
  returned: when the table exists after the run
  type: str
metadata_location:
  description: Current metadata file.
  returned: when the table exists after the run
  type: str
current_snapshot_id:
  description: Current snapshot of main after the run.
  returned: when the table exists after the run
  type: int
snapshot_count:
  description: How many snapshots the table's metadata keeps after the run (all branches and tags).
  returned: when the table exists after the run
  type: int
  sample: 1
schema:
  description: Columns after the run, in the format O(schema) accepts (plus C(id) and C(type_string)).
  returned: when the table exists after the run
  type: list
  elements: dict
partition_spec:
  description: Partition fields after the run (C(name), C(column), C(transform), C(field_id)).
  returned: when the table exists after the run
  type: list
  elements: dict
properties:
  description: Table properties after the run.
  returned: when the table exists after the run
  type: dict
diff:
  description: Before and after views (schema lines, partition spec, sort order, properties, format version).
  returned: when state=present
  type: dict
data:
  description:
    - Outcome of O(data). C(snapshot_id) is the last snapshot written, C(snapshot_ids) all of them (an overwrite can
      commit a delete and an append); counts come from the snapshot summaries.
  returned: when O(data) is given
  type: dict
  sample:
    mode: append
    branch: main
    rows: 2
    changed: true
    snapshot_id: 5494317102017404506
    snapshot_ids: [5494317102017404506]
    added_rows: 2
    deleted_rows: 0
    added_files: 1
    deleted_files: 0
    added_bytes: 3749
    removed_bytes: 0
compaction:
  description: Outcome of O(compact) (C(groups), C(input_files), C(input_bytes), C(output_files), C(rows), C(snapshot_id)).
  returned: when O(compact) is given
  type: dict
refs:
  description: Outcome of O(tags), O(branches) and O(rollback) (C(changed), C(changes)).
  returned: when one of them is given
  type: dict
expire:
  description:
    - Outcome of O(expire_snapshots). C(deleted_files) counts deleted files per kind (manifest_lists, manifests,
      data_files, delete_files, statistics_files, metadata_files), C(deleted_paths) lists them (at most 1000),
      C(deleted_count) is what the store confirmed.
  returned: when O(expire_snapshots) is given
  type: dict
  sample:
    changed: true
    expired_snapshot_ids: [1203819947249959297]
    retained_snapshot_ids: [1940769352560123862]
    deleted_files: {manifest_lists: 1, manifests: 1, data_files: 1, delete_files: 0, statistics_files: 0, metadata_files: 0}
    deleted_count: 3
refused:
  description: The refused changes, one per item, when the module failed because of them (nothing was committed).
  returned: on failure caused by refused changes
  type: list
  elements: str
orphans:
  description:
    - Outcome of O(remove_orphan_files), C(orphan_count), C(orphan_bytes), C(orphan_files) (path, size, modified),
      C(kept_recent_count) (unreferenced files younger than the guard), C(deleted_count) and C(dry_run).
  returned: when O(remove_orphan_files) is given
  type: dict
elapsed_seconds:
  description: Seconds the module spent on its work, after Python start-up and imports (what Ansible adds is the rest of the task's time).
  returned: success
  type: float
  sample: 0.412
'''

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.catalog import ICEBERG_REQUIREMENT
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.service import describe_unexpected, run_table
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.specs import table_argument_spec
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.module import LakehouseModule


def main():
    module = LakehouseModule(
        argument_spec=table_argument_spec(),
        supports_check_mode=True,
        required_by=dict(client_secret=['client_id']),
        requirements=[ICEBERG_REQUIREMENT],
    )
    module.run(run_table, module.params, check_mode=module.check_mode, warn=module.warn,
               describe=describe_unexpected(module.params, 'iceberg_table'))


if __name__ == '__main__':
    main()
