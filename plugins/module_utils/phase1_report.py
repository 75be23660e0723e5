# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Phase 1 report: success criteria evaluated from the objectives' results files, rendered as files.

Used by the phase1_report module. Pure logic apart from ``write_report`` (files) and ``render_plots``
(matplotlib, imported only when plots are drawn):

* ``evaluate(results, thresholds, require_polaris)`` -> list of criteria, each
  ``{id, objective, check, status (passed|failed|skipped), figure, unit, threshold, detail}``;
* ``build_report(...)`` -> the report as a dict (what ``results.json`` holds);
* ``render_summary_md``, ``render_junit``, ``render_results_json``, ``render_plots`` -> file contents;
* ``Redactor`` -> replaces secret values by ``********`` in data and in rendered text, counting;
* ``write_report(...)`` -> ``<report_root>/<timestamp>/`` written through a temporary directory and a rename,
  plus the ``<report_root>/last`` symlink.

The inputs are the JSON files the objective roles write into ``lakehouse_results_dir``:
``s3_storage.json`` (1.1), ``polaris.json`` (1.2, optional), ``iceberg_tables.json`` (1.3) and
``metastore_backup.json`` (1.4).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import io
import json
import math
import os
import re
import shutil
import tempfile
import time
import traceback
import uuid
import xml.etree.ElementTree as ET

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.files import fsync_dir

REPORT_FORMAT = 'dataplatform.lakehouse.phase1_report/v1'
PASSED = 'passed'
FAILED = 'failed'
SKIPPED = 'skipped'
REDACTED = '********'
TIMESTAMP_FORMAT = '%Y%m%dT%H%M%SZ'
TIMESTAMP_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$')
LATEST_LINK = 'last'
POLARIS_SKIP_REASON = 'Polaris not deployed on this stack (see docs/polaris-maven-central.md)'
# A temporary report directory older than this is a leftover of a killed run and is removed.
STALE_TEMP_SECONDS = 3600

DEFAULT_THRESHOLDS = {
    's3_operation_seconds': 5.0,
    'metadata_query_seconds': 2.0,
    'table_creation_seconds': 30.0,
    'backup_seconds': 600.0,
}

# objective -> (results name, title, playbook that produces the results)
OBJECTIVES = (
    ('1.1', 's3_storage', 'S3 storage validated for Apache Iceberg', 'playbooks/s3_storage.yml'),
    ('1.2', 'polaris', 'Apache Polaris catalog', None),
    ('1.3', 'iceberg_tables', 'Iceberg tables created, evolved and maintained', 'playbooks/iceberg_tables.yml'),
    ('1.4', 'metastore_backup', 'Metastore backup and recovery', 'playbooks/metastore_backup.yml'),
)
RESULT_NAMES = tuple(o[1] for o in OBJECTIVES)

# The fixed criteria of each objective: (id, check text; {name} are thresholds).
CRITERIA = {
    '1.1': (
        ('s3_functional', 'S3 storage functional for Iceberg (compatibility checks, Parquet and Iceberg round trips)'),
        ('s3_operation_latency', 'S3 operations complete within {s3_operation_seconds}'),
    ),
    '1.2': (
        ('polaris_deployed', 'Apache Polaris catalog deployed'),
        ('catalog_answering', 'Polaris catalog answering (its checks pass)'),
    ),
    '1.3': (
        ('table_creation_time', 'Table creation completes within {table_creation_seconds}'),
        ('metadata_query_latency', 'Catalog metadata queries complete within {metadata_query_seconds}'),
        ('tables_created_updated_queried', 'Tables created, updated and queried (files on S3)'),
        ('time_travel', 'Schema evolution and time travel verified'),
        ('maintenance', 'Table maintenance ran (snapshot expiry, orphan files)'),
    ),
    '1.4': (
        ('backup_time', 'Metastore backup completes within {backup_seconds}'),
        ('backup_recovery_validated', 'Backups restored and verified (recovery validated)'),
        ('backup_scheduled', 'Scheduled backup (CronJob) rendered'),
    ),
}


class ReportError(LakehouseError):
    """The report cannot be made or written (one actionable line)."""


# ---------------------------------------------------------------------------------------------- helpers

def num(value):
    """A finite, non-negative float from a number or a numeric string; None otherwise (bools are not numbers)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(out) or math.isinf(out) or out < 0:
        return None
    return out


def nums(values):
    """The numbers of a list (see num), others dropped."""
    if not isinstance(values, (list, tuple)):
        return []
    return [v for v in (num(x) for x in values) if v is not None]


def _dicts(value):
    """The non-empty dicts of a list."""
    if not isinstance(value, list):
        return []
    return [x for x in value if isinstance(x, dict) and x]


def _dict(value):
    return value if isinstance(value, dict) else {}


def fmt_number(value):
    """Short human form of a number: 3 decimals at most, no trailing zeros."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if float(value).is_integer():
        return str(int(value))
    text = '%.3f' % value
    text = text.rstrip('0').rstrip('.')
    return text if text not in ('0', '-0') else ('%.2g' % value)


