#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: iceberg_table's code path vs raw PyIceberg on the same catalog and bucket.

    .venv/bin/python benchmarks/iceberg_append.py                 # local stack: Polaris + Ceph RGW
    .venv/bin/python benchmarks/iceberg_append.py --catalog sql   # SQL catalog in the stack's PostgreSQL
                                                                  # (database iceberg_catalog), same RGW
    .venv/bin/python benchmarks/iceberg_append.py --catalog sql --sqlite --s3-endpoint http://127.0.0.1:35000 \
        --access-key x --secret-key y                             # SQLite catalog, e.g. against moto_server

Measures, for N rows (default 1,000,000) read from one Parquet file:
  * append through the module code path (module_utils.iceberg.service.run_table with data.src: connect, load, read and
    conform the file, write, commit, summarise) vs raw PyIceberg (load_catalog, load_table, pq.read_table,
    tbl.append), unpartitioned and day-partitioned; rows/s over --repeats runs in back-to-back pairs (the order
    alternates); the headline ratio is the median of the per-pair ratios raw time / module time, which cancels most
    of the noise of a shared machine (ratio of medians and of best runs are reported too);
  * create, evolve (add a column + widen a type) and a time-travel read (first snapshot, 1000 rows) through the
    module path vs the same PyIceberg calls;
  * optionally (--ansible) one append of the file through ansible-playbook (process start and imports included).
Prints a markdown table and a JSON document (ratios are module / raw throughput, or raw / module time; >= 0.9 is
the target for the append). With the local stack it creates its own bucket, Polaris catalog and principal, and
removes them afterwards.

