#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: Spark SQL (iceberg_spark_sql's session) vs PyIceberg on the same Polaris REST catalog, same run.

    .venv/bin/python benchmarks/engines.py                          # 1,000,000 rows, 3 rounds
    .venv/bin/python benchmarks/engines.py --rows 100000 --repeats 5 --json-out /tmp/engines.json

The local stack's Polaris (a catalog, a writer principal and a bucket of its own, as benchmarks/iceberg_append.py
sets them up; removed afterwards). One Spark session (module_utils.spark.session.SparkRun, the module's code path:
local[2], Iceberg 1.10.1 jars from the Ivy cache) and PyIceberg (load_catalog, as iceberg_append.py's raw calls).
Stated separately: the session's cold start (JVM + jars + session), its first statement (catalog initialisation,
OAuth token) and a warm second statement. Then per round, engines in alternating order:
  * create: an unpartitioned table of the same schema (Spark: CREATE TABLE ... USING iceberg);
  * append: the same Parquet file (--rows rows): PyIceberg pq.read_table + append, Spark read.parquet + writeTo;
  * scan: every row and column of the table (PyIceberg scan().to_arrow(), Spark an aggregate over every column,
    which Iceberg cannot answer from metadata); both engines must count --rows rows;
  * compaction of 200 small files (made by Spark, not timed; 200 files of rows/200 rows): Spark
    CALL system.rewrite_data_files; PyIceberg 0.12 has NO data-file compaction: what it can do instead is rewrite the
    table by overwrite (tbl.overwrite(tbl.scan().to_arrow())), a full rewrite that is not a compaction (it rewrites
    every file whatever its size and conflicts with any concurrent commit). File counts before/after for both.