def fmt_seconds(seconds):
    """5 -> '5 s', 600 -> '600 s (10 min)'."""
    text = '%s s' % fmt_number(seconds)
    if seconds >= 120 and float(seconds / 60.0).is_integer():
        text += ' (%d min)' % int(seconds / 60)
    return text


def human_size(nbytes):
    """4096 -> '4 KiB', 33554432 -> '32 MiB'."""
    value = float(nbytes)
    for unit in ('B', 'KiB', 'MiB', 'GiB', 'TiB'):
        if value < 1024 or unit == 'TiB':
            return '%s %s' % (fmt_number(round(value, 1)), unit)
        value /= 1024.0
    return '%d B' % nbytes  # pragma: no cover


def validate_thresholds(thresholds):
    """The thresholds with defaults filled in; ReportError when one is not a number > 0."""
    out = dict(DEFAULT_THRESHOLDS)
    for name, value in (thresholds or {}).items():
        if name not in DEFAULT_THRESHOLDS:
            raise ReportError('unknown threshold %r: use %s' % (name, ', '.join(sorted(DEFAULT_THRESHOLDS))))
        if value is None:
            continue
        number = num(value)
        if number is None or number <= 0:
            raise ReportError('threshold %s must be a number of seconds > 0, got %r' % (name, value))
        out[name] = number
    return out


def validate_timestamp(timestamp):
    """The report directory name: default UTC now as YYYYmmddTHHMMSSZ; a safe single path component."""
    if not timestamp:
        return datetime.datetime.now(datetime.timezone.utc).strftime(TIMESTAMP_FORMAT)
    timestamp = str(timestamp)
    if not TIMESTAMP_RE.match(timestamp) or timestamp in ('.', '..', LATEST_LINK) or '.tmp-' in timestamp \
            or '.old-' in timestamp:
        raise ReportError('timestamp %r is not a usable directory name: use letters, digits, ".", "_" and "-" '
                          '(default: UTC now as YYYYmmddTHHMMSSZ)' % timestamp)
    return timestamp


def generated_at(timestamp):
    """ISO-8601 UTC time of the report: from the timestamp when it is YYYYmmddTHHMMSSZ (so a report with a given
    timestamp is reproducible), now otherwise."""
    try:
        moment = datetime.datetime.strptime(timestamp, TIMESTAMP_FORMAT)
    except (TypeError, ValueError):
        moment = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)
    return moment.strftime('%Y-%m-%dT%H:%M:%SZ')


def load_inputs(results):
    """results name -> (data or None, problem or None, warnings). Values may be parsed JSON (dict) or JSON text."""
    inputs = {}
    warnings = []
    results = results or {}
    for key in sorted(results):
        if key not in RESULT_NAMES:
            warnings.append('ignored results %r: not an objective of Phase 1 (%s)' % (key, ', '.join(RESULT_NAMES)))
    for objective, name, dummy, dummy2 in OBJECTIVES:
        value = results.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            inputs[name] = (None, None)
            continue
        if isinstance(value, (bytes, bytearray)):
            value = value.decode('utf-8', 'replace')
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError as exc:
                inputs[name] = (None, '%s.json is not valid JSON (%s)' % (name, str(exc).splitlines()[0]))
                continue
        if not isinstance(value, dict):
            inputs[name] = (None, '%s.json holds a %s, not an object' % (name, type(value).__name__))
            continue
        declared = value.get('objective')
        if declared is not None and str(declared) != objective:
            inputs[name] = (None, '%s.json is the results of objective %s, not %s' % (name, declared, objective))
            continue
        inputs[name] = (value, None)
    return inputs, warnings


def criterion(cid, objective, check, status, figure=None, unit=None, threshold=None, detail=''):
    """One criterion (the shape every output uses)."""
    return {
        'id': cid,
        'objective': objective,
        'check': check,
        'status': status,
        'figure': figure,
        'unit': unit,
        'threshold': threshold,
        'detail': detail or '',
    }


def _check_text(objective, cid, thresholds):
    for known, text in CRITERIA[objective]:
        if known == cid:
            return text.format(**dict((k, fmt_seconds(v)) for k, v in thresholds.items()))
    raise KeyError(cid)  # pragma: no cover


