# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hive_metastore_check module's work: an Iceberg table created, updated and queried through the Hive
Metastore (the iceberg_table / iceberg_table_info code path, catalog_type hive), the metastore's own
``metadata_location`` compared with the table's, then the Thrift lookups timed on that table (lookups.py), and the
table dropped with its files. One module run gives every HMS figure of the Phase 1 report."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time
import uuid
from collections import OrderedDict

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.hive.client import MetastoreClient
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.hive.lookups import THRESHOLD_SECONDS, measure_lookups

SCHEMA = [dict(name='id', type='long', required=True), dict(name='region', type='string')]
ADDED_COLUMN = 'note'
FIRST_ROWS = [dict(id=1, region='eu'), dict(id=2, region='us'), dict(id=3, region='eu')]
LATER_ROWS = [dict(id=4, region='us', note='after the evolution'), dict(id=5, region='eu', note='after the evolution')]


def spec_defaults(spec):
    """The top-level defaults of an argument spec (pure)."""
    return dict((name, option.get('default')) for name, option in spec.items())


def table_params(params, namespace, name, **extra):
    """iceberg_table's parameters for the scratch table (its spec's defaults, the connection of params)."""
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.specs import table_argument_spec
    out = spec_defaults(table_argument_spec())
    out.update((k, v) for k, v in params.items() if k in out and v is not None)
    out.update(catalog_type='hive', catalog_uri=params['uri'], namespace=namespace, name=name)
    out.update(extra)
    return out


def info_params(params, namespace, name, **extra):
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.specs import info_argument_spec
    out = spec_defaults(info_argument_spec())
    out.update((k, v) for k, v in params.items() if k in out and v is not None)
    out.update(catalog_type='hive', catalog_uri=params['uri'], namespace=namespace, name=name, snapshots=False)
    out.update(extra)
    return out


def _namespace_exists(uri, namespace):
    with MetastoreClient(uri) as client:
        return namespace in client.get_all_databases()


def run_check(params, check_mode=False):
    """The module result (raises a LakehouseError with one line)."""
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.service import run_info, run_table
    uri = params['uri']
    calls = params.get('calls') or 100
    threshold = params.get('threshold_seconds') or THRESHOLD_SECONDS
    namespace = params.get('namespace') or 'lakehouse_check'
    result = OrderedDict([('changed', False), ('uri', uri), ('threshold_seconds', threshold), ('calls', calls)])
    if check_mode:
        # Nothing is written: the lookups that need no table, on the metastore's default database.
        result['lookups'] = measure_lookups(uri, 'default', None, calls, threshold)
        result['round_trip'] = OrderedDict([('skipped', 'check mode: no table is created')])
        return finish(result)
    name = 'check_%s' % uuid.uuid4().hex[:10]
    created_namespace = not _namespace_exists(uri, namespace)
    trip = OrderedDict([('namespace', namespace), ('table', name), ('catalog', 'hive')])
    seconds = OrderedDict()
    result['round_trip'] = trip
    try:
        started = time.monotonic()
        created = run_table(table_params(params, namespace, name, schema=SCHEMA,
                                         data=dict(mode='append', rows=FIRST_ROWS)))
        seconds['create'] = round(time.monotonic() - started, 3)
        trip['created'] = bool(created.get('changed'))
        started = time.monotonic()
        updated = run_table(table_params(params, namespace, name, schema=SCHEMA + [dict(name=ADDED_COLUMN, type='string')],
                                         data=dict(mode='append', rows=LATER_ROWS)))
        seconds['update'] = round(time.monotonic() - started, 3)
        trip['updated'] = bool(updated.get('changed'))
        trip['added_column'] = ADDED_COLUMN
        trip['rows_written'] = len(FIRST_ROWS) + len(LATER_ROWS)
        started = time.monotonic()
        info = run_info(info_params(params, namespace, name, files=True, query=dict(limit=100)))
        seconds['query'] = round(time.monotonic() - started, 3)
        query = info.get('query') or {}
        trip['rows_read'] = query.get('returned_rows')
        trip['notes_read'] = sum(1 for row in query.get('rows') or [] if row.get(ADDED_COLUMN))
        trip['schema'] = [c.get('name') for c in info.get('schema') or []]
        trip['current_snapshot_id'] = info.get('current_snapshot_id')
        trip['metadata_location'] = info.get('metadata_location')
        files = info.get('files') or {}
        trip['data_files'] = files.get('data_files')
        with MetastoreClient(uri) as client:
            hms_table = client.get_table(namespace, name)
        parameters = dict(hms_table.parameters or {})
        trip['hms_table_type'] = parameters.get('table_type')
        trip['hms_metadata_location'] = parameters.get('metadata_location')
        trip['metadata_location_matches'] = trip['hms_metadata_location'] == trip['metadata_location']
        result['lookups'] = measure_lookups(uri, namespace, name, calls, threshold)
    finally:
        started = time.monotonic()
        try:
            run_table(table_params(params, namespace, name, state='absent', purge=True))
            if created_namespace:
                with MetastoreClient(uri) as client:
                    if not client.get_all_tables(namespace):
                        location = client.get_database(namespace).locationUri
                        # deleteData=False: with it, the metastore's S3A would replace the database's directory
                        # marker by one of its parent (the warehouse), another object left behind.
                        client.drop_database(namespace, False, False)
                remove_directory_marker(params, location)
            trip['dropped'] = True
        except Exception as exc:  # the check's own failure, if any, is the one to report
            trip['dropped'] = False
            trip['drop_error'] = ' '.join(str(exc).split())[:300]
        seconds['drop'] = round(time.monotonic() - started, 3)
        trip['seconds'] = seconds
    return finish(result)


