#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of dataplatform.lakehouse.metastore_backup against the raw clients, in one command.

1. Generates a catalog-like PostgreSQL database of --size-mb (default 1024 MB, as reported by
   pg_database_size): Polaris's tables (polaris_schema.entities with JSONB properties, grant_records,
   policy_mapping_record) plus Iceberg-catalog-like tables (snapshots with JSON summaries, metadata log with
   large JSON text, columns), with their indexes.
2. Raw baseline: `pg_dump -Fc | aws s3 cp - s3://...` and `pg_restore -d <new db> <local file>`.
3. The module (plugins/modules/metastore_backup.py run as a process, as Ansible runs it): state=backup to the
   same S3 endpoint and state=restore into a new database; wall time and the module process's peak RSS.
4. The same module runs on a second, smaller database (--rss-size-mb) to show peak RSS does not grow with size.
Prints a markdown table and a JSON document (also written to --json).

Connection settings default to the local stack's credentials files
(/var/lib/dataplatform-lakehouse/credentials/{s3,postgresql}.json) and can be given as options.
Everything it creates is named with a unique prefix and removed at the end (--keep-source keeps the generated
databases for a rerun with --reuse).

Quick run:  .venv/bin/python benchmarks/metastore_backup.py --size-mb 64 --rss-size-mb 16
"""

from __future__ import absolute_import, division, print_function

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODULE = os.path.join(ROOT, 'plugins', 'modules', 'metastore_backup.py')
CREDENTIALS = os.path.join(os.environ.get('LAKEHOUSE_STATE_DIR') or '/var/lib/dataplatform-lakehouse', 'credentials')
MB = 1000 * 1000
MIB = 1024 * 1024

sys.path.insert(0, os.path.join(ROOT, '.collections'))

import boto3  # noqa: E402
import psycopg  # noqa: E402
from botocore.config import Config  # noqa: E402
from psycopg import sql  # noqa: E402

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.postgresql.tools import find_pg_tools  # noqa: E402


# ------------------------------------------------------------------------------------------ settings

def load_json(path):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (IOError, OSError, ValueError):
        return {}


def parse_args(argv=None):
    s3 = load_json(os.path.join(CREDENTIALS, 's3.json'))
    pg = load_json(os.path.join(CREDENTIALS, 'postgresql.json'))
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--size-mb', type=int, default=1024, help='size of the generated database (MB, default 1024)')
    parser.add_argument('--rss-size-mb', type=int, default=128,
                        help='second, smaller database for the peak-RSS comparison (0 to skip; default 128)')
    parser.add_argument('--endpoint-url', default=os.environ.get('MB_S3_ENDPOINT', s3.get('endpoint_url')))
    parser.add_argument('--access-key', default=os.environ.get('MB_S3_ACCESS_KEY', s3.get('access_key')))
    parser.add_argument('--secret-key', default=os.environ.get('MB_S3_SECRET_KEY', s3.get('secret_key')))
    parser.add_argument('--region', default=s3.get('region', 'us-east-1'))
    parser.add_argument('--pg-host', default=os.environ.get('MB_PG_HOST', pg.get('host', '127.0.0.1')))
    parser.add_argument('--pg-port', type=int, default=int(os.environ.get('MB_PG_PORT', pg.get('port', 5432))))
    parser.add_argument('--pg-user', default=os.environ.get('MB_PG_USER', pg.get('admin_user', 'postgres')))
    parser.add_argument('--pg-password', default=os.environ.get('MB_PG_PASSWORD', pg.get('admin_password')))
    parser.add_argument('--prefix', default='mbbench_%s' % uuid.uuid4().hex[:6],
                        help='name prefix of the databases and bucket created (default random)')
    parser.add_argument('--part-size-mb', type=int, default=8)
    parser.add_argument('--repeat', type=int, default=1,
                        help='raw/module runs per measure, alternating which goes first; medians are reported')
    parser.add_argument('--reuse', action='store_true', help='reuse generated databases of the same --prefix')
    parser.add_argument('--keep-source', action='store_true', help='keep the generated databases')
    parser.add_argument('--json', help='also write the JSON result to this file')
    args = parser.parse_args(argv)
    missing = [name for name in ('endpoint_url', 'access_key', 'secret_key', 'pg_password') if not getattr(args, name)]
    if missing:
        parser.error('missing %s (no local stack credentials found; pass them as options)' % ', '.join(missing))
    return args


# ------------------------------------------------------------------------------------------ data generation

SCHEMA = """
CREATE SCHEMA IF NOT EXISTS polaris_schema;
CREATE TABLE IF NOT EXISTS polaris_schema.version (version_key TEXT PRIMARY KEY, version_value INTEGER NOT NULL);
INSERT INTO polaris_schema.version VALUES ('version', 1) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS polaris_schema.entities (
    realm_id TEXT NOT NULL, catalog_id BIGINT NOT NULL, id BIGINT NOT NULL, parent_id BIGINT NOT NULL,
    name TEXT NOT NULL, entity_version INT NOT NULL, type_code INT NOT NULL, sub_type_code INT NOT NULL,
    create_timestamp BIGINT NOT NULL, drop_timestamp BIGINT NOT NULL, purge_timestamp BIGINT NOT NULL,
    to_purge_timestamp BIGINT NOT NULL, last_update_timestamp BIGINT NOT NULL,
    properties JSONB NOT NULL DEFAULT '{}'::JSONB, internal_properties JSONB NOT NULL DEFAULT '{}'::JSONB,
    grant_records_version INT NOT NULL,
    PRIMARY KEY (realm_id, id),
    CONSTRAINT constraint_name UNIQUE (realm_id, catalog_id, parent_id, type_code, name));