def _threshold_name(cid):
    return {
        's3_operation_latency': 's3_operation_seconds',
        'metadata_query_latency': 'metadata_query_seconds',
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
    checks = _dicts(data.get('checks'))
    summary = _dict(data.get('summary'))
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

    baseline = _dict(data.get('baseline'))
    latency = dict((k, v) for k, v in _dict(baseline.get('latency_ms')).items() if isinstance(v, dict))
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
    large = _dict(baseline.get('large_transfer_seconds'))
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
    checks = _dicts(data.get('checks'))
    if not checks:
        out.append(criterion('catalog_answering', obj, _check_text(obj, 'catalog_answering', thresholds), FAILED,
                             None, None, 'every check passes',
                             'polaris.json has no checks: re-run the Polaris objective'))
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


def _polaris_absent(thresholds, require_polaris, problem=None):
    if problem:
        return _all_criteria('1.2', thresholds, FAILED, 'unreadable results: %s' % problem)
    if require_polaris:
        return _all_criteria('1.2', thresholds, FAILED,
                             'no results (polaris.json): %s; required by require_polaris' % POLARIS_SKIP_REASON)
    return _all_criteria('1.2', thresholds, SKIPPED, POLARIS_SKIP_REASON)


# ---------------------------------------------------------------------------------------------- 1.3 Iceberg

def _iceberg_criteria(data, thresholds):
    obj = '1.3'
    out = []
    timings = _dict(data.get('timings'))
    tables = _dicts(data.get('tables'))
    demo = _dict(data.get('demo'))
    catalog = data.get('catalog_type') or 'unknown'
    catalog_text = {
        'sql': 'PyIceberg SQL catalog on PostgreSQL, standing in for Polaris',
        'rest': 'Iceberg REST catalog (Polaris)',
    }.get(catalog, catalog)

    # Table creation
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
        finals = dict((f.get('table'), f) for f in _dicts(data.get('final')))
        artifacts = dict((a.get('table'), a) for a in _dicts(data.get('artifacts')))
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
                rows += int(num(_dict(final.get('files')).get('records')) or 0)
            artifact = artifacts.get(name)
            if not artifact:
                problems.append('%s: S3 files not listed' % name)
            elif not (num(artifact.get('metadata_files')) or 0) or not (num(artifact.get('data_files')) or 0):
                problems.append('%s: no metadata or no data files under %s' % (name, artifact.get('location')))
        updated = 'sample rows appended'
        if demo:
            column = demo.get('added_column')
            final = finals.get(demo.get('table'), {})
            names = [c.get('name') for c in _dicts(final.get('schema'))]
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
    maintenance = _dicts(data.get('maintenance'))
    if not maintenance:
        out.append(criterion('maintenance', obj, check, SKIPPED, None, None, None,
                             'maintenance disabled (iceberg_tables_maintenance: false)'))
    else:
        done = set(m.get('table') for m in maintenance)
        missing = [t.get('table') for t in tables if t.get('table') not in done]
        expired = sum(len(m.get('expired_snapshot_ids') or []) for m in maintenance)
        deleted = sum(int(num(m.get('deleted_files')) or 0) for m in maintenance)
        orphans = sum(int(num(m.get('orphans_deleted')) or 0) for m in maintenance)
        figure = '%d snapshot(s) expired, %d file(s) deleted, %d orphan(s) removed' % (expired, deleted, orphans)
        detail = ('not maintained: ' + ', '.join(map(str, missing))) if missing else '%d table(s) maintained' % len(done)
        out.append(criterion('maintenance', obj, check, FAILED if missing else PASSED, figure, None, None, detail))
    return out


# ---------------------------------------------------------------------------------------------- 1.4 backups

def _backup_label(backup, index):
    manifest = _dict(backup.get('manifest'))
    return str(manifest.get('database') or backup.get('name') or '#%d' % (index + 1))


def _backup_criteria(data, thresholds):
    obj = '1.4'
    out = []
    backups = _dicts(data.get('backups'))
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
        good = 0
        for index, verification in enumerate(verifications):
            label = _backup_label(backups[index], index) if index < len(backups) else '#%d' % (index + 1)
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
            else:
                good += 1
        if len(verifications) < len(backups):
            problems.append('%d backup(s) without verification' % (len(backups) - len(verifications)))
        restores = nums([v.get('restore_seconds') for v in done])
        figure = '%d/%d verified' % (good, len(backups))
        if problems:
            detail = 'not validated: ' + '; '.join(problems)
        else:
            detail = 'each backup restored into a scratch database and compared with its manifest (%d table(s), ' \
                     '%d row(s) checked; restore max %s s)' % (
                         sum(int(num(v.get('tables_checked')) or 0) for v in done),
                         sum(int(num(v.get('rows_checked')) or 0) for v in done),
                         fmt_number(max(restores)) if restores else '?')
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

EVALUATORS = {
    's3_storage': _s3_criteria,
    'iceberg_tables': _iceberg_criteria,
    'metastore_backup': _backup_criteria,
}


def evaluate(results, thresholds=None, require_polaris=False):
    """Criteria of every objective, in objective order. Returns (criteria, inputs status, warnings)."""
    thresholds = validate_thresholds(thresholds)
    inputs, warnings = load_inputs(results)
    criteria = []
    status = {}
    for objective, name, dummy, playbook in OBJECTIVES:
        data, problem = inputs[name]
        status[name] = 'present' if data is not None else ('unreadable: ' + problem if problem else 'absent')
        if name == 'polaris':
            criteria.extend(_polaris_criteria(data, thresholds) if data is not None
                            else _polaris_absent(thresholds, require_polaris, problem))
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


def build_report(results, thresholds=None, require_polaris=False, timestamp=None):
    """The whole report as a dict (the content of results.json, without the list of files)."""
    thresholds = validate_thresholds(thresholds)
    timestamp = validate_timestamp(timestamp)
    criteria, inputs, warnings = evaluate(results, thresholds, require_polaris)
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
        'require_polaris': bool(require_polaris),
        'objectives': objectives,
        'criteria': criteria,
        'warnings': warnings,
    }


