# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Snapshots and refs: points in time (ISO-8601, epoch milliseconds or a duration meaning that long ago), the
snapshot of an id / point in time / ref, the pure retention selection of the snapshots to expire, and snapshots and
refs as data.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re
import time
from collections import OrderedDict, namedtuple

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.durations import is_duration_text, parse_duration
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.errors import IcebergModuleError

try:
    from pyiceberg.table.refs import SnapshotRefType
except ImportError:  # pyiceberg/pyarrow missing: catalog.py reports it (ICEBERG_REQUIREMENT) before anything here runs
    pass


# The branch that writes, reads and rollbacks use unless told otherwise.
MAIN_BRANCH = 'main'


def parse_point_in_time(value, where, now_ms=None):
    """An ISO-8601 timestamp (naive = UTC), epoch milliseconds, or a duration meaning 'that long ago' -> epoch ms."""
    if now_ms is None:
        now_ms = int(time.time() * 1000)
    if isinstance(value, bool) or value is None:
        raise IcebergModuleError('%s: a timestamp or duration is required.' % where)
    if isinstance(value, (int, float)):
        return int(value)
    text = str(value).strip()
    if re.match(r'^\d{12,}$', text):
        return int(text)
    if is_duration_text(text) and not re.match(r'^\d{4}-', text):
        return now_ms - int(parse_duration(text, where, error=IcebergModuleError) * 1000)
    try:
        parsed = datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
    except ValueError:
        raise IcebergModuleError("%s: '%s' is neither an ISO-8601 timestamp, epoch milliseconds nor a duration "
                                 "(e.g. 7d)." % (where, value))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return int(parsed.timestamp() * 1000)


def ms_to_iso(ms):
    if ms is None:
        return None
    return datetime.datetime.fromtimestamp(ms / 1000.0, tz=datetime.timezone.utc).isoformat().replace('+00:00', 'Z')


SnapInfo = namedtuple('SnapInfo', 'snapshot_id parent_id timestamp_ms')
RefInfo = namedtuple('RefInfo', 'snapshot_id type min_snapshots_to_keep max_snapshot_age_ms')


def snapshot_infos(metadata):
    return [SnapInfo(s.snapshot_id, s.parent_snapshot_id, s.timestamp_ms) for s in metadata.snapshots]


def ref_infos(metadata):
    out = {}
    for name, ref in metadata.refs.items():
        out[name] = RefInfo(ref.snapshot_id, 'tag' if ref.snapshot_ref_type == SnapshotRefType.TAG else 'branch',
                            ref.min_snapshots_to_keep, ref.max_snapshot_age_ms)
    return out


def select_snapshots_to_expire(snapshots, refs, now_ms, older_than_ms=None, retain_last=None, snapshot_ids=None):
    """Pure retention selection. Returns (set of snapshot ids to expire, dict id -> why it is retained).

    * Tag and branch heads are never expired.
    * Each branch keeps its `retain_last` most recent ancestors (or its own min-snapshots-to-keep).
    * Other ancestors of a branch expire when older than the branch's max-snapshot-age (if set) or `older_than_ms`.
    * Snapshots on no branch (rolled back, staged) expire when older than `older_than_ms`.
    * `snapshot_ids` are expired explicitly (an error if one is a ref head or unknown).
    With older_than_ms None and retain_last None only `snapshot_ids` are expired.
    """
    by_id = dict((s.snapshot_id, s) for s in snapshots)
    retained = {}
    for name, ref in sorted(refs.items()):
        retained.setdefault(ref.snapshot_id, 'head of %s %s' % (ref.type, name))
    age_based = older_than_ms is not None or retain_last is not None
    expire = set()
    on_branch = set()
    expirable_on_branch = {}
    for name, ref in sorted(refs.items()):
        if ref.type != 'branch':
            continue
        keep = ref.min_snapshots_to_keep if ref.min_snapshots_to_keep is not None else (retain_last or 1)
        cutoff = now_ms - ref.max_snapshot_age_ms if ref.max_snapshot_age_ms is not None else older_than_ms
        seen = set()
        current = by_id.get(ref.snapshot_id)
        position = 0
        while current is not None and current.snapshot_id not in seen:
            seen.add(current.snapshot_id)
            on_branch.add(current.snapshot_id)
            position += 1
            if position <= keep:
                retained.setdefault(current.snapshot_id, 'one of the last %d of branch %s' % (keep, name))
                expirable_on_branch[current.snapshot_id] = False
            elif cutoff is not None and current.timestamp_ms < cutoff:
                expirable_on_branch.setdefault(current.snapshot_id, True)
            else:
                retained.setdefault(current.snapshot_id, 'newer than the age cut-off on branch %s' % name)
                expirable_on_branch[current.snapshot_id] = False
            current = by_id.get(current.parent_id) if current.parent_id is not None else None
    if age_based:
        for sid, ok in expirable_on_branch.items():
            if ok and sid not in retained:
                expire.add(sid)
        if older_than_ms is not None:
            for s in snapshots:
                if s.snapshot_id not in on_branch and s.snapshot_id not in retained and s.timestamp_ms < older_than_ms:
                    expire.add(s.snapshot_id)
    for sid in snapshot_ids or ():
        sid = int(sid)
        if sid not in by_id:
            raise IcebergModuleError('expire_snapshots: snapshot %d does not exist (known: %s).'
                                     % (sid, _known_ids([s.snapshot_id for s in snapshots])))
        if sid in retained and retained[sid].startswith('head of'):
            raise IcebergModuleError('expire_snapshots: snapshot %d is the %s; remove or move the ref first.'
                                     % (sid, retained[sid]))
        expire.add(sid)
        retained.pop(sid, None)
    return expire, dict((k, v) for k, v in retained.items() if k not in expire)