CREATE INDEX IF NOT EXISTS idx_entities ON polaris_schema.entities (realm_id, catalog_id, id);
CREATE TABLE IF NOT EXISTS polaris_schema.grant_records (
    realm_id TEXT NOT NULL, securable_catalog_id BIGINT NOT NULL, securable_id BIGINT NOT NULL,
    grantee_catalog_id BIGINT NOT NULL, grantee_id BIGINT NOT NULL, privilege_code INTEGER,
    PRIMARY KEY (realm_id, securable_catalog_id, securable_id, grantee_catalog_id, grantee_id, privilege_code));
CREATE TABLE IF NOT EXISTS polaris_schema.policy_mapping_record (
    realm_id TEXT NOT NULL, target_catalog_id BIGINT NOT NULL, target_id BIGINT NOT NULL,
    policy_type_code INTEGER NOT NULL, policy_catalog_id BIGINT NOT NULL, policy_id BIGINT NOT NULL,
    parameters JSONB NOT NULL DEFAULT '{}'::JSONB,
    PRIMARY KEY (realm_id, target_catalog_id, target_id, policy_type_code, policy_catalog_id, policy_id));
CREATE SCHEMA IF NOT EXISTS iceberg;
CREATE TABLE IF NOT EXISTS iceberg.snapshots (
    id BIGSERIAL PRIMARY KEY, table_id BIGINT NOT NULL, snapshot_id BIGINT NOT NULL, parent_snapshot_id BIGINT,
    committed_at TIMESTAMPTZ NOT NULL, manifest_list TEXT NOT NULL, summary JSONB NOT NULL);
