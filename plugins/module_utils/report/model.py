# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Phase 1 report's vocabulary: objectives, criteria texts, thresholds, statuses, the shape of a criterion,
reading the objectives' results files, and the number and size formats every output uses.

The inputs are the JSON files the objective roles write into ``lakehouse_results_dir``:
``s3_storage.json`` (1.1), ``polaris.json`` (1.2, optional), ``iceberg_tables.json`` (1.3) and
``metastore_backup.json`` (1.4), and the optional ``hive_metastore.json`` (hms, the phase1 role's
hive_metastore_check run) and ``operational_readiness.json`` (ops)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import math
import re

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError

REPORT_FORMAT = 'dataplatform.lakehouse.phase1_report/v1'
PASSED = 'passed'
FAILED = 'failed'
SKIPPED = 'skipped'
REDACTED = '********'
TIMESTAMP_FORMAT = '%Y%m%dT%H%M%SZ'
TIMESTAMP_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$')
LATEST_LINK = 'report'  # the newest report; the objectives' results are in reports/latest/
LEGACY_LINK = 'last'  # its name before issue 17: removed when found (a symlink only)
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
    ('1.2', 'polaris', 'Apache Polaris catalog', 'playbooks/polaris.yml'),
    ('1.3', 'iceberg_tables', 'Iceberg tables created, evolved and maintained', 'playbooks/iceberg_tables.yml'),
    ('1.4', 'metastore_backup', 'Metastore backup and recovery', 'playbooks/metastore_backup.yml'),
    ('hms', 'hive_metastore', 'Hive Metastore (metadata queries, Iceberg tables on it)',
     'phase1.yml with the Hive Metastore (LAKEHOUSE_HIVE_METASTORE=true)'),
    ('ops', 'operational_readiness', 'Operational readiness',
     'phase1.yml with the monitoring service running (local_stack_monitoring=true)'),
)
# Objectives whose missing results are "not measured" (skipped), never failed nor passed.
OPTIONAL_OBJECTIVES = ('ops', 'hms')
# The Hive Metastore is opt-in: without one, its criteria say so (skipped, never passed).
HMS_NOT_CONFIGURED = ('no Hive Metastore configured; enable with LAKEHOUSE_HIVE_METASTORE=true (the local stack\'s '
                      'hive_metastore service), or set phase1_hive_metastore_uri for a metastore elsewhere')
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
    'ops': (
        ('targets_up', 'Every scrape target up (Prometheus, measured now)'),
        ('alert_rules_loaded_tested', 'Alert rules loaded and healthy in Prometheus, and the rules file passes promtool'),
        ('dashboards_data', 'Every dashboard panel query returns data (live Prometheus)'),
        ('logs_per_component', 'Every component\'s log present in the log aggregator (VictoriaLogs)'),
    ),
    'hms': (
        ('hms_metadata_queries', 'Hive Metastore responding to metadata queries (p95 of database and table lookups '
                                 'within {metadata_query_seconds})'),
        ('hms_tables_created_updated_queried', 'Iceberg tables created, updated and queried on the Hive Metastore'),
    ),
    '1.4': (
        ('backup_time', 'Metastore backup completes within {backup_seconds}'),
        ('backup_recovery_validated', 'Backups restored and verified (recovery validated)'),
        ('backup_scheduled', 'Scheduled backup (CronJob) rendered'),
    ),
}


class ReportError(LakehouseError):
    """The report cannot be made or written (one actionable line)."""


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


def dicts(value):
    """The non-empty dicts of a list."""
    if not isinstance(value, list):
        return []
    return [x for x in value if isinstance(x, dict) and x]


def as_dict(value):
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
