# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The success criteria of Phase 1, evaluated from the objectives' results.

* ``evaluate(results, thresholds)`` -> list of criteria, each
  ``{id, objective, check, status (passed|failed|skipped), figure, unit, threshold, detail}``;
* ``build_report(...)`` -> the report as a dict (what ``results.json`` holds)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.report.model import (
    CRITERIA,
    FAILED,
    HMS_NOT_CONFIGURED,
    OBJECTIVES,
    OPTIONAL_OBJECTIVES,
    PASSED,
    REPORT_FORMAT,
    SKIPPED,
    as_dict,
    criterion,
    dicts,
    fmt_number,
    fmt_seconds,
    generated_at,
    human_size,
    load_inputs,
    num,
    nums,
    validate_thresholds,
    validate_timestamp,
)


def _check_text(objective, cid, thresholds):
    for known, text in CRITERIA[objective]:
        if known == cid:
            return text.format(**dict((k, fmt_seconds(v)) for k, v in thresholds.items()))
    raise KeyError(cid)  # pragma: no cover


def _threshold_name(cid):
    return {
        's3_operation_latency': 's3_operation_seconds',
        'metadata_query_latency': 'metadata_query_seconds',
        'hms_metadata_queries': 'metadata_query_seconds',
        'table_creation_time': 'table_creation_seconds',
        'backup_time': 'backup_seconds',
    }.get(cid)


def _all_criteria(objective, thresholds, status, detail):
    """Every fixed criterion of an objective with one status and detail (missing or unreadable input)."""
    out = []
    for cid, dummy in CRITERIA[objective]:
        tname = _threshold_name(cid)
        out.append(criterion(cid, objective, _check_text(objective, cid, thresholds), status,
                             unit='s' if tname else None, threshold=thresholds[tname] if tname else None,
                             detail=detail))
    return out


def _timed(cid, objective, thresholds, value, detail, missing_detail):
    """A threshold criterion: passed when value <= threshold; failed with missing_detail when there is no value."""
    tname = _threshold_name(cid)
    limit = thresholds[tname]
    check = _check_text(objective, cid, thresholds)
    if value is None:
        return criterion(cid, objective, check, FAILED, None, 's', limit, 'no measurement: ' + missing_detail)
    status = PASSED if value <= limit else FAILED
    if status == FAILED:
        detail = '%s s is above the threshold %s; %s' % (fmt_number(value), fmt_seconds(limit), detail)
    return criterion(cid, objective, check, status, round(value, 4), 's', limit, detail)


# ---------------------------------------------------------------------------------------------- 1.1 S3