# ---------------------------------------------------------------------------------------------- secrets

class Redactor(object):
    """Replaces secret values by ******** in data (strings, keys) and in rendered text; counts replacements."""

    def __init__(self, secrets):
        values = set()
        for secret in secrets or []:
            if secret is None:
                continue
            secret = str(secret)
            if not secret.strip():
                continue
            values.add(secret)
        # Longest first, so that a secret containing another is replaced whole.
        self.secrets = sorted(values, key=lambda s: (-len(s), s))
        self.count = 0

    def _variants(self, secret):
        """The forms a secret takes once rendered: raw, JSON-escaped, XML-escaped, markdown-escaped."""
        forms = [secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1],
                 secret.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;').replace('"', '&quot;'),
                 secret.replace('|', '\\|')]
        out = []
        for form in forms:
            if form and form not in out:
                out.append(form)
        return out

    def text(self, text):
        """text with every secret (in any rendered form) replaced."""
        if not self.secrets or not isinstance(text, str):
            return text
        for secret in self.secrets:
            for form in self._variants(secret):
                hits = text.count(form)
                if hits:
                    self.count += hits
                    text = text.replace(form, REDACTED)
        return text

    def data(self, value):
        """A copy of value (dicts, lists, strings) with every secret replaced."""
        if not self.secrets:
            return value
        if isinstance(value, dict):
            return dict((self.data(k), self.data(v)) for k, v in value.items())
        if isinstance(value, (list, tuple)):
            return [self.data(v) for v in value]
        if isinstance(value, str):
            for secret in self.secrets:
                hits = value.count(secret)
                if hits:
                    self.count += hits
                    value = value.replace(secret, REDACTED)
            return value
        return value


# ---------------------------------------------------------------------------------------------- renderers

STATUS_TEXT = {PASSED: 'PASSED', FAILED: '**FAILED**', SKIPPED: 'SKIPPED'}


def fmt_figure(item):
    figure = item.get('figure')
    if figure is None:
        return 'n/a'
    text = fmt_number(figure)
    if item.get('unit'):
        text += ' %s' % item['unit']
    return text


def fmt_threshold(item):
    threshold = item.get('threshold')
    if threshold is None:
        return '-'
    if isinstance(threshold, (int, float)) and not isinstance(threshold, bool):
        if item.get('unit') == 's':
            return '<= ' + fmt_seconds(threshold)
        return '<= %s%s' % (fmt_number(threshold), ' %s' % item['unit'] if item.get('unit') else '')
    return str(threshold)


def _md_cell(text):
    return str(text).replace('\\', '\\\\').replace('|', '\\|').replace('\r', ' ').replace('\n', ' ')


def render_summary_md(report, plots=()):
    """summary.md: the result, the thresholds, one table per objective, the plots."""
    counts = report['summary']
    lines = [
        '# Phase 1 report %s' % report['timestamp'],
        '',
        '**Result: %s**: %d passed, %d failed, %d skipped (%d criteria). Generated %s.' % (
            'PASSED' if report['passed'] else 'FAILED', counts[PASSED], counts[FAILED], counts[SKIPPED],
            counts['total'], report['generated_at']),
        '',
    ]
    if report['failed']:
        lines += ['Failed: %s.' % ', '.join('`%s`' % c for c in report['failed']), '']
    lines += ['| Threshold | Seconds |', '|---|---|']
    for name in sorted(report['thresholds']):
        lines.append('| `%s` | %s |' % (name, fmt_seconds(report['thresholds'][name])))
    lines.append('')
    for objective in report['objectives']:
        items = [c for c in report['criteria'] if c['objective'] == objective['objective']]
        lines += [
            '## %s %s: %s' % (objective['objective'], objective['title'], objective['status'].upper()),
            '',
            'Results: `%s` (%s).' % (objective['results'], objective['input']),
            '',
            '| Check | Result | Figure | Threshold | Detail |',
            '|---|---|---|---|---|',
        ]
        for item in items:
            lines.append('| %s (`%s`) | %s | %s | %s | %s |' % (
                _md_cell(item['check']), item['id'], STATUS_TEXT[item['status']], _md_cell(fmt_figure(item)),
                _md_cell(fmt_threshold(item)), _md_cell(item['detail'] or '')))
        lines.append('')
    if plots:
        lines += ['## Baselines', '']
        for name in plots:
            lines += ['![%s](%s)' % (PLOT_TITLES.get(name, name), name), '']
    if report.get('warnings'):
        lines += ['## Warnings', ''] + ['- %s' % w for w in report['warnings']] + ['']
    lines += ['Files: `summary.md`, `results.json`, `junit.xml`%s.' % ''.join(', `%s`' % p for p in plots), '']
    return '\n'.join(lines)


def render_results_json(report):
    return json.dumps(report, indent=2, sort_keys=True) + '\n'


_XML_INVALID = re.compile(u'[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]')


def _xml_text(value):
    return _XML_INVALID.sub('?', '' if value is None else str(value))