Storage: one run writes about 4 x (repeats + 1) copies of the Parquet file (~25 MB for 1M rows), ~1 GB with the
defaults. Ceph RGW frees deleted objects only when its garbage collector runs (rgw_gc_obj_min_wait, 2 hours by
default), so on the local stack's 10 GiB OSD a handful of runs within two hours fill it (the OSD goes full and every
write stalls). Space comes back with `radosgw-admin gc process --include-all` (if the OSD is already full, raise
`ceph osd set-full-ratio` a little for the duration). The script prints its estimate before writing.
"""

from __future__ import absolute_import, division, print_function

import argparse
import datetime
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, '.collections'))
STATE = os.path.join(os.environ.get('LAKEHOUSE_STATE_DIR') or '/var/lib/dataplatform-lakehouse', 'credentials')


def load_json(path):
    with open(path) as handle:
        return json.load(handle)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--catalog', choices=['rest', 'sql', 'hive'], default=None,
                   help='rest (Polaris from the local stack, default when it is there) or sql (SQLite)')
    p.add_argument('--sqlite', action='store_true', help='with --catalog sql: SQLite even when the stack has PostgreSQL')
    p.add_argument('--sql-database', default='iceberg_catalog', help='PostgreSQL database of the SQL catalog')
    p.add_argument('--rows', type=int, default=1000000)
    p.add_argument('--repeats', type=int, default=9)
    p.add_argument('--s3-endpoint')
    p.add_argument('--access-key')
    p.add_argument('--secret-key')
    p.add_argument('--region', default='us-east-1')
    p.add_argument('--checksum', default='when_required', choices=['when_required', 'when_supported'])
    p.add_argument('--ansible', action='store_true', help='also time one append through ansible-playbook')
    p.add_argument('--json-out', help='also write the JSON result to this file')
    p.add_argument('--keep', action='store_true', help='do not delete the bucket/catalog afterwards')
    return p.parse_args()


class Env(object):
    """Catalog + bucket of one benchmark run (created here, removed in close())."""

    def __init__(self, args):
        self.args = args
        s3 = load_json(os.path.join(STATE, 's3.json')) if os.path.exists(os.path.join(STATE, 's3.json')) else {}
        self.endpoint = args.s3_endpoint or s3.get('endpoint_url')
        self.access_key = args.access_key or s3.get('access_key')
        self.secret_key = args.secret_key or s3.get('secret_key')
        self.region = args.region or s3.get('region') or 'us-east-1'
        if not (self.endpoint and self.access_key and self.secret_key):
            sys.exit('no S3 endpoint: start the local stack or give --s3-endpoint/--access-key/--secret-key')
        polaris_file = os.path.join(STATE, 'polaris.json')
        self.kind = args.catalog or ('rest' if os.path.exists(polaris_file) else 'sql')
        self.polaris = load_json(polaris_file) if self.kind == 'rest' else None
        suffix = uuid.uuid4().hex[:8]
        self.bucket = 'bench-ice-%s' % suffix
        self.catalog_name = 'bench_ice_%s' % suffix
        self.principal = 'bench_ice_%s_writer' % suffix
        self.tmp = tempfile.mkdtemp(prefix='bench-ice-')
        os.environ['AWS_REQUEST_CHECKSUM_CALCULATION'] = args.checksum
        os.environ['AWS_RESPONSE_CHECKSUM_VALIDATION'] = args.checksum
        import boto3
        from botocore.config import Config
        self.s3 = boto3.client('s3', endpoint_url=self.endpoint, aws_access_key_id=self.access_key,
                               aws_secret_access_key=self.secret_key, region_name=self.region,
                               config=Config(s3={'addressing_style': 'path'},
                                             request_checksum_calculation=args.checksum,
                                             response_checksum_validation=args.checksum))
        self.s3.create_bucket(Bucket=self.bucket)
        self.params = dict(endpoint_url=self.endpoint, access_key=self.access_key, secret_key=self.secret_key,
                           region=self.region, request_checksum_calculation=args.checksum,
                           response_checksum_validation=args.checksum, s3_path_style_access=True,
                           catalog_properties={}, commit_retries=8, commit_retry_max_wait=5.0, catalog_name='bench',
                           catalog_password=None,
                           validate_certs=True, ca_bundle=None, connect_timeout=5, read_timeout=60)
        if self.kind == 'rest':
            self._setup_polaris()
        elif self.kind == 'hive':
            hms = load_json(os.path.join(STATE, 'hive_metastore.json'))
            self.params.update(catalog_type='hive', catalog_name=self.catalog_name, catalog_uri=hms['uri'],
                               warehouse='s3://%s/warehouse' % self.bucket)
            self.kind = 'Hive Metastore %s' % hms['uri']
        else:
            pg_file = os.path.join(STATE, 'postgresql.json')
            self.params.update(catalog_type='sql', catalog_name=self.catalog_name,
                               warehouse='s3://%s/warehouse' % self.bucket)
            if os.path.exists(pg_file) and not args.sqlite:
                pg = load_json(pg_file)
                self.params.update(catalog_uri='postgresql+psycopg://%s@%s:%s/%s' % (
                    pg['user'], pg['host'], pg['port'], args.sql_database), catalog_password=pg['password'])
                self.kind = 'sql (PostgreSQL %s)' % args.sql_database
            else:
                self.params.update(catalog_uri='sqlite:///%s/catalog.db' % self.tmp)
                self.kind = 'sql (SQLite)'

    # Polaris management API --------------------------------------------------------------------------------------
    def _headers(self, token=None):
        h = {}
        if self.polaris.get('realm'):
            h['Polaris-Realm'] = self.polaris['realm']
        if token:
            h['Authorization'] = 'Bearer ' + token
        return h

    def _token(self, client_id, secret):
        import requests
        r = requests.post(self.polaris['uri'].rstrip('/') + '/api/catalog/v1/oauth/tokens', headers=self._headers(),
                          data=dict(grant_type='client_credentials', client_id=client_id, client_secret=secret,
                                    scope='PRINCIPAL_ROLE:ALL'), timeout=30)
        r.raise_for_status()
        return r.json()['access_token']

    def _mgmt(self, method, path, body=None, ok=(200, 201, 204)):
        import requests
        r = requests.request(method, self.polaris['uri'].rstrip('/') + '/api/management/v1/' + path,
                             headers=self._headers(self.root_token), json=body, timeout=30)
        if r.status_code not in ok:
            raise RuntimeError('%s %s: %s %s' % (method, path, r.status_code, r.text[:300]))
        return r.json() if r.text else {}

    def _setup_polaris(self):
        self.root_token = self._token(self.polaris['client_id'], self.polaris['client_secret'])
        self._mgmt('POST', 'catalogs', {'catalog': {
            'name': self.catalog_name, 'type': 'INTERNAL',
            'properties': {'default-base-location': 's3://%s/warehouse' % self.bucket,
                           'polaris.config.drop-with-purge.enabled': 'true'},
            'storageConfigInfo': {'storageType': 'S3', 'allowedLocations': ['s3://%s/' % self.bucket],
                                  'endpoint': self.endpoint, 'pathStyleAccess': True, 'stsUnavailable': True,
                                  'region': self.region}}})
        created = self._mgmt('POST', 'principals',
                             {'principal': {'name': self.principal}, 'credentialRotationRequired': False})
        self._mgmt('POST', 'principal-roles', {'principalRole': {'name': self.principal + '_role'}})
        self._mgmt('PUT', 'principals/%s/principal-roles' % self.principal,
                   {'principalRole': {'name': self.principal + '_role'}})
        self._mgmt('POST', 'catalogs/%s/catalog-roles' % self.catalog_name, {'catalogRole': {'name': 'writer'}})
        self._mgmt('PUT', 'catalogs/%s/catalog-roles/writer/grants' % self.catalog_name,
                   {'grant': {'type': 'catalog', 'privilege': 'CATALOG_MANAGE_CONTENT'}})
        self._mgmt('PUT', 'principal-roles/%s_role/catalog-roles/%s' % (self.principal, self.catalog_name),
                   {'catalogRole': {'name': 'writer'}})
        self.params.update(catalog_type='rest', catalog_uri=self.polaris['uri'].rstrip('/') + '/api/catalog',
                           warehouse=self.catalog_name, client_id=created['credentials']['clientId'],
                           client_secret=created['credentials']['clientSecret'], realm=self.polaris.get('realm'),
                           oauth_scope='PRINCIPAL_ROLE:ALL', realm_header='Polaris-Realm')

    def close(self, catalog=None, namespaces=()):
        if self.args.keep:
            return
        if catalog is not None:
            for ns in namespaces:
                try:
                    for ident in catalog.list_tables(ns):
                        catalog.drop_table(ident)
                    catalog.drop_namespace(ns)
                except Exception as exc:  # best effort
                    print('clean-up of %s: %s' % (ns, exc), file=sys.stderr)
        if self.kind == 'rest' and getattr(self, 'root_token', None):
            for method, path in (('DELETE', 'catalogs/%s/catalog-roles/writer' % self.catalog_name),
                                 ('DELETE', 'catalogs/%s' % self.catalog_name),
                                 ('DELETE', 'principal-roles/%s_role' % self.principal),
                                 ('DELETE', 'principals/%s' % self.principal)):
                try:
                    self._mgmt(method, path, ok=(204, 404))
                except Exception as exc:
                    print('clean-up %s: %s' % (path, exc), file=sys.stderr)
        paginator = self.s3.get_paginator('list_objects_v2')
        for page in paginator.paginate(Bucket=self.bucket):
            keys = [{'Key': o['Key']} for o in page.get('Contents', [])]
            if keys:
                self.s3.delete_objects(Bucket=self.bucket, Delete={'Objects': keys, 'Quiet': True})
        self.s3.delete_bucket(Bucket=self.bucket)
        shutil.rmtree(self.tmp, ignore_errors=True)


def make_parquet(path, rows):
    import pyarrow as pa
    import pyarrow.parquet as pq
    import numpy as np
    rng = np.random.default_rng(42)
    start = int(datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc).timestamp() * 1e6)
    schema = pa.schema([pa.field('id', pa.int64(), nullable=False), pa.field('ts', pa.timestamp('us', tz='UTC')),
                        pa.field('region', pa.string()), pa.field('qty', pa.int32()), pa.field('price', pa.float64())])
    table = pa.table({
        'id': pa.array(np.arange(rows, dtype=np.int64)),
        'ts': pa.array(start + rng.integers(0, 7 * 86400 * 10 ** 6, rows), type=pa.timestamp('us', tz='UTC')),
        'region': pa.array(rng.choice(['eu', 'us', 'apac', 'latam'], rows)).cast(pa.string()),
        'qty': pa.array(rng.integers(1, 100, rows, dtype=np.int32)),
        'price': pa.array(rng.random(rows) * 100),
    }, schema=schema)
    pq.write_table(table, path, compression='snappy')
    return os.path.getsize(path)


SCHEMA = [dict(name='id', type='long', required=True), dict(name='ts', type='timestamptz'),
          dict(name='region', type='string'), dict(name='qty', type='int'), dict(name='price', type='double')]
PROPS = {'write.format.default': 'parquet', 'write.parquet.compression-codec': 'snappy'}


def table_params(env, ns, name, **extra):
    p = dict(env.params)
    p.update(namespace=ns, name=name, state='present', purge=False, create_namespace=True, properties=dict(PROPS),
             purge_properties=False, allow_breaking_changes=[], format_version=None, location=None)
    p.update(extra)
    return p


def module_create(env, ns, name, partitioned):
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.service import run_table
    t0 = time.perf_counter()
    run_table(table_params(env, ns, name, schema=SCHEMA, partition_spec=['day(ts)'] if partitioned else []))
    return time.perf_counter() - t0


def raw_create(env, ns, name, partitioned):
    from pyiceberg.catalog import load_catalog
    from pyiceberg.partitioning import PartitionField, PartitionSpec
    from pyiceberg.schema import Schema
    from pyiceberg.transforms import DayTransform
    from pyiceberg import types as T
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.options import catalog_properties
    t0 = time.perf_counter()
    catalog = load_catalog(env.params['catalog_name'], **catalog_properties(env.params))
    try:
        catalog.create_namespace(ns)
    except Exception:
        pass
    schema = Schema(T.NestedField(1, 'id', T.LongType(), required=True), T.NestedField(2, 'ts', T.TimestamptzType()),
                    T.NestedField(3, 'region', T.StringType()), T.NestedField(4, 'qty', T.IntegerType()),
                    T.NestedField(5, 'price', T.DoubleType()))
    spec = PartitionSpec(PartitionField(2, 1000, DayTransform(), 'ts_day')) if partitioned else PartitionSpec()
    catalog.create_table((ns, name), schema=schema, partition_spec=spec, properties=dict(PROPS))
    return time.perf_counter() - t0


def cpu_seconds():
    """User + system CPU time of this process (all threads): the work done, whatever else loads the machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def module_append(env, ns, name, path):
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.service import run_table
    t0 = time.perf_counter()
    result = run_table(table_params(env, ns, name, data=dict(
        mode='append', src=path, format='parquet', branch='main', snapshot_properties={}, filter=None,
        idempotency_key=None, rows=None)))
    elapsed = time.perf_counter() - t0
    return elapsed, result['data']['added_rows']


