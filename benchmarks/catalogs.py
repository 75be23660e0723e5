#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the Iceberg modules on Polaris's REST catalog vs the SQL catalog, in the same run, on the same RGW.

    .venv/bin/python benchmarks/catalogs.py                    # 100,000 rows, 5 rounds
    .venv/bin/python benchmarks/catalogs.py --rows 1000000 --repeats 3 --json-out /tmp/catalogs.json
    .venv/bin/python benchmarks/catalogs.py --other hive       # Polaris vs the stack's Hive Metastore instead

With --other hive the second catalog is the local stack's Hive Metastore (hive_metastore service,
credentials/hive_metastore.json; catalog_type hive, PyIceberg's HiveCatalog) instead of the SQL catalog.

Both catalogs of the local stack: Polaris 1.4.1 (REST, relational-jdbc on the stack's PostgreSQL; a catalog and a
writer principal of its own) and PyIceberg's SQL catalog in the stack's PostgreSQL (database iceberg_catalog), each
with its own bucket. Each round, in alternating order (REST first on even rounds), runs on each catalog through the
module code path (module_utils.iceberg.service, as iceberg_table / iceberg_table_info run it): create a table,
append --rows rows from one Parquet file, load its metadata (iceberg_table_info, no file list), evolve the schema
(widen a type, add a column), read the first snapshot back (time travel, 1000 rows). Medians per operation and
catalog, and the ratio REST / SQL (above 1: the REST catalog is slower). Everything it creates is removed.
"""

from __future__ import absolute_import, division, print_function

import argparse
import copy
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import iceberg_append as ia  # noqa: E402  (benchmarks/iceberg_append.py: the same catalog set-up and calls)

OPERATIONS = ('create', 'append', 'load metadata', 'evolve', 'time travel (1000 rows)')


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--rows', type=int, default=100000)
    p.add_argument('--repeats', type=int, default=5, help='rounds (one table per catalog and round)')
    p.add_argument('--json-out', help='also write the JSON result to this file')
    p.add_argument('--other', choices=['sql', 'hive'], default='sql', help='the catalog compared with Polaris')
    return p.parse_args()


def env_args(kind, args):
    """iceberg_append's options for one catalog kind, local stack defaults."""
    return argparse.Namespace(catalog=kind, sqlite=False, sql_database='iceberg_catalog', rows=args.rows,
                              repeats=args.repeats, s3_endpoint=None, access_key=None, secret_key=None,
                              region='us-east-1', checksum='when_required', ansible=False, json_out=None, keep=False)


def load_metadata(env, ns, name):
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.service import run_info
    params = ia.table_params(env, ns, name, files=False, snapshots=True, query=None)
    started = time.perf_counter()
    out = run_info(params)
    assert out['exists'], (env.kind, ns, name)
    return time.perf_counter() - started


def one_round(env, ns, name, path, rows):
    """Seconds of each operation on one catalog, in OPERATIONS order."""
    times = {'create': ia.module_create(env, ns, name, False)}
    elapsed, count = ia.module_append(env, ns, name, path)
    assert count == rows, (env.kind, count)
    times['append'] = elapsed
    times['load metadata'] = load_metadata(env, ns, name)
    first = ia.first_snapshot_id(env, ns, name)
    times['evolve'] = ia.module_evolve(env, ns, name)
    elapsed, count = ia.module_time_travel(env, ns, name, 1000, first)
    assert count > 0, (env.kind, count)
    times['time travel (1000 rows)'] = elapsed
    return times


def main():
    args = parse_args()
    envs = {}
    catalogs = {}
    ns = 'bench_catalogs'
    results = dict(rows=args.rows, rounds=args.repeats, catalogs={}, operations=[])
    try:
        other = args.other
        for kind in ('rest', other):
            envs[kind] = ia.Env(env_args(kind, args))
        path = os.path.join(envs['rest'].tmp, 'rows.parquet')
        results['parquet_bytes'] = ia.make_parquet(path, args.rows)
        from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.catalog import connect
        from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.options import apply_s3_environment
        samples = dict((kind, dict((op, []) for op in OPERATIONS)) for kind in envs)
        for kind, env in envs.items():
            apply_s3_environment(env.params)
            catalogs[kind] = connect(copy.deepcopy(env.params))
            results['catalogs'][kind] = 'Polaris REST' if kind == 'rest' else env.kind
            ia.module_create(env, ns, 'warmup', False)   # imports, S3 client, first token
        for round_no in range(args.repeats):
            order = ['rest', other] if round_no % 2 == 0 else [other, 'rest']
            for kind in order:
                times = one_round(envs[kind], ns, 't%02d' % round_no, path, args.rows)
                for op, seconds in times.items():
                    samples[kind][op].append(seconds)
            sys.stderr.write('[%s] round %d of %d done\n' % (time.strftime('%H:%M:%S'), round_no + 1, args.repeats))
        for op in OPERATIONS:
            rest, second = statistics.median(samples['rest'][op]), statistics.median(samples[other][op])
            row = dict(operation=op, rest_s=round(rest, 3))
            row['%s_s' % other] = round(second, 3)
            row['ratio_rest_over_%s' % other] = round(rest / second, 2)
            row['rest_runs'] = [round(x, 3) for x in samples['rest'][op]]
            row['%s_runs' % other] = [round(x, 3) for x in samples[other][op]]
            results['operations'].append(row)
    finally:
        for kind, env in envs.items():
            env.close(catalogs.get(kind), [ns])
    label = other.upper() if other == 'sql' else 'Hive'
    lines = ['| operation (module code path), %d rows, median of %d rounds | REST: %s (s) | %s: %s (s) | REST / %s |'
             % (args.rows, args.repeats, results['catalogs'].get('rest'), label, results['catalogs'].get(other), label),
             '|---|---|---|---|']
    for row in results['operations']:
        lines.append('| %s | %.3f | %.3f | %.2f |'
                     % (row['operation'], row['rest_s'], row['%s_s' % other], row['ratio_rest_over_%s' % other]))
    ia.emit(results, '\n'.join(lines), args.json_out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
