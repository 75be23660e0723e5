# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IcebergTable drives one iceberg_table invocation on one table: drop, create or converge (schema, partition spec,
sort order, properties), writes (append / overwrite / delete, idempotent with a key) and refs (tags, branches,
rollback). Its maintenance steps are TableMaintenance (maintenance.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid as uuid_mod
from collections import OrderedDict

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import one_line
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.catalog import (
    PYICEBERG_IMPORT_ERROR,
    connect,
    describe_catalog_error,
    load_table_or_none,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.commits import (
    IDEMPOTENCY_PROPERTY,
    OPERATION_ID_PROPERTY,
    is_conflict_or_exists,
    run_with_retry,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.errors import IcebergModuleError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.maintenance import TableMaintenance
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.options import (
    identifier_text,
    namespace_properties,
    split_identifier,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.reads import bind_filter, parse_filter
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.schema import (
    apply_schema_plan,
    apply_sort_order,
    apply_spec_ops,
    build_partition_spec,
    build_sort_order,
    diff_view,
    plan_partition_spec,
    plan_properties,
    plan_schema,
    plan_sort_order,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.snapshots import (
    MAIN_BRANCH,
    resolve_snapshot,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.storage import (
    FILE_KINDS,
    ManifestReader,
    ObjectStore,
    location_prefix,
    metadata_reachable,
    under,
    union_file_sets,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.types import build_schema

try:
    from pyiceberg import exceptions as ice_exc
    from pyiceberg.table.refs import SnapshotRefType
except ImportError:  # pyiceberg/pyarrow missing: catalog.py reports it (ICEBERG_REQUIREMENT) before anything here runs
    pass


SUMMARY_COUNTERS = (('added-records', 'added_rows'), ('deleted-records', 'deleted_rows'),
                    ('added-data-files', 'added_files'), ('deleted-data-files', 'deleted_files'),
                    ('added-files-size', 'added_bytes'), ('removed-files-size', 'removed_bytes'))


class IcebergTable(TableMaintenance):
    """Drives one iceberg_table invocation. Every public method returns a result dict fragment."""

    def __init__(self, params, check_mode=False, warn=None):
        self.params = params
        self.check_mode = check_mode
        self.warn = warn or (lambda msg: None)
        self.identifier = split_identifier(params.get('namespace'), params.get('name'), params.get('catalog_type'))
        self.name = identifier_text(self.identifier)
        self.catalog = connect(params)
        self.op_id = str(uuid_mod.uuid4())

    # -- helpers ---------------------------------------------------------------------------------------------------

    def load(self):
        return load_table_or_none(self.catalog, self.identifier, self.params)

    def store(self, tbl):
        return ObjectStore(self.params, tbl.io)

    def retry(self, fn, what):
        return run_with_retry(self.params, fn, '%s %s' % (what, self.name), retryable=is_conflict_or_exists)

    def table_prefixes(self, tbl):
        prefixes = [location_prefix(tbl.location())]
        for key in ('write.data.path', 'write.metadata.path', 'write.object-storage.path'):
            if tbl.properties.get(key):
                prefixes.append(location_prefix(tbl.properties[key]))
        prefixes = sorted(set(prefixes), key=len)
        out = []
        for p in prefixes:
            if not any(p.startswith(q) for q in out):
                out.append(p)
        return out

    # -- absent ----------------------------------------------------------------------------------------------------

    def ensure_absent(self, purge):
        tbl = self.load()
        if tbl is None:
            return dict(changed=False, exists=False)
        result = dict(changed=True, exists=False, dropped=True, purged=bool(purge), location=tbl.location())
        if self.check_mode:
            return result
        try:
            if purge and self.params.get('catalog_type') == 'rest':
                # the REST server owns the files and purges them (Polaris does it asynchronously)
                self.catalog.purge_table(self.identifier)
            elif purge:
                reader = ManifestReader(tbl.io)
                files = union_file_sets(reader.snapshots_files(tbl.metadata.snapshots, live_only=False),
                                        metadata_reachable(tbl.metadata, tbl.metadata_location))
                prefixes = self.table_prefixes(tbl)
                paths = sorted(p for kind in FILE_KINDS for p in files[kind] if under(p, prefixes))
                self.catalog.drop_table(self.identifier)
                deleted, errors = self.store(tbl).delete(paths)
                result['deleted_files'] = len(deleted)
                if errors:
                    self.warn('purge: %d files could not be deleted, first: %s' % (len(errors), errors[0]))
            else:
                self.catalog.drop_table(self.identifier)
        except IcebergModuleError:
            raise
        except Exception as exc:
            if PYICEBERG_IMPORT_ERROR is None and isinstance(exc, ice_exc.NoSuchTableError):
                result['changed'] = False
                return result
            raise IcebergModuleError(describe_catalog_error(exc, self.params, 'dropping %s' % self.name))
        return result

    # -- present: create or converge --------------------------------------------------------------------------------

    def ensure_present(self, decls, part_decls, sort_decls, properties, prepare_data=None, loaded=None):
        """Create or converge the table. prepare_data(schema) is called with the schema the table will have, before
        anything is committed, so that bad data fails the run with the table unchanged. Returns (result, table, data).
        loaded: a 1-tuple with the table (or None) the caller already loaded.
        """
        params = self.params
        allow = params.get('allow_breaking_changes') or []
        purge_props = params.get('purge_properties')
        fmt_version = params.get('format_version')
        location = params.get('location')

        def attempt(n):
            tbl = loaded[0] if n == 0 and loaded else self.load()
            if tbl is None:
                return self._create(decls, part_decls, sort_decls, properties, fmt_version, location, prepare_data)
            before = diff_view(tbl.schema(), tbl.spec(), tbl.sort_order(), tbl.properties, tbl.format_version, None)
            changes, refused = [], []
            if location and location_prefix(location) != location_prefix(tbl.location()):
                refused.append('move the table from %s to %s: the location of an existing table cannot change'
                               % (tbl.location(), location))
            if fmt_version and fmt_version < tbl.format_version:
                refused.append('downgrade format-version %d to %d: Iceberg cannot downgrade'
                               % (tbl.format_version, fmt_version))
            plan = plan_schema(tbl.schema(), decls, allow, params.get('purge_columns', True)) if decls else None
            if plan:
                refused.extend(plan.refused)
            if refused:
                raise IcebergModuleError('refusing to change %s: %s. Nothing was committed.'
                                         % (self.name, '; '.join(refused)), refused=refused)
            txn = tbl.transaction()
            try:
                if fmt_version and fmt_version > tbl.format_version:
                    txn.upgrade_table_version(fmt_version)
                    changes.append('upgrade format-version %d to %d' % (tbl.format_version, fmt_version))
                if plan and not plan.empty:
                    with txn.update_schema(allow_incompatible_changes=plan.needs_incompatible) as update:
                        apply_schema_plan(update, plan)
                    changes.extend(plan.changes)
                staged = txn.table_metadata
                schema_after = staged.schema()
                if part_decls is not None:
                    ops, spec_changes = plan_partition_spec(schema_after, staged.spec(), part_decls)
                    if ops:
                        with txn.update_spec() as update:
                            apply_spec_ops(update, ops)
                        changes.extend(spec_changes)
                if sort_decls is not None:
                    wanted, sort_changes = plan_sort_order(schema_after, staged.sort_order(), sort_decls)
                    if sort_changes:
                        with txn.update_sort_order() as update:
                            apply_sort_order(update, wanted)
                        changes.extend(sort_changes)
                to_set, to_remove, prop_changes = plan_properties(txn.table_metadata.properties, properties, purge_props)
                if to_set:
                    txn.set_properties(to_set)
                if to_remove:
                    txn.remove_properties(*to_remove)
                changes.extend(prop_changes)
            except IcebergModuleError:
                raise
            except (ValueError, KeyError) as exc:
                raise IcebergModuleError('cannot evolve %s: %s. Nothing was committed.' % (self.name, one_line(exc, 300)))
            except Exception as exc:
                if PYICEBERG_IMPORT_ERROR is None and isinstance(exc, ice_exc.ValidationError):
                    raise IcebergModuleError('cannot evolve %s: %s. Nothing was committed.'
                                             % (self.name, one_line(exc, 300)))
                raise
            staged = txn.table_metadata
            after = diff_view(staged.schema(), staged.spec(), staged.sort_order(), staged.properties,
                              staged.format_version, None)
            data = prepare_data(staged.schema()) if prepare_data else None
            result = dict(changed=bool(changes), created=False, changes=changes, diff=dict(before=before, after=after))
            if changes and not self.check_mode:
                tbl = txn.commit_transaction()
            return result, tbl, data

        return self.retry(attempt, 'evolving')

    def _create(self, decls, part_decls, sort_decls, properties, fmt_version, location, prepare_data):
        if not decls:
            raise IcebergModuleError('%s does not exist; schema is required to create it.' % self.name)
        schema = build_schema(decls)
        spec = build_partition_spec(schema, part_decls or [])
        order = build_sort_order(schema, sort_decls or [])
        props = dict(properties)
        if fmt_version:
            props['format-version'] = str(fmt_version)
        data = prepare_data(schema) if prepare_data else None
        after = diff_view(schema, spec, order, properties, fmt_version or 2, location)
        parts = ', '.join('%s(%s)' % (d.transform, d.column) for d in (part_decls or [])) or 'unpartitioned'
        result = dict(changed=True, created=True,
                      changes=['create table %s with %d columns, %s' % (self.name, len(schema.fields), parts)],
                      diff=dict(before={}, after=after))
        if self.check_mode:
            return result, None, data
        namespace = self.identifier[:-1]
        if self.params.get('create_namespace', True):
            try:
                self.catalog.create_namespace(namespace, namespace_properties(self.params, namespace))
                result['changes'].insert(0, 'create namespace %s' % '.'.join(namespace))
            except Exception as exc:
                if not (PYICEBERG_IMPORT_ERROR is None and isinstance(exc, ice_exc.NamespaceAlreadyExistsError)):
                    raise IcebergModuleError(describe_catalog_error(exc, self.params, 'creating namespace %s'
                                                                    % '.'.join(namespace)))
        kwargs = dict(schema=schema, partition_spec=spec, sort_order=order, properties=props)
        if location:
            kwargs['location'] = location
        tbl = self.catalog.create_table(self.identifier, **kwargs)
        return result, tbl, data

    # -- data -------------------------------------------------------------------------------------------------------

    def key_committed(self, metadata, key, branch):
        from pyiceberg.table.snapshots import ancestors_of
        head = metadata.snapshot_by_name(branch)
        for snap in ancestors_of(head, metadata):
            if snap.summary is not None and snap.summary.additional_properties.get(IDEMPOTENCY_PROPERTY) == key:
                return snap.snapshot_id
        return None

    def branch_head(self, metadata, branch):
        if branch != MAIN_BRANCH and branch not in metadata.refs:
            raise IcebergModuleError("data.branch: branch '%s' does not exist in %s; create it with branches first."
                                     % (branch, self.name))
        ref = metadata.refs.get(branch)
        if ref is not None and ref.snapshot_ref_type == SnapshotRefType.TAG:
            raise IcebergModuleError("data.branch: '%s' is a tag; writes go to branches." % branch)
        return metadata.snapshot_by_name(branch)

    def write(self, tbl, opts, df):
        """Append / overwrite / delete. df is the conformed Arrow table (None for delete)."""
        mode = opts.get('mode') or 'append'
        branch = opts.get('branch') or MAIN_BRANCH
        key = opts.get('idempotency_key')
        filter_text = opts.get('filter')
        out = OrderedDict([('mode', mode), ('branch', branch)])
        if tbl is None:   # check mode on a table that would be created
            out.update(changed=mode != 'delete' and df is not None and df.num_rows > 0,
                       rows=df.num_rows if df is not None else 0)
            return out
        metadata = tbl.metadata
        self.branch_head(metadata, branch)
        expr = parse_filter(filter_text, 'data.filter')
        bind_filter(tbl.schema(), expr, 'data.filter', filter_text)
        if key:
            landed = self.key_committed(metadata, key, branch)
            if landed is not None:
                out.update(changed=False, skipped=True, snapshot_id=landed,
                           reason='idempotency_key %r was committed in snapshot %d' % (key, landed))
                return out
        head = metadata.snapshot_by_name(branch)
        if mode in ('delete', 'overwrite'):
            matching = 0
            if head is not None:
                matching = tbl.scan(row_filter=expr, snapshot_id=head.snapshot_id).count()
            out['matching_rows'] = matching
            if mode == 'delete' and matching == 0:
                out.update(changed=False)
                return out
        rows = df.num_rows if df is not None else 0
        if df is not None:
            out['rows'] = rows
        if mode == 'append' and rows == 0:
            out.update(changed=False)
            return out
        out['changed'] = True
        if self.check_mode:
            return out
        props = dict((str(k), str(v)) for k, v in (opts.get('snapshot_properties') or {}).items())
        props[OPERATION_ID_PROPERTY] = self.op_id
        if key:
            props[IDEMPOTENCY_PROPERTY] = key
        if mode == 'append':
            committed = self._append(tbl, df, props, branch, key)
        else:
            committed = self._rewrite(tbl, mode, df, expr, props, branch, key)
        out.update(self.summarize(committed))
        self.latest = committed
        return out

    def summarize(self, tbl):
        mine = [s for s in tbl.metadata.snapshots
                if s.summary is not None and s.summary.additional_properties.get(OPERATION_ID_PROPERTY) == self.op_id]
        mine.sort(key=lambda s: s.sequence_number or 0)
        out = OrderedDict([('snapshot_id', mine[-1].snapshot_id if mine else None),
                           ('snapshot_ids', [s.snapshot_id for s in mine])])
        for summary_key, name in SUMMARY_COUNTERS:
            out[name] = sum(int(s.summary.additional_properties.get(summary_key, 0) or 0) for s in mine)
        return out

    def _append(self, tbl, df, props, branch, key):
        """Write the data files once, then commit them with retries; files of a commit that definitely failed are
        deleted, so a conflict never leaves orphans and never loses rows."""
        from pyiceberg.io.pyarrow import _check_pyarrow_schema_compatible, _dataframe_to_data_files
        state = dict(files=None, spec_id=None, tbl=tbl)

        def cleanup():
            if state['files']:
                self.store(state['tbl']).delete([f.file_path for f in state['files']])
                state['files'] = None

        def attempt(n):
            t = state['tbl'] if n == 0 else state['tbl'].refresh()
            state['tbl'] = t
            if n and key and self.key_committed(t.metadata, key, branch) is not None:
                return t  # an earlier attempt landed after all
            self.branch_head(t.metadata, branch)
            if state['files'] is None or state['spec_id'] != t.metadata.default_spec_id:
                cleanup()
                _check_pyarrow_schema_compatible(t.schema(), df.schema,
                                                 format_version=t.metadata.format_version)
                state['files'] = list(_dataframe_to_data_files(table_metadata=t.metadata, df=df, io=t.io,
                                                               write_uuid=uuid_mod.uuid4()))
                state['spec_id'] = t.metadata.default_spec_id
            txn = t.transaction()
            update = txn.update_snapshot(snapshot_properties=props, branch=branch)
            merge = str(t.properties.get('commit.manifest-merge.enabled', 'false')).lower() == 'true'
            with (update.merge_append() if merge else update.fast_append()) as append:
                for data_file in state['files']:
                    append.append_data_file(data_file)
            return txn.commit_transaction()

        try:
            return self.retry(attempt, 'appending to')
        except IcebergModuleError as exc:
            if exc.definite:
                cleanup()
            raise

    def _rewrite(self, tbl, mode, df, expr, props, branch, key):
        state = dict(tbl=tbl)

        def attempt(n):
            t = state['tbl'] if n == 0 else state['tbl'].refresh()
            state['tbl'] = t
            if n and key and self.key_committed(t.metadata, key, branch) is not None:
                return t
            txn = t.transaction()
            if mode == 'overwrite':
                txn.overwrite(df, overwrite_filter=expr, snapshot_properties=props, branch=branch)
            else:
                txn.delete(delete_filter=expr, snapshot_properties=props, branch=branch)
            return txn.commit_transaction()

        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            return self.retry(attempt, '%s of rows in' % mode)

    # -- refs / rollback --------------------------------------------------------------------------------------------

    def plan_refs(self, metadata, tags, branches, rollback):
        """Validate and plan ref changes. Returns (ops, changes). Raises before anything is committed."""
        ops, changes = [], []
        current = metadata.current_snapshot()
        for kind, items in (('tag', tags or []), ('branch', branches or [])):
            for index, item in enumerate(items):
                where = '%ss[%d]' % (kind, index)
                name = item.get('name')
                if not name:
                    raise IcebergModuleError('%s: name is required.' % where)
                existing = metadata.refs.get(name)
                existing_kind = None
                if existing is not None:
                    existing_kind = 'tag' if existing.snapshot_ref_type == SnapshotRefType.TAG else 'branch'
                    if existing_kind != kind:
                        raise IcebergModuleError("%s: '%s' is a %s, not a %s." % (where, name, existing_kind, kind))
                if (item.get('state') or 'present') == 'absent':
                    if name == MAIN_BRANCH:
                        raise IcebergModuleError('%s: the main branch cannot be removed.' % where)
                    if existing is not None:
                        ops.append(('remove_' + kind, name))
                        changes.append('remove %s %s (was at snapshot %d)' % (kind, name, existing.snapshot_id))
                    continue
                if item.get('snapshot_id') is not None:
                    target = resolve_snapshot(metadata, where, snapshot_id=item['snapshot_id'], table_name=self.name)
                elif item.get('ref') is not None:
                    target = resolve_snapshot(metadata, where, ref=item['ref'], table_name=self.name)
                elif existing is not None:
                    target = metadata.snapshot_by_id(existing.snapshot_id)
                else:
                    target = current
                if target is None:
                    raise IcebergModuleError('%s: %s has no snapshot yet to point %s %s at.'
                                             % (where, self.name, kind, name))
                retention_keys = ('max_ref_age_ms', 'max_snapshot_age_ms', 'min_snapshots_to_keep')
                retention = dict((k, item.get(k)) for k in retention_keys if item.get(k) is not None)
                if kind == 'tag':
                    retention.pop('max_snapshot_age_ms', None)
                    retention.pop('min_snapshots_to_keep', None)
                differs = existing is None or existing.snapshot_id != target.snapshot_id or any(
                    getattr(existing, k) != v for k, v in retention.items())
                if differs:
                    ops.append(('set_' + kind, name, target.snapshot_id, retention))
                    if existing is None:
                        changes.append('create %s %s at snapshot %d' % (kind, name, target.snapshot_id))
                    else:
                        changes.append('move %s %s from snapshot %d to %d' % (kind, name, existing.snapshot_id,
                                                                              target.snapshot_id))
        if rollback:
            target = resolve_snapshot(metadata, 'rollback', rollback.get('snapshot_id'), rollback.get('timestamp'),
                                      rollback.get('ref'), self.name)
            if target is None:
                raise IcebergModuleError('rollback: give snapshot_id, timestamp or ref.')
            if current is None or current.snapshot_id != target.snapshot_id:
                ops.append(('rollback', target.snapshot_id))
                changes.append('set the current snapshot of main to %d (was %s)'
                               % (target.snapshot_id, current.snapshot_id if current else 'none'))
        return ops, changes

    def apply_refs(self, tbl, tags, branches, rollback):
        from pyiceberg.table.update.snapshot import ManageSnapshots
        state = dict(result=None)

        def attempt(n):
            t = tbl if n == 0 else tbl.refresh()
            ops, changes = self.plan_refs(t.metadata, tags, branches, rollback)
            state['result'] = dict(changed=bool(ops), changes=changes)
            if not ops or self.check_mode:
                return t
            txn = t.transaction()
            manage = ManageSnapshots(txn)
            for op in ops:
                if op[0] in ('remove_tag', 'remove_branch'):
                    manage = manage.remove_tag(op[1]) if op[0] == 'remove_tag' else manage.remove_branch(op[1])
            for op in ops:
                if op[0] == 'set_tag':
                    manage = manage.create_tag(op[2], op[1], max_ref_age_ms=op[3].get('max_ref_age_ms'))
                elif op[0] == 'set_branch':
                    manage = manage.create_branch(op[2], op[1], **op[3])
                elif op[0] == 'rollback':
                    manage = manage.set_current_snapshot(snapshot_id=op[1])
            manage.commit()
            return txn.commit_transaction()

        tbl = self.retry(attempt, 'updating refs of')
        return state['result'], tbl