def raw_append(env, ns, name, path):
    import pyarrow.parquet as pq
    from pyiceberg.catalog import load_catalog
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.options import catalog_properties
    t0 = time.perf_counter()
    catalog = load_catalog(env.params['catalog_name'], **catalog_properties(env.params))
    tbl = catalog.load_table((ns, name))
    df = pq.read_table(path)
    tbl.append(df)
    elapsed = time.perf_counter() - t0
    return elapsed, df.num_rows


def module_evolve(env, ns, name):
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.service import run_table
    schema = [dict(c) for c in SCHEMA]
    schema[3]['type'] = 'long'
    schema.append(dict(name='channel', type='string'))
    t0 = time.perf_counter()
    run_table(table_params(env, ns, name, schema=schema))
    return time.perf_counter() - t0


def raw_evolve(env, ns, name):
    from pyiceberg.catalog import load_catalog
    from pyiceberg import types as T
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.options import catalog_properties
    t0 = time.perf_counter()
    catalog = load_catalog(env.params['catalog_name'], **catalog_properties(env.params))
    tbl = catalog.load_table((ns, name))
    with tbl.update_schema() as update:
        update.update_column('qty', field_type=T.LongType())
        update.add_column('channel', T.StringType())
    return time.perf_counter() - t0


def first_snapshot_id(env, ns, name):
    from pyiceberg.catalog import load_catalog
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.options import catalog_properties
    tbl = load_catalog(env.params['catalog_name'], **catalog_properties(env.params)).load_table((ns, name))
    return tbl.metadata.snapshots[0].snapshot_id