def _indent(elem, level=0):
    """Pretty-print in place (ElementTree.indent needs Python 3.9)."""
    pad = '\n' + '  ' * level
    if len(elem):
        if not (elem.text or '').strip():
            elem.text = pad + '  '
        for child in elem:
            _indent(child, level + 1)
        if not (child.tail or '').strip():  # pylint: disable=undefined-loop-variable
            child.tail = pad  # pylint: disable=undefined-loop-variable
    if level and not (elem.tail or '').strip():
        elem.tail = pad


def render_junit(report):
    """junit.xml: one testsuite per objective, one testcase per criterion; failures and skips with messages."""
    counts = report['summary']
    root = ET.Element('testsuites', {
        'name': 'Phase 1 success criteria',
        'tests': str(counts['total']),
        'failures': str(counts[FAILED]),
        'skipped': str(counts[SKIPPED]),
        'errors': '0',
        'time': '0',
    })
    for objective in report['objectives']:
        items = [c for c in report['criteria'] if c['objective'] == objective['objective']]
        suite = ET.SubElement(root, 'testsuite', {
            'name': _xml_text('%s %s' % (objective['objective'], objective['title'])),
            'tests': str(len(items)),
            'failures': str(objective['failed']),
            'skipped': str(objective['skipped']),
            'errors': '0',
            'time': '0',
            'timestamp': report['generated_at'].rstrip('Z'),
        })
        properties = ET.SubElement(suite, 'properties')
        ET.SubElement(properties, 'property', {'name': 'results', 'value': _xml_text(objective['results'])})
        ET.SubElement(properties, 'property', {'name': 'input', 'value': _xml_text(objective['input'])})
        for item in items:
            ET.SubElement(properties, 'property', {'name': '%s.figure' % item['id'],
                                                   'value': _xml_text(fmt_figure(item))})
            if item.get('threshold') is not None:
                ET.SubElement(properties, 'property', {'name': '%s.threshold' % item['id'],
                                                       'value': _xml_text(fmt_threshold(item))})
        for item in items:
            case = ET.SubElement(suite, 'testcase', {
                'classname': 'phase1.objective_%s' % objective['objective'].replace('.', '_'),
                'name': _xml_text('%s: %s' % (item['id'], item['check'])),
                'time': '0',
            })
            message = '%s (figure %s, threshold %s)' % (
                item['detail'] or item['status'], fmt_figure(item), fmt_threshold(item))
            if item['status'] == FAILED:
                failure = ET.SubElement(case, 'failure', {'message': _xml_text(message), 'type': 'criterion'})
                failure.text = _xml_text(message)
            elif item['status'] == SKIPPED:
                ET.SubElement(case, 'skipped', {'message': _xml_text(item['detail'] or 'skipped')})
            out = ET.SubElement(case, 'system-out')
            out.text = _xml_text('figure: %s; threshold: %s; %s' % (fmt_figure(item), fmt_threshold(item),
                                                                    item['detail']))
    _indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding='unicode') + '\n'


# ---------------------------------------------------------------------------------------------- plots

PLOT_TITLES = {
    's3_latency.png': 'S3 latency distribution by operation',
    's3_throughput_by_size.png': 'S3 throughput by object size',
    'step_timings.png': 'Timings per step',
}
PLOT_COLORS = ('#4c72b0', '#55a868', '#c44e52', '#8172b2', '#ccb974', '#64b5cd')


def import_matplotlib():
    """(Figure class, FigureCanvasAgg class, None) or (None, None, traceback text)."""
    try:
        import matplotlib  # pylint: disable=import-outside-toplevel
        matplotlib.use('Agg')
        from matplotlib.figure import Figure  # pylint: disable=import-outside-toplevel
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None, None, traceback.format_exc()
    return Figure, FigureCanvasAgg, None


def _png(fig, canvas_class):
    canvas_class(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format='png', dpi=100, metadata={'Software': None})
    return buf.getvalue()


def _label_bars(ax, bars, values, fmt='%s'):
    for rect, value in zip(bars, values):
        if value is None:
            continue
        ax.annotate(fmt % fmt_number(value), (rect.get_x() + rect.get_width() / 2.0, rect.get_height()),
                    ha='center', va='bottom', fontsize=7, xytext=(0, 2), textcoords='offset points')


