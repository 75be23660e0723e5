# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table maintenance that frees storage, the maintenance half of IcebergTable (table.py): snapshot expiry with the
deletion of the files no retained snapshot reaches, orphan-file removal with an age guard, compaction of small
files.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import itertools
import time
import uuid as uuid_mod
from collections import OrderedDict

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.durations import parse_duration
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import one_line
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.commits import (
    COMPACTION_PROPERTY,
    OPERATION_ID_PROPERTY,
    is_conflict,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.errors import IcebergModuleError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.reads import bind_filter, parse_filter
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.snapshots import (
    ms_to_iso,
    parse_point_in_time,
    ref_infos,
    select_snapshots_to_expire,
    snapshot_infos,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.storage import (
    FILE_KINDS,
    ManifestReader,
    count_file_sets,
    empty_file_sets,
    location_prefix,
    metadata_reachable,
    norm_uri,
    select_orphans,
    subtract_file_sets,
    under,
    union_file_sets,
)

DEFAULT_ORPHAN_GUARD = '3d'
MIN_ORPHAN_GUARD_SECONDS = 60
# With exclusive_writer the caller vouches that no other writer has a commit in flight (a table private to one run).
MIN_EXCLUSIVE_ORPHAN_GUARD_SECONDS = 1


class TableMaintenance(object):
    """The maintenance steps of iceberg_table, a base class of IcebergTable (table.py).

    They use what IcebergTable provides: catalog, identifier, name, op_id, check_mode, warn, retry(), store() and
    table_prefixes().
    """

    # -- maintenance: expire snapshots and delete what they alone reached -------------------------------------------

    def expire_snapshots(self, tbl, opts, max_listed=1000):
        """Expire snapshots (metadata commit) and delete the manifest lists, manifests, data and delete files that
        no retained snapshot reaches.

        Safety: the commit asserts that no ref moved since the snapshots were selected (a concurrent commit makes it
        retry and re-select). Files are computed as (reached by expired snapshots) minus (reached by every snapshot of
        the metadata *after* the commit, re-read once more just before deleting); only files under the table's
        locations are deleted. A writer whose commit is in flight bases it on a branch head, which is never expired;
        if the head moved, its commit fails the catalog's ref check and is rebuilt on the new head.
        """
        from pyiceberg.table.update import AssertRefSnapshotId, RemoveSnapshotsUpdate
        now_ms = int(time.time() * 1000)
        props = tbl.properties
        explicit_ids = opts.get('snapshot_ids') or []
        age_given = opts.get('older_than') is not None or opts.get('retain_last') is not None
        if opts.get('older_than') is not None:
            older_than_ms = parse_point_in_time(opts['older_than'], 'expire_snapshots.older_than', now_ms)
        elif explicit_ids and not age_given:
            older_than_ms = None
        else:
            older_than_ms = now_ms - int(props.get('history.expire.max-snapshot-age-ms', 5 * 86400 * 1000))
        retain_last = opts.get('retain_last')
        if retain_last is None and (age_given or not explicit_ids):
            retain_last = int(props.get('history.expire.min-snapshots-to-keep', 1))
        if retain_last is not None and retain_last < 1:
            raise IcebergModuleError('expire_snapshots.retain_last must be at least 1.')
        delete_files = opts.get('delete_files', True)
        state = {}

        def attempt(n):
            t = tbl if n == 0 else tbl.refresh()
            before = t.metadata
            expire, retained = select_snapshots_to_expire(snapshot_infos(before), ref_infos(before), now_ms,
                                                          older_than_ms, retain_last, explicit_ids)
            state.update(before=before, expire=expire, table=t, retained=retained)
            if not expire or self.check_mode:
                return t
            txn = t.transaction()
            requirements = tuple(AssertRefSnapshotId(snapshot_id=ref.snapshot_id, ref=name)
                                 for name, ref in before.refs.items())
            txn._stage((RemoveSnapshotsUpdate(snapshot_ids=sorted(expire)),), requirements)
            return txn.commit_transaction()

        after_tbl = self.retry(attempt, 'expiring snapshots of')
        before, expire = state['before'], state['expire']
        out = OrderedDict([('changed', bool(expire)), ('expired_snapshot_ids', sorted(expire)),
                           ('retained_snapshot_ids', sorted(s.snapshot_id for s in before.snapshots
                                                            if s.snapshot_id not in expire)),
                           ('older_than', ms_to_iso(older_than_ms) if older_than_ms is not None else None),
                           ('retain_last', retain_last)])
        if not expire or not delete_files:
            out['deleted_files'] = count_file_sets(empty_file_sets()) if delete_files else None
            return out, after_tbl
        reader = ManifestReader(after_tbl.io)
        expired_snaps = [s for s in before.snapshots if s.snapshot_id in expire]
        gone = reader.snapshots_files(expired_snaps, live_only=True)
        for stats in list(before.statistics or []) + list(getattr(before, 'partition_statistics', None) or []):
            if getattr(stats, 'snapshot_id', None) in expire:
                gone['statistics_files'].add(norm_uri(stats.statistics_path))
        if self.check_mode:
            remaining = [s for s in before.snapshots if s.snapshot_id not in expire]
            keep = union_file_sets(reader.snapshots_files(remaining, live_only=True),
                                   metadata_reachable(before, after_tbl.metadata_location))
        else:
            keep = union_file_sets(reader.snapshots_files(after_tbl.metadata.snapshots, live_only=True),
                                   metadata_reachable(after_tbl.metadata, after_tbl.metadata_location))
            latest = after_tbl.refresh()
            known = set(s.snapshot_id for s in after_tbl.metadata.snapshots)
            newer = [s for s in latest.metadata.snapshots if s.snapshot_id not in known]
            keep = union_file_sets(keep, reader.snapshots_files(newer, live_only=True),
                                   metadata_reachable(latest.metadata, latest.metadata_location))
            after_tbl = latest
        doomed = subtract_file_sets(gone, keep)
        prefixes = self.table_prefixes(after_tbl)
        outside = sorted(p for kind in FILE_KINDS for p in doomed[kind] if not under(p, prefixes))
        for kind in FILE_KINDS:
            doomed[kind] = set(p for p in doomed[kind] if under(p, prefixes))
        out['deleted_files'] = count_file_sets(doomed)
        out['deleted_paths'] = sorted(p for kind in FILE_KINDS for p in doomed[kind])[:max_listed]
        if outside:
            out['kept_outside_location'] = outside[:max_listed]
            self.warn('expire_snapshots: %d unreachable files are outside the table location and were kept, e.g. %s'
                      % (len(outside), outside[0]))
        if not self.check_mode:
            deleted, errors = self.store(after_tbl).delete(sorted(p for kind in FILE_KINDS for p in doomed[kind]))
            out['deleted_count'] = len(deleted)
            if errors:
                out['delete_errors'] = errors[:max_listed]
                self.warn('expire_snapshots: %d files could not be deleted (they are orphans now; remove_orphan_files '
                          'will retry), first: %s' % (len(errors), errors[0]))
        return out, after_tbl

    # -- maintenance: orphan files ---------------------------------------------------------------------------------

    def remove_orphan_files(self, tbl, opts):
        guard_s = parse_duration(opts.get('older_than') or DEFAULT_ORPHAN_GUARD, 'remove_orphan_files.older_than',
                                 error=IcebergModuleError)
        exclusive = bool(opts.get('exclusive_writer'))
        minimum = MIN_EXCLUSIVE_ORPHAN_GUARD_SECONDS if exclusive else MIN_ORPHAN_GUARD_SECONDS
        if guard_s < minimum:
            raise IcebergModuleError(
                'remove_orphan_files.older_than must be at least %ds: younger files may belong to commits in flight%s.'
                % (minimum, '' if exclusive else ' (set exclusive_writer=true only for a table nothing else writes)'))
        if guard_s < 86400 and not exclusive:
            self.warn('remove_orphan_files: a guard age below 1 day (%s) can delete files of long-running writes '
                      'that have not committed yet.' % opts.get('older_than'))
        dry_run = bool(opts.get('dry_run')) or self.check_mode
        max_listed = int(opts.get('max_listed') or 1000)
        now_s = time.time()
        tbl = tbl.refresh()
        prefixes = self.table_prefixes(tbl)
        reader = ManifestReader(tbl.io)
        live = union_file_sets(reader.snapshots_files(tbl.metadata.snapshots, live_only=True))
        reachable = union_file_sets(reader.snapshots_files(tbl.metadata.snapshots, live_only=False),
                                    metadata_reachable(tbl.metadata, tbl.metadata_location))
        reachable_all = set(p for kind in FILE_KINDS for p in reachable[kind])
        protected = self._nested_table_prefixes(tbl, prefixes)
        store = self.store(tbl)
        listing = []
        for prefix in prefixes:
            listing.extend(store.list(prefix.rstrip('/')))
        listed = set(uri for uri, unused, unused in listing)
        # Self-check: every file a snapshot reads (and the current metadata file) must be in the listing, else the
        # listing and the metadata do not speak about the same paths and nothing may be deleted.
        expected = set(p for kind in ('manifest_lists', 'manifests', 'data_files', 'delete_files') for p in live[kind])
        expected.add(norm_uri(tbl.metadata_location))
        missing = sorted(p for p in expected if under(p, prefixes) and p not in listed)
        if missing:
            raise IcebergModuleError('remove_orphan_files: %d files referenced by %s are not in the listing of %s (e.g. '
                                     '%s); refusing to delete anything.' % (len(missing), self.name,
                                                                            ', '.join(prefixes), missing[0]))
        orphans, recent = select_orphans(listing, reachable_all, protected, now_s, guard_s)
        if orphans and not dry_run:
            # re-read the metadata right before deleting: anything committed meanwhile is kept
            latest = tbl.refresh()
            known = set(s.snapshot_id for s in tbl.metadata.snapshots)
            newer = [s for s in latest.metadata.snapshots if s.snapshot_id not in known]
            extra = union_file_sets(reader.snapshots_files(newer, live_only=False),
                                    metadata_reachable(latest.metadata, latest.metadata_location))
            extra_all = set(p for kind in FILE_KINDS for p in extra[kind])
            orphans = [o for o in orphans if o[0] not in extra_all]
        out = OrderedDict([('dry_run', dry_run), ('older_than', opts.get('older_than') or DEFAULT_ORPHAN_GUARD),
                           ('scanned_prefixes', prefixes), ('listed_files', len(listing)),
                           ('orphan_count', len(orphans)), ('orphan_bytes', sum(o[1] for o in orphans)),
                           ('kept_recent_count', len(recent)),
                           ('orphan_files', [OrderedDict([('path', o[0]), ('size', o[1]),
                                                          ('modified', datetime.datetime.fromtimestamp(
                                                              o[2], tz=datetime.timezone.utc).isoformat())])
                                             for o in sorted(orphans)[:max_listed]]),
                           ('changed', bool(orphans) and not dry_run)])
        if protected:
            out['skipped_nested_tables'] = sorted(protected)
        if orphans and not dry_run:
            deleted, errors = store.delete([o[0] for o in orphans])
            out['deleted_count'] = len(deleted)
            if errors:
                out['delete_errors'] = errors[:max_listed]
                self.warn('remove_orphan_files: %d files could not be deleted, first: %s' % (len(errors), errors[0]))
        return out

    def _nested_table_prefixes(self, tbl, prefixes):
        """Locations of other tables of the same namespace that lie under this table's location."""
        nested = []
        try:
            others = self.catalog.list_tables(self.identifier[:-1])
        except Exception as exc:
            self.warn('remove_orphan_files: could not list the tables of the namespace (%s); tables nested under this '
                      'table location would not be detected.' % one_line(exc, 200))
            return nested
        for ident in others:
            if tuple(ident) == tuple(self.identifier):
                continue
            try:
                other = self.catalog.load_table(ident)
            except Exception:
                continue
            p = location_prefix(other.location())
            if under(p, prefixes):
                nested.append(p)
        return nested

    # -- maintenance: compaction -----------------------------------------------------------------------------------

    def compact(self, tbl, opts):
        """Rewrite the small data files of each partition matched by `filter` into fewer files.

        Exactly: files whose rows may match the filter (partition pruning + column metrics) are planned on the
        current snapshot of main; files without delete files and smaller than small_file_size_mb are grouped by
        (spec, partition); each group with at least min_input_files files is read whole (every row, not only the
        matching ones), concatenated and written again with the table's current spec and write properties. One
        "overwrite" snapshot removes the old files and adds the new ones, after checking that the row counts match.
        Guarantees: the table holds exactly the same rows afterwards; older snapshots still read the old files
        (storage is freed when they are expired); a concurrent commit that removed one of the input files makes the
        compaction fail (nothing committed, its new files deleted); a concurrent append makes it start over.
        Rows are not re-sorted.
        """
        from pyiceberg.expressions import AlwaysTrue
        from pyiceberg.io.pyarrow import ArrowScan, _dataframe_to_data_files
        from pyiceberg.table import FileScanTask
        expr = parse_filter(opts.get('filter'), 'compact.filter')
        bind_filter(tbl.schema(), expr, 'compact.filter', opts.get('filter'))
        target = int(float(opts.get('target_file_size_mb') or 0) * 1024 * 1024) or int(
            tbl.properties.get('write.target-file-size-bytes', 512 * 1024 * 1024))
        small = int(float(opts.get('small_file_size_mb') or 0) * 1024 * 1024) or int(target * 0.75)
        min_files = int(opts.get('min_input_files') or 5)
        if min_files < 2:
            raise IcebergModuleError('compact.min_input_files must be at least 2.')
        state = dict(new_files=[], result=None, tbl=tbl)

        def cleanup():
            if state['new_files']:
                self.store(state['tbl']).delete([f.file_path for f in state['new_files']])
                state['new_files'] = []

        def attempt(n):
            t = tbl if n == 0 else tbl.refresh()
            state['tbl'] = t
            snap = t.current_snapshot()
            result = OrderedDict([('changed', False), ('groups', 0), ('input_files', 0), ('input_bytes', 0),
                                  ('output_files', 0), ('rows', 0), ('skipped_with_deletes', 0)])
            state['result'] = result
            if snap is None:
                return t
            groups = OrderedDict()
            for task in t.scan(row_filter=expr, snapshot_id=snap.snapshot_id).plan_files():
                data_file = task.file
                if task.delete_files:
                    result['skipped_with_deletes'] += 1
                    continue
                if data_file.file_size_in_bytes >= small:
                    continue
                groups.setdefault((data_file.spec_id, repr(data_file.partition)), []).append(data_file)
            groups = OrderedDict((k, v) for k, v in groups.items() if len(v) >= min_files)
            if not groups:
                return t
            result.update(changed=True, groups=len(groups), input_files=sum(len(v) for v in groups.values()),
                          input_bytes=sum(f.file_size_in_bytes for v in groups.values() for f in v),
                          rows=sum(f.record_count for v in groups.values() for f in v))
            if self.check_mode:
                return t
            write_uuid = uuid_mod.uuid4()
            counter = itertools.count(0)
            old_files = []
            for files in groups.values():
                scan = ArrowScan(table_metadata=t.metadata, io=t.io, projected_schema=t.schema(), row_filter=AlwaysTrue())
                arrow = scan.to_table([FileScanTask(f) for f in files])
                expected = sum(f.record_count for f in files)
                if arrow.num_rows != expected:
                    cleanup()
                    raise IcebergModuleError('compact: read %d rows from %d files whose metadata says %d; nothing was '
                                             'committed.' % (arrow.num_rows, len(files), expected))
                written = list(_dataframe_to_data_files(table_metadata=t.metadata, df=arrow, io=t.io,
                                                        write_uuid=write_uuid, counter=counter))
                state['new_files'].extend(written)
                if sum(f.record_count for f in written) != expected:
                    cleanup()
                    raise IcebergModuleError('compact: wrote a different number of rows than read; nothing was '
                                             'committed.')
                old_files.extend(files)
            result['output_files'] = len(state['new_files'])
            txn = t.transaction()
            props = {COMPACTION_PROPERTY: 'true', OPERATION_ID_PROPERTY: self.op_id}
            with txn.update_snapshot(snapshot_properties=props).overwrite() as rewrite:
                for f in old_files:
                    rewrite.delete_data_file(f)
                for f in state['new_files']:
                    rewrite.append_data_file(f)
            try:
                committed = txn.commit_transaction()
            except Exception as exc:
                if is_conflict(exc):
                    cleanup()  # definitely not committed
                raise
            state['new_files'] = []
            return committed

        tbl = self.retry(attempt, 'compacting')
        result = state['result']
        if result.get('changed') and not self.check_mode:
            result.update(snapshot_id=tbl.current_snapshot().snapshot_id)
        return result, tbl
