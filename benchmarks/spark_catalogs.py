#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the seed's 1.3 checkpoint through iceberg_spark_sql on the Hive Metastore vs on Polaris, same run.

    .venv/bin/python benchmarks/spark_catalogs.py                  # 3 rounds per catalog
    .venv/bin/python benchmarks/spark_catalogs.py --repeats 5 --json-out /tmp/spark_catalogs.json

Needs the local stack with Polaris and the hive_metastore service (LAKEHOUSE_STATE_DIR: its credential files).
Each catalog gets a bucket of its own (and on Polaris a catalog and a writer principal, as benchmarks/
iceberg_append.py sets them up; all removed afterwards) and ONE Spark session (the module's code path: run_sql()
with module_utils.spark.session.SparkRun; catalog_type hive is Spark's SparkSessionCatalog on the metastore, rest
the Iceberg SparkCatalog on Polaris), in a child process of its own (a JVM's jars are fixed at its start; the Hive
session has hadoop-aws). In each session: CREATE DATABASE IF NOT EXISTS, then per round the checkpoint's
CREATE TABLE <db>.checkpoint_<n> (id BIGINT, data STRING) USING ICEBERG, INSERT one row, SELECT *; the seconds are
run_sql()'s per statement. Medians with min/max, ratio Hive / Polaris (above 1: the metastore is slower), the session
start, the load average at start and end (the machine may be shared).
"""

from __future__ import absolute_import, division, print_function

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

STATEMENTS = ('create database', 'create table', 'insert', 'select')
DATABASE = 'bench_checkpoint'


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--repeats', type=int, default=3, help='checkpoint rounds per catalog (one Spark session each)')
    p.add_argument('--json-out', help='also write the JSON result to this file')
    p.add_argument('--child', choices=['rest', 'hive'], help=argparse.SUPPRESS)
    return p.parse_args()


def checkpoint_sql(rounds):
    """The statements of one session: the database once, then the seed's checkpoint per round."""
    sql = ['CREATE DATABASE IF NOT EXISTS %s' % DATABASE]
    for n in range(rounds):
        table = '%s.checkpoint_%d' % (DATABASE, n)
        sql += ['CREATE TABLE %s (id BIGINT, data STRING) USING ICEBERG' % table,
                "INSERT INTO %s VALUES (1, 'test data')" % table,
                'SELECT * FROM %s' % table]
    return sql


def samples_of(statements):
    """{statement kind: [seconds]} of run_sql()'s statement results (checkpoint_sql()'s order)."""
    out = dict((kind, []) for kind in STATEMENTS)
    out['create database'].append(statements[0]['seconds'])
    for index, entry in enumerate(statements[1:]):
        out[STATEMENTS[1 + index % 3]].append(entry['seconds'])
    return out


def summary(samples):
    return dict(median_s=round(statistics.median(samples), 3), min_s=round(min(samples), 3),
                max_s=round(max(samples), 3), runs=[round(x, 3) for x in samples])


def child(kind, rounds):
    """One catalog, one Spark session: print {start_s, samples, rows}."""
    import argparse as ap
    import iceberg_append as ia
    import catalogs
    from engines import spark_params
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.spark.service import run_sql
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.spark.session import SparkRun
    env = ia.Env(catalogs.env_args(kind, ap.Namespace(rows=1, repeats=rounds)))
    params = spark_params(env)
    params['max_rows'] = 10
    params['statements'] = checkpoint_sql(rounds)
    drop = ['DROP TABLE IF EXISTS %s.checkpoint_%d PURGE' % (DATABASE, n) for n in range(rounds)]
    try:
        result = run_sql(params, False, lambda p: SparkRun(p).start())
        run_sql(dict(params, statements=drop + ['DROP DATABASE IF EXISTS %s' % DATABASE]), False,
                lambda p: SparkRun(p).start())
    finally:
        env.close()
    rows = [entry.get('rows') for entry in result['statements'] if entry['statement'].startswith('SELECT')]
    print(json.dumps(dict(catalog=env.kind if kind == 'hive' else 'Polaris REST', start_s=result['session_start_seconds'],
                          samples=samples_of(result['statements']), rows=rows)))
    return 0


def main():
    args = parse_args()
    if args.child:
        return child(args.child, args.repeats)
    results = dict(rounds=args.repeats, load_average_start=os.getloadavg()[0], catalogs={})
    for kind in ('hive', 'rest'):
        out = subprocess.run([sys.executable, os.path.abspath(__file__), '--child', kind, '--repeats', str(args.repeats)],
                             stdout=subprocess.PIPE, check=True, universal_newlines=True)
        results['catalogs'][kind] = json.loads(out.stdout.strip().splitlines()[-1])
    results['load_average_end'] = os.getloadavg()[0]
    rows = []
    for op in STATEMENTS:
        hive, rest = (summary(results['catalogs'][k]['samples'][op]) for k in ('hive', 'rest'))
        rows.append(dict(statement=op, hive=hive, rest=rest,
                         ratio_hive_over_rest=round(hive['median_s'] / rest['median_s'], 2) if rest['median_s'] else None))
    results['statements'] = rows
    lines = ['| seed checkpoint statement, %d rounds | Hive Metastore (SparkSessionCatalog) s: median (min-max) | '
             'Polaris (SparkCatalog) s: median (min-max) | Hive / Polaris |' % args.repeats, '|---|---|---|---|']
    for row in rows:
        lines.append('| %s | %.3f (%.3f-%.3f) | %.3f (%.3f-%.3f) | %s |' % (
            row['statement'], row['hive']['median_s'], row['hive']['min_s'], row['hive']['max_s'],
            row['rest']['median_s'], row['rest']['min_s'], row['rest']['max_s'], row['ratio_hive_over_rest']))
    starts = (results['catalogs']['hive']['start_s'], results['catalogs']['rest']['start_s'])
    lines.append('| session start | %.3f | %.3f | |' % starts)
    lines.append('load average %.2f at start, %.2f at the end' % (results['load_average_start'],
                                                                  results['load_average_end']))
    text = '\n'.join(lines)
    print(text)
    if args.json_out:
        with open(args.json_out, 'w') as handle:
            json.dump(results, handle, indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())