def plot_s3_latency(figure_class, canvas_class, s3, thresholds, clean):
    baseline = _dict(s3.get('baseline'))
    latency = dict((k, v) for k, v in _dict(baseline.get('latency_ms')).items() if isinstance(v, dict))
    order = [op for op in ('put', 'get', 'head', 'list', 'delete') if op in latency]
    order += sorted(op for op in latency if op not in order)
    stats = ('min_ms', 'p50_ms', 'p95_ms', 'p99_ms', 'max_ms')
    order = [op for op in order if any(num(latency[op].get(s)) is not None for s in stats)]
    if not order:
        return None
    fig = figure_class(figsize=(9, 5))
    ax = fig.add_subplot(1, 1, 1)
    width = 0.8 / len(stats)
    for index, stat in enumerate(stats):
        values = [num(latency[op].get(stat)) for op in order]
        xs = [i + (index - (len(stats) - 1) / 2.0) * width for i in range(len(order))]
        bars = ax.bar(xs, [v or 0 for v in values], width, label=stat.replace('_ms', ''),
                      color=PLOT_COLORS[index % len(PLOT_COLORS)])
        if stat in ('p50_ms', 'max_ms'):
            _label_bars(ax, bars, values)
    means = [num(latency[op].get('mean_ms')) for op in order]
    if any(m is not None for m in means):
        ax.plot([i for i, m in enumerate(means) if m is not None], [m for m in means if m is not None], 'k_',
                markersize=18, label='mean')
    counts = [str(int(num(latency[op].get('count')) or 0)) for op in order]
    ax.set_xticks(range(len(order)))
    ax.set_xticklabels(['%s\n(n=%s)' % (clean(op), c) for op, c in zip(order, counts)])
    size = num(baseline.get('object_size'))
    ax.set_xlabel('S3 operation%s' % (' on %s objects' % human_size(size) if size else ''))
    ax.set_ylabel('latency (ms)')
    ax.set_title('S3 latency distribution by operation (min, p50, p95, p99, max)\nthreshold per operation: %s' %
                 fmt_seconds(thresholds['s3_operation_seconds']))
    ax.grid(axis='y', alpha=0.3)
    ax.legend(fontsize=8, ncol=6, loc='upper left')
    ax.set_ylim(0, max(num(latency[op].get('max_ms')) or 0 for op in order) * 1.25 or 1)
    fig.tight_layout()
    return _png(fig, canvas_class)


def plot_s3_throughput(figure_class, canvas_class, s3, clean):
    baseline = _dict(s3.get('baseline'))
    groups = []  # (label, {op: MB/s})
    size = num(baseline.get('object_size'))
    ops = _dict(baseline.get('ops_per_second'))
    small = {}
    for op in ('put', 'get'):
        rate = num(ops.get(op))
        if size and rate is not None:
            small[op] = rate * size / 1e6
    if small:
        groups.append(('%s objects\n(sequential, ops/s x size)' % human_size(size), small))
    large_size = num(baseline.get('large_object_size'))
    tput = _dict(baseline.get('throughput_mb_s'))
    large = dict((op, num(tput.get(op))) for op in ('put', 'get') if num(tput.get(op)) is not None)
    if large:
        concurrency = baseline.get('concurrency')
        groups.append(('%s objects\n(multipart%s)' % (
            human_size(large_size) if large_size else 'large',
            ', concurrency %s' % clean(str(concurrency)) if concurrency else ''), large))
    if not groups:
        return None
    fig = figure_class(figsize=(8, 5))
    ax = fig.add_subplot(1, 1, 1)
    width = 0.35
    for index, op in enumerate(('put', 'get')):
        xs = [i + (index - 0.5) * width for i in range(len(groups))]
        values = [g[1].get(op) for g in groups]
        bars = ax.bar(xs, [v or 0 for v in values], width, label=op.upper(), color=PLOT_COLORS[index])
        _label_bars(ax, bars, [round(v, 2) if v is not None else None for v in values], '%s MB/s')
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels([g[0] for g in groups])
    ax.set_xlabel('object size')
    ax.set_ylabel('throughput (MB/s, 1 MB = 10^6 bytes, log scale)')
    ax.set_yscale('log')
    ax.set_title('S3 throughput by object size (PUT, GET)')
    ax.grid(axis='y', alpha=0.3, which='both')
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _png(fig, canvas_class)


def step_rows(inputs):
    """(label, seconds, group) rows of the step timings plot."""
    rows = []
    s3 = _dict(inputs.get('s3_storage'))
    phases = _dict(_dict(s3.get('baseline')).get('phase_seconds'))
    for name in sorted(phases):
        value = num(phases[name])
        if value is not None:
            rows.append(('S3 baseline: %s' % name.replace('_', ' '), value, '1.1 S3 storage'))
    ice = _dict(inputs.get('iceberg_tables'))
    timings = _dict(ice.get('timings'))
    demo = _dict(ice.get('demo'))
    tables = _dicts(ice.get('tables'))
    group = '1.3 Iceberg tables'
    table_rows = [('create/converge %s' % t.get('table', '?'), num(t.get('seconds')), group) for t in tables]
    table_rows = [r for r in table_rows if r[1] is not None]
    if not table_rows and num(timings.get('create_table_seconds')) is not None:
        table_rows = [('create/converge table (slowest)', num(timings['create_table_seconds']), group)]
    rows += table_rows
    evolve = num(timings.get('evolve_seconds'))
    if evolve is None:
        evolve = num(demo.get('evolve_seconds'))
    if evolve is not None:
        rows.append(('schema evolution (in module)', evolve, group))
    tt = num(timings.get('time_travel_seconds'))
    if tt is None:
        tt = num(demo.get('time_travel_seconds'))
    if tt is not None:
        rows.append(('time-travel read', tt, group))
    metadata = nums(timings.get('metadata_query_seconds'))
    if metadata:
        rows.append(('metadata query, slowest of %d (in module)' % len(metadata), max(metadata), group))
    backup = _dict(inputs.get('metastore_backup'))
    backups = _dicts(backup.get('backups'))
    group = '1.4 metastore backup'
    for index, item in enumerate(backups):
        value = num(item.get('duration_seconds'))
        if value is not None:
            rows.append(('backup %s' % _backup_label(item, index), value, group))
    for index, item in enumerate(backup.get('verifications') or []):
        if not isinstance(item, dict):
            continue
        value = num(item.get('restore_seconds'))
        if value is not None:
            label = _backup_label(backups[index], index) if index < len(backups) else '#%d' % (index + 1)
            rows.append(('verify (restore) %s' % label, value, group))
    return rows