def _known_ids(ids, limit=10):
    ids = list(ids)
    text = ', '.join(str(i) for i in ids[-limit:])
    return text + (' and %d more' % (len(ids) - limit) if len(ids) > limit else '') if ids else 'none'


def resolve_snapshot(metadata, where, snapshot_id=None, timestamp=None, ref=None, table_name=''):
    """Snapshot for an id / point in time ('as of', from the snapshot log) / ref name, with one-line errors."""
    given = [x for x in (snapshot_id, timestamp, ref) if x is not None]
    if len(given) > 1:
        raise IcebergModuleError('%s: give only one of snapshot_id, timestamp and ref.' % where)
    if snapshot_id is not None:
        snap = metadata.snapshot_by_id(int(snapshot_id))
        if snap is None:
            raise IcebergModuleError('%s: snapshot %s does not exist in %s (known: %s).'
                                     % (where, snapshot_id, table_name, _known_ids(s.snapshot_id for s in metadata.snapshots)))
        return snap
    if ref is not None:
        if ref not in metadata.refs:
            raise IcebergModuleError("%s: ref '%s' does not exist in %s (refs: %s)."
                                     % (where, ref, table_name, ', '.join(sorted(metadata.refs)) or 'none'))
        return metadata.snapshot_by_id(metadata.refs[ref].snapshot_id)
    if timestamp is not None:
        ts = parse_point_in_time(timestamp, where)
        found = None
        for entry in metadata.snapshot_log:
            if entry.timestamp_ms <= ts:
                found = entry.snapshot_id
        snap = metadata.snapshot_by_id(found) if found is not None else None
        if snap is None:
            first = metadata.snapshot_log[0].timestamp_ms if metadata.snapshot_log else None
            raise IcebergModuleError('%s: no snapshot of %s was current at %s (history starts at %s).'
                                     % (where, table_name, ms_to_iso(ts), ms_to_iso(first) if first else 'no snapshot'))
        return snap
    return metadata.current_snapshot()


def snapshot_to_data(s):
    summary = dict(s.summary.additional_properties) if s.summary is not None else {}
    return OrderedDict([
        ('snapshot_id', s.snapshot_id), ('parent_snapshot_id', s.parent_snapshot_id),
        ('sequence_number', s.sequence_number), ('timestamp_ms', s.timestamp_ms), ('timestamp', ms_to_iso(s.timestamp_ms)),
        ('operation', str(s.summary.operation.value) if s.summary is not None else None),
        ('schema_id', s.schema_id), ('manifest_list', s.manifest_list), ('summary', summary),
    ])


def refs_to_data(metadata):
    out = {}
    for name, ref in sorted(metadata.refs.items()):
        out[name] = OrderedDict([
            ('type', 'tag' if ref.snapshot_ref_type == SnapshotRefType.TAG else 'branch'),
            ('snapshot_id', ref.snapshot_id), ('max_ref_age_ms', ref.max_ref_age_ms),
            ('max_snapshot_age_ms', ref.max_snapshot_age_ms), ('min_snapshots_to_keep', ref.min_snapshots_to_keep),
        ])
    return out