def _s3_criteria(data, thresholds):
    obj = '1.1'
    out = []
    checks = dicts(data.get('checks'))
    summary = as_dict(data.get('summary'))
    counts = dict((k, summary.get(k)) for k in ('pass', 'warn', 'skip', 'fail') if summary.get(k) is not None)
    if not counts and checks:
        for check in checks:
            counts[check.get('status', '?')] = counts.get(check.get('status', '?'), 0) + 1
    figure = ', '.join('%s %s' % (v, k) for k, v in counts.items()) or None
    compatible = data.get('compatible')
    failed_checks = data.get('failed_checks') or []
    if not isinstance(failed_checks, list):
        failed_checks = [failed_checks]
    failed_checks = [str(x.get('name') if isinstance(x, dict) else x) for x in failed_checks]
    by_name = dict((c.get('name'), c) for c in checks)
    if compatible is None:
        status, detail = FAILED, 's3_storage.json has no "compatible" field: re-run playbooks/s3_storage.yml'
    elif compatible is True and not failed_checks:
        status = PASSED
        warned = [c.get('name') for c in checks if c.get('status') == 'warn']
        detail = '%d checks' % len(checks) if checks else 'compatible'
        if warned:
            detail += '; warnings: %s (remedies in s3_storage.json checks[].remedy)' % ', '.join(map(str, warned))
    else:
        status = FAILED
        parts = []
        for name in failed_checks or ['(compatible is false)']:
            check = by_name.get(name, {})
            text = name
            if check.get('detail'):
                text += ': %s' % check['detail']
            if check.get('remedy'):
                text += ' (remedy: %s)' % check['remedy']
            parts.append(text)
        detail = 'failed checks: ' + '; '.join(parts)
    out.append(criterion('s3_functional', obj, _check_text(obj, 's3_functional', thresholds), status, figure,
                         None, 'compatible, no failed check', detail))

    baseline = as_dict(data.get('baseline'))
    latency = dict((k, v) for k, v in as_dict(baseline.get('latency_ms')).items() if isinstance(v, dict))
    value = num(baseline.get('max_op_seconds'))
    slowest = None
    maxima = dict((op, num(stats.get('max_ms'))) for op, stats in latency.items())
    maxima = dict((op, v) for op, v in maxima.items() if v is not None)
    if maxima:
        slowest = max(sorted(maxima), key=lambda op: maxima[op])
        if value is None:
            value = maxima[slowest] / 1000.0
    parts = []
    if slowest is not None:
        size = num(baseline.get('object_size'))
        count = sum(int(num(s.get('count')) or 0) for s in latency.values())
        parts.append('slowest of %d small-object operations%s: %s %s ms' % (
            count, ' (%s)' % human_size(size) if size else '', slowest, fmt_number(maxima[slowest])))
        p99 = ['%s %s' % (op, fmt_number(num(latency[op].get('p99_ms')))) for op in sorted(latency)
               if num(latency[op].get('p99_ms')) is not None]
        if p99:
            parts.append('p99 ms: ' + ', '.join(p99))
    large = as_dict(baseline.get('large_transfer_seconds'))
    large_all = nums(sum((v for v in large.values() if isinstance(v, list)), []))
    if large_all:
        size = num(baseline.get('large_object_size'))
        parts.append('%s transfers (bandwidth, not latency): slowest %s s' % (
            human_size(size) if size else 'large-object', fmt_number(max(large_all))))
    out.append(_timed('s3_operation_latency', obj, thresholds, value, '; '.join(parts),
                      'the performance baseline did not run (s3_storage.json has no baseline.max_op_seconds nor '
                      'baseline.latency_ms): re-run playbooks/s3_storage.yml with the performance check'))
    return out


# ---------------------------------------------------------------------------------------------- 1.2 Polaris

def _slug(text):
    return re.sub(r'[^a-z0-9]+', '_', str(text).lower()).strip('_') or 'check'


def _check_status(status):
    status = str(status or '').lower()
    if status in ('pass', 'passed', 'ok', 'success', 'succeeded', 'warn', 'warning'):
        return PASSED
    if status in ('skip', 'skipped'):
        return SKIPPED
    return FAILED


def _polaris_criteria(data, thresholds):
    obj = '1.2'
    out = []
    deployed_flags = [data.get(k) for k in ('deployed', 'available') if k in data]
    reason = data.get('reason') or data.get('detail') or ''
    if any(flag is False for flag in deployed_flags) or str(data.get('status', '')).lower() in (
            'unavailable', 'failed', 'fail', 'absent'):
        out.append(criterion('polaris_deployed', obj, _check_text(obj, 'polaris_deployed', thresholds), FAILED,
                             'not deployed', None, None, reason or 'polaris.json says Polaris is not available'))
    else:
        figure = data.get('version') or 'deployed'
        detail = ', '.join('%s %s' % (k, data[k]) for k in ('uri', 'realm') if data.get(k)) or 'polaris.json present'
        out.append(criterion('polaris_deployed', obj, _check_text(obj, 'polaris_deployed', thresholds), PASSED,
                             figure, None, None, detail))
    checks = dicts(data.get('checks'))
    if not checks:
        out.append(criterion('catalog_answering', obj, _check_text(obj, 'catalog_answering', thresholds), FAILED,
                             None, None, 'every check passes',
                             'polaris.json has no checks: re-run playbooks/polaris.yml'))
        return out
    statuses = [_check_status(c.get('status')) for c in checks]
    failed = [str(c.get('name', '#%d' % i)) for i, (c, s) in enumerate(zip(checks, statuses)) if s == FAILED]
    figure = '%d/%d passed' % (statuses.count(PASSED), len(checks))
    detail = ('failed: ' + ', '.join(failed)) if failed else '%d check(s)' % len(checks)
    out.append(criterion('catalog_answering', obj, _check_text(obj, 'catalog_answering', thresholds),
                         FAILED if failed else PASSED, figure, None, 'every check passes', detail))
    seen = set(c['id'] for c in out)
    for index, (check, status) in enumerate(zip(checks, statuses)):
        cid = 'polaris_check_' + _slug(check.get('name', index))
        while cid in seen:
            cid += '_%d' % index
        seen.add(cid)
        figure, unit = None, None
        for key, key_unit in (('figure', check.get('unit')), ('seconds', 's'), ('duration_ms', 'ms')):
            if check.get(key) is not None:
                figure, unit = check[key], key_unit
                break
        detail = str(check.get('detail') or '')
        if check.get('remedy') and status == FAILED:
            detail += ' (remedy: %s)' % check['remedy']
        out.append(criterion(cid, obj, 'Polaris check: %s' % check.get('name', index), status, figure, unit,
                             check.get('threshold'), detail or str(check.get('status', ''))))
    return out