def plot_step_timings(figure_class, canvas_class, inputs, clean):
    rows = step_rows(inputs)
    if not rows:
        return None
    groups = []
    for row in rows:
        if row[2] not in groups:
            groups.append(row[2])
    fig = figure_class(figsize=(9, 1.6 + 0.38 * len(rows)))
    ax = fig.add_subplot(1, 1, 1)
    ys = list(range(len(rows)))[::-1]
    for gindex, group in enumerate(groups):
        sel = [i for i, r in enumerate(rows) if r[2] == group]
        bars = ax.barh([ys[i] for i in sel], [rows[i][1] for i in sel], color=PLOT_COLORS[gindex % len(PLOT_COLORS)],
                       label=group)
        for i, rect in zip(sel, bars):
            ax.annotate(' %s s' % fmt_number(rows[i][1]), (rect.get_width(), rect.get_y() + rect.get_height() / 2.0),
                        va='center', fontsize=7)
    ax.set_yticks(ys)
    ax.set_yticklabels([clean(r[0]) for r in rows], fontsize=8)
    ax.set_xlabel('seconds (task wall time; "in module": time inside the module, without Python start-up)')
    ax.set_xlim(0, max(r[1] for r in rows) * 1.2 or 1)
    ax.set_title('Timings per step')
    ax.grid(axis='x', alpha=0.3)
    ax.legend(fontsize=8, loc='lower right')
    fig.tight_layout()
    return _png(fig, canvas_class)


def render_plots(results, thresholds, clean=None):
    """file name -> PNG bytes of the plots whose data are present (a plot without data is left out).
    ImportError when matplotlib is missing (the module checks import_matplotlib() first); clean(text) redacts the
    labels taken from the results."""
    figure_class, canvas_class, error = import_matplotlib()
    if error:
        raise ImportError(error)
    clean = clean or (lambda text: text)
    inputs, dummy = load_inputs(results)
    data = dict((name, value[0] or {}) for name, value in inputs.items())
    thresholds = validate_thresholds(thresholds)
    out = {}
    for name, draw in (
            ('s3_latency.png', lambda: plot_s3_latency(figure_class, canvas_class, data['s3_storage'], thresholds,
                                                       clean)),
            ('s3_throughput_by_size.png', lambda: plot_s3_throughput(figure_class, canvas_class, data['s3_storage'],
                                                                     clean)),
            ('step_timings.png', lambda: plot_step_timings(figure_class, canvas_class, data, clean))):
        png = draw()
        if png:
            out[name] = png
    return out


# ---------------------------------------------------------------------------------------------- files

def render_files(report, plots):
    """file name -> bytes of the whole report (plots: file name -> PNG bytes)."""
    names = sorted(plots)
    files = {
        'summary.md': render_summary_md(report, names).encode('utf-8'),
        'results.json': render_results_json(report).encode('utf-8'),
        'junit.xml': render_junit(report).encode('utf-8'),
    }
    files.update(plots)
    return files


def same_content(directory, files):
    """True when directory holds exactly these files with these bytes."""
    try:
        present = sorted(os.listdir(directory))
    except OSError:
        return False
    if present != sorted(files):
        return False
    for name, data in files.items():
        try:
            with open(os.path.join(directory, name), 'rb') as handle:
                if handle.read() != data:
                    return False
        except (IOError, OSError):
            return False
    return True


def _clean_stale(root):
    """Remove temporary directories of runs killed more than STALE_TEMP_SECONDS ago."""
    now = time.time()
    try:
        names = os.listdir(root)
    except OSError:
        return
    for name in names:
        if name.startswith('.') and ('.tmp-' in name or '.old-' in name):
            path = os.path.join(root, name)
            try:
                if os.path.isdir(path) and not os.path.islink(path) and now - os.lstat(path).st_mtime > STALE_TEMP_SECONDS:
                    shutil.rmtree(path, ignore_errors=True)
            except OSError:
                pass


