# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The entry points of the modules: run_table (iceberg_table), run_info (iceberg_table_info), and the one-line
description of an unexpected exception. Each raises IcebergModuleError with a one-line, actionable message.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time
from collections import OrderedDict

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.catalog import (
    connect,
    describe_catalog_error,
    load_table_or_none,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.errors import IcebergModuleError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.options import (
    apply_s3_environment,
    identifier_text,
    split_identifier,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.reads import (
    describe_table,
    parse_filter,
    read_rows,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.rows import read_source_file, rows_to_arrow
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.schema import (
    parse_partition_decl,
    parse_sort_decl,
    spec_to_data,
    stringify_properties,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.snapshots import MAIN_BRANCH
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.table import IcebergTable
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.types import (
    parse_schema_decl,
    schema_to_data,
)


def run_table(params, check_mode=False, warn=None):
    """iceberg_table: returns the result dict (raises IcebergModuleError with a one-line message)."""
    mgr = IcebergTable(params, check_mode=check_mode, warn=warn)
    result = OrderedDict([('changed', False), ('table', mgr.name), ('changes', [])])
    if params.get('state') == 'absent':
        res = mgr.ensure_absent(params.get('purge'))
        result.update(res)
        if res.get('changed'):
            result['changes'].append('drop table %s%s' % (mgr.name, ' and purge its files' if params.get('purge') else ''))
        return result
    decls = parse_schema_decl(params['schema']) if params.get('schema') else None
    part_decls = parse_partition_decl(params['partition_spec']) if params.get('partition_spec') is not None else None
    sort_decls = parse_sort_decl(params['sort_order']) if params.get('sort_order') is not None else None
    properties = stringify_properties(params.get('properties'))
    data_opts = params.get('data')
    if data_opts:
        mode = data_opts.get('mode') or 'append'
        if mode == 'delete':
            if data_opts.get('rows') is not None or data_opts.get('src'):
                raise IcebergModuleError('data: mode delete takes a filter, not rows or src.')
            if not data_opts.get('filter'):
                raise IcebergModuleError('data: mode delete needs a filter (use "true" to delete every row).')
        elif data_opts.get('rows') is None and not data_opts.get('src'):
            raise IcebergModuleError('data: mode %s needs rows or src.' % mode)
        if mode == 'append' and data_opts.get('filter'):
            raise IcebergModuleError('data: filter is for mode overwrite or delete.')
        parse_filter(data_opts.get('filter'), 'data.filter')
    tags, branches, rollback = params.get('tags'), params.get('branches'), params.get('rollback')

    existing = mgr.load()
    if existing is not None and (tags or branches or rollback):
        mgr.plan_refs(existing.metadata, tags, branches, rollback)   # validation only: raises before any commit
    elif existing is None and (rollback or any(i.get('snapshot_id') is not None or i.get('ref') is not None
                                               for i in (tags or []) + (branches or []))):
        raise IcebergModuleError('%s does not exist yet, so no snapshot id, ref or rollback can refer to it.' % mgr.name)

    cache = {}

    def prepare(schema):
        if not data_opts or (data_opts.get('mode') == 'delete'):
            return None
        key = json.dumps(schema_to_data(schema), sort_keys=True, default=str)
        if key not in cache:
            if data_opts.get('src'):
                cache.clear()
                cache[key] = read_source_file(data_opts['src'], data_opts.get('format'), schema)
            else:
                cache.clear()
                cache[key] = rows_to_arrow(data_opts['rows'], schema, 'data.rows')
        return cache[key]

    res, tbl, df = mgr.ensure_present(decls, part_decls, sort_decls, properties, prepare, loaded=(existing,))
    result['changed'] = res['changed']
    result['created'] = res.get('created', False)
    result['changes'].extend(res['changes'])
    result['diff'] = res.get('diff')

    def step(name, fn):
        out, new_tbl = fn()
        result[name] = out
        if out.get('changed'):
            result['changed'] = True
        return new_tbl

    if data_opts:
        out = mgr.write(tbl, data_opts, df)
        result['data'] = out
        if out.get('changed'):
            result['changed'] = True
            verb = {'append': 'append %s rows' % out.get('rows'), 'overwrite': 'overwrite rows matching %r with %s rows'
                    % (data_opts.get('filter') or 'true', out.get('rows')),
                    'delete': 'delete %s rows matching %r' % (out.get('matching_rows'), data_opts.get('filter'))}
            result['changes'].append(verb[out['mode']] + ('' if out['branch'] == MAIN_BRANCH else ' on branch %s'
                                                          % out['branch']))
            if tbl is not None and not check_mode:
                tbl = getattr(mgr, 'latest', None) or tbl.refresh()
    if tbl is None:
        later_steps = ('compact', 'tags', 'branches', 'rollback', 'expire_snapshots', 'remove_orphan_files')
        if any(params.get(k) for k in later_steps):
            result['skipped'] = 'the table does not exist yet (check mode): snapshot and maintenance steps not planned'
        return result
    if params.get('compact'):
        tbl = step('compaction', lambda: mgr.compact(tbl, params['compact']))
        if result['compaction'].get('changed'):
            c = result['compaction']
            result['changes'].append('compact %d small files in %d partitions' % (c['input_files'], c['groups']))
    if tags or branches or rollback:
        tbl = step('refs', lambda: mgr.apply_refs(tbl, tags, branches, rollback))
        result['changes'].extend(result['refs']['changes'])
    if params.get('expire_snapshots'):
        tbl = step('expire', lambda: mgr.expire_snapshots(tbl, params['expire_snapshots']))
        e = result['expire']
        if e.get('changed'):
            result['changes'].append('expire %d snapshots and delete %d files they alone reached'
                                     % (len(e['expired_snapshot_ids']), sum((e.get('deleted_files') or {}).values())))
    if params.get('remove_orphan_files'):
        out = mgr.remove_orphan_files(tbl, params['remove_orphan_files'])
        result['orphans'] = out
        if out.get('changed'):
            result['changed'] = True
            result['changes'].append('delete %d orphan files (%d bytes)' % (out['orphan_count'], out['orphan_bytes']))
    if not check_mode and (params.get('remove_orphan_files') or params.get('expire_snapshots')):
        tbl = tbl.refresh()
    current = tbl.current_snapshot()
    result['location'] = tbl.location()
    result['metadata_location'] = tbl.metadata_location
    result['current_snapshot_id'] = current.snapshot_id if current else None
    result['snapshot_count'] = len(tbl.metadata.snapshots)
    result['schema'] = schema_to_data(tbl.schema())
    result['partition_spec'] = spec_to_data(tbl.spec(), tbl.schema())
    result['properties'] = dict(tbl.properties)
    return result


def describe_unexpected(params, label):
    """The one-line description of an unexpected exception of iceberg_table / iceberg_table_info."""
    return lambda exc: describe_catalog_error(exc, params, label)


def run_info(params):
    apply_s3_environment(params)
    identifier = split_identifier(params.get('namespace'), params.get('name'), params.get('catalog_type'))
    name = identifier_text(identifier)
    started = time.monotonic()
    catalog = connect(params)
    connected = time.monotonic()
    tbl = load_table_or_none(catalog, identifier, params)
    if tbl is None:
        return OrderedDict([('changed', False), ('exists', False), ('table', name)])
    out = OrderedDict([('changed', False), ('exists', True)])
    try:
        out.update(describe_table(tbl, include_files=params.get('files', True),
                                  include_snapshots=params.get('snapshots', True)))
        # The metadata query: loading the table (catalog lookup + metadata file) and, with files, its manifests.
        # Connecting to the catalog comes before (once per process), reading rows after.
        metadata_done = time.monotonic()
        if params.get('query') is not None:
            out['query'] = read_rows(tbl, params['query'], name)
    except IcebergModuleError:
        raise
    except Exception as exc:
        raise IcebergModuleError(describe_catalog_error(exc, params, 'reading %s' % name))
    out['timings'] = OrderedDict([('connect_seconds', round(connected - started, 3)),
                                  ('metadata_seconds', round(metadata_done - connected, 3)),
                                  ('query_seconds', round(time.monotonic() - metadata_done, 3))])
    return out
