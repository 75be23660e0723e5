# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The argument specs of iceberg_table and iceberg_table_info: the catalog connection options (options.py), then each
module's own.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.maintenance import DEFAULT_ORPHAN_GUARD
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.options import (
    iceberg_catalog_argument_spec,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.schema import BREAKING_CHANGE_KINDS
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.snapshots import MAIN_BRANCH


def table_argument_spec():
    """Options of iceberg_table on top of the catalog connection spec."""
    ref_options = dict(
        name=dict(type='str', required=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        snapshot_id=dict(type='int'),
        ref=dict(type='str'),
        max_ref_age_ms=dict(type='int'),
        max_snapshot_age_ms=dict(type='int'),
        min_snapshots_to_keep=dict(type='int'),
    )
    spec = iceberg_catalog_argument_spec()
    spec.update(
        namespace=dict(type='str', required=True),
        name=dict(type='str', required=True, aliases=['table']),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        purge=dict(type='bool', default=False),
        create_namespace=dict(type='bool', default=True),
        schema=dict(type='list', elements='dict', options=dict(
            name=dict(type='str', required=True),
            type=dict(type='raw', required=True),
            required=dict(type='bool', default=False),
            doc=dict(type='str'),
            rename_from=dict(type='str'),
            fields=dict(type='list', elements='dict'),
            element=dict(type='raw'),
            element_required=dict(type='bool', default=False),
            key=dict(type='raw', no_log=False),
            value=dict(type='raw'),
            value_required=dict(type='bool', default=False),
            id=dict(type='int'),
            type_string=dict(type='str'),
        )),
        partition_spec=dict(type='list', elements='raw'),
        sort_order=dict(type='list', elements='raw'),
        location=dict(type='str'),
        format_version=dict(type='int', choices=[1, 2, 3]),
        properties=dict(type='dict', default={}),
        purge_properties=dict(type='bool', default=False),
        purge_columns=dict(type='bool', default=True),
        allow_breaking_changes=dict(type='list', elements='str', default=[], choices=list(BREAKING_CHANGE_KINDS)),
        data=dict(type='dict', options=dict(
            mode=dict(type='str', default='append', choices=['append', 'overwrite', 'delete']),
            rows=dict(type='list', elements='dict'),
            src=dict(type='path'),
            format=dict(type='str', default='auto', choices=['auto', 'parquet', 'csv', 'json']),
            filter=dict(type='str'),
            branch=dict(type='str', default=MAIN_BRANCH),
            idempotency_key=dict(type='str', no_log=False),
            snapshot_properties=dict(type='dict', default={}),
        ), mutually_exclusive=[['rows', 'src']]),
        tags=dict(type='list', elements='dict', options=dict((k, v) for k, v in ref_options.items()
                                                             if k not in ('max_snapshot_age_ms', 'min_snapshots_to_keep'))),
        branches=dict(type='list', elements='dict', options=ref_options),
        rollback=dict(type='dict', options=dict(
            snapshot_id=dict(type='int'), timestamp=dict(type='raw'), ref=dict(type='str'),
        ), mutually_exclusive=[['snapshot_id', 'timestamp', 'ref']],
            required_one_of=[['snapshot_id', 'timestamp', 'ref']]),
        compact=dict(type='dict', options=dict(
            filter=dict(type='str'),
            target_file_size_mb=dict(type='float'),
            small_file_size_mb=dict(type='float'),
            min_input_files=dict(type='int', default=5),
        )),
        expire_snapshots=dict(type='dict', options=dict(
            older_than=dict(type='raw'),
            retain_last=dict(type='int'),
            snapshot_ids=dict(type='list', elements='int'),
            delete_files=dict(type='bool', default=True),
        )),
        remove_orphan_files=dict(type='dict', options=dict(
            older_than=dict(type='str', default=DEFAULT_ORPHAN_GUARD),
            exclusive_writer=dict(type='bool', default=False),
            dry_run=dict(type='bool', default=False),
            max_listed=dict(type='int', default=1000),
        )),
    )
    return spec


def info_argument_spec():
    spec = iceberg_catalog_argument_spec()
    spec.update(
        namespace=dict(type='str', required=True),
        name=dict(type='str', required=True, aliases=['table']),
        files=dict(type='bool', default=True),
        snapshots=dict(type='bool', default=True),
        query=dict(type='dict', options=dict(
            snapshot_id=dict(type='int'), timestamp=dict(type='raw'), ref=dict(type='str'),
            filter=dict(type='str'), columns=dict(type='list', elements='str'), limit=dict(type='int', default=100),
        ), mutually_exclusive=[['snapshot_id', 'timestamp', 'ref']]),
    )
    return spec