Medians with min/max, ratio Spark / PyIceberg (above 1: Spark is slower), the load average at start and end.
The machine may be shared: the load average says how busy it was.
"""

from __future__ import absolute_import, division, print_function

import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import catalogs  # noqa: E402  (benchmarks/catalogs.py: iceberg_append's options for one catalog kind)
import iceberg_append as ia  # noqa: E402  (benchmarks/iceberg_append.py: the catalog set-up, the data, raw calls)

OPERATIONS = ('create', 'append', 'scan', 'compaction (200 small files)')
SMALL_FILES = 200
SPARK_CATALOG = 'iceberg'
PYICEBERG_COMPACTION = ('not available in PyIceberg 0.12; measured instead: rewrite by overwrite '
                        '(tbl.overwrite(tbl.scan().to_arrow())), a full rewrite, not a compaction')


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--rows', type=int, default=1000000)
    p.add_argument('--repeats', type=int, default=3, help='rounds (one set of tables per engine and round)')
    p.add_argument('--json-out', help='also write the JSON result to this file')
    return p.parse_args()


# Pure logic (tests/unit/test_benchmark_engines.py) ---------------------------------------------------------------
def summary(samples):
    """median, min, max (s, 3 decimals) and the runs of a list of seconds."""
    return dict(median_s=round(statistics.median(samples), 3), min_s=round(min(samples), 3),
                max_s=round(max(samples), 3), runs=[round(x, 3) for x in samples])


def ratio(spark, pyiceberg):
    """Spark / PyIceberg of two medians (None when PyIceberg's is 0)."""
    return round(spark / pyiceberg, 2) if pyiceberg else None


def operation_rows(samples):
    """One row per operation: {operation, spark: summary, pyiceberg: summary, ratio_spark_over_pyiceberg}."""
    rows = []
    for op in OPERATIONS:
        if not samples['spark'].get(op) or not samples['pyiceberg'].get(op):
            continue
        spark, py = summary(samples['spark'][op]), summary(samples['pyiceberg'][op])
        rows.append(dict(operation=op, spark=spark, pyiceberg=py,
                         ratio_spark_over_pyiceberg=ratio(spark['median_s'], py['median_s'])))
    return rows


def markdown(results):
    """The result as markdown tables (operations, then the session start-up)."""
    lines = ['| operation, %d rows, %d rounds | Spark s: median (min-max) | PyIceberg s: median (min-max) '
             '| Spark / PyIceberg |' % (results['rows'], results['rounds']), '|---|---|---|---|']
    for row in results['operations']:
        s, p = row['spark'], row['pyiceberg']
        lines.append('| %s | %.3f (%.3f-%.3f) | %.3f (%.3f-%.3f) | %s |' % (
            row['operation'], s['median_s'], s['min_s'], s['max_s'], p['median_s'], p['min_s'], p['max_s'],
            '%.2f' % row['ratio_spark_over_pyiceberg'] if row['ratio_spark_over_pyiceberg'] is not None else '-'))
    files = results.get('compaction_files') or {}
    if files:
        lines += ['', '| compaction | data files before | data files after (median) |', '|---|---|---|']
        for engine in ('spark', 'pyiceberg'):
            if engine in files:
                lines.append('| %s | %s | %s |' % (engine, files[engine]['before'], files[engine]['after']))
        lines.append('')
        lines.append('PyIceberg compaction: %s.' % PYICEBERG_COMPACTION)
    start = results.get('spark_session') or {}
    if start:
        lines += ['', 'Spark session start-up (once, not in the table above): cold start (JVM + jars + session) '
                  '%.3f s; first statement (catalog initialisation, token) %.3f s; warm second statement %.3f s.'
                  % (start['cold_start_s'], start['first_statement_s'], start['warm_statement_s'])]
    lines.append('Load average (1, 5, 15 min) at start %s, at end %s, on %s CPUs (shared machine).' % (
        results.get('load_average_at_start'), results.get('load_average_at_end'), results.get('cpus')))
    return '\n'.join(lines)


# Spark ----------------------------------------------------------------------------------------------------------
def spark_params(env):
    """iceberg_spark_sql's options: the Spark options' defaults, then the benchmark's catalog connection."""
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.spark.options import spark_argument_spec
    params = dict((key, spec.get('default')) for key, spec in spark_argument_spec().items())
    params.update(env.params)
    params['spark_catalog_name'] = SPARK_CATALOG
    return params


def timed(fn, *args):
    t0 = time.perf_counter()
    value = fn(*args)
    return time.perf_counter() - t0, value


def spark_create(run, ns, name):
    run.spark.sql('CREATE TABLE %s.%s.%s (id BIGINT NOT NULL, ts TIMESTAMP, region STRING, qty INT, price DOUBLE) '
                  "USING iceberg TBLPROPERTIES ('write.format.default'='parquet', "
                  "'write.parquet.compression-codec'='snappy')" % (SPARK_CATALOG, ns, name))


def spark_append(run, ns, name, path):
    run.spark.read.parquet('file://' + path).writeTo('%s.%s.%s' % (SPARK_CATALOG, ns, name)).append()


def spark_scan(run, ns, name):
    """Rows counted while every column is read (sum/length are not answered from Iceberg's metadata)."""
    row = run.spark.sql('SELECT count(*), sum(id), max(ts), max(length(region)), sum(qty), sum(price) FROM %s.%s.%s'
                        % (SPARK_CATALOG, ns, name)).collect()[0]
    return row[0]


def spark_small_files(run, ns, name, path):
    """A table of SMALL_FILES data files (one commit), untimed set-up of the compaction."""
    spark_create(run, ns, name)
    run.spark.read.parquet('file://' + path).repartition(SMALL_FILES).writeTo(
        '%s.%s.%s' % (SPARK_CATALOG, ns, name)).append()


def spark_compact(run, ns, name):
    row = run.spark.sql("CALL %s.system.rewrite_data_files(table => '%s.%s')" % (SPARK_CATALOG, ns, name)).collect()[0]
    return row.asDict()


# PyIceberg ------------------------------------------------------------------------------------------------------
def load(env, ns, name):
    from pyiceberg.catalog import load_catalog
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.options import catalog_properties
    return load_catalog(env.params['catalog_name'], **catalog_properties(env.params)).load_table((ns, name))


def data_files(env, ns, name):
    return load(env, ns, name).inspect.files().num_rows


def py_scan(env, ns, name):
    return load(env, ns, name).scan().to_arrow().num_rows


def py_rewrite(env, ns, name):
    tbl = load(env, ns, name)
    tbl.overwrite(tbl.scan().to_arrow())


def one_round(run, env, ns, round_no, path, rows, files):
    """Seconds of each operation per engine (OPERATIONS order), engines alternating by round."""
    times = {'spark': {}, 'pyiceberg': {}}
    order = ['spark', 'pyiceberg'] if round_no % 2 == 0 else ['pyiceberg', 'spark']
    for engine in order:
        name = '%s_r%02d' % (engine, round_no)
        small = name + '_small'
        if engine == 'spark':
            times[engine]['create'] = timed(spark_create, run, ns, name)[0]
            times[engine]['append'] = timed(spark_append, run, ns, name, path)[0]
            times[engine]['scan'], count = timed(spark_scan, run, ns, name)
        else:
            times[engine]['create'] = ia.raw_create(env, ns, name, False)
            times[engine]['append'], added = ia.raw_append(env, ns, name, path)
            assert added == rows, (engine, added)
            times[engine]['scan'], count = timed(py_scan, env, ns, name)
        assert count == rows, '%s counted %s rows, %s were written' % (engine, count, rows)
        spark_small_files(run, ns, small, path)
        before = data_files(env, ns, small)
        assert before >= SMALL_FILES * 0.9, (small, before)
        if engine == 'spark':
            times[engine]['compaction (200 small files)'], out = timed(spark_compact, run, ns, small)
            files.setdefault('spark_procedure', []).append(out)
        else:
            times[engine]['compaction (200 small files)'] = timed(py_rewrite, env, ns, small)[0]
        after = data_files(env, ns, small)
        assert py_scan(env, ns, small) == rows, small
        files.setdefault(engine, {'before': [], 'after': []})
        files[engine]['before'].append(before)
        files[engine]['after'].append(after)
    return times


def cross_count(run, env, ns, round_no, rows):
    """Each engine reads the other's table of the round: the same row count."""
    assert spark_scan(run, ns, 'pyiceberg_r%02d' % round_no) == rows
    assert py_scan(env, ns, 'spark_r%02d' % round_no) == rows


def main():
    args = parse_args()
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.spark.session import SparkRun
    ns = 'bench_engines'
    results = dict(rows=args.rows, rounds=args.repeats, catalog='Polaris REST', cpus=os.cpu_count(),
                   load_average_at_start=[round(x, 2) for x in os.getloadavg()],
                   pyiceberg_compaction=PYICEBERG_COMPACTION)
    env = ia.Env(catalogs.env_args('rest', args))
    run = None
    catalog = None
    files = {}
    try:
        path = os.path.join(env.tmp, 'rows.parquet')
        results['parquet_bytes'] = ia.make_parquet(path, args.rows)
        from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.catalog import connect
        from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.options import apply_s3_environment
        apply_s3_environment(env.params)
        catalog = connect(dict(env.params))
        ia.raw_create(env, ns, 'warmup', False)   # PyIceberg: imports, S3 client, first token; creates ns
        run = SparkRun(spark_params(env))
        cold, unused = timed(run.start)
        first, unused = timed(run.scalar, 'SELECT count(*) FROM %s.%s.warmup' % (SPARK_CATALOG, ns))
        warm, unused = timed(run.scalar, 'SELECT count(*) FROM %s.%s.warmup' % (SPARK_CATALOG, ns))
        results['spark_session'] = dict(cold_start_s=round(cold, 3), first_statement_s=round(first, 3),
                                        warm_statement_s=round(warm, 3), spark_version=run.spark_version,
                                        log_file=run.log_file)
        samples = {'spark': dict((op, []) for op in OPERATIONS), 'pyiceberg': dict((op, []) for op in OPERATIONS)}
        for round_no in range(args.repeats):
            times = one_round(run, env, ns, round_no, path, args.rows, files)
            cross_count(run, env, ns, round_no, args.rows)
            for engine in times:
                for op, seconds in times[engine].items():
                    samples[engine][op].append(seconds)
            sys.stderr.write('[%s] round %d of %d done\n' % (time.strftime('%H:%M:%S'), round_no + 1, args.repeats))
        results['operations'] = operation_rows(samples)
        results['compaction_files'] = dict(
            (engine, dict(before=int(statistics.median(files[engine]['before'])),
                          after=int(statistics.median(files[engine]['after']))))
            for engine in ('spark', 'pyiceberg'))
        results['spark_rewrite_data_files'] = files.get('spark_procedure')
        results['same_row_count_both_engines'] = True
    finally:
        if run is not None:
            run.stop()
        env.close(catalog, [ns])
    results['load_average_at_end'] = [round(x, 2) for x in os.getloadavg()]
    print(markdown(results))
    print()
    print(json.dumps(results, indent=2))
    if args.json_out:
        with open(args.json_out, 'w') as handle:
            json.dump(results, handle, indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())