# ---------------------------------------------------------------------------------------------- 1.3 Iceberg

def _iceberg_criteria(data, thresholds):
    obj = '1.3'
    out = []
    timings = as_dict(data.get('timings'))
    tables = dicts(data.get('tables'))
    demo = as_dict(data.get('demo'))
    catalog = data.get('catalog_type') or 'unknown'
    catalog_text = {
        'sql': 'PyIceberg SQL catalog on PostgreSQL, standing in for Polaris',
        'rest': 'Iceberg REST catalog (Polaris)',
    }.get(catalog, catalog)

    # Table creation: the scratch table's, a real creation on every run (results that have one); older results
    # only have the declared tables' create-or-converge times, which say so.
    scratch = as_dict(data.get('scratch'))
    if scratch.get('created') is True and num(scratch.get('create_seconds')) is not None:
        value = num(timings.get('create_table_seconds'))  # the role writes the scratch table's time there
        value = num(scratch.get('create_seconds')) if value is None else value
        detail = ('a real creation on this run: scratch table %s created in %s s, then dropped%s' % (
            scratch.get('table', '?'), fmt_number(value), '' if scratch.get('dropped') is not False else
            ' (NOT dropped)'))
    else:
        value = num(timings.get('create_table_seconds'))
        per_table = []
        for table in tables:
            seconds = num(table.get('seconds'))
            if seconds is not None:
                how = 'created' if table.get('created') else 'existing table converged, created by an earlier run'
                per_table.append('%s %s s (%s)' % (table.get('table', '?'), fmt_number(seconds), how))
        if value is not None:
            source = 'slowest create/converge (timings.create_table_seconds)'
        else:
            table_seconds = nums([t.get('seconds') for t in tables])
            value = max(table_seconds) if table_seconds else None
            source = 'slowest create/converge (tables[].seconds; these results have no timings)'
        detail = source + ('; ' + '; '.join(per_table[:5]) if per_table else '')
    out.append(_timed('table_creation_time', obj, thresholds, value, detail,
                      'iceberg_tables.json has no timings.create_table_seconds nor tables[].seconds: '
                      're-run playbooks/iceberg_tables.yml'))

    # Catalog metadata queries
    limit = thresholds['metadata_query_seconds']
    inside = nums(timings.get('metadata_query_seconds'))
    walls = nums(timings.get('metadata_query_wall_seconds'))
    if not inside:  # results written before the timings key: per-step figures, if any
        inside = nums([t.get('metadata_query_seconds') for t in tables]) + nums(demo.get('metadata_query_seconds'))
    tt = num(timings.get('time_travel_seconds'))
    if tt is None:
        tt = num(demo.get('time_travel_seconds'))
    if inside:
        ordered = sorted(inside)
        median = fmt_number(ordered[len(ordered) // 2])
        detail = ('slowest of %d catalog metadata queries (loading a table: catalog lookup + metadata, measured '
                  'inside iceberg_table_info; median %s s)' % (len(inside), median))
        if walls:
            detail += '; task wall time incl. Python start-up: max %s s' % fmt_number(max(walls))
        detail += '; catalog: %s' % catalog_text
        out.append(_timed('metadata_query_latency', obj, thresholds, max(inside), detail, ''))
    elif walls:
        detail = ('slowest of %d catalog metadata reads, task wall time incl. Python start-up (an upper bound); '
                  'catalog: %s' % (len(walls), catalog_text))
        out.append(_timed('metadata_query_latency', obj, thresholds, max(walls), detail, ''))
    elif tt is not None and tt <= limit:
        detail = ('upper bound: wall time of the time-travel read (a catalog metadata read and a scan, incl. Python '
                  'start-up); these results have no metadata query timings; catalog: %s' % catalog_text)
        out.append(_timed('metadata_query_latency', obj, thresholds, tt, detail, ''))
    else:
        why = 'iceberg_tables.json has no timings.metadata_query_seconds'
        if tt is not None:
            why += (' and the only related figure, the time-travel read\'s wall time (%s s, incl. Python start-up '
                    'and a scan), is an upper bound above the threshold' % fmt_number(tt))
        out.append(_timed('metadata_query_latency', obj, thresholds, None, '',
                          why + ': re-run playbooks/iceberg_tables.yml to measure'))

    # Tables created, updated, queried
    check = _check_text(obj, 'tables_created_updated_queried', thresholds)
    if not tables:
        out.append(criterion('tables_created_updated_queried', obj, check, FAILED, 0, 'tables', None,
                             'no table in iceberg_tables.json (iceberg_tables_tables empty?): '
                             're-run playbooks/iceberg_tables.yml'))
    else:
        finals = dict((f.get('table'), f) for f in dicts(data.get('final')))
        artifacts = dict((a.get('table'), a) for a in dicts(data.get('artifacts')))
        problems = []
        rows = 0
        for table in tables:
            name = table.get('table', '?')
            final = finals.get(name)
            if not final:
                problems.append('%s: not read back from the catalog' % name)
            elif final.get('current_snapshot_id') is None:
                problems.append('%s: no snapshot (nothing written)' % name)
            else:
                rows += int(num(as_dict(final.get('files')).get('records')) or 0)
            artifact = artifacts.get(name)
            if not artifact:
                problems.append('%s: S3 files not listed' % name)
            elif not (num(artifact.get('metadata_files')) or 0) or not (num(artifact.get('data_files')) or 0):
                problems.append('%s: no metadata or no data files under %s' % (name, artifact.get('location')))
        updated = 'sample rows appended'
        if demo:
            column = demo.get('added_column')
            final = finals.get(demo.get('table'), {})
            names = [c.get('name') for c in dicts(final.get('schema'))]
            if column and final and column not in names:
                problems.append('%s: evolved column %r missing from the schema' % (demo.get('table'), column))
            before, now = num(demo.get('rows_before')), num(demo.get('rows_now'))
            if before is None or now is None or now <= before:
                problems.append('%s: no rows appended after the evolution (%s -> %s rows)' % (
                    demo.get('table'), demo.get('rows_before'), demo.get('rows_now')))
            else:
                updated = 'column %r added, rows %s -> %s' % (column, fmt_number(before), fmt_number(now))
        if not problems and rows == 0:
            problems.append('no rows read back')
        detail = '; '.join(problems) if problems else '%s; %s; queried %d row(s); metadata and data files on S3' % (
            ', '.join(str(t.get('table')) for t in tables), updated, rows)
        # The same item on the Hive Metastore is hms_tables_created_updated_queried.
        detail += '; catalog: %s' % catalog_text
        out.append(criterion('tables_created_updated_queried', obj, check, FAILED if problems else PASSED,
                             '%d table(s), %d row(s)' % (len(tables), rows), None, None, detail))

    # Time travel
    check = _check_text(obj, 'time_travel', thresholds)
    if not demo:
        out.append(criterion('time_travel', obj, check, SKIPPED, None, None, None,
                             'demonstration disabled (iceberg_tables_demo: false)'))
    else:
        before = num(demo.get('rows_before'))
        ok = demo.get('verified') is True and before is not None and before > 0
        detail = 'tag %s (snapshot %s) read back %s row(s) without column %r; current snapshot %s row(s)' % (
            demo.get('tag'), demo.get('tagged_snapshot_id'), demo.get('rows_before'), demo.get('added_column'),
            demo.get('rows_now'))
        if not ok:
            detail = 'not verified: ' + detail
        evolve = num(timings.get('evolve_seconds'))
        if evolve is not None:
            detail += '; schema evolution %s s' % fmt_number(evolve)
        out.append(criterion('time_travel', obj, check, PASSED if ok else FAILED,
                             round(tt, 4) if tt is not None else None, 's' if tt is not None else None, None, detail))

    # Maintenance
    check = _check_text(obj, 'maintenance', thresholds)
    maintenance = dicts(data.get('maintenance'))
    if not maintenance:
        out.append(criterion('maintenance', obj, check, SKIPPED, None, None, None,
                             'maintenance disabled (iceberg_tables_maintenance: false)'))
    elif 'expired_snapshot_ids' in scratch:  # real work given on this run, and checked
        problems = []
        written = int(num(scratch.get('snapshots_written')) or 0)
        expired = len(scratch.get('expired_snapshot_ids') or [])
        if expired != written - 1 or int(num(scratch.get('snapshots_left')) or 0) != 1:
            problems.append('%d of %d older snapshot(s) expired, %s left (expected 1)' % (
                expired, max(written - 1, 0), scratch.get('snapshots_left')))
        if scratch.get('orphan_removed') is not True:
            problems.append('the orphan file %s was not removed' % scratch.get('orphan_key', '?'))
        done = set(m.get('table') for m in maintenance)
        missing = [t.get('table') for t in tables if t.get('table') not in done]
        if missing:
            problems.append('not maintained: ' + ', '.join(map(str, missing)))
        figure = '%d snapshot(s) expired, %d file(s) deleted, %d orphan(s) removed' % (
            expired, int(num(scratch.get('deleted_files')) or 0), int(num(scratch.get('orphans_deleted')) or 0))
        others = sum(len(m.get('expired_snapshot_ids') or []) + int(num(m.get('orphans_deleted')) or 0)
                     for m in maintenance)
        detail = ('on scratch table %s: %d older snapshot(s) and an orphan file older than the guard age were '
                  'given, both checked as done; %d table(s) maintained (%s)' % (
                      scratch.get('table', '?'), max(written - 1, 0), len(done),
                      'with %d item(s) of work' % others if others else 'nothing to do on them'))
        if problems:
            detail = 'not validated: ' + '; '.join(problems)
        out.append(criterion('maintenance', obj, check, FAILED if problems else PASSED, figure, None, None, detail))
    else:
        done = set(m.get('table') for m in maintenance)
        missing = [t.get('table') for t in tables if t.get('table') not in done]
        expired = sum(len(m.get('expired_snapshot_ids') or []) for m in maintenance)
        deleted = sum(int(num(m.get('deleted_files')) or 0) for m in maintenance)
        orphans = sum(int(num(m.get('orphans_deleted')) or 0) for m in maintenance)
        figure = '%d snapshot(s) expired, %d file(s) deleted, %d orphan(s) removed' % (expired, deleted, orphans)
        idle = not (expired or deleted or orphans)
        if missing:
            detail = 'not maintained: ' + ', '.join(map(str, missing))
        elif idle:
            detail = ('nothing to do: %d table(s) maintained, but nothing was old enough to expire or remove, so '
                      'this run did not validate maintenance (iceberg_tables_scratch: true gives it work)' % len(done))
        else:
            detail = '%d table(s) maintained' % len(done)
        status = FAILED if missing else SKIPPED if idle else PASSED
        out.append(criterion('maintenance', obj, check, status, figure, None, None, detail))
    return out


# ---------------------------------------------------------------------------------------------- 1.4 backups

def backup_label(backup, index):
    manifest = as_dict(backup.get('manifest'))
    return str(manifest.get('database') or backup.get('name') or '#%d' % (index + 1))


def _backup_criteria(data, thresholds):
    obj = '1.4'
    out = []
    backups = dicts(data.get('backups'))
    durations = nums([b.get('duration_seconds') for b in backups])
    parts = ['%s: %s in %s s' % (b.get('name', '?'), human_size(num(b.get('size')) or 0),
                                 fmt_number(num(b.get('duration_seconds'))))
             for b in backups if num(b.get('duration_seconds')) is not None]
    out.append(_timed('backup_time', obj, thresholds, max(durations) if durations else None,
                      'slowest of %d backup(s); %s' % (len(durations), '; '.join(parts[:6])),
                      'metastore_backup.json lists no backup: re-run playbooks/metastore_backup.yml'))

    check = _check_text(obj, 'backup_recovery_validated', thresholds)
    verifications = [v for v in (data.get('verifications') or []) if isinstance(v, dict)]
    done = [v for v in verifications if v]
    if not backups:
        out.append(criterion('backup_recovery_validated', obj, check, FAILED, None, None, 'every backup restored',
                             'no backup to verify: re-run playbooks/metastore_backup.yml'))
    elif not done:
        out.append(criterion('backup_recovery_validated', obj, check, FAILED, '0/%d verified' % len(backups), None,
                             'every backup restored',
                             'recovery not validated: no backup was restored (metastore_backup_verify: false?); '
                             're-run playbooks/metastore_backup.yml with metastore_backup_verify: true'))
    else:
        problems = []
        empty = []
        good = 0
        for index, verification in enumerate(verifications):
            label = backup_label(backups[index], index) if index < len(backups) else '#%d' % (index + 1)
            if not verification:
                problems.append('%s: not verified' % label)
                continue
            bad = [k for k in ('ok', 'restored') if verification.get(k) is not True]
            if verification.get('checksum_ok') is False:
                bad.append('checksum_ok')
            if verification.get('mismatches'):
                bad.append('mismatches %s' % json.dumps(verification['mismatches'], sort_keys=True)[:200])
            if bad:
                problems.append('%s: %s' % (label, ', '.join(bad)))
            elif verification.get('tables_checked') is not None and not int(num(verification['tables_checked']) or 0) \
                    and not int(num(verification.get('rows_checked')) or 0):
                empty.append(label)  # restored, but there was nothing in it to compare
            else:
                good += 1
        if len(verifications) < len(backups):
            problems.append('%d backup(s) without verification' % (len(backups) - len(verifications)))
        restores = nums([v.get('restore_seconds') for v in done])
        figure = '%d/%d verified' % (good, len(backups))
        if empty:
            figure += ', %d nothing to verify' % len(empty)
        nothing = ('%s: nothing to verify (restored, but 0 tables and 0 rows to compare: an empty database '
                   'validates no recovery)' % ', '.join(empty)) if empty else ''
        if not problems and not good:
            problems.append(nothing)
            nothing = ''
        if problems:
            detail = 'not validated: ' + '; '.join(problems)
        else:
            detail = 'each backup restored into a scratch database and compared with its manifest (%d table(s), ' \
                     '%d row(s) checked; restore max %s s)' % (
                         sum(int(num(v.get('tables_checked')) or 0) for v in done),
                         sum(int(num(v.get('rows_checked')) or 0) for v in done),
                         fmt_number(max(restores)) if restores else '?')
            if nothing:
                detail += '; ' + nothing
        out.append(criterion('backup_recovery_validated', obj, check, FAILED if problems else PASSED, figure, None,
                             'every backup restored', detail))

    check = _check_text(obj, 'backup_scheduled', thresholds)
    cronjob = data.get('cronjob')
    if cronjob:
        out.append(criterion('backup_scheduled', obj, check, PASSED, 'rendered', None, None, str(cronjob)))
    else:
        out.append(criterion('backup_scheduled', obj, check, SKIPPED, None, None, None,
                             'CronJob not rendered (metastore_backup_render_cronjob: false)'))
    return out


# ---------------------------------------------------------------------------------------------- evaluation

# ---------------------------------------------------------------------------------- operational readiness

def _readiness_criteria(data, thresholds):
    """The four readiness items from what the phase1 role measured on the live monitoring service; an item not
    measured is skipped with the reason, never passed."""
    objective = 'ops'
    if not data.get('measured'):
        return _all_criteria(objective, thresholds, SKIPPED, 'not measured: %s' % (data.get('reason') or 'no reason given'))

    def item(cid, section, good, total, detail, problems):
        check = _check_text(objective, cid, thresholds)
        if section is None:
            return criterion(cid, objective, check, SKIPPED, detail='not measured: no %s measurement' % cid)
        if total is None or good is None:
            return criterion(cid, objective, check, FAILED, detail='no figures in the measurement: ' + detail)
        good, total = int(good), int(total)
        ok = total > 0 and good == total and not problems
        text = detail if ok else '%s; %s' % (detail, '; '.join(problems) if problems else 'nothing measured')
        return criterion(cid, objective, check, PASSED if ok else FAILED, '%d/%d' % (good, total), None, None, text)

    targets = data.get('targets')
    rules = data.get('rules')
    dashboards = data.get('dashboards')
    logs = data.get('logs')
    out = [
        item('targets_up', targets, (targets or {}).get('up'), (targets or {}).get('total'),
             'targets up of those Prometheus scrapes',
             ['down: %s' % ', '.join(targets['down'])] if targets and targets.get('down') else []),
        item('alert_rules_loaded_tested', rules, (rules or {}).get('healthy'), (rules or {}).get('expected'),
             'rules healthy of those in the source (%s loaded); promtool check rules: %s'
             % ((rules or {}).get('loaded'), (rules or {}).get('promtool') or 'not run'),
             ([] if (rules or {}).get('promtool') == 'ok' else ['promtool: %s' % (rules or {}).get('promtool')])
             + (['loaded %s, the source has %s' % (rules.get('loaded'), rules.get('expected'))]
                if rules and rules.get('loaded') != rules.get('expected') else [])),
        item('dashboards_data', dashboards, (dashboards or {}).get('with_data'), (dashboards or {}).get('queries'),
             'panel queries with series',
             ['no series: %s' % ', '.join(dashboards['empty'])] if dashboards and dashboards.get('empty') else []),
        item('logs_per_component', logs, len((logs or {}).get('present') or []),
             len((logs or {}).get('components') or []) if logs else None,
             'components with lines in the aggregator',
             (['no lines from: %s' % ', '.join(logs['missing'])] if logs and logs.get('missing') else [])
             + (['aggregator: %s' % logs['error']] if logs and logs.get('error') else [])),
    ]
    return out


# ---------------------------------------------------------------------------------------------- Hive Metastore

def _hms_criteria(data, thresholds):
    """The Hive Metastore's two items from the phase1 role's hive_metastore_check run (hive_metastore.json): without
    a metastore both are skipped with HMS_NOT_CONFIGURED, never passed."""
    obj = 'hms'
    if not data.get('measured'):
        reason = data.get('reason') or (HMS_NOT_CONFIGURED if data.get('configured') is False else 'no reason given')
        return _all_criteria(obj, thresholds, SKIPPED, 'not measured: %s' % reason)
    check = as_dict(data.get('check'))
    uri = check.get('uri') or data.get('uri') or '?'
    out = []
    lookups = dicts(check.get('lookups'))
    p95 = dict((str(x.get('lookup')), num(x.get('p95_ms'))) for x in lookups if num(x.get('p95_ms')) is not None)
    if p95:
        parts = ['%s %s/%s' % (x.get('lookup'), fmt_number(num(x.get('p50_ms'))), fmt_number(num(x.get('p95_ms'))))
                 for x in lookups if num(x.get('p95_ms')) is not None]
        detail = 'p50/p95 ms over %s calls each: %s; slowest p95 %s; metastore %s' % (
            check.get('calls', '?'), ', '.join(parts), max(sorted(p95), key=lambda k: p95[k]), uri)
        value = max(p95.values()) / 1000.0
    else:
        detail, value = '', None
    names = ' '.join(p95).lower()
    missing = [kind for kind in ('get_database', 'get_table') if kind not in names]
    if p95 and missing:
        out.append(criterion('hms_metadata_queries', obj, _check_text(obj, 'hms_metadata_queries', thresholds), FAILED,
                             round(value, 4), 's', thresholds['metadata_query_seconds'],
                             'not measured: no %s lookup; %s' % (', '.join(missing), detail)))
    else:
        out.append(_timed('hms_metadata_queries', obj, thresholds, value, detail,
                          'hive_metastore.json has no lookups (%s): re-run phase1.yml with the Hive Metastore'
                          % (data.get('error') or 'the check did not time any')))

    check_text = _check_text(obj, 'hms_tables_created_updated_queried', thresholds)
    trip = as_dict(check.get('round_trip'))
    if data.get('error') and not trip:
        out.append(criterion('hms_tables_created_updated_queried', obj, check_text, FAILED, None, None, None,
                             'the check failed: %s' % data['error']))
        return out
    problems = []
    if not trip or trip.get('skipped'):
        problems.append('no table round trip (%s)' % (trip.get('skipped') or 'hive_metastore.json has none'))
    else:
        if trip.get('created') is not True:
            problems.append('not created')
        if trip.get('updated') is not True:
            problems.append('not updated')
        written, read = num(trip.get('rows_written')), num(trip.get('rows_read'))
        if not written or read != written:
            problems.append('%s row(s) read back of %s written' % (trip.get('rows_read'), trip.get('rows_written')))
        column = trip.get('added_column')
        if not column or column not in (trip.get('schema') or []):
            problems.append('the added column %r is not in the schema read back' % column)
        if trip.get('metadata_location_matches') is not True:
            problems.append('the metastore\'s metadata_location %s is not the table\'s %s' % (
                trip.get('hms_metadata_location'), trip.get('metadata_location')))
        if trip.get('dropped') is False:
            problems.append('the scratch table %s.%s was not dropped: %s' % (
                trip.get('namespace'), trip.get('table'), trip.get('drop_error')))
    seconds = as_dict(trip.get('seconds'))
    figure = None
    if trip and not trip.get('skipped'):
        figure = '%s row(s) written, %s read' % (trip.get('rows_written'), trip.get('rows_read'))
    if problems:
        detail = 'not validated: ' + '; '.join(problems)
    else:
        detail = ('scratch table %s.%s through the Hive Metastore: created with %d row(s), column %r added and rows '
                  'appended, %s row(s) queried back (%s with the new column); the metastore\'s metadata_location is '
                  'the table\'s; %s; dropped with its files' % (
                      trip.get('namespace'), trip.get('table'),
                      int(num(trip.get('rows_written')) or 0) - int(num(trip.get('notes_read')) or 0),
                      trip.get('added_column'), trip.get('rows_read'), trip.get('notes_read'),
                      ', '.join('%s %s s' % (k, fmt_number(num(seconds[k]))) for k in ('create', 'update', 'query', 'drop')
                                if num(seconds.get(k)) is not None)))
    out.append(criterion('hms_tables_created_updated_queried', obj, check_text, FAILED if problems else PASSED,
                         figure, None, None, detail))
    return out


EVALUATORS = {
    's3_storage': _s3_criteria,
    'polaris': _polaris_criteria,
    'iceberg_tables': _iceberg_criteria,
    'metastore_backup': _backup_criteria,
    'hive_metastore': _hms_criteria,
    'operational_readiness': _readiness_criteria,
}


def evaluate(results, thresholds=None):
    """Criteria of every objective, in objective order. Returns (criteria, inputs status, warnings)."""
    thresholds = validate_thresholds(thresholds)
    inputs, warnings = load_inputs(results)
    criteria = []
    status = {}
    for objective, name, dummy, playbook in OBJECTIVES:
        data, problem = inputs[name]
        status[name] = 'present' if data is not None else ('unreadable: ' + problem if problem else 'absent')
        if data is None and objective == 'hms' and not problem:
            criteria.extend(_all_criteria(objective, thresholds, SKIPPED, 'not measured: ' + HMS_NOT_CONFIGURED))
        elif data is None and objective in OPTIONAL_OBJECTIVES and not problem:
            criteria.extend(_all_criteria(objective, thresholds, SKIPPED,
                                          'not measured: no %s.json; run %s' % (name, playbook)))
        elif data is None:
            detail = ('unreadable results: %s: re-run %s' % (problem, playbook)) if problem \
                else 'no results: run %s' % playbook
            criteria.extend(_all_criteria(objective, thresholds, FAILED, detail))
        else:
            criteria.extend(EVALUATORS[name](data, thresholds))
    return criteria, status, warnings


def summarize(criteria):
    """Counts of the statuses."""
    counts = {'total': len(criteria), PASSED: 0, FAILED: 0, SKIPPED: 0}
    for item in criteria:
        counts[item['status']] += 1
    return counts


def objective_status(items):
    statuses = [c['status'] for c in items]
    if FAILED in statuses:
        return FAILED
    if statuses and all(s == SKIPPED for s in statuses):
        return SKIPPED
    return PASSED


def build_report(results, thresholds=None, timestamp=None):
    """The whole report as a dict (the content of results.json, without the list of files)."""
    thresholds = validate_thresholds(thresholds)
    timestamp = validate_timestamp(timestamp)
    criteria, inputs, warnings = evaluate(results, thresholds)
    objectives = []
    for objective, name, title, playbook in OBJECTIVES:
        items = [c for c in criteria if c['objective'] == objective]
        counts = summarize(items)
        objectives.append({
            'objective': objective,
            'title': title,
            'results': '%s.json' % name,
            'input': inputs[name],
            'playbook': playbook,
            'status': objective_status(items),
            'passed': counts[PASSED],
            'failed': counts[FAILED],
            'skipped': counts[SKIPPED],
        })
    failed = [c['id'] for c in criteria if c['status'] == FAILED]
    return {
        'format': REPORT_FORMAT,
        'timestamp': timestamp,
        'generated_at': generated_at(timestamp),
        'passed': not failed,
        'summary': summarize(criteria),
        'failed': failed,
        'thresholds': thresholds,
        'objectives': objectives,
        'criteria': criteria,
        'warnings': warnings,
    }