def update_link(root, timestamp, check_mode=False):
    """Point <root>/last at timestamp (relative), atomically. Returns True when it changed."""
    link = os.path.join(root, LATEST_LINK)
    if os.path.lexists(link):
        if not os.path.islink(link):
            raise ReportError('cannot maintain %s: it exists and is not a symlink; remove it or set latest_link: false'
                              % link)
        if os.readlink(link) == timestamp:
            return False
    if check_mode:
        return True
    temp = os.path.join(root, '.%s.tmp-%s' % (LATEST_LINK, uuid.uuid4().hex[:8]))
    try:
        os.symlink(timestamp, temp)
        os.rename(temp, link)
    except OSError as exc:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise ReportError('cannot update %s: %s' % (link, exc.strerror or exc))
    fsync_dir(root)
    return True


def write_report(root, timestamp, files, latest_link=True, check_mode=False):
    """Write files into <root>/<timestamp>/ through a temporary directory renamed into place (0755 directory, 0644
    files). An existing directory with the same content is left alone. Returns (changed, report_dir, paths)."""
    root = os.path.abspath(root)
    target = os.path.join(root, timestamp)
    paths = [os.path.join(target, name) for name in sorted(files)]
    if os.path.lexists(root) and not os.path.isdir(root):
        raise ReportError('report_root %s exists and is not a directory' % root)
    if os.path.lexists(target) and (os.path.islink(target) or not os.path.isdir(target)):
        raise ReportError('%s exists and is not a report directory; remove it or choose another timestamp' % target)
    changed = not same_content(target, files)
    if check_mode:
        if latest_link and os.path.isdir(root):
            changed = update_link(root, timestamp, check_mode=True) or changed
        elif latest_link:
            changed = True
        return changed, target, paths
    if changed:
        try:
            if not os.path.isdir(root):
                os.makedirs(root)
                os.chmod(root, 0o755)
        except OSError as exc:
            raise ReportError('cannot create report_root %s: %s' % (root, exc.strerror or exc))
        _clean_stale(root)
        try:
            temp = tempfile.mkdtemp(prefix='.%s.tmp-' % timestamp, dir=root)
        except OSError as exc:
            raise ReportError('cannot write in report_root %s: %s' % (root, exc.strerror or exc))
        try:
            for name in sorted(files):
                path = os.path.join(temp, name)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                with os.fdopen(fd, 'wb') as handle:
                    handle.write(files[name])
                    handle.flush()
                    os.fsync(handle.fileno())
                os.chmod(path, 0o644)
            os.chmod(temp, 0o755)
            fsync_dir(temp)
            if os.path.isdir(target):
                old = os.path.join(root, '.%s.old-%s' % (timestamp, uuid.uuid4().hex[:8]))
                os.rename(target, old)
                os.rename(temp, target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.rename(temp, target)
            fsync_dir(root)
        except (IOError, OSError) as exc:
            shutil.rmtree(temp, ignore_errors=True)
            raise ReportError('cannot write the report into %s: %s' % (target, getattr(exc, 'strerror', None) or exc))
    if latest_link:
        changed = update_link(root, timestamp) or changed
    return changed, target, paths


def summary_lines(report):
    """One line per objective, then the overall result."""
    lines = []
    for objective in report['objectives']:
        items = [c for c in report['criteria'] if c['objective'] == objective['objective']]
        head = '%s %s: %s' % (objective['objective'], objective['title'], objective['status'].upper())
        if objective['status'] == SKIPPED:
            reasons = sorted(set(c['detail'] for c in items))
            lines.append('%s (%s)' % (head, '; '.join(reasons)))
            continue
        text = '%d passed' % objective['passed']
        if objective['failed']:
            text += ', %d failed: %s' % (objective['failed'],
                                         ', '.join(c['id'] for c in items if c['status'] == FAILED))
        if objective['skipped']:
            text += ', %d skipped' % objective['skipped']
        lines.append('%s (%s)' % (head, text))
    counts = report['summary']
    lines.append('Phase 1: %s (%d passed, %d failed, %d skipped)' % (
        'PASSED' if report['passed'] else 'FAILED', counts[PASSED], counts[FAILED], counts[SKIPPED]))
    return lines


def make_report(results, thresholds=None, report_root='reports', timestamp=None, require_polaris=False, plots=True,
                secrets=None, latest_link=True, check_mode=False):
    """Evaluate, render, redact and write. Returns the module's result dict (ReportError / ImportError raised)."""
    redactor = Redactor(secrets)
    report = build_report(results, thresholds, require_polaris, timestamp)
    report = redactor.data(report)
    pngs = render_plots(results, report['thresholds'], clean=redactor.data) if plots else {}
    files = render_files(report, pngs)
    for name in list(files):
        if name.endswith('.png'):
            continue
        text = files[name].decode('utf-8')
        cleaned = redactor.text(text)
        if cleaned != text:
            files[name] = cleaned.encode('utf-8')
    changed, report_dir, paths = write_report(report_root, report['timestamp'], files, latest_link, check_mode)
    return {
        'changed': changed,
        'report_dir': report_dir,
        'files': paths,
        'criteria': report['criteria'],
        'failed_criteria': report['failed'],
        'passed': report['passed'],
        'summary': report['summary'],
        'objectives': report['objectives'],
        'redactions': redactor.count,
        'lines': summary_lines(report),
        'timestamp': report['timestamp'],
        'warnings': report['warnings'],
    }
