# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""run_sql(): the iceberg_spark_sql module's work, statement by statement, in one Spark session."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.spark.errors import SparkSqlError, describe_spark_error
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.spark.options import packages, validate
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.spark.statements import (
    changed_from_states,
    check_mode_action,
    classify,
    normalize,
)

ABSENT = '(absent)'


def read_sql_file(path):
    try:
        with open(path) as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        raise SparkSqlError('cannot read the SQL file %s: %s.' % (path, exc.strerror or exc))


def target_state(run, info):
    """A namespace's existence or a table's current metadata file (ABSENT when missing, None when unknown)."""
    target = info.get('target')
    if not target:
        return None
    try:
        if info['target_type'] == 'namespace':
            run.spark.sql('DESCRIBE NAMESPACE %s' % target).collect()
            return 'exists'
        return run.scalar('SELECT file FROM %s.metadata_log_entries ORDER BY timestamp DESC LIMIT 1' % target)
    except Exception as exc:
        text = '%s' % (exc,)
        if re.search(r'NOT_FOUND|NoSuch\w+Exception|does not exist', text):
            return ABSENT
        return None


def predicted_change(info, state):
    """Check mode: does an EXPLAINed statement change anything (IF NOT EXISTS on an existing object does not)?"""
    statement = info['statement']
    if re.search(r'\bIF\s+NOT\s+EXISTS\b', statement, re.I) and state not in (None, ABSENT):
        return False
    if re.match(r'^\s*DROP\b.*\bIF\s+EXISTS\b', statement, re.I | re.S) and state == ABSENT:
        return False
    return True


def run_sql(params, check_mode, session_factory):
    """Run the statements; returns the module result. session_factory(params) -> a started SparkRun."""
    validate(params)
    text = read_sql_file(params['file']) if params.get('file') else None
    statements = normalize(params.get('statements'), text)
    infos = [classify(statement) for statement in statements]
    max_rows = params.get('max_rows')
    run = session_factory(params)
    results, wrote_before = [], False
    try:
        for index, info in enumerate(infos, 1):
            statement = info['statement']
            action = check_mode_action(info) if check_mode else 'run'
            entry = {'index': index, 'statement': statement, 'kind': info['kind'], 'action': action}
            started = time.monotonic()
            if action == 'skip':
                entry.update(changed=True, skipped=True,
                             msg='not run in check mode: a CALL procedure has no EXPLAIN; it would run for real')
                results.append(entry)
                wrote_before = True
                continue
            before = target_state(run, info) if info['kind'] in ('write', 'call') else None
            sql = statement if action == 'run' else 'EXPLAIN %s' % statement
            try:
                columns, rows, limited = run.sql(sql, max_rows)
            except Exception as exc:
                from ansible_collections.dataplatform.lakehouse.plugins.module_utils.spark.session import error_text
                full = error_text(exc)
                run.log('== statement %d failed: %s\n%s' % (index, statement, full))
                if check_mode and action == 'explain' and wrote_before and \
                        re.search(r'NOT_FOUND|NoSuch\w+Exception', full):
                    entry.update(changed=True, skipped=True,
                                 msg='not checked: it needs what an earlier statement of this run would create '
                                     '(check mode creates nothing)')
                    results.append(entry)
                    continue
                raise SparkSqlError(describe_spark_error(full, index, params.get('catalog_uri'), run.log_file),
                                    statements=results, failed_statement=statement, log_file=run.log_file)
            if check_mode:
                changed = predicted_change(info, before) if action == 'explain' else False
            else:
                after = target_state(run, info) if info['kind'] in ('write', 'call') else None
                changed = changed_from_states(info, before, after, rows)
            entry.update(changed=changed, columns=columns, rows=rows, row_count=len(rows), limited=limited,
                         seconds=round(time.monotonic() - started, 3))
            if info['target']:
                entry['target'] = info['target']
            results.append(entry)
            wrote_before = wrote_before or info['kind'] in ('write', 'call')
        last_rows = [r for r in results if r.get('columns') and r.get('kind') in ('read', 'call')]
        return {
            'changed': any(r.get('changed') for r in results),
            'statements': results,
            'rows': last_rows[-1]['rows'] if last_rows else [],
            'spark_version': run.spark_version,
            'iceberg_version': params.get('iceberg_version'),
            'packages': packages(params),
            'session_start_seconds': run.start_seconds,
            'log_file': run.log_file,
        }
    finally:
        run.stop()