CREATE INDEX IF NOT EXISTS snapshots_table ON iceberg.snapshots (table_id, committed_at);
CREATE TABLE IF NOT EXISTS iceberg.metadata_log (
    id BIGSERIAL PRIMARY KEY, table_id BIGINT NOT NULL, metadata_location TEXT NOT NULL, metadata_json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS metadata_log_location ON iceberg.metadata_log (metadata_location);
CREATE TABLE IF NOT EXISTS iceberg.columns (
    table_id BIGINT NOT NULL, field_id INT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, doc TEXT,
    PRIMARY KEY (table_id, field_id));
"""

BATCH = """
INSERT INTO polaris_schema.entities
SELECT 'POLARIS', g / 5000, g, g / 50, 'entity_' || g, 1 + g % 3, 1 + g % 10, g % 2,
       1700000000000 + g, 0, 0, 0, 1700000000000 + g * 7,
       jsonb_build_object('location', 's3://warehouse/ns_' || (g / 50) || '/table_' || g,
                          'metadata-location', 's3://warehouse/ns_' || (g / 50) || '/table_' || g || '/metadata/'
                              || md5(g::text) || '.metadata.json',
                          'owner', 'svc_' || (g % 17), 'format-version', '2', 'write.parquet.compression-codec', 'zstd',
                          'comment', 'catalog entity ' || g || ' ' || md5((g * 3)::text)),
       jsonb_build_object('parent-namespace', 'ns_' || (g / 50), 'client-id', md5((g * 7)::text)), 1
FROM generate_series({lo}, {hi}) g;
INSERT INTO polaris_schema.grant_records
SELECT 'POLARIS', g / 5000, g, 0, g % 97, 1 + s FROM generate_series({lo}, {hi}) g, generate_series(0, 1) s;
INSERT INTO polaris_schema.policy_mapping_record
SELECT 'POLARIS', g / 5000, g, 1 + g % 4, 0, g % 13,
       jsonb_build_object('max-snapshot-age-ms', 86400000::bigint * (1 + g % 30), 'min-snapshots-to-keep', 1 + g % 5)
FROM generate_series({lo}, {hi}, 4) g;
INSERT INTO iceberg.snapshots (table_id, snapshot_id, parent_snapshot_id, committed_at, manifest_list, summary)
SELECT g, g * 10 + s, CASE WHEN s > 0 THEN g * 10 + s - 1 END, now() - (s || ' hours')::interval,
       's3://warehouse/t' || g || '/metadata/snap-' || (g * 10 + s) || '-1-' || md5((g * 10 + s)::text) || '.avro',
       jsonb_build_object('operation', (ARRAY['append', 'overwrite', 'delete'])[1 + s % 3],
                          'added-data-files', (g * s) % 100, 'added-records', (g * 31 + s) % 100000,
                          'total-records', g::bigint * 1000 + s, 'total-files-size', g::bigint * 4096 + s,
                          'spark.app.id', 'app-' || md5((g + s)::text))
FROM generate_series({lo}, {hi}) g, generate_series(0, 3) s;
INSERT INTO iceberg.metadata_log (table_id, metadata_location, metadata_json)
SELECT g, 's3://warehouse/t' || g || '/metadata/' || md5(g::text) || '.metadata.json',
       '{{"format-version":2,"table-uuid":"' || md5(g::text) || '","location":"s3://warehouse/t' || g
       || '","last-sequence-number":' || g || ',"last-updated-ms":' || (1700000000000 + g)
       || ',"schemas":[{{"type":"struct","schema-id":0,"fields":['
       || repeat('{{"id":1,"name":"event_time","required":false,"type":"timestamptz"}},', 6)
       || '{{"id":9,"name":"payload","required":false,"type":"string"}}]}}],"properties":{{"owner":"'
       || md5((g * 11)::text) || '","write.metadata.delete-after-commit.enabled":"true"}},"snapshots":['
       || repeat('{{"snapshot-id":' || g || ',"manifest-list":"s3://warehouse/t' || g || '/metadata/snap-'
                 || md5((g * 13)::text) || '.avro"}},', 3) || '{{}}]}}'
FROM generate_series({lo}, {hi}, 2) g;
INSERT INTO iceberg.columns
SELECT g, f, 'col_' || f, (ARRAY['long', 'string', 'timestamptz', 'double', 'decimal(18,2)'])[1 + f % 5],
       'column ' || f || ' of table ' || g
FROM generate_series({lo}, {hi}, 2) g, generate_series(1, 6) f;
"""


def pg_connect(args, database='postgres'):
    return psycopg.connect(host=args.pg_host, port=args.pg_port, user=args.pg_user, password=args.pg_password,
                           dbname=database, autocommit=True)


def database_size(args, database):
    with pg_connect(args) as conn:
        row = conn.execute('SELECT pg_database_size(%s) FROM pg_database WHERE datname = %s',
                           (database, database)).fetchone()
    return row[0] if row else None


def generate(args, database, size_mb):
    """Create `database` and fill it until pg_database_size >= size_mb MB. Returns (bytes, seconds)."""
    started = time.time()
    existing = database_size(args, database)
    if existing and args.reuse and existing >= size_mb * MB * 0.97:
        return existing, 0.0
    with pg_connect(args) as admin:
        admin.execute(sql.SQL('DROP DATABASE IF EXISTS {} WITH (FORCE)').format(sql.Identifier(database)))
        admin.execute(sql.SQL('CREATE DATABASE {}').format(sql.Identifier(database)))
    with pg_connect(args, database) as conn:
        conn.execute('SET synchronous_commit = off')
        conn.execute(SCHEMA)
        empty = conn.execute('SELECT pg_database_size(current_database())').fetchone()[0]
        lo, batch = 1, 2000
        while True:
            conn.execute(BATCH.format(lo=lo, hi=lo + batch - 1))
            lo += batch
            size = conn.execute('SELECT pg_database_size(current_database())').fetchone()[0]
            if size >= size_mb * MB:
                break
            # Scale the next batch from the bytes per generated entity so far (aim at 98% of what is left).
            per_row = max(1.0, (size - empty) / float(lo - 1))
            batch = int(max(500, min(200000, 0.98 * (size_mb * MB - size) / per_row)))
        conn.execute('VACUUM ANALYZE')
        size = conn.execute('SELECT pg_database_size(current_database())').fetchone()[0]
    return size, time.time() - started


# ------------------------------------------------------------------------------------------ measuring

class PeakRss(threading.Thread):
    """Samples VmHWM/VmRSS of one process (not its children) until it exits."""

    def __init__(self, pid):
        super(PeakRss, self).__init__(daemon=True)
        self.pid, self.peak_kb, self.stop = pid, 0, threading.Event()

    def run(self):
        while not self.stop.is_set():
            try:
                with open('/proc/%d/status' % self.pid) as handle:
                    for line in handle:
                        if line.startswith(('VmHWM:', 'VmRSS:')):
                            self.peak_kb = max(self.peak_kb, int(line.split()[1]))
            except (IOError, OSError, ValueError):
                break
            time.sleep(0.02)


def run_module(module_args, env):
    """Run the module as Ansible would (a process reading its args file); (result, seconds, peak_rss_mib)."""
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': module_args}, handle)
        path = handle.name
    try:
        started = time.time()
        proc = subprocess.Popen([sys.executable, MODULE, path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=env)
        sampler = PeakRss(proc.pid)
        sampler.start()
        out, err = proc.communicate()
        elapsed = time.time() - started
        sampler.stop.set()
    finally:
        os.unlink(path)
    text = out.decode('utf-8', 'replace')
    try:
        result = json.loads(text[text.index('{'):])
    except ValueError:
        raise SystemExit('module produced no JSON: %s %s' % (text[-2000:], err.decode('utf-8', 'replace')[-2000:]))
    if result.get('failed'):
        raise SystemExit('module failed: %s' % result.get('msg'))
    return result, elapsed, sampler.peak_kb / 1024.0


def run_shell(command, env):
    started = time.time()
    proc = subprocess.run(['bash', '-o', 'pipefail', '-c', command], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, check=False)
    elapsed = time.time() - started
    if proc.returncode != 0:
        raise SystemExit('raw command failed (%d): %s\n%s'
                         % (proc.returncode, command, proc.stderr.decode('utf-8', 'replace')[-2000:]))
    return elapsed


def drop_database(args, database):
    with pg_connect(args) as admin:
        admin.execute(sql.SQL('DROP DATABASE IF EXISTS {} WITH (FORCE)').format(sql.Identifier(database)))


# ------------------------------------------------------------------------------------------ one size

def median(values):
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2.0


def bench_size(args, s3, bucket, tools, database, size_mb, raw=True):
    """Raw and module runs on one database, alternating which goes first; medians of --repeat runs.

    size_mb None: measure `database` as it is (benchmarks/polaris_backup.py, on Polaris's own database)."""
    if size_mb is None:
        size, gen_seconds = database_size(args, database), 0.0
    else:
        size, gen_seconds = generate(args, database, size_mb)
    row = dict(database=database, requested_mb=size_mb, db_bytes=size, generate_seconds=round(gen_seconds, 1))
    module_env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, '.collections'))
    conn_args = dict(host=args.pg_host, port=args.pg_port, user=args.pg_user, password=args.pg_password,
                     endpoint_url=args.endpoint_url, access_key=args.access_key, secret_key=args.secret_key,
                     region=args.region, bucket=bucket, bin_dir=tools['bin_dir'])
    raw_env = dict(os.environ, PGPASSWORD=args.pg_password, AWS_ACCESS_KEY_ID=args.access_key,
                   AWS_SECRET_ACCESS_KEY=args.secret_key, AWS_DEFAULT_REGION=args.region)
    pg = '--host %s --port %d --username %s' % (args.pg_host, args.pg_port, args.pg_user)
    key = 'raw/%s.dump' % database
    workdir = tempfile.mkdtemp(prefix='mbbench-')
    local = os.path.join(workdir, 'raw.dump')
    samples = dict((name, []) for name in (
        'raw_backup', 'module_backup', 'raw_restore', 'module_restore', 'module_restore_nocount',
        'module_backup_rss', 'module_restore_rss'))
    timings = dict(backup=[], restore=[])

    def raw_backup():
        samples['raw_backup'].append(run_shell(
            '%s -Fc --no-password %s --dbname %s | %s s3 cp --only-show-errors --endpoint-url %s - s3://%s/%s'
            % (tools['pg_dump'], pg, database, os.path.join(os.path.dirname(sys.executable), 'aws'),
               args.endpoint_url, bucket, key), raw_env))
        row['raw_dump_bytes'] = s3.head_object(Bucket=bucket, Key=key)['ContentLength']

    def module_backup():
        result, seconds, rss = run_module(dict(conn_args, state='backup', database=database, prefix='module',
                                               part_size_mb=args.part_size_mb, keep_last=1), module_env)
        samples['module_backup'].append(seconds)
        samples['module_backup_rss'].append(rss)
        timings['backup'].append(result.get('timings'))
        row['module_dump_bytes'] = result['backup']['size']

    def raw_restore():
        if not os.path.exists(local):
            s3.download_file(bucket, key, local)
        try:
            # Restoring into a new database: createdb, then pg_restore (the module creates its database too).
            samples['raw_restore'].append(run_shell(
                '%s --no-password %s %s && %s --no-password --exit-on-error %s --dbname %s %s'
                % (os.path.join(tools['bin_dir'], 'createdb'), pg, database + '_rawr', tools['pg_restore'], pg,
                   database + '_rawr', local), raw_env))
        finally:
            drop_database(args, database + '_rawr')

    def module_restore(check_row_counts=True):
        try:
            result, seconds, rss = run_module(dict(conn_args, state='restore', prefix='module', database=database,
                                                   target_database=database + '_modr',
                                                   check_row_counts=check_row_counts), module_env)
        finally:
            drop_database(args, database + '_modr')
        if check_row_counts:
            samples['module_restore'].append(seconds)
            samples['module_restore_rss'].append(rss)
            timings['restore'].append(result.get('timings'))
        else:
            samples['module_restore_nocount'].append(seconds)

    try:
        for rep in range(args.repeat if raw else 1):
            backups = [raw_backup, module_backup] if raw else [module_backup]
            restores = [raw_restore, module_restore] if raw else [module_restore]
            if rep % 2:
                backups.reverse()
                restores.reverse()
            for step in backups + restores:
                step()
            if raw:
                module_restore(check_row_counts=False)
            sys.stderr.write('[%s]   run %d: %s\n' % (time.strftime('%H:%M:%S'), rep + 1, json.dumps(
                dict((k, round(v[-1], 2)) for k, v in samples.items() if v))))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    for name, values in samples.items():
        if values:
            row[name + ('_mib' if name.endswith('rss') else '_seconds')] = round(median(values), 2)
            row[name + '_samples'] = [round(v, 2) for v in values]
    row['module_backup_timings'] = timings['backup']
    row['module_restore_timings'] = timings['restore']
    return row


