#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backup, verify and restore of Apache Polaris's own database at --entities entities, module vs raw clients.

    .venv/bin/python benchmarks/polaris_backup.py                      # 10,000 entities, 1 run
    .venv/bin/python benchmarks/polaris_backup.py --entities 2000 --repeat 3 --json /tmp/pb.json

1. Fills the local stack's Polaris through its APIs (real entities, as users make them, not SQL inserts): one
   catalog on the stack's RGW, principal roles, catalog roles with grants, nested namespaces and empty Iceberg tables
   (their metadata files written to RGW by Polaris), until polaris_schema.entities holds at least --entities rows.
2. On the Polaris database itself (the stack's `polaris` database, while Polaris runs): raw `pg_dump -Fc | aws s3
   cp -` vs metastore_backup state=backup, raw `createdb && pg_restore` vs state=restore (with the row and entity
   count check), and state=verify (restore into a scratch database, compare the entity counts per type and the
   schema version with the manifest) - benchmarks/metastore_backup.py's measurement, the same code.
3. Removes what it created (tables, namespaces, roles, the catalog, the backups' bucket) unless --keep.
Prints a markdown table and a JSON document. Needs the stack up with Polaris (LAKEHOUSE_STATE_DIR or the default).
"""

from __future__ import absolute_import, division, print_function

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, '.collections'))
sys.path.insert(0, HERE)
STATE = os.environ.get('LAKEHOUSE_STATE_DIR') or '/var/lib/dataplatform-lakehouse'

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

import metastore_backup as mb  # noqa: E402  (benchmarks/metastore_backup.py: the same measurement)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.backup.counts import (  # noqa: E402
    polaris_entity_counts,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.client import (  # noqa: E402
    PolarisClient, PolarisError, quote_name,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.postgresql.tools import (  # noqa: E402
    find_pg_tools,
)

CATALOG_API = '/api/catalog/v1'
# One table per this many namespaces (a table costs a metadata file on RGW, a namespace only a row).
TABLE_EVERY = 8
TABLE_SCHEMA = {'type': 'struct', 'schema-id': 0, 'fields': [
    {'id': 1, 'name': 'id', 'type': 'long', 'required': True},
    {'id': 2, 'name': 'payload', 'type': 'string', 'required': False}]}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--entities', type=int, default=10000, help='Polaris entities to reach (default 10000)')
    p.add_argument('--repeat', type=int, default=1, help='backup/restore runs (medians are reported)')
    p.add_argument('--keep', action='store_true', help='keep the created Polaris content')
    p.add_argument('--json', help='also write the JSON result to this file')
    return p.parse_args()


def entity_counts(pg_args, database):
    with mb.pg_connect(pg_args, database) as conn:
        return polaris_entity_counts(conn)


class Filler(object):
    """Creates Polaris content through the management and Iceberg REST APIs (one kept-alive connection)."""

    def __init__(self, client, catalog, bucket, s3):
        self.client, self.catalog, self.bucket, self.s3 = client, catalog, bucket, s3
        self.namespaces, self.tables, self.catalog_roles, self.principal_roles = [], [], [], []

    def catalog_call(self, method, path, body=None, expected=(200, 201, 204), missing_ok=False):
        return self.client.request(method, '%s/%s' % (quote_name(self.catalog), path), body, expected=expected,
                                   missing_ok=missing_ok, api=CATALOG_API)

    def create_catalog(self):
        location = 's3://%s/%s' % (self.bucket, self.catalog)
        self.client.request('POST', 'catalogs', {'catalog': {
            'name': self.catalog, 'type': 'INTERNAL', 'properties': {'default-base-location': location},
            'storageConfigInfo': {'storageType': 'S3', 'allowedLocations': [location],
                                  'endpoint': self.s3['endpoint_url'], 'pathStyleAccess': True,
                                  'stsUnavailable': True, 'region': self.s3.get('region') or 'us-east-1'}}})

    def add_roles(self, count):
        for i in range(count):
            name = '%s_cr%03d' % (self.catalog, i)
            self.client.request('POST', 'catalogs/%s/catalog-roles' % quote_name(self.catalog),
                                {'catalogRole': {'name': name}})
            role_path = 'catalogs/%s/catalog-roles/%s' % (quote_name(self.catalog), quote_name(name))
            self.client.request('PUT', role_path + '/grants',
                                {'grant': {'type': 'catalog', 'privilege': 'TABLE_READ_DATA'}})
            self.catalog_roles.append(name)
            principal_role = '%s_pr%03d' % (self.catalog, i)
            self.client.request('POST', 'principal-roles', {'principalRole': {'name': principal_role}})
            assignment = 'principal-roles/%s/catalog-roles/%s' % (quote_name(principal_role), quote_name(self.catalog))
            self.client.request('PUT', assignment,
                                {'catalogRole': {'name': name}})
            self.principal_roles.append(principal_role)

    def add_namespace(self, index):
        # Two levels: 50 top-level namespaces, the rest nested under them.
        top = 'ns%02d' % (index % 50)
        levels = [top] if index < 50 else [top, 'n%05d' % index]
        self.catalog_call('POST', 'namespaces', {'namespace': levels, 'properties': {'owner': 'bench'}})
        self.namespaces.append(levels)
        if index >= 50 and index % TABLE_EVERY == 0:
            self.catalog_call('POST', 'namespaces/%s/tables' % '%1F'.join(levels),
                              {'name': 't', 'schema': TABLE_SCHEMA})
            self.tables.append(levels)

    def remove(self):
        """Drop everything created, children first; the tables' files go with the warehouse bucket (no purge: the
        catalog does not enable drop-with-purge). Returns the calls that failed (the rest still runs)."""
        calls = [(self.catalog_call, 'namespaces/%s/tables/t' % '%1F'.join(levels)) for levels in self.tables]
        calls += [(self.catalog_call, 'namespaces/%s' % '%1F'.join(levels))
                  for levels in sorted(self.namespaces, key=len, reverse=True)]
        calls += [(self.client.request, 'principal-roles/%s' % quote_name(name)) for name in self.principal_roles]
        calls += [(self.client.request, 'catalogs/%s/catalog-roles/%s' % (quote_name(self.catalog), quote_name(name)))
                  for name in self.catalog_roles]
        calls.append((self.client.request, 'catalogs/%s' % quote_name(self.catalog)))
        failed = []
        for call, path in calls:
            try:
                call('DELETE', path, missing_ok=True)
            except PolarisError as exc:
                failed.append(str(exc))
        return failed


def fill(filler, pg_args, database, target):
    started = time.monotonic()
    filler.create_catalog()
    filler.add_roles(50)
    index, last_report = 0, time.monotonic()
    total = entity_counts(pg_args, database)['total']
    while total < target:
        # Each namespace is one entity, each table one more: check the real count every 500 namespaces.
        for unused in range(min(500, target - total)):
            filler.add_namespace(index)
            index += 1
        total = entity_counts(pg_args, database)['total']
        if time.monotonic() - last_report > 15:
            sys.stderr.write('[%s] %d of %d entities\n' % (time.strftime('%H:%M:%S'), total, target))
            last_report = time.monotonic()
    return time.monotonic() - started


def main():
    args = parse_args()
    root = mb.load_json(os.path.join(STATE, 'credentials', 'polaris.json'))
    s3_creds = mb.load_json(os.path.join(STATE, 'credentials', 's3.json'))
    pg = mb.load_json(os.path.join(STATE, 'credentials', 'postgresql.json'))
    database = pg.get('database') or 'polaris'
    pg_args = mb.parse_args([])   # the stack's credentials, as metastore_backup.py reads them
    pg_args.repeat = args.repeat
    pg_args.reuse = False
    tools = find_pg_tools()
    s3 = boto3.client('s3', endpoint_url=pg_args.endpoint_url, aws_access_key_id=pg_args.access_key,
                      aws_secret_access_key=pg_args.secret_key, region_name=pg_args.region,
                      config=Config(signature_version='s3v4', s3={'addressing_style': 'path'}))
    prefix = 'pbbench%d' % int(time.time())
    bucket = prefix + '-backups'
    warehouse = prefix + '-warehouse'
    s3.create_bucket(Bucket=bucket)
    s3.create_bucket(Bucket=warehouse)
    client = PolarisClient(root['uri'], root['client_id'], root['client_secret'], realm=root['realm'])
    filler = Filler(client, prefix, warehouse, s3_creds)
    result = dict(database=database, target_entities=args.entities, postgresql='%s:%s' % (pg['host'], pg['port']))
    try:
        before = entity_counts(pg_args, database)
        sys.stderr.write('[%s] Polaris has %d entities; filling to %d through its APIs...\n'
                         % (time.strftime('%H:%M:%S'), before['total'], args.entities))
        result['fill_seconds'] = round(fill(filler, pg_args, database, args.entities), 1)
        counts = entity_counts(pg_args, database)
        result['entities'] = counts
        result['created'] = dict(namespaces=len(filler.namespaces), tables=len(filler.tables),
                                 catalog_roles=len(filler.catalog_roles), principal_roles=len(filler.principal_roles))
        sys.stderr.write('[%s] %d entities; measuring backup and restore...\n'
                         % (time.strftime('%H:%M:%S'), counts['total']))
        row = mb.bench_size(pg_args, s3, bucket, tools, database, None)
        module_env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, '.collections'))
        verify, verify_seconds, verify_rss = mb.run_module(dict(
            host=pg_args.pg_host, port=pg_args.pg_port, user=pg_args.pg_user, password=pg_args.pg_password,
            endpoint_url=pg_args.endpoint_url, access_key=pg_args.access_key, secret_key=pg_args.secret_key,
            region=pg_args.region, bucket=bucket, bin_dir=tools['bin_dir'], state='verify', prefix='module',
            database=database), module_env)
        row['module_verify_seconds'] = round(verify_seconds, 2)
        row['module_verify_rss_mib'] = round(verify_rss, 1)
        row['module_verify_changed'] = verify.get('changed')
        row['module_verify_mismatches'] = (verify.get('verification') or {}).get('mismatches')
        result['measurement'] = row
    finally:
        if not args.keep:
            sys.stderr.write('[%s] removing what the benchmark created...\n' % time.strftime('%H:%M:%S'))
            failed = filler.remove()
            if failed:
                sys.stderr.write('%d removals failed, the first: %s\n' % (len(failed), failed[0]))
        for name in (bucket, warehouse):
            mb.empty_and_delete_bucket(s3, name)
    report(result)
    if args.json:
        with open(args.json, 'w') as handle:
            json.dump(result, handle, indent=2, default=str)


def report(result):
    row = result['measurement']
    counts = result['entities']
    lines = ['| Polaris database, %d entities (%s), %.1f MB, dump %.1f MB | raw client | module | raw / module |'
             % (counts['total'], ', '.join('%s %d' % (k, v) for k, v in sorted(counts['by_type'].items())),
                row['db_bytes'] / float(mb.MB), row['module_dump_bytes'] / float(mb.MB)),
             '|---|---|---|---|']
    for label, raw, module in (
            ('backup (s): `pg_dump -Fc \\| aws s3 cp -` vs state=backup', 'raw_backup', 'module_backup'),
            ('restore (s): `createdb && pg_restore` vs state=restore with counts', 'raw_restore', 'module_restore')):
        lines.append('| %s | %.2f | %.2f | %.2f |'
                     % (label, row[raw + '_seconds'], row[module + '_seconds'],
                        row[raw + '_seconds'] / row[module + '_seconds']))
    lines.append('| verify (s): state=verify, restore into scratch + entity counts per type | | %.2f | |'
                 % row['module_verify_seconds'])
    lines.append('')
    lines.append('Filling Polaris through its APIs took %.0f s (%s).' % (
        result['fill_seconds'], ', '.join('%s %d' % kv for kv in sorted(result['created'].items()))))
    print('\n'.join(lines))
    print(json.dumps(result, indent=2, default=str))


if __name__ == '__main__':
    main()
