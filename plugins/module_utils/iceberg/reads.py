# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reads shared by both modules: row filters, the description of a table (schema, partition spec, sort order, refs,
snapshots, file statistics) and time-travel scans.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import OrderedDict

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import one_line
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.errors import IcebergModuleError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.options import identifier_text
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.rows import arrow_to_json_rows
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.schema import (
    resolve_column,
    sort_order_to_data,
    spec_to_data,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.snapshots import (
    ms_to_iso,
    refs_to_data,
    resolve_snapshot,
    snapshot_to_data,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.types import schema_to_data

try:
    from pyiceberg.expressions import AlwaysTrue
    from pyiceberg.expressions.parser import parse as parse_row_filter
except ImportError:  # pyiceberg/pyarrow missing: catalog.py reports it (ICEBERG_REQUIREMENT) before anything here runs
    pass


def parse_filter(text, where):
    if text is None or (isinstance(text, str) and not text.strip()):
        return AlwaysTrue()
    try:
        return parse_row_filter(str(text))
    except Exception as exc:
        raise IcebergModuleError(filter_error(where, text, exc))


def filter_error(where, text, exc):
    """One short line for a row filter the parser refused (never the parser's grammar, which is kilobytes)."""
    loc = getattr(exc, 'loc', None)
    near = ''
    if isinstance(loc, int) and 0 < loc < len(str(text)):
        near = ' near %r (character %d)' % (str(text)[loc:loc + 20], loc + 1)
    elif not hasattr(exc, 'loc'):
        near = ' (%s)' % one_line(exc, 120)
    return ("%s: cannot parse row filter %r%s; write comparisons joined by AND/OR/NOT, strings in single quotes "
            "(example: \"region = 'eu' AND ts >= '2024-01-01T00:00:00'\")." % (where, text, near))


def bind_filter(schema, expr, where, text):
    from pyiceberg.expressions.visitors import bind
    try:
        bind(schema, expr, case_sensitive=True)
    except Exception as exc:
        raise IcebergModuleError('%s: filter %r does not fit the table schema: %s.' % (where, text, one_line(exc, 200)))


def file_stats(tbl, snapshot=None, reader=None):
    """Counts and sizes of the files a snapshot (default: current) reads."""
    snapshot = snapshot or tbl.current_snapshot()
    stats = OrderedDict([('data_files', 0), ('data_bytes', 0), ('records', 0), ('delete_files', 0),
                         ('delete_bytes', 0), ('manifests', 0), ('manifest_bytes', 0)])
    if snapshot is None:
        return stats
    for manifest in snapshot.manifests(tbl.io):
        stats['manifests'] += 1
        stats['manifest_bytes'] += manifest.manifest_length or 0
        for entry in manifest.fetch_manifest_entry(tbl.io, discard_deleted=True):
            df = entry.data_file
            if int(df.content) == 0:
                stats['data_files'] += 1
                stats['data_bytes'] += df.file_size_in_bytes
                stats['records'] += df.record_count
            else:
                stats['delete_files'] += 1
                stats['delete_bytes'] += df.file_size_in_bytes
    return stats


def describe_table(tbl, include_files=True, include_snapshots=True):
    md = tbl.metadata
    schema = tbl.schema()
    out = OrderedDict()
    out['table'] = identifier_text(tbl.name())
    out['location'] = tbl.location()
    out['metadata_location'] = tbl.metadata_location
    out['table_uuid'] = str(md.table_uuid)
    out['format_version'] = md.format_version
    out['schema_id'] = schema.schema_id
    out['schema'] = schema_to_data(schema)
    out['spec_id'] = md.default_spec_id
    out['partition_spec'] = spec_to_data(tbl.spec(), schema)
    out['sort_order'] = sort_order_to_data(tbl.sort_order(), schema)
    out['properties'] = dict(md.properties)
    current = tbl.current_snapshot()
    out['current_snapshot_id'] = current.snapshot_id if current else None
    out['refs'] = refs_to_data(md)
    if include_snapshots:
        out['snapshots'] = [snapshot_to_data(s) for s in md.snapshots]
        out['history'] = [OrderedDict([('snapshot_id', h.snapshot_id), ('timestamp_ms', h.timestamp_ms),
                                       ('timestamp', ms_to_iso(h.timestamp_ms))]) for h in md.snapshot_log]
    if include_files:
        out['files'] = file_stats(tbl)
    return out


def read_rows(tbl, query, table_name):
    """Time-travel read: rows of a snapshot (id / timestamp / ref, default current) with filter, columns and limit."""
    query = query or {}
    snap = resolve_snapshot(tbl.metadata, 'query', query.get('snapshot_id'), query.get('timestamp'), query.get('ref'),
                            table_name)
    out = OrderedDict()
    expr = parse_filter(query.get('filter'), 'query.filter')  # refused even on an empty table
    if snap is None:
        out.update(snapshot_id=None, rows=[], row_count=0, row_count_source='empty table', returned_rows=0,
                   limited=False, schema=schema_to_data(tbl.schema()))
        return out
    schema = tbl.schemas().get(snap.schema_id, tbl.schema()) if snap.schema_id is not None else tbl.schema()
    bind_filter(schema, expr, 'query.filter', query.get('filter'))
    columns = tuple(query.get('columns') or ('*',))
    if columns != ('*',):
        for column in columns:
            resolve_column(schema, column, 'query.columns')
    limit = query.get('limit')
    limit = int(limit) if limit is not None else None
    # One row more than the limit tells whether the limit cut the answer.
    scan = tbl.scan(row_filter=expr, selected_fields=columns, snapshot_id=snap.snapshot_id,
                    limit=limit + 1 if limit is not None else None)
    arrow = scan.to_arrow()
    limited = limit is not None and arrow.num_rows > limit
    if limited:
        arrow = arrow.slice(0, limit)
    out['snapshot_id'] = snap.snapshot_id
    out['timestamp_ms'] = snap.timestamp_ms
    out['timestamp'] = ms_to_iso(snap.timestamp_ms)
    out['schema_id'] = schema.schema_id
    out['schema'] = schema_to_data(scan.projection())
    count, source = snapshot_row_count(snap)
    if count is None:
        count, source = tbl.scan(snapshot_id=snap.snapshot_id).count(), 'count'
    out['row_count'] = count
    out['row_count_source'] = source
    out['returned_rows'] = arrow.num_rows
    out['limited'] = limited
    out['rows'] = arrow_to_json_rows(arrow)
    return out


def snapshot_row_count(snapshot):
    """(rows of the table at this snapshot, 'snapshot summary') from the summary's total-records when that is exact
    (no delete files), else (None, None): then the rows must be counted."""
    summary = getattr(snapshot, 'summary', None)
    props = getattr(summary, 'additional_properties', None)
    if props is None:  # a plain mapping
        props = dict(summary or {})
    total = props.get('total-records')
    deletes = [props.get(k) for k in ('total-position-deletes', 'total-equality-deletes', 'total-delete-files')]
    if total is None or any(d not in (None, '0', 0) for d in deletes):
        return None, None
    try:
        return int(total), 'snapshot summary'
    except (TypeError, ValueError):
        return None, None