def main(argv=None):
    args = parse_args(argv)
    tools = find_pg_tools()
    s3 = boto3.client('s3', endpoint_url=args.endpoint_url, aws_access_key_id=args.access_key,
                      aws_secret_access_key=args.secret_key, region_name=args.region,
                      config=Config(signature_version='s3v4', s3={'addressing_style': 'path'}))
    bucket = args.prefix.replace('_', '-').lower() + '-bucket'
    s3.create_bucket(Bucket=bucket)
    sizes = [(args.size_mb, True)] + ([(args.rss_size_mb, False)] if args.rss_size_mb else [])
    rows = []
    try:
        for size_mb, raw in sizes:
            database = '%s_%dmb' % (args.prefix, size_mb)
            sys.stderr.write('[%s] %d MB: generating and measuring...\n' % (time.strftime('%H:%M:%S'), size_mb))
            rows.append(bench_size(args, s3, bucket, tools, database, size_mb, raw=raw))
            sys.stderr.write('[%s] %s\n' % (time.strftime('%H:%M:%S'), json.dumps(rows[-1])))
    finally:
        empty_and_delete_bucket(s3, bucket)
        if not args.keep_source:
            for size_mb, _raw in sizes:
                drop_database(args, '%s_%dmb' % (args.prefix, size_mb))
    report(args, tools, rows)


