#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: Thrift metadata lookups on the local stack's Hive Metastore (the hive_metastore service).

    LAKEHOUSE_STATE_DIR=/var/lib/dataplatform-lakehouse .venv/bin/python benchmarks/hms_lookups.py
    .venv/bin/python benchmarks/hms_lookups.py --calls 1000 --json-out /tmp/hms.json

Sets up a bucket, a database and an Iceberg table of its own (through the iceberg_table code path, catalog_type
hive), then times --calls calls of each lookup with the HMS Thrift client PyIceberg ships: get_all_databases,
get_database and get_table, each on one open connection, and get_table on a new connection per call (what PyIceberg
does for every catalog operation): plugins/module_utils/hive/lookups.py, what the hive_metastore_check module and
the Phase 1 report measure. p50, p95 and max per lookup, against the 2 s threshold of the Phase 1 success
criterion "Hive Metastore responding to metadata queries". Everything it creates is removed.
(Not named hive_metastore.py: this directory is first on sys.path, and that name would hide the HMS Thrift client.)
"""

from __future__ import absolute_import, division, print_function

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import catalogs  # noqa: E402  (benchmarks/catalogs.py: iceberg_append's options for one catalog kind)
import iceberg_append as ia  # noqa: E402  (benchmarks/iceberg_append.py: the bucket, the catalog options)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--calls', type=int, default=100, help='calls of each lookup')
    p.add_argument('--json-out', help='also write the JSON result to this file')
    return p.parse_args()


def main():
    args = parse_args()
    bench_args = catalogs.env_args('hive', argparse.Namespace(rows=1, repeats=1))
    env = ia.Env(bench_args)
    ns, name = 'bench_hms_%s' % env.bucket.rsplit('-', 1)[-1], 'lookups'
    catalog = None
    results = dict(calls=args.calls, metastore=env.kind, lookups=[])
    try:
        # The measuring logic is the collection's (the hive_metastore_check module and the Phase 1 report use it).
        from ansible_collections.dataplatform.lakehouse.plugins.module_utils.hive.lookups import measure_lookups
        from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.catalog import connect
        ia.module_create(env, ns, name, False)
        catalog = connect(dict(env.params))
        results['lookups'] = measure_lookups(env.params['catalog_uri'], ns, name, args.calls)
    finally:
        env.close(catalog, [ns])
    lines = ['| Thrift lookup, %d calls each | p50 (ms) | p95 (ms) | max (ms) |' % args.calls, '|---|---|---|---|']
    for row in results['lookups']:
        lines.append('| %s | %.2f | %.2f | %.2f |' % (row['lookup'], row['p50_ms'], row['p95_ms'], row['max_ms']))
    ia.emit(results, '\n'.join(lines), args.json_out)
    return 0 if all(row['under_threshold'] for row in results['lookups']) else 1


if __name__ == '__main__':
    sys.exit(main())