def module_time_travel(env, ns, name, limit, snapshot_id):
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.service import run_info
    p = table_params(env, ns, name, files=False, snapshots=False)
    t0 = time.perf_counter()
    out = run_info(dict(p, query=dict(snapshot_id=snapshot_id, limit=limit)))
    return time.perf_counter() - t0, out['query']['row_count']


def raw_time_travel(env, ns, name, limit, snapshot_id):
    from pyiceberg.catalog import load_catalog
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.options import catalog_properties
    t0 = time.perf_counter()
    tbl = load_catalog(env.params['catalog_name'], **catalog_properties(env.params)).load_table((ns, name))
    rows = tbl.scan(snapshot_id=snapshot_id, limit=limit).to_arrow().to_pylist()
    return time.perf_counter() - t0, len(rows)


def ansible_append(env, ns, name, path):
    playbook = os.path.join(env.tmp, 'append.yml')
    args = dict(env.params)
    args = dict((k, v) for k, v in args.items() if v is not None)
    args.update(namespace=ns, name=name, data=dict(src=path, format='parquet'))
    with open(playbook, 'w') as handle:
        json.dump([{'hosts': 'localhost', 'gather_facts': False, 'tasks': [
            {'dataplatform.lakehouse.iceberg_table': args, 'no_log': True}]}], handle)
    env_vars = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'))
    t0 = time.perf_counter()
    subprocess.run([os.path.join(ROOT, '.venv', 'bin', 'ansible-playbook'), playbook], cwd=ROOT, env=env_vars,
                   check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def emit(results, table_text, json_out=None):
    """The end of every benchmark here: the load at the end, the Markdown table, the JSON (and the file)."""
    results['load_average_at_end'] = [round(x, 2) for x in os.getloadavg()]
    print(table_text)
    print()
    print(json.dumps(results, indent=2))
    if json_out:
        with open(json_out, 'w') as handle:
            json.dump(results, handle, indent=2)


def main():
    args = parse_args()
    env = Env(args)
    results = dict(catalog=env.kind, s3_endpoint=env.endpoint, rows=args.rows, repeats=args.repeats,
                   checksum=args.checksum, append=[], calls=[])
    namespaces = ['bench_raw', 'bench_mod']
    catalog = None
    try:
        path = os.path.join(env.tmp, 'rows.parquet')
        results['parquet_bytes'] = make_parquet(path, args.rows)
        results['estimated_bytes_written'] = results['parquet_bytes'] * 4 * (args.repeats + 1)
        print('writing about %.1f GB to %s (freed by RGW garbage collection later)'
              % (results['estimated_bytes_written'] / 1e9, env.endpoint), file=sys.stderr)
        import pyarrow.parquet as pq
        pq.read_table(path)   # page cache warm-up, so that neither side pays the first read
        from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.catalog import connect
        from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.options import apply_s3_environment
        apply_s3_environment(env.params)
        catalog = connect(env.params)
        # warm-up: imports, S3 client initialisation, first token
        module_create(env, 'bench_mod', 'warmup', False)
        raw_create(env, 'bench_raw', 'warmup', False)
        calls = {}
        for partitioned in (False, True):
            label = 'day-partitioned' if partitioned else 'unpartitioned'
            name = 'append_%s' % ('day' if partitioned else 'flat')
            calls.setdefault('create', {'module': [], 'raw': []})
            calls['create']['module'].append(module_create(env, 'bench_mod', name, partitioned))
            calls['create']['raw'].append(raw_create(env, 'bench_raw', name, partitioned))
            mod_times, raw_times, mod_cpu, raw_cpu = [], [], [], []
            for i in range(args.repeats):
                order = [('module', module_append, 'bench_mod'), ('raw', raw_append, 'bench_raw')]
                if i % 2:
                    order.reverse()
                for kind, fn, ns in order:
                    cpu0 = cpu_seconds()
                    elapsed, count = fn(env, ns, name, path)
                    cpu = cpu_seconds() - cpu0
                    assert count == args.rows, (kind, count)
                    (mod_times if kind == 'module' else raw_times).append(elapsed)
                    (mod_cpu if kind == 'module' else raw_cpu).append(cpu)
            mod = statistics.median(mod_times)
            raw = statistics.median(raw_times)
            results['append'].append(dict(table=label, module_s=round(mod, 3), raw_s=round(raw, 3),
                                          module_rows_per_s=int(args.rows / mod), raw_rows_per_s=int(args.rows / raw),
                                          ratio=round(statistics.median(r / m for r, m in zip(raw_times, mod_times)), 3),
                                          ratio_of_medians=round(raw / mod, 3),
                                          best_ratio=round(min(raw_times) / min(mod_times), 3),
                                          module_cpu_s=round(statistics.median(mod_cpu), 3),
                                          raw_cpu_s=round(statistics.median(raw_cpu), 3),
                                          cpu_ratio=round(statistics.median(raw_cpu) / statistics.median(mod_cpu), 3),
                                          module_runs=[round(x, 3) for x in mod_times],
                                          raw_runs=[round(x, 3) for x in raw_times]))
        for label, mfn, rfn in (('evolve', module_evolve, raw_evolve),):
            calls[label] = {'module': [mfn(env, 'bench_mod', 'append_flat')], 'raw': [rfn(env, 'bench_raw', 'append_flat')]}
        label = 'time travel (first snapshot, 1000 rows)'
        calls[label] = {'module': [], 'raw': []}
        first_mod = first_snapshot_id(env, 'bench_mod', 'append_flat')
        first_raw = first_snapshot_id(env, 'bench_raw', 'append_flat')
        for unused in range(args.repeats):
            calls[label]['module'].append(module_time_travel(env, 'bench_mod', 'append_flat', 1000, first_mod)[0])
            calls[label]['raw'].append(raw_time_travel(env, 'bench_raw', 'append_flat', 1000, first_raw)[0])
        for label, times in calls.items():
            mod, raw = statistics.median(times['module']), statistics.median(times['raw'])
            results['calls'].append(dict(call=label, module_s=round(mod, 3), raw_s=round(raw, 3),
                                         ratio=round(raw / mod, 3)))
        if args.ansible:
            results['ansible_playbook_append_s'] = round(ansible_append(env, 'bench_mod', 'append_flat', path), 3)
    finally:
        env.close(catalog, namespaces)
    lines = ['| append %d rows (%s catalog), %d runs each | module s (median) | raw PyIceberg s (median) '
             '| module rows/s | raw rows/s | ratio (median of paired runs) | ratio of medians | ratio of best runs '
             '| CPU s module / raw (ratio) |'
             % (args.rows, env.kind, args.repeats), '|---|---|---|---|---|---|---|---|---|']
    for a in results['append']:
        lines.append('| %s | %.3f | %.3f | %d | %d | %.3f | %.3f | %.3f | %.2f / %.2f (%.3f) |'
                     % (a['table'], a['module_s'], a['raw_s'], a['module_rows_per_s'], a['raw_rows_per_s'], a['ratio'],
                        a['ratio_of_medians'], a['best_ratio'], a['module_cpu_s'], a['raw_cpu_s'], a['cpu_ratio']))
    lines += ['', '| call | module s | raw PyIceberg s | ratio (raw/module) |', '|---|---|---|---|']
    for c in results['calls']:
        lines.append('| %s | %.3f | %.3f | %.3f |' % (c['call'], c['module_s'], c['raw_s'], c['ratio']))
    if 'ansible_playbook_append_s' in results:
        lines.append('')
        lines.append('ansible-playbook append of the same file (process start and imports included): %.3f s'
                     % results['ansible_playbook_append_s'])
    results['target_met'] = all(a['ratio'] >= 0.9 for a in results['append'])
    results['cpus'] = os.cpu_count()
    emit(results, '\n'.join(lines), args.json_out)
    return 0 if results['target_met'] else 1


if __name__ == '__main__':
    sys.exit(main())