def remove_directory_marker(params, location):
    """Delete the empty directory marker ("<path>/", 0 bytes) the metastore wrote for a database at location."""
    match = re.match(r'^s3a?://([^/]+)/(.+?)/?$', location or '')
    if not match:
        return
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.connection import s3_client, s3_connection_params
    client = s3_client(s3_connection_params(params))
    key = match.group(2) + '/'
    listed = client.list_objects_v2(Bucket=match.group(1), Prefix=key, MaxKeys=2).get('Contents', [])
    if [(o['Key'], o['Size']) for o in listed] == [(key, 0)]:
        client.delete_object(Bucket=match.group(1), Key=key)


def finish(result):
    result['problems'] = problems(result)
    result['passed'] = not result['problems']
    return result


def problems(result):
    """What the check found wrong (pure), [] when it passed."""
    out = []
    trip = result.get('round_trip') or {}
    if not trip.get('skipped'):  # check mode: only the lookups are measured
        if not trip.get('created'):
            out.append('the table was not created')
        if not trip.get('updated'):
            out.append('the table was not updated')
        if trip.get('rows_read') != trip.get('rows_written'):
            out.append('%s row(s) read back of %s written' % (trip.get('rows_read'), trip.get('rows_written')))
        if trip.get('added_column') not in (trip.get('schema') or []):
            out.append('the added column %r is not in the schema' % trip.get('added_column'))
        if trip.get('metadata_location_matches') is not True:
            out.append('the metastore names metadata %s, the table %s' % (
                trip.get('hms_metadata_location'), trip.get('metadata_location')))
    for lookup in result.get('lookups') or []:
        if not lookup.get('under_threshold'):
            out.append('%s p95 %s ms is above %s s' % (lookup['lookup'], lookup['p95_ms'], result.get('threshold_seconds')))
    return out


def describe_error(exc, uri=None):
    """One line for an unexpected exception (a Thrift error of the metastore: with the fix)."""
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.catalog import describe_hive_error
    text = ' '.join(str(getattr(exc, 'message', None) or exc).split())[:300] or type(exc).__name__
    described = describe_hive_error(exc, text, uri, 'hive_metastore_check')
    if described:
        return described.replace('catalog_uri', 'uri')  # the fix names this module's option
    return 'hive_metastore_check failed: %s: %s' % (type(exc).__name__, text)