def empty_and_delete_bucket(s3, bucket):
    """Delete every object and unfinished upload of the benchmark's own bucket, then the bucket."""
    paginator = s3.get_paginator('list_objects_v2')
    for page in paginator.paginate(Bucket=bucket):
        for obj in page.get('Contents', []):
            s3.delete_object(Bucket=bucket, Key=obj['Key'])
    for upload in s3.list_multipart_uploads(Bucket=bucket).get('Uploads', []) or []:
        s3.abort_multipart_upload(Bucket=bucket, Key=upload['Key'], UploadId=upload['UploadId'])
    s3.delete_bucket(Bucket=bucket)


def report(args, tools, rows):
    """Markdown table (medians, and best-of-N ratios which are robust to other load on a shared machine) + JSON."""
    main_row = rows[0]
    db_mb = main_row['db_bytes'] / float(MB)

    def ratio(raw_key, module_key, pick):
        raw_values, module_values = main_row.get(raw_key + '_samples'), main_row.get(module_key + '_samples')
        if not raw_values or not module_values:
            return None
        return pick(raw_values) / pick(module_values)

    ratios = dict(
        backup_median=ratio('raw_backup', 'module_backup', median),
        backup_best=ratio('raw_backup', 'module_backup', min),
        restore_median=ratio('raw_restore', 'module_restore', median),
        restore_best=ratio('raw_restore', 'module_restore', min),
        restore_nocount_median=ratio('raw_restore', 'module_restore_nocount', median),
        restore_nocount_best=ratio('raw_restore', 'module_restore_nocount', min),
    )
    lines = [
        '| %.0f MB database, dump %.1f MB, %d run(s) | raw client (median, best) | module (median, best) | '
        'module/raw throughput (median, best) |' % (db_mb, main_row['module_dump_bytes'] / float(MB), args.repeat),
        '|---|---|---|---|',
    ]
    for label, raw_key, module_key, key in (
            ('backup: `pg_dump -Fc \\| aws s3 cp -` vs state=backup (s)', 'raw_backup', 'module_backup', 'backup'),
            ('restore: `createdb && pg_restore` local file vs state=restore from S3 (s)', 'raw_restore',
             'module_restore', 'restore'),
            ('restore, check_row_counts=false (s)', 'raw_restore', 'module_restore_nocount', 'restore_nocount')):
        raw_values, module_values = main_row[raw_key + '_samples'], main_row[module_key + '_samples']
        lines.append('| %s | %.1f, %.1f | %.1f, %.1f | %.2f, %.2f |' % (
            label, median(raw_values), min(raw_values), median(module_values), min(module_values),
            ratios[key + '_median'], ratios[key + '_best']))
    lines.append('| backup throughput, MB of database per s (median) | %.1f | %.1f | |'
                 % (db_mb / main_row['raw_backup_seconds'], db_mb / main_row['module_backup_seconds']))
    for row in rows:
        lines.append('| module peak RSS, %.0f MB database: backup / restore (MiB, max of runs) | | %.0f / %.0f | |'
                     % (row['db_bytes'] / float(MB), max(row['module_backup_rss_samples']),
                        max(row['module_restore_rss_samples'])))
    print('\n'.join(lines))
    doc = dict(endpoint_url=args.endpoint_url, pg='%s:%d' % (args.pg_host, args.pg_port), pg_tools=tools['version'],
               part_size_mb=args.part_size_mb, repeat=args.repeat, target_ratio=0.9,
               ratios=dict((k, round(v, 3) if v is not None else None) for k, v in ratios.items()),
               module_backup_wall_seconds=main_row['module_backup_samples'],
               backup_within_10_minutes=max(main_row['module_backup_samples']) < 600, sizes=rows)
    print(json.dumps(doc, indent=2, default=str))
    if args.json:
        with open(args.json, 'w') as handle:
            json.dump(doc, handle, indent=2, default=str)


if __name__ == '__main__':
    main()
