# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Content of a PyIceberg SQL catalog (PostgreSQL-backed Iceberg metastore), for the recovery drill and by hand.

Every connection value comes from the environment, never from the command line (docs/metastore-recovery.md, step 1):

  LAKEHOUSE_CATALOG_URI       postgresql+psycopg://<login>@<host>:<port>/<database>  (no password in it)
  LAKEHOUSE_CATALOG_PASSWORD  password of that login
  LAKEHOUSE_CATALOG_NAME      catalog name inside the database (default lakehouse)
  LAKEHOUSE_WAREHOUSE         warehouse location for new tables (seed only), e.g. s3://lakehouse-warehouse/dr-drill
  LAKEHOUSE_S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION   the S3 (Ceph RGW) of the table data

Commands (each prints one JSON document on stdout, exits 1 with a one-line message on stderr on failure):

  inventory [--namespace NS] [--out FILE]   loads every namespace and table and reads every snapshot's rows from
                                            the data files; prints counts per table (FILE: the full inventory with
                                            schemas, snapshots and the rows' sha256). Never writes to the catalog.
  seed --namespace NS --out FILE            create NS with two tables (one evolved, two snapshots); FILE = its inventory
  compare --namespace NS --expected FILE    inventory of NS equals FILE (pointers, schemas, snapshots, every row)
  commit-probe --namespace NS               append one row to NS.customers: the restored catalog accepts commits
  fingerprint [--out FILE]                  sha256 of every row of every table of the catalog database (psycopg)
  purge --namespace NS [--s3-prefix s3://bucket/prefix/ ...]   drop NS and its tables, delete the S3 objects
  delete-s3 --s3-prefix s3://bucket/prefix/ [...]   only delete the S3 objects under those prefixes (any catalog)
  scan --secret-env NAME [...] PATH [...]   the values of those environment variables occur in no file under PATH
                                            and no object under the --s3-prefix locations (prints counts, never values)
"""

from __future__ import absolute_import, division, print_function

import argparse
import datetime
import hashlib
import json
import os
import sys

# Ceph RGW before 19 rejects the AWS SDK's default request checksums (aws-chunked uploads): set before pyarrow's S3.
os.environ.setdefault('AWS_REQUEST_CHECKSUM_CALCULATION', 'when_required')
os.environ.setdefault('AWS_RESPONSE_CHECKSUM_VALIDATION', 'when_required')


class CheckError(Exception):
    pass


def env(name, default=None, required=True):
    value = os.environ.get(name, default)
    if required and not value:
        raise CheckError('%s is not set; export it first (docs/metastore-recovery.md, step 1).' % name)
    return value


def catalog_uri():
    from sqlalchemy.engine import make_url
    url = make_url(env('LAKEHOUSE_CATALOG_URI'))
    if url.password:
        raise CheckError('LAKEHOUSE_CATALOG_URI must not contain the password; put it in LAKEHOUSE_CATALOG_PASSWORD.')
    return url.set(password=env('LAKEHOUSE_CATALOG_PASSWORD'))


def s3_properties():
    return {
        's3.endpoint': env('LAKEHOUSE_S3_ENDPOINT'),
        's3.access-key-id': env('AWS_ACCESS_KEY_ID'),
        's3.secret-access-key': env('AWS_SECRET_ACCESS_KEY'),
        's3.region': env('AWS_REGION', 'us-east-1'),
        's3.force-virtual-addressing': 'false',
        'py-io-impl': 'pyiceberg.io.pyarrow.PyArrowFileIO',
    }


def pg_connect():
    import psycopg
    url = catalog_uri()
    return psycopg.connect(host=url.host, port=url.port or 5432, dbname=url.database, user=url.username,
                           password=url.password, connect_timeout=10)


def refuse_polaris_database():
    """Commands that write refuse Apache Polaris's own database: it is not a PyIceberg SQL catalog."""
    with pg_connect() as conn:
        name, polaris = conn.execute(
            "SELECT current_database(), EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'polaris_schema')"
        ).fetchone()
    if polaris or name == 'polaris':
        raise CheckError('database %s is Apache Polaris\'s, not a PyIceberg SQL catalog; nothing was written' % name)


def load_catalog(init_tables=False):
    from pyiceberg.catalog.sql import SqlCatalog
    props = dict(s3_properties(), uri=catalog_uri().render_as_string(hide_password=False),
                 init_catalog_tables='true' if init_tables else 'false')
    warehouse = os.environ.get('LAKEHOUSE_WAREHOUSE')
    if warehouse:
        props['warehouse'] = warehouse
    return SqlCatalog(env('LAKEHOUSE_CATALOG_NAME', 'lakehouse'), **props)


def s3_client():
    import boto3
    from botocore.config import Config
    return boto3.client('s3', endpoint_url=env('LAKEHOUSE_S3_ENDPOINT'), aws_access_key_id=env('AWS_ACCESS_KEY_ID'),
                        aws_secret_access_key=env('AWS_SECRET_ACCESS_KEY'), region_name=env('AWS_REGION', 'us-east-1'),
                        config=Config(s3={'addressing_style': 'path'}, request_checksum_calculation='when_required',
                                      response_checksum_validation='when_required'))


def split_s3(location):
    if not location.startswith('s3://'):
        raise CheckError('not an s3:// location: %s' % location)
    bucket, prefix = (location[5:].split('/', 1) + [''])[:2]
    if not bucket or not prefix.strip('/'):
        raise CheckError('refusing a whole bucket: give s3://bucket/prefix/ (%s)' % location)
    return bucket, prefix.rstrip('/') + '/'


def s3_objects(client, location):
    bucket, prefix = split_s3(location)
    try:
        for page in client.get_paginator('list_objects_v2').paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get('Contents', []):
                yield bucket, item['Key']
    except client.exceptions.NoSuchBucket:
        return  # nothing was ever written there (a fresh stack)


# ---------------------------------------------------------------------------------------------------------------------
# Reading a table completely
# ---------------------------------------------------------------------------------------------------------------------

def _jsonable(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def rows_digest(arrow_table):
    rows = sorted(json.dumps(row, sort_keys=True, default=_jsonable) for row in arrow_table.to_pylist())
    digest = hashlib.sha256()
    for row in rows:
        digest.update(row.encode('utf-8') + b'\n')
    return {'rows': len(rows), 'sha256': digest.hexdigest()}


def describe_table(table):
    metadata = table.metadata
    snapshots = []
    for snapshot in sorted(metadata.snapshots, key=lambda s: s.sequence_number or 0):
        data = table.scan(snapshot_id=snapshot.snapshot_id).to_arrow()  # reads every data file of the snapshot
        snapshots.append({
            'snapshot_id': snapshot.snapshot_id,
            'parent_snapshot_id': snapshot.parent_snapshot_id,
            'sequence_number': snapshot.sequence_number,
            'timestamp_ms': snapshot.timestamp_ms,
            'schema_id': snapshot.schema_id,
            'operation': snapshot.summary.operation.value if snapshot.summary else None,
            'columns': data.column_names,
            'data': rows_digest(data),
        })
    return {
        'metadata_location': table.metadata_location,
        'table_uuid': str(metadata.table_uuid),
        'format_version': metadata.format_version,
        'location': metadata.location,
        'properties': dict(metadata.properties),
        'current_schema_id': metadata.current_schema_id,
        'schemas': [json.loads(schema.model_dump_json()) for schema in metadata.schemas],
        'partition_specs': [json.loads(spec.model_dump_json()) for spec in metadata.partition_specs],
        'current_snapshot_id': metadata.current_snapshot_id,
        'snapshots': snapshots,
        'rows': snapshots[-1]['data']['rows'] if snapshots else 0,
    }


def inventory(catalog, namespace=None):
    from pyiceberg.exceptions import NoSuchNamespaceError
    namespaces = [tuple(namespace.split('.'))] if namespace else sorted(catalog.list_namespaces())
    result = {'catalog': catalog.name, 'namespaces': {}}
    for ns in namespaces:
        name = '.'.join(ns)
        try:
            properties = catalog.load_namespace_properties(ns)
            tables = sorted(catalog.list_tables(ns))
        except NoSuchNamespaceError:
            raise CheckError('namespace %s does not exist in catalog %s' % (name, catalog.name))
        result['namespaces'][name] = {
            'properties': dict(properties),
            'tables': dict(('.'.join(ident), describe_table(catalog.load_table(ident))) for ident in tables),
        }
    return result


def summary(doc):
    tables = [t for ns in doc['namespaces'].values() for t in ns['tables'].values()]
    return {'namespaces': len(doc['namespaces']), 'tables': len(tables),
            'snapshots': sum(len(t['snapshots']) for t in tables), 'rows': sum(t['rows'] for t in tables)}


def write_json(path, doc):
    if path:
        with open(path, 'w') as handle:
            json.dump(doc, handle, indent=2, sort_keys=True)
            handle.write('\n')


# ---------------------------------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------------------------------

def cmd_inventory(args):
    doc = inventory(load_catalog(), args.namespace)
    write_json(args.out, doc)
    tables = dict((name, {'rows': t['rows'], 'snapshots': len(t['snapshots']), 'schemas': len(t['schemas']),
                          'current_schema_id': t['current_schema_id'], 'current_snapshot_id': t['current_snapshot_id']})
                  for ns in doc['namespaces'].values() for name, t in ns['tables'].items())
    return dict(summary(doc), catalog=doc['catalog'], namespace_names=sorted(doc['namespaces']), by_table=tables)


def cmd_seed(args):
    import pyarrow as pa
    from pyiceberg.partitioning import PartitionField, PartitionSpec
    from pyiceberg.schema import Schema
    from pyiceberg.transforms import IdentityTransform
    from pyiceberg.types import DateType, DoubleType, LongType, NestedField, StringType

    env('LAKEHOUSE_WAREHOUSE')
    refuse_polaris_database()
    catalog = load_catalog(init_tables=True)
    ns = args.namespace
    if catalog.namespace_exists(ns):
        raise CheckError('namespace %s already exists; run purge first' % ns)
    catalog.create_namespace(ns, {'owner': 'metastore-dr-drill', 'comment': 'disaster-recovery drill'})

    customers = catalog.create_table(
        '%s.customers' % ns,
        schema=Schema(NestedField(1, 'customer_id', LongType(), required=True),
                      NestedField(2, 'name', StringType(), required=False),
                      NestedField(3, 'country', StringType(), required=False)),
        properties={'write.parquet.compression-codec': 'zstd'})
    customers.append(pa.Table.from_pylist(
        [{'customer_id': i, 'name': 'customer-%03d' % i, 'country': ['DE', 'FR', 'NL', 'PL'][i % 4]}
         for i in range(1, 26)], schema=customers.schema().as_arrow()))

    orders_schema = Schema(NestedField(1, 'order_id', LongType(), required=True),
                           NestedField(2, 'customer_id', LongType(), required=False),
                           NestedField(3, 'amount', DoubleType(), required=False),
                           NestedField(4, 'region', StringType(), required=False),
                           NestedField(5, 'order_date', DateType(), required=False))
    orders = catalog.create_table(
        '%s.orders' % ns, schema=orders_schema,
        partition_spec=PartitionSpec(PartitionField(source_id=4, field_id=1000, transform=IdentityTransform(),
                                                    name='region')))
    day = datetime.date(2026, 1, 1)
    orders.append(pa.Table.from_pylist(
        [{'order_id': i, 'customer_id': 1 + i % 25, 'amount': round(i * 1.25, 2), 'region': ['eu', 'us'][i % 2],
          'order_date': day + datetime.timedelta(days=i % 30)} for i in range(1, 121)],
        schema=orders.schema().as_arrow()))
    with orders.update_schema() as update:  # schema evolution between the two snapshots
        update.add_column('status', StringType(), doc='added after the first snapshot')
    orders = catalog.load_table('%s.orders' % ns)
    orders.append(pa.Table.from_pylist(
        [{'order_id': i, 'customer_id': 1 + i % 25, 'amount': round(i * 1.25, 2), 'region': ['eu', 'us'][i % 2],
          'order_date': day + datetime.timedelta(days=i % 30), 'status': ['open', 'shipped', 'paid'][i % 3]}
         for i in range(121, 201)], schema=orders.schema().as_arrow()))

    doc = inventory(load_catalog(), ns)
    write_json(args.out, doc)
    tables = doc['namespaces'][ns]['tables']
    counts = dict((name, {'schemas': len(t['schemas']), 'snapshots': len(t['snapshots']), 'rows': t['rows']})
                  for name, t in tables.items())
    return dict(summary(doc), tables=counts)


def _diff(expected, actual, path=''):
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        for key in sorted(set(expected) | set(actual)):
            sub = '%s.%s' % (path, key) if path else str(key)
            if key not in actual:
                out.append('%s missing' % sub)
            elif key not in expected:
                out.append('%s unexpected' % sub)
            else:
                out.extend(_diff(expected[key], actual[key], sub))
        return out
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        return [d for i, (e, a) in enumerate(zip(expected, actual)) for d in _diff(e, a, '%s[%d]' % (path, i))]
    if expected == actual:
        return []
    return ['%s: expected %s, found %s' % (path, json.dumps(expected)[:200], json.dumps(actual)[:200])]


def cmd_compare(args):
    with open(args.expected) as handle:
        expected = json.load(handle)
    actual = inventory(load_catalog(), args.namespace)
    write_json(args.out, actual)
    differences = _diff(expected, actual)
    if differences:
        raise CheckError('the catalog differs from %s in %d place(s), first: %s'
                         % (args.expected, len(differences), '; '.join(differences[:5])))
    return dict(summary(actual), identical=True)


def cmd_commit_probe(args):
    import pyarrow as pa
    refuse_polaris_database()
    catalog = load_catalog()
    table = catalog.load_table('%s.customers' % args.namespace)
    before = table.metadata.current_snapshot_id
    rows_before = table.scan().to_arrow().num_rows
    table.append(pa.Table.from_pylist([{'customer_id': 10000, 'name': 'written-after-restore', 'country': 'DE'}],
                                      schema=table.schema().as_arrow()))
    table = catalog.load_table('%s.customers' % args.namespace)  # re-read through the catalog database
    snapshot = table.current_snapshot()
    rows_after = table.scan().to_arrow().num_rows
    if snapshot.parent_snapshot_id != before or rows_after != rows_before + 1:
        raise CheckError('the commit after the restore did not land: parent %s (expected %s), rows %d -> %d'
                         % (snapshot.parent_snapshot_id, before, rows_before, rows_after))
    return {'committed': True, 'parent_snapshot_id': before, 'snapshot_id': snapshot.snapshot_id,
            'rows_before': rows_before, 'rows_after': rows_after}


def cmd_fingerprint(args):
    from psycopg import sql
    url = catalog_uri()
    with pg_connect() as conn:
        owner = conn.execute('SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_catalog.pg_database '
                             'WHERE datname = current_database()').fetchone()[0]
        tables = conn.execute(
            "SELECT schemaname, tablename, tableowner FROM pg_catalog.pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2").fetchall()
        doc = {'database': url.database, 'owner': owner, 'tables': {}}
        total = hashlib.sha256()
        for schema, name, table_owner in tables:
            digest, count = hashlib.sha256(), 0
            query = sql.SQL('SELECT t::text FROM {}.{} AS t ORDER BY 1').format(
                sql.Identifier(schema), sql.Identifier(name))
            for (row,) in conn.execute(query):
                digest.update(row.encode('utf-8') + b'\n')
                count += 1
            key = '%s.%s' % (schema, name)
            doc['tables'][key] = {'rows': count, 'sha256': digest.hexdigest(), 'owner': table_owner}
            total.update(('%s %d %s\n' % (key, count, digest.hexdigest())).encode('utf-8'))
        doc['sha256'] = total.hexdigest()
        doc['rows'] = sum(t['rows'] for t in doc['tables'].values())
    write_json(args.out, doc)
    return doc


def cmd_purge(args):
    from pyiceberg.exceptions import NoSuchNamespaceError, NoSuchTableError
    result = {'dropped_tables': [], 'dropped_namespace': False, 'deleted_objects': 0}
    refuse_polaris_database()
    # A catalog database nothing has used yet (the platform's tables live in Polaris) has no catalog tables:
    # create them, as the seed step does, rather than fail on a purge of nothing.
    catalog = load_catalog(init_tables=True)
    try:
        for ident in catalog.list_tables(args.namespace):
            try:
                catalog.drop_table(ident)
                result['dropped_tables'].append('.'.join(ident))
            except NoSuchTableError:
                pass
        catalog.drop_namespace(args.namespace)
        result['dropped_namespace'] = True
    except NoSuchNamespaceError:
        pass
    result['deleted_objects'] = delete_s3(args.s3_prefix)
    return result


def delete_s3(locations):
    deleted = 0
    if locations:
        client = s3_client()
        for location in locations:
            batch = []
            for bucket, key in list(s3_objects(client, location)):
                batch.append({'Key': key})
                if len(batch) == 1000:
                    client.delete_objects(Bucket=bucket, Delete={'Objects': batch, 'Quiet': True})
                    deleted += len(batch)
                    batch = []
            if batch:
                client.delete_objects(Bucket=split_s3(location)[0], Delete={'Objects': batch, 'Quiet': True})
                deleted += len(batch)
    return deleted


def cmd_delete_s3(args):
    return {'deleted_objects': delete_s3(args.s3_prefix)}


def cmd_scan(args):
    secrets = []
    for name in args.secret_env:
        value = os.environ.get(name)
        if not value or len(value) < 8:
            raise CheckError('secret environment variable %s is not set (or too short to scan for)' % name)
        secrets.append((name, value.encode('utf-8')))
    hits, files, objects = [], 0, 0
    paths = []
    for root in args.paths:
        if not os.path.exists(root):
            raise CheckError('%s does not exist' % root)
        if os.path.isfile(root):
            paths.append(root)
        for directory, _dirs, names in os.walk(root):
            paths.extend(os.path.join(directory, name) for name in names)
    for path in paths:
        if not os.path.isfile(path) or os.path.islink(path):
            continue
        with open(path, 'rb') as handle:
            data = handle.read()
        files += 1
        hits.extend({'where': path, 'secret': env_name} for env_name, value in secrets if value in data)
    if args.s3_prefix:
        client = s3_client()
        for location in args.s3_prefix:
            for bucket, key in s3_objects(client, location):
                data = client.get_object(Bucket=bucket, Key=key)['Body'].read()
                objects += 1
                hits.extend({'where': 's3://%s/%s' % (bucket, key), 'secret': env_name}
                            for env_name, value in secrets if value in data)
    return {'files_scanned': files, 'objects_scanned': objects, 'secrets': len(secrets), 'hits': hits}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest='command', required=True)
    p = sub.add_parser('inventory')
    p.add_argument('--namespace')
    p.add_argument('--out')
    p = sub.add_parser('seed')
    p.add_argument('--namespace', required=True)
    p.add_argument('--out', required=True)
    p = sub.add_parser('compare')
    p.add_argument('--namespace', required=True)
    p.add_argument('--expected', required=True)
    p.add_argument('--out')
    p = sub.add_parser('commit-probe')
    p.add_argument('--namespace', required=True)
    p = sub.add_parser('fingerprint')
    p.add_argument('--out')
    p = sub.add_parser('purge')
    p.add_argument('--namespace', required=True)
    p.add_argument('--s3-prefix', action='append', default=[])
    p = sub.add_parser('delete-s3')
    p.add_argument('--s3-prefix', action='append', required=True)
    p = sub.add_parser('scan')
    p.add_argument('--secret-env', action='append', required=True)
    p.add_argument('--s3-prefix', action='append', default=[])
    p.add_argument('paths', nargs='*')
    args = parser.parse_args(argv)
    handler = globals()['cmd_' + args.command.replace('-', '_')]
    try:
        result = handler(args)
    except CheckError as exc:
        sys.stderr.write('catalog_check %s: %s\n' % (args.command, exc))
        return 1
    except Exception as exc:  # one line, never a traceback with connection strings
        first = str(exc).splitlines()[0] if str(exc) else ''
        sys.stderr.write('catalog_check %s failed: %s: %s\n' % (args.command, type(exc).__name__, first))
        return 1
    json.dump(result, sys.stdout, indent=2, sort_keys=True, default=str)
    sys.stdout.write('\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
